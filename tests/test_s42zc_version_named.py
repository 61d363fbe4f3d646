"""Re-read s42zC: MTASTS-01 names another version's record by its version field, as MTASTS-04 does.

s42l made MTASTS-04 name 'v=STSv10 id=1' (no ';' after the version) by its version field,
'v=STSv10', not the whole first field. MTASTS-01's words for such a record (a lone one with mail,
s42v; a left-over one at a null MX, s42l) cut the record at its first ';' instead, and said
"'v=STSv10 id=1' is no version senders know": no version reads so (RFC 8461 §3.1's version
field is `sts-version`, followed by `sts-field-delim`). Both now name the same version field."""

from __future__ import annotations

import pytest

from checks.findings import Status
from checks.mtasts import parse_sts_record
from tests.test_s42l_mtasts_wordings import _null_mx_finding
from tests.test_s42v_sts_version import _mtasts

UNKNOWN = "{!r} is no version senders know: STSv1 is the only one defined."

CASES = [
    ("v=STSv10 id=20261201", "v=STSv10"),
    ("v=STSv2\tid=20261201", "v=STSv2"),
    ("V=STSV2 id=20261201", "V=STSV2"),
    ("v=STSv2 id=20261201; mode=x", "v=STSv2"),
    # Controls: with the ';' the version field was already named alone.
    ("v=STSv2; id=20261201", "v=STSv2"),
    ("v=STSv10;id=20261201", "v=STSv10"),
]


def _parser_names(record: str) -> str:
    (problem,) = [p for p in parse_sts_record(record).problems if p.check_id == "MTASTS-04"]
    return problem.message


@pytest.mark.parametrize(("record", "version"), CASES)
def test_s42zc_a_lone_record_of_another_version_is_named_by_its_version_field(
    record: str, version: str
) -> None:
    (absent,) = _mtasts([record], served=False)["MTASTS-01"]
    assert absent.status == Status.INFO, absent.summary  # as before
    assert UNKNOWN.format(version) in absent.summary, absent.summary
    # The parser (MTASTS-04's words, hosting's record panel) names the same field.
    assert f"is {version!r}, and STSv1 is the only version defined" in _parser_names(record)


@pytest.mark.parametrize(("record", "version"), CASES)
def test_s42zc_a_null_mx_left_over_record_is_named_by_its_version_field(
    record: str, version: str
) -> None:
    finding = _null_mx_finding(record, served=False)
    assert finding.status == Status.NA, finding.summary  # as before
    assert finding.summary.endswith(" " + UNKNOWN.format(version)), finding.summary
