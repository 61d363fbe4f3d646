"""Round 18 review: fixes and sentences that name the cause (MX-06, DANE-02, TLSRPT-11, DKIM-06).

The lab scenarios behind them: s13-mxnodot (MX targets without their final dot), s12-mxlit and
x04 (an IP address as MX target), x36 (TLSA name that is a CNAME into the bogus zone f48),
s8-insecuremx (an unsigned zone publishing TTL 3600 read through a resolver that shows 5 s),
s17d-dkimtworr (a DKIM key split over two TXT records).
"""

from __future__ import annotations

import asyncio
import base64
import socket
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import dns.flags
import dns.message
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rrset
import pytest

from checks import dane, dkim, mx, tlsrpt
from checks import dns as checks_dns
from checks.config import CheckConfig
from checks.context import CheckContext
from checks.dns import DnsAnswer
from checks.findings import Collector, Finding, Mechanism, Status
from tests.test_mx import FakeDns, make_ctx, run_eval


def _one(findings: list[Finding], check_id: str, subject: str = "") -> Finding:
    (found,) = [f for f in findings if f.id == check_id and subject in f.subject]
    return found


# --- 1. MX-06: a target written without its final dot -----------------------------------------


def test_it_names_the_missing_final_dot_of_a_doubled_mx_target() -> None:
    zone = {
        ("example.org", "MX"): ["10 mx1.example.org.example.org.", "20 mx2.example.org."],
        ("mx1.example.org", "A"): ["192.0.2.10"],
        ("mx2.example.org", "A"): ["192.0.2.20"],
    }
    found = _one(run_eval(mx, make_ctx("example.org", zone)), "MX-06", "mx1")
    assert found.status == Status.WARN  # unchanged: the other MX host works
    assert "without its final dot" in found.summary
    assert "mx1.example.org has an address (192.0.2.10)" in found.summary
    assert found.fix.splitlines()[1] == "example.org. MX 10 mx1.example.org."
    assert "Publish an address for mx1.example.org.example.org" not in found.fix
    assert found.evidence["meant"] == "mx1.example.org"


def test_the_doubled_target_of_a_sub_domain_in_its_parent_zone_is_recognised() -> None:
    # "MX 10 mx.example.org" written in the zone example.org for mail.example.org.
    assert (
        mx.doubled_suffix_target("mx.example.org.example.org", "mail.example.org")
        == "mx.example.org"
    )
    assert mx.doubled_suffix_target("mx.example.org", "example.org") is None
    assert mx.doubled_suffix_target("mx.org.org", "example.org") is None  # a TLD is no zone


def test_a_doubled_target_whose_meant_name_has_no_address_asks_for_both() -> None:
    zone = {("example.org", "MX"): ["10 mx1.example.org.example.org."]}
    found = _one(run_eval(mx, make_ctx("example.org", zone)), "MX-06")
    assert found.status == Status.FAIL
    assert "has no address either" in found.summary
    assert "example.org. MX 10 mx1.example.org." in found.fix
    assert "publish an address for mx1.example.org (A/AAAA)" in found.fix


# --- 2. MX-06 for an IP literal points to MX-05 -----------------------------------------------


def test_mx06_for_an_ip_literal_says_what_it_is_and_points_to_mx05() -> None:
    zone = {
        ("example.org", "MX"): ["10 mx1.example.org.", "20 192.0.2.105."],
        ("mx1.example.org", "A"): ["192.0.2.106"],
    }
    findings = run_eval(mx, make_ctx("example.org", zone))
    mx05, mx06 = _one(findings, "MX-05"), _one(findings, "MX-06", "192.0.2.105")
    assert mx06.status == Status.WARN
    assert "no IPv4 or IPv6 address" not in mx06.summary
    assert "IP address written where a host name belongs" in mx06.summary
    assert mx06.fix != mx05.fix
    assert "MX-05" in mx06.fix


# --- 3. DANE-02: bogus TLSA records behind a CNAME into another zone --------------------------

HOST = "mx1.customer.example"
QNAME = f"_25._tcp.{HOST}"
TARGET = "_25._tcp.mx1.other.example"


class _AliasDns:
    """A validating resolver's view of a TLSA name that is a valid CNAME into a zone whose
    signatures fail: SERVFAIL with an RFC 8914 reason, the data (and its RRSIG by the other
    zone) with CD, the CNAME itself validating."""

    def __init__(self, alias_valid: bool = True) -> None:
        self.alias_valid = alias_valid

    async def query(self, name: str, rdtype: str, **kw: Any) -> DnsAnswer:
        name = checks_dns.normalize(name)
        if rdtype == "A":
            return DnsAnswer(name, rdtype, "NOERROR", ad=True)
        if rdtype == "CNAME":
            if not self.alias_valid:
                return DnsAnswer(name, rdtype, "SERVFAIL", ede=[(7, "signature expired")])
            return DnsAnswer(name, rdtype, "NOERROR", ad=True)
        if rdtype == "TLSA" and not kw.get("cd"):
            return DnsAnswer(name, rdtype, "SERVFAIL", ede=[(7, "signature expired")])
        record = dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.TLSA, "3 1 1 " + "ab" * 32)
        sig = dns.rrset.from_text(
            TARGET,
            300,
            "IN",
            "RRSIG",
            "TLSA 13 6 300 20200101000000 20190101000000 4242 other.example. "
            + base64.b64encode(b"x" * 64).decode(),
        )
        message = dns.message.make_response(dns.message.make_query(name, rdtype))
        message.answer.append(sig)
        return DnsAnswer(
            name, rdtype, "NOERROR", records=[record], cnames=[TARGET], signed=True, message=message
        )


def _dane02(alias_valid: bool = True) -> Finding:
    ctx = CheckContext("customer.example", CheckConfig(), dns=_AliasDns(alias_valid))  # type: ignore[arg-type]
    state = asyncio.run(dane._resolve_state(ctx, HOST))
    assert state.bogus
    out = Collector(Mechanism.DANE)
    host = SimpleNamespace(name=HOST, bogus=False, addresses=["192.0.2.1"])
    mxset = SimpleNamespace(implicit=False, answer=SimpleNamespace(ad=True, evidence=dict))
    dane._host_findings(out, ctx, host, state, [], mxset)
    return _one(out.findings, "DANE-02")


def test_it_names_the_zone_a_tlsa_alias_leads_to_when_that_zone_fails() -> None:
    found = _dane02()
    assert found.status == Status.FAIL
    assert f"Re-sign the zone holding {QNAME}" not in found.fix
    assert found.fix.startswith("Re-sign other.example (where the alias")
    assert TARGET in found.summary and "other.example" in found.summary
    assert found.evidence["alias_zone"] == "other.example"


def test_an_alias_that_fails_itself_keeps_its_own_zone_in_the_fix() -> None:
    found = _dane02(alias_valid=False)
    # The stand-in resolver says EDE 7 (expired): the remedy for that (43fffb5), in the
    # alias's own zone, never the zone it leads to.
    assert found.fix.startswith(f"Re-sign the zone holding {QNAME} and find out why re-signing")
    assert "other.example" not in found.fix


# --- 4. TLSRPT-11: the TTL as the zone publishes it -------------------------------------------


class _Authority(asyncio.DatagramProtocol):
    """A tiny authoritative server: answers every question with one TXT record and `ttl`."""

    def __init__(self, ttl: int) -> None:
        self.ttl = ttl
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        query = dns.message.from_wire(data)
        response = dns.message.make_response(query)
        response.flags |= dns.flags.AA
        question = query.question[0]
        response.answer.append(
            dns.rrset.from_text(question.name, self.ttl, "IN", "TXT", '"v=TLSRPTv1; rua=x"')
        )
        assert self.transport is not None
        self.transport.sendto(response.to_wire(), addr)


@pytest.fixture
def free_port(monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setattr(checks_dns, "AUTHORITATIVE_PORT", port)
    yield port


RECORD = '"v=TLSRPTv1; rua=mailto:tlsrpt@example.org"'


def _tlsrpt_findings(port: int, published: int | None, resolver_ttl: int = 5) -> list[Finding]:
    zone = {
        ("example.org", "MX"): ["10 mx1.example.org."],
        ("mx1.example.org", "A"): ["127.0.0.1"],
        ("_smtp._tls.example.org", "TXT"): [RECORD],
        ("example.org", "NS"): ["ns1.example.org."],
        ("ns1.example.org", "A"): ["127.0.0.1"],
    }
    fake = FakeDns(zone, ttl=resolver_ttl)  # type: ignore[arg-type]
    ctx = CheckContext(
        "example.org",
        CheckConfig(allow_private_targets=True, timeout=2.0),
        dns=fake,  # type: ignore[arg-type]
    )

    async def go() -> list[Finding]:
        transport = None
        if published is not None:
            loop = asyncio.get_running_loop()
            transport, _ = await loop.create_datagram_endpoint(
                lambda: _Authority(published), local_addr=("127.0.0.1", port)
            )
        try:
            return await tlsrpt.evaluate(ctx)
        finally:
            if transport is not None:
                transport.close()

    return asyncio.run(go())


def test_a_record_published_with_3600_s_is_not_called_short_for_its_cached_ttl(
    free_port: int,
) -> None:
    # s8-insecuremx: the zone publishes 3600 s, the resolver shows what is left of its copy.
    assert [f for f in _tlsrpt_findings(free_port, 3600) if f.id == "TLSRPT-11"] == []


def test_a_short_published_ttl_is_noted_with_the_published_figure(free_port: int) -> None:
    found = _one(_tlsrpt_findings(free_port, 300, resolver_ttl=120), "TLSRPT-11")
    assert found.status == Status.INFO
    assert "TTL is 300 s" in found.summary and "120" not in found.summary
    assert found.evidence["published"]["ttl"] == 300


def test_no_note_when_no_authoritative_server_answers(free_port: int) -> None:
    # The resolver's 5 s is a lower bound of the published TTL at best: no ground for a note.
    assert [f for f in _tlsrpt_findings(free_port, None) if f.id == "TLSRPT-11"] == []


# --- 5. DKIM-06 follows DKIM-02 when the key is split over two TXT records --------------------

KEY = (
    "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAsbgcUJAAZKp00J9BM1eFlfuCdwqr9iBoqGNTU1VrhfrBXHZhJ"
    "buRwWjyfx0cvtjUHHVnqdi//YSXRrFE604gs3uhRspedWqD85pCgwsQUwfotCkJgOE8orUeMWpGNss80CCLg5TsPwYuJ"
    "K20cZUkjAgclx/IjFBXeAozvEOkd0/VypA+la8ch/67VRPrUwK1hSN302gGpeYlWo5ZhmshysSxGsQV5kzFuIjCooQON"
    "WebsJG4Wp1ufU66GkdmN4q6yKxuaZDfR0qm/llkCJszVKY2mEYTVhIv6tw97rMSRMAwXCMN5iJJ7FZ2VT+fDPJNIQ01957"
    "YiG1ibXBeEzSGbwIDAQAB"
)


def test_dkim06_follows_dkim02_for_a_key_split_over_two_records() -> None:
    first, rest = f"v=DKIM1; k=rsa; p={KEY[:200]}", KEY[200:]
    name = "s1._domainkey.example.org"
    result = dkim.SelectorResult(
        selector="s1",
        name=name,
        answer=DnsAnswer(name, "TXT", "NOERROR"),
        records=[first],
        parsed=dkim.parse_key_record(first),
        others=[rest],
    )
    out = Collector(Mechanism.DKIM)
    dkim._judge(out, result, set())
    dkim02, dkim06 = _one(out.findings, "DKIM-02"), _one(out.findings, "DKIM-06")
    assert dkim02.status == dkim06.status == Status.FAIL
    assert "Copy the public key" not in dkim06.fix
    assert "DKIM-02" in dkim06.fix and "DKIM-02" in dkim06.summary
    assert "only the start of the key" in dkim06.summary


def test_a_public_suffix_is_no_zone_a_target_was_written_in() -> None:
    # "mx.co.uk.co.uk" for example.co.uk is a name someone may own, not a lost final dot: the
    # zone is the domain or an ancestor up to its organisational domain (review s18rv).
    assert mx.doubled_suffix_target("mx.co.uk.co.uk", "example.co.uk") is None
    assert mx.doubled_suffix_target("mx.lab.test.lab.test", "a.lab.test", ("lab.test",)) is None
    assert (
        mx.doubled_suffix_target("mx.example.co.uk.example.co.uk", "example.co.uk")
        == "mx.example.co.uk"
    )
