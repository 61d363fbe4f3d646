"""One record per name in a run's fixes.

Each finding's fix mends its own finding, and several may offer a whole record for one name:
DMARC-06 `_dmarc` with p=quarantine, DMARC-12 the same name with the report address
repaired. A name holds one SPF, DMARC, MTA-STS or TLS-RPT record: receivers take two as none
(RFC 7489 §6.6.3, RFC 8461 §3.1, RFC 8460 §3), two SPF records as an error (permerror, RFC
7208 §3.2, §4.5), so an owner following both fixes would lose the record.

The mechanisms already make one record of the repairs they can merge (checks.dmarc
RecordRepairs: every DMARC fix carries every repair); what stays apart is an owner's step on
top of them (DMARC-06 moving off p=none, SPF-09 '-all', TLSRPT-10 dropping a report
address), which a repair must not force. So the records are not merged here: each fix that
offers a record another fix of the run offers differently says so, naming the other findings,
and says which record carries which changes when the run shows it (the record published now,
as a finding's evidence quotes it, compared term by term)."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

from checks.findings import Finding, series

# The version tag a record starts with, lower case: (what it is called, what two at one name
# do, where that is said).
KINDS: dict[str, tuple[str, str, str]] = {
    "v=spf1": (
        "SPF",
        "are an error (permerror) that receivers may treat as a failure",
        "RFC 7208 §3.2, §4.5",
    ),
    "v=dmarc1": ("DMARC", "count as none", "RFC 7489 §6.6.3"),
    "v=stsv1": ("MTA-STS", "count as none", "RFC 8461 §3.1"),
    "v=tlsrptv1": ("TLS-RPT", "count as none", "RFC 8460 §3"),
}

# A TXT record as the engine writes one (checks.dns.txt_fix): "name. TXT "…" "…"".
_STRINGS = r'"(?:[^"\\]|\\.)*"(?:[ \t]+"(?:[^"\\]|\\.)*")*'
_TXT = re.compile(rf'(?<!\S)(?P<name>[^\s"]+)\.[ \t]+TXT[ \t]+(?P<rdata>{_STRINGS})')
_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"')
_ESCAPE = re.compile(r"\\(\d{3}|.)")
# Words leading into a record that is to go, not to be published.
_DELETE = re.compile(r"\b(?:delete|remove)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Offered:
    name: str  # lower case, no final dot
    kind: str  # a key of KINDS
    value: str  # the record's strings joined


def _joined(rdata: str) -> str:
    strings = _STRING.findall(rdata)
    return "".join(
        _ESCAPE.sub(lambda m: chr(int(m[1])) if m[1].isdigit() else m[1], s) for s in strings
    )


def kind_of(value: str) -> str:
    first = re.split(r"[;\s]", value.strip(), maxsplit=1)[0].lower()
    return first if first in KINDS else ""


def offered_records(fix: str) -> list[Offered]:
    """The whole SPF, DMARC, MTA-STS and TLS-RPT records `fix` asks to publish (or to keep):
    not those its words say to delete ("Delete the record …: <record>")."""
    out: list[Offered] = []
    end = 0
    for found in _TXT.finditer(fix or ""):
        lead_in = [line for line in fix[end : found.start()].split("\n") if line.strip()]
        end = found.end()
        if lead_in and _DELETE.search(lead_in[-1]):
            continue
        value = _joined(found["rdata"])
        kind = kind_of(value)
        if kind:
            out.append(Offered(found["name"].lower(), kind, value))
    return out


def _terms(value: str, kind: str) -> set[str]:
    """A record's terms, to compare two records of one kind: SPF's mechanisms and modifiers;
    the tags of the others, a list of report addresses one term an address."""
    if kind == "v=spf1":
        return {t.lower() for t in value.split()}
    terms: set[str] = set()
    for part in value.split(";"):
        tag, eq, rest = part.partition("=")
        tag = tag.strip().lower()
        if not tag:
            continue
        items = rest.split(",") if tag in ("rua", "ruf") else [rest]
        terms.update(f"{tag}{eq}{item.strip()}" for item in items)
    return terms


def carries(record: str, other: str, now: str, kind: str) -> bool:
    """Whether `record` makes every change `other` makes to the record published `now`."""
    was, this, that = _terms(now, kind), _terms(record, kind), _terms(other, kind)
    return (was - that) <= (was - this) and (that - was) <= (this - was)


def _published(findings: list[Finding], name: str, kind: str) -> str | None:
    """The one record of `kind` published at `name`, as the run's findings quote it (a
    finding about that name: its evidence's record, or the TXT answers it shows)."""
    seen: set[str] = set()
    for finding in findings:
        if finding.subject.lower().rstrip(".") != name:
            continue
        evidence = finding.evidence or {}
        quoted: list[str] = []
        if isinstance(evidence.get("record"), str):
            quoted.append(evidence["record"])
        for holder in (evidence, evidence.get("dns")):
            if isinstance(holder, dict) and str(holder.get("query", "")).endswith(" TXT"):
                quoted += [_joined(a) for a in holder.get("answers") or [] if isinstance(a, str)]
        seen.update(q for q in quoted if kind_of(q) == kind)
    return next(iter(seen)) if len(seen) == 1 else None


def _fixes(ids: list[str]) -> str:
    return f"{ids[0]}'s fix" if len(ids) == 1 else f"the fixes of {series(ids)}"


def _note(own: str, others: dict[str, str], name: str, kind: str, now: str | None) -> str:
    """What the fix offering `own` at `name` says of the other findings' records there
    (`others`: finding id -> its record); `now`, the record published, when the run shows
    which record carries which changes."""
    what, two, rfc = KINDS[kind]
    ids = sorted(others)
    one = _fixes(ids)
    close = (
        f"Two {what} records at one name {two} ({rfc}): publish one record there, in place "
        "of any you have, never both."
    )
    if now is not None and all(carries(own, r, now, kind) for r in others.values()):
        return (
            f"One {what} record at {name}: this record also makes the "
            f"{'change' if len(ids) == 1 else 'changes'} {series(ids)} "
            f"{'asks' if len(ids) == 1 else 'ask'} for; {one} "
            f"{'offers' if len(ids) == 1 else 'offer'} one without this finding's own change. "
            f"{close}"
        )
    carriers = [i for i in ids if now is not None and carries(others[i], own, now, kind)]
    rest = [i for i in ids if i not in carriers]
    if carriers:
        by = _fixes(carriers)
        also = (
            f" {_fixes(rest)[0].upper()}{_fixes(rest)[1:]} "
            f"{'offers' if len(rest) == 1 else 'offer'} another, for another "
            "finding."
            if rest
            else ""
        )
        return (
            f"One {what} record at {name}: {by} "
            f"{'offers' if len(carriers) == 1 else 'offer'} one that makes this change too, "
            "with a change of its own on top; publish that one instead when you make that "
            f"change as well.{also} {close}"
        )
    if now is None:  # the run does not show what is published: which carries what is unknown
        return (
            f"One {what} record at {name}: {one} {'offers' if len(ids) == 1 else 'offer'} "
            f"another, for another finding. {close}"
        )
    return (
        f"One {what} record at {name}: {one} {'offers' if len(ids) == 1 else 'offer'} another "
        "for another finding, and neither record makes the other's change. "
        f"{close} Then check again: the other fix is offered anew, on the record you published."
    )


def one_record_per_name(findings: list[Finding]) -> list[Finding]:
    """`findings` with each fix whose record at a name another finding's fix offers differently
    saying so (_note). New findings, not changed ones: a progress callback may still be
    reading the old."""
    # (name, kind) -> {index of the finding: the records its fix offers there}
    offers: dict[tuple[str, str], dict[int, set[str]]] = {}
    for index, finding in enumerate(findings):
        for record in offered_records(finding.fix):
            at = offers.setdefault((record.name, record.kind), {})
            at.setdefault(index, set()).add(record.value)
    notes: dict[int, list[str]] = {}
    for (name, kind), by_index in offers.items():
        if len(set().union(*by_index.values())) < 2:
            continue
        now = _published(findings, name, kind)
        for index, own_values in by_index.items():
            if len(own_values) != 1:
                continue  # two records at one name in one fix: a choice it words itself
            own = next(iter(own_values))
            others: dict[str, str] = {}
            for other, values in by_index.items():
                if other != index and len(values) == 1 and values != own_values:
                    others.setdefault(findings[other].id, next(iter(values)))
            if others:
                notes.setdefault(index, []).append(_note(own, others, name, kind, now))
    if not notes:
        return findings
    return [
        dataclasses.replace(f, fix=f.fix + "\n" + "\n".join(notes[i])) if i in notes else f
        for i, f in enumerate(findings)
    ]
