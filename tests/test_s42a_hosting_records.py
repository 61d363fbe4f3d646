"""Task s42a, items 2 and 3: the hosting page's `_mta-sts` row and notices.

2. Without a policy zone of ours (MAILSEC_POLICY_ZONE unset: customers publish a plain TXT and
   set the id themselves, as the page's "Let us host the policy" says), a stale record's notice
   said "senders will not refetch the policy until you update it (or CNAME it to our zone)": a
   CNAME to a zone there is none of. It now offers what the page offers there: the id is the
   owner's to set in that TXT, the one we email each time it changes.
3. A syntactically invalid `_mta-sts` TXT (senders discard it, RFC 8461 §3.1), told as invalid
   by its notice (s41c), was badged "not yet" on the records panel, as a missing record is. It
   is badged "invalid" now."""

from __future__ import annotations

import asyncio
import re
from typing import Any
from unittest import mock

import dns.rdata
import dns.rdataclass
import dns.rdatatype
from django.test import override_settings
from django.urls import reverse

from checks.dns import DnsAnswer, DnsClient
from mailsec.hosting import lookups
from mailsec.hosting.models import HostedPolicy
from mailsec.hosting.service import record_told
from tests.test_hosting import HostingCase, fake_dns

CURRENT = "20261201120000abcdef12"
NAME = "_mta-sts.example.org"
ZONE = "policy.mailsec.example"
REAL_STS_RECORD = lookups.sts_record


class Txt(DnsClient):
    """Answers `_mta-sts.example.org` TXT with the given records, one string each."""

    def __init__(self, *found: str) -> None:
        self.found = found

    async def query(self, name: str, rdtype: str, **kwargs: object) -> DnsAnswer:  # type: ignore[override]
        rdatas = [
            dns.rdata.from_text(
                dns.rdataclass.IN, dns.rdatatype.TXT, '"' + text.replace('"', '\\"') + '"'
            )
            for text in self.found
        ]
        return DnsAnswer(name, rdtype, "NOERROR", rdatas)


def read(record: str, zone_name: str = "") -> lookups.RecordState:
    return asyncio.run(REAL_STS_RECORD(Txt(record), "example.org", CURRENT, zone_name))


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


# --- 2. A stale record without a zone of ours ------------------------------------------------


def test_s42a_without_a_zone_a_stale_record_is_not_offered_a_cname() -> None:
    found = read("v=STSv1; id=old1;")
    assert found.state == "stale", found
    assert "CNAME" not in found.detail and "our zone" not in found.detail
    # What the page offers without a zone: the id in the TXT is the owner's to set.
    assert f"{NAME} has id=old1 but the policy's id is {CURRENT}" in found.detail
    assert "we email" in found.detail
    policy = HostedPolicy(name="example.org", policy_id=CURRENT)
    told = record_told(policy, found, "")
    assert "CNAME" not in told
    assert told.endswith(f'Publish {NAME} TXT "v=STSv1; id={CURRENT};" in place of it.')
    # Worded again with a new id (a sync that changed it): still no CNAME.
    again = found.for_id("20261202000000bbbbbbbb")
    assert "policy's id is 20261202000000bbbbbbbb" in again.detail
    assert "CNAME" not in again.detail and "our zone" not in again.detail


def test_s42a_with_a_zone_a_stale_record_is_still_offered_the_cname() -> None:
    zone_name = f"example.org.{ZONE}"
    found = read("v=STSv1; id=old1;", zone_name)
    assert found.state == "stale", found
    assert "CNAME it to our zone" in found.detail
    assert "CNAME it to our zone" in found.for_id("20261202000000bbbbbbbb").detail
    told = record_told(HostedPolicy(name="example.org", policy_id=CURRENT), found, zone_name)
    assert f"{NAME}. CNAME {zone_name}." in told


# --- The records panel --------------------------------------------------------------------------


class S42aRecordsPanelTestCase(HostingCase):
    def setUp(self) -> None:
        super().setUp()
        self.policy = self.host()
        self.client.force_login(self.alice)

    def panel(self, *published: str) -> tuple[Any, str]:
        """The records panel (htmx) with `_mta-sts.example.org` publishing `published`:
        its `_mta-sts` row and the panel's text."""

        async def sts_record(dns: object, domain: str, policy_id: str, zone: str) -> Any:
            return await REAL_STS_RECORD(Txt(*published), domain, policy_id, zone)

        with fake_dns(), mock.patch.object(lookups, "sts_record", sts_record):
            r = self.client.get(
                reverse("hosting:records", args=[self.domain.code]), HTTP_HX_REQUEST="true"
            )
        assert r.status_code == 200
        [row] = [row for row in r.context["records"] if row.name == NAME]
        html = r.content.decode()
        start = html.index(f">{NAME}</code>")
        return row, text_of(html[start : html.index("</tr>", start)])

    def test_s42a_a_stale_record_without_a_zone_is_told_to_update_its_id(self) -> None:
        row, text = self.panel("v=STSv1; id=old1;")
        assert row.state == "stale"
        assert "CNAME" not in row.detail and "our zone" not in row.detail
        assert "stale" in text and "we email" in text

    @override_settings(MAILSEC_POLICY_ZONE=ZONE, MAILSEC_POLICY_DNS_SERVER=None)
    def test_s42a_a_stale_record_with_a_zone_is_offered_the_cname(self) -> None:
        row, _ = self.panel("v=STSv1; id=old1;")
        assert row.state == "stale"
        assert "CNAME it to our zone" in row.detail

    # --- 3. An invalid record ----------------------------------------------------------------

    def test_s42a_an_invalid_record_is_badged_invalid_not_missing(self) -> None:
        policy_id = HostedPolicy.objects.get(pk=self.policy.pk).policy_id
        for record in (f"v=STSv1 id={policy_id}", f'"v=STSv1; id={policy_id};"'):
            row, text = self.panel(record)
            assert row.state == "invalid", record
            assert "Senders discard an invalid record" in row.detail
            assert "invalid" in text.split("Senders discard")[0], text
            assert "not yet" not in text, text

    def test_s42a_a_missing_record_is_still_not_yet(self) -> None:
        row, text = self.panel()
        assert row.state == "missing"
        assert "not yet" in text and "invalid" not in text

    def test_s42a_after_release_an_invalid_record_is_still_there_to_remove(self) -> None:
        # Released (hosting off): the panel lists the records to remove; an invalid one is
        # there all the same, not "removed" as a missing one is.
        HostedPolicy.objects.filter(pk=self.policy.pk).update(state=HostedPolicy.State.OFF)
        row, text = self.panel("v=STSv1 id=20261201120000abcdef12")
        assert row.state == "invalid"
        assert "yes: remove it" in text and "removed" not in text
        row, text = self.panel()
        assert row.state == "missing" and "removed" in text
