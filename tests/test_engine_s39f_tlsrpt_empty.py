"""TLSRPT-01 for a _smtp._tls name holding a TXT record of one empty string (task s39f, item 1:
a DNS panel saved the record with its value field blank).

RFC 8460 §3: senders discard TXT records that do not begin with "v=TLSRPTv1;", so an empty one
announces nothing and TLS-RPT stays "not deployed" (TLSRPT-01 info). The finding quoted the
empty string ("holds ''"), while MTASTS-01 and DMARC-01 (s38t) say "a TXT record with an empty
string" and give the record to publish in its place; TLSRPT-01 now reads the same way. Each
test runs the evaluator against a real DNS server on loopback (tests/test_dns_s9_server).
"""

from __future__ import annotations

import asyncio

import dns.message
import dns.rcode
import dns.rdatatype

from checks import tlsrpt
from checks.config import CheckConfig
from checks.context import CheckContext
from checks.findings import Finding, Status
from tests.test_dns_s9_server import Reply, answer, fake_dns, records

DOMAIN = "example.org"
NAME = f"_smtp._tls.{DOMAIN}"
TARGET = "tlsrpt.provider.example.net"


def _zone(rpt_txt: str | None) -> dict[tuple[str, str], str]:
    zone = {
        (f"{DOMAIN}.", "MX"): f"{DOMAIN}. 300 MX 10 mx1.{DOMAIN}.",
        (f"mx1.{DOMAIN}.", "A"): f"mx1.{DOMAIN}. 300 A 192.0.2.25",
    }
    if rpt_txt is not None:
        zone[(f"{NAME}.", "TXT")] = f"{NAME}. 300 TXT {rpt_txt}"
    return zone


def _tlsrpt01(zone: dict[tuple[str, str], str], alias: bool = False) -> Finding:
    def handler(query: dns.message.Message, transport: str) -> Reply:
        q = query.question[0]
        name, rdtype = q.name.to_text().lower(), dns.rdatatype.to_text(q.rdtype)
        if alias and name == f"{NAME}.":
            cname = records(f"{NAME}. 300 CNAME {TARGET}.")
            held = zone.get((f"{NAME}.", "TXT"))
            if rdtype == "TXT" and held:
                return Reply(answer(query, cname, records(held.replace(NAME, TARGET, 1))))
            return Reply(answer(query, cname))
        if (name, rdtype) in zone:
            return Reply(answer(query, records(zone[(name, rdtype)])))
        return Reply(answer(query, rcode=dns.rcode.NXDOMAIN))

    with fake_dns(handler) as server:  # type: ignore[arg-type]
        config = CheckConfig(resolvers=(server.address,), timeout=2.0)
        findings = asyncio.run(tlsrpt.evaluate(CheckContext(DOMAIN, config)))
    (found,) = [f for f in findings if f.id == "TLSRPT-01"]
    return found


def test_an_empty_tls_rpt_txt_record_is_named_and_replaced() -> None:
    found = _tlsrpt01(_zone('""'))
    assert found.status == Status.INFO  # not deployed: never a fail
    assert f"{NAME} holds a TXT record with an empty string, which is not a TLS-RPT record" in (
        found.summary
    )
    assert "''" not in found.summary
    assert '"v=TLSRPTv1;", RFC 8460 §3' in found.summary
    assert f'{NAME}. TXT "v=TLSRPTv1; rua=mailto:' in found.fix
    assert f"in place of the TXT record with an empty string at {NAME}" in found.fix


def test_another_text_at_smtp_tls_is_quoted_with_no_in_place_of() -> None:
    found = _tlsrpt01(_zone('"v=spf1 -all"'))
    assert found.status == Status.INFO
    assert f"{NAME} holds a TXT record 'v=spf1 -all', which is not a TLS-RPT record" in (
        found.summary
    )
    # No "in place of": a text may be a wildcard's (* TXT) answer, no record at the name.
    assert f'{NAME}. TXT "v=TLSRPTv1; rua=mailto:' in found.fix and "in place of" not in found.fix


def test_an_empty_record_behind_an_alias_is_the_targets_with_no_in_place_of() -> None:
    found = _tlsrpt01(_zone('""'), alias=True)
    assert found.status == Status.INFO
    assert "with an empty string" in found.summary and "''" not in found.summary
    assert f"{NAME} is an alias (CNAME) of {TARGET}" in found.summary
    # The empty record stands at the target, not at _smtp._tls: nothing there to replace.
    assert "in place of" not in found.fix


def test_no_txt_record_at_all_reads_as_before() -> None:
    found = _tlsrpt01(_zone(None))
    assert found.status == Status.INFO
    assert "holds a TXT record" not in found.summary and "in place of" not in found.fix
