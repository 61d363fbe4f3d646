"""Pressing Verify looks the challenge TXT up inside the web request: one lookup at a time per
person, and a per-person allowance across domains, so a few accounts cannot hold every web
thread (each lookup may last a DNS timeout, plus the hint lookups)."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any
from unittest import mock

import dns.exception
import dns.message
import pytest
from django.contrib.auth.models import User
from django.contrib.messages import get_messages
from django.test import Client

from mailsec.accounts.models import Profile, Team
from mailsec.domains import views
from mailsec.domains.models import Domain
from tests.test_domains import stub_dns

LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
LOOKUP_SECONDS = 3


@pytest.fixture
def private_cache(settings: Any) -> None:
    # Rate limits and slots count in a private cache (and, without Redis, in the database),
    # never in the shared file cache of var/.
    settings.CACHES = LOCMEM


class SilentResolver:
    """The silent resolver's UDP socket, read to learn which names lookups have asked about."""

    def __init__(self, udp: socket.socket) -> None:
        self.udp = udp
        self.asked: set[str] = set()

    def wait_until_asked(self, *domains: str, within: float = 10.0) -> None:
        """Return once a query for each of `domains` (or a name below it) has arrived: the
        lookup that sent it is under way, and stalls from then on. A fixed sleep waited a whole
        second for what takes a few milliseconds, and could not tell if it had happened."""
        wanted = {d.lower().rstrip(".") for d in domains}
        deadline = time.monotonic() + within

        def seen(domain: str) -> bool:
            return any(n == domain or n.endswith("." + domain) for n in self.asked)

        while not all(seen(d) for d in wanted):
            left = deadline - time.monotonic()
            if left <= 0:
                pytest.fail(f"no query about {sorted(wanted)} within {within} s: {self.asked}")
            self.udp.settimeout(left)
            try:
                wire = self.udp.recv(65535)
            except TimeoutError:
                continue
            try:
                query = dns.message.from_wire(wire)
            except dns.exception.DNSException:
                continue
            self.asked.update(q.name.to_text().lower().rstrip(".") for q in query.question)


@pytest.fixture
def silent_resolver() -> Iterator[SilentResolver]:
    """A resolver that never answers: every lookup lasts the whole DNS timeout, as a
    challenge name whose servers stall would. Its `wait_until_asked` tells when lookups have
    reached it."""
    # TCP on the same port as UDP takes the connection (the kernel's backlog) and never
    # answers either: a refused connection would end the lookup early. The port UDP gets may
    # be taken for TCP (another test process): try another.
    for _ in range(50):
        udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        udp.bind(("127.0.0.1", 0))  # bound and silent
        port = udp.getsockname()[1]
        tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            tcp.bind(("127.0.0.1", port))
            break
        except OSError:
            udp.close()
            tcp.close()
    else:
        pytest.fail("no port free for both UDP and TCP", pytrace=False)
    tcp.listen(16)
    env = {"MAILSEC_RESOLVER": f"127.0.0.1:{port}", "MAILSEC_CHECK_TIMEOUT": str(LOOKUP_SECONDS)}
    with mock.patch.dict(os.environ, env):
        yield SilentResolver(udp)
    udp.close()
    tcp.close()


def person(name: str) -> tuple[User, Team]:
    user = User.objects.create_user(name, f"{name}@example.org")
    team = Team.create_for(user)
    Profile.objects.create(user=user, current_team=team)
    return user, team


def press(user: User, domain: Domain) -> tuple[float, list[str]]:
    """Press Verify as `user`: the seconds the request took and what the page then says of
    the press: its banners, and a failed lookup's error, which is said once, beside the
    record, not in a banner (4f92c64)."""
    client = Client()
    client.force_login(user)
    domain.refresh_from_db()
    looked_before = domain.verify_checked_at
    start = time.monotonic()
    response = client.post(f"/domains/{domain.code}/verify/")
    took = time.monotonic() - start
    assert response.status_code == 302
    said = [str(m) for m in get_messages(response.wsgi_request)]
    if Domain.objects.filter(pk=domain.pk).exists():
        domain.refresh_from_db()
        if domain.verify_checked_at != looked_before and domain.verify_error:
            said.append(domain.verify_error)
    return took, said


@pytest.mark.django_db(transaction=True)
def test_a_second_press_while_a_lookup_runs_is_refused_and_changes_nothing(
    private_cache: None, silent_resolver: SilentResolver
) -> None:
    alice, team = person("alice")
    first = Domain.objects.create(team=team, name="first.example")
    second = Domain.objects.create(team=team, name="second.example")
    running = threading.Thread(target=press, args=(alice, first))
    running.start()
    # the first press is inside its lookup (LOOKUP_SECONDS long)
    silent_resolver.wait_until_asked(first.challenge_name)
    try:
        took, said = press(alice, second)
    finally:
        running.join()
    assert took < 1, "the refused press waited for a lookup of its own"
    assert said == [views.VERIFY_REFUSED["running"]]
    second.refresh_from_db()
    assert second.verify_checked_at is None and second.verify_error == ""
    # The first press recorded its outcome ("could not check": the resolver never answered).
    first.refresh_from_db()
    assert "Our DNS lookup of" in first.verify_error
    # Once it is over the slot is free again.
    took, said = press(alice, second)
    second.refresh_from_db()
    assert second.verify_checked_at is not None
    assert said == [second.verify_error]


@pytest.mark.django_db(transaction=True)
def test_other_people_verify_at_the_same_time(
    private_cache: None, silent_resolver: SilentResolver, settings: Any
) -> None:
    # The per-person slot holds no one else up; the global cap (default 1) is not at issue.
    settings.MAILSEC_VERIFY_CONCURRENCY = 2
    alice, team = person("alice")
    dave, daves_team = person("dave")
    mine = Domain.objects.create(team=team, name="alice.example")
    his = Domain.objects.create(team=daves_team, name="dave.example")
    running = threading.Thread(target=press, args=(alice, mine))
    running.start()
    silent_resolver.wait_until_asked(mine.challenge_name)  # alice's press is in its lookup
    try:
        _, said = press(dave, his)
    finally:
        running.join()
    his.refresh_from_db()
    assert his.verify_checked_at is not None
    assert said == [his.verify_error]


@pytest.mark.django_db
def test_presses_across_domains_are_limited_per_person(private_cache: None) -> None:
    alice, team = person("alice")
    limit, period = views.VERIFY_USER_LIMIT
    # Fewer than the per-domain limit on each domain, more than the per-person one in all.
    domains = [
        Domain.objects.create(team=team, name=f"d{i}.example") for i in range(limit // 2 + 2)
    ]
    with stub_dns({}):
        for i in range(limit):
            _, said = press(alice, domains[i % len(domains)])
            assert said != [views.VERIFY_REFUSED["user"]]
        fresh = Domain.objects.create(team=team, name="fresh.example")
        _, said = press(alice, fresh)
    assert said == [views.VERIFY_REFUSED["user"]]
    fresh.refresh_from_db()
    assert fresh.verify_checked_at is None and fresh.verify_error == ""
    # A teammate has an allowance of their own.
    bob = User.objects.create_user("bob", "bob@example.org")
    team.memberships.create(user=bob)
    Profile.objects.create(user=bob, current_team=team)
    with stub_dns({}):
        _, said = press(bob, fresh)
    fresh.refresh_from_db()
    assert said == [fresh.verify_error] and fresh.verify_checked_at is not None
