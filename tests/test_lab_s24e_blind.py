"""Blind round s24e: the engine on parser and evaluation corners no earlier round listed.

Thirteen blind scenarios (tests/lab/scenarios/s24e_*.toml, MX hosts on 127.0.114.x, SPF ranges on
127.0.116.x, policy hosts on 127.0.61.1), each the baseline domain (signed, two MX under MTA-STS
enforce, TLS-RPT, SPF, DKIM, DMARC p=reject) with the corner written in: look-alike version tags
beside the real records (v=STSv10, v=TLSRPTv10, v=DMARC10, Sender ID's spf2.0/pra); every TXT
record split into two strings at awkward places in an unsigned zone (a 32-character id with a
trailing ';', a TLS-RPT record with a 60 s TTL); hand-written report URI lists (MAILTO: in
capitals, spaces around commas, an encoded comma, a same-organisation mailbox); a policy that is
valid to the letter (a ten-digit max_age, trailing spaces and tabs, 'mx:' without a space, a
UTF-8 comment line, no final newline); certificates naming their hosts in capitals and through
an upper-case wildcard under DANE-TA; a ten-label mail domain inheriting 'sp=none'; DKIM keys as
hand-typed (an Ed25519 key without k=, h=sha256:sha1, spaces around every '='); SPF that
includes itself, SPF with trailing-dot names and RFC 6652 modifiers, SPF 'a' at an apex without
an address; a no-break space pasted into the _mta-sts record; 'v=bimi1'; one MX host listed
twice beside a backup that re-offers STARTTLS. The expectations below were written from checklist
§0-§10 and the RFCs before the engine ran on any of them; each file's note gives the reasoning,
and says where a row was corrected after the blind run. A fourteenth, s24e-pasted, was added after
the run (not blind) for the texts the no-break-space finding led to in the TLS-RPT, DMARC and
DKIM records. A second blind batch of three, written after the first had run and before the
engine ran on them: an MX typed without its final dot, a one-label mx pattern, an MX at the apex
under a '*.<domain>' pattern. A third blind batch of two: empty character-strings inside every
TXT record, and two MX names on one address.

For each scenario: the check IDs at fail, at warn and at "could not check" (error) are exactly
`fail`, `warn` and `error`, and every row of `rows` names a finding with that check id and status
whose subject, summary, evidence or fix contains each of the given words.
"""

from __future__ import annotations

from tests.blind_lab import INFO, Blind, F, LabRound, P, W

# The one scenario whose domain is not s24e-<label>.lab.test: ten labels under its organisation.
DEEP = "a.b.c.d.e.f.g.s24e-deep.lab.test"


def _d(label: str) -> str:
    return DEEP if label == "deep" else f"s24e-{label}.lab.test"


def _mx(host: str, label: str) -> str:
    return f"{host}.{_d(label)}"


BLIND: list[Blind] = [
    # ------------------------------------------------------------------ TXT record parsing
    # Look-alike version tags are discarded before counting: one record of each survives.
    # Corrected after the run: each stray record is warned about (a reader testing the version
    # as a prefix counts two records and applies none), with the record to delete.
    Blind(
        "verprefix",
        warn=frozenset({"MTASTS-04", "TLSRPT-04", "DMARC-03"}),
        rows=(
            ("MTASTS-04", W, ("v=stsv10; id=20250101t0000", "delete")),
            ("TLSRPT-04", W, ("v=tlsrptv10",)),
            ("DMARC-03", W, ("v=dmarc10; p=none",)),
        ),
    ),
    # Strings concatenated without spaces; 32-character id; TTL 60 in an unsigned zone.
    Blind("splitall", rows=(("DNSSEC-01", INFO, ()), ("TLSRPT-11", INFO, ()))),
    # *WSP around ',' is allowed in both URI lists; URI schemes are case-insensitive.
    Blind("listspaces"),
    # A no-break space is not US-ASCII: the record is invalid, senders see no policy.
    Blind(
        "nbsp",
        fail=frozenset({"MTASTS-08"}),
        rows=(
            ("MTASTS-08", F, ()),
            # Added after the blind run (status right): MTASTS-05 ("no id field") and MTASTS-07
            # failed beside it for the one character; now it is named, and the record retyped.
            (
                "MTASTS-08",
                F,
                # Since s32y the record to retype is the fix's, with a new id, not the
                # owner's written out (tests/test_engine_s32y.py).
                ("a no-break space (u+00a0) after 'v=stsv1;'", "by hand, with a new id"),
            ),
        ),
    ),
    # 'v=bimi1' is discarded; receivers must not fix capitalisation.
    Blind(
        "bimicase",
        fail=frozenset({"BIMI-02"}),
        rows=(
            ("BIMI-02", F, ("v=bimi1",)),
            # Added after the blind run (status right): the summary ended with the record, no
            # closing punctuation (tests/test_fix_texts.py), and offered no fix; it now quotes
            # the record and offers it with the version written 'v=BIMI1'.
            ("BIMI-02", F, ("logo.svg;'.", "default._bimi.s24e-bimicase.lab.test. txt")),
        ),
    ),
    # -------------------------------------------------------------------- MTA-STS policy body
    # 1*10 DIGIT max_age with leading zeros, trailing WSP, no final newline, UTF-8 ext value.
    Blind("maxagepad", rows=(("MTASTS-28", INFO, ("comment",)),)),
    # ------------------------------------------------------------------ certificate names
    # Upper-case SANs and an upper-case wildcard match; DANE-TA with the TA sent.
    Blind(
        "tacase",
        rows=(
            ("DANE-07", P, (_mx("mx1", "tacase"),)),
            ("DANE-07", P, (_mx("mx2", "tacase"),)),
        ),
    ),
    # ------------------------------------------------------------------------------ DMARC
    # Ten labels: the tree walk jumps to seven and finds the organisation's record; sp=none.
    # Corrected after the run: sp=none is this domain's policy, monitoring only: DMARC-06 too.
    Blind(
        "deep",
        warn=frozenset({"DMARC-06", "DMARC-07"}),
        rows=(
            ("DMARC-07", W, ("sp=none",)),
            ("DMARC-06", W, (f"{DEEP} gets from _dmarc.s24e-deep.lab.test is sp=none",)),
        ),
    ),
    # ------------------------------------------------------------------------------- DKIM
    # Corrected after the run: the Ed25519 key without k=ed25519 is a key-type fault (DKIM-08,
    # whose fix adds k=ed25519), not a key that does not decode (DKIM-06).
    Blind(
        "dkimnok",
        fail=frozenset({"DKIM-08"}),
        warn=frozenset({"DKIM-09"}),
        rows=(("DKIM-08", F, ("edraw", "k=ed25519")), ("DKIM-09", W, ("hmix",))),
    ),
    # -------------------------------------------------------------------------------- SPF
    Blind("spfloop", fail=frozenset({"SPF-05"})),
    Blind("spftrail"),
    Blind("spfavoid", warn=frozenset({"SPF-06"})),
    # --------------------------------------------------------------------------- MX / SMTP
    Blind(
        "mxdupe",
        warn=frozenset({"SMTP-05"}),
        rows=(("SMTP-05", W, (_mx("mx2", "mxdupe"),)),),
    ),
    # ------------------------------------------- second blind batch (after the first ran)
    # An MX typed without its final dot: mx1.<d>.<d> does not exist, and no pattern matches it.
    # Corrected after the run: SMTP-01 fails too (no address reachable, as s13-mxnodot), and
    # TLSRPT-10 warns (the report mailbox is at this domain, whose MX has no address).
    Blind(
        "mxnodot",
        fail=frozenset({"MX-06", "MTASTS-30", "SMTP-01"}),
        warn=frozenset({"TLSRPT-10"}),
        rows=(
            ("MX-06", F, (_mx("mx1", "mxnodot") + ".s24e-mxnodot.lab.test", "final dot")),
            ("TLSRPT-10", W, ("tlsrpt@s24e-mxnodot.lab.test",)),
        ),
    ),
    # A one-label mx pattern is valid syntax but matches no MX name: the primary is skipped.
    Blind(
        "stsshort",
        warn=frozenset({"MTASTS-30"}),
        rows=(("MTASTS-30", W, (_mx("mx1", "stsshort"),)),),
    ),
    # The MX is the apex itself: '*.<d>' does not match <d>, and it is over-broad.
    Blind(
        "apexmx",
        fail=frozenset({"MTASTS-30"}),
        warn=frozenset({"MTASTS-31"}),
        rows=(("DANE-07", P, (_d("apexmx"),)), ("SMTP-11", P, (_d("apexmx"),))),
    ),
    # --------------------------------------------------------------- third blind batch
    # Empty character-strings add nothing: every record reads as the baseline's.
    Blind("emptystr"),
    # Two MX names on one address, one certificate naming both. Rows corrected after the run
    # (statuses as written): MTASTS-32's pass is one line for the domain; each name's own
    # reading is SMTP-11's.
    Blind(
        "sameip",
        rows=(
            ("MTASTS-32", P, ("every address of every mx host",)),
            ("SMTP-11", P, (_mx("mx1", "sameip") + " [127.0.114.46]",)),
            ("SMTP-11", P, (_mx("mx2", "sameip") + " [127.0.114.46]",)),
        ),
    ),
    # ------------------------------------------------------- added after the run (not blind)
    # The texts s24e-nbsp led to, for the other records a no-break space can be pasted into.
    Blind(
        "pasted",
        fail=frozenset({"TLSRPT-09", "DKIM-03"}),
        warn=frozenset({"DMARC-05", "DMARC-06", "DMARC-17"}),
        rows=(
            ("TLSRPT-09", F, ("a no-break space (u+00a0) after 'v=tlsrptv1;'",)),
            ("DMARC-17", W, ("'p=reject' holds a no-break space (u+00a0) after 'v=dmarc1;'",)),
            ("DMARC-05", W, ("no p= tag receivers can read", "see dmarc-17")),
            ("DKIM-03", F, ("pasted", "'k=rsa' holds a no-break space (u+00a0)")),
        ),
    ),
]


# Where the blind run found the engine wrong and the fix is not made yet: the reason, and the
# check IDs at fail and at warn the engine gives today. The scenario file's [expect] carries
# today's IDs, as every lab scenario's [expect] is what the engine must say now
# (tests/test_engine_lab.py reads them); the blind expectation above stays the right answer, and
# the test below is a strict xfail: the day the engine gives it, the mark and the entry here must
# go, and the file's [expect] takes the blind IDs.
ENGINE_GAPS: dict[str, tuple[str, frozenset[str], frozenset[str]]] = {}

ROUND = LabRound("s24e", BLIND, ENGINE_GAPS)


def test_the_set_is_complete_and_loads() -> None:
    assert len(BLIND) == 19
    ROUND.assert_complete(_d, ("127.0.114.", "127.0.115."))


# ------------------------------------------------------------------ the blind run
test_s24e_scenario_reads_as_expected = ROUND.reading_test()
