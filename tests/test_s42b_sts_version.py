"""Task s42b, item 3: an `_mta-sts` record 'v=STSv2; id=…'. RFC 8461 §3.1: "Records that do not
begin with "v=STSv1;" are discarded", and STSv1 is the only version defined.

* The parser's MTASTS-04 reason was the bare 'The record does not begin with "v=STSv1;".': it
  did not say that senders discard it, nor that its version field, first as it must be, names
  a version that does not exist (as s41m made it say for 'v=STSv10').
* The engine reads a lone 'v=STSv2' record as no MTA-STS record (MTASTS-01 info, as before:
  senders ignore it), and said so, but not why (the version), and its fix published the
  v=STSv1 record without saying it replaces that one, which the owner would keep beside it.
  Beside a valid record it changes nothing for senders and nothing is said (as before)."""

from __future__ import annotations

import pytest

from checks.findings import Status
from checks.mtasts import parse_sts_record
from tests.test_engine_s32t_blind import Case, policy_file, policy_text, run_case, sts_site

DOMAIN = "s42b.example"
NAME = f"_mta-sts.{DOMAIN}"


@pytest.mark.parametrize(
    ("text", "version"),
    [("v=STSv2; id=20261201", "v=STSv2"), ("v=STSv2;id=1;", "v=STSv2"), ("v=STS1; id=1", "v=STS1")],
)
def test_s42b_the_parser_says_the_version_is_unknown_and_senders_discard_it(
    text: str, version: str
) -> None:
    (problem,) = [p for p in parse_sts_record(text).problems if p.check_id == "MTASTS-04"]
    assert problem.status == Status.FAIL
    assert f"its version field, first as it must be, is {version!r}" in problem.message
    assert "so senders discard it" in problem.message, problem.message


def _mtasts(records: list[str], served: bool) -> dict[str, list]:
    case = Case(
        "s42b-stsv2",
        "mtasts",
        DOMAIN,
        sts_site(DOMAIN, records),
        files=policy_file(DOMAIN, policy_text(DOMAIN)) if served else {},
    )
    found: dict[str, list] = {}
    for f in run_case(case):
        if f.id.startswith("MTASTS-0"):
            found.setdefault(f.id, []).append(f)
    return found


@pytest.mark.parametrize("served", [True, False])
def test_s42b_a_lone_v_stsv2_record_is_named_and_replaced(served: bool) -> None:
    record = "v=STSv2; id=20261201"
    found = _mtasts([record], served)
    (absent,) = found["MTASTS-01"]
    assert absent.status == Status.INFO  # as before: senders see no MTA-STS record
    assert "MTASTS-04" not in found
    assert "so senders ignore it." in absent.summary, absent.summary
    assert "'v=STSv2' is no version senders know: STSv1 is the only one" in absent.summary
    fix = absent.fix or ""
    assert f'{NAME}. TXT "v=STSv1; id=' in fix, fix
    assert f"in place of the TXT record '{record}' at {NAME}" in fix, fix


def test_s42b_beside_a_valid_record_a_v_stsv2_one_changes_nothing() -> None:
    found = _mtasts(["v=STSv1; id=20261201;", "v=STSv2; id=5"], True)
    assert [f.status for f in found["MTASTS-01"]] == [Status.PASS]
    assert [f.status for f in found["MTASTS-02"]] == [Status.PASS]
    assert "MTASTS-04" not in found


def test_s42b_an_unrelated_record_gets_no_version_words() -> None:
    found = _mtasts(["google-site-verification=abc"], True)
    (absent,) = found["MTASTS-01"]
    assert "version" not in absent.summary and "in place of" not in (absent.fix or "")
