"""Certificate findings under an MTA-STS policy in mode testing (RFC 8461 §5).

Under testing, senders validate the MX certificate and report failures but deliver "as though
there were no MTA-STS validation failure": a self-signed or misnamed MX certificate weighs as it
does for opportunistic TLS (checklist MTASTS-32: fail under enforce, warn under testing), and no
summary may say MTA-STS senders will not deliver. Lab scenario: s8_backupss.toml.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from checks import starttls
from checks.context import CheckContext
from checks.findings import Collector, Finding, Mechanism, Status
from tests.test_certs import Pki, make_leaf
from tests.test_starttls import HOST, _config, _server_context, aiosmtpd_server, run_probe


@pytest.fixture(scope="module")
def pki() -> Pki:
    return Pki()


def _findings(probe: starttls.SmtpProbe, mode: str) -> dict[str, Finding]:
    policy = starttls._Context(sts_mode=mode, sts_usable=True, patterns=[HOST])
    ctx = CheckContext("example.test", _config(25, None))
    out = Collector(Mechanism.SMTP)
    starttls._per_probe(out, SimpleNamespace(name=HOST), probe, policy, None, ctx)
    return {f.id: f for f in out.findings}


def _self_signed_probe(pki: Pki, tmp_path: Path) -> starttls.SmtpProbe:
    bundle = pki.bundle(str(tmp_path / "ca.pem"))
    tls = _server_context(tmp_path, [make_leaf(None, [HOST], cn=HOST)])
    probe = run_probe(aiosmtpd_server(tls), bundle)
    assert probe.verify_error == "self-signed", probe
    return probe


def test_it_does_not_fail_a_self_signed_mx_under_testing(pki: Pki, tmp_path: Path) -> None:
    found = _findings(_self_signed_probe(pki, tmp_path), "testing")
    assert found["SMTP-09"].status == Status.WARN
    assert found["SMTP-16"].status == Status.INFO
    for check_id in ("SMTP-09", "SMTP-16"):
        assert "will not deliver" not in found[check_id].summary
        assert "still deliver" in found[check_id].summary


def test_it_still_fails_a_self_signed_mx_under_enforce(pki: Pki, tmp_path: Path) -> None:
    found = _findings(_self_signed_probe(pki, tmp_path), "enforce")
    assert found["SMTP-09"].status == Status.FAIL
    assert found["SMTP-16"].status == Status.FAIL
    assert "will not deliver" in found["SMTP-09"].summary


def test_it_warns_a_misnamed_mx_certificate_under_testing(pki: Pki, tmp_path: Path) -> None:
    assert pki.inter is not None
    bundle = pki.bundle(str(tmp_path / "ca.pem"))
    tls = _server_context(tmp_path, [pki.leaf(["other.example.test"]), pki.inter])
    probe = run_probe(aiosmtpd_server(tls), bundle)
    assert not probe.name_ok
    testing = _findings(probe, "testing")["SMTP-11"]
    assert testing.status == Status.WARN and "will not deliver" not in testing.summary
    assert _findings(probe, "enforce")["SMTP-11"].status == Status.FAIL


def test_an_unlisted_mx_under_testing_is_not_said_to_be_refused() -> None:
    out = Collector(Mechanism.SMTP)
    policy = starttls._Context(sts_mode="testing", sts_usable=True, patterns=["mx1.example.test"])
    starttls._sts_patterns(out, [SimpleNamespace(name="mx2.example.test")], policy)
    (smtp12,) = [f for f in out.findings if f.id == "SMTP-12"]
    assert "will not deliver" not in smtp12.summary and "still deliver" in smtp12.summary
