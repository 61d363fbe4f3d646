"""MTASTS-30 for a testing policy whose mx lines match no MX host (blind round s48b,
onprem-to-m365-policy-stale-testing: MX moved to Microsoft 365, the policy still naming the
old on-prem host). It warned, rightly, but said "senders enforcing the policy cannot
deliver", while no sender enforces a testing policy: they deliver and report each delivery
as a failure (RFC 8461 §5). The words say so now, and what enforce would do. Under enforce
the fail and its words stay.
"""

from __future__ import annotations

from dataclasses import replace

from checks.findings import Finding
from tests.test_engine_s44e_blind import Case, policy, run_case, served
from tests.test_engine_s48b_blind import CASES


def _case(name: str) -> Case:
    return next(c for c in CASES if c.name == name)


def _mtasts30(case: Case) -> Finding:
    found = [f for f in run_case(case).findings if f.id == "MTASTS-30"]
    assert len(found) == 1, [(f.id, str(f.status), f.summary) for f in found]
    return found[0]


def test_testing_policy_matching_no_mx_says_senders_still_deliver() -> None:
    finding = _mtasts30(_case("onprem-to-m365-policy-stale-testing"))
    assert str(finding.status) == "warn"
    assert "senders enforcing the policy" not in finding.summary
    assert (
        "under testing senders still deliver, and report each delivery as a failure, "
        "but under enforce they could not deliver (RFC 8461 §5)"
    ) in finding.summary


def test_enforce_policy_matching_no_mx_reads_as_before() -> None:
    case = _case("onprem-to-m365-policy-stale-testing")
    enforce = replace(case, files=served(case.domain, policy(f"mail.{case.domain}")))
    finding = _mtasts30(enforce)
    assert str(finding.status) == "fail"
    assert finding.summary == (
        "No MX host (birchley-law-com.mail.protection.outlook.com) matches the policy's mx "
        "patterns (mail.birchley-law.com); senders enforcing the policy cannot deliver."
    )
