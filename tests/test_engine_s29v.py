"""Review s29v of the day's engine changes: defects found, each pinned here, written failing
before the fix."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from checks import dmarc
from checks.findings import Finding
from tests.test_engine_s26c_blind import CnameDns
from tests.test_spf import make_ctx, published

DOMAIN = "example.com"
BASE: dict[Any, Any] = {
    (DOMAIN, "MX"): [f"10 mx.{DOMAIN}."],
    (f"mx.{DOMAIN}", "A"): ["192.0.2.1"],
    (DOMAIN, "TXT"): ["v=spf1 mx -all"],
}


def _dmarc(zone: dict[Any, Any]) -> list[Finding]:
    ctx = make_ctx(DOMAIN, zone)
    ctx.dns = CnameDns(zone)  # type: ignore[assignment]
    return asyncio.run(dmarc.evaluate(ctx))


# Where an owner's record sits that receivers never look at: DMARC-04 tells them to move it.
MISPLACED = {
    "without the underscore (1ef7489)": f"dmarc.{DOMAIN}",
    "owner without its final dot": f"_dmarc.{DOMAIN}.{DOMAIN}",
    "at the domain itself": DOMAIN,
}


@pytest.mark.parametrize("where", MISPLACED.values(), ids=list(MISPLACED))
def test_the_moved_record_the_fix_offers_passes_where_it_is_moved_to(where: str) -> None:
    # DMARC-04 offered the misplaced record verbatim at _dmarc.<domain>: published as told,
    # it failed there (DMARC-12: a bare report mailbox, where RFC 7489 §6.4 asks for a
    # 'mailto:' URI). Receivers ignore the misplaced record whole, as they ignore a
    # record DMARC-03 fails, so the fix offers it as DMARC-03's does: every valid choice kept,
    # what receivers would ignore repaired where its meaning is plain.
    record = "v=DMARC1; p=reject; rua=dmarc@example.com"
    findings = _dmarc({**BASE, (where, "TXT"): [record]})
    (moved,) = [f for f in findings if f.id == "DMARC-04"]
    assert str(moved.status) == "fail"
    name, offered = published(moved.fix.splitlines()[0])
    assert (name, offered) == (
        f"_dmarc.{DOMAIN}",
        "v=DMARC1; p=reject; rua=mailto:dmarc@example.com",
    )
    after = _dmarc({**BASE, (name, "TXT"): [offered]})
    assert [(f.id, f.summary) for f in after if str(f.status) == "fail"] == []


def test_a_valid_misplaced_record_is_offered_as_published() -> None:
    # The control: nothing to repair, so the record moves as the owner wrote it.
    record = "v=DMARC1; p=quarantine; rua=mailto:dmarc@example.com"
    findings = _dmarc({**BASE, (f"dmarc.{DOMAIN}", "TXT"): [record]})
    (moved,) = [f for f in findings if f.id == "DMARC-04"]
    assert published(moved.fix.splitlines()[0]) == (f"_dmarc.{DOMAIN}", record)


@pytest.mark.parametrize(
    "record", ["v=DMARC1;p=reject", "v=DMARC1; p=none; rua=mailto:d@example.com;"]
)
def test_a_valid_misplaced_record_keeps_its_spacing(record: str) -> None:
    findings = _dmarc({**BASE, (f"dmarc.{DOMAIN}", "TXT"): [record]})
    (moved,) = [f for f in findings if f.id == "DMARC-04"]
    assert published(moved.fix.splitlines()[0]) == (f"_dmarc.{DOMAIN}", record)
    assert "written right" not in moved.fix


# 84ab765 named the firewall in SMTP-02's and MTASTS-32's fix when EHLO reached the MTA as
# 'XXXX' (a Cisco PIX/ASA SMTP fixup); DANE-10, for the same MX with usable TLSA records, still
# said "Enable STARTTLS on <host>", sending the owner to a mail server that may offer it.
PIX = (
    'EHLO was answered 500 5.5.1 Command unrecognized: "XXXX mailsec.example"; only HELO was '
    "accepted"
)


def _dane10(problem: str) -> Finding:
    from types import SimpleNamespace

    from checks import dane
    from checks.findings import Collector, Mechanism
    from checks.starttls import SmtpProbe

    host = "mx.example.com"
    parsed = dane.parse_tlsa_text("3 1 1 " + "ab" * 32)
    assert parsed.record is not None
    state = dane.TlsaState(
        host=host, base=host, qname=f"_25._tcp.{host}", records=[parsed.record], secure=True
    )
    probe = SmtpProbe(host=host, address="192.0.2.25", connected=True, banner_code=220)
    probe.helo_only, probe.problem = True, problem
    out = Collector(Mechanism.DANE)
    dane._probe_findings(out, SimpleNamespace(name=host), state, [probe])
    (found,) = [f for f in out.findings if f.id == "DANE-10"]
    return found


def test_dane10_fix_names_the_firewall_that_rewrote_ehlo() -> None:
    found = _dane10(PIX)
    assert str(found.status) == "fail"  # unchanged
    assert "firewall" in found.fix and "fixup protocol smtp" in found.fix
    assert "withdraw _25._tcp.mx.example.com TLSA" in found.fix
    assert not found.fix.startswith("Enable STARTTLS")


def test_dane10_fix_for_a_plain_helo_only_server_is_unchanged() -> None:
    found = _dane10("EHLO was answered 502 5.5.2 Error: command not recognized")
    assert found.fix == (
        "Enable STARTTLS on mx.example.com, or withdraw _25._tcp.mx.example.com TLSA first."
    )
