"""Blind round s36l: the checklist rules the earlier blind and lab files named least
(checklist §3, §4, §5, §6, §10; RFC 7208, RFC 6376, RFC 7489, RFC 9989, RFC 8460, the BIMI draft).

Measured before the round (files among tests/test_*blind*.py, tests/blind_*.py, the lab scenario
files and the lab tests that name the id): BIMI-02 4, SPF-14 6, DMARC-04 6, SPF-02 6, SPF-12 6,
SPF-18 6, DMARC-20 6, BIMI-06 7, BIMI-07 7, DMARC-11 7, DMARC-17 7, SPF-15 7, SPF-07 8,
TLSRPT-07 8, DMARC-16 8, DKIM-03 8, DKIM-10 8, SPF-17 9, TLSRPT-08 9, DKIM-02 9, DKIM-12 9,
SPF-16 10, TLSRPT-05 10. Twenty-one scenarios (tests/lab/scenarios/s36l_*.toml, MX hosts on
127.0.223.x, policy and BIMI hosts on 127.0.224.1, SPF ranges and a newsletter platform's eleven
MX addresses on 127.0.225.x) aim at them in domains shaped like real ones, several with two or
three faults: SPF 'v=spf1;' beside DMARC adkim=strict, 'v=spf10' beside DMARC rf/ri and a DKIM
n= note, two redirect= and two exp= modifiers, SPF only as RR type 99 and beside TXT, a UTF-8
include beside a TLS-RPT '!10m' suffix, an mx: mechanism over eleven MX hosts, a parked domain
with its DMARC record at the apex and no SPF, a sending domain with DMARC at the apex, an
unknown DMARC tag, aspf=relaxed, a DKIM p= twice, a mail selector with s=tlsrpt only, two TXT
RRs at one selector, 'v=bimi1', two BIMI records, avp= and lps= out of grammar, TLS-RPT with
ruf= and no rua under MTA-STS, two rua tags beside a t=y key, an unknown SPF macro letter.
DMARC-20 (the tree walk's query budget) is left out: it needs a name of more than eight labels
checked on its own, which the lab's one-zone-per-scenario shape does not give.

The expectations below were written from the checklist and the RFCs before the engine ran on
any of them; each file's note gives the reasoning. Three rows are planted wrong so that the
round can be seen to fail: SPF-14 at warn on spf99both (the checklist says info), DMARC-11 at
warn on spf10 (info), SPF-18 at warn on parkedapexdmarc (info); each failed the first run on
that row alone, and was put right.

Of the other eighteen scenarios, fifteen read as written on the first run, statuses and rows;
one missed a row (spfmacro, an engine fault, below). Two expectations were mine to correct: a domain whose only SPF policy is a type 99
record gets SPF-01's warning beside SPF-14's fail (receivers read TXT only, so for them there is
no SPF record, and the warning points at SPF-14), and MTASTS-34 is info, not warn, beside a
TLS-RPT record without rua (the TLS-RPT findings carry that fault; MTASTS-34 warns for a
missing record). The asymmetry with 'v=spf1;' (SPF-02 fail alone, no SPF-01 warning, though
receivers see no SPF record there either) is left as it is: both say the fix, and neither is
scored twice. The row the engine missed: SPF-17 (the MX hosts' own SPF record for the HELO
identity, info) was said only when the domain's own SPF record was valid, so spfmacro and every
s36l domain with a broken or missing record heard nothing of it; mended, with SPF-02's
sentence for a near miss, which ended on the bare record with no stop (tests/test_fix_texts.py
caught it on these files) and now quotes it (tests/test_engine_s36l.py; docs/scoring.md v7
line s36l). SPF-07 over eleven MX hosts had no fix ("List the servers with ip4/ip6 instead"):
it now gives the record with the hosts' addresses in place of the mx term (same file).

For each scenario: the check IDs at fail, at warn and at "could not check" (error) are exactly
`fail`, `warn` and `error`, and every row of `rows` names a finding with that check id and status
whose subject, summary, evidence or fix contains each of the given words.
"""

from __future__ import annotations

from tests.blind_lab import INFO, Blind, F, LabRound, P, W


def _d(label: str) -> str:
    return f"s36l-{label}.lab.test"


def _h(host: str, label: str) -> str:
    return f"{host}.{_d(label)}"


BLIND: list[Blind] = [
    # ------------------------------------------------------------------------ SPF-02
    Blind(
        "spfsemicolon",
        fail=frozenset({"SPF-02", "DMARC-16"}),
        rows=(
            ("SPF-02", F, ("v=spf1;",)),
            ("DMARC-16", F, ("adkim", "strict")),
            # Mended after the run (tests/test_engine_s36l.py): SPF-17 was not said.
            ("SPF-17", INFO, (_h("mx1", "spfsemicolon"), "v=spf1 a -all")),
        ),
    ),
    Blind(
        "spf10",
        fail=frozenset({"SPF-02"}),
        rows=(
            ("SPF-02", F, ("v=spf10",)),
            # Planted wrong as DMARC-11 warn; it failed the first run on that row alone and is
            # put right: checklist DMARC-11 is info.
            ("DMARC-11", INFO, ("ri=3600", "historic")),
            ("DKIM-12", INFO, ("s2048",)),
        ),
    ),
    # ------------------------------------------------------------------------ SPF-12
    Blind("spfredirect2", fail=frozenset({"SPF-12"}), rows=(("SPF-12", F, ("redirect",)),)),
    Blind("spfexp2", fail=frozenset({"SPF-12"}), rows=(("SPF-12", F, ("exp",)),)),
    # ------------------------------------------------------------------------ SPF-14
    Blind(
        "spf99only",
        # Corrected after the run (expectation mine): I wrote no SPF-01 warning beside SPF-14.
        # Checklist SPF-01 warns when a domain that sends mail has no SPF record, and receivers
        # read TXT only (RFC 7208 §3.1): for them there is none. The warning says so and points
        # at SPF-14; both rules hold, each in its own words. (spfsemicolon's 'v=spf1;' gets
        # SPF-02 alone: see the module docstring.)
        fail=frozenset({"SPF-14"}),
        warn=frozenset({"SPF-01"}),
        rows=(("SPF-14", F, ()), ("SPF-01", W, ("type 99", "v=spf1 mx -all"))),
    ),
    Blind(
        "spf99both",
        # Planted wrong as SPF-14 warn; it failed the first run on that row alone and is put
        # right: checklist SPF-14 is info when type 99 sits beside the TXT record.
        rows=(("SPF-14", INFO, ("type 99", "can be removed")),),
    ),
    # ------------------------------------------------------------------------ SPF-15, TLSRPT-07
    Blind(
        "spfidn",
        fail=frozenset({"SPF-15"}),
        warn=frozenset({"TLSRPT-07"}),
        rows=(("SPF-15", F, ()), ("TLSRPT-07", W, ("!10m",))),
    ),
    # ------------------------------------------------------------------------ SPF-07
    Blind(
        "spfmxfan",
        fail=frozenset({"SPF-07"}),
        rows=(
            ("SPF-07", F, ("bulk." + _d("spfmxfan"), "11")),
            # Mended after the run: SPF-07 said "List the servers with ip4/ip6 instead." with
            # no record; the fix now lists the eleven hosts' addresses in place of the term
            # (tests/test_engine_s36l.py).
            (
                "SPF-07",
                F,
                (
                    "v=spf1 mx ip4:127.0.225.1 ip4:127.0.225.2",
                    "ip4:127.0.225.11 -all",
                    "kept up to date",
                ),
            ),
        ),
    ),
    # ------------------------------------------------------------------------ SPF-18, DMARC-04
    Blind(
        "parkedapexdmarc",
        fail=frozenset({"DMARC-04"}),
        rows=(
            ("DMARC-04", F, ("_dmarc." + _d("parkedapexdmarc"),)),
            # Planted wrong as SPF-18 warn; it failed the first run on that row alone and is
            # put right: checklist SPF-18 is info.
            ("SPF-18", INFO, ("v=spf1 -all",)),
            ("MX-03", INFO, ()),
        ),
    ),
    Blind(
        "dmarcapex",
        fail=frozenset({"DMARC-04"}),
        rows=(("DMARC-04", F, ("_dmarc." + _d("dmarcapex"),)),),
    ),
    # ------------------------------------------------------------------------ DMARC-17, -16, -11
    Blind(
        "dmarcunknown",
        warn=frozenset({"DMARC-17"}),
        rows=(("DMARC-17", W, ("report",)), ("DMARC-11", INFO, ("rf",))),
    ),
    Blind(
        "dmarcaspf",
        fail=frozenset({"DMARC-16"}),
        rows=(("DMARC-16", F, ("aspf", "relaxed")), ("DMARC-11", INFO, ("ri",))),
    ),
    # ------------------------------------------------------------------------ DKIM-03, -10, -02
    Blind(
        "dkimdup",
        fail=frozenset({"DKIM-03"}),
        rows=(("DKIM-03", F, ("s1._domainkey." + _d("dkimdup"),)),),
    ),
    Blind(
        "dkimtlsrpt",
        fail=frozenset({"DKIM-10"}),
        rows=(("DKIM-10", F, ("selector1._domainkey." + _d("dkimtlsrpt"), "tlsrpt")),),
    ),
    Blind(
        "dkimtworr",
        fail=frozenset({"DKIM-02"}),
        rows=(
            ("DKIM-02", F, ("s1._domainkey." + _d("dkimtworr"),)),
            ("DKIM-12", INFO, ("s2048",)),
        ),
    ),
    # ------------------------------------------------------------------------ BIMI-02, -06, -07
    Blind("bimilower", fail=frozenset({"BIMI-02"}), rows=(("BIMI-02", F, ("v=bimi1",)),)),
    Blind("bimitwo", fail=frozenset({"BIMI-02"}), rows=(("BIMI-02", F, ()),)),
    Blind(
        "bimiavplps",
        warn=frozenset({"BIMI-06", "BIMI-07"}),
        rows=(("BIMI-06", W, ("corporate",)), ("BIMI-07", W, ("sales_team",))),
    ),
    # ------------------------------------------------------------------------ TLSRPT-05, -08
    Blind(
        "rptnorua",
        fail=frozenset({"TLSRPT-05"}),
        # Corrected after the run (expectation mine): I wrote MTASTS-34 warn. Its warning is for
        # MTA-STS with no TLS-RPT record; a record that is there but unusable is judged by the
        # TLS-RPT findings (here TLSRPT-05 fail), and MTASTS-34 says at info what it means for
        # MTA-STS, not counting the same fault twice (fixtures F35, F36 settled it so).
        rows=(
            ("TLSRPT-05", F, ("rua", "v=TLSRPTv1; rua=mailto:tlsrpt@" + _d("rptnorua"))),
            ("TLSRPT-09", INFO, ("ruf",)),
            ("MTASTS-34", INFO, ("cannot use the tls-rpt record",)),
        ),
    ),
    Blind(
        "rpttworua",
        warn=frozenset({"DKIM-11"}),
        rows=(("TLSRPT-08", INFO, ()), ("DKIM-11", W, ("t=y",)), ("MTASTS-34", P, ())),
    ),
    # ------------------------------------------------------------------------ SPF-16, SPF-17
    Blind(
        "spfmacro",
        fail=frozenset({"SPF-16"}),
        # Mended after the run: SPF-17 was said only when the domain's own SPF record was
        # valid; the HELO records of the MX hosts do not depend on it (tests/test_engine_s36l.py).
        rows=(("SPF-16", F, ("%{q}",)), ("SPF-17", INFO, (_h("mx1", "spfmacro"),))),
    ),
]


# Where the blind run found the engine wrong and the fix is not made yet: the reason, and the
# check IDs at fail and at warn the engine gives today (see tests/blind_lab.py).
ENGINE_GAPS: dict[str, tuple[str, frozenset[str], frozenset[str]]] = {}

ROUND = LabRound("s36l", BLIND, ENGINE_GAPS)


def test_the_set_is_complete_and_loads() -> None:
    assert len(BLIND) == 21
    ROUND.assert_complete(_d, ("127.0.223.",))


# ------------------------------------------------------------------ the blind run
test_s36l_scenario_reads_as_expected = ROUND.reading_test()
