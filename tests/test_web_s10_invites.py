"""Invitations nobody accepted are deleted once expired, and the team page's list is bounded."""

from __future__ import annotations

import re
from datetime import timedelta

from django.conf import settings
from django.test import override_settings
from django.utils import timezone

from mailsec.accounts import views
from mailsec.accounts.models import INVITE_VALIDITY, Invite
from mailsec.celery import app
from tests.conftest import BaseTestCase

LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


def listed(page: str) -> list[str]:
    """The addresses in the team page's "Waiting for an answer" list."""
    waiting = page.split("Waiting for an answer", 1)[1] if "Waiting for an answer" in page else ""
    return re.findall(r"<li><span>([^ <]+@[^ <]+) ", waiting)


class PruneTestCase(BaseTestCase):
    def test_the_periodic_task_deletes_expired_unaccepted_invitations_only(self) -> None:
        from mailsec.accounts.tasks import prune_invites

        now = timezone.now()
        expired = self.team.invite("old@example.org", self.alice)
        Invite.objects.filter(pk=expired.pk).update(created=now - INVITE_VALIDITY - timedelta(1))
        open_ = self.team.invite("open@example.org", self.alice)
        Invite.objects.filter(pk=open_.pk).update(created=now - INVITE_VALIDITY + timedelta(1))
        accepted = self.team.invite("charlie@example.org", self.alice)
        accepted.accept(self.charlie)  # kept: its link, followed again, says "You are in"
        Invite.objects.filter(pk=accepted.pk).update(created=now - timedelta(days=30))
        self.assertEqual(prune_invites(), 1)
        left = set(Invite.objects.values_list("email", flat=True))
        self.assertEqual(left, {"open@example.org", "charlie@example.org"})

    def test_beat_runs_it(self) -> None:
        app.loader.import_default_modules()
        tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
        self.assertIn("mailsec.accounts.tasks.prune_invites", tasks)
        self.assertIn("mailsec.accounts.tasks.prune_invites", app.tasks)


@override_settings(CACHES=LOCMEM)
class TeamPageTestCase(BaseTestCase):
    def test_the_list_shows_open_invitations_only_and_a_bounded_number(self) -> None:
        now = timezone.now()
        Invite.objects.bulk_create(
            Invite(team=self.team, email=f"p{i}@example.org", created=now - timedelta(minutes=i))
            for i in range(views.INVITES_LISTED + 7)
        )
        gone = Invite.objects.create(
            team=self.team, email="gone@example.org", created=now - INVITE_VALIDITY - timedelta(1)
        )
        self.client.force_login(self.alice)
        page = self.client.get("/team/").content.decode()
        shown = listed(page)
        self.assertEqual(shown, [f"p{i}@example.org" for i in range(views.INVITES_LISTED)])
        self.assertNotIn(gone.email, page)
        self.assertIn("And 7 more, sent earlier.", page)

    def test_a_team_has_a_bounded_number_of_open_invitations(self) -> None:
        now = timezone.now()
        Invite.objects.bulk_create(
            Invite(team=self.team, email=f"p{i}@example.org", created=now)
            for i in range(views.MAX_OPEN_INVITES)
        )
        # Expired ones do not count.
        Invite.objects.create(
            team=self.team, email="gone@example.org", created=now - INVITE_VALIDITY - timedelta(1)
        )
        self.client.force_login(self.alice)
        r = self.client.post("/team/invite/", {"email": "new@example.org"}, follow=True)
        self.assertContains(r, f"{views.MAX_OPEN_INVITES} invitations waiting for an answer")
        self.assertFalse(Invite.objects.filter(email="new@example.org").exists())
        # Sending one of them again (a lost mail) is still possible: no new invitation.
        r = self.client.post("/team/invite/", {"email": "p3@example.org"}, follow=True)
        self.assertContains(r, "Invitation sent to p3@example.org.")
        # As is a new one once one is withdrawn.
        Invite.objects.filter(email="p0@example.org").delete()
        r = self.client.post("/team/invite/", {"email": "new@example.org"}, follow=True)
        self.assertContains(r, "Invitation sent to new@example.org.")
