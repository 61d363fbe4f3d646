"""Task s42i: two MTA-STS leftovers.

1. A record published at a wrong name (_mta_sts.<domain>, or the policy host mta-sts.<domain>)
   was found only when its bytes held "v=STSv1" (looks_like_sts): a misplaced 'v=STSv10; id=1'
   was named to be moved (or deleted, at a null MX), a misplaced 'v=STSv2; id=1' not at all.
   Since f8f4f059 (other_version) both are records of a version senders discard (RFC 8461 §3.1:
   STSv1 is the only version defined), and since 1bb78518 a null MX names both at _mta-sts.
   Misplaced ones are now found the same way, and MTASTS-01 says the version is none senders
   know.
2. At a null-MX domain (RFC 7505 §3) the left-over record's fix said "stop serving" the policy
   URL even when no policy file is served there. It says so only when a file is served."""

from __future__ import annotations

from typing import Any

import pytest

from checks.findings import Finding, Status
from checks.https import HttpsResult
from checks.mtasts import policy_url
from tests.test_engine_s32t_blind import policy_file, policy_text
from tests.test_engine_s33e import DOMAIN, UNDERSCORE, _mtasts01, _run, _zone
from tests.test_engine_s34f import _null_mx

HOST = f"mta-sts.{DOMAIN}"
NAME = f"_mta-sts.{DOMAIN}"
URL = policy_url(DOMAIN)
WRONG_NAMES = [UNDERSCORE, HOST]


def _misplaced(at: str, record: str, *, null_mx: bool = False) -> Finding:
    zone = _zone(None)
    zone[(at, "TXT")] = [record]
    if null_mx:
        zone = _null_mx(zone)
    return _mtasts01(_run(zone, {})[0])


def _unknown(version: str) -> str:
    return f" {version!r} is no version senders know: STSv1 is the only one defined."


OTHER_VERSIONS = [
    ("v=STSv2; id=20261201", "v=STSv2"),
    ("V=STSV2; id=20261201", "V=STSV2"),
    ("v=STS1; id=20261201", "v=STS1"),
    ("v=STSv10; id=20261201", "v=STSv10"),  # found before, without the version sentence
]


# 1. Misplaced records of another version.


@pytest.mark.parametrize("at", WRONG_NAMES)
@pytest.mark.parametrize(("record", "version"), OTHER_VERSIONS)
def test_s42i_a_misplaced_record_of_another_version_is_named_to_replace(
    at: str, record: str, version: str
) -> None:
    finding = _misplaced(at, record)
    stsv1 = _misplaced(at, "v=STSv1; id=20261201")
    assert finding.status == Status.INFO == stsv1.status  # no status change
    assert f"published at {at}, where senders never look ({at} holds {record!r})" in (
        finding.summary
    ), finding.summary
    assert finding.summary.endswith(_unknown(version)), finding.summary
    # Read as the STSv1 record's, with the version sentence after it; since s43e not to be
    # moved (senders would still discard it there) but replaced by an STSv1 record.
    assert finding.summary == stsv1.summary.replace(
        repr("v=STSv1; id=20261201"), repr(record)
    ).replace(
        "so move it there.", "so delete it and publish an STSv1 record there instead."
    ) + _unknown(version)
    assert "where senders never look" in finding.fix, finding.fix
    assert f'{at}. TXT "{record}"' in finding.fix, finding.fix
    assert f'{NAME}. TXT "v=STSv1; id=' in finding.fix, finding.fix
    assert [m["record"] for m in finding.evidence["misplaced"]] == [record]


@pytest.mark.parametrize("at", WRONG_NAMES)
@pytest.mark.parametrize(("record", "version"), OTHER_VERSIONS)
def test_s42i_a_null_mx_names_a_misplaced_record_of_another_version_to_delete(
    at: str, record: str, version: str
) -> None:
    finding = _misplaced(at, record, null_mx=True)
    assert finding.status == Status.NA  # MTA-STS does not apply: unchanged
    assert f"published at {at}, where senders never look ({at} holds {record!r})" in (
        finding.summary
    ), finding.summary
    assert "with the null MX the domain needs none, so it can be deleted." in finding.summary
    assert finding.summary.endswith(_unknown(version)), finding.summary
    assert f'{at}. TXT "{record}"' in finding.fix, finding.fix
    assert finding.fix.startswith("Delete the "), finding.fix


@pytest.mark.parametrize("at", WRONG_NAMES)
@pytest.mark.parametrize("record", ["v=STSv1; id=20261201", "V=STSv1; id=20261201"])
def test_s42i_a_misplaced_stsv1_record_reads_as_before(at: str, record: str) -> None:
    finding = _misplaced(at, record)
    assert f"{at} holds {record!r}" in finding.summary, finding.summary
    assert "no version senders know" not in finding.summary, finding.summary


@pytest.mark.parametrize("at", WRONG_NAMES)
@pytest.mark.parametrize("record", ["hello", "v=spf1 -all", "google-site-verification=abc"])
@pytest.mark.parametrize("null_mx", [False, True])
def test_s42i_an_unrelated_txt_at_a_wrong_name_is_not_named(
    at: str, record: str, null_mx: bool
) -> None:
    finding = _misplaced(at, record, null_mx=null_mx)
    assert "where senders never look" not in finding.summary, finding.summary
    assert "misplaced" not in finding.evidence
    assert "where senders never look" not in finding.fix, finding.fix
    assert f" {at}. TXT" not in finding.fix, finding.fix  # ': <name>. TXT "..."' deletes


def test_s42i_one_version_named_once_when_at_both_names() -> None:
    # The same unknown version at _mta-sts (left over) and at _mta_sts: said once.
    zone = _null_mx(_zone("v=STSv2; id=20261201", at_hyphen=True))
    zone[(UNDERSCORE, "TXT")] = ["v=STSv2; id=20261202"]
    finding = _mtasts01(_run(zone, {})[0])
    assert finding.summary.count("is no version senders know") == 1, finding.summary
    assert f"{UNDERSCORE} holds 'v=STSv2; id=20261202'" in finding.summary, finding.summary


# 2. "Stop serving" only what is served.


def _left_over(files: dict[str, HttpsResult]) -> Finding:
    zone: dict[Any, Any] = _null_mx(_zone("v=STSv1; id=20261201", at_hyphen=True))
    return _mtasts01(_run(zone, files)[0])


def test_s42i_nothing_served_no_stop_serving() -> None:
    finding = _left_over({})  # the policy URL answers 404
    assert finding.fix.startswith(f"Delete the TXT record {NAME}"), finding.fix
    assert "stop serving" not in finding.fix, finding.fix
    assert f"no policy file is served at {URL}" in finding.fix, finding.fix
    assert f"the name {HOST} can go too, if it serves nothing else" in finding.fix
    assert "(no valid policy is served at" in finding.summary  # as before


def test_s42i_a_connection_failure_no_stop_serving() -> None:
    files = {URL: HttpsResult(url=URL, host=HOST, error_kind="connect", error="refused")}
    finding = _left_over(files)
    assert "stop serving" not in finding.fix, finding.fix


def test_s42i_a_served_policy_is_still_to_stop_serving() -> None:
    finding = _left_over(policy_file(DOMAIN, policy_text(DOMAIN)))
    assert finding.fix.startswith(f"Delete the TXT record {NAME} and stop serving {URL}"), (
        finding.fix
    )
    assert "max_age (604800 s)" in finding.fix  # as before


def test_s42i_an_invalid_policy_file_served_is_still_to_stop_serving() -> None:
    finding = _left_over(policy_file(DOMAIN, "hello: world\r\n"))
    assert "(no valid policy is served at" in finding.summary  # as before
    assert finding.fix.startswith(f"Delete the TXT record {NAME} and stop serving {URL}"), (
        finding.fix
    )
