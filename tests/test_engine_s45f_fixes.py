"""Engine leftovers of s44f (task s45f), each test written first and seen failing on the code
before its mend: when MTASTS-31's stale pattern can go with no policy change suggested, and
what DKIM-04 and DMARC-18 say of a key record whose v=DKIM1 is not its first tag."""

from __future__ import annotations

from typing import Any

import pytest

from checks import dkim, dmarc
from checks.findings import Finding
from tests.blind_engine import run_engine
from tests.test_engine_s27k_blind import rsa_key
from tests.test_engine_s44e_fixes import _one, _spf
from tests.test_mtasts import POLICY, evaluate
from tests.test_spf import published

# --- MTASTS-31: a stale pattern with no policy change suggested says when it can go


@pytest.mark.parametrize(
    ("line", "max_age", "days", "hosts"),
    [
        ("old.example.org", 604800, "7 days", "that host"),
        ("*.oldmail.example", 86400, "1 day", "a host it covers"),
    ],
)
def test_a_stale_pattern_without_a_policy_change_says_when_it_can_go(
    monkeypatch: pytest.MonkeyPatch, line: str, max_age: int, days: str, hosts: str
) -> None:
    # Every MX matches, so no new policy (and no new id) is suggested. The owner still has to
    # know when the old line can go: senders may cache the policy for up to max_age (RFC 8461
    # §3.2, §5.1) and may still hold an MX record naming the old host; the removal changes the
    # file, so it needs a new id (§3.1, MTASTS-09). As hosting does with a departed MX.
    body = POLICY.replace("mx: mx2.example.org", f"mx: mx2.example.org\r\nmx: {line}")
    body = body.replace("max_age: 604800", f"max_age: {max_age}")
    findings = evaluate(monkeypatch, body=body)
    assert str(_one(findings, "MTASTS-30").status) == "pass"
    stale = _one(findings, "MTASTS-31")
    assert str(stale.status) == "info"
    assert stale.subject == line
    words = stale.summary
    assert words.startswith(f"The pattern {line} matches no current MX host (stale entry?). ")
    # When: max_age (days and seconds) after the MX records last named the host(s).
    assert f"max_age ({days}, {max_age} seconds)" in words
    assert f"since the MX records last named {hosts}" in words
    # What: the line out of the file, then a new id in the record.
    assert f"remove the line 'mx: {line}'" in words
    assert "new id" in words and "MTASTS-09" in words
    # No fix: the file offered elsewhere is the one policy of the run (PolicyTarget).
    assert stale.fix == ""


# --- DKIM-04 and DMARC-18: a key record whose v=DKIM1 is not its first tag

D = "ormsby-farriers.com"
KEY = rsa_key(2048)


def _dkim_and_dmarc18(record: str) -> tuple[list[Finding], list[Finding]]:
    zone: dict[Any, Any] = {
        (f"_dmarc.{D}", "TXT"): ["v=DMARC1; p=reject"],
        (f"google._domainkey.{D}", "TXT"): [record],
    }
    dkim_findings = run_engine(dkim, D, zone).findings
    dmarc18 = [f for f in run_engine(dmarc, D, zone).findings if f.id == "DMARC-18"]
    return dkim_findings, dmarc18


def test_v_not_first_fails_dkim04_and_dmarc18_says_which_verifiers_use_the_key() -> None:
    # RFC 6376 §3.6.1: v= "MUST be the first tag"; checklist DKIM-04 fails it. What verifiers
    # do (read, task s45f): OpenDKIM compares the value of v= only (dkim_get_key), dkimpy
    # likewise (evaluate_pk reads the tags into a dict), rspamd reads only p= and k=; a
    # verifier holding to the RFC's letter (a Rust one returns "v= tag not initial") discards
    # it. So the key is usable at most receivers: DMARC-18 still warns (no SPF to fall back
    # on where it is discarded) but must not say no verifier can use it.
    findings, dmarc18 = _dkim_and_dmarc18(f"k=rsa; v=DKIM1; p={KEY}")
    dkim04 = _one(findings, "DKIM-04")
    assert str(dkim04.status) == "fail"
    words = " ".join(dkim04.summary.split())
    assert "receivers reject it elsewhere" not in words
    assert "OpenDKIM, dkimpy and rspamd" in words and "discard" in words, words
    assert "Move v=DKIM1 to the front" in words, words
    (finding,) = dmarc18
    assert str(finding.status) == "warn"
    text = " ".join(finding.summary.split())
    assert "no verifier can use" not in text, text
    assert "no mail from it can pass DMARC" not in text, text
    assert "selector 'google'" in text and "DKIM-04" in text, text
    assert "OpenDKIM, dkimpy and rspamd use its key" in text, text
    assert "at receivers whose verifier discards" in text, text
    assert finding.evidence["dkim_v_not_first"] == [f"google._domainkey.{D}"]
    assert "dkim_unusable" not in finding.evidence
    assert f"google._domainkey.{D}" in finding.fix and "v=DKIM1" in finding.fix, finding.fix


@pytest.mark.parametrize(
    "record",
    [
        f"v=DKIM1.0; k=rsa; p={KEY}",  # another version: discarded by every verifier (§3.6.1)
        "k=rsa; v=DKIM1; p=not*base64!",  # v= not first, and no key either
    ],
    ids=["other-version", "v-not-first-and-no-key"],
)
def test_a_key_no_verifier_uses_is_still_unusable(record: str) -> None:
    _, dmarc18 = _dkim_and_dmarc18(record)
    (finding,) = dmarc18
    text = " ".join(finding.summary.split())
    assert "no verifier can use" in text and "no mail from it can pass DMARC" in text, text
    assert finding.evidence["dkim_unusable"] == [f"google._domainkey.{D}"]
    assert "dkim_v_not_first" not in finding.evidence


# --- One corrected SPF record across SPF-05/06/07/08 (and SPF-09/10 built on it)

SPF_D = "example.com"
SPF_MX = ["10 mx.example.com."]
SPF_BASE: dict[Any, Any] = {("mx.example.com", "A"): ["192.0.2.1"]}
PROVIDERS = {(f"p{i}.example.net", "TXT"): [f"v=spf1 ip4:198.51.100.{i} ~all"] for i in range(9)}
BIG_MX = {
    ("big.example.com", "MX"): [f"{i} h{i}.example.com." for i in range(11)],
    **{(f"h{i}.example.com", "A"): [f"192.0.2.{50 + i}"] for i in range(11)},
}
MAIL_A = {("mail.example.com", "A"): ["192.0.2.3"]}
EIGHT = " ".join(f"include:p{i}.example.net" for i in range(9))


def _record_of(finding: Finding) -> str:
    return published(finding.fix)[1] if finding.fix else ""


@pytest.mark.parametrize(
    ("record", "more", "ids", "meant"),
    [
        # SPF-06 fail (three names gone) and SPF-08 (an include of a name without SPF): each
        # vetted its own record, found the other's error and offered none.
        (
            "v=spf1 a:old1.example.com a:old2.example.com a:old3.example.com ip4:192.0.2.7 "
            "include:gone.example.org -all",
            {},
            {"SPF-06", "SPF-08"},
            "v=spf1 ip4:192.0.2.7 -all",
        ),
        # SPF-06 warn (one name gone): SPF-08 offered its record with the stale name kept,
        # SPF-06 none; applied in turn they disagreed.
        (
            "v=spf1 a:old1.example.com ip4:192.0.2.7 include:gone.example.org -all",
            {},
            {"SPF-06", "SPF-08"},
            "v=spf1 ip4:192.0.2.7 -all",
        ),
        # SPF-07 (an 'mx' with 11 hosts) and SPF-08.
        (
            "v=spf1 mx:big.example.com ip4:192.0.2.7 include:gone.example.org -all",
            BIG_MX,
            {"SPF-07", "SPF-08"},
            "v=spf1 "
            + " ".join(f"ip4:192.0.2.{50 + i}" for i in range(11))
            + " ip4:192.0.2.7 -all",
        ),
        # SPF-05 (12 lookups, two of them copies) and SPF-08.
        (
            f"v=spf1 {EIGHT} include:p0.example.net include:p1.example.net "
            "include:gone.example.org -all",
            PROVIDERS,
            {"SPF-05", "SPF-08"},
            f"v=spf1 {EIGHT} -all",
        ),
        # 13 lookups: without its two copies the record is still over the limit (SPF-05
        # offered no record); with SPF-08's repair too it is within it.
        (
            f"v=spf1 {EIGHT} include:p9.example.net include:p0.example.net "
            "include:p1.example.net include:gone.example.org -all",
            {**PROVIDERS, ("p9.example.net", "TXT"): ["v=spf1 ip4:198.51.100.9 ~all"]},
            {"SPF-05", "SPF-08"},
            f"v=spf1 {EIGHT} include:p9.example.net -all",
        ),
        # SPF-11 ('ptr:<host>' written 'a:<host>') quotes a whole record too: beside SPF-08 it
        # quoted one still including the name without SPF (a permanent error), and SPF-08 one
        # keeping the ptr.
        (
            "v=spf1 ptr:mail.example.com ip4:192.0.2.7 include:gone.example.org -all",
            MAIL_A,
            {"SPF-08", "SPF-11"},
            "v=spf1 a:mail.example.com ip4:192.0.2.7 -all",
        ),
        # ... and beside SPF-06's warning each kept what the other changes.
        (
            "v=spf1 ptr:mail.example.com a:old1.example.com ip4:192.0.2.7 -all",
            MAIL_A,
            {"SPF-06", "SPF-11"},
            "v=spf1 a:mail.example.com ip4:192.0.2.7 -all",
        ),
    ],
    ids=[
        "spf06-fail",
        "spf06-warn",
        "spf07",
        "spf05-copies",
        "spf05-copies-not-enough",
        "spf11-spf08",
        "spf11-spf06",
    ],
)
def test_every_spf_fix_quotes_the_one_corrected_record(
    record: str, more: dict[Any, Any], ids: set[str], meant: str
) -> None:
    # Checklist §4: SPF-05 (lookup limit), SPF-06 (void lookups), SPF-07 (mx fan-out) and
    # SPF-08 (include of a name without SPF) are each a permanent error (RFC 7208 §4.6.4,
    # §5.2). A fix that quotes a whole record quotes the one with every repair that applies,
    # as SPF-09 and SPF-10 build on SPF-08's since s44f: applied in turn, they agree.
    findings = _spf(SPF_D, record, SPF_MX, {**SPF_BASE, **more})
    quoted = {f.id: _record_of(f) for f in findings if f.id in ids}
    assert set(quoted) == ids, [(f.id, str(f.status)) for f in findings]
    assert set(quoted.values()) == {meant}, quoted
    # Each says the record also makes the other repairs, naming their checks.
    for finding in findings:
        if finding.id in ids:
            others = ids - {finding.id}
            assert all(o in finding.summary for o in others), finding.summary
    # SPF-05 with a record to offer gives it, not the advice for a record it cannot repair.
    if "SPF-05" in ids:
        assert "Replace includes" not in _one(findings, "SPF-05").summary


def test_spf09_builds_on_the_one_corrected_record() -> None:
    # '?all' (SPF-09 warn) on a record that SPF-06 and SPF-08 both fail: SPF-09's record is
    # the corrected one ending in '-all', and it says what the others change.
    findings = _spf(
        SPF_D,
        "v=spf1 a:old1.example.com ip4:192.0.2.7 include:gone.example.org ?all",
        SPF_MX,
        SPF_BASE,
    )
    spf09 = _one(findings, "SPF-09")
    assert str(spf09.status) == "warn"
    assert _record_of(spf09) == "v=spf1 ip4:192.0.2.7 -all"
    assert "SPF-06" in spf09.summary and "SPF-08" in spf09.summary
    assert _record_of(_one(findings, "SPF-08")) == "v=spf1 ip4:192.0.2.7 ?all"
    assert _record_of(_one(findings, "SPF-06")) == "v=spf1 ip4:192.0.2.7 ?all"


def test_spf09_builds_on_a_repair_without_a_permanent_error() -> None:
    # SPF-06's warning (one name gone) is no permanent error, so SPF-09 met none and built its
    # record on the owner's as written: 'v=spf1 a:old1.example.com ip4:192.0.2.7 -all' beside
    # SPF-06's 'v=spf1 ip4:192.0.2.7 ?all'. It now starts from SPF-06's record.
    findings = _spf(SPF_D, "v=spf1 a:old1.example.com ip4:192.0.2.7 ?all", SPF_MX, SPF_BASE)
    spf09 = _one(findings, "SPF-09")
    assert str(spf09.status) == "warn"
    assert _record_of(_one(findings, "SPF-06")) == "v=spf1 ip4:192.0.2.7 ?all"
    assert _record_of(spf09) == "v=spf1 ip4:192.0.2.7 -all"
    assert "SPF-06" in spf09.summary and "permanent error" not in spf09.summary


def test_spf11_quotes_no_record_that_still_fails() -> None:
    # A permanent error no repair of the owner's record cures (a provider's record with a
    # syntax error, RFC 7208 §5.2): SPF-11's record ('a:' for 'ptr:') kept it and still failed.
    zone = {**SPF_BASE, **MAIL_A, ("bad.example.net", "TXT"): ["v=spf1 ip4:192.0.2.300 -all"]}
    findings = _spf(SPF_D, "v=spf1 ptr:mail.example.com include:bad.example.net -all", SPF_MX, zone)
    spf11 = _one(findings, "SPF-11")
    assert spf11.fix == ""
    assert "With 'a:' in its place, it would include bad.example.net" in spf11.summary


def test_spf05_quotes_the_record_that_brings_it_within_the_limit() -> None:
    # 11 lookups, one of them an include of a name without SPF (checklist SPF-05 and SPF-08):
    # SPF-08's record, without that include, needs 10. SPF-05 offered none and asked to
    # 'Replace includes with ip4/ip6 ranges or drop senders you no longer use'.
    ten = " ".join(f"include:p{i}.example.net" for i in range(10))
    zone = {**SPF_BASE, **PROVIDERS, ("p9.example.net", "TXT"): ["v=spf1 ip4:198.51.100.9 ~all"]}
    findings = _spf(SPF_D, f"v=spf1 {ten} include:gone.example.org -all", SPF_MX, zone)
    spf05, spf08 = _one(findings, "SPF-05"), _one(findings, "SPF-08")
    assert str(spf05.status) == "fail"
    assert _record_of(spf05) == _record_of(spf08) == f"v=spf1 {ten} -all"
    assert "SPF-08" in spf05.summary and "within the limit" in spf05.summary
    assert "Replace includes" not in spf05.summary
