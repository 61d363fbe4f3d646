"""When is `enforce` safe? From TLS-RPT evidence (the reports app): senders that applied a
testing policy say whether delivery to each MX would have passed.

Safe means: reports with sessions in them on enough distinct days, from enough distinct
reporters, with successful sessions and no failure at all, per MX, since the policy went to
testing (or over the last 30 days, if that is later); and the domain's latest check saw every
live MX host pass validation (reports say nothing about an MX no sender used). One big
reporter for a day or two is not enough: a failure that only some senders hit (an old TLS
stack, a missing intermediate) shows up only across several reporters and days.

One judgement, two callers: a policy we host (`enforce_readiness`, the hosting page, which
switches the mode itself) and a policy the domain serves itself in mode testing
(`self_hosted_readiness`, the reports dashboard, which can only tell the owner what to change).
Each reason says what kind of "not yet" it is: evidence that enforce would lose mail, too
little evidence, or a latest check that could not test something — the last is neither a
pass nor a failure.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any, ClassVar

from django.db.models import Q, QuerySet

from checks.mtasts import (
    KEPT_POLICY_LINES,
    NO_MAIL,
    delegated,
    parse_policy,
    policy_change_fix,
    policy_url,
    record_fix,
)
from mailsec.accounts.templatetags.zones import reader_time
from mailsec.alerts.rules import Snapshot
from mailsec.hosting.models import HostedPolicy
from reports.explain import explain
from reports.join import mx_hosts_seen
from reports.parse import a_labels
from reports.sums import SessionSum

if TYPE_CHECKING:
    from mailsec.domains.models import CheckRun, Domain

MIN_DAYS = 7
MIN_REPORTERS = 2
# The reports counted: those of the last 30 UTC days, today and the 29 before it, as the
# dashboard's "Last 30 days" chart beside the card (reports.dashboard.summarise), not the 30
# times 24 hours before now, which took in the day before the chart's first.
WINDOW_DAYS = 30
# The engine's per-MX verdicts on what an MTA-STS sender checks: the policy check as a whole
# (MTASTS-32), the chain (SMTP-09) and the name (SMTP-11).
TLS_CHECKS = frozenset({"MTASTS-32", "SMTP-09", "SMTP-11"})
# Failing these also blocks enforce: an MX offering only TLS older than 1.2 is refused by
# MTA-STS senders (RFC 8461 §7.2), and MTASTS-32 is not made for it.
TLS_VERSION_CHECKS = frozenset({"MTASTS-36", "SMTP-07"})
# What a policy check cannot read the mode through when it could not check: the record
# lookup and the policy fetch (MTASTS-01, -10..17, status "error").
POLICY_READ_CHECKS = frozenset(
    {"MTASTS-01", "MTASTS-10", "MTASTS-11", "MTASTS-12", "MTASTS-13", "MTASTS-14", "MTASTS-16"}
)
# Worst first; "error" (could not check) is no failure, so a failure beside it wins.
_STATUS_RANK = {"fail": 0, "warn": 1, "error": 2}
# What the latest check did at an MX host, by the status of its worst TLS finding there.
_SAW = {"fail": "saw a failure at", "warn": "saw a problem at", "error": "could not check"}


class Why(StrEnum):
    """The kind of a reason why enforce is not (yet) shown as safe."""

    BLOCKER = "blocker"  # evidence that enforce would refuse mail
    TOO_FEW = "too-few"  # not enough reports to judge
    UNCHECKED = "unchecked"  # the latest check could not test it: neither pass nor fail
    # The latest check found a null MX (RFC 7505): the domain receives no mail, MTA-STS has
    # nothing to protect and enforce changes nothing. Not a "not yet": nothing is awaited.
    NO_MAIL = "no-mail"


@dataclass(frozen=True)
class Reason:
    kind: Why
    text: str

    def __str__(self) -> str:
        return self.text


@dataclass
class MxEvidence:
    mx: str
    failed_sessions: int = 0
    result_types: set[str] = field(default_factory=set)
    domain: str = ""  # for the explanations' mta-sts.<domain>
    # What the domain's latest check saw of this MX host, as an MTA-STS sender validates it:
    # "pass", "fail" (fail or warn), "error" (could not check), "no-mail" (no address, or
    # a 521 greeting: no sender delivers there), "" (no result for it).
    check: str = ""
    check_text: str = ""

    @property
    def explained(self) -> list[str]:
        """Each reported result type with what it means (reports/explain.py)."""
        return [f"{t}: {_meaning(t, self.domain)}" for t in sorted(self.result_types)]


@dataclass
class Readiness:
    days: int
    reporters: int
    successful: int
    failed: int
    per_mx: list[MxEvidence]
    why_not: list[Reason]
    # Reports count from here: testing began, or the start (00:00 UTC) of the window's first
    # day (window_start).
    since: datetime | None = None
    now: datetime | None = None
    # What "enough reports" takes, for the pages that say it.
    min_days: ClassVar[int] = MIN_DAYS
    min_reporters: ClassVar[int] = MIN_REPORTERS

    @property
    def ready(self) -> bool:
        return not self.why_not

    @property
    def reasons(self) -> list[str]:
        return [r.text for r in self.why_not]

    @property
    def headline(self) -> str:
        """The verdict in the words both pages give it."""
        return {
            "ready": "Ready",
            "not-ready": "Not yet",
            "too-few": "Too few reports to judge yet",
            "unknown": "Cannot tell yet",
            "no-mail": "Nothing to protect",
        }[self.verdict]

    @property
    def verdict(self) -> str:
        """ready; no-mail for a domain that receives no mail (null MX: the question does not
        arise); not-ready on evidence that enforce would refuse mail; else too-few (wait for
        reports), else unknown (the latest check could not test something)."""
        kinds = {r.kind for r in self.why_not}
        if not kinds:
            return "ready"
        if Why.NO_MAIL in kinds:
            return "no-mail"
        if Why.BLOCKER in kinds:
            return "not-ready"
        return "too-few" if Why.TOO_FEW in kinds else "unknown"

    def of_kind(self, kind: str) -> list[str]:
        return [r.text for r in self.why_not if r.kind == kind]

    @property
    def blockers(self) -> list[str]:
        return self.of_kind(Why.BLOCKER)

    @property
    def too_few(self) -> list[str]:
        return self.of_kind(Why.TOO_FEW)

    @property
    def unchecked(self) -> list[str]:
        return self.of_kind(Why.UNCHECKED)

    @property
    def sessions(self) -> int:
        return self.successful + self.failed

    @property
    def since_day(self) -> date | None:
        """The UTC day `since` falls on, as the pages write "since" (report days are UTC
        days; a date, so no time zone moves it to the day before)."""
        return None if self.since is None else utc_day(self.since)

    @property
    def window_days(self) -> int | None:
        """The UTC days counted, since_day to today (what "over the last N days" says): 30
        for the whole window."""
        if self.since is None or self.now is None:
            return None
        return max(1, (utc_day(self.now) - utc_day(self.since)).days + 1)

    @property
    def failure_types(self) -> list[str]:
        return sorted({t for e in self.per_mx for t in e.result_types})


def _meaning(result_type: str, domain: str) -> str:
    kind = explain(result_type)
    return (kind.about(domain) if domain else kind).meaning


# --- What the latest check saw ----------------------------------------------------------------


def mx_of(subject: str) -> str:
    """The MX host of a finding's subject: "mx1.example.org [192.0.2.1]" (SMTP-xx) or
    "mx1.example.org (192.0.2.1)" (MTASTS-32), or a bare name."""
    return subject.split(" ", 1)[0].rstrip(".").lower()


def _check_per_mx(run: CheckRun, hosts: list[str], per_mx: dict[str, MxEvidence]) -> list[Reason]:
    """Why the latest finished check does not show every MX host in `hosts` passing MTA-STS
    validation (none when it does), and its verdict on each in `per_mx`. Reports only speak
    for the hosts senders used: a backup MX nobody delivered to has no failures because it has
    no sessions, and under enforce the first sender that needs it would refuse it. The check
    probes every MX."""
    passed: set[str] = set()
    bad: dict[str, dict[str, Any]] = {}
    # Hosts (and the engine's words) the check found no mail goes to, and hosts with an
    # address past its probe limit: one of those is unknown, whatever the others said.
    no_mail: dict[str, str] = {}
    unprobed: set[str] = set()

    def worse(host: str, finding: dict[str, Any]) -> None:
        held = bad.get(host)
        rank = _STATUS_RANK.get(str(finding.get("status")), 9)
        if held is None or rank < _STATUS_RANK.get(str(held.get("status")), 9):
            bad[host] = finding

    for finding in run.findings or []:
        check_id, status = finding.get("id"), finding.get("status")
        facts = finding.get("evidence") or {}
        if check_id == "MTASTS-32" and status == "info":
            # The engine's per-host notes: no mail goes there, with or without a policy
            # (checks.mtasts.NO_MAIL: no address, MX-06, or a 521 greeting, RFC 7504), so
            # enforce refuses none there and its own advice (MTASTS-33) is not held back;
            # or addresses past its probe limit, which stay unknown.
            if facts.get(NO_MAIL):
                no_mail.setdefault(mx_of(finding.get("subject", "")), finding.get("summary", ""))
            unprobed |= {str(pair).split(" ", 1)[0].lower() for pair in facts.get("unprobed", [])}
            continue
        if check_id in TLS_VERSION_CHECKS and status == "fail":
            worse(mx_of(finding.get("subject", "")), finding)
            continue
        if check_id not in TLS_CHECKS:
            continue
        host = mx_of(finding.get("subject", ""))
        if status == "pass":
            passed.add(host)
        elif status in _STATUS_RANK:
            worse(host, finding)
    # In the reader's zone, naming it, as the pages around these reasons say times (the hosting
    # page, the dashboard's card, the message when enforce is refused; docs/webapp.md). Only
    # pages show them; before s43l in UTC.
    when = reader_time(run.finished or run.created)
    reasons = []
    snapshot = Snapshot.from_run(run)
    for host in hosts:
        evidence = per_mx.setdefault(host, MxEvidence(host))
        if host in bad:
            finding = bad[host]
            could_not = finding["status"] == "error"
            said = finding.get("summary", "") or finding["id"]
            evidence.check = "error" if could_not else "fail"
            evidence.check_text = said
            reasons.append(
                Reason(
                    Why.UNCHECKED if could_not else Why.BLOCKER,
                    f"{host}: the last check, at {when}, {_SAW[finding['status']]} this MX: {said}",
                )
            )
        elif host not in passed and host in no_mail and host not in unprobed:
            # Every address of it the check reached takes no mail (none at all, or a 521
            # greeting): no sender delivers there, so nothing is lost under enforce.
            evidence.check = "no-mail"
            evidence.check_text = no_mail[host] or "no mail goes to this MX host"
        elif host not in passed:
            evidence.check_text = "no TLS result"
            reasons.append(
                Reason(
                    Why.UNCHECKED,
                    f"{host}: the last check, at {when}, has no passing TLS result for this MX, "
                    "so nothing shows that senders could validate it. Run a check again.",
                )
            )
        elif _rsa_question_open(snapshot, host):
            evidence.check = "error"
            evidence.check_text = "its RSA certificate (the RSA handshake got no answer)"
            reasons.append(
                Reason(
                    Why.UNCHECKED,
                    f"{host}: the last check, at {when}, validated its first certificate, which "
                    "is not RSA, but got no answer when it asked for the RSA certificate that "
                    "senders offering only RSA get: whether that one is valid is not known. "
                    "Run a check again.",
                )
            )
        else:
            evidence.check = "pass"
            evidence.check_text = "valid TLS"
    return reasons


def _rsa_question_open(snapshot: Snapshot, host: str) -> bool:
    """The check asked `host` (whose first certificate is not RSA) for the certificate a
    sender offering only RSA gets, and got no answer: a server may hold a second, RSA
    certificate, which the check then did not validate, so one run that got it answered (and
    failing) and the next that did not must not read failure, then ready. Not so at a host
    that takes no TLS 1.2 (SMTP-07): there the question does not apply, as the engine's
    SMTP-14 says, and the answer stays "untested" on every run."""
    if not snapshot.rsa_untested(host):
        return False
    versions = [
        (f.get("evidence") or {}).get("tls12_accepted")
        for f in snapshot.find("SMTP-07")
        if mx_of(f.get("subject", "")) == host
    ]
    return not versions or any(accepted is not False for accepted in versions)


@dataclass
class SeenPolicy:
    """The MTA-STS policy a finished check saw: its mode (None: the check could not read it,
    `unread` says why), patterns and max_age, whether senders apply it at all (a testing
    policy under a broken record protects and reports nothing), the MX hosts the check saw."""

    mode: str | None
    patterns: list[str] = field(default_factory=list)
    max_age: int | None = None
    applied: bool = True
    record_alias: str = ""  # _mta-sts is a CNAME to this name: its TXT is changed there
    unread: str = ""
    # The engine keeps the first 60 lines of the text: with that many, some may be missing,
    # and a whole file to paste could drop mx lines.
    complete: bool = True
    # MX-01's answers and the host of every per-MX finding: with no MX record the check
    # probes the domain's own name (RFC 5321 §5.1), and MX-01 has no answers.
    mx: list[str] = field(default_factory=list)
    mx_unread: str = ""  # the MX lookup could not be made
    # The policy text the check fetched when it was valid (MTASTS-20 passed), else "": what
    # Host MTA-STS starts from (service.starting_point).
    text: str = ""


def seen_policy(run: CheckRun | None) -> SeenPolicy | None:
    """What `run` saw of the domain's MTA-STS policy; None without a finished run or when it
    saw none. The mode is read from the policy text the engine kept (MTASTS-20's evidence),
    and from MTASTS-33's when senders do not apply the policy (the text may be invalid)."""
    if run is None or not run.findings:
        return None
    by_id: dict[str, list[dict[str, Any]]] = {}
    for finding in run.findings:
        by_id.setdefault(str(finding.get("id")), []).append(finding)
    seen = SeenPolicy(mode=None)
    for finding in by_id.get("MX-01", []):
        if finding.get("status") == "error":
            seen.mx_unread = finding.get("summary", "") or "the MX lookup failed"
    seen.mx = sorted(mx_hosts_seen(run))
    for finding in by_id.get("MTASTS-01", []):
        cnames = (finding.get("evidence") or {}).get("cnames") or []
        if cnames:
            seen.record_alias = str(cnames[-1]).rstrip(".")
    text = next(
        (
            (f.get("evidence") or {}).get("policy")
            for f in by_id.get("MTASTS-20", [])
            if f.get("status") == "pass" and (f.get("evidence") or {}).get("policy")
        ),
        None,
    )
    if text:
        parsed = parse_policy(str(text))
        seen.mode, seen.patterns, seen.max_age = parsed.mode, parsed.mx, parsed.max_age
        seen.text = str(text)
        seen.complete = len(str(text).splitlines()) < KEPT_POLICY_LINES
    for finding in by_id.get("MTASTS-33", []):
        evidence = finding.get("evidence") or {}
        if evidence.get("applied") is False:
            seen.applied = False
            seen.mode = seen.mode or evidence.get("mode")
    if seen.mode is None:
        errors = [
            f
            for check_id in sorted(POLICY_READ_CHECKS)
            for f in by_id.get(check_id, [])
            if f.get("status") == "error"
        ]
        if not errors:
            return None
        seen.unread = errors[0].get("summary", "") or errors[0].get("id", "")
    return seen


def enforce_change(domain: str, seen: SeenPolicy) -> str:
    """The exact change to enforce for a policy the owner serves: the file with `mode:
    enforce` and its patterns (max_age kept when at least a day, as the engine proposes), then
    a new id in the _mta-sts record (at the alias target when _mta-sts is a CNAME), in the
    engine's wording (MTASTS-33). A text the check kept only in part is changed line by line
    instead: a whole file could drop mx lines."""
    if seen.complete:
        fix = policy_change_fix(domain, "enforce", seen.max_age, seen.patterns)
    else:
        fix = (
            f"1. In the policy file at {policy_url(domain)}, change the line mode: testing to "
            "mode: enforce, and leave every other line as it is.\n"
            "2. Then, once that file is served, change the id in the record, so senders drop "
            f"the policy they cached:\n{record_fix(domain)}"
        )
    return delegated(fix, domain, seen.record_alias) if seen.record_alias else fix


# --- The judgement ----------------------------------------------------------------------------


def own_policy(name: str) -> Q:
    """TLS-RPT results (PolicyResult) or reports (TlsReport) about `name`'s own policy: their
    policy-domain is `name` (both stored in A-labels), or none was given (a report naming no
    domain is the address's, reports.models.report_fields). A report about a name below it
    (shop.example.com, whose _smtp._tls record names the same address) is counted on the
    dashboard, but it is about that name's policy and MX hosts: no evidence for this one."""
    return Q(policy_domain__in=[a_labels(name), ""])


def utc_day(now: datetime) -> date:
    """The UTC day `now` falls on: report days are UTC days (RFC 8460 §4.1)."""
    return now.astimezone(UTC).date()


def window_start(now: datetime) -> datetime:
    """00:00 UTC of the window's first day: WINDOW_DAYS UTC days end with today's."""
    first = utc_day(now) - timedelta(days=WINDOW_DAYS - 1)
    return datetime(first.year, first.month, first.day, tzinfo=UTC)


def in_window(since: datetime, now: datetime, prefix: str = "") -> Q:
    """The reports judge counts from `since`: of a day in the window (by its report day, as
    the dashboard's chart places it) and ending after `since` (when testing began, if that is
    later than the window's start). A report of a day still to come is left out apart."""
    first = utc_day(window_start(now))
    return Q(**{f"{prefix}day__gte": first, f"{prefix}end__gt": since})


def judge(
    domain: Domain,
    mx_hosts: list[str],
    now: datetime,
    *,
    testing_since: datetime | None = None,
    began_testing: bool = False,
    first: list[Reason] | None = None,
    record_hint: str = "the _smtp._tls record",
    no_mail_advice: str = "",
) -> Readiness:
    """Enforce readiness of `domain` for the MX hosts `mx_hosts`, from its TLS reports since
    `testing_since` (or the last 30 days, if later) and its latest check. `began_testing`:
    `testing_since` is when the policy now in testing went to testing (reports before it are
    about another policy). `first`: reasons the caller knows of, put first. `no_mail_advice`:
    what the owner may do when the latest check found a null MX."""
    from reports.alerts import failed_rows
    from reports.models import FailureDetail, PolicyResult

    since = max(filter(None, [testing_since, window_start(now)]))
    today = utc_day(now)
    run = domain.last_run
    if run is not None and run.receives_no_mail:
        # RFC 7505: no sender delivers to a null-MX domain, so no report will ever count a
        # session, and the check probes no MX (MX-03: transport checks do not apply). "Cannot
        # tell yet, run a check again" or "wait for reports" would be waiting for nothing.
        # As the domain page shows it: n/a, receives no mail.
        said = (
            f"{domain.name} publishes a null MX (RFC 7505): it receives no mail, so MTA-STS "
            "has nothing to protect and enforce would change nothing. Nothing needs doing. "
            + no_mail_advice
        )
        return Readiness(0, 0, 0, 0, [], [Reason(Why.NO_MAIL, said.strip())], since, now)
    results = PolicyResult.objects.filter(
        own_policy(domain.name),
        # The window's days (and since testing began, if later): the dashboard's chart.
        in_window(since, now, "report__"),
        report__address__domain=domain,
        # A report about another domain sharing the report address is no evidence here.
        report__counted=True,
        # Nor is a report of a day still to come (a sender's clock ahead, or a forged
        # report): it counts from its day on, as on the dashboard (reports.dashboard.summarise).
        report__day__lte=today,
        policy_type="sts",
    )
    # Days and reporters count only results with sessions in them: a sender that reports
    # every day with no mail exchanged (a report loop, or a reporter with nothing to send)
    # shows nothing about whether delivery under the policy works.
    with_sessions = results.filter(Q(successful__gt=0) | Q(failed__gt=0))
    days = with_sessions.values("report__day").distinct().count()
    reporters = with_sessions.values("report__submitter").distinct().count()
    totals = results.aggregate(ok=SessionSum("successful"), bad=SessionSum("failed"))
    successful, failed = totals["ok"] or 0, totals["bad"] or 0
    by_mx = {h: MxEvidence(h, domain=domain.name) for h in mx_hosts}
    # One row per MX name and type, however many reports: the page reads no more rows for a
    # year of reports than for a week. Only details that tell of failed sessions
    # (failed_rows, as the alerts and the dashboard): a policy whose summary counts none
    # failed none whatever its details list (RPT-11), so they mark no MX as failing.
    details = (
        failed_rows(FailureDetail.objects.filter(policy__in=results))
        .values("receiving_mx_hostname", "result_type")
        .annotate(sessions=SessionSum("failed_session_count"))
        .order_by()
    )
    for row in details:
        key = (row["receiving_mx_hostname"] or "(MX not named)").rstrip(".").lower()
        evidence = by_mx.setdefault(key, MxEvidence(key, domain=domain.name))
        evidence.failed_sessions += row["sessions"] or 0
        evidence.result_types.add(row["result_type"])
    reasons = list(first or [])
    if not days:
        reasons.append(
            Reason(
                Why.TOO_FEW,
                _why_no_days(
                    domain, results, since, now, began_testing, testing_since, record_hint
                ),
            )
        )
    else:
        if days < MIN_DAYS:
            reasons.append(
                Reason(
                    Why.TOO_FEW,
                    f"Reports with sessions cover {_count(days, 'day')} in testing mode; "
                    f"{MIN_DAYS} are needed.",
                )
            )
        if reporters < MIN_REPORTERS:
            reasons.append(
                Reason(
                    Why.TOO_FEW,
                    f"Reports come from {_count(reporters, 'sending organisation')}; "
                    f"{MIN_REPORTERS} are needed.",
                )
            )
        if successful == 0:
            reasons.append(Reason(Why.TOO_FEW, "No successful session reported yet."))
    if run is None:
        reasons.append(
            Reason(
                Why.UNCHECKED,
                "No check of the domain has finished yet: run one, so every MX host is probed.",
            )
        )
    else:
        reasons += _check_per_mx(run, mx_hosts, by_mx)
    failing = [e for e in by_mx.values() if e.failed_sessions]
    for e in failing:
        reasons.append(
            Reason(
                Why.BLOCKER,
                f"{e.mx}: {_count(e.failed_sessions, 'failed session')} reported. "
                + " ".join(f"{t}: {_meaning(t, domain.name)}" for t in sorted(e.result_types)),
            )
        )
    if failed and not failing:
        reasons.append(Reason(Why.BLOCKER, f"{_count(failed, 'failed session')} reported."))
    per_mx = sorted(by_mx.values(), key=lambda e: e.mx)
    return Readiness(days, reporters, successful, failed, per_mx, reasons, since, now)


def enforce_readiness(policy: HostedPolicy, now: datetime) -> Readiness:
    """A policy we host: its own MX set, counted from when it went to testing."""
    if policy.domain is None:
        # Detached: its reports went with the domain (and filtering on None would match
        # every address without a domain).
        return Readiness(0, 0, 0, 0, [], [Reason(Why.BLOCKER, "The domain was deleted.")])
    first: list[Reason] = []
    if policy.mode != HostedPolicy.Mode.TESTING:
        first.append(Reason(Why.BLOCKER, f"The policy is in mode {policy.mode}, not testing."))
    return judge(
        policy.domain,
        policy.mx_live,
        now,
        testing_since=policy.testing_since,
        began_testing=policy.mode == HostedPolicy.Mode.TESTING,
        first=first,
        record_hint="the _smtp._tls record under Records to publish",
        no_mail_advice="If it is to stay without mail, Stop hosting (we serve mode none "
        "until senders have dropped the policy, then release the name), or set mode none.",
    )


def self_hosted_readiness(domain: Domain, seen: SeenPolicy, now: datetime) -> Readiness:
    """A testing policy the domain serves itself, as its latest check saw it: every MX host
    that check saw, over the last 30 days (when testing began is not known to us)."""
    first: list[Reason] = []
    if seen.unread:
        first.append(
            Reason(
                Why.UNCHECKED,
                f"The last check could not read the MTA-STS policy: {seen.unread} "
                "Run a check again.",
            )
        )
    elif not seen.applied:
        first.append(
            Reason(
                Why.BLOCKER,
                "Senders do not apply the policy at all (see the MTA-STS failures of the last "
                "check): fix those first; until then the reports show nothing about it.",
            )
        )
    if seen.mx_unread:
        first.append(
            Reason(
                Why.UNCHECKED, f"The last check could not look up the MX hosts: {seen.mx_unread}"
            )
        )
    elif not seen.mx:
        # A run that stopped early (a null MX is judged apart): nothing shows any MX
        # validating.
        first.append(
            Reason(
                Why.UNCHECKED,
                "The last check saw no MX host to test, so nothing shows that senders could "
                "validate one.",
            )
        )
    run = domain.last_run
    for finding in (run.findings or []) if run is not None else []:
        # An MX the policy does not cover is skipped by senders under enforce (RFC 8461 §5,
        # MTASTS-30); a policy we host covers every live MX by construction. Its "could not
        # compare" after a failed MX lookup is that lookup's failure, said above.
        if finding.get("id") == "MTASTS-30" and finding.get("status") in _STATUS_RANK:
            if finding["status"] == "error" and seen.mx_unread:
                continue
            kind = Why.UNCHECKED if finding["status"] == "error" else Why.BLOCKER
            first.append(Reason(kind, finding.get("summary", "") or "MTASTS-30"))
    return judge(
        domain,
        seen.mx,
        now,
        first=first,
        record_hint="the record shown above",
        no_mail_advice="If it is to stay without mail, you may remove the MTA-STS policy: "
        "serve it in mode none for its max_age first (senders drop the copy they hold), then "
        "remove the _mta-sts record and the policy file.",
    )


def _why_no_days(
    domain: Domain,
    results: QuerySet[Any],
    since: datetime,
    now: datetime,
    began_testing: bool,
    testing_since: datetime | None,
    record_hint: str,
) -> str:
    """Why no day of evidence counts yet, in the words that fit what did arrive."""
    from reports.models import TlsReport

    wait = (
        f"Wait for {MIN_DAYS} days of reports from {MIN_REPORTERS} sending organisations with "
        "mail in them."
    )
    if results.exists():
        return (
            "The TLS reports so far count no sessions (senders had no mail for the domain). " + wait
        )
    # A report of a day still to come is no report yet here either (judge's `results`).
    counted = TlsReport.objects.filter(address__domain=domain, counted=True, day__lte=utc_day(now))
    reports = counted.filter(own_policy(domain.name))
    if later := reports.filter(in_window(since, now)).count():
        # Reports, but none about the policy: senders had not fetched it yet (they cache the
        # old state for a while) or do not do MTA-STS.
        return (
            f"{_count(later, 'TLS report')} since {since:%Y-%m-%d} say no sender applied the "
            "MTA-STS policy yet (they report none for the domain, or only DANE). " + wait
        )
    below = counted.filter(in_window(since, now)).exclude(own_policy(domain.name))
    if about_others := below.count():
        names = below.order_by("policy_domain").values_list("policy_domain", flat=True)
        return (
            f"{_count(about_others, 'TLS report')} since {since:%Y-%m-%d} "
            f"{'is' if about_others == 1 else 'are'} about names below {domain.name} "
            f"({', '.join(names.distinct()[:3])}), with policies of their own; none is about "
            f"{domain.name}'s. " + wait
        )
    if earlier := reports.exclude(in_window(since, now)).count():
        if began_testing and testing_since is not None and testing_since > window_start(now):
            # A moment, in the reader's zone as `_check_per_mx`'s; the other "since"s are the
            # UTC days reports cover (RFC 8460), kept as dates.
            return (
                f"No TLS reports since testing began, at {reader_time(since)}: "
                f"{_count(earlier, 'report')} came before that, about the policy the domain "
                "had then. " + wait
            )
        return f"No TLS reports since {since:%Y-%m-%d} ({earlier} older). " + wait
    return (
        f"No TLS reports yet: senders send them once {record_hint} is in place, the first "
        f"usually within a day or two; then wait for {MIN_DAYS} days of reports from "
        f"{MIN_REPORTERS} sending organisations."
    )


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"
