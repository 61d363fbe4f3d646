"""Task s35i: a report-id a sender uses again for another day is a report of its own.

RFC 8460 §4.4 makes the report-id "a unique identifier for the report", and §4.1 a report
covers a day. Some senders reuse one report-id for every day (small reporters with day-less
ids, buggy ones); the second day's report was kept as a copy of the first (its raw kept, its
sessions not counted). A report is now identified by (address, submitter, report-id, day):

* the same report-id and the same day (or a range that overlaps the stored report's): a copy,
  exactly as before (a resend over HTTPS and mail is one report; a signed copy still replaces
  an unsigned one that differs);
* the same report-id and a range that does not overlap the stored report's, on another day:
  a report of its own, counted, with a warning "This sender reused report-id X of <day>";
* overlapping ranges of other days under one report-id: one report (the id identifies one
  report, and counting both would count the sessions of the overlap twice), a copy whose
  reason says the ranges overlap.

Through the real ingest: HTTPS POST and the parse task, mail piped into `manage.py
ingest_email` (DKIM-signed), the bulk import on both of its paths (ORM, PostgreSQL COPY),
and `manage.py reparse --reused-ids` for the copies stored as duplicates before."""

from __future__ import annotations

import gzip
import io
import json
from collections.abc import Callable
from typing import Any
from unittest import mock

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client

from reports.ingest import ingest_many
from reports.models import RawReport, ReportAddress, TlsReport
from tests import test_reports_forged as forged_case
from tests.test_reports_email import SAMPLE
from tests.test_reports_forged import post
from tests.test_reports_s33i import mailed
from tests.test_reports_s33r import body

signer = forged_case.signer
eager = forged_case.eager
address = forged_case.address

pytestmark = pytest.mark.django_db

REPORT_ID = "2026-06-01T00:00:00Z_example.com"  # the sample's, used for every day below
DAY1 = ("2026-06-01T00:00:00Z", "2026-06-01T23:59:59Z")
DAY2 = ("2026-06-02T00:00:00Z", "2026-06-02T23:59:59Z")
# 12:00 on 1 June to 12:00 on 2 June: overlaps DAY1, but counts on 2 June (its middle).
ACROSS = ("2026-06-01T12:00:00Z", "2026-06-02T12:00:00Z")


def report_of(start: str, end: str, ok: int = 48210) -> bytes:
    """The sample report (report-id REPORT_ID) over another date-range, `ok` successful
    sessions in its first policy."""
    report = json.loads(SAMPLE)
    report["date-range"] = {"start-datetime": start, "end-datetime": end}
    report["policies"][0]["summary"]["total-successful-session-count"] = ok
    return json.dumps(report).encode()


def reports() -> list[tuple[str, int]]:
    """(day, successful sessions) of every stored report, by day."""
    return [(r.day.isoformat(), r.total_successful) for r in TlsReport.objects.order_by("day")]


def reuse_warnings(day: str) -> list[str]:
    report = TlsReport.objects.get(day=day)
    return [w for w in report.warnings if "reused report-id" in w]


# --- Another day: a report of its own -------------------------------------------------------


def test_a_report_id_reused_for_another_day_over_https_is_its_own_report(
    address: ReportAddress, client: Client
) -> None:
    post(client, address, report_of(*DAY1, ok=100))
    post(client, address, report_of(*DAY2, ok=200))
    # The second sample policy adds 31,877 successful sessions to each.
    assert reports() == [("2026-06-01", 100 + 31877), ("2026-06-02", 200 + 31877)]
    assert [r.parse_status for r in RawReport.objects.order_by("pk")] == ["parsed", "parsed"]
    (warning,) = reuse_warnings("2026-06-02")
    assert warning.startswith(f"This sender reused report-id {REPORT_ID!r} of 2026-06-01 ")
    assert "RFC 8460 §4.4" in warning
    assert reuse_warnings("2026-06-01") == []  # stored first: nothing reused then
    # Each raw copy points at its own report; parsing either again changes nothing.
    assert len({r.report_id for r in RawReport.objects.all()}) == 2
    before = sorted(RawReport.objects.values_list("parse_status", "error", "report_id"))
    for raw in RawReport.objects.order_by("pk"):
        raw.process(force=True)
    assert sorted(RawReport.objects.values_list("parse_status", "error", "report_id")) == before
    assert reports() == [("2026-06-01", 100 + 31877), ("2026-06-02", 200 + 31877)]
    assert reuse_warnings("2026-06-01") == [] and len(reuse_warnings("2026-06-02")) == 1


def test_a_report_id_reused_for_another_day_by_mail_is_its_own_report(
    address: ReportAddress, signer: Any
) -> None:
    mailed(address, signer, report_of(*DAY2, ok=200))
    mailed(address, signer, report_of(*DAY1, ok=100))
    assert reports() == [("2026-06-01", 100 + 31877), ("2026-06-02", 200 + 31877)]
    (warning,) = reuse_warnings("2026-06-01")  # the one stored second, whatever its day
    assert warning.startswith(f"This sender reused report-id {REPORT_ID!r} of 2026-06-02 ")


def test_an_unsigned_day_and_a_signed_other_day_are_both_counted(
    address: ReportAddress, signer: Any, client: Client
) -> None:
    # Before: the signed copy replaced the unsigned one of the other day (one day lost).
    post(client, address, report_of(*DAY1, ok=100))
    mailed(address, signer, report_of(*DAY2, ok=200))
    assert reports() == [("2026-06-01", 100 + 31877), ("2026-06-02", 200 + 31877)]
    assert sorted(RawReport.objects.values_list("source", "parse_status")) == [
        ("email", "parsed"),
        ("https", "parsed"),
    ]


# --- The same day: a copy, as before --------------------------------------------------------


def test_the_same_report_over_https_and_mail_is_still_one_report(
    address: ReportAddress, signer: Any, client: Client
) -> None:
    post(client, address, report_of(*DAY1))
    mailed(address, signer, report_of(*DAY1))
    assert reports() == [("2026-06-01", 48210 + 31877)]
    statuses = dict(RawReport.objects.values_list("source", "parse_status"))
    assert statuses == {"https": "parsed", "email": "duplicate"}
    assert TlsReport.objects.get().warnings == [
        w for w in TlsReport.objects.get().warnings if "reused" not in w
    ]


def test_a_corrected_signed_copy_of_the_same_day_still_replaces_the_unsigned_one(
    address: ReportAddress, signer: Any, client: Client
) -> None:
    post(client, address, report_of(*DAY1, ok=100))
    mailed(address, signer, report_of(*DAY1, ok=150))
    assert reports() == [("2026-06-01", 150 + 31877)]
    unsigned = RawReport.objects.get(source=RawReport.HTTPS)
    assert unsigned.parse_status == RawReport.SUPERSEDED
    assert "covers" not in unsigned.error


def test_a_resend_of_the_same_day_with_other_counts_is_a_duplicate_as_before(
    address: ReportAddress, client: Client
) -> None:
    post(client, address, report_of(*DAY1, ok=100))
    post(client, address, report_of(*DAY1, ok=130))
    assert reports() == [("2026-06-01", 100 + 31877)]
    later = RawReport.objects.order_by("pk").last()
    assert later.parse_status == RawReport.DUPLICATE
    assert "with other counts" in later.error and "covers" not in later.error


def test_two_ranges_of_one_day_that_do_not_overlap_are_one_report(
    address: ReportAddress, client: Client
) -> None:
    # The unique key is the day (RFC 8460 §4.1: a report covers a day): a sender's two
    # parts of one day under one report-id are one report, as before.
    post(client, address, report_of("2026-06-01T00:00:00Z", "2026-06-01T06:00:00Z", ok=100))
    post(client, address, report_of("2026-06-01T12:00:00Z", "2026-06-01T18:00:00Z", ok=200))
    assert reports() == [("2026-06-01", 100 + 31877)]
    later = RawReport.objects.order_by("pk").last()
    assert later.parse_status == RawReport.DUPLICATE
    assert (
        "2026-06-01T06:00:00Z, both counted on one day: under one report-id, one day is one report"
        in later.error
    )


# --- Overlapping ranges of other days: one report ------------------------------------------


def test_an_overlapping_range_of_another_day_is_a_copy_saying_the_ranges_overlap(
    address: ReportAddress, client: Client
) -> None:
    post(client, address, report_of(*DAY1, ok=100))
    post(client, address, report_of(*ACROSS, ok=200))
    assert reports() == [("2026-06-01", 100 + 31877)]
    later = RawReport.objects.order_by("pk").last()
    assert later.parse_status == RawReport.DUPLICATE
    assert (
        "but it covers 2026-06-01T12:00:00Z to 2026-06-02T12:00:00Z and the stored copy "
        "2026-06-01T00:00:00Z to 2026-06-01T23:59:59Z, which overlap"
    ) in later.error
    assert "not counted" in later.error


def test_a_signed_overlapping_copy_still_replaces_an_unsigned_one(
    address: ReportAddress, signer: Any, client: Client
) -> None:
    # The forger's move of docs §4: the range written to overlap does not hide the signed one.
    post(client, address, report_of(*ACROSS, ok=100))
    mailed(address, signer, report_of(*DAY1, ok=200))
    assert reports() == [("2026-06-01", 200 + 31877)]
    unsigned = RawReport.objects.get(source=RawReport.HTTPS)
    assert unsigned.parse_status == RawReport.SUPERSEDED
    assert "which overlap" in unsigned.error


# --- The bulk import -----------------------------------------------------------------------


@pytest.mark.parametrize("batch", [1, 500], ids=["across-batches", "within-a-batch"])
def test_the_bulk_import_stores_a_reused_report_id_of_another_day_as_its_own(
    batch: int,
) -> None:
    address = ReportAddress.objects.create(domain_name="example.com")
    files = [
        body("2026-06-01", 120),
        body("2026-06-02", 80),
        gzip.compress(gzip.decompress(body("2026-06-02", 80)), mtime=7),  # a plain resend
        body("2026-06-01", 130),  # day 1 again, other counts: a copy of day 1
    ]
    outcome = ingest_many([(address, f) for f in files], batch=batch)
    assert outcome == {"parsed": 2, "duplicate": 2}
    assert reports() == [("2026-06-01", 120), ("2026-06-02", 80)]
    (warning,) = reuse_warnings("2026-06-02")
    assert warning.startswith("This sender reused report-id 'example.com' of 2026-06-01 ")
    raws = list(RawReport.objects.order_by("pk"))
    day = {r.pk: r.day.isoformat() for r in TlsReport.objects.all()}
    assert [day[r.report_id] for r in raws] == [
        "2026-06-01",
        "2026-06-02",
        "2026-06-02",
        "2026-06-01",
    ]
    assert raws[2].error == "resend of report 'example.com' already stored"
    assert "covers" not in raws[3].error and "with other counts" in raws[3].error


def test_the_bulk_import_and_the_parse_task_agree_on_a_reused_report_id(
    address: ReportAddress, client: Client
) -> None:
    post(client, address, report_of(*DAY1, ok=100))
    outcome = ingest_many(
        [
            (address, gzip.compress(report_of(*DAY2, ok=200))),
            (address, gzip.compress(report_of(*ACROSS, ok=300))),
        ]
    )
    assert outcome == {"parsed": 1, "duplicate": 1}
    assert reports() == [("2026-06-01", 100 + 31877), ("2026-06-02", 200 + 31877)]
    assert reuse_warnings("2026-06-02")
    across = RawReport.objects.order_by("pk").last()
    # ACROSS counts on 2 June, the day of the report just imported: same day, a copy of it.
    assert across.parse_status == RawReport.DUPLICATE
    assert TlsReport.objects.get(pk=across.report_id).day.isoformat() == "2026-06-02"


# --- Stored before: manage.py reparse --reused-ids ------------------------------------------


def as_stored_before(address: ReportAddress, client: Client) -> RawReport:
    """Day 1 and day 2 posted under one report-id, then left as the release before stored
    them: day 2 a duplicate of day 1's report, with that release's reason."""
    post(client, address, report_of(*DAY1, ok=100))
    post(client, address, report_of(*DAY2, ok=200))
    first, later = RawReport.objects.order_by("pk")
    TlsReport.objects.exclude(pk=first.report_id).delete()
    RawReport.objects.filter(pk=later.pk).update(
        parse_status=RawReport.DUPLICATE,
        report_id=first.report_id,
        error=f"resend of report {REPORT_ID!r} already stored, but it covers … the reporter "
        "used one report-id for two reports (RFC 8460 §4.4: a report-id identifies one "
        "report), so this copy's sessions are not counted",
    )
    assert reports() == [("2026-06-01", 100 + 31877)]
    return later


def test_reparse_reused_ids_counts_the_days_stored_as_duplicates_before(
    address: ReportAddress, client: Client
) -> None:
    as_stored_before(address, client)
    out = io.StringIO()
    call_command("reparse", "--reused-ids", stdout=out)
    assert reports() == [("2026-06-01", 100 + 31877), ("2026-06-02", 200 + 31877)]
    assert "reused-ids: 1 copy read again (1 parsed)" in out.getvalue()
    assert reuse_warnings("2026-06-02")
    # Again: nothing left to do.
    out = io.StringIO()
    call_command("reparse", "--reused-ids", stdout=out)
    assert "reused-ids: no copy stored as a duplicate or set aside" in out.getvalue()
    assert reports() == [("2026-06-01", 100 + 31877), ("2026-06-02", 200 + 31877)]


def test_reparse_reused_ids_raises_no_alerts_for_an_imported_day(
    address: ReportAddress,
) -> None:
    # An import is history (reports.ingest): the day it kept as a copy is counted now, and
    # marked evaluated as the import marks its reports, not alerted on.
    ingest_many([(address, gzip.compress(report_of(*d))) for d in (DAY1, DAY2)])
    first, later = RawReport.objects.order_by("pk")
    TlsReport.objects.exclude(pk=first.report_id).delete()
    RawReport.objects.filter(pk=later.pk).update(
        parse_status=RawReport.DUPLICATE, report_id=first.report_id
    )
    # On-commit hooks run once the command's transactions are over, as they do outside tests.
    hooks: list[Callable[[], Any]] = []
    with mock.patch("django.db.transaction.on_commit", lambda f, **kw: hooks.append(f)):
        call_command("reparse", "--reused-ids", "--queue", stdout=io.StringIO())
    for hook in hooks:
        hook()  # the alert task finds the report evaluated
    report = TlsReport.objects.get(day="2026-06-02")
    assert report.alerts_evaluated_at == report.created
    assert RawReport.objects.get(pk=later.pk).report_id == report.pk


def test_the_identity_is_unique_with_the_day() -> None:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, "reports_tlsreport")
    uniques = [c["columns"] for c in constraints.values() if c["unique"]]
    assert ["address_id", "submitter", "report_id", "day"] in uniques
    assert ["address_id", "submitter", "report_id"] not in uniques
