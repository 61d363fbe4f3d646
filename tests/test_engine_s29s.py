"""Defects blind round s29s found (tests/test_engine_s29s_blind.py), each decided with the RFC
or the checklist and pinned here: written failing, before the fix."""

from __future__ import annotations

import asyncio
from typing import Any

from checks import dmarc, spf
from checks.findings import Finding
from tests.test_engine_s26c_blind import CnameDns
from tests.test_engine_s29s_blind import CASES, run_case
from tests.test_spf import make_ctx, published


def _case(name: str) -> Any:
    return CASES[[c.name for c in CASES].index(name)]


def _dmarc(domain: str, zone: dict[Any, Any]) -> list[Finding]:
    ctx = make_ctx(domain, zone)
    ctx.dns = CnameDns(zone)  # type: ignore[assignment]
    return asyncio.run(dmarc.evaluate(ctx))


OWN = "v=DMARC1; p=quarantine; rua=mailto:dmarc@westmoor-plumbing.com"


def test_a_record_at_dmarc_without_the_underscore_is_a_misplaced_record() -> None:
    # dmarc-without-underscore read "westmoor-plumbing.com has no DMARC policy ... Start with
    # p=none" and offered p=none with a made-up mailbox: the owner's p=quarantine record at
    # 'dmarc.' (the '_' left out, or stripped by a panel) was never named, though receivers
    # look at _dmarc.<domain> alone (RFC 7489 §6.1, RFC 9989 §4.5; checklist DMARC-04: fail,
    # and tell the user where it should go).
    findings, _ = run_case(_case("dmarc-without-underscore"))
    (misplaced,) = [f for f in findings if f.id == "DMARC-04"]
    assert str(misplaced.status) == "fail"
    assert "dmarc.westmoor-plumbing.com" in misplaced.summary
    assert "'_dmarc'" in misplaced.summary and "underscore" in misplaced.summary
    first, *rest = misplaced.fix.splitlines()
    assert published(first) == ("_dmarc.westmoor-plumbing.com", OWN)
    assert any("dmarc.westmoor-plumbing.com" in line and "Delete" in line for line in rest)
    assert not [f for f in findings if f.id == "DMARC-01" and "p=none" in f.fix]


def test_a_wildcard_or_a_failed_lookup_at_dmarc_is_no_misplaced_record() -> None:
    # A wildcard answers 'dmarc.<d>' as it answers any name beside it: that is no record the
    # owner put there (as s19k decided for the undotted names). Here the probe beside it gets
    # the same record, as a wildcard gives it.
    domain = "westmoor-plumbing.com"
    zone = _case("dmarc-without-underscore").zone

    class WildcardDns(CnameDns):
        async def query(self, name: str, rdtype: str, **kw: Any) -> Any:
            if name.startswith("mailsec-probe-") and name.endswith("." + domain):
                name = f"dmarc.{domain}"
            return await super().query(name, rdtype, **kw)

    ctx = make_ctx(domain, zone)
    ctx.dns = WildcardDns(zone)  # type: ignore[assignment]
    findings = asyncio.run(dmarc.evaluate(ctx))
    assert not [f for f in findings if f.id == "DMARC-04"]
    assert [str(f.status) for f in findings if f.id == "DMARC-01"] == ["info"]

    failed = {**zone, (f"dmarc.{domain}", "TXT"): "SERVFAIL"}
    findings = _dmarc(domain, failed)
    assert not [f for f in findings if f.id == "DMARC-04"]
    assert [str(f.status) for f in findings if f.id == "DMARC-01"] == ["info"]


def test_a_stray_element_that_is_no_address_is_not_called_a_second_report_address() -> None:
    # dmarc-spf-term-pasted read "'-all' is not a 'tag=value' pair; receivers ignore it (a
    # second report address must be separated by ',' not ';')": '-all' is no report address,
    # so the advice in brackets sent the owner looking for a second address that is not there.
    findings, _ = run_case(_case("dmarc-spf-term-pasted"))
    (stray,) = [f for f in findings if f.id == "DMARC-17"]
    assert stray.summary.startswith("'-all' is not a 'tag=value' pair")
    assert "report address" not in stray.summary
    for element in ("junk", "reject", "~all"):
        record = f"v=DMARC1; p=reject; {element}; rua=mailto:d@example.com"
        (problem,) = [p for p in dmarc.parse_dmarc(record).problems if p.check_id == "DMARC-17"]
        assert "report address" not in problem.message, element
    # An address after another tag than rua/ruf is still told how a second one is written.
    record = "v=DMARC1; rua=mailto:a@example.com; p=reject; mailto:b@example.com"
    (problem,) = [p for p in dmarc.parse_dmarc(record).problems if p.check_id == "DMARC-17"]
    assert "separated by ',' not ';'" in problem.message


def _spf17(name: str) -> list[Finding]:
    findings, _ = run_case(_case(name))
    return [f for f in findings if f.id == "SPF-17"]


def test_helo_names_the_mail_servers_past_the_tenth_that_were_not_checked() -> None:
    # spf-mx-eleven-hosts listed mx01..mx10 as lacking a HELO record, with ten records to
    # publish, and said nothing of mx11: the check looks at ten hosts, so after the owner
    # published those ten the eleventh would never be named at all.
    (note,) = _spf17("spf-mx-eleven-hosts")
    assert str(note.status) == "info"
    assert "mx10.ashgrove-logistics.com" in note.summary
    assert "mx11.ashgrove-logistics.com" in note.summary and "not checked" in note.summary
    assert "mx11.ashgrove-logistics.com" not in note.fix  # not looked up: no record claimed
    # Ten hosts: all checked, no such words.
    (ten,) = _spf17("spf-mx-ten-hosts")
    assert "not checked" not in ten.summary


def test_helo_says_which_servers_were_not_checked_when_the_first_ten_have_records() -> None:
    hosts_ = [f"mx{i:02d}.ashgrove-logistics.com" for i in range(1, 13)]
    zone = dict(_case("spf-mx-eleven-hosts").zone)
    for h in hosts_[:10]:
        zone[(h, "TXT")] = ["v=spf1 a -all"]
    zone.update(
        {("ashgrove-logistics.com", "MX"): [f"{10 * (i + 1)} {h}." for i, h in enumerate(hosts_)]}
    )
    zone[(hosts_[10], "A")] = ["198.51.100.200"]
    zone[(hosts_[11], "A")] = ["198.51.100.201"]
    ctx = make_ctx("ashgrove-logistics.com", zone)
    ctx.dns = CnameDns(zone)  # type: ignore[assignment]
    (note,) = [f for f in asyncio.run(spf.evaluate(ctx)) if f.id == "SPF-17"]
    assert str(note.status) == "info"
    assert "mx11.ashgrove-logistics.com, mx12.ashgrove-logistics.com" in note.summary
    assert "not checked" in note.summary and not note.fix
