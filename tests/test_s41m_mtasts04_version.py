"""Task s41m, item 3: MTASTS-04 on 'v=STSv10; id=1' said "the version must come first": the
version field is first, its value is wrong. It now says so; a record whose version is not
first keeps its words."""

from __future__ import annotations

import pytest

from checks.findings import Status
from checks.mtasts import parse_sts_record


def _message(text: str) -> str:
    (problem,) = [p for p in parse_sts_record(text).problems if p.check_id == "MTASTS-04"]
    assert problem.status == Status.FAIL
    return problem.message


@pytest.mark.parametrize(
    ("text", "version"), [("v=STSv10; id=1", "v=STSv10"), ("v=STSv1x", "v=STSv1x")]
)
def test_s41m_a_wrong_version_first_is_named_as_wrong(text: str, version: str) -> None:
    message = _message(text)
    assert "must come first" not in message, message
    assert 'does not begin with "v=STSv1;"' in message, message
    assert f"its version field, first as it must be, is {version!r}, and STSv1" in message, message


def test_s41m_a_version_after_another_field_must_come_first() -> None:
    assert "the version must come first" in _message("id=1; v=STSv1")
