"""Engine follow-ups s32p, each written failing before its fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from checks.findings import Finding
from tests.test_bimi_s11_logo_tls import Served
from tests.test_certs import Pki, make_leaf
from tests.test_engine_s29g import MX
from tests.test_engine_s32f import D, _one, _spf
from tests.test_fix_s14_cert_fixes import POLICY_HOST, one, policy_findings

# A record that includes itself: a loop (RFC 7208 §4.6.4 counts it past the limit).
LOOP = {("loop.example.net", "TXT"): ["v=spf1 include:loop.example.net -all"]}
# Fourteen records each including the next: deeper than the tree is followed.
DEEP = {
    (f"d{i}.example.net", "TXT"): [f"v=spf1 include:d{i + 1}.example.net -all"] for i in range(14)
} | {("d14.example.net", "TXT"): ["v=spf1 ip4:192.0.2.1 -all"]}


# ------------------------- 1. SPF-05: a loop or too-deep tree past an include every server passes at


# d0e88a6 (s32f) made SPF-05 count only the lookups a receiver makes for some server: at an
# include of a '+all' record every server passes, so no receiver evaluates a term after it
# (RFC 7208 §4.6.2, §4.6.4). A loop or too-deep include chain after it is never followed by
# any receiver either: it is over the limit once that include is removed (SPF-09 asks so), a
# warning, as for a count over ten there, not a fail.
def test_s32p_spf05_warns_for_a_loop_past_the_open_include() -> None:
    record = "v=spf1 include:open.example.net include:loop.example.net -all"
    found = _one(_spf(record, LOOP), "SPF-05")
    assert str(found.status) == "warn"
    assert "for now: every server passes at the include of open.example.net" in found.summary
    assert "'include:loop.example.net' leads back to loop.example.net" in found.summary
    assert "once that term is removed" in found.summary
    assert found.evidence["lookups"] == 1


def test_s32p_spf05_warns_for_a_too_deep_chain_past_the_open_include() -> None:
    record = "v=spf1 include:open.example.net include:d0.example.net -all"
    found = _one(_spf(record, DEEP), "SPF-05")
    assert str(found.status) == "warn"
    assert "for now: every server passes at the include of open.example.net" in found.summary
    assert "too deep" in found.summary
    assert "once that term is removed" in found.summary


def test_s32p_spf05_still_fails_for_a_loop_before_the_open_include() -> None:
    # Control (fails before and after): receivers meet the loop on the way to the include.
    record = "v=spf1 include:loop.example.net include:open.example.net -all"
    found = _one(_spf(record, LOOP), "SPF-05")
    assert str(found.status) == "fail"
    assert "The SPF record loops" in found.summary


def test_s32p_spf05_still_fails_for_a_too_deep_chain_before_the_open_include() -> None:
    # Control (fails before and after).
    record = "v=spf1 include:d0.example.net include:open.example.net -all"
    found = _one(_spf(record, DEEP), "SPF-05")
    assert str(found.status) == "fail"


# ------------------------- 2. MTASTS-12: a policy-host certificate naming the host only in its CN


# RFC 8461 §3.3 wants a valid DNS-ID and RFC 9525 dropped the CN fallback, so MTASTS-12 fails
# it. But senders fetching the policy with Python's ssl (hostname_checks_common_name is true by
# default; postfix-mta-sts-resolver among them) still accept it, as OpenSSL falls back to the
# CN: TLS-RPT reports may show no failures while other senders refuse the policy.
def test_s32p_mtasts12_cn_only_says_some_senders_still_accept_it(tmp_path: Path) -> None:
    pki = Pki()
    assert pki.inter is not None
    served = Served(make_leaf(pki.inter, None, cn=POLICY_HOST), [pki.inter])
    finding = one(policy_findings(pki, tmp_path, served), "MTASTS-12")
    assert str(finding.status) == "fail"
    assert "the CN in its subject is not used" in finding.summary
    assert "hostname_checks_common_name" in finding.summary
    assert "postfix-mta-sts-resolver" in finding.summary
    assert "reports may show no failures" in finding.summary
    assert "subjectAltName" in finding.fix and POLICY_HOST in finding.fix


# ------------------------- 3. TLSRPT-04/09 for pasted characters: the record to retype is the fix's


# The summary quoted the record with the pasted characters removed, the fix gave record_fix's
# record (duplicate rua fields merged, a trailing ';' dropped, '; ' between fields, a scheme
# added): two records for one fault. As s32x/s32y made MTASTS-04/08 agree, the summary asks to
# retype the record and the fix gives it.
def _tlsrpt(records: list[str]) -> list[Finding]:
    from checks import tlsrpt
    from tests.test_spf import run

    return run(tlsrpt, D, {("_smtp._tls." + D, "TXT"): records, **MX})


@pytest.mark.parametrize(
    ("record", "check_id", "words"),
    [
        # A no-break space after the version, and two rua fields the fix merges.
        (
            "v=TLSRPTv1;\u00a0rua=mailto:tls@example.com; rua=mailto:x@example.com",
            "TLSRPT-09",
            "Retype the record by hand.",
        ),
        # A byte order mark, and a trailing ';' the fix drops.
        ("\ufeffv=TLSRPTv1; rua=mailto:tls@example.com;", "TLSRPT-04", "retype it by hand."),
        # Typographic quotes around a record whose address lacks its scheme.
        ("\u201cv=TLSRPTv1; rua=tls@example.com\u201d", "TLSRPT-04", "Retype it without them."),
    ],
)
def test_s32p_tlsrpt_pasted_record_summary_quotes_no_record_but_the_fix_s(
    record: str, check_id: str, words: str
) -> None:
    found = _one([f for f in _tlsrpt([record]) if str(f.status) == "fail"], check_id)
    assert words in found.summary
    assert "rua=" not in found.summary  # no record of its own beside the fix's
    assert found.fix.startswith(f'_smtp._tls.{D}. TXT "v=TLSRPTv1; rua=mailto:tls@example.com')
