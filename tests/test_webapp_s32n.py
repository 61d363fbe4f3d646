"""s32n: small webapp follow-ups of s32w.

1. The weekly summary left out the trend beside a score without saying why, where the list
   says it (s32w keeps the reason on the row: Domain.last_worst["no_trend"]). It now says
   why, briefly: the categories that could not be checked differ from a week before, or the
   rubric changed. The first week says nothing, as the list's cell says nothing (6243dda):
   every domain of a new team would say it, and an email has no title to hold it.
2. A check started by Check now (or the first check a Verify press starts) did not move the
   next check on, so a domain never checked read "its first check starts within a minute"
   while that check was queued or running; it now reads "under way" from the press.
3. The email that the background lookup verified a domain is still not tried again when the
   mail server is down: the claim that keeps it to once is the domain's, the email a
   person's (docs/webapp.md). A test pins what holds.
"""

from __future__ import annotations

import re

from django.core import mail
from django.test import override_settings
from django.utils import timezone

from mailsec.alerts import weekly
from mailsec.alerts.models import Notification
from mailsec.alerts.tasks import send_notification
from mailsec.domains.models import CheckRun, Domain
from tests.conftest import BaseTestCase
from tests.pages import words
from tests.test_webapp_s32w import run_of, starttls_not_checked


@override_settings(ALERT_DIGEST_HOUR=7)
class WeeklySaysWhyThereIsNoTrendTestCase(BaseTestCase):
    def setUp(self) -> None:
        self.domain = Domain.objects.create(team=self.team, name="shop.example.com")

    def score_line(self) -> tuple[str, str]:
        """The "Score:" line of alice's weekly summary, as text and as the HTML's words."""
        mail.outbox.clear()
        Notification.objects.filter(kind="weekly").delete()
        n = weekly.make(self.alice, timezone.now())
        assert n is not None
        send_notification.apply(args=[str(n.code)])
        [message] = mail.outbox
        text = re.search(r"^  Score: .*$", message.body, re.M)
        html = re.search(r"<li>Score: .*?</li>", message.alternatives[0][0], re.S)
        assert text and html
        return text.group(0).strip(), words(html.group(0))

    def assert_ends(self, ending: str) -> None:
        for line in self.score_line():
            self.assertTrue(line.endswith(ending), line)

    def test_a_partial_score_after_a_whole_one_says_why(self) -> None:
        run_of(self.domain, 8)
        run_of(self.domain, 0, starttls_not_checked)
        self.assert_ends(
            "(partial: STARTTLS on the MX hosts could not be checked; "
            "no trend: everything was checked a week before)"
        )

    def test_a_whole_score_after_a_partial_one_says_why(self) -> None:
        run_of(self.domain, 8, starttls_not_checked)
        run_of(self.domain, 0)
        self.domain.refresh_from_db()
        self.assert_ends(
            f"{self.domain.last_score}/100 (no trend: STARTTLS on the MX hosts could not be "
            "checked a week before)"
        )

    def test_a_new_rubric_says_so(self) -> None:
        old = run_of(self.domain, 8)
        CheckRun.objects.filter(pk=old.pk).update(score_version=old.score_version - 1)
        run_of(self.domain, 0)
        self.assert_ends("/100 (no trend: the score's rubric changed since a week before)")

    def test_the_first_week_says_nothing_as_the_list(self) -> None:
        run_of(self.domain, 0)
        self.domain.refresh_from_db()
        for line in self.score_line():
            self.assertEqual(line, f"Score: {self.domain.last_score}/100")

    def test_a_comparable_score_shows_its_trend(self) -> None:
        run_of(self.domain, 8, starttls_not_checked)
        run_of(self.domain, 0, starttls_not_checked)
        self.assert_ends(") (unchanged since last week)")


def worst_cell(page: str, name: str) -> str:
    row = page.split(f">{name}</a>", 1)[1].split("</tr>", 1)[0]
    return row.split('data-label="Worst finding">', 1)[1].split("</td>", 1)[0]


class CheckNowMovesTheNextCheckOnTestCase(BaseTestCase):
    """A domain verified and never checked, its first check due (next_check_at now): the list
    said "starts within a minute" until the beat claimed it, even with a check already started
    by Check now; the list is read from the row alone (no query of the runs)."""

    def setUp(self) -> None:
        self.client.force_login(self.alice)
        now = timezone.now()
        self.domain = Domain.objects.create(
            team=self.team, name="new.example.com", verified_at=now, next_check_at=now
        )

    def cell(self) -> str:
        return worst_cell(self.client.get("/domains/").content.decode(), "new.example.com")

    def test_check_now_reads_as_under_way_at_once(self) -> None:
        self.assertIn(
            "first check is queued: it starts when a checker is free", self.cell()
        )  # the list is cached
        response = self.client.post(f"/domains/{self.domain.code}/check/")
        self.assertEqual(response.status_code, 302)
        [run] = CheckRun.objects.filter(domain=self.domain)
        self.assertEqual(run.status, CheckRun.Status.PENDING)
        self.assertIn("first check is under way", self.cell())

    def test_the_beat_joining_the_started_check_keeps_it_under_way(self) -> None:
        from mailsec.domains.tasks import tick

        self.client.post(f"/domains/{self.domain.code}/check/")
        self.assertEqual(tick.apply().get(), 0)  # nothing due: no second run
        self.assertEqual(CheckRun.objects.filter(domain=self.domain).count(), 1)
        self.assertIn("first check is under way", self.cell())

    def test_a_finished_check_still_moves_it_from_its_end(self) -> None:
        self.client.post(f"/domains/{self.domain.code}/check/")
        [run] = CheckRun.objects.filter(domain=self.domain)
        assert run.claim()
        run.finish(None, "The check could not be completed (TimeoutError).")
        self.domain.refresh_from_db()
        run.refresh_from_db()
        assert run.finished is not None and self.domain.next_check_at is not None
        self.assertGreater(self.domain.next_check_at, run.finished)
        self.assertIn("first check could not be completed; the next is due at", self.cell())


def closed_port() -> int:
    """A loopback port nothing listens on: connecting to it is refused at once."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class VerifiedEmailWithTheMailServerDownTestCase(BaseTestCase):
    """Item 3, decided against: the email that the background lookup verified a domain is not
    tried again when the mail server is down (docs/webapp.md says why). What holds: the
    domain is verified and checked, the failure is logged, and nobody is told later, so
    nobody can be told twice."""

    def test_it_is_logged_and_never_sent_later(self) -> None:
        from mailsec.domains.notices import tell_verified
        from mailsec.domains.tasks import verify_pending
        from tests.test_domains import stub_dns

        shop = Domain.objects.create(team=self.team, name="shop.example.com")
        down = {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": closed_port(),
            "EMAIL_TIMEOUT": 2,
        }
        with (
            stub_dns({shop.challenge_name: [shop.challenge_value]}),
            override_settings(**down),
            self.assertLogs("mailsec.domains.notices", "ERROR") as logged,
        ):
            self.assertEqual(verify_pending(), 1)
        self.assertEqual(len(logged.records), 2)  # alice and bob, each once
        shop.refresh_from_db()
        self.assertIsNotNone(shop.verified_at)
        self.assertIsNotNone(shop.verified_told_at)
        self.assertIsNotNone(shop.next_check_at)
        # The mail server is back: a later run, or the same domains told again, send nothing.
        self.assertEqual(tell_verified([shop]), 0)
        self.assertEqual(mail.outbox, [])
