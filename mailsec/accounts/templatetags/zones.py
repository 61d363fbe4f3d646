"""Saying which time zone a time is in (Profile.time_zone, activated per request by
mailsec.middleware.TimeZoneMiddleware and per recipient while an email is rendered).

A page says a moment with `reader_time` (`{{ when|reader_time }}` in a template): "2 Dec 2026,
07:00 UTC" for someone on UTC (as every page read before time zones) and "2 Dec 2026, 08:00
(Europe/Berlin)" for someone in Berlin: where a time could be read in another zone (a time
someone acts by, a time in an email that a colleague elsewhere reads), the zone is said. One
style on every page (s44a; before, some pages said "2026-12-02 08:00 (Europe/Berlin)") and in
every email (s44h); texts kept as written say UTC in it (utc_time). A time
of day alone ("08:00 UTC", a limit that resets within hours) writes `{% zone_label %}` after
it."""

from __future__ import annotations

from datetime import UTC, datetime

from django import template
from django.utils import dateformat, timezone

register = template.Library()

# How a page writes a moment's date and time (Django's date format): "2 Dec 2026, 08:00".
PAGE_TIME_FORMAT = "j M Y, H:i"


def reader_time(moment: datetime) -> str:
    """The aware `moment` as pages say it: in the active zone, naming it ("2 Dec 2026, 08:00
    (Europe/Berlin)", "2 Dec 2026, 07:00 UTC")."""
    return f"{dateformat.format(timezone.localtime(moment), PAGE_TIME_FORMAT)} {zone_label()}"


def utc_time(moment: datetime) -> str:
    """The aware `moment` in UTC, in the style of reader_time: "2 Dec 2026, 07:05 UTC". For
    texts written when something happened and kept as written (hosting events, an alert's
    text), which every reader, in any zone, reads later on pages and in emails (s44h; before,
    "2026-12-02 07:05 UTC")."""
    return f"{dateformat.format(moment.astimezone(UTC), PAGE_TIME_FORMAT)} UTC"


@register.filter(name="reader_time")
def reader_time_filter(moment: datetime | None) -> str:
    """`reader_time` in a template; "" for no moment, as the date filter gives."""
    return reader_time(moment) if moment else ""


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
