"""Task s38l, item 1 (from s38f's MSP walk): the sign-up reached from a team invitation starts
with the invitation's address.

The invitation page's own Sign up already did (0224b30c). The other way there did not: an
invitee without an account who presses the page's first button, Sign in, found an empty
address field, and signing in with their address by code (no account yet) mailed them a
link to a bare sign-up page, which knew nothing of the invitation: an empty field, and no
way back to Join. Now the sign-in page starts with the invitation's address too, and the
mail's sign-up link leads back to the invitation when it was asked for with its address.

The address stays editable: only the invited address can press Join (accept_invite), so a
field that could be changed endangers nothing, and one that could not would keep out an
invitee who uses another address for the same mailbox (the owner invites again)."""

from __future__ import annotations

import html
import re

from django.core import mail
from django.core.cache import cache
from django.test import Client, override_settings

from mailsec.accounts.models import Membership
from tests.conftest import BaseTestCase

LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


def links(page: str) -> dict[str, str]:
    """The page's links by their text (the last of each text)."""
    return {
        html.unescape(re.sub(r"<[^>]+>", "", text)).strip(): html.unescape(href)
        for href, text in re.findall(r'<a[^>]*href="([^"]*)"[^>]*>(.*?)</a>', page, re.S)
    }


def field(page: str, name: str) -> str:
    match = re.search(rf'<input[^>]*name="{name}"[^>]*>', page)
    assert match, page
    value = re.search(r'value="([^"]*)"', match.group(0))
    return html.unescape(value.group(1)) if value else ""


def hidden_next(page: str) -> str:
    return field(page, "next")


@override_settings(CACHES=LOCMEM)
class SignInFromAnInvitationTestCase(BaseTestCase):
    def setUp(self) -> None:
        cache.clear()  # allauth's rate limits count in the cache
        self.invite = self.team.invite("new.member@example.org", self.alice)
        self.path = f"/invite/{self.invite.token}/"
        mail.outbox.clear()

    def sign_in_page(self, client: Client) -> str:
        invitation = client.get(self.path).content.decode()
        return client.get(links(invitation)["Sign in"]).content.decode()

    def test_the_sign_in_page_starts_with_the_invitations_address(self) -> None:
        self.assertEqual(field(self.sign_in_page(Client()), "login"), "new.member@example.org")

    def test_no_address_on_the_sign_in_page_without_a_usable_invitation(self) -> None:
        client = Client()
        self.assertEqual(field(client.get("/accounts/login/").content.decode(), "login"), "")
        other = client.get("/accounts/login/?next=/invite/nope/").content.decode()
        self.assertEqual(field(other, "login"), "")
        self.invite.accept(self.charlie)
        used = client.get(f"/accounts/login/?next={self.path}").content.decode()
        self.assertEqual(field(used, "login"), "")

    def test_a_code_asked_for_a_new_address_leads_to_sign_up_and_back_to_join(self) -> None:
        client = Client()
        page = self.sign_in_page(client)
        client.post(
            "/accounts/login/",
            {"login": "new.member@example.org", "password": "", "next": hidden_next(page)},
        )
        self.assertEqual(len(mail.outbox), 1)
        link = re.search(r"https?://\S*/accounts/signup/\S*", mail.outbox[0].body)
        assert link, mail.outbox[0].body
        sign_up = client.get(link.group(0)).content.decode()
        self.assertEqual(field(sign_up, "email"), "new.member@example.org")
        self.assertEqual(hidden_next(sign_up), self.path)

        # The sign-up from there ends on the invitation, where Join works.
        answer = client.post(
            "/accounts/signup/", {"email": "new.member@example.org", "next": self.path}
        )
        code = re.search(r"^\s*(\w{6})\s*$", mail.outbox[-1].body, re.M)
        assert code, mail.outbox[-1].body
        answer = client.post(answer["Location"], {"code": code.group(1)})
        self.assertEqual(answer["Location"], self.path)
        client.post(self.path)
        self.assertTrue(
            Membership.objects.filter(team=self.team, user__email="new.member@example.org").exists()
        )

    def test_a_code_asked_for_another_address_mails_a_plain_sign_up_link(self) -> None:
        client = Client()
        page = self.sign_in_page(client)
        client.post(
            "/accounts/login/",
            {"login": "someone.else@example.net", "password": "", "next": hidden_next(page)},
        )
        link = re.search(r"https?://\S*/accounts/signup/\S*", mail.outbox[0].body)
        assert link, mail.outbox[0].body
        self.assertNotIn("invite", link.group(0))
        sign_up = client.get(link.group(0)).content.decode()
        self.assertEqual(field(sign_up, "email"), "")
