"""Review of 21ce0b1 (DMARC-12: a report address cut off from rua by ';') and 738e55f
(DMARC-17: a repeated tag, the weaker of two policies counted).

- Only an element that is a report address (mailto:, https:, a bare mailbox) is a stray of
  the rua/ruf tag just before it. A mistyped tag after rua ('p:reject') was taken for one: it
  read "'p:reject' is not one of the rua addresses … list every address in the one rua tag",
  with no DMARC-17, and the repaired record silently dropped it.
- A repeated p, sp or np with one invalid value counted the valid one ('p=reject; p=rejectt'
  passed DMARC-05 as reject); receivers that read the invalid one act on the record as on any
  with an invalid policy (RFC 7489 §6.6.3 step 6, RFC 9989 §4.10.1).
"""

from __future__ import annotations

import pytest

from checks import dmarc
from checks.findings import Finding, Status
from tests.test_dmarc_s8_records import D, findings, policy
from tests.test_spf import published

RUA = "rua=mailto:a@example.com"


def of(found: list[Finding], check_id: str) -> list[Finding]:
    return [f for f in found if f.id == check_id]


# ---- DMARC-12 / DMARC-17: what after rua is a stray report address --------------------------


@pytest.mark.parametrize(
    ("element", "written"),
    [
        ("p:reject", "p=reject"),
        ("fo:1", "fo=1"),
        ("adkim:s", "adkim=s"),
        ("ASPF : r", "aspf=r"),
        ("rua:mailto:b@example.com", "rua=mailto:b@example.com"),
    ],
)
def test_a_tag_written_with_a_colon_after_rua_is_a_syntax_error_not_a_report_address(
    element: str, written: str
) -> None:
    record = f"v=DMARC1; p=none; {RUA}; {element}"
    assert dmarc.parse_dmarc(record).strays == {}
    found = findings(record)
    # The rua tag is fine: its one address is valid, and nothing was cut off from it.
    assert [f.status for f in of(found, "DMARC-12")] == [Status.PASS]
    (dmarc17,) = of(found, "DMARC-17")
    assert dmarc17.status == Status.WARN
    assert dmarc17.summary.startswith(f"'{element}' is not a 'tag=value' pair")
    assert f"joined by '=' ({written})" in dmarc17.summary
    assert "report address" not in dmarc17.summary


def test_report_addresses_of_every_form_after_rua_are_still_strays() -> None:
    record = (
        f"v=DMARC1; p=reject; {RUA}; MAILTO:b@example.com; c@example.com!10m; "
        "https://reports.example.com/dmarc"
    )
    parsed = dmarc.parse_dmarc(record)
    assert parsed.strays == {
        "rua": ["MAILTO:b@example.com", "c@example.com!10m", "https://reports.example.com/dmarc"]
    }
    found = findings(record)
    assert [f.status for f in of(found, "DMARC-12")] == [Status.WARN] * 3
    assert not of(found, "DMARC-17")


@pytest.mark.parametrize(
    "between",
    ["junk", "adkim=s", "p=reject"],  # the last a repeated tag (p is already given)
)
def test_an_address_after_anything_else_than_rua_or_its_strays_is_not_given_to_rua(
    between: str,
) -> None:
    # 'rua=…; junk; mailto:b@…': nothing says the address was meant for rua rather than for
    # ruf or nothing; it was taken as a cut-off rua address because the last tag seen was
    # still rua (a repeated tag did not count as seen either), and the repaired record
    # added it to rua. Now DMARC-17 names it as the stray element it is, without a guess.
    record = f"v=DMARC1; p=reject; {RUA}; {between}; mailto:b@example.com"
    assert dmarc.parse_dmarc(record).strays == {}
    found = findings(record)
    assert [f.status for f in of(found, "DMARC-12")] == [Status.PASS]
    summaries = [f.summary for f in of(found, "DMARC-17")]
    assert any(
        s.startswith("'mailto:b@example.com' is not a 'tag=value' pair")
        and "separated by ',' not ';'" in s
        for s in summaries
    ), summaries


def test_a_run_of_addresses_after_rua_all_belong_to_it() -> None:
    record = f"v=DMARC1; p=reject; {RUA}; mailto:b@example.com; mailto:c@example.com"
    found = findings(record)
    warns = of(found, "DMARC-12")
    assert [f.status for f in warns] == [Status.WARN, Status.WARN]
    assert published(warns[0].fix)[1] == (
        "v=DMARC1; p=reject; rua=mailto:a@example.com,mailto:b@example.com,mailto:c@example.com"
    )


# ---- DMARC-05 / DMARC-17: a repeated policy tag with an invalid value -----------------------


@pytest.mark.parametrize(
    "record",
    [
        f"v=DMARC1; p=reject; p=rejectt; {RUA}",
        f"v=DMARC1; p=rejectt; p=reject; {RUA}",
        f"v=DMARC1; p=reject; {RUA}; p=rejectt",
    ],
)
def test_a_repeated_p_with_an_invalid_value_and_a_valid_rua_counts_as_none(record: str) -> None:
    # OpenDMARC keeps the last p: 'p=reject; p=rejectt' is an invalid p to it, and with a
    # valid rua such a record acts as p=none (RFC 7489 §6.6.3 step 6, RFC 9989 §4.10.1).
    # It passed DMARC-05 as "The policy is p=reject".
    applied = policy(D, {(f"_dmarc.{D}", "TXT"): [record]})
    assert (applied.effective_7489, applied.effective_9989) == ("none", "none")
    found = findings(record)
    (dmarc05,) = of(found, "DMARC-05")
    assert dmarc05.status == Status.FAIL
    assert "p=rejectt is not a valid policy" in dmarc05.summary
    assert "receivers that read it rather than p=reject treat the record as p=none" in (
        dmarc05.summary
    )
    (dmarc17,) = of(found, "DMARC-17")
    assert "act as if the record were p=none" in dmarc17.summary
    assert "this check counts the record so" in dmarc17.summary
    # Both fixes publish the one policy the owner wrote validly, once.
    fixed = f"v=DMARC1; p=reject; {RUA}"
    assert published(dmarc05.fix)[1] == published(dmarc17.fix)[1] == fixed


def test_a_repeated_p_with_an_invalid_value_and_no_rua_gives_no_dmarc() -> None:
    record = "v=DMARC1; p=reject; p=rejectt"
    applied = policy(D, {(f"_dmarc.{D}", "TXT"): [record]})
    assert (applied.effective_7489, applied.effective_9989) == (None, None)
    found = findings(record)
    (dmarc05,) = of(found, "DMARC-05")
    assert dmarc05.status == Status.FAIL
    assert "ignore the whole record" in dmarc05.summary
    (dmarc17,) = of(found, "DMARC-17")
    assert "apply no DMARC at all" in dmarc17.summary
    assert published(dmarc17.fix)[1] == "v=DMARC1; p=reject"


def test_a_repeated_sp_with_an_invalid_value_spoils_the_record_too() -> None:
    record = f"v=DMARC1; p=reject; sp=quarantine; {RUA}; sp=quarantin"
    applied = policy(D, {(f"_dmarc.{D}", "TXT"): [record]})
    assert (applied.effective_7489, applied.effective_9989) == ("none", "none")
    found = findings(record)
    assert any(
        f.status == Status.FAIL and "sp=quarantin is not a valid policy" in f.summary
        for f in of(found, "DMARC-05")
    )
    (dmarc17,) = of(found, "DMARC-17")
    assert published(dmarc17.fix)[1] == f"v=DMARC1; p=reject; sp=quarantine; {RUA}"


def test_two_valid_policies_still_count_as_the_weaker() -> None:
    # 738e55f's rule for two valid values is unchanged.
    found = findings(f"v=DMARC1; p=reject; {RUA}; p=quarantine")
    (dmarc17,) = of(found, "DMARC-17")
    assert "counts the weaker one, p=quarantine" in dmarc17.summary
    assert dmarc17.summary.endswith("Keep one 'p' tag.")
