"""Review s48r2 of s48d (c7bbac90): allauth's two-factor pages are served first by
mailsec.debugfilter.secret_page, at the same paths and names, so an error report stars their
variables. That must change nothing else. The same walk (turning the app on after confirming
it's you, a wrong and a right code, the recovery codes shown once, their download refused,
new codes made, turning it off, signing in with the app and with a recovery code, confirming
it's you again once the sign-in is old, each form posted without its CSRF token) runs under
our URLs and under a copy of them without the override, where allauth's own views answer;
each step's status, redirect, messages, templates and page (tokens, secrets and codes taken
out) are the same."""

from __future__ import annotations

import re
from typing import Any

from allauth.account import app_settings as account_settings
from allauth.account.authentication import AUTHENTICATION_METHODS_SESSION_KEY
from allauth.mfa.models import Authenticator
from django.contrib.messages import get_messages
from django.test import Client, override_settings
from django.urls import URLResolver, resolve

import mailsec.urls
from tests.test_accounts_s21_mfa import AUTHENTICATE, PASSWORD, TwoFactorCase

# mailsec.urls without the override (allauth's views, by "accounts/", answer at these URLs).
urlpatterns = [
    pattern
    for pattern in mailsec.urls.urlpatterns
    if not (isinstance(pattern, URLResolver) and str(pattern.pattern) == "accounts/2fa/")
]
PLAIN = __name__

MFA_PATHS = (
    "/accounts/2fa/",
    "/accounts/2fa/authenticate/",
    "/accounts/2fa/reauthenticate/",
    "/accounts/2fa/totp/activate/",
    "/accounts/2fa/totp/deactivate/",
    "/accounts/2fa/recovery-codes/",
    "/accounts/2fa/recovery-codes/generate/",
    "/accounts/2fa/recovery-codes/download/",
)


class SameAsAllauthTestCase(TwoFactorCase):
    def setUp(self) -> None:
        super().setUp()
        self.secrets: list[str] = []

    def step(self, label: str, response: Any) -> tuple[Any, ...]:
        page = response.content.decode(errors="replace")
        for secret in sorted(set(self.secrets), key=len, reverse=True):
            if secret:
                page = page.replace(secret, "<secret>")
        page = re.sub(r'(name="csrfmiddlewaretoken" value=")[^"]*', r"\1<csrf>", page)
        page = re.sub(r'("X-CSRFToken": ")[^"]*', r"\1<csrf>", page)
        page = re.sub(r"data:image/svg\+xml;base64,[A-Za-z0-9+/=]+", "<qr>", page)
        page = re.sub(r"(data:text/plain;charset=utf-8,)[0-9%A]+", r"\1<codes>", page)
        page = re.sub(r"otpauth://[^\"'<\s]+", "<otpauth>", page)
        templates = tuple(t.name for t in getattr(response, "templates", []) or [])
        messages = tuple(str(m) for m in get_messages(response.wsgi_request))
        return (
            label,
            response.status_code,
            response.get("Location"),
            response.get("Content-Disposition"),
            messages,
            templates,
            page,
        )

    def age(self, client: Client) -> None:
        """The client's sign-in (and confirmations) older than ACCOUNT_REAUTHENTICATION_TIMEOUT."""
        session = client.session
        for record in session[AUTHENTICATION_METHODS_SESSION_KEY]:
            record["at"] -= account_settings.REAUTHENTICATION_TIMEOUT + 1
        session.save()

    def walk(self) -> list[tuple[Any, ...]]:
        trace = []
        client = Client()
        t = trace.append
        r = client.post("/accounts/login/", {"login": "alice@example.org", "password": PASSWORD})
        t(self.step("sign in", r))
        r = client.get("/accounts/2fa/totp/activate/")
        self.secrets.append(client.session["mfa.totp.secret"])
        t(self.step("activate, just signed in", r))
        self.age(client)
        r = client.get("/accounts/2fa/totp/activate/")
        t(self.step("activate, not confirmed", r))
        r = client.post(r["Location"], {"password": PASSWORD})
        t(self.step("confirm it's you", r))
        r = client.get("/accounts/2fa/totp/activate/")
        self.secret = client.session["mfa.totp.secret"]
        self.secrets.append(self.secret)
        t(self.step("activate page", r))
        t(self.step("wrong code", client.post("/accounts/2fa/totp/activate/", {"code": "0"})))
        r = client.post("/accounts/2fa/totp/activate/", {"code": self.next_code()})
        t(self.step("right code", r))
        codes = Authenticator.objects.get(user=self.alice, type="recovery_codes")
        self.secrets += codes.wrap().get_unused_codes()
        t(self.step("codes shown", client.get("/accounts/2fa/recovery-codes/")))
        t(self.step("codes again", client.get("/accounts/2fa/recovery-codes/")))
        t(self.step("download", client.get("/accounts/2fa/recovery-codes/download/")))
        t(self.step("index", client.get("/accounts/2fa/")))
        t(self.step("generate page", client.get("/accounts/2fa/recovery-codes/generate/")))
        r = client.post("/accounts/2fa/recovery-codes/generate/", {"code": self.next_code()})
        t(self.step("generate", r))
        codes = Authenticator.objects.get(user=self.alice, type="recovery_codes")
        self.secrets += codes.wrap().get_unused_codes()
        t(self.step("new codes", client.get("/accounts/2fa/recovery-codes/")))
        # Each form without its CSRF token, on a client that checks it.
        strict = Client(enforce_csrf_checks=True)
        strict.cookies = client.cookies
        for path in MFA_PATHS:
            t(self.step(f"no csrf {path}", strict.post(path, {"code": self.next_code()})))
        # Signing in with the app, then with a recovery code.
        other = Client()
        r = other.post("/accounts/login/", {"login": "alice@example.org", "password": PASSWORD})
        t(self.step("second step asked", r))
        t(self.step("second step page", other.get(AUTHENTICATE)))
        t(self.step("second step wrong", other.post(AUTHENTICATE, {"code": "000000"})))
        t(self.step("second step right", other.post(AUTHENTICATE, {"code": self.next_code()})))
        t(self.step("signed in", other.get("/accounts/2fa/")))
        third = Client()
        third.post("/accounts/login/", {"login": "alice@example.org", "password": PASSWORD})
        r = third.post(AUTHENTICATE, {"code": codes.wrap().get_unused_codes()[0]})
        t(self.step("recovery code", r))
        t(self.step("one used", third.get("/accounts/2fa/")))
        # The sign-in grown old: turning it off asks to confirm it's you, by the app.
        self.age(other)
        for path in ("/accounts/2fa/totp/deactivate/", "/accounts/2fa/recovery-codes/generate/"):
            t(self.step(f"old sign-in GET {path}", other.get(path)))
            t(self.step(f"old sign-in POST {path}", other.post(path, {"code": "1"})))
        t(self.step("activate while on", other.get("/accounts/2fa/totp/activate/")))
        r = other.post("/accounts/2fa/reauthenticate/", {"code": "000000"})
        t(self.step("reauthenticate wrong", r))
        r = other.post("/accounts/2fa/reauthenticate/", {"code": self.next_code()})
        t(self.step("reauthenticate right", r))
        t(self.step("deactivate page", other.get("/accounts/2fa/totp/deactivate/")))
        r = other.post("/accounts/2fa/totp/deactivate/", {"code": "000000"})
        t(self.step("deactivate wrong", r))
        r = other.post("/accounts/2fa/totp/deactivate/", {"code": self.next_code()})
        t(self.step("deactivate", r))
        t(self.step("off", other.get("/accounts/2fa/")))
        trace.append(("left", sorted(Authenticator.objects.values_list("type", flat=True))))
        # Signed out: every page sends to sign in.
        for path in MFA_PATHS:
            t(self.step(f"signed out {path}", Client().get(path)))
        return trace

    def test_the_walk_is_the_same_under_allauths_own_views(self) -> None:
        ours = self.walk()
        for path in MFA_PATHS:  # our override answered, allauth's view inside it
            self.assertEqual(resolve(path).func.__code__.co_name, "sensitive_variables_wrapper")
        Authenticator.objects.all().delete()
        self.clock.now += 3600
        with override_settings(ROOT_URLCONF=PLAIN):
            for path in MFA_PATHS:
                self.assertEqual(resolve(path).func.__code__.co_name, "view")
            theirs = self.walk()
        self.assertEqual(len(ours), len(theirs))
        for mine, allauths in zip(ours, theirs, strict=True):
            with self.subTest(step=mine[0]):
                self.assertEqual(mine, allauths)
        # The walk did what allauth does: each step as expected.
        steps = {s[0]: s for s in ours if len(s) > 2}
        self.assertTrue(steps["activate, not confirmed"][2].startswith("/accounts/reauthenticate/"))
        self.assertEqual(steps["right code"][2], "/accounts/2fa/recovery-codes/")
        self.assertEqual(steps["download"][1], 403)
        self.assertIn("Incorrect code.", steps["wrong code"][6])
        self.assertEqual(steps["no csrf /accounts/2fa/totp/deactivate/"][1], 403)
        self.assertEqual(steps["second step right"][2], "/domains/")
        self.assertEqual(steps["recovery code"][2], "/domains/")
        self.assertTrue(
            steps["old sign-in POST /accounts/2fa/totp/deactivate/"][2].startswith(
                "/accounts/reauthenticate/"
            )
        )
        self.assertEqual(steps["deactivate"][2], "/accounts/2fa/")
        self.assertEqual(ours[-len(MFA_PATHS) - 1], ("left", []))
