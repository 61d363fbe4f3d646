"""TLS report alerts on mixes nobody listed: the failure-rate alert's figures must read as
above the threshold and below 100 % when they are; old and future days alert nobody."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from mailsec.accounts.models import Team
from mailsec.alerts.models import Change
from mailsec.domains.models import Domain
from reports.alerts import KIND_FAILURE_RATE, KIND_NEW_TYPE, evaluate_report
from reports.models import ReportAddress, TlsReport
from reports.parse import parse_report

pytestmark = pytest.mark.django_db


@pytest.fixture
def address() -> ReportAddress:
    owner = User.objects.create_user("owner", "owner@example.org")
    domain = Domain.objects.create(
        team=Team.create_for(owner), name="example.com", verified_at=timezone.now()
    )
    return ReportAddress.for_domain(domain)


def store(
    address: ReportAddress,
    day: date,
    ok: int,
    failed: int,
    *,
    org: str = "Google Inc.",
    result_type: str = "certificate-expired",
) -> TlsReport:
    body: dict[str, Any] = {
        "organization-name": org,
        "date-range": {
            "start-datetime": f"{day}T00:00:00Z",
            "end-datetime": f"{day + timedelta(days=1)}T00:00:00Z",
        },
        "contact-info": "smtp-tls-reporting@google.com",
        "report-id": f"{day}_{org}_{ok}_{failed}",
        "policies": [
            {
                "policy": {"policy-type": "sts", "policy-domain": "example.com"},
                "summary": {
                    "total-successful-session-count": ok,
                    "total-failure-session-count": failed,
                },
                "failure-details": [
                    {
                        "result-type": result_type,
                        "receiving-mx-hostname": "mx1.example.com",
                        "receiving-ip": "2001:db8::25",
                        "failed-session-count": failed,
                    }
                ]
                if failed
                else [],
            }
        ],
    }
    return TlsReport.objects.store(address, parse_report(json.dumps(body).encode()))


def rate_change() -> Change:
    return Change.objects.get(kind=KIND_FAILURE_RATE)


def test_a_rate_just_above_the_threshold_does_not_read_as_the_threshold(
    address: ReportAddress, settings
) -> None:
    settings.TLSRPT_ALERT_FAILURE_RATE = 0.05
    day = timezone.now().date() - timedelta(days=1)
    evaluate_report(store(address, day, 9_496, 504))  # 5.04 %
    change = rate_change()
    assert change.after != change.before.removeprefix("≤ ")
    assert change.after == "5.04 %"
    assert change.summary.startswith("5.04 % of the TLS sessions")
    assert "above the alert threshold of 5.00 %" in change.summary


def test_a_day_where_some_sessions_succeeded_is_not_shown_as_all_failed(
    address: ReportAddress,
) -> None:
    day = timezone.now().date() - timedelta(days=1)
    evaluate_report(store(address, day, 2, 49_998))  # 99.996 %
    change = rate_change()
    assert "100.0" not in change.after
    assert "100.0" not in change.summary
    assert change.summary.startswith("> 99.99 % of the TLS sessions")


def test_a_day_where_everything_failed_says_so(address: ReportAddress) -> None:
    day = timezone.now().date() - timedelta(days=1)
    evaluate_report(store(address, day, 0, 300))
    assert rate_change().after == "100.00 %"


def test_old_and_future_days_alert_nobody(address: ReportAddress) -> None:
    today = timezone.now().date()
    old = store(address, today - timedelta(days=20), 100, 900)
    future = store(address, today + timedelta(days=3), 100, 900, result_type="tlsa-invalid")
    assert evaluate_report(old) == []
    assert evaluate_report(future) == []
    assert not Change.objects.exists()
    # The same failures on a recent day are news: one new type, one bad day; then repeats
    # from another organisation add nothing while those are open.
    recent = store(address, today - timedelta(days=1), 100, 900)
    assert sorted(c.kind for c in evaluate_report(recent)) == [KIND_FAILURE_RATE, KIND_NEW_TYPE]
    again = store(address, today, 100, 900, org="Microsoft Corporation")
    assert evaluate_report(again) == []
    assert Change.objects.count() == 2
