"""A press of Verify waits for its lookups inside the web request, which gunicorn kills at 30 s,
while MAILSEC_CHECK_TIMEOUT may be set to anything: the challenge lookup, the hint lookups and
the rivals' re-checks of a domain newly verified (which read the press's answer) all end
within VERIFY_WEB_BUDGET (mailsec/domains/models.py). Before, each got the whole timeout: at
MAILSEC_CHECK_TIMEOUT=20 a challenge answered slowly and hint names that never answer held the
press 33 s, past the kill. The background task (verify_pending) keeps the engine's timeout per
lookup.

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
import dns.rcode
import dns.rrset
import pytest

from mailsec.domains import models
from mailsec.domains.models import Domain
from tests.test_dns_s9_server import Handler, Reply, answer, fake_dns, records
from tests.test_web_s10_verify import person, press, private_cache

__all__ = ["private_cache"]  # a fixture used by name

BUDGET = 3.0
TIMEOUT = 6  # MAILSEC_CHECK_TIMEOUT; a press's lookup gets 3 s of it, a try a third of that
SLACK = 2.0  # saving, the redirect, the test client


@pytest.fixture
def small_budget() -> Iterator[None]:
    with mock.patch.object(models, "VERIFY_WEB_BUDGET", BUDGET):
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


def challenge_of(query: dns.message.Message, domain: Domain) -> bool:
    return query.question[0].name.to_text().rstrip(".") == domain.challenge_name


def test_the_budget_leaves_time_before_gunicorn_kills_the_request() -> None:
    """Room for the last lookup's slack, saving and the redirect."""
    unit = Path(__file__).parent.parent / "deploy/systemd/mailsec-web.service"
    kill = re.search(r"--timeout (\d+)", unit.read_text())
    assert kill is not None
    assert int(kill[1]) - 5 >= models.VERIFY_WEB_BUDGET + models.VERIFY_MIN_LOOKUP


@pytest.mark.django_db(transaction=True)
def test_a_silent_resolver_answers_the_press_within_its_budget(
    private_cache: None, small_budget: None, stand_in: Callable[[Handler], None]
) -> None:
    stand_in(lambda query, transport: None)  # never answers, over UDP or TCP
    user, team = person("alice")
    domain = Domain.objects.create(team=team, name="alice.example")
    took, said = press(user, domain)
    assert took < BUDGET + SLACK, f"the press took {took:.1f} s"
    assert len(said) == 1
    assert said[0].startswith(f"Our DNS lookup of {domain.challenge_name} got no answer in time")
    assert said[0].endswith("press Verify in a minute.")


@pytest.mark.django_db(transaction=True)
def test_hints_are_skipped_when_too_little_is_left(
    private_cache: None, small_budget: None, stand_in: Callable[[Handler], None]
) -> None:
    """The challenge is answered (no such name) after 1.5 s, the names the hints look at never:
    no hint lookup is started with 1.5 s left, and the press says what it knows."""
    user, team = person("alice")
    domain = Domain.objects.create(team=team, name="alice.example")

    def handler(query: dns.message.Message, transport: str) -> Reply | None:
        if challenge_of(query, domain) and transport == "tcp":
            # The UDP try (a third of the 3 s left) gets nothing, the TCP one its answer
            # after 0.5 s: 1.5 s are left, too few for the hints.
            return Reply(answer(query, rcode=dns.rcode.NXDOMAIN), delay=0.5)
        return None

    stand_in(handler)
    took, said = press(user, domain)
    assert took < BUDGET + SLACK, f"the press took {took:.1f} s"
    assert said == [f"No TXT record found at {domain.challenge_name} yet."]


@pytest.mark.django_db(transaction=True)
def test_hint_lookups_get_what_is_left(
    private_cache: None, small_budget: None, stand_in: Callable[[Handler], None]
) -> None:
    """The challenge is answered at once, the hint names never: they may take what is left of
    the budget, not another whole timeout."""
    user, team = person("alice")
    domain = Domain.objects.create(team=team, name="alice.example")
    stand_in(
        lambda query, transport: (
            Reply(answer(query, rcode=dns.rcode.NXDOMAIN)) if challenge_of(query, domain) else None
        )
    )
    took, said = press(user, domain)
    assert took < BUDGET + SLACK, f"the press took {took:.1f} s"
    assert said == [f"No TXT record found at {domain.challenge_name} yet."]


@pytest.mark.django_db(transaction=True)
def test_a_rivals_recheck_reads_the_press_answer_whatever_time_is_left(
    private_cache: None, small_budget: None, stand_in: Callable[[Handler], None]
) -> None:
    """Newly verified, the domain contests the same name verified by another team. The rival's
    challenge name is ours: the press's answer, without the rival's value, settles the contest
    at once, though too little of the budget is left for another lookup. Before, the re-check
    looked the name up again, and with too little time left the rival stayed verified and
    contested until the background task's next run."""
    user, team = person("alice")
    _, other_team = person("charlie")
    rival = Domain.objects.create(
        team=other_team, name="shared.example", verified_at=models.timezone.now()
    )
    domain = Domain.objects.create(team=team, name="shared.example")
    asked = []

    def handler(query: dns.message.Message, transport: str) -> Reply | None:
        if not challenge_of(query, domain):
            return None
        asked.append(transport)
        if transport == "tcp" and asked.count("tcp") == 1:
            # Ours, after 1.5 s (a silent UDP try of 1 s, then 0.5 s over TCP); nothing
            # after that.
            txt = records(f'{domain.challenge_name}. 300 TXT "{domain.challenge_value}"')
            return Reply(answer(query, txt), delay=0.5)
        return None

    stand_in(handler)
    took, said = press(user, domain)
    assert took < BUDGET + SLACK, f"the press took {took:.1f} s"
    assert said == ["shared.example is verified. The first check is queued."]
    assert asked == ["udp", "tcp"]
    rival.refresh_from_db()
    assert rival.verified_at is None
    assert rival.contested_at is None
    assert rival.control_lost_at is not None


@pytest.mark.django_db(transaction=True)
def test_the_challenge_name_is_looked_up_once_for_the_press_and_its_rival(
    private_cache: None, stand_in: Callable[[Handler], None]
) -> None:
    """Both values published: the rival keeps its verification, from the press's answer."""
    user, team = person("alice")
    _, other_team = person("charlie")
    rival = Domain.objects.create(
        team=other_team, name="shared.example", verified_at=models.timezone.now()
    )
    domain = Domain.objects.create(team=team, name="shared.example")
    asked = []

    def handler(query: dns.message.Message, transport: str) -> Reply | None:
        asked.append(query.question[0].name.to_text().rstrip("."))
        txt = dns.rrset.from_text_list(
            f"{domain.challenge_name}.",
            300,
            "IN",
            "TXT",
            [f'"{domain.challenge_value}"', f'"{rival.challenge_value}"'],
        )
        return Reply(answer(query, txt))

    stand_in(handler)
    _, said = press(user, domain)
    assert said == ["shared.example is verified. The first check is queued."]
    assert asked == [domain.challenge_name]
    rival.refresh_from_db()
    assert rival.verified_at is not None
    assert rival.contested_at is None


@pytest.mark.django_db(transaction=True)
def test_the_background_task_keeps_the_whole_timeout(
    small_budget: None, stand_in: Callable[[Handler], None]
) -> None:
    from mailsec.domains.tasks import verify_pending

    stand_in(lambda query, transport: None)
    user, team = person("alice")
    domain = Domain.objects.create(team=team, name="alice.example")
    start = time.monotonic()
    assert verify_pending() == 0
    took = time.monotonic() - start
    assert TIMEOUT - 0.5 < took < TIMEOUT + SLACK, f"the lookup took {took:.1f} s"
    domain.refresh_from_db()
    assert domain.verify_error.startswith(f"Our DNS lookup of {domain.challenge_name}")
