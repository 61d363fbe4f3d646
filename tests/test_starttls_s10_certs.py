"""SMTP-09/SMTP-10 and MTASTS-32 on certificate edges, through a real STARTTLS probe on
127.0.0.1: a leaf whose notBefore is a little ahead of our clock, one that is not valid for
a while yet, and a leaf asserting basicConstraints cA=TRUE. No lab."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from checks import mtasts
from checks.findings import Status
from checks.starttls import SmtpProbe
from tests.test_certs import Pki
from tests.test_certs_s10_edges import mint
from tests.test_starttls import HOST, _server_context, aiosmtpd_server, run_probe
from tests.test_starttls_extra2 import _findings


@pytest.fixture(scope="module")
def pki() -> Pki:
    return Pki()


@pytest.fixture()
def bundle(pki: Pki, tmp_path: Path) -> str:
    return pki.bundle(str(tmp_path / "ca.pem"))


def _probe(pki: Pki, bundle: str, tmp_path: Path, **kw: Any) -> SmtpProbe:
    assert pki.inter is not None
    tls = _server_context(tmp_path, [mint(pki.inter, host=HOST, **kw), pki.inter])
    return run_probe(aiosmtpd_server(tls), bundle)


@pytest.mark.parametrize("under_sts", [False, True])
def test_a_certificate_issued_a_minute_ahead_is_valid_with_a_note(
    pki: Pki, bundle: str, tmp_path: Path, under_sts: bool
) -> None:
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=60)
    probe = _probe(pki, bundle, tmp_path, not_before=start)
    assert probe.verify_ok and probe.verify_error is None
    # MTASTS-32 judges the same probe: no failure for a certificate valid within the minute.
    assert mtasts._probe_verdict(probe) == "ok"
    smtp10 = _findings(probe, under_sts=under_sts)["SMTP-10"]
    assert smtp10.status == Status.INFO
    assert f"becomes valid at {start:%Y-%m-%d %H:%M:%S} UTC" in smtp10.summary


def test_a_certificate_not_valid_for_an_hour_fails_with_its_time(
    pki: Pki, bundle: str, tmp_path: Path
) -> None:
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=1)
    probe = _probe(pki, bundle, tmp_path, not_before=start)
    assert probe.verify_error == "not-yet-valid"
    assert mtasts._probe_verdict(probe) == "fail"
    smtp10 = _findings(probe, under_sts=True)["SMTP-10"]
    assert smtp10.status == Status.FAIL
    assert f"is not valid before {start:%Y-%m-%d %H:%M:%S} UTC." in smtp10.summary
    assert re.search(r"\d\d:\d\d:\d\d UTC", smtp10.summary)


@pytest.mark.parametrize("under_sts", [False, True])
def test_a_ca_flagged_leaf_warns_rather_than_fails(
    pki: Pki, bundle: str, tmp_path: Path, under_sts: bool
) -> None:
    probe = _probe(pki, bundle, tmp_path, not_before=datetime.now(UTC) - timedelta(days=1), ca=True)
    # OpenSSL-based senders (Postfix, Exim) validate it, so MTA-STS passes for them ...
    assert probe.verify_ok and probe.leaf is not None and probe.leaf.is_ca
    assert mtasts._probe_verdict(probe) == "ok"
    # ... and webpki-based ones refuse it: implementations disagree, checklist §0 says warn.
    found = _findings(probe, under_sts=under_sts)
    smtp09 = found["SMTP-09"]
    assert smtp09.status == Status.WARN
    assert "cA=TRUE" in smtp09.summary and "Postfix" in smtp09.summary
    assert ("enforce" in smtp09.summary) is under_sts
    assert smtp09.fix and "end-entity" in smtp09.fix
    assert found["SMTP-10"].status == Status.PASS
    assert found["SMTP-11"].status == Status.PASS
