"""SMTP-10's "expires soon" thresholds scale with the certificate's life: a six-day certificate
(Let's Encrypt's short-lived profile) renewed every few days always has less than 14 days
left, and was warned about on every check. It is warned about when less than a third of its
life is left (at most 14 days, as before), told as info under half (at most 30 days): a
90-day certificate reads as it always did."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from checks.findings import Status
from tests.test_certs import Pki
from tests.test_certs_s10_edges import mint
from tests.test_starttls import _server_context, aiosmtpd_server, run_probe
from tests.test_starttls_extra2 import _findings


@pytest.fixture(scope="module")
def pki() -> Pki:
    return Pki()


@pytest.mark.parametrize(
    ("life", "left", "status"),
    [
        (6, 4.5, Status.PASS),  # renewed at its half, as short-lived certificates are
        (6, 2.5, Status.INFO),  # past half its life: renewal due
        (6, 1.5, Status.WARN),  # under a third left: overdue
        (90, 40, Status.PASS),
        (90, 20, Status.INFO),
        (90, 10, Status.WARN),
        (47, 25, Status.PASS),  # the CA/Browser Forum's 47-day certificates (2029)
        (47, 20, Status.INFO),
        (47, 10, Status.WARN),
    ],
)
def test_smtp10_reads_the_days_left_against_the_certificates_life(
    pki: Pki, tmp_path: Path, life: int, left: float, status: Status
) -> None:
    assert pki.inter is not None
    bundle = pki.bundle(str(tmp_path / "ca.pem"))
    now = datetime.now(UTC).replace(microsecond=0)
    leaf = mint(pki.inter, not_before=now + timedelta(days=left - life), days=life)
    probe = run_probe(aiosmtpd_server(_server_context(tmp_path, [leaf, pki.inter])), bundle)
    smtp10 = _findings(probe, under_sts=True)["SMTP-10"]
    assert smtp10.status == status, smtp10.summary
