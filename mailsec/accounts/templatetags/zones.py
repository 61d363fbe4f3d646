"""Saying which time zone a time is in (Profile.time_zone, activated per request by
mailsec.middleware.TimeZoneMiddleware and per recipient while an email is rendered).

`{{ when|date:"j M Y, H:i" }} {% zone_label %}` reads "2 Dec 2026, 07:00 UTC" for someone on
UTC (as every page read before time zones) and "2 Dec 2026, 08:00 (Europe/Berlin)" for
someone in Berlin: where a time could be read in another zone (a time someone acts by, a
time in an email that a colleague elsewhere reads), the zone is said."""

from __future__ import annotations

from django import template
from django.utils import timezone

register = template.Library()


def zone_label() -> str:
    """The active zone as a label after a time: "UTC", or its IANA name in brackets."""
    name = timezone.get_current_timezone_name()
    return "UTC" if name == "UTC" else f"({name})"


@register.simple_tag(name="zone_label")
def zone_label_tag() -> str:
    return zone_label()


@register.simple_tag
def zone_name() -> str:
    """The active zone's IANA name ("UTC", "Europe/Berlin"), for text that brackets it."""
    return timezone.get_current_timezone_name()
