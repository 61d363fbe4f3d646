"""Task s41f, item 1: a session that cannot be read never turns a public answer into a 500.

With a session cookie in the request, TimeZoneMiddleware (before the view) and
PrivateAnswersMiddleware (after it) read the session and the user, from the cache and the
database. With the database down, /healthz answered 500 from those middleware instead of its
own 503 naming the database, and the TLS-RPT intake 500 instead of its 503 + Retry-After
(RFC 8460 §5.5: a sender retries a 503, it should never see a 500). A browser that once
signed in sends the cookie to every page of the site, /healthz too; a stale cookie as well.

The database is made to fail as a dead server does: every query raises OperationalError
(connection.execute_wrapper), the session's and the user's included."""

from __future__ import annotations

import gzip
import json
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import OperationalError, connection
from django.test import Client, override_settings
from django.urls import reverse

from tests.conftest import BaseTestCase
from tests.test_access_sweep import SAMPLE

LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Django's never_cache, as /healthz has it.
NEVER_CACHE = "max-age=0, no-cache, no-store, must-revalidate, private"
# A report address token's form (hex), for no address: the intake looks it up first.
TOKEN = "0" * 32


def database_down(*args: Any) -> None:
    raise OperationalError("connection refused (s41f: the database is down)")


def directives(value: str | None) -> set[str]:
    return {d.strip() for d in (value or "").split(",") if d.strip()}


@override_settings(CACHES=LOCMEM)
class DatabaseDownTestCase(BaseTestCase):
    def signed_in_client(self) -> Client:
        """alice's browser, its session no longer in the cache (a restart, an eviction): the
        session is read from the database."""
        client = Client(raise_request_exception=False)
        client.force_login(self.alice)
        cache.clear()
        return client

    def stale_cookie_client(self) -> Client:
        """A browser with a session cookie of a session that no longer exists."""
        client = Client(raise_request_exception=False)
        client.cookies[settings.SESSION_COOKIE_NAME] = "s41f" + "x" * 28
        return client

    def clients(self) -> dict[str, Client]:
        return {"signed in": self.signed_in_client(), "stale cookie": self.stale_cookie_client()}

    def test_s41f_healthz_names_the_database(self) -> None:
        for who, client in self.clients().items():
            with self.subTest(who=who):
                with connection.execute_wrapper(database_down):
                    r = client.get("/healthz")
                self.assertEqual(r.status_code, 503, r.content[:200])
                self.assertEqual(
                    json.loads(r.content),
                    {"database": "error: OperationalError", "broker": "ok"},
                )
                self.assertEqual(r["Cache-Control"], NEVER_CACHE)

    def test_s41f_the_intake_answers_503_with_retry_after(self) -> None:
        url = reverse("reports:receive", kwargs={"token": TOKEN})
        for who, client in self.clients().items():
            with self.subTest(who=who):
                with connection.execute_wrapper(database_down):
                    r = client.post(
                        url, data=gzip.compress(SAMPLE), content_type="application/tlsrpt+gzip"
                    )
                self.assertEqual(r.status_code, 503, r.content[:200])
                self.assertEqual(r["Retry-After"], "300")
                # Whether someone is signed in could not be told: kept by nobody.
                self.assertLessEqual({"private", "no-store"}, directives(r["Cache-Control"]))

    def test_s41f_a_page_that_needs_the_user_answers_its_own_500(self) -> None:
        """The middleware hides no failure: a page that reads the user fails on it itself,
        with the site's 500 page (which needs no database)."""
        client = self.signed_in_client()
        with connection.execute_wrapper(database_down):
            r = client.get(reverse("domains:index"))
        self.assertEqual(r.status_code, 500)
        self.assertIn(b"Something went wrong on our side", r.content)
        self.assertLessEqual({"private", "no-store"}, directives(r["Cache-Control"]))

    def test_s41f_signed_out_without_a_cookie_reads_no_session(self) -> None:
        """No cookie: neither middleware asks the database; /healthz's one query is its
        own probe (SELECT 1)."""
        client = Client(raise_request_exception=False)
        with self.assertNumQueries(1):
            r = client.get("/healthz")
        self.assertEqual(r.status_code, 200)


# Item 2: the lists' own cache_control duplicated PrivateAnswersMiddleware.
LISTS = {"domains:index": "domain-list", "reports:all_domains": "all-domains-list"}
WITHOUT_PRIVATE_ANSWERS = [
    m for m in settings.MIDDLEWARE if m != "mailsec.middleware.PrivateAnswersMiddleware"
]


@override_settings(CACHES=LOCMEM)
class ListHeadersTestCase(BaseTestCase):
    def answers(self) -> dict[tuple[str, bool], Any]:
        """Each list's page and its htmx partial (the filter's request)."""
        return {
            (name, htmx): self.client.get(
                reverse(name) + "?q=acme",
                **({"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": target} if htmx else {}),
            )
            for name, target in LISTS.items()
            for htmx in (False, True)
        }

    def test_s41f_signed_in_page_and_partial_are_private_no_store(self) -> None:
        self.client.force_login(self.alice)
        for (name, htmx), r in self.answers().items():
            with self.subTest(name=name, htmx=htmx):
                self.assertEqual(r.status_code, 200)
                self.assertEqual(directives(r["Cache-Control"]), {"private", "no-store"})
                self.assertIn("HX-Request", r["Vary"])
                self.assertIn("Cookie", r["Vary"])

    @override_settings(MIDDLEWARE=WITHOUT_PRIVATE_ANSWERS)
    def test_s41f_the_header_has_one_source_the_middleware(self) -> None:
        """The lists set no Cache-Control of their own: the middleware's is the one rule for
        every signed-in answer (a view setting it too could drift from it)."""
        self.client.force_login(self.alice)
        for (name, htmx), r in self.answers().items():
            with self.subTest(name=name, htmx=htmx):
                self.assertEqual(r.status_code, 200)
                self.assertNotIn("Cache-Control", r)
                self.assertIn("HX-Request", r["Vary"])

    def test_s41f_signed_out_the_way_to_sign_in_carries_nothing_of_a_team(self) -> None:
        """Signed out, the page is a redirect to sign in and the partial an HX-Redirect there,
        as every signed-in page's (none of them said Cache-Control): nothing of a team to
        keep, and each varies on the cookie, so no cache hands it to someone signed in."""
        for (name, htmx), r in self.answers().items():
            with self.subTest(name=name, htmx=htmx):
                if htmx:
                    self.assertEqual(r.status_code, 200)
                    self.assertTrue(r["HX-Redirect"].startswith(reverse("account_login")))
                    self.assertEqual(r.content, b"")
                else:
                    self.assertEqual(r.status_code, 302)
                    self.assertTrue(r["Location"].startswith(reverse("account_login")))
                self.assertNotIn("Cache-Control", r)
                self.assertIn("Cookie", r["Vary"])
                self.assertIn("HX-Request", r["Vary"])


# Nothing listens on port 1 of the loopback: every cache operation is refused at once.
CACHE_DOWN = {
    "default": {
        "BACKEND": "mailsec.cache.Redis",
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"socket_connect_timeout": 1},
    }
}


@override_settings(CACHES=LOCMEM)
class CacheDownTestCase(BaseTestCase):
    def test_s41f_healthz_with_a_session_cookie_and_the_cache_down(self) -> None:
        """The session cache (and the time zone's) refusing: the session is read from the
        database, writing it back to the cache fails, and /healthz still answers its own."""
        client = Client(raise_request_exception=False)
        client.force_login(self.alice)
        with override_settings(CACHES=CACHE_DOWN):  # Django's test signals reopen caches
            r = client.get("/healthz")
        self.assertEqual(r.status_code, 200, r.content[:200])
        self.assertEqual(r["Cache-Control"], NEVER_CACHE)
