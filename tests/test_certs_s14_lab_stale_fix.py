"""The lab's stale-intermediate scenarios (s13x_*): the findings' fix says which intermediate
to install, and says "expired" only of one that expired.

s13x-polexpca / -polnyvca: the policy host sends a current leaf under Lab Issuing CA 2 (expired
two days before T0) / Lab Issuing CA 3 (valid from two days after T0): MTASTS-12.
s13x-mxexpca / -mxnyvca: the only MX does the same: SMTP-09, and MTASTS-32 with the same fix.
"""

from __future__ import annotations

import asyncio
import re

import pytest

from checks.findings import Finding
from tests.lab.control import Lab

UTC_TIME = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC"
EXPIRED_CA = "'CN=Lab Issuing CA 2,O=mailsec lab' expired on "
EARLY_CA = "'CN=Lab Issuing CA 3,O=mailsec lab' is not valid before "


def _findings(lab: Lab, name: str, check_id: str) -> list[Finding]:
    from checks.engine import check_domain
    from tests.test_engine_lab import lab_config

    report = asyncio.run(check_domain(f"{name}.lab.test", lab_config(lab)))
    return [f for f in report.findings if f.id == check_id]


@pytest.mark.lab
def test_the_policy_host_fix_names_the_intermediate_to_replace(lab: Lab) -> None:
    host = "mta-sts.s13x-polexpca.lab.test"
    (finding,) = _findings(lab, "s13x-polexpca", "MTASTS-12")
    assert finding.fix.startswith(
        f"Install the current intermediate certificate from your CA in the chain {host} sends"
    ), finding.fix
    assert re.search(re.escape(EXPIRED_CA) + UTC_TIME, finding.fix), finding.fix
    (finding,) = _findings(lab, "s13x-polnyvca", "MTASTS-12")
    assert "that is valid now" in finding.fix and EARLY_CA in finding.fix, finding.fix
    assert "expired" not in finding.fix, finding.fix


@pytest.mark.lab
def test_the_mx_fix_names_the_intermediate_to_replace(lab: Lab) -> None:
    host = "mx1.s13x-mxexpca.lab.test"
    (smtp09,) = _findings(lab, "s13x-mxexpca", "SMTP-09")
    assert smtp09.fix.startswith(
        f"Install the current intermediate certificate from your CA in the chain {host} sends"
    ), smtp09.fix
    assert re.search(re.escape(EXPIRED_CA) + UTC_TIME, smtp09.fix), smtp09.fix
    mtasts32 = _findings(lab, "s13x-mxexpca", "MTASTS-32")
    assert any(smtp09.fix in f.fix for f in mtasts32), [f.fix for f in mtasts32]
    (smtp09,) = _findings(lab, "s13x-mxnyvca", "SMTP-09")
    assert "that is valid now" in smtp09.fix and EARLY_CA in smtp09.fix, smtp09.fix
    assert "expired" not in smtp09.fix, smtp09.fix
