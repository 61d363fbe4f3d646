"""Review s32v of the day's engine changes: each test written failing before its fix."""

from __future__ import annotations

from checks.findings import Finding
from tests.test_engine_s32f import EACH, _includes, _one, _spf

FLAKY = {("flaky.example.net", "TXT"): "SERVFAIL"}


# d0e88a6 (SPF-05 after an open include): a receiver counts the lookups it makes up to the
# include every server passes at (RFC 7208 §4.6.2, §4.6.4). An include before it whose record
# could not be fetched hides how many that is: "at most 2" would be a claim never checked
# (checklist §0, could not check is error), where the record before d0e88a6 failed.
def test_s32v_spf05_does_not_count_past_an_unfetched_include_before_the_open_one() -> None:
    record = f"v=spf1 include:flaky.example.net include:open.example.net {_includes(0, 11)} -all"
    found = _one(_spf(record, {**EACH, **FLAKY}), "SPF-05")
    assert str(found.status) == "error"
    assert "could not be checked" in found.summary
    assert "flaky.example.net" in found.summary
    assert "at most" not in found.summary
    assert found.evidence["lookups_at_least"] == 2


def test_s32v_spf05_an_unfetched_include_after_the_open_one_changes_nothing() -> None:
    # Control (passes before and after): no receiver reaches it.
    record = f"v=spf1 include:open.example.net include:flaky.example.net {_includes(0, 11)} -all"
    found: Finding = _one(_spf(record, {**EACH, **FLAKY}), "SPF-05")
    assert str(found.status) == "warn"
    assert "takes at most 1 of the allowed 10 DNS lookups for now" in found.summary


def test_s32v_spf05_still_fails_when_the_lookups_before_an_unfetched_include_pass_ten() -> None:
    # Control (passes before and after): over the limit whatever the unfetched record holds.
    record = f"v=spf1 {_includes(0, 11)} include:flaky.example.net include:open.example.net -all"
    found = _one(_spf(record, {**EACH, **FLAKY}), "SPF-05")
    assert str(found.status) == "fail"
