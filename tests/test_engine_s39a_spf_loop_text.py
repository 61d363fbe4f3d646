"""SPF-05 at an include loop says in whose record the looping term stands and what to change
(blind round s39a, scenario s39a_loop).

A loop across two providers' records (an include of _spf.esp-a that includes _spf.esp-b, which
includes _spf.esp-a again) read only "'include:_spf.esp-a.example' leads back to
_spf.esp-a.example": the owner's own record holds a term spelt the same, so the sentence pointed
at it, and no record or step to change was given. RFC 7208 §4.6.4 / §5.2: the evaluation never
ends before the 10-lookup limit, a permanent error (status unchanged: fail). The evaluator runs
against a real DNS server on loopback (tests/test_dns_s9_server).
"""

from __future__ import annotations

import asyncio

import dns.message
import dns.rcode
import dns.rdatatype

from checks import spf
from checks.config import CheckConfig
from checks.context import CheckContext
from checks.findings import Finding, Status
from tests.test_dns_s9_server import Reply, answer, fake_dns, records

DOMAIN = "example.org"


def _spf05(txt: dict[str, str]) -> Finding:
    def handler(query: dns.message.Message, transport: str) -> Reply:
        q = query.question[0]
        name = q.name.to_text().lower().rstrip(".")
        if q.rdtype == dns.rdatatype.TXT and name in txt:
            return Reply(answer(query, records(f'{name}. 300 TXT "{txt[name]}"')))
        if name in txt or name == DOMAIN:
            return Reply(answer(query))  # NODATA
        return Reply(answer(query, rcode=dns.rcode.NXDOMAIN))

    with fake_dns(handler) as server:  # type: ignore[arg-type]
        config = CheckConfig(resolvers=(server.address,), timeout=2.0)
        findings = asyncio.run(spf.evaluate(CheckContext(DOMAIN, config)))
    (found,) = [f for f in findings if f.id == "SPF-05"]
    return found


def test_a_loop_between_two_providers_names_their_records_and_the_way_out() -> None:
    found = _spf05(
        {
            DOMAIN: "v=spf1 include:_spf.esp-a.example -all",
            "_spf.esp-a.example": "v=spf1 ip4:192.0.2.0/28 include:_spf.esp-b.example -all",
            "_spf.esp-b.example": "v=spf1 ip4:192.0.2.16/28 include:_spf.esp-a.example -all",
        }
    )
    assert found.status == Status.FAIL
    assert (
        "'include:_spf.esp-a.example' leads back to _spf.esp-a.example, whose record is already "
        "being read (_spf.esp-a.example -> _spf.esp-b.example -> _spf.esp-a.example; that include "
        "is in the record of _spf.esp-b.example, reached through include)"
    ) in found.summary
    assert (
        "That record is not yours: have its owner fix it, or replace the include of "
        "_spf.esp-a.example in your own record."
    ) in found.summary


def test_a_loop_through_the_owners_own_records_asks_to_remove_the_term_there() -> None:
    found = _spf05(
        {
            DOMAIN: f"v=spf1 include:_spf.{DOMAIN} -all",
            f"_spf.{DOMAIN}": f"v=spf1 ip4:192.0.2.0/28 include:{DOMAIN} -all",
        }
    )
    assert found.status == Status.FAIL
    assert (
        f"({DOMAIN} -> _spf.{DOMAIN} -> {DOMAIN}; that include is in the record of "
        f"_spf.{DOMAIN}, reached through include)"
    ) in found.summary
    assert f"Remove that include from the record of _spf.{DOMAIN}." in found.summary
    assert "not yours" not in found.summary


def test_a_record_that_includes_itself_asks_to_remove_the_term_from_it() -> None:
    found = _spf05({DOMAIN: f"v=spf1 ip4:192.0.2.0/28 include:{DOMAIN} -all"})
    assert found.status == Status.FAIL
    assert (
        f"'include:{DOMAIN}' leads back to {DOMAIN}, whose record is already being read "
        f"({DOMAIN} -> {DOMAIN}; that include is in your own record)"
    ) in found.summary
    assert "Remove that include from your record." in found.summary
    assert "not yours" not in found.summary
