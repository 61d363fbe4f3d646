"""Task s42u: an email retried after its reader changed their main address goes to the address
they have now, not to the one they had when it was queued.

A Notification kept the address of its person when it was made (to_address) and every send
and retry went there. The mail server refusing the first try (retried after 1, 5, 15 and 60
minutes) while the person makes another address their main one and removes the old (a mailbox
they lost with a job, now someone else's) sent the alert, digest or weekly summary, with its
one-click unsubscribe link, to the removed address. Mail goes to the person's main address
(docs/webapp.md, Sign up and sign in, 5.: "when another address becomes the main one"), as
the blind round s42u's R18 found for a change made before the email was queued. A team's
extra address is the row's own address, unchanged."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from unittest import mock

import pytest
from allauth.account.models import EmailAddress
from django.core import mail

from mailsec.alerts.models import AlertSetting, Notification
from mailsec.alerts.tasks import send_digests, send_notification
from tests.test_alerts_s42u_blind import RPT_GONE, Player, player_fixture  # noqa: F401

pytestmark = pytest.mark.django_db

NEW = "mike.new@acme.test"
OLD = "mike@acme.test"


class Refused(Exception):
    """The mail server is down."""


def _queued(p: Player, make: Any) -> list[Notification]:
    """Make emails with the mail server refusing them: each one tried once and failed."""
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
    failed = list(Notification.objects.filter(user=p.users["mike"]))
    assert failed and {n.status for n in failed} == {Notification.Status.FAILED}
    assert {n.to_address for n in failed} == {OLD}
    return failed


def _move_to_new_address(p: Player) -> None:
    mike = p.users["mike"]
    EmailAddress.objects.create(user=mike, email=NEW, verified=True).set_as_primary()
    EmailAddress.objects.filter(user=mike, email=OLD).delete()
    mike.refresh_from_db()
    assert mike.email == NEW


def _retried(p: Player, failed: list[Notification]) -> list[str]:
    p.clock += timedelta(minutes=2)
    mail.outbox = []
    with mock.patch("django.utils.timezone.now", lambda: p.clock):
        for n in failed:
            assert send_notification.apply(args=[str(n.code)]).get() == "sent"
    return [to for m in mail.outbox for to in m.to]


def test_s42u_a_retried_alert_goes_to_the_new_main_address(player: Player) -> None:
    failed = _queued(player, lambda: player.regression("shop.s42u.test"))
    _move_to_new_address(player)
    assert _retried(player, failed) == [NEW]
    # What the row says it was sent to (the alert settings' history of undelivered emails).
    assert {n.to_address for n in Notification.objects.filter(pk__in=[f.pk for f in failed])} == {
        NEW
    }


def test_s42u_a_retried_digest_goes_to_the_new_main_address(player: Player) -> None:
    def make() -> None:
        AlertSetting.set_mode(
            player.users["mike"], player.domains["shop.s42u.test"], AlertSetting.Mode.DIGEST
        )
        player.regression("shop.s42u.test")
        player.clock = player.clock.replace(hour=7, minute=5)
        send_digests.apply()

    failed = _queued(player, make)
    assert [n.kind for n in failed] == [Notification.Kind.DIGEST]
    _move_to_new_address(player)
    assert _retried(player, failed) == [NEW]


def test_s42u_a_retried_weekly_summary_goes_to_the_new_main_address(player: Player) -> None:
    failed = _queued(player, lambda: player.step("weekly_monday"))
    assert [n.kind for n in failed] == [Notification.Kind.WEEKLY]
    _move_to_new_address(player)
    assert _retried(player, failed) == [NEW]


def test_s42u_an_address_unchanged_keeps_its_mail(player: Player) -> None:
    # Control: nobody changed anything; the retry goes where the first try went.
    failed = _queued(player, lambda: player.regression("shop.s42u.test", RPT_GONE))
    assert _retried(player, failed) == [OLD]


@pytest.mark.parametrize("kind", ["alert", "digest"])
def test_s42u_a_retry_after_the_account_was_deactivated_sends_nothing(
    player: Player, kind: str
) -> None:
    # An administrator deactivated mike's account between the tries: queued now, his email
    # would not be made (alerts.models.recipients and the digest task take active accounts
    # only), so the retry does not send it either, as the weekly summary's did not.
    def make() -> None:
        if kind == "digest":
            AlertSetting.set_mode(
                player.users["mike"], player.domains["shop.s42u.test"], AlertSetting.Mode.DIGEST
            )
        player.regression("shop.s42u.test")
        if kind == "digest":
            player.clock = player.clock.replace(hour=7, minute=5)
            send_digests.apply()

    failed = _queued(player, make)
    type(player.users["mike"]).objects.filter(pk=player.users["mike"].pk).update(is_active=False)
    player.clock += timedelta(minutes=2)
    mail.outbox = []
    with mock.patch("django.utils.timezone.now", lambda: player.clock):
        for n in failed:
            assert send_notification.apply(args=[str(n.code)]).get() == "skipped"
    assert mail.outbox == []
    assert {n.error for n in Notification.objects.filter(pk__in=[f.pk for f in failed])} == {
        "the account was deactivated"
    }
