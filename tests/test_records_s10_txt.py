"""`_mta-sts` and `_smtp._tls` records judged by their own ABNF (RFC 8461 §3.1, RFC 8460 §3):
`1*(delim field) [delim]` with `delim = *WSP ";" *WSP`."""

from __future__ import annotations

from typing import Any

import pytest

from checks import tlsrpt
from checks.findings import Finding, Status
from checks.mtasts import parse_sts_record
from checks.tlsrpt import parse_tlsrpt_record
from tests.test_spf import run


def tlsrpt_run(record: str) -> list[Finding]:
    zone: dict[Any, Any] = {
        ("example.org", "MX"): ["10 mx1.example.org."],
        ("mx1.example.org", "A"): ["192.0.2.1"],
        ("_smtp._tls.example.org", "TXT"): [record],
    }
    return run(tlsrpt, "example.org", zone)


@pytest.mark.parametrize("record", ["v=STSv1;; id=1", "v=STSv1; ; id=1", "v=STSv1; id=1;;"])
def test_an_empty_sts_field_makes_the_record_invalid(record: str) -> None:
    parsed = parse_sts_record(record)
    assert not parsed.valid
    assert ("MTASTS-07", Status.FAIL) in [(p.check_id, p.status) for p in parsed.problems]


@pytest.mark.parametrize(
    "record",
    [
        "v=TLSRPTv1;; rua=mailto:tls@example.org",
        "v=TLSRPTv1; rua=mailto:tls@example.org; ;",
    ],
)
def test_an_empty_tlsrpt_field_makes_the_record_invalid(record: str) -> None:
    parsed = parse_tlsrpt_record(record)
    assert not parsed.valid
    assert ("TLSRPT-09", Status.FAIL) in [(p.check_id, p.status) for p in parsed.problems]
    found = tlsrpt_run(record)
    assert not [f for f in found if f.id == "TLSRPT-02" and f.status == Status.PASS]
    # The fix offered is a record the grammar accepts, keeping the owner's address.
    fixes = {f.fix for f in found if f.id == "TLSRPT-09" and f.fix}
    assert fixes and all("rua=mailto:tls@example.org" in fix and ";;" not in fix for fix in fixes)


def test_one_trailing_delimiter_is_still_fine() -> None:
    assert parse_sts_record("v=STSv1; id=1;").valid
    rpt = parse_tlsrpt_record("v=TLSRPTv1; rua=mailto:tls@example.org;")
    assert rpt.valid and not rpt.problems
