from __future__ import annotations

import contextlib
import re
import unicodedata
from datetime import datetime
from functools import cached_property
from typing import Any
from urllib.parse import urlencode

from django import forms

from checks.domainname import (
    DomainNameError,
    organizational_domain,
    quoted,
    to_ascii_domain,
)
from mailsec.domains.models import CHALLENGE_PREFIX, display_name, name_sort_key

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


def taken_from(typed: str, name: str, shown: str) -> str:
    """What the add's message says the name `name` (shown as `shown`) was taken from, when
    more than the name was typed: "the address you pasted: https://…" for a URL, "the email
    address …" for one; empty when `typed` is the name itself in other letters, between
    quotes or blanks, or with its trailing dot, which needs no word."""
    bare = typed.strip(_AROUND).rstrip(".").lower()
    if bare in (name, shown.lower()):
        return ""
    # Control and invisible format characters (a pasted escape sequence, a bidi override)
    # written as escapes, so the quote cannot garble or reorder the message around it; cut
    # short as every message quoting input is (checks.domainname.quoted).
    piece = quoted(typed.strip())
    if "://" in bare or any(mark in bare for mark in "/?#"):
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


class DomainListForm(forms.Form):
    """What the domain list shows and in which order, as GET parameters (?q=&status=&sort=),
    so a filtered list has a URL to share, to bookmark and to come back to. A value the form
    does not know (an edited URL) counts as its default: the list is shown, never an error.

    It filters and sorts the values the list reads (one query for the team, views._list_html)
    by what each row shows (listing._row): the name as people read it or its A-label, and
    the words of the row's status."""

    STATUSES = [
        ("", "All domains"),
        ("failing", "Failing"),
        ("attention", "Needs attention"),
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
        """The text to find, as names are compared: NFC (a decomposed ü typed on a Mac still
        finds bücher.de), without case (casefold: STRASSE finds straße), without the trailing
        dot of a fully qualified name."""
        text = unicodedata.normalize("NFC", self.choice["q"].strip()).rstrip(".")
        return text.casefold()

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

    def keeps(self, values: dict[str, Any]) -> bool:
        """Whether the domain of these values (those listing._row reads) is shown."""
        needle = self.needle
        if needle:
            name = values["name"]
            # Only an A-label reads otherwise for people; decoding every name would cost a
            # team of a thousand domains 30 ms a request.
            shown = display_name(name).casefold() if "xn--" in name else name
            if needle not in shown and needle not in name:
                return False
        status = self.choice["status"]
        return not status or status in row_statuses(values)

    def sort_key(self, values: dict[str, Any]) -> tuple[Any, ...]:
        """The order of the list: by name naturally (name_sort_key, as the list and the CSV
        sort); by score, lowest first, domains without a score shown after those with one;
        by the last check, longest ago first, domains never checked last. Ties by name."""
        name = name_sort_key(values["name"])
        sort = self.choice["sort"]
        if sort == "score":
            score = shown_score(values)
            return (score is None, score or 0, name)
        if sort == "checked":
            at = checked_at(values)
            return (at is None, at.timestamp() if at else 0.0, name)
        return (name,)


def checked_at(values: dict[str, Any]) -> datetime | None:
    """When the last run shown finished: none when that run was deleted (the list then
    says the domain was not checked, listing._row)."""
    return values["last_checked_at"] if values["last_run_id"] else None


def shown_score(values: dict[str, Any]) -> int | None:
    """The score the row shows as a number: none for n/a (a null MX, or none of the scored
    checks made) and for a domain never checked."""
    if checked_at(values) is None:
        return None
    worst = values["last_worst"] or {}
    if worst.get("no_mail"):
        return None
    score: int | None = values["last_score"]
    return score


def row_statuses(values: dict[str, Any]) -> set[str]:
    """The statuses of DomainListForm.STATUSES the row of these values shows (_row.html):
    its worst finding's verdict (Failing, Needs attention, Could not check), "last check
    failed", "could not be checked" for a score no check could make, "not verified"."""
    found = set()
    worst = (values["last_worst"] or {}) if checked_at(values) else {}
    status = worst.get("status")
    if status == "fail":
        found.add("failing")
    elif status == "warn":
        found.add("attention")
    if status == "error" or worst.get("none_checked") or values["last_failed_at"] is not None:
        found.add("error")
    if values["verified_at"] is None:
        found.add("unverified")
    return found
