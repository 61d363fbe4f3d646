"""Report 0 of a message is the part a message stored before migration 0012 was read from.

Every raw report stored before 0012 has report_index 0, and `reparse` or `report_json` of it
reads report 0 of its message again: that must stay the part the single-report reader chose,
the one declared as the report (application/tlsrpt+gzip or +json) before a gzip, zip or JSON
attachment that only looks like one (RFC 8460 §5.3, M42)."""

from __future__ import annotations

import gzip
import io
from email import policy
from email.message import EmailMessage
from typing import Any

import pytest
from django.core.management import call_command

from reports.mail import extract_report, extract_reports
from reports.models import RawReport, ReportAddress
from tests import test_reports_forged as forged_case
from tests.test_reports_email import SAMPLE, ingest, sign

signer = forged_case.signer
eager = forged_case.eager

pytestmark = pytest.mark.django_db


@pytest.fixture
def address() -> ReportAddress:
    return ReportAddress.objects.create(domain_name="example.com")


REPORT_ID = "2026-06-01T00:00:00Z_example.com"
REPORT = gzip.compress(SAMPLE, mtime=0)
MAILLOG = gzip.compress(
    b"Jun  1 00:00:01 mx1 postfix/smtpd[4242]: connect from unknown\n" * 40, mtime=0
)


def log_before_report(address: ReportAddress) -> bytes:
    """A report mail whose sender attached its compressed mail log before the report."""
    msg = EmailMessage()
    msg["From"] = "noreply-smtp-tls-reporting@sender.example"
    msg["To"] = address.mailto
    msg["Subject"] = (
        f"Report Domain: example.com Submitter: sender.example Report-ID: <{REPORT_ID}>"
    )
    msg["TLS-Report-Domain"] = "example.com"
    msg["TLS-Report-Submitter"] = "sender.example"
    msg.set_content("This is an aggregate TLS report from sender.example\n")
    msg.add_attachment(
        MAILLOG, maintype="application", subtype="octet-stream", filename="maillog.gz"
    )
    msg.add_attachment(
        REPORT,
        maintype="application",
        subtype="tlsrpt+gzip",
        filename="sender.example!example.com!1780272000!1780358399!001.json.gz",
    )
    msg.replace_header(
        "Content-Type", msg["Content-Type"].replace("multipart/mixed", "multipart/report")
    )
    msg.set_param("report-type", "tlsrpt")
    return msg.as_bytes(policy=policy.SMTP)


def test_report_0_is_the_part_declared_as_the_report(address: ReportAddress) -> None:
    message = log_before_report(address)
    assert extract_report(message, 0).payload == REPORT
    # The log is still a report of the message (a gzip part is read whatever its type),
    # after the declared one.
    assert [r.payload for r in extract_reports(message)] == [REPORT, MAILLOG]


def test_a_row_stored_before_0012_reads_the_same_report_on_reparse(
    address: ReportAddress, signer: Any, eager: None
) -> None:
    message = sign(log_before_report(address), signer)
    # As the single-report intake stored it: the whole message, once, report_index 0.
    raw, _ = RawReport.store(address, message, source=RawReport.EMAIL)
    raw.process()
    assert raw.report_index == 0
    assert (raw.parse_status, raw.report.report_id) == (RawReport.PARSED, REPORT_ID), raw.error
    assert raw.report_json() == SAMPLE

    call_command("reparse", "--id", str(raw.public_id), stdout=io.StringIO())

    raw.refresh_from_db()
    assert (raw.parse_status, raw.report.report_id) == (RawReport.PARSED, REPORT_ID), raw.error
    assert raw.report_json() == SAMPLE


def test_a_new_message_stores_the_report_first_and_the_log_after(
    address: ReportAddress, signer: Any, eager: None
) -> None:
    assert ingest(sign(log_before_report(address), signer)) == 0
    report, log = RawReport.objects.order_by("report_index")
    assert (report.report_index, report.parse_status) == (0, RawReport.PARSED), report.error
    assert report.report.report_id == REPORT_ID
    assert (log.report_index, log.parse_status) == (1, RawReport.REJECTED)
