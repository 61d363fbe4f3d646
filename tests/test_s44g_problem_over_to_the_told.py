"""Every hosting "problem over" email goes to those told of the problem (task s44g).

s43f (a certificate renewed or valid again) and s44b (the MX records back after a null MX or
NXDOMAIN) sent the end of a problem to those its notice went to who still hear about the
domain, not to one who joined the team since: the fix of a problem never told to them. The
other ends the MX sync tells still went to whoever hears at the time. Each row below brings a
hosted policy into a problem (told to alice and bob), then bob leaves the team and dave joins,
then the problem ends: its end goes to alice alone (bob no longer hears about the domain, and
dave was never told of the problem).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any
from unittest import mock

import pytest
from django.contrib.auth.models import User
from django.core import mail

from mailsec.accounts.models import Membership, Team
from mailsec.domains.models import Domain
from mailsec.hosting import lookups, service
from mailsec.hosting.models import HostedPolicy
from tests.test_hosting import T0

MX1 = ["mx1.example.org"]
MX12 = ["mx1.example.org", "mx2.example.org"]
HOST = "mta-sts.example.org"

# (hours after hosting began, what the DNS answers from then on), one sync each.
Steps = list[tuple[float, dict[str, Any]]]


@contextmanager
def answers(state: dict[str, Any]) -> Iterator[None]:
    """The DNS facts a sync reads, from `state` (changed between syncs): the MX answer (hosts,
    a failed lookup, NXDOMAIN, a null MX beside the hosts), where mta-sts.<name> leads, and
    our own resolver answering (so a day of failed MX lookups is told)."""

    async def live_mx(dns: object, domain: str) -> lookups.MxLookup:
        if state["failed"]:
            return lookups.MxLookup([], failed=True, detail="SERVFAIL for example.org MX")
        if state["nxdomain"]:
            return lookups.MxLookup([], nxdomain=True, detail="NXDOMAIN for example.org MX")
        return lookups.MxLookup(sorted(state["mx"]), null_beside=state["null_beside"])

    async def points_at_us(dns: object, name: str) -> tuple[bool, str]:
        where = state["leads"]
        words = f"{HOST} is a CNAME to " + (
            "our policy host" if where == "ours" else "other.example"
        )
        return where == "ours", lookups.Leads(words, where)

    async def sts_record(dns: object, domain: str, policy_id: str, zone: str) -> Any:
        return lookups.RecordState("cname", "stub cname")

    async def resolver_answers(dns: object) -> bool:
        return True

    with (
        mock.patch.object(lookups, "live_mx", live_mx),
        mock.patch.object(lookups, "points_at_us", points_at_us),
        mock.patch.object(lookups, "sts_record", sts_record),
        mock.patch.object(lookups, "resolver_answers", resolver_answers),
    ):
        yield


PAIRS = [
    pytest.param(
        [(1, {"failed": True}), (25.5, {})],  # no MX lookup answered for a day: mx-failing
        [(26, {"failed": False})],
        "answer again",  # mx-answering
        id="mx-failing-then-answering",
    ),
    pytest.param(
        # mx2 added, gone, back: a second return within 12 hours is a flap (mx-flapping).
        [(1, {"mx": MX12}), (2, {"mx": MX1}), (3, {"mx": MX12})],
        [(15.5, {})],
        "agree again",  # mx-stable: one answer has held 12 hours
        id="mx-flapping-then-stable",
    ),
    pytest.param(
        [(1, {"nxdomain": True})],  # mx-unusable (s44b's pair, the rule's first)
        [(2, {"nxdomain": False})],
        "are back",  # mx-recovered
        id="mx-unusable-then-recovered",
    ),
    pytest.param(
        [(1, {"null_beside": True})],  # mx-null-mixed: MX 0 . beside mx1
        [(2, {"null_beside": False})],
        "no longer publishes a null MX",  # mx-null-mixed, its end
        id="null-mx-beside-then-gone",
    ),
    pytest.param(
        [(0.5, {}), (1, {"leads": "elsewhere"})],  # policy-host: no longer leads to us
        [(2, {"leads": "ours"})],
        "leads to us again",  # policy-host, its end
        id="policy-host-elsewhere-then-ours",
    ),
    pytest.param(
        # Left, back, left again within 12 hours: the name servers disagree (told once).
        [
            (0.5, {}),
            (1, {"leads": "elsewhere"}),
            (2, {"leads": "ours"}),
            (3, {"leads": "elsewhere"}),
        ],
        [(4, {"leads": "ours"}), (16.5, {})],
        "one answer for 12 hours",  # policy-host: leads to us, held 12 hours
        id="policy-host-flap-then-settled",
    ),
]


def run_steps(policy: HostedPolicy, state: dict[str, Any], steps: Steps) -> None:
    for hours, change in steps:
        state.update(change)
        service.sync(policy, now=T0 + timedelta(hours=hours))
        policy.refresh_from_db()


@pytest.mark.django_db
@pytest.mark.parametrize(("problem", "end", "words"), PAIRS)
def test_s44g_a_problems_end_goes_to_those_told_who_still_hear(
    problem: Steps, end: Steps, words: str
) -> None:
    alice = User.objects.create_user("alice", "alice@example.org")
    bob = User.objects.create_user("bob", "bob@example.org")
    team = Team.create_for(alice)
    Membership.objects.create(team=team, user=bob, role=Membership.Role.MEMBER)
    domain = Domain.objects.create(team=team, name="example.org", verified_at=T0)
    state: dict[str, Any] = {
        "mx": MX1,
        "failed": False,
        "nxdomain": False,
        "null_beside": False,
        "leads": "ours",
    }
    with answers(state):
        policy = service.enable(domain, now=T0)
        *before, last = problem
        run_steps(policy, state, before)
        mail.outbox.clear()
        run_steps(policy, state, [last])
        # The problem's notice, to both members.
        told = sorted(m.to[0] for m in mail.outbox)
        assert told == ["alice@example.org", "bob@example.org"], told
        Membership.objects.filter(user=bob).delete()
        dave = User.objects.create_user("dave", "dave@example.org")
        Membership.objects.create(team=team, user=dave, role=Membership.Role.MEMBER)
        mail.outbox.clear()
        run_steps(policy, state, end)
    got = [(m.to[0], " ".join(m.body.split())) for m in mail.outbox]
    ended = sorted(to for to, body in got if words in body)
    assert ended == ["alice@example.org"], got
