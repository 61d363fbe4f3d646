"""s34x item 3: the daily digest looked up each domain's TLS reports address one query at a
time (emails.reports_url per domain with a change from reports); it reads them together
(emails.reports_urls), so its queries do not grow with the number of domains."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from mailsec.accounts.models import Team
from mailsec.alerts.emails import build_message
from mailsec.alerts.models import AlertRecipient, AlertSetting, Change, Notification
from mailsec.domains.models import Domain
from reports.alerts import KIND_FAILURE_RATE
from reports.models import ReportAddress

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner() -> User:
    user = User.objects.create_user("owner", "owner@example.org")
    Team.create_for(user)
    AlertRecipient.objects.create(user=user)  # the unsubscribe link's row
    return user


def reported_problem(owner: User, name: str) -> ReportAddress:
    """A domain in the digest with a failure-rate problem seen in its TLS reports."""
    domain = Domain.objects.create(
        team=owner.memberships.get().team, name=name, verified_at=timezone.now()
    )
    AlertSetting.set_mode(owner, domain, AlertSetting.Mode.DIGEST)
    moment = timezone.now() - timedelta(hours=1)
    Change.objects.create(
        domain=domain,
        kind=KIND_FAILURE_RATE,
        key=f"{KIND_FAILURE_RATE}:",
        summary=f"Senders failed to deliver securely to {name}.",
        state=Change.State.CONFIRMED,
        confirmed_at=moment,
        created=moment,
    )
    return ReportAddress.for_domain(domain)


def digest_queries(owner: User) -> tuple[int, str]:
    Notification.objects.all().delete()
    digest = Notification.make_digest(owner, timezone.now())
    assert digest is not None
    digest = Notification.objects.select_related("user").get(pk=digest.pk)
    with CaptureQueriesContext(connection) as captured:
        message = build_message(digest)
    return len(captured), message.body


def test_the_reports_addresses_are_read_together(owner: User) -> None:
    first = reported_problem(owner, "a.example")
    one, body = digest_queries(owner)
    assert f"/tlsrpt/{first.token}/dashboard/" in body
    others = [reported_problem(owner, f"d{i}.example") for i in range(5)]
    many, body = digest_queries(owner)
    for address in (first, *others):
        assert f"/tlsrpt/{address.token}/dashboard/" in body
    assert many == one
