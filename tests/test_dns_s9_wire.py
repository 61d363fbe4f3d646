"""checks/dns.py against answers real resolvers produce and fixtures don't: spoofed datagrams,
truncation, old servers, odd rcodes, long and looping CNAME chains, slow and TCP-only servers.
Each test runs the engine's DnsClient against the in-process server of test_dns_s9_server."""

from __future__ import annotations

import asyncio
import time

import dns.message
import dns.rcode
import dns.rrset

from checks.config import CheckConfig
from checks.dns import DnsAnswer, DnsClient
from tests.test_dns_s9_server import FakeDns, Reply, answer, fake_dns, records


def _ask(
    servers: list[FakeDns], name: str, rdtype: str = "A", timeout: float = 2.0
) -> tuple[DnsAnswer, float]:
    client = DnsClient(CheckConfig(resolvers=tuple(s.address for s in servers), timeout=timeout))
    started = time.monotonic()
    result = asyncio.run(client.query(name, rdtype))
    return result, time.monotonic() - started


def _a(query: dns.message.Message, address: str = "192.0.2.1") -> dns.rrset.RRset:
    return records(f"{query.question[0].name} 300 A {address}")


def _good(query: dns.message.Message, transport: str) -> Reply:
    return Reply(answer(query, _a(query)))


# ------------------------------------------------------------------ spoofing


def _spoofed_first(kind: str):  # type: ignore[no-untyped-def]
    """A forged datagram (wrong ID, or the right ID for another question) arrives before the
    real answer: an off-path attacker racing the resolver, or a late reply to another query."""

    def handler(query: dns.message.Message, transport: str) -> list[Reply]:
        if kind == "id":
            forged = dns.message.make_response(query)
            forged.id = (query.id + 1) % 65536
            forged.answer.append(_a(query, "203.0.113.66"))
        else:
            other = dns.message.make_query("evil.example", "A")
            other.id = query.id
            forged = dns.message.make_response(other)
            forged.answer.append(records("evil.example. 300 A 203.0.113.66"))
        return [Reply(forged.to_wire()), Reply(answer(query, _a(query)), delay=0.1)]

    return handler


def test_a_forged_reply_is_ignored_and_the_real_answer_used() -> None:
    # RFC 5452 §4.1-4.3: a response whose ID or question does not match is not an answer; a
    # stub drops it and keeps listening. Before, the forged datagram aborted the try (NETWORK),
    # so anyone able to send one packet turned every lookup into "could not check".
    for kind in ("id", "question"):
        with fake_dns(_spoofed_first(kind)) as server:
            result, _ = _ask([server], "mx.example.com")
        assert result.rcode == "NOERROR", (kind, result.describe_failure())
        assert result.to_text() == ["192.0.2.1"]  # never the forged 203.0.113.66
        assert len(server.asked) == 1  # the real answer came on the first try


def test_only_forged_replies_are_never_used() -> None:
    def handler(query: dns.message.Message, transport: str) -> Reply:
        forged = dns.message.make_response(query)
        forged.id = (query.id + 7) % 65536
        forged.answer.append(_a(query, "203.0.113.66"))
        return Reply(forged.to_wire())

    with fake_dns(handler) as server:
        result, elapsed = _ask([server], "mx.example.com", timeout=1.0)
    assert result.failed and not result.records
    assert elapsed < 1.5


# ------------------------------------------------------------------ rcodes


def test_rcodes_that_are_no_answer_are_could_not_check() -> None:
    # Only NOERROR and NXDOMAIN say anything about the name. BADVERS (RFC 6891 §6.1.3), YXDOMAIN
    # (a DNAME substitution too long, RFC 6672 §2.2), NOTAUTH, NOTZONE or an rcode we do not know
    # were neither "failed" nor "empty", and the modules read the missing records as absent: a
    # DMARC record behind such an answer became "no DMARC policy".
    for rcode in (
        dns.rcode.BADVERS,
        dns.rcode.YXDOMAIN,
        dns.rcode.NOTAUTH,
        dns.rcode.NOTZONE,
        dns.rcode.YXRRSET,
        11,
    ):

        def handler(query: dns.message.Message, transport: str, rcode: int = rcode) -> Reply:
            return Reply(answer(query, rcode=rcode))

        with fake_dns(handler) as server:
            result, _ = _ask([server], "_dmarc.example.com", "TXT")
        assert result.failed and not result.empty and not result.exists, result.rcode


def test_nxdomain_and_nodata_stay_apart() -> None:
    soa = records("example.com. 300 SOA ns.example.com. h.example.com. 1 2 3 4 5")

    def handler(query: dns.message.Message, transport: str) -> Reply:
        name = query.question[0].name.to_text()
        rcode = dns.rcode.NXDOMAIN if name.startswith("gone.") else dns.rcode.NOERROR
        return Reply(answer(query, rcode=rcode, authority=(soa,)))

    with fake_dns(handler) as server:
        gone, _ = _ask([server], "gone.example.com", "TXT")
        nodata, _ = _ask([server], "here.example.com", "TXT")
    assert gone.nxdomain and gone.empty and not gone.failed
    assert nodata.empty and not nodata.nxdomain and not nodata.failed and nodata.rcode == "NOERROR"


def test_a_refusing_resolver_hands_over_to_the_next() -> None:
    # Like SERVFAIL, a REFUSED, NOTIMP or FORMERR is one resolver's trouble (an ACL, a
    # forwarder that does not serve us), not an answer about the name: ask the next one.
    for rcode in (dns.rcode.REFUSED, dns.rcode.NOTIMP, dns.rcode.SERVFAIL):

        def refuse(query: dns.message.Message, transport: str, rcode: int = rcode) -> Reply:
            return Reply(answer(query, rcode=rcode, ede=(18, "Prohibited")))

        with fake_dns(refuse) as first, fake_dns(_good) as second:
            result, _ = _ask([first, second], "mx.example.com")
        assert result.exists and result.to_text() == ["192.0.2.1"], dns.rcode.to_text(rcode)
    # With no other resolver the refusal stays "could not check", its explanation kept.
    with fake_dns(refuse) as only:
        result, _ = _ask([only], "mx.example.com")
    assert result.failed and result.ede == [(18, "Prohibited")]


def test_a_server_without_edns_is_asked_again_without_it() -> None:
    # RFC 6891 §7: a responder that does not implement EDNS answers FORMERR without an OPT
    # record; §6.2.2: the requestor may then ask without one. Before, that FORMERR was final.
    def old(query: dns.message.Message, transport: str) -> Reply:
        if query.edns >= 0:
            response = dns.message.make_response(query)
            response.use_edns(False)
            response.set_rcode(dns.rcode.FORMERR)
            return Reply(response.to_wire())
        return Reply(answer(query, _a(query)))

    with fake_dns(old) as server:
        result, _ = _ask([server], "mx.example.com")
    assert result.exists and result.to_text() == ["192.0.2.1"]

    # A FORMERR that carries an OPT record is about the query itself (§7): no second try.
    def formerr(query: dns.message.Message, transport: str) -> Reply:
        return Reply(answer(query, rcode=dns.rcode.FORMERR, ede=(0, "")))

    with fake_dns(formerr) as server:
        result, _ = _ask([server], "mx.example.com")
    assert result.rcode == "FORMERR" and result.failed and len(server.asked) == 1


# ------------------------------------------------------------------ transport


def test_truncated_answers_are_asked_again_over_tcp() -> None:
    big = dns.rrset.from_text_list(
        "big.example.", 300, "IN", "TXT", [f'"{i:05d}{"x" * 250}"' for i in range(240)]
    )

    def handler(query: dns.message.Message, transport: str) -> Reply:
        if transport == "udp":
            return Reply(answer(query, tc=True))
        return Reply(answer(query, big))

    with fake_dns(handler) as server:
        result, _ = _ask([server], "big.example", "TXT")
    assert result.exists and len(result.records) == 240
    assert [t for t, _, _ in server.asked] == ["udp", "tcp"]

    # The TCP side down: "could not check", never the empty truncated answer as NODATA.
    with fake_dns(handler, tcp=False) as server:
        result, elapsed = _ask([server], "big.example", "TXT", timeout=1.0)
    assert result.failed and not result.empty
    assert elapsed < 1.5


def test_a_tcp_server_that_hangs_up_is_could_not_check() -> None:
    # A resolver (or a middlebox) accepting the TCP connection and closing it without a reply,
    # or sending garbage: dnspython raises EOFError or a parse error, which escaped the DNS
    # layer and sank the whole mechanism as an internal error.
    def hang_up(query: dns.message.Message, transport: str) -> Reply | None:
        return Reply(answer(query, tc=True)) if transport == "udp" else None

    def garbage(query: dns.message.Message, transport: str) -> Reply:
        if transport == "udp":
            return Reply(answer(query, tc=True))
        return Reply(answer(query)[:2] + b"\x81\x80\x00\x01\x00\x01\x00\x00\x00\x00\xc0\xff")

    for handler in (hang_up, garbage):
        with fake_dns(handler) as server:
            result, elapsed = _ask([server], "mx.example.com", timeout=1.0)
        assert result.failed and not result.empty, handler.__name__
        assert elapsed < 1.5


def test_a_resolver_that_answers_only_over_tcp() -> None:
    # UDP unanswered (filtered, or nothing listening), TCP fine: RFC 7766 §5 has every
    # resolver reachable over TCP, so a try that got nothing over UDP is repeated over TCP.
    with fake_dns(_good, udp=False) as server:
        result, elapsed = _ask([server], "mx.example.com", timeout=1.5)
    assert result.exists and result.to_text() == ["192.0.2.1"]
    assert ("tcp", "mx.example.com.", "A") in server.asked
    assert elapsed < 1.5


def test_no_lookup_runs_past_the_timeout() -> None:
    # A slow UDP answer that is truncated, then a TCP side that never replies: the TCP fallback
    # had a budget of its own, so a 3 s lookup took nearly 4 s.
    def handler(query: dns.message.Message, transport: str) -> Reply:
        if transport == "udp":
            return Reply(answer(query, tc=True), delay=0.9)
        return Reply(answer(query, _a(query)), delay=10)

    with fake_dns(handler) as server:
        result, elapsed = _ask([server], "slow.example", timeout=3.0)
    assert result.failed and not result.empty
    assert elapsed < 3.3


def test_a_slow_answer_within_the_timeout_is_used() -> None:
    def handler(query: dns.message.Message, transport: str) -> Reply:
        return Reply(answer(query, _a(query)), delay=0.7)

    with fake_dns(handler) as server:
        result, _ = _ask([server], "slow.example", timeout=2.0)
    assert result.exists


# ------------------------------------------------------------------ CNAME and DNAME


def _chain(length: int, *, loop: bool = False, end: str = "A") -> object:
    def handler(query: dns.message.Message, transport: str) -> Reply:
        rrsets = [
            records(f"c{i}.example. 300 CNAME c{0 if loop and i == length - 1 else i + 1}.example.")
            for i in range(length)
        ]
        if end == "A" and not loop:
            rrsets.append(records(f"c{length}.example. 300 A 192.0.2.9"))
        rcode = dns.rcode.NXDOMAIN if end == "NXDOMAIN" else dns.rcode.NOERROR
        return Reply(answer(query, *rrsets, rcode=rcode))

    return handler


def test_a_long_cname_chain_in_the_answer_is_followed_to_its_end() -> None:
    # The walk stopped after 16 aliases and called the name empty (NODATA) though the
    # records were in the answer: a missing record where there is one.
    with fake_dns(_chain(20)) as server:  # type: ignore[arg-type]
        result, _ = _ask([server], "c0.example")
    assert result.exists and result.to_text() == ["192.0.2.9"]
    assert len(result.cnames) == 20 and result.cnames[-1] == "c20.example"


def test_a_cname_loop_is_an_error_not_an_absent_record() -> None:
    # RFC 1034 §3.6.2: "CNAME loops [are] signalled as an error". Resolvers answer SERVFAIL;
    # one passing the looping chain on with NOERROR made the name look empty (NODATA), with the
    # loop's names repeated sixteen times in the evidence.
    with fake_dns(_chain(3, loop=True)) as server:  # type: ignore[arg-type]
        result, _ = _ask([server], "c0.example", "TXT")
    assert result.failed and not result.empty
    assert "loop" in result.describe_failure()
    assert result.cnames == ["c1.example", "c2.example", "c0.example"]


def test_cname_chains_to_nxdomain_and_to_nodata() -> None:
    with fake_dns(_chain(3, end="NXDOMAIN")) as server:  # type: ignore[arg-type]
        nx, _ = _ask([server], "c0.example")
    assert nx.nxdomain and not nx.failed and nx.cnames == ["c1.example", "c2.example", "c3.example"]
    with fake_dns(_chain(3, end="NODATA")) as server:  # type: ignore[arg-type]
        nodata, _ = _ask([server], "c0.example")
    assert nodata.rcode == "NOERROR" and nodata.empty and len(nodata.cnames) == 3


def test_dname_unrelated_records_and_odd_txt() -> None:
    def handler(query: dns.message.Message, transport: str) -> Reply:
        name = query.question[0].name.to_text()
        if name.startswith("_mta-sts."):
            # RFC 6672 §2.3/§3.1: the DNAME with the CNAME the server synthesised from it.
            return Reply(
                answer(
                    query,
                    records("example.com. 300 DNAME example.net."),
                    records("_mta-sts.example.com. 0 CNAME _mta-sts.example.net."),
                    records('_mta-sts.example.net. 300 TXT "v=STSv1; id=1"'),
                )
            )
        strings = '"" "' + "a" * 255 + '" "\\255\\195\\169" ' + " ".join(f'"{i}"' for i in range(9))
        return Reply(
            answer(
                query,
                records('other.example. 300 TXT "v=spf1 +all"'),  # unrelated: not ours
                records(f"{name} 0 TXT {strings}"),
            )
        )

    with fake_dns(handler) as server:
        sts, _ = _ask([server], "_mta-sts.example.com", "TXT")
        odd, _ = _ask([server], "t.example", "TXT")
    assert sts.texts() == ["v=STSv1; id=1"] and sts.cnames == ["_mta-sts.example.net"]
    assert odd.ttl == 0 and len(odd.records) == 1
    raw = odd.raw_texts()[0]
    assert raw == b"a" * 255 + b"\xff\xc3\xa9" + b"012345678"
    assert odd.texts()[0].endswith("\ufffdé012345678")


def test_one_lost_datagram_to_a_resolver_without_tcp_is_asked_again_over_udp() -> None:
    # A home router's forwarder serves no TCP. One lost UDP datagram sent the next try over
    # TCP (refused), and that refusal ended the lookup as "could not check" after 1 s: the
    # UDP retry that would have answered never went out. A resolver whose TCP failed stays
    # on UDP, and only network errors, not timeouts, end a lookup early.
    seen: list[str] = []

    def lossy(query: dns.message.Message, transport: str) -> Reply | None:
        seen.append(transport)
        return None if len(seen) == 1 else _good(query, transport)

    with fake_dns(lossy, tcp=False) as server:
        result, took = _ask([server], "mx.example.com", timeout=3.0)
    assert result.rcode == "NOERROR", result.describe_failure()
    assert result.to_text() == ["192.0.2.1"]
    assert took < 3.1


def test_a_resolver_without_edns_is_no_witness_for_dnssec() -> None:
    # Asked again without EDNS it could carry no DO bit: no signatures, no AD, and DNSSEC
    # would be called "not deployed" off a resolver that cannot validate. For want_dnssec
    # its FORMERR stays a failed try, and the lookup "could not check".
    def old_server(query: dns.message.Message, transport: str) -> Reply:
        if query.edns >= 0:
            response = dns.message.make_response(query)
            response.use_edns(False)
            response.set_rcode(dns.rcode.FORMERR)
            return Reply(response.to_wire())
        return Reply(answer(query, records(f"{query.question[0].name} 300 SOA ns. h. 1 2 3 4 5")))

    with fake_dns(old_server) as server:
        client = DnsClient(CheckConfig(resolvers=(server.address,), timeout=2.0))
        signed = asyncio.run(client.query("example.com", "SOA", want_dnssec=True))
        plain = asyncio.run(client.query("example.com", "SOA"))
    assert signed.failed and signed.rcode == "FORMERR"
    assert not plain.failed and plain.records  # other questions still get the EDNS-less retry
