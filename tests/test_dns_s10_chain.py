"""checks/dns.py when a resolver stops following a CNAME chain: a NOERROR answer with the
aliases, no data for the last one and no SOA in the authority section is no proof of absence
(RFC 2308 §2.2 needs the chain to end at the name that has no data); RFC 1034 §5.3.3 has the
client ask for the chain's last name itself. Runs against the in-process server of
test_dns_s9_server."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import dns.message
import dns.rcode
import dns.rdatatype

from checks.config import CheckConfig
from checks.dns import DnsAnswer, DnsClient
from tests.test_dns_s9_server import FakeDns, Reply, answer, fake_dns, records

SOA = "provider.example. 300 SOA ns.provider.example. hostmaster.provider.example. 1 7200 900 1209600 300"
Handler = Callable[[dns.message.Message, str], "Reply | list[Reply] | None"]


def _ask(
    server: FakeDns, name: str, rdtype: str = "TXT", timeout: float = 2.0
) -> tuple[DnsAnswer, float]:
    client = DnsClient(CheckConfig(resolvers=(server.address,), timeout=timeout))
    started = time.monotonic()
    result = asyncio.run(client.query(name, rdtype))
    return result, time.monotonic() - started


def _qname(query: dns.message.Message) -> str:
    return query.question[0].name.to_text().lower()


def _stops_after_one_alias(at_target: Handler) -> Handler:
    """_dmarc.example.com is an alias of _dmarc.provider.example; asked for the alias, the
    resolver hands back the CNAME alone (no data, no SOA: it gave up on the target, as
    forwarders and resolvers out of time or out of their chain limit do). Asked for the
    target, `at_target` answers."""

    def handler(query: dns.message.Message, transport: str) -> Reply | list[Reply] | None:
        if _qname(query) == "_dmarc.example.com.":
            return Reply(
                answer(query, records("_dmarc.example.com. 300 CNAME _dmarc.provider.example."))
            )
        return at_target(query, transport)

    return handler


def _txt_at_target(query: dns.message.Message, transport: str) -> Reply:
    return Reply(answer(query, records('_dmarc.provider.example. 300 TXT "v=DMARC1; p=reject"')))


def test_a_chain_the_resolver_stopped_following_is_asked_to_its_end() -> None:
    with fake_dns(_stops_after_one_alias(_txt_at_target)) as server:
        result, _ = _ask(server, "_dmarc.example.com")
    # Was NOERROR with no records: "no DMARC record" where the record is published.
    assert result.rcode == "NOERROR" and result.exists
    assert result.texts() == ["v=DMARC1; p=reject"]
    assert result.name == "_dmarc.example.com"
    assert result.cnames == ["_dmarc.provider.example"]
    assert ("udp", "_dmarc.provider.example.", "TXT") in server.asked


def test_the_end_of_the_chain_decides_absence() -> None:
    def nxdomain(query: dns.message.Message, transport: str) -> Reply:
        return Reply(answer(query, rcode=dns.rcode.NXDOMAIN, authority=(records(SOA),)))

    def nodata(query: dns.message.Message, transport: str) -> Reply:
        return Reply(answer(query, authority=(records(SOA),)))

    with fake_dns(_stops_after_one_alias(nxdomain)) as server:
        nx, _ = _ask(server, "_dmarc.example.com")
    assert nx.nxdomain and nx.empty and not nx.failed
    assert nx.cnames == ["_dmarc.provider.example"]
    with fake_dns(_stops_after_one_alias(nodata)) as server:
        empty, _ = _ask(server, "_dmarc.example.com")
    assert empty.rcode == "NOERROR" and empty.empty and not empty.failed


def test_a_chain_whose_end_cannot_be_asked_is_could_not_check() -> None:
    def servfail(query: dns.message.Message, transport: str) -> Reply:
        return Reply(answer(query, rcode=dns.rcode.SERVFAIL))

    def silent(query: dns.message.Message, transport: str) -> None:
        return None

    with fake_dns(_stops_after_one_alias(servfail)) as server:
        failed, _ = _ask(server, "_dmarc.example.com")
    assert failed.failed and not failed.empty
    assert "_dmarc.provider.example" in failed.describe_failure()
    with fake_dns(_stops_after_one_alias(silent)) as server:
        timed_out, elapsed = _ask(server, "_dmarc.example.com", timeout=1.0)
    assert timed_out.failed and not timed_out.empty
    # Within the lookup's own timeout, not one more timeout for the re-query.
    assert elapsed < 1.5


def test_a_resolver_that_stops_at_every_alias_is_followed_a_bounded_number_of_times() -> None:
    # Each answer holds one more alias of an endless chain (a0 -> a1 -> a2 -> ...).
    def endless(query: dns.message.Message, transport: str) -> Reply:
        name = _qname(query)
        n = int(name.split(".")[0][1:])
        return Reply(answer(query, records(f"{name} 300 CNAME a{n + 1}.example.")))

    with fake_dns(endless) as server:
        result, elapsed = _ask(server, "a0.example", "A")
    assert result.failed and not result.empty
    assert len(server.asked) <= 10
    assert elapsed < 2.0


def test_a_loop_across_answers_is_a_cname_loop() -> None:
    def ping_pong(query: dns.message.Message, transport: str) -> Reply:
        name = _qname(query)
        target = "b.example." if name == "a.example." else "a.example."
        return Reply(answer(query, records(f"{name} 300 CNAME {target}")))

    with fake_dns(ping_pong) as server:
        result, _ = _ask(server, "a.example", "A")
    assert result.failed and not result.empty
    assert "loop" in result.describe_failure()
    assert len(server.asked) <= 3


def test_a_complete_chain_and_plain_nodata_ask_once() -> None:
    def complete(query: dns.message.Message, transport: str) -> Reply:
        if _qname(query) == "www.example.com.":
            return Reply(
                answer(
                    query,
                    records("www.example.com. 300 CNAME host.provider.example."),
                    authority=(records(SOA),),
                )
            )
        return Reply(answer(query))

    with fake_dns(complete) as server:
        result, _ = _ask(server, "www.example.com", "A")
    # The SOA makes it a NODATA about the chain's end (RFC 2308 §2.2): nothing to ask again.
    assert result.rcode == "NOERROR" and result.empty and len(server.asked) == 1
    with fake_dns(complete) as server:
        plain, _ = _ask(server, "other.example.com", "A")
    # No alias at all: a NODATA without SOA (RFC 2308 §2.2.1, type 3) is still one.
    assert plain.rcode == "NOERROR" and plain.empty and len(server.asked) == 1


def test_a_dmarc_record_behind_a_cut_chain_is_found_by_the_engine() -> None:
    # The whole run: DMARC-01 was INFO "no DMARC policy" for a published p=reject record.
    from checks.findings import Status
    from tests.test_dns_s9_engine import _dmarc_01, _run

    def cut(query: dns.message.Message, transport: str) -> Reply:
        return Reply(
            answer(query, records("_dmarc.example.com. 300 CNAME _dmarc.provider.example."))
        )

    report = _run(
        {("_dmarc.example.com.", "TXT"): cut, ("_dmarc.provider.example.", "TXT"): _txt_at_target}
    )
    assert _dmarc_01(report) == Status.PASS
