"""Leftovers of session 43 (task s44b).

1. The "MX records are back" email (mx-recovered) went to whoever heard about the domain at the
   time, not to those who were told of the null MX or NXDOMAIN: one who joined since got the
   fix of a problem never told to them. As the certificate's renewal (s43f), it now goes to
   those told who still hear (HostedPolicy.told_to, s44g); what else the same sync
   changed (a new MX) still goes to everyone who hears.
2. DMARC-18 counted a selector holding several TXT records as "a DKIM key found", so a domain
   with no SPF record and only such a selector got no warning. Checklist DKIM-02 fails it
   (RFC 6376 §3.6.2.2: "if there are multiple records in an RRset, the results are
   undefined"; dkimpy reads whichever record comes first): the key there verifies only some
   of the time, so it no longer makes DMARC pass achievable. Records holding one key alike
   (the same p=, written twice) still count: whichever is read verifies.
3. dns.held_txt_records was thought to cut a record after escaping it (it cuts before):
   pinned with control characters at the limit.
4. MX-06 for an MX target no sender on the internet can look up (a special-use name such as
   .local, .internal, home.arpa, .test or .onion; a name under a top-level domain the root
   does not hold, such as .lan; a single label) said "has no IPv4 or IPv6 address" and asked
   for an address to be published for it, or a public one in place of its private one: no
   record anyone publishes makes such a name reachable. It now says why, in plain words, and
   its fix points the MX at a host name in the public DNS.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import dns.rdata
import dns.rdataclass
import dns.rdatatype
import pytest
from django.contrib.auth.models import User
from django.core import mail

from checks import dmarc, mx
from checks.config import CheckConfig
from checks.context import CheckContext
from checks.dns import DnsAnswer, held_txt_records
from mailsec.accounts.models import Membership
from mailsec.alerts.models import AlertSetting
from mailsec.hosting import service
from mailsec.hosting.models import HostedPolicy
from tests.blind_engine import run_engine
from tests.test_engine_s27k_blind import rsa_key
from tests.test_hosting import T0, HostingCase, fake_dns
from tests.test_mx import FakeDns, run_eval

HOUR = timedelta(hours=1)
BACK = "The MX records of example.org are back"

# --- 1. the MX recovery email goes to those told of the MX problem -------------------------


class S44bMxRecoveredToTheToldTestCase(HostingCase):
    def sync(self, policy: HostedPolicy, at: timedelta, mx: list[str] | None = None) -> None:
        with fake_dns(mx, nxdomain=mx is None):
            service.sync(policy, now=T0 + at)
        policy.refresh_from_db()

    def told_nxdomain(self) -> HostedPolicy:
        """Hosted with mx1; then an NXDOMAIN told to alice and bob; then dave joins."""
        policy = self.host(["mx1.example.org"])
        mail.outbox.clear()
        self.sync(policy, HOUR)
        assert sorted(m.to[0] for m in mail.outbox) == ["alice@example.org", "bob@example.org"]
        assert "NXDOMAIN" in mail.outbox[0].body
        dave = User.objects.create_user("dave", "dave@example.org")
        Membership.objects.create(team=self.team, user=dave, role=Membership.Role.MEMBER)
        mail.outbox.clear()
        return policy

    def bodies(self) -> dict[str, str]:
        return {m.to[0].split("@")[0]: " ".join(m.body.split()) for m in mail.outbox}

    def test_s44b_one_who_joined_after_the_notice_is_not_told_the_mx_are_back(self) -> None:
        policy = self.told_nxdomain()
        Membership.objects.filter(user=self.bob).delete()  # left since: hears nothing
        self.sync(policy, 2 * HOUR, ["mx1.example.org"])
        got = self.bodies()
        assert sorted(got) == ["alice"], got
        assert BACK in got["alice"]
        assert "mx-unusable" not in policy.told_to  # the next problem's notice starts afresh

    def test_s44b_what_else_the_sync_changed_still_goes_to_everyone(self) -> None:
        policy = self.told_nxdomain()
        AlertSetting.set_mode(self.alice, self.domain, AlertSetting.Mode.OFF)
        self.sync(policy, 2 * HOUR, ["mx1.example.org", "mx2.example.org"])
        got = self.bodies()
        assert sorted(got) == ["bob", "dave"], got
        assert BACK in got["bob"] and "mx2.example.org" in got["bob"]
        assert "mx2.example.org" in got["dave"] and BACK not in got["dave"]

    def test_s44b_a_notice_sent_before_recipients_were_kept_tells_whoever_hears(self) -> None:
        # Control: an NXDOMAIN told before s44b (nobody recorded): the recovery goes to
        # whoever hears about the domain now, as before.
        policy = self.told_nxdomain()
        HostedPolicy.objects.filter(pk=policy.pk).update(told_to={})
        policy.refresh_from_db()
        self.sync(policy, 2 * HOUR, ["mx1.example.org"])
        got = self.bodies()
        assert sorted(got) == ["alice", "bob", "dave"], got
        assert all(BACK in body for body in got.values())


# --- 3. held_txt_records shortens a record before escaping it ------------------------------
# The brief read the cut as made after repr(), which could split an escape ('\x0'); it is made
# on the record's own text and repr() escapes what is kept, so every escape stays whole. Pinned
# here with control characters across the 120-character limit.


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("a" * 119 + "\x00bcd", "a" * 119 + "\\x00…"),  # the 120th character is the escape
        ("a" * 118 + "\x01" * 5, "a" * 118 + "\\x01\\x01…"),
        ("a" * 117 + "\t\x7f", "a" * 117 + "\\t\\x7f"),  # 119 long: whole, no '…'
    ],
)
def test_s44b_held_txt_records_never_splits_an_escape(text: str, shown: str) -> None:
    rdata = dns.rdata.from_wire(
        dns.rdataclass.IN, dns.rdatatype.TXT, bytes([len(text)]) + text.encode(), 0, len(text) + 1
    )
    answer = DnsAnswer("_dmarc.example.org", "TXT", "NOERROR", [rdata])
    assert held_txt_records(answer) == f"a TXT record '{shown}'"


# --- 2. DMARC-18: a selector with several TXT records is no dependable key ----------------

D = "ormsby-farriers.com"
KEY_A, KEY_B = rsa_key(1024), rsa_key(2048)  # rsa_key is cached: one key per size


def _dmarc18(selectors: dict[str, list[str]]) -> list[Any]:
    zone: dict[Any, Any] = {(f"_dmarc.{D}", "TXT"): ["v=DMARC1; p=reject"]}
    zone |= {(f"{s}._domainkey.{D}", "TXT"): records for s, records in selectors.items()}
    return [f for f in run_engine(dmarc, D, zone).findings if f.id == "DMARC-18"]


@pytest.mark.parametrize(
    "records",
    [
        [f"v=DKIM1; k=rsa; p={KEY_A}", f"v=DKIM1; k=rsa; p={KEY_B}"],  # two keys
        [f"v=DKIM1; k=rsa; p={KEY_A}", "google-site-verification=abc123"],  # a stray TXT
    ],
    ids=["two-keys", "key-and-other"],
)
def test_s44b_a_selector_with_several_records_makes_no_dmarc_pass_achievable(
    records: list[str],
) -> None:
    (finding,) = _dmarc18({"google": records})
    assert str(finding.status) == "warn"
    text = " ".join(finding.summary.split())
    assert "no DKIM key was found" not in text
    assert "selector 'google'" in text and "2 TXT records" in text
    assert "RFC 6376 §3.6.2.2" in text and "DKIM-02" in text
    # OpenDKIM refuses any selector answering several TXT records (s45q).
    assert "its mail fails DMARC at receivers running OpenDKIM and elsewhere passes only by" in text
    assert finding.evidence["dkim_ambiguous"] == [f"google._domainkey.{D}"]
    assert "keep only one record at google._domainkey" in finding.fix


@pytest.mark.parametrize(
    "selectors",
    [
        # Another selector holds one key alone. (The same key written twice counted here until
        # s45q: OpenDKIM refuses a selector answering several TXT records, so DMARC-18 now
        # warns for it, tests/test_engine_s45q_opendkim_rrset.py.)
        {"google": [f"v=DKIM1; p={KEY_A}", f"v=DKIM1; p={KEY_B}"], "s1": [f"v=DKIM1; p={KEY_B}"]},
    ],
    ids=["a-clean-selector-beside"],
)
def test_s44b_a_key_every_verifier_reads_alike_still_counts(
    selectors: dict[str, list[str]],
) -> None:
    assert _dmarc18(selectors) == []


# --- 4. MX-06 says why a name off the internet cannot be reached --------------------------

ORG = "example.org"


def _mx06(*targets: str, address: str = "", allow_private: bool = False) -> list[Any]:
    zone: dict[Any, Any] = {(ORG, "MX"): [f"{10 * n} {t}." for n, t in enumerate(targets, 1)]}
    if address:
        zone |= {(t, "A"): [address] for t in targets}
    zone[("mx.example.org", "A")] = ["93.184.215.14"]  # public
    ctx = CheckContext(ORG, CheckConfig(allow_private_targets=allow_private), dns=FakeDns(zone))  # type: ignore[arg-type]
    return [f for f in run_eval(mx, ctx) if f.id == "MX-06" and f.status != "pass"]


@pytest.mark.parametrize(
    ("target", "why"),
    [
        ("mail.local", "names under .local are for devices on one local network"),
        ("mx.internal", "names under .internal are reserved by ICANN for private networks"),
        ("mail.home.arpa", "names under home.arpa are for home networks (RFC 8375)"),
        ("mx.invalid", "names under .invalid are reserved never to exist"),
        ("mx.test", "names under .test are reserved for testing"),
        ("mx.example", "names under .example are reserved for examples in documentation"),
        ("abcdefghijklmnop.onion", "names under .onion are Tor onion services"),
        ("mx.corp.lan", ".lan is not a top-level domain of the public DNS"),
        ("mailhost", "mailhost is a single label"),
    ],
)
@pytest.mark.parametrize("address", ["", "192.168.1.5"], ids=["no-address", "private"])
def test_s44b_mx06_says_why_a_name_off_the_internet_cannot_be_reached(
    target: str, why: str, address: str
) -> None:
    (finding,) = _mx06(target, address=address)
    assert finding.status == "fail"  # the only MX: as before
    text = " ".join(finding.summary.split())
    assert f"The MX host {target} is not on the internet: {why}" in text, text
    assert "senders on the internet cannot look it up" in text
    assert text.endswith("mail cannot be delivered.")
    assert ("192.168.1.5" in text) == bool(address)
    # No record published for that name can make it reachable: the fix moves the MX.
    assert "Publish an address for" not in finding.fix
    assert "Publish a public address for" not in finding.fix
    assert f"{ORG}. MX 10 mail.{ORG}.\nin place of the record {ORG}. MX 10 {target}." in (
        finding.fix
    )


def test_s44b_beside_a_reachable_mx_it_warns_and_asks_for_the_records_removal() -> None:
    (finding,) = _mx06("mail.local", "mx.example.org")
    assert finding.status == "warn"
    assert "is not on the internet" in finding.summary
    assert finding.fix.startswith(f"Remove the record {ORG}. MX 10 mail.local. (the other")


@pytest.mark.parametrize(
    ("target", "address", "allow", "words"),
    [
        # Controls: a public name without an address, and the lab's own names, read as before.
        ("mx.nowhere.example.org", "", False, "has no IPv4 or IPv6 address, so senders skip it"),
        ("mx.example.org.s44b", "", True, "has no IPv4 or IPv6 address"),
        ("mx1.corp.example.org", "10.0.0.5", False, "has only the private address 10.0.0.5"),
    ],
)
def test_s44b_mx06_reads_as_before_for_other_names(
    target: str, address: str, allow: bool, words: str
) -> None:
    (finding,) = _mx06(target, address=address, allow_private=allow)
    assert words in finding.summary and "not on the internet" not in finding.summary
