"""Findings and reports: the engine's output, shared by the CLI, the workers and the web app.

A finding is one rule of ../shared/standards/checklist.md applied to one subject. Its `id` is
the checklist's check ID (e.g. ``MTASTS-30``), so the code, the fixtures and the docs share names.
"""

from __future__ import annotations

import dataclasses
import enum
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

from checks.domainname import _to_u_label


class Status(enum.StrEnum):
    PASS = "pass"
    INFO = "info"
    WARN = "warn"
    FAIL = "fail"
    # Could not check (timeout, SERVFAIL, REFUSED, 421 ...). Never scored as fail and never
    # reported as "absent".
    ERROR = "error"
    # Does not apply (e.g. transport checks on a null-MX domain).
    NA = "na"


# Worst first; used to roll findings up into a mechanism verdict.
SEVERITY_ORDER = [Status.FAIL, Status.ERROR, Status.WARN, Status.INFO, Status.PASS, Status.NA]


class Mechanism(enum.StrEnum):
    MX = "mx"
    MTASTS = "mta-sts"
    TLSRPT = "tls-rpt"
    SMTP = "smtp"
    SPF = "spf"
    DKIM = "dkim"
    DMARC = "dmarc"
    DNSSEC = "dnssec"
    DANE = "dane"
    BIMI = "bimi"


MECHANISM_TITLES = {
    Mechanism.MX: "MX records",
    Mechanism.MTASTS: "MTA-STS",
    Mechanism.TLSRPT: "TLS reporting (TLS-RPT)",
    Mechanism.SMTP: "STARTTLS on the MX hosts",
    Mechanism.SPF: "SPF",
    Mechanism.DKIM: "DKIM",
    Mechanism.DMARC: "DMARC",
    Mechanism.DNSSEC: "DNSSEC",
    Mechanism.DANE: "DANE",
    Mechanism.BIMI: "BIMI",
}


@dataclass
class Finding:
    id: str
    status: Status
    mechanism: Mechanism
    summary: str
    subject: str = ""
    evidence: dict[str, Any] = field(default_factory=dict)
    fix: str = ""

    def to_dict(self) -> dict[str, Any]:
        data = _storable(asdict(self))
        data["status"] = str(self.status)
        data["mechanism"] = str(self.mechanism)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Finding:
        return cls(
            id=data["id"],
            status=Status(data["status"]),
            mechanism=Mechanism(data["mechanism"]),
            summary=data.get("summary", ""),
            subject=data.get("subject", ""),
            evidence=data.get("evidence") or {},
            fix=data.get("fix", ""),
        )


def _storable(value: Any) -> Any:
    """`value` with each NUL shown as U+2400 (SYMBOL FOR NULL): PostgreSQL text and jsonb
    cannot hold U+0000, and a policy file or TXT record quoted as evidence may carry one."""
    if isinstance(value, str):
        return value.replace("\x00", "\u2400")
    if isinstance(value, dict):
        return {_storable(k): _storable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_storable(v) for v in value]  # as JSON stores it
    return value


def worst(statuses: list[Status]) -> Status:
    for status in SEVERITY_ORDER:
        if status in statuses:
            return status
    return Status.NA


@dataclass
class DomainReport:
    domain: str
    findings: list[Finding] = field(default_factory=list)
    started_at: str = ""
    duration_ms: int = 0
    score: int | None = None
    score_version: int = 0
    score_detail: dict[str, Any] = field(default_factory=dict)
    query_log: list[dict[str, Any]] = field(default_factory=list)
    # Set when the whole check could not run (invalid name, resolver down).
    error: str = ""

    def by_mechanism(self) -> dict[Mechanism, list[Finding]]:
        grouped: dict[Mechanism, list[Finding]] = {m: [] for m in Mechanism}
        for finding in self.findings:
            grouped[finding.mechanism].append(finding)
        return grouped

    def mechanism_status(self) -> dict[str, str]:
        return {
            str(mech): str(worst([f.status for f in found]))
            for mech, found in self.by_mechanism().items()
        }

    def has(self, check_id: str, status: Status | None = None) -> bool:
        return any(
            f.id == check_id and (status is None or f.status == status) for f in self.findings
        )

    @property
    def any_fail(self) -> bool:
        return any(f.status == Status.FAIL for f in self.findings)

    @property
    def any_error(self) -> bool:
        return bool(self.error) or any(f.status == Status.ERROR for f in self.findings)

    def to_dict(self) -> dict[str, Any]:
        return {
            "domain": self.domain,
            "score": self.score,
            "score_version": self.score_version,
            "score_detail": self.score_detail,
            "started_at": self.started_at,
            "duration_ms": self.duration_ms,
            "error": self.error,
            "mechanisms": self.mechanism_status(),
            "findings": [f.to_dict() for f in self.findings],
            "query_log": self.query_log,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DomainReport:
        return cls(
            domain=data["domain"],
            findings=[Finding.from_dict(f) for f in data.get("findings", [])],
            started_at=data.get("started_at", ""),
            duration_ms=data.get("duration_ms", 0),
            score=data.get("score"),
            score_version=data.get("score_version", 0),
            score_detail=data.get("score_detail") or {},
            query_log=data.get("query_log") or [],
            error=data.get("error", ""),
        )


@dataclass
class Problem:
    """One thing wrong with a parsed record or policy, before it becomes a finding."""

    check_id: str
    status: Status
    message: str
    # True when a strict sender would reject the whole record or policy because of it.
    invalidates: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.check_id, "status": str(self.status), "message": self.message}


class ParsedRecord(Protocol):
    raw: str
    problems: list[Problem]


class Collector:
    """Accumulates the findings of one mechanism, so evaluators read as a list of rules."""

    def __init__(self, mechanism: Mechanism) -> None:
        self.mechanism = mechanism
        self.findings: list[Finding] = []

    def add(
        self,
        check_id: str,
        status: Status,
        summary: str,
        *,
        subject: str = "",
        evidence: dict[str, Any] | None = None,
        fix: str = "",
    ) -> Finding:
        finding = Finding(
            id=check_id,
            status=status,
            mechanism=self.mechanism,
            summary=summary,
            subject=subject,
            evidence=evidence or {},
            fix=fix,
        )
        self.findings.append(finding)
        return finding

    def add_record_problems(
        self,
        records: Iterable[ParsedRecord],
        *,
        subject: str,
        evidence: dict[str, Any],
        fix: str,
    ) -> None:
        """Each distinct problem of the candidate records once; `fix` only on FAIL and WARN."""
        seen: set[tuple[str, str]] = set()
        for record in records:
            for problem in record.problems:
                key = (problem.check_id, problem.message)
                if key in seen:
                    continue
                seen.add(key)
                self.add(
                    problem.check_id,
                    problem.status,
                    problem.message,
                    subject=subject,
                    evidence={**evidence, "record": record.raw},
                    fix=fix if problem.status in {Status.FAIL, Status.WARN} else "",
                )


def noun_for(n: int, noun: str, plural: str = "") -> str:
    """`noun` as a count of `n` takes it: the singular for 1, the plural (`plural`, or `noun`
    with an s) otherwise. Findings never write "host(s)" or "address(es)" (s40g, s42w)."""
    return noun if n == 1 else plural or f"{noun}s"


def counted(n: int, noun: str, plural: str = "") -> str:
    """A count with its noun: "1 MX address", "2 MX addresses" (noun_for)."""
    return f"{n} {noun_for(n, noun, plural)}"


def series(items: list[str], conjunction: str = "and") -> str:
    """Items as a sentence lists them: 'a', 'a and b', 'a, b and c' (or 'or'); "" for none, so
    a caller listing what it found need not guard an empty find (s43e's first held_txt_records
    change raised IndexError for every domain without the record)."""
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    return f"{', '.join(items[:-1])} {conjunction} {items[-1]}"


# --------------------------------------------------------------------------------------------
# An internationalised domain, named for people

# A line of a fix that is a record or a policy line to publish as written: a zone-file record
# ("_dmarc.xn--bcher-kva.example. TXT ...") or an MTA-STS policy line ("mx: mx1.xn--...").
_AS_WRITTEN = re.compile(
    r"^\s*(?:\S+\s+(?:\d+\s+)?(?:IN\s+)?(?:TXT|MX|A|AAAA|TLSA|DS|CNAME|CAA|NS)\s"
    r"|(?:version|mode|mx|max_age):)"
)


def u_labels(name: str) -> str:
    """`name` in U-labels ("xn--bcher-kva.example" → "bücher.example"); as it is when it holds
    no A-label or one that does not decode."""
    if "xn--" not in name.lower():
        return name
    try:
        return ".".join(label if label == "*" else _to_u_label(label) for label in name.split("."))
    except UnicodeError:
        return name


# A DNS name holding an A-label, as a whole token of a subject ("mx1.xn--bcher-kva.example",
# "https://mta-sts.xn--bcher-kva.example/.well-known/mta-sts.txt", "_dmarc.xn--...").
_A_LABEL_NAME = re.compile(r"(?<![\w-])(?:[\w*-]+\.)*xn--[\w-]+(?:\.[\w-]+)*", re.I)


def both_ways(text: str) -> str:
    """A subject, or a domain's name, as people read it and as the DNS holds it, when it names
    an internationalised domain: "müller-bäckerei.de (xn--mller-bckerei-hfb76a.de)",
    "mx1.bücher.example (mx1.xn--bcher-kva.example)". As it is otherwise (an ASCII name, an
    IP address, an A-label that does not decode). Subjects stay A-labels where they are kept
    (alerts key on them); this is for where they are shown."""
    if "xn--" not in text.lower():
        return text
    shown = _A_LABEL_NAME.sub(lambda m: _decoded(m.group(0)), text)
    return text if shown == text else f"{shown} ({text})"


def _decoded(name: str) -> str:
    """`name` with each A-label decoded, the others ("_25", "_tcp", "*") as they are; as it is
    when an A-label does not decode."""
    try:
        return ".".join(
            _to_u_label(label) if label.lower().startswith("xn--") else label
            for label in name.split(".")
        )
    except UnicodeError:
        return name


def _named(domain: str) -> re.Pattern[str]:
    """The domain, or a name under it, as a whole name in prose: not inside an address
    (d@...), a URL (https://...), a tag or mechanism value (rua=, include:), a quoted record
    or a longer name."""
    return re.compile(
        r"(?<![\w.@/=:'\"\u201c\u2018-])((?:[\w-]+\.)*?)" + re.escape(domain) + r"(?![\w-]|\.\w)",
        re.I,
    )


def for_people(findings: list[Finding], domain: str) -> list[Finding]:
    """`findings` of the A-label `domain` with the domain named as its owner knows it when it
    is internationalised: "müller-bäckerei.de has a DMARC policy", not
    "xn--mller-bckerei-hfb76a.de has ...". Names under it too (_dmarc.müller-bäckerei.de).

    Summaries take the U-labels. A fix names both in its prose, the U-labels and then the
    A-labels a DNS panel or zone file may need ("müller-bäckerei.de (xn--...)"), and keeps
    its records and policy lines as they are to be published. Subjects and evidence keep the
    A-labels: a subject is the DNS name a finding is about, which alerts key findings by and
    build records from. The one place texts turn a domain's name into people's form
    (checks.engine, before a mechanism's findings are shown or stored)."""
    shown = u_labels(domain)
    if shown == domain:
        return findings
    named = _named(domain)

    def twice(match: re.Match[str], people: str) -> bool:
        """Named both ways already: "mx1.xn--... (mx1.bücher...)" (checks.certs.readable_name)
        or, in a fix made of another fix, "mx1.bücher... (mx1.xn--...)"."""
        text = match.string
        return text.startswith(f" ({people})", match.end()) or text[: match.start()].endswith(
            f"{people} ("
        )

    def short(match: re.Match[str]) -> str:
        people = match.group(1) + shown
        return match.group(0) if twice(match, people) else people

    def both(match: re.Match[str]) -> str:
        people = match.group(1) + shown
        return match.group(0) if twice(match, people) else f"{people} ({match.group(0)})"

    def fix_text(fix: str) -> str:
        return "\n".join(
            line if _AS_WRITTEN.match(line) else named.sub(both, line) for line in fix.split("\n")
        )

    out = []
    for f in findings:
        summary, fix = named.sub(short, f.summary), fix_text(f.fix)
        changed = summary != f.summary or fix != f.fix
        # New findings, not changed ones: a progress callback may still hold the old.
        out.append(dataclasses.replace(f, summary=summary, fix=fix) if changed else f)
    return out
