"""DMARC leftovers: rua syntax for RFC 7489 §6.6.3 step 6 / RFC 9989 §4.10.1, psd=y kept in
the fixes at a real public suffix, and a policy spoilt only by a stray quote."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from checks import dmarc
from checks.findings import Finding, Status
from tests.test_spf import make_ctx, run


def zone_with(domain: str, record: str) -> dict[Any, Any]:
    return {
        (domain, "TXT"): ["v=spf1 -all"],
        (domain, "MX"): [f"10 mx.{domain}."],
        (f"_dmarc.{domain}", "TXT"): [record],
    }


def policy_of(domain: str, record: str) -> dmarc.DmarcPolicy:
    async def go() -> dmarc.DmarcPolicy:
        return await dmarc.get_policy(make_ctx(domain, zone_with(domain, record)))

    return asyncio.run(go())


def fixes(found: list[Finding], check_id: str) -> list[str]:
    return [str(f.fix) for f in found if f.id == check_id and f.fix]


@pytest.mark.parametrize(
    "record",
    [
        "v=DMARC1; p=rejected; rua=https://reports.example.net/dmarc",
        "v=DMARC1; p=reject; sp=bogus; rua=https://reports.example.net/dmarc",
        "v=DMARC1; sp=reject; rua=https://reports.example.net:8443/d?x=1",  # 7489: no p
    ],
)
def test_an_https_rua_is_a_syntactically_valid_uri_so_the_record_acts_as_p_none(
    record: str,
) -> None:
    policy = policy_of("example.com", record)
    assert policy.effective_7489 == "none"
    found = run(dmarc, "example.com", zone_with("example.com", record))
    bad = [f for f in found if f.id == "DMARC-05" and f.status == Status.FAIL]
    assert all("p=none" in f.summary and "no DMARC" not in f.summary for f in bad)


@pytest.mark.parametrize(
    "rua", ["https://", "https:// reports.example.net/", "reports.example.net", "mailto:"]
)
def test_a_malformed_rua_still_leaves_no_dmarc(rua: str) -> None:
    policy = policy_of("example.com", f"v=DMARC1; p=rejected; rua={rua}")
    assert policy.effective_7489 is None and policy.effective_9989 is None


def test_the_https_rua_does_not_count_as_a_report_address() -> None:
    # Receivers only promise mailto: reports: DMARC-12 still says no reports arrive.
    record = "v=DMARC1; p=reject; rua=https://reports.example.net/dmarc"
    found = run(dmarc, "example.com", zone_with("example.com", record))
    assert Status.FAIL in [f.status for f in found if f.id == "DMARC-12"]


@pytest.mark.parametrize("domain", ["github.io", "lab.test"])  # PSL private section; lab extra
def test_fixes_keep_psd_y_at_a_public_suffix(domain: str) -> None:
    found = run(dmarc, domain, zone_with(domain, "v=DMARC1; p=reject; psd=y; sp=none"))
    assert "DMARC-10" not in {f.id for f in found if f.status == Status.WARN}
    fix = fixes(found, "DMARC-07")
    assert fix and all("psd=y" in text for text in fix)


def test_only_the_dmarc_10_fix_drops_psd_y_at_a_registrable_domain() -> None:
    # psd=y is the owner's choice: a fix about something else keeps it (DMARC-10 warns).
    found = run(
        dmarc, "example.com", zone_with("example.com", "v=DMARC1; p=reject; psd=y; sp=none")
    )
    assert "DMARC-10" in {f.id for f in found if f.status == Status.WARN}
    assert fixes(found, "DMARC-07") and all("psd=y" in t for t in fixes(found, "DMARC-07"))
    assert fixes(found, "DMARC-10") == ['_dmarc.example.com. TXT "v=DMARC1; p=reject; sp=none"']


@pytest.mark.parametrize("policy", ["reject", "quarantine", "none"])
@pytest.mark.parametrize("spoilt", ['{}"', "'{}'", '"{}"'])
def test_a_stray_quote_keeps_the_owners_policy_in_the_fix(policy: str, spoilt: str) -> None:
    record = f"v=DMARC1; p={spoilt.format(policy)}"
    found = run(dmarc, "example.com", zone_with("example.com", record))
    bad = [f for f in found if f.id == "DMARC-05" and f.status == Status.FAIL]
    assert bad, "the quoted value is still invalid for receivers"
    assert [str(f.fix).count(f'p={policy}"') for f in bad] == [1]


def test_a_policy_of_no_plain_meaning_still_gets_quarantine() -> None:
    # 'p=rejected' was this control until s31s: its meaning is plain (intended_policy), and
    # its fix keeps reject (tests/test_engine_s31s.py).
    found = run(dmarc, "example.com", zone_with("example.com", "v=DMARC1; p=block"))
    assert fixes(found, "DMARC-05") == ['_dmarc.example.com. TXT "v=DMARC1; p=quarantine"']
