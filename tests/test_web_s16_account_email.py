"""Account → Email addresses (templates/account/email.html over allauth's email view). A new
user's walkthrough in session 15 found "Make primary" offered on the only (already primary)
address, a verification code offered for an address already verified, and "Remove" for the
address allauth never removes. Each address now has the actions that make sense for it:
make primary (a verified address that is not), send a code (one not verified yet), remove (any
but the primary, which the sign-in needs)."""

from __future__ import annotations

from html.parser import HTMLParser

from allauth.account.models import EmailAddress
from django.core import mail
from django.core.cache import cache
from django.db import transaction
from django.test import override_settings

from tests.conftest import BaseTestCase
from tests.test_accounts_s21_security import confirm_its_you
from tests.test_domains import LOCMEM

URL = "/accounts/email/"
PRIMARY = "alice@example.org"
OTHER = "alice@example.net"
ACTIONS = {"action_primary", "action_send", "action_remove"}


class Forms(HTMLParser):
    """The address actions of the page: {address: the actions its own form offers}, read from
    each form posting to the email view with a hidden address, and the buttons of any form
    that posts an address chosen some other way (radio buttons), which must be none."""

    def __init__(self) -> None:
        super().__init__()
        self.offered: dict[str, set[str]] = {}
        self.unbound: set[str] = set()
        self._form: dict[str, object] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "form" and a.get("action") == URL:
            self._form = {"email": None, "buttons": set()}
        elif self._form is None:
            return
        elif tag == "input" and a.get("name") == "email" and a.get("type") == "hidden":
            self._form["email"] = a.get("value")
        elif tag == "button" and a.get("name") in ACTIONS:
            buttons = self._form["buttons"]
            assert isinstance(buttons, set)
            buttons.add(a["name"])

    def handle_endtag(self, tag: str) -> None:
        if tag != "form" or self._form is None:
            return
        email, buttons = self._form["email"], self._form["buttons"]
        assert isinstance(buttons, set)
        if isinstance(email, str):
            self.offered.setdefault(email, set()).update(buttons)
        else:
            self.unbound |= buttons
        self._form = None


@override_settings(CACHES=LOCMEM)
class AddressActionsTestCase(BaseTestCase):
    def setUp(self) -> None:
        # allauth's rate limits count in the cache, which outlives a test.
        cache.clear()
        self.client.force_login(self.alice)
        confirm_its_you(self.client, self.alice)
        EmailAddress.objects.create(user=self.alice, email=PRIMARY, verified=True, primary=True)

    def offered(self) -> dict[str, set[str]]:
        r = self.client.get(URL)
        self.assertEqual(r.status_code, 200)
        forms = Forms()
        forms.feed(r.content.decode())
        # No action applies to whichever address happens to be selected.
        self.assertEqual(forms.unbound, set())
        addresses = EmailAddress.objects.filter(user=self.alice).values_list("email", flat=True)
        for address in addresses:  # every address listed, with or without actions
            self.assertContains(r, address)
        return {email: actions for email, actions in forms.offered.items() if actions}

    def said(self, response: object) -> list[str]:
        return [str(m) for m in response.context["messages"]]  # type: ignore[attr-defined]

    def test_the_only_address_verified_and_primary_has_no_actions(self) -> None:
        self.assertEqual(self.offered(), {})
        r = self.client.get(URL)
        self.assertContains(r, '<span class="badge">primary</span>', count=1)
        self.assertNotContains(r, "not verified")
        # Adding another stays offered.
        self.assertContains(r, 'name="action_add"')

    def test_a_verified_second_address_can_be_made_primary_or_removed(self) -> None:
        EmailAddress.objects.create(user=self.alice, email=OTHER, verified=True)
        self.assertEqual(self.offered(), {OTHER: {"action_primary", "action_remove"}})
        r = self.client.post(URL, {"email": OTHER, "action_primary": ""}, follow=True)
        self.assertTrue(EmailAddress.objects.get(email=OTHER).primary)
        # Now the other way round.
        self.assertEqual(self.offered(), {PRIMARY: {"action_primary", "action_remove"}})
        r = self.client.post(URL, {"email": PRIMARY, "action_remove": ""}, follow=True)
        self.assertEqual(r.status_code, 200)
        self.assertEqual(
            list(EmailAddress.objects.filter(user=self.alice).values_list("email", flat=True)),
            [OTHER],
        )
        self.assertEqual(self.offered(), {})

    def test_an_address_not_verified_gets_a_code_or_is_removed_but_is_not_made_primary(
        self,
    ) -> None:
        EmailAddress.objects.create(user=self.alice, email=OTHER, verified=False)
        self.assertEqual(self.offered(), {OTHER: {"action_send", "action_remove"}})
        r = self.client.get(URL)
        self.assertContains(r, "not verified", count=1)
        # The code offered is sent to that address.
        self.client.post(URL, {"email": OTHER, "action_send": ""})
        self.assertEqual([m.to for m in mail.outbox], [[OTHER]])
        # What is not offered is what allauth refuses: an unverified address made primary
        # while a verified one is.
        r = self.client.post(URL, {"email": OTHER, "action_primary": ""}, follow=True)
        self.assertFalse(EmailAddress.objects.get(email=OTHER).primary)
        self.assertEqual(len(self.said(r)), 1)

    def test_every_action_offered_is_one_allauth_carries_out(self) -> None:
        """Whatever the addresses, each action the page offers succeeds (allauth says no
        error), and the primary address is never offered for removal."""
        EmailAddress.objects.create(user=self.alice, email=OTHER, verified=True)
        EmailAddress.objects.create(user=self.alice, email="al@example.com", verified=False)
        offered = self.offered()
        self.assertNotIn(PRIMARY, offered)
        self.assertEqual(
            offered,
            {
                OTHER: {"action_primary", "action_remove"},
                "al@example.com": {"action_send", "action_remove"},
            },
        )
        for email, actions in offered.items():
            for action in sorted(actions):
                with self.subTest(email=email, action=action):
                    # Each from the same start: undone after.
                    savepoint = transaction.savepoint()
                    r = self.client.post(URL, {"email": email, action: ""}, follow=True)
                    self.assertEqual(r.status_code, 200)
                    levels = [m.level_tag for m in r.context["messages"]]
                    self.assertNotIn("error", levels)
                    changed = EmailAddress.objects.filter(email=email).first()
                    if action == "action_primary":
                        self.assertTrue(changed is not None and changed.primary)
                    elif action == "action_remove":
                        self.assertIsNone(changed)
                    else:
                        self.assertEqual(mail.outbox[-1].to, [email])
                    transaction.savepoint_rollback(savepoint)

    def test_it_checks_ownership(self) -> None:
        """Only the signed-in person's own addresses are listed with actions; an address of
        someone else posted to the page is left alone."""
        EmailAddress.objects.create(
            user=self.charlie, email="charlie@example.org", verified=True, primary=True
        )
        EmailAddress.objects.create(user=self.charlie, email="c2@example.org", verified=True)
        self.assertNotIn("c2@example.org", self.offered())
        self.assertNotContains(self.client.get(URL), "charlie@example.org")
        self.client.post(URL, {"email": "c2@example.org", "action_remove": ""})
        self.assertTrue(EmailAddress.objects.filter(email="c2@example.org").exists())
