"""The team API's server errors and its per-key rate.

A server error under /api/v1/ answered the site's HTML 500 page; API clients read JSON. It now
answers {"error": "<in words>"} with status 500, still logged and signalled
as any 500 (mailsec.api.middleware). The per-key rate was a constant (60 a minute); it is
MAILSEC_API_RATE_PER_MINUTE, read when the server starts (mailsec.api.models.RATE)."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any
from unittest import mock

from django.core.cache import cache
from django.core.signals import got_request_exception
from django.test import Client, override_settings

from mailsec.api import models as api_models
from mailsec.api import views
from mailsec.api.models import ApiKey
from mailsec.domains.models import Domain
from tests.conftest import BaseTestCase

LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


@override_settings(CACHES=LOCMEM)
class ServerErrorTestCase(BaseTestCase):
    def setUp(self) -> None:
        cache.clear()
        self.key = ApiKey.create_for(self.team, "dashboard", None)[1]
        Domain.objects.create(team=self.team, name="example.org")
        # As a web server's client sees it: the exception is not raised into the test.
        self.client = Client(raise_request_exception=False)

    def get(self, path: str) -> Any:
        return self.client.get(path, HTTP_AUTHORIZATION=f"Bearer {self.key}")

    def test_a_crash_in_a_view_answers_json(self) -> None:
        reported: list[Any] = []

        def receiver(**kwargs: Any) -> None:
            reported.append(kwargs["request"].path)

        got_request_exception.connect(receiver)
        try:
            with (
                mock.patch.object(views, "_team_domain", side_effect=RuntimeError("boom")),
                self.assertLogs("django.request", "ERROR") as logged,
            ):
                r = self.get("/api/v1/domains/example.org")
        finally:
            got_request_exception.disconnect(receiver)
        self.assertEqual(r.status_code, 500)
        self.assertEqual(r["Content-Type"], "application/json")
        body = r.json()
        self.assertEqual(list(body), ["error"])  # the shape of every other refusal
        self.assertIn("our side", body["error"])
        self.assertNotIn("boom", r.content.decode())  # no detail of the error leaks out
        self.assertIn("no-store", r["Cache-Control"])
        self.assertEqual(int(r["Content-Length"]), len(r.content))
        # Reported as any 500 is: Django's signal (error trackers) and its log, traceback and
        # all (mail to ADMINS in production), once.
        self.assertEqual(reported, ["/api/v1/domains/example.org"])
        self.assertEqual(len(logged.records), 1)
        self.assertIn("Internal Server Error: /api/v1/domains/example.org", logged.output[0])
        self.assertIsNotNone(logged.records[0].exc_info)

    def test_a_crash_before_the_view_answers_json(self) -> None:
        """Looking the key up fails (a database or cache outage): still JSON."""
        with (
            mock.patch.object(ApiKey, "for_key", side_effect=RuntimeError("down")),
            self.assertLogs("django.request", "ERROR"),
        ):
            r = self.get("/api/v1/domains")
        self.assertEqual(r.status_code, 500)
        self.assertIn("our side", r.json()["error"])

    def test_the_site_keeps_its_html_500_page(self) -> None:
        with (
            mock.patch("mailsec.views.render", side_effect=RuntimeError("boom")),
            self.assertLogs("django.request", "ERROR"),
        ):
            r = self.client.get("/")
        self.assertEqual(r.status_code, 500)
        self.assertTrue(r["Content-Type"].startswith("text/html"))

    def test_json_errors_of_the_api_are_left_alone(self) -> None:
        r = self.get("/api/v1/domains?page=0")
        self.assertEqual(r.status_code, 400)
        self.assertEqual(set(r.json()), {"error"})


@override_settings(CACHES=LOCMEM)
class RateTestCase(BaseTestCase):
    def test_the_default_is_60_a_minute(self) -> None:
        cache.clear()
        key = ApiKey.create_for(self.team, "dashboard", None)[1]
        r = self.client.get("/api/v1/domains", HTTP_AUTHORIZATION=f"Bearer {key}")
        self.assertEqual(r["RateLimit-Limit"], "60")
        self.assertEqual((api_models.RATE, api_models.WINDOW), (60, 60))


def started_with(env: dict[str, str], code: str) -> subprocess.CompletedProcess[str]:
    """`code` run in a fresh process, after django.setup(), with `env` added."""
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "mailsec.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_setting_is_each_keys_rate_and_the_team_pages() -> None:
    """The views limit by mailsec.api.views.RATE (tests/test_api_s20.py's
    test_the_rate_limit_is_per_key) and the team page states mailsec.accounts.views.RATE:
    both are the setting, read as the server starts."""
    code = (
        "from mailsec.api import views as api; from mailsec.accounts import views as team; "
        "print(api.RATE, team.RATE)"
    )
    done = started_with({"MAILSEC_API_RATE_PER_MINUTE": "600"}, code)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["600", "600"]


def test_a_bad_rate_fails_loudly() -> None:
    for bad in ("0", "-5", "sixty", "1.5"):
        done = started_with({"MAILSEC_API_RATE_PER_MINUTE": bad}, "")
        assert done.returncode != 0, bad
        assert "MAILSEC_API_RATE_PER_MINUTE" in done.stderr, done.stderr
