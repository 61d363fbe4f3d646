"""Blind round s47c: mail servers and policy hosts as they misbehave in the wild, each a whole
domain no earlier round had (checklist §2b MTASTS-10/-12/-14, §2d MTASTS-32, §8 DANE-07/-08/-09,
§9 SMTP-09/-11; RFC 8461 §3.3, §4.2, RFC 7672 §3.1, §3.2, RFC 7671 §5.1, §5.2, §8.4, RFC 6698
§2.1.1, RFC 5280 §4.2.1.10, §6.1, RFC 8446 §4.4.2, RFC 9525 §6.3).

The scenario files were grepped for the brief's ideas first, and these were left out as done:
an IP-only SAN (s18s, s41i), a chain out of order or with an unrelated certificate (s18s,
s41i), a client certificate demanded (s41i), a multi-line 220 (s29m, s41i), a 554 greeting
(s29m), a UTF-8 BOM and mixed line ends in the policy (s12b, s33m, s38h, f15c, s32m), max_age
with leading zeros or above 31557600 (s11, s24e, s34m, s18p), mx patterns in capitals or with
a trailing dot (s29m, s42m), DANE on one MX only (s30l, s45c). A second EHLO, a plaintext line
after '220 Ready to start TLS' and LF-only replies need server knobs the lab lacks; left.

Twelve zones (tests/lab/scenarios/s47c_*.toml, MX hosts on 127.0.30.10-.29, the policy host on
127.0.30.1; 127.0.30.x reserved), all signed, with TLS-RPT, SPF and DMARC: DANE-EE '3 1 1' of
the intermediate instead of the leaf, and beside the leaf's (every block of fullchain.pem
hashed); DANE-TA '2 1 1' of the leaf itself; DANE-TA '2 0 1' of an unrelated certificate the
server sends; DANE-TA on the root's key where the server sends the root cross-signed by an
expired root; an MX and a policy host whose certificate comes from a sub-CA whose name
constraints permit only corp.test (the new `chain = "name-constrained-intermediate"`,
tests/test_lab_s47c_knobs.py); a policy host certificate not valid yet, one sent with its root,
and a policy URL answered 403 by a web application firewall; DANE-EE on a certificate naming
only the MX's address without MTA-STS; and one MX name on two boxes, one of whose certificates
names only its address.

The expectations below were written from the checklist and the RFCs before the engine ran on
any of them (committed in e5a71d44); each scenario file's note gives the reasoning. Three rows
were planted wrong and each failed the first run on its row alone: SMTP-09 at warn for
tacross's mx1 (a root sent cross-signed by an expired root leaves a valid path, RFC 8446
§4.4.2), MTASTS-15 at fail for pol403's text/html block page (a non-200 answer is not a policy,
RFC 8461 §3.3), DANE-07 at fail for eeipsan's mx1 (DANE-EE ignores the certificate's names,
RFC 7671 §5.1); they are removed.

The first run (HEAD e5a71d44, under the lab lock): eleven of the twelve read as written on
every status and row. tarogue read DANE-09 where DANE-07 was written; first taken for my
mistake (279cbdb8), it was the engine's: a DANE-TA record naming a sent certificate outside a
chain complete to another root is DANE-07, as one naming a CA nobody sends already was
(fixed, tests/test_lab_s47c_fixes.py, docs/scoring.md v7). Reading the texts mended
DANE-07 for eeca and taleaf, the right data under the wrong usage: it said only that the key
matched no record, and for taleaf that the DANE-TA record named no certificate the server sends
and was stale; it now names the certificate the record matches and offers the record with
the usage that matches it (statuses unchanged); and DANE-12's pass for eefullchain, which
said every record matches the current certificate, names the CA's record that never can;
and SMTP-09, MTASTS-32 and MTASTS-12 for ncmx and ncpol say which CA's name constraints leave
the name out, where they gave the verifier's and OpenSSL's words.
tests/test_dane_oracle.py (posttls-finger) and tests/test_mtasts_oracle.py
(postfix-mta-sts-resolver) agree with mailsec on every host and policy of the round.

For each scenario: the check IDs at fail, at warn and at "could not check" (error) are exactly
`fail`, `warn` and `error`, and every row of `rows` names a finding with that check id and status
whose subject, summary, evidence or fix contains each of the given words (case-insensitive).
"""

from __future__ import annotations

from tests.blind_lab import Blind, F, LabRound, P, W


def _d(label: str) -> str:
    return f"s47c-{label}.lab.test"


def _h(host: str, label: str) -> str:
    return f"{host}.{_d(label)}"


BLIND: list[Blind] = [
    # ------------------------------------------------------------ TLSA records in the wild
    Blind(
        "eeca",
        fail=frozenset({"DANE-07"}),
        rows=(
            ("DANE-07", F, (_h("mx1", "eeca"),)),
            # Mended after the run (tests/test_lab_s47c_fixes.py): it said only that the key
            # matches none of the records; it names the intermediate the record matches.
            ("DANE-07", F, ("matches cn=lab issuing ca 1", "own certificate only (rfc 7671 §5.1)")),
            ("DANE-07", P, (_h("mx2", "eeca"),)),
            ("SMTP-09", P, (_h("mx1", "eeca"),)),
        ),
    ),
    Blind(
        "eefullchain",
        rows=(
            ("DANE-07", P, (_h("mx1", "eefullchain"),)),
            # Mended after the run (tests/test_lab_s47c_fixes.py): DANE-12 passed "Every TLSA
            # record ... matches the current certificate"; it names the CA's record.
            ("DANE-12", P, ("matches cn=lab issuing ca 1", "delete it")),
            ("SMTP-09", P, (_h("mx1", "eefullchain"),)),
        ),
    ),
    Blind(
        "taleaf",
        fail=frozenset({"DANE-07"}),
        rows=(
            ("DANE-07", F, (_h("mx1", "taleaf"),)),
            # Mended after the run (tests/test_lab_s47c_fixes.py): it said the DANE-TA record
            # 'names no certificate the server sends' and was 'stale'; it matches the leaf.
            ("DANE-07", F, ("matches the server's own certificate", "same data as a dane-ee")),
            ("DANE-07", P, (_h("mx2", "taleaf"),)),
            ("SMTP-11", P, (_h("mx1", "taleaf"),)),
        ),
    ),
    Blind(
        "tarogue",
        # The engine's, fixed after the run (tests/test_lab_s47c_fixes.py): it read DANE-09 'a
        # chain that does not lead to the DANE-TA anchor' and asked to send the certificate the
        # server sends. The chain is complete to Lab Root R1, which the record does not name:
        # no usable record matches it, DANE-07, as for a record naming a CA nobody sends
        # (tests/test_engine_s12_small.py). (Between 279cbdb8 and the fix this row read DANE-09,
        # taken then for my mistake.)
        fail=frozenset({"DANE-07"}),
        rows=(
            ("DANE-07", F, (_h("mx1", "tarogue"), "names CN=Rogue Root X", "issued none")),
            ("DANE-07", P, (_h("mx2", "tarogue"),)),
            ("SMTP-09", P, (_h("mx1", "tarogue"),)),
        ),
    ),
    Blind(
        "tacross",
        rows=(
            ("DANE-07", P, (_h("mx1", "tacross"),)),
            ("SMTP-09", P, (_h("mx1", "tacross"),)),
        ),
    ),
    # ------------------------------------------------------------ name constraints
    Blind(
        "ncmx",
        fail=frozenset({"SMTP-09", "MTASTS-32"}),
        rows=(
            ("SMTP-09", F, (_h("mx2", "ncmx"),)),
            # Mended after the run (tests/test_lab_s47c_fixes.py): it gave the verifier's "no
            # permitted name constraints matched SAN"; it names the CA and its constraint.
            ("SMTP-09", F, ("may issue only for names under corp.test", "rfc 5280 §4.2.1.10")),
            ("MTASTS-32", F, ("may issue only for names under corp.test",)),
            ("MTASTS-32", F, (_h("mx2", "ncmx"),)),
            ("DANE-07", P, (_h("mx2", "ncmx"),)),
            ("SMTP-09", P, (_h("mx1", "ncmx"),)),
        ),
    ),
    Blind(
        "ncpol",
        fail=frozenset({"MTASTS-10", "MTASTS-12"}),
        rows=(
            ("MTASTS-12", F, ("mta-sts." + _d("ncpol"),)),
            # Mended after the run (tests/test_lab_s47c_fixes.py): it said only "not accepted
            # (permitted subtree violation)", OpenSSL's words.
            ("MTASTS-12", F, ("may not issue for mta-sts." + _d("ncpol"), "name constraints")),
        ),
    ),
    # ------------------------------------------------------------ the policy host
    Blind(
        "polnyv",
        fail=frozenset({"MTASTS-10", "MTASTS-12"}),
        rows=(("MTASTS-12", F, ("mta-sts." + _d("polnyv"),)),),
    ),
    Blind(
        "polwithroot",
        rows=(
            ("MTASTS-12", P, ("mta-sts." + _d("polwithroot"),)),
            ("DANE-07", P, (_h("mx2", "polwithroot"),)),
        ),
    ),
    Blind(
        "pol403",
        fail=frozenset({"MTASTS-10", "MTASTS-14"}),
        rows=(("MTASTS-14", F, ("403",)),),
    ),
    # ------------------------------------------------------------ names in MX certificates
    Blind(
        "eeipsan",
        warn=frozenset({"SMTP-11"}),
        rows=(
            ("SMTP-11", W, (_h("mx1", "eeipsan"),)),
            ("DANE-07", P, (_h("mx1", "eeipsan"),)),
        ),
    ),
    Blind(
        "twoboxip",
        fail=frozenset({"SMTP-11", "MTASTS-32"}),
        rows=(
            ("SMTP-11", F, (_h("mx1", "twoboxip"), "127.0.30.28")),
            ("MTASTS-32", F, (_h("mx1", "twoboxip"),)),
            ("SMTP-11", P, (_h("mx2", "twoboxip"),)),
        ),
    ),
]

# Where the blind run found the engine wrong and the fix is not made yet: the reason, and the
# check IDs at fail and at warn the engine gives today (see tests/blind_lab.py).
ENGINE_GAPS: dict[str, tuple[str, frozenset[str], frozenset[str]]] = {}

ROUND = LabRound("s47c", BLIND, ENGINE_GAPS)


def test_the_set_is_complete_and_loads() -> None:
    assert len(BLIND) == 12
    ROUND.assert_complete(_d, ("127.0.30.",))


# ------------------------------------------------------------------ the blind run
test_s47c_scenario_reads_as_expected = ROUND.reading_test()
