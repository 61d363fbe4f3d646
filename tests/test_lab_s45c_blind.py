"""Blind round s45c: STARTTLS, certificates and DANE on MX set-ups no earlier round listed, each a
whole domain (checklist §2b MTASTS-10/-12, §2d MTASTS-32, §8 DANE-07/-09/-11, §9 SMTP-03/-04/-09/
-11/-14; RFC 8461 §3.3, §4.2, §5, RFC 7672 §3.1, §3.2, RFC 7671 §5.1, §8.1, §8.4, RFC 9525 §6.3,
RFC 5321 §3.8, §4.2.5, RFC 3207 §4).

The scenario files were grepped for the shapes of the brief first: a 421 greeting (s12t, s13t,
s16o, s29m, s33l), a 454 to STARTTLS (s11e, s18s, s29d with DANE, s41i), DANE-TA '2 0 1' on the
issuing CA with and without it in the chain (s17d, s29d), P-384 and RSA-2048/-1024 leaves (s18s,
s18p, s21s, s41i, s43j), a leaf without its intermediate (F31, F54, s13t, s33l, s34m, s41i) and an
insecure MX RRset beside a signed MX zone (s8, s11d, s25e, s29d, s31l, s32m, s33l, s35l: thirteen
files; left out here). Eleven zones (tests/lab/scenarios/s45c_*.toml, MX hosts on
127.0.154.10-.29, the policy host on 127.0.154.1; 127.0.154.x reserved), all signed, with TLS-RPT,
SPF and DMARC: a backup MX without STARTTLS beside a DANE primary under enforce; a leaf for
'*.mx1.<d>' (a wildcard one level too deep) under enforce with a matching DANE-EE record; a SAN
that names the MX beside a CN that does not, and a CN that names the MX beside a SAN that does
not; RSA-2048, P-384 and RSA-1024 leaves on three DANE MX; the current key's 3 1 1 beside the
next key's, and a wrong 3 1 1 alone; a STARTTLS answered 421; a primary answering STARTTLS with
454 under testing; a policy host certificate for '*.mta-sts.<d>'; a policy host from a private
CA under testing; a backup sending its leaf alone under DANE-EE and enforce; DANE-TA 2 0 1 with a
wildcard leaf that names the MX and one a level too deep.

The expectations below were written from the checklist and the RFCs before the engine ran on
any of them (committed in fc3378a0); each scenario file's note gives the reasoning. Three rows
were planted wrong and each failed the runs on its row alone: SMTP-14 at warn for rsakeys'
RSA-2048 mx1 (checklist SMTP-14: warn is for RSA 2048 with SHA-1 in the chain; a SHA-256
RSA-2048 leaf passes), DANE-07 at fail for tlsapair's mx1 (a next-key 3 1 1 beside the current
one: one usable record matches, RFC 7672 §3.2), SMTP-04 at fail for starttls421's mx2 (a 421 is
transient, RFC 5321 §3.8: could not check, checklist §0); they are removed.

The first run (HEAD fc3378a0, under the lab lock): ten of the eleven read as written on every
status and row (starttls421 and tlsapair failing on their planted rows alone). One expectation
was mine to correct, with the reason at its row: rsakeys (MTASTS-32 fails the RSA-1024 mx3 as
well: OpenSSL-based senders refuse an RSA leaf under 2048 bits at their default security level
2, docs/scoring.md), after which it failed on its planted row alone. No status was wrong.
tests/test_dane_oracle.py read starttls421's mx2 as Postfix's 'failed' (posttls-finger: 'STARTTLS
rejected: 421 ...') against mailsec's 'could not be tested' (DANE-07 error): a STARTTLS answered
421 ends the session before TLS as a 421 greeting does, so the oracle now counts it among the
sessions where nothing was tested (a 454 stays a failed session, DANE-10); with that, posttls-
finger agrees on every host of the round (1,093 hosts in all), and postfix-mta-sts-resolver on
every policy. Reading the texts, two were mended with tests/test_lab_s45c_fixes.py (docs/scoring.md
v7, statuses unchanged): sancn's SMTP-11 (and MTASTS-32) said the certificate 'names
www.<d>' without saying why its CN naming mx2 does not count; tawild's DANE-09 named none of the
leaf's names. Read, not changed here: stsdeep's and stsrogue's MTASTS-10 fix offered a 'mode:
testing' policy file and a new id though the file is served and only the certificate is at
fault (as for F09b/F09c); starttls421's SMTP-04 error said that senders requiring TLS hold mail
while the 421 lasts, though a 421 closes the session for every sender. Both were mended in s45h
(tests/test_engine_s45h_fixes.py, tests/test_engine_s45h_smtp421.py).

For each scenario: the check IDs at fail, at warn and at "could not check" (error) are exactly
`fail`, `warn` and `error`, and every row of `rows` names a finding with that check id and status
whose subject, summary, evidence or fix contains each of the given words (case-insensitive).
"""

from __future__ import annotations

from tests.blind_lab import Blind, E, F, LabRound, P, W


def _d(label: str) -> str:
    return f"s45c-{label}.lab.test"


def _h(host: str, label: str) -> str:
    return f"{host}.{_d(label)}"


BLIND: list[Blind] = [
    # ------------------------------------------------------------ STARTTLS on the MX
    Blind(
        "backupnotls",
        fail=frozenset({"SMTP-03", "MTASTS-32"}),
        warn=frozenset({"DANE-11"}),
        rows=(
            ("SMTP-03", F, (_h("mx2", "backupnotls"),)),
            ("MTASTS-32", F, (_h("mx2", "backupnotls"),)),
            ("DANE-07", P, (_h("mx1", "backupnotls"),)),
        ),
    ),
    Blind(
        "starttls421",
        error=frozenset({"SMTP-04", "MTASTS-32", "DANE-07"}),
        rows=(
            ("SMTP-04", E, (_h("mx2", "starttls421"),)),
            ("DANE-07", E, (_h("mx2", "starttls421"),)),
            ("DANE-07", P, (_h("mx1", "starttls421"),)),
        ),
    ),
    Blind(
        "primary454",
        fail=frozenset({"SMTP-04"}),
        warn=frozenset({"MTASTS-32"}),
        rows=(
            ("SMTP-04", F, (_h("mx1", "primary454"), "454")),
            ("MTASTS-32", W, (_h("mx1", "primary454"),)),
        ),
    ),
    # ------------------------------------------------------------ names in MX certificates
    Blind(
        "wilddeep",
        fail=frozenset({"SMTP-11", "MTASTS-32"}),
        rows=(
            ("SMTP-11", F, (_h("mx1", "wilddeep"),)),
            ("MTASTS-32", F, (_h("mx1", "wilddeep"),)),
            ("DANE-07", P, (_h("mx1", "wilddeep"),)),
        ),
    ),
    Blind(
        "sancn",
        warn=frozenset({"SMTP-11", "MTASTS-32"}),
        rows=(
            ("SMTP-11", W, (_h("mx2", "sancn"),)),
            # Mended after the run (tests/test_lab_s45c_fixes.py): the finding said only that
            # the certificate names www.<d>; it says why its CN naming mx2 does not count.
            ("SMTP-11", W, ("subject CN names " + _h("mx2", "sancn"), "RFC 6125 §6.4.4")),
            ("SMTP-11", P, (_h("mx1", "sancn"),)),
            ("MTASTS-32", W, (_h("mx2", "sancn"),)),
        ),
    ),
    Blind(
        "tawild",
        fail=frozenset({"DANE-09"}),
        warn=frozenset({"SMTP-11"}),
        rows=(
            ("DANE-09", F, (_h("mx2", "tawild"),)),
            # Mended after the run (tests/test_lab_s45c_fixes.py): DANE-09 named no name of the
            # leaf; it names '*.mx2.<d>' and says a wildcard covers only one label.
            ("DANE-09", F, ("it names *.mx2." + _d("tawild"), "a wildcard covers only one label")),
            ("DANE-07", P, (_h("mx1", "tawild"),)),
            ("SMTP-11", W, (_h("mx2", "tawild"),)),
        ),
    ),
    # ------------------------------------------------------------ keys and chains
    Blind(
        "rsakeys",
        # Mine to correct after the run: MTASTS-32 fails mx3 as well. OpenSSL-based senders
        # refuse an RSA leaf under 2048 bits at their default security level 2 (Debian, Ubuntu
        # and RHEL builds, Python's ssl), so MTA-STS validation fails there (docs/scoring.md).
        fail=frozenset({"SMTP-14", "MTASTS-32"}),
        rows=(
            ("SMTP-14", F, (_h("mx3", "rsakeys"), "1024")),
            ("SMTP-14", P, (_h("mx2", "rsakeys"),)),
            ("DANE-07", P, (_h("mx3", "rsakeys"),)),
            ("MTASTS-32", F, (_h("mx3", "rsakeys"), "1024")),
        ),
    ),
    Blind(
        "leafbackup",
        fail=frozenset({"SMTP-09", "MTASTS-32"}),
        rows=(
            ("SMTP-09", F, (_h("mx2", "leafbackup"),)),
            ("MTASTS-32", F, (_h("mx2", "leafbackup"),)),
            ("DANE-07", P, (_h("mx2", "leafbackup"),)),
        ),
    ),
    # ------------------------------------------------------------ TLSA records
    Blind(
        "tlsapair",
        fail=frozenset({"DANE-07"}),
        rows=(
            ("DANE-07", F, (_h("mx2", "tlsapair"),)),
            ("DANE-07", P, (_h("mx1", "tlsapair"),)),
        ),
    ),
    # ------------------------------------------------------------ the policy host
    Blind(
        "stsdeep",
        fail=frozenset({"MTASTS-10", "MTASTS-12"}),
        rows=(("MTASTS-12", F, ("mta-sts." + _d("stsdeep"),)),),
    ),
    Blind(
        "stsrogue",
        fail=frozenset({"MTASTS-10", "MTASTS-12"}),
        rows=(
            ("MTASTS-12", F, ("mta-sts." + _d("stsrogue"),)),
            ("DANE-07", P, (_h("mx1", "stsrogue"),)),
        ),
    ),
]

# Where the blind run found the engine wrong and the fix is not made yet: the reason, and the
# check IDs at fail and at warn the engine gives today (see tests/blind_lab.py).
ENGINE_GAPS: dict[str, tuple[str, frozenset[str], frozenset[str]]] = {}

ROUND = LabRound("s45c", BLIND, ENGINE_GAPS)


def test_the_set_is_complete_and_loads() -> None:
    assert len(BLIND) == 11
    ROUND.assert_complete(_d, ("127.0.154.",))


# ------------------------------------------------------------------ the blind run
test_s45c_scenario_reads_as_expected = ROUND.reading_test()
