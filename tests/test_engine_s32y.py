"""Task s32y: engine follow-ups of s32x (MTASTS-08, DKIM-01, BIMI-03, BIMI-05). Each test was
written failing, before its fix; controls pass both before and after."""

from __future__ import annotations

import re

from checks.findings import Finding, Status
from tests.test_engine_s32t_blind import Case, policy_file, policy_text, run_case, sts_site

NBSP = "\u00a0"


def _one(findings: list[Finding], check_id: str) -> Finding:
    (found,) = [f for f in findings if f.id == check_id]
    return found


# ------------------------------------ 1. MTASTS-08: the record to retype is the fix's record


def test_mtasts08_pasted_character_summary_and_fix_tell_the_same_record() -> None:
    # "Retype the record by hand: 'v=STSv1; id=20260601T0900'" while the fix offered the
    # record with a fresh id: two records for one fault. One story, the fresh id, as s32x made
    # MTASTS-04's (RFC 8461 §3.1 does not ask to keep the id; a new one makes senders holding
    # a policy from before the record broke fetch it again, §5.1).
    domain = "fairlie-marine.co.uk"
    case = Case(
        "s32y-nbsp",
        "mtasts",
        domain,
        sts_site(domain, f"v=STSv1;{NBSP}id=20260601T0900"),
        files=policy_file(domain, policy_text(domain)),
    )
    found = _one(run_case(case), "MTASTS-08")
    assert found.status == Status.FAIL
    assert "a no-break space (U+00A0) after 'v=STSv1;'" in found.summary
    assert "id=20260601T0900'" not in found.summary, found.summary
    assert "with a new id" in found.summary, found.summary
    new_id = re.search(r'"v=STSv1; id=(\w+)"', found.fix)
    assert new_id is not None and new_id.group(1) != "20260601T0900", found.fix
