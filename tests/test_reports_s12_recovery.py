"""What happens when a problem senders reported goes quiet, and when one our checks can see
is reported.

1. A change raised from TLS reports that closes (its failure type unreported for 7 report
   days, or 7 judged days all calm) is told like a fix our checks confirm: one recovery email
   per person who was told of the problem and wants immediate alerts, a "no longer reported"
   line in the daily digest of those who chose it, nothing to whoever was not told, and
   nothing more when it is closed again.
2. A new failure of a type the dashboard reads next to our latest check (reports.join.RELATED)
   brings the domain's next scheduled check forward to now, within Check now's limits, so
   "our last check saw …" is about the domain as it is. A repeat, an old report, another
   kind of change, or a domain that is not monitored moves nothing.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any
from unittest import mock

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client
from django.utils import timezone

from mailsec.accounts.models import Membership, Team
from mailsec.alerts.emails import build_message
from mailsec.alerts.models import AlertSetting, Change, Notification
from mailsec.alerts.tasks import send_notification
from mailsec.domains.models import CheckRun, Domain
from mailsec.domains.tasks import tick
from mailsec.freecheck import ratelimit
from reports.alerts import KIND_FAILURE_RATE, KIND_NEW_TYPE, evaluate_report
from reports.models import ReportAddress, TlsReport
from tests.test_reports_alerts import (  # noqa: F401 (the autouse fixture)
    report,
    reports_arrive_the_next_morning,
    store,
)

pytestmark = pytest.mark.django_db

DAY0 = datetime.date(2026, 6, 1)


def day(n: int) -> str:
    return (DAY0 + timedelta(days=n)).isoformat()


@pytest.fixture(autouse=True)
def own_rate_counters() -> Iterator[None]:
    """Rate counters of this test alone: no other run's counters (Redis is shared) count
    here. Their clock stands in one minute (tests/conftest.py), so Check now's once-a-minute
    window never ends half way through a test."""
    with mock.patch.object(ratelimit, "KEY_PREFIX", f"test-{uuid.uuid4().hex}"):
        yield


@pytest.fixture
def owner() -> User:
    return User.objects.create_user("owner", "owner@example.org")


@pytest.fixture
def domain(owner: User) -> Domain:
    return Domain.objects.create(
        team=Team.create_for(owner),
        name="example.com",
        verified_at=timezone.now(),
        next_check_at=timezone.now() + timedelta(hours=6),
    )


@pytest.fixture
def address(domain: Domain) -> ReportAddress:
    return ReportAddress.for_domain(domain)


def evaluate(address: ReportAddress, body: bytes) -> list[Change]:
    return evaluate_report(store(address, body))


def calm_days(address: ReportAddress, first: int, last: int) -> TlsReport:
    """A calm report (1000 sessions, none failed) of each day from `first` to `last`,
    evaluated as it arrives; the last one."""
    for n in range(first, last + 1):
        latest = store(address, report(day(n), rid=f"calm-{n}"))
        evaluate_report(latest)
    return latest


def kinds(user: User) -> list[str]:
    return list(
        Notification.objects.filter(user=user).order_by("pk").values_list("kind", flat=True)
    )


def send(n: Notification) -> Any:
    mail.outbox.clear()
    send_notification.apply(args=[str(n.code)])
    assert len(mail.outbox) == 1
    return mail.outbox[0]


# --- 1. Recovery emails -----------------------------------------------------------------------


def test_a_failure_type_unreported_for_a_week_is_told_once(
    owner: User, address: ReportAddress
) -> None:
    evaluate(address, report(day(0), failed=3, types=("certificate-expired",)))
    assert kinds(owner) == [Notification.Kind.ALERT]

    # Six calm report days: the type is still within the last 7 report days.
    calm_days(address, 1, 6)
    assert kinds(owner) == [Notification.Kind.ALERT]
    # The seventh closes it, and the owner, who was told of it, hears that it stopped.
    last = calm_days(address, 7, 7)
    change = Change.objects.get()
    assert change.state == Change.State.RECOVERED
    assert kinds(owner) == [Notification.Kind.ALERT, Notification.Kind.RECOVERY]
    recovery = Notification.objects.get(kind=Notification.Kind.RECOVERY)
    assert list(recovery.changes.all()) == [change]
    message = send(recovery)
    # Short, the fact and the last day it was reported first (no mail client cuts the day).
    assert message.subject == (
        "[mailsec] example.com: no certificate-expired reported after 2026-06-01"
    )
    body = " ".join(message.body.split())
    assert "Good news about example.com: senders' TLS reports no longer show this problem" in body
    assert "Senders have reported no certificate-expired failures for 7 report days." in body
    # The sessions since the last day the type was reported: 7 calm days of 1000.
    assert (
        "Since 2026-06-01 (the last day one was reported) they reported 7000 TLS sessions, "
        "7000 of them successful." in body
    )
    assert "the latest checks no longer find" not in body  # not our checks' words
    html = message.alternatives[0][0]
    assert "Senders have reported no certificate-expired failures for 7 report days." in html

    # Closed once, told once: the same report evaluated again, and an eighth calm day, add
    # nothing.
    evaluate_report(last)
    calm_days(address, 8, 8)
    assert kinds(owner) == [Notification.Kind.ALERT, Notification.Kind.RECOVERY]


def test_a_calm_week_after_a_bad_day_is_told(owner: User, address: ReportAddress) -> None:
    events = evaluate(address, report(day(0), ok=800, failed=200))
    assert [e.kind for e in events] == [KIND_FAILURE_RATE]
    calm_days(address, 1, 7)
    assert Change.objects.get().state == Change.State.RECOVERED
    assert kinds(owner) == [Notification.Kind.ALERT, Notification.Kind.RECOVERY]
    body = " ".join(send(Notification.objects.get(kind="recovery")).body.split())
    assert (
        "Senders' reports show no day whose failures beyond what these senders usually report "
        "exceeded 5.00 % of its sessions in the last 7 report days. From 2026-06-02 to "
        "2026-06-08 they reported 7000 TLS sessions, 7000 of them successful." in body
    )


def test_nobody_hears_of_the_end_of_a_problem_they_were_not_told_of(
    owner: User, domain: Domain, address: ReportAddress
) -> None:
    # The owner had alert emails off when the problem was reported; a teammate joined since.
    AlertSetting.set_mode(owner, domain, AlertSetting.Mode.OFF)
    evaluate(address, report(day(0), failed=3, types=("certificate-expired",)))
    assert Change.objects.get().state == Change.State.CONFIRMED
    AlertSetting.set_mode(owner, domain, AlertSetting.Mode.IMMEDIATE)
    newcomer = User.objects.create_user("newcomer", "newcomer@example.org")
    Membership.objects.create(team=domain.team, user=newcomer)

    calm_days(address, 1, 7)
    assert Change.objects.get().state == Change.State.RECOVERED
    assert not Notification.objects.exists()


def test_each_person_hears_of_it_their_own_way(
    owner: User, domain: Domain, address: ReportAddress
) -> None:
    # The owner reads a daily digest; a teammate wants emails at once; a third turned this
    # domain's emails off after being told.
    teammate = User.objects.create_user("teammate", "teammate@example.org")
    quiet = User.objects.create_user("quiet", "quiet@example.org")
    for user in (teammate, quiet):
        Membership.objects.create(team=domain.team, user=user)
    AlertSetting.set_mode(owner, domain, AlertSetting.Mode.DIGEST)

    evaluate(address, report(day(0), failed=3, types=("starttls-not-supported",)))
    assert (kinds(owner), kinds(teammate), kinds(quiet)) == ([], ["alert"], ["alert"])
    first = Notification.make_digest(owner, timezone.now())
    assert first is not None
    send(first)
    AlertSetting.set_mode(quiet, domain, AlertSetting.Mode.OFF)

    calm_days(address, 1, 7)
    assert Change.objects.get().state == Change.State.RECOVERED
    # At once for the teammate; nothing for whoever turned the domain's emails off.
    assert kinds(teammate) == ["alert", "recovery"]
    assert kinds(quiet) == ["alert"]
    # In the owner's next digest, as no longer reported, with what the reports said.
    digest = Notification.make_digest(owner, timezone.now() + timedelta(days=1))
    assert digest is not None
    assert list(digest.changes.values_list("state", flat=True)) == [Change.State.RECOVERED]
    body = " ".join(build_message(digest).body.split())
    assert (
        "No longer reported: New TLS failure reported for example.com on 2026-06-01: "
        "starttls-not-supported." in body
    )
    assert "Senders have reported no starttls-not-supported failures for 7 report days." in body


# --- 2. The next check, brought forward -------------------------------------------------------


def due(domain: Domain) -> bool:
    domain.refresh_from_db()
    return domain.next_check_at is not None and domain.next_check_at <= timezone.now()


def later(domain: Domain) -> None:
    Domain.objects.filter(pk=domain.pk).update(next_check_at=timezone.now() + timedelta(hours=6))


def test_a_new_failure_our_checks_can_see_brings_the_check_forward(
    domain: Domain, address: ReportAddress, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    assert not due(domain)
    with django_capture_on_commit_callbacks(execute=True):
        events = evaluate(address, report(day(0), failed=3, types=("certificate-expired",)))
    assert [e.subject for e in events] == ["certificate-expired"]
    assert due(domain)
    # The beat's next tick claims it and starts the domain's scheduled check.
    with django_capture_on_commit_callbacks(execute=False):
        assert tick() == 1
    assert CheckRun.objects.filter(domain=domain, kind="scheduled").count() == 1


@pytest.mark.parametrize(
    "result_type",
    [
        "sts-policy-fetch-error",
        "sts-policy-invalid",
        "sts-webpki-invalid",
        "certificate-host-mismatch",
        "certificate-not-trusted",
        "starttls-not-supported",
        "validation-failure",
        "tlsa-invalid",
        "dnssec-invalid",
        "dane-required",
    ],
)
def test_every_type_the_dashboard_compares_does(
    domain: Domain,
    address: ReportAddress,
    django_capture_on_commit_callbacks: Callable[..., Any],
    result_type: str,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        assert evaluate(address, report(day(0), failed=3, types=(result_type,)))
    assert due(domain)


def test_a_repeat_an_old_report_or_another_kind_of_change_moves_nothing(
    domain: Domain, address: ReportAddress, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        first = store(address, report(day(0), failed=3, types=("certificate-expired",)))
        assert evaluate_report(first)
    assert due(domain)
    later(domain)
    with django_capture_on_commit_callbacks(execute=True):
        # The same report again (a redelivered task), and the same type from another sender
        # while its change is open.
        assert evaluate_report(first) == []
        assert (
            evaluate(
                address, report(day(0), org="Google Inc.", failed=2, types=("certificate-expired",))
            )
            == []
        )
        # A report from weeks ago (a sender's stuck queue) with a type never seen.
        assert evaluate(address, report(day(-30), failed=2, types=("tlsa-invalid",))) == []
        # A bad day, and a type RFC 8460 does not define: nothing our checks can compare.
        events = evaluate(address, report(day(1), rid="bad", ok=500, failed=500))
        events += evaluate(address, report(day(1), rid="odd", failed=2, types=("made-up",)))
    assert sorted(e.kind for e in events) == [KIND_FAILURE_RATE, KIND_NEW_TYPE]
    assert not due(domain)


def test_check_nows_limits_hold(
    owner: User,
    domain: Domain,
    address: ReportAddress,
    client: Client,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    # Once a minute per domain: a second new type in the same minute waits for the schedule.
    with django_capture_on_commit_callbacks(execute=True):
        evaluate(address, report(day(0), rid="a", failed=3, types=("certificate-expired",)))
    assert due(domain)
    later(domain)
    with django_capture_on_commit_callbacks(execute=True):
        assert evaluate(address, report(day(0), rid="b", failed=3, types=("tlsa-invalid",)))
    assert not due(domain)
    # ... and it is the same allowance as the owner's button: Check now is refused too.
    client.force_login(owner)
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(f"/domains/{domain.code}/check/", follow=True)
    assert "This domain was checked a moment ago" in response.content.decode()
    assert not CheckRun.objects.filter(domain=domain).exists()


def test_a_check_under_way_is_fresh_enough(
    domain: Domain, address: ReportAddress, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    CheckRun.objects.create(domain=domain, kind="manual")  # pending: its worker will run it
    with django_capture_on_commit_callbacks(execute=True):
        assert evaluate(address, report(day(0), failed=3, types=("certificate-expired",)))
    assert not due(domain)


def test_a_domain_we_do_not_check_is_not_checked(
    domain: Domain, address: ReportAddress, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    # Not verified (any more): no alert, no check.
    Domain.objects.filter(pk=domain.pk).update(verified_at=None)
    with django_capture_on_commit_callbacks(execute=True):
        assert evaluate(address, report(day(0), failed=3, types=("certificate-expired",))) == []
    assert not due(domain)
    # Verified but not scheduled (no next check): left unscheduled.
    Domain.objects.filter(pk=domain.pk).update(verified_at=timezone.now(), next_check_at=None)
    address = ReportAddress.objects.get(pk=address.pk)  # its domain as it is now
    with django_capture_on_commit_callbacks(execute=True):
        assert evaluate(address, report(day(1), failed=3, types=("dane-required",)))
    domain.refresh_from_db()
    assert domain.next_check_at is None
