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

from tests import test_hosting_s12_blind as s12
from tests import test_hosting_s18_blind as s18
from tests.test_dns_s9_server import Reply, answer, records

TABLE = json.loads((Path(__file__).parent / "data" / "hosting_s24_blind.json").read_text())


def handler(state: dict[str, Any]) -> Callable[..., Reply | None]:
    """s18's server, plus: A/AAAA for example.org from state["apex"] (addresses) while it has
    no MX records ("nodata"); NXDOMAIN for every name in state["dangling"], also at the end
    of an alias chain (the CNAMEs, then NXDOMAIN)."""
    earlier = s18.handler(state)

    def handle(query: dns.message.Message, transport: str) -> Reply | None:
        name = query.question[0].name.to_text().lower()
        rdtype = dns.rdatatype.to_text(query.question[0].rdtype)
        apex = state.get("apex", [])
        if name == "example.org." and state["mx"] == "nodata" and rdtype in ("A", "AAAA"):
            found = [a for a in apex if (":" in a) == (rdtype == "AAAA")]
            if found:
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
                        state[key] = [v.lower() for v in step[key]]
                self.run_s18_step(step, state, ids, where)


for _name in dir(s18.S18Histories):
    if _name.startswith("test_"):
        setattr(S24Histories, _name, None)  # rounds 12 and 18 run in their own files


def _case_test(case: dict[str, Any]) -> Callable[[S24Histories], None]:
    def test(self: S24Histories) -> None:
        self.play(case)

    test.__doc__ = case["why"]
    return test


for _case in TABLE["cases"]:
    setattr(S24Histories, f"test_it_{_case['id']}", _case_test(_case))
