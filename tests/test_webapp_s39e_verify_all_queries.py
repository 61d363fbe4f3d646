"""Task s39e, item 1: a press of Verify all asked the database, for each domain it did not
verify, whether the domain was still there (`Domain.objects.filter(pk=...).exists()`, to say
"Removed from your team meanwhile"): one query per name, 50 a press. What the press reads of
the domain table must not grow with the number of domains it looks at.

Against a real UDP socket on a loopback address (as test_webapp_s38n_verify_all_existence):
every challenge TXT question is answered NOERROR without a record, so no name is verified and
each is told "No TXT record found"."""

from __future__ import annotations

import os
import socket
import threading
from typing import Any
from unittest import mock

import dns.flags
import dns.message
from django.core.cache import cache
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from mailsec.domains import views
from mailsec.domains.models import Domain
from mailsec.freecheck.models import RateCounter
from tests.conftest import BaseTestCase

RESOLVER_HOST = "127.0.240.53"
LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
TABLE = Domain._meta.db_table


@override_settings(CACHES=LOCMEM)
class VerifyAllQueriesTestCase(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        cache.clear()
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((RESOLVER_HOST, 0))
        self.sock.settimeout(0.2)
        self.stop = threading.Event()
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
        patch = mock.patch.dict(os.environ, {"MAILSEC_RESOLVER": resolver})
        patch.start()
        self.addCleanup(patch.stop)
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
            response = dns.message.make_response(query)
            response.flags |= dns.flags.AA
            self.sock.sendto(response.to_wire(), peer)  # NOERROR, no record (NODATA)

    def add(self, count: int) -> None:
        start = Domain.objects.filter(team=self.team).count()
        for i in range(start, start + count):
            Domain.objects.create(team=self.team, name=f"waiting-{i}.example.org")

    def press(self) -> list[str]:
        """The SQL of the domain table's reads during one press (whose rate limits start
        afresh), after checking every domain was looked at and told why."""
        cache.clear()
        RateCounter.objects.all().delete()  # the press's counters, in the database here
        with CaptureQueriesContext(connection) as queries:
            r = self.client.post(reverse("domains:verify_all"), {"team": str(self.team.code)})
        self.assertEqual(r.status_code, 200)
        page = r.content.decode()
        for domain in Domain.objects.filter(team=self.team):
            self.assertIn(f"No TXT record found at {domain.challenge_name} yet.", page)
        return [
            q["sql"]
            for q in queries.captured_queries
            if q["sql"].lstrip().upper().startswith("SELECT") and f'"{TABLE}"' in q["sql"]
        ]

    def test_it_reads_the_domains_the_same_number_of_times_for_3_as_for_30(self) -> None:
        self.add(3)
        few = self.press()
        self.add(27)
        many = self.press()
        self.assertEqual(len(many), len(few), "\n".join(many))

    def test_it_still_says_a_domain_removed_meanwhile_was_removed(self) -> None:
        # Removed between the read of the list and the record of its outcome: the press
        # reads each domain's answer, then records it; one removed by a teammate in between
        # is said so, not given a reason of a domain that is no longer there.
        self.add(3)
        gone = Domain.objects.get(name="waiting-1.example.org")
        real = views._challenge_answers

        def answers_then_remove(domains: list[Domain], deadline: float) -> list[Any]:
            found = real(domains, deadline)
            Domain.objects.filter(pk=gone.pk).delete()
            return found

        with mock.patch.object(views, "_challenge_answers", answers_then_remove):
            r = self.client.post(reverse("domains:verify_all"), {"team": str(self.team.code)})
        page = r.content.decode()
        self.assertIn("Removed from your team meanwhile.", page)
        self.assertEqual(page.count("Removed from your team meanwhile."), 1)
        self.assertNotIn(f"No TXT record found at {gone.challenge_name}", page)
