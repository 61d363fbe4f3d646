# ruff: noqa: F811 (pytest fixtures imported from test_reports_email)
"""s19r (d): the daily quota is per report address, and every address token is public in DNS,
so one sender could store 100 MiB a day through each of them: the disk had no site-wide bound.
TLSRPT_DAILY_BYTES_TOTAL bounds all addresses together over the same rolling 24 hours, and is
answered as the address quota is — 429 + Retry-After, SMTP 452, exit 75 — so senders retry
(RFC 8460 §5.5) and nothing stored is lost. An import of history does not count."""

from __future__ import annotations

import gzip
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.utils import timezone

from reports.ingest import ingest_many
from reports.models import RawReport, ReportAddress
from tests.test_reports_email import address, dns_stub, ingest, make_message  # noqa: F401
from tests.test_reports_s12_blind import GZ, _post

SAMPLE = (Path(__file__).parent / "data" / "tlsrpt" / "sample.json").read_bytes()


def body(n: int) -> bytes:
    return gzip.compress(SAMPLE, mtime=n)  # another body (sha256) each time


def fill(address: ReportAddress, size: int, *, age: timedelta = timedelta(hours=1)) -> None:
    """A row of `size` bytes the address stored `age` ago."""
    RawReport.objects.create(
        address=address,
        source=RawReport.HTTPS,
        body=b"",
        sha256=f"fill-{address.pk}-{size}-{age}",
        size=size,
        received_at=timezone.now() - age,
    )


def test_many_addresses_together_are_bounded_and_told_to_retry(db, settings) -> None:
    settings.TLSRPT_DAILY_BYTES_PER_ADDRESS = 100_000
    settings.TLSRPT_DAILY_BYTES_TOTAL = 250_000
    one, two, three = (ReportAddress.objects.create(domain_name=f"d{n}.example") for n in (1, 2, 3))
    fill(one, 99_000, age=timedelta(hours=23, minutes=50))
    fill(two, 99_000)
    # Each address is within its own quota; all together are not.
    third = body(1)
    assert _post(Client(), three.token, third, GZ).status_code == 201  # 198,000 + ~1 KB
    fill(three, 51_000)
    refused = _post(Client(), three.token, body(2), GZ)
    assert refused.status_code == 429, refused.content
    assert "daily intake limit" in refused.json()["error"]
    # The oldest row leaves the window in 10 minutes.
    assert 540 <= int(refused["Retry-After"]) <= 600
    # By mail the same: a temporary failure, the MTA keeps the message.
    assert ingest(make_message(two)) == 75
    # Stored rows are untouched; a resend of a stored body over HTTPS is refused before it
    # is read (as over the address quota) and answered 200 once there is room.
    assert RawReport.objects.count() == 4
    settings.TLSRPT_DAILY_BYTES_TOTAL = 0  # off
    assert _post(Client(), three.token, third, GZ).status_code == 200
    assert _post(Client(), three.token, body(2), GZ).status_code == 201


def test_rows_older_than_24_hours_and_imports_do_not_count(db, settings) -> None:
    settings.TLSRPT_DAILY_BYTES_TOTAL = 60_000
    address = ReportAddress.objects.create(domain_name="example.com")
    fill(address, 50_000, age=timedelta(hours=25))
    # An operator's import of history: stored and parsed in the same instant.
    outcome = ingest_many([(address, SAMPLE + b" " * 70_000)], content_type="application/json")
    assert RawReport.objects.filter(size__gt=60_000).exists(), outcome
    assert _post(Client(), address.token, body(3), GZ).status_code == 201


def test_a_body_larger_than_the_whole_site_bound_is_413(db, settings) -> None:
    settings.TLSRPT_DAILY_BYTES_TOTAL = 2048
    address = ReportAddress.objects.create(domain_name="example.com")
    response = _post(Client(), address.token, b"x" * 3000, GZ)
    assert response.status_code == 413
    assert "daily intake limit" in response.json()["error"]
    assert not RawReport.objects.exists()


def test_the_setting_is_read_from_the_environment(monkeypatch) -> None:
    from reports import conf

    assert conf.daily_bytes_total() == 10 * 1024**3
    monkeypatch.setenv("TLSRPT_DAILY_BYTES_TOTAL", "0")
    assert conf.daily_bytes_total() == 0
    monkeypatch.setenv("TLSRPT_DAILY_BYTES_TOTAL", "lots")
    with pytest.raises(ImproperlyConfigured, match="TLSRPT_DAILY_BYTES_TOTAL"):
        conf.daily_bytes_total()
