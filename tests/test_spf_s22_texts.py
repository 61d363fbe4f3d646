"""SPF-05 and SPF-06 texts that give the one-line fix (follow-ups of blind round s22m).

SPF-05 names a DNS-querying term a receiver evaluates more than once (the same mechanism and
domain-spec listed twice in one record, with any qualifier, or the same include reached through
several records): RFC 7208 §4.6.4 counts every evaluation, though a copy never matches where the
first did not. The owner's own copies are dropped in the suggested record, and the text says
whether that alone brings the count within the limit. SPF-06 tells NXDOMAIN from NODATA, and
says that exists: asks for an A record only (§5.7) when its name holds a TXT (or AAAA) record.
Statuses are unchanged: only the words and the fix are new.
"""

from __future__ import annotations

import asyncio
from typing import Any

from checks import spf
from checks.config import CheckConfig
from checks.context import CheckContext
from checks.dns import DnsAnswer, normalize
from checks.findings import Finding, Status
from tests.test_spf import MX, D, FakeDns, published, run, scenario_zone


def one(found: list[Finding], check_id: str) -> Finding:
    [finding] = [f for f in found if f.id == check_id]
    return finding


def spf_run(record: str, zone: dict[Any, Any] | None = None) -> list[Finding]:
    return run(spf, D, {**MX, (D, "TXT"): [record], **(zone or {})})


def esp(name: str, subs: int) -> dict[Any, Any]:
    """A provider record at `name` including `subs` records of ranges: 1 + subs lookups."""
    parts = [f"_s{i}.{name}" for i in range(subs)]
    zone: dict[Any, Any] = {
        (name, "TXT"): ["v=spf1 " + " ".join(f"include:{p}" for p in parts) + " -all"]
    }
    for i, p in enumerate(parts):
        zone[(p, "TXT")] = [f"v=spf1 ip4:198.51.100.{i * 8}/29 -all"]
    return zone


def scenario(label: str) -> list[Finding]:
    from tests.lab.scenarios import load_scenarios

    [s] = [s for s in load_scenarios() if s.path.stem == f"s22m_{label}"]
    return run(spf, s.domain, scenario_zone(s))


# --------------------------------------------------------------------- SPF-05: duplicates


def test_dupinc_names_the_copy_and_offers_the_record_without_it() -> None:
    finding = one(scenario("dupinc"), "SPF-05")
    assert finding.status == Status.FAIL
    assert "11 DNS lookups" in finding.summary
    assert "include:_spf.s22mesp-b.test is listed twice in the SPF record" in finding.summary
    assert "3 lookups each" in finding.summary
    assert "Without the copy your record needs 8 DNS lookups, within the limit of 10" in (
        finding.summary
    )
    # The copy alone is the cure: no "replace includes with ranges" beside it.
    assert "Replace includes" not in finding.summary
    name, text = published(finding.fix)
    assert name == "s22m-dupinc.lab.test"
    assert text == (
        "v=spf1 mx a include:_spf.s22mesp-b.test include:s22mcrm-c.test "
        "a:relay.s22m-dupinc.lab.test -all"
    )
    assert finding.evidence["without_copies"]["lookups"] == 8
    assert finding.evidence["duplicates"] == [
        {
            "term": "include:_spf.s22mesp-b.test",
            "times": 2,
            "lookups_each": 3,
            "in": "s22m-dupinc.lab.test",
        }
    ]


def test_a_copy_with_another_qualifier_is_a_copy() -> None:
    zone = {**esp("big.example.net", 7), ("x.example.com", "A"): ["192.0.2.9"]}  # 8 + 2
    found = spf_run("v=spf1 include:big.example.net a:x.example.com ~a:X.example.com. -all", zone)
    finding = one(found, "SPF-05")
    assert finding.status == Status.WARN  # 10: unchanged
    assert "a:x.example.com is listed twice in the SPF record" in finding.summary
    assert "Without the copy your record needs 9 DNS lookups" in finding.summary
    assert published(finding.fix)[1] == "v=spf1 include:big.example.net a:x.example.com -all"


def test_different_cidr_lengths_are_different_questions() -> None:
    zone = {**esp("big.example.net", 7), ("x.example.com", "A"): ["192.0.2.9"]}
    found = spf_run("v=spf1 include:big.example.net a:x.example.com a:x.example.com/24 -all", zone)
    finding = one(found, "SPF-05")
    assert "listed twice" not in finding.summary
    assert finding.fix == ""


def test_a_copy_that_is_not_enough_keeps_the_general_advice() -> None:
    zone = {**esp("big.example.net", 8), **esp("two.example.net", 1)}
    found = spf_run(
        "v=spf1 include:big.example.net include:two.example.net include:two.example.net -all",
        zone,
    )
    finding = one(found, "SPF-05")
    assert finding.status == Status.FAIL
    assert "13 DNS lookups" in finding.summary
    assert "include:two.example.net is listed twice" in finding.summary
    assert "Without the copy your record needs 11 DNS lookups, still over 10." in finding.summary
    assert "Replace includes with ip4/ip6 ranges" in finding.summary
    assert finding.fix == ""


def test_a_copy_in_a_providers_record_is_theirs_to_remove() -> None:
    zone = {
        **esp("big.example.net", 6),
        ("_a.esp.example.org", "TXT"): ["v=spf1 ip4:203.0.113.64/28 -all"],
        ("_spf.esp.example.org", "TXT"): [
            "v=spf1 include:_a.esp.example.org include:_a.esp.example.org -all"
        ],
    }
    found = spf_run("v=spf1 include:big.example.net include:_spf.esp.example.org -all", zone)
    finding = one(found, "SPF-05")
    assert finding.status == Status.WARN  # 7 + 3
    assert (
        "include:_a.esp.example.org is listed twice in the SPF record of _spf.esp.example.org "
        "(reached through include)" in finding.summary
    )
    assert "Only that record's owner can remove the copy." in finding.summary
    assert finding.fix == ""


def test_an_include_reached_through_two_providers_is_named_not_fixed() -> None:
    zone = {
        **esp("shared.example.net", 4),  # 5 each time
        ("a.example.org", "TXT"): ["v=spf1 include:shared.example.net -all"],
        ("b.example.org", "TXT"): ["v=spf1 include:shared.example.net -all"],
    }
    found = spf_run("v=spf1 include:a.example.org include:b.example.org -all", zone)
    finding = one(found, "SPF-05")
    assert finding.status == Status.FAIL  # (1 + 5) * 2
    assert (
        "shared.example.net is reached twice, through the records of a.example.org and "
        "b.example.org" in finding.summary
    )
    assert "only their owners can change them" in finding.summary
    assert "Replace includes" in finding.summary
    assert finding.fix == ""


def test_the_owners_direct_copy_of_an_include_a_provider_already_makes_can_go() -> None:
    zone = {
        **esp("shared.example.net", 3),
        **esp("big.example.net", 2),
        ("a.example.org", "TXT"): ["v=spf1 ip4:203.0.113.0/28 include:shared.example.net -all"],
    }
    record = "v=spf1 include:shared.example.net include:a.example.org include:big.example.net -all"
    finding = one(spf_run(record, zone), "SPF-05")
    assert finding.status == Status.FAIL  # 4 + 5 + 3 = 12
    assert (
        "shared.example.net is reached twice, through your record and the record of "
        "a.example.org" in finding.summary
    )
    assert (
        "Your record's own include:shared.example.net can go: your include:a.example.org "
        "already reaches it." in finding.summary
    )
    assert "Without the copy your record needs 8 DNS lookups, within the limit" in finding.summary
    assert published(finding.fix)[1] == "v=spf1 include:a.example.org include:big.example.net -all"


def test_no_direct_copy_is_dropped_when_the_provider_could_fail_those_senders_first() -> None:
    zone = {
        **esp("shared.example.net", 3),
        **esp("big.example.net", 2),
        ("a.example.org", "TXT"): ["v=spf1 -ip4:198.51.100.0/24 include:shared.example.net -all"],
    }
    record = "v=spf1 include:shared.example.net include:a.example.org include:big.example.net -all"
    finding = one(spf_run(record, zone), "SPF-05")
    assert finding.status == Status.FAIL
    assert "shared.example.net is reached twice" in finding.summary
    assert "can go" not in finding.summary
    assert "Removing one of the includes that reach it saves those lookups." in finding.summary
    assert finding.fix == ""


def test_no_duplicate_words_within_the_limit() -> None:
    zone = esp("two.example.net", 1)
    finding = one(
        spf_run("v=spf1 include:two.example.net include:two.example.net -all", zone), "SPF-05"
    )
    assert finding.status == Status.PASS
    assert "twice" not in finding.summary


# ------------------------------------------------------------------ SPF-06: void lookups


class CnameDns(FakeDns):
    """FakeDns whose names in `dangling` are CNAMEs to a name that does not exist."""

    def __init__(self, zone: dict[Any, Any], dangling: dict[str, str]) -> None:
        super().__init__(zone)
        self.dangling = dangling

    async def query(self, name: str, rdtype: str, **kw: Any) -> DnsAnswer:
        target = self.dangling.get(normalize(name))
        if target is not None and rdtype != "CNAME":
            return DnsAnswer(normalize(name), rdtype, "NXDOMAIN", cnames=[target])
        return await super().query(name, rdtype, **kw)


def test_existstxt_tells_nodata_from_nxdomain_and_asks_for_an_a_record() -> None:
    finding = one(scenario("existstxt"), "SPF-06")
    assert finding.status == Status.FAIL
    d = "s22m-existstxt.lab.test"
    s = finding.summary
    assert s.startswith("3 names used by the SPF record come back empty (void lookups): ")
    assert (
        f"ok1.flags.{d} and ok2.flags.{d} exist but have no A record (NODATA; they have TXT "
        "records)" in s
    )
    assert f"relay-old.{d} does not exist (NXDOMAIN)" in s
    assert "An exists: mechanism matches only when its name has an A record" in s
    assert "(RFC 7208 §5.7)" in s
    assert f"Publish an A record at ok1.flags.{d} and ok2.flags.{d}" in s
    assert "or remove the exists: mechanisms if stale" in s
    assert f"Remove the stale entry for relay-old.{d}." in s
    assert "do not exist or have no addresses" not in s


def test_an_exists_name_with_only_an_aaaa_record() -> None:
    zone = {("flag.example.com", "AAAA"): ["2001:db8::2"]}
    finding = one(spf_run("v=spf1 mx exists:flag.example.com -all", zone), "SPF-06")
    assert finding.status == Status.WARN
    assert "flag.example.com exists but has no A record (NODATA; it has an AAAA record)" in (
        finding.summary
    )
    assert "whatever the sender's address family" in finding.summary
    assert "Remove the stale" not in finding.summary


def test_an_a_name_without_addresses_is_nodata_and_a_gone_one_nxdomain() -> None:
    zone = {("web.example.com", "MX"): ["10 mx1.example.com."]}
    record = "v=spf1 a:web.example.com a:gone.example.com -all"
    finding = one(spf_run(record, zone), "SPF-06")
    assert finding.status == Status.WARN
    assert "web.example.com exists but has no A or AAAA record (NODATA)" in finding.summary
    assert "gone.example.com does not exist (NXDOMAIN)" in finding.summary
    assert finding.summary.endswith("Remove the stale entries.")
    assert "exists:" not in finding.summary


def test_a_dangling_cname_names_its_target() -> None:
    zone = {**MX, (D, "TXT"): ["v=spf1 mx a:relay.example.com -all"]}
    dns = CnameDns(zone, {"relay.example.com": "vm-1.cloud.example.net"})
    ctx = CheckContext(D, CheckConfig(extra_public_suffixes=("test",)), dns=dns)  # type: ignore[arg-type]
    finding = one(asyncio.run(spf.evaluate(ctx)), "SPF-06")
    assert finding.status == Status.WARN
    assert (
        "relay.example.com is an alias (CNAME) of vm-1.cloud.example.net, which does not exist "
        "(NXDOMAIN)" in finding.summary
    )


class SlowDns(FakeDns):
    """FakeDns answering every question about the names in `slow` a moment later."""

    def __init__(self, zone: dict[Any, Any], slow: set[str]) -> None:
        super().__init__(zone)
        self.slow = slow

    async def query(self, name: str, rdtype: str, **kw: Any) -> DnsAnswer:
        if normalize(name) in self.slow:
            await asyncio.sleep(0.05)
        return await super().query(name, rdtype, **kw)


def test_void_names_are_named_in_record_order_whatever_answers_first() -> None:
    # The lab found ok2 named before ok1 on some runs: the lookups finish in any order.
    names = [f"ok{i}.flags.example.com" for i in (1, 2, 3)]
    zone = {
        **MX,
        (D, "TXT"): ["v=spf1 mx " + " ".join(f"exists:{n}" for n in names) + " -all"],
        **{(n, "TXT"): ["1"] for n in names},
    }
    dns = SlowDns(zone, {names[0]})
    ctx = CheckContext(D, CheckConfig(extra_public_suffixes=("test",)), dns=dns)  # type: ignore[arg-type]
    finding = one(asyncio.run(spf.evaluate(ctx)), "SPF-06")
    listed = f"{names[0]}, {names[1]} and {names[2]}"
    assert f"{listed} exist but have no A record (NODATA; they have TXT records)" in (
        finding.summary
    )
    assert f"Publish an A record at {listed}" in finding.summary
    assert finding.evidence["void_lookups"] == names
