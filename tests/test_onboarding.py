"""A new user's first steps, walked with the test client as a browser without JavaScript
would: sign up by code, an empty domain list, adding a domain, publishing the challenge record
(through the in-memory DNS server of tests/test_domains.py) and verifying it.

What is checked is what people copy and read: each Copy button's target holds exactly the text
to publish (as the browser's textContent has it: entities decoded, nothing around it), the
challenge's name is given both in full and as DNS panels want it (relative to the zone), and
a failed verification says what was found."""

from __future__ import annotations

import re
import time
from html import unescape
from html.parser import HTMLParser
from typing import Any
from unittest import mock

from allauth.account.models import EmailAddress
from django.core import mail
from django.core.cache import cache
from django.http import HttpResponse
from django.test import Client, override_settings
from django.utils import timezone

from checks.dns import txt_fix
from mailsec.domains.fixparts import fix_parts
from mailsec.domains.models import Domain
from reports.models import ReportAddress
from tests.conftest import BaseTestCase
from tests.test_accounts import LOCMEM, code_in
from tests.test_domains import scored_run, stub_dns
from tests.test_fix_texts import BASE, SERVED, D, findings_for


class _Page(HTMLParser):
    """The text content of every element with an id, the copy buttons' targets and the
    forms (method, action) of an HTML page, as a browser reads them."""

    VOID = {"input", "br", "img", "meta", "link", "hr", "source", "wbr"}

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.text_by_id: dict[str, str] = {}
        self.copy_targets: list[str] = []
        self.forms: list[dict[str, str]] = []
        self._open: list[tuple[str, str | None]] = []
        self._texts: dict[str, list[str]] = {}
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if "data-copy-target" in found:
            self.copy_targets.append(found["data-copy-target"] or "")
        if tag == "form":
            self.forms.append({k: v or "" for k, v in found.items()})
        if tag in self.VOID:
            return
        element_id = found.get("id")
        if element_id:
            self._texts[element_id] = []
        self._open.append((tag, element_id))

    def handle_endtag(self, tag: str) -> None:
        while self._open:
            open_tag, element_id = self._open.pop()
            if element_id:
                self.text_by_id[element_id] = "".join(self._texts.pop(element_id))
            if open_tag == tag:
                break

    def handle_data(self, data: str) -> None:
        for parts in self._texts.values():
            parts.append(data)

    def copied(self, target: str) -> str:
        """What copy.js puts on the clipboard for a button aimed at `target`."""
        return self.text_by_id[target].strip()


def flat(html: str) -> str:
    """The text of an HTML fragment as it reads: tags gone, entities decoded, spaces single."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


@override_settings(CACHES=LOCMEM)
class ChallengeRecordTestCase(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        cache.clear()
        self.client.force_login(self.alice)

    def page_of(self, name: str) -> tuple[Domain, _Page, str]:
        self.client.post("/domains/add/", {"name": name})
        domain = self.team.domains.latest("created")
        html = self.client.get(f"/domains/{domain.code}/").content.decode()
        return domain, _Page(html), html

    def test_every_copy_button_copies_exactly_the_record(self) -> None:
        domain, page, _ = self.page_of("example.org")
        self.assertTrue(page.copy_targets)
        for target in page.copy_targets:
            self.assertIn(target, page.text_by_id, f"copy button aimed at no element: {target}")
        self.assertEqual(page.copied("challenge-name"), "_mailsec-challenge.example.org")
        self.assertEqual(page.copied("challenge-value"), domain.challenge_value)

    def test_the_name_is_also_given_as_dns_panels_want_it(self) -> None:
        """Most DNS panels add the zone to the name typed: typed in full it becomes
        _mailsec-challenge.example.org.example.org, where verification never looks."""
        _, page, html = self.page_of("example.org")
        self.assertEqual(page.copied("challenge-host"), "_mailsec-challenge")
        self.assertIn("challenge-host", page.copy_targets)
        self.assertIn("example.org", flat(html))

    def test_a_subdomain_is_relative_to_the_registered_domain(self) -> None:
        _, page, html = self.page_of("mail.example.org")
        self.assertEqual(page.copied("challenge-name"), "_mailsec-challenge.mail.example.org")
        self.assertEqual(page.copied("challenge-host"), "_mailsec-challenge.mail")
        self.assertIn("example.org", flat(html))

    def test_an_idn_domain_gets_names_in_the_form_dns_stores(self) -> None:
        domain, page, _ = self.page_of("bücher.example.org")
        self.assertEqual(domain.name, "xn--bcher-kva.example.org")
        self.assertEqual(
            page.copied("challenge-name"), "_mailsec-challenge.xn--bcher-kva.example.org"
        )
        self.assertEqual(page.copied("challenge-host"), "_mailsec-challenge.xn--bcher-kva")


def messages_on(response: HttpResponse) -> list[str]:
    return [
        flat(m) for m in re.findall(r'class="message[^"]*">(.*?)</p>', response.content.decode())
    ]


@override_settings(CACHES=LOCMEM)
class CodeEntryTestCase(BaseTestCase):
    """Codes as people type them, and codes typed too late."""

    def setUp(self) -> None:
        super().setUp()
        cache.clear()

    def later(self, seconds: int) -> Any:
        """Now is `seconds` from now, for allauth's code timers (time.time)."""
        now = time.time()
        return mock.patch("time.time", lambda: now + seconds)

    def test_a_code_typed_with_spaces_or_a_dash_works(self) -> None:
        for n, shape in enumerate(("{} {}", "{}-{}", " {}{}\n")):
            client = Client()
            client.post("/accounts/signup/", {"email": f"new{n}@example.org"})
            code = code_in(mail.outbox[-1])
            r = client.post("/accounts/code/", {"code": shape.format(code[:3], code[3:])})
            self.assertRedirects(r, "/domains/", fetch_redirect_response=False)

    def test_the_emails_say_what_the_code_is_for_and_how_long_it_works(self) -> None:
        self.client.post("/accounts/signup/", {"email": "dana@example.org"})
        EmailAddress.objects.create(user=self.bob, email="bob@example.org", verified=True)
        Client().post("/accounts/login/code/", {"email": "bob@example.org"})
        signup, signin = mail.outbox
        self.assertEqual(signup.subject, "[mailsec] Your code to finish signing up")
        self.assertIn("It expires in 15 minutes.", signup.body)
        self.assertEqual(signin.subject, "[mailsec] Your sign-in code")
        self.assertIn("It expires in 3 minutes and works once.", signin.body)
        for message in (signup, signin):
            self.assertRegex(message.body, r"\n\n\d{6}\n\n")  # the code alone on its line
            self.assertNotIn("http", message.body)  # nothing a link scanner could follow

    def test_an_expired_sign_in_code_says_so(self) -> None:
        EmailAddress.objects.create(user=self.bob, email="bob@example.org", verified=True)
        self.client.post("/accounts/login/code/", {"email": "bob@example.org"})
        code = code_in(mail.outbox[-1])
        with self.later(4 * 60):  # sign-in codes work for 3 minutes
            r = self.client.post("/accounts/login/code/confirm/", {"code": code}, follow=True)
        self.assertEqual(r.redirect_chain, [("/accounts/login/code/", 302)])
        self.assertNotIn("_auth_user_id", self.client.session)
        self.assertEqual(
            messages_on(r), ["That code has expired. Enter your email address for a new one."]
        )

    def test_an_expired_sign_up_code_says_so_and_a_new_code_signs_in(self) -> None:
        self.client.post("/accounts/signup/", {"email": "dana@example.org"})
        code = code_in(mail.outbox[-1])
        with self.later(20 * 60):  # sign-up codes work for 15 minutes
            r = self.client.post("/accounts/code/", {"code": code}, follow=True)
            self.assertEqual(r.redirect_chain, [("/accounts/login/code/", 302)])
            self.assertEqual(
                messages_on(r),
                ["That code has expired. Enter your email address for a new one."],
            )
            # The account was made at sign-up: a sign-in code finishes it.
            self.client.post("/accounts/login/code/", {"email": "dana@example.org"})
            r = self.client.post(
                "/accounts/login/code/confirm/", {"code": code_in(mail.outbox[-1])}
            )
        self.assertRedirects(r, "/domains/", fetch_redirect_response=False)
        self.assertTrue(EmailAddress.objects.get(email="dana@example.org").verified)

    def test_a_wrong_code_is_no_expired_code(self) -> None:
        EmailAddress.objects.create(user=self.bob, email="bob@example.org", verified=True)
        self.client.post("/accounts/login/code/", {"email": "bob@example.org"})
        r = self.client.post("/accounts/login/code/confirm/", {"code": "000000"})
        self.assertContains(r, "Incorrect code.")
        self.assertNotIn("expired", r.content.decode())


@override_settings(CACHES=LOCMEM)
class VerifyOutcomeTestCase(BaseTestCase):
    """Pressing Verify (a plain form post, as without JavaScript) with the record right, with
    a typo, missing and unanswerable: only the exact value counts, and each failure says what
    was found."""

    def setUp(self) -> None:
        super().setUp()
        cache.clear()
        self.client.force_login(self.alice)
        self.client.post("/domains/add/", {"name": "example.org"}, follow=True)
        self.domain = self.team.domains.get(name="example.org")
        self.page = f"/domains/{self.domain.code}/"

    def press_verify(self, **dns: Any) -> tuple[HttpResponse, list[str]]:
        with stub_dns(**dns), mock.patch("mailsec.domains.tasks.enqueue_run"):
            r = self.client.post(f"{self.page}verify/", follow=True)
        # Back at the page; at its result when the lookup found nothing (s17: on a phone
        # the result was below the fold).
        self.assertIn(r.redirect_chain, ([(self.page, 302)], [(f"{self.page}#verify-result", 302)]))
        self.domain.refresh_from_db()
        # A failed lookup is said once, beside the record (4f92c64), not in a banner too.
        beside = re.findall(
            r'<p class="status-warn" role="alert"[^>]*>(.*?)\s*<span class="muted">',
            r.content.decode(),
            re.S,
        )
        return r, messages_on(r) + [flat(m) for m in beside]

    def test_the_exact_record_verifies_and_the_card_goes(self) -> None:
        r, said = self.press_verify(txt={self.domain.challenge_name: [self.domain.challenge_value]})
        self.assertEqual(said, ["example.org is verified. The first check is queued."])
        self.assertTrue(self.domain.is_verified)
        self.assertNotContains(r, "Prove you control")

    def test_a_record_with_a_typo_is_not_taken_and_what_was_found_is_said(self) -> None:
        typo = self.domain.challenge_value[:-1] + ("x" if self.domain.challenge[-1] != "x" else "y")
        r, said = self.press_verify(txt={self.domain.challenge_name: [typo]})
        self.assertFalse(self.domain.is_verified)
        self.assertEqual(
            said, [f"_mailsec-challenge.example.org has TXT '{typo}', not the expected value."]
        )
        self.assertContains(r, "Prove you control")  # the record to publish is still shown

    def test_no_record_says_none_was_found_there(self) -> None:
        _, said = self.press_verify(txt={})
        self.assertFalse(self.domain.is_verified)
        self.assertEqual(said, ["No TXT record found at _mailsec-challenge.example.org yet."])

    def test_a_record_at_the_name_the_panel_doubled_says_what_to_type(self) -> None:
        doubled = f"{self.domain.challenge_name}.example.org"
        _, said = self.press_verify(txt={doubled: [self.domain.challenge_value]})
        self.assertFalse(self.domain.is_verified)
        self.assertEqual(len(said), 1)
        self.assertIn(f"published at {doubled}", said[0])
        self.assertIn("enter only _mailsec-challenge as the name", said[0])

    def test_servfail_is_could_not_check_and_says_to_try_again(self) -> None:
        _, said = self.press_verify(txt={}, servfail=True)
        self.assertFalse(self.domain.is_verified)
        self.assertEqual(len(said), 1)
        self.assertTrue(
            said[0].startswith(
                "Our DNS lookup of _mailsec-challenge.example.org failed: the DNS answered SERVFAIL"
            )
        )
        self.assertTrue(said[0].endswith("press Verify in a minute."))
        self.assertNotIn("not the expected", said[0])


@override_settings(CACHES=LOCMEM)
class FirstResultsTestCase(BaseTestCase):
    """The verified page of a new domain: every record it asks to publish can be copied
    exactly, and the page works as plain forms."""

    def setUp(self) -> None:
        super().setUp()
        cache.clear()
        self.client.force_login(self.alice)
        self.domain = Domain.objects.create(
            team=self.team, name="example.org", verified_at=timezone.now()
        )

    def test_each_fix_copies_as_the_engine_wrote_it(self) -> None:
        zone = {
            **BASE,
            (D, "TXT"): ["v=spf1 include:_spf.example.net ~all"],
            (f"_dmarc.{D}", "TXT"): "NXDOMAIN",
            (f"_mta-sts.{D}", "TXT"): "NXDOMAIN",
            (f"_smtp._tls.{D}", "TXT"): "NXDOMAIN",
        }
        run = scored_run(self.domain, findings_for(D, zone, {}))
        self.domain.set_last_run(run)
        fixes = [f["fix"] for f in run.findings if f.get("fix")]
        self.assertTrue(any('"' in fix for fix in fixes), fixes)  # quoted TXT values
        page = _Page(self.client.get(f"/domains/{self.domain.code}/").content.decode())
        copied = {page.copied(t) for t in page.copy_targets if t.startswith("fix-")}
        address = ReportAddress.for_domain(self.domain)
        ours = address.rua_record(None)
        for fix in fixes:
            if fix.startswith(f"_smtp._tls.{D}."):
                # The engine's TLS-RPT record names a mailbox at the domain: the page gives
                # the one naming our report address instead.
                fix = txt_fix(f"_smtp._tls.{D}", ours)
            # Each record's value and each file, in a copy box of its own (task s32k).
            for part in fix_parts(fix):
                if part.kind != "text":
                    self.assertIn(part.text, copied)
        self.assertEqual(page.copied("tlsrpt-record"), ours)
        self.assertNotIn("&", "".join(copied))  # no entity left undecoded

    def test_the_forms_post_without_javascript(self) -> None:
        run = scored_run(self.domain, findings_for(D, BASE, SERVED))
        self.domain.set_last_run(run)
        page = _Page(self.client.get(f"/domains/{self.domain.code}/").content.decode())
        for form in page.forms:
            self.assertEqual(form.get("method"), "post", form)
            self.assertTrue(form.get("action", "").startswith("/"), form)
        with mock.patch("mailsec.domains.tasks.enqueue_run"):
            r = self.client.post(f"/domains/{self.domain.code}/check/")
        self.assertRedirects(r, f"/domains/{self.domain.code}/", fetch_redirect_response=False)


@override_settings(CACHES=LOCMEM)
class NewUserWalkTestCase(BaseTestCase):
    def test_sign_up_add_verify(self) -> None:
        client = Client()
        client.post("/accounts/signup/", {"email": "dana@example.org"})
        r = client.post("/accounts/code/", {"code": code_in(mail.outbox[-1])}, follow=True)
        self.assertEqual(r.redirect_chain, [("/domains/", 302)])
        # An empty list says what to do next.
        self.assertIn(
            "No domains yet. Add one above: we'll show you a TXT record to publish to prove "
            "it's yours, then check it every few hours.",
            flat(r.content.decode()),
        )
        r = client.post("/domains/add/", {"name": "Example.ORG"}, follow=True)
        domain = Domain.objects.get(team__memberships__user__email="dana@example.org")
        self.assertEqual(r.redirect_chain, [(f"/domains/{domain.code}/", 302)])
        self.assertEqual(messages_on(r), ["Added example.org. Now prove you control it."])
        page = _Page(r.content.decode())
        record = {page.copied("challenge-name"), page.copied("challenge-value")}
        self.assertEqual(record, {domain.challenge_name, domain.challenge_value})
        with (
            stub_dns({domain.challenge_name: [domain.challenge_value]}),
            mock.patch("mailsec.domains.tasks.enqueue_run") as enqueue,
            self.captureOnCommitCallbacks(execute=True),
        ):
            r = client.post(f"/domains/{domain.code}/verify/", follow=True)
        self.assertEqual(messages_on(r), ["example.org is verified. The first check is queued."])
        enqueue.assert_called_once()
        self.assertIn(
            "Check queued: it starts as soon as a checker is free", flat(r.content.decode())
        )


@override_settings(CACHES=LOCMEM)
class SignupOverTheLimitTestCase(BaseTestCase):
    def test_a_known_address_over_its_code_limit_gets_the_same_page(self) -> None:
        """Three sign-ups a minute for an address with an account mail it three sign-in
        codes; the fourth mails nothing, and its page must still be the code page every
        sign-up gets, not a redirect to sign in that tells the address has an account."""
        cache.clear()
        EmailAddress.objects.create(user=self.bob, email="bob@example.org", verified=True)
        # 11 s apart: every sign-up, known address or new, may mail once per 10 s (allauth's
        # confirm_email limit, which a known address's sign-up consumes too since c20abdc);
        # the four stay within the minute of the 3-codes-a-minute limit this is about.
        real = time.time
        for i in range(4):
            with mock.patch("time.time", lambda i=i: real() + 11 * i):
                client = Client()
                client.post("/accounts/signup/", {"email": "bob@example.org"})
                r = client.get("/accounts/code/")
            self.assertEqual(r.status_code, 200)
            self.assertContains(r, "Enter the code we emailed you")
        self.assertEqual(len(mail.outbox), 3)
        # No code typed there signs anyone in.
        for guess in ("000000", code_in(mail.outbox[-1])):
            client.post("/accounts/code/", {"code": guess})
            self.assertNotIn("_auth_user_id", client.session)
