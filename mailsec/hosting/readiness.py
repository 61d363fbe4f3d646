"""When is `enforce` safe? From TLS-RPT evidence (the reports app): senders that applied our
testing policy say whether delivery to each MX would have passed.

Safe means: reports with sessions in them on enough distinct days, from enough distinct
reporters, with successful sessions and no failure at all, per MX, since the policy went to
testing (or over the last 30 days, if that is later); and the domain's latest check saw every
live MX host pass validation (reports say nothing about an MX no sender used). One big
reporter for a day or two is not enough: a failure that only some senders hit (an old TLS
stack, a missing intermediate) shows up only across several reporters and days.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Q, QuerySet, Sum

from mailsec.hosting.models import HostedPolicy
from reports.explain import explain

MIN_DAYS = 7
MIN_REPORTERS = 2
LOOKBACK = timedelta(days=30)
# The engine's per-MX verdicts on what an MTA-STS sender checks: the policy check as a whole
# (MTASTS-32), the chain (SMTP-09) and the name (SMTP-11).
TLS_CHECKS = frozenset({"MTASTS-32", "SMTP-09", "SMTP-11"})
# Failing these also blocks enforce: an MX offering only TLS older than 1.2 is refused by
# MTA-STS senders (RFC 8461 §7.2), and MTASTS-32 is not made for it.
TLS_VERSION_CHECKS = frozenset({"MTASTS-36", "SMTP-07"})


@dataclass
class MxEvidence:
    mx: str
    failed_sessions: int = 0
    result_types: set[str] = field(default_factory=set)

    @property
    def explained(self) -> list[str]:
        """Each reported result type with what it means (reports/explain.py)."""
        return [f"{t}: {explain(t).meaning}" for t in sorted(self.result_types)]


@dataclass
class Readiness:
    ready: bool
    days: int
    reporters: int
    successful: int
    failed: int
    per_mx: list[MxEvidence]
    reasons: list[str]
    since: datetime | None = None  # reports count from here (testing began, or 30 days back)


def tls_reasons(policy: HostedPolicy) -> list[str]:
    """Why the domain's latest finished check does not show every live MX host passing
    MTA-STS validation (none when it does). Reports only speak for the hosts senders used: a
    backup MX nobody delivered to has no failures because it has no sessions, and under
    enforce the first sender that needs it would refuse it. The check probes every MX."""
    assert policy.domain is not None
    run = policy.domain.last_run
    if run is None:
        return ["No check of the domain has finished yet: run one, so every MX host is probed."]
    passed: set[str] = set()
    bad: dict[str, dict[str, Any]] = {}
    for finding in run.findings:
        if finding.get("id") in TLS_VERSION_CHECKS and finding.get("status") == "fail":
            bad.setdefault(mx_of(finding.get("subject", "")), finding)
            continue
        if finding.get("id") not in TLS_CHECKS:
            continue
        host = mx_of(finding.get("subject", ""))
        if finding.get("status") == "pass":
            passed.add(host)
        elif finding.get("status") in ("fail", "warn", "error"):
            bad.setdefault(host, finding)
    when = f"{run.finished or run.created:%Y-%m-%d %H:%M} UTC"
    reasons = []
    for host in policy.mx_live:
        if host in bad:
            finding = bad[host]
            verb = "could not check" if finding["status"] == "error" else "saw a failure at"
            reasons.append(
                f"{host}: the last check ({when}) {verb} this MX: "
                f"{finding.get('summary', '') or finding['id']}"
            )
        elif host not in passed:
            reasons.append(
                f"{host}: the last check ({when}) has no passing TLS result for this MX, so "
                "nothing shows that senders could validate it. Run a check again."
            )
    return reasons


def mx_of(subject: str) -> str:
    """The MX host of a finding's subject: "mx1.example.org [192.0.2.1]" (SMTP-xx) or
    "mx1.example.org (192.0.2.1)" (MTASTS-32), or a bare name."""
    return subject.split(" ", 1)[0].rstrip(".").lower()


def enforce_readiness(policy: HostedPolicy, now: datetime) -> Readiness:
    from reports.models import FailureDetail, PolicyResult

    if policy.domain is None:
        # Detached: its reports went with the domain (and filtering on None would match
        # every address without a domain).
        return Readiness(False, 0, 0, 0, 0, [], ["The domain was deleted."])
    since = max(filter(None, [policy.testing_since, now - LOOKBACK]))
    results = PolicyResult.objects.filter(
        report__address__domain=policy.domain,
        # A report about another domain sharing the report address is no evidence here.
        report__counted=True,
        report__end__gt=since,
        policy_type="sts",
    )
    # Days and reporters count only results with sessions in them: a sender that reports
    # every day with no mail exchanged (a report loop, or a reporter with nothing to send)
    # shows nothing about whether delivery under the policy works.
    with_sessions = results.filter(Q(successful__gt=0) | Q(failed__gt=0))
    days = with_sessions.values("report__day").distinct().count()
    reporters = with_sessions.values("report__submitter").distinct().count()
    totals = results.aggregate(ok=Sum("successful"), bad=Sum("failed"))
    successful, failed = totals["ok"] or 0, totals["bad"] or 0
    by_mx: dict[str, MxEvidence] = {h: MxEvidence(h) for h in policy.mx_live}
    details = FailureDetail.objects.filter(policy__in=results).values_list(
        "receiving_mx_hostname", "result_type", "failed_session_count"
    )
    for host, result_type, count in details:
        key = (host or "(MX not named)").rstrip(".").lower()
        evidence = by_mx.setdefault(key, MxEvidence(key))
        evidence.failed_sessions += count
        evidence.result_types.add(result_type)
    reasons = []
    if policy.mode != HostedPolicy.Mode.TESTING:
        reasons.append(f"The policy is in mode {policy.mode}, not testing.")
    if not days:
        reasons.append(_why_no_days(policy, results, since, now))
    else:
        if days < MIN_DAYS:
            reasons.append(
                f"Reports with sessions cover {_count(days, 'day')} in testing mode; "
                f"{MIN_DAYS} are needed."
            )
        if reporters < MIN_REPORTERS:
            reasons.append(
                f"Reports come from {_count(reporters, 'sending organisation')}; "
                f"{MIN_REPORTERS} are needed."
            )
        if successful == 0:
            reasons.append("No successful session reported yet.")
    reasons += tls_reasons(policy)
    failing = [e for e in by_mx.values() if e.failed_sessions]
    for e in failing:
        reasons.append(
            f"{e.mx}: {_count(e.failed_sessions, 'failed session')} reported. "
            + " ".join(f"{t}: {explain(t).meaning}" for t in sorted(e.result_types))
        )
    if failed and not failing:
        reasons.append(f"{_count(failed, 'failed session')} reported.")
    per_mx = sorted(by_mx.values(), key=lambda e: e.mx)
    return Readiness(not reasons, days, reporters, successful, failed, per_mx, reasons, since)


def _why_no_days(
    policy: HostedPolicy, results: QuerySet[Any], since: datetime, now: datetime
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
    reports = TlsReport.objects.filter(address__domain=policy.domain, counted=True)
    if later := reports.filter(end__gt=since).count():
        # Reports, but none about the policy: senders had not fetched it yet (they cache the
        # old state for a while) or do not do MTA-STS.
        return (
            f"{_count(later, 'TLS report')} since {since:%Y-%m-%d} say no sender applied the "
            "MTA-STS policy yet (they report none for the domain, or only DANE). " + wait
        )
    if earlier := reports.filter(end__lte=since).count():
        if (
            policy.mode == HostedPolicy.Mode.TESTING
            and policy.testing_since is not None
            and policy.testing_since > now - LOOKBACK
        ):
            return (
                f"No TLS reports since testing began ({since:%Y-%m-%d %H:%M} UTC): "
                f"{_count(earlier, 'report')} came before that, about the policy the domain "
                "had then. " + wait
            )
        return f"No TLS reports since {since:%Y-%m-%d} ({earlier} older). " + wait
    return (
        "No TLS reports yet: publish the _smtp._tls record under Records to publish, then "
        f"wait for {MIN_DAYS} days of reports from {MIN_REPORTERS} sending organisations."
    )


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"
