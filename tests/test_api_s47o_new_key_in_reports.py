"""Task s47o, item 2: the API key just created is shown once, in the answer to key_create
(the team page). If making that page fails, Django's error report (mail to ADMINS, any reporter
built on its filter) must not print the key: not in the variables of key_create's and
team_page's frames, nor in the template context that the rendering frames hold. 791326cd did
this for a presented key; it left the new one."""

from __future__ import annotations

from typing import Any
from unittest import mock

import django.urls
from django.test import Client
from django.urls import reverse
from django.views.debug import ExceptionReporter

from mailsec.accounts import views as account_views
from mailsec.api.models import ApiKey
from tests.conftest import BaseTestCase

SECRET = "S47oTheNewKeyNobodyElseSees0123456789abcdefg"
real_reverse = django.urls.reverse


def failing_reverse(viewname: Any, *args: Any, **kwargs: Any) -> str:
    # The page's {% url 'api:domains' %} is inside the block showing the new key ({% url %}
    # imports django.urls.reverse as it renders).
    if viewname == "api:domains":
        raise RuntimeError("s47o forced failure")
    return real_reverse(viewname, *args, **kwargs)


class NewKeyInAReportTestCase(BaseTestCase):
    def report(self, failing: Any, created: int = 1) -> str:
        client = Client(raise_request_exception=False)
        client.force_login(self.alice)
        with mock.patch("mailsec.api.models.secrets.token_urlsafe", return_value=SECRET), failing:
            response = client.post(reverse("api:key_create"), {"label": "dashboard"})
        self.assertEqual(response.status_code, 500)
        self.assertEqual(ApiKey.objects.filter(team=self.team).count(), created)
        # The report Django's handler makes (its traceback starts where the handler caught
        # it, so the test's own frames are not in it).
        report = ExceptionReporter(response.wsgi_request, *response.exc_info).get_traceback_html()
        self.assertIn("s47o forced failure", report)
        self.assertIn("key_create", report)  # the frames that held it are in the report
        self.assertNotIn(SECRET, report)
        self.assertNotIn(SECRET[:20], report)
        return report

    def test_a_failure_while_the_page_is_rendered(self) -> None:
        failing = mock.patch.object(django.urls, "reverse", side_effect=failing_reverse)
        report = self.report(failing)
        self.assertIn("team_page", report)
        self.assertIn("django/template/base.py", report)  # the template's frames are in it

    def test_a_failure_before_the_page_is_rendered(self) -> None:
        failing = mock.patch.object(
            account_views.ApiKey,
            "creator_left_lately",
            side_effect=RuntimeError("s47o forced failure"),
        )
        report = self.report(failing)
        self.assertIn("team_page", report)

    def test_a_failure_while_the_key_is_stored(self) -> None:
        # ApiKey.create_for holds the key it made while the row is inserted.
        failing = mock.patch.object(
            ApiKey.objects, "create", side_effect=RuntimeError("s47o forced failure")
        )
        report = self.report(failing, created=0)
        self.assertIn("create_for", report)
