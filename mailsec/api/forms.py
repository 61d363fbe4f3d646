from __future__ import annotations

import unicodedata

from django import forms

from mailsec.api.models import LABEL_MAX


class ApiKeyForm(forms.Form):
    label = forms.CharField(
        label="Label",
        max_length=LABEL_MAX,
        strip=True,
        error_messages={
            "required": "Give the key a label: what uses it (a dashboard, a ticketing script).",
            "max_length": "Use at most %(limit_value)d characters (this has %(show_value)d).",
        },
    )

    def clean_label(self) -> str:
        label: str = self.cleaned_data["label"]
        # Listed on the team page, on one line, as the team name is.
        if any(unicodedata.category(char) == "Cc" for char in label):
            raise forms.ValidationError("Use a label on one line, without control characters.")
        return label
