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


# 1a64d88 (MX-02 beside real hosts says which to delete): a host whose only addresses are not
# public ('MX 10 localhost.', the old "no mail here" idiom) takes no mail from the Internet;
# senders refuse or cannot reach such addresses, so with the null MX the domain receives no
# mail (RFC 7505 §3: the null MX alone says so). "localhost has an address, so senders deliver
# mail there ... delete the null MX" told the owner to drop the record that is true.
def test_s32v_mx02_a_host_with_only_a_loopback_address_takes_no_mail() -> None:
    from checks import mx
    from tests.test_mx import make_ctx, run_eval

    zone = {
        ("ex.com", "MX"): ["0 .", "10 localhost.ex.com."],
        ("localhost.ex.com", "A"): ["127.0.0.1"],
    }
    ctx = make_ctx("ex.com", zone, allow_private_targets=False)
    found = _one(run_eval(mx, ctx), "MX-02")
    assert "senders deliver mail there" not in found.summary
    assert "localhost.ex.com has only addresses senders cannot reach (127.0.0.1)" in found.summary
    head, *records = found.fix.splitlines()
    assert "keep ex.com. MX 0 ." in head
    assert records == ["ex.com. MX 10 localhost.ex.com."]


def test_s32v_mx02_a_host_with_a_public_address_beside_a_private_one_takes_mail() -> None:
    # Fails before too: lan.ex.com (10.0.0.25 only) was named among the hosts taking mail.
    from checks import mx
    from tests.test_mx import make_ctx, run_eval

    zone = {
        ("ex.com", "MX"): ["0 .", "10 mail.ex.com.", "20 lan.ex.com."],
        ("mail.ex.com", "A"): ["8.8.4.4"],
        ("lan.ex.com", "A"): ["10.0.0.25"],
    }
    found = _one(run_eval(mx, make_ctx("ex.com", zone, allow_private_targets=False)), "MX-02")
    assert "lan.ex.com" not in found.summary
    assert "mail.ex.com has an address, so senders deliver mail there" in found.summary
    assert found.fix.splitlines()[1:] == ["ex.com. MX 0 ."]
