from __future__ import annotations

import contextlib
import re
import unicodedata
from functools import cached_property
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.db import models
from django.db.models import Case, F, Q, QuerySet, Value, When
from django.db.models.functions import StrIndex
from django.db.models.lookups import GreaterThan

from checks.cli import host_name_note
from checks.domainname import (
    DomainNameError,
    organizational_domain,
    quoted,
    to_ascii_domain,
)
from mailsec.domains.models import CHALLENGE_PREFIX, Domain, display_name


def host_name_words(name: str, parent: str) -> str:
    """What the Domains page says of a name added that looks like a host of a mail domain
    (www.example.com): the free check's and the CLI's sentence (checks.cli.host_name_note),
    then what to do here. Display names (U-labels) in, the words out."""
    return (
        f"{host_name_note(name, parent)}. Add {parent} here, and remove {name} unless it "
        "receives mail itself."
    )


SELECTOR_RE = re.compile(r"^[a-z0-9_-]+(\.[a-z0-9_-]+)*$", re.IGNORECASE)
# Each selector is looked up at every check, all of them at once (checks.dkim.get_keys): the
# 500 characters of the field held 250 one-letter ones. A domain signs with a few (one per
# sending service); a large one with a dozen.
MAX_SELECTORS = 20


class AddDomainForm(forms.Form):
    name = forms.CharField(
        label="Domain name",
        # Room for a pasted address bar (a URL with a long query string): to_ascii_domain
        # keeps only its host, and limits the name itself.
        max_length=2048,
        widget=forms.TextInput(attrs={"placeholder": "example.com", "autocapitalize": "none"}),
    )

    def clean_name(self) -> str:
        return self.domain_name(self.cleaned_data["name"])

    @property
    def typed_name(self) -> str:
        """What was typed, for the box to give back, with a NUL byte as the HTML parser would
        show it (U+FFFD, WHATWG HTML §13.2.5.36): the page's bytes hold none, and the box still
        shows where the stray character was (the field refuses it: 'Null characters are not
        allowed.')."""
        return str(self["name"].value() or "").replace("\x00", "\ufffd")

    @staticmethod
    def domain_name(text: str) -> str:
        """The A-label name to add for `text`, or ValidationError saying why not."""
        from checks.tasks import engine_config

        config = engine_config()
        try:
            # Special-use names (.local, .test…) can never be verified through the public DNS;
            # a site that checks private targets (the lab) may monitor them all the same.
            name = to_ascii_domain(
                text,
                extra_public_suffixes=config.extra_public_suffixes,
                allow_special_use=config.allow_private_targets,
            )
        except DomainNameError as exc:
            raise forms.ValidationError(str(exc)) from None
        # The challenge record's name must be a DNS name too (253 octets): for a longer one
        # the lookup cannot even be asked, and "try again in a minute" would never end.
        if len(f"{CHALLENGE_PREFIX}.{name}") > 253:
            raise forms.ValidationError(
                f"{name} is too long to be verified: {CHALLENGE_PREFIX}.{name} would be "
                "longer than a DNS name may be (253 characters)."
            )
        return name


# Blanks and one pair of quotes around a name, and its trailing dot: typed, not taken from.
_AROUND = " \t\r\n\"'\u201c\u201d\u2018\u2019\u00ab\u00bb"


# A browser's scheme with no slashes after it, "https:example.com" (s43g).
_SCHEME_COLON = re.compile(r"(?:https?|wss?|ftp):")


def taken_from(typed: str, name: str, shown: str) -> str:
    """What the add's message says the name `name` (shown as `shown`) was taken from, when
    more than the name was typed: "the address you pasted: https://…" for a URL, "the email
    address …" for one, "the link you pasted: [Example](https://…)" for a Markdown link
    (s42d); empty when `typed` is the name itself in other letters, between
    quotes or blanks, or with its trailing dot, which needs no word. A second dot
    ("example.com..", the root's and a sentence's) is a repair to tell of (s41o)."""
    bare = typed.strip(_AROUND).lower().removesuffix(".")
    if bare in (name, shown.lower()):
        return ""
    # Control and invisible format characters (a pasted escape sequence, a bidi override)
    # written as escapes, so the quote cannot garble or reorder the message around it; cut
    # short as every message quoting input is (checks.domainname.quoted).
    piece = quoted(typed.strip())
    if "](" in bare or (bare.startswith("<a") and bare.endswith("</a>")):
        # A Markdown link, "[Example](https://example.com/path)", or an HTML one (s44a): its
        # address gave the name.
        kind = "the link you pasted"
    elif "://" in bare or any(mark in bare for mark in "/?#") or _SCHEME_COLON.match(bare):
        kind = "the address you pasted"
    elif "@" in bare:
        kind = "the email address"
    else:
        kind = "what you typed"
    return f"{kind}: {piece}"


class SelectorsForm(forms.Form):
    selectors = forms.CharField(
        label="DKIM selectors",
        required=False,
        max_length=500,
        help_text="Separated by spaces or commas, e.g. google selector1 s2048.",
    )

    def __init__(self, *args: Any, domain_name: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.domain_name = domain_name

    def clean_selectors(self) -> str:
        parts = [p for p in re.split(r"[\s,]+", self.cleaned_data["selectors"].lower()) if p]
        selectors = list(dict.fromkeys(self._selector(part) for part in parts))
        if len(selectors) > MAX_SELECTORS:
            raise forms.ValidationError(
                f"{len(selectors)} selectors: enter at most {MAX_SELECTORS}, those your mail "
                "services sign with."
            )
        return " ".join(selectors)

    def _selector(self, text: str) -> str:
        """One selector, from what was typed: a provider's instructions show the record name
        (selector1._domainkey, or with the domain after it), which taken as it is would be
        looked up at selector1._domainkey._domainkey.<domain>, never found."""
        labels = text.strip(".").split(".")
        if "_domainkey" in labels:
            at = labels.index("_domainkey")
            rest = ".".join(labels[at + 1 :])
            with contextlib.suppress(DomainNameError):  # not a domain: refused below
                rest = to_ascii_domain(rest) if rest and not rest.isascii() else rest
            # The domain itself, or a subdomain's name as its parent zone's panel shows it
            # (s1._domainkey.mail for mail.example.org).
            ours = not self.domain_name or (
                f"{rest}.{organizational_domain(self.domain_name)}" == self.domain_name
            )
            if rest and rest != self.domain_name and not ours:
                raise forms.ValidationError(
                    f"{text!r} is a DKIM record of {rest}, not of this domain; "
                    "enter the selector only (the part before ._domainkey)."
                )
            labels = labels[:at]
        selector = ".".join(labels)
        # RFC 6376 §3.1: labels of a domain name (letters, digits, hyphens inside; 63 octets
        # at most each). Underscores are let through: DNS has no objection to them and the
        # lookup is harmless. The whole record name must fit in 253 octets.
        full = f"{selector}._domainkey.{self.domain_name or 'x'}"
        if (
            not SELECTOR_RE.match(selector)
            or any(len(label) > 63 or label[0] == "-" or label[-1] == "-" for label in labels)
            or len(full) > 253
        ):
            raise forms.ValidationError(f"{text!r} is not a valid DKIM selector.")
        return selector


def needle(text: str) -> str:
    """`text` to find, as names are compared: NFC (a decomposed ü typed on a Mac still finds
    bücher.de), without case (casefold: STRASSE finds straße), without the trailing dot of a
    fully qualified name. The domain list's filter and the all-domains TLS reports page's."""
    return unicodedata.normalize("NFC", text.strip()).rstrip(".").casefold()


class DomainListForm(forms.Form):
    """What the domain list shows and in which order, as GET parameters (?q=&status=&sort=),
    so a filtered list has a URL to share, to bookmark and to come back to. A value the form
    does not know (an edited URL) counts as its default: the list is shown, never an error.

    It says in SQL which domains the list keeps (where) and what it sorts them by before
    their names (order_key): views._list_html counts and pages them in the database."""

    STATUSES = [
        ("", "All domains"),
        ("failing", "Failing"),
        ("attention", "Needs attention"),
        ("undeployed", "Not deployed"),
        ("error", "Could not check"),
        ("unverified", "Not verified"),
    ]
    SORTS = [
        ("name", "Name"),
        ("score", "Score, worst first"),
        ("checked", "Last checked, longest ago first"),
    ]
    # How each status reads in "3 of 240 domains: failing" and "No domain is failing".
    STATUS_PHRASES = {
        "failing": "failing",
        "attention": "needs attention",
        "undeployed": "with a mechanism not deployed",
        "error": "could not be checked",
        "unverified": "not verified",
    }
    DEFAULTS = {"q": "", "status": "", "sort": "name"}

    q = forms.CharField(
        label="Find",
        required=False,
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "placeholder": "name or part of it",
                "autocapitalize": "none",
                "autocomplete": "off",
                "spellcheck": "false",
            }
        ),
    )
    status = forms.ChoiceField(label="Show", choices=STATUSES, required=False)
    sort = forms.ChoiceField(label="Sort by", choices=SORTS, required=False)

    @cached_property
    def choice(self) -> dict[str, str]:
        """The cleaned values, each field that does not validate at its default."""
        self.is_valid()
        cleaned = getattr(self, "cleaned_data", {})
        return {
            key: (cleaned.get(key) or default) if key not in self.errors else default
            for key, default in self.DEFAULTS.items()
        }

    @property
    def filtered(self) -> bool:
        """Whether some domains may be left out (a text to find or a status)."""
        choice = self.choice
        return bool(choice["q"] or choice["status"])

    @property
    def is_default(self) -> bool:
        """The list as it is without parameters: all domains by name."""
        return self.choice == self.DEFAULTS

    @cached_property
    def needle(self) -> str:
        return needle(self.choice["q"])

    def query(self, **changes: str) -> str:
        """The parameters other than their defaults as a query string, ending with "&" when
        there are any (the pager's links add page=N), with `changes` applied."""
        params = {**self.choice, **changes}
        shown = {k: v for k, v in params.items() if v and v != self.DEFAULTS[k]}
        return urlencode(shown) + "&" if shown else ""

    def summary(self) -> str:
        """What the filter keeps, in words: 'failing, with “shop” in the name'."""
        parts = []
        if self.choice["status"]:
            parts.append(self.STATUS_PHRASES[self.choice["status"]])
        if self.choice["q"]:
            # Escaped and cut short as every message quoting input is.
            parts.append(f"with \u201c{quoted(self.choice['q'].strip())}\u201d in the name")
        return ", ".join(parts)

    def where(self, domains: QuerySet[Domain]) -> Q | None:
        """The domains the filter keeps, as SQL's WHERE over `domains` (the team's); None
        when it keeps them all. What each row shows (listing._row, _row.html): the name as
        people read it or its A-label, and the words of the row's status."""
        parts = [part for part in (self._name_where(domains), self._status_where()) if part]
        if not parts:
            return None
        return parts[0] & parts[1] if len(parts) == 2 else parts[0]

    def _name_where(self, domains: QuerySet[Domain]) -> Q | None:
        """The names holding the text to find: the A-label (instr/strpos, which compare
        case and every character as Python's `in` does, where LIKE would ignore ASCII case
        on SQLite and take % and _ for wildcards) or, for an A-label, the name as shown.
        SQL cannot decode an A-label: the team's names that have one are read and decoded
        here (only those: decoding every name would cost a team of a thousand domains 30 ms
        a request), and those found are added by their ids."""
        needle = self.needle
        if not needle:
            return None
        by_name = Q(GreaterThan(StrIndex("name", Value(needle)), 0))
        idns = domains.filter(GreaterThan(StrIndex("name", Value("xn--")), 0)).exclude(by_name)
        shown = [
            pk
            for pk, name in idns.values_list("pk", "name")
            if needle in display_name(name).casefold()
        ]
        return by_name | Q(pk__in=shown) if shown else by_name

    def _status_where(self) -> Q | None:
        status = self.choice["status"]
        return STATUS_WHERE[status] if status else None

    def order_key(self) -> Case | None:
        """What the list is sorted by before the name, as SQL (None for the name alone):
        the score the row shows as a number, or when the last run shown finished. By score,
        the rows without a number come after every score in groups (SCORE_SORT_AFTER); by
        the last check, domains never checked (or a deleted run) have NULL, sorted last.
        Equal keys are sorted by name naturally, which SQL cannot (name_sort_key)."""
        sort = self.choice["sort"]
        if sort == "score":
            return Case(
                When(NOT_CHECKED, then=Value(SCORE_SORT_AFTER["not checked yet"])),
                When(Q(last_worst__no_mail=True), then=Value(SCORE_SORT_AFTER["no mail"])),
                When(
                    Q(last_score__isnull=True) | Q(last_worst__coverage__enough=False),
                    then=Value(SCORE_SORT_AFTER["no score"]),
                ),
                default=F("last_score"),
                output_field=models.PositiveSmallIntegerField(),
            )
        if sort == "checked":
            return Case(
                When(NOT_CHECKED, then=Value(None)),
                default=F("last_checked_at"),
                output_field=models.DateTimeField(),
            )
        return None


# Sorted by score, worst first, the rows showing no number come after every score (0-100), in
# this order (task s38q; before, one group by name): a check that could not score the domain
# (n/a could not be checked, n/a not enough checked, does not exist), something to look at;
# then the domains not checked yet (not verified, or waiting for their first check); last a
# null MX's "n/a receives no mail", a real result with nothing to do.
SCORE_SORT_AFTER = {"no score": 101, "not checked yet": 102, "no mail": 103}

# A domain whose last run shown is gone (deleted in the admin: SET_NULL) or never finished
# reads "not checked" on its row (listing._row): no score, no verdict, no time.
NOT_CHECKED = Q(last_run__isnull=True) | Q(last_checked_at__isnull=True)
CHECKED = ~NOT_CHECKED
# The statuses of DomainListForm.STATUSES as the row shows them (_row.html): its worst
# finding's verdict (Failing, Needs attention, Could not check), "Not deployed" (the
# mechanisms the score counts as missing, each costing points, whatever the worst finding
# is: no MTA-STS is 20 points and no finding worse than a note), "last check failed",
# "could not be checked" for a score no check could make, "not verified". last_worst holds
# True for none_checked and no_mail when set, and not_deployed only when something is
# (models.row_worst).
STATUS_WHERE = {
    "failing": CHECKED & Q(last_worst__status="fail"),
    "attention": CHECKED & Q(last_worst__status="warn"),
    "undeployed": CHECKED & Q(last_worst__has_key="not_deployed"),
    "error": (CHECKED & (Q(last_worst__status="error") | Q(last_worst__none_checked=True)))
    | Q(last_failed_at__isnull=False),
    "unverified": Q(verified_at__isnull=True),
}
