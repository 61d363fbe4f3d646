"""Round s28n: a BIMI record with a tag given twice, and two BIMI records at one name.

The draft's Assertion Record follows DKIM's tag-value syntax, and RFC 6376 §3.2 makes a tag
list with a repeated tag name invalid as a whole (receivers "MUST NOT attempt to fix
syntactical ... errors"). BIMI-02 failed such a record, yet the findings after it judged the
first value of the tag as if the record applied (a logo URL passing, a fetched logo). Now the
findings end at that verdict, and a repetition with one value offers the record with it once.

Two records at one name end discovery (draft "Assertion Record Discovery", step 7): BIMI-02
failed with no fix; now the fix is the one record to keep when that is certain (copies of one
record, or only one a receiver could use)."""

from __future__ import annotations

from checks.findings import Status
from tests.test_bimi import CERT, LOGO, bimi_run
from tests.test_spf import published

D = "example.com"
NAME = f"default._bimi.{D}"
OTHER_LOGO = "https://bimi.example.com/new.svg"


def test_a_tag_given_twice_with_two_values_ends_at_the_verdict() -> None:
    found = bimi_run(f"v=BIMI1; l={LOGO}; l={OTHER_LOGO}; a={CERT}")
    [verdict] = [f for f in found if f.id == "BIMI-02"]
    assert verdict.status == Status.FAIL
    assert "more than once" in verdict.summary
    # Both values are named, and no value of the repeated tag is judged as if it applied.
    assert LOGO in verdict.summary and OTHER_LOGO in verdict.summary
    assert {f.id for f in found} <= {"BIMI-01", "BIMI-02"}
    assert verdict.fix == ""  # which logo is meant is the owner's to say


def test_a_tag_given_twice_with_one_value_is_offered_once() -> None:
    found = bimi_run(f"v=BIMI1; l={LOGO}; a={CERT}; l={LOGO}")
    [verdict] = [f for f in found if f.id == "BIMI-02"]
    assert verdict.status == Status.FAIL
    assert {f.id for f in found} <= {"BIMI-01", "BIMI-02"}
    assert published(verdict.fix) == (NAME, f"v=BIMI1; l={LOGO}; a={CERT}")


def test_two_copies_of_one_record_offer_that_record() -> None:
    record = f"v=BIMI1; l={LOGO}; a={CERT}"
    found = bimi_run([record, record])
    [verdict] = [f for f in found if f.id == "BIMI-02"]
    assert verdict.status == Status.FAIL
    assert published(verdict.fix) == (NAME, record)


def test_two_records_of_which_one_is_usable_offer_that_one() -> None:
    good = f"v=BIMI1; l={LOGO}; a={CERT}"
    found = bimi_run(["v=BIMI1; l=http://bimi.example.com/logo.svg", good])
    [verdict] = [f for f in found if f.id == "BIMI-02"]
    assert verdict.status == Status.FAIL
    [line] = [line for line in verdict.fix.splitlines() if ". TXT " in line]
    assert published(line) == (NAME, good)
    assert "delete the others" in verdict.fix


def test_two_usable_records_are_both_offered_to_choose_from() -> None:
    one, two = f"v=BIMI1; l={LOGO}; a={CERT}", f"v=BIMI1; l={OTHER_LOGO}; a={CERT}"
    found = bimi_run([one, two])
    [verdict] = [f for f in found if f.id == "BIMI-02"]
    assert verdict.status == Status.FAIL
    lines = [line for line in verdict.fix.splitlines() if ". TXT " in line]
    assert [published(line) for line in lines] == [(NAME, one), (NAME, two)]
    assert "one of" in verdict.fix
