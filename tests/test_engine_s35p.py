"""Two engine follow-ups (task s35p), written failing first with the fake-DNS harness
(tests/blind_engine.py through s34s's run_case; s35d's DANE runner).

1. psd=y above a public suffix (at _dmarc.uk) while the suffix (gov.uk) publishes nothing makes
   the suffix the Organizational Domain for RFC 9989 receivers (§4.10.2 rule 2), as a suffix's
   record without psd=y does (rule 3, s35m's DMARC-10): relaxed alignment then holds with every
   domain under gov.uk, and a subdomain gets the operator's record. DMARC-10 said nothing of
   it. It now says why, in both cases; and where DMARC-19 already gives the owner the psd=n
   step (s35n, the operator's record applied over the owner's), DMARC-10 points to it rather
   than writing the same record again: one finding carries the fix.
2. A TLSA record at _25._tcp.<domain> was told twice with a fix each: in the MX host's DANE-01
   (what to publish where, s35d) and in the policy domain's DANE-01 ("Publish the records at
   _25._tcp.<mx host>"). The policy domain's finding now names the hosts' findings and has no
   fix of its own when a host's DANE-01 already says it.
"""

from __future__ import annotations

from typing import Any

from checks.findings import Finding, Status
from tests.test_engine_s35d_dane import LEAF, MX, RECORD, _dane01, _zone
from tests.test_engine_s35d_dane import _run as _dane_run
from tests.test_engine_s35n_psd import BARE_GOV, ORG, OWN, SHOP, _run
from tests.test_engine_s35n_psd import _zone as _dmarc_zone
from tests.test_fix_texts import summary_problems
from tests.test_spf import published


def _psd_n_fixes(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.fix and f"_dmarc.{ORG}. TXT" in f.fix and "psd=n" in f.fix]


def _one(findings: list[Finding], check: str) -> Finding:
    found = [f for f in findings if f.id == check]
    assert len(found) == 1, [(f.id, f.status, f.summary) for f in findings]
    return found[0]


def _above() -> list[Finding]:
    zone: dict[Any, Any] = _dmarc_zone(suffix=BARE_GOV + "; psd=y", at="uk")
    return _run(SHOP, zone)


# ---- 1. DMARC-10 ------------------------------------------------------------------------------


def test_psd_y_above_the_suffix_is_said_by_dmarc_10() -> None:
    found = _above()
    note = _one(found, "DMARC-10")
    assert note.status == Status.WARN, note.summary
    for words in ("_dmarc.uk", "psd=y", "gov.uk", "Organizational Domain", "relaxed alignment"):
        assert words in note.summary, (words, note.summary)
    # Why the operator's record applies to the subdomain, not the owner's.
    assert f"_dmarc.{ORG}" in note.summary and "operator" in note.summary, note.summary
    assert not summary_problems(note), summary_problems(note)


def test_the_psd_n_step_is_given_once() -> None:
    for found in (_above(), _run(SHOP, _dmarc_zone())):
        fixes = _psd_n_fixes(found)
        assert [f.id for f in fixes] == ["DMARC-19"], [(f.id, f.fix) for f in fixes]
        note = _one(found, "DMARC-10")
        assert note.status == Status.WARN and not note.fix, note.fix
        assert "DMARC-19" in note.summary and "psd=n" in note.summary, note.summary


def test_at_the_organizational_domain_dmarc_10_carries_the_fix() -> None:
    # ambridge.gov.uk itself: both views apply its own record (DMARC-19 passes), but RFC 9989
    # receivers still take gov.uk for its Organizational Domain: DMARC-10 gives the step.
    zone = _dmarc_zone(suffix=BARE_GOV + "; psd=y", at="uk")
    found = _run(ORG, zone)
    assert _one(found, "DMARC-19").status == Status.PASS
    note = _one(found, "DMARC-10")
    assert note.status == Status.WARN, note.summary
    owner, record = published(note.fix.split("\n")[-1])
    assert owner == f"_dmarc.{ORG}" and record == OWN + "; psd=n", note.fix


def test_psd_y_at_the_suffix_itself_stays_silent() -> None:
    # Control: psd=y at gov.uk makes ambridge.gov.uk the Organizational Domain.
    found = _run(SHOP, _dmarc_zone(suffix=BARE_GOV + "; psd=y"))
    assert not [f for f in found if f.id == "DMARC-10"]


# ---- 2. DANE-01 at _25._tcp.<domain> -----------------------------------------------------------


def _domain_dane01(findings: list[Finding]) -> Finding:
    (finding,) = [f for f in findings if f.id == "DANE-01" and f.subject == "_25._tcp.ex.com"]
    return finding


def test_a_record_at_the_mail_domain_is_fixed_in_the_hosts_finding_only() -> None:
    findings, _ = _dane_run(_zone(**{"_25._tcp.ex.com": [RECORD]}), {MX: [LEAF.der]})
    host = _dane01(findings)
    assert f"_25._tcp.{MX}. IN TLSA {RECORD}" in (host.fix or "")
    domain = _domain_dane01(findings)
    assert domain.status == Status.INFO
    assert not domain.fix, domain.fix
    assert MX in domain.summary and "DANE-01" in domain.summary, domain.summary
    fixing = [f for f in findings if f.fix and "_25._tcp.ex.com" in f.fix]
    assert fixing == [host], [(f.subject, f.fix) for f in fixing]


def test_with_tlsa_at_every_host_the_mail_domains_finding_keeps_its_fix() -> None:
    # Control: no host's finding speaks of _25._tcp.ex.com, so this one says what to do.
    findings, _ = _dane_run(
        _zone(**{f"_25._tcp.{MX}": [RECORD], "_25._tcp.ex.com": [RECORD]}), {MX: [LEAF.der]}
    )
    assert _dane01(findings).status == Status.PASS
    assert _domain_dane01(findings).fix
