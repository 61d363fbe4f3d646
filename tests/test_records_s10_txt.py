"""`_mta-sts` and `_smtp._tls` records judged by their own ABNF (RFC 8461 §3.1, RFC 8460 §3):
`1*(delim field) [delim]` with `delim = *WSP ";" *WSP`."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from checks import tlsrpt
from checks.findings import Finding, Status
from checks.mtasts import parse_sts_record
from checks.tlsrpt import parse_tlsrpt_record
from tests.test_mtasts import ZONE, evaluate
from tests.test_mx import make_ctx, statuses
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


def test_a_lone_spaced_sts_record_is_valid_with_a_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    # One TXT record: the literal "v=STSv1;" discard rule (several records) does not apply,
    # and `sts-field-delim = *WSP ";" *WSP` accepts it.
    record = parse_sts_record("v=STSv1 ; id=20260601")
    assert record.valid and record.id == "20260601"
    assert [(p.check_id, p.status) for p in record.problems] == [("MTASTS-06", Status.WARN)]
    zone = {**ZONE, ("_mta-sts.example.org", "TXT"): ['"v=STSv1 ; id=20260601"']}
    findings = evaluate(monkeypatch, zone)
    assert statuses(findings, "MTASTS-06") == [Status.WARN]
    assert statuses(findings, "MTASTS-02") == [Status.PASS]
    assert Status.PASS in statuses(findings, "MTASTS-33")  # the enforce policy is applied
    (warn,) = [f for f in findings if f.id == "MTASTS-06"]
    assert 'TXT "v=STSv1; id=' in warn.fix


def test_a_lone_spaced_tlsrpt_record_is_used_like_the_sts_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    zone: dict[Any, Any] = {
        ("example.org", "MX"): ["10 mx1.example.org."],
        ("_smtp._tls.example.org", "TXT"): ['"v=TLSRPTv1 ; rua=mailto:tls@example.org"'],
    }
    state = asyncio.run(tlsrpt.get_record(make_ctx("example.org", zone)))
    assert state.status == "valid" and state.usable
    # MTA-STS then sees TLS reporting deployed beside it (MTASTS-34), as it does for "v=STSv1 ;".
    sts_zone = {
        **ZONE,
        ("_smtp._tls.example.org", "TXT"): ['"v=TLSRPTv1 ; rua=mailto:t@example.org"'],
    }
    assert statuses(evaluate(monkeypatch, sts_zone), "MTASTS-34") == [Status.PASS]


@pytest.mark.parametrize(
    ("name", "records", "module"),
    [
        ("_mta-sts", ['"v=STSv1; id=1"', '"v=STSv1 ; id=2"'], "mtasts"),
        (
            "_smtp._tls",
            ['"v=TLSRPTv1; rua=mailto:a@example.org"', '"v=TLSRPTv1 ; rua=mailto:b@example.org"'],
            "tlsrpt",
        ),
    ],
)
def test_beside_another_record_the_spaced_one_still_makes_two(
    monkeypatch: pytest.MonkeyPatch, name: str, records: list[str], module: str
) -> None:
    # Unchanged, and the same for both: lenient senders count it, so two records, no policy.
    zone = {**ZONE, (f"{name}.example.org", "TXT"): records}
    if module == "mtasts":
        assert statuses(evaluate(monkeypatch, zone), "MTASTS-02") == [Status.FAIL]
    else:
        assert asyncio.run(tlsrpt.get_record(make_ctx("example.org", zone))).status == "multiple"
