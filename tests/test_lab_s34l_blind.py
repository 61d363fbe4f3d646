"""Blind round s34l: the SMTP, DANE, DNSSEC and MX ids the blind rounds had tried least
(checklist §1, §7, §8, §9; RFC 7505, RFC 3207, RFC 5321, RFC 8461, RFC 7672, RFC 7671,
RFC 6698, RFC 4035).

DANE-02, -06, -08, -12, -13, DNSSEC-09, SMTP-03, -04, -15, -17, MX-02. Twenty-five scenarios
(tests/lab/scenarios/s34l_*.toml, MX hosts on 127.0.208.10-.59, policy hosts on 127.0.209.1;
s34l-isp.lab.test is an ISP's unsigned zone whose hosts in1-in3 serve two other scenarios)
show them as real domains have them: a renewal with its next key pre-published, one 20 days
away without it, a retired CA's 2 1 1 left beside a new 3 1 1, retired keys left after a
rollover, a backup-MX service that rolled its key and not its TLSA; a hosted gateway requiring
SNI, a default certificate without SNI under DANE-EE; a bogus TLSA RRset on the backup, a
provider's TLSA name lame at its DNS vendor (could not check), hosts in an ISP's unsigned zone
(all MX, or a primary with a TLSA that cannot count), a signed provider without TLSA; 3 1 0
beside 2 0 1; an expired DANE-EE backup without MTA-STS, and one of two boxes expired under
DANE-EE and enforce; a replacement box greeting with its provider name; a backup without
STARTTLS beside a DANE primary, a DANE backup behind a Cisco ASA hiding STARTTLS, one box of two
without STARTTLS under enforce; a STARTTLS hang-up under DANE, a backup refusing every
handshake, one never answering the ClientHello (the lab's new `starttls_stall`); a parking
null MX left beside the new MX, and a parked domain done right.

The expectations below were written from the checklist and the RFCs before the engine ran on
any of them; each file's note gives the reasoning. Three rows were planted wrong (DANE-12 at
fail on rollstaleta: the checklist says warn; SMTP-17 at warn on bannertwoaddr: info only;
SMTP-04 at warn on tlsalertbackup: a failed handshake is a fail); each failed the first run on
that row alone, and was put right.

Of the other twenty-one, nineteen read as written on the first run, the three SMTP-15 tests
too (no stapling verdict where TLS never completed). Two expectations were mine to correct:
a bogus TLSA RRset on the backup is DANE-02's fail with DANE-11's partial-coverage warning
beside it, DNSSEC-01 passing (as s19n-tlsaexpsig); a provider's TLSA lookup lame at its DNS
vendor also makes DANE-11 "could not check". Reading the texts found four engine faults, all
texts, mended with tests/test_engine_s34l.py: DANE-06 said a '3 1 0' record breaks "on every
certificate renewal" (a key in full changes only with the key) and a '2 0 1' of the CA that
"a certificate hash changes at every renewal" (DANE-12 said, rightly, that a renewal from
that CA stays authenticated); DANE-12 passed a retired key's record left after a rollover as
"a record for the next key"; and DANE fixes for an MX host in another organisation's zone
were bare records at the provider's name (DANE-07's), which only its operator can publish.
No check status changed. The 25th, starttlsstall, added after the first run and committed
before the engine ran on it, read as written: a handshake that times out is "could not check"
(SMTP-04, MTASTS-32, DANE-07 error), never a fail.

For each scenario: the check IDs at fail, at warn and at "could not check" (error) are exactly
`fail`, `warn` and `error`, and every row of `rows` names a finding with that check id and status
whose subject, summary, evidence or fix contains each of the given words.
"""

from __future__ import annotations

from typing import Any

import pytest

from checks.findings import Status
from tests.blind_lab import INFO, Blind, E, F, LabRound, P, W
from tests.test_engine_lab import scenario_report


def _d(label: str) -> str:
    return f"s34l-{label}.lab.test"


def _h(host: str, label: str) -> str:
    return f"{host}.{_d(label)}"


ISP = _d("isp")

BLIND: list[Blind] = [
    # ------------------------------------------------------------------------ DANE-12
    Blind(
        "rollnext",
        warn=frozenset({"SMTP-10"}),
        rows=(
            ("DANE-12", P, (_h("mx1", "rollnext"),)),
            ("SMTP-10", W, (_h("mx1", "rollnext"),)),
            ("DANE-07", P, (_h("mx1", "rollnext"),)),
            ("SMTP-15", INFO, (_h("mx2", "rollnext"), "ocsp")),
        ),
    ),
    Blind(
        "rollnonext",
        rows=(
            ("DANE-12", INFO, (_h("mx1", "rollnonext"), "next")),
            ("SMTP-10", INFO, (_h("mx1", "rollnonext"),)),
            ("DANE-07", P, (_h("mx1", "rollnonext"),)),
        ),
    ),
    Blind(
        "rollstaleta",
        # Planted at fail (checklist DANE-12 warns); it failed the first run and is put right.
        warn=frozenset({"DANE-12"}),
        rows=(
            ("DANE-12", W, (_h("mx1", "rollstaleta"), "2 1 1")),
            ("DANE-07", P, (_h("mx1", "rollstaleta"),)),
        ),
    ),
    Blind(
        "rollleftover",
        rows=(
            # Mended after the run: the pass called the retired key's record "a record for
            # the next key", which nothing here can tell (tests/test_engine_s34l.py).
            ("DANE-12", P, (_h("mx1", "rollleftover"), "retired")),
            ("DANE-07", P, (_h("mx1", "rollleftover"),)),
            ("DANE-07", P, (_h("mx2", "rollleftover"),)),
        ),
    ),
    Blind(
        "rollbackupprov",
        fail=frozenset({"DANE-07"}),
        rows=(
            # Mended after the run: the fix was the bare record at the provider's name, which
            # only the provider can publish (tests/test_engine_s34l.py).
            (
                "DANE-07",
                F,
                (
                    "mx.s34lprov-a.test",
                    "in s34lprov-a.test, not in your domain",
                    "only its operator",
                ),
            ),
            ("DANE-07", P, (_h("mx1", "rollbackupprov"),)),
        ),
    ),
    # ------------------------------------------------------------------------ DANE-13
    Blind(
        "snireqprov",
        warn=frozenset({"DANE-13", "SMTP-13"}),
        rows=(
            ("DANE-13", W, ("mx.s34lprov-b.test",)),
            ("SMTP-13", W, ("mx.s34lprov-b.test",)),
            ("DANE-07", P, ("mx.s34lprov-b.test",)),
        ),
    ),
    Blind(
        "nosnidefaultee",
        rows=(("DANE-07", P, (_h("mx1", "nosnidefaultee"),)),),
    ),
    # ------------------------------------------------------------------------ DANE-02
    Blind(
        "tlsabogusbackup",
        # Corrected after the run (expectation mine): the bogus TLSA RRset is DANE-02's alone;
        # DNSSEC-01 judges the policy domain's own names and passes, as s19n-tlsaexpsig settled.
        # A bogus RRset is not a secure one, so DANE-11 warns of partial coverage beside it,
        # saying DANE senders defer there (checklist DANE-11's words: "only some MX hosts
        # have secure TLSA").
        fail=frozenset({"DANE-02"}),
        warn=frozenset({"DANE-11"}),
        rows=(
            ("DANE-02", F, (_h("mx2", "tlsabogusbackup"), "signature expired")),
            ("DANE-11", W, (_h("mx2", "tlsabogusbackup"), "defer")),
            ("DNSSEC-01", P, ()),
            ("DANE-07", P, (_h("mx1", "tlsabogusbackup"),)),
        ),
    ),
    Blind(
        "tlsaservfailprov",
        # Corrected after the run (expectation mine): coverage unknown is said as DANE-11's
        # own "could not check", naming the host (checklist §0), not left unsaid.
        error=frozenset({"DANE-02", "DANE-11"}),
        rows=(
            ("DANE-02", E, ("mx.s34lprov-c.test",)),
            ("DANE-11", E, ("mx.s34lprov-c.test", "could not be determined")),
            ("DANE-07", P, (_h("mx1", "tlsaservfailprov"),)),
        ),
    ),
    # ------------------------------------------------------------------------ DNSSEC-09
    Blind("isp", rows=(("DNSSEC-01", INFO, ()),)),
    Blind(
        "ispall",
        rows=(("DNSSEC-09", INFO, ("in1." + ISP,)), ("DNSSEC-09", INFO, ("in3." + ISP,))),
    ),
    Blind(
        "ispbackuptlsa",
        warn=frozenset({"DANE-02", "DANE-11"}),
        rows=(
            ("DANE-02", W, ("in2." + ISP, "in " + ISP + ", not in your domain")),
            ("DNSSEC-09", INFO, ("in2." + ISP,)),
            ("DANE-11", W, ("in2." + ISP,)),
            ("DANE-07", P, (_h("mx2", "ispbackuptlsa"),)),
        ),
    ),
    Blind(
        "provsecnotlsa",
        warn=frozenset({"DANE-11"}),
        rows=(
            ("DNSSEC-09", P, ("mx.s34lprov-d.test",)),
            ("DANE-11", W, ("mx.s34lprov-d.test",)),
            ("DANE-07", P, (_h("mx1", "provsecnotlsa"),)),
        ),
    ),
    # ------------------------------------------------------------------------ DANE-06
    Blind(
        "mixedforms",
        warn=frozenset({"DANE-06"}),
        rows=(
            # Mended after the run: '3 1 0' was said to "break on every certificate renewal"
            # and '2 0 1' of the CA to "change at every renewal" (tests/test_engine_s34l.py).
            ("DANE-06", W, (_h("mx1", "mixedforms"), "3 1 0", "public key")),
            ("DANE-06", INFO, (_h("mx2", "mixedforms"), "2 0 1", "ca's whole certificate")),
            ("DANE-07", P, (_h("mx1", "mixedforms"),)),
            ("DANE-07", P, (_h("mx2", "mixedforms"),)),
            ("SMTP-15", INFO, (_h("mx1", "mixedforms"),)),
        ),
    ),
    # ------------------------------------------------------------------------ DANE-08
    Blind(
        "eeexpirednosts",
        warn=frozenset({"SMTP-10"}),
        rows=(
            ("DANE-07", P, (_h("mx2", "eeexpirednosts"),)),
            ("SMTP-10", W, (_h("mx2", "eeexpirednosts"),)),
        ),
    ),
    Blind(
        "eetwoboxes",
        fail=frozenset({"SMTP-10", "MTASTS-32"}),
        rows=(
            ("DANE-07", P, (_h("mx1", "eetwoboxes"), "127.0.208.40")),
            ("SMTP-10", F, (_h("mx1", "eetwoboxes"), "127.0.208.40")),
            ("MTASTS-32", F, (_h("mx1", "eetwoboxes"),)),
        ),
    ),
    # ------------------------------------------------------------------------ SMTP-17
    Blind(
        "bannertwoaddr",
        # Planted at warn (checklist SMTP-17 is info only); it failed the first run and is
        # put right.
        rows=(
            ("SMTP-17", INFO, (_h("mx1", "bannertwoaddr"), "127.0.208.43", "box7.s34lprov-f.test")),
            ("SMTP-17", P, (_h("mx1", "bannertwoaddr"), "127.0.208.42")),
        ),
    ),
    # ------------------------------------------------------------------------ SMTP-03
    Blind(
        "nostarttlsbackupdane",
        warn=frozenset({"SMTP-03", "DANE-11"}),
        rows=(
            ("SMTP-03", W, (_h("mx2", "nostarttlsbackupdane"),)),
            ("DANE-11", W, (_h("mx2", "nostarttlsbackupdane"),)),
            ("DANE-07", P, (_h("mx1", "nostarttlsbackupdane"),)),
        ),
    ),
    Blind(
        "asamaskdane",
        fail=frozenset({"SMTP-03", "DANE-10"}),
        rows=(
            ("SMTP-03", F, (_h("mx2", "asamaskdane"), "firewall")),
            ("DANE-10", F, (_h("mx2", "asamaskdane"),)),
            ("DANE-07", P, (_h("mx1", "asamaskdane"),)),
        ),
    ),
    Blind(
        "starttlsoneaddr",
        fail=frozenset({"SMTP-03", "MTASTS-32"}),
        rows=(
            ("SMTP-03", F, (_h("mx1", "starttlsoneaddr"), "127.0.208.50")),
            ("SMTP-03", P, (_h("mx1", "starttlsoneaddr"), "127.0.208.49")),
            ("MTASTS-32", F, (_h("mx1", "starttlsoneaddr"),)),
            ("SMTP-15", INFO, (_h("mx2", "starttlsoneaddr"),)),
        ),
    ),
    # ------------------------------------------------------------------------ SMTP-04
    Blind(
        "starttlsdrop",
        fail=frozenset({"SMTP-04", "DANE-10"}),
        rows=(
            ("SMTP-04", F, (_h("mx2", "starttlsdrop"),)),
            ("DANE-10", F, (_h("mx2", "starttlsdrop"),)),
            ("DANE-07", P, (_h("mx1", "starttlsdrop"),)),
        ),
    ),
    Blind(
        "tlsalertbackup",
        # Planted at warn (checklist SMTP-04 fails a handshake alert); it failed the first run
        # and is put right.
        fail=frozenset({"SMTP-04"}),
        rows=(("SMTP-04", F, (_h("mx2", "tlsalertbackup"), "handshake_failure")),),
    ),
    # ------------------------------------------------------------------------ SMTP-04 timeout
    # Added after the first run with the lab's new `starttls_stall` key, its expectations
    # committed before the engine ran on it; the DANE-07 row was written after dane.py had
    # been read for the texts mended above, the SMTP-04 and MTASTS-32 rows blind.
    Blind(
        "starttlsstall",
        error=frozenset({"SMTP-04", "MTASTS-32", "DANE-07"}),
        rows=(
            ("SMTP-04", E, (_h("mx2", "starttlsstall"),)),
            ("MTASTS-32", E, (_h("mx2", "starttlsstall"),)),
            ("DANE-07", E, (_h("mx2", "starttlsstall"),)),
            ("DANE-07", P, (_h("mx1", "starttlsstall"),)),
        ),
    ),
    # ------------------------------------------------------------------------ MX-02
    Blind(
        "nullmxleft",
        fail=frozenset({"MX-02"}),
        rows=(
            ("MX-02", F, ("mx 0 .",)),
            ("DANE-07", P, (_h("mx1", "nullmxleft"),)),
        ),
    ),
    Blind(
        "nullmxparked",
        rows=(("MX-02", P, ()), ("MX-03", INFO, ())),
    ),
]


# Where the blind run found the engine wrong and the fix is not made yet: the reason, and the
# check IDs at fail and at warn the engine gives today (see tests/blind_lab.py).
ENGINE_GAPS: dict[str, tuple[str, frozenset[str], frozenset[str]]] = {}

ROUND = LabRound("s34l", BLIND, ENGINE_GAPS)

# Checked together up front (tests.lab.pytest_plugin), not one at a time.
SCENARIO_REPORTS = list(ROUND.scenarios.values())


def test_the_set_is_complete_and_loads() -> None:
    assert len(BLIND) == 25
    ROUND.assert_complete(_d, ("127.0.208.",))


# ------------------------------------------------------------------ the blind run
test_s34l_scenario_reads_as_expected = ROUND.reading_test()


# A host whose TLS never completes cannot be said to staple or not (checklist §0: what could
# not be checked is never reported as absent): SMTP-15 says nothing of it, or "could not check".
NO_TLS = [
    ("starttlsdrop", _h("mx2", "starttlsdrop")),
    ("tlsalertbackup", _h("mx2", "tlsalertbackup")),
    ("asamaskdane", _h("mx2", "asamaskdane")),
]


@pytest.mark.lab
@pytest.mark.parametrize(("label", "host"), NO_TLS, ids=[label for label, _ in NO_TLS])
def test_s34l_no_stapling_verdict_without_tls(lab: Any, label: str, host: str) -> None:
    report = scenario_report(lab, ROUND.scenarios[label])
    said = [
        f
        for f in report.findings
        if f.id == "SMTP-15" and f.status != Status.ERROR and host in (f.subject or "")
    ]
    assert not said, [f.to_dict() for f in said]
