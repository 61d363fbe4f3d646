from __future__ import annotations

import contextlib
import re
from typing import Any

from django import forms

from checks.domainname import (
    DomainNameError,
    organizational_domain,
    quoted,
    to_ascii_domain,
)
from mailsec.domains.models import CHALLENGE_PREFIX

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
