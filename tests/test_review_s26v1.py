"""s26v1: review of 74d1d87 (TLSRPT-10 probe follow-ups), 6a28674 (free-check input) and
0bd617e (hosting: policy-host, _mta-sts record told, zone outage once). Each test here failed
before its fix.

* Hosting: points_at_us read a failed lookup of our own policy host's addresses as "points
  elsewhere", so a domain whose mta-sts name holds our addresses (A records, not a CNAME) was
  told "mta-sts.<d> no longer leads to us" on one timeout of our own name, and "leads to us
  again" at the next sync: two emails about nothing (and Caddy's ask refused the name).
  And a spell without mta-sts.<d> (NXDOMAIN) between leading to us and leading elsewhere hid
  the move: "missing" replaced "ours".
* TLSRPT-10: a report host answering the probe's POST with a 3xx whose Location is no URL
  ("https://[::1/x") made tlsrpt.evaluate raise (urljoin's ValueError): any rua host could
  break the domain's TLS-RPT check. The fix offered "rua=<Location>" as it came: a ',' in it
  splits the rua list and a '!' reads as a size (RFC 8460 §3 has both percent-encoded), a
  blank or raw UTF-8 is no URI, and a redirect to the URL itself was offered "in place of"
  itself.
* Free-check input: a link with a blank in its path or query, as a document shows one
  ("https://example.com/docs/Annual Report.pdf", "…/?q=mail example.org"), was refused as
  "holds 2 domain names" ("Report.pdf" read as a domain); it was accepted before 6a28674 and
  browsers read it as one URL (the blank as %20). A label pasted with its value ("Domain:
  mail.example.org") was told "  mail.example.org after the colon is not a port number …, for
  example example.com": the name to enter was the one after the colon.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from typing import Any
from unittest import mock

import dns.message
import dns.rcode
import dns.rdatatype
import pytest
from django.conf import settings
from django.core import mail
from django.test import override_settings

from checks import tlsrpt
from checks.domainname import DomainNameError, to_ascii_domain
from checks.findings import Status
from mailsec.hosting import lookups, service
from mailsec.hosting.models import HostedPolicy
from mailsec.hosting.zone import PolicyZone
from tests import test_hosting_s12_blind as s12
from tests import test_hosting_s18_blind as s18
from tests import test_hosting_s25_blind as s25
from tests import test_hosting_s26_blind as s26
from tests.test_dns_s9_server import Reply, answer, records
from tests.test_engine_s25p import URL, probed, serve, tlsrpt10
from tests.test_engine_s26p import redirect
from tests.test_hosting import T0, HostingCase

OUR_ADDRESS = "192.0.2.80"  # the s26 round's address of our policy host


def handler(state: dict[str, Any], zone: Any) -> Any:
    """s26's server, where mta-sts.example.org holds our policy host's address itself (an A
    record, no CNAME: points_at_us compares the addresses), and where our policy host's own
    lookup fails while state["ours_fail"] is set."""
    base = s26.handler({"example.org": state}, zone)
    policy_host = f"{settings.MAILSEC_POLICY_HOST}."

    def handle(query: dns.message.Message, transport: str) -> Reply | None:
        name = query.question[0].name.to_text().lower()
        rdtype = dns.rdatatype.to_text(query.question[0].rdtype)
        if name == policy_host and state.get("ours_fail"):
            return Reply(answer(query, rcode=dns.rcode.SERVFAIL))
        if name == "_mta-sts.example.org." and state.get("sts") == "cname_to_current_id":
            target = "_mta-sts.records.example.net."
            cname = records(f"{name} 300 CNAME {target}")
            if rdtype != "TXT":
                return Reply(answer(query, cname))
            txt = records(f'{target} 300 TXT "v=STSv1; id={state["their_id"]};"')
            return Reply(answer(query, cname, txt))
        if name == "mta-sts.example.org." and state.get("mta_sts") == "gone":
            soa = records(
                "example.org. 300 SOA ns.example.org. h.example.org. 1 7200 900 86400 300"
            )
            return Reply(answer(query, rcode=dns.rcode.NXDOMAIN, authority=(soa,)))
        if name == "mta-sts.example.org." and state.get("mta_sts") == "our_address":
            if rdtype != "A":
                return Reply(answer(query))
            return Reply(answer(query, records(f"{name} 300 A {OUR_ADDRESS}")))
        return base(query, transport)

    return handle


@override_settings(MAILSEC_POLICY_HOST="mta-sts-host.mailsec.example")
class PolicyHostCase(HostingCase):
    def setUp(self) -> None:
        super().setUp()
        self.zone = s26.FailingZone(s25.OUR_ZONE, ("127.0.0.1", 9), "mailsec-policy", "c2VjcmV0")
        self.state: dict[str, Any] = {
            "mx": ["mx1.example.org."],
            "sts": "cname",
            "mta_sts": "our_address",
        }
        patches = [
            s18.wire(self.state, lambda state: handler(state, self.zone)),
            mock.patch.object(lookups, "sts_record", s25.REAL_STS_RECORD),
            mock.patch.object(PolicyZone, "from_settings", lambda: self.zone),
        ]
        for patch in patches:
            patch.__enter__()
            self.addCleanup(patch.__exit__, None, None, None)

    def sync(self, policy: HostedPolicy, at: str) -> list[str]:
        before = len(mail.outbox)
        service.sync(policy, now=T0 + s12.offset(at))
        policy.refresh_from_db()
        return [m.body for m in mail.outbox[before:] if m.to == [self.alice.email]]


class PolicyHostLookupFailure(PolicyHostCase):
    def test_a_failed_lookup_of_our_own_host_tells_nothing(self) -> None:
        policy, _ = service.enable_told(self.domain, now=T0)
        self.sync(policy, "5m")
        assert policy.policy_host_state == "ours"
        self.state["ours_fail"] = True
        assert self.sync(policy, "1d") == []
        assert policy.policy_host_state == "ours"
        self.state["ours_fail"] = False
        assert self.sync(policy, "1d+5m") == []
        assert not policy.events.filter(kind="policy-host").exists()

    def test_the_lookup_failure_is_could_not_look_up(self) -> None:
        self.state["ours_fail"] = True
        ours, detail = asyncio.run(lookups.points_at_us(lookups.client(), "mta-sts.example.org"))
        assert not ours and detail.startswith(lookups.LOOKUP_FAILED), detail

    def test_a_spell_without_the_name_does_not_hide_its_move_elsewhere(self) -> None:
        # The owner deletes mta-sts.<d> and, a sync later, points it at another provider:
        # it left us all the same.
        self.state["mta_sts"] = "ours"
        policy, _ = service.enable_told(self.domain, now=T0)
        self.sync(policy, "5m")
        assert policy.policy_host_state == "ours"
        self.state["mta_sts"] = "gone"
        self.sync(policy, "1d")
        self.state["mta_sts"] = "elsewhere"
        bodies = self.sync(policy, "1d+5m")
        assert any("mta-sts.example.org no longer leads to us" in b for b in bodies), bodies
        self.state["mta_sts"] = "gone"
        self.sync(policy, "2d")
        self.state["mta_sts"] = "ours"
        bodies = self.sync(policy, "2d+5m")
        assert any("mta-sts.example.org leads to us again" in b for b in bodies), bodies
        assert policy.events.filter(kind="policy-host").count() == 2


# ---------------------------------------------------------------- TLSRPT-10 redirects


@pytest.mark.parametrize("location", ["https://[::1/x", "http://[x]/"])
def test_a_location_that_is_no_url_warns_and_breaks_nothing(tmp_path: Path, location: str) -> None:
    server = serve(tmp_path, redirect(302, "Found", location))
    [finding] = tlsrpt10(probed(server))
    assert finding.status == Status.WARN
    assert f"HTTP 302 to {location}" in finding.summary
    assert "rua=" not in finding.fix.split("\n")[0]


@pytest.mark.parametrize(
    ("location", "offered"),
    [
        ("https://c.example.com/r?a=1,b=2", "https://c.example.com/r?a=1%2Cb=2"),
        ("https://c.example.com/a!b;c", "https://c.example.com/a%21b%3Bc"),
        ("https://c.example.com/a b", "https://c.example.com/a%20b"),
        ("https://c.example.com/x#top", "https://c.example.com/x"),
    ],
)
def test_the_rua_offered_is_one_a_record_can_hold(
    tmp_path: Path, location: str, offered: str
) -> None:
    server = serve(tmp_path, redirect(308, "Permanent Redirect", location))
    [finding] = tlsrpt10(probed(server))
    assert f"Publish rua={offered} in place of {URL}" in finding.fix, finding.fix
    record = tlsrpt.parse_tlsrpt_record(f"v=TLSRPTv1; rua={offered}")
    assert [u.uri for u in record.uris] == [offered]


def test_raw_utf8_in_a_location_is_named_as_sent_and_offered_encoded(tmp_path: Path) -> None:
    response = redirect(308, "Permanent Redirect", "https://c.example.com/ö")
    server = serve(tmp_path, response.replace("ö".encode("latin-1"), "ö".encode()))
    [finding] = tlsrpt10(probed(server))
    assert "to https://c.example.com/ö," in finding.summary, finding.summary
    assert "Publish rua=https://c.example.com/%C3%B6 in place" in finding.fix


@pytest.mark.parametrize(
    "location", [URL, "https://RPT.example.net:443/v1/report", "https://u:p@c.example.com/x"]
)
def test_no_rua_is_offered_for_the_url_itself_or_with_a_user_name(
    tmp_path: Path, location: str
) -> None:
    server = serve(tmp_path, redirect(301, "Moved Permanently", location))
    [finding] = tlsrpt10(probed(server))
    assert "Publish rua=" not in finding.fix, finding.fix
    assert finding.fix.startswith("Make rpt.example.net answer POSTs at /v1/report")


# ---------------------------------------------------------------- free-check input


@pytest.mark.parametrize(
    "text",
    [
        "https://example.com/docs/Annual Report.pdf",
        "https://example.com/a b.html",
        "https://example.com/?q=mail example.org",
        "https://example.com/search?q=mta sts example.org\n",
        "https://example.com/docs/report 2024.zip",
    ],
)
def test_a_link_with_a_blank_in_its_path_is_one_url(text: str) -> None:
    assert to_ascii_domain(text) == "example.com"


@pytest.mark.parametrize(
    "text",
    [
        "https://example.com/ https://example.org/",
        "https://example.com/x https://example.org/y",
        "https://example.com/x, example.org",
        "https://example.com/ example.org",
        "example.com/x example.org",
    ],
)
def test_urls_or_names_pasted_together_are_still_a_list(text: str) -> None:
    with pytest.raises(DomainNameError, match="holds 2 domain names"):
        to_ascii_domain(text)


class PolicyHostAfterRelease(PolicyHostCase):
    def test_a_later_hosting_starts_without_the_released_ones_reading(self) -> None:
        # Hosted with mta-sts.<d> leading to us, turned off and released; the name then
        # served by another provider. Hosting again: the records list says where to point the
        # name, and the first sync must not say it "no longer leads to us" (it never did, in
        # this hosting).
        self.state["mta_sts"] = "ours"
        policy, _ = service.enable_told(self.domain, now=T0)
        self.sync(policy, "5m")
        service.disable(policy, now=T0 + s12.offset("1h"))
        policy.refresh_from_db()
        assert policy.release_at is not None
        service.sync(policy, now=policy.release_at + timedelta(minutes=1))
        policy.refresh_from_db()
        assert policy.state == HostedPolicy.State.OFF
        released = (policy.policy_host_state, policy.zone_failing_told)
        self.state["mta_sts"] = "elsewhere"
        policy, _ = service.enable_told(self.domain, now=T0 + timedelta(days=400))
        bodies = self.sync(policy, "400d+5m")
        assert not any("no longer leads to us" in b for b in bodies), bodies
        assert released == ("", False)


class RecordCnamedElsewhere(PolicyHostCase):
    def test_a_cname_to_a_txt_with_the_current_id_is_not_said_to_hide_it(self) -> None:
        # The owner CNAMEd _mta-sts to a zone of theirs holding the plain TXT the records
        # list offered, with the current id: senders get that id now. What is true is that
        # we cannot change it there.
        self.state["mta_sts"] = "ours"
        policy, _ = service.enable_told(self.domain, now=T0)
        self.sync(policy, "5m")
        self.state["sts"] = "cname_to_current_id"
        self.state["their_id"] = policy.policy_id
        [body] = self.sync(policy, "1d")
        assert "senders never see our policy id there" not in body, body
        assert f"(id={policy.policy_id})" in body
        assert "next policy change" in body
        assert "_mta-sts.example.org. CNAME example.org." in body


@pytest.mark.parametrize(
    ("text", "suggested"),
    [("Domain: mail.example.org", "mail.example.org"), ("re:bücher.de", "bücher.de")],
)
def test_a_label_pasted_with_its_value_suggests_the_value(text: str, suggested: str) -> None:
    with pytest.raises(DomainNameError) as refused:
        to_ascii_domain(text)
    said = str(refused.value)
    assert f": {suggested} after the colon is not a port number" in said, said
    assert said.endswith(f"Enter the domain alone, for example {suggested}.")
