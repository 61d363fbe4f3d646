"""The two-factor code field's errors in the site's words (templates/mfa/_code_field.html)."""

from __future__ import annotations

from django import template
from django.forms import BoundField

from mailsec.accounts.mfa_forms import code_errors_shown

register = template.Library()


@register.filter
def code_errors(field: BoundField) -> list[str]:
    """The errors of a two-factor form's code field as the page says them
    (mailsec.accounts.mfa_forms.code_errors_shown): on allauth's sign-in and confirm-it's-you
    pages, a code just used says to wait for the next one, as our forms say it."""
    return code_errors_shown(field.form, field.name)
