"""One fault of the policy host told as MTASTS-12 or MTASTS-13 (rules.SAME_FAULT): since
09fb40b a policy host answering mta-sts.<domain> with its default certificate is MTASTS-13,
where it was MTASTS-12, and the second handshake that tells the two apart is best effort, so one
fault can move between the ids from run to run under one score version. The move must raise no
"new failure" and clear no open change (no false alarm, no false "fixed")."""

from __future__ import annotations

from mailsec.alerts import rules
from tests.test_engine_s30v import URL, _policy_host_run


def _fault_findings(observations: list[rules.Observation]) -> list[str]:
    return [o.check_id for o in observations if o.kind == rules.Kind.FINDING]


def test_a_fault_moving_from_mtasts12_to_mtasts13_is_no_new_failure() -> None:
    before, now = _policy_host_run("MTASTS-12"), _policy_host_run("MTASTS-13")
    assert _fault_findings(rules.detect(before, now, 10)) == []
    assert _fault_findings(rules.detect(now, before, 10)) == []


def test_an_open_mtasts12_change_holds_while_the_fault_is_told_as_mtasts13() -> None:
    now = _policy_host_run("MTASTS-13")
    key = f"{rules.Kind.FINDING}:MTASTS-12|{rules.host_subject(URL)}"
    verdict, observation = rules.evaluate(rules.Kind.FINDING, key, "absent", now, 10)
    assert verdict == rules.Verdict.HOLDS
    assert observation is not None and observation.check_id == "MTASTS-13"
    assert not rules.seen_fixed(rules.Kind.FINDING, key, now)


def test_a_policy_host_failing_where_it_passed_is_still_told() -> None:
    passing = _policy_host_run("MTASTS-12")
    for f in passing.findings:
        if f["id"] in ("MTASTS-12", "MTASTS-10"):
            f["status"] = "pass"
    passing.mechanisms["mta-sts"] = "pass"
    assert "MTASTS-13" in _fault_findings(rules.detect(passing, _policy_host_run("MTASTS-13"), 10))


def test_the_fault_fixed_still_clears() -> None:
    fixed = _policy_host_run("MTASTS-12")
    for f in fixed.findings:
        if f["id"] in ("MTASTS-12", "MTASTS-10"):
            f["status"] = "pass"
    key = f"{rules.Kind.FINDING}:MTASTS-13|{rules.host_subject(URL)}"
    assert rules.evaluate(rules.Kind.FINDING, key, "absent", fixed, 10)[0] == rules.Verdict.CLEAR
    assert rules.seen_fixed(rules.Kind.FINDING, key, fixed)
