"""Task s37a, item 1: an SPF policy published only as the obsolete type 99 record whose text is
a near miss ('v=spf1;', 'v=spf1; mx -all', 'v=spf1<TAB>mx -all', strings joined into
'v=spf1-all') is read as the same near miss published as TXT is (RFC 7208 §4.5: the version
section is exactly "v=spf1" followed by a space or the end of the record; §3.1, §14.1: only TXT
counts).

Before: SPF-14 (fail) offered the type 99 text copied to TXT as it is ('v=spf1;'), a record
receivers ignore (SPF-02 fails it when published), and SPF-01 (warn) offered a new starting
record 'v=spf1 mx ~all' beside it: two different records for one name, one of them not an SPF
record. Now both offer the policy with its version written 'v=spf1 ', as SPF-02 does for the
TXT near miss, and both say the version is wrong. Statuses unchanged.
"""

from __future__ import annotations

from typing import Any

import pytest

from checks import spf
from checks.findings import Finding, Status
from tests.test_spf import run

D = "old.example"
MX = {(D, "MX"): [f"10 mx1.{D}."], (f"mx1.{D}", "A"): ["192.0.2.25"]}


def _by_id(findings: list[Finding]) -> dict[str, Finding]:
    return {f.id: f for f in findings}


# Type 99 texts (or character-strings, joined without spaces: RFC 7208 §3.3) that are not
# "v=spf1" followed by a space or the end.
NEAR: list[Any] = [
    "v=spf1; mx -all",
    "v=spf1, mx -all",
    "v=spf1\tmx -all",
    ["v=spf1", "mx -all"],
    ["v=spf1;", " mx -all"],
]


@pytest.mark.parametrize("text", NEAR)
def test_type99_near_miss_gets_the_record_spf02_gives_the_txt_near_miss(text: Any) -> None:
    as_txt = _by_id(run(spf, D, {**MX, (D, "TXT"): [text]}))
    # What SPF-02 proposes for the same text published as TXT.
    spf02_fix = as_txt["SPF-02"].fix
    found = _by_id(run(spf, D, {**MX, (D, "SPF"): [text]}))
    assert (found["SPF-01"].status, found["SPF-14"].status) == (Status.WARN, Status.FAIL)
    assert found["SPF-14"].fix == found["SPF-01"].fix == spf02_fix, (
        found["SPF-14"].fix,
        found["SPF-01"].fix,
    )
    assert "~all" not in found["SPF-01"].fix
    for check in ("SPF-01", "SPF-14"):
        assert "does not start with exactly 'v=spf1 '" in found[check].summary, found[check]


def test_type99_near_miss_fix_is_an_spf_record() -> None:
    found = _by_id(run(spf, D, {**MX, (D, "SPF"): ["v=spf1; mx -all"]}))
    assert found["SPF-14"].fix == f'{D}. TXT "v=spf1 mx -all"'


def test_type99_version_alone_with_a_semicolon() -> None:
    # 'v=spf1;' as TXT: SPF-02 fail, fix 'v=spf1' (the owner's record, version written right).
    found = _by_id(run(spf, D, {**MX, (D, "SPF"): ["v=spf1;"]}))
    assert found["SPF-14"].fix == found["SPF-01"].fix == f'{D}. TXT "v=spf1"'


@pytest.mark.parametrize("text", ["v=spf1 mx -all", "V=SPF1 mx -all", "v=spf1"])
def test_type99_exact_version_is_copied_as_it_is(text: str) -> None:
    # RFC 7208 §4.5 + §12: "v=spf1" is an ABNF literal, matched without regard to case.
    found = _by_id(run(spf, D, {**MX, (D, "SPF"): [text]}))
    assert found["SPF-14"].fix == found["SPF-01"].fix == f'{D}. TXT "{text}"'
    assert "does not start with exactly" not in found["SPF-01"].summary
    assert "does not start with exactly" not in found["SPF-14"].summary


def test_txt_near_miss_unchanged() -> None:
    found = _by_id(run(spf, D, {**MX, (D, "TXT"): ["v=spf1; mx -all"]}))
    assert found["SPF-02"].status == Status.FAIL
    assert found["SPF-02"].fix == f'{D}. TXT "v=spf1 mx -all"'
    assert "SPF-14" not in found


@pytest.mark.parametrize("mx", [{(D, "MX"): ["0 ."]}, {}], ids=["null MX", "no MX"])
@pytest.mark.parametrize("text", ["v=spf1 mx -all", "v=spf1; mx -all"])
def test_type99_policy_at_a_domain_taking_no_mail_is_named(mx: dict[Any, Any], text: str) -> None:
    # SPF-01 (info, as before) said "publishes no SPF record." and SPF-18 offered 'v=spf1 -all'
    # beside SPF-14's TXT copy of the type 99 policy, neither naming it: now both do.
    found = _by_id(run(spf, D, {**mx, (D, "SPF"): [text]}))
    assert (found["SPF-01"].status, found["SPF-18"].status) == (Status.INFO, Status.INFO)
    assert found["SPF-14"].status == Status.FAIL
    assert f"'{text}' sits in an obsolete type 99 record (see SPF-14)" in found["SPF-01"].summary
    assert "see SPF-14" in found["SPF-18"].summary
    assert found["SPF-18"].fix == f'{D}. TXT "v=spf1 -all"'  # if it sends no mail, as before
    assert found["SPF-14"].fix == f'{D}. TXT "v=spf1 mx -all"'
