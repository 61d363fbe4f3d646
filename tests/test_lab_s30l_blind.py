"""Blind round s30l: the MTA-STS, SMTP and DANE ids the blind rounds had tried least
(checklist §2, §8, §9; RFC 8461, RFC 7672, RFC 7671, RFC 3207, RFC 5321).

MTASTS-09 (id kept while the policy changed), MTASTS-03, -05, -11, -16, -18, -26, -28, -29,
-35, -36; SMTP-06, -14, -15, -16, -17; DANE-08, DANE-14. Twenty-eight scenarios
(tests/lab/scenarios/s30l_*.toml, MX hosts on 127.0.194.10-.65, policy hosts on 127.0.195.1,
one on 127.0.195.2:8443) show them as real domains have them: an MX added to the policy file
without a new id (a half-done change, read with the previous check's history), ids made of a
git commit hash, of a UUID split by a DNS panel and of an MD5, TXT records split with a blank
on both sides or in three strings with an extension, a 'mode: none' withdrawal file over
64 KiB, a static host's 'immutable' Cache-Control, a generator's field and a 36-character
field name, two backups on one mx line joined with ';', a blank-only line, a comment after the
mode, a policy host with only an AAAA record or listening on 8443 only; an appliance speaking
TLS 1.2 with one CBC suite, MX hosts still accepting TLS 1.0, a SHA-1-signed backup under
testing, an RSA-1024 leaf pinned by DANE-EE, a self-signed home server with TLSA in an
unsigned zone, a private-CA backup under testing, aNULL preferred by a TLS 1.3 server under
DANE, DANE on the backup only beside enforce, a slow EHLO, greetings whose first line names a
provider machine or an address literal, DANE-EE 3 0 1 on a hoster's wildcard and on an expired
certificate under testing.

The expectations below were written from the checklist and the RFCs before the engine ran on
any of them; each file's note gives the reasoning. Three planted wrong expectations (MTASTS-05
fail on idmd5, MTASTS-06 warn on txtdblspace, MTASTS-28 fail on polgenerator) failed the first
run and were removed. Of the twenty-eight scenarios, twenty-six read as written on the first run
(statuses and rows); two were the engine's: anontls13, whose TLS 1.2 senders get the anonymous
suite while TLS 1.3 brings the certificate, passed DANE-14 (now DANE-14 and SMTP-08 warn,
0ab9884), and stsnonebig's MTASTS-16 did not say that senders keep the policy they cached, so
a 'mode: none' withdrawal that big withdraws nothing (a5467cc). The MTA-STS oracle run found
two expectations wrong in form (idgitsha and iduuid: a discarded record is mtasts = none, not
invalid). Reading the texts mended MTASTS-22 (a comment after the mode named, 3e5d407; its fix
offered mode testing for 'enforce # ...', df1902c), MTASTS-28 (a 36-character field name was
'not a key: value line'), MTASTS-29 (blanks called empty), MTASTS-32 (a double space under
testing), SMTP-09/MTASTS-32 (a SHA-1 signature sent the owner to a public CA, 1ebdfc3) and
DANE-11 (no fix; now the records, ef30cdd). MTASTS-09 is read with the previous check's
history handed to the engine (the two tests at the end).

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
    return f"s30l-{label}.lab.test"


BLIND: list[Blind] = [
    # ------------------------------------------------------------------------ MTASTS-05
    Blind(
        "idkept",
        rows=(
            ("MTASTS-05", P, ("20261101",)),
            ("SMTP-15", INFO, ("mx1." + _d("idkept"), "ocsp")),
        ),
    ),
    Blind(
        "idgitsha",
        fail=frozenset({"MTASTS-05"}),
        rows=(("MTASTS-05", F, ("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b", "v=stsv1; id=")),),
    ),
    Blind(
        "iduuid",
        fail=frozenset({"MTASTS-05"}),
        rows=(
            ("MTASTS-03", INFO, ()),
            ("MTASTS-05", F, ("3f2a1c9e-7b4d-4e0a-9c1f-2b8e6d5a4c3b", "v=stsv1; id=")),
        ),
    ),
    Blind(
        "idmd5",
        rows=(("MTASTS-05", P, ("d41d8cd98f00b204e9800998ecf8427e",)),),
    ),
    # ------------------------------------------------------------------------ MTASTS-03
    Blind(
        "txtdblspace",
        rows=(("MTASTS-03", INFO, ()), ("MTASTS-05", P, ())),
    ),
    Blind(
        "txt3ext",
        rows=(("MTASTS-03", INFO, ()), ("MTASTS-07", INFO, ("migrated",))),
    ),
    # ------------------------------------------------------------------ MTASTS-16, -18
    Blind(
        "stsnonebig",
        fail=frozenset({"MTASTS-16"}),
        # The words were the engine's fault: 'senders stop reading at 64 KiB and drop it' did
        # not say that those with the enforce policy cached keep it, so the withdrawal never
        # happens (mended, tests/test_engine_s30l.py).
        rows=(("MTASTS-16", F, ("mta-sts." + _d("stsnonebig"), "none", "cached")),),
    ),
    Blind("ccimmutable", rows=(("MTASTS-18", INFO, ("max-age=31536000",)),)),
    # ------------------------------------------------------------------ MTASTS-28, -26, -29
    Blind(
        "polgenerator",
        rows=(("MTASTS-28", INFO, ("generated-by",)),),
    ),
    Blind(
        "extlongname",
        fail=frozenset({"MTASTS-28"}),
        rows=(
            ("MTASTS-28", F, ("last-modified-by-deployment-pipeline",)),
            # Added after reading the texts: it said the line is not a "key: value" line, which
            # it is; the fault is the name's 36 characters (mended, tests/test_engine_s30l.py).
            ("MTASTS-28", F, ("36 characters", "at most 32")),
        ),
    ),
    Blind(
        "mxsemicolon",
        fail=frozenset({"MTASTS-26"}),
        warn=frozenset({"MTASTS-30"}),
        rows=(
            ("MTASTS-26", F, ("mx2." + _d("mxsemicolon") + "; mx3." + _d("mxsemicolon"),)),
            # The fix gives each backup its own line.
            ("MTASTS-26", F, ("mx: mx3." + _d("mxsemicolon"),)),
            ("MTASTS-30", W, ("mx3." + _d("mxsemicolon"),)),
        ),
    ),
    Blind(
        "blankws",
        warn=frozenset({"MTASTS-29"}),
        # The second row was added after reading the texts: a line of blanks was called empty.
        rows=(("MTASTS-29", W, ("only blanks",)), ("MTASTS-19", P, ())),
    ),
    Blind(
        "modecomment",
        fail=frozenset({"MTASTS-22"}),
        rows=(
            ("MTASTS-22", F, ("#", "mode: enforce")),
            # Added after reading the texts: it quoted the value with its blanks and did not
            # say that the comment is the fault (mended, tests/test_engine_s30l.py).
            ("MTASTS-22", F, ("followed by the comment", "has no comments", "alone on its line")),
        ),
    ),
    # ------------------------------------------------------------------------ MTASTS-11
    Blind(
        "stsv6only",
        fail=frozenset({"MTASTS-10", "MTASTS-11"}),
        rows=(("MTASTS-11", F, ("mta-sts." + _d("stsv6only"), "::1")),),
    ),
    Blind(
        "stsport8443",
        fail=frozenset({"MTASTS-10", "MTASTS-11"}),
        rows=(("MTASTS-11", F, ("mta-sts." + _d("stsport8443"), "443")),),
    ),
    # ------------------------------------------------------------------ MTASTS-36, SMTP-07
    Blind(
        "tls12cbc",
        rows=(
            ("MTASTS-36", P, ()),
            ("SMTP-07", INFO, ("mx1." + _d("tls12cbc"), "1.3")),
            ("SMTP-08", INFO, ("ecdhe-ecdsa-aes128-sha",)),
        ),
    ),
    Blind(
        "tls10also",
        warn=frozenset({"SMTP-07"}),
        rows=(
            ("SMTP-07", W, ("mx1." + _d("tls10also"), "1.0")),
            ("SMTP-07", W, ("mx2." + _d("tls10also"),)),
            ("MTASTS-36", P, ()),
            ("MTASTS-35", INFO, ()),
        ),
    ),
    # ------------------------------------------------------------------ SMTP-14, SMTP-16
    Blind(
        "sha1backup",
        fail=frozenset({"SMTP-14"}),
        warn=frozenset({"SMTP-09", "MTASTS-32"}),
        rows=(
            ("SMTP-14", F, ("mx2." + _d("sha1backup"),)),
            # Added after reading the texts: SMTP-09 and MTASTS-32 told the owner to install a
            # certificate from a publicly trusted CA, which it is; the CA is to sign it with
            # SHA-256 (mended, tests/test_engine_s30l.py).
            ("SMTP-09", W, ("mx2." + _d("sha1backup"), "reissue the certificate with a sha-256")),
            ("MTASTS-32", W, ("mx2." + _d("sha1backup"),)),
            ("MTASTS-33", INFO, ("testing",)),
        ),
    ),
    Blind(
        "rsa1024dane",
        fail=frozenset({"SMTP-14"}),
        rows=(
            ("SMTP-14", F, ("mx1." + _d("rsa1024dane"), "1024")),
            ("DANE-07", P, ("mx1." + _d("rsa1024dane"),)),
        ),
    ),
    Blind(
        "selfunsignedtlsa",
        warn=frozenset({"DANE-02", "SMTP-09"}),
        rows=(
            ("DANE-02", W, ("mx1." + _d("selfunsignedtlsa"), "dnssec")),
            ("SMTP-16", INFO, ("mx1." + _d("selfunsignedtlsa"),)),
            ("TLSRPT-11", INFO, ("300",)),
        ),
    ),
    Blind(
        "roguetesting",
        warn=frozenset({"SMTP-09", "MTASTS-32"}),
        rows=(
            ("SMTP-16", INFO, ("mx2." + _d("roguetesting"),)),
            ("MTASTS-32", W, ("mx2." + _d("roguetesting"),)),
        ),
    ),
    # ------------------------------------------------------------------ DANE-14, -11, -08
    Blind(
        "anontls13",
        warn=frozenset({"DANE-14", "SMTP-08"}),
        rows=(
            ("DANE-14", W, ("mx1." + _d("anontls13"),)),
            ("DANE-07", P, ("mx1." + _d("anontls13"),)),
        ),
    ),
    Blind(
        "danebackupsts",
        warn=frozenset({"DANE-11"}),
        rows=(
            ("DANE-11", W, ("mx1." + _d("danebackupsts"),)),
            ("MTASTS-35", INFO, ()),
            # Added after reading the texts: DANE-11 gave no fix; it now gives DANE-01's record
            # for the uncovered host (mended, tests/test_engine_s30l.py).
            ("DANE-11", W, ("_25._tcp.mx1." + _d("danebackupsts") + ". in tlsa 3 1 1",)),
        ),
    ),
    Blind(
        "eehosterwild",
        warn=frozenset({"SMTP-11"}),
        rows=(
            ("DANE-07", P, ("mx1." + _d("eehosterwild"),)),
            ("SMTP-11", W, ("*.s30lprov-a.test",)),
            ("DANE-06", INFO, ("3 0 1",)),
        ),
    ),
    Blind(
        "eeexptesting",
        warn=frozenset({"SMTP-10", "MTASTS-32"}),
        rows=(
            ("DANE-07", P, ("mx1." + _d("eeexptesting"),)),
            ("SMTP-10", W, ("mx1." + _d("eeexptesting"),)),
            ("MTASTS-32", W, ("mx1." + _d("eeexptesting"),)),
            ("MTASTS-35", INFO, ()),
        ),
    ),
    # ------------------------------------------------------------------ SMTP-06, SMTP-17
    Blind(
        "ehloslow06",
        rows=(
            ("SMTP-06", P, ("mx1." + _d("ehloslow06"),)),
            ("SMTP-06", P, ("mx2." + _d("ehloslow06"),)),
        ),
    ),
    Blind(
        "bannerfirst",
        rows=(
            ("SMTP-17", INFO, ("smtp-in.s30lprov-a.test",)),
            ("SMTP-02", P, ("mx1." + _d("bannerfirst"),)),
            ("SMTP-15", INFO, ("mx1." + _d("bannerfirst"),)),
        ),
    ),
    Blind("bannerliteral", rows=(("SMTP-17", INFO, ("[127.0.194.60]",)),)),
]


# Where the blind run found the engine wrong and the fix is not made yet: the reason, and the
# check IDs at fail and at warn the engine gives today (see tests/blind_lab.py).
ENGINE_GAPS: dict[str, tuple[str, frozenset[str], frozenset[str]]] = {}

ROUND = LabRound("s30l", BLIND, ENGINE_GAPS)


def test_the_set_is_complete_and_loads() -> None:
    assert len(BLIND) == 28
    ROUND.assert_complete(_d, ("127.0.194.",))


# ------------------------------------------------------------------ the blind run
test_s30l_scenario_reads_as_expected = ROUND.reading_test()


# ------------------------------------------------------------------ MTASTS-09 (history)
# s30l-idkept as the previous check saw it: the same id over a file listing mx1 only.
_IDKEPT = _d("idkept")
_OLD_POLICY = (
    f"version: STSv1\r\nmode: enforce\r\nmx: mx1.{_IDKEPT}\r\nmax_age: 604800\r\n"
).encode()


def _checked_after(lab: Any, previous: tuple[str, str]) -> Any:
    config = lab_config(lab, dkim_selectors=(), mtasts_previous=previous)
    return asyncio.run(check_domain(_IDKEPT, config))


@pytest.mark.lab
def test_a_policy_changed_under_the_same_id_warns(lab: Any) -> None:
    """RFC 8461 §3.1: the id identifies one instance of the policy; §8.1: change the file, then
    the id. The previous check stored (20261101, the digest of the mx1-only file); now mx2 is
    in the file under the same id: checklist MTASTS-09 warns, and its fix is the record with a
    new id."""
    report = _checked_after(lab, ("20261101", hashlib.sha256(_OLD_POLICY).hexdigest()))
    assert {f.id for f in report.findings if f.status == Status.WARN} == {"MTASTS-09"}, describe(
        report
    )
    assert_rows(report, [("MTASTS-09", W, ("_mta-sts." + _IDKEPT, "v=stsv1; id="))])
    (finding,) = [f for f in report.findings if f.id == "MTASTS-09"]
    assert "20261101" not in finding.fix


@pytest.mark.lab
def test_an_id_changed_over_the_same_policy_is_info(lab: Any) -> None:
    """The previous check stored an older id over the very file served now: the id changed,
    the policy did not (checklist MTASTS-09 info: harmless, senders refetch)."""
    scenario = ROUND.scenarios["idkept"]
    (served,) = [f.body for h in scenario.https for f in h.files]
    report = _checked_after(lab, ("20261001", hashlib.sha256(served).hexdigest()))
    assert {f.id for f in report.findings if f.status == Status.WARN} == set(), describe(report)
    assert_rows(report, [("MTASTS-09", INFO, ("_mta-sts." + _IDKEPT,))])
