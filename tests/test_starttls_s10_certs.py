"""SMTP-10 and MTASTS-32 on certificate edges, through a real STARTTLS probe on
127.0.0.1: a leaf whose notBefore is a little ahead of our clock, and one that is not valid
for a while yet. No lab."""

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
