"""DMARC-06 when no report address can receive the reports (task s47e item 3).

A mailbox at a domain publishing a null MX ('MX 0 .', RFC 7505 §3) receives no mail, so the
aggregate reports sent there are refused: DMARC-12 warns "cannot be delivered ... No aggregate
reports reach you". DMARC-06 still read the record as one with reports: at a null-MX domain
sending nothing it said the reports "go on showing mail forged in its name", and elsewhere it
offered p=quarantine with "move to quarantine, then reject, once reports look clean", advice
resting on reports that cannot arrive. It now says they cannot arrive and, as for a record
without rua, asks for a mailbox that receives mail before enforcing; a domain with a null MX
that sends nothing is still offered p=reject at once (s46c). No network: in-memory DNS.
"""

from __future__ import annotations

from typing import Any

from checks import dmarc
from checks.findings import Finding
from tests.blind_engine import run_engine

D = "parked.example.com"
DMARC = (f"_dmarc.{D}", "TXT")
OWN = f"rua=mailto:dmarc@{D}"
SENDS = {(D, "TXT"): ["v=spf1 ip4:192.0.2.0/24 -all"]}
COLLECTOR = {
    (f"{D}._report._dmarc.reports.collector.example", "TXT"): ["v=DMARC1"],
    ("reports.collector.example", "MX"): ["10 in.collector.example."],
    ("in.collector.example", "A"): ["192.0.2.10"],
}


def findings(record: str, *, null_mx: bool = True, more: Any = None) -> list[Finding]:
    zone: dict[Any, Any] = {
        (D, "MX"): ["0 ."] if null_mx else ["10 mx.example.net."],
        (D, "TXT"): ["v=spf1 -all"],
        DMARC: [record],
        ("gone.example", "MX"): ["0 ."],
        (f"{D}._report._dmarc.gone.example", "TXT"): ["v=DMARC1"],
        **COLLECTOR,
    }
    zone.update(more or {})
    return run_engine(dmarc, D, zone).findings


def dmarc06(record: str, **kw: Any) -> Finding:
    found = [f for f in findings(record, **kw) if f.id == "DMARC-06"]
    assert len(found) == 1, [(f.id, f.status, f.summary) for f in found]
    return found[0]


def test_a_parked_domain_is_not_told_its_undeliverable_reports_show_anything() -> None:
    found = dmarc06(f"v=DMARC1; p=none; {OWN}")
    assert found.status == "warn"
    assert "publish p=reject now" in found.summary
    assert "go on showing" not in found.summary and "reports to vet" not in found.summary
    assert (
        f"the reports it asks for cannot arrive: dmarc@{D} is at {D}, which publishes a null MX "
        "(it accepts no mail, see DMARC-12)" in found.summary
    ), found.summary
    assert found.fix == f'_dmarc.{D}. TXT "v=DMARC1; p=reject; {OWN}"'


def test_a_null_mx_domain_that_sends_is_not_told_to_wait_for_reports_that_cannot_come() -> None:
    found = dmarc06(f"v=DMARC1; p=none; {OWN}", more=SENDS)
    text = found.summary
    assert found.status == "warn"
    assert not text.endswith("Move to quarantine, then reject, once reports look clean."), text
    assert "cannot arrive" in text
    assert f"If {D} sends no mail, publish p=reject now" in text
    assert "first send the reports to a mailbox at a domain that receives mail" in text
    assert "p=quarantine" not in found.fix
    assert f'_dmarc.{D}. TXT "v=DMARC1; p=reject; {OWN}"' in found.fix
    assert dmarc.OTHER_MAILBOX in found.fix


def test_reports_to_another_domains_null_mx_cannot_arrive_either() -> None:
    found = dmarc06("v=DMARC1; p=none; rua=mailto:d@gone.example", null_mx=False, more=SENDS)
    assert (
        "The reports it asks for cannot arrive: d@gone.example is at gone.example, which "
        "publishes a null MX (it accepts no mail, see DMARC-12). First send the reports to a "
        "mailbox at a domain that receives mail" in found.summary
    ), found.summary
    assert "p=quarantine" not in found.fix and "p=reject" not in found.fix
    assert dmarc.OTHER_MAILBOX in found.fix


def test_reports_that_can_arrive_read_as_before() -> None:
    # Controls: a collector that takes mail, alone or beside a dead address.
    for rua in (
        "rua=mailto:d@reports.collector.example",
        "rua=mailto:d@gone.example,mailto:d@reports.collector.example",
    ):
        found = dmarc06(f"v=DMARC1; p=none; {rua}", null_mx=False, more=SENDS)
        assert found.summary.endswith("Move to quarantine, then reject, once reports look clean.")
        assert "cannot arrive" not in found.summary
        assert found.fix == f'_dmarc.{D}. TXT "v=DMARC1; p=quarantine; {rua}"'
