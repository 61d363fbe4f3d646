"""Task s47d, item 1: secrets a request carries are starred in Django's error reports.

The sign-in and sign-up code is posted as `code` to our views (accounts.views.confirm_code,
under two URLs, and confirm_login_code): they are marked @sensitive_post_parameters, so the
POST shown in a report (mail to ADMINS, any reporter built on Django's filter) reads
********************. An API key comes in a header, which Django stars already; the
functions that hold it while it is looked up are @sensitive_variables, so a request that
fails there does not print the key in the traceback's variables."""

from __future__ import annotations

from unittest import mock

from django.core.cache import cache
from django.test import Client
from django.views.debug import (
    ExceptionReporter,
    SafeExceptionReporterFilter,
    get_default_exception_reporter_filter,
)

from mailsec.api.models import ApiKey
from tests.conftest import BaseTestCase

CODE = "S47D-SECRET-CODE"
STARS = SafeExceptionReporterFilter.cleansed_substitute

# Every URL a sign-in or sign-up code is posted to in this site's URLconf.
CODE_URLS = ["/accounts/code/", "/accounts/confirm-email/", "/accounts/login/code/confirm/"]


class PostedCodeTestCase(BaseTestCase):
    def setUp(self) -> None:
        cache.clear()

    def test_each_code_url_stars_the_code_in_a_report(self) -> None:
        for url in CODE_URLS:
            with self.subTest(url=url):
                response = Client().post(url, {"code": CODE})
                request = response.wsgi_request
                self.assertIn("code", getattr(request, "sensitive_post_parameters", ()))
                posted = SafeExceptionReporterFilter().get_post_parameters(request)
                self.assertEqual(posted["code"], STARS)

    def test_signed_in_too(self) -> None:
        # An added address's code goes through confirm_code signed in.
        client = Client()
        client.force_login(self.alice)
        request = client.post("/accounts/code/", {"code": CODE}).wsgi_request
        self.assertEqual(SafeExceptionReporterFilter().get_post_parameters(request)["code"], STARS)


# allauth's pages that take a code or a password and do not mark it themselves (s47d's audit):
# settings.DEFAULT_EXCEPTION_REPORTER_FILTER stars those fields on every page.
ALLAUTH_SECRET_POSTS = {
    "/accounts/reauthenticate/": {"password": CODE},
    "/accounts/reauthenticate/code/confirm/": {"code": CODE},
    "/accounts/password/reset/confirm/": {"code": CODE},
    "/accounts/password/reset/complete/": {"password1": CODE, "password2": CODE},
    "/accounts/2fa/authenticate/": {"code": CODE},
    "/accounts/2fa/reauthenticate/": {"code": CODE},
    "/accounts/2fa/totp/activate/": {"code": CODE},
    "/accounts/2fa/totp/deactivate/": {"code": CODE},
    "/accounts/2fa/recovery-codes/generate/": {"code": CODE},
}


class AllauthPagesTestCase(BaseTestCase):
    def setUp(self) -> None:
        cache.clear()

    def test_their_secrets_are_starred_and_other_fields_kept(self) -> None:
        client = Client()
        client.force_login(self.alice)
        for url, secrets in ALLAUTH_SECRET_POSTS.items():
            with self.subTest(url=url):
                request = client.post(url, {**secrets, "next": "/domains/"}).wsgi_request
                shown = get_default_exception_reporter_filter().get_post_parameters(request)
                self.assertEqual(
                    {name: shown[name] for name in secrets}, dict.fromkeys(secrets, STARS)
                )
                self.assertEqual(shown["next"], "/domains/")

    def test_the_sign_in_pages_own_marks_still_apply(self) -> None:
        # allauth's sign-in marks its password: starred as before (the filter only adds).
        request = Client().post("/accounts/login/", {"login": "a@example.org", "password": CODE})
        shown = get_default_exception_reporter_filter().get_post_parameters(request.wsgi_request)
        self.assertEqual((shown["password"], shown["login"]), (STARS, "a@example.org"))


class ApiKeyInATracebackTestCase(BaseTestCase):
    def test_a_failed_lookup_does_not_print_the_key(self) -> None:
        key = ApiKey.create_for(self.team, "scripts", self.alice)[1]
        failing = mock.patch.object(
            ApiKey.objects, "select_related", side_effect=RuntimeError("database gone")
        )
        client = Client(raise_request_exception=False)
        with failing:
            response = client.get("/api/v1/domains", HTTP_AUTHORIZATION=f"Bearer {key}")
        self.assertEqual(response.status_code, 500)
        # The report Django's handler makes (its traceback starts where the handler caught
        # it, so the test's own frames, which hold the key, are not in it).
        report = ExceptionReporter(response.wsgi_request, *response.exc_info).get_traceback_html()
        self.assertIn("database gone", report)
        self.assertIn("_key_or_refusal", report)  # the frames that held it are in the report
        self.assertNotIn(key, report)
        self.assertNotIn(key[len("msk_") :], report)
