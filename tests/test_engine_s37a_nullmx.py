"""Task s37a, item 2: DMARC and BIMI advice for a domain with a null MX (RFC 7505).

A null MX says the domain accepts no mail, and such a domain SHOULD NOT send any (RFC 7505
§4.2). DMARC-01 proposes p=reject for it (no record), DMARC-06 p=reject "if it sends no mail"
(p=none). BIMI-08, for the same domain with a BIMI record (which MX-03 warns of: a sign it
sends), proposed p=quarantine and told the owner to "move to quarantine only once" reports
show their mail passes: another record for the same name, and advice DMARC-01/-06 do not give.
Now BIMI-08 proposes the same p=reject record, says why (null MX; a domain that sends no mail
needs no BIMI record, see MX-03), and drops the "only once" caution. Status unchanged (fail);
p=quarantine with pct=100 still meets BIMI's bar (pass), as the draft says.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from checks.findings import Finding
from tests.test_engine_s29s_blind import Case, logo, mark, site
from tests.test_engine_s34s_blind import run_case

D = "parked.example"
NULL = {(D, "MX"): ["0 ."]}
BIMI = {(f"default._bimi.{D}", "TXT"): [f"v=BIMI1; l={logo(D)}; a={mark(D)}"]}


def _run(zone: dict[Any, Any], module: str) -> list[Finding]:
    return run_case(Case("s37a", module, D, dict(zone)))[0]


def _zone(dmarc: str | None, mx: dict[Any, Any] | None = None) -> dict[Any, Any]:
    return site(D, spf_record="v=spf1 -all", dmarc_record=dmarc, mx=dict(mx or NULL), more=BIMI)


def _one(findings: list[Finding], check: str) -> Finding:
    found = [f for f in findings if f.id == check]
    assert found, [f.id for f in findings]
    return found[-1]


def _records(finding: Finding) -> list[str]:
    return re.findall(rf'^_dmarc\.{re.escape(D)}\. TXT "([^"]*)"$', finding.fix, re.M)


def test_no_dmarc_record_bimi08_proposes_dmarc01s_reject() -> None:
    zone = _zone(None)
    dmarc01 = _one(_run(zone, "dmarc"), "DMARC-01")
    bimi08 = _one(_run(zone, "bimi"), "BIMI-08")
    assert bimi08.status == "fail"
    assert _records(dmarc01) == ["v=DMARC1; p=reject"]
    assert _records(bimi08) == _records(dmarc01), bimi08.fix
    assert "only once" not in bimi08.summary
    assert "null MX" in bimi08.summary
    assert "MX-03" in bimi08.summary


@pytest.mark.parametrize(
    "dmarc", ["v=DMARC1; p=none", "v=DMARC1; p=quarantine; pct=50", "v=DMARC1; sp=none; p=reject"]
)
def test_not_enforcing_record_bimi08_proposes_reject(dmarc: str) -> None:
    bimi08 = _one(_run(_zone(dmarc), "bimi"), "BIMI-08")
    assert bimi08.status == "fail"
    (record,) = _records(bimi08)
    assert "p=reject" in record.split("; "), record
    assert "quarantine" not in record
    assert "pct" not in record  # all forged mail rejected, not a sample
    assert "only once" not in bimi08.summary


def test_p_none_bimi08_and_dmarc06_propose_one_record() -> None:
    zone = _zone("v=DMARC1; p=none")
    dmarc06 = [f for f in _run(zone, "dmarc") if f.id == "DMARC-06" and f.fix]
    bimi08 = _one(_run(zone, "bimi"), "BIMI-08")
    assert [r for f in dmarc06 for r in _records(f)] == _records(bimi08) == ["v=DMARC1; p=reject"]


@pytest.mark.parametrize("dmarc", ["v=DMARC1; p=quarantine", "v=DMARC1; p=reject"])
def test_enforcing_record_still_passes(dmarc: str) -> None:
    assert _one(_run(_zone(dmarc), "bimi"), "BIMI-08").status == "pass"


def test_domain_that_receives_mail_keeps_quarantine() -> None:
    zone = site(D, dmarc_record=None, more=BIMI)
    bimi08 = _one(_run(zone, "bimi"), "BIMI-08")
    (record,) = _records(bimi08)
    assert record.startswith("v=DMARC1; p=quarantine; rua=mailto:"), record
    assert "only once" in bimi08.summary
    assert "null MX" not in bimi08.summary
