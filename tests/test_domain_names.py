"""What may be added as a domain or given to the free check: the names people type and paste."""

from __future__ import annotations

import os
import uuid
from unittest import mock

from django.test import override_settings

from checks.domainname import DomainNameError, organizational_domain, to_ascii_domain
from mailsec.domains.models import Domain
from mailsec.freecheck import ratelimit
from mailsec.freecheck.models import FreeCheck
from tests.conftest import BaseTestCase

DELAY = "mailsec.freecheck.views.run_free_check.delay"

# A name under each special-use suffix, and what the refusal must name as the reason.
SPECIAL_USE = {
    "printer.local": "RFC 6762",
    "app.localhost": "RFC 6761",
    "mail.invalid": "RFC 6761",
    "shop.example": "RFC 6761",
    "lab.test": "RFC 6761",
    "duckduckgogg42xjoc72x3sjasowoarfbgcmvfimaftt6twagswzczad.onion": "RFC 7686",
    "router.home.arpa": "RFC 8375",
    "names.alt": "RFC 9476",
    "corp.internal": "ICANN",
}


class SpecialUseNameTestCase(BaseTestCase):
    def test_the_engine_refuses_them_only_when_asked(self) -> None:
        for name, source in SPECIAL_USE.items():
            suffix = "home.arpa" if name.endswith("home.arpa") else name.rsplit(".", 1)[1]
            with self.assertRaises(DomainNameError, msg=name) as refused:
                to_ascii_domain(name.upper() + ".", allow_special_use=False)
            message = str(refused.exception)
            self.assertIn(f"{name} is not on the internet", message)
            self.assertIn(suffix, message)
            self.assertIn(source, message)
            # The command line and the scheduled checks keep taking them: a lab names its
            # domains so.
            self.assertEqual(to_ascii_domain(name), name)
        # A name merely containing such a label is an ordinary domain.
        self.assertEqual(
            to_ascii_domain("local.example.com", allow_special_use=False), "local.example.com"
        )
        self.assertEqual(to_ascii_domain("test.org", allow_special_use=False), "test.org")

    def test_a_declared_extra_suffix_lets_its_names_through(self) -> None:
        self.assertEqual(
            to_ascii_domain(
                "f01.lab.test", extra_public_suffixes=("lab.test",), allow_special_use=False
            ),
            "f01.lab.test",
        )

    def test_a_top_level_domain_the_root_does_not_hold_is_refused(self) -> None:
        # .corp, .home, .lan were never delegated: only a resolver with a private view answers
        # them, from our own network. Delegated TLDs, old and new, stay accepted.
        for name in ("mail.corp", "nas.home", "router.lan", "host.localdomain", "example.con"):
            with self.assertRaises(DomainNameError, msg=name) as refused:
                to_ascii_domain(name, allow_special_use=False)
            tld = name.rsplit(".", 1)[1]
            self.assertIn(
                f"{name} is not on the internet: .{tld} is not a top-level", str(refused.exception)
            )
        for name in (
            "example.com",
            "example.co.uk",
            "example.bank",
            "example.xn--p1ai",
            "пример.рф",
        ):
            self.assertTrue(to_ascii_domain(name, allow_special_use=False))
        # The lab (private targets allowed) and its declared suffixes keep their names.
        self.assertEqual(to_ascii_domain("mail.corp", allow_special_use=True), "mail.corp")
        self.assertEqual(
            to_ascii_domain(
                "a.lab.corp", extra_public_suffixes=("lab.corp",), allow_special_use=False
            ),
            "a.lab.corp",
        )

    def test_adding_one_is_refused_with_the_reason(self) -> None:
        self.client.force_login(self.alice)
        with mock.patch.dict(os.environ, {"MAILSEC_ALLOW_PRIVATE_TARGETS": ""}):
            r = self.client.post("/domains/add/", {"name": "printer.local"})
        self.assertContains(r, "printer.local is not on the internet", status_code=400)
        self.assertContains(r, "devices on one local network", status_code=400)
        self.assertFalse(Domain.objects.exists())

    def test_the_lab_setting_lets_one_be_added(self) -> None:
        self.client.force_login(self.alice)
        with mock.patch.dict(os.environ, {"MAILSEC_ALLOW_PRIVATE_TARGETS": "1"}):
            r = self.client.post("/domains/add/", {"name": "example.test"})
        domain = Domain.objects.get(team=self.team)
        self.assertEqual(domain.name, "example.test")
        self.assertRedirects(r, f"/domains/{domain.code}/", fetch_redirect_response=False)


class FreeCheckSpecialUseTestCase(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        prefix = mock.patch.object(ratelimit, "KEY_PREFIX", f"test-{uuid.uuid4().hex}")
        prefix.start()
        self.addCleanup(prefix.stop)

    @override_settings(MAILSEC_ENGINE={"allow_private_targets": False})
    def test_the_free_check_refuses_one(self) -> None:
        with mock.patch(DELAY) as delay:
            r = self.client.post("/check", {"domain": "corp.internal"})
            api = self.client.get("/api/v1/check", {"domain": "printer.local"})
        self.assertContains(r, "corp.internal is not on the internet", status_code=400)
        self.assertEqual(api.status_code, 400)
        self.assertIn("printer.local is not on the internet", api.json()["error"])
        delay.assert_not_called()
        self.assertFalse(FreeCheck.objects.exists())

    @override_settings(MAILSEC_ENGINE={"allow_private_targets": True})
    def test_the_lab_setting_lets_the_free_check_take_one(self) -> None:
        with mock.patch(DELAY) as delay:
            self.client.post("/check", {"domain": "f01.lab.test"})
        check = FreeCheck.objects.get()
        self.assertEqual(check.domain, "f01.lab.test")
        delay.assert_called_once_with(str(check.code))


class PrivateSectionSuffixTestCase(BaseTestCase):
    """The Public Suffix List's private section names suffixes companies offer their customers
    (github.io, dyndns.org, blogspot.com): the companies own those domains all the same."""

    def test_a_private_section_suffix_and_the_names_below_it_are_domains(self) -> None:
        for name in ("dyndns.org", "github.io", "blogspot.com", "myhost.dyndns.org"):
            self.assertEqual(to_ascii_domain(name), name)
        # The ICANN section still refuses.
        for name in ("co.uk", "kawasaki.jp", "foo.kawasaki.jp"):
            with self.assertRaisesRegex(DomainNameError, "is a public suffix"):
                to_ascii_domain(name)

    def test_dmarc_keeps_the_whole_list_for_the_organizational_domain(self) -> None:
        # RFC 7489 §3.2: receivers use the whole list, so a customer's name is its own
        # organization, apart from the company's.
        self.assertEqual(organizational_domain("mail.myhost.dyndns.org"), "myhost.dyndns.org")
        self.assertEqual(organizational_domain("dyndns.org"), "dyndns.org")

    def test_its_owner_can_add_it(self) -> None:
        self.client.force_login(self.alice)
        r = self.client.post("/domains/add/", {"name": "dyndns.org"})
        domain = Domain.objects.get(team=self.team)
        self.assertEqual(domain.name, "dyndns.org")
        self.assertRedirects(r, f"/domains/{domain.code}/", fetch_redirect_response=False)


class TypedNameTestCase(BaseTestCase):
    def test_full_width_dots_separate_labels_anywhere(self) -> None:
        # U+3002 ideographic, U+FF0E full-width and U+FF61 half-width ideographic full stops.
        for typed in ("example\u3002com\u3002", "Example\uff0eCOM\uff0e", "example\uff61com"):
            self.assertEqual(to_ascii_domain(typed), "example.com", typed)
        self.assertEqual(to_ascii_domain("bücher\u3002de\u3002"), "xn--bcher-kva.de")

    def test_a_refusal_says_what_is_wrong_with_the_name(self) -> None:
        label_63 = "a" * 63
        name_254 = f"{label_63}.{'b' * 63}.{'c' * 63}.{'d' * 58}.com"
        self.assertEqual(len(name_254), 254)
        self.assertEqual(to_ascii_domain(f"{label_63}.com"), f"{label_63}.com")
        self.assertEqual(to_ascii_domain(name_254[1:]), name_254[1:])  # 253
        cases = {
            name_254: "it is 254 characters long, and 253 is the most",
            f"a{label_63}.com": "is 64 characters long, and a part between dots may have 63",
            "-mail.example.com": "-mail begins or ends with a hyphen",
            "mail-.example.com": "mail- begins or ends with a hyphen",
            "exa mple.com": "it contains a space or a line break",
            "exa\nmple.com": "it contains a space or a line break",
            "example..com": "two dots in a row",
            "*.example.com": "only letters, digits, hyphens and dots",
            "_dmarc.example.com": "enter the domain it belongs to: example.com.",
            "s1._domainkey.Example.com.": "enter the domain it belongs to: example.com.",
        }
        for typed, reason in cases.items():
            with self.assertRaises(DomainNameError, msg=typed) as refused:
                to_ascii_domain(typed)
            self.assertIn(reason, str(refused.exception), typed)

    def test_what_people_paste_gives_the_domain(self) -> None:
        for typed in (
            "EXAMPLE.COM.",
            " example.com\n",
            "mailto:alice+newsletter@example.com",
            "MAILTO:alice@example.com?subject=hello",
            "Alice <alice+tag@Example.com>",
            "https://example.com:443/path?q=1",
        ):
            self.assertEqual(to_ascii_domain(typed), "example.com", typed)
        for typed in ("192.0.2.1", "[2001:db8::1]", "mailto:alice@192.0.2.1"):
            with self.assertRaisesRegex(DomainNameError, "is an IP address", msg=typed):
                to_ascii_domain(typed)


class LookAlikeTestCase(BaseTestCase):
    def test_the_domain_page_shows_the_a_label_beside_a_mixed_script_name(self) -> None:
        """pаypal.com with a Cyrillic а reads as paypal.com; the xn-- form beside it does not."""
        self.client.force_login(self.alice)
        r = self.client.post("/domains/add/", {"name": "p\u0430ypal.com"}, follow=True)
        domain = Domain.objects.get(team=self.team)
        self.assertEqual(domain.name, "xn--pypal-4ve.com")
        self.assertContains(r, "<h1>p\u0430ypal.com</h1>", html=True)
        self.assertContains(r, "<code>xn--pypal-4ve.com</code>")
