"""Review s47r1 of 7fb48b2d: SecretFieldsFilter stars a code or password in the POST section of
an error report, but a traceback's variables holding the posted form (a MultiValueDict: `data`
in a form's __init__, `request.POST` copied into a local) went through Django's
get_cleansed_multivaluedict, which stars only what the view marked. On allauth's unmarked
pages (confirm it's you, password reset, two-factor) the report's frames printed the secret
the POST section starred."""

from __future__ import annotations

import sys

from django.http import HttpRequest, QueryDict
from django.test import RequestFactory
from django.views.debug import ExceptionReporter, get_default_exception_reporter_filter

from tests.conftest import BaseTestCase

# Joined at run time: the report shows the source lines around each frame, this one included.
SECRET = "-".join(("S47R1", "SECRET", "PASSWORD"))


def _fails_holding_the_form(request: HttpRequest) -> None:
    data = request.POST  # as a form's __init__ holds it
    raise RuntimeError(f"form broke with {len(data)} fields")


class SecretsInFramesTestCase(BaseTestCase):
    def test_a_frame_holding_the_posted_form_stars_the_secret(self) -> None:
        request = RequestFactory().post(
            "/accounts/reauthenticate/", {"password": SECRET, "next": "/domains/"}
        )
        try:
            _fails_holding_the_form(request)
        except RuntimeError:
            exc_info = sys.exc_info()
        report = ExceptionReporter(request, *exc_info).get_traceback_html()
        self.assertIn("form broke with 2 fields", report)
        self.assertIn("_fails_holding_the_form", report)
        self.assertFalse(SECRET in report, "the secret is in the report")
        self.assertIn("/domains/", report)  # other fields are shown as before

    def test_the_filter_stars_any_multivaluedict_it_cleanses(self) -> None:
        request = RequestFactory().post("/accounts/2fa/authenticate/", {"code": SECRET})
        cleansed = get_default_exception_reporter_filter().get_cleansed_multivaluedict(
            request, QueryDict(f"code={SECRET}&oldpassword={SECRET}&login=a")
        )
        self.assertEqual(cleansed["login"], "a")
        self.assertNotIn(SECRET, str(dict(cleansed)))
