"""Characters pasted into a TXT record that look like ASCII spaces or hyphens, or like nothing,
but are not.

A record copied from a web page, a PDF or a word processor brings no-break spaces (U+00A0),
narrow or typographic spaces, dashes a word processor made of '-' ("–all", U+2013) and invisible
characters (zero-width space, word joiner, a byte order mark) along with it. The records of RFC 8461 §3.1 and RFC 8460 §3 are US-ASCII: such a
character is no whitespace to their grammars, so the field it stands in is not a field, and
strict senders drop the whole record. Named as "a field that is not name=value" and "no id/rua
field", the owner looks at a record that visibly has both; named as the character it is, with
where it sits and the record retyped, the fix is obvious.

`lookalikes(text)` says whether every non-ASCII character of `text` is such a character and, if
so, where they are and what the text reads as once they are retyped (spaces as ' ', dashes as
'-', invisible ones left out), so a parser can read the fields the owner meant after reporting the one fault.
"""

from __future__ import annotations

from dataclasses import dataclass

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
_CONTEXT = 40  # at most this many characters of the record quoted before a pasted character


@dataclass(frozen=True)
class Lookalikes:
    """The pasted characters of one text, and the text as the owner meant it."""

    cleaned: str
    places: tuple[str, ...]  # "a no-break space (U+00A0) after 'v=STSv1;'", in order
    looks_like: str  # what they look like: "a space", "'-'", "a space or '-'", "nothing"

    def describe(self) -> str:
        shown = list(dict.fromkeys(self.places))
        if len(shown) > 3:
            shown = [*shown[:3], f"{len(shown) - 3} more"]
        return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]


def lookalikes(text: str, before: str = "") -> Lookalikes | None:
    """None when `text` is ASCII or holds a non-ASCII character of another kind (a letter, a
    typographic quote: a fault of its own, which the caller reports as before). `before`: the
    record's text ahead of `text` when `text` is one element of it, to say where a character
    sits in the whole record."""
    ahead = "".join(c for c in before if c.isascii())
    known = SPACES.keys() | DASHES.keys() | INVISIBLE.keys()
    if text.isascii() or any(c not in known for c in text if ord(c) > 0x7F):
        return None
    cleaned: list[str] = []
    places: list[str] = []
    for index, char in enumerate(text):
        if char in known:
            name = SPACES.get(char) or DASHES.get(char) or INVISIBLE[char]
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
        for look, chars in (("a space", SPACES), ("'-'", DASHES))
        if any(c in chars for c in text)
    ]
    return Lookalikes("".join(cleaned), tuple(places), " or ".join(shown) or "nothing")
