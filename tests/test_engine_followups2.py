"""Follow-ups on the HTTPS fetch, MTA-STS and BIMI checks found by the second round of review."""

from __future__ import annotations

from typing import Any

import pytest

from checks.findings import Status
from checks.mtasts import parse_policy
from tests.test_mtasts import ZONE, evaluate
from tests.test_mx import bad, statuses

# --- MTASTS-03: only the MTA-STS record's own strings -------------------------------------


def test_it_ignores_a_split_txt_record_that_is_not_mta_sts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    zone: dict[Any, Any] = dict(ZONE)
    zone[("_mta-sts.example.org", "TXT")] = [
        '"v=STSv1; id=20260601T0000"',
        '"google-site-verification=abcdefghijklmnop" "qrstuvwxyz0123456789"',
    ]
    findings = evaluate(monkeypatch, zone)
    assert bad(findings) == set()
    assert statuses(findings, "MTASTS-03") == []


def test_it_still_notes_a_split_mta_sts_record(monkeypatch: pytest.MonkeyPatch) -> None:
    zone: dict[Any, Any] = dict(ZONE)
    zone[("_mta-sts.example.org", "TXT")] = [
        '"v=STSv1; id=2026" "0601T0000"',
        '"google-site-verification=abcdefghijklmnop"',
    ]
    findings = evaluate(monkeypatch, zone)
    assert statuses(findings, "MTASTS-03") == [Status.INFO]
    assert statuses(findings, "MTASTS-05") == [Status.PASS]


# --- MTA-STS policy extension values: spaces inside, never a tab (RFC 8461 §3.2) -----------

BASE = "version: STSv1\nmode: enforce\nmx: mx1.example.org\nmx: mx2.example.org\nmax_age: 604800\n"


@pytest.mark.parametrize(
    "line", ["note: managed by ops", "note:\tmanaged", "note: managed\t", "note: caf\u00e9"]
)
def test_it_accepts_extension_values_the_grammar_allows(line: str) -> None:
    policy = parse_policy((BASE + line + "\n").encode())
    assert policy.valid
    assert [(p.check_id, p.status) for p in policy.problems] == [("MTASTS-28", Status.INFO)]


def test_it_refuses_a_tab_inside_an_extension_value(monkeypatch: pytest.MonkeyPatch) -> None:
    policy = parse_policy((BASE + "note: managed\tby ops\n").encode())
    assert not policy.valid
    (problem,) = policy.problems
    assert (problem.check_id, problem.status) == ("MTASTS-28", Status.FAIL)
    assert "tab" in problem.message
    findings = evaluate(monkeypatch, body=BASE + "note: managed\tby ops\n")
    assert ("MTASTS-28", "fail") in bad(findings)
    # The offered file is the policy without the broken line, and it parses clean.
    fix = next(f.fix for f in findings if f.id == "MTASTS-28")
    offered = fix.split("with:\n", 1)[1].split("2. Then", 1)[0]
    assert offered == BASE
    assert parse_policy(offered.encode()).valid and parse_policy(offered.encode()).problems == []
