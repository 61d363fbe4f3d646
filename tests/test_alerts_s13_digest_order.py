"""The daily digest reads top-down from what needs doing to what is left: new problems, what
was fixed, what is not fixed yet. A failure-rate alert that closed while failures go on at the
senders' usual rate is not listed as fixed."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from mailsec.accounts.models import Team
from mailsec.alerts.emails import build_message
from mailsec.alerts.models import AlertSetting, Change, Notification
from mailsec.domains.models import Domain
from reports.models import ReportAddress
from tests.test_reports_s12_recovery_headline import (  # noqa: F401 (autouse fixtures)
    reports_arrive_the_next_morning,
    sent,
    thresholds,
    usual_failures,
    words,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner() -> User:
    return User.objects.create_user("owner", "owner@example.org")


@pytest.fixture
def domain(owner: User) -> Domain:
    return Domain.objects.create(
        team=Team.create_for(owner), name="example.com", verified_at=timezone.now()
    )


def problem(domain: Domain, key: str, summary: str, at: timedelta = timedelta()) -> Change:
    moment = timezone.now() + at
    return Change.objects.create(
        domain=domain,
        kind="record-gone",
        key=key,
        summary=summary,
        state=Change.State.CONFIRMED,
        confirmed_at=moment,
        created=moment,
    )


def html_words(part: str) -> str:
    return words(html.unescape(re.sub(r"<[^>]+>", " ", part)))


def test_it_lists_new_then_fixed_then_not_fixed_yet(
    owner: User,
    domain: Domain,
) -> None:
    address = ReportAddress.for_domain(domain)
    AlertSetting.set_mode(owner, domain, AlertSetting.Mode.DIGEST)
    usual_failures(address, -14, 0)  # a bad day: the failure-rate alert
    gone = problem(domain, "record-gone:tls-rpt", "The TLS-RPT record has disappeared.")
    problem(domain, "record-gone:mta-sts", "The MTA-STS record has disappeared.")
    told = Notification.make_digest(owner, timezone.now())
    assert told is not None
    sent(told)
    # Since: the failure-rate alert closes with failures going on at the senders' usual rate,
    # the TLS-RPT record is back, the MTA-STS record is still missing, the score dropped.
    usual_failures(address, 1, 7)
    Change.objects.filter(pk=gone.pk).update(
        state=Change.State.RECOVERED, recovered_at=timezone.now() + timedelta(minutes=2)
    )
    problem(domain, "score:", "The score dropped from 90 to 60.", timedelta(minutes=2))
    digest = Notification.make_digest(owner, timezone.now() + timedelta(days=1))
    assert digest is not None
    message = build_message(digest)
    for body in (words(message.body), html_words(str(message.alternatives[0][0]))):
        new = body.index("New problems")
        fixed = body.index("Fixed")
        not_fixed = body.index("Not fixed yet")
        assert new < body.index("The score dropped from 90 to 60.") < fixed < not_fixed
        assert fixed < body.index("Fixed: The TLS-RPT record has disappeared.") < not_fixed
        usual = body.index("Back to the senders' usual failure rate: 20.00 % of the TLS sessions")
        assert not_fixed < usual
        assert "The failures have not stopped" in body[usual:]
        assert not_fixed < body.index("Still open: The MTA-STS record has disappeared")
        assert "No longer reported" not in body
    assert message.subject == "[mailsec] Daily digest: 3 changes on example.com"


def test_a_digest_with_only_fixes_has_no_not_fixed_yet(owner: User, domain: Domain) -> None:
    AlertSetting.set_mode(owner, domain, AlertSetting.Mode.DIGEST)
    gone = problem(domain, "record-gone:tls-rpt", "The TLS-RPT record has disappeared.")
    told = Notification.make_digest(owner, timezone.now())
    assert told is not None
    sent(told)
    Change.objects.filter(pk=gone.pk).update(
        state=Change.State.RECOVERED, recovered_at=timezone.now() + timedelta(minutes=2)
    )
    digest = Notification.make_digest(owner, timezone.now() + timedelta(days=1))
    assert digest is not None
    message = build_message(digest)
    for body in (words(message.body), html_words(str(message.alternatives[0][0]))):
        assert "Fixed: The TLS-RPT record has disappeared." in body
        assert "Not fixed yet" not in body and "Still open" not in body
