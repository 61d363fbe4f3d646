"""Blind round s39a: SPF, DKIM and DMARC as real senders publish them (checklist §0, §4 SPF-xx,
§5 DKIM-xx, §6 DMARC-xx, §11.8-§11.10; RFC 7208, RFC 6376, RFC 8301, RFC 8463, RFC 7489,
RFC 9989, RFC 9990).

Twenty-six scenarios (tests/lab/scenarios/s39a_*.toml, unsigned zones, one MX host each on
127.0.228.10-.35, SPF ranges on 127.0.229.x where nothing listens; providers are zones
s39a<name>-<letter>.test inside the lab): a Google Workspace include chain with three netblock
includes, a Microsoft 365 tenant whose selector2 is still 1024-bit, Amazon SES + Mailchimp +
SendGrid with DKIM CNAMEs into each, redirect= chains and a redirect to a name without SPF, an
include loop across two zones, exactly 10 and 11 DNS-querying terms counted through nested
includes with a, mx, a:, mx:, exists: and ptr, three and two void lookups (RFC 7208 §4.6.4),
valid macros (a wildcard-answered hosted include, exists:%{i}, exp with %{c}) and %{c} outside
exp, DKIM ed25519 beside RSA and SPKI-wrapped, a revoked key, t=y, h=sha1 and h=sha1:sha256, a
4096-bit key in four strings, an SPF record fused at a string boundary, two DMARC records, sp=none
under p=reject, pct=50, external rua with the authorisation record present, absent and
wildcarded, and two subdomains without their own _dmarc taking the organisational record's sp.

The expectations below were written from the checklist and the RFCs before the engine ran on
any of them; each scenario file's note gives the reasoning. For each scenario the check IDs at
fail, at warn and at "could not check" (error) are exactly `fail`, `warn` and `error`, and every
row of `rows` names a finding with that check id and status whose subject, summary, evidence or
fix contains each of the given words (case-insensitive).

Three expectations are planted wrong (PLANTED, below), so the round can be seen to catch a
wrong reading: the test asserts that each of them does NOT match what the engine says.

The first run (lab and `mailsec check` / `mailsec check --json` on every scenario, HEAD
63a00b6c): each planted row was caught; 25 of the 26 honest scenarios read as written, statuses
and words. One expectation was mine to correct (subspnone: DMARC-06 warns too, the policy the
subdomain gets being sp=none). The CLI's exit status (0 or 1) and JSON agreed with the text on
every scenario. Engine faults in wording and fix, statuses unchanged, each mended with a test:
SPF-05 at the include loop named only a term the owner's record also holds
(test_engine_s39a_spf_loop_text.py); SPF-06 offered no record for stale names of the owner's
own record (test_engine_s39a_spf_void_fix.py); SPF-06 passed 'every name exists' over names
built with macros it never looked up (test_engine_s39a_spf_macro_names.py); DMARC-05 told a
subdomain 'The policy is p=reject.' where it gets sp=quarantine or sp=none
(test_engine_s39a_dmarc_inherited_policy.py). The second run: 130 passed with the s22m/s21k
blind rounds and their lab scenarios.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.blind_lab import INFO, Blind, F, LabRound, P, W
from tests.test_engine_lab import assert_blind_reading, scenario_report


def _d(label: str) -> str:
    return f"s39a-{label}.lab.test"


def _sel(selector: str, label: str) -> str:
    return f"{selector}._domainkey.{_d(label)}"


BLIND: list[Blind] = [
    # ------------------------------------------------------ provider include chains
    Blind("gws", rows=(("DKIM-07", P, (_sel("google", "gws"),)), ("DMARC-08", INFO, ()))),
    Blind(
        "m365",
        warn=frozenset({"DKIM-07"}),
        rows=(
            ("DKIM-07", P, (_sel("selector1", "m365"),)),
            ("DKIM-07", W, (_sel("selector2", "m365"), "1024")),
        ),
    ),
    Blind(
        "espmix",
        rows=(
            ("DKIM-07", P, (_sel("abc123tok", "espmix"),)),
            ("DKIM-07", P, (_sel("k1", "espmix"),)),
            ("DKIM-07", P, (_sel("s1", "espmix"),)),
        ),
    ),
    # ------------------------------------------------------ external rua authorisation
    Blind(
        "ruanoauth",
        fail=frozenset({"DMARC-13"}),
        rows=(("DMARC-13", F, (f"{_d('ruanoauth')}._report._dmarc.s39avendor-b.test",)),),
    ),
    Blind("ruawild"),
    # ------------------------------------------------------ redirect=
    Blind("redirchain"),
    Blind("redirnone", fail=frozenset({"SPF-08"}), rows=(("SPF-08", F, ("_spf.s39aold-a.test",)),)),
    # ------------------------------------------------------ lookup counting
    Blind(
        "loop",
        fail=frozenset({"SPF-05"}),
        rows=(
            ("SPF-05", F, ("_spf.s39aloop-a.test",)),
            # Mended after the run: the finding named only 'include:_spf.s39aloop-a.test', a term
            # the owner's record also holds, and no way out; it now names the loop, the record
            # that closes it and whose it is (tests/test_engine_s39a_spf_loop_text.py).
            (
                "SPF-05",
                F,
                (
                    "_spf.s39aloop-a.test -> _spf.s39aloop-b.test -> _spf.s39aloop-a.test",
                    "in the record of _spf.s39aloop-b.test",
                    "not yours",
                ),
            ),
        ),
    ),
    Blind("ten", warn=frozenset({"SPF-05"}), rows=(("SPF-05", W, ("10",)),)),
    Blind(
        "eleven",
        fail=frozenset({"SPF-05"}),
        warn=frozenset({"SPF-11"}),
        rows=(("SPF-05", F, ("11",)), ("SPF-11", W, ("ptr",))),
    ),
    # ------------------------------------------------------ void lookups
    Blind(
        "void",
        fail=frozenset({"SPF-06"}),
        rows=(
            ("SPF-06", F, (f"old1.{_d('void')}",)),
            # Mended after the run: no record was offered; now the owner's record without the
            # stale names (tests/test_engine_s39a_spf_void_fix.py).
            ("SPF-06", F, ("the record suggested", "v=spf1 ip4:127.0.229.32/28 -all")),
        ),
    ),
    Blind(
        "voidtwo",
        warn=frozenset({"SPF-06"}),
        rows=(
            ("SPF-06", W, (f"gone.{_d('voidtwo')}",)),
            ("SPF-06", W, ("the record suggested", "v=spf1 mx -all")),
        ),
    ),
    # ------------------------------------------------------ macros
    Blind(
        "macro",
        # Mended after the run: SPF-06 passed with 'Every name the SPF record refers to
        # exists.', though the macro names were never looked up; it now names them as not
        # checked (tests/test_engine_s39a_spf_macro_names.py).
        rows=(("SPF-06", P, (f"exists:%{{i}}._spf.{_d('macro')}", "could not be looked up")),),
    ),
    Blind("macrobad", fail=frozenset({"SPF-16"}), rows=(("SPF-16", F, ("%{c}",)),)),
    # ------------------------------------------------------ DKIM keys
    Blind("eddual", rows=(("DKIM-07", P, (_sel("rsa", "eddual"),)),)),
    Blind("edspki", fail=frozenset({"DKIM-08"}), rows=(("DKIM-08", F, (_sel("ed", "edspki"),)),)),
    Blind(
        "revoked",
        rows=(
            ("DKIM-05", INFO, (_sel("s2025", "revoked"),)),
            ("DKIM-07", P, (_sel("s2026", "revoked"),)),
        ),
    ),
    Blind(
        "testflag", warn=frozenset({"DKIM-11"}), rows=(("DKIM-11", W, (_sel("k2", "testflag"),)),)
    ),
    Blind(
        "hash",
        fail=frozenset({"DKIM-09"}),
        warn=frozenset({"DKIM-09"}),
        rows=(("DKIM-09", F, (_sel("old", "hash"),)), ("DKIM-09", W, (_sel("mixed", "hash"),))),
    ),
    Blind("split4096", rows=(("DKIM-07", P, (_sel("big", "split4096"), "4096")),)),
    # ------------------------------------------------------ SPF string boundary
    Blind("spfsplit", fail=frozenset({"SPF-03"})),
    # ------------------------------------------------------ DMARC records
    Blind("dmarcmulti", fail=frozenset({"DMARC-02"})),
    Blind("spnone", warn=frozenset({"DMARC-07"}), rows=(("DMARC-07", W, ("sp=none",)),)),
    Blind(
        "pct50",
        warn=frozenset({"DMARC-08", "DMARC-19"}),
        rows=(("DMARC-08", W, ("pct=50",)),),
    ),
    # ------------------------------------------------------ a subdomain without its own record
    Blind(
        "subinherit",
        # Mended after the run: DMARC-05 passed with 'The policy is p=reject.' beside DMARC-19's
        # quarantine; it now names the sp the subdomain gets
        # (tests/test_engine_s39a_dmarc_inherited_policy.py).
        rows=(("DMARC-05", P, ("p=reject", "gets its sp=quarantine")),),
    ),
    # Corrected after the run (expectation mine): I left out DMARC-06. The policy this
    # subdomain gets is the organisation record's sp=none, monitoring only (checklist DMARC-06
    # is warn for p=none; here it is the effective policy of the name checked).
    Blind(
        "subspnone",
        warn=frozenset({"DMARC-06", "DMARC-07"}),
        rows=(
            ("DMARC-07", W, ("sp=none",)),
            ("DMARC-06", W, ("sp=none", "monitoring")),
            # Mended after the run, as subinherit's.
            ("DMARC-05", P, ("gets its sp=none",)),
        ),
    ),
]

# Planted wrong on purpose; each must fail against the engine:
#  ten: exactly 10 terms is within the limit (RFC 7208 §4.6.4), SPF-05 warn, not fail;
#  hash: h=sha1 alone is DKIM-09 fail (RFC 8301 §3.1), not warn only;
#  ruawild: a wildcard authorisation record is valid (RFC 7489 §7.1), no DMARC-13 fail.
PLANTED: list[Blind] = [
    Blind("ten", fail=frozenset({"SPF-05"})),
    Blind("hash", warn=frozenset({"DKIM-09"}), rows=(("DKIM-09", W, (_sel("old", "hash"),)),)),
    Blind("ruawild", fail=frozenset({"DMARC-13"})),
]

# Where the blind run found the engine wrong and the fix is not made yet: the reason, and the
# check IDs at fail and at warn the engine gives today (see tests/blind_lab.py).
ENGINE_GAPS: dict[str, tuple[str, frozenset[str], frozenset[str]]] = {}

ROUND = LabRound("s39a", BLIND, ENGINE_GAPS)


def _under(label: str) -> str:
    return _d(label)


def test_the_set_is_complete_and_loads() -> None:
    assert len(BLIND) == 26
    ROUND.assert_complete(_under, ("127.0.228.",), under=True)
    for planted in PLANTED:
        right = ROUND.by_label[planted.label]
        assert (planted.fail, planted.warn, planted.rows) != (right.fail, right.warn, right.rows)


# ------------------------------------------------------------------ the blind run
test_s39a_scenario_reads_as_expected = ROUND.reading_test()


@pytest.mark.lab
@pytest.mark.parametrize("planted", PLANTED, ids=[p.label for p in PLANTED])
def test_s39a_planted_rows_are_caught(lab: Any, planted: Blind) -> None:
    report = scenario_report(lab, ROUND.scenarios[planted.label])
    with pytest.raises(AssertionError):
        assert_blind_reading(
            report,
            fail=planted.fail,
            warn=planted.warn,
            error=planted.error,
            rows=planted.rows,
        )
