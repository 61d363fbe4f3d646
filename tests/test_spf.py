"""SPF: parser units, hypothesis robustness, and evaluator runs against a fake resolver."""

from __future__ import annotations

import asyncio
import copy
import re
from typing import Any

import dns.rdata
import dns.rdataclass
import dns.rdatatype
from hypothesis import given, settings
from hypothesis import strategies as st

from checks import spf
from checks.config import CheckConfig
from checks.context import CheckContext
from checks.dns import DnsAnswer, normalize
from checks.findings import Finding, Status

# ---------------------------------------------------------------------------------------------
# A fake resolver shared by the SPF, DKIM, DMARC and BIMI tests.

Zone = dict[tuple[str, str], Any]


class FakeDns:
    """Answers from a dict: (name, type) -> list of record texts, or an rcode string.

    TXT values are lists whose items are either one string or a list of character-strings (to
    test concatenation). Missing names are NXDOMAIN unless another type exists there (NODATA).
    """

    def __init__(self, zone: Zone) -> None:
        self.zone = {(normalize(n), t.upper()): v for (n, t), v in zone.items()}
        self.asked: list[tuple[str, str]] = []

    async def query(
        self,
        name: str,
        rdtype: str,
        *,
        cd: bool = False,
        want_dnssec: bool = False,  # the zone here carries no DNSSEC records either way
        fresh: bool = False,
    ) -> DnsAnswer:
        key = (normalize(name), rdtype.upper())
        self.asked.append(key)
        value = self.zone.get(key)
        if isinstance(value, str):
            return DnsAnswer(key[0], key[1], value)
        if value is None:
            exists = any(n == key[0] or n.endswith("." + key[0]) for n, _ in self.zone)
            return DnsAnswer(key[0], key[1], "NOERROR" if exists else "NXDOMAIN")
        records = []
        for item in value:
            if key[1] in ("TXT", "SPF"):
                parts = item if isinstance(item, list) else [item]
                # Like zone tools, split strings longer than the 255-octet limit.
                parts = [p[i : i + 255] for p in parts for i in range(0, max(len(p), 1), 255)]
                text = " ".join(
                    '"' + p.replace("\\", "\\\\").replace('"', '\\"') + '"' for p in parts
                )
            else:
                text = item
            records.append(
                dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.from_text(key[1]), text)
            )
        return DnsAnswer(key[0], key[1], "NOERROR", records=records, ttl=300)

    async def txt(self, name: str) -> DnsAnswer:
        return await self.query(name, "TXT")

    async def addresses(self, name: str) -> tuple[list[str], list[DnsAnswer]]:
        a, aaaa = await asyncio.gather(self.query(name, "A"), self.query(name, "AAAA"))
        return [r.to_text() for r in a.records + aaaa.records], [a, aaaa]


def make_ctx(domain: str, zone: Zone, **config: Any) -> CheckContext:
    config.setdefault("extra_public_suffixes", ("test", "lab.test"))
    cfg = CheckConfig(**config)
    return CheckContext(domain, cfg, dns=FakeDns(zone))  # type: ignore[arg-type]


def run(module: Any, domain: str, zone: Zone, **config: Any) -> list[Finding]:
    async def go() -> list[Finding]:
        return await module.evaluate(make_ctx(domain, zone, **config))

    return asyncio.run(go())


def flagged(findings: list[Finding]) -> dict[str, set[str]]:
    """{"fail": {ids}, "warn": {ids}, "error": {ids}} for asserting exact expectations."""
    out: dict[str, set[str]] = {"fail": set(), "warn": set(), "error": set()}
    for f in findings:
        if str(f.status) in out:
            out[str(f.status)].add(f.id)
    return out


def statuses(findings: list[Finding], check_id: str) -> list[Status]:
    return [f.status for f in findings if f.id == check_id]


def published(fix: str) -> tuple[str, str]:
    """(owner name, record text) of a suggested `name. TXT "..."` line, read the way a zone
    file loader reads it: dnspython refuses a character-string over 255 octets, as panels do."""
    name, _, value = fix.partition(". TXT ")
    rdata = dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.TXT, value)
    return name, b"".join(rdata.strings).decode("utf-8")  # type: ignore[attr-defined]


# ---------------------------------------------------------------------------------------------
# Lab scenarios without the lab: the fixture zones of tests/lab/scenarios served by FakeDns.


# Zones read in this process, by scenario (held, so its id is not reused): tests/test_fix_texts.py's
# corpus (as its tests take their cases) and test_lab_scenarios_offline each read every
# scenario's zone (about 3 s of CPU, 40 % of that test). Each caller gets its own copy.
_zones: dict[int, tuple[Any, Zone]] = {}


def scenario_zone(scenario: Any) -> Zone:
    """Turn a scenario's zone-file lines into FakeDns entries (templated TLSA lines skipped)."""
    read = _zones.get(id(scenario))
    if read is None or read[0] is not scenario:
        read = _zones[id(scenario)] = (scenario, _read_zone(scenario))
    return copy.deepcopy(read[1])


def _read_zone(scenario: Any) -> Zone:
    import dns.zone

    zone: dict[tuple[str, str], list[str]] = {}

    def load(origin: str, lines: tuple[str, ...]) -> None:
        # Only TLSA placeholders are templated; SPF macros such as %{q} are record text.
        text = "\n".join(line for line in lines if "{tlsa_" not in line)
        parsed = dns.zone.from_text(
            f"$ORIGIN {origin}.\n$TTL 300\n@ SOA ns. h. 1 2 3 4 5\n@ NS ns.\n{text}\n",
            origin=origin,
            relativize=False,
            check_origin=False,
        )
        for name, node in parsed.nodes.items():
            for rdataset in node.rdatasets:
                rtype = dns.rdatatype.to_text(rdataset.rdtype)
                if rtype in ("SOA", "NS"):
                    continue
                key = (normalize(name.to_text()), rtype)
                for rdata in rdataset:
                    # SPF (type 99) has TXT's rdata: its strings, not their quoted text, or
                    # FakeDns quotes them again (s25g-spf99only's SPF-14 fix read '"v=spf1 …"').
                    if rtype in ("TXT", "SPF"):
                        zone.setdefault(key, []).append(  # type: ignore[arg-type]
                            [s.decode("utf-8", "replace") for s in rdata.strings]
                        )
                    else:
                        zone.setdefault(key, []).append(rdata.to_text())

    load(scenario.domain, scenario.records)
    for origin, lines in scenario.other_zones.items():
        load(origin, lines)
    return zone  # type: ignore[return-value]


def scenario_bodies(scenario: Any) -> dict[str, tuple[int, bytes]]:
    """https://host/path -> (status, body), for faking the logo and mark certificate
    fetches: a file the lab serves with another status (a 301, a 404) is answered with it."""
    from tests.lab.pki import LabPKI, served_body

    pki: LabPKI | None = None  # mints the mark certificates (generated = "vmc") the lab serves
    bodies: dict[str, tuple[int, bytes]] = {}
    for host in scenario.https:
        for served in getattr(host, "files", ()):
            body = getattr(served, "body", None)
            if body is not None:
                # Four CA keys and certificates: made only for a scenario serving a minted
                # certificate (a fresh one per scenario, as before), not for all 1,270.
                if pki is None and served.generated:
                    pki = LabPKI()
                # Without a minted file, served_body would return the body as written.
                data = served_body(pki, scenario, host, served) if pki else body
                status = served.status
                bodies[f"https://{host.host}{served.path}"] = (status, data)
    return bodies


def _scenarios() -> list[Any]:
    try:
        from tests.lab.scenarios import load_scenarios
    except ImportError:
        return []
    return load_scenarios()


OWN_PREFIXES = ("SPF-", "DKIM-", "DMARC-", "BIMI-")


def test_scenario_zone_roundtrip() -> None:
    scenarios = {s.domain: s for s in _scenarios()}
    if "f39d.lab.test" not in scenarios:
        return
    zone = scenario_zone(scenarios["f39d.lab.test"])
    assert zone[("f39d.lab.test", "TXT")] == [["v=spf1 ip4:127.0.60.1", "ip4:127.0.60.2 -all"]]


def _scenario_findings(scenario: Any, parents: tuple[Any, ...] = ()) -> list[Finding]:
    """`parents`: the scenarios whose domains are above this one's. The lab serves their zones
    too, and DMARC's and BIMI's fallbacks to the Organizational Domain read them (s40j-news:
    the brand's BIMI record); the scenario's own names and files come first."""
    from unittest import mock

    from checks import bimi, dkim, dmarc, https
    from checks.https import HttpsResult

    zone = scenario_zone(scenario)
    bodies = scenario_bodies(scenario)
    for parent in parents:
        for key, value in scenario_zone(parent).items():
            zone.setdefault(key, value)
        for url, served in scenario_bodies(parent).items():
            bodies.setdefault(url, served)

    async def fake_fetch(ctx: Any, url: str, *, max_bytes: int = 65536, timeout: Any = None):
        if url in bodies:
            status, body = bodies[url]
            return HttpsResult(url=url, status=status, body=body[:max_bytes])
        return HttpsResult(url=url, status=404)

    async def go() -> list[Finding]:
        ctx = make_ctx(scenario.domain, zone, dkim_selectors=tuple(scenario.selectors))
        found: list[Finding] = []
        with mock.patch.object(https, "fetch", fake_fetch):
            for module in (spf, dkim, dmarc, bimi):
                found += await module.evaluate(ctx)
        return found

    return asyncio.run(go())


BOGUS_FIXTURES = ("f48.lab.test", "f49.lab.test", "f50.lab.test")
_MX_TARGET = re.compile(r"\sMX\s+\d+\s+(\S+)\.$")  # an MX record's exchange, fully qualified


def _needs_real_resolver(scenario: Any, domains: set[str]) -> bool:
    """FakeDns follows no CNAME, cannot fail validation, cannot answer SERVFAIL for a lame
    delegation, synthesises no wildcard answer and serves one scenario's zone only, so
    scenarios with CNAMEs, bogus zones, NS delegations, wildcard owners or a sub-zone of their
    own (another scenario file), or an MX host in another scenario's zone (s29d-provinsec:
    its `mx` term has nothing to resolve offline), run only in the lab."""
    lines = [*scenario.records, *(r for rs in scenario.other_zones.values() for r in rs)]
    if any(domain.endswith("." + scenario.domain) for domain in domains):
        return True
    exchanges = [m.group(1).lower() for r in scenario.records if (m := _MX_TARGET.search(r))]
    if any(
        x == d or x.endswith("." + d)
        for x in exchanges
        for d in domains
        if d != scenario.domain and not scenario.domain.endswith("." + d)
    ):
        return True
    return any(
        " CNAME " in line
        or " NS " in line
        or line.startswith(("* ", "*."))  # the zone's wildcards (s22m-mxwild, s32l-wildmx)
        or any(z in line for z in BOGUS_FIXTURES)
        for line in lines
    )


def test_lab_scenarios_offline() -> None:
    """Every lab fixture, served by FakeDns: exactly the expected SPF/DKIM/DMARC/BIMI findings
    at warn/fail and no errors. The same fixtures run against the real lab in test_lab_*."""
    problems = []
    scenarios = _scenarios()
    domains = {scenario.domain for scenario in scenarios}
    by_domain = {scenario.domain: scenario for scenario in scenarios}
    for scenario in scenarios:
        parents = tuple(s for d, s in by_domain.items() if scenario.domain.endswith("." + d))
        findings = _scenario_findings(scenario, parents)
        got = flagged(findings)
        want_fail = {i for i in scenario.expect_fail if i.startswith(OWN_PREFIXES)}
        want_warn = {i for i in scenario.expect_warn if i.startswith(OWN_PREFIXES)}
        if scenario.dnssec in ("expired-signatures", "tampered", "ds-mismatch"):
            continue  # needs a validating resolver: only meaningful against the lab
        if _needs_real_resolver(scenario, domains):
            continue
        if scenario.domain.startswith("s16o-"):
            continue  # partial outages (REFUSED, lame, dead name servers): only the lab has them
        if got["fail"] != want_fail or got["warn"] != want_warn or got["error"]:
            problems.append((scenario.domain, got, want_fail, want_warn))
    assert not problems


# ---------------------------------------------------------------------------------------------
# Parser units


def problems_of(record: str) -> set[str]:
    return {p.check_id for p in spf.parse_spf(record).problems}


def test_valid_records_parse_cleanly() -> None:
    for record in (
        "v=spf1 -all",
        "v=spf1",
        "V=SPF1 MX -ALL",
        "v=spf1 mx ip4:192.0.2.0/28 ip6:2001:db8:1::/64 -all",
        "v=spf1 a a:mail.example.com/24 a/24//64 mx:example.com//48 ~all",
        "v=spf1 include:_spf.google.com ?all",
        "v=spf1 exists:%{ir}.%{l1r+-}._spf.%{d} -all",
        "v=spf1 redirect=_spf.example.com",
        "v=spf1 -all exp=explain._spf.%{d}",
        "v=spf1 ip4:192.0.2.1 unknown-mod=x%%y -all  ",
    ):
        parsed = spf.parse_spf(record)
        assert not parsed.permerror, (record, parsed.problems)


def test_syntax_errors() -> None:
    assert "SPF-04" in problems_of("v=spf1 ip4:192.0.2.0/33 -all")
    assert "SPF-04" in problems_of("v=spf1 ip6:2001:db8::/129 -all")
    assert "SPF-04" in problems_of("v=spf1 include=_spf.example.net -all")
    assert "SPF-04" in problems_of("v=spf1 a:mail..example.com -all")
    assert "SPF-04" in problems_of("v=spf1 ip4:192.0.2.300 -all")
    assert "SPF-04" in problems_of("v=spf1 include:localhost -all")
    assert "SPF-04" in problems_of("v=spf1 foo:bar -all")
    assert "SPF-04" in problems_of("v=spf1 all:x")
    assert "SPF-04" in problems_of("v=spf1 ip4:192.0.2.1/024 -all")
    assert "SPF-16" in problems_of("v=spf1 exists:%{q}.spf.example.com -all")
    assert "SPF-16" in problems_of("v=spf1 exists:%{c}.example.com -all")
    assert "SPF-16" in problems_of("v=spf1 exists:%{d0}.example.com -all")
    assert "SPF-16" in problems_of("v=spf1 a:%x.example.com -all")
    assert "SPF-12" in problems_of("v=spf1 redirect=a.example redirect=b.example")
    assert "SPF-15" in problems_of("v=spf1 include:_spf.exämple.com -all")
    assert "SPF-02" in problems_of("v=spf1;include:_spf.example.net -all")
    assert "SPF-02" in problems_of("v=spf10 -all")


def test_warnings_and_ignored_terms() -> None:
    assert "SPF-11" in problems_of("v=spf1 ptr -all")
    assert "SPF-19" in problems_of("v=spf1 ip4:0.0.0.0/1 -all")
    assert "SPF-19" in problems_of("v=spf1 ip6:2000::/3 -all")
    assert "SPF-19" not in problems_of("v=spf1 ip4:192.0.2.0/24 -all")
    parsed = spf.parse_spf("v=spf1 -all include:_spf.example.net")
    assert [t.text for t in parsed.ignored] == ["include:_spf.example.net"]
    assert parsed.lookup_terms == []
    parsed = spf.parse_spf("v=spf1 mx ~all redirect=_spf.example.com")
    assert [t.text for t in parsed.ignored] == ["redirect=_spf.example.com"]


def test_selection_and_fusion() -> None:
    assert spf.is_spf_record("v=spf1")
    assert spf.is_spf_record("v=spf1 -all")
    assert not spf.is_spf_record("v=spf10 -all")
    assert not spf.is_spf_record("v=spf1;-all")
    assert spf.fused_boundary([b"v=spf1 ip4:192.0.2.1", b"ip4:192.0.2.2 -all"]) == (
        "ip4:192.0.2.1ip4:192.0.2.2"
    )
    assert spf.fused_boundary([b"v=spf1 ip4:192.0.2.1 ", b"ip4:192.0.2.2 -all"]) is None
    # A split in the middle of a term is fine when the joined term is valid.
    assert spf.fused_boundary([b"v=spf1 include:_spf.goo", b"gle.com -all"]) is None


def test_corrected_record() -> None:
    assert spf.corrected_record(spf.parse_spf("v=spf1 mx +all")) == "v=spf1 mx -all"
    assert spf.corrected_record(spf.parse_spf("v=spf1 mx")) == "v=spf1 mx -all"
    assert (
        spf.corrected_record(spf.parse_spf("v=spf1 a redirect=_spf.example.com"))
        == "v=spf1 a include:_spf.example.com -all"
    )


@settings(max_examples=400, deadline=None)
@given(st.text())
def test_parse_never_raises_on_text(text: str) -> None:
    spf.parse_spf(text)
    spf.parse_spf("v=spf1 " + text)
    spf.is_spf_record(text)


@settings(max_examples=300, deadline=None)
@given(st.binary(), st.binary())
def test_parse_never_raises_on_bytes(a: bytes, b: bytes) -> None:
    spf.parse_spf(a.decode("utf-8", errors="replace"))
    spf.parse_spf(b"v=spf1 ".decode() + a.decode("latin-1"))
    spf.fused_boundary([b"v=spf1 " + a, b])


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.sampled_from(
                [
                    "mx",
                    "a",
                    "-all",
                    "~all",
                    "+all",
                    "ptr",
                    "ip4:192.0.2.0/24",
                    "include:x.example",
                    "redirect=y.example",
                    "exp=z.example",
                    "a/33",
                    "%{d}",
                    "ip6:::1/129",
                    "a:%{i}.x",
                ]
            ),
            st.text(alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E), max_size=20),
        ),
        max_size=12,
    )
)
def test_parse_never_raises_on_term_soup(terms: list[str]) -> None:
    parsed = spf.parse_spf(" ".join(["v=spf1", *terms]))
    spf.corrected_record(parsed)
    _ = parsed.lookup_terms


# ---------------------------------------------------------------------------------------------
# Evaluator against the fake resolver

D = "example.com"
MX = {(D, "MX"): ["10 mx1.example.com."], ("mx1.example.com", "A"): ["192.0.2.1"]}


def spf_run(record: Any, **extra: Any) -> list[Finding]:
    zone: dict[Any, Any] = {**MX, (D, "TXT"): record if isinstance(record, list) else [record]}
    zone.update(extra.pop("zone", {}))
    return run(spf, D, zone, **extra)


def test_f37_worst_case_count() -> None:
    zone: dict[Any, Any] = {
        ("_1.example.com", "TXT"): [
            "v=spf1 include:_4.example.com include:_5.example.com include:_6.example.com -all"
        ],
        ("_2.example.com", "TXT"): ["v=spf1 include:_7.example.com include:_8.example.com -all"],
        ("_3.example.com", "TXT"): [
            "v=spf1 include:_9.example.com include:_10.example.com include:_11.example.com -all"
        ],
    }
    for i in range(4, 12):
        zone[(f"_{i}.example.com", "TXT")] = ["v=spf1 ip4:192.0.2.37 -all"]
    record = "v=spf1 include:_1.example.com include:_2.example.com include:_3.example.com -all"
    found = spf_run(record, zone=zone)
    assert flagged(found) == {"fail": {"SPF-05"}, "warn": set(), "error": set()}
    evidence = next(f.evidence for f in found if f.id == "SPF-05")
    assert evidence["lookups"] == 11
    assert evidence["per_branch"] == {"_1.example.com": 4, "_2.example.com": 3, "_3.example.com": 4}
    del zone[("_11.example.com", "TXT")]
    zone[("_3.example.com", "TXT")] = ["v=spf1 include:_9.example.com include:_10.example.com -all"]
    assert flagged(spf_run(record, zone=zone))["warn"] == {"SPF-05"}


def test_void_lookups_and_missing_include() -> None:
    found = spf_run("v=spf1 a:gone1.example.com a:gone2.example.com a:gone3.example.com -all")
    assert flagged(found) == {"fail": {"SPF-06"}, "warn": set(), "error": set()}
    found = spf_run("v=spf1 a:gone1.example.com -all")
    assert flagged(found)["warn"] == {"SPF-06"}
    found = spf_run("v=spf1 include:gone.example.net -all")
    assert flagged(found) == {"fail": {"SPF-08"}, "warn": set(), "error": set()}
    # The vanished include is a void lookup (RFC 7208 §4.6.4): no "every name exists" pass.
    assert statuses(found, "SPF-06") == []
    found = spf_run("v=spf1 redirect=gone.example.net")
    assert "SPF-08" in flagged(found)["fail"]
    assert statuses(found, "SPF-06") == []
    # A target that exists but publishes no SPF is SPF-08's alone; the name itself exists.
    found = spf_run(
        "v=spf1 include:other.example.net -all",
        zone={("other.example.net", "TXT"): ["google-site-verification=x"]},
    )
    assert statuses(found, "SPF-06") == [Status.PASS]


def test_record_variants() -> None:
    assert flagged(spf_run(["v=spf1 mx -all", "v=spf1 a -all"]))["fail"] == {"SPF-01"}
    plus = spf_run("v=spf1 mx +all")
    assert flagged(plus)["fail"] == {"SPF-09"}
    assert next(f.fix for f in plus if f.id == "SPF-09") == 'example.com. TXT "v=spf1 mx -all"'
    assert flagged(spf_run("v=spf1 mx"))["warn"] == {"SPF-09"}
    assert flagged(spf_run("v=spf1 mx ?all"))["warn"] == {"SPF-09"}
    assert statuses(spf_run("v=spf1 mx ~all"), "SPF-09") == [Status.INFO]
    fused = spf_run([["v=spf1 ip4:192.0.2.1", "ip4:192.0.2.2 -all"]])
    assert flagged(fused) == {"fail": {"SPF-03"}, "warn": set(), "error": set()}
    assert flagged(spf_run("v=spf1 ptr -all"))["warn"] == {"SPF-11"}
    assert flagged(spf_run("v=spf1 mx -all redirect=_spf.example.com"))["warn"] == {"SPF-10"}
    assert flagged(spf_run("v=spf1 ip4:192.0.2.0/33 -all"))["fail"] == {"SPF-04"}


def test_redirect_terminal_and_mx_fanout() -> None:
    zone = {("_spf.example.com", "TXT"): ["v=spf1 ip4:192.0.2.0/24 +all"]}
    found = spf_run("v=spf1 redirect=_spf.example.com", zone=zone)
    assert flagged(found)["fail"] == {"SPF-09"}
    many = {("big.example.com", "MX"): [f"{i} mx{i}.example.com." for i in range(11)]}
    for i in range(11):
        many[(f"mx{i}.example.com", "A")] = ["192.0.2.9"]
    assert "SPF-07" in flagged(spf_run("v=spf1 mx:big.example.com -all", zone=many))["fail"]


def test_loop_is_a_lookup_overflow() -> None:
    zone = {("a.example.com", "TXT"): ["v=spf1 include:example.com -all"]}
    found = spf_run("v=spf1 include:a.example.com -all", zone=zone)
    assert flagged(found)["fail"] == {"SPF-05"}


def test_dns_failure_is_error_not_absent() -> None:
    found = run(spf, D, {**MX, (D, "TXT"): "SERVFAIL"})
    assert [(f.id, f.status) for f in found] == [
        ("SPF-01", Status.ERROR),
        ("SPF-20", Status.ERROR),
    ]
    found = spf_run(
        "v=spf1 include:broken.example.net -all", zone={("broken.example.net", "TXT"): "TIMEOUT"}
    )
    # The include's subtree is unknown: lookup count, void names and "publishes SPF" are
    # could-not-check, never pass.
    assert flagged(found) == {
        "fail": set(),
        "warn": set(),
        "error": {"SPF-05", "SPF-06", "SPF-08", "SPF-20"},
    }
    assert not [f for f in found if f.status == Status.PASS and f.id in ("SPF-05", "SPF-08")]


def test_temperror_in_tree_is_not_a_pass() -> None:
    found = spf_run(
        "v=spf1 redirect=broken.example.net", zone={("broken.example.net", "TXT"): "SERVFAIL"}
    )
    for check_id in ("SPF-05", "SPF-06", "SPF-08"):
        assert statuses(found, check_id) == [Status.ERROR], check_id
    # A failed address lookup leaves the void count unknown, while the lookup count is known.
    found = spf_run("v=spf1 a:x.example.net -all", zone={("x.example.net", "A"): "SERVFAIL"})
    assert statuses(found, "SPF-05") == [Status.PASS]
    assert statuses(found, "SPF-06") == [Status.ERROR]


def test_no_record_mail_and_parked() -> None:
    found = run(spf, D, {**MX, (D, "TXT"): ["google-site-verification=x"]})
    assert statuses(found, "SPF-01") == [Status.WARN]
    assert next(f.fix for f in found if f.id == "SPF-01") == 'example.com. TXT "v=spf1 mx ~all"'
    parked = run(spf, D, {(D, "MX"): ["0 ."], (D, "A"): ["192.0.2.1"]})
    assert statuses(parked, "SPF-18") == [Status.INFO]
    assert "v=spf1 -all" in next(f.fix for f in parked if f.id == "SPF-18")
    assert flagged(parked) == {"fail": set(), "warn": set(), "error": set()}


def test_size_and_type99() -> None:
    big = ["v=spf1 mx -all"] + [f"verification-token-{i}=" + "x" * 60 for i in range(8)]
    assert "SPF-13" in flagged(spf_run(big))["warn"]
    only99 = run(spf, D, {**MX, (D, "SPF"): ['"v=spf1 mx -all"'], (D, "TXT"): ["other"]})
    assert "SPF-14" in flagged(only99)["fail"]


def test_get_record_is_memoised() -> None:
    async def go() -> None:
        ctx = make_ctx(D, {(D, "TXT"): ["v=spf1 -all"]})
        first, second = await asyncio.gather(spf.get_record(ctx), spf.get_record(ctx))
        assert first is second and first.record == "v=spf1 -all"
        assert ctx.dns.asked.count((D, "TXT")) == 1  # type: ignore[attr-defined]

    asyncio.run(go())


def test_an_include_of_a_record_ending_plus_all_opens_the_record() -> None:
    # RFC 7208 §5.2: include matches on the included record's pass, which '+all' gives everyone.
    zone = {
        ("_spf.vendor.example", "TXT"): ["v=spf1 ip4:192.0.2.0/24 +all"],
        ("_spf.example.com", "TXT"): ["v=spf1 include:_spf.vendor.example -all"],
    }
    direct = spf_run("v=spf1 include:_spf.vendor.example -all", zone=zone)
    assert flagged(direct)["fail"] == {"SPF-09"}
    nested = spf_run("v=spf1 include:_spf.example.com -all", zone=zone)
    assert "_spf.example.com → _spf.vendor.example" in next(
        f.summary for f in nested if f.id == "SPF-09"
    )
    # A '-include' of it fails everyone instead; an include after 'all' is never evaluated.
    assert statuses(spf_run("v=spf1 -include:_spf.vendor.example -all", zone=zone), "SPF-09") == [
        Status.PASS
    ]
    ignored = spf_run("v=spf1 mx -all include:_spf.vendor.example", zone=zone)
    assert statuses(ignored, "SPF-09") == [Status.PASS]


def test_a_providers_advisories_are_info_and_the_owners_stay_warnings() -> None:
    # SPF-11/19 are advice on how a record is written: the owner cannot rewrite Microsoft's
    # include (real record: /15 ranges), so it must not cost SPF score; their own records can.
    zone = {
        ("spf.protection.outlook.com", "TXT"): [
            "v=spf1 ip4:40.92.0.0/15 ip4:40.107.0.0/16 ip4:52.100.0.0/15 ip4:104.47.0.0/17 "
            "ip6:2a01:111:f400::/48 include:spfd.protection.outlook.com -all"
        ],
        ("spfd.protection.outlook.com", "TXT"): ["v=spf1 ip4:51.4.72.0/24 -all"],
        ("legacy-esp.example.net", "TXT"): ["v=spf1 ptr ip4:198.51.100.0/24 -all"],
        ("_spf.example.com", "TXT"): ["v=spf1 ptr ip4:10.0.0.0/8 -all"],
    }
    found = spf_run(
        "v=spf1 include:spf.protection.outlook.com include:legacy-esp.example.net -all", zone=zone
    )
    assert flagged(found) == {"fail": set(), "warn": set(), "error": set()}
    provider = [f for f in found if f.id == "SPF-19"]
    assert [(f.status, f.subject) for f in provider] == [
        (Status.INFO, "spf.protection.outlook.com")
    ]
    assert provider[0].evidence["terms"] == ["ip4:40.92.0.0/15", "ip4:52.100.0.0/15"]
    assert provider[0].evidence["provider_record"].startswith("v=spf1 ip4:40.92.0.0/15")
    assert statuses(found, "SPF-11") == [Status.INFO]
    # An include under the owner's own organisational domain is theirs to fix, as is the record.
    own = spf_run("v=spf1 include:_spf.example.com -all", zone=zone)
    assert flagged(own)["warn"] == {"SPF-11", "SPF-19"}
    assert {f.subject for f in own if f.id in ("SPF-11", "SPF-19")} == {"_spf.example.com"}
    assert flagged(spf_run("v=spf1 ip4:10.0.0.0/8 -all"))["warn"] == {"SPF-19"}


def test_suggested_txt_values_are_split_into_255_octet_strings() -> None:
    # RFC 1035 §3.3: zone files and DNS panels refuse longer strings; receivers join the
    # strings without a separator, so a split anywhere keeps the record (RFC 7208 §3.3).
    from checks.dns import txt_fix

    value = "v=spf1 " + " ".join(f"include:_spf{i}.é.example" for i in range(30)) + " -all"
    fix = txt_fix("example.com", value)
    assert published(fix) == ("example.com", value)
    strings = re.findall(r'"((?:[^"\\]|\\.)*)"', fix)
    assert len(strings) > 1 and all(len(s.encode()) <= 255 for s in strings)
    assert txt_fix("x.example", 'a"b\\c') == 'x.example. TXT "a\\"b\\\\c"'


def test_a_mistyped_version_keeps_the_first_mechanism() -> None:
    # The fix replaced "v=spf1include:_spf.google.com" whole, suggesting "v=spf1 ~all": a record
    # that authorises nobody. Only the version token is wrong; the mechanism glued to it stays.
    google = {("_spf.google.com", "TXT"): ["v=spf1 ip4:192.0.2.0/24 ~all"]}
    expected = 'example.com. TXT "v=spf1 include:_spf.google.com ~all"'
    for record in (
        "v=spf1include:_spf.google.com ~all",
        "v=spf1,include:_spf.google.com ~all",
        "v=spf1;include:_spf.google.com ~all",
        "v=spf1\tinclude:_spf.google.com ~all",
        "v=spf10 include:_spf.google.com ~all",
    ):
        found = spf_run(record, zone=google)
        assert flagged(found)["fail"] == {"SPF-02"}, record
        assert next(f.fix for f in found if f.id == "SPF-02") == expected, record
    assert spf.repaired_version("v=spf1-all") == "v=spf1 -all"


def test_a_first_record_names_the_mailbox_provider_and_soft_fails() -> None:
    # "v=spf1 mx -all" for a domain hosted at Google authorised Google's inbound servers, not
    # the ones that send the domain's mail, and -all hard-failed that real mail.
    def first(mx: list[str]) -> Finding:
        zone = {(D, "MX"): mx, (D, "TXT"): ["google-site-verification=x"]}
        (finding,) = [f for f in run(spf, D, zone) if f.id == "SPF-01"]
        assert finding.status == Status.WARN
        return finding

    google = first(["1 aspmx.l.google.com.", "5 alt1.aspmx.l.google.com."])
    assert google.fix == 'example.com. TXT "v=spf1 include:_spf.google.com ~all"'
    assert "Google Workspace" in google.summary
    assert "every service that sends mail as example.com" in google.summary
    microsoft = first(["0 example-com.mail.protection.outlook.com."])
    assert microsoft.fix == 'example.com. TXT "v=spf1 include:spf.protection.outlook.com ~all"'
    own = first(["10 mx1.example.com."])
    assert own.fix == 'example.com. TXT "v=spf1 mx ~all"'
    assert "every service that sends mail as example.com" in own.summary
    mixed = first(["1 aspmx.l.google.com.", "20 backup.example.net."])
    assert mixed.fix == 'example.com. TXT "v=spf1 mx include:_spf.google.com ~all"'


def test_no_terminal_fix_that_spf05_would_fail() -> None:
    # The SPF-09 fix for a record needing 14 lookups needed 14 lookups too: offering it sent
    # the owner from one permanent error to the same one.
    zone: dict[Any, Any] = {}
    includes = []
    for i in range(6):
        zone[(f"_spf.p{i}.example.net", "TXT")] = [f"v=spf1 include:_a.p{i}.example.net ~all"]
        zone[(f"_a.p{i}.example.net", "TXT")] = [f"v=spf1 ip4:10.{i}.0.0/16 ~all"]
        includes.append(f"include:_spf.p{i}.example.net")
    record = "v=spf1 mx " + " ".join(includes)
    for tail in (" ?all", " ~all", " ~all include:_spf.p0.example.net"):
        found = spf_run(record + tail, zone=zone)
        assert "SPF-05" in flagged(found)["fail"], tail
        for finding in found:
            if finding.id in ("SPF-09", "SPF-10"):
                assert finding.fix == "", (tail, finding.id)
                assert "Reduce the DNS lookups first (SPF-05)" in finding.summary
    # Within the limit the fix is offered as before.
    found = spf_run("v=spf1 mx " + " ".join(includes[:3]) + " ?all", zone=zone)
    assert next(f.fix for f in found if f.id == "SPF-09").endswith('-all"')


def test_two_records_get_one_merged_record() -> None:
    # SPF-01 said "Merge them into one record." and offered none.
    zone = {
        ("_spf.google.com", "TXT"): ["v=spf1 ip4:192.0.2.0/24 ~all"],
        ("spf.protection.outlook.com", "TXT"): ["v=spf1 ip4:198.51.100.0/24 -all"],
    }
    found = spf_run(
        [
            "v=spf1 mx include:_spf.google.com -all",
            "v=spf1 include:spf.protection.outlook.com +mx ~all",
        ],
        zone=zone,
    )
    (finding,) = [f for f in found if f.id == "SPF-01"]
    assert finding.status == Status.FAIL
    assert finding.fix == (
        'example.com. TXT "v=spf1 mx include:_spf.google.com include:spf.protection.outlook.com '
        '~all"'
    )
    both_strict = spf_run(["v=spf1 mx -all", "v=spf1 ip4:192.0.2.1 -all"])
    assert next(f.fix for f in both_strict if f.id == "SPF-01") == (
        'example.com. TXT "v=spf1 mx ip4:192.0.2.1 -all"'
    )
    # A merge needing more than 10 lookups would fail SPF-05: no record then, and why.
    many = {(f"_spf{i}.example.net", "TXT"): ["v=spf1 a mx -all"] for i in range(4)}
    over = spf_run(
        [
            "v=spf1 include:_spf0.example.net include:_spf1.example.net -all",
            "v=spf1 include:_spf2.example.net include:_spf3.example.net -all",
        ],
        zone=many,
    )
    (finding,) = [f for f in over if f.id == "SPF-01"]
    assert finding.fix == "" and "would need 12 DNS lookups" in finding.summary
