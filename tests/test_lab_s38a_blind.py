"""Blind round s38a: domains nobody listed, aimed at the checklist rules the test files name
least in the DKIM, DANE/TLSA, DNSSEC and STARTTLS families (checklist §5, §7, §8, §9; RFC 6376,
RFC 8301, RFC 6698, RFC 7671, RFC 7672, RFC 3207, RFC 5321, RFC 8689, RFC 1982), with SPF-13
and DMARC-14/-15 beside them (checklist §4, §6).

Measured before the round (files under tests/ naming the id, 2026-12-04 14:40 UTC): DMARC-20 10,
SPF-13 11, DKIM-12 14, SMTP-17 14, SMTP-06 15, DKIM-04 16, DKIM-10 16, DMARC-15 16, DKIM-09 17,
DNSSEC-10 17, DANE-14 18, DKIM-03 18, DKIM-05 18, SMTP-05 18, SMTP-12 18, SMTP-18 18, DANE-13 19,
DKIM-02 19, DKIM-11 19, SMTP-15 20, DANE-05 21. Twenty scenarios (tests/lab/scenarios/
s38a_*.toml, MX hosts on 127.0.180.10-.49, the policy host on 127.0.183.1, a second name server
on 127.0.183.53) give them shapes the earlier rounds did not: records valid by the RFC that a
naive checker gets wrong (white space around '=' in a DKIM tag-list, s=email:tlsrpt, a
quoted-printable n= note, 'p= ;' as a revocation, 3 1 2 and 3 0 2 TLSA records, a no-SNI
default certificate pinned by its own 3 1 1, a banner in capitals, 'requiretls' in lower case,
an apex TXT set just under SPF-13's limit) and near misses an admin makes ('v=dkim1', k=rsa
twice, a key pasted as two TXT records, h=sha256:sha1, t=s:y, 2 1 0, a SHA2-512 digest under
matching type 1, a secondary name server left ahead of a restored primary, an old MTA that
re-offers STARTTLS and runs pipelined commands, a typo in a policy's mx line, eight
verification records beside SPF, fo=0:1 with ruf=). DMARC-20 is left out for the reason s36l
gave (a name of more than eight labels checked on its own), DANE-14 because nine earlier files
cover its shapes.

The expectations below were written from the checklist and the RFCs before the engine ran on
any of them; each file's note gives the reasoning. Three rows are planted wrong so that the
round can be seen to fail: DKIM-12 at warn on dkimnoteqp (the checklist says info), SMTP-18 at
warn on requiretlslower (info), DMARC-15 at warn on dmarcruf (info); each failed the first run
on its status, and was put right. dmarcruf's rows, not reached behind the planted status, then
showed one wording row of mine to correct (DMARC-14 names 'fo=0 and fo=1', not '0:1').

The first run (against HEAD 2c2b68e2 exported alone, as the shared checkout held others'
unfinished engine edits): of the seventeen honest scenarios fourteen read as written, statuses
and rows. Two expectations were mine to correct, each with its reason at its row: dkimhalves
gets DKIM-06 beside DKIM-02, tlsa311long DANE-11 beside DANE-05. Two engine faults, in fixes
(statuses unchanged), mended with tests/test_engine_s38a.py: DANE-06 on tlsata210 said a
SHA-256 digest would match the same, then offered the '3 1 1' of today's leaf key, a DANE-EE
pin that breaks when the CA renews the leaf with a new key (the '2 1 1' of the same CA key is
the digest form); DNSSEC-10 on nsserialahead, the primary behind its secondary, told the owner
to check that the primary gets "the primary's NOTIFY". Read, not failed: MTASTS-30's policy on
mxpolicytypo keeps the mistyped 'mx: mx01...' line and adds mx1 (MTASTS-31 names mx01 as
matching no MX; the engine cannot tell a typo from a host to come).

For each scenario: the check IDs at fail, at warn and at "could not check" (error) are exactly
`fail`, `warn` and `error`, and every row of `rows` names a finding with that check id and status
whose subject, summary, evidence or fix contains each of the given words (case-insensitive).
"""

from __future__ import annotations

from tests.blind_lab import INFO, Blind, F, LabRound, P, W


def _d(label: str) -> str:
    return f"s38a-{label}.lab.test"


def _h(host: str, label: str) -> str:
    return f"{host}.{_d(label)}"


def _sel(selector: str, label: str) -> str:
    return f"{selector}._domainkey.{_d(label)}"


BLIND: list[Blind] = [
    # ------------------------------------------------------------------------ DKIM-04
    Blind(
        "dkimvlower",
        fail=frozenset({"DKIM-04"}),
        rows=(("DKIM-04", F, (_sel("s1", "dkimvlower"), "v=DKIM1; k=rsa; p=MIIB")),),
    ),
    # ------------------------------------------------------------------------ DKIM-03
    Blind(
        "dkimdupsame",
        fail=frozenset({"DKIM-03"}),
        # The fix is the record with k=rsa once ('v=DKIM1; k=rsa; p=' is not in the published one).
        rows=(("DKIM-03", F, (_sel("s1", "dkimdupsame"), "v=DKIM1; k=rsa; p=MIIB")),),
    ),
    # ------------------------------------------------------------------------ DKIM-09
    Blind(
        "dkimhorder",
        warn=frozenset({"DKIM-09"}),
        rows=(
            ("DKIM-09", W, (_sel("s1", "dkimhorder"), "sha1")),
            ("DKIM-09", W, ("h=sha256; k=rsa",)),
        ),
    ),
    # ------------------------------------------------------------------------ DKIM-11
    Blind(
        "dkimtflags",
        warn=frozenset({"DKIM-11"}),
        rows=(
            ("DKIM-11", W, (_sel("s1", "dkimtflags"), "t=s:y")),
            ("DKIM-11", W, ("t=s; p=MIIB",)),
        ),
    ),
    # ------------------------------------------------------------------------ DKIM-05, DKIM-12
    Blind(
        "dkimrevnote",
        rows=(
            ("DKIM-05", INFO, (_sel("s1", "dkimrevnote"),)),
            ("DKIM-12", INFO, (_sel("s1", "dkimrevnote"),)),
        ),
    ),
    # ------------------------------------------------------------------------ DKIM-02
    Blind(
        "dkimhalves",
        # Corrected after the run (expectation mine): I wrote DKIM-02 alone. DKIM-06 fails
        # beside it: the record with the tags, read alone as a receiver that takes one RR of
        # the set does, holds only the start of the key; its fix points to DKIM-02's joined
        # record. That is what such a receiver meets, so it stands.
        fail=frozenset({"DKIM-02", "DKIM-06"}),
        rows=(
            ("DKIM-02", F, (_sel("s1", "dkimhalves"),)),
            ("DKIM-06", F, (_sel("s1", "dkimhalves"), "DKIM-02")),
            # The fix joins the halves: these 20 characters straddle the cut at octet 200 of
            # the key, so only a joined record holds them.
            ("DKIM-02", F, ("UkjAgclx/IjFBXeAozvE",)),
        ),
    ),
    # ------------------------------------------------------------------------ DKIM-10
    Blind("dkimsvclist"),
    # ------------------------------------------------------------------------ DKIM-12
    Blind(
        "dkimnoteqp",
        # Planted wrong as DKIM-12 warn; it failed the first run on that row alone and is put
        # right: checklist DKIM-12 is info.
        rows=(("DKIM-12", INFO, (_sel("s1", "dkimnoteqp"),)),),
    ),
    # ------------------------------------------------------------------------ DANE-05, DANE-06
    Blind(
        "tlsasha512",
        rows=(
            ("DANE-07", P, (_h("mx1", "tlsasha512"),)),
            ("DANE-07", P, (_h("mx2", "tlsasha512"),)),
            ("DANE-06", INFO, (_h("mx1", "tlsasha512"), "3 1 2")),
            ("DANE-06", INFO, (_h("mx2", "tlsasha512"), "3 0 2")),
        ),
    ),
    Blind(
        "tlsata210",
        warn=frozenset({"DANE-06"}),
        rows=(
            ("DANE-06", W, (_h("mx1", "tlsata210"), "2 1 0")),
            # Mended after the run: the fix was the '3 1 1' of today's leaf key, which breaks at
            # a renewal with a new key; it is now the '2 1 1' of the same CA key
            # (tests/test_engine_s38a.py).
            ("DANE-06", W, ("IN TLSA 2 1 1", "renewed")),
            ("DANE-07", P, (_h("mx1", "tlsata210"),)),
            ("DANE-07", P, (_h("mx2", "tlsata210"),)),
        ),
    ),
    Blind(
        "tlsa311long",
        fail=frozenset({"DANE-05"}),
        # Corrected after the run (expectation mine): I wrote no warning. DANE-11 warns that
        # only mx2 has a usable TLSA record: DANE senders authenticate mx2 alone, the partial
        # coverage checklist DANE-11 describes, and it names DANE-05 as the cause.
        warn=frozenset({"DANE-11"}),
        rows=(
            ("DANE-05", F, (_h("mx1", "tlsa311long"),)),
            ("DANE-11", W, (_h("mx1", "tlsa311long"), "DANE-05")),
            ("DANE-07", P, (_h("mx2", "tlsa311long"),)),
        ),
    ),
    # ------------------------------------------------------------------------ DANE-13
    Blind(
        "dane13both",
        rows=(
            ("DANE-07", P, (_h("mx1", "dane13both"),)),
            ("SMTP-15", INFO, (_h("mx1", "dane13both"),)),
        ),
    ),
    # ------------------------------------------------------------------------ DNSSEC-10
    Blind(
        "nsserialahead",
        warn=frozenset({"DNSSEC-10"}),
        rows=(
            ("DNSSEC-10", W, ("2026120301", "2026120415")),
            # Mended after the run: the fix asked to check that ns1.test "gets the primary's
            # NOTIFY", while ns1.test is the primary (tests/test_engine_s38a.py).
            ("DNSSEC-10", W, ("ns1.test", "primary", "above 2026120415")),
        ),
    ),
    # ------------------------------------------------------------------------ SMTP-05, SMTP-06
    Blind(
        "smtpoldmta",
        warn=frozenset({"SMTP-05", "SMTP-06"}),
        rows=(
            ("SMTP-05", W, (_h("mx2", "smtpoldmta"),)),
            ("SMTP-06", W, (_h("mx2", "smtpoldmta"),)),
            ("SMTP-06", P, (_h("mx1", "smtpoldmta"),)),
        ),
    ),
    # ------------------------------------------------------------------------ SMTP-17
    Blind(
        "bannercaps",
        rows=(
            ("SMTP-17", P, (_h("mx1", "bannercaps"),)),
            ("SMTP-11", P, (_h("mx1", "bannercaps"),)),
        ),
    ),
    # ------------------------------------------------------------------------ SMTP-18
    Blind(
        "requiretlslower",
        # Planted wrong as SMTP-18 warn; it failed the first run on that row alone and is put
        # right: checklist SMTP-18 is info.
        rows=(
            (
                "SMTP-18",
                INFO,
                (
                    "advertised by " + _h("mx1", "requiretlslower"),
                    "not by " + _h("mx2", "requiretlslower"),
                ),
            ),
        ),
    ),
    # ------------------------------------------------------------------------ SMTP-12, MTASTS-30
    Blind(
        "mxpolicytypo",
        warn=frozenset({"MTASTS-30"}),
        rows=(
            ("MTASTS-30", W, (_h("mx1", "mxpolicytypo"),)),
            ("MTASTS-30", W, ("mx: " + _h("mx1", "mxpolicytypo"),)),
            ("MTASTS-31", INFO, (_h("mx01", "mxpolicytypo"),)),
            ("SMTP-12", INFO, (_h("mx1", "mxpolicytypo"),)),
        ),
    ),
    # ------------------------------------------------------------------------ SPF-13
    Blind("spfbigapex", warn=frozenset({"SPF-13"}), rows=(("SPF-13", W, ("450",)),)),
    Blind("spfnearsize"),
    # ------------------------------------------------------------------------ DMARC-14, -15
    Blind(
        "dmarcruf",
        # Planted wrong as DMARC-15 warn; it failed the first run on that row alone and is put
        # right: checklist DMARC-15 is info.
        warn=frozenset({"DMARC-14"}),
        rows=(
            # Corrected after the second run (expectation mine, wording): I asked for the value
            # as written ('0:1'); the warning names the two values, 'fo=0 and fo=1', and why.
            ("DMARC-14", W, ("fo=0", "mutually exclusive")),
            ("DMARC-14", W, ("fo=1",)),
            ("DMARC-15", INFO, ("ruf",)),
        ),
    ),
]


# Where the blind run found the engine wrong and the fix is not made yet: the reason, and the
# check IDs at fail and at warn the engine gives today (see tests/blind_lab.py).
ENGINE_GAPS: dict[str, tuple[str, frozenset[str], frozenset[str]]] = {}

ROUND = LabRound("s38a", BLIND, ENGINE_GAPS)


def test_the_set_is_complete_and_loads() -> None:
    assert len(BLIND) == 20
    ROUND.assert_complete(_d, ("127.0.180.",))


# ------------------------------------------------------------------ the blind run
test_s38a_scenario_reads_as_expected = ROUND.reading_test()
