"""DMARC (RFC 7489 and RFC 9989 "DMARCbis"): discovery in both views and every tag rule.

Receivers in the field still run RFC 7489 (Public Suffix List organisational domain, `pct`
sampling) while RFC 9989 receivers walk the DNS tree and honour `t`, `np` and `psd`. A domain is
evaluated in both views; when they disagree on the policy a sender gets, DMARC-19 says so.

`parse_dmarc(text)` is a pure parser that never raises; `get_policy(ctx)` is the memoised fact
(BIMI needs it); `evaluate(ctx)` turns it into checklist findings DMARC-01..20.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple
from urllib.parse import unquote

from checks.context import CheckContext
from checks.dns import (
    DnsAnswer,
    a_label_mailbox,
    cname_loop,
    held_txt_records,
    in_place_of_empty,
    loop_also,
    normalize,
    not_the_record,
    quote_txt,
    split_at_schemes,
    txt_fix,
)
from checks.domainname import is_public_suffix, organizational_domain, url_host_name
from checks.findings import Collector, Finding, Mechanism, Status, series
from checks.lookalike import QUOTES, lookalikes, one_slip, unquoted
from checks.mx import is_null_mx
from checks.tlsrpt import catch_all_alias, catch_all_words, non_ascii_why, stray_at, uri_form

if TYPE_CHECKING:
    from checks.mx import NoMailAnswer

MECHANISM = Mechanism.DMARC

POLICIES = ("none", "quarantine", "reject")
# RFC 7489 §6.3 plus the RFC 9989 §4.7 additions (np, t, psd); rf/ri/pct are historic in 9989.
KNOWN_TAGS = {
    "v",
    "p",
    "sp",
    "np",
    "rua",
    "ruf",
    "adkim",
    "aspf",
    "fo",
    "pct",
    "rf",
    "ri",
    "t",
    "psd",
}
# The known tags an unknown one may be a misspelling of (_misspelling_of): of two letters
# ('sp', 'fo', 'ri'), one letter off is too many other words to guess from.
_SPELLED_TAGS = sorted(tag for tag in KNOWN_TAGS if len(tag) >= 3)
# RFC 9989 §4.10: at most 8 queries; longer names jump to their 7-label ancestor.
MAX_WALK = 8
_TAG_NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
# Blanks before another DMARC tag inside a value, where a ';' was left out ("adkim=r aspf=s",
# "p=reject rua=mailto:..."): a report URI holds no blank, and no policy or mode word does.
# Tried only where a run of blanks starts: tried at each blank of a long run, '\s+' would take
# time square in its length (a record anyone publishes, read on the event loop).
_GLUED_RE = re.compile(
    r"(?<!\s)\s+(?=(?:" + "|".join(sorted(KNOWN_TAGS - {"v"}, key=len, reverse=True)) + r")\s*=)",
    re.I,
)
_SCHEME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")
# RFC 3986 §2: the characters a URI may hold, a '%' only as a pct-encoded octet.
_URI_REST_RE = re.compile(r"^(?:[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})+$")
# RFC 3986 §3.2.2 reg-name or IP-literal, with an optional port (§3.2.3).
_AUTHORITY_RE = re.compile(
    r"^//(?:[^@/?#]*@)?(?:[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?)*\.?|\[[0-9A-Fa-f:.]+\])(?::[0-9]*)?(?:[/?#]|$)"
)
_SIZE_RE = re.compile(r"^(.*?)!([0-9]+[kmgtKMGT]?)$", re.S)
# The schemes receivers send reports to (RFC 7489 §6.2, RFC 9989 §4.8): an element after a
# ';' starting with one is a report address cut off from its tag, not a mistyped tag.
_REPORT_SCHEME_RE = re.compile(r"^(?:mailto|https):", re.I)
# A mailbox a mailto: URI carries (RFC 6068 §2): the local part only in characters a URI holds
# unencoded there (RFC 3986 unreserved, and the sub-delims RFC 5322 atext shares), any other
# character percent-encoded. A '"', '\\', space, '<', '>', '#', '/', '?', '^', '{', '|' or a
# non-ASCII letter written as it is makes no address receivers can send to. '!' is left out:
# in a DMARC list it starts a size limit; ',' and ';' separate addresses and tags.
_MAILBOX_RE = re.compile(
    r"^(?:[A-Za-z0-9.\-_~$&'*+=:()]|%[0-9A-Fa-f]{2})+@([A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9_](?:[A-Za-z0-9\-_]*[A-Za-z0-9])?)+)\.?$"
)


@dataclass
class DmarcProblem:
    check_id: str
    status: Status
    message: str
    repeated: bool = False  # a tag given twice: the finding offers the record with one
    # The DMARC tag an element written with ':' ("sp:none") is, when this element is the one
    # ParsedDmarc.mistyped keeps: the finding offers the record with it written with '='.
    mistyped: str = ""
    # A tag unknown to DMARC (lower-cased) that is no misspelling: receivers ignore it (RFC
    # 7489 §6.3), and the finding offers the record without it.
    unknown: str = ""


@dataclass
class ReportUri:
    text: str
    uri: str = ""
    scheme: str = ""
    host: str = ""  # the mailbox domain of a mailto: URI
    size: str = ""  # the obsolete "!size" suffix, if any
    valid: bool = False  # a receiver sends reports to it (a mailto: address)
    # A syntactically valid URI (RFC 3986), whether or not receivers report to its scheme:
    # what RFC 7489 §6.6.3 step 6 and RFC 9989 §4.10.1 ask of rua before a record with an
    # invalid p, sp or np is acted on as p=none.
    syntactic: bool = False
    problem: str = ""
    # The problem is quotes around or inside the address ('mailto:“d@example.com”'): the
    # problem names them, and the address is usable without them.
    quoted: bool = False
    # The URIs it runs together with no ',' between them ("mailto:d@x.commailto:e@y.net"):
    # the problem names them, and a suggested record keeps each (kept_uris).
    fused: list[str] = field(default_factory=list)
    # The local part holds an '@' outside quotes once percent-decoded ('a%40b'): the problem
    # says how it reads.
    stray_at: bool = False
    # The address holds non-ASCII characters ('mailto:dś@example.org'): the problem names them
    # and its URI form (tlsrpt.non_ascii_why, s36k).
    non_ascii: bool = False


@dataclass
class ParsedDmarc:
    text: str
    tags: dict[str, str] = field(default_factory=dict)  # first occurrence, names lower-cased
    # Each tag's name as written ("X_Vendor" for tags["x_vendor"]): a suggested record writes
    # a tag unknown to us in the owner's spelling, since nothing says which spelling a tool
    # reading it expects; only the known names are normalised (ABNF literals ignore case).
    names: dict[str, str] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)
    problems: list[DmarcProblem] = field(default_factory=list)
    is_dmarc: bool = False  # v=DMARC1 is the first tag, exactly
    # Report addresses cut off from their rua/ruf tag by a ';' ("rua=mailto:a@x; mailto:b@x"):
    # receivers read each as a stray element and ignore it (RFC 7489 §6.4, RFC 9989 §4.8: the
    # URIs of one tag are separated by ','). DMARC-12 says so, and its fix moves them back.
    strays: dict[str, list[str]] = field(default_factory=dict)
    # A policy tag given twice, one value invalid ("p=reject; p=rejectt"): the valid one, which
    # the owner plainly meant. The tag itself holds the invalid value (see _repeated).
    meant: dict[str, str] = field(default_factory=dict)
    # Every value of a tag given more than once, in the record's order, as written.
    repeats: dict[str, list[str]] = field(default_factory=dict)
    # A DMARC tag written with ':' ("p:reject"), by tag, as written (the first one): receivers
    # ignore it (DMARC-17), but what the owner chose is plain, and the fixes write it with '='.
    mistyped: dict[str, str] = field(default_factory=dict)
    # A DMARC tag behind a character pasted with it ("\u00a0p=reject", a no-break space after
    # the ';'): receivers ignore the element as they do "p:reject", so it is kept in `mistyped`
    # (written with ':' there, as the fixes read it) and here, by tag, what the character is.
    pasted: dict[str, str] = field(default_factory=dict)
    # An unknown tag that is a known one misspelt ('rau=mailto:…'), lower-cased, and the tag
    # it was meant to be: its value is kept in `mistyped` as that tag's ('rua:mailto:…'), so
    # the suggested records write it right, and leave the misspelt one out.
    misspelt: dict[str, str] = field(default_factory=dict)
    # Tags run into the value before them with no ';' between ("adkim=r aspf=s"): receivers
    # read 'r aspf=s' as adkim's value (invalid, so ignored) and never read aspf at all
    # (RFC 7489 §6.4, RFC 9989 §4.7). What receivers read stays in `tags`; what the owner
    # meant is kept here for the fixes (written): by tag, its own value ('r' for adkim), the
    # tags run into it as written (['aspf=s']), and each such tag's value ('s' for aspf).
    unglued: dict[str, str] = field(default_factory=dict)
    glued_after: dict[str, list[str]] = field(default_factory=dict)
    glued: dict[str, str] = field(default_factory=dict)

    def policy(self, tag: str) -> str | None:
        """A policy tag's value when valid, else None (absent or invalid)."""
        value = self.tags.get(tag)
        if value is None:
            return None
        value = value.strip().lower()
        return value if value in POLICIES else None

    def written(self, tag: str) -> str | None:
        """The tag's value, or the one written with ':' when the tag is absent: what the
        owner meant, which a suggested record keeps: a tag's own value without the tags run
        into it ('r' of 'adkim=r aspf=s'), and such a tag's value when it is not written
        apart ('s' for aspf)."""
        if tag in self.unglued:
            return self.unglued[tag]
        if tag in self.tags:
            return self.tags[tag]
        if tag in self.mistyped:
            return self.mistyped[tag].partition(":")[2].strip(" \t\r\n")
        if tag in self.glued:
            return self.glued[tag]
        return None

    def invalid_policy(self, tag: str) -> bool:
        return tag in self.tags and self.policy(tag) is None

    def uris(self, tag: str) -> list[ReportUri]:
        return parse_uris(self.tags.get(tag, "")) if tag in self.tags else []

    def valid_rua(self) -> bool:
        """rua has an address reports are sent to."""
        return any(u.valid for u in self.uris("rua"))

    def syntactic_rua(self) -> bool:
        """rua has a syntactically valid reporting URI (RFC 7489 §6.6.3 step 6, RFC 9989
        §4.10.1): an https: URI counts there as much as a mailto: one."""
        return any(u.syntactic for u in self.uris("rua"))

    @property
    def pct(self) -> int | None:
        value = self.tags.get("pct")
        # ABNF DIGIT is ASCII 0-9 (RFC 5234 B.1): str.isdigit() alone also takes "²", which
        # int() refuses, and fullwidth digits, which no receiver reads as a number.
        if value is None or not (value.strip().isascii() and value.strip().isdigit()):
            return None
        return int(value.strip())

    @property
    def testing(self) -> bool:
        return self.tags.get("t", "").strip().lower() == "y"


def parse_dmarc(text: str) -> ParsedDmarc:
    """Parse a DMARC record's tag-list. Never raises; problems come back in `problems`."""
    parsed = ParsedDmarc(text=text if isinstance(text, str) else "")
    if not isinstance(text, str):
        return parsed
    parts = text.split(";")
    # The tag a stray report address after a ';' was meant to belong to: the tag just before
    # it (or before the strays already after it). Anything else between them (junk, another
    # tag) leaves the address's tag unknown: DMARC-17 then names it without a guess.
    last_tag = ""
    # One DMARC-17 per repeated tag, in the place of its first repeat; its text is written
    # once every value is known (_repeated), and for an invalid policy value it says what
    # receivers then do, which depends on a rua that may come later in the record.
    repeated: dict[str, DmarcProblem] = {}
    unknown: dict[str, DmarcProblem] = {}  # tags unknown to DMARC, lower-cased
    for index, part in enumerate(parts):
        if not part.strip():
            if index != len(parts) - 1 and index != 0:
                parsed.problems.append(
                    DmarcProblem("DMARC-17", Status.WARN, "The record has an empty ';;' element.")
                )
            continue
        name, sep, value = part.partition("=")
        name = name.strip(" \t\r\n")
        value = value.strip(" \t\r\n")
        if not sep or not _TAG_NAME_RE.match(name):
            if last_tag in ("rua", "ruf") and _is_report_address(part):
                # DMARC-12 explains it with the repaired record; a DMARC-17 "not a tag=value
                # pair" beside it would tell the same story a second time.
                parsed.strays.setdefault(last_tag, []).append(part.strip(" \t\r\n"))
                continue
            last_tag = ""
            pasted = lookalikes(part, before=";".join(parts[:index]) + ";" if index else "")
            meant, eq, meant_value = pasted.cleaned.partition("=") if pasted else ("", "", "")
            meant = meant.strip(" \t\r\n").lower()
            meant_value = meant_value.strip(" \t\r\n")
            if pasted and eq and meant in KNOWN_TAGS and meant not in parsed.mistyped:
                # Read as written it is "not a tag=value pair"; the owner sees one. Say what
                # the pasted character is; the fixes write the tag as meant (as 'p:reject').
                description = pasted.describe()
                written = f"{meant}={meant_value}"
                parsed.problems.append(
                    DmarcProblem(
                        "DMARC-17",
                        Status.WARN,
                        f"'{written}' holds {description}: it {pasted.fault}, "
                        "so receivers do not read it as "
                        f"the {meant} tag and ignore it. Retype it by hand.",
                        mistyped=meant,
                    )
                )
                parsed.mistyped[meant] = f"{meant}:{meant_value}"
                parsed.pasted[meant] = description
                continue
            problem = DmarcProblem("DMARC-17", Status.WARN, _not_a_pair(part))
            parsed.problems.append(problem)
            typed, colon, _ = part.partition(":")
            typed = typed.strip().lower()
            if colon and typed in KNOWN_TAGS and typed not in parsed.mistyped:
                parsed.mistyped[typed] = part.strip(" \t\r\n")
                problem.mistyped = typed
            continue
        lname = name.lower()
        if index == 0:
            # RFC 7489 §6.3 / RFC 9989 §4.7: v MUST be first and its value is case-sensitive;
            # the ABNF allows no whitespace before it (checklist §0: the record starts with it).
            parsed.is_dmarc = lname == "v" and value == "DMARC1" and text[:1] in ("v", "V")
        if lname in parsed.tags:
            last_tag = lname
            if lname not in repeated:
                repeated[lname] = DmarcProblem("DMARC-17", Status.WARN, "", repeated=True)
                parsed.problems.append(repeated[lname])
                parsed.repeats[lname] = [parsed.tags[lname]]
            parsed.repeats[lname].append(value)
            continue
        parsed.tags[lname] = value
        parsed.names[lname] = name
        parsed.order.append(lname)
        last_tag = lname
        if index and lname in KNOWN_TAGS:
            # 'adkim=r aspf=s', a ';' left out (the version's own is _repair_v's): receivers
            # read the value whole; the fixes write both tags (ParsedDmarc.unglued).
            own, *run_in = _GLUED_RE.split(value)
            if run_in:
                parsed.unglued[lname] = own
                parsed.glued_after[lname] = run_in
                for piece in run_in:
                    glued_name, _, glued_value = piece.partition("=")
                    parsed.glued.setdefault(
                        glued_name.strip(" \t\r\n").lower(), glued_value.strip(" \t\r\n")
                    )
        if lname not in KNOWN_TAGS:
            unknown[lname] = DmarcProblem(
                "DMARC-17",
                Status.WARN,
                f"The tag '{name}' is not a DMARC tag; receivers ignore it.",
                unknown=lname,
            )
            parsed.problems.append(unknown[lname])
    for lname, problem in unknown.items():
        # Once every tag is read: a misspelling of a tag the record also has is no guess.
        meant = _misspelling_of(lname)
        if meant and meant not in parsed.tags and meant not in parsed.mistyped:
            # Receivers ignore it as they ignore 'rua:…'; what the owner meant is plain.
            parsed.misspelt[lname] = meant
            parsed.mistyped[meant] = f"{meant}:{parsed.tags[lname]}"
            problem.mistyped = meant
            problem.unknown = ""
            problem.message += f" It looks like '{meant}' misspelt"
            lost = {"rua": "aggregate", "ruf": "failure"}
            if meant in lost:
                problem.message += f": as it is, receivers send no {lost[meant]} reports"
            problem.message += "."
    invalid = [tag for tag, problem in repeated.items() if _repeated(parsed, tag, problem)]
    for tag in invalid:
        repeated[tag].message += _invalid_repeat_outcome(parsed, tag)
    return parsed


def _misspelling_of(name: str) -> str | None:
    """The known tag (of three letters or more) `name` is one slip away from: a letter
    changed, added or left out, or two neighbours swapped ('rau' for rua, 'adkmi' for adkim).
    None when no tag or more than one is ('ruz': rua or ruf)."""

    meant = [tag for tag in _SPELLED_TAGS if one_slip(name, tag)]
    return meant[0] if len(meant) == 1 else None


def _repeated(parsed: ParsedDmarc, tag: str, problem: DmarcProblem) -> bool:
    """A tag given more than once ("p=none; ... p=reject"): `problem` says so, listing every
    value in order. True when the tag counts as an invalid policy (parse_dmarc then adds what
    receivers do with it, which depends on the rest of the record).

    No DMARC text says which value counts. DMARC records use DKIM's tag-list syntax (RFC 7489
    §6.3, RFC 9989 §4.7), in which a repeated tag makes the whole list invalid (RFC 6376
    §3.2), while DMARC itself asks receivers to discard syntax errors in favour of defaults,
    not to drop the record. Receivers differ accordingly: OpenDMARC keeps the last p and adds
    up the rua lists, other parsers keep the first value, strict ones discard the record. So
    a warning that says so (checklist DMARC-17), and judged as what every receiver reading the
    record at least does: the weakest of the policies, the addresses of every report tag.

    When one of the policy values is invalid, receivers that read that one act on the record
    as on any with an invalid p, sp or np (RFC 7489 §6.6.3 step 6, RFC 9989 §4.10.1): as
    p=none with a valid rua, no DMARC at all without one; strict parsers apply no DMARC
    either. So the tag counts as invalid, and the weakest valid value is kept as the one
    meant, for the fixes to publish alone.
    """
    values = parsed.repeats[tag]
    several = len(values) > 2
    counted = ""
    differ = "some use the last value, others the first"
    invalid = False
    if tag in ("p", "sp", "np"):
        lowered = [v.strip().lower() for v in values]
        valid = [v for v in lowered if v in POLICIES]
        if len(valid) < len(values):
            invalid = True
            # The tag holds the first invalid value, which DMARC-05 and DMARC-07 quote.
            parsed.tags[tag] = next(
                v for v, low in zip(values, lowered, strict=True) if low not in POLICIES
            )
            if valid:
                parsed.meant[tag] = min(valid, key=POLICIES.index)
        elif len(set(valid)) > 1:
            weaker = min(valid, key=POLICIES.index)
            parsed.tags[tag] = weaker
            which = "weakest" if len(set(valid)) > 2 else "weaker"
            counted = f" This check counts the {which} one, {tag}={weaker}."
    elif tag in ("rua", "ruf"):
        parsed.tags[tag] = ",".join(v for v in values if v.strip())
        counted = f" This check counts the addresses of {'all of them' if several else 'both'}."
        differ = (
            f"some send reports to {'every list' if several else 'both lists'}, others to "
            "only one of them"
        )
    shown = ", then ".join(f"{tag}={v}" for v in values)
    problem.message = (
        f"The tag '{tag}' appears more than once ({shown}), and receivers disagree on such a "
        f"record: {differ}, and strict parsers discard the whole record (a repeated tag makes "
        f"a DKIM-style tag list invalid, RFC 6376 §3.2).{counted}"
    )
    if not invalid:
        problem.message += f" Keep one '{tag}' tag."
    return invalid


def _invalid_repeat_outcome(parsed: ParsedDmarc, tag: str) -> str:
    """What a repeated policy tag with an invalid value is counted as (see _repeated)."""
    bad = [
        f"{tag}={v}"
        for v in dict.fromkeys(parsed.repeats[tag])
        if v.strip().lower() not in POLICIES
    ]
    named = (
        f"{bad[0]} is not a valid policy"
        if len(bad) == 1
        else f"{', '.join(bad[:-1])} and {bad[-1]} are not valid policies"
    )
    outcome = (
        "act as if the record were p=none, because it has a syntactically valid report URI (rua)"
        if parsed.syntactic_rua()
        else "apply no DMARC at all, because the record has no syntactically valid report URI (rua)"
    )
    return (
        f" {named}, and {_readers(parsed, tag)} {outcome}; "
        "this "
        f"check counts the record so. Keep one '{tag}' tag, with a valid value."
    )


def _is_report_address(part: str) -> bool:
    """An element after a ';' that is a report address cut off from its tag: a mailto: or
    https: URI, or a bare mailbox. Never a mistyped tag ('p:reject', 'fo:1', 'adkim:s'):
    that is a DMARC-17 syntax error, whose own words say how to write it."""
    text = part.strip(" \t\r\n")
    if text.split(":", 1)[0].strip().lower() in KNOWN_TAGS:
        return False
    if _REPORT_SCHEME_RE.match(text):
        return True
    size = _SIZE_RE.match(text)
    return "=" not in text and bool(_MAILBOX_RE.match(size.group(1) if size else text))


def _not_a_pair(part: str) -> str:
    """DMARC-17's words for an element that is not a 'tag=value' pair."""
    text = part.strip()
    name, colon, value = text.partition(":")
    if colon and name.strip().lower() in KNOWN_TAGS:
        # 'p:reject': the tag is plain, only the '=' is wrong.
        return (
            f"'{text}' is not a 'tag=value' pair, so receivers ignore it: a tag and its value "
            f"are joined by '=' ({name.strip().lower()}={value.strip()})."
        )
    if not _is_report_address(text):
        # '-all', 'junk': no address, so no word of how a second one is written.
        return f"'{text}' is not a 'tag=value' pair; receivers ignore it."
    return (
        f"'{text}' is not a 'tag=value' pair; receivers ignore it "
        "(a second report address must be separated by ',' not ';')."
    )


def looks_like_dmarc(text: str) -> bool:
    """Meant to be DMARC but not starting with exactly v=DMARC1 (DMARC-03 material)."""
    return "dmarc1" in text.lower().replace(" ", "")


def parse_uris(value: str) -> list[ReportUri]:
    """RFC 7489 §6.2-§6.4 / RFC 9989 §4.8: comma-separated URIs, optional obsolete '!size'."""
    out: list[ReportUri] = []
    if not isinstance(value, str):
        return out
    for raw in value.split(","):
        item = ReportUri(text=raw.strip(" \t\r\n"))
        text = item.text
        if not text:
            item.problem = "an empty address in the list"
            out.append(item)
            continue
        size = _SIZE_RE.match(text)
        if size:
            text, item.size = size.group(1), size.group(2)
        item.uri = text
        if not _SCHEME_RE.match(text):
            item.problem = (
                f"'{item.text}' has no scheme; write it as 'mailto:{text}'"
                if "@" in text
                else f"'{item.text}' is not a URI"
            )
            out.append(item)
            continue
        item.scheme = text.split(":", 1)[0].lower()
        rest = text.split(":", 1)[1]
        if item.scheme == "mailto":
            address = rest.split("?", 1)[0]
            local, at, domain = address.rpartition("@")
            # The address as receivers read it, percent-decoded (RFC 6068 §2, as TLS-RPT's
            # tlsrpt._parse_uri reads it): '%2B' in the local part is '+', a domain written
            # with '%2E' is that domain (RFC 3986 §2.3). The local part stays as written for
            # _MAILBOX_RE, which takes '%XX' there; decoded, it may hold no '@' outside quotes.
            # A domain whose escapes stand for the UTF-8 of a non-ASCII name (RFC 6068 §2, RFC
            # 3986 §3.2.2: 'b%C3%BCcher.example') is that name in A-labels, as TLS-RPT reads
            # an https host (url_host_name, s36k).
            if "%" in domain:
                domain = url_host_name(domain) or unquote(domain)
            match = _MAILBOX_RE.match(f"{local}@{domain}" if at else address)
            item.fused = [] if match else _run_together(text)
            if match and stray_at(read := unquote(local)):
                item.syntactic = item.stray_at = True  # a URI (RFC 3986 takes '%40'), no address
                item.problem = (
                    f"'{item.text}' is not a valid mailto: address: its local part {local!r} "
                    f"reads as {read!r}, which holds an '@' no address can hold outside quotes "
                    "(RFC 5322 §3.4.1, RFC 6068 §2)"
                )
            elif item.fused:
                item.problem = (
                    f"'{item.text}' runs {len(item.fused)} addresses together: "
                    + series([f"'{part}'" for part in item.fused])
                    + " need a ',' between them (a record split into strings is joined with "
                    "nothing added)"
                )
            elif not match and not text.isascii():
                # 'mailto:dś@example.org', 'mailto:d@bücher.example': a URI is ASCII (RFC 3986
                # §2), its URI form (RFC 3987 §3.1) is named, as TLSRPT-06 names it (s36k).
                item.non_ascii = True
                item.problem = f"'{item.text}' is not a valid mailto: address: it " + non_ascii_why(
                    text, reads="RFC 7489 §6.2 reads rua and ruf as URIs"
                )
            elif not match:
                item.problem = f"'{item.text}' is not a valid mailto: address"
            else:
                item.host = normalize(match.group(1))
                item.valid = item.syntactic = True
        elif item.scheme in ("https", "http"):
            item.syntactic = bool(_URI_REST_RE.match(rest) and _AUTHORITY_RE.match(rest))
            item.problem = (
                f"'{item.text}': receivers only promise to send reports to mailto: addresses"
            )
        else:
            item.syntactic = bool(_URI_REST_RE.match(rest))
            item.problem = f"'{item.text}': the '{item.scheme}:' scheme is not supported"
        out.append(item)
    for item in out:
        if not item.valid and (named := _quotes_named(item.text)):
            item.problem, item.quoted, item.non_ascii = named, True, False
    return out


def _run_together(text: str) -> list[str]:
    """The report URIs `text` holds with no ',' between them ("mailto:d@example.com" and
    "mailto:e@example.net" as "mailto:d@example.commailto:e@example.net", two strings of the
    record joined with nothing added; RFC 7489 §6.2 and RFC 9989 §4.8 separate them by ','):
    each, when every part is a URI of its own receivers could take; else [] (a 'mailto:'
    inside one broken address is no second URI)."""
    parts = split_at_schemes(text)
    each = [parse_uris(part) for part in parts]
    if all(len(uris) == 1 and (uris[0].valid or uris[0].syntactic) for uris in each):
        return parts
    return []


def _quotes_named(text: str) -> str:
    """For a report address spoilt only by quotes typed or pasted with it
    ('mailto:“d@example.com”', 'mailto:"d@example.com"', '“mailto:d@example.com”'): which
    quotes, where, and the address without them; '' for any other address. Named as the
    record's other pasted characters are (checks.lookalike), not as "not a valid address"."""
    ascii_quotes = text.count('"')
    meant = text.replace('\\"', "").replace('"', "")
    pasted = lookalikes(meant)
    if pasted is not None and pasted.quotes and not pasted.looks_like:
        meant = pasted.cleaned
    elif pasted is not None or not ascii_quotes:
        return ""
    again = parse_uris(meant)
    if len(again) != 1 or not again[0].valid:
        return ""
    held = []
    if ascii_quotes:
        count = {1: "a", 2: "two"}.get(ascii_quotes, str(ascii_quotes))
        held.append(f"{count} double quote{'s' if ascii_quotes > 1 else ''} ('\"')")
    if pasted is not None:
        held.append(pasted.describe())
    return (
        f"'{text}' holds {' and '.join(held)}: quotes are no part of an address, so receivers "
        f"cannot send to it; write it as '{meant}'"
    )


def walk_names(domain: str) -> list[str]:
    """RFC 9989 §4.10 DNS Tree Walk: the names to query, at most 8, author domain first."""
    labels = normalize(domain).split(".")
    names = [".".join(labels)]
    count = len(labels)
    # After the first query, a name of more than 8 labels jumps to its 7-label ancestor.
    count = 7 if count > MAX_WALK else count - 1
    while count >= 1 and len(names) < MAX_WALK:
        names.append(".".join(labels[-count:]))
        count -= 1
    return names


@dataclass
class Lookup:
    """What one `_dmarc.<name>` query gave."""

    name: str
    answer: DnsAnswer
    records: list[str]  # records whose first tag is exactly v=DMARC1
    near: list[str]  # records that look like DMARC but are not

    @property
    def record(self) -> str | None:
        return self.records[0] if len(self.records) == 1 else None


def _select(name: str, answer: DnsAnswer) -> Lookup:
    records: list[str] = []
    near: list[str] = []
    for text in answer.texts() if not answer.failed else []:
        if parse_dmarc(text).is_dmarc:
            records.append(text)
        elif looks_like_dmarc(text):
            near.append(text)
    return Lookup(name, answer, records, near)


@dataclass
class DmarcPolicy:
    """The DMARC facts for the checked domain, in both views."""

    domain: str
    lookups: dict[str, Lookup] = field(default_factory=dict)
    failed: list[DnsAnswer] = field(default_factory=list)
    # RFC 9989 view: the first name of the walk with exactly one record.
    record_domain: str | None = None
    record: ParsedDmarc | None = None
    org_9989: str = ""
    # RFC 7489 view: the author domain's record, else the PSL organisational domain's.
    legacy_domain: str | None = None
    legacy_record: ParsedDmarc | None = None
    org_7489: str = ""
    effective_9989: str | None = None
    effective_7489: str | None = None
    queries: int = 0
    # RFC 9989 §4.10.1: a subdomain that does not exist (NXDOMAIN, RFC 8020; §3.2.13) gets np.
    author_exists: bool = True
    # The Organizational Domain psd=y named (§4.10.2 rule 2) when the walk had passed over it
    # (the >8-label jump) and it was asked after the walk, for the record §4.10.1 applies
    # before the PSD's; '' when the walk asked it, or none was needed.
    org_asked_after: str = ""

    @property
    def could_not_check(self) -> bool:
        """No policy is known because a lookup on the way failed (not a clean absence)."""
        first = self.lookups.get(self.domain)
        if first is None or first.answer.failed:
            return True
        return not self.found and bool(self.failed)

    @property
    def found(self) -> bool:
        return self.record is not None or self.legacy_record is not None

    @property
    def applied(self) -> ParsedDmarc | None:
        return self.record or self.legacy_record

    @property
    def applied_domain(self) -> str | None:
        return self.record_domain if self.record is not None else self.legacy_domain

    def operators(self, name: str) -> bool:
        """`name` is above the domain's Organizational Domain by the Public Suffix List: a
        public suffix (gov.uk) or a name above one. Its `_dmarc` record is the public suffix
        operator's, set for every domain registered under it: the owner of the checked
        domain cannot change it (a psd=y record at a name the list calls registrable is the
        owner's mistake, DMARC-10's)."""
        return self.org_7489.endswith("." + name)

    @property
    def from_operator(self) -> bool:
        """The only policy found is a public suffix operator's record that RFC 9989 receivers
        apply to the domain (§4.10.1: the Public Suffix Domain's, when neither the domain nor
        its Organizational Domain has one); RFC 7489 receivers find none. Not the owner's:
        they have no DMARC record of their own, and its reports go to the operator (§4.10.1's
        note: PSD policy is no way to get reports for a domain that asked for none)."""
        return (
            self.record is not None
            and self.record_domain is not None
            and self.legacy_record is None
            and self.operators(self.record_domain)
        )

    @property
    def operator_over_own(self) -> bool:
        """RFC 9989 receivers apply a public suffix operator's record (operators) while RFC
        7489 receivers apply the owner's own, at the domain's Organizational Domain by the
        list: a suffix whose record has no psd=y is the Organizational Domain to the tree walk
        (§4.10.2 rule 3, DMARC-10), or psd=y above the suffix makes the suffix one (rule 2),
        so a subdomain gets the operator's record (§4.10.1). Only the owner's record is
        judged; the operator's is theirs to set (s35n)."""
        return (
            self.record is not None
            and self.record_domain is not None
            and self.legacy_record is not None
            and self.operators(self.record_domain)
        )

    def views(self) -> dict[str, Any]:
        return {
            "rfc7489": {
                "record_at": self.legacy_domain and f"_dmarc.{self.legacy_domain}",
                "organizational_domain": self.org_7489,
                "effective_policy": self.effective_7489,
            },
            "rfc9989": {
                "record_at": self.record_domain and f"_dmarc.{self.record_domain}",
                "organizational_domain": self.org_9989,
                "effective_policy": self.effective_9989,
                "queries": self.queries,
            },
        }


def _policy_for(
    parsed: ParsedDmarc,
    at_author: bool,
    *,
    legacy: bool,
    honour_testing: bool = True,
    exists: bool = True,
) -> str | None:
    """The policy the author domain gets from `parsed`, or None for no DMARC. A record applied
    to another name than its own is the organisational (or public suffix) domain's: RFC 9989
    §4.10.1 applies no record between the two, so its sp= counts (RFC 7489 §6.3, §4.7).
    `exists` False: the author domain is NXDOMAIN, so RFC 9989 receivers apply np (§4.10.1),
    falling back to sp and then p (§4.7); RFC 7489 has no np."""
    # RFC 7489 §6.6.3 step 6 / RFC 9989 §4.10.1 (checklist DMARC-05): a record without a valid
    # p, or with an invalid sp or np, is acted on as if it were "v=DMARC1; p=none" when it has
    # a valid rua, and gives no DMARC at all otherwise. This holds at the author domain too:
    # the rule is about the record, not about which policy tag applies to the domain.
    unusable = parsed.invalid_policy("p") or parsed.invalid_policy("sp")
    if legacy:
        unusable = unusable or "p" not in parsed.tags
    else:
        # np exists only in RFC 9989; RFC 7489 receivers ignore it as an unknown tag.
        unusable = unusable or parsed.invalid_policy("np")
    if unusable:
        return "none" if parsed.syntactic_rua() else None
    p = parsed.policy("p") or "none"
    policy = p
    if not at_author:
        policy = parsed.policy("sp") or p
        if not exists and not legacy:
            policy = parsed.policy("np") or policy
    if legacy:
        pct = parsed.pct
        if "pct" in parsed.tags and pct is None:
            pct = 100  # an unusable pct leaves the default (RFC 7489 §6.3)
        if pct is not None and pct < 100 and policy in ("quarantine", "reject"):
            # RFC 7489 §6.6.4: unsampled mail gets the next policy down.
            lower = "quarantine" if policy == "reject" else "none"
            return f"{policy} for {min(pct, 100)}% of failing mail, {lower} for the rest"
        return policy
    if honour_testing and parsed.testing:
        # RFC 9989 §4.7: t=y asks receivers to apply the next policy down.
        return {"reject": "quarantine", "quarantine": "none"}.get(policy, policy)
    return policy


async def get_policy(ctx: CheckContext) -> DmarcPolicy:
    async def load() -> DmarcPolicy:
        domain = normalize(ctx.domain)
        names = walk_names(domain)
        org = organizational_domain(domain, ctx.config.extra_public_suffixes)
        # All the names the walk may need at once: one round trip instead of eight.
        wanted = list(dict.fromkeys([*names, org]))
        answers, author = await asyncio.gather(
            asyncio.gather(*(ctx.dns.query(f"_dmarc.{n}", "TXT") for n in wanted)),
            # The MX lookup the MX check makes anyway: NXDOMAIN means the name does not exist
            # (RFC 8020); a failed lookup proves nothing, so the domain counts as existing.
            ctx.dns.query(domain, "MX"),
        )
        policy = DmarcPolicy(
            domain=domain,
            org_7489=org,
            author_exists=not author.nxdomain,
        )
        for name, answer in zip(wanted, answers, strict=True):
            policy.lookups[name] = _select(name, answer)

        # RFC 9989 view. The walk (§4.10 steps 1-7) goes up until a single record says psd=y or
        # psd=n; the Organizational Domain is then chosen among the records found (§4.10.2).
        policy.org_9989 = domain
        labels = domain.split(".")
        found: dict[str, ParsedDmarc] = {}
        psd_at: str | None = None
        for index, name in enumerate(names):
            policy.queries = index + 1
            look = policy.lookups[name]
            if look.answer.failed:
                policy.failed.append(look.answer)
                break
            if look.record is None:
                continue
            parsed = parse_dmarc(look.record)
            found[name] = parsed
            psd = parsed.tags.get("psd", "").strip().lower()
            if psd == "n":
                policy.org_9989 = name
                break
            if psd == "y":
                if name != domain:
                    # §4.10.2 rule 2: the domain one label below the PSD (toward the author
                    # domain; after the >8-label jump that name may not have been queried).
                    policy.org_9989 = ".".join(labels[-(name.count(".") + 2) :])
                    psd_at = name
                break
        else:
            if found:
                policy.org_9989 = list(found)[-1]  # §4.10.2 rule 3: the fewest labels
        passed = policy.org_9989
        if psd_at is not None and passed not in found and domain not in found and not policy.failed:
            # psd=y at the 7-label name a longer name jumps to makes the 8-label name the
            # Organizational Domain, which the walk passed over (s35m). §4.10.1 applies its
            # record before the PSD's ("PSD policy is not used for Organizational Domains that
            # have published a DMARC Policy Record"), so it is asked: one query past the walk's.
            look = policy.lookups.get(passed)
            if look is None:
                look = _select(passed, await ctx.dns.query(f"_dmarc.{passed}", "TXT"))
                policy.lookups[passed] = look
            if passed not in names:
                policy.org_asked_after = passed
            if look.answer.failed:
                policy.failed.append(look.answer)
            elif look.record is not None:
                found[passed] = parse_dmarc(look.record)
        # §4.10.1: the record applied is the author domain's, else the Organizational Domain's,
        # else the Public Suffix Domain's. A record between the author domain and its
        # Organizational Domain is none of these: it applies to its own name only (which is why
        # sp= is ignored there, §4.7).
        for name in (domain, policy.org_9989, psd_at):
            if name is not None and name in found:
                policy.record, policy.record_domain = found[name], name
                break
        if policy.record is not None and policy.record_domain is not None:
            policy.effective_9989 = _policy_for(
                policy.record,
                policy.record_domain == domain,
                legacy=False,
                exists=policy.author_exists,
            )

        # RFC 7489 view.
        for name in dict.fromkeys([domain, org]):
            look = policy.lookups[name]
            if look.answer.failed:
                if look.answer not in policy.failed:
                    policy.failed.append(look.answer)
                break
            if look.record is not None:
                policy.legacy_domain, policy.legacy_record = name, parse_dmarc(look.record)
                break
            if look.records:
                break  # several records at the author domain: no DMARC (§6.6.3 step 5)
            # RFC 7489 §6.6.3 steps 2-3: records not starting with v=DMARC1 are discarded; an
            # emptied set means asking the organisational domain.
        if policy.legacy_record is not None and policy.legacy_domain is not None:
            policy.effective_7489 = _policy_for(
                policy.legacy_record, policy.legacy_domain == domain, legacy=True
            )
        return policy

    return await ctx.once("dmarc:policy", load)


def example_address(domain: str) -> str:
    """The report mailbox a suggested record invents when the owner has none. The engine cannot
    know a real one (and the domain may not even receive mail), so pages showing the suggestion
    say it is an example: a mailbox nobody reads, or that bounces, loses every report."""
    return f"dmarc-reports@{domain}"


def kept_uris(parsed: ParsedDmarc, tag: str) -> list[str]:
    """The report addresses of `tag` a suggested record keeps: the valid ones, and each bare
    address given the 'mailto:' it lacks (DMARC-12 says to write it so). Trading the owner's
    mailbox for an invented one would lose every report.

    Each is kept as written, with its '!size' limit: RFC 7489 §6.2 receivers honour it, and
    RFC 9989 §4.8 makes it obsolete syntax reporters ignore, so keeping it is harmless and the
    owner's choice (DMARC-12 notes it). One mailbox given twice is kept once, as first
    written, told apart as DMARC-02's merge tells them (_mailbox: the scheme and domain ignore
    case, the local part does not, RFC 5321 §2.4).
    """
    kept: dict[str, str] = {}
    # Addresses a ';' cut off from the tag (ParsedDmarc.strays) were meant for it: kept too.
    strays = parse_uris(",".join(parsed.strays.get(tag, []))) if parsed.strays.get(tag) else []
    # So were the addresses of the tag written with ':' ("rua:mailto:b@…", ParsedDmarc.mistyped).
    mistyped = parsed.mistyped.get(tag, "").partition(":")[2]
    if mistyped.strip():
        strays += parse_uris(mistyped.strip(" \t\r\n"))
    # And the addresses of a tag run into the value before it ("p=reject rua=mailto:…"), or of
    # this tag without the one run into it (ParsedDmarc.unglued).
    if tag not in parsed.tags and parsed.glued.get(tag, "").strip():
        strays += parse_uris(parsed.glued[tag])
    own = parse_uris(parsed.unglued[tag]) if tag in parsed.unglued else parsed.uris(tag)
    for uri in own + strays:
        if uri.valid:
            kept.setdefault(_mailbox(uri), uri.text)
        elif uri.fused:
            for part in parse_uris(",".join(uri.fused)):
                if part.valid:
                    kept.setdefault(_mailbox(part), part.text)
        elif (repaired := _repaired_uri(uri)) is not None:
            kept.setdefault(_mailbox(repaired), repaired.text)
    return list(kept.values())


def _repaired_uri(uri: ReportUri) -> ReportUri | None:
    """An unusable report address whose meaning is plain, made usable: a bare mailbox given
    'mailto:', and one spoilt only by zone-file quotes or escapes around it ('mailto:d@x"' from
    a record pasted with its quotes; the quote is no part of an address, RFC 6068 §2 would
    have it percent-encoded), and one whose domain is written in U-labels, given its A-labels
    (a_label_mailbox). None when the intent is not certain."""
    text = uri.text.strip(_STRAY_QUOTES)
    # Zone-file quotes (escaped or not) inside it too ('mailto:"d@example.com"', the quotes
    # typed around the address), typographic ones as well: no address holds one unencoded,
    # and parse_uris below accepts the rest only if it is a valid address.
    text = text.replace('\\"', "").replace('"', "")
    text = "".join(c for c in text if c not in QUOTES)
    if not text:
        return None
    if not _SCHEME_RE.match(text):
        if "@" not in text:
            return None
        text = f"mailto:{text}"
    scheme, _, address = text.partition(":")
    if scheme.lower() == "mailto" and (a_label := a_label_mailbox(address)):
        text = f"{scheme}:{a_label}"
    elif scheme.lower() == "mailto" and (form := uri_form(text)):
        # "mailto:dś@example.org": a URI is ASCII only; its URI form (RFC 3987 §3.1, RFC 6068
        # §2: the local part percent-encoded as UTF-8) is the mailbox meant (s36k, as TLS-RPT).
        text = form
    if text == uri.text:
        return None
    repaired = parse_uris(text)
    return repaired[0] if len(repaired) == 1 and repaired[0].valid else None


def _mailbox(uri: ReportUri) -> str:
    """The mailbox a report URI sends to, for telling two spellings of one apart: the scheme
    and the domain part ignore case (RFC 3986 §3.1; RFC 5321 §2.4: "Mailbox domains follow
    normal DNS rules and are hence not case sensitive"), and a percent-encoded local part is
    the decoded one (RFC 6068 §2). The local part keeps its case: RFC 5321 §2.4 says it "MUST
    BE treated as case sensitive", only the domain's host may say that 'DMARC@' and 'dmarc@'
    are one mailbox, and two reports where one was meant lose nothing. Any other URI is
    itself."""
    if not uri.valid or uri.scheme != "mailto":
        return uri.uri
    address, mark, headers = uri.uri.split(":", 1)[1].partition("?")
    return f"mailto:{unquote(address.rpartition('@')[0])}@{uri.host}{mark}{headers}"


def _unique_uris(uris: list[str]) -> list[str]:
    """Report URIs (kept_uris) with each mailbox once, as first written: two records may
    give one mailbox with and without a '!size' limit, or its domain in another case
    (_mailbox)."""
    out: dict[str, str] = {}
    for text in uris:
        (uri,) = parse_uris(text)
        out.setdefault(_mailbox(uri), text)
    return list(out.values())


_ALIGNMENT_WORDS = {"strict": "s", "relaxed": "r"}
_FO_OPTIONS = ("0", "1", "d", "s")


def _fo_options(value: str) -> tuple[list[str], bool]:
    """fo's options as written (lower case: ABNF literals are case-insensitive, RFC 5234 §2.3),
    and whether ',' or blanks stand where RFC 7489 §6.3 separates options with ':'. Such a
    piece ('1,d') is read as the options it lists when each of them is one: the owner's
    choice is plain, though receivers read no option in it."""
    options: list[str] = []
    resplit = False
    for part in value.split(":"):
        part = part.strip().lower()
        pieces = [p for p in re.split(r"[,\s]+", part) if p]
        if part not in _FO_OPTIONS and len(pieces) > 1 and all(p in _FO_OPTIONS for p in pieces):
            options += pieces
            resplit = True
        else:
            options.append(part)
    return options, resplit


def _fo_read(value: str) -> tuple[list[str], list[str]]:
    """The valid options receivers read in fo's value (those between ':'), and those they do
    not read because ',' or blanks join them into one piece ('d,s' in 'fo=1:d,s')."""
    read: list[str] = []
    unread: list[str] = []
    for part in value.split(":"):
        part = part.strip().lower()
        if part in _FO_OPTIONS:
            read.append(part)
        elif len(pieces := [p for p in re.split(r"[,\s]+", part) if p]) > 1:
            unread += [p for p in pieces if p in _FO_OPTIONS]
    return read, unread


def _glued_note(parsed: ParsedDmarc, tag: str, suggestion: str) -> str:
    """For a value with another tag run into it ('adkim=r aspf=s', ParsedDmarc.unglued): the
    ';' left out, what receivers read, and what the record `suggestion` does: it writes the
    tags apart, leaving out one that would lower the protection receivers give now."""
    pieces = parsed.glued_after.get(tag)
    if not pieces:
        return ""
    named = series([f"'{piece}'" for piece in pieces])
    own = "tags of their own" if len(pieces) > 1 else "a tag of its own"
    fixed = parse_dmarc(suggestion)
    left = [p for p in pieces if p.partition("=")[0].strip(" \t\r\n").lower() not in fixed.tags]
    note = (
        f" A ';' is missing before {named}: receivers read '{parsed.tags[tag]}' whole as the "
        f"value of {tag}, ignore that value, and never see {named} as {own}. The record "
        "suggested puts the ';' back"
    )
    if left:
        lowering = any(
            _lowers_protection(parsed, p.partition("=")[0].strip().lower()) for p in left
        )
        note += f" and leaves out {series([f'{piece!r}' for piece in left])}" + (
            ", which would lower the protection receivers give now: add it only if that is "
            "what you want"
            if lowering
            else ""
        )
    return note + "."


def _fo_kept(value: str) -> list[str]:
    """The valid fo options the suggested record keeps, once each. fo=0:1 asks for a report
    when all mechanisms fail and when any fails, which is when any fails (RFC 7489 §6.3):
    fo=1, the one of the pair RFC 9989 (which makes them exclusive) is left with."""
    kept = [v for v in dict.fromkeys(_fo_options(value)[0]) if v in _FO_OPTIONS]
    if "0" in kept and "1" in kept:
        kept.remove("0")
    return kept


# A policy written as its word's past participle ('p=rejected'): invalid to receivers
# (DMARC-05), but the owner's choice is plain and a fix must not weaken it.
_POLICY_FORMS = {"rejected": "reject", "quarantined": "quarantine"}


def intended_policy(parsed: ParsedDmarc, tag: str) -> str | None:
    """The policy `tag` holds, or the one the owner plainly meant when only stray quotes
    spoil it: a record pasted with one zone-file quote ('v=DMARC1; p=reject"') carries the
    invalid value 'reject"', which receivers do not read as reject (DMARC-05 says so), but
    the fix must keep reject rather than offer a weaker policy in its place. So does a stray
    '=' or ':' ('p==reject', 'p=:reject'), and the tag written with ':' ('p:reject', which
    receivers do not read at all) when the record has no such tag, and a past participle
    ('p=rejected', _POLICY_FORMS)."""
    value = parsed.written(tag)
    if value is None:
        return None
    value = value.strip(_STRAY_QUOTES + "=:").lower()
    if value in _POLICY_FORMS:
        return _POLICY_FORMS[value]
    # A tag given twice, one value invalid: the valid one (ParsedDmarc.meant).
    return value if value in POLICIES else parsed.meant.get(tag)


def _pasted_value_note(parsed: ParsedDmarc, tag: str) -> str:
    """For a policy value spoilt by a pasted character ('p=reject”', a typographic quote):
    which one and where, and the value as meant."""
    value = parsed.tags.get(tag, "")
    pasted = lookalikes(value, before=f"{tag}=")
    meant = intended_policy(parsed, tag)
    if pasted is None or meant is None:
        return ""
    return f" It holds {pasted.describe()}, which {pasted.fault}: write {tag}={meant}."


def _bad_pct_text(value: str, parsed: ParsedDmarc) -> str:
    """DMARC-08's fail for a pct that is not an integer from 0 to 100 ("100%", "150", "abc").

    RFC 7489 §6.3: syntax errors outside v and p "SHOULD be discarded in favor of default
    values (if any) or ignored outright", and pct's default is 100 (§6.3): receivers apply the
    policy to all failing mail, whatever part was meant. RFC 9989 ignores pct (§9.3). Neither
    lets the tag do anything, so the fix is the record without it.

    Beside t=y (valid in RFC 9989, §4.7: the owner's trial), DMARC-09 fires too and the one
    record every finding offers (RecordRepairs) leaves t=y out as well, ending the trial at
    RFC 9989 receivers under an enforcing policy. Keeping t=y in this finding's record alone
    would make two records for one name (tests/test_fix_texts.py), so the words say both:
    deleting pct alone is safe now, and the record offered also ends the trial.
    """
    digits = value.strip().rstrip("%").strip()
    meant = int(digits) if re.fullmatch(r"[0-9]{1,3}", digits) else None
    part = (
        f" (not {meant}% of it, as written)"
        if meant is not None and meant < 100 and value.strip() != digits
        else ""
    )
    return (
        f"pct={value} is not a number from 0 to 100"
        + (" (digits only, no '%')" if "%" in value else "")
        + ", so the record is not valid as written. RFC 7489 asks receivers to discard such a value and use the "
        f"default, 100: they apply the policy to all failing mail{part}. RFC 9989 receivers "
        "ignore pct in any case. "
        + (
            _bad_pct_trial_words(parsed)
            if parsed.testing
            else "Delete the tag (the record suggested)"
        )
        + (
            "; for a trial run, RFC 9989 has t=y (the next weaker policy)."
            if part and not parsed.testing
            else "."
        )
    )


def _bad_pct_trial_words(parsed: ParsedDmarc) -> str:
    """The end of DMARC-08's fail for an invalid pct beside t=y (_bad_pct_text)."""
    words = (
        "Deleting the tag alone changes what no receiver applies. The record suggested also "
        "leaves out t=y, as DMARC-09 advises"
    )
    if all(_policy_now(parsed, tag) == "none" for tag in ("p", "sp", "np")):
        return words + ", which changes nothing while the policy is none"
    return (
        words + ", ending the trial at RFC 9989 receivers (its fix says what they will apply "
        "and when to publish it); to keep testing, delete only pct"
    )


def _policy_now(parsed: ParsedDmarc, tag: str) -> str:
    """The policy receivers apply now under `tag` (p, sp or np), the tags written with ':'
    ignored as receivers ignore them: np falls back to sp, sp to p, and a missing p is none
    (RFC 9989 §4.7); a tag given more than once counts as its weakest valid value (DMARC-17).
    An invalid p, sp or np makes the whole record p=none, or no DMARC at all (DMARC-05):
    nothing is weaker than that."""
    if any(parsed.invalid_policy(t) for t in ("p", "sp", "np")):
        return "none"
    applied = "none"
    for name in ("p", "sp", "np")[: ("p", "sp", "np").index(tag) + 1]:
        values = [v.strip().lower() for v in parsed.repeats.get(name, [parsed.tags.get(name, "")])]
        valid = [v for v in values if v in POLICIES]
        if valid:
            applied = min(valid, key=lambda v: _STRENGTH[v])
    return applied


def _lowers_protection(parsed: ParsedDmarc, tag: str) -> bool:
    """Would writing the tag the owner wrote with ':' ("sp:none", which receivers ignore) with
    '=' lower the protection receivers give the domain now?

    A fix about another finding must not do that unseen: 'p=reject; sp:none' protects
    subdomains with reject today, and a DMARC-08 fix writing sp=none would end it. Only the
    fix that says so (DMARC-17 for that element; DMARC-05 for p, which is never lower than the
    none receivers apply without it) writes it then. A promotion that keeps or raises
    protection is the owner's stated choice and every fix carries it: sp:reject under p=none,
    adkim:s and aspf:s (strict alignment: fewer messages pass, none passes that did not, the
    same as an adkim=s written with '=', which every fix keeps). Report tags (rua, ruf, fo)
    change where reports go, not what happens to mail: carried. Lowering: a weaker sp or np,
    pct below 100 (RFC 7489 receivers sample), t=y (RFC 9989 receivers step down), and psd=y
    or psd=n, which move the Organizational Domain the tree walk finds (DMARC-10)."""
    # A value with a tag run into it ('pct=50 t=y') is ignored now as 'pct:50' is, and so is
    # the tag run in (ParsedDmarc.unglued).
    ignored_now = tag in parsed.unglued or (
        tag not in parsed.tags and (tag in parsed.mistyped or tag in parsed.glued)
    )
    if not ignored_now:
        return False
    value = (parsed.written(tag) or "").strip(_STRAY_QUOTES + "=:").lower()
    if tag in ("p", "sp", "np"):
        return value in POLICIES and _STRENGTH[value] < _STRENGTH[_policy_now(parsed, tag)]
    if tag == "pct":
        pct = _pct(value)
        return pct is not None and pct < 100
    if tag == "t":
        return value == "y"
    if tag == "psd":
        return value in ("y", "n")
    return False


def _promotion_note(parsed: ParsedDmarc, tag: str) -> str:
    """What DMARC-17 adds for a tag written with ':' whose fix would lower protection
    (_lowers_protection): what receivers do now, and what the record written with '=' does."""
    if not _lowers_protection(parsed, tag):
        return ""
    value = (parsed.written(tag) or "").strip(_STRAY_QUOTES + "=:").lower()
    if tag in ("sp", "np"):
        meaning = "subdomains" if tag == "sp" else "non-existent subdomains"
        now = _policy_now(parsed, tag)
        return (
            f" As it is ignored, {meaning} get {now} now; written as {tag}={value} they would "
            f"get {value} (see DMARC-07): publish it only if that is what you want."
        )
    if tag == "pct":
        return (
            " As it is ignored, RFC 7489 receivers apply the policy to all failing mail now; "
            f"written as pct={value} they would apply it to {value}% (see DMARC-08): publish "
            "it only if that is what you want."
        )
    if tag == "t":
        return (
            " As it is ignored, the policy applies in full now; written as t=y, RFC 9989 "
            "receivers would apply one step less (see DMARC-09): publish it only if that is "
            "what you want."
        )
    return (
        f" As it is ignored, nothing changes now; written as psd={value} it changes which "
        "domain RFC 9989 receivers take as the Organizational Domain (see DMARC-10): publish "
        "it only if that is what you want."
    )


def _left_out_note(suggestion: str, tag: str, at: str) -> str:
    """What a fix leaving an invalid sp or np out gives the names it covers. Receivers do not
    skip the invalid value now: they read the whole record as p=none, or apply no DMARC
    (RFC 7489 §6.6.3 step 6, RFC 9989 §4.10.1; DMARC-05). Left out, the tag falls back as an
    absent one does (np to sp, sp to p: RFC 7489 §6.3, RFC 9989 §4.7), which may be a
    stronger policy than the owner meant for those names: the finding says which."""
    fixed = parse_dmarc(suggestion)
    if tag in fixed.tags:
        return ""  # repaired (intended_policy), not left out
    p = fixed.policy("p") or "none"
    if tag == "sp":
        return (
            f" The record below leaves sp out, so subdomains of {at} get p={p}, as {at} "
            "does; write a valid sp into it if subdomains should get another policy."
        )
    sp = fixed.policy("sp")
    # The verb agrees with what it follows: "as existing subdomains do", "as example.com does".
    source = f"sp={sp}, as existing subdomains do" if sp else f"p={p}, as {at} does"
    return (
        f" The record below leaves np out, so non-existent subdomains of {at} get {source}; "
        "write a valid np into it if they should get another policy."
    )


def suggested_record(
    domain: str,
    parsed: ParsedDmarc | None,
    p: str | None = None,
    *,
    add_rua: bool = False,
    raised: tuple[str, ...] = (),
    drop: tuple[str, ...] = (),
    promote: Collection[str] = (),
    suffixes: tuple[str, ...] = (),
    hold: Mapping[str, str] | None = None,
    psd: str | None = None,
) -> str:
    """The record `parsed` with only what its finding is about changed; `p` overrides the
    policy, `psd` the psd tag (DMARC-10's psd=n under a public suffix RFC 9989 receivers take
    for the Organizational Domain).

    Owners publish a fix verbatim, so every valid choice in `parsed` is kept as it is: sp and
    np (sp=none under p=reject too: DMARC-07 says so, its own fix changes it), report
    addresses, alignment, fo, pct, t, psd, and ri, rf and tags unknown to us as written
    (receivers ignore those, so keeping them is harmless). What a finding changes comes in:
    `raised` names the sp/np the finding is about that are to protect as p does (left out to
    inherit an enforcing p, else quarantine); `drop` the tags it removes (pct, t, psd).
    Invalid values are not choices, receivers ignore them: they are repaired where the meaning
    is plain (intended_policy, adkim=strict, a bare report mailbox) and otherwise left out. A
    report address is only invented when `add_rua` asks for one (the finding is about missing
    reports). A tag written with ':' is written with '=' unless that lowers the protection
    receivers give now (_lowers_protection) and `promote` does not name it (the finding
    saying so: DMARC-17 for that element, DMARC-03 for a record receivers ignore whole).
    `hold` writes p, sp or np at the policy receivers apply now where leaving pct and t=y
    out would raise it (_trial_hold).
    """
    hold = hold or {}
    tags: list[str] = ["v=DMARC1"]
    policy = p or (intended_policy(parsed, "p") if parsed else None) or "none"
    policy = hold.get("p", policy)
    tags.append(f"p={policy}")
    if parsed is None:
        if add_rua:
            tags.append(f"rua=mailto:{example_address(domain)}")
        return "; ".join(tags)

    def written(tag: str) -> str | None:
        if tag not in promote and _lowers_protection(parsed, tag):
            return None
        return parsed.written(tag)

    sp = intended_policy(parsed, "sp") if written("sp") is not None else None
    np = intended_policy(parsed, "np") if written("np") is not None else None
    enforcing = policy != "none"
    if "sp" in raised:
        sp = None if enforcing else "quarantine"
    if "np" in raised:
        # Left out, np inherits sp: under a kept sp=none it would stay unprotected.
        np = policy if sp == "none" else None if enforcing else "quarantine"
    sp, np = hold.get("sp", sp), hold.get("np", np)
    tags += [f"{tag}={value}" for tag, value in (("sp", sp), ("np", np)) if value]
    for tag in ("rua", "ruf"):
        kept = kept_uris(parsed, tag)
        if tag == "rua" and not kept and add_rua:
            kept = [f"mailto:{example_address(domain)}"]
        if kept:
            tags.append(f"{tag}=" + ",".join(kept))
    # fo chooses when failure reports are sent, and is kept without ruf too (it then does
    # nothing, DMARC-14 says so; but it is a choice). Its valid options are kept, the invalid
    # ones left out (receivers ignore them, DMARC-14), options written with ',' get ':'
    # (_fo_options), and fo=0:1 becomes fo=1 (_fo_kept).
    fo = _fo_kept(parsed.written("fo") or "")
    if fo:
        tags.append("fo=" + ":".join(fo))
    for tag in ("adkim", "aspf"):
        value = (parsed.written(tag) or "").strip().lower()
        if value in ("r", "s"):
            tags.append(f"{tag}={value}")
        elif value in _ALIGNMENT_WORDS:
            # adkim=strict is invalid (only r or s, RFC 7489 §6.3, RFC 9989 §4.7), but what
            # the owner chose is plain: dropping the tag would suggest relaxed alignment
            # to someone who asked for strict.
            tags.append(f"{tag}={_ALIGNMENT_WORDS[value]}")
    pct = _pct(written("pct"))
    if pct is not None and "pct" not in drop:
        # Historic in RFC 9989, but RFC 7489 receivers still sample by it: dropping it would
        # enforce on all mail a policy the owner trials on some (DMARC-08's fix drops it).
        tags.append(f"pct={pct}")
    for tag, valid in (("t", ("y", "n")), ("psd", ("y", "n", "u"))):
        value = (written(tag) or "").strip().lower()
        if tag == "psd" and psd:
            tags.append(f"psd={psd}")
        elif value in valid and tag not in drop:
            # psd=y where it is false is DMARC-10's to remove: dropping it from another fix
            # would move the RFC 9989 Organizational Domain of every name below (§4.10.2).
            tags.append(f"{tag}={value}")
    for tag, value in parsed.tags.items():
        # A misspelt tag's value is written under the tag meant (ParsedDmarc.misspelt).
        if tag not in _SUGGESTED and tag not in drop and tag not in parsed.misspelt:
            spelling = tag if tag in KNOWN_TAGS else parsed.names.get(tag, tag)
            tags.append(f"{spelling}={parsed.unglued.get(tag, value)}")
    for tag, value in parsed.glued.items():
        # ri or rf run into another tag's value ('fo=1 ri=3600'): written apart.
        if tag not in _SUGGESTED and tag not in drop and tag not in parsed.tags:
            tags.append(f"{tag}={value}")
    return "; ".join(tags)


# The tags suggested_record writes from their meaning; any other (ri, rf, unknown tags) is
# kept as written.
_SUGGESTED = {"v", "p", "sp", "np", "rua", "ruf", "fo", "adkim", "aspf", "pct", "t", "psd"}


@dataclass
class _Offer:
    finding: Finding
    at: str
    parsed: ParsedDmarc
    # suggested_record arguments of this finding's fix alone (RecordRepairs).
    choice: dict[str, Any]
    # Whether the record with every repair may be offered (DMARC-19: only when both views
    # then agree); else the finding keeps its own fix.
    accept: Callable[[str], bool] | None = None
    # Words before the record (DMARC-10's and DMARC-19's 'Add psd=n to your record ...').
    lead: str = ""


@dataclass
class _Ask:
    p: str | None = None
    add_rua: bool = False
    raised: set[str] = field(default_factory=set)
    drop: set[str] = field(default_factory=set)
    psd: str | None = None
    psd_by: str = ""  # the finding whose step the psd value is
    # With psd=n: what the public suffix operator's record gives the subdomains now, which
    # the record keeps (keep_operators, s36p).
    floor: OperatorsFloor | None = None


class RecordRepairs:
    """Every repair the fired findings ask of one DMARC record, made in one record offered on
    each of them.

    Each fix built from the published record with only its own repair made undid the others'
    (with t=y and fo=0:1, DMARC-09's dropped t=y and kept fo=0:1's fo=1, DMARC-14's kept t=y):
    publishing any one of them brought another finding back. Now each carries what all ask:
    the policy DMARC-05 repairs, pct (DMARC-08, -19) and t=y (DMARC-09) left out (a trial the
    findings say to end: kept by one fix, it undid the other), a report address where rua has
    none usable (DMARC-12), and every repair suggested_record makes of itself; where leaving
    out pct=0 and t=y together would raise what receivers apply, the record holds what they
    apply now and says so (_trial_hold). The owner's policy choices stay with the one
    finding that proposes them, on top of the repairs:
    DMARC-06 moving off monitoring (or adding an example report address), DMARC-07 raising
    sp=none or np=none, DMARC-10 removing psd=y (it moves the Organizational Domain of every
    name below), DMARC-17 writing a tag read as ':' that lowers protection once written
    with '='.
    """

    def __init__(self) -> None:
        self.offers: list[_Offer] = []
        self.asks: dict[tuple[str, str], _Ask] = {}

    def offer(
        self,
        finding: Finding,
        at: str,
        parsed: ParsedDmarc,
        *,
        p: str | None = None,
        add_rua: bool = False,
        raised: tuple[str, ...] = (),
        drop: tuple[str, ...] = (),
        choice: dict[str, Any] | None = None,
        accept: Callable[[str], bool] | None = None,
        psd: str | None = None,
        lead: str = "",
        floor: OperatorsFloor | None = None,
    ) -> None:
        ask = self.asks.setdefault((at, parsed.text), _Ask())
        ask.floor = ask.floor or floor
        ask.p = ask.p or p
        ask.add_rua = ask.add_rua or add_rua
        ask.raised.update(raised)
        ask.drop.update(drop)
        if psd and not ask.psd:
            ask.psd, ask.psd_by = psd, finding.id
        self.offers.append(_Offer(finding, at, parsed, choice or {}, accept, lead))

    def apply(self) -> None:
        """Give each offered finding the record with every repair (and its own choice)."""
        for offer in self.offers:
            if not offer.finding.fix:
                continue  # no record to offer (DMARC-06 without a report address)
            ask = self.asks[(offer.at, offer.parsed.text)]
            choice = offer.choice
            raised = set(choice.get("raised", ()))
            promote = choice.get("promote", ())
            record, note = _keeping_trial(
                offer.at,
                offer.parsed,
                {
                    "p": choice.get("p") or ask.p,
                    "add_rua": ask.add_rua or choice.get("add_rua", False),
                    "raised": tuple(sorted(ask.raised | raised)),
                    "drop": tuple(sorted(ask.drop | set(choice.get("drop", ())))),
                    "promote": promote,
                    "psd": ask.psd,
                },
                # The policies this finding's own choice sets are its to raise (DMARC-06 off
                # p=none, DMARC-07 protecting subdomains, DMARC-17 a tag written with ':').
                exempt=({"p"} if choice.get("p") else set()) | raised | set(promote),
                own=_OWN_TRIAL_ADVICE.get(offer.finding.id, ()),
            )
            if ask.psd == "n" and ask.floor is not None:
                kept = keep_operators(offer.at, record, ask.floor, subdomains_only=True)
                if kept != record:
                    note += "\n" + kept_for_subdomains(offer.at, kept, ask.floor)
                    record = kept
            if ask.psd and not offer.lead:
                # Another finding's step in this record: said, so it reads as no slip.
                note += (
                    f"\nIt also has psd={ask.psd}, the step {ask.psd_by} gives, so that one "
                    "record does both."
                )
            if offer.accept is None or offer.accept(record):
                offer.finding.fix = offer.lead + txt_fix(f"_dmarc.{offer.at}", record) + note


_STEP_DOWN = {"reject": "quarantine", "quarantine": "none", "none": "none"}


def _in_force(record: ParsedDmarc, tag: str) -> tuple[str, str]:
    """(RFC 7489, RFC 9989) policy receivers apply under `tag` (p, sp or np), as a hold
    (_trial_hold) may lower a policy to: RFC 7489 receivers give the mail pct leaves out the
    next policy down (§6.6.4) and read no np (non-existent subdomains get sp from them); RFC
    9989 receivers ignore pct and step a t=y policy down (§4.7).

    Under a pct from 1 to 99, RFC 7489 receivers apply the written policy to part of the
    failing mail: it counts as applied, as no record without pct keeps that part, and the
    next policy down for all would weaken it (a fix never offers less than receivers apply:
    tests/test_suggested_records_s13.py). Only pct=0 leaves all of it to the policy below."""
    level = _applied(record)
    legacy = level["sp" if tag == "np" else tag]
    if level["pct"] == 0:
        legacy = _STEP_DOWN[legacy]
    bis = _STEP_DOWN[level[tag]] if level["t"] == "y" else level[tag]
    return legacy, bis


def _stronger(policies: tuple[str, str]) -> str:
    return max(policies, key=_STRENGTH.__getitem__)


def _trial_hold(
    domain: str, parsed: ParsedDmarc, args: dict[str, Any], exempt: Collection[str]
) -> dict[str, tuple[str, str]]:
    """{tag: (policy receivers apply now, policy the record writes)} for each of p, sp and np
    that leaving pct and t=y out of the suggested record would raise.

    With pct=0 and t=y, neither view applies the written policy to any failing mail: the
    record without them would turn the trial into full enforcement unsaid (p=reject; pct=0;
    t=y is quarantine everywhere now). Where one view already applies it (p=reject; t=y:
    RFC 7489 receivers reject; pct=50: they reject half), dropping the trial tag is the
    finding's stated advice and nothing is held (_in_force). Nothing is held either when
    the record keeps part of the trial (DMARC-19's own fix keeps t=y): a lower policy under
    t=y would lower what RFC 9989 receivers apply. A tag left out of the record falls back
    (sp to p, np to sp): it follows the tag it falls back to, held or exempt."""
    trial = set(args["drop"]) & {"pct", "t"}
    left = _applied(parse_dmarc(suggested_record(domain, parsed, **args)))
    if not trial or left["pct"] != 100 or left["t"] == "y":
        return {}
    kept = parse_dmarc(
        suggested_record(
            domain, parsed, **{**args, "drop": tuple(sorted(set(args["drop"]) - trial))}
        )
    )
    held: dict[str, tuple[str, str]] = {}
    skipped = set(exempt)
    for previous, tag in ((None, "p"), ("p", "sp"), ("sp", "np")):
        offered = parse_dmarc(
            suggested_record(domain, parsed, **args, hold={t: now for t, (now, _) in held.items()})
        )
        if tag not in offered.tags and previous in skipped:
            skipped.add(tag)
        if _policy_now(parsed, tag) != _policy_now(kept, tag):
            # A repair sets this policy (DMARC-05: 'p:reject' or an invalid sp is p=none to
            # receivers now): no trial of it is in force to keep.
            skipped.add(tag)
        if tag in skipped:
            continue
        now, wanted = _in_force(kept, tag), _in_force(offered, tag)
        if tag == "np" and "sp" in skipped:
            # RFC 7489 receivers give non-existent subdomains sp, which this finding sets.
            now = (wanted[0], now[1])
        if _STRENGTH[_stronger(wanted)] > _STRENGTH[_stronger(now)]:
            held[tag] = (_stronger(now), _policy_now(kept, tag))
    return held


def _keeping_trial(
    domain: str,
    parsed: ParsedDmarc,
    args: dict[str, Any],
    exempt: Collection[str] = (),
    own: Collection[str] = (),
) -> tuple[str, str]:
    """(the suggested record with `args`, holding what receivers apply now where leaving pct
    and t=y out would raise it (_trial_hold), and the sentences that say so, or "").

    What the hold cannot keep (under a pct from 1 to 99, _in_force; or a policy only one
    view applies now, as p=quarantine; np=reject; t=y has RFC 9989 receivers apply p=none) is
    said as the trial ending (_trial_ended), but for the trial tag the finding itself says to
    remove (`own`); the hold then names the policies it keeps, not all of them."""
    held = _trial_hold(domain, parsed, args, exempt)
    record = suggested_record(
        domain, parsed, **args, hold={tag: now for tag, (now, _) in held.items()}
    )
    ended, any_raised = _trial_ended(domain, parsed, args, exempt, own, record)
    if not held:
        return record, ended
    # The hold's next step comes after this record is published, with its report address.
    offered = parse_dmarc(record)
    clean = _once_clean(offered.valid_rua(), offered)
    lead = "\nIt" if ended else "\nThis"
    wanted = " and ".join(f"{tag}={written}" for tag, (_, written) in held.items())
    if list(held) == ["p"] and not any_raised:
        now, written = held["p"]
        return record, (
            f"{lead} keeps what receivers apply now ({now}); to enforce {written} for all "
            f"failing mail, publish p={written} {clean}."
        )
    now = ", ".join(f"{tag}={now}" for tag, (now, _) in held.items())
    # Another policy rises (said above, or the finding's own advice): only these are kept.
    scope = f" {' and '.join(held)} at" if any_raised else ""
    return record, ended + (
        f"{lead} keeps{scope} what receivers apply now ({now}); to enforce {wanted} for all "
        f"failing mail, publish {wanted} {clean}."
    )


def _once_clean(reports_now: bool, offered: ParsedDmarc) -> str:
    """When to publish: once reports show no legitimate mail fails. Without a usable report
    address in force (`reports_now`) none arrive, and the wait would never end: the words
    say to publish the address first, keeping the trial, from `offered` where it has one
    (DMARC-12, DMARC-06's report address) or else one to add."""
    if reports_now:
        return "once your reports are clean"
    if offered.valid_rua():
        return (
            "once reports are clean: none arrive before a usable report address is published, "
            "so first add this record's rua to the record you have now, keeping the trial"
        )
    return (
        "once reports are clean, with a report address (rua) added: none arrive until you add "
        "one to the record you have now, keeping the trial"
    )


# The trial tag each finding's own text says to remove: what leaving it out raises is said
# there (DMARC-08 "Remove pct", DMARC-19 "a record without pct", DMARC-09 "remove t=y").
_OWN_TRIAL_ADVICE: dict[str, tuple[str, ...]] = {
    "DMARC-08": ("pct",),
    "DMARC-19": ("pct",),
    "DMARC-09": ("t",),
}


def _trial_ended(
    domain: str,
    parsed: ParsedDmarc,
    args: dict[str, Any],
    exempt: Collection[str],
    own: Collection[str],
    record: str,
) -> tuple[str, bool]:
    """(the sentence saying what leaving pct or t=y out of `record` raises, for the trial tags
    not in `own`, or ""; whether it raises what any receiver applies, `own` tags included).

    Under a pct from 1 to 99 with t=y, no record keeps what receivers apply now (_in_force):
    the record every fix offers enforces the written policy on all failing mail at receivers
    of both RFCs. A finding about something else (a report address, rf=) must not end the
    trial unsaid, nor DMARC-08's "Remove pct" end the t=y one. Only pct moves what RFC 7489
    receivers apply and only t what RFC 9989 receivers apply, so each raise has one cause.
    The tags skipped are _trial_hold's: the finding's own choice, a policy a repair sets. A
    policy the hold keeps (_trial_hold) does not rise, and so is not said."""
    trial = set(args["drop"]) & {"pct", "t"}
    if not trial:
        return "", False
    kept = parse_dmarc(
        suggested_record(
            domain, parsed, **{**args, "drop": tuple(sorted(set(args["drop"]) - trial))}
        )
    )
    offered = parse_dmarc(record)
    before, after = _applied(kept), _applied(offered)
    skipped = set(exempt)
    raised: dict[str, list[str]] = {"pct": [], "t": []}
    for previous, tag in ((None, "p"), ("p", "sp"), ("sp", "np")):
        if tag not in offered.tags and previous in skipped:
            skipped.add(tag)
        if _policy_now(parsed, tag) != _policy_now(kept, tag):
            skipped.add(tag)
        if tag in skipped or tag != "p" and tag not in offered.tags:
            continue  # an sp or np left out follows the tag it falls back to, said there
        # RFC 7489 receivers read no np: non-existent subdomains get sp, said once for sp.
        legacy = "sp" if tag == "np" else tag
        if tag != "np" and _sampled(after[legacy], after["pct"]) > _sampled(
            before[legacy], before["pct"]
        ):
            raised["pct"].append(
                f"{tag}={after[legacy]} (now {_sampled_words(before[legacy], before['pct'])})"
            )
        now = _STEP_DOWN[before[tag]] if before["t"] == "y" else before[tag]
        then = _STEP_DOWN[after[tag]] if after["t"] == "y" else after[tag]
        if _STRENGTH[then] > _STRENGTH[now]:
            raised["t"].append(f"{tag}={then} (now {now})")
    any_raised = bool(raised["pct"] or raised["t"])
    parts = {
        "pct": f"RFC 7489 receivers will apply {' and '.join(raised['pct'])}",
        "t": f"RFC 9989 receivers will apply {' and '.join(raised['t'])}",
    }
    said = [tag for tag in ("pct", "t") if raised[tag] and tag not in own]
    if not said:
        return "", any_raised
    left_out = " and ".join(f"pct={before['pct']}" if tag == "pct" else "t=y" for tag in said)
    also = " also" if own else ""
    # With both in force, keeping either raises what the other RFC's receivers apply.
    both = before["pct"] != 100 and before["t"] == "y"
    return (
        f"\nThis record{also} leaves out {left_out}, ending the trial: "
        + " and ".join(parts[tag] for tag in said)
        + " to all failing mail. "
        + ("No record keeps the trial for receivers of both RFCs; p" if both else "P")
        + f"ublish it {_once_clean(parsed.valid_rua(), offered)}."
    ), any_raised


def _sampled_words(policy: str, pct: int) -> str:
    """What RFC 7489 receivers apply under `policy` and `pct` (§6.6.4), in words."""
    if pct == 100 or policy == "none":
        return policy
    if pct == 0:
        return _STEP_DOWN[policy]
    return f"{policy} for {pct}% of failing mail, {_STEP_DOWN[policy]} for the rest"


def _remove_pct_words(domain: str, parsed: ParsedDmarc) -> str:
    """The end of DMARC-08's warning for a pct from 0 to 99: what to do, as the record it
    offers does it.

    Beside t=y, DMARC-09 fires too and the one record offered (RecordRepairs) leaves out both
    trial tags; removing pct alone would end the trial for RFC 7489 receivers only (§6.6.4)
    while RFC 9989 receivers go on testing (§4.7), so the words say both go. Where that would
    raise what receivers apply now (pct=0 and t=y: the written policy reaches no failing mail
    in either view), the record writes what they apply instead (_trial_hold), and the words
    name it. t=y already there is DMARC-09's: not advised again."""
    if not parsed.testing:
        return ". Remove pct (use t=y for a trial run)."
    words = ". Remove pct and t=y together"
    held = _trial_hold(domain, parsed, {"drop": ("pct", "t")}, ())
    if held:
        now = " and ".join(f"{tag}={now}" for tag, (now, _) in held.items())
        words += f", and write {now}, what receivers apply now, until your reports are clean"
    if any(_policy_now(parsed, tag) != "none" for tag in ("p", "sp", "np")):
        words += (
            ": removing pct alone would end the trial for RFC 7489 receivers only, while RFC "
            "9989 receivers go on testing"
        )
    return words + "."


def _pct(value: str | None) -> int | None:
    """A valid pct (0-100, ASCII digits, RFC 7489 §6.3), else None."""
    text = (value or "").strip()
    if not (text.isascii() and text.isdigit()) or int(text) > 100:
        return None
    return int(text)


_STRENGTH = {"none": 0, "quarantine": 1, "reject": 2}


def _applied(record: ParsedDmarc) -> dict[str, Any]:
    """What receivers apply under a record, element by element: p, sp and np as the record
    makes them apply (np falls back to sp, sp to p, RFC 9989 §4.7; an invalid p, sp or np makes
    the whole record p=none, DMARC-05), pct (100 when absent or invalid, RFC 7489 §6.3) and t."""
    pct = _pct(record.tags.get("pct"))
    return {
        "p": _policy_now(record, "p"),
        "sp": _policy_now(record, "sp"),
        "np": _policy_now(record, "np"),
        "pct": 100 if pct is None else pct,
        "t": "y" if record.testing else "n",
    }


def _sampled(policy: str, pct: int) -> int:
    """A policy's strength as RFC 7489 §6.6.4 receivers apply it under pct, in hundredths:
    mail pct does not select gets the next policy down (reject to quarantine, quarantine to
    none)."""
    strength = _STRENGTH[policy]
    return strength * pct + max(strength - 1, 0) * (100 - pct)


def _strictness(record: ParsedDmarc) -> tuple[int, ...]:
    """The order DMARC-02's merge picks the strictest record by, from what receivers apply to
    the domain's own mail first: p as RFC 7489 receivers sample it by pct, then t=n over t=y
    (RFC 9989 receivers step a t=y policy down), then p itself (RFC 9989 receivers ignore pct),
    then sp and np the same way. Equal tuples apply the same policy."""
    level = _applied(record)
    return (
        _sampled(level["p"], level["pct"]),
        level["t"] == "n",
        _STRENGTH[level["p"]],
        _sampled(level["sp"], level["pct"]),
        _STRENGTH[level["sp"]],
        _sampled(level["np"], level["pct"]),
        _STRENGTH[level["np"]],
        level["pct"],
    )


_POLICY_TAGS = ("p", "sp", "np", "pct", "t")


def _policy_written(record: ParsedDmarc) -> str:
    """A record's policy tags as it writes them ("p=reject; pct=10"), nothing it leaves to
    fall back."""
    written = [
        f"{tag}={record.tags[tag].strip().lower()}" for tag in record.order if tag in _POLICY_TAGS
    ]
    return "; ".join(written) if written else "no policy tag (so p=none)"


def _strictest(records: list[str]) -> tuple[list[ParsedDmarc], list[ParsedDmarc]]:
    """(the records DMARC-02's merge keeps the policy of, the others), in sorted order (the
    same whatever order DNS returns them in). Several are kept only when they apply the same
    policy."""
    parsed = [parse_dmarc(text) for text in sorted(records)]
    best = max(_strictness(r) for r in parsed)
    return (
        [r for r in parsed if _strictness(r) == best],
        [r for r in parsed if _strictness(r) != best],
    )


def merge_note(records: list[str]) -> str:
    """What DMARC-02 adds when the records differ in what they enforce: the merged record keeps
    the policy of the strictest one whole (merged_record), and names it and what each other
    record wrote, so an owner whose weaker record was the one meant publishes that instead."""
    kept, others = _strictest(records)
    if not others:
        return ""
    said = ", ".join(dict.fromkeys(f"'{_policy_written(r)}'" for r in others))
    addresses = (
        ", with the report addresses of all of them"
        if any(tag in r.tags for r in others for tag in ("rua", "ruf"))
        else ""
    )
    return (
        " They differ in what they enforce: the record below keeps the policy of the strictest, "
        f"'{_policy_written(kept[0])}', as a whole (parts of several records combined would "
        f"make a policy none of them publishes){addresses}. It leaves out what the "
        f"other{'s' if len(others) > 1 else ''} wrote: {said}. Receivers apply none of them "
        "now; if a weaker policy is the one you meant, write it into the record before "
        "publishing."
    )


def merged_record(domain: str, records: list[str]) -> str:
    """One record from several published at one name (DMARC-02 fix).

    Receivers apply none of the records now (RFC 7489 §6.6.3 step 5, RFC 9989 §4.10). The
    suggestion takes the policy (p, sp, np, pct, t) of the strictest record (_strictness) as
    a whole, never element by element: 'p=reject; pct=10' and 'p=none' would otherwise give
    p=reject on all mail, stricter than either record. So it is no weaker than the strictest
    record, and no stricter. That record's other tags are the owner's and are kept; when
    several records apply the same policy, a tag is kept where they all agree (they differ
    only in how they write it, or in what neither record's policy decides). Report addresses
    of every record are united, each once, '!size' kept (kept_uris). DNS returns TXT records
    in any order: the records are read sorted, so the suggestion is the same each run.
    merge_note names the record kept and what the others wrote.
    """
    kept, _ = _strictest(records)
    merged = ParsedDmarc(text="")
    for tag in dict.fromkeys(t for r in kept for t in r.order):
        if tag in ("rua", "ruf"):
            continue
        values = {r.tags[tag].strip().lower() if tag in r.tags else None for r in kept}
        if len(values) == 1 and None not in values:
            merged.tags[tag] = kept[0].tags[tag]
            merged.names[tag] = kept[0].names[tag]
            merged.order.append(tag)
    parsed = [parse_dmarc(text) for text in sorted(records)]
    for tag in ("rua", "ruf"):
        uris = _unique_uris([uri for r in parsed for uri in kept_uris(r, tag)])
        if uris:
            merged.tags[tag] = ",".join(uris)
    return suggested_record(domain, merged)


async def evaluate(ctx: CheckContext) -> list[Finding]:
    policy = await get_policy(ctx)
    findings = await _evaluate(ctx, policy)
    _through_aliases(findings, policy)
    return findings


def _through_aliases(findings: list[Finding], policy: DmarcPolicy) -> None:
    """A `_dmarc` name that is an alias (a CNAME, as DMARC management services ask for) holds
    no TXT record of its own, and cannot be given one beside the alias (RFC 1034 §3.6.2, RFC
    2181 §10.1): a fix publishing `_dmarc.<name>. TXT` there is changed at the alias's target,
    by whoever runs it; an alias leading to no record is said, and deleting it comes first."""
    for name, look in policy.lookups.items():
        answer = look.answer
        if not answer.cnames or answer.failed:
            continue
        owner, target = f"_dmarc.{name}", answer.cnames[-1]
        published = re.compile(rf"(?<![\w.-]){re.escape(owner)}\. TXT ")
        if catch_all_alias(name, target) and not (look.records or look.near):
            # '*.<d> CNAME <d>' (a web host's catch-all, s48i) answers _dmarc.<d> with the
            # apex's TXT: the record goes at _dmarc.<d> itself, never at the apex. An alias to
            # the apex that holds the DMARC record works, and is changed there (s48r5).
            words = catch_all_words(owner, name, target)
            note = f"\n({owner} is an alias (CNAME) of {target}. {words})"
            for finding in findings:
                if published.search(finding.fix):
                    finding.fix += note
            continue
        if answer.records:
            note = (
                f"\n({owner} is an alias (CNAME) of {target}: the record is changed there, by "
                f"whoever runs it; or delete the alias and publish the record at {owner}.)"
            )
            for finding in findings:
                if published.search(finding.fix):
                    finding.fix = published.sub(f"{target}. TXT ", finding.fix) + note
            continue
        leads = "does not exist" if answer.nxdomain else "holds no DMARC record"
        said = f"{owner} is an alias (CNAME) of {target}, which {leads}."
        for finding in findings:
            if (
                finding.id == "DMARC-01"
                and finding.subject == owner
                and said not in finding.summary
            ):
                # Right after "<domain> has no DMARC policy ...": the reason comes first.
                head, dot, rest = finding.summary.partition(". ")
                finding.summary = f"{head}. {said} {rest}" if dot else f"{head} {said}"
            if published.search(finding.fix):
                finding.fix = (
                    f"Delete the CNAME record at {owner} (it leads to {target}, which {leads}; "
                    f"a TXT record cannot stand beside it), then publish:\n{finding.fix}"
                )


def _not_dmarc_words(domain: str, answer: DnsAnswer | None) -> tuple[str, str]:
    """(words, held) for DMARC-01 of a domain without a policy whose _dmarc name holds other
    TXT records (one empty string, as a DNS panel saves a blank value): the owner sees a
    record there, and "no DMARC policy" alone would contradict it. `words` say what stands
    there, for right after the first sentence; `held` names an empty one for the fix, which
    publishes the record in its place, '' through an alias (the empty record is the
    target's). ("", "") when nothing stands there, or for `answer` None (a public suffix
    operator's policy applies: DMARC-01 speaks of it)."""
    if answer is None or answer.failed or not (held := held_txt_records(answer)):
        return "", ""
    words = " " + not_the_record(
        f"_dmarc.{domain}",
        held,
        len(answer.texts()),
        "a DMARC record",
        "DMARC records",
        '"v=DMARC1;", RFC 7489 §6.3',
        "receivers",
    )
    return words, "" if answer.cnames else held


async def _evaluate(ctx: CheckContext, policy: DmarcPolicy) -> list[Finding]:
    out = Collector(MECHANISM)
    domain = normalize(ctx.domain)
    first = policy.lookups[domain]
    if first.answer.failed:
        loop = await cname_loop(ctx.dns, first.answer)
        if loop:
            # Still "could not check" (a SERVFAIL is never a fail), but the owner is told what
            # every receiver meets and what to publish instead (RFC 1034 §3.6.2).
            out.add(
                "DMARC-01",
                Status.ERROR,
                f"Could not look up the DMARC record at _dmarc.{domain}: it is a CNAME loop "
                f"({' -> '.join(loop)}). Resolvers answer such a loop with an error, so no "
                "receiver finds a DMARC policy either, and DMARC was not checked.",
                subject=f"_dmarc.{domain}",
                evidence={
                    "dns": first.answer.evidence(),
                    "failure": first.answer.describe_failure(),
                    "cname_loop": loop,
                },
                fix=f"Delete the CNAME record at _dmarc.{domain}{loop_also(loop)}, "
                "then publish the policy there:\n"
                + txt_fix(
                    f"_dmarc.{domain}", f"v=DMARC1; p=none; rua=mailto:{example_address(domain)}"
                ),
            )
            return out.findings
        out.add(
            "DMARC-01",
            Status.ERROR,
            f"Could not look up the DMARC record at _dmarc.{domain}: the DNS query failed, so "
            "DMARC was not checked (this is not the same as having no DMARC record).",
            subject=f"_dmarc.{domain}",
            evidence={"dns": first.answer.evidence(), "failure": first.answer.describe_failure()},
        )
        return out.findings
    for answer in policy.failed:
        out.add(
            "DMARC-01",
            Status.ERROR,
            f"A DNS lookup needed to find the DMARC policy failed ({answer.describe_failure()}); "
            "the result may be incomplete.",
            subject=answer.name,
            evidence={"dns": answer.evidence()},
        )
    views = policy.views()
    walk_evidence = [
        {"name": f"_dmarc.{n}", "records": look.answer.texts(), "rcode": look.answer.rcode}
        for n, look in policy.lookups.items()
    ]

    # DMARC-02 / DMARC-03 at every name that was looked at, but a public suffix operator's
    # (the owner cannot mend a record set for every domain under gov.uk).
    for name, look in policy.lookups.items():
        if policy.operators(name):
            continue
        if len(look.records) > 1:
            # At the checked domain with a record further up: RFC 7489 receivers stop there
            # (§6.6.3 step 5, no DMARC), RFC 9989 receivers discard both and walk on (§4.10).
            walked_on = name == domain and policy.record_domain not in (None, name)
            consequence = (
                "RFC 7489 receivers then apply no DMARC at all to it, while RFC 9989 receivers "
                f"discard them and go on to the record at _dmarc.{policy.record_domain}"
                + (f", which gives {name} {policy.effective_9989}" if policy.effective_9989 else "")
                + " (see DMARC-19)"
                if walked_on
                else "receivers then ignore all of them, as if there were no DMARC policy"
            )
            out.add(
                "DMARC-02",
                Status.FAIL,
                f"_dmarc.{name} publishes {len(look.records)} DMARC records; {consequence}. "
                "Keep exactly one." + merge_note(look.records),
                subject=f"_dmarc.{name}",
                evidence={"dns": look.answer.evidence()},
                fix=txt_fix(f"_dmarc.{name}", merged_record(name, look.records)),
            )
        for text in look.near:
            if len(look.records) == 1:
                # A valid record stands at the same name: receivers discard this one (RFC 7489
                # §6.6.3 step 3; RFC 9989 §4.10 step 2) and apply that one, so DMARC works. The
                # harm is a receiver reading it more leniently than the RFCs (the version
                # without case, or anywhere in the record) and then seeing two records (none
                # applies): a risk, not a broken policy. A repaired copy would be a second
                # valid record (DMARC-02), so the fix is to delete this one, unless its
                # stricter policy is the one meant.
                applied = parse_dmarc(look.records[0])
                meant = suggested_record(name, parse_dmarc(_repair_v(text)), promote=KNOWN_TAGS)
                stricter = _strictness(parse_dmarc(meant)) > _strictness(applied)
                keep = txt_fix(f"_dmarc.{name}", look.records[0])
                # Its policy in one record with the applied one's report addresses as well.
                replace_both = txt_fix(f"_dmarc.{name}", merged_record(name, [applied.text, meant]))
                out.add(
                    "DMARC-03",
                    Status.WARN,
                    f"_dmarc.{name} also holds a record that does not start with exactly "
                    f"'v=DMARC1' (upper case, first tag): '{text}'. Receivers ignore it and "
                    f"apply the other record, '{look.records[0]}', but "
                    + _lenient_reader(text)
                    + (
                        f" Yet it is stricter ({_policy_written(parse_dmarc(meant))}) than the "
                        f"record that applies ({_policy_written(applied)}): if its policy is "
                        "the one you meant, publish it in one valid record in place of both "
                        "(the fix keeps the report addresses of both), rather than deleting "
                        "it. Otherwise delete it."
                        if stricter
                        else " Delete this record; if it says something you meant, write "
                        "that into the one that applies."
                    ),
                    subject=f"_dmarc.{name}",
                    evidence={"dns": look.answer.evidence(), "applies": look.records[0]},
                    fix=(
                        f"If the stricter policy is the one you meant, delete both TXT records "
                        f"at _dmarc.{name} ({quote_txt(text)} and "
                        f"{quote_txt(look.records[0])}) and publish: "
                        f"{replace_both}\n"
                        f"Otherwise delete the TXT record {quote_txt(text)} at _dmarc.{name}. "
                        f"Keep: {keep}"
                        if stricter
                        else f"Delete the TXT record {quote_txt(text)} at _dmarc.{name}. "
                        f"Keep: {keep}"
                    ),
                )
                continue
            out.add(
                "DMARC-03",
                Status.FAIL,
                f"The record at _dmarc.{name} does not start with exactly 'v=DMARC1' (upper "
                f"case, first tag), so receivers ignore it: '{text}'."
                + _quotes_note(text)
                + (
                    " Its tags are separated with ',' where DMARC needs ';'."
                    if _COMMA_TAG_RE.search(text)
                    else ""
                ),
                subject=f"_dmarc.{name}",
                evidence={"dns": look.answer.evidence()},
                fix=txt_fix(
                    f"_dmarc.{name}",
                    # Receivers ignore this record whole: nothing it says applies now, so
                    # every tag written with ':' is the owner's, lowering nothing.
                    suggested_record(name, parse_dmarc(_repair_v(text)), promote=KNOWN_TAGS),
                ),
            )

    if policy.from_operator:
        # No record of the owner's: DMARC-01 as for a domain without one, saying whose policy
        # RFC 9989 receivers apply and where its reports go; no finding judges the
        # operator's record (its tags, its report addresses' authorisation, DMARC-13).
        await _not_found(out, ctx, domain, policy, walk_evidence)
        operator = policy.record
        assert operator is not None
        evidence = {"record": operator.text, "views": views, "walk": walk_evidence}
        _views(out, domain, policy, evidence, RecordRepairs())
        _own_record_for_views(out)
        _suffix_as_org(out, policy)
        await _alignment(out, ctx)
        return out.findings
    if not policy.found:
        if policy.failed:
            # After a failed lookup (reported above as DMARC-01 error) the policy is unknown,
            # not absent: no "has no DMARC policy", no misplaced-record advice, and, as when
            # the first lookup fails, no DMARC-18 (a lone warning would score DMARC as
            # deployed with a weakness).
            return out.findings
        await _not_found(out, ctx, domain, policy, walk_evidence, first.answer)
        await _alignment(out, ctx)
        return out.findings

    parsed = policy.applied
    at = policy.applied_domain or domain
    if policy.operator_over_own and policy.legacy_record and policy.legacy_domain:
        # RFC 9989 receivers apply a public suffix operator's record, RFC 7489 receivers the
        # owner's: only the owner's is judged, and every fix is at the owner's name (s35n).
        parsed, at = policy.legacy_record, policy.legacy_domain
    assert parsed is not None
    subject = f"_dmarc.{at}"
    evidence: dict[str, Any] = {"record": parsed.text, "views": views, "walk": walk_evidence}
    out.add(
        "DMARC-01",
        Status.PASS,
        f"{domain} has a DMARC policy"
        + ("." if at == domain else f", inherited from _dmarc.{at}.")
        + _operator_over_own_words(policy),
        subject=subject,
        evidence=evidence,
    )
    if not any(len(look.records) > 1 for look in policy.lookups.values()):
        out.add("DMARC-02", Status.PASS, "Exactly one DMARC record is published.", subject=subject)
    repairs = RecordRepairs()
    await _tags(out, ctx, at, parsed, policy, evidence, repairs)
    _views(out, domain, policy, evidence, repairs)
    _suffix_as_org(out, policy, repairs, (at, parsed))
    repairs.apply()
    # The author domain's own record is the policy from the first answer (RFC 9989 §4.10.1);
    # the walk goes on up only to find the Organizational Domain (§4.10.2), so "finding the
    # policy takes N queries" would be untrue there.
    own_first = policy.record_domain == domain and policy.queries > 1
    out.add(
        "DMARC-20",
        Status.INFO,
        _walk_words(policy)
        if policy.record is None
        else f"The RFC 9989 DNS tree walk finds the policy with its first query "
        f"(_dmarc.{domain}) and takes {policy.queries} of at most {MAX_WALK} queries in all: "
        "the rest find the Organizational Domain, which relaxed alignment is judged against."
        if own_first
        else f"Finding the policy with the RFC 9989 DNS tree walk takes {policy.queries} of at "
        f"most {MAX_WALK} queries." + _passed_over_words(policy),
        subject=domain,
        evidence={"walk": walk_names(domain), "queries": policy.queries},
    )
    await _alignment(out, ctx)
    return out.findings


def suffix_takes_org(policy: DmarcPolicy) -> bool:
    """Whether RFC 9989 receivers take a public suffix for the domain's Organizational Domain
    (_suffix_as_org's case: a suffix's record without psd=y, §4.10.2 rule 3; psd=y one label
    above a suffix with no record, rule 2), so that psd=n belongs in the owner's record at
    the list's Organizational Domain (rule 1)."""
    suffix = policy.org_9989
    if not suffix or not policy.operators(suffix) or policy.failed:
        return False
    look = policy.lookups.get(suffix)
    if look is None:
        return False
    if look.record is not None:
        return True
    parent = suffix.split(".", 1)[1] if "." in suffix else ""
    above = policy.lookups.get(parent) if parent else None
    return (
        above is not None
        and above.record is not None
        and (parse_dmarc(above.record).tags.get("psd") or "").strip().lower() == "y"
    )


def _suffix_as_org(
    out: Collector,
    policy: DmarcPolicy,
    repairs: RecordRepairs | None = None,
    judged: tuple[str, ParsedDmarc] | None = None,
) -> None:
    """DMARC-10 for a public suffix that RFC 9989 receivers take as the domain's Organizational
    Domain (s35m, s35p). The tree walk reads no list: a suffix's record without psd=y (which
    RFC 9989 asks of every record a public suffix operator publishes) is the record with the
    fewest labels (§4.10.2 rule 3), so gov.uk is when _dmarc.gov.uk has no psd=y; and psd=y
    one label above the suffix (_dmarc.uk) with nothing at the suffix makes the suffix the
    Organizational Domain too (rule 2: the name one label below the psd=y record), s35p.
    Relaxed alignment then holds between the domain and every other domain under the suffix,
    another registrant's too, and a subdomain gets the operator's record (the suffix's, or
    with none there the Public Suffix Domain's) rather than its owner's Organizational
    Domain's (§4.10.1). RFC 7489 receivers take the list's Organizational Domain. psd=n in
    the owner's record there stops the walk at it (rule 1). A warning, but a note when the
    record applied asks strict alignment of both SPF and DKIM (no other domain aligns then).
    Where DMARC-19 gives that same psd=n step (the operator's record applied over the
    owner's, s35n), this finding names it and has no fix of its own: one finding carries it.
    The psd=n step is one record with the other fixes' repairs (s36e): when the record judged
    (`judged`: its name and record) is the owner's at the Organizational Domain, psd=n is asked
    of `repairs`, so every fix there offers one record with it. With no record of the owner's
    at its Organizational Domain, the record DMARC-01 offers there has psd=n already."""
    suffix, org, domain = policy.org_9989, policy.org_7489, policy.domain
    if not suffix_takes_org(policy):
        return
    look = policy.lookups.get(suffix)
    assert look is not None
    parent = suffix.split(".", 1)[1] if "." in suffix else ""
    above = policy.lookups.get(parent) if parent else None
    psd_above = (
        above is not None
        and above.record is not None
        and (parse_dmarc(above.record).tags.get("psd") or "").strip().lower() == "y"
    )
    applied = policy.record
    strict = (
        applied is not None
        and (applied.tags.get("adkim") or "").strip().lower() == "s"
        and (applied.tags.get("aspf") or "").strip().lower() == "s"
    )
    own_look = policy.lookups.get(org)
    own = parse_dmarc(own_look.record) if own_look is not None and own_look.record else None
    at = policy.record_domain
    operators = at in (suffix, parent) and own is not None and domain != org
    if psd_above:
        assert above is not None and above.record is not None
        has = (
            "publishes no DMARC record"
            if look.record is None
            else "publishes a record without psd=y"
        )
        why = (
            f"_dmarc.{parent} is a public suffix operator's record with psd=y, and {suffix} (on "
            f"the Public Suffix List too) {has}. RFC 9989 receivers, which find the "
            "Organizational Domain by the DNS tree walk and read no list, therefore take the "
            f"name one label below the psd=y record, {suffix}, for the Organizational Domain "
            f"of {domain} (§4.10.2), while RFC 7489 receivers take the list's, {org}. "
        )
        whose = (
            "the Organizational Domain's record, else the public suffix domain's"
            if look.record is None
            else "the Organizational Domain's record"
        )
        evidence_record = look.record or above.record
    else:
        psd = (parse_dmarc(look.record or "").tags.get("psd") or "").strip().lower()
        why = (
            f"_dmarc.{suffix} is a public suffix operator's record ({suffix} is on the Public "
            f"Suffix List) with {'psd=n' if psd == 'n' else 'no psd=y'}, where RFC 9989 asks "
            "psd=y of a public suffix operator. RFC 9989 receivers, which find the "
            "Organizational Domain by the DNS tree walk and read no list, therefore take "
            f"{suffix} for the Organizational Domain of {domain} (§4.10.2: the record with the "
            f"fewest labels), while RFC 7489 receivers take the list's, {org}. "
        )
        whose = "the Organizational Domain's record"
        evidence_record = look.record
    # DMARC-19 gives the psd=n step when the operator's record is applied over the owner's.
    views_fix = policy.operator_over_own and any(f.id == "DMARC-19" and f.fix for f in out.findings)
    text = (
        why
        + (
            f"The record applied asks strict alignment (adkim=s, aspf=s), so no other domain "
            f"under {suffix} aligns with {domain}; relaxed alignment would let one."
            if strict
            else f"With relaxed alignment, mail whose SPF or DKIM passes for any domain under "
            f"{suffix}, another registrant's too, then passes DMARC as {domain} at RFC 9989 "
            "receivers."
        )
        + (
            f" They also apply the operator's record at _dmarc.{at} to {domain}, not yours "
            f"at _dmarc.{org} (§4.10.1: {whose})."
            if operators
            else ""
        )
        + (
            f" psd=n in your record at _dmarc.{org}, the step DMARC-19's fix gives, ends this "
            f"too: RFC 9989 receivers then take {org} for the Organizational Domain."
            if views_fix and not strict
            else ""
        )
    )
    lead = (
        f"Add psd=n to your record at _dmarc.{org}: RFC 9989 receivers then end the walk there "
        f"and take {org} for the Organizational Domain, as RFC 7489 receivers do.\n"
    )
    # The record judged is the owner's at the Organizational Domain: psd=n joins its other
    # fixes' repairs, one record for all (RecordRepairs).
    merged = (
        repairs is not None
        and judged is not None
        and own is not None
        and judged[0] == org
        and judged[1].text == own.text
    )
    offered = _dmarc01_record(out, org)
    if views_fix:
        fix = ""
    elif own is not None:
        # What the operator's record gives the names under org now, kept (s36p).
        floor = operators_floor(parse_dmarc(evidence_record), suffix if look.record else parent)
        record = psd_n_record(org, own, floor)
        fix = lead + txt_fix(f"_dmarc.{org}", record)
        if record != psd_n_record(org, own):
            fix += "\n" + kept_for_subdomains(org, record, floor)
    elif offered:
        # DMARC-01's record, which has psd=n (_not_found): the same record, not another.
        fix = (
            f"Publish your own record at _dmarc.{org} with psd=n in it, as DMARC-01's fix "
            f"writes it: RFC 9989 receivers then end the walk there and take {org} for the "
            "Organizational Domain, as RFC 7489 receivers do.\n" + offered
        )
    else:
        # DMARC-01's record is at the subdomain: the record at the Organizational Domain
        # written out, reports to a mailbox there, at least the policy the operator's record
        # gives {org} and its subdomains at RFC 9989 receivers now (s36p).
        floor = operators_floor(parse_dmarc(evidence_record), suffix if look.record else parent)
        record = keep_operators(org, f"v=DMARC1; p=none; rua=mailto:{example_address(org)}", floor)
        kept = kept_words(org, record, floor)
        fix = (
            f"Publish a record of your own at _dmarc.{org} with psd=n in it: RFC 9989 "
            f"receivers then end the walk there and take {org} for the Organizational Domain, "
            "as RFC 7489 receivers do; your subdomains then get your policy from it."
            + (" " + kept if kept else "")
            + "\n"
            + txt_fix(f"_dmarc.{org}", record + "; psd=n")
        )
    finding = out.add(
        "DMARC-10",
        Status.INFO if strict else Status.WARN,
        text,
        # Where the fix goes: the owner's name, not the operator's record it is about.
        subject=f"_dmarc.{org}",
        evidence={"record": evidence_record, "views": policy.views()},
        fix="" if strict else fix,
    )
    if merged and finding.fix:
        assert repairs is not None and judged is not None
        repairs.offer(
            finding,
            org,
            judged[1],
            psd="n",
            lead=lead,
            floor=operators_floor(parse_dmarc(evidence_record), suffix if look.record else parent),
        )


def _dmarc01_record(out: Collector, org: str) -> str:
    """The record line DMARC-01's fix offers at _dmarc.<org> (with psd=n there, _not_found),
    '' when it offers none there."""
    for f in out.findings:
        if f.id == "DMARC-01" and f.fix.startswith(f"_dmarc.{org}. TXT "):
            return f.fix.split("\n", 1)[0]
    return ""


def _operator_over_own_words(policy: DmarcPolicy) -> str:
    """DMARC-01's words when RFC 9989 receivers apply a public suffix operator's record and
    RFC 7489 receivers the owner's (DmarcPolicy.operator_over_own): whose each is, and that no
    finding judges the operator's. '' otherwise."""
    if not policy.operator_over_own or policy.record is None:
        return ""
    at = policy.record_domain
    return (
        f" That record is yours, and RFC 7489 receivers apply it. RFC 9989 receivers apply "
        f"instead the public suffix operator's record at _dmarc.{at}, which gives "
        f"{policy.domain} "
        + (f"the policy {policy.effective_9989}" if policy.effective_9989 else "no DMARC")
        + ": that record is not yours (its operator sets "
        f"it for every domain under {at}), so it is not judged here; see DMARC-19 for the "
        "step that makes them apply yours."
    )


def psd_n_record(org: str, own: ParsedDmarc, floor: OperatorsFloor | None = None) -> str:
    """The owner's record at its Organizational Domain with psd=n: RFC 9989 receivers end the
    tree walk there and take it for the Organizational Domain (§4.10.2 rule 1). `floor`: what
    the operator's record gives the subdomains now, which the record keeps (keep_operators)."""
    record = suggested_record(org, own, drop=("psd",)).rstrip("; ")
    return keep_operators(org, record, floor, subdomains_only=True) + "; psd=n"


def kept_for_subdomains(org: str, record: str, floor: OperatorsFloor | None) -> str:
    """Why a record with psd=n that keep_operators raised for the subdomains (sp, np) asks
    what it asks, in plain words; '' when it asks nothing more."""
    if floor is None:
        return ""
    parsed = parse_dmarc(record)
    kept = [f"{tag}={parsed.policy(tag)}" for tag in ("sp", "np") if parsed.policy(tag)]
    p = parsed.policy("p") or "none"
    if floor.p == "none" and floor.np == "none" or not kept:
        return ""
    return (
        f"Receivers following RFC 9989 already apply p={floor.p} to the names under {org} "
        f"without a record of their own, from the public suffix operator's record at "
        f"_dmarc.{floor.at}; psd=n makes them apply your record instead, so it keeps "
        f"{' and '.join(kept)} for those names and loosens nothing for them (p={p} is your "
        f"choice for {org} itself)."
    )


@dataclass(frozen=True)
class OperatorsFloor:
    """What RFC 9989 receivers apply today, from a public suffix operator's record, to a
    domain that has no record of its own and to the names under it (s36p): `p` for a name
    that exists (the record's sp, else p, §4.10.1 with §4.7), `np` for one that does not
    (np, else sp, else p), each one step down under t=y. A record of the owner's, read
    first by those receivers, must hold at least these, or publishing it loosens what they
    apply (the p=none record DMARC-01 used to offer turned the operator's reject into none).
    `at` is the operator's name."""

    p: str
    np: str
    at: str


def operators_floor(
    operator: ParsedDmarc | None, at: str | None, applied: str | None = None
) -> OperatorsFloor | None:
    """The OperatorsFloor of the operator's record `operator` at `at` (`applied`: what the
    receivers apply to the checked domain itself, effective_9989, which is np's for a name
    that does not exist), None when it enforces nothing: an operator's p=none keeps the usual
    p=none advice."""
    if operator is None or not at:
        return None
    p = _policy_for(operator, False, legacy=False) or "none"
    np = _policy_for(operator, False, legacy=False, exists=False) or "none"
    if applied in _STRENGTH:
        p = _stronger((p, applied))
    if p == np == "none":
        return None
    return OperatorsFloor(p, np, at)


def keep_operators(
    domain: str, record: str, floor: OperatorsFloor | None, *, subdomains_only: bool = False
) -> str:
    """`record` (a suggested record for _dmarc.<domain>) raised where it asks less than the
    operator's record gives today (`floor`): p to its p, a weaker sp too, and np where the
    record would leave non-existent subdomains below the operator's np. Unchanged otherwise.
    `subdomains_only`: the record is the owner's own, which RFC 9989 receivers apply to
    <domain> itself already, and psd=n in it makes them apply it to its subdomains instead
    of the operator's: p stays the owner's, sp (and np) keep what the subdomains get now."""
    if floor is None:
        return record
    parsed = parse_dmarc(record)
    p = parsed.policy("p") or "none"
    raised = p if subdomains_only else _stronger((p, floor.p))
    hold: dict[str, str] = {}
    sp = parsed.policy("sp")
    if _STRENGTH[sp or raised] < _STRENGTH[floor.p]:
        hold["sp"] = floor.p
    np_now = parsed.policy("np") or hold.get("sp") or sp or raised
    if _STRENGTH[np_now] < _STRENGTH[floor.np]:
        hold["np"] = floor.np
    if raised == p and not hold:
        return record
    return suggested_record(domain, parsed, raised, hold=hold)


def kept_words(domain: str, record: str, floor: OperatorsFloor | None) -> str:
    """Why a record keep_operators raised asks what it asks, in plain words, for `domain`,
    the name RFC 9989 receivers apply the operator's record to now; '' when the operator's
    record enforces nothing."""
    if floor is None:
        return ""
    parsed = parse_dmarc(record)
    p, np = parsed.policy("p") or "none", parsed.policy("np")
    if p == "none":
        # An operator's p=none with a stricter np (np=reject): the record keeps that np.
        return (
            f"Receivers following RFC 9989 already apply np={np} to names under {domain} that "
            f"do not exist, from the public suffix operator's record at _dmarc.{floor.at}; "
            f"this record keeps np={np}, so that publishing it loosens nothing for them."
            if np and np != "none" and floor.np == np
            else ""
        )
    also = f" (and np={np} for names under it that do not exist)" if np else ""
    reports = (
        " and sends the aggregate reports to you, so that publishing it loosens nothing for "
        "them and you see which of your own messages fail DMARC (and can mend their SPF or "
        "DKIM)"
        if parsed.valid_rua()
        else ", so that publishing it loosens nothing for them"
    )
    return (
        f"Receivers following RFC 9989 already apply p={floor.p} to {domain} from the public "
        f"suffix operator's record at _dmarc.{floor.at}; this record keeps p={p}{also}"
        f"{reports}. A weaker policy in your record (p=none, the usual start) would ask them "
        "for less than they apply today."
    )


def _own_record_for_views(out: Collector) -> None:
    """DMARC-19 beside a domain whose only policy is a public suffix operator's record: its
    fix is the owner's own record, written exactly as DMARC-01's fix writes it (s35n: it said
    to publish 'the policy you want' without a record)."""
    first = next((f for f in out.findings if f.id == "DMARC-01" and f.fix), None)
    views = next((f for f in out.findings if f.id == "DMARC-19" and f.fix), None)
    if first is None or views is None:
        return
    views.fix = (
        f"Publish your own record at {first.subject} (as DMARC-01's fix writes it): receivers "
        "of both kinds read a domain's own record before any other, so they then apply the "
        "same policy.\n" + first.fix
    )


def _passed_over_words(policy: DmarcPolicy) -> str:
    """DMARC-20's words for the query asked after the walk (DmarcPolicy.org_asked_after)."""
    org = policy.org_asked_after
    if not org:
        return ""
    return (
        f" One more asks _dmarc.{org}: psd=y at _dmarc.{policy.org_9989.split('.', 1)[1]} makes "
        f"{org} the Organizational Domain (RFC 9989 §4.10.2), a name the walk passes over (from "
        f"{policy.domain.count('.') + 1} labels it goes to 7), and its record applies before "
        "the public suffix domain's (§4.10.1)."
    )


def _walk_words(policy: DmarcPolicy) -> str:
    """DMARC-20 when only the RFC 7489 view finds a policy: the tree walk found none. Its
    query for a name between the author domain and the PSL's Organizational Domain failed (the
    walk goes no further; RFC 7489 §6.6.3 asks only those two names), or it never asked at
    that domain (the >8-label jump of RFC 9989 §4.10 passed it)."""
    names = walk_names(policy.domain)
    last = policy.lookups[names[policy.queries - 1]].answer
    found = f"the RFC 7489 view finds it at _dmarc.{policy.legacy_domain}" + (
        ", the Organizational Domain by the Public Suffix List."
        if policy.legacy_domain != policy.domain
        else "."
    )
    if last.failed:
        return (
            f"The RFC 9989 DNS tree walk finds no policy: its query {policy.queries} of at most "
            f"{MAX_WALK} failed ({last.describe_failure()}), so it could not go on (see "
            f"DMARC-01); {found}"
        )
    return (
        f"The RFC 9989 DNS tree walk finds no policy in {policy.queries} of at most {MAX_WALK} "
        f"queries; {found}"
    )


# A version tag as people mistype it, with whatever glues the next tag to it: "v=dmarc1;",
# "v=DMARC1 p=reject" (no ';'), "v = DMARC1.0,".
_VERSION_RE = re.compile(r"^\s*v\s*=\s*dmarc1[0-9.]*[\s;,]*", re.I)
# A ',' written where ';' belongs, before a DMARC tag ("v=DMARC1, p=reject, rua=mailto:..."):
# the commas inside a rua/ruf list come before a URI, never before "tag=".
_COMMA_TAG_RE = re.compile(
    r"\s*,\s*(?=(?:" + "|".join(sorted(KNOWN_TAGS - {"v"}, key=len, reverse=True)) + r")\s*=)",
    re.I,
)
# The whole record between a pair of quotes, as typed: "...", '...' or an escaped \"...\".
_QUOTED_RE = re.compile(r"""^\s*(\\?["'])(.*?)\1\s*;?\s*$""", re.S)
# Quotes around a value that are no part of it: zone-file ones (escaped or not) and typographic
# ones a word processor made of them ('p=reject”'), with the whitespace around them.
_STRAY_QUOTES = " \t\r\n\"'\\" + "".join(QUOTES)


def _lenient_reader(text: str) -> str:
    """How a receiver reading a record more leniently than RFC 7489 §6.3 and RFC 9989 §4.7
    would take `text` for a second DMARC record (DMARC-03 beside a valid one): the version in
    another case ('v=dmarc1') is read by one that ignores case, a 'v=DMARC1' after another
    tag by one that accepts the version anywhere."""
    elements = [part.partition("=") for part in text.split(";")]
    first_name, _, first_value = elements[0]
    if (
        text[:1] in ("v", "V")
        and first_name.strip().lower() == "v"
        and first_value.strip(" \t\r\n").lower() == "dmarc1"
    ):
        return (
            "one that reads the version without regard to case would see two DMARC records "
            "and apply neither."
        )
    if any(
        name.strip(" \t\r\n").lower() == "v" and value.strip(" \t\r\n").lower() == "dmarc1"
        for name, _, value in elements[1:]
    ):
        return (
            "its 'v=DMARC1' is not its first tag, and one that accepts the version anywhere "
            "in the record would see two DMARC records and apply neither."
        )
    return "one that reads DMARC records less strictly would see two of them and apply neither."


def _quotes_note(text: str) -> str:
    """For a record published between quotes ('"v=DMARC1; p=reject"', typographic ones from a
    document): that the quotes are its first character, and what to publish without them."""
    around = unquoted(text)
    if around is None or not around.leading or not around.text.startswith("v=DMARC1"):
        return ""
    return (
        f" It is {around.describe()}: {around.whose}, so its first character is a quote. "
        f"Retype it without {around.them}: '{_repair_v(text)}'."
    )


def _repair_v(text: str) -> str:
    """The near-miss record with "v=DMARC1" as its first tag, every other tag kept.

    A missing ';' after the version glues the next tag into v's value ("v=DMARC1 p=reject"
    parses as v="DMARC1 p=reject" and no p): the version is cut off as text first, so the
    owner's p=reject is kept rather than silently becoming the default p=none.
    """
    # A record pasted into a DNS panel with its zone-file quotes keeps them as text
    # ('"v=DMARC1; p=reject"'): the closing quote would glue onto the last value, turning
    # p=reject into the invalid 'reject"' and the fix into p=none.
    quoted = _QUOTED_RE.match(text)
    if quoted:
        text = quoted.group(2)
    elif (around := unquoted(text)) is not None and _VERSION_RE.match(around.text):
        # Typographic quotes ('“v=DMARC1; p=reject”'), or a quote at one end only.
        text = around.text
    match = _VERSION_RE.match(text)
    if match:
        text = "v=DMARC1; " + text[match.end() :]
    # Tags separated by commas (s22m-dmarccomma): read as the ';' meant, or the fix would
    # offer p=none and drop the owner's p=reject and report addresses.
    text = _COMMA_TAG_RE.sub("; ", text)
    # Every other element is kept as written, in its place: a tag written with ':', a repeated
    # tag and a report address cut off from rua are read from it as from any record.
    rest = [
        part.strip(" \t\r\n")
        for part in text.split(";")
        if part.strip(" \t\r\n") and part.partition("=")[0].strip(" \t\r\n").lower() != "v"
    ]
    return "; ".join(["v=DMARC1", *rest])


async def _not_found(
    out: Collector,
    ctx: CheckContext,
    domain: str,
    policy: DmarcPolicy,
    walk_evidence: list[dict[str, Any]],
    own: DnsAnswer | None = None,
) -> None:
    """DMARC-01 (or DMARC-04) for a domain without a record of its own. `own`: the answer at
    _dmarc.<domain>, whose other TXT records DMARC-01 names (_not_dmarc_words); None when a
    public suffix operator's policy applies instead (from_operator)."""
    apex, mx = await asyncio.gather(ctx.dns.query(domain, "TXT"), ctx.dns.query(domain, "MX"))
    misplaced = _meant_as_dmarc(apex) if not apex.failed else []
    null_mx = is_null_mx(mx)
    if misplaced:
        out.add(
            "DMARC-04",
            Status.FAIL,
            f"The DMARC record is published at {domain} itself, where receivers never look; "
            f"it must be published at _dmarc.{domain}." + _version_note(domain, misplaced[0]),
            subject=domain,
            evidence={"dns": apex.evidence()},
            fix=_moved_fix(domain, misplaced[0]),
        )
        return
    if any(
        look.records or look.near
        for name, look in policy.lookups.items()
        if not policy.operators(name)
    ):
        return  # DMARC-02/03 already explain why no record is usable
    from checks.spf import find_undotted  # at run time, as _alignment imports spf

    # The owner's record written as "_dmarc.example.com" without the final dot sits at
    # _dmarc.example.com.example.com: moving it is the fix, not a new p=none record of ours.
    undotted = await find_undotted(ctx, f"_dmarc.{domain}", _meant_as_dmarc)
    if undotted is not None:
        name, records, found = undotted
        what = (
            f"the DMARC record '{records[0]}' sits at {name}"
            if len(records) == 1
            else f"{len(records)} DMARC records ({'; '.join(records)}) sit at {name}"
        )
        out.add(
            "DMARC-04",
            Status.FAIL,
            f"{domain} has no DMARC policy that receivers find: {what}, where receivers never "
            "look. It looks like the owner name was written without its final dot in the zone "
            "file, so the zone's name was added to it a second time. Move it to "
            f"_dmarc.{domain} (write the owner with its final dot: '_dmarc.{domain}.'), and "
            f"delete the record at {name}."
            + (
                " Publish one record there: receivers ignore every one of several."
                if records[1:]
                else _version_note(domain, records[0])
            ),
            subject=f"_dmarc.{domain}",
            evidence={"walk": walk_evidence, "found_at": name, "found": found.evidence()},
            fix=_moved_fix(domain, records[0]) if len(records) == 1 else "",
        )
        return
    if await _without_underscore(out, ctx, domain, walk_evidence):
        return
    no_mail = None if null_mx else await _advises_no_mail(ctx)
    # A public suffix operator's record that RFC 9989 receivers apply instead (from_operator).
    operator = _operators_policy(policy)
    held_words, held = _not_dmarc_words(domain, own)
    if no_mail is not None:
        # No MX and its own address takes no mail (a website, a parked name): MX-01 offers the
        # records of a domain that sends and receives no mail, DMARC p=reject among them. A
        # p=none record with reports to a mailbox at the domain, where no report can arrive,
        # would contradict it (as TLS-RPT's fixes no longer propose one, 90c6b1f).
        out.add(
            "DMARC-01",
            Status.INFO,
            (
                operator
                or f"{domain} has no DMARC policy, so receivers do not know what to do with "
                "mail that fails SPF and DKIM."
            )
            + held_words
            + f" {domain} looks like a domain that receives no mail "
            f"(see MX-01: {no_mail.words}): if it sends none either, publish p=reject, with "
            "the null MX that MX-01 gives, so that receivers reject mail forged in its name. "
            f"If it should receive mail, publish an MX record first (see MX-01), then start "
            "with p=none and reports to a mailbox that someone reads.",
            subject=f"_dmarc.{domain}",
            evidence={
                "walk": walk_evidence,
                "views": policy.views(),
                "takes_no_mail": list(no_mail.answers),
            },
            fix=in_place_of_empty(
                txt_fix(f"_dmarc.{domain}", "v=DMARC1; p=reject"),
                f"_dmarc.{domain}",
                held,
                "receivers",
            ),
        )
        return
    # A domain that sends, with no MX and an own address that takes no mail: p=none, and
    # reports at a mailbox elsewhere, since none made up at the domain would receive any.
    why = "" if null_mx else await no_mailbox_reason(ctx, domain)
    suggestion, floor, psd_n = not_found_record(domain, policy, null_mx=null_mx, add_rua=not why)
    kept = "" if null_mx else kept_words(domain, suggestion, floor)
    fix = txt_fix(f"_dmarc.{domain}", suggestion)
    if why:
        fix += (
            f"\nNo report address is made up at {domain}: {why}. For reports, add {OTHER_MAILBOX}."
        )
    if kept and floor is not None:
        p, np = parse_dmarc(suggestion).policy("p"), parse_dmarc(suggestion).policy("np")
        fix += (
            f"\np={p} keeps what RFC 9989 receivers apply to {domain} today from the "
            f"operator's record at _dmarc.{floor.at}: p=none would loosen it."
            if p != "none"
            else f"\nnp={np} keeps what RFC 9989 receivers apply today to names under {domain} "
            f"that do not exist, from the operator's record at _dmarc.{floor.at}."
        )
    if psd_n:
        fix += (
            f"\npsd=n makes RFC 9989 receivers take {domain} for the Organizational Domain, as "
            f"RFC 7489 receivers do; without it they take {policy.org_9989} (see DMARC-10)."
        )
    start = (
        " Start with p=none and reports, then move to quarantine/reject."
        if parse_dmarc(suggestion).policy("p") == "none"
        else ""
    ) + (" " + kept if kept else "")
    if null_mx:
        # Why the fix is p=reject (s38e): the reason, in the words MX-03 and BIMI-08 use.
        start = " " + null_mx_reject_reason(domain)
    out.add(
        "DMARC-01",
        Status.INFO,
        (
            operator
            or f"{domain} has no DMARC policy, so receivers do not know what to do with mail "
            "that fails SPF and DKIM, and you get no reports."
        )
        + held_words
        + start,
        subject=f"_dmarc.{domain}",
        evidence={"walk": walk_evidence, "views": policy.views()},
        fix=in_place_of_empty(fix, f"_dmarc.{domain}", held, "receivers"),
    )


def null_mx_reject_reason(domain: str) -> str:
    """Why p=reject suits `domain`, which publishes a null MX: one sentence for DMARC-01."""
    return (
        f"{domain} publishes a null MX, so it accepts no mail and should send none (RFC 7505), "
        "and a domain that sends no mail should tell receivers to reject mail claiming to be "
        "from it, which p=reject does (RFC 7489)."
    )


class NotFoundRecord(NamedTuple):
    record: str
    floor: OperatorsFloor | None  # the operator's policy the record keeps, if any
    psd_n: bool  # the record ends with psd=n


def not_found_record(
    domain: str, policy: DmarcPolicy, *, null_mx: bool = False, add_rua: bool = True
) -> NotFoundRecord:
    """The record DMARC-01 proposes for `domain`, which has no DMARC record of its own:
    p=reject at a null MX, else p=none with reports (none made up where `add_rua` is False);
    at least the policy RFC 9989 receivers apply from a public suffix operator's record now
    (s36p); psd=n for an Organizational Domain under a suffix RFC 9989 receivers take for it
    (s36e). BIMI-08 builds its record on this one (s36k): one record proposed per name."""
    if null_mx:
        suggestion = "v=DMARC1; p=reject"
    elif not add_rua:
        suggestion = "v=DMARC1; p=none"
    else:
        suggestion = f"v=DMARC1; p=none; rua=mailto:{example_address(domain)}"
    # RFC 9989 receivers apply an operator's enforcing record to the domain now: the record
    # keeps that (s36p: p=none in a record of the owner's, read first, loosened it).
    floor = (
        operators_floor(policy.record, policy.record_domain, policy.effective_9989)
        if _operators_policy(policy)
        else None
    )
    suggestion = keep_operators(domain, suggestion, floor)
    # An Organizational Domain under a public suffix RFC 9989 receivers take for it (DMARC-10):
    # psd=n in the record, which DMARC-10 would otherwise ask of it as another record (s36e).
    psd_n = domain == policy.org_7489 and suffix_takes_org(policy)
    if psd_n:
        suggestion += "; psd=n"
    return NotFoundRecord(suggestion, floor, psd_n)


def _operators_policy(policy: DmarcPolicy) -> str:
    """DMARC-01's first words for a domain whose only policy is a public suffix operator's
    record (from_operator): which record RFC 9989 receivers apply and what it gives the
    domain, that RFC 7489 receivers apply none, that the owner cannot change it, and where
    its reports go (to the operator, RFC 9989 §4.10.1's note). '' otherwise. RFC 7489 alone
    applies none, but RFC 9091 (PSD DMARC, experimental, which RFC 9989 obsoletes) extends it:
    its receivers ask the Public Suffix Domain when neither the domain nor its Organizational
    Domain has a record, for a suffix they accept for the experiment (§4.1 there), so the text
    says both (s35m: it said RFC 7489 receivers apply none, flatly)."""
    record, at = policy.record, policy.record_domain
    if not policy.from_operator or record is None or at is None:
        return ""
    domain = policy.domain
    addresses = list(
        dict.fromkeys(u.uri.removeprefix("mailto:") for u in record.uris("rua") if u.valid)
    )
    applied = policy.effective_9989
    applied = f"the policy {applied}" if applied else "no DMARC"
    reports = (
        f"the aggregate reports it asks for go to the operator ({series(addresses)}), not to "
        "you: you see neither who sends mail in your name nor which of your own messages "
        "fail DMARC"
        if addresses
        else "it asks for no reports, so you get none"
    )
    return (
        f"{domain} has no DMARC record of its own. RFC 9989 receivers apply instead the "
        f"record of the operator of the public suffix {at} (_dmarc.{at}: '{record.text}'), "
        f"which gives {domain} {applied}, and so do RFC 7489 receivers that take part in the "
        f"PSD DMARC experiment (RFC 9091) if they accept {at} for it; other RFC 7489 receivers "
        f"apply no DMARC (see DMARC-19). That record is not yours: its operator sets it for "
        f"every domain under {at} and may change it at any time, and {reports}. Publish "
        f"your own record at _dmarc.{domain}: receivers of both kinds read it first."
    )


def _meant_as_dmarc(answer: DnsAnswer) -> list[str]:
    """The DMARC records of a TXT answer where receivers never look (the domain itself, an
    owner name without its final dot, dmarc.<domain>): those with an exact 'v=DMARC1' first
    tag, else those meant as DMARC with the version written otherwise ('v=dmarc1', as
    DMARC-03 finds them at _dmarc.<domain>). The owner's record all the same: it is moved,
    not replaced by a new p=none one."""
    texts = answer.texts()
    # A 'v' tag reading DMARC1 in any case, not 'dmarc1' anywhere (looks_like_dmarc): the
    # domain's own TXT records are SPF and verification tokens, which may name a dmarc1 host.
    return [t for t in texts if parse_dmarc(t).is_dmarc] or [
        t for t in texts if _DMARC1_TAG.search(t)
    ]


_DMARC1_TAG = re.compile(r"(?:^|;)\s*v\s*=\s*dmarc1\s*(?:;|$)", re.IGNORECASE)


def _version_note(domain: str, record: str) -> str:
    """For a misplaced record whose version receivers do not accept (_meant_as_dmarc): that
    moving it is not enough. RFC 7489 §6.4 and RFC 9989 §4.7 read 'DMARC1' case-sensitively,
    and as the first tag."""
    if parse_dmarc(record).is_dmarc:
        return ""
    return (
        " It also does not start with exactly 'v=DMARC1' (upper case, first tag), so "
        f"receivers would ignore it at _dmarc.{domain} too (as DMARC-03 says of such a "
        "record): the record offered writes it so."
    )


def _moved_fix(domain: str, record: str) -> str:
    """DMARC-04's fix for the owner's record found where receivers never look (the domain
    itself, an owner name without its final dot, dmarc.<domain>): that record at
    _dmarc.<domain>. Receivers ignore it whole where it is, as they ignore a record DMARC-03
    fails, so it is offered as DMARC-03 offers one (suggested_record, every valid choice
    kept): moved verbatim, a bare report mailbox in it failed DMARC-12 at its new place."""
    parsed = parse_dmarc(record)
    if not parsed.is_dmarc:
        # Its version as receivers read it (_meant_as_dmarc): moved as written, it would be
        # ignored at _dmarc.<domain> too (DMARC-03).
        parsed = parse_dmarc(_repair_v(record))
    offered = suggested_record(domain, parsed, promote=KNOWN_TAGS)
    # Only spacing or a final ';' told apart: the owner's text, as they wrote it.
    as_written = "; ".join(p.strip(" \t") for p in record.split(";") if p.strip(" \t"))
    if offered == as_written:
        return txt_fix(f"_dmarc.{domain}", record)
    return (
        txt_fix(f"_dmarc.{domain}", offered)
        + "\n(The record as published, with what receivers would ignore in it written right "
        "or left out.)"
    )


async def _without_underscore(
    out: Collector, ctx: CheckContext, domain: str, walk_evidence: list[dict[str, Any]]
) -> bool:
    """DMARC-04 for a DMARC record published at dmarc.<domain>, the '_' of '_dmarc' left out
    (typed so, or stripped by a DNS panel): receivers look at _dmarc.<domain> alone (RFC 7489
    §6.1, RFC 9989 §4.5), so the owner's record is moved there, not replaced by a new p=none
    one. A record a wildcard gives (the same at a name beside it) is not the owner's, and a
    failed lookup claims nothing, as for the undotted names. True when reported."""
    from checks.spf import wildcard_probe_name  # at run time, as _alignment imports spf

    name = f"dmarc.{domain}"
    answer = await ctx.dns.query(name, "TXT")
    records = [] if answer.failed else _meant_as_dmarc(answer)
    if not records:
        return False
    probe = await ctx.dns.query(wildcard_probe_name(name), "TXT")
    if probe.failed or sorted(_meant_as_dmarc(probe)) == sorted(records):
        return False
    where = f"{name}. TXT"
    out.add(
        "DMARC-04",
        Status.FAIL,
        f"{domain} has no DMARC policy that receivers find: "
        + (
            f"the DMARC record '{records[0]}' sits at {name}"
            if len(records) == 1
            else f"{len(records)} DMARC records ({'; '.join(records)}) sit at {name}"
        )
        + f", without the underscore of '_dmarc'. Receivers look only at _dmarc.{domain}: "
        f"publish the record there and delete the one at {name}."
        + (
            " Publish one record there: receivers ignore every one of several."
            if records[1:]
            else _version_note(domain, records[0])
        ),
        subject=f"_dmarc.{domain}",
        evidence={"walk": walk_evidence, "found_at": name, "found": answer.evidence()},
        fix="\n".join(
            ([_moved_fix(domain, records[0])] if len(records) == 1 else [])
            + [
                f"Delete the record at {name}, where receivers never look: {where} {quote_txt(r)}"
                for r in records
            ]
        ),
    )
    return True


async def _advises_no_mail(ctx: CheckContext) -> NoMailAnswer | None:
    """mx.advises_no_mail: MX-01 offers the records of a domain that sends and receives no
    mail (DMARC p=reject among them), once per run and within MX-01's wait; None for a domain
    that sends, or whose port-25 answer did not come in time (the usual advice)."""
    from checks import mx  # here: in _not_found, `mx` is the MX answer

    return await mx.advises_no_mail(ctx)


async def publishes_null_mx(ctx: CheckContext, name: str) -> bool:
    """`name` publishes a null MX (the run's DNS cache answers the checked domain's MX)."""
    return is_null_mx(await ctx.dns.query(name, "MX"))


async def no_mailbox_reason(ctx: CheckContext, at: str) -> str:
    """Why a suggested record at _dmarc.<at> makes up no report mailbox at `at`
    (example_address), as DMARC-01, DMARC-06 and DMARC-12 decline to: `at` publishes a null MX,
    or it is the checked domain, it has no MX and its own address takes no mail (MX-01's
    reading, mx.no_mail_reading). Whether the domain sends does not matter here: a mailbox
    that cannot receive mail receives no report either way. '' when a mailbox there can
    receive reports."""
    from checks import mx

    if await publishes_null_mx(ctx, at):
        return f"{at} publishes a null MX (it accepts no mail)"
    if normalize(at) == normalize(ctx.domain):
        reading = await mx.no_mail_reading(ctx)
        answer = reading.takes_no_mail
        if answer is not None and reading.advice is not None:
            # MX-01 gives it the records of a domain that sends and receives no mail.
            return f"{at} looks like a domain that receives no mail (see MX-01: {answer.words})"
        if answer is not None:
            return (
                f"{at} has no MX record and its own address takes no mail (see MX-01: "
                f"{answer.words})"
            )
    return ""


# How a fix asks for a report address it cannot make up (BIMI-08 words it the same).
OTHER_MAILBOX = "rua=mailto:<a mailbox at a domain that receives mail>"


async def _tags(
    out: Collector,
    ctx: CheckContext,
    at: str,
    parsed: ParsedDmarc,
    policy: DmarcPolicy,
    evidence: dict[str, Any],
    repairs: RecordRepairs,
) -> None:
    subject = f"_dmarc.{at}"
    name = f"_dmarc.{at}"
    p = parsed.policy("p")
    # RFC 7489 §6.6.3 step 6 / RFC 9989 §4.10.1 count any syntactically valid URI here, an
    # https: one included, not only the mailto: addresses reports are actually sent to.
    valid_rua = [u for u in parsed.uris("rua") if u.syntactic]

    bad_sub = [tag for tag in ("sp", "np") if parsed.invalid_policy(tag)]

    # DMARC-05: p present, valid, second.
    if parsed.invalid_policy("p"):
        consequence = (
            "treat the record as p=none because it has a syntactically valid report URI (rua)"
            if valid_rua
            else "ignore the whole record because it has no syntactically valid report URI (rua)"
        )
        consequence = f"{_readers(parsed, 'p')} {consequence}"
        # The owner's own policy when only stray quotes spoil it, else quarantine.
        suggestion = suggested_record(at, parsed, intended_policy(parsed, "p") or "quarantine")
        repairs.offer(
            out.add(
                "DMARC-05",
                Status.FAIL,
                f"p={parsed.tags['p']} is not a valid policy (none, quarantine or reject); "
                f"{consequence}."
                + _pasted_value_note(parsed, "p")
                + _glued_note(parsed, "p", suggestion),
                subject=subject,
                evidence=evidence,
                fix=txt_fix(name, suggestion),
            ),
            at,
            parsed,
            p=intended_policy(parsed, "p") or "quarantine",
        )
    elif "p" not in parsed.tags:
        # 'p:reject' (DMARC-17 says how to write it) is no policy to receivers, but the fix
        # publishes the policy the owner chose rather than p=none (suggested_record).
        if "p" in parsed.pasted:
            typed = (
                f" receivers can read: the record's 'p={parsed.written('p')}' holds "
                f"{parsed.pasted['p']} (see DMARC-17), so RFC 9989 receivers treat the record "
                "as p=none"
            )
        elif "p" in parsed.mistyped:
            typed = (
                f": the record's '{parsed.mistyped['p']}' is not read as a policy (a tag and "
                "its value are joined by '='), so RFC 9989 receivers treat the record as p=none"
            )
        else:
            typed = ": RFC 9989 receivers treat that as p=none"
        repairs.offer(
            out.add(
                "DMARC-05",
                Status.WARN,
                f"The record has no p= tag{typed}, and RFC 7489 receivers "
                + ("do the same because rua is valid." if valid_rua else "ignore it."),
                subject=subject,
                evidence=evidence,
                fix=txt_fix(name, suggested_record(at, parsed)),
            ),
            at,
            parsed,
        )
    elif parsed.order[:2] != ["v", "p"]:
        repairs.offer(
            out.add(
                "DMARC-05",
                Status.WARN,
                "p= is not the second tag; RFC 7489 requires 'v=DMARC1; p=...' in that order and "
                "some older receivers reject the record otherwise.",
                subject=subject,
                evidence=evidence,
                fix=txt_fix(name, suggested_record(at, parsed)),
            ),
            at,
            parsed,
        )
    elif not bad_sub:
        out.add("DMARC-05", Status.PASS, _policy_pass(parsed, at, policy, p), subject=subject)
    # RFC 7489 §6.6.3 step 6 / RFC 9989 §4.10.1: an invalid sp or np spoils the whole record,
    # the author domain's own policy included (DMARC-07 names the bad value itself).
    for tag in bad_sub:
        readers = _readers(parsed, tag)
        suggestion = suggested_record(at, parsed)
        consequence = (
            "act as if the record were p=none, because it has a syntactically valid report "
            "URI (rua)"
            if valid_rua
            else "apply no DMARC at all, because it has no syntactically valid report URI (rua)"
        )
        repairs.offer(
            out.add(
                "DMARC-05",
                Status.FAIL,
                f"{tag}={parsed.tags[tag]} is not a valid policy, so {readers} "
                f"{consequence}"
                + (" (RFC 7489 receivers ignore np)." if tag == "np" else ".")
                + _left_out_note(suggestion, tag, at)
                + _glued_note(parsed, tag, suggestion),
                subject=subject,
                evidence=evidence,
                fix=txt_fix(name, suggestion),
            ),
            at,
            parsed,
        )

    # DMARC-06: monitoring only, judged on the policy that applies to the checked domain: an
    # inherited record gives it sp= (RFC 7489 §6.3, §6.6.3), so p=none; sp=reject protects it.
    # A domain MX-01 offers the no-mail records to (mx.advises_no_mail) gets no report mailbox
    # made up at it, where no report can arrive; nor does any owner of the records DMARC-06 may
    # rewrite that takes no mail (no_mailbox_reason: a null MX, as DMARC-01, or the checked
    # domain's own address refusing it). Asked only when a mailbox would be made up.
    no_mail = None
    no_mailbox: dict[str, str] = {}
    null_mx: set[str] = set()
    if not parsed.valid_rua():
        no_mail = await _advises_no_mail(ctx)
        owners = {d for d in (policy.record_domain, policy.legacy_domain) if d is not None}
        for owner in owners:
            if why := await no_mailbox_reason(ctx, owner):
                no_mailbox[owner] = why
            if await publishes_null_mx(ctx, owner):
                null_mx.add(owner)
    from checks import mx as mx_module  # at run time, so the modules cannot import-cycle

    # The report domains that take no mail (a null MX: DMARC-12 says reports there cannot be
    # delivered): DMARC-06 does not rest its advice on reports that cannot arrive (s47e).
    dead_hosts: set[str] = set()
    for read in (policy.record, policy.legacy_record):
        if read is not None and read.valid_rua():
            dead_hosts.update(await _null_mx_hosts(ctx, read))
    _monitoring(
        out,
        policy,
        repairs,
        views_evidence=evidence["views"],
        no_mail=no_mail,
        null_mx=frozenset(null_mx),
        no_mailbox=no_mailbox,
        # The checked domain's own null MX, for a record it inherits (s38e; _monitoring reads
        # it only then): its own record's null MX is `null_mx`'s. The run's DNS cache answers.
        inherits_at_null_mx=await publishes_null_mx(ctx, policy.domain),
        sends_nothing=await publishes_null_mx(ctx, policy.domain)
        and not (await mx_module.sending_signs(ctx))[0],
        dead_hosts=frozenset(dead_hosts),
    )

    # DMARC-07: sp and np. sp on a record below the organisational domain is ignored by
    # receivers of both RFCs (RFC 7489 §6.3, RFC 9989 §4.7; checklist DMARC-07). np exists only
    # in RFC 9989, which applies it from the Organizational Domain's record or a PSD's and
    # ignores it on any other (§4.7, §4.10.1): a name below a subdomain's own record takes the
    # Organizational Domain's record, never this one (s22m-subsp).
    below_org = at != policy.org_7489 and at != policy.org_9989
    np_ignored = at != policy.org_9989 and parsed.tags.get("psd", "").strip().lower() != "y"
    ignored = [
        tag
        for tag, unused in (("sp", below_org), ("np", np_ignored))
        if unused and tag in parsed.tags and parsed.policy(tag) is not None
    ]
    for tag, meaning in (("sp", "subdomains"), ("np", "non-existent subdomains")):
        if tag not in parsed.tags:
            continue
        if parsed.invalid_policy(tag):
            suggestion = suggested_record(at, parsed)
            repairs.offer(
                out.add(
                    "DMARC-07",
                    Status.FAIL,
                    f"{tag}={parsed.tags[tag]} is not a valid policy (none, quarantine or reject)."
                    + _left_out_note(suggestion, tag, at)
                    + _glued_note(parsed, tag, suggestion),
                    subject=subject,
                    evidence=evidence,
                    fix=txt_fix(name, suggestion),
                ),
                at,
                parsed,
            )
        elif tag in ignored:
            continue  # ignored here: the info below says so
        elif parsed.policy(tag) == "none" and p in ("quarantine", "reject"):
            repairs.offer(
                out.add(
                    "DMARC-07",
                    Status.WARN,
                    f"{tag}=none leaves {meaning} of {at} unprotected although {at} itself uses "
                    f"p={p}; anyone can send as them.",
                    subject=subject,
                    evidence=evidence,
                    # Only this tag: the other of sp and np is the owner's, with its own warning.
                    fix=txt_fix(name, suggested_record(at, parsed, raised=(tag,))),
                ),
                at,
                parsed,
                # Protecting subdomains is the owner's policy to set: this fix's alone.
                choice={"raised": (tag,)},
            )
    if "sp" in ignored:
        # Not "below the organisational domain, where receivers ignore sp": that domain's sp
        # is the one that applies below this record (s47e). Say what applies where.
        org = (
            f"_dmarc.{policy.org_7489}"
            if policy.org_7489 == policy.org_9989
            else f"_dmarc.{policy.org_7489} at RFC 7489 receivers, _dmarc.{policy.org_9989} at "
            "RFC 9989 receivers"
        )
        orgs = series(list(dict.fromkeys([policy.org_7489, policy.org_9989])))
        # RFC 9989 §4.10.1: a From domain that does not exist gets the Organizational
        # Domain's np= (falling back to sp=, then p=, §4.7); RFC 7489 has no np (s47r2).
        parent = policy.lookups.get(policy.org_9989)
        parent_np = (
            parse_dmarc(parent.record).policy("np")
            if parent is not None and parent.record
            else None
        )
        np_words = (
            f"; for names that do not exist, its np={parent_np} at RFC 9989 receivers"
            if parent_np
            else ""
        )
        itself = (
            f"Mail from {at} itself gets this record's p={parsed.policy('p') or 'none'}; "
            if parsed.policy("p") or "p" not in parsed.tags
            else ""
        )
        out.add(
            "DMARC-07",
            Status.INFO,
            "sp= has no effect here: receivers ignore sp on a record below the organisational "
            f"domain, {orgs} (RFC 7489 §6.3, RFC 9989 §4.7). {itself}"
            f"{'names' if itself else 'Names'} below {at} without a record of their own get "
            f"the policy of {org} (its sp=, or its p= without one{np_words}), never this "
            "record's (RFC "
            "7489 §6.6.3, RFC 9989 §4.10.1).",
            subject=subject,
        )
    elif (
        at == policy.domain
        and at == policy.org_9989
        and at != policy.org_7489
        and parsed.policy("sp") is not None
    ):
        # The tree walk makes this name the Organizational Domain, so its sp= applies below
        # it at RFC 9989 receivers (§4.10.1); RFC 7489 receivers go to the registered domain
        # (PSL, §3.2, §6.6.3) and never read this record for those names (s47e).
        out.add(
            "DMARC-07",
            Status.INFO,
            await _sp_for_9989_only(ctx, policy, at, parsed),
            subject=subject,
        )
    if "np" in ignored:
        out.add(
            "DMARC-07",
            Status.INFO,
            f"np= has no effect here: RFC 9989 receivers apply np only from the organisational "
            f"domain's record (_dmarc.{policy.org_9989}) or a public suffix domain's, so "
            f"non-existent names below {at} get that record's policy (RFC 9989 §4.7, §4.10.1); "
            "RFC 7489 receivers do not know np.",
            subject=subject,
        )

    # DMARC-08: pct (historic in RFC 9989).
    if "pct" in parsed.tags:
        pct = parsed.pct
        if pct is None or pct > 100:
            repairs.offer(
                out.add(
                    "DMARC-08",
                    Status.FAIL,
                    _bad_pct_text(parsed.tags["pct"], parsed)
                    + _glued_note(parsed, "pct", suggested_record(at, parsed, drop=("pct",))),
                    subject=subject,
                    evidence=evidence,
                    fix=txt_fix(name, suggested_record(at, parsed, drop=("pct",))),
                ),
                at,
                parsed,
                drop=("pct",),
            )
        elif pct != 100:
            repairs.offer(
                out.add(
                    "DMARC-08",
                    Status.WARN,
                    f"pct={pct}: RFC 7489 receivers apply the policy to only {pct}% of failing mail "
                    "(the rest gets the next weaker policy), while RFC 9989 receivers ignore pct and "
                    + (
                        # Under t=y they step the policy down for all of it (RFC 9989 §4.7).
                        "apply the next weaker policy to all of it, the record being in test "
                        "mode (DMARC-09)"
                        if parsed.testing
                        and any(_policy_now(parsed, tag) != "none" for tag in ("p", "sp", "np"))
                        else "apply it to all"
                    )
                    + _remove_pct_words(at, parsed),
                    subject=subject,
                    evidence=evidence,
                    fix=txt_fix(name, suggested_record(at, parsed, drop=("pct",))),
                ),
                at,
                parsed,
                drop=("pct",),
            )
        else:
            out.add(
                "DMARC-08",
                Status.INFO,
                "pct=100 is the default and RFC 9989 removed the tag; it can be deleted.",
                subject=subject,
            )

    # DMARC-09: t (testing).
    if "t" in parsed.tags:
        t = parsed.tags["t"].strip().lower()
        if t == "y":
            # t=y lowers each enforcing policy one step (RFC 9989 §4.7); none has no step below,
            # so "apply p=none instead of p=none" would tell the owner nothing.
            step = {"reject": "quarantine", "quarantine": "none"}
            lowered = [
                f"{tag}={value} becomes {step[value]}"
                for tag in ("p", "sp", "np")
                if (value := parsed.policy(tag)) in step
            ]
            message = (
                "t=y (testing) asks RFC 9989 receivers to apply a weaker policy than written ("
                + ", ".join(lowered)
                + "); remove t=y for full enforcement."
                if lowered
                else "t=y (testing) changes nothing while the policy is none, but it would "
                "silently weaken quarantine or reject once you move there; remove it."
            )
            repairs.offer(
                out.add(
                    "DMARC-09",
                    Status.WARN,
                    message,
                    subject=subject,
                    evidence=evidence,
                    fix=txt_fix(name, suggested_record(at, parsed, drop=("t",))),
                ),
                at,
                parsed,
                drop=("t",),
            )
        elif t != "n":
            repairs.offer(
                out.add(
                    "DMARC-09",
                    Status.WARN,
                    f"t={parsed.tags['t']} is not valid (use y or n); receivers use the default n.",
                    subject=subject,
                    # Without t, what receivers apply now: writing t=y would lower it unseen.
                    fix=txt_fix(name, suggested_record(at, parsed)),
                ),
                at,
                parsed,
            )

    # DMARC-10: psd.
    if "psd" in parsed.tags:
        psd = parsed.tags["psd"].strip().lower()
        registrable = not is_public_suffix(at, ctx.config.extra_public_suffixes)
        if psd == "y" and registrable:
            repairs.offer(
                out.add(
                    "DMARC-10",
                    Status.WARN,
                    f"psd=y declares {at} a public suffix (like a TLD); every subdomain then counts "
                    "as a separate organisation and relaxed alignment between them breaks. Remove "
                    "psd=y unless you operate a public suffix.",
                    subject=subject,
                    evidence=evidence,
                    # The other fixes keep psd=y (the owner's choice): removing it is this one's.
                    fix=txt_fix(name, suggested_record(at, parsed, drop=("psd",))),
                ),
                at,
                parsed,
                # It moves the Organizational Domain of every name below: this fix's alone.
                choice={"drop": ("psd",)},
            )
        elif psd == "n":
            out.add(
                "DMARC-10",
                Status.INFO,
                f"psd=n marks {at} as an organisational domain, so RFC 9989 receivers stop "
                "their tree walk here.",
                subject=subject,
            )
        elif psd not in ("y", "u"):
            repairs.offer(
                out.add(
                    "DMARC-10",
                    Status.WARN,
                    f"psd={parsed.tags['psd']} is not valid (use y, n or u).",
                    subject=subject,
                    # Without psd, as receivers read the record now (an invalid value is ignored).
                    fix=txt_fix(name, suggested_record(at, parsed)),
                ),
                at,
                parsed,
            )

    # DMARC-11: rf / ri.
    for tag in ("rf", "ri"):
        if tag in parsed.tags:
            out.add("DMARC-11", Status.INFO, _historic(tag, parsed.tags[tag]), subject=subject)

    # DMARC-12 / DMARC-13: report addresses.
    await _reporting(out, ctx, at, parsed, evidence, repairs)

    # DMARC-14 / DMARC-15: fo and ruf.
    if "fo" in parsed.tags:
        values, resplit = _fo_options(parsed.tags["fo"])
        bad = [v for v in values if v not in _FO_OPTIONS]
        if resplit:
            # 'fo=1,d': the options are plain, only the separator is not (RFC 7489 §6.3); a
            # receiver reads no option in a piece joined so, and with none read it takes the
            # default (§6.6.3), so the choice is lost.
            by = "','" if "," in parsed.tags["fo"] else "blanks"
            kept = ":".join(_fo_kept(parsed.tags["fo"]))
            read, unread = _fo_read(parsed.tags["fo"])
            if read:
                # 'fo=1:d,s': the option before ':' is read (as in fo=1:x), the piece is not.
                text = (
                    f"fo={parsed.tags['fo']} separates {series(unread)} with {by}, where DMARC "
                    f"uses ':', so receivers read fo={':'.join(read)} only: write fo={kept}."
                )
            else:
                text = (
                    f"fo={parsed.tags['fo']} separates its options with {by}, where DMARC uses "
                    f"':', so receivers read no option in it and use the default, fo=0: write "
                    f"fo={kept}."
                )
            if bad:
                text += f" Not an option in any spelling: {', '.join(bad)}."
        else:
            text = (
                f"fo={parsed.tags['fo']} contains invalid options ({', '.join(bad)}); valid are "
                "0, 1, d and s separated by ':'."
            )
        if bad or resplit:
            repairs.offer(
                out.add(
                    "DMARC-14",
                    Status.WARN,
                    text,
                    subject=subject,
                    # The valid options kept (suggested_record), as receivers read them now.
                    fix=txt_fix(name, suggested_record(at, parsed)),
                ),
                at,
                parsed,
            )
        elif "0" in values and "1" in values:
            repairs.offer(
                out.add(
                    "DMARC-14",
                    Status.WARN,
                    "fo=0 and fo=1 contradict each other (RFC 9989 makes them mutually exclusive); "
                    "keep one.",
                    subject=subject,
                    # fo=1: what fo=0:1 asks of RFC 7489 receivers (suggested_record).
                    fix=txt_fix(name, suggested_record(at, parsed)),
                ),
                at,
                parsed,
            )
        if "ruf" not in parsed.tags:
            out.add(
                "DMARC-14",
                Status.INFO,
                # The value as written, as DMARC-08 and DMARC-11 name theirs.
                f"fo={parsed.tags['fo']} has no effect without a ruf= address for failure "
                "reports; it can be deleted.",
                subject=subject,
            )
    if "ruf" in parsed.tags:
        out.add(
            "DMARC-15",
            Status.INFO,
            "ruf= asks for failure reports, which can contain message content; most large "
            "receivers never send them.",
            subject=subject,
        )

    # DMARC-16: alignment modes.
    for tag in ("adkim", "aspf"):
        if tag in parsed.tags:
            value = parsed.tags[tag].strip().lower()
            if value not in ("r", "s"):
                # What the fix does with it, said (suggested_record): a mode named in words is
                # written as its letter; any other value ('1', 'yes') names no mode plainly, so
                # the tag is left out, which is what receivers read now (the default, relaxed).
                meant = _ALIGNMENT_WORDS.get(value)
                suggestion = suggested_record(at, parsed)
                done = (
                    _glued_note(parsed, tag, suggestion)
                    if tag in parsed.glued_after
                    else f" The record suggested writes {tag}={meant}, the {value} mode you named."
                    if meant
                    else f" Receivers ignore the value and align relaxed, the default, so the "
                    f"record suggested leaves the tag out, which changes nothing for them; "
                    f"write {tag}=s instead if you meant strict alignment."
                )
                repairs.offer(
                    out.add(
                        "DMARC-16",
                        Status.FAIL,
                        f"{tag}={parsed.tags[tag]} is not valid: the alignment mode is r "
                        f"(relaxed) or s (strict) (RFC 7489 §6.3).{done}",
                        subject=subject,
                        evidence=evidence,
                        fix=txt_fix(name, suggested_record(at, parsed)),
                    ),
                    at,
                    parsed,
                )
            else:
                out.add(
                    "DMARC-16",
                    Status.PASS,
                    f"{tag}={value} is a valid alignment mode.",
                    subject=subject,
                )

    # DMARC-17: syntax leftovers.
    for problem in parsed.problems:
        fix = ""
        message = problem.message
        promote: dict[str, Any] = {}
        if problem.repeated:
            fix = txt_fix(name, suggested_record(at, parsed))
        elif problem.mistyped and problem.mistyped not in parsed.tags:
            # 'sp:none': the record with it written 'sp=none', as the text says; when that
            # lowers what receivers apply now, the text says so too (_lowers_protection), and
            # it stays this fix's choice (RecordRepairs).
            tag = problem.mistyped
            message += _promotion_note(parsed, tag)
            promote = {"promote": (tag,)}
            fix = txt_fix(name, suggested_record(at, parsed, promote=(tag,)))
        elif problem.unknown:
            # Receivers MUST ignore it (RFC 7489 §6.3): it does nothing for them, so the clean
            # record is the one without it. Removing it is this finding's choice: other fixes
            # keep it as written (a vendor's tool may read it; RecordRepairs).
            message += " It does nothing, so it can go: the record below leaves it out."
            promote = {"drop": (problem.unknown,)}
            fix = txt_fix(name, suggested_record(at, parsed, drop=(problem.unknown,)))
        finding = out.add(
            problem.check_id,
            problem.status,
            message,
            subject=subject,
            evidence={"record": parsed.text}
            | ({"unknown_tag": problem.unknown} if problem.unknown else {}),
            fix=fix,
        )
        if fix:
            repairs.offer(finding, at, parsed, choice=promote)


def _historic(tag: str, value: str) -> str:
    """DMARC-11's words for rf or ri: RFC 9989 removed both (§9.3, App. C.5.2); RFC 7489
    receivers read ri as a best-effort request for a report interval in seconds (§6.3), and
    know one rf format, afrf, the default."""
    written = f"{tag}={value}"
    value = value.strip()
    if tag == "ri":
        if not (value.isascii() and value.isdigit()):
            return (
                f"{written} is not a number of seconds, so RFC 7489 receivers ignore it, and "
                "RFC 9989 removed ri: it can be deleted."
            )
        if int(value) == 86400:
            return f"{written} is the default (a report a day) and RFC 9989 removed ri: it can be deleted."
        return (
            f"{written} is historic: RFC 9989 removed it. RFC 7489 receivers may take it as a "
            f"request for a report every {int(value)} seconds, on a best-effort basis (most "
            "send one a day)."
        )
    return (
        f"{written} is historic: RFC 9989 removed it, and RFC 7489 receivers know only afrf, "
        "the default: it can be deleted."
    )


def _readers(parsed: ParsedDmarc, tag: str) -> str:
    """The receivers an invalid policy value reaches: all of them, or, when the tag is given
    more than once with valid values too (ParsedDmarc.meant), those that read an invalid one."""
    readers = "RFC 9989 receivers" if tag == "np" else "receivers"
    if tag in parsed.meant:
        values = dict.fromkeys(v.strip().lower() for v in parsed.repeats[tag])
        valid = [v for v in values if v in POLICIES]
        one = "it" if len(values) - len(valid) == 1 else "an invalid one"
        readers += f" that read {one} rather than " + " or ".join(f"{tag}={v}" for v in valid)
    return readers


def _authorises(answer: DnsAnswer) -> bool:
    """RFC 7489 §7.1 step 5 (RFC 9990 §3): a report authorisation record is parsed like a
    policy record and must start with the v=DMARC1 tag; a text prefix test would take
    "v=DMARC10" and refuse "V=DMARC1" or "v = DMARC1"."""
    return any(parse_dmarc(text).is_dmarc for text in answer.texts())


def _not_authorised(uri: str, host: str, auth_name: str, texts: list[str]) -> str:
    """DMARC-13's summary where `host` does not authorise the reports to `uri`: nothing at
    `auth_name`, or what is there (s41a: 'v=dmarc1' was called not published, which the
    owner, looking, finds published)."""
    head = f"Reports go to {uri}, outside your domain, but {host}"
    tail = "so receivers will not send the reports. Ask the operator of"
    if not texts:
        return (
            f"{head} has not published the authorisation record {auth_name}, {tail} {host} "
            "to publish it."
        )
    # The version's value is case-sensitive (RFC 7489 §6.3): only its capitals are wrong.
    case = any(
        parse_dmarc(re.sub("dmarc1", "DMARC1", text, count=1, flags=re.IGNORECASE)).is_dmarc
        for text in texts
    )
    # Which record the one below replaces: "in its place" beside an unrelated TXT record (a
    # site verification) could be read as that one, which is for something else (s41m).
    meant = [text for text in texts if re.match(r"[ \t]*v[ \t]*=[ \t]*dmarc", text, re.I)]
    if not meant:
        where = f"beside {'it' if len(texts) == 1 else 'them'}"
    elif len(meant) == len(texts) == 1:
        where = "in its place"
    else:
        where = "in place of " + series([f"'{text}'" for text in meant])
    return (
        f"{head} has not authorised them: at {auth_name} it publishes "
        + series([f"'{text}'" for text in texts])
        + ", not a record that begins with v=DMARC1"
        + (", in capitals as the value is case-sensitive" if case else "")
        + f", {tail} {host} to publish the record below {where}."
    )


async def _null_mx_hosts(ctx: CheckContext, parsed: ParsedDmarc) -> dict[str, DnsAnswer]:
    """The mail domains of the record's report addresses that publish a null MX (RFC 7505:
    'MX 0 .' alone, the domain accepts no mail), with their MX answer. One MX lookup per
    domain; a failed lookup finds nothing (it says nothing about deliverability)."""
    hosts = list(
        dict.fromkeys(
            u.host
            for tag in ("rua", "ruf")
            if tag in parsed.tags
            for u in parsed.uris(tag)
            if u.valid and u.host
        )
    )
    answers = await asyncio.gather(*(ctx.dns.query(h, "MX") for h in hosts))
    return {host: answer for host, answer in zip(hosts, answers, strict=True) if is_null_mx(answer)}


def _null_mx_address(
    out: Collector, subject: str, parsed: ParsedDmarc, tag: str, uri: ReportUri, mx: DnsAnswer
) -> None:
    """DMARC-12 warn for a report address at a domain with a null MX, in TLSRPT-10's words:
    receivers send the reports, and the mail is refused (RFC 7505 §3), so none arrive."""
    kind = "aggregate" if tag == "rua" else "failure"
    others = [u.uri for u in parsed.uris(tag) if u.valid and u.host != uri.host]
    out.add(
        "DMARC-12",
        Status.WARN,
        f"{kind.capitalize()} reports to {uri.uri} cannot be delivered: {uri.host} declares "
        "it accepts no mail (null MX)."
        + (
            f" Reports still go to {', '.join(others)}."
            if others
            else f" No {kind} reports reach you."
        ),
        subject=subject,
        evidence={"uri": uri.uri, "mx": mx.evidence()},
        fix=f"Change the address to a mailbox at a domain that receives mail, or, if "
        f"{uri.host} should receive mail, replace its null MX with MX records naming its mail "
        "servers.",
    )


async def _reporting(
    out: Collector,
    ctx: CheckContext,
    at: str,
    parsed: ParsedDmarc,
    evidence: dict[str, Any],
    repairs: RecordRepairs,
) -> None:
    """DMARC-12 / DMARC-13."""
    subject = f"_dmarc.{at}"
    suffixes = ctx.config.extra_public_suffixes
    invent_rua = True
    if "rua" in parsed.tags and not parsed.valid_rua():
        # No report mailbox is made up where it cannot receive (no_mailbox_reason: a null
        # MX, or the checked domain's own address taking no mail), as DMARC-01 declines to.
        invent_rua = not await no_mailbox_reason(ctx, at)
    policy_org = organizational_domain(at, suffixes)
    external: dict[str, ReportUri] = {}
    for tag in ("rua", "ruf"):
        if tag not in parsed.tags:
            continue
        uris = parsed.uris(tag)
        valid = [u for u in uris if u.valid]
        # Checklist DMARC-12: fail only when rua has no valid URI (no aggregate reports at all);
        # otherwise, and for ruf, each unusable address is a warning.
        if not valid and tag == "rua":
            repairs.offer(
                out.add(
                    "DMARC-12",
                    Status.FAIL,
                    f"{tag}={parsed.tags[tag]} contains no usable report address, so no reports are "
                    + (
                        "sent."
                        + _glued_note(parsed, tag, suggested_record(at, parsed, add_rua=invent_rua))
                        if tag in parsed.glued_after
                        else "sent: " + "; ".join(u.problem for u in uris) + "."
                        if all(u.quoted or u.fused or u.stray_at or u.non_ascii for u in uris)
                        else "sent. Use 'mailto:' followed by an address."
                    ),
                    subject=subject,
                    evidence=evidence,
                    fix=txt_fix(f"_dmarc.{at}", suggested_record(at, parsed, add_rua=invent_rua)),
                ),
                at,
                parsed,
                add_rua=invent_rua,
            )
        else:
            for uri in uris:
                if not uri.valid:
                    repairs.offer(
                        out.add(
                            "DMARC-12",
                            Status.WARN,
                            f"A {tag} address is unusable and will be ignored: {uri.problem}.",
                            subject=subject,
                            evidence=evidence,
                            fix=txt_fix(f"_dmarc.{at}", suggested_record(at, parsed)),
                        ),
                        at,
                        parsed,
                    )
        for stray in parsed.strays.get(tag, []):
            repairs.offer(
                out.add(
                    "DMARC-12",
                    Status.WARN,
                    f"'{stray}' is not one of the {tag} addresses: the ';' before it ends the {tag} "
                    "tag, so receivers read it as a separate element, ignore it and send no "
                    f"reports there. List every address in the one {tag} tag, separated by commas.",
                    subject=subject,
                    evidence=evidence,
                    fix=txt_fix(f"_dmarc.{at}", suggested_record(at, parsed)),
                ),
                at,
                parsed,
            )
        for uri in uris:
            if uri.size:
                out.add(
                    "DMARC-12",
                    Status.INFO,
                    f"'{uri.text}' uses the obsolete '!{uri.size}' size limit, which RFC 9989 "
                    "receivers ignore.",
                    subject=subject,
                )
        for uri in valid:
            if organizational_domain(uri.host, suffixes) != policy_org:
                external.setdefault(uri.host, uri)
    refused = await _null_mx_hosts(ctx, parsed)
    for tag in ("rua", "ruf"):
        for uri in parsed.uris(tag) if tag in parsed.tags else []:
            if uri.valid and uri.host in refused:
                _null_mx_address(out, subject, parsed, tag, uri, refused[uri.host])
    if (
        "rua" in parsed.tags
        and any(u.valid for u in parsed.uris("rua"))
        and not any(not u.valid for u in parsed.uris("rua"))
        and not parsed.strays.get("rua")
        and not any(u.host in refused for u in parsed.uris("rua"))
    ):
        out.add("DMARC-12", Status.PASS, "The aggregate report address is valid.", subject=subject)

    if not external:
        return
    hosts = list(external)
    names = [f"{at}._report._dmarc.{host}" for host in hosts]
    answers = list(await asyncio.gather(*(ctx.dns.query(n, "TXT") for n in names)))
    # DNS wildcards synthesise *._report._dmarc.<host> for us; asking for the wildcard owner
    # itself as well covers resolvers and zone setups that do not.
    for index, answer in enumerate(answers):
        if answer.empty:
            wildcard = await ctx.dns.query(f"*._report._dmarc.{hosts[index]}", "TXT")
            if _authorises(wildcard):
                answers[index] = wildcard
    for host, auth_name, answer in zip(hosts, names, answers, strict=True):
        uri = external[host]
        if answer.failed:
            out.add(
                "DMARC-13",
                Status.ERROR,
                f"Could not check whether {host} accepts DMARC reports for {at} "
                f"({answer.describe_failure()}).",
                subject=auth_name,
                evidence={"dns": answer.evidence()},
            )
        elif _authorises(answer):
            out.add(
                "DMARC-13",
                Status.PASS,
                f"{host} has authorised receiving DMARC reports for {at}.",
                subject=auth_name,
                evidence={"dns": answer.evidence()},
            )
        else:
            out.add(
                "DMARC-13",
                Status.FAIL,
                _not_authorised(uri.uri, host, auth_name, answer.texts()),
                subject=auth_name,
                evidence={"dns": answer.evidence(), "uri": uri.uri},
                fix=txt_fix(auth_name, "v=DMARC1"),
            )


def _comparable(policy: DmarcPolicy) -> tuple[str | None, str | None]:
    """(RFC 7489, RFC 9989) policies for the checked domain, as DMARC-06 and -19 compare them.

    t=y is reported by DMARC-09 and pct by DMARC-08; leaving t out here means one cause gives
    one finding. pct stays in the RFC 7489 value ("reject for 25% ..."), which is not "none".
    """
    bis = (
        _policy_for(
            policy.record,
            policy.record_domain == policy.domain,
            legacy=False,
            honour_testing=False,
            exists=policy.author_exists,
        )
        if policy.record is not None
        else None
    )
    return policy.effective_7489, bis


def _policy_pass(parsed: ParsedDmarc, at: str, policy: DmarcPolicy, p: str | None) -> str:
    """DMARC-05's pass: the record's p, and, for a record the checked domain inherits from
    `at`, the tag it gets (s39a: 'The policy is p=reject.' stood beside DMARC-19's quarantine
    for a subdomain under 'p=reject; sp=quarantine')."""
    domain = policy.domain
    if at == domain:
        return f"The policy is p={p}."
    tag, value = _chosen(parsed, False, policy.author_exists)
    where = f"{domain}, a subdomain of {at},"
    if tag == "p":
        return f"The record's policy is p={p}, which {where} gets too (the record has no sp=)."
    return f"The record's policy is p={p}; {where} gets its {tag}={value}."


def _chosen(parsed: ParsedDmarc, at_author: bool, exists: bool = True) -> tuple[str, str | None]:
    """The tag that gives an author domain its policy and its value, as the record wrote it.

    A missing p is p=none (RFC 9989 §4.7); an invalid value is None: such a record is acted on
    as p=none or ignored because it is broken, which DMARC-05 reports, not a choice to monitor.
    `exists` False (an NXDOMAIN subdomain, RFC 9989 view only): np comes first.
    """
    subdomain = not at_author
    if subdomain and not exists and "np" in parsed.tags:
        return "np", parsed.policy("np")
    tag = "sp" if subdomain and "sp" in parsed.tags else "p"
    if tag == "p" and "p" not in parsed.tags:
        return tag, "none"
    return tag, parsed.policy(tag)


def _lost_policy(parsed: ParsedDmarc) -> tuple[str, str] | None:
    """The enforcing p the owner wrote that receivers do not read, and why: a character pasted
    with the tag ('\u00a0p=reject') or the tag written with ':' ('p:reject'). None when the
    record's p is read as written, or is invalid (DMARC-05 says what receivers then do)."""
    meant = intended_policy(parsed, "p")
    if meant not in ("quarantine", "reject"):
        return None
    if "p" in parsed.pasted:
        why = (
            f"its 'p={parsed.written('p')}' holds {parsed.pasted['p']}, so receivers do not "
            "read it as the p tag (see DMARC-17)"
        )
    elif "p" not in parsed.tags and "p" in parsed.mistyped:
        why = (
            f"its '{parsed.mistyped['p']}' joins the tag and its value with ':', so receivers "
            "do not read it as the p tag (see DMARC-17)"
        )
    else:
        return None
    return meant, why


def _monitoring(
    out: Collector,
    policy: DmarcPolicy,
    repairs: RecordRepairs,
    *,
    views_evidence: dict[str, Any],
    no_mail: NoMailAnswer | None = None,
    null_mx: frozenset[str] = frozenset(),
    no_mailbox: Mapping[str, str] | None = None,
    inherits_at_null_mx: bool = False,
    sends_nothing: bool = False,
    dead_hosts: frozenset[str] = frozenset(),
) -> None:
    """DMARC-06 for the policy the checked domain gets, in each view that found a record.
    With `sends_nothing` (the checked domain publishes a null MX and nothing shows it sends:
    mx.sending_signs), its own record with reports is raised to p=reject at once: there is no
    mail of its own for the reports to vet first (RFC 7505 §4.2, M3AAWG parked domains).
    With `inherits_at_null_mx` (the checked domain publishes a null MX), a record it gets from
    another name names the record of its own, p=reject, that suits a domain sending no mail: the
    inherited record also covers its owner and the owner's other subdomains.
    With `no_mail` (mx.advises_no_mail), a record at the domain itself is not given a report
    mailbox there, where no report can arrive: MX-01's p=reject is offered instead, and so it
    is when the domain itself is in `null_mx` (it publishes a null MX), as DMARC-01 does.
    Any other record at an owner in `no_mailbox` (no_mailbox_reason, by owner) keeps its
    policy and is asked for reports at a mailbox elsewhere: a null MX at the organisational
    domain says nothing about whether the checked domain sends.
    `dead_hosts`: report domains that publish a null MX. When every rua address is at one, no
    report arrives (DMARC-12), so nothing waits on reports: the finding says they cannot
    arrive and, as for a record without rua, asks for a mailbox elsewhere before enforcing."""
    no_mailbox = no_mailbox or {}
    domain = policy.domain
    legacy, bis = _comparable(policy)
    found = [
        (label, at, record, effective)
        for label, at, record, effective in (
            ("RFC 9989", policy.record_domain, policy.record, bis),
            ("RFC 7489", policy.legacy_domain, policy.legacy_record, legacy),
        )
        # A public suffix operator's record is not the owner's to raise (s35n).
        if at is not None and record is not None and not policy.operators(at)
    ]

    def chosen(label: str, at: str, record: ParsedDmarc) -> tuple[str, str | None]:
        bis = label == "RFC 9989"
        exists = policy.author_exists or not bis  # RFC 7489 has no np
        return _chosen(record, at == domain, exists)

    watching = [
        (label, at, record)
        for label, at, record, effective in found
        if effective == "none" and chosen(label, at, record)[1] == "none"
    ]
    if not watching:
        return
    label, at, record = watching[0]
    tag = chosen(label, at, record)[0]
    name = f"_dmarc.{at}"
    if at == domain:
        head = "The DMARC policy is p=none"
    else:
        head = f"The DMARC policy {domain} gets from {name} is {tag}=none"
    scope = ""
    if len(watching) < 2 and (legacy != bis or policy.record_domain != policy.legacy_domain):
        # The views disagree (DMARC-19 says so): name the receivers this is true for.
        other = legacy if label == "RFC 9989" else bis
        other_label = "RFC 7489" if label == "RFC 9989" else "RFC 9989"
        scope = (
            f" for {label} receivers ({other_label} receivers apply {other or 'no DMARC'}, "
            "see DMARC-19)"
        )
    # An enforcing p the owner wrote that receivers cannot read (a pasted character before it,
    # 'p:reject'): say what they read and why, rather than a p=none the record does not show.
    lost = _lost_policy(record) if tag == "p" else None
    if lost is not None and at == domain:
        head = "The DMARC policy receivers read is p=none"
    reports = record.valid_rua()
    addresses = [u for u in record.uris("rua") if u.valid]
    dead = ""
    if reports and all(u.host in dead_hosts for u in addresses):
        # Every address is at a domain that takes no mail (DMARC-12): no report arrives.
        hosts = list(dict.fromkeys(u.host for u in addresses))
        mailboxes = series([u.uri.removeprefix("mailto:") for u in addresses])
        dead = (
            f"the reports it asks for cannot arrive: {mailboxes} "
            f"{'is' if len(addresses) == 1 else 'are'} at {series(hosts)}, which "
            f"{'publishes a null MX' if len(hosts) == 1 else 'publish null MXs'} (it accepts "
            "no mail, see DMARC-12)"
        )
    # Enforcing blind would quarantine the owner's own unaligned mail unseen: without a report
    # address the only fix offered is the one below that adds it, at p=none.
    fix = ""
    # Moving off monitoring is the owner's step to take, not a repair the record's other
    # fixes make (RecordRepairs): a choice of this finding's fix alone.
    choice: dict[str, Any] = {}
    keeps_sp_none = ""
    # Reports asked for that cannot arrive: the step up waits for a mailbox that takes them
    # (below), but a domain sending nothing is still offered p=reject at once, and a p that
    # the record was written with and receivers cannot read is DMARC-05's to retype.
    waiting = bool(dead) and lost is None and not (sends_nothing and at == domain and tag == "p")
    if waiting:
        pass  # the fix is words, set with the advice below
    elif reports and tag in ("sp", "np"):
        # The policy this domain gets is the one to raise, nothing else: under an enforcing p
        # the tag goes (subdomains get p), else it becomes quarantine. p and the other of sp
        # and np are the owner's choices, kept.
        choice = {"raised": (tag,)}
        fix = txt_fix(name, suggested_record(at, record, raised=(tag,)))
    elif reports:
        # 'p:reject' (no p to receivers, DMARC-05): the owner's own enforcing policy.
        meant = intended_policy(record, "p")
        step = meant if meant in ("quarantine", "reject") else "quarantine"
        if sends_nothing and at == domain:
            step = "reject"
        choice = {"p": step}
        offered = suggested_record(at, record, step)
        fix = txt_fix(name, offered)
        # The owner's sp=none is kept (each fix changes its own tag): under the enforcing p
        # offered, subdomains stay at none, which DMARC-07 then warns about. Said here first.
        if parse_dmarc(offered).policy("sp") == "none":
            keeps_sp_none = (
                f" The record below keeps your sp=none, so subdomains of {at} stay at none "
                "(DMARC-07 warns about that once p enforces): leave sp out for them to get p."
            )
    evidence = {"record": record.text, "record_at": name, "tag": tag, "views": views_evidence}
    # Where the finding below offers no report mailbox (a domain that takes no mail), this
    # one does not send the owner to add one there either.
    if reports and sends_nothing and at == domain and tag == "p":
        shown = "they go on showing mail forged in its name"
        advice = (
            f"{domain} publishes a null MX and nothing shows it sends mail (no SPF record "
            "authorising senders, no DKIM key, no BIMI logo): if it sends none, publish "
            "p=reject now, as the record below does; there is no mail of its own "
            + (
                f"to vet first, and {dead}."
                if dead
                else f"for the reports to vet first, and {shown}."
            )
        )
    elif waiting and inherits_at_null_mx and at == domain:
        # The domain's own null MX: it may send nothing (p=reject now), or send and need its
        # reports elsewhere first, as the branch below for a record without rua says.
        advice = (
            f"{dead[0].upper()}{dead[1:]}. If {domain} sends no mail, publish p=reject now; if "
            "it does, first send the reports to a mailbox at a domain that receives mail, then "
            "move to quarantine, then reject, once reports look clean."
        )
        fix = (
            f"If {domain} sends no mail, publish p=reject, so that receivers reject mail forged "
            "in its name:\n"
            + txt_fix(name, suggested_record(at, record, "reject"))
            + "\nIf it does send mail, send the reports to a mailbox at a domain that receives "
            f"mail (DMARC-12), keeping the policy: {OTHER_MAILBOX}. Once they show that "
            f"{domain}'s own mail passes DMARC, move to quarantine, then reject."
        )
    elif waiting:
        advice = (
            f"{dead[0].upper()}{dead[1:]}. First send the reports to a mailbox at a domain that "
            "receives mail, then move to quarantine, then reject, once reports look clean."
        )
        fix = (
            f"Send the reports to a mailbox at a domain that receives mail (DMARC-12), keeping "
            f"the policy: {OTHER_MAILBOX}. Once they show that {domain}'s own mail passes "
            "DMARC, move to quarantine, then reject."
        )
    elif reports:
        advice = "Move to quarantine, then reject, once reports look clean."
    elif no_mail is not None and at == domain:
        advice = (
            f"{domain} looks like a domain that receives no mail (see MX-01): if it sends "
            "none either, publish p=reject now; if it should receive mail, first publish an MX "
            "record, then add reports (see below)."
        )
    elif at in null_mx and at == domain:
        advice = (
            f"{at} publishes a null MX, so no report can reach a mailbox there: if it sends no "
            "mail, publish p=reject now; if it does, first add reports to a mailbox at a domain "
            "that receives mail (see below)."
        )
    elif at in no_mailbox:
        advice = (
            f"{no_mailbox[at]}, so no report can reach a mailbox there: first add reports to "
            "a mailbox at a domain that receives mail (see below), then move to quarantine, "
            "then reject, once reports look clean."
        )
    else:
        advice = (
            "Move to quarantine, then reject, once reports look clean (first add a report "
            "address, see below)."
        )
    if inherits_at_null_mx and at != domain:
        # p=reject in the inherited record would reach its owner and every other subdomain
        # (sp falls back to p): the subdomain that sends no mail says so in a record of its own.
        own = suggested_record(domain, None, "reject")
        advice += (
            f" {domain} publishes a null MX (it accepts no mail): if it sends none, "
            f'publish a record of its own, _dmarc.{domain} "{own}", so that receivers reject '
            f"mail forged in its name; the record at {name} also covers {at} and its other "
            "subdomains."
        )
    because = ""
    if lost is not None:
        meant, why = lost
        because = (
            f", not the p={meant} the record was written with: {why}, and a record without a "
            "p receivers can read is p=none to them (see DMARC-05)"
        )
        advice = f"Retype the record as the fix gives it, and receivers apply p={meant}." + (
            "" if reports else " First add a report address (see below) to see who fails."
        )
    finding = out.add(
        "DMARC-06",
        Status.WARN,
        f"{head} (monitoring only){scope}{because}: mail that fails authentication is "
        f"delivered as usual. {advice}{keeps_sp_none}",
        subject=name,
        evidence=evidence,
        fix=fix,
    )
    if not waiting:  # words, not a record the other fixes' repairs would rewrite
        repairs.offer(finding, at, record, choice=choice)
    if not reports and no_mail is not None and at == domain:
        # No MX and its own address takes no mail, nothing says it sends: MX-01 offers the
        # records of a domain without mail, DMARC p=reject among them (as DMARC-01 does).
        out.add(
            "DMARC-06",
            Status.WARN,
            f"The policy is {tag}=none and no report address (rua) is set: it neither protects "
            f"{domain} nor tells you who sends mail as it. {domain} looks like a domain that "
            f"receives no mail (see MX-01: {no_mail.words}), so a report mailbox there would "
            "receive no report.",
            subject=name,
            evidence={**evidence, "takes_no_mail": list(no_mail.answers)},
            fix=f"If {domain} sends no mail either, publish p=reject, with the null MX that "
            "MX-01 gives, so that receivers reject mail forged in its name:\n"
            + txt_fix(name, suggested_record(at, record, "reject"))
            + "\nIf it should receive mail, publish an MX record first (see MX-01), then add "
            "reports (rua) to a mailbox that someone reads.",
        )
    elif not reports and at in null_mx and at == domain:
        # The domain says it accepts no mail (RFC 7505): reports to a mailbox there would be
        # refused. p=reject suits a domain without mail; one that sends needs reports elsewhere.
        out.add(
            "DMARC-06",
            Status.WARN,
            f"The policy is {tag}=none and no report address (rua) is set: it neither protects "
            f"{domain} nor tells you who sends mail as it. {at} publishes a null MX (it accepts "
            "no mail), so a report mailbox there would receive no report.",
            subject=name,
            evidence=evidence,
            fix=f"If {at} sends no mail, publish p=reject, so that receivers reject mail forged "
            "in its name:\n"
            + txt_fix(name, suggested_record(at, record, "reject"))
            + "\nIf it does send mail, add reports (rua) to a mailbox at a domain that receives "
            "mail.",
        )
    elif not reports and at in no_mailbox:
        # The owner of the record takes no mail, yet the checked domain may send (a subdomain
        # under an organisational domain's null MX, or a domain MX-01 tells to publish a real
        # MX): its policy stays, and the reports go to a mailbox that can receive them.
        out.add(
            "DMARC-06",
            Status.WARN,
            f"The policy is {tag}=none and no report address (rua) is set: it neither protects "
            f"{domain} nor tells you who sends mail as it. {no_mailbox[at]}, so a report "
            "mailbox there would receive no report.",
            subject=name,
            evidence=evidence,
            fix=f"Add reports to the record at {name}, keeping its policy: {OTHER_MAILBOX}. "
            f"Once the reports show that {domain}'s own mail passes DMARC, move to quarantine, "
            "then reject.",
        )
    elif not reports:
        repairs.offer(
            out.add(
                "DMARC-06",
                Status.WARN,
                f"The policy is {tag}=none and no report address (rua) is set: it neither protects "
                f"{domain} nor tells you who sends mail as it.",
                subject=name,
                evidence=evidence,
                fix=txt_fix(name, suggested_record(at, record, add_rua=True)),
            ),
            at,
            record,
            choice={"add_rua": True},
        )


def _views(
    out: Collector,
    domain: str,
    policy: DmarcPolicy,
    evidence: dict[str, Any],
    repairs: RecordRepairs,
) -> None:
    legacy, bis = _comparable(policy)
    unknown = _unknown_view(policy)
    if unknown is not None:
        # One view found no policy because a lookup on its way failed: its policy is unknown,
        # not "no DMARC", and a difference claimed from it would be a finding from a failed
        # lookup. Could not check, as DMARC-01 says of that lookup.
        view, answer = unknown
        other, applied = (
            ("RFC 7489", policy.effective_7489)
            if view == "RFC 9989"
            else ("RFC 9989", policy.effective_9989)
        )
        out.add(
            "DMARC-19",
            Status.ERROR,
            f"Could not compare what RFC 7489 and RFC 9989 receivers apply to {domain}: a "
            f"lookup {view} receivers make failed ({answer.describe_failure()}), so their "
            f"policy is unknown (see DMARC-01). {other} receivers apply "
            f"{applied or 'no DMARC'}.",
            subject=domain,
            evidence={"views": policy.views(), "failure": answer.describe_failure()},
        )
        return
    differs = bis != legacy or policy.record_domain != policy.legacy_domain
    if differs and _same_trial(policy, legacy, bis):
        # pct=0 beside t=y: the views compare the written policy (t=y is DMARC-09's), but
        # both kinds of receivers apply the next policy down now (s47b).
        out.add(
            "DMARC-19",
            Status.PASS,
            f"RFC 7489 and RFC 9989 receivers apply the same policy to {domain} now: "
            f"{policy.effective_9989}. pct=0 has RFC 7489 receivers give all failing mail the "
            "next policy down (RFC 7489 §6.6.4), and t=y, its RFC 9989 analogue (RFC 9989 "
            "App. A.6), has RFC 9989 receivers do the same; remove both together when you "
            "enforce (see DMARC-08 and DMARC-09).",
            subject=domain,
            evidence={**evidence, "views": policy.views()},
        )
    elif differs:
        # The views are compared without t=y (DMARC-09's), but the words say what RFC 9989
        # receivers apply now: under p=quarantine; pct=0; t=y that is none, not quarantine.
        now = policy.effective_9989
        if policy.record is not None and now != bis:
            apply = (
                f"read the policy for {domain} differently: RFC 7489 receivers apply "
                f"{legacy or 'no DMARC'}; RFC 9989 receivers apply {now} now (t=y, see "
                f"DMARC-09) and {bis} once t=y is removed"
            )
        else:
            apply = (
                f"apply different policies to {domain}: {legacy or 'no DMARC'} versus "
                f"{bis or 'no DMARC'}"
            )
        fix = _views_fix(policy)
        # A public suffix operator's record: RFC 7489 receivers in the RFC 9091 experiment
        # apply it too (_operators_policy).
        experiment = (
            f" (RFC 7489 receivers taking part in the PSD DMARC experiment, RFC 9091, apply the "
            f"record at _dmarc.{policy.record_domain} too, if they accept "
            f"{policy.record_domain} for it)"
            if policy.from_operator
            else ""
        )
        finding = out.add(
            "DMARC-19",
            Status.WARN,
            f"Receivers following RFC 7489 and those following RFC 9989 {apply}{experiment}. "
            + _views_advice(policy, bool(fix)),
            subject=domain,
            evidence={**evidence, "views": policy.views()},
            fix=fix,
        )
        record, at = policy.record, policy.record_domain
        own, org = policy.legacy_record, policy.legacy_domain
        if finding.fix.startswith(f"_dmarc.{at}. TXT ") and record is not None and at:
            # Its record leaves pct out: one of the record's repairs, checked again on the
            # record with all of them, as _views_fix checks its own.
            repairs.offer(finding, at, record, drop=("pct",), accept=_views_agree(policy))
        elif policy.operator_over_own and own is not None and org is not None and fix:
            # psd=n in the owner's record: one of its repairs too, so that the record the
            # owner's other findings offer is this one (s36e: two records at one name).
            repairs.offer(
                finding,
                org,
                own,
                psd="n",
                lead=fix.split("\n", 1)[0] + "\n",
                floor=operators_floor(policy.record, policy.record_domain),
            )
    else:
        out.add(
            "DMARC-19",
            Status.PASS,
            f"RFC 7489 and RFC 9989 receivers apply the same policy to {domain}: {legacy or 'no DMARC'}.",
            subject=domain,
            evidence={"views": policy.views()},
        )


def _same_trial(policy: DmarcPolicy, legacy: str | None, bis: str | None) -> bool:
    """pct=0 beside t=y in the one record both views read. RFC 9989 App. A.6 made t=y the
    analogue of pct=0, and so they act: RFC 7489 receivers sample none of the failing mail and
    give all of it the next policy down (§6.6.4), RFC 9989 receivers step the policy down for
    t=y (§4.7). The views then differ only once one of the two tags goes, not now."""
    record = policy.record
    return (
        record is not None
        and record.testing
        and record.pct == 0
        and policy.record_domain == policy.legacy_domain
        and bis is not None
        and legacy == f"{bis} for 0% of failing mail, {policy.effective_9989} for the rest"
    )


async def _sp_for_9989_only(
    ctx: CheckContext, policy: DmarcPolicy, at: str, parsed: ParsedDmarc
) -> str:
    """DMARC-07's words for an sp= at a name below the registered domain that RFC 9989's tree
    walk takes for the Organizational Domain (no record above it, or psd=n): it applies below
    that name at RFC 9989 receivers only."""
    org = policy.org_7489
    if parsed.tags.get("psd", "").strip().lower() == "n":
        why = f"stops at {at}, as its record says psd=n, so {at} is the organisational domain"
    elif not any(
        (look := policy.lookups.get(name)) is not None and look.record is not None
        for name in policy.lookups
        if name != at and at.endswith("." + name)
    ):
        why = f"finds no DMARC record above {at}, so {at} is the organisational domain"
    else:
        why = f"takes {at} for the organisational domain"
    look = policy.lookups.get(org) or _select(org, await ctx.dns.query(f"_dmarc.{org}", "TXT"))
    if look.answer.failed:
        found = "whose answer failed: what they apply there is unknown"
    elif look.record is None:
        found = "which publishes none: they apply no DMARC to them"
    else:
        found = "they get its sp=, or its p= without one"
    return (
        f"sp={parsed.policy('sp')} applies to names below {at} at RFC 9989 receivers only: "
        f"their DNS tree walk {why} and names below it without a record of their own get this "
        f"sp= (RFC 9989 §4.10.1). RFC 7489 receivers take {org}, the registered domain, for "
        f"the organisational domain and look for those names' policy at _dmarc.{org}"
        f"{', ' if look.record is None or look.answer.failed else ': '}{found} "
        "(RFC 7489 §6.6.3)."
    )


def _unknown_view(policy: DmarcPolicy) -> tuple[str, DnsAnswer] | None:
    """("RFC 9989" or "RFC 7489", the failed answer) when that view found no policy because a
    lookup on its way failed: the tree walk stops at a failed query (get_policy), and RFC 7489
    asks the author domain, then the PSL's Organizational Domain (§6.6.3)."""
    if policy.record is None:
        last = policy.lookups[walk_names(policy.domain)[policy.queries - 1]].answer
        if last.failed:
            return "RFC 9989", last
    if policy.legacy_record is None:
        for name in dict.fromkeys([policy.domain, policy.org_7489]):
            look = policy.lookups[name]
            if look.answer.failed:
                return "RFC 7489", look.answer
            if look.records:
                break
    return None


def _views_advice(policy: DmarcPolicy, fixed: bool) -> str:
    """DMARC-19's advice, for what makes the views differ: pct (RFC 9989 removed it) only when
    the record has one; a record only one view reads (the tree walk's, or the PSL's) is cured
    by the domain's own record, which both read first."""
    record, at = policy.record, policy.record_domain
    if policy.operator_over_own:
        return (
            f"RFC 9989 receivers apply the public suffix operator's record at _dmarc.{at}, "
            f"which is not yours to change; psd=n in your record at "
            f"_dmarc.{policy.legacy_domain} ends their walk there, so they apply yours, as "
            "RFC 7489 receivers do."
        )
    if record is None or at is None or at != policy.legacy_domain:
        return f"Publish a DMARC record at _dmarc.{policy.domain} itself so both read the same one."
    if not fixed and (words := _views_np_words(policy, at, record)):
        return words
    if "pct" in record.tags and record.testing and fixed:
        return _views_trial_words(at, record)
    if "pct" in record.tags:
        return "Publish an explicit record without pct so both agree."
    if fixed:
        return "Publish the record as the fix writes it so both read it alike."
    return "Correct the record so both read it alike."


def _views_np_words(policy: DmarcPolicy, at: str, record: ParsedDmarc) -> str:
    """DMARC-19's advice when the views part over np (s47l), or "" when they do not.

    The domain does not exist and the record above it has an np= other than its sp= (or p=
    without one): RFC 9989 receivers apply np to names that do not exist (§4.7), RFC 7489
    receivers, which have no np, apply sp, or p without it, to every subdomain (§6.3). No
    record without pct makes them agree; one where np= and sp= say the same does. Which of
    the two policies the names should get is the owner's to say, so no record is offered."""
    np, p = record.policy("np"), record.policy("p")
    if policy.author_exists or at == policy.domain or np is None or p is None:
        return ""
    if record.invalid_policy("sp"):
        return ""
    sp = record.policy("sp")
    legacy = sp or p
    if np == legacy:
        return ""
    applied = f"sp={sp}" if sp else f"p={p} (the record has no sp=)"
    trial = [tag for tag, on in (("pct", "pct" in record.tags), ("t=y", record.testing)) if on]
    alone = f" Leaving out {' and '.join(trial)} does not make them agree." if trial else ""
    without = f", in a record without {' and '.join(trial)}" if trial else ""
    return (
        f"{policy.domain} does not exist: RFC 9989 receivers apply np={np} to names below "
        f"{at} that do not exist (RFC 9989 §4.7), while RFC 7489 receivers, which have no np, "
        f"apply {applied} to every subdomain, existing or not (RFC 7489 §6.3).{alone} They "
        f"agree once sp= and np= say the same: sp={np} (which existing subdomains then get "
        f"too) or no np= ({policy.domain} then gets {legacy} from both){without}."
    )


def _views_trial_words(at: str, record: ParsedDmarc) -> str:
    """DMARC-19's advice beside pct and t=y: as the record it offers does it (s47h).

    DMARC-09 fires too, and the one record every finding offers (RecordRepairs) leaves out
    both trial tags, as DMARC-08 says (_remove_pct_words): without pct alone, RFC 7489
    receivers enforce the written policy (§6.6.4) while RFC 9989 ones go on stepping it down
    under t=y (§4.7), and the two views part again. Where that record holds what receivers
    apply now (_trial_hold), the words name it."""
    held = _trial_hold(at, record, {"drop": ("pct", "t")}, ())
    writing = ""
    if held:
        now = " and ".join(f"{tag}={now}" for tag, (now, _) in held.items())
        writing = f", writing {now}, what receivers apply now,"
    why = (
        ": without pct alone, RFC 9989 receivers would go on testing (t=y) while RFC 7489 "
        "receivers enforce"
        if any(_policy_now(record, tag) != "none" for tag in ("p", "sp", "np"))
        else ""
    )
    return f"Publish an explicit record without pct and t=y{writing} so both agree{why}."


def _views_fix(policy: DmarcPolicy) -> str:
    """DMARC-19's fix. When both views read one record and differ over what it says (pct,
    which RFC 9989 removed; a record RFC 7489 receivers ignore for want of p), that record
    without pct and otherwise as its other fixes write it, offered only when both views then
    apply the same policy. When they read different records, the domain's own record is read
    first by both (RFC 7489 §6.6.3, RFC 9989 §4.10.1): which policy it should hold is the
    owner's to say."""
    domain = policy.domain
    at = policy.record_domain
    own, org = policy.legacy_record, policy.legacy_domain
    if policy.operator_over_own and own is not None and org is not None:
        # The operator's record is not the owner's: the owner's step is psd=n in their own,
        # keeping what the operator's gives the subdomains now (s36p).
        floor = operators_floor(policy.record, at)
        record = psd_n_record(org, own, floor)
        kept = (
            "\n" + kept_for_subdomains(org, record, floor)
            if record != psd_n_record(org, own)
            else ""
        )
        return (
            f"Add psd=n to your record at _dmarc.{org}: RFC 9989 receivers then end the walk "
            f"there and apply it to {domain}, as RFC 7489 receivers do.\n"
            + txt_fix(f"_dmarc.{org}", record)
            + kept
        )
    if policy.record is not None and at is not None and at == policy.legacy_domain:
        # Without pct a t=y trial may end at RFC 7489 receivers too: what they apply now
        # is held (_keeping_trial), as in the record every fix offers (RecordRepairs).
        suggestion, note = _keeping_trial(at, policy.record, {"drop": ("pct",)})
        if _views_agree(policy)(suggestion):
            return txt_fix(f"_dmarc.{at}", suggestion) + note
        return ""
    return (
        f"Publish one DMARC record at _dmarc.{domain} with the policy you want for {domain}: "
        "receivers of both kinds read a domain's own record before any other, so they then "
        "apply the same policy."
    )


def _views_agree(policy: DmarcPolicy) -> Callable[[str], bool]:
    """Whether receivers of both RFCs apply the same policy to the domain under a record
    published at policy.record_domain (DMARC-19 offers only such a record)."""
    domain, at = policy.domain, policy.record_domain

    def agree(suggestion: str) -> bool:
        parsed = parse_dmarc(suggestion)
        legacy = _policy_for(parsed, at == domain, legacy=True)
        bis = _policy_for(
            parsed, at == domain, legacy=False, honour_testing=False, exists=policy.author_exists
        )
        return legacy == bis

    return agree


async def _alignment(out: Collector, ctx: CheckContext) -> None:
    """DMARC-18: DMARC can only pass with an SPF record or a DKIM key to align with."""
    from checks import dkim, mx, spf  # at run time, so the modules cannot import-cycle

    record, keys = await asyncio.gather(spf.get_record(ctx), dkim.get_keys(ctx))
    if record.failed or keys.failed:
        return  # a failed lookup (SPF-20, DKIM-01 error) is no evidence of absence
    if record.exists or keys.found:
        return
    # Up to 30 selectors are tried (dkim.selectors_for): a few named, all in the evidence.
    tried = dkim.few(keys.selectors)
    revoked, revoked_names = _revoked_keys(keys, ctx.domain)
    # A key among several records at its selector verifies only when a receiver happens to
    # read it (RFC 6376 §3.6.2.2, DKIM-02): named as the revoked ones are (s44b).
    ambiguous = [r for r in keys.results if r.ambiguous and not r.from_wildcard]
    # A lone key record DKIM fails (a p= that is no key, an unknown k=, s=tlsrpt only: DKIM-05
    # to DKIM-10) verifies nothing: named with the check that fails it, as the others (s44k).
    unusable, unusable_names, failing = _unusable_keys(keys, ctx.domain)
    # A lone key record whose only fault is v=DKIM1 after other tags (DKIM-04): most verifiers
    # use it, one holding to RFC 6376 §3.6.1 discards it (s45f).
    # Several records holding that one key alike are not by chance (s45k): named with them.
    lenient, lenient_names, twin_names = _lenient_keys(keys, ctx.domain)
    # A key split over several TXT records verifies nowhere, not by chance (s45k).
    split, split_names = _split_keys(keys)
    # One usable key written twice: OpenDKIM refuses the selector, others use it (s45q).
    copies, copies_names = _copied_keys(keys)
    evidence: dict[str, Any] = {"dkim_selectors_tried": keys.selectors}
    if revoked_names:
        evidence["dkim_revoked"] = revoked_names
    if ambiguous:
        evidence["dkim_ambiguous"] = [r.name for r in ambiguous]
    if unusable_names:
        evidence["dkim_unusable"] = unusable_names
    if lenient_names or twin_names:
        evidence["dkim_v_not_first"] = lenient_names + twin_names
    if split_names:
        evidence["dkim_split"] = split_names
    if copies_names:
        evidence["dkim_copies"] = copies_names
    # A revoked key is no key (RFC 6376 §3.6.1), but "no DKIM key was found" sends the owner
    # looking for a record that is there (s43o): it is named, and what it means for DMARC.
    found = [f"{revoked} and gets no aligned DKIM pass for DMARC"] * bool(revoked)
    if ambiguous:
        found.append(_ambiguous_words(ambiguous))
    if unusable:
        found.append(unusable)
    if lenient:
        found.append(lenient)
    if split:
        found.append(split)
    if copies:
        found.append(copies)
    searched = f"({len(keys.selectors)} selectors tried: {tried})"
    # Not "no other key": a revoked record holds no key, and one DKIM fails none it can use
    # (s47e). A wildcard named answers every selector without a record of its own, so there
    # is no other selector to speak of.
    wild = any(n.startswith("*.") for n in revoked_names + unusable_names + lenient_names)
    rest = (
        "no selector tried holds a usable key of its own"
        if wild
        else "no usable key was found at any other selector"
    )
    dkim_words = (
        f"{'; '.join(found)}; {rest} {searched}" if found else f"no DKIM key was found {searched}"
    )
    # Not "no mail can pass": a receiver that reads the key record verifies it.
    # Every key at a selector of several TXT records (no lone v-not-first key, which OpenDKIM
    # uses): OpenDKIM refuses them all (s45q).
    outcome = (
        "its mail fails DMARC at receivers running OpenDKIM and elsewhere passes only by chance"
        if ambiguous and not lenient_names
        else "its mail can pass DMARC only by chance"
        if ambiguous
        else "its mail fails DMARC at receivers whose verifier discards "
        + ("or refuses " if twin_names else "")
        + ("those records" if len(lenient_names) > 1 or twin_names else "that record")
        if lenient
        else "its mail fails DMARC at receivers running OpenDKIM"
        if copies
        else "no mail from it can pass DMARC"
    )
    if await publishes_null_mx(ctx, ctx.domain) and not (await mx.sending_signs(ctx))[0]:
        # A null MX says the domain takes no mail, and such a domain SHOULD NOT send any
        # (RFC 7505 §4.2): that none of its mail can pass DMARC is what it wants, not a fault.
        # Advising SPF for "the servers that send its mail" would contradict SPF-18's -all.
        # Not when a BIMI record says it sends anyway (MX-03 warns, DKIM-01 asks for the
        # selector): then it warns as any domain does.
        out.add(
            "DMARC-18",
            Status.INFO,
            f"{ctx.domain} has no SPF record and {dkim_words}, so {outcome}: as it should be "
            "for a domain that publishes a null MX and sends no mail.",
            subject=ctx.domain,
            evidence=evidence,
        )
        return
    # Which servers send its mail, and with which key, only the owner knows.
    spf_fix = f"Publish an SPF record for {ctx.domain} naming the servers that send its mail, "
    either = "mail passes DMARC when either of them passes for this domain."
    if ambiguous:
        dkim_fix = (
            f"and keep only one record at {'each of ' if len(ambiguous) > 1 else ''}"
            f"{series([r.name for r in ambiguous])}: the key record whose p= is the key your "
            "mail service signs with (DKIM-02's fix)"
        )
        # A key record beside the others with v=DKIM1 after other tags asks DKIM-04's too
        # (DKIM-02 is said for it since s45k).
        fronts = [r.name for r in ambiguous if r.parsed is not None and r.parsed.lenient]
        if unusable_names:
            dkim_fix += f"; and {_correct_words(unusable_names, failing)}"
        if lenient_names or fronts:
            dkim_fix += f"; and {_front_words(lenient_names + fronts)}"
        if twin_names:
            dkim_fix += f"; and {_twin_words(twin_names)}"
        if split_names:
            dkim_fix += f"; and {_join_words(keys)}"
        if copies_names:
            dkim_fix += f"; and {_one_copy_words(keys)}"
        fix = f"{spf_fix}{dkim_fix}; {either}"
    elif unusable_names or lenient_names or twin_names or split_names or copies_names:
        # What DKIM's own findings ask for the record (s44k), not a new key: the one the
        # service signs with may be there, mangled in the copying.
        steps = [_correct_words(unusable_names, failing)] * bool(unusable_names)
        if lenient_names:
            steps.append(_front_words(lenient_names))
        if twin_names:
            steps.append(_twin_words(twin_names))
        if split_names:
            steps.append(_join_words(keys))
        if copies_names:
            steps.append(_one_copy_words(keys))
        fix = f"{spf_fix}and {'; and '.join(steps)}; {either}"
    elif revoked:
        fix = (
            f"{spf_fix}and have your mail service sign with DKIM with a current key: publish "
            "the key record it gives you, in place of the revoked one if it signs with that "
            f"selector; {either} If {ctx.domain} sends no mail at all, the revoked key is "
            f"right; say so in SPF as well:\n{txt_fix(ctx.domain, 'v=spf1 -all')}"
        )
    else:
        fix = (
            f"{spf_fix}and have your mail service sign with DKIM (publish the key record it "
            f"gives you); {either}"
        )
    out.add(
        "DMARC-18",
        Status.WARN,
        f"{ctx.domain} has no SPF record and {dkim_words}, so {outcome}.",
        subject=ctx.domain,
        evidence=evidence,
        fix=fix,
    )


def _correct_words(names: list[str], failing: str) -> str:
    """DMARC-18's fix for the key records DKIM fails (_unusable_keys): as those checks ask."""
    return (
        f"correct the key record{'s' if len(names) > 1 else ''} at {series(names)} as "
        f"{failing} ask{'' if ' and ' in failing else 's'}, so receivers can use the key your "
        "mail service signs with"
    )


def _front_words(names: list[str]) -> str:
    """DMARC-18's fix for the key records with v=DKIM1 after other tags (_lenient_keys):
    DKIM-04's."""
    return (
        f"move v=DKIM1 to the front of the key record{'s' if len(names) > 1 else ''} at "
        f"{series(names)} (DKIM-04), so every verifier can use the key"
    )


def _twin_words(names: list[str]) -> str:
    """DMARC-18's fix for selectors holding one key in several records, each with v=DKIM1
    after other tags (dkim.SelectorResult.lenient_twins): DKIM-02's and DKIM-04's."""
    return (
        f"keep one record at {'each of ' if len(names) > 1 else ''}{series(names)}, with "
        "v=DKIM1 moved to its front (DKIM-02, DKIM-04), so every verifier can use the key"
    )


def _split(keys: Any) -> list[Any]:
    return [r for r in keys.results if r.found and not r.from_wildcard and r.split]


def _split_keys(keys: Any) -> tuple[str, list[str]]:
    """DMARC-18's words for the keys split over several TXT records at their selector
    (dkim.SelectorResult.split, DKIM-02), and their names; ("", []) for none. No verifier
    reads such a key whole: OpenDKIM refuses an answer of several TXT records, dkimpy and
    rspamd read one piece (s45k)."""
    split = _split(keys)
    if not split:
        return "", []
    if len(split) == 1:
        count = len(split[0].records) + len(split[0].others)
        words = (
            f"the DKIM key at selector '{split[0].selector}' is split over {count} TXT records "
            "(DKIM-02), so no verifier reads it whole"
        )
    else:
        selectors = series([f"'{r.selector}'" for r in split])
        words = (
            f"the DKIM keys at selectors {selectors} are split over several TXT records each "
            "(DKIM-02), so no verifier reads them whole"
        )
    return words, [r.name for r in split]


def _copies(keys: Any) -> list[Any]:
    return [r for r in keys.results if r.found and not r.from_wildcard and r.usable_twins]


def _copied_keys(keys: Any) -> tuple[str, list[str]]:
    """DMARC-18's words for the selectors holding one usable key written more than once
    (dkim.SelectorResult.usable_twins, DKIM-02), and their names; ("", []) for none. dkimpy
    and rspamd use that key whichever record they read, but OpenDKIM's dkim_get_key_dns
    returns DKIM_STAT_MULTIDNSREPLY ("multiple DNS replies") at a second TXT record and
    verifies nothing with that selector (task s45q)."""
    copies = _copies(keys)
    if not copies:
        return "", []
    if len(copies) == 1:
        held = (
            f"selector '{copies[0].selector}' holds {len(copies[0].records)} records of the "
            "same key"
        )
    else:
        held = (
            f"selectors {series([repr(r.selector) for r in copies])} hold the same key in "
            "several records each"
        )
    words = (
        f"{held} where DKIM allows one (DKIM-02): dkimpy and rspamd use that key whichever "
        "record they read, but OpenDKIM refuses a selector answering several TXT records and "
        "verifies no signature made there"
    )
    return words, [r.name for r in copies]


def _one_copy_words(keys: Any) -> str:
    """DMARC-18's fix for the keys written more than once (_copied_keys): DKIM-02's."""
    copies = _copies(keys)
    if len(copies) == 1:
        return (
            f"keep one of the {len(copies[0].records)} records at {copies[0].name} (DKIM-02's "
            "fix), so OpenDKIM reads the key too"
        )
    return (
        f"keep one record at each of {series([r.name for r in copies])} (DKIM-02's fix), so "
        "OpenDKIM reads the keys too"
    )


def _join_words(keys: Any) -> str:
    """DMARC-18's fix for the keys split over several TXT records (_split_keys): DKIM-02's."""
    split = _split(keys)
    if len(split) == 1:
        count = len(split[0].records) + len(split[0].others)
        return (
            f"replace the {count} TXT records at {split[0].name} with the one record DKIM-02 "
            "gives, the key joined"
        )
    return (
        f"replace the TXT records at each of {series([r.name for r in split])} with the one "
        "record DKIM-02 gives there, the key joined"
    )


def _key_records(own: list[Any], wild: bool, domain: str) -> list[str]:
    """The key records DMARC-18 names: "the DKIM key record(s) at selector(s) ..." for the
    domain's own selectors, and the wildcard's when `wild`."""
    parts = []
    if own:
        selectors = series([f"'{r.selector}'" for r in own])
        parts.append(
            f"the DKIM key record at selector {selectors}"
            if len(own) == 1
            else f"the DKIM key records at selectors {selectors}"
        )
    if wild:
        parts.append(f"the wildcard key record at *._domainkey.{domain}")
    return parts


def _unusable_keys(keys: Any, domain: str) -> tuple[str, list[str], str]:
    """DMARC-18's words for the lone key records DKIM fails so that no verifier can use them
    (not usable, not revoked: _revoked_keys names those), their names, and the checks that
    fail them ("DKIM-06 and DKIM-08"); ("", [], "") for none. `keys`: dkim.DkimKeys with no
    key found."""
    own = [
        r
        for r in keys.results
        if r.found
        and not r.from_wildcard
        and not r.ambiguous  # named as such, whatever its record holds
        and r.parsed is not None
        and not r.parsed.usable
        and not r.parsed.revoked
        and not r.parsed.lenient  # _lenient_keys names those
        and not r.split  # _split_keys names those
    ]
    wildcard = keys.wildcard
    wild = (
        wildcard is not None
        and wildcard.parsed is not None
        and not wildcard.parsed.usable
        and not wildcard.parsed.revoked
        and not wildcard.parsed.lenient
        and any(r.from_wildcard for r in keys.results)
    )
    records = [r.parsed for r in own] + ([wildcard.parsed] if wild else [])
    if not records:
        return "", [], ""
    names = [r.name for r in own] + ([f"*._domainkey.{domain}"] if wild else [])
    failing = series(
        list(
            dict.fromkeys(
                p.check_id for parsed in records for p in parsed.problems if p.status == Status.FAIL
            )
        )
    )
    parts = _key_records(own, wild, domain)
    many = len(records) > 1
    return (
        f"{' and '.join(parts)} fail{'' if many else 's'} {failing}, so no verifier can use "
        f"{'their keys' if many else 'its key'}",
        names,
        failing,
    )


def _lenient_keys(keys: Any, domain: str) -> tuple[str, list[str], list[str]]:
    """DMARC-18's words for the lone key records whose only fault is v=DKIM1 after other tags
    (dkim.ParsedKey.lenient, DKIM-04), their names, and the names of the selectors holding
    one such key in several records alike (dkim.SelectorResult.lenient_twins, s45k); ("",
    [], []) for none. RFC 6376 §3.6.1 says v= "MUST be the first tag", but OpenDKIM and
    dkimpy check only its value and rspamd ignores it, so most receivers use the key; a
    verifier holding to the RFC's letter discards the record (task s45f). Not counted as a
    key found: where it is discarded, a domain without SPF has nothing to align with. Of
    several records alike, dkimpy and rspamd read one, the same key either way, while
    OpenDKIM refuses an answer of several TXT records (dkim_get_key_dns, "multiple DNS
    replies")."""
    twins = [r for r in keys.results if r.lenient_twins and not r.from_wildcard]
    own = [
        r
        for r in keys.results
        if r.found
        and not r.from_wildcard
        and not r.ambiguous
        and r.parsed is not None
        and r.parsed.lenient
    ]
    wildcard = keys.wildcard
    wild = (
        wildcard is not None
        and wildcard.parsed is not None
        and wildcard.parsed.lenient
        and any(r.from_wildcard for r in keys.results)
    )
    clauses = []
    if twins:
        held = (
            f"selector '{twins[0].selector}' holds {len(twins[0].records)} key records"
            if len(twins) == 1
            else f"selectors {series([repr(r.selector) for r in twins])} hold several key "
            "records each"
        )
        clauses.append(
            f"{held} where DKIM allows one, the same key with v=DKIM1 after other tags "
            "(DKIM-02, DKIM-04): dkimpy and rspamd use that key whichever record they read, "
            "but OpenDKIM refuses a selector answering several TXT records and a verifier "
            "that holds to RFC 6376 §3.6.1 discards them"
        )
    twin_names = [r.name for r in twins]
    if not own and not wild:
        return "; ".join(clauses), [], twin_names
    names = [r.name for r in own] + ([f"*._domainkey.{domain}"] if wild else [])
    parts = _key_records(own, wild, domain)
    many = len(names) > 1
    clauses.insert(
        0,
        f"{' and '.join(parts)} {'have' if many else 'has'} v=DKIM1 after other tags "
        f"(DKIM-04): OpenDKIM, dkimpy and rspamd use {'their keys' if many else 'its key'} "
        "all the same, but a verifier that holds to RFC 6376 §3.6.1 discards "
        f"{'them' if many else 'it'}",
    )
    return "; ".join(clauses), names, twin_names


def _ambiguous_words(ambiguous: list[Any]) -> str:
    """DMARC-18's words for the selectors whose key is among several TXT records
    (dkim.SelectorResult.ambiguous)."""
    if len(ambiguous) == 1:
        held = (
            f"selector '{ambiguous[0].selector}' holds "
            f"{len(ambiguous[0].records) + len(ambiguous[0].others)} TXT records where DKIM "
            "allows one"
        )
    else:
        counts = series([f"'{r.selector}' ({len(r.records) + len(r.others)})" for r in ambiguous])
        held = f"selectors {counts} hold several TXT records each where DKIM allows one"
    return (
        f"{held}, and with several the result is undefined (RFC 6376 §3.6.2.2, DKIM-02): "
        "receivers running OpenDKIM fail every signature made there, whatever the records "
        "hold, and others read whichever record they get first, so mail signed there passes "
        "DKIM only some of the time"
    )


def _revoked_keys(keys: Any, domain: str) -> tuple[str, list[str]]:
    """DMARC-18's words for the key records that only revoke (an empty p=, RFC 6376 §3.6.1),
    and their names; ("", []) for none. `keys`: dkim.DkimKeys with no key found."""
    own = [
        r
        for r in keys.results
        if r.found and not r.from_wildcard and r.parsed is not None and r.parsed.revoked
    ]
    wildcard = keys.wildcard
    wild = (
        wildcard is not None
        and wildcard.parsed is not None
        and wildcard.parsed.revoked
        and any(r.from_wildcard for r in keys.results)
    )
    names = [r.name for r in own] + ([f"*._domainkey.{domain}"] if wild else [])
    parts = []
    if own:
        selectors = series([f"'{r.selector}'" for r in own])
        parts.append(
            f"the DKIM key record at selector {selectors} is revoked"
            if len(own) == 1
            else f"the DKIM key records at selectors {selectors} are revoked"
        )
    if wild:
        parts.append(
            f"the wildcard key record at *._domainkey.{domain} revokes every other selector"
            if own
            else f"its DKIM key record, a wildcard at *._domainkey.{domain}, revokes every selector"
        )
    if not parts:
        return "", []
    # What fails is mail signed with the selector: the record holds no key to sign with.
    signed = (
        f"{series([repr(r.selector) for r in own])} or any selector without a record of its own"
        if own and wild
        else "any selector without a record of its own"
        if wild
        else "that selector"
        if len(own) == 1
        else "those selectors"
    )
    return (
        f"{' and '.join(parts)} (empty p=, RFC 6376 §3.6.1): "
        f"{'it holds' if len(names) == 1 else 'they hold'} no key, so mail signed with {signed} "
        "fails DKIM",
        names,
    )
