"""Task s42l: two MTA-STS record wordings.

1. MTASTS-04 for the STSv1 record without its ';' ('v=STSv1 id=1', 'v=STSv1,id=1') said "its
   version field, first as it must be, is 'v=STSv1 id=1', and STSv1 is the only version
   defined": it is STSv1, and no version field is 'v=STSv1 id=1'. RFC 8461 §3.1's grammar is
   `sts-version 1*(sts-field-delim sts-field)` with `sts-field-delim = *WSP ";" *WSP`: the
   version must be followed by ';'. It now says so, quoting the record.
2. At a null-MX domain (RFC 7505 §3) MTASTS-01 (na) names a left-over `_mta-sts` record for
   deletion, as it does for a valid 'v=STSv1' one: a 'v=STSv10' record was named, a 'v=STSv2'
   one was not, though since f8f4f059 both are records of a version senders do not know and
   discard (RFC 8461 §3.1). Both are now named, with the version no sender knows."""

from __future__ import annotations

import pytest

from checks.findings import Finding, Status
from checks.mtasts import parse_sts_record
from tests.test_engine_s32t_blind import policy_file, policy_text
from tests.test_engine_s33e import DOMAIN, _mtasts01, _run, _zone
from tests.test_engine_s34f import _null_mx

NAME = f"_mta-sts.{DOMAIN}"


def _mtasts04(text: str) -> str:
    (problem,) = [p for p in parse_sts_record(text).problems if p.check_id == "MTASTS-04"]
    assert problem.status == Status.FAIL
    return problem.message


# 1. No ';' after "v=STSv1".

NO_DELIMITER = [
    "v=STSv1 id=20261201",
    "v=STSv1\tid=20261201",
    "v=STSv1,id=20261201",
    "v=STSv1 id=20261201; x=2",
]


@pytest.mark.parametrize("record", NO_DELIMITER)
def test_s42l_no_semicolon_after_the_version_is_said_plainly(record: str) -> None:
    message = _mtasts04(record)
    assert "version field" not in message, message
    assert "only version defined" not in message, message
    assert f'The record {record!r} does not begin with "v=STSv1;"' in message, message
    assert '"v=STSv1" must be followed by ";"' in message, message
    assert "(RFC 8461 §3.1)" in message and message.endswith("so senders discard it."), message


def test_s42l_the_engine_and_hosting_tell_the_same_words() -> None:
    from tests.test_s42v_sts_version import _hosting, _mtasts

    record = "v=STSv1 id=20261201"
    found = _mtasts([record])
    assert [f.status for f in found["MTASTS-01"]] == [Status.PASS]  # as before
    (bad,) = found["MTASTS-04"]
    assert bad.status == Status.FAIL  # as before
    assert bad.summary.startswith(_mtasts04(record)), bad.summary
    state = _hosting(record.replace("20261201", "x"))
    assert state.state == "invalid"
    assert '"v=STSv1" must be followed by ";"' in state.detail, state.detail


@pytest.mark.parametrize(
    ("record", "words"),
    [
        # Another version keeps its words (s41m, s42b).
        ("v=STSv10; id=1", "its version field, first as it must be, is 'v=STSv10'"),
        ("v=STSv2; id=1", "its version field, first as it must be, is 'v=STSv2'"),
        # Without its ';' another version is named as the version field, not the whole
        # first field (it read "is 'v=STSv1x id=1'").
        ("v=STSv1x id=1", "its version field, first as it must be, is 'v=STSv1x', and STSv1"),
        ("v=STSv10 id=1", "its version field, first as it must be, is 'v=STSv10', and STSv1"),
        # "v=STSv1" with blanks and no field: no id field (as before).
        ("v=STSv1 ", "has no ';' after \"v=STSv1\" and so no id field"),
        ("V=STSv1 id=1", "(case-sensitive)"),
        ("id=1; v=STSv1", "the version must come first"),
    ],
)
def test_s42l_controls_keep_their_words(record: str, words: str) -> None:
    message = _mtasts04(record)
    assert words in message, message
    assert "must be followed" not in message, message


# 2. A left-over record at a null-MX domain.


def _null_mx_finding(record: str, served: bool) -> Finding:
    files = policy_file(DOMAIN, policy_text(DOMAIN)) if served else {}
    findings, _ = _run(_null_mx(_zone(record, at_hyphen=True)), files)
    return _mtasts01(findings)


@pytest.mark.parametrize("served", [False, True])
@pytest.mark.parametrize(
    ("record", "version"),
    [
        ("v=STSv2; id=20261201", "v=STSv2"),
        ("V=STSV2; id=20261201", "V=STSV2"),
        ("v=STS1; id=20261201", "v=STS1"),
        ("v=STSv10; id=20261201", "v=STSv10"),  # named before, without its version
    ],
)
def test_s42l_a_null_mx_names_a_left_over_record_of_any_version(
    record: str, version: str, served: bool
) -> None:
    finding = _null_mx_finding(record, served)
    valid = _null_mx_finding("v=STSv1; id=20261201", served)
    assert finding.status == Status.NA == valid.status  # MTA-STS does not apply: unchanged
    assert finding.summary.startswith(f"{DOMAIN} accepts no mail (null MX), so MTA-STS does")
    assert f"Its MTA-STS record ({NAME})" in finding.summary, finding.summary
    assert "left over from when it took mail" in finding.summary, finding.summary
    assert finding.summary.endswith(
        f" {version!r} is no version senders know: STSv1 is the only one defined."
    ), finding.summary
    # Read as the valid record's, and deleted the same way.
    assert finding.summary == valid.summary + (
        f" {version!r} is no version senders know: STSv1 is the only one defined."
    )
    assert finding.fix == valid.fix, finding.fix
    assert finding.fix.startswith(f"Delete the TXT record {NAME}"), finding.fix


@pytest.mark.parametrize(
    "record", ["v=STSv1; id=20261201", "v=STSv1 id=20261201", "V=STSv1; id=20261201"]
)
def test_s42l_a_null_mx_left_over_stsv1_record_reads_as_before(record: str) -> None:
    finding = _null_mx_finding(record, served=False)
    assert f"Its MTA-STS record ({NAME}) is left over" in finding.summary, finding.summary
    assert "no version senders know" not in finding.summary, finding.summary


def test_s42l_a_null_mx_with_an_unrelated_txt_reads_as_before() -> None:
    finding = _null_mx_finding("hello", served=False)
    assert finding.summary == f"{DOMAIN} accepts no mail (null MX), so MTA-STS does not apply."
    assert finding.fix == ""
