"""The hosting actions, shared by views, tasks and signals: enable, sync with MX, publish,
disable, detach (the domain is deleted, or its team lost control of it), release, certificate
watch. Each saves the policy, publishes a changed id in our zone and tells the owner what
changed."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import socket
import ssl
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from checks import certs, https, net
from checks.context import CheckContext
from checks.dns import DnsClient
from checks.mtasts import policy_url
from checks.tasks import engine_config
from mailsec.accounts.templatetags.zones import reader_time, utc_time
from mailsec.domains.models import VERIFY_WEB_BUDGET, Domain
from mailsec.hosting import caa, lookups
from mailsec.hosting import policy as rules
from mailsec.hosting.models import (
    MX_FAILING_TELL_AFTER,
    MX_FLAP_ANSWERS,
    MX_LOOKUP_FAILED,
    MX_STABLE_AFTER,
    MX_STABLE_HOURS,
    HostedPolicy,
)
from mailsec.hosting.notify import Step, Told, note_told, tell, tell_all, told_end, with_told
from mailsec.hosting.readiness import SeenPolicy, seen_policy
from mailsec.hosting.zone import PolicyZone, ZoneError

log = logging.getLogger(__name__)

CERT_THRESHOLDS = (21, 7)  # days left at which the owner is told, once each
# The last chance, told for every lifetime (CertReading.last_chance): 2 days left, or a quarter
# of the life when that comes later in it.
CERT_LAST_CHANCE = 2
# A certificate problem is told only once two readings at least this far apart both saw it
# (watch_certificates runs every 12 hours): a CNAME changed for a moment, or one odd answer,
# emails nobody.
CERT_CONFIRM_AFTER = timedelta(hours=1)
# How far apart two hosts' clocks may be for sync() to still order their turns. A last sync
# time later than this turn's own span plus this came from a clock that was ahead (a host
# whose clock ran fast), not from a turn started meanwhile: believing it would leave the
# policy unsynced until that time came.
SYNC_CLOCK_SLACK = timedelta(minutes=1)
# A person pressing Host MTA-STS (or Keep hosting), or Compare with MX now, waits for its
# lookups inside the web request, which gunicorn kills at 30 s, as for Verify; and
# MAILSEC_CHECK_TIMEOUT may be set to anything. All of a press's lookups (the other team's
# challenge, the MX records, their hosts' addresses, the _mta-sts record) end by this many
# seconds (lookups.PressClient): Verify's budget less our zone's UPDATE, which may follow
# them (publish, PolicyZone.timeout). A press that runs out says it could not look up and
# changes nothing. The background sync keeps the engine's timeout for each lookup.
HOSTING_WEB_BUDGET = VERIFY_WEB_BUDGET - PolicyZone.timeout


class HostingRefused(Exception):
    """Hosting cannot start; the message says why, for the owner."""


def publish(
    policy: HostedPolicy, now: datetime | None = None, said: list[tuple[str, str]] | None = None
) -> None:
    """Write the current id to our zone if it is owed. A failure is kept as owed (published_id
    stays behind) and retried by the next sync; the owner hears about it once per outage
    (zone_failing_told, cleared by the next UPDATE that succeeds), in `said` when given (the
    sync's own email) or in an email of its own.

    The row is locked and read again first: a change or a release made since `policy` was
    read must not have an older id (or a withdrawn record) written over it, and the UPDATE and
    published_id must name the same id. The lock is held for the UPDATE (bounded by the zone's
    timeout) so two publishes of one policy reach the server in the order of their ids."""
    zone = PolicyZone.from_settings()
    if zone is None or not policy.zone_outdated:
        return
    with transaction.atomic():
        if not lock_fresh(policy) or not policy.zone_outdated:
            return
        try:
            zone.publish(policy.name, policy.policy_id)
        except ZoneError as exc:
            if not policy.zone_failing_told:
                # Once per outage: each sync retries (and clears last_sync_error with its
                # own result), and an email every five minutes about our zone helps nobody.
                policy.zone_failing_told = True
                step = ("zone", f"Could not publish the new id in our zone yet ({exc}); retrying.")
                if said is not None:
                    said.append(step)
                else:
                    tell(policy, *step, now=now)
            policy.last_sync_error = f"zone: {exc}"[:500]
            policy.save(update_fields=["last_sync_error", "zone_failing_told"])
            return
        policy.published_id = policy.policy_id
        policy.zone_failing_told = False
        policy.save(update_fields=["published_id", "zone_failing_told"])


def lock_fresh(policy: HostedPolicy) -> bool:
    """Lock the policy's row (inside a transaction) and reload `policy` from it, so what is
    saved next starts from the latest committed state, not from a copy read before some slow
    DNS. False when the row is gone (released and deleted, or handed over)."""
    if not HostedPolicy.objects.select_for_update().filter(pk=policy.pk).exists():
        return False
    policy.refresh_from_db()
    return True


@dataclass(frozen=True)
class StartingPoint:
    """What Host MTA-STS starts from: the policy the domain serves, as its latest finished
    check fetched it. A testing/enforce policy there is what senders hold (each copy for its
    max_age, RFC 8461 §3.3, §5.1) and new senders fetch: starting in testing with a week's
    max_age would silently weaken it for every sender that fetches ours (RFC 8461 §10), so
    hosting starts from its mode and max_age (`start`). Nothing valid served (no check yet, no
    policy, mode none, an invalid text): the usual start, testing for a week. `unread`: the
    check could not read the policy (a timeout, SERVFAIL): the usual start, but not unsaid."""

    name: str
    seen: SeenPolicy | None = None
    checked_at: datetime | None = None
    start: rules.Start | None = None
    unread: str = ""

    @property
    def basis(self) -> str:
        """What the owner confirms (the enable form carries it back): the served policy this
        start comes from, "" for the usual start. A check finishing in between with another
        policy makes the confirmation stale (enable_told)."""
        if self.start is not None and self.seen is not None:
            served = (
                f"{self.seen.mode}\n{self.seen.max_age}\n{' '.join(sorted(self.seen.patterns))}"
            )
            return hashlib.sha256(served.encode()).hexdigest()[:16]
        return "unread" if self.unread else ""

    @property
    def source(self) -> str:
        """Where the served policy was read, in words, for the page and its message: the
        check's time in the reader's zone, naming it, as pages say times (docs/webapp.md;
        before s43i in UTC)."""
        return self.source_in(local=True)

    def source_in(self, local: bool) -> str:
        """`source`; `local=False`: in UTC, as the enabled event's text is kept as written."""
        if self.checked_at is None:
            return "the latest check"
        if not local:
            return f"the check of {utc_time(self.checked_at)}"
        return f"the check of {reader_time(self.checked_at)}"

    def served_words(self) -> str:
        assert self.seen is not None
        return (
            f"mode {self.seen.mode}, max_age {self.seen.max_age}, mx "
            f"{', '.join(self.seen.patterns) or '(none)'}"
        )

    def differences(self) -> list[str]:
        """How the start differs from the served policy, each with why ([] when it does not)."""
        if self.start is None:
            return []
        start = self.start
        said = [
            f"keeps {pattern} (it covers {', '.join(covers)})" for pattern, covers in start.kept
        ]
        said += [f"drops {pattern}: {why}" for pattern, why in start.dropped]
        said += [
            f"adds {host}: it is in your MX records but the policy you serve does not cover it"
            for host in start.added
        ]
        if start.served_max_age is not None:
            said.append(
                f"max_age {start.served_max_age} becomes {start.max_age}: we serve "
                f"{rules.MIN_MAX_AGE} to {rules.MAX_MAX_AGE} seconds"
            )
        return said

    def told(self, local: bool = True) -> str:
        """The start, for the owner (the page's message; `local=False`: the enabled event,
        in UTC); "" for the usual start from nothing served."""
        if self.start is not None:
            differences = self.differences()
            return (
                f"Started from the policy mta-sts.{self.name} served at {self.source_in(local)} "
                f"({self.served_words()}): mode {self.start.mode} and max_age "
                f"{self.start.max_age} kept, so no sender gets a weaker policy."
                + (f" It {'; it '.join(differences)}." if differences else "")
            )
        if self.unread:
            return (
                f"Started in mode testing: {self.source_in(local)} could not read the policy "
                f"mta-sts.{self.name} serves ({self.unread}). If it is in mode enforce, "
                "choose enforce under Settings."
            )
        return ""


def starting_point(domain: Domain, live: list[str]) -> StartingPoint:
    """Where hosting `domain` starts, for the live MX hosts `live` (the page's preview gives
    the MX hosts its latest check saw): read from that check, never from the network, so the
    page can show it at once and Host MTA-STS starts from what the page showed."""
    run = domain.last_run
    seen = seen_policy(run)
    point = StartingPoint(domain.name, seen, run.finished or run.created if run else None)
    if seen is None:
        return point
    if seen.text and seen.mode in ("testing", "enforce") and seen.max_age is not None:
        suffixes = engine_config().extra_public_suffixes
        start = rules.start_from(seen.mode, seen.max_age, seen.patterns, live, suffixes)
        return replace(point, start=start)
    if seen.mode is None and seen.unread:
        # Said in parentheses before a full stop of its own ("… serves (<why>)."): the
        # check's sentence without its own.
        return replace(point, unread=seen.unread.rstrip(". "))
    return point


def enable(domain: Domain, now: datetime | None = None) -> HostedPolicy:
    return enable_told(domain, now)[0]


def enable_told(
    domain: Domain, now: datetime | None = None, confirmed: str | None = None
) -> tuple[HostedPolicy, list[tuple[str, str]]]:
    """enable, and the steps it told the owner (for the page of "Keep hosting", which with a
    plain `_mta-sts` TXT must give the record to publish: record_to_publish).

    A new start (not Keep hosting) begins from the policy the domain serves (starting_point).
    `confirmed`: the basis the owner saw on the page (StartingPoint.basis); when the start
    now comes from another served policy, nothing is done and HostingRefused says to look
    again. None (not from the page): no confirmation is asked. The steps returned begin
    with a `start` step saying where a new start came from, when it came from a served
    policy or the check could not read one (told on the page, not emailed). For the page:
    the lookups end within HOSTING_WEB_BUDGET."""
    now = now or timezone.now()
    dns = lookups.press_client(HOSTING_WEB_BUDGET)
    started = ""
    if not domain.is_verified:
        raise HostingRefused("Verify the domain first: only verified domains can be hosted.")
    taken = HostedPolicy.objects.filter(name=domain.name).exclude(domain=domain)
    # A released policy, or a detached one still winding down after its domain was deleted
    # (or after its team lost control of it), gives way; one on another team's domain does
    # not while that team still proves control.
    held = taken.filter(domain__isnull=False).exclude(state=HostedPolicy.State.OFF)
    holder = held.select_related("domain").first()
    if holder is not None:
        contest(domain, holder, now, dns)
    zone = PolicyZone.from_settings()
    problem = zone.record_problem(domain.name) if zone is not None else None
    if problem is not None:
        # The _mta-sts CNAME would have nowhere to point, and we could never publish an id.
        raise HostingRefused(
            f"{domain.name} cannot be hosted: {problem}, so there is no room for it under "
            "our policy zone."
        )
    found = asyncio.run(lookups.live_mx(dns, domain.name))
    if found.failed:
        raise HostingRefused(f"Could not look up the MX records ({found.detail}). Try again.")
    if found.nxdomain:
        raise HostingRefused(
            f"{domain.name} does not exist in DNS ({found.detail}). Check its delegation and try again."
        )
    if found.no_address:
        raise HostingRefused(
            f"{domain.name} has no MX records and no address (A or AAAA) to receive mail at "
            "instead (RFC 5321 §5.1): it receives no mail, so MTA-STS has nothing to protect. "
            "Publish its MX records first."
        )
    if not found.hosts:
        raise HostingRefused(
            f"{domain.name} has a null MX: it receives no mail, so MTA-STS has nothing to protect."
        )
    if all(rules.host_problem(h) for h in found.hosts):
        # Each host with its own reason: an IP address, an underscore and a name in raw
        # UTF-8 (not an A-label, RFC 8461 §3.2) each need a different fix.
        why = "; ".join(f"{h}: {rules.host_problem(h)}" for h in found.hosts)
        raise HostingRefused(
            f"No MX host of {domain.name} is a host name a policy may list ({why}): point "
            "the MX records at host names (in A-labels, xn--…, for a name in Unicode)."
        )
    current = HostedPolicy.objects.filter(domain=domain).first()
    point: StartingPoint | None = None
    if current is None or current.state == HostedPolicy.State.OFF:
        point = starting_point(domain, found.hosts)
        if confirmed is not None and confirmed != point.basis:
            raise HostingRefused(
                f"Nothing was changed: the policy hosting would start from is no longer the "
                f"one the page showed (a check has read mta-sts.{domain.name} since). Look at "
                "the starting policy below, then press Host MTA-STS again."
            )
    with transaction.atomic():
        # Only now, with the new policy certain: a retiring one removed before a refusal would
        # leave senders with nothing to fetch. Locked against its release withdrawing our TXT.
        # Senders may still hold the previous policy's strict copies (mx lines of the old
        # owner's servers): the new policy must not be released before they expire either.
        inherited: datetime | None = None
        for previous in taken.select_for_update():
            if previous.domain_id is not None and previous.state != HostedPolicy.State.OFF:
                raise HostingRefused(f"{domain.name} is already hosted by another team.")
            log.info("hosting: %s taken over from policy %s", domain.name, previous.code)
            for until in (previous.strict_until, previous.release_at):
                if until is not None and (inherited is None or until > inherited):
                    inherited = until
            previous.hand_over()
        policy, created = HostedPolicy.objects.select_for_update().get_or_create(
            domain=domain, defaults={"name": domain.name, "testing_since": now}
        )
        if inherited is not None and inherited > now:
            policy.strict_until = max(policy.strict_until or inherited, inherited)
        if not created and policy.state == HostedPolicy.State.ACTIVE:
            return policy, []
        said: list[str] = []
        # Keep hosting while it winds down: the team was emailed the release date, and must
        # hear that it no longer comes.
        kept = not created and policy.state == HostedPolicy.State.DISABLING
        if created:
            policy.mx_live = found.hosts
            policy.mx_changed_at = now
            said = [policy.new_mx_message(h) for h in policy.unlistable_mx()]
        else:  # re-enabled: while winding down ("Keep hosting"), or after release
            fresh = policy.state == HostedPolicy.State.OFF
            said = policy.resume(found.hosts, now)
            if not fresh:
                point = None  # Keep hosting: our own policy goes on as it was
        if point is not None and point.start is not None and point.seen is not None:
            begin_from(policy, point, now)
        only: dict[Step, Told | None] = {}
        policy.last_sync_at = now
        steps = [(mx_event_kind(m), m) for m in said] + aliases_told(policy, found, only)
        steps += null_beside_told(policy, found.null_beside, only)
        record_told: list[tuple[str, str]] = []
        if policy.refresh_text(now) and not created:
            # Keep hosting: the text leaves mode none with a new id, which a plain TXT must
            # name or senders keep the mode none copy for its max_age.
            record_told = plain_txt_told(policy)
            steps += record_told
        policy.save()
        mx = ", ".join(policy.listed_patterns())
        if kept:
            steps.insert(
                0,
                (
                    "resumed",
                    f"Keep hosting: {policy.name} is no longer being turned off. Mode "
                    f"{policy.mode} is served again (mx {mx}, id {policy.policy_id}); "
                    + (
                        "keep the mta-sts record and publish the _mta-sts record below."
                        if record_told
                        else "keep the mta-sts and _mta-sts records."
                    ),
                ),
            )
        else:
            # The page's message in the reader's zone, the event as kept: in UTC (s43i).
            started = point.told() if point is not None else ""
            recorded = point.told(local=False) if point is not None else ""
            tell(
                policy,
                "enabled",
                f"Hosting on: mode {policy.mode}, max_age {policy.max_age}, mx {mx}, id "
                f"{policy.policy_id}." + (f" {recorded}" if recorded else ""),
                email=False,
                now=now,
            )
        tell_all(policy, steps, now=now, only=only)
    publish(policy, now)
    if not kept and started:
        # For the page's message only: the enabled event records it, and the person who
        # pressed the button reads it there (not emailed, as the enabled event is not).
        steps = [("start", started), *steps]
    return policy, steps


def begin_from(policy: HostedPolicy, point: StartingPoint, now: datetime) -> None:
    """Start `policy` (new, or anew after a release) from the served policy `point` read:
    its mode and max_age, and its patterns that still cover a live MX host (beside any extra
    patterns kept from an earlier hosting). Senders may apply the served copy for its own
    max_age from now: mode none must be served at least that long should hosting stop
    (strict_until, begin_disable), as for a text of ours."""
    assert point.start is not None and point.seen is not None and point.seen.max_age
    policy.mode = point.start.mode
    policy.max_age = point.start.max_age
    policy.mx_extra = list(dict.fromkeys([*policy.mx_extra, *point.start.extra]))
    served_until = now + timedelta(seconds=point.seen.max_age)
    policy.strict_until = max(policy.strict_until or served_until, served_until)


def contest(domain: Domain, held: HostedPolicy, now: datetime, dns: DnsClient) -> None:
    """`domain` is verified and its name is hosted for another team. That team's challenge
    is looked up again, through `dns` (the press's): when its value is gone, its policy gives
    way (Domain.recheck_control, lose_control) and this returns; otherwise HostingRefused says
    why, and until when if the other team is already turning hosting off. Nothing about that
    team is said beyond that."""
    assert held.domain is not None
    name = domain.name
    # Its challenge name is ours (the same domain name).
    answer = asyncio.run(dns.txt(held.domain.challenge_name))
    outcome = held.domain.recheck_control(now, answer)
    if outcome == "lost":
        return
    if held.state == HostedPolicy.State.DISABLING and held.release_at is not None:
        # The presser's message: in their zone, naming it, in the words of the notice
        # beside it on their page (HostedPolicy.still_served_notice, the same date); before
        # s43i in UTC, a date apart from the notice's for many; before s44a "2026-12-02 08:00").
        raise HostingRefused(
            f"{name} is hosted by another team, which is turning hosting off: mode none is "
            f"served until {reader_time(held.release_at)} so senders drop its policy first. You can "
            "host it here from then."
        )
    if outcome == "kept":
        raise HostingRefused(
            f"{name} is hosted by another team, which still proves control of it: its "
            f"challenge value is still published at {domain.challenge_name}. Hosting stays "
            "with that team while it is. If that team should no longer have it, remove its "
            "value from that record (keep yours) and press Host MTA-STS again."
        )
    if outcome == "failed":
        raise HostingRefused(
            f"{name} is hosted by another team, and we could not look up whether it still "
            f"proves control of it ({domain.challenge_name} did not answer). We look again "
            "every few minutes; once its challenge value is gone its hosting winds down and "
            "you can host it here."
        )
    raise HostingRefused(f"{name} is already hosted by another team.")


def lose_control(domain: Domain, now: datetime) -> datetime | None:
    """The domain's team no longer proves control of it (another team does, and this team's
    challenge value is gone). Its policy ends as a deleted domain's does: served in mode none,
    detached from the team, until every testing/enforce copy senders may hold has expired,
    then released; cutting it off would leave senders holding an enforce copy refusing mail
    to new MX hosts (RFC 8461 §8.3). The new owner may take the name over meanwhile
    (enable). Called inside the transaction that unverifies the domain, before verified_at
    goes. Returns until when mode none is served; None when nothing is left to wind down."""
    policy = (
        HostedPolicy.objects.select_for_update()
        .filter(domain=domain)
        .exclude(state=HostedPolicy.State.OFF)
        .first()
    )
    if policy is None:
        return None
    policy.domain = domain
    if policy.outlives_domain(now):
        detach(
            policy,
            now,
            why=f"Another team proved control of {domain.name} and this team's could not be "
            "confirmed any more",
        )
        return policy.release_at
    policy.delete()  # never served in testing/enforce: no sender holds a copy to wait for
    return None


def mx_event_kind(message: str) -> str:
    """The event kind of one of apply_mx's messages."""
    if " is back " in message:
        return "mx-back"
    return "mx-leaving" if " left the MX" in message else "mx-added"


def save_changes(
    policy: HostedPolicy, said: list[tuple[str, str]], now: datetime
) -> list[tuple[str, str]]:
    """Save, bump the id if the text changed, publish it, then tell the owner each step (and,
    with a plain `_mta-sts` TXT, the record to publish with the new id). Returns the steps
    told, so the page can say what the email says (record_to_publish).

    Call with the row locked and `policy` read under that lock (the views' _live_policy with
    lock, lock_fresh), then changed: the text is made from it. Only OWNER_FIELDS are saved,
    so what others write without the sync's lock (the certificate watch's fields, a
    sighting) or the sync's own record (told_to) is never put back from this copy (s45e)."""
    changed = policy.refresh_text(now)
    if changed:
        said = said + plain_txt_told(policy)
    policy.save(update_fields=OWNER_FIELDS)
    if changed:
        publish(policy, now)
    tell_all(policy, said, f" New policy id {policy.policy_id}." if changed else "", now=now)
    return said


def record_to_publish(told: list[tuple[str, str]]) -> str:
    """The record step among the steps a change told (plain_txt_told's words, as emailed),
    or "" when there is none: the person who made the change reads it on the page at once."""
    return " ".join(message for kind, message in told if kind == "record")


def sync(policy: HostedPolicy, now: datetime | None = None) -> bool:
    """One turn of the MX loop for one policy (the background task's: each lookup gets the
    engine's timeout). True when the policy text changed."""
    return sync_through(policy, lookups.client(), now)[0]


def sync_told(
    policy: HostedPolicy, now: datetime | None = None
) -> tuple[bool, list[tuple[str, str]]]:
    """sync, and the steps it told the owner, for the page of "Compare with MX now": the
    lookups end within HOSTING_WEB_BUDGET."""
    return sync_through(policy, lookups.press_client(HOSTING_WEB_BUDGET), now)


def sync_through(
    policy: HostedPolicy, dns: DnsClient, now: datetime | None = None
) -> tuple[bool, list[tuple[str, str]]]:
    """sync, looking up through `dns`; the steps told."""
    now = now or timezone.now()
    started = time.monotonic()
    if policy.state == HostedPolicy.State.OFF:
        return False, []
    if policy.release_due(now):
        release(policy, now)
        return True, []
    if policy.is_detached:
        # Its domain was deleted: no MX to follow and nobody to tell; only retry an id owed
        # to our zone until the release. Stamped all the same: sync_all goes round the
        # least recently synced first, and this one must not stay first in line.
        HostedPolicy.objects.filter(pk=policy.pk).update(last_sync_at=now)
        publish(policy, now)
        return False, []
    zone = PolicyZone.from_settings()
    zone_name = zone.record_name(policy.name) if zone else ""

    async def look() -> tuple[lookups.MxLookup, lookups.RecordState, tuple[bool, str]]:
        return await asyncio.gather(
            lookups.live_mx(dns, policy.name),
            lookups.sts_record(dns, policy.name, policy.policy_id, zone_name),
            lookups.points_at_us(dns, f"mta-sts.{policy.name}"),
        )

    looked_up_id = policy.policy_id
    found, record, leads = asyncio.run(look())
    # Telling the team that no MX lookup answers is due (by the row as read; decided again
    # under the lock): first make sure our resolver answers at all, or an outage of ours
    # would email every team about their name servers. (A press left with too little time
    # to ask counts as not answering: the next background turn tells, if it is still due.)
    ours_answers = (
        found.failed and failing_due(policy, now) and asyncio.run(lookups.resolver_answers(dns))
    )
    said: list[tuple[str, str]] = []
    with transaction.atomic():
        # The lookups took a while, and `policy` may have been read long before them (sync_all
        # loads every row first): the owner may have changed the mode or settings, stopped
        # hosting, or someone taken the name over since. Apply the MX result to the row as it
        # is now, or an older text would be saved over theirs (and the id in our zone would
        # name a policy we no longer serve).
        if not lock_fresh(policy):
            return False, []
        if policy.state == HostedPolicy.State.OFF or policy.is_detached:
            return False, []
        if policy.release_due(now):
            return False, []  # released by the next turn (release() locks and checks again)
        span = timedelta(seconds=time.monotonic() - started) + SYNC_CLOCK_SLACK
        if policy.last_sync_at is not None and now < policy.last_sync_at <= now + span:
            # A turn that started after this one (Compare with MX now during the beat's run,
            # or Keep hosting) has already applied a newer answer: this older one would undo
            # it, telling the team a new MX left and then that it is back. (A time beyond
            # this turn's span is a fast clock's, and is overwritten.)
            return False, []
        policy.last_sync_at = now
        quiet: frozenset[str] = frozenset()
        # The end of a problem told to those told of it (notify.told_end), by step.
        only: dict[Step, Told | None] = {}
        if found.failed:
            # Never act on a failed lookup: it says nothing about which hosts left, nor
            # whether a host due for removal is still gone.
            policy.last_sync_error = f"{MX_LOOKUP_FAILED}{found.detail}"[:500]
            # Nor does it continue or end a flap: the hosting page says since when no lookup
            # answered, and after MX_STABLE_AFTER of them the first answer starts the hours an
            # answer must hold afresh (follow_mx).
            policy.mx_failed_since = policy.mx_failed_since or now
            if ours_answers and failing_due(policy, now):
                # Once, under the row lock: a concurrent or retried turn finds it told.
                policy.mx_failing_told = True
                note_told(policy, "mx-failing")
                said.append(("mx-failing", policy.failing_message(local=False)))
        else:
            followed, quiet = follow_mx(policy, found, now, only)
            said += followed
        # The record was compared with the id we had before the lookups; a newer id since
        # makes that comparison meaningless until the next turn.
        record_at = -1
        if record.state != "error" and policy.policy_id == looked_up_id:
            if record.state != policy.record_state and record.state in (
                "stale",
                "invalid",
                "other",
                "missing",
            ):
                # Told once per change of state: a stale plain TXT keeps senders on an old
                # policy.
                record_at = len(said)
                said.append(("record", record_told(policy, record, zone_name)))
            policy.record_state = record.state
        said += policy_host_steps(policy, leads, now, only)
        changed = policy.refresh_text(now)
        if changed and record_at >= 0:
            # Told this turn, and the id changed since the lookup: the notice names the id the
            # email announces, not the one senders are about to drop, in what it found as in
            # the record to publish (s41r); a stale record or two records are told once with
            # it, not with the old id and then plain_txt_told's record again (s41n).
            said[record_at] = (
                "record",
                record_told(policy, record.for_id(policy.policy_id), zone_name),
            )
        elif changed:
            # A plain TXT names the id the owner typed, never the new one: said in this sync's
            # email, with the record, not one sync later when the lookup finds it stale. By
            # the state this turn knows (the lookup's, or the last one stored when it failed
            # or compared an older id): a TXT lookup that timed out must not hide the record.
            said += plain_txt_told(policy)
        # Only what the MX loop owns: mode, max_age, patterns and state are the owner's.
        policy.save(update_fields=SYNC_FIELDS)
    # The new id, or one owed from an earlier failure; should our zone refuse it, that is
    # said in this turn's email, not in one of its own.
    publish(policy, now, said)
    tell_all(
        policy,
        said,
        f" New policy id {policy.policy_id}." if changed else "",
        quiet=quiet,
        now=now,
        only=only,
    )
    return changed, said


def record_told(policy: HostedPolicy, record: lookups.RecordState, zone_name: str) -> str:
    """What a sync tells of the owner's `_mta-sts` record once it is stale, invalid, missing
    or something else: what was found, and the exact record to publish in its place (the CNAME
    into our zone when we have one, else the plain TXT with the current id). Two v=STSv1
    records already say which one to keep."""
    name = f"_mta-sts.{policy.name}"
    txt = f'{name} TXT "v=STSv1; id={policy.policy_id};"'
    cname = f"{name}. CNAME {zone_name}." if zone_name else ""
    if record.state == "stale":
        if not cname:
            return f"{record.detail} Publish {txt} in place of it."
        # The CNAME offered once, as the record to publish with our zone's name, not also as
        # "(or CNAME it to our zone)" in what was found (s42h).
        found = record.stale_found(policy.policy_id) if record.ids else record.detail
        return f"{found} Publish {txt} in place of it (or {cname}: then we change the id for you)."
    if record.state == "other" and not record.cname:
        return record.detail
    fix = (
        f"Publish {cname} (we change the id there whenever the policy changes)"
        if cname
        else f"Publish {txt}"
    )
    if record.state == "missing":
        return (
            f"{record.detail}: senders that hold the policy keep it until it expires, and "
            f"others apply none (RFC 8461 §3.1, §5.1). {fix}."
        )
    if record.state == "invalid":
        return f"{record.detail} {fix} in place of {'them' if record.discarded > 1 else 'it'}."
    if record.found_id and record.found_id == policy.policy_id:
        # The plain TXT the records list offers, behind the owner's own alias: senders get
        # the current id now, but no change of ours reaches that record.
        return (
            f"{record.detail}: senders get the current id through it for now, but we cannot "
            "change it there, so the next policy change will not reach them. "
            f"{fix} in place of it."
        )
    return f"{record.detail}: senders never see our policy id there. {fix} in place of it."


def policy_host_steps(
    policy: HostedPolicy, leads: tuple[bool, str], now: datetime, only: dict[Step, Told | None]
) -> list[Step]:
    """policy_host_told, with whom each step goes to: a move away from us (or a flap, or a
    flap settled elsewhere) is told to whoever hears, and recorded (notify.note_told); its
    end (leading to us again, or a flap settled on us) goes to them in `only`."""
    # Told of already: the name leads elsewhere, or its answers flap (a flap settling
    # elsewhere is still that problem; one that leads elsewhere after leading to us is news).
    standing = (
        policy.policy_host_state == "elsewhere" or policy.policy_host_unstable_since is not None
    )
    steps = policy_host_told(policy, *leads, now)
    for step in steps:
        if policy.policy_host_state == "ours" and policy.policy_host_unstable_since is None:
            only[step] = told_end(policy, "policy-host")
        else:
            note_told(policy, "policy-host", standing=standing)
    return steps


def policy_host_told(
    policy: HostedPolicy, ours: bool, detail: str, now: datetime
) -> list[tuple[str, str]]:
    """Where mta-sts.<name> leads, told when it stops leading to our policy host for another
    host (and once when it leads to us again). Senders then fetch the policy served there,
    with a valid certificate of its own perhaps, so the certificate watch sees nothing amiss
    while the MX we follow reach no sender. A name that leads nowhere is the certificate
    watch's to tell (NXDOMAIN); a failed lookup says nothing; only a change from leading to
    us is told (a name never pointed at us is what the hosting page's records list shows,
    and its first move to us is not told: nothing is left for the owner to do); while
    hosting winds down it is only recorded (a new provider may serve the policy). A name no
    reading found ours but someone reached us under since hosting began
    (policy_host_seen_at) has led to us: it is told once when found elsewhere.

    Name servers that disagree (one gives our policy host, another the other host) flip the
    reading from sync to sync. That is damped as MX answers going back and forth are
    (HostedPolicy.note_answer, follow_mx): a change and its undoing are told as they happen
    (the owner fixed a mistake), but a second return within MX_STABLE_AFTER is told once
    (the name servers disagree), the changes after it are only recorded, and once a reading
    has held MX_STABLE_AFTER the team hears where the name leads then."""
    state = lookups.leads_state(ours, detail)
    if state == "unknown":
        return []  # a failed lookup neither continues nor ends a flap
    before = policy.policy_host_state
    if state == "missing" and before in ("ours", "elsewhere"):
        # A spell without the name (deleted, then pointed at another provider; NXDOMAIN for
        # a while) is the certificate watch's to tell, and keeps where it led last: a move
        # from us through it is told as any, and so is one back.
        state = before
    # No reading has found the name ours during this hosting (first read elsewhere: hosted
    # before policy_host_state existed, or moved between enable and the first sync). Someone
    # reaching us under it since hosting began (policy_host_seen_at: Caddy's `ask` said yes
    # to a handshake with the name) shows it led to us all the same: leading
    # elsewhere now is then a move away from us, told once (the move sets changed_at). A name
    # never seen here stays what the records list shows.
    never_ours = before != "ours" and policy.policy_host_changed_at is None
    if state == "elsewhere" and never_ours and policy.policy_host_seen_at is not None:
        before = "ours"
    policy.policy_host_state = state
    host = f"mta-sts.{policy.name}"
    window = now - MX_STABLE_AFTER

    def recent(when: datetime | None) -> bool:
        return when is not None and when > window

    said: list[tuple[str, str]] = []
    if before == state:
        if policy.policy_host_unstable_since is not None and not recent(
            policy.policy_host_changed_at
        ):
            # The reading has held MX_STABLE_AFTER: the flap is over, told once.
            policy.policy_host_unstable_since = None
            policy.policy_host_back_at = None
            if policy.state == HostedPolicy.State.ACTIVE:
                said.append(("policy-host", policy_host_settled(policy, host, detail)))
        return said
    if before not in ("ours", "elsewhere") or state not in ("ours", "elsewhere"):
        return []  # a first reading: nothing was told, nothing to damp
    # A change between ours and elsewhere. It returns to the reading before the last change
    # when that one is recent (with two readings, every change back is a return); a second
    # return within MX_STABLE_AFTER is a flap.
    back = recent(policy.policy_host_changed_at)
    flapping = back and recent(policy.policy_host_back_at)
    policy.policy_host_changed_at = now
    if back:
        policy.policy_host_back_at = now
    if policy.state != HostedPolicy.State.ACTIVE:
        return []
    if policy.policy_host_unstable_since is not None:
        return []  # told once that the answers disagree; recorded only meanwhile
    if flapping:
        policy.policy_host_unstable_since = now
        return [
            (
                "policy-host",
                f"{host} leads to us at one lookup and elsewhere at the next (now: {detail}): "
                "most likely its name servers disagree (one still gives an old record), so "
                "senders asking the other one fetch the policy served there, not ours. Make "
                f"every name server of {policy.name} give {host}. CNAME "
                f"{settings.MAILSEC_POLICY_HOST}. (if another provider serves your policy now, "
                f"stop hosting here). We tell you once the answer has held {MX_STABLE_HOURS} "
                "hours.",
            )
        ]
    if state == "elsewhere":
        return [("policy-host", policy_host_left(host, detail))]
    if never_ours:
        # Leading to us for the first time is the owner doing what the records list asks
        # (that list shows it done): nothing to act on, and "again" would be untrue. Recorded
        # (changed_at), so a move away from here on is told.
        return []
    return [
        (
            "policy-host",
            f"{host} leads to us again ({detail}): senders fetch the policy we host.",
        )
    ]


def policy_host_left(host: str, detail: str) -> str:
    """The policy-host words for mta-sts.<name> leading to another host."""
    return (
        f"{host} no longer leads to us: {detail}. Senders fetch the policy served "
        "there, not the one we host, so the MX changes we follow reach no sender. "
        "If another provider serves your policy now, stop hosting here; otherwise "
        f"publish {host}. CNAME {settings.MAILSEC_POLICY_HOST}. in its place."
    )


def policy_host_settled(policy: HostedPolicy, host: str, detail: str) -> str:
    """The end of a flap of mta-sts.<name>: where it has led for MX_STABLE_AFTER."""
    held = f"The lookups of {host} have given one answer for {MX_STABLE_HOURS} hours"
    if policy.policy_host_state == "ours":
        return f"{held}: {host} leads to us ({detail}): senders fetch the policy we host."
    return f"{held}. {policy_host_left(host, detail)}"


def failing_due(policy: HostedPolicy, now: datetime) -> bool:
    """Must the team be told now that no MX lookup has answered (the current one failed
    too)? After MX_FAILING_TELL_AFTER of failures in a row, once, while hosting is on: winding
    down, mode none is served and no MX needs following."""
    failing_for = policy.lookups_failing_for(now)
    return (
        policy.state == HostedPolicy.State.ACTIVE
        and not policy.mx_failing_told
        and failing_for is not None
        and failing_for >= MX_FAILING_TELL_AFTER
    )


# Kinds only recorded on the page while the MX answers differ between lookups: what makes them
# is the next lookup asking the other name server, not a change the team must hear of.
QUIET_WHILE_UNSTABLE = frozenset(
    {"mx-back", "mx-leaving", "mx-unusable", "mx-recovered", "mx-null-mixed"}
)


def unusable_label(found: lookups.MxLookup) -> str:
    """A null MX, NXDOMAIN or no-MX-no-address answer in a few words (flapping_message
    names it)."""
    if found.nxdomain:
        return "NXDOMAIN"
    return "no MX and no address" if found.no_address else "a null MX (MX 0 .)"


# told_to's key for one MX host told as an alias (aliases_told).
ALIAS_TOLD = "mx-alias:"


def aliases_told(
    policy: HostedPolicy, found: lookups.MxLookup, only: dict[Step, Told | None]
) -> list[Step]:
    """Note which MX hosts are aliases (note_aliases); the steps that say what changed. A
    host told as an alias (newly, or aliased elsewhere, its target gone or back: a later
    notice of the same host) is recorded with whom it goes to, by host (notify.note_told,
    "mx-alias:<host>"); its end (no longer an alias) goes to them in `only`, as every end of
    a problem does (task s45e). A host no longer kept (it left the MX and its removal is
    done) is forgotten with its record: should it come back as an alias, that is told afresh."""
    before = set(policy.mx_aliases)
    steps: list[Step] = []
    for host, message in policy.note_aliases(found.aliases, found.alias_unknown, found.dangling):
        step = ("mx-alias", message)
        if host in policy.mx_aliases:
            note_told(policy, ALIAS_TOLD + host, standing=host in before)
        else:
            only[step] = told_end(policy, ALIAS_TOLD + host)
        steps.append(step)
    for problem in [p for p in policy.told_to if p.startswith(ALIAS_TOLD)]:
        if problem.removeprefix(ALIAS_TOLD) not in policy.mx_aliases:
            del policy.told_to[problem]
    return steps


def null_beside_told(
    policy: HostedPolicy, beside: bool, only: dict[Step, Told | None]
) -> list[Step]:
    """Note whether a null MX stands beside the MX records (note_null_beside); the step that
    says it changed. Its appearance is recorded (notify.note_told) unless only recorded
    while the MX answers flap (follow_mx forgets it then); its end goes to them in `only`."""
    steps = [("mx-null-mixed", m) for m in policy.note_null_beside(beside)]
    for step in steps:
        if policy.mx_null_beside:
            note_told(policy, "mx-null-mixed")
        else:
            only[step] = told_end(policy, "mx-null-mixed")
    return steps


def follow_mx(
    policy: HostedPolicy,
    found: lookups.MxLookup,
    now: datetime,
    only: dict[Step, Told | None] | None = None,
) -> tuple[list[tuple[str, str]], frozenset[str]]:
    """Apply an MX answer (not a failed lookup) to the locked policy; the steps to tell, and
    the kinds among them only recorded (tell_all's quiet). The notice of a problem that lasts
    (no MX lookup answering, a flap, a null MX or NXDOMAIN, a null MX beside the MX records)
    is recorded with whom it goes to (notify.note_told), and its end goes to those who still
    hear: added to `only` (tell_all's), by step.

    Every step is returned. Which are emailed depends on whether the answers agree. A change
    and its undoing (a host that left and is back, MX records back after a null MX or
    NXDOMAIN) are told as they happen: the owner fixed something, or put back what was removed
    by mistake. But a second answer coming back within MX_STABLE_AFTER (A, B, A, B; or three
    in turn, A, B, C, A, B) means name servers answer differently, and each 5-minute sync
    would otherwise email "mx2 left", then "mx2 is back" (HostedPolicy.note_answer). The team
    is told that once (mx-flapping, naming every answer seen within MX_STABLE_AFTER, at most
    MX_FLAP_ANSWERS), the QUIET_WHILE_UNSTABLE steps of a change among those answers are then
    recorded only, and once an answer has held MX_STABLE_AFTER the team hears it (mx-stable),
    with what still leaves the policy. A change to or from any other answer (a null MX from
    a third name server, another MX set) is news, emailed as usual; should that answer come
    back too, it joins the others (one more mx-flapping email naming them all), unless the
    flap already has MX_FLAP_ANSWERS: then its changes go on being emailed. Nothing about the
    text changes: a departed host stays listed until its removal is due, and coming back
    cancels that removal."""
    only = {} if only is None else only
    said: list[tuple[str, str]] = []
    if policy.mx_failed_since is not None:
        if policy.mx_failing_told:
            # The team was told none answered: once, that one does, whatever it says.
            policy.mx_failing_told = False
            answer = unusable_label(found) if found.unusable else ", ".join(found.hosts)
            step = (
                "mx-answering",
                policy.answering_again_message(
                    policy.mx_failed_since, answer, followed=not found.unusable
                ),
            )
            said.append(step)
            only[step] = told_end(policy, "mx-failing")
        failed_for = now - policy.mx_failed_since
        if policy.mx_unstable_since is not None and failed_for >= MX_STABLE_AFTER:
            # Lookups that failed say nothing of the answers meanwhile: days of them are not
            # an answer that held. Shorter failures are missed lookups between answers, not
            # a restart: a name server failing every other lookup would otherwise restart
            # the hours at each answer, the flap would never end, and every MX change after
            # it would stay unemailed. (An answer that differs restarts them below anyway.)
            # Unchanged answers keep mx_earlier as it was.
            policy.mx_changed_at = now
        policy.mx_failed_since = None
    if policy.mx_unstable_since is not None and policy.mx_answer_held(now):
        policy.mx_unstable_since = None
        policy.mx_flap_answers = []
        step = ("mx-stable", policy.settled_message())
        said.append(step)
        only[step] = told_end(policy, "mx-flapping")
    before = policy.mx_answer()
    steps: list[tuple[str, str]] = []
    if found.unusable:
        # A null MX or NXDOMAIN: taking every host out would leave a testing/enforce policy
        # without mx (RFC 8461 §3.2), and one transient NXDOMAIN would start removing the
        # real hosts. The last good policy stays; the owner hears once, until the MX are
        # back (a failed lookup meanwhile neither ends nor repeats it).
        policy.last_sync_error = f"MX not followed: {found.unusable}"[:500]
        if not policy.mx_unusable:
            steps.append(
                (
                    "mx-unusable",
                    f"{policy.name}: {found.unusable}. The policy is unchanged and keeps "
                    f"listing {', '.join(policy.listed_patterns())}. If the domain no longer "
                    "receives mail, stop hosting; otherwise fix its MX records.",
                )
            )
        policy.mx_unusable = unusable_label(found)
        # Whatever came before, this answer names no host: a null MX beside the real ones
        # that comes back with them is told afresh.
        policy.mx_null_beside = False
        policy.told_to.pop("mx-null-mixed", None)
    else:
        policy.last_sync_error = ""
        recovered = bool(policy.mx_unusable)
        policy.mx_unusable = ""
        # To whom the null MX or NXDOMAIN was told; the next problem's notice starts afresh.
        told = told_end(policy, "mx-unusable")
        moved = [(mx_event_kind(m), m) for m in policy.apply_mx(found.hosts, now)]
        if recovered:
            # As the certificate watch tells a certificate valid again: the team was asked
            # to fix the MX records, and hears once that the policy follows them again.
            step = (
                "mx-recovered",
                f"The MX records of {policy.name} are back ({', '.join(policy.mx_live)}): "
                "the policy follows them again.",
            )
            steps.append(step)
            only[step] = told
        steps += moved
        # Only now: this lookup confirms the hosts due for removal are still gone.
        steps += [("mx-removed", m) for m in policy.drop_due_removals(now, found.hosts)]
        # Told, never acted on: the policy lists the MX record's name either way.
        steps += aliases_told(policy, found, only)
        # Told, never acted on: senders deliver to the real hosts beside it.
        steps += null_beside_told(policy, found.null_beside, only)
    after = policy.mx_answer()
    quiet: frozenset[str] = frozenset()
    if after != before:
        policy.mx_changed_at = now
        flapping = policy.note_answer(before, now)
        answers = list(policy.flapping_answers() or ())
        if flapping and not answers:
            # A flap starts: every answer seen within the window is one of it (three name
            # servers, or three answers in turn, name three), the two of this change first.
            policy.mx_unstable_since = now
            answers = [before, after]
            seen = policy.answers_seen(now)
            answers += [a for a in seen if a not in answers][: MX_FLAP_ANSWERS - 2]
            note_told(policy, "mx-flapping")
            said.append(("mx-flapping", policy.flapping_message(tuple(answers))))
        elif flapping and after not in answers and len(answers) < MX_FLAP_ANSWERS:
            # An answer that was news during the flap (emailed coming and going) came back:
            # one of the flap's now, told once with all of them.
            answers.append(after)
            note_told(policy, "mx-flapping", standing=True)
            said.append(("mx-flapping", policy.flapping_message(tuple(answers))))
        if answers:
            policy.mx_flap_answers = answers
        if before in answers and after in answers:
            quiet = QUIET_WHILE_UNSTABLE
    if any(kind == "mx-unusable" for kind, _ in steps):
        # Whom tell_all emails the notice to: "the MX records are back" goes to them who still
        # hear, not to one who joined since.
        note_told(policy, "mx-unusable")
    for problem in {kind for kind, _ in steps} & {"mx-unusable", "mx-null-mixed"} & quiet:
        # Only recorded while the answers flap: nobody was told, and its end is told to
        # whoever hears then.
        policy.told_to.pop(problem, None)
    return said + steps, quiet


def plain_txt_told(policy: HostedPolicy) -> list[tuple[str, str]]:
    """For a change of the policy text made outside the MX sync (the owner's mode, max_age,
    patterns, Stop or Keep hosting): when the last sync found a plain `_mta-sts` TXT, the
    `record` step giving the exact record with the new id. Senders holding the policy keep
    applying it until that record changes (RFC 8461 §3.1, §5.1): Switch to enforce would not
    reach them, nor would mode none before the release. The record is stale from now on, so
    the next sync, finding it so, tells nothing again. Call after refresh_text, before
    saving; [] for a CNAME into our zone (we change the id there) or an unknown record. An
    invalid one (senders discard it) needs the new id as much, and stays "invalid": the next
    sync, finding it still so, tells nothing again (s41r)."""
    if policy.record_state not in ("txt", "stale", "invalid"):
        return []
    zone = PolicyZone.from_settings()
    if policy.record_state == "txt":
        policy.record_state = "stale"
    return [("record", stale_txt_message(policy, zone.record_name(policy.name) if zone else ""))]


def stale_txt_message(policy: HostedPolicy, zone_name: str) -> str:
    """What the owner of a plain `_mta-sts` TXT must publish now that the id changed."""
    name = f"_mta-sts.{policy.name}"
    cname = f" (or a CNAME to {zone_name}: then we change the id for you)" if zone_name else ""
    return (
        f"{name} is a plain TXT record: senders holding the policy keep applying the one "
        f'they have until it names the new id. Publish {name} TXT "v=STSv1; '
        f'id={policy.policy_id};" in place of the current record{cname}; a second '
        "v=STSv1 record beside it would leave senders with no policy at all."
    )


# What an owner's change may write (save_changes): the mode (and since when testing), max_age,
# the extra patterns, Stop hosting's state and release, then refresh_text's fields and the
# _mta-sts record's state plain_txt_told moves on.
OWNER_FIELDS = [
    "mode",
    "testing_since",
    "max_age",
    "mx_extra",
    "state",
    "release_at",
    "disabling_since",
    "text",
    "policy_id",
    "strict_until",
    "record_state",
]

# What one turn of the MX loop may write (refresh_text's fields included).
SYNC_FIELDS = [
    "mx_live",
    "mx_changed_at",
    "mx_unstable_since",
    "mx_flap_answers",
    "mx_earlier",
    "mx_failed_since",
    "mx_failing_told",
    "mx_unusable",
    "mx_null_beside",
    "told_to",
    "mx_aliases",
    "mx_alias_dangling",
    "pending_removals",
    "last_sync_at",
    "last_sync_error",
    "record_state",
    "policy_host_state",
    "policy_host_changed_at",
    "policy_host_back_at",
    "policy_host_unstable_since",
    "text",
    "policy_id",
    "strict_until",
]


def set_mode(policy: HostedPolicy, mode: str, now: datetime | None = None) -> list[tuple[str, str]]:
    """Change the mode; the steps told (save_changes). The row is locked and read again first,
    as disable does: `policy` may be a copy read before the sync wrote (told_to, the MX, a new
    text) or the certificate watch did, and the text must be made from the row as it is (task
    s45e). Nothing happens ([]) once the row is gone or no longer active (Stop hosting since:
    a mode saved then would apply at once on Keep hosting, as the page's forms refuse)."""
    now = now or timezone.now()
    with transaction.atomic():
        if not lock_fresh(policy) or policy.state != HostedPolicy.State.ACTIVE:
            return []
        before = policy.mode
        policy.set_mode(mode, now)
        return save_changes(
            policy, [("mode", f"Mode {before} → {mode}.")] if before != mode else [], now
        )


def disable(policy: HostedPolicy, now: datetime | None = None) -> list[tuple[str, str]]:
    """Stop hosting safely (mode none until release_at); the steps told (save_changes).
    Idempotent: a policy already winding down (or released) is left as it is and nothing is
    told, so a retried task or a second caller cannot push the release date later. The row is
    locked and read again first: `policy` may be a copy read before another call saved."""
    now = now or timezone.now()
    with transaction.atomic():
        if not lock_fresh(policy) or policy.state != HostedPolicy.State.ACTIVE:
            return []
        policy.begin_disable(now)
        return save_changes(
            policy,
            [
                (
                    "disabling",
                    "Hosting is being turned off: mode none is served until "
                    f"{utc_time(policy.release_at)} (max_age, or longer while senders "
                    "may still hold an earlier testing/enforce copy), so senders drop the old "
                    "policy before we stop answering.",
                )
            ],
            now,
        )


def detach(policy: HostedPolicy, now: datetime, why: str = "The domain was deleted") -> None:
    """The domain is being deleted (or its team lost control of it, lose_control) while
    senders may hold a testing/enforce copy of its policy: keep serving mode none (a new id)
    without the domain until the release. Called inside the deletion's transaction; the id
    goes to our zone once it commits."""
    policy.detach(now)
    policy.refresh_text(now)
    policy.save()
    tell(
        policy,
        "detached",
        f"{why}: mode none is served until {utc_time(policy.release_at)} "
        "(when every testing/enforce copy senders may hold has expired), so senders drop "
        "the old policy before we stop answering.",
        now=now,
    )
    # robust: the domain is deleted by then, and the next sync retries an id still owed
    transaction.on_commit(lambda: publish(policy, now), robust=True)


def release(policy: HostedPolicy, now: datetime) -> None:
    """The end of a safe disable: stop serving, withdraw our TXT, free the name."""
    with transaction.atomic():
        # Locked, and read again: a takeover (enable) or "Keep hosting" since the policy was
        # read means the TXT in our zone is a live policy's, not ours to withdraw.
        if not HostedPolicy.objects.select_for_update().filter(
            pk=policy.pk, state=HostedPolicy.State.DISABLING, release_at__lte=now
        ):
            return
        # sync_all's copy was read before the run: what a sync (the MX and text it followed
        # while winding down) or the certificate watch wrote since is not put back (s45e).
        policy.refresh_from_db()
        zone = PolicyZone.from_settings()
        if zone is not None:
            try:
                zone.withdraw(policy.name)
            except ZoneError as exc:
                policy.last_sync_error = f"zone: {exc}"[:500]
                policy.last_sync_at = now  # sync_all's order: back of the line
                policy.save(update_fields=["last_sync_error", "last_sync_at"])
                return  # retried at the next sync; until then mode none keeps being served
        policy.state = HostedPolicy.State.OFF
        policy.release_at = None
        policy.disabling_since = None
        policy.published_id = ""
        # No sync looks at the _mta-sts record any more (the owner is told to remove it): what
        # the last one saw must not pass for the record of a later hosting, nor where
        # mta-sts.<name> led (a later hosting's first sync read "ours" → "elsewhere" as a move
        # away from us), nor an outage of our zone told (the withdrawal just went through).
        policy.record_state = ""
        policy.policy_host_state = ""
        policy.policy_host_changed_at = None
        policy.policy_host_back_at = None
        policy.policy_host_unstable_since = None
        policy.policy_host_seen_at = None
        policy.zone_failing_told = False
        if policy.is_detached:
            # Its domain is gone: nobody is left to read its history or be told.
            log.info("hosting: released %s (its domain was deleted)", policy.name)
            policy.delete()
            return
        policy.save()
    tell(
        policy,
        "released",
        f"Hosting is off for {policy.name}: we no longer serve its policy. Remove the "
        f"mta-sts.{policy.name} and _mta-sts.{policy.name} records from your DNS.",
        now=now,
    )


# --- Certificate watch -----------------------------------------------------------------------


@dataclass
class CertReading:
    not_after: datetime | None
    error: str = ""
    # The reading failed on our side (our resolver's SERVFAIL or timeout, a timeout or network
    # error of our connection): it says nothing about what senders get.
    could_not_check: bool = False
    # The certificate's start, when one was read: its life decides which notices apply.
    not_before: datetime | None = None
    # Our connection got no complete answer in time (could_not_check): whether our own TLS
    # front end holds the handshake open is asked next (held_without_certificate).
    timed_out: bool = False
    # A bad reading of that kind: our front end holds every handshake with the name open,
    # waiting on an ACME CA that refuses or fails to issue its certificate.
    held: bool = False

    def thresholds(self) -> list[int]:
        """The days-left notices that apply to this certificate: those in the second half of
        its life, as the domain check's expiry alerts (alerts.rules.cert_threshold). A
        short-lived certificate (6 days, 30 days) is renewed on schedule at about a third to
        half of its life left, so a notice earlier than that would come with every renewal."""
        if self.not_after is None or self.not_before is None:
            return list(CERT_THRESHOLDS)
        lifetime = (self.not_after - self.not_before).total_seconds() / 86400
        return [t for t in CERT_THRESHOLDS if 2 * t < lifetime]

    def last_chance(self) -> timedelta:
        """How much time left the last notice is told at, whatever the certificate's life: a
        short-lived one gets neither 21 nor 7, and its expiry would otherwise be told only
        once senders without a cached policy can fetch none. 2 days, or a quarter of the life
        when shorter: our TLS front end renews at a third of the life left (a 6-day
        certificate at 2 days), so a reading at 2 days might come while that renewal is
        under way; at a quarter (36 hours of 6 days) it is 12 hours late, and the twice-daily
        watch still tells it with a day or more to go."""
        at = timedelta(days=CERT_LAST_CHANCE)
        if self.not_after is None or self.not_before is None:
            return at
        return min(at, (self.not_after - self.not_before) / 4)

    def due(self, now: datetime) -> list[int]:
        """The notices (days left) due at `now`: the thresholds crossed, and the last chance
        (CERT_LAST_CHANCE) once its time has come, until the expiry: an expired certificate
        is no valid certificate, told as that (tell_cert_state), not as time left."""
        assert self.not_after is not None
        left = self.not_after - now
        due = [t for t in self.thresholds() if left.days <= t]
        if timedelta(0) < left <= self.last_chance():
            due.append(CERT_LAST_CHANCE)
        return due


def read_certificate(name: str) -> CertReading:
    """The certificate a sender gets from mta-sts.<name> (verification failures included: the
    expiry is still worth knowing)."""
    config = replace(engine_config(), mechanisms=())

    async def go() -> https.HttpsResult:
        return await https.fetch(CheckContext(name, config), policy_url(name))

    result = asyncio.run(go())
    if result.cert is None or not result.cert.not_after:
        # A non-public address (the guard's refusal) is an answer: no sender can reach it.
        ours = https.COULD_NOT_CHECK - {"refused-target"}
        unknown = result.dns_failed or result.error_kind in ours
        return CertReading(
            None,
            result.error or "no certificate",
            could_not_check=unknown,
            timed_out=unknown and not result.dns_failed and result.error_kind == "timeout",
        )
    not_after = _utc(result.cert.not_after)
    fresh = result.cert.starts_in is not None and not result.cert.stale_ca
    if result.error_kind == "tls-cert" and fresh:
        # A stale CA certificate on the leaf's path is no clock difference (as MTASTS-12).
        return _not_yet_valid(not_after, result.cert.not_before, result.cert.starts_in)
    not_before = _utc(result.cert.not_before) if result.cert.not_before else None
    if result.error_kind != "tls-cert":
        return CertReading(not_after, "", not_before=not_before)
    if result.cert.stale_ca:
        # OpenSSL's words name only the leaf's dates; say which CA certificate broke the path.
        stale = https.refusal_text(result)
        return CertReading(
            not_after, f"certificate not accepted: it comes {stale}", not_before=not_before
        )
    return CertReading(not_after, result.error, not_before=not_before)


def _utc(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _not_yet_valid(not_after: datetime, not_before: str, starts_in: float) -> CertReading:
    """The reading of a leaf refused as not yet valid (https.CertInfo.starts_in).

    Our TLS front end deploys an on-demand certificate the moment the CA issues it, and not
    every ACME CA backdates notBefore: for those seconds senders whose clock agrees with ours
    (or runs behind the CA's) refuse it, and a minute later none do. Within
    certs.NOT_BEFORE_SKEW that says nothing about the certificate senders get: could not check,
    which neither starts nor ends the streak of bad readings (as MTASTS-12 treats it). Beyond
    it the certificate is simply not valid yet: a bad reading, saying until when."""
    starts = certs.utc_text(datetime.fromisoformat(not_before))
    if starts_in <= certs.NOT_BEFORE_SKEW.total_seconds():
        seconds = max(1, round(starts_in))
        return CertReading(
            not_after,
            f"the certificate becomes valid at {starts}, {seconds} second"
            f"{'s' if seconds != 1 else ''} after this reading (most likely issued the moment before)",
            could_not_check=True,
        )
    return CertReading(not_after, f"the certificate is not valid until {starts}")


# How long a handshake for a hosted name must go unanswered to count as held open.
HELD_AFTER = 10.0
# How soon our front end must answer a handshake for our policy host to count as answering
# "at once": a fifth of the hold, so a front end slow on every handshake (busy, its disk or
# storage stalled) answers no control in time and is never read as holding one name's open.
ANSWERS_WITHIN = 2.0


def _handshake(address: str, server_name: str, timeout: float) -> str:
    """One TLS handshake with `address`:443 for `server_name`, nothing verified: "answered"
    (a certificate or an alert, either is an answer), "held" (connected, then no answer to
    the ClientHello within `timeout`) or "unreachable" (no connection)."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    try:
        raw = socket.create_connection((address, 443), timeout=timeout)
    except OSError:
        return "unreachable"
    try:
        with context.wrap_socket(raw, server_hostname=server_name):
            return "answered"
    except TimeoutError:
        return "held"
    except (ssl.SSLError, OSError):
        return "answered"  # an alert, or the connection closed: not held open
    finally:
        raw.close()


class FrontEnd:
    """Our TLS front end as one certificate-watch run finds it: asked once (at the run's
    first timed-out reading) whether it answers a handshake for our policy host within
    ANSWERS_WITHIN, and the answer kept for the rest of the run. A front end hard down
    (connections silently dropped) otherwise cost every timed-out reading another probe, and
    the run's budget covered fewer names for the same question."""

    def __init__(self) -> None:
        self._asked = False
        self._address = ""

    def address(self) -> str:
        """The first address our front end answered at once on, or "" (no address, or none of
        the first FRONT_END_ADDRESSES answered in time or passed the SSRF guard: our own or
        our network's trouble)."""
        if not self._asked:
            self._asked = True
            self._address = _front_end_answering()
        return self._address

    def gone(self) -> None:
        """A handshake found no connection after all: ask nothing more this run."""
        self._asked, self._address = True, ""


# The run's FrontEnd (watch_certificates sets it: one_probe_per_run); None outside a run,
# where each reading asks for itself.
_RUN_FRONT_END: ContextVar[FrontEnd | None] = ContextVar("hosting_front_end", default=None)


@contextmanager
def one_probe_per_run() -> Iterator[FrontEnd]:
    """Within this block every certificate reading shares one FrontEnd: our policy host is
    probed at most once."""
    front_end = FrontEnd()
    token = _RUN_FRONT_END.set(front_end)
    try:
        yield front_end
    finally:
        _RUN_FRONT_END.reset(token)


# How many of our policy host's addresses the control handshake tries, in the resolver's
# order (A, then AAAA): a few front ends (or one with an IPv4 and an IPv6 address) are tried
# in turn, and the run's one probe costs at most this many control handshakes (each within
# ANSWERS_WITHIN to connect and as much to answer: 16 s at worst, once per run).
FRONT_END_ADDRESSES = 4


def _front_end_answering() -> str:
    """The first address of our policy host at which our front end answers a handshake for it
    within ANSWERS_WITHIN, else "". Each address is tried in turn (at most
    FRONT_END_ADDRESSES), as a sender tries each address of mta-sts.<domain> (which leads to
    our policy host, so has the same ones): the first one down, or one the SSRF guard
    refuses, no longer makes the whole probe "could not check" (task s43f). The name's own
    handshake is then held at the address that answered."""
    addresses, _ = asyncio.run(lookups.client().addresses(settings.MAILSEC_POLICY_HOST))
    for address in addresses[:FRONT_END_ADDRESSES]:
        try:
            # SSRF guard, as every probe: never a connection to a non-public address (a
            # poisoned or mistaken answer for our own name), unless the deployment allows
            # them (the lab).
            net.guard(address, engine_config())
        except (net.TargetRefused, ValueError):
            continue
        if _handshake(address, settings.MAILSEC_POLICY_HOST, ANSWERS_WITHIN) == "answered":
            return address
    return ""


def held_without_certificate(name: str) -> str:
    """Why senders get nothing from mta-sts.<name> when our own TLS front end is the reason,
    else "". Caddy's on-demand TLS holds a handshake open while it gets the name's
    certificate, and while the ACME CA refuses it (a rejected identifier, a rate limit, a CAA
    refusal) it keeps retrying with the handshake held, so every reading times out and was
    "could not check", told to nobody (task s39i: pebble refusing a name). Told apart from our
    own network's trouble by asking again: our front end answers a handshake for another name
    (the policy host's own) within ANSWERS_WITHIN (2 s), the name leads to our policy host,
    and our front end holds the name's handshake open for HELD_AFTER seconds (10 s, or the
    check timeout). Our front end is asked once per run (one_probe_per_run); when it did not
    answer, nothing else is asked."""
    host = f"mta-sts.{name}"
    front_end = _RUN_FRONT_END.get() or FrontEnd()
    # Our front end first: when it answers no handshake at once, the trouble is ours (or our
    # network's), "could not check" as before, and nothing else is asked.
    address = front_end.address()
    if not address:
        return ""
    ours, _ = asyncio.run(lookups.points_at_us(lookups.client(), host))
    if not ours:
        return ""
    held = _handshake(address, host, max(HELD_AFTER, engine_config().timeout))
    if held == "unreachable":
        front_end.gone()  # it answered at the run's start and accepts no connection now
    if held != "held":
        return ""
    log.error(
        "hosting: our TLS front end holds handshakes for %s open without a certificate: the "
        "ACME CA refuses or fails to issue it (its error is in Caddy's log, logger tls.obtain)",
        host,
    )
    return (
        f"our TLS front end has no certificate for {host}: the ACME CA refuses or fails to "
        "issue it, and senders' TLS connections wait until they give up"
    )


def watch_certificate(policy: HostedPolicy, now: datetime | None = None) -> int | None:
    """Record the certificate's expiry; tell the owner at 21 and at 7 days left (in the
    second half of its life) and at the last chance (once each). Returns the days left, or
    None when no certificate could be read (or the policy is no longer served).

    The certificate is read first, without the row lock (network); what it means is then
    weighed against the row locked and read again, as set_mode and the sync do (s45e): the
    task's `policy` was read at the start of its run, and meanwhile another watch may have
    told a notice and recorded whom it went to (cert_warned_to), the domain may have been
    deleted or hosting released (task s46b). Only the watch's own fields are saved."""
    now = now or timezone.now()
    reading = read_certificate(policy.name)
    if reading.could_not_check and reading.timed_out:
        # Our front end holding the name's handshakes open (the ACME CA refusing it) is an
        # answer about what senders get, not our trouble: a bad reading, told as any once a
        # second one confirms it (tell_cert_state), with the recovery told when it ends.
        held = held_without_certificate(policy.name)
        if held:
            reading = CertReading(None, held, held=True)
    with transaction.atomic():
        if not lock_fresh(policy) or policy.state == HostedPolicy.State.OFF:
            return None
        return _weigh_certificate(policy, reading, now)


def _weigh_certificate(policy: HostedPolicy, reading: CertReading, now: datetime) -> int | None:
    """watch_certificate's part under the row lock: record `reading`, tell what it means."""
    policy.cert_checked_at = now
    if reading.could_not_check:
        # Recorded, never told: one outage of our resolver must not email every team. The
        # streak of bad readings (cert_bad_since) and what the team was told stay as they are.
        policy.cert_error = f"could not check: {reading.error}"[:300]
        policy.save(update_fields=["cert_checked_at", "cert_error"])
        return None
    policy.cert_error = reading.error[:300]
    # The recovery ("valid again", with its date) is the one word on a certificate that ends
    # a problem the team was told of: no renewed email beside it.
    recovered = policy.cert_alerted and not reading.error
    tell_cert_state(policy, reading, now)
    if reading.not_after is None:
        policy.save(
            update_fields=[
                "cert_checked_at",
                "cert_error",
                "cert_alerted",
                "cert_bad_since",
                "cert_warned_to",
            ]
        )
        return None
    before = policy.cert_not_after
    policy.cert_not_after = reading.not_after
    days = (reading.not_after - now).days
    due = reading.due(now)
    if (
        policy.cert_warned_days is not None
        and not reading.error
        and (not due or (before is not None and reading.not_after > before))
    ):
        # Renewed after an expiry notice (a certificate the notices no longer apply to is
        # another, later one): the last word the team had was a warning, so the first valid
        # reading of the new one tells it, once, with its expiry (product lessons: a recovery
        # email when fixed). A renewal on schedule, never told, is not one.
        policy.cert_warned_days = None
        if not recovered:
            tell(
                policy,
                "cert",
                f"The certificate of mta-sts.{policy.name} has been renewed: it now expires "
                f"on {reading.not_after:%Y-%m-%d}. Senders can keep fetching your policy; "
                "nothing needs doing.",
                now=now,
                # To whom the expiry notices went (who still hear about the domain), not to
                # whoever joined since: the fix of what they were told (s43f).
                only=policy.cert_warned_to,
            )
        policy.cert_warned_to = None  # the new certificate's notices start afresh
    if not due:
        policy.cert_warned_days = None  # renewed: arm the alerts again
    elif policy.cert_warned_days is None or min(due) < policy.cert_warned_days:
        _record_told(policy)
        policy.cert_warned_days = min(due)
        last = min(due) == CERT_LAST_CHANCE
        tell(
            policy,
            "cert",
            f"The certificate of mta-sts.{policy.name} expires in "
            f"{_time_left(reading.not_after - now)} ("
            + (utc_time(reading.not_after) if last else f"{reading.not_after:%Y-%m-%d}")
            + ") and has not been renewed yet. "
            + (
                "Once it expires, senders that hold no cached copy of your policy cannot fetch it. "
                if last
                else ""
            )
            + _renewal_advice(policy.name),
            now=now,
        )
    _forget_told(policy, reading)
    policy.save(
        update_fields=[
            "cert_checked_at",
            "cert_error",
            "cert_not_after",
            "cert_warned_days",
            "cert_warned_to",
            "cert_alerted",
            "cert_bad_since",
        ]
    )
    return days


def _record_told(policy: HostedPolicy) -> None:
    """Add whom a certificate notice about to be sent goes to (notify.recipients) to
    policy.cert_warned_to, the record of every notice of a certificate problem not yet told
    fixed (the expiry notices: 21, 7, last chance; "no valid certificate"), so that its fix
    (renewed, or valid again) is told to them who still hear, not to whoever hears then
    (s43f, s43k). None: no notice recorded; while one stands, it was sent before s43f (or
    s43k for "no valid certificate"), to people not kept, and it stays None: the fix then
    goes to whoever hears. Call before the notice's own flag is set."""
    standing = policy.cert_warned_days is not None or policy.cert_alerted
    policy.cert_warned_to = with_told(policy, policy.cert_warned_to, standing)


def _forget_told(policy: HostedPolicy, reading: CertReading) -> None:
    """Clear the record of whom notices went to once a valid reading leaves none standing
    (no expiry notice, no "no valid certificate"): the next notice starts afresh. A bad
    reading not yet told keeps it: the problem it may turn into is the same one."""
    if not reading.error and policy.cert_warned_days is None and not policy.cert_alerted:
        policy.cert_warned_to = None


def _renewal_advice(name: str) -> str:
    """What to check when a certificate is not renewed: CAA records forbidding our CA when
    they do, else where the name points and our reach to the CA."""
    cause = caa_reading(f"mta-sts.{name}")
    if cause.state == caa.BLOCKED:
        return cause.detail
    advice = (
        f"Check that mta-sts.{name} still points at us and that our TLS front end can reach "
        "the ACME CA."
    )
    # An accounturi we cannot weigh (RFC 8657) may be the cause: said as that.
    return f"{advice} {cause.detail}" if cause.accounts else advice


def _time_left(left: timedelta) -> str:
    """'6 days', or in hours under 2 days (a last chance of 36 hours is not '1 days')."""
    if left >= timedelta(days=2):
        return f"{left.days} days"
    hours = int(left.total_seconds() // 3600)
    return f"{hours} hour{'' if hours == 1 else 's'}"


def caa_reading(host: str) -> caa.CaaReading:
    """Whether CAA records (RFC 8659) allow our ACME CA to issue for `host`: a certificate that
    never comes (or is never renewed) for that reason is told as that, not as a CNAME to
    check. Through the engine's resolver, the engine's timeout for each lookup."""
    return asyncio.run(caa.read(lookups.client(), host, caa.identity()))


def tell_cert_state(policy: HostedPolicy, reading: CertReading, now: datetime) -> None:
    """Tell the team when senders stop getting a usable certificate at mta-sts.<name> (a
    refused connection, NXDOMAIN after the CNAME was removed, a certificate for another name
    because the name now points elsewhere, an expired or untrusted one...), and once when they
    get one again. Without a certificate valid for that name senders cannot fetch the policy
    (RFC 8461 §3.3): new senders get no protection, and the ones holding it cannot refresh it.
    Once per change, not every run, and only once a second reading at least
    CERT_CONFIRM_AFTER after the first saw the problem too. `reading` is an answer, never a
    "could not check" (watch_certificate keeps those away from here)."""
    host = f"mta-sts.{policy.name}"
    if reading.error:
        if policy.cert_bad_since is None:
            policy.cert_bad_since = now
    else:
        policy.cert_bad_since = None
    confirmed = policy.cert_bad_since is not None and (
        now - policy.cert_bad_since >= CERT_CONFIRM_AFTER
    )
    if confirmed and not policy.cert_alerted:
        _record_told(policy)
        policy.cert_alerted = True
        cause = caa_reading(host)
        if cause.state == caa.BLOCKED:
            advice = f"{cause.detail} Our TLS front end gets the certificate once they allow it."
        elif reading.held:
            # The name leads to us as it should: no CNAME to check. Whatever the CA objects
            # to is in our front end's log, ours to act on (held_without_certificate logs it).
            advice = (
                f"{host} points to us as it should: the CA's refusal is logged for our "
                "operators to resolve, and nothing needs changing on your side. We email you "
                "again once the certificate is issued."
            )
            if cause.accounts:
                advice += f" {cause.detail}"
            elif cause.state == caa.UNKNOWN:
                advice += f" (Whether CAA records allow our certificate authority: {cause.detail}.)"
        else:
            advice = (
                f"Check that {host} is still a CNAME to {settings.MAILSEC_POLICY_HOST}; our TLS "
                "front end gets the certificate once it is."
            )
            if cause.accounts:
                advice += f" {cause.detail}"
            elif cause.state == caa.UNKNOWN:
                advice += f" (Whether CAA records allow our certificate authority: {cause.detail}.)"
        tell(
            policy,
            "cert",
            f"Senders cannot fetch your policy: {host} gives no valid certificate "
            f"({reading.error}). {advice}",
            now=now,
        )
    elif not reading.error and policy.cert_alerted:
        policy.cert_alerted = False
        tell(
            policy,
            "cert",
            f"{host} serves a valid certificate again"
            + (f" (until {reading.not_after:%Y-%m-%d})" if reading.not_after else "")
            + ": senders can fetch your policy.",
            now=now,
            # To whom the notices went (who still hear about the domain), as a renewal is
            # (s43f); the record stays while an expiry notice stands (watch_certificate).
            only=policy.cert_warned_to,
        )
