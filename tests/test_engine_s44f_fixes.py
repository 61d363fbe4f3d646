"""Follow-ups of blind round s44e (task s44f), each test written first and seen failing on the
code before its mend: one corrected SPF record across findings (SPF-08's repair, which SPF-09
and SPF-10 build on), and when MTASTS-30's suggested policy may drop the patterns no MX
matches any more (RFC 8461 §3.1, §5.1)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from checks.findings import Finding
from tests.test_engine_s44e_fixes import PROTON, _one, _spf
from tests.test_mtasts import POLICY, ZONE, evaluate
from tests.test_spf import published

PROTON_MX = ["10 mail.protonmail.ch.", "20 mailsec.protonmail.ch."]
OLD_VENDOR = "v=spf1 include:_spf.oldvendor.example include:_spf.protonmail.ch"


def _record(finding: Finding) -> str:
    """The record a finding's fix asks for ('' when it offers none)."""
    return published(finding.fix)[1] if finding.fix else ""


def _terms(record: str) -> list[str]:
    """A record's terms but its 'all'."""
    return [t for t in record.split() if t.lstrip("+-~?").lower() != "all"]


# --- SPF-09 and SPF-10 after SPF-08's repair (blind case proton-include-names-mx-host)


@pytest.mark.parametrize(
    ("record", "mx", "status", "meant"),
    [
        # SPF-08 swaps the Proton MX host for Proton's include; SPF-09 ends that record.
        (
            "v=spf1 include:mail.protonmail.ch ~all",
            PROTON_MX,
            "info",
            "v=spf1 include:_spf.protonmail.ch -all",
        ),
        (
            "v=spf1 include:mail.protonmail.ch ?all",
            PROTON_MX,
            "warn",
            "v=spf1 include:_spf.protonmail.ch -all",
        ),
        (
            "v=spf1 include:mail.protonmail.ch",
            PROTON_MX,
            "warn",
            "v=spf1 include:_spf.protonmail.ch -all",
        ),
        # SPF-08 drops an include of a name without SPF that is no MX host: the same holds.
        (
            f"{OLD_VENDOR} ?all",
            ["10 mail.protonmail.ch."],
            "warn",
            "v=spf1 include:_spf.protonmail.ch -all",
        ),
    ],
)
def test_spf09_builds_on_spf08s_record(record: str, mx: list[str], status: str, meant: str) -> None:
    # RFC 7208 §5.2: the include of a name without SPF is a permanent error; SPF-08 offers the
    # record without it. "A corrected record with the same terms would still fail" beside that
    # record read as a second opinion (s44e): SPF-09's record is SPF-08's with its own ending.
    findings = _spf("vantage-notary.ch", record, mx, PROTON)
    spf08, spf09 = _one(findings, "SPF-08"), _one(findings, "SPF-09")
    assert str(spf09.status) == status
    assert _record(spf09) == meant
    assert "same terms would still fail" not in spf09.summary
    assert "SPF-08" in spf09.summary
    # One record: SPF-09's is SPF-08's but for the ending.
    assert _terms(_record(spf09)) == _terms(_record(spf08))


def test_spf10_builds_on_spf08s_record() -> None:
    # A term after 'all' is ignored (RFC 7208 §5.1); SPF-10's record without it starts from
    # SPF-08's repair, not from the record that still fails.
    findings = _spf(
        "vantage-notary.ch",
        "v=spf1 include:mail.protonmail.ch ~all ip4:192.0.2.1",
        PROTON_MX,
        PROTON,
    )
    spf10 = _one(findings, "SPF-10")
    assert _record(spf10) == "v=spf1 include:_spf.protonmail.ch ~all"
    assert "same terms would still fail" not in spf10.summary


@pytest.mark.parametrize(
    ("record", "more"),
    [
        # A name without SPF inside a provider's record is that provider's to fix: SPF-08
        # offers no record of the owner's.
        (
            "v=spf1 include:_spf.vendor.example ?all",
            {("_spf.vendor.example", "TXT"): ["v=spf1 include:gone.vendor.example ~all"]},
        ),
        # SPF-08's repair lists no sender: 'v=spf1 -all' would refuse the domain's own mail.
        ("v=spf1 include:gone.vendor.example ?all", {}),
    ],
)
def test_spf09_offers_no_record_without_a_repair_to_build_on(
    record: str, more: dict[Any, Any]
) -> None:
    findings = _spf("vantage-notary.ch", record, PROTON_MX, {**PROTON, **more})
    spf09 = _one(findings, "SPF-09")
    assert spf09.fix == ""
    assert "same terms would still fail" in spf09.summary


# --- MTASTS-30's suggested policy after an MX move: when the old patterns can go

MOVED = {
    **{k: v for k, v in ZONE.items() if k[1] != "MX"},
    ("example.org", "MX"): ["10 inbound.newmail.example."],
    ("inbound.newmail.example", "A"): ["192.0.2.21"],
}


def _old_policy(max_age: int) -> str:
    return (
        "version: STSv1\r\nmode: enforce\r\nmx: mx1.example.org\r\nmx: *.oldmail.example\r\n"
        f"max_age: {max_age}\r\n"
    )


def _new_id(fix: str) -> str:
    """The id of the record a policy change's fix publishes."""
    found = re.search(r'_mta-sts\.example\.org\. TXT "v=STSv1; id=([^;"]+)', fix)
    assert found, fix
    return found.group(1)


@pytest.mark.parametrize(("max_age", "days"), [(1209600, "14 days"), (86400, "1 day")])
def test_the_policy_that_adds_the_new_mx_says_when_the_old_patterns_go(
    monkeypatch: pytest.MonkeyPatch, max_age: int, days: str
) -> None:
    # RFC 8461 §3.1, §5.1 and the product's rule (add a new MX at once under a new id, remove
    # a departed one only after max_age): the suggested file keeps the patterns no MX matches,
    # and says they can go once max_age has passed since it is served under the new id.
    findings = evaluate(monkeypatch, MOVED, body=_old_policy(max_age))
    mts30 = _one(findings, "MTASTS-30")
    assert str(mts30.status) == "fail"
    fix = mts30.fix
    assert "mx: inbound.newmail.example" in fix
    assert "mx: mx1.example.org" in fix and "mx: *.oldmail.example" in fix
    new_id = _new_id(fix)
    note = fix.split(f"id={new_id}", 1)[1]
    assert f"id={new_id}" in note  # the note names the id the fix publishes
    assert days in note and f"max_age: {max_age}" in fix
    assert "mx1.example.org" in note and "*.oldmail.example" in note
    assert "new id" in note  # their removal changes the file: another id
    # MTASTS-31's info for each old pattern says when it can go, under that same id.
    stale = [f for f in findings if f.id == "MTASTS-31"]
    assert {f.subject for f in stale} == {"mx1.example.org", "*.oldmail.example"}
    for finding in stale:
        assert str(finding.status) == "info"
        assert days in finding.summary and f"id={new_id}" in finding.summary


def test_a_stale_pattern_beside_a_covered_mx_keeps_its_words(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Control: no policy change is suggested, so there is no new id to count from: since
    # task s45f it says when the line can go counted from the MX change instead
    # (tests/test_engine_s45f_fixes.py), and names no id.
    body = POLICY.replace("mx: mx2.example.org", "mx: mx2.example.org\r\nmx: old.example.org")
    findings = evaluate(monkeypatch, body=body)
    assert str(_one(findings, "MTASTS-30").status) == "pass"
    stale = _one(findings, "MTASTS-31")
    assert stale.summary.startswith(
        "The pattern old.example.org matches no current MX host (stale entry?). "
    )
    assert "id=" not in stale.summary and "The policy suggested" not in stale.summary
