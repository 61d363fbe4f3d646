# ruff: noqa: F811 (pytest fixtures imported from other test modules)
"""Blind round 23: TLS-RPT reports as real senders' software and the mail path between produce
them, and the numbers, dates and nestings a reader's language may take otherwise than JSON does
(checklist §12; RFC 8460 §1.1, §3, §4.4, §5.2, §5.3, §6.3; RFC 1952; RFC 2045; RFC 3339;
RFC 4291/5952; RFC 7493; RFC 8259; APPNOTE 6.1), through the real doors: both parse readers,
the HTTPS view, `manage.py ingest_email` and the aiosmtpd listener.

The inputs are the files under tests/data/tlsrpt/s23/ (its build.py writes them) and their
expected outcomes tests/data/tlsrpt/s23_expectations.json, both committed before any was run;
a case whose expectation was later found wrong says so there (`corrected`). After every 2xx /
exit 0 / 250 the raw bytes are stored exactly as sent before any parse ran; nothing accepted
may be lost and no report counted twice. The doors' tests are tests/blind_reports.py's, which
every round shares; the resend and the forwards are this round's own.
"""

from __future__ import annotations

import base64
import email
import email.policy
import gzip
from typing import Any

import pytest
from django.test import Client

from reports.models import RawReport, ReportAddress
from tests.blind_reports import ReportsRound, mailed, stored_first
from tests.test_reports_email import address, dns_stub, ingest, signer  # noqa: F401 (fixtures)
from tests.test_reports_mail_s8_forwarded import forwarded
from tests.test_reports_s12_blind import GZ, _post, sign_any
from tests.test_reports_s18_mail_blind import known  # noqa: F401 (fixture)

ROUND = ReportsRound("s23")

# Bodies: both readers, HTTPS, mail.
test_a_report_body_reads_alike_through_both_readers = ROUND.reads_alike_test(
    "body", "cross", "resend"
)
test_a_report_body_posted_over_https_ends_as_expected = ROUND.posted_test("body")
test_a_report_body_mailed_signed_ends_as_over_https = ROUND.mailed_test("body")
# The same report by HTTPS, then by mail.
test_a_report_posted_then_mailed_is_one_report = ROUND.cross_test()


@pytest.mark.parametrize("case_id", ROUND.ids("resend"))
def test_a_report_posted_twice_then_mailed_in_a_forward_is_one_report(
    case_id: str, client: Client, address: ReportAddress, signer
) -> None:
    case = ROUND.cases[case_id]
    data = ROUND.input(case_id, ".json")
    bodies = [gzip.compress(data, mtime=0), gzip.compress(data, mtime=1780358400)]
    assert bodies[0] != bodies[1]
    codes = [_post(client, address.token, body).status_code for body in bodies]
    assert codes == case["http"]
    message = forwarded(mailed(address, signer, GZ, bodies[0]), address.mailto)
    assert ingest(message) == case["exit"]
    stored_first(case, [*bodies, message])
    ROUND.finish(case)
    assert len({r.report_id for r in RawReport.objects.all()}) == 1


# Containers: POSTed and attached.
test_a_container_posted_over_https_ends_as_expected = ROUND.container_posted_test()


# --- Mails: ingest_email and the SMTP listener ------------------------------------------------


FORWARD_BOUNDARY = b"------------6Q0d1bQ7hW2LcTX0fwd"


def with_forwarders_attachment(message: bytes, attachment: bytes, *, first: bool) -> bytes:
    """The forward (as `forwarded` writes it) with one more part, the report's .json.gz the
    forwarder attached by hand: after the forwarded message, or before it (`first`)."""
    text = base64.b64encode(attachment)
    part = (
        b"--" + FORWARD_BOUNDARY + b"\r\n"
        b"Content-Type: application/gzip;\r\n"
        b' name="sender.example!example.com!1780272000!1780358399!001.json.gz"\r\n'
        b"Content-Transfer-Encoding: base64\r\n"
        b"Content-Disposition: attachment;\r\n"
        b' filename="sender.example!example.com!1780272000!1780358399!001.json.gz"\r\n\r\n'
        + b"\r\n".join(text[i : i + 76] for i in range(0, len(text), 76))
        + b"\r\n"
    )
    at = b"--" + FORWARD_BOUNDARY + b"\r\nContent-Type: message/rfc822"
    if not first:
        at = b"--" + FORWARD_BOUNDARY + b"--\r\n"
        assert message.endswith(at)
    assert message.count(at) == 1
    return message.replace(at, part + at)


def build_mail(case: dict[str, Any], address: ReportAddress, signer: Any) -> bytes:
    """A forward: the signed report mail forwarded as an attachment by the domain's admin, who
    attached the report's .json.gz too, after it or before it (door "forward_first")."""
    if case["door"] not in ("forward", "forward_first"):
        return ROUND.build_mail(case, address, signer)
    message = ROUND.eml(case["id"], address)
    parsed = email.message_from_bytes(message, policy=email.policy.compat32)
    report = next(p for p in parsed.walk() if p.get_content_type() == GZ)
    return with_forwarders_attachment(
        forwarded(sign_any(message, signer), address.mailto),
        report.get_payload(decode=True),
        first=case["door"] == "forward_first",
    )


MAILS = ("email", "forward", "forward_first", "container")
test_a_report_mail_piped_into_ingest_email_ends_as_expected = ROUND.piped_test(
    *MAILS, build=build_mail
)
test_a_report_mail_sent_to_the_smtp_listener_ends_as_expected = ROUND.smtp_test(
    *MAILS, build=build_mail
)
test_every_case_has_its_input_and_a_door = ROUND.inputs_test(21)
