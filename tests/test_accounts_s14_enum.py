"""Sign-up must not tell a stranger whether an address has an account, through the limits
it consumes either.

Before: a sign-up with an address that has an account (mailsec.accounts.forms.SignupForm)
consumed the address's sign-in code limit (request_login_code) and not the verification-mail
limit (confirm_email, 1 per 10 s by code), while allauth's sign-up of a new address consumed
only the latter. What a following request answered (a 429, or "Too many" on the code form)
then told the two apart. And a 429 was allauth's bare fallback page, outside the site.

Nor through the session that sent it (SameSessionTestCase): a known address's sign-up left a
sign-in by code pending there, a new address's an email verification, and the pages of that
session answered differently. Both now wait in the email verification; only the mail differs,
and its code signs the account in (SignUpWithAKnownAddressTestCase)."""

from __future__ import annotations

import copy
import html
import itertools
import re
import time
from collections.abc import Callable
from typing import Any
from unittest import mock

from allauth.account.models import EmailAddress
from django.contrib.auth.models import User
from django.core import mail
from django.core.cache import cache, caches
from django.core.cache.backends.locmem import LocMemCache
from django.db import transaction
from django.test import Client, override_settings
from django.urls import URLResolver, get_resolver

from tests.conftest import BaseTestCase
from tests.test_accounts import code_in
from tests.test_accounts_s21_security import confirm_its_you

# A private cache, so rate-limit counters don't leak between tests or test runs.
LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
KNOWN = "known@example.org"
NEW = "new@example.org"

Step = Callable[[str], Any]


def masked(page: str, email: str) -> str:
    """A page with its CSRF tokens and the address itself replaced: what is left must not
    depend on whether the address has an account."""
    page = re.sub(r'value="[^"]{40,}"', 'value="csrf"', page)
    page = re.sub(r'"X-CSRFToken": "[^"]+"', '"X-CSRFToken": "csrf"', page)
    return page.replace(email, "EMAIL")


def text_of(response: Any) -> str:
    return re.sub(r"\s+", " ", html.unescape(response.content.decode()))


@override_settings(CACHES=LOCMEM)
class SignupEnumerationTestCase(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        cache.clear()
        known = User.objects.create_user("known", KNOWN)
        EmailAddress.objects.create(user=known, email=KNOWN, verified=True, primary=True)
        # Someone else's account: where a stranger adds the address on their own account.
        self.other = Client()
        # Their own address verified, as every account's is after signing up: confirming
        # it's you, which adding an address asks first, takes a code sent to it.
        EmailAddress.objects.create(
            user=self.charlie, email=self.charlie.email, verified=True, primary=True
        )
        self.other.force_login(self.charlie)
        confirm_its_you(self.other, self.charlie)

    def answers(self, steps: list[Step]) -> dict[str, list[tuple[int, str, str]]]:
        """Each step's answer (status, redirect, page) for the known and the new address,
        each run on its own from empty limits."""
        out: dict[str, list[tuple[int, str, str]]] = {}
        for email in (KNOWN, NEW):
            cache.clear()
            answers = []
            for step in steps:
                r = step(email)
                answers.append(
                    (r.status_code, r.get("Location", ""), masked(r.content.decode(), email))
                )
            out[email] = answers
        return out

    def sign_up(self, email: str) -> Any:
        return Client().post("/accounts/signup/", {"email": email})

    def ask_code(self, email: str) -> Any:
        return Client().post("/accounts/login/code/", {"email": email})

    def add_on_own_account(self, email: str) -> Any:
        return self.other.post("/accounts/email/", {"action_add": "", "email": email})

    def test_signing_up_then_asking_codes_answers_alike(self) -> None:
        answers = self.answers([self.sign_up] + [self.ask_code] * 3)
        self.assertEqual(answers[KNOWN], answers[NEW])
        # Sign-up counts against the address's 3 codes a minute, whoever has the address.
        self.assertEqual(answers[NEW][3][0], 200)
        self.assertIn("Too many", answers[NEW][3][2])

    def test_signing_up_then_adding_the_address_answers_alike(self) -> None:
        answers = self.answers([self.sign_up, self.add_on_own_account])
        self.assertEqual(answers[KNOWN], answers[NEW])
        # One verification mail per address per 10 s (allauth's confirm_email, by code).
        self.assertEqual(answers[NEW][1][0], 429)

    def test_adding_the_address_then_signing_up_answers_alike(self) -> None:
        answers = self.answers([self.add_on_own_account, self.sign_up])
        self.assertEqual(answers[KNOWN], answers[NEW])
        self.assertEqual(answers[NEW][1][0], 429)

    def test_signing_up_twice_answers_alike(self) -> None:
        answers = self.answers([self.sign_up, self.sign_up])
        self.assertEqual(answers[KNOWN], answers[NEW])
        self.assertEqual([a[0] for a in answers[NEW]], [302, 429])

    def test_a_sign_up_over_the_limit_sends_no_code(self) -> None:
        for email in (KNOWN, NEW):
            mail.outbox.clear()
            self.assertEqual(self.sign_up(email).status_code, 302)
            self.assertEqual(self.sign_up(email).status_code, 429)
            self.assertEqual(len(mail.outbox), 1, email)


# After a sign-up, the known address's session held a sign-in by code (allauth's
# LoginByCodeStage, 3-minute code) and a new address's an email verification
# (EmailVerificationStage, 15-minute code): the verification page, the sign-in code page, the
# sign-in and sign-up pages, a second sign-up, too many wrong codes and a code typed 4 minutes
# later answered differently in that same session. Now both wait in the email verification.
Request = tuple[str, str, dict[str, str]]
WRONG_CODE: Request = ("post", "/accounts/code/", {"code": "000000"})
_new_addresses = itertools.count()


def fresh_address() -> str:
    """An address with no account yet (a sign-up makes one: NEW is new only once a test)."""
    return f"new{next(_new_addresses)}@example.org"


def without_admin_or_args() -> list[str]:
    """Every URL of the site that takes no argument, but the admin's (staff only)."""

    def walk(patterns: list[Any], prefix: str) -> list[str]:
        found = []
        for pattern in patterns:
            route = str(pattern.pattern)
            if "<" in route or "(?P" in route:
                continue
            if isinstance(pattern, URLResolver):
                found += walk(pattern.url_patterns, prefix + route)
            else:
                found.append("/" + prefix + route)
        return found

    return sorted({p for p in walk(get_resolver().url_patterns, "") if not p.startswith("/admin")})


@override_settings(CACHES=LOCMEM)
class SameSessionTestCase(BaseTestCase):
    """What the browser that sent the sign-up gets next, request by request: the same for
    an address with an account and a new one, while the code is good and after."""

    def setUp(self) -> None:
        super().setUp()
        cache.clear()
        known = User.objects.create_user("known", KNOWN)
        EmailAddress.objects.create(user=known, email=KNOWN, verified=True, primary=True)

    def after_sign_up(
        self, requests: list[Request], seconds: float = 0
    ) -> dict[str, list[tuple[int, str, str]]]:
        """Each request's answer (status, redirect, page), made `seconds` after a sign-up in
        the same session, for the known address and for a new one. "EMAIL" in the data is
        the address signed up with."""
        out = {}
        for name, email in (("known", KNOWN), ("new", fresh_address())):
            cache.clear()
            client = Client()
            client.post("/accounts/signup/", {"email": email})
            answers = []
            with mock.patch("time.time", return_value=time.time() + seconds):
                for method, path, data in requests:
                    data = {key: value.replace("EMAIL", email) for key, value in data.items()}
                    r = getattr(client, method)(path, data)
                    page = masked(r.content.decode(), email)
                    answers.append((r.status_code, r.get("Location", ""), page))
            out[name] = answers
        return out

    def assert_alike(self, requests: list[Request], seconds: float = 0) -> list[tuple[int, str]]:
        answers = self.after_sign_up(requests, seconds)
        self.assertEqual(answers["known"], answers["new"])
        return [(status, location) for status, location, _ in answers["new"]]

    def test_the_verification_page_answers_alike(self) -> None:
        answers = self.assert_alike([("get", "/accounts/confirm-email/", {})])
        self.assertEqual(answers, [(200, "")])

    def test_the_sign_in_code_page_answers_alike(self) -> None:
        answers = self.assert_alike([("get", "/accounts/login/code/confirm/", {})])
        self.assertEqual(answers, [(302, "/accounts/login/code/")])

    def test_the_entrance_pages_answer_alike(self) -> None:
        for path in ("/accounts/login/", "/accounts/signup/", "/accounts/login/code/"):
            for method in ("get", "post"):
                with self.subTest(path=path, method=method):
                    data = {"email": "EMAIL", "login": "EMAIL"} if method == "post" else {}
                    answers = self.assert_alike([(method, path, data)])
                    # Back to the step under way, as allauth sends a new sign-up.
                    self.assertEqual(answers, [(302, "/accounts/confirm-email/")])

    def test_signing_up_again_answers_alike(self) -> None:
        for email in ("EMAIL", "someone@example.net"):
            with self.subTest(email=email):
                answers = self.assert_alike([("post", "/accounts/signup/", {"email": email})])
                self.assertEqual(answers, [(302, "/accounts/confirm-email/")])

    def test_too_many_wrong_codes_answer_alike(self) -> None:
        then = [("get", "/accounts/code/", {}), ("get", "/accounts/login/", {})]
        answers = self.assert_alike([WRONG_CODE] * 3 + then)
        self.assertEqual([a[0] for a in answers[:2]], [200, 200])
        self.assertEqual(answers[2], (302, "/accounts/login/"))

    def test_a_code_four_minutes_later_answers_alike(self) -> None:
        answers = self.assert_alike([WRONG_CODE], seconds=240)
        self.assertEqual(answers, [(200, "")])  # still good: a wrong code, the same page

    def test_a_code_answers_alike_until_it_expires_and_after(self) -> None:
        for minutes in (14, 16):
            with self.subTest(minutes=minutes):
                self.assert_alike([WRONG_CODE, ("get", "/accounts/code/", {})], minutes * 60)

    def each_after_one_sign_up(
        self, requests: list[tuple[Request, float]]
    ) -> dict[str, list[tuple[int, str, str]]]:
        """What after_sign_up answers for each request alone, `seconds` after the sign-up, but
        with one sign-up an address: everything the sign-up left (the database, the cache
        that holds the limits and the session, the client's cookies) is put back as it was
        before each request. A sign-up takes four times as long as the request after it, and
        360 of them made test_every_page_answers_alike the slowest test of the suite."""
        store = caches["default"]
        assert isinstance(store, LocMemCache)  # its dicts are what is put back below
        out = {}
        for name, email in (("known", KNOWN), ("new", fresh_address())):
            cache.clear()
            client = Client()
            client.post("/accounts/signup/", {"email": email})
            # The clock the requests read is this one moved on, as after_sign_up's is.
            signed_up_at = time.time()
            entries, expiry = store._cache.copy(), store._expire_info.copy()
            cookies, outbox = copy.deepcopy(client.cookies), list(mail.outbox)
            answers = []
            for (method, path, data), seconds in requests:
                data = {key: value.replace("EMAIL", email) for key, value in data.items()}
                with transaction.atomic():
                    with mock.patch("time.time", return_value=signed_up_at + seconds):
                        r = getattr(client, method)(path, data)
                    transaction.set_rollback(True)
                answers.append(
                    (r.status_code, r.get("Location", ""), masked(r.content.decode(), email))
                )
                store._cache.clear()
                store._cache.update(entries)
                store._expire_info.clear()
                store._expire_info.update(expiry)
                client.cookies = copy.deepcopy(cookies)
                mail.outbox[:] = outbox
            out[name] = answers
        return out

    def test_every_page_answers_alike(self) -> None:
        posted = {"email": "EMAIL", "login": "EMAIL", "code": "000000"}
        cases = [
            (path, method, seconds)
            for path in without_admin_or_args()
            for method, seconds in itertools.product(("get", "post"), (0, 240))
        ]
        answers = self.each_after_one_sign_up(
            [((method, path, posted if method == "post" else {}), s) for path, method, s in cases]
        )
        for (path, method, seconds), known, new in zip(
            cases, answers["known"], answers["new"], strict=True
        ):
            with self.subTest(path=path, method=method, seconds=seconds):
                self.assertEqual(known, new)

    def test_over_its_code_limit_a_known_address_waits_alike(self) -> None:
        """An address's 3 codes a minute used up on the sign-in page: a sign-up mails a
        known address nothing (a new one still gets its code), and the session waits
        alike, a code typed being wrong."""
        answers = {}
        for name, email in (("known", KNOWN), ("new", fresh_address())):
            cache.clear()
            for _ in range(3):
                Client().post("/accounts/login/code/", {"email": email})
            mail.outbox.clear()
            client = Client()
            r = client.post("/accounts/signup/", {"email": email})
            self.assertEqual(len(mail.outbox), 0 if name == "known" else 1)
            page = client.get("/accounts/code/")
            answers[name] = [
                (r.status_code, r["Location"]),
                (page.status_code, masked(page.content.decode(), email)),
                client.post("/accounts/code/", {"code": "000000"}).status_code,
            ]
        self.assertEqual(answers["known"], answers["new"])
        self.assertEqual(answers["new"][0], (302, "/accounts/code/"))


@override_settings(CACHES=LOCMEM)
class SignUpWithAKnownAddressTestCase(BaseTestCase):
    """What its owner gets: a code that signs the account in, entered where every sign-up's
    code is, and good as long as a sign-up's."""

    def setUp(self) -> None:
        super().setUp()
        cache.clear()
        self.known = User.objects.create_user("known", KNOWN)
        self.address = EmailAddress.objects.create(
            user=self.known, email=KNOWN, verified=True, primary=True
        )

    def signed_in(self) -> int | None:
        user_id = self.client.session.get("_auth_user_id")
        return int(user_id) if user_id else None

    def test_the_email_is_a_sign_in_code_good_as_long_as_a_sign_up_code(self) -> None:
        self.client.post("/accounts/signup/", {"email": KNOWN})
        [message] = mail.outbox
        self.assertEqual(message.subject, "[mailsec] Your sign-in code")
        self.assertIn("already has an account", message.body)
        self.assertIn("It expires in 15 minutes and works once.", message.body)
        self.assertNotIn("testserver", message.body)  # the site as SITE_ROOT names it
        self.assertNotIn("http", message.body)
        code_in(message)

    def test_its_code_signs_the_account_in(self) -> None:
        r = self.client.post("/accounts/signup/", {"email": KNOWN})
        self.assertRedirects(r, "/accounts/code/", fetch_redirect_response=False)
        r = self.client.post("/accounts/code/", {"code": code_in(mail.outbox[0])})
        self.assertRedirects(r, "/domains/", fetch_redirect_response=False)
        self.assertEqual(self.signed_in(), self.known.pk)
        self.assertEqual(User.objects.filter(email__iexact=KNOWN).count(), 1)

    def test_its_code_works_from_the_page_the_sign_in_page_sends_back_to(self) -> None:
        self.client.post("/accounts/signup/", {"email": KNOWN})
        r = self.client.get("/accounts/login/", follow=True)
        self.assertEqual(r.redirect_chain, [("/accounts/confirm-email/", 302)])
        self.assertContains(r, 'action="/accounts/code/"')
        r = self.client.post("/accounts/code/", {"code": code_in(mail.outbox[0])})
        self.assertRedirects(r, "/domains/", fetch_redirect_response=False)
        self.assertEqual(self.signed_in(), self.known.pk)

    def test_it_comes_back_to_the_next_page(self) -> None:
        self.client.post("/accounts/signup/", {"email": KNOWN, "next": "/team/"})
        r = self.client.post("/accounts/code/", {"code": code_in(mail.outbox[0])})
        self.assertRedirects(r, "/team/", fetch_redirect_response=False)

    def test_its_code_works_four_minutes_later_not_sixteen(self) -> None:
        for seconds, works in ((240, True), (16 * 60, False)):
            self.client.logout()
            mail.outbox.clear()
            cache.clear()
            self.client.post("/accounts/signup/", {"email": KNOWN})
            code = code_in(mail.outbox[0])
            with mock.patch("time.time", return_value=time.time() + seconds):
                r = self.client.post("/accounts/code/", {"code": code})
            self.assertEqual(self.signed_in() == self.known.pk, works, seconds)
            if not works:
                self.assertRedirects(r, "/accounts/login/code/", fetch_redirect_response=False)

    def test_three_wrong_codes_end_it(self) -> None:
        self.client.post("/accounts/signup/", {"email": KNOWN})
        for _ in range(3):
            self.client.post("/accounts/code/", {"code": "000000"})
        self.client.post("/accounts/code/", {"code": code_in(mail.outbox[0])})
        self.assertIsNone(self.signed_in())

    def test_its_step_changes_nothing_of_the_account(self) -> None:
        """The verification it waits in is the account's: allauth's "change the address"
        there would change the account's address (it is off, and must stay off)."""
        self.client.post("/accounts/signup/", {"email": KNOWN})
        self.client.post("/accounts/code/", {"action": "change", "email": "eve@example.net"})
        self.client.post(
            "/accounts/confirm-email/", {"action": "change", "email": "eve@example.net"}
        )
        self.known.refresh_from_db()
        self.assertEqual(self.known.email, KNOWN)
        self.assertFalse(EmailAddress.objects.filter(email="eve@example.net").exists())
        self.assertIsNone(self.signed_in())

    def test_an_unverified_address_is_verified_by_its_code(self) -> None:
        self.address.verified = False
        self.address.save()
        self.client.post("/accounts/signup/", {"email": KNOWN})
        self.client.post("/accounts/code/", {"code": code_in(mail.outbox[-1])})
        self.assertEqual(self.signed_in(), self.known.pk)
        self.address.refresh_from_db()
        self.assertTrue(self.address.verified)


@override_settings(CACHES=LOCMEM)
class TooManyRequestsPageTestCase(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        cache.clear()

    def test_it_answers_429_in_the_site_layout(self) -> None:
        Client().post("/accounts/signup/", {"email": NEW})
        r = Client().post("/accounts/signup/", {"email": NEW})
        self.assertEqual(r.status_code, 429)
        text = text_of(r)
        self.assertIn("Too many tries", text)
        self.assertIn("Wait a minute", text)
        self.assertNotIn("429 Too Many Requests", text)  # allauth's bare fallback
        # The site's header (with its links) and footer, no inline style or script.
        self.assertIn('class="site-header"', text)
        self.assertIn('href="/accounts/login/"', text)
        self.assertIn('class="site-footer"', text)
        self.assertNotRegex(r.content.decode(), r"<style|<script>|style=")
