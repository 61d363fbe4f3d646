"""Blind round s19d: SPF and DMARC records in shapes no earlier lab set listed.

Twenty scenarios (tests/lab/scenarios/s19d_*.toml, MX hosts on 127.0.141.x), each the usual
baseline (signed zone, two MX, MTA-STS enforce, TLS-RPT, a 2048-bit DKIM key, SPF and DMARC) with
one delta in its SPF or DMARC records. The expectations below were written from checklist §0, §4,
§6, §11.8 and §11.10 and RFC 7208, RFC 7489 and RFC 9989/9990 before the engine ran on any of
them; each file's note gives the reasoning, and says where a row was corrected after the blind
run.

For each scenario: the check IDs at fail and at warn are exactly `fail` and `warn`, nothing reads
"could not check", and every row of `rows` names a finding with that check id and status whose
subject, summary, evidence or fix contains each of the given words.
"""

from __future__ import annotations

from tests.blind_lab import INFO, Blind, F, LabRound, P, W


def _d(label: str) -> str:
    return f"s19d-{label}.lab.test"


BLIND: list[Blind] = [
    # ---------------------------------------------------------------- SPF (RFC 7208, checklist §4)
    Blind(
        "incloopcname",
        fail=frozenset({"SPF-05"}),
        rows=(("SPF-05", F, (f"_spf.{_d('incloopcname')}", "loop")),),
    ),
    Blind(
        "v6onlyvoid",
        fail=frozenset({"SPF-06"}),
        rows=(("SPF-06", F, (f"out3.{_d('v6onlyvoid')}",)),),
    ),
    Blind(
        "incbareall",
        fail=frozenset({"SPF-09"}),
        rows=(("SPF-09", F, ("_relay.s19desp-a.test",)),),
    ),
    Blind("incneutral", rows=(("SPF-09", P, ("-all",)),)),
    Blind(
        "twosplit",
        fail=frozenset({"SPF-01"}),
        rows=(
            (
                "SPF-01",
                F,
                ("v=spf1 include:_spf.s19desp-b.test ip4:127.0.141.216/29 ~all", "v=spf1 mx -all"),
            ),
        ),
    ),
    Blind("trailsemi", fail=frozenset({"SPF-04"}), rows=(("SPF-04", F, ("-all;",)),)),
    # SPF-09 fails as for '+all' since s30f (written pass here first, as s26f decided).
    Blind(
        "ipzero",
        fail=frozenset({"SPF-09"}),
        warn=frozenset({"SPF-19"}),
        rows=(("SPF-19", W, ("0.0.0.0/0",)), ("SPF-09", F, ("ip4:0.0.0.0/0", "'+all'"))),
    ),
    Blind("hostbits"),
    Blind(
        "spfnodot",
        warn=frozenset({"SPF-01"}),
        rows=(("SPF-01", W, (f"{_d('spfnodot')}.{_d('spfnodot')}",)),),
    ),
    Blind(
        "incfused",
        fail=frozenset({"SPF-03"}),
        rows=(("SPF-03", F, ("_spf.s19desp-f.test", "/29include")),),
    ),
    # ----------------------------------------------------------- DMARC (RFC 7489/9989, §6)
    Blind("pupper", rows=(("DMARC-05", P, ("reject",)),)),
    Blind(
        "npbad",
        fail=frozenset({"DMARC-05", "DMARC-07"}),
        warn=frozenset({"DMARC-19"}),
        rows=(("DMARC-07", F, ("np=rejected",)),),
    ),
    Blind(
        "ruahttps",
        # Corrected after the blind run (engine right): checklist DMARC-12 says "fail if rua
        # exists but has no valid URI", and a scheme receivers do not use is no usable URI:
        # under p=reject no report ever arrives. The finding names the URI and the fix a mailto.
        fail=frozenset({"DMARC-12"}),
        rows=(("DMARC-12", F, ("https://rpt.lab.test/v1/dmarc", "mailto:")),),
    ),
    Blind("rufonly", rows=(("DMARC-15", INFO, ("ruf",)),)),
    Blind(
        "lowerstray",
        # Corrected after the blind run: the status was an engine defect (DMARC-03 failed, and
        # its fix proposed a repaired copy, a second record that turned p=reject into p=none;
        # fixed in 1be7722), the ID the harness's: DMARC-03 is the exact-version check, the
        # more precise home for the warning than DMARC-02.
        warn=frozenset({"DMARC-03"}),
        rows=(("DMARC-03", W, ("v=dmarc1", "delete")),),
    ),
    Blind(
        "dmarcnodot",
        fail=frozenset({"DMARC-04"}),
        rows=(
            (
                "DMARC-04",
                F,
                (f"_dmarc.{_d('dmarcnodot')}.{_d('dmarcnodot')}", f"_dmarc.{_d('dmarcnodot')}"),
            ),
        ),
    ),
    Blind(
        "midonly",
        warn=frozenset({"DMARC-19"}),
        rows=(("DMARC-19", W, ("_dmarc.dept.s19d-midonly.lab.test",)),),
    ),
    Blind(
        "nonety",
        # Corrected after the blind run (engine right): checklist DMARC-09 says "warn for t=y",
        # and the engine's words give the reason that holds under p=none: the flag changes
        # nothing now but would silently weaken quarantine or reject once the owner moves there.
        warn=frozenset({"DMARC-06", "DMARC-09"}),
        rows=(("DMARC-06", W, ("p=none",)), ("DMARC-09", W, ("t=y", "remove it"))),
    ),
    Blind(
        "tworua",
        fail=frozenset({"DMARC-13"}),
        rows=(
            (
                "DMARC-13",
                F,
                ("in.s19dvend-b.test", "s19d-tworua.lab.test._report._dmarc.in.s19dvend-b.test"),
            ),
        ),
    ),
    Blind(
        "ruanullmx",
        warn=frozenset({"DMARC-12"}),
        rows=(("DMARC-12", W, (f"reports.{_d('ruanullmx')}", "null MX")),),
    ),
]


# Where the blind run found the engine wrong and the fix is not made yet (see the s19d report):
# the reason, and the check IDs at fail and at warn the engine gives today. The scenario file's
# [expect] carries today's IDs, as every lab scenario's [expect] is what the engine must say now
# (tests/test_engine_lab.py, tests/test_spf.py read them); the blind expectation above stays the
# right answer, and the test below is a strict xfail: the day the engine gives it, the mark and
# the entry here must go, and the file's [expect] takes the blind IDs.
ENGINE_GAPS: dict[str, tuple[str, frozenset[str], frozenset[str]]] = {}

ROUND = LabRound("s19d", BLIND, ENGINE_GAPS)


def test_the_set_is_complete_and_loads() -> None:
    assert 18 <= len(BLIND) <= 22
    # a scenario checks its label's domain or a name under it (midonly checks mail.dept.<org>)
    ROUND.assert_complete(_d, ("127.0.141.",), under=True)


# ------------------------------------------------------------------ the blind run
test_s19d_scenario_reads_as_expected = ROUND.reading_test()
