"""What the API says of a domain: the JSON objects of /api/v1/domains and its pages.

The score is the one the domain list shows as a number (templates/domains/_row.html, and its
sort, mailsec.domains.forms): read from the domain's row (last_score, last_worst), never
worked out again; null where the list shows n/a or nothing, with the reason in score_note and
score_status.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.core.cache import cache
from django.http import HttpRequest
from django.urls import reverse

from checks import scoring
from checks.findings import Status as FindingStatus
from mailsec.domains.models import CheckRun, Domain, row_worst, stored_coverage
from mailsec.hosting.models import HostedPolicy

# The columns a list entry reads of a domain (and, annotated, its last run's rubric version).
DOMAIN_FIELDS = (
    "pk",
    "code",
    "team_id",
    "name",
    "verified_at",
    "last_run_id",
    "last_score",
    "last_checked_at",
    "last_worst",
    "last_failed_at",
    "control_lost_at",
)
HOSTING_FIELDS = (
    "domain_id",
    "state",
    "mode",
    "last_sync_at",
    "last_sync_error",
    "cert_not_after",
    "cert_error",
)
# A finished run's findings never change: their counts are kept this long in the cache, so a
# dashboard polling the list does not read tens of kB of findings per domain each time.
COUNTS_CACHE_SECONDS = 7 * 86400
STATUSES = [str(s) for s in FindingStatus]
VERIFY_HOW = (
    "Publish this TXT record in the domain's DNS, then press Verify on the domain's page "
    "(a domain just added is also looked for in the background for a week). Nothing is "
    "checked, and the API shows no results, until the domain is verified."
)
# A domain whose team lost control of it: its checks until then are kept (control_lost_note).
VERIFY_AGAIN_HOW = (
    "Publish this TXT record in the domain's DNS again, then press Verify on the domain's "
    "page. Nothing is checked until the domain is verified again; its checks until then are "
    "kept (last_kept_check, and its history)."
)


def iso(when: datetime | None) -> str | None:
    """ISO 8601 in UTC, to the second, with Z: '2026-12-01T14:05:09Z'."""
    if when is None:
        return None
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Score:
    value: int | None
    status: str  # scored, partial, not_enough_checked, no_score, could_not_check, ...
    note: str


def lost_control(domain: Domain) -> bool:
    """Verified once, no longer: another team proved control of the name and this team's
    challenge was gone (Domain.recheck_control "lost"). Its checks until then are its team's
    still, as its page shows them; a domain never verified has none."""
    return not domain.is_verified and domain.control_lost_at is not None


def control_lost_note(domain: Domain) -> str:
    """What the domain's page says of a lost domain (templates/domains/_details.html), for
    the key's team, in UTC; the last check from what the domain's row keeps of it."""
    assert domain.control_lost_at is not None
    note = (
        f"Not verified for this team since {domain.control_lost_at:%Y-%m-%d %H:%M} UTC: "
        f"another team proved control of {domain.display_name}, and this team's challenge "
        "value was gone when we looked again. Its checks stopped."
    )
    if domain.last_run_id is None or domain.last_checked_at is None:
        return note
    scored = f"scored {domain.last_score}/100" if domain.last_score is not None else "had no score"
    return (
        f"{note} Its checks until then are kept: the last, on "
        f"{domain.last_checked_at:%Y-%m-%d %H:%M} UTC, {scored} (its history lists them)."
    )


def score_of(domain: Domain) -> Score:
    """The score as the domain list shows it, in the order its row decides (_row.html)."""
    if lost_control(domain):
        return Score(None, "control_lost", f"No score: {control_lost_note(domain)}")
    if not domain.is_verified:
        return Score(None, "not_verified", "No score: the domain is not verified.")
    if domain.last_run_id is None or domain.last_checked_at is None:
        # Never checked, or its last run deleted (the list says "not checked" then too).
        return Score(None, "never_checked", "No score yet: the domain has not been checked.")
    return _checked_score(domain.last_score, domain.last_worst or {})


def _checked_score(score: int | None, worst: dict[str, Any]) -> Score:
    """The score of a finished run, from what the domain's row keeps of it (row_worst: the
    flags and the coverage), as the list reads it."""
    cover = stored_coverage(worst)
    if worst.get("no_mail"):
        applies = f" {score}/100 for what applies." if score is not None else ""
        return Score(
            None,
            "receives_no_mail",
            "Not applicable: the domain receives no mail (a null MX), so the transport "
            f"checks do not apply.{applies}",
        )
    if worst.get("does_not_exist"):
        return Score(None, "does_not_exist", "No score: the domain does not exist.")
    if score is None:
        if worst.get("none_checked"):
            return Score(
                None,
                "could_not_check",
                "No score: none of the scored checks could be made this time (DNS lookups "
                "or connections timed out or failed). That says nothing bad about the domain.",
            )
        return Score(None, "no_score", "No score: nothing the score rates was checked.")
    if not cover.enough:
        return Score(
            None,
            "not_enough_checked",
            f"Not enough could be checked for a score: {score}/100 {cover.for_words}. "
            f"{cover.missing_words[:1].upper()}{cover.missing_words[1:]} (DNS lookups or "
            "connections timed out or failed).",
        )
    if not cover.complete:
        return Score(
            score,
            "partial",
            f"Partial: {score}/100 {cover.for_words}; {cover.missing_words} (DNS lookups or "
            "connections timed out or failed). It does not compare with a whole score.",
        )
    return Score(score, "scored", "")


def partial(score_detail: dict[str, Any] | None) -> bool:
    """A run's `partial`, as docs/scoring.md and score_detail.partial mean it: some finding
    could not be checked, even one the score ignores (BIMI, a category already earning 0).
    A scored category left out (not_checked) is one such; score_status tells those apart
    (partial, not_enough_checked) from a run whose score stands for all that counts."""
    detail = score_detail or {}
    return bool(detail.get("partial") or detail.get("not_checked"))


def run_statuses(runs: Sequence[CheckRun]) -> dict[int, str]:
    """Per finished run (loaded with its score_detail, not its findings), its score_status
    by the list's rules (score_of), from what the row would keep of it (row_worst). Only a
    run whose transport categories all did not apply may be a null MX (MX-03): those runs'
    findings are read to tell, few and small (a domain that receives no mail has no
    transport findings)."""
    # Its categories alone rule a run out (scoring.receives_no_mail's other half, as if
    # MX-03 were there); the findings of those left say whether MX-03 is.
    maybe_no_mail = [
        run.pk for run in runs if scoring.receives_no_mail(run.score_detail or {}, ["MX-03"])
    ]
    no_mail = {
        pk
        for pk, detail, findings in CheckRun.objects.filter(pk__in=maybe_no_mail).values_list(
            "pk", "score_detail", "findings"
        )
        if scoring.receives_no_mail(detail or {}, (f.get("id", "") for f in findings or []))
    }
    return {
        run.pk: _checked_score(
            run.score, row_worst(None, run.score_detail, no_mail=run.pk in no_mail)
        ).status
        for run in runs
    }


def finding_counts(runs: Iterable[tuple[int, Any]]) -> dict[int, dict[str, int]]:
    """Per finished run, by (pk, code), how many of its findings have each status (all six, 0
    or more). Cached by the run's code, never reused, where a pk may be (SQLite gives a
    deleted last row's pk to the next row)."""
    pairs = list(runs)
    ids = [run_id for run_id, _ in pairs]
    keys = {run_id: f"api:counts:{code}" for run_id, code in pairs}
    kept = cache.get_many(list(keys.values()))
    counts = {run_id: kept[key] for run_id, key in keys.items() if key in kept}
    missing = [run_id for run_id in ids if run_id not in counts]
    if missing:
        fresh = {}
        for run_id, findings in CheckRun.objects.filter(pk__in=missing).values_list(
            "pk", "findings"
        ):
            tally = _tally(findings or [])
            counts[run_id] = tally
            fresh[keys[run_id]] = tally
        cache.set_many(fresh, COUNTS_CACHE_SECONDS)
    return counts


def _tally(findings: list[dict[str, Any]]) -> dict[str, int]:
    """How many of `findings` have each status (all six, 0 or more)."""
    tally = dict.fromkeys(STATUSES, 0)
    for finding in findings:
        status = str(finding.get("status", ""))
        if status in tally:
            tally[status] += 1
    return tally


def hosting_of(policy: HostedPolicy | None) -> dict[str, Any] | None:
    if policy is None:
        return None
    return {
        "state": policy.state,
        "mode": policy.mode,
        # What senders are served now: mode none while a disable winds down.
        "served_mode": policy.served_mode,
        "last_sync": iso(policy.last_sync_at),
        "last_sync_error": policy.last_sync_error or None,
        "certificate_not_after": iso(policy.cert_not_after),
        "certificate_error": policy.cert_error or None,
    }


def page_url(request: HttpRequest, domain: Domain) -> str:
    return request.build_absolute_uri(reverse("domains:details", args=[domain.code]))


def unverified(request: HttpRequest, domain: Domain) -> dict[str, Any]:
    """All the API says of a domain not verified: its name and how to verify it; of one whose
    team lost control (lost_control), also since when and its last check until then, as its
    page says (its history: views.history). Nothing newer is checked for it."""
    answer: dict[str, Any] = {
        "name": domain.name,
        "display_name": domain.display_name,
        "verified": False,
    }
    lost = lost_control(domain)
    if lost:
        answer["control_lost"] = iso(domain.control_lost_at)
        answer["control_lost_note"] = control_lost_note(domain)
    answer["url"] = page_url(request, domain)
    answer["verify"] = {
        "type": "TXT",
        "name": domain.challenge_name,
        "value": domain.challenge_value,
        "how": VERIFY_AGAIN_HOW if lost else VERIFY_HOW,
        "last_error": domain.verify_error or None,
    }
    if lost:
        answer["last_kept_check"] = _kept_check(domain)
    return answer


def _kept_check(domain: Domain) -> dict[str, Any] | None:
    """The last finished run of a lost domain (loaded with it), as its history gives a run,
    with its findings and score_detail as a verified domain's answer gives them."""
    run = domain.last_run if domain.last_checked_at is not None else None
    if run is None:
        return None
    return {
        "time": iso(run.finished or run.created),
        "score": run.score,
        "score_status": run_statuses([run])[run.pk],
        "score_version": run.score_version,
        "partial": partial(run.score_detail),
        "findings": _findings(run),
        "score_detail": run.score_detail or {},
    }


def _findings(run: CheckRun | None) -> list[dict[str, Any]]:
    """A run's findings as the API gives them (not their evidence)."""
    return [
        {
            "id": f.get("id", ""),
            "status": f.get("status", ""),
            "mechanism": f.get("mechanism", ""),
            "subject": f.get("subject", ""),
            "summary": f.get("summary", ""),
            "fix": f.get("fix", ""),
        }
        for f in (run.findings if run else [])
    ]


def summary(
    request: HttpRequest,
    domain: Domain,
    score_version: int | None,
    counts: dict[str, int] | None,
    policy: HostedPolicy | None,
) -> dict[str, Any]:
    """A domain as /api/v1/domains lists it. An unverified one has the same keys, null."""
    score = score_of(domain)
    verified = domain.is_verified
    checked = verified and domain.last_run_id is not None and domain.last_checked_at is not None
    return {
        "name": domain.name,
        "display_name": domain.display_name,
        "verified": verified,
        "score": score.value,
        "score_status": score.status,
        "score_note": score.note,
        "score_version": score_version if checked else None,
        "last_checked": iso(domain.last_checked_at) if checked else None,
        # A check newer than last_checked could not complete: the results are older.
        "last_check_failed": iso(domain.last_failed_at) if verified else None,
        "findings_by_status": counts if checked else None,
        "hosting": hosting_of(policy) if verified else None,
        "url": page_url(request, domain),
    }


def details(request: HttpRequest, domain: Domain, policy: HostedPolicy | None) -> dict[str, Any]:
    """One domain: the list's entry, with its last run's findings and score_detail; of an
    unverified one, what unverified says."""
    if not domain.is_verified:
        return unverified(request, domain)
    run = domain.last_run if domain.last_checked_at is not None else None
    counts = _tally(run.findings) if run is not None else None
    answer = summary(request, domain, run.score_version if run else None, counts, policy)
    answer["findings"] = _findings(run)
    answer["score_detail"] = (run.score_detail or {}) if run else None
    return answer
