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
