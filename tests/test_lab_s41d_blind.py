"""Blind round s41d: DNSSEC and DANE shapes no earlier round listed (checklist §7, §8, §11.11,
§11.12; RFC 4035 §5.2, RFC 6840 §5.2, RFC 6698, RFC 7671, RFC 7672).

Measured before the round (files under tests/ naming the id, grep -rlw over tests/, 2026-12-04
23:11 UTC): DANE-14 19, DANE-13 21, DNSSEC-08 22, DNSSEC-10 22, DANE-05 23, DNSSEC-05 25,
DANE-03 26, DANE-04 27, DNSSEC-07 27. The scenario files were grepped (s8, s11d, s17d, s19n,
s22n, s29d, s35l, s38a, s39h) for the shapes this round adds. Thirteen zones
(tests/lab/scenarios/s41d_*.toml, MX hosts on 127.0.236.10-.23; 127.0.236.x reserved; the
provider zones s41dprov-a.test and s41dprov-b.test): DANE-TA '2 1 0' on a server sending its
leaf alone, '2 0 0' of the root the server does not send, a stale 3 1 1 beside a matching
2 1 1, a PKIX-TA that would match beside a stale 3 1 1, a TLSA RRset whose records are all
unusable for two different reasons (a usage-1 record and a short digest), PKIX-EE '1 0 0'
alone, an unusable-only RRset on a server without STARTTLS, an MX name that is a CNAME into a
signed provider zone with the TLSA at the expanded name only or at the original name only, a
DS RRset of an unsupported algorithm (12) beside a wrong supported one (bogus) and alone
(insecure), a stale 3 0 1 beside a matching 3 1 1, and two MX sharing one DANE-TA RRset by
CNAME.

The expectations below were written from the checklist and the RFCs before the engine ran on
any of them (committed in 0f8c4844); each scenario file's note gives the reasoning. Three rows
were planted wrong and each failed the first run: DANE-09 at fail on ta200root (RFC 7671
§5.2.2: with a '2 0 0' record the TA certificate may be left out of the chain), DANE-04 at fail
on unusablemix (a usage-3 record is there; PKIX mixed in is warn), DNSSEC-01 at fail on
dsalg12only (RFC 4035 §5.2, RFC 6840 §5.2: a DS RRset of algorithms the validator does not
support makes the zone insecure, not bogus); they are removed.

The first run (HEAD 0f8c4844, under the lab lock): ten of the thirteen read as written. Two
expectations were mine to correct, with the reason at their rows: ta210leaf (SMTP-09 warns
without MTA-STS) and pkixee100 (DANE-06 judges the form of usable records only). One engine
fault, status changed, mended with tests/test_engine_s41d.py (docs/scoring.md v7 line):
on unusablenotls SMTP-03 warned that mail 'travels unencrypted', though RFC 7672 §2.2 makes TLS
mandatory for DANE senders at a secure TLSA RRset whose records are all unusable; it fails now.
Read, not failed: on ta200root DANE-12 (pass) called the '2 0 0' record that authenticates the
server a record 'for a key the server does not present now', to delete if retired, and
DANE-06's fix offered the record's '2 0 1' digest, which matches only a root the server sends,
and it sends none; both mended with tests/test_engine_s41d.py (wording and fix, statuses
unchanged). On ta210leaf DANE-09 (fail as written) said the CA 'could not be seen here' and
that DANE senders defer, while the '2 1 0' record's key signed the leaf and Postfix verified
the server with it (tests/test_dane_oracle.py); it now says so (tests/test_engine_s41d.py).

For each scenario: the check IDs at fail, at warn and at "could not check" (error) are exactly
`fail`, `warn` and `error`, and every row of `rows` names a finding with that check id and
status whose subject, summary, evidence or fix contains each of the given words
(case-insensitive).
"""

from __future__ import annotations

from tests.blind_lab import INFO, Blind, F, LabRound, P, W


def _d(label: str) -> str:
    return f"s41d-{label}.lab.test"


def _h(host: str, label: str) -> str:
    return f"{host}.{_d(label)}"


_BOGUS = frozenset(
    {
        "BIMI-01",
        "DANE-01",
        "DKIM-01",
        "DMARC-01",
        "MTASTS-01",
        "MX-01",
        "SMTP-01",
        "SPF-01",
        "SPF-20",
        "TLSRPT-01",
    }
)

BLIND: list[Blind] = [
    # ------------------------------------------------------------ DANE-TA and the chain
    Blind(
        "ta210leaf",
        # Corrected after the run (expectation mine): I asked for SMTP-09 at fail, as F54 has
        # it; checklist SMTP-09 fails only under MTA-STS (F54 is enforce) and warns otherwise,
        # and this domain publishes no policy.
        fail=frozenset({"DANE-09"}),
        warn=frozenset({"DANE-06", "SMTP-09"}),
        rows=(
            # Added after the run and its fix (tests/test_engine_s41d.py): DANE-09 said the CA
            # could not be seen and every DANE sender defers; the record's key signed the leaf,
            # and Postfix (OpenSSL's DANE code) verified the server with it.
            ("DANE-09", F, (_h("mx1", "ta210leaf"), "RFC 7671 §5.2.2", "OpenSSL")),
            ("DANE-06", W, (_h("mx1", "ta210leaf"), "2 1 0")),
        ),
    ),
    Blind(
        "ta200root",
        warn=frozenset({"DANE-06"}),
        rows=(
            ("DANE-07", P, (_h("mx1", "ta200root"),)),
            ("DANE-09", P, (_h("mx1", "ta200root"),)),
            ("DANE-06", W, (_h("mx1", "ta200root"), "2 0 0")),
            # Added after the run and its fix (tests/test_engine_s41d.py): DANE-12 took the
            # record in use for a key not presented now, and DANE-06's '2 0 1' fix did not say
            # the server must then send the root (RFC 7671 §5.2.2).
            ("DANE-12", P, (_h("mx1", "ta200root"), "DANE-TA record")),
            ("DANE-06", W, ("2 0 1", "does not send", "RFC 7671 §5.2.2")),
        ),
    ),
    Blind(
        "eestaleta",
        warn=frozenset({"DANE-12"}),
        rows=(
            ("DANE-07", P, (_h("mx1", "eestaleta"),)),
            ("DANE-12", W, (_h("mx1", "eestaleta"), "3 1 1")),
        ),
    ),
    Blind(
        "tlsashared",
        rows=(
            ("DANE-07", P, (_h("mx1", "tlsashared"),)),
            ("DANE-07", P, (_h("mx2", "tlsashared"),)),
            ("DANE-09", P, (_h("mx2", "tlsashared"),)),
        ),
    ),
    # ------------------------------------------------------------ usable and unusable records
    Blind(
        "pkixtamatch",
        fail=frozenset({"DANE-07"}),
        warn=frozenset({"DANE-04"}),
        rows=(
            ("DANE-07", F, (_h("mx1", "pkixtamatch"),)),
            ("DANE-04", W, (_h("mx1", "pkixtamatch"),)),
        ),
    ),
    Blind(
        "unusablemix",
        fail=frozenset({"DANE-05"}),
        warn=frozenset({"DANE-04"}),
        rows=(("DANE-05", F, (_h("mx1", "unusablemix"),)),),
    ),
    Blind(
        "pkixee100",
        # Corrected after the run (expectation mine): I asked for DANE-06 at warn for the
        # 'x x 0' form. DANE-06 is about the form of the records DANE senders use (RFC 7671
        # §5.1: "TLSA records published for DANE servers"); a PKIX-EE record is not used at
        # all (RFC 7672 §3.1.3), and DANE-04's fail already offers the 3 1 1 to replace it.
        fail=frozenset({"DANE-04"}),
        rows=(("DANE-04", F, (_h("mx1", "pkixee100"), "3 1 1")),),
    ),
    Blind(
        "unusablenotls",
        fail=frozenset({"DANE-05", "SMTP-03"}),
        rows=(
            ("DANE-05", F, (_h("mx1", "unusablenotls"),)),
            # Mended after the run (tests/test_engine_s41d.py): SMTP-03 was a warning that
            # mail 'travels unencrypted'; DANE senders defer instead (RFC 7672 §2.2).
            ("SMTP-03", F, (_h("mx1", "unusablenotls"), "will not deliver")),
        ),
    ),
    Blind(
        "ee301stale",
        warn=frozenset({"DANE-12"}),
        rows=(
            ("DANE-07", P, (_h("mx1", "ee301stale"),)),
            ("DANE-12", W, (_h("mx1", "ee301stale"), "3 0 1")),
        ),
    ),
    # ------------------------------------------------------------ CNAME'd MX (RFC 7672 §2.2.2)
    Blind(
        "mxcnameprov",
        warn=frozenset({"MX-04", "SMTP-11"}),
        rows=(
            ("DANE-01", P, ("_25._tcp.mx.s41dprov-a.test",)),
            ("DANE-07", P, (_h("mx1", "mxcnameprov"),)),
        ),
    ),
    Blind(
        "mxcnameorig",
        warn=frozenset({"MX-04"}),
        rows=(
            ("DANE-01", P, ("_25._tcp." + _h("mx1", "mxcnameorig"),)),
            ("DANE-07", P, (_h("mx1", "mxcnameorig"),)),
        ),
    ),
    # ------------------------------------------------------------ DS algorithms (RFC 4035 §5.2)
    Blind(
        "dsmixbogus",
        fail=frozenset({"DNSSEC-01", "DNSSEC-02"}),
        error=_BOGUS,
        rows=(("DNSSEC-01", F, ("bogus",)),),
    ),
    Blind(
        "dsalg12only",
        fail=frozenset({"DNSSEC-02"}),
        warn=frozenset({"DANE-02"}),
        rows=(
            ("DNSSEC-01", INFO, ("insecure",)),
            ("DANE-02", W, (_h("mx1", "dsalg12only"),)),
        ),
    ),
]

# Where the blind run found the engine wrong and the fix is not made yet: the reason, and the
# check IDs at fail and at warn the engine gives today (see tests/blind_lab.py).
ENGINE_GAPS: dict[str, tuple[str, frozenset[str], frozenset[str]]] = {}

ROUND = LabRound("s41d", BLIND, ENGINE_GAPS)


def test_the_set_is_complete_and_loads() -> None:
    assert len(BLIND) == 13
    ROUND.assert_complete(_d, ("127.0.236.",))


# ------------------------------------------------------------------ the blind run
test_s41d_scenario_reads_as_expected = ROUND.reading_test()
