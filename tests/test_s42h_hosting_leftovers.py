"""Task s42h: hosting leftovers.

1. Once hosting is off (released), the records panel lists the two names to remove. It read
   "removed" whenever a name no longer led to us: for `mta-sts.<domain>` pointing at another
   host, for `_mta-sts.<domain>` as a CNAME into another zone, or as two v=STSv1 records. It
   now says what is published there, and whether that is fine after the release (another
   host's name or the record of a policy the owner now serves elsewhere is theirs to keep;
   two records leave senders with no policy at all, RFC 8461 §3.1).
2. With a policy zone of ours, the email telling of a stale `_mta-sts` TXT offered the CNAME
   twice: "update it (or CNAME it to our zone)" in what it found, then the exact record with
   the zone's name. It now offers it once, with the zone's name."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta
from typing import Any
from unittest import mock

import dns.rdata
import dns.rdataclass
import dns.rdatatype
from django.core import mail
from django.test import override_settings
from django.urls import reverse

from checks.dns import DnsAnswer, DnsClient
from mailsec.hosting import lookups, service
from mailsec.hosting.models import HostedPolicy
from mailsec.hosting.service import record_told
from tests.test_hosting import T0, HostingCase, fake_dns

DOMAIN = "example.org"
STS = f"_mta-sts.{DOMAIN}"
HOST = f"mta-sts.{DOMAIN}"
ZONE = "policy.mailsec.example"
ZONE_NAME = f"{DOMAIN}.{ZONE}"
REAL_STS_RECORD = lookups.sts_record


class Sts(DnsClient):
    """Answers `_mta-sts.example.org` TXT with `found` (one string each), reached through
    the CNAME chain `cnames` when given."""

    def __init__(self, *found: str, cnames: tuple[str, ...] = ()) -> None:
        self.found = found
        self.cnames = list(cnames)

    async def query(self, name: str, rdtype: str, **kwargs: object) -> DnsAnswer:  # type: ignore[override]
        rdatas = [
            dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.TXT, f'"{text}"')
            for text in self.found
        ]
        return DnsAnswer(name, rdtype, "NOERROR", rdatas, cnames=self.cnames)


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


# --- 1. The records to remove, once hosting is off ------------------------------------------


class S42hReleasedPanelTestCase(HostingCase):
    def setUp(self) -> None:
        super().setUp()
        self.policy = self.host()
        self.ours = self.policy.policy_id
        HostedPolicy.objects.filter(pk=self.policy.pk).update(state=HostedPolicy.State.OFF)
        self.client.force_login(self.alice)

    def panel(
        self, host: tuple[bool, str], *published: str, cnames: tuple[str, ...] = ()
    ) -> dict[str, tuple[Any, str]]:
        """The released records panel (htmx) with `mta-sts.example.org` read as `host`
        (points_at_us's answer) and `_mta-sts.example.org` publishing `published`: each
        row, with its table row's text, by name."""

        async def points_at_us(dns: object, name: str) -> tuple[bool, str]:
            return host

        async def sts_record(dns: object, domain: str, policy_id: str, zone: str) -> Any:
            return await REAL_STS_RECORD(Sts(*published, cnames=cnames), domain, policy_id, zone)

        with (
            fake_dns(),
            mock.patch.object(lookups, "points_at_us", points_at_us),
            mock.patch.object(lookups, "sts_record", sts_record),
        ):
            r = self.client.get(
                reverse("hosting:records", args=[self.domain.code]), HTTP_HX_REQUEST="true"
            )
        assert r.status_code == 200
        html = r.content.decode()
        assert "Records to remove" in html
        rows = {}
        for row in r.context["records"]:
            start = html.index(f">{row.name}</code>")
            rows[row.name] = (row, text_of(html[start : html.index("</tr>", start)]))
        assert set(rows) == {HOST, STS}
        return rows

    def test_s42h_mta_sts_pointing_elsewhere_is_said_not_removed(self) -> None:
        elsewhere = (
            False,
            lookups.Leads(
                f"{HOST} points elsewhere (mta-sts.provider.example, 192.0.2.7)", "elsewhere"
            ),
        )
        rows = self.panel(elsewhere)
        row, text = rows[HOST]
        assert "removed" not in text, text
        # What is published, and that it is fine: not ours, nothing of ours to remove.
        assert "mta-sts.provider.example" in text, text
        assert "not ours" in text and "yes: remove it" not in text, text
        assert row.state == "elsewhere"

    @override_settings(MAILSEC_POLICY_ZONE=ZONE, MAILSEC_POLICY_DNS_SERVER=None)
    def test_s42h_a_cname_into_another_zone_is_said_not_removed(self) -> None:
        # With a zone of ours, whose CNAME the owner was asked to publish (without one, a
        # CNAME to the owner's own zone holding the TXT is read as that TXT).
        other = f"{DOMAIN}.sts.provider.example"
        gone = (False, lookups.Leads(f"{HOST} does not exist yet", "missing"))
        rows = self.panel(gone, "v=STSv1; id=theirs1;", cnames=(other,))
        row, text = rows[STS]
        assert "removed" not in text, text
        assert other in text, text
        # mta-sts.<domain> gone: the record announces a policy nobody serves, remove it.
        assert "yes: remove it" in text, text
        # mta-sts.<domain> at another host: the record of the policy served there, theirs.
        rows = self.panel(
            (
                False,
                lookups.Leads(f"{HOST} points elsewhere (mta-sts.provider.example)", "elsewhere"),
            ),
            "v=STSv1; id=theirs1;",
            cnames=(other,),
        )
        row, text = rows[STS]
        assert other in text and "not ours" in text and "removed" not in text, text
        assert "yes: remove it" not in text, text

    def test_s42h_two_records_are_said_not_removed(self) -> None:
        gone = (False, lookups.Leads(f"{HOST} does not exist yet", "missing"))
        rows = self.panel(gone, f"v=STSv1; id={self.ours};", "v=STSv1; id=own2;")
        row, text = rows[STS]
        assert "removed" not in text, text
        assert "2 MTA-STS records" in text and "RFC 8461 §3.1" in text, text
        # Not the advice of a hosted policy: keep the record with our id.
        assert f"Keep one: v=STSv1; id={self.ours};" not in text, text
        assert f"id={self.ours}" in text and "ours" in text, text

    def test_s42h_the_owners_own_record_for_another_host_is_fine(self) -> None:
        elsewhere = (
            False,
            lookups.Leads(f"{HOST} points elsewhere (mta-sts.provider.example)", "elsewhere"),
        )
        rows = self.panel(elsewhere, "v=STSv1; id=own3;")
        row, text = rows[STS]
        assert "id=own3" in text and "not ours" in text, text
        assert "yes: remove it" not in text and "removed" not in text, text
        # The same record with mta-sts.<domain> still led to us: a leftover to remove.
        rows = self.panel((True, f"{HOST} is a CNAME to sts.example"), "v=STSv1; id=own3;")
        assert "yes: remove it" in rows[STS][1] and "yes: remove it" in rows[HOST][1]

    def test_s42h_controls_removed_and_still_ours(self) -> None:
        rows = self.panel((False, lookups.Leads(f"{HOST} does not exist yet", "missing")))
        assert "removed" in rows[HOST][1] and "removed" in rows[STS][1]
        rows = self.panel((True, f"{HOST} is a CNAME to sts.example"), f"v=STSv1; id={self.ours};")
        assert "yes: remove it" in rows[HOST][1] and "yes: remove it" in rows[STS][1]
        rows = self.panel((False, f"{lookups.LOOKUP_FAILED} {HOST}: SERVFAIL"))
        assert "could not check" in rows[HOST][1] and "removed" not in rows[HOST][1]


# --- 2. A stale record's email, with a zone of ours -----------------------------------------


def read_stale(zone_name: str, policy_id: str = "20261201120000abcdef12") -> lookups.RecordState:
    return asyncio.run(REAL_STS_RECORD(Sts("v=STSv1; id=old1;"), DOMAIN, policy_id, zone_name))


def test_s42h_a_stale_records_notice_offers_the_cname_once_with_the_zone_name() -> None:
    policy = HostedPolicy(name=DOMAIN, policy_id="20261201120000abcdef12")
    told = record_told(policy, read_stale(ZONE_NAME), ZONE_NAME)
    assert told.count("CNAME") == 1, told
    assert "our zone" not in told, told
    assert f"{STS}. CNAME {ZONE_NAME}." in told, told
    assert f'{STS} TXT "v=STSv1; id=20261201120000abcdef12;"' in told, told
    # Worded again for a new id (a sync that changed it): once as well.
    new = "20261202000000bbbbbbbb"
    told = record_told(
        HostedPolicy(name=DOMAIN, policy_id=new), read_stale(ZONE_NAME).for_id(new), ZONE_NAME
    )
    assert told.count("CNAME") == 1 and f"policy's id is {new}" in told, told


def test_s42h_without_a_zone_the_stale_notice_is_as_before() -> None:
    policy = HostedPolicy(name=DOMAIN, policy_id="20261201120000abcdef12")
    told = record_told(policy, read_stale(""), "")
    assert "CNAME" not in told and "we email" in told, told


class S42hStaleEmailTestCase(HostingCase):
    @override_settings(MAILSEC_POLICY_ZONE=ZONE, MAILSEC_POLICY_DNS_SERVER=None)
    def test_s42h_the_sync_email_offers_the_cname_once(self) -> None:
        policy = self.host()
        stale = read_stale(ZONE_NAME, policy.policy_id)

        async def sts_record(dns: object, domain: str, policy_id: str, zone: str) -> Any:
            return await REAL_STS_RECORD(Sts("v=STSv1; id=old1;"), domain, policy_id, zone)

        mail.outbox.clear()
        with (
            fake_dns(),
            mock.patch.object(lookups, "sts_record", sts_record),
            mock.patch.object(service, "publish"),
        ):
            service.sync(policy, now=T0 + timedelta(minutes=5))
        assert stale.state == "stale"
        told = [m for m in mail.outbox if "id=old1" in m.body]
        assert told  # one to each member
        for message in told:
            body = " ".join(message.body.split())
            assert body.count(f"CNAME {ZONE_NAME}") == 1, body
            assert "our zone" not in body, body
