"""Task s41k, item 1: a TXT record beginning "v=STSv10;" is no MTA-STS record. RFC 8461 §3.1:
"Records that do not begin with "v=STSv1;" are discarded." Hosting's reader
(lookups.sts_record) took every record beginning with the bytes "v=STSv1", so "v=STSv10; id=…"
beside the current record made two records, and the owner was told senders apply no policy.
The engine (MTASTS-02) already counts only the records §3.1 discovery counts: held here."""

from __future__ import annotations

import pytest

from checks.findings import Status
from tests.test_engine_s32t_blind import Case, policy_file, policy_text, run_case, sts_site
from tests.test_hosting_s41c import CURRENT, read


@pytest.mark.parametrize("other", ["v=STSv10; id=1", "v=STSv11; id=20261201"])
def test_s41k_hosting_a_v_stsv10_record_beside_the_current_one_is_not_a_second(other: str) -> None:
    found = read([f"v=STSv1; id={CURRENT};"], [other])
    assert found.state == "txt", found
    assert found.found_id == CURRENT


def test_s41k_hosting_a_lone_v_stsv10_record_is_still_told() -> None:
    # Alone it is what the owner published at _mta-sts, discarded by senders: told as such
    # (as a record without its ';' is, s41c), not as nothing there.
    found = read(["v=STSv10; id=1"])
    assert found.state == "invalid", found
    assert 'does not begin with "v=STSv1;"' in found.detail


def test_s41k_engine_counts_one_record_beside_v_stsv10() -> None:
    domain = "s41k.example"
    case = Case(
        "s41k-stsv10",
        "mtasts",
        domain,
        sts_site(domain, ["v=STSv1; id=20261201;", "v=STSv10; id=1"]),
        files=policy_file(domain, policy_text(domain)),
    )
    findings = run_case(case)
    (count,) = [f for f in findings if f.id == "MTASTS-02"]
    assert count.status == Status.PASS, count.summary
    (stray,) = [f for f in findings if f.id == "MTASTS-04"]
    assert stray.status == Status.WARN and "v=STSv10; id=1" in stray.summary
