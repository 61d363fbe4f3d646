"""Fixes from blind round s45c (tests/test_lab_s45c_blind.py), tested without the lab.

s45c-sancn's mx2 has a certificate whose subject CN names the MX host while its only
subjectAltName is www.<domain>. SMTP-11 (and MTASTS-32, which repeats it) said only that the
certificate 'names www.<domain>': an owner who opens it sees 'CN=mx2.<domain>' and cannot tell
why that does not count. Senders read the CN only when a certificate has no subjectAltName DNS
name (OpenSSL's X509_check_host, as RFC 6125 §6.4.4 allows); RFC 9525 drops the CN-ID and RFC
8461 §4.2 asks for a SAN DNS-ID. The finding now says so; statuses are unchanged.

s45c-tawild's mx2, pinned by DANE-TA '2 0 1' on its issuing CA, presents a leaf for
'*.mx2.<domain>': DANE-09 said only that the leaf is 'not valid for' mx2.<domain>, where
SMTP-11 names what the certificate carries and that a wildcard covers only one label (RFC 9525
§6.3, which RFC 7672 §3.2.3's name checks follow). DANE-09 now names the leaf's DNS names and,
for a wildcard over the host, says that too; its status is unchanged.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from checks import certs
from checks.findings import Status
from tests.test_certs import Pki
from tests.test_engine_s12_small import HOST, MX1, _dane, _probe
from tests.test_engine_s41i import _smtp11

CN_WORDS = f"subject CN names {HOST}, which senders do not read beside subjectAltName"


@pytest.fixture(scope="module")
def pki() -> Pki:
    return Pki()


@pytest.mark.parametrize("under_sts", [True, False])
def test_smtp11_says_the_cn_naming_the_host_is_not_read_beside_other_sans(
    pki: Pki, tmp_path: Path, under_sts: bool
) -> None:
    probe = _probe(pki, tmp_path, pki.leaf(["www.example.test"], cn=HOST))
    found = _smtp11(probe, under_sts)
    assert found.status == (Status.FAIL if under_sts else Status.WARN), found
    assert "it names www.example.test" in found.summary, found.summary
    assert CN_WORDS in found.summary, found.summary
    assert "RFC 6125 §6.4.4" in found.summary, found.summary
    assert f"subjectAltName includes {HOST}." in (found.fix or ""), found.fix


@pytest.mark.parametrize(
    ("sans", "cn"),
    [
        (["www.example.test"], "www.example.test"),  # the CN names another host
        (["www.example.test"], "localhost.localdomain"),
    ],
)
def test_smtp11_says_nothing_of_a_cn_that_does_not_name_the_host(
    pki: Pki, tmp_path: Path, sans: list[str], cn: str
) -> None:
    found = _smtp11(_probe(pki, tmp_path, pki.leaf(sans, cn=cn)), True)
    assert found.status == Status.FAIL, found
    assert "subject CN" not in found.summary, found.summary


def test_a_san_naming_the_host_passes_whatever_the_cn(pki: Pki, tmp_path: Path) -> None:
    # s45c-sancn's mx1: its SAN names it, its CN is an appliance's 'localhost.localdomain'.
    found = _smtp11(_probe(pki, tmp_path, pki.leaf([HOST], cn="localhost.localdomain")), True)
    assert found.status == Status.PASS, found


@pytest.mark.parametrize(
    ("sans", "words", "wildcard"),
    [
        (["*.mx1.ex.com"], "it names *.mx1.ex.com; a wildcard covers only one label;", True),
        (["*.ex.com.example"], "it names *.ex.com.example;", False),
        (["mail.ex.com"], "it names mail.ex.com;", False),
    ],
)
def test_dane09_names_what_the_leaf_carries(
    pki: Pki, tmp_path: Path, sans: list[str], words: str, wildcard: bool
) -> None:
    assert pki.inter is not None
    found = _dane(
        pki,
        tmp_path,
        {MX1: certs.tlsa_record_text(pki.inter.der, 2, 0, 1)},
        {MX1: [pki.leaf(sans).der, pki.inter.der]},
    )
    (dane09,) = [f for f in found if f.id == "DANE-09"]
    assert dane09.status == Status.FAIL, dane09
    assert f"not valid for {MX1} ({words} RFC 7672 §3.2.3)" in dane09.summary, dane09.summary
    assert ("wildcard" in dane09.summary) is wildcard, dane09.summary
