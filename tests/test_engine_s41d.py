"""Blind round s41d (tests/test_lab_s41d_blind.py): engine faults its lab run found.

unusablenotls: an MX host whose secure TLSA RRset has only unusable records (here a 3 1 1 cut
to 31 bytes) and which offers no STARTTLS. RFC 7672 §2.2: for a secure non-empty TLSA RRset
whose records are all unusable, "any connection to the MX host MUST be made via TLS, but
authentication is not required"; failing to establish TLS means the next MX or a delayed
delivery (Postfix's "dane" level turns into "encrypt"). SMTP-03 warned that mail 'travels
unencrypted', as if no DANE sender were involved; it fails now, as checklist SMTP-03 asks
where DANE applies, and says DANE senders will not deliver. A host without TLSA, or with an
insecure TLSA RRset, stays at warn.

ta200root: '2 0 0' of the root, which the server does not send (leaf and intermediate only).
RFC 7671 §5.2.2 lets the server leave out a TA certificate the record carries whole, and the
record authenticates it (DANE-07, DANE-09 pass). DANE-12 said the record was 'for a key the
server does not present now' and to delete it if retired: it is the record in use. And
DANE-06's fix, the record's SHA-256 form '2 0 1', would name a certificate the server does not
send, which no digest can match (RFC 7671 §5.2.2; s8-roottlsa): it now says to send that
certificate first.

ta210leaf: '2 1 0' (the issuing CA's whole key) on a server that sends its leaf alone. RFC 7671
§5.2.2 asks the server to send the TA certificate unless the record is '2 0 0', so DANE-09
fails as for F54. But DANE-09 said the CA 'could not be seen here' and that DANE senders will
defer: the record's key does sign the leaf, and Postfix (OpenSSL's DANE code) verified the
server with it in the lab (tests/test_dane_oracle.py). It now says both.
"""

from __future__ import annotations

import asyncio
from typing import Any
from unittest import mock

from checks import certs, starttls
from checks.config import CheckConfig
from checks.context import CheckContext
from checks.findings import Finding, Status
from tests.test_certs import Pki
from tests.test_dane import _evaluate, _good_probe
from tests.test_mx import FakeDns

D = "s41d-example.test"
MX = f"mx1.{D}"
SHORT = "3 1 1 " + "ab" * 31  # 31 bytes for SHA2-256: unusable (RFC 7671 §9)


def _smtp03(tlsa: list[str] | None, *, secure: bool = True) -> Finding:
    zone: dict[Any, Any] = {(D, "MX"): [f"10 {MX}."], (MX, "A"): ["192.0.2.25"]}
    if tlsa is not None:
        zone[(f"_25._tcp.{MX}", "TLSA")] = tlsa
    ctx = CheckContext(D, CheckConfig(allow_private_targets=True), dns=FakeDns(zone, ad=secure))  # type: ignore[arg-type]

    async def probe_mx(ctx: object, host: str, address: str) -> starttls.SmtpProbe:
        return starttls.SmtpProbe(
            host=host,
            address=address,
            connected=True,
            banner_code=220,
            banner=f"{host} ESMTP",
            ehlo_ok=True,
            starttls_offered=False,
            extensions=["PIPELINING", "8BITMIME"],
        )

    starttls.clear_cache()
    try:
        with mock.patch.object(starttls, "probe_mx", probe_mx):
            findings = asyncio.run(starttls.evaluate(ctx))
    finally:
        starttls.clear_cache()
    (found,) = [f for f in findings if f.id == "SMTP-03"]
    return found


def test_all_unusable_secure_tlsa_makes_starttls_mandatory() -> None:
    found = _smtp03([SHORT])
    assert found.status == Status.FAIL
    assert "DANE TLSA records are published for it" in found.summary
    assert "senders that honour it will not deliver" in found.summary


def test_pkix_only_secure_tlsa_makes_starttls_mandatory() -> None:
    # PKIX-TA/EE records are unusable for SMTP (RFC 7672 §3.1.3): the same case.
    found = _smtp03(["1 1 1 " + "ab" * 32])
    assert found.status == Status.FAIL


def test_no_tlsa_or_insecure_tlsa_stays_a_warning() -> None:
    assert _smtp03(None).status == Status.WARN
    assert _smtp03([SHORT], secure=False).status == Status.WARN


def _root_200(pki: Pki) -> list[Finding]:
    """ex.com's one MX presents leaf and intermediate, and publishes '2 0 0' of the root."""
    host = "mx1.ex.com"
    leaf = pki.leaf([host])
    assert pki.inter is not None
    zone: dict[Any, Any] = {
        ("ex.com", "MX"): [f"10 {host}."],
        (host, "A"): ["192.0.2.1"],
        (f"_25._tcp.{host}", "TLSA"): [certs.tlsa_record_text(pki.root.der, 2, 0, 0)],
    }
    return _evaluate(zone, _good_probe({host: [leaf.der, pki.inter.der]}))


def test_a_200_record_of_an_unsent_root_is_the_record_in_use() -> None:
    pki = Pki()
    findings = _root_200(pki)
    assert {(f.id, f.status) for f in findings if f.id in {"DANE-07", "DANE-09"}} == {
        ("DANE-07", Status.PASS),
        ("DANE-09", Status.PASS),
    }
    (dane12,) = [f for f in findings if f.id == "DANE-12"]
    assert dane12.status == Status.PASS
    assert "does not present now" not in dane12.summary
    assert "delete" not in dane12.summary
    assert "DANE-TA record" in dane12.summary


def test_the_digest_of_an_unsent_root_is_offered_with_sending_it() -> None:
    pki = Pki()
    (dane06,) = [f for f in _root_200(pki) if f.id == "DANE-06"]
    assert dane06.status == Status.WARN
    digest = certs.tlsa_record_text(pki.root.der, 2, 0, 1).split()[-1].upper()
    assert digest in dane06.fix
    assert "does not send" in dane06.fix
    assert "RFC 7671 §5.2.2" in dane06.fix


def test_the_digest_of_a_sent_ca_is_offered_alone() -> None:
    # Control (s38a-tlsata210): the CA the record names is sent; its digest form is enough.
    pki = Pki()
    host = "mx1.ex.com"
    assert pki.inter is not None
    zone: dict[Any, Any] = {
        ("ex.com", "MX"): [f"10 {host}."],
        (host, "A"): ["192.0.2.1"],
        (f"_25._tcp.{host}", "TLSA"): [certs.tlsa_record_text(pki.inter.der, 2, 1, 0)],
    }
    findings = _evaluate(zone, _good_probe({host: [pki.leaf([host]).der, pki.inter.der]}))
    (dane06,) = [f for f in findings if f.id == "DANE-06"]
    assert certs.tlsa_record_text(pki.inter.der, 2, 1, 1).split()[-1].upper() in dane06.fix
    assert "does not send" not in dane06.fix


def _leaf_only(pki: Pki, ta: str) -> Finding:
    host = "mx1.ex.com"
    assert pki.inter is not None
    zone: dict[Any, Any] = {
        ("ex.com", "MX"): [f"10 {host}."],
        (host, "A"): ["192.0.2.1"],
        (f"_25._tcp.{host}", "TLSA"): [ta],
    }
    findings = _evaluate(zone, _good_probe({host: [pki.leaf([host]).der]}))
    (dane09,) = [f for f in findings if f.id == "DANE-09"]
    return dane09


def test_a_bare_ca_key_that_signed_the_leaf_is_said_so() -> None:
    pki = Pki()
    assert pki.inter is not None
    found = _leaf_only(pki, certs.tlsa_record_text(pki.inter.der, 2, 1, 0))
    assert found.status == Status.FAIL
    assert "RFC 7671 §5.2.2" in found.summary
    assert "could not be seen here" not in found.summary
    assert "did sign its certificate" in found.summary and "OpenSSL" in found.summary


def test_a_digest_of_an_unsent_ca_keeps_its_words() -> None:
    # Control (F54): a '2 1 1' digest names a certificate nobody here has seen.
    pki = Pki()
    assert pki.inter is not None
    found = _leaf_only(pki, certs.tlsa_record_text(pki.inter.der, 2, 1, 1))
    assert found.status == Status.FAIL
    assert "could not be seen here" in found.summary
    assert "OpenSSL" not in found.summary
