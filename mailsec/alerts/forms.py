"""The alerts page's forms: a mode for every domain of a team or for domains added later, the
GET filter of its domain list, and the team's extra alert addresses."""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.db.models import Q, QuerySet

from mailsec.accounts.models import Team
from mailsec.alerts.models import AlertSetting, TeamAlertAddress
from mailsec.domains.models import Domain, display_name


class ModeForm(forms.Form):
    mode = forms.ChoiceField(choices=AlertSetting.Mode.choices)


class TeamAddressForm(forms.Form):
    """An address the team's alerts go to besides its members (the owner adds it)."""

    # 254: the longest address SMTP can carry (RFC 5321 §4.5.3.1.3), and the column's size.
    email = forms.EmailField(
        label="Email address",
        max_length=254,
        error_messages={
            "required": "Enter the address the team's alerts should go to.",
            "invalid": "%(value)s is not an email address we can send to: check it.",
            "max_length": "With %(show_value)d characters, this is not an email address we can "
            "send to (SMTP carries at most %(limit_value)d).",
        },
    )
    mode = forms.ChoiceField(
        label="What it gets", choices=TeamAlertAddress.Mode.choices, initial="immediate"
    )

    def clean_email(self) -> str:
        # One row per address and team, whatever the case it was typed in.
        return str(self.cleaned_data["email"]).lower()


class TeamAddressModeForm(forms.Form):
    mode = forms.ChoiceField(choices=TeamAlertAddress.Mode.choices)


class FilterForm(forms.Form):
    # Part of a name as typed, either spelling of an IDN (the A-label or the name shown).
    q = forms.CharField(label="Name contains", required=False, max_length=253, strip=True)
    mode = forms.ChoiceField(
        label="Emails", required=False, choices=[("", "Any"), *AlertSetting.Mode.choices]
    )

    def choice(self) -> tuple[str, str]:
        """(q, mode) as asked; an invalid filter (a mode not offered) filters nothing."""
        if not self.is_valid():
            return "", ""
        return self.cleaned_data["q"], self.cleaned_data["mode"]

    @property
    def filtered(self) -> bool:
        return any(self.choice())

    def query(self) -> str:
        """The filter's parameters for links to other pages of it, ending with "&" (or "")."""
        q, mode = self.choice()
        params = urlencode({k: v for k, v in (("q", q), ("mode", mode)) if v})
        return params + "&" if params else ""

    def keep(self, domains: QuerySet[Domain], team: Team) -> QuerySet[Domain]:
        """`domains` (annotated with alert_mode, AlertSetting.team_domains) as the filter
        asks, in SQL, so the page can count and page what it keeps."""
        q, mode = self.choice()
        if mode:
            domains = domains.filter(alert_mode=mode)
        if q:
            needle = q.lower()
            # SQL matches the A-label as stored; the name shown of an IDN (bücher for
            # xn--bcher-kva) only Python can decode: the team's IDNs alone are read for it,
            # one query more, a few rows for most teams.
            idns = team.domains.filter(name__contains="xn--").values_list("pk", "name")
            shown = [pk for pk, name in idns if needle in display_name(name).lower()]
            domains = domains.filter(Q(name__contains=needle) | Q(pk__in=shown))
        return domains
