"""Whether names just added to a team exist in the DNS (task s36w): a typo (`exmaple.com`) is
added all the same, since a domain being set up may not exist yet, but the Domains page says
so at once instead of leaving it to wait for a verification that cannot come.

One question per name, MX at the name (as the checks ask it: an NXDOMAIN there is what the
free check and the domain's first check call "does not exist", checks.scoring.does_not_exist),
through the engine's resolver settings (MAILSEC_RESOLVER, its timeout). Only NXDOMAIN counts: a
lookup that failed (SERVFAIL, a timeout, a refusal) or was not made in time says nothing; nor
does any NXDOMAIN of a resolver that says the self-check's signed zone does not exist either
(MAILSEC_VANTAGE_SIGNED_NAME, asked only when a name was found missing: a resolver that does
not see the public DNS says NXDOMAIN of every name, s36v).

A name whose lookup says nothing (no answer in time, a failed lookup, a resolver that says
NXDOMAIN of everything) is "not looked up" (Lookup.unknown): the add says so plainly, so that
silence is not read as "it exists" (s37f); it is added all the same, "could not check" never
blocks an add.

Bounded as a whole, not per name: LOOKUP_SECONDS for one name or a paste of hundreds, at most
LOOKUP_PARALLEL questions at a time, none started with less than LOOKUP_MIN seconds left, the
canary within the same bound (measured in s37f against a real silent UDP resolver, one or three
listed, any MAILSEC_CHECK_TIMEOUT: the add's POST took 3.0 s). The lookups run after the add's
team lock is released (nobody waits on the DNS for their turn). Verify all's lookup gets what
is left of its press's budget when that is less (s38n): it had run up to 3 s past it."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import Sequence

log = logging.getLogger(__name__)

# The whole wait of an add (or of a bulk add, whatever the number of names) for the answers.
LOOKUP_SECONDS = 3.0
LOOKUP_PARALLEL = 10
LOOKUP_MIN = 0.5


@dataclasses.dataclass(frozen=True)
class Lookup:
    """What the lookup of names just added found, by A-label."""

    missing: frozenset[str] = frozenset()  # NXDOMAIN: most often a typo
    unknown: frozenset[str] = frozenset()  # not looked up: no answer in time, or no use

    def missing_or_none(self, name: str) -> bool | None:
        """Of a name asked: True when the DNS answered NXDOMAIN, False when it answered
        otherwise, None when the lookup told nothing (no answer in time, a resolver that says
        NXDOMAIN of every name, or the lookup off: LOOKUP_SECONDS 0), which is not "it
        exists" (Domain.verify keeps a note then)."""
        if name in self.unknown or LOOKUP_SECONDS <= 0:
            return None
        return name in self.missing


def look_up(names: Sequence[str], seconds: float | None = None) -> Lookup:
    """Ask the DNS about `names` (A-labels) within LOOKUP_SECONDS in all, or `seconds` when
    less (what is left of a caller's own budget: Verify all's): those it answered NXDOMAIN
    for (missing), and those it told nothing of (unknown; all of them, none asked, when less
    than LOOKUP_MIN is left). Nothing of either when the lookup is off (LOOKUP_SECONDS 0:
    the tests')."""
    if not names or LOOKUP_SECONDS <= 0:
        return Lookup()
    bound = LOOKUP_SECONDS if seconds is None else min(seconds, LOOKUP_SECONDS)
    if bound < LOOKUP_MIN:
        return Lookup(unknown=frozenset(names))
    from django.conf import settings

    from checks.dns import DnsAnswer, DnsClient
    from checks.tasks import engine_config

    config = engine_config()
    deadline = time.monotonic() + bound
    turns = asyncio.Semaphore(LOOKUP_PARALLEL)

    async def one(name: str, rdtype: str = "MX") -> DnsAnswer | None:
        async with turns:
            left = deadline - time.monotonic()
            if left < LOOKUP_MIN:
                return None
            # A client each (its question budget is one check's), its timeout within the rest.
            client = DnsClient(dataclasses.replace(config, timeout=min(config.timeout, left)))
            try:
                return await asyncio.wait_for(client.query(name, rdtype), left)
            except TimeoutError:
                return None

    async def canary_missing() -> bool:
        # The self-check's signed zone exists: NXDOMAIN there is a resolver that does not see
        # the public DNS (checks.vantage's "down" with NXDOMAIN), and says so of every name.
        answer = await one(settings.MAILSEC_VANTAGE.signed_name, "DNSKEY")
        return answer is not None and answer.nxdomain

    async def every() -> tuple[list[DnsAnswer | BaseException | None], bool]:
        answers = await asyncio.gather(*(one(n) for n in names), return_exceptions=True)
        found = any(isinstance(a, DnsAnswer) and a.nxdomain for a in answers)
        return list(answers), found and await canary_missing()

    missing: set[str] = set()
    unknown: set[str] = set()
    answers, resolver_sees_nothing = asyncio.run(every())
    if resolver_sees_nothing:
        log.warning(
            "Add: the resolver says %s does not exist either: its NXDOMAIN for %d names "
            "is not told",
            settings.MAILSEC_VANTAGE.signed_name,
            len(names),
        )
        return Lookup(unknown=frozenset(names))
    for name, answer in zip(names, answers, strict=True):
        if isinstance(answer, BaseException):
            log.error("Add: looking up %s failed", name, exc_info=answer)
            unknown.add(name)
        elif answer is None or answer.failed:
            unknown.add(name)  # not asked or not answered in time; SERVFAIL, REFUSED…
        elif answer.nxdomain:
            missing.add(name)
    return Lookup(frozenset(missing), frozenset(unknown))


def missing_words(name: str) -> str:
    """What the single add says of a name `look_up` found missing (a display name in)."""
    return (
        f"{name} does not exist in the DNS (NXDOMAIN): check the spelling. It is added all "
        "the same, as a domain being set up may not exist yet; remove it if the name is a typo."
    )


def unknown_words(name: str) -> str:
    """What the single add says of a name `look_up` could not look up (a display name in)."""
    return (
        f"{name} could not be looked up in the DNS just now (no answer within "
        f"{LOOKUP_SECONDS:g} seconds, or the lookup failed), so a misspelled name is not caught "
        "here. It is added all the same; its first check will tell whether it exists."
    )
