"""Task s40b, item 4: a press of Verify all writes its outcomes in bulk.

It recorded each name's outcome as Verify does, one name at a time: a savepoint, an UPDATE and
its release per name (Domain.verify's save), the page cache dropped per name (the post_save
signal), and without Redis each name's Verify allowance read and counted in the database
(ratelimit's RateCounter: a SELECT, then a savepoint, UPDATE or INSERT, SELECT and release).
Now one UPDATE per outcome group (the names not verified, each with its own words; the names
verified), the page cache dropped once for the batch, and the allowances read and counted
together. What the press says and records for each name is unchanged. Measured here (SQLite,
counters in the database): 59 queries a press of 3 names and 329 of 30 before, 35 and 35 after.

Against a real UDP socket on a loopback address (as test_webapp_s39e_verify_all_queries): names
"ok-*" publish their challenge value, "fail-*" answer SERVFAIL, the others NOERROR without a
record.
"""

from __future__ import annotations

import os
import socket
import threading
from unittest import mock

import dns.flags
import dns.message
import dns.rcode
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rrset
from django.core.cache import cache
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from mailsec.domains import pagecache, views
from mailsec.domains.models import CHALLENGE_PREFIX, CheckRun, Domain
from mailsec.freecheck import ratelimit
from mailsec.freecheck.models import RateCounter
from tests.conftest import BaseTestCase

RESOLVER_HOST = "127.0.250.53"
LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
TABLE = Domain._meta.db_table


@override_settings(CACHES=LOCMEM)
class VerifyAllWritesTestCase(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        cache.clear()
        self.values: dict[str, str] = {}
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
            name = query.question[0].name.to_text().rstrip(".")
            label = name.removeprefix(f"{CHALLENGE_PREFIX}.")
            if label.startswith("fail-"):
                response.set_rcode(dns.rcode.SERVFAIL)
            elif name in self.values:
                rdata = dns.rdata.from_text(
                    dns.rdataclass.IN, dns.rdatatype.TXT, f'"{self.values[name]}"'
                )
                response.answer.append(dns.rrset.from_rdata(query.question[0].name, 60, rdata))
            self.sock.sendto(response.to_wire(), peer)

    def add(self, kind: str, count: int) -> list[Domain]:
        start = Domain.objects.filter(team=self.team, name__startswith=kind).count()
        added = []
        for i in range(start, start + count):
            domain = Domain.objects.create(team=self.team, name=f"{kind}-{i}.example.org")
            if kind == "ok":
                self.values[domain.challenge_name] = domain.challenge_value
            added.append(domain)
        return added

    def press(self) -> tuple[str, list[str]]:
        """The page and the SQL of one press (whose rate limits start afresh)."""
        cache.clear()
        RateCounter.objects.all().delete()  # the press's counters, in the database here
        with CaptureQueriesContext(connection) as queries:
            r = self.client.post(reverse("domains:verify_all"), {"team": str(self.team.code)})
        self.assertEqual(r.status_code, 200)
        return r.content.decode(), [q["sql"] for q in queries.captured_queries]

    def test_it_writes_the_same_number_of_times_for_3_names_as_for_30(self) -> None:
        self.add("waiting", 2)
        self.add("fail", 1)
        _, few = self.press()
        self.add("waiting", 18)
        self.add("fail", 9)
        page, many = self.press()
        for domain in Domain.objects.filter(team=self.team):
            if domain.name.startswith("fail-"):
                self.assertIn(
                    f"Our DNS lookup of {domain.challenge_name} failed: the DNS answered SERVFAIL",
                    page,
                )
                self.assertIn("SERVFAIL", domain.verify_error)
            else:
                words = f"No TXT record found at {domain.challenge_name} yet."
                self.assertIn(words, page)
                self.assertEqual(domain.verify_error, words)
            self.assertIsNotNone(domain.verify_checked_at)
        updates = [q for q in many if q.lstrip().upper().startswith("UPDATE") and TABLE in q]
        self.assertLessEqual(len(updates), 2, "\n".join(updates))
        self.assertEqual(len(many), len(few), "\n".join(many))

    def test_it_records_verified_names_together_and_checks_them(self) -> None:
        ok = self.add("ok", 4)
        waiting = self.add("waiting", 3)
        with mock.patch.object(pagecache, "changed_many", wraps=pagecache.changed_many) as spy:
            page, queries = self.press()
        for domain in ok:
            domain.refresh_from_db()
            self.assertIsNotNone(domain.verified_at)
            self.assertEqual(domain.verify_error, "")
            self.assertTrue(CheckRun.objects.filter(domain=domain).exists())
        for domain in waiting:
            domain.refresh_from_db()
            self.assertIsNone(domain.verified_at)
            self.assertFalse(CheckRun.objects.filter(domain=domain).exists())
        self.assertIn("4", page)
        updates = [q for q in queries if q.lstrip().upper().startswith("UPDATE") and TABLE in q]
        # One for the names not verified, one for those verified; request_check's own
        # (it moves the domains' next check) come on top, one a domain verified.
        self.assertLessEqual(len(updates), 2 + len(ok), "\n".join(updates))
        # Every domain's page and the team's list, dropped in one call for the batch.
        batches = [c for c in spy.call_args_list if len(list(c.kwargs.get("domain_ids", ()))) > 1]
        self.assertEqual(len(batches), 1, spy.call_args_list)
        self.assertEqual(set(batches[0].kwargs["domain_ids"]), {d.pk for d in ok + waiting})

    def test_each_name_still_counts_against_its_own_verify_allowance(self) -> None:
        domains = self.add("waiting", 3)
        self.press()
        for domain in domains:
            # Counted in this press's window (press() cleared the ones before).
            self.assertEqual(ratelimit.used(f"domains:verify:{domain.pk}", 60), 1)

    def test_a_name_over_its_verify_allowance_is_not_looked_up(self) -> None:
        busy, other = self.add("waiting", 2)
        cache.clear()
        RateCounter.objects.all().delete()
        for _ in range(views.VERIFY_DOMAIN_LIMIT[0]):
            ratelimit.hit(f"domains:verify:{busy.pk}", *views.VERIFY_DOMAIN_LIMIT)
        r = self.client.post(reverse("domains:verify_all"), {"team": str(self.team.code)})
        page = r.content.decode()
        self.assertIn(views.NOT_LOOKED_UP["domain"], page)
        self.assertIn(f"No TXT record found at {other.challenge_name} yet.", page)
        busy.refresh_from_db()
        self.assertIsNone(busy.verify_checked_at)


class CountersTogetherTestCase(BaseTestCase):
    """ratelimit.used_many and hit_many count as used and hit do, with the configured cache
    (Redis under the CI env) or the database."""

    def test_they_count_as_one_by_one(self) -> None:
        RateCounter.objects.all().delete()
        buckets = [f"s40b:{n}" for n in range(4)]
        ratelimit.hit(buckets[0], 10, 60, now=1000.0)
        ratelimit.hit_many(buckets[:3], 60, now=1000.0)
        ratelimit.hit_many(buckets[1:2], 60, now=1001.0)
        expected = {buckets[0]: 2, buckets[1]: 2, buckets[2]: 1, buckets[3]: 0}
        self.assertEqual(ratelimit.used_many(buckets, 60, now=1002.0), expected)
        for bucket, count in expected.items():
            self.assertEqual(ratelimit.used(bucket, 60, now=1002.0), count)
        # The next window starts afresh.
        self.assertEqual(ratelimit.used_many(buckets, 60, now=1060.0), dict.fromkeys(buckets, 0))
