# ruff: noqa: F811 (pytest fixtures imported from other test modules)
"""Blind round 21: TLS-RPT reports as senders nobody listed write them, and as operators
mangle them on the way (checklist §12; RFC 8460 §1.1, §4, §5.3, §5.4, §6.3; RFC 1952;
RFC 2045/2046; RFC 3339; RFC 4291/5952; RFC 7493; RFC 8259; RFC 8461 §3.2), through the real
doors: both parse readers, the HTTPS view, `manage.py ingest_email` and the aiosmtpd listener.

The inputs are the files under tests/data/tlsrpt/s21/ (its build.py writes them) and their
expected outcomes tests/data/tlsrpt/s21_expectations.json, both committed before any was run;
a case whose expectation was later found wrong says so there (`corrected`). After every 2xx /
exit 0 / 250 the raw bytes are stored exactly as sent before any parse ran (the parse is run
here by hand afterwards); nothing accepted may be lost and no report counted twice. The doors'
tests are tests/blind_reports.py's, which every round shares.
"""

from __future__ import annotations

from typing import Any

from reports.models import ReportAddress
from tests.blind_reports import ReportsRound
from tests.test_reports_email import address, dns_stub, signer  # noqa: F401 (fixtures)
from tests.test_reports_mail_s8_forwarded import forwarded
from tests.test_reports_s12_blind import sign_any
from tests.test_reports_s18_mail_blind import known  # noqa: F401 (fixture)

ROUND = ReportsRound("s21")


def build_mail(case: dict[str, Any], address: ReportAddress, signer: Any) -> bytes:
    if case["id"] != "C15":
        return ROUND.build_mail(case, address, signer)
    # The reporter's mail, signed, forwarded as an attachment by its recipient to a
    # colleague, who forwarded that message as an attachment to the report address.
    original = sign_any(ROUND.eml("C15", address), signer)
    first = forwarded(original, "colleague@example.com", boundary=b"fwd-inner")
    return forwarded(first, address.mailto, boundary=b"fwd-outer")


# Bodies: both readers, HTTPS, mail.
test_a_report_body_reads_alike_through_both_readers = ROUND.reads_alike_test("body")
test_a_report_body_posted_over_https_ends_as_expected = ROUND.posted_test("body")
test_a_report_body_mailed_signed_ends_as_over_https = ROUND.mailed_test("body")
# The same report by HTTPS, then by mail.
test_a_report_posted_then_mailed_is_one_report = ROUND.cross_test()
# Containers: POSTed and attached.
test_a_container_posted_over_https_ends_as_expected = ROUND.container_posted_test()
# Mails: ingest_email and the SMTP listener.
test_a_report_mail_piped_into_ingest_email_ends_as_expected = ROUND.piped_test(
    "email", "container", build=build_mail
)
test_a_report_mail_sent_to_the_smtp_listener_ends_as_expected = ROUND.smtp_test(
    "email", "container", build=build_mail
)
test_every_case_has_its_input_and_a_door = ROUND.inputs_test(24)
