"""The lab's stale-intermediate `chain` values: a leaf issued under an expired (or not yet
valid) intermediate, and an expired intermediate sent beside a current copy of itself.

Before them the lab could only age a leaf; the s13x_* scenarios need a current leaf whose path
breaks (or does not) at the CA certificate above it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import re
import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.verification import PolicyBuilder, Store, VerificationError

from tests.lab.control import Lab
from tests.lab.pki import LabPKI
from tests.lab.scenarios import CertSpec, ScenarioError, load_file

ROW = """
domain = "stale.lab.test"
records = []
[[smtp]]
host = "mx1.stale.lab.test"
ip = "127.0.99.1"
cert = "{cert}"
chain = "{chain}"
[expect]
mtasts = "none"
"""


def _verify(pki: LabPKI, chain: str) -> str | None:
    """cryptography's RFC 5280 verdict at T0 on a leaf minted with `chain`: None if valid."""
    host = f"mx.{chain}.lab.test"
    issued = pki.leaf(host, host, CertSpec(sans=(host,), chain=chain))
    verifier = (
        PolicyBuilder()
        .store(Store([pki.root.cert]))
        .time(pki.now)
        .build_server_verifier(x509.DNSName(host))
    )
    try:
        verifier.verify(issued.cert, issued.chain)
    except VerificationError as exc:
        return str(exc)
    return None


def test_the_chain_values_parse_and_refuse_leaves_without_a_lab_issuer(tmp_path: Path) -> None:
    path = tmp_path / "stale.toml"
    path.write_text(ROW.format(cert="valid", chain="expired-intermediate"))
    assert load_file(path).smtp[0].cert.chain == "expired-intermediate"
    path.write_text(ROW.format(cert="self-signed", chain="expired-intermediate"))
    with pytest.raises(ScenarioError, match="lab-issued leaf"):
        load_file(path)
    path.write_text(ROW.format(cert="valid", chain="expired-intermediates"))
    with pytest.raises(ScenarioError, match="expired-intermediates"):
        load_file(path)


def test_an_expired_intermediate_breaks_a_current_leafs_path() -> None:
    pki = LabPKI()
    host = "mx.expired.lab.test"
    issued = pki.leaf(host, host, CertSpec(sans=(host,), chain="expired-intermediate"))
    (ca,) = issued.chain
    assert issued.cert.not_valid_before_utc < pki.now < issued.cert.not_valid_after_utc
    assert ca.not_valid_after_utc == pki.now - dt.timedelta(days=2)
    assert ca.subject.rfc4514_string() == "CN=Lab Issuing CA 2,O=mailsec lab"
    assert issued.cert.issuer == ca.subject
    assert _verify(pki, "expired-intermediate") is not None


def test_a_not_yet_valid_intermediate_breaks_the_path() -> None:
    pki = LabPKI()
    host = "mx.nyv.lab.test"
    (ca,) = pki.leaf(host, host, CertSpec(sans=(host,), chain="not-yet-valid-intermediate")).chain
    assert ca.not_valid_before_utc == pki.now + dt.timedelta(days=2)
    assert _verify(pki, "not-yet-valid-intermediate") is not None


def test_an_expired_intermediate_beside_its_current_copy_leaves_a_valid_path() -> None:
    pki = LabPKI()
    host = "mx.renewed.lab.test"
    issued = pki.leaf(host, host, CertSpec(sans=(host,), chain="expired-and-valid-intermediate"))
    stale, current = issued.chain
    assert stale.subject == current.subject and stale.public_key() == current.public_key()
    assert stale.not_valid_after_utc < pki.now < current.not_valid_after_utc
    assert _verify(pki, "expired-and-valid-intermediate") is None
    # Existing chains are untouched: the default leaf still comes with Lab Issuing CA 1.
    plain = pki.leaf("mx.plain.lab.test", "mx.plain.lab.test", CertSpec(sans=("x",)))
    assert plain.chain == [pki.issuing.cert]


def test_tlsa_placeholders_name_each_stale_intermediate() -> None:
    pki = LabPKI()
    sent = pki.stale_ca("expired-and-valid-intermediate").chain
    expired = pki.stale_ca("expired-intermediate").cert
    assert (
        pki.tlsa_data(0, 1, "expired-ca")
        == hashlib.sha256(expired.public_bytes(serialization.Encoding.DER)).hexdigest().upper()
    )
    assert (
        pki.tlsa_data(0, 1, "renewed-ca")
        == hashlib.sha256(sent[1].public_bytes(serialization.Encoding.DER)).hexdigest().upper()
    )
    assert (
        pki.tlsa_data(0, 1, "renewed-ca-expired")
        == hashlib.sha256(sent[0].public_bytes(serialization.Encoding.DER)).hexdigest().upper()
    )
    # One key under both copies: a 2 1 1 record matches either.
    assert pki.tlsa_data(1, 1, "renewed-ca") == pki.tlsa_data(1, 1, "renewed-ca-expired")
    assert pki.tlsa_data(1, 1, "not-yet-valid-ca") != pki.tlsa_data(1, 1, "expired-ca")


def _presented_chain(ip: str, sni: str) -> list[x509.Certificate]:
    # Python 3.11's ssl module shows only the leaf; openssl s_client prints all it was sent.
    shown = subprocess.run(
        ["openssl", "s_client", "-starttls", "smtp", "-connect", f"{ip}:25"]
        + ["-servername", sni, "-showcerts"],
        input=b"",
        capture_output=True,
        timeout=20,
        check=False,
    ).stdout
    return x509.load_pem_x509_certificates(shown)


@pytest.mark.lab
def test_the_mx_sends_the_expired_intermediate_then_its_current_copy(lab: Lab) -> None:
    host = "mx1.s13x-renewedca.lab.test"
    leaf, stale, current = _presented_chain("127.0.75.40", host)
    now = dt.datetime.now(dt.UTC)
    assert leaf.issuer == stale.subject == current.subject
    assert stale.not_valid_after_utc < now < current.not_valid_after_utc


def _findings(lab: Lab, name: str, check_id: str) -> list[str]:
    from checks.engine import check_domain
    from tests.test_engine_lab import lab_config

    report = asyncio.run(check_domain(f"{name}.lab.test", lab_config(lab)))
    return [f.summary for f in report.findings if f.id == check_id]


@pytest.mark.lab
def test_the_policy_host_finding_names_the_expired_intermediate_and_its_date(lab: Lab) -> None:
    # OpenSSL says only "certificate has expired"; the admin must learn which certificate.
    (summary,) = _findings(lab, "s13x-polexpca", "MTASTS-12")
    assert "'CN=Lab Issuing CA 2,O=mailsec lab' expired on " in summary, summary
    assert re.search(r"expired on \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC", summary), summary
    (summary,) = _findings(lab, "s13x-polnyvca", "MTASTS-12")
    assert "'CN=Lab Issuing CA 3,O=mailsec lab' is not valid before " in summary, summary


@pytest.mark.lab
def test_an_mx_intermediate_not_valid_yet_is_not_called_expired(lab: Lab) -> None:
    (summary,) = _findings(lab, "s13x-mxnyvca", "SMTP-09")
    assert "expired" not in summary, summary
    assert "'CN=Lab Issuing CA 3,O=mailsec lab' is not valid before " in summary, summary
    (summary,) = _findings(lab, "s13x-mxexpca", "SMTP-09")
    assert "sends an expired CA certificate: the CA certificate 'CN=Lab Issuing CA 2" in summary
