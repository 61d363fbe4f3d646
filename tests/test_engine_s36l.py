"""Engine faults the s36l blind lab round found (tests/test_lab_s36l_blind.py), each shown here
without the lab: SPF-17 (the MX hosts' own SPF record for the HELO identity, RFC 7208 §2.3,
info) was said only when the domain's own SPF record was valid. s36l-spfmacro (an unknown
macro letter), spf10, spfsemicolon, spfidn, spf99only and the records with two redirect= or
exp= modifiers all have MX hosts in their own zone without such a record, and heard nothing of
it: the HELO check does not read the domain's record, so a broken or missing one does not
make the advice moot (the domain's fix and the hosts' records are both needed)."""

from __future__ import annotations

import asyncio

import dns.rdata
import dns.rdataclass
import dns.rdatatype
import pytest

from checks import spf
from checks.config import CheckConfig
from checks.context import CheckContext
from checks.dns import DnsAnswer, normalize
from checks.findings import Finding, Status

DOMAIN = "example.test"


class ZoneDns:
    """Answers from a table of (name, type) -> record texts; a name in no row is NXDOMAIN."""

    def __init__(self, rows: dict[tuple[str, str], list[str]]) -> None:
        self.rows = rows

    async def query(self, name: str, rdtype: str, *, cd: bool = False) -> DnsAnswer:
        name = normalize(name)
        if not any(n == name for n, _ in self.rows):
            return DnsAnswer(name, rdtype, "NXDOMAIN", records=[])
        texts = self.rows.get((name, rdtype), [])
        records = [
            dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.from_text(rdtype), t)
            for t in texts
        ]
        return DnsAnswer(name, rdtype, "NOERROR", records=records, ttl=300)

    async def addresses(self, name: str) -> tuple[list[str], list[DnsAnswer]]:
        a, aaaa = await self.query(name, "A"), await self.query(name, "AAAA")
        return [r.to_text() for r in a.records + aaaa.records], [a, aaaa]


def _spf(*apex_txt: str, helo: bool = False) -> list[Finding]:
    rows: dict[tuple[str, str], list[str]] = {
        (DOMAIN, "MX"): ["10 mx1.example.test.", "20 mx2.example.test."],
        (DOMAIN, "TXT"): [f'"{t}"' for t in apex_txt],
        ("mx1.example.test", "A"): ["192.0.2.1"],
        ("mx2.example.test", "A"): ["192.0.2.2"],
    }
    if helo:
        rows[("mx1.example.test", "TXT")] = ['"v=spf1 a -all"']
        rows[("mx2.example.test", "TXT")] = ['"v=spf1 a -all"']
    config = CheckConfig(extra_public_suffixes=("test",))
    ctx = CheckContext(DOMAIN, config, dns=ZoneDns(rows))  # type: ignore[arg-type]
    return asyncio.run(spf.evaluate(ctx))


RECORDS = {
    "valid": ("v=spf1 mx -all",),
    "unknown macro letter": ("v=spf1 mx exists:%{q}.spf.example.test -all",),
    "redirect twice": ("v=spf1 redirect=a.example.test redirect=b.example.test",),
    "version v=spf10": ("v=spf10 mx -all",),
    "version v=spf1;": ("v=spf1;mx -all",),
    "no record": (),
    "two records": ("v=spf1 mx -all", "v=spf1 ip4:192.0.2.0/24 -all"),
}


@pytest.mark.parametrize("label", list(RECORDS))
def test_it_tells_the_mx_hosts_helo_record_whatever_the_domains_own_record(label: str) -> None:
    findings = _spf(*RECORDS[label])
    (helo,) = [f for f in findings if f.id == "SPF-17"]
    assert helo.status == Status.INFO
    assert "mx1.example.test, mx2.example.test" in helo.summary
    assert 'mx1.example.test. TXT "v=spf1 a -all"' in helo.fix


@pytest.mark.parametrize("label", list(RECORDS))
def test_it_says_nothing_of_helo_where_the_hosts_have_their_record(label: str) -> None:
    findings = _spf(*RECORDS[label], helo=True)
    assert not [f for f in findings if f.id == "SPF-17"]


def test_a_null_mx_domain_has_no_helo_advice_whatever_its_record() -> None:
    rows = {(DOMAIN, "MX"): ["0 ."], (DOMAIN, "TXT"): ['"v=spf1 exists:%{q}.x.example.test -all"']}
    config = CheckConfig(extra_public_suffixes=("test",))
    ctx = CheckContext(DOMAIN, config, dns=ZoneDns(rows))  # type: ignore[arg-type]
    findings = asyncio.run(spf.evaluate(ctx))
    assert not [f for f in findings if f.id == "SPF-17"]


# ------------------------------------------------------------------ SPF-02's sentence
# s36l-spf10 and s36l-spfsemicolon: the sentence ended with the record as it is, no closing
# quote or stop ("... so receivers ignore it: v=spf10 mx -all"), where a near miss with
# neither a repair note nor ';' separators was named (tests/test_fix_texts.py caught it on
# the round's files).
@pytest.mark.parametrize("near_miss", ["v=spf10 mx -all", "v=spf1;mx -all"])
def test_spf02_names_the_near_miss_in_quotes_and_ends_its_sentence(near_miss: str) -> None:
    (spf02,) = [f for f in _spf(near_miss) if f.id == "SPF-02"]
    assert spf02.status == Status.FAIL
    assert f"so receivers ignore it: '{near_miss}'" in spf02.summary
    assert spf02.summary.endswith(".")


# ------------------------------------------------------------------ SPF-07's fix
# s36l-spfmxfan: 'v=spf1 mx mx:bulk... -all' where bulk.<domain> has 11 MX hosts. SPF-07 said
# "List the servers with ip4/ip6 instead." with no record: the addresses are known (the
# hosts' A/AAAA), so the record with the mx term replaced by them is the exact fix
# (checklist §0: the fix is the exact record to publish where there is one).
def _fanout(record: str, *, qualifier_hosts: int = 11, aaaa: bool = False) -> Finding:
    rows: dict[tuple[str, str], list[str]] = {
        (DOMAIN, "MX"): ["10 mx1.example.test."],
        (DOMAIN, "TXT"): [f'"{record}"'],
        ("mx1.example.test", "A"): ["192.0.2.200"],
        ("mx1.example.test", "TXT"): ['"v=spf1 a -all"'],
        ("bulk.example.test", "MX"): [
            f"{10 * i} b{i:02d}.bulk.example.test." for i in range(1, qualifier_hosts + 1)
        ],
    }
    for i in range(1, qualifier_hosts + 1):
        rows[(f"b{i:02d}.bulk.example.test", "A")] = [f"192.0.2.{i}"]
    if aaaa:
        rows[("b01.bulk.example.test", "AAAA")] = ["2001:db8::1"]
    config = CheckConfig(extra_public_suffixes=("test",))
    ctx = CheckContext(DOMAIN, config, dns=ZoneDns(rows))  # type: ignore[arg-type]
    (spf07,) = [f for f in asyncio.run(spf.evaluate(ctx)) if f.id == "SPF-07"]
    assert spf07.status == Status.FAIL
    return spf07


def test_spf07_fix_lists_the_hosts_addresses_in_place_of_the_mx_term() -> None:
    spf07 = _fanout("v=spf1 mx mx:bulk.example.test -all")
    ips = " ".join(f"ip4:192.0.2.{i}" for i in range(1, 12))
    assert spf07.fix == f'example.test. TXT "v=spf1 mx {ips} -all"'
    assert "11 hosts" in spf07.summary and "kept up to date" in spf07.summary


def test_spf07_fix_keeps_the_terms_qualifier_and_both_families() -> None:
    spf07 = _fanout("v=spf1 mx ~mx:bulk.example.test -all", aaaa=True)
    assert "~ip4:192.0.2.1 ~ip4:192.0.2.2 " in spf07.fix
    assert "~ip4:192.0.2.11 ~ip6:2001:db8::1 -all" in spf07.fix


def test_spf07_offers_no_record_for_an_mx_term_with_a_prefix_length() -> None:
    # mx:bulk/24 authorises each host's /24, which a list of addresses does not say.
    spf07 = _fanout("v=spf1 mx mx:bulk.example.test/24 -all")
    assert spf07.fix == ""
