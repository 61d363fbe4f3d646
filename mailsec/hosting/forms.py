from __future__ import annotations

from typing import Any

from django import forms

from checks.tasks import engine_config
from mailsec.hosting import policy as rules
from mailsec.hosting.models import HostedPolicy


class PolicySettingsForm(forms.Form):
    mode = forms.ChoiceField(choices=HostedPolicy.Mode.choices)
    max_age = forms.IntegerField(
        min_value=rules.MIN_MAX_AGE,
        max_value=rules.MAX_MAX_AGE,
        help_text="Seconds senders keep the policy (86400 = a day, 604800 = a week).",
    )
    extra = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Extra mx patterns",
        help_text="One per line, e.g. *.mail.protection.outlook.com. A wildcard covers one label only.",
    )

    def __init__(self, *args: Any, current_mode: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Enforce is reached only through the readiness check (views.enforce): offered here
        # only to a policy already enforced, so saving other settings keeps it.
        choices = HostedPolicy.Mode.choices
        if current_mode != HostedPolicy.Mode.ENFORCE:
            choices = [c for c in choices if c[0] != HostedPolicy.Mode.ENFORCE]
            self.fields[
                "mode"
            ].help_text = "Enforce is switched on below, once the reports show it is safe."
        self.fields["mode"].choices = choices

    def clean_extra(self) -> list[str]:
        out: list[str] = []
        # the lab's own public suffixes count too, as for the domains themselves
        suffixes = engine_config().extra_public_suffixes
        for line in self.cleaned_data["extra"].split():
            try:
                pattern = rules.normalize_pattern(line, suffixes)
            except rules.InvalidPattern as exc:
                raise forms.ValidationError(str(exc)) from None
            if pattern not in out:
                out.append(pattern)
        return out


class SuggestionForm(forms.Form):
    pattern = forms.CharField(max_length=253)
