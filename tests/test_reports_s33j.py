"""Task s33j: a bulk import (reports.ingest) gives a copy of a report stored earlier in the
same batch the reason the parse task gives a copy of a report stored before (copy_outcome):
a report-id used for another date-range says so (RFC 8460 §4.4), a resend with other
figures says which stand. Before, a copy found within the batch got the bare "resend of
report … already stored" on both database paths (SQLite's ORM, PostgreSQL's COPY). Since
s35i a range of another day that does not overlap is a report of its own; the copies here
overlap the first file's range."""

from __future__ import annotations

import gzip
import json

import pytest

from reports.ingest import ingest_many
from reports.models import RawReport, ReportAddress, TlsReport
from tests.test_reports_s33r import body

pytestmark = pytest.mark.django_db


def ranged(start: str, end: str, ok: int) -> bytes:
    """body() of 2026-06-01 with `ok` successful sessions, over another date-range."""
    report = json.loads(gzip.decompress(body("2026-06-01", ok)))
    report["date-range"] = {"start-datetime": start, "end-datetime": end}
    return gzip.compress(json.dumps(report).encode(), mtime=0)


# (first file, second file): one report-id each time. A range of another day that does not
# overlap the first is a report of its own since s35i (tests/test_reports_s35i.py).
PAIRS = {
    "an overlapping range of another day": (
        body("2026-06-01", 120),
        ranged("2026-06-01T12:00:00Z", "2026-06-02T12:00:00Z", 80),
    ),
    "another range of the same day, same figures": (
        body("2026-06-01", 120),
        ranged("2026-06-01T06:00:00Z", "2026-06-01T23:59:59Z", 120),
    ),
    "same day, other figures": (body("2026-06-01", 120), body("2026-06-01", 130)),
}


def second_copy_error(first: bytes, second: bytes, batch: int) -> str:
    address = ReportAddress.objects.create(domain_name="example.com")
    assert ingest_many([(address, first), (address, second)], batch=batch) == {
        "parsed": 1,
        "duplicate": 1,
    }
    # Counted once, from the file stored first (docs §4).
    assert TlsReport.objects.get(address=address).total_successful == 120
    return RawReport.objects.filter(address=address).order_by("pk").last().error


@pytest.mark.parametrize("pair", PAIRS)
def test_a_copy_within_the_batch_reads_as_a_copy_of_a_stored_report(pair: str) -> None:
    first, second = PAIRS[pair]
    across = second_copy_error(first, second, batch=1)  # the first stored by then
    within = second_copy_error(first, second, batch=500)
    assert within == across


def test_a_report_id_used_for_an_overlapping_range_within_the_batch_says_so() -> None:
    first, second = PAIRS["an overlapping range of another day"]
    error = second_copy_error(first, second, batch=500)
    assert error == (
        "resend of report 'example.com' already stored, but it covers 2026-06-01T12:00:00Z "
        "to 2026-06-02T12:00:00Z and the stored copy 2026-06-01T00:00:00Z to "
        "2026-06-01T23:59:59Z, which overlap: under one report-id, overlapping date-ranges "
        "are one report (RFC 8460 §4.4: a report-id identifies one report; counting both "
        "would count the sessions of the overlap twice), so this copy's sessions are not "
        "counted, with other counts: 80 successful and 0 failed sessions here, 120 and 0 in "
        "the stored copy, which is the one counted"
    )


def test_another_range_of_the_same_day_within_the_batch_says_so() -> None:
    first, second = PAIRS["another range of the same day, same figures"]
    error = second_copy_error(first, second, batch=500)
    assert error == (
        "resend of report 'example.com' already stored, but it covers 2026-06-01T06:00:00Z "
        "to 2026-06-01T23:59:59Z and the stored copy 2026-06-01T00:00:00Z to "
        "2026-06-01T23:59:59Z, which overlap: under one report-id, overlapping date-ranges "
        "are one report (RFC 8460 §4.4: a report-id identifies one report; counting both "
        "would count the sessions of the overlap twice), so this copy's sessions are not "
        "counted"
    )


def test_a_plain_resend_within_the_batch_reads_as_before() -> None:
    report = body("2026-06-01", 120)
    resend = gzip.compress(gzip.decompress(report), mtime=1)  # other bytes, the same report
    error = second_copy_error(report, resend, batch=500)
    assert error == "resend of report 'example.com' already stored"
