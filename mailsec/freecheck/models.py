"""Free checks: one row per check anyone ran from the public page or the JSON API.

A row holds only the domain, a keyed hash of the client's network (for rate limits and abuse
reports, never the raw address), the findings as they arrive and the final report. The public
id in URLs is a random UUID; the integer primary key never leaves the database.
"""

from __future__ import annotations

import asyncio
import json
import queue
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import urlencode

from checks import scoring
from checks.config import CheckConfig
from checks.domainname import host_name_parent
from checks.engine import check_domain
from checks.findings import MECHANISM_TITLES, SEVERITY_ORDER, Finding, Mechanism, Status
from checks.tasks import engine_config
from mailsec.domains.fixparts import example_mailbox_note
from mailsec.scoring.explain import MISSING, repeated_errors, with_missing_badges

# A finished run of the same domain is shown again instead of probing its servers anew.
REUSE_FOR = timedelta(minutes=5)
# The embedded broker loses a task whose worker is killed mid-run, and a task may wait behind
# others: past these ages a run is given up (see FreeCheck.expire_if_stuck).
STUCK_PENDING_AFTER = timedelta(minutes=10)
STUCK_RUNNING_AFTER = timedelta(minutes=3)
# Wall-time cap of one engine run; below the task's soft time limit (tasks.py) so the run
# ends with a stored error rather than a killed task.
RUN_TIME_CAP = 90.0
# The engine's own deadline is this much under a run's cap, so a slow mechanism times out alone
# (ENGINE-01, a partial report) while there is still time to score and hand over the others;
# the cap itself is only the backstop.
RUN_DEADLINE_MARGIN = 2.0


def engine_deadline(time_cap: float) -> float:
    """The deadline the engine gets under `time_cap` (never less than half of it)."""
    return max(time_cap - RUN_DEADLINE_MARGIN, time_cap / 2)


# Permalinks live this long, then the sweep deletes the rows.
KEEP_FOR = timedelta(days=30)

# checks/net.py words every SSRF-guard refusal as "<address> is not a public address (<kind>);
# refused", and the probes carry that text into their findings' evidence. Reports stored before
# s34g have the words it used then, which named every kind at once.
_REFUSED_WORDS = (
    " is not a public address (",
    " is a private, loopback, link-local or reserved address",
)
# Anchored at the start of a run of address characters and bounded (an IPv6 address is at most
# 45): unanchored, a finding holding a long run of hex letters (a 64 KiB policy line of "aaa…")
# cost a try at every position, each running to the end of the run — 50 s for one page.
_REFUSED = re.compile(
    r"(?<![0-9A-Fa-f:.])([0-9A-Fa-f:.]{1,45})(?:"
    + "|".join(re.escape(words) for words in _REFUSED_WORDS)
    + ")"
)

_SEVERITY_RANK = {status: rank for rank, status in enumerate(SEVERITY_ORDER)}

# A stored free-check report keeps at most this many findings of one check ID (s24s). Records
# are anyone's to write: an MX RRset of 1,000 hosts, a DMARC rua and an SPF record of 1,000
# entries gave one anonymous check 7,321 findings, a 4.7 MB report kept 30 days, written again
# with each mechanism's progress and scanned whole at every view of the page. A real domain
# has a handful of one ID (one per MX host or address); past the cap the rest are counted in
# one finding of that ID, with the worst status among them and its summary.
MAX_FINDINGS_PER_CHECK = 40


def bounded_findings(findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """`findings` (Finding.to_dict()s) with at most MAX_FINDINGS_PER_CHECK of each check ID,
    in their order, and for an ID with more, one finding after them that counts the rest."""
    kept: list[dict[str, Any]] = []
    rest: dict[str, list[dict[str, Any]]] = {}
    seen: dict[str, int] = {}
    for finding in findings:
        check_id = str(finding.get("id", ""))
        if seen.get(check_id, 0) < MAX_FINDINGS_PER_CHECK:
            seen[check_id] = seen.get(check_id, 0) + 1
            kept.append(finding)
        else:
            rest.setdefault(check_id, []).append(finding)
    for check_id, left in rest.items():
        worst = min(left, key=lambda f: _SEVERITY_RANK.get(Status(f["status"]), 99))
        kept.append(
            {
                "id": check_id,
                "status": worst["status"],
                "mechanism": worst["mechanism"],
                "summary": f"{len(left)} more {check_id} findings are not shown: a free check "
                f"keeps at most {MAX_FINDINGS_PER_CHECK} of one check. The worst of them: "
                f"{worst.get('summary', '')}",
                "subject": "",
                "evidence": {"not_shown": len(left)},
                "fix": "",
            }
        )
    return kept


# "error" means we could not find out: the page must never read it as a failure.
STATUS_LABELS = {
    "pass": "pass",
    "info": "info",
    "warn": "warning",
    "fail": "fail",
    "error": "could not check",
    "na": "n/a",
}


def free_check_config(hosting_on: bool = False) -> CheckConfig:
    """The engine configuration of a free check.

    Anyone can point a free check at a name that resolves to our own network, so private
    targets stay refused unless the operator allowed them for the whole site (the lab does),
    and one check opens only a few connections at a time.

    `hosting_on`: mailsec hosts the checked domain's MTA-STS policy now (FreeCheck.hosting_is_on),
    so the engine's hosted advice says so instead of "turn on hosting". Only that: the time it
    was turned on (CheckConfig.hosting_on_since, which the monitored check gives) is account
    data, and the engine would put it in the public report.
    """
    return engine_config(
        allow_private_targets=bool(settings.MAILSEC_ENGINE["allow_private_targets"]),
        max_connections=settings.MAILSEC_FREE_CHECK_MAX_CONNECTIONS,
        hosting_on=hosting_on,
    )


def signup_url(domain: str) -> str:
    """Where "monitor this domain" leads: the sign-up page, which says (from ?domain=) that the
    domain can be added next, and then, through allauth's ?next=, the domain list with the
    name in its add field. A signed-in person goes straight to that list. Nothing is added
    until the person presses Add."""
    try:
        base = reverse("account_signup")
    except NoReverseMatch:  # accounts not wired yet: the conventional path
        base = "/accounts/signup/"
    return f"{base}?{urlencode({'domain': domain, 'next': add_url(domain)})}"


def add_url(domain: str) -> str:
    """The domain list with `domain` in its add field: where the offer leads someone signed
    in (and signup_url after the sign-up). Nothing is added until the person presses Add."""
    try:
        domains = reverse("domains:index")
    except NoReverseMatch:
        domains = "/domains/"
    return f"{domains}?{urlencode({'add': domain})}"


@dataclass
class MechanismView:
    """One mechanism's card on the results page."""

    mechanism: Mechanism
    title: str
    done: bool
    status: str = ""
    findings: list[dict[str, Any]] = field(default_factory=list)
    category: dict[str, Any] = field(default_factory=dict)

    @property
    def shown(self) -> list[dict[str, Any]]:
        """Findings that need attention: problems, anything that cost points or has a fix;
        of many "could not check" findings of one check and one reason, only the first
        (repeated_errors)."""
        repeated = repeated_errors(self.findings)
        return [
            f for f in self.findings if _needs_attention(f, self.category) and id(f) not in repeated
        ]

    @property
    def folded(self) -> list[dict[str, Any]]:
        """The rest (passes, n/a, plain information, the repeats of many "could not check"
        findings of one check and one reason), folded away so problems stand out."""
        repeated = repeated_errors(self.findings)
        return [
            f for f in self.findings if not _needs_attention(f, self.category) or id(f) in repeated
        ]

    @property
    def folded_summary(self) -> str:
        """ "7 pass, 2 n/a": what the fold holds."""
        counts: dict[str, int] = {}
        for finding in self.folded:
            counts[finding["status_label"]] = counts.get(finding["status_label"], 0) + 1
        return ", ".join(f"{n} {label}" for label, n in counts.items())

    label: str = ""


def no_score_reason(
    score_detail: dict[str, Any], receives_no_mail: bool, check_again: bool = True
) -> str:
    """Why a finished check without a score has none, in words, for the free check and the
    domain page alike: "no score" (or "nothing cost points") alone reads as a verdict.
    `check_again`: whether to tell the reader to check again in a few minutes (the free
    check); a monitored domain's page says instead when it is checked again by itself."""
    if score_detail.get(scoring.DOES_NOT_EXIST):
        # NXDOMAIN at the name (checks.scoring.does_not_exist): nothing to rate, and nothing
        # to enable either, so not "nothing the score rates was checked".
        return "No score: the domain does not exist."
    if score_detail.get("not_checked"):
        return (
            "No score: none of the scored checks could be made this time (DNS lookups or "
            "connections timed out or failed). That says nothing bad about the domain"
            + ("; check again in a few minutes." if check_again else ".")
        )
    if receives_no_mail:
        return "No score: the domain receives no mail, and nothing else could be scored."
    return "No score: nothing the score rates was checked."


class FreeCheck(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", "queued"
        RUNNING = "running", "running"
        DONE = "done", "done"
        ERROR = "error", "error"

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    domain = models.CharField(max_length=253)
    client_hash = models.CharField(max_length=64, blank=True)
    status = models.CharField(max_length=8, choices=State.choices, default=State.PENDING)
    # mechanism -> list of finding dicts, written as each mechanism completes; emptied when
    # the final report is stored (the report holds the same findings).
    partial = models.JSONField(default=dict, blank=True)
    # DomainReport.to_dict(): the schema of `mailsec check --json` and of the API.
    report = models.JSONField(null=True, blank=True)
    # Why the run did not finish, in words for the person who asked.
    error = models.TextField(blank=True)
    created = models.DateTimeField(default=timezone.now)
    started = models.DateTimeField(null=True, blank=True)
    finished = models.DateTimeField(null=True, blank=True)

    # The states of a run under way: a domain has at most one such row (Meta.constraints).
    ACTIVE = (State.PENDING, State.RUNNING)

    class Meta:
        indexes = [models.Index(fields=["domain", "-created"])]
        constraints = [
            # Two requests at once (a double click on "Check again now", two visitors) both
            # find no run under way; the database lets only one of them start one (start()).
            models.UniqueConstraint(
                fields=["domain"],
                condition=Q(status__in=["pending", "running"]),
                name="freecheck_one_run_under_way",
            )
        ]

    def __str__(self) -> str:
        return f"{self.domain} ({self.status}) {self.code}"

    def get_absolute_url(self) -> str:
        return reverse("freecheck-report", args=[self.code])

    # --- Life cycle -------------------------------------------------------------------------

    @classmethod
    def _under_way(cls, now: datetime) -> Q:
        return Q(status=cls.State.PENDING, created__gte=now - STUCK_PENDING_AFTER) | Q(
            status=cls.State.RUNNING, started__gte=now - STUCK_RUNNING_AFTER
        )

    @classmethod
    def reusable(cls, domain: str) -> FreeCheck | None:
        """A run of this domain to show instead of starting one: finished within REUSE_FOR,
        or still under way and not stuck (two people asking at once share one run)."""
        now = timezone.now()
        fresh = Q(status=cls.State.DONE, finished__gte=now - REUSE_FOR) | cls._under_way(now)
        return cls.objects.filter(fresh, domain=domain).order_by("-created").first()

    @classmethod
    def under_way(cls, domain: str) -> FreeCheck | None:
        """A run of this domain still going (not stuck): what "Check again now" shares, since
        its answers are as fresh as a new run's (a double click, two people pressing)."""
        query = cls.objects.filter(cls._under_way(timezone.now()), domain=domain)
        return query.order_by("-created").first()

    @classmethod
    def start(cls, domain: str, client_hash: str = "") -> tuple[FreeCheck, bool]:
        """A new pending run of `domain` (True), or the run another request started a moment
        ago (False). Callers look for a run under way first; two requests that both found
        none may then both get here, and the one-run-under-way constraint lets only one row
        in: the other shares it, so its domain's servers are probed once."""
        for _ in range(3):
            # A run that will never finish still holds the domain's place under the
            # constraint; under_way() passes over it, and so must a new run.
            for stuck in cls.objects.filter(domain=domain, status__in=cls.ACTIVE):
                stuck.expire_if_stuck()
            try:
                with transaction.atomic():
                    return cls.objects.create(domain=domain, client_hash=client_hash), True
            except IntegrityError:
                shared = cls.under_way(domain)
                if shared is not None:
                    return shared, False
                # It finished or got stuck between the two statements: try again.
        raise IntegrityError(f"no free check of {domain} could be started or shared")

    @property
    def is_finished(self) -> bool:
        return self.status in (self.State.DONE, self.State.ERROR)

    def is_stuck(self) -> bool:
        now = timezone.now()
        if self.status == self.State.PENDING:
            return self.created < now - STUCK_PENDING_AFTER
        if self.status == self.State.RUNNING:
            # claim() sets both at once: "running" with no start time never runs (a hand edit).
            return self.started is None or self.started < now - STUCK_RUNNING_AFTER
        return False

    def expire_if_stuck(self) -> bool:
        """Mark a run that will never finish as an error, so its page stops waiting."""
        if not self.is_stuck():
            return False
        if self.status == self.State.PENDING:
            message = (
                f"No checker picked this check up within "
                f"{int(STUCK_PENDING_AFTER.total_seconds() // 60)} minutes. "
                "The service is busy or restarting; please try again."
            )
        else:
            message = (
                "The check stopped before it finished (its worker restarted). Please try again."
            )
        updated = FreeCheck.objects.filter(pk=self.pk, status=self.status).update(
            status=self.State.ERROR, error=message, finished=timezone.now()
        )
        self.refresh_from_db()
        return bool(updated)

    @classmethod
    def sweep(cls) -> int:
        """Give up stuck runs and delete expired ones; returns how many were given up."""
        now = timezone.now()
        stuck = cls.objects.filter(
            Q(status=cls.State.PENDING, created__lt=now - STUCK_PENDING_AFTER)
            | Q(status=cls.State.RUNNING, started__lt=now - STUCK_RUNNING_AFTER)
        )
        given_up = sum(1 for check in stuck if check.expire_if_stuck())
        cls.objects.filter(created__lt=now - KEEP_FOR).delete()
        return given_up

    def claim(self) -> bool:
        """pending -> running, once: a task delivered twice does not probe twice."""
        now = timezone.now()
        claimed = FreeCheck.objects.filter(pk=self.pk, status=self.State.PENDING).update(
            status=self.State.RUNNING, started=now
        )
        if claimed:
            self.status, self.started = self.State.RUNNING, now
        return bool(claimed)

    def record_progress(self, mechanism: Mechanism, findings: list[Finding]) -> None:
        self.partial[str(mechanism)] = bounded_findings([f.to_dict() for f in findings])
        # Only while running: a run the sweep gave up stays given up.
        FreeCheck.objects.filter(pk=self.pk, status=self.State.RUNNING).update(partial=self.partial)

    def run(self, config: CheckConfig | None = None, time_cap: float = RUN_TIME_CAP) -> None:
        """Run the engine for this row (in a worker, or in the web process for the API).

        The engine runs on its own event loop in a helper thread and hands each mechanism's
        findings over a queue; this thread writes them to the database. That keeps every ORM
        call on a plain synchronous thread (Django refuses them inside a running event loop)
        and on this thread's connection.
        """
        if not self.claim():
            return
        config = config or free_check_config(hosting_on=self.hosting_is_on)
        progress: queue.Queue[tuple[Mechanism, list[Finding]]] = queue.Queue()
        outcome: dict[str, Any] = {}

        async def engine() -> None:
            outcome["report"] = await asyncio.wait_for(
                check_domain(
                    self.domain,
                    config,
                    on_progress=lambda m, f: progress.put((m, f)),
                    deadline_seconds=engine_deadline(time_cap),
                ),
                timeout=time_cap,
            )

        def target() -> None:
            try:
                asyncio.run(engine())
            except BaseException as exc:  # handed to the writing thread below
                outcome["exception"] = exc

        thread = threading.Thread(target=target, name=f"freecheck-{self.code}", daemon=True)
        thread.start()
        while thread.is_alive() or not progress.empty():
            try:
                mechanism, findings = progress.get(timeout=0.1)
            except queue.Empty:
                continue
            self.record_progress(mechanism, findings)
        thread.join()

        if "report" in outcome:
            self.status = self.State.DONE
            self.report = outcome["report"].to_dict()
            self.report["findings"] = bounded_findings(self.report["findings"])
            self.partial = {}
        else:
            exc = outcome.get("exception")
            self.status = self.State.ERROR
            if isinstance(exc, TimeoutError):
                self.error = f"The check did not finish within {time_cap:g} seconds."
            else:
                self.error = "The check failed because of an internal error. Please try again."
        self.finished = timezone.now()
        self.save(update_fields=["status", "report", "partial", "error", "finished"])
        if isinstance(outcome.get("exception"), Exception) and not isinstance(
            outcome["exception"], TimeoutError
        ):
            raise outcome["exception"]  # let the worker log it with its traceback

    def wait(self, timeout: float) -> bool:
        """Poll until a run elsewhere finishes (the API waiting on a worker's run)."""
        deadline = time.monotonic() + timeout
        while not self.is_finished and time.monotonic() < deadline:
            time.sleep(0.25)
            self.refresh_from_db()
            self.expire_if_stuck()
        return self.is_finished

    # --- What the page shows ----------------------------------------------------------------

    @property
    def queued_seconds(self) -> int:
        return max(0, int((timezone.now() - self.created).total_seconds()))

    @property
    def score(self) -> int | None:
        return (self.report or {}).get("score")

    @property
    def score_detail(self) -> dict[str, Any]:
        return (self.report or {}).get("score_detail") or {}

    @property
    def not_checked_titles(self) -> list[str]:
        names = self.score_detail.get("not_checked", [])
        return [MECHANISM_TITLES.get(Mechanism(n), n) if n in set(Mechanism) else n for n in names]

    def _final_findings(self) -> list[dict[str, Any]]:
        return list((self.report or {}).get("findings", []))

    @property
    def receives_no_mail(self) -> bool:
        """The domain publishes a null MX (RFC 7505 §3), so the transport checks did not
        apply: the page must not present its score as the domain's mail security
        (scoring.receives_no_mail; checklist MX-03)."""
        return scoring.receives_no_mail(
            self.score_detail, (f.get("id", "") for f in self._final_findings())
        )

    @property
    def api_object(self) -> dict[str, Any]:
        """The API's answer, the `mailsec check --json` object: the stored report and what its
        score rates (scoring.score_scope, as checks.cli.json_object adds it) and the mail domain the name
        looks like a host of, worked out when asked, so a run stored before those keys existed
        has them too."""
        ids = (f.get("id", "") for f in self._final_findings())
        scope = scoring.score_scope(self.score_detail, ids)
        host_of = None if (self.report or {}).get("error") else self.looks_like_host_of
        return {**(self.report or {}), **scope, "looks_like_host_of": host_of}

    @property
    def scored_titles(self) -> list[str]:
        """The categories the score counted, by title, in the rubric's order."""
        return [MECHANISM_TITLES[m] for m in scoring.counted_categories(self.score_detail)]

    @property
    def score_coverage(self) -> scoring.Coverage:
        """How many of the points that apply could be checked (checks.scoring.Coverage), as
        the domain page and the CLI say it beside a partial score."""
        return scoring.coverage(self.score_detail)

    @property
    def does_not_exist(self) -> bool:
        """The name is not in the DNS at all (NXDOMAIN for its MX): most often a typo, which
        the visitor must read before the findings about records to publish."""
        return any(
            f.get("id") == "MX-01"
            and f.get("status") == Status.FAIL
            and (f.get("evidence") or {}).get("rcode") == "NXDOMAIN"
            for f in self._final_findings()
        )

    @property
    def no_score_reason(self) -> str:
        """Why a finished run has no score, in words: "no score" alone reads as a verdict."""
        if self.score is not None or self.report is None or self.report.get("error"):
            return ""
        return no_score_reason(self.score_detail, self.receives_no_mail)

    def _findings_by_mechanism(self) -> dict[str, list[dict[str, Any]]]:
        if self.report is None:
            return self.partial
        grouped: dict[str, list[dict[str, Any]]] = {}
        for finding in self.report.get("findings", []):
            grouped.setdefault(finding["mechanism"], []).append(finding)
        # A mechanism with no finding still completed.
        for mechanism in self.report.get("mechanisms", {}):
            grouped.setdefault(mechanism, [])
        return grouped

    def mechanism_views(self) -> list[MechanismView]:
        grouped = self._findings_by_mechanism()
        categories = self.score_detail.get("categories", {})
        views = []
        for mechanism in Mechanism:
            found = grouped.get(str(mechanism))
            view = MechanismView(mechanism, MECHANISM_TITLES[mechanism], found is not None)
            if found is not None:
                ranked = sorted(found, key=lambda f: _SEVERITY_RANK.get(Status(f["status"]), 99))
                view.findings = [
                    {
                        **f,
                        "status_label": STATUS_LABELS.get(f["status"], f["status"]),
                        "evidence_json": _pretty(f.get("evidence")),
                        "anchor": f"{mechanism}-{number}",
                        "fix_note": example_mailbox_note(f.get("fix") or "", self.domain),
                    }
                    for number, f in enumerate(ranked, start=1)
                ]
                view.category = categories.get(str(mechanism), {})
                view.status, view.label = _verdict(ranked, view.category)
                # The free check's badges are lower-case ("fail", "info"): "missing" here.
                view.findings = with_missing_badges(
                    view.findings,
                    view.status,
                    view.category,
                    label_key="status_label",
                    label=MISSING.lower(),
                )
            views.append(view)
        return views

    def counts(self) -> dict[str, int]:
        """How many findings failed, warned, and could not be checked."""
        found = [f for fs in self._findings_by_mechanism().values() for f in fs]
        return {s: sum(1 for f in found if f["status"] == s) for s in ("fail", "warn", "error")}

    @property
    def done_count(self) -> int:
        return sum(1 for view in self.mechanism_views() if view.done)

    @property
    def mechanism_count(self) -> int:
        return len(Mechanism)

    def refused_targets(self) -> list[str]:
        """Addresses the SSRF guard would not let the probes connect to."""
        found: dict[str, None] = {}
        for findings in self._findings_by_mechanism().values():
            for finding in findings:
                text = json.dumps(finding)
                if not any(words in text for words in _REFUSED_WORDS):
                    continue
                for address in _REFUSED.findall(text):
                    found[address] = None
        return list(found)

    def all_targets_refused(self) -> bool:
        """True when probes were refused and no MX address was connected to at all: the page
        must say that no mail server was tested (SMTP-01 then says why senders cannot reach
        them either) rather than look as if some were."""
        refused = set(self.refused_targets())
        if not refused:
            return False
        smtp = self._findings_by_mechanism().get(str(Mechanism.SMTP), [])
        # Every address tried was refused: a public one that timed out was tried, not refused.
        tried = {(f.get("evidence") or {}).get("address") for f in smtp} - {None}
        return tried <= refused and not any(
            (f.get("evidence") or {}).get("connected")
            or f["id"] != "SMTP-01"
            and f["status"] in (Status.PASS, Status.WARN, Status.FAIL)
            for f in smtp
        )

    def signup_url(self) -> str:
        """ "Monitor … — sign up free" for the mail domain the page suggests (monitor_domain),
        not a host name such as www.example.com, which is seldom where the mail goes."""
        return signup_url(self.monitor_domain)

    @property
    def add_url(self) -> str:
        """The same offer to someone signed in: straight to their domain list's add field."""
        return add_url(self.monitor_domain)

    @property
    def monitor_domain(self) -> str:
        """The domain the page offers to monitor: the mail domain a host name such as
        www.example.com or mta-sts.example.com looks like a host of (the one the page's
        "check that instead" button checks), else the domain checked."""
        return self.looks_like_host_of or self.domain

    @property
    def display_monitor_domain(self) -> str:
        """monitor_domain as people write it (U-labels)."""
        return self.display_host_of or self.display_domain

    # --- How old the answer is, and what a new one would see -------------------------------

    @property
    def looks_like_host_of(self) -> str | None:
        """example.com for mta-sts.example.com or www.example.com: the mail domain the
        visitor most likely meant (checks.domainname.host_name_parent)."""
        return host_name_parent(self.domain, free_check_config().extra_public_suffixes)

    @property
    def display_host_of(self) -> str:
        from mailsec.domains.models import display_name

        parent = self.looks_like_host_of
        return display_name(parent) if parent else ""

    @property
    def hosting_is_on(self) -> bool:
        """mailsec hosts this domain's MTA-STS policy now (hosting on for a verified domain,
        not winding down), as the monitored check learns it (domains.tasks._hosting_on_since);
        run() tells the engine (free_check_config). Public already: mta-sts.<domain> points at
        our policy host, and anyone asking it gets the certificate issued and the policy
        served. When it was turned on, and by which team, is account data the public page
        never says."""
        from mailsec.hosting.models import HostedPolicy

        servable = HostedPolicy.objects.servable()
        return servable.filter(name=self.domain, state=HostedPolicy.State.ACTIVE).exists()

    @property
    def age(self) -> timedelta:
        """Since the run finished (its answers are that old)."""
        return max(timedelta(0), timezone.now() - (self.finished or self.created))

    @property
    def age_words(self) -> str:
        """ "4 minutes ago": how old the result is, in the words the page uses."""
        minutes = int(self.age.total_seconds() // 60)
        if minutes < 1:
            return "less than a minute ago"
        if minutes < 120:
            return f"{minutes} minute{'s' if minutes != 1 else ''} ago"
        hours = minutes // 60
        if hours < 48:
            return f"{hours} hours ago"
        return f"{hours // 24} days ago"

    @property
    def reused_until(self) -> datetime | None:
        """Until when asking for this domain shows this run again instead of a new one."""
        if self.status != self.State.DONE or self.finished is None:
            return None
        return self.finished + REUSE_FOR

    @property
    def is_reused_now(self) -> bool:
        until = self.reused_until
        return until is not None and timezone.now() < until

    def cached_answers(self) -> list[tuple[str, int]]:
        """The DNS answers behind the findings that need attention, with the TTL our
        resolver gave them, longest first: a record changed since may not be seen, even by a
        fresh run, until that much time has passed after this run. Only answers that held
        records carry a TTL (DnsAnswer.evidence); a missing record's negative-caching time
        (the zone's SOA, RFC 2308 §5) is not recorded."""
        found: dict[str, int] = {}

        def walk(value: Any) -> None:
            if isinstance(value, dict):
                ttl, query = value.get("ttl"), value.get("query")
                if isinstance(ttl, int) and isinstance(query, str):
                    found[query] = max(ttl, found.get(query, 0))
                for item in value.values():
                    walk(item)
            elif isinstance(value, list):
                for item in value:
                    walk(item)

        categories = self.score_detail.get("categories", {})
        for finding in self._final_findings():
            category = categories.get(finding.get("mechanism", ""), {})
            if _needs_attention(finding, category):
                walk(finding.get("evidence"))
        return sorted(found.items(), key=lambda item: (-item[1], item[0]))

    def cache_note(self) -> dict[str, Any]:
        """What the page says about DNS caches: the longest TTL known and when it runs out
        (counted from the start of the run, when the answer was read), or nothing known."""
        answers = self.cached_answers()
        if not answers:
            return {}
        query, ttl = answers[0]
        until = (self.started or self.created) + timedelta(seconds=ttl)
        return {
            "query": query,
            "ttl": ttl,
            "ttl_words": _duration_words(ttl),
            "until": until,
            "passed": until <= timezone.now(),
        }

    @property
    def display_domain(self) -> str:
        """The name as people write it (U-labels), as the domain pages show it."""
        from mailsec.domains.models import display_name

        return display_name(self.domain)


def _verdict(ranked: list[dict[str, Any]], category: dict[str, Any]) -> tuple[str, str]:
    """A mechanism's badge: its worst problem; else "not deployed" when that cost its points;
    else "pass" when anything passed. (The engine's roll-up ranks a lone `info` note above
    sixteen passes, which reads as a warning on a card.)"""
    statuses = [f["status"] for f in ranked]
    for problem in ("fail", "error", "warn"):
        if problem in statuses:
            return problem, STATUS_LABELS[problem]
    if category.get("reason") == "not deployed":
        return "info", "not deployed"
    if "pass" in statuses:
        return "pass", STATUS_LABELS["pass"]
    status = statuses[0] if statuses else "na"
    return status, STATUS_LABELS.get(status, status)


def _needs_attention(finding: dict[str, Any], category: dict[str, Any]) -> bool:
    return (
        finding["status"] in ("fail", "warn", "error")
        or bool(finding.get("fix"))
        or finding["id"] in category.get("costs", ())
    )


def _duration_words(seconds: int) -> str:
    if seconds < 120:
        return f"{seconds} seconds"
    if seconds < 7200:
        return f"{round(seconds / 60)} minutes"
    return f"{round(seconds / 3600)} hours"


def _pretty(evidence: Any) -> str:
    if not evidence:
        return ""
    return json.dumps(evidence, indent=2, ensure_ascii=False, sort_keys=True)


class RateCounter(models.Model):
    """Fixed-window counters for rate limits when no Redis is configured (ratelimit.py)."""

    key = models.CharField(max_length=200, unique=True)
    count = models.PositiveIntegerField(default=0)
    expires = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.key}={self.count}"
