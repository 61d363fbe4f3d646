"""Wording of two findings, one finding per fact (task s40l).

1. BIMI-06 for an invalid avp= read "avp=Brand is not valid (brand or personal) (values are
   case-sensitive: write avp=brand); ...": two parentheses back to back. It says the same in
   plain sentences: the valid values, that they are case-sensitive where only the case is
   wrong, that receivers use 'brand', and what to write.
2. MTASTS-31 gave one pattern two findings when it is both stale and wider than the domain
   (round s40d's wideparent, 'mx: *.lab.test'): an info "matches no current MX host" and a warn
   "lets any host directly below lab.test ... act as your MX". One line of the policy is one
   finding: the warn, naming both facts, with the fix the warning had. A pattern only stale or
   only wide is told as before.
"""

from __future__ import annotations

import pytest

from checks.findings import Finding, Status
from tests.test_bimi import CERT, LOGO, bimi_run
from tests.test_fix_texts import BASE, GOOD_POLICY, POLICY_URL, SERVED, D, findings_for


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


def _mtasts31(*mx: bytes) -> list[Finding]:
    """The MTASTS-31 findings for GOOD_POLICY with its mx line replaced by `mx` lines."""
    lines = b"".join(b"mx: " + m + b"\r\n" for m in mx)
    policy = GOOD_POLICY.replace(b"mx: mx1.example.org\r\n", lines)
    assert policy != GOOD_POLICY
    found = findings_for(D, BASE, {POLICY_URL: (200, SERVED[POLICY_URL][1], policy)})
    return [f for f in found if f.id == "MTASTS-31"]


def test_a_stale_and_wide_pattern_is_one_warning_naming_both() -> None:
    # '*.org' is one label below org (RFC 8461 §4.1): not mx1.example.org, so it matches no MX
    # and is wider than *.example.org.
    (finding,) = _mtasts31(b"mx1.example.org", b"*.org")
    assert finding.subject == "*.org"
    assert finding.status == Status.WARN
    assert "matches no current MX host" in finding.summary
    assert "lets any host directly below org with a valid certificate act as your MX" in (
        finding.summary
    )
    assert "list the MX hosts by name" in finding.summary
    # The warning's fix as before (tests/test_engine_s40d.py): the MX by name, no wildcard.
    assert "mx: mx1.example.org" in (finding.fix or "")
    assert "*.org" not in (finding.fix or "")


def test_a_stale_pattern_alone_is_still_an_info() -> None:
    (finding,) = _mtasts31(b"mx1.example.org", b"old.example.org")
    assert (finding.subject, finding.status) == ("old.example.org", Status.INFO)
    assert "matches no current MX host" in finding.summary


def test_a_wide_pattern_that_matches_an_mx_is_still_a_warning_alone() -> None:
    (finding,) = _mtasts31(b"*.example.org")
    assert (finding.subject, finding.status) == ("*.example.org", Status.WARN)
    assert "matches no current MX host" not in finding.summary
