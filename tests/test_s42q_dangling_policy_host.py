"""Task s42q, item 1: `mta-sts.<domain>` as a dangling CNAME (its chain ends at a name that
does not exist, NXDOMAIN). lookups.points_at_us read it as "does not exist yet", so once
hosting was off the records panel badged it "removed", nothing left to do. A CNAME left
pointing into a name nobody holds (a provider's namespace above all) can be claimed by whoever
registers that name there, who then serves `mta-sts.<domain>`: it is to remove. While hosting
is on, the setup panel says what is there and to publish our CNAME in its place."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta
from unittest import mock

import dns.rdata
import dns.rdataclass
import dns.rdatatype
from django.conf import settings
from django.urls import reverse

from checks.dns import DnsAnswer, DnsClient
from mailsec.hosting import lookups, service
from mailsec.hosting.models import HostedPolicy
from tests.test_hosting import T0, HostingCase

DOMAIN = "example.org"
HOST = f"mta-sts.{DOMAIN}"
GONE = "example-org.mta-sts.provider.example"
HOP = "edge.provider.example"


class Zone(DnsClient):
    """Answers from `names`: name -> (rcode, addresses, cnames); anything else NXDOMAIN
    (CAA and TXT lookups included). Our policy host has an address."""

    def __init__(self, names: dict[str, tuple[str, list[str], list[str]]]) -> None:
        self.names = {settings.MAILSEC_POLICY_HOST: ("NOERROR", ["192.0.2.1"], []), **names}

    async def query(self, name: str, rdtype: str, **kwargs: object) -> DnsAnswer:  # type: ignore[override]
        rcode, addrs, cnames = self.names.get(name.rstrip(".").lower(), ("NXDOMAIN", [], []))
        rdatas = []
        if rdtype == "A":
            rdatas = [dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.A, a) for a in addrs]
        return DnsAnswer(name, rdtype, rcode, rdatas, cnames=list(cnames))


def dangling(*chain: str) -> Zone:
    return Zone({HOST: ("NXDOMAIN", [], list(chain))})


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_s42q_points_at_us_names_a_dangling_cname() -> None:
    ok, detail = asyncio.run(lookups.points_at_us(dangling(GONE), HOST))
    assert not ok
    assert detail == f"{HOST} is a CNAME to {GONE}, a name that does not exist", detail
    assert lookups.dangling(detail)


def test_s42q_a_chain_names_its_first_and_last_names() -> None:
    ok, detail = asyncio.run(lookups.points_at_us(dangling(HOP, GONE), HOST))
    assert not ok
    assert detail == (
        f"{HOST} is a CNAME to {HOP}, which leads on to {GONE}, a name that does not exist"
    ), detail
    assert lookups.dangling(detail)


def test_s42q_a_name_that_does_not_exist_is_still_not_yet() -> None:
    # Control: no CNAME at all is not an alias left behind.
    ok, detail = asyncio.run(lookups.points_at_us(Zone({}), HOST))
    assert (ok, detail) == (False, f"{HOST} does not exist yet")
    assert not lookups.dangling(detail)


def test_s42q_a_cname_to_a_host_with_addresses_still_points_elsewhere() -> None:
    zone = Zone({HOST: ("NOERROR", ["198.51.100.4"], [HOP])})
    ok, detail = asyncio.run(lookups.points_at_us(zone, HOST))
    assert (ok, detail) == (False, f"{HOST} points elsewhere ({HOP}, 198.51.100.4)")
    assert not lookups.dangling(detail)


class S42qDanglingPanelTestCase(HostingCase):
    def setUp(self) -> None:
        super().setUp()
        self.policy = self.host()
        self.client.force_login(self.alice)

    def host_row(self, zone: Zone) -> tuple[object, str, str]:
        with mock.patch.object(lookups, "press_client", lambda budget: zone):
            r = self.client.get(
                reverse("hosting:records", args=[self.domain.code]), HTTP_HX_REQUEST="true"
            )
        assert r.status_code == 200
        html = r.content.decode()
        row = next(r for r in r.context["records"] if r.name == HOST)
        start = html.index(f">{HOST}</code>")
        return row, text_of(html[start : html.index("</tr>", start)]), html

    def test_s42q_after_release_a_dangling_cname_is_to_remove(self) -> None:
        HostedPolicy.objects.filter(pk=self.policy.pk).update(state=HostedPolicy.State.OFF)
        row, text, html = self.host_row(dangling(GONE))
        assert "Records to remove" in html
        assert "removed" not in text, text
        assert "yes: remove it" in text, text
        assert row.state not in ("missing", "elsewhere")  # not badged as fine (pass)
        assert f"{HOST} is a CNAME to {GONE}, a name that does not exist" in text, text
        assert "remove it" in row.detail and "takeover" in row.detail.lower(), row.detail

    def test_s42q_after_release_a_name_that_does_not_exist_is_still_removed(self) -> None:
        HostedPolicy.objects.filter(pk=self.policy.pk).update(state=HostedPolicy.State.OFF)
        row, text, _ = self.host_row(Zone({}))
        assert "removed" in text and "yes: remove it" not in text, text
        assert row.state == "missing"

    def test_s42q_after_release_a_record_beside_a_dangling_cname_says_so(self) -> None:
        # The _mta-sts row of another id beside it: the host does not "not exist", it leads
        # to a name that does not exist.
        HostedPolicy.objects.filter(pk=self.policy.pk).update(state=HostedPolicy.State.OFF)
        zone = dangling(GONE)
        txt = dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.TXT, '"v=STSv1; id=theirs1;"')

        base = zone.query

        async def query(name: str, rdtype: str, **kwargs: object) -> DnsAnswer:
            if name == f"_mta-sts.{DOMAIN}" and rdtype == "TXT":
                return DnsAnswer(name, rdtype, "NOERROR", [txt])
            return await base(name, rdtype, **kwargs)

        zone.query = query  # type: ignore[method-assign]
        with mock.patch.object(lookups, "press_client", lambda budget: zone):
            r = self.client.get(
                reverse("hosting:records", args=[self.domain.code]), HTTP_HX_REQUEST="true"
            )
        sts = next(x for x in r.context["records"] if x.name == f"_mta-sts.{DOMAIN}")
        assert sts.badge == "yes: remove it", sts
        assert f"{HOST} leads to a name that does not exist" in sts.detail, sts.detail
        assert f"{HOST} does not exist:" not in sts.detail, sts.detail

    def test_s42q_while_hosting_a_dangling_cname_is_not_yet_with_what_to_do(self) -> None:
        row, text, html = self.host_row(dangling(GONE))
        assert "Records to publish" in html
        assert "not yet" in text, text
        assert f"{HOST} is a CNAME to {GONE}, a name that does not exist" in text, text
        assert f"CNAME to {settings.MAILSEC_POLICY_HOST}" in row.detail, row.detail

    def test_s42q_the_sync_still_reads_a_dangling_cname_as_no_name(self) -> None:
        # Control: the policy-host watch keeps reading a name leading nowhere as "missing"
        # (the certificate watch's to tell), so leading to us then dangling tells nothing new.
        policy = self.policy
        policy.policy_host_state = "ours"
        ok, detail = asyncio.run(lookups.points_at_us(dangling(GONE), HOST))
        said = service.policy_host_told(policy, ok, detail, T0 + timedelta(hours=1))
        assert said == []
        assert policy.policy_host_state == "ours"
