"""Blind round s22m: SPF, DMARC and TLS-RPT records and MX basics nobody listed yet.

Sixteen scenarios (tests/lab/scenarios/s22m_*.toml, MX hosts on 127.0.109.x, SPF ranges on
127.0.150.x), each the good baseline (signed zone, two MX, MTA-STS enforce, TLS-RPT, SPF, DKIM,
DMARC p=reject) with one delta: Proofpoint-style hosted SPF (include:%{ir}.%{v}.%{d}...),
exists: at names that only carry TXT, an ESP include listed twice, a second record written
v=spf10, mx on names with six addresses each, redirect= to a record without all, a: through a
dangling CNAME; DMARC p=quarantine; sp=none; np=reject, sp/np on a subdomain's own record, a
record written with commas; TLS-RPT URIs separated by ';', an https endpoint whose domain is
gone, two mailboxes in one mailto; MX preferences 0 and 65535, an IPv6-only backup MX, an MX
name served by a wildcard. The expectations below were written from checklist §0, §1, §3, §4,
§6 and §9, RFC 7208, 7489, 9989, 8460, 5321, 7505 and 4592 before the engine ran on any of them;
each file's note gives the reasoning, and says where a row was corrected after the blind run.

For each scenario: the check IDs at fail, at warn and at "could not check" (error) are exactly
`fail`, `warn` and `error`, and every row of `rows` names a finding with that check id and status whose
subject, summary, evidence or fix contains each of the given words.
"""

from __future__ import annotations

from tests.blind_lab import INFO, Blind, E, F, LabRound, W


def _d(label: str) -> str:
    return f"s22m-{label}.lab.test"


BLIND: list[Blind] = [
    # ------------------------------------------------------------ SPF (RFC 7208, checklist §4)
    Blind("pphosted"),
    Blind(
        "existstxt",
        fail=frozenset({"SPF-06"}),
        rows=(
            ("SPF-06", F, ("ok1.flags.", "ok2.flags.", f"relay-old.{_d('existstxt')}")),
            # Added after the blind run (status right): the text said the names "do not exist
            # or have no addresses ... remove the stale entries"; the flags exist with a TXT
            # record only, and exists: asks for A (RFC 7208 §5.7) whatever the sender's family.
            (
                "SPF-06",
                F,
                (
                    "exist but have no a record (nodata; they have txt records)",
                    f"relay-old.{_d('existstxt')} does not exist (nxdomain)",
                    "whatever the sender's address family",
                    f"publish an a record at ok1.flags.{_d('existstxt')}",
                ),
            ),
        ),
    ),
    Blind(
        "dupinc",
        fail=frozenset({"SPF-05"}),
        rows=(
            ("SPF-05", F, ("11", "_spf.s22mesp-b.test")),
            # Added after the blind run (status right): the text did not name the copy and
            # advised replacing includes with ranges; deleting the copy is the one-line fix.
            (
                "SPF-05",
                F,
                (
                    "include:_spf.s22mesp-b.test is listed twice",
                    "needs 8 dns lookups, within the limit of 10",
                    "v=spf1 mx a include:_spf.s22mesp-b.test include:s22mcrm-c.test "
                    f"a:relay.{_d('dupinc')} -all",
                ),
            ),
        ),
    ),
    Blind(
        "spf10ver",
        # Corrected after the blind run (engine right): warn, not fail. The one SPF record works;
        # the near miss beside it costs the senders it names (docs/scoring.md v7, SPF-02).
        warn=frozenset({"SPF-02"}),
        rows=(("SPF-02", W, ("v=spf10", "include:_spf.s22mesp-d.test")),),
    ),
    Blind("mxaddrs"),
    Blind(
        "redirnoall",
        warn=frozenset({"SPF-09"}),
        rows=(("SPF-09", W, ("_spf.s22mhost-e.test",)),),
    ),
    Blind(
        "acnamegone",
        warn=frozenset({"SPF-06"}),
        rows=(
            ("SPF-06", W, (f"relay.{_d('acnamegone')}",)),
            # Added with the s22m SPF-06 texts: NXDOMAIN at the end of the alias, named.
            (
                "SPF-06",
                W,
                (
                    "alias (cname) of relay-7f3a.vm.s22mcloud-h.test, which does not exist (nxdomain)",
                ),
            ),
        ),
    ),
    # ------------------------------------------------- DMARC (RFC 7489/9989, checklist §6)
    Blind("spnonenp", warn=frozenset({"DMARC-07"}), rows=(("DMARC-07", W, ("sp=none",)),)),
    # The blind run found DMARC-07 warning np=none on this subdomain record (fixed: ignored).
    Blind("subsp", rows=(("DMARC-07", INFO, ("np=",)),)),
    Blind(
        "dmarccomma",
        fail=frozenset({"DMARC-03"}),
        rows=(
            # The fix row was added after the blind run: the fix offered "v=DMARC1; p=none",
            # dropping p=reject and the report address (fixed).
            ("DMARC-03", F, ("v=DMARC1,", "separated with ','")),
            ("DMARC-03", F, (f"v=DMARC1; p=reject; rua=mailto:dmarc@{_d('dmarccomma')}",)),
        ),
    ),
    # ------------------------------------------------------- TLS-RPT (RFC 8460, checklist §3)
    Blind(
        "rptsemi",
        fail=frozenset({"TLSRPT-09"}),
        rows=(("TLSRPT-09", F, ("https://rpt.lab.test/v1/tlsrpt",)),),
    ),
    Blind(
        "rpthttpsnx",
        warn=frozenset({"TLSRPT-10"}),
        rows=(("TLSRPT-10", W, ("tlsrpt.s22mgone-i.test",)),),
    ),
    Blind(
        "rpttwomail",
        warn=frozenset({"TLSRPT-06"}),
        rows=(("TLSRPT-06", W, (f"noc@{_d('rpttwomail')}",)),),
    ),
    # ------------------------------------------- MX (RFC 5321, 7505, 4592; checklist §1, §9)
    Blind("mxpref"),
    Blind(
        "mxv6only",
        warn=frozenset({"SMTP-01"}),
        # Corrected after the blind run (engine right): an MX the checker cannot reach is
        # neither validated nor failed under MTA-STS (as s16o-mxrefused, s12t-greet554).
        error=frozenset({"MTASTS-32"}),
        rows=(
            ("SMTP-01", W, (f"mx2.{_d('mxv6only')}",)),
            ("MTASTS-32", E, (f"mx2.{_d('mxv6only')}",)),
        ),
    ),
    Blind("mxwild"),
]


# Where the blind run found the engine wrong and the fix is not made yet: the reason, and the
# check IDs at fail and at warn the engine gives today. The scenario file's [expect] carries
# today's IDs, as every lab scenario's [expect] is what the engine must say now
# (tests/test_engine_lab.py reads them); the blind expectation above stays the right answer, and
# the test below is a strict xfail: the day the engine gives it, the mark and the entry here must
# go, and the file's [expect] takes the blind IDs.
ENGINE_GAPS: dict[str, tuple[str, frozenset[str], frozenset[str]]] = {}

ROUND = LabRound("s22m", BLIND, ENGINE_GAPS)


def test_the_set_is_complete_and_loads() -> None:
    assert len(BLIND) == 16
    # a scenario checks its label's domain or a name under it (subsp checks mail.<org>)
    ROUND.assert_complete(_d, ("127.0.109.",), under=True)


# ------------------------------------------------------------------ the blind run
test_s22m_scenario_reads_as_expected = ROUND.reading_test()
