from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

from django import template
from django.utils import timezone
from django.utils.timesince import timesince

from checks.findings import MECHANISM_TITLES, both_ways
from checks.scoring import WEIGHTS
from mailsec.domains.fixparts import boxes
from mailsec.scoring.explain import verdict_label

register = template.Library()


def ago(then: datetime, now: datetime | None = None) -> str:
    """How long ago `then` was, in words: "just now" under a minute, where timesince would
    say "0 minutes"; else "3 hours ago"."""
    now = timezone.now() if now is None else now
    if (now - then).total_seconds() < 60:
        return "just now"
    return f"{timesince(then, now)} ago"


@register.filter(name="ago")
def ago_filter(then: datetime | None) -> str:
    """{{ when|ago }}: ago() from the time the page is made; empty for no time."""
    return ago(then) if then is not None else ""


@register.filter
def verdict(status: str) -> str:
    return verdict_label(status)


@register.filter
def after_verdict(summary: str, status: str) -> str:
    """The summary as it reads after its badge: "Could not check STARTTLS on mx …" beside the
    badge "Could not check" drops its own leading "Could not check", so the words are said
    once (task s37b)."""
    words = verdict_label(status)
    if words and summary[: len(words) + 1].lower() == words.lower() + " ":
        return summary[len(words) + 1 :]
    return summary


@register.filter
def evidence_text(value: Any) -> str:
    """Evidence values are JSON: show scalars as they are, lists one per line."""
    if isinstance(value, list) and all(isinstance(v, str | int | float) for v in value):
        return "\n".join(str(v) for v in value) or "(none)"
    if isinstance(value, dict | list):
        return json.dumps(value, indent=2, ensure_ascii=False)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "" if value is None else str(value)


@register.filter
def score_class(score: int | None) -> str:
    if score is None:
        return "score-none"
    if score >= 80:
        return "score-good"
    if score >= 50:
        return "score-mid"
    return "score-bad"


@register.filter
def get_item(mapping: dict[str, Any], key: str) -> Any:
    return mapping.get(key)


# "name. [ttl] [IN] TYPE ...": a line of a zone file.
_RECORD_LINE = re.compile(
    r"^\S+\.\s+(?:\d+\s+)?(?:IN\s+)?(?:TXT|CNAME|MX|A|AAAA|TLSA|CAA|NS|DS)\s", re.IGNORECASE
)


@register.filter
def fix_heading(fix: str) -> str:
    """ "publish this record" only when the fix is DNS records: a policy file or a certificate
    to renew is not published in DNS."""
    lines = [line for line in (fix or "").splitlines() if line.strip()]
    if lines and all(_RECORD_LINE.match(line) for line in lines):
        return "Fix: publish this record" if len(lines) == 1 else "Fix: publish these records"
    return "Fix"


_SPACE = re.compile(r"\s")


@register.filter
def keep_ends(value: str, sizes: str) -> str:
    """`value` with its middle cut out when it is longer than "head,tail" allow (plus the
    ellipsis): a long domain name or sentence in a subject keeps how it starts and ends.

    A sentence is cut where a word ends and resumes where one starts ("does not pass …
    expired on"), not inside words ("does not pass MT…ertificate"); the spaces around the
    ellipsis come out of the same bound. An end that is one long word (a domain name, or a
    sentence whose first or last word takes more than half its share) keeps its characters
    as before, the ellipsis against it."""
    head, tail = (int(n) for n in sizes.split(","))
    text = str(value)
    if len(text) <= head + tail + 1:
        return text
    start = text[:head]
    # The last space up to the head's bound: the words before it are whole (a space just at
    # the bound takes one character of the tail's share).
    spaces = [m.start() for m in _SPACE.finditer(text, 0, head + 1)]
    if spaces and spaces[-1] >= head // 2 and text[: spaces[-1]].rstrip():
        start = text[: spaces[-1]].rstrip() + " "
        tail -= max(0, len(start) - head)
    end = text[len(text) - tail :]  # not text[-tail:]: a share of 0 keeps nothing
    # The first space after the tail's bound: the words after it are whole.
    found = _SPACE.search(text, len(text) - tail)
    if found and len(text) - found.end() >= tail // 2 and text[found.end() :].lstrip():
        end = " " + text[found.end() :].lstrip()
    return f"{start}…{end}"


@register.filter
def readable_subject(subject: str) -> str:
    """A finding's subject as people read it, and as the DNS holds it, when it names an
    internationalised domain: "mx1.bücher.example (mx1.xn--bcher-kva.example)"
    (checks.findings.both_ways). Stored subjects keep the A-labels."""
    return both_ways(subject)


# A label longer than this has no place of its own to break in a column of names.
LONG_LABEL = 30


@register.filter
def long_label(name: str) -> bool:
    """Whether a domain name has a label no column of names can hold on a phone (a 50-letter
    name without hyphens): it alone may break anywhere (`a.long-name`), so it cannot widen
    the table; ordinary names keep their width and break between labels only."""
    return any(len(label) > LONG_LABEL for label in name.split("."))


@register.filter
def points_of(titles: list[str]) -> int:
    """{{ point.not_checked|points_of }}: the weight of the scored categories a history point
    could not check, by their titles (mailsec.scoring.chart.Point.not_checked), so its title
    says how much of the score it leaves out."""
    weights = {MECHANISM_TITLES[m]: w for m, w in WEIGHTS.items()}
    return sum(weights.get(title, 0) for title in titles or ())


@register.simple_tag
def fix_boxes(fix: str, copy_id: str, what: str) -> list[Any]:
    """{% fix_boxes f.fix "fix-…" "the fix for MTASTS-01" as parts %}: the fix as words and
    copy boxes (mailsec.domains.fixparts), for templates/domains/_fix_parts.html."""
    return boxes(fix, copy_id, what)
