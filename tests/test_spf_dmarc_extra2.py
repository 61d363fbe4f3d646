"""SPF and DMARC on records real domains publish that the fixtures do not list."""

from __future__ import annotations

from typing import Any

from checks import dmarc, spf
from checks.findings import Finding, Status
from tests.test_spf import published, run

D = "example.com"
ZONE: dict[Any, Any] = {
    (D, "MX"): ["10 mx.example.com."],
    ("mx.example.com", "A"): ["192.0.2.10"],
    ("mx.example.com", "TXT"): ["v=spf1 a -all"],
}


def spf_findings(record: str | list[str], extra: dict[Any, Any] | None = None) -> list[Finding]:
    """SPF findings for example.com publishing `record` (a list: one record in several strings)."""
    zone = {**ZONE, (D, "TXT"): [record], **(extra or {})}
    return run(spf, D, zone)


def dmarc_findings(record: str, extra: dict[Any, Any] | None = None) -> list[Finding]:
    zone = {**ZONE, (D, "TXT"): ["v=spf1 mx -all"], (f"_dmarc.{D}", "TXT"): [record]}
    return run(dmarc, D, {**zone, **(extra or {})})


def of(findings: list[Finding], check_id: str) -> list[Finding]:
    return [f for f in findings if f.id == check_id]


def test_it_refuses_an_ip_network_with_a_slash_and_no_prefix_length() -> None:
    # ip4-cidr-length = "/" followed by digits (RFC 7208 §5.6): "ip4:192.0.2.1/" is a syntax
    # error, so receivers return permerror.
    for record in ("v=spf1 ip4:192.0.2.1/ -all", "v=spf1 ip6:2001:db8::/ -all"):
        assert spf.parse_spf(record).permerror, record
        assert Status.FAIL in [f.status for f in of(spf_findings(record), "SPF-04")]
    assert not spf.parse_spf("v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 -all").problems


def test_a_suggested_dmarc_record_keeps_the_failure_report_options() -> None:
    # fo=1 asks for a failure report when either SPF or DKIM fails; a fix that drops it
    # silently returns the owner to the default fo=0 (reports only when both fail).
    record = "v=DMARC1; p=none; rua=mailto:d@example.com; ruf=mailto:f@example.com; fo=1:D"
    (finding,) = [f for f in of(dmarc_findings(record), "DMARC-06") if f.fix]
    _, suggested = published(finding.fix)
    assert "p=quarantine" in suggested and "fo=1:d" in suggested
    assert not [f for f in dmarc_findings(suggested) if f.status in (Status.FAIL, Status.WARN)]
    # Invalid options are not copied into a fix (DMARC-14 reports them; receivers ignore
    # them), the valid ones beside them are. fo=0:1 asks RFC 7489 receivers for a report when
    # all mechanisms fail and when any fails, which is fo=1 (RFC 9989 makes the two exclusive).
    for written, kept in (
        ("fo=2", ""),
        ("fo=1:x", "fo=1"),
        ("fo=0:1", "fo=1"),
        ("fo=s:1:0", "fo=s:1"),
    ):
        parsed = dmarc.parse_dmarc(f"v=DMARC1; p=none; ruf=mailto:f@example.com; {written}")
        suggested = dmarc.suggested_record(D, parsed)
        assert [t for t in suggested.split("; ") if t.startswith("fo=")] == [kept] * bool(kept)


def test_t_y_under_p_none_does_not_claim_to_weaken_none_to_none() -> None:
    (finding,) = of(dmarc_findings("v=DMARC1; p=none; t=y; rua=mailto:d@example.com"), "DMARC-09")
    assert finding.status == Status.WARN
    assert "instead of p=none" not in finding.summary and "changes nothing" in finding.summary
    # With p=none the subdomain policy is what t=y weakens.
    record = "v=DMARC1; p=none; sp=reject; t=y; rua=mailto:d@example.com"
    (finding,) = of(dmarc_findings(record), "DMARC-09")
    assert "sp=reject becomes quarantine" in finding.summary


def test_the_spf03_fix_keeps_a_term_cut_on_purpose_at_a_string_boundary() -> None:
    # A long record cut at an arbitrary point (as DNS panels do at 255 octets) joins back into
    # "ip4:198.51.100.0/24"; only the boundary that really fuses two terms needs a space.
    strings = [
        "v=spf1 ip4:192.0.2.1 ip4:198.51.1",
        "00.0/24 include:_spf.example.com",
        "ip4:192.0.2.2 -all",
    ]
    zone = {("_spf.example.com", "TXT"): ["v=spf1 ip4:192.0.2.0/24 -all"]}
    findings = spf_findings(strings, zone)
    (finding,) = of(findings, "SPF-03")
    _, suggested = published(finding.fix)
    assert suggested == (
        "v=spf1 ip4:192.0.2.1 ip4:198.51.100.0/24 include:_spf.example.com ip4:192.0.2.2 -all"
    )
    again = spf_findings(suggested, zone)
    assert not [f for f in again if f.status in (Status.FAIL, Status.WARN)]


def test_two_includes_fused_at_a_string_boundary_are_spf03_not_only_a_missing_include() -> None:
    # "include:_spf.example.com" "include:_spf.google.com" joins into one valid-looking include
    # of the name "_spf.example.cominclude:_spf.google.com": the cause is the missing space.
    zone = {
        ("_spf.example.com", "TXT"): ["v=spf1 ip4:192.0.2.0/24 -all"],
        ("_spf.google.com", "TXT"): ["v=spf1 ip4:74.125.0.0/16 -all"],
    }
    findings = spf_findings(["v=spf1 include:_spf.example.com", "include:_spf.google.com"], zone)
    (finding,) = of(findings, "SPF-03")
    assert finding.status == Status.FAIL
    _, suggested = published(finding.fix)
    assert suggested == "v=spf1 include:_spf.example.com include:_spf.google.com"
    # The SPF-09 advice (no 'all') offers no record built from the misread one.
    assert all(not f.fix for f in of(findings, "SPF-09"))
    # A boundary inside a name is a cut on purpose, not a fusion.
    assert spf.fused_boundary([b"v=spf1 include:_spf.goo", b"gle.com -all"]) is None


def test_a_mechanism_written_with_equals_is_not_called_a_permanent_error() -> None:
    # "include=..." is an unknown modifier by the RFC 7208 grammar: receivers skip it (§6), so
    # Google's servers meet -all; saying "permanent error" contradicts the finding's own reason.
    zone = {("_spf.google.com", "TXT"): ["v=spf1 ip4:74.125.0.0/16 -all"]}
    (finding,) = of(spf_findings("v=spf1 include=_spf.google.com -all", zone), "SPF-04")
    assert finding.status == Status.FAIL
    assert "permanent error" not in finding.summary and "ignore" in finding.summary
    _, suggested = published(finding.fix)
    assert suggested == "v=spf1 include:_spf.google.com -all"
    again = spf_findings(suggested, zone)
    assert not [f for f in again if f.status in (Status.FAIL, Status.WARN)]


def test_an_include_built_with_macros_is_not_counted_as_zero_lookups() -> None:
    # Proofpoint's hosted SPF: the included name depends on the sending address, so its
    # record's own lookups are unknown; "at most 1 lookup" would be a claim nobody checked.
    record = "v=spf1 include:%{ir}.%{v}.%{d}.spf.has.pphosted.com -all"
    (finding,) = of(spf_findings(record), "SPF-05")
    assert finding.status == Status.PASS
    assert "at most" not in finding.summary and "%{ir}" in finding.summary
    assert finding.evidence["lookups_at_least"] == 1
    # exists: with macros has no record behind it: its one lookup is the whole count.
    (finding,) = of(spf_findings("v=spf1 exists:%{i}._spf.example.com -all"), "SPF-05")
    assert "at most 1 " in finding.summary


def test_a_redirect_built_with_macros_is_not_called_a_record_without_all() -> None:
    # RFC 7208 §6.1: without 'all' the redirect's record decides; "neutral for unlisted
    # servers" and a fix turning the redirect into an include would both be guesses.
    (finding,) = of(spf_findings("v=spf1 mx redirect=%{i}._spf.example.net"), "SPF-09")
    assert finding.status == Status.INFO and not finding.fix
    assert "no 'all'" not in finding.summary


def test_the_fix_for_two_dmarc_records_does_not_depend_on_the_dns_answer_order() -> None:
    # Checklist F42. DNS returns the two records in any order; "keep the last" suggested
    # p=reject without the report address in one order and p=none with it in the other.
    first = "v=DMARC1; p=none; rua=mailto:d@example.com"
    second = "v=DMARC1; p=reject; rua=mailto:agg@example.com; adkim=s"
    fixes = set()
    for records in ([first, second], [second, first]):
        zone = {**ZONE, (D, "TXT"): ["v=spf1 mx -all"], (f"_dmarc.{D}", "TXT"): records}
        (finding,) = of(run(dmarc, D, zone), "DMARC-02")
        fixes.add(published(finding.fix)[1])
    # The strictest record's policy is kept whole, with its other tags (adkim=s), and every
    # report address; the finding names the weaker record it leaves out.
    assert fixes == {"v=DMARC1; p=reject; rua=mailto:d@example.com,mailto:agg@example.com; adkim=s"}
    # Never p from one record and sp from another: that is a policy nobody published.
    records = ["v=DMARC1; p=reject; sp=none", "v=DMARC1; p=quarantine"]
    assert dmarc.merged_record(D, records) == "v=DMARC1; p=reject; sp=none"


def test_a_mechanism_written_with_equals_does_not_hide_the_rest_of_the_record() -> None:
    # Receivers skip "include=..." (RFC 7208 §6) and go on: the 11 real includes are the
    # permanent error (SPF-05), and the respelt record would need 12 lookups, so no fix.
    zone: dict[Any, Any] = {
        (f"s{i}.example.net", "TXT"): [f"v=spf1 ip4:192.0.2.{i} -all"] for i in range(11)
    }
    zone[("_spf.google.com", "TXT")] = ["v=spf1 ip4:74.125.0.0/16 -all"]
    includes = " ".join(f"include:s{i}.example.net" for i in range(11))
    findings = spf_findings(f"v=spf1 {includes} include=_spf.google.com -all", zone)
    (lookups,) = of(findings, "SPF-05")
    assert lookups.status == Status.FAIL and lookups.evidence["lookups"] == 11
    (finding,) = of(findings, "SPF-04")
    assert finding.status == Status.FAIL and not finding.fix
    assert "12 DNS lookups" in finding.summary
    # Ten real includes: the record itself is within the limit, its respelling is not. The
    # record is cut at 255 octets inside "include=_spf.goo" "gle.com": a cut on purpose, not
    # an SPF-03 fusion, since the whole term is one receivers skip rather than reject.
    includes = " ".join(f"include:s{i}.example.net" for i in range(10))
    findings = spf_findings(f"v=spf1 {includes} include=_spf.google.com -all", zone)
    assert of(findings, "SPF-05")[0].status == Status.WARN and not of(findings, "SPF-03")
    (finding,) = of(findings, "SPF-04")
    assert not finding.fix and "11 DNS lookups" in finding.summary
    # Respelt to include a name without SPF, it would be a permanent error (SPF-08).
    (finding,) = of(spf_findings("v=spf1 mx include=_spf.nowhere.example -all"), "SPF-04")
    assert not finding.fix and "_spf.nowhere.example" in finding.summary


def test_a_mechanism_written_with_equals_in_an_included_record_is_not_a_permanent_error() -> None:
    zone = {
        ("_spf.example.com", "TXT"): ["v=spf1 include=_spf.google.com ip4:192.0.2.0/24 -all"],
        ("_spf.google.com", "TXT"): ["v=spf1 ip4:74.125.0.0/16 -all"],
    }
    findings = spf_findings("v=spf1 include:_spf.example.com -all", zone)
    (finding,) = [f for f in of(findings, "SPF-04") if f.status == Status.FAIL]
    assert finding.subject == "_spf.example.com"
    assert "permanent error" not in finding.summary and "not authorised" in finding.summary
    assert of(findings, "SPF-09")[0].status == Status.PASS
    # The included record is walked: its own lookups count.
    assert of(findings, "SPF-05")[0].evidence["lookups"] == 1
    # A record with the skipped term is not merged with another (the merge would copy it).
    assert spf.merged_record(["v=spf1 include=_spf.google.com -all", "v=spf1 mx -all"]) is None


def test_a_fused_all_is_not_called_a_missing_all_nor_a_missing_include() -> None:
    # "include:_spf.google.com" "-all" reads as an include of "_spf.google.com-all": SPF-03
    # gives the cause and the fix. The record does end with -all as written, and the include
    # to remove or replace is not one anybody wrote.
    zone = {("_spf.google.com", "TXT"): ["v=spf1 ip4:74.125.0.0/16 -all"]}
    findings = spf_findings(["v=spf1 include:_spf.google.com", "-all"], zone)
    (finding,) = of(findings, "SPF-03")
    assert "permanent error" in finding.summary and "_spf.google.com-all" in finding.summary
    assert published(finding.fix)[1] == "v=spf1 include:_spf.google.com -all"
    assert not of(findings, "SPF-08") and not of(findings, "SPF-09")
    # A fusion that leaves no `all` to find still gets SPF-09 (without a fix).
    zone[("_spf.example.com", "TXT")] = ["v=spf1 ip4:192.0.2.0/24 -all"]
    findings = spf_findings(["v=spf1 include:_spf.example.com", "include:_spf.google.com"], zone)
    (finding,) = of(findings, "SPF-09")
    assert finding.status == Status.WARN and not finding.fix


def test_a_string_starting_with_a_bare_mechanism_is_a_fusion() -> None:
    # "include:_spf.google.com" "mx -all" reads as an include of "_spf.google.commx".
    zone = {("_spf.google.com", "TXT"): ["v=spf1 ip4:74.125.0.0/16 -all"]}
    findings = spf_findings(["v=spf1 include:_spf.google.com", "mx -all"], zone)
    (finding,) = of(findings, "SPF-03")
    assert published(finding.fix)[1] == "v=spf1 include:_spf.google.com mx -all"
    assert not of(findings, "SPF-08") and of(findings, "SPF-09")[0].status == Status.PASS
    for second, fixed in (("a", "a"), ("all", "all"), ("PTR", "PTR")):
        joined, (fusion,) = spf.fusions(
            [b"v=spf1 ip4:192.0.2.1 include:_spf.google.com", second.encode()]
        )
        assert not fusion.broken and joined[fusion.cuts[0] :] == fixed
    # A tool's cut at 255 octets before the last label of a name is no fusion: ".mx" is a
    # country's domain.
    tail = " include:_spf.example."
    head = "v=spf1" + " ip4:192.0.2.1" * 16
    head += " " * (255 - len(head) - len(tail)) + tail
    assert len(head) == 255
    assert not spf.fusions([head.encode(), b"mx -all"])[1]
    assert spf.fusions([head[:-1].encode(), b"mx -all"])[1]


def test_merging_two_dmarc_records_keeps_a_testing_record_in_testing() -> None:
    # t=y (RFC 9989 §4.7) and pct<100 (RFC 7489 §6.6.4) are trials. Receivers apply neither
    # record now (two records: no DMARC), so the merge is never weaker than the strongest
    # record: a trial in one record only is left out (DMARC-02 says so), a trial in every
    # record is kept. It wrote p=quarantine for these, weaker than either record to one RFC.
    testing = "v=DMARC1; p=reject; rua=mailto:d@example.com; t=y"
    assert dmarc.merged_record(D, [testing, "v=DMARC1; p=reject"]) == (
        "v=DMARC1; p=reject; rua=mailto:d@example.com"
    )
    sampled = ["v=DMARC1; p=reject; sp=quarantine; pct=50", "v=DMARC1; p=reject"]
    assert dmarc.merged_record(D, sampled) == "v=DMARC1; p=reject"
    assert dmarc.merged_record(D, [testing, "v=DMARC1; p=reject; t=y"]) == (
        "v=DMARC1; p=reject; rua=mailto:d@example.com; t=y"
    )
    # pct=100 and t=n are full enforcement.
    full = ["v=DMARC1; p=reject; pct=100", "v=DMARC1; p=reject; t=n"]
    assert dmarc.merged_record(D, full) == "v=DMARC1; p=reject"
    # The suggestion passes the engine's own checks (no t or pct for DMARC-08/09 to flag).
    zone = {
        **ZONE,
        (D, "TXT"): ["v=spf1 mx -all"],
        (f"_dmarc.{D}", "TXT"): [testing, "v=DMARC1; p=reject"],
    }
    (finding,) = of(run(dmarc, D, zone), "DMARC-02")
    _, suggested = published(finding.fix)
    assert not [f for f in dmarc_findings(suggested) if f.status == Status.FAIL]
    assert not of(dmarc_findings(suggested), "DMARC-09")
    assert "'p=reject; t=y'" in finding.summary and "leaves out" in finding.summary


def test_the_fix_for_plus_all_is_not_offered_while_an_include_also_ends_in_plus_all() -> None:
    # Ending the record in -all leaves it open through the include (RFC 7208 §5.2: the
    # include matches when its record passes, and +all passes everyone).
    zone = {("plus.example.net", "TXT"): ["v=spf1 ip4:203.0.113.0/24 +all"]}
    record = "v=spf1 include:plus.example.net ip4:192.0.2.0/24 +all"
    (finding,) = of(spf_findings(record, zone), "SPF-09")
    assert finding.status == Status.FAIL and not finding.fix
    assert "plus.example.net" in finding.summary
    # Without such an include the -all fix is offered and passes.
    (finding,) = of(spf_findings("v=spf1 ip4:192.0.2.0/24 +all"), "SPF-09")
    _, suggested = published(finding.fix)
    assert not [f for f in spf_findings(suggested) if f.status == Status.FAIL]


def test_the_respelt_fix_is_not_offered_when_it_would_break_or_open_the_record() -> None:
    # "a=mail.example.com" respelt looks up a name without addresses: with two void lookups
    # already there, a third is a permanent error (RFC 7208 §4.6.4, SPF-06).
    record = "v=spf1 a:nx1.example.com a:nx2.example.com a=nx3.example.com -all"
    findings = spf_findings(record)
    assert of(findings, "SPF-06")[0].status == Status.WARN
    (finding,) = of(findings, "SPF-04")
    assert not finding.fix and "nx3.example.com" in finding.summary
    # An include of a record ending in '+all' lets everyone pass (SPF-09).
    zone = {("plus.example.net", "TXT"): ["v=spf1 ip4:203.0.113.0/24 +all"]}
    (finding,) = of(spf_findings("v=spf1 include=plus.example.net -all", zone), "SPF-04")
    assert not finding.fix and "'+all'" in finding.summary


def test_a_redirect_to_a_plus_all_record_is_not_fixed_by_including_it() -> None:
    # Without its own 'all' the record ends as its redirect target does (RFC 7208 §6.1); the
    # corrected record would include that target, which still passes every sender.
    zone = {("plus.example.net", "TXT"): ["v=spf1 ip4:203.0.113.0/24 +all"]}
    (finding,) = of(spf_findings("v=spf1 mx redirect=plus.example.net", zone), "SPF-09")
    assert finding.status == Status.FAIL and not finding.fix
    assert "redirects to plus.example.net" in finding.summary


def test_the_spf02_fix_is_offered_only_when_the_repaired_record_passes() -> None:
    # The near-miss record was ignored (no SPF); with the version repaired it is evaluated,
    # so what it says must not be a permanent error or authorise everyone.
    zone = {("_spf.google.com", "TXT"): ["v=spf1 ip4:74.125.0.0/16 ~all"]}
    (finding,) = of(spf_findings("v=spf1;include:_spf.google.com -all", zone), "SPF-02")
    _, suggested = published(finding.fix)
    assert suggested == "v=spf1 include:_spf.google.com -all"
    assert not [f for f in spf_findings(suggested, zone) if f.status == Status.FAIL]
    for record, why in (
        ("v=spf1;include:_spf.google.com ip4:192.0.2.0/33 -all", "192.0.2.0/33"),
        ("v=spf1;include:_spf.google.com +all", "'+all'"),
        ("v=spf1,include:_spf.nowhere.example -all", "_spf.nowhere.example"),
    ):
        (finding,) = of(spf_findings(record, zone), "SPF-02")
        assert finding.status == Status.FAIL and not finding.fix, record
        assert why in finding.summary, record


def test_the_spf03_fix_is_not_offered_when_the_restored_record_needs_too_many_lookups() -> None:
    # "include:p0…" "include:p1…" fused is one (broken-looking) include; with the spaces back
    # the record makes every lookup it meant to, 11 here: a permanent error (SPF-05).
    zone: dict[Any, Any] = {
        (f"p{i}.example.net", "TXT"): [f"v=spf1 ip4:198.51.100.{i} -all"] for i in range(11)
    }
    strings = [
        "v=spf1 " + " ".join(f"include:p{i}.example.net" for i in range(10)),
        "include:p10.example.net -all",
    ]
    (finding,) = of(spf_findings(strings, zone), "SPF-03")
    assert not finding.fix and "11 DNS lookups" in finding.summary
    # Ten are fine: the fix is offered and passes.
    strings[0] = "v=spf1 " + " ".join(f"include:p{i}.example.net" for i in range(9))
    (finding,) = of(spf_findings(strings, zone), "SPF-03")
    _, suggested = published(finding.fix)
    assert not [f for f in spf_findings(suggested, zone) if f.status == Status.FAIL]


def test_a_fused_record_with_an_include_equals_still_gets_its_spaced_fix() -> None:
    # SPF-04 gives no fix while terms are fused, so SPF-03's fix must not be withheld for the
    # "include=" that SPF-04 will then offer to respell.
    zone = {
        ("c.example.net", "TXT"): ["v=spf1 ip4:198.51.100.0/24 -all"],
        ("_spf.google.com", "TXT"): ["v=spf1 ip4:74.125.0.0/16 -all"],
    }
    record = ["v=spf1 ip4:192.0.2.1", "include:_spf.google.com include=c.example.net -all"]
    (finding,) = of(spf_findings(record, zone), "SPF-03")
    assert finding.fix
    assert "ip4:192.0.2.1 include:_spf.google.com include=c.example.net -all" in finding.fix
    assert "would still be wrong" not in finding.summary
