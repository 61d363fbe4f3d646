"""Adding many domains at once: an MSP pastes its customers' names.

Each name is read exactly as the single add reads it (AddDomainForm.domain_name), and the same
limits hold, counted name by name: at most views.max_unverified() domains of a team wait to
be verified, and at most views.adds_per_day() are added a day (the operator's settings
MAILSEC_MAX_UNVERIFIED and MAILSEC_ADDS_PER_DAY, 50 and 100 unless set). A name added here is
added unverified, as one typed alone: nothing is monitored before its owner proves control, and a
name another team has verified is contested only when this team verifies it
(Domain.verify).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Literal

from django import forms
from django.db import IntegrityError, transaction

from checks.domainname import host_name_parent, quoted
from mailsec.accounts.models import Team
from mailsec.domains import existence
from mailsec.domains.forms import AddDomainForm, host_name_words
from mailsec.domains.models import Domain, display_name
from mailsec.freecheck import ratelimit

# Names read from one paste: enough for an MSP to paste its whole customer list again and see
# which are already in the team, few enough that reading them (IDNA, the public suffix list)
# stays well inside a request.
MAX_ENTRIES = 1000
# What is read of a paste: MAX_ENTRIES names of 253 octets with a separator each, and room for
# URLs and addresses around some of them.
MAX_PASTE_CHARS = 300_000
# Between names: line breaks, spaces, commas, semicolons (as a mail client separates
# addresses), and their full-width forms an input method types.
LIST_SEPARATORS = ",;\uff0c\uff1b\u3001"
WHITESPACE = re.compile(r"\s+")
# An address with its display name ("Alice Example <alice@example.com>"): the part in angle
# brackets is the entry; the words of the display name are not names at all. Its "<" begins
# a word (the line, or after a space, a quote or a separator): the "<" of
# https://example.com/?q=<x> is inside the URL, which is the entry.
BRACKETED = re.compile(rf"(?:^|(?<=[\s\"{LIST_SEPARATORS}]))<([^<>]*)>")
QUOTED = re.compile(r'"[^"]*"')
# A word that reads as a name, an address or a URL, well formed or not: a dot (or the
# full stops IDNA reads as one) or an @ between two characters. Words between commas are
# separate entries only when every one of them is such a word: "not a domain!!" is one entry
# (refused once, as one), "a.example b.example typo..example" three (the typo refused alone),
# and "- a.example" or "Acme Corp<TAB>a.example" the name plus the other words as one entry.
NAME_SHAPED = re.compile(
    r"[^\s.@\u3002\uff0e\uff61][.@\u3002\uff0e\uff61]+[^\s.@\u3002\uff0e\uff61]"
)

# A list's bullet or number before a name: punctuation alone, or up to three digits and a
# full stop or parenthesis.
BULLET = re.compile(r"^(?:[^\w]+|\d{1,3}[.)])$")

Status = Literal["added", "present", "repeated", "refused", "over"]


def adds_bucket(team: Team) -> str:
    """The day's counter of a team's adds (ratelimit), shared by the single and the bulk add."""
    return f"domains:add:{team.pk}"


@contextmanager
def adding(team: Team) -> Iterator[None]:
    """Hold the team's row while counting its domains and adding to them: two adds at once
    (two people of an MSP, a double click, a single and a bulk add) take their turn here, so
    the second counts what the first added and the cap on unverified domains holds exactly.
    PostgreSQL locks the row; SQLite takes its write lock when the transaction begins
    (transaction_mode IMMEDIATE, mailsec/env.py)."""
    with transaction.atomic():
        Team.objects.select_for_update().filter(pk=team.pk).values_list("pk").first()
        yield


@dataclass(frozen=True)
class Entry:
    """One entry of a paste: its text, and the line of the paste it is on (from 1)."""

    line: int
    text: str


def split_entries(text: str) -> list[Entry]:
    """The entries of a paste, in order, each with its line: one a line, or several on a line
    separated by commas, semicolons or blanks. Commas and semicolons always separate entries
    (no name holds one); the blanks between them separate the words that read as a name, an
    address or a URL (NAME_SHAPED), and the other words there are one entry together (a
    bullet, a spreadsheet's other columns, "not a domain!!"), refused once with its line
    rather than word by word. A To: field copied from a mail client is a
    list too: each of its entries is an address, bare or in angle brackets after a display
    name (which may be quoted and hold a comma: "Doe, John" <john@example.com>)."""
    entries: list[Entry] = []
    for number, line in enumerate(text.splitlines(), start=1):
        for item in _list_items(line):
            words = [word.strip() for word in _words(item) if word.strip()]
            if len(words) > 1:
                words = _names_and_others(words) or [WHITESPACE.sub(" ", item.strip())]
            entries.extend(Entry(number, word) for word in words)
    return entries


def _names_and_others(words: list[str]) -> list[str]:
    """Several words between separators: those that read as names, in order, with the other
    words (a spreadsheet's other columns, "and") as one entry of their own where the first of
    them stood, and list bullets ("-", "•", "1.") left out. [] when none reads as a name."""
    if not any(NAME_SHAPED.search(word) for word in words):
        return []
    out: list[str] = []
    others: list[str] = []
    for word in words:
        if NAME_SHAPED.search(word):
            out.append(word)
        elif not BULLET.match(word):
            if not others:
                out.append("")  # where the other words go
            others.append(word)
    return [word or " ".join(others) for word in out]


def split_names(text: str) -> list[str]:
    """The entries of a paste, in order, without their lines (split_entries)."""
    return [entry.text for entry in split_entries(text)]


def _words(item: str) -> list[str]:
    """The entries of one item of a list: its address in angle brackets, when it has one
    (the words before it are its display name, read as no name), or its words. A word before
    the address with an @ outside quotes is an address of its own (a display name holds no
    bare @, RFC 5322 §3.4): a list separated by spaces only."""
    words: list[str] = []
    while (bracketed := BRACKETED.search(item)) is not None:
        name = QUOTED.sub(" ", item[: bracketed.start()])
        words += [word for word in WHITESPACE.split(name) if "@" in word]
        words.append(bracketed.group(1))
        item = item[bracketed.end() :]
    return words + WHITESPACE.split(item)


def _list_items(line: str) -> list[str]:
    """`line` cut at its commas and semicolons, except those inside a quoted display name or
    an address in angle brackets. A quote or bracket never closed is an ordinary character."""
    items: list[str] = []
    start = i = 0
    while i < len(line):
        char = line[i]
        end = -1
        if char == '"':
            end = line.find('"', i + 1)
        elif char == "<" and BRACKETED.match(line, i):
            end = line.find(">", i + 1)
        elif char in LIST_SEPARATORS:
            items.append(line[start:i])
            start = i + 1
        i = end + 1 if end != -1 else i + 1
    items.append(line[start:])
    return items


class BulkAddForm(forms.Form):
    names = forms.CharField(
        label="Domain names",
        max_length=MAX_PASTE_CHARS,
        widget=forms.Textarea(attrs={"rows": 6, "autocapitalize": "none", "spellcheck": "false"}),
        help_text="One a line, or separated by commas, semicolons or spaces. URLs and email "
        "addresses give their domain.",
    )

    @property
    def typed_names(self) -> str:
        """What was pasted, for the box to give back, with a NUL byte as the HTML parser would
        show it (U+FFFD, WHATWG HTML §13.2.5.36), as AddDomainForm.typed_name gives the single
        add box's: the page's bytes hold none (the field refuses it: 'Null characters are not
        allowed.')."""
        return str(self["names"].value() or "").replace("\x00", "\ufffd")

    def clean_names(self) -> list[Entry]:
        entries = split_entries(self.cleaned_data["names"])
        if not entries:
            raise forms.ValidationError("Enter at least one domain name.")
        if len(entries) > MAX_ENTRIES:
            raise forms.ValidationError(
                f"That is {len(entries)} names: paste at most {MAX_ENTRIES} at a time."
            )
        return entries


@dataclass
class Outcome:
    """What became of one entry of the paste."""

    typed: str
    status: Status
    name: str = ""  # the A-label name, when the entry is one
    reason: str = ""  # why it was refused or not added, or what to know about it
    domain: Domain | None = None
    line: int = 0  # the line of the paste it is on
    # Added, and the DNS answered NXDOMAIN for it (existence.look_up): most often a typo.
    missing: bool = False
    # Added, and the lookup told nothing of it (no answer in time, or it failed): s37f.
    unknown: bool = False

    @property
    def display_name(self) -> str:
        return display_name(self.name) if self.name else ""

    @property
    def panel_zone(self) -> str:
        """The zone a DNS panel most likely holds the added domain's records in, as the
        domain's page says it (Domain.panel_zone)."""
        return self.domain.panel_zone if self.domain is not None else ""

    @property
    def challenge_host(self) -> str:
        """The challenge record's name as that panel wants it typed (its Host field), as the
        domain's page gives it."""
        if self.domain is None:
            return ""
        return self.domain.relative_name(self.domain.challenge_name)


@dataclass
class Limits:
    max_unverified: int
    adds_per_day: int


def _not_names(text: str) -> str:
    """Why the words of `text` were read as one entry: those that are no name, quoted."""
    words = [f"“{quoted(word)}”" for word in text.split() if not NAME_SHAPED.search(word)]
    if len(words) > 4:
        words = [*words[:3], f"{len(words) - 3} more"]
    listed = words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"
    return (
        f"Read as one entry, not a list: {listed} {'is' if len(words) == 1 else 'are'} no "
        "domain name, URL or email address. Put one domain on a line, or separate them by "
        "commas."
    )


def add_names(team: Team, entries: list[Entry], limits: Limits) -> list[Outcome]:
    """Add the entries' names to the team, in the order pasted, as far as its limits allow.
    Each outcome is final: a name not added is not added later (nothing is queued)."""
    from checks.tasks import engine_config

    outcomes: list[Outcome] = []
    first_of: dict[str, Outcome] = {}
    for entry in entries:
        typed, line = entry.text, entry.line
        try:
            name = AddDomainForm.domain_name(typed)
        except forms.ValidationError as exc:
            reason = " ".join(exc.messages)
            words = typed.split()
            if len(words) > 1 and not all(NAME_SHAPED.search(word) for word in words):
                # Several words that are no names, read as one entry (split_entries).
                reason = _not_names(typed)
            outcomes.append(Outcome(typed, "refused", reason=reason, line=line))
            continue
        if name in first_of:
            before = first_of[name]
            outcomes.append(
                Outcome(
                    typed,
                    "repeated",
                    name,
                    f"Listed before as {before.typed} (line {before.line}).",
                    line=line,
                )
            )
            continue
        outcome = Outcome(typed, "added", name, line=line)
        first_of[name] = outcome
        outcomes.append(outcome)
    new = [o for o in outcomes if o.status == "added"]
    if not new:
        return outcomes
    suffixes = engine_config().extra_public_suffixes
    with adding(team):
        # Read under the lock: a teammate's add a moment ago is "already in the team".
        present = {d.name: d for d in team.domains.filter(name__in=[o.name for o in new])}
        room = limits.max_unverified - team.domains.filter(verified_at=None).count()
        day_over = False
        for o in new:
            if o.name in present:
                o.status, o.domain = "present", present[o.name]
            elif room <= 0:
                o.status = "over"
                o.reason = (
                    f"Your team has {limits.max_unverified} domains waiting to be verified: "
                    "verify or remove some of them, then add this one."
                )
            elif day_over or ratelimit.hit(adds_bucket(team), limits.adds_per_day, 86400):
                # Counted once: names after the first refused one are not counted again.
                day_over = True
                o.status = "over"
                o.reason = (
                    f"Your team has added {limits.adds_per_day} domains today: "
                    "add this one tomorrow."
                )
            else:
                try:
                    with transaction.atomic():  # a savepoint: the loop goes on after it
                        o.domain = Domain.objects.create(team=team, name=o.name)
                except IntegrityError:
                    # Added in the same moment by a request that does not take the lock (none
                    # should): the same row.
                    o.status, o.domain = "present", team.domains.get(name=o.name)
                    continue
                room -= 1
                parent = host_name_parent(o.name, suffixes)
                if parent is not None:
                    o.reason = host_name_words(o.display_name, display_name(parent))
    # Looked up once the team's lock is released, all together within one bound: a typo is
    # added all the same (a domain being set up may not exist yet), with a word on its row.
    added = [o for o in new if o.status == "added"]
    found = existence.look_up([o.name for o in added])
    for o in added:
        o.missing, o.unknown = o.name in found.missing, o.name in found.unknown
    # Kept on the domains, for the list, their pages and the export to say after this answer.
    Domain.note_not_in_dns([o.domain for o in added if o.missing and o.domain is not None])
    return outcomes


# How much of a refused entry the summary quotes: enough to recognise the line.
REFUSED_TEXT_LENGTH = 80


@dataclass
class Summary:
    added: list[Outcome]
    present: list[Outcome]
    repeated: list[Outcome]
    refused: list[Outcome]
    over: list[Outcome]

    @classmethod
    def of(cls, outcomes: list[Outcome]) -> Summary:
        def having(status: Status) -> list[Outcome]:
            return [o for o in outcomes if o.status == status]

        return cls(
            having("added"),
            having("present"),
            having("repeated"),
            having("refused"),
            having("over"),
        )

    @property
    def missing(self) -> int:
        """How many of the names added do not exist in the DNS (NXDOMAIN)."""
        return sum(1 for o in self.added if o.missing)

    @property
    def unknown(self) -> int:
        """How many of the names added the lookup could not tell of (existence.Lookup)."""
        return sum(1 for o in self.added if o.unknown)

    @property
    def refused_lines(self) -> str:
        """The lines the refused entries are on, as the result's summary says them: "line 3",
        "lines 3, 7 and 9"; the first ten, and how many more."""
        lines = sorted({o.line for o in self.refused})
        shown = [str(n) for n in lines[:10]]
        if len(lines) > 10:
            shown.append(f"{len(lines) - 10} more")
        if len(shown) == 1:
            return f"line {shown[0]}"
        return f"lines {', '.join(shown[:-1])} and {shown[-1]}"

    @property
    def refused_texts(self) -> str:
        """What the refused entries read, after their lines in the summary (a line number
        alone sends people back to their paste to find it): '“acme corp”', '“a”, “b” and
        2 more'; the first ten, each cut at REFUSED_TEXT_LENGTH with invisible characters
        shown escaped (quoted). The template escapes the HTML."""
        said = [f"“{quoted(o.typed, REFUSED_TEXT_LENGTH)}”" for o in self.refused[:10]]
        if len(self.refused) > 10:
            said.append(f"{len(self.refused) - 10} more")
        if len(said) == 1:
            return said[0]
        return f"{', '.join(said[:-1])} and {said[-1]}"

    @property
    def present_unverified(self) -> int:
        """How many names pasted are in the team already and not verified: their records
        are not in this page's block (zone_lines), which gives the added ones'."""
        return sum(1 for o in self.present if o.domain is not None and not o.domain.is_verified)

    @property
    def over_names(self) -> str:
        """The names not added for the team's limits, one a line, as the form takes them
        again."""
        return "\n".join(o.display_name for o in self.over)

    @property
    def zone_lines(self) -> str:
        """Every challenge record to publish, in zone-file form, one a line: one copy for a
        DNS panel or a script that takes many records at once. Not those of names the DNS
        answered NXDOMAIN for: no zone holds them, so nobody can publish them (a zone import
        would refuse them, or put them in a zone that is not the name's); missing_names lists
        those apart. A name that could not be looked up may well exist: its record stays."""
        return "\n".join(
            f'{o.domain.challenge_name}. 3600 IN TXT "{o.domain.challenge_value}"'
            for o in self.added
            if o.domain is not None and not o.missing
        )

    @property
    def missing_names(self) -> list[str]:
        """The names added that do not exist in the DNS, as the page shows them, in the order
        pasted: beside the block of records, to check their spelling."""
        return [o.display_name for o in self.added if o.missing]
