"""Task s43g, item 4: other ways a re-check that could not check something cleared it.

An MX address past the run's probe limit (checks.starttls.MAX_PROBED_ADDRESSES: 12 (host,
address) pairs, in MX preference order and each host's addresses in the order DNS gave them,
which a resolver may rotate) is listed in SMTP-01's info finding ('not_probed') and asked
nothing. mx1's certificate expired at 2001:db8::1; a re-check that left 2001:db8::1 past the
limit and reached 192.0.2.1 (good) read the problem as gone ('gone at the re-check'), and a
confirmed one as fixed, as item 2's unreached address did (tests/test_s43g_address_unreached.py).
Real alert pipeline: checks.starttls findings (tests/test_alerts_s17_blind.result_for), the
SMTP-01 note as checks.starttls.evaluate writes it, AlertState.observe."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from unittest import mock

import pytest

from checks.findings import Finding, Mechanism, Status
from mailsec.alerts.models import UNTESTED, Change, Notification
from mailsec.alerts.tasks import observe_run
from mailsec.domains.models import CheckRun
from tests.test_alerts_s17_blind import result_for
from tests.test_alerts_s42u_blind import Player, player_fixture  # noqa: F401

pytestmark = pytest.mark.django_db

NAME = "shop.s42u.test"
HOST = f"mx1.{NAME}"
SMTP10 = f"finding:SMTP-10|{HOST}"
GOOD = {"mx": {"mx1": {"v4": "good", "v6": "good"}}}
BAD = {"mx": {"mx1": {"v4": "good", "v6": "expired"}}}
V4_ONLY = {"mx": {"mx1": {"v4": "good"}}}


def run(p: Player, world: dict[str, Any], kind: str, past_limit: bool = False) -> None:
    """One stored run; with `past_limit`, 2001:db8::1 was left past the probe limit."""
    p.clock += timedelta(minutes=11)
    result = result_for(NAME, world, p.clock)
    if past_limit:
        note = Finding(
            "SMTP-01",
            Status.INFO,
            Mechanism.SMTP,
            f"{NAME} lists 13 MX addresses; the first 12 in preference order were tested and "
            "1 were not (senders stop long before, and we limit connections to your servers).",
            NAME,
            {"not_probed": [f"{HOST} [2001:db8::1]"]},
        )
        result["findings"].append(note.to_dict())
    stored = CheckRun.objects.create(
        domain=p.domains[NAME],
        kind="confirm" if kind == "c" else "scheduled",
        status=CheckRun.Status.RUNNING,
        created=p.clock,
    )
    assert stored.finish(result)
    observe_run(stored)


def play(p: Player, runs: list[tuple[dict[str, Any], str, bool]]) -> None:
    with (
        mock.patch("django.utils.timezone.now", lambda: p.clock),
        mock.patch("mailsec.alerts.tasks.enqueue_send", lambda n: None),
    ):
        for world, kind, past in runs:
            run(p, world, kind, past)


def smtp10() -> Change:
    return Change.objects.filter(key=SMTP10).order_by("-pk").first()  # type: ignore[return-value]


START = [(GOOD, "s", False), (GOOD, "s", False), (BAD, "s", False)]


def test_s43g_a_recheck_leaving_the_address_unprobed_decides_nothing(player: Player) -> None:
    play(player, [*START, (V4_ONLY, "c", True)])
    assert smtp10().note == UNTESTED
    assert not Notification.objects.exists()


def test_s43g_a_told_problem_is_not_fixed_by_checks_leaving_its_address_unprobed(
    player: Player,
) -> None:
    play(player, [*START, (BAD, "c", False)])
    assert smtp10().state == Change.State.CONFIRMED
    player.clock += timedelta(hours=6)
    play(player, [(V4_ONLY, "s", True), (V4_ONLY, "c", True)])
    assert smtp10().state == Change.State.CONFIRMED
    assert smtp10().recovery_seen_at is None
    assert not Notification.objects.filter(kind=Notification.Kind.RECOVERY).exists()


def test_s43g_control_the_address_gone_from_the_dns_is_a_fix(player: Player) -> None:
    # 2001:db8::1 no longer published (not past any limit): mx1 is what 192.0.2.1 serves.
    play(player, [*START, (BAD, "c", False)])
    player.clock += timedelta(hours=6)
    play(player, [(V4_ONLY, "s", False), (V4_ONLY, "c", False)])
    assert smtp10().state == Change.State.RECOVERED


def test_s43g_an_expiry_on_a_host_left_wholly_unprobed_is_not_gone(player: Player) -> None:
    # mx1's only address, 2001:db8::1, serves a certificate 5 days from its end; the re-check
    # probed mx2 and left mx1 past the limit: no certificate of mx1 seen, none renewed.
    soon = f"expires:{(player.clock + timedelta(days=5)).isoformat()}"
    both = {"mx": {"mx1": {"v6": "good"}, "mx2": {"v4": "good"}}}
    expiring = {"mx": {"mx1": {"v6": soon}, "mx2": {"v4": "good"}}}
    play(player, [(both, "s", False), (both, "s", False), (expiring, "s", False)])
    suspected = Change.objects.get(kind="cert-expiry", state=Change.State.SUSPECTED)
    play(player, [({"mx": {"mx2": {"v4": "good"}}}, "c", True)])
    suspected.refresh_from_db()
    assert suspected.note == UNTESTED
