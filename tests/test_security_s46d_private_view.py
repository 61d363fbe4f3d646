"""Security review s46d: our resolver's private view stays ours.

The free check refuses a typed name under .internal, .local or home.arpa: "its answers are not
the internet's, and are not for strangers to read" (freecheck.views._domain). A public domain
whose MX, or a CNAME in a chain, names such a name reached them anyway: the engine asked our
resolver, which (a cloud VPC's resolver, the default system resolver there, answers
*.internal with its machines' addresses; a company resolver answers corp.local) gave its
private answer, and the report showed it to whoever ran the check. The public DNS holds none
of these names, so a sender on the internet gets NXDOMAIN for them: the engine now answers
them so, asked or reached through a CNAME, without asking, unless private targets are allowed
(the lab, the CLI's --allow-private-targets). So does the DKIM key lookup of a report mail,
whose signature names any domain its sender likes.

Runs against the in-process server of test_dns_s9_server, standing in for a resolver with a
private view; nothing connects anywhere else (the guard refuses the private address before
any connection, as before)."""

from __future__ import annotations

import asyncio
import json

import dns.message
import dns.rcode

from checks.config import CheckConfig
from checks.dns import DnsClient
from checks.engine import check_domain
from reports.mail import make_dnsfunc
from tests.test_dns_s9_server import FakeDns, Reply, answer, fake_dns, records

SECRET = "10.20.30.40"
PRIVATE_TXT = "internal-only-token"


def _private_view(query: dns.message.Message, transport: str) -> Reply:
    """A resolver that also answers a private network's names."""
    q = query.question[0]
    name = q.name.to_text().lower()
    rdtype = dns.rdatatype.to_text(q.rdtype)
    private = {
        ("db.corp.internal.", "A"): [records(f"db.corp.internal. 300 A {SECRET}")],
        ("files.office.local.", "A"): [records(f"files.office.local. 300 A {SECRET}")],
        ("nas.home.arpa.", "A"): [records(f"nas.home.arpa. 300 A {SECRET}")],
        ("_dmarc.example.com.", "TXT"): [
            records("_dmarc.example.com. 300 CNAME policy.corp.internal."),
            records(f'policy.corp.internal. 300 TXT "{PRIVATE_TXT}"'),
        ],
        ("mx.example.com.", "A"): [
            records("mx.example.com. 300 CNAME db.corp.internal."),
            records(f"db.corp.internal. 300 A {SECRET}"),
        ],
        ("example.com.", "MX"): [records("example.com. 300 MX 10 db.corp.internal.")],
    }
    found = private.get((name, rdtype))
    if found is not None:
        return Reply(answer(query, *found))
    return Reply(answer(query, rcode=dns.rcode.NXDOMAIN))


def _client(server: FakeDns, allow_private: bool = False) -> DnsClient:
    return DnsClient(
        CheckConfig(resolvers=(server.address,), timeout=2.0, allow_private_targets=allow_private)
    )


def test_a_private_network_name_is_answered_as_the_internet_does() -> None:
    with fake_dns(_private_view) as server:
        for name in ("db.corp.internal", "files.office.local", "nas.home.arpa"):
            result = asyncio.run(_client(server).query(name, "A"))
            assert result.nxdomain, (name, result)
            assert result.records == []
        # Not even asked: the question itself is for our network.
        assert not any("internal" in n or "local" in n or "arpa" in n for _, n, _ in server.asked)


def test_a_cname_chain_into_a_private_name_ends_there() -> None:
    with fake_dns(_private_view) as server:
        mx = asyncio.run(_client(server).query("mx.example.com", "A"))
        assert mx.nxdomain
        assert mx.records == []
        assert mx.cnames == ["db.corp.internal"]
        dmarc = asyncio.run(_client(server).txt("_dmarc.example.com"))
        assert dmarc.nxdomain
        assert PRIVATE_TXT not in json.dumps(dmarc.evidence())


def test_the_lab_still_reads_its_own_names() -> None:
    # allow_private_targets (the lab, the CLI's flag): the resolver's answers, as before.
    with fake_dns(_private_view) as server:
        direct = asyncio.run(_client(server, allow_private=True).query("db.corp.internal", "A"))
        assert direct.to_text() == [SECRET]
        chain = asyncio.run(_client(server, allow_private=True).query("mx.example.com", "A"))
        assert chain.to_text() == [SECRET]


def test_a_checks_report_shows_nothing_of_the_private_view() -> None:
    # example.com's MX names a host under .internal, and its _dmarc a CNAME into .internal:
    # the report (what the free check's page and API show) says neither the address nor the
    # text our resolver's private view holds.
    with fake_dns(_private_view) as server:
        config = CheckConfig(resolvers=(server.address,), timeout=2.0)
        report = asyncio.run(check_domain("example.com", config, deadline_seconds=20))
    shown = json.dumps(report.to_dict())
    assert SECRET not in shown
    assert PRIVATE_TXT not in shown
    # The MX host is still judged: not on the internet, as MX-06 says of it.
    assert "db.corp.internal" in shown


def _key_view(query: dns.message.Message, transport: str) -> Reply:
    """A resolver whose private view holds DKIM key records."""
    name = query.question[0].name.to_text().lower()
    key = "v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQC"
    found = {
        "s1._domainkey.corp.internal.": [records(f's1._domainkey.corp.internal. 300 TXT "{key}"')],
        "s1._domainkey.reporter.example.": [
            records("s1._domainkey.reporter.example. 300 CNAME keys.office.local."),
            records(f'keys.office.local. 300 TXT "{key}"'),
        ],
    }.get(name)
    if found is not None:
        return Reply(answer(query, *found))
    return Reply(answer(query, rcode=dns.rcode.NXDOMAIN))


def test_a_report_signature_finds_no_key_in_the_private_view() -> None:
    # A report mail's DKIM-Signature is anyone's to write (d=corp.internal, or a d= whose key
    # name is a CNAME into .local): its verdict (pass, or "no key") told whoever sent it, on
    # their own address's dashboard, what our resolver's private view holds.
    with fake_dns(_key_view) as server:
        dnsfunc = make_dnsfunc((server.address,))
        assert dnsfunc(b"s1._domainkey.corp.internal.") is None
        assert dnsfunc(b"s1._domainkey.reporter.example.") is None
        assert not any("internal" in n for _, n, _ in server.asked)


def test_the_lab_still_reads_its_own_keys() -> None:
    with fake_dns(_key_view) as server:
        dnsfunc = make_dnsfunc((server.address,), allow_private=True)
        assert dnsfunc(b"s1._domainkey.corp.internal.") is not None
        assert dnsfunc(b"s1._domainkey.reporter.example.") is not None
