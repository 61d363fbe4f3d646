# ruff: noqa: F811 (pytest fixtures imported from other test modules)
"""A "new TLS failure type" alert joins the reported type with our latest check as the
dashboard does: a check made before the reports' period ended, seeing no such problem, is no
sign the failure stopped, so the email does not call it "fixed since" (round s18d found the
dashboard's join; the alert wrote its sentence without the reports' end)."""

from __future__ import annotations

import datetime
import json

import pytest
from django.utils import timezone

from mailsec.alerts.models import Change
from mailsec.domains.models import CheckRun, Domain
from reports.alerts import evaluate_report
from reports.dashboard import summarise
from reports.models import ReportAddress, TlsReport
from tests.test_alerts_s13_report_alerts import domain  # noqa: F401 (fixture)
from tests.test_reports_alerts import (  # noqa: F401 (the autouse fixture)
    report,
    reports_arrive_the_next_morning,
    store,
)
from tests.test_reports_join import FINDINGS

pytestmark = pytest.mark.django_db


def checked(domain: Domain, finished: datetime.datetime) -> None:
    # Our check saw mx1's certificate valid (and mx2's expired), at `finished`.
    mx = {
        "id": "MX-01",
        "status": "pass",
        "mechanism": "mx",
        "subject": "example.com",
        "summary": "example.com has 2 MX hosts.",
        "evidence": {"answers": ["10 mx1.example.com.", "20 mx2.example.com."]},
    }
    run = CheckRun.objects.create(
        domain=domain, status=CheckRun.Status.DONE, findings=[mx, *FINDINGS], finished=finished
    )
    domain.last_run = run
    domain.save(update_fields=["last_run"])


def alert_text(domain: Domain) -> str:
    address = ReportAddress.for_domain(domain)
    stored = store(
        address,
        report("2026-06-01", failed=4, types=("certificate-expired",), mx="mx1.example.com"),
    )
    evaluate_report(stored)
    (change,) = Change.objects.all()
    return change.summary


def test_a_check_made_before_the_reported_day_ended_is_not_read_as_fixed_since(
    domain: Domain,
) -> None:
    checked(domain, datetime.datetime(2026, 6, 1, 6, 0, tzinfo=datetime.UTC))
    text = alert_text(domain)
    assert "saw no such problem" in text
    assert "fixed since" not in text
    assert "before the reported period ended (1 Jun 2026, 23:59 UTC)" in text
    assert "check the domain again" in text


def test_a_check_made_after_the_reported_day_keeps_the_usual_words(domain: Domain) -> None:
    checked(domain, datetime.datetime(2026, 6, 2, 6, 0, tzinfo=datetime.UTC))
    text = alert_text(domain)
    assert "saw no such problem" in text
    assert "fixed since" in text


def future_report(start: datetime.date, end: datetime.date) -> bytes:
    body = json.loads(
        report(start.isoformat(), failed=4, types=("certificate-expired",), mx="mx1.example.com")
    )
    body["date-range"] = {
        "start-datetime": f"{start}T00:00:00Z",
        "end-datetime": f"{end}T00:00:00Z",
    }
    return json.dumps(body).encode()


def test_a_range_ending_after_the_report_arrived_ends_when_it_arrived(domain: Domain) -> None:
    # Anyone can post a report whose range ends in ten days (its middle is today, so it
    # counts). A check made after it arrived has seen the time it covers: the usual words,
    # not "made before the reported period ended" for ten days.
    today = timezone.now().date()
    address = ReportAddress.for_domain(domain)
    store(
        address,
        future_report(today - datetime.timedelta(days=10), today + datetime.timedelta(days=10)),
    )
    checked(domain, timezone.now() + datetime.timedelta(seconds=1))
    domain.refresh_from_db()
    (row,) = [t for t in summarise(address).by_result_type if t[0].name == "certificate-expired"]
    text = row[2].text
    assert "saw no such problem" in text
    assert "before the reported period ended" not in text
    assert "fixed since" in text


def test_the_alert_also_ends_the_range_when_the_report_arrived(domain: Domain) -> None:
    address = ReportAddress.for_domain(domain)
    stored = store(address, future_report(datetime.date(2026, 5, 25), datetime.date(2026, 6, 8)))
    arrived = datetime.datetime(2026, 6, 1, 12, 0, tzinfo=datetime.UTC)
    TlsReport.objects.filter(pk=stored.pk).update(created=arrived)
    checked(domain, arrived + datetime.timedelta(hours=1))
    evaluate_report(stored)
    (change,) = Change.objects.all()
    assert "saw no such problem" in change.summary
    assert "before the reported period ended" not in change.summary
