"""Task s43g, item 1: an email queued before its team lost control of the domain (another
team proved control: Domain.recheck_control "lost"), before the domain was removed, or
before its reader left the team, is not sent: Notification.still_wanted decides when it is
sent, not when it was queued.

The situation: the mail server refused the first try of each email (retried after 1, 5, 15
and 60 minutes), and meanwhile the team lost the domain. Each kind that is queued (an alert,
a "fixed" email, the daily digest, the weekly summary) to each kind of reader (a member, the
team's extra address) is followed through the real send task and email building. Before this
task each path already held (decided at send time since 55acab18, 4e5799ba, 283c5d18, d469bbe5):
these tests pin it, with a control that the same retry is sent when nothing changed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail

from checks.dns import DnsAnswer
from mailsec.accounts.models import Membership
from mailsec.alerts.models import AlertSetting, Notification, TeamAlertAddress
from mailsec.alerts.tasks import send_digests, send_notification
from mailsec.domains.models import Domain
from tests.test_alerts_s42u_blind import RPT_GONE, Player, player_fixture  # noqa: F401

pytestmark = pytest.mark.django_db

SHOP = "shop.s42u.test"
BLOG = "blog.s42u.test"
TICKETS = "tickets@msp.test"


class Refused(Exception):
    """The mail server is down."""


def queued(p: Player, make: Callable[[], None]) -> list[Notification]:
    """Make emails with the mail server refusing them: each tried once, failed."""
    with (
        mock.patch("django.utils.timezone.now", lambda: p.clock),
        mock.patch("mailsec.alerts.tasks.enqueue_send", lambda n: None),
        mock.patch(
            "django.core.mail.backends.locmem.EmailBackend.send_messages",
            side_effect=Refused("451 try later"),
        ),
    ):
        make()
        for n in Notification.objects.filter(status=Notification.Status.PENDING):
            send_notification.apply(args=[str(n.code)])
    failed = list(Notification.objects.filter(status=Notification.Status.FAILED))
    assert failed
    return failed


def retried(p: Player) -> list[str]:
    """Retry every failed email as the sweep does; the addresses mailed."""
    p.clock += timedelta(minutes=2)
    mail.outbox = []
    with mock.patch("django.utils.timezone.now", lambda: p.clock):
        for n in Notification.objects.filter(status=Notification.Status.FAILED):
            send_notification.apply(args=[str(n.code)])
    return sorted(to for m in mail.outbox for to in m.to)


def lose_control(p: Player, name: str) -> None:
    """Another team proves control of `name` and ours is gone from the challenge name."""
    ours = p.domains[name]
    Domain.objects.create(team=p.teams["Other"], name=name, verified_at=p.clock)
    gone = DnsAnswer(name=ours.challenge_name, rdtype="TXT", rcode="NXDOMAIN")
    with mock.patch("django.utils.timezone.now", lambda: p.clock):
        assert ours.recheck_control(now=p.clock, answer=gone) == "lost"


def with_address(p: Player, mode: str = "immediate") -> None:
    TeamAlertAddress.objects.create(
        team=p.teams["Acme"],
        email=TICKETS,
        mode=mode,
        added_by=p.users["olga"],
        confirmed_at=p.clock,
    )


def alert(p: Player) -> None:
    p.regression(SHOP)


def fixed(p: Player) -> None:
    # Told of the problem first (sent), then its "fixed" email is the one refused.
    with (
        mock.patch("django.utils.timezone.now", lambda: p.clock),
        mock.patch("mailsec.alerts.tasks.enqueue_send", lambda n: None),
    ):
        p.regression(SHOP)
        p.send_pending()
    p.clock += timedelta(hours=1)
    p.run(SHOP, {}, "s")
    p.run(SHOP, {}, "c")


def digest(p: Player) -> None:
    for user in p.users.values():
        AlertSetting.set_mode(user, p.domains[SHOP], AlertSetting.Mode.DIGEST)
    p.regression(SHOP)
    p.clock = p.clock.replace(hour=7, minute=5)
    send_digests.apply()


MAKERS = {"alert": alert, "fixed": fixed, "digest": digest}
OUTCOMES = ["lost", "deleted"]


def end(p: Player, how: str) -> None:
    if how == "lost":
        lose_control(p, SHOP)
    else:
        p.domains[SHOP].delete()


@pytest.mark.parametrize("how", OUTCOMES)
@pytest.mark.parametrize("kind", list(MAKERS))
def test_s43g_nothing_queued_about_a_domain_the_team_no_longer_has_is_sent(
    player: Player, kind: str, how: str
) -> None:
    mode = "digest" if kind == "digest" else "immediate"
    with_address(player, mode)
    failed = queued(player, lambda: MAKERS[kind](player))
    # The members and the team's extra address each had one waiting.
    assert {n.to_address for n in failed} >= {"olga@acme.test", "mike@acme.test", TICKETS}
    end(player, how)
    assert retried(player) == []
    for n in Notification.objects.filter(pk__in=[f.pk for f in failed]):
        assert n.status == Notification.Status.SKIPPED, (n.to_address, n.error)


@pytest.mark.parametrize("kind", list(MAKERS))
def test_s43g_control_unchanged_the_retry_is_sent(player: Player, kind: str) -> None:
    mode = "digest" if kind == "digest" else "immediate"
    with_address(player, mode)
    failed = queued(player, lambda: MAKERS[kind](player))
    assert retried(player) == sorted(n.to_address for n in failed)


def test_s43g_a_digest_keeps_the_domains_still_monitored(player: Player) -> None:
    # Digest about two domains; control of one is lost before the retry: the digest goes,
    # naming only the other.
    def make() -> None:
        olga = player.users["olga"]
        for name in (SHOP, BLOG):
            AlertSetting.set_mode(olga, player.domains[name], AlertSetting.Mode.DIGEST)
            player.regression(name, RPT_GONE)
        player.clock = player.clock.replace(hour=7, minute=5)
        send_digests.apply()

    queued(player, make)
    lose_control(player, SHOP)
    assert "olga@acme.test" in retried(player)
    body = next(m.body for m in mail.outbox if m.to == ["olga@acme.test"])
    assert BLOG in body
    assert SHOP not in body


def test_s43g_a_weekly_summary_leaves_out_a_domain_lost_since_it_was_made(
    player: Player,
) -> None:
    def make() -> None:
        for name in (SHOP, BLOG):
            player.baseline(name)
        player.step("weekly_monday")

    queued(player, make)
    lose_control(player, SHOP)
    assert "olga@acme.test" in retried(player)
    body = next(m.body for m in mail.outbox if m.to == ["olga@acme.test"])
    assert BLOG in body
    assert SHOP not in body


def test_s43g_a_member_removed_gets_nothing_queued_before(player: Player) -> None:
    queued(player, lambda: alert(player))
    Membership.objects.filter(user=player.users["mike"]).delete()
    assert "mike@acme.test" not in retried(player)
