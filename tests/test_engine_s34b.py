"""BIMI-08 beside a DMARC record inherited from a public suffix operator (left by task s34p):
written failing, before the fix.

s34p made DMARC-01 read the public suffix operator's record (RFC 9989 §4.10.1: `_dmarc.gov.uk`
for a domain under gov.uk with no record of its own) as no record of the owner's. BIMI-08 still
took that record's p=reject as the domain's enforcing policy and passed. The BIMI draft asks for
the domain's own DMARC at enforcement (checklist BIMI-08), RFC 7489 receivers, the BIMI
receivers among them, apply no policy there at all, and the operator may change its record at
any time: the logo is not shown, and the fix is the owner's own record.
"""

from __future__ import annotations

from checks.findings import Finding
from tests.test_engine_s29s_blind import Case, logo, mark, run_case, site

D = "ambridge-parish.gov.uk"
GOV_UK = "v=DMARC1; p=reject; psd=y; rua=mailto:dmarc-rua@dmarc.service.gov.uk"
BIMI = f"v=BIMI1; l={logo(D)}; a={mark(D)}"


def _bimi08(dmarc_record: str | None) -> Finding:
    zone = site(
        D,
        dmarc_record=dmarc_record,
        more={("_dmarc.gov.uk", "TXT"): [GOV_UK], (f"default._bimi.{D}", "TXT"): [BIMI]},
    )
    findings = run_case(Case("probe", "bimi", D, zone))[0]
    (found,) = [f for f in findings if f.id == "BIMI-08"]
    return found


def test_the_operators_reject_is_not_the_domains_policy() -> None:
    found = _bimi08(None)
    assert found.status == "fail", (found.status, found.summary)
    assert "no DMARC record of its own" in found.summary, found.summary
    assert "_dmarc.gov.uk" in found.summary, found.summary
    assert found.fix.startswith(f"_dmarc.{D}. TXT"), found.fix
    assert "p=quarantine" in found.fix or "p=reject" in found.fix, found.fix
    assert "_dmarc.gov.uk" not in found.fix.splitlines()[0], found.fix


def test_the_owners_own_enforcing_record_still_passes() -> None:
    found = _bimi08(f"v=DMARC1; p=reject; rua=mailto:dmarc@{D}")
    assert found.status == "pass", (found.status, found.summary)
