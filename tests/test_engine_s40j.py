"""Engine faults the s40j blind round (BIMI as brands publish it, tests/test_lab_s40j_blind.py)
found: a BIMI record whose 'v=BIMI1' tag is there, exactly, but not first."""

from __future__ import annotations

from checks.findings import Status
from tests.test_bimi import CERT, LOGO, bimi_run, flagged
from tests.test_spf import statuses


def _bimi02(record: str) -> tuple[str, str]:
    found = bimi_run(record)
    assert flagged(found)["fail"] == {"BIMI-02"}
    (finding,) = [f for f in found if f.id == "BIMI-02"]
    return finding.summary, finding.fix


def test_a_version_tag_written_last_is_named_and_the_record_offered_with_it_first() -> None:
    # The draft: v= "MUST be the first tag in the list"; receivers discard the record, and
    # must not fix it. The record meant is plain to see: the same tags, v=BIMI1 first.
    summary, fix = _bimi02(f"l={LOGO}; a={CERT}; v=BIMI1")
    assert "first tag" in summary
    assert fix == f'default._bimi.example.com. TXT "v=BIMI1; l={LOGO}; a={CERT}"'
    # The record offered passes BIMI-02 itself.
    assert statuses(bimi_run(f"v=BIMI1; l={LOGO}; a={CERT}"), "BIMI-02") == [Status.PASS]


def test_a_version_tag_in_the_middle_keeps_every_other_tag_in_its_order() -> None:
    summary, fix = _bimi02(f"l={LOGO}; v=BIMI1; a={CERT}; avp=brand;")
    assert "first tag" in summary
    assert fix == f'default._bimi.example.com. TXT "v=BIMI1; l={LOGO}; a={CERT}; avp=brand"'


def test_another_version_later_in_the_record_is_not_guessed() -> None:
    # 'v=bimi1' later is two faults at once (place and case): not ours to rewrite.
    summary, fix = _bimi02(f"l={LOGO}; a={CERT}; v=bimi1")
    assert fix == "" and "first tag" not in summary
    # Nor is a record with other faults beside the misplaced tag (a part without '=').
    summary, fix = _bimi02(f"l={LOGO}; junk; v=BIMI1")
    assert fix == ""


def test_a_record_with_two_version_tags_is_not_offered_with_both() -> None:
    # Review s40t: 'V=BIMI1; l=…; v=BIMI1' came back as 'v=BIMI1; l=…; v=BIMI1' (the
    # capitalised first tag retyped, the later exact one kept): a record BIMI-02 fails again.
    # Which of the two was meant is not ours to guess.
    for record in (f"V=BIMI1; l={LOGO}; v=BIMI1", f"l={LOGO}; V=BIMI1; v=BIMI1"):
        _, fix = _bimi02(record)
        assert fix == "", (record, fix)
