"""s39j, item 1: a lookup that failed at our own resolver says so without the resolver's address.

The free check is public: "TIMEOUT for s1._domainkey.example.org TXT (no answer from
127.0.53.2:53)" showed strangers the address of our internal resolver, and read as if that
address were one of the domain's name servers. The words now say whose server gave no answer
(ours) and how long we waited; the address is in the configuration, not in what anyone reads.
Each test runs the engine's DnsClient against the in-process server of test_dns_s9_server.
"""

from __future__ import annotations

import asyncio
import json

import dns.message

from checks.config import CheckConfig
from checks.dns import DnsAnswer, DnsClient
from checks.engine import check_domain
from tests.test_dns_s9_server import FakeDns, Reply, answer, fake_dns


def _config(server: FakeDns, timeout: float) -> CheckConfig:
    return CheckConfig(resolvers=(server.address,), timeout=timeout)


def _ask(server: FakeDns, name: str, rdtype: str, timeout: float) -> DnsAnswer:
    return asyncio.run(DnsClient(_config(server, timeout)).query(name, rdtype))


def _silent(query: dns.message.Message, transport: str) -> None:
    return None


def _says_nothing_of(text: str, server: FakeDns) -> None:
    host, port = server.address
    assert host not in text, text
    assert f":{port}" not in text, text


def test_a_resolver_that_never_answers_is_named_ours_and_not_by_its_address() -> None:
    with fake_dns(_silent) as server:
        result = _ask(server, "example.org", "TXT", timeout=0.6)
    assert result.rcode == "TIMEOUT"
    assert result.describe_failure() == (
        "TIMEOUT for example.org TXT (no answer from our resolver within 0.6 s)"
    )
    _says_nothing_of(result.describe_failure(), server)


def test_a_resolver_that_hangs_up_is_named_ours_and_not_by_its_address() -> None:
    # Truncated over UDP, then the TCP connection closed without a reply (dnspython's
    # EOFError), twice: a network failure, said without "127.0.0.1:<port>: EOFError".
    def handler(query: dns.message.Message, transport: str) -> Reply | None:
        return Reply(answer(query, tc=True)) if transport == "udp" else None

    with fake_dns(handler) as server:
        result = _ask(server, "example.org", "TXT", timeout=2.0)
    assert result.rcode == "NETWORK"
    assert result.describe_failure() == (
        "NETWORK for example.org TXT (our resolver closed the connection without an answer)"
    )
    _says_nothing_of(result.describe_failure(), server)


def test_the_dkim_findings_of_a_domain_whose_lookups_time_out_name_no_address() -> None:
    # The s39c page: one DKIM-01 'could not check' per selector tried, each with the failure.
    with fake_dns(_silent) as server:
        report = asyncio.run(check_domain("example.org", _config(server, 0.6), mechanisms=["dkim"]))
    errors = [f for f in report.findings if f.id == "DKIM-01" and f.status == "error"]
    assert len(errors) > 3, [(f.id, f.status, f.summary) for f in report.findings]
    for finding in errors:
        assert "(no answer from our resolver within 0.6 s)" in finding.summary, finding.summary
    for finding in report.findings:
        _says_nothing_of(f"{finding.summary} {finding.fix} {json.dumps(finding.evidence)}", server)
