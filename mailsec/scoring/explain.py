"""Plain explanations of each mechanism, shown on the domain page next to its verdict."""

from __future__ import annotations

import re
from typing import Any

EXPLANATIONS = {
    "mx": "MX records name the servers that receive mail for the domain. Every other transport "
    "check starts from them.",
    "mta-sts": "MTA-STS tells sending servers to insist on an encrypted, authenticated "
    "connection to your MX hosts, so an attacker on the path cannot strip STARTTLS. It needs a "
    "TXT record at _mta-sts and a policy file served over HTTPS at mta-sts.<domain>.",
    "tls-rpt": "TLS reporting asks senders to send you a daily report of connections that failed "
    "TLS, so you hear about certificate or policy problems before mail bounces.",
    "smtp": "Each MX host should offer STARTTLS with a valid certificate for its name and modern "
    "TLS versions; otherwise mail travels in clear text or cannot be verified.",
    "spf": "SPF lists the servers allowed to send mail for the domain, so receivers can reject "
    "forged senders.",
    "dkim": "DKIM signs outgoing mail with a key published in DNS. Selectors cannot be listed "
    "from DNS, so add yours below if we don't find them.",
    "dmarc": "DMARC tells receivers what to do with mail that fails SPF and DKIM alignment, and "
    "where to send aggregate reports.",
    "dnssec": "DNSSEC signs the domain's DNS answers, so resolvers can detect forged records. "
    "DANE depends on it.",
    "dane": "DANE publishes the MX hosts' certificate fingerprints in DNSSEC-signed TLSA "
    "records, letting senders authenticate your servers without a CA. Many hosted mail "
    "providers can't offer it; that is not held against you.",
    "bimi": "BIMI lets mailbox providers show your logo next to authenticated mail. It is "
    "branding, not transport security, and is never scored.",
}

VERDICTS = {
    "pass": "Good",
    "info": "Note",
    "warn": "Needs attention",
    "fail": "Failing",
    "error": "Could not check",
    "na": "Does not apply",
}


# A mechanism the score counts as not deployed: its findings are only notes ("info"), which
# reads as harmless, yet it cost the category's points.
NOT_DEPLOYED = "Not deployed"
# The badge of such a note on the panel: it costs points, so it is not shown as a mere note.
MISSING = "Missing"
# Costs named on a panel's line before "and N more".
COSTS_NAMED = 2


def explain(mechanism: str, domain: str = "") -> str:
    """The mechanism's explanation, naming `domain`'s own hosts when it is known."""
    text = EXPLANATIONS.get(mechanism, "")
    return text.replace("<domain>", domain) if domain else text


def verdict_label(status: str) -> str:
    return VERDICTS.get(status, status)


def is_not_deployed(status: str, category: dict[str, Any]) -> bool:
    """The score counts the mechanism as not deployed and nothing worse is wrong with it."""
    return (
        category.get("reason") == "not deployed"
        and bool(category.get("weight"))  # BIMI weighs nothing: its absence is only a note
        and status not in ("fail", "warn", "error")
    )


def with_missing_badges(
    findings: list[dict[str, Any]],
    status: str,
    category: dict[str, Any],
    *,
    label_key: str = "badge",
    label: str = MISSING,
) -> list[dict[str, Any]]:
    """`findings` with the notes of a mechanism the score counts as not deployed badged `label`
    (under `label_key`) in warning colours: they cost the category's points (20-31), so they
    are not shown as a mere note. The score and the statuses are unchanged. One rule for the
    domain page's panels ("Missing") and the free check ("missing")."""
    if not is_not_deployed(status, category):
        return findings
    return [
        {**f, label_key: label, "badge_status": "warn"} if f.get("status") == "info" else f
        for f in findings
    ]


# A card (free check) or panel (domain page) shows every "could not check" finding of one
# check and one reason up to this many; past it, the first, and a fold holds the others (s39c:
# a domain whose DNS answers nothing had 23 DKIM-01 findings open, one per selector tried, 23 of
# its page's 33 items). Each is still on the page, in the fold, with its subject: a lookup that
# failed is never read as absent.
OPEN_ERRORS_OF_ONE_CHECK = 3

# What names a finding's subject in its summary, left out of its reason (reason): quoted names
# ('selector1'), bracketed addresses, IPv6 addresses, dotted names and IPv4 addresses, numbers.
_SUBJECT_WORDS = re.compile(
    r"'[^']*'|\"[^\"]*\"|\[[^\]]*\]"
    r"|(?:[0-9a-f]{0,4}:){2,}[0-9a-f.]*"
    r"|[\w-]+(?:\.[\w-]+)+"
    r"|\d+",
    re.IGNORECASE,
)


def reason(finding: dict[str, Any]) -> tuple[str, str]:
    """What a "could not check" finding says, apart from what it is about: its check ID and
    its summary without the names, addresses and numbers of its subject. Four MX hosts that
    did not answer share one; a host that did not answer and one that turned our checker away
    do not (s40b: each reason has its own fix, and is shown open)."""
    summary = str(finding.get("summary", ""))
    subject = str(finding.get("subject", ""))
    if subject:
        summary = summary.replace(subject, "…")
    return str(finding["id"]), _SUBJECT_WORDS.sub("…", summary)


def repeats_of_errors(findings: list[dict[str, Any]]) -> dict[int, list[dict[str, Any]]]:
    """The "could not check" findings a card or panel folds, under the id() of the first of
    their group (one check ID, one reason) that it shows: of a group of more than
    OPEN_ERRORS_OF_ONE_CHECK, all but the first."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for finding in findings:
        if finding["status"] == "error":
            groups.setdefault(reason(finding), []).append(finding)
    return {
        id(same[0]): same[1:] for same in groups.values() if len(same) > OPEN_ERRORS_OF_ONE_CHECK
    }


def repeated_errors(findings: list[dict[str, Any]]) -> set[int]:
    """The id()s of the "could not check" findings a card or panel folds (repeats_of_errors)."""
    return {id(f) for repeats in repeats_of_errors(findings).values() for f in repeats}


def _sentence_case(summary: str) -> str:
    """ "No MTA-STS record" → "no MTA-STS record"; an acronym ("MX host …") stays as it is."""
    summary = summary.strip().rstrip(".")
    if len(summary) > 1 and summary[0].isupper() and summary[1].islower():
        return summary[0].lower() + summary[1:]
    return summary


def lost_points(category: dict[str, Any]) -> str:
    """The points a counted category lost, as cost_text says them ("23.5", "1"); "" when it
    lost none or is not counted."""
    if not category.get("counted") or not category.get("lost"):
        return ""
    lost = category.get("score_lost", category.get("lost"))
    return f"{float(lost):.1f}".removesuffix(".0")


def cost_text(category: dict[str, Any], findings: list[dict[str, Any]]) -> str:
    """What a counted category lost, in words: "−23.5 points: no MTA-STS record" (the
    summaries of the findings that cost the points, not their check ids); "" when nothing."""
    points = lost_points(category)
    if not points:
        return ""
    head = f"−{points} point{'' if points == '1' else 's'}"
    reasons: list[str] = []
    for check_id in category.get("costs") or ():
        for f in findings:
            if f.get("id") == check_id and f.get("summary"):
                text = _sentence_case(str(f["summary"]))
                if text not in reasons:
                    reasons.append(text)
    if not reasons:
        return head
    named = "; ".join(reasons[:COSTS_NAMED])
    if len(reasons) > COSTS_NAMED:
        named += f"; and {len(reasons) - COSTS_NAMED} more"
    return f"{head}: {named}"


# --- The rubric page (mailsec/scoring/views.py) in words. Its numbers and check lists come
# from checks/scoring.py; only what a check means is said here.

# What each finding that makes its mechanism "not deployed" (checks.scoring.ABSENCE) says.
ABSENCE_WORDS = {
    "MTASTS-01": "no MTA-STS record",
    "TLSRPT-01": "no TLS-RPT record",
    "SPF-01": "no SPF record",
    "DMARC-01": "no DMARC record",
    "DNSSEC-01": "the zone is not signed",
}

# Absences that depend on a finding's evidence (checks.scoring.is_absence), as (check id,
# status, the evidence that makes it one, words). The page lists only those is_absence still
# agrees with, so a changed rule drops a line rather than leave a wrong one.
CONDITIONAL_ABSENCES = [
    ("MTASTS-33", "info", {"mode": "none"}, "an MTA-STS policy in mode none (withdrawn)"),
    (
        "DKIM-01",
        "info",
        {"given_without_key": ["selector"]},
        "no DKIM key at any selector you gave us",
    ),
]

# Why an absence is not held against the domain (checks.scoring.NOT_SCORED_WHEN_ABSENT).
NOT_SCORED_REASONS = {
    "dane": "DANE needs DNSSEC on the mail provider's zone: customers of Gmail or Microsoft 365 "
    "cannot deploy it. Published and broken DANE is scored.",
    "dkim": "selectors cannot be listed from DNS, so no key at the selectors we tried may only "
    "mean we did not guess yours. Add your selectors to the domain to have DKIM scored.",
}
