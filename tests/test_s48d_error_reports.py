"""Task s48d, item 1: operators get a report of each server error by mail, and no secret is in it.

MAILSEC_ADMINS names who (docs/configuration.md); Django's mail_admins handler sends the report
of a 500 through the configured email backend with DEBUG off. Before s48d there was no ADMINS,
so nobody was mailed. The report passes through mailsec.debugfilter.SecretFieldsFilter: the
posted password and code, an API key in its header, and a password inside a URL (a setting
such as REDIS_URL, or a variable of the environment runserver's WSGI environ copies) read
stars."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client, override_settings

from mailsec.api.models import ApiKey
from mailsec.middleware import TimeZoneMiddleware
from tests.conftest import BaseTestCase
from tests.test_s43d_env_at_startup import start

PASSWORD = "S48dPostedPassword-9f3c"
CODE = "S48D-POSTED-CODE-271828"
REDIS_PASSWORD = "S48dRedisPassword-77a1"
DATABASE_PASSWORD = "S48dDatabasePassword-5e2b"
ADMINS = [("Ops", "ops@mailsec.example"), ("", "night@mailsec.example")]


def failing_page(self: Any, request: Any) -> Any:
    request.POST  # noqa: B018 - read, as the page would, before it fails
    raise RuntimeError("s48d forced failure")


@override_settings(ADMINS=ADMINS)
class ErrorReportMailTestCase(BaseTestCase):
    def setUp(self) -> None:
        cache.clear()

    def fail_a_post(self) -> Any:
        # Any page failing: a middleware every page passes through raises, after the POST was
        # read. The sign-in page, with a password, a code and an API key in both headers.
        client = Client(raise_request_exception=False)
        with mock.patch.object(TimeZoneMiddleware, "__call__", failing_page):
            response = client.post(
                "/accounts/login/",
                {"login": "alice@example.org", "password": PASSWORD, "code": CODE},
                HTTP_AUTHORIZATION=f"Bearer msk_{CODE}",
                HTTP_X_API_KEY=f"msk_{CODE}",
                # What runserver's WSGI environ carries: the whole process environment.
                DATABASE_URL=f"postgres://mailsec:{DATABASE_PASSWORD}@db.example:5432/mailsec",
            )
        self.assertEqual(response.status_code, 500)
        return response

    def assert_no_secret(self, text: str) -> None:
        for secret in (PASSWORD, CODE, REDIS_PASSWORD, DATABASE_PASSWORD):
            self.assertNotIn(secret, text)

    @override_settings(
        REDIS_URL=f"rediss://:{REDIS_PASSWORD}@redis.example:6380/0",
        CELERY_BROKER_URL=f"rediss://:{REDIS_PASSWORD}@redis.example:6380/0",
    )
    def test_a_server_error_mails_the_admins_one_report_without_secrets(self) -> None:
        self.fail_a_post()
        self.assertEqual(len(mail.outbox), 1)
        message = mail.outbox[0]
        self.assertEqual(sorted(message.to), ["night@mailsec.example", "ops@mailsec.example"])
        self.assertIn("Internal Server Error: /accounts/login/", message.subject)
        self.assertTrue(message.subject.startswith("[mailsec] "), message.subject)
        body = message.body
        self.assertIn("s48d forced failure", body)
        self.assertIn("alice@example.org", body)  # the POST is in it, its secrets starred
        self.assertIn("password = '********************'", body)
        self.assertIn("code = '********************'", body)
        self.assertIn("REDIS_URL = 'rediss://:********************@redis.example:6380/0'", body)
        self.assertIn("postgres://mailsec:********************@db.example:5432/mailsec", body)
        self.assert_no_secret(body)
        self.assert_no_secret(message.subject)
        self.assertNotIn("msk_", body)

    def test_a_failed_api_key_lookup_mails_no_key(self) -> None:
        key = ApiKey.create_for(self.team, "scripts", self.alice)[1]
        failing = mock.patch.object(
            ApiKey.objects, "select_related", side_effect=RuntimeError("database gone")
        )
        with failing:
            response = Client(raise_request_exception=False).get(
                "/api/v1/domains", HTTP_AUTHORIZATION=f"Bearer {key}"
            )
        self.assertEqual(response.status_code, 500)
        self.assertEqual(len(mail.outbox), 1)
        self.assertIn("database gone", mail.outbox[0].body)
        self.assertNotIn(key[len("msk_") :], mail.outbox[0].body)

    @override_settings(ADMINS=[])
    def test_without_admins_nobody_is_mailed(self) -> None:
        self.fail_a_post()
        self.assertEqual(mail.outbox, [])

    @override_settings(DEBUG=True)
    def test_with_debug_on_nobody_is_mailed(self) -> None:
        self.fail_a_post()
        self.assertEqual(mail.outbox, [])


SHOW_ADMINS = (
    "import django; django.setup(); from django.conf import settings; print(settings.ADMINS)"
)


@pytest.mark.parametrize(
    "value",
    [
        "ops",
        "ops@mailsec.example ops2@mailsec.example",
        "Ops <ops@mailsec.example",
        "ops@mailsec.example, Night <night@>",
        '"Ops, night <ops@mailsec.example>',
        "ops@mailsec.example;night@mailsec.example",
    ],
)
def test_a_malformed_admins_value_stops_start_up(tmp_path: Path, value: str) -> None:
    done = start(tmp_path, SHOW_ADMINS, MAILSEC_ADMINS=value)
    assert done.returncode != 0, done.stdout
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("django.core.exceptions.ImproperlyConfigured: "), done.stderr[-2000:]
    assert f"MAILSEC_ADMINS={value!r} is not valid" in last


@pytest.mark.parametrize(
    ("value", "admins"),
    [
        ("", []),
        ("ops@mailsec.example", [("", "ops@mailsec.example")]),
        (
            'Ops <ops@mailsec.example>, night@mailsec.example, "Duty, night" <d@mailsec.example>',
            [
                ("Ops", "ops@mailsec.example"),
                ("", "night@mailsec.example"),
                ("Duty, night", "d@mailsec.example"),
            ],
        ),
    ],
)
def test_admins_from_the_environment(tmp_path: Path, value: str, admins: list[Any]) -> None:
    done = start(tmp_path, SHOW_ADMINS, MAILSEC_ADMINS=value)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == repr(admins)
