# ruff: noqa: F811 (pytest fixtures imported from test_reports_email)
"""Several TLS reports in one e-mail (RFC 8460 §5.3 describes one per message; digests and
forwards carry more): each is a raw report of its own, stored before parsing, recognised by
its message's sha256 and its place in it, judged on the same headers and DKIM signature."""

from __future__ import annotations

import gzip
import io
import json
from email import policy
from email.message import EmailMessage
from types import SimpleNamespace
from unittest import mock

import pytest
from django.core.management import call_command

from reports.models import RawReport, ReportAddress, TlsReport
from tests.test_reports_email import (  # noqa: F401 (fixtures)
    SAMPLE,
    address,
    dns_stub,
    eager,
    sign,
    signer,
)


def ingest(message: bytes, *args: str, stderr: io.StringIO | None = None) -> int:
    """`manage.py ingest_email` with `message` on stdin; its exit code."""
    stdin = SimpleNamespace(buffer=io.BytesIO(message))
    with mock.patch("sys.stdin", stdin), pytest.raises(SystemExit) as exc:
        call_command("ingest_email", *args, stdout=io.StringIO(), stderr=stderr or io.StringIO())
    return int(exc.value.code or 0)


def another_report(day: int) -> bytes:
    """The §12.2 sample for another day: another report-id, so another report."""
    report = json.loads(SAMPLE)
    report["report-id"] = f"2026-06-{day:02d}T00:00:00Z_example.com"
    report["date-range"] = {
        "start-datetime": f"2026-06-{day:02d}T00:00:00Z",
        "end-datetime": f"2026-06-{day:02d}T23:59:59Z",
    }
    return json.dumps(report).encode()


def digest_message(address: ReportAddress, reports: list[tuple[bytes, str]]) -> bytes:
    """A multipart/report message carrying each (payload, subtype) as an attachment."""
    msg = EmailMessage()
    msg["From"] = "noreply-smtp-tls-reporting@sender.example"
    msg["To"] = address.mailto
    msg["Subject"] = "Report Domain: example.com Submitter: sender.example"
    msg["Date"] = "Tue, 02 Jun 2026 03:12:40 +0000"
    msg["Message-ID"] = "<digest.1@sender.example>"
    msg["TLS-Report-Domain"] = "example.com"
    msg["TLS-Report-Submitter"] = "sender.example"
    msg.set_content("Aggregate TLS reports from sender.example\n")
    for n, (payload, subtype) in enumerate(reports):
        msg.add_attachment(payload, maintype="application", subtype=subtype, filename=f"{n}.json")
    msg.replace_header(
        "Content-Type", msg["Content-Type"].replace("multipart/mixed", "multipart/report")
    )
    msg.set_param("report-type", "tlsrpt")
    return msg.as_bytes(policy=policy.SMTP)


@pytest.mark.parametrize("linesep", [b"\r\n", b"\n"], ids=["smtp-crlf", "postfix-pipe-lf"])
def test_every_report_of_a_message_is_stored_and_parsed(address, signer, eager, linesep) -> None:
    message = sign(
        digest_message(
            address,
            [(gzip.compress(SAMPLE), "tlsrpt+gzip"), (another_report(2), "tlsrpt+json")],
        ),
        signer,
    ).replace(b"\r\n", linesep)
    assert ingest(message) == 0
    rows = list(RawReport.objects.order_by("report_index"))
    assert [r.report_index for r in rows] == [0, 1]
    assert all(bytes(r.body) == message for r in rows)  # the whole message, as for one report
    assert [(r.parse_status, r.error) for r in rows] == [(RawReport.PARSED, "")] * 2
    # The same envelope for both: headers kept and the DKIM outcome.
    assert rows[0].headers == rows[1].headers
    assert {(r.dkim_result, r.dkim_domain) for r in rows} == {("pass", "sender.example")}
    assert sorted(TlsReport.objects.values_list("report_id", flat=True)) == [
        "2026-06-01T00:00:00Z_example.com",
        "2026-06-02T00:00:00Z_example.com",
    ]
    warnings = rows[1].report.warnings
    assert any("carries 2 reports" in w for w in warnings), warnings


def test_a_message_with_several_reports_sent_again_is_stored_once(address, signer, eager) -> None:
    message = sign(
        digest_message(
            address, [(another_report(1), "tlsrpt+json"), (another_report(2), "tlsrpt+json")]
        ),
        signer,
    )
    assert ingest(message) == 0
    assert ingest(message) == 0
    assert RawReport.objects.count() == 2 and TlsReport.objects.count() == 2


def test_a_gzip_attachment_next_to_a_declared_report_is_a_report_too(
    address, signer, eager
) -> None:
    # A forwarder's digest: one part declared as the RFC asks, one as application/gzip.
    message = sign(
        digest_message(
            address,
            [(another_report(1), "tlsrpt+json"), (gzip.compress(another_report(2)), "gzip")],
        ),
        signer,
    )
    assert ingest(message) == 0
    assert sorted(RawReport.objects.values_list("parse_status", flat=True)) == ["parsed"] * 2
    assert TlsReport.objects.count() == 2


def test_the_same_report_attached_twice_is_stored_once(address, signer, eager) -> None:
    report = another_report(1)
    message = sign(digest_message(address, [(report, "tlsrpt+json")] * 2), signer)
    assert ingest(message) == 0
    raw = RawReport.objects.get()
    assert raw.parse_status == RawReport.PARSED, raw.error


def test_a_message_over_the_reports_cap_is_refused_with_the_reason(address, dns_stub) -> None:
    from reports.mail import MAX_REPORTS_PER_MESSAGE

    many = [(another_report(n), "tlsrpt+json") for n in range(1, MAX_REPORTS_PER_MESSAGE + 2)]
    stderr = io.StringIO()
    assert ingest(digest_message(address, many), stderr=stderr) == 65  # EX_DATAERR: bounced
    assert f"carries {MAX_REPORTS_PER_MESSAGE + 1} reports; at most" in stderr.getvalue()
    assert RawReport.objects.count() == 0
    # At the cap, every report is stored.
    assert ingest(digest_message(address, many[:-1])) == 0
    assert RawReport.objects.count() == MAX_REPORTS_PER_MESSAGE


def test_a_message_whose_copies_would_be_too_large_is_refused(address, dns_stub, settings) -> None:
    reports = [(another_report(n), "tlsrpt+json") for n in range(1, 4)]
    message = digest_message(address, reports)
    # The message fits the cap, but three copies of it do not fit twice the cap.
    settings.TLSRPT_MAX_MESSAGE_BYTES = len(message) + 10
    stderr = io.StringIO()
    assert ingest(message, stderr=stderr) == 65
    assert "carries 3 reports, stored as one copy each" in stderr.getvalue()
    assert RawReport.objects.count() == 0
    assert ingest(digest_message(address, reports[:2])) == 0
    assert RawReport.objects.count() == 2


def test_a_row_written_without_report_index_is_the_first_report(address) -> None:
    # ingest_files' COPY and workers on the previous release insert raw reports without the
    # column: the database fills in 0, the report those rows were always read as.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {RawReport._meta.db_table} (public_id, address_id, source, body,"
            " sha256, size, content_type, headers, intake_warnings, received_at, parse_status,"
            " error, attempts, dkim_result, dkim_domain, dkim_selector, dkim_detail,"
            " report_submitter) VALUES (%s, %s, 'https', %s, %s, 2, '', '{}', '[]',"
            " CURRENT_TIMESTAMP, 'pending', '', 0, '', '', '', '', '')",
            ["0" * 32, address.pk, b"{}", "0" * 64],
        )
    assert RawReport.objects.get(sha256="0" * 64).report_index == 0


def test_a_forwarded_digest_counts_each_report_by_the_reporters_signature(
    address, signer, eager
) -> None:
    from tests.test_reports_mail_s8_forwarded import forwarded

    original = sign(
        digest_message(
            address, [(another_report(1), "tlsrpt+json"), (another_report(2), "tlsrpt+json")]
        ),
        signer,
        canonicalize=(b"simple", b"simple"),
    )
    assert ingest(forwarded(original, address.mailto)) == 0
    rows = list(RawReport.objects.order_by("report_index"))
    assert [(r.parse_status, r.dkim_domain) for r in rows] == [
        (RawReport.PARSED, "sender.example")
    ] * 2, [r.error for r in rows]
    assert TlsReport.objects.count() == 2
