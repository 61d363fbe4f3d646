"""Blind round s26e: whole domains for the checklist rule/status pairs the lab shows least.

Chosen by coverage as s25e and s25g were (a scratch script re-counted, for every rule of
checklist §1-§10 and each status its severity line names, the scenario files' [expect] and the
blind rounds' rows: 28 pairs with no scenario, 48 with one, after s25g). Some zero pairs cannot
be shown by one scan or by the lab (MTASTS-09 needs two scans, DNSSEC-10 a second name server,
SMTP-06 an injection probe, DNSSEC-03's fail an algorithm knot cannot sign with) or are not
statuses at all (MTASTS-18 "never fail", DANE-08 "never fail", SPF-03's "syntax error").
Nineteen scenarios (tests/lab/scenarios/s26e_*.toml, MX hosts on 127.0.135.10-.43, SPF ranges
on 127.0.136.x, nothing listening on 127.0.137.x; policy, BIMI and report hosts on 127.0.61.1;
providers are zones `s26eprov-<letter>.test`) each show some of the rest as a domain its owner
runs: an internationalised name whose owner typed the U-label in the policy and in SPF, an
on-premises Exchange speaking TLS 1.2 only under MTA-STS testing, a home server's self-signed
certificate without MTA-STS or DANE, MTA-STS and TLS-RPT hosted through CNAMEs (a split TXT
with an extension field, Cache-Control on the policy), a managed-service client with four MX,
two rua= tags and a DMARC '!10m', a BIMI declination, a SHA-1 DS beside a SHA-256 one under
DANE and MTA-STS, a DKIM rotation with a revoked and an Ed25519 selector, short-lived signatures
with a certificate 20 days from expiry, DANE '3 0 1', psd=y on a company domain, 'pct=100%', a
half-finished provider move, AAAA records where IPv6 is firewalled, a TLS-RPT collector with the
vendor's certificate, typographic quotes in _mta-sts, six MX under 'mx: *.<domain>', BIMI
'avp=logo' and a DKIM record with k= before v=. The expectations below were written from
checklist §0-§10 and the RFCs before the engine ran on any of them; each file's note gives the
reasoning. Three planted wrong expectations (SMTP-07 warn on s26e-tls12, BIMI-03 fail on
s26e-bimidecl, no MTASTS-31 warn on s26e-manymx) failed the first run and were removed.
Fourteen read as written. Four expectations were wrong and are corrected below with the reason
(s26e-selfsign, -stsquote, -mixedv6, -dkimrot); s26e-idn found the engine saying one U-label
twice in SPF and not naming the A-label in MTASTS-25/30 (mended: tests/test_engine_s26e.py).
Reading the texts then gave BIMI-06 (bimiavp), DANE-06 (dane301) and DNSSEC-04 (dssha1) the
record to publish or remove (rows added after the run).

For each scenario: the check IDs at fail, at warn and at "could not check" (error) are exactly
`fail`, `warn` and `error`, and every row of `rows` names a finding with that check id and status
whose subject, summary, evidence or fix contains each of the given words.
"""

from __future__ import annotations

from tests.blind_lab import INFO, Blind, F, LabRound, P, W

IDN_A = "xn--s26e-mller-feb.lab.test"  # s26e-müller.lab.test
IDN_U = "s26e-müller.lab.test"


def _d(label: str) -> str:
    return IDN_A if label == "idn" else f"s26e-{label}.lab.test"


BLIND: list[Blind] = [
    # ----------------------------------------------------------------------- MTA-STS
    # The run found SPF-04 failing beside SPF-15 for the one U-label ("the character 'ü' is not
    # allowed"), MTASTS-25 saying "(xn--...)" for the A-label, and MTASTS-30 showing the
    # uncovered MX by the very name the policy lists; mended (tests/test_engine_s26e.py) and
    # the last three rows added after the run to hold the texts. MTASTS-32's pass is one finding
    # for the domain, naming no host: its row wanted 'mx1.<domain>' (corrected).
    Blind(
        "idn",
        fail=frozenset({"MTASTS-25", "SPF-15"}),
        warn=frozenset({"MTASTS-30"}),
        rows=(
            ("MTASTS-25", F, (f"mx2.{IDN_U}", f"mx: mx2.{IDN_A}")),
            ("MTASTS-30", W, (f"mx2.{IDN_A}",)),
            ("SPF-15", F, (f"mail.{IDN_U}",)),
            ("MTASTS-32", P, ("every mx host",)),
            ("MTASTS-25", F, (f"'mx2.{IDN_A}'",)),
            ("MTASTS-30", W, (f"'mx: mx2.{IDN_U}'", "unicode form", f"'mx2.{IDN_A}'")),
            ("SPF-15", F, (f"'mail.{IDN_U}'", f"v=spf1 mx a:mail.{IDN_A} -all")),
        ),
    ),
    Blind(
        "tls12",
        rows=(
            ("SMTP-07", INFO, ("1.3",)),
            ("MTASTS-33", INFO, ("testing",)),
            ("MTASTS-23", INFO, ("86400",)),
            ("BIMI-01", INFO, ()),
        ),
    ),
    Blind(
        "stshosted",
        rows=(
            ("MTASTS-03", INFO, ()),
            ("MTASTS-07", INFO, ("hosted",)),
            ("MTASTS-18", INFO, ("max-age=300",)),
            ("MTASTS-30", P, ()),
        ),
    ),
    # Corrected after the run (engine right): the blind text wanted MTASTS-08 beside MTASTS-04.
    # One cause, one finding: the quotes are why the record does not begin with 'v=STSv1' and
    # is discarded (MTASTS-04), and MTASTS-04 names them (U+201C, U+201D) and gives the record
    # retyped without them; s24e-nbsp names its no-break space once too (MTASTS-08 there).
    Blind(
        "stsquote",
        fail=frozenset({"MTASTS-04"}),
        # Retyped with a new id since s32x (79baac69): the fix's record and the summary agree,
        # and senders holding the quoted record's policy fetch it again (RFC 8461 §5.1).
        rows=(("MTASTS-04", F, ("u+201c", "u+201d", "with a new id", "v=STSv1; id=")),),
    ),
    Blind(
        "manymx",
        warn=frozenset({"MTASTS-31"}),
        rows=(("MTASTS-31", W, ("*." + _d("manymx"), "mx: mx6." + _d("manymx"))),),
    ),
    Blind(
        "halfmig",
        fail=frozenset({"SPF-08"}),
        rows=(
            ("SPF-08", F, ("_spf.s26eprov-c.test",)),
            ("MTASTS-31", INFO, ("*.s26eprov-c.test",)),
        ),
    ),
    # Corrected after the run (engine right): MTASTS-32 is "could not check" for mx1 at ::1,
    # whose certificate cannot be read through a refused connection (SMTP-01 warns the refusal;
    # s22m-mxv6only reads the same); on IPv4 mx1's certificate names it (SMTP-11 pass).
    Blind(
        "mixedv6",
        warn=frozenset({"SMTP-01", "MTASTS-17"}),
        error=frozenset({"MTASTS-32"}),
        rows=(
            ("SMTP-01", W, ("::1", "mx1." + _d("mixedv6"))),
            ("MTASTS-17", W, ("::1",)),
            ("SMTP-11", P, ("mx1." + _d("mixedv6"), "127.0.135.32")),
        ),
    ),
    # ------------------------------------------------------------------- SMTP and DANE
    # Corrected after the run (engine right): the blind reading let SMTP-16's info stand for
    # the self-signed certificate alone; checklist SMTP-09 (chain validity) is "fail under
    # MTA-STS, warn otherwise" and a self-signed certificate chains to no trusted root, so it
    # warns too, as in s11d-selfsignee; SMTP-16 adds that opportunistic TLS still works.
    Blind(
        "selfsign",
        warn=frozenset({"DMARC-06", "SMTP-09"}),
        rows=(
            ("SMTP-09", W, ("self-signed",)),
            ("SMTP-16", INFO, ("mail." + _d("selfsign"),)),
            ("MTASTS-01", INFO, ()),
            ("TLSRPT-01", INFO, ()),
            ("DMARC-06", W, ("p=none",)),
        ),
    ),
    Blind(
        "neglect",
        warn=frozenset({"DNSSEC-05"}),
        rows=(("SMTP-10", INFO, ("mx1." + _d("neglect"),)), ("MTASTS-32", P, ())),
    ),
    Blind(
        "dane301",
        rows=(
            ("DANE-06", INFO, ("3 0 1",)),
            # Added after the run: DANE-06 gave no record (mended, tests/test_engine_s26e.py).
            (
                "DANE-06",
                INFO,
                ("same key", "two ttls", "_25._tcp.mx1." + _d("dane301") + ". in tlsa 3 1 1"),
            ),
            ("DANE-07", P, ("mx2." + _d("dane301"),)),
            ("MTASTS-01", INFO, ()),
            ("SMTP-18", INFO, ("requiretls",)),
        ),
    ),
    Blind(
        "dssha1",
        rows=(
            ("DNSSEC-04", INFO, ()),
            ("MTASTS-35", INFO, ("dane",)),
            # Added after the run: DNSSEC-04 named no record (mended, tests/test_engine_s26e.py).
            ("DNSSEC-04", INFO, ("remove this ds record", _d("dssha1") + ". in ds", " 13 1 ")),
        ),
    ),
    # ------------------------------------------------------------------------ TLS-RPT
    Blind(
        "msp",
        rows=(
            ("TLSRPT-08", INFO, ()),
            ("DMARC-12", INFO, ("!10m",)),
            ("MTASTS-30", P, ()),
        ),
    ),
    Blind(
        "rptcn",
        rows=(("TLSRPT-10", INFO, ("tlsrpt." + _d("rptcn"), "certificate")),),
    ),
    # ------------------------------------------------------------------ DKIM and DMARC
    Blind(
        "dkimrot",
        # Corrected after the run (engine right): DKIM-08's info is the advice to dual-sign an
        # Ed25519-only domain with RSA (RFC 8463 §6); k2 publishes the RSA key, so there is
        # nothing to advise, and 'ed' reads as a valid Ed25519 key.
        rows=(
            ("DKIM-05", INFO, ("k1",)),
            ("DKIM-06", P, ("'ed'", "ed25519")),
            ("DKIM-07", P, ("k2",)),
        ),
    ),
    Blind("dkimvfirst", fail=frozenset({"DKIM-04"}), rows=(("DKIM-04", F, ("panel", "v=DKIM1")),)),
    Blind("psdy", warn=frozenset({"DMARC-10"}), rows=(("DMARC-10", W, ("psd=y",)),)),
    Blind("pctpct", fail=frozenset({"DMARC-08"}), rows=(("DMARC-08", F, ("100%",)),)),
    # --------------------------------------------------------------------------- BIMI
    Blind("bimidecl", rows=(("BIMI-03", INFO, ()),)),
    # Reading the text after the run: BIMI-06 gave no record to publish (mended, the record
    # without avp=; tests/test_engine_s26e.py); the second row was added for it.
    Blind(
        "bimiavp",
        warn=frozenset({"BIMI-06"}),
        rows=(
            ("BIMI-06", W, ("avp=logo",)),
            (
                "BIMI-06",
                W,
                (
                    f"v=BIMI1; l=https://bimi.{_d('bimiavp')}/logo.svg; "
                    f"a=https://bimi.{_d('bimiavp')}/vmc.pem",
                ),
            ),
        ),
    ),
]


# Where the blind run found the engine wrong and the fix is not made yet: the reason, and the
# check IDs at fail and at warn the engine gives today (see tests/blind_lab.py).
ENGINE_GAPS: dict[str, tuple[str, frozenset[str], frozenset[str]]] = {}

ROUND = LabRound("s26e", BLIND, ENGINE_GAPS)


def test_the_set_is_complete_and_loads() -> None:
    assert len(BLIND) == 19
    ROUND.assert_complete(_d, ("127.0.135.",))


# ------------------------------------------------------------------ the blind run
test_s26e_scenario_reads_as_expected = ROUND.reading_test()
