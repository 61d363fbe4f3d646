"""Four small engine defects (session 12): a report address cut off from rua by ';' (DMARC-12),
a repeated DMARC tag (DMARC-17), a DANE-TA record matching no certificate of the chain or its
issuer (DANE-07 / DANE-09) and a certificate naming the MX host only in its CN (SMTP-11)."""

from __future__ import annotations

import asyncio
import ipaddress
from datetime import timedelta
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from checks import certs, dane, mtasts, starttls
from checks.config import CheckConfig
from checks.context import CheckContext
from checks.findings import Collector, Finding, Mechanism, Status
from tests.test_certs import NOW, Issued, Pki, make_ca
from tests.test_dane import _good_probe
from tests.test_dmarc_s8_records import findings as dmarc_findings
from tests.test_mx import FakeDns
from tests.test_spf import published


def _of(found: list[Finding], check_id: str) -> list[Finding]:
    return [f for f in found if f.id == check_id]


# ---- DMARC-12: a second report address after ';' -------------------------------------------


def test_a_report_address_after_a_semicolon_is_a_dmarc_12_warning_with_the_repaired_record() -> (
    None
):
    # Checklist DMARC-12 Bad example: the ';' ends the rua tag, so 'mailto:b@…' is a stray
    # element receivers ignore (RFC 7489 §6.4, RFC 9989 §4.8: one tag, URIs separated by ',').
    # DMARC-12 passed ("the aggregate report address is valid") beside a DMARC-17 warning.
    record = "v=DMARC1; p=reject; rua=mailto:a@example.com; mailto:b@example.com"
    found = dmarc_findings(record)
    (dmarc12,) = _of(found, "DMARC-12")
    assert dmarc12.status == Status.WARN
    assert "'mailto:b@example.com' is not one of the rua addresses" in dmarc12.summary
    assert "separated by commas" in dmarc12.summary
    assert published(dmarc12.fix) == (
        "_dmarc.example.com",
        "v=DMARC1; p=reject; rua=mailto:a@example.com,mailto:b@example.com",
    )
    # One explanation: no second finding telling the same story as a stray tag.
    assert not _of(found, "DMARC-17")


def test_a_bare_mailbox_after_a_semicolon_is_repaired_with_its_scheme() -> None:
    record = "v=DMARC1; p=none; rua=mailto:a@example.com; b@example.com; adkim=s"
    (dmarc12,) = _of(dmarc_findings(record), "DMARC-12")
    assert dmarc12.status == Status.WARN
    assert published(dmarc12.fix)[1] == (
        "v=DMARC1; p=none; rua=mailto:a@example.com,mailto:b@example.com; adkim=s"
    )


def test_garbage_that_is_no_address_stays_a_dmarc_17_warning() -> None:
    found = dmarc_findings("v=DMARC1; p=reject; rua=mailto:a@example.com; junk")
    assert [f.status for f in _of(found, "DMARC-12")] == [Status.PASS]
    assert [f.status for f in _of(found, "DMARC-17")] == [Status.WARN]


# ---- DMARC-17: a repeated tag --------------------------------------------------------------


def test_a_repeated_policy_tag_counts_the_weaker_policy_and_says_receivers_differ() -> None:
    # DMARC records use DKIM's tag-list syntax (RFC 7489 §6.3, RFC 9989 §4.7), where a repeated
    # tag invalidates the list (RFC 6376 §3.2); OpenDMARC keeps the last p, other parsers the
    # first. The engine kept the first: 'p=reject; …; p=none' read as p=reject (DMARC-05 pass)
    # although OpenDMARC receivers apply none, and the text said "either value".
    for record in (
        "v=DMARC1; p=reject; rua=mailto:a@example.com; p=none",
        "v=DMARC1; p=none; rua=mailto:a@example.com; p=reject",
    ):
        found = dmarc_findings(record)
        (dmarc05,) = _of(found, "DMARC-05")
        assert "p=none" in dmarc05.summary, record
        (dmarc17,) = _of(found, "DMARC-17")
        assert dmarc17.status == Status.WARN
        assert "strict parsers discard the whole record" in dmarc17.summary
        assert "counts the weaker one, p=none" in dmarc17.summary
        # One p, the policy that applies today; nothing else changes.
        assert published(dmarc17.fix)[1] == "v=DMARC1; p=none; rua=mailto:a@example.com"


def test_a_repeated_rua_keeps_both_lists() -> None:
    record = "v=DMARC1; p=reject; rua=mailto:a@example.com; rua=mailto:b@example.com"
    found = dmarc_findings(record)
    (dmarc17,) = _of(found, "DMARC-17")
    assert "some send reports to both lists" in dmarc17.summary
    assert published(dmarc17.fix)[1] == (
        "v=DMARC1; p=reject; rua=mailto:a@example.com,mailto:b@example.com"
    )


# ---- DANE-07 / DANE-09: a DANE-TA record naming no CA of the chain --------------------------

MX1, MX2 = "mx1.ex.com", "mx2.ex.com"


@pytest.fixture(scope="module")
def pki() -> Pki:
    return Pki()


def _dane(pki: Pki, tmp_path: Path, tlsa: dict[str, str], chains: dict[str, list[bytes]]) -> Any:
    """dane.evaluate for ex.com (DNSSEC-secure) whose MX hosts serve `chains`, with a CA bundle
    holding only the test root; `tlsa` is each host's one TLSA record."""
    zone: dict[Any, Any] = {("ex.com", "MX"): [f"{10 * i} {n}." for i, n in enumerate(chains, 1)]}
    for i, name in enumerate(chains, 1):
        zone[(name, "A")] = [f"192.0.2.{i}"]
    for name, record in tlsa.items():
        zone[(f"_25._tcp.{name}", "TLSA")] = [record]
    config = CheckConfig(allow_private_targets=True, ca_bundle=pki.bundle(str(tmp_path / "ca")))
    ctx = CheckContext("ex.com", config, dns=FakeDns(zone, ad=True))  # type: ignore[arg-type]
    probe = _good_probe(chains)

    async def probe_mx(ctx: object, host: str, address: str) -> starttls.SmtpProbe:
        return probe(host, address)  # type: ignore[no-any-return]

    with mock.patch.object(starttls, "probe_mx", probe_mx):
        return asyncio.run(dane.evaluate(ctx))


def _verdicts(found: list[Finding]) -> list[tuple[str, str]]:
    return [(f.id, str(f.status)) for f in found if f.id in {"DANE-07", "DANE-09"}]


def test_a_dane_ta_record_naming_no_ca_of_a_complete_chain_fails_dane_07(
    pki: Pki, tmp_path: Path
) -> None:
    # The server sends leaf + intermediate, whose issuer (the root) is in the CA bundle; the
    # "2 1 1" names an unrelated CA. It read as DANE-09 "the server must send the TA
    # certificate", which no certificate the server could send would fix: no usable record
    # matches the chain (RFC 7671 §4.1, RFC 7672 §3.2).
    assert pki.inter is not None
    leaf = pki.leaf([MX1])
    unrelated = make_ca("Unrelated CA")
    found = _dane(
        pki,
        tmp_path,
        {MX1: certs.tlsa_record_text(unrelated.der, 2, 1, 1)},
        {MX1: [leaf.der, pki.inter.der]},
    )
    assert _verdicts(found) == [("DANE-07", "fail")]
    (dane07,) = _of(found, "DANE-07")
    assert "names no certificate the server sends, nor any CA that issued them" in dane07.summary
    assert "CN=Test Root R1" in dane07.summary
    assert certs.tlsa_record_text(leaf.der, 3, 1, 1) in dane07.fix


def test_a_dane_ta_root_the_server_omits_stays_dane_09(pki: Pki, tmp_path: Path) -> None:
    # "2 1 1 <root>" with leaf + intermediate: the root issued the chain but is not sent
    # (RFC 7671 §5.2.2 needs it in the chain): DANE-09, asking for the full chain.
    assert pki.inter is not None
    found = _dane(
        pki,
        tmp_path,
        {MX1: certs.tlsa_record_text(pki.root.der, 2, 1, 1)},
        {MX1: [pki.leaf([MX1]).der, pki.inter.der]},
    )
    assert _verdicts(found) == [("DANE-09", "fail")]
    (dane09,) = _of(found, "DANE-09")
    assert "does not send the trust-anchor certificate" in dane09.summary
    assert "may also name" not in dane09.summary and "full chain" in dane09.fix


def test_an_omitted_intermediate_anchor_is_recognised_from_another_mx(
    pki: Pki, tmp_path: Path
) -> None:
    # F54: mx1 sends its leaf only, its "2 1 1" names the issuing CA, which mx2 sends.
    assert pki.inter is not None
    found = _dane(
        pki,
        tmp_path,
        {MX1: certs.tlsa_record_text(pki.inter.der, 2, 1, 1)},
        {MX1: [pki.leaf([MX1]).der], MX2: [pki.leaf([MX2]).der, pki.inter.der]},
    )
    assert _verdicts(found) == [("DANE-09", "fail")]
    assert "may also name" not in _of(found, "DANE-09")[0].summary


def test_an_anchor_matching_nothing_when_the_issuer_is_unknown_says_both(
    pki: Pki, tmp_path: Path
) -> None:
    # Leaf only, issuer nowhere to be seen: not sent or simply wrong, the engine cannot tell.
    found = _dane(
        pki,
        tmp_path,
        {MX1: certs.tlsa_record_text(make_ca("Unrelated CA").der, 2, 1, 1)},
        {MX1: [pki.leaf([MX1]).der]},
    )
    assert _verdicts(found) == [("DANE-09", "fail")]
    assert "may also name a CA that did not issue them" in _of(found, "DANE-09")[0].summary


# ---- SMTP-11 / MTASTS-32 / DANE-09: the MX name only in the CN ------------------------------

HOST = "mx1.example.test"


def _ip_san_leaf(pki: Pki, cn: str) -> Issued:
    """A leaf from the test issuing CA with CN `cn` and a subjectAltName of one IP address."""
    assert pki.inter is not None
    key = ec.generate_private_key(ec.SECP256R1())
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)]))
        .issuer_name(pki.inter.cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - timedelta(days=1))
        .not_valid_after(NOW + timedelta(days=60))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("192.0.2.25"))]),
            critical=False,
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(
                pki.inter.key.public_key()  # type: ignore[arg-type]
            ),
            critical=False,
        )
    )
    return Issued(builder.sign(pki.inter.key, hashes.SHA256()), key)


def _probe(pki: Pki, tmp_path: Path, leaf: Issued) -> starttls.SmtpProbe:
    assert pki.inter is not None
    probe = starttls.SmtpProbe(
        host=HOST,
        address="192.0.2.25",
        connected=True,
        ehlo_ok=True,
        starttls_offered=True,
        tls_ok=True,
        chain_der=[leaf.der, pki.inter.der],
    )
    starttls._analyse_chain(CheckConfig(ca_bundle=pki.bundle(str(tmp_path / "ca"))), probe)
    return probe


def test_a_certificate_with_only_an_ip_san_is_read_like_a_cn_only_one(pki: Pki) -> None:
    # OpenSSL's X509_check_host consults the CN whenever no SAN is a DNS name (RFC 6125 §6.4.4
    # allows it when no DNS-ID, SRV-ID or URI-ID is presented): an IP-only SAN is no SAN for
    # a host name. DANE-TA (RFC 7672 §3.2.3) accepted the CN only without any SAN extension.
    ip_only = _ip_san_leaf(pki, HOST)
    cn_only = pki.leaf(None, cn=HOST)
    for leaf in (ip_only, cn_only):
        assert certs.name_matches(leaf.der, HOST)  # DANE-TA, as Postfix's OpenSSL checks it
        assert certs.cn_matches(leaf.der, HOST)
        assert not certs.san_matches(leaf.der, HOST)  # MTA-STS: a SAN DNS-ID (RFC 8461 §4.2)
    # A DNS SAN beside it still shuts the CN out (checklist F30b).
    assert not certs.cn_matches(pki.leaf(["example.test"], cn=HOST).der, HOST)
    assert not certs.name_matches(_ip_san_leaf(pki, "other.example.test").der, HOST)


def test_smtp_11_says_openssl_senders_take_the_cn_and_mta_sts_ones_do_not(
    pki: Pki, tmp_path: Path
) -> None:
    # It said "its CN is not used", which is false for Postfix and Exim. Severity as for
    # a CN-only certificate (lab s8_cnonly): a policy's senders follow RFC 8461 §4.2.
    for leaf in (_ip_san_leaf(pki, HOST), pki.leaf(None, cn=HOST)):
        probe = _probe(pki, tmp_path, leaf)
        assert not probe.name_ok and not probe.mta_sts_ok
        for under_sts, status in ((True, Status.FAIL), (False, Status.WARN)):
            out = Collector(Mechanism.SMTP)
            starttls.certificate_findings(out, probe, HOST, {}, under_sts, False)
            (smtp11,) = _of(out.findings, "SMTP-11")
            assert smtp11.status == status
            assert f"names {HOST} only in its CN" in smtp11.summary
            assert "OpenSSL-based senders (Postfix, Exim) accept that" in smtp11.summary
            assert "RFC 8461 §4.2" in smtp11.summary
            assert f"subjectAltName includes {HOST}" in smtp11.fix
        # MTASTS-32 gives the same reason (mtasts._certificate_failures reads SMTP-11).
        assert "only in its CN" in mtasts._certificate_failures(probe, HOST).reason
