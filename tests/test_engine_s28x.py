"""What blind round s28x (tests/test_lab_s28x_blind.py) found the engine saying wrong about MX
records and DNSSEC, pinned without the lab (tests.test_mx's fake DNS)."""

from __future__ import annotations

from checks import mx
from checks.findings import Finding, Status
from tests.test_mx import make_ctx, run_eval


def _one(findings: list[Finding], check_id: str, status: Status) -> Finding:
    hits = [f for f in findings if f.id == check_id and f.status == status]
    assert len(hits) == 1, [(f.id, f.status, f.summary) for f in findings]
    return hits[0]


# ----------------------------------------------------- MX-02: the null MX as published
def test_mx02_names_the_null_mx_as_published_when_typed_with_another_preference() -> None:
    # s28x-nullpref10: 'MX 10 .' beside 'MX 0 mx1'. The fix said "Remove the record
    # ex.com. MX 0 .", a record that is not there; the owner must find 'MX 10 .'.
    zone = {("ex.com", "MX"): ["0 mx1.ex.com.", "10 ."], ("mx1.ex.com", "A"): ["192.0.2.1"]}
    finding = _one(run_eval(mx, make_ctx("ex.com", zone)), "MX-02", Status.FAIL)
    assert "ex.com. MX 10 ." in finding.fix
    assert "MX 0 ." not in finding.fix
    assert "MX 10 ." in finding.summary


def test_mx02_keeps_naming_mx_0_when_that_is_how_it_was_published() -> None:
    zone = {("ex.com", "MX"): ["0 .", "10 mx1.ex.com."], ("mx1.ex.com", "A"): ["192.0.2.1"]}
    finding = _one(run_eval(mx, make_ctx("ex.com", zone)), "MX-02", Status.FAIL)
    assert "ex.com. MX 0 ." in finding.fix
