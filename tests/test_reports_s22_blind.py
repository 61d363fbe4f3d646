"""Blind round 22: TLS-RPT reports as date and JSON writers nobody listed write them (Go, .NET,
PHP, C, a +12:00 sender), DANE-only and vanished-policy shapes, zip and gzip writers, and two
mail shapes (checklist §12; RFC 8460 §1.1, §4, §5.2, §5.3, §6.3; RFC 1950/1952; RFC 2046/2047;
RFC 3339; RFC 4343; RFC 7493; RFC 8259; RFC 8461 §3.2), through the real doors: both parse
readers, the HTTPS view, `manage.py ingest_email` and the aiosmtpd listener.

The inputs are the files under tests/data/tlsrpt/s22/ (its build.py writes them) and their
expected outcomes tests/data/tlsrpt/s22_expectations.json, both committed before any was run;
a case whose expectation was later found wrong says so there (`corrected`). After every 2xx /
exit 0 / 250 the raw bytes are stored exactly as sent before any parse ran; nothing accepted
may be lost and no report counted twice. The doors' tests are tests/blind_reports.py's, which
every round shares.
"""

from __future__ import annotations

from tests.blind_reports import ReportsRound
from tests.test_reports_email import address, dns_stub, signer  # noqa: F401 (fixtures)
from tests.test_reports_s18_mail_blind import known  # noqa: F401 (fixture)

ROUND = ReportsRound("s22")

# Bodies: both readers, HTTPS, mail.
test_a_report_body_reads_alike_through_both_readers = ROUND.reads_alike_test("body", "cross")
test_a_report_body_posted_over_https_ends_as_expected = ROUND.posted_test("body")
test_a_report_body_mailed_signed_ends_as_over_https = ROUND.mailed_test("body")
# The same report by HTTPS, then by mail.
test_a_report_posted_then_mailed_is_one_report = ROUND.cross_test()
# Containers: POSTed and attached.
test_a_container_posted_over_https_ends_as_expected = ROUND.container_posted_test()
# Mails: ingest_email and the SMTP listener.
test_a_report_mail_piped_into_ingest_email_ends_as_expected = ROUND.piped_test("email", "container")
test_a_report_mail_sent_to_the_smtp_listener_ends_as_expected = ROUND.smtp_test(
    "email", "container"
)
test_every_case_has_its_input_and_a_door = ROUND.inputs_test(23)
