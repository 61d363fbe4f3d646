"""The dashboard's overlap note counts its sessions in plain English (task s40l): one failed
session counted under two result types is 'more than the 1 failed session above', not
'1 failed sessions'; two or more stay plural (as s40g did for the alert texts)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from mailsec.accounts.models import Team
from mailsec.domains.models import Domain
from reports.dashboard import summarise
from reports.models import ReportAddress
from tests import test_reports_dash_s8_figures as dash
from tests.test_reports_alerts import reports_arrive_the_next_morning  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def domain() -> Domain:
    owner = User.objects.create_user("owner", "owner@example.org")
    return Domain.objects.create(
        team=Team.create_for(owner), name="example.com", verified_at=timezone.now()
    )


def overlap_page(domain: Domain, failed: int) -> tuple[int, str]:
    owner, address = User.objects.get(username="owner"), ReportAddress.for_domain(domain)
    day = timezone.now().date() - timedelta(days=1)
    # Every failed session counted under two types (RFC 8460 §4 lets them overlap).
    both = [
        dash.detail("certificate-expired", failed),
        dash.detail("certificate-not-trusted", failed),
    ]
    dash.post(
        address,
        dash.report(
            "Overlap Mail", "o-1", day, [dash.policy("sts", "example.com", 9, failed, both)]
        ),
    )
    summary = summarise(address)
    assert summary.by_type_overlaps
    return summary.failed, " ".join(dash.dashboard(owner, address).split())


def test_one_failed_session_counted_twice_is_one_failed_session(domain: Domain) -> None:
    failed, page = overlap_page(domain, 1)
    assert failed == 1
    assert "These add up to more than the 1 failed session above:" in page
    assert "1 failed sessions" not in page


def test_two_failed_sessions_counted_twice_stay_plural(domain: Domain) -> None:
    failed, page = overlap_page(domain, 2)
    assert failed == 2
    assert "These add up to more than the 2 failed sessions above:" in page
