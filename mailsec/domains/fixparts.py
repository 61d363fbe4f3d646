"""A finding's fix, cut into what a page shows: the words, and each thing a user pastes in one
place (one DNS record's value, one file's content) in a box of its own with its own Copy button.

The engine's fix is one text (checks/, read as it is by the CLI, the API and the emails):
"Publish these three, in this order: 1. … 2. The policy file …: <file> 3. Last, the record:
<record>". A Copy button on the whole text put the prose and the file into a DNS panel's value
field. This is presentation only: the text itself is not changed.

One convention for every record a page offers (the TLS-RPT record card and the hosting and
verification records do the same): its type and name are shown, its value is copied, as a DNS
panel's value field takes it. A TXT value of one string is copied without its quotes; a value
longer than one string (255 octets, RFC 1035 §3.3.14) is copied as the quoted strings, which
panels that refuse a longer string take (checks.dns.quote_txt)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from checks import dmarc, tlsrpt
from checks.dns import quote_txt

# A domain name ending in a dot, as the engine writes a record's owner (checks.dns.txt_fix).
_NAME = r"[^\s\"]+\."
_STRINGS = r'"(?:[^"\\]|\\.)*"(?:[ \t]+"(?:[^"\\]|\\.)*")*'
_TTL_CLASS = r"(?:\d+[ \t]+)?(?:IN[ \t]+)?"
# A TXT record anywhere in a line ("Delete this record (keep the valid one): name. TXT "…""):
# quoted strings make it certain.
_TXT = re.compile(rf"(?<!\S)(?P<name>{_NAME})[ \t]+{_TTL_CLASS}TXT[ \t]+(?P<rdata>{_STRINGS})")
# Other types only as a whole line ("_25._tcp.mx.example.com. TLSA 3 1 1 …"): in prose, "the
# domain. A record …" would read as one.
_OTHER = re.compile(
    rf"^(?P<name>{_NAME})[ \t]+{_TTL_CLASS}"
    r"(?P<type>CNAME|MX|A|AAAA|TLSA|CAA|NS|DS)[ \t]+(?P<rdata>\S.*?)[ \t]*$",
    re.IGNORECASE,
)
_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"')
# A record's data, then a zone-file comment: ';' outside quoted strings (a CAA value holds one).
_COMMENT = re.compile(r'(?P<data>(?:[^;"]|"(?:[^"\\]|\\.)*")*)(?:;(?P<comment>.*))?$')
_ESCAPE = re.compile(r"\\(\d{3}|.)")
# An MTA-STS policy file (RFC 8461 §3.2) as the engine writes it: version first.
_FILE_START = "version: STSv1"
_FILE_LINE = re.compile(r"^(?:version|mode|mx|max_age)[ \t]*:")
# A value the owner must fill in, as the engine writes one: "p=<the public key>", "<MX host>".
PLACEHOLDER = re.compile(r"<[^<>\n]+>")


@dataclass
class FixPart:
    """`kind` "text": `text` is words to read. "record": `text` is the value to copy, of the
    `rtype` record at `name` (no final dot, as DNS panels take it). "file": `text` is the
    policy file's content."""

    kind: str
    text: str
    name: str = ""
    rtype: str = ""
    # A record's data as the engine wrote it (a TXT record's quoted strings): the zone-file form.
    rdata: str = ""
    # Set by boxes(): the id of the element the Copy button copies, and the button's name.
    copy_id: str = ""
    label: str = ""

    @property
    def pieces(self) -> list[tuple[bool, str]]:
        """The box's text cut at its placeholders (PLACEHOLDER: a value the owner fills in,
        "<the public key>"), as (is a placeholder, text): the page puts a field in place of
        each, and Copy copies nothing until each is filled (static/js/copy.js), so a record
        cannot be pasted into DNS with the placeholder in it unnoticed."""
        pieces: list[tuple[bool, str]] = []
        at = 0
        for found in PLACEHOLDER.finditer(self.text):
            if found.start() > at:
                pieces.append((False, self.text[at : found.start()]))
            pieces.append((True, found.group()))
            at = found.end()
        if at < len(self.text):
            pieces.append((False, self.text[at:]))
        return pieces

    @property
    def one_txt_string(self) -> bool:
        """A TXT record whose box shows its value unquoted, as one string: filled in past 255
        octets, the copy is split into quoted strings (static/js/copy.js, as quote_txt)."""
        return self.rtype == "TXT" and len(_STRING.findall(self.rdata)) == 1

    @property
    def placeholders(self) -> list[str]:
        return [text for fill, text in self.pieces if fill]


def example_mailbox_note(fix: str, domain: str) -> str:
    """What to say under a suggested record whose report mailbox is only the engine's example
    (checks.tlsrpt.example_address, checks.dmarc.example_address): the engine cannot know a
    real one, and a mailbox nobody reads, or that does not exist, loses every report (a page
    must not present it as the address to publish). The example may name a parent of the
    checked domain (a subdomain inherits its organisation's record); a real mailbox the owner
    publishes (dmarc-reports@ at a report service) is not one. "" when there is none."""
    labels = domain.rstrip(".").split(".")
    names = [".".join(labels[i:]) for i in range(len(labels) - 1)] or [domain]
    for example, note in (
        (
            tlsrpt.example_address,
            "is an example: name a mailbox that exists and that someone reads. Add the domain "
            "to a mailsec account to get a report address that keeps, reads and explains these "
            "reports for you.",
        ),
        (
            dmarc.example_address,
            "is an example: name a mailbox that exists and that someone (or your DMARC report "
            "service) reads; aggregate reports arrive daily.",
        ),
    ):
        for name in names:
            address = example(name)
            if re.search(rf"mailto:{re.escape(address)}(?![A-Za-z0-9.-])", fix, re.IGNORECASE):
                return f"{address} {note}"
    return ""


def example_mailbox(text: str, domain: str) -> str:
    """The engine's example report mailbox in `text` (see example_mailbox_note), or ""."""
    note = example_mailbox_note(text, domain)
    return note.split(" ", 1)[0]


def _unescape(string: str) -> str:
    return _ESCAPE.sub(lambda m: chr(int(m[1])) if m[1].isdigit() else m[1], string)


def txt_value(rdata: str) -> str:
    """What a DNS panel's value field takes for the TXT presentation form `rdata`."""
    strings = _STRING.findall(rdata)
    return _unescape(strings[0]) if len(strings) == 1 else rdata


def _words(parts: list[FixPart], text: str) -> None:
    if text.strip():
        parts.append(FixPart("text", text.strip()))


def fix_parts(fix: str) -> list[FixPart]:
    """`fix` as words, records and files, in its order."""
    parts: list[FixPart] = []
    lines = (fix or "").splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.strip() == _FILE_START:
            end = i + 1
            while end < len(lines) and _FILE_LINE.match(lines[end].strip()):
                end += 1
            content = "\n".join(x.strip() for x in lines[i:end])
            parts.append(FixPart("file", content))
            i = end
            continue
        other = _OTHER.match(line.strip())
        if other and other["type"].upper() != "TXT":
            name = other["name"].rstrip(".")
            rtype = other["type"].upper()
            # A zone-file comment after the data (RFC 1035 §5.1: ';' outside quotes) is
            # words: MX-01's "MX 0 .   ; only if the domain should receive no mail" is a
            # record with a condition, not "0 .   ; only if …" as its value.
            found = _COMMENT.match(other["rdata"])
            assert found is not None  # every text matches: both groups may be empty
            rdata, comment = found["data"].rstrip(), found["comment"] or ""
            parts.append(FixPart("record", rdata, name, rtype, rdata))
            _words(parts, comment)
            i += 1
            continue
        rest = line
        while found := _TXT.search(rest):
            _words(parts, rest[: found.start()])
            name = found["name"].rstrip(".")
            value = txt_value(found["rdata"])
            parts.append(FixPart("record", value, name, "TXT", found["rdata"]))
            rest = rest[found.end() :]
        _words(parts, rest)
        i += 1
    return parts


def boxes(fix: str, copy_id: str, what: str) -> list[FixPart]:
    """fix_parts() with each box's copy target id and button name: the first box `copy_id`,
    the next ones `copy_id`-2, -3…; a box that is the fix's only one is "Copy `what`", one of
    several says which record or file it is."""
    parts = fix_parts(fix)
    copyable = [p for p in parts if p.kind != "text"]
    for number, part in enumerate(copyable, start=1):
        part.copy_id = copy_id if number == 1 else f"{copy_id}-{number}"
        if len(copyable) == 1:
            part.label = f"Copy {what}"
        elif part.kind == "file":
            part.label = f"Copy the policy file of {what}"
        else:
            part.label = f"Copy the {part.rtype} record at {part.name} of {what}"
    labels = [p.label for p in copyable]
    for number, part in enumerate(copyable, start=1):
        # Two TLSA records at one name: the buttons' names still differ.
        if labels.count(part.label) > 1:
            part.label += f" ({number} of {len(copyable)})"
    return parts


# Record types of which a name holds one: a second beside it is an error, not an addition.
_ONE_PER_NAME = {"CNAME"}


@dataclass
class Replacement:
    """A record a fix asks for in place of one published now (same name, same kind): its own
    copy box (`part`), and the published records of that kind it replaces, as zone-file lines."""

    part: FixPart
    replaces: list[str]

    @property
    def parts(self) -> list[FixPart]:
        """Its copy box, as templates/domains/_fix_parts.html takes a fix's parts."""
        return [self.part]


@dataclass
class ZoneRecords:
    """The records a domain's fixes still ask for, as zone-file lines ("name. TYPE data",
    no TTL: the zone's default), safe to add to a zone as they are; the records that replace
    a published one, each on its own (never among `lines`: imported beside the old one, two
    SPF or two DMARC records count as none); and those not among them, each as (name, why)."""

    lines: list[str]
    left_out: list[tuple[str, str]]
    replacements: list[Replacement] = field(default_factory=list)


def _dns_answers(evidence: Any, found: dict[tuple[str, str], list[str]]) -> None:
    """The DNS answers in one finding's evidence, by (name, type), as presentation-form data:
    a lookup's {"query": "name TYPE", "answers": [...]} (checks.dns.Answer.evidence) and
    DMARC's walk {"name": ..., "records": [...]} (the TXT records' text)."""
    if isinstance(evidence, list):
        for item in evidence:
            _dns_answers(item, found)
        return
    if not isinstance(evidence, dict):
        return
    query, answers = evidence.get("query"), evidence.get("answers")
    if isinstance(query, str) and isinstance(answers, list) and len(query.split()) == 2:
        name, rtype = query.split()
        into = found.setdefault((name.lower().rstrip("."), rtype.upper()), [])
        into += [a for a in answers if isinstance(a, str) and a not in into]
    name, records = evidence.get("name"), evidence.get("records")
    if isinstance(name, str) and isinstance(records, list):
        into = found.setdefault((name.lower().rstrip("."), "TXT"), [])
        for record in records:
            if isinstance(record, str) and (quoted := quote_txt(record)) not in into:
                into.append(quoted)
    for value in evidence.values():
        _dns_answers(value, found)


def published_records(findings: list[dict[str, Any]]) -> dict[tuple[str, str], list[str]]:
    """What a check found published, by (name, type), from its findings' own evidence (not a
    fresh lookup: the page tells what that check saw)."""
    found: dict[tuple[str, str], list[str]] = {}
    for finding in findings:
        _dns_answers(finding.get("evidence"), found)
    return found


# Names of which a domain holds one record of a kind whatever its text: a DKIM selector's key
# (RFC 6376 §3.6.2.2: v= is optional) and a BIMI assertion (RFC-draft BIMI §4.2).
_ONE_RECORD_NAMES = re.compile(r"(?:^|\.)(?:_domainkey|_bimi)\.")
# Record types a fix offers as a set: the domain's MX records are replaced, not added to.
_SET_TYPES = {"MX"}


def _replaced(part: FixPart, published: dict[tuple[str, str], list[str]]) -> list[str]:
    """The published records `part` would stand beside as a second of its kind, as zone-file
    lines: an SPF, DMARC, MTA-STS or TLS-RPT record of the same version tag at its name (RFC
    7208 §4.5, RFC 7489 §6.6.3, RFC 8461 §3.1, RFC 8460 §3), any key at a DKIM selector or
    BIMI name, any MX record of the domain."""
    name = part.name.lower()
    answers = published.get((name, part.rtype), [])
    if part.rtype in _SET_TYPES:
        same = answers
    elif part.rtype == "TXT":
        tag = _kind(part)[2]
        one_record = bool(_ONE_RECORD_NAMES.search(name))
        same = [
            a
            for a in answers
            if one_record
            or (tag.startswith("v=") and _kind(FixPart("record", "", name, "TXT", a))[2] == tag)
        ]
    else:
        same = []
    return [f"{part.name}. {part.rtype} {a}" for a in same]


def _kind(part: FixPart) -> tuple[str, str, str]:
    """What one record at a name is: a TXT record's kind is its version tag ("v=spf1",
    "v=dmarc1"), of which receivers take one per name (RFC 7208 §4.5, RFC 7489 §6.6.3, RFC
    8460 §3, RFC 8461 §3.1); a CNAME is alone at its name; other types (TLSA, MX, A) hold
    several values, each its own."""
    name = part.name.lower()
    if part.rtype == "TXT":
        value = "".join(_unescape(s) for s in _STRING.findall(part.rdata))  # its strings joined
        first = re.split(r"[;\s]", value.strip(), maxsplit=1)[0].lower()
        return name, "TXT", first if first.startswith("v=") else value
    if part.rtype in _ONE_PER_NAME:
        return name, part.rtype, ""
    return name, part.rtype, part.rdata


def records_to_publish(
    fixes: list[str], domain: str, published: dict[tuple[str, str], list[str]] | None = None
) -> ZoneRecords:
    """The records of `fixes` (the findings a domain still has to fix) that can be published
    as they are, together: a fix that is its records alone. Left out, each with why: a
    record whose fix says more (a policy file to serve first, a record to delete or keep, a
    choice), one with a value to fill in (PLACEHOLDER), one in another domain's zone, one
    whose report mailbox is the engine's example (example_mailbox), a name
    and kind for which two fixes suggest different records (each fix mends its own finding:
    publishing both would make two SPF or DMARC records, which count as none), and a record
    another fix offers only after its file or steps (held back there, held back here). A
    record of a kind `published` (published_records) already holds at its name replaces that
    record: it is among `replacements`, never among the lines copied all at once."""
    published = published or {}
    domain = domain.lower().rstrip(".")
    candidates: list[FixPart] = []
    left_out: dict[str, str] = {}
    # Kinds of record a fix offers only after its policy file or other steps: no other fix
    # puts one on the clipboard alone (an MTA-STS record repaired by MTASTS-05 while
    # MTASTS-10 says to serve the file first would announce a policy nobody serves).
    held_back: set[tuple[str, str, str]] = set()

    def leave_out(part: FixPart, why: str) -> None:
        left_out.setdefault(f"{part.name} ({part.rtype})", why)

    every_parts = [fix_parts(fix) for fix in fixes]
    # Which fix offers which value of each kind: a rival is another fix's other value.
    offers: dict[tuple[str, str, str], set[tuple[int, str]]] = {}
    for number, parts in enumerate(every_parts):
        for part in parts:
            if part.kind == "record":
                offers.setdefault(_kind(part), set()).add((number, part.rdata))

    for number, parts in enumerate(every_parts):
        records = [p for p in parts if p.kind == "record"]
        alone = all(p.kind == "record" for p in parts)
        has_file = any(p.kind == "file" for p in parts)
        for part in records:
            if has_file or not alone:
                held_back.add(_kind(part))
            # Rivals first: since a634496d a fix whose record another fix offers differently
            # carries the one-record note after it, which would make it one with steps.
            if any(n != number and v != part.rdata for n, v in offers[_kind(part)]):
                leave_out(part, "the fixes suggest different records for it")
            elif has_file:
                leave_out(part, "publish it once its policy file is served")
            elif not alone:
                leave_out(part, "its fix has steps besides the record")
            elif PLACEHOLDER.search(part.rdata):
                leave_out(part, "it has a value to fill in")
            elif part.name.lower() != domain and not part.name.lower().endswith("." + domain):
                leave_out(part, "it is in another domain's zone")
            elif example := example_mailbox(part.rdata, domain):
                # The engine's invented mailbox: published as it is, every report is lost.
                leave_out(part, f"{example} is an example: name a mailbox that exists")
            else:
                candidates.append(part)
    lines: list[str] = []
    replacements: list[Replacement] = []
    for part in candidates:
        if _kind(part) in held_back:
            leave_out(part, "its fix has steps besides the record")  # the first reason stays
            continue
        if len({value for _, value in offers[_kind(part)]}) > 1:
            leave_out(part, "the fixes suggest different records for it")
            continue
        line = f"{part.name}. {part.rtype} {part.rdata}"
        if replaces := _replaced(part, published):
            if all(r.part.rdata != part.rdata or r.part.name != part.name for r in replacements):
                replacements.append(Replacement(part, replaces))
        elif line not in lines:
            lines.append(line)
    for number, replacement in enumerate(replacements, start=1):
        part = replacement.part
        part.copy_id = f"replace-record-{number}"
        part.label = f"Copy the {part.rtype} record at {part.name} to replace the published one"
    return ZoneRecords(lines, list(left_out.items()), replacements)
