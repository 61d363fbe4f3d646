"""Review s48r2 of s48d (75c40048): MAILSEC_ADMINS is mailed each server error (a 500), as
docs/configuration.md says, not each request a client got wrong on purpose.

Django logs a SuspiciousOperation (a Host header not in ALLOWED_HOSTS, a POST with more
fields than DATA_UPLOAD_MAX_NUMBER_FIELDS, ...) at ERROR on a django.security.* logger, which
propagates to the "django" logger and its mail_admins handler: with ADMINS set, anyone could
send one mail to the operators per request (Caddy's catch-all https:// site forwards a request
whose Host differs from its SNI). The "django.security" logger now writes them to stderr
(the journal) only: its console handler, and no propagation to "django". A real 500 is still
mailed."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from unittest import mock

from django.core import mail
from django.test import Client, override_settings

from mailsec.middleware import TimeZoneMiddleware
from tests.conftest import BaseTestCase

ADMINS = [("Ops", "ops@mailsec.example")]


def failing_page(self: Any, request: Any) -> Any:
    raise RuntimeError("s48r2 forced failure")


@contextmanager
def records_of(name: str) -> Iterator[list[logging.LogRecord]]:
    """The records `name` logs, its handlers and propagation left as they are (assertLogs
    would stop propagation, and with it the mail to ADMINS)."""
    seen: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = seen.append  # type: ignore[method-assign]
    logger = logging.getLogger(name)
    logger.addHandler(handler)
    try:
        yield seen
    finally:
        logger.removeHandler(handler)


@override_settings(ADMINS=ADMINS)
class ClientErrorsNotMailedTestCase(BaseTestCase):
    def test_a_host_not_served_is_logged_not_mailed(self) -> None:
        with records_of("django.security.DisallowedHost") as logged:
            response = Client().get("/accounts/login/", HTTP_HOST="evil.example")
        self.assertEqual(response.status_code, 400)
        self.assertEqual(logged[0].levelno, logging.ERROR)
        self.assertIn("Invalid HTTP_HOST header: 'evil.example'", logged[0].getMessage())
        # To stderr (the journal), through the "django.security" logger's console handler.
        self.assertTrue(logging.getLogger("django.security.DisallowedHost").propagate)
        security = logging.getLogger("django.security")
        self.assertFalse(security.propagate)
        self.assertIn(logging.StreamHandler, [type(h) for h in security.handlers])
        self.assertEqual([m.subject for m in mail.outbox], [])

    def test_too_many_fields_is_logged_not_mailed(self) -> None:
        fields = {f"f{i}": "x" for i in range(1100)}
        with records_of("django.security.TooManyFieldsSent") as logged:
            response = Client().post("/accounts/login/", fields)
        self.assertEqual(response.status_code, 400)
        self.assertEqual([r.levelno for r in logged], [logging.ERROR])
        self.assertEqual([m.subject for m in mail.outbox], [])

    def test_a_server_error_is_still_mailed(self) -> None:
        client = Client(raise_request_exception=False)
        with mock.patch.object(TimeZoneMiddleware, "__call__", failing_page):
            response = client.get("/accounts/login/")
        self.assertEqual(response.status_code, 500)
        self.assertEqual(len(mail.outbox), 1)
        self.assertIn("Internal Server Error: /accounts/login/", mail.outbox[0].subject)
