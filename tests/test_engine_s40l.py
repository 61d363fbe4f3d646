"""Wording of two findings, one finding per fact (task s40l).

1. BIMI-06 for an invalid avp= read "avp=Brand is not valid (brand or personal) (values are
   case-sensitive: write avp=brand); ...": two parentheses back to back. It says the same in
   plain sentences: the valid values, that they are case-sensitive where only the case is
   wrong, that receivers use 'brand', and what to write.
"""

from __future__ import annotations

import pytest

from checks.findings import Finding, Status
from tests.test_bimi import CERT, LOGO, bimi_run


def _only(findings: list[Finding], check_id: str) -> Finding:
    (finding,) = [f for f in findings if f.id == check_id]
    return finding


@pytest.mark.parametrize(
    ("avp", "facts"),
    [
        ("Brand", ("avp=Brand is not valid", "brand or personal", "case-sensitive", "avp=brand")),
        (
            "Personal",
            ("avp=Personal is not valid", "brand or personal", "case-sensitive", "avp=personal"),
        ),
        ("logo", ("avp=logo is not valid", "brand or personal", "Remove the tag")),
    ],
)
def test_an_invalid_avp_is_told_without_parentheses(avp: str, facts: tuple[str, ...]) -> None:
    finding = _only(bimi_run(f"v=BIMI1; l={LOGO}; a={CERT}; avp={avp}"), "BIMI-06")
    assert finding.status == Status.WARN  # unchanged
    assert "(" not in finding.summary and ")" not in finding.summary
    for fact in (*facts, "receivers ignore it and use 'brand'"):
        assert fact in finding.summary
    # Case is only named where the case is the fault.
    assert ("case-sensitive" in finding.summary) == (avp.lower() in ("brand", "personal"))
