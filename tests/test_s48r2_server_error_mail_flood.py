"""Review s48r2 of s48d (75c40048): a page failing on every request (the database gone, a bug
on a busy page) must not send the operators one mail per request, as Django's mail_admins
does, each sent while the request waits. One mail per page (its URL route) and exception
type within mailsec.taskfailures.MAIL_EVERY_SECONDS (an hour), as a failed task's; the
failures in between are counted in the shared cache and the next mail says how many were not
mailed. Another page, or another exception, is mailed on its own."""

from __future__ import annotations

import time
from typing import Any
from unittest import mock

from django.core import mail
from django.test import Client, override_settings

from mailsec import taskfailures
from mailsec.middleware import BackAfterSignInMiddleware
from tests.conftest import BaseTestCase

ADMINS = [("Ops", "ops@mailsec.example")]


class Failing:
    """BackAfterSignInMiddleware.process_view raising: after the URL is resolved, as a view."""

    def __init__(self) -> None:
        self.error: type[Exception] = RuntimeError

    def __call__(self, middleware: Any, request: Any, *args: Any) -> None:
        raise self.error("s48r2 the database is gone")


@override_settings(ADMINS=ADMINS)
class ServerErrorMailFloodTestCase(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.failing = Failing()
        patcher = mock.patch.object(BackAfterSignInMiddleware, "process_view", self.failing)
        patcher.start()
        self.addCleanup(patcher.stop)
        window = mock.patch.object(taskfailures, "MAIL_EVERY_SECONDS", 2, create=True)
        window.start()
        self.addCleanup(window.stop)
        self.client = Client(raise_request_exception=False)

    def get(self, path: str) -> None:
        self.assertEqual(self.client.get(path).status_code, 500)

    def test_a_page_failing_on_every_request_is_mailed_once_then_with_a_count(self) -> None:
        for _ in range(3):
            self.get("/accounts/login/")
        self.assertEqual(
            [m.subject for m in mail.outbox],
            ["[mailsec] ERROR (EXTERNAL IP): Internal Server Error: /accounts/login/"],
        )
        self.assertIn("counted, not mailed", mail.outbox[0].body)
        self.assertNotIn(" mailed since the last mail", mail.outbox[0].body)
        # Another page, and another exception on the same page: each mailed on its own.
        self.get("/accounts/signup/")
        self.failing.error = LookupError
        self.get("/accounts/login/")
        self.assertEqual(len(mail.outbox), 3, [m.subject for m in mail.outbox])
        self.assertIn("/accounts/signup/", mail.outbox[1].subject)
        self.assertIn("LookupError", mail.outbox[2].body)
        self.failing.error = RuntimeError
        time.sleep(2.2)
        self.get("/accounts/login/")
        self.assertEqual(len(mail.outbox), 4, [m.subject for m in mail.outbox])
        self.assertIn(
            "2 more failures of /accounts/login/ with RuntimeError were not mailed since the "
            "last mail.",
            mail.outbox[3].body,
        )
