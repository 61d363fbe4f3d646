"""s25m: the owner deletes a team (after typing its name), what goes with it, who is told.

alice owns the base team (bob is a member, charlie an outsider). A person always keeps at
least one team: the owner of their only team is told to create another first.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from unittest import mock

from django.core import mail
from django.test import override_settings
from django.urls import reverse

from mailsec.accounts.models import Invite, KeepsOneTeam, Membership, Profile, Team
from mailsec.api.models import ApiKey
from mailsec.domains.models import CheckRun, Domain
from mailsec.hosting.models import HostedPolicy
from reports.models import ReportAddress
from tests.test_hosting import POLICY_URL, ZONE, HostingCase


@contextmanager
def zone() -> Iterator[dict[str, mock.MagicMock]]:
    """Our DNS zone for hosted policies, not reached (the calls are recorded)."""
    from mailsec.hosting.zone import PolicyZone

    with (
        mock.patch.object(PolicyZone, "publish") as publish,
        mock.patch.object(PolicyZone, "withdraw") as withdraw,
    ):
        yield {"publish": publish, "withdraw": withdraw}


@override_settings(**ZONE)
class DeleteTeamTestCase(HostingCase):
    """HostingCase: the base team holds example.org, verified."""

    def setUp(self) -> None:
        super().setUp()
        # alice is in another team (her own), so this one is not her only one.
        self.others, _ = Team.create_named(self.alice, "Other clients")
        self.team.name = "Acme clients"
        self.team.save(update_fields=["name"])
        self.url = reverse("accounts:team_delete", args=[self.team.code])

    def delete(self, name: str | None = None, who: object = None) -> object:
        self.client.force_login(who or self.alice)
        with self.captureOnCommitCallbacks(execute=True), zone():
            return self.client.post(self.url, {"name": self.team.name if name is None else name})

    def test_the_page_says_what_goes_and_who_is_told(self) -> None:
        self.client.force_login(self.alice)
        r = self.client.get(reverse("accounts:team"))
        self.assertContains(r, self.url)  # the team page links to it, for the owner
        r = self.client.get(self.url)
        self.assertContains(r, "Its 1 domain</strong> (1 verified)")
        self.assertContains(r, "TLS reports are kept, not deleted")
        self.assertContains(r, "bob@example.org")
        self.assertContains(r, "emailed that you deleted it")
        self.assertContains(r, f"Type <strong>{self.team.name}</strong> to confirm")

    def test_the_owner_deletes_it_by_typing_its_name(self) -> None:
        other = Domain.objects.create(team=self.team, name="example.net")
        CheckRun.objects.create(domain=self.domain, status="done")
        Invite.objects.create(team=self.team, email="dave@example.org", invited_by=self.alice)
        key, _ = ApiKey.create_for(self.team, "dashboards", self.alice)
        address = ReportAddress.for_domain(self.domain)
        r = self.delete()
        self.assertRedirects(r, reverse("domains:index"), fetch_redirect_response=False)
        assert not Team.objects.filter(pk=self.team.pk).exists()
        assert not Domain.objects.filter(pk__in=[self.domain.pk, other.pk]).exists()
        assert not CheckRun.objects.exists()
        assert not Invite.objects.filter(email="dave@example.org").exists()
        assert not ApiKey.objects.filter(pk=key.pk).exists()
        # Reports kept: the address stays, with nobody's domain and no team to claim it.
        address.refresh_from_db()
        assert address.domain_id is None and address.team_id is None
        # alice is on her other team now; the page says so and who was told.
        r = self.client.get(reverse("domains:index"))
        assert Profile.objects.get(user=self.alice).current_team == self.others
        self.assertContains(r, "You deleted")
        self.assertContains(r, "1 other person was emailed that they no longer have access.")
        # bob is told, by email, once; alice is not (she did it).
        told = [m for m in mail.outbox if "deleted the team" in m.subject]
        assert [m.to for m in told] == [["bob@example.org"]]
        assert "alice@example.org deleted the team" in told[0].subject
        assert "You no longer have access" in told[0].body

    def test_deleting_a_team_that_is_not_the_current_one_keeps_the_current_one(self) -> None:
        # alice's teams: this one, others (her earliest other one), third (her current one).
        third, _ = Team.create_named(self.alice, "Third")
        Profile.objects.filter(user=self.alice).update(current_team=third)
        self.delete()
        assert not Team.objects.filter(pk=self.team.pk).exists()
        self.client.get(reverse("domains:index"))
        assert Profile.objects.get(user=self.alice).current_team == third

    def test_bob_loses_access_and_keeps_a_team(self) -> None:
        self.delete()
        self.client.force_login(self.bob)
        r = self.client.get(reverse("domains:index"))
        assert r.status_code == 200
        self.assertNotContains(r, "example.org</a>")
        # bob was in no other team: he gets one of his own, as at sign-up.
        team = Profile.objects.get(user=self.bob).current_team
        assert team is not None and team.is_owner(self.bob)
        domain_page = reverse("domains:details", args=[self.domain.code])
        assert self.client.get(domain_page).status_code == 404

    def test_a_wrong_name_deletes_nothing(self) -> None:
        for name in ("", "Acme", "Other clients"):
            r = self.delete(name)
            assert r.status_code == 400
            self.assertContains(r, "Type", status_code=400)
        assert Team.objects.filter(pk=self.team.pk).exists()
        assert Domain.objects.filter(pk=self.domain.pk).exists()
        assert not mail.outbox

    def test_the_name_is_read_without_regard_to_case_or_blanks(self) -> None:
        self.delete(f"  {self.team.name.upper()} ")
        assert not Team.objects.filter(pk=self.team.pk).exists()

    def test_only_the_owner_may_and_others_get_404(self) -> None:
        viewer = Membership.objects.create(
            team=self.team, user=self.charlie, role=Membership.Role.VIEWER
        )
        for who in (self.bob, self.charlie):  # a member, a viewer
            self.client.force_login(who)
            assert self.client.get(self.url).status_code == 404
            assert self.delete(who=who).status_code == 404  # type: ignore[attr-defined]
        viewer.delete()
        # an outsider (charlie again, out of the team now)
        assert self.delete(who=self.charlie).status_code == 404  # type: ignore[attr-defined]
        assert Team.objects.filter(pk=self.team.pk).exists()
        assert not mail.outbox

    def test_a_person_keeps_at_least_one_team(self) -> None:
        self.others.delete()
        self.client.force_login(self.alice)
        r = self.client.get(self.url)
        self.assertContains(r, "This is the only team you are in")
        self.assertNotContains(r, 'name="name"')
        r = self.delete()
        assert r.status_code == 400  # type: ignore[attr-defined]
        assert Team.objects.filter(pk=self.team.pk).exists()
        with self.assertRaises(KeepsOneTeam):
            self.team.delete_by(self.alice)

    def test_handed_over_meanwhile_nothing_is_deleted(self) -> None:
        bob = Membership.objects.get(team=self.team, user=self.bob)
        self.team.hand_over(bob, self.alice)
        assert self.team.delete_by(self.alice) is None
        assert Team.objects.filter(pk=self.team.pk).exists()
        assert self.delete().status_code == 404  # type: ignore[attr-defined]

    def test_a_hosted_policy_senders_may_hold_winds_down_as_mode_none(self) -> None:
        with zone():
            self.host(mode="enforce")
        self.client.force_login(self.alice)
        r = self.client.get(self.url)
        self.assertContains(r, "mailsec keeps serving mode: none at mta-sts.example.org until")
        self.delete()
        # The path of a domain removed: detached, served as mode none until its release.
        policy = HostedPolicy.objects.get()
        assert policy.domain is None and policy.state == HostedPolicy.State.DISABLING
        assert policy.release_at is not None
        served = self.client.get(POLICY_URL, HTTP_HOST="mta-sts.example.org")
        assert served.status_code == 200 and b"mode: none\r\n" in served.content

    def test_a_mode_none_policy_goes_at_once(self) -> None:
        with zone():
            policy = self.host(mode="none")
        assert policy.published_id, "no TXT in our zone to withdraw"
        self.client.force_login(self.alice)
        r = self.client.get(self.url)
        self.assertContains(r, "None of them needs that")
        self.client.force_login(self.alice)
        with self.captureOnCommitCallbacks(execute=True), zone() as z:
            self.client.post(self.url, {"name": self.team.name})
        z["withdraw"].assert_called_once_with("example.org")
        assert not HostedPolicy.objects.exists()
