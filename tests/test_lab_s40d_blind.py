"""Blind round s40d (engine round 15): domains nobody listed, aimed at the checklist rules the
test files name least, with STARTTLS shapes on the MX (checklist §9; RFC 3207, RFC 5321,
RFC 5280, RFC 8996), MTA-STS policy lines (§2, RFC 8461) and TLS-RPT records (§3, RFC 8460),
and one DMARC record (§6).

Measured before the round (files under tests/ naming the id, grep -rlw over tests/, every id of
../shared/standards/checklist.md, 2026-12-04 20:35 UTC): DMARC-20 11, BIMI-07 12, BIMI-03 13,
TLSRPT-08 13, BIMI-06 14, SPF-14 14, DMARC-11 15, SPF-13 15, MTASTS-09 16, MTASTS-26 16,
SMTP-17 16, SPF-18 16, TLSRPT-03 16, DKIM-12 17, DMARC-04 17, MTASTS-27 17, MTASTS-29 17,
SMTP-06 17, SPF-11 17, SPF-12 17; then DKIM-04, DKIM-10, DMARC-15, DMARC-16, MTASTS-08, SPF-07,
SPF-15..17 at 18, MTASTS-06 and BIMI-02 at 19, and SMTP-05, SMTP-12, SMTP-18, TLSRPT-02,
TLSRPT-09, MTASTS-19, MTASTS-22 at 20. Sixteen scenarios (tests/lab/scenarios/s40d_*.toml, MX
hosts on 127.0.241.10-.41, the policy host on 127.0.242.1; 127.0.241.x-127.0.242.x reserved)
aim at TLSRPT-08, -03, -02, -09, -06, -10, SMTP-17, -06, -07, -10, -04, MTASTS-22, -25, -30,
-31 and DMARC-11 with shapes the earlier rounds did not have (grepped): one rua tag written
twice, an http:// second rua tag, a record cut inside 'v=TLSRPT', an SPF record beside the
TLS-RPT record, a base64 extension value, reports to another domain's mailbox, 'mode: enforce;',
a comment after an mx value, 'mx: *.lab.test' for MX two labels below, a cloned backup VM that
greets as the primary, an Exchange greeting with its internal name, TLS 1.1 left on beside 1.3,
a leaf that starts in three hours, a STARTTLS that hangs under testing, pipelining injection on
both MX under testing, and rf=iodef. DMARC-20 and the BIMI rules are left out: DMARC-20 for the
reason s36l gave (a name of more than eight labels checked on its own); BIMI records cascade
into BIMI-08 unless a round builds its logo and mark hosts (tests/lab/README.md), which this
one, about MX hosts and policies, does not. MTASTS-09 needs two scans, not a lab scenario.

The expectations below were written from the checklist and the RFCs before the engine ran on
any of them; each file's note gives the reasoning. Three rows are planted wrong so that the
round can be seen to fail: TLSRPT-02 at fail on rptspfthere (records not beginning with
v=TLSRPTv1 are discarded first: pass), SMTP-17 at warn on bannerexch (checklist: info only),
SMTP-07 at fail on tls11up (TLS 1.1 accepted beside 1.3 is warn; fail is for a maximum below
TLS 1.2); each failed the first run on that status alone, and was put right.

The first run (HEAD fda50bb8, against the lab under tests/lab/pytest_plugin's lock): of the
thirteen honest scenarios ten read as written on their statuses; with the rows, four were mine
to correct, each with its reason at its row: rptsplitver (no TLSRPT-04 pass is reported; the
joined record shows in TLSRPT-02 and TLSRPT-05), skewhours (the words: 'not valid before'),
stalltesting (a STARTTLS that hangs is 'could not check', SMTP-04 and MTASTS-32 errors, by
checklist §0 as s34l-starttlsstall has it, not SMTP-04's fail), tls11up (MTASTS-36's pass is
one finding for the domain). Three engine faults, statuses unchanged, mended with
tests/test_engine_s40d.py (docs/scoring.md v7 notes): on modesemi MTASTS-22's fix offered
'mode: testing' for 'mode: enforce;' while every MX passes; on wideparent MTASTS-31's fix (and
MTASTS-30's, the same policy) kept 'mx: *.lab.test', which the warning says to replace by the
MX names; on mxcomment MTASTS-25's summary quoted the value with its run of blanks, which
tests/test_fix_texts.py's rule over every lab scenario failed. FIXES reads the two mended fixes
whole. Read, not failed: rptextb64 gets MTASTS-34 at info beside TLSRPT-09's fail (the record
is there but unusable; TLSRPT-09 carries the fault and the fix), and wideparent MTASTS-31 at
info too ('matches no current MX host') beside its warning. Corrected in s40l (status unchanged,
tests/test_engine_s40l.py): one pattern is one MTASTS-31 finding, the warning, which now says
both that it matches no current MX host and that it is wider than the domain.

For each scenario: the check IDs at fail, at warn and at "could not check" (error) are exactly
`fail`, `warn` and `error`, and every row of `rows` names a finding with that check id and status
whose subject, summary, evidence or fix contains each of the given words (case-insensitive).
"""

from __future__ import annotations

from typing import Any

import pytest

from checks.findings import Status
from tests.blind_lab import INFO, Blind, E, F, LabRound, P, W
from tests.test_engine_lab import scenario_report


def _d(label: str) -> str:
    return f"s40d-{label}.lab.test"


def _h(host: str, label: str) -> str:
    return f"{host}.{_d(label)}"


BLIND: list[Blind] = [
    # ------------------------------------------------------------------------ TLSRPT-08
    Blind(
        "rptruadup",
        rows=(
            ("TLSRPT-08", INFO, ("rua",)),
            ("TLSRPT-05", P, ("tlsrpt@" + _d("rptruadup"),)),
        ),
    ),
    # ------------------------------------------------------------------------ TLSRPT-06, -08
    Blind(
        "rptruahttp",
        warn=frozenset({"TLSRPT-06"}),
        rows=(
            ("TLSRPT-06", W, ("http://rpt.lab.test/v1/tlsrpt",)),
            ("TLSRPT-08", INFO, ("rua",)),
        ),
    ),
    # ------------------------------------------------------------------------ TLSRPT-03
    Blind(
        "rptsplitver",
        rows=(
            ("TLSRPT-03", INFO, ("_smtp._tls." + _d("rptsplitver"),)),
            # Corrected after the run (expectation mine): I asked for a TLSRPT-04 pass; the
            # engine reports TLSRPT-04 only when the version is wrong. That the joined record
            # is read as one valid record is said by TLSRPT-02 and TLSRPT-05 (the address is
            # whole only once the strings are joined).
            ("TLSRPT-02", P, ("_smtp._tls." + _d("rptsplitver"),)),
            ("TLSRPT-05", P, ("mailto:tlsrpt@" + _d("rptsplitver"),)),
        ),
    ),
    # ------------------------------------------------------------------------ TLSRPT-02
    Blind(
        "rptspfthere",
        # Planted wrong as TLSRPT-02 fail; it failed the first run on that status alone and is
        # put right: the SPF record is discarded before counting (RFC 8460 §3), one remains.
        rows=(("TLSRPT-02", P, ("_smtp._tls." + _d("rptspfthere"),)),),
    ),
    # ------------------------------------------------------------------------ TLSRPT-09
    Blind(
        "rptextb64",
        fail=frozenset({"TLSRPT-09"}),
        rows=(
            ("TLSRPT-09", F, ("_smtp._tls." + _d("rptextb64"), "x-verify")),
            ("TLSRPT-09", F, ("v=TLSRPTv1; rua=mailto:tlsrpt@" + _d("rptextb64"),)),
        ),
    ),
    # ------------------------------------------------------------------------ TLSRPT-10
    Blind(
        "rptextmbox",
        rows=(
            ("TLSRPT-05", P, ("tls-reports@lab.test",)),
            ("TLSRPT-10", P, ("lab.test",)),
        ),
    ),
    # ------------------------------------------------------------------------ MTASTS-22
    Blind(
        "modesemi",
        fail=frozenset({"MTASTS-22"}),
        rows=(
            ("MTASTS-22", F, ("enforce;",)),
            # Mended after the run: the fix offered the file with 'mode: testing', a downgrade
            # nobody asked for (every MX passes); 'enforce;' now reads as meant, as 'Enforce'
            # and 'enforce # comment' did (tests/test_engine_s40d.py; FIXES below).
            ("MTASTS-22", F, ("_mta-sts." + _d("modesemi"), "v=STSv1; id=")),
        ),
    ),
    # ------------------------------------------------------------------------ MTASTS-25, -30
    Blind(
        "mxcomment",
        fail=frozenset({"MTASTS-25"}),
        warn=frozenset({"MTASTS-30"}),
        rows=(
            # Mended after the run: the summary quoted the value with its run of blanks
            # (tests/test_fix_texts.py's double-space rule failed); it now names the host and the
            # comment apart and what to write (tests/test_engine_s40d.py).
            ("MTASTS-25", F, ("'# backup, added 2026-11'", "'mx: " + _h("mx2", "mxcomment"))),
            ("MTASTS-30", W, (_h("mx2", "mxcomment"),)),
        ),
    ),
    # ------------------------------------------------------------------------ MTASTS-30, -31
    Blind(
        "wideparent",
        fail=frozenset({"MTASTS-30"}),
        warn=frozenset({"MTASTS-31"}),
        rows=(
            ("MTASTS-30", F, ("*.lab.test",)),
            # Mended after the run: the policy this warning's fix offered kept 'mx: *.lab.test'
            # (it matched no MX, so nothing took its place); it now lists the MX hosts by name,
            # as the warning says (tests/test_engine_s40d.py; FIXES below).
            ("MTASTS-31", W, ("*.lab.test", "list the MX hosts by name")),
            # s40l: the info beside it ('matches no current MX host') is now in this warning.
            ("MTASTS-31", W, ("*.lab.test", "matches no current MX host, and it lets any host")),
            ("SMTP-12", INFO, (_h("mx1", "wideparent"),)),
        ),
    ),
    # ------------------------------------------------------------------------ SMTP-17
    Blind(
        "bannerclone",
        rows=(
            ("SMTP-17", INFO, (_h("mx2", "bannerclone"), _h("mx1", "bannerclone"))),
            ("SMTP-11", P, (_h("mx2", "bannerclone"),)),
        ),
    ),
    Blind(
        "bannerexch",
        # Planted wrong as SMTP-17 warn; it failed the first run on that status alone and is
        # put right: checklist SMTP-17 is info only.
        rows=(
            ("SMTP-17", INFO, (_h("mx1", "bannerexch"), "EXCH01.corp.internal")),
            ("SMTP-11", P, (_h("mx1", "bannerexch"),)),
        ),
    ),
    # ------------------------------------------------------------------------ SMTP-07
    Blind(
        "tls11up",
        # Planted wrong as SMTP-07 fail; it failed the first run on that status alone and is
        # put right: TLS 1.1 accepted beside 1.3 is checklist SMTP-07 warn.
        warn=frozenset({"SMTP-07"}),
        rows=(
            ("SMTP-07", W, (_h("mx1", "tls11up"), "TLS 1.1", "RFC 8996")),
            # Corrected after the run (expectation mine, wording): MTASTS-36's pass is one finding
            # for the domain ('The MX hosts negotiate TLS 1.2 or newer'), not one per host.
            ("MTASTS-36", P, (_d("tls11up"), "TLS 1.2 or newer")),
        ),
    ),
    # ------------------------------------------------------------------------ SMTP-10
    Blind(
        "skewhours",
        fail=frozenset({"SMTP-10", "MTASTS-32"}),
        rows=(
            # Corrected after the run (expectation mine, wording): I asked for 'not yet valid';
            # the summary says 'is not valid before <time> UTC' and the fix to check the
            # issuing system's clock, which says the same more exactly.
            ("SMTP-10", F, (_h("mx1", "skewhours"), "not valid before", "clock")),
            ("MTASTS-32", F, (_h("mx1", "skewhours"),)),
            ("SMTP-10", P, (_h("mx2", "skewhours"),)),
        ),
    ),
    # ------------------------------------------------------------------------ SMTP-04
    Blind(
        "stalltesting",
        # Corrected after the run (expectation mine): I wrote SMTP-04 fail and MTASTS-32 warn
        # from checklist SMTP-04's list ('timeout'). Checklist §0's rule, applied by s34l-
        # starttlsstall, makes a timeout 'could not check', never a verdict: the server may be
        # hung for a moment. Both are errors for mx2, and MTASTS-33 says not to switch to
        # enforce while MTASTS-32 could not be checked.
        error=frozenset({"SMTP-04", "MTASTS-32"}),
        rows=(
            ("SMTP-04", E, (_h("mx2", "stalltesting"), "did not finish")),
            ("MTASTS-32", E, (_h("mx2", "stalltesting"),)),
            ("MTASTS-33", INFO, ("testing", "MTASTS-32 could not be checked")),
        ),
    ),
    # ------------------------------------------------------------------------ SMTP-06
    Blind(
        "injectboth",
        warn=frozenset({"SMTP-06"}),
        rows=(
            ("SMTP-06", W, (_h("mx1", "injectboth"),)),
            ("SMTP-06", W, (_h("mx2", "injectboth"),)),
            ("MTASTS-33", INFO, ("testing",)),
        ),
    ),
    # ------------------------------------------------------------------------ DMARC-11
    Blind("dmarciodef", rows=(("DMARC-11", INFO, ("rf",)),)),
]


# The fixes mended after the run, read whole (a row's words are matched in the finding's JSON,
# where the policy's line ends are escaped): label -> (check id, status, lines the fix holds in
# this order, words it must not hold).
FIXES: dict[str, tuple[str, Status, str, tuple[str, ...]]] = {
    "modesemi": (
        "MTASTS-22",
        F,
        "version: STSv1\nmode: enforce\nmx: "
        + _h("mx1", "modesemi")
        + "\nmx: "
        + _h("mx2", "modesemi")
        + "\nmax_age: 604800\n",
        ("mode: testing", "enforce;"),
    ),
    "wideparent": (
        "MTASTS-31",
        W,
        "mode: enforce\nmx: "
        + _h("mx1", "wideparent")
        + "\nmx: "
        + _h("mx2", "wideparent")
        + "\nmax_age: 604800\n",
        ("*.lab.test",),
    ),
}


# Where the blind run found the engine wrong and the fix is not made yet: the reason, and the
# check IDs at fail and at warn the engine gives today (see tests/blind_lab.py).
ENGINE_GAPS: dict[str, tuple[str, frozenset[str], frozenset[str]]] = {}

ROUND = LabRound("s40d", BLIND, ENGINE_GAPS)


def test_the_set_is_complete_and_loads() -> None:
    assert len(BLIND) == 16
    ROUND.assert_complete(_d, ("127.0.241.",))
    policy_hosts = {h.ip for s in ROUND.scenarios.values() for h in s.https}
    assert policy_hosts == {"127.0.242.1"}


# ------------------------------------------------------------------ the blind run
test_s40d_scenario_reads_as_expected = ROUND.reading_test()


@pytest.mark.lab
@pytest.mark.parametrize("label", list(FIXES))
def test_s40d_the_mended_fixes_offer_the_policy_meant(lab: Any, label: str) -> None:
    check_id, status, holds, lacks = FIXES[label]
    report = scenario_report(lab, ROUND.scenarios[label])
    (fix,) = [f.fix for f in report.findings if f.id == check_id and f.status == status]
    assert fix and holds in fix, fix
    assert not any(word in fix for word in lacks), fix
