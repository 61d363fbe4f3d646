"""Hosted MTA-STS advice when the app says hosting is on without saying since when (s19f).

The free check knows that mailsec hosts a domain's policy (public: mta-sts.<domain> points at
our policy host, and anyone asking it gets the policy), but its public page must never say when
hosting was turned on. It gives the engine CheckConfig.hosting_on alone; the monitored check
gives CheckConfig.hosting_on_since, which implies it. Either way the advice never says to turn
on hosting, and without the time it says no time. Wording only: every status is the one the
same check gives without our host configured. The cases with a time are
tests/test_mtasts_s18_hosted.py; the free check's side is tests/test_freecheck_s19f.py.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from checks.config import CheckConfig
from checks.findings import Finding
from tests.test_mtasts_s16_hosted import NO_RECORD, OURS, zone
from tests.test_mtasts_s18_hosted import WAYS, ZONE, bad, check, minutes_ago, same_verdicts

TURN_ON = "turn on hosting"


def says_no_time(fix: str) -> None:
    """Nothing of when hosting was turned on: no 'since', no UTC time, no date."""
    assert "since" not in fix and "UTC" not in fix, fix
    assert not re.search(r"\d{1,2}:\d{2}|\d{4}-\d{2}-\d{2}", fix), fix


def test_hosting_on_since_implies_hosting_on() -> None:
    assert not CheckConfig().hosting_is_on
    assert CheckConfig(hosting_on=True).hosting_is_on
    assert CheckConfig(hosting_on_since=minutes_ago(1)).hosting_is_on
    # The environment alone (the CLI) never says hosting is on.
    assert not CheckConfig.from_env().hosting_is_on


@WAYS
def test_no_record_with_hosting_on_says_so_and_to_check_again_in_a_few_minutes(
    monkeypatch: pytest.MonkeyPatch, policy_host: dict[str, list[str]], cnames: dict[str, str]
) -> None:
    kw: dict[str, Any] = {"records": zone(NO_RECORD, **policy_host), "cnames": cnames}
    findings = check(monkeypatch, hosting_on=True, hosted_policy_zone=ZONE, **kw)
    (finding,) = findings
    assert finding.id == "MTASTS-01"
    assert finding.fix.startswith(
        f"Hosting for example.org is on in mailsec; mailsec's hosted MTA-STS ({OURS}) has no "
        "valid certificate for it yet; it is issued automatically at the first request to "
        "mta-sts.example.org: check again in a few minutes. Once the policy is served there, "
        "publish the _mta-sts.example.org record listed on example.org's page in mailsec "
        f"(Hosted MTA-STS): _mta-sts.example.org. CNAME example.org.{ZONE}."
    ), finding.fix
    assert TURN_ON not in finding.fix.lower() and "1. " not in finding.fix
    says_no_time(finding.fix)
    same_verdicts(monkeypatch, findings, **kw)


@WAYS
@pytest.mark.parametrize(("kind", "specific"), [("tls-cert", "MTASTS-12"), ("tls", "MTASTS-13")])
def test_a_missing_certificate_with_hosting_on_is_issued_at_the_first_request(
    monkeypatch: pytest.MonkeyPatch,
    policy_host: dict[str, list[str]],
    cnames: dict[str, str] | None,
    kind: str,
    specific: str,
) -> None:
    kw: dict[str, Any] = {"records": zone(**policy_host), "cnames": cnames, "kind": kind}
    findings = check(monkeypatch, hosting_on=True, **kw)
    failed = bad(findings)
    assert set(failed) == {"MTASTS-10", specific}
    fix = failed[specific].fix
    assert fix.startswith(
        f"Hosting for example.org is on in mailsec, but mailsec's hosted MTA-STS ({OURS}) has "
        "no valid certificate for it yet. The certificate is issued automatically at the first "
        "request to mta-sts.example.org: check again in a few minutes. Nothing needs changing "
        "in DNS for mta-sts.example.org."
    ), fix
    assert TURN_ON not in fix.lower() and "ask the provider" not in fix
    says_no_time(fix)
    pointer = failed["MTASTS-10"].fix
    assert pointer.endswith(f"the fix of {specific} says when to check again."), pointer
    same_verdicts(monkeypatch, findings, **kw)


def test_a_404_with_hosting_on_says_to_check_again(monkeypatch: pytest.MonkeyPatch) -> None:
    records = zone(a=["192.0.2.80"])
    findings = check(monkeypatch, records, kind=None, status=404, hosting_on=True)
    fix = bad(findings)["MTASTS-14"].fix
    assert fix.startswith(
        f"Hosting for example.org is on in mailsec, but mailsec's hosted MTA-STS ({OURS}) "
        "serves no policy for example.org. Check again in a few minutes."
    ), fix
    assert "certificate is issued" not in fix and TURN_ON not in fix.lower()
    says_no_time(fix)
    same_verdicts(monkeypatch, findings, records=records, kind=None, status=404)


def same_second(text: str) -> str:
    return re.sub(r"id=\d{8}T\d{6}", "id=<now>", text)


def test_hosting_on_changes_nothing_for_a_policy_host_that_is_not_ours(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cnames = {"mta-sts.example.org": "sts.provider.example"}
    for records in (zone(), zone(NO_RECORD)):
        on = check(monkeypatch, records, cnames=cnames, hosting_on=True)
        off = check(monkeypatch, records, cnames=cnames)
        # A proposed record's id is the time of the check: the two checks may fall on two
        # seconds.
        assert [(f.id, same_second(f.fix)) for f in on] == [(f.id, same_second(f.fix)) for f in off]


def test_the_time_when_given_is_still_said(monkeypatch: pytest.MonkeyPatch) -> None:
    """hosting_on beside hosting_on_since (the monitored check): the time decides the words."""
    since = minutes_ago(2)
    records = zone(NO_RECORD, a=["192.0.2.80"])
    both: list[Finding] = check(monkeypatch, records, hosting_on=True, hosting_on_since=since)
    alone: list[Finding] = check(monkeypatch, records, hosting_on_since=since)
    assert [same_second(f.fix) for f in both] == [same_second(f.fix) for f in alone]
    assert f"(since {since:%Y-%m-%d %H:%M} UTC)" in both[0].fix


def test_no_stray_placeholder_with_hosting_on(monkeypatch: pytest.MonkeyPatch) -> None:
    for records in (zone(a=["192.0.2.80"]), zone(NO_RECORD, a=["192.0.2.80"])):
        for kind, status in (("tls-cert", None), (None, 404)):
            for f in check(monkeypatch, records, kind=kind, status=status, hosting_on=True):
                assert not re.search(r"[{}]|\(\)|  ", f.fix), f.fix
