"""Task s38u, item 2: the request-code page ("Email me a sign-in code instead") reached from a
team invitation starts with the invited address, as the sign-in and sign-up pages do since
27081e8c (s38l).

An invitee who took the sign-in page's link to sign in by code found an empty field there,
and a mistyped address then got no mail that leads back to Join. The address stays
editable: only the invited address can press Join (accept_invite)."""

from __future__ import annotations

import re

from django.core import mail
from django.core.cache import cache
from django.test import Client, override_settings

from tests.conftest import BaseTestCase
from tests.test_accounts_s38l_invite_signup import LOCMEM, field, hidden_next, links


@override_settings(CACHES=LOCMEM)
class CodePageFromAnInvitationTestCase(BaseTestCase):
    def setUp(self) -> None:
        cache.clear()  # allauth's rate limits count in the cache
        self.invite = self.team.invite("new.member@example.org", self.alice)
        self.path = f"/invite/{self.invite.token}/"
        mail.outbox.clear()

    def code_page(self, client: Client) -> str:
        """The invitation page's Sign in, then the sign-in page's link to a code."""
        invitation = client.get(self.path).content.decode()
        sign_in = client.get(links(invitation)["Sign in"]).content.decode()
        return client.get(links(sign_in)["Email me a sign-in code instead"]).content.decode()

    def test_the_code_page_starts_with_the_invitations_address(self) -> None:
        page = self.code_page(Client())
        self.assertEqual(field(page, "email"), "new.member@example.org")
        self.assertEqual(hidden_next(page), self.path)

    def test_its_code_leads_to_sign_up_and_back_to_the_invitation(self) -> None:
        client = Client()
        page = self.code_page(client)
        client.post(
            "/accounts/login/code/",
            {"email": field(page, "email"), "next": hidden_next(page)},
        )
        (sent,) = mail.outbox
        self.assertEqual(sent.to, ["new.member@example.org"])
        signup = re.search(r"https?://\S+/accounts/signup/\S*", sent.body)
        assert signup, sent.body
        self.assertIn(f"next={self.path.replace('/', '%2F')}", signup.group(0))

    def test_no_address_without_a_usable_invitation(self) -> None:
        client = Client()
        self.assertEqual(field(client.get("/accounts/login/code/").content.decode(), "email"), "")
        other = client.get("/accounts/login/code/?next=/invite/nope/").content.decode()
        self.assertEqual(field(other, "email"), "")
        self.invite.accept(self.charlie)
        used = client.get(f"/accounts/login/code/?next={self.path}").content.decode()
        self.assertEqual(field(used, "email"), "")
