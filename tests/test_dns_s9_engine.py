"""Whole engine runs (checks.engine.check_domain) against the in-process DNS server of
test_dns_s9_server: what the resolver layer's answers become in the findings. The domain has a
null MX (RFC 7505), so no run connects anywhere but to the DNS server."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import dns.message
import dns.rcode
import dns.rdatatype

from checks.config import CheckConfig
from checks.engine import check_domain
from checks.findings import DomainReport, Status
from tests.test_dns_s9_server import Reply, answer, fake_dns, records

ZONE = {
    ("example.com.", "MX"): ["example.com. 300 MX 0 ."],
    ("example.com.", "TXT"): ['example.com. 300 TXT "v=spf1 -all"'],
    ("_dmarc.example.com.", "TXT"): ['_dmarc.example.com. 300 TXT "v=DMARC1; p=reject"'],
}
SOA = "example.com. 300 SOA ns.example.com. hostmaster.example.com. 1 7200 900 1209600 300"

Special = Callable[[dns.message.Message, str], "Reply | list[Reply] | None"]


def _zone(special: dict[tuple[str, str], Special]) -> Callable[..., object]:
    def handler(query: dns.message.Message, transport: str) -> Reply | list[Reply] | None:
        name = query.question[0].name.to_text().lower()
        rdtype = dns.rdatatype.to_text(query.question[0].rdtype)
        if (name, rdtype) in special:
            return special[(name, rdtype)](query, transport)
        found = [records(r) for r in ZONE.get((name, rdtype), [])]
        exists = name == "example.com." or any(n == name for n, _ in ZONE)
        rcode = dns.rcode.NOERROR if exists else dns.rcode.NXDOMAIN
        return Reply(answer(query, *found, rcode=rcode, authority=() if found else (records(SOA),)))

    return handler


def _run(special: dict[tuple[str, str], Special] | None = None) -> DomainReport:
    with fake_dns(_zone(special or {})) as server:  # type: ignore[arg-type]
        config = CheckConfig(resolvers=(server.address,), timeout=1.0)
        return asyncio.run(check_domain("example.com", config))


def _dmarc_01(report: DomainReport) -> Status:
    return next(f.status for f in report.findings if f.id == "DMARC-01")


def test_a_dmarc_record_behind_an_odd_rcode_is_not_checked_rather_than_absent() -> None:
    assert _dmarc_01(_run()) == Status.PASS
    for rcode in (dns.rcode.BADVERS, dns.rcode.YXDOMAIN, dns.rcode.NOTAUTH):

        def odd(query: dns.message.Message, transport: str, rcode: int = rcode) -> Reply:
            return Reply(answer(query, rcode=rcode))

        report = _run({("_dmarc.example.com.", "TXT"): odd})
        # Was INFO "example.com has no DMARC policy": the record may well be there.
        assert _dmarc_01(report) == Status.ERROR, dns.rcode.to_text(rcode)


def test_a_dmarc_cname_loop_is_not_an_absent_policy() -> None:
    def loop(query: dns.message.Message, transport: str) -> Reply:
        return Reply(
            answer(
                query,
                records("_dmarc.example.com. 300 CNAME _dmarc.provider.example."),
                records("_dmarc.provider.example. 300 CNAME _dmarc.example.com."),
            )
        )

    report = _run({("_dmarc.example.com.", "TXT"): loop})
    assert _dmarc_01(report) == Status.ERROR


def test_forged_replies_racing_every_answer_change_nothing() -> None:
    # Each real answer comes 50 ms after a forged one with the wrong ID that says NXDOMAIN:
    # the report must be the one without the forger, never one built on its answers, and
    # never a run of "could not check".
    baseline = _run()
    plain = _zone({})

    def forged_first(query: dns.message.Message, transport: str) -> list[Reply]:
        real = plain(query, transport)
        if transport == "tcp":
            return [real]  # type: ignore[list-item]
        forged = dns.message.make_response(query)
        forged.id = (query.id + 1) % 65536
        forged.set_rcode(dns.rcode.NXDOMAIN)
        assert isinstance(real, Reply)
        return [Reply(forged.to_wire()), Reply(real.wire, delay=0.05)]

    with fake_dns(forged_first) as server:
        # Every answer waits 50 ms behind its forgery; the time limit leaves room for a busy
        # CI machine (a 1 s limit timed out BIMI-01 and SPF-20 there once): what is tested is
        # that no forged answer is taken, not how fast the run is.
        config = CheckConfig(resolvers=(server.address,), timeout=3.0)
        raced = asyncio.run(check_domain("example.com", config))

    def verdicts(report: DomainReport) -> list[tuple[str, Status]]:
        return sorted((f.id, f.status) for f in report.findings)

    assert verdicts(raced) == verdicts(baseline)
    assert not any(f.status == Status.ERROR for f in raced.findings)
