"""SPF and DMARC follow-ups from s29g (task s29i), each written failing before its fix."""

from __future__ import annotations

import pytest

from checks import spf
from checks.findings import Finding
from tests.test_engine_s29g import PERMERRORS, POOL
from tests.test_spf import run

D = "example.com"
NULL_MX = {(D, "MX"): ["0 ."]}


def _one(findings: list[Finding], check_id: str) -> Finding:
    (found,) = [f for f in findings if f.id == check_id]
    return found


# ------------------------------------------------------------------ SPF-18 next to a permerror


@pytest.mark.parametrize("name", sorted(PERMERRORS))
def test_spf18_is_info_when_a_permanent_error_comes_before_the_dash_all(name: str) -> None:
    # A domain that takes no mail (null MX, RFC 7505) with a '-all' record that a server not
    # listed never reaches: it meets the permanent error first, and a permerror is no 'fail'
    # (RFC 7208 §2.6.7, §4.6.4). "Rejects all senders, as it should" was untrue; SPF-18 is the
    # checklist's info with 'v=spf1 -all' (no lookups, so no error) as the fix.
    check_id, zone = PERMERRORS[name]
    findings = run(spf, D, {**NULL_MX, **zone})
    assert check_id in {f.id for f in findings if str(f.status) == "fail"}
    parked = _one(findings, "SPF-18")
    assert str(parked.status) == "info"
    assert "rejects all senders" not in parked.summary
    assert f"permanent error ({check_id})" in parked.summary
    assert parked.fix == spf.txt_fix(D, "v=spf1 -all")
    assert parked.evidence["permerror"] == check_id


def test_spf18_behind_a_redirect_names_the_permanent_error_too() -> None:
    zone = {
        (D, "TXT"): ["v=spf1 redirect=_spf.example.net"],
        ("_spf.example.net", "TXT"): ["v=spf1 mx:pool.example.net -all"],
        **POOL,
    }
    parked = _one(run(spf, D, {**NULL_MX, **zone}), "SPF-18")
    assert str(parked.status) == "info"
    assert "redirects to _spf.example.net" in parked.summary
    assert "permanent error (SPF-07)" in parked.summary


@pytest.mark.parametrize(
    "record", ["v=spf1 -all", "v=spf1 -all include:gone.example.net", "v=spf1 ip4:192.0.2.1 -all"]
)
def test_spf18_still_passes_a_dash_all_without_a_permanent_error(record: str) -> None:
    # An include after '-all' is never looked up (RFC 7208 §5.1, SPF-10): no error.
    parked = _one(run(spf, D, {**NULL_MX, (D, "TXT"): [record]}), "SPF-18")
    assert str(parked.status) == "pass"
    assert parked.fix == ""
    assert "permerror" not in parked.evidence
