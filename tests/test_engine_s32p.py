"""Engine follow-ups s32p, each written failing before its fix."""

from __future__ import annotations

from tests.test_engine_s32f import _one, _spf

# A record that includes itself: a loop (RFC 7208 §4.6.4 counts it past the limit).
LOOP = {("loop.example.net", "TXT"): ["v=spf1 include:loop.example.net -all"]}
# Fourteen records each including the next: deeper than the tree is followed.
DEEP = {
    (f"d{i}.example.net", "TXT"): [f"v=spf1 include:d{i + 1}.example.net -all"] for i in range(14)
} | {("d14.example.net", "TXT"): ["v=spf1 ip4:192.0.2.1 -all"]}


# ------------------------- 1. SPF-05: a loop or too-deep tree past an include every server passes at


# d0e88a6 (s32f) made SPF-05 count only the lookups a receiver makes for some server: at an
# include of a '+all' record every server passes, so no receiver evaluates a term after it
# (RFC 7208 §4.6.2, §4.6.4). A loop or too-deep include chain after it is never followed by
# any receiver either: it is over the limit once that include is removed (SPF-09 asks so), a
# warning, as for a count over ten there, not a fail.
def test_s32p_spf05_warns_for_a_loop_past_the_open_include() -> None:
    record = "v=spf1 include:open.example.net include:loop.example.net -all"
    found = _one(_spf(record, LOOP), "SPF-05")
    assert str(found.status) == "warn"
    assert "for now: every server passes at the include of open.example.net" in found.summary
    assert "'include:loop.example.net' leads back to loop.example.net" in found.summary
    assert "once that term is removed" in found.summary
    assert found.evidence["lookups"] == 1


def test_s32p_spf05_warns_for_a_too_deep_chain_past_the_open_include() -> None:
    record = "v=spf1 include:open.example.net include:d0.example.net -all"
    found = _one(_spf(record, DEEP), "SPF-05")
    assert str(found.status) == "warn"
    assert "for now: every server passes at the include of open.example.net" in found.summary
    assert "too deep" in found.summary
    assert "once that term is removed" in found.summary


def test_s32p_spf05_still_fails_for_a_loop_before_the_open_include() -> None:
    # Control (fails before and after): receivers meet the loop on the way to the include.
    record = "v=spf1 include:loop.example.net include:open.example.net -all"
    found = _one(_spf(record, LOOP), "SPF-05")
    assert str(found.status) == "fail"
    assert "The SPF record loops" in found.summary


def test_s32p_spf05_still_fails_for_a_too_deep_chain_before_the_open_include() -> None:
    # Control (fails before and after).
    record = "v=spf1 include:d0.example.net include:open.example.net -all"
    found = _one(_spf(record, DEEP), "SPF-05")
    assert str(found.status) == "fail"
