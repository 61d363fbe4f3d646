"""Task s48d, item 2: allauth's two-factor pages hold secrets an error report would print.

The TOTP secret (in the activation page's context and otpauth:// URL, and in the functions
that check a code against it), the recovery codes (in the page that shows them once, and in
the function comparing a typed code with every unused one) and the seed they are made from.
Django's HTML report of a failure on those pages lists every frame's variables, the
template's frames (holding the context) included; s47d starred what they post, not what they
hold. Each page is now a mailsec.debugfilter.secret_page: the report of a forced failure, in
the view, in a function below it and while its template renders, carries none of them."""

from __future__ import annotations

from typing import Any
from unittest import mock

import django.urls
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from django.test import Client
from django.views.debug import ExceptionReporter

from tests.test_accounts_s21_mfa import PASSWORD, TwoFactorCase

TOTP_SECRET = (
    "OM2DQZBNORXXI4BNONSWG4TFOQWXQ6L2"  # base32 of b"s48d-totp-secret-xyz", as allauth makes them
)
SEED = "5348645365656454686174526563766572794b6579536565640000000000000000000000abcdef12"
FORCED = "s48d forced failure"
ACTIVATE = "/accounts/2fa/totp/activate/"
CODES_PAGE = "/accounts/2fa/recovery-codes/"
real_reverse = django.urls.reverse


def failing_reverse_of(name: str) -> Any:
    def reverse(viewname: Any, *args: Any, **kwargs: Any) -> str:
        if viewname == name:
            raise RuntimeError(FORCED)
        return real_reverse(viewname, *args, **kwargs)

    return mock.patch.object(django.urls, "reverse", side_effect=reverse)


def failing(target: str, **kwargs: Any) -> Any:
    return mock.patch(target, side_effect=RuntimeError(FORCED), **kwargs)


class TwoFactorPagesInReportsTestCase(TwoFactorCase):
    def setUp(self) -> None:
        super().setUp()
        fixed_secret = mock.patch(
            "allauth.mfa.totp.internal.auth.generate_totp_secret", return_value=TOTP_SECRET
        )
        fixed_secret.start()
        self.addCleanup(fixed_secret.stop)
        self.secret = TOTP_SECRET
        self.client = Client(raise_request_exception=False)
        self.client.force_login(self.alice)

    def confirmed(self) -> None:
        """alice signed in with her password and confirmed it's her, as turn_on does."""
        self.assertEqual(self.password_sign_in(self.client), "/domains/")
        r = self.client.get(ACTIVATE)
        r = self.client.post(r["Location"], {"password": PASSWORD})
        self.assertEqual(r.status_code, 302)

    def report(self, response: Any, *frames: str) -> str:
        self.assertEqual(response.status_code, 500, response.content[:300])
        # The report Django's handler makes (its traceback starts where the handler caught it,
        # so the test's own frames are not in it), and the text one mailed to ADMINS.
        reporter = ExceptionReporter(response.wsgi_request, *response.exc_info)
        html = reporter.get_traceback_html()
        self.assertIn(FORCED, html)
        for frame in frames:  # the frames that held the secrets are in the report
            self.assertIn(frame, html)
        return html + reporter.get_traceback_text()

    def assert_none_of(self, secrets: list[str], report: str) -> None:
        self.assertTrue(secrets)
        for secret in secrets:
            self.assertNotIn(secret, report)

    def codes(self) -> list[str]:
        return (
            Authenticator.objects.get(user=self.alice, type="recovery_codes")
            .wrap()
            .generate_codes()
        )

    # --- turning it on: the secret ------------------------------------------------------------

    def test_the_activation_page_failing_in_its_view(self) -> None:
        self.confirmed()
        with failing("allauth.mfa.adapter.DefaultMFAAdapter.build_totp_svg"):
            response = self.client.get(ACTIVATE)
        report = self.report(response, "get_context_data")
        self.assert_none_of([TOTP_SECRET, TOTP_SECRET[:16]], report)

    def test_the_activation_page_failing_while_it_renders(self) -> None:
        self.confirmed()
        with failing_reverse_of("mfa_activate_totp"):
            response = self.client.get(ACTIVATE)
        report = self.report(response, "django/template/base.py")
        self.assert_none_of([TOTP_SECRET, TOTP_SECRET[:16]], report)

    def test_the_code_typed_to_turn_it_on_failing_while_it_is_checked(self) -> None:
        self.confirmed()
        self.assertEqual(self.client.get(ACTIVATE).status_code, 200)
        code = self.next_code()
        with failing("allauth.mfa.totp.internal.auth.hotp_value"):
            response = self.client.post(ACTIVATE, {"code": code})
        report = self.report(response, "validate_totp_code")
        self.assert_none_of([TOTP_SECRET, TOTP_SECRET[:16], code], report)

    # --- the recovery codes -------------------------------------------------------------------

    def test_the_recovery_codes_page_failing_while_it_shows_them(self) -> None:
        self.confirmed()
        self.assertEqual(self.client.get(ACTIVATE).status_code, 200)
        r = self.client.post(ACTIVATE, {"code": self.next_code()})
        self.assertEqual(r["Location"], CODES_PAGE)
        with failing_reverse_of("mfa_index"):
            response = self.client.get(CODES_PAGE)
        self.assert_none_of(self.codes(), self.report(response, "django/template/base.py"))

    def test_new_recovery_codes_failing_while_they_are_made(self) -> None:
        self.turn_on()
        with (
            mock.patch(
                "allauth.mfa.recovery_codes.internal.auth.RecoveryCodes.generate_seed",
                return_value=SEED,
            ),
            failing("allauth.mfa.adapter.DefaultMFAAdapter.encrypt", autospec=True),
        ):
            response = self.client.post(
                "/accounts/2fa/recovery-codes/generate/", {"code": self.next_code()}
            )
        report = self.report(response, "generate_recovery_codes", "activate")
        self.assert_none_of([SEED, SEED[:24]], report)

    def test_a_recovery_code_typed_to_sign_in_failing_while_it_is_compared(self) -> None:
        codes = self.turn_on()
        client = Client(raise_request_exception=False)
        self.assertEqual(self.password_sign_in(client), "/accounts/2fa/authenticate/")
        with failing("allauth.mfa.recovery_codes.internal.auth.compare_user_code"):
            response = client.post("/accounts/2fa/authenticate/", {"code": codes[3]})
        report = self.report(response, "validate_code")
        self.assert_none_of(codes, report)

    def test_other_pages_keep_their_variables(self) -> None:
        # Only the two-factor pages: the account page's failure still shows its frames' values.
        with failing_reverse_of("mfa_index"):
            response = self.client.get("/account/")
        report = self.report(response, "django/template/base.py")
        self.assertIn("alice@example.org", report)


def test_every_two_factor_url_is_a_secret_page() -> None:
    """Each of allauth.mfa's URLs resolves to our marked view, not allauth's own."""
    from allauth.mfa import urls

    def names(patterns: list[Any]) -> list[str]:
        found = []
        for pattern in patterns:
            found += (
                names(pattern.url_patterns) if hasattr(pattern, "url_patterns") else [pattern.name]
            )
        return found

    listed = names(urls.urlpatterns)
    assert len(listed) >= 8, listed
    for name in listed:
        match = django.urls.resolve(django.urls.reverse(name))
        assert match.func.__code__.co_name == "sensitive_variables_wrapper", name
        assert match.url_name == name
    assert DefaultMFAAdapter  # the adapter patched above is allauth's own (no MFA_ADAPTER)
