"""SPF and DMARC-17 follow-ups left by s30 (task s31f), each written failing before its fix."""

from __future__ import annotations

from typing import Any

import pytest

from checks import spf
from checks.findings import Finding
from tests.test_engine_s29g import MX
from tests.test_engine_s30f import BASE as DMARC_BASE
from tests.test_engine_s30f import _dmarc
from tests.test_spf import published, run

D = "example.com"
NULL_MX: dict[Any, Any] = {(D, "MX"): ["0 ."]}
OPEN = {("open.example.net", "TXT"): ["v=spf1 +all"]}
# Eleven includes that each cost one lookup: with any other lookup the record is over 10.
EACH = {(f"i{i}.example.net", "TXT"): [f"v=spf1 ip4:192.0.2.{i} -all"] for i in range(11)}


def _includes(n: int) -> str:
    return " ".join(f"include:i{i}.example.net" for i in range(n))


def _one(findings: list[Finding], check_id: str) -> Finding:
    (found,) = [f for f in findings if f.id == check_id]
    return found


def _spf(record: str, zone: dict[Any, Any] | None = None, mx: dict[Any, Any] = MX) -> list[Finding]:
    return run(spf, D, {**mx, (D, "TXT"): [record], **OPEN, **EACH, **(zone or {})})


# --------------------------- 1. SPF-09: an include of a '+all' record beside a permanent error

# Receivers evaluate the terms left to right and stop at the first that matches or errs
# (RFC 7208 §4.6.2); the lookup limit counts the lookups made on the way (§4.6.4).
OPEN_FIRST = {
    "dead include after it": "v=spf1 include:open.example.net include:gone.example.net -all",
    "lookup limit after it": f"v=spf1 {_includes(9)} include:open.example.net {_includes(11)} -all",
}
ERROR_FIRST = {
    "dead include before it": (
        "v=spf1 include:gone.example.net include:open.example.net -all",
        "SPF-08",
    ),
    "its lookup is the 11th": (f"v=spf1 {_includes(10)} include:open.example.net -all", "SPF-05"),
}


@pytest.mark.parametrize("record", OPEN_FIRST.values(), ids=OPEN_FIRST.keys())
def test_spf09_says_an_open_include_reached_before_the_error_passes_everyone(record: str) -> None:
    found = _one(_spf(record), "SPF-09")
    assert str(found.status) == "fail"
    assert "every server on the Internet passes SPF as your domain" in found.summary
    assert "never reaches" not in found.summary
    # The error behind it is said, as what comes once the include is removed.
    assert found.evidence["permerror"] in found.summary
    assert "before the permanent error" in found.summary


@pytest.mark.parametrize(("record", "cause"), ERROR_FIRST.values(), ids=ERROR_FIRST.keys())
def test_spf09_says_a_permanent_error_before_the_open_include_comes_first(
    record: str, cause: str
) -> None:
    found = _one(_spf(record), "SPF-09")
    assert str(found.status) == "fail"
    assert f"never reaches it: checking it stops first with a permanent error ({cause})" in (
        found.summary
    )
    assert "Once that error is fixed, every server on the Internet passes SPF" in found.summary


# ------------------------------------ 2. SPF-09: whole-family cover by ranges split in halves


@pytest.mark.parametrize(
    "record",
    [
        # The upper half is refused first: the later '+' upper half passes no one.
        "v=spf1 mx ip4:0.0.0.0/1 -ip4:128.0.0.0/1 ip4:128.0.0.0/1 -all",
        # The lower half is refused first: the '+' lower half after it passes no one.
        "v=spf1 mx -ip4:0.0.0.0/1 ip4:0.0.0.0/1 ip4:128.0.0.0/1 -all",
        # A /0 after a refused half passes the other half only.
        "v=spf1 mx -ip4:0.0.0.0/1 ip4:0.0.0.0/0 -all",
        "v=spf1 mx -ip6:8000::/1 ip6:::/1 ip6:8000::/1 -all",
    ],
)
def test_spf09_does_not_count_a_half_an_earlier_term_decides(record: str) -> None:
    findings = _spf(record)
    found = _one(findings, "SPF-09")
    assert str(found.status) == "pass"
    assert "open_terms" not in found.evidence
    assert not [f for f in findings if f.id == "SPF-19" and "covers every" in f.summary]


@pytest.mark.parametrize(
    ("record", "terms"),
    [
        ("v=spf1 mx ip4:0.0.0.0/1 ip4:128.0.0.0/1 -all", ["ip4:0.0.0.0/1", "ip4:128.0.0.0/1"]),
        # A listed refusal before an open range is an exception to it, as before '+all'.
        ("v=spf1 mx -ip4:192.0.2.0/24 ip4:0.0.0.0/0 -all", ["ip4:0.0.0.0/0"]),
        (
            "v=spf1 mx ip4:0.0.0.0/1 -ip4:192.0.2.0/24 ip4:128.0.0.0/1 -all",
            ["ip4:0.0.0.0/1", "ip4:128.0.0.0/1"],
        ),
        # A half both terms pass: the first does it, the second still passes the other half.
        (
            "v=spf1 mx ip4:0.0.0.0/1 ip4:0.0.0.0/0 -all",
            ["ip4:0.0.0.0/1", "ip4:0.0.0.0/0"],
        ),
    ],
)
def test_spf09_still_fails_halves_that_pass_a_whole_family(record: str, terms: list[str]) -> None:
    found = _one(_spf(record), "SPF-09")
    assert str(found.status) == "fail"
    assert found.evidence["open_terms"] == {"IPv4": terms}


def test_spf09_carries_a_decided_half_into_the_redirect_target() -> None:
    zone = {("_spf.example.net", "TXT"): ["v=spf1 ip4:0.0.0.0/1 ip4:128.0.0.0/1 -all"]}
    found = _one(_spf("v=spf1 -ip4:128.0.0.0/1 redirect=_spf.example.net", zone), "SPF-09")
    assert str(found.status) == "pass"
    control = _one(_spf("v=spf1 redirect=_spf.example.net", zone), "SPF-09")
    assert str(control.status) == "fail"


# ----------------------------------------- 3. SPF-18: a shadowed '+' term is no listed sender


def test_spf18_does_not_list_a_term_an_earlier_one_shadows() -> None:
    record = "v=spf1 -ip4:0.0.0.0/0 ip4:0.0.0.0/0 -ip4:198.51.100.0/24 ip4:198.51.100.7 -all"
    found = _one(_spf(record, mx=NULL_MX), "SPF-18")
    assert str(found.status) == "pass"
    assert "ip4:0.0.0.0/0'" not in found.summary and "198.51.100.7" not in found.summary
    assert "rejects all senders" in found.summary


def test_spf18_lists_only_the_terms_that_can_pass() -> None:
    record = "v=spf1 -ip4:198.51.100.0/24 ip4:198.51.100.7 ip6:2001:db8::1 -all"
    found = _one(_spf(record, mx=NULL_MX), "SPF-18")
    assert found.evidence["listed"] == ["ip6:2001:db8::1"]
    assert "198.51.100.7" not in found.summary


# ------------------------------------------- 4. SPF-12 / SPF-16: the permanent error said once


@pytest.mark.parametrize(
    "record",
    [
        "v=spf1 mx redirect=a.example.net redirect=b.example.net",
        "v=spf1 mx exp=a.example.net exp=b.example.net -all",
        "v=spf1 exists:%d.example.net include:gone.example.net -all",
        f"v=spf1 exists:%d.example.net {_includes(11)} -all",
    ],
)
@pytest.mark.parametrize("included", [False, True])
def test_spf12_and_spf16_say_the_permanent_error_once(record: str, included: bool) -> None:
    zone = {("inc.example.net", "TXT"): [record]}
    own = "v=spf1 include:inc.example.net -all" if included else record
    findings = _spf(own, zone)
    (found,) = [f for f in findings if f.id in ("SPF-12", "SPF-16")]
    assert found.summary.count("permanent error") == 1, found.summary
    assert "broken" not in found.summary
    # A sentence after the colon starts in lower case, as the owner's does.
    assert ": The " not in found.summary


# ------------------------------------------------- 5. DMARC-17: a tag unknown to DMARC


def _dmarc_run(record: str) -> list[Finding]:
    return _dmarc({**DMARC_BASE, (f"_dmarc.{D}", "TXT"): [record]})


def test_dmarc17_offers_the_record_without_an_unknown_tag() -> None:
    # RFC 7489 §6.3: unknown tags MUST be ignored, so the tag does nothing; the record without
    # it, every other tag as written, is a clean-up the owner can publish as it is.
    record = "v=DMARC1; p=reject; rua=mailto:d@example.com; report=weekly; adkim=s"
    found = _one(_dmarc_run(record), "DMARC-17")
    assert str(found.status) == "warn"
    assert "'report'" in found.summary and "leaves it out" in found.summary
    assert published(found.fix) == (
        f"_dmarc.{D}",
        "v=DMARC1; p=reject; rua=mailto:d@example.com; adkim=s",
    )


def test_dmarc17_leaving_an_unknown_tag_out_is_its_own_choice() -> None:
    # Other fixes keep the tag as written (a vendor's tool may read it, s13): leaving it out
    # is DMARC-17's choice, made on top of the repairs every fix carries (RecordRepairs).
    findings = _dmarc_run("v=DMARC1; p=none; X_Vendor=AbC")
    fixes = {f.id: published(f.fix)[1] for f in findings if f.fix}
    assert fixes == {
        "DMARC-06": "v=DMARC1; p=none; rua=mailto:dmarc-reports@example.com; X_Vendor=AbC",
        "DMARC-17": "v=DMARC1; p=none",
    }


def test_dmarc17_misspelt_tag_keeps_its_own_fix() -> None:
    found = _one(_dmarc_run("v=DMARC1; p=reject; rau=mailto:d@example.com"), "DMARC-17")
    assert published(found.fix)[1] == "v=DMARC1; p=reject; rua=mailto:d@example.com"


# ----------------------- 2b. SPF-09: halves that decide a family before a stronger ending


@pytest.mark.parametrize(
    ("record", "status", "terms"),
    [
        # Every IPv4 server gets 'neutral' from one half or the other: '?all' for IPv4.
        (
            "v=spf1 mx ?ip4:0.0.0.0/1 ?ip4:128.0.0.0/1 -all",
            "warn",
            ["?ip4:0.0.0.0/1", "?ip4:128.0.0.0/1"],
        ),
        # Half pass (SPF-19 warns), half neutral: no IPv4 server reaches '-all'.
        ("v=spf1 mx ip4:0.0.0.0/1 ?ip4:128.0.0.0/1 -all", "warn", ["?ip4:128.0.0.0/1"]),
        (
            "v=spf1 mx ~ip4:0.0.0.0/1 ~ip4:128.0.0.0/1 -all",
            "info",
            ["~ip4:0.0.0.0/1", "~ip4:128.0.0.0/1"],
        ),
    ],
)
def test_spf09_judges_halves_that_decide_a_family_as_their_qualifier(
    record: str, status: str, terms: list[str]
) -> None:
    found = _one(_spf(record), "SPF-09")
    assert str(found.status) == status
    assert found.evidence["decided_by"] == {"IPv4": ", ".join(terms)}
    assert "only IPv6 servers that are not listed reach '-all'" in found.summary


def test_spf09_still_passes_a_wide_weaker_range_that_leaves_part_of_the_family() -> None:
    # Half of IPv4 still reaches '-all' (SPF-19 warns on the /1, as before).
    found = _one(_spf("v=spf1 mx ?ip4:0.0.0.0/1 -all"), "SPF-09")
    assert str(found.status) == "pass"


def test_spf18_names_halves_that_decide_a_family_before_dash_all() -> None:
    found = _one(_spf("v=spf1 ?ip4:0.0.0.0/1 ?ip4:128.0.0.0/1 -all", mx=NULL_MX), "SPF-18")
    assert str(found.status) == "info"
    assert "'?ip4:0.0.0.0/1' and '?ip4:128.0.0.0/1' before it give 'neutral'" in found.summary


def test_spf08_says_no_server_meets_a_dead_include_behind_an_open_one() -> None:
    # Every server passes at the include of the '+all' record before the dead include is
    # evaluated (RFC 7208 §4.6.2): 'SPF fails' was untrue. Status stays fail (the fault is).
    found = _one(_spf(OPEN_FIRST["dead include after it"]), "SPF-08")
    assert str(found.status) == "fail"
    assert "SPF fails" not in found.summary
    assert "every server passes first at the include of open.example.net" in found.summary
    control = _one(_spf(ERROR_FIRST["dead include before it"][0]), "SPF-08")
    assert "receivers treat this as a permanent error and SPF fails" in control.summary
