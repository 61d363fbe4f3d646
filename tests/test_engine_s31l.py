"""What blind round s31l (tests/test_lab_s31l_blind.py) found the engine saying wrong, pinned
without the lab (tests.test_mx's fake DNS and hand-made inputs)."""

from __future__ import annotations

import pytest

from checks import mx
from checks.findings import Finding, Status
from tests.test_mtasts import ZONE, evaluate
from tests.test_mx import make_ctx, run_eval


def _one(findings: list[Finding], check_id: str, status: Status) -> Finding:
    hits = [f for f in findings if f.id == check_id and f.status == status]
    assert len(hits) == 1, [(f.id, f.status, f.summary) for f in findings]
    return hits[0]


# ----------------------------------------------------- MX-02: two null MX records
def test_mx02_fails_a_second_null_mx_record() -> None:
    # s31l-nullmxtwice: 'MX 0 .' and 'MX 10 .'. RFC 7505 §3: a domain that advertises a null MX
    # MUST NOT advertise any other MX RR; 'MX 10 .' is one. MX-02 passed: "The null MX stands
    # alone". The fix keeps 'MX 0 .' and removes the other.
    zone = {("ex.com", "MX"): ["0 .", "10 ."]}
    findings = run_eval(mx, make_ctx("ex.com", zone))
    finding = _one(findings, "MX-02", Status.FAIL)
    assert "MX 10 ." in finding.summary
    assert "ex.com. MX 10 ." in finding.fix
    assert "ex.com. MX 0 ." in finding.fix and "keep" in finding.fix.lower()
    # Still a domain that takes no mail: MX-03's posture and no transport checks.
    _one(findings, "MX-03", Status.INFO)


def test_mx02_asks_for_mx_0_when_no_null_record_has_preference_0() -> None:
    zone = {("ex.com", "MX"): ["10 .", "20 ."]}
    finding = _one(run_eval(mx, make_ctx("ex.com", zone)), "MX-02", Status.FAIL)
    assert "ex.com. MX 10 ." in finding.fix and "ex.com. MX 20 ." in finding.fix
    assert "ex.com. MX 0 ." in finding.fix


def test_mx02_passes_a_null_mx_alone() -> None:
    _one(run_eval(mx, make_ctx("ex.com", {("ex.com", "MX"): ["0 ."]})), "MX-02", Status.PASS)


# ------------------------------------- MTASTS-02: one record in two spellings
def test_mtasts02_two_spellings_of_one_record_are_named_not_called_identical(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # s31l-txttrailsemi: 'v=STSv1; id=20261203' and 'v=STSv1; id=20261203;' (a panel keeping
    # both spellings). Same id, same fields: the policy did not change, so one stays as it is.
    # MTASTS-02 called them "identical records", which the owner's panel does not show.
    records = ['"v=STSv1; id=20261203"', '"v=STSv1; id=20261203;"']
    findings = evaluate(monkeypatch, {**ZONE, ("_mta-sts.example.org", "TXT"): records})
    (two,) = [f for f in findings if f.id == "MTASTS-02"]
    assert two.status == Status.FAIL
    assert "identical" not in two.fix and "copies" not in two.summary
    assert "'v=STSv1; id=20261203;'" in two.summary
    assert two.fix == (
        'Delete the record _mta-sts.example.org. TXT "v=STSv1; id=20261203;" and keep the '
        "other, written as it is:\n"
        '_mta-sts.example.org. TXT "v=STSv1; id=20261203"'
    )
