"""MTASTS-32 says which certificate of an MX fails MTA-STS validation and why, in the words of
the STARTTLS findings: the RSA one of a server holding an ECDSA and an RSA certificate (which
senders offering only RSA get, starttls's rsa_variant), or the only one. Real aiosmtpd servers
on 127.0.0.1 as in test_starttls_s11_dual_certs; the MTA-STS side as in test_mtasts."""

from __future__ import annotations

from pathlib import Path

import pytest

from checks import starttls
from checks.findings import Finding, Status
from tests.test_certs import Issued, Pki, make_leaf
from tests.test_mtasts import POLICY, evaluate
from tests.test_starttls import aiosmtpd_server, run_probe
from tests.test_starttls_s11_dual_certs import _serving

MX = "mx1.example.org"


@pytest.fixture(scope="module")
def pki() -> Pki:
    return Pki()


def _probe(pki: Pki, tmp: Path, *leaves: Issued) -> starttls.SmtpProbe:
    tls = _serving(tmp, pki, *leaves)
    return run_probe(aiosmtpd_server(tls, hostname=MX), pki.bundle(str(tmp / "ca.pem")), host=MX)


def _mtasts32(
    monkeypatch: pytest.MonkeyPatch, probe: starttls.SmtpProbe, body: str = POLICY
) -> Finding:
    found = [f for f in evaluate(monkeypatch, body=body, probes={MX: probe}) if f.id == "MTASTS-32"]
    [failed] = [f for f in found if f.subject.startswith(MX)]
    return failed


def test_an_expired_rsa_certificate_is_named_with_its_time(
    pki: Pki, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rsa = make_leaf(pki.inter, [MX], rsa_bits=2048, expired=True)
    probe = _probe(pki, tmp_path, rsa, make_leaf(pki.inter, [MX]))
    assert probe.rsa_variant is not None and probe.rsa_variant.leaf is not None
    failed = _mtasts32(monkeypatch, probe)
    assert failed.status == Status.FAIL
    assert "RSA certificate of mx1.example.org, which senders offering only RSA get" in (
        failed.summary
    )
    # The time STARTTLS's SMTP-10 gives, to the second.
    ends = probe.rsa_variant.leaf.not_after.replace("T", " ")[:19]
    assert f"expired on {ends} UTC" in failed.summary
    assert "STARTTLS with a valid certificate" not in failed.summary
    assert failed.fix.startswith("Renew the RSA certificate of mx1.example.org")
    # Only the second certificate fails: marked so, as the STARTTLS findings on it are.
    assert failed.evidence["second_certificate"] == "RSA"


def test_a_misnamed_rsa_certificate_says_what_it_names(
    pki: Pki, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rsa = make_leaf(pki.inter, ["other.example.org"], rsa_bits=2048)
    probe = _probe(pki, tmp_path, make_leaf(pki.inter, [MX]), rsa)
    failed = _mtasts32(monkeypatch, probe, POLICY.replace("enforce", "testing"))
    assert failed.status == Status.WARN  # testing: senders report and still deliver
    assert "the RSA certificate of mx1.example.org" in failed.summary
    assert "is not valid for mx1.example.org: it names other.example.org" in failed.summary
    assert "RSA certificate" in failed.fix and "mode: testing" not in failed.fix


def test_a_single_certificate_failing_is_named_without_a_second_one(
    pki: Pki, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    probe = _probe(pki, tmp_path, make_leaf(pki.inter, [MX], expired=True))
    assert probe.rsa_variant is None
    failed = _mtasts32(monkeypatch, probe)
    assert failed.status == Status.FAIL
    assert "does not pass MTA-STS validation: the certificate of mx1.example.org expired on" in (
        failed.summary
    )
    assert "RSA" not in failed.summary and "second_certificate" not in failed.evidence
