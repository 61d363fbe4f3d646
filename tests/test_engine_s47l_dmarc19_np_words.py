"""DMARC-19 for a name that does not exist, below a record whose np= is not its sp= (s47l).

RFC 9989 receivers apply np to a name that does not exist (RFC 9989 §4.7); RFC 7489 has no np
and its receivers apply sp, or p without one, to every subdomain (RFC 7489 §6.3). Whatever
pct and t say, the two views then part, and DMARC-19 offers no record (which policy those
names get is the owner's to say). It still said "Publish an explicit record without pct so
both agree" (left by s47h, tests/test_engine_s47h_dmarc_trial_words.py): no record without
pct makes them agree. It now says what each kind applies, that leaving out pct (and t=y) does
not make them agree, and what does: sp= and np= saying the same. Status stays warn.
"""

from __future__ import annotations

from typing import Any

from checks import dmarc
from checks.findings import Finding, Status
from tests.blind_engine import run_engine

SUB = "shop.example.com"
RUA = "rua=mailto:d@example.com"


def dmarc19(record: str, name: str = SUB) -> Finding:
    zone: dict[Any, Any] = {
        ("example.com", "MX"): ["10 mx1.example.com."],
        ("mx1.example.com", "A"): ["192.0.2.25"],
        ("_dmarc.example.com", "TXT"): [record],
    }
    [found] = [f for f in run_engine(dmarc, name, zone).findings if f.id == "DMARC-19"]
    return found


def test_np_beside_pct_and_t_y_says_what_makes_them_agree() -> None:
    found = dmarc19(f"v=DMARC1; p=reject; np=quarantine; pct=0; t=y; {RUA}")
    assert found.status == Status.WARN and not found.fix
    text = found.summary
    assert "without pct so both agree" not in text, text
    assert (
        "RFC 9989 receivers apply np=quarantine to names below example.com that do not exist"
        in text
    )
    assert "apply p=reject (the record has no sp=) to every subdomain, existing or not" in text
    assert "Leaving out pct and t=y does not make them agree." in text, text
    assert "sp= and np= say the same: sp=quarantine" in text, text
    assert "or no np= (shop.example.com then gets reject from both)" in text, text
    assert text.endswith("in a record without pct and t=y."), text


def test_np_beside_pct_and_sp() -> None:
    found = dmarc19(f"v=DMARC1; p=reject; sp=none; np=quarantine; pct=50; {RUA}")
    assert found.status == Status.WARN and not found.fix
    text = found.summary
    assert "without pct so both agree" not in text, text
    assert "apply sp=none to every subdomain" in text, text
    assert "Leaving out pct does not make them agree." in text, text
    assert "(shop.example.com then gets none from both), in a record without pct." in text


def test_np_without_pct() -> None:
    found = dmarc19(f"v=DMARC1; p=reject; np=quarantine; {RUA}")
    assert found.status == Status.WARN and not found.fix
    assert "Correct the record so both read it alike" not in found.summary, found.summary
    assert "Leaving out" not in found.summary, found.summary
    assert found.summary.endswith("(shop.example.com then gets reject from both)."), found.summary


def test_np_equal_to_sp_is_pct_alone() -> None:
    # np= says what sp= says: pct alone parts the views, and its record is offered.
    found = dmarc19(f"v=DMARC1; p=reject; sp=quarantine; np=quarantine; pct=50; {RUA}")
    assert found.fix, found
    assert "does not exist" not in found.summary, found.summary


def test_an_existing_subdomain_gets_sp_in_both_views() -> None:
    # A name that exists: np= applies to none, so the words stay those of pct.
    zone: dict[Any, Any] = {
        ("example.com", "MX"): ["10 mx1.example.com."],
        ("mx1.example.com", "A"): ["192.0.2.25"],
        (SUB, "MX"): ["10 mx1.example.com."],
        ("_dmarc.example.com", "TXT"): [f"v=DMARC1; p=reject; np=quarantine; pct=50; {RUA}"],
    }
    [found] = [f for f in run_engine(dmarc, SUB, zone).findings if f.id == "DMARC-19"]
    assert "does not exist" not in found.summary, found.summary
