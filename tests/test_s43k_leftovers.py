"""Task s43k: small leftovers of this session's helpers.

1. The "valid again" email (after "Senders cannot fetch your policy: mta-sts.<name> gives no
   valid certificate") went to whoever hears about the domain when the certificate came
   back, while its renewal after an expiry notice goes only to whom the notice went (s43f,
   HostedPolicy.cert_warned_to). The recovery is the fix of what that notice told: it now
   follows the same rule, with the same record.
2. docs/webapp.md (Teams) said "a viewer who accepts an invitation as a member becomes one"
   beside the invitation form that sends nothing to anyone already in the team. Both hold:
   the form asks by the account's address, so an invitation can still reach a teammate at
   another address of theirs (or be one sent before they joined another way). Pinned here
   (docs only: these pass before and after).
3. s43f's notice to a client team while its MSP stops hosting (902227f6) is computed by the
   domain page only when the domain has no policy of its own (views.page_content), by the
   hosting page also when its own is off. docs/hosting.md and webapp.md promise both pages.
   The two can never differ: HostedPolicy.name is unique across teams, so the client's
   domain holds no policy row (in any state) while the MSP's is served, and the MSP's Host
   MTA-STS hands over (deletes) a released row of the client's. Pinned here, no change.
"""

from __future__ import annotations

import html
from collections.abc import Iterator
from datetime import timedelta
from unittest import mock

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.models import User
from django.core import mail
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import timezone

from mailsec.accounts.models import Invite, Membership
from mailsec.alerts.models import AlertSetting
from mailsec.hosting import service
from mailsec.hosting import tasks as hosting_tasks
from mailsec.hosting.models import HostedPolicy
from mailsec.hosting.service import CertReading
from tests import test_s42g_cert_renewed as s42g
from tests.conftest import BaseTestCase
from tests.test_hosting import T0, HostingCase
from tests.test_s42y_winddown_told import STILL_SERVED
from tests.test_webapp_s42n_blind import NAME, S42nCase

AGAIN = "serves a valid certificate again"
NO_VALID = "gives no valid certificate"
# A certificate for another name, far from its expiry: no expiry notice is due for it.
ELSEWHERE = CertReading(
    T0 + timedelta(days=200), error="the certificate is for www.example.net, not this name"
)
# Nothing answers: no certificate read at all.
REFUSED = CertReading(None, error="connection refused")
GOOD = CertReading(T0 + timedelta(days=90))


@pytest.fixture(autouse=True)
def no_caa_lookup() -> Iterator[None]:
    # The notice's advice reads CAA records: answered here, never by the silent test resolver.
    with mock.patch.object(service, "caa_reading", return_value=s42g.ALLOWED):
        yield


def told(phrase: str) -> list[str]:
    """Whom the emails saying `phrase` went to, sorted."""
    return sorted(m.to[0] for m in mail.outbox if phrase in m.body)


class S43kRecoveryToTheToldTestCase(HostingCase):
    """The "valid again" email is told to whoever was told there was no valid certificate and still
    hears about the domain (as the renewal after an expiry notice, s43f; as an alert's fix,
    docs/webapp.md Alerts), not to a member who joined since."""

    def watch(self, policy: HostedPolicy, reading: CertReading, at: timedelta) -> None:
        with mock.patch.object(service, "read_certificate", return_value=reading):
            service.watch_certificate(policy, now=T0 + at)
        policy.refresh_from_db()

    def join(self, who: str) -> User:
        user = User.objects.create_user(who, f"{who}@example.org")
        Membership.objects.create(team=self.team, user=user, role=Membership.Role.MEMBER)
        return user

    def broken(self, policy: HostedPolicy, reading: CertReading) -> None:
        """A bad reading, confirmed by a second one two hours later: the notice."""
        self.watch(policy, reading, timedelta(hours=1))
        self.watch(policy, reading, timedelta(hours=3))
        assert told(NO_VALID) == ["alice@example.org", "bob@example.org"]

    def test_s43k_a_member_who_joined_after_the_notice_is_not_told_valid_again(self) -> None:
        for reading in (ELSEWHERE, REFUSED):
            with self.subTest(reading.error):
                HostedPolicy.objects.all().delete()
                User.objects.filter(username="dave").delete()
                policy = self.host()
                mail.outbox.clear()
                self.broken(policy, reading)
                self.join("dave")
                self.watch(policy, GOOD, timedelta(days=1))
                assert told(AGAIN) == ["alice@example.org", "bob@example.org"], told(AGAIN)
                assert policy.cert_warned_to is None  # the next notice starts afresh

    def test_s43k_one_who_left_or_turned_emails_off_is_not_told_either(self) -> None:
        # Control: held before too (the record names them; _email asks again at sending).
        policy = self.host()
        mail.outbox.clear()
        self.broken(policy, ELSEWHERE)
        Membership.objects.filter(user=self.bob).delete()
        AlertSetting.set_mode(self.alice, self.domain, AlertSetting.Mode.OFF)
        self.watch(policy, GOOD, timedelta(days=1))
        assert told(AGAIN) == []

    def test_s43k_a_notice_before_the_record_was_kept_tells_whoever_hears(self) -> None:
        # Control: told before s43k (nothing recorded): whoever hears now, as before.
        policy = self.host()
        HostedPolicy.objects.filter(pk=policy.pk).update(
            cert_alerted=True, cert_error=ELSEWHERE.error, cert_bad_since=T0
        )
        policy.refresh_from_db()
        self.join("dave")
        mail.outbox.clear()
        self.watch(policy, GOOD, timedelta(days=1))
        assert told(AGAIN) == ["alice@example.org", "bob@example.org", "dave@example.org"]

    def test_s43k_expired_after_its_notice_then_renewed_one_email_to_the_told(self) -> None:
        # The 21-day notice to alice and bob; carol joins and hears the certificate has
        # expired; dave joins after. The renewal's one email (valid again, with its date)
        # goes to the three told of either, not to dave.
        policy = self.host()
        mail.outbox.clear()
        old = T0 + timedelta(days=20)
        self.watch(policy, CertReading(old), timedelta(hours=1))
        assert told("has not been renewed yet") == ["alice@example.org", "bob@example.org"]
        self.join("carol")
        expired = CertReading(old, error="the certificate has expired")
        self.watch(policy, expired, timedelta(days=21))
        self.watch(policy, expired, timedelta(days=21, hours=2))
        assert "carol@example.org" in told(NO_VALID)
        self.join("dave")
        mail.outbox.clear()
        self.watch(policy, GOOD, timedelta(days=22))
        assert told(AGAIN) == ["alice@example.org", "bob@example.org", "carol@example.org"]
        assert told("has been renewed") == []  # the recovery is the one email
        assert policy.cert_warned_to is None and policy.cert_warned_days is None

    def test_s43k_valid_again_while_its_expiry_notice_stands_keeps_the_record(self) -> None:
        # The name pointed elsewhere for a while, then back at the same certificate, which
        # was told to expire in 20 days: its renewal, later, still goes to whom the expiry
        # notice went, not to one who joined since.
        policy = self.host()
        mail.outbox.clear()
        mine = CertReading(T0 + timedelta(days=20))
        self.watch(policy, mine, timedelta(minutes=30))
        self.broken(policy, REFUSED)
        self.watch(policy, mine, timedelta(days=1))
        assert told(AGAIN) == ["alice@example.org", "bob@example.org"]
        self.join("dave")
        mail.outbox.clear()
        self.watch(policy, CertReading(T0 + timedelta(days=110)), timedelta(days=2))
        assert told("has been renewed") == ["alice@example.org", "bob@example.org"]


# --- 2. accepting an invitation while already in the team ---------------------------------


class S43kInvitedTeammateTestCase(BaseTestCase):
    """The form refuses the address of an account in the team; an invitation to another
    address of a teammate's is sent, and accepting it raises a viewer invited as a member to
    member, never lowers a role, and adds no second membership."""

    def invite(self, email: str, role: str) -> Invite:
        owner = Client()
        owner.force_login(self.alice)
        r = owner.post("/team/invite/", {"email": email, "role": role}, follow=True)
        assert r.status_code == 200, r.status_code
        invite = Invite.objects.get(team=self.team, email=email)
        assert invite.role == role
        return invite

    def accept(self, user: User, invite: Invite) -> str:
        client = Client()
        client.force_login(user)
        assert client.post(f"/invite/{invite.token}/").status_code == 302
        return Membership.objects.get(team=self.team, user=user).role

    def test_s43k_the_form_refuses_the_accounts_own_address(self) -> None:
        owner = Client()
        owner.force_login(self.alice)
        r = owner.post("/team/invite/", {"email": "BOB@example.org"}, follow=True)
        assert "BOB@example.org is already in this team" in r.content.decode()
        assert not Invite.objects.exists()

    def test_s43k_a_viewer_invited_as_a_member_at_another_address_becomes_one(self) -> None:
        Membership.objects.filter(user=self.bob).update(role=Membership.Role.VIEWER)
        EmailAddress.objects.create(user=self.bob, email="bob@work.example", verified=True)
        invite = self.invite("bob@work.example", "member")
        assert self.accept(self.bob, invite) == Membership.Role.MEMBER
        assert Membership.objects.filter(team=self.team, user=self.bob).count() == 1

    def test_s43k_a_member_invited_as_a_viewer_stays_a_member(self) -> None:
        EmailAddress.objects.create(user=self.bob, email="bob@work.example", verified=True)
        invite = self.invite("bob@work.example", "viewer")
        assert self.accept(self.bob, invite) == Membership.Role.MEMBER


# --- 3. the client's own policy and the MSP's notice ---------------------------------------


class S43kClientOwnPolicyTestCase(S42nCase):
    """A client's own policy that is off cannot exist beside the MSP's for the same name, so
    the domain page's condition (no policy) and the hosting page's (none, or off) agree."""

    def test_s43k_no_policy_of_the_clients_beside_the_msps(self) -> None:
        self.client_verifies(msp_value_too=True)
        assert self.client_domain is not None
        with self.assertRaises(IntegrityError), transaction.atomic():
            HostedPolicy.objects.create(
                domain=self.client_domain, name=NAME, state=HostedPolicy.State.OFF
            )
        assert not HostedPolicy.objects.filter(domain=self.client_domain).exists()

    def released_after(self, days: int) -> mock._patch:
        later = timezone.now() + timedelta(days=days)
        return mock.patch("django.utils.timezone.now", return_value=later)

    def test_s43k_a_client_that_hosted_once_is_told_on_both_pages(self) -> None:
        # The real way to a client whose own policy was off when the MSP hosted: the MSP
        # stops and is released, the client hosts, stops and is released (its row off), the
        # MSP hosts again (the client's row is handed over), then stops: both pages tell it.
        self.client_verifies(msp_value_too=True)
        assert self.client_domain is not None
        with self.dns(), self.captureOnCommitCallbacks(execute=True):
            self.as_("mara").post(f"/hosting/{self.msp_domain.code}/disable/")
        with self.released_after(8), self.dns():
            hosting_tasks.sync_all()
            self.client_hosts()
            assert HostedPolicy.objects.get(name=NAME).domain == self.client_domain
            with self.captureOnCommitCallbacks(execute=True):
                self.as_("cleo").post(f"/hosting/{self.client_domain.code}/disable/")
        with self.released_after(20), self.dns():
            hosting_tasks.sync_all()
            own = HostedPolicy.objects.get(domain=self.client_domain)
            assert own.state == HostedPolicy.State.OFF, own.state
            with self.captureOnCommitCallbacks(execute=True):
                self.as_("mara").post(f"/hosting/{self.msp_domain.code}/enable/")
                self.as_("mara").post(f"/hosting/{self.msp_domain.code}/disable/")
            assert not HostedPolicy.objects.filter(domain=self.client_domain).exists()
            assert HostedPolicy.objects.get(name=NAME).state == HostedPolicy.State.DISABLING
            for url in (
                f"/hosting/{self.client_domain.code}/",
                f"/domains/{self.client_domain.code}/",
            ):
                page = html.unescape(self.as_("cleo").get(url).content.decode())
                assert STILL_SERVED in page and "Another team hosts it here" in page, url
