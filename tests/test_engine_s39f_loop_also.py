"""dns.loop_also's "(and at …)" clause for a loop of two OTHER names (task s39f, item 4).

_dmarc.<d> (or an SPF include) may be an alias into a loop it is not part of: a -> b -> c -> b.
RFC 1034 §3.6.2: the loop is "signalled as an error", so every receiver gets SERVFAIL. The fix
deletes the CNAME at the first name; b and c form the loop itself, and nothing resolves through
them either, so the clause names both (sorted, each once), and never the first name again.
The end-to-end tests run the evaluators against a real DNS server on loopback
(tests/test_dns_s9_server) answering as Unbound does.
"""

from __future__ import annotations

import asyncio

import dns.message
import dns.rcode
import dns.rdatatype

from checks import dmarc, spf
from checks.config import CheckConfig
from checks.context import CheckContext
from checks.dns import loop_also
from checks.findings import Finding, Status
from tests.test_dns_s9_server import Reply, answer, fake_dns, records

DOMAIN = "example.org"
A, B, C = f"_dmarc.{DOMAIN}", f"zz-b.{DOMAIN}", f"aa-c.{DOMAIN}"  # c sorts before b
INCLUDE = f"_spf.{DOMAIN}"


def test_the_clause_names_both_names_of_a_loop_the_first_name_only_leads_into() -> None:
    assert loop_also([A, B, C, B]) == f" (and at {C}, {B}, unless something else uses it)"


def test_the_clause_for_a_two_name_loop_and_a_name_aliased_to_itself() -> None:
    assert loop_also([A, B, A]) == f" (and at {B}, unless something else uses it)"
    assert loop_also([A, A]) == ""


def _handler(aliases: dict[str, str], spf_record: str = ""):  # type: ignore[no-untyped-def]
    def handler(query: dns.message.Message, transport: str) -> Reply:
        q = query.question[0]
        name = q.name.to_text().lower()
        if spf_record and name == f"{DOMAIN}." and q.rdtype == dns.rdatatype.TXT:
            return Reply(answer(query, records(f'{name} 300 TXT "{spf_record}"')))
        if name in aliases and q.rdtype == dns.rdatatype.CNAME:
            return Reply(answer(query, records(f"{name} 300 CNAME {aliases[name]}")))
        if name in aliases:
            return Reply(answer(query, rcode=dns.rcode.SERVFAIL))
        return Reply(answer(query, rcode=dns.rcode.NXDOMAIN))

    return handler


def _findings(module, handler) -> list[Finding]:  # type: ignore[no-untyped-def]
    with fake_dns(handler) as server:
        config = CheckConfig(resolvers=(server.address,), timeout=2.0)
        return asyncio.run(module.evaluate(CheckContext(DOMAIN, config)))


def test_dmarc01_at_an_alias_into_a_loop_of_two_other_names() -> None:
    aliases = {f"{A}.": f"{B}.", f"{B}.": f"{C}.", f"{C}.": f"{B}."}
    (found,) = [f for f in _findings(dmarc, _handler(aliases)) if f.id == "DMARC-01"]
    assert found.status == Status.ERROR  # could not check, never fail
    assert f"({A} -> {B} -> {C} -> {B})" in found.summary
    assert found.fix.startswith(
        f"Delete the CNAME record at {A} (and at {C}, {B}, unless something else uses it), "
    )


def test_spf20_at_an_include_into_a_loop_of_two_other_names() -> None:
    b, c = f"zz-b.{DOMAIN}", f"aa-c.{DOMAIN}"
    aliases = {f"{INCLUDE}.": f"{b}.", f"{b}.": f"{c}.", f"{c}.": f"{b}."}
    handler = _handler(aliases, f"v=spf1 include:{INCLUDE} -all")
    (found,) = [f for f in _findings(spf, handler) if f.id == "SPF-20" and f.subject == INCLUDE]
    assert found.status == Status.ERROR
    assert f"{INCLUDE} -> {b} -> {c} -> {b}" in found.summary
    assert f"Delete the CNAME record at {INCLUDE} (and at {c}, {b}, unless something else" in (
        found.fix
    )
