"""DMARC-08's words about pct beside t=y say what the record it offers does (s47g).

With t=y in the record, DMARC-09 fires too and the one record every DMARC finding offers
(RecordRepairs) leaves out both trial tags; with pct=0 it also writes the policy both views
apply now (_trial_hold: 'p=quarantine; pct=0; t=y' is none everywhere). DMARC-08 still said
"Remove pct.": removing pct alone has RFC 7489 receivers apply the written policy to all
failing mail (RFC 7489 §6.6.4) while RFC 9989 receivers go on testing under t=y (§4.7), so the
two views part. It now says to remove both, and names the policy the record writes when it
holds one. Without t=y the words and the record stay as they were.
"""

from __future__ import annotations

from checks import dmarc
from checks.findings import Finding
from tests.blind_engine import run_engine
from tests.test_engine_s47b_fixes import RUA, D, zone


def dmarc08(record: str) -> Finding:
    [found] = [f for f in run_engine(dmarc, D, zone(record)).findings if f.id == "DMARC-08"]
    return found


def offered(found: Finding) -> str:
    line = found.fix.splitlines()[0]
    return line.split(" TXT ", 1)[1].strip('"')


def test_pct_0_beside_t_y_says_both_go_and_the_policy_written() -> None:
    for written, now in (("quarantine", "none"), ("reject", "quarantine")):
        found = dmarc08(f"v=DMARC1; p={written}; pct=0; t=y; {RUA}")
        assert offered(found) == f"v=DMARC1; p={now}; {RUA}", found.fix
        assert not found.summary.endswith("Remove pct."), found.summary
        assert "Remove pct and t=y together" in found.summary, found.summary
        assert f"write p={now}, what receivers apply now" in found.summary, found.summary
        assert "removing pct alone" in found.summary


def test_pct_50_beside_t_y_says_both_go() -> None:
    found = dmarc08(f"v=DMARC1; p=reject; pct=50; t=y; {RUA}")
    assert offered(found) == f"v=DMARC1; p=reject; {RUA}"
    assert "Remove pct and t=y together" in found.summary, found.summary
    # No policy is held: the record enforces what is written (its fix says so).
    assert "what receivers apply now" not in found.summary
    assert "This record also leaves out t=y, ending the trial" in found.fix


def test_pct_beside_t_y_under_p_none_says_both_go() -> None:
    found = dmarc08(f"v=DMARC1; p=none; pct=0; t=y; {RUA}")
    assert offered(found) == f"v=DMARC1; p=none; {RUA}"
    assert "Remove pct and t=y together" in found.summary, found.summary
    # Under p=none neither tag changes what anyone applies: nothing parts.
    assert "removing pct alone" not in found.summary


def test_sp_held_under_pct_0_and_t_y_is_named() -> None:
    found = dmarc08(f"v=DMARC1; p=none; sp=quarantine; pct=0; t=y; {RUA}")
    assert offered(found) == f"v=DMARC1; p=none; sp=none; {RUA}", found.fix
    assert "write sp=none, what receivers apply now" in found.summary, found.summary


def test_without_t_y_the_words_stay() -> None:
    for record in (
        f"v=DMARC1; p=quarantine; pct=0; {RUA}",
        f"v=DMARC1; p=reject; pct=50; t=n; {RUA}",
    ):
        found = dmarc08(record)
        assert found.summary.endswith("Remove pct (use t=y for a trial run)."), found.summary
        assert "pct=" not in offered(found)
