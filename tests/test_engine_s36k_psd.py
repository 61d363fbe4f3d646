"""Task s36k, item 2: one DMARC record proposed per name.

An Organizational Domain with no DMARC record under a public suffix RFC 9989 takes for the
Organizational Domain (psd=y one label above a silent suffix: _dmarc.uk over gov.uk, §4.10.2
rule 2) got two different records at _dmarc.<org>: DMARC-01's with psd=n (s36e), BIMI-08's
without it (d2ecd338's notes). BIMI-08 now proposes DMARC-01's record (dmarc.not_found_record,
the same code), made enforcing as BIMI needs.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from checks.findings import Finding
from tests.test_engine_s29s_blind import logo, mark, site
from tests.test_engine_s35n_psd import ORG, _run


def _records(finding: Finding) -> list[str]:
    return re.findall(rf'^_dmarc\.{re.escape(ORG)}\. TXT "([^"]*)"$', finding.fix, re.M)


def _one(findings: list[Finding], check: str) -> Finding:
    (found,) = [f for f in findings if f.id == check]
    return found


@pytest.mark.parametrize(
    ("operator", "bimi08"),
    [
        # The operator's reject is kept by both (s36p); quarantine or reject is BIMI's bar.
        ("v=DMARC1; p=reject; psd=y", "v=DMARC1; p=reject; rua=mailto:dmarc-reports@{o}; psd=n"),
        (
            "v=DMARC1; p=quarantine; psd=y",
            "v=DMARC1; p=quarantine; rua=mailto:dmarc-reports@{o}; psd=n",
        ),
        # DMARC-01's p=none made enforcing, psd=n kept.
        ("v=DMARC1; p=none; psd=y", "v=DMARC1; p=quarantine; rua=mailto:dmarc-reports@{o}; psd=n"),
    ],
)
def test_bimi08_proposes_dmarc01s_record_made_enforcing(operator: str, bimi08: str) -> None:
    zone: dict[Any, Any] = site(ORG, more={("_dmarc.uk", "TXT"): [operator]})
    dmarc01 = _one(_run(ORG, zone), "DMARC-01")
    zone[(f"default._bimi.{ORG}", "TXT")] = [f"v=BIMI1; l={logo(ORG)}; a={mark(ORG)}"]
    found = _one(_run(ORG, zone, "bimi"), "BIMI-08")
    assert found.status == "fail"  # status unchanged
    (own,) = _records(dmarc01)
    assert own.endswith("; psd=n"), dmarc01.fix
    assert _records(found) == [bimi08.format(o=ORG)], found.fix
    # The same record but for the policy BIMI needs.
    assert re.sub(r"p=\w+", "p=", _records(found)[0]) == re.sub(r"p=\w+", "p=", own)
    assert "psd=n" in found.summary


def test_bimi08_adds_no_psd_n_where_dmarc01_asks_none() -> None:
    # psd=y at the suffix itself: ambridge.gov.uk is the Organizational Domain already.
    zone: dict[Any, Any] = site(ORG, more={("_dmarc.gov.uk", "TXT"): ["v=DMARC1; p=none; psd=y"]})
    zone[(f"default._bimi.{ORG}", "TXT")] = [f"v=BIMI1; l={logo(ORG)}; a={mark(ORG)}"]
    found = _one(_run(ORG, zone, "bimi"), "BIMI-08")
    assert _records(found) == [f"v=DMARC1; p=quarantine; rua=mailto:dmarc-reports@{ORG}"]
