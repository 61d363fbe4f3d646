"""Blind round s32m: a second lab round on the MTA-STS, SMTP, DNSSEC, DANE and MX ids of s32l's
kind, in shapes the earlier rounds did not use (checklist §1, §2, §7, §8, §9; RFC 8461,
RFC 7672, RFC 7671, RFC 6698, RFC 4035, RFC 8624, RFC 5891, RFC 4343, RFC 3207, RFC 9325).

MTASTS-09, -11, -19, -24, SMTP-05, -12, -15, DNSSEC-07, DANE-03, -04, -14, MX-07.
Twenty-one scenarios (tests/lab/scenarios/s32m_*.toml, MX hosts on 127.0.201.10-.50, policy
hosts on 127.0.202.1, nothing listening on 127.0.202.9): 'mode: none' with no mx line (the
RFC's withdrawal), mx lines written 'mx-host:' and indented by a tab; a policy host CNAME
dangling at a cancelled provider, a second A record where nothing listens; a policy read
against earlier checks' history (the id kept over a testing-to-enforce rollout, a new id over
it, nothing changed); a CRLF policy whose final LF was dropped, CRLF and LF alternating; STARTTLS
re-offered by both MX, AUTH offered only inside TLS; a provider's '*.<provider>' pattern over
its two hosts, a U-label policy entry for an A-label MX, MX targets in capitals, an A-label in
capitals; a plain-NSEC zone and an Ed448 KSK/ZSK zone each with one MX without TLSA; an RSA
backup preferring aNULL under DANE-EE, aNULL preferred with no DANE at all; PKIX-TA 0 1 1 beside
DANE-EE, PKIX-TA 0 0 1 of the root alone; an unsigned domain on a provider's DANE-TA host.

The expectations below were written from the checklist and the RFCs before the engine ran on
any of them; each file's note gives the reasoning. Three rows planted wrong (MTASTS-19 fail on
lemixed: LF and CRLF are both terminators; SMTP-05 warn on ehloauthtls: only STARTTLS must not
come again; DANE-04 fail on pkixtamix: a usable record stands beside the PKIX-TA one, warn)
failed the first run, each on that row alone, and were removed.

Of the twenty-one, sixteen read as written on the first run (statuses and rows), and so did the
three MTASTS-09 history tests. Four expectations were wrong: mx24indent's tab-indented mx lines
are checklist MTASTS-28's garbage-line fail, not MTASTS-20's; polhosthalfdead's dead second
address is MTASTS-17's warn (the engine's every-address rule, of which two families are one
case), MTASTS-11 passing; lecrlast's bare CR is one finding, MTASTS-19's, whose text says the
last value ends in a stray CR, not a MTASTS-23 beside it; polulabel's U-label entry is one
MTASTS-25 fail, no overall warning (as s26e-idn settled). One was the engine's and is mended
(tests/test_engine_s32m.py): MTASTS-11 said a policy host left as a CNAME to a cancelled
provider's name did not exist and asked for A/AAAA records or a CNAME (polhostdangling); it now
names the missing target. No status changed. The MTA-STS oracle run found postfix-mta-sts-
resolver reading lecrlast as valid (Python's splitlines breaks at the bare CR): mtasts_oracle =
"valid" there. The first lab start failed on this file's own harness (two TLSA placeholders
named mx1 where the MX was the A-label host), mended before any reading.

For each scenario: the check IDs at fail, at warn and at "could not check" (error) are exactly
`fail`, `warn` and `error`, and every row of `rows` names a finding with that check id and status
whose subject, summary, evidence or fix contains each of the given words.
"""

from __future__ import annotations

import asyncio
import hashlib
from typing import Any

import pytest

from checks.engine import check_domain
from checks.findings import Status
from tests.blind_lab import INFO, Blind, F, LabRound, P, W
from tests.test_engine_lab import assert_rows, describe, lab_config


def _d(label: str) -> str:
    return f"s32m-{label}.lab.test"


def _h(host: str, label: str) -> str:
    return f"{host}.{_d(label)}"


PROV_A = "s32mprov-a.test"
PROV_C = "s32mprov-c.test"

BLIND: list[Blind] = [
    # ------------------------------------------------------------------------ MTASTS-24
    Blind("mx24none", rows=(("SMTP-15", INFO, (_h("mx1", "mx24none"),)),)),
    Blind(
        "mx24hostkey",
        fail=frozenset({"MTASTS-24"}),
        rows=(("MTASTS-24", F, ("enforce",)), ("MTASTS-28", INFO, ("mx-host",))),
    ),
    Blind(
        "mx24indent",
        # Corrected after the run: checklist MTASTS-28 (a line neither a known field nor a valid
        # extension makes the policy invalid, fail) is the rule for '\tmx: ...', not MTASTS-20.
        fail=frozenset({"MTASTS-28", "MTASTS-24"}),
        rows=(("MTASTS-24", F, ("testing",)), ("MTASTS-28", F, ("line 3", "key: value"))),
    ),
    # ------------------------------------------------------------------------ MTASTS-11
    Blind(
        "polhostdangling",
        fail=frozenset({"MTASTS-10", "MTASTS-11"}),
        # MTASTS-11 said mta-sts.<d> did not exist and asked for A/AAAA records or a CNAME
        # (mended, tests/test_engine_s32m.py): it names the CNAME's missing target.
        rows=(("MTASTS-11", F, ("sts.s32mprov-b.test", "point the cname")),),
    ),
    Blind(
        "polhosthalfdead",
        # Corrected after the run: one dead address of several is MTASTS-17's warn (the
        # address rule, RFC 8461 §3.3 'for any reason'; two families are one case of it), and
        # MTASTS-11 passes, as the host answers.
        warn=frozenset({"MTASTS-17"}),
        rows=(("MTASTS-17", W, ("127.0.202.9",)), ("MTASTS-11", P, ())),
    ),
    # ------------------------------------------------------------------------ MTASTS-09
    Blind("idhist", rows=(("DANE-07", P, (_h("mx1", "idhist"),)),)),
    # ------------------------------------------------------------------------ MTASTS-19
    Blind(
        "lecrlast",
        # Corrected after the run: one fault, one finding; MTASTS-19's fail says the last value
        # ends in a stray CR, so no MTASTS-23 beside it.
        fail=frozenset({"MTASTS-19"}),
        rows=(("MTASTS-19", F, ("bare cr", "max_age: 604800")),),
    ),
    Blind("lemixed", rows=(("MTASTS-19", P, ()),)),
    # ------------------------------------------------------------------------ SMTP-05
    Blind(
        "reofferboth",
        warn=frozenset({"SMTP-05"}),
        rows=(
            ("SMTP-05", W, (_h("mx1", "reofferboth"),)),
            ("SMTP-05", W, (_h("mx2", "reofferboth"),)),
            ("DANE-07", P, (_h("mx1", "reofferboth"),)),
        ),
    ),
    Blind(
        "ehloauthtls",
        rows=(("DANE-07", P, (_h("mx1", "ehloauthtls"),)),),
    ),
    # ------------------------------------------------------------------------ SMTP-12, MX-07
    Blind(
        "provwild",
        rows=(
            ("SMTP-12", P, ("mx1." + PROV_A,)),
            ("SMTP-12", P, ("mx2." + PROV_A,)),
            ("DANE-07", P, ("mx1." + PROV_A,)),
        ),
    ),
    Blind(
        "polulabel",
        fail=frozenset({"MTASTS-25"}),
        # Corrected after the run: MTASTS-25 is one fail per invalid entry, with no overall
        # warning beside it (as s26e-idn settled).
        warn=frozenset({"MTASTS-30"}),
        rows=(
            ("MTASTS-25", F, ("münchen",)),
            ("MTASTS-30", W, (_h("xn--mnchen-3ya", "polulabel"),)),
            ("SMTP-12", INFO, (_h("xn--mnchen-3ya", "polulabel"),)),
            ("SMTP-12", P, (_h("mx2", "polulabel"),)),
        ),
    ),
    Blind("mxupper", rows=(("SMTP-12", P, ()),)),
    Blind(
        "mxpunyupper",
        rows=(("SMTP-12", P, ("xn--mnchen-3ya",)), ("SMTP-12", P, (_h("mx2", "mxpunyupper"),))),
    ),
    # ------------------------------------------------------------------------ DNSSEC-07
    Blind(
        "nsecplain",
        warn=frozenset({"DANE-11"}),
        rows=(("DNSSEC-07", P, ()), ("DANE-11", W, (_h("mx2", "nsecplain"),))),
    ),
    Blind(
        "ed448split",
        warn=frozenset({"DANE-11"}),
        rows=(
            ("DNSSEC-01", P, ()),
            ("DNSSEC-07", P, ()),
            ("DANE-07", P, (_h("mx1", "ed448split"),)),
        ),
    ),
    # ------------------------------------------------------------------------ DANE-14
    Blind(
        "anonrsa",
        warn=frozenset({"DANE-14", "SMTP-08"}),
        rows=(
            ("DANE-14", W, (_h("mx2", "anonrsa"), "anonymous")),
            ("DANE-07", P, (_h("mx2", "anonrsa"),)),
        ),
    ),
    Blind(
        "anonnodane",
        warn=frozenset({"SMTP-08"}),
        rows=(("SMTP-08", W, (_h("mx1", "anonnodane"),)), ("DNSSEC-01", INFO, ())),
    ),
    # ------------------------------------------------------------------------ DANE-04
    Blind(
        "pkixtamix",
        warn=frozenset({"DANE-04"}),
        rows=(
            ("DANE-04", W, (_h("mx1", "pkixtamix"),)),
            ("DANE-07", P, (_h("mx1", "pkixtamix"),)),
        ),
    ),
    Blind("pkixtaroot", fail=frozenset({"DANE-04"}), rows=(("DANE-04", F, ()),)),
    # ------------------------------------------------------------------------ DANE-03
    Blind(
        "insecmxta",
        warn=frozenset({"DANE-03", "DNSSEC-08"}),
        rows=(("DANE-03", W, ()), ("DANE-07", P, ("mx." + PROV_C,))),
    ),
]


# Where the blind run found the engine wrong and the fix is not made yet: the reason, and the
# check IDs at fail and at warn the engine gives today (see tests/blind_lab.py).
ENGINE_GAPS: dict[str, tuple[str, frozenset[str], frozenset[str]]] = {}

ROUND = LabRound("s32m", BLIND, ENGINE_GAPS)


def test_the_set_is_complete_and_loads() -> None:
    assert len(BLIND) == 21
    ROUND.assert_complete(_d, ("127.0.201.",))


# ------------------------------------------------------------------ the blind run
test_s32m_scenario_reads_as_expected = ROUND.reading_test()


# ------------------------------------------------------------------ MTASTS-09 (history)
# s32m-idhist as an earlier check saw it: the same file in mode testing (the rollout's first step).
_IDHIST = _d("idhist")
_TESTING_POLICY = (
    f"version: STSv1\r\nmode: testing\r\nmx: mx1.{_IDHIST}\r\nmx: mx2.{_IDHIST}\r\n"
    "max_age: 604800\r\n"
).encode()


def _checked_after(lab: Any, previous: tuple[str, str] | None) -> Any:
    config = lab_config(lab, dkim_selectors=(), mtasts_previous=previous)
    return asyncio.run(check_domain(_IDHIST, config))


@pytest.mark.lab
def test_testing_to_enforce_under_the_same_id_warns(lab: Any) -> None:
    """RFC 8461 §3.1: the id identifies one instance of the policy; §8.1: change the file, then
    the id. The earlier check stored (20261203, the testing file); now the file says enforce
    under the same id: senders that cached the testing policy keep it up to max_age, a week.
    Checklist MTASTS-09 warn."""
    report = _checked_after(lab, ("20261203", hashlib.sha256(_TESTING_POLICY).hexdigest()))
    assert {f.id for f in report.findings if f.status == Status.WARN} == {"MTASTS-09"}, describe(
        report
    )
    assert_rows(report, [("MTASTS-09", W, ("_mta-sts." + _IDHIST,))])


@pytest.mark.lab
def test_testing_to_enforce_under_a_new_id_is_nothing(lab: Any) -> None:
    """The earlier check stored another id over the testing file: both changed together, as
    §8.1 asks. Checklist MTASTS-09: neither a warning nor an info."""
    report = _checked_after(lab, ("20261101", hashlib.sha256(_TESTING_POLICY).hexdigest()))
    assert not [f for f in report.findings if f.id == "MTASTS-09"], describe(report)


@pytest.mark.lab
def test_nothing_changed_since_the_stored_check_is_nothing(lab: Any) -> None:
    """The history a first check stores (the record's id and its policy digest, as the app
    keeps them), handed to the next check of the unchanged domain: no MTASTS-09."""
    first = _checked_after(lab, None)
    stored = [
        f.evidence
        for f in first.findings
        if isinstance(f.evidence, dict) and "policy_sha256" in f.evidence
    ]
    assert stored, describe(first)
    previous = (str(stored[0]["record_id"]), str(stored[0]["policy_sha256"]))
    report = _checked_after(lab, previous)
    assert not [f for f in report.findings if f.id == "MTASTS-09"], describe(report)
