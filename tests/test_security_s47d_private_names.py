"""Task s47d, item 2: the top-level names private networks use, beyond s46d's three.

s46d answers names under .internal, .local and home.arpa NXDOMAIN without asking our resolver
(unless private targets are allowed), so a resolver with a private view cannot put its
answers into a public domain's report. RFC 6762 Appendix G lists .intranet, .internal,
.private, .corp, .home and .lan as used on home and business networks, and ICANN does not
delegate .corp, .home and .mail (name collisions, board resolution 2018.02.04.12): no
sender on the internet gets an answer for them either, so the engine now answers them the
same way. Names that merely contain those words (mail.example.com, a .homes domain) are asked
as before.

Runs against the in-process server of test_dns_s9_server, standing in for a resolver with a
private view, as test_security_s46d_private_view does."""

from __future__ import annotations

import asyncio
import json

import dns.message
import dns.rcode
import dns.rdatatype

from checks.config import CheckConfig
from checks.dns import DnsClient, private_network_name
from checks.engine import check_domain
from tests.test_dns_s9_server import FakeDns, Reply, answer, fake_dns, records

SECRET = "10.20.30.41"
NEW_PRIVATE = ("intranet", "private", "corp", "home", "lan", "mail")


def _private_view(query: dns.message.Message, transport: str) -> Reply:
    """A resolver that answers A questions for other names than example.com's with a private
    address, and example.com's MX with a host under .corp."""
    q = query.question[0]
    name = q.name.to_text()
    if q.rdtype == dns.rdatatype.A and not name.lower().endswith("example.com."):
        return Reply(answer(query, records(f"{name} 300 A {SECRET}")))
    if (name.lower(), q.rdtype) == ("example.com.", dns.rdatatype.MX):
        return Reply(answer(query, records("example.com. 300 MX 10 mx.office.corp.")))
    return Reply(answer(query, rcode=dns.rcode.NXDOMAIN))


def _client(server: FakeDns, allow_private: bool = False) -> DnsClient:
    return DnsClient(
        CheckConfig(resolvers=(server.address,), timeout=2.0, allow_private_targets=allow_private)
    )


def test_each_name_is_answered_as_the_internet_does_without_asking() -> None:
    with fake_dns(_private_view) as server:
        for tld in NEW_PRIVATE:
            for name in (f"host.{tld}", f"a.b.{tld}", tld, f"HOST.{tld.upper()}."):
                result = asyncio.run(_client(server).query(name, "A"))
                assert result.nxdomain, (name, result)
                assert result.records == []
        assert server.asked == []


def test_names_that_only_contain_the_words_are_asked() -> None:
    public = ("mail.example.org", "corp.example.org", "lan.example.net", "nas.homes", "x.mails")
    assert not any(private_network_name(name) for name in public)
    with fake_dns(_private_view) as server:
        for name in public:
            assert asyncio.run(_client(server).query(name, "A")).to_text() == [SECRET], name


def test_the_lab_still_reads_them() -> None:
    with fake_dns(_private_view) as server:
        result = asyncio.run(_client(server, allow_private=True).query("nas.lan", "A"))
        assert result.to_text() == [SECRET]


def test_a_report_shows_nothing_of_the_private_view() -> None:
    # example.com's MX names mx.office.corp: MX-06 says it is not on the internet, without
    # the address our resolver's private view gives it.
    with fake_dns(_private_view) as server:
        config = CheckConfig(resolvers=(server.address,), timeout=2.0)
        report = asyncio.run(check_domain("example.com", config, deadline_seconds=20))
    shown = json.dumps(report.to_dict())
    assert "mx.office.corp" in shown
    assert "not on the internet" in shown
    assert SECRET not in shown
