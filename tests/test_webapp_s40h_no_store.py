"""What browsers and caches in between may keep (s40h): nothing of a team's.

Every answer to a signed-in request is `Cache-Control: private, no-store` (a view's own
stricter one kept: never_cache), pages, htmx partials, downloads and refusals alike
(mailsec.middleware.PrivateAnswersMiddleware); so are the team API's answers to a key and the
pages a mailed token opens (an invitation, a team's alert address, unsubscribing), which show
a team's name to whoever holds the link. Blind round s40e found the signed-in pages with no
Cache-Control at all, only `Vary: Cookie`: an MSP's admin at a shared computer, or a proxy,
could keep a team's domain page, its raw TLS report, its CSV exports.

Public answers keep what they had: the landing page, the free check and its permalinks, the
rubric, signing in, /healthz, the report intake, the MTA-STS policy served for a customer, the
static files."""

from __future__ import annotations

import gzip

from django.db import transaction
from django.test import override_settings
from django.urls import reverse

from mailsec.alerts.emails import unsubscribe_token
from mailsec.alerts.models import AlertSetting
from mailsec.api.models import ApiKey
from mailsec.freecheck.models import FreeCheck
from mailsec.hosting import service
from tests.test_access_sweep import (
    FORM_DATA,
    LOCMEM,
    OWNED,
    SAMPLE,
    SIGNED_IN,
    SweepCase,
    _Undo,
    probes_recorded,
)

HTMX = {"HTTP_HX_REQUEST": "true"}
# Django's never_cache, as the free check's pages, the landing page, /healthz and signing in
# have had since before s40h.
NEVER_CACHE = "max-age=0, no-cache, no-store, must-revalidate, private"


def directives(value: str | None) -> set[str]:
    return {d.strip() for d in (value or "").split(",") if d.strip()}


@override_settings(CACHES=LOCMEM)
class SignedInAnswersTestCase(SweepCase):
    def answers(self) -> list[tuple[str, str, bool, int, str | None]]:
        """(URL, method, htmx, status, Cache-Control) of every page, partial, download and
        form of the sweep, each change undone."""
        seen = []
        with probes_recorded():
            calls = [
                (url, method, htmx)
                for name, owned in OWNED.items()
                for url in self.owned_urls(name)
                for method in owned.methods
                for htmx in ((False, True) if owned.htmx else (False,))
            ] + [
                (reverse(name), method, False)
                for name, methods in SIGNED_IN.items()
                for method in methods
            ]
            for url, method, htmx in calls:
                try:
                    with transaction.atomic():
                        extra = HTMX if htmx else {}
                        data = FORM_DATA if method == "post" else {}
                        r = getattr(self.client, method)(url, data, **extra)
                        raise _Undo
                except _Undo:
                    pass
                seen.append((url, method, htmx, r.status_code, r.get("Cache-Control")))
        return seen

    def test_every_answer_to_the_owner_and_a_viewer_is_private_no_store(self) -> None:
        for person in (self.alice, self.vera):
            self.client.force_login(person)
            for url, method, htmx, status, cache_control in self.answers():
                with self.subTest(person=person.username, url=url, method=method, htmx=htmx):
                    self.assertLess(status, 500)
                    self.assertLessEqual({"private", "no-store"}, directives(cache_control))
                    self.assertNotIn("public", directives(cache_control))

    def test_a_sample_of_each_kind(self) -> None:
        """The kinds the brief names, by their content, so the sweep above is known to reach
        them: a page, an htmx partial, the CSV exports, a raw report, records.csv."""
        self.client.force_login(self.alice)
        token = {"token": self.o.address.token}
        code = {"code": self.o.domain.code}
        samples = [
            (reverse("domains:details", kwargs=code), {}, "text/html"),
            (reverse("hosting:records", kwargs=code), HTMX, "text/html"),
            (reverse("domains:export_csv"), {}, "text/csv"),
            (reverse("domains:records_csv"), {}, "text/csv"),
            (reverse("reports:export_csv", kwargs=token), {}, "text/csv"),
            (
                reverse("reports:raw_json", kwargs={**token, "raw_id": self.o.raw.public_id}),
                {},
                "application/json",
            ),
            (reverse("reports:dashboard", kwargs=token), {}, "text/html"),
        ]
        with probes_recorded():
            for url, extra, kind in samples:
                with self.subTest(url=url):
                    r = self.client.get(url, **extra)
                    self.assertEqual(r.status_code, 200)
                    self.assertTrue(r["Content-Type"].startswith(kind), r["Content-Type"])
                    self.assertEqual(directives(r["Cache-Control"]), {"private", "no-store"})
                    self.assertIn("Cookie", r["Vary"])

    def test_the_lists_are_private_no_store_page_and_partial(self) -> None:
        """The domain list and the all-domains page said `private, no-cache` (s14). They send
        no validator (no ETag, no Last-Modified: nothing answers 304 here), so each use was
        a whole new answer already; no-store loses nothing and keeps no copy on the disk."""
        self.client.force_login(self.alice)
        for name, target in (("domains:index", "domain-list"), ("reports:all_domains", None)):
            for extra in ({}, {**HTMX, "HTTP_HX_TARGET": target or "all-domains-list"}):
                with self.subTest(name=name, htmx=bool(extra)):
                    r = self.client.get(reverse(name) + "?q=acme", **extra)
                    self.assertEqual(r.status_code, 200)
                    self.assertEqual(directives(r["Cache-Control"]), {"private", "no-store"})
                    self.assertIn("HX-Request", r["Vary"])
                    self.assertNotIn("ETag", r)
                    self.assertNotIn("Last-Modified", r)

    def test_the_team_api_with_a_key(self) -> None:
        _, plain = ApiKey.create_for(self.team, "s40h", self.alice)
        auth = {"HTTP_AUTHORIZATION": f"Bearer {plain}"}
        for url in (
            reverse("api:domains"),
            reverse("api:domain", kwargs={"name": "acme.test"}),
            reverse("api:history", kwargs={"name": "acme.test"}),
        ):
            with self.subTest(url=url):
                r = self.client.get(url, **auth)
                self.assertEqual(r.status_code, 200)
                self.assertLessEqual({"private", "no-store"}, directives(r["Cache-Control"]))


@override_settings(CACHES=LOCMEM)
class TokenPagesTestCase(SweepCase):
    """Opened from a mail, signed out: each shows a team's name (or a domain's)."""

    def test_pages_a_mailed_token_opens_are_private_no_store(self) -> None:
        AlertSetting.set_mode(self.alice, self.o.domain, AlertSetting.Mode.IMMEDIATE)
        urls = {
            "invitation": reverse("accounts:invite", kwargs={"token": self.o.invite.token}),
            "alert address": reverse(
                "alerts:confirm_address", kwargs={"token": self.o.team_address.token}
            ),
            "unsubscribe": reverse(
                "alerts:unsubscribe",
                kwargs={"token": unsubscribe_token(self.alice, self.o.domain)},
            ),
        }
        for what, url in urls.items():
            with self.subTest(what=what):
                r = self.client.get(url)
                self.assertEqual(r.status_code, 200)
                self.assertLessEqual({"private", "no-store"}, directives(r["Cache-Control"]))


@override_settings(CACHES=LOCMEM)
class PublicAnswersTestCase(SweepCase):
    """As before s40h, signed out; and the answers that never see a session (the policy
    host, the static files) the same for someone signed in."""

    def test_public_pages_signed_out_keep_their_cache_control(self) -> None:
        free = FreeCheck.objects.create(domain="example.net", status=FreeCheck.State.DONE)
        expected = {
            "/": NEVER_CACHE,
            "/healthz": NEVER_CACHE,
            reverse("freecheck"): NEVER_CACHE,
            reverse("freecheck-report", kwargs={"code": free.code}): NEVER_CACHE,
            reverse("freecheck-results", kwargs={"code": free.code}): NEVER_CACHE,
            reverse("account_login"): NEVER_CACHE,
            # The rubric is the same for everyone: no Cache-Control of ours.
            reverse("scoring-rubric"): None,
        }
        for url, cache_control in expected.items():
            with self.subTest(url=url):
                r = self.client.get(url)
                self.assertEqual(r.status_code, 200)
                self.assertEqual(r.get("Cache-Control"), cache_control)

    def test_report_intake_answers_as_before(self) -> None:
        url = reverse("reports:receive", kwargs={"token": self.o.address.token})
        r = self.client.post(
            url, data=gzip.compress(SAMPLE), content_type="application/tlsrpt+gzip"
        )
        self.assertLess(r.status_code, 300)
        self.assertIsNone(r.get("Cache-Control"))

    def test_the_policy_host_keeps_its_no_cache_for_anyone(self) -> None:
        with probes_recorded():
            service.enable(self.o.domain)
        for person in (None, self.alice):
            if person is not None:
                self.client.force_login(person)
            with self.subTest(signed_in=person is not None):
                r = self.client.get("/.well-known/mta-sts.txt", HTTP_HOST="mta-sts.acme.test")
                self.assertEqual(r.status_code, 200)
                self.assertEqual(r["Cache-Control"], "no-cache")

    @override_settings(WHITENOISE_USE_FINDERS=True, WHITENOISE_AUTOREFRESH=True)
    def test_static_files_the_same_signed_in(self) -> None:
        url = "/static/js/copy.js"
        signed_out = self.client.get(url)
        self.assertEqual(signed_out.status_code, 200)
        self.client.force_login(self.alice)
        signed_in = self.client.get(url)
        self.assertEqual(signed_in.status_code, 200)
        self.assertIn("public", directives(signed_in["Cache-Control"]))
        self.assertEqual(signed_in["Cache-Control"], signed_out["Cache-Control"])
