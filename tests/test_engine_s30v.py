"""Review s30v of the day's changes: what a second pair of eyes found wrong in them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from checks import spf
from mailsec.alerts import rules
from tests.test_engine_s29g import MX
from tests.test_engine_s30f import BASE as DMARC_BASE
from tests.test_engine_s30f import _dmarc
from tests.test_spf import run

NOW = datetime(2026, 12, 3, tzinfo=UTC)
URL = "https://mta-sts.a.test/.well-known/mta-sts.txt"
# Five days left: inside the 7-day threshold.
NOT_AFTER = "2026-12-08T00:00:00+00:00"


def _policy_host_run(check_id: str, not_after: str = NOT_AFTER) -> rules.Snapshot:
    """A run whose policy host presented a certificate not valid for it, reported as
    `check_id` with the fetch's evidence (checks/mtasts.py _fetch_findings: evidence=fetch_ev,
    whose 'certificate' is the presented leaf)."""
    findings: list[dict[str, Any]] = [
        {"id": "MTASTS-01", "status": "pass", "mechanism": "mta-sts", "subject": "a.test"},
        {
            "id": check_id,
            "status": "fail",
            "mechanism": "mta-sts",
            "subject": URL,
            "summary": f"{check_id} is fail.",
            "evidence": {
                "error_kind": "tls-cert",
                "certificate": {
                    "sans": ["www.a.test"],
                    "not_before": "2026-09-09T00:00:00+00:00",
                    "not_after": not_after,
                },
            },
            "fix": "",
        },
        {"id": "MTASTS-10", "status": "fail", "mechanism": "mta-sts", "subject": URL},
    ]
    return rules.Snapshot({"mta-sts": "fail"}, findings, 50, NOW, score_version=7)


def test_the_default_certificate_of_mtasts13_is_still_the_policy_hosts_certificate() -> None:
    # 09fb40b8 reports a policy host answering its name with its default certificate as
    # MTASTS-13, where it was MTASTS-12, with the same fetch evidence. The alerts read the
    # policy host's certificate from MTASTS-11/12 only: an open expiry change of that
    # certificate read as fixed ('clear': a "renewed" email) though nothing was renewed.
    key = f"cert-expiry:{URL}|{NOT_AFTER}|7"
    before = _policy_host_run("MTASTS-12")
    now = _policy_host_run("MTASTS-13")
    assert rules.evaluate("cert-expiry", key, "7", before, 10)[0] == rules.Verdict.HOLDS
    assert rules.evaluate("cert-expiry", key, "7", now, 10)[0] == rules.Verdict.HOLDS
    assert now.certificates() == {URL: {NOT_AFTER}}
    assert now.lifetime(URL, NOT_AFTER) == 90.0


def test_a_renewed_default_certificate_still_clears_the_expiry_change() -> None:
    key = f"cert-expiry:{URL}|{NOT_AFTER}|7"
    renewed = _policy_host_run("MTASTS-13", not_after="2027-03-01T00:00:00+00:00")
    assert rules.evaluate("cert-expiry", key, "7", renewed, 10)[0] == rules.Verdict.CLEAR


# ------------------------------------------- SPF-09: a '+' range a stronger term shadows (db8643a)

SPF_D = "example.com"


def _spf09(record: str) -> Any:
    (found,) = [f for f in run(spf, SPF_D, {**MX, (SPF_D, "TXT"): [record]}) if f.id == "SPF-09"]
    return found


@pytest.mark.parametrize(
    ("record", "status"),
    [
        ("v=spf1 mx -ip4:0.0.0.0/0 ip4:0.0.0.0/0 -all", "pass"),
        ("v=spf1 mx ?ip4:0.0.0.0/0 ip4:0.0.0.0/0 -all", "warn"),
        ("v=spf1 mx ip4:0.0.0.0/1 -ip4:0.0.0.0/0 ip4:128.0.0.0/1 -all", "pass"),
    ],
)
def test_spf09_does_not_count_a_range_a_whole_family_term_before_it_shadows(
    record: str, status: str
) -> None:
    # The first term that matches decides (RFC 7208 §4.6.2): after '-ip4:0.0.0.0/0' no IPv4
    # server reaches 'ip4:0.0.0.0/0', so it passes none of them; db8643a failed SPF-09 saying
    # it 'already passes every IPv4 server on the Internet, as '+all' would'.
    found = _spf09(record)
    assert str(found.status) == status
    assert "as '+all' would" not in found.summary


def test_spf09_still_fails_a_plus_range_before_a_stronger_one() -> None:
    found = _spf09("v=spf1 mx ip4:0.0.0.0/0 -ip4:0.0.0.0/0 -all")
    assert str(found.status) == "fail"
    assert "every IPv4 server on the Internet, as '+all' would" in found.summary


# ------------------------- DMARC-04: a domain's own TXT record that merely mentions dmarc1 (ed8ffbf)


@pytest.mark.parametrize(
    "apex",
    [
        "v=spf1 include:spf.dmarc1.example.net -all",
        "site-verification=dmarc1-4f7a2c",
    ],
)
def test_dmarc04_does_not_move_a_domain_txt_record_that_only_mentions_dmarc1(apex: str) -> None:
    # ed8ffbf took any TXT record at the domain containing 'dmarc1' for a misplaced DMARC
    # record: an SPF record including a host named dmarc1 failed DMARC-04 ('The DMARC record
    # is published at example.com itself') with that SPF text moved to _dmarc as the fix. A
    # record meant as DMARC has a 'v' tag reading DMARC1 in some case ('v=dmarc1; p=reject').
    findings = _dmarc({**DMARC_BASE, (SPF_D, "TXT"): [apex]})
    assert [f for f in findings if f.id == "DMARC-04"] == []
    # As for a domain with no DMARC record at all.
    plain = _dmarc({**DMARC_BASE, (SPF_D, "TXT"): ["v=spf1 mx -all"]})
    assert [(f.id, f.status) for f in findings if f.id.startswith("DMARC-0")] == [
        (f.id, f.status) for f in plain if f.id.startswith("DMARC-0")
    ]


def test_dmarc04_still_moves_a_domain_txt_record_meant_as_dmarc() -> None:
    findings = _dmarc({**DMARC_BASE, (SPF_D, "TXT"): ["v=spf1 mx -all", "p=reject; v=dmarc1"]})
    (moved,) = [f for f in findings if f.id == "DMARC-04"]
    assert "v=DMARC1; p=reject" in moved.fix
