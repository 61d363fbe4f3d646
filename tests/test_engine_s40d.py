"""Engine faults the s40d blind lab round found (tests/test_lab_s40d_blind.py), each shown here
without the lab, on tests/test_fix_texts.py's fake DNS and policy host:

- 'mode: enforce;' (the ';' of the TXT record's habit, s40d-modesemi): MTASTS-22 fails as it
  should, but its fix offered the policy with 'mode: testing', a downgrade nobody asked for,
  while 'Enforce', 'enforce # comment' and '"enforce"' were already read as meaning enforce.
- 'mx: *.lab.test' for MX hosts two labels below it (s40d-wideparent): MTASTS-31 warns that the
  pattern is wider than the domain and says to list the MX hosts by name, but the policy its
  fix offered kept the wildcard (it matched no MX, so nothing took its place).
"""

from __future__ import annotations

from checks.findings import Status
from tests.test_engine_s30l import _fix_of
from tests.test_fix_texts import BASE, GOOD_POLICY, POLICY_URL, SERVED, D, findings_for


def _warn_fix(check_id: str, old: bytes, new: bytes) -> str:
    """The fix of the `check_id` warning for GOOD_POLICY with `old` replaced by `new`."""
    policy = GOOD_POLICY.replace(old, new)
    assert policy != GOOD_POLICY
    findings = findings_for(D, BASE, {POLICY_URL: (200, SERVED[POLICY_URL][1], policy)})
    (fix,) = [f.fix for f in findings if f.id == check_id and f.status == Status.WARN]
    return fix or ""


def test_mtasts22_fix_keeps_enforce_written_with_a_trailing_semicolon() -> None:
    fix = _fix_of("MTASTS-22", b"mode: enforce", b"mode: enforce;")
    assert "mode: enforce\n" in fix
    assert "mode: testing" not in fix
    assert "enforce;" not in fix


def test_mtasts22_fix_keeps_testing_written_with_a_trailing_semicolon() -> None:
    fix = _fix_of("MTASTS-22", b"mode: enforce", b"mode: testing ;")
    assert "mode: testing\n" in fix
    assert "mode: enforce" not in fix


def test_mtasts22_a_value_that_is_not_a_mode_still_becomes_testing() -> None:
    # Control: only a mode with the ';' after it is read as meant; 'enforced;' is not a mode.
    fix = _fix_of("MTASTS-22", b"mode: enforce", b"mode: enforced;")
    assert "mode: testing\n" in fix


def test_mtasts31_fix_drops_a_parent_wildcard_that_matches_no_mx() -> None:
    # '*.org' stands for one label below org (RFC 8461 §4.1): not mx1.example.org. MTASTS-31
    # warns it is wider than the domain; the file its fix offers names the MX instead.
    fix = _warn_fix("MTASTS-31", b"mx: mx1.example.org", b"mx: *.org")
    assert "mx: mx1.example.org\n" in fix
    assert "*.org" not in fix
    assert _fix_of("MTASTS-30", b"mx: mx1.example.org", b"mx: *.org") == fix


def test_mtasts31_fix_still_replaces_a_wildcard_by_the_mx_it_matches() -> None:
    # Control: '*.example.org' matches mx1.example.org, which takes its place (as before).
    fix = _warn_fix("MTASTS-31", b"mx: mx1.example.org", b"mx: *.example.org")
    assert "mx: mx1.example.org\n" in fix
    assert "*.example.org" not in fix


def test_mtasts25_names_the_host_and_the_comment_without_the_run_of_blanks() -> None:
    # s40d-mxcomment: 'mx: mx2.<d>   # backup, added 2026-11'. The summary quoted the value with
    # its three blanks (tests/test_fix_texts.py's double-space rule); as for a comment after the
    # mode (_commented), it names the host and the comment and says what to write.
    from checks.mtasts import check_mx_value

    pattern, problems = check_mx_value("mx2.example.org   # backup, added 2026-11")
    assert pattern is None
    (problem,) = problems
    assert problem.check_id == "MTASTS-25" and problem.status == Status.FAIL
    assert "  " not in problem.message
    assert "'mx2.example.org'" in problem.message
    assert "'# backup, added 2026-11'" in problem.message
    assert "'mx: mx2.example.org' alone on its line" in problem.message
