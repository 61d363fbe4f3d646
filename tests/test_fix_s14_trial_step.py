"""The shared DMARC record (RecordRepairs, ccd424c) must not end a trial silently.

With pct=0 and t=y both written, receivers of neither RFC apply the written policy to any
failing mail: RFC 7489 receivers sample none of it (the rest gets the next policy down), RFC
9989 receivers step the policy down for t=y. The record every fix offered left both out and so
enforced the written policy on all failing mail at once, with only "Remove pct." or "remove
t=y" said (p=reject: reject for all; p=quarantine: off monitoring, DMARC-06's step to offer;
sp=quarantine: the same for subdomains). The record now keeps what receivers apply, and says
how to enforce the written policy. Every check publishes the offered record and runs the
engine again.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

from checks import dmarc
from checks.findings import Finding, Status
from tests.test_fix_texts import BASE, SERVED, D, findings_for, proposed_records
from tests.test_spf import Zone, make_ctx

BAD = {Status.FAIL, Status.WARN}
RUA = f"rua=mailto:dmarc@{D}"
SUB = f"mail.{D}"
STRENGTH = {"none": 0, "quarantine": 1, "reject": 2}


def zone_with(record: str) -> Zone:
    # SUB exists (an address), so receivers give it sp, not np.
    return {**BASE, (SUB, "A"): ["192.0.2.12"], (f"_dmarc.{D}", "TXT"): [record]}


def bad_findings(record: str) -> list[Finding]:
    found = findings_for(D, zone_with(record), SERVED, (), (dmarc,))
    return [f for f in found if f.status in BAD]


def offered(finding: Finding) -> str:
    (record,) = [
        b"".join(rdata.strings).decode()
        for owner, rtype, rdata in proposed_records(finding.fix)
        if rtype == "TXT" and owner == f"_dmarc.{D}."
    ]
    return record


def views(record: str, domain: str = D) -> dict[str, Any]:
    policy = asyncio.run(dmarc.get_policy(make_ctx(domain, zone_with(record))))
    return policy.views()


def least_applied(view: str) -> str:
    """The policy a view applies to all failing mail: under RFC 7489's "reject for 0% of
    failing mail, quarantine for the rest", quarantine."""
    named = re.findall(r"\b(none|quarantine|reject)\b", view)
    if re.search(r"\bfor 100% of", view):
        return named[0]
    return min(named, key=STRENGTH.__getitem__)


def applied_to_all(record: str, domain: str = D) -> tuple[str, str]:
    """(RFC 7489, RFC 9989) policy applied to all of `domain`'s failing mail."""
    seen = views(record, domain)
    return tuple(  # type: ignore[return-value]
        least_applied(seen[view]["effective_policy"]) for view in ("rfc7489", "rfc9989")
    )


def check_kept(record: str, domain: str, now: str, trial_ids: set[str]) -> set[str]:
    """Every fix about the trial offers a record under which receivers of both RFCs apply
    `now`, as they do under `record` (the engine's views), and which clears the trial's
    findings. The records offered, returned."""
    assert set(applied_to_all(record, domain)) == {now}, record
    found = bad_findings(record)
    assert trial_ids <= {f.id for f in found}
    records = {offered(f) for f in found if f.id in trial_ids}
    for fixed in records:
        assert applied_to_all(fixed, domain) == (now, now), fixed
        left = {f.id for f in bad_findings(fixed)}
        assert not left & {"DMARC-08", "DMARC-09", "DMARC-19"}, (fixed, left)
    return records


def test_a_reject_trial_keeps_quarantine() -> None:
    record = f"v=DMARC1; p=reject; pct=0; t=y; {RUA}"
    # Both views apply quarantine now: DMARC-19 passes (s47b), the trial is DMARC-08's and -09's.
    records = check_kept(record, D, "quarantine", {"DMARC-08", "DMARC-09"})
    assert records == {f"v=DMARC1; p=quarantine; {RUA}"}
    for finding in bad_findings(record):
        assert finding.fix.endswith(
            "This keeps what receivers apply now (quarantine); to enforce reject for all "
            "failing mail, publish p=reject once your reports are clean."
        ), finding.id


def test_a_quarantine_trial_stays_at_none_and_leaves_the_step_to_dmarc_06() -> None:
    record = f"v=DMARC1; p=quarantine; pct=0; t=y; {RUA}"
    assert "DMARC-06" not in {f.id for f in bad_findings(record)}
    (fixed,) = check_kept(record, D, "none", {"DMARC-08", "DMARC-09"})
    assert fixed == f"v=DMARC1; p=none; {RUA}"
    assert "publish p=quarantine once your reports are clean" in bad_findings(record)[0].fix
    # Published, moving off monitoring is DMARC-06's to offer, and it does.
    after = {f.id: f for f in bad_findings(fixed)}
    assert parse(offered(after["DMARC-06"])).policy("p") == "quarantine"


def test_a_subdomain_trial_keeps_what_subdomains_get() -> None:
    record = f"v=DMARC1; sp=quarantine; p=none; t=y; pct=0; {RUA}"
    assert applied_to_all(record, SUB) == ("none", "none")
    found = bad_findings(record)
    for finding in found:
        if finding.id in {"DMARC-05", "DMARC-08", "DMARC-09"}:
            fixed = offered(finding)
            assert applied_to_all(fixed, SUB) == ("none", "none"), (finding.id, fixed)
            assert applied_to_all(fixed) == ("none", "none"), (finding.id, fixed)
            assert "to enforce sp=quarantine for all failing mail" in finding.fix
    # DMARC-06 moves the domain itself off monitoring, its own choice; the subdomains' trial
    # is not ended in passing.
    (monitoring,) = [f for f in found if f.id == "DMARC-06"]
    fixed = offered(monitoring)
    assert parse(fixed).policy("p") == "quarantine"
    assert applied_to_all(fixed, SUB) == ("none", "none")


def test_a_trial_of_one_kind_is_still_ended_by_its_own_finding() -> None:
    # Receivers of one RFC already apply reject to all failing mail: each finding's own
    # advice (remove t=y for full enforcement; remove pct) ends the trial, as it says. Under
    # pct=50, RFC 7489 receivers reject half of it: quarantine for all would be weaker there,
    # and no record without pct keeps that half, so the written policy stays.
    for record, trial in (
        (f"v=DMARC1; p=reject; t=y; {RUA}", "DMARC-09"),
        (f"v=DMARC1; p=reject; pct=50; {RUA}", "DMARC-08"),
        (f"v=DMARC1; p=reject; pct=50; t=y; {RUA}", "DMARC-08"),
    ):
        (finding,) = [f for f in bad_findings(record) if f.id == trial]
        assert offered(finding) == f"v=DMARC1; p=reject; {RUA}"
        assert "This keeps" not in finding.fix


def test_protecting_subdomains_stays_dmarc_07s_choice_under_a_trial() -> None:
    record = f"v=DMARC1; p=reject; sp=none; pct=0; t=y; {RUA}"
    found = {f.id: f for f in bad_findings(record)}
    fixed = offered(found["DMARC-07"])
    # The domain keeps the quarantine it gets now; its subdomains get it too.
    assert applied_to_all(fixed) == ("quarantine", "quarantine")
    assert applied_to_all(fixed, SUB) == ("quarantine", "quarantine")
    assert applied_to_all(offered(found["DMARC-09"]), SUB) == ("none", "none")


def test_a_repaired_policy_is_no_trial_in_force() -> None:
    # 'p:reject' is no policy to receivers (p=none now): DMARC-05's repair writes the owner's
    # reject; nothing of the trial is in force to keep, and the fix does not say it keeps it.
    record = f"v=DMARC1; p:reject; pct=0; t=y; {RUA}"
    (finding,) = [f for f in bad_findings(record) if f.id == "DMARC-05"]
    assert parse(offered(finding)).policy("p") == "reject"
    assert "This keeps" not in finding.fix


def test_views_say_what_rfc_9989_receivers_apply_under_t_y() -> None:
    record = f"v=DMARC1; p=quarantine; pct=0; t=y; {RUA}"
    now = views(record)["rfc9989"]["effective_policy"]
    assert now == "none"
    # Both views apply none now (pct=0 and its RFC 9989 analogue t=y): DMARC-19 passes and
    # says so (s47b), where it warned that they read the record differently.
    assert "DMARC-19" not in {f.id for f in bad_findings(record)}
    found = findings_for(D, zone_with(record), SERVED, (), (dmarc,))
    (finding,) = [f for f in found if f.id == "DMARC-19"]
    assert finding.status == Status.PASS
    assert f"apply the same policy to {D} now: {now}" in finding.summary
    assert "versus quarantine" not in finding.summary


def parse(record: str) -> dmarc.ParsedDmarc:
    return dmarc.parse_dmarc(record)
