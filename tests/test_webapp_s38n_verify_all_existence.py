"""Task s38n, item 1: Verify all looks up whether a name exists (mailsec.domains.existence)
for the names whose challenge answered NXDOMAIN. That lookup had its own bound
(existence.LOOKUP_SECONDS, 3 s), not what was left of the press's (VERIFY_ALL_BUDGET), so a
press could run that much past its budget. Now it gets what is left, and is not made when too
little is left (the names are then "not looked up", as a lookup without an answer is).

Against a real UDP socket on a loopback address (as tests/test_webapp_s37f_existence.py): it
answers every challenge TXT question NXDOMAIN and never answers
the existence lookup's MX questions."""

from __future__ import annotations

import socket
import threading
import time
from unittest import mock

import dns.message
import dns.rcode
import dns.rdatatype
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse

from mailsec.domains import existence, views
from mailsec.domains.models import Domain
from tests.conftest import BaseTestCase

RESOLVER_HOST = "127.0.188.53"
LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# The press's budget here (the challenge lookups start only with views.VERIFY_MIN_LOOKUP, 2 s,
# left), and the existence lookup's own bound, far longer: a press that waits the lookup's
# bound is easily told from one that keeps to its budget.
BUDGET = 3.0
LOOKUP_BOUND = 8.0
# Room for the page and a loaded machine.
SLACK = 2.0


@override_settings(CACHES=LOCMEM)
class VerifyAllExistenceBudgetTestCase(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        cache.clear()  # the rate limits' counters
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((RESOLVER_HOST, 0))
        self.sock.settimeout(0.2)
        self.stop = threading.Event()
        self.asked: list[tuple[str, str]] = []
        thread = threading.Thread(target=self.serve, daemon=True)
        thread.start()

        def close() -> None:
            self.stop.set()
            # Wake the thread now, not at its recvfrom's next 0.2 s timeout (tests/test_cli.py).
            self.sock.sendto(b"", self.sock.getsockname())
            thread.join()
            self.sock.close()

        self.addCleanup(close)
        resolver = f"{RESOLVER_HOST}:{self.sock.getsockname()[1]}"
        for patch in (
            mock.patch.object(existence, "LOOKUP_SECONDS", LOOKUP_BOUND),
            mock.patch.object(views, "VERIFY_ALL_BUDGET", BUDGET),
            mock.patch.dict("os.environ", {"MAILSEC_RESOLVER": resolver}),
        ):
            patch.start()
            self.addCleanup(patch.stop)
        self.names = ["typo-one.example.org", "typo-two.example.org"]
        for name in self.names:
            Domain.objects.create(team=self.team, name=name)
        self.client.force_login(self.alice)

    def serve(self) -> None:
        while not self.stop.is_set():
            try:
                data, peer = self.sock.recvfrom(4096)
            except OSError:
                continue
            if self.stop.is_set() and not data:  # close()'s wake-up call
                break
            query = dns.message.from_wire(data)
            question = query.question[0]
            self.asked.append(
                (question.name.to_text().rstrip("."), dns.rdatatype.to_text(question.rdtype))
            )
            if question.rdtype != dns.rdatatype.TXT:
                continue  # the existence lookup's MX questions: never answered
            response = dns.message.make_response(query)
            response.set_rcode(dns.rcode.NXDOMAIN)
            self.sock.sendto(response.to_wire(), peer)

    def press(self) -> tuple[str, float]:
        started = time.monotonic()
        with mock.patch("mailsec.domains.tasks.enqueue_run"):
            r = self.client.post(reverse("domains:verify_all"), {"team": str(self.team.code)})
        took = time.monotonic() - started
        self.assertEqual(r.status_code, 200)
        return r.content.decode(), took

    def asked_for(self, rdtype: str) -> set[str]:
        return {name for name, asked_type in self.asked if asked_type == rdtype}


class WhatIsLeftTestCase(VerifyAllExistenceBudgetTestCase):
    def test_the_existence_lookup_gets_what_is_left_of_the_press(self) -> None:
        page, took = self.press()
        challenges = {f"_mailsec-challenge.{n}" for n in self.names}
        self.assertEqual(self.asked_for("TXT"), challenges)
        # It was asked (there was time left), and given up on with the press's budget.
        self.assertEqual(self.asked_for("MX"), set(self.names))
        self.assertLess(took, BUDGET + SLACK)
        # No answer is not "does not exist": each is told the record is not there yet.
        self.assertNotIn("does not exist", page)
        for name in self.names:
            self.assertIn(f"No TXT record found at _mailsec-challenge.{name} yet.", page)
            self.assertIsNotNone(Domain.objects.get(name=name).verify_checked_at)


class NothingLeftTestCase(VerifyAllExistenceBudgetTestCase):
    def setUp(self) -> None:
        super().setUp()
        # No lookup starts with less than existence.LOOKUP_MIN left: set to the whole press,
        # whatever is left once the challenges are answered is less (no race with the clock
        # on a loaded machine), while the lookup's own bound (8 s) is more.
        patch = mock.patch.object(existence, "LOOKUP_MIN", BUDGET)
        patch.start()
        self.addCleanup(patch.stop)

    def test_no_existence_lookup_is_started_when_nothing_is_left(self) -> None:
        page, took = self.press()
        self.assertEqual(len(self.asked_for("TXT")), 2)
        self.assertEqual(self.asked_for("MX"), set())
        self.assertLess(took, BUDGET + SLACK)
        self.assertNotIn("does not exist", page)
        for name in self.names:
            self.assertIn(f"No TXT record found at _mailsec-challenge.{name} yet.", page)
