"""Task s43g, item 2: a problem seen on one address of an MX host is neither confirmed nor
cleared by a check that did not reach that address, even when another address of the host
answered.

mx1 has two addresses (192.0.2.1 and 2001:db8::1). The certificate served at 2001:db8::1
expired (SMTP-10 fail, rolled up into STARTTLS and MTA-STS). A re-check that reaches only
192.0.2.1 (its certificate good) while 2001:db8::1 refuses the connection, is silent, or has
no route from the checker, did not see the certificate the problem is about. Before s43g the
host counted as answered (Snapshot.unreached reads the host as a whole), so the suspicion was
dismissed as "gone at the re-check" and a confirmed one was told "fixed". "Could not check" is
never a fix (docs/webapp.md, Alerts: what an earlier check saw on a host no address of which
answered is neither confirmed nor cleared). The real alert pipeline (AlertState.observe on
stored runs made by checks.starttls and checks.mtasts, tests/test_alerts_s17_blind.result_for)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from unittest import mock

import pytest

from mailsec.alerts.models import CAUSE_GONE, UNTESTED, Change, Notification
from tests.test_alerts_s42u_blind import Player, player_fixture  # noqa: F401

pytestmark = pytest.mark.django_db

NAME = "shop.s42u.test"
SMTP10 = "finding:SMTP-10|mx1.shop.s42u.test"


def world(v6: str, v4: str = "good") -> dict[str, Any]:
    return {"mx": {"mx1": {"v4": v4, "v6": v6}}}


def play(p: Player, runs: list[tuple[dict[str, Any], str]]) -> None:
    with (
        mock.patch("django.utils.timezone.now", lambda: p.clock),
        mock.patch("mailsec.alerts.tasks.enqueue_send", lambda n: None),
    ):
        for w, kind in runs:
            p.run(NAME, w, kind)


def change(key: str) -> Change:
    return Change.objects.filter(key=key).order_by("-pk").first()  # type: ignore[return-value]


GOOD = world("good")
BAD = world("expired")
UNREACHED = ["refused", "timeout", "no-route"]


@pytest.mark.parametrize("v6", UNREACHED)
def test_s43g_a_recheck_missing_the_address_does_not_dismiss_the_suspicion(
    player: Player, v6: str
) -> None:
    play(player, [(GOOD, "s"), (GOOD, "s"), (BAD, "s"), (world(v6), "c")])
    smtp10 = change(SMTP10)
    assert smtp10.state == Change.State.DISMISSED
    assert smtp10.note == UNTESTED  # not "gone at the re-check"
    # STARTTLS "now failing" is not held down "for a new reason" on the re-check's word.
    assert not Change.objects.filter(key="mechanism:smtp", note=CAUSE_GONE).exists()
    assert not Notification.objects.exists()


@pytest.mark.parametrize("v6", UNREACHED)
def test_s43g_seen_again_after_an_untested_recheck_it_is_told(player: Player, v6: str) -> None:
    # The next check sees it again; its re-check misses the address again: the two checks
    # that saw it confirm it (docs: "unable to test it again, the two checks that saw it").
    play(
        player,
        [(GOOD, "s"), (GOOD, "s"), (BAD, "s"), (world(v6), "c"), (BAD, "s"), (world(v6), "c")],
    )
    assert change(SMTP10).state == Change.State.CONFIRMED
    assert Notification.objects.filter(kind=Notification.Kind.ALERT).exists()


@pytest.mark.parametrize("v6", UNREACHED)
def test_s43g_a_told_problem_is_not_fixed_by_checks_missing_its_address(
    player: Player, v6: str
) -> None:
    play(player, [(GOOD, "s"), (GOOD, "s"), (BAD, "s"), (BAD, "c")])
    assert change(SMTP10).state == Change.State.CONFIRMED
    player.clock += timedelta(hours=6)
    play(player, [(world(v6), "s"), (world(v6), "c")])
    smtp10 = change(SMTP10)
    assert smtp10.state == Change.State.CONFIRMED
    assert smtp10.recovery_seen_at is None
    assert not Notification.objects.filter(kind=Notification.Kind.RECOVERY).exists()


def test_s43g_control_the_address_reached_with_a_renewed_certificate_is_a_fix(
    player: Player,
) -> None:
    play(player, [(GOOD, "s"), (GOOD, "s"), (BAD, "s"), (BAD, "c")])
    player.clock += timedelta(hours=6)
    play(player, [(GOOD, "s"), (GOOD, "c")])
    assert change(SMTP10).state == Change.State.RECOVERED
    assert Notification.objects.filter(kind=Notification.Kind.RECOVERY).exists()


def test_s43g_control_a_suspicion_seen_fixed_where_it_was_is_dismissed(player: Player) -> None:
    play(player, [(GOOD, "s"), (GOOD, "s"), (BAD, "s"), (GOOD, "c")])
    assert change(SMTP10).note == "gone at the re-check"


def test_s43g_control_the_fault_seen_on_the_reached_address_confirms(player: Player) -> None:
    # The other address unreached, but the one reached shows the host's fault: seen, told.
    play(player, [(GOOD, "s"), (GOOD, "s"), (BAD, "s"), (world("refused", v4="expired"), "c")])
    assert change(SMTP10).state == Change.State.CONFIRMED


def _expiring(player: Player) -> str:
    soon = (player.clock + timedelta(days=5)).isoformat()
    return f"expires:{soon}"


def test_s43g_an_expiry_seen_on_one_address_is_not_fixed_by_checks_missing_it(
    player: Player,
) -> None:
    # The certificate at 2001:db8::1 expires in 5 days (the 7-day warning); 192.0.2.1 serves
    # another, far from its end. Checks that reach only 192.0.2.1 did not see it renewed.
    soon = _expiring(player)
    play(player, [(GOOD, "s"), (GOOD, "s"), (world(soon), "s")])
    suspected = Change.objects.get(kind="cert-expiry", state=Change.State.SUSPECTED)
    play(player, [(world("refused"), "c")])
    suspected.refresh_from_db()
    assert suspected.note == UNTESTED
    play(player, [(world(soon), "s"), (world(soon), "c")])
    told = Change.objects.get(kind="cert-expiry", state=Change.State.CONFIRMED)
    player.clock += timedelta(hours=6)
    play(player, [(world("timeout"), "s"), (world("timeout"), "c")])
    told.refresh_from_db()
    assert told.state == Change.State.CONFIRMED
    assert told.recovery_seen_at is None
    # Control: reached again with a renewed certificate, it is fixed.
    player.clock += timedelta(hours=6)
    play(player, [(GOOD, "s"), (GOOD, "c")])
    told.refresh_from_db()
    assert told.state == Change.State.RECOVERED


@pytest.mark.parametrize("still", ["v4", "v6"])
def test_s43g_no_address_answering_is_fixed_once_one_answers(player: Player, still: str) -> None:
    # SMTP-01 fail (no MX address reached at all) is about reaching: once one address
    # answers, it is fixed, though the other still refuses (its own warning).
    refused = world("refused", v4="refused")
    play(player, [(GOOD, "s"), (GOOD, "s"), (refused, "s"), (refused, "c")])
    reach = change("finding:SMTP-01|mx1.shop.s42u.test")
    assert reach.state == Change.State.CONFIRMED
    player.clock += timedelta(hours=6)
    half = world("refused") if still == "v6" else world("good", v4="refused")
    play(player, [(half, "s"), (half, "c")])
    reach.refresh_from_db()
    assert reach.state == Change.State.RECOVERED
