"""The hosting presses (Host MTA-STS and Keep hosting, Compare with MX now) wait for their
lookups inside the web request, which gunicorn kills at 30 s, while MAILSEC_CHECK_TIMEOUT may
be set to anything: all of a press's lookups end within service.HOSTING_WEB_BUDGET, each
getting what is left (lookups.PressClient), as a press of Verify does. Before, each got the
whole timeout: at MAILSEC_CHECK_TIMEOUT=20 the other team's challenge and the MX records
answered in 6 s each and a silent address lookup held Host MTA-STS 32.6 s, past the kill, and
Compare with MX now 26 s. A press that runs out says it could not look up and changes nothing.
The background sync keeps the engine's timeout for each lookup.

The stand-in resolver is tests/test_dns_s9_server's (UDP and TCP on one 127.0.0.1 port); the
budget is shrunk here so the tests take seconds, with the timeout twice the budget."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from unittest import mock

import dns.message
import dns.rdatatype
import pytest
from django.contrib.auth.models import User
from django.contrib.messages import get_messages
from django.test import Client
from django.utils import timezone

from mailsec.domains.models import VERIFY_MIN_LOOKUP, Domain
from mailsec.hosting import service
from mailsec.hosting.models import HostedPolicy
from mailsec.hosting.zone import PolicyZone
from tests.test_dns_s9_server import Handler, Reply, answer, fake_dns, records
from tests.test_web_s10_verify import person, private_cache

__all__ = ["private_cache"]  # a fixture used by name

BUDGET = 3.0
TIMEOUT = 6  # MAILSEC_CHECK_TIMEOUT; a press's first lookup gets 3 s of it, a try a third of that
SLACK = 2.0  # saving, the redirect, the test client
NAME = "shared.example"


@pytest.fixture
def small_budget() -> Iterator[None]:
    # create=True: without the budget the presses run as before, and the timings say so.
    with mock.patch.object(service, "HOSTING_WEB_BUDGET", BUDGET, create=True):
        yield


@pytest.fixture
def stand_in() -> Iterator[Callable[[Handler], None]]:
    """`stand_in(handler)` starts a resolver answering from `handler` as the engine's, with
    the timeout twice the press's budget; it stops after the test."""
    with ExitStack() as stack:

        def start(handler: Handler) -> None:
            server = stack.enter_context(fake_dns(handler))
            env = {
                "MAILSEC_RESOLVER": f"127.0.0.1:{server.port}",
                "MAILSEC_CHECK_TIMEOUT": str(TIMEOUT),
            }
            stack.enter_context(mock.patch.dict(os.environ, env))

        yield start


def asked(query: dns.message.Message) -> tuple[str, str]:
    question = query.question[0]
    return question.name.to_text().rstrip("."), dns.rdatatype.to_text(question.rdtype)


def after_a_silent_try(query: dns.message.Message, transport: str, *rrsets: object) -> Reply | None:
    """The answer over TCP, 0.5 s after the UDP try (a third of the press's 3 s) got nothing:
    1.5 s into the lookup, leaving less than VERIFY_MIN_LOOKUP of the budget."""
    if transport != "tcp":
        return None
    return Reply(answer(query, *rrsets), delay=0.5)  # type: ignore[arg-type]


def mx_record() -> object:
    return records(f"{NAME}. 300 MX 10 mx1.{NAME}.")


def hosted(domain: Domain) -> HostedPolicy:
    """`domain` hosted, following mx1.shared.example."""
    policy = HostedPolicy.objects.create(domain=domain, name=NAME, mx_live=[f"mx1.{NAME}"])
    policy.refresh_text(timezone.now())
    policy.save()
    return policy


def press(user: User, domain: Domain, action: str) -> tuple[float, list[str]]:
    """POST a hosting button of `domain` as `user`: the seconds it took, the page's banners."""
    client = Client()
    client.force_login(user)
    start = time.monotonic()
    response = client.post(f"/hosting/{domain.code}/{action}/")
    took = time.monotonic() - start
    assert response.status_code == 302
    return took, [str(m) for m in get_messages(response.wsgi_request)]


def contested() -> tuple[User, Domain, Domain]:
    """Alice's verified shared.example, and charlie's, hosted (mode none served, never
    testing/enforce: it goes at once when charlie's team loses control)."""
    user, team = person("alice")
    _, other_team = person("charlie")
    now = timezone.now()
    theirs = Domain.objects.create(team=other_team, name=NAME, verified_at=now)
    HostedPolicy.objects.create(domain=theirs, name=NAME, text="x", policy_id="theirs")
    mine = Domain.objects.create(team=team, name=NAME, verified_at=now)
    return user, mine, theirs


def test_the_budget_leaves_time_for_our_zone_before_gunicorn_kills_the_request() -> None:
    """Room for our zone's UPDATE after the lookups, then saving and the redirect."""
    unit = Path(__file__).parent.parent / "deploy/systemd/mailsec-web.service"
    kill = re.search(r"--timeout (\d+)", unit.read_text())
    assert kill is not None
    assert int(kill[1]) - 5 >= service.HOSTING_WEB_BUDGET + PolicyZone.timeout


@pytest.mark.django_db(transaction=True)
def test_host_mta_sts_with_a_silent_resolver_answers_within_its_budget(
    private_cache: None, small_budget: None, stand_in: Callable[[Handler], None]
) -> None:
    stand_in(lambda query, transport: None)  # never answers, over UDP or TCP
    user, team = person("alice")
    domain = Domain.objects.create(team=team, name="alice.example", verified_at=timezone.now())
    took, said = press(user, domain, "enable")
    assert took < BUDGET + SLACK, f"the press took {took:.1f} s"
    assert len(said) == 1
    assert said[0].startswith("Could not look up the MX records (TIMEOUT for alice.example MX")
    assert said[0].endswith("Try again.")
    assert not HostedPolicy.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_mx_lookup_gets_what_the_challenge_left_and_refuses_unasked(
    private_cache: None, small_budget: None, stand_in: Callable[[Handler], None]
) -> None:
    """The other team's challenge is answered after 1.5 s without its value (it loses the
    name), the MX records never: with 1.5 s left they are not asked, and the press says it
    could not look them up, hosting nothing. Before, the MX lookup took another whole
    timeout."""
    user, mine, theirs = contested()

    def handler(query: dns.message.Message, transport: str) -> Reply | None:
        name, rdtype = asked(query)
        if name == mine.challenge_name:
            txt = records(f'{name}. 300 TXT "{mine.challenge_value}"')
            return after_a_silent_try(query, transport, txt)
        return None

    stand_in(handler)
    took, said = press(user, mine, "enable")
    assert took < BUDGET + SLACK, f"the press took {took:.1f} s"
    assert said == [
        f"Could not look up the MX records (TIMEOUT for {NAME} MX (the press ran out of time "
        "before asking)). Try again."
    ]
    assert not HostedPolicy.objects.filter(domain=mine).exists()
    theirs.refresh_from_db()
    assert theirs.verified_at is None  # the challenge's answer settled that much


@pytest.mark.django_db(transaction=True)
def test_the_address_lookups_get_what_the_mx_lookup_left(
    private_cache: None, small_budget: None, stand_in: Callable[[Handler], None]
) -> None:
    """The challenge is answered at once (the other team's value gone), the MX records after
    1.5 s, the MX host's addresses never: hosting starts without waiting for them. Before,
    they took another whole timeout after the MX lookup's."""
    user, mine, _ = contested()

    def handler(query: dns.message.Message, transport: str) -> Reply | None:
        name, rdtype = asked(query)
        if name == mine.challenge_name:
            return Reply(answer(query, records(f'{name}. 300 TXT "{mine.challenge_value}"')))
        if (name, rdtype) == (NAME, "MX"):
            return after_a_silent_try(query, transport, mx_record())
        return None

    stand_in(handler)
    took, said = press(user, mine, "enable")
    assert took < BUDGET + SLACK, f"the press took {took:.1f} s"
    assert said == ["Hosting is on. Publish the records below."]
    policy = HostedPolicy.objects.get(name=NAME)
    assert policy.domain == mine and policy.mx_live == [f"mx1.{NAME}"]


@pytest.mark.django_db(transaction=True)
def test_compare_with_mx_now_answers_within_its_budget(
    private_cache: None, small_budget: None, stand_in: Callable[[Handler], None]
) -> None:
    """The MX records answer after 1.5 s, the host's addresses and the _mta-sts record
    never. Before, the addresses took another whole timeout after the MX lookup's."""
    user, team = person("alice")
    domain = Domain.objects.create(team=team, name=NAME, verified_at=timezone.now())
    policy = hosted(domain)
    text = policy.text

    def handler(query: dns.message.Message, transport: str) -> Reply | None:
        if asked(query) == (NAME, "MX"):
            return after_a_silent_try(query, transport, mx_record())
        return None

    stand_in(handler)
    took, said = press(user, domain, "sync")
    assert took < BUDGET + SLACK, f"the press took {took:.1f} s"
    assert said == ["The policy follows your MX: nothing to change."]
    policy.refresh_from_db()
    assert policy.text == text and policy.mx_live == [f"mx1.{NAME}"]
    assert policy.last_sync_error == ""


@pytest.mark.django_db(transaction=True)
def test_the_background_sync_keeps_the_whole_timeout(
    small_budget: None, stand_in: Callable[[Handler], None]
) -> None:
    from mailsec.hosting.tasks import sync_all

    stand_in(lambda query, transport: None)
    _, team = person("alice")
    domain = Domain.objects.create(team=team, name=NAME, verified_at=timezone.now())
    hosted(domain)
    start = time.monotonic()
    assert sync_all() == 0
    took = time.monotonic() - start
    assert TIMEOUT - 0.5 < took < TIMEOUT + SLACK, f"the lookups took {took:.1f} s"
    assert HostedPolicy.objects.get().last_sync_error.startswith("MX lookup failed")
    assert VERIFY_MIN_LOOKUP < BUDGET  # the tests' 1.5 s left is too little, 3 s is not


@pytest.mark.django_db(transaction=True)
def test_the_records_panel_answers_within_the_budget(
    private_cache: None, small_budget: None, stand_in: Callable[[Handler], None]
) -> None:
    """The records panel (a GET, killed at 30 s as any request) looks up the policy host, its
    addresses, _mta-sts and _smtp._tls: the policy host's CNAME answers after 1.5 s, nothing
    else ever. Before, the address lookups after it had a whole timeout of their own."""
    user, team = person("alice")
    domain = Domain.objects.create(team=team, name=NAME, verified_at=timezone.now())
    hosted(domain)

    def handler(query: dns.message.Message, transport: str) -> Reply | None:
        if asked(query)[0] == f"mta-sts.{NAME}":
            return after_a_silent_try(
                query, transport, records(f"mta-sts.{NAME}. 300 CNAME policy.elsewhere.example.")
            )
        return None

    stand_in(handler)
    client = Client()
    client.force_login(user)
    start = time.monotonic()
    response = client.get(f"/hosting/{domain.code}/records/")
    took = time.monotonic() - start
    assert response.status_code == 200
    assert took < BUDGET + SLACK, f"the panel took {took:.1f} s"
