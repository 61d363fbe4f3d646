"""Every allauth page a person can reach, in the site's layout and words.

Sign-in, sign-up and the code pages were restyled before (tests/test_web_s13_polish.py); the
password reset by code, the password pages, the email addresses, the sign-out question,
"confirm it's you" and "account inactive" still rendered allauth's stock markup and words
("Password Reset", "Reset My Password", "Enter Password Reset Code", "Make Primary"), and
"account inactive" even allauth's own bare layout, outside the site's header and footer.
The URLs are read from the resolver, so a page that a new allauth version adds is swept too."""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import allauth
from allauth.account.models import EmailAddress
from django.contrib.auth.models import User
from django.core import mail
from django.core.cache import cache
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver

from tests.conftest import BaseTestCase
from tests.test_accounts_s21_security import confirm_its_you

ALLAUTH_TEMPLATES = str(Path(allauth.__file__).parent / "templates")
LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
PASSWORD = "Plenty-of-entropy-42"
# allauth's stock words (title case, and phrases of its templates) that the site's own pages
# say otherwise.
STOCK = [
    "Sign In",
    "Sign Out",
    "Sign Up",
    "Password Reset",
    "Reset My Password",
    "Enter Password Reset Code",
    "Change Password",
    "Set Password",
    "Email Addresses",
    "Add Email",
    "Make Primary",
    "Re-send Verification",
    "Confirm Access",
    "Request Code",
    "Account Inactive",
    "Alternative options",
    "Please contact us",
    "already logged in",
    "The code expires shortly",
]


def text_of(response: Any) -> str:
    return re.sub(r"\s+", " ", html.unescape(response.content.decode()))


def main_of(page: str) -> str:
    match = re.search(r"<main\b.*?</main>", page, re.S)
    assert match, page[:500]
    return match.group(0)


def code_in(message: mail.EmailMessage) -> str:
    match = re.search(r"^\s*(\d{6})\s*$", message.body, re.MULTILINE)
    assert match, message.body
    return match.group(1)


def account_paths() -> list[str]:
    """The paths of allauth's account URLs as routed here (none takes an argument with the
    settings of mailsec: codes, not links)."""
    found: list[str] = []

    def walk(resolver: URLResolver, prefix: str) -> None:
        for pattern in resolver.url_patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern) and (pattern.name or "").startswith("account_"):
                route = prefix + str(pattern.pattern)
                if not route.startswith("accounts/"):
                    continue  # the admin's pages of allauth's EmailAddress model
                assert "<" not in route and "(" not in route, route
                found.append("/" + route)

    walk(get_resolver(), "")
    return sorted(set(found))


def assert_site_page(response: Any, heading: str) -> str:
    """The page is the site's (its header, skip link and footer), with `heading` as its h1,
    rendered by the site's templates only (no allauth template or element), in the site's
    words, with no inline script or style. Returns its <main>, white space collapsed."""
    assert response.status_code == 200, response.status_code
    page = text_of(response)
    assert '<header class="site-header">' in page
    assert '<a class="skip-link" href="#main">' in page
    assert '<footer class="site-footer">' in page
    assert re.search(r"<title>[^<]+ — mailsec</title>", page)  # base_entrance/base_manage
    main = main_of(page)
    assert re.search(rf"<h1>{re.escape(heading)}[^<]*</h1>", main), main
    html_templates = [t for t in response.templates if t.name.endswith(".html")]
    stock = [t.name for t in html_templates if (t.origin.name or "").startswith(ALLAUTH_TEMPLATES)]
    assert not stock, stock
    words = re.sub(r"<[^>]+>", " ", main)
    for phrase in STOCK:
        assert phrase not in words, phrase
    assert "<script" not in main
    assert " style=" not in main
    return main


@override_settings(CACHES=LOCMEM)
class SweepTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        EmailAddress.objects.create(
            user=cls.alice, email=cls.alice.email, verified=True, primary=True
        )

    def test_the_sweep_finds_the_pages(self) -> None:
        paths = account_paths()
        assert {"/accounts/password/reset/", "/accounts/password/reset/confirm/"} <= set(paths)
        assert {"/accounts/email/", "/accounts/inactive/", "/accounts/logout/"} <= set(paths)
        assert len(paths) >= 17

    def test_every_account_page_is_the_sites_signed_in_or_out(self) -> None:
        signed_in = Client()
        signed_in.force_login(self.alice)
        confirm_its_you(signed_in, self.alice)
        seen = set()
        for client in (Client(), signed_in):
            for path in account_paths():
                response = client.get(path, follow=True)
                assert response.status_code == 200, path
                final = response.wsgi_request.path
                if not final.startswith("/accounts/"):
                    continue  # signed in, a sign-in page sends on to the domains
                page = text_of(response)
                heading = re.search(r"<h1>([^<]+)</h1>", main_of(page))
                assert heading, (path, final)
                assert_site_page(response, heading.group(1).strip())
                seen.add(final)
        # Each page shown at least once (those that need a flow under way send elsewhere).
        assert {
            "/accounts/login/",
            "/accounts/signup/",
            "/accounts/login/code/",
            "/accounts/password/reset/",
            "/accounts/password/reset/done/",
            "/accounts/inactive/",
            "/accounts/logout/",
            "/accounts/email/",
            "/accounts/password/set/",
            "/accounts/reauthenticate/code/",
        } <= seen, seen

    def test_the_pages_of_features_turned_off_are_not_found(self) -> None:
        # Reset links (codes instead), email confirmation links, phones, passkeys.
        for path in [
            "/accounts/password/reset/key/1-set-password/",
            "/accounts/password/reset/key/done/",
            "/accounts/confirm-email/some-key/",
            "/accounts/phone/verify/",
            "/accounts/phone/change/",
            "/accounts/signup/passkey/",
        ]:
            assert self.client.get(path).status_code == 404, path


@override_settings(CACHES=LOCMEM)
class PasswordResetTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        EmailAddress.objects.create(
            user=cls.alice, email=cls.alice.email, verified=True, primary=True
        )

    def test_it_lays_out_the_request_page(self) -> None:
        main = assert_site_page(self.client.get("/accounts/password/reset/"), "Reset your password")
        assert '<label for="id_email">Email address</label>' in main
        assert '<button type="submit" class="btn">Email me a code</button>' in main
        assert 'href="/accounts/login/code/"' in main

    def test_it_names_the_address_of_whoever_is_signed_in(self) -> None:
        self.client.force_login(self.alice)
        main = assert_site_page(self.client.get("/accounts/password/reset/"), "Reset your password")
        assert "You're signed in as <strong>alice@example.org</strong>." in main

    def test_it_walks_the_reset_by_code_in_the_sites_layout(self) -> None:
        r = self.client.post("/accounts/password/reset/", {"email": "alice@example.org"})
        assert r["Location"] == "/accounts/password/reset/confirm/"
        main = assert_site_page(self.client.get(r["Location"]), "Reset your password")
        assert "sent a code to <strong>alice@example.org</strong>" in main
        assert '<label for="id_code">Code</label>' in main
        assert '<button type="submit" class="btn">Confirm</button>' in main
        assert 'form="logout-from-stage"' in main and 'id="logout-from-stage"' in main

        # A wrong code: the error under the field, linked to it.
        main = assert_site_page(
            self.client.post("/accounts/password/reset/confirm/", {"code": "000000"}),
            "Reset your password",
        )
        assert re.search(r'<ul class="errorlist" id="id_code_error"><li>[^<]+</li></ul>', main)
        assert 'aria-describedby="id_code_error"' in main

        r = self.client.post(
            "/accounts/password/reset/confirm/", {"code": code_in(mail.outbox[-1])}
        )
        assert r["Location"] == "/accounts/password/reset/complete/"
        main = assert_site_page(self.client.get(r["Location"]), "Choose a new password")
        assert '<label for="id_password1">New password</label>' in main
        assert '<label for="id_password2">New password, again</label>' in main
        assert "At least 8 characters" in main and "<ul><li>Your password" not in main

        # Too short: the rules' errors under the field, the form kept.
        main = assert_site_page(
            self.client.post(
                "/accounts/password/reset/complete/", {"password1": "x", "password2": "x"}
            ),
            "Choose a new password",
        )
        assert re.search(r'<ul class="errorlist" id="id_password1_error"><li>', main)

        r = self.client.post(
            "/accounts/password/reset/complete/", {"password1": PASSWORD, "password2": PASSWORD}
        )
        assert r["Location"] == "/accounts/password/reset/done/"
        response = self.client.get(r["Location"])
        main = assert_site_page(response, "Password changed")
        assert [str(m) for m in response.context["messages"]] == ["Your password is changed."]
        assert 'href="/accounts/login/"' in main
        r = Client().post("/accounts/login/", {"login": "alice@example.org", "password": PASSWORD})
        assert r.status_code == 302 and r["Location"] == "/domains/"

    def test_an_address_without_an_account_gets_the_same_page(self) -> None:
        pages = []
        for email in ("alice@example.org", "nobody@example.org"):
            client = Client()
            r = client.post("/accounts/password/reset/", {"email": email})
            assert r["Location"] == "/accounts/password/reset/confirm/"
            main = assert_site_page(client.get(r["Location"]), "Reset your password")
            main = re.sub(r'value="[^"]{40,}"', 'value="csrf"', main)
            pages.append(main.replace(email, "EMAIL"))
        assert pages[0] == pages[1]
        assert "if it has an account with us" in pages[0]


@override_settings(CACHES=LOCMEM)
class ManagePageTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        EmailAddress.objects.create(
            user=cls.alice, email=cls.alice.email, verified=True, primary=True
        )

    def setUp(self) -> None:
        # The LocMem cache outlives a test: rate-limit counters of earlier files (alice's
        # reauthentication codes) ran out the allowance these pages use.
        cache.clear()
        self.client.force_login(self.alice)
        confirm_its_you(self.client, self.alice)

    def test_it_lays_out_the_sign_out_question(self) -> None:
        main = assert_site_page(self.client.get("/accounts/logout/"), "Sign out")
        assert '<form method="post" action="/accounts/logout/">' in main
        assert '<button type="submit" class="btn">Sign out</button>' in main

    def test_it_lays_out_set_password_and_then_change_password(self) -> None:
        main = assert_site_page(self.client.get("/accounts/password/set/"), "Set a password")
        assert 'href="/account/"' in main
        assert '<label for="id_password1">New password</label>' in main
        r = self.client.post(
            "/accounts/password/set/", {"password1": PASSWORD, "password2": PASSWORD}
        )
        assert r.status_code == 302
        response = self.client.get("/accounts/password/change/", follow=True)
        main = assert_site_page(response, "Change password")
        assert '<label for="id_oldpassword">Current password</label>' in main
        assert "Forgot your password?" in main
        main = assert_site_page(
            self.client.post(
                "/accounts/password/change/",
                {"oldpassword": "not it", "password1": "x", "password2": "x"},
            ),
            "Change password",
        )
        assert 'id="id_oldpassword_error"' in main and 'id="id_password1_error"' in main

    def test_it_lays_out_the_email_addresses_and_adding_one(self) -> None:
        main = assert_site_page(self.client.get("/accounts/email/"), "Email addresses")
        assert '<span class="address">alice@example.org</span>' in main
        assert '<span class="badge">primary</span>' in main
        # The only address, verified and primary: nothing to do with it, only adding one.
        for name in ("action_primary", "action_send", "action_remove"):
            assert f'name="{name}"' not in main, name
        assert re.search(r'name="action_add">Add address</button>', main)
        r = self.client.post("/accounts/email/", {"action_add": "", "email": "al@example.org"})
        response = self.client.get(r["Location"], follow=True)
        main = assert_site_page(response, "Enter the code we emailed you")
        assert "sent a code to <strong>al@example.org</strong>" in main
        # Signed in, the way back is the address list, not a sign-in code.
        assert '<a class="btn-secondary" href="/accounts/email/">Cancel</a>' in main
        assert "add the address again" in main and "new sign-in code" not in main
        r = self.client.post(response.wsgi_request.path, {"code": code_in(mail.outbox[-1])})
        main = assert_site_page(self.client.get("/accounts/email/"), "Email addresses")
        assert '<span class="address">al@example.org</span>' in main
        # Now two verified addresses: the new one can be made primary or removed.
        assert re.search(r'name="action_primary">Make primary<span[^>]*>: al@example.org', main)

    def test_it_says_why_the_primary_address_stays(self) -> None:
        r = self.client.post(
            "/accounts/email/", {"action_remove": "", "email": "alice@example.org"}, follow=True
        )
        said = [str(m) for m in r.context["messages"]]
        assert said == [
            "alice@example.org is your primary address: make another address primary before "
            "removing it."
        ]

    def test_it_lays_out_confirm_its_you_by_password_and_by_code(self) -> None:
        self.alice.set_password(PASSWORD)
        self.alice.save()
        self.client.force_login(self.alice)
        main = assert_site_page(self.client.get("/accounts/reauthenticate/"), "Confirm it's you")
        assert '<label for="id_password">Password</label>' in main
        assert '<a href="/accounts/reauthenticate/code/">Email me a code instead</a>' in main
        main = assert_site_page(
            self.client.get("/accounts/reauthenticate/code/"), "Confirm it's you"
        )
        assert '<label for="id_recipient">Send the code to</label>' in main
        assert '<a href="/accounts/reauthenticate/">Use your password instead</a>' in main
        r = self.client.post("/accounts/reauthenticate/code/", {"recipient": "alice@example.org"})
        assert r["Location"] == "/accounts/reauthenticate/code/confirm/"
        main = assert_site_page(self.client.get(r["Location"]), "Confirm it's you")
        assert "sent a code to <strong>alice@example.org</strong>" in main
        assert '<label for="id_code">Code</label>' in main


@override_settings(CACHES=LOCMEM)
class InactiveTests(BaseTestCase):
    def test_an_inactive_account_lands_on_the_sites_page(self) -> None:
        zed = User.objects.create_user("zed", "zed@example.org", password=PASSWORD)
        zed.is_active = False
        zed.save()
        EmailAddress.objects.create(user=zed, email=zed.email, verified=True, primary=True)
        r = self.client.post(
            "/accounts/login/", {"login": "zed@example.org", "password": PASSWORD}, follow=True
        )
        assert r.redirect_chain == [("/accounts/inactive/", 302)]
        main = assert_site_page(r, "Account switched off")
        assert "administrator" in main
        # Before: allauth/layouts/base.html, a page of its own with a "Menu:" list.
        assert "Menu:" not in text_of(r)
