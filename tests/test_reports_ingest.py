"""reports.ingest: many files per transaction, with the outcomes of intake + parse task."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from reports.ingest import ingest_many
from reports.models import FailureDetail, RawReport, ReportAddress, TlsReport

SAMPLE = (Path(__file__).parent / "data" / "tlsrpt" / "sample.json").read_bytes()
pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("batch", [1, 2, 500])
def test_it_stores_parses_and_deduplicates_like_the_intake(batch: int) -> None:
    a = ReportAddress.objects.create(domain_name="example.com")
    b = ReportAddress.objects.create(domain_name="example.com")
    first = gzip.compress(SAMPLE, mtime=1)
    resend = gzip.compress(SAMPLE, mtime=2)  # same report, other bytes (M38)
    other = gzip.compress(SAMPLE.replace(b"_example.com", b"_other"), mtime=1)
    items = [
        (a, first),
        (a, first),  # identical bytes: stored once
        (a, resend),
        (a, b"garbage"),
        (a, other),
        (b, first),  # another address (another team) keeps its own copy
    ]
    outcome = ingest_many(items, batch=batch)
    assert outcome == {"parsed": 3, "duplicate": 1, "rejected": 1, "already stored": 1}
    assert TlsReport.objects.filter(address=a).count() == 2
    assert TlsReport.objects.filter(address=b).count() == 1
    report = TlsReport.objects.get(address=a, report_id="2026-06-01T00:00:00Z_example.com")
    assert (report.total_successful, report.total_failed) == (48210 + 31877, 17)
    assert report.policies.count() == 2
    assert sorted(report.failure_details.values_list("result_type", flat=True)) == [
        "certificate-expired",
        "certificate-host-mismatch",
    ]
    raws = RawReport.objects.filter(address=a)
    assert raws.count() == 4
    assert raws.get(sha256__isnull=False, body=resend).report == report
    rejected = raws.get(parse_status=RawReport.REJECTED)
    assert "neither gzip, zip nor JSON" in rejected.error
    # Again: everything is already there.
    assert ingest_many(items, batch=batch) == {"already stored": 6}
    assert FailureDetail.objects.count() == 3 * 2


def test_it_matches_the_parse_task() -> None:
    a = ReportAddress.objects.create(domain_name="example.com")
    b = ReportAddress.objects.create(domain_name="example.com")
    body = gzip.compress(SAMPLE)
    ingest_many([(a, body)])
    raw, _ = RawReport.store(b, body, source=RawReport.HTTPS)
    raw.process()
    one, two = TlsReport.objects.get(address=a), TlsReport.objects.get(address=b)
    fields = ["organization_name", "submitter", "report_id", "start", "end", "day"]
    fields += ["total_successful", "total_failed", "warnings", "notes", "policy_domain"]
    assert [getattr(one, f) for f in fields] == [getattr(two, f) for f in fields]
    columns = ["result_type", "sending_mta_ip", "receiving_ip", "failed_session_count"]
    assert list(one.failure_details.values_list(*columns)) == list(
        two.failure_details.values_list(*columns)
    )
