"""Engine fixes found by the blind lab round s28s (tests/test_lab_s28s_blind.py)."""

from __future__ import annotations

import pytest

from checks.findings import Status
from checks.mtasts import parse_sts_record


@pytest.mark.parametrize(
    "raw",
    ["v=STSv1; id = 20261202", "v=STSv1; id =20261202", "v=STSv1; id= 20261202"],
)
def test_an_id_written_with_spaces_around_the_equals_sign_is_one_fault(raw: str) -> None:
    # s28s-spaceid: 'id = 20261202' was two failures, MTASTS-07 (not a valid extension) and
    # MTASTS-05 (no id field), for the one slip. It is the id field with spaces around '='
    # (sts-id = %s"id=" 1*32(ALPHA / DIGIT), RFC 8461 §3.1): senders that follow the grammar
    # (and postfix-mta-sts-resolver, whose key is then 'id ') find no id and discard it.
    record = parse_sts_record(raw)
    assert [(p.check_id, p.status) for p in record.problems] == [("MTASTS-05", Status.FAIL)]
    assert not record.valid
    message = record.problems[0].message
    assert "spaces around '='" in message
    assert "'v=STSv1; id=20261202'" in message


def test_an_id_with_a_space_inside_it_is_not_read_as_spaces_around_the_equals_sign() -> None:
    # Only whitespace around '=' is taken out: '2026 1202' is still an id that is not only
    # letters and digits, as before.
    record = parse_sts_record("v=STSv1; id = 2026 1202")
    assert ("MTASTS-05", Status.FAIL) in [(p.check_id, p.status) for p in record.problems]
    assert not any("spaces around '='" in p.message for p in record.problems)
