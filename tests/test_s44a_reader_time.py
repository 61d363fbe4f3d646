"""Task s44a, item 1: one style for a moment in the reader's zone on every page.

Most pages said "2 Dec 2026, 08:05 (Europe/Berlin)" (docs/webapp.md, Time zones), but the
notice of a policy still served for a name (HostedPolicy.still_served_notice), the domain's
delete notice, the page after deleting a team (accounts.views.records_to_keep), the refusal to
host a name another team winds down (hosting.service.contest), the mx-failing notice, the
domain's verification window, a score chart point, a free check's start, TLS reports not
parsed and the alert settings' lists said "2026-12-02 08:05 (Europe/Berlin)": two styles on
one page (the hosting page gave the release as "2 Dec 2026, 08:05" in its card and
"2026-12-02 08:05" in the notice above it). Now one helper says them all
(mailsec.accounts.templatetags.zones.reader_time, the `reader_time` filter in templates).
Emails kept their own style (until s44h, tests/test_s44h_email_times.py), and texts kept as
written stay UTC."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

from django.template import Context, Template
from django.utils import timezone

from mailsec.accounts.templatetags.zones import reader_time
from mailsec.accounts.views import records_to_keep
from mailsec.hosting.models import HostedPolicy

ROOT = Path(__file__).resolve().parent.parent
WHEN = datetime(2026, 12, 2, 7, 5, tzinfo=UTC)
BERLIN = "2 Dec 2026, 08:05 (Europe/Berlin)"


def test_a_moment_is_said_in_the_readers_zone_naming_it() -> None:
    with timezone.override("UTC"):
        assert reader_time(WHEN) == "2 Dec 2026, 07:05 UTC"
    with timezone.override("Europe/Berlin"):
        assert reader_time(WHEN) == BERLIN
    with timezone.override("Pacific/Kiritimati"):  # the next day there
        assert reader_time(WHEN) == "2 Dec 2026, 21:05 (Pacific/Kiritimati)"


def test_templates_say_it_through_the_filter() -> None:
    template = Template("{% load zones %}{{ when|reader_time }}|{{ none|reader_time }}")
    with timezone.override("Europe/Berlin"):
        assert template.render(Context({"when": WHEN, "none": None})) == f"{BERLIN}|"


def test_the_still_served_notice_says_it_as_pages_do() -> None:
    policy = HostedPolicy(name="example.org", release_at=WHEN)
    with timezone.override("Europe/Berlin"):
        notice = policy.still_served_notice
    assert f"(mode: none) until {BERLIN}, so that senders'" in notice, notice


def test_the_page_after_deleting_a_team_says_it_as_pages_do() -> None:
    gone = SimpleNamespace(kept=[SimpleNamespace(name="example.org", until=WHEN)])
    with timezone.override("Europe/Berlin"):
        said = records_to_keep(gone)  # type: ignore[arg-type]
    assert f"at mta-sts.example.org until {BERLIN}, so senders" in said, said


# A page template writing a date before the zone's name by itself, in a style of its own: only
# a time of day ("08:05 UTC", a limit that resets within hours) is written so.
OWN_STYLE = re.compile(r'\|date:"(?P<format>[^"]*)" \}\}\s*\{% zone_label %\}')


def test_no_page_template_says_a_date_in_a_style_of_its_own() -> None:
    pages = [p for p in (ROOT / "templates").rglob("*.html") if "emails" not in p.parts]
    assert len(pages) > 50  # the templates were found
    own = [
        f"{path.relative_to(ROOT)}: {match.group(0)}"
        for path in pages
        for match in OWN_STYLE.finditer(path.read_text())
        if match["format"] not in ("H:i", "H:i:s")
    ]
    assert own == []
