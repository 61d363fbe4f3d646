"""A new failure type's alert email says no sender-controlled word — neither an organisation
name nor a DKIM signing domain (anyone can DKIM-sign a report to our public address under a
domain they registered) — and counts the signed and the unsigned reports apart, by each
report's own signature, never by the organisation name it claims (reports.alerts)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from mailsec.accounts.models import Team
from mailsec.alerts.models import Change
from mailsec.domains.models import Domain
from reports.alerts import evaluate_report
from reports.dashboard import summarise
from reports.models import ReportAddress
from tests import test_reports_dash_s8_figures as dash
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


def test_details_of_a_policy_whose_summary_failed_nothing_are_not_counted_by_type(
    domain: Domain,
) -> None:
    # Dashboard (reports.dashboard): the by-type and by-receiver tables count what the
    # summaries count; details listing sessions under a summary of 0 failed sessions are shown
    # apart, explained, not added to a table that would then exceed the failed total.
    owner, address = User.objects.get(username="owner"), ReportAddress.for_domain(domain)
    day = timezone.now().date() - timedelta(days=1)
    listed_only = [dash.detail("validation-failure", 2, "mx1.example.com", "192.0.2.1")]
    counted = [dash.detail("certificate-expired", 3, "mx2.example.com", "192.0.2.2")]
    dash.post(
        address,
        dash.report(
            "Zero Mail",
            "zero-1",
            day,
            [
                dash.policy("sts", "example.com", 100, 0, listed_only),
                dash.policy("sts", "example.com", 50, 3, counted),
            ],
        ),
    )
    summary = summarise(address)
    assert summary.failed == 3
    by_type = {t.name: n for t, n, _ in summary.by_result_type}
    assert by_type == {"certificate-expired": 3}
    assert sum(by_type.values()) <= summary.failed
    assert [r["result_type"] for r in summary.by_receiver] == ["certificate-expired"]
    assert summary.listed_not_counted == [("validation-failure", 2)]
    page = " ".join(dash.dashboard(owner, address).split())
    assert "3 failed TLS sessions reported" in page
    assert "listed in failure details but not counted in the report's summary" in page
    assert "<code>validation-failure</code>" in page


def test_overlapping_failure_types_are_explained_where_the_table_exceeds_the_total(
    domain: Domain,
) -> None:
    owner, address = User.objects.get(username="owner"), ReportAddress.for_domain(domain)
    day = timezone.now().date() - timedelta(days=1)
    # One failed session, counted under two types (RFC 8460 §4 lets them overlap).
    both = [dash.detail("certificate-expired", 1), dash.detail("certificate-not-trusted", 1)]
    dash.post(
        address,
        dash.report("Overlap Mail", "o-1", day, [dash.policy("sts", "example.com", 9, 1, both)]),
    )
    summary = summarise(address)
    assert summary.failed == 1
    assert summary.by_type_overlaps
    page = " ".join(dash.dashboard(owner, address).split())
    # s40l: one failed session is singular (was "the 1 failed sessions above").
    assert "These add up to more than the 1 failed session above" in page
    assert "not counted in the report's summary" not in page
