"""Task s32o: small webapp follow-ups.

1. Deleting a team with hosted policies still served after it (66208d37): the owner who
   deletes it is told the date and the records to keep too, on the page after it and by email
   (the members' email is for those who lose access)."""

from __future__ import annotations

from django.contrib.messages import get_messages
from django.core import mail
from django.http import HttpResponse
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from mailsec.accounts.models import Profile, Team
from mailsec.hosting.models import HostedPolicy
from tests.test_hosting import HostingCase
from tests.test_hosting_s32e import ZONE, our_zone


@override_settings(**ZONE)
class s32oOwnerToldTheRecordsToKeep(HostingCase):
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

    def delete_team(self) -> HttpResponse:
        self.client.force_login(self.alice)
        url = reverse("accounts:team_delete", args=[self.team.code])
        with our_zone(), self.captureOnCommitCallbacks(execute=True):
            r = self.client.post(url, {"name": self.team.name})
        assert r.status_code == 302
        return r

    def said(self, r: HttpResponse) -> str:
        [message] = list(get_messages(r.wsgi_request))
        return str(message)

    def test_the_success_message_gives_the_date_and_the_records(self) -> None:
        self.hosted()
        said = self.said(self.delete_team())
        policy = HostedPolicy.objects.get()
        until = f"{policy.release_at:%Y-%m-%d %H:%M} UTC"
        assert said.startswith("You deleted Acme clients. 1 other person was emailed")
        assert f"mode: none at mta-sts.example.org until {until}" in said
        assert "keep the mta-sts and _mta-sts records of example.org published until then" in said
        assert "the records are in the email we sent you" in said

    def test_the_date_in_the_owners_time_zone(self) -> None:
        Profile.objects.filter(user=self.alice).update(time_zone="Europe/Berlin")
        self.hosted()
        said = self.said(self.delete_team())
        policy = HostedPolicy.objects.get()
        with timezone.override("Europe/Berlin"):
            local = f"{timezone.localtime(policy.release_at):%Y-%m-%d %H:%M} (Europe/Berlin)"
        assert f"until {local}" in said
        alices = next(m for m in mail.outbox if m.to == ["alice@example.org"])
        assert f"Keep these records published until {local}" in alices.body

    def test_the_owner_gets_an_email_of_their_own_with_the_records(self) -> None:
        self.hosted()
        self.delete_team()
        assert sorted(m.to[0] for m in mail.outbox) == ["alice@example.org", "bob@example.org"]
        alices = next(m for m in mail.outbox if m.to == ["alice@example.org"])
        policy = HostedPolicy.objects.get()
        until = f"{policy.release_at:%Y-%m-%d %H:%M} UTC"
        assert alices.subject == "You deleted the team Acme clients on mailsec: records to keep"
        body = alices.body
        assert 'You deleted the team "Acme clients" on mailsec.' in body
        assert "who owned the team" not in body and "You no longer have access" not in body
        assert "_mta-sts.example.org. CNAME example.org.policy.mailsec.example." in body
        assert f"Keep these records published until {until}" in body
        html = alices.alternatives[0][0]
        assert "<strong>Acme clients</strong>" in html and until in html
        # Bob's is the members' email, as before.
        bobs = next(m for m in mail.outbox if m.to == ["bob@example.org"])
        assert "alice@example.org, who owned the team" in bobs.body

    def test_nothing_for_the_owner_when_nothing_is_served(self) -> None:
        self.hosted(mode="none")  # goes with its domain: no record to keep
        said = self.said(self.delete_team())
        assert [m.to for m in mail.outbox] == [["bob@example.org"]]
        assert said == (
            "You deleted Acme clients. 1 other person was emailed that they no longer have access."
        )
