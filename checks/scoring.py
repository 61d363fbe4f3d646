"""The score: a pure, versioned function of the findings. docs/scoring.md explains it.

Each mechanism is a category with a weight. A category earns its weight in full when nothing
in it is wrong, nothing when something fails or the mechanism is not deployed, and loses a
quarter of its weight per distinct warning (never below a quarter). Categories that could not be
checked (any `error` and no `fail`) or do not apply (`na`, e.g. transport checks on a domain with a
null MX) leave the denominator, so "could not check" never lowers a score nor raises it, and the
score says it is partial.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from checks.findings import MECHANISM_TITLES, DomainReport, Finding, Mechanism, Status

# Bump whenever weights or rules change, and add a line to docs/scoring.md: every stored run
# keeps the version it was scored with, so history charts can mark the change.
SCORE_VERSION = 7

# The release of the checks: the day of the last change that makes a check judge something
# otherwise (a status, an id) under the same score version, with a serial when one day has two
# releases. Bump it with any such change and say what changed in docs/scoring.md. Every run
# stores it (score_detail["checks_release"]), and the alerts read a run made by another release
# as they read a new score version: what it sees differently may be the checks, not the domain,
# so it is no "new failure" and no "fixed".
CHECKS_RELEASE = "2026-12-04.2"

WEIGHTS: dict[Mechanism, int] = {
    Mechanism.MTASTS: 20,
    Mechanism.SMTP: 20,
    Mechanism.DMARC: 15,
    Mechanism.SPF: 10,
    Mechanism.DKIM: 10,
    Mechanism.DNSSEC: 10,
    Mechanism.TLSRPT: 5,
    Mechanism.MX: 5,
    Mechanism.DANE: 5,
    # BIMI is a draft and a branding feature, not transport security: shown, never scored.
    Mechanism.BIMI: 0,
}

# Findings that mean "this mechanism is not deployed": the category earns nothing.
ABSENCE = {
    ("MTASTS-01", Status.INFO),
    ("TLSRPT-01", Status.INFO),
    ("TLSRPT-01", Status.WARN),
    ("SPF-01", Status.INFO),
    ("SPF-01", Status.WARN),
    ("DMARC-01", Status.INFO),
    ("DNSSEC-01", Status.INFO),
}


def is_absence(check_id: str, status: str, evidence: dict[str, Any] | None) -> bool:
    """A finding that says its mechanism is not deployed (or withdrawn: MTA-STS mode none).
    Takes the parts, so stored findings (dicts, for the alert rules) can ask too."""
    if (check_id, status) in ABSENCE:
        return True
    if check_id == "DKIM-01" and (evidence or {}).get("given_without_key"):
        return True  # no key at any selector the owner gave: they sign, nobody can verify
    if check_id == "BIMI-01" and (evidence or {}).get("published") is False:
        return True  # no weight, but the alert rules must know publishing BIMI is progress
    return check_id == "MTASTS-33" and (evidence or {}).get("mode") == "none"


# Mechanisms that are optional in the sense that their absence is not held against a domain:
# DANE needs DNSSEC at the mail provider (Gmail and Microsoft 365 customers cannot deploy it),
# and DKIM selectors cannot be listed from DNS, so "no key found" may only mean "not guessed".
NOT_SCORED_WHEN_ABSENT = {
    Mechanism.DANE: {"DANE-01"},
    Mechanism.DKIM: {"DKIM-01"},
}

# The evidence key of the findings about a name that is not in the DNS at all (NXDOMAIN at the
# name itself; MX-01 and the engine's "not checked" notes): such a run has no score.
DOES_NOT_EXIST = "does_not_exist"


def does_not_exist(findings: Iterable[Finding]) -> bool:
    """The checked name is not in the DNS (NXDOMAIN): there is nothing to rate, so no score,
    neither 0/100 (which reads as a domain with everything missing) nor anything else."""
    return any((f.evidence or {}).get(DOES_NOT_EXIST) for f in findings)


WARN_COST = 0.25
WARN_FLOOR = 0.25


@dataclass
class CategoryScore:
    mechanism: Mechanism
    weight: int
    counted: bool
    factor: float
    reason: str
    costs: list[str]

    @property
    def points(self) -> float:
        return self.weight * self.factor if self.counted else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "weight": self.weight,
            "counted": self.counted,
            "points": round(self.points, 2),
            "lost": round(self.weight - self.points, 2) if self.counted else 0,
            "reason": self.reason,
            "costs": self.costs,
        }


def score_category(mechanism: Mechanism, findings: list[Finding]) -> CategoryScore:
    weight = WEIGHTS[mechanism]
    statuses = {f.status for f in findings}
    if not findings or statuses <= {Status.NA}:
        return CategoryScore(mechanism, weight, False, 0.0, "does not apply", [])
    judged = [f for f in findings if f.status not in (Status.ERROR, Status.NA)]
    if not judged:
        return CategoryScore(mechanism, weight, False, 0.0, "could not be checked", [])
    fails = sorted({f.id for f in judged if f.status == Status.FAIL})
    if fails:
        return CategoryScore(mechanism, weight, True, 0.0, "failing", fails)
    absent = sorted({f.id for f in judged if is_absence(f.id, f.status, f.evidence)})
    optional_absent = NOT_SCORED_WHEN_ABSENT.get(mechanism, set())
    if absent:
        # Known, like a fail: an unsigned zone stays unsigned whatever else timed out.
        return CategoryScore(mechanism, weight, True, 0.0, "not deployed", absent)
    if len(judged) < len(findings) - sum(f.status == Status.NA for f in findings):
        # Part of it could not be checked (a policy fetch timed out, an MX answered 421):
        # what was seen is no proof the rest is good, and known fails and absences were
        # ruled out above.
        return CategoryScore(mechanism, weight, False, 0.0, "could not be checked", [])
    has_positive = any(f.status in (Status.PASS, Status.WARN) for f in judged)
    if not has_positive and {f.id for f in judged} & optional_absent:
        return CategoryScore(mechanism, weight, False, 0.0, "not deployed (not scored)", [])
    warns = sorted({f.id for f in judged if f.status == Status.WARN})
    factor = max(WARN_FLOOR, 1.0 - WARN_COST * len(warns)) if warns else 1.0
    reason = "weaknesses" if warns else "good"
    return CategoryScore(mechanism, weight, True, factor, reason, warns)


def compute(findings: list[Finding]) -> tuple[int | None, dict[str, Any]]:
    if does_not_exist(findings):
        # Nothing is rated: every category is left out, and the detail says why.
        errors = sorted({f.id for f in findings if f.status == Status.ERROR})
        return None, {
            "version": SCORE_VERSION,
            "categories": {
                str(m): CategoryScore(
                    m, WEIGHTS[m], False, 0.0, "domain does not exist", []
                ).to_dict()
                for m in Mechanism
            },
            "partial": bool(errors),
            "not_checked": [],
            "errors": errors,
            DOES_NOT_EXIST: True,
        }
    grouped: dict[Mechanism, list[Finding]] = {m: [] for m in Mechanism}
    for finding in findings:
        grouped[finding.mechanism].append(finding)
    categories = {m: score_category(m, grouped[m]) for m in Mechanism}
    counted = [c for c in categories.values() if c.counted and c.weight]
    total_weight = sum(c.weight for c in counted)
    not_checked = sorted(
        str(m) for m, c in categories.items() if c.reason == "could not be checked" and c.weight
    )
    errors = sorted({f.id for f in findings if f.status == Status.ERROR})
    detail: dict[str, Any] = {
        "version": SCORE_VERSION,
        "categories": {str(m): c.to_dict() for m, c in categories.items()},
        "partial": bool(errors),
        "not_checked": not_checked,
        "errors": errors,
    }
    if not total_weight:
        return None, detail
    for c in counted:
        # What the category costs on the 0-100 score (its lost weight over the weights that
        # count): these add up to 100 - score before rounding, so "fix this: +N" is what
        # fixing it gives.
        detail["categories"][str(c.mechanism)]["score_lost"] = round(
            100 * (c.weight - c.points) / total_weight, 1
        )
    score = round(100 * sum(c.points for c in counted) / total_weight)
    return score, detail


def apply(report: DomainReport) -> None:
    report.score, report.score_detail = compute(report.findings)
    report.score_detail["checks_release"] = CHECKS_RELEASE
    report.score_version = SCORE_VERSION


# What a null MX takes out of the check (RFC 7505 §3; checklist MX-03): transport security.
TRANSPORT = (Mechanism.MTASTS, Mechanism.TLSRPT, Mechanism.SMTP, Mechanism.DANE)


def receives_no_mail(detail: dict[str, Any], finding_ids: Iterable[str]) -> bool:
    """A null-MX domain (MX-03), whose transport categories did not apply: its score rates
    only what a domain that receives no mail still needs (SPF, DMARC, DNSSEC, the MX record),
    not its mail security, which is "not applicable", neither 100 % nor 0 %."""
    categories = detail.get("categories", {})
    return "MX-03" in set(finding_ids) and all(
        categories.get(str(m), {}).get("reason") == "does not apply" for m in TRANSPORT
    )


def counted_categories(detail: dict[str, Any]) -> list[Mechanism]:
    """The weighted categories the score counted, in the rubric's order."""
    categories = detail.get("categories", {})
    return [
        m
        for m in Mechanism
        if categories.get(str(m), {}).get("counted") and categories[str(m)].get("weight")
    ]


def score_scope(detail: dict[str, Any], finding_ids: Iterable[str]) -> dict[str, Any]:
    """What the score rates, for the JSON of `mailsec check --json` and of the free-check API,
    as the text output and the pages say it: `receives_no_mail` (a null MX: the score is not
    the domain's mail security, which is "not applicable"), `counted_categories` (the
    categories the number rates, in the rubric's order) and `score_coverage` (how many of the
    points that apply could be checked, Coverage: the headline says "for the 30 of 100 points
    that could be checked")."""
    return {
        "receives_no_mail": receives_no_mail(detail, finding_ids),
        "counted_categories": [str(m) for m in counted_categories(detail)],
        "score_coverage": coverage(detail).to_dict(),
    }


@dataclass(frozen=True)
class Coverage:
    """How much of the score could be checked: `checked` is the weight of the categories the
    score counts, `of` that plus the weight of those that could not be checked (rule 4 of
    docs/scoring.md). Categories that do not apply or are not scored by design (no DANE, no
    DKIM key found) are in neither: they are known, not missing. A score whose categories
    could not be checked averages what is left, so "100/100" on DKIM, DMARC and TLS-RPT alone
    must say it rates 30 of 100 points, and below half it is no score to show in big type."""

    checked: int
    of: int
    not_checked: tuple[Mechanism, ...]

    @property
    def complete(self) -> bool:
        return self.checked == self.of

    @property
    def enough(self) -> bool:
        """At least half the weight that applies was checked (docs/scoring.md). A detail
        without categories (nothing to go by) is not held to be short."""
        return 2 * self.checked >= self.of

    @property
    def point_worth(self) -> float:
        """What one point of a category is worth on the 0-100 score: the weights that count
        (`checked`) are scaled to 100, so 0 of MTA-STS's 20 costs 30.8 when 65 count."""
        return 100 / self.checked if self.checked else 0.0

    @property
    def not_checked_titles(self) -> list[str]:
        return [MECHANISM_TITLES[m] for m in self.not_checked]

    @property
    def for_words(self) -> str:
        """'for the 30 of 100 points that could be checked'; '' when nothing scored is missing."""
        if self.complete:
            return ""
        return f"for the {self.checked} of {self.of} points that could be checked"

    @property
    def missing_words(self) -> str:
        """'MX records, MTA-STS and DANE could not be checked'; '' when nothing is missing."""
        titles = self.not_checked_titles
        if not titles:
            return ""
        listed = titles[0] if len(titles) == 1 else f"{', '.join(titles[:-1])} and {titles[-1]}"
        return f"{listed} could not be checked"

    def to_dict(self) -> dict[str, Any]:
        return {"checked": self.checked, "of": self.of, "enough": self.enough}


def coverage(detail: dict[str, Any]) -> Coverage:
    """The Coverage of a stored or fresh score_detail (any version: read from its categories)."""
    categories = detail.get("categories", {})
    checked = 0
    missing: list[Mechanism] = []
    for m in Mechanism:
        category = categories.get(str(m), {})
        if not category.get("weight"):
            continue
        if category.get("counted"):
            checked += category["weight"]
        elif category.get("reason") == "could not be checked":
            missing.append(m)
    of = checked + sum(categories[str(m)]["weight"] for m in missing)
    return Coverage(checked, of, tuple(missing))


PARTIAL_NOTHING_SCORED = "some checks could not run, none that the score counts"
