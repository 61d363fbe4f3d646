"""What a browser walkthrough as a new user and as an MSP found in session 17: the free check's
"Monitor X — sign up free" forgot X on the way; a failed Verify was reported below a phone's
fold; an unverified domain's page offered nothing to see meanwhile; the bulk add's summary
named refused lines without their text; and the sign-up to accept an invitation started with
an empty address field."""

from __future__ import annotations

import html
import os
import re
from unittest import mock
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client, override_settings

from mailsec.accounts.models import Invite
from mailsec.domains.models import Domain
from mailsec.freecheck.models import signup_url
from tests.conftest import BaseTestCase
from tests.test_domains import stub_dns

LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


def add_field(page: str) -> str:
    """The value of the domain list's add field."""
    match = re.search(r'<input type="text" name="name" id="id_name" value="([^"]*)"', page)
    assert match, "no add field"
    return html.unescape(match.group(1))


@override_settings(CACHES=LOCMEM)
class MonitorFromFreeCheckTestCase(BaseTestCase):
    def setUp(self) -> None:
        cache.clear()  # allauth's rate limits count in the cache

    def test_it_carries_the_domain_through_sign_up_to_the_add_field(self) -> None:
        client = Client()
        page = client.get(signup_url("client.example"))
        self.assertEqual(page.status_code, 200)
        text = page.content.decode()
        self.assertIn("After signing up you can add <strong>client.example</strong>", text)
        r = client.post(
            "/accounts/signup/",
            {"email": "new@example.org", "next": "/domains/?add=client.example"},
        )
        self.assertRedirects(r, "/accounts/code/", fetch_redirect_response=False)
        code = re.search(r"^\s*([A-Z0-9]{4,12})\s*$", mail.outbox[-1].body, re.M)
        assert code, mail.outbox[-1].body
        r = client.post("/accounts/code/", {"code": code.group(1)})
        self.assertEqual(r.status_code, 302)
        self.assertEqual(r["Location"], "/domains/?add=client.example")
        listing = client.get(r["Location"])
        self.assertEqual(add_field(listing.content.decode()), "client.example")
        self.assertIn('id="add-prefilled"', listing.content.decode())
        # Filled in, not added: a GET adds nothing.
        self.assertFalse(Domain.objects.filter(name="client.example").exists())

    def test_the_sign_up_link_asks_for_the_list_with_the_domain(self) -> None:
        query = parse_qs(urlsplit(signup_url("client.example")).query)
        self.assertEqual(query["domain"], ["client.example"])
        self.assertEqual(query["next"], ["/domains/?add=client.example"])

    def test_a_signed_in_person_goes_to_the_list_with_the_domain_filled_in(self) -> None:
        self.client.force_login(self.alice)
        r = self.client.get(signup_url("client.example"), follow=True)
        self.assertEqual(r.redirect_chain[-1][0], "/domains/?add=client.example")
        self.assertEqual(add_field(r.content.decode()), "client.example")

    def test_a_next_elsewhere_is_not_followed(self) -> None:
        self.client.force_login(self.alice)
        r = self.client.get("/accounts/signup/?domain=x.example&next=https://evil.example/")
        self.assertEqual(r.status_code, 302)
        self.assertFalse(r["Location"].startswith("https://evil.example"))

    def test_the_list_without_add_has_an_empty_field(self) -> None:
        self.client.force_login(self.alice)
        page = self.client.get("/domains/").content.decode()
        self.assertEqual(add_field(page), "")
        self.assertNotIn('id="add-prefilled"', page)

    def test_the_filled_in_name_is_escaped(self) -> None:
        self.client.force_login(self.alice)
        page = self.client.get('/domains/?add="><script>x</script>').content.decode()
        self.assertNotIn("<script>x", page)
        self.assertEqual(add_field(page), '"><script>x</script>')


@override_settings(CACHES=LOCMEM)
class UnverifiedDomainPageTestCase(BaseTestCase):
    def test_it_links_to_the_free_check_of_the_domain(self) -> None:
        domain = Domain.objects.create(team=self.team, name="client.example")
        self.client.force_login(self.alice)
        page = self.client.get(f"/domains/{domain.code}/").content.decode()
        self.assertIn('href="/check?domain=client.example"', page)

    def test_it_checks_ownership(self) -> None:
        domain = Domain.objects.create(team=self.team, name="client.example")
        self.client.force_login(self.charlie)
        self.assertEqual(self.client.get(f"/domains/{domain.code}/").status_code, 404)


@override_settings(CACHES=LOCMEM)
class BulkSummaryTestCase(BaseTestCase):
    def test_a_refused_line_is_named_with_its_text(self) -> None:
        self.client.force_login(self.alice)
        long = "x" * 200 + "!!"
        r = self.client.post(
            "/domains/add-many/", {"names": f"<b>not a domain!!</b>\nok.com\n{long}"}
        )
        text = r.content.decode()
        summary = re.search(
            r"Not domain names we can add: 2 \(lines 1 and 3\)\. As pasted: (.*?)\.\s", text, re.S
        )
        assert summary, text
        said = summary.group(1)
        self.assertIn("“&lt;b&gt;not a domain!!&lt;/b&gt;” and “", said)
        self.assertNotIn("<b>", said)
        # The long one is cut.
        self.assertIn("“" + "x" * 79 + "…”", said)
        self.assertNotIn("x" * 81, said)


@override_settings(CACHES=LOCMEM)
class InvitationSignUpTestCase(BaseTestCase):
    def setUp(self) -> None:
        cache.clear()

    def email_field(self, url: str) -> str:
        page = Client().get(url).content.decode()
        match = re.search(r'<input[^>]*name="email"[^>]*>', page)
        assert match, page
        value = re.search(r'value="([^"]*)"', match.group(0))
        return html.unescape(value.group(1)) if value else ""

    def test_the_address_field_is_the_invitations(self) -> None:
        invite = self.team.invite("new.member@example.org", self.alice)
        url = f"/accounts/signup/?next=/invite/{invite.token}/"
        self.assertEqual(self.email_field(url), "new.member@example.org")

    def test_no_address_for_an_unknown_or_foreign_next(self) -> None:
        invite = self.team.invite("new.member@example.org", self.alice)
        self.assertEqual(self.email_field("/accounts/signup/?next=/invite/nope/"), "")
        self.assertEqual(self.email_field("/accounts/signup/?next=/domains/"), "")
        foreign = f"/accounts/signup/?next=https://evil.example/invite/{invite.token}/"
        self.assertEqual(self.email_field(foreign), "")

    def test_no_address_for_a_used_invitation(self) -> None:
        invite = self.team.invite("charlie@example.org", self.alice)
        invite.accept(self.charlie)
        self.assertFalse(Invite.objects.get(pk=invite.pk).is_usable())
        url = f"/accounts/signup/?next=/invite/{invite.token}/"
        self.assertEqual(self.email_field(url), "")


@override_settings(CACHES=LOCMEM)
class VerifyResultTestCase(BaseTestCase):
    def test_a_failed_lookup_comes_back_at_its_result(self) -> None:
        domain = Domain.objects.create(team=self.team, name="client.example")
        self.client.force_login(self.alice)
        with stub_dns({}) as resolver, mock.patch.dict(os.environ, {"MAILSEC_RESOLVER": resolver}):
            r = self.client.post(f"/domains/{domain.code}/verify/")
        self.assertRedirects(
            r, f"/domains/{domain.code}/#verify-result", fetch_redirect_response=False
        )
        page = self.client.get(f"/domains/{domain.code}/").content.decode()
        self.assertRegex(page, r'id="verify-result">No TXT record found at _mailsec-challenge')

    def test_a_verified_domain_comes_back_at_the_top(self) -> None:
        domain = Domain.objects.create(team=self.team, name="client.example")
        self.client.force_login(self.alice)
        records = {domain.challenge_name: [domain.challenge_value]}
        with (
            stub_dns(records) as resolver,
            mock.patch.dict(os.environ, {"MAILSEC_RESOLVER": resolver}),
        ):
            r = self.client.post(f"/domains/{domain.code}/verify/")
        self.assertRedirects(r, f"/domains/{domain.code}/", fetch_redirect_response=False)


@override_settings(CACHES=LOCMEM)
class BulkWebHostTestCase(BaseTestCase):
    def test_a_www_name_is_added_with_a_note(self) -> None:
        self.client.force_login(self.alice)
        r = self.client.post("/domains/add-many/", {"names": "www.client.com"})
        text = html.unescape(r.content.decode())
        self.assertTrue(Domain.objects.filter(name="www.client.com").exists())
        self.assertIn("www.client.com looks like a host name, not the domain after the @", text)


@pytest.mark.django_db
def test_the_free_check_field_lets_a_long_paste_reach_the_server() -> None:
    """A paste longer than the field's maxlength was cut silently, and the error then named
    the cut length ("it is 300 characters long"): the field takes more than the server reads,
    so the server sees and names what was pasted."""
    from checks.domainname import MAX_INPUT_CHARS

    page = Client().get("/check").content.decode()
    [maxlength] = re.findall(r'id="fc-domain"[^>]*maxlength="(\d+)"', page, re.S)
    assert int(maxlength) > MAX_INPUT_CHARS
