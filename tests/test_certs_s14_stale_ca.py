"""A current leaf under a stale intermediate: the findings say what to do about it.

A server that sends its current certificate with an intermediate that has expired (or one not
valid yet, a renewed copy installed ahead of its start) breaks every validating sender's path.
SMTP-09 (and so MTASTS-32), MTASTS-12 and BIMI-04/-10 name that CA certificate and its date;
each now also gives one plain instruction as its fix (certs.stale_ca_fix): install the
intermediate from the CA that is valid now, the one sent having expired on / not being valid
before <date>. Whether the CA certificate expired or has not started is decided from its dates
against the check time (certs.ChainResult.stale_ca_state), not by reading " expired on " in
the chain checker's own sentence, which a CA's name may contain too.

Certificates are minted with `cryptography`; SMTP servers are aiosmtpd and HTTPS servers plain
TLS servers on 127.0.0.1, as in test_starttls and test_https; no lab.
"""

from __future__ import annotations

import ssl
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from checks import certs, https, mtasts, starttls
from checks.config import CheckConfig
from checks.context import CheckContext
from checks.findings import Collector, Finding, Mechanism, Status
from tests.test_bimi import CERT, LOGO
from tests.test_bimi_s11_logo_tls import Served, fetched, logo_findings, mark_findings
from tests.test_certs import Issued, Pki, _ski, make_leaf
from tests.test_certs_s10_edges import mint
from tests.test_https import POLICY, StubDns, TlsServer, run
from tests.test_mtasts import evaluate

MX = "mx1.example.test"
POLICY_HOST = "mta-sts.example.org"
LOGO_HOST = "bimi.example.com"
RESPONSE = (
    b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n" % len(POLICY)
) + POLICY


@pytest.fixture(scope="module")
def pki() -> Pki:
    return Pki()


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def ca_between(cn: str, issuer: Issued, not_before: datetime, not_after: datetime) -> Issued:
    """An intermediate issued by `issuer`, valid from `not_before` to `not_after`."""
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)]))
        .issuer_name(issuer.cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(_ski(key), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()),  # type: ignore[arg-type]
            critical=False,
        )
        .sign(issuer.key, hashes.SHA256())
    )
    return Issued(cert, key)


def expired_ca(pki: Pki, cn: str = "Stale Issuing CA") -> Issued:
    """An intermediate that expired two days ago."""
    return ca_between(cn, pki.root, _now() - timedelta(days=400), _now() - timedelta(days=2))


def early_ca(pki: Pki, cn: str = "Early Issuing CA") -> Issued:
    """An intermediate that starts in three days (a renewed copy installed ahead of time)."""
    return ca_between(cn, pki.root, _now() + timedelta(days=3), _now() + timedelta(days=900))


# --------------------------------------------------------------------------------------------
# certs: the state from the dates, and the one instruction


def test_the_chain_result_says_from_the_dates_whether_the_ca_expired_or_has_not_started(
    pki: Pki, tmp_path: Path
) -> None:
    bundle = pki.bundle(str(tmp_path / "roots.pem"))
    for ca, state in ((expired_ca(pki), "expired"), (early_ca(pki), "not-yet-valid")):
        leaf = make_leaf(ca, [MX])
        result = certs.verify_chain([leaf.der, ca.der], MX, bundle)
        assert (result.error, result.expired_ca) == ("expired", certs.name_text(ca.cert.subject))
        assert result.stale_ca_state == state
    # A day after the early CA starts, the same chain is simply valid.
    ca = early_ca(pki)
    leaf = make_leaf(ca, [MX])
    later = certs.verify_chain([leaf.der, ca.der], MX, bundle, now=_now() + timedelta(days=4))
    assert later.ok and later.stale_ca_state == "" and later.expired_ca == ""


def test_the_fix_names_the_certificate_and_its_date_either_way(pki: Pki, tmp_path: Path) -> None:
    bundle = pki.bundle(str(tmp_path / "roots.pem"))
    old, early = expired_ca(pki), early_ca(pki)
    stale = certs.verify_chain([make_leaf(old, [MX]).der, old.der], MX, bundle)
    ahead = certs.verify_chain([make_leaf(early, [MX]).der, early.der], MX, bundle)
    end = certs.utc_text(old.cert.not_valid_after_utc)
    start = certs.utc_text(early.cert.not_valid_before_utc)
    fix = certs.stale_ca_fix(MX, stale.detail, stale.stale_ca_state)
    assert fix.startswith(
        f"Install the current intermediate certificate from your CA in the chain {MX} sends"
    )
    assert f"'CN=Stale Issuing CA' expired on {end}" in fix
    fix = certs.stale_ca_fix(MX, ahead.detail, ahead.stale_ca_state)
    assert "intermediate certificate from your CA that is valid now" in fix
    assert f"'CN=Early Issuing CA' is not valid before {start}" in fix
    assert "expired" not in fix


# --------------------------------------------------------------------------------------------
# SMTP-09 and MTASTS-32


def _smtp09(pki: Pki, tmp_path: Path, ca: Issued) -> tuple[starttls.SmtpProbe, Finding]:
    probe = starttls.SmtpProbe(
        host=MX, address="192.0.2.25", tls_ok=True, chain_der=[make_leaf(ca, [MX]).der, ca.der]
    )
    starttls._analyse_chain(CheckConfig(ca_bundle=pki.bundle(str(tmp_path / "roots.pem"))), probe)
    out = Collector(Mechanism.SMTP)
    starttls.certificate_findings(out, probe, MX, {}, under_sts=True, dane_ok=False)
    [smtp09] = [f for f in out.findings if f.id == "SMTP-09"]
    assert smtp09.status == Status.FAIL
    return probe, smtp09


def test_smtp_09_fix_for_an_expired_intermediate(pki: Pki, tmp_path: Path) -> None:
    ca = expired_ca(pki)
    probe, smtp09 = _smtp09(pki, tmp_path, ca)
    end = certs.utc_text(ca.cert.not_valid_after_utc)
    assert (
        f"sends an expired CA certificate: the CA certificate 'CN=Stale Issuing CA' expired on {end}"
        in smtp09.summary
    )
    assert smtp09.fix == certs.stale_ca_fix(MX, probe.verify_detail, "expired")
    assert end in smtp09.fix
    # MTASTS-32 gives the fix the STARTTLS finding gives.
    assert mtasts._certificate_failures(probe, MX).fix == smtp09.fix


def test_smtp_09_fix_for_an_intermediate_not_valid_yet(pki: Pki, tmp_path: Path) -> None:
    ca = early_ca(pki)
    probe, smtp09 = _smtp09(pki, tmp_path, ca)
    start = certs.utc_text(ca.cert.not_valid_before_utc)
    assert "sends a CA certificate that is not valid yet: " in smtp09.summary
    assert f"'CN=Early Issuing CA' is not valid before {start}" in smtp09.summary
    assert smtp09.fix == certs.stale_ca_fix(MX, probe.verify_detail, "not-yet-valid")
    assert "expired" not in smtp09.fix
    assert mtasts._certificate_failures(probe, MX).fix == smtp09.fix


def test_a_ca_named_with_the_words_expired_on_is_judged_by_its_dates(
    pki: Pki, tmp_path: Path
) -> None:
    # The CA's name is the CA's to choose; the chain checker's sentence quotes it. Reading
    # " expired on " in that sentence called this CA, which has not started yet, expired.
    ca = early_ca(pki, cn="Issuing CA G2 (G1 expired on 2025-01-01)")
    probe, smtp09 = _smtp09(pki, tmp_path, ca)
    assert probe.stale_ca_state == "not-yet-valid"
    assert "sends a CA certificate that is not valid yet: " in smtp09.summary
    assert "sends an expired CA certificate" not in smtp09.summary
    assert "that is valid now" in smtp09.fix


# --------------------------------------------------------------------------------------------
# MTASTS-12 (the policy host)


def _policy_fetch(pki: Pki, tmp: Path, chain: list[Issued]) -> https.HttpsResult:
    (tmp / "served.pem").write_bytes(b"".join(c.pem for c in chain))
    (tmp / "served.key").write_bytes(chain[0].key_pem)
    served = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    served.load_cert_chain(tmp / "served.pem", tmp / "served.key")
    server = TlsServer(tmp, POLICY_HOST, RESPONSE)
    server.ctx = served  # the test server's own certificate replaced by this chain
    stub = StubDns({POLICY_HOST: ["127.0.0.1"]})
    try:
        cfg = stub.config(
            allow_private_targets=True,
            https_port=server.port,
            ca_bundle=pki.bundle(str(tmp / "roots.pem")),
        )
        return run(https.fetch(CheckContext("example.org", cfg), mtasts.policy_url("example.org")))
    finally:
        stub.close()
        server.close()


def _mtasts12(monkeypatch: pytest.MonkeyPatch, result: https.HttpsResult) -> Finding:
    [finding] = [f for f in evaluate(monkeypatch, fetched=result) if f.id == "MTASTS-12"]
    assert finding.status == Status.FAIL
    return finding


def test_mtasts_12_fix_for_an_expired_intermediate(
    pki: Pki, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ca = expired_ca(pki)
    result = _policy_fetch(
        pki, tmp_path, [mint(ca, not_before=_now() - timedelta(days=1), host=POLICY_HOST), ca]
    )
    finding = _mtasts12(monkeypatch, result)
    end = certs.utc_text(ca.cert.not_valid_after_utc)
    assert (
        f"with an expired CA certificate in its chain: the CA certificate 'CN=Stale Issuing CA' expired on {end}"
        in finding.summary
    )
    assert finding.fix.startswith(
        f"Install the current intermediate certificate from your CA in the chain {POLICY_HOST} sends"
    )
    assert f"'CN=Stale Issuing CA' expired on {end}" in finding.fix


def test_mtasts_12_fix_for_an_intermediate_not_valid_yet(
    pki: Pki, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ca = early_ca(pki)
    result = _policy_fetch(
        pki, tmp_path, [mint(ca, not_before=_now() - timedelta(days=1), host=POLICY_HOST), ca]
    )
    finding = _mtasts12(monkeypatch, result)
    start = certs.utc_text(ca.cert.not_valid_before_utc)
    assert f"'CN=Early Issuing CA' is not valid before {start}" in finding.summary
    assert "that is valid now" in finding.fix and f"is not valid before {start}" in finding.fix
    assert "expired" not in finding.fix


def test_mtasts_12_for_an_expired_leaf_offers_no_intermediate(
    pki: Pki, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The leaf itself expired: its CA certificate is fine, and replacing it would change nothing.
    assert pki.inter is not None
    leaf = mint(pki.inter, not_before=_now() - timedelta(days=100), host=POLICY_HOST)
    finding = _mtasts12(monkeypatch, _policy_fetch(pki, tmp_path, [leaf, pki.inter]))
    assert "that expired on" in finding.summary
    assert "intermediate" not in finding.fix


# --------------------------------------------------------------------------------------------
# BIMI-04 (the logo host) and BIMI-10 (the evidence host)


def test_bimi_04_and_10_fix_for_a_stale_intermediate(pki: Pki, tmp_path: Path) -> None:
    for ca, words in ((expired_ca(pki), "expired on"), (early_ca(pki), "is not valid before")):
        served = Served(mint(ca, not_before=_now() - timedelta(days=1), host=LOGO_HOST), [ca])
        subject = certs.name_text(ca.cert.subject)
        for url, findings in ((LOGO, logo_findings), (CERT, mark_findings)):
            where = tmp_path / f"{words}-{url.rsplit('/', 1)[-1]}".replace(" ", "-")
            where.mkdir()
            [finding] = findings(fetched(pki, where, served, url))
            assert finding.status == Status.FAIL and finding.id in {"BIMI-04", "BIMI-10"}
            assert f"the CA certificate '{subject}' {words}" in finding.summary
            assert f"in the chain {LOGO_HOST} sends" in finding.fix
            assert f"'{subject}' {words}" in finding.fix
            assert ("that is valid now" in finding.fix) == (words != "expired on")


def test_bimi_04_for_an_expired_leaf_has_no_intermediate_fix(pki: Pki, tmp_path: Path) -> None:
    assert pki.inter is not None
    served = Served(
        mint(pki.inter, not_before=_now() - timedelta(days=100), host=LOGO_HOST), [pki.inter]
    )
    [finding] = logo_findings(fetched(pki, tmp_path, served, LOGO))
    assert "intermediate" not in finding.fix
