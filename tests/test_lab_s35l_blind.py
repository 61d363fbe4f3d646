"""Blind round s35l: DNSSEC, DANE, MTA-STS serving and SMTP ids the blind rounds had tried least
(checklist §1, §2, §3, §7, §8, §9; RFC 4035, RFC 7505, RFC 5321, RFC 8461, RFC 8460, RFC 8689,
RFC 7672, RFC 7671, RFC 6698).

DNSSEC-10, DANE-08 (with DANE-09, its DANE-TA counterpart), DNSSEC-05, DNSSEC-08, DANE-01,
DANE-05, DANE-13, MTASTS-18, MTASTS-03, TLSRPT-03, TLSRPT-11, SMTP-18, SMTP-02, SMTP-15, MX-03.
Twenty-five scenarios (tests/lab/scenarios/s35l_*.toml, MX hosts on 127.0.212.x, policy hosts
on 127.0.213.1, second name servers on 127.0.214.53-.55; providers s35lprov-<letter>.test):
a secondary name server that stopped taking transfers (older SOA serial), one that never got a
pre-published KSK, one in step (the lab's new `[secondary]` table: the first time DNSSEC-10's
warning could be shown); DANE-EE over a misnamed backup, over an expired and misnamed box
pinned by 3 0 1, over an expired leaf whose RRset also holds a 2 1 1; DANE-TA over an expired
and a not-yet-valid leaf, and over wildcard certificates; 36-hour signatures; an unsigned
domain at a DANE provider under MTA-STS; a TLSA at the MX name behind a CNAME, one at
_25._udp; a private-use matching type beside a good record, an unassigned one alone; a gateway
requiring SNI; Pragma/Expires and stale-while-revalidate on the policy; records split inside
'v=STSv1' and inside a mailbox; TLS-RPT at TTL 3599 unsigned; REQUIRETLS without MTA-STS or
DANE; EHLO refused with 554 under DANE; null MX with an ESP's SPF include, and with the policy
withdrawn properly.

The expectations below were written from the checklist and the RFCs before the engine ran on
any of them (committed in eb83181f); each file's note gives the reasoning. Three rows were
planted wrong (DANE-05 at fail on tlsaprivmatch: one unusable record beside a usable one is a
warning; TLSRPT-11 at warn on rpt3599: the checklist says info; SMTP-10 at fail on mixedeeta:
a 3 1 1 matches, so the DANE-EE exception makes it a warning); each failed the first run on
that row alone, and was put right.

Of the other twenty-two, twenty-one read as written on the first run, statuses and rows. One
expectation was mine to correct: a null MX beside an SPF include of a mailer is the
checklist's own 'Bad:' example for MX-03, a warning (x07 settled it so), not the info I wrote.
DNSSEC-10's warning was shown for the first time (the lab had one authoritative server; its
new `[secondary]` table gives a second one), and postfix-mta-sts-resolver and posttls-finger
(tests/test_mtasts_oracle.py, tests/test_dane_oracle.py) agree with every s35l host, DANE-TA
over wildcard certificates and over expired and not-yet-valid leaves included. Reading the
texts found six engine faults, mended with tests/test_engine_s35l.py: DNSSEC-10 gave two equal
serials as the disagreement, named neither the lagging server nor the missing key and had no
fix; DANE-03's fix for a domain whose MX hosts are a provider's ("Sign <domain> with DNSSEC")
was said as the provider's change to make; DANE-05 called matching type 255 (PrivMatch)
unknown; DANE-12 said "no record for a next key" (info) beside a 2 1 1 of the issuing CA that
DANE-06 rightly called the rollover pair covering the renewal, now a pass (docs/scoring.md v7
line s35l, the round's one status change); DNSSEC-05's fix for 38-hour signatures only asked
to check that the signer re-signs, and now asks for a longer lifetime; MTASTS-35 said DANE
senders validate the provider's hosts with DANE behind MX records that are not DNSSEC-secure,
where DANE-03 beside it said Exim does not.

For each scenario: the check IDs at fail, at warn and at "could not check" (error) are exactly
`fail`, `warn` and `error`, and every row of `rows` names a finding with that check id and status
whose subject, summary, evidence or fix contains each of the given words.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from checks.findings import Status
from tests.blind_lab import INFO, Blind, F, LabRound, P, W
from tests.test_engine_lab import scenario_report


def _d(label: str) -> str:
    return f"s35l-{label}.lab.test"


def _h(host: str, label: str) -> str:
    return f"{host}.{_d(label)}"


PROV_A = "s35lprov-a.test"

BLIND: list[Blind] = [
    # ------------------------------------------------------------------------ DANE-08 / DANE-09
    Blind(
        "eemisnamedbackup",
        warn=frozenset({"SMTP-11"}),
        rows=(
            ("DANE-07", P, (_h("mx2", "eemisnamedbackup"),)),
            ("SMTP-11", W, (_h("mx2", "eemisnamedbackup"), "mail.s35lold-a.test")),
            ("SMTP-15", INFO, (_h("mx1", "eemisnamedbackup"), "ocsp")),
        ),
    ),
    Blind(
        "eeexpiredmisnamed",
        warn=frozenset({"SMTP-10", "SMTP-11"}),
        rows=(
            ("DANE-07", P, (_h("mx1", "eeexpiredmisnamed"),)),
            ("SMTP-10", W, (_h("mx1", "eeexpiredmisnamed"),)),
            ("SMTP-11", W, (_h("mx1", "eeexpiredmisnamed"), "box.s35lold-b.test")),
            ("DANE-06", INFO, (_h("mx1", "eeexpiredmisnamed"), "3 0 1")),
        ),
    ),
    Blind(
        "taexpired",
        fail=frozenset({"DANE-09", "SMTP-10"}),
        rows=(
            ("DANE-09", F, (_h("mx2", "taexpired"), "expired")),
            ("SMTP-10", F, (_h("mx2", "taexpired"),)),
            ("DANE-07", P, (_h("mx1", "taexpired"),)),
        ),
    ),
    Blind(
        "tanotyet",
        fail=frozenset({"DANE-09", "SMTP-10"}),
        rows=(
            ("DANE-09", F, (_h("mx1", "tanotyet"),)),
            ("SMTP-10", F, (_h("mx1", "tanotyet"),)),
            ("DANE-07", P, (_h("mx2", "tanotyet"),)),
        ),
    ),
    Blind(
        "mixedeeta",
        # Planted wrong as SMTP-10 fail; it failed the first run on that row alone and is put
        # right: the 3 1 1 matches, so checklist SMTP-10's DANE-EE exception makes it a warning.
        warn=frozenset({"SMTP-10"}),
        rows=(
            ("DANE-07", P, (_h("mx1", "mixedeeta"),)),
            ("SMTP-10", W, (_h("mx1", "mixedeeta"),)),
            # Mended after the run: DANE-12 said "no record for a next key" (info) beside
            # DANE-06 calling 3 1 1 + 2 1 1 the rollover pair that covers a renewal from the
            # CA; it now passes the CA record as that cover (tests/test_engine_s35l.py).
            ("DANE-12", P, (_h("mx1", "mixedeeta"), "renewed certificate from that ca")),
            ("DANE-07", P, (_h("mx2", "mixedeeta"),)),
        ),
    ),
    Blind(
        "tawildcard",
        rows=(
            ("DANE-07", P, (_h("mx1", "tawildcard"),)),
            ("DANE-07", P, (_h("mx2", "tawildcard"),)),
            ("SMTP-11", P, (_h("mx1", "tawildcard"),)),
        ),
    ),
    # ------------------------------------------------------------------------ DNSSEC-10
    Blind(
        "staleserial",
        warn=frozenset({"DNSSEC-10"}),
        rows=(
            ("DNSSEC-10", W, (_d("staleserial"), "2026112801", "2026120301", "127.0.214.53")),
            # Mended after the run: it said only "disagree (SOA serials ...)", with no fix; it
            # now says which server holds the older copy and how to mend it
            # (tests/test_engine_s35l.py).
            ("DNSSEC-10", W, ("ns2." + _d("staleserial") + " [127.0.214.53] serves", "older")),
            ("DNSSEC-10", W, ("make ns2." + _d("staleserial"), "transfer")),
            ("DANE-07", P, (_h("mx1", "staleserial"),)),
        ),
    ),
    Blind(
        "stalekeys",
        warn=frozenset({"DNSSEC-10"}),
        rows=(
            ("DNSSEC-10", W, (_d("stalekeys"), "dnskey")),
            # Mended after the run: the warning gave the two equal serials as the disagreement
            # and named no key; it now names the server and the key tag it lacks, and says
            # that the serial was not raised (tests/test_engine_s35l.py).
            (
                "DNSSEC-10",
                W,
                ("same soa serial", "ns2." + _d("stalekeys") + " [127.0.214.54] lacks", "key tag"),
            ),
            ("DNSSEC-10", W, ("raise the soa serial",)),
        ),
    ),
    Blind(
        "secondaryok",
        rows=(("DNSSEC-10", P, (_d("secondaryok"), "2026120303")),),
    ),
    # ------------------------------------------------------------------------ DNSSEC-05
    Blind(
        "sig36h",
        warn=frozenset({"DNSSEC-05"}),
        rows=(
            ("DNSSEC-05", W, (_d("sig36h"),)),
            # Mended after the run: the fix was only "Check that the signer re-signs the
            # zone"; it now says the signatures live 38 hours (36 h ahead, inception 90 min
            # back) and asks for a longer lifetime
            # (tests/test_engine_s35l.py).
            ("DNSSEC-05", W, ("valid for only 38 hours", "rrsig-lifetime")),
            ("DANE-07", P, (_h("mx1", "sig36h"),)),
        ),
    ),
    # ------------------------------------------------------------------------ DNSSEC-08
    Blind(
        "unsignedprovsts",
        warn=frozenset({"DANE-03", "DNSSEC-08"}),
        rows=(
            ("DNSSEC-08", W, (_d("unsignedprovsts"),)),
            # Its fix was prefixed as the provider's change to make (mended, see below).
            ("DANE-03", W, ("sign " + _d("unsignedprovsts") + " with dnssec",)),
            # Mended after the run: MTASTS-35 said DANE senders validate these hosts with
            # DANE, while DANE-03 said Exim does not behind insecure MX records; it now says
            # so too (tests/test_engine_s35l.py).
            ("MTASTS-35", INFO, ("not dnssec-secure", "exim", "applies mta-sts")),
            ("DANE-07", P, ("mx1." + PROV_A,)),
            ("DANE-07", P, ("mx2." + PROV_A,)),
            ("TLSRPT-11", INFO, ("300",)),
        ),
    ),
    # ------------------------------------------------------------------------ DANE-01
    Blind(
        "tlsaoriginalonly",
        warn=frozenset({"MX-04"}),
        rows=(
            ("DANE-07", P, (_h("mail", "tlsaoriginalonly"),)),
            ("MX-04", W, (_h("mail", "tlsaoriginalonly"),)),
        ),
    ),
    Blind(
        "tlsaudp",
        warn=frozenset({"DANE-11"}),
        rows=(
            ("DANE-11", W, (_h("mx1", "tlsaudp"),)),
            ("DANE-01", INFO, (_h("mx1", "tlsaudp"),)),
            ("DANE-07", P, (_h("mx2", "tlsaudp"),)),
        ),
    ),
    # ------------------------------------------------------------------------ DANE-05
    Blind(
        "tlsaprivmatch",
        # Planted wrong as DANE-05 fail; it failed the first run on that row alone and is put
        # right: a usable 3 1 1 sits beside the unusable record, checklist DANE-05 warns.
        warn=frozenset({"DANE-05"}),
        rows=(
            # Mended after the run: 255 was "unknown matching type 255"; it is PrivMatch,
            # kept for private use (tests/test_engine_s35l.py).
            ("DANE-05", W, (_h("mx1", "tlsaprivmatch"), "255", "privmatch", "private use")),
            ("DANE-07", P, (_h("mx1", "tlsaprivmatch"),)),
        ),
    ),
    Blind(
        "tlsaonlyunusable",
        fail=frozenset({"DANE-05"}),
        warn=frozenset({"DANE-11"}),
        rows=(
            ("DANE-05", F, (_h("mx1", "tlsaonlyunusable"),)),
            ("DANE-11", W, (_h("mx1", "tlsaonlyunusable"),)),
            ("DANE-07", P, (_h("mx2", "tlsaonlyunusable"),)),
        ),
    ),
    # ------------------------------------------------------------------------ DANE-13
    Blind(
        "snireqonly",
        warn=frozenset({"DANE-13", "SMTP-13"}),
        rows=(
            ("DANE-13", W, (_h("mx1", "snireqonly"),)),
            ("SMTP-13", W, (_h("mx1", "snireqonly"),)),
            ("DANE-07", P, (_h("mx1", "snireqonly"),)),
        ),
    ),
    # ------------------------------------------------------------------------ MTASTS-18
    Blind("ccpragma"),
    Blind("ccswr", rows=(("MTASTS-18", INFO, ("stale-while-revalidate",)),)),
    # ------------------------------------------------------------------------ MTASTS-03
    Blind("idsplitv", rows=(("MTASTS-03", INFO, ()),)),
    # ------------------------------------------------------------------------ TLSRPT-03
    Blind(
        "rptsplitaddr",
        rows=(("TLSRPT-03", INFO, ()), ("TLSRPT-10", P, ("tlsrpt@" + _d("rptsplitaddr"),))),
    ),
    # ------------------------------------------------------------------------ TLSRPT-11
    Blind(
        "rpt3599",
        # Planted wrong as TLSRPT-11 warn; it failed the first run on that row alone and is
        # put right: checklist TLSRPT-11 is info.
        rows=(("TLSRPT-11", INFO, ("3599",)),),
    ),
    # ------------------------------------------------------------------------ SMTP-18
    Blind(
        "requiretlsnosts",
        rows=(
            ("SMTP-18", INFO, (_h("mx1", "requiretlsnosts"),)),
            ("SMTP-15", INFO, (_h("mx1", "requiretlsnosts"),)),
        ),
    ),
    # ------------------------------------------------------------------------ SMTP-02
    Blind(
        "ehlo554dane",
        fail=frozenset({"SMTP-02", "DANE-10"}),
        rows=(
            ("SMTP-02", F, (_h("mx2", "ehlo554dane"), "554")),
            ("DANE-10", F, (_h("mx2", "ehlo554dane"),)),
            ("DANE-07", P, (_h("mx1", "ehlo554dane"),)),
        ),
    ),
    # ------------------------------------------------------------------------ MX-03
    Blind(
        "nullmxspfinc",
        # Corrected after the run (expectation mine): the checklist's own 'Bad:' example for
        # MX-03 is this record, a null MX beside an SPF include of a mailer, and its warning
        # is for a null-MX domain apparently used for sending (RFC 7505 §4.2: it SHOULD NOT
        # be used in MAIL FROM), which an SPF record authorising senders shows as a DKIM key
        # does (x07 settled it so). MX-03 warn.
        warn=frozenset({"MX-03"}),
        rows=(("MX-03", W, ("include:_spf.s35lprov-b.test", "seems to send")),),
    ),
    Blind("nullmxstsnone", rows=(("MX-03", INFO, ()),)),
]


# Where the blind run found the engine wrong and the fix is not made yet: the reason, and the
# check IDs at fail and at warn the engine gives today (see tests/blind_lab.py).
ENGINE_GAPS: dict[str, tuple[str, frozenset[str], frozenset[str]]] = {}

ROUND = LabRound("s35l", BLIND, ENGINE_GAPS)


def test_the_set_is_complete_and_loads() -> None:
    assert len(BLIND) == 25
    ROUND.assert_complete(_d, ("127.0.212.",))


# ------------------------------------------------------------------ the blind run
test_s35l_scenario_reads_as_expected = ROUND.reading_test()


@pytest.mark.lab
def test_s35l_dane03_fix_is_the_owners_own_change(lab: Any) -> None:
    """s35l-unsignedprovsts: the MX records DANE-03 asks to sign are the domain's own; its fix
    was prefixed "mx1.s35lprov-a.test is in s35lprov-a.test, not in your domain: ... only its
    operator can make this change" (the provider host's findings keep that preface)."""
    report = scenario_report(lab, ROUND.scenarios["unsignedprovsts"])
    (dane03,) = [f for f in report.findings if f.id == "DANE-03"]
    assert dane03.fix == f"Sign {_d('unsignedprovsts')} with DNSSEC."


# ------------------------------------------------------------------ DNSSEC-10 against dig
# `dig +nssearch` (BIND's dig, Debian dnsutils) asks every name server of a zone for its SOA:
# an independent reading of what DNSSEC-10 compares. It finds the name servers' addresses
# through the system resolver, so it runs in a private mount namespace whose /etc/resolv.conf
# names the lab resolver, as tests/test_dane_oracle.py runs posttls-finger.
SECONDARIES = {"staleserial": True, "stalekeys": False, "secondaryok": False}


def _nssearch_serials(lab: Any, zone: str, tmp_path: Path) -> dict[str, int]:
    host, port = lab.resolver.rsplit(":", 1)
    assert port == "53", "resolv.conf cannot carry a port: the lab resolver must be on 53"
    resolv = tmp_path / "resolv.conf"
    resolv.write_text(f"nameserver {host}\n")
    for tool in ("unshare", "dig"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} is needed for the dig +nssearch comparison")
    done = subprocess.run(
        [
            "unshare",
            "--mount",
            "sh",
            "-c",
            f"mount --bind {resolv} /etc/resolv.conf && exec dig +nssearch {zone}",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    serials = {}
    for line in done.stdout.splitlines():
        match = re.match(r"SOA \S+ \S+ (\d+) .* from server (\S+) in", line)
        if match:
            serials[match[2]] = int(match[1])
    return serials


@pytest.mark.lab
@pytest.mark.parametrize("label", list(SECONDARIES))
def test_s35l_dnssec10_agrees_with_dig_nssearch_on_the_serials(
    lab: Any, label: str, tmp_path: Path
) -> None:
    serials = _nssearch_serials(lab, _d(label), tmp_path)
    assert len(serials) == 2, serials
    assert (len(set(serials.values())) > 1) is SECONDARIES[label]
    report = scenario_report(lab, ROUND.scenarios[label])
    (finding,) = [f for f in report.findings if f.id == "DNSSEC-10"]
    if SECONDARIES[label]:
        # Serials that differ: each server and its serial, as dig reads them, are named.
        assert finding.status == Status.WARN
        for address, serial in serials.items():
            assert f"[{address}] serves SOA serial {serial}" in finding.summary or (
                f"the {serial} of" in finding.summary and f"[{address}]" in finding.summary
            )
    else:
        # One serial (stalekeys warns for its DNSKEY sets, secondaryok passes): dig's serial.
        (serial,) = set(serials.values())
        assert str(serial) in finding.summary
