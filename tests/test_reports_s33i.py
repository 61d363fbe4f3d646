"""Task s33i, follow-ups of blind round s33r.

1. One report-id for two overlapping date-ranges (since s35i; two days that do not overlap
   are two reports), one copy unsigned (HTTPS) and one DKIM-signed by its reporter. The signed copy is the one counted, in either order, as docs/reports.md §4 has
   it for any two copies that differ: the range is part of what a forger writes, so a rule
   "replace only within the same range" would let an unsigned copy whose range is moved by
   a second hide the signed report. Proven here, and the set-aside copy's reason now says
   that it covered another date-range (before, it read as a forged copy of the same day).
2. A gzip body labelled `+json` (HTTPS, mailed part) is read with a warning naming the
   label and what the bytes were, as `application/pdf` on a gzip body is.
3. tests/test_reports_s12_blind.py's `_post` sends the bytes as they are, so a gzip body
   whose Content-Type names a charset reaches the product.
"""

from __future__ import annotations

import gzip
import json
from typing import Any

import pytest
from django.test import Client

from reports.models import RawReport, ReportAddress, TlsReport
from tests import test_reports_forged as forged_case
from tests.test_reports_email import SAMPLE, ingest, make_message, sign
from tests.test_reports_forged import post

signer = forged_case.signer
eager = forged_case.eager
address = forged_case.address

pytestmark = pytest.mark.django_db

REPORT_ID = "2026-06-01T00:00:00Z_example.com"


def report_of(start: str, end: str, failed: int = 17) -> bytes:
    """The sample report (report-id REPORT_ID) over another date-range; with no failures
    when `failed` is 0."""
    report = json.loads(SAMPLE)
    report["date-range"] = {"start-datetime": start, "end-datetime": end}
    if not failed:
        report["policies"][0]["summary"]["total-failure-session-count"] = 0
        report["policies"][0]["failure-details"] = []
    return json.dumps(report).encode()


DAY1 = ("2026-06-01T00:00:00Z", "2026-06-01T23:59:59Z")
# Noon to noon: counted on 2 June, overlapping DAY1. Since s35i a range of another day that
# does not overlap is a report of its own (tests/test_reports_s35i.py), so the copies of
# another range here overlap.
DAY2 = ("2026-06-01T12:00:00Z", "2026-06-02T12:00:00Z")


def mailed(address: ReportAddress, signer: Any, body: bytes) -> None:
    assert ingest(sign(make_message(address, body=gzip.compress(body)), signer)) == 0


def counted() -> tuple[str, int, int]:
    report = TlsReport.objects.get()
    return (report.start.date().isoformat(), report.total_successful, report.total_failed)


def test_a_signed_copy_of_an_overlapping_range_is_the_one_counted_and_the_unsigned_says_why(
    address: ReportAddress, signer: Any, client: Client
) -> None:
    post(client, address, report_of(*DAY1, failed=0))
    mailed(address, signer, report_of(*DAY2))
    # The signed copy is counted (its range), the first day's unsigned copy set aside.
    assert counted() == ("2026-06-01", 48210 + 31877, 17)
    assert TlsReport.objects.get().day.isoformat() == "2026-06-02"
    unsigned = RawReport.objects.get(source=RawReport.HTTPS)
    assert unsigned.parse_status == RawReport.SUPERSEDED
    assert unsigned.error.startswith(f"set aside: a copy of report {REPORT_ID!r} DKIM-signed")
    assert (
        "It covers 2026-06-01T00:00:00Z to 2026-06-01T23:59:59Z and the signed copy "
        "2026-06-01T12:00:00Z to 2026-06-02T12:00:00Z, which overlap: under one report-id, "
        "overlapping date-ranges are one report (RFC 8460 §4.4: a report-id identifies one "
        "report; counting both would count the sessions of the overlap twice); this copy is "
        "a forgery or another version of the reporter's, and its sessions are not counted"
    ) in unsigned.error
    settled = sorted(RawReport.objects.values_list("parse_status", "error"))
    # Parsing either copy again changes nothing.
    for raw in RawReport.objects.order_by("pk"):
        raw.process(force=True)
        assert sorted(RawReport.objects.values_list("parse_status", "error")) == settled
    assert counted() == ("2026-06-01", 48210 + 31877, 17)


def test_either_order_ends_the_same(address: ReportAddress, signer: Any, client: Client) -> None:
    mailed(address, signer, report_of(*DAY2))
    post(client, address, report_of(*DAY1, failed=0))
    assert counted() == ("2026-06-01", 48210 + 31877, 17)
    unsigned = RawReport.objects.get(source=RawReport.HTTPS)
    assert unsigned.parse_status == RawReport.SUPERSEDED
    assert "It covers 2026-06-01T00:00:00Z to 2026-06-01T23:59:59Z" in unsigned.error


def test_a_forged_copy_with_its_range_moved_a_second_does_not_hide_the_signed_one(
    address: ReportAddress, signer: Any, client: Client
) -> None:
    # Why a signed copy may replace one of another range: the range is the forger's to write.
    post(client, address, report_of(DAY1[0], "2026-06-01T23:59:58Z", failed=0))
    mailed(address, signer, report_of(*DAY1))
    assert counted() == ("2026-06-01", 48210 + 31877, 17)
    assert RawReport.objects.get(source=RawReport.HTTPS).parse_status == RawReport.SUPERSEDED


def test_the_same_range_set_aside_reads_as_before(
    address: ReportAddress, signer: Any, client: Client
) -> None:
    post(client, address, report_of(*DAY1, failed=0))
    mailed(address, signer, report_of(*DAY1))
    error = RawReport.objects.get(source=RawReport.HTTPS).error
    assert "covers" not in error and error.endswith("so it may be forged")


# --- 2. A report's label against its bytes ------------------------------------------------


def stored_warnings() -> list[str]:
    return list(TlsReport.objects.get().warnings)


def post_labelled(client: Client, address: ReportAddress, body: bytes, label: str, **extra: Any):
    return client.generic("POST", f"/tlsrpt/{address.token}", body, content_type=label, **extra)


def test_a_gzip_body_labelled_json_over_https_warns_naming_both(
    address: ReportAddress, client: Client
) -> None:
    response = post_labelled(client, address, gzip.compress(SAMPLE), "application/tlsrpt+json")
    assert response.status_code == 201
    assert (
        "Content-Type application/tlsrpt+json on a gzip body: a compressed report is "
        "application/tlsrpt+gzip (RFC 8460 §5.4); it was read by its bytes"
    ) in stored_warnings()


def test_a_json_body_labelled_gzip_over_https_warns_naming_both(
    address: ReportAddress, client: Client
) -> None:
    assert post_labelled(client, address, SAMPLE, "application/tlsrpt+gzip").status_code == 201
    assert (
        "Content-Type application/tlsrpt+gzip on a JSON body: an uncompressed report is "
        "application/tlsrpt+json (RFC 8460 §5.4); it was read by its bytes"
    ) in stored_warnings()


def test_json_labelled_json_with_content_encoding_gzip_stays_clean(
    address: ReportAddress, client: Client
) -> None:
    # M48: the gzip is the content coding here, not the report's own.
    response = post_labelled(
        client,
        address,
        gzip.compress(SAMPLE),
        "application/tlsrpt+json",
        HTTP_CONTENT_ENCODING="gzip",
    )
    assert response.status_code == 201
    assert not [w for w in stored_warnings() if "Content-Type" in w], stored_warnings()


def test_the_right_labels_stay_clean(address: ReportAddress, client: Client) -> None:
    assert post_labelled(client, address, gzip.compress(SAMPLE), "application/tlsrpt+gzip")
    other = json.loads(SAMPLE)
    other["report-id"] = "other"
    assert post_labelled(client, address, json.dumps(other).encode(), "application/tlsrpt+json")
    for report in TlsReport.objects.all():
        assert not [w for w in report.warnings if "Content-Type" in w], report.warnings


@pytest.mark.parametrize(
    ("label", "payload", "warning"),
    [
        (
            "application/tlsrpt+json",
            gzip.compress(SAMPLE),
            "report part is declared application/tlsrpt+json, but its bytes are gzip: a "
            "compressed report is application/tlsrpt+gzip (RFC 8460 §5.3)",
        ),
        (
            "application/tlsrpt+gzip",
            SAMPLE,
            "report part is declared application/tlsrpt+gzip, but its bytes are JSON: an "
            "uncompressed report is application/tlsrpt+json (RFC 8460 §5.3)",
        ),
        (
            "application/pdf",
            gzip.compress(SAMPLE),
            "report part is declared application/pdf, not application/tlsrpt+gzip or +json "
            "(RFC 8460 §5.3); its bytes are gzip",
        ),
    ],
)
def test_a_mailed_part_whose_label_is_not_its_bytes_warns_naming_both(
    address: ReportAddress, signer: Any, label: str, payload: bytes, warning: str
) -> None:
    message = make_message(address, body=payload, content_type=label)
    assert ingest(sign(message, signer)) == 0
    assert warning in stored_warnings()


def test_a_mailed_part_labelled_as_its_bytes_stays_clean(
    address: ReportAddress, signer: Any
) -> None:
    message = make_message(address, body=SAMPLE, content_type="application/tlsrpt+json")
    assert ingest(sign(message, signer)) == 0
    assert not [w for w in stored_warnings() if "declared" in w], stored_warnings()


# --- 3. The s12 helper posts bytes as they are ----------------------------------------------


def test_the_s12_post_helper_sends_a_gzip_body_with_a_charset_as_it_is(
    address: ReportAddress, client: Client
) -> None:
    from tests.test_reports_s12_blind import _post

    body = gzip.compress(SAMPLE)
    response = _post(client, address.token, body, "application/tlsrpt+gzip; charset=iso-8859-1")
    assert response.status_code == 201
    assert bytes(RawReport.objects.get().body) == body
