"""Error pages, the CSRF failure page and the password forms in the site's own layout and words.

Before: with DEBUG off a missing page was Django's bare "Not Found" (and "Server Error (500)",
"Bad Request (400)", "403 Forbidden"), outside the site's header and footer and with no way
on; a refused form was Django's CSRF page, whose inline <style> the policy blocks; allauth's
password fields kept "Current Password" and "New Password (again)" as placeholders; and the
"Account" link was not marked as the current page on allauth's account pages."""

from __future__ import annotations

import html
import re
from typing import Any

from allauth.account.models import EmailAddress
from django.contrib.auth.models import User
from django.core import mail
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.db import OperationalError, connection
from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.test import Client, override_settings
from django.urls import include, path

from tests.conftest import BaseTestCase
from tests.test_accounts_s21_security import confirm_its_you

LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
HEADER = "Content-Security-Policy"
PASSWORD = "Plenty-of-entropy-42"


def refused(request: HttpRequest) -> HttpResponse:
    raise PermissionDenied


def unreadable(request: HttpRequest) -> HttpResponse:
    raise SuspiciousOperation("a request we cannot read")


def broken(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("broken on purpose")


def needs_database(request: HttpRequest) -> HttpResponse:
    return HttpResponse(str(User.objects.count()))


# The site's URLs, and views that fail in each way (ROOT_URLCONF=this module).
urlpatterns = [
    path("test/refused", refused),
    path("test/unreadable", unreadable),
    path("test/broken", broken),
    path("test/needs-database", needs_database),
    path("", include("mailsec.urls")),
]


def text_of(response: Any) -> str:
    return re.sub(r"\s+", " ", html.unescape(response.content.decode()))


def refuse_queries(*args: Any) -> None:
    raise OperationalError("connection refused (the test's database is down)")


def assert_error_page(response: Any, status: int, heading: str) -> str:
    """The site's page (header, skip link, footer) with `heading` as its h1, the ways on, and
    nothing the Content-Security-Policy blocks. Returns its <main>, white space collapsed."""
    assert response.status_code == status, response.status_code
    assert response["Content-Type"].startswith("text/html")
    assert HEADER in response.headers
    page = text_of(response)
    assert '<header class="site-header">' in page
    assert '<a class="skip-link" href="#main">' in page
    assert '<footer class="site-footer">' in page
    assert re.search(r"<title>[^<]+ — mailsec</title>", page), page[:300]
    main = re.search(r"<main\b.*?</main>", page, re.S)
    assert main, page[:500]
    assert f"<h1>{heading}</h1>" in main.group(0), main.group(0)
    # No inline style or script: the policy would block them (the page unstyled, or a
    # console error in production).
    assert not re.search(r"<style[\s>]", page)
    assert " style=" not in page
    for tag in re.findall(r"<script\b[^>]*>", page):
        assert " src=" in tag, tag
    assert not re.search(r"<[a-z][^>]*\son[a-z]+=", page)
    return main.group(0)


def assert_ways_on(main: str) -> None:
    assert '<a href="/">Home</a>' in main
    assert '<a href="/domains/">Your domains</a>' in main
    assert '<a href="/check">Check a domain, free</a>' in main


@override_settings(CACHES=LOCMEM, DEBUG=False, ROOT_URLCONF=__name__)
class ErrorPageTests(BaseTestCase):
    def setUp(self) -> None:
        self.client = Client(raise_request_exception=False)

    def test_it_lays_out_the_404_page(self) -> None:
        main = assert_error_page(self.client.get("/no/such/page"), 404, "Page not found")
        assert "mistyped" in main
        assert_ways_on(main)
        assert "Not Found" not in main

    def test_it_lays_out_the_404_page_for_someone_signed_in(self) -> None:
        # With the request (Django renders 404.html with it): the usual navigation.
        self.client.force_login(self.alice)
        response = self.client.get("/no/such/page")
        assert_error_page(response, 404, "Page not found")
        assert '<a href="/account/">Account</a>' in text_of(response)

    def test_it_lays_out_the_403_page(self) -> None:
        main = assert_error_page(self.client.get("/test/refused"), 403, "Not open to you")
        assert_ways_on(main)

    def test_it_lays_out_the_400_page(self) -> None:
        main = assert_error_page(self.client.get("/test/unreadable"), 400, "Request not understood")
        assert_ways_on(main)

    def test_it_lays_out_the_500_page(self) -> None:
        response = self.client.get("/test/broken")
        main = assert_error_page(response, 500, "Something went wrong on our side")
        assert "try again" in main
        assert_ways_on(main)
        # Rendered without the request (Django's server_error): the navigation claims
        # nothing of who is signed in.
        assert "Sign in" not in text_of(response) and "Account" not in text_of(response)
        # And no empty navigation landmark, which screen readers would list.
        assert "<nav" not in response.content.decode()

    def test_the_500_page_needs_no_database(self) -> None:
        # The database down: the view fails on its query, and the error page asks for none,
        # signed in or not.
        signed_in = Client(raise_request_exception=False)
        signed_in.force_login(self.alice)
        for client in (self.client, signed_in):
            with connection.execute_wrapper(refuse_queries):
                response = client.get("/test/needs-database")
            main = assert_error_page(response, 500, "Something went wrong on our side")
            assert_ways_on(main)

    def test_the_500_template_renders_with_no_context(self) -> None:
        # As django.views.defaults.server_error does: no request, no context processors.
        with connection.execute_wrapper(refuse_queries):
            page = loader.get_template("500.html").render()
        assert "<h1>Something went wrong on our side</h1>" in page
        assert '<footer class="site-footer">' in page


@override_settings(CACHES=LOCMEM, DEBUG=False)
class CsrfFailureTests(BaseTestCase):
    def setUp(self) -> None:
        self.client = Client(enforce_csrf_checks=True)

    def test_it_says_what_happened_in_the_sites_layout(self) -> None:
        response = self.client.post("/check", {"domain": "example.com"})
        main = assert_error_page(response, 403, "This form could not be sent")
        assert "cookies" in main and "signed in or out" in main
        assert "Go back, reload the page and send the form again." in main
        assert_ways_on(main)
        # Django's page, whose inline <style> the policy blocks, and its words.
        assert "CSRF verification failed" not in text_of(response)
        # Django's reason is for developers: shown with DEBUG on only.
        assert "CSRF cookie not set" not in main

    def test_it_names_the_reason_with_debug_on(self) -> None:
        with override_settings(DEBUG=True):
            response = self.client.post("/check", {"domain": "example.com"})
        main = assert_error_page(response, 403, "This form could not be sent")
        assert "CSRF cookie not set." in main

    def test_a_signed_in_form_sent_again_after_reloading_goes_through(self) -> None:
        self.client.force_login(self.alice)
        response = self.client.post("/team/rename/", {"name": "Renamed"})
        assert_error_page(response, 403, "This form could not be sent")
        assert '<a href="/account/">Account</a>' in text_of(response)
        # The page itself gave a token (the layout's): reloading the form and sending it
        # again, with it, is accepted.
        token = self.client.cookies["csrftoken"].value
        response = self.client.post(
            "/team/rename/", {"name": "Renamed", "csrfmiddlewaretoken": token}
        )
        assert response.status_code == 302
        self.team.refresh_from_db()
        assert self.team.name == "Renamed"


def placeholders(response: Any) -> dict[str, str]:
    page = response.content.decode()
    found = {}
    for tag in re.findall(r"<input\b[^>]*>", page):
        name = re.search(r'\sname="([^"]+)"', tag)
        placeholder = re.search(r'\splaceholder="([^"]*)"', tag)
        if name and placeholder:
            found[name.group(1)] = html.unescape(placeholder.group(1))
    return found


@override_settings(CACHES=LOCMEM)
class PasswordWordsTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        EmailAddress.objects.create(
            user=cls.alice, email=cls.alice.email, verified=True, primary=True
        )

    def test_setting_a_password_says_it_in_the_sites_words(self) -> None:
        self.client.force_login(self.alice)
        confirm_its_you(self.client, self.alice)
        response = self.client.get("/accounts/password/set/")
        assert response.status_code == 200
        assert placeholders(response) == {
            "password1": "New password",
            "password2": "New password, again",
        }

    def test_changing_it_says_it_in_the_sites_words(self) -> None:
        self.alice.set_password(PASSWORD)
        self.alice.save()
        self.client.force_login(self.alice)
        response = self.client.get("/accounts/password/change/")
        assert response.status_code == 200
        assert placeholders(response) == {
            "oldpassword": "Current password",
            "password1": "New password",
            "password2": "New password, again",
        }
        form = response.context["form"]
        assert [form[name].label for name in ("oldpassword", "password1", "password2")] == [
            "Current password",
            "New password",
            "New password, again",
        ]
        # Still allauth's form underneath: a wrong current password is refused.
        response = self.client.post(
            "/accounts/password/change/",
            {
                "oldpassword": "not it",
                "password1": "An0ther-long-one",
                "password2": "An0ther-long-one",
            },
        )
        assert response.status_code == 200 and response.context["form"].errors["oldpassword"]

    def test_resetting_it_says_it_in_the_sites_words(self) -> None:
        r = self.client.post("/accounts/password/reset/", {"email": "alice@example.org"})
        code = re.search(r"^\s*(\d{6})\s*$", mail.outbox[-1].body, re.MULTILINE)
        assert code, mail.outbox[-1].body
        r = self.client.post(r["Location"], {"code": code.group(1)})
        response = self.client.get(r["Location"])
        assert response.status_code == 200
        assert placeholders(response) == {
            "password1": "New password",
            "password2": "New password, again",
        }
        r = self.client.post(r["Location"], {"password1": PASSWORD, "password2": PASSWORD})
        assert r["Location"] == "/accounts/password/reset/done/"
        self.alice.refresh_from_db()
        assert self.alice.check_password(PASSWORD)


CURRENT = re.compile(r'<a href="([^"]+)" aria-current="page">([^<]+)</a>')


@override_settings(CACHES=LOCMEM)
class AccountNavTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        EmailAddress.objects.create(
            user=cls.alice, email=cls.alice.email, verified=True, primary=True
        )

    def setUp(self) -> None:
        self.client.force_login(self.alice)

    def test_it_marks_account_on_the_account_pages(self) -> None:
        self.alice.set_password(PASSWORD)
        self.alice.save()
        self.client.force_login(self.alice)
        for url in [
            "/account/",
            "/accounts/email/",
            "/accounts/password/change/",
            "/accounts/reauthenticate/",
            "/accounts/reauthenticate/code/",
            "/accounts/logout/",
        ]:
            response = self.client.get(url)
            assert response.status_code == 200, url
            assert CURRENT.findall(response.content.decode()) == [("/account/", "Account")], url

    def test_it_marks_it_on_setting_a_first_password(self) -> None:
        confirm_its_you(self.client, self.alice)
        response = self.client.get("/accounts/password/set/")
        assert CURRENT.findall(response.content.decode()) == [("/account/", "Account")]

    def test_the_other_pages_keep_their_own_mark(self) -> None:
        for url, mark in [("/domains/", "Domains"), ("/team/", "Team")]:
            response = self.client.get(url)
            assert [text for _, text in CURRENT.findall(response.content.decode())] == [mark]
        assert CURRENT.findall(self.client.get("/").content.decode()) == []
