"""Verify's lookups run inside the web request, so besides each person's one-at-a-time slot
they take a turn in a global cap of their own (MAILSEC_VERIFY_CONCURRENCY,
freecheck/concurrency.VERIFY): a thousand people pressing Verify at once must not hold every
web thread. A press over the cap is told to try again in a moment, at once, and looks nothing
up, records nothing and spends none of its allowances.

The free check API's synchronous runs have their own cap (MAILSEC_FREE_CHECK_API_CONCURRENCY):
when the two shared one, two anonymous /api/v1/check callers whose checks stalled made every
signed-in customer's Verify answer "busy" for up to 25 s."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.test import Client

from mailsec.domains import views
from mailsec.domains.models import Domain
from mailsec.freecheck import concurrency
from tests.test_domains import stub_dns
from tests.test_web_s10_verify import (
    SilentResolver,
    person,
    press,
    private_cache,
    silent_resolver,
)

__all__ = ["private_cache", "silent_resolver"]  # fixtures used by name


def api_check(domain: str, answers: list[int]) -> None:
    """GET /api/v1/check as an anonymous caller; appends the status code it got."""
    answers.append(Client().get("/api/v1/check", {"domain": domain}).status_code)


@pytest.mark.django_db(transaction=True)
def test_a_press_over_verifys_cap_is_told_to_come_back(
    private_cache: None, silent_resolver: SilentResolver, settings: Any
) -> None:
    settings.MAILSEC_VERIFY_CONCURRENCY = 2
    people = [person(name) for name in ("alice", "dave", "erin")]
    domains = [
        Domain.objects.create(team=team, name=f"{user.username}.example") for user, team in people
    ]
    # Two people's lookups stall (the resolver never answers): every Verify slot is taken.
    running = [
        threading.Thread(target=press, args=(user, domain))
        for (user, _), domain in zip(people[:2], domains[:2], strict=True)
    ]
    for thread in running:
        thread.start()
    # both are inside their lookups (LOOKUP_SECONDS long)
    silent_resolver.wait_until_asked(*(domain.challenge_name for domain in domains[:2]))
    try:
        took, said = press(people[2][0], domains[2])
    finally:
        for thread in running:
            thread.join()
    assert took < 1, "the refused press waited for a lookup of its own"
    assert said == [views.VERIFY_REFUSED["busy"]]
    assert "try again in a moment" in said[0]
    refused = Domain.objects.get(pk=domains[2].pk)
    assert refused.verify_checked_at is None and refused.verify_error == ""
    # Nothing of the allowances was spent: the same person may press at once, and is served.
    took, said = press(people[2][0], domains[2])
    refused.refresh_from_db()
    assert refused.verify_checked_at is not None
    assert said == [refused.verify_error]


@pytest.mark.django_db(transaction=True)
def test_two_stalled_api_checks_do_not_make_verify_busy(
    private_cache: None, silent_resolver: SilentResolver, settings: Any
) -> None:
    settings.MAILSEC_FREE_CHECK_API_CONCURRENCY = 2
    settings.MAILSEC_VERIFY_CONCURRENCY = 1
    user, team = person("alice")
    domain = Domain.objects.create(team=team, name="alice.example")
    # Two anonymous API callers whose checks stall (the resolver never answers).
    answers: list[int] = []
    callers = [
        threading.Thread(target=api_check, args=(name, answers))
        for name in ("stalled-one.example.com", "stalled-two.example.com")
    ]
    for caller in callers:
        caller.start()
    # both runs are under way, each holding an API slot
    silent_resolver.wait_until_asked("stalled-one.example.com", "stalled-two.example.com")
    try:
        # The API is full: a third caller is told to come back.
        third: list[int] = []
        api_check("stalled-three.example.com", third)
        assert third == [503]
        assert [c.is_alive() for c in callers] == [True, True], "the API runs did not stall"
        # A signed-in customer's Verify is not: it looks the record up and says what it found.
        _, said = press(user, domain)
    finally:
        for caller in callers:
            caller.join()
    assert said != [views.VERIFY_REFUSED["busy"]]
    domain.refresh_from_db()
    assert domain.verify_checked_at is not None
    assert said == [domain.verify_error]
    assert "Our DNS lookup of" in domain.verify_error


@pytest.mark.django_db
def test_the_api_and_verify_take_slots_of_their_own(private_cache: None, settings: Any) -> None:
    settings.MAILSEC_FREE_CHECK_API_CONCURRENCY = 1
    settings.MAILSEC_VERIFY_CONCURRENCY = 1
    user, team = person("alice")
    domain = Domain.objects.create(team=team, name="alice.example")
    api_run = concurrency.API.acquire()  # an API run under way in another process
    assert api_run is not None
    try:
        with stub_dns({}):
            _, said = press(user, domain)
        assert said != [views.VERIFY_REFUSED["busy"]]
        lookup = concurrency.VERIFY.acquire()  # a Verify lookup under way in another process
        assert lookup is not None
        try:
            with stub_dns({}):
                _, said = press(user, domain)
            assert said == [views.VERIFY_REFUSED["busy"]]
        finally:
            concurrency.VERIFY.release(lookup)
    finally:
        concurrency.API.release(api_run)
    # Verify gives its slot back, and never took the API's: both are free again.
    with stub_dns({}):
        _, said = press(user, domain)
    assert said != [views.VERIFY_REFUSED["busy"]]
    for pool in (concurrency.API, concurrency.VERIFY):
        again = pool.acquire()
        assert again is not None
        pool.release(again)
