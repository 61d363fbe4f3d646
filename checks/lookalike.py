"""Characters pasted into a TXT record that look like ASCII spaces or hyphens, or like nothing,
but are not; and typographic quotes pasted with it.

A record copied from a web page, a PDF or a word processor brings no-break spaces (U+00A0),
narrow or typographic spaces, dashes a word processor made of '-' ("–all", U+2013) and invisible
characters (zero-width space, word joiner, a byte order mark) along with it, and a word
processor turns quotes typed around a record into typographic ones ("“v=DMARC1; p=reject”").
The records of RFC 8461 §3.1 and RFC 8460 §3 are US-ASCII: such a character is no whitespace
to their grammars, so the field it stands in is not a field, and strict senders drop the whole
record. Named as "a field that is not name=value" and "no id/rua field", the owner looks at a
record that visibly has both; named as the character it is, with where it sits and the record
retyped, the fix is obvious.

`lookalikes(text)` says whether every non-ASCII character of `text` is such a character and, if
so, where they are and what the text reads as once they are retyped (spaces as ' ', dashes as
'-', invisible ones and quotation marks left out), so a parser can read the fields the owner meant
after reporting the one fault. `unquoted(text)` says whether a whole record was published between
quotes, ASCII ones a DNS panel kept as text or typographic ones, and what it reads as without them.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from checks.domainname import _to_a_labels
from checks.findings import series, u_labels

# Characters shown as a space: retyped as ' '.
SPACES = {
    "\u00a0": "a no-break space",
    "\u1680": "an Ogham space mark",
    "\u2000": "an en quad",
    "\u2001": "an em quad",
    "\u2002": "an en space",
    "\u2003": "an em space",
    "\u2004": "a three-per-em space",
    "\u2005": "a four-per-em space",
    "\u2006": "a six-per-em space",
    "\u2007": "a figure space",
    "\u2008": "a punctuation space",
    "\u2009": "a thin space",
    "\u200a": "a hair space",
    "\u202f": "a narrow no-break space",
    "\u205f": "a medium mathematical space",
    "\u3000": "an ideographic space",
}
# Dashes shown where '-' was typed (a word processor's autocorrection): retyped as '-'.
DASHES = {
    "\u2010": "a hyphen",
    "\u2011": "a non-breaking hyphen",
    "\u2012": "a figure dash",
    "\u2013": "an en dash",
    "\u2014": "an em dash",
    "\u2212": "a minus sign",
    "\ufe63": "a small hyphen-minus",
    "\uff0d": "a fullwidth hyphen-minus",
}
# Characters shown as nothing at all: retyped by leaving them out.
INVISIBLE = {
    "\u00ad": "a soft hyphen",
    "\u200b": "a zero-width space",
    "\u200c": "a zero-width non-joiner",
    "\u200d": "a zero-width joiner",
    "\u2060": "a word joiner",
    "\ufeff": "a byte order mark",
}
# Typographic quotation marks (and the primes and low quotes a keyboard layout gives): no part
# of any record's syntax, pasted around a record or a value from a document. Retyped by leaving
# them out.
QUOTES = {
    "\u2018": "a left single quotation mark",
    "\u2019": "a right single quotation mark",
    "\u201a": "a single low quotation mark",
    "\u201b": "a reversed single quotation mark",
    "\u201c": "a left double quotation mark",
    "\u201d": "a right double quotation mark",
    "\u201e": "a double low quotation mark",
    "\u201f": "a reversed double quotation mark",
    "\u2032": "a prime",
    "\u2033": "a double prime",
    "\u00ab": "a left-pointing guillemet",
    "\u00bb": "a right-pointing guillemet",
}
# What may stand around a whole record as its quotes: the ASCII ones (a zone-file line pasted
# into a DNS panel, which stores them as text, escaped or not) and the typographic ones.
_WRAPPING = ('\\"', '"', "'", *QUOTES)
_CONTEXT = 40  # at most this many characters of the record quoted before a pasted character


@dataclass(frozen=True)
class Lookalikes:
    """The pasted characters of one text, and the text as the owner meant it."""

    cleaned: str
    places: tuple[str, ...]  # "a no-break space (U+00A0) after 'v=STSv1;'", in order
    looks_like: str  # what they look like: "a space", "'-'", "a space or '-'", "nothing", ""
    quotes: bool = False  # some of them are typographic quotation marks

    @property
    def fault(self) -> str:
        """What is wrong with them, to follow "which" or "it": "looks like a space but is not
        ASCII"; for quotation marks, that they are no part of the record."""
        quote = "a typographic quotation mark (not ASCII, and no part of the record)"
        if not self.quotes:
            return f"looks like {self.looks_like} but is not ASCII"
        if not self.looks_like:
            return f"is {quote}"
        return f"looks like {self.looks_like} but is not ASCII, or is {quote}"

    def describe(self) -> str:
        shown = list(dict.fromkeys(self.places))
        if len(shown) > 3:
            shown = [*shown[:3], f"{len(shown) - 3} more"]
        return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]


def lookalikes(text: str, before: str = "") -> Lookalikes | None:
    """None when `text` is ASCII or holds a non-ASCII character of another kind (a letter: a
    fault of its own, which the caller reports as before). `before`: the record's text ahead
    of `text` when `text` is one element of it, to say where a character sits in the record."""
    ahead = "".join(c for c in before if c.isascii())
    known = SPACES.keys() | DASHES.keys() | INVISIBLE.keys() | QUOTES.keys()
    if text.isascii() or any(c not in known for c in text if ord(c) > 0x7F):
        return None
    cleaned: list[str] = []
    places: list[str] = []
    for index, char in enumerate(text):
        if char in known:
            name = SPACES.get(char) or DASHES.get(char) or INVISIBLE.get(char) or QUOTES[char]
            seen = (ahead + "".join(c for c in text[:index] if c.isascii())).rstrip()
            # The word before it: back to the space, ';' or ':' ahead of that word.
            start = max(seen[:-1].rfind(d) for d in " ;:") + 1
            seen = seen[start:][-_CONTEXT:]
            where = f"after {seen!r}" if seen else "at the start"
            places.append(f"{name} (U+{ord(char):04X}) {where}")
            cleaned.append(" " if char in SPACES else "-" if char in DASHES else "")
        else:
            cleaned.append(char)
    shown = [
        look
        for look, chars in (("a space", SPACES), ("'-'", DASHES), ("nothing", INVISIBLE))
        if any(c in chars for c in text)
    ]
    quotes = any(c in QUOTES for c in text)
    looks_like = " or ".join(look for look in shown if look != "nothing" or len(shown) == 1)
    return Lookalikes("".join(cleaned), tuple(places), looks_like, quotes)


# The full-width forms of ASCII '!' to '~' (U+FF01 to U+FF5E), which an East Asian input method
# types for digits and letters; each is its ASCII character plus this offset.
_FULL_WIDTH_OFFSET = 0xFEE0


def _is_full_width(char: str) -> bool:
    return 0xFF01 <= ord(char) <= 0xFF5E


@dataclass(frozen=True)
class FullWidth:
    """The full-width forms of ASCII characters in one text, and the text in ASCII."""

    runs: tuple[str, ...]  # each run of full-width characters, as written, in order
    ascii: str  # the whole text with each written as its ASCII character

    def describe(self) -> str:
        """ "full-width digits ('２０２６０６', in ASCII '202606')", one part per run."""
        parts = []
        for run in dict.fromkeys(self.runs):
            plain = run.translate({c: c - _FULL_WIDTH_OFFSET for c in map(ord, run)})
            kind = "digits" if plain.isdigit() else "letters" if plain.isalpha() else "characters"
            parts.append(f"full-width {kind} ({run!r}, in ASCII {plain!r})")
        return series(parts)


def full_width(text: str) -> FullWidth | None:
    """For a text whose only non-ASCII characters are full-width forms of ASCII ones
    ('id=２０２６０６'): where they are and the text in ASCII. None otherwise. Kept apart from
    lookalikes(): a full-width digit is plainly not a space or a '-' pasted from a document,
    and callers name it without reading the record as if it were ASCII."""
    if text.isascii() or any(ord(c) > 0x7F and not _is_full_width(c) for c in text):
        return None
    runs: list[str] = []
    run = ""
    for char in text + " ":
        if _is_full_width(char):
            run += char
        elif run:
            runs.append(run)
            run = ""
    plain = "".join(chr(ord(c) - _FULL_WIDTH_OFFSET) if _is_full_width(c) else c for c in text)
    return FullWidth(tuple(runs), plain)


def retyped(text: str) -> str:
    """`text` with its pasted look-alike characters retyped, when it has any (else as is)."""
    pasted = lookalikes(text)
    return pasted.cleaned if pasted is not None else text


@dataclass(frozen=True)
class Unquoted:
    """A whole record published between quotes, and the record without them."""

    text: str  # the record without its quotes
    quotes: str  # "'\"' at the start and '\"' at the end", the typographic ones named
    typographic: bool  # a quote is a typographic one (a word processor's)
    both: bool  # quotes at both ends
    leading: bool  # a quote at the start: the record's first character is a quote
    count: int = 2  # how many quotes there are ('\\"' is one): the words for one are singular

    def describe(self) -> str:
        """How it is written: "written between quotes (...)", "written with a quote (...)"."""
        return f"written {'between quotes' if self.both else 'with a quote'} ({self.quotes})"

    @property
    def whose(self) -> str:
        """Where such quotes come from ("a quote typed ..." when there is one)."""
        if self.typographic:
            if self.count == 1:
                return "a word processor's typographic quote, which no record has"
            return "a word processor's typographic quotes, which no record has"
        if self.count == 1:
            return "a quote typed with the record, which the DNS panel kept as part of its text"
        return "quotes typed with the record, which the DNS panel kept as part of its text"

    @property
    def them(self) -> str:
        """The quotes, to follow "retype it without": "them", or "the quote" for one."""
        return "the quote" if self.count == 1 else "them"


def unquoted(text: str) -> Unquoted | None:
    """The record `text` without the quotes it was published between, when it begins or ends
    with one ('"v=DMARC1; p=reject"', '\\"v=spf1 -all\\"', '“v=STSv1; id=1”', '”v=spf1 -all',
    one quote only too). None when it has none. Whitespace outside the quotes goes with them."""
    inner = text.strip(" \t")
    head: list[str] = []
    tail: list[str] = []
    while quote := next((q for q in _WRAPPING if inner.startswith(q)), ""):
        head.append(quote)
        inner = inner[len(quote) :].lstrip(" \t")
    while quote := next((q for q in _WRAPPING if inner.endswith(q)), ""):
        tail.insert(0, quote)
        inner = inner[: -len(quote)].rstrip(" \t")
    if not head and not tail:
        return None

    def named(quote: str) -> str:
        if quote in QUOTES:
            return f"{QUOTES[quote]} (U+{ord(quote):04X})"
        # An apostrophe shown between apostrophes reads as three of them: shown between "".
        return f'"{quote}"' if quote == "'" else f"'{quote}'"

    shown = [
        f"{' '.join(named(q) for q in quotes)} at the {where}"
        for quotes, where in ((head, "start"), (tail, "end"))
        if quotes
    ]
    typographic = any(q in QUOTES for q in head + tail)
    both = bool(head and tail)
    return Unquoted(inner, " and ".join(shown), typographic, both, bool(head), len(head + tail))


def one_slip(typed: str, meant: str) -> bool:
    """Whether `typed` is `meant` with exactly one character changed, left out, added, or two
    neighbours swapped: one slip of the keyboard (SPF's 'v=sfp1', DMARC's 'rau' for rua)."""
    if typed == meant or abs(len(typed) - len(meant)) > 1:
        return False
    if len(typed) == len(meant):
        diffs = [i for i, (a, b) in enumerate(zip(typed, meant, strict=True)) if a != b]
        return len(diffs) == 1 or (
            len(diffs) == 2
            and diffs[1] == diffs[0] + 1
            and typed[diffs[0]] == meant[diffs[1]]
            and typed[diffs[1]] == meant[diffs[0]]
        )
    short, long = sorted((typed, meant), key=len)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


# Letters of other scripts drawn as Latin ones in most fonts (Unicode's confusables, the ones
# homograph domains use): a name written with them reads as the Latin name it imitates.
_LATIN_LOOKALIKES = str.maketrans(
    {
        # Cyrillic
        "а": "a", "с": "c", "ԁ": "d", "е": "e", "һ": "h", "і": "i", "ј": "j", "ӏ": "l",
        "о": "o", "р": "p", "ԛ": "q", "ѕ": "s", "у": "y", "ѵ": "v", "ԝ": "w", "х": "x",
        "ү": "y",
        # Greek
        "α": "a", "ι": "i", "ν": "v", "ο": "o", "ρ": "p", "υ": "u", "χ": "x",
        # Latin letters without their dot or with a stroke, and the script g (U+0261)
        "ı": "i", "ȷ": "j", "ł": "l", "ø": "o", "đ": "d", "ħ": "h", "ɡ": "g",
    }
)  # fmt: skip


def _skeleton(name: str) -> str:
    """What a domain name looks like: U-labels, case and accents dropped (ä as a), full-width
    forms as ASCII (NFKD) and letters of other scripts as the Latin ones they are drawn as."""
    shown = unicodedata.normalize("NFKD", u_labels(name.rstrip(".").lower()).casefold())
    return "".join(c for c in shown if not unicodedata.combining(c)).translate(_LATIN_LOOKALIKES)


def _a_label_form(name: str) -> str:
    """`name` in lower-case A-labels without its final dot, the form "same or below" is
    compared in; a label that is no valid IDN stays as it is, lower case."""

    def a_label(label: str) -> str:
        if label.isascii():
            return label.lower()
        try:
            return _to_a_labels(label).lower()
        except UnicodeError:
            return label.lower()

    return ".".join(a_label(label) for label in name.rstrip(".").split("."))


def looks_like_domain(other: str, domain: str) -> bool:
    """Whether `other` is another domain than `domain` that looks like it, or like a name
    below it, to a reader (a homograph: exämple.com, xn--exmple-cua.com, or 'еxample.com' with
    a Cyrillic е, beside example.com). Names in A-labels or U-labels: exämple.com and
    xn--exmple-cua.com are one name."""
    other, domain = _a_label_form(other), _a_label_form(domain)
    if other == domain or other.endswith("." + domain):
        return False  # the domain itself, or a name of its own below it
    looks, meant = _skeleton(other), _skeleton(domain)
    return looks == meant or looks.endswith("." + meant)
