"""Blind round 3 on hosted MTA-STS: the MX histories of tests/data/hosting_s24_blind.json, each
written down (and committed) with what RFC 8461, RFC 5321 §5.1 / RFC 7505 and docs/hosting.md
say must happen before any was run, played through the real service functions with the s12/s18
harness: MX answers from a wire DNS server through the engine's resolver, the body senders get,
ids never reused, events, and emails.

Beyond round 18 the wire server here can give the domain itself an address while it has no MX
records (`apex`: RFC 5321 §5.1's implicit MX needs one) and answer NXDOMAIN for names
(`dangling`: the end of an MX alias that leads nowhere)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import dns.message
import dns.rcode
import dns.rdatatype

from mailsec.hosting import service
from tests import test_hosting_s12_blind as s12
from tests import test_hosting_s18_blind as s18
from tests.test_dns_s9_server import Reply, answer, records
from tests.test_hosting import T0, HostingCase

TABLE = json.loads((Path(__file__).parent / "data" / "hosting_s24_blind.json").read_text())


def handler(state: dict[str, Any]) -> Callable[..., Reply | None]:
    """s18's server, plus: A/AAAA for example.org from state["apex"] (addresses; none unless
    given, where s12's server has one) while it has no MX records ("nodata"); NXDOMAIN for every name in state["dangling"], also at the end
    of an alias chain (the CNAMEs, then NXDOMAIN)."""
    earlier = s18.handler(state)

    def handle(query: dns.message.Message, transport: str) -> Reply | None:
        name = query.question[0].name.to_text().lower()
        rdtype = dns.rdatatype.to_text(query.question[0].rdtype)
        apex = state.get("apex", [])
        if name == "example.org." and state["mx"] == "nodata" and rdtype in ("A", "AAAA"):
            if apex == "servfail":
                return Reply(answer(query, rcode=dns.rcode.SERVFAIL))
            found = [a for a in apex if (":" in a) == (rdtype == "AAAA")]
            if not found:  # (s12's server gives it an address: here only `apex` does)
                return Reply(answer(query, authority=(records(s12.SOA),)))
            rrset = records(f"example.org. 300 {rdtype} {found[0]}")
            for address in found[1:]:
                rrset.union_update(records(f"example.org. 300 {rdtype} {address}"))
            return Reply(answer(query, rrset))
        dangling = set(state.get("dangling", []))
        if name != "example.org." and rdtype != "TXT":
            chain = [name, *state.get("aliases", {}).get(name, [])]
            if chain[-1] in dangling:
                rrsets = [
                    records(f"{a} 300 CNAME {b}") for a, b in zip(chain, chain[1:], strict=False)
                ]
                return Reply(
                    answer(query, *rrsets, rcode=dns.rcode.NXDOMAIN, authority=(records(s12.SOA),))
                )
        return earlier(query, transport)

    return handle


class S24Histories(s18.S18Histories):
    def play(self, case: dict[str, Any]) -> None:
        state: dict[str, Any] = {"mx": []}
        ids: list[str] = []
        with s18.wire(state, handler):
            for n, step in enumerate(case["steps"]):
                where = f"{case['id']} step {n} (+{step['at']} {step['do']})"
                if "aliases" in step:
                    state["aliases"] = {k.lower(): v for k, v in step["aliases"].items()}
                if "challenge" in step:
                    state["challenge"] = self.challenge_values(step["challenge"])
                for key in ("apex", "dangling"):
                    if key in step:
                        value = step[key]
                        state[key] = value if isinstance(value, str) else [v.lower() for v in value]
                self.run_s18_step(step, state, ids, where)


s12.add_round_tests(S24Histories, TABLE["cases"], earlier=s18.S18Histories)


class NoMxNoAddress(HostingCase):
    """RFC 5321 §5.1 takes the domain's own address as its implicit MX only when it has one
    (found by mx_records_deleted_and_no_address: an answer with no MX and no address listed
    example.org as 'New MX' and started removing the real hosts)."""

    def test_a_failed_address_lookup_is_a_failed_lookup_not_an_answer(self) -> None:
        state: dict[str, Any] = {"mx": ["mx1.example.org."]}
        with s18.wire(state, handler):
            policy = service.enable(self.domain, now=T0)
            text, policy_id = policy.text, policy.policy_id
            state |= {"mx": "nodata", "apex": "servfail"}
            _, said = service.sync_told(policy, now=T0 + s12.offset("1h"))
        assert said == []
        policy.refresh_from_db()
        assert (policy.text, policy.policy_id, policy.mx_unusable) == (text, policy_id, "")
        assert policy.last_sync_error.startswith("MX lookup failed: SERVFAIL")

    def test_the_page_warns_of_a_dangling_alias_without_pointing_there(self) -> None:
        state: dict[str, Any] = {
            "mx": ["mail.example.org."],
            "aliases": {"mail.example.org.": ["gone.provider.example."]},
            "dangling": ["gone.provider.example."],
        }
        with s18.wire(state, handler):
            policy = service.enable(self.domain, now=T0)
        [warning] = policy.alias_warnings()
        assert "which does not exist" in warning
        assert "Point the MX record at gone.provider.example" not in warning
        assert policy.mx_alias_dangling == ["mail.example.org"]
