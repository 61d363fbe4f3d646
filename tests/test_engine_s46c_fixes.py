"""What blind round s46c (tests/test_engine_s46c_blind.py) found wrong in the engine, each with
a control that must keep its old reading.

* MX-03 took a BIMI declination ('v=BIMI1; l=; a=') at a null-MX domain for a sign that the
  domain sends mail (warn, 'remove the TXT records at default._bimi...'); a declination shows
  no logo (BIMI-03 says so) and is what a parked domain may publish.
* MX-03 took 'redirect=' for a sign of sending even when the record it leads to is
  'v=spf1 -all' (a registrar's parked-domain template), beside SPF-18's pass 'its SPF record
  rejects all senders, as it should'.
* A lone 'MX 10 .' was read as the null MX with no word that RFC 7505 §3 gives it preference 0.
* DMARC-06 at a null-MX domain that shows no sign of sending, with reports set, offered
  p=quarantine and 'move to quarantine, then reject, once reports look clean': there is no mail
  of its own to vet; without reports it was already offered p=reject.
"""

from __future__ import annotations

from typing import Any

from checks import dmarc, mx
from checks.findings import Finding
from tests.blind_engine import run_engine
from tests.test_engine_s44e_blind import DKIM

D = "parked.example.com"


def zone(**more: Any) -> dict[Any, Any]:
    base: dict[Any, Any] = {
        (D, "MX"): ["0 ."],
        (D, "TXT"): ["v=spf1 -all"],
        (f"_dmarc.{D}", "TXT"): ["v=DMARC1; p=reject"],
    }
    base.update({(k[0], k[1]): v for k, v in more.get("records", {}).items()})
    return base


def one(findings: list[Finding], check: str) -> Finding:
    found = [f for f in findings if f.id == check]
    assert len(found) == 1, [(f.id, f.status, f.summary) for f in findings]
    return found[0]


def mx03(records: dict[Any, Any]) -> Finding:
    return one(run_engine(mx, D, zone(records=records)).findings, "MX-03")


def test_a_bimi_declination_is_no_sign_of_sending() -> None:
    declined = mx03({(f"default._bimi.{D}", "TXT"): ["v=BIMI1; l=; a=;"]})
    assert declined.status == "info", declined.summary
    assert "bimi" not in declined.summary.lower()
    # Control: a record that shows a logo still says the domain sends.
    logo = mx03({(f"default._bimi.{D}", "TXT"): [f"v=BIMI1; l=https://{D}/logo.svg; a=;"]})
    assert logo.status == "warn"
    assert f"BIMI record at default._bimi.{D}" in logo.summary


def test_a_redirect_to_a_record_refusing_everyone_authorises_nobody() -> None:
    refusing = mx03(
        {
            (D, "TXT"): ["v=spf1 redirect=_spf.parked.registrar.example"],
            ("_spf.parked.registrar.example", "TXT"): ["v=spf1 -all"],
        }
    )
    assert refusing.status == "info", refusing.summary
    # Control: a redirect whose record lists a sender still does.
    sending = mx03(
        {
            (D, "TXT"): ["v=spf1 redirect=_spf.esp.example"],
            ("_spf.esp.example", "TXT"): ["v=spf1 ip4:192.0.2.0/24 -all"],
        }
    )
    assert sending.status == "warn"
    assert "redirect=_spf.esp.example" in sending.summary
    # And one that cannot be followed is still counted, as before.
    gone = mx03({(D, "TXT"): ["v=spf1 redirect=_spf.gone.example"]})
    assert gone.status == "warn"


def test_a_lone_null_mx_of_preference_10_is_given_the_rfc_form() -> None:
    ten = mx03({(D, "MX"): ["10 ."]})
    assert ten.status == "info"
    assert "It is written 'MX 10 .', where RFC 7505 §3 gives the null MX preference 0" in (
        ten.summary
    )
    assert (
        ten.fix
        == f"Publish {D}. MX 0 . in place of {D}. MX 10 . (the same record with preference 0)."
    )
    # Control: 'MX 0 .' gets neither.
    zero = mx03({})
    assert "written" not in zero.summary and not zero.fix


def dmarc06(records: dict[Any, Any]) -> list[Finding]:
    findings = run_engine(dmarc, D, zone(records=records)).findings
    return [f for f in findings if f.id == "DMARC-06"]


COLLECTOR = {
    (f"_dmarc.{D}", "TXT"): ["v=DMARC1; p=none; rua=mailto:d@reports.collector.example"],
    (f"{D}._report._dmarc.reports.collector.example", "TXT"): ["v=DMARC1"],
    ("reports.collector.example", "MX"): ["10 in.collector.example."],
    ("in.collector.example", "A"): ["192.0.2.10"],
}


def test_dmarc06_at_a_parked_domain_with_reports_offers_reject_at_once() -> None:
    (found,) = dmarc06(COLLECTOR)
    assert found.status == "warn"
    assert "publish p=reject now" in found.summary
    assert "once reports look clean" not in found.summary
    assert found.fix == (
        f'_dmarc.{D}. TXT "v=DMARC1; p=reject; rua=mailto:d@reports.collector.example"'
    )
    # Control: a null-MX domain that still signs (a DKIM key) is stepped up as before.
    (signing,) = dmarc06({**COLLECTOR, (f"google._domainkey.{D}", "TXT"): [DKIM]})
    assert "once reports look clean" in signing.summary
    assert "p=quarantine" in signing.fix
