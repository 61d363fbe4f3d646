"""A new failure type's alert email says no sender-controlled word — neither an organisation
name nor a DKIM signing domain (anyone can DKIM-sign a report to our public address under a
domain they registered) — and counts the signed and the unsigned reports apart, by each
report's own signature, never by the organisation name it claims (reports.alerts)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from mailsec.accounts.models import Team
from mailsec.alerts.models import Change
from mailsec.domains.models import Domain
from reports.alerts import evaluate_report
from reports.models import ReportAddress
from tests.test_alerts_s13_report_alerts import sent_alert, signed_copy
from tests.test_reports_alerts import (  # noqa: F401 (the autouse fixture)
    report,
    reports_arrive_the_next_morning,
    store,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def domain() -> Domain:
    owner = User.objects.create_user("owner", "owner@example.org")
    return Domain.objects.create(
        team=Team.create_for(owner), name="example.com", verified_at=timezone.now()
    )


HOSTILE = "urgent-mailsec-account-suspended-verify-at-mailsec-help.example"


def test_a_hostile_signing_domain_is_not_written_in_our_email(domain: Domain) -> None:
    address = ReportAddress.for_domain(domain)
    body = report("2026-06-01", failed=4, types=("certificate-expired",), org="Mailer")
    stored = store(address, body)
    signed_copy(address, body, stored, HOSTILE)
    evaluate_report(stored)
    change = Change.objects.get()
    assert HOSTILE not in f"{change.subject} {change.summary} {change.fix} {change.evidence}"
    for part in sent_alert():
        assert "suspended" not in part
        assert "mailsec-help" not in part
        assert "Mailer" not in part
        assert "4 failed sessions on 2026-06-01, in 1 report." in part
        assert "The report was DKIM-signed by its reporter." in part


def test_an_unsigned_report_claiming_a_signed_ones_name_is_counted_apart(
    domain: Domain,
) -> None:
    address = ReportAddress.for_domain(domain)
    # Enough sessions that the day's failure rate does not alert too: one email to read.
    google = report(
        "2026-06-01", ok=100000, failed=3, types=("certificate-expired",), org="Google Inc."
    )
    signed = store(address, google)
    signed_copy(address, google, signed, "google.com")
    claimed = report(
        "2026-06-01",
        rid="borrowed",
        ok=100000,
        failed=200,
        types=("certificate-expired",),
        org="Google Inc.",
    )
    store(address, claimed)
    evaluate_report(signed)
    change = Change.objects.get()
    assert change.evidence["failed sessions"] == 203
    assert change.evidence["DKIM-signed reports"] == 1
    assert change.evidence["failed sessions in DKIM-signed reports"] == 3
    assert change.evidence["unsigned reports"] == 1
    assert change.evidence["failed sessions in unsigned reports"] == 200
    for part in sent_alert():
        assert "203 failed sessions on 2026-06-01, in 2 reports." in part
        assert "3 came in 1 DKIM-signed report and 200 in 1 unsigned report" in part
        assert "organisation." not in part  # no count of names anyone can write
        assert "google.com" not in part
        assert "Google" not in part


def test_two_signed_reports_of_one_signer_count_as_two_reports(domain: Domain) -> None:
    address = ReportAddress.for_domain(domain)
    stored = []
    for rid, failed in (("a", 2), ("b", 5)):
        body = report("2026-06-01", rid=rid, failed=failed, types=("tlsa-invalid",), org="X")
        stored.append(store(address, body))
        signed_copy(address, body, stored[-1], "x.example")
    evaluate_report(stored[-1])
    for part in sent_alert():
        assert "7 failed sessions on 2026-06-01, in 2 reports." in part
        assert "All 2 reports were DKIM-signed by their reporters." in part
