"""Blind round s38m (engine round 14): the DNS as real zones answer it, across the rules that
read DNS (checklist §0 parsing ground rules, §1 MX, §2 MTA-STS, §3 TLS-RPT, §4 SPF, §5 DKIM,
§6 DMARC, §7 DNSSEC-10; RFC 1034 §3.6.2 and §4.2.1, RFC 1035, RFC 2181, RFC 4592, RFC 6672,
RFC 5321 §5.1, RFC 7208, RFC 6376, RFC 8301, RFC 7489, RFC 9989, RFC 8461, RFC 8460).

Measured before the round (tests/ and tests/lab/scenarios, 2026-12-04 15:20 UTC): the shapes
earlier rounds gave are one CNAME hop at _dmarc, _mta-sts, _smtp._tls and the selector, a
lame _domainkey subtree, a wildcard SPF answering _mta-sts (s33m), empty strings inside a
split record (s24e), 'V=DMARC1' (s17m), 'V=TLSRPTV1' (s38h), a 2.2 KB apex TXT set (s16o).
None had a CNAME chain of two hops, a CNAME loop, a DNAME, a wildcard answering _dmarc, an
empty non-terminal at _dmarc, a TXT of one empty string alone, a non-ASCII byte or escaped
quotes inside TXT data, two records differing only in case, 'V=spf1', an MX target written
without its final dot (NXDOMAIN) beside one that exists without an address (NODATA), a zone
naming a name server that does not answer, a selector answer larger than the EDNS size (TC,
then TCP), or an SPF include target reached through a CNAME. Fifteen scenarios (tests/lab/
scenarios/s38m_*.toml, unsigned zones, MX hosts on 127.0.222.10-.24, the policy host on
127.0.226.1, the silent name server address 127.0.226.53; provider names in the lab's 'test'
zone under s38mhost.test and s38mesp.test) give them.

The expectations below were written from the checklist and the RFCs before the engine ran on
any of them; each file's note gives the reasoning. Three rows are planted wrong so that the
round can be seen to fail: DMARC-02 at warn on dmarctwocase (the checklist says fail), MX-06 at
fail on mxnodata (warn while another MX takes mail), SPF-08 at fail on spfinclcname (the include
target publishes SPF through its CNAME); each failed the first run on its status, and was put
right.

The first run (against HEAD d6789116 exported alone, as the shared checkout held others'
unfinished engine edits): of the twelve honest scenarios ten read as written. Two expectations
were mine to correct, each with its reason at its row: spfcaps ('V=spf1' is SPF: RFC 7208 §12
matches quoted strings without regard to case, and receivers do), and mxnodot, whose void MX
lookup is SPF-06 warn beside MX-06 (mxnodata's too, behind its planted row). One engine fault,
in wording and fix (status unchanged), mended with tests/test_engine_s38m_cname_loop.py:
DMARC-01 on dmarcloop said only that "the DNS query failed" (Unbound's SERVFAIL at the loop); it
now names the loop and asks to delete the CNAME and publish the record. Read, not changed: on
stsempty MTASTS-01 says the served policy is announced by no _mta-sts TXT record, where one
stands holding an empty string; DMARC-02's fix on dmarctwocase keeps both rua addresses, which
differ only in case (local parts may be case-sensitive, RFC 5321 §2.4); nslame's shape (a
silent second name server) is s33l's at another address. Found reading the texts, mended after
the results (tests/test_engine_s38m_spf_lookalike.py): SPF-15 on spfendash gave the retyped
record in its sentence and an empty fix.

For each scenario: the check IDs at fail, at warn and at "could not check" (error) are exactly
`fail`, `warn` and `error`, and every row of `rows` names a finding with that check id and status
whose subject, summary, evidence or fix contains each of the given words (case-insensitive).
"""

from __future__ import annotations

from tests.blind_lab import INFO, Blind, E, F, LabRound, P, W


def _d(label: str) -> str:
    return f"s38m-{label}.lab.test"


def _h(host: str, label: str) -> str:
    return f"{host}.{_d(label)}"


def _sel(selector: str, label: str) -> str:
    return f"{selector}._domainkey.{_d(label)}"


BLIND: list[Blind] = [
    # ------------------------------------------------------ CNAME chains of two hops
    Blind(
        "chains",
        rows=(
            ("MTASTS-01", P, ()),
            ("TLSRPT-01", P, ()),
            ("DMARC-01", P, ()),
            ("DKIM-07", P, (_sel("s2048", "chains"),)),
        ),
    ),
    # ------------------------------------------------------ a CNAME loop at _dmarc
    Blind(
        "dmarcloop",
        error=frozenset({"DMARC-01"}),
        rows=(
            ("DMARC-01", E, ("_dmarc",)),
            # Mended after the run: the finding said only "the DNS query failed" (Unbound's
            # SERVFAIL); it now names the loop and the fix (tests/test_engine_s38m_cname_loop.py).
            ("DMARC-01", E, ("CNAME loop", _h("_dmarc-old", "dmarcloop"), "Delete the CNAME")),
        ),
    ),
    # ------------------------------------------------------ a DNAME above the selector
    Blind("dkimdname", rows=(("DKIM-07", P, (_sel("s2048", "dkimdname"),)),)),
    # ------------------------------------------------------ a wildcard answers _dmarc
    Blind("wilddmarc", rows=(("DMARC-01", INFO, ()), ("MTASTS-01", INFO, ()))),
    # ------------------------------------------------------ _dmarc an empty non-terminal
    Blind("entdmarc", rows=(("DMARC-01", INFO, ()),)),
    # ------------------------------------------------------ one empty string at _mta-sts
    Blind(
        "stsempty",
        rows=(
            ("MTASTS-01", INFO, ()),
            # Mended after the run (s38t): the finding said no _mta-sts TXT record announces
            # the policy; it now says what stands there (tests/test_engine_s38t_empty_txt.py).
            ("MTASTS-01", INFO, ("holds a TXT record with an empty string", "in place of")),
        ),
    ),
    # ------------------------------------------------------ a non-ASCII byte in SPF
    Blind(
        "spfendash",
        fail=frozenset({"SPF-15"}),
        rows=(
            ("SPF-15", F, ("v=spf1 mx -all",)),
            # Mended after the run: the retyped record stood in the sentence, the fix was empty
            # (tests/test_engine_s38m_spf_lookalike.py).
            ("SPF-15", F, (f"{_d('spfendash')}. TXT",)),
        ),
    ),
    # ------------------------------------------------------ escaped quotes in DMARC
    Blind(
        "dmarcquoted",
        fail=frozenset({"DMARC-03"}),
        rows=(("DMARC-03", F, (f"v=DMARC1; p=reject; rua=mailto:dmarc@{_d('dmarcquoted')}",)),),
    ),
    # ------------------------------------------------------ records differing only in case
    Blind(
        "dmarctwocase",
        # Planted wrong as DMARC-02 warn; it failed the first run on that row alone and is put
        # right: checklist DMARC-02 is fail (every record is discarded).
        fail=frozenset({"DMARC-02"}),
        rows=(("DMARC-02", F, (f"_dmarc.{_d('dmarctwocase')}", "2 DMARC records")),),
    ),
    # Corrected after the run (expectation mine): I wrote SPF-02 warn, as verifiers disagreeing.
    # They do not: RFC 7208 §12 says its quoted strings match without regard to case (RFC 5234
    # §2.3), and the RFC 7208 test suite (openspf 2014.04) requires 'V=spf1' to be read as SPF;
    # pyspf, Mail::SPF, libspf2 and rspamd do. The scanners that miss it (zdns #253,
    # trustymail #39) are no receivers. The engine reads the record as SPF, no finding.
    Blind("spfcaps", rows=(("SPF-01", P, ()),)),
    # ------------------------------------------------------ NXDOMAIN and NODATA MX targets
    # Corrected after the run (expectation mine): I left out SPF-06. 'v=spf1 mx -all' looks up
    # the address of every MX host; the one that comes back empty is a void lookup (RFC 7208
    # §4.6.4), checklist SPF-06 warn at 1-2 of them, naming NXDOMAIN here and NODATA below.
    Blind(
        "mxnodot",
        warn=frozenset({"MX-06", "SPF-06"}),
        rows=(
            ("MX-06", W, (f"mx2.{_d('mxnodot')}.{_d('mxnodot')}", "final dot")),
            ("SPF-06", W, ("NXDOMAIN",)),
        ),
    ),
    Blind(
        "mxnodata",
        # Planted wrong as MX-06 fail; it failed the first run on that row alone and is put
        # right: checklist MX-06 is warn while another MX host takes mail.
        warn=frozenset({"MX-06", "SPF-06"}),
        rows=(("MX-06", W, (_h("mx2", "mxnodata"),)), ("SPF-06", W, ("NODATA",))),
    ),
    # ------------------------------------------------------ one of two name servers silent
    Blind(
        "nslame",
        error=frozenset({"DNSSEC-10"}),
        rows=(("DNSSEC-10", E, (_h("ns2", "nslame"),)),),
    ),
    # ------------------------------------------------------ a selector answer over EDNS size
    Blind(
        "dkim8192",
        warn=frozenset({"DKIM-07"}),
        rows=(("DKIM-07", W, (_sel("s8192", "dkim8192"), "8192")),),
    ),
    # ------------------------------------------------------ an SPF include through a CNAME
    # Planted wrong as SPF-08 fail; it failed the first run on that row alone and is put right:
    # the include target publishes SPF through its CNAME, so nothing fails.
    Blind("spfinclcname"),
]


# Where the blind run found the engine wrong and the fix is not made yet: the reason, and the
# check IDs at fail and at warn the engine gives today (see tests/blind_lab.py).
ENGINE_GAPS: dict[str, tuple[str, frozenset[str], frozenset[str]]] = {}

ROUND = LabRound("s38m", BLIND, ENGINE_GAPS)


def test_the_set_is_complete_and_loads() -> None:
    assert len(BLIND) == 15
    ROUND.assert_complete(_d, ("127.0.222.",))


# ------------------------------------------------------------------ the blind run
test_s38m_scenario_reads_as_expected = ROUND.reading_test()
