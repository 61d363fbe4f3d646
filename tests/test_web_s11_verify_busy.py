"""Verify's lookups run inside the web request, so besides each person's one-at-a-time slot
they share one global cap with the free check API's synchronous runs (freecheck/concurrency.py,
MAILSEC_FREE_CHECK_API_CONCURRENCY): a thousand people pressing Verify at once must not hold
every web thread. A press over the cap is told to try again in a moment, at once, and looks
nothing up, records nothing and spends none of its allowances."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from mailsec.domains import views
from mailsec.domains.models import Domain
from mailsec.freecheck import concurrency, ratelimit
from tests.test_domains import stub_dns
from tests.test_web_s10_verify import person, press, private_cache, silent_resolver

__all__ = ["private_cache", "silent_resolver"]  # fixtures used by name


@pytest.mark.django_db(transaction=True)
def test_a_press_over_the_global_cap_is_told_to_come_back(
    private_cache: None, silent_resolver: None, settings: Any
) -> None:
    settings.MAILSEC_FREE_CHECK_API_CONCURRENCY = 2
    people = [person(name) for name in ("alice", "dave", "erin")]
    domains = [
        Domain.objects.create(team=team, name=f"{user.username}.example") for user, team in people
    ]
    # Two people's lookups stall (the resolver never answers): every slot is taken.
    running = [
        threading.Thread(target=press, args=(user, domain))
        for (user, _), domain in zip(people[:2], domains[:2], strict=True)
    ]
    for thread in running:
        thread.start()
    time.sleep(1)  # both are inside their lookups (LOOKUP_SECONDS long)
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


@pytest.mark.django_db
def test_the_api_and_verify_share_one_cap(private_cache: None, settings: Any) -> None:
    settings.MAILSEC_FREE_CHECK_API_CONCURRENCY = 1
    user, team = person("alice")
    domain = Domain.objects.create(team=team, name="alice.example")
    held = concurrency.acquire()  # an API run under way in another process
    assert held is not None
    try:
        with stub_dns({}):
            _, said = press(user, domain)
        assert said == [views.VERIFY_REFUSED["busy"]]
    finally:
        concurrency.release(held)
    # Verify gives its slot back: the API (or the next press) gets it.
    with stub_dns({}):
        _, said = press(user, domain)
    assert said != [views.VERIFY_REFUSED["busy"]]
    again = concurrency.acquire()
    assert again is not None
    ratelimit.give_back(again)
