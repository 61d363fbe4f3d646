"""Task s44h, item 1: an email says a moment in the style pages say it (s44a, reader_time).

Pages said "2 Dec 2026, 08:05 (Europe/Berlin)" since s44a, but emails, rendered in their
reader's zone too (docs/webapp.md, Time zones), said "2026-12-02 08:05 (Europe/Berlin)" (a
domain or team deleted, records to keep, control lost), "2 Dec 2026 08:05 (Europe/Berlin)"
(an alert's "another check at"), "Wed 2 Dec 08:05 CET" (the weekly summary) or "2 December
2026, 08:05 Europe/Berlin" (account notices): a reader saw one style on a page and others in
mail. Every one now goes through reader_time. Texts kept as written (hosting events, an
alert's "our last check (… UTC)"), UTC by design, say it in the same style (utc_time):
"2 Dec 2026, 07:05 UTC", not "2026-12-02 07:05 UTC"."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest
from allauth.mfa.models import Authenticator
from django.contrib.auth.models import User
from django.core import mail
from django.template.loader import render_to_string
from django.test import Client
from django.utils import timezone

from mailsec.accounts.models import Profile
from mailsec.hosting.models import HostedPolicy
from tests.test_accounts_s21_mfa import PASSWORD
from tests.test_accounts_s22_security import TwoFactorOnCase

ROOT = Path(__file__).resolve().parent.parent
WHEN = datetime(2026, 12, 2, 7, 5, tzinfo=UTC)
BERLIN = "2 Dec 2026, 08:05 (Europe/Berlin)"

DELETED = SimpleNamespace(
    display_name="example.org",
    name="example.org",
    by="alice@example.com",
    team_name="Ops",
    deleted_at=WHEN,
    until=WHEN,
    was_mode="enforce",
    winding_down=False,
    kept=[],
)
WEEK = SimpleNamespace(
    domain=SimpleNamespace(display_name="example.org", last_failed_at=WHEN, last_score=None),
    score_held_over=True,
    late_reports=1,
    late_since=WHEN,
)


@pytest.mark.parametrize(
    ("template", "ctx", "said"),
    [
        ("emails/domain-deleted-subject.html", {"n": DELETED}, f"records until {BERLIN}"),
        ("emails/domain-deleted-body-text.html", {"n": DELETED}, f"on mailsec on {BERLIN}."),
        ("emails/domain-deleted-body-html.html", {"n": DELETED}, f"on mailsec on {BERLIN}."),
        ("emails/records-to-keep-text.html", {"n": DELETED}, f"published until {BERLIN}:"),
        ("emails/records-to-keep-html.html", {"n": DELETED}, f"<strong>{BERLIN}</strong>"),
        ("emails/team-deleted-body-text.html", {"kept": [DELETED]}, f"records until {BERLIN}"),
        ("emails/team-deleted-body-html.html", {"kept": [DELETED]}, f"records until {BERLIN}"),
        (
            "emails/control-lost-body-text.html",
            {"domain": SimpleNamespace(display_name="example.org"), "proved": WHEN},
            f"proved control of example.org on {BERLIN}.",
        ),
        (
            "emails/control-lost-body-html.html",
            {"domain": SimpleNamespace(display_name="example.org"), "hosting_until": WHEN},
            f"in mode none until {BERLIN}, so",
        ),
        ("emails/weekly_body.txt", {"weeks": [WEEK]}, f"could not complete ({BERLIN})"),
        ("emails/weekly_body.html", {"weeks": [WEEK]}, f"arrived since {BERLIN},"),
        ("account/email/base_notification.txt", {"timestamp": WHEN}, f"When: {BERLIN}\n"),
        ("mfa/email/removed_by_operator_message.txt", {"timestamp": WHEN}, f"When: {BERLIN}\n"),
    ],
)
def test_an_email_says_a_moment_as_pages_do(template: str, ctx: dict, said: str) -> None:
    with timezone.override("Europe/Berlin"):
        text = render_to_string(template, ctx)
    assert said in text, text


def test_an_alerts_confirming_check_is_said_as_pages_do() -> None:
    from mailsec.alerts.emails import confirmation

    # Two changes first seen at different times: the confirming check's own time says it.
    run = SimpleNamespace(kind="scheduled", created=WHEN)
    changes = [
        SimpleNamespace(
            kind="check",
            confirmed_at=WHEN,
            confirmed_run=run,
            created=datetime(2026, 12, 2, hour, 0, tzinfo=UTC),
        )
        for hour in (1, 5)
    ]
    with timezone.override("Europe/Berlin"):
        said = confirmation(changes)  # type: ignore[arg-type]
    assert said == f"another check at {BERLIN}"


# An email template writing a moment with the date filter, in a style of its own: only a time
# of day ("08:05 UTC") or a day alone ("Wed 2 Dec", TLS reports' UTC days) is written so.
DATE_FILTER = re.compile(r'\|date:"(?P<format>[^"]*)"')


def test_no_email_template_says_a_moment_in_a_style_of_its_own() -> None:
    emails = [
        p
        for p in (ROOT / "templates").rglob("*")
        if p.is_file() and ("emails" in p.parts or "email" in p.parts)
    ]
    assert len(emails) > 40  # the templates were found
    own = [
        f"{path.relative_to(ROOT)}: {match.group(0)}"
        for path in emails
        for match in DATE_FILTER.finditer(path.read_text())
        # A moment: a date and a time of day together.
        if re.search("[GHgh]", match["format"]) and re.search("[djDFMmnYy]", match["format"])
    ]
    assert own == []


class OperatorRemovesSomeonesTwoFactorTestCase(TwoFactorOnCase):
    """The notice of a two-factor sign-in removed in the admin is sent during the operator's
    request, in the operator's zone: it is said in its reader's."""

    def test_the_notice_says_the_time_in_its_readers_zone(self) -> None:
        Profile.objects.update_or_create(user=self.alice, defaults={"time_zone": "Asia/Tokyo"})
        root = User.objects.create_superuser("root", "root@example.net", PASSWORD)
        admin = Client()
        admin.force_login(root)
        alices = Authenticator.objects.get(user=self.alice, type=Authenticator.Type.TOTP)
        mail.outbox.clear()
        with self.captureOnCommitCallbacks(execute=True):
            admin.post(f"/admin/mfa/authenticator/{alices.pk}/delete/", {"post": "yes"})
        [notice] = [m for m in mail.outbox if m.to == [self.alice.email]]
        self.assertRegex(
            notice.body, r"\nWhen: \d{1,2} [A-Z][a-z]{2} \d{4}, \d\d:\d\d \(Asia/Tokyo\)\n"
        )


# Texts written when something happened and kept as written, emailed as they are and read
# later by anyone in any zone, stay UTC (docs/webapp.md) in the same style:
# "2 Dec 2026, 07:05 UTC", not "2026-12-02 07:05 UTC".
UTC_SAID = "2 Dec 2026, 07:05 UTC"


def test_a_hosting_events_text_says_utc_in_the_same_style() -> None:
    policy = HostedPolicy(name="example.org", mx_failed_since=WHEN)
    with timezone.override("Europe/Berlin"):  # whoever's request or sync wrote it
        said = policy.failing_message()
        again = policy.answering_again_message(WHEN, "mx.example.org", followed=True)
    assert f"has answered since {UTC_SAID}." in said, said
    assert f"(none had since {UTC_SAID}):" in again, again


def test_an_alerts_text_says_our_last_check_in_utc_in_the_same_style() -> None:
    from reports.join import _when

    run = SimpleNamespace(finished=WHEN, created=WHEN)
    with timezone.override("Europe/Berlin"):
        assert _when(run, local=False) == f" ({UTC_SAID})"  # type: ignore[arg-type]
        assert _when(run, local=True) == f", at {BERLIN},"  # type: ignore[arg-type]


# The product's own texts, bar the API's (docs/api.md: for programs), say no moment as
# "2026-12-02 07:05 UTC" any more.
OLD_UTC = re.compile(r":%Y-%m-%d %H:%M\}\s*\"?\s*\"?UTC")


def test_no_product_text_says_a_utc_moment_in_the_old_style() -> None:
    sources = [
        p
        for top in ("mailsec", "reports")
        for p in (ROOT / top).rglob("*.py")
        if "api" not in p.relative_to(ROOT).parts and "migrations" not in p.parts
    ]
    assert len(sources) > 50
    old = [str(p.relative_to(ROOT)) for p in sources if OLD_UTC.search(p.read_text())]
    assert old == []
