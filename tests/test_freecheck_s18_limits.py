"""The free check's limits beyond one client network (review s18sec): an IPv6 /48 (65,536
/64s, what one free tunnel broker account gives) shares an allowance of three clients', and
all new runs together stop at MAILSEC_FREE_CHECK_SITE_RATE a window, so nobody can use the
free check as a scanner of other people's mail servers."""

from __future__ import annotations

from unittest import mock

from django.core.cache import cache
from django.test import Client, TestCase, override_settings

from tests.test_domains import LOCMEM


@override_settings(CACHES=LOCMEM, MAILSEC_FREE_CHECK_RATE=10, MAILSEC_FREE_CHECK_SITE_RATE=300)
class WiderLimitsTestCase(TestCase):
    def setUp(self) -> None:
        cache.clear()
        patcher = mock.patch("mailsec.freecheck.views.run_free_check.delay")
        patcher.start()
        self.addCleanup(patcher.stop)

    def ask(self, address: str, domain: str) -> int:
        return Client(REMOTE_ADDR=address).post("/check", {"domain": domain}).status_code

    def test_the_slash_64s_of_one_slash_48_share_three_clients_allowance(self) -> None:
        codes = [self.ask(f"2001:db8:0:{i:x}::1", f"target{i}.com") for i in range(50)]
        self.assertEqual(codes[:30], [302] * 30)
        self.assertEqual(set(codes[30:]), {429})
        # Another /48 is another network.
        self.assertEqual(self.ask("2001:db8:1::1", "other.com"), 302)
        # IPv4 clients have no wider bucket: 30 addresses of one /24 are 30 clients.
        codes = [self.ask(f"192.0.2.{i}", f"v4target{i}.com") for i in range(1, 41)]
        self.assertEqual(set(codes), {302})

    def test_the_refusal_names_the_network(self) -> None:
        for i in range(30):
            self.ask(f"2001:db8:0:{i:x}::1", f"target{i}.com")
        page = Client(REMOTE_ADDR="2001:db8:0:ff::1").post("/check", {"domain": "x.com"})
        self.assertEqual(page.status_code, 429)
        self.assertIn("Your network (its IPv6 /48) has asked for 30 checks", page.content.decode())

    @override_settings(MAILSEC_FREE_CHECK_SITE_RATE=3)
    def test_new_runs_for_everyone_stop_at_the_site_rate(self) -> None:
        codes = [self.ask(f"198.51.100.{i}", f"site{i}.com") for i in range(1, 5)]
        self.assertEqual(codes, [302, 302, 302, 429])
        page = Client(REMOTE_ADDR="198.51.100.9").post("/check", {"domain": "site9.com"})
        self.assertIn("The free check is busy", page.content.decode())
        # A recent run is shown again without probing anything: not refused.
        self.assertEqual(self.ask("198.51.100.10", "site1.com"), 302)
