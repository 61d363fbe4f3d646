"""DMARC-19 and DMARC-08 (invalid pct) beside t=y say what the record they offer does (s47h).

Follow-ups of s47g (tests/test_engine_s47g_dmarc08_trial_words.py). With t=y in the record,
DMARC-09 fires too and the one record every DMARC finding offers (RecordRepairs) leaves out
both pct and t=y. DMARC-19 still said "Publish an explicit record without pct so both agree":
without pct alone RFC 9989 receivers go on testing under t=y (RFC 9989 §4.7) while RFC 7489
receivers enforce, so the two views part again. DMARC-08 for an invalid pct said "Delete the
tag (the record suggested)", while that record also ends the t=y trial. t=y is valid in RFC
9989: deleting the invalid pct alone changes what no receiver applies (RFC 7489 §6.3 reads
100, RFC 9989 ignores pct), so the words say so, and that the record offered ends the trial
too (DMARC-09's advice; one record for every finding, tests/test_fix_texts.py). Statuses stay.
"""

from __future__ import annotations

from checks import dmarc
from checks.findings import Finding, Status
from tests.blind_engine import run_engine
from tests.test_engine_s47b_fixes import RUA, D, zone


def finding(record: str, check_id: str) -> Finding:
    [found] = [f for f in run_engine(dmarc, D, zone(record)).findings if f.id == check_id]
    return found


def offered(found: Finding) -> str:
    line = found.fix.splitlines()[0]
    return line.split(" TXT ", 1)[1].strip('"')


def test_dmarc19_beside_t_y_says_both_go() -> None:
    for policy, pct in (("reject", 50), ("quarantine", 1), ("quarantine", 99)):
        found = finding(f"v=DMARC1; p={policy}; pct={pct}; t=y; {RUA}", "DMARC-19")
        assert found.status == Status.WARN
        assert offered(found) == f"v=DMARC1; p={policy}; {RUA}", found.fix
        assert "without pct so both agree" not in found.summary, found.summary
        assert "without pct and t=y" in found.summary, found.summary
        assert "RFC 9989 receivers would go on testing" in found.summary, found.summary


def test_dmarc19_without_t_y_is_unchanged() -> None:
    found = finding(f"v=DMARC1; p=reject; pct=50; {RUA}", "DMARC-19")
    assert found.status == Status.WARN
    assert found.summary.endswith("Publish an explicit record without pct so both agree.")


def test_dmarc19_without_a_record_offered() -> None:
    # A name that does not exist below np=: RFC 7489 receivers apply sp (here p), RFC 9989 ones
    # np, whatever pct and t say: no record without them makes them agree, none is offered.
    # The words say so and what does (s47l, tests/test_engine_s47l_dmarc19_np_words.py).
    sub = "shop.example.com"
    z = {
        ("example.com", "MX"): ["10 mx1.example.com."],
        ("mx1.example.com", "A"): ["192.0.2.25"],
        ("_dmarc.example.com", "TXT"): [
            "v=DMARC1; p=reject; np=quarantine; pct=0; t=y; rua=mailto:d@example.com"
        ],
    }
    [found] = [f for f in run_engine(dmarc, sub, z).findings if f.id == "DMARC-19"]
    assert found.status == Status.WARN and not found.fix
    assert "without pct so both agree" not in found.summary, found.summary
    assert "Leaving out pct and t=y does not make them agree." in found.summary, found.summary


def test_dmarc08_invalid_pct_beside_t_y_says_the_record_ends_the_trial() -> None:
    for record, now in (
        (f"v=DMARC1; p=quarantine; pct=abc; t=y; {RUA}", "p=quarantine"),
        (f"v=DMARC1; p=reject; pct=150; t=y; {RUA}", "p=reject"),
        (f"v=DMARC1; p=reject; pct=50%; t=y; {RUA}", "p=reject"),
    ):
        found = finding(record, "DMARC-08")
        assert found.status == Status.FAIL
        assert offered(found) == f"v=DMARC1; {now}; {RUA}", found.fix
        assert "Delete the tag (the record suggested)" not in found.summary, found.summary
        assert "changes what no receiver applies" in found.summary, found.summary
        assert "also leaves out t=y" in found.summary, found.summary
        assert "ending the trial" in found.summary, found.summary
        # t=y is there already: no advice to use it for a trial.
        assert "RFC 9989 has t=y" not in found.summary, found.summary


def test_dmarc08_invalid_pct_beside_t_y_under_p_none() -> None:
    found = finding(f"v=DMARC1; p=none; pct=abc; t=y; {RUA}", "DMARC-08")
    assert "also leaves out t=y" in found.summary, found.summary
    # Under p=none t=y changes nothing: no trial ends.
    assert "ending the trial" not in found.summary, found.summary


def test_dmarc08_invalid_pct_without_t_y_is_unchanged() -> None:
    found = finding(f"v=DMARC1; p=reject; pct=150; {RUA}", "DMARC-08")
    assert found.summary.endswith("Delete the tag (the record suggested).")
    found = finding(f"v=DMARC1; p=reject; pct=50%; {RUA}", "DMARC-08")
    assert found.summary.endswith("for a trial run, RFC 9989 has t=y (the next weaker policy).")
