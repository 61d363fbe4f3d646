"""Hosted MTA-STS: one policy per verified domain, kept in step with the domain's MX.

The model owns the rules of the closed loop (`apply_mx`, `release_due`): a new MX joins the
policy at once, a departed MX stays listed until every sender that may hold a policy naming it
has had to refetch (max_age), and turning hosting off serves `mode: none` for max_age before
the name is released. Deleting the domain turns hosting off the same way (`detach`): the
policy outlives its domain, with no team, until it is released. Neither ends before every
testing/enforce copy a sender may have cached has expired (`strict_copies_until`), even when
the policy left that mode or shortened its max_age shortly before. Every change to the text
gets a new id; the caller then publishes the id in our zone (`zone.PolicyZone`) and tells the
owner (`notify.tell`).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Collection
from datetime import datetime, timedelta

from django.db import models
from django.db.models import Q
from django.utils import timezone

from checks.findings import both_ways, u_labels
from mailsec.accounts.templatetags.zones import reader_time, utc_time
from mailsec.domains.models import Domain
from mailsec.hosting import policy as rules

# How long an MX answer must hold before it counts as stable: a host that left and came back
# sooner means the lookups disagree (two name servers out of sync), not a change the owner
# made twice. Longer than the TTL a resolver commonly caches an MX answer for (an hour), so
# the answers of two name servers alternating behind one cache are not taken as settled.
MX_STABLE_AFTER = timedelta(hours=12)
MX_STABLE_HOURS = int(MX_STABLE_AFTER.total_seconds() // 3600)

# How many answers one flap names: every answer seen within MX_STABLE_AFTER when it starts
# (the one before and the one now first, then the latest seen), and each that comes back
# later. Beyond that an answer does not join: its coming and going are emailed as they happen
# (never lost), as are those of any answer that has not come back yet. Two name servers out of
# sync give two; five is already a delegation in disarray.
MX_FLAP_ANSWERS = 5
# The earlier answers kept to tell a return from a new answer (mx_earlier): an answer forgotten
# beyond these is new if it comes again, so told.
MX_EARLIER_KEPT = 2 * MX_FLAP_ANSWERS

# How an mx-flapping message names two answers, and the pattern the hosting page reads them
# back with from that event for an episode started before mx_flap_answers was kept: side by
# side, so they change together. More answers are named as answers_in_words says.
FLAP_ANSWERS = "one gave {before}, the next {after}. Most likely"
FLAP_ANSWERS_RE = re.compile(r"one gave (?P<before>.+?), the next (?P<after>.+?)\. Most likely")


def answers_in_words(answers: tuple[str, ...]) -> str:
    """The answers of a flap, for the mx-flapping email and the hosting page's notice: two
    as "one gave A, the next B"; more separated by semicolons, as an answer of several hosts
    reads "mx1 and mx2" (or "mx1, mx2 and mx3") itself."""
    if len(answers) == 2:
        return FLAP_ANSWERS.format(before=answers[0], after=answers[1]).removesuffix(
            ". Most likely"
        )
    return f"the lookups gave {len(answers)} different answers: {'; '.join(answers)}"


# The mx-flapping email's last word, which the hosting page's notice repeats.
FLAP_UNDONE = "If you changed the MX records and changed them back, nothing needs doing."

# How long every MX lookup must have failed (SERVFAIL, a timeout: could not check) before the
# team is told that the policy no longer follows its MX. A day: 288 syncs in a row with no
# answer is no blip (a DNS provider's outage of a few hours, a night's maintenance), twice
# MX_STABLE_AFTER (after which failures already count as meaningful for a flap), and no longer
# than the shortest max_age a policy may have (policy.MIN_MAX_AGE), so the owner hears within
# one policy lifetime that an MX change they make is not being followed. A module constant, as
# MX_STABLE_AFTER and the certificate watch's thresholds are.
MX_FAILING_TELL_AFTER = timedelta(hours=24)
# How often a sighting of mta-sts.<name> here (HostedPolicy.policy_host_seen_at) is written:
# Caddy asks at every TLS handshake with the name until it holds a certificate (an ACME
# failure or its rate limit: every sender's connection), and a sighting a few minutes old
# says the same as a fresh one (the name led to us since hosting began).
SEEN_STAMP_EVERY = timedelta(minutes=10)

# last_sync_error's prefix while the MX lookups fail (service.sync_told writes it).
MX_LOOKUP_FAILED = "MX lookup failed: "


class HostedPolicyQuerySet(models.QuerySet["HostedPolicy"]):
    def servable(self) -> HostedPolicyQuerySet:
        """Policies we answer for: active or winding down (mode none) on a verified domain, and
        detached ones winding down after their domain was deleted."""
        return self.filter(
            Q(domain__verified_at__isnull=False) | Q(domain__isnull=True),
            state__in=[HostedPolicy.State.ACTIVE, HostedPolicy.State.DISABLING],
        )


class HostedPolicy(models.Model):
    class Mode(models.TextChoices):
        NONE = "none"
        TESTING = "testing"
        ENFORCE = "enforce"

    class State(models.TextChoices):
        ACTIVE = "active"
        DISABLING = "disabling"  # serving mode none until release_at
        OFF = "off"  # released: nothing served, no certificate, no TXT in our zone

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # NULL once the domain is deleted while senders may still hold a testing/enforce copy:
    # the policy then serves mode none until release_at (signals.retire_with_domain). A
    # policy nobody can have cached is deleted with its domain instead.
    domain = models.OneToOneField(
        Domain, models.SET_NULL, null=True, blank=True, related_name="hosted_policy"
    )
    # The served name, unique across teams: two teams may both verify a domain, only one
    # policy can answer on mta-sts.<name>.
    name = models.CharField(max_length=253, unique=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.ACTIVE)
    mode = models.CharField(max_length=8, choices=Mode.choices, default=Mode.TESTING)
    max_age = models.PositiveIntegerField(default=rules.DEFAULT_MAX_AGE)
    # MX hosts seen live (exact names), patterns the owner added, and departed hosts still
    # listed with the time (ISO) after which they may go.
    mx_live = models.JSONField(default=list, blank=True)
    mx_extra = models.JSONField(default=list, blank=True)
    pending_removals = models.JSONField(default=dict, blank=True)
    # Live MX hosts that are aliases (CNAME) -> the name the alias leads to, as the last MX
    # lookup found them: the page says so while it lasts, and each change is told once. A
    # departed host keeps its entry while its removal is pending (note_aliases).
    mx_aliases = models.JSONField(default=dict, blank=True)
    # Of those, the hosts whose alias leads to a name that does not exist (a dangling alias:
    # no sender can deliver there), as the last lookup that answered found them.
    mx_alias_dangling = models.JSONField(default=list, blank=True)
    # When the MX answer last changed (the hosts a lookup gave, or a null MX / NXDOMAIN coming
    # or going): how long an answer has held is what tells flapping from a change.
    mx_changed_at = models.DateTimeField(null=True, blank=True)
    # Set while lookups keep giving different answers (name servers out of sync): the team
    # was told once, hosts leaving and coming back between the episode's answers are only
    # recorded meanwhile, and one notice says when an answer has held MX_STABLE_AFTER again
    # (service.sync_told).
    mx_unstable_since = models.DateTimeField(null=True, blank=True)
    # The episode's answers (mx_answer words, at most MX_FLAP_ANSWERS), as its mx-flapping
    # emails named them: only a change among these is kept from email while it lasts; any
    # other answer is news, and joins them if it comes back (service.follow_mx).
    mx_flap_answers = models.JSONField(default=list, blank=True)
    # The answers seen before, each once, the latest seen first: {"answer": mx_answer words,
    # "until": ISO time a lookup last gave another, "back": ISO time it last came back, or
    # None}, while either is within MX_STABLE_AFTER (at most MX_EARLIER_KEPT): what tells a
    # round trip (A, B, A: told as usual) from answers going back and forth (a second return
    # within the window: a flap, note_answer).
    mx_earlier = models.JSONField(default=list, blank=True)
    # The first of the MX lookups in a row that failed (NULL once one answers): a failed
    # lookup neither continues nor ends a flap, and the page says since when none answered.
    mx_failed_since = models.DateTimeField(null=True, blank=True)
    # The team was told that no MX lookup has answered for MX_FAILING_TELL_AFTER (mx-failing);
    # cleared, with one notice (mx-answering), by the first lookup that answers. Set and
    # cleared under the row lock, so concurrent or retried syncs tell each change once.
    mx_failing_told = models.BooleanField(default=False)
    # What the last answer that was no usable MX said ("a null MX", "NXDOMAIN"); "" while MX
    # are followed. Told once when it starts and once when the MX records are back.
    mx_unusable = models.CharField(max_length=40, blank=True)
    # The last usable MX answer had a null MX (`MX 0 .`) beside its real MX records: told once
    # when it appears and once when it goes (note_null_beside), shown on the page meanwhile.
    mx_null_beside = models.BooleanField(default=False)
    # Whom the notices of each problem the MX sync tells until it ends were emailed to
    # (notify.recipients), by problem: "mx-failing", "mx-flapping", "mx-unusable",
    # "mx-null-mixed", "policy-host", and "mx-alias:<host>" for each MX host told as an alias
    # (notify.note_told). Its end (mx-answering, mx-stable, mx-recovered, the null MX gone,
    # mta-sts.<name> leading to us again, the host no longer an alias) goes to them who
    # still hear, not to one who joined since (tasks s44b, s44g, s45e; as cert_warned_to). No
    # entry for a problem standing: not recorded (told before s44g, s44b for mx-unusable,
    # s45e for an alias, or only recorded while the MX answers flapped), and its end goes to
    # whoever hears then. Written under the row lock alone (the sync: SYNC_FIELDS; Host
    # MTA-STS and Keep hosting); the certificate's are kept apart (cert_warned_to), as the
    # certificate watch saves its fields without that lock.
    told_to = models.JSONField(default=dict, blank=True)
    policy_id = models.CharField(max_length=rules.ID_MAX_LENGTH, blank=True)
    text = models.TextField(blank=True)
    # The id last written to our zone; differs from policy_id while an UPDATE is owed.
    published_id = models.CharField(max_length=rules.ID_MAX_LENGTH, blank=True)
    testing_since = models.DateTimeField(null=True, blank=True)
    release_at = models.DateTimeField(null=True, blank=True)
    # When the winding down began (Stop hosting, or the domain deleted while senders may hold
    # a testing/enforce copy): mode none has been served since. Shown on the page and in the
    # deletion emails; cleared when it ends (Keep hosting, the release).
    disabling_since = models.DateTimeField(null=True, blank=True)
    # The latest time a sender may still apply a testing/enforce text we served earlier: set
    # when such a text is replaced (a sender may have fetched it up to that moment and keeps
    # it for its max_age, RFC 8461 §5.1). The text served now adds its own bound on top
    # (strict_copies_until). NULL: no earlier strict text, or none recorded before this field.
    strict_until = models.DateTimeField(null=True, blank=True)
    last_sync_at = models.DateTimeField(null=True, blank=True)
    last_sync_error = models.CharField(max_length=500, blank=True)
    # What the customer's _mta-sts record looked like at the last sync (cname/txt/stale/...).
    record_state = models.CharField(max_length=20, blank=True)
    # Where mta-sts.<name> led at the last sync that could tell: "ours", "elsewhere" (another
    # host: senders fetch its policy, not ours) or "missing" (led nowhere since first seen: a
    # spell without the name keeps the state before it); told when it leaves "ours".
    policy_host_state = models.CharField(max_length=20, blank=True)
    # Damping a name whose name servers disagree (one answers with our policy host, another
    # with another host), as answers going back and forth are damped for the MX
    # (note_answer, MX_STABLE_AFTER): when the reading last changed between "ours" and
    # "elsewhere"; when a change last came back to the reading before it within
    # MX_STABLE_AFTER (a return: one round trip is told as it happens); and, set at a second
    # return within MX_STABLE_AFTER, since when the changes are only recorded (told once),
    # until a reading has held MX_STABLE_AFTER (told once again). service.policy_host_told.
    policy_host_changed_at = models.DateTimeField(null=True, blank=True)
    policy_host_back_at = models.DateTimeField(null=True, blank=True)
    policy_host_unstable_since = models.DateTimeField(null=True, blank=True)
    # When someone last reached us under mta-sts.<name> while we host it: Caddy's `ask`
    # said yes (a TLS handshake with that name arrived here, and the name led to our policy
    # host at the lookup). Evidence that the name led to us since hosting began for a row
    # whose readings never found it ours (hosted before policy_host_state existed, or moved
    # between two syncs): service.policy_host_told. A policy request with that Host is no
    # such evidence (views.serve_policy). Written at most every SEEN_STAMP_EVERY
    # (note_seen); cleared at the release.
    policy_host_seen_at = models.DateTimeField(null=True, blank=True)
    # Our zone refused the owed id and the team was told; cleared by the next UPDATE that
    # succeeds, so one outage is one notice, not one per sync.
    zone_failing_told = models.BooleanField(default=False)
    cert_not_after = models.DateTimeField(null=True, blank=True)
    cert_checked_at = models.DateTimeField(null=True, blank=True)
    cert_error = models.CharField(max_length=300, blank=True)
    # The smallest "days left" threshold (21, 7) already reported, so each alert goes once.
    cert_warned_days = models.PositiveSmallIntegerField(null=True, blank=True)
    # Whom those notices were emailed to (notify.recipients: member pks and team alert
    # addresses, every notice of this certificate's), and the "no valid certificate" one
    # (cert_alerted, s43k), so that its renewal or "valid again" is told to them, as an
    # alert's fix is told to whoever was told of it (task s43f; service._record_told); None:
    # not recorded (a notice sent before it was kept), the fix then goes to whoever hears now.
    cert_warned_to = models.JSONField(null=True, blank=True, default=None)
    # The team was told that mta-sts.<name> gives senders no usable certificate (cert_error);
    # cleared, with a second notice, once it does again. So each change is told once.
    cert_alerted = models.BooleanField(default=False)
    # The first of the readings in a row that saw such a problem (a reading that could not be
    # made neither continues nor ends the row): the team is told only once a later one, at
    # least service.CERT_CONFIRM_AFTER later, saw it too. NULL while the certificate is fine.
    cert_bad_since = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(default=timezone.now)

    objects = HostedPolicyQuerySet.as_manager()

    class Meta:
        constraints = [
            # A detached policy only ever winds down: nobody is left to follow MX for.
            models.CheckConstraint(
                condition=Q(domain__isnull=False) | Q(state="disabling"),
                name="detached_policy_is_disabling",
            )
        ]

    def __str__(self) -> str:
        return f"hosted policy for {self.name}"

    # --- The text ----------------------------------------------------------------------

    @property
    def served_mode(self) -> str:
        return self.Mode.NONE if self.state == self.State.DISABLING else self.mode

    def patterns(self) -> list[str]:
        listed = set(self.mx_live) | set(self.mx_extra) | set(self.pending_removals)
        return sorted(listed)

    def listed_patterns(self) -> list[str]:
        """patterns() as the text lists them: MX hosts no mx line can name are left out here,
        not only by policy_text, since a `*` label is a valid pattern but no host
        (rules.host_problem); the owner's extra patterns, wildcards included, are kept."""
        return [p for p in self.patterns() if self.unlisted_why(p) is None]

    def unlisted_why(self, pattern: str) -> str | None:
        """Why the text leaves `pattern` out (rules.host_problem), or None when it lists it:
        the owner's extra patterns are always listed."""
        return None if pattern in self.mx_extra else rules.host_problem(pattern)

    def render(self) -> str:
        return rules.policy_text(self.served_mode, self.listed_patterns(), self.max_age)

    def refresh_text(self, now: datetime | None = None) -> bool:
        """Recompute the text; a different text gets a new id. True when it changed. When no
        valid mx is left for a testing/enforce policy the last good text stays (RFC 8461
        §3.2: mx is required unless mode is none), and so does its id."""
        try:
            text = self.render()
        except rules.EmptyPolicy:
            return False
        if text == self.text and self.policy_id:
            return False
        now = now or timezone.now()
        # The text being replaced may sit in senders' caches for its own max_age from now:
        # the one place every change of mode, max_age or state passes through.
        self.strict_until = self.strict_copies_until(now)
        self.text = text
        self.policy_id = rules.new_policy_id(text, now, self.policy_id)
        return True

    def strict_copies_until(self, now: datetime) -> datetime | None:
        """Until when a sender may apply a testing/enforce copy of this policy if the text
        changed at `now`: the recorded bound of earlier texts, or the current text's max_age
        from now when it is strict itself. None when no sender can hold a strict copy."""
        until = self.strict_until
        served = rules.strict_max_age(self.text)
        if served is not None:
            current = now + timedelta(seconds=served)
            until = current if until is None else max(until, current)
        return until

    @property
    def zone_outdated(self) -> bool:
        return self.state != self.State.OFF and self.published_id != self.policy_id

    # --- The MX loop -------------------------------------------------------------------

    def apply_mx(self, live: list[str], now: datetime) -> list[str]:
        """Bring the policy in step with the live MX host names; returns what happened, in
        words for the owner. Call only with a successful lookup: a failed one says nothing
        about which hosts left, and one with hosts: a null MX, or a domain that seems gone,
        is no reason to take every host out of the policy (see service.sync)."""
        said: list[str] = []
        live = sorted(dict.fromkeys(h.rstrip(".").lower() for h in live))
        if not live:
            return said  # never empty the mx set: a testing/enforce policy needs one
        pending = dict(self.pending_removals)
        for host in live:
            if host in pending:
                # it came back before its removal: keep it, as a live host again
                del pending[host]
                said.append(f"{host} is back in the MX records; it stays in the policy.")
            elif host not in self.mx_live:
                said.append(self.new_mx_message(host))
        for host in self.mx_live:
            if host not in live:
                if rules.host_problem(host) is not None:
                    # Never in the text (new_mx_message): nothing leaves the policy and no
                    # sender's copy names it, so there is nothing to wait for or to tell.
                    continue
                not_before = now + timedelta(seconds=self.max_age)
                pending[host] = not_before.isoformat()
                if host in self.mx_extra:
                    # Listed anyway (the owner's own pattern): kept pending all the same, so
                    # it still waits for max_age should the owner take that pattern out.
                    said.append(
                        f"{host} left the MX records. It stays in the policy as one of your "
                        "extra patterns; take it out under Settings if it no longer takes mail."
                    )
                    continue
                covering = self.covering_extra(host)
                if covering is not None:
                    # Its own line goes after max_age, but the owner's wildcard keeps
                    # matching it (§4.1): senders go on accepting it, so say so.
                    said.append(
                        f"{host} left the MX records. Its own line stays in the policy until "
                        f"{utc_time(not_before)} (max_age); after that your extra "
                        f"pattern {covering} still covers it, so senders keep accepting it. "
                        "Take that pattern out under Settings if no host under it takes mail."
                    )
                    continue
                said.append(
                    f"{host} left the MX records. It stays in the policy until "
                    f"{utc_time(not_before)} (max_age), so senders holding the "
                    "current policy can still deliver to it meanwhile."
                )
        if live != self.mx_live:
            self.mx_changed_at = now
        self.mx_live = live
        self.pending_removals = pending
        return said

    def mx_answer(self) -> str:
        """The last usable-or-not MX answer, in words: its hosts (and a null MX beside them),
        or "a null MX"/"NXDOMAIN"."""
        if self.mx_unusable or not self.mx_live:
            return self.mx_unusable or "no MX"
        *rest, last = self.mx_live
        hosts = f"{', '.join(rest)} and {last}" if rest else last
        # A null MX coming and going beside the same hosts is an answer of its own: name
        # servers out of sync over it flap as over a host (follow_mx), not email each change.
        return f"{hosts} beside a null MX" if self.mx_null_beside else hosts

    def mx_answer_held(self, now: datetime) -> bool:
        """Has the last answer held MX_STABLE_AFTER (no lookup since gave another)? Rows from
        before mx_changed_at count as settled long ago."""
        return self.mx_changed_at is None or now - self.mx_changed_at >= MX_STABLE_AFTER

    def note_answer(self, before: str, now: datetime) -> bool:
        """The answer changed at `now` from `before` to mx_answer(): remember it, and say
        whether the answers now go back and forth. An answer seen within MX_STABLE_AFTER that
        comes back is a return; one round trip (A, B, A: a real NXDOMAIN fixed within hours,
        an MX removed by mistake and put back) is one return, each change told as it happens.
        A flap is a second return within the window: A, B, A, B, but also three answers in
        turn (A, B, C, A, B), which never repeat a pair."""
        window = now - MX_STABLE_AFTER

        def recent(iso: str | None) -> bool:
            return iso is not None and datetime.fromisoformat(iso) > window

        # Entries without "until" are from the two-answer rule (abcb899), never shipped.
        earlier = [
            e for e in self.mx_earlier if "until" in e and (recent(e["until"]) or recent(e["back"]))
        ]
        after = self.mx_answer()
        back = any(e["answer"] == after and recent(e["until"]) for e in earlier)
        returns_before = any(recent(e["back"]) for e in earlier)
        kept = {e["answer"]: e for e in earlier}
        left = kept.pop(before, {"back": None})
        ended = {"answer": before, "until": now.isoformat(), "back": left["back"]}
        if back:
            kept[after]["back"] = now.isoformat()
        self.mx_earlier = [ended, *kept.values()][:MX_EARLIER_KEPT]
        return back and returns_before

    def answers_seen(self, now: datetime) -> list[str]:
        """Every answer seen within MX_STABLE_AFTER, the current one first, then the latest
        seen (mx_earlier as note_answer left it)."""
        window = now - MX_STABLE_AFTER
        earlier = [
            e["answer"]
            for e in self.mx_earlier
            if "until" in e and datetime.fromisoformat(e["until"]) > window
        ]
        return list(dict.fromkeys([self.mx_answer(), *earlier]))

    def flapping_message(self, answers: tuple[str, ...]) -> str:
        """Why the team hears no more of hosts leaving and coming back for a while: the
        answers that go back and forth (two or more, at most MX_FLAP_ANSWERS)."""
        return (
            f"The MX answers for {self.name} differ between lookups: "
            f"{answers_in_words(answers)}. Most likely its name servers are out of "
            "sync (a secondary that missed an update, or a name server still in the "
            "delegation serving an old zone). "
            f"The policy keeps listing {', '.join(self.listed_patterns())}: a host that keeps "
            "coming back is never removed, so senders deliver either way. "
            f"{self.flapping_advice()} "
            f"Until one answer has held for {MX_STABLE_HOURS} hours, MX hosts leaving and "
            "coming back are listed on the hosting page but not emailed; one email says when "
            f"the answers agree again. {FLAP_UNDONE}"
        )

    def flapping_advice(self) -> str:
        """What to check while the MX answers differ: the mx-flapping email and the hosting
        page's notice give it in these words."""
        return (
            f"Check that every name server of {self.name} (its NS records, and the delegation "
            "at the parent) gives the same MX records and the same SOA serial."
        )

    def flapping_answers(self) -> tuple[str, ...] | None:
        """While the MX answers differ (mx_unstable_since), every answer the episode's
        mx-flapping emails named (two or more); None otherwise."""
        if self.mx_unstable_since is None:
            return None
        if len(self.mx_flap_answers) >= 2:
            return tuple(self.mx_flap_answers)
        # An episode started before mx_flap_answers was kept: its email names its two, and
        # each episode started with one such event, so the latest is this one's.
        event = self.events.filter(kind="mx-flapping").first()
        found = FLAP_ANSWERS_RE.search(event.message) if event is not None else None
        return (found["before"], found["after"]) if found else None

    def flapping_answers_said(self) -> str:
        """The episode's answers in the words of its mx-flapping email (the page's notice);
        "" when none are known."""
        answers = self.flapping_answers()
        return answers_in_words(answers) if answers else ""

    def lookups_failing_note(self) -> str:
        """While a flap lasts and the MX lookups fail: the hosting page's notice says so, or
        it would go on saying the answers differ, for days, on the strength of none."""
        if self.mx_unstable_since is None or self.mx_failed_since is None:
            return ""
        # In the reader's zone, naming it, as the flap's notice around it (before s43l in UTC).
        detail = self.last_sync_error.removeprefix(MX_LOOKUP_FAILED)
        return (
            f"No MX lookup has answered since {reader_time(self.mx_failed_since)} (the latest: "
            f"{detail}): whether the answers still differ is not known. Should none answer "
            f"for {MX_STABLE_HOURS} hours, the {MX_STABLE_HOURS} hours an answer must hold "
            "count from the first answer after that."
        )

    def lookups_failing_for(self, now: datetime) -> timedelta | None:
        """How long no MX lookup has answered (None while the last one did)."""
        return None if self.mx_failed_since is None else now - self.mx_failed_since

    def failing_message(self, local: bool = False) -> str:
        """No MX lookup has answered for MX_FAILING_TELL_AFTER or more: the mx-failing email,
        and the hosting page's notice while it lasts, in the same words. What failed (our
        resolver's answer to the latest lookup, from last_sync_error), since when, what we keep
        serving, and what to check. Could not check, never a verdict on the domain.
        `local=False`: the event's text (and its email), kept as written, in UTC; `local=True`:
        the page's notice, the time in the reader's zone, naming it (before s43l in UTC), as
        pages say times (reader_time; before s44a "2026-12-02 08:00 (…)")."""
        assert self.mx_failed_since is not None
        since = utc_time(self.mx_failed_since)
        if local:
            since = reader_time(self.mx_failed_since)
        # The sync's own record of the latest failure (a zone error written since is not it).
        error = self.last_sync_error
        latest = error.removeprefix(MX_LOOKUP_FAILED) if error.startswith(MX_LOOKUP_FAILED) else ""
        said = [
            f"No MX lookup for {self.name} has answered since {since}.",
            f"Our resolver's answer to the latest: {latest or 'not recorded'}.",
            "Without an answer we cannot tell which MX hosts you have, so the policy is kept "
            f"as it was: we keep serving mode {self.served_mode} with mx "
            f"{', '.join(self.listed_patterns())} (id {self.policy_id}), and an MX you add or "
            "remove meanwhile is not followed until a lookup answers.",
        ]
        # Hosts due to leave: only a lookup that answers may take them out (drop_due_removals).
        leaving = [h for h, _ in self.leaving_times()]
        if leaving:
            one = len(leaving) == 1
            said.append(
                f"{', '.join(leaving)} stay{'s' if one else ''} listed until a lookup "
                f"confirms {'it has' if one else 'they have'} left."
            )
        said.append(
            f"Check that every name server of {self.name} (its NS records, and the delegation "
            "at the parent) answers for it, and, if the domain is signed, that its DNSSEC "
            "validates (a DS record at the parent matching its DNSKEY, signatures not "
            "expired): senders whose lookups fail the same way cannot find your MX either. "
            "One email says when a lookup answers again."
        )
        return " ".join(said)

    def answering_again_message(self, since: datetime, answer: str, followed: bool) -> str:
        """The first MX lookup answering after the team was told none did (mx-answering):
        `answer` in words, `followed`: whether the policy follows it (not a null MX or
        NXDOMAIN, whose own step says why)."""
        return (
            f"MX lookups for {self.name} answer again (none had since "
            f"{utc_time(since)}): {answer}."
            + (" The policy follows the MX records again." if followed else "")
        )

    def settled_message(self) -> str:
        """The answers have agreed again: what they say now, and what still leaves the policy
        (told only on the page while they differed)."""
        since = utc_time(self.mx_changed_at) if self.mx_changed_at else "a while"
        said = [f"The MX answers for {self.name} agree again since {since}: {self.mx_answer()}."]
        if self.mx_unusable:
            said.append(
                "The policy is unchanged and keeps listing "
                f"{', '.join(self.listed_patterns())}. If the domain no longer receives mail, "
                "stop hosting; otherwise fix its MX records."
            )
        for host, when in self.removal_times():
            if rules.host_problem(host) is not None:
                continue  # never in the text
            covering = self.covering_extra(host)
            if host in self.mx_extra:
                said.append(
                    f"{host} is not in them; it stays listed as one of your extra patterns."
                )
            elif covering is not None:
                said.append(
                    f"{host} is not in them: its own line stays in the policy until "
                    f"{utc_time(when)} (max_age), and your extra pattern {covering} "
                    "still covers it."
                )
            else:
                said.append(
                    f"{host} is not in them: it stays in the policy until {utc_time(when)} "
                    "(max_age), then is removed."
                )
        said.append("MX changes are emailed again as they happen.")
        return " ".join(said)

    def new_mx_message(self, host: str) -> str:
        """What a new MX host means for the policy, in words for the owner."""
        problem = rules.host_problem(host)
        if problem is not None:
            # Left out of the text (policy_text): listing it would make strict parsers refuse
            # the whole policy, and an mx line can only match a host name (RFC 8461 §3.2, §4.1;
            # MTASTS-25/30). So no sender applying the policy accepts this MX.
            return (
                f"The MX {host} cannot be listed in an MTA-STS policy ({problem}), so it is "
                "left out: senders applying the policy refuse to deliver to it in mode "
                "enforce (in testing they report failures). Point this MX record at a host "
                "name with a valid certificate, or remove it."
            )
        if rules.uncovered([host], self.mx_extra) == []:
            return f"New MX {host}: added to the policy at once (your pattern already covered it)."
        return f"New MX {host}: added to the policy at once."

    def note_aliases(
        self, aliases: dict[str, str], unknown: set[str], dangling: Collection[str] = ()
    ) -> list[tuple[str, str]]:
        """Record which live MX hosts are aliases (`aliases`, from the MX lookup just made;
        `unknown`: hosts whose alias lookup got no answer, left as they were; `dangling`: the
        aliases whose chain ends at a name that does not exist); what changed, as (host, words
        for the owner): a host newly seen as an alias (or aliased elsewhere, or its target
        coming into or going out of existence: the advice differs), and one that no longer is
        (the host is then out of mx_aliases: service.aliases_told tells its end to those told
        of it). The policy is not changed: it lists the MX record's name."""
        said = []
        before = self.mx_aliases
        dangled = set(self.mx_alias_dangling)
        # A host that left but is still listed keeps its entry: when it comes back (MX
        # answers flapping between two name servers) it is no news to tell again.
        now = {h: t for h, t in before.items() if h in self.pending_removals}
        now_dangling = {h for h in dangled if h in now}
        for host in self.mx_live:
            if host in unknown:
                if host in before:
                    now[host] = before[host]
                    if host in dangled:
                        now_dangling.add(host)
                continue
            target = aliases.get(host)
            if target:
                now[host] = target
                if host in dangling:
                    now_dangling.add(host)
                if before.get(host) != target or (host in dangled) != (host in dangling):
                    said.append((host, self.alias_message(host, target, host in dangling)))
            elif host in before:
                said.append(
                    (
                        host,
                        f"The MX target {host} is no longer an alias (CNAME): senders deliver "
                        "to it as to any MX host.",
                    )
                )
        self.mx_aliases = now
        self.mx_alias_dangling = sorted(now_dangling)
        return said

    def alias_message(self, host: str, target: str, dangling: bool = False) -> str:
        """What an MX target that is an alias means, in words for the owner (the event and
        the page; the engine's MX-04 says the same of a check). `dangling`: `target` does not
        exist, so no record can point there and no sender can deliver to `host`."""
        # What the text lists decides, as in the other notices (listed_patterns): the alias
        # itself may be a name no mx line can name (a '_' or a '*' label), left out of the
        # text, so it is not "listed" and nothing of it "stays listed" (task s38q).
        unlistable = self.unlisted_why(host)
        stays = "" if unlistable else f", {host} stays listed for max_age"
        left_out = ""
        if unlistable is None:
            matched = (
                f"The policy lists {host}, the name in your MX record, which MTA-STS senders match"
            )
        elif (covering := self.covering_extra(host)) is not None:
            matched = (
                f"{host} cannot be listed in an MTA-STS policy ({unlistable}); your extra "
                f"pattern {covering} matches it, as MTA-STS senders match the name in your MX "
                "record"
            )
        else:
            matched = ""
            left_out = (
                f"{host} cannot be listed in an MTA-STS policy ({unlistable}), so the policy "
                "leaves it out: senders applying the policy refuse to deliver to it in mode "
                "enforce (in testing they report failures)."
            )
        if dangling:
            return (
                f"The MX target {host} is an alias (CNAME) for {target}, which does not exist "
                f"(a dangling alias): no sender can deliver to {host}. An MX record must name "
                "the mail server's own host name, not an alias (RFC 2181 §10.3; RFC 5321 §5.1). "
                f"{f'{matched}.' if matched else left_out} Point the MX record at your mail "
                "server's own host name, or remove it (the policy follows: a new MX is added "
                f"at once{stays})."
            )
        # Someone can deliver to it: the certificate matters, for the name senders match.
        said = f"{matched}: its certificate must be valid for {host}." if matched else left_out
        # A target listed already (the MX was just renamed to an alias of a host that is
        # still listed while its removal is pending) is not added again: it stays. A target
        # no mx line can name (an IP address, a '_' or a '*' label) is never listed, live MX
        # or not.
        problem = self.unlisted_why(target)
        if problem is not None:
            point = (
                f"Point the MX record at your mail server's own host name ({target} cannot be "
                f"listed in an MTA-STS policy: {problem}; the policy follows: a new MX is "
                f"added at once{stays})."
            )
        else:
            follows = (
                f"{target} stays listed"
                if target in self.listed_patterns()
                else f"{target} is added at once"
            )
            point = f"Point the MX record at {target} (the policy follows: {follows}{stays})."
        return (
            f"The MX target {host} is an alias (CNAME) for {target}. An MX record must name "
            "the mail server's own host name, not an alias (RFC 2181 §10.3; RFC 5321 §5.1 "
            f"puts one outside the standard), so senders may refuse to deliver to it. {said} "
            f"{point}"
        )

    @property
    def cert_unread(self) -> str:
        """Why the certificate watch's last reading could not be made (service.watch_certificate
        stores it as "could not check: <why>"), or "" when it was made."""
        prefix = "could not check: "
        return self.cert_error.removeprefix(prefix) if self.cert_error.startswith(prefix) else ""

    def alias_warnings(self) -> list[str]:
        """The page's word on each live MX host that is an alias, as the last lookup found."""
        dangling = set(self.mx_alias_dangling)
        return [
            self.alias_message(h, t, h in dangling)
            for h, t in sorted(self.mx_aliases.items())
            if h in self.mx_live
        ]

    def troubles(self) -> list[str]:
        """The kinds of the events (notify.EMAILED) that told of trouble still going on, as
        this row's state says: what the weekly summary names, each in the words of its latest
        event. A policy winding down serves mode none and is leaving: it has none."""
        if self.state != self.State.ACTIVE:
            return []
        going_on = {
            "cert": self.cert_alerted or self.cert_warned_days is not None,
            "mx-failing": self.mx_failing_told,
            "mx-unusable": bool(self.mx_unusable),
            "mx-flapping": self.mx_unstable_since is not None,
            "mx-alias": bool(self.alias_warnings()),
            "mx-null-mixed": self.mx_null_beside,
            "zone": self.zone_failing_told,
            "policy-host": self.policy_host_state == "elsewhere"
            or self.policy_host_unstable_since is not None,
            "record": self.record_state in ("stale", "invalid", "other", "missing"),
        }
        return [kind for kind, on in going_on.items() if on]

    def note_null_beside(self, beside: bool) -> list[str]:
        """Record whether the MX answer just applied (a usable one: real hosts) has a null MX
        beside them; what changed, in words for the owner. The policy is not changed: senders
        deliver to the real hosts, and a null MX is no host a policy could list."""
        if beside == self.mx_null_beside:
            return []
        self.mx_null_beside = beside
        if beside:
            return [self.null_beside_message()]
        return [
            f"{self.name} no longer publishes a null MX beside its MX records: senders deliver "
            f"to {', '.join(self.mx_live)} as the policy lists them."
        ]

    def null_beside_message(self) -> str:
        """What a null MX beside real MX records means (the event, the email and the page)."""
        return (
            f"{self.name} publishes a null MX (MX 0 .) beside its MX records "
            f"({', '.join(self.mx_live)}). RFC 7505 §3 forbids that: a null MX says the domain "
            "receives no mail, and a sender that reads it so refuses to deliver at all, whatever "
            "the policy says. The policy lists your real MX hosts (a null MX is no host, so it "
            f"is never listed). Remove the record {self.name}. MX 0 . (or, if the domain "
            "really receives no mail, the other MX records, then stop hosting)."
        )

    def unlistable_mx(self) -> list[str]:
        """Live MX hosts no mx line can name (see new_mx_message)."""
        return [h for h in self.mx_live if rules.host_problem(h) is not None]

    def drop_due_removals(self, now: datetime, live: list[str]) -> list[str]:
        """Remove departed hosts whose max_age has passed. `live` is the MX of a lookup that
        just succeeded: a host in it is not removed (a failed lookup confirms nothing, so it
        must not get here at all)."""
        present = {h.rstrip(".").lower() for h in live}
        said = []
        for host, when in sorted(self.pending_removals.items()):
            if host in present:
                continue
            if rules.host_problem(host) is not None:
                # Stored before apply_mx left such hosts out: it was never listed.
                del self.pending_removals[host]
                continue
            if datetime.fromisoformat(when) <= now:
                rest = [p for p in self.listed_patterns() if p != host]
                if self.served_mode != self.Mode.NONE and all(
                    rules.pattern_problem(p) for p in rest
                ):
                    # The last host a testing/enforce policy can list (the MX now is an IP
                    # address, say): the last good text stays served (RFC 8461 §3.2), so the
                    # host stays too, until an MX a policy can name is back.
                    continue
                del self.pending_removals[host]
                if host in self.mx_extra:
                    continue  # still listed as the owner's pattern: nothing left the policy
                covering = self.covering_extra(host)
                if covering is not None:
                    said.append(
                        f"{host} left the MX records more than max_age ago: its own line is "
                        f"removed from the policy; your extra pattern {covering} still covers it."
                    )
                    continue
                said.append(
                    f"{host} left the MX records more than max_age ago: removed from the policy."
                )
        return said

    def covering_extra(self, host: str) -> str | None:
        """The owner's extra pattern (a wildcard) that matches `host` besides its own line,
        if any: senders accept the host through it whatever happens to that line."""
        for pattern in sorted(self.mx_extra):
            if pattern != host and not rules.uncovered([host], [pattern]):
                return pattern
        return None

    def removal_times(self) -> list[tuple[str, datetime]]:
        return [(h, datetime.fromisoformat(w)) for h, w in sorted(self.pending_removals.items())]

    def leaving_times(self) -> list[tuple[str, datetime]]:
        """The departed hosts that will leave the text, with when: not one the owner typed
        under extra patterns (kept pending should the pattern go, but listed meanwhile: its
        leaving email said it stays), nor one no policy can list (never in the text)."""
        return [
            (host, when)
            for host, when in self.removal_times()
            if host not in self.mx_extra and rules.host_problem(host) is None
        ]

    # --- Mode and lifecycle ------------------------------------------------------------

    def set_mode(self, mode: str, now: datetime) -> None:
        if mode == self.Mode.TESTING and self.mode != mode:
            self.testing_since = now  # the TLS-RPT evidence for enforce counts from here
        self.mode = mode

    def earlier_strict_until(self, now: datetime) -> datetime | None:
        """When an earlier testing/enforce text outlasts what the current one implies (the
        owner switched to mode none or lowered max_age recently): until when, for the page."""
        served = rules.strict_max_age(self.text)
        current = now + timedelta(seconds=served or 0)
        if self.strict_until is not None and self.strict_until > current:
            return self.strict_until
        return None

    def begin_disable(self, now: datetime) -> None:
        """Serve mode none for max_age: senders holding a testing/enforce policy refetch it
        (new id) and stop applying it before we stop answering. Never shorter than a strict
        copy may live: one fetched under a longer max_age, or before a switch to mode none,
        is applied until it expires, whatever we serve meanwhile."""
        strict = self.strict_copies_until(now)
        self.release_at = max(now + timedelta(seconds=self.max_age), strict or now)
        if self.state != self.State.DISABLING:
            self.disabling_since = now
        self.state = self.State.DISABLING

    def resume(self, live: list[str], now: datetime) -> list[str]:
        """Host again: "Keep hosting" while winding down, or hosting a released policy anew.
        Returns what happened to the MX, in words for the owner (see apply_mx)."""
        said: list[str] = []
        if self.state == self.State.OFF:
            # Released: every copy senders held has expired, so this is a new start, in
            # testing as the page promises (an old enforce would apply at once), with only
            # the live MX and the readiness evidence counted from now; unless the domain
            # serves a policy of its own again, which the start then follows
            # (service.begin_from).
            self.mode = self.Mode.TESTING
            self.testing_since = now
            self.mx_live = sorted(dict.fromkeys(h.rstrip(".").lower() for h in live))
            self.pending_removals = {}
            self.mx_aliases = {}  # told afresh (note_aliases), as to a new customer
            self.mx_alias_dangling = []
            self.mx_changed_at = now
            self.mx_unstable_since = None
            self.mx_flap_answers = []
            self.mx_earlier = []
            self.mx_failed_since = None
            self.mx_failing_told = False
            self.mx_unusable = ""
            self.mx_null_beside = False  # told afresh, as the aliases are
            self.told_to = {}  # every problem the MX sync told starts afresh
        else:
            # Still winding down: senders may hold copies listing departed hosts, which stay
            # until their max_age has passed, as if hosting had never been stopped.
            said = self.apply_mx(live, now)
        self.state = self.State.ACTIVE
        self.release_at = None
        self.disabling_since = None
        return said

    @property
    def is_detached(self) -> bool:
        return self.domain_id is None

    def outlives_domain(self, now: datetime | None = None) -> bool:
        """Must this policy stay served after its domain is deleted? Yes when senders may hold
        a testing/enforce copy (it is served in such a mode, was until less than its max_age
        ago, or is already winding down): on a cached enforce policy that no longer matches
        the new MX they would refuse mail until it expires (RFC 8461 §8.3). A policy never
        served, or served only in mode none, may go."""
        if self.domain is None or not self.domain.is_verified or not self.text:
            return False  # never served: servable() needs a verified domain and a text
        if self.state == self.State.DISABLING:
            return True
        now = now or timezone.now()
        strict = self.strict_copies_until(now)
        return self.state == self.State.ACTIVE and strict is not None and strict > now

    def retirement_end(self, now: datetime) -> datetime:
        """Until when mode none is served once the domain is deleted: the end of a safe
        disable already under way, or else until the last strict copy expires (the current
        text's max_age from now, when it is strict)."""
        end = self.strict_copies_until(now) or now
        if self.state == self.State.DISABLING and self.release_at is not None:
            end = max(end, self.release_at)  # a disable under way keeps its release time
        return end

    @property
    def deletion_notice(self) -> str:
        """For the domain's delete confirmation: what deleting the domain does to hosting
        ("" when nothing outlives it)."""
        return self.deletion_notice_for(timedelta(0))

    def deletion_notice_for(self, shown_for: timedelta) -> str:
        """The notice for a page shown for up to `shown_for` (the domain page is cached): the
        date is the latest it can be in that time, so it is never too early to act on. In the
        reader's time zone (the request's, as every page says times; the domain page is
        cached per zone), named after it, as pages say times (reader_time; before s44a
        "2026-12-02 08:00 (…)")."""
        now = timezone.now()
        if not self.outlives_domain(now):
            return ""
        until = reader_time(self.retirement_end(now + shown_for))
        return (
            f"mailsec keeps serving mode: none at mta-sts.{self.name} until "
            f"{until} so senders that cached your policy deliver "
            "to your new servers; remove your mta-sts and _mta-sts records only after that."
        )

    @classmethod
    def left_for(cls, domain: Domain, now: datetime | None = None) -> HostedPolicy | None:
        """A policy for `domain`'s name that no team holds any more (its domain was deleted, or
        its team lost control of it: detach, service.lose_control), still served in mode none
        until its release: for a team that has verified the name, which controls its DNS now
        and must keep the records leading to us until then (still_served_notice). None for an
        unverified domain (it proves nothing). Once the domain is hosted here, its own policy
        holds the name (unique): the detached one was deleted at the takeover (enable).

        Also another team's policy for the name that team is turning off while it still
        proves control (an MSP that pressed Stop hosting, both teams' values published: task
        s43f): the team that verified the name beside it publishes the records too, and was
        told nothing until it pressed Host MTA-STS (service.contest)."""
        if not domain.is_verified:
            return None
        return (
            cls.objects.filter(
                name=domain.name,
                state=cls.State.DISABLING,
                release_at__gt=now or timezone.now(),
            )
            .exclude(domain=domain)
            .first()
        )

    @property
    def still_served_notice(self) -> str:
        """For the hosting and domain pages of the team that verified the name of this
        detached policy: what is still served at mta-sts.<name>, until when (in the reader's
        time zone, named), and what to keep meanwhile. Nothing of the team that held it (its
        name, its people, the policy's id or text): that team's business."""
        from django.conf import settings

        assert self.release_at is not None
        # As pages say times (reader_time; before s44a "2026-12-02 08:00 (…)").
        until = reader_time(self.release_at)
        host = f"mta-sts.{self.name}"
        said = (
            f"A policy for {self.name} is still served at {host} (mode: none) until "
            f"{until}, so that senders' cached copies of an "
            "earlier policy in mode testing or enforce expire safely: a sender holding one in "
            "enforce delivers only to the MX hosts it lists until it expires. Keep "
            f"{host} a CNAME to {settings.MAILSEC_POLICY_HOST} and the _mta-sts.{self.name} "
            "record published until then"
        )
        if self.domain_id is not None:
            # Still held by a team that proves control and is turning hosting off (s43f):
            # the name is not free before then (service.contest says the same at the press).
            return (
                f"{said}. Another team hosts it here and is turning hosting off: you can host "
                "MTA-STS here from then; if you do not, remove both records once it has passed."
            )
        return f"{said}, or host MTA-STS here: your own policy then takes over the name at once."

    def detach(self, now: datetime) -> None:
        """The domain is being deleted: let go of it and serve mode none until retirement_end
        (a disable already under way keeps its release time). The caller refreshes the text
        (a new id when it was testing/enforce) and saves."""
        self.release_at = self.retirement_end(now)
        if self.state != self.State.DISABLING:
            self.disabling_since = now
        self.state = self.State.DISABLING
        self.domain = None

    def hand_over(self) -> None:
        """Delete this policy because a new one takes its name (it was released, or detached
        and winding down). Our zone record is left alone: the new policy writes its own id
        over it, and withdrawing it meanwhile would send senders back to cached copies."""
        self.published_id = ""  # the record is the new policy's now (signals skips it)
        self.delete()

    def note_seen(self, now: datetime) -> None:
        """Someone reached us under mta-sts.<name> (policy_host_seen_at): written unless the
        sighting stored is less than SEEN_STAMP_EVERY old, so `ask` repeated at every
        handshake writes once in a while. Only while we serve the name: an ask racing the
        release must not leave a sighting for a later hosting."""
        seen = self.policy_host_seen_at
        if seen is not None and seen <= now < seen + SEEN_STAMP_EVERY:
            return
        HostedPolicy.objects.filter(
            pk=self.pk, state__in=[self.State.ACTIVE, self.State.DISABLING]
        ).update(policy_host_seen_at=now)

    def release_due(self, now: datetime) -> bool:
        return (
            self.state == self.State.DISABLING
            and self.release_at is not None
            and (self.release_at <= now)
        )


# A DNS name holding an A-label, a whole word of prose: not inside a URL ("https://mta-sts.
# xn--.../"), an address ("tls@xn--...") or a longer name, and not cut short before a dot.
_A_LABEL_WORD = re.compile(
    r"(?<![\w@/.:-])(?:[\w*-]+\.)*xn--[\w-]+(?:\.[\w-]+)*(?![\w@/-]|\.[\w-])", re.I
)
# A record line (its owner a dotted name: "New MX ..." is words) or a policy line, to publish
# as written.
_AS_WRITTEN = re.compile(
    r"^\s*(?:\S*\.\S*\s+(?:\d+\s+)?(?:IN\s+)?(?:TXT|MX|A|AAAA|CNAME)\s"
    r"|(?:version|mode|mx|max_age):)"
)
# After a record's owner name in prose: 'Publish _mta-sts.xn--... TXT "v=STSv1; ..."'.
_RECORD_AFTER = re.compile(r"\s+(?:TXT|MX|A|AAAA|CNAME)\s")


def for_people(text: str) -> str:
    """Hosting words (an event, a warning, a host) with each internationalised name as people
    read it and as the DNS holds it, "mx3.müller-bäckerei.de (mx3.xn--mller-bckerei-hfb76a.de)",
    as findings name them (checks.findings.both_ways, for_people). Stored words keep the
    A-labels the DNS gave; this is for where they are shown (the hosting page, the emails).
    A record or policy line, a record's name before its type, a URL and an address stay as
    written: they are copied, or read by software."""

    def shown(match: re.Match[str]) -> str:
        name, line = match.group(0), match.string
        if _RECORD_AFTER.match(line, match.end()):
            return name
        # Named both ways already ("mx3.müller-bäckerei.de (mx3.xn--...)").
        if line[: match.start()].endswith(f"{u_labels(name)} ("):
            return name
        return both_ways(name)

    return "\n".join(
        line if _AS_WRITTEN.match(line) else _A_LABEL_WORD.sub(shown, line)
        for line in text.split("\n")
    )


class HostingEvent(models.Model):
    """What happened to a hosted policy, in words for the owner (the page shows the latest)."""

    policy = models.ForeignKey(HostedPolicy, models.CASCADE, related_name="events")
    created = models.DateTimeField(default=timezone.now, db_index=True)
    kind = models.CharField(max_length=20)
    message = models.TextField()
    served_id = models.CharField(max_length=rules.ID_MAX_LENGTH, blank=True)  # id after it

    class Meta:
        ordering = ["-created", "-pk"]

    def __str__(self) -> str:
        return f"{self.policy.name}: {self.message[:60]}"

    @property
    def shown(self) -> str:
        """The message as the page and the emails show it (for_people)."""
        return for_people(self.message)
