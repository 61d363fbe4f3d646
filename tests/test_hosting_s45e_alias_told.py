"""The end of an MX alias goes to those told of it (task s45e item 1).

"The MX target ... is no longer an alias" (mx-alias, the end of an alias told before) went to
whoever heard about the domain then, while every other end of a problem goes to those told of
it who still hear (HostedPolicy.told_to, s44g; cert_warned_to, s43f). Whom each host's alias
notices went to is now kept in told_to ("mx-alias:<host>"), and its end goes to them: one who
joined since hears nothing of it, one who left nothing either. An alias told before that was
kept has its end told to whoever hears, as the other problems' (upgrading.md, hosting 0016).
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
from tests.test_s44g_problem_over_to_the_told import answers

HOUR = timedelta(hours=1)
MAIL = "mail.example.org"
MX2 = "mx2.example.org"
ENDED = "is no longer an alias"


@contextmanager
def dns(state: dict[str, Any]) -> Iterator[None]:
    """s44g's stub DNS, with the MX hosts that are aliases (state["aliases"])."""

    async def live_mx(dns: object, domain: str) -> lookups.MxLookup:
        if state["nxdomain"]:
            return lookups.MxLookup([], nxdomain=True, detail="NXDOMAIN for example.org MX")
        return lookups.MxLookup(sorted(state["mx"]), aliases=dict(state["aliases"]))

    with answers(state), mock.patch.object(lookups, "live_mx", live_mx):
        yield


def team() -> tuple[Domain, Team, User]:
    alice = User.objects.create_user("alice", "alice@example.org")
    bob = User.objects.create_user("bob", "bob@example.org")
    crew = Team.create_for(alice)
    Membership.objects.create(team=crew, user=bob, role=Membership.Role.MEMBER)
    return Domain.objects.create(team=crew, name="example.org", verified_at=T0), crew, bob


def start(aliased_at_start: bool) -> dict[str, Any]:
    return {
        "mx": ["mx1.example.org", MAIL],
        "aliases": {MAIL: "host7.provider.example"} if aliased_at_start else {},
        "failed": False,
        "nxdomain": False,
        "null_beside": False,
        "leads": "ours",
    }


def ends(outbox: list[Any], host: str = MAIL) -> list[str]:
    """Who got the end of `host`'s alias."""
    said = f"The MX target {host} {ENDED}"
    return sorted(m.to[0] for m in outbox if said in " ".join(m.body.split()))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("aliased_at_start", "kept"),
    [
        pytest.param(True, True, id="told-at-host-mta-sts"),
        pytest.param(False, True, id="told-by-a-sync"),
        # Told before whom it went to was kept (told_to has no entry): whoever hears.
        pytest.param(False, False, id="told-before-s45e"),
    ],
)
def test_s45e_an_aliass_end_goes_to_those_told_who_still_hear(
    aliased_at_start: bool, kept: bool
) -> None:
    domain, crew, bob = team()
    state = start(aliased_at_start)
    with dns(state):
        mail.outbox.clear()
        policy = service.enable(domain, now=T0)
        if not aliased_at_start:
            state["aliases"] = {MAIL: "host7.provider.example"}
            service.sync(policy, now=T0 + HOUR)
        told = sorted(m.to[0] for m in mail.outbox if "is an alias (CNAME)" in m.body)
        assert told == ["alice@example.org", "bob@example.org"], told
        if not kept:
            HostedPolicy.objects.filter(pk=policy.pk).update(told_to={})
        Membership.objects.filter(user=bob).delete()
        dave = User.objects.create_user("dave", "dave@example.org")
        Membership.objects.create(team=crew, user=dave, role=Membership.Role.MEMBER)
        mail.outbox.clear()
        state["aliases"] = {}
        service.sync(policy, now=T0 + 2 * HOUR)
    got = [(m.to[0], m.subject) for m in mail.outbox]
    if kept:
        # dave was never told of the alias: no email at all (nothing else changed).
        assert ends(mail.outbox) == ["alice@example.org"] and len(got) == 1, got
    else:
        assert ends(mail.outbox) == ["alice@example.org", "dave@example.org"], got
    policy.refresh_from_db()
    assert policy.mx_aliases == {}
    assert not [k for k in policy.told_to if k.startswith("mx-alias")], policy.told_to


@pytest.mark.django_db
def test_s45e_each_hosts_alias_ends_to_whom_that_host_was_told() -> None:
    """Two aliases told to different people end in one sync: each reader gets the ends of the
    aliases they were told of, and the host that left the MX is forgotten with its entry."""
    domain, crew, bob = team()
    state = start(True)
    with dns(state):
        policy = service.enable(domain, now=T0)  # mail.example.org: alice and bob
        Membership.objects.filter(user=bob).delete()
        dave = User.objects.create_user("dave", "dave@example.org")
        Membership.objects.create(team=crew, user=dave, role=Membership.Role.MEMBER)
        state["mx"] = [*state["mx"], MX2]
        state["aliases"] = {**state["aliases"], MX2: "host8.provider.example"}
        service.sync(policy, now=T0 + HOUR)  # mx2 joins as an alias: alice and dave
        mail.outbox.clear()
        state["aliases"] = {}
        service.sync(policy, now=T0 + 2 * HOUR)
    got = [(m.to[0], " ".join(m.body.split())) for m in mail.outbox]
    assert ends(mail.outbox) == ["alice@example.org"], got
    assert ends(mail.outbox, MX2) == ["alice@example.org", "dave@example.org"], got
    assert len(got) == 2, got  # one email each
    policy.refresh_from_db()
    assert not [k for k in policy.told_to if k.startswith("mx-alias")], policy.told_to
