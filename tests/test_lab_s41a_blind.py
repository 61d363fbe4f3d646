"""Blind round s41a: domains nobody listed, aimed at the SPF (checklist §4), DKIM (§5) and DMARC
(§6) rules the test files name least, with shapes the earlier rounds did not have (grepped).

Measured before the round (files under tests/ naming the id, grep -rlw, 2026-12-04 23:05 UTC):
DMARC-20 12, SPF-14 15, SPF-13 16, DMARC-11 17, SPF-18 17, DKIM-12 18, DMARC-04 18, SPF-11 18,
SPF-12 18, SPF-16 18, SPF-17 18, DKIM-04 19, DKIM-10 19, DMARC-15 19, DMARC-16 19, SPF-07 19,
SPF-15 19, DKIM-03 20, DKIM-09 21. Sixteen scenarios (tests/lab/scenarios/s41a_*.toml, one MX
host each on 127.0.221.10-.25, nothing listening on the relay addresses 127.0.221.101-.111;
127.0.221.x reserved), all unsigned and without MTA-STS, so that only the record under test
speaks: 'EXP=' beside 'exp=' (SPF-12), '%{ir2}' (SPF-16), '%{l}.%{h}' (SPF-16, well-formed),
'ip6:.../064' (SPF-04), mx: to a relay domain of eleven hosts (SPF-07), include: of a record
that only redirects to a vanished name (SPF-08), a parked null-MX domain with no SPF (SPF-18),
a '!10m' rua at an unauthorised vendor (DMARC-13, -12), an authorisation record in lower case
(DMARC-13), np=none under p=reject (DMARC-07), adkim=relaxed (DMARC-16), the record at 'dmarc.'
without the underscore (DMARC-04), 'h=sha1 : sha256' (DKIM-09), a 1023-bit key (DKIM-07), t=
written twice (DKIM-03) and a selector CNAME chain (DKIM-01, -07).

The expectations below were written from the checklist and the RFCs before the engine ran on
any of them; each file's note gives the reasoning. Three rows were planted wrong so that the
round could be seen to fail: SPF-16 at fail on spfmacrohelo (l and h are valid macro letters),
DMARC-07 at fail on dmarcnpnone (checklist: warn) and DKIM-07 at warn on dkim1023 (checklist:
fail below 1024 bits); each failed the first run on that status alone, and was put right.

The first run (HEAD c5c4ab9b, against the lab under the lab lock): every honest
scenario read as written on its statuses. One row was mine to correct, with its reason at the
row: dmarcnounder (no DMARC-01 beside DMARC-04; the fail says the domain has no policy that
receivers find). Three engine faults, statuses unchanged, mended with tests/test_engine_s41a.py
(docs/scoring.md v7 lines): on dmarcauthlower DMARC-13 said the vendor had not published the
authorisation record, which is there as 'v=dmarc1'; on dkimdupt DKIM-03's fix spoke of 'several
p= values' for a record whose t= is written twice; on spfcidrpad SPF-04 said '/064' must be a
number from 0 to 128, which 64 is. Read, not failed: spfexpcase's SPF-12 says 'the exp modifier
appears more than once' without saying that 'EXP=' is the same modifier (RFC 7208 §4.6.1); its
fix, keeping the first, makes it plain.

For each scenario: the check IDs at fail, at warn and at "could not check" (error) are exactly
`fail`, `warn` and `error`, and every row of `rows` names a finding with that check id and status
whose subject, summary, evidence or fix contains each of the given words (case-insensitive).
"""

from __future__ import annotations

from tests.blind_lab import INFO, Blind, F, LabRound, P, W


def _d(label: str) -> str:
    return f"s41a-{label}.lab.test"


BLIND: list[Blind] = [
    # ------------------------------------------------------------------------ SPF-12
    Blind(
        "spfexpcase",
        fail=frozenset({"SPF-12"}),
        rows=(("SPF-12", F, ("exp",)),),
    ),
    # ------------------------------------------------------------------------ SPF-16
    Blind(
        "spfmacrorev",
        fail=frozenset({"SPF-16"}),
        rows=(("SPF-16", F, ("%{ir2}",)),),
    ),
    Blind(
        "spfmacrohelo",
        # Planted wrong as SPF-16 fail; it failed the first run on that status alone and is
        # put right: l and h are valid macro letters in a domain-spec (RFC 7208 §7.2), and the
        # name they build is one receivers expand per message, not one to look up now.
        rows=(("SPF-06", P, ("%{l}.%{h}._helo",)),),
    ),
    # ------------------------------------------------------------------------ SPF-04
    Blind(
        "spfcidrpad",
        fail=frozenset({"SPF-04"}),
        rows=(
            ("SPF-04", F, ("/064",)),
            # Mended after the run: the summary said the length 'must be a number from 0 to
            # 128', which 64 is; it now names the leading zero (tests/test_engine_s41a.py).
            ("SPF-04", F, ("leading zero", "write /64")),
        ),
    ),
    # ------------------------------------------------------------------------ SPF-07
    Blind(
        "spfmx11",
        fail=frozenset({"SPF-07"}),
        rows=(("SPF-07", F, ("s41amx11.test",)),),
    ),
    # ------------------------------------------------------------------------ SPF-08
    Blind(
        "spfinclredir",
        fail=frozenset({"SPF-08"}),
        rows=(("SPF-08", F, ("_spf.s41aesp.test",)),),
    ),
    # ------------------------------------------------------------------------ SPF-18
    Blind(
        "spfparked",
        rows=(
            ("SPF-18", INFO, (_d("spfparked"), "-all")),
            ("SPF-01", INFO, (_d("spfparked"),)),
        ),
    ),
    # ------------------------------------------------------------------------ DMARC-13, -12
    Blind(
        "dmarcextsize",
        fail=frozenset({"DMARC-13"}),
        rows=(
            ("DMARC-13", F, ("s41avendor.test", "_report._dmarc")),
            ("DMARC-12", INFO, ("!10m",)),
        ),
    ),
    Blind(
        "dmarcauthlower",
        fail=frozenset({"DMARC-13"}),
        rows=(
            ("DMARC-13", F, ("s41avendor2.test",)),
            # Mended after the run: the summary said s41avendor2.test 'has not published the
            # authorisation record', which is there in lower case; it now quotes it and says
            # why receivers do not take it (tests/test_engine_s41a.py).
            ("DMARC-13", F, ("it publishes 'v=dmarc1'", "in capitals")),
        ),
    ),
    # ------------------------------------------------------------------------ DMARC-07
    Blind(
        "dmarcnpnone",
        # Planted wrong as DMARC-07 fail; it failed the first run on that status alone and is
        # put right: checklist DMARC-07 is warn for np=none under p=reject.
        warn=frozenset({"DMARC-07"}),
        rows=(("DMARC-07", W, ("np=none",)),),
    ),
    # ------------------------------------------------------------------------ DMARC-16
    Blind(
        "dmarcadkimword",
        fail=frozenset({"DMARC-16"}),
        rows=(("DMARC-16", F, ("relaxed",)),),
    ),
    # ------------------------------------------------------------------------ DMARC-04
    Blind(
        "dmarcnounder",
        fail=frozenset({"DMARC-04"}),
        rows=(
            ("DMARC-04", F, ("_dmarc." + _d("dmarcnounder"),)),
            # Corrected after the run (expectation mine): I asked for DMARC-01 info beside
            # DMARC-04 (checklist DMARC-01: info when none is found). The engine says it in the
            # DMARC-04 fail, one finding for one cause, as s19d-dmarcnodot and s36l-dmarcapex
            # read: no DMARC policy that receivers find, the record sits at dmarc.<domain>.
            ("DMARC-04", F, ("no DMARC policy that receivers find", "dmarc." + _d("dmarcnounder"))),
        ),
    ),
    # ------------------------------------------------------------------------ DKIM-09
    Blind(
        "dkimhspaced",
        warn=frozenset({"DKIM-09"}),
        rows=(("DKIM-09", W, ("s1._domainkey." + _d("dkimhspaced"), "sha1")),),
    ),
    # ------------------------------------------------------------------------ DKIM-07
    Blind(
        "dkim1023",
        # Planted wrong as DKIM-07 warn; it failed the first run on that status alone and is
        # put right: 1023 bits is below RFC 8301 §3.2's floor of 1024, checklist DKIM-07 fail.
        fail=frozenset({"DKIM-07"}),
        rows=(("DKIM-07", F, ("1023",)),),
    ),
    # ------------------------------------------------------------------------ DKIM-03
    Blind(
        "dkimdupt",
        fail=frozenset({"DKIM-03"}),
        rows=(
            ("DKIM-03", F, ("s1._domainkey." + _d("dkimdupt"), "t")),
            # Mended after the run: the fix spoke only of 'several p= values' for a record
            # with one p=; it names the t= values now (tests/test_engine_s41a.py).
            ("DKIM-03", F, ("of 't=y' and 't=s', keep the one you mean",)),
        ),
    ),
    # ------------------------------------------------------------------------ DKIM-01, -07
    Blind(
        "dkimcnamechain",
        rows=(("DKIM-07", P, ("s1._domainkey." + _d("dkimcnamechain"),)),),
    ),
]


# Where the blind run found the engine wrong and the fix is not made yet: the reason, and the
# check IDs at fail and at warn the engine gives today (see tests/blind_lab.py).
ENGINE_GAPS: dict[str, tuple[str, frozenset[str], frozenset[str]]] = {}

ROUND = LabRound("s41a", BLIND, ENGINE_GAPS)


def test_the_set_is_complete_and_loads() -> None:
    assert len(BLIND) == 16
    ROUND.assert_complete(_d, ("127.0.221.",))


# ------------------------------------------------------------------ the blind run
test_s41a_scenario_reads_as_expected = ROUND.reading_test()


def test_s41a_relay_addresses_stay_in_the_round_range() -> None:
    """The eleven relay hosts of spfmx11 are A records in the test. zone, not MX rows."""
    relay = [r for r in ROUND.scenarios["spfmx11"].other_zones["test"] if " A " in r]
    assert len(relay) == 11
    assert all(r.split()[-1].startswith("127.0.221.") for r in relay)
