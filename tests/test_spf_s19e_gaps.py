"""SPF gaps the s19d blind round found (s19e), checked against the fake resolver.

v6onlyvoid: an `a` mechanism looks up the sending server's address family only (RFC 7208
§5.3), so a name with addresses of one family is a void lookup (§4.6.4) for senders of the
other; more than two are a permanent error for those senders. For IPv4 senders (every server
has IPv4) SPF-06 fails; for IPv6 senders, met by ordinary records of IPv4-only names, it is a
note. MX hosts of one family are not counted (they make no term void, and most MX hosts are
IPv4 only).

incfused: strings of an included record joined without a space into an invalid term are
SPF-03, pointing at the string boundary (they read SPF-04, "prefix length must be a number").

spfnodot / dmarcnodot: an SPF record at example.com.example.com or a DMARC record at
_dmarc.example.com.example.com (the owner written without its final dot) is found when the
domain has none, and the finding moves that record instead of proposing a new one.

ruanullmx: a DMARC report address whose domain publishes a null MX (RFC 7505) warns DMARC-12,
as TLSRPT-10 does for TLS-RPT: the reports are refused.
"""

from __future__ import annotations

import asyncio
from typing import Any

from checks import dmarc, spf
from checks.findings import Finding, Status
from tests.test_spf import MX, D, flagged, make_ctx, published, run, spf_run, statuses

NAMES = [f"out{i}.{D}" for i in (1, 2, 3)]
THREE_A = "v=spf1 " + " ".join(f"a:{n}" for n in NAMES)


def only(family: str, names: list[str]) -> dict[Any, Any]:
    """Each name with one address of `family` and nothing of the other."""
    if family == "IPv6":
        return {(n, "AAAA"): [f"2001:db8:141::{i}"] for i, n in enumerate(names, 1)}
    return {(n, "A"): [f"192.0.2.{i}"] for i, n in enumerate(names, 1)}


def one(found: list[Finding], check_id: str) -> Finding:
    [finding] = [f for f in found if f.id == check_id]
    return finding


def test_three_ipv6_only_a_names_are_a_permanent_error_for_ipv4_senders() -> None:
    found = spf_run(f"{THREE_A} -all", zone=only("IPv6", NAMES))
    assert flagged(found) == {"fail": {"SPF-06"}, "warn": set(), "error": set()}
    finding = one(found, "SPF-06")
    assert finding.summary.startswith("For mail from IPv4 servers, 3 names")
    assert all(n in finding.summary for n in NAMES)
    assert "IPv6 addresses only" in finding.summary
    assert "with ip6: instead of a:" in finding.summary
    assert finding.evidence["family"] == "IPv4"
    assert finding.evidence["void_lookups"] == NAMES


def test_three_ipv4_only_a_names_are_a_note_for_ipv6_senders() -> None:
    # IPv4-only names are the ordinary case: receivers that count per family return permerror
    # for IPv6 senders, which the owner is told, but the record is not scored as broken.
    found = spf_run(f"{THREE_A} -all", zone=only("IPv4", NAMES))
    assert flagged(found) == {"fail": set(), "warn": set(), "error": set()}
    note = [f for f in found if f.id == "SPF-06" and f.status == Status.INFO]
    assert len(note) == 1
    assert note[0].summary.startswith("For mail from IPv6 servers, 3 names")
    assert "with ip4: instead of a:" in note[0].summary
    assert "this is a note" in note[0].summary


def test_a_name_without_any_address_counts_for_both_families() -> None:
    zone = only("IPv6", NAMES[:2])  # out3 has no address at all
    finding = one(spf_run(f"{THREE_A} -all", zone=zone), "SPF-06")
    assert finding.status == Status.FAIL
    assert "For mail from IPv4 servers" in finding.summary
    assert f"and {NAMES[2]} has no address at all" in finding.summary


def test_two_one_family_names_stay_within_the_limit() -> None:
    # Two void lookups are allowed, and an IPv4-only `a` name is the ordinary case.
    found = spf_run(f"v=spf1 a:{NAMES[0]} a:{NAMES[1]} -all", zone=only("IPv4", NAMES[:2]))
    assert statuses(found, "SPF-06") == [Status.PASS]


def test_ipv4_only_mx_hosts_are_no_void_lookups_for_ipv6_senders() -> None:
    hosts = [f"mx{i}.{D}" for i in (1, 2, 3)]
    zone = {(D, "MX"): [f"{10 * i} {h}." for i, h in enumerate(hosts, 1)], **only("IPv4", hosts)}
    found = spf_run(f"v=spf1 mx a:{NAMES[0]} -all", zone={**zone, **only("IPv4", NAMES[:1])})
    assert statuses(found, "SPF-06") == [Status.PASS]


def test_no_ending_is_offered_while_one_family_is_over_the_limit() -> None:
    # A record with a new ending keeps the three lookups: the permanent error stays.
    finding = one(spf_run(f"{THREE_A} ?all", zone=only("IPv6", NAMES)), "SPF-09")
    assert finding.fix == ""
    assert "Fix the permanent error first (SPF-06)" in finding.summary


# incfused: an included record whose strings join without a space into an invalid term is
# SPF-03 (the missing space), as for the domain's own record, not SPF-04 (the term's syntax).
ESP = "_spf.esp.example.net"
FUSED = ["v=spf1 ip4:192.0.2.232/29", "include:_x.esp.example.net -all"]
X = {("_x.esp.example.net", "TXT"): ["v=spf1 ip4:192.0.2.240/29 -all"]}


def test_fused_strings_in_a_providers_record_point_at_the_missing_space() -> None:
    found = spf_run(f"v=spf1 mx include:{ESP} -all", zone={(ESP, "TXT"): [FUSED], **X})
    assert flagged(found) == {"fail": {"SPF-03"}, "warn": set(), "error": set()}
    finding = one(found, "SPF-03")
    assert finding.subject == ESP
    assert f'no space separates the string "{FUSED[0]}" from the next one' in finding.summary
    assert "'ip4:192.0.2.232/29include:_x.esp.example.net'" in finding.summary
    assert "Only the owner of that record can add the missing space" in finding.summary
    assert finding.evidence["strings"] == FUSED
    assert finding.fix == ""  # not the owner's record to publish


def test_fused_strings_in_the_owners_own_included_record_get_the_record_with_the_space() -> None:
    own = f"_spf.{D}"
    found = spf_run(f"v=spf1 mx include:{own} -all", zone={(own, "TXT"): [FUSED], **X})
    finding = one(found, "SPF-03")
    assert "Add a space at the end of that string" in finding.summary
    name, record = published(finding.fix)
    assert (name, record) == (own, " ".join(FUSED))
    # published so, the include is whole again
    after = spf_run(f"v=spf1 mx include:{own} -all", zone={(own, "TXT"): [record], **X})
    assert flagged(after) == {"fail": set(), "warn": set(), "error": set()}


def test_an_ending_fix_waits_for_the_fused_include() -> None:
    found = spf_run(f"v=spf1 mx include:{ESP} ?all", zone={(ESP, "TXT"): [FUSED], **X})
    finding = one(found, "SPF-09")
    assert "Fix the permanent error first (SPF-03)" in finding.summary


def test_a_broken_term_in_one_string_of_an_included_record_stays_spf04() -> None:
    broken = ["v=spf1 ip4:192.0.2.0/33", " -all"]
    found = spf_run(f"v=spf1 mx include:{ESP} -all", zone={(ESP, "TXT"): [broken]})
    assert flagged(found)["fail"] == {"SPF-04"}


# spfnodot / dmarcnodot: a record whose owner was written in the zone file without the final
# dot sits at <owner>.<zone>; the finding says so and moves the owner's own record.
def test_an_spf_record_at_the_doubled_name_is_moved_not_replaced() -> None:
    doubled = f"{D}.{D}"
    zone = {(D, "TXT"): ["google-site-verification=x"], (doubled, "TXT"): ["v=spf1 mx -all"]}
    found = spf_run([], zone=zone)
    assert flagged(found) == {"fail": set(), "warn": {"SPF-01"}, "error": set()}
    finding = one(found, "SPF-01")
    assert f'"v=spf1 mx -all" sits at {doubled}' in finding.summary
    assert f"delete the record at {doubled}" in finding.summary
    assert published(finding.fix) == (D, "v=spf1 mx -all")


def test_a_moved_spf_record_that_would_fail_is_not_offered() -> None:
    zone = {(f"{D}.{D}", "TXT"): ["v=spf1 include:gone.example.net -all"]}
    finding = one(spf_run([], zone=zone), "SPF-01")
    assert finding.fix == ""
    assert "gone.example.net, which has no usable SPF record" in finding.summary


def test_the_doubled_name_is_looked_for_up_to_the_organisational_domain() -> None:
    sub = f"mail.{D}"
    zone = {(sub, "MX"): [f"10 mx1.{D}."], (f"{sub}.{D}", "TXT"): ["v=spf1 mx -all"]}
    ctx = make_ctx(sub, zone)
    found = asyncio.run(spf.evaluate(ctx))
    assert f"sits at {sub}.{D}" in one(found, "SPF-01").summary
    asked = {name for name, rtype in ctx.dns.asked if rtype == "TXT"}  # type: ignore[attr-defined]
    assert f"{sub}.{sub}" in asked and f"{sub}.com" not in asked


def test_a_published_spf_record_costs_no_lookup_of_the_doubled_name() -> None:
    ctx = make_ctx(D, {(D, "TXT"): ["v=spf1 mx -all"], **MX})
    asyncio.run(spf.evaluate(ctx))
    assert (f"{D}.{D}", "TXT") not in ctx.dns.asked  # type: ignore[attr-defined]


def test_a_dmarc_record_at_the_doubled_name_is_dmarc04_with_the_owners_record() -> None:
    record = f"v=DMARC1; p=reject; rua=mailto:dmarc@{D}"
    found = run(dmarc, D, {**MX, (f"_dmarc.{D}.{D}", "TXT"): [record]})
    assert "DMARC-04" in flagged(found)["fail"]
    assert statuses(found, "DMARC-01") == []  # no new p=none record proposed
    finding = one(found, "DMARC-04")
    assert f"'{record}' sits at _dmarc.{D}.{D}" in finding.summary
    assert published(finding.fix) == (f"_dmarc.{D}", record)


# ruanullmx: a report address at a domain with a null MX (RFC 7505) receives no reports.
REPORTS = f"reports.{D}"
NULL_MX = {(REPORTS, "MX"): ["0 ."]}


def dmarc_run(record: str, zone: dict[Any, Any] | None = None) -> list[Finding]:
    spf_record = {(D, "TXT"): ["v=spf1 mx -all"]}  # so DMARC-18 (alignment) has nothing to say
    served = {**MX, **spf_record, (f"_dmarc.{D}", "TXT"): [record], **NULL_MX, **(zone or {})}
    return run(dmarc, D, served)


def test_a_rua_at_a_null_mx_domain_warns_as_tlsrpt10_does() -> None:
    found = dmarc_run(f"v=DMARC1; p=reject; rua=mailto:dmarc@{REPORTS}")
    assert flagged(found) == {"fail": set(), "warn": {"DMARC-12"}, "error": set()}
    assert statuses(found, "DMARC-12") == [Status.WARN]  # and no "address is valid" pass
    finding = one(found, "DMARC-12")
    assert finding.summary.startswith(
        f"Aggregate reports to mailto:dmarc@{REPORTS} cannot be delivered: {REPORTS} declares "
        "it accepts no mail (null MX)."
    )
    assert "No aggregate reports reach you." in finding.summary
    assert f"if {REPORTS} should receive mail, replace its null MX" in finding.fix


def test_the_other_report_address_is_named_when_there_is_one() -> None:
    found = dmarc_run(f"v=DMARC1; p=reject; rua=mailto:dmarc@{REPORTS},mailto:dmarc@{D}")
    finding = one(found, "DMARC-12")
    assert finding.status == Status.WARN
    assert f"Reports still go to mailto:dmarc@{D}." in finding.summary


def test_a_ruf_at_a_null_mx_domain_warns_too() -> None:
    found = dmarc_run(f"v=DMARC1; p=reject; rua=mailto:dmarc@{D}; ruf=mailto:f@{REPORTS}")
    warn = [f for f in found if f.id == "DMARC-12" and f.status == Status.WARN]
    assert len(warn) == 1 and warn[0].summary.startswith("Failure reports to")
    assert Status.PASS in statuses(found, "DMARC-12")  # the rua is fine


def test_a_failed_mx_lookup_is_no_null_mx() -> None:
    found = dmarc_run(
        f"v=DMARC1; p=reject; rua=mailto:dmarc@{REPORTS}", {(REPORTS, "MX"): "SERVFAIL"}
    )
    assert statuses(found, "DMARC-12") == [Status.PASS]
