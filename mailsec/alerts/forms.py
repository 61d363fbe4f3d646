"""The alerts page's forms: a mode for every domain of a team or for domains added later, and
the GET filter of its domain list."""

from __future__ import annotations

from django import forms

from mailsec.alerts.models import AlertSetting


class ModeForm(forms.Form):
    mode = forms.ChoiceField(choices=AlertSetting.Mode.choices)


class FilterForm(forms.Form):
    # Part of a name as typed, either spelling of an IDN (the A-label or the name shown).
    q = forms.CharField(label="Name contains", required=False, max_length=253, strip=True)
    mode = forms.ChoiceField(
        label="Emails", required=False, choices=[("", "Any"), *AlertSetting.Mode.choices]
    )
