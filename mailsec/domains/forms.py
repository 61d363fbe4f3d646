from __future__ import annotations

import re

from django import forms

from checks.domainname import DomainNameError, to_ascii_domain

SELECTOR_RE = re.compile(r"^[a-z0-9_-]+(\.[a-z0-9_-]+)*$", re.IGNORECASE)


class AddDomainForm(forms.Form):
    name = forms.CharField(
        label="Domain name",
        max_length=300,
        widget=forms.TextInput(attrs={"placeholder": "example.com", "autocapitalize": "none"}),
    )

    def clean_name(self) -> str:
        from checks.tasks import engine_config

        suffixes = engine_config().extra_public_suffixes
        try:
            return to_ascii_domain(self.cleaned_data["name"], extra_public_suffixes=suffixes)
        except DomainNameError as exc:
            raise forms.ValidationError(str(exc)) from None


class SelectorsForm(forms.Form):
    selectors = forms.CharField(
        label="DKIM selectors",
        required=False,
        max_length=500,
        help_text="Separated by spaces or commas, e.g. google selector1 s2048.",
    )

    def clean_selectors(self) -> str:
        parts = [p for p in re.split(r"[\s,]+", self.cleaned_data["selectors"].lower()) if p]
        for part in parts:
            if not SELECTOR_RE.match(part) or len(part) > 63:
                raise forms.ValidationError(f"{part!r} is not a valid DKIM selector.")
        return " ".join(dict.fromkeys(parts))
