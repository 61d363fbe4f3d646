"""Review s36v: the root zone as the vantage's second canary proves validation, not that the
resolver reaches the internet now.

A resolver answers `. DNSKEY` from its cache (the RRset's TTL is two days), so a resolver
whose way out is cut (its upstream firewall, its network) still answers the root with AD
while every name it has not cached fails, isc.org's and every customer's. s36o called that
"canary failing ... isc.org's trouble, not this resolver's; checks through it are not
affected": untrue, and nothing told anyone (no banner, `selftest --strict-vantage` exit 0).

What does tell the canary's own trouble: its data reached us, with checking disabled (CD,
RFC 4035 §3.2.2): a zone whose signatures fail answers then (the usual way a signed zone
breaks). Without that, nobody can tell from here whether the zone's servers or our
resolver's way out failed: "could not tell", with both named.

Real parts: a DNS server on a loopback port answering each name as told, CD or not."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import dns.flags
import dns.message
import dns.rcode
import dns.rrset

from checks.config import CheckConfig
from checks.vantage import ResolverAnswer, VantageTargets, Verdict, check_resolver

# Any key (algorithm 13): the stub signs nothing.
KEY = (
    "257 3 13 mdsswUyr3DPW132mOi8V9xESWE8jTo0dxCjjnopKl+GqJxpVXckHAeF+KkxLbxILfDLUT0rAK9iUzy1L"
    "53eKGQ=="
)


@contextmanager
def stub(answers: dict[str, str]) -> Iterator[str]:
    """`answers`: name ("." for the root) -> "ad" (keys with AD), "servfail" (also with CD:
    unreachable), "bogus" (SERVFAIL, but keys without AD when CD is set). Others: NXDOMAIN."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                data, peer = sock.recvfrom(4096)
            except TimeoutError:
                continue
            if stop.is_set() and not data:  # the wake-up call below (a query is never empty)
                break
            query = dns.message.from_wire(data)
            response = dns.message.make_response(query)
            question = query.question[0]
            name = question.name.to_text().rstrip(".").lower() or "."
            how = answers.get(name, "nxdomain")
            cd = bool(query.flags & dns.flags.CD)
            if how == "servfail" or (how == "bogus" and not cd):
                response.set_rcode(dns.rcode.SERVFAIL)
            elif how == "nxdomain":
                response.set_rcode(dns.rcode.NXDOMAIN)
            else:
                response.answer.append(
                    dns.rrset.from_text_list(question.name, 300, "IN", "DNSKEY", [KEY])
                )
                if how == "ad":
                    response.flags |= dns.flags.AD
            sock.sendto(response.to_wire(), peer)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    host, port = sock.getsockname()
    try:
        yield f"{host}:{port}"
    finally:
        stop.set()
        # Wake the thread now, not at its recvfrom's next 0.2 s timeout (tests/test_cli.py).
        sock.sendto(b"", sock.getsockname())
        thread.join()
        sock.close()


def _ask(answers: dict[str, str]) -> ResolverAnswer:
    with stub(answers) as address:
        host, port = address.rsplit(":", 1)
        config = CheckConfig(resolvers=((host, int(port)),), timeout=2)
        return asyncio.run(check_resolver(config, VantageTargets()))


def test_a_root_answered_from_cache_does_not_clear_a_resolver_that_cannot_reach_out() -> None:
    # The resolver's way out cut: the root's keys from its cache, isc.org nowhere, CD or not.
    answer = _ask({"isc.org": "servfail", ".": "ad", "dnssec-failed.org": "servfail"})
    assert answer.verdict != Verdict.CANARY_FAILING, answer.detail
    assert "not affected" not in answer.detail
    # Down (lead, after the review): every server of isc.org out of reach at once is far
    # rarer than this resolver's way out cut; the banner says so, and selftest fails.
    assert answer.verdict == Verdict.DOWN, answer.detail
    assert answer.detail.startswith("cannot resolve names that exist: ")
    assert "cache" in answer.detail and "isc.org" in answer.detail
    # The question with checking disabled is evidence too: the first, the second, the CD one.
    assert sum(e["query"] == "isc.org DNSKEY" for e in answer.evidence) == 3


def test_a_canary_whose_signatures_fail_is_still_the_canarys_trouble() -> None:
    # isc.org's servers answer (with CD the keys come back); only its validation fails.
    answer = _ask({"isc.org": "bogus", ".": "ad", "dnssec-failed.org": "servfail"})
    assert answer.verdict == Verdict.CANARY_FAILING, answer.detail
    assert "isc.org's trouble, not this resolver's" in answer.detail


def test_the_root_failing_too_is_still_our_resolver_down() -> None:
    answer = _ask({"isc.org": "bogus", ".": "servfail", "dnssec-failed.org": "servfail"})
    assert answer.verdict == Verdict.DOWN, answer.detail
