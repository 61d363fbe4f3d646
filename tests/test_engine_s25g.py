"""Engine fixes from blind round s25g (tests/test_lab_s25g_blind.py), texts only.

DANE-04 warn for PKIX records beside DANE ones (s25g-danemixed: a TLSA generator's 3 1 1 and
1 1 1 of one key, both pasted) said 'mix PKIX usages (0/1) ... with DANE usages' and offered no
fix: it now names the PKIX-EE/PKIX-TA records and gives the lines to delete.

SPF-01 warn for a domain whose SPF policy exists only as the obsolete type 99 record
(s25g-spf99only) said it 'publishes no SPF record' and offered a new 'v=spf1 mx ~all' starting
record, beside SPF-14's fix, the owner's own policy ('v=spf1 mx -all') as TXT: two records for
one name. It now says where the policy is and offers the same TXT record as SPF-14.
"""

from __future__ import annotations

import hashlib
from types import SimpleNamespace

from checks import dane, spf
from checks.config import CheckConfig
from checks.context import CheckContext
from checks.findings import Collector, Finding, Mechanism, Status
from tests.test_spf import run

HOST = "mx1.mixed.example"


def _dane04(*texts: str) -> list[Finding]:
    records = []
    for text in texts:
        parsed = dane.parse_tlsa_text(text)
        assert parsed.record is not None
        records.append(parsed.record)
    state = dane.TlsaState(
        host=HOST, base=HOST, qname=f"_25._tcp.{HOST}", records=records, secure=True
    )
    mxset = SimpleNamespace(implicit=False, answer=SimpleNamespace(ad=True, evidence=dict))
    out = Collector(Mechanism.DANE)
    host = SimpleNamespace(name=HOST, bogus=False, addresses=[])
    dane._host_findings(out, CheckContext("mixed.example", CheckConfig()), host, state, [], mxset)
    return [f for f in out.findings if f.id == "DANE-04"]


SPKI = hashlib.sha256(b"the current key").hexdigest()


def test_pkix_ee_beside_dane_ee_is_named_with_the_record_to_delete() -> None:
    [finding] = _dane04(f"3 1 1 {SPKI}", f"1 1 1 {SPKI}")
    assert finding.status == Status.WARN
    assert f"PKIX-EE(1) record ('1 1 1 {SPKI[:34]}')" in finding.summary
    assert finding.fix == (
        f"Delete this TLSA record at _25._tcp.{HOST} (the DANE-TA/DANE-EE records stay):\n"
        f"_25._tcp.{HOST}. TLSA 1 1 1 {SPKI}"
    )


def test_pkix_ta_and_ee_are_both_listed() -> None:
    root = hashlib.sha256(b"a root").hexdigest()
    [finding] = _dane04(f"3 1 1 {SPKI}", f"1 1 1 {SPKI}", f"0 1 1 {root}")
    assert "PKIX-TA(0) and PKIX-EE(1) records" in finding.summary
    assert finding.fix.splitlines()[1:] == [
        f"_25._tcp.{HOST}. TLSA 1 1 1 {SPKI}",
        f"_25._tcp.{HOST}. TLSA 0 1 1 {root}",
    ]


def test_dane_only_records_still_pass() -> None:
    [finding] = _dane04(f"3 1 1 {SPKI}")
    assert finding.status == Status.PASS


D = "old.example"
MX = {(D, "MX"): [f"10 mx1.{D}."], (f"mx1.{D}", "A"): ["192.0.2.25"]}


def test_spf_only_as_type_99_gets_one_fix_for_spf01_and_spf14() -> None:
    findings = run(spf, D, {**MX, (D, "SPF"): ["v=spf1 mx -all"]})
    [spf01] = [f for f in findings if f.id == "SPF-01"]
    [spf14] = [f for f in findings if f.id == "SPF-14"]
    assert (spf01.status, spf14.status) == (Status.WARN, Status.FAIL)
    assert spf01.fix == spf14.fix == f'{D}. TXT "v=spf1 mx -all"'
    assert "'v=spf1 mx -all' sits in an obsolete type 99 record (see SPF-14)" in spf01.summary
    assert "~all" not in spf01.summary


def test_no_spf_at_all_keeps_the_starting_record() -> None:
    [spf01] = [f for f in run(spf, D, MX) if f.id == "SPF-01"]
    assert spf01.status == Status.WARN
    assert spf01.fix == f'{D}. TXT "v=spf1 mx ~all"'
