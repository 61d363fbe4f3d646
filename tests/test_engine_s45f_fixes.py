"""Engine leftovers of s44f (task s45f), each test written first and seen failing on the code
before its mend: when MTASTS-31's stale pattern can go with no policy change suggested."""

from __future__ import annotations

import pytest

from tests.test_engine_s44e_fixes import _one
from tests.test_mtasts import POLICY, evaluate

# --- MTASTS-31: a stale pattern with no policy change suggested says when it can go


@pytest.mark.parametrize(
    ("line", "max_age", "days", "hosts"),
    [
        ("old.example.org", 604800, "7 days", "that host"),
        ("*.oldmail.example", 86400, "1 day", "a host it covers"),
    ],
)
def test_a_stale_pattern_without_a_policy_change_says_when_it_can_go(
    monkeypatch: pytest.MonkeyPatch, line: str, max_age: int, days: str, hosts: str
) -> None:
    # Every MX matches, so no new policy (and no new id) is suggested. The owner still has to
    # know when the old line can go: senders may cache the policy for up to max_age (RFC 8461
    # §3.2, §5.1) and may still hold an MX record naming the old host; the removal changes the
    # file, so it needs a new id (§3.1, MTASTS-09). As hosting does with a departed MX.
    body = POLICY.replace("mx: mx2.example.org", f"mx: mx2.example.org\r\nmx: {line}")
    body = body.replace("max_age: 604800", f"max_age: {max_age}")
    findings = evaluate(monkeypatch, body=body)
    assert str(_one(findings, "MTASTS-30").status) == "pass"
    stale = _one(findings, "MTASTS-31")
    assert str(stale.status) == "info"
    assert stale.subject == line
    words = stale.summary
    assert words.startswith(f"The pattern {line} matches no current MX host (stale entry?). ")
    # When: max_age (days and seconds) after the MX records last named the host(s).
    assert f"max_age ({days}, {max_age} seconds)" in words
    assert f"since the MX records last named {hosts}" in words
    # What: the line out of the file, then a new id in the record.
    assert f"remove the line 'mx: {line}'" in words
    assert "new id" in words and "MTASTS-09" in words
    # No fix: the file offered elsewhere is the one policy of the run (PolicyTarget).
    assert stale.fix == ""
