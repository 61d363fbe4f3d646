"""Blind round s29m: the SMTP and MTA-STS ids the blind rounds had tried least (checklist §2, §3,
§9; RFC 8461, RFC 3207, RFC 5321, RFC 8689).

SMTP-02 (greeting and EHLO), SMTP-03 (STARTTLS advertised), SMTP-05 (STARTTLS re-offered inside
TLS), SMTP-06 (commands pipelined with STARTTLS), SMTP-17 (banner name), SMTP-18 (REQUIRETLS);
MTASTS-03, -11, -15, -17, -19, -21, -22, -24, -25, -26, -29, -31, -35; TLSRPT-08 and -11.
Thirty-one scenarios (tests/lab/scenarios/s29m_*.toml, MX hosts on 127.0.190.10-.67, policy
hosts on 127.0.61.1) show them as real domains have them: a backup greeting 554 (a blocklist
hit), a backup greeting 421 under enforce and a lone MX greeting a two-line 421 (could not
check, never fail), a three-line 220 banner beside DANE and MTA-STS, a PIX fixup refusing EHLO
under enforce, a backup without STARTTLS under testing and under DANE, STARTTLS re-offered
inside TLS (alone and under enforce), a hoster's machine name and 'localhost.localdomain' as
banner names, REQUIRETLS listed inside TLS; policies with 'mode: report' and 'mode: Enforce', a
'#' comment first, a blank line between fields, LF-only lines, a bare CR joining two lines, mx
patterns with a trailing dot, in capitals as '*.<DOMAIN>.', two MX on one line, mode none
without mx, testing without mx, no space after the colons, 'Text/Plain; Charset="UTF-8"',
text/html, no mta-sts host name (the file at the apex), a dead AAAA on the policy host; TLS-RPT
with two rua tags, at TTL 300 unsigned in two strings, and at TTL 3600 unsigned.

The expectations below were written from the checklist and the RFCs before the engine ran on
any of them; each file's note gives the reasoning. Three planted wrong expectations (SMTP-05
fail on reoffer, MTASTS-19 warn on lfonly, TLSRPT-08 warn on rpttwo) failed the first run and
were removed. Twenty read as written. Five expectations were wrong and are corrected below
with the reason: a 554 greeting is "could not check" (docs/scoring.md v4) and greeting refusals
are SMTP-01's (greet554, greet421, greet421ml); SMTP-03 is not failed again where EHLO is
refused (heloenf); an mx line holding two names leaves no MX, MTASTS-24 (mxspace). Rows were
wrong in form in reofferenf, rpttwo and rptttl3600 (MTASTS-32 passes the domain, not each
host; TLSRPT-11 has no pass).
One text was the engine's fault and is mended: MTASTS-17 did not name the family without a
policy (stsv6dead, 4a0278b). Reading the texts then mended two fixes: MTASTS-22 offered
'mode: testing' for 'mode: Enforce' (modecaps, dd7b6f8), and SMTP-02/MTASTS-32 told the owner
of a server behind a PIX fixup to enable ESMTP (heloenf, 84ab765). The REQUIRETLS server is the lab knob `tls_ehlo_keywords`
(tests/test_lab_s29m_knobs.py).

For each scenario: the check IDs at fail, at warn and at "could not check" (error) are exactly
`fail`, `warn` and `error`, and every row of `rows` names a finding with that check id and status
whose subject, summary, evidence or fix contains each of the given words.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.blind_lab import INFO, Blind, E, F, LabRound, P, W
from tests.test_engine_lab import scenario_report


def _d(label: str) -> str:
    return f"s29m-{label}.lab.test"


BLIND: list[Blind] = [
    # ---------------------------------------------------------------- SMTP-02 greetings
    # Corrected after the run (expectation wrong): a 554 greeting is "could not check" since
    # docs/scoring.md v4 (it turns away one client address, here by a blocklist hit), filed
    # under SMTP-01 at error as s12t-greet554; the text says other senders may be accepted.
    Blind(
        "greet554",
        error=frozenset({"SMTP-01"}),
        rows=(
            ("SMTP-01", E, ("mx2." + _d("greet554"), "554", "other senders")),
            ("SMTP-02", P, ("mx1." + _d("greet554"),)),
            ("MTASTS-01", INFO, ()),
        ),
    ),
    # Corrected after the run: could not check as written, but the id is SMTP-01 (as
    # s13t-only421, s16o-mxgreet421), not SMTP-02; and MTASTS-32 states no per-host pass for
    # mx1 while another host is in error (it passes the domain only when every address does).
    Blind(
        "greet421",
        error=frozenset({"SMTP-01", "MTASTS-32"}),
        rows=(
            ("SMTP-01", E, ("mx2." + _d("greet421"), "421")),
            ("MTASTS-32", E, ("mx2." + _d("greet421"), "421")),
            ("SMTP-02", P, ("mx1." + _d("greet421"),)),
        ),
    ),
    Blind(
        "greet421ml",
        error=frozenset({"SMTP-01"}),
        rows=(("SMTP-01", E, ("mail." + _d("greet421ml"), "421", "try again later")),),
    ),
    Blind(
        "greetmulti",
        rows=(
            ("SMTP-02", P, ("mx1." + _d("greetmulti"),)),
            ("MTASTS-35", INFO, ()),
            ("SMTP-06", P, ("mx1." + _d("greetmulti"),)),
        ),
    ),
    # ------------------------------------------------------------ SMTP-02/03 EHLO refused
    # Corrected after the run (expectation wrong): SMTP-03 is not failed again where EHLO
    # itself is refused; there is no extension list to advertise in, SMTP-02 carries it (the
    # reading s12t-pixehlo documents). No per-host MTASTS-32 pass for mx1 (see greet421).
    Blind(
        "heloenf",
        fail=frozenset({"SMTP-02", "MTASTS-32"}),
        rows=(
            ("SMTP-02", F, ("mx2." + _d("heloenf"), "EHLO", "HELO")),
            ("MTASTS-32", F, ("mx2." + _d("heloenf"), "STARTTLS")),
            # Added after reading the texts: the fix names the firewall that wrote 'XXXX'
            # (84ab765); it sent the owner to enable ESMTP on an MTA that speaks it.
            ("SMTP-02", F, ("mx2." + _d("heloenf"), "firewall", "fixup protocol smtp")),
            ("MTASTS-32", F, ("mx2." + _d("heloenf"), "fixup protocol smtp")),
        ),
    ),
    Blind(
        "nostarttest",
        warn=frozenset({"SMTP-03", "MTASTS-32"}),
        rows=(
            ("SMTP-03", W, ("mx2." + _d("nostarttest"), "STARTTLS")),
            ("MTASTS-32", W, ("mx2." + _d("nostarttest"),)),
            ("MTASTS-33", INFO, ("testing",)),
        ),
    ),
    Blind(
        "nostartdane",
        fail=frozenset({"SMTP-03", "DANE-10"}),
        rows=(
            ("SMTP-03", F, ("mx2." + _d("nostartdane"),)),
            ("DANE-10", F, ("mx2." + _d("nostartdane"),)),
        ),
    ),
    # ------------------------------------------------------------------------ SMTP-05
    Blind("reoffer", warn=frozenset({"SMTP-05"}), rows=(("SMTP-05", W, ("STARTTLS", "3207")),)),
    Blind(
        "reofferenf",
        warn=frozenset({"SMTP-05"}),
        rows=(
            ("SMTP-05", W, ("mx1." + _d("reofferenf"),)),
            # Corrected after the run: the pass is the domain's ("every address"), not per host.
            ("MTASTS-32", P, ("Every address",)),
        ),
    ),
    # ------------------------------------------------------------------ SMTP-17, SMTP-18
    Blind(
        "bannername",
        rows=(
            ("SMTP-17", INFO, ("smtp07.s29mprov-b.test", "mx1." + _d("bannername"))),
            ("SMTP-11", P, ()),
        ),
    ),
    Blind("bannerlocal", rows=(("SMTP-17", INFO, ("localhost.localdomain",)),)),
    # The row is tightened after the run: SMTP-18 was info on every host ("does not advertise
    # REQUIRETLS" on mx2), so the words told the advertising host's finding apart. Since s29h
    # SMTP-18 is one line for the domain, naming the hosts that advertise it and those that do
    # not.
    Blind(
        "requiretls",
        rows=(
            (
                "SMTP-18",
                INFO,
                ("advertised by mx1." + _d("requiretls"), "not by mx2." + _d("requiretls")),
            ),
        ),
    ),
    # ----------------------------------------------------------------------- MTASTS-22
    Blind("modereport", fail=frozenset({"MTASTS-22"}), rows=(("MTASTS-22", F, ("report",)),)),
    # The fix row was added after reading the texts: it offered 'mode: testing' (dd7b6f8).
    Blind(
        "modecaps",
        fail=frozenset({"MTASTS-22"}),
        rows=(("MTASTS-22", F, ("Enforce", "mode: enforce")),),
    ),
    # ------------------------------------------------------------ MTASTS-29, -19, -21, -03
    Blind(
        "commentfirst",
        warn=frozenset({"MTASTS-29"}),
        rows=(("MTASTS-29", W, ("#",)), ("MTASTS-21", INFO, ())),
    ),
    Blind("blankline", warn=frozenset({"MTASTS-29"}), rows=(("MTASTS-19", P, ()),)),
    Blind("lfonly", rows=(("MTASTS-19", P, ("LF",)), ("MTASTS-03", INFO, ()))),
    Blind("crmixed", fail=frozenset({"MTASTS-19"}), rows=(("MTASTS-19", F, ("CR",)),)),
    # -------------------------------------------------------- MTASTS-25, -26, -30, -31
    Blind(
        "mxdot",
        warn=frozenset({"MTASTS-25"}),
        rows=(
            ("MTASTS-25", W, ("mx1." + _d("mxdot") + ".",)),
            ("SMTP-12", P, ("mx1." + _d("mxdot"),)),
        ),
    ),
    Blind(
        "mxwilddot",
        warn=frozenset({"MTASTS-25", "MTASTS-31"}),
        rows=(
            ("SMTP-12", P, ("mx1." + _d("mxwilddot"),)),
            ("SMTP-12", P, ("mx2." + _d("mxwilddot"),)),
        ),
    ),
    # Corrected after the run (expectation wrong): the only mx line fits no mx grammar, so
    # the policy has no MX at all: MTASTS-24 (mx required unless mode none, RFC 8461 §3.2),
    # not MTASTS-30, and senders following the grammar apply no policy (mtasts invalid;
    # postfix-mta-sts-resolver keeps the value as one pattern: mtasts_oracle valid).
    Blind(
        "mxspace",
        fail=frozenset({"MTASTS-26", "MTASTS-24"}),
        rows=(
            ("MTASTS-26", F, ("mx1." + _d("mxspace") + " mx2." + _d("mxspace"),)),
            ("MTASTS-24", F, ("no MX host",)),
        ),
    ),
    # ----------------------------------------------------------------------- MTASTS-24
    Blind("nonemx", rows=(("MTASTS-33", INFO, ("none",)),)),
    Blind("testnomx", fail=frozenset({"MTASTS-24"}), rows=(("MTASTS-24", F, ("testing",)),)),
    Blind("nospacecolon", rows=(("MTASTS-20", P, ()),)),
    # ----------------------------------------------------------------------- MTASTS-15
    Blind("ctcaps", rows=(("MTASTS-15", P, ()),)),
    Blind("cthtml", fail=frozenset({"MTASTS-15"}), rows=(("MTASTS-15", F, ("text/html",)),)),
    # ------------------------------------------------------------------ MTASTS-11, -17
    Blind(
        "nopolhost",
        fail=frozenset({"MTASTS-10", "MTASTS-11"}),
        rows=(("MTASTS-11", F, ("mta-sts." + _d("nopolhost"),)),),
    ),
    # The engine's text did not name IPv6 ("not on every address (::1: ...)"); mended (4a0278b).
    Blind(
        "stsv6dead",
        warn=frozenset({"MTASTS-17"}),
        rows=(("MTASTS-17", W, ("not over IPv6", "::1")),),
    ),
    # ---------------------------------------------------------------- TLSRPT-08, -11
    # Corrected after the run: TLSRPT-11 gives no finding when the TTL is long enough or the
    # zone signed (only the info), so the 'pass' rows here and in rptttl3600 are gone;
    # test_a_long_enough_ttl_gets_no_tlsrpt11 says what they meant.
    Blind("rpttwo", rows=(("TLSRPT-08", INFO, ("2 rua",)),)),
    Blind(
        "rptlowttl",
        rows=(("TLSRPT-11", INFO, ("300",)), ("TLSRPT-03", INFO, ())),
    ),
    Blind("rptttl3600", rows=(("TLSRPT-01", P, ()),)),
]


# Where the blind run found the engine wrong and the fix is not made yet: the reason, and the
# check IDs at fail and at warn the engine gives today (see tests/blind_lab.py).
ENGINE_GAPS: dict[str, tuple[str, frozenset[str], frozenset[str]]] = {}

ROUND = LabRound("s29m", BLIND, ENGINE_GAPS)


def test_the_set_is_complete_and_loads() -> None:
    assert len(BLIND) == 31
    ROUND.assert_complete(_d, ("127.0.190.",))


# ------------------------------------------------------------------ the blind run
test_s29m_scenario_reads_as_expected = ROUND.reading_test()


@pytest.mark.lab
@pytest.mark.parametrize("label", ["rpttwo", "rptttl3600"])
def test_a_long_enough_ttl_gets_no_tlsrpt11(lab: Any, label: str) -> None:
    """TLSRPT-11 is info below 3600 s on an unsigned zone (checklist §3 11, RFC 8460 §7): a
    signed zone at 60 s (rpttwo) and an unsigned one at exactly 3600 s (rptttl3600) get none."""
    report = scenario_report(lab, ROUND.scenarios[label])
    assert [f for f in report.findings if f.id == "TLSRPT-11"] == []
