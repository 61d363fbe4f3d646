"""SPF (RFC 7208): record selection, the full grammar, and the include/redirect tree.

`parse_spf(text)` is a pure parser that never raises; it returns the terms and the problems it
found. `get_record(ctx)` finds the domain's SPF record once per run (DMARC asks for it);
`evaluate(ctx)` walks the whole include/redirect tree concurrently, counts DNS-querying terms in
the worst case (every term evaluated, as for a sender that matches nothing), void lookups and the
`mx` fan-out, and turns everything into checklist findings SPF-01..20.
"""

from __future__ import annotations

import asyncio
import bisect
import ipaddress
import itertools
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from checks.context import CheckContext
from checks.dns import DnsAnswer, cname_loop, lookup_is_bogus, loop_also, normalize, txt_fix
from checks.domainname import _to_a_labels, organizational_domain
from checks.findings import Collector, Finding, Mechanism, Status, series
from checks.lookalike import QUOTES, lookalikes, one_slip, unquoted
from checks.mx import is_null_mx

MECHANISM = Mechanism.SPF

MECHANISMS = {"all", "include", "a", "mx", "ptr", "ip4", "ip6", "exists"}
# RFC 7208 §4.6.4: these terms cause DNS queries and count toward the limit of 10.
LOOKUP_TERMS = {"include", "a", "mx", "ptr", "exists", "redirect"}
LOOKUP_LIMIT = 10
VOID_LIMIT = 2
# The address families a sender connects over, in the order DnsClient.addresses() answers.
FAMILIES = ("IPv4", "IPv6")
MX_FANOUT_LIMIT = 10
# RFC 7208 §3.4: keep the answer small enough for a 512-octet UDP response.
SIZE_LIMIT = 450
# Heuristic (checklist SPF-19): wider ranges than these authorise far more hosts than one sender has.
MIN_PREFIX4 = 16
MIN_PREFIX6 = 32
# A hostile or broken tree must not make us query forever.
MAX_NODES = 60
MAX_DEPTH = 12

# RFC 7208 §7.1 macro letters; c, r and t are only allowed in the explanation text itself.
MACRO_LETTERS = set("slodiphv")
EXP_ONLY_LETTERS = set("crt")
MACRO_DELIMITERS = set(".-+,/_=")
# RFC 7208 §7.3: the macro-expands that are no macro letter.
LITERAL_ESCAPES = {"%%": "%", "%_": " ", "%-": "%20"}
_LITERAL_ESCAPE_RE = re.compile(r"%[%_-]")
_DOT_AFTER_MACRO_RE = re.compile(r"%\{[^}]*\}\.$")
_MODIFIER_RE = re.compile(r"^([A-Za-z][A-Za-z0-9_.\-]*)=(.*)$", re.S)
_MECH_NAME_RE = re.compile(r"^([A-Za-z][A-Za-z0-9]*)(.*)$", re.S)
_CIDR_RE = re.compile(r"^(.*?)(?:/(0|[1-9][0-9]{0,2}))?(?://(0|[1-9][0-9]{0,2}))?$", re.S)
_TOPLABEL_RE = re.compile(r"^(?=.*[A-Za-z])[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$")

# Macro letters whose value is known without a message when a domain's record is checked: d is
# the domain check_host() is evaluating, o the sender's domain (the checked domain itself).
STATIC_LETTERS = set("do")
_MACRO_EXPAND_RE = re.compile(r"%\{([A-Za-z])([0-9]*)(r?)([.\-+,/_=]*)\}|%[%_-]", re.I)


def expand_static(spec: str, domain: str, sender_domain: str) -> str | None:
    """`spec` with its %{d} and %{o} macros expanded as receivers do (RFC 7208 §7.3), or None
    when it uses a macro that depends on the message (%{i}, %{s}, %{l}, %{h}, %{v}, %{p}).

    A target such as "include:%{d}.spf.filter.example" reaches the same name for every message,
    so its record, lookups and void answers are the domain's own and can be checked."""
    values = {"d": domain, "o": sender_domain}
    unknown = False

    def one(m: re.Match[str]) -> str:
        nonlocal unknown
        text = m.group(0)
        if text in LITERAL_ESCAPES:
            return LITERAL_ESCAPES[text]
        letter, digits, reverse, delimiters = m.groups()
        if letter.lower() not in STATIC_LETTERS or digits.startswith("0"):
            unknown = True
            return text
        parts = re.split("[" + re.escape(delimiters or ".") + "]", values[letter.lower()])
        if reverse:
            parts.reverse()
        if digits:
            parts = parts[-int(digits) :]
        # Upper-case macro letters are URL-escaped (§7.3); domain characters escape to themselves.
        return ".".join(parts)

    expanded = _MACRO_EXPAND_RE.sub(one, spec)
    if unknown:
        return None
    # §7.3: an expansion longer than 253 characters loses labels from the left until it fits.
    while len(expanded) > 253 and "." in expanded:
        expanded = expanded.split(".", 1)[1]
    return expanded


# Problems that make a receiver return permerror for the record (RFC 7208 §4.6).
PERMERROR_IDS = {"SPF-02", "SPF-03", "SPF-04", "SPF-12", "SPF-15", "SPF-16"}


@dataclass
class SpfProblem:
    check_id: str
    status: Status
    message: str
    term: str = ""
    # The term as the author meant it, when only its spelling is wrong ("include=" for
    # "include:"): receivers skip such a term rather than fail on it (RFC 7208 §6).
    meant: str = ""
    # The record without the stray quote at its end that this problem names (_stray_quote).
    unquoted: str = ""
    # The record with the domain names it wrote in Unicode as their A-labels (_a_labelled).
    ascii: str = ""
    # The record without the terms that pass every address of a family (family_cover).
    opened: str = ""
    # The record with only the first of several exp= modifiers, or of several redirect=
    # modifiers that all name one domain (SPF-12).
    one_modifier: str = ""
    # The record with each macro written without braces ('%d') given them ('%{d}', SPF-16).
    braced: str = ""
    # The record with its look-alike characters (an en dash, curly quotes) typed in ASCII.
    retyped: str = ""


@dataclass
class SpfTerm:
    text: str
    kind: str  # "mechanism" or "modifier"
    name: str  # lower-case mechanism or modifier name
    qualifier: str = "+"
    target: str | None = None  # the domain-spec, when the term has one
    network: str | None = None  # ip4/ip6 network text as written
    cidr4: int | None = None
    cidr6: int | None = None
    has_macro: bool = False
    valid: bool = True

    @property
    def lookup_name(self) -> str | None:
        """The target as receivers query it when it has no macro letter: "%%", "%_" and "%-"
        are expanded to "%", a space and "%20" (RFC 7208 §7.3), not queried as written."""
        if self.target is None:
            return None
        return _LITERAL_ESCAPE_RE.sub(lambda m: LITERAL_ESCAPES[m.group(0)], self.target)


@dataclass
class ParsedSpf:
    text: str
    terms: list[SpfTerm] = field(default_factory=list)
    problems: list[SpfProblem] = field(default_factory=list)
    all_term: SpfTerm | None = None
    redirect: SpfTerm | None = None
    exp: SpfTerm | None = None
    # Terms a receiver never looks at: mechanisms after `all`, `redirect` next to `all`.
    ignored: list[SpfTerm] = field(default_factory=list)

    @property
    def permerror(self) -> bool:
        # A mechanism written as a modifier ("include=...") is an unknown modifier, which
        # receivers skip (RFC 7208 §6): wrong, but no permanent error, and the rest is evaluated.
        return any(
            p.check_id in PERMERROR_IDS and p.status == Status.FAIL and not p.meant
            for p in self.problems
        )

    @property
    def misspelt(self) -> list[SpfProblem]:
        """Mechanisms written with '=' ("include=..."), which receivers skip (RFC 7208 §6)."""
        return [p for p in self.problems if p.meant]

    def respelled(self) -> str:
        """The record with each mechanism written with '=' spelt as meant ("include:...")."""
        meant = {p.term: p.meant for p in self.misspelt}
        return " ".join(["v=spf1", *(meant.get(t.text, t.text) for t in self.terms)])

    @property
    def evaluated(self) -> list[SpfTerm]:
        """The mechanisms a receiver may evaluate, in order, up to and including `all`."""
        out: list[SpfTerm] = []
        for term in self.terms:
            if term.kind != "mechanism" or not term.valid:
                continue
            out.append(term)
            if term.name == "all":
                break
        return out

    @property
    def lookup_terms(self) -> list[SpfTerm]:
        """DNS-querying terms counted against the limit of 10 in the worst case (§4.6.4)."""
        terms = [t for t in self.evaluated if t.name in LOOKUP_TERMS]
        if self.all_term is None and self.redirect is not None and self.redirect.valid:
            terms.append(self.redirect)
        return terms


def _check_macro_string(text: str) -> tuple[list[str], bool]:
    """RFC 7208 §7.1 macro-string: returns (errors, has_macro). Never raises."""
    errors: list[str] = []
    has_macro = False
    i = 0
    n = len(text)
    while i < n:
        c = text[i]
        if c == "%":
            if i + 1 >= n:
                errors.append("a lone '%' at the end (write '%%' for a literal percent sign)")
                break
            nxt = text[i + 1]
            if nxt in "%_-":
                i += 2
                continue
            if nxt != "{":
                if nxt.lower() in "slodiphv":  # a macro letter without its braces
                    errors.append(f"'%{nxt}' is not a macro: a macro is written '%{{{nxt}}}'")
                else:
                    errors.append(f"'%{nxt}' is not a macro (use %{{x}}, %%, %_ or %-)")
                i += 2
                continue
            end = text.find("}", i + 2)
            if end < 0:
                errors.append("a macro '%{' is never closed with '}'")
                break
            body = text[i + 2 : end]
            has_macro = True
            errors.extend(_check_macro_body(body))
            i = end + 1
            continue
        if not 0x21 <= ord(c) <= 0x7E:
            errors.append(f"the character {c!r} is not allowed")
        i += 1
    return errors, has_macro


def _check_macro_body(body: str) -> list[str]:
    if not body:
        return ["an empty macro '%{}'"]
    letter = body[0].lower()
    rest = body[1:]
    if letter in EXP_ONLY_LETTERS:
        return [
            f"the macro letter '{body[0]}' is only allowed in explanation text, not in a record"
        ]
    if letter not in MACRO_LETTERS:
        return [f"'%{{{body[0]}}}' uses an unknown macro letter (valid: s l o d i p h v)"]
    digits = ""
    while rest and rest[0].isdigit() and rest[0].isascii():
        digits += rest[0]
        rest = rest[1:]
    if digits and int(digits) == 0:
        return [f"'%{{{body}}}': the number of labels to keep must not be zero"]
    if rest[:1] in ("r", "R"):
        rest = rest[1:]
    bad = [ch for ch in rest if ch not in MACRO_DELIMITERS]
    if bad:
        return [f"'%{{{body}}}' has an invalid transformer or delimiter {''.join(bad)!r}"]
    return []


def _check_domain_spec(spec: str) -> tuple[list[str], bool]:
    """domain-spec = macro-string domain-end (RFC 7208 §7.1, §4.8). Returns (errors, has_macro)."""
    if not spec:
        return ["the domain is missing"], False
    errors, has_macro = _check_macro_string(spec)
    if errors:
        return errors, has_macro
    # Judge the literal labels with every macro replaced by a placeholder label.
    flat = re.sub(r"%\{[^}]*\}|%[%_-]", "x", spec)
    # A dot right after a final macro ("%{d}.") is _dot_after_macro's business, not a
    # missing top-level label.
    ends_with_macro = bool(_DOT_AFTER_MACRO_RE.search(spec) or re.search(r"%\{[^}]*\}$", spec))
    name = flat[:-1] if flat.endswith(".") else flat
    labels = name.split(".")
    if any(label == "" for label in labels):
        return [f"'{spec}' has an empty label ('..' or a leading dot)"], has_macro
    if any(len(label) > 63 for label in labels):
        return [f"'{spec}' has a label longer than 63 characters"], has_macro
    if not has_macro and len(name) > 253:
        return [f"'{spec}' is longer than 253 characters"], has_macro
    if not ends_with_macro:
        if len(labels) < 2:
            return [f"'{spec}' is not a fully qualified domain name"], has_macro
        if not _TOPLABEL_RE.match(labels[-1]):
            return [f"'{spec}' does not end in a valid top-level label"], has_macro
    return [], has_macro


def _dot_after_macro(text: str, spec: str, problems: list[SpfProblem]) -> None:
    """SPF-16 warn for a domain-spec ending in a macro and a dot ("exists:%{i}._spf.%{d}.").

    RFC 7208 §7.1: domain-end = ( "." toplabel [ "." ] ) / macro-expand, so a final dot may only
    follow a top-level label and the record is a syntax error (permerror) by the grammar. pyspf
    checks the name after expansion, which drops the dot, and accepts it: implementations
    disagree, which the checklist (§0) makes a warning, not a permanent error.
    """
    if _DOT_AFTER_MACRO_RE.search(spec):
        problems.append(
            SpfProblem(
                "SPF-16",
                Status.WARN,
                f"'{text}' ends in '.' right after a macro; the SPF grammar allows a final dot "
                "only after a top-level label (RFC 7208 §7.1), so strict receivers treat the "
                "record as a permanent error. Drop the dot.",
                text,
            )
        )


def _parse_term(text: str, problems: list[SpfProblem]) -> SpfTerm:
    def bad(message: str, check_id: str = "SPF-04") -> SpfTerm:
        problems.append(SpfProblem(check_id, Status.FAIL, message, text))
        term.valid = False
        return term

    modifier = _MODIFIER_RE.match(text)
    if modifier:
        name, value = modifier.group(1).lower(), modifier.group(2)
        term = SpfTerm(text=text, kind="modifier", name=name, target=value)
        if name in MECHANISMS:
            # Grammatically an unknown modifier, so receivers silently ignore it: the author
            # meant a mechanism and it does nothing.
            bad(
                f"'{text}' uses '=' so receivers ignore it as an unknown modifier; "
                f"the mechanism is written '{name}:{value}'"
            )
            problems[-1].meant = text.replace("=", ":", 1)
            return term
        if name in ("redirect", "exp"):
            errors, term.has_macro = _check_domain_spec(value)
        else:
            errors, term.has_macro = _check_macro_string(value)
        if errors:
            return bad(f"'{text}': {errors[0]}", _macro_or_syntax(errors[0]))
        if name in ("redirect", "exp"):
            _dot_after_macro(text, value, problems)
        return term

    qualifier = "+"
    body = text
    if body[:1] in "+-~?" and body:
        qualifier, body = body[0], body[1:]
    term = SpfTerm(text=text, kind="mechanism", name="", qualifier=qualifier)
    match = _MECH_NAME_RE.match(body)
    if not match:
        return bad(f"'{text}' is not a valid SPF term")
    name, rest = match.group(1).lower(), match.group(2)
    term.name = name
    if name not in MECHANISMS:
        return bad(f"'{text}': '{match.group(1)}' is not an SPF mechanism")
    if name == "all":
        if rest:
            return bad(f"'{text}': 'all' takes no argument")
        return term
    if name in ("include", "exists"):
        if not rest.startswith(":") or len(rest) < 2:
            return bad(f"'{text}': '{name}' needs a domain, written '{name}:example.com'")
        term.target = rest[1:]
    elif name == "ptr":
        if rest:
            if not rest.startswith(":"):
                return bad(f"'{text}' is not a valid ptr mechanism")
            term.target = rest[1:]
    elif name in ("a", "mx"):
        # 'a/024', 'mx//064': 24 and 64 to the owner, but a dual-cidr-length allows no leading
        # zero (RFC 7208 §5.6), so "an invalid prefix length" would not tell what is wrong
        # (s41m, as d9d704f6 for ip4:/ip6:). Only where every length is in range once read.
        padded = re.fullmatch(r"(.*?)(?:/([0-9]+))?(?://([0-9]+))?", rest, re.S)
        if (
            padded
            and padded.group(1)[:1] in ("", ":")
            and any(re.fullmatch(r"0[0-9]+", g or "") for g in padded.group(2, 3))
        ):
            four, six = padded.group(2, 3)
            if (four is None or int(four) <= 32) and (six is None or int(six) <= 128):
                section = "§5.3" if name == "a" else "§5.4"
                written = (f"/{int(four)}" if four is not None else "") + (
                    f"//{int(six)}" if six is not None else ""
                )
                return bad(
                    f"'{text}': the prefix length is written with a leading zero, which the SPF "
                    f"grammar does not allow (RFC 7208 {section}, §5.6): write {written}"
                )
        cidr = _CIDR_RE.match(rest)
        head = cidr.group(1) if cidr else rest
        if cidr and (cidr.group(2) or cidr.group(3)):
            term.cidr4 = int(cidr.group(2)) if cidr.group(2) else None
            term.cidr6 = int(cidr.group(3)) if cidr.group(3) else None
        if "/" in head and not head.startswith(":"):
            return bad(f"'{text}' has an invalid prefix length")
        if head:
            if not head.startswith(":"):
                return bad(f"'{text}' is not a valid {name} mechanism")
            term.target = head[1:]
        if term.cidr4 is not None and term.cidr4 > 32:
            return bad(f"'{text}': an IPv4 prefix length must be 0-32")
        if term.cidr6 is not None and term.cidr6 > 128:
            return bad(f"'{text}': an IPv6 prefix length must be 0-128")
        # A trailing "/" or "/NNN" that the CIDR rule could not take is a malformed prefix.
        if term.target is not None and re.search(r"/\d*$", term.target):
            return bad(f"'{text}' has an invalid prefix length")
    else:  # ip4 / ip6
        if not rest.startswith(":") or len(rest) < 2:
            return bad(f"'{text}': '{name}' needs an address, written '{name}:192.0.2.0/24'")
        addr, slash, prefix = rest[1:].partition("/")
        term.network = rest[1:]
        limit = 32 if name == "ip4" else 128
        # ip4-cidr-length = "/" ("0" / %x31-39 0*1DIGIT), ip6-cidr-length = "/" ("0" / %x31-39
        # 0*2DIGIT) (RFC 7208 §5.6; RFC 4408's was 1*DIGIT): a "/" with no number is a syntax
        # error, and so is a leading zero.
        if slash:
            # '/064' is 64 to the owner, but the grammar allows no leading zero (s41a): saying
            # it must be a number from 0 to 128 would not tell what is wrong.
            if re.fullmatch(r"0[0-9]+", prefix) and int(prefix) <= limit:
                return bad(
                    f"'{text}': the prefix length is written with a leading zero, which the SPF "
                    f"grammar does not allow (RFC 7208 §5.6): write /{int(prefix)}"
                )
            if not re.fullmatch(r"0|[1-9][0-9]{0,2}", prefix) or int(prefix) > limit:
                return bad(f"'{text}': the prefix length must be a number from 0 to {limit}")
            if name == "ip4":
                term.cidr4 = int(prefix)
            else:
                term.cidr6 = int(prefix)
        try:
            if name == "ip4":
                ipaddress.IPv4Address(addr)
            else:
                if "%" in addr or "." in addr.rsplit(":", 1)[0]:
                    raise ValueError(addr)
                ipaddress.IPv6Address(addr)
        except ValueError:
            return bad(f"'{text}': '{addr}' is not a valid IPv{name[-1]} address")
        return term
    if term.target is not None:
        errors, term.has_macro = _check_domain_spec(term.target)
        if errors:
            return bad(f"'{text}': {errors[0]}", _macro_or_syntax(errors[0]))
        _dot_after_macro(text, term.target, problems)
    return term


def _macro_or_syntax(message: str) -> str:
    return "SPF-16" if "macro" in message or "'%" in message else "SPF-04"


def is_spf_record(text: str) -> bool:
    """RFC 7208 §4.5: exactly "v=spf1" followed by a space or the end of the record."""
    head = text[:7].lower()
    return head == "v=spf1" or head == "v=spf1 "


def parse_spf(text: str) -> ParsedSpf:
    """Parse one SPF record. Never raises: every problem is returned in `problems`."""
    return _stray_quote(text, _parsed(text))


def _stray_quote(text: str, parsed: ParsedSpf) -> ParsedSpf:
    """`parsed` with a stray ASCII quote at the record's end named, when it alone spoils the
    last term: 'v=spf1 mx -all"', also before a last ';' ('-all";'), the closing quote of a
    zone-file line that a DNS panel kept as text. Read as written, the last term is '-all";'
    and the finding was "'all' takes no argument", which the owner cannot see; it now names
    the quote (SPF-04 fail, a permanent error as before) and carries the record without it.
    Quotes at the start are SPF-02's (_quotes_note), typographic ones SPF-15's."""
    if not isinstance(text, str) or not parsed.terms:
        return parsed
    around = unquoted(text.rstrip(" ;"))
    if around is None or around.leading or around.typographic or not text.startswith(around.text):
        return parsed
    without = _parsed(around.text)
    if not without.terms:
        return parsed
    # The terms the quote (and ';') spoil: the last one, and the one before when they were
    # typed apart ('-all" ;' is the terms '-all"' and ';'), named once together.
    failed = {p.term for p in parsed.problems if p.status == Status.FAIL}
    spoilt_terms = [t.text for t in parsed.terms[len(without.terms) - 1 :] if t.text in failed]
    if not spoilt_terms:
        return parsed
    last = spoilt_terms[-1]
    spoilt = [p for p in parsed.problems if p.status == Status.FAIL and p.term in spoilt_terms]
    if any(p.status == Status.FAIL and p.term == without.terms[-1].text for p in without.problems):
        return parsed  # the last term is broken without the quote too: said as it is
    semicolon = text.rstrip(" ").endswith(";")
    quote = "a quote" if around.count == 1 else "quotes"
    what = f"{quote} and a ';'" if semicolon else quote
    where = f"{around.quotes}, then ';'" if semicolon else around.quotes
    source = (
        f"{around.whose}, and a ';', which SPF does not use (terms are separated by spaces, "
        "RFC 7208 §4.6.1)"
        if semicolon
        else around.whose
    )
    them = "them" if semicolon or around.count > 1 else "it"
    named = SpfProblem(
        "SPF-04",
        Status.FAIL,
        f"The record ends with {what} ({where}): {source}, so receivers read "
        + (
            f"'{last}' as its last term, which is not valid"
            if len(spoilt_terms) == 1
            else " and ".join(f"'{t}'" for t in spoilt_terms) + " as its last terms, which "
            "are not valid"
        )
        + f". Retype the record without {them}: '{around.text}'",
        last,
        unquoted=around.text,
    )
    # The last term's other fails are the same quote's: named once.
    rest = {id(p) for p in spoilt[1:]}
    parsed.problems = [named if p is spoilt[0] else p for p in parsed.problems if id(p) not in rest]
    return parsed


# The terms whose argument is a domain-spec (RFC 7208 §5, §6).
_NAMED_TERMS = frozenset({"a", "mx", "ptr", "include", "exists", "redirect", "exp"})


def _a_labelled(text: str) -> tuple[str, list[str]] | None:
    """(`text` with each domain name written in Unicode as its A-labels, those names) when its
    only non-ASCII characters are in the domain names of terms ("a:mail.müller.example/28",
    "include:_spf.müller.example", "redirect=_spf.müller.example"); None otherwise."""
    names: list[str] = []

    def labelled(token: str) -> str:
        if token.isascii():
            return token
        at = min((i for i in (token.find(":"), token.find("=")) if i > 0), default=-1)
        head, spec = token[: at + 1], token[at + 1 :]
        name, slash, cidr = spec.partition("/")
        term = head[:-1].lstrip("+-~?").lower()
        if term not in _NAMED_TERMS or not cidr.isascii() or "%" in name:
            raise UnicodeError(token)
        names.append(name)
        # Label by label: "_spf" is no IDNA label, and needs none.
        labels = [label if label.isascii() else _to_a_labels(label) for label in name.split(".")]
        return head + ".".join(labels) + slash + cidr

    try:
        out = re.sub(r"\S+", lambda m: labelled(m.group(0)), text)
    except UnicodeError:
        return None
    return (out, names) if out.isascii() else None


def _parsed(text: str) -> ParsedSpf:
    """parse_spf's reading of the record as written."""
    parsed = ParsedSpf(text=text)
    if not isinstance(text, str):
        parsed.problems.append(SpfProblem("SPF-04", Status.FAIL, "The record is not text."))
        return parsed
    pasted = lookalikes(text)
    if pasted is not None:
        # Named as what it is: read as written, the term holding it is "not a valid
        # mechanism", which the owner cannot see. The terms are then read as meant.
        parsed.problems.append(
            SpfProblem(
                "SPF-15",
                Status.FAIL,
                f"The record contains {pasted.describe()}: it {pasted.fault}, "
                "and SPF records must be US-ASCII (RFC 7208 §3.1). Retype "
                f"the record by hand: '{pasted.cleaned.strip()}'.",
                retyped=pasted.cleaned.strip(),
            )
        )
    elif not text.isascii() and (labelled := _a_labelled(text)) is not None:
        # Names written as people read them ("a:mail.müller.example"): one problem, the
        # names, and the record with their A-labels, whose terms are then read as meant
        # (read as written, each such term is also "not allowed", the same problem twice).
        ascii_text, names = labelled
        parsed.problems.append(
            SpfProblem(
                "SPF-15",
                Status.FAIL,
                "The record names "
                + series([f"'{n}'" for n in names])
                + " in Unicode form; SPF records must be US-ASCII (RFC 7208 §3.1), with "
                "internationalised names written as their A-labels. Write it as "
                f"'{ascii_text}'.",
                ascii=ascii_text,
            )
        )
    elif not text.isascii():
        parsed.problems.append(
            SpfProblem(
                "SPF-15",
                Status.FAIL,
                "The record contains non-ASCII characters; SPF records must be US-ASCII "
                "(write internationalised names in their xn-- form).",
            )
        )
    if not is_spf_record(text):
        parsed.problems.append(
            SpfProblem(
                "SPF-02",
                Status.FAIL,
                "The record does not start with exactly 'v=spf1' followed by a space.",
            )
        )
        return parsed
    seen: dict[str, int] = {}
    # Each modifier's names as written ('exp', 'EXP'), for SPF-12 to say they are one.
    spelled: dict[str, list[str]] = {}
    after_all = False
    meant = pasted.cleaned if pasted is not None else text
    if pasted is None and not text.isascii():
        meant = next((p.ascii for p in parsed.problems if p.ascii), text)
    for raw in meant[6:].split(" "):
        if not raw:
            continue
        term = _parse_term(raw, parsed.problems)
        parsed.terms.append(term)
        if term.kind == "modifier":
            seen[term.name] = seen.get(term.name, 0) + 1
            written = raw.partition("=")[0]
            if written not in spelled.setdefault(term.name, []):
                spelled[term.name].append(written)
            if term.name in ("redirect", "exp") and seen[term.name] == 2:
                # exp= only names the text a rejected sender is shown (RFC 7208 §6.2), so
                # keeping the first is safe; which redirect lists the senders is no guess,
                # unless every one names the same domain ('REDIRECT=x redirect=x').
                targets = _redirect_targets(meant)
                one = term.name == "exp" or (len(targets) == 1 and bool(targets[0]))
                keep = (
                    "Keep only the first: exp= just names the text a rejected sender is shown."
                    if term.name == "exp"
                    else f"Each names {targets[0]}, so keep one of them."
                    if one
                    else "Keep only the redirect to the domain whose record lists your senders."
                )
                # 'exp=' beside 'EXP=' reads as two terms to the owner: names are one
                # modifier whatever their case (RFC 7208 §4.6.1, RFC 5234 §2.3) (s41k).
                same = ""
                if len(spelled[term.name]) > 1:
                    names = series([f"'{n}='" for n in spelled[term.name]])
                    same = (
                        f" ({names} are the same modifier: modifier names are "
                        "case-insensitive, RFC 7208 §4.6.1)"
                    )
                parsed.problems.append(
                    SpfProblem(
                        "SPF-12",
                        Status.FAIL,
                        f"The '{term.name}' modifier appears more than once{same}, and RFC "
                        f"7208 §6 allows it once. {keep}",
                        raw,
                        one_modifier=_one_modifier(meant, term.name) if one else "",
                    )
                )
            if term.valid and term.name == "redirect" and parsed.redirect is None:
                parsed.redirect = term
            if term.valid and term.name == "exp" and parsed.exp is None:
                parsed.exp = term
            if after_all and term.text.lower() == "v=spf1":
                # A second record pasted after the first's 'all': its 'v=spf1' reads as an
                # unknown modifier (ignored, RFC 7208 §6) and starts what receivers never reach.
                parsed.ignored.append(term)
            continue
        if after_all:
            parsed.ignored.append(term)
        elif term.valid and term.name == "all":
            parsed.all_term = term
            after_all = True
    if parsed.all_term is not None and parsed.redirect is not None:
        parsed.ignored.append(parsed.redirect)
    braced = _braced(meant)
    for problem in parsed.problems:
        if problem.check_id == "SPF-16" and "is not a macro" in problem.message and braced:
            problem.braced = braced
    # Terms that pass every address of a family (SPF-19): what the record is without them.
    cover = family_cover(parsed)
    # SPF-19's ranges that earlier terms leave no address to match, by family, read once.
    shadowed_by_family: dict[str, list[SpfTerm]] = {}

    def shadowed(family: str) -> list[SpfTerm]:
        if family not in shadowed_by_family:
            shadowed_by_family[family] = _shadowed_ranges(parsed, family)
        return shadowed_by_family[family]

    opened = _without_cover(parsed, cover) if any(cover.values()) else ""
    for term in parsed.terms:
        if term.valid and term.name == "ptr" and term.kind == "mechanism":
            host = _ptr_host(term)
            parsed.problems.append(
                SpfProblem(
                    "SPF-11",
                    Status.WARN,
                    f"The '{term.text}' mechanism is slow and unreliable, RFC 7208 says it "
                    "should not be published; "
                    + (
                        # ptr:<host> passes the addresses whose reverse name is that host: a:
                        # names the same host's addresses, with the same one lookup.
                        f"name the host with 'a:{host}' instead."
                        if host
                        else "list the addresses or hosts instead."
                    ),
                    term.text,
                )
            )
        elif term.valid and term.has_macro and re.search(r"%\{[pP]", term.text):
            parsed.problems.append(
                SpfProblem(
                    "SPF-11",
                    Status.WARN,
                    "The %{p} macro needs reverse-DNS lookups like 'ptr' and should not be used.",
                    term.text,
                )
            )
        if term.valid and term.name in ("ip4", "ip6"):
            prefix = term.cidr4 if term.name == "ip4" else term.cidr6
            floor = MIN_PREFIX4 if term.name == "ip4" else MIN_PREFIX6
            family = FAMILIES[0] if term.name == "ip4" else FAMILIES[1]
            if prefix is not None and prefix < floor and any(t is term for t in cover[family]):
                others = [t.text for t in cover[family] if t is not term]
                parsed.problems.append(
                    SpfProblem(
                        "SPF-19",
                        Status.WARN,
                        f"'{term.text}' "
                        + (f"(with {', '.join(repr(o) for o in others)}) " if others else "")
                        + f"covers every {family} address: every {family} server on the "
                        "Internet passes SPF as your domain, as with '+all'. "
                        + ("Remove them" if others else "Remove it")
                        + " and list only the networks that really send your mail.",
                        term.text,
                        opened=opened,
                    )
                )
            elif prefix is not None and prefix < floor and term.qualifier != "+":
                scope = f"{family} address" if prefix == 0 else f"address of its /{prefix} range"
                parsed.problems.append(
                    SpfProblem(
                        "SPF-19", Status.WARN, _refusing_range(parsed, term, scope), term.text
                    )
                )
            elif prefix is not None and prefix < floor and any(t is term for t in shadowed(family)):
                # Every address of it is matched by a term before it ('-ip4:128.0.0.0/1
                # ip4:128.0.0.0/1'): the first match decides (RFC 7208 §4.6.2).
                parsed.problems.append(
                    SpfProblem(
                        "SPF-19",
                        Status.WARN,
                        f"'{term.text}' authorises no one: the terms before it already match "
                        "every address of its range, and the first term that matches decides. "
                        "Remove it, and list only the networks that really send your mail.",
                        term.text,
                    )
                )
            elif prefix is not None and prefix < floor:
                parsed.problems.append(
                    SpfProblem(
                        "SPF-19",
                        Status.WARN,
                        f"'{term.text}' authorises a very large address range (/{prefix}); "
                        "list only the networks that really send your mail.",
                        term.text,
                    )
                )
        elif term.valid and term.kind == "mechanism" and term.name in ("a", "mx"):
            # "a/0" matches a client in the /0 network around the host's address (RFC 7208
            # §5.3, §5.6): every IPv4 address, as open as '+all' and easier to overlook.
            short = [
                f"/{p}" if v == 4 else f"//{p}"
                for v, p, floor in ((4, term.cidr4, MIN_PREFIX4), (6, term.cidr6, MIN_PREFIX6))
                if p is not None and p < floor
            ]
            whole = [f for f in FAMILIES if any(t is term for t in cover[f])]
            if whole:
                fams = " and ".join(whole)
                around = "each mail server's address" if term.name == "mx" else "the host's address"
                own = "mail servers'" if term.name == "mx" else "host's"
                parsed.problems.append(
                    SpfProblem(
                        "SPF-19",
                        Status.WARN,
                        f"'{term.text}' matches the /0 network around {around}, that is "
                        f"every {fams} address: as soon as it has one, every {fams} "
                        "server on the Internet passes SPF as your domain, as with '+all'. Write "
                        f"it '{_without_zero_prefix(term)}' (the {own} own addresses) and list "
                        "only the networks that really send your mail.",
                        term.text,
                        opened=opened,
                    )
                )
            elif short and term.qualifier != "+":
                around = "each mail server's address" if term.name == "mx" else "the host's address"
                scope = f"address in the {' and '.join(short)} network around {around}"
                parsed.problems.append(
                    SpfProblem(
                        "SPF-19", Status.WARN, _refusing_range(parsed, term, scope), term.text
                    )
                )
            elif short:
                parsed.problems.append(
                    SpfProblem(
                        "SPF-19",
                        Status.WARN,
                        f"'{term.text}' authorises a very large address range around each of "
                        f"the host's addresses ({' and '.join(short)}); use the host's own "
                        "addresses (no prefix) or the networks that really send your mail.",
                        term.text,
                    )
                )
    return parsed


@dataclass
class SpfSelection:
    """Which TXT records at a name are SPF records (RFC 7208 §4.5)."""

    records: list[str]
    raw: list[bytes]
    strings: list[list[bytes]]
    near_misses: list[str]  # records that look like SPF but fail the version test


def select_records(answer: DnsAnswer) -> SpfSelection:
    records: list[str] = []
    raws: list[bytes] = []
    strings: list[list[bytes]] = []
    near: list[str] = []
    for rdata in answer.records:
        parts = [bytes(s) for s in getattr(rdata, "strings", ())]
        raw = b"".join(parts)
        text = raw.decode("utf-8", errors="replace")
        if is_spf_record(text):
            records.append(text)
            raws.append(raw)
            strings.append(parts)
        elif is_near_miss(text):
            near.append(text)
    return SpfSelection(records, raws, strings, near)


def is_near_miss(text: str) -> bool:
    """`text` looks like SPF but fails RFC 7208 §4.5's version test ('v=spf1;', 'v=spf10',
    'v=spf1<TAB>mx', a pasted quote, one slip of the keyboard): SPF-02's near miss."""
    return not is_spf_record(text) and bool(
        _PASTED_RE.sub("", text)[:5].lower() == "v=spf" or _slipped_version(text)
    )


def _slipped_version(text: str) -> str:
    """The first token of `text` when it is 'v=spf1' with one slip of the keyboard ('v=sfp1',
    'v=spg1', 'v-spf1', 'v=sp1'): receivers ignore the record (RFC 7208 §4.5), but it is the
    owner's SPF record, not another kind of TXT ('v=DMARC1', 'spf2.0/pra', a token)."""
    token = re.match(r"[^\s;,]*", _PASTED_RE.sub("", text))
    word = token[0] if token else ""
    return word if one_slip(word.lower(), "v=spf1") else ""


# What a record pasted into a DNS panel often starts with: its own quotes (the panel adds
# another pair, so they become part of the text), an escaped quote, typographic quotes a word
# processor made of them, or a space. Receivers ignore such a record (RFC 7208 §4.5); the owner
# meant it as their SPF record.
_PASTED_RE = re.compile(r"^[\s\\\"'" + "".join(QUOTES) + "]+")
_PASTED_END_RE = re.compile(r"[\s\\\"'" + "".join(QUOTES) + "]+$")


# The start of a term written out in full: a qualified or argument-taking mechanism, or a
# modifier. A string that begins with one was meant as a new term, not as the end of the last.
_TERM_START_RE = re.compile(
    r"^(?:[+\-~?](?:all|a|mx|ptr)(?=[:/]|$)|[+\-~?]?(?:include|exists|ip4|ip6|a|mx|ptr)[:/]"
    r"|(?:redirect|exp)=)",
    re.I,
)
# A whole term that is one bare word ("mx", "-all"): in "include:_spf.google.com" "mx -all"
# the second string was meant to start with it. A cut made by a tool at 255 octets may fall
# before the last letters of a name ("include:spf.example." "mx"), so there it does not count.
_BARE_TERM_RE = re.compile(r"^[+\-~?]?(?:all|a|mx|ptr)$", re.I)
_TOOL_CUT = 255
# A term that runs over more string boundaries than this is not split up by trial.
_MAX_CUTS = 6


def _valid_term(term: str) -> bool:
    """Whether receivers accept the term: "include=x" is an unknown modifier they skip (§6)."""
    problems: list[SpfProblem] = []
    return _parse_term(term, problems).valid or all(p.meant for p in problems)


@dataclass
class Fusion:
    """A term that runs over TXT string boundaries and was not meant to (SPF-03)."""

    term: str
    broken: bool  # invalid as written (permerror); else valid but not what was meant
    cuts: list[int]  # offsets in the joined record where a space restores the meant terms


def fusions(strings: list[bytes]) -> tuple[str, list[Fusion]]:
    """The joined record and the terms fused at string boundaries without a space (SPF-03).

    RFC 7208 §3.3 joins strings with no space, so "ip4:192.0.2.1" "ip4:192.0.2.2" becomes one
    invalid term. A long record split at 255 octets may cut a term on purpose ("ip4:198.51.1"
    "00.0/24" joins to a valid address): such boundaries are left alone. A fused term counts
    when it is invalid, or when it is valid only by accident: both halves are whole terms and the
    second is written as one ("include:a.example" "include:b.example" joins to an include of the
    name "a.exampleinclude:b.example").
    """
    parts = [s.decode("utf-8", errors="replace") for s in strings]
    joined = "".join(parts)
    bounds: dict[int, list[int]] = {}  # term start -> boundaries inside that term
    tool_cuts: set[int] = set()
    offset = 0
    for raw, part in zip(strings[:-1], parts[:-1], strict=True):
        offset += len(part)
        if len(raw) >= _TOOL_CUT:
            tool_cuts.add(offset)
        if 0 < offset < len(joined) and joined[offset - 1] != " " and joined[offset] != " ":
            bounds.setdefault(joined.rfind(" ", 0, offset) + 1, []).append(offset)
    found: list[Fusion] = []
    for start, inner in bounds.items():
        if start == 0:  # fused into the version tag: SPF-02 reports it
            continue
        end = joined.find(" ", start)
        end = len(joined) if end < 0 else end
        term = joined[start:end]
        broken = not _valid_term(term)
        cuts: list[int] | None = None
        if len(inner) <= _MAX_CUTS:
            # The fewest spaces that leave only valid terms, each new one written as a term.
            for size in range(1, len(inner) + 1):
                for combo in itertools.combinations(inner, size):
                    pieces = [
                        joined[a:b] for a, b in zip((start, *combo), (*combo, end), strict=True)
                    ]
                    if all(_valid_term(p) for p in pieces) and (
                        broken
                        or all(
                            _TERM_START_RE.match(p)
                            or (cut not in tool_cuts and _BARE_TERM_RE.match(p))
                            for cut, p in zip(combo, pieces[1:], strict=True)
                        )
                    ):
                        cuts = list(combo)
                        break
                if cuts is not None:
                    break
        if broken:
            found.append(Fusion(term, True, cuts if cuts is not None else inner))
        elif cuts is not None:
            found.append(Fusion(term, False, cuts))
    return joined, found


def fused_boundary(strings: list[bytes]) -> str | None:
    """The first term fused at a string boundary (SPF-03), or None."""
    found = fusions(strings)[1] if len(strings) > 1 else []
    return found[0].term if found else None


def unfused(strings: list[bytes], found: list[Fusion] | None = None) -> str:
    """The record with a space at each boundary where a term was fused by mistake (SPF-03 fix).
    `found` is what fusions(strings) returned, when the caller has it already."""
    if found is None:
        found = fusions(strings)[1]
    joined = "".join(s.decode("utf-8", errors="replace") for s in strings)
    cuts = sorted({c for f in found for c in f.cuts}, reverse=True)
    for cut in cuts:
        joined = joined[:cut] + " " + joined[cut:]
    return joined


@dataclass
class SpfRecord:
    """The domain's own SPF record as a receiver would select it (the memoised fact)."""

    domain: str
    answer: DnsAnswer
    selection: SpfSelection | None
    parsed: ParsedSpf | None

    @property
    def failed(self) -> bool:
        return self.answer.failed

    @property
    def record(self) -> str | None:
        if self.selection and len(self.selection.records) == 1:
            return self.selection.records[0]
        return None

    @property
    def exists(self) -> bool:
        """At least one SPF record is published (even if broken)."""
        return bool(self.selection and self.selection.records)


def undotted_owners(owner: str, domain: str, suffixes: tuple[str, ...] = ()) -> list[str]:
    """Where a record meant for `owner` lands when its owner name is written in a zone file
    without the final dot: relative to the zone's origin (RFC 1035 §5.1), "example.com" in
    the zone example.com is example.com.example.com. The zone is `domain` or one of its
    ancestors up to its organisational domain, as for MX targets (mx.doubled_suffix_target):
    a public suffix is nobody's zone file. Nearest zone first."""
    org = organizational_domain(domain, suffixes)
    labels = domain.split(".")
    names: list[str] = []
    for start in range(len(labels) - 1):
        zone = ".".join(labels[start:])
        if len(zone) < len(org):
            break
        names.append(f"{owner}.{zone}")
    return names


def wildcard_probe_name(name: str) -> str:
    """A name beside `name` that nobody publishes: `name` with its first label replaced by a
    random one. A wildcard that answers `name` answers it too (RFC 4592 §3.3.1: both have
    the same closest encloser), while a record published at `name` itself does not: its
    parent then exists, and a wildcard above it no longer applies below it."""
    return f"mailsec-probe-{secrets.token_hex(6)}.{name.partition('.')[2]}"


async def find_undotted(
    ctx: CheckContext, owner: str, select: Any
) -> tuple[str, list[str], DnsAnswer] | None:
    """The first of undotted_owners(owner, ...) where `select(answer)` finds records that no
    wildcard made: (that name, the records, the answer), else None. One TXT lookup per
    candidate zone, concurrently (one for an organisational domain); a failed lookup finds
    nothing.

    A wildcard ('*.example.org TXT "v=spf1 -all"', protecting subdomains) answers
    example.org.example.org too, and is no record written without its final dot: telling
    the owner to move it to the domain and delete it would undo it. So for each name that
    finds records, one more TXT lookup asks wildcard_probe_name(name): the same records
    there are the wildcard's. A failed probe cannot tell, and claims nothing either."""
    names = undotted_owners(owner, normalize(ctx.domain), ctx.config.extra_public_suffixes)
    answers = await asyncio.gather(*(ctx.dns.query(n, "TXT") for n in names))
    found = [
        (name, records, answer)
        for name, answer in zip(names, answers, strict=True)
        if (records := [] if answer.failed else select(answer))
    ]
    probes = await asyncio.gather(
        *(ctx.dns.query(wildcard_probe_name(name), "TXT") for name, _, _ in found)
    )
    for (name, records, answer), probe in zip(found, probes, strict=True):
        if probe.failed or sorted(select(probe)) == sorted(records):
            continue
        return name, records, answer
    return None


async def get_record(ctx: CheckContext) -> SpfRecord:
    async def load() -> SpfRecord:
        answer = await ctx.dns.query(ctx.domain, "TXT")
        if answer.failed:
            return SpfRecord(ctx.domain, answer, None, None)
        selection = select_records(answer)
        parsed = parse_spf(selection.records[0]) if len(selection.records) == 1 else None
        return SpfRecord(ctx.domain, answer, selection, parsed)

    return await ctx.once("spf:record", load)


# ---------------------------------------------------------------------------------------------
# The include/redirect tree


@dataclass
class SpfNode:
    domain: str
    via: str  # "record", "include" or "redirect"
    status: str = "ok"  # ok, none, multiple, permerror, temperror, loop, truncated
    record: str | None = None
    # The record's character-strings as published (RFC 7208 §3.3 joins them without a space).
    strings: list[bytes] = field(default_factory=list)
    parsed: ParsedSpf | None = None
    children: list[SpfNode] = field(default_factory=list)
    own_lookups: int = 0
    voids: list[str] = field(default_factory=list)
    # Names an `a` term looks up that have addresses of one family only: void lookups for a
    # sender of the other family (RFC 7208 §5.3 asks for the connection's family), keyed by
    # that family ("IPv4": names with only AAAA records).
    family_voids: dict[str, list[str]] = field(default_factory=dict)
    # Why each void name came back empty, for the text: "nxdomain" (the name does not exist),
    # "nodata" (it exists without the record asked for), "exists" (an exists: name without an
    # A record), "mx" (a name without MX records); and the alias chain a name ended in.
    void_kinds: dict[str, str] = field(default_factory=dict)
    void_cnames: dict[str, list[str]] = field(default_factory=dict)
    # What an exists: name without an A record does hold ("TXT", "AAAA"): §5.7 asks for A only.
    exists_holds: dict[str, list[str]] = field(default_factory=dict)
    mx_fanout: dict[str, int] = field(default_factory=dict)
    # The hosts each `mx` term's name has, in MX order: a host without any address is a void
    # lookup of that term, met where that term is evaluated (_stop_in).
    mx_hosts: dict[str, list[str]] = field(default_factory=dict)
    # The families an `a` or `mx` term's lookups found addresses of, keyed (term name, name
    # queried): an 'a/0' matches every address of a family only when its host has one of it.
    address_families: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    failures: list[DnsAnswer] = field(default_factory=list)
    # (name, type) of the failures that are DNSSEC validation failures (_mark_bogus): every
    # validating receiver gets the same SERVFAIL, so the temperror does not go away.
    bogus: set[tuple[str, str]] = field(default_factory=set)
    unresolvable: list[str] = field(default_factory=list)  # macro terms we cannot follow
    answer: DnsAnswer | None = None
    # The include or redirect term of the parent's record this node was reached by, as written
    # (its domain may be a macro's expansion: "include:%{d}.spf.example.net").
    term: str = ""

    @property
    def total_lookups(self) -> int:
        """Worst case: every DNS-querying term of this node and everything below it."""
        return self.own_lookups + sum(child.total_lookups for child in self.children)

    def walk(self) -> list[SpfNode]:
        out = [self]
        for child in self.children:
            out.extend(child.walk())
        return out

    def to_evidence(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "domain": self.domain,
            "via": self.via,
            "status": self.status,
            "record": self.record,
            "lookups_here": self.own_lookups,
            "lookups_total": self.total_lookups,
        }
        if self.voids:
            data["void_lookups"] = self.voids
            # NXDOMAIN or NODATA (and what an exists: name holds instead of an A record).
            data["void_answers"] = {
                v: self.void_kinds.get(v, "nodata")
                + (f" ({', '.join(self.exists_holds[v])})" if self.exists_holds.get(v) else "")
                for v in self.voids
            }
        if self.family_voids:
            data["void_lookups_for"] = self.family_voids
        if self.mx_fanout:
            data["mx_hosts"] = self.mx_fanout
        if self.unresolvable:
            data["not_followed"] = self.unresolvable
        if self.children:
            data["children"] = [child.to_evidence() for child in self.children]
        return data


class _WalkState:
    def __init__(self) -> None:
        self.nodes = 0


async def _walk(
    ctx: CheckContext,
    domain: str,
    via: str,
    path: tuple[str, ...],
    state: _WalkState,
    answer: DnsAnswer | None = None,
) -> SpfNode:
    node = SpfNode(domain=domain, via=via)
    state.nodes += 1
    if domain in path:
        node.status = "loop"
        return node
    if state.nodes > MAX_NODES or len(path) > MAX_DEPTH:
        node.status = "truncated"
        return node
    if answer is None:
        answer = await ctx.dns.query(domain, "TXT")
    node.answer = answer
    if answer.failed:
        node.status = "temperror"
        node.failures.append(answer)
        return node
    selection = select_records(answer)
    if not selection.records:
        node.status = "none"
        return node
    if len(selection.records) > 1:
        node.status = "multiple"
        return node
    node.record = selection.records[0]
    node.strings = selection.strings[0]
    node.parsed = parse_spf(node.record)
    if node.parsed.permerror:
        node.status = "permerror"
        return node
    await _expand(ctx, node, path, state)
    return node


async def _expand(
    ctx: CheckContext, node: SpfNode, path: tuple[str, ...], state: _WalkState
) -> None:
    """Follow the lookup terms of `node`'s parsed record: children, void names, mx fan-out."""
    assert node.parsed is not None
    domain = node.domain
    terms = node.parsed.lookup_terms
    node.own_lookups = len(terms)
    here = path + (domain,)
    # The name each term queries: %{d}/%{o} expanded; None for a message-dependent macro.
    names = {
        id(t): expand_static(t.target, domain, ctx.domain)
        if t.has_macro and t.target
        else t.lookup_name or domain
        for t in terms
    }

    async def follow(term: SpfTerm) -> None:
        name = names[id(term)]
        if name is None or term.name == "ptr":
            if term.name != "ptr":
                node.unresolvable.append(term.text)
            return
        target = normalize(name)
        if term.name in ("include", "redirect"):
            child = await _walk(ctx, target, term.name, here, state)
            child.term = term.text
            node.children.append(child)
        elif term.name == "a":
            addrs, answers = await ctx.dns.addresses(target)
            _note(node, target, answers, void=not addrs)
            node.address_families[("a", target)] = _families_found(answers)
            if addrs and not any(a.failed for a in answers):
                for family, answer in zip(FAMILIES, answers, strict=True):
                    if answer.empty:
                        node.family_voids.setdefault(family, []).append(target)
        elif term.name == "exists":
            a = await ctx.dns.query(target, "A")
            _note(node, target, [a], void=a.empty)
            if a.empty and not a.nxdomain:
                node.void_kinds[target] = "exists"
                # The name is there without an A record: say what it holds instead (a TXT
                # flag, an AAAA for IPv6 senders), since exists: asks for A only (§5.7).
                held = await asyncio.gather(*(ctx.dns.query(target, t) for t in ("TXT", "AAAA")))
                node.exists_holds[target] = [h.rdtype for h in held if h.exists]
        elif term.name == "mx":
            mx = await ctx.dns.query(target, "MX")
            if mx.failed:
                node.failures.append(mx)
                return
            hosts = [normalize(r.exchange.to_text()) for r in mx.records if hasattr(r, "exchange")]
            hosts = [h for h in hosts if h]  # a null MX "." has no address to look up
            node.mx_fanout[target] = len(hosts)
            node.mx_hosts[target] = hosts
            if mx.empty:
                node.voids.append(f"{target} MX")
                node.void_kinds[f"{target} MX"] = "nxdomain" if mx.nxdomain else "mx"
                if mx.cnames:
                    node.void_cnames[f"{target} MX"] = mx.cnames
                return
            if len(hosts) > MX_FANOUT_LIMIT:
                return
            results = await asyncio.gather(*(ctx.dns.addresses(h) for h in hosts))
            for host, (addrs, answers) in zip(hosts, results, strict=True):
                _note(node, host, answers, void=not addrs)
            node.address_families[("mx", target)] = set().union(
                *(_families_found(answers) for _, answers in results)
            )

    await asyncio.gather(*(follow(t) for t in terms))
    # Keep the evidence in record order although the lookups finished in any order.
    order = {normalize(names[id(t)] or ""): i for i, t in enumerate(terms)}
    node.children.sort(key=lambda c: order.get(c.domain, 99))
    # The void names too, so the text names them as the record lists them, run after run (an
    # exists: name's extra questions make it finish later). MX hosts keep their order, last.
    node.voids.sort(key=lambda v: order.get(v.removesuffix(" MX"), 99))


def _families_found(answers: list[DnsAnswer]) -> set[str]:
    """The families (FAMILIES order: A, AAAA) of which the answers hold addresses."""
    return {family for family, answer in zip(FAMILIES, answers, strict=True) if answer.records}


def family_void_lookups(tree: SpfNode) -> dict[str, list[str]]:
    """The void lookups (RFC 7208 §4.6.4) a sender of each address family meets when the record
    matches nothing, by family: the names without any address (and `mx` names without MX
    records) count for both, an `a` name with addresses of one family only for the other.

    An MX host with addresses of one family only is not counted: a host's empty answer for
    the other family makes no term void (§4.6.4 limits terms whose lookups come back empty,
    and the `mx` term's MX lookup answered), and most MX hosts have IPv4 addresses only, so
    counting them would call ordinary records a permanent error for every IPv6 sender.
    """
    return {
        family: [v for n in tree.walk() for v in (*n.voids, *n.family_voids.get(family, []))]
        for family in FAMILIES
    }


def broken_fusions(node: SpfNode) -> list[Fusion]:
    """The terms of `node`'s record that are invalid only because two of its strings were
    joined without a space between them (SPF-03), e.g. "ip4:192.0.2.0/29" "include:x" read
    as 'ip4:192.0.2.0/29include:x'."""
    if len(node.strings) < 2:
        return []
    return [f for f in fusions(node.strings)[1] if f.broken]


def _fused(problem: SpfProblem, found: list[Fusion]) -> bool:
    """Whether the parser's `problem` is about a term fused across strings (SPF-03 says it)."""
    return bool(problem.term) and any(problem.term in f.term for f in found)


def over_void_limit(tree: SpfNode) -> bool:
    """SPF-06 fails: an IPv4 sender meets more than VOID_LIMIT void lookups (names without
    any address, `a` names with IPv6 addresses only). IPv4 is the family every sending server
    has; the same count for IPv6 senders, made of `a` names with IPv4 addresses only, is the
    ordinary state of most records and is only noted (_family_voids_finding)."""
    return len(family_void_lookups(tree)["IPv4"]) > VOID_LIMIT


def _note(node: SpfNode, name: str, answers: list[DnsAnswer], *, void: bool) -> None:
    failed = [a for a in answers if a.failed]
    if failed:
        node.failures.extend(failed)
    elif void:
        node.voids.append(name)
        node.void_kinds[name] = "nxdomain" if any(a.nxdomain for a in answers) else "nodata"
        cnames = next((a.cnames for a in answers if a.cnames), [])
        if cnames:
            node.void_cnames[name] = cnames


async def get_tree(ctx: CheckContext) -> SpfNode | None:
    async def load() -> SpfNode | None:
        record = await get_record(ctx)
        if record.failed or record.record is None:
            return None
        tree = await _walk(ctx, ctx.domain, "record", (), _WalkState(), answer=record.answer)
        await _mark_bogus(ctx, tree)
        return tree

    return await ctx.once("spf:tree", load)


async def is_bogus(ctx: CheckContext, answer: DnsAnswer) -> bool:
    """Whether a failed lookup is a DNSSEC validation failure (dns.lookup_is_bogus)."""
    return await lookup_is_bogus(ctx.dns, answer)


async def _mark_bogus(ctx: CheckContext, tree: SpfNode) -> None:
    """Note in each node which of its failed lookups are bogus (SpfNode.bogus)."""
    failures = [(node, f) for node in tree.walk() for f in node.failures]
    verdicts = await asyncio.gather(*(is_bogus(ctx, f) for _, f in failures))
    for (node, failed), bogus in zip(failures, verdicts, strict=True):
        if bogus:
            node.bogus.add((failed.name, failed.rdtype))


def _bogus_words(answer: DnsAnswer, done: str, *, own_record: bool = False) -> tuple[str, str]:
    """SPF-20's summary and fix for a lookup that fails DNSSEC validation, worded as MX-06
    words a bogus MX host: not a temporary error, whatever receivers call it (RFC 7208 §2.6.6
    temperror: "a transient (generally DNS) error"), since every validating resolver answers
    SERVFAIL until the zone is re-signed. `done` says what could not be checked; `own_record`:
    the lookup is the domain's SPF record itself, not a name a term refers to."""
    what = {
        "A": "The address records (A)",
        "AAAA": "The address records (AAAA)",
        "MX": "The MX records",
        "TXT": "The TXT records",
    }.get(answer.rdtype, f"The {answer.rdtype} records")
    summary = (
        f"{what} of {answer.name}"
        + ("" if own_record else ", which SPF looks up,")
        + " fail DNSSEC validation (bogus): validating receivers get SERVFAIL every time, so "
        "SPF ends in temperror there, and this error is not temporary: it lasts until the "
        f"zone's signatures are fixed. {done}"
    )
    fix = (
        f"Fix the DNSSEC signatures of the zone holding {answer.name} (expired signatures or a "
        "DS that matches no DNSKEY)"
        + ("." if own_record else ", or stop referring to that name in SPF.")
    )
    return summary, fix


def effective_all(node: SpfNode) -> str | None:
    """The qualifier a sender matching nothing gets: `all`, else the redirect's, else None."""
    if node.parsed is None:
        return None
    if node.parsed.all_term is not None:
        return node.parsed.all_term.qualifier
    for child in node.children:
        if child.via == "redirect":
            return effective_all(child)
    return None


def redirect_hops(node: SpfNode) -> list[SpfNode]:
    """The records a `redirect` hands evaluation to (RFC 7208 §6.1), in order, each one
    without an `all` of its own passing on to the next: the last one's ending is what a
    sender matching nothing gets. Empty when `node` has its own `all` or no followed redirect.
    """
    hops: list[SpfNode] = []
    while node.parsed is not None and node.parsed.all_term is None:
        nxt = next((c for c in node.children if c.via == "redirect"), None)
        if nxt is None:
            break
        hops.append(nxt)
        node = nxt
    return hops


def _redirects_to(hops: list[SpfNode]) -> str:
    """'redirects to a, which redirects to b' for the redirect chain `hops`."""
    return "redirects to " + ", which redirects to ".join(n.domain for n in hops)


def corrected_record(parsed: ParsedSpf, final: str = "-all") -> str:
    """The record with ignored terms dropped and the terminal policy replaced by `final`.

    A `redirect` without `all` becomes an `include` of the same domain, so the senders it
    authorised stay authorised while this record sets the final policy.
    """
    ignored = {id(t) for t in parsed.ignored}
    keep: list[str] = []
    for term in parsed.terms:
        if (
            id(term) in ignored
            or term.name == "all"
            or term.kind == "modifier"
            and term.name == "redirect"
        ):
            continue
        keep.append(term.text)
    if parsed.redirect is not None and parsed.all_term is None:
        keep.append(f"include:{parsed.redirect.target}")
    return " ".join(["v=spf1", *keep, final])


def merged_record(records: list[str], endings: list[str | None] | None = None) -> str | None:
    """One SPF record from several published at one name (SPF-01 fix), or None if one is broken.

    Mechanisms are kept in order, each once; a `redirect` of a record without `all` becomes an
    include (as in corrected_record); terms after `all` are dropped (receivers ignore them);
    the first `exp` is kept. `endings` holds how each record ends for a sender it does not
    list (record_endings): its `all`, for a record ending in redirect= the ending of the
    redirect's target, None when that is not known. The merge ends in the weakest of them,
    but never past ~all (?all, +all or none protect nothing, SPF-09): -all only when every
    record is known to hard-fail, so no mail a record allowed is hard-failed, and the merge is
    never weaker than both records.
    """
    terms: list[str] = []
    seen: set[str] = set()
    exp: str | None = None
    if endings is None:
        endings = [_own_ending(parse_spf(text)) for text in records]

    def add(text: str) -> None:
        key = text.lower().removeprefix("+")
        if key not in seen:
            seen.add(key)
            terms.append(text)

    for text in records:
        parsed = parse_spf(text)
        if parsed.permerror or parsed.misspelt:
            # SPF-02/03/04 say what is broken; a merge would copy it ("include=" included:
            # copied it stays skipped, respelt it adds lookups the merge did not plan for).
            return None
        ignored = {id(t) for t in parsed.ignored}
        for term in parsed.terms:
            if id(term) in ignored or term.name in ("all", "redirect"):
                continue
            if term.kind == "modifier" and term.name == "exp":
                exp = exp or term.text
                continue
            add(term.text)
        if parsed.redirect is not None and parsed.all_term is None:
            add(f"include:{parsed.redirect.target}")
    final = "-all" if endings and all(q == "-" for q in endings) else "~all"
    return " ".join(["v=spf1", *terms, final, *([exp] if exp else [])])


def _own_ending(parsed: ParsedSpf) -> str | None:
    """How a record ends by itself: its `all`'s qualifier; neutral ('?') without `all` or
    redirect (RFC 7208 §4.7); None with a redirect, whose target decides (§6.1)."""
    if parsed.all_term is not None:
        return parsed.all_term.qualifier
    return None if parsed.redirect is not None else "?"


async def record_endings(ctx: CheckContext, records: list[str]) -> list[str | None]:
    """How each record ends for a sender it does not list (merged_record): its `all`, or for
    a record ending in redirect= the ending at the end of the redirect chain as a receiver
    follows it (RFC 7208 §6.1), None when that chain cannot be read (a failed lookup, no
    record there, a loop, a macro)."""
    out: list[str | None] = []
    for text in records:
        parsed = parse_spf(text)
        ending = _own_ending(parsed)
        if ending is None and not parsed.permerror:
            node = SpfNode(domain=ctx.domain, via="record", record=text, parsed=parsed)
            await _expand(ctx, node, (), _WalkState())
            hops = redirect_hops(node)
            last = hops[-1] if hops else None
            if last is not None and last.status == "ok" and last.parsed is not None:
                ending = _own_ending(last.parsed)
        out.append(ending)
    return out


def _merged_ending_note(records: list[str], merged: str, endings: list[str | None]) -> str:
    """How the SPF-01 merge ends, and why (merged_record), in words true for each ending: a
    record ending in redirect= ends as its target does, which the note names."""
    redirected = [
        (parse_spf(text).redirect, ending)
        for text, ending in zip(records, endings, strict=True)
        if parse_spf(text).all_term is None and parse_spf(text).redirect is not None
    ]
    known = [
        f"the one ending in redirect={r.target} ends as that record does, in {q}all"
        for r, q in redirected
        if r is not None and q is not None
    ]
    unknown = [r.target for r, q in redirected if r is not None and q is None]
    via = f" ({'; '.join(known)})" if known else ""
    if merged.split()[-1] == "-all" or " -all " in f" {merged} ":
        return f"ends in -all, as each of them does{via}."
    if unknown:
        # -all is only worth weighing when every ending that is known hard-fails.
        hard = all(q == "-" for q in endings if q is not None)
        return (
            "ends in ~all (soft fail), so no mail either record allowed is hard-failed: how "
            f"the record ending in redirect={unknown[0]} ends depends on that name's record, "
            "which mailsec could not follow."
            + (
                " If it ends in -all, as the others do, end the merged record in -all."
                if hard
                else ""
            )
        )
    if any(q in ("?", "+") for q in endings):
        return (
            "ends in ~all (soft fail): no mail either record allowed is hard-failed, and "
            "unlisted servers are no longer left neutral or passed, as an ending of ?all or "
            f"+all (or none) leaves them{via}."
        )
    return (
        "ends in ~all, the weaker of their endings, so no mail either record allowed is "
        f"hard-failed{via}."
    )


def txt_answer_size(answer: DnsAnswer) -> int:
    """Octets of the owner name plus every TXT RDATA (RFC 7208 §3.4 budget)."""
    size = len(answer.name) + 2
    for rdata in answer.records:
        for s in getattr(rdata, "strings", ()):
            size += len(s) + 1
    return size


async def evaluate(ctx: CheckContext) -> list[Finding]:
    out = Collector(MECHANISM)
    record, type99, mx = await asyncio.gather(
        get_record(ctx), ctx.dns.query(ctx.domain, "SPF"), ctx.dns.query(ctx.domain, "MX")
    )
    await _own_record(out, ctx, record, type99, mx)
    if not record.answer.failed:
        # SPF-17 reads the MX hosts' own names, not the domain's record: a missing, doubled
        # or broken record at the domain leaves that advice standing (blind round s36l).
        await _helo(out, ctx, mx)
    return out.findings


async def _own_record(
    out: Collector, ctx: CheckContext, record: SpfRecord, type99: DnsAnswer, mx: DnsAnswer
) -> None:
    """SPF-01..16, -18..20 on the domain's own record."""
    domain = ctx.domain
    answer = record.answer
    if answer.failed:
        # "Could not check" for the record rule itself, plus the DNS failure (RFC 7208 §4.4
        # temperror) with its detail; never "no SPF record".
        out.add(
            "SPF-01",
            Status.ERROR,
            f"Could not find out whether {domain} publishes an SPF record: the DNS lookup failed.",
            subject=domain,
            evidence={"dns": answer.evidence()},
        )
        if await is_bogus(ctx, answer):
            summary, fix = _bogus_words(
                answer,
                "SPF was not checked (this is not the same as having no SPF record).",
                own_record=True,
            )
            out.add(
                "SPF-20",
                Status.ERROR,
                summary,
                subject=domain,
                evidence={
                    "dns": answer.evidence(),
                    "failure": answer.describe_failure(),
                    "bogus": True,
                },
                fix=fix,
            )
            return
        out.add(
            "SPF-20",
            Status.ERROR,
            f"Could not look up the SPF record of {domain}: the DNS query failed, so SPF was "
            "not checked (this is not the same as having no SPF record).",
            subject=domain,
            evidence={"dns": answer.evidence(), "failure": answer.describe_failure()},
        )
        return

    null_mx = is_null_mx(mx)
    selection = record.selection or SpfSelection([], [], [], [])
    # The policy of a type 99 record stands alone is offered as TXT (SPF-14, SPF-01) only once
    # it passes what SPF-04..09 demand: copied as it is, 'v=spf1 +all' would let every server
    # pass SPF as the domain, and a broken one would turn "no SPF" into a permanent error.
    # A type 99 text is read as a TXT one is (RFC 7208 §4.5): "v=spf1" followed by a space or
    # the end. A near miss there ('v=spf1;', 'v=spf1<TAB>mx') is offered with its version
    # written right, as SPF-02 offers it for TXT, not copied as a record receivers ignore (s37a).
    texts99 = _type99_texts(type99) if not selection.records else []
    policy99 = next((t for t in texts99 if is_spf_record(t)), "")
    near99 = "" if policy99 else next((t for t in texts99 if is_near_miss(t)), "")
    if near99:
        policy99 = repaired_version(near99)
    vetted99 = (
        await _vetted_fix(
            ctx,
            policy99,
            "With the version fixed" if near99 else "Copied to TXT as it is",
            open_end=True,
        )
        if policy99
        else None
    )
    _type99(out, domain, type99, has_txt=bool(selection.records), vetted=vetted99, near=near99)

    if not selection.records:
        repair = (
            await _vetted_fix(
                ctx,
                repaired_version(selection.near_misses[0]),
                "With the version fixed",
                open_end=True,
            )
            if selection.near_misses
            else ("", "")
        )
        if not selection.near_misses:
            # The owner's record may sit at <domain>.<zone>: the owner name written without its
            # final dot. Moving it is the fix, not a new record of ours.
            undotted = await find_undotted(ctx, domain, lambda a: select_records(a).records)
            if undotted is not None:
                await _undotted_record(out, ctx, answer, mx, null_mx, *undotted)
                return
        _no_record(
            out,
            domain,
            answer,
            selection,
            mx,
            null_mx,
            repair,
            type99=[policy99] if policy99 else [],
            type99_fix=vetted99,
            type99_near=near99,
            sender_id=("", "", "") if selection.near_misses else await _sender_id_fix(ctx, answer),
        )
        return
    if len(selection.records) > 1:
        endings = await record_endings(ctx, selection.records)
        merged = merged_record(selection.records, endings)
        fix, note, lookups = "", "", None
        if merged is not None:
            # Worst-case lookups of the merged record, counted as SPF-05 counts them: a merge
            # that needs more than 10 would trade one permanent error for another.
            node = SpfNode(domain=domain, via="record", record=merged, parsed=parse_spf(merged))
            await _expand(ctx, node, (), _WalkState())
            lookups = node.total_lookups
            if over_lookup_limit(node):
                note = (
                    f" Merged, they would need {lookups} DNS lookups, more than the "
                    f"{LOOKUP_LIMIT} allowed: drop senders you no longer use (or replace "
                    "includes with ip4/ip6 ranges) while merging."
                )
            else:
                # Nor is a merge offered that keeps another permanent error (an include of a
                # name without SPF, three void lookups) or includes a '+all' record.
                fix, note = await _vetted_fix(ctx, merged, "Merged")
                if fix:
                    note = " The suggestion keeps every mechanism of both once, in order, and " + (
                        _merged_ending_note(selection.records, merged, endings)
                    )
        out.add(
            "SPF-01",
            Status.FAIL,
            f"{domain} publishes {len(selection.records)} SPF records; receivers treat that as "
            "a permanent error and SPF fails for all your mail. Merge them into one record." + note,
            subject=domain,
            evidence={
                "dns": answer.evidence(),
                "spf_records": selection.records,
                "merged_lookups": lookups,
            },
            fix=fix,
        )
        if null_mx:
            _parked_unusable(
                out, domain, "SPF-01", f"it publishes {len(selection.records)} SPF records"
            )
        return
    out.add(
        "SPF-01",
        Status.PASS,
        f"{domain} publishes exactly one SPF record.",
        subject=domain,
        evidence={"dns": answer.evidence()},
    )
    _near_misses_beside(out, domain, answer, selection.records[0], selection.near_misses)
    size = txt_answer_size(answer)
    if size > SIZE_LIMIT:
        out.add(
            "SPF-13",
            Status.WARN,
            f"The TXT records at {domain} add up to about {size} octets; above {SIZE_LIMIT} the "
            "DNS answer may not fit in one UDP packet and some receivers fail to fetch it. "
            "Remove stale verification records or move includes to a sub-name.",
            subject=domain,
            evidence={"octets": size, "dns": answer.evidence()},
        )
    else:
        out.add(
            "SPF-13",
            Status.PASS,
            f"The TXT answer at {domain} is small enough ({size} octets).",
            subject=domain,
            evidence={"octets": size},
        )

    parsed = record.parsed or parse_spf(selection.records[0])
    fused_terms = fusions(selection.strings[0])[1] if selection.strings else []
    # Names made of a fused term ("include:_spf.google.com" "-all" is an include of
    # "_spf.google.com-all"): SPF-03 gives the cause and its fix, and says what reading them
    # does; SPF-08's "remove or replace that include" would be the wrong advice.
    fused_names = {
        normalize(t.lookup_name)
        for t in (_parse_term(f.term, []) for f in fused_terms)
        if t.name in ("include", "redirect") and t.lookup_name and not t.has_macro
    }
    fixed_all = False
    if fused_terms:
        strings = [s.decode("utf-8", errors="replace") for s in selection.strings[0]]
        # Spaces only where terms were fused by mistake: a boundary inside a term on purpose
        # (a long record cut at 255 octets) stays joined. Offered only if the result is valid.
        fixed = unfused(selection.strings[0], fused_terms)
        # Offered only if the record with its spaces restored passes: a fused include that
        # hid lookups (or a broken term elsewhere) would fail once the spaces are back.
        fix, note = await _vetted_fix(ctx, fixed, "With the spaces restored", misspelt_ok=True)
        first = fused_terms[0]
        consequence = (
            f"receivers read the broken term '{first.term}' and SPF fails with a permanent error"
            if first.broken
            else f"receivers read '{first.term}' as one term, which is not what was meant"
        )
        walked = await get_tree(ctx) if fused_names else None
        dead = [
            c.domain
            for c in (walked.children if walked else [])
            if c.domain in fused_names and c.status in ("none", "multiple")
        ]
        if dead:
            consequence += (
                f"; the name included, {', '.join(dead)}, publishes no usable SPF record, so "
                "SPF fails with a permanent error"
            )
        out.add(
            "SPF-03",
            Status.FAIL,
            "The SPF record is split into several strings and no space separates them, so "
            f"{consequence}." + note,
            subject=domain,
            evidence={
                "strings": strings,
                "joined": selection.records[0],
                "fused": [f.term for f in fused_terms],
            },
            fix=fix,
        )
        fixed_all = parse_spf(fixed).all_term is not None
    respelt = await _respelt_fix(ctx, parsed) if parsed.misspelt and not fused_terms else ("", "")
    for problem in parsed.problems:
        if problem.check_id == "SPF-04" and any(f.term in problem.term for f in fused_terms):
            continue
        # A stray quote at the end (_stray_quote): the record without it, once it passes.
        # _problem says a permanent error once for these; the note need not say it again.
        said = problem.check_id in PERMERROR_IDS and problem.status == Status.FAIL
        said = said and not problem.meant
        unquoted_fix = (
            await _vetted_fix(ctx, problem.unquoted, "Without the quote", error_said=said)
            if problem.unquoted
            else await _vetted_fix(
                ctx, problem.ascii, "With the names as A-labels", error_said=said
            )
            if problem.ascii
            else await _opened_fix(ctx, problem.opened, parsed)
            if problem.opened
            else await _vetted_fix(
                ctx, problem.one_modifier, _one_modifier_lead(problem), error_said=said
            )
            if problem.one_modifier
            else await _vetted_fix(
                ctx, problem.braced, "With the macros in braces", error_said=said
            )
            if problem.braced
            else await _vetted_fix(ctx, problem.retyped, "Retyped in ASCII", error_said=said)
            if problem.retyped
            else ("", "")
        )
        _problem(out, domain, problem, parsed, respelt=respelt, unquoted_fix=unquoted_fix)
    if parsed.permerror:
        if null_mx:
            cause = next(
                (f.id for f in out.findings if f.status == Status.FAIL and f.id in PERMERROR_IDS),
                "SPF-04",
            )
            _parked_unusable(out, domain, cause, "its SPF record is invalid")
        return
    if not any(p.check_id in PERMERROR_IDS for p in parsed.problems):
        out.add(
            "SPF-04",
            Status.PASS,
            "The SPF record's syntax is valid.",
            subject=domain,
            evidence={"record": parsed.text},
        )

    tree = await get_tree(ctx)
    if tree is None:  # unreachable: a single record always gives a tree
        return
    # Lookups evaluated twice are named where SPF-05 warns or fails (a loop or a tree too deep
    # to follow has its own text); the count without the owner's copies is then exact.
    dedup = (
        duplicate_lookups(tree)
        if tree.total_lookups >= LOOKUP_LIMIT - 1
        and not any(n.status in ("loop", "truncated") for n in tree.walk())
        else None
    )
    if dedup is not None and not dedup.found:
        dedup = None
    if (
        dedup is not None
        and dedup.record is not None
        and dedup.lookups <= LOOKUP_LIMIT
        # Offered as the record to publish only as the other fixes are: a record written with
        # a fused or misspelt term is fixed by SPF-03/04 first, and the copy's removal must
        # leave no other permanent error (void names, a missing include) behind.
        and not fused_terms
        and not parsed.misspelt
    ):
        dedup.fix, dedup.note = await _vetted_fix(ctx, dedup.record, "Without the copies")
    dead = {} if fused_terms or parsed.misspelt else await _dead_end_fixes(ctx, tree, parsed, mx)
    replaced: dict[str, list[str]] = {}
    fanout = (
        {}
        if fused_terms or parsed.misspelt
        else await _mx_fanout_fixes(ctx, tree, parsed, replaced)
    )
    loops = await _failure_loops(ctx, tree)
    void_fix = ("", "") if fused_terms or parsed.misspelt else await _void_fix(ctx, tree)
    type99 = await _type99_targets(ctx, tree)
    # Two or more permanent errors the owner's record can be repaired of: one record for all
    # (OneRepair), quoted by each of their findings and built on by SPF-09 and SPF-10.
    void_ptr = frozenset() if fused_terms or parsed.misspelt else await _void_ptr_hosts(ctx, parsed)
    one = (
        None
        if fused_terms or parsed.misspelt
        else await _one_repair(ctx, tree, parsed, dedup, mx, type99, replaced, void_ptr)
    )
    if one is not None and len(one.parts) > 1:
        dead, fanout, void_fix = _quote_one(one, tree, parsed, mx, dedup, dead, fanout, void_fix)
    _tree_findings(out, ctx, tree, fused_names, dedup, dead, fanout, loops, void_fix, type99, one)
    if not fused_terms and not parsed.misspelt:
        await _ptr_fixes(out, ctx, tree, parsed, one, void_ptr)
    # A record with a mechanism written with '=' is fixed by SPF-04 first: a corrected record
    # built from it would keep the skipped term (and respelling it changes the lookup count).
    # When the fusion swallowed the `all` ("...google.com" "-all"), the record does end with
    # it as written: "no 'all', end it with -all" would be false, and SPF-03 fixes it.
    swallowed = bool(fused_terms) and parsed.all_term is None and fixed_all
    repaired = (one.record, one.changed) if one else repaired_record(dead, type99)
    repaired_by = one.ids if one else ("SPF-08",)
    if not swallowed:
        _terminal(
            out,
            domain,
            tree,
            parsed,
            fixable=not fused_terms and not parsed.misspelt,
            repaired=repaired,
            repaired_by=repaired_by,
            unblocked=one is not None,
        )
    if parsed.ignored:
        # Ignored terms are never looked up: without them the record keeps every lookup and
        # so every permanent error of its tree (SPF-05/06/07/08), unless it starts from
        # SPF-08's repair, which has none left.
        permerror = tree_permerror(tree)
        built = repaired if permerror in repaired_by or (permerror is None and one) else None
        start = parse_spf(built[0]) if built else parsed
        fixable = not ((permerror and not built) or fused_terms or parsed.misspelt)
        moved = await _moved_before_all(ctx, start) if fixable else ("", "")
        out.add(
            "SPF-10",
            Status.WARN,
            "Some terms of the SPF record are never used: receivers stop at 'all' and ignore "
            "'redirect' when 'all' is present: "
            + ", ".join(t.text for t in parsed.ignored)
            + "; no sender is authorised by them."
            + (after_repair(permerror, built[1], repaired_by) if built else error_first(permerror))
            + _ignored_advice(start, fixable, moved),
            subject=domain,
            evidence={"ignored": [t.text for t in parsed.ignored], "record": parsed.text},
            fix=txt_fix(domain, _without_ignored(start)) if fixable else "",
        )
    if null_mx:
        _parked(out, domain, tree)


async def _mx_fanout_fixes(
    ctx: CheckContext,
    tree: SpfNode,
    parsed: ParsedSpf,
    replaced: dict[str, list[str]] | None = None,
) -> dict[str, tuple[str, str, int]]:
    """SPF-07: for each 'mx' term of the owner's record whose name has more than ten MX hosts,
    (fix, note, hosts): the record with that term replaced by the hosts' addresses today, with
    its qualifier, vetted as the other fixes are (_vetted_fix). Nothing for a term with a
    prefix length (it authorises each host's network, not its address) or a macro, nor when an
    address lookup failed (a partial list would leave servers out) (blind round s36l)."""
    fixes: dict[str, tuple[str, str, int]] = {}
    tokens = parsed.text.split()
    for term in parsed.terms:
        if term.name != "mx" or term.has_macro or term.cidr4 is not None or term.cidr6 is not None:
            continue
        target = normalize(term.lookup_name or ctx.domain)
        hosts = tree.mx_hosts.get(target, [])
        if len(hosts) <= MX_FANOUT_LIMIT or target in fixes or term.text not in tokens:
            continue
        results = await asyncio.gather(*(ctx.dns.addresses(h) for h in hosts))
        if any(a.failed for _, answers in results for a in answers):
            continue
        qualifier = "" if term.qualifier == "+" else term.qualifier
        # In address order (IPv4 first), not the order the MX RRset happened to come in.
        found = sorted(
            {ipaddress.ip_address(addr) for addrs, _ in results for addr in addrs},
            key=lambda a: (a.version, a),
        )
        listed = [f"{qualifier}ip{a.version}:{a}" for a in found]
        if not listed:
            continue
        if replaced is not None:  # the term and its addresses, for _one_repair
            replaced[term.text] = listed
        at = tokens.index(term.text)
        record = " ".join([*tokens[:at], *listed, *tokens[at + 1 :]])
        fix, note = await _vetted_fix(
            ctx, record, "With the servers' addresses listed", error_said=True
        )
        fixes[target] = (fix, note, len(hosts))
    return fixes


async def _moved_before_all(ctx: CheckContext, parsed: ParsedSpf) -> tuple[str, str]:
    """(record, note): the record with the mechanisms receivers ignore after 'all' moved
    before it (a second 'all' is not moved: SPF-10 says to keep one), the rest in place, when
    it passes what the SPF checks demand (_vetted_fix: the moved includes add lookups); else
    no record and the note saying why."""
    after = [t for t in parsed.ignored if t.kind == "mechanism" and t.name != "all"]
    if not after or parsed.all_term is None:
        return "", ""
    at = next(i for i, t in enumerate(parsed.terms) if t is parsed.all_term)
    ignored = {id(t) for t in parsed.ignored}
    before = [t for t in parsed.terms[:at] if id(t) not in ignored]
    modifiers = [t for t in parsed.terms[at + 1 :] if t.kind == "modifier" and id(t) not in ignored]
    terms = [*before, *after, parsed.all_term, *modifiers]
    text = " ".join(["v=spf1", *(t.text for t in terms)])
    fix, note = await _vetted_fix(ctx, text, "Moved so")
    return (text if fix else ""), note


def _ignored_advice(parsed: ParsedSpf, fixable: bool, moved: tuple[str, str] = ("", "")) -> str:
    """What SPF-10 tells the owner to do with the terms receivers ignore: the record below
    drops them (what receivers do now), or, if those senders are meant, the other way: the
    mechanisms moved before 'all' (the record so, `moved`, when it passes the checks), or
    'all' removed so the redirect applies (RFC 7208 §5.1, §6.1). A second 'all' is not
    moved anywhere: one 'all' is kept, at the end."""
    assert parsed.all_term is not None
    ending = parsed.all_term.text
    words = " The record below leaves them out, as receivers read it now." if fixable else ""
    after = [t.text for t in parsed.ignored if t.kind == "mechanism" and t.name != "all"]
    later_alls = [t.text for t in parsed.ignored if t.kind == "mechanism" and t.name == "all"]
    record, note = moved
    if after:
        words += (
            f" If those senders do send your mail, move {', '.join(after)} before "
            f"'{ending}' instead" + (f": '{record}'." if record else ".") + note
        )
    pasted = next((i for i, t in enumerate(parsed.terms) if t.text.lower() == "v=spf1"), None)
    if pasted is not None and any(t is parsed.terms[pasted] for t in parsed.ignored):
        second = " ".join(["v=spf1", *(t.text for t in parsed.terms[pasted + 1 :])])
        words += (
            f" From its second 'v=spf1' on it is another SPF record pasted into this one "
            f"('{second}'): receivers read it as part of this record and stop at its first "
            "'all'."
        )
    if later_alls:
        words += (
            f" The record has a second 'all' after '{ending}' ({', '.join(later_alls)}), which "
            "receivers never reach: keep one 'all', at the end."
        )
    if parsed.redirect is not None and parsed.redirect in parsed.ignored:
        words += (
            f" If the record at {parsed.redirect.target} is the one meant, remove '{ending}' "
            "instead, and the redirect applies."
        )
    return words


def _listed_senders(tree: SpfNode) -> list[str]:
    """The terms of the owner's record (and of the records its redirects lead to) that can
    pass a server: '+' mechanisms receivers evaluate before the ending. An 'a' or 'mx' that
    names no address (a void lookup; 'mx' of a null MX) passes no one and is left out, and so
    is a term that earlier terms leave no address to match (RFC 7208 §4.6.2: the first match
    decides): a range inside the ranges before it, any term once every address of the
    families it can match is decided."""
    listed: list[str] = []
    evaluated = [
        (node, t)
        for node in [tree, *redirect_hops(tree)]
        if node.parsed is not None
        for t in node.parsed.terms
        if t.valid
        and t.kind == "mechanism"
        and t.name != "all"
        and not any(t is i for i in node.parsed.ignored)
    ]
    # By family: how many addresses each term is the first to match, and whether the family
    # was all decided before it.
    reach = {
        family: _first_matches(
            [
                None if t.has_macro else _term_range(t, family, _matches_family(node, t, family))
                for node, t in evaluated
            ],
            family,
        )
        for family in FAMILIES
    }
    for i, (node, t) in enumerate(evaluated):
        if t.qualifier != "+":
            continue
        voids = {v.lower().rstrip(".") for v in node.voids}
        name = normalize(t.lookup_name or node.domain) if not t.has_macro else ""
        if t.name == "a" and name in voids:
            continue
        if t.name == "mx" and (f"{name} MX" in voids or node.mx_fanout.get(name) == 0):
            continue
        if t.name in ("ip4", "ip6"):
            family = FAMILIES[0] if t.name == "ip4" else FAMILIES[1]
            if not reach[family][0][i]:
                continue
        else:
            # An 'a' or 'mx' matches the families its host has addresses of; any other term
            # (include, exists, ptr) either.
            known = node.address_families.get((t.name, name)) if t.name in ("a", "mx") else None
            if all(reach[f][1][i] for f in known or FAMILIES):
                continue
        listed.append(t.text)
    return listed


def _parked_unusable(
    out: Collector, domain: str, cause: str, why: str, *, no_record: bool = False
) -> None:
    """SPF-18 for a domain that takes no mail (null MX) whose SPF record receivers cannot use:
    `why` says in a few words what `cause`'s finding explains (`no_record`: receivers find
    none). No sender gets the 'fail' that 'v=spf1 -all' gives (a permanent error is no
    'fail', RFC 7208 §2.6.7; no record gives 'none', §4.5), so the record RFC 7505 §4.2 asks
    for is not there (checklist SPF-18: info)."""
    result = "they get no SPF result" if no_record else "checking it ends in a permanent error"
    out.add(
        "SPF-18",
        Status.INFO,
        f"{domain} does not receive mail (null MX), and {why} ({cause}), so {result}, not the "
        "'fail' that 'v=spf1 -all' gives every server sending as it. If the domain sends no "
        "mail either, publish 'v=spf1 -all' as its one SPF record.",
        subject=domain,
        evidence={"cause": cause},
        fix=txt_fix(domain, "v=spf1 -all"),
    )


def _parked(out: Collector, domain: str, tree: SpfNode) -> None:
    """SPF-18 for a domain that takes no mail (null MX, RFC 7505 §4.2): 'v=spf1 -all' asked."""
    dash_all = effective_all(tree) == "-"
    blocked = tree_permerror(tree) if dash_all else None
    listed = _listed_senders(tree) if dash_all else []
    # Terms deciding every address of a family before '-all' (SPF-09, SPF-19): those servers
    # get 'pass', 'neutral' or 'softfail' from them and never reach it (RFC 7208 §4.6.2).
    hops = redirect_hops(tree)
    opened = _open_families(tree, hops) if dash_all and not blocked else {}
    weaker = _weaker_ranges(tree, hops, "-") if dash_all and not blocked and not opened else {}
    if opened or weaker:
        if opened:
            unreached = _open_note(opened, "-")
        else:
            said = [_weaker_words(family, terms) + " (SPF-19)" for family, terms in weaker.items()]
            others = [f for f in FAMILIES if f not in weaker]
            unreached = f" But {'; and '.join(said)}: " + (
                f"only {others[0]} servers that are not listed reach '-all'."
                if others
                else "no server that is not listed reaches '-all'."
            )
        out.add(
            "SPF-18",
            Status.INFO,
            f"{domain} does not receive mail (null MX) and its SPF record ends in '-all'."
            + unreached
            + " If the domain sends no mail either, publish 'v=spf1 -all', which refuses "
            "every server.",
            subject=domain,
            evidence={"decided_by": opened or _decided_by(weaker)},
            fix=txt_fix(domain, "v=spf1 -all"),
        )
    elif dash_all and not blocked and listed:
        # '-all' refuses every server the record does not list, as SPF-18 asks; the servers it
        # does list pass (RFC 7208 §4.6.2), so "rejects all senders" would be untrue.
        named = ", ".join(f"'{t}'" for t in listed)
        out.add(
            "SPF-18",
            Status.PASS,
            f"{domain} does not receive mail (null MX) and its SPF record ends in '-all', so "
            f"servers it does not list may not send as it. It does list senders ({named}), "
            "whose mail passes SPF; if the domain sends no mail, 'v=spf1 -all' alone refuses "
            "every server. If it does, note that receivers may refuse mail from a domain with "
            "a null MX (RFC 7505 §4.2).",
            subject=domain,
            evidence={"listed": listed},
        )
    elif dash_all and not blocked:
        out.add(
            "SPF-18",
            Status.PASS,
            f"{domain} does not receive mail (null MX) and its SPF record rejects all senders, "
            "as it should.",
            subject=domain,
        )
    elif blocked:
        # '-all' is never reached by a server not listed: it meets the permanent error first,
        # and a permerror is no 'fail' (RFC 7208 §2.6.7, §4.6.4), so the record rejects no
        # one as SPF-18 asks (checklist SPF-18: info). 'v=spf1 -all' makes no lookup, so it
        # has none of the errors.
        hops = redirect_hops(tree)
        ending = (
            f"Its SPF record {_redirects_to(hops)}, whose record ends in '-all'"
            if hops
            else "Its SPF record ends in '-all'"
        )
        out.add(
            "SPF-18",
            Status.INFO,
            f"{domain} does not receive mail (null MX). {ending}, but a server that is not "
            f"listed never reaches it: checking it stops first with a permanent error "
            f"({blocked}), not the 'fail' that '-all' gives, so the record does not reject "
            "senders as it is meant to (what receivers do with an error is up to each of "
            "them). If the domain sends no mail either, publish 'v=spf1 -all', which needs no "
            "DNS lookups and so cannot fail that way; if it does, fix the permanent error.",
            subject=domain,
            evidence={"permerror": blocked},
            fix=txt_fix(domain, "v=spf1 -all"),
        )
    else:
        out.add(
            "SPF-18",
            Status.INFO,
            f"{domain} does not receive mail (null MX); if it sends no mail either, publish "
            "'v=spf1 -all'.",
            subject=domain,
            fix=txt_fix(domain, "v=spf1 -all"),
        )


async def _respelt_fix(ctx: CheckContext, parsed: ParsedSpf) -> tuple[str, str]:
    """(fix, note) for a mechanism written with '=': the record spelt as meant ("include:").

    Each respelt include or a/mx/exists adds a DNS lookup the published record does not make,
    so the record is vetted as published (see _vetted_fix). Other permanent errors of the
    record are reported on their own, so a respelling that keeps one offers no fix.
    """
    text = parsed.respelled()
    fixed = parse_spf(text)
    if fixed.permerror or fixed.misspelt:
        return "", ""
    if fixed.all_term is not None and fixed.all_term.qualifier == "+":
        # Spelt as meant it still ends in '+all' and lets every server pass (SPF-09 fail):
        # the fix also ends it in '-all', as SPF-09 asks, which it offers no record for.
        fix, note = await _vetted_fix(ctx, corrected_record(fixed), "Written as meant")
        return fix, note or (
            " The suggestion also ends the record in '-all' (SPF-09)." if fix else ""
        )
    return await _vetted_fix(ctx, text, "Written as meant")


async def _vetted_fix(
    ctx: CheckContext,
    text: str,
    lead: str,
    *,
    open_end: bool = False,
    misspelt_ok: bool = False,
    error_said: bool = False,
) -> tuple[str, str]:
    """(fix, note): `text` as the fix for ctx.domain if it passes what SPF-04..09 demand.

    The record is walked as SPF-05 walks it: over the lookup or void limit, or including a
    name without a usable SPF record, it would be a permanent error, and including a record
    ending in '+all' (or, with `open_end`, ending in '+all' itself) would open it to
    everyone. Then no fix is offered and the note, starting with `lead`, says why.
    `misspelt_ok` lets an "include=" through: SPF-04 offers its own fix for it.
    `error_said`: the finding already says the record is a permanent error, so the note says
    the fixed one would "still fail" rather than say it again.
    """
    fails = "still fail" if error_said else "fail with a permanent error"
    fixed = parse_spf(text)
    wrong = [
        p
        for p in fixed.problems
        if p.status == Status.FAIL
        and ((p.check_id in PERMERROR_IDS and not p.meant) or (p.meant and not misspelt_ok))
    ]
    if wrong:
        return "", f" {lead}, the record would still be wrong: {wrong[0].message}."
    node = SpfNode(domain=ctx.domain, via="record", record=text, parsed=fixed)
    await _expand(ctx, node, (), _WalkState())
    if over_lookup_limit(node):
        return "", (
            f" {lead}, the record would need {node.total_lookups} DNS lookups, more "
            f"than the {LOOKUP_LIMIT} allowed, and {fails}: drop senders "
            "you no longer use (or replace includes with ip4/ip6 ranges) while fixing it."
        )
    # At any depth: a provider's include of a vanished name fails the whole record too.
    broken = [
        n.domain
        for n in node.walk()
        if n is not node and n.status in ("none", "multiple", "permerror")
    ]
    if broken:
        return "", (
            f" {lead}, it would include {', '.join(broken)}, which has no usable SPF "
            f"record, and {fails}: check the name."
        )
    voids = [v for n in node.walk() for v in n.voids]
    if len(voids) > VOID_LIMIT:
        return "", (
            f" {lead}, the record would look up {len(voids)} names that do not exist "
            f"or have no addresses ({', '.join(voids)}), more than the {VOID_LIMIT} allowed, and "
            f"{fails} (SPF-06): remove the stale names while fixing it."
        )
    if over_void_limit(node):
        names = family_void_lookups(node)["IPv4"]
        return "", (
            f" {lead}, the record would look up {len(names)} names with no IPv4 address "
            f"({', '.join(names)}), more than the {VOID_LIMIT} allowed, and {fails} for "
            "mail from IPv4 servers (SPF-06): list the IPv6-only hosts "
            "with ip6: and remove the stale names while fixing it."
        )
    wide = [t for n in node.walk() for t, c in n.mx_fanout.items() if c > MX_FANOUT_LIMIT]
    if wide:
        return "", (
            f" {lead}, its 'mx' for {wide[0]} would need more than {MX_FANOUT_LIMIT} host "
            f"lookups and {fails} (SPF-07): list those servers with ip4/ip6 "
            "while fixing it."
        )
    chain = open_include(node)
    if chain:
        return "", (
            f" {lead}, it would include {' → '.join(chain)}, whose record ends in "
            "'+all' and lets every server on the Internet pass SPF as your domain: do not "
            "include it as it is."
        )
    if open_end and effective_all(node) == "+":
        return "", (
            f" {lead}, the record would end in '+all' and let every server on the Internet "
            "pass SPF as your domain: end it with '-all'."
        )
    if any(n.status == "temperror" for n in node.walk()):
        return "", ""
    return txt_fix(ctx.domain, text), ""


def _ptr_host(term: SpfTerm) -> str | None:
    """The host a `ptr:<host>` names, when it is a plain name (no macro): `a:<host>` replaces
    it. A bare `ptr` stands for every host under the domain, which no term can list."""
    if term.name != "ptr" or term.target is None or term.has_macro:
        return None
    return term.target


def _without_ptr(parsed: ParsedSpf, keep: frozenset[str] = frozenset()) -> str:
    """The record with each `ptr:<host>` written `a:<host>` (qualifier kept), but those whose
    host is in `keep` (_void_ptr_hosts: no address, so 'a:<host>' would pass no server), and
    left out where an 'a:<host>' stands before it (_names_a)."""
    terms = []
    for t in parsed.terms:
        host = _ptr_host(t) if t.valid and t.kind == "mechanism" else None
        if host and normalize(host) not in keep:
            qualifier = t.text[0] if t.text[:1] in ("+", "-", "~", "?") else ""
            if not _names_a(terms, host):  # a second 'a:<host>' never matches: left out
                terms.append(f"{qualifier}a:{host}")
        else:
            terms.append(t.text)
    return " ".join(["v=spf1", *terms])


def _names_a(terms: list[str], host: str) -> bool:
    """Whether `terms` (of a record, as written) hold 'a:<host>' already, with any qualifier
    and no prefix length: one after it matches no address it did not (RFC 7208 §4.6.2)."""
    want = "a:" + normalize(host)
    return any(t.lstrip("+-~?").lower().rstrip(".") == want for t in terms)


async def _void_ptr_hosts(ctx: CheckContext, parsed: ParsedSpf) -> frozenset[str]:
    """The hosts of the record's 'ptr:<host>' terms that have no address (A and AAAA both
    answered, empty): 'a:<host>' (SPF-11's change) would pass no server there and be a void
    lookup (SPF-06), where the ptr passes servers whose reverse name is under it (RFC 7208
    §5.5). Asked only for a record with such terms; a failed lookup does not count."""
    hosts = sorted(
        {
            normalize(host)
            for t in parsed.terms
            if t.valid and t.kind == "mechanism" and (host := _ptr_host(t))
        }
    )
    if not hosts:
        return frozenset()
    found = await asyncio.gather(*(ctx.dns.addresses(h) for h in hosts))
    return frozenset(
        h
        for h, (addrs, answers) in zip(hosts, found, strict=True)
        if not addrs and not any(a.failed for a in answers)
    )


def _ptr_void_note(host: str) -> str:
    """SPF-11's words, in place of 'name the host with a:<host>', for a host without address."""
    return (
        f"{host} has no address, so 'a:{host}' would pass no server and be "
        "a lookup that finds nothing (SPF-06); the ptr passes servers whose reverse name is "
        "that host or a name under it (RFC 7208 §5.5): list the servers meant with ip4:/ip6: "
        "instead, or remove the term if none sends your mail."
    )


def _without_ignored(parsed: ParsedSpf) -> str:
    return _record_without(parsed, parsed.ignored)


def _record_without(parsed: ParsedSpf, drop: Iterable[SpfTerm]) -> str:
    """The record as written, less the terms `drop` (by identity: a copy listed twice is
    dropped only where it is named); every other term keeps its place and spelling."""
    gone = {id(t) for t in drop}
    return " ".join(["v=spf1", *(t.text for t in parsed.terms if id(t) not in gone)])


# What a matching term gives a sender, by its qualifier (RFC 7208 §4.6.2).
_QUALIFIER_RESULT = {"+": "pass", "-": "fail", "~": "softfail", "?": "neutral"}


def _refusing_range(parsed: ParsedSpf, term: SpfTerm, scope: str) -> str:
    """SPF-19's words for a very large range whose qualifier is not '+' ('-ip4:0.0.0.0/0'):
    it authorises no one (before s28n it was said to), but the first matching term decides
    (RFC 7208 §4.6.2), so the terms after it never apply to those addresses."""
    if any(term is t for t in parsed.ignored) and parsed.all_term is not None:
        # After 'all' it gives nothing to anyone: receivers stop at 'all' (SPF-10 lists it).
        return (
            f"'{term.text}' authorises no one, and receivers never reach it: they stop at "
            f"'{parsed.all_term.text}' before it. Remove it."
        )
    at = next(i for i, t in enumerate(parsed.terms) if t is term)
    after = [
        t.text
        for t in parsed.terms[at + 1 :]
        if t.valid and t.kind == "mechanism" and not any(t is i for i in parsed.ignored)
    ]
    return (
        f"'{term.text}' authorises no one: it gives '{_QUALIFIER_RESULT[term.qualifier]}' to "
        f"every {scope} that no term before it matches"
        + (f", so those addresses never reach {_either(after)}" if after else "")
        + ". If you meant to refuse the servers you do not list, remove it and end the record "
        "with '-all', after the terms that list your senders."
    )


def _either(texts: list[str]) -> str:
    """'a', or 'a' or 'b', or 'a', 'b' or 'c': the terms quoted."""
    quoted = [repr(t) for t in texts]
    return quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} or {quoted[-1]}"


def family_cover(parsed: ParsedSpf) -> dict[str, list[SpfTerm]]:
    """For each family, the '+' terms receivers evaluate that together pass every address of
    it, or [] (_family_cover).

    An 'ip4:0.0.0.0/0' (or '0.0.0.0/1' with '128.0.0.0/1', RFC 7208 §5.6) and an 'a/0' or
    'mx/0' (the /0 network around the host's address, §5.3, §5.4) match every client of the
    family, so the record's 'all' is never reached by one: as open as '+all' (SPF-09).
    Terms after 'all' are ignored. Read without DNS, an 'a/0' or 'mx/0' is taken to match
    (_open_families asks whether its host has an address of the family).
    """
    live = _live_terms(parsed)
    return {
        family: _family_cover([(t, _term_range(t, family, True)) for t in live], family)
        for family in FAMILIES
    }


def _shadowed_ranges(parsed: ParsedSpf, family: str) -> list[SpfTerm]:
    """The terms receivers evaluate (_live_terms) that match no address of `family` the
    terms before them leave (_first_matches): for an ip4/ip6 range, one that decides none.
    Each term's count depends on the terms before it only, so one walk answers for all."""
    live = _live_terms(parsed)
    # An 'a/0' or 'mx/0' before it is not counted: without DNS, its host may have no address.
    counts, _ = _first_matches([_term_range(t, family, False) for t in live], family)
    return [t for t, n in zip(live, counts, strict=True) if n == 0]


def _live_terms(parsed: ParsedSpf) -> list[SpfTerm]:
    """The mechanisms receivers evaluate before 'all' whose matches need no macro."""
    ignored = {id(t) for t in parsed.ignored}
    return [
        t
        for t in parsed.terms
        if t.valid
        and t.kind == "mechanism"
        and t.name != "all"
        and id(t) not in ignored
        and not t.has_macro
    ]


IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
_WHOLE = {FAMILIES[0]: ipaddress.ip_network("0.0.0.0/0"), FAMILIES[1]: ipaddress.ip_network("::/0")}
_FLOOR = {FAMILIES[0]: MIN_PREFIX4, FAMILIES[1]: MIN_PREFIX6}


def _term_range(term: SpfTerm, family: str, host_has: bool) -> IpNetwork | None:
    """The addresses of `family` that `term` matches whatever the message: an ip4/ip6 term's
    network, every address for an 'a' or 'mx' /0 whose host has one of the family
    (`host_has`, RFC 7208 §5.3, §5.4); None for any other term (its matches depend on DNS)."""
    if term.name in ("a", "mx"):
        prefix = term.cidr4 if family == FAMILIES[0] else term.cidr6
        return _WHOLE[family] if prefix == 0 and host_has else None
    if term.name != ("ip4" if family == FAMILIES[0] else "ip6") or not term.network:
        return None
    try:
        return ipaddress.ip_network(term.network, strict=False)
    except ValueError:
        return None


def _first_matches(ranges: list[IpNetwork | None], family: str) -> tuple[list[int], list[bool]]:
    """For each range in evaluation order, the number of addresses of `family` it is the
    first to match (the first matching term decides, RFC 7208 §4.6.2), and whether every
    address of the family was decided before it. A term without a range (None) decides none.

    The addresses decided so far are kept as sorted, disjoint spans of integers, so a range
    costs a search and the spans it overlaps: a long record of single hosts and wide ranges
    stays quick to read (this runs on the event loop, where no timeout can stop it)."""
    total = _WHOLE[family].num_addresses
    starts: list[int] = []  # first address of each decided span, in order
    ends: list[int] = []  # last address of each, the same order
    decided = 0
    counts: list[int] = []
    full: list[bool] = []
    for net in ranges:
        full.append(decided == total)
        if net is None or decided == total:
            counts.append(0)
            continue
        low, high = int(net.network_address), int(net.broadcast_address)
        first = bisect.bisect_left(ends, low)  # the first span that does not end before it
        last = first
        taken = 0
        while last < len(starts) and starts[last] <= high:
            taken += min(ends[last], high) - max(starts[last], low) + 1
            last += 1
        if last > first:  # the spans it overlaps become one with it
            low, high = min(low, starts[first]), max(high, ends[last - 1])
        starts[first:last] = [low]
        ends[first:last] = [high]
        counts.append(net.num_addresses - taken)
        decided += counts[-1]
    return counts, full


def _family_cover(entries: list[tuple[SpfTerm, IpNetwork | None]], family: str) -> list[SpfTerm]:
    """The '+' terms of `entries` (in evaluation order, with their ranges: _term_range) that
    pass every address of `family` the terms before them leave, when together they pass the
    whole family but for listed refusals (a '-', '~' or '?' range of /16 or longer, /32 for
    IPv6): those are exceptions, as '-ip4:192.0.2.1 +all' is still '+all'. A wider such range
    decides its part first ('-ip4:128.0.0.0/1 ip4:0.0.0.0/0' passes half the family), so
    does not count. Named are the wide terms alone when they do it without the narrow '+'
    ones (the owner's senders, kept in the fix); else []."""
    total = _WHOLE[family].num_addresses

    def listed_refusal(term: SpfTerm, net: IpNetwork | None) -> bool:
        return term.qualifier != "+" and net is not None and net.prefixlen >= _FLOOR[family]

    # The common record lists a few networks: too few addresses to cover a family, no walk.
    room = sum(
        net.num_addresses
        for t, net in entries
        if net is not None and (t.qualifier == "+" or listed_refusal(t, net))
    )
    if room < total:
        return []

    def passing(chosen: list[tuple[SpfTerm, IpNetwork | None]]) -> list[SpfTerm]:
        counts, _ = _first_matches([net for _, net in chosen], family)
        passed = sum(n for (t, _), n in zip(chosen, counts, strict=True) if t.qualifier == "+")
        excepted = sum(
            n for (t, net), n in zip(chosen, counts, strict=True) if listed_refusal(t, net)
        )
        if passed + excepted < total:
            return []
        return [t for (t, _), n in zip(chosen, counts, strict=True) if n and t.qualifier == "+"]

    cover = passing(entries)
    if not cover:
        return []
    wide = [
        (t, net)
        for t, net in entries
        if t.qualifier != "+" or net is None or net.prefixlen < _FLOOR[family]
    ]
    return passing(wide) or cover


@dataclass
class OneRepair:
    """The owner's record with every repair of a permanent error that applies at once (task
    s45f): the copies SPF-05 drops (duplicate_lookups), the includes of names without SPF
    SPF-08 drops or swaps for a provider's (_dead_end_fixes), the names gone SPF-06 drops
    (_void_terms) and the 'mx' terms SPF-07 replaces by their hosts' addresses
    (_mx_fanout_fixes), vetted (_vetted_fix). Each of those findings quotes this one record,
    and SPF-09 and SPF-10 build theirs on it, so the fixes applied in turn agree; each alone
    would still fail on the others' errors (or, SPF-06's warning, keep what another drops)."""

    record: str
    fix: str
    parts: dict[str, list[str]]  # check id -> what its repair changes, as the texts say it

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(sorted(self.parts))

    @property
    def changed(self) -> str:
        return ", ".join(c for cid in self.ids for c in self.parts[cid])

    @property
    def errors(self) -> tuple[str, ...]:
        """The permanent errors it repairs (all but SPF-11, an advice)."""
        return tuple(cid for cid in self.ids if cid != "SPF-11")

    def note(self, check_id: str, within: bool = False) -> str:
        """Said by `check_id`'s finding: what else the record suggested repairs (`within`:
        and that it is within the lookup limit, for SPF-05)."""
        others = [f"{cid} ({', '.join(self.parts[cid])})" for cid in self.ids if cid != check_id]
        limit = f" and is within the limit of {LOOKUP_LIMIT} DNS lookups" if within else ""
        return (
            f" The record suggested also repairs {series(others)}{limit}: it is the one "
            "record every SPF finding here suggests."
        )


async def _one_repair(
    ctx: CheckContext,
    tree: SpfNode,
    parsed: ParsedSpf,
    dedup: Dedup | None,
    mx: DnsAnswer,
    type99: dict[str, str],
    replaced: dict[str, list[str]],
    void_ptr: frozenset[str] = frozenset(),
) -> OneRepair | None:
    """OneRepair, when any of those repairs (or SPF-11's 'ptr:<host>' written 'a:<host>')
    applies and their record passes its vetting; else None. With one repair alone its record
    is the one its finding offers already (the caller quotes it only for two or more); SPF-09
    and SPF-10 build on it all the same. Not
    with a redirect to a name without SPF (SPF-08 ends the record there), nor when an
    include's name has its record as type 99 only (SPF-08 may ask for it at that name), nor
    when the record would list no sender ('v=spf1 -all' would refuse the domain's mail)."""
    dead = [n for n in tree.children if n.status in ("none", "multiple")]
    if any(n.via == "redirect" for n in dead):
        return None
    names = {n.domain.lower().rstrip(".") for n in dead if n.via == "include"}
    if any(name in type99 for name in names):
        return None
    copies = [t for d in dedup.found for t in d.drop] if dedup and dedup.record else []
    voids = _void_terms(ctx, tree)
    swaps = _provider_swaps(tree, parsed, mx)
    terms: list[str] = []
    parts: dict[str, list[str]] = {}
    # The tree's parse of the record: the copies and void terms are its terms, by identity.
    for t in (tree.parsed or parsed).terms:
        name = (t.lookup_name or "").lower().rstrip(".")
        if any(t is c for c in copies):
            parts.setdefault("SPF-05", []).append(f"without the copy '{t.text}'")
        elif t.name == "include" and name in names:
            swap = swaps.get(name)
            if swap and not _holds(terms, swap[1]):
                terms.append(_qualified(t, swap[1]))
                parts.setdefault("SPF-08", []).append(
                    f"'{_qualified(t, swap[1])}' in place of '{t.text}'"
                )
            else:
                parts.setdefault("SPF-08", []).append(f"without '{t.text}'")
        elif any(t is v for v in voids):
            parts.setdefault("SPF-06", []).append(f"without '{t.text}'")
        elif t.text in replaced:
            terms += replaced[t.text]
            parts.setdefault("SPF-07", []).append(
                f"the addresses of its MX hosts in place of '{t.text}'"
            )
        elif (
            t.valid
            and t.kind == "mechanism"
            and (host := _ptr_host(t))
            and normalize(host) not in void_ptr
        ):
            # SPF-11's change (_without_ptr): not a permanent error, but its fix quotes a
            # whole record too. Not for a host without address (_void_ptr_hosts).
            qualifier = t.text[0] if t.text[:1] in ("+", "-", "~", "?") else ""
            if _names_a(terms, host):  # a second 'a:<host>' never matches: left out
                parts.setdefault("SPF-11", []).append(
                    f"without '{t.text}', as 'a:{host}' stands before it"
                )
            else:
                terms.append(f"{qualifier}a:{host}")
                parts.setdefault("SPF-11", []).append(
                    f"'{qualifier}a:{host}' in place of '{t.text}'"
                )
        else:
            terms.append(t.text)
    if not parts:
        return None
    text = " ".join(["v=spf1", *terms])
    if not any(t.kind == "mechanism" and t.name != "all" for t in parse_spf(text).terms):
        return None
    fix, _ = await _vetted_fix(ctx, text, "With every repair")
    return OneRepair(text, fix, parts) if fix else None


def _quote_one(
    one: OneRepair,
    tree: SpfNode,
    parsed: ParsedSpf,
    mx: DnsAnswer,
    dedup: Dedup | None,
    dead: dict[str, tuple[str, str]],
    fanout: dict[str, tuple[str, str, int]],
    void_fix: tuple[str, str],
) -> tuple[dict[str, tuple[str, str]], dict[str, tuple[str, str, int]], tuple[str, str]]:
    """Every fix of SPF-05..08 set to `one`'s record, with the note naming the others'
    repairs: (dead, fanout, void_fix); dedup's fix is set in place."""
    if "SPF-05" in one.parts and dedup is not None:
        dedup.fix, dedup.note, dedup.one = one.fix, one.note("SPF-05", within=True), True
    if "SPF-08" in one.parts:
        dead = dict(dead)
        for key in [k for k in dead if k.startswith("include:")]:
            dead[key] = (one.fix, one.note("SPF-08"))
        for name, known in _provider_swaps(tree, parsed, mx).items():
            dead[f"provider:{name}"] = known
        dead[REPAIRED] = (one.record, one.changed)
    if "SPF-07" in one.parts:
        fanout = {t: (one.fix, one.note("SPF-07"), n) for t, (_, _, n) in fanout.items()}
    if "SPF-06" in one.parts:
        void_fix = (one.fix, one.note("SPF-06"))
    return dead, fanout, void_fix


async def _ptr_fixes(
    out: Collector,
    ctx: CheckContext,
    tree: SpfNode,
    parsed: ParsedSpf,
    one: OneRepair | None,
    void_ptr: frozenset[str] = frozenset(),
) -> None:
    """SPF-11's record for the owner's 'ptr:<host>' (_problem: the record with 'a:<host>' in
    its place, nothing else changed) made the one record: OneRepair's, when it holds other
    repairs too; else, beside a permanent error that record still has, none, and the note
    says why (it quoted a record that still failed, s45f)."""
    ptr = [f for f in out.findings if f.id == "SPF-11" and f.subject == ctx.domain and f.fix]
    if not ptr:
        return
    # A ptr host without address is not written 'a:' (s45r2): its finding offers no record
    # and says why; the others' record keeps that ptr as it is.
    for finding in list(ptr):
        host = _term_host(parsed, finding.evidence.get("term"))
        if host is None or normalize(host) not in void_ptr:
            continue
        finding.fix = ""
        finding.summary = finding.summary.replace(
            f"name the host with 'a:{host}' instead.", _ptr_void_note(host)
        )
        ptr.remove(finding)
    if not ptr:
        return
    if one is not None and "SPF-11" in one.parts and len(one.parts) > 1:
        for finding in ptr:
            finding.fix = one.fix
            finding.summary += one.note("SPF-11")
        return
    if tree_permerror(tree) or void_ptr:
        record = _without_ptr(parsed, void_ptr)
        fix, note = await _vetted_fix(ctx, record, "With 'a:' in its place")
        for finding in ptr:
            finding.fix = fix
            if not fix:
                finding.summary += note


def _term_host(parsed: ParsedSpf, text: str | None) -> str | None:
    """The host of the record's 'ptr:<host>' term written `text`, as written, or None."""
    for t in parsed.terms:
        if t.text == text and t.valid and t.kind == "mechanism" and (host := _ptr_host(t)):
            return host
    return None


# _dead_end_fixes' key for the owner's record with every include of a name without SPF
# dropped or replaced (record, what changed).
REPAIRED = "repaired:"


def repaired_record(
    dead: dict[str, tuple[str, str]], type99: dict[str, str]
) -> tuple[str, str] | None:
    """(record, what changed) of SPF-08's repair of the owner's own record, when SPF-08
    offers it (_dead_end_fixes, vetted: no permanent error is left in it), else None.

    The record SPF-09 and SPF-10 build theirs on while SPF-08 fails, so the owner gets one
    corrected record, not SPF-08's beside "a corrected record would still fail" (s44f).
    Not when an include's name has its record as type 99 only: SPF-08 may then ask for that
    record to be published at the name, the owner's own record unchanged. Nor when the repair
    lists no sender ('v=spf1 ~all' for 'v=spf1 include:gone.example ~all'): SPF-08 asks for
    the include the service now documents, and 'v=spf1 -all' would refuse the domain's mail."""
    if REPAIRED not in dead:
        return None
    named = [k.removeprefix("include:") for k in dead if k.startswith("include:")]
    if any(name in type99 for name in named):
        return None
    record = dead[REPAIRED][0]
    if not any(t.kind == "mechanism" and t.name != "all" for t in parse_spf(record).terms):
        return None
    return dead[REPAIRED]


def after_repair(check_id: str | None, changed: str, by: tuple[str, ...] = ("SPF-08",)) -> str:
    """Said instead of error_first when the record suggested starts from SPF-08's repair, or
    from the one record of the repairs of `by` (OneRepair, s45f); `check_id` the permanent
    error met first, None when there is none (the repairs are of warnings: SPF-06, SPF-11)."""
    who = f"{by[0]} suggests" if len(by) == 1 else f"{series(list(by))} suggest"
    same = f"the record suggested is the one {who} ({changed}), with this change too."
    if check_id is None:
        return " " + same[0].upper() + same[1:]
    errors = [cid for cid in by if cid != "SPF-11"] or [check_id]
    first = (
        f"Fix the permanent error first ({errors[0]})"
        if len(errors) == 1
        else f"Fix the permanent errors first ({series(errors)})"
    )
    return f" {first}: {same}"


async def _dead_end_fixes(
    ctx: CheckContext, tree: SpfNode, parsed: ParsedSpf, mx: DnsAnswer
) -> dict[str, tuple[str, str]]:
    """SPF-08's (fix, note) for each name the owner's own record includes or redirects to that
    publishes no SPF record (or several), keyed "include:<name>" / "redirect:<name>".

    An include: the record without it (every other term as written), vetted (_vetted_fix):
    another dead include or the lookup limit would still fail it. An include of one of the
    domain's MX hosts that is a known provider's (`include:mail.protonmail.ch` for
    `include:_spf.protonmail.ch`, blind round s44e) gets the include the provider's setup
    guide gives in its place, not removed: the domain's mail is sent by that provider, whose
    servers the record without it would no longer authorise; keyed "provider:<name>" too,
    with (provider, include). The repaired record, when it passes its vetting, is also kept
    under REPAIRED with what changed: the record the other findings build theirs on
    (repaired_record). A redirect: the record without it, ending in '-all' (the
    redirect stood for the ending, RFC 7208 §6.1), offered only when the record names senders
    of its own: 'v=spf1 -all' would say the domain sends no mail, which the text leaves to the
    owner.
    """
    fixes: dict[str, tuple[str, str]] = {}
    dead = [n for n in tree.children if n.status in ("none", "multiple")]
    # Every dead include at once: the record without one still fails on the next.
    names = {n.domain.lower().rstrip(".") for n in dead if n.via == "include"}
    drop = [
        t
        for t in parsed.terms
        if t.name == "include" and (t.lookup_name or "").lower().rstrip(".") in names
    ]
    swaps = _provider_swaps(tree, parsed, mx)
    if drop:
        terms: list[str] = []
        changes: list[str] = []  # what the repair changed, as SPF-09 and SPF-10 say it
        for t in parsed.terms:
            swap = swaps.get((t.lookup_name or "").lower().rstrip("."))
            if not any(t is d for d in drop):
                terms.append(t.text)
            elif swap and not _holds(terms, swap[1]):
                terms.append(_qualified(t, swap[1]))
                changes.append(f"'{_qualified(t, swap[1])}' in place of '{t.text}'")
            else:
                changes.append(f"without '{t.text}'")
        text = " ".join(["v=spf1", *terms])
        fix, note = await _vetted_fix(
            ctx, text, "With the provider's include" if swaps else "Without it"
        )
        if fix and not any(
            t.kind == "mechanism" and t.name != "all" for t in parse_spf(text).terms
        ):
            fix += (
                "\n(This record lists no server that may send: if a service sends your mail, "
                "add the include it now documents.)"
            )
        for node in dead:
            if node.via == "include":
                fixes[f"include:{node.domain}"] = (fix, note)
        if fix:  # only a record that passes its vetting is offered in the include's place
            for name, known in swaps.items():
                fixes[f"provider:{name}"] = known
            fixes[REPAIRED] = (text, ", ".join(changes))
    for node in dead:
        if node.via == "redirect" and parsed.redirect is not None and parsed.all_term is None:
            rest = [
                t
                for t in parsed.terms
                if t is not parsed.redirect and t.kind == "mechanism" and t.qualifier == "+"
            ]
            if rest:
                fixes[f"redirect:{node.domain}"] = await _vetted_fix(
                    ctx,
                    _record_without(parsed, [parsed.redirect]) + " -all",
                    "Without the redirect",
                )
    return fixes


def _qualified(term: SpfTerm, include: str) -> str:
    """The provider's `include` in place of `term` with the term's qualifier ('~include:<MX
    host>' softfails what it matches, so must its replacement; RFC 7208 §4.6.2)."""
    qualifier = term.text[0] if term.text[:1] in ("+", "-", "~", "?") else ""
    return qualifier + include


def _holds(terms: list[str], include: str) -> bool:
    """Whether `terms` hold `include` already, with any qualifier."""
    return any(t.lstrip("+-~?") == include for t in terms)


def _provider_swaps(tree: SpfNode, parsed: ParsedSpf, mx: DnsAnswer) -> dict[str, tuple[str, str]]:
    """SPF-08's swaps (_dead_end_fixes): for each include of the owner's record naming one of
    the domain's MX hosts that is a known provider's and publishes no SPF, (provider, the
    include its setup guide gives), when the record does not include that already."""
    mx_hosts = {
        normalize(r.exchange.to_text())
        for r in (mx.records if not mx.failed else [])
        if hasattr(r, "exchange")
    }
    written = {
        (t.lookup_name or "").lower().rstrip(".") for t in parsed.terms if t.name == "include"
    }
    swaps: dict[str, tuple[str, str]] = {}
    for node in tree.children:
        if node.status not in ("none", "multiple"):
            continue
        name = node.domain.lower().rstrip(".")
        known = mail_provider(name) if node.status == "none" and name in mx_hosts else None
        if node.via == "include" and known and known[1].removeprefix("include:") not in written:
            swaps[name] = known
    return swaps


def _dropped_includes(dead: dict[str, tuple[str, str]]) -> list[str]:
    """The includes the record SPF-08 suggests (_dead_end_fixes' `dead`) leaves out, as
    written ('include:<name>'): every dead include but those a provider's include replaces."""
    swapped = {k.removeprefix("provider:") for k in dead if k.startswith("provider:")}
    return [
        k
        for k in dead
        if k.startswith("include:")
        and k.removeprefix("include:").lower().rstrip(".") not in swapped
    ]


async def _void_fix(ctx: CheckContext, tree: SpfNode) -> tuple[str, str]:
    """SPF-06's (fix, note): the owner's record without the terms whose own lookups came back
    empty (a:, mx:, exists: of names that are gone), vetted (_vetted_fix), when every void
    lookup is one of them (s39a). None when a void name is in another record (a provider's,
    or one of the owner's reached through include: the text says whose), is an MX host without
    an address (dropping 'mx' drops every host), or is an exists: name that is there without
    an A record (SPF-06's exists advice), or when nothing but 'all' would be left."""
    parsed = tree.parsed
    drop = _void_terms(ctx, tree)
    if parsed is None or not drop:
        return "", ""
    text = _record_without(parsed, drop)
    if not any(t.kind == "mechanism" and t.name != "all" for t in parse_spf(text).terms):
        return "", ""
    return await _vetted_fix(ctx, text, "Without them")


def _void_terms(ctx: CheckContext, tree: SpfNode) -> list[SpfTerm]:
    """The terms of the owner's record that SPF-06's repair drops (_void_fix): those whose
    own lookups came back empty, when every void lookup of the tree is one of them; else []."""
    parsed = tree.parsed
    if parsed is None or not tree.voids:
        return []
    if any(n.voids for n in tree.walk() if n is not tree):
        return []
    if any(tree.void_kinds.get(v) == "exists" for v in tree.voids):
        return []

    def void_name(term: SpfTerm) -> str | None:
        if term.has_macro or not term.valid or term.kind != "mechanism":
            return None
        name = normalize(term.lookup_name or ctx.domain)
        if term.name in ("a", "exists"):
            return name
        return f"{name} MX" if term.name == "mx" else None

    voids = {v.lower() for v in tree.voids}
    drop = [t for t in parsed.terms if (void_name(t) or "").lower() in voids]
    if {(void_name(t) or "").lower() for t in drop} != voids:
        return []
    return drop


async def _opened_fix(ctx: CheckContext, text: str, parsed: ParsedSpf) -> tuple[str, str]:
    """SPF-19's (fix, note) for a record with terms that pass a whole family: the record
    without them (_without_cover), vetted, and a reminder that the real senders go in its place
    (nothing else lists them). None while the record is a permanent error for another reason."""
    if parsed.permerror or parsed.misspelt:
        return "", ""
    fix, note = await _vetted_fix(ctx, text, "Even without it")
    if not fix:
        return "", note
    return (
        fix + "\n(Add the networks that really send your mail to it, as ip4:/ip6: ranges or "
        "include: of your providers: without them, their mail fails SPF.)",
        note,
    )


def _without_zero_prefix(term: SpfTerm) -> str:
    """An 'a' or 'mx' term without its /0 (or //0) prefix: the host's own addresses."""
    text = term.text
    if term.cidr6 == 0:
        text = re.sub(r"//0$", "", text)
    if term.cidr4 == 0:
        text = re.sub(r"/0(?=//|$)", "", text)
    return text


def _without_cover(parsed: ParsedSpf, cover: dict[str, list[SpfTerm]]) -> str:
    """The record without the terms that pass a whole family (family_cover): ip4/ip6 ranges
    dropped, an 'a/0' or 'mx/0' written without its /0; every other term as written."""
    gone = {id(t) for terms in cover.values() for t in terms}
    kept = []
    for t in parsed.terms:
        if id(t) not in gone:
            kept.append(t.text)
        elif t.name in ("a", "mx"):
            kept.append(_without_zero_prefix(t))
    return " ".join(["v=spf1", *kept])


def _problem(
    out: Collector,
    domain: str,
    problem: SpfProblem,
    parsed: ParsedSpf,
    *,
    respelt: tuple[str, str] = ("", ""),
    unquoted_fix: tuple[str, str] = ("", ""),
) -> None:
    """One parser problem as a finding. `respelt` is (fix, note) for a mechanism written with
    '=', already checked (syntax and lookups) by the caller; `unquoted_fix` likewise for the
    record without a stray quote at its end (SpfProblem.unquoted)."""
    summary = problem.message
    # The parser's message as the tail of a sentence: no full stop of its own, and a
    # capitalised first word ("The 'redirect' modifier ...") lower-cased after the colon.
    detail = problem.message.rstrip(". ")
    if detail[:1].isupper() and detail[1:2].islower():
        detail = detail[0].lower() + detail[1:]
    fix = ""
    if problem.meant:
        # Not a permanent error: receivers skip the term, so the senders it names fail SPF.
        summary = (
            f"The SPF record of {domain} authorises less than it says: {detail}; "
            "the senders it names are not authorised." + respelt[1]
        )
        fix = respelt[0]
    elif problem.status == Status.FAIL and problem.check_id in PERMERROR_IDS:
        summary = (
            f"The SPF record of {domain} is invalid, so receivers treat SPF as a permanent error: "
            f"{detail}." + unquoted_fix[1]
        )
        fix = unquoted_fix[0]
    elif problem.opened:
        summary += unquoted_fix[1]
        fix = unquoted_fix[0]
    elif (
        problem.check_id == "SPF-11"
        and not parsed.permerror
        and not parsed.misspelt
        and any(t.text == problem.term and _ptr_host(t) for t in parsed.terms)
    ):
        fix = txt_fix(domain, _without_ptr(parsed))
    out.add(
        problem.check_id,
        problem.status,
        summary,
        subject=domain,
        evidence={"record": parsed.text, "term": problem.term},
        fix=fix,
    )


# The version token as people mistype it: v=spf10, v=SPF1, v=spf2.0/pra, v=spf.
_VERSION_RE = re.compile(r"^v=spf[0-9.]*(?:/[A-Za-z,]+)?", re.I)
# What may glue the first term to it: "v=spf1;include:", "v=spf1,include:", a tab.
_GLUE_RE = re.compile(r"^[^A-Za-z0-9+\-~?]+")


# A macro letter written after '%' without its braces ('%d'): a syntax error (RFC 7208 §7.1)
# whose meaning is plain. Pairs '%%', '%_', '%-' and braced macros are matched to be skipped;
# c, r and t are left out: only explanation text may use them.
_UNBRACED_RE = re.compile(r"%(?:[%_\-]|\{[^}]*\}|([slodiphvSLODIPHV]))")


def _braced(text: str) -> str:
    """The record `text` with every unbraced macro letter braced ('%d' to '%{d}'), or ''
    when it has none."""
    braced = _UNBRACED_RE.sub(lambda m: "%{" + m[1] + "}" if m[1] else m[0], text)
    return braced if braced != text else ""


def _one_modifier(text: str, name: str) -> str:
    """The record `text` with only its first `name`= modifier (SPF-12 fix)."""
    terms = text.split()
    found = [i for i, t in enumerate(terms) if t.lower().startswith(f"{name}=")]
    return " ".join(t for i, t in enumerate(terms) if i not in found[1:])


def _one_modifier_lead(problem: SpfProblem) -> str:
    """_vetted_fix's lead for the record SPF-12 offers: "With one exp=" or "With one redirect="."""
    return f"With one {'redirect' if problem.term.lower().startswith('redirect') else 'exp'}="


def _redirect_targets(text: str) -> list[str]:
    """The domains the redirect= modifiers of `text` name, each once (names ignore case and a
    final dot), in order."""
    names = [t.partition("=")[2] for t in text.split() if t.lower().startswith("redirect=")]
    return list(dict.fromkeys(n.rstrip(".").lower() for n in names))


def repaired_version(text: str) -> str:
    """A near-miss record with the version written as "v=spf1 " (SPF-02 fix).

    Only the version token is replaced: in "v=spf1include:_spf.google.com" the rest is the
    first mechanism, and dropping it would leave a record that authorises nobody. Terms are
    re-joined with single spaces, since a tab or comma between them is a syntax error too.
    """
    # A pasted record loses the quotes it was pasted with at both ends, and the space before.
    text = _PASTED_END_RE.sub("", _PASTED_RE.sub("", text))
    match = _VERSION_RE.match(text)
    if match:
        rest = text[match.end() :]
    else:
        slipped = _slipped_version(text)  # 'v=sfp1 mx -all': the mistyped version goes
        rest = text[len(slipped) :]
    # A ';' or ',' ending a term is a separator written as DMARC's ("v=spf1; mx; -all"): no
    # term of RFC 7208 §12 can end in one (a domain-end is a label or a macro), so it goes.
    terms = [t.rstrip(";,") for t in _GLUE_RE.sub("", rest).split()]
    return " ".join(["v=spf1", *(t for t in terms if t)])


def _quotes_note(text: str) -> str:
    """For a record published between quotes ('"v=spf1 mx -all"', typographic ones from a
    document): that its first character is a quote, and the record to publish without them."""
    around = unquoted(text)
    if around is None or not around.leading or not is_spf_record(around.text):
        return ""
    return (
        f". It is {around.describe()}: {around.whose}, so its first character is a quote; "
        f"retype it without {around.them}: '{repaired_version(text)}'"
    )


def _pasted_note(text: str) -> str:
    """For a near miss holding a character pasted from a web page or a document ('v=spf1\u00a0mx
    -all', a no-break space after the version): which one and where. The record as shown reads
    exactly as the one the fix offers; named, the difference is plain (checks.lookalike). Not
    for quotes around the whole record, which _quotes_note names."""
    pasted = lookalikes(text)
    if pasted is None or unquoted(text) is not None:
        return ""
    return (
        f". It holds {pasted.describe()}, which {pasted.fault}: SPF records are US-ASCII and "
        "'v=spf1' is followed by an ASCII space (RFC 7208 §3.1, §4.5); retype it: "
        f"'{repaired_version(text)}'"
    )


def _tab_note(text: str) -> str:
    """For a near miss holding a tab ('v=spf1<TAB>mx -all'): where, since a record shown
    with its tab reads like one with a space."""
    if "\t" not in text:
        return ""
    where = "a tab after 'v=spf1'" if text.lower().startswith("v=spf1\t") else "a tab"
    return (
        f". It has {where} where SPF allows only a space: 'v=spf1' is followed by a space "
        "or the end of the record, and terms are separated by spaces (RFC 7208 §4.5, §4.6.1)"
    )


# A Sender ID record (RFC 4406): 'spf2.0/pra', 'spf2.0/mfrom,pra', then SPF-like terms.
_SENDER_ID_RE = re.compile(r"^spf2\.0/[A-Za-z,]+(?:[ ]+|$)", re.I)


def sender_id_record(answer: DnsAnswer) -> str:
    """The first Sender ID record among the TXT records of `answer`, or ''."""
    texts = [] if answer.failed else answer.texts()
    return next((t for t in texts if _SENDER_ID_RE.match(t)), "")


def _separator_note(text: str) -> str:
    """For a near miss whose terms end in ';' ("v=spf1; mx; include:...; -all", written as a
    DMARC record is): that SPF separates terms with spaces only, which repaired_version does."""
    terms = text.split()
    if sum(1 for term in terms if term.endswith(";")) < 2:
        return ""
    return (
        ". Its terms are separated by ';' as in a DMARC record, but SPF separates them with "
        "spaces only (RFC 7208 §4.6.1)"
    )


def _near_misses_beside(
    out: Collector, domain: str, answer: DnsAnswer, record: str, near_misses: list[str]
) -> None:
    """SPF-02 for records that look like SPF beside the one SPF record `record`.

    Receivers discard them (RFC 7208 §4.5: only records starting with exactly "v=spf1" are
    selected), so `record` alone applies and the senders only a near miss names are not
    authorised. A near miss that names no sender `record` lacks (the same record pasted again
    with its quotes) changes nothing and is left alone. A warning, not SPF-02's fail: the
    domain's SPF still works, and a fail would score SPF as broken (checklist §0: fail is for
    a mechanism receivers ignore or reject).
    """
    kept = {term.lower() for term in record.split()[1:]}
    lost: dict[str, list[str]] = {}
    for text in near_misses:
        terms = repaired_version(text).split()[1:]
        extra = [t for t in terms if t.lower() not in kept and t.lower().lstrip("+-~?") != "all"]
        if extra:
            lost[text] = extra
    if not lost:
        return
    shown = "; ".join(f"'{text}' (names {', '.join(extra)})" for text, extra in lost.items())
    one = len(lost) == 1
    out.add(
        "SPF-02",
        Status.WARN,
        f"Beside its SPF record, {domain} has "
        + (
            "a TXT record that looks like SPF but does not start with exactly 'v=spf1 ', so "
            "receivers ignore it"
            if one
            else "TXT records that look like SPF but do not start with exactly 'v=spf1 ', so "
            "receivers ignore them"
        )
        + f": {shown}. Senders listed only there are not authorised.",
        subject=domain,
        evidence={"dns": answer.evidence(), "near_misses": list(lost)},
        fix=f"Move the senders {'this record names' if one else 'these records name'} into "
        f"the SPF record of {domain} (if they send its mail), then remove "
        f"{'it' if one else 'them'}.",
    )


async def _undotted_record(
    out: Collector,
    ctx: CheckContext,
    answer: DnsAnswer,
    mx: DnsAnswer,
    null_mx: bool,
    name: str,
    records: list[str],
    found: DnsAnswer,
) -> None:
    """SPF-01 when the domain has no SPF record but its owner's sits at `name`, the domain
    written without the final dot: receivers never look there, so they get 'none' (RFC 7208
    §4.5). Warn for a domain that receives mail, info otherwise (checklist SPF-01), with the
    owner's record as the fix at the right name, vetted as any fix we offer."""
    domain = ctx.domain
    fix, note = "", ""
    if len(records) == 1:
        fix, note = await _vetted_fix(ctx, records[0], f"Published at {domain}")
        what = f'The SPF record "{records[0]}" sits at {name}'
        move = f"Move it: publish it at {domain}"
    else:
        what = f"{len(records)} SPF records ({'; '.join(records)}) sit at {name}"
        move = f"Move them as one record (merged: SPF-01 allows one) to {domain}"
    sends = not null_mx and not (mx.empty and not mx.failed)
    out.add(
        "SPF-01",
        Status.WARN if sends else Status.INFO,
        f"{domain} publishes no SPF record, so receivers get no SPF result for its mail. {what}, "
        "where receivers never look: it looks like the owner name was written without its "
        "final dot in the zone file, so the zone's name was added to it a second time. "
        f"{move} (write the owner with its final dot: '{domain}.'), and delete the record "
        f"at {name}." + note,
        subject=domain,
        evidence={"dns": answer.evidence(), "found_at": name, "found": found.evidence()},
        fix=fix,
    )
    if null_mx:
        _parked_unusable(
            out,
            domain,
            "SPF-01",
            f"receivers find no SPF record at it: its record sits at {name}",
            no_record=True,
        )


def _no_record(
    out: Collector,
    domain: str,
    answer: DnsAnswer,
    selection: SpfSelection,
    mx: DnsAnswer,
    null_mx: bool,
    repair: tuple[str, str] = ("", ""),
    *,
    type99: list[str] | None = None,
    type99_fix: tuple[str, str] | None = None,
    type99_near: str = "",
    sender_id: tuple[str, str, str] = ("", "", ""),
) -> None:
    """SPF-01/02/18 for a domain without an SPF record. `repair` is the vetted (fix, note) for
    the first near-miss record with its version written right (SPF-02). `type99` holds the
    SPF policy published only as the obsolete type 99 record (SPF-14 fail), with its version
    written right when the type 99 text is the near miss `type99_near`; `type99_fix` the
    vetted (fix, note) for it as TXT (_vetted_fix). `sender_id` is a Sender ID record (RFC
    4406) the domain publishes instead, with the vetted (fix, note) for its policy as SPF."""
    sid_words = (
        f" Its TXT record '{sender_id[0]}' is a Sender ID record (RFC 4406, an experiment "
        "since ended), which SPF receivers ignore: it is no SPF record (RFC 7208 §4.5)."
        if sender_id[0]
        else ""
    )
    if selection.near_misses:
        out.add(
            "SPF-02",
            Status.FAIL,
            f"{domain} has a TXT record that looks like SPF but does not start with exactly "
            f"'v=spf1 ', so receivers ignore it: '{selection.near_misses[0]}'"
            + _quotes_note(selection.near_misses[0])
            + _pasted_note(selection.near_misses[0])
            + _tab_note(selection.near_misses[0])
            + _separator_note(selection.near_misses[0])
            + f".{repair[1]}",
            subject=domain,
            evidence={"dns": answer.evidence()},
            fix=repair[0],
        )
        if null_mx:
            _parked_unusable(
                out,
                domain,
                "SPF-02",
                "receivers find no SPF record at it: the one published does not start with "
                "exactly 'v=spf1 '",
                no_record=True,
            )
        return
    policies = type99 or []
    if null_mx or (mx.empty and not mx.failed):
        # A policy the owner wrote as type 99 is named by both (s37a): SPF-18's -all is the
        # record if the domain sends no mail, SPF-14's TXT copy of the policy if it does.
        out.add(
            "SPF-18",
            Status.INFO,
            f"{domain} has no SPF record and "
            + ("does not receive mail (null MX)" if null_mx else "no MX records")
            + "; if it never sends mail, publish 'v=spf1 -all' so nobody can send as it."
            + (
                " If it does send mail, publish its type 99 policy as TXT instead (see SPF-14)."
                if policies
                else ""
            ),
            subject=domain,
            evidence={"dns": answer.evidence(), "mx": mx.evidence()},
            fix=txt_fix(domain, "v=spf1 -all"),
        )
        out.add(
            "SPF-01",
            Status.INFO,
            (
                f"{domain} publishes no SPF record as TXT, the only type receivers read (RFC "
                f"7208 §3.1): its policy '{type99_near or policies[0]}' sits in an obsolete "
                "type 99 record (see SPF-14)" + (_near99_words() if type99_near else "") + "."
                if policies
                else f"{domain} publishes no SPF record.{sid_words}"
            ),
            subject=domain,
            evidence={"dns": answer.evidence()},
        )
        return
    if policies:
        # The owner wrote a policy, in the record type receivers stopped reading (SPF-14): the
        # fix is that policy as TXT, as SPF-14 says, not a new ~all starting record of ours
        # that would contradict it (s25g-spf99only).
        out.add(
            "SPF-01",
            Status.WARN,
            f"{domain} publishes no SPF record as TXT, the only type receivers read (RFC 7208 "
            f"§3.1), so they cannot tell which servers may send its mail: its policy "
            f"'{type99_near or policies[0]}' sits in an obsolete type 99 record (see SPF-14)"
            + (_near99_words() if type99_near else "")
            + ". "
            + _type99_advice(type99_fix, near=bool(type99_near)),
            subject=domain,
            evidence={"dns": answer.evidence(), "type99": [type99_near or policies[0]]},
            fix=type99_fix[0] if type99_fix is not None else txt_fix(domain, policies[0]),
        )
        return
    if sender_id[1]:
        # The owner wrote a policy, as Sender ID: the fix is that policy as SPF, not a new
        # ~all starting record of ours.
        out.add(
            "SPF-01",
            Status.WARN,
            f"{domain} publishes no SPF record, so receivers cannot tell which servers may "
            f"send its mail.{sid_words} Publish its policy as an SPF record, starting "
            "'v=spf1' (the record suggested)." + sender_id[2],
            subject=domain,
            evidence={"dns": answer.evidence(), "sender_id": sender_id[0]},
            fix=sender_id[1],
        )
        return
    record, providers = starting_record(mx)
    covered = (["the hosts in your MX records"] if " mx " in record else []) + [
        f"{name} (where your MX records point)" for name in providers
    ]
    covers = " and ".join(covered)
    out.add(
        "SPF-01",
        Status.WARN,
        f"{domain} publishes no SPF record, so receivers cannot tell which servers may send its "
        f"mail.{sid_words} Publish one that lists every service that sends mail as {domain} (mailbox "
        "provider, newsletter, billing and ticketing tools, web servers). The suggestion is only "
        f"a starting point covering {covers}; it ends in ~all so mail from a sender not yet "
        "listed is marked rather than rejected; move to -all once the list is complete.",
        subject=domain,
        evidence={"dns": answer.evidence(), "mx": mx.evidence(), "providers": providers},
        fix=txt_fix(domain, record),
    )


# Hosted mail providers (mailbox providers, and sending services whose MX takes a sending
# subdomain's bounces) recognised by their MX hosts, with the include their own setup guides
# give. Their inbound MX hosts are not the servers that send their customers' mail, so `mx`
# would authorise the wrong machines and miss the right ones.
PROVIDERS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("Google Workspace", ("google.com", "googlemail.com"), "include:_spf.google.com"),
    ("Microsoft 365", ("mail.protection.outlook.com",), "include:spf.protection.outlook.com"),
    # https://proton.me/support/anti-spoofing-custom-domain (MX mail/mailsec.protonmail.ch)
    ("Proton Mail", ("protonmail.ch",), "include:_spf.protonmail.ch"),
    # https://www.fastmail.help/hc/en-us/articles/360060591153 (MX in1/in2-smtp.messagingengine.com)
    ("Fastmail", ("messagingengine.com",), "include:spf.messagingengine.com"),
    # https://documentation.mailgun.com/docs/mailgun/user-manual/domains/domains-verify.md
    # (MX 10 mxa/mxb.mailgun.org beside TXT "v=spf1 include:mailgun.org ~all"; the EU
    # region's hosts are under eu.mailgun.org). Often a sending subdomain's own MX (mg.<d>).
    ("Mailgun", ("mailgun.org",), "include:mailgun.org"),
)


def mail_provider(host: str) -> tuple[str, str] | None:
    """(name, include) of the hosted provider whose MX host `host` is (PROVIDERS), or None."""
    host = normalize(host)
    for name, suffixes, include in PROVIDERS:
        if any(host == s or host.endswith("." + s) for s in suffixes):
            return name, include
    return None


def starting_record(mx: DnsAnswer) -> tuple[str, list[str]]:
    """A first SPF record for a domain without one, and the providers it names.

    Known providers behind the MX get their include; `mx` stays for MX hosts that are not a
    known provider's (often the domain's own servers, which then send too). It ends in ~all,
    not -all: we cannot know every sender, and -all would hard-fail the ones we missed.
    """
    hosts = [
        normalize(r.exchange.to_text())
        for r in (mx.records if not mx.failed else [])
        if hasattr(r, "exchange")
    ]
    names: list[str] = []
    terms: list[str] = []
    own = False
    for host in filter(None, hosts):
        known = mail_provider(host)
        if known is None:
            own = True
        elif known[1] not in terms:
            names.append(known[0])
            terms.append(known[1])
    if own or not terms:
        terms.insert(0, "mx")
    return " ".join(["v=spf1", *terms, "~all"]), names


async def _sender_id_fix(ctx: CheckContext, answer: DnsAnswer) -> tuple[str, str, str]:
    """(record, fix, note) for a Sender ID record (RFC 4406) published where SPF is not: its
    terms as an SPF record, vetted as any fix we offer (_vetted_fix); ('', '', '') without."""
    text = sender_id_record(answer)
    if not text:
        return "", "", ""
    terms = _SENDER_ID_RE.sub("", text).split()
    fix, note = await _vetted_fix(ctx, " ".join(["v=spf1", *terms]), "As an SPF record")
    return text, fix, note


async def _type99_targets(ctx: CheckContext, tree: SpfNode) -> dict[str, str]:
    """For each name included or redirected to that publishes no SPF record as TXT: its
    'v=spf1' policy when it has one as a type 99 record (the only one of them), which receivers
    never ask for (RFC 7208 §3.1, §4.4). Asked only for such names: one query each."""
    dead = [n for n in tree.walk() if n is not tree and n.status == "none"]
    names = list(dict.fromkeys(n.domain for n in dead))
    answers = await asyncio.gather(*(ctx.dns.query(name, "SPF") for name in names))
    found: dict[str, str] = {}
    for name, answer in zip(names, answers, strict=True):
        policies = [t for t in _type99_texts(answer) if is_spf_record(t)]
        if len(policies) == 1:
            found[name] = policies[0]
    return found


def _type99_texts(type99: DnsAnswer) -> list[str]:
    """The texts of the type 99 (SPF) records, each one's strings joined (RFC 7208 §3.3)."""
    if type99.failed:
        return []
    return [
        b"".join(r.strings).decode("utf-8", "replace")
        for r in type99.records
        if hasattr(r, "strings")
    ]


def _type99_advice(vetted: tuple[str, str] | None, *, near: bool = False) -> str:
    """What SPF-01 and SPF-14 ask of a policy published only as type 99: to publish it as TXT
    (with its version written 'v=spf1 ' when it is a `near` miss), or, when it would be wrong
    as it is (_vetted_fix's note), to correct it first."""
    if vetted is None or vetted[0] or not vetted[1]:
        if near:
            return "Publish the same policy as a TXT record, with its version written 'v=spf1 '."
        return "Publish the same policy as a TXT record."
    return f"Correct it before publishing it as a TXT record:{vetted[1]}"


def _near99_words() -> str:
    """Why a type 99 near miss ('v=spf1;') would be ignored as TXT too (RFC 7208 §4.5)."""
    return (
        ", and it does not start with exactly 'v=spf1 ' (the version followed by a space or "
        "the end of the record), so receivers would ignore it as a TXT record too (SPF-02)"
    )


def _type99(
    out: Collector,
    domain: str,
    type99: DnsAnswer,
    *,
    has_txt: bool,
    vetted: tuple[str, str] | None = None,
    near: str = "",
) -> None:
    """SPF-14. `vetted` is the (fix, note) for the type 99 policy as TXT when no TXT record
    stands (_vetted_fix); None when there is none to vet. `near` is the type 99 text when it
    is a near miss, which `vetted` offers with its version written right."""
    if type99.failed or not type99.records:
        return
    if has_txt:
        out.add(
            "SPF-14",
            Status.INFO,
            f"{domain} also publishes an obsolete SPF-type (99) record; receivers only read "
            "the TXT record, so the type 99 record can be removed.",
            subject=domain,
            evidence={"dns": type99.evidence()},
        )
    else:
        texts = _type99_texts(type99)
        out.add(
            "SPF-14",
            Status.FAIL,
            f"{domain} publishes SPF only as the obsolete type 99 record, which receivers ignore"
            + (f" ('{near}'){_near99_words()}" if near else "")
            + (
                (
                    "; publish it as a TXT record, with its version written 'v=spf1 '."
                    if near
                    else "; publish it as a TXT record."
                )
                if vetted is None or vetted[0] or not vetted[1]
                else f".{vetted[1]}"
            ),
            subject=domain,
            evidence={"dns": type99.evidence()},
            fix=vetted[0] if vetted is not None else txt_fix(domain, texts[0]) if texts else "",
        )


_FOLLOWS_RE = re.compile(r"^(?:[+\-~?]?include:|redirect=)", re.I)


# ---------------------------------------------------------------------------------------------
# DNS-querying terms evaluated more than once (SPF-05)


@dataclass
class DuplicateLookup:
    """A DNS-querying term a receiver may evaluate more than once: RFC 7208 §4.6.4 counts
    every evaluation, though a copy of the same term (any qualifier) can never match where the
    first did not, as it asks the same question again."""

    term: str  # the first copy as written, "include:_spf.esp.example"
    times: int
    cost: int  # lookups each further evaluation costs: 1, plus an include's whole record
    # The record listing it `times` times, or None when the same include or redirect target is
    # reached through the records of several others (`via`, their domains).
    holder: SpfNode | None = None
    via: list[str] = field(default_factory=list)
    # The owner's own copies that can go without changing any result, and the owner's term
    # through which another copy is reached when that copy is an include deeper down.
    drop: list[SpfTerm] = field(default_factory=list)
    kept: str = ""


@dataclass
class Dedup:
    """The duplicates of a tree, and the owner's record without the copies it can drop."""

    found: list[DuplicateLookup]
    record: str | None = None
    lookups: int = 0
    fix: str = ""
    note: str = ""
    # `fix` is the one record of every repair (OneRepair): within the limit even when the
    # copies alone are not (its vetting counted it).
    one: bool = False


def _lookup_key(node: SpfNode, term: SpfTerm) -> tuple[str, str, int | None, int | None]:
    """What a term asks DNS: `a` and `a:<this domain>` are one question, `a:x/24` another."""
    if term.has_macro:
        spec = (term.target or "").lower()
    else:
        spec = normalize(term.lookup_name or node.domain)
    return term.name, spec, term.cidr4, term.cidr6


def _term_cost(node: SpfNode, term: SpfTerm) -> int:
    if term.name in ("include", "redirect") and not term.has_macro and term.lookup_name:
        target = normalize(term.lookup_name)
        return 1 + next(
            (c.total_lookups for c in node.children if c.via == term.name and c.domain == target),
            0,
        )
    return 1


def _leading_term(node: SpfNode, child: SpfNode) -> SpfTerm | None:
    """The term of `node`'s record that reaches `child` (its first include or its redirect)."""
    if node.parsed is None:
        return None
    return next(
        (
            t
            for t in node.parsed.lookup_terms
            if t.name == child.via
            and not t.has_macro
            and t.lookup_name
            and normalize(t.lookup_name) == child.domain
        ),
        None,
    )


def _passes_through(node: SpfNode, term: SpfTerm, after: SpfTerm | None = None) -> bool:
    """Whether nothing in `node`'s record between `after` (or its start) and `term` can end
    evaluation with anything but pass, and `term` itself passes what it matches: the
    mechanisms there are all '+' (a match of theirs is the pass the copy would give)."""
    assert node.parsed is not None
    terms = node.parsed.evaluated
    end = _position(terms, term)
    start = 0 if after is None else _position(terms, after) + 1
    return term.qualifier == "+" and all(t.qualifier == "+" for t in terms[start:end])


def _position(terms: list[SpfTerm], term: SpfTerm) -> int:
    """Where `term` itself (not an equal copy) is in `terms`; past the end if it is not there
    (a redirect is evaluated after every mechanism)."""
    return next((i for i, t in enumerate(terms) if t is term), len(terms))


def _reaches_with_pass(tree: SpfNode, copy: SpfNode, parent: dict[int, SpfNode]) -> SpfTerm | None:
    """The term of the owner's record through which `copy`, deeper in the tree, is reached
    such that a sender its record passes is passed by the owner's record (every record on the
    way includes onward with '+' and nothing before that in it is anything but '+'); None if
    it is reached otherwise."""
    node = copy
    while True:
        holder = parent.get(id(node))
        if holder is None or holder.parsed is None:
            return None
        term = _leading_term(holder, node)
        if term is None or term.qualifier != "+":
            return None
        if holder is tree:
            return term
        if not _passes_through(holder, term):
            return None
        node = holder


def duplicate_lookups(tree: SpfNode) -> Dedup:
    """DNS-querying terms the tree evaluates more than once: the same term listed twice in one
    record, and the same include (or redirect) target reached through several records."""
    nodes = tree.walk()
    parent = {id(c): n for n in nodes for c in n.children}
    found: list[DuplicateLookup] = []
    seen: set[str] = set()
    for node in nodes:
        # A record included twice lists its own duplicates twice: named once. A broken record
        # is reported as such, not for its copies.
        if node.parsed is None or node.status != "ok" or node.domain in seen:
            continue
        seen.add(node.domain)
        groups: dict[tuple[str, str, int | None, int | None], list[SpfTerm]] = {}
        for term in node.parsed.lookup_terms:
            groups.setdefault(_lookup_key(node, term), []).append(term)
        for terms in groups.values():
            if len(terms) > 1:
                found.append(
                    DuplicateLookup(
                        terms[0].text,
                        len(terms),
                        _term_cost(node, terms[0]),
                        holder=node,
                        drop=terms[1:] if node is tree else [],
                    )
                )
    reached: dict[str, list[SpfNode]] = {}
    for node in nodes:
        if node is not tree and node.via in ("include", "redirect"):
            reached.setdefault(node.domain, []).append(node)
    for domain, copies in reached.items():
        via = list(dict.fromkeys(parent[id(c)].domain for c in copies))
        if len(via) < 2:
            continue  # listed twice in one record (above), or below such copies
        dup = DuplicateLookup(
            f"{copies[0].via}{'=' if copies[0].via == 'redirect' else ':'}{domain}",
            len(copies),
            1 + copies[0].total_lookups,
            via=via,
        )
        direct = [c for c in copies if parent[id(c)] is tree]
        own = _leading_term(tree, direct[0]) if len(direct) == 1 else None
        if own is not None and own.name == "include" and own.qualifier == "+":
            # The owner's own include can go if another copy is reached through a '+' include
            # of theirs with nothing on the way, nor between the two in their record, that
            # could end evaluation otherwise (the copy deeper down then passes the same).
            for other in copies:
                # By identity: copies of one record compare equal as dataclasses.
                if any(other is d for d in direct):
                    continue
                top = _reaches_with_pass(tree, other, parent)
                if top is None:
                    continue
                order = tree.parsed.evaluated if tree.parsed else []
                if _position(order, own) == len(order) or _position(order, top) == len(order):
                    continue
                if _position(order, top) < _position(order, own) or _passes_through(
                    tree, top, after=own
                ):
                    dup.drop, dup.kept = [own], top.text
                    break
        found.append(dup)
    dedup = Dedup(found)
    drop = [t for d in found for t in d.drop]
    if drop and tree.parsed is not None:
        dedup.record = _record_without(tree.parsed, drop)
        dedup.lookups = tree.total_lookups - sum(_term_cost(tree, t) for t in drop)
    return dedup


def _path_to(tree: SpfNode, node: SpfNode) -> list[SpfNode]:
    """The records from the owner's (`tree`) down to `node`, both included."""
    if tree is node:
        return [tree]
    for child in tree.children:
        if below := _path_to(child, node):
            return [tree, *below]
    return []


def _loop_words(tree: SpfNode, node: SpfNode) -> str:
    """How the chain of records comes back to `node.domain` (by an include or a redirect), the
    loop's records in order, and in whose record the term that closes it stands (s39a: a loop
    between two providers' records named only a term the owner's record also holds)."""
    term = "redirect=" if node.via == "redirect" else "include:"
    path = _path_to(tree, node) or [tree, node]
    start = next(i for i, n in enumerate(path) if n.domain.lower() == node.domain.lower())
    chain = " -> ".join(n.domain for n in path[start:])
    holder = path[-2]
    where = (
        "your own record"
        if holder is tree
        else f"the record of {holder.domain}, reached through {holder.via}"
    )
    kind = "redirect" if node.via == "redirect" else "include"
    return (
        f"'{term}{node.domain}' leads back to {node.domain}, whose record is already being "
        f"read ({chain}; that {kind} is in {where})"
    )


def _loop_todo(tree: SpfNode, node: SpfNode, own_org: str, extra: tuple[str, ...]) -> str:
    """What the owner can change about the loop `node` closes: the term in their own records,
    or, in another's record, ask its owner or stop using the term of their own that leads
    there (as SPF-08 says of a record without SPF)."""
    path = _path_to(tree, node) or [tree, node]
    holder, top = path[-2], path[1]
    kind = "redirect" if node.via == "redirect" else "include"
    if holder is tree:
        return f" Remove that {kind} from your record."
    if organizational_domain(holder.domain, extra) == own_org:
        return f" Remove that {kind} from the record of {holder.domain}."
    return (
        " That record is not yours: have its owner fix it, or replace the "
        f"{top.via} {'of' if top.via == 'include' else 'to'} {top.domain} in your own record."
    )


def _kinds(node: SpfNode) -> list[str]:
    return [node.void_kinds.get(v, "nodata") for v in node.voids]


def _void_details(nodes: list[SpfNode]) -> str:
    """How each void name came back empty (RFC 7208 §4.6.4), NXDOMAIN apart from NODATA:
    'a.example does not exist (NXDOMAIN); b.example exists but has no A record (NODATA; it
    has a TXT record)'. Names alike are named together."""
    groups: dict[tuple[str, tuple[str, ...], str], list[str]] = {}
    single: list[str] = []
    for node in nodes:
        # An MX host is named with the `mx` name whose host it is: that is the record's term.
        mx_of = {h: name for name, hosts in node.mx_hosts.items() for h in hosts}
        for name in node.voids:
            kind = node.void_kinds.get(name, "nodata")
            host = name.removesuffix(" MX") if kind in ("mx", "nxdomain") else name
            of = mx_of.get(name, "")
            chain = node.void_cnames.get(name)
            if chain:
                single.append(
                    f"{host} is an alias (CNAME) of {chain[-1]}, which "
                    + (
                        "does not exist (NXDOMAIN)"
                        if kind == "nxdomain"
                        else f"has no {_ASKED[kind]} record (NODATA)"
                    )
                )
                continue
            groups.setdefault((kind, tuple(node.exists_holds.get(name, ())), of), []).append(host)
    parts: list[str] = []
    for (kind, holds, of), names in groups.items():
        one = len(names) == 1
        listed = series(names) + (
            f" ({'an MX host' if one else 'MX hosts'} of {of}, looked up for its mx)" if of else ""
        )
        if kind == "nxdomain":
            parts.append(f"{listed} {'does' if one else 'do'} not exist (NXDOMAIN)")
            continue
        asked = _ASKED[kind]
        what = (
            f"{'has' if one else 'have'} no {asked} records (NODATA)"
            if kind == "mx"
            else f"{'exists' if one else 'exist'} but {'has' if one else 'have'} no {asked} "
            "record (NODATA"
            + (
                (
                    f"; it has {'an' if holds[0] == 'AAAA' else 'a'} {holds[0]} record)"
                    if one and len(holds) == 1
                    else f"; {'it has' if one else 'they have'} {' and '.join(holds)} records)"
                )
                if holds
                else ")"
            )
        )
        parts.append(f"{listed} {what}")
    return "; ".join(parts + single)


# The record each kind of void lookup asked for (SpfNode.void_kinds).
_ASKED = {"nodata": "A or AAAA", "exists": "A", "mx": "MX"}


def _exists_advice(nodes: list[SpfNode], own_org: str, extra: tuple[str, ...]) -> str:
    """For exists: names that are there without an A record: exists: asks for A only
    (RFC 7208 §5.7), so a flag published as TXT (or AAAA) never matches; in the owner's own
    records the fix is usually an A record there, unless the flag is stale."""
    # In record order (node.voids), not in the order the lookups finished (void_kinds).
    names = [v for node in nodes for v in node.voids if node.void_kinds.get(v) == "exists"]
    if not names:
        return ""
    mine = [
        v
        for node in nodes
        if organizational_domain(node.domain, extra) == own_org
        for v in node.voids
        if node.void_kinds.get(v) == "exists"
    ]
    one = len(mine) == 1
    return (
        " An exists: mechanism matches only when its name has an A record, whatever the "
        "sender's address family (RFC 7208 §5.7); other records there do not count."
        + (
            f" Publish an A record at {series(mine)} (any address will do, such as 127.0.0.2) if "
            f"{'it is' if one else 'they are'} meant to match, or remove the exists: "
            f"{'mechanism' if one else 'mechanisms'} if stale."
            if mine
            else ""
        )
    )


def _dup_evidence(dedup: Dedup | None) -> dict[str, Any]:
    if not dedup:
        return {}
    data: dict[str, Any] = {
        "duplicates": [
            {
                "term": d.term,
                "times": d.times,
                "lookups_each": d.cost,
                **({"in": d.holder.domain} if d.holder is not None else {"through": d.via}),
            }
            for d in dedup.found
        ]
    }
    if dedup.record is not None:
        data["without_copies"] = {"record": dedup.record, "lookups": dedup.lookups}
    return data


def _times(n: int) -> str:
    return "twice" if n == 2 else f"{n} times"


def _duplicates_text(dedup: Dedup, tree: SpfNode, own_org: str, extra: tuple[str, ...]) -> str:
    """Sentences naming each duplicate lookup (SPF-05), whose record it is in and what removing
    the owner's copies saves."""
    text = ""
    for dup in dedup.found:
        each = f"{dup.cost} lookup{'' if dup.cost == 1 else 's'} each"
        if dup.holder is not None:
            holder = dup.holder
            where = (
                "the SPF record"
                if holder.via == "record"
                else f"the SPF record of {holder.domain} (reached through {holder.via})"
            )
            text += (
                f" {dup.term} is listed {_times(dup.times)} in {where}, and receivers count "
                f"every copy ({each}, RFC 7208 §4.6.4), though a copy can never match where "
                "the first did not."
            )
            if holder.via != "record":
                text += (
                    " Remove the copy there."
                    if organizational_domain(holder.domain, extra) == own_org
                    else " Only that record's owner can remove the copy."
                )
            continue
        others = [d for d in dup.via if d != tree.domain]
        where = ["your record"] * (len(others) < len(dup.via)) + [
            f"the record{'s' if len(others) > 1 else ''} of {series(others)}"
        ]
        text += (
            f" {dup.term.split(':', 1)[-1].split('=', 1)[-1]} is reached {_times(dup.times)}, "
            f"through {' and '.join(where)}, and receivers count it every time ({each}, "
            "RFC 7208 §4.6.4)."
        )
        if dup.drop:
            text += (
                f" Your record's own {dup.drop[0].text} can go: your {dup.kept} already reaches it."
            )
        elif any(organizational_domain(d, extra) == own_org for d in dup.via):
            text += " Removing one of the includes that reach it saves those lookups."
        else:
            text += " Those records are not yours: only their owners can change them."
    if dedup.record is not None:
        copies = "copy" if sum(len(d.drop) for d in dedup.found) == 1 else "copies"
        within = dedup.lookups <= LOOKUP_LIMIT
        text += (
            f" Without the {copies} your record needs {dedup.lookups} DNS lookups, "
            + (f"within the limit of {LOOKUP_LIMIT}" if within else f"still over {LOOKUP_LIMIT}")
            + (
                f": the suggestion is your record without {'it' if copies == 'copy' else 'them'}."
                if within and dedup.fix
                else "."
            )
            + dedup.note
        )
    return text


def _costliest_text(tree: SpfNode, reached: list[SpfNode], total: int) -> str:
    """SPF-05 over the limit: the include (or redirect) of the owner's record that spends the
    most lookups, itself and everything it reaches (per_branch), so the owner knows what to
    flatten or drop first; ties are all named. '' when none spends more than its own lookup
    (each is as good a choice as the next)."""
    costs = [(c, c.total_lookups + 1) for c in tree.children if any(c is r for r in reached)]
    top = max((cost for _, cost in costs), default=0)
    costliest = [c for c, cost in costs if cost == top]
    if top < 2 or len(costliest) > 3:
        return ""
    what = "include" if all(c.via == "include" for c in costliest) else "term"
    terms = series([c.term or f"{c.via}:{c.domain}" for c in costliest])
    if len(costliest) == 1:
        return f" The costliest {what} is {terms}, with {top} of the {total} lookups."
    return f" The costliest {what}s are {terms}, with {top} of the {total} lookups each."


async def _failure_loops(ctx: CheckContext, tree: SpfNode) -> dict[tuple[str, str], list[str]]:
    """The CNAME loop each failed lookup of the tree met, by (name, type): dns.cname_loop asks
    nothing unless the failure is a SERVFAIL (or a loop passed on with NOERROR), and at most
    CHAIN_REQUERIES CNAME questions then; DNSSEC failures (_mark_bogus) are worded apart."""
    failed = [
        f
        for node in tree.walk()
        for f in node.failures
        if (f.name, f.rdtype) not in node.bogus and f.rcode in ("SERVFAIL", "CNAMELOOP")
    ]
    found = await asyncio.gather(*(cname_loop(ctx.dns, f) for f in failed))
    return {(f.name, f.rdtype): loop for f, loop in zip(failed, found, strict=True) if loop}


def _tree_findings(
    out: Collector,
    ctx: CheckContext,
    tree: SpfNode,
    fused: set[str] | None = None,
    dedup: Dedup | None = None,
    dead: dict[str, tuple[str, str]] | None = None,
    fanout: dict[str, tuple[str, str, int]] | None = None,
    loops: dict[tuple[str, str], list[str]] | None = None,
    void_fix: tuple[str, str] = ("", ""),
    type99: dict[str, str] | None = None,
    one: OneRepair | None = None,
) -> None:
    """SPF-05..08, 10, 11, 19, 20 from the tree. `one`: the one corrected record (OneRepair),
    which SPF-05 offers when its copies do not bring the record within the limit and it does. `fused` names the root's include/redirect
    targets that are terms fused across strings (SPF-03 reports them); `dedup` the lookups it
    evaluates more than once, with the owner's record without its copies (SPF-05); `dead` the
    (fix, note) for each name the owner's record includes or redirects to without SPF (SPF-08,
    _dead_end_fixes); `fanout` the (fix, note, hosts) for each name an 'mx' term of the
    owner's record gives more than ten MX hosts (SPF-07, _mx_fanout_fixes); `loops` the CNAME
    loop each failed lookup met, by (name, type) (SPF-20, _failure_loops); `void_fix` the
    (fix, note) of the owner's record without its void names (SPF-06, _void_fix); `type99` the
    policy of each included or redirected name without SPF that has it as type 99 only
    (SPF-08, _type99_targets)."""
    domain = ctx.domain
    nodes = tree.walk()
    type99 = type99 or {}
    loops = loops or {}
    evidence = {"tree": tree.to_evidence()}
    # Past a term every server matches (an include of a '+all' record) no receiver looks
    # anything up (_lookups_until_decided): those lookups are not counted against the limit,
    # only told, since removing that term (SPF-09's advice) makes them count.
    worst = tree.total_lookups
    # Records that could not be fetched on the way to that term: how many lookups a receiver
    # makes there is unknown, so no "at most" is claimed (the `unknown` branch says so).
    unfetched: list[str] = []
    # The records a receiver can reach: a loop or a too-deep chain past that term is never
    # followed either, so it too fails only once that term is removed.
    reached: list[SpfNode] = []
    total, decided, decider = _lookups_until_decided(tree, unfetched, reached)
    unreached = worst - total
    if unreached:
        dedup = None  # its counts are of every term
        chain = open_include(tree) if decided == "pass" else None
        at = (
            f"every server passes at the include of {' → '.join(chain)} (SPF-09)"
            if chain
            else f"every server gets its result at '{decider.text if decider else 'all'}'"
        )
        beyond = (
            f" {at[0].upper()}{at[1:]}, so receivers look up nothing after it; the terms after "
            f"it would take {unreached} more."
        )
    else:
        at = beyond = ""
    extra = ctx.config.extra_public_suffixes
    # SPF-11/19 are advice about how a record is written; only the owner's own records (their
    # organisational domain) are theirs to rewrite, a provider's include is not.
    own_org = organizational_domain(domain, extra)
    loop = [n for n in reached if n.status == "loop"]
    truncated = [n for n in reached if n.status == "truncated"]
    loop_after = [n for n in nodes if n.status == "loop" and n not in loop]
    truncated_after = [n for n in nodes if n.status == "truncated" and n not in truncated]
    branches = {child.domain: child.total_lookups + 1 for child in tree.children}
    # A node in temperror hides its whole subtree: its lookups, void names and whether it
    # publishes SPF are unknown, so "at most N lookups" or "every include publishes SPF" would
    # be claims we could not check (checklist §0: could not check is error, never pass).
    unknown = [n.domain for n in nodes if n.status == "temperror"]
    # Includes and redirects written with macros: their records, and lookups, are not known.
    hidden = [t for n in nodes for t in n.unresolvable if _FOLLOWS_RE.match(t)]
    unknown_note = (
        f"could not be checked: the SPF record of {', '.join(unknown)} could not be fetched"
    )
    if loop:
        out.add(
            "SPF-05",
            Status.FAIL,
            f"The SPF record loops: {_loop_words(tree, loop[0])}, so evaluation exceeds the "
            f"limit of {LOOKUP_LIMIT} DNS lookups and SPF fails with a permanent error."
            + _loop_todo(tree, loop[0], own_org, extra),
            subject=domain,
            evidence=evidence,
        )
    elif truncated or total > LOOKUP_LIMIT:
        # A copy whose removal brings the record within the limit is the one-line fix; the
        # general advice stays for what the copies alone do not cure.
        cured = bool(
            dedup
            and dedup.record is not None
            and (dedup.lookups <= LOOKUP_LIMIT or (dedup.one and dedup.fix))
        )
        # Not cured by copies, but by the other repairs of the one corrected record (an
        # include of a name without SPF dropped, an 'mx' replaced...): its vetting counted
        # its lookups within the limit, so SPF-05 offers it too (s45f).
        mended = one if not cured and one is not None and "SPF-05" not in one.parts else None
        within = (
            " The record suggested repairs "
            + series([f"{cid} ({', '.join(one.parts[cid])})" for cid in one.ids])
            + f" and is within the limit of {LOOKUP_LIMIT} DNS lookups: it is the one record "
            "every SPF finding here suggests."
            if mended is not None and one is not None
            else ""
        )
        out.add(
            "SPF-05",
            Status.FAIL,
            f"Checking the SPF record can take {'more than ' if truncated else ''}{total} DNS "
            f"lookups (includes, a, mx, ptr, exists, redirect) in the worst case; above "
            f"{LOOKUP_LIMIT} receivers return a permanent error and SPF fails."
            + (_duplicates_text(dedup, tree, own_org, extra) if dedup else "")
            + (
                ""
                if cured or mended
                else _costliest_text(tree, reached, total)
                + " Replace includes with ip4/ip6 ranges or drop senders you no longer use."
            )
            + within,
            subject=domain,
            evidence={**evidence, "lookups": total, "per_branch": branches, **_dup_evidence(dedup)},
            fix=dedup.fix if dedup and cured else mended.fix if mended else "",
        )
    elif (loop_after or truncated_after) and not unfetched:
        # As below: no receiver follows the loop or the deep chain for now, every one will once
        # that term is removed.
        after = (
            f"The terms after it loop: {_loop_words(tree, loop_after[0])}, so once that term is "
            f"removed, evaluation exceeds the limit of {LOOKUP_LIMIT} DNS lookups and SPF fails "
            "with a permanent error. When you remove it, remove the include that leads back too."
            if loop_after
            else f"The terms after it nest includes too deep to follow: once that term is "
            f"removed, checking can take more than {worst} DNS lookups, and above "
            f"{LOOKUP_LIMIT} receivers return a permanent error and SPF fails. When you remove "
            "it, replace includes with ip4/ip6 ranges or drop senders you no longer use."
        )
        out.add(
            "SPF-05",
            Status.WARN,
            f"Checking the SPF record takes at most {total} of the allowed {LOOKUP_LIMIT} DNS "
            f"lookups for now: {at}, so receivers look up nothing after it. {after}",
            subject=domain,
            evidence={
                **evidence,
                "lookups": total,
                "if_removed": "loop" if loop_after else "truncated",
            },
        )
    elif worst > LOOKUP_LIMIT and not unfetched:
        # Within the limit only because every server is decided first: removing that term
        # (the include SPF-09 asks to remove) brings the rest in, over the limit.
        out.add(
            "SPF-05",
            Status.WARN,
            f"Checking the SPF record takes at most {total} of the allowed {LOOKUP_LIMIT} DNS "
            f"lookups for now: {at}, so receivers look up nothing after it. The terms after it "
            f"take {unreached} more: once that term is removed, checking can take {worst}, and "
            f"above {LOOKUP_LIMIT} receivers return a permanent error and SPF fails. When you "
            "remove it, replace includes with ip4/ip6 ranges or drop senders you no longer use.",
            subject=domain,
            evidence={**evidence, "lookups": total, "lookups_if_removed": worst},
        )
    elif total >= LOOKUP_LIMIT - 1:
        out.add(
            "SPF-05",
            Status.WARN,
            f"Checking the SPF record takes {total} of the allowed {LOOKUP_LIMIT} DNS lookups in "
            "the worst case; one more include by a provider will break SPF."
            + beyond
            + (_duplicates_text(dedup, tree, own_org, extra) if dedup else ""),
            subject=domain,
            evidence={**evidence, "lookups": total, "per_branch": branches, **_dup_evidence(dedup)},
            fix=dedup.fix if dedup else "",
        )
    elif unknown:
        out.add(
            "SPF-05",
            Status.ERROR,
            f"The number of DNS lookups {unknown_note} (SPF-20); {total} of the allowed "
            f"{LOOKUP_LIMIT} are counted so far.",
            subject=domain,
            evidence={**evidence, "lookups_at_least": total, "per_branch": branches},
        )
    elif hidden:
        # "At most N" would be a claim about records we did not fetch: the name an include or
        # redirect written with macros (%{i}, %{s}...) reaches depends on the message.
        out.add(
            "SPF-05",
            Status.PASS,
            f"Checking the SPF record takes {total} of the allowed {LOOKUP_LIMIT} DNS lookups, "
            f"plus whatever the records reached through {', '.join(hidden)} need: their names "
            "are built with SPF macros that receivers expand for each message, so they could "
            "not be followed.",
            subject=domain,
            evidence={**evidence, "lookups_at_least": total, "per_branch": branches},
        )
    else:
        out.add(
            "SPF-05",
            Status.PASS,
            (
                f"Checking the SPF record takes at most {total} of the allowed {LOOKUP_LIMIT} "
                "DNS lookups."
                if total
                else "Checking the SPF record needs no further DNS lookups."
            )
            + beyond,
            subject=domain,
            evidence={**evidence, "lookups": total, "per_branch": branches},
        )

    voids = [v for n in nodes for v in n.voids]
    # A void name in a record reached through an include or redirect of someone else's (a
    # provider's) is not the owner's to remove: the text says whose record names it.
    foreign = [n for n in nodes if n.voids and organizational_domain(n.domain, extra) != own_org]
    # An exists: name without an A record is there, only not as exists: asks: its advice is
    # _exists_advice's, not "remove the stale entries".
    stale = [
        v
        for n in nodes
        if n not in foreign
        for v, k in zip(n.voids, _kinds(n), strict=True)
        if k != "exists"
    ]
    mine = bool(stale)
    exists_advice = _exists_advice([n for n in nodes if n.voids], own_org, extra)
    # Beside the exists: advice, "the stale entries" would read as covering those names too.
    remove = (
        f" Remove the stale {'entry' if len(stale) == 1 else 'entries'} for {series(stale)}"
        if exists_advice and stale
        else " Remove the stale entries"
    ) + (
        " (the record suggested)." + void_fix[1]
        if void_fix[0]
        else " from your own records."
        if foreign
        else "." + void_fix[1]
    )
    details = _void_details(nodes)
    elsewhere = "".join(
        f" {', '.join(n.voids)} {'is' if len(n.voids) == 1 else 'are'} named in the SPF record "
        f"of {n.domain} (reached through {n.via}), which only its owner can change."
        for n in foreign
    )
    if len(voids) > VOID_LIMIT:
        out.add(
            "SPF-06",
            Status.FAIL,
            f"{len(voids)} names used by the SPF record come back empty (void lookups): "
            f"{details}. After {VOID_LIMIT} such empty lookups receivers return a "
            "permanent error." + exists_advice + (remove if mine else "") + elsewhere,
            subject=domain,
            evidence={**evidence, "void_lookups": voids},
            fix=void_fix[0],
        )
    elif over_void_limit(tree):
        _family_voids_finding(out, domain, tree, "IPv4", own_org, extra, evidence)
    elif voids:
        out.add(
            "SPF-06",
            Status.WARN,
            f"The SPF record refers to names that come back empty (void lookups): {details}. "
            "These are wasted lookups, and a third would break SPF."
            + exists_advice
            + (remove if mine else "")
            + elsewhere,
            subject=domain,
            evidence={**evidence, "void_lookups": voids},
            fix=void_fix[0],
        )
    elif unknown or any(n.failures for n in nodes):
        # A failed a/mx/exists lookup is not void, but not known to exist either.
        out.add(
            "SPF-06",
            Status.ERROR,
            "Whether every name the SPF record refers to exists could not be checked: some DNS "
            "lookups failed (SPF-20).",
            subject=domain,
            evidence=evidence,
        )
    elif not any(n.via != "record" and n.answer is not None and n.answer.empty for n in nodes):
        # An include/redirect target without TXT (NXDOMAIN or NODATA) is a void lookup too
        # (RFC 7208 §4.6.4); SPF-08 reports it, as the permerror it already is, so it is not
        # counted above, but "every name exists" would then be false.
        # Names built with macros depend on each message and were not looked up (s39a): the
        # pass says so rather than claim them too.
        unlooked = list(dict.fromkeys(f"'{t}'" for n in nodes for t in n.unresolvable))
        one = len(unlooked) == 1
        out.add(
            "SPF-06",
            Status.PASS,
            "Every name the SPF record refers to exists."
            if not unlooked
            else "Every name the SPF record refers to that could be looked up exists; "
            f"{series(unlooked)} {'is' if one else 'are'} built with SPF "
            "macros, which receivers expand for each message, so "
            f"{'its name' if one else 'their names'} could not be looked up.",
            subject=domain,
        )
    if (
        len(voids) <= VOID_LIMIT
        and not over_void_limit(tree)
        and len(family_void_lookups(tree)["IPv6"]) > VOID_LIMIT
    ):
        _family_voids_finding(out, domain, tree, "IPv6", own_org, extra, evidence)

    for node in nodes:
        theirs = organizational_domain(node.domain, extra) != own_org
        for target, count in node.mx_fanout.items():
            if count > MX_FANOUT_LIMIT:
                fix, note, _ = (
                    (fanout or {}).get(target, ("", "", 0)) if node is tree else ("", "", 0)
                )
                listed = (
                    f" The record suggested lists the addresses its {count} hosts have today; "
                    "it must be kept up to date when they change."
                    if fix
                    else ""
                ) + note
                out.add(
                    "SPF-07",
                    Status.FAIL,
                    f"The 'mx' mechanism for {target}"
                    + (
                        ""
                        if node is tree
                        else f" in the SPF record of {node.domain} (reached through {node.via})"
                    )
                    + f" needs {count} MX host lookups; more than {MX_FANOUT_LIMIT} is a "
                    "permanent error. "
                    + (
                        "Only the owner of that record can list the servers with ip4/ip6 instead."
                        if theirs
                        else "List the servers with ip4/ip6 instead."
                    )
                    + listed,
                    subject=node.domain,
                    evidence={"mx_hosts": count},
                    fix=fix,
                )

    missing = False
    # Who names each node: an include or redirect deeper than the owner's record is in another
    # record, perhaps a provider's, which the owner can only stop using (`top`, the term of
    # their own record it hangs from), not edit.
    parent = {id(c): n for n in nodes for c in n.children}
    for node in nodes:
        if node is tree:
            continue
        if node.status in ("none", "multiple"):
            missing = True
            if node.domain in (fused or set()) and any(node is c for c in tree.children):
                continue
            term = "include" if node.via == "include" else "redirect"
            names = "includes" if term == "include" else "redirects to"
            problem = (
                "does not publish an SPF record"
                if node.status == "none"
                else "publishes more than one SPF record"
            )
            policy99 = type99.get(node.domain) if node.status == "none" else None
            if policy99:
                problem = (
                    f"publishes its SPF record '{policy99}' only as the obsolete type 99 "
                    "record, which receivers do not read: they ask for TXT only (RFC 7208 "
                    "§3.1), so for them it publishes none"
                )
            own_name = organizational_domain(node.domain, extra) == own_org
            holder = parent.get(id(node), tree)
            top = node
            while parent.get(id(top), tree) is not tree:
                top = parent[id(top)]
            dead_fix = ""
            if holder is tree:
                where = f"The SPF record {names} {node.domain}"
                todo = f"Remove or replace that {term}."
                dead_fix, note = (dead or {}).get(f"{term}:{node.domain}", ("", ""))
                if term == "redirect":
                    todo = (
                        f"Publish an SPF record at {node.domain} listing the servers that send "
                        "your mail, or "
                        + (
                            "publish the record suggested, which lists only the senders your "
                            "own record names and ends in '-all'."
                            if dead_fix
                            else "replace the redirect in your own record with those servers "
                            "and end it with '-all' ('v=spf1 -all' alone if the domain sends "
                            "no mail)."
                        )
                    )
                elif swap := (dead or {}).get(f"provider:{node.domain.lower().rstrip('.')}"):
                    provider, include = swap
                    # The one record suggested also drops the other dead includes: said here,
                    # so this text and theirs describe the same record (task s44m).
                    dropped = _dropped_includes(dead or {})
                    todo = (
                        f"{node.domain} is one of {ctx.domain}'s MX hosts, where {provider} "
                        "receives your mail, not a name with an SPF record; the servers "
                        f"{provider} sends your mail from are in '{include}', the include its "
                        "setup guide gives: the record suggested has it in its place"
                        + (
                            " and leaves out " + series([f"'{d}'" for d in dropped]) + "."
                            if dropped
                            else "."
                        )
                    )
                elif dead_fix:
                    both = len(_dropped_includes(dead or {})) > 1
                    swapped = [
                        f"puts '{include}' in place of 'include:{key.removeprefix('provider:')}'"
                        for key, (_, include) in (dead or {}).items()
                        if key.startswith("provider:")
                    ]
                    # What the one record suggested does: it leaves this include out and
                    # swaps a provider's MX host include, if any, for the provider's.
                    does = (
                        f"(the record suggested leaves {'them' if both else 'it'} out and "
                        f"{series(swapped)})"
                        if swapped
                        else "(the record suggested)"
                    )
                    todo = "Remove " + (
                        f"the includes of names without SPF {does}, or "
                        "replace each with the include its service now documents."
                        if both
                        else f"that include {does}, or replace it with the "
                        "include the service now documents."
                    )
                todo += note
                if policy99 and own_name:
                    todo = f"Publish that record as TXT at {node.domain} (the record suggested)."
                    dead_fix = txt_fix(node.domain, policy99)
                elif policy99:
                    todo = (
                        "That record is not yours: have its owner publish it as TXT, or "
                        + todo[0].lower()
                        + todo[1:]
                    )
            else:
                where = (
                    f"The SPF record of {holder.domain} (reached through {holder.via}) "
                    f"{names} {node.domain}"
                )
                todo = (
                    f"Remove or replace that {term} in the record of {holder.domain}."
                    if organizational_domain(holder.domain, extra) == own_org
                    else "That record is not yours: have its owner fix it, or replace the "
                    f"{top.via} {'of' if top.via == 'include' else 'to'} {top.domain} in your "
                    "own record."
                )
                if policy99 and own_name:
                    # A name of the domain's own reached through another (_spf includes
                    # _spf2): its type 99 record is the one meant, published as TXT where it
                    # is, as for a name the domain's record names itself (review s43z).
                    todo = f"Publish that record as TXT at {node.domain} (the record suggested)."
                    dead_fix = txt_fix(node.domain, policy99)
            # Behind an include passing every server, reached first, no server meets the
            # error (RFC 7208 §4.6.2): "SPF fails" would be untrue until that include goes.
            stops = _family_stops(tree)
            chain = open_include(tree) if "open" in stops.values() else None
            split = _split_stop(stops)
            outcome = (
                "a server that reaches it gets a permanent error, but none does for now: every "
                f"{split[0]} server passes first at the include of {chain[0]} (SPF-09), and "
                f"every {split[1]} server not listed stops before it at a permanent error "
                f"({split[2]})"
                if chain and split
                else "a server that reaches it gets a permanent error, but none does for now: "
                f"every server passes first at the include of {chain[0]} (SPF-09)"
                if chain
                else "receivers treat this as a permanent error and SPF fails"
            )
            out.add(
                "SPF-08",
                Status.FAIL,
                f"{where}, which {problem}; {outcome}. {todo}",
                subject=node.domain,
                evidence={**evidence, **({"dns": node.answer.evidence()} if node.answer else {})},
                fix=dead_fix,
            )
        elif node.status == "permerror" and node.parsed is not None:
            fused_here = broken_fusions(node)
            if fused_here:
                _included_fusion(out, node, fused_here, own_org, extra)
            for problem in node.parsed.problems:
                if problem.check_id in PERMERROR_IDS and not problem.meant:
                    if _fused(problem, fused_here):
                        continue  # SPF-03 above names the cause
                    detail = problem.message.rstrip(". ")
                    if detail[:1].isupper() and detail[1:2].islower():
                        detail = detail[0].lower() + detail[1:]  # as _problem writes it
                    out.add(
                        problem.check_id,
                        Status.FAIL,
                        f"The SPF record of {node.domain} (reached through {node.via}) is "
                        f"invalid, so SPF fails with a permanent error: {detail}.",
                        subject=node.domain,
                        evidence={"record": node.record, "term": problem.term},
                    )
        if node.parsed is not None:
            for problem in node.parsed.misspelt:
                # Skipped by receivers (RFC 7208 §6), not a permanent error: the record reached
                # through the include is evaluated without the senders that term names.
                owner = (
                    ""
                    if organizational_domain(node.domain, extra) == own_org
                    else " Only the owner of that record can fix it."
                )
                out.add(
                    problem.check_id,
                    Status.FAIL,
                    f"The SPF record of {node.domain} (reached through {node.via}) authorises "
                    f"less than it says: {problem.message}; the senders it names are not "
                    f"authorised.{owner}",
                    subject=node.domain,
                    evidence={"record": node.record, "term": problem.term},
                )
            if node.parsed.ignored and not node.parsed.permerror:
                _included_ignored(out, node, organizational_domain(node.domain, extra) == own_org)
            advisory = [p for p in node.parsed.problems if p.check_id in ("SPF-11", "SPF-19")]
            if organizational_domain(node.domain, extra) == own_org:
                for problem in advisory:
                    _problem(out, node.domain, problem, node.parsed)
            else:
                _provider_advisories(out, node, advisory)
    if not missing and unknown:
        out.add(
            "SPF-08",
            Status.ERROR,
            f"Whether every included or redirected domain publishes SPF {unknown_note} (SPF-20).",
            subject=domain,
            evidence=evidence,
        )
    elif not missing and any(n.via in ("include", "redirect") for n in nodes):
        out.add(
            "SPF-08",
            Status.PASS,
            "Every included or redirected domain publishes SPF.",
            subject=domain,
        )

    for node in nodes:
        # One finding per name and failure: an a/mx name whose A and AAAA lookups fail alike
        # is one failure to the owner ("SERVFAIL for relay.example.com A and AAAA").
        alike: dict[tuple[str, str, str], list[DnsAnswer]] = {}
        for failed in node.failures:
            if (failed.name, failed.rdtype) in node.bogus:
                summary, fix = _bogus_words(failed, "This part of SPF could not be checked.")
                out.add(
                    "SPF-20",
                    Status.ERROR,
                    summary,
                    subject=failed.name,
                    evidence={"dns": failed.evidence(), "bogus": True},
                    fix=fix,
                )
                continue
            why = failed.describe_failure().removeprefix(
                f"{failed.rcode} for {failed.name} {failed.rdtype}"
            )
            alike.setdefault((failed.name, failed.rcode, why), []).append(failed)
        for (name, rcode, why), answers in alike.items():
            types = " and ".join(a.rdtype for a in answers)
            evidence: dict[str, Any] = {"dns": answers[0].evidence()}
            if len(answers) > 1:
                evidence["also"] = [a.evidence() for a in answers[1:]]
            loop = next(
                (loops[(a.name, a.rdtype)] for a in answers if (a.name, a.rdtype) in loops), []
            )
            if loop:
                # Still "could not check" (a SERVFAIL is never a fail), but the owner is told
                # what every receiver meets and what to change (RFC 1034 §3.6.2), as DMARC-01
                # and DKIM-01 say it.
                evidence["cname_loop"] = loop
                out.add(
                    "SPF-20",
                    Status.ERROR,
                    f"A DNS lookup needed by SPF failed ({rcode} for {name} {types}{why}): "
                    f"{name} is a CNAME loop ({' -> '.join(loop)}). Resolvers answer such a "
                    "loop with an error, so receivers would return a temporary error, and this "
                    "part of SPF could not be checked.",
                    subject=name,
                    evidence=evidence,
                    fix=f"Delete the CNAME record at {name}{loop_also(loop)}, then publish "
                    "there what the name is to hold; if "
                    f"{name} is not yours, tell whoever runs it, or stop naming it in the SPF "
                    "record.",
                )
                continue
            out.add(
                "SPF-20",
                Status.ERROR,
                f"A DNS lookup needed by SPF failed ({rcode} for {name} {types}{why}); "
                "receivers would return a temporary error, and this part of SPF could not be "
                "checked.",
                subject=name,
                evidence=evidence,
            )
        if node.status == "temperror" and not node.failures and node.answer is not None:
            out.add(
                "SPF-20",
                Status.ERROR,
                "A DNS lookup needed by SPF failed.",
                subject=node.domain,
                evidence={"dns": node.answer.evidence()},
            )
    # Root problems other than SPF-11/19 are reported by evaluate(); the root's SPF-11/19 too.


def _family_voids_finding(
    out: Collector,
    domain: str,
    tree: SpfNode,
    family: str,
    own_org: str,
    extra: tuple[str, ...],
    evidence: dict[str, Any],
) -> None:
    """SPF-06 for void lookups that only senders of `family` meet: `a` names with addresses
    of the other family only (RFC 7208 §5.3 looks up the sender's family), beside any names
    without addresses at all. Past the limit of two, receivers return permerror for mail from
    servers of that family that the record has not matched by then (§4.6.4).

    For IPv4 senders that is a fail: every sending server has IPv4 and most mail arrives over
    it. For IPv6 senders it is a note (info, not scored): names with IPv4 addresses only are
    what most records list (an `a` for an IPv4-only web host, `a:` for IPv4-only relays), and
    failing them would call ordinary records broken; a domain whose mail leaves over IPv6 is
    told what receivers that count per family do with it.
    """
    other = FAMILIES[1 - FAMILIES.index(family)]
    names = family_void_lookups(tree)[family]
    one_family = [v for n in tree.walk() for v in n.family_voids.get(family, [])]
    nodes = [n for n in tree.walk() if n.voids or n.family_voids.get(family)]
    foreign = [n for n in nodes if organizational_domain(n.domain, extra) != own_org]
    mine = any(n not in foreign for n in nodes)
    one = len(one_family) == 1
    # A bare `a` looks up the record's own domain (RFC 7208 §5.3): it is written 'a', not 'a:'.
    bare = {
        v
        for n in nodes
        if n not in foreign
        and n.parsed is not None
        and any(t.name == "a" and t.target is None for t in n.parsed.terms)
        for v in n.family_voids.get(family, [])
        if v == n.domain
    }
    terms = "a:" if not bare else "'a'" if set(one_family) <= bare else "a: and 'a'"
    todo = (
        f" In your own records, list the {other} addresses of "
        f"{'that name' if one else 'those names'} with {'ip6' if other == 'IPv6' else 'ip4'}: "
        f"instead of {terms}, or give {'it' if one else 'them'} {family} addresses "
        f"({'A' if family == 'IPv4' else 'AAAA'} records), and remove names that no longer send."
        if mine
        else ""
    )
    elsewhere = "".join(
        f" {', '.join([*n.voids, *n.family_voids.get(family, [])])} "
        f"{'is' if len(n.voids) + len(n.family_voids.get(family, [])) == 1 else 'are'} named in "
        f"the SPF record of {n.domain} (reached through {n.via}), which only its owner can change."
        for n in foreign
    )
    gone = [v for v in names if v not in one_family]
    which = f"{', '.join(one_family)} {'has' if one else 'have'} {other} addresses only" + (
        f", and {', '.join(gone)} {'has' if len(gone) == 1 else 'have'} no address at all"
        if gone
        else ""
    )
    note = (
        " Names with IPv4 addresses only are common and most mail arrives over IPv4, so this "
        "is a note: it matters if mail as your domain leaves over IPv6."
        if family == "IPv6"
        else ""
    )
    out.add(
        "SPF-06",
        Status.FAIL if family == "IPv4" else Status.INFO,
        f"For mail from {family} servers, {len(names)} names used by the SPF record have no "
        f"{family} address: {which}. An 'a' mechanism looks up only the address family the "
        "sending server connects over, so each is an empty (void) lookup for these senders, "
        f"and after {VOID_LIMIT} receivers return a permanent error for every {family} sender "
        "the record has not matched by then." + note + todo + elsewhere,
        subject=domain,
        evidence={**evidence, "void_lookups": names, "family": family},
    )


def _included_fusion(
    out: Collector, node: SpfNode, found: list[Fusion], own_org: str, extra: tuple[str, ...]
) -> None:
    """SPF-03 for a record reached through include or redirect whose strings join into an
    invalid term (RFC 7208 §3.3: no space is added between them): the include or redirect
    is a permerror (§5.2, §6.1), and so is the check of the owner's domain. The finding
    points at the string boundary as SPF-03 does for the domain's own record; the owner's
    own record gets the record with the space restored, a provider's is its owner's to fix."""
    strings = [s.decode("utf-8", errors="replace") for s in node.strings]
    first = found[0]
    # The string that ends where the fused term's first cut is: the space goes after it.
    ends: list[str] = []
    offset = 0
    for text in strings[:-1]:
        offset += len(text)
        if offset in first.cuts:
            ends.append(text)
    where = (
        f'no space separates the string "{ends[0]}" from the next one'
        if ends
        else "no space separates two of its strings"
    )
    mine = organizational_domain(node.domain, extra) == own_org
    fixed = unfused(node.strings, found)
    todo = (
        "Add a space at the end of that string (or at the start of the next)."
        if mine
        else "Only the owner of that record can add the missing space: ask them to, or "
        f"replace the {node.via} {'of' if node.via == 'include' else 'to'} {node.domain} "
        "in your own record until they do."
    )
    out.add(
        "SPF-03",
        Status.FAIL,
        f"The SPF record of {node.domain} (reached through {node.via}) is split into several "
        f"strings and {where}, so receivers read the broken term '{first.term}' and SPF fails "
        f"with a permanent error. {todo}",
        subject=node.domain,
        evidence={
            "strings": strings,
            "joined": node.record,
            "fused": [f.term for f in found],
        },
        fix=txt_fix(node.domain, fixed) if mine and not parse_spf(fixed).permerror else "",
    )


def _included_ignored(out: Collector, node: SpfNode, ours: bool) -> None:
    """SPF-10 in a record reached through include or redirect: the terms after its `all`, or
    its `redirect` beside an `all`, are never used (RFC 7208 §5.1, §6.1), so the senders they
    name are not authorised for the domain that includes it, as in its own record."""
    assert node.parsed is not None
    ignored = [t.text for t in node.parsed.ignored]
    out.add(
        "SPF-10",
        Status.WARN,
        f"The SPF record of {node.domain} (reached through {node.via}) has terms receivers "
        "never use, as they stop at 'all' and ignore 'redirect' when 'all' is present: "
        f"{', '.join(ignored)}; the senders they name are not authorised."
        + ("" if ours else " Only the owner of that record can fix it."),
        subject=node.domain,
        evidence={"ignored": ignored, "record": node.record, "via": node.via},
        fix=txt_fix(node.domain, _without_ignored(node.parsed)) if ours else "",
    )


def _provider_advisories(out: Collector, node: SpfNode, problems: list[SpfProblem]) -> None:
    """SPF-11/19 found in a third party's record: shown, but at info and never scored.

    The owner cannot rewrite their provider's record (Microsoft 365's include lists /15
    ranges); a warning would cost SPF score for something only the provider can change, and
    the owner's only lever, dropping the include, is not what the advice is about.
    """
    for check_id in ("SPF-11", "SPF-19"):
        terms = [p.term for p in problems if p.check_id == check_id]
        if not terms:
            continue
        what = (
            "uses 'ptr', which RFC 7208 says should not be published"
            if check_id == "SPF-11"
            else "authorises very large address ranges"
        )
        out.add(
            check_id,
            Status.INFO,
            f"The SPF record of {node.domain}, a provider's record reached through "
            f"{node.via}, {what} ({', '.join(terms)}); only that provider can change it.",
            subject=node.domain,
            evidence={"provider_record": node.record, "terms": terms, "via": node.via},
        )


def _redirect_dead_end(node: SpfNode) -> bool:
    """True when the redirect chain ends at a domain without a usable SPF record.

    Then the terminal policy is not "missing": the redirect is a permerror (SPF-08, RFC 7208
    §6.1) or a temperror (SPF-20), and a "no 'all'" warning would point at the wrong fix.
    """
    if node.parsed is None:
        return True
    if node.parsed.all_term is not None:
        return False
    for child in node.children:
        if child.via == "redirect":
            return _redirect_dead_end(child)
    return False


def open_include(node: SpfNode) -> list[str] | None:
    """The include chain through which a record authorises every sender, or None.

    `include` matches when the included record's result is pass (RFC 7208 §5.2), and a record
    ending in '+all' passes every address: so an `include` (qualifier '+') of such a record,
    at any depth, makes the whole record pass for the Internet, whatever its own `all` says.
    """
    if node.parsed is None:
        return None
    parsed = node.parsed
    plus = {
        t.target.lower().rstrip(".")
        for t in parsed.terms
        if t.name == "include" and t.qualifier == "+" and t.target and t not in parsed.ignored
    }
    for child in node.children:
        if child.via == "redirect" and parsed.all_term is None:
            chain = open_include(child)  # the redirect's record stands in for this one
            if chain:
                return chain
        elif child.via == "include" and child.domain.lower().rstrip(".") in plus:
            if effective_all(child) == "+":
                return [child.domain]
            chain = open_include(child)
            if chain:
                return [child.domain, *chain]
    return None


class _Evaluation:
    """What a receiver has spent so far evaluating a record for one server (_first_stop)."""

    def __init__(self) -> None:
        self.lookups = 0
        self.voids = 0


def _first_stop(tree: SpfNode, family: str = "IPv4") -> str | None:
    """For a server of `family` the record lists nowhere, what stops its evaluation first:
    "open" when it reaches an include of a record passing every server ('+all',
    open_include), or the check finding the permanent error it meets before (tree_permerror's
    ids); None when neither, or when it cannot be told (a macro, a failed lookup).

    Receivers evaluate the terms left to right and stop at the first that matches or errs
    (RFC 7208 §4.6.2); the limits on lookups and void lookups count those made on the way
    (§4.6.4), not every term of the record. An `a` name with addresses of one family only is
    a void lookup for servers of the other (§5.3), so the two families can stop at different
    places: an IPv6 server at a third IPv4-only name, before an include an IPv4 server
    reaches (_family_stops).
    """
    stop = _stop_in(tree, _Evaluation(), family)
    return None if stop in ("", "unknown") else stop


def _family_stops(tree: SpfNode) -> dict[str, str | None]:
    """_first_stop for a server of each family (FAMILIES order)."""
    return {family: _first_stop(tree, family) for family in FAMILIES}


def _stop_in(node: SpfNode, run: _Evaluation, family: str = "IPv4") -> str:
    """_first_stop for `node`'s record: "open", "matched" (a term decided, not with a pass
    for every server), "unknown", a check id, or "" (nothing matched)."""
    if node.status in ("none", "multiple"):
        return "SPF-08"
    if node.status in ("loop", "truncated"):
        return "SPF-05"
    if node.status == "permerror" and node.parsed is not None:
        fused_here = broken_fusions(node)
        for problem in node.parsed.problems:
            if problem.check_id in PERMERROR_IDS and not problem.meant:
                return "SPF-03" if _fused(problem, fused_here) else problem.check_id
        return "SPF-04"
    if node.status != "ok" or node.parsed is None:
        return "unknown"
    parsed = node.parsed
    terms = list(parsed.evaluated)
    if parsed.all_term is None and parsed.redirect is not None and parsed.redirect.valid:
        terms.append(parsed.redirect)  # evaluated after every mechanism (§6.1)
    # The void lookups (for a server of `family`) of this record's own terms: an 'a' or
    # 'exists' name, an 'mx' name's MX answer, and each of an 'mx' name's hosts without an
    # address, met at that 'mx' (not at the first one: a receiver that stops before a later
    # 'mx' never looks its hosts up). An included record's are counted where it is reached.
    voids = {*node.voids, *node.family_voids.get(family, [])}
    for term in terms:
        if term.name == "all":
            return "open" if term.qualifier == "+" else "matched"
        if term.name not in LOOKUP_TERMS:
            continue
        run.lookups += 1
        if run.lookups > LOOKUP_LIMIT:
            return "SPF-05"
        name = normalize(term.lookup_name or node.domain)
        if term.name in ("include", "redirect"):
            child = next(
                (c for c in node.children if c.via == term.name and c.domain == name), None
            )
            if term.has_macro or child is None:
                return "unknown"
            stop = _stop_in(child, run, family)
            if term.name == "redirect":
                return stop  # the redirect's result is the record's (§6.1)
            if stop == "open":
                return "open" if term.qualifier == "+" else "matched"
            if stop not in ("", "matched"):
                return stop  # an error in the included record stops it all (§5.2)
            continue  # the include matches only on its record's pass
        if term.has_macro:
            continue  # what it asks depends on the message: taken as matching nothing
        if term.name == "mx" and node.mx_fanout.get(name, 0) > MX_FANOUT_LIMIT:
            return "SPF-07"
        asked = f"{name} MX" if term.name == "mx" else name
        run.voids += asked in voids
        if term.name == "mx":
            run.voids += sum(host in node.voids for host in node.mx_hosts.get(name, []))
        if run.voids > VOID_LIMIT:
            return "SPF-06"
    return ""


def _split_stop(stops: dict[str, str | None]) -> tuple[str, str, str] | None:
    """(the family that reaches an open include, the other, the check id of the permanent
    error that stops the other first) when the families part there (_family_stops), or None."""
    for passing, stopped in (FAMILIES, FAMILIES[::-1]):
        error = stops[stopped]
        if stops[passing] == "open" and error is not None and error.startswith("SPF-"):
            return passing, stopped, error
    return None


def _lookups_until_decided(
    node: SpfNode, unfetched: list[str] | None = None, reached: list[SpfNode] | None = None
) -> tuple[int, str | None, SpfTerm | None]:
    """(lookups, outcome, term): the DNS lookups a receiver can make evaluating `node`'s record
    for some server, and whether a term every server matches ends it before its last term:
    outcome "pass" when every server passes there (an include of a '+all' record), "decided"
    when every server gets another result there, None when servers can go on; `term` is that
    term of `node`'s record.

    Receivers stop at the first term that matches (RFC 7208 §4.6.2) and count the lookups they
    make (§4.6.4): past a term every server matches, no receiver looks anything up for any
    server, so those lookups are not counted (they are node.total_lookups' worst case). An
    included record's early end stops only it: its include matches on a pass alone (§5.2).
    The names of records met on the way that could not be fetched go to `unfetched`: their
    lookups are unknown, so the count is a floor. Every record met on the way (loops and
    chains too deep to follow included) goes to `reached`.
    """
    if reached is not None:
        reached.append(node)
    if node.status == "temperror" and unfetched is not None:
        unfetched.append(node.domain)
    if node.status != "ok" or node.parsed is None:
        return node.total_lookups, None, None
    parsed = node.parsed
    terms = list(parsed.evaluated)
    if parsed.all_term is None and parsed.redirect is not None and parsed.redirect.valid:
        terms.append(parsed.redirect)  # evaluated after every mechanism (§6.1)
    count = 0
    for term in terms:
        if term.name == "all":
            return count, "pass" if term.qualifier == "+" else "decided", term
        if term.name not in LOOKUP_TERMS:
            continue
        count += 1
        if term.name not in ("include", "redirect"):
            continue
        child = next((c for c in node.children if c.term == term.text), None)
        if child is None:
            continue  # a name built from the message: not followed, as for total_lookups
        lookups, outcome, _ = _lookups_until_decided(child, unfetched, reached)
        count += lookups
        if term.name == "redirect":
            return count, outcome, term  # the redirect's result is the record's (§6.1)
        if outcome == "pass":
            return count, "pass" if term.qualifier == "+" else "decided", term
    return count, None, None


def over_lookup_limit(tree: SpfNode) -> bool:
    """SPF-05 fails: evaluation can exceed 10 lookups (or loops, or is too deep to follow)."""
    return tree.total_lookups > LOOKUP_LIMIT or any(
        n.status in ("loop", "truncated") for n in tree.walk()
    )


def tree_permerror(tree: SpfNode) -> str | None:
    """The check that finds the tree a permanent error whatever the record's ending, or None.

    A rewrite that keeps every lookup term (a new ending, ignored terms dropped, two records
    merged) keeps the error: too many lookups (SPF-05, RFC 7208 §4.6.4), an include or
    redirect of a name without one usable SPF record (SPF-08, §5.2, §6.1; or the invalid
    record itself, reported under its own ID), more than two void lookups (SPF-06, §4.6.4),
    or an `mx` with more than ten hosts (SPF-07, §4.6.4).
    """
    if over_lookup_limit(tree):
        return "SPF-05"
    below = [n for n in tree.walk() if n is not tree]
    if any(n.status in ("none", "multiple") for n in below):
        return "SPF-08"
    for node in below:
        if node.status == "permerror" and node.parsed is not None:
            fused_here = broken_fusions(node)
            for problem in node.parsed.problems:
                if problem.check_id in PERMERROR_IDS and not problem.meant:
                    return "SPF-03" if _fused(problem, fused_here) else problem.check_id
    if over_void_limit(tree):
        return "SPF-06"
    if any(c > MX_FANOUT_LIMIT for n in tree.walk() for c in n.mx_fanout.values()):
        return "SPF-07"
    return None


# Said instead of a fix that keeps every lookup: such a record would fail SPF-05 just the same.
LOOKUPS_FIRST = (
    " Reduce the DNS lookups first (SPF-05): a corrected record with the same includes would "
    "still fail with a permanent error."
)


def error_first(check_id: str | None) -> str:
    """Said instead of a fix that keeps the terms `check_id` finds a permanent error."""
    if check_id is None:
        return ""
    if check_id == "SPF-05":
        return LOOKUPS_FIRST
    return (
        f" Fix the permanent error first ({check_id}): a corrected record with the same terms "
        "would still fail."
    )


def _terminal(
    out: Collector,
    domain: str,
    tree: SpfNode,
    parsed: ParsedSpf,
    *,
    fixable: bool = True,
    repaired: tuple[str, str] | None = None,
    repaired_by: tuple[str, ...] = ("SPF-08",),
    unblocked: bool = False,
) -> None:
    """SPF-09. `fixable` is False when the record itself is misread (terms fused across
    strings, SPF-03): a corrected record built from it would keep the fused term.
    `repaired`: SPF-08's repair of the record (repaired_record), or the one record repairing
    the permanent errors of `repaired_by` (OneRepair), which the record suggested starts from
    while one of those is the permanent error, or, `unblocked` (a OneRepair), while there is
    none."""
    qualifier = effective_all(tree)
    if qualifier is None and parsed.redirect is not None and _redirect_dead_end(tree):
        return  # reported as SPF-08 / SPF-20 on the redirect target
    # The record the chain of redirects ends at (the owner's own when it has none).
    hops = redirect_hops(tree)
    end = hops[-1] if hops else tree
    last = end.parsed.redirect if end.parsed is not None else None
    followed = any(child.via == "redirect" for child in end.children)
    if qualifier is None and last is not None and last.has_macro and not followed:
        # The redirect's record decides (RFC 7208 §6.1), and its name depends on the message:
        # "no 'all', so neutral" would be false, and replacing the redirect a guess.
        out.add(
            "SPF-09",
            Status.INFO,
            (f"The SPF record {_redirects_to(hops)}, whose record" if hops else "The SPF record")
            + f" ends with '{last.text}': the record that name reaches decides what unlisted "
            "servers get, and it is built with SPF macros that receivers expand for each "
            "message, so it could not be checked.",
            subject=domain,
            evidence={"record": parsed.text, "redirect": last.text},
        )
        return
    # Without an `all` of its own the ending is the redirect target's (RFC 7208 §6.1), often
    # a provider's record the owner cannot edit: the text names that record, and the fix is
    # the owner's own record with the redirect turned into an include (corrected_record) and
    # its own '-all' (include matches only on the target's pass, §5.2, so the servers it lists
    # stay authorised and everything else reaches the owner's ending).
    redirect = parsed.redirect if hops else None
    route = f"The SPF record has no 'all' of its own: it {_redirects_to(hops)}"
    swap = (
        f"replace '{redirect.text}' with 'include:{redirect.target}' and end the record with '-all'"
        if redirect is not None
        else ""
    )
    # corrected_record keeps every lookup term (a redirect becomes an include): when SPF-05
    # fails, it would too, so no record is offered, only the order of work.
    blocked = tree_permerror(tree)
    # SPF-08's repair has no permanent error left (vetted): the corrected record starts from
    # it, so the owner is offered one record, not SPF-08's and "it would still fail" (s44f).
    # Without a permanent error, the one record of the warnings' repairs (SPF-06, SPF-11),
    # when there is one (repaired_by is then OneRepair's), so SPF-09's record keeps them.
    built = repaired if blocked in repaired_by or (not blocked and unblocked) else None
    start = parse_spf(built[0]) if built else parsed
    # Terms that pass a whole family before the ending (SPF-19): the ending never applies to
    # that family, so the texts say so, and the fix is the record without them (as SPF-19's).
    opened = _open_families(tree, hops)
    own_cover = family_cover(start)
    base = parse_spf(_without_cover(start, own_cover)) if any(own_cover.values()) else start
    fix = "" if (blocked and not built) or not fixable else txt_fix(domain, corrected_record(base))
    later = after_repair(blocked, built[1], repaired_by) if built else error_first(blocked)
    evidence: dict[str, Any] = {"record": parsed.text, "terminal": qualifier and f"{qualifier}all"}
    if opened:
        evidence["open_terms"] = opened
        later = _open_note(opened, qualifier) + later
        if fix and base is not start:
            hosts = any(t.name in ("a", "mx") for ts in own_cover.values() for t in ts)
            them = "them" if len({id(t) for ts in own_cover.values() for t in ts}) > 1 else "it"
            later += (
                " The record suggested "
                + (f"writes {them} without the /0" if hosts else f"leaves {them} out")
                + " (SPF-19): add the networks that really send your mail to it."
            )
    if hops:
        evidence["terminal_from"] = hops[-1].domain
    chain = open_include(tree) if qualifier != "+" else None
    # A '?' or '~' range of a whole family before a stronger ending decides that family first
    # (RFC 7208 §4.6.2): its qualifier is the ending those servers get, judged as one (s28y).
    weaker = _weaker_ranges(tree, hops, qualifier) if not opened else {}
    if weaker and not chain:
        _decided_before_ending(out, domain, hops, qualifier, weaker, evidence, later)
        return
    if chain:
        # The include may be in a redirect target's record rather than the owner's own.
        holder = next((n for n in [tree, *hops] if _includes_open(n, chain[0])), tree)
        # With a permanent error in the tree too, which a server not listed meets first
        # depends on the order of the terms (RFC 7208 §4.6.2, §4.6.4): _first_stop.
        stops = _family_stops(tree)
        first = stops["IPv4"] if blocked else None
        met = first if first not in (None, "open") else None
        # Void lookups one family meets and the other does not (RFC 7208 §5.3) can stop servers
        # of that family before the include, while the others reach it and pass.
        split = _split_stop(stops)
        # Or stop both, each at its own error (an IPv6 server at a third IPv4-only name, an
        # IPv4 server at a dead include): each family's is named.
        v6 = stops["IPv6"]
        both = bool(met and met.startswith("SPF-") and v6 and v6.startswith("SPF-") and v6 != met)
        errors = f"{met} for IPv4 senders, {v6} for IPv6 senders" if both else met
        open_fix = ""
        if holder is tree:
            ending = f"The SPF record includes {' → '.join(chain)}, whose record ends in '+all'"
            result = (
                "every server on the Internet passes SPF as your domain, whatever your own "
                "record's end says"
            )
            advice = "Remove that include or have its owner fix it."
            # The owner's record as written, less that include (as SPF-05 offers the record
            # less its copies). The servers the included record lists stop passing with it,
            # which the note says: the service may send for the domain.
            if not blocked and fixable:
                open_fix = (
                    txt_fix(domain, _record_without(parsed, _open_terms(parsed, chain[0])))
                    + f"\n(Servers that only {chain[0]} lists then fail SPF: if that service "
                    "sends mail as your domain, ask it for a record that ends in '-all' or "
                    "'~all' and include that.)"
                )
        else:
            upto = hops[: hops.index(holder) + 1]
            ending = (
                f"The SPF record {_redirects_to(upto)}, whose record includes "
                f"{' → '.join(chain)}, whose record ends in '+all'"
            )
            result = "every server on the Internet passes SPF as your domain"
            advice = (
                f"That include is in the record of {holder.domain}, not in yours: have its "
                "owner remove it, or replace "
                f"'{parsed.redirect.text if parsed.redirect else 'redirect'}' in your own "
                "record with the senders you use."
            )
        if split:
            passing, stopped, error = split
            text = (
                f"{ending}: {result.replace('every server', f'every {passing} server', 1)}. "
                f"An {stopped} server that is not listed never reaches it: checking it stops "
                f"first with a permanent error ({error}, for {stopped} senders), and what "
                f"receivers do with an error is up to each of them; once that error is fixed, "
                f"{stopped} servers pass too. {advice}"
            )
        elif met:
            text = _ending_words(ending, ": ", result, advice, errors, several=both)
        else:
            text = f"{ending}: {result}. {advice}"
        if first == "open" and blocked != (split and split[2]):
            # The error comes after the include: it stops no one until the include goes.
            text += (
                " Checking reaches that include before the permanent error later in the "
                f"record ({blocked}), so the error changes nothing for now: fix it too "
                "when you remove the include."
            )
        out.add(
            "SPF-09",
            Status.FAIL,
            text,
            subject=domain,
            evidence={
                **evidence,
                "open_include": chain,
                **({"permerror": met or blocked} if blocked else {}),
                **({"first_stop": stops} if split or both else {}),
            },
            fix=open_fix,
        )
    elif qualifier == "+":
        # An include of a '+all' record opens the record just the same: ending it in -all alone
        # would leave it open, so that fix is not offered while the include stays.
        also = open_include(tree)
        # Without its own `all`, the '+all' is the redirect target's (RFC 7208 §6.1): the
        # corrected record would include that record, which passes every sender, so it stays
        # open; what to change is the redirect.
        via = hops[-1].domain if hops else None
        head = (
            f"The SPF record {_redirects_to(hops)}, whose record ends in '+all'"
            if via
            else "The SPF record ends in '+all'"
        )
        opens = "authorises every server on the Internet to send mail as your domain"
        advice = (
            "Replace the redirect with the senders you use and end the record with '-all'."
            if via
            else "End it with '-all'."
        )
        out.add(
            "SPF-09",
            Status.FAIL,
            # Behind a permanent error a server not listed never gets 'pass' from '+all' (RFC
            # 7208 §4.6.4, §2.6.7): the error comes first, the opening once it is fixed. The
            # status stays the ending's, as for '~all' and '?all'.
            (
                _ending_words(head, ", which ", f"'+all' {opens}", advice, blocked)
                if blocked
                else f"{head}, which {opens}. {advice}"
            )
            + (
                f" It also includes {' → '.join(also)}, whose record ends in '+all' and lets "
                "every server pass too: remove that include as well."
                if also and not via
                else ""
            )
            + later,
            subject=domain,
            evidence={
                **evidence,
                **({"open_include": also} if also else {}),
                **({"redirect": via} if via else {}),
                **({"permerror": blocked} if blocked else {}),
            },
            fix="" if also or via else fix,
        )
    elif opened:
        # Terms that pass every address of a family come before the ending: that family gets
        # 'pass' from them and never reaches it (RFC 7208 §4.6.2), as from '+all' (checklist
        # SPF-09: fail). A '?' or '~' one is judged as its qualifier (_decided_before_ending).
        if qualifier is None:
            ends = (
                f"{route}, whose record has no 'all' either"
                if redirect is not None
                else "The SPF record has no 'all' at the end"
            )
        else:
            ends = (
                f"The SPF record {_redirects_to(hops)}, whose record ends in '{qualifier}all'"
                if hops
                else f"The SPF record ends in '{qualifier}all'"
            )
        out.add(
            "SPF-09",
            Status.FAIL,
            ends + "." + later,
            subject=domain,
            evidence=evidence,
            fix=fix,
        )
    elif qualifier in ("?", "~", None):
        # A permanent error met before the ending is what a server not listed gets, not the
        # ending's result (RFC 7208 §4.6.4, §2.6.7): the first sentence says so, and what the
        # ending gives comes after it, for once the error is fixed. The status is the ending's.
        head = (
            f"{route}, whose record ends in" if redirect is not None else "The SPF record ends in"
        )
        if qualifier == "?":
            words = _ending_words(
                f"{head} '?all' (neutral)",
                ", so ",
                "mail from other servers is neither authorised nor rejected",
                f"To fix it in your own record, {swap} (or '~all')."
                if redirect is not None
                else "End it with '-all' (or '~all').",
                blocked,
            )
        elif qualifier is None:
            words = _ending_words(
                f"{route}, whose record has no 'all' either"
                if redirect is not None
                else "The SPF record has no 'all' at the end",
                ", so ",
                "servers not listed get a neutral result instead of a failure",
                f"To fix it in your own record, {swap}."
                if redirect is not None
                else "End it with '-all'.",
                blocked,
                end="its end" if redirect is not None else "the end",
            )
        else:
            words = _ending_words(
                f"{head} '~all' (soft fail)",
                ": ",
                "mail from unlisted servers is usually accepted but marked",
                "Once every sender is listed, '-all' is stricter"
                + (f": to get it in your own record, {swap}." if redirect is not None else "."),
                blocked,
            )
        out.add(
            "SPF-09",
            Status.INFO if qualifier == "~" else Status.WARN,
            words + later,
            subject=domain,
            evidence={**evidence, "permerror": blocked} if blocked else evidence,
            fix=fix,
        )
    elif blocked:
        # The ending is '-all' (pass), but a server not listed meets the permanent error on its
        # way to it, and a permerror is no 'fail' (RFC 7208 §2.6.7, §4.6.4, §8.7):
        # "servers not listed are not allowed to send" would be untrue until it is fixed.
        out.add(
            "SPF-09",
            Status.PASS,
            (
                f"The SPF record {_redirects_to(hops)}, whose record ends in '-all'"
                if hops
                else "The SPF record ends in '-all'"
            )
            + ", but a server that is not listed never reaches it: checking it stops first "
            f"with a permanent error ({blocked}), not the 'fail' that '-all' gives, and what "
            "receivers do with an error is up to each of them. Once that error is fixed, "
            "'-all' refuses servers not listed.",
            subject=domain,
            evidence={**evidence, "permerror": blocked},
        )
    else:
        out.add(
            "SPF-09",
            Status.PASS,
            f"The SPF record {_redirects_to(hops)}, whose record ends in '-all': servers not "
            "listed are not allowed to send."
            if hops
            else "The SPF record ends in '-all': servers not listed are not allowed to send.",
            subject=domain,
            evidence=evidence,
        )


def _ending_words(
    ending: str,
    joiner: str,
    result: str,
    advice: str,
    blocked: str | None,
    *,
    end: str = "it",
    several: bool = False,
) -> str:
    """SPF-09's words for an ending that is not '-all': `ending` ("The SPF record ends in
    '~all' (soft fail)"), the `result` it gives a server not listed, then `advice`. With a
    permanent error (`blocked`, tree_permerror) such a server never reaches `end`: the error
    is what it gets, and the result holds only once the error is fixed. `several`: `blocked`
    names one error for each address family."""
    if not blocked:
        return f"{ending}{joiner}{result}. {advice}"
    fixed = "those errors are" if several else "that error is"
    return (
        f"{ending}, but a server that is not listed never reaches {end}: checking it stops "
        f"first with a permanent error ({blocked}), and what receivers do with an error is up "
        f"to each of them. Once {fixed} fixed, {result}. {advice}"
    )


# How much an ending refuses: '-all' most, then '~all', then '?all' or none (SPF-09's order).
_STRENGTH = {"-": 3, "~": 2, "?": 1, None: 1}


def _weaker_ranges(
    tree: SpfNode, hops: list[SpfNode], ending: str | None
) -> dict[str, list[SpfTerm]]:
    """By family, the '?' or '~' ranges that give unlisted servers of it a weaker result than
    the ending ('?ip4:0.0.0.0/0 -all', or both halves '?ip4:0.0.0.0/1 ?ip4:128.0.0.0/1'),
    when the terms before the ending decide every address of the family, so that none
    reaches it (the first matching term decides, RFC 7208 §4.6.2; _first_matches). Counted
    are the wide ranges (under /16, /32 for IPv6: SPF-19's) that are the first to match some
    addresses; an 'a/0' or 'mx/0' counts once its host has an address of the family."""
    if ending not in ("-", "~"):
        return {}
    weaker: dict[str, list[SpfTerm]] = {}
    for family in FAMILIES:
        entries = _family_entries(tree, hops, family)
        wide = [
            (t, net) for t, net in entries if net is not None and net.prefixlen < _FLOOR[family]
        ]
        if not any(t.qualifier != "+" for t, _ in wide):
            continue  # the common record: no wide refusing range, nothing to walk
        counts, _ = _first_matches([net for _, net in entries], family)
        if sum(counts) < _WHOLE[family].num_addresses:
            continue  # some addresses reach the ending
        found = [
            t
            for (t, net), n in zip(entries, counts, strict=True)
            if n
            and net is not None
            and net.prefixlen < _FLOOR[family]
            and t.qualifier != "+"
            and _STRENGTH[t.qualifier] < _STRENGTH[ending]
        ]
        if found:
            weaker[family] = found
    return weaker


def _weaker_words(family: str, terms: list[SpfTerm]) -> str:
    """ "'?ip4:0.0.0.0/0' before it gives 'neutral' to every IPv4 address that no term before
    it matches", for one range or several (_weaker_ranges)."""
    named = series([f"'{t.text}'" for t in terms])
    results = "' or '".join(dict.fromkeys(_QUALIFIER_RESULT[t.qualifier] for t in terms))
    if len(terms) == 1:
        return (
            f"{named} before it gives '{results}' to every {family} address that no term "
            "before it matches"
        )
    return (
        f"{named} before it give '{results}' to every {family} address that no term before "
        "them matches"
    )


def _decided_by(weaker: dict[str, list[SpfTerm]]) -> dict[str, str]:
    """The evidence of _weaker_ranges: by family, its ranges' texts."""
    return {family: ", ".join(t.text for t in terms) for family, terms in weaker.items()}


def _decided_before_ending(
    out: Collector,
    domain: str,
    hops: list[SpfNode],
    ending: str | None,
    weaker: dict[str, list[SpfTerm]],
    evidence: dict[str, Any],
    later: str,
) -> None:
    """SPF-09 when '?' or '~' ranges decide whole families before the ending (_weaker_ranges):
    judged by the weakest qualifier any unlisted server gets, as an ending is ('?' warn, '~'
    info). The words are SPF-19's for the same term, so the two findings agree."""
    every = [t for terms in weaker.values() for t in terms]
    weakest = min((t.qualifier for t in every), key=lambda q: _STRENGTH[q])
    head = (
        f"The SPF record {_redirects_to(hops)}, whose record ends in '{ending}all'"
        if hops
        else f"The SPF record ends in '{ending}all'"
    )
    meaning = {"?": "neither authorised nor rejected", "~": "usually accepted but marked"}
    said = [
        _weaker_words(family, terms) + " (SPF-19), so mail from unlisted "
        f"{family} servers is "
        + meaning[min((t.qualifier for t in terms), key=lambda q: _STRENGTH[q])]
        for family, terms in weaker.items()
    ]
    others = [f for f in FAMILIES if f not in weaker]
    reach = (
        f"only {others[0]} servers that are not listed reach '{ending}all'"
        if others
        else f"no server that is not listed reaches '{ending}all'"
    )
    terms = series([f"'{t.text}'" for t in every])
    out.add(
        "SPF-09",
        Status.WARN if weakest == "?" else Status.INFO,
        f"{head}, but {'; and '.join(said)}: {reach}. Once every sender is listed, remove "
        f"{terms} so that unlisted servers get '{ending}all'." + later,
        subject=domain,
        evidence={**evidence, "decided_by": _decided_by(weaker)},
    )


def _family_entries(
    tree: SpfNode, hops: list[SpfNode], family: str
) -> list[tuple[SpfTerm, IpNetwork | None]]:
    """Every live term of the owner's record and of the records its redirects lead to, in
    the order receivers evaluate them, with the addresses of the family it matches."""
    return [
        (t, _term_range(t, family, _matches_family(node, t, family)))
        for node in [tree, *hops]
        if node.parsed is not None
        for t in _live_terms(node.parsed)
    ]


def _open_families(tree: SpfNode, hops: list[SpfNode]) -> dict[str, list[str]]:
    """The terms of the owner's record and of the records its redirects lead to, evaluated in
    that order, that pass every address of a family (_family_cover), by family. An 'a/0' or
    'mx/0' whose name has no address of that family (a void lookup) matches nothing, and a
    '-', '~' or '?' term deciding part of a family first ('-ip4:0.0.0.0/0', a /1 half) leaves
    the '+' terms after it none of that part (RFC 7208 §4.6.2)."""
    found: dict[str, list[str]] = {}
    for family in FAMILIES:
        entries = _family_entries(tree, hops, family)
        cover = _family_cover(entries, family)
        if cover:
            found[family] = [t.text for t in cover]
    return found


def _matches_family(node: SpfNode, term: SpfTerm, family: str) -> bool:
    """Whether `term`, an ip4/ip6 range or an 'a'/'mx' with a /0 prefix for `family`, matches
    every address of it: a range always; an 'a' or 'mx' once its host has an address of that
    family (RFC 7208 §5.3, §5.4: the /0 network around it). A void or failed lookup, or a host
    with addresses of the other family only, matches no such client."""
    if term.name not in ("a", "mx"):
        return True
    name = normalize(term.lookup_name or node.domain)
    return family in node.address_families.get((term.name, name), set())


def _open_note(opened: dict[str, list[str]], qualifier: str | None) -> str:
    """SPF-09's sentence on terms that pass a whole family before the ending (_open_families)."""
    terms = [t for f in FAMILIES for t in opened.get(f, [])]
    named = ", ".join(f"'{t}'" for t in dict.fromkeys(terms))
    fams = [f for f in FAMILIES if opened.get(f)]
    ending = f"'{qualifier}all'" if qualifier else "the default (neutral)"
    if len(fams) == len(FAMILIES):
        return (
            f" But {named} before it already pass every server on the Internet, IPv4 and "
            f"IPv6, as '+all' would (SPF-19): no server reaches {ending}, so none is refused."
        )
    other = next(f for f in FAMILIES if f not in fams)
    return (
        f" But {named} before it already {'passes' if len(terms) == 1 else 'pass'} every "
        f"{fams[0]} server on the Internet, as '+all' would (SPF-19): only {other} servers "
        f"that are not listed reach {ending}."
    )


def _includes_open(node: SpfNode, name: str) -> bool:
    """True when `node`'s own record has a '+' include of `name` (see open_include)."""
    return node.parsed is not None and bool(_open_terms(node.parsed, name))


def _open_terms(parsed: ParsedSpf, name: str) -> list[SpfTerm]:
    """The '+' includes of `name` in the record that receivers evaluate (see open_include)."""
    return [
        t
        for t in parsed.terms
        if t.name == "include"
        and t.qualifier == "+"
        and t.target
        and t not in parsed.ignored
        and normalize(t.target) == normalize(name)
    ]


async def _helo(out: Collector, ctx: CheckContext, mx: DnsAnswer) -> None:
    """SPF-17: the MX hosts in the domain's own zone should have a HELO SPF record (§2.3)."""
    org = organizational_domain(ctx.domain, ctx.config.extra_public_suffixes)
    hosts = sorted(
        {
            normalize(r.exchange.to_text())
            for r in mx.records
            if hasattr(r, "exchange") and r.exchange.to_text() != "."
        }
    )
    ours = [h for h in hosts if organizational_domain(h, ctx.config.extra_public_suffixes) == org]
    # At most ten lookups; the hosts past them are named as not checked, so that one never
    # goes unmentioned once the first ten have their records.
    own, unchecked = ours[:10], ours[10:]
    if not own:
        return
    answers = await asyncio.gather(*(ctx.dns.query(h, "TXT") for h in own))
    # An aliased MX name (MX-04) leads to the host's own name: the TXT a HELO check finds is
    # there, and only there can it be published (a CNAME owner holds no other data, RFC 1034
    # §3.6.2). An alias into another organisation is that provider's server, not ours to judge.
    missing: dict[str, str] = {}
    doubled: dict[str, tuple[str, list[str]]] = {}
    unknown: dict[str, DnsAnswer] = {}
    for h, a in zip(own, answers, strict=True):
        target = a.cnames[-1] if a.cnames else h
        if organizational_domain(target, ctx.config.extra_public_suffixes) != org:
            continue
        if a.failed:
            # SERVFAIL or timeout: neither absent nor present (checklist §0).
            unknown[h] = a
            continue
        if a.nxdomain:
            # The name does not exist (MX-06: a target written without its final dot, or a
            # host gone): no server there says HELO, and a record there would be for nothing.
            continue
        records = select_records(a).records
        if not records:
            missing[h] = target
        elif len(records) > 1:
            doubled[h] = (target, records)
    if missing:
        out.add(
            "SPF-17",
            Status.INFO,
            "These mail servers have no SPF record for their own name (used to check the HELO "
            "name): "
            + ", ".join(h if t == h else f"{h} (an alias of {t})" for h, t in missing.items())
            + "."
            + _helo_unchecked(unchecked),
            subject=ctx.domain,
            evidence={"hosts": list(missing), "not_checked": unchecked},
            fix="\n".join(txt_fix(t, "v=spf1 a -all") for t in dict.fromkeys(missing.values())),
        )
    elif unchecked:
        out.add(
            "SPF-17",
            Status.INFO,
            "Of the domain's mail servers, the first 10 were checked for an SPF record for "
            "their own name (used to check the HELO name)." + _helo_unchecked(unchecked),
            subject=ctx.domain,
            evidence={"not_checked": unchecked},
        )
    if doubled:
        _helo_doubled(out, ctx.domain, doubled)
    if unknown:
        # Info, as the rule is: an error would leave SPF out of the score over a check that
        # never costs points (docs/scoring.md, "could not be checked").
        out.add(
            "SPF-17",
            Status.INFO,
            "Whether these mail servers have an SPF record for their own name (used to check "
            "the HELO name) could not be checked: "
            + "; ".join(a.describe_failure() for a in unknown.values())
            + ".",
            subject=ctx.domain,
            evidence={"hosts": list(unknown), "dns": [a.evidence() for a in unknown.values()]},
        )


def _helo_unchecked(unchecked: list[str]) -> str:
    """SPF-17's words for the MX hosts past the ten it looks up."""
    if not unchecked:
        return ""
    return (
        f" {len(unchecked)} more of the domain's mail servers were not checked "
        f"({', '.join(unchecked)}): check that each has one too ('v=spf1 a -all' at its name)."
    )


def _helo_doubled(out: Collector, domain: str, doubled: dict[str, tuple[str, list[str]]]) -> None:
    """SPF-17: more than one SPF record at a host's name makes every check of that identity a
    permerror (RFC 7208 §4.5), so a receiver checking the HELO name gets no usable answer."""
    named = [
        f"{h if t == h else f'{h} (an alias of {t})'} ({len(records)} records)"
        for h, (t, records) in doubled.items()
    ]
    fixes: dict[str, str] = {}
    for target, records in doubled.values():
        merged = _flat_merge(records)
        if merged is not None:
            fixes.setdefault(target, txt_fix(target, merged))
    out.add(
        "SPF-17",
        Status.INFO,
        "These mail servers have more than one SPF record for their own name, so a receiver "
        "that checks the HELO name gets a permanent error (permerror, RFC 7208 §4.5), not a "
        "result: "
        + ", ".join(named)
        + ". Publish one record in their place"
        + (" (the suggestion keeps every mechanism of each once, in order)." if fixes else "."),
        subject=domain,
        evidence={"hosts": list(doubled), "records": {h: r for h, (_, r) in doubled.items()}},
        fix="\n".join(fixes.values()),
    )


def _flat_merge(records: list[str]) -> str | None:
    """The SPF-01 merge of a host's records when it reaches no other record (no include,
    redirect or exists) and so stays within the 10-lookup limit without walking it; else
    None (SPF-01 vets such merges against the domain's own record; a HELO note does not)."""
    merged = merged_record(records)
    if merged is None:
        return None
    terms = parse_spf(merged).lookup_terms
    if any(t.name in ("include", "redirect", "exists") for t in terms) or len(terms) > 10:
        return None
    return merged
