"""Review s36v: the add's "does not exist in the DNS" (s36w) and a resolver that answers
NXDOMAIN for every name.

A resolver that does not see the public DNS (a sandbox, a private network's resolver; the
vantage self-check's "down", RESOLVER_NXDOMAIN_PROBLEM) answers NXDOMAIN for every name: the
add then told every owner adding their real domain "does not exist in the DNS (NXDOMAIN):
check the spelling ... remove it if the name is a typo", a false alarm about their name. The
add asks the self-check's signed zone (MAILSEC_VANTAGE_SIGNED_NAME, which exists) when it
found a name missing: NXDOMAIN there too, and no NXDOMAIN of that resolver is told."""

from __future__ import annotations

from typing import Any

from django.contrib.messages import get_messages
from django.urls import reverse

from mailsec.domains import existence
from mailsec.domains.models import Domain
from tests.test_webapp_s36w import LookupOn, answering


class ResolverSeeingNothingTestCase(LookupOn):
    def add(self, name: str) -> list[str]:
        r = self.client.post(reverse("domains:add"), {"name": name, "team": self.team.code})
        return [str(m) for m in get_messages(r.wsgi_request)]

    def test_a_resolver_saying_nxdomain_for_everything_tells_no_typo(self) -> None:
        everything: Any = {"real-domain.example.org": "NXDOMAIN", "isc.org": "NXDOMAIN"}
        with answering(everything):
            said = self.add("real-domain.example.org")
        self.assertTrue(Domain.objects.filter(name="real-domain.example.org").exists())
        self.assertFalse([m for m in said if "not exist" in m], said)

    def test_a_typo_is_still_told_when_the_canary_exists(self) -> None:
        calls: list[tuple[str, str]] = []
        with answering({"exmaple.com": "NXDOMAIN"}, calls=calls):
            said = self.add("exmaple.com")
        self.assertEqual(len([m for m in said if "does not exist in the DNS" in m]), 1, said)
        self.assertIn(("isc.org", "DNSKEY"), calls)

    def test_the_canary_is_not_asked_when_nothing_is_missing(self) -> None:
        calls: list[tuple[str, str]] = []
        with answering({}, calls=calls):
            self.add("example.org")
        self.assertEqual(calls, [("example.org", "MX")])

    def test_bulk_rows_tell_no_typo_either(self) -> None:
        with answering({"a.example.org": "NXDOMAIN", "isc.org": "NXDOMAIN"}):
            names = ["a.example.org", "b.example.org"]
            missing = set(existence.look_up(names).missing)
        self.assertEqual(missing, set())
