"""Review of 3988c4c (a TLS-report alert that closes is told): the defects found, each pinned.

1. A daily digest told "No longer reported" (or "Fixed") to someone who never heard of the
   problem — a member who joined since, or who had alerts off then — when the change was
   confirmed before the digest's period: only whoever was told of a problem hears of its end,
   for report changes and check changes alike.
2. The recovery note was cut at 200 characters, mid-word, when the session counts were large.
3. The failure-rate recovery note said no day was above the threshold while every day's raw
   failure rate was: the rule counts only failures beyond each sender's usual rate, and the
   note (and the alert that opened the change) now say so, and say plainly when the raw rate
   is still above the threshold.
4. The alert settings and the domain page said "for a week" where the rule is 7 report days.
"""

from __future__ import annotations

import datetime
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from mailsec.accounts.models import Membership, Team
from mailsec.alerts import rules
from mailsec.alerts.emails import build_message
from mailsec.alerts.models import AlertSetting, AlertState, Change, Notification
from mailsec.alerts.tasks import send_notification
from mailsec.domains.models import Domain
from reports.alerts import KIND_FAILURE_RATE, evaluate_report
from reports.models import ReportAddress
from tests.test_alerts_s9_model import START, World, store_run
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


def arrive(address: ReportAddress, n: int, **kw: Any) -> list[Change]:
    """One report of day n, stored and evaluated as the alert task does."""
    rid = kw.pop("rid", None) or f"{kw.get('org', 'default')}-{n}"
    return evaluate_report(store(address, report(day(n), rid=rid, **kw)))


def send(n: Notification) -> Any:
    mail.outbox.clear()
    send_notification.apply(args=[str(n.code)])
    assert len(mail.outbox) == 1
    return mail.outbox[0]


def words(text: str) -> str:
    return " ".join(text.split())


def confirmed_days_ago(days: int) -> None:
    """The open changes were confirmed `days` ago (the days of calm reports that close them
    take that long in real life)."""
    Change.objects.filter(state__in=Change.OPEN).update(
        confirmed_at=timezone.now() - timedelta(days=days),
        created=timezone.now() - timedelta(days=days),
    )


# --- 1. Digests tell the end of a problem only to whoever was told of it ----------------------


def joins_with_digest(domain: Domain, name: str) -> User:
    user = User.objects.create_user(name, f"{name}@example.org")
    Membership.objects.create(team=domain.team, user=user)
    AlertSetting.set_mode(user, domain, AlertSetting.Mode.DIGEST)
    return user


def test_a_newcomers_digest_does_not_say_a_report_problem_is_no_longer_reported(
    owner: User, domain: Domain, address: ReportAddress
) -> None:
    arrive(address, 0, failed=3, types=("certificate-expired",))
    confirmed_days_ago(3)
    newcomer = joins_with_digest(domain, "newcomer")
    for n in range(1, 8):
        arrive(address, n)
    assert Change.objects.get().state == Change.State.RECOVERED
    # The owner, told at once, hears of the end at once; the newcomer hears nothing.
    assert list(
        Notification.objects.filter(user=owner).order_by("pk").values_list("kind", flat=True)
    ) == ["alert", "recovery"]
    assert Notification.make_digest(newcomer, timezone.now()) is None
    assert not Notification.objects.filter(user=newcomer).exists()


def test_no_digest_line_for_someone_who_had_alerts_off_when_it_opened(
    owner: User, domain: Domain, address: ReportAddress
) -> None:
    AlertSetting.set_mode(owner, domain, AlertSetting.Mode.OFF)
    arrive(address, 0, failed=3, types=("certificate-expired",))
    confirmed_days_ago(3)
    AlertSetting.set_mode(owner, domain, AlertSetting.Mode.DIGEST)
    for n in range(1, 8):
        arrive(address, n)
    assert Change.objects.get().state == Change.State.RECOVERED
    assert Notification.make_digest(owner, timezone.now()) is None


def test_whoever_was_told_still_reads_it_in_the_digest(
    owner: User, domain: Domain, address: ReportAddress
) -> None:
    # The owner was told by an alert email, then chose the digest; a teammate read of it in
    # a digest. Both find it in their next digest as no longer reported.
    teammate = joins_with_digest(domain, "teammate")
    arrive(address, 0, failed=3, types=("certificate-expired",))
    confirmed_days_ago(3)
    first = Notification.make_digest(teammate, timezone.now() - timedelta(days=3, hours=-1))
    assert first is not None
    send(first)
    AlertSetting.set_mode(owner, domain, AlertSetting.Mode.DIGEST)
    for n in range(1, 8):
        arrive(address, n)
    for user in (owner, teammate):
        digest = Notification.make_digest(user, timezone.now())
        assert digest is not None, user
        body = words(build_message(digest).body)
        assert (
            "No longer reported: New TLS failure reported for example.com on 2026-06-01: "
            "certificate-expired." in body
        )


class TestCheckChanges:
    """The same rule for a problem our checks found (no regression: it held before)."""

    @pytest.fixture(autouse=True)
    def alert_settings(self, settings: Any) -> None:
        settings.ALERT_CONFIRM_DELAY = 600
        settings.ALERT_SCORE_DROP = 10
        settings.ALERT_DIGEST_HOUR = 0
        settings.SITE_ROOT = "https://mailsec.example"

    def observe(self, domain: Domain, world: World, kind: str = "scheduled", **kw: Any) -> None:
        for name, value in kw.items():
            setattr(world, name, value)
        self.clock += timedelta(minutes=11)
        run = store_run(domain, world.result(), kind, self.clock)
        AlertState.observe(run)

    def break_and_fix(self, domain: Domain, between: Any) -> None:
        self.clock = START
        world = World()
        self.observe(domain, world)
        self.observe(domain, world, mta="gone")
        self.observe(domain, world, "confirm")
        assert Change.objects.get(kind=rules.Kind.RECORD_GONE).state == Change.State.CONFIRMED
        confirmed_days_ago(3)
        between()
        self.observe(domain, world, mta="pass")
        self.observe(domain, world, "confirm")
        assert Change.objects.get(kind=rules.Kind.RECORD_GONE).state == Change.State.RECOVERED

    def test_a_newcomers_digest_does_not_call_fixed_what_it_never_told(
        self, domain: Domain
    ) -> None:
        people: list[User] = []
        self.break_and_fix(domain, lambda: people.append(joins_with_digest(domain, "newcomer")))
        assert Notification.make_digest(people[0], timezone.now()) is None

    def test_no_fixed_line_for_someone_who_had_alerts_off_when_it_broke(
        self, owner: User, domain: Domain
    ) -> None:
        AlertSetting.set_mode(owner, domain, AlertSetting.Mode.OFF)
        self.break_and_fix(
            domain, lambda: AlertSetting.set_mode(owner, domain, AlertSetting.Mode.DIGEST)
        )
        assert Notification.make_digest(owner, timezone.now()) is None

    def test_someone_told_by_an_alert_email_reads_fixed_in_the_digest(
        self, owner: User, domain: Domain
    ) -> None:
        self.break_and_fix(
            domain, lambda: AlertSetting.set_mode(owner, domain, AlertSetting.Mode.DIGEST)
        )
        digest = Notification.make_digest(owner, timezone.now())
        assert digest is not None
        body = words(build_message(digest).body)
        assert "Fixed: The MTA-STS record _mta-sts.a.test has disappeared." in body


# --- 2. The whole note, whatever the counts ---------------------------------------------------


def test_a_new_type_note_with_large_counts_arrives_whole(
    owner: User, address: ReportAddress
) -> None:
    arrive(address, 0, failed=3, types=("certificate-host-mismatch",))
    for n in range(1, 8):
        arrive(address, n, ok=9_876_543_210_987)
    recovery = Notification.objects.get(kind=Notification.Kind.RECOVERY)
    body = words(send(recovery).body)
    assert (
        "Senders have reported no certificate-host-mismatch failures for 7 report days. Since "
        "2026-06-01 (the last day one was reported) they reported 69135802476909 TLS "
        "sessions, 69135802476909 of them successful." in body
    )
    # The digest reads the same stored note.
    assert Change.objects.get().note.endswith("69135802476909 of them successful.")


def test_a_failure_rate_note_with_large_counts_arrives_whole(
    owner: User, address: ReportAddress
) -> None:
    arrive(address, 0, ok=800_000_000, failed=200_000_000)
    for n in range(1, 8):
        arrive(address, n, ok=987_654_321)
    recovery = Notification.objects.get(kind=Notification.Kind.RECOVERY)
    message = send(recovery)
    body = words(message.body)
    assert (
        "From 2026-06-02 to 2026-06-08 they reported 6913580247 TLS sessions, 6913580247 of "
        "them successful." in body
    )
    html = message.alternatives[0][0]
    assert "From 2026-06-02 to 2026-06-08 they reported 6913580247 TLS sessions" in html


# --- 3. The failure-rate note says what the rule judged ---------------------------------------


def senders_who_usually_fail(address: ReportAddress) -> None:
    """Two weeks where sender A fails 10 of its 100 sessions a day and B none of 1000; then B
    fails 200 of 1000 one day (an alert); then seven days where A fails 100 of 1000 (its usual
    10 %) and B none of 100: every day 9.1 % of the sessions fail, above the 5 % threshold,
    but none beyond what these senders usually report. A day's reports arrive together and
    are evaluated after."""
    for n in range(-14, 8):
        a = dict(ok=900, failed=100) if n > 0 else dict(ok=90, failed=10)
        b = dict(ok=800, failed=200) if n == 0 else dict(ok=100 if n > 0 else 1000)
        stored = [store(address, report(day(n), org="B", rid=f"B-{n}", **b))]
        if n != 0:
            stored.append(store(address, report(day(n), org="A", rid=f"A-{n}", **a)))
        events = [e for r in stored for e in evaluate_report(r)]
        assert [e.kind for e in events] == ([KIND_FAILURE_RATE] if n == 0 else [])


def test_the_failure_rate_note_says_what_was_judged_and_that_failures_go_on(
    owner: User, address: ReportAddress
) -> None:
    senders_who_usually_fail(address)
    change = Change.objects.get(kind=KIND_FAILURE_RATE)
    assert change.state == Change.State.RECOVERED
    body = words(send(Notification.objects.get(kind=Notification.Kind.RECOVERY)).body)
    assert (
        "Senders' reports show no day whose failures beyond what these senders usually report "
        "exceeded 5.00 % of its sessions in the last 7 report days. From 2026-06-02 to "
        "2026-06-08 they reported 7700 TLS sessions, 7000 of them successful." in body
    )
    assert (
        "The failures have not stopped: 9.09 % of those sessions failed (700), more than 5.00 % "
        "on every one of the 7 days, because these senders usually fail that much and this "
        "alert counts only the failures beyond it." in body
    )
    assert "no day above the failure-rate alert threshold" not in body


def test_a_calm_week_says_nothing_of_failures_going_on(owner: User, address: ReportAddress) -> None:
    arrive(address, 0, ok=800, failed=200)
    for n in range(1, 8):
        arrive(address, n, ok=1000, failed=n % 2)  # a session now and then: 0.1 %
    note = Change.objects.get(kind=KIND_FAILURE_RATE).note
    assert note.startswith("Senders' reports show no day whose failures beyond what these")
    assert "have not stopped" not in note


def test_the_alert_says_what_it_judged_when_senders_usually_fail(
    owner: User, address: ReportAddress
) -> None:
    # Sender A's usual 10 % is not counted; B's 150 failures of 1000 are.
    for n in range(-14, 0):
        arrive(address, n, org="B", ok=1000)
        arrive(address, n, org="A", ok=90, failed=10)
    assert not Change.objects.exists()
    events = arrive(address, 0, org="A", ok=900, failed=100)
    assert events == []  # A's usual rate alone: 10 % raw, nothing beyond it
    (change,) = arrive(address, 0, org="B", ok=850, failed=150)
    assert change.kind == KIND_FAILURE_RATE
    assert change.summary.startswith(
        "12.50 % of the TLS sessions senders reported for example.com on 2026-06-01 failed "
        "(250 of 2000); beyond what these senders usually report, 7.50 % failed (150), above "
        "the alert threshold of 5.00 %."
    )
    body = words(send(Notification.objects.get(kind=Notification.Kind.ALERT)).body)
    assert "beyond what these senders usually report, 7.50 % failed (150)" in body


# --- 4. The pages say what the rule is --------------------------------------------------------


def test_the_pages_say_seven_report_days_not_a_week(
    owner: User, domain: Domain, client: Client
) -> None:
    client.force_login(owner)
    wanted = (
        "Problems senders' TLS reports show are emailed when they are reported, and again "
        "once the reports of 7 days with mail no longer show them (for a domain that gets "
        "little mail, that can take weeks or months)."
    )
    for url in (reverse("alerts:settings"), reverse("domains:details", args=[domain.code])):
        text = words(client.get(url).content.decode().replace("&#x27;", "'"))
        assert wanted in text, url
        assert "have not shown them for a week" not in text


def test_a_free_check_running_without_a_start_time_does_not_block_a_new_one() -> None:
    # No code path leaves such a row (claim() sets both in one UPDATE; nothing clears
    # `started`; the admin is read-only): a hand edit would. It never runs, so it is stuck at
    # once, and a new check of the domain starts instead of a 500.
    from mailsec.freecheck.models import FreeCheck

    odd = FreeCheck.objects.create(domain="example.org", status=FreeCheck.State.RUNNING)
    check, created = FreeCheck.start("example.org")
    assert created and check.pk != odd.pk
    odd.refresh_from_db()
    assert odd.status == FreeCheck.State.ERROR
