"""An MX whose target is an alias: `example.org MX 10 mail.example.org.` with
`mail.example.org CNAME host7.provider.example.` (the lab's finding). Pinned as right, not
changed:

* RFC 8461 §4.1 matches the MX host name as found in the MX record, and §4.2 wants the
  certificate valid for that name: the policy lists `mail.example.org`, which is what every
  RFC-following sender compares. The alias target listed instead would make them refuse the
  MX under enforce; listed as well it helps none of them.
* The alias receives the mail: no policy may drop it (a sender holding an enforce policy
  without it refuses delivery, RFC 8461 §5).
* An alias target "lies outside the scope" of RFC 5321 §5.1 (RFC 2181 §10.3 forbids it): the
  domain check's MX-04 tells the owner to point the MX at the target. Doing so is an MX
  change like any other: the target joins at once, the alias stays listed for max_age.
* The risk an alias brings, a provider certificate valid only for the target, is what the
  enforce readiness already refuses: it needs the latest check to validate the certificate
  of each MX for the MX's own name (SMTP-11 reports the alias).

The DNS answers come from a real wire server (tests/test_dns_s9_server) through the engine's
resolver, not from stubbed lookups."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from unittest import mock

import dns.message
import dns.rcode
import dns.rdatatype
from django.utils import timezone

from checks.config import CheckConfig
from checks.dns import DnsClient
from mailsec.hosting import lookups, service
from mailsec.hosting.models import HostedPolicy
from mailsec.hosting.readiness import enforce_readiness
from tests import test_hosting
from tests.test_dns_s9_server import Reply, answer, fake_dns, records
from tests.test_hosting import DAY, T0, HostingCase, checked

SOA = "example.org. 300 SOA ns.example.org. hostmaster.example.org. 1 7200 900 1209600 300"


def aliased_zone() -> dict[tuple[str, str], list[str]]:
    return {
        ("example.org.", "MX"): ["example.org. 300 MX 10 mail.example.org."],
        ("mail.example.org.", "A"): [
            "mail.example.org. 300 CNAME host7.provider.example.",
            "host7.provider.example. 300 A 192.0.2.7",
        ],
        ("host7.provider.example.", "A"): ["host7.provider.example. 300 A 192.0.2.7"],
    }


def handler(zone: dict[tuple[str, str], list[str]]) -> Callable[..., Reply]:
    def handle(query: dns.message.Message, transport: str) -> Reply:
        name = query.question[0].name.to_text().lower()
        rdtype = dns.rdatatype.to_text(query.question[0].rdtype)
        found = [records(r) for r in zone.get((name, rdtype), [])]
        exists = any(n == name for n, _ in zone)
        rcode = dns.rcode.NOERROR if exists else dns.rcode.NXDOMAIN
        return Reply(answer(query, *found, rcode=rcode, authority=() if found else (records(SOA),)))

    return handle


@contextmanager
def wire_dns(zone: dict[tuple[str, str], list[str]]) -> Iterator[None]:
    """The hosting code's lookups answered by the wire server serving `zone` (mutable)."""
    with fake_dns(handler(zone)) as server:  # type: ignore[arg-type]
        config = CheckConfig(resolvers=(server.address,), timeout=1.0)
        with mock.patch.object(lookups, "client", lambda: DnsClient(config)):
            yield


class CnameMxTests(HostingCase):
    def test_the_mx_record_name_is_what_the_policy_lists(self) -> None:
        zone = aliased_zone()
        with wire_dns(zone):
            found = asyncio.run(lookups.live_mx(lookups.client(), "example.org"))
            assert found.hosts == ["mail.example.org"] and not found.unusable
            policy = service.enable(self.domain, now=T0)
            service.sync(policy, now=T0 + timedelta(minutes=5))
        policy.refresh_from_db()
        assert policy.mx_live == ["mail.example.org"]
        assert "mx: mail.example.org\r\n" in policy.text
        assert "provider.example" not in policy.text

    def test_following_mx_04s_fix_keeps_the_alias_listed_for_max_age(self) -> None:
        zone = aliased_zone()
        with wire_dns(zone):
            policy = service.enable(self.domain, now=T0)
            policy.max_age = DAY
            policy.save()
            zone[("example.org.", "MX")] = ["example.org. 300 MX 10 host7.provider.example."]
            assert service.sync(policy, now=T0 + timedelta(minutes=5))
            policy.refresh_from_db()
            # the new target at once, the alias still listed: senders holding the policy
            # may still deliver to it
            assert "mx: host7.provider.example\r\n" in policy.text
            assert "mx: mail.example.org\r\n" in policy.text
            assert service.sync(policy, now=T0 + timedelta(days=1, minutes=10))
        policy.refresh_from_db()
        assert "mail.example.org" not in policy.text
        assert "mx: host7.provider.example\r\n" in policy.text

    def test_enforce_waits_for_a_certificate_valid_for_the_alias(self) -> None:
        with wire_dns(aliased_zone()):
            policy = service.enable(self.domain, now=T0)
        # the TLS reports that make enforce look safe otherwise (not imported by name: pytest
        # would collect that whole test class here again)
        test_hosting.PageTestCase.add_reports(self, policy)  # type: ignore[arg-type]
        now = timezone.now()
        # the provider's certificate names host7.provider.example only: SMTP-11 fails for
        # the MX name senders check, mail.example.org
        checked(self.domain, {"mail.example.org": "fail"})
        readiness = enforce_readiness(HostedPolicy.objects.get(pk=policy.pk), now)
        assert not readiness.ready
        [reason] = readiness.reasons
        assert reason.startswith("mail.example.org:") and "not valid for" in reason
        checked(self.domain, {"mail.example.org": "pass"})
        assert enforce_readiness(HostedPolicy.objects.get(pk=policy.pk), now).ready
