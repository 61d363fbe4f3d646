"""Task s32z: the records to keep, when a whole team is deleted or Stop hosting had started.

Deleting a team deletes its domains as Remove does, and a hosted policy senders may hold a
testing/enforce copy of is served as mode none until those copies expire (RFC 8461 §8.3,
docs/hosting.md *Deleting the domain*). Before, its members got only the team-deleted email,
which named no record to keep: now that email lists, per domain still served, the records and
until when, in the words of the domain-deleted email (mailsec.hosting.deleted). And a domain
deleted while Stop hosting was under way was said to be hosted "in mode enforce" with "a new
policy id", although mode none had been served, under its own id, since Stop hosting."""

from __future__ import annotations

from django.core import mail
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from mailsec.accounts.models import Membership, Profile, Team
from mailsec.alerts.models import AlertRecipient
from mailsec.domains.models import Domain
from mailsec.hosting import service
from mailsec.hosting.models import HostedPolicy
from tests.test_hosting import HostingCase
from tests.test_hosting_s32e import ZONE, our_zone


@override_settings(**ZONE)
class TeamDeletedListsTheRecordsToKeep(HostingCase):
    def setUp(self) -> None:
        super().setUp()
        Team.create_named(self.alice, "Other clients")  # not alice's only team
        self.team.name = "Acme clients"
        self.team.save(update_fields=["name"])

    def hosted(self, mode: str = "enforce") -> HostedPolicy:
        with our_zone():
            policy = self.host(["mx1.example.org"], mode=mode, max_age=86400)
        mail.outbox.clear()
        return policy

    def delete_team(self) -> None:
        self.client.force_login(self.alice)
        url = reverse("accounts:team_delete", args=[self.team.code])
        with our_zone(), self.captureOnCommitCallbacks(execute=True):
            r = self.client.post(url, {"name": self.team.name})
        assert r.status_code == 302

    def test_each_member_gets_one_email_with_every_domain_still_served(self) -> None:
        self.hosted()
        second = Domain.objects.create(
            team=self.team, name="example.net", verified_at=timezone.now()
        )
        self.domain, first = second, self.domain
        self.hosted(mode="testing")
        self.domain = Domain.objects.create(
            team=self.team, name="example.com", verified_at=timezone.now()
        )
        self.hosted(mode="none")  # only ever none: goes with its domain, nothing to keep
        self.domain = first
        self.delete_team()
        kept = {p.name: p for p in HostedPolicy.objects.all()}
        assert sorted(kept) == ["example.net", "example.org"]
        # One each; alice, who deleted it, gets hers with the records (s32o).
        assert sorted(m.to[0] for m in mail.outbox) == ["alice@example.org", "bob@example.org"]
        bobs = next(m for m in mail.outbox if m.to == ["bob@example.org"])
        body = bobs.body
        assert "alice@example.org, who owned the team" in body  # the team-deleted email still
        for name in ("example.org", "example.net"):
            until = f"{kept[name].release_at:%-d %b %Y, %H:%M} UTC"
            assert f"mta-sts.{name}. CNAME mta-sts-host.mailsec.example." in body
            assert f"_mta-sts.{name}. CNAME {name}.policy.mailsec.example." in body
            assert f"we keep serving mode: none at mta-sts.{name}, with a new policy id" in body
            assert f"Keep these records published until {until}" in body
            html = bobs.alternatives[0][0]
            assert f"{name}.policy.mailsec.example." in html and until in html
        assert "in mode enforce" in body and "in mode testing" in body
        assert "RFC 8461 §5.1" in body
        assert "example.com" not in body

    def test_a_plain_txt_and_the_members_time_zone(self) -> None:
        Profile.objects.filter(user=self.bob).update(time_zone="Europe/Berlin")
        policy = self.hosted()
        policy.record_state = "txt"
        policy.save(update_fields=["record_state"])
        self.delete_team()
        policy = HostedPolicy.objects.get()
        assert policy.release_at is not None
        with timezone.override("Europe/Berlin"):
            local = f"{timezone.localtime(policy.release_at):%-d %b %Y, %H:%M} (Europe/Berlin)"
        body = mail.outbox[0].body
        assert f'_mta-sts.example.org. TXT "v=STSv1; id={policy.policy_id};"' in body
        assert "is a plain TXT record: publish it with the id above" in body
        assert f"Keep these records published until {local}" in body

    def test_nothing_about_hosting_when_nothing_is_served(self) -> None:
        self.hosted(mode="none")
        Membership.objects.create(team=self.team, user=self.charlie, role="viewer")
        self.delete_team()
        assert sorted(m.to[0] for m in mail.outbox) == ["bob@example.org", "charlie@example.org"]
        for message in mail.outbox:
            assert "Keep these records" not in message.body
            assert "MTA-STS" not in message.body

    def test_settings_as_the_team_deleted_email_one_each_and_once(self) -> None:
        # Losing access is told whatever the alert settings say; so are the records with it.
        AlertRecipient.objects.update_or_create(user=self.bob, defaults={"unsubscribed_all": True})
        self.hosted()
        self.delete_team()
        bobs = next(m for m in mail.outbox if m.to == ["bob@example.org"])  # and alice's (s32o)
        assert len(mail.outbox) == 2
        assert "Keep these records published until" in bobs.body
        with our_zone(), self.captureOnCommitCallbacks(execute=True):
            assert self.team.delete_by(self.alice) is None  # a second press: gone
        assert len(mail.outbox) == 2


@override_settings(**ZONE)
class DeletedWhileStopHostingWasUnderWay(HostingCase):
    """Stop hosting had started: mode none was served already, under the id it got then."""

    def winding_down(self) -> HostedPolicy:
        with our_zone():
            policy = self.host(["mx1.example.org"], mode="enforce", max_age=86400)
            service.disable(policy, now=timezone.now())
        policy.refresh_from_db()
        assert policy.state == HostedPolicy.State.DISABLING and policy.mode == "enforce"
        mail.outbox.clear()
        return policy

    def check(self, body: str, policy_id: str) -> None:
        policy = HostedPolicy.objects.get()
        assert policy.policy_id == policy_id  # no new id at the deletion
        until = f"{policy.release_at:%-d %b %Y, %H:%M} UTC"
        assert "in mode enforce. Senders" not in body
        assert "Stop hosting had started before the deletion" in body
        # Since Stop hosting started, dated (s33h: it said "since then", a then never given).
        since = f"{policy.disabling_since:%-d %b %Y, %H:%M} UTC"
        assert f"mode: none has been served at mta-sts.example.org since {since}" in body
        assert "with a new policy id" not in body
        assert f"until {until}" in body
        assert "the enforce policy" in body

    def test_the_domain_deleted_email(self) -> None:
        policy = self.winding_down()
        self.client.force_login(self.alice)
        with our_zone(), self.captureOnCommitCallbacks(execute=True):
            self.client.post(f"/domains/{self.domain.code}/remove/")
        bobs = next(m for m in mail.outbox if m.to == ["bob@example.org"])
        self.check(bobs.body, policy.policy_id)
        self.check(
            bobs.alternatives[0][0].replace("<code>", "").replace("</code>", ""), policy.policy_id
        )

    def test_the_team_deleted_email(self) -> None:
        Team.create_named(self.alice, "Other clients")
        policy = self.winding_down()
        self.client.force_login(self.alice)
        url = reverse("accounts:team_delete", args=[self.team.code])
        with our_zone(), self.captureOnCommitCallbacks(execute=True):
            self.client.post(url, {"name": self.team.name})
        for message in mail.outbox:  # bob's, and alice's: she deleted it (s32o)
            self.check(message.body, policy.policy_id)
        assert len(mail.outbox) == 2

    def test_switched_to_mode_none_lately_keeps_its_id_too(self) -> None:
        # Mode none chosen less than the enforce max_age ago: the deletion serves the same
        # mode none text, so no new id either (HostedPolicy.refresh_text).
        with our_zone():
            policy = self.host(["mx1.example.org"], mode="enforce", max_age=86400)
        now = timezone.now()
        policy.set_mode(HostedPolicy.Mode.NONE, now)
        policy.refresh_text(now)
        policy.save()
        mail.outbox.clear()
        self.client.force_login(self.alice)
        with our_zone(), self.captureOnCommitCallbacks(execute=True):
            self.client.post(f"/domains/{self.domain.code}/remove/")
        assert HostedPolicy.objects.get().policy_id == policy.policy_id
        body = next(m for m in mail.outbox if m.to == ["bob@example.org"]).body
        assert "with a new policy id" not in body
        assert "under the policy id it got when it switched to mode none" in body
