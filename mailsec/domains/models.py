"""Monitored domains and the stored result of every check run."""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import DatabaseError, models, transaction
from django.db.models import Q
from django.db.models.expressions import RawSQL
from django.urls import reverse
from django.utils import timezone

from checks import scoring
from checks.findings import MECHANISM_TITLES, Mechanism
from checks.findings import Status as FindingStatus
from checks.mtasts import kept_policy_digest
from mailsec.accounts.models import Team
from mailsec.accounts.templatetags.zones import utc_time
from mailsec.domains import existence, pagecache
from mailsec.mail import send_templated

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from checks.dns import DnsAnswer

log = logging.getLogger(__name__)

CHALLENGE_PREFIX = "_mailsec-challenge"
# How a verify_error with the wrong-name hint begins (kept by background verification).
MISPLACED = "The value is published at"
# How a verify_error begins that says the domain's own name is not in the DNS (NXDOMAIN, as
# existence.look_up finds it at the add, at Verify and at Verify all): most often a typo, for
# which no record can be published. Kept by background verification, which does not look the
# name itself up, until a lookup finds it (s38f: an MSP's typo hid among thirty names waiting
# for their records, each "No TXT record found").
NOT_IN_DNS = "The domain does not exist in the DNS (NXDOMAIN)"
NOT_IN_DNS_WORDS = (
    f"{NOT_IN_DNS}: check the spelling, and remove it if it is a typo. A domain being set up "
    "can be verified once it exists."
)


def noted_not_in_dns(verified_at: datetime | None, verify_error: str) -> bool:
    """Not verified, and the last lookup of its name found it not in the DNS (NOT_IN_DNS):
    from a domain's fields, for the list's and the export's rows read as values
    (Domain.not_in_dns reads it of a domain; NOTED_NOT_IN_DNS is it as a query)."""
    return verified_at is None and verify_error.startswith(NOT_IN_DNS)


# The same rule as a query, for filter() and exclude() (export.record_lines leaves them out).
NOTED_NOT_IN_DNS = Q(verified_at=None, verify_error__startswith=NOT_IN_DNS)


CHALLENGE_VALUE_PREFIX = "mailsec-verification="
# A run still "running" after this long lost its worker (the embedded broker does not
# redeliver a task whose worker was killed); a "pending" one this old was never picked up.
STUCK_RUNNING_AFTER = timedelta(minutes=10)
STUCK_PENDING_AFTER = timedelta(hours=1)
KEEP_ALL_RUNS_FOR = timedelta(days=90)


def challenge_token() -> str:
    return secrets.token_urlsafe(18)


def check_interval() -> timedelta:
    return settings.MAILSEC_CHECK_INTERVAL


# After a run that could not be made (CheckRun.could_not_be_made), the next check comes this
# soon, doubled for each such run in a row: a resolver that was down for a moment is checked
# again within minutes, not a whole interval later, while one that stays broken (or a check
# that crashes every time) is tried less and less often, never in a loop.
FIRST_RECHECK_AFTER = timedelta(minutes=15)


def recheck_delay(failures_in_row: int) -> timedelta:
    """How long after a run the next check comes: the usual interval after a run that
    completed (none failed in a row), else 15 minutes, 30, 60, 120 … never past the interval."""
    if failures_in_row < 1:
        return check_interval()
    # Past the interval well before 2**30: the exponent is capped so it never overflows.
    return min(FIRST_RECHECK_AFTER * 2 ** min(failures_in_row - 1, 30), check_interval())


def failures_worth_counting() -> int:
    """How many failures in a row reach the interval: counting further changes nothing."""
    count = 1
    while recheck_delay(count) < check_interval():
        count += 1
    return count


VERIFY_ERROR_LENGTH = 300  # what verify() and recheck_control() may write to verify_error
# What verify() writes of a domain (Domain.read_challenge sets them).
VERIFY_FIELDS = [
    "verify_checked_at",
    "verify_error",
    "verified_at",
    "next_check_at",
    "contested_at",
    "control_lost_at",
]

# A person pressing Verify waits for its lookups inside the web request, which gunicorn kills at
# 30 s (deploy/systemd/mailsec-web.service), while MAILSEC_CHECK_TIMEOUT may be set to anything:
# a press's lookups (the challenge, then the hints) end by VERIFY_WEB_BUDGET seconds, leaving
# time to save and answer. The challenge lookup may use all of it; the hints are not looked
# for with less than VERIFY_MIN_LOOKUP seconds left (a resolver that answers at all answers
# well within it). The rivals' re-checks of a domain newly verified look nothing up: they read
# the challenge's answer (the same name).
VERIFY_WEB_BUDGET = 20.0
VERIFY_MIN_LOOKUP = 2.0


def _shortened(text: str, length: int = 60) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


def _unwrapped(text: str) -> str:
    """A TXT value without the whitespace and quotes (\" or ') a DNS panel kept around it."""
    text = text.strip()
    while len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        text = text[1:-1].strip()
    return text


@lru_cache(maxsize=8192)
def display_name(name: str) -> str:
    """The U-label form for people (xn--bcher-kva.example → bücher.example), by IDNA2008 as
    the names are made (checks.domainname): Python's IDNA2003 codec refuses xn--strae-oqa.
    Kept per name (a pure function of it): the domain list's search decodes every A-label
    of the team on each request, about 30 µs a name."""
    import idna

    try:
        return idna.decode(name)
    except (idna.IDNAError, UnicodeError):
        return name


_DIGIT_RUN = re.compile(r"([0-9]+)")


def name_sort_key(name: str) -> tuple[list[str | int], str]:
    """The order people expect a list of names in: by the name shown (the U-label, so
    bücher.de sorts among the b's, not after www. as xn--bcher-kva.de would), case-insensitive,
    with runs of digits compared as numbers (customer2 before customer10). The A-label breaks
    ties, so the order is total."""
    # Only an A-label reads otherwise for people: any other ASCII name is its own display
    # name but for case (idna.decode gives it back or refuses it), and decoding each of
    # 5,000 names cost a sort 230 ms.
    decoded = "xn--" in name.lower() or not name.isascii()
    shown = display_name(name) if decoded else name
    # re.split with a group alternates text and digit runs, so at any position two keys
    # hold the same type: text with text, a number with a number.
    parts: list[str | int] = [
        int(part) if at % 2 else part for at, part in enumerate(_DIGIT_RUN.split(shown.casefold()))
    ]
    return parts, name


class Domain(models.Model):
    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    team = models.ForeignKey(Team, models.CASCADE, related_name="domains")
    name = models.CharField(max_length=253)  # A-label, lower case, no trailing dot
    created = models.DateTimeField(default=timezone.now)
    challenge = models.CharField(max_length=64, default=challenge_token, editable=False)
    verified_at = models.DateTimeField(null=True, blank=True)
    verify_checked_at = models.DateTimeField(null=True, blank=True)
    verify_error = models.CharField(max_length=VERIFY_ERROR_LENGTH, blank=True)
    # When the team was emailed that the background lookup verified the domain (notices.
    # tell_verified): once per verification, claimed with a conditional UPDATE, so a task run
    # twice, or two at once, tell nobody twice. Earlier than verified_at: verified again since.
    verified_told_at = models.DateTimeField(null=True, blank=True)
    # Space-separated DKIM selectors to look up besides the engine's common guesses.
    dkim_selectors = models.CharField(max_length=500, blank=True)
    next_check_at = models.DateTimeField(null=True, blank=True)
    last_run = models.ForeignKey(
        "CheckRun", models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # What the domain list shows of the last finished run, written with last_run (see
    # last_run_fields): a page of the list is then one index scan of this table, with no join
    # to the runs and no look-up per row. last_worst is the run's worst finding plus
    # "not_deployed", the mechanisms whose absence cost points (not_deployed()), and
    # "no_mail" when the run found a null MX (CheckRun.receives_no_mail), and "coverage" when
    # scored categories could not be checked (row_coverage: the list and the weekly summary
    # say "45 of 85 points checked", as the page does); {} or no finding and no not_deployed =
    # nothing wrong.
    last_score = models.PositiveSmallIntegerField(null=True, blank=True)
    last_checked_at = models.DateTimeField(null=True, blank=True)
    last_worst = models.JSONField(null=True, blank=True)
    # The score of the latest run at least a week older than last_run: "since last week".
    week_ago_score = models.PositiveSmallIntegerField(null=True, blank=True)
    # When a run newer than last_run could not complete (None once a newer run finishes): the
    # list flags it without reading the runs. The page reads the run itself
    # (failure_since_last_run).
    last_failed_at = models.DateTimeField(null=True, blank=True)
    # Contested control (recheck_control): set on a verified domain when another team proves
    # control of the same name, until a clean answer says whether this team's challenge is
    # still published (a failed lookup leaves it set: verify_pending looks again).
    contested_at = models.DateTimeField(null=True, blank=True)
    # When this team lost the domain that way: its page says so (verify_error may be
    # overwritten by later attempts). Cleared when it verifies again.
    control_lost_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["team", "name"], name="one_domain_per_team")]
        indexes = [models.Index(fields=["next_check_at"])]

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        return display_name(self.name)

    @property
    def receives_no_mail(self) -> bool:
        """The last finished run found a null MX (CheckRun.receives_no_mail), as kept on the
        row: the list, the page and the weekly summary read it without the run's findings."""
        return self.last_run_id is not None and bool((self.last_worst or {}).get("no_mail"))

    @property
    def score_coverage(self) -> scoring.Coverage:
        """How much of last_score could be checked, as kept on the row (stored_coverage): the
        weekly summary says it beside the number without reading the run."""
        return stored_coverage(self.last_worst)

    @staticmethod
    def last_run_fields(run: CheckRun) -> dict[str, Any]:
        """The fields a domain keeps of its last finished run (the only way they are made)."""
        week_ago = (
            CheckRun.objects.filter(
                domain_id=run.domain_id,
                status=CheckRun.Status.DONE,
                created__lte=run.created - timedelta(days=7),
            )
            .order_by("-created")
            .values_list("score", "score_version", "score_detail")
            .first()
        )
        # "Since last week" only between comparable scores: the same rubric and the same
        # categories left out as could-not-check (docs/scoring.md); else no trend is shown.
        comparable = (
            week_ago is not None
            and week_ago[1] == run.score_version
            and (week_ago[2] or {}).get("not_checked")
            == (run.score_detail or {}).get("not_checked")
        )
        last_worst = row_worst(run.worst_finding(), run.score_detail, no_mail=run.receives_no_mail)
        if not comparable:
            # Why the list's "since last week" is empty, in its words (listing.no_trend_words).
            last_worst["no_trend"] = no_trend(week_ago, run)
        elif week_ago is not None and week_ago[0] is None and run.score is not None:
            # Comparable, but nothing was scored a week before: no trend either, and why.
            gone = bool((week_ago[2] or {}).get(scoring.DOES_NOT_EXIST))
            last_worst["no_trend"] = {"why": "no_score", "did_not_exist": gone}
        return {
            "last_run": run,
            "last_score": run.score,
            "last_checked_at": run.finished,
            "last_worst": last_worst,
            "week_ago_score": week_ago[0] if comparable and week_ago else None,
            "last_failed_at": None,
        }

    def set_last_run(self, run: CheckRun) -> None:
        fields = self.last_run_fields(run)
        for name, value in fields.items():
            setattr(self, name, value)
        self.save(update_fields=list(fields))

    # --- Proving control ----------------------------------------------------------------

    @property
    def challenge_name(self) -> str:
        return f"{CHALLENGE_PREFIX}.{self.name}"

    @cached_property  # read for every record a page names
    def panel_zone(self) -> str:
        """The zone a DNS panel most likely holds the domain's records in: the registered
        domain (a subdomain's records are usually in its parent's zone). Most panels take names
        relative to it, and add it to a full name typed there."""
        from checks.domainname import organizational_domain
        from checks.tasks import engine_config

        return organizational_domain(self.name, engine_config().extra_public_suffixes)

    def relative_name(self, name: str) -> str:
        """`name` as a DNS panel for panel_zone wants it typed: `_mta-sts` for
        `_mta-sts.example.org`, `_mta-sts.mail` for `_mta-sts.mail.example.org`."""
        return name.removesuffix(f".{self.panel_zone}")

    @property
    def challenge_value(self) -> str:
        return f"{CHALLENGE_VALUE_PREFIX}{self.challenge}"

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None

    def _look_up_challenge(self, timeout: float | None = None) -> DnsAnswer:
        """The challenge name's TXT answer, through the engine's resolver (never the system's:
        in the lab and in production they differ), within the engine's timeout or `timeout`
        seconds if that is shorter (a press of Verify)."""
        from checks.dns import DnsClient
        from checks.tasks import engine_config

        config = engine_config()
        if timeout is not None and timeout < config.timeout:
            config = engine_config(timeout=timeout)
        return asyncio.run(DnsClient(config).txt(self.challenge_name))

    def publishes_challenge(self, answer: DnsAnswer) -> bool:
        """Whether one of the answer's TXT records is this domain's challenge value.

        Whitespace around the value and quotes around it are not part of the proof: DNS
        panels that add their own quotes store a value typed with quotes as the characters
        `"mailsec-verification=…"`, and a pasted value often brings a space or a newline.
        Such a record still shows the secret at the challenge name, which is the proof."""
        return any(_unwrapped(text) == self.challenge_value for text in answer.texts())

    def _misplaced_challenge(self, deadline: float) -> tuple[str, str] | None:
        """Where the value is published instead, when it is not at the challenge name: at the
        name with the zone once more (a DNS panel that appends the zone to the host typed) or
        at the domain itself; with the zone appended ("" for the domain itself). None when it
        is at neither or the lookups fail. Only a hint for the message: the proof is the
        record at challenge_name. The lookups end by `deadline` (time.monotonic(), the press's);
        none is started with less than VERIFY_MIN_LOOKUP seconds left."""
        from checks.dns import DnsClient
        from checks.domainname import organizational_domain
        from checks.tasks import engine_config

        config = engine_config()
        left = deadline - time.monotonic()
        if left < VERIFY_MIN_LOOKUP:
            return None
        client = DnsClient(engine_config(timeout=min(config.timeout, left)))
        # The panel's zone is the domain itself or, for a subdomain, usually the registered
        # domain above it (mail.example.com in example.com's zone).
        zones = {self.name, organizational_domain(self.name, config.extra_public_suffixes)}
        places = [*((f"{self.challenge_name}.{z}", z) for z in sorted(zones)), (self.name, "")]

        async def look() -> list[DnsAnswer]:
            return list(await asyncio.gather(*(client.txt(n) for n, _ in places)))

        for place, answer in zip(places, asyncio.run(look()), strict=True):
            if not answer.failed and self.publishes_challenge(answer):
                return place
        return None

    @property
    def not_in_dns(self) -> bool:
        """Not verified, and the last lookup of its name found it not in the DNS (NOT_IN_DNS)."""
        return noted_not_in_dns(self.verified_at, self.verify_error)

    @classmethod
    def note_not_in_dns(cls, domains: list[Domain]) -> None:
        """Keep what the add's lookup found (existence.look_up's missing) on these domains not
        verified, for the list, the domain's page and the export to say it after the add's
        answer is gone."""
        pks = [d.pk for d in domains]
        cls.objects.filter(pk__in=pks, verified_at=None).update(
            verify_error=NOT_IN_DNS_WORDS, verify_checked_at=timezone.now()
        )
        # The teams' lists once for the batch (an add notes them all), each domain's page.
        pagecache.changed_many(team_ids=[d.team_id for d in domains], domain_ids=pks)

    def verify(
        self, hints: bool = True, answer: DnsAnswer | None = None, missing: bool | None = None
    ) -> bool:
        """Look for the challenge TXT. Records the outcome; True when verified. A domain
        verified here for the first time contests the same name verified by other teams.
        `hints`, for a person pressing Verify (the background task passes False): look for
        the value at likely wrong names too, to say where it is, and end the lookups within
        VERIFY_WEB_BUDGET, as the person waits for them in a web request. Without, the lookup
        gets the engine's timeout (the background task keeps its own budget). `answer`: the
        challenge name's answer, looked up already (Verify all looks a team's names up
        together, domains.views.verify_all): read instead of looking it up again. `missing`:
        whether the domain's own name is not in the DNS (existence.look_up, made by Verify all
        for the names whose challenge answer was NXDOMAIN); None when not looked up, and then
        a person's Verify looks it up itself."""
        deadline = time.monotonic() + VERIFY_WEB_BUDGET
        if answer is None:
            answer = self._look_up_challenge(VERIFY_WEB_BUDGET if hints else None)
        now = timezone.now()
        newly_verified = self.read_challenge(answer, now, hints, missing, deadline)
        try:
            with transaction.atomic():  # a savepoint: the transaction goes on after the error
                self.save(update_fields=VERIFY_FIELDS)
        except DatabaseError:
            if Domain.objects.filter(pk=self.pk).exists():
                raise
            # Removed while we looked (by a teammate, in another tab): nothing to record,
            # nothing verified, no one to contest.
            self.verified_at = None
            return False
        if newly_verified:
            self.contest_rivals(now, answer)
        return self.is_verified

    def read_challenge(
        self,
        answer: DnsAnswer,
        now: datetime,
        hints: bool = False,
        missing: bool | None = None,
        deadline: float | None = None,
    ) -> bool:
        """What `answer` (the challenge name's) says, on this object's VERIFY_FIELDS, not
        saved; True when it verifies a domain not verified. Its arguments as verify's
        (`deadline`: time.monotonic() by which hints' lookups end)."""
        deadline = time.monotonic() + VERIFY_WEB_BUDGET if deadline is None else deadline
        self.verify_checked_at = now
        newly_verified = False
        if answer.failed:
            self.verify_error = self._lookup_failed_words(answer, now)
        elif self.publishes_challenge(answer):
            self.verify_error = ""
            if self.verified_at is None:
                newly_verified = True
                self.verified_at = now
                # The first check runs at once.
                self.next_check_at = now
                self.contested_at = self.control_lost_at = None
        elif answer.empty:
            self.verify_error = self._no_record_words(answer, hints, missing, deadline)
        else:
            # Each value shortened: a wildcard TXT (a long SPF record) answers here too, and
            # the whole message must fit verify_error.
            found = ", ".join(repr(_shortened(t)) for t in answer.texts()[:3])
            self.verify_error = f"{self.challenge_name} has TXT {found}, not the expected value."
        self.verify_error = _shortened(self.verify_error, VERIFY_ERROR_LENGTH)
        return newly_verified

    def _lookup_failed_words(self, answer: DnsAnswer, now: datetime) -> str:
        """Why the press verified nothing when the challenge lookup itself failed, said once
        and plainly: what failed, that it was our lookup (not a verdict on their record), and
        when it is tried again. It was "Could not look up <name>: TIMEOUT for <name> TXT (…)",
        the name twice and a resolver's words (blind round s41j)."""
        from checks.dns import EDE_NAMES
        from mailsec.domains.tasks import VERIFY_IN_BACKGROUND_FOR_DAYS

        if answer.rcode == "TIMEOUT":
            what = "got no answer in time"
        else:
            # A resolver's RFC 8914 explanation, by name only ("Signature Expired" tells the
            # owner of a signed zone where to look); its free text is for the evidence.
            named = [EDE_NAMES.get(code, f"EDE {code}") for code, _ in answer.ede]
            why = f" ({'; '.join(named)})" if named else ""
            what = f"failed: the DNS answered {answer.rcode}{why}"
        # verify_pending looks again every few minutes at domains added this week.
        background = self.created is not None and self.created >= now - timedelta(
            days=VERIFY_IN_BACKGROUND_FOR_DAYS
        )
        again = (
            "We look again every few minutes; or press Verify in a minute."
            if background
            else "Press Verify again in a minute."
        )
        return (
            f"Our DNS lookup of {self.challenge_name} {what}. That is our lookup failing, "
            f"not a fault found in your record. {again}"
        )

    def contest_rivals(self, now: datetime, answer: DnsAnswer) -> None:
        """This domain was just verified: other teams verifying the same name look again."""
        # Only on the way from unverified to verified: a team that verifies again, or
        # a lookup of a domain already verified, contests nothing. Every rival's
        # challenge name is ours (the same domain name): the answer just looked up is
        # theirs too, so nothing is looked up again, and a press stays within its budget.
        for rival in self.rivals():
            try:
                rival.recheck_control(now, answer)
            except Exception:
                # The rival stays contested (contested_at) and verify_pending retries;
                # this team's verification stands whatever happened to that lookup.
                log.exception("re-checking control of %s (domain %s) failed", rival, rival.pk)

    @classmethod
    def verify_many(cls, answers: list[tuple[Domain, DnsAnswer, bool | None]]) -> set[int]:
        """Record what each (domain, its challenge answer, `missing` as verify's) says, as
        verify does without hints, for many domains not verified at once (Verify all): one
        UPDATE for those not verified (each with its own words), one for those verified, the
        pages dropped from the cache once. Returns the pks of the domains still there; one
        removed meanwhile is neither recorded nor verified (its verified_at stays None)."""
        now = timezone.now()
        newly = {
            domain.pk: answer
            for domain, answer, missing in answers
            if domain.read_challenge(answer, now, missing=missing)
        }
        domains = [domain for domain, _, _ in answers]
        kept = set(cls.objects.filter(pk__in=[d.pk for d in domains]).values_list("pk", flat=True))
        # Only rows still not verified: one verified meanwhile (its Verify, in another tab)
        # keeps what that found.
        pending = cls.objects.filter(verified_at=None)
        waiting = [d for d in domains if d.pk in kept and d.pk not in newly]
        if waiting:
            pending.bulk_update(waiting, ["verify_checked_at", "verify_error"])
        verified = [d for d in domains if d.pk in kept and d.pk in newly]
        if verified:
            # What read_challenge set on them, as verify saves it.
            pending.bulk_update(verified, VERIFY_FIELDS)
        for domain in domains:
            if domain.pk not in kept:
                domain.verified_at = None
        pagecache.changed_many(
            team_ids=[d.team_id for d in domains if d.pk in kept], domain_ids=sorted(kept)
        )
        for domain in verified:
            domain.contest_rivals(now, newly[domain.pk])
        return kept

    def _no_record_words(
        self, answer: DnsAnswer, hints: bool, missing: bool | None, deadline: float
    ) -> str:
        """What `verify` records when the challenge name has no TXT record (NXDOMAIN, or a
        name without TXT), its arguments as verify's. In this order: where the value is
        published instead (looked for only with `hints`: the lookups are of names a person
        typed); that the domain's own name is not in the DNS; what was recorded before, when
        this lookup could not tell; else that the record is not there yet."""
        misplaced = self._misplaced_challenge(deadline) if hints else None
        if misplaced is not None:
            where, zone = misplaced
            return f"{MISPLACED} {where}, not at {self.challenge_name}. " + (
                "Your DNS provider adds the domain to the name you enter: enter "
                f"only {self.challenge_name.removesuffix('.' + zone)} as the name."
                if zone
                else f"Publish it at {self.challenge_name}."
            )
        if answer.nxdomain:
            # "No TXT record found" reads as "publish it", which cannot be done in a zone that
            # does not exist (a typo, most often): whether the name itself exists, if the
            # caller did not look (Verify all does) and a person waits for the answer.
            if (
                missing is None
                and hints
                and deadline - time.monotonic() >= existence.LOOKUP_SECONDS
            ):
                # A lookup that told nothing is not "it exists": missing stays None and a
                # kept note stays, as Verify all reads it (views.verify_domains; review s38p).
                missing = existence.look_up([self.name]).missing_or_none(self.name)
            if missing:
                return NOT_IN_DNS_WORDS
        if not hints and self.verify_error.startswith(MISPLACED):
            return self.verify_error  # the hint a person was given stays until they press Verify
        if answer.nxdomain and missing is None and self.verify_error.startswith(NOT_IN_DNS):
            return self.verify_error  # the name was not looked up: what the last lookup found
        return f"No TXT record found at {self.challenge_name} yet."

    # --- Contested control --------------------------------------------------------------

    def rivals(self) -> models.QuerySet[Domain]:
        """The same name, verified by other teams (a team has one row per name)."""
        return Domain.objects.filter(name=self.name, verified_at__isnull=False).exclude(
            team_id=self.team_id
        )

    def recheck_control(self, now: datetime | None = None, answer: DnsAnswer | None = None) -> str:
        """Another team proved control of this name: look our challenge up again (or read
        `answer`, the challenge name's answer that team just looked up: the same name).

        "kept": our value is still published; nothing changes (both teams may monitor the
        name, e.g. a provider and the owner; hosting stays where it is). "failed": the
        lookup failed (SERVFAIL, timeout), which is never a verdict: the contest stays open
        (contested_at) and verify_pending looks again. "lost": a clean answer without our
        value (NOERROR without it, NXDOMAIN): the domain is no longer verified, so its
        checks stop (Domain.due), a hosted policy winds down safely, and the team is told
        once. "moot": nothing to contest (not verified, or no other team verifies it now)."""
        now = now or timezone.now()
        if not self.is_verified:
            return "moot"
        if self.contested_at is None:
            self.contested_at = now
            self.save(update_fields=["contested_at"])
        rival = self.rivals().order_by("-verified_at").first()
        if rival is None:
            self.contested_at = None
            self.save(update_fields=["contested_at"])
            return "moot"
        if answer is None:
            answer = self._look_up_challenge()
        self.verify_checked_at = timezone.now()
        if answer.failed:
            self.save(update_fields=["verify_checked_at"])
            return "failed"
        if self.publishes_challenge(answer):
            self.contested_at = None
            self.save(update_fields=["verify_checked_at", "contested_at"])
            return "kept"
        assert rival.verified_at is not None
        lost, hosting_until = self._lose_control(rival.verified_at, now)
        if not lost:
            return "moot"  # another process concluded the same contest a moment ago
        self._tell_control_lost(rival.verified_at, hosting_until)
        return "lost"

    def _lose_control(self, proved: datetime, now: datetime) -> tuple[bool, datetime | None]:
        """Unverify this domain and start the safe end of its hosting. Returns whether it was
        still verified and contested (else another process got there first, and told the
        team: they hear once) and until when its policy is served in mode none (None: no
        policy to wind down)."""
        from mailsec.hosting import service

        with transaction.atomic():
            locked = Domain.objects.select_for_update().filter(
                pk=self.pk, verified_at__isnull=False, contested_at__isnull=False
            )
            if not locked.exists():
                return False, None
            # Before verified_at goes: whether senders may hold a strict copy of the policy
            # reads it (HostedPolicy.outlives_domain).
            hosting_until = service.lose_control(self, now)
            self.verified_at = None
            self.next_check_at = None
            self.control_lost_at = now
            self.contested_at = None
            self.verify_error = (
                f"Control of {self.display_name} could not be confirmed any more: another "
                f"team proved control of it on {utc_time(proved)}, and "
                f"{self.challenge_name} no longer has this team's value."
            )[:VERIFY_ERROR_LENGTH]
            self.save(
                update_fields=[
                    "verified_at",
                    "next_check_at",
                    "control_lost_at",
                    "contested_at",
                    "verify_error",
                    "verify_checked_at",
                ]
            )
        return True, hosting_until

    def delete_by(self, user: User) -> bool:
        """Delete this domain as `user` (its page's Remove). A hosted policy senders may hold
        a testing/enforce copy of outlives it, served as mode none until those copies expire
        (mailsec.hosting.signals); then the team is emailed once the deletion commits which
        records to keep until when (mailsec.hosting.deleted). The row is locked first: a
        second press, or two at once, finds it gone and tells nobody again. Returns whether
        this call deleted it."""
        from mailsec.hosting import deleted
        from mailsec.hosting.models import HostedPolicy

        with transaction.atomic():
            if not Domain.objects.select_for_update().filter(pk=self.pk).exists():
                return False
            held = HostedPolicy.objects.filter(domain_id=self.pk).first()
            # Read before the deletion takes the team's settings for this domain with it.
            readers = deleted.readers(self) if held is not None else []
            self.delete()
            kept = HostedPolicy.objects.filter(
                pk=held.pk if held else None, domain=None, state=HostedPolicy.State.DISABLING
            ).first()
            if held is not None and kept is not None and readers:
                notice = deleted.notice(kept, self, user, held, readers)
                transaction.on_commit(lambda: deleted.tell(notice), robust=True)
        return True

    def _tell_control_lost(self, proved: datetime, hosting_until: datetime | None) -> None:
        """One email to each of the team's members, in their own time zone (Profile.time_zone),
        and one to each of the team's confirmed extra alert addresses, in UTC
        (TeamAlertAddress.told_at_once: an MSP's ticketing system should hear that a
        customer's domain left its monitoring), with its own one-click unsubscribe."""
        from mailsec.accounts.models import zone, zone_of
        from mailsec.alerts.emails import address_unsubscribe_url, team_address_context
        from mailsec.alerts.models import TeamAlertAddress

        people = {m.user.email: m.user for m in self.team.memberships.select_related("user")}
        ctx = {
            "domain": self,
            "proved": proved,
            "hosting_until": hosting_until,
            "url": settings.SITE_ROOT + reverse("domains:details", args=[self.code]),
        }
        for email in sorted(e for e in people if e):
            try:
                with timezone.override(zone_of(people[email])):
                    send_templated("emails/control-lost", ctx, [email])
            except Exception:  # a mail outage must not undo the outcome; the page shows it
                log.exception("could not email %s about losing %s", email, self.name)
        for address in TeamAlertAddress.told_at_once(self):
            # Its link stops emails about this domain to this address, as an alert's does.
            unsubscribe = address_unsubscribe_url(address, self)
            address_ctx = ctx | team_address_context(address) | {"unsubscribe_url": unsubscribe}
            try:
                with timezone.override(zone(None)):
                    send_templated(
                        "emails/control-lost", address_ctx, [address.email], unsubscribe=unsubscribe
                    )
            except Exception:
                log.exception("could not email %s about losing %s", address.email, self.name)

    # --- Scheduling ---------------------------------------------------------------------

    def selectors(self) -> list[str]:
        return self.dkim_selectors.split()

    def active_run(self) -> CheckRun | None:
        return self.runs.filter(ACTIVE_RUN).order_by("created").first()

    def request_check(self, kind: str = "manual") -> tuple[CheckRun, bool]:
        """Start a run, or join the one already pending or running. Returns (run, created).

        The domain row is locked first so two simultaneous requests for one domain serialize
        here and the second sees the first one's run."""
        from mailsec.domains.tasks import enqueue_run

        with transaction.atomic():
            Domain.objects.select_for_update().filter(pk=self.pk).first()
            run = self.active_run()
            if run is not None:
                return run, False
            run = CheckRun.objects.create(domain=self, kind=kind)
            # A check started moves the next one on, as the beat's claim does (claim_due), so
            # the beat does not claim the domain while it runs, and the list (which reads the
            # row alone, listing.first_check_words) reads a domain never checked as under way
            # from a press of Check now or Verify, not as due. finish() moves it again.
            later = timezone.now() + check_interval()
            if Domain.objects.filter(pk=self.pk, verified_at__isnull=False).update(
                next_check_at=later
            ):
                self.next_check_at = later
            pagecache.changed(team_id=self.team_id, domain_id=self.pk)
            # robust: the run is committed by then, and a broker that is down must not raise
            # out of the caller's commit (failing a page, or the beat's loop over due
            # domains). The pending run is not lost: sweep_stuck fails it after
            # STUCK_PENDING_AFTER and makes the domain due again.
            transaction.on_commit(lambda: enqueue_run(run), robust=True)
        return run, True

    @classmethod
    def due(cls, now: datetime) -> models.QuerySet[Domain]:
        return cls.objects.filter(verified_at__isnull=False, next_check_at__lte=now)

    @classmethod
    def due_candidates(cls, now: datetime, limit: int = 500) -> list[tuple[int, datetime]]:
        qs = cls.due(now).order_by("next_check_at").values_list("pk", "next_check_at")
        return list(qs[:limit])

    @classmethod
    def claim_due(
        cls, now: datetime, candidates: list[tuple[int, datetime]] | None = None
    ) -> list[Domain]:
        """Claim the domains whose check is due by moving their next_check_at on with a
        conditional UPDATE: whoever changes the row claims it, so several beats running at
        once (or a beat that overlaps the previous one) never claim a domain twice."""
        claimed = []
        if candidates is None:
            candidates = cls.due_candidates(now)
        for pk, due_at in candidates:
            updated = cls.objects.filter(pk=pk, next_check_at=due_at).update(
                next_check_at=now + check_interval()
            )
            if updated:
                pagecache.changed(domain_id=pk)  # its page shows the next check's time
                claimed.append(cls.objects.get(pk=pk))
        return claimed

    def failed_runs_in_row(self) -> int:
        """How many of the domain's latest finished runs in a row could not be made
        (CheckRun.could_not_be_made), counted up to failures_worth_counting() in one query
        that reads no more runs than that, and none of their findings."""
        latest = (
            self.runs.filter(status__in=[CheckRun.Status.DONE, CheckRun.Status.ERROR])
            .order_by("-created", "-pk")
            .values_list("status", "score", "score_detail")[: failures_worth_counting()]
        )
        count = 0
        for status, score, detail in latest:
            if not could_not_be_made(status, score, detail):
                break
            count += 1
        return count

    def next_check_after_run(self, began: datetime) -> datetime:
        """When the next check comes, after a run that began (or ended) at `began`."""
        return began + recheck_delay(self.failed_runs_in_row())

    # --- Reading history ----------------------------------------------------------------

    def failure_since_last_run(self) -> CheckRun | None:
        """The newest run that could not complete, when no run finished since: last_run is
        only ever a finished run, so without this a failed check leaves the page showing the
        results before it as if they were current."""
        failed = self.runs.filter(status=CheckRun.Status.ERROR)
        if self.last_run is not None:
            failed = failed.filter(created__gt=self.last_run.created)
        return (
            failed.only("domain_id", "code", "status", "error", "created", "finished")
            .order_by("-created")
            .first()
        )

    def done_runs(self) -> models.QuerySet[CheckRun]:
        return self.runs.filter(status=CheckRun.Status.DONE).order_by("-created")

    def mtasts_previous(self) -> tuple[str, str] | None:
        """What the last run that fetched an MTA-STS policy saw, for the engine's MTASTS-09.
        A run that could not fetch the policy is passed over: a failed fetch in between must
        not hide a changed policy behind an unchanged id."""
        row = (
            self.done_runs()
            .exclude(mtasts_policy_sha256="")
            .values_list("mtasts_id", "mtasts_policy_sha256", "findings")
            .first()
        )
        if row is None:
            return None
        record_id, digest, findings = row
        # Compared by what the policy meant, read again from the text the run kept: a run
        # from before the engine's meaning digest stored the digest of the bytes, and a new
        # line ending alone would read as a changed policy under the same id.
        return record_id, _kept_policy_digest(findings or [], digest) or digest


@dataclass
class MechanismChange:
    mechanism: str
    before: str
    after: str
    added: list[dict[str, Any]]
    removed: list[dict[str, Any]]
    changed: list[tuple[dict[str, Any], dict[str, Any]]]

    @property
    def worse(self) -> bool:
        before, after = goodness(self.before), goodness(self.after)
        return before is not None and after is not None and after < before

    @property
    def better(self) -> bool:
        before, after = goodness(self.before), goodness(self.after)
        return before is not None and after is not None and after > before


# How good a mechanism verdict is. "error" (could not check) is neither better nor worse
# than anything: a failed lookup is not a regression, and its end is not an improvement.
GOODNESS = {"fail": 0, "warn": 1, "info": 2, "na": 2, "pass": 3}


def goodness(status: str) -> int | None:
    return GOODNESS.get(status)


def worst_of(findings: list[dict[str, Any]]) -> dict[str, Any] | None:
    for status in (FindingStatus.FAIL, FindingStatus.ERROR, FindingStatus.WARN):
        for f in findings:
            if f.get("status") == status:
                return {k: f.get(k, "") for k in ("id", "status", "mechanism", "summary")}
    return None


def not_deployed(score_detail: dict[str, Any] | None) -> list[str]:
    """The mechanisms a run's score counts as not deployed (each cost points), the costliest
    first: a domain whose worst finding is only a note may still lack MTA-STS or DMARC."""
    categories = (score_detail or {}).get("categories") or {}
    absent = [
        (mech, cat)
        for mech, cat in categories.items()
        # BIMI weighs nothing: not having it costs no points and is not listed.
        if cat.get("reason") == "not deployed" and cat.get("counted") and cat.get("weight")
    ]
    absent.sort(key=lambda item: -float(item[1].get("score_lost") or item[1].get("lost") or 0))
    return [mech for mech, _ in absent]


def row_worst(
    worst: dict[str, Any] | None, score_detail: dict[str, Any] | None, no_mail: bool = False
) -> dict[str, Any]:
    """Domain.last_worst: the worst finding, what is not deployed when anything is, whether
    the domain receives no mail or does not exist, and how much of a partial score was
    checked."""
    row = dict(worst or {})
    if (score_detail or {}).get("not_checked") and not scoring.counted_categories(
        score_detail or {}
    ):
        # No score because none of the scored checks could be made (timeouts, SERVFAIL): the
        # list says so in words, as the page does, not a bare "n/a" that reads as a verdict.
        row["none_checked"] = True
    if (score_detail or {}).get(scoring.DOES_NOT_EXIST):
        # NXDOMAIN at the name (checks.scoring.does_not_exist): the row says "does not exist",
        # not "n/a, no score", as the page and the free check do.
        row["does_not_exist"] = True
    missing = not_deployed(score_detail)
    if missing:
        row["not_deployed"] = missing
    if no_mail:
        row["no_mail"] = True
    cover = row_coverage(score_detail)
    if cover:
        row["coverage"] = cover
    return row


def no_trend(week_ago: tuple[Any, ...] | None, run: CheckRun) -> dict[str, Any]:
    """Domain.last_worst's "no_trend": why `run` has no score to compare a week before
    (Domain.last_run_fields): no run that old yet ("first_week"), another version of the
    rubric ("rubric"), or other categories left out as could-not-check ("not_checked", with
    those of each run, so the list names them). A run a week before that compares but has
    no score is kept by last_run_fields as "no_score" (with "did_not_exist": NXDOMAIN then)."""
    if week_ago is None:
        return {"why": "first_week"}
    if week_ago[1] != run.score_version:
        return {"why": "rubric"}
    return {
        "why": "not_checked",
        "then": list((week_ago[2] or {}).get("not_checked") or []),
        "now": list((run.score_detail or {}).get("not_checked") or []),
    }


def row_coverage(score_detail: dict[str, Any] | None) -> dict[str, Any] | None:
    """Domain.last_worst's "coverage" of a partial run (checks.scoring.coverage): the points
    checked, of how many, whether that is enough for a score (half), and the scored
    categories that could not be checked. The list's pill and the weekly summary say "45 of
    85 points checked" (n/a below half) from the row, as the domain page does from the run;
    "enough" is there for SQL (a sort or filter reading the row). None when nothing scored is
    missing (the row is as before)."""
    cover = scoring.coverage(score_detail or {})
    if cover.complete:
        return None
    return {**cover.to_dict(), "not_checked": [str(m) for m in cover.not_checked]}


def stored_coverage(last_worst: dict[str, Any] | None) -> scoring.Coverage:
    """The Coverage a row keeps (row_coverage), to be said in the page's words; complete for a
    row without one (a whole run, or a row written before 0009 filled it)."""
    kept = (last_worst or {}).get("coverage") or {}
    if not kept:
        return scoring.Coverage(0, 0, ())
    missing = []
    for name in kept.get("not_checked") or ():
        try:
            missing.append(Mechanism(name))
        except ValueError:  # a category no longer in the rubric: the numbers stay as kept
            continue
    return scoring.Coverage(int(kept["checked"]), int(kept["of"]), tuple(missing))


def _mtasts_evidence(findings: list[dict[str, Any]]) -> dict[str, Any]:
    """The evidence of the MTA-STS policy finding that names the record id and the policy's
    digest, or an empty dict."""
    for f in findings:
        ev = f.get("evidence") or {}
        if f.get("mechanism") == "mta-sts" and ev.get("record_id") and ev.get("policy_sha256"):
            return ev
    return {}


def _mtasts_version(findings: list[dict[str, Any]]) -> tuple[str, str]:
    """(record id, policy sha256) from the MTA-STS policy findings' evidence, or blanks."""
    ev = _mtasts_evidence(findings)
    if not ev:
        return "", ""
    return str(ev["record_id"])[:32], str(ev["policy_sha256"])[:64]


def _kept_policy_digest(findings: list[dict[str, Any]], stored: str) -> str | None:
    """checks.mtasts.kept_policy_digest of the policy text in the findings _mtasts_version
    read, or None when there is none (or it may be cut, or `stored`, the run's digest, is
    not one of its bytes)."""
    kept = _mtasts_evidence(findings).get("policy")
    return kept_policy_digest(kept, stored) if isinstance(kept, str) else None


def _finding_key(f: dict[str, Any]) -> tuple[str, str]:
    return (f.get("id", ""), f.get("subject", ""))


def could_not_be_made(status: str, score: int | None, score_detail: dict[str, Any] | None) -> bool:
    """Whether a finished run could not be made: it did not complete (a crash, a timeout, a
    worker lost), or it finished without a score to show because its lookups failed (every
    scored check, or more than half the points that apply, could not be checked: our resolver
    or network down, as the page says). A domain that does not exist was checked."""
    if status == CheckRun.Status.ERROR:
        return True
    if status != CheckRun.Status.DONE:
        return False
    detail = score_detail or {}
    if detail.get(scoring.DOES_NOT_EXIST):
        return False
    if score is None:
        return bool(detail.get("not_checked"))
    return not scoring.coverage(detail).enough


class CheckRun(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for a worker"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        ERROR = "error", "Could not complete"

    ACTIVE = (Status.PENDING, Status.RUNNING)

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    domain = models.ForeignKey(Domain, models.CASCADE, related_name="runs")
    kind = models.CharField(max_length=10, default="scheduled")  # scheduled / manual
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created = models.DateTimeField(default=timezone.now)
    started = models.DateTimeField(null=True, blank=True)
    finished = models.DateTimeField(null=True, blank=True)
    score = models.PositiveSmallIntegerField(null=True, blank=True)
    score_version = models.PositiveSmallIntegerField(null=True, blank=True)
    # {"mta-sts": "pass", ...}; filled mechanism by mechanism while the run is in progress.
    mechanisms = models.JSONField(default=dict, blank=True)
    findings = models.JSONField(default=list, blank=True)
    score_detail = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    # The MTA-STS record id and policy digest this run saw: the next run hands them to the
    # engine (CheckConfig.mtasts_previous) so it can tell "policy changed, id did not".
    mtasts_id = models.CharField(max_length=32, blank=True)
    mtasts_policy_sha256 = models.CharField(max_length=64, blank=True)
    # worst_finding() kept small and apart from `findings` (tens of kB), so the domain list
    # can show it without loading every last run's findings: {} = nothing wrong, None = not
    # computed (falls back to reading the findings).
    worst = models.JSONField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["domain", "created"]),
            models.Index(fields=["status", "created"]),
            # active_run() on every domain page: without it, a scan of the domain's history.
            models.Index(
                fields=["domain"],
                condition=models.Q(status__in=["pending", "running"]),
                name="checkrun_active_by_domain",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.domain.name} @ {self.created:%Y-%m-%d %H:%M} ({self.status})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Keep `worst` in step with the findings however a finished run is written.
        if (
            self.worst is None
            and self.status == self.Status.DONE
            and "findings" not in self.get_deferred_fields()
        ):
            self.worst = worst_of(self.findings) or {}
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "worst"}
        super().save(*args, **kwargs)

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE

    @property
    def could_not_be_made(self) -> bool:
        """See could_not_be_made(): the page then says when it is checked again."""
        return could_not_be_made(self.status, self.score, self.score_detail)

    @property
    def receives_no_mail(self) -> bool:
        """The run found a null MX (RFC 7505), so the transport categories did not apply: its
        score rates only what a domain that receives no mail still needs, and is shown as
        "not applicable" beside that number (checks.scoring.receives_no_mail, as the free
        check and the CLI show it)."""
        if self.status != self.Status.DONE:
            return False
        ids = (f.get("id", "") for f in self.findings)
        return scoring.receives_no_mail(self.score_detail or {}, ids)

    @property
    def scored_titles(self) -> list[str]:
        """The categories the score counted, by title, in the rubric's order."""
        return [MECHANISM_TITLES[m] for m in scoring.counted_categories(self.score_detail or {})]

    @property
    def score_coverage(self) -> scoring.Coverage:
        """How many of the points that apply could be checked: the page says "for the 30 of
        100 points that could be checked" beside a partial score, and below half shows no
        number in big type (checks.scoring.Coverage, as the CLI and the free check say it)."""
        return scoring.coverage(self.score_detail or {})

    @property
    def no_score_reason(self) -> str:
        """Why a finished run has no score, in the free check's words (every scored check
        timed out: that says nothing bad about the domain); empty when it has one."""
        if self.status != self.Status.DONE or self.score is not None:
            return ""
        from mailsec.freecheck.models import no_score_reason

        # The page says when the domain is checked again (domains/_recheck.html), not to
        # check again in a few minutes.
        return no_score_reason(self.score_detail or {}, self.receives_no_mail, check_again=False)

    def worst_finding(self) -> dict[str, Any] | None:
        """The finding people should look at first: fail, then could-not-check, then warn."""
        if self.worst is not None:
            return self.worst or None
        return worst_of(self.findings)

    def previous(self) -> CheckRun | None:
        return (
            CheckRun.objects.filter(
                domain_id=self.domain_id, status=self.Status.DONE, created__lt=self.created
            )
            .order_by("-created")
            .first()
        )

    def changes_since(self, prev: CheckRun | None) -> list[MechanismChange]:
        """Per mechanism: verdict before and after, and the findings that appeared,
        disappeared or changed status. Mechanisms with no difference are left out."""
        if prev is None:
            return []
        changes = []
        mechanisms = list(dict.fromkeys([*prev.mechanisms, *self.mechanisms]))
        for mech in mechanisms:
            old = {_finding_key(f): f for f in prev.findings if f.get("mechanism") == mech}
            new = {_finding_key(f): f for f in self.findings if f.get("mechanism") == mech}
            added = [f for k, f in new.items() if k not in old]
            removed = [f for k, f in old.items() if k not in new]
            changed = [
                (old[k], f)
                for k, f in new.items()
                if k in old and old[k].get("status") != f.get("status")
            ]
            before = prev.mechanisms.get(mech, "na")
            after = self.mechanisms.get(mech, "na")
            if added or removed or changed or before != after:
                changes.append(MechanismChange(mech, before, after, added, removed, changed))
        return changes

    def regressions_since(self, prev: CheckRun | None) -> list[MechanismChange]:
        return [c for c in self.changes_since(prev) if c.worse]

    # --- Life cycle (called by the task) ---------------------------------------------

    def claim(self) -> bool:
        """pending → running, at most once: a task delivered twice runs the check once."""
        now = timezone.now()
        updated = CheckRun.objects.filter(pk=self.pk, status=self.Status.PENDING).update(
            status=self.Status.RUNNING, started=now
        )
        if updated:
            self.status, self.started = self.Status.RUNNING, now
            pagecache.changed(domain_id=self.domain_id)
        return bool(updated)

    def finish(self, report: dict[str, Any] | None, error: str = "") -> bool:
        """Store the outcome; False when the run is gone (its domain was deleted while the
        check ran): nothing more to store, compare or alert on."""
        now = timezone.now()
        self.finished = now
        if report is not None and not report.get("error"):
            self.status = self.Status.DONE
            self.score = report.get("score")
            self.score_version = report.get("score_version")
            self.mechanisms = report.get("mechanisms") or {}
            self.findings = report.get("findings") or []
            self.score_detail = report.get("score_detail") or {}
            self.duration_ms = report.get("duration_ms")
            self.mtasts_id, self.mtasts_policy_sha256 = _mtasts_version(self.findings)
            self.worst = None  # recomputed from these findings by save()
        else:
            self.status = self.Status.ERROR
            self.error = error or (report or {}).get("error", "") or "The check failed."
        with transaction.atomic():
            # Locked, so the domain cannot be deleted between the look and the write: save()
            # of a deleted run would insert it again, pointing at a domain that is gone.
            if not CheckRun.objects.select_for_update().filter(pk=self.pk).exists():
                return False
            self.save()
            # In the same transaction: whoever sees the run finished also sees it as the
            # domain's last run (a page polling the run would otherwise render the old one).
            # The next check is one interval away after a run that completed (the beat has
            # usually moved it already; a manual run moves it too); after one that could not
            # be made, sooner, backing off with each such run in a row (recheck_delay), so a
            # crash or a broken resolver never causes a hot loop.
            domain = Domain.objects.filter(pk=self.domain_id)
            domain.update(next_check_at=self.domain.next_check_after_run(now))
            # Never an older run over a newer one (a worker held up past the sweep may finish
            # an old run late); last_run and the list's summary move together.
            newer = models.Q(last_run__isnull=True) | models.Q(last_run__created__lt=self.created)
            if self.status == self.Status.DONE:
                domain.filter(newer).update(**Domain.last_run_fields(self))
            else:
                domain.filter(newer).update(last_failed_at=now)
        # After the last write: a page made since save() above read the old last run.
        pagecache.changed(team_id=self.domain.team_id, domain_id=self.domain_id)
        return True

    @classmethod
    def sweep_stuck(cls, now: datetime) -> int:
        """Mark runs whose worker vanished as failed, and make their domains due again."""
        stuck = cls.objects.filter(
            models.Q(status=cls.Status.RUNNING, started__lt=now - STUCK_RUNNING_AFTER)
            | models.Q(status=cls.Status.PENDING, created__lt=now - STUCK_PENDING_AFTER)
        )
        count = 0
        for run in stuck.select_related("domain"):
            updated = cls.objects.filter(pk=run.pk, status=run.status).update(
                status=cls.Status.ERROR,
                finished=now,
                error="The check was interrupted (its worker stopped); it will run again.",
            )
            if updated:
                count += 1
                domain = Domain.objects.filter(pk=run.domain_id)
                # Due again as finish() would have made it, counted from when the run began
                # (it was lost long since): the first lost run in a row is due at once, and a
                # worker that dies on every check of the domain is tried less and less often.
                began = run.started or run.created
                due_at = max(now, run.domain.next_check_after_run(began))
                domain.filter(verified_at__isnull=False).update(next_check_at=due_at)
                newer = models.Q(last_run__isnull=True) | models.Q(
                    last_run__created__lt=run.created
                )
                domain.filter(newer).update(last_failed_at=now)  # the list flags it
                pagecache.changed(team_id=run.domain.team_id, domain_id=run.domain_id)
        return count

    @classmethod
    def thin(cls, now: datetime) -> int:
        """Keep every run of the last 90 days; before that, one run of each day (UTC): its
        last run that made a score, or its last run when none did. A check that could not be
        made (a crash, or no score because our lookups failed) says nothing about the domain,
        so it never takes the place of the day's score (s43a)."""
        cutoff = now - KEEP_ALL_RUNS_FOR
        old = (
            cls.objects.filter(created__lt=cutoff)
            .order_by("domain_id", "created")
            .values_list("pk", "domain_id", "created", "status", "score")
        )
        # A domain's last finished run stays whatever else that day keeps: the domain row
        # keeps its summary, and the page shows it.
        last_runs = set(Domain.objects.exclude(last_run=None).values_list("last_run_id", flat=True))
        # Per (domain, day): the run kept so far, and whether it made a score.
        keep: dict[tuple[int, Any], tuple[int, bool]] = {}
        doomed: list[int] = []
        for pk, domain_id, created, status, score in old.iterator():
            key = (domain_id, created.date())
            scored = status == cls.Status.DONE and score is not None
            kept = keep.get(key)
            if kept is not None and kept[1] and not scored:
                # A later run without a score: the day keeps its score.
                if pk not in last_runs:
                    doomed.append(pk)
                continue
            if kept is not None and kept[0] not in last_runs:
                doomed.append(kept[0])
            keep[key] = (pk, scored)
        deleted = 0
        for i in range(0, len(doomed), 500):
            deleted += cls.objects.filter(pk__in=doomed[i : i + 500]).delete()[0]
        return deleted


# A run still pending or running (CheckRun.ACTIVE), with the statuses written into the SQL, not
# bound as parameters: a prepared statement's generic plan (mailsec/env.py) can use the partial
# index checkrun_active_by_domain only when its WHERE visibly matches the index's; with
# parameters it walks the domain's whole history instead. The statuses are our own constants.
ACTIVE_RUN = RawSQL(
    f"status IN ({', '.join(repr(str(s)) for s in CheckRun.ACTIVE)})",
    (),
    output_field=models.BooleanField(),
)
