"""The recovery email of a TLS-report failure-rate alert says "Good news" only when it is.

The failure-rate rule counts only failures beyond each sender's usual rate (reports/alerts.py),
so its change can close while 9.1% of the sessions still fail every day; the note says so
("The failures have not stopped: …"), but the subject and the opening said "no longer
reported" and "Good news … senders' TLS reports no longer show this problem". In that case
they now say the reports are back to the senders' usual failure rate; a week that is really
calm (and a failure type that stopped) reads as before.
"""

from __future__ import annotations

import datetime
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.utils import timezone

from mailsec.accounts.models import Team
from mailsec.alerts.emails import build_message
from mailsec.alerts.models import AlertSetting, Change, Notification
from mailsec.alerts.tasks import send_notification
from mailsec.domains.models import Domain
from reports.alerts import KIND_FAILURE_RATE, evaluate_report
from reports.models import ReportAddress
from tests.test_reports_alerts import (  # noqa: F401 (the autouse fixture)
    report,
    reports_arrive_the_next_morning,
    store,
)

pytestmark = pytest.mark.django_db

DAY0 = datetime.date(2026, 6, 1)
GOOD_NEWS = "Good news about example.com: senders' TLS reports no longer show this problem:"
USUAL_RATE = (
    "About example.com: the failures in senders' TLS reports are back to the senders' usual "
    "failure rate, which this alert does not count, but they have not stopped:"
)


def day(n: int) -> str:
    return (DAY0 + timedelta(days=n)).isoformat()


@pytest.fixture(autouse=True)
def thresholds(settings: Any) -> None:
    settings.TLSRPT_ALERT_FAILURE_RATE = 0.05
    settings.TLSRPT_ALERT_MIN_SESSIONS = 20
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def owner() -> User:
    return User.objects.create_user("owner", "owner@example.org")


@pytest.fixture
def domain(owner: User) -> Domain:
    return Domain.objects.create(
        team=Team.create_for(owner), name="example.com", verified_at=timezone.now()
    )


@pytest.fixture
def address(domain: Domain) -> ReportAddress:
    return ReportAddress.for_domain(domain)


def usual_failures(address: ReportAddress, first: int, last: int) -> None:
    """Days `first` to `last` of the review's senders (tests/test_reports_s12_recovery_review):
    before day 0 sender A fails 10 of 100 sessions a day and B none of 1000; on day 0 B fails
    200 of 1000 (the alert); after it A fails 100 of 1000 (its usual 10 %) and B none of 100,
    so 9.1 % of each day's sessions fail, none beyond what these senders usually report."""
    for n in range(first, last + 1):
        a = dict(ok=900, failed=100) if n > 0 else dict(ok=90, failed=10)
        b = dict(ok=800, failed=200) if n == 0 else dict(ok=100 if n > 0 else 1000)
        stored = [store(address, report(day(n), org="B", rid=f"B-{n}", **b))]
        if n != 0:
            stored.append(store(address, report(day(n), org="A", rid=f"A-{n}", **a)))
        for r in stored:
            evaluate_report(r)


def calm_failure_rate(address: ReportAddress) -> None:
    """A bad day, then seven where one session in a thousand fails now and then."""
    evaluate_report(store(address, report(day(0), ok=800, failed=200)))
    for n in range(1, 8):
        evaluate_report(store(address, report(day(n), rid=f"calm-{n}", failed=n % 2)))


def sent(n: Notification) -> Any:
    mail.outbox.clear()
    send_notification.apply(args=[str(n.code)])
    assert len(mail.outbox) == 1
    return mail.outbox[0]


def words(text: str) -> str:
    return " ".join(text.split())


def recovery_email() -> Any:
    assert Change.objects.get(kind=KIND_FAILURE_RATE).state == Change.State.RECOVERED
    return sent(Notification.objects.get(kind=Notification.Kind.RECOVERY))


def test_failures_at_the_senders_usual_rate_are_not_good_news(
    owner: User, address: ReportAddress
) -> None:
    usual_failures(address, -14, 7)
    message = recovery_email()
    # Short, so no mail client cuts the day (test_alerts_s13_zero_and_subjects); the body
    # says the rest.
    assert message.subject == (
        "[mailsec] example.com: back to the usual TLS failure rate after 2026-06-01"
    )
    assert "no longer reported" not in message.subject
    body = words(message.body)
    assert USUAL_RATE in body
    assert "Good news" not in body and "no longer show" not in body
    assert (
        "* Back to the senders' usual failure rate: 20.00 % of the TLS sessions senders reported "
        "for example.com on 2026-06-01 failed (200 of 1000), above the alert threshold of 5.00 %."
        in body
    )
    assert "No longer reported" not in body
    # The note that tells why is still there, whole.
    assert "The failures have not stopped: 9.09 % of those sessions failed (700)" in body
    html = words(message.alternatives[0][0].replace("&#x27;", "'"))
    assert "Good news" not in html and "No longer reported" not in html
    assert (
        "About <strong>example.com</strong>: the failures in senders' TLS reports are back to "
        "the senders' usual failure rate" in html
    )
    assert "Back to the senders' usual failure rate: 20.00 % of the TLS sessions" in html


def test_a_calm_week_is_still_good_news(owner: User, address: ReportAddress) -> None:
    calm_failure_rate(address)
    message = recovery_email()
    assert message.subject == "[mailsec] example.com: TLS failure rate calm again after 2026-06-01"
    body = words(message.body)
    assert GOOD_NEWS in body
    assert "* No longer reported: 20.00 % of the TLS sessions senders reported" in body
    assert "usual failure rate" not in body and "usual failure rate" not in message.subject
    html = words(message.alternatives[0][0].replace("&#x27;", "'"))
    assert "Good news about <strong>example.com</strong>" in html
    assert "usual failure rate" not in html


def test_a_failure_type_that_stopped_is_still_good_news(
    owner: User, address: ReportAddress
) -> None:
    evaluate_report(store(address, report(day(0), failed=3, types=("certificate-expired",))))
    for n in range(1, 8):
        evaluate_report(store(address, report(day(n), rid=f"calm-{n}")))
    message = sent(Notification.objects.get(kind=Notification.Kind.RECOVERY))
    assert message.subject == (
        "[mailsec] example.com: no certificate-expired reported after 2026-06-01"
    )
    assert GOOD_NEWS in words(message.body)
    assert "usual failure rate" not in message.body


def test_the_digest_line_says_the_same(owner: User, domain: Domain, address: ReportAddress) -> None:
    AlertSetting.set_mode(owner, domain, AlertSetting.Mode.DIGEST)
    usual_failures(address, -14, 0)
    told = Notification.make_digest(owner, timezone.now())
    assert told is not None
    sent(told)
    usual_failures(address, 1, 7)
    digest = Notification.make_digest(owner, timezone.now() + timedelta(days=1))
    assert digest is not None
    message = build_message(digest)
    body = words(message.body)
    assert "* Back to the senders' usual failure rate: 20.00 % of the TLS sessions" in body
    assert "No longer reported" not in body
    assert "The failures have not stopped" in body
    html = words(message.alternatives[0][0].replace("&#x27;", "'"))
    assert "Back to the senders' usual failure rate: 20.00 % of the TLS sessions" in html
    assert "No longer reported" not in html
