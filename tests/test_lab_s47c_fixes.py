"""Fixes from blind round s47c (tests/test_lab_s47c_blind.py), tested without the lab.

s47c-tarogue's mx1 sends its leaf, its issuing CA and an unrelated root, and its DANE-TA
'2 0 1' names that unrelated root. The chain is complete to a root the record does not name,
as in the case tests/test_engine_s12_small.py already reads as DANE-07 (RFC 7671 §4.1, RFC 7672
§3.2: no usable record matches the chain); only because the stray certificate is sent, it read
as DANE-09 'a chain that does not lead to the DANE-TA anchor', whose fix asked to send the
certificate the server already sends. It is DANE-07 now, naming the stray certificate.

s47c-eeca's mx1 publishes '3 1 1' of its issuing CA's key (which it sends), and s47c-taleaf's
'2 1 1' of its own leaf's key: the right data under the wrong usage. DANE-07 said only that the
key 'matches none of the TLSA records', or that the DANE-TA record 'names no certificate the
server sends' and was 'stale', which is false. It now names the certificate the record matches
and the rule (DANE-EE matches the server's own certificate, RFC 7671 §5.1; DANE-TA a CA above
it, §5.2), and offers the record with the usage that matches.

s47c-eefullchain publishes '3 1 1' of its leaf beside '3 1 1' of the CA it sends: DANE-12
passed "Every TLSA record ... matches the current certificate", though the second never can.
It names that record and says it adds nothing (status unchanged).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from cryptography.hazmat.primitives import serialization

from checks import certs, dane, https, starttls
from checks.config import CheckConfig
from checks.context import CheckContext
from tests.lab.pki import LabPKI
from tests.lab.scenarios import CertSpec
from tests.test_certs import Pki, make_ca
from tests.test_dane import _good_probe
from tests.test_engine_s12_small import MX1, _dane, _of, _verdicts
from tests.test_mx import FakeDns


@pytest.fixture(scope="module")
def pki() -> Pki:
    return Pki()


def test_a_dane_ta_record_for_a_sent_certificate_outside_the_chain_is_dane_07(
    pki: Pki, tmp_path: Path
) -> None:
    assert pki.inter is not None
    leaf = pki.leaf([MX1])
    stray = make_ca("Stray Root X")
    found = _dane(
        pki,
        tmp_path,
        {MX1: certs.tlsa_record_text(stray.der, 2, 0, 1)},
        {MX1: [leaf.der, pki.inter.der, stray.der]},
    )
    assert _verdicts(found) == [("DANE-07", "fail")]
    (dane07,) = _of(found, "DANE-07")
    assert "names CN=Stray Root X" in dane07.summary, dane07.summary
    assert "which the server sends but which issued none of its certificates" in dane07.summary
    assert "CN=Test Root R1" in dane07.summary, dane07.summary
    fix = dane07.fix or ""
    assert certs.tlsa_record_text(leaf.der, 3, 1, 1) in fix, fix
    assert certs.tlsa_record_text(pki.inter.der, 2, 1, 1) in fix, fix
    assert "full chain" not in fix, fix


def test_a_sent_root_whose_intermediate_is_missing_stays_dane_09(pki: Pki, tmp_path: Path) -> None:
    # leaf + root sent, the intermediate left out, '2 0 1' of the root: the anchor is above the
    # chain, the path merely incomplete; sending the intermediate mends it (RFC 7671 §5.2.2).
    found = _dane(
        pki,
        tmp_path,
        {MX1: certs.tlsa_record_text(pki.root.der, 2, 0, 1)},
        {MX1: [pki.leaf([MX1]).der, pki.root.der]},
    )
    assert [v for v in _verdicts(found) if v[1] == "fail"] == [("DANE-09", "fail")]


def test_dane_ee_of_the_intermediate_names_it(pki: Pki, tmp_path: Path) -> None:
    assert pki.inter is not None
    leaf = pki.leaf([MX1])
    record = certs.tlsa_record_text(pki.inter.der, 3, 1, 1)
    found = _dane(pki, tmp_path, {MX1: record}, {MX1: [leaf.der, pki.inter.der]})
    assert _verdicts(found) == [("DANE-07", "fail")]
    (dane07,) = _of(found, "DANE-07")
    assert f"'{record[:40].lower()}…' matches CN=Test Issuing CA 1" in dane07.summary, (
        dane07.summary
    )
    assert "the server's own certificate only (RFC 7671 §5.1)" in dane07.summary
    fix = dane07.fix or ""
    assert certs.tlsa_record_text(leaf.der, 3, 1, 1) in fix, fix
    assert f"in place of '{record[:40].lower()}…'" in fix, fix


def test_dane_ta_of_the_leaf_itself_names_it_and_offers_dane_ee(pki: Pki, tmp_path: Path) -> None:
    assert pki.inter is not None
    leaf = pki.leaf([MX1])
    record = certs.tlsa_record_text(leaf.der, 2, 1, 1)
    found = _dane(pki, tmp_path, {MX1: record}, {MX1: [leaf.der, pki.inter.der]})
    assert _verdicts(found) == [("DANE-07", "fail")]
    (dane07,) = _of(found, "DANE-07")
    assert f"'{record[:40].lower()}…' matches the server's own certificate" in dane07.summary
    assert "names no certificate the server sends" not in dane07.summary, dane07.summary
    fix = dane07.fix or ""
    assert "stale" not in fix, fix
    assert certs.tlsa_record_text(leaf.der, 3, 1, 1) in fix, fix


def test_dane12_does_not_call_a_dane_ee_record_of_the_ca_a_match_of_the_certificate(
    pki: Pki, tmp_path: Path
) -> None:
    # s47c-eefullchain: '3 1 1' of the leaf beside '3 1 1' of the CA it sends (every block of
    # fullchain.pem hashed). The leaf's record authenticates; the CA's matches nothing DANE-EE
    # looks at. DANE-12 passed "Every TLSA record ... matches the current certificate".
    assert pki.inter is not None
    leaf = pki.leaf([MX1])
    good = certs.tlsa_record_text(leaf.der, 3, 1, 1)
    ca = certs.tlsa_record_text(pki.inter.der, 3, 1, 1)
    found = _dane_rrset(pki, tmp_path, [good, ca], [leaf.der, pki.inter.der])
    assert [v for v in _verdicts(found) if v[1] == "fail"] == []
    (dane12,) = _of(found, "DANE-12")
    assert str(dane12.status) == "pass", dane12
    assert "Every TLSA record" not in dane12.summary, dane12.summary
    assert f"'{ca[:40].lower()}…' matches CN=Test Issuing CA 1" in dane12.summary, dane12.summary
    assert "delete it" in dane12.summary, dane12.summary


def _dane_rrset(pki: Pki, tmp_path: Path, records: list[str], chain: list[bytes]) -> Any:
    """_dane with an RRset of several records at MX1."""
    zone: dict[Any, Any] = {
        ("ex.com", "MX"): [f"10 {MX1}."],
        (MX1, "A"): ["192.0.2.1"],
        (f"_25._tcp.{MX1}", "TLSA"): records,
    }
    config = CheckConfig(allow_private_targets=True, ca_bundle=pki.bundle(str(tmp_path / "ca")))
    ctx = CheckContext("ex.com", config, dns=FakeDns(zone, ad=True))  # type: ignore[arg-type]
    probe = _good_probe({MX1: chain})

    async def probe_mx(ctx: object, host: str, address: str) -> starttls.SmtpProbe:
        return probe(host, address)  # type: ignore[no-any-return]

    with mock.patch.object(starttls, "probe_mx", probe_mx):
        return asyncio.run(dane.evaluate(ctx))


# s47c-ncmx and s47c-ncpol: a certificate from a sub-CA whose nameConstraints permit only
# corp.test. SMTP-09 (and MTASTS-32) gave cryptography's words, "no permitted name constraints
# matched SAN"; MTASTS-12 OpenSSL's, "that is not accepted (permitted subtree violation)".
# Both now say which CA may not issue for the name, and why (RFC 5280 §4.2.1.10).


def _constrained(tmp_path: Path, host: str) -> tuple[list[bytes], str]:
    lab = LabPKI()
    issued = lab.leaf(host, host, CertSpec(sans=(host,), chain="name-constrained-intermediate"))
    der = [c.public_bytes(serialization.Encoding.DER) for c in [issued.cert, *issued.chain]]
    bundle = tmp_path / "root.pem"
    bundle.write_bytes(lab.root.cert.public_bytes(serialization.Encoding.PEM))
    return der, str(bundle)


def test_smtp09_says_the_issuing_ca_may_not_issue_for_the_name(tmp_path: Path) -> None:
    host = "mx2.nc.lab.test"
    chain, bundle = _constrained(tmp_path, host)
    result = certs.verify_chain(chain, host, bundle)
    assert not result.ok and result.error == "invalid", result
    assert "no permitted name constraints" not in result.detail, result.detail
    assert (
        "the CA certificate 'CN=Lab Issuing CA 5,O=mailsec lab' may issue only for names "
        "under corp.test (its nameConstraints, RFC 5280 §4.2.1.10), and the certificate names "
        f"{host}"
    ) in result.detail, result.detail


def test_mtasts12_says_a_name_constraint_refused_the_certificate() -> None:
    host = "mta-sts.nc.lab.test"
    cert = https.CertInfo(verify_error="permitted subtree violation", verify_code=47)
    result = https.HttpsResult(
        url=f"https://{host}/.well-known/mta-sts.txt",
        host=host,
        cert=cert,
        error_kind="tls-cert",
        error="certificate not accepted: permitted subtree violation",
    )
    text = https.refusal_text(result)
    assert text.startswith(
        f"issued by a CA that may not issue for {host}: the name constraints of a CA "
        "certificate in its chain leave that name out (RFC 5280 §4.2.1.10; permitted subtree "
        "violation)"
    ), text
