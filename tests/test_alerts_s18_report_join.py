# ruff: noqa: F811 (pytest fixtures imported from other test modules)
"""A "new TLS failure type" alert joins the reported type with our latest check as the
dashboard does: a check made before the reports' period ended, seeing no such problem, is no
sign the failure stopped, so the email does not call it "fixed since" (round s18d found the
dashboard's join; the alert wrote its sentence without the reports' end)."""

from __future__ import annotations

import datetime

import pytest

from mailsec.alerts.models import Change
from mailsec.domains.models import CheckRun, Domain
from reports.alerts import evaluate_report
from reports.models import ReportAddress
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
    assert "before the reported period ended (2026-06-01 23:59 UTC)" in text
    assert "check the domain again" in text


def test_a_check_made_after_the_reported_day_keeps_the_usual_words(domain: Domain) -> None:
    checked(domain, datetime.datetime(2026, 6, 2, 6, 0, tzinfo=datetime.UTC))
    text = alert_text(domain)
    assert "saw no such problem" in text
    assert "fixed since" in text
