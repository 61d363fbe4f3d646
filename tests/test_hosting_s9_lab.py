"""Hosted MTA-STS for customers no fixture lists, walked end to end in the lab as a new
customer would: enable, publish what the page says, certificate on first request, and then MX
changes (six and more hosts, names in upper case with trailing dots, an MX that is a CNAME, a
move to a provider with a wildcard), a plain `_mta-sts` TXT instead of the CNAME, an
internationalised domain, and a safe disable. Each step checks what an RFC 8461 sender
concludes, with our own engine (checks.mtasts.get_policy) and postfix-mta-sts-resolver.

Scenarios: tests/lab/scenarios/s9h_*.toml (at rest nothing is published in our zone, so senders
see no MTA-STS); each test restores the records it changed. Fixtures come from
tests/test_hosting_lab.py (pebble, Caddy, Knot with our zone hostpol.lab.test).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from checks import mtasts
from checks.context import CheckContext
from mailsec.domains.models import Domain
from mailsec.hosting import service
from mailsec.hosting.models import HostedPolicy
from tests import test_hosting_lab as base
from tests.lab import acme
from tests.lab.control import Lab
from tests.test_engine_lab import lab_config
from tests.test_hosting_lab import POLICY_ZONE, enable_as_owner, https_get, run_oracle, zone_txt

# The lab-pointed settings and the customer factory of tests/test_hosting_lab.py.
hosting = base.hosting
customer = base.customer

pytestmark = pytest.mark.lab


SEVEN = "s9h-seven.lab.test"
PLAIN = "s9h-plain.lab.test"
IDN = "xn--s9h-bcher-u9a.lab.test"


@pytest.fixture
def restore(hosting: Lab) -> Iterator[Callable[[str, list[tuple[str, int, str, str]]], None]]:
    """Restore records a test replaced: `restore(zone, records)` at the end."""
    todo: list[tuple[str, list[tuple[str, int, str, str]]]] = []
    yield lambda zone, records: todo.append((zone, records))
    for zone, records in todo:
        hosting.update(zone, replace=records)
        hosting.flush(zone)


def ours(lab: Lab, edge: acme.Edge, domain: str) -> tuple[str, str, str | None, list[str]]:
    """What our engine concludes as a sender: (verdict, id, mode, mx patterns)."""

    async def go() -> mtasts.MtaStsState:
        config = replace(lab_config(lab), ca_bundle=str(edge.bundle), probe_cache_seconds=0)
        return await mtasts.get_policy(CheckContext(domain, config))

    lab.flush()
    state = asyncio.run(go())
    verdict = "VALID" if state.usable else state.record_status
    policy_id = state.record.id if state.record and state.record.id else ""
    return verdict, policy_id or "", state.mode, sorted(state.patterns)


def both(lab: Lab, edge: acme.Edge, domain: str, tmp_path: Path) -> tuple[Any, Any]:
    theirs = run_oracle(lab, edge, [domain], tmp_path)[domain]
    return ours(lab, edge, domain), theirs


def owner_client(domain: Domain) -> Client:
    client = Client()
    client.force_login(domain.team.memberships.get().user)
    return client


def agree(lab: Lab, edge: acme.Edge, domain: str, tmp_path: Path) -> tuple[str, str, list[str]]:
    """Our engine and postfix-mta-sts-resolver, as senders: both must find a valid policy and
    agree on id, mode and mx. Returns (id, mode, mx)."""
    (verdict, policy_id, mode, mx), theirs = both(lab, edge, domain, tmp_path)
    assert verdict == "VALID" and theirs[0] == "VALID", (verdict, theirs)
    assert theirs[1] == policy_id and theirs[2]["mode"] == mode, (policy_id, mode, theirs)
    assert sorted(theirs[2]["mx"]) == mx, (mx, theirs)
    assert mode is not None
    return policy_id, mode, mx


def served(lab: Lab, edge: acme.Edge, domain: str, policy: HostedPolicy) -> None:
    """What https://mta-sts.<domain>/.well-known/mta-sts.txt gives a sender: the stored text,
    byte for byte, as text/plain."""
    policy.refresh_from_db()
    status, headers, body, cert = https_get(lab, edge, f"mta-sts.{domain}")
    assert status == 200 and headers["content-type"] == "text/plain"
    assert (
        body == policy.text.encode() and b"\r\n" in body and b"\n" not in body.replace(b"\r\n", b"")
    )
    assert ("DNS", f"mta-sts.{domain}") in cert["subjectAltName"]
    assert zone_txt(lab, domain) == [f"v=STSv1; id={policy.policy_id};"]


@pytest.mark.django_db(transaction=True)
def test_seven_mx_odd_names_and_a_move_to_a_wildcard_provider(
    customer: Callable[[str], Domain],
    edge: acme.Edge,
    hosting: Lab,
    restore: Any,
    tmp_path: Path,
) -> None:
    name = SEVEN
    restore(name, [("@", 300, "MX", "10 mx1")])
    domain = customer(name)
    policy = enable_as_owner(domain)
    served(hosting, edge, name, policy)
    assert agree(hosting, edge, name, tmp_path) == (policy.policy_id, "testing", [f"mx1.{name}"])

    # six more MX: names typed in upper case, with and without the trailing dot, one an alias
    hosting.update(
        name,
        add=[
            ("@", 300, "MX", f"20 MX2.{name.upper()}."),
            ("@", 300, "MX", "30 Mx3"),
            *[("@", 300, "MX", f"{10 * i} mx{i}") for i in (4, 5, 6, 7)],
            ("@", 300, "MX", "80 alias"),
        ],
    )
    hosting.flush(name)
    mail.outbox.clear()
    t0 = policy.last_sync_at + timedelta(minutes=5)
    assert service.sync(policy, now=t0)
    served(hosting, edge, name, policy)
    hosts = sorted([f"alias.{name}"] + [f"mx{i}.{name}" for i in range(1, 8)])
    assert agree(hosting, edge, name, tmp_path) == (policy.policy_id, "testing", hosts)
    assert len(mail.outbox) == 1  # one email for the whole sync, naming every new host
    assert all(h in mail.outbox[0].body for h in hosts if h != f"mx1.{name}")

    # mail moves to a provider: its host joins at once, every old one stays until max_age
    hosting.update(name, replace=[("@", 300, "MX", "10 s9h.mx.provider.test.")])
    hosting.flush(name)
    t1 = t0 + timedelta(minutes=5)
    assert service.sync(policy, now=t1)
    served(hosting, edge, name, policy)
    assert agree(hosting, edge, name, tmp_path)[2] == sorted([*hosts, "s9h.mx.provider.test"])
    client = owner_client(domain)
    page = client.get(reverse("hosting:page", args=[domain.code])).content.decode()
    assert "<code>*.mx.provider.test</code> (Lab provider, covers s9h.mx.provider.test)" in page
    assert not service.sync(policy, now=t1 + timedelta(seconds=policy.max_age - 60))
    assert service.sync(policy, now=t1 + timedelta(seconds=policy.max_age + 60))
    served(hosting, edge, name, policy)
    assert agree(hosting, edge, name, tmp_path)[2] == ["s9h.mx.provider.test"]


@pytest.mark.django_db(transaction=True)
def test_a_plain_txt_customer_is_told_the_record_with_each_new_id(
    customer: Callable[[str], Domain],
    edge: acme.Edge,
    hosting: Lab,
    restore: Any,
    tmp_path: Path,
) -> None:
    name = PLAIN
    restore(name, [("@", 300, "MX", "10 mx1")])
    domain = customer(name)
    policy = enable_as_owner(domain)
    page = owner_client(domain).get(reverse("hosting:page", args=[domain.code])).content.decode()
    value = f"v=STSv1; id={policy.policy_id};"
    assert f"or a plain TXT: <code>{value}</code>" in page
    try:
        hosting.update(name, replace=[("_mta-sts", 300, "TXT", f'"{value}"')])
        hosting.flush(name)
        assert agree(hosting, edge, name, tmp_path) == (
            policy.policy_id,
            "testing",
            [f"mx1.{name}"],
        )
        t0 = policy.last_sync_at + timedelta(minutes=5)
        assert not service.sync(policy, now=t0)
        assert policy.record_state == "txt"

        hosting.update(name, replace=[("@", 300, "MX", "10 mx2")])
        hosting.flush(name)
        mail.outbox.clear()
        assert service.sync(policy, now=t0 + timedelta(minutes=5))
        policy.refresh_from_db()
        # a sender holding the policy keeps it: the record still names the first id
        (_, old_id, _, _), theirs = both(hosting, edge, name, tmp_path)
        assert old_id == theirs[1] != policy.policy_id
        # and the owner is told, in this sync's one email, what to publish
        record = f'_mta-sts.{name} TXT "v=STSv1; id={policy.policy_id};"'
        assert len(mail.outbox) == 1 and record in mail.outbox[0].body
        assert f"New MX mx2.{name}" in mail.outbox[0].body

        hosting.update(
            name, replace=[("_mta-sts", 300, "TXT", f'"v=STSv1; id={policy.policy_id};"')]
        )
        hosting.flush(name)
        assert agree(hosting, edge, name, tmp_path) == (
            policy.policy_id,
            "testing",
            [f"mx1.{name}", f"mx2.{name}"],
        )
        mail.outbox.clear()
        assert not service.sync(policy, now=t0 + timedelta(minutes=10))
        policy.refresh_from_db()
        assert policy.record_state == "txt" and mail.outbox == []
    finally:
        hosting.update(name, delete=[("_mta-sts",)])
        hosting.flush(name)


@pytest.mark.django_db(transaction=True)
def test_an_idn_domain_is_hosted_in_a_labels_and_winds_down_in_mode_none(
    customer: Callable[[str], Domain], edge: acme.Edge, hosting: Lab, tmp_path: Path
) -> None:
    domain = customer(IDN)
    assert domain.display_name == "s9h-bücher.lab.test"
    policy = enable_as_owner(domain)
    served(hosting, edge, IDN, policy)
    assert agree(hosting, edge, IDN, tmp_path) == (policy.policy_id, "testing", [f"mx1.{IDN}"])
    client = owner_client(domain)
    page = client.get(reverse("hosting:page", args=[domain.code])).content.decode()
    assert f'<code id="record-value-2">{IDN}.{POLICY_ZONE}</code>' in page

    client.post(reverse("hosting:disable", args=[domain.code]))
    policy.refresh_from_db()
    assert policy.state == HostedPolicy.State.DISABLING
    served(hosting, edge, IDN, policy)
    assert agree(hosting, edge, IDN, tmp_path) == (policy.policy_id, "none", [f"mx1.{IDN}"])
    assert policy.release_at is not None
    service.sync(policy, now=policy.release_at - timedelta(seconds=60))
    policy.refresh_from_db()
    assert policy.state == HostedPolicy.State.DISABLING
    service.sync(policy, now=policy.release_at + timedelta(seconds=1))
    policy.refresh_from_db()
    assert policy.state == HostedPolicy.State.OFF
    assert zone_txt(hosting, IDN) == []
    assert run_oracle(hosting, edge, [IDN], tmp_path)[IDN][0] == "NONE"


@pytest.mark.django_db(transaction=True)
def test_a_domain_that_loses_control_keeps_mode_none_served_until_enforce_copies_expire(
    customer: Callable[[str], Domain],
    edge: acme.Edge,
    hosting: Lab,
    live_server: Any,
    tmp_path: Path,
) -> None:
    from django.db import transaction
    from django.utils import timezone

    domain = customer(SEVEN)
    policy = enable_as_owner(domain)
    service.set_mode(policy, HostedPolicy.Mode.ENFORCE)
    assert agree(hosting, edge, SEVEN, tmp_path)[1] == "enforce"
    now = timezone.now()
    with transaction.atomic():
        until = service.lose_control(domain, now)
        Domain.objects.filter(pk=domain.pk).update(verified_at=None)
    policy = HostedPolicy.objects.get(name=SEVEN)
    assert policy.domain is None and until is not None
    assert until >= now + timedelta(seconds=policy.max_age)
    served(hosting, edge, SEVEN, policy)
    assert agree(hosting, edge, SEVEN, tmp_path) == (policy.policy_id, "none", [f"mx1.{SEVEN}"])
    assert base.ask_as_caddy(live_server, f"mta-sts.{SEVEN}") == 200  # the certificate renews
    service.sync(policy, now=until + timedelta(seconds=1))
    assert not HostedPolicy.objects.filter(name=SEVEN).exists()
    assert zone_txt(hosting, SEVEN) == []
    assert run_oracle(hosting, edge, [SEVEN], tmp_path)[SEVEN][0] == "NONE"
