"""SPF and DMARC follow-ups from s29i's notes (task s30f), each written failing before its fix."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from checks import dmarc, spf
from checks.findings import Finding
from tests.test_engine_s26c_blind import CnameDns
from tests.test_engine_s29g import MX, PERMERRORS
from tests.test_spf import make_ctx, published, run

D = "example.com"
BASE: dict[Any, Any] = {
    (D, "MX"): [f"10 mx.{D}."],
    (f"mx.{D}", "A"): ["192.0.2.1"],
    (D, "TXT"): ["v=spf1 mx -all"],
}


def _one(findings: list[Finding], check_id: str) -> Finding:
    (found,) = [f for f in findings if f.id == check_id]
    return found


def _dmarc(zone: dict[Any, Any]) -> list[Finding]:
    ctx = make_ctx(D, zone)
    ctx.dns = CnameDns(zone)  # type: ignore[assignment]
    return asyncio.run(dmarc.evaluate(ctx))


# ------------------------------------------------- DMARC-04 for a misplaced near-miss record

# Where an owner's record sits that receivers never look at (DMARC-04 moves it).
MISPLACED = {
    "without the underscore": f"dmarc.{D}",
    "owner without its final dot": f"_dmarc.{D}.{D}",
    "at the domain itself": D,
}
# Records meant as DMARC whose version receivers do not accept (RFC 7489 §6.4: "v=" then
# %x44 %x4d %x41 %x52 %x43 %x31, 'DMARC1' in upper case, the first tag; RFC 9989 §4.7).
NEAR = {
    "v=dmarc1; p=reject": "v=DMARC1; p=reject",
    "v=Dmarc1; p=quarantine; rua=mailto:d@example.com": (
        "v=DMARC1; p=quarantine; rua=mailto:d@example.com"
    ),
    "p=reject; v=DMARC1": "v=DMARC1; p=reject",
}


@pytest.mark.parametrize("where", MISPLACED.values(), ids=list(MISPLACED))
@pytest.mark.parametrize("record", NEAR)
def test_a_misplaced_record_with_a_wrong_version_is_moved_and_its_version_fixed(
    where: str, record: str
) -> None:
    # 'v=dmarc1; p=reject' at dmarc.<domain> read "has no DMARC policy ... Start with p=none"
    # with a made-up mailbox: the moved-record paths took only an exact 'v=DMARC1' first
    # tag. The owner's p=reject is meant as DMARC; moved as written it would still be
    # ignored at _dmarc.<domain> (DMARC-03), so the fix writes the version as receivers read it.
    findings = _dmarc({**BASE, (where, "TXT"): [record]})
    moved = _one(findings, "DMARC-04")
    assert str(moved.status) == "fail"
    assert where in moved.summary
    assert "'v=DMARC1'" in moved.summary and "upper case" in moved.summary
    assert published(moved.fix.splitlines()[0]) == (f"_dmarc.{D}", NEAR[record])
    assert not [f for f in findings if f.id == "DMARC-01"]
    # The record offered passes where it is moved to.
    after = _dmarc({**BASE, (f"_dmarc.{D}", "TXT"): [NEAR[record]]})
    assert [f.id for f in after if str(f.status) == "fail"] == []


@pytest.mark.parametrize("where", MISPLACED.values(), ids=list(MISPLACED))
def test_a_misplaced_valid_record_says_nothing_of_its_version(where: str) -> None:
    moved = _one(_dmarc({**BASE, (where, "TXT"): ["v=DMARC1; p=reject"]}), "DMARC-04")
    assert "upper case" not in moved.summary
    assert published(moved.fix.splitlines()[0]) == (f"_dmarc.{D}", "v=DMARC1; p=reject")


def test_a_valid_record_beside_a_near_miss_at_dmarc_is_the_one_moved() -> None:
    zone = {**BASE, (f"dmarc.{D}", "TXT"): ["v=dmarc1; p=none", "v=DMARC1; p=reject"]}
    moved = _one(_dmarc(zone), "DMARC-04")
    assert published(moved.fix.splitlines()[0]) == (f"_dmarc.{D}", "v=DMARC1; p=reject")


# ------------------------------------------- SPF-18 for a null-MX domain with no usable record

NULL_MX: dict[Any, Any] = {(D, "MX"): ["0 ."]}
# Records receivers get no SPF 'fail' from (the check that says why): checking them ends in a
# permanent error (RFC 7208 §4.5 for two records, §4.6 for a syntax error), or receivers find
# no SPF record at all (§4.5: a TXT record not starting with exactly 'v=spf1').
UNUSABLE = {
    "two records": (["v=spf1 -all", "v=spf1 mx -all"], "SPF-01"),
    "two '-all' records": (["v=spf1 -all", "v=spf1 -all"], "SPF-01"),
    "syntax error": (["v=spf1 ip4:192.0.2.300 -all"], "SPF-04"),
    "unknown mechanism": (["v=spf1 ip:192.0.2.1 -all"], "SPF-04"),
    "version near-miss": (["v=spf1;-all"], "SPF-02"),
}


@pytest.mark.parametrize("name", UNUSABLE)
def test_spf18_is_given_for_a_null_mx_domain_whose_record_is_unusable(name: str) -> None:
    # SPF-18 was absent for these: the two-record, invalid-record and near-miss paths
    # returned before it. A domain that takes no mail (null MX) is asked for 'v=spf1 -all'
    # (RFC 7505 §4.2, checklist SPF-18: info); with these records no sender gets that 'fail'.
    # The other check's finding stays the one that explains the record's fault.
    records, cause = UNUSABLE[name]
    findings = run(spf, D, {**NULL_MX, (D, "TXT"): records})
    parked = _one(findings, "SPF-18")
    assert str(parked.status) == "info"
    assert "null MX" in parked.summary and f"({cause})" in parked.summary
    assert "'v=spf1 -all'" in parked.summary
    assert parked.fix == spf.txt_fix(D, "v=spf1 -all")
    assert parked.evidence["cause"] == cause
    assert str(_one(findings, cause).status) == "fail"


def test_spf18_is_given_for_a_null_mx_domain_whose_record_sits_at_an_undotted_name() -> None:
    # The owner name written without its final dot: receivers find no record (SPF-01 info).
    zone = {**NULL_MX, (D, "TXT"): [], (f"{D}.{D}", "TXT"): ["v=spf1 -all"]}
    findings = run(spf, D, zone)
    parked = _one(findings, "SPF-18")
    assert str(parked.status) == "info"
    assert f"sits at {D}.{D} (SPF-01)" in parked.summary
    assert parked.fix == spf.txt_fix(D, "v=spf1 -all")
    assert f"{D}.{D}" in _one(findings, "SPF-01").summary


@pytest.mark.parametrize("name", UNUSABLE)
def test_no_spf18_for_an_unusable_record_of_a_domain_that_takes_mail(name: str) -> None:
    records, _ = UNUSABLE[name]
    findings = run(spf, D, {**BASE, (D, "TXT"): records})
    assert not [f for f in findings if f.id == "SPF-18"]


# -------------------------------------------------- SPF-18's pass words for a listing record


def test_spf18_pass_does_not_say_a_record_listing_senders_rejects_all() -> None:
    # 'v=spf1 ip4:192.0.2.1 -all' read "its SPF record rejects all senders, as it should":
    # 192.0.2.1 passes SPF (RFC 7208 §5.6). Its '-all' refuses the others, as SPF-18 asks.
    zone = {**NULL_MX, (D, "TXT"): ["v=spf1 ip4:192.0.2.1 include:_spf.example.net -all"]}
    zone[("_spf.example.net", "TXT")] = ["v=spf1 ip4:198.51.100.0/24 -all"]
    parked = _one(run(spf, D, zone), "SPF-18")
    assert str(parked.status) == "pass"
    assert "rejects all senders" not in parked.summary
    assert "'ip4:192.0.2.1'" in parked.summary and "'include:_spf.example.net'" in parked.summary
    assert parked.evidence["listed"] == ["ip4:192.0.2.1", "include:_spf.example.net"]


def test_spf18_pass_names_the_senders_a_redirect_lists() -> None:
    zone = {**NULL_MX, (D, "TXT"): ["v=spf1 redirect=_spf.example.net"]}
    zone[("_spf.example.net", "TXT")] = ["v=spf1 ip4:198.51.100.0/24 -all"]
    parked = _one(run(spf, D, zone), "SPF-18")
    assert str(parked.status) == "pass"
    assert "rejects all senders" not in parked.summary
    assert "'ip4:198.51.100.0/24'" in parked.summary


@pytest.mark.parametrize(
    "record", ["v=spf1 -all", "v=spf1 -ip4:192.0.2.0/24 -all", "v=spf1 mx -all"]
)
def test_spf18_pass_keeps_its_words_for_a_record_that_lets_no_one_pass(record: str) -> None:
    # '-ip4' refuses; 'mx' of a null-MX domain names no host (RFC 7505 §3), so it matches none.
    parked = _one(run(spf, D, {**NULL_MX, (D, "TXT"): [record]}), "SPF-18")
    assert str(parked.status) == "pass"
    assert "rejects all senders, as it should" in parked.summary


# ------------------------------------------------------ SPF-09 for '+all' behind a permerror


def _plus(record: str) -> str:
    assert record.endswith(" -all")
    return record.removesuffix(" -all") + " +all"


@pytest.mark.parametrize("name", sorted(PERMERRORS))
def test_spf09_plus_all_behind_a_permanent_error_says_the_error_comes_first(name: str) -> None:
    # 'v=spf1 include:gone.example.net +all' read "ends in '+all', which authorises every
    # server on the Internet": a server not listed meets the permanent error before '+all'
    # (RFC 7208 §4.6.4, §2.6.7), so receivers never give it 'pass' from it. The status stays
    # the ending's (checklist SPF-09: fail for '+all'): once the error is fixed it is open.
    check_id, zone = PERMERRORS[name]
    findings = run(spf, D, {**MX, **zone, (D, "TXT"): [_plus(zone[(D, "TXT")][0])]})
    found = _one(findings, "SPF-09")
    assert str(found.status) == "fail"
    first = found.summary.split(". ", 1)[0]
    assert f"permanent error ({check_id})" in first
    assert "authorises every server" not in first
    assert "Once that error is fixed, '+all' authorises every server" in found.summary
    assert "End it with '-all'" in found.summary
    assert found.evidence["permerror"] == check_id
    if name == "mx-fan-out":
        # Since s45f SPF-09 builds on SPF-07's record (the hosts' addresses in place of the
        # 'mx'), as on SPF-08's since s44f: the same terms, ending in '-all'.
        spf07 = published(_one(findings, "SPF-07").fix)[1].split()
        spf09 = published(found.fix)[1].split()
        assert spf09[-1] == "-all"
        assert [t for t in spf09 if not t.endswith("all")] == [
            t for t in spf07 if not t.endswith("all")
        ]
    else:
        assert found.fix == ""


def test_spf09_plus_all_behind_a_redirect_and_a_permanent_error() -> None:
    zone = {
        (D, "TXT"): ["v=spf1 include:gone.example.net redirect=_spf.example.net"],
        ("_spf.example.net", "TXT"): ["v=spf1 +all"],
    }
    found = _one(run(spf, D, {**MX, **zone}), "SPF-09")
    assert str(found.status) == "fail"
    first = found.summary.split(". ", 1)[0]
    assert first.startswith("The SPF record redirects to _spf.example.net")
    assert "permanent error (SPF-08)" in first
    assert "Once that error is fixed, '+all' authorises every server" in found.summary


def test_spf09_plus_all_without_an_error_keeps_its_words() -> None:
    found = _one(run(spf, D, {**MX, (D, "TXT"): ["v=spf1 mx +all"]}), "SPF-09")
    assert found.summary == (
        "The SPF record ends in '+all', which authorises every server on the Internet to send "
        "mail as your domain. End it with '-all'."
    )
    assert "permerror" not in found.evidence


# --------------------------------------- SPF-09 for a range that decides a whole family first

HOST_A: dict[Any, Any] = {(D, "A"): ["192.0.2.10"]}
HOST_AAAA: dict[Any, Any] = {(D, "AAAA"): ["2001:db8::10"]}


def _spf09_19(record: str, zone: dict[Any, Any] | None = None) -> tuple[Finding, list[Finding]]:
    findings = run(spf, D, {**MX, **(zone or {}), (D, "TXT"): [record]})
    return _one(findings, "SPF-09"), [f for f in findings if f.id == "SPF-19"]


@pytest.mark.parametrize(
    ("record", "zone", "family"),
    [
        ("v=spf1 +ip4:0.0.0.0/0 -all", {}, "IPv4"),
        ("v=spf1 mx ip4:0.0.0.0/0 -all", {}, "IPv4"),
        ("v=spf1 mx ip6:::/0 ~all", {}, "IPv6"),
        ("v=spf1 ip4:0.0.0.0/1 ip4:128.0.0.0/1 ~all", {}, "IPv4"),
        ("v=spf1 mx +a/0 -all", HOST_A, "IPv4"),
        ("v=spf1 mx/0 ?all", {}, "IPv4"),
    ],
)
def test_spf09_fails_a_range_that_passes_a_whole_family_as_plus_all(
    record: str, zone: dict[Any, Any], family: str
) -> None:
    # '+ip4:0.0.0.0/0 -all' passed SPF-09 ('ends in -all'), while '?ip4:0.0.0.0/0 -all' warns
    # (s28y): the range decides every address of the family first (RFC 7208 §4.6.2, §5.6),
    # so its qualifier is the ending those servers get. A '+' one gives every one of them
    # 'pass', as '+all' does (checklist SPF-09: fail, it authorises the Internet), and the
    # more open record must not score better than the neutral one.
    found, ranges = _spf09_19(record, zone)
    assert str(found.status) == "fail"
    assert f"every {family} server on the Internet, as '+all' would" in found.summary
    assert found.evidence["open_terms"]
    # The fix leaves the range out, as SPF-19's does, and ends in '-all'.
    assert published(found.fix.splitlines()[0])[1].endswith(" -all")
    assert ranges and all(str(f.status) == "warn" for f in ranges)


@pytest.mark.parametrize(
    ("record", "zone", "status", "result"),
    [
        ("v=spf1 ?a/0 -all", HOST_A, "warn", "neutral"),
        ("v=spf1 mx ~a/0 -all", HOST_A, "info", "softfail"),
        ("v=spf1 ?mx/0 -all", {}, "warn", "neutral"),
        ("v=spf1 ?a//0 -all", HOST_AAAA, "warn", "neutral"),
    ],
)
def test_spf09_judges_a_neutral_a_or_mx_slash_zero_as_its_qualifier(
    record: str, zone: dict[Any, Any], status: str, result: str
) -> None:
    # 'a/0' matches every IPv4 address once its host has one (RFC 7208 §5.3, §5.6): with the
    # host's address known, '?a/0 -all' is '?ip4:0.0.0.0/0 -all' (s28y: warn, like '?all').
    found, _ = _spf09_19(record, zone)
    assert str(found.status) == status
    assert f"gives '{result}' to every" in found.summary
    assert found.evidence["decided_by"]


@pytest.mark.parametrize(
    ("record", "zone"),
    [
        ("v=spf1 mx ?a/0 -all", {}),  # the domain has no address: a/0 matches no one
        ("v=spf1 mx ?a//0 -all", HOST_A),  # no IPv6 address: IPv6 servers reach '-all'
        ("v=spf1 mx +a/0 -all", HOST_AAAA),  # an IPv6 address only: a/0 matches no IPv4
        ("v=spf1 ?mx:nomx.example.net/0 mx -all", {("nomx.example.net", "A"): ["192.0.2.9"]}),
    ],
)
def test_spf09_still_passes_an_a_or_mx_slash_zero_that_matches_no_one(
    record: str, zone: dict[Any, Any]
) -> None:
    found, _ = _spf09_19(record, zone)
    assert str(found.status) == "pass"


@pytest.mark.parametrize(
    ("record", "zone", "term"),
    [
        ("v=spf1 ?ip4:0.0.0.0/0 -all", {}, "?ip4:0.0.0.0/0"),
        ("v=spf1 ~ip6:::/0 -all", {}, "~ip6:::/0"),
        ("v=spf1 ip4:0.0.0.0/0 -all", {}, "ip4:0.0.0.0/0"),
        ("v=spf1 ?a/0 -all", HOST_A, "?a/0"),
    ],
)
def test_spf18_is_info_when_a_whole_family_never_reaches_the_dash_all(
    record: str, zone: dict[Any, Any], term: str
) -> None:
    # A null-MX domain with '?ip4:0.0.0.0/0 -all' read "its SPF record rejects all senders,
    # as it should", yet every IPv4 server gets 'neutral' from the range and never reaches
    # '-all' (RFC 7208 §4.6.2); with 'ip4:0.0.0.0/0' every one gets 'pass'. The record does
    # not refuse senders as RFC 7505 §4.2 asks: SPF-18 is the checklist's info, as for '~all'.
    findings = run(spf, D, {**NULL_MX, **zone, (D, "TXT"): [record]})
    parked = _one(findings, "SPF-18")
    assert str(parked.status) == "info"
    assert "rejects all senders" not in parked.summary
    assert f"'{term}'" in parked.summary
    assert parked.fix == spf.txt_fix(D, "v=spf1 -all")
