# ruff: noqa: F811 (pytest fixtures imported from test_reports_email)
"""Report e-mails as admins and MTAs pass them on (RFC 8460 §3, §5.3): a report forwarded as an
attachment keeps its reporter's DKIM signature, which is what vouches for it; a bounce quoting
a report is no report."""

from __future__ import annotations

import gzip
import json
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest

from reports.mail import embedded_messages, extract_reports
from reports.models import RawReport, ReportAddress, TlsReport
from tests.test_reports_email import (  # noqa: F401 (fixtures)
    SAMPLE,
    address,
    dns_stub,
    eager,
    ingest,
    make_message,
    sign,
    signer,
)

BOUNDARY = b"------------6Q0d1bQ7hW2LcTX0fwd"


def forwarded(
    original: bytes, to: str, *, linesep: bytes = b"\r\n", boundary: bytes = BOUNDARY
) -> bytes:
    """A mail client's "Forward as Attachment" (Thunderbird's layout): the original attached
    byte for byte as message/rfc822 under a short note."""
    lines = [
        b"From: Postmaster <postmaster@example.com>",
        b"To: " + to.encode(),
        b"Subject: Fwd: Report Domain: example.com Submitter: sender.example",
        b"Date: Wed, 03 Jun 2026 09:00:00 +0200",
        b"Message-ID: <fwd.1@example.com>",
        b"MIME-Version: 1.0",
        b'Content-Type: multipart/mixed; boundary="' + boundary + b'"',
        b"",
        b"This is a multi-part message in MIME format.",
        b"--" + boundary,
        b"Content-Type: text/plain; charset=UTF-8; format=flowed",
        b"Content-Transfer-Encoding: 7bit",
        b"",
        b"This reached our old address; forwarding it to mailsec.",
        b"",
        b"--" + boundary,
        b'Content-Type: message/rfc822; name="Report Domain example.com.eml"',
        b'Content-Disposition: attachment; filename="Report Domain example.com.eml"',
        b"",
    ]
    original = original.replace(b"\r\n", b"\n").replace(b"\n", linesep)
    head = linesep.join(lines) + linesep
    return head + original.rstrip(linesep) + linesep + b"--" + boundary + b"--" + linesep


def signed_original(address: ReportAddress, signer) -> bytes:
    # simple/simple: the strictest canonicalisation, any byte changed breaks it.
    return sign(make_message(address), signer, canonicalize=(b"simple", b"simple"))


@pytest.mark.parametrize("linesep", [b"\r\n", b"\n"], ids=["smtp-crlf", "postfix-pipe-lf"])
def test_a_report_forwarded_as_an_attachment_counts_by_its_reporters_signature(
    address, signer, eager, linesep
) -> None:
    message = forwarded(signed_original(address, signer), address.mailto, linesep=linesep)
    assert ingest(message) == 0
    raw = RawReport.objects.get()
    assert raw.parse_status == RawReport.PARSED, raw.error
    assert (raw.dkim_result, raw.dkim_domain) == ("pass", "sender.example")
    assert "forwarded as an attachment" in raw.dkim_detail
    assert any("forwarded as an attachment" in w for w in raw.report.warnings)
    # The forwarded message's TLS-Report-* headers were read (no "header is missing").
    assert not any("header is missing" in w for w in raw.report.warnings), raw.report.warnings


def test_the_forwarders_own_signature_does_not_stand_in_for_the_reporters(
    address, signer, eager
) -> None:
    # The admin's domain signs the forward (other.example has a key in the stub): the
    # reporter's signature inside is still the one that counts.
    message = sign(
        forwarded(signed_original(address, signer), address.mailto), signer, domain=b"other.example"
    )
    assert ingest(message) == 0
    raw = RawReport.objects.get()
    assert raw.parse_status == RawReport.PARSED, raw.error
    assert raw.dkim_domain == "sender.example"


def test_a_forwarded_report_whose_original_was_altered_is_rejected(address, signer, eager) -> None:
    original = signed_original(address, signer).replace(
        b"aggregate TLS report", b"aggregate TLS rep0rt"
    )
    assert ingest(forwarded(original, address.mailto)) == 0
    raw = RawReport.objects.get()  # kept
    assert raw.parse_status == RawReport.REJECTED
    assert raw.dkim_result == "fail"
    assert "did not verify" in raw.error and "forwarded as an attachment" in raw.error
    assert TlsReport.objects.count() == 0


def test_a_genuine_signed_message_attached_next_to_a_forged_report_vouches_for_nothing(
    address, signer, eager
) -> None:
    # The forged report is read (the first declared report part); the signature of the
    # attached genuine message covers another report, not this one.
    # Unsigned, and not the genuine report's bytes (a count changed): a part holding the very
    # bytes of the signed message's report is vouched for by it (s23 F21).
    report = json.loads(SAMPLE)
    report["policies"][0]["summary"]["total-failure-session-count"] += 1000
    forged = make_message(address, body=gzip.compress(json.dumps(report).encode()))
    genuine = signed_original(address, signer)
    outer = EmailMessage()
    outer["From"] = "noreply-smtp-tls-reporting@sender.example"
    outer["To"] = address.mailto
    outer["Subject"] = "Report Domain: example.com Submitter: sender.example"
    outer["TLS-Report-Domain"] = "example.com"
    outer["TLS-Report-Submitter"] = "sender.example"
    outer.set_content("report")
    inner_forged = message_from_bytes(forged, policy=policy.SMTP)
    report_part = next(p for p in inner_forged.walk() if p.get_content_type().endswith("+gzip"))
    outer.add_attachment(
        report_part.get_payload(decode=True),
        maintype="application",
        subtype="tlsrpt+gzip",
        filename="forged.json.gz",
    )
    outer.add_attachment(message_from_bytes(genuine, policy=policy.SMTP))
    assert ingest(outer.as_bytes(policy=policy.SMTP)) == 0
    # Two reports: the forged one rejected, the genuine one (the attached message's own)
    # parsed. (Before the forged report's count differed, both were one set of bytes in the
    # same second, and this test saw only the one row.)
    forged_row, genuine_row = RawReport.objects.order_by("pk")
    assert forged_row.parse_status == RawReport.REJECTED
    assert "unsigned reports MUST be ignored" in forged_row.error
    assert genuine_row.parse_status == RawReport.PARSED, genuine_row.error
    assert TlsReport.objects.count() == 1


def test_a_bounce_quoting_a_report_is_not_a_report(address, signer, eager) -> None:
    # An MTA's DSN (RFC 3464) with the whole signed report attached, as Postfix returns it.
    original = signed_original(address, signer)
    dsn = b"\r\n".join(
        [
            b"From: MAILER-DAEMON@mx.example.net (Mail Delivery System)",
            b"To: " + address.mailto.encode(),
            b"Subject: Undelivered Mail Returned to Sender",
            b"Auto-Submitted: auto-replied",
            b"MIME-Version: 1.0",
            b"Content-Type: multipart/report; report-type=delivery-status;",
            b'\tboundary="B0UNCE"',
            b"",
            b"--B0UNCE",
            b"Content-Type: text/plain; charset=us-ascii",
            b"",
            b"I'm sorry to have to inform you that your message could not be delivered.",
            b"",
            b"--B0UNCE",
            b"Content-Type: message/delivery-status",
            b"",
            b"Reporting-MTA: dns; mx.example.net",
            b"",
            b"Final-Recipient: rfc822; tls@old.example.com",
            b"Action: failed",
            b"Status: 5.1.1",
            b"",
            b"--B0UNCE",
            b"Content-Type: message/rfc822",
            b"",
            original.rstrip(b"\r\n"),
            b"--B0UNCE--",
            b"",
        ]
    )
    assert ingest(dsn) == 0
    raw = RawReport.objects.get()  # kept, as every message
    assert raw.parse_status == RawReport.REJECTED
    assert "delivery status notification" in raw.error
    assert TlsReport.objects.count() == 0


def test_embedded_messages_are_cut_out_byte_for_byte() -> None:
    original = b"From: a@b.example\r\nSubject: x\r\n\r\nline one\r\n\r\nline three\r\n"
    outer = forwarded(original, "tlsrpt+00@x.example")
    assert embedded_messages(outer) == [original.rstrip(b"\r\n")]
    # Nested: a forward of a forward gives both, outermost first.
    twice = forwarded(outer, "tlsrpt+00@x.example", boundary=b"outer-" + BOUNDARY)
    assert embedded_messages(twice) == [outer.rstrip(b"\r\n"), original.rstrip(b"\r\n")]
    # Labelled base64 (not how message/rfc822 travels, RFC 2046 §5.2.1) but sent as the plain
    # message: cut out as it stands, so its own signature is judged.
    encoded = outer.replace(
        b"Content-Type: message/rfc822;",
        b"Content-Transfer-Encoding: base64\r\nContent-Type: message/rfc822;",
    )
    assert embedded_messages(encoded) == [original.rstrip(b"\r\n")]


def test_a_report_forwarded_twice_counts_by_its_reporters_signature(address, signer, eager) -> None:
    once = forwarded(signed_original(address, signer), "tls@old.example.com")
    twice = forwarded(once, address.mailto, boundary=b"outer-" + BOUNDARY)
    assert ingest(twice) == 0
    raw = RawReport.objects.get()
    assert raw.parse_status == RawReport.PARSED, raw.error
    assert raw.dkim_domain == "sender.example"


def test_a_copy_attached_before_the_forwarded_message_reads_the_forwarded_one(
    address, signer
) -> None:
    # s23 F21: the admin attached the report file and then the reporter's message. The same
    # bytes count once, and the copy read is the forwarded message's: its headers, not the
    # forwarder's, say who submitted it and for which domain.
    genuine = signed_original(address, signer)
    inner = message_from_bytes(genuine, policy=policy.SMTP)
    report_part = next(p for p in inner.walk() if p.get_content_type().endswith("+gzip"))
    outer = EmailMessage()
    outer["From"] = "postmaster@example.com"
    outer["To"] = address.mailto
    outer["Subject"] = "Fwd: report"
    outer["TLS-Report-Domain"] = "other.example"
    outer["TLS-Report-Submitter"] = "mail.sender.example"
    outer.set_content("see attached")
    outer.add_attachment(
        report_part.get_payload(decode=True),
        maintype="application",
        subtype="tlsrpt+gzip",
        filename="report.json.gz",
    )
    outer.add_attachment(inner)
    [report] = extract_reports(outer.as_bytes(policy=policy.SMTP))
    assert report.forwarded
    assert (report.report_domain, report.submitter) == ("example.com", "sender.example")
