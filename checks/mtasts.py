"""MTA-STS (RFC 8461): the `_mta-sts` TXT record, the HTTPS policy, and whether the policy and
the MX hosts agree (checklist §2, MTASTS-01..36).

The parsers are pure and never raise; they return problems as data (check ID, status, text) and
the evaluator turns them into findings. `get_policy(ctx)` is the shared fact: what an RFC 8461
sender would conclude about this domain.
"""

from __future__ import annotations

import asyncio
import hashlib
import ipaddress
import re
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin

from checks import certs, https, mx, net, tlsrpt
from checks.context import CheckContext
from checks.dns import (
    DnsAnswer,
    held_txt_records,
    in_place_of_empty,
    misplaced_lookup,
    misplaced_note,
    moved_fix,
    no_mail_misplaced_note,
    not_the_record,
    quote_txt,
    txt_fix,
)
from checks.domainname import _to_a_labels, organizational_domain
from checks.findings import (
    Collector,
    Finding,
    Mechanism,
    Problem,
    Status,
    counted,
    noun_for,
    series,
)
from checks.lookalike import Unquoted, full_width, lookalikes, unquoted

MECHANISM = Mechanism.MTASTS

POLICY_PATH = "/.well-known/mta-sts.txt"
MAX_POLICY_BYTES = 65536  # RFC 8461 §3.3 suggested limit; postfix-mta-sts-resolver hard-fails above
MAX_AGE_LIMIT = 31557600  # RFC 8461 §3.2
SLOW_FETCH_MS = 10_000  # heuristic latency threshold (MTASTS-16 warn)
KEPT_POLICY_LINES = 60  # lines of the policy text kept in MTASTS-20's evidence

# RFC 8461 §3.1 ABNF
_STS_ID = re.compile(r"[A-Za-z0-9]{1,32}")
_EXT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,31}")
_EXT_VALUE = re.compile(r"[\x21-\x3a\x3c\x3e-\x7e]+")
_WSP = " \t"
# RFC 8461 §3.2 ABNF: a policy line is name ":" *WSP value *WSP
_POLICY_LINE = re.compile(r"([A-Za-z0-9][A-Za-z0-9_.-]{0,31}):[ \t]*(.*?)[ \t]*")
# A byte that is not UTF-8, as decoding with errors="surrogateescape" leaves it.
_NOT_UTF8 = re.compile("[\udc80-\udcff]")
_LDH_LABEL = re.compile(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)")
KNOWN_POLICY_KEYS = ("version", "mode", "max_age", "mx")
MODES = ("enforce", "testing", "none")
# Mode values that say "switch it off" (s43j-modeoff): what is meant is none, RFC 8461 §8.3's
# removal path, not testing, which senders still apply.
OFF_MODES = frozenset({"off", "disabled", "disable", "false", "no"})


# --------------------------------------------------------------------------------------------
# The _mta-sts TXT record (RFC 8461 §3.1)


@dataclass
class StsRecord:
    raw: str
    id: str | None = None
    extensions: dict[str, str] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    # Begins with the exact literal "v=STSv1;" (the §3.1 discard rule).
    strict_prefix: bool = False
    # Begins with "v=STSv1" followed by whitespace and ";": legal by the ABNF (`sts-field-delim
    # = *WSP ";" *WSP`), so a lone record is valid; the literal "v=STSv1;" discard rule applies
    # only when several TXT records are returned (RFC 8461 §3.1; erratum 6285).
    spaced_prefix: bool = False

    @property
    def is_sts(self) -> bool:
        """A record the §3.1 discovery counts (exact prefix, or the whitespace variant)."""
        return self.strict_prefix or self.spaced_prefix

    @property
    def valid(self) -> bool:
        return not any(p.invalidates for p in self.problems)


def looks_like_sts(text: str) -> bool:
    """Any record that seems meant as an MTA-STS record, even a broken one."""
    return "v=stsv1" in text.lower()


# A version field first ('v=STSv10', 'V=STSV2', 'v=STS1'), its value ending at a delimiter's
# blank or ';' or at the end: the version a record names (RFC 8461 §3.1's sts-version).
_VERSION_FIRST = re.compile(r"v=(STS[A-Za-z0-9._-]*)(?=[ \t;]|$)", re.IGNORECASE)


def other_version(text: str) -> bool:
    """Whether the TXT `text` begins with a version field naming a version other than STSv1
    ('v=STSv2; id=1', 'v=STSv10; id=1', 'v=STSv1x', 'v=STS1'): a record of no version senders
    know, which they discard however they read the version (RFC 8461 §3.1: STSv1 is the only
    one defined), not the STSv1 record written wrong. 'V=STSv1' (its case, MTASTS-04), 'v=STSv1
    id=1' (no ';') and 'v=STSv1,id=1' are the STSv1 record written wrong."""
    if not text.lower().startswith("v=sts"):
        return False
    first = _VERSION_FIRST.match(text)
    if first is None:
        # 'v=STSv2,id=1': no version token alone, and none meant as STSv1 in it.
        return not looks_like_sts(text)
    return first[1].lower() != "stsv1"


def _version_field(first: str) -> str:
    """The version field a record's first field (before its first ';') names, as written:
    'v=STSv10' of 'v=STSv10 id=1' too, where no ';' ends it (s42l), so that no version is
    quoted with the field after it; the whole first field when no version stands alone in it
    ('v=STSv2,id=1'). MTASTS-04 and MTASTS-01 (_unknown_versions) quote the same words."""
    token = _VERSION_FIRST.match(first)
    return token[0] if token else first.rstrip(_WSP)


# The id field's value, as written, wherever the field is.
_ID_IN_TEXT = re.compile(r"(?:^|;)[ \t]*id[ \t]*=[ \t]*([^; \t]*)")


def _as_published(value: str, raw: bytes | str) -> tuple[str, list[int]]:
    """`value`, a part of the record read from `raw`, quoted as the owner finds it in the zone,
    and the bytes in it that are not UTF-8: the reading turns each run the decoder rejects
    into one '\ufffd', shown here as the run's escapes ('2024\\xe9' for a Latin-1 'é').
    repr() and none for any other."""
    if "\ufffd" not in value or not isinstance(raw, bytes | bytearray):
        return repr(value), []
    # The record read as parse_sts_record reads it, with the bytes each '\ufffd' the decoder
    # wrote stands for (a '\ufffd' published as itself stands for none), found in one pass:
    # a pattern built from the value, one group per character, costs far more to compile.
    data, at, length = memoryview(bytes(raw)), 0, 0
    read: list[str] = []
    replaced: dict[int, bytes] = {}  # by its place in the text read
    while at < len(data):
        try:
            read.append(str(data[at:], "utf-8"))
            break
        except UnicodeDecodeError as error:
            read.append(str(data[at : at + error.start], "utf-8"))
            length += len(read[-1])
            replaced[length] = bytes(data[at + error.start : at + error.end])
            read.append("\ufffd")
            length += 1
            at += error.end
    first = "".join(read).find(value)
    if first < 0:
        return repr(value), []
    shown: list[str] = []
    codes: list[int] = []
    for index, char in enumerate(value, start=first):
        if index in replaced:
            codes += replaced[index]
            shown += [f"\\x{code:02x}" for code in replaced[index]]
        else:
            shown.append(char)
    return f"'{''.join(shown)}'", codes


def _not_utf8_words(codes: list[int]) -> str:
    """'\\xe9 is a byte that is not UTF-8 ('é' in Latin-1)': what the bytes of _as_published
    are, with the Latin-1 characters they likely were (a zone or panel saved in Latin-1)."""
    escapes = list(dict.fromkeys(f"\\x{code:02x}" for code in codes))
    words = f"{series(escapes)} {'is a byte' if len(escapes) == 1 else 'are bytes'} that "
    words += f"{'is' if len(escapes) == 1 else 'are'} not UTF-8"
    if all(code >= 0xA0 for code in codes):  # 0x80-0x9F are control codes in Latin-1
        latin1 = list(dict.fromkeys(repr(bytes([code]).decode("latin-1")) for code in codes))
        words += f" ({series(latin1)} in Latin-1)"
    return words


def quoted_sts(text: str) -> Unquoted | None:
    """The TXT `text` without the quotes it was published between ('"v=STSv1; id=1;"',
    typographic ones from a document), when the record inside them begins with "v=STSv1":
    a record MTASTS-04 names; None otherwise (no quotes, or no "v=STSv1" inside them)."""
    around = unquoted(text)
    if around is None or not around.leading or not around.text.startswith("v=STSv1"):
        return None
    return around


def parse_sts_record(raw: bytes | str) -> StsRecord:
    """Parse one `_mta-sts` TXT record (character-strings already joined). Never raises."""
    problems: list[Problem] = []
    text = (
        bytes(raw).decode("utf-8", errors="replace")
        if isinstance(raw, bytes | bytearray)
        else str(raw)
    )
    pasted = lookalikes(text)
    around = quoted_sts(text)
    if around is not None and around.text.isascii():
        pass  # Only the quotes around it, which MTASTS-04 names below.
    elif pasted is not None:
        # One fault, named as what it is: read as written, the field holding the character
        # is "not name=value" and the record "has no id", which the owner cannot see. The
        # record to retype is the fix's, with a new id as every fix of the record has (a
        # sender holding a policy from before the record broke fetches it again, §5.1), as
        # MTASTS-04 says for quotes: writing out the owner's id would tell another record.
        problems.append(
            Problem(
                "MTASTS-08",
                Status.FAIL,
                f"The record contains {pasted.describe()}: it {pasted.fault}, "
                "and RFC 8461 §3.1 requires US-ASCII, so senders that follow "
                "the grammar discard the record and apply no policy. Retype the record by "
                "hand, with a new id, so that senders fetch the policy again.",
                True,
            )
        )
    elif (wide := full_width(text)) is not None:
        # An input method's full-width digits or letters ('id=２０２６０６'): "non-ASCII bytes"
        # leaves the owner looking at an id that reads as digits. Named, with the ASCII,
        # and the id in ASCII where it is more than one run of them ('ＡＢ12').
        wide_id = _ID_IN_TEXT.search(text)
        ascii_id = _ID_IN_TEXT.search(wide.ascii)
        id_note = ""
        if wide_id and ascii_id and wide_id[1] != ascii_id[1] and wide_id[1] not in wide.runs:
            id_note = f" (the id {wide_id[1]!r} in ASCII is {ascii_id[1]!r})"
        problems.append(
            Problem(
                "MTASTS-08",
                Status.FAIL,
                f"The record contains {wide.describe()}{id_note}, and RFC 8461 §3.1 requires "
                "US-ASCII, so senders that follow the grammar discard the record and apply no "
                "policy. Retype the record in ASCII, with a new id, so that senders fetch the "
                "policy again.",
                True,
            )
        )
    elif isinstance(raw, bytes | bytearray) and not all(b < 0x80 for b in raw):
        problems.append(
            Problem(
                "MTASTS-08",
                Status.FAIL,
                "The record contains non-ASCII bytes; RFC 8461 §3.1 requires US-ASCII.",
                True,
            )
        )
    elif not text.isascii():
        problems.append(
            Problem(
                "MTASTS-08",
                Status.FAIL,
                "The record contains non-ASCII characters; RFC 8461 §3.1 requires US-ASCII.",
                True,
            )
        )
    record = StsRecord(raw=text, problems=problems)
    record.strict_prefix = text.startswith("v=STSv1;")
    parts = text.split(";")
    first = parts[0]
    record.spaced_prefix = (
        not record.strict_prefix and first.rstrip(_WSP) == "v=STSv1" and len(parts) > 1
    )
    if record.spaced_prefix:
        # Not invalidating: the ABNF accepts it and so does postfix-mta-sts-resolver; senders
        # that always key on the literal prefix disagree (checklist MTASTS-06: warn). The
        # quote shows what was published: a tab is invisible in a quote, so it is named.
        gap = first[len("v=STSv1") :]
        what = {" ": "A space", "\t": "A tab"}.get(gap, "Whitespace")
        shown = "v=STSv1" + gap.replace("\t", "<tab>") + ";"
        problems.append(
            Problem(
                "MTASTS-06",
                Status.WARN,
                f"{what} before the first ';' (\"{shown}\"): the grammar allows it "
                '(RFC 8461 §3.1), but the discovery rule names the literal "v=STSv1;" '
                "(erratum 6285): senders that always look for it ignore the record, and next "
                'to another TXT record it is discarded. Write "v=STSv1;".',
                False,
            )
        )
    elif first != "v=STSv1":
        if first.strip(_WSP) == "v=STSv1" and first[:1] in (" ", "\t"):
            msg = (
                'The record begins with whitespace before "v=STSv1"; the version must be the '
                "very first thing in the record (RFC 8461 §3.1), so senders discard it."
            )
        elif first.strip(_WSP) == "v=STSv1":
            msg = (
                f"The record {text.strip()!r} has no ';' after \"v=STSv1\" and so no id field; "
                'it must begin with "v=STSv1;" (RFC 8461 §3.1), so senders discard it.'
            )
        elif around is not None:
            # '"v=STSv1; id=1"', or typographic quotes from a document: named as such. The
            # record to publish is the fix's, with a new id as every fix of the record has
            # (a sender holding a policy from before the record broke fetches it again,
            # §5.1): writing out the owner's id here would tell another record than the fix.
            msg = (
                f"The record is {around.describe()}: {around.whose}, so it does not begin "
                'with "v=STSv1;" (RFC 8461 §3.1) and senders discard it. Retype it without '
                f"{around.them}, with a new id, so that senders fetch the policy again."
            )
        elif (
            first[:7].lower() == "v=stsv1"
            and first[7:].strip(_WSP) != ""
            and not other_version(text)
        ):
            # 'v=STSv1 id=1', 'v=STSv1,id=1': STSv1 with the next field after it and no ';'
            # between (the grammar's sts-field-delim is *WSP ";" *WSP). Said so, with the
            # record: "its version field is 'v=STSv1 id=1'" named no version (s42l).
            if first.startswith("v=STSv1"):
                msg = (
                    f'The record {text!r} does not begin with "v=STSv1;": "v=STSv1" must be '
                    'followed by ";" before the next field (RFC 8461 §3.1), so senders '
                    "discard it."
                )
            else:
                msg = (
                    f"The record {text!r} starts with {first[:7]!r}; the version must be "
                    'exactly "v=STSv1" (case-sensitive) at the very start, followed by ";" '
                    "before the next field (RFC 8461 §3.1), so senders discard it."
                )
        elif first.strip(_WSP).lower() == "v=stsv1":
            msg = (
                f"The record starts with {first.strip()!r}; the version must be exactly "
                '"v=STSv1" (case-sensitive) at the very start (RFC 8461 §3.1).'
            )
        elif first.lower().startswith("v=sts"):
            # 'v=STSv10', 'v=STSv2': the version field is first, its value is not STSv1
            # (s41m; s42b for any other version, which was told only "does not begin").
            # Without a ';' after it ('v=STSv10 id=1') the field is the version alone (s42l).
            msg = (
                'The record does not begin with "v=STSv1;": its version field, first as it '
                f"must be, is {_version_field(first)!r}, and STSv1 is the only version defined "
                "(RFC 8461 §3.1), so senders discard it."
            )
        elif looks_like_sts(text):
            msg = (
                'The record does not begin with "v=STSv1;"; the version must come first '
                "(RFC 8461 §3.1), so senders discard it."
            )
        else:
            msg = 'The record does not begin with "v=STSv1;".'
        problems.append(Problem("MTASTS-04", Status.FAIL, msg, True))
        # Senders discard such a record outright; its other fields do not matter.
        return record
    seen_id = False
    # After MTASTS-08 for pasted characters, the fields are read as the owner meant them (the
    # discovery prefix above stays the published text's: senders key on that).
    source = pasted.cleaned if pasted is not None else text
    fields = source.split(";")[1:]
    # A final ";" is allowed (`[sts-field-delim]`): drop the empty tail.
    if fields and fields[-1].strip(_WSP) == "":
        fields = fields[:-1]
    # A record holding 'id=' as well reads its 'ID=' as an extension (sts-ext-name allows
    # capitals): the record is valid, nothing to retype (review s48r5).
    has_id = any(part.strip(_WSP).partition("=")[0] == "id" for part in fields)
    for part in fields:
        item = part.strip(_WSP)
        if item == "":
            # `1*(sts-field-delim sts-field) [sts-field-delim]` (RFC 8461 §3.1): a field must
            # stand between two ';', so ";;" makes the record syntactically invalid, and senders
            # then MUST assume there is no policy. postfix-mta-sts-resolver skips empty fields.
            problems.append(
                Problem(
                    "MTASTS-07",
                    Status.FAIL,
                    "The record has an empty field between two ';' (\";;\"); the grammar "
                    "(RFC 8461 §3.1) has none, so senders that follow it treat the record as "
                    "invalid and apply no policy (some, like postfix-mta-sts-resolver, skip "
                    "it). Remove the extra ';'.",
                    True,
                )
            )
            continue
        name, eq, value = item.partition("=")
        spaced_id = value.strip(_WSP)
        if (
            not seen_id
            and name.rstrip(_WSP) == "id"
            and (name != "id" or value != spaced_id)
            and _STS_ID.fullmatch(spaced_id)
        ):
            # 'id = 20261202': the id field with spaces around '=', one slip, not an invalid
            # extension beside a missing id. sts-id = %s"id=" 1*32(ALPHA / DIGIT) has nothing
            # between them (RFC 8461 §3.1), so senders find no id (postfix-mta-sts-resolver
            # reads the key 'id ') and discard the record.
            seen_id = True
            retyped_record = source.replace(item, f"id={spaced_id}", 1).strip(_WSP)
            problems.append(
                Problem(
                    "MTASTS-05",
                    Status.FAIL,
                    f"The id field {item!r} has spaces around '='; RFC 8461 §3.1 writes it "
                    "'id=' directly followed by 1 to 32 letters and digits, so senders find no "
                    f"id and discard the record. Write it {retyped_record!r}.",
                    True,
                )
            )
            continue
        if (
            not seen_id
            and not has_id
            and name != "id"
            and name.lower() == "id"
            and _STS_ID.fullmatch(spaced_id)
            and value == spaced_id
        ):
            # 'ID=20261203' (s48i): sts-id = %s"id=" is case-sensitive (RFC 8461 §3.1), so
            # 'ID' is only an extension's name, and the record has no id: senders discard it.
            # One slip, named as such rather than "no id field" beside an unknown field.
            seen_id = True
            retyped_record = source.replace(item, f"id={value}", 1).strip(_WSP)
            problems.append(
                Problem(
                    "MTASTS-05",
                    Status.FAIL,
                    f"The id field is written {item!r}; RFC 8461 §3.1 writes its name 'id=' "
                    "in lower case and reads it case-sensitively, so senders take "
                    f"{name + '='!r} for an unknown field, find no id and discard the record. "
                    f"Write it {retyped_record!r}.",
                    True,
                )
            )
            continue
        if name == "id":
            if seen_id:
                if not (_STS_ID.fullmatch(value) or _EXT_VALUE.fullmatch(value)):
                    # Neither an sts-id nor an sts-extension: the record is syntactically
                    # invalid, and senders then assume there is no policy (RFC 8461 §3.1).
                    problems.append(
                        Problem(
                            "MTASTS-05",
                            Status.FAIL,
                            f"A second id field ({item!r}) is not a valid field (an id is 1 to "
                            "32 letters and digits, RFC 8461 §3.1), so senders discard the "
                            "record. Keep only the first id.",
                            True,
                        )
                    )
                    continue
                problems.append(
                    Problem("MTASTS-05", Status.WARN, f"A second id ({value!r}) is ignored.", False)
                )
                continue
            seen_id = True
            quoted = unquoted(value)
            if _STS_ID.fullmatch(value):
                record.id = value
            elif quoted is not None and _STS_ID.fullmatch(quoted.text):
                # 'v=STSv1; id=20260601T0000"' (also before a last ';'): the closing quote of a
                # zone-file line the DNS panel kept as text, or quotes typed around the id.
                # Named as the quotes around a whole record are (MTASTS-04); still invalid.
                # The record to publish is the fix's: the same one with a new id, as for any
                # change of the record (senders fetch the policy again).
                problems.append(
                    Problem(
                        "MTASTS-05",
                        Status.FAIL,
                        f"The id {value!r} is {quoted.describe()}: {quoted.whose}, so it is "
                        "not only letters and digits (RFC 8461 §3.1 allows 1 to 32 letters "
                        "and digits only) and senders discard the record. Retype the record "
                        f"without {quoted.them}.",
                        True,
                    )
                )
            else:
                shown, codes = _as_published(value, raw)
                why = (
                    "is longer than 32 characters"
                    if len(value) > 32
                    else ("is empty" if not value else "is not only letters and digits")
                )
                if codes:
                    why = f"is not only letters and digits: {_not_utf8_words(codes)}"
                elif (wide := full_width(value)) is not None and len(value) <= 32:
                    # As MTASTS-08 names them: they read as digits to the owner.
                    why = f"holds {wide.describe()}, not ASCII ones"
                problems.append(
                    Problem(
                        "MTASTS-05",
                        Status.FAIL,
                        f"The id {shown} {why}; RFC 8461 §3.1 allows 1 to "
                        "32 letters and digits only.",
                        True,
                    )
                )
            continue
        if not eq or not _EXT_NAME.fullmatch(name) or not _EXT_VALUE.fullmatch(value):
            problems.append(
                Problem(
                    "MTASTS-07",
                    Status.FAIL,
                    f"The field {_as_published(item, raw)[0]} is not a valid name=value "
                    "extension: "
                    f"{tlsrpt.field_fault(name, eq, value)} (RFC 8461 §3.1).",
                    True,
                )
            )
            continue
        record.extensions.setdefault(name, value)
        problems.append(
            Problem(
                "MTASTS-07",
                Status.INFO,
                f"Unknown field {name}={value} is ignored by senders.",
                False,
            )
        )
    # No id among the fields, or no field at all ('v=STSv1;').
    if not seen_id and first.strip(_WSP).lower() == "v=stsv1":
        problems.append(
            Problem(
                "MTASTS-05",
                Status.FAIL,
                "The record has no id field; RFC 8461 §3.1 requires one.",
                True,
            )
        )
    return record


# --------------------------------------------------------------------------------------------
# The policy file (RFC 8461 §3.2)


@dataclass
class MxEntry:
    value: str
    pattern: str | None  # normalised usable pattern, or None when the entry is unusable


@dataclass
class Policy:
    version: str | None = None
    mode: str | None = None
    mode_written: str | None = None  # the first mode line's value as published, valid or not
    max_age: int | None = None
    # A valid max_age written with a comment after it ('2592000 # thirty days'): what the owner
    # meant, which a fix keeps (senders read no value at all; MTASTS-23).
    max_age_meant: int | None = None
    mx: list[str] = field(default_factory=list)  # usable patterns, lower case, no trailing dot
    mx_entries: list[MxEntry] = field(default_factory=list)
    extensions: dict[str, str] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not any(p.invalidates for p in self.problems)

    @property
    def numeric_mx(self) -> list[str]:
        """The mx values written as an IPv4 address ('mx: 192.0.2.1'), once each. MTASTS-25
        fails them, but they are still mx fields: RFC 8461 §3.2's value is a Domain of RFC 5321
        §4.1.2, whose labels may be all digits, so senders keep each as a pattern (postfix-tlspol
        #70) and the policy stays valid (no MTASTS-24). No MX host name matches one (its last
        label is never all digits, RFC 1123 §2.1): under enforce such a line covers no MX
        (MTASTS-30). Not in `mx`, which the fixes build the file from."""
        return list(
            dict.fromkeys(
                e.value.rstrip(".")
                for e in self.mx_entries
                if e.pattern is None and _dotted_quad(e.value)
            )
        )


def _dotted_quad(value: str) -> bool:
    """'192.0.2.1' (a trailing dot allowed, as for host names): an IPv4 address that is also
    a Domain by RFC 5321 §4.1.2's grammar. Not '[192.0.2.1]' nor an IPv6 address (no Domain)."""
    try:
        ipaddress.IPv4Address(value.removesuffix("."))
    except ValueError:
        return False
    return True


def mx_a_label(value: str) -> str | None:
    """An mx value written in Unicode ("mx2.müller.example", "*.müller.example") as its
    A-labels, lower case, without a trailing dot; None when a label does not encode."""
    try:
        return ".".join(
            label if label.isascii() else _to_a_labels(label)
            for label in value.strip().rstrip(".").split(".")
        ).lower()
    except UnicodeError:
        return None


def check_mx_value(value: str) -> tuple[str | None, list[Problem]]:
    """Validate one `mx:` value (RFC 8461 §3.2 `["*."] Domain`, A-labels). Never raises."""
    problems: list[Problem] = []
    if value == "":
        return None, [Problem("MTASTS-25", Status.FAIL, "An mx line has no value.")]
    if "#" in value:
        # As _commented says it for the other fields: the host and the comment apart, without
        # the run of blanks between them (s40d-mxcomment).
        before, _, after = value.partition("#")
        host, comment = before.strip(_WSP), " ".join(f"#{after}".split())
        written = f"The mx value {host!r} is followed by the comment {comment!r}"
        write = f"Write 'mx: {host}' alone on its line."
        if not host:
            written, write = f"The mx value {comment!r} is a comment", "Remove the comment."
        return None, [
            Problem(
                "MTASTS-25",
                Status.FAIL,
                f"{written}; the policy format has no comments (RFC 8461 §3.2), so senders "
                f"read it all as the host name and match nothing. {write}",
            )
        ]
    if any(c in value for c in ", \t"):
        return None, [
            Problem(
                "MTASTS-26",
                Status.FAIL,
                f"The mx value {value!r} holds several names; each MX needs its "
                'own "mx:" line (RFC 8461 §3.2).',
            )
        ]
    try:
        # Strip a trailing dot first: "192.0.2.1." is still an IP address, not a host name.
        ipaddress.ip_address(value.rstrip(".").strip("[]"))
    except ValueError:
        pass
    else:
        return None, [
            Problem(
                "MTASTS-25",
                Status.FAIL,
                f"mx: {value} is an IP address; the policy must list MX host "
                "names (RFC 8461 §3.2), so senders cannot match it.",
            )
        ]
    host = _with_port(value)
    if host is not None:
        return None, [
            Problem(
                "MTASTS-25",
                Status.FAIL,
                f"mx: {value} carries a port; an mx value is the host name alone (RFC 8461 "
                "§3.2, a Domain of RFC 5321 §4.1.2), so senders match no MX with it (they "
                f"connect on port 25 anyway). Write 'mx: {host}'.",
            )
        ]
    pasted = lookalikes(value, before="mx: ")
    if pasted is not None:
        # "mx: mx1.example.com\u00a0": the name is ASCII; an A-label is not the fix.
        return None, [
            Problem(
                "MTASTS-25",
                Status.FAIL,
                f"The mx line for {pasted.cleaned.strip()} holds {pasted.describe()}: it looks "
                f"like {pasted.looks_like} but is not ASCII (RFC 8461 §3.2), so senders that "
                "follow the grammar read a name no MX has. Retype the line by hand.",
            )
        ]
    if not value.isascii():
        a_label = mx_a_label(value)
        return None, [
            Problem(
                "MTASTS-25",
                Status.FAIL,
                f"mx: {value} is not ASCII; write the name as its A-label "
                + (f"'{a_label}'" if a_label else "(xn--...)")
                + " as RFC 8461 §3.2 requires: senders compare A-labels, so they match no "
                "MX with this line.",
            )
        ]
    name = value
    if name.endswith("."):
        problems.append(
            Problem(
                "MTASTS-25",
                Status.WARN,
                f"mx: {value} ends with a dot; the policy grammar has no "
                "trailing dot and some senders will not match it.",
            )
        )
        name = name[:-1]
    if name.startswith("."):
        return None, [
            Problem(
                "MTASTS-25",
                Status.FAIL,
                f"mx: {value} starts with a dot (an old draft syntax); write "
                f'"*{name}" to match one label below {name[1:]}.',
            )
        ]
    wildcard = name.startswith("*.")
    rest = name[2:] if wildcard else name
    if "*" in rest:
        return None, [
            Problem(
                "MTASTS-25",
                Status.FAIL,
                f"mx: {value} uses '*' other than as the whole left-most label (RFC 8461 §4.1).",
            )
        ]
    labels = rest.split(".")
    if len(rest) > 253 or not all(_LDH_LABEL.fullmatch(lbl) for lbl in labels):
        return None, [Problem("MTASTS-25", Status.FAIL, f"mx: {value} is not a valid host name.")]
    return ("*." if wildcard else "") + rest.lower(), problems


def _with_port(value: str) -> str | None:
    """The host of an mx value written with a port ('mx1.example.com:25', Postfix's
    '[mx1.example.com]:25', '*.mx.example.com:25'), None for anything else. Not an address
    with a port: 'mx: 192.0.2.1' is no fix either."""
    host, colon, port = value.rpartition(":")
    host = host.removeprefix("[").removesuffix("]")
    if not colon or not port.isdigit() or not host.isascii():
        return None
    name = host.removeprefix("*.").rstrip(".")
    if _dotted_quad(name) or not all(_LDH_LABEL.fullmatch(label) for label in name.split(".")):
        return None
    return host


def _utf16(raw: bytes) -> str:
    """The codec ("UTF-16LE", "UTF-16BE") of a body saved as UTF-16 (Notepad's "Unicode",
    Windows PowerShell's Out-File), known by its byte-order mark or by the NUL byte beside
    each ASCII character of a policy; '' otherwise."""
    if raw.startswith(b"\xff\xfe"):
        return "UTF-16LE"
    if raw.startswith(b"\xfe\xff"):
        return "UTF-16BE"
    if len(raw) >= 8 and len(raw) % 2 == 0:
        if not any(raw[1::2]) and all(raw[0::2]):
            return "UTF-16LE"
        if not any(raw[0::2]) and all(raw[1::2]):
            return "UTF-16BE"
    return ""


def _split_lines(text: str) -> tuple[list[str], bool]:
    """Lines per `sts-policy-term = LF / CRLF`; True when a bare CR (not a terminator) occurs."""
    bare_cr = bool(re.search(r"\r(?!\n)", text))
    lines = re.split(r"\r\n|\n|\r", text) if bare_cr else re.split(r"\r?\n", text)
    if lines and lines[-1] == "":
        lines.pop()  # the final terminator is optional
    return lines, bare_cr


def _stray_cr_blanks(text: str, lines: list[str]) -> set[int]:
    """Numbers of the empty lines (as `_split_lines` counts them with a bare CR) that a stray
    CR before CRLF or LF made: in CR CR LF the first CR ends a line only for senders that
    split at any CR, and they find an empty line that the file does not have (the grammar
    joins it to the line before). Not blank lines to report (MTASTS-29); MTASTS-19 says it.
    An empty line between two bare CRs is a real one in a CR-only file, so it stays."""
    ends = [m.group() for m in re.finditer(r"\r\n|\n|\r", text)]
    return {
        number
        for number in range(2, min(len(lines), len(ends)) + 1)
        if lines[number - 1] == "" and ends[number - 2] == "\r" and ends[number - 1] != "\r"
    }


def _bare_cr_problem(text: str, lines: list[str]) -> Problem:
    """MTASTS-19 for a body with a bare CR, saying what each kind of sender makes of it.

    `sts-policy-term = LF / CRLF` (RFC 8461 §3.2): a CR alone ends no line, so a parser that
    follows the grammar joins the text on both sides of it. Senders differ:
    postfix-mta-sts-resolver reads the body with str.splitlines() and rstrip(), which split on
    a bare CR and drop a trailing one, and accepts every such file.
    """
    if re.fullmatch(r"(?:[^\r]|\r\n)*\r+", text, re.S):
        # Only after the last line: nothing is joined, but by the grammar the last value
        # carries a stray CR (not VCHAR), so strict parsers reject the policy while lenient
        # ones strip it. Checklist MTASTS-19 fails any bare CR ("CR-only or mixed CR"): a
        # policy some senders drop is not one to rely on.
        last = _short(lines[-1]) if lines else "the last line"
        return Problem(
            "MTASTS-19",
            Status.FAIL,
            f"The policy ends with a bare CR after its last line ({last}). Only LF or CRLF "
            "end a line (RFC 8461 §3.2), so to a parser that follows the grammar the last "
            "value ends in a stray CR and the policy is invalid; some senders "
            "(postfix-mta-sts-resolver) strip it. End the file with LF, CRLF or nothing.",
            True,
        )
    advice = (
        "Some senders (postfix-mta-sts-resolver) split lines at a CR anyway; senders that "
        "follow the grammar drop the policy."
    )
    if not re.search(r"\r(?!\r?\n)", text):
        # Every bare CR sits right before a CRLF: lines end CR CR LF, a CRLF file given CRLF
        # line ends again (unix2dos twice, an FTP ASCII upload). The admin's editor shows
        # the lines as they are, so number them as LF ends them (s22n-crcrlf).
        numbers = [text.count("\n", 0, m.start()) + 1 for m in re.finditer(r"\r\r\n", text)]
        shown = ", ".join(map(str, numbers[:5])) + (", …" if len(numbers) > 5 else "")
        return Problem(
            "MTASTS-19",
            Status.FAIL,
            f"Line{'s' if len(numbers) > 1 else ''} {shown} end{'' if len(numbers) > 1 else 's'} "
            "with CR CR LF (a file with CRLF line ends converted to CRLF again): only LF or "
            "CRLF end a line (RFC 8461 §3.2), so to a parser that follows the grammar each "
            f"value ends in a stray CR and the policy is invalid. {advice} Save the file "
            "with LF or CRLF line ends (one CR at most before each LF).",
            True,
        )
    if "\n" not in text:
        return Problem(
            "MTASTS-19",
            Status.FAIL,
            "The policy breaks its lines with a bare CR only; only LF or CRLF end a line "
            "(RFC 8461 §3.2), so a parser that follows the grammar reads the whole file as "
            f"one long invalid line. {advice} Save it with LF or CRLF line ends.",
            True,
        )
    # Line numbers as `lines` counts them (a bare CR ends a line there too).
    numbers: list[int] = []
    number = 1
    for match in re.finditer(r"\r\n|\n|\r", text):
        if match.group() == "\r" and match.end() < len(text):
            numbers.append(number)
        number += 1
    shown = ", ".join(map(str, numbers[:5])) + (", …" if len(numbers) > 5 else "")
    return Problem(
        "MTASTS-19",
        Status.FAIL,
        f"Line{'s' if len(numbers) > 1 else ''} {shown} end{'' if len(numbers) > 1 else 's'} "
        "with a bare CR; only LF or CRLF end a line (RFC 8461 §3.2), so a parser that "
        f"follows the grammar joins {'each of them' if len(numbers) > 1 else 'it'} to the "
        "next line into one invalid line. "
        f"{advice} Use LF or CRLF throughout.",
        True,
    )


# The check that judges each single-valued policy field's value (RFC 8461 §3.2).
_FIELD_CHECK = {"version": "MTASTS-21", "mode": "MTASTS-22", "max_age": "MTASTS-23"}


def _valid_policy_value(key: str, value: str) -> bool:
    """Whether a version, mode or max_age value is one senders accept (as parse_policy's
    MTASTS-21/22/23 rules decide it)."""
    if key == "version":
        return value == "STSv1"
    if key == "mode":
        return value in MODES
    return bool(re.fullmatch(r"[0-9]{1,10}", value)) and int(value) <= MAX_AGE_LIMIT


def _bom_text(rest: bytes) -> str:
    """MTASTS-21's summary for a policy starting with a UTF-8 byte-order mark: what strict
    senders then read on line 1, which is "\\ufeffversion" only when the version line comes
    first (s33m-verbomblank: an editor left the mark alone on an otherwise empty line 1)."""
    first = rest.split(b"\n", 1)[0].rstrip(b"\r").decode("utf-8", "replace")
    key = first.split(":", 1)[0].strip(_WSP)
    if not first.strip(_WSP):
        reads = (
            "line 1 holds nothing but the mark, which strict senders read as a line that is "
            "no field,"
        )
    elif ":" in first:
        reads = f'the first key reads "\\ufeff{key}"'
    else:
        reads = f'line 1 reads "\\ufeff{first}"'
    return (
        f"The policy starts with a UTF-8 byte-order mark, so {reads} and strict senders reject "
        "the policy. Save it without BOM."
    )


def _not_a_field_text(number: int, line: str) -> str:
    """MTASTS-28's text for a line that is no "key: value" field. An item of a YAML list
    ('  - mx1.example.org' under a bare 'mx:', s34m-mxyaml) is said as such, with the line
    the grammar wants: each MX has its own "mx:" key (RFC 8461 §3.2)."""
    item = re.fullmatch(r"[ \t]*-[ \t]+([^ \t]+)[ \t]*", line)
    if item is None and line[:1] in (" ", "\t") and _POLICY_LINE.fullmatch(line.lstrip(_WSP)):
        # A field but for its indent (s32m-mx24indent's tab-indented mx lines): the grammar
        # starts a field with its name (sts-policy-field, RFC 8461 §3.2).
        return (
            f'Line {number} ({_quoted_line(line)}) is not a "key: value" line, so the policy '
            "is invalid: a field name starts its line, with no blanks before it (RFC 8461 "
            "§3.2). Remove the indent."
        )
    if item is None:
        return (
            f'Line {number} ({_quoted_line(line)}) is not a "key: value" line, so the policy '
            "is invalid."
        )
    host = item.group(1)
    mx_line = f', "mx: {host}"' if re.fullmatch(r"(?:\*\.)?[A-Za-z0-9.-]+", host) else ""
    return (
        f'Line {number} is a list item ({_short("- " + host)}), not a "key: value" line, so the '
        f"policy is invalid: each MX needs a line of its own{mx_line} (RFC 8461 §3.2)."
    )


def _unknown_field_note(key: str, lines: int) -> str:
    """MTASTS-28's note on an extension field senders ignore, on `lines` lines."""
    repeated = f" It is on {lines} lines." if lines > 1 else ""
    return f"Unknown field {key!r} is ignored by senders (RFC 8461 §3.2).{repeated}"


def parse_policy(body: bytes | str) -> Policy:
    """Parse an MTA-STS policy body. Never raises; problems are returned as data."""
    policy = Policy()
    add = policy.problems.append
    raw = body if isinstance(body, bytes | bytearray) else str(body).encode("utf-8", "replace")
    if raw.startswith(b"\xef\xbb\xbf"):
        add(Problem("MTASTS-21", Status.FAIL, _bom_text(bytes(raw[3:])), True))
        raw = raw[3:]
    utf16 = _utf16(bytes(raw))
    if utf16:
        # Every line is garbage to a sender reading UTF-8: say why once instead of per line.
        add(
            Problem(
                "MTASTS-28",
                Status.FAIL,
                f"The policy file is saved as {utf16}; senders read it as ASCII or UTF-8 text "
                "(RFC 8461 §3.2) and find no valid line in it. Save it as UTF-8 without a "
                "byte-order mark (or plain ASCII).",
                True,
            )
        )
        policy.lines = _split_lines(bytes(raw).decode(utf16, "replace").lstrip("\ufeff"))[0]
        return policy
    # Bytes that are not UTF-8 (a file saved as Latin-1 or Windows-1252) are kept apart from
    # a U+FFFD the file really holds: only UTF-8 is allowed in a value (RFC 8461 §3.2). The
    # lines show them as U+FFFD.
    text = bytes(raw).decode("utf-8", errors="surrogateescape")
    lines, bare_cr = _split_lines(text)
    not_utf8 = {number for number, line in enumerate(lines, start=1) if _NOT_UTF8.search(line)}
    lines = [line.encode("utf-8", "surrogateescape").decode("utf-8", "replace") for line in lines]
    policy.lines = lines
    if bare_cr:
        add(_bare_cr_problem(text, lines))
    phantom = _stray_cr_blanks(text, lines) if bare_cr else set()
    seen: dict[str, str] = {}
    unknown_lines: dict[str, tuple[int, int]] = {}  # field -> (its note in problems, lines)
    recognised = False
    for number, line in enumerate(lines, start=1):
        if number in phantom:
            continue  # MTASTS-19 already says what this "line" is: half of CR CR LF
        if line.strip(_WSP) == "":
            add(
                Problem(
                    "MTASTS-29",
                    Status.WARN,
                    f"Line {number} "
                    + ("is empty" if line == "" else "holds only blanks")
                    + "; the policy grammar has no blank lines (most senders skip them).",
                )
            )
            continue
        if line.lstrip(_WSP).startswith("#"):
            add(
                Problem(
                    "MTASTS-29",
                    Status.WARN,
                    f"Line {number} is a comment; the policy grammar has no comments (most "
                    "senders skip them).",
                )
            )
            continue
        match = _POLICY_LINE.fullmatch(line)
        if match is None:
            spaced = re.fullmatch(r"[ \t]*([A-Za-z0-9_.-]+)[ \t]+:.*", line)
            if spaced:
                recognised = recognised or spaced.group(1).lower() in KNOWN_POLICY_KEYS
                add(
                    Problem(
                        "MTASTS-20",
                        Status.FAIL,
                        f"Line {number} ({_quoted_line(line)}) has a space before the colon; the "
                        "colon must follow the key directly (RFC 8461 §3.2).",
                        True,
                    )
                )
            else:
                long_name = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9_.-]{32,}):.*", line)
                add(
                    Problem(
                        "MTASTS-28",
                        Status.FAIL,
                        # A well-formed field but for its name's length (sts-policy-ext-name).
                        f"Line {number} ({_quoted_line(line)}): the field name has "
                        f"{len(long_name.group(1))} characters; a field other than version, "
                        "mode, mx and max_age may have a name of at most 32 (RFC 8461 §3.2), "
                        "so the policy is invalid. Shorten the name or delete the line."
                        if long_name
                        else _not_a_field_text(number, line),
                        True,
                    )
                )
            continue
        key, value = match.group(1), match.group(2)
        folded = key.lower().replace("-", "_")
        if key not in KNOWN_POLICY_KEYS and folded in KNOWN_POLICY_KEYS:
            recognised = True
            add(
                Problem(
                    "MTASTS-20",
                    Status.FAIL,
                    f'Line {number}: the key {key!r} must be written exactly "{folded}" '
                    "(keys are case-sensitive, RFC 8461 §3.2); senders ignore this line.",
                    # Per the ABNF the line is an extension field senders skip, so it does not
                    # void the policy; a required field it fails to set is caught by
                    # _field_rules as missing.
                    False,
                )
            )
            continue
        if key == "mx":
            recognised = True
            pattern, mx_problems = check_mx_value(value)
            policy.problems.extend(mx_problems)
            policy.mx_entries.append(MxEntry(value, pattern))
            if pattern is not None and pattern not in policy.mx:
                policy.mx.append(pattern)
            continue
        if key in KNOWN_POLICY_KEYS:
            recognised = True
            if key in seen:
                first = seen[key]
                if not _valid_policy_value(key, first):
                    # A bad first value voids the policy (MTASTS-21/22/23), whatever follows:
                    # senders discard it, they do not "use" the value.
                    said = (
                        f"{key} appears more than once; the first value ({first!r}) is not "
                        "valid, so senders discard the whole policy (see "
                        f"{_FIELD_CHECK[key]}) and the repeated line changes nothing. Keep "
                        f"one {key} line with a valid value."
                    )
                else:
                    said = (
                        f"{key} appears more than once; senders use the first value "
                        f"({first!r}) and ignore {value!r} (RFC 8461 §3.2)."
                    )
                add(Problem("MTASTS-27", Status.WARN, said))
                continue
            seen[key] = value
            if key == "version" and number != 1:
                add(
                    Problem(
                        "MTASTS-21",
                        Status.INFO,
                        "version is not the first line; the RFC allows that, but some "
                        "providers' documentation expects it first.",
                    )
                )
            continue
        # sts-policy-ext-value: visible ASCII or UTF-8, with spaces (%x20) inside but no tab
        # (RFC 8461 §3.2; the WSP around the value is the delimiter's and was cut off above).
        if "\t" in value:
            add(
                Problem(
                    "MTASTS-28",
                    Status.FAIL,
                    f"Line {number} ({_quoted_line(line)}): the value of {key!r} contains a tab; a "
                    "field value may hold spaces but no tabs (RFC 8461 §3.2), so the policy "
                    "is invalid. Replace the tab with a space.",
                    True,
                )
            )
            continue
        if number in not_utf8:
            add(
                Problem(
                    "MTASTS-28",
                    Status.FAIL,
                    f"Line {number} ({_quoted_line(line)}): the value of {key!r} holds bytes "
                    "that are not UTF-8 (shown as \ufffd; a file saved as Latin-1 or "
                    "Windows-1252?); a field value is ASCII or UTF-8 text (RFC 8461 §3.2), so "
                    "the policy is invalid. Save the file as UTF-8, or write the value in ASCII.",
                    True,
                )
            )
            continue
        if value and all(0x21 <= ord(c) <= 0x7E or ord(c) > 0x7F or c == " " for c in value):
            policy.extensions.setdefault(key, value)
            # One note per field name, however many lines repeat it (s34m-size64k: a tool's
            # 2043 'x-history:' lines were 2043 notes saying the same).
            index, count = unknown_lines.get(key, (len(policy.problems), 0))
            note = Problem("MTASTS-28", Status.INFO, _unknown_field_note(key, count + 1))
            if count:
                policy.problems[index] = note
            else:
                add(note)
            unknown_lines[key] = (index, count + 1)
        else:
            add(
                Problem(
                    "MTASTS-28",
                    Status.FAIL,
                    f"Line {number} ({_quoted_line(line)}) is not a valid field, so the policy is "
                    "invalid.",
                    True,
                )
            )
    if not recognised:
        # Not a policy at all (an HTML page, an empty file): one finding says so; listing every
        # missing field would only repeat it.
        if not lines or all(line.strip(_WSP) == "" for line in lines):
            add(Problem("MTASTS-28", Status.FAIL, "The policy file is empty.", True))
        elif not any(
            p.check_id == "MTASTS-28" and p.status == Status.FAIL for p in policy.problems
        ):
            add(
                Problem(
                    "MTASTS-28",
                    Status.FAIL,
                    "The file holds none of the policy fields (version, mode, mx, max_age).",
                    True,
                )
            )
        return policy
    _field_rules(policy, seen)
    return policy


def _pasted_note(value: str) -> str:
    """For a field value holding a pasted look-alike character ("\u00a0enforce"): which one,
    since the value as shown looks right (checks/lookalike.py)."""
    pasted = lookalikes(value)
    if pasted is None:
        return ""
    return (
        f" It holds {pasted.describe()}, which {pasted.fault} "
        "(RFC 8461 §3.2): retype the line by hand."
    )


def _before_comment(value: str, valid: str) -> str | None:
    """The value written before a '#' comment ('enforce   # since 2026-11' -> 'enforce') when
    it matches the pattern `valid`; None otherwise (no comment, or no valid value before it)."""
    before, hash_sign, _ = value.partition("#")
    before = before.rstrip(_WSP)
    return before if hash_sign and re.fullmatch(valid, before) else None


def _commented(key: str, value: str, valid: str) -> str:
    """For a value that is a valid one (matching the pattern `valid`) followed by a '#' comment
    ('enforce   # since 2026-11'): the summary saying so, without the value's run of blanks;
    '' otherwise. The policy format has no comments (RFC 8461 §3.2), so the whole rest of the
    line is read as the value."""
    if _before_comment(value, valid) is None:
        return ""
    before, _, after = value.partition("#")
    comment = " ".join(f"#{after}".split())
    return (
        f"{key} is {before.rstrip(_WSP)!r} followed by the comment {comment!r}, which senders "
        f"read as part of the value: the policy format has no comments (RFC 8461 §3.2). Write "
        f"'{key}: {before.rstrip(_WSP)}' alone on its line."
    )


def _field_rules(policy: Policy, seen: dict[str, str]) -> None:
    add = policy.problems.append
    version = seen.get("version")
    if version is None:
        if not any(p.check_id == "MTASTS-21" and p.status == Status.FAIL for p in policy.problems):
            add(
                Problem(
                    "MTASTS-21",
                    Status.FAIL,
                    'The policy has no "version: STSv1" line (RFC 8461 §3.2).',
                    True,
                )
            )
    elif version != "STSv1":
        add(
            Problem(
                "MTASTS-21",
                Status.FAIL,
                f'version is {version!r}; it must be exactly "STSv1".{_pasted_note(version)}',
                True,
            )
        )
    else:
        policy.version = version
    mode = seen.get("mode")
    policy.mode_written = mode
    if mode is None:
        add(
            Problem(
                "MTASTS-22",
                Status.FAIL,
                'The policy has no "mode:" line (enforce, testing or none).',
                True,
            )
        )
    elif mode not in MODES:
        hint = ' ("report" is a pre-RFC draft value; use "testing")' if mode == "report" else ""
        if mode.strip(_WSP).lower() in OFF_MODES:
            hint = (
                '; to withdraw MTA-STS the mode is "none", served until the max_age of the'
                " policy senders cached has passed; then the record and the policy can go"
                " (RFC 8461 §8.3)"
            )
        add(
            Problem(
                "MTASTS-22",
                Status.FAIL,
                _commented("mode", mode, "enforce|testing|none")
                or f"mode is {mode!r}; it must be exactly enforce, testing or none "
                f"(lower case){hint}.{_pasted_note(mode)}",
                True,
            )
        )
    else:
        policy.mode = mode
    max_age = seen.get("max_age")
    if max_age is None:
        add(Problem("MTASTS-23", Status.FAIL, 'The policy has no "max_age:" line.', True))
    elif not re.fullmatch(r"[0-9]{1,10}", max_age):
        meant = _before_comment(max_age, "[0-9]{1,10}")
        policy.max_age_meant = int(meant) if meant is not None else None
        why = (
            "has more than the 10 digits RFC 8461 §3.2 allows"
            if max_age.isascii() and max_age.isdigit()
            else "is not a number of seconds (digits only)"
        )
        add(
            Problem(
                "MTASTS-23",
                Status.FAIL,
                _commented("max_age", max_age, "[0-9]{1,10}")
                or f"max_age {max_age!r} {why}.{_pasted_note(max_age)}",
                True,
            )
        )
    elif int(max_age) > MAX_AGE_LIMIT:
        add(
            Problem(
                "MTASTS-23",
                Status.FAIL,
                f"max_age {max_age} is above the maximum of {MAX_AGE_LIMIT} (one year, "
                "RFC 8461 §3.2); senders reject the policy.",
                True,
            )
        )
    else:
        policy.max_age = int(max_age)
        if policy.mode == "none" and policy.max_age < 604800:
            # The withdrawal path: RFC 8461 §8.3 asks for a small max_age ("e.g., one day")
            # with mode none, so senders soon look again and find no policy. The notes below
            # (forgotten too quickly, weeks are usual) are about a policy that protects.
            add(
                Problem(
                    "MTASTS-23",
                    Status.PASS,
                    f"max_age {max_age} is short, as it should be while MTA-STS is withdrawn "
                    "(mode none): RFC 8461 §8.3 advises a small max_age such as one day, so "
                    "senders soon check again.",
                )
            )
        elif policy.max_age < 86400:
            add(
                Problem(
                    "MTASTS-23",
                    Status.WARN,
                    f"max_age {max_age} is under one day; senders forget the policy quickly, "
                    "which weakens downgrade protection (RFC 8461 §10.2 asks for as long as "
                    "practical; weeks are typical).",
                )
            )
        elif policy.max_age < 604800:
            add(
                Problem(
                    "MTASTS-23",
                    Status.INFO,
                    f"max_age {max_age} is under one week; weeks or more are usual once the "
                    "policy is stable.",
                )
            )
    if not policy.mx and not policy.numeric_mx and policy.mode != "none":
        why = "none of its mx lines is usable" if policy.mx_entries else 'it has no "mx:" line'
        add(
            Problem(
                "MTASTS-24",
                Status.FAIL,
                f"The policy lists no MX host ({why}); with mode "
                f"{policy.mode or seen.get('mode') or '?'} senders can match no MX, so the "
                "policy is invalid (RFC 8461 §3.2).",
                True,
            )
        )


def _short(line: str, limit: int = 60) -> str:
    text = line if len(line) <= limit else line[: limit - 1] + "…"
    return repr(text)


def _indent_words(indent: str) -> str:
    """The blanks a line starts with, in words: '2 spaces', 'a tab'."""
    count = len(indent)
    if set(indent) == {" "}:
        return "a space" if count == 1 else f"{count} spaces"
    if set(indent) == {"\t"}:
        return "a tab" if count == 1 else f"{count} tabs"
    return f"{count} blanks (spaces and tabs)"


def _quoted_line(line: str) -> str:
    """A policy line as a summary quotes it (s35m): an indent said in words after the quote
    rather than quoted, and a run of spaces inside written with one space and then \\x20 for
    each other, as the quote writes a tab \\t, so no summary holds a doubled space that reads
    as a typo (tests/test_fix_texts.py)."""
    stripped = line.lstrip(_WSP)
    quoted = re.sub(r" {2,}", lambda m: " " + "\\x20" * (len(m.group()) - 1), _short(stripped))
    indent = line[: len(line) - len(stripped)]
    return f"{quoted}, indented by {_indent_words(indent)}" if indent else quoted


def policy_matches(pattern: str, host: str) -> bool:
    """RFC 8461 §4.1 / Appendix B: exact match, or '*.' matching exactly one left-most label."""
    pattern = pattern.strip().rstrip(".").lower()
    host = host.strip().rstrip(".").lower()
    if not pattern or not host:
        return False
    if pattern.startswith("*."):
        first, dot, rest = host.partition(".")
        return bool(dot) and bool(first) and rest == pattern[2:]
    return pattern == host


# --------------------------------------------------------------------------------------------
# The shared fact


@dataclass
class MtaStsState:
    answer: DnsAnswer | None = None
    record: StsRecord | None = None  # the record senders would use (or the best candidate)
    candidates: list[StsRecord] = field(default_factory=list)
    # absent | error | multiple | invalid | discarded | valid
    record_status: str = "absent"
    fetch: https.HttpsResult | None = None
    policy: Policy | None = None
    mode: str | None = None
    patterns: list[str] = field(default_factory=list)
    # What an RFC 8461 sender would conclude: a valid policy it would apply.
    usable: bool = False
    fetch_problems: list[Problem] = field(default_factory=list)


def policy_url(domain: str) -> str:
    return f"https://mta-sts.{domain}{POLICY_PATH}"


def _charset(content_type: str) -> str | None:
    """The Content-Type's charset parameter, lower-cased and unquoted; None when absent."""
    for param in content_type.split(";")[1:]:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            return value.strip().strip('"').lower()
    return None


def _ascii_body(body: bytes) -> bool:
    """US-ASCII after a UTF-8 byte-order mark, which MTASTS-21 reports on its own."""
    return body.removeprefix(b"\xef\xbb\xbf").isascii()


def _not_yet_valid(host: str, cert: https.CertInfo, starts_in: float) -> Problem:
    """MTASTS-12 for a policy host certificate refused as not yet valid (https.CertInfo).

    Senders fetch with OpenSSL or Go's verifier, which allow no clock skew: while the leaf has
    not started by their clock they refuse it, and the policy with it, as our fetch did. A
    leaf starting within certs.NOT_BEFORE_SKEW of our clock is most often one issued the
    moment before (on-demand ACME hosting deploys within seconds) or our clock running behind
    the CA's; senders with a correct clock may already accept it, and by the time the report
    is read they all do. That is 'could not check' (checklist §0, as STARTTLS treats the same
    leaf as valid): never a fail, and the next check sees the settled state. Beyond it the
    certificate is simply not valid yet: a fail, saying until when."""
    starts = certs.utc_text(datetime.fromisoformat(cert.not_before))
    skew = certs.NOT_BEFORE_SKEW.total_seconds()
    if starts_in <= skew:
        seconds = max(1, round(starts_in))
        return Problem(
            "MTASTS-12",
            Status.ERROR,
            f"The certificate of {host} becomes valid at {starts}, {seconds} second"
            f"{'s' if seconds != 1 else ''} after this check: within the {int(skew // 60)} "
            "minutes of clock difference allowed (a certificate installed the moment it was "
            "issued), so it could not be judged now. Senders whose clock agrees with ours "
            "refuse it until then, and the policy could not be read. Check again after that "
            "time.",
            True,
        )
    return Problem(
        "MTASTS-12",
        Status.FAIL,
        f"The certificate of {host} is not valid until {starts} ({_duration(starts_in)} "
        "after this check): senders refuse it, and so the policy, until then. It must be "
        f"valid for {host}, current and chain to a public root (RFC 8461 §3.3).",
        True,
    )


def _duration(seconds: float) -> str:
    """A time span in the largest whole unit that fits: '40 minutes', '3 days'."""
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= 2 * size:
            count = int(seconds // size)
            return f"{count} {unit}s"
    count = max(1, round(seconds))
    return f"{count} second{'s' if count != 1 else ''}"


def _unresolved_host(result: https.HttpsResult, *, advise: bool = True) -> str:
    """MTASTS-11's summary for a policy host that does not resolve. `advise` False: without
    the step, where the fix says that something else comes first (a domain that takes no
    mail, _fetch_findings), so the summary does not contradict it."""
    text = f"The policy host {result.host} does not resolve ({result.error})"
    if not advise:
        return f"{text}."
    if https.dangling_alias(result):
        return f"{text}; point the CNAME at a name that exists, or replace it with A/AAAA records."
    return f"{text}; publish A/AAAA records for it."


# How long senders wait for the policy, as MTASTS-11 (past our limit) and MTASTS-16 (slow)
# both say it: RFC 8461 §3.3 suggests a timeout of one minute, which senders MAY impose, and
# some keep to it (mox), but postfix-mta-sts-resolver's `timeout` (DNS and HTTPS) is 4 s by
# default. A sender that gives up has no new policy: it keeps one it cached, if any.
SENDERS_WAIT = (
    "Senders differ: some wait up to a minute (RFC 8461 §3.3), others give up far sooner "
    "(postfix-mta-sts-resolver after 4 s by default) and go without the policy, or keep one "
    "they cached. A policy host should answer within a few seconds."
)
_SENDERS_WAIT = f" {SENDERS_WAIT}"


def _unchecked_host(result: https.HttpsResult) -> str:
    """MTASTS-11's summary for a policy host that could not be checked. When the SSRF guard
    refused every address (private, loopback, link-local or reserved: checks.net.guard), it
    names them and their kind and says what that means beyond this checker, as MTASTS-17 says
    it of one such address beside public ones: no sender on the internet can reach them
    either. The status stays `error`: what the host serves is not known. An address that
    timed out ran past our fetch limit (2 x the check timeout), under the minute RFC 8461 §3.3
    suggests senders wait but past what some wait: the summary says both (SENDERS_WAIT)."""
    text = f"Could not check the policy host {result.host}"
    hidden = [
        o.address
        for o in result.per_address
        if o.error_kind == "refused-target" and net.non_public_kind(o.address) is not None
    ]
    tried = [o for o in result.per_address if o.address not in hidden]
    timed_out = any(o.error_kind == "timeout" for o in tried) or result.error_kind == "timeout"
    wait = _SENDERS_WAIT if timed_out else ""
    if not hidden:
        if len({o.error for o in tried}) > 1:
            # A timeout on one address and no route to another: each said, not the first only.
            return f"{text} ({'; '.join(f'{o.address}: {o.error}' for o in tried)}).{wait}"
        if tried:
            # One address, or several failing alike: named too (s48h), so the owner knows
            # which of the host's addresses to look at (an old one left in DNS, a CDN's).
            names = [o.address for o in tried]
            at = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
            return f"{text} at {at}: {result.error}.{wait}"
        return f"{text}: {result.error}.{wait}"
    they, them = ("they are", "them") if len(hidden) > 1 else ("it is", "it")
    public = "public addresses" if len(hidden) > 1 else "a public address"
    refused = (
        f"{net.describe_non_public(hidden)}; {they} not {public}, so mailsec did not connect "
        f"to {them}, and no sender on the internet can reach {them} either."
    )
    if not tried:
        return f"{text}: it resolves only to {refused}"
    # Beside an address that was tried and timed out (or could not be reached from here): what
    # happened there, and that the non-public one was never tried, as MTASTS-17 says it. The
    # result describes the first address only, which is either of them.
    return (
        f"{text} ({'; '.join(f'{o.address}: {o.error}' for o in tried)}). It also resolves "
        f"to {refused}{wait}"
    )


def _kib(size: int) -> str:
    return f"{size / 1024:.0f} KiB" if size % 1024 == 0 else f"{size / 1024:.1f} KiB"


def _oversize_words(result: https.HttpsResult) -> str:
    """MTASTS-16's first words for a policy over MAX_POLICY_BYTES (s35m: it gave no size). The
    fetch stops reading past the limit, as senders do, so the size is the one the server
    declared (Content-Length), of the bytes as sent: compressed ones (a Content-Encoding) are
    said as such, decoded past the limit. Without a Content-Length (chunked), only that it is
    more than the limit is known, and said so."""
    limit = f"{MAX_POLICY_BYTES} bytes ({_kib(MAX_POLICY_BYTES)})"
    declared = (result.first_header("content-length") or "").strip()
    coding = (result.header("content-encoding") or "").strip().lower()
    size = int(declared) if declared.isdigit() and len(declared) < 16 else None
    if size is not None and coding not in ("", "identity"):
        return (
            f"The policy is sent as {size} bytes {coding}-compressed and is more than {limit} "
            "once decoded"
        )
    if size is not None and size > MAX_POLICY_BYTES:
        return f"The policy is {size} bytes ({_kib(size)}), over the limit of {limit}"
    if size is not None:
        # A Content-Length under the limit the body overran: no size to trust.
        return f"The policy is more than {limit}"
    return (
        f"The policy is more than {limit}; the server did not declare its size (no "
        "Content-Length), and mailsec stopped reading at the limit, as senders do"
    )


def _refused_text(result: https.HttpsResult) -> str:
    """MTASTS-11's summary for a policy host that refused the connection. A host of several
    addresses has each named with what it did (s35m: a host dead on IPv4 and IPv6 named the
    first refusal only, and an address that took the connection and failed otherwise read as
    refusing too); a lone address is said as before."""
    host = result.host
    outcomes = result.per_address
    if len(outcomes) < 2:
        return f"The policy host {host} does not accept HTTPS connections ({result.error})."
    families = sorted({"IPv6" if ":" in o.address else "IPv4" for o in outcomes})
    each = "; ".join(f"{o.address}: {_address_did(o)}" for o in outcomes)
    if all(o.error_kind == "connect" for o in outcomes):
        over = " and ".join(families)
        return (
            f"The policy host {host} does not accept HTTPS connections on any of its "
            f"addresses, over {over} ({each})."
        )
    return f"The policy host {host} serves no policy on any of its addresses ({each})."


def _address_did(outcome: https.AddressOutcome) -> str:
    """What one address of the policy host did, for a summary naming each."""
    kind = net.non_public_kind(outcome.address) if outcome.error_kind == "refused-target" else None
    if kind is not None:
        return f"not a public address ({kind}), not connected to"
    if outcome.ok:
        return f"HTTP {outcome.status} instead of 200"
    return outcome.error


def _fetch_problems(result: https.HttpsResult) -> list[Problem]:
    """MTASTS-10..18 from one fetch; `invalidates` = a sender would have no policy."""
    out: list[Problem] = []
    kind = result.error_kind
    host = result.host
    if kind == "dns":
        if result.dns_failed:
            out.append(
                Problem(
                    "MTASTS-11",
                    Status.ERROR,
                    f"Could not look up the policy host: {result.error}.",
                    True,
                )
            )
        else:
            out.append(Problem("MTASTS-11", Status.FAIL, _unresolved_host(result), True))
    elif kind in https.COULD_NOT_CHECK:
        # Timeout, our SSRF guard, or no route from this checker (an IPv6-only host seen from
        # a checker without IPv6): nothing is known about the host (checklist §0).
        out.append(Problem("MTASTS-11", Status.ERROR, _unchecked_host(result), True))
    elif kind == "connect":
        out.append(Problem("MTASTS-11", Status.FAIL, _refused_text(result), True))
    elif kind == "tls-cert" and result.cert is not None and result.cert.same_without_sni:
        # The name asked for (SNI) got the certificate a handshake without SNI gets: the
        # server has none of its own for the host (checklist MTASTS-13, the default vhost of
        # shared hosting or a CDN). One finding for the one cause, not MTASTS-12 beside it.
        out.append(Problem("MTASTS-13", Status.FAIL, _default_vhost_text(result), True))
    elif (
        kind == "tls-cert"
        and result.cert is not None
        and result.cert.starts_in is not None
        # A leaf starting within the skew is judged as of its start (certs.verify_chain): a
        # CA certificate still outside its validity then is a fault of its own, not the clock.
        and not (result.cert.stale_ca or result.cert.stale_ca_too)
    ):
        out.append(_not_yet_valid(host, result.cert, result.cert.starts_in))
    elif kind == "tls-cert":
        # What is wrong in words (expired when, the names it has, not trusted), as BIMI-04
        # says it of a logo host's certificate; OpenSSL's text only for a rarer reason.
        out.append(
            Problem(
                "MTASTS-12",
                Status.FAIL,
                f"The policy host {host} presents a certificate {https.refusal_text(result)}. "
                f"It must be valid for {host}, unexpired and chain to a public root "
                "(RFC 8461 §3.3)." + (_CN_ONLY_NOTE if https.names_host_only_in_cn(result) else ""),
                True,
            )
        )
    elif kind == "tls":
        out.append(Problem("MTASTS-13", Status.FAIL, _tls_failure_text(result), True))
    elif kind == "http":
        out.append(
            Problem(
                "MTASTS-14",
                Status.FAIL,
                f"The policy host did not return a usable HTTP response ({result.error}).",
                True,
            )
        )
    if kind is not None:
        return out
    status = result.status
    if status != 200:
        where = result.header("location")
        extra = f" to {where}" if where and status and 300 <= status < 400 else ""
        out.append(
            Problem(
                "MTASTS-14",
                Status.FAIL,
                f"The policy URL answered HTTP {status}{extra}; only 200 is valid and "
                "redirects must not be followed (RFC 8461 §3.3), so senders see no "
                "policy.",
                True,
            )
        )
        return out
    if result.truncated:
        # Senders that drop the file keep a policy they cached (RFC 8461 §3.3, §5.1): a
        # 'mode: none' file, the way MTA-STS is withdrawn (§8.3), then withdraws nothing.
        withdrawing = re.search(rb"^mode:[ \t]*none[ \t]*\r?$", result.body, re.M)
        out.append(
            Problem(
                "MTASTS-16",
                Status.FAIL,
                f"{_oversize_words(result)}; senders stop reading at 64 KiB and drop it "
                "(RFC 8461 §3.3). "
                + (
                    "It is a 'mode: none' file, meant to withdraw MTA-STS, but senders that "
                    "cached the earlier policy keep applying it until its max_age runs out, "
                    "so the withdrawal reaches none of them."
                    if withdrawing
                    else "Senders that cached an earlier policy keep applying it until its "
                    "max_age runs out; the others deliver as if there were no policy."
                ),
                True,
            )
        )
    elif result.address_ms > SLOW_FETCH_MS:
        # The time of the address that served, not the wall-clock over all addresses: a
        # stalled second address says nothing about how long this one took.
        out.append(
            Problem(
                "MTASTS-16",
                Status.WARN,
                # Size and time in the one MTASTS-16 line for this URL: no pass beside it.
                f"The policy is {len(result.body)} bytes and took "
                f"{result.address_ms / 1000:.1f} s to fetch ({result.address_ms:.0f} ms). "
                + SENDERS_WAIT,
            )
        )
    # A repeated Content-Type is joined into "text/plain, text/plain" by header(); senders'
    # HTTP clients read the first value.
    ctype = result.first_header("content-type")
    media = (ctype or "").split(";", 1)[0].strip().lower()
    if media != "text/plain":
        out.append(
            Problem(
                "MTASTS-15",
                Status.FAIL,
                f"The policy is served {f'as {ctype}' if ctype else 'without a Content-Type'}; "
                "it must be text/plain (RFC 8461 §3.2) and common senders reject anything else.",
                True,
            )
        )
    elif _charset(ctype or "") in (None, "us-ascii", "ascii") and not _ascii_body(result.body):
        # Without a charset, text/plain means US-ASCII (RFC 2046 §4.1.2; RFC 6657 keeps that
        # default): postfix-mta-sts-resolver decodes the body as ASCII and drops the policy on
        # the first byte over 0x7F, while other senders read UTF-8 (RFC 8461 §3.2 allows
        # UTF-8 in extension values). Implementations disagree: warn, policy kept.
        out.append(
            Problem(
                "MTASTS-15",
                Status.WARN,
                f"The policy holds non-ASCII characters but is served as '{ctype}', which "
                "means US-ASCII (RFC 2046 §4.1.2: the default charset of text/plain), and senders "
                "that decode it so (postfix-mta-sts-resolver) reject the whole policy. Serve "
                "it as 'text/plain; charset=utf-8', or remove the non-ASCII characters.",
            )
        )
    cache = result.header("cache-control")
    # Expires lets a proxy keep the policy as max-age does, unless Cache-Control overrides it.
    expires = result.first_header("expires") if _expires_counts(cache or "") else None
    if cache or expires is not None:
        lifetime = _proxy_lifetime(cache or "", expires, result.first_header("date"))
        shown = " ".join(
            f"{name}: {value.strip() or '(empty)'}."
            for name, value in (("Cache-Control", cache), ("Expires", expires))
            if value is not None
        )
        if _invalid_age(cache or ""):
            # RFC 9111 §4.2.1: an invalid freshness directive is best read as stale; and a
            # max-age, valid or not, still makes caches ignore Expires (§5.3).
            name = "s-maxage" if "s-maxage" in _age_directives(cache or "") else "max-age"
            shown += (
                f" That {name} is not a number of seconds, so proxies treat the policy as "
                "stale (RFC 9111 §4.2.1) and ignore any Expires."
            )
        out.append(
            Problem(
                "MTASTS-18",
                Status.INFO,
                f"{shown} Senders do not use HTTP caching for "
                "policies (RFC 8461 §3.3); this only affects proxies."
                if lifetime is None or lifetime <= 60
                else f"{shown} Senders do not use HTTP caching for policies "
                "(RFC 8461 §3.3), but a proxy or CDN in front of the policy host may keep "
                f"serving the old policy for {_proxy_span(lifetime)} after you change it, "
                "and a sender that fetches it then keeps the old policy under the new id. "
                "RFC 8461 §8.2 suggests max-age=60 (60 s) for proxies"
                + (" (Cache-Control max-age overrides Expires)." if expires is not None else "."),
            )
        )
    return out


def _age_directives(cache: str) -> dict[str, str]:
    """The max-age and s-maxage directives of a Cache-Control value, each with the text of its
    first value ('' for none; a repeated directive: caches may use its first value, RFC 9111
    §4.2.1)."""
    found: dict[str, str] = {}
    for part in cache.split(","):
        name, _, value = part.partition("=")
        name = name.strip().lower()
        if name in ("max-age", "s-maxage"):
            found.setdefault(name, value.strip())
    return found


def _age_seconds(cache: str) -> int | None:
    """The delta-seconds of the age directive a shared cache goes by (s-maxage overrides
    max-age, RFC 9111 §5.2.2.10), quoted or not; None without one or when it is invalid."""
    ages = _age_directives(cache)
    value = ages.get("s-maxage", ages.get("max-age"))
    digits = re.fullmatch(r'"?(\d+)"?', value or "")
    return int(digits.group(1)) if digits else None


def _expires_counts(cache: str) -> bool:
    """MTASTS-18: whether a proxy reads Expires under this Cache-Control: not when max-age or
    s-maxage is there, valid or not (RFC 9111 §5.3), nor when the directives forbid reuse
    unchecked."""
    directives = {d.strip().lower() for d in cache.split(",")}
    forbids = directives & {"no-store", "no-cache", "private"}
    return not (forbids or _age_directives(cache))


def _invalid_age(cache: str) -> bool:
    """MTASTS-18: the max-age or s-maxage a shared cache goes by has no valid delta-seconds
    ("max-age=abc", "max-age=")."""
    return bool(_age_directives(cache)) and _age_seconds(cache) is None


def _proxy_span(seconds: int) -> str:
    """MTASTS-18's lifetime in words ("up to 7 days"): past a year the exact count says nothing more (an
    Expires in 9999 is millions of days)."""
    return "more than a year" if seconds > 366 * 86400 else f"up to {_duration(seconds)}"


def _proxy_lifetime(
    cache: str, expires: str | None = None, date: str | None = None, now: datetime | None = None
) -> int | None:
    """MTASTS-18: how long a shared cache (the reverse proxy of RFC 8461 §8.2) may reuse the
    policy under this Cache-Control and Expires, or None when it may not store or reuse it
    unchecked or nothing says how long."""
    # Bare names only: no-cache="Set-Cookie" or private="X" withhold those fields, not the body.
    directives = {d.strip().lower() for d in cache.split(",")}
    if directives & {"no-store", "no-cache", "private"}:
        return None
    if _invalid_age(cache):
        return 0  # invalid freshness: stale (RFC 9111 §4.2.1)
    age = _age_seconds(cache)
    if age is not None or expires is None:
        return age
    expiry = _http_date(expires, now)
    if expiry is None:
        # An invalid Expires ("0" included) means already expired (RFC 9111 §5.3).
        return 0
    # Expires minus Date; without a valid Date, minus the time the response came (RFC 9111
    # §4.2.1, RFC 9110 §6.6.1): this runs right after the fetch.
    sent = _http_date(date, now) if date else None
    sent = sent or now or datetime.now(UTC)
    return max(0, int((expiry - sent).total_seconds()))


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MONTH = "(" + "|".join(_MONTHS) + ")"
_CLOCK = r"(\d\d):(\d\d):(\d\d)"
# The three forms of HTTP-date (RFC 9110 §5.6.7): IMF-fixdate, rfc850-date and asctime-date.
# Read as leniently as caches do (recipients SHOULD accept the obsolete forms): any letter
# case, a day of month without its leading zero, UTC for GMT. Never another zone (+0200).
_ZONE = "(?:GMT|UTC)"
_IMF_DATE = re.compile(rf"[A-Z]{{3}}, (\d\d?) {_MONTH} (\d{{4}}) {_CLOCK} {_ZONE}", re.I)
_RFC850_DATE = re.compile(rf"[A-Z]{{6,9}}, (\d\d?)-{_MONTH}-(\d\d) {_CLOCK} {_ZONE}", re.I)
_ASCTIME_DATE = re.compile(rf"[A-Z]{{3}} {_MONTH} ([ \d]?\d) {_CLOCK} (\d{{4}})", re.I)


def _http_date(text: str, now: datetime | None = None) -> datetime | None:
    """An HTTP-date (RFC 9110 §5.6.7) as a UTC datetime, or None when it is not one."""
    text = text.strip()
    if m := _IMF_DATE.fullmatch(text):
        day, month, year, hour, minute, second = m.groups()
    elif m := _RFC850_DATE.fullmatch(text):
        day, month, short, hour, minute, second = m.groups()
        # A two-digit year more than 50 years ahead is the latest past year ending so.
        this_year = (now or datetime.now(UTC)).year
        full = this_year - this_year % 100 + int(short)
        year = str(full - 100 if full > this_year + 50 else full)
    elif m := _ASCTIME_DATE.fullmatch(text):
        month, day, hour, minute, second, year = m.groups()
    else:
        return None
    try:
        return datetime(
            int(year),
            _MONTHS.index(month.title()) + 1,
            int(day),
            int(hour),
            int(minute),
            int(second),
            tzinfo=UTC,
        )
    except ValueError:
        return None  # 31 Feb, 25:00 and the like


def _id_apart(answer: DnsAnswer, findings: list[Finding]) -> None:
    """'"v=STSv1;"' and '"id=20260601"' published as two TXT records: the strings of one
    record are joined, separate records are not (RFC 8461 §3.1), and the one holding the id
    does not begin with "v=STSv1;", so senders discard it. MTASTS-05's "no id field" then
    names it: otherwise it contradicts the id the owner sees at the name."""
    apart = [text for text in answer.texts() if _ID_ALONE.match(text)]
    if not apart:
        return
    for finding in findings:
        if finding.id == "MTASTS-05" and finding.summary.startswith("The record has no id field"):
            finding.summary += (
                f" The id is in a TXT record of its own ({apart[0]!r}): the strings of one "
                "TXT record are joined, separate records are not, and senders discard a "
                'record that does not begin with "v=STSv1;". Publish the fields as one TXT '
                "record."
            )


# A TXT record that begins with the id field: one published apart from "v=STSv1;".
_ID_ALONE = re.compile(r"[ \t]*id[ \t]*=")


async def _build_state(ctx: CheckContext) -> MtaStsState:
    state = MtaStsState()
    answer = await ctx.dns.query(f"_mta-sts.{ctx.domain}", "TXT")
    state.answer = answer
    if answer.failed:
        state.record_status = "error"
    else:
        parsed = [parse_sts_record(raw) for raw in answer.raw_texts()]
        state.candidates = [r for r in parsed if r.is_sts or looks_like_sts(r.raw)]
        counted = [r for r in parsed if r.is_sts]
        if not counted:
            # With no record §3.1 counts, one of another version ('v=STSv10; id=1', as
            # 'v=STSv2; id=1') is no record published: senders discard it as they discard any
            # TXT not beginning with "v=STSv1;", and one testing the bytes "v=STSv1" drops it
            # for its v= (postfix-mta-sts-resolver: NONE). MTASTS-01 names it and the record
            # to publish in its place (_unknown_versions). Beside a counted record it stays a
            # candidate: the stray MTASTS-04 warns about (s24e).
            state.candidates = [r for r in state.candidates if not other_version(r.raw)]
        if len(counted) > 1:
            state.record_status = "multiple"
            state.record = counted[0]
        elif len(counted) == 1:
            # A lone "v=STSv1 ;" record too: the literal-prefix discard rule applies only when
            # several TXT records are returned (RFC 8461 §3.1), and the ABNF accepts it.
            state.record = counted[0]
            state.record_status = "valid" if state.record.valid else "invalid"
        elif state.candidates:
            state.record = state.candidates[0]
            state.record_status = "invalid"
        else:
            state.record_status = "absent"
    # Fetch even without a usable record: the findings then explain what senders would see
    # (F08: a policy that is served but not announced).
    if state.record_status != "error":
        state.fetch = await https.fetch(
            ctx,
            policy_url(ctx.domain),
            max_bytes=MAX_POLICY_BYTES,
            meaning=policy_meaning,
            # A certificate not valid for the host: asked once more without SNI, to tell a
            # server's default certificate (MTASTS-13) from one installed for the name.
            ask_without_sni=True,
        )
        state.fetch_problems = _fetch_problems(state.fetch)
        if state.fetch.ok and state.fetch.status == 200 and not state.fetch.truncated:
            state.policy = parse_policy(state.fetch.body)
            state.mode = state.policy.mode
            state.patterns = list(state.policy.mx)
    state.usable = (
        state.record_status == "valid"
        and state.policy is not None
        and state.policy.valid
        and not any(p.invalidates for p in state.fetch_problems)
    )
    return state


def policy_applied(state: MtaStsState) -> bool:
    """Senders apply a policy that validates MX hosts: usable, mode testing or enforce. Also
    when we could not fetch the policy on our side (a timeout under a valid record): senders
    may well get it, and "could not check" must not turn a warning into a note."""
    if state.usable and state.mode in {"enforce", "testing"}:
        return True
    blocking = [p for p in state.fetch_problems if p.invalidates]
    return (
        state.record_status == "valid"
        and state.policy is None
        and bool(blocking)
        and all(p.status == Status.ERROR for p in blocking)
    )


async def get_policy(ctx: CheckContext) -> MtaStsState:
    """The domain's MTA-STS state as an RFC 8461 sender would see it; once per run."""
    return await ctx.once(_POLICY_KEY, lambda: _build_state(ctx))


_POLICY_KEY = "mtasts"


def known_policy(ctx: CheckContext) -> MtaStsState | None:
    """The run's MTA-STS state if get_policy has built it already (without an error), else
    None: starts no fetch and waits for none. For code that runs after the mechanisms, outside
    their time limits (checks.engine._with_policy)."""
    state = ctx.known(_POLICY_KEY)
    return state if isinstance(state, MtaStsState) else None


# --------------------------------------------------------------------------------------------
# Findings


def fresh_id() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S")


def listable(name: str) -> bool:
    """Whether an mx line can hold this MX host name as it is (RFC 8461 §3.2: `Domain` of
    RFC 5321, A-labels). An MX target that is an IP address (MX-05) or a name with "_" or
    non-ASCII (MX-07) cannot: a policy listing it would fail MTASTS-25, and no certificate
    from a public CA names it. Nor can a name with a '*' label ('*.mx.example.org', MX-07):
    as an mx line it is a wildcard covering every host one label below, which nobody chose
    (RFC 8461 §4.1; hosting leaves it out too, mailsec.hosting.policy.host_problem). Such an
    MX is repaired in DNS, not in the policy."""
    if "*" in name:
        return False
    pattern, problems = check_mx_value(name)
    return pattern is not None and not problems


def listable_hosts(hosts: list[str]) -> list[str]:
    """The MX names a proposed policy lists; a placeholder when none can be."""
    return [h for h in hosts if listable(h)] or ["<MX host>"]


def with_alias_targets(mxset: mx.MxSet, names: list[str]) -> tuple[list[str], str]:
    """`names` with, after each MX name that is an alias (MX-04), the name it aliases, and the
    sentence saying why. Senders match the name in the MX record (RFC 8461 §4.1), and MX-04's
    fix points the MX record at the target (the name its certificate is most likely to give,
    SMTP-11): a file listing both fits the MX record before and after that change."""
    targets = {
        h.name: h.cname_target
        for h in mxset.hosts
        if h.cname_target and not h.cname_dangling and listable(h.cname_target)
    }
    listed: list[str] = []
    for name in names:
        listed += [name] + ([targets[name]] if name in targets else [])
    aliased = [name for name in names if name in targets]
    if not aliased:
        return names, ""
    # An alias no mx line can name (a '_' or '*' label) is left out of the file
    # (listable_hosts): only its target is listed, so the file fits the MX only after MX-04's
    # fix, and "both names ... before and after" would be untrue (review s38p).
    both = [name for name in aliased if listable(name)]
    target_only = [name for name in aliased if not listable(name)]
    said: list[str] = []
    if both:
        pairs = ", ".join(f"{name} is an alias (CNAME) of {targets[name]}" for name in both)
        said.append(
            f"The file lists both names of an aliased MX: {pairs} (see MX-04). Senders match "
            "the name in the MX record (RFC 8461 §4.1), so the file fits it before and after "
            "MX-04's fix points the MX at the real host; the alias's line can go after that, "
            "with a new id."
        )
    if target_only:
        pairs = ", ".join(
            f"{name}, an alias (CNAME) of {targets[name]}, cannot be named in a policy"
            for name in target_only
        )
        said.append(
            f"The file lists the host an aliased MX points to: {pairs} (RFC 8461 §3.2). "
            "Senders match the name in the MX record (RFC 8461 §4.1), so the MX fits the file "
            "once MX-04's fix points the MX record at that host."
        )
    return list(dict.fromkeys(listed)), "\n".join(said)


def addressless(mxset: mx.MxSet) -> list[str]:
    """The MX hosts known to have no address at all (MX-06): no sender can deliver to them,
    so a proposed policy does not list them. A lookup that merely failed is unknown, not
    absent (checklist §0); bogus addresses fail only validating senders, and the others still
    deliver there (so such a host stays listed); an IP address as the MX name is MX-05's
    (listable leaves it out)."""
    return [
        h.name
        for h in mxset.hosts
        if not (h.addresses or h.lookup_failed or h.bogus or h.is_ip_literal)
    ]


def left_out(gone: list[str]) -> str:
    """The clause a proposed policy adds for the MX hosts it leaves out (addressless)."""
    has = "it has" if len(gone) == 1 else "they have"
    return (
        f"The policy leaves out {', '.join(gone)}: {has} no address, so no mail goes there "
        "(see MX-06)."
    )


def no_mx_cause(domain: str, mxset: mx.MxSet, gone: list[str]) -> str:
    """Why no MX host of `domain` can receive mail, when every one is addressless: the words
    a fix puts before any MTA-STS step (a policy listing none of them is no policy)."""
    if mxset.implicit:
        return f"{domain} has no MX record and no address (see MX-01)"
    return f"no MX host of {domain} has an address ({', '.join(gone)}; see MX-06)"


def target_patterns(patterns: list[str], hosts: list[str]) -> list[str]:
    """The mx lines of a corrected policy: the owner's valid patterns, every one kept (senders
    may still hold MX records or a policy naming old hosts: remove those only after max_age,
    RFC 8461 §8.1), and each MX host no pattern covers added, when an mx line can name it."""
    uncovered = [
        h for h in hosts if listable(h) and not any(policy_matches(p, h) for p in patterns)
    ]
    return [*patterns, *uncovered] or listable_hosts(hosts)


def delegated(fix: str, domain: str, target: str) -> str:
    """A fix for a domain whose _mta-sts name is an alias (a CNAME to a provider, RFC 8461
    §8.2): a TXT cannot sit next to a CNAME (RFC 1034 §3.6.2), so the id changes at the target,
    by whoever runs it."""
    record = f"_mta-sts.{domain}. TXT "
    if record not in fix:
        return fix
    return (
        fix.replace(record, f"{target}. TXT ")
        + f"\n(_mta-sts.{domain} is an alias of {target}: its TXT record is changed there, by whoever "
        "runs it.)"
    )


def record_extensions(records: list[StsRecord]) -> dict[str, str]:
    """The owner's extension fields in the published MTA-STS record(s), as written, the first
    value of each name. RFC 8461 §3.1 allows them (`*(sts-field-delim sts-ext)`) and senders
    ignore them, so a suggested record keeps them: which one a vendor or the owner relies on
    is not ours to guess. Fields that broke the record (MTASTS-07 fail) were never kept by
    parse_sts_record; a stray "V=" or "ID=" would sit beside the fresh id, so it is left out."""
    extensions: dict[str, str] = {}
    for record in records:
        for name, value in record.extensions.items():
            if name.lower() not in ("v", "id"):
                extensions.setdefault(name, value)
    return extensions


def record_fix(domain: str, extensions: dict[str, str] | None = None, record_id: str = "") -> str:
    """The record to publish, with a fresh id (or `record_id`, the id a fix's other words
    name) and the owner's `extensions` (record_extensions)."""
    record_id = record_id or fresh_id()
    if not extensions:
        return f'_mta-sts.{domain}. TXT "v=STSv1; id={record_id}"'
    fields = [f"id={record_id}", *(f"{name}={value}" for name, value in extensions.items())]
    # Long extension values can pass 255 octets: txt_fix splits as zone files need.
    return txt_fix(f"_mta-sts.{domain}", "v=STSv1; " + "; ".join(fields))


def delete_record_fix(name: str, record: StsRecord) -> str:
    """The fix for a record senders discard next to the valid one. The record is written as a
    zone-file line (quotes escaped, strings of at most 255 octets) so it names the record as
    published and can be pasted where the owner deletes it."""
    return f"Delete this record (keep the valid one): {txt_fix(name, record.raw)}"


def fix_max_age(max_age: int | None) -> int:
    """max_age for a fix: the owner's value when valid and at least a day (MTASTS-23), else
    a week."""
    return max_age if max_age is not None and 86400 <= max_age <= MAX_AGE_LIMIT else 604800


def policy_fix(mode: str | None, max_age: int | None, hosts: list[str]) -> str:
    lines = ["version: STSv1", f"mode: {mode if mode in MODES else 'testing'}"]
    lines += [f"mx: {h}" for h in dict.fromkeys(hosts)]
    lines.append(f"max_age: {fix_max_age(max_age)}")
    return "\r\n".join(lines) + "\r\n"


def _file_text(mode: str | None, max_age: int | None, hosts: list[str]) -> str:
    # Inside a multi-line fix, LF like the surrounding text; LF alone is a valid policy line
    # end (RFC 8461 §3.2 ABNF), so the lines can be pasted as they are.
    return policy_fix(mode, max_age, hosts).replace("\r\n", "\n")


def policy_change_fix(
    domain: str,
    mode: str | None,
    max_age: int | None,
    hosts: list[str],
    *,
    announce: bool = False,
    extensions: dict[str, str] | None = None,
    record_id: str = "",
) -> str:
    """A policy change as a whole: the complete file, then a new id. Senders refetch only when
    the id changes, otherwise they keep the cached policy for up to max_age (RFC 8461 §3.1,
    §5.1); the file goes first so a sender seeing the new id cannot fetch the old file (§8.1).
    `announce`: there is no record yet, so step 2 publishes it. `record_id`: that new id,
    when the fix's other words name it (record_fix)."""
    step2 = (
        "2. Then, once that file is served, publish the record that announces it:\n"
        if announce
        else "2. Then, once that file is served, change the id in the record, so senders drop "
        "the policy they cached:\n"
    )
    return (
        f"1. Replace the policy file at {policy_url(domain)} with:\n"
        f"{_file_text(mode, max_age, hosts)}"
        f"{step2}"
        f"{record_fix(domain, extensions, record_id)}"
    )


def too_broad(domain: str, pattern: str) -> bool:
    """A wildcard over the domain itself or a parent of it: any host directly below with a
    valid certificate could act as an MX (RFC 8461 §10.4, MTASTS-31)."""
    base = pattern[2:]
    return pattern.startswith("*.") and (domain == base or domain.endswith("." + base))


@dataclass
class PolicyTarget:
    """The one policy a run proposes. Every finding that changes the policy offers this same
    file under one new id: two different files offered under ids minted in the same second
    would, applied in turn, change the file without changing the id, and senders would keep
    the first one cached (RFC 8461 §3.1, §5.1; MTASTS-09)."""

    mode: str
    max_age: int
    mx: list[str]
    # Some finding of this run calls for a different policy than the one served: a syntax
    # repair, a max_age out of range, an uncovered MX, an over-broad wildcard, a mode change.
    changes: bool
    fix: str
    # The owner's extension fields of the published record, kept in every record it offers.
    extensions: dict[str, str] = field(default_factory=dict)
    # The domain has no MX and its own address takes no mail (MX-01): `fix` is not a policy
    # but no_mail_fix's advice, as MTASTS-10 gives it (_no_mail_record_fix).
    no_mail: bool = False
    # The owner's patterns the file keeps that match no MX host now (MTASTS-31), and when
    # they can go (stale_words): only with a change, whose new id they are counted from.
    stale: list[str] = field(default_factory=list)
    record_id: str = ""

    def stale_words(self, patterns: list[str]) -> str:
        """When `patterns`, kept in this file though no MX matches them, can go: senders may
        still hold an MX record or a cached policy naming those hosts, so they stay until
        max_age has passed since this file is served under its new id (RFC 8461 §3.1, §5.1;
        what hosting does with a departed MX, mailsec.hosting.models). Their removal changes
        the file again, so it needs another new id (MTASTS-09)."""
        one = len(patterns) == 1
        days = -(-self.max_age // 86400)  # whole days, rounded up
        hosts = "those hosts"
        if one:
            hosts = "the hosts it covers" if patterns[0].startswith("*.") else "that host"
        return (
            f"senders may still hold an MX record or a cached policy naming "
            f"{hosts}, so {'it stays' if one else 'they stay'} "
            f"until {days} {noun_for(days, 'day')} (the policy's max_age, {self.max_age} "
            f"seconds) have passed since the file is served under id={self.record_id}; then "
            f"{'it' if one else 'they'} can go, with another new id in the record."
        )

    def kept_words(self, pattern: str) -> str:
        """When `pattern`, which no MX host matches, can go from the file served now, when the
        run suggests no policy change (no new id to count from, stale_words): max_age after
        the MX records last named a host it matches, as hosting does with a departed MX
        (mailsec.hosting.models). Senders may hold an MX record or a policy naming it until
        then (RFC 8461 §3.2 max_age, §3.3, §5.1); its removal changes the file, so the
        record needs a new id once the new file is served (§3.1, MTASTS-09)."""
        days = -(-self.max_age // 86400)  # whole days, rounded up
        wild = pattern.startswith("*.")
        return (
            f"It can go once the policy's max_age ({days} {noun_for(days, 'day')}, "
            f"{self.max_age} seconds) has passed since the MX records last named "
            f"{'a host it covers' if wild else 'that host'} (at once if that is longer ago): "
            "until then senders may still hold an MX record, or a policy cached for up to "
            f"max_age, naming {'such a host' if wild else 'it'} (RFC 8461 §3.2, §3.3, §5.1). "
            f"Then remove the line 'mx: {pattern}' from the policy file and, once that file "
            "is served, give the record a new id, so senders fetch it (MTASTS-09)."
        )


def policy_target(
    domain: str,
    policy: Policy,
    mxset: mx.MxSet,
    mode: str,
    extensions: dict[str, str] | None = None,
) -> PolicyTarget:
    """Every change the run's findings call for, merged: the file rebuilt from its valid
    values (which repairs the syntax), max_age brought into range, the owner's patterns kept
    with each over-broad wildcard replaced by the MX hosts it matches and each uncovered MX
    added, and `mode` (from _fix_mode, the enforce gate). An MX host without an address
    (addressless, MX-06) is neither added nor put in a wildcard's place: the fix says so."""
    known = not mxset.failed and bool(mxset.hosts)
    gone = addressless(mxset)
    receiving = [h for h in mxset.names if h not in gone]
    kept: list[str] = []
    for pattern in policy.mx:
        if known and too_broad(domain, pattern):
            # Only with the MX set known: replacing the wildcard by nothing would drop the MX.
            # Nor when no host it matches has an address (MX-06 comes first): the file would
            # be left with no mx line at all. One that matches no MX host at all ('*.lab.test'
            # for hosts two labels below, s40d-wideparent) covers nothing to keep: it goes, and
            # the MX hosts that receive mail are added below as any uncovered ones are.
            if receiving and not any(policy_matches(pattern, h) for h in mxset.names):
                continue
            replacement = [h for h in receiving if policy_matches(pattern, h) and listable(h)]
            kept += replacement or [pattern]
        else:
            kept.append(pattern)
    patterns = list(dict.fromkeys(target_patterns(kept, receiving)))
    # The owner's own line for such a host stays (it may get its address back); only the
    # ones the file would otherwise have gained are named.
    omitted = [h for h in gone if listable(h) and not any(policy_matches(p, h) for p in patterns)]
    repairs = any(p.status in {Status.FAIL, Status.WARN} for p in policy.problems)
    # Under mode none senders ignore the mx lines: they alone call for no change.
    mx_changed = policy.mode in {"enforce", "testing"} and set(patterns) != set(policy.mx)
    changes = repairs or mode != policy.mode or mx_changed
    # The owner's max_age, also one written with a comment after it.
    max_age = policy.max_age if policy.max_age is not None else policy.max_age_meant
    # The owner's patterns no MX host matches (an old provider's, after a move): kept, and
    # the file says when they can go (PolicyTarget.stale_words).
    stale = [
        p
        for p in patterns
        if known
        and changes
        and mode in {"enforce", "testing"}
        and p in policy.mx
        and not any(policy_matches(p, h) for h in mxset.names)
    ]
    target = PolicyTarget(
        mode=mode,
        max_age=fix_max_age(max_age),
        mx=patterns,
        changes=changes,
        fix="",
        extensions=dict(extensions or {}),
        stale=stale,
        record_id=fresh_id(),
    )
    target.fix = policy_change_fix(
        domain, mode, max_age, patterns, extensions=extensions, record_id=target.record_id
    )
    if stale:
        lines = series([f"mx: {p}" for p in stale])
        match = "matches" if len(stale) == 1 else "match"
        target.fix += (
            f"\n(The file keeps {lines}, which {match} no MX host now (MTASTS-31): "
            f"{target.stale_words(stale)})"
        )
    if omitted:
        target.fix += f"\n{left_out(omitted)}"
    return target


def _host_text(domain: str) -> str:
    host = f"mta-sts.{domain}"
    return (
        f"A/AAAA records for {host} (or a CNAME to a hosting service) pointing to a web "
        f"server with a certificate valid for {host} from a public CA"
    )


def host_fix(domain: str) -> str:
    """What the policy host needs: senders fetch the file over HTTPS (RFC 8461 §3.3)."""
    return f"Publish {_host_text(domain)}, serving the policy file at {policy_url(domain)}."


def serve_fix(domain: str, hosts: list[str], extensions: dict[str, str] | None = None) -> str:
    """The file a published record points to. Nothing tells which mode was meant; testing
    cannot block mail."""
    # Senders that cached an earlier policy under the record's id keep it until the id
    # changes (RFC 8461 §3.1, §5.1): a new file needs a new id, after it is served (§8.1).
    return (
        f"1. Serve this file at {policy_url(domain)} with HTTP 200, as text/plain, without "
        f"redirect (mode testing until TLS reports are clean):\n"
        f"{_file_text('testing', None, hosts)}"
        "2. Then, once that file is served, change the id in the record, so senders drop "
        "any policy they cached:\n"
        f"{record_fix(domain, extensions)}"
    )


def _serve_fix(domain: str, mxset: mx.MxSet, extensions: dict[str, str]) -> str:
    """MTASTS-10's file for the MX hosts that can receive mail: one without an address (MX-06)
    is left out, as in MTASTS-01's setup; with none left, the MX records come first."""
    gone = addressless(mxset)
    if gone and len(gone) == len(mxset.hosts):
        # Senders have no policy now and lose nothing by it: no mail reaches these hosts.
        return (
            f"Fix the MX records first: {no_mx_cause(domain, mxset, gone)}, so no mail can be "
            f"delivered to it. Then serve the policy file at {policy_url(domain)} for the MX "
            "hosts that receive its mail, and change the id in the record."
        )
    fix = serve_fix(domain, listable_hosts([h for h in mxset.names if h not in gone]), extensions)
    return fix + "\n" + left_out(gone) if gone else fix


def _withdraw_instead(domain: str, mxset: mx.MxSet, seen_before: bool = False) -> str:
    """After MTASTS-10's _serve_fix (no file is served: the host is gone, refuses, or answers
    a 4xx such as 404): the removal path, for an owner withdrawing MTA-STS who deleted the
    policy host before the record (s48b). RFC 8461 §8.3: a 'mode: none' file under a new id,
    and the record and the host deleted only once the earlier policy's max_age has run out;
    until then senders keep the policy they cached (§3.1, §5.1). Unless mailsec fetched a
    policy there before (`seen_before`: CheckConfig.mtasts_previous), the record may be a
    first one whose policy host is not up yet: no sender cached anything, and deleting the
    record withdraws it (s48r4). '' where no MX host has an address (_serve_fix puts the MX
    records first)."""
    gone = addressless(mxset)
    if gone and len(gone) == len(mxset.hosts):
        return ""
    never = (
        ""
        if seen_before
        else " If no policy was ever served under this record (it was published before the "
        "policy host was set up), no sender has one cached: deleting the record is all a "
        "withdrawal needs."
    )
    return (
        f"\nIf MTA-STS is being withdrawn instead, serve in its place at {policy_url(domain)} "
        "a file of three lines, 'version: STSv1', 'mode: none' and 'max_age: 86400', and "
        "change the id in the record as above; delete the record and the policy host only "
        "once the max_age of the policy senders cached before has run out (RFC 8461 §8.3): "
        "until then a sender that cached that policy keeps applying it." + never
    )


def _server_error_fix(domain: str, result: https.HttpsResult) -> str:
    """MTASTS-10's fix when the policy URL answers a 5xx, an error of the server itself (RFC
    9110 §15.6), or a 429, the server turning requests away for now (RFC 6585 §4): often
    passing (an overloaded or restarting server, a CDN whose origin is down, a rate limit), not
    a file missing. A new 'mode: testing' file and a new id (_serve_fix) could replace a sound
    policy behind the error with a weaker one, and the removal path (_withdraw_instead) read a
    fault as a withdrawal (s48r4). A body that is a policy file itself (served with the wrong
    status: _unserved_fix takes a sound one) keeps the file to serve. '' for any other
    answer."""
    status = result.status
    if result.error_kind is not None or status is None:
        return ""
    if not (500 <= status <= 599 or status == 429):
        return ""
    if re.search(rb"^\s*version:", result.body, re.M):
        return ""
    url = policy_url(domain)
    what = (
        f"an error of the server at {result.host} itself (RFC 9110 §15.6)"
        if status != 429
        else f"the server at {result.host} turning requests away for now (RFC 6585 §4)"
    )
    wait = _retry_after(result.header("retry-after"))
    when = (
        f"the server asks to be asked again {wait} (Retry-After, RFC 9110 §10.2.3): check "
        "again then"
        if wait
        else "check again in a few minutes"
    )
    return (
        f"{url} answers HTTP {status}, {what}, which may pass: {when}, "
        "and if it stays, the server's error log says why; once it answers 200, mailsec "
        "checks the file it serves. A new policy file or a new id in the record mends nothing "
        f"while the server fails. Meanwhile a sender that cached a policy of {domain} keeps "
        f"applying it until its max_age runs out, and one that has none delivers as if "
        f"{domain} had no MTA-STS (RFC 8461 §3.3, §5.1)."
    )


def _retry_after(value: str | None) -> str:
    """When a Retry-After field (RFC 9110 §10.2.3) asks to be asked again: "after 2 hours"
    for delay-seconds, "after 2026-12-06 08:00 UTC" for an HTTP-date; '' without one or for a
    value that is neither (s48r6: a 429 asking for an hour was told "a few minutes")."""
    text = (value or "").strip()
    if text.isdigit():
        # 0: ask again at once, as "a few minutes" says.
        return f"after {_duration(int(text))}" if int(text) else ""
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return ""
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return f"after {when.astimezone(UTC):%Y-%m-%d %H:%M} UTC"


def _unreached_fix(domain: str, result: https.HttpsResult, problems: list[Problem]) -> str:
    """MTASTS-10's fix when the fetch failed below the policy file: a certificate senders refuse
    (MTASTS-12), a TLS handshake that fails (MTASTS-13) or an incomplete HTTP response
    (MTASTS-14). No sender gets any policy through that fault, whatever the file says (RFC 8461
    §3.3), so a new file or id (_serve_fix) mends nothing: the fault is named, its finding gives
    the steps, and what senders do meanwhile is said (RFC 8461 §3.3, §5.1). '' for any other
    cause (no address, a refused connection, a status other than 200: no file is served
    there). Mailsec's hosting is not offered here: the hosted fixes speak of it once the host
    leads there (leads_to_hosting, which looks our host up; a lookup of ours that fails keeps
    the generic advice, tests/test_lab_s16h_hosted.py), and this text has no lookup behind it."""
    cause = next(
        (p for p in problems if p.invalidates and p.status in (Status.FAIL, Status.WARN)), None
    )
    if cause is None:
        return ""
    host, url = result.host, policy_url(domain)
    if cause.check_id == "MTASTS-12":
        fix = (
            f"No sender can fetch a policy from {host} over the certificate it presents: the "
            f"fetch must validate it, for the name {host} (RFC 8461 §3.3). Make {host} "
            f"present a certificate for {host} from a publicly trusted CA, current and sent "
            "with its chain (an ACME client such as certbot gets one for free and renews it); "
            "the fix of MTASTS-12 says what is wrong with the one it sends now."
        )
    elif cause.check_id == "MTASTS-13":
        fix = (
            f"No sender can fetch a policy from {host} until it completes the TLS handshake "
            f"for the name {host} and answers {url}: the fix of MTASTS-13 says what to change."
        )
    elif cause.check_id == "MTASTS-14" and result.error_kind == "http":
        fix = (
            f"No sender can read a policy from {host} until it answers {url} with a complete "
            "HTTP response: the fix of MTASTS-14 says so."
        )
    else:
        return ""
    return (
        f"{fix} A new policy file or a new id in the record mends nothing while this lasts; "
        "mailsec could not read whatever file is served there, and checks it once the fetch "
        f"succeeds. Meanwhile a sender that cached a policy of {domain} keeps applying it "
        f"until its max_age runs out, and one that has none delivers as if {domain} had no "
        "MTA-STS (RFC 8461 §3.3, §5.1)."
    )


def _good_unserved_policy(body: bytes, hosts: list[str]) -> Policy | None:
    """The policy a non-200 answer carries as its body, when serving it with 200 would be
    sound: valid with no failing line, and under testing or enforce matching every MX host
    in `hosts` (RFC 8461 §4.1). None otherwise (an error page, a broken or stale policy)."""
    if not body:
        return None
    policy = parse_policy(body)
    if not policy.valid or any(p.status == Status.FAIL for p in policy.problems):
        return None
    if policy.mode != "none" and (
        not hosts or not all(any(policy_matches(p, h) for p in policy.mx) for h in hosts)
    ):
        return None
    return policy


def _keep_id_words(record: StsRecord | None, which: str) -> str:
    """What to do with the record's id when the policy it announced is served as it is."""
    if record is None or not record.valid or not record.id:
        return ""
    return (
        f", and keep the id in the record (id={record.id}) if it was published with {which}: "
        "senders fetch the policy again when the id changes, and a new id is needed only when "
        "the policy changes (RFC 8461 §3.1)"
    )


def _unserved_fix(
    domain: str, result: https.HttpsResult, mxset: mx.MxSet, state: MtaStsState
) -> str:
    """MTASTS-10's fix when the policy URL answers a status other than 200 with the owner's
    policy visible: the body of that answer is a sound policy (F12b: a 503), or the answer is
    a redirect (F11) whose Location may serve it. Senders take neither (RFC 8461 §3.3); a new
    'mode: testing' file and a new id (_serve_fix) would replace a sound enforce policy with a
    weaker one, and RFC 8461 §3.1 asks for a new id only when the policy changes. So: serve
    that policy with 200 at the URL itself, keeping the id. The Location is named, never
    fetched (senders do not follow it, and mailsec fetches no URL a redirect names); the fresh
    'mode: testing' file after it is for an owner who has no policy of the domain, not a choice
    beside the one the record announces (task s46b). '' when no policy is visible: the file to
    serve stays."""
    status = result.status
    if result.error_kind is not None or status is None or status == 200 or result.truncated:
        return ""
    url = policy_url(domain)
    gone = addressless(mxset)
    hosts = [h for h in mxset.names if h not in gone]
    policy = _good_unserved_policy(result.body, hosts)
    if policy is not None:
        lines = list(policy.lines)
        while lines and not lines[-1].strip():
            lines.pop()
        redirect = ", never following a redirect" if 300 <= status < 400 else ""
        return (
            f"{url} answers HTTP {status} with a valid policy as its body, and senders take a "
            f"policy only from a 200 answer at that URL{redirect} (RFC 8461 §3.3), so none of "
            f"them gets it. Serve that policy at {url} itself with HTTP 200, as text/plain, "
            "without redirect"
            + _keep_id_words(state.record, "this policy")
            + ". The policy, as served now:\n"
            + "\n".join(lines)
            + "\n"
        )
    location = (result.header("location") or "").strip()
    if not (300 <= status < 400 and location):
        return ""
    try:
        target = urljoin(url, location)
    except ValueError:
        target = location
    if len(target) > 300:
        target = target[:300] + "…"
    return (
        f"{url} answers HTTP {status} with a redirect to {target}, and senders never follow a "
        f"redirect (RFC 8461 §3.3). If that URL serves the policy of {domain}, serve the same "
        f"file at {url} itself with HTTP 200, as text/plain, without redirect"
        + _keep_id_words(state.record, "that policy")
        + ". mailsec did not fetch it, as senders do not. If it serves no policy of "
        + f"{domain} and you keep the policy the record was published with elsewhere, serve "
        + "that one the same way: a new file in its place could weaken it. Only if you have "
        + f"no policy of {domain}, start with this one:\n"
        + _serve_fix(domain, mxset, record_extensions(state.candidates))
    )


def setup_fix(domain: str, hosts: list[str], extensions: dict[str, str] | None = None) -> str:
    """MTA-STS from nothing. The record goes last: it tells senders to fetch a policy, which
    must then already be there (RFC 8461 §3.2, §8.1). Testing first, so a mistake costs
    reports, not mail. `extensions`: the owner's fields of a record they published where
    senders never look (misplaced_records), kept as record_fix keeps them."""
    return (
        "Publish these three, in this order:\n"
        f"1. The policy host: {_host_text(domain)}.\n"
        f"2. The policy file at {policy_url(domain)}, as text/plain (mode testing until TLS "
        "reports are clean):\n"
        f"{_file_text('testing', None, hosts)}"
        "3. Last, the record:\n"
        f"{record_fix(domain, extensions)}"
    )


def no_mail_fix(domain: str, reading: mx.NoMailReading | None, *, then: str, if_none: str) -> str:
    """The MTA-STS advice for a domain with no MX whose own address takes no mail (MX-01's
    reading, mx.no_mail_reading): a policy naming that address protects nothing. A domain that
    sends is told, as MX-01 tells it, to publish a real MX first; one that sends no mail either
    gets `if_none` (beside MX-01's null MX) first. `then`: the MTA-STS step once an MX names a
    mail server. '' when MX-01 says nothing of the kind."""
    if reading is None or reading.takes_no_mail is None:
        return ""
    words = reading.takes_no_mail.words
    if reading.advice is None:
        # Its own address takes no mail, yet it sends (mx.sending_signs).
        return (
            f"{domain} has no MX record and its own address takes no mail (see MX-01: {words}), "
            "and MTA-STS protects mail on its way to a domain's mail servers. Publish an MX "
            f"record naming the server that receives its mail first (see MX-01), then {then}."
        )
    return (
        f"{domain} looks like a domain that receives no mail (see MX-01: {words}), and MTA-STS "
        f"protects mail on its way to a domain's mail servers. If it receives no mail, "
        f"{if_none}. If it should receive mail, publish an MX record naming the server that "
        f"receives it first, then {then}."
    )


def no_mail_pointer(domain: str, check_id: str) -> str:
    """The fix of a finding whose cause is no_mail_fix's, given in full by `check_id`."""
    return (
        f"{domain} has no MX record and its own address takes no mail (see MX-01): the fix of "
        f"{check_id} says what comes first."
    )


def _withdraw_words(domain: str) -> str:
    """no_mail_fix's `if_none` where a _mta-sts record is published: MTA-STS goes."""
    return (
        f"publish the null MX MX-01 gives, and delete the record _mta-sts.{domain} (and the "
        f"policy host mta-sts.{domain}, if it serves nothing else): it announces MTA-STS for "
        "mail the domain does not receive"
    )


async def _parent_record(ctx: CheckContext) -> str:
    """The `_mta-sts` name of the nearest parent of ctx.domain, up to its organizational
    domain, that publishes an MTA-STS record; '' for none (or an apex)."""
    org = organizational_domain(ctx.domain, ctx.config.extra_public_suffixes)
    labels = ctx.domain.split(".")
    for start in range(1, len(labels) - org.count(".")):
        name = "_mta-sts." + ".".join(labels[start:])
        answer = await ctx.dns.query(name, "TXT")
        if not answer.failed and any(parse_sts_record(r).is_sts for r in answer.raw_texts()):
            return name
    return ""


# Where an MTA-STS record is published by mistake (checklist MTASTS-01): an underscore where the
# hyphen goes, or no underscore at all (the policy host's name). Senders look up
# _mta-sts.<domain> alone (RFC 8461 §3.1).
MISPLACED_LABELS = ("_mta_sts", "mta-sts")


async def _misplaced(
    ctx: CheckContext,
) -> tuple[list[tuple[str, StsRecord]], dict[str, str]]:
    """misplaced_records, and the names among them that are an alias (name to its target):
    one lookup per check."""
    names = [f"{label}.{ctx.domain}" for label in MISPLACED_LABELS]

    def read(raw: str) -> StsRecord | None:
        # A record of another version ('v=STSv2; id=1') is found as 'v=STSv10; id=1' always
        # was (its bytes hold "v=STSv1"): senders discard both (other_version; s42i).
        record = parse_sts_record(raw)
        return record if looks_like_sts(record.raw) or other_version(record.raw) else None

    async def lookup() -> tuple[list[tuple[str, StsRecord]], dict[str, str]]:
        return await misplaced_lookup(ctx.dns, names, read, [policy_host(ctx.domain)])

    return await ctx.once(f"mtasts-misplaced:{ctx.domain}", lookup)


async def misplaced_records(ctx: CheckContext) -> list[tuple[str, StsRecord]]:
    """The MTA-STS records published at MISPLACED_LABELS under the domain, with their name:
    asked once per check, by MTASTS-01 when _mta-sts holds none or the domain has a null MX.
    A failed lookup says nothing (no record). A record reached through a CNAME is the alias
    target's (no other data stands beside a CNAME, RFC 2181 §10.1), so there is no TXT
    record of the owner's to delete at the name (misplaced_aliases). At the policy host
    mta-sts.<domain> it is not named at all: the alias serves the policy and must stay. At
    _mta_sts it is named as the alias it is, which serves nothing and goes."""
    return (await _misplaced(ctx))[0]


async def misplaced_aliases(ctx: CheckContext) -> dict[str, str]:
    """The names of misplaced_records that are an alias (CNAME), each with its target."""
    return (await _misplaced(ctx))[1]


def _misplaced_evidence(pairs: list[tuple[str, str]], aliases: dict[str, str]) -> list[Any]:
    """MTASTS-01's evidence 'misplaced': each (name, record), and the alias target of a name
    that is a CNAME."""
    return [
        {"name": n, "record": r, **({"alias": aliases[n]} if n in aliases else {})}
        for n, r in pairs
    ]


def policy_host(domain: str) -> str:
    return f"mta-sts.{domain}"


def _moved_fix(
    domain: str,
    fix: str,
    pairs: list[tuple[str, str]],
    aliases: dict[str, str],
    either_way: bool = False,
) -> str:
    """moved_fix for MTASTS-01: at the policy host, the TXT record alone goes; an alias at
    _mta_sts goes itself. `either_way`: `fix` gives MX-01's null MX or mail, and the deletes
    belong to both."""
    host = policy_host(domain)
    kept = (
        f"the A or AAAA records of the policy host {host} stay, and a CNAME to a hosting "
        "service can be published there only once no other record is"
    )
    return moved_fix(fix, pairs, {host: kept}, aliases, either_way)


async def evaluate(ctx: CheckContext) -> list[Finding]:
    out = Collector(MECHANISM)
    mxset = await mx.get_mx(ctx)
    if mxset.null_mx:
        # Still "does not apply": the null MX domain is not scored on MTA-STS. A record left
        # over at _mta-sts, or published where senders never look, is named to be deleted.
        summary = f"{ctx.domain} accepts no mail (null MX), so MTA-STS does not apply."
        words, fix, evidence, left = await _left_over(ctx) or ("", "", {}, [])
        pairs = [(name, record.raw) for name, record in await misplaced_records(ctx)]
        aliases = await misplaced_aliases(ctx)
        if pairs:
            evidence = {**evidence, "misplaced": _misplaced_evidence(pairs, aliases)}
        out.add(
            "MTASTS-01",
            Status.NA,
            (f"{summary} {words}" if words else summary)
            + no_mail_misplaced_note("An MTA-STS", pairs, aliases)
            # The versions senders do not know, left over or misplaced (s42i), said once.
            + _unknown_versions(left + [record for _, record in pairs]),
            subject=ctx.domain,
            evidence=evidence,
            fix=_moved_fix(ctx.domain, fix, pairs, aliases),
        )
        return out.findings
    state = await get_policy(ctx)
    answer = state.answer
    assert answer is not None
    txt_subject = f"_mta-sts.{ctx.domain}"
    txt_ev = answer.evidence()
    fetch_ev = state.fetch.evidence() if state.fetch else {}
    hosts = mxset.names

    if state.record_status == "error":
        out.add(
            "MTASTS-01",
            Status.ERROR,
            f"Could not look up the MTA-STS record ({answer.describe_failure()}); MTA-STS "
            "could not be checked.",
            subject=txt_subject,
            evidence=txt_ev,
        )
        return out.findings

    if state.record_status == "absent":
        # Served as senders would take it: a valid file without a fetch problem that voids it
        # (a text/html Content-Type, a bad certificate...).
        served = (
            state.policy is not None
            and state.policy.valid
            and not any(p.invalidates for p in state.fetch_problems)
        )
        # Asked only here, with no record at _mta-sts: one more TXT query, no more.
        misplaced = await misplaced_records(ctx)
        moved_extensions = record_extensions([record for _, record in misplaced])
        gone = addressless(mxset)
        # MX-01 proposes a null MX (mx.advises_no_mail): a misplaced record is moved only if
        # the domain is to receive mail, and goes either way.
        null_mx = ""
        withdrawing = False
        if gone and len(gone) == len(mxset.hosts):
            # No MX host can receive mail (MX-06): a policy listing them protects nothing,
            # and one listing none is no policy. The MX records come first.
            fix = (
                f"Fix the MX records first: {no_mx_cause(ctx.domain, mxset, gone)}, so no mail "
                "can be delivered to it. Then set up MTA-STS for the MX hosts that receive its "
                "mail."
            )
        else:
            listed, aliases = with_alias_targets(mxset, [h for h in hosts if h not in gone])
            fix = setup_fix(ctx.domain, listable_hosts(listed), moved_extensions)
            if gone:
                fix += "\n" + left_out(gone)
            if aliases:
                fix += "\n" + aliases
            if served:
                fix = await _announce_fix(ctx, state, mxset, moved_extensions or None)
            # mta-sts.<domain> already leads to our hosted MTA-STS: hosting is turned on (or
            # the record published) in mailsec, the policy is not the owner's to write.
            hosted = await _hosted_setup_fix(ctx, state, mxset, served)
            # MX-01's reading (mx.no_mail_reading, shared and within its wait): the null MX
            # only for a domain that sends no mail either, a real MX first for one that does.
            # A served policy is not to be announced then: it would name no mail server.
            reading = None if hosted else await mx.no_mail_reading(ctx)
            url = policy_url(ctx.domain)
            if served:
                then = (
                    f"list that server in the policy file at {url} and publish the record that "
                    "announces it"
                )
                if_none = (
                    f"publish the null MX MX-01 gives instead, and leave the policy file at {url} "
                    "unannounced (or stop serving it): it names no server that receives the "
                    "domain's mail"
                )
            else:
                then = "set up MTA-STS for that server"
                if_none = "publish the null MX MX-01 gives instead"
            announce = fix
            fix = hosted or no_mail_fix(ctx.domain, reading, then=then, if_none=if_none) or fix
            null_mx = ctx.domain if reading is not None and reading.advice is not None else ""
            if served and fix == announce and state.policy and state.policy.mode == "none":
                # A 'mode: none' file with the record gone: a withdrawal whose record went
                # first (s48b). The record brings the 'none' to senders; both go last. Only
                # if a policy was ever announced: a domain that never announced one has
                # nothing cached anywhere to withdraw (s48r4). An earlier check that saw a
                # valid record (mtasts_previous) says it was announced (s48r6).
                seen = ctx.config.mtasts_previous
                fix = (
                    (
                        f"{ctx.domain} announced a policy before (an earlier check saw its "
                        f"record, id {seen[0]}): publish the record again with a new id, so "
                        "senders fetch this 'mode: none' file:\n"
                        if seen
                        else f"If {ctx.domain} announced a policy before (an _mta-sts record "
                        "was published), publish the record again with a new id, so senders "
                        "fetch this 'mode: none' file:\n"
                    )
                    + fix
                    + "\nKeep the record and this file until the max_age of the policy senders "
                    "cached before has run out; then delete the record and the policy file "
                    "(RFC 8461 §8.3)."
                    + (
                        ""
                        if seen
                        else f"\nIf {ctx.domain} never announced a policy, no sender has one "
                        "cached: publish nothing, and delete the file when you like."
                    )
                )
                withdrawing = True
        summary = (
            f"{ctx.domain} has no MTA-STS record, so senders do not protect mail to it "
            "against TLS downgrade."
        )
        if not served and (parents := await _parent_record(ctx)):
            # A subdomain under a parent with a policy: told to publish its own record, the
            # owner would still think the parent's covers it until then.
            summary += (
                f" The record at {parents} does not cover it: senders look up a policy at "
                "each mail domain's own name, never at a parent's (RFC 8461 §3.4)."
            )
        if served:
            summary = (
                f"A policy file is served at {policy_url(ctx.domain)} but not announced: "
                f"without the {txt_subject} TXT record senders will not use it."
            )
        held = held_txt_records(answer)
        if held:
            # The owner sees a TXT record at _mta-sts (an empty one, as a DNS panel saves a
            # blank value): "no record" alone would contradict it; said what it is instead.
            if served:
                summary = f"A policy file is served at {policy_url(ctx.domain)} but not announced."
            summary += " " + not_the_record(
                txt_subject,
                held,
                len(answer.texts()),
                "an MTA-STS record",
                "MTA-STS records",
                '"v=STSv1;", RFC 8461 §3.1',
                "senders",
            )
        if withdrawing:
            summary += (
                " Its mode is none, the last step of withdrawing MTA-STS, but senders fetch a "
                "policy only when a record with a new id announces it and keep the one they "
                "cached while no record is published (RFC 8461 §3.1, §5.1): any sender that "
                f"cached an earlier policy of {ctx.domain} keeps applying it until that "
                "policy's max_age runs out. RFC 8461 §8.3 deletes the record last."
            )
            if not ctx.config.mtasts_previous:
                summary += (
                    f" If {ctx.domain} never announced a policy, no sender has one cached and "
                    "the file changes nothing."
                )
        # _mta-sts is an alias whose target is gone or holds no record (s48i: a tenant name at
        # an MSP that dropped the tenant): said, and the fix cannot put a TXT beside it.
        summary += _sts_alias_note(ctx.domain, answer)
        evidence = {"txt": txt_ev, **({"policy": fetch_ev} if served else {})}
        pairs = [(name, record.raw) for name, record in misplaced]
        aliases = await misplaced_aliases(ctx)
        if pairs:
            # As TLSRPT-01's: the records the fix moves, for pages that build their own.
            evidence["misplaced"] = _misplaced_evidence(pairs, aliases)
        out.add(
            "MTASTS-01",
            Status.INFO,
            summary
            + misplaced_note(
                "An MTA-STS",
                txt_subject,
                "RFC 8461 §3.1",
                pairs,
                aliases,
                null_mx,
                # Moved, a record of another version would still be discarded (s43e).
                instead="an STSv1 record" if _other_versions([r for _, r in pairs]) else "",
            )
            # The versions senders do not know, at _mta-sts or misplaced (s42i), said once.
            + _unknown_versions((answer.texts() if held else []) + [r for _, r in pairs]),
            subject=txt_subject,
            evidence=evidence,
            # The record alone announces a policy nobody serves (MTASTS-10, -11).
            fix=_sts_behind_alias(
                _in_place_of_version(
                    in_place_of_empty(
                        _moved_fix(ctx.domain, fix, pairs, aliases, either_way=bool(null_mx)),
                        txt_subject,
                        # Through an alias the empty record is the target's, not at _mta-sts.
                        "" if answer.cnames else held,
                        "senders",
                    ),
                    txt_subject,
                    [] if answer.cnames else answer.texts(),
                ),
                ctx.domain,
                answer,
            ),
        )
        return out.findings

    out.add(
        "MTASTS-01",
        Status.PASS,
        f"{ctx.domain} publishes an MTA-STS record.",
        subject=txt_subject,
        evidence=txt_ev,
    )
    # A domain with no MX whose own address takes no mail (MX-01): a policy, or a repaired
    # record, for that address protects nothing. Every finding that would offer one offers
    # this instead (as MTASTS-01 would), given once in full (_point_to_no_mail).
    no_mail = await _no_mail_record_fix(ctx, state, mxset)
    target = None
    if state.policy is not None:
        # Once per run: every finding that changes the policy offers this one file and id.
        target = policy_target(
            ctx.domain,
            state.policy,
            mxset,
            await _fix_mode(ctx, state, mxset),
            record_extensions(state.candidates),
        )
        if no_mail:
            target = replace(target, fix=no_mail, no_mail=True)
    _record_findings(ctx, state, out, txt_ev, target, no_mail)
    _fetch_findings(
        ctx, state, out, fetch_ev, mxset, await _fetch_hosted_fix(ctx, state.fetch), no_mail
    )
    if target is not None:
        _policy_findings(ctx, state, out, fetch_ev, target)
    await _consistency_findings(ctx, state, mxset, out, target)
    if no_mail:
        _point_to_no_mail(ctx.domain, out, no_mail)
    if answer.cnames:
        for finding in out.findings:
            finding.fix = delegated(finding.fix, ctx.domain, answer.cnames[-1])
    return out.findings


def _sts_alias_note(domain: str, answer: DnsAnswer) -> str:
    """What MTASTS-01 adds for a missing record when _mta-sts is an alias: senders follow it
    (RFC 8461 §3.1) and find nothing at its target (as TLSRPT-01's _alias_note)."""
    if not answer.cnames:
        return ""
    where = "which does not exist" if answer.nxdomain else "where no MTA-STS record is published"
    return f" _mta-sts.{domain} is an alias (CNAME) of {answer.cnames[-1]}, {where}."


def _sts_behind_alias(fix: str, domain: str, answer: DnsAnswer) -> str:
    """MTASTS-01's fix for a missing record when _mta-sts is an alias whose target holds none
    (or does not exist): a TXT record cannot sit beside the CNAME (RFC 1034 §3.6.2, RFC 2181
    §10.1), so it goes at the target, by whoever runs it, or the alias is deleted and the
    record published at _mta-sts itself (as TLSRPT-01's _behind_alias)."""
    return tlsrpt.fix_behind_alias(
        fix, f"_mta-sts.{domain}", domain, answer, _sts_alias_note(domain, answer)
    )


def _other_versions(texts: list[str]) -> list[str]:
    """The TXT records among `texts` whose first field is a version other than STSv1
    ('v=STSv2; id=1', 'v=STSv10; id=1'): meant as MTA-STS records, discarded by senders (RFC
    8461 §3.1), and, with no record counted, not read as candidates (other_version)."""
    return [t for t in texts if other_version(t)]


def _unknown_versions(texts: list[str]) -> str:
    """MTASTS-01's words for _other_versions: which version they name, and the one there is."""
    versions = list(dict.fromkeys(_version_field(t.split(";")[0]) for t in _other_versions(texts)))
    if not versions:
        return ""
    one = len(versions) == 1
    return (
        f" {series([repr(v) for v in versions])} {'is no version' if one else 'are no versions'} "
        "senders know: STSv1 is the only one defined."
    )


def _in_place_of_version(fix: str, name: str, texts: list[str]) -> str:
    """MTASTS-01's `fix` publishing the record at `name` (the TXT records there `texts`, none
    through an alias), told to replace a record of _other_versions: kept beside it, that one
    would stay as a record the owner reads as theirs."""
    others = _other_versions(texts)
    if not others or f"{name}. TXT " not in fix:
        return fix
    one = len(others) == 1
    named = series([repr(t) for t in others])
    return (
        f"{fix}\nPublish the record in place of the TXT record{'' if one else 's'} {named} at "
        f"{name}: senders ignore {'it' if one else 'them'}."
    )


async def _left_over(ctx: CheckContext) -> tuple[str, str, dict[str, Any], list[str]] | None:
    """For a null-MX domain (MTASTS-01 "does not apply"): the words, fix and evidence about an
    MTA-STS record (and the policy it announces) still published, left over from when the
    domain took mail, and the TXT records at _mta-sts (their unknown versions are told with
    the misplaced records', _unknown_versions); None when no such record is published (the
    policy is then not fetched: nothing announces it).

    Deleting both is the fix. RFC 8461 §8.3's retirement (a policy in mode none under a new
    id, served for the old max_age) keeps mail flowing while senders drop a cached enforce
    policy; with a null MX no sender delivers (RFC 7505 §3), so none applies a cached policy
    either, and the mode none step only matters if the domain may take mail again before
    the old policy's max_age has run out."""
    answer = await ctx.dns.query(f"_mta-sts.{ctx.domain}", "TXT")
    records = [] if answer.failed else [parse_sts_record(raw) for raw in answer.raw_texts()]
    # A record of a version senders do not know ('v=STSv2; id=1', as 'v=STSv10; id=1') is one
    # they discard, as MTASTS-01 reads it with mail: left over too, named to go (s42l).
    if not any(r.is_sts or looks_like_sts(r.raw) or other_version(r.raw) for r in records):
        return None
    state = await get_policy(ctx)
    domain, url = ctx.domain, policy_url(ctx.domain)
    name = f"_mta-sts.{domain}"
    policy = state.policy
    served = policy is not None and policy.valid
    evidence: dict[str, Any] = {"txt": answer.evidence()}
    if state.fetch is not None:
        evidence["policy"] = state.fetch.evidence()
    if served and policy is not None:
        listed = f", mx: {', '.join(policy.mx)}" if policy.mx else ""
        words = (
            f"Its MTA-STS record ({name}) and the policy at {url} (mode {policy.mode}{listed}) "
            "are left over from when it took mail: no sender applies them while the null MX "
            "stands (RFC 7505 §3), so both can be deleted."
        )
    else:
        words = (
            f"Its MTA-STS record ({name}) is left over from when it took mail (no valid policy "
            f"is served at {url}): no sender applies it while the null MX stands (RFC 7505 "
            "§3), so it can be deleted."
        )
    max_age = policy.max_age if served and policy is not None else None
    age = f" ({max_age} s)" if max_age else ""
    host = f"mta-sts.{domain}"
    # A file answers at the policy URL (valid or not): it is to stop. With none (a 404, no
    # such host, no connection) there is nothing to stop serving (s42i).
    stop = f" and stop serving {url}" if policy is not None else ""
    where = "" if stop else f"no policy file is served at {url}; "
    if _hosting_on(ctx) is not None:
        fix = (
            f"mailsec hosts this policy: Stop hosting on the domain's page in mailsec (it "
            f"serves mode none until senders have dropped the policy, then releases {host}), "
            f"and delete the record {name}."
        )
    elif served and policy is not None and policy.mode == "none":
        fix = (
            f"Delete the TXT record {name} and stop serving {url} (the name {host} can go "
            "too, if it serves nothing else): the policy already says mode: none, the way to "
            "withdraw MTA-STS (RFC 8461 §8.3), and with the null MX no sender delivers mail to "
            f"{domain} anyway."
        )
    else:
        fix = (
            f"Delete the TXT record {name}{stop} ({where}the name {host} can go "
            "too, if it serves nothing else). With the null MX no sender delivers mail to "
            f"{domain}, so no cached policy is in the way: the mode: none step of RFC 8461 "
            "§8.3 is for a domain that keeps receiving mail. Only if it may take mail again "
            f"before the policy's max_age{age} has passed since the null MX was published, "
            "first serve the policy with mode: none under a new id, and delete both after that."
        )
    if answer.cnames:
        fix += (
            f"\n({name} is an alias of {answer.cnames[-1]}: delete the alias, and tell whoever "
            "runs the target that it is no longer needed.)"
        )
    return words, fix, evidence, [r.raw for r in records]


async def _no_mail_record_fix(ctx: CheckContext, state: MtaStsState, mxset: mx.MxSet) -> str:
    """The fix for a published MTA-STS record at a domain with no MX whose own address takes
    no mail (no_mail_fix, as MTASTS-01's): a policy file naming that address, as _serve_fix or
    policy_target would write, protects nothing. MTASTS-10 gives it when no policy is served,
    else the first finding that would change the policy or the record. '' otherwise. Asked
    only without MX records, so a domain with them waits for no port-25 probe (MX-01 waits
    for this same reading, once per run)."""
    result = state.fetch
    if not mxset.implicit or result is None:
        return ""
    url = policy_url(ctx.domain)
    served = result.ok and result.status == 200
    return no_mail_fix(
        ctx.domain,
        await mx.no_mail_reading(ctx),
        then=f"list that server in the policy file at {url} and change the id in the record"
        if served
        else f"serve the policy file at {url} for that server and change the id in the record",
        if_none=_withdraw_words(ctx.domain),
    )


def _point_to_no_mail(domain: str, out: Collector, no_mail: str) -> None:
    """_no_mail_record_fix's text once in full, by MTASTS-10 when it gives it (the fetch
    findings already point there), else by the first finding that does; the others point to
    that finding rather than repeat it."""
    carrying = [f for f in out.findings if no_mail in f.fix]
    if not carrying:
        return
    first = next((f for f in carrying if f.id == "MTASTS-10"), carrying[0])
    for finding in carrying:
        if finding is not first:
            finding.fix = finding.fix.replace(no_mail, no_mail_pointer(domain, first.id))


async def _announce_fix(
    ctx: CheckContext,
    state: MtaStsState,
    mxset: mx.MxSet,
    extensions: dict[str, str] | None = None,
) -> str:
    """The record for a policy that is served but not announced. Publishing it makes senders
    apply the file as it is: only when that cannot lose mail (every MX covered and validated,
    MTASTS-30/32/36) is the record alone the fix; otherwise the file goes to testing with the
    MX hosts added first, then the record (RFC 8461 §5, §8.1). `extensions`: the record's
    fields, by default those of the published candidates (record_extensions)."""
    policy = state.policy
    assert policy is not None
    if extensions is None:
        extensions = record_extensions(state.candidates)
    if await _announce_is_safe(ctx, state, mxset):
        return record_fix(ctx.domain, extensions)
    gone = addressless(mxset)
    names = [h.name for h in mxset.hosts if h.name not in gone]
    uncovered = [
        n for n in names if listable(n) and not any(policy_matches(p, n) for p in policy.mx)
    ]
    omitted = [g for g in gone if listable(g) and not any(policy_matches(p, g) for p in policy.mx)]
    fix = policy_change_fix(
        ctx.domain,
        "testing",
        policy.max_age,
        policy.mx + uncovered,
        announce=True,
        extensions=extensions,
    )
    return f"{fix}\n{left_out(omitted)}" if omitted else fix


async def _announce_is_safe(ctx: CheckContext, state: MtaStsState, mxset: mx.MxSet) -> bool:
    """Whether announcing the served policy as it is cannot lose mail: mode none (senders
    apply nothing), or every MX covered and validated (MTASTS-30/32/36)."""
    policy = state.policy
    assert policy is not None
    if policy.mode not in {"enforce", "testing"}:
        return True
    # An MX host without an address (MX-06) needs no mx line: no mail goes there.
    gone = addressless(mxset)
    names = [h.name for h in mxset.hosts if h.name not in gone]
    covered = not mxset.failed and all(
        any(policy_matches(p, name) for p in policy.mx) for name in names
    )
    return covered and (await get_validation(ctx, mxset)).ok


async def _fix_mode(ctx: CheckContext, state: MtaStsState, mxset: mx.MxSet) -> str:
    """The mode a fix that changes the policy (or makes it usable) proposes. Under enforce
    senders refuse an MX that fails validation (RFC 8461 §5): a fix keeps enforce only when
    that cannot lose mail, the same gate as the testing -> enforce suggestion. A policy
    senders already apply keeps enforce unless an MX definitely fails; one they do not apply
    yet (a bad id, max_age, no mx line...) only once every MX address was probed and passed."""
    # A mode only in the wrong case ('Enforce') says what the owner meant: it goes through
    # the same gate as a valid one. Anything else ('report', a draft value) becomes testing.
    # So does a mode with a comment after it ('enforce   # since 2026-11'), or in quotes as
    # YAML writes it ('"enforce"', s34m-modequoted), or with the ';' of the TXT record's
    # habit after it ('enforce;', s40d-modesemi). A mode that says off ('off', 'disabled':
    # OFF_MODES, s43j-modeoff) becomes none, the removal path (RFC 8461 §8.3).
    written = state.mode or (state.policy.mode_written if state.policy else None)
    meant = (written or "").partition("#")[0].strip(_WSP).lower()
    meant = meant.removesuffix(";").rstrip(_WSP)
    if len(meant) > 2 and meant[0] == meant[-1] and meant[0] in "\"'":
        meant = meant[1:-1].strip(_WSP)
    mode = meant if meant in MODES else "none" if meant in OFF_MODES else "testing"
    if mode != "enforce":
        return mode
    validation = await get_validation(ctx, mxset)
    if validation.ok or (state.usable and not validation.failed):
        return mode
    return "testing"


def _record_findings(
    ctx: CheckContext,
    state: MtaStsState,
    out: Collector,
    txt_ev: dict[str, Any],
    target: PolicyTarget | None,
    no_mail: str = "",
) -> None:
    """`no_mail`: _no_mail_record_fix's text, offered in place of a repaired record."""
    subject = f"_mta-sts.{ctx.domain}"
    # A repaired record makes senders apply the served policy. When the run changes that
    # policy (a mode that would lose mail under enforce, an uncovered MX...), the record goes
    # with the changed file: the same id in two fixes applied in turn would change the file
    # under an id senders already cached it with. At a domain that takes no mail, the record
    # goes (no_mail).
    new_record = no_mail or (
        target.fix
        if target is not None and target.changes
        else record_fix(ctx.domain, record_extensions(state.candidates))
    )
    assert state.answer is not None
    # Only the MTA-STS record's own strings: other TXT records at _mta-sts (a site
    # verification token split in two) are none of senders' business.
    split = [
        r
        for r in state.answer.records
        if len(getattr(r, "strings", ())) > 1
        and looks_like_sts(b"".join(r.strings).decode("utf-8", errors="replace"))
    ]
    if split:
        out.add(
            "MTASTS-03",
            Status.INFO,
            "The record is split into several strings; they are joined without spaces "
            "(RFC 8461 §3.1).",
            subject=subject,
            evidence=txt_ev,
        )
    # Several records where one is valid and begins with the exact "v=STSv1;" and the others
    # are "v=STSv1 ;" (erratum 6285): senders keying on the literal prefix discard the others
    # and apply the policy, the rest see two records and no policy. The fix deletes the others:
    # a fresh record next to the valid one would make two valid records.
    strict = [r for r in state.candidates if r.strict_prefix]
    spaced = [r for r in state.candidates if r.spaced_prefix]
    # The one record strict senders apply: with it, every other record is to be deleted.
    kept = len(strict) == 1 and strict[0].valid and state.record_status in {"valid", "multiple"}
    delete_spaced = ""
    if kept and spaced:
        delete_spaced = "\n".join(delete_record_fix(subject, r) for r in spaced)
    if state.record_status == "multiple":
        counted = [r for r in state.candidates if r.is_sts]
        keep, replacing = _several_records(subject, counted, target, new_record)
        if no_mail and not delete_spaced:
            # At a domain that takes no mail the fix is no_mail's (delete the record, or an MX
            # first): the summary does not ask to keep one record ahead of it.
            keep = (
                f"{ctx.domain} has no MX record and its own address takes no mail (see MX-01): "
                "the fix says what comes before keeping one."
            )
        elif delete_spaced:
            keep = "Keep one."
        else:
            # Repairing one of them (MTASTS-05's new id...) leaves the others: every fix of a
            # record here is this one record in place of them all.
            new_record = replacing
        out.add(
            "MTASTS-02",
            Status.FAIL,
            f"There are {len(counted)} MTA-STS records; senders need exactly one and otherwise "
            f"assume there is no policy (RFC 8461 §3.1). {keep}",
            subject=subject,
            evidence=txt_ev,
            fix=delete_spaced or new_record,
        )
    elif state.record_status == "valid":
        out.add(
            "MTASTS-02",
            Status.PASS,
            "Exactly one valid MTA-STS record is published.",
            subject=subject,
            evidence=txt_ev,
        )
    # Next to the one record senders use, a record not beginning with "v=STSv1;" is discarded
    # (RFC 8461 §3.1) and changes nothing for them: its own faults are not the domain's, and
    # the fix is deleting it. Offering a corrected record instead would make two valid records,
    # and with them no policy at all (MTASTS-02). That holds too when a spaced record beside
    # them makes the status "multiple": strict senders still apply the valid one.
    strays = [r for r in state.candidates if not r.is_sts] if kept else []
    if delete_spaced:
        out.add_record_problems(spaced, subject=subject, evidence=txt_ev, fix=delete_spaced)
    used = [r for r in state.candidates if r not in strays and not (delete_spaced and r in spaced)]
    out.add_record_problems(used, subject=subject, evidence=txt_ev, fix=new_record)
    _id_apart(state.answer, out.findings)
    for stray in strays:
        out.add(
            "MTASTS-04",
            Status.WARN,
            f'{subject} also holds {stray.raw!r}, which does not begin with "v=STSv1;": '
            "senders discard it and use the valid record (RFC 8461 §3.1), but one that reads "
            "the version loosely would count it as one more record and apply no policy. Delete it.",
            subject=subject,
            evidence={**txt_ev, "record": stray.raw},
            fix=delete_record_fix(subject, stray),
        )
    if state.record_status == "valid" and state.record is not None:
        out.add(
            "MTASTS-05",
            Status.PASS,
            f"The record's id ({state.record.id}) is valid.",
            subject=subject,
            evidence=txt_ev,
        )
    previous = ctx.config.mtasts_previous
    # Only a valid record has an id a sender keys its cache on: with an invalid or discarded
    # one, "the id changed" would compare against nothing senders use.
    if previous and state.record_status == "valid" and state.record and state.policy is not None:
        history = {"id": previous[0], "policy_sha256": previous[1]}
        _history_finding(ctx, state, history, out, new_record)


def _several_records(
    subject: str, counted: list[StsRecord], target: PolicyTarget | None, new_record: str
) -> tuple[str, str]:
    """MTASTS-02's advice for several v=STSv1 records, none of them only discarded (the
    spaced ones beside one valid record are deleted instead): (the summary's last words, the
    fix). Exactly one record must remain (RFC 8461 §3.1).

    Copies of one valid record (the same id and fields, a record added twice) are simply kept
    once: the id goes with the policy it went with before. Records with different ids get one
    record with a new id in their place: nothing tells which id the policy served now was
    published under (the owner often adds the new record beside the old instead of replacing
    it), senders that cached a policy under one of them keep it as long as that id stays
    (§5.1), and a new id costs only one fetch of the policy. Keeping either id risks a sender
    applying an old policy until its max_age runs out."""
    first = counted[0]
    copies = all(r.valid and r.id == first.id and r.extensions == first.extensions for r in counted)
    if copies and not (target is not None and target.changes):
        extra = len(counted) - 1
        others = [r.raw for r in counted[1:] if r.raw != first.raw]
        if others:
            # One record in several spellings ('id=1' and 'id=1;'): the owner's panel shows
            # different texts, so they are named, not called identical.
            named = series([f"'{raw}'" for raw in [first.raw, *others]])
            deleted = " and ".join(f"{subject}. TXT {quote_txt(raw)}" for raw in others)
            return (
                f"They say the same (id {first.id}) written {len(others) + 1} ways, "
                f"{named}: keep the first and delete "
                f"{'the other' if len(others) == 1 else 'the others'}.",
                f"Delete the record{'s' if len(others) > 1 else ''} {deleted} and keep the "
                f"other, written as it is:\n{txt_fix(subject, first.raw)}",
            )
        return (
            f"They are {'two copies' if extra == 1 else f'{len(counted)} copies'} of one "
            f"record (id {first.id}): delete {'one' if extra == 1 else f'{extra} of them'} "
            "and keep the other.",
            f"Delete {'one' if extra == 1 else f'{extra}'} of the {len(counted)} identical "
            f"records at {subject}, keeping one:\n{txt_fix(subject, first.raw)}",
        )
    quoted = [quote_txt(r.raw) for r in counted]
    listed = ", ".join(quoted[:-1]) + " and " + quoted[-1]
    both = "both" if len(counted) == 2 else f"all {len(counted)}"
    if target is not None and target.changes:
        how = f"Replace {both} with the one record in step 2"
    else:
        how = f"Delete {both} and publish this one record in their place"
    return (
        f"Replace {both} with one record with a new id: nothing tells which of their ids "
        "the policy served now goes with, and a new id makes senders that cached a policy "
        f"under {'either' if len(counted) == 2 else 'any of them'} fetch the one served now.",
        f"{how} (records at {subject} now: {listed}):\n{new_record}",
    )


def _history_finding(
    ctx: CheckContext,
    state: MtaStsState,
    previous: dict[str, Any],
    out: Collector,
    new_record: str,
) -> None:
    """MTASTS-09 (needs the previous scan): the id must change exactly when the policy does."""
    assert state.record is not None and state.fetch is not None
    digest = policy_digest(state)
    # Earlier runs stored the digest of the bytes as served; a run may compare with either.
    same = {digest, hashlib.sha256(state.fetch.body).hexdigest()}
    old_id, old_digest = previous.get("id"), previous.get("policy_sha256")
    if not old_id or not old_digest:
        return
    subject = f"_mta-sts.{ctx.domain}"
    ev = {"previous": previous, "current": {"id": state.record.id, "policy_sha256": digest}}
    if old_id == state.record.id and old_digest not in same:
        # 'May ... for up to': a sender may refresh its cached policy before max_age is over
        # (RFC 8461 §3.3, §5.1). History keeps the old policy's id and digest, not its
        # max_age, so the days named are the served policy's, said as such.
        served = state.policy.max_age if state.policy is not None else None
        days = f" (the policy served now says {_duration(served)})" if served else ""
        out.add(
            "MTASTS-09",
            Status.WARN,
            f"The policy changed but the record's id did not (id={old_id} at both checks); "
            "senders that cached the old policy under that id may keep using it for up to "
            f"its max_age{days}. Change the id whenever the policy changes.",
            subject=subject,
            evidence=ev,
            fix=new_record,
        )
    elif old_id != state.record.id and old_digest in same:
        out.add(
            "MTASTS-09",
            Status.INFO,
            "The id changed but the policy is the same; harmless, senders just refetch.",
            subject=subject,
            evidence=ev,
        )


def policy_meaning(body: bytes) -> str:
    """A digest of what senders take from one policy body, to compare the addresses of the
    policy host (MTASTS-17): version, mode, max_age and the set of mx patterns. Line ends,
    trailing blanks, empty lines, the order of mx lines and extension fields change nothing a
    sender does. A body senders reject is compared by its lines (ends and blanks aside), so
    two different broken files still show."""
    policy = parse_policy(body)
    if policy.valid:
        mx_set = "\n".join(sorted(set(policy.mx)))
        meaning = f"valid\n{policy.version}\n{policy.mode}\n{policy.max_age}\n{mx_set}"
    else:
        lines = [line.rstrip(_WSP) for line in policy.lines if line.strip(_WSP)]
        meaning = "invalid\n" + "\n".join(lines)
    return hashlib.sha256(meaning.encode()).hexdigest()


def policy_digest(state: MtaStsState) -> str:
    """What a sender's cached copy of the policy means: mode, max_age and the mx patterns (as
    a set). Line endings, blanks, the order of mx lines or extension fields change nothing a
    sender does, so they do not call for a new id (MTASTS-09)."""
    policy = state.policy
    if policy is None:
        assert state.fetch is not None
        return hashlib.sha256(state.fetch.body).hexdigest()
    return _meaning_digest(policy)


def _meaning_digest(policy: Policy) -> str:
    meaning = f"{policy.mode}\n{policy.max_age}\n" + "\n".join(sorted(set(policy.mx)))
    return hashlib.sha256(meaning.encode()).hexdigest()


def kept_policy_digest(kept: str, stored: str) -> str | None:
    """policy_digest of a policy from the text a run kept of it (MTASTS-20's evidence
    "policy": its lines, joined by LF, at most KEPT_POLICY_LINES), when that run's `stored`
    digest is of the bytes as served, as runs before policy_digest stored them (CRLF or LF,
    in their order), which only this text can turn into what they meant.

    None when the text may have been cut there, or when `stored` is not the digest of the
    text with LF or CRLF line ends (with or without one after the last line): it is then a
    meaning digest already, or one the text cannot explain, and is compared as it is. Read
    again, the lines need not mean what the engine read in the bytes: a policy saved as
    UTF-16 has no field for senders (MTASTS-28), while its lines, decoded, have them all."""
    if not kept or kept.count("\n") + 1 >= KEPT_POLICY_LINES:
        return None
    lines = kept.split("\n")
    served = {end.join(lines) + last for end in ("\r\n", "\n") for last in (end, "")}
    if stored not in {hashlib.sha256(body.encode()).hexdigest() for body in served}:
        return None
    return _meaning_digest(parse_policy(kept))


def _default_vhost_text(result: https.HttpsResult) -> str:
    """MTASTS-13's summary for a policy host answering its name with its default
    certificate (https.CertInfo.same_without_sni)."""
    host = result.host
    return (
        f"The policy host {host} answers a TLS handshake for {host} (SNI) with the same "
        f"certificate it presents without SNI, its default certificate "
        f"{https.default_certificate_text(result)}: the server has no certificate of its own "
        f"for {host}, as a shared web server or CDN does when it has no site for the name, or "
        "a server whose one certificate does not name it. Senders get "
        "no policy from it: a server must present a certificate valid for the policy host's "
        "name or abort the handshake (RFC 8461 §7.1, §3.3)."
    )


def _tls_failure_text(result: https.HttpsResult) -> str:
    """MTASTS-13's summary: the SNI rule for a failed handshake; for a host that demands a
    client certificate (or closed the connection right after the handshake as such hosts
    do), that, since no certificate for the name would help."""
    host = result.host
    if result.client_cert == https.CLIENT_CERT_DEMANDED:
        return (
            f"The policy host {host} demands a client certificate ({result.error}); senders "
            "never present one to fetch a policy, so none of them gets it."
        )
    if result.client_cert == https.CLIENT_CERT_LIKELY:
        return (
            f"The policy host {host} completed the TLS handshake and then gave no answer "
            f"({result.error}); most likely it demands a client certificate, which senders "
            "never present, so none of them gets the policy."
        )
    if https.DROPPED_AFTER_HANDSHAKE in result.error:
        again = "" if result.hang_ups == https.HANG_UPS_MIXED else ", on two connections in a row"
        return (
            f"The policy host {host} completed the TLS handshake and then gave no answer "
            f"({result.error}){again}; senders get no policy."
        )
    return (
        f"The TLS handshake with {host} failed ({result.error}); the server "
        "must present a certificate for this name when asked via SNI "
        "(RFC 8461 §7.1)."
    )


# MTASTS-12 for a policy host certificate naming the host only in its CN (RFC 9525 dropped
# the CN fallback; RFC 8461 §3.3 wants a DNS-ID): the fail stands, but senders on Python's
# ssl still accept it, so the owner's reports can look clean while other senders refuse it.
_CN_ONLY_NOTE = (
    " Some senders still accept the name in the CN: those that fetch the policy with Python's "
    "ssl, whose hostname_checks_common_name defaults to true (postfix-mta-sts-resolver among "
    "them), so TLS-RPT reports may show no failures while senders that follow RFC 9525 refuse "
    "the policy."
)


def _fetch_fix(
    domain: str, result: https.HttpsResult, problem: Problem, org: str = "", ours: str = ""
) -> str:
    """What the owner does about one of _fetch_problems' verdicts, naming the host, the URL and
    what it answered; '' where the summary's words are all there is to say. `org`: the
    domain's organisational domain, whose names a policy host certificate may carry (one for
    www.example.com is the owner's own when sub.example.com is checked; https.refusal_fix).
    `ours`: mailsec's hosted MTA-STS host (CheckConfig.hosted_policy_host), offered where the
    owner's server has no site for the name; '' when mailsec hosts no policies."""
    host, url = result.host, policy_url(domain)
    status = result.status
    if problem.check_id == "MTASTS-11" and result.error_kind == "connect":
        # Only the addresses that refused: one that timed out says nothing about its server.
        addresses = ", ".join(o.address for o in result.per_address if o.error_kind == "connect")
        at = f" ({addresses})" if addresses else ""
        return (
            f"Make the web server at {host}{at} accept HTTPS on port 443, or point the A/AAAA "
            f"records of {host} to a server that does, serving the policy file at {url}."
        )
    if problem.check_id == "MTASTS-11" and (alias := https.dangling_alias(result)):
        return (
            f"Point the CNAME {host} at the name your policy host's provider gives now "
            f"({alias} does not exist), or replace the CNAME with A/AAAA records for {host} "
            f"pointing to a web server with a certificate valid for {host} from a public CA, "
            f"serving the policy file at {url}."
        )
    if problem.check_id == "MTASTS-11":
        return host_fix(domain)
    if problem.check_id == "MTASTS-12" and https.names_host_only_in_cn(result):
        return (
            f"Reissue the certificate of {host} with {host} in its subjectAltName (the one it "
            "sends has no DNS name in its subjectAltName, and the CN in its subject is not used "
            "by senders that follow RFC 9525), from a public CA (free and renewed automatically "
            "with an ACME client such as certbot, which puts every name there)."
        )
    if problem.check_id == "MTASTS-12":
        return https.refusal_fix(result, org or domain)
    if problem.check_id == "MTASTS-13" and result.cert is not None and result.cert.same_without_sni:
        return _default_vhost_fix(domain, result, ours)
    if problem.check_id == "MTASTS-13" and result.client_cert:
        likely = (
            "If it demands client certificates (the likely cause of a silent close right "
            "after the handshake), stop"
            if result.client_cert == https.CLIENT_CERT_LIKELY
            else "Stop"
        )
        return (
            f"{likely} requiring client certificates on {host}, for {url} at least (nginx: "
            "ssl_verify_client off, or optional, in its server block; Apache: SSLVerifyClient "
            "none for that path): senders fetch the policy without one."
        )
    if problem.check_id == "MTASTS-13" and https.DROPPED_AFTER_HANDSHAKE in result.error:
        return (
            f"Make the web server of {host}, and any proxy or CDN in front of it, answer "
            f"HTTPS requests for {url} after the TLS handshake instead of closing the "
            "connection; its error log says why it closes."
        )
    if problem.check_id == "MTASTS-13":
        return (
            f"Configure the web server of {host} to answer a TLS handshake for the name {host} "
            f"(SNI) with a certificate valid for {host}, over TLS 1.2 or 1.3: a site or virtual "
            f"host for {host} of its own, not the server's default. If a provider hosts "
            f"{host}, ask them to add it."
        )
    if problem.check_id == "MTASTS-14" and result.error_kind == "http":
        return (
            f"Make {host} answer {url} with a complete HTTP response (status 200 and the policy "
            "file), whatever is in front of it (proxy, CDN)."
        )
    if problem.check_id == "MTASTS-14" and status is not None and 300 <= status < 400:
        return (
            f"Serve the policy file at {url} itself with HTTP 200: remove the redirect for "
            "that path (senders do not follow it, RFC 8461 §3.3)."
        )
    if problem.check_id == "MTASTS-14":
        fix = f"Serve the policy file at {url} with HTTP 200 (it answers HTTP {status} now)."
        # Through an alias the answer is the target's server's (s48b: mta-sts.<d> left
        # pointing at a former provider's policy hosting, which dropped the domain).
        target = next((a.cnames[-1] for a in result.dns if a.cnames), "")
        if target:
            fix += (
                f" {host} is an alias (CNAME) of {target}, so that answer comes from whoever "
                f"runs {target}: ask them to serve {domain}'s policy, or, if {domain} has "
                f"left that provider, point {host} at the host that serves its policy now (or "
                "replace the CNAME with A/AAAA records of one)."
            )
        return fix
    if problem.check_id == "MTASTS-15" and problem.status == Status.FAIL:
        return (
            f"Serve {url} with the header 'Content-Type: text/plain' (nginx: default_type "
            "text/plain; in a location block for /.well-known/mta-sts.txt; Apache: "
            "ForceType text/plain for that file)."
        )
    if problem.check_id == "MTASTS-16" and problem.status == Status.FAIL:
        return (
            f"Serve only the policy file at {url} (a few hundred bytes: version, mode, mx and "
            "max_age lines); what is served there now is over 64 KiB, such as a web page "
            "answered for every path."
        )
    return ""


def _default_vhost_fix(domain: str, result: https.HttpsResult, ours: str) -> str:
    """MTASTS-13's fix for a server answering the policy host's name with its default
    certificate: a site for the name on that server, or the policy served elsewhere."""
    host, url = result.host, policy_url(domain)
    addresses = ", ".join(o.address for o in result.per_address if o.error_kind == "tls-cert")
    at = f" at {addresses}" if addresses else ""
    cert = result.cert
    names = f" (for {', '.join(cert.sans)})" if cert is not None and cert.sans else ""
    # Two servers look alike from outside: one with no site for the host (its default
    # certificate answers the name) and one whose only certificate lacks the name (it
    # answers every name with it, its site for the host included). Both fixes are given.
    fix = (
        f"Add a site (virtual host) for {host} to the web server{at}, with a certificate valid "
        f"for {host} from a public CA (an ACME client such as certbot issues one for free), "
        f"serving the policy file at {url}: that server now answers the name with its default "
        f"certificate{names}, the one it presents without SNI. If it already has a site for "
        f"{host}, that site's certificate does not name it (a server with one certificate "
        f"gives it to every name): add {host} to that certificate, or install one for "
        f"{host} on the site; from outside the two cases look the same. If a provider runs "
        f"that server, ask them to add {host} as a domain of your site there, or point {host} "
        "to a server of your own that has one."
    )
    if ours:
        fix += (
            f" Or let mailsec host the policy: turn on hosting for {domain} on its page in "
            f"mailsec (Hosted MTA-STS) and point {host} to {ours} (CNAME), as that page lists."
        )
    return fix


# The fetch failures mailsec's own policy host gives a name it does not serve (yet): no
# certificate for it (Caddy's ask gate refuses the handshake; one presented anyway is not for
# that name, or has lapsed) or, with a certificate still held, the app's 404 for a name it
# does not host (mailsec.hosting.views.serve_policy).
_HOSTED_REFUSALS = frozenset({"MTASTS-12", "MTASTS-13", "MTASTS-14"})


def _hosting_off(ctx: CheckContext, result: https.HttpsResult) -> tuple[str, str] | None:
    """What our policy host does for a name it does not serve (yet), in words, and what
    happens once hosting is on; None for any other outcome of the fetch (a timeout, a refused
    connection: not what hosting being off looks like)."""
    if result.error_kind in ("tls-cert", "tls"):
        return (
            "has no valid certificate for it yet",
            "The certificate is then issued automatically within minutes, at the first request.",
        )
    if result.error_kind is None and result.status == 404:
        return f"serves no policy for {ctx.domain}", "The policy is then served at once."
    return None


def _address_set(answers: list[DnsAnswer]) -> set[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    return {ipaddress.ip_address(r.to_text()) for a in answers for r in a.records}


async def leads_to_hosting(ctx: CheckContext, result: https.HttpsResult) -> bool:
    """Whether the fetched host leads to mailsec's hosted MTA-STS host
    (CheckConfig.hosted_policy_host) as the hosting app's own check has it
    (mailsec.hosting.lookups.points_at_us): a CNAME chain through that name (https.aliased_to),
    or addresses that are all among that name's. Those are looked up with the check's own DNS
    client, and only when the chain does not settle it. A lookup that did not answer, of the
    host or of ours, leaves it False: the generic advice, never another verdict."""
    ours = ctx.config.hosted_policy_host.strip().rstrip(".").lower()
    if not ours or not result.dns:
        return False
    if https.aliased_to(result, ours):
        return True
    if result.dns_failed or any(a.failed for a in result.dns):
        return False  # the host's addresses of a family are unknown: they may not be ours
    theirs = _address_set(result.dns)
    if not theirs:
        return False
    _, answers = await ctx.dns.addresses(ours)
    # Every address of the host among those of ours that were found: a family of ours that
    # failed cannot make that untrue, only leave an address of that family unmatched.
    return theirs <= _address_set([a for a in answers if not a.failed])


# How long after hosting is turned on a certificate still missing is "being issued": our edge
# asks for it at the first request to the name (ACME HTTP-01, seconds to a minute or two), so
# ten minutes covers a slow issuance and the check that was run too soon after turning it on.
CERT_ISSUE_MINUTES = 10


def _hosting_on(ctx: CheckContext) -> tuple[str, str] | None:
    """When hosting was turned on for the domain (CheckConfig.hosting_on_since), as UTC text,
    and the time to check again if its certificate is still being issued ('' once the first
    minutes are over); ('', '') when the app said hosting is on without a time
    (CheckConfig.hosting_on: the free check, whose public page never says when); None when
    the app did not say hosting is on."""
    if not ctx.config.hosting_is_on:
        return None
    since = ctx.config.hosting_on_since
    if since is None:
        return "", ""
    since = since.astimezone(UTC)
    due = since + timedelta(minutes=CERT_ISSUE_MINUTES)
    recheck = f"{due:%H:%M} UTC" if datetime.now(UTC) < due else ""
    return f"{since:%Y-%m-%d %H:%M} UTC", recheck


def _sts_record_kinds(ctx: CheckContext) -> str:
    """The `_mta-sts` records a hosting customer may publish, as the hosting page lists them,
    after the words "record listed on <that page>": the exact CNAME into our zone when the
    engine knows the zone (then the id is ours to change), else both kinds in words (a plain
    TXT's current id only that page gives)."""
    domain, zone = ctx.domain, ctx.config.hosted_policy_zone.strip().rstrip(".").lower()
    if zone:
        return (
            f": _mta-sts.{domain}. CNAME {domain}.{zone}. (mailsec then changes the id for "
            "you), or a TXT record with the current id"
        )
    return (
        ", a CNAME into mailsec's zone (mailsec then changes the id for you) or a TXT record "
        "with the current id"
    )


def hosted_fix(ctx: CheckContext, result: https.HttpsResult, leads: bool | None = None) -> str:
    """The fix for a policy host that leads to mailsec's hosted MTA-STS host
    (CheckConfig.hosted_policy_host; `leads` as leads_to_hosting found, or else the CNAME chain
    alone decides) and gave no policy for want of a certificate or with a 404: the owner turns
    hosting on, nothing else, and no provider is to be asked; with hosting on already
    (CheckConfig.hosting_is_on), when to check again. '' when the name is not ours, not
    known, or the failure is another (_hosting_off)."""
    ours = ctx.config.hosted_policy_host
    off = _hosting_off(ctx, result)
    if leads is None:
        leads = bool(ours) and https.aliased_to(result, ours)
    if not ours or not leads or off is None:
        return ""
    (state, then), host, domain = off, result.host, ctx.domain
    on = _hosting_on(ctx)
    if on is not None:
        return _hosting_on_fix(ctx, result, state, on)
    return (
        f"{host} points to mailsec's hosted MTA-STS ({ours}), which {state}: turn on hosting "
        f"for {domain} on its page in mailsec (Hosted MTA-STS, then Host MTA-STS; the domain "
        f"must be verified first). {then} Nothing needs changing in DNS for {host}. If hosting "
        "is already on, check again in a few minutes."
    )


def _hosting_on_fix(
    ctx: CheckContext, result: https.HttpsResult, state: str, on: tuple[str, str]
) -> str:
    """hosted_fix when hosting is on: nothing to turn on; the certificate is issued at the
    first request to the name (in the first minutes: being issued, check again at a time),
    which also comes only once the name points to our host. Without the time hosting was
    turned on (the free check) no time is said: check again in a few minutes."""
    host, domain, ours = result.host, ctx.domain, ctx.config.hosted_policy_host
    since, recheck = on
    cert = result.error_kind in ("tls-cert", "tls")
    if recheck and cert:
        return (
            f"Hosting for {domain} was turned on in mailsec at {since}: the certificate for "
            f"{host} is being issued (automatically, at the first request to it). Check again "
            f"after {recheck}. Nothing needs changing in DNS for {host}."
        )
    if cert and since:
        issued = (
            f" The certificate is issued automatically at the first request once {host} "
            f"points to {ours}: if it was pointed there only recently, check again in a few "
            "minutes."
        )
    elif cert:
        # Not known since when: it may have been turned on a moment ago, and this check's
        # request to the name (which points to us) is a first request.
        issued = (
            f" The certificate is issued automatically at the first request to {host}: check "
            "again in a few minutes."
        )
    else:
        issued = " Check again in a few minutes."
    on_since = f" (since {since})" if since else ""
    return (
        f"Hosting for {domain} is on in mailsec{on_since}, but mailsec's hosted MTA-STS "
        f"({ours}) {state}.{issued} Nothing needs changing in DNS for {host}. If it stays so, "
        "mailsec's certificate watch (twice a day) emails the team."
    )


def hosted_pointer(ctx: CheckContext, result: https.HttpsResult, check_id: str) -> str:
    """MTASTS-10's fix beside the finding `check_id` (MTASTS-12/-13/-14, the cause) that
    carries hosted_fix: a page gives the steps once, where the cause is named."""
    off = _hosting_off(ctx, result)
    state = off[0] if off else "gives no policy for it"
    says = (
        "when to check again"
        if _hosting_on(ctx) is not None
        else f"how to turn on hosting for {ctx.domain}"
    )
    return (
        f"{result.host} points to mailsec's hosted MTA-STS ({ctx.config.hosted_policy_host}), "
        f"which {state}: the fix of {check_id} says {says}."
    )


async def _fetch_hosted_fix(ctx: CheckContext, result: https.HttpsResult | None) -> str:
    """hosted_fix for the run's policy fetch. Our host's addresses are looked up only for a
    fetch that failed as hosting being off does."""
    if result is None or not ctx.config.hosted_policy_host or _hosting_off(ctx, result) is None:
        return ""
    return hosted_fix(ctx, result, await leads_to_hosting(ctx, result))


async def _hosted_setup_fix(
    ctx: CheckContext, state: MtaStsState, mxset: mx.MxSet, served: bool
) -> str:
    """MTASTS-01's fix (no _mta-sts record) when mta-sts.<domain> already leads to our hosted
    MTA-STS host: turn hosting on, then publish the _mta-sts record the hosting page lists (a
    CNAME into our policy zone, or a TXT with the current id), not the generic setup; only
    that record when the policy is `served` already. '' when the name is not ours."""
    result = state.fetch
    if result is None or not ctx.config.hosted_policy_host:
        return ""
    # As _fetch_hosted_fix: unless the policy is served, only a fetch that failed as hosting
    # being off does is ours to explain (a timeout may be our outage), and only then are our
    # host's addresses looked up.
    if not served and _hosting_off(ctx, result) is None:
        return ""
    if not await leads_to_hosting(ctx, result):
        return ""
    host, domain, ours = result.host, ctx.domain, ctx.config.hosted_policy_host
    record = f"the _mta-sts.{domain} record listed on"
    kinds = _sts_record_kinds(ctx)
    if served:
        first = ""
        if not await _announce_is_safe(ctx, state, mxset):
            first = (
                " As served now the policy would have senders refuse mail to an MX it does not "
                "cover or that fails validation: set the mode to testing there first."
            )
        return (
            f"{host} is served by mailsec's hosted MTA-STS ({ours}): publish {record} "
            f"{domain}'s page in mailsec (Hosted MTA-STS){kinds}. Senders apply the policy "
            f"from then on.{first}"
        )
    said, _ = _hosting_off(ctx, result) or ("", "")
    on = _hosting_on(ctx)
    if on is not None:
        # Hosting is on: step 1 is done, and the record waits for the policy to be served.
        # Without the time it was turned on (the free check), none is said.
        since, recheck = on
        on_since = f" (since {since})" if since else ""
        cert = result.error_kind in ("tls-cert", "tls")
        when = (
            f"check again after {recheck}" if recheck and cert else "check again in a few minutes"
        )
        issued = f"; it is issued automatically at the first request to {host}" if cert else ""
        return (
            f"Hosting for {domain} is on in mailsec{on_since}; mailsec's hosted MTA-STS "
            f"({ours}) {said}{issued}: {when}. Once the policy is served there, publish "
            f"{record} {domain}'s page in mailsec (Hosted MTA-STS){kinds}. It tells senders "
            f"to fetch the policy, so it comes last. Nothing needs changing in DNS for {host}."
        )
    return (
        f"{host} points to mailsec's hosted MTA-STS ({ours}), which {said}:\n"
        f"1. Turn on hosting for {domain} on its page in mailsec (Hosted MTA-STS, then Host "
        "MTA-STS; the domain must be verified first). The policy is then served in mode "
        "testing; its certificate is issued automatically within minutes.\n"
        f"2. Then publish {record} that page{kinds}. It tells senders to fetch the policy, so "
        "it comes last.\n"
        f"Nothing needs changing in DNS for {host}."
    )


def _fetch_findings(
    ctx: CheckContext,
    state: MtaStsState,
    out: Collector,
    fetch_ev: dict[str, Any],
    mxset: mx.MxSet,
    hosted: str = "",
    no_mail: str = "",
) -> None:
    """`hosted`: hosted_fix for this fetch (_fetch_hosted_fix), '' when it is not ours.
    `no_mail`: MTASTS-10's fix for a domain whose own address takes no mail
    (_no_mail_record_fix), '' otherwise."""
    result = state.fetch
    if result is None:
        return
    url = policy_url(ctx.domain)
    host = f"mta-sts.{ctx.domain}"
    problems = state.fetch_problems
    org = organizational_domain(ctx.domain, ctx.config.extra_public_suffixes)
    # Wording only: senders get no policy either way, so every status stays as it is. The
    # steps are given once, by the finding that names the cause; MTASTS-10 points there.
    hosted_by = ""
    fetched = result.ok and result.status == 200
    errors_only = all(p.status == Status.ERROR for p in problems if p.invalidates)
    for problem in problems:
        is_bad = problem.status in (Status.FAIL, Status.WARN)
        ours = ctx.config.hosted_policy_host
        fix = _fetch_fix(ctx.domain, result, problem, org, ours) if is_bad else ""
        message = problem.message
        if is_bad and hosted and problem.check_id in _HOSTED_REFUSALS:
            fix = hosted_pointer(ctx, result, hosted_by) if hosted_by else hosted
            hosted_by = hosted_by or problem.check_id
        elif is_bad and no_mail and not errors_only:
            # Setting up the policy host comes after an MX, if at all (the domain's own
            # address takes no mail): MTASTS-10 says so, and these point there (a served
            # file's findings carry it, _point_to_no_mail). Nor does the summary ask for the
            # host's address records.
            fix = no_mail if fetched else no_mail_pointer(ctx.domain, "MTASTS-10")
            if problem.check_id == "MTASTS-11" and result.error_kind == "dns":
                message = _unresolved_host(result, advise=False)
        out.add(
            problem.check_id,
            problem.status,
            message,
            subject=url,
            evidence=fetch_ev,
            fix=fix,
        )
    if not fetched and not errors_only:
        # MTASTS-10: a record announces a policy that senders cannot get (RFC 8461 §3.3).
        out.add(
            "MTASTS-10",
            Status.FAIL,
            f"The MTA-STS record is published but the policy cannot be fetched from {url}; "
            f"senders that have no policy of {ctx.domain} cached continue as if it had no "
            "MTA-STS.",
            subject=url,
            evidence=fetch_ev,
            # Serving the file is mailsec's part once hosting is on, the id too.
            # Serving a file for the domain's own address, which takes no mail, protects
            # nothing: MX-01's reading says what comes first (no_mail).
            fix=(hosted_pointer(ctx, result, hosted_by) if hosted_by else hosted)
            or no_mail
            or _unreached_fix(ctx.domain, result, problems)
            or _unserved_fix(ctx.domain, result, mxset, state)
            or _server_error_fix(ctx.domain, result)
            or _serve_fix(ctx.domain, mxset, record_extensions(state.candidates))
            + _withdraw_instead(ctx.domain, mxset, ctx.config.mtasts_previous is not None),
        )
    if result.error_kind is None:
        out.add(
            "MTASTS-11",
            Status.PASS,
            f"The policy host {host} answers HTTPS.",
            subject=host,
            evidence=fetch_ev,
        )
        out.add(
            "MTASTS-12",
            Status.PASS,
            f"The certificate of {host} is valid for that name.",
            subject=host,
            evidence=fetch_ev,
        )
        out.add(
            "MTASTS-13",
            Status.PASS,
            f"With SNI {host} the server presents a matching certificate.",
            subject=host,
        )
    if fetched:
        if result.status == 200:
            out.add(
                "MTASTS-14",
                Status.PASS,
                "The policy URL answers 200 without redirect.",
                subject=url,
            )
        if not any(p.check_id == "MTASTS-15" for p in problems):
            out.add(
                "MTASTS-15",
                Status.PASS,
                "The policy is served as text/plain.",
                subject=url,
                evidence={"content_type": result.first_header("content-type")},
            )
        if not any(p.check_id == "MTASTS-16" for p in problems):
            # Oversize fails, slow warns (_fetch_problems): one status per URL.
            out.add(
                "MTASTS-16",
                Status.PASS,
                f"The policy is {len(result.body)} bytes, fetched in {result.address_ms:.0f} ms.",
                subject=url,
            )
    # MTASTS-17: every address of the policy host should serve it. Only a 200 is a policy
    # (RFC 8461 §3.3): an address answering 404 gives its senders no policy at all.
    outcomes = result.per_address
    good = [o for o in outcomes if o.served]
    bad = [o for o in outcomes if not o.served]
    evidence = {"addresses": [o.to_dict() for o in outcomes]}

    def family(a: str) -> str:
        return "IPv6" if ":" in a else "IPv4"

    def unpublic(o: https.AddressOutcome) -> bool:
        # The SSRF guard refused it (checks.net.guard): never connected to, and no sender on
        # the internet can reach it either.
        return o.error_kind == "refused-target" and net.non_public_kind(o.address) is not None

    def why(o: https.AddressOutcome) -> str:
        if unpublic(o):
            return f"not a public address ({net.non_public_kind(o.address)}), not connected to"
        return o.error if not o.ok else f"HTTP {o.status} instead of 200"

    # An address family this checker has no route to is simply not tested when another
    # address served the policy (as for SMTP): no mark against the domain.
    untested = [o for o in bad if good and not o.ok and o.error_kind == "no-route"]
    bad = [o for o in bad if o not in untested]
    for o in untested:
        out.add(
            "MTASTS-17",
            Status.INFO,
            f"{o.address} was not tested from here: {o.error}.",
            subject=host,
            evidence=evidence,
        )
    if good and bad:
        good_f = sorted({family(o.address) for o in good})
        # Only "could not check" outcomes (timeout, our guard, our network) make it an error.
        only_errors = all(not o.ok and o.error_kind in https.COULD_NOT_CHECK for o in bad)
        # The fix names only the addresses that answered wrongly: a timeout is not known bad.
        definite = [o for o in bad if o.ok or o.error_kind not in https.COULD_NOT_CHECK]
        # A private, loopback, link-local or reserved address was never tried: say so, not
        # that it failed to serve the policy.
        hidden = [o.address for o in bad if unpublic(o)]
        tried = [o for o in bad if not unpublic(o)]
        summary = f"The policy host serves the policy over {' and '.join(good_f)}"
        if tried:
            # A family none of whose addresses serves it is what the check is about (both
            # families, checklist §2b 17): name it rather than "not on every address".
            bad_f = sorted({family(o.address) for o in tried} - set(good_f))
            reasons = "; ".join(f"{o.address}: {why(o)}" for o in tried)
            if bad_f and all(family(o.address) in bad_f for o in tried):
                summary += (
                    f" but not over {' and '.join(bad_f)} ({reasons}); senders connecting over "
                    f"{' or '.join(bad_f)} get no policy."
                )
            else:
                summary += (
                    f" but not on every address ({reasons}); senders using the failing "
                    "address get no policy."
                )
        if hidden:
            they, them = ("they are", "them") if len(hidden) > 1 else ("it is", "it")
            public = "public addresses" if len(hidden) > 1 else "a public address"
            summary += (
                f"{' It also' if tried else ', and it'} resolves to "
                f"{net.describe_non_public(hidden)}: {they} not {public}, so mailsec "
                f"did not connect to {them}, and no sender on the internet can reach {them} "
                "either."
            )
        fixes = []
        if definite:
            fixes.append(
                f"Make {', '.join(o.address for o in definite)} serve the policy file at {url} "
                f"as the other addresses of {host} do, or remove them from the A/AAAA records "
                f"of {host}."
            )
        if hidden:
            fixes.append(
                f"Remove {', '.join(hidden)} from the A/AAAA records of {host}: senders on the "
                "internet need a public address."
            )
        out.add(
            "MTASTS-17",
            Status.ERROR if only_errors else Status.WARN,
            summary,
            subject=host,
            evidence=evidence,
            fix="" if only_errors and not hidden else " ".join(fixes),
        )
    elif not good and len({why(o) for o in bad}) > 1:
        # No address served it. MTASTS-11..14 report the most definite failure; say what each
        # address did, so a refusal on one and a timeout on another both show.
        out.add(
            "MTASTS-17",
            Status.INFO,
            "No address of the policy host served the policy: "
            + "; ".join(f"{o.address}: {why(o)}" for o in bad)
            + ".",
            subject=host,
            evidence=evidence,
        )
    # Compared by what the policies mean (policy_meaning), not by their bytes: the same
    # policy with CRLF on one address and LF on another is one policy to every sender. An
    # outcome without that digest (no parse ran) falls back to the bytes.
    elif len({o.meaning or o.body_sha256 for o in good}) > 1:
        out.add(
            "MTASTS-17",
            Status.WARN,
            "The policy host serves different policies on different addresses "
            f"({', '.join(o.address for o in good)}); senders see a policy that depends on "
            "the address they happen to use.",
            subject=host,
            evidence=evidence,
            fix=f"Serve the same policy file at {url} on every address of {host} "
            f"({', '.join(o.address for o in good)}): the servers behind them must be updated "
            "together.",
        )
    elif good and len({":" in o.address for o in good}) == 2:
        out.add(
            "MTASTS-17", Status.PASS, "The policy is served over both IPv4 and IPv6.", subject=host
        )
    note = https.not_tried_note(result)
    if note:
        # Senders may connect to any address of the policy host: the verdicts above cover
        # only the addresses fetched from.
        out.add(
            "MTASTS-17",
            Status.INFO,
            note,
            subject=host,
            evidence={**evidence, "not_tried": result.not_tried},
        )


def _policy_findings(
    ctx: CheckContext,
    state: MtaStsState,
    out: Collector,
    fetch_ev: dict[str, Any],
    target: PolicyTarget,
) -> None:
    policy = state.policy
    assert policy is not None
    url = policy_url(ctx.domain)
    ev = {**fetch_ev, "policy": "\n".join(policy.lines[:KEPT_POLICY_LINES])}
    if state.fetch is not None and state.record is not None and state.record_status == "valid":
        # What the next check needs for MTASTS-09 (config.mtasts_previous): a digest of what
        # the policy means to a sender (policy_digest).
        # Only under a valid record, the one senders key their cache on: a run whose record
        # they discard must not become the reference a later change is compared with.
        ev["record_id"] = state.record.id
        ev["policy_sha256"] = policy_digest(state)
    reported: dict[str, int] = {}
    for problem in policy.problems:
        fix = target.fix if problem.status in {Status.FAIL, Status.WARN} else ""
        # MTASTS-25 is "fail per invalid entry, warn overall if one valid entry remains"; the
        # per-entry findings carry the detail.
        out.add(
            problem.check_id, problem.status, problem.message, subject=url, evidence=ev, fix=fix
        )
        reported[problem.check_id] = reported.get(problem.check_id, 0) + 1
    # A non-invalidating MTASTS-20 fail (a mis-cased extra key) leaves the policy valid; do
    # not report MTASTS-20 as passed next to it.
    if policy.valid and "MTASTS-20" not in reported:
        out.add(
            "MTASTS-20",
            Status.PASS,
            f"The policy is well-formed: mode {policy.mode}, max_age {policy.max_age}, "
            f"{counted(len(policy.mx) + len(policy.numeric_mx), 'mx pattern')}.",
            subject=url,
            evidence=ev,
        )
    if "MTASTS-19" not in reported:
        out.add(
            "MTASTS-19",
            Status.PASS,
            "The policy uses LF or CRLF line ends, as allowed.",
            subject=url,
        )


def _tls_too_old(probe: object) -> bool | None:
    """True when the probe says the host cannot negotiate TLS 1.2 or newer; None = unknown."""
    versions = getattr(probe, "tls_versions_accepted", None)
    if versions:
        parsed = [_tls_number(v) for v in versions]
        known = [v for v in parsed if v is not None]
        if known:
            return max(known) < 1.2
    top = getattr(probe, "max_tls_version", None)
    if top:
        number = _tls_number(top)
        if number is not None:
            return number < 1.2
    return None


def _tls_number(value: object) -> float | None:
    """1.0 .. 1.3 from 'TLSv1.2', 'TLSv1_2', 'TLSv1', '1.2', ssl.TLSVersion or 0x0303."""
    if isinstance(value, int) and 0x0301 <= value <= 0x0304:
        return float(f"1.{value - 0x0301}")
    text = str(getattr(value, "name", value))
    match = re.search(r"1[._]([0-3])", text)
    if match:
        return float(f"1.{match.group(1)}")
    if re.fullmatch(r"(TLS ?v?)?1(\.0)?", text.strip(), flags=re.IGNORECASE):
        return 1.0
    if re.search(r"SSL", text, flags=re.IGNORECASE):
        return 0.0
    return None


@dataclass
class MxValidation:
    """What the MTA-STS validation of the MX hosts (MTASTS-32, -36) could establish."""

    probes: dict[str, list[tuple[str, object]]] = field(default_factory=dict)
    # (host, address) pairs past the per-run probe limit: nothing is known about them.
    unprobed: list[tuple[str, str]] = field(default_factory=list)
    # MX hosts without an address to probe (none resolved, or an IP literal as the name).
    no_address: list[str] = field(default_factory=list)
    # Where no mail goes with or without a policy, so enforce cannot refuse any there: the MX
    # hosts known to have no address (addressless, MX-06) and the (host, address) pairs that
    # greet with 521 (RFC 7504 §3). They neither pass nor hold back enforce.
    addressless: list[str] = field(default_factory=list)
    no_mail: list[tuple[str, str]] = field(default_factory=list)
    # Some probed address definitely fails validation (not merely "could not check").
    failed: bool = False
    # Every address of every MX host was probed and passes, but for those no mail goes to
    # (above), and at least one passes: the only state in which enforce cannot refuse an MX
    # (RFC 8461 §5) as far as this run can tell.
    ok: bool = False


# The evidence key of an MTASTS-30/32 note about MX hosts or addresses no mail goes to, with or
# without a policy ("no address": MX-06; "521": the host says it accepts no mail, RFC 7504):
# such a note is no reason to hold back enforce (_advise_enforce).
NO_MAIL = "no_mail"


def _about_no_mail(finding: Finding) -> bool:
    return finding.status == Status.INFO and bool(finding.evidence.get(NO_MAIL))


def _probe_verdict(probe: object) -> str:
    """ok | error (could not check) | fail | no-mail (a 521 greeting: the host accepts no mail
    from anyone, so no policy changes what happens there), for one probe as MTASTS-32/36
    judge it."""
    if isinstance(probe, BaseException):
        return "error"
    if getattr(probe, "accepts_no_mail", False):
        return "no-mail"
    kind = getattr(probe, "error_kind", None)
    if kind and kind != "tls-handshake":
        return "error"
    if _tls_too_old(probe):
        return "fail"
    if getattr(probe, "anon_cert", "") == "untested":
        # An anonymous suite, and no answer to the handshake offering none (starttls
        # SmtpProbe.anon_cert): the certificate MTA-STS senders get is unknown.
        return "error"
    return "ok" if getattr(probe, "mta_sts_ok", False) else "fail"


async def _build_validation(ctx: CheckContext, mxset: mx.MxSet) -> MxValidation:
    from checks import starttls

    result = MxValidation()
    if mxset.failed or not mxset.hosts:
        return result
    hosts = [h for h in mxset.hosts if h.addresses and not h.is_ip_literal]
    result.no_address = [h.name for h in mxset.hosts if h not in hosts]
    result.addressless = addressless(mxset)
    pairs = [(h.name, a) for h in hosts for a in h.addresses]
    # Only the pairs the STARTTLS check probes (bounded per run, in preference order); the
    # rest are reported as not checked, never counted as passing (checklist §0).
    planned = set((await starttls.probe_plan(ctx))[0])
    result.unprobed = [pair for pair in pairs if pair not in planned]
    pairs = [pair for pair in pairs if pair in planned]
    answers = await asyncio.gather(
        *(starttls.probe_mx(ctx, name, addr) for name, addr in pairs), return_exceptions=True
    )
    result.probes = {h.name: [] for h in hosts}
    for (name, addr), res in zip(pairs, answers, strict=True):
        result.probes[name].append((addr, res))
    verdicts = [_probe_verdict(res) for res in answers]
    result.no_mail = [pair for pair, v in zip(pairs, verdicts, strict=True) if v == "no-mail"]
    result.failed = "fail" in verdicts
    result.ok = (
        "ok" in verdicts
        and not result.unprobed
        and set(result.no_address) <= set(result.addressless)
        and all(v in {"ok", "no-mail"} for v in verdicts)
    )
    return result


async def get_validation(ctx: CheckContext, mxset: mx.MxSet) -> MxValidation:
    """Every MX host probed as an MTA-STS sender would validate it; once per run."""
    return await ctx.once("mtasts:validation", lambda: _build_validation(ctx, mxset))


async def _consistency_findings(
    ctx: CheckContext,
    state: MtaStsState,
    mxset: mx.MxSet,
    out: Collector,
    target: PolicyTarget | None,
) -> None:
    policy = state.policy
    mode = state.mode
    report_state = await tlsrpt.get_record(ctx)
    # TLSRPT-01's own fix for a missing record (no mailbox at a domain that takes no mail).
    absent_fix = await tlsrpt.new_record_fix(ctx) if report_state.status == "absent" else ""
    _tlsrpt_finding(ctx, state, report_state, out, absent_fix)
    testing: Finding | None = None

    if mode is not None and policy is not None:
        if mode in {"enforce", "testing"} and not state.usable:
            # The mode is only what the file says: with the record or the policy unusable
            # (two records, a bad id, an out-of-range max_age...) senders apply no policy, so
            # "enforce" protects nothing and must not read as a pass.
            out.add(
                "MTASTS-33",
                Status.INFO,
                f"Mode {mode} is published, but senders do not apply this policy: see the "
                "failures above.",
                subject=policy_url(ctx.domain),
                evidence={"mode": mode, "applied": False},
            )
        elif mode == "enforce":
            out.add(
                "MTASTS-33",
                Status.PASS,
                "Mode enforce: senders refuse to deliver over unauthenticated TLS.",
                subject=policy_url(ctx.domain),
            )
        elif mode == "testing":
            testing = out.add(
                "MTASTS-33",
                Status.INFO,
                "Mode testing: failures are only reported, so there is no downgrade "
                "protection yet. Switch to enforce once reports are clean.",
                subject=policy_url(ctx.domain),
            )
        else:
            out.add(
                "MTASTS-33",
                Status.INFO,
                "Mode none: senders treat the domain as having no policy (the way to "
                "withdraw MTA-STS, RFC 8461 §8.3).",
                subject=policy_url(ctx.domain),
                evidence={"mode": "none"},  # the score counts MTA-STS as not deployed
            )
    if policy is not None and target is not None and mode in {"enforce", "testing"}:
        # Lines written as an IPv4 address are patterns to senders too: matching nothing.
        if state.patterns or policy.numeric_mx:
            await _mx_findings(ctx, state, mxset, out, target)
        elif not mxset.failed and mxset.hosts:
            # No usable mx pattern (e.g. "nmx:" for "mx:"): senders have no policy yet, but
            # the fix lists the MX names, so whether those validate is what it depends on.
            await _validation_findings(ctx, state, mxset, [], Status.WARN, out, target)
    if testing is not None and target is not None:
        _advise_enforce(ctx, target, testing, out)


def _advise_enforce(
    ctx: CheckContext, target: PolicyTarget, testing: Finding, out: Collector
) -> None:
    """MTASTS-33 under testing: suggest enforce only once every MX is known to be covered and
    to validate. Under enforce senders refuse an MX that fails (RFC 8461 §5), so a switch
    with MTASTS-30/32/36 not passing would lose mail. A second policy change next to the
    run's combined one would reuse its id (see PolicyTarget): enforce comes after it."""
    if target.no_mail:
        # No MX, and the domain's own address takes no mail (MX-01): no mode protects mail
        # there, and the step is _no_mail_record_fix's, not enforce.
        testing.summary = (
            "Mode testing: failures are only reported, so there is no downgrade protection "
            f"yet. But {ctx.domain} has no MX record and its own address takes no mail (see "
            "MX-01): in any mode, the policy protects no mail to it."
        )
        testing.fix = target.fix
        return
    mx_checks = [f for f in out.findings if f.id in {"MTASTS-30", "MTASTS-32", "MTASTS-36"}]
    # A note on MX hosts no mail goes to (no address, a 521 greeting) holds nothing back:
    # enforce cannot refuse mail that is not sent there in the first place.
    blockers = [f for f in mx_checks if f.status != Status.PASS and not _about_no_mail(f)]
    # A check we could not make (a probe that timed out) is no fault of the domain (checklist
    # §0): it holds enforce back, as the host is not known to validate, but is checked again,
    # not resolved.
    unchecked = [f for f in blockers if f.status == Status.ERROR]
    faults = [f for f in blockers if f.status != Status.ERROR]
    if blockers:
        ids = ", ".join(sorted({f.id for f in faults}))
        why = (
            f"({ids} not passing)"
            if faults
            else f"({', '.join(sorted({f.id for f in unchecked}))} could not be checked this time)"
        )
        testing.summary = (
            "Mode testing: failures are only reported, so there is no downgrade protection "
            f"yet. Do not switch to enforce yet {why}: under enforce senders do not deliver to "
            "an MX host that fails them."
        )
        listed = {
            "resolve": "\n".join(f"- {f.id}: {f.summary}" for f in faults),
            "check again": "\n".join(f"- {f.id}: {f.summary}" for f in unchecked),
        }
        if faults and unchecked:
            testing.fix = (
                f"Before switching to enforce, resolve:\n{listed['resolve']}\n"
                f"Then check again:\n{listed['check again']}"
            )
        elif faults:
            testing.fix = f"Before switching to enforce, resolve:\n{listed['resolve']}"
        else:
            testing.fix = f"Before switching to enforce, check again:\n{listed['check again']}"
    elif target.changes:
        offered = dict.fromkeys(f.id for f in out.findings if target.fix in f.fix)
        wanted = ", ".join(offered) or "the findings above"
        testing.fix = (
            f"First apply the policy change offered with {wanted}. Switch to enforce only "
            "after that, once TLS reports show that senders validate every MX host under the "
            "new policy."
        )
    elif "MTASTS-30" in {f.id for f in mx_checks} and any(
        f.id == "MTASTS-32" and f.status == Status.PASS for f in mx_checks
    ):
        # Only the mode changes: the patterns already cover every MX that receives mail
        # (MTASTS-30 passed, or noted only hosts without an address), every address that
        # takes mail validates (MTASTS-32 passed), and nothing else in the file needs changing.
        testing.fix = policy_change_fix(
            ctx.domain,
            "enforce",
            target.max_age,
            target.mx,
            extensions=target.extensions,
        )


async def _mx_findings(
    ctx: CheckContext, state: MtaStsState, mxset: mx.MxSet, out: Collector, target: PolicyTarget
) -> None:
    """MTASTS-30..32, -35, -36: the policy against the MX hosts senders would use."""
    mode = state.mode
    if mxset.failed:
        out.add(
            "MTASTS-30",
            Status.ERROR,
            "Could not look up the MX records, so the policy could not be compared with them.",
            subject=ctx.domain,
            evidence=mxset.answer.evidence(),
        )
        return
    if not mxset.hosts:
        return
    # Under testing, or while the policy itself is unusable, mismatches are not yet fatal.
    hard = Status.FAIL if (mode == "enforce" and state.usable) else Status.WARN
    patterns = state.patterns
    matched = [h for h in mxset.hosts if any(policy_matches(p, h.name) for p in patterns)]
    unmatched = [h for h in mxset.hosts if h not in matched]
    ev = {"patterns": patterns, "mx": mxset.names}
    # The target adds the unmatched MX and keeps the other patterns: senders may still hold
    # MX records or a policy naming the old hosts, and those must keep working (RFC 8461 §8.1).
    # An MX host without an address (MX-06) gets no mx line: no sender delivers there.
    gone = addressless(mxset)
    unlisted = [h.name for h in unmatched if not listable(h.name)]
    absent = [h.name for h in unmatched if h.name in gone and listable(h.name)]
    added = [h.name for h in unmatched if h.name not in gone and listable(h.name)]
    covers: list[str] = []
    if len(gone) == len(mxset.hosts):
        covers.append(
            f"Fix the MX records first: {no_mx_cause(ctx.domain, mxset, gone)}, so no mail "
            "can be delivered to it. Then list in the policy the MX hosts that receive its mail."
        )
    elif added:
        covers.append(target.fix)  # names the hosts it leaves out (left_out)
    elif absent:
        has = "it has" if len(absent) == 1 else "they have"
        covers.append(
            f"The policy needs no mx line for {', '.join(absent)}: {has} no address, so no "
            "mail goes there (see MX-06)."
        )
    if unlisted:
        covers.append(
            f"{', '.join(unlisted)} cannot be named in a policy (an mx line holds a host name "
            "of letters, digits and hyphens, RFC 8461 §3.2) and gets no certificate from a "
            "public CA: point the MX record at such a host name instead (see the MX findings)."
        )
        covers += [
            f"As an mx line, {name} would be a wildcard covering every host one label below "
            f"{name.partition('.')[2]} (RFC 8461 §4.1), not the one MX."
            for name in unlisted
            if name.split(".", 1)[0] == "*"
        ]
    cover = "\n".join(covers)
    # An MX name that is an alias (MX-04) of a host the policy names: senders match the name in
    # the MX record, not where it points (RFC 8461 §4.1), so the policy misses it. Pointing the
    # MX at that host makes the policy match as written, with no mode lowered meanwhile. Not
    # a dangling alias (its target does not exist or has no address, MX-04/MX-06): an MX
    # pointed there would reach no server either.
    aliased = [
        h
        for h in unmatched
        if h.cname_target
        and h.addresses
        and any(policy_matches(p, h.cname_target) for p in patterns)
    ]
    alias_note = "".join(
        f" {h.name} is an alias (CNAME) of {h.cname_target}, which the policy names, but "
        "senders match the name in the MX record, not where it points (RFC 8461 §4.1)."
        for h in aliased
    )
    if aliased:
        cover = "Point the MX record at the host the policy names (see MX-04):\n" + "\n".join(
            f"{mxset.answer.name}. MX {h.preference} {h.cname_target}." for h in aliased
        )
        # The other uncovered hosts that receive mail still need their mx line: pointing the
        # aliases alone would leave them failing under enforce.
        plain = [h for h in unmatched if h not in aliased and h.name in added]
        if plain:
            cover += "\nand add to the policy file, then give the record a new id:\n" + "\n".join(
                f"mx: {h.name}" for h in plain
            )
        if covers:
            cover += "\nOr keep the alias and change the policy:\n" + "\n".join(covers)
    # An MX named by an mx line written in Unicode (MTASTS-25): the summary shows the host to
    # people in that same form (checks.findings.for_people), so it says why it does not match.
    unicode_lines = {
        h.name: e.value
        for h in unmatched
        for e in (state.policy.mx_entries if state.policy else [])
        if e.pattern is None
        and not e.value.isascii()
        and (a_label := mx_a_label(e.value))
        and policy_matches(a_label, h.name)
    }
    alias_note += "".join(
        f" The policy's line 'mx: {line}' writes this host's name in Unicode form; senders "
        f"compare its A-label '{h}', so the line matches nothing (see MTASTS-25)."
        for h, line in unicode_lines.items()
    )
    # A wildcard the owner took for wider than it is (s28s): '*.example.org' matches one label
    # below example.org only, not 'a.b.example.org' nor 'example.org' itself (RFC 8461 §4.1).
    # Said once per pattern, naming each such host (s45a: Cisco's two iphmx.com hosts).
    below: dict[str, list[str]] = {}
    for h in unmatched:
        name = h.name.rstrip(".").lower()
        near = [
            p
            for p in patterns
            if p.startswith("*.") and (name == p[2:] or name.endswith("." + p[2:]))
        ]
        if near:
            below.setdefault(near[0], []).append(h.name)
    for pattern, names in below.items():
        either = " or ".join([", ".join(names[:-1]), names[-1]] if len(names) > 1 else names)
        alias_note += (
            f" The pattern {pattern} covers names one label below {pattern[2:]} only, so "
            f"not {either} (RFC 8461 §4.1)."
        )
    unreached = [h.name for h in unmatched if h.name in gone]
    if not matched:
        also = ""
        if unreached:
            has = "has" if len(unreached) == 1 else "have"
            also = f" {', '.join(unreached)} {has} no address either (see MX-06)."
        # The lines written as an IPv4 address are patterns too, for senders (Policy.numeric_mx).
        written = patterns + (state.policy.numeric_mx if state.policy else [])
        # No sender enforces a testing policy (RFC 8461 §5): it delivers and reports (s48b).
        effect = (
            "under testing senders still deliver, and report each delivery as a "
            "failure, but under enforce they could not deliver (RFC 8461 §5)"
            if mode == "testing"
            else "senders enforcing the policy cannot deliver"
        )
        out.add(
            "MTASTS-30",
            hard,
            f"No MX host ({', '.join(mxset.names)}) matches the policy's mx patterns "
            f"({', '.join(written)}); {effect}."
            f"{alias_note}{also}",
            subject=ctx.domain,
            evidence=ev,
            fix=cover,
        )
    elif unmatched:
        # Uncovered hosts that all lack an address (MX-06, which fails them) lose no mail
        # under enforce: senders skip an MX without an address with or without a policy
        # (RFC 5321 §5.1). A note, and no reason to hold back enforce (_advise_enforce).
        no_mail = all(h.name in gone for h in unmatched)
        out.add(
            "MTASTS-30",
            Status.INFO if no_mail else Status.WARN,
            f"{noun_for(len(unmatched), 'MX host')} {', '.join(h.name for h in unmatched)} "
            f"{noun_for(len(unmatched), 'matches', 'match')} no mx pattern; "
            f"{_uncovered_effect(mxset, matched, unmatched, gone)}{alias_note}",
            subject=ctx.domain,
            evidence=ev | {NO_MAIL: "no address"} if no_mail else ev,
            fix=cover,
        )
    else:
        out.add(
            "MTASTS-30",
            Status.PASS,
            "Every MX host matches a policy mx pattern.",
            subject=ctx.domain,
            evidence=ev,
        )

    # MTASTS-31: stale and over-broad patterns (RFC 8461 §10.4). The target replaces each
    # over-broad one by the MX hosts it matches. One finding per pattern: a pattern both stale
    # and over-broad ('mx: *.lab.test' for MX hosts two labels below it) is the warning, which
    # names both facts (task s40l; it was an info and a warning for one line of the policy).
    for pattern in patterns:
        stale = not any(policy_matches(pattern, h.name) for h in mxset.hosts)
        broad = too_broad(ctx.domain, pattern)
        if stale and not broad:
            # With a new policy suggested, when the pattern can go is counted from its id;
            # without one, from when the MX records last named its hosts (task s45f).
            later = (
                f" The policy suggested keeps it: {target.stale_words([pattern])}"
                if pattern in target.stale
                else f" {target.kept_words(pattern)}"
                if not target.changes
                else ""
            )
            out.add(
                "MTASTS-31",
                Status.INFO,
                f"The pattern {pattern} matches no current MX host (stale entry?).{later}",
                subject=pattern,
                evidence=ev,
            )
        elif broad:
            # Not at a domain that takes no mail: the fix says what comes first.
            then = "." if target.no_mail else "; list the MX hosts by name."
            out.add(
                "MTASTS-31",
                Status.WARN,
                f"The pattern {pattern} "
                + ("matches no current MX host, and it " if stale else "")
                + f"lets any host directly below {pattern[2:]} with a valid certificate act as "
                f"your MX (RFC 8461 §10.4){then}",
                subject=pattern,
                evidence=ev,
                fix=target.fix,
            )
    await _validation_findings(ctx, state, mxset, matched, hard, out, target)
    await _dane_finding(ctx, mxset, out)


def _uncovered_effect(
    mxset: mx.MxSet, matched: list[mx.MxHost], unmatched: list[mx.MxHost], gone: list[str]
) -> str:
    """What enforce does with the uncovered MX: senders skip it (RFC 8461 §5), which goes
    unnoticed only while it is a backup. An MX host without an address (`gone`, MX-06) gets
    no mail either way, so it is neither the primary nor a backup here."""
    without = [h.name for h in unmatched if h.name in gone]
    has = "has" if len(without) == 1 else "have"
    nothing = f"{', '.join(without)} {has} no address (see MX-06)"
    if len(without) == len(unmatched):
        return f"{nothing}, so no mail goes there with or without the policy."
    tail = f" Of those, {nothing}, so no mail goes there either way." if without else ""
    covered = [h for h in matched if h.name not in gone]
    if not covered:
        # Every host the policy covers is one no mail reaches: enforce leaves none.
        return (
            f"under enforce senders skip {noun_for(len(unmatched), 'it', 'them')}, and the MX "
            "hosts the policy covers have no "
            f"address (see MX-06), so no mail can be delivered.{tail}"
        )
    top = min(h.preference for h in mxset.hosts if h.name not in gone)
    if any(h.preference == top for h in covered):
        return (
            "senders will not deliver there under enforce, which shows up only when the "
            f"other MX hosts are down (RFC 8461 §8.4).{tail}"
        )
    backups = ", ".join(h.name for h in covered)
    return (
        "that includes the primary MX, so under enforce senders skip it and all mail goes "
        f"to the {noun_for(len(covered), 'backup MX host')} {backups}.{tail}"
    )


@dataclass
class CertificateFailures:
    """Why the certificates an MX presents fail MTA-STS validation (_certificate_failures)."""

    reason: str = ""  # '' when no certificate is to blame (no STARTTLS, old TLS, no probe)
    fix: str = ""
    # The key type of the server's second certificate when it alone fails ("RSA").
    second: str = ""


# The STARTTLS findings that say why a certificate fails validation. SMTP-10's warning (expires
# soon) and SMTP-16's note are no reason for a failure.
_VALIDATION_FINDINGS = {"SMTP-09", "SMTP-10", "SMTP-11", "SMTP-14"}


def _certificate_failures(probe: object, host: str) -> CertificateFailures:
    """The sentences the STARTTLS check builds (starttls.certificate_findings) for each
    certificate of `probe` that fails MTA-STS validation: the first handshake's, and the one
    senders offering only RSA get (SmtpProbe.rsa_variant), named as such. Judged as without a
    policy and without DANE, so they say what is wrong and nothing about who delivers
    (MTASTS-32 says that)."""
    from checks import starttls

    if not isinstance(probe, starttls.SmtpProbe) or not probe.tls_ok:
        return CertificateFailures()
    if probe.leaf is None:
        if probe.chain_der:
            return CertificateFailures()  # a chain that could not be read: no words for it
        # No certificate at all: an anonymous suite only (SmtpProbe.anon_cert 'none'). SMTP-09
        # says so; its first sentence is the reason (the next one is about opportunistic
        # senders, who are not the ones MTASTS-32 speaks for).
        found = Collector(Mechanism.SMTP)
        starttls.certificate_findings(found, probe, host, {}, under_sts=False, dane_ok=False)
        for f in found.findings:
            if f.id == "SMTP-09" and f.status in {Status.FAIL, Status.WARN}:
                first = f.summary.split(". ", 1)[0].rstrip(".")
                return CertificateFailures(f"{first} (see SMTP-09)", f.fix)
        return CertificateFailures()
    failing: list[tuple[starttls.SmtpProbe, str]] = []
    if not (probe.verify_ok and probe.name_ok):
        failing.append((probe, ""))
    variant = probe.rsa_variant
    if variant is not None and variant.leaf is not None and not variant.mta_sts_ok:
        failing.append((variant, probe.second_label))
    reasons: list[str] = []
    fixes: list[str] = []
    for shown, label in failing:
        found = Collector(Mechanism.SMTP)
        starttls.certificate_findings(
            found, shown, host, {}, under_sts=False, dane_ok=False, label=label
        )
        for f in found.findings:
            if f.id not in _VALIDATION_FINDINGS or f.status not in {Status.FAIL, Status.WARN}:
                continue
            if f.id == "SMTP-10" and f.status != Status.FAIL:
                continue  # expires soon: true, but not why validation fails
            if f.id == "SMTP-09" and shown.verify_ok:
                continue  # a CA-flagged leaf OpenSSL senders accept
            summary = f.summary.rstrip(".")
            reasons.append(
                summary[:1].lower() + summary[1:] if summary.startswith("The ") else summary
            )
            if f.fix and f.fix not in fixes:
                fixes.append(f.fix)
    only_second = len(failing) == 1 and failing[0][1] != ""
    return CertificateFailures(
        "; ".join(reasons), "\n".join(fixes), failing[0][1] if only_second and reasons else ""
    )


def alias_certificate_fix(
    mxset: mx.MxSet,
    host: mx.MxHost,
    probe: object,
    patterns: list[str] | None,
    tlsa: Any = None,
) -> str:
    """The fix for an MX name that is an alias (MX-04) of a server whose certificate names
    the alias's target and not the MX name (a hoster's shared server): senders check the
    name in the MX record (RFC 8461 §4.1, §4.2), and a certificate for the owner's name is
    seldom the owner's to install there. Pointing the MX at the server's own name (and
    listing it in the policy) makes the certificate it has valid; '' when that is not the
    case (the certificate fails for another reason too, or names neither). `patterns` are
    the policy's mx patterns, None when no MTA-STS policy applies (STARTTLS's SMTP-11 for a
    domain without one: only the MX record changes). `tlsa`: the MX host's TLSA state
    (dane.get_tlsa), whose records the new MX name leaves behind (dane.renamed_mx_note).
    MTASTS-32 and SMTP-11 share it."""
    from checks import dane, starttls

    target = host.cname_target
    if (
        not target
        or host.cname_dangling
        or not isinstance(probe, starttls.SmtpProbe)
        or probe.verify_error != "name-mismatch"
        or not probe.chain_der
        or not certs.san_matches(probe.chain_der[0], target)
    ):
        return ""
    fix = (
        f"{host.name} is an alias (CNAME) of {target}, whose certificate names {target}: "
        "senders check the name in the MX record (RFC 8461 §4.2). Use the server's own name"
        + mx_pointing_steps(mxset, host, target, patterns)
        + dane.renamed_mx_note(tlsa, host.name, target, probe)
    )
    return (
        f"{fix}\nOr have the operator of {target} install a certificate that also names "
        f"{host.name}."
    )


def mx_pointing_steps(
    mxset: mx.MxSet, host: mx.MxHost, target: str, patterns: list[str] | None
) -> str:
    """How to point the MX at `target` in place of `host`, to follow 'Use <it>': the MX
    record alone with no policy senders apply (`patterns` None), the name listed in the
    policy first when its mx patterns do not cover it (senders match the name in the MX
    record, RFC 8461 §4.1). alias_certificate_fix and starttls.own_name_option share it."""
    record = f"{mxset.answer.name}. MX {host.preference} {target}."
    if patterns is None:
        return f": point the MX at it:\n{record}"
    if any(policy_matches(p, target) for p in patterns):
        return f", which the policy's mx patterns already cover:\n{record}"
    return (
        f": add to the policy file, then give the record a new id:\nmx: {target}\n"
        f"then point the MX at it:\n{record}\n(the policy's line for {host.name} can go "
        "after that)."
    )


def alias_fix_under_policy(finding: Finding, state: MtaStsState, domain: str) -> str:
    """MX-04's fix (the MX record pointed at the alias's target) for a domain whose MTA-STS
    policy senders apply (usable, mode testing or enforce) and whose mx patterns do not match
    that target: followed alone, the MX would match no pattern, and senders match the name in
    the MX record (RFC 8461 §4.1), so under enforce they would refuse it (MTASTS-30). The
    target goes into the policy file first, under a new id, then the MX record. checks.mx
    cannot see the policy: the engine passes MX-04 through here once both have run
    (checks.engine._with_policy). The fix as it was otherwise."""
    target = str(finding.evidence.get("cname_target") or "")
    if (
        finding.id != "MX-04"
        or not target
        or finding.evidence.get("cname_dangling")  # no record can point the MX at it
        or not state.usable
        or state.mode not in {"enforce", "testing"}
        or any(policy_matches(p, target) for p in state.patterns)
    ):
        return finding.fix
    host = str(finding.evidence.get("host") or finding.subject)
    refuse = (
        "refuse to deliver to it"
        if state.mode == "enforce"
        else "report every delivery there as failed"
    )
    fix = (
        f"First list {target} in the MTA-STS policy (mode {state.mode}): senders match the "
        f"name in the MX record against its mx patterns ({', '.join(state.patterns)}), and "
        f"none matches {target}, so with this fix alone they would {refuse} (MTASTS-30).\n"
        f"1. Add this line to the policy file at {policy_url(domain)}:\nmx: {target}\n"
        "2. Then, once that file is served, give the record a new id, so senders fetch it:\n"
        f"{record_fix(domain, record_extensions(state.candidates))}\n"
        f"3. Then, once senders can see the new id (allow for the record's TTL), point the MX "
        f"at {target}:\n"
        f"{finding.fix}\n"
        f"(The policy's line for {host} can go after that, with another new id.)"
    )
    if state.answer is not None and state.answer.cnames:
        fix = delegated(fix, domain, state.answer.cnames[-1])
    return fix


@dataclass
class SessionFailure:
    """Why an MX fails MTA-STS validation before any certificate is judged: no STARTTLS, or
    STARTTLS that does not end in a TLS session, as the STARTTLS finding `check` reports it:
    `what` says what that finding says, `fix` is its fix word for word, so both findings name
    one cause and one remedy."""

    check: str
    what: str
    fix: str

    @property
    def reason(self) -> str:
        return f"{self.what} (see {self.check})"


def _session_failure(probe: object, host: str) -> SessionFailure | None:
    """The STARTTLS step a sender gets stuck at on this probe (starttls._per_probe: SMTP-02 a
    server taking HELO only, SMTP-03 no STARTTLS offered, SMTP-04 STARTTLS refused or a
    handshake or session after it that fails), or None when STARTTLS worked or the probe did
    not get that far. Only kinds the STARTTLS check fails on reach here: timeouts, 421s, a
    closed connection before TLS and the like are "could not check" (MTASTS-32 error)."""
    from checks import starttls

    if not isinstance(probe, starttls.SmtpProbe) or not probe.connected:
        return None
    if probe.helo_only:
        # RFC 3207 §4: STARTTLS is an ESMTP extension, offered only in an answer to EHLO.
        return SessionFailure(
            "SMTP-02",
            f"it refuses EHLO and speaks only plain SMTP ({probe.problem}), so it offers no "
            "STARTTLS",
            starttls.helo_only_fix(host, probe.problem),
        )
    if probe.ehlo_ok and not probe.starttls_offered:
        masked = starttls.no_starttls_text(probe.extensions)
        return SessionFailure(
            "SMTP-03",
            "it does not offer STARTTLS"
            + (f" ({masked})" if masked else "")
            + ", so there is no TLS session to validate",
            starttls.no_starttls_fix(host, probe.extensions),
        )
    if probe.error_kind != "tls-handshake" or probe.tls_ok:
        return None
    if probe.starttls_reply and not probe.starttls_reply.startswith("220"):
        # A 454 "TLS not available" (twice), or a 5xx: the server offers STARTTLS and then
        # will not start it (Postfix does so while it cannot load its certificate or key).
        what = f"it offers STARTTLS but refuses to start TLS: {probe.problem}"
    else:
        # An alert, a hang-up during the handshake, or a session that fails right after it
        # (EHLO refused inside TLS, a client certificate demanded).
        what = f"it offers STARTTLS but the TLS session could not be set up: {probe.problem}"
    return SessionFailure(
        "SMTP-04",
        what,
        # SMTP-04's own fix, chosen as it is there: a 454 (a server that cannot load its
        # certificate or key), an alert naming cipher suites or a NULL-only handshake (the
        # suites to enable), else the plain text (s42q: the problem was not passed).
        starttls.tls_setup_fix(
            host, probe.starttls_reply, probe.problem, suites=bool(probe.null_cipher)
        ),
    )


async def _validation_findings(
    ctx: CheckContext,
    state: MtaStsState,
    mxset: mx.MxSet,
    matched: list[mx.MxHost],
    hard: Status,
    out: Collector,
    target: PolicyTarget,
) -> None:
    """MTASTS-32 and MTASTS-36: would a sender applying the policy accept each MX?"""
    from checks import starttls

    validation = await get_validation(ctx, mxset)
    probes = validation.probes
    matched_names = {h.name for h in matched}
    # The pass below comes only when every address passes: a finding about one host that
    # fails or could not be checked names the policy's hosts that do validate, so the owner
    # sees whether one server or the whole set needs work (no finding of their own: noise).
    validated = [
        (h.name, a)
        for h in mxset.hosts
        if h.name in matched_names
        for a, p in probes.get(h.name, [])
        if _probe_verdict(p) == "ok"
    ]
    for host in mxset.hosts:
        is_matched = host.name in matched_names
        elsewhere, elsewhere_evidence = _validated_elsewhere(validated, host.name)
        for address, probe in probes.get(host.name, []):
            # The subject stays "host (address)" (alerts and hosting read it so); the text
            # says "host at address", as the STARTTLS findings do, and for a host with
            # several addresses which of the others pass: one server behind one address is
            # then what to look at.
            subject = f"{host.name} ({address})"
            where = f"{host.name} at {address}"
            if isinstance(probe, BaseException):
                out.add(
                    "MTASTS-32",
                    Status.ERROR,
                    f"Could not check {where}: the probe failed ({type(probe).__name__})."
                    f"{elsewhere}",
                    subject=subject,
                    evidence=elsewhere_evidence,
                )
                continue
            kind = getattr(probe, "error_kind", None)
            problem = str(getattr(probe, "problem", "") or "")
            if getattr(probe, "accepts_no_mail", False):
                # A 521 greeting (RFC 7504 §3) is the server's definite answer, not an outage
                # (SMTP-02 fails it): no sender delivers there, with or without the policy,
                # so MTA-STS has nothing to validate and enforce loses nothing there.
                out.add(
                    "MTASTS-32",
                    Status.INFO,
                    f"{where} accepts no mail at all: it greets with 521 (RFC 7504; see "
                    "SMTP-02). No sender delivers there, with or without the policy, so there "
                    "is no TLS to validate.",
                    subject=subject,
                    evidence={NO_MAIL: "521", "banner": str(getattr(probe, "banner", ""))},
                )
                continue
            # A broken TLS handshake after STARTTLS is what a sender would meet too: a real
            # failure. Timeouts, refusals, 421 and the SSRF guard only mean "could not check".
            if kind and kind != "tls-handshake":
                out.add(
                    "MTASTS-32",
                    Status.ERROR,
                    f"Could not check {where} this time: {problem or kind}.{elsewhere}",
                    subject=subject,
                    evidence=elsewhere_evidence,
                )
                continue
            others = _passing_elsewhere(probes.get(host.name, []), address)
            too_old = _tls_too_old(probe)
            if too_old:
                # As MTASTS-32: under testing senders report the failure and still deliver
                # (RFC 8461 §5); only enforce keeps mail away. A host outside the policy
                # gets no mail from senders applying it whatever its TLS (MTASTS-30 says
                # so): what this adds is that listing it would not be enough
                # (s33m-tls10unlisted).
                status = hard if is_matched else Status.WARN
                if not is_matched:
                    text = (
                        f"{where} (not in the policy) also cannot negotiate TLS 1.2 or newer, "
                        "which MTA-STS senders require (RFC 8461 §7.2): adding it to the "
                        "policy would not be enough."
                    )
                elif status == Status.FAIL:
                    text = (
                        f"{where} cannot negotiate TLS 1.2 or newer; MTA-STS senders require "
                        "it (RFC 8461 §7.2), so they will not deliver there."
                    )
                else:
                    text = (
                        f"{where} cannot negotiate TLS 1.2 or newer; MTA-STS senders require "
                        "it (RFC 8461 §7.2), so under mode enforce they would not deliver "
                        "there (in testing they report the failure and still deliver)."
                    )
                out.add(
                    "MTASTS-36",
                    status,
                    f"{text}{others}{elsewhere}",
                    subject=subject,
                    evidence=elsewhere_evidence,
                    # A provider's server: only its operator can (starttls.for_the_operator).
                    fix=starttls.for_the_operator(
                        ctx,
                        host,
                        f"Enable TLS 1.2 and 1.3 on {host.name}"
                        + (f" at {address}." if others else "."),
                        probe,
                    ),
                )
                continue
            if getattr(probe, "anon_cert", "") == "untested":
                # An anonymous suite, and no answer to the handshake offering none (starttls
                # SmtpProbe.anon_cert): the certificate MTA-STS senders get is unknown, as
                # _probe_verdict counts it; no certificate seen is no failure here.
                cipher = str(getattr(probe, "cipher", "") or "(unknown)")
                out.add(
                    "MTASTS-32",
                    Status.ERROR,
                    f"Could not check {subject}: it chose the anonymous cipher suite {cipher} "
                    "and sent no certificate, and the handshake offering no anonymous suite, "
                    f"as MTA-STS senders do, got no answer this time.{elsewhere}",
                    subject=subject,
                    evidence=elsewhere_evidence,
                )
                continue
            if getattr(probe, "mta_sts_ok", False):
                continue
            # Why, as the STARTTLS finding that reports it says it, with its fix: no STARTTLS
            # or no TLS session after it (SMTP-02/03/04), else which certificate fails and
            # why (a certificate failure leaves probe.problem empty; the RSA one is not the
            # probe's first). Certificate advice for a server that never got to show one
            # would send the owner after the wrong thing.
            session = _session_failure(probe, host.name)
            why = CertificateFailures() if session else _certificate_failures(probe, host.name)
            reason = session.reason if session else (why.reason or problem)
            if is_matched:
                status = hard
                text = (
                    f"{where} does not pass MTA-STS validation: "
                    f"{reason or 'STARTTLS with a valid certificate for the MX name is required'}"
                    f".{' Senders will not deliver there.' if hard == Status.FAIL else ''}"
                    f"{others}{elsewhere}"
                )
            else:
                status = Status.WARN
                text = (
                    f"{where} (not in the policy) would also fail MTA-STS validation: "
                    f"{reason or 'no valid certificate for the MX name'}.{others}{elsewhere}"
                )
            fix = (session.fix if session else why.fix) or (
                f"Install on {host.name} a certificate valid for {host.name} from a public CA "
                "(renew it if it expired), offered after STARTTLS on each of its addresses."
            )
            # A provider's server: its operator's change, said as the STARTTLS finding says
            # it (s34z), so alerts still tell both as one problem. Pointing the MX at an
            # alias's target below is the owner's own.
            fix = starttls.for_the_operator(ctx, host, fix, probe)
            if not session:
                # The TLSA records the offered MX name would leave behind (SMTP-11's words):
                # looked up once per run, as the STARTTLS check has them already.
                from checks import dane

                tlsa = (
                    await dane.get_tlsa(ctx, host.name)
                    if getattr(probe, "verify_error", None) == "name-mismatch"
                    else None
                )
                fix = alias_certificate_fix(mxset, host, probe, state.patterns, tlsa) or (
                    fix + starttls.own_name_option(ctx, mxset, host, probe, state.patterns)
                )
            if status == Status.FAIL and target.mode == "testing":
                # Under enforce the MX gets no mail until then; testing lets senders deliver
                # meanwhile, and only a new id makes them drop the cached enforce policy. A
                # definite failure makes the target's mode testing (_fix_mode).
                fix += "\nUntil then, to let senders deliver there, switch to mode testing:\n"
                fix += target.fix
            # Only the second certificate fails: say so, as the STARTTLS findings on it do
            # (alerts: a later run whose RSA handshake got no answer neither confirms nor
            # clears it).
            evidence: dict[str, Any] = {"second_certificate": why.second} if why.second else {}
            evidence |= elsewhere_evidence
            out.add("MTASTS-32", status, text.strip(), subject=subject, evidence=evidence, fix=fix)
    # Addresses past the probe limit are known to be unknown: a note, not "could not check"
    # (which would leave MTA-STS out of the score on every run of a domain with many MX
    # addresses); they still block the pass and any enforce suggestion (validation.ok).
    if validation.unprobed:
        listed = ", ".join(f"{name} ({addr})" for name, addr in validation.unprobed)
        out.add(
            "MTASTS-32",
            Status.INFO,
            f"Not checked (probe limit: {sum(map(len, probes.values()))} addresses are "
            f"probed per run): {listed}. Their certificates are unknown, so "
            "they cannot count as passing.",
            subject=", ".join(dict.fromkeys(name for name, _ in validation.unprobed)),
            evidence={"unprobed": [f"{n} {a}" for n, a in validation.unprobed]},
        )
    lookup_failed = {h.name for h in mxset.hosts if h.lookup_failed}
    for name in validation.no_address:
        # A failed lookup is "could not check"; a host that has no address is known, and
        # MX-06 already fails it: here it is only named, and holds nothing back (no mail
        # goes there, with or without the policy).
        if name in lookup_failed:
            elsewhere, elsewhere_evidence = _validated_elsewhere(validated, name)
            out.add(
                "MTASTS-32",
                Status.ERROR,
                f"Could not look up the addresses of {name} (see the MX findings), so it could "
                f"not be checked.{elsewhere}",
                subject=name,
                evidence=elsewhere_evidence,
            )
        elif name in validation.addressless:
            out.add(
                "MTASTS-32",
                Status.INFO,
                f"{name} has no address (see MX-06): no sender connects to it, with or without "
                "the policy, so there is nothing to validate.",
                subject=name,
                evidence={NO_MAIL: "no address"},
            )
        else:
            out.add(
                "MTASTS-32",
                Status.INFO,
                f"{name} has no address to connect to (see the MX findings), so it could not "
                "be checked.",
                subject=name,
            )
    if validation.ok:
        skipped = list(
            dict.fromkeys(
                [n for n in validation.no_address if n in validation.addressless]
                + [f"{n} at {a}" for n, a in validation.no_mail]
            )
        )
        out.add(
            "MTASTS-32",
            Status.PASS,
            "Every address of every MX host offers STARTTLS with a valid certificate for its name."
            if not skipped
            else "Every MX address that receives mail offers STARTTLS with a valid certificate "
            f"for its host name (no mail goes to {', '.join(skipped)}: see above).",
            subject=ctx.domain,
        )
        out.add(
            "MTASTS-36", Status.PASS, "The MX hosts negotiate TLS 1.2 or newer.", subject=ctx.domain
        )


def _validated_elsewhere(
    validated: list[tuple[str, str]], host: str
) -> tuple[str, dict[str, list[str]]]:
    """For a finding about `host` failing or not checked: the sentence naming the policy's
    other MX hosts whose addresses pass MTA-STS validation, and the same for the evidence
    ({"validated": ["host address", ...]}), or ('', {}) when none does. The host's own other
    addresses are named by _passing_elsewhere."""
    passing = [(name, address) for name, address in validated if name != host]
    if not passing:
        return "", {}
    named = [f"{name} at {address}" for name, address in passing]
    verb = "passes" if len(named) == 1 else "pass"
    listed = named[0] if len(named) == 1 else f"{', '.join(named[:-1])} and {named[-1]}"
    sentence = f" {listed} {verb} MTA-STS validation."
    return sentence, {"validated": [f"{name} {address}" for name, address in passing]}


def _passing_elsewhere(probed: list[tuple[str, object]], address: str) -> str:
    """For an MX address failing MTA-STS validation: the sentence naming the host's other
    addresses that pass, when some do (the server behind this address is then the one to
    fix), or ''."""
    passing = [a for a, p in probed if a != address and _probe_verdict(p) == "ok"]
    if not passing:
        return ""
    if len(passing) == 1:
        return f" Its other address {passing[0]} passes."
    return f" Its other addresses {', '.join(passing)} pass."


def _tlsrpt_finding(
    ctx: CheckContext,
    sts: MtaStsState,
    state: tlsrpt.TlsRptState,
    out: Collector,
    absent_fix: str = "",
) -> None:
    """MTASTS-34: MTA-STS is meant to be used with TLS reporting (RFC 8461 §6). `absent_fix`:
    the fix for a missing record (tlsrpt.new_record_fix, as TLSRPT-01 gives it)."""
    absent_fix = absent_fix or tlsrpt.record_fix(ctx.domain)
    subject = f"_smtp._tls.{ctx.domain}"
    answer = state.answer
    if state.status == "error":
        # TLSRPT-01 says what failed and why; this says only what it leaves open for MTA-STS.
        out.add(
            "MTASTS-34",
            Status.ERROR,
            "Whether TLS reporting goes with MTA-STS, so that you hear about senders that fail "
            "to deliver under the policy (RFC 8461 §6), could not be checked: the TLS-RPT "
            "record could not be looked up (TLSRPT-01).",
            subject=subject,
            evidence=answer.evidence(),
        )
    elif state.usable:
        # What senders use (exactly one valid record with a usable address, RFC 8460 §3), not
        # any text that mentions v=TLSRPTv1.
        out.add(
            "MTASTS-34",
            Status.PASS,
            "A TLS-RPT record is published alongside MTA-STS.",
            subject=subject,
        )
    elif state.status != "absent":
        # Two records, a misplaced version tag, no usable address: the TLS-RPT findings
        # (TLSRPT-02..09) judge the record and carry its severity (fixtures F35, F36); this
        # only says what it means for MTA-STS, without counting the same fault twice.
        out.add(
            "MTASTS-34",
            Status.INFO,
            "MTA-STS is deployed, but senders cannot use the TLS-RPT record (see the TLS-RPT "
            "findings), so you will not hear about senders that fail to deliver (RFC 8461 §6).",
            subject=subject,
            evidence=answer.evidence(),
        )
    elif not policy_applied(sts):
        # Mode none, or a record/policy senders discard: they apply no policy, so there are
        # no MTA-STS failures to hear about yet. Worth adding before the policy takes effect.
        out.add(
            "MTASTS-34",
            Status.INFO,
            "No TLS-RPT record. Senders apply no MTA-STS policy here yet (see above); add "
            "TLS reporting before they do, to hear about senders that fail to deliver "
            "(RFC 8461 §6).",
            subject=subject,
            evidence=answer.evidence(),
            fix=absent_fix,
        )
    else:
        out.add(
            "MTASTS-34",
            Status.WARN,
            "MTA-STS is deployed without TLS reporting, so you will not hear about senders "
            "that fail to deliver (RFC 8461 §6).",
            subject=subject,
            evidence=answer.evidence(),
            fix=absent_fix,
        )


async def _dane_finding(ctx: CheckContext, mxset: mx.MxSet, out: Collector) -> None:
    """MTASTS-35: DANE wins over MTA-STS for DANE-capable senders (RFC 8461 §2)."""
    from checks import dane

    hosts = [h for h in mxset.hosts if not h.is_ip_literal]
    states = await asyncio.gather(*(dane.get_tlsa(ctx, h.name) for h in hosts))
    # Only a DNSSEC-secure TLSA RRset with a usable record makes DANE senders validate with
    # DANE (RFC 7672 §2.2); an insecure one is ignored. The DANE module's lookup also follows
    # a CNAME'd MX name to its TLSA base (RFC 7672 §2.2.2).
    dane_on = [t.secure and any(r.usable for r in t.records) for t in states]
    with_tlsa = [t.qname for t, on in zip(states, dane_on, strict=True) if on]
    # A host whose lookup failed is neither (DANE-02 says so): only what is known is named,
    # records DANE senders do not use apart from none at all (the owner may have published them).
    without = [
        (h.name, bool(t.records))
        for h, t, on in zip(hosts, states, dane_on, strict=True)
        if not on and not t.failed
    ]
    if with_tlsa and without:
        covered = series([h.name for h, on in zip(hosts, dane_on, strict=True) if on])
        one = len(with_tlsa) == 1
        absent = [name for name, published in without if not published]
        unused = [name for name, published in without if published]
        said = []
        if absent:
            said.append(f"{series(absent)} {'has' if len(absent) == 1 else 'have'} none")
        if unused:
            said.append(
                f"{series(unused)} publish{'es' if len(unused) == 1 else ''} TLSA records that "
                "DANE senders do not use (none usable, or not DNSSEC-validated)"
            )
        summary = (
            f"{covered} also publish{'es' if one else ''} DANE TLSA records; senders that "
            f"support DANE validate {'it' if one else 'them'} with DANE instead of MTA-STS, so "
            f"both must stay correct. {'; '.join(said)}: MTA-STS alone protects mail to "
            f"{'it' if len(without) == 1 else 'them'}."
        )
    else:
        summary = (
            "The MX hosts also publish DANE TLSA records; senders that support DANE "
            "validate with DANE instead of MTA-STS, so both must stay correct."
        )
    if with_tlsa and not mxset.implicit and not mxset.answer.ad:
        # RFC 7672 §2.2.1 leaves DANE behind MX records that are not DNSSEC-secure to the
        # sender: Exim then does not use it (DANE-03 says so), so MTA-STS is what it applies
        # to these hosts (s35l-unsignedprovsts).
        summary += (
            f" The MX records of {ctx.domain} are not DNSSEC-secure, though: Exim uses DANE "
            "only behind DNSSEC-secure MX records and applies MTA-STS to these hosts, while "
            "Postfix still uses DANE (RFC 7672 §2.2.1; see DANE-03)."
        )
    if with_tlsa:
        out.add("MTASTS-35", Status.INFO, summary, subject=", ".join(with_tlsa))
