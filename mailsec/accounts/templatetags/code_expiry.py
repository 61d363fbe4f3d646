"""How long an emailed code stays good, in words, for the code pages (templates/account/
*code*.html): "3 minutes", read from the allauth setting of the flow the page belongs to, so
the page says what the setting says (and what the email says: mailsec.accounts.adapter)."""

from __future__ import annotations

from collections.abc import Callable

from allauth.account import app_settings
from django import template

register = template.Library()

# Each code page's flow and the allauth setting its code expires by (allauth's flows in
# allauth.account.internal.flows: confirming it's you by code uses the sign-in code's timer).
LIFETIMES: dict[str, Callable[[], int]] = {
    "login": lambda: app_settings.LOGIN_BY_CODE_TIMEOUT,
    "reauthentication": lambda: app_settings.LOGIN_BY_CODE_TIMEOUT,
    "email_verification": lambda: app_settings.EMAIL_VERIFICATION_BY_CODE_TIMEOUT,
    "password_reset": lambda: app_settings.PASSWORD_RESET_BY_CODE_TIMEOUT,
}


def _count(n: int, unit: str) -> str:
    return f"{n} {unit}" if n == 1 else f"{n} {unit}s"


def duration_words(seconds: int) -> str:
    """ "3 minutes", "1 minute", "2 hours", "45 seconds": whole minutes rounded down (as the
    emails count them), so the page never promises more time than the code has."""
    seconds = max(0, int(seconds))
    if seconds < 60:
        return _count(seconds, "second")
    minutes = seconds // 60
    if minutes % 60 == 0:
        return _count(minutes // 60, "hour")
    return _count(minutes, "minute")


@register.simple_tag
def code_lifetime(flow: str) -> str:
    """{% code_lifetime "login" %} → "3 minutes". An unknown flow is an error, not a guess."""
    return duration_words(LIFETIMES[flow]())
