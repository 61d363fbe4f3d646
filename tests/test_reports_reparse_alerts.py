"""Alerts are about now: a report of an old day (reparsed after a fix, or sent very late) is
stored and shown, but emails nobody (reports.alerts.RECENT_DAYS); one of a day still to come
(a sender's clock ahead) neither alerts nor stops changes closing, nor skews the dashboard."""

from __future__ import annotations

import datetime
import gzip
import io
from collections.abc import Iterator
from typing import Any
from unittest import mock

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.utils import timezone

from mailsec.accounts.models import Team
from mailsec.alerts.models import Change, Notification
from mailsec.celery import app
from mailsec.domains.models import Domain
from reports.alerts import KIND_FAILURE_RATE, KIND_NEW_TYPE, RECENT_DAYS
from reports.dashboard import summarise
from reports.models import RawReport, ReportAddress, TlsReport
from tests.test_reports_alerts import report

pytestmark = pytest.mark.django_db


@pytest.fixture
def address(settings: Any) -> ReportAddress:
    settings.TLSRPT_ALERT_FAILURE_RATE = 0.05
    settings.TLSRPT_ALERT_MIN_SESSIONS = 20
    owner = User.objects.create_user("owner", "owner@example.org")
    domain = Domain.objects.create(
        team=Team.create_for(owner), name="example.com", verified_at=timezone.now()
    )
    return ReportAddress.for_domain(domain)


@pytest.fixture
def tasks_run(django_capture_on_commit_callbacks: Any) -> Iterator[Any]:
    """Within it, the alert task a parse queues runs once the parse commits, as a worker
    would run it."""
    app.conf.task_always_eager = True
    try:
        yield lambda: django_capture_on_commit_callbacks(execute=True)
    finally:
        app.conf.task_always_eager = False


def days_ago(n: int) -> str:
    return (timezone.now().date() - datetime.timedelta(days=n)).isoformat()


def days_ahead(n: int) -> str:
    return days_ago(-n)


def bad_day(day: str) -> bytes:
    # Half the sessions failed with a type never reported before: both alerts, were it today.
    return gzip.compress(report(day, ok=50, failed=50, types=("certificate-expired",)))


def test_reparsing_old_failed_reports_shows_them_but_emails_nobody(
    address: ReportAddress, tasks_run: Any
) -> None:
    # A parser bug left three weeks of reports as errors; after the fix, reparse runs them.
    for n in (21, 20, 19):
        raw, _ = RawReport.store(address, bad_day(days_ago(n)), source=RawReport.HTTPS)
        RawReport.objects.filter(pk=raw.pk).update(
            parse_status=RawReport.ERROR, error="KeyError: 'policy' (our bug, fixed since)"
        )
    with tasks_run():
        call_command("reparse", "--all-failed", stdout=io.StringIO())
    assert set(RawReport.objects.values_list("parse_status", flat=True)) == {RawReport.PARSED}
    # On the dashboard, in the figures...
    summary = summarise(address)
    assert (summary.successful, summary.failed) == (150, 150)
    assert [t.name for t, _, _ in summary.by_result_type] == ["certificate-expired"]
    # ... but failures of three weeks ago are no alert, and the sweep has nothing left to do.
    assert not Change.objects.exists() and not Notification.objects.exists()
    assert not TlsReport.objects.filter(alerts_evaluated_at=None).exists()


def test_a_report_that_arrives_weeks_late_emails_nobody(
    address: ReportAddress, tasks_run: Any
) -> None:
    raw, _ = RawReport.store(address, bad_day(days_ago(RECENT_DAYS + 1)), source=RawReport.HTTPS)
    with tasks_run():
        assert raw.process() == RawReport.PARSED
    assert not Change.objects.exists() and not Notification.objects.exists()


def test_a_report_within_the_window_still_alerts(address: ReportAddress, tasks_run: Any) -> None:
    # A sender's queue held it a few days: what it says may still be going on.
    raw, _ = RawReport.store(address, bad_day(days_ago(RECENT_DAYS)), source=RawReport.HTTPS)
    with tasks_run():
        assert raw.process() == RawReport.PARSED
    assert sorted(Change.objects.values_list("kind", flat=True)) == [
        KIND_FAILURE_RATE,
        KIND_NEW_TYPE,
    ]
    # One email with both changes, as one check's changes are (s40g; one per change before).
    (told,) = Notification.objects.filter(user__username="owner")
    assert told.changes.count() == 2


def test_a_report_of_a_day_still_to_come_neither_alerts_nor_stops_changes_closing(
    address: ReportAddress, tasks_run: Any
) -> None:
    # A certificate expired and senders reported it; then one report dated a year ahead (a
    # sender's clock off by a year, or a forged report to the public address).
    start = datetime.date(2026, 6, 1)
    clock = mock.patch("reports.alerts.today")

    def arrives(n: int, body: bytes) -> None:
        """The report of day `start + n` arrives the morning after its day."""
        day = start + datetime.timedelta(days=n)
        with clock as today, tasks_run():
            today.return_value = day + datetime.timedelta(days=1)
            raw, _ = RawReport.store(address, body, source=RawReport.HTTPS)
            assert raw.process() == RawReport.PARSED

    arrives(0, bad_day(start.isoformat()))
    assert Change.objects.filter(state__in=Change.OPEN).count() == 2
    future = start + datetime.timedelta(days=365)
    arrives(0, gzip.compress(report(future.isoformat(), ok=0, failed=90, types=("tlsa-invalid",))))
    # Sessions that have not happened yet are no alert...
    assert not Change.objects.filter(subject="tlsa-invalid").exists()
    # ... and the certificate renewed, seven calm report days close both changes, as they
    # would without that report (the latest day was the future one, so none of them did).
    for n in range(1, 8):
        arrives(n, gzip.compress(report((start + datetime.timedelta(days=n)).isoformat())))
    assert not Change.objects.filter(state__in=Change.OPEN).exists()


def test_the_dashboards_figures_agree_on_a_report_of_a_day_still_to_come(
    address: ReportAddress,
) -> None:
    # Yesterday's report, and one dated the day after tomorrow (a sender's clock ahead).
    for day, failed in ((days_ago(1), 10), (days_ahead(2), 90)):
        body = gzip.compress(report(day, ok=90, failed=failed, types=("tlsa-invalid",)))
        raw, _ = RawReport.store(address, body, source=RawReport.HTTPS)
        assert raw.process() == RawReport.PARSED
    summary = summarise(address)
    # The chart and the totals end today; the breakdowns must count the same sessions.
    assert (summary.successful, summary.failed) == (90, 10)
    assert [(row["ok"], row["failed"]) for row in summary.by_organisation] == [(90, 10)]
    assert [sessions for _, sessions, _ in summary.by_result_type] == [10]
    assert len(summary.recent_reports) == 2  # still listed, its page reachable
