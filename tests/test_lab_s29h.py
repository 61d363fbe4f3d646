"""The lab knob task s29h added: `starttls_masked`, an MX behind a Cisco ASA whose ESMTP
inspection ('inspect esmtp' without allow-tls) hides STARTTLS: the EHLO reply lists
'250-XXXXXXXA' in its place, and a STARTTLS sent anyway reaches the server as X's. The scenario
s29h-asamask has one such MX under MTA-STS enforce; SMTP-03 and MTASTS-32 name the firewall."""

from __future__ import annotations

import smtplib
from pathlib import Path
from typing import Any

import pytest

from checks.findings import Status
from tests.lab.scenarios import ScenarioError, load_one_host
from tests.test_engine_lab import scenario_report


def test_starttls_masked_is_read_and_checked(tmp_path: Path) -> None:
    assert load_one_host(tmp_path, "starttls_masked = true").starttls_masked is True
    assert load_one_host(tmp_path, "").starttls_masked is False
    with pytest.raises(ScenarioError, match="starttls_masked"):
        load_one_host(tmp_path, 'starttls_masked = "yes"')
    with pytest.raises(ScenarioError, match="starttls_masked needs"):
        load_one_host(tmp_path, "starttls = false\nstarttls_masked = true")
    with pytest.raises(ScenarioError, match="starttls_masked needs"):
        load_one_host(tmp_path, 'starttls_masked = true\nstarttls_keyword = "starttls"')


@pytest.mark.lab
def test_the_masked_server_lists_x_for_starttls(lab: Any) -> None:
    hosts = {h.host: h for h in lab.scenario("s29h-asamask").smtp}
    with smtplib.SMTP(
        hosts["mx2.s29h-asamask.lab.test"].ip, 25, local_hostname="probe.lab.test", timeout=20
    ) as smtp:
        smtp.ehlo()
        assert "xxxxxxxa" in smtp.esmtp_features and "starttls" not in smtp.esmtp_features
        code, _ = smtp.docmd("STARTTLS")
        assert code == 500


@pytest.mark.lab
def test_smtp03_and_mtasts32_name_the_firewall(lab: Any) -> None:
    report = scenario_report(lab, lab.scenario("s29h-asamask"))
    mx2 = "mx2.s29h-asamask.lab.test"
    [smtp03] = [f for f in report.findings if f.id == "SMTP-03" and f.subject.startswith(mx2)]
    assert smtp03.status == Status.FAIL
    assert "XXXXXXXA" in smtp03.summary and "no inspect esmtp" in smtp03.fix
    [mtasts32] = [f for f in report.findings if f.id == "MTASTS-32" and f.status == Status.FAIL]
    assert mtasts32.subject.startswith(mx2)
    assert "no inspect esmtp" in mtasts32.fix
    assert mtasts32.summary.endswith(
        "mx1.s29h-asamask.lab.test at 127.0.191.10 passes MTA-STS validation."
    )
