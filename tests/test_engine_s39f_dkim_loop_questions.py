"""DKIM-01's CNAME-loop diagnosis asks a bounded number of questions (task s39f, item 3).

A selector lookup that fails with SERVFAIL may be a CNAME loop (RFC 1034 §3.6.2: "signalled as
an error"), which dns.cname_loop reads one alias at a time. The check tries up to 30 guessed
selectors; on a lame or bogus _domainkey subtree every one of them fails, and a CNAME question
was asked for each (30 more questions to a subtree that answers none). Now the first failed
selector's CNAME question stands for the subtree: when it fails too, nothing more is asked,
and each selector still gets its DKIM-01 "could not check". When it is answered, every failed
selector is read as before, so each loop is still named.

The tests count the questions a real DNS server on loopback (tests/test_dns_s9_server)
receives.
"""

from __future__ import annotations

import asyncio

import dns.message
import dns.rcode
import dns.rdatatype

from checks import dkim
from checks.config import CheckConfig
from checks.context import CheckContext
from checks.findings import Finding, Status
from tests.test_dns_s9_server import FakeDns, Reply, answer, fake_dns, records

DOMAIN = "example.org"
SUBTREE = f"_domainkey.{DOMAIN}."


def _run(handler, selectors: tuple[str, ...] = ()) -> tuple[list[Finding], FakeDns]:  # type: ignore[no-untyped-def]
    with fake_dns(handler) as server:
        config = CheckConfig(resolvers=(server.address,), timeout=2.0, dkim_selectors=selectors)
        findings = asyncio.run(dkim.evaluate(CheckContext(DOMAIN, config)))
    return findings, server


def _cname_questions(server: FakeDns) -> list[str]:
    return sorted({name for _, name, rdtype in server.asked if rdtype == "CNAME"})


def test_a_lame_domainkey_subtree_is_asked_one_cname_question() -> None:
    def handler(query: dns.message.Message, transport: str) -> Reply:
        q = query.question[0]
        if q.name.to_text().lower().endswith(SUBTREE):
            return Reply(answer(query, rcode=dns.rcode.SERVFAIL))
        return Reply(answer(query, rcode=dns.rcode.NXDOMAIN))

    findings, server = _run(handler)
    errors = [f for f in findings if f.id == "DKIM-01" and f.status == Status.ERROR]
    # Every selector tried is still "could not check", each said so (never a fail).
    assert len(errors) >= 20
    assert all("loop" not in f.summary for f in errors)
    assert not [f for f in findings if f.status == Status.FAIL]
    # Before: one CNAME question per failed selector (as many as `errors`).
    assert len(_cname_questions(server)) == 1, _cname_questions(server)


LOOPS = {
    f"s1._domainkey.{DOMAIN}.": f"s1.dkim.{DOMAIN}.",
    f"s1.dkim.{DOMAIN}.": f"s1._domainkey.{DOMAIN}.",
    f"s2._domainkey.{DOMAIN}.": f"s2.dkim.{DOMAIN}.",
    f"s2.dkim.{DOMAIN}.": f"s3.dkim.{DOMAIN}.",
    f"s3.dkim.{DOMAIN}.": f"s2.dkim.{DOMAIN}.",
}


def _loops(query: dns.message.Message, transport: str) -> Reply:
    """Two looping selectors in a subtree that answers: the TXT question gets SERVFAIL, as a
    validating resolver answers a loop; a CNAME question the alias itself."""
    q = query.question[0]
    name = q.name.to_text().lower()
    if name in LOOPS and q.rdtype == dns.rdatatype.CNAME:
        return Reply(answer(query, records(f"{name} 300 CNAME {LOOPS[name]}")))
    if name in LOOPS:
        return Reply(answer(query, rcode=dns.rcode.SERVFAIL))
    return Reply(answer(query, rcode=dns.rcode.NXDOMAIN))


def test_each_looping_selector_is_still_named_where_the_subtree_answers() -> None:
    findings, server = _run(_loops, ("s1", "s2"))
    errors = {f.subject: f for f in findings if f.id == "DKIM-01" and f.status == Status.ERROR}
    assert set(errors) == {f"s1._domainkey.{DOMAIN}", f"s2._domainkey.{DOMAIN}"}
    one, two = errors[f"s1._domainkey.{DOMAIN}"], errors[f"s2._domainkey.{DOMAIN}"]
    assert f"s1._domainkey.{DOMAIN} -> s1.dkim.{DOMAIN} -> s1._domainkey.{DOMAIN}" in one.summary
    assert (
        f"s2._domainkey.{DOMAIN} -> s2.dkim.{DOMAIN} -> s3.dkim.{DOMAIN} -> s2.dkim.{DOMAIN}"
        in two.summary
    )
    # Each alias of the two chains asked once: the answers are reused, not asked again.
    assert _cname_questions(server) == sorted(LOOPS)
    cname_asked = [name for _, name, rdtype in server.asked if rdtype == "CNAME"]
    assert len(cname_asked) == len(set(cname_asked))
