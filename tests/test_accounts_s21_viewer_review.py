"""The viewer role's review (after 4af5119): Check now pressed by someone made a viewer while
the page was open, Add pressed on another team's page by a viewer of the current one, the
words a viewer reads where a member is told to do something, the teammate who inherits a team
being told, and Team.invite refusing a role nobody is invited to."""

from __future__ import annotations

import html
import re

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from mailsec.accounts.models import Membership, Profile, Team
from mailsec.domains.models import CheckRun, Domain
from tests.conftest import BaseTestCase
from tests.test_hosting import HostingCase, fake_dns
from tests.test_hosting_s19o_start import LIVE, SERVED, ZONE, engine_findings, store_run

LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
Role = Membership.Role


def text_of(page: str) -> str:
    """The page as it reads: tags gone, entities decoded, spaces single."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", page)).split())


@override_settings(CACHES=LOCMEM)
class ViewerReviewCase(BaseTestCase):
    """vera is a viewer of alice's team and owns a team of her own."""

    vera: User
    veras_team: Team
    domain: Domain

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.vera = User.objects.create_user("vera", "vera@example.org")
        cls.veras_team = Team.create_for(cls.vera)
        Membership.objects.create(team=cls.team, user=cls.vera, role=Role.VIEWER)
        Profile.objects.create(user=cls.vera, current_team=cls.team)
        now = timezone.now()
        cls.domain = Domain.objects.create(team=cls.team, name="acme.test", verified_at=now)
        run = CheckRun.objects.create(
            domain=cls.domain,
            status=CheckRun.Status.DONE,
            score=80,
            score_version=1,
            mechanisms={"mx": "pass"},
            findings=[{"id": "MX-01", "status": "pass", "mechanism": "mx", "summary": "ok"}],
            finished=now,
        )
        cls.domain.set_last_run(run)

    def setUp(self) -> None:
        super().setUp()
        cache.clear()


class CheckNowTestCase(ViewerReviewCase):
    def test_htmx_check_now_by_a_viewer_says_why_in_the_progress_slot(self) -> None:
        # htmx 2 swaps no 4xx answer: a 403 left the button dead, saying nothing.
        self.client.force_login(self.vera)
        url = reverse("domains:check", args=[self.domain.code])
        with self.captureOnCommitCallbacks() as queued:
            r = self.client.post(url, HTTP_HX_REQUEST="true")
        self.assertEqual(r.status_code, 200)
        self.assertContains(r, 'id="progress"')
        self.assertContains(r, "read-only access to this team")
        self.assertNotContains(r, "<html")
        self.assertEqual(queued, [])
        self.assertEqual(self.domain.runs.count(), 1)
        # Without htmx (a plain form post), the 403 page as before.
        r = self.client.post(url)
        self.assertContains(r, "read-only access to this team", status_code=403)
        self.assertEqual(self.domain.runs.count(), 1)

    def test_a_member_made_a_viewer_after_loading_the_page(self) -> None:
        self.client.force_login(self.bob)
        page = self.client.get(reverse("domains:details", args=[self.domain.code]))
        url = reverse("domains:check", args=[self.domain.code])
        self.assertContains(page, f'hx-post="{url}"')
        Membership.objects.filter(team=self.team, user=self.bob).update(role=Role.VIEWER)
        r = self.client.post(url, HTTP_HX_REQUEST="true")
        self.assertContains(r, "read-only access to this team")
        self.assertEqual(self.domain.runs.count(), 1)


class AddAfterSwitchingTestCase(ViewerReviewCase):
    """vera loaded her own team's list, then switched to alice's (a viewer there) in another
    tab, then pressed Add on the first tab."""

    def test_add_says_the_team_changed_not_read_only(self) -> None:
        self.client.force_login(self.vera)
        posted = {"name": "mine.test", "team": str(self.veras_team.code)}
        r = self.client.post(reverse("domains:add"), posted)
        self.assertEqual(r.status_code, 400)
        said = text_of(r.content.decode())
        self.assertIn(
            f"Your current team changed since this page was loaded: it is now {self.team.name}",
            said,
        )
        self.assertIn("Nothing was added.", said)
        self.assertNotIn("Add again to add to", said)  # she may not
        self.assertFalse(Domain.objects.filter(name="mine.test").exists())

    def test_add_many_says_the_team_changed_not_read_only(self) -> None:
        self.client.force_login(self.vera)
        posted = {"names": "mine.test\nother.test", "team": str(self.veras_team.code)}
        r = self.client.post(reverse("domains:add_many"), posted)
        self.assertEqual(r.status_code, 400)
        said = text_of(r.content.decode())
        self.assertIn("Your current team changed since this page was loaded", said)
        self.assertFalse(Domain.objects.filter(name__in=["mine.test", "other.test"]).exists())

    def test_a_viewer_posting_for_the_current_team_is_still_refused(self) -> None:
        self.client.force_login(self.vera)
        for name, data in (
            ("domains:add", {"name": "new.test", "team": str(self.team.code)}),
            ("domains:add", {"name": "new.test"}),
            ("domains:add_many", {"names": "new.test", "team": str(self.team.code)}),
            ("domains:add_many", {"names": "new.test"}),
        ):
            with self.subTest(name=name, data=data):
                r = self.client.post(reverse(name), data)
                self.assertContains(r, "read-only access to this team", status_code=403)
        self.assertFalse(Domain.objects.filter(name="new.test").exists())


class ViewerWordsTestCase(ViewerReviewCase):
    def test_an_empty_list_tells_only_editors_to_add_one(self) -> None:
        Domain.objects.all().delete()
        self.client.force_login(self.vera)
        said = text_of(self.client.get(reverse("domains:index")).content.decode())
        self.assertIn("No domains yet. Ask a member of the team to add one", said)
        self.assertNotIn("Add one above", said)
        # The list is cached for the team: alice, after vera, is told to add one.
        self.client.force_login(self.alice)
        said = text_of(self.client.get(reverse("domains:index")).content.decode())
        self.assertIn("No domains yet. Add one above: we'll show you a TXT record", said)
        self.assertNotIn("Ask a member", said)

    def test_the_alerts_page_of_an_empty_team_tells_only_editors_to_add_one(self) -> None:
        Domain.objects.all().delete()
        self.client.force_login(self.vera)
        r = self.client.get(reverse("alerts:settings"))
        self.assertNotContains(r, ">Add one</a>")
        self.assertContains(r, "Ask a member of the team to add one.")
        self.client.force_login(self.bob)
        self.assertContains(self.client.get(reverse("alerts:settings")), ">Add one</a>")

    def test_an_unverified_domain_does_not_tell_a_viewer_to_press_verify(self) -> None:
        other = Domain.objects.create(
            team=self.team, name="other.test", control_lost_at=timezone.now()
        )
        url = reverse("domains:details", args=[other.code])
        self.client.force_login(self.vera)
        said = text_of(self.client.get(url).content.decode())
        self.assertNotIn("press Verify", said)
        self.assertIn("then a member of the team verifies it", said)
        self.assertIn("ask a member of the team to publish the record again", said)
        self.client.force_login(self.bob)
        said = text_of(self.client.get(url).content.decode())
        self.assertIn("Publish this TXT record in the domain's DNS, then press Verify.", said)
        self.assertIn("publish the record again and press Verify.", said)

    def test_the_hosting_page_of_an_unverified_domain(self) -> None:
        other = Domain.objects.create(team=self.team, name="other.test")
        url = reverse("hosting:page", args=[other.code])
        self.client.force_login(self.vera)
        said = text_of(self.client.get(url).content.decode())
        self.assertNotIn("Verify other.test first", said)
        self.assertIn("Ask a member of the team to verify it.", said)
        self.client.force_login(self.bob)
        self.assertContains(self.client.get(url), "Verify other.test first")


@override_settings(CACHES=LOCMEM)
class HostingStartWordsTestCase(HostingCase):
    def test_a_policy_the_check_could_not_read(self) -> None:
        store_run(self.domain, engine_findings(ZONE, SERVED, error_kind="timeout"), [])
        url = reverse("hosting:page", args=[self.domain.code])
        Membership.objects.filter(team=self.team, user=self.bob).update(role=Role.VIEWER)
        self.client.force_login(self.bob)
        with fake_dns(LIVE):
            page = self.client.get(url).content.decode()
        self.assertIn('id="starting-unread"', page)
        said = text_of(page)
        self.assertNotIn("run a check first, or choose enforce under Settings", said)
        self.assertIn("a member of the team can run a check first", said)
        self.client.force_login(self.alice)
        with fake_dns(LIVE):
            said = text_of(self.client.get(url).content.decode())
        self.assertIn("run a check first, or choose enforce under Settings", said)


class InheritedTeamTestCase(ViewerReviewCase):
    def test_a_viewer_who_inherits_the_team_is_told(self) -> None:
        Membership.objects.filter(team=self.team, user=self.bob).delete()
        mail.outbox.clear()
        with self.captureOnCommitCallbacks(execute=True):
            self.alice.delete()
        self.assertEqual(self.team.role_of(self.vera), Role.OWNER)
        [message] = mail.outbox
        self.assertEqual(message.to, ["vera@example.org"])
        self.assertEqual(message.subject, f"You now own {self.team.name} on mailsec")
        body = " ".join(message.body.split())
        self.assertIn("The account of alice@example.org, who owned the team", body)
        self.assertIn("no member with an active account was left", body)
        self.assertIn("Until now you could only look at the team (read-only).", body)
        self.assertIn("create and revoke its API keys", body)
        self.assertIn(reverse("accounts:account"), body)
        html_body = message.alternatives[0][0]  # type: ignore[index]
        self.assertIn("no member with an active account was left", " ".join(html_body.split()))

    def test_a_member_who_inherits_the_team_is_told(self) -> None:
        mail.outbox.clear()
        with self.captureOnCommitCallbacks(execute=True):
            self.alice.delete()
        self.assertEqual(self.team.role_of(self.bob), Role.OWNER)
        self.assertEqual(self.team.role_of(self.vera), Role.VIEWER)
        [message] = mail.outbox
        self.assertEqual(message.to, ["bob@example.org"])
        body = " ".join(message.body.split())
        self.assertIn("you joined it first of its members with an active account", body)
        self.assertNotIn("read-only", body)

    def test_nobody_is_told_when_the_deletion_is_undone(self) -> None:
        from django.db import transaction

        mail.outbox.clear()
        with self.captureOnCommitCallbacks(execute=True) as callbacks:
            try:
                with transaction.atomic():
                    self.alice.delete()
                    raise RuntimeError("undone")
            except RuntimeError:
                pass
        self.assertEqual(callbacks, [])
        self.assertEqual(mail.outbox, [])


class InviteRoleTestCase(ViewerReviewCase):
    def test_invite_refuses_a_role_nobody_is_invited_to(self) -> None:
        for role in (Role.OWNER, "owner", "admin", ""):
            with self.subTest(role=role), pytest.raises(ValueError):
                self.team.invite("dana@example.org", self.alice, role)
        self.assertFalse(self.team.invites.exists())
        for role in (Role.MEMBER, Role.VIEWER, "viewer"):
            self.assertEqual(self.team.invite("dana@example.org", self.alice, role).role, role)


class RoleFromTheOwnershipCheckTestCase(ViewerReviewCase):
    """The hosting page (and every view finding a domain through get_domain_or_404) learns the
    person's role from the membership row its ownership check joins: asking can_edit costs no
    query of its own (it was one more query on every such page and POST)."""

    def test_the_hosting_page_asks_no_membership_query_of_its_own(self) -> None:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        for user, editable in ((self.alice, True), (self.vera, False)):
            self.client.force_login(user)
            with CaptureQueriesContext(connection) as ctx:
                r = self.client.get(reverse("hosting:page", args=[self.domain.code]))
            self.assertEqual(r.status_code, 200)
            # The role's own query: the person's membership row of this team, read again.
            own = [
                q["sql"]
                for q in ctx
                if 'FROM "accounts_membership"' in q["sql"]
                and '"accounts_membership"."team_id" =' in q["sql"]
            ]
            self.assertEqual(own, [], own)
            self.assertEqual("read-only access" in r.content.decode(), not editable)
