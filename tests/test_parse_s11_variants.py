"""reports.parse on report documents that checklist §12.3 does not list (session 11).

Each document was written with the outcome the rules give (checklist §12.1 RPT-xx, RFC 8460
§4, RFC 8259, I-JSON RFC 7493) before the parser was read, then run through both readers
(whole document and streamed). Those that already behaved are pinned here too.
"""

from __future__ import annotations

import copy
import dataclasses
import gzip
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from reports.parse import ReportRejected, parse_report

DATA = Path(__file__).parent / "data" / "tlsrpt"
SAMPLE: dict[str, Any] = json.loads((DATA / "sample.json").read_text())


def sample() -> dict[str, Any]:
    return copy.deepcopy(SAMPLE)


def dumps(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False).encode()


def mutate(change: Callable[[dict[str, Any]], object]) -> bytes:
    report = sample()
    change(report)
    return dumps(report)


def replaced(old: bytes, new: bytes) -> bytes:
    body = dumps(sample())
    assert old in body, old
    return body.replace(old, new, 1)


def policy(r: dict[str, Any]) -> dict[str, Any]:
    return r["policies"][0]["policy"]


def summary(r: dict[str, Any]) -> dict[str, Any]:
    return r["policies"][0]["summary"]


def detail(r: dict[str, Any], i: int = 0) -> dict[str, Any]:
    return r["policies"][0]["failure-details"][i]


def date_range(start: str, end: str) -> Callable[[dict[str, Any]], object]:
    return lambda r: r["date-range"].update({"start-datetime": start, "end-datetime": end})


def nested(depth: int) -> bytes:
    """The sample with an extra member of `depth` nested arrays in its first failure detail,
    which itself sits 5 levels down (report, policies, entry, failure-details, detail)."""
    return replaced(
        b'"failure-reason-code": "X509_V_ERR_CERT_HAS_EXPIRED"',
        b'"x-trace": ' + b"[" * depth + b"]" * depth,
    )


def many_policies(n: int) -> bytes:
    r = sample()
    r["policies"] = [
        {
            "policy": {"policy-type": "sts", "policy-domain": "example.com"},
            "summary": {"total-successful-session-count": 1, "total-failure-session-count": 0},
        }
    ] * n
    return dumps(r)


def three_kinds(r: dict[str, Any]) -> None:
    r["policies"].append(
        {
            "policy": {"policy-type": "no-policy-found", "policy-domain": "example.com"},
            "summary": {"total-successful-session-count": 4, "total-failure-session-count": 0},
        }
    )


def only_no_policy_found(r: dict[str, Any]) -> None:
    r["policies"] = [
        {
            "policy": {"policy-type": "no-policy-found", "policy-domain": "example.com"},
            "summary": {"total-successful-session-count": 10, "total-failure-session-count": 0},
        }
    ]


def outcome(data: bytes, report_domain: str | None = "example.com") -> tuple[str, Any]:
    try:
        return "parsed", dataclasses.asdict(parse_report(data, report_domain=report_domain))
    except ReportRejected as e:
        return "rejected", e.reason


def both_readers(
    data: bytes, monkeypatch: pytest.MonkeyPatch, report_domain: str | None = "example.com"
) -> tuple[str, Any]:
    """The outcome of the whole-document reader, after checking the streaming one gives the
    very same report, warnings and notes, or the very same reason to reject it."""
    whole = outcome(data, report_domain)
    with monkeypatch.context() as m:
        m.setattr("reports.parse.SMALL_REPORT_BYTES", 0)
        assert outcome(data, report_domain) == whole
    return whole


# (id, document, expected, text): expected is "accept" (no warnings), "warn" (kept, with a
# warning containing `text`), "drop" (kept, one entry dropped with a warning containing
# `text`) or "reject" (a reason containing `text`). For "accept", `text` (if any) is a note.
CASES: list[tuple[str, Callable[[], bytes], str, str]] = [
    # --- counts (RPT-08, RPT-11; I-JSON ±2^53) ---
    (
        "total-failure 0 while details count failures",
        lambda: mutate(lambda r: summary(r).update({"total-failure-session-count": 0})),
        "accept",
        "failure details add up to 17, the summary says 0",
    ),
    (
        "count 12.0 (a float, as 1e3 is)",
        lambda: replaced(b'"failed-session-count": 12', b'"failed-session-count": 12.0'),
        "drop",
        "not an integer",
    ),
    ("count 2^63", lambda: replaced(b"48210", str(2**63).encode()), "drop", "beyond 2^53"),
    ("count 2^53", lambda: replaced(b"48210", str(2**53).encode()), "drop", "beyond 2^53"),
    ("count 2^53 - 1", lambda: replaced(b"48210", str(2**53 - 1).encode()), "accept", ""),
    ("count 1e3 in a summary", lambda: replaced(b"48210", b"1e3"), "drop", "not an integer"),
    (
        "count 5E0",
        lambda: replaced(b'"failed-session-count": 5', b'"failed-session-count": 5E0'),
        "drop",
        "not an integer",
    ),
    (
        "count -0",
        lambda: replaced(b'"total-failure-session-count": 0', b'"total-failure-session-count": -0'),
        "accept",
        "",
    ),
    (
        "count true",
        lambda: mutate(lambda r: summary(r).update({"total-failure-session-count": True})),
        "drop",
        "is a boolean",
    ),
    (
        "failed-session-count false",
        lambda: mutate(lambda r: detail(r).update({"failed-session-count": False})),
        "drop",
        "is a boolean",
    ),
    *[
        (
            f"count string {text!r}",
            lambda text=text: mutate(
                lambda r: summary(r).update({"total-failure-session-count": text})
            ),
            "drop",
            "not an integer",
        )
        for text in ("1_000", " 17 ", "+17", "١٧", "17.0")
    ],
    (
        "failure detail without failed-session-count",
        lambda: mutate(lambda r: detail(r).pop("failed-session-count")),
        "drop",
        "failed-session-count is missing",
    ),
    # --- policy (RPT-04..RPT-07) ---
    (
        "policy-type STS in capitals",
        lambda: mutate(lambda r: policy(r).update({"policy-type": "STS"})),
        "warn",
        "unknown policy-type 'STS'",
    ),
    (
        "policy-type mta-sts",
        lambda: mutate(lambda r: policy(r).update({"policy-type": "mta-sts"})),
        "warn",
        "unknown policy-type 'mta-sts'",
    ),
    (
        # No note since s34r: with no policy found there is no policy to quote (RFC 8460
        # §4.4), so nothing is missing (tests/test_reports_s34r.py).
        "no-policy-found without policy-string",
        lambda: mutate(only_no_policy_found),
        "accept",
        "",
    ),
    (
        "mx-host a wildcard string",
        lambda: mutate(lambda r: policy(r).update({"mx-host": "*.example.com"})),
        "accept",
        "",
    ),
    (
        "mx-host in capitals with a trailing dot",
        lambda: mutate(lambda r: policy(r).update({"mx-host": ["MX1.Example.COM."]})),
        "accept",
        "",
    ),
    (
        "mx-host holding null",
        lambda: mutate(lambda r: policy(r).update({"mx-host": ["mx1.example.com", None]})),
        "warn",
        "mx-host holds null",
    ),
    (
        "policy-string holding a number",
        lambda: mutate(lambda r: policy(r).update({"policy-string": ["version: STSv1", 7]})),
        "warn",
        "policy-string holds a number",
    ),
    (
        "policy-string null",
        lambda: mutate(lambda r: policy(r).update({"policy-string": None})),
        "warn",
        "policy-string is null, not an array of strings",
    ),
    (
        "policy-domain an A-label",
        lambda: mutate(lambda r: policy(r).update({"policy-domain": "xn--bcher-kva.example"})),
        "accept",
        "",
    ),
    (
        "policy-domain a U-label",
        lambda: mutate(lambda r: policy(r).update({"policy-domain": "bücher.example"})),
        "warn",
        "is not in A-label form (RFC 8460 §4.4); read as xn--bcher-kva.example",
    ),
    (
        "policy-domain in capitals with a trailing dot",
        lambda: mutate(lambda r: policy(r).update({"policy-domain": "Example.COM."})),
        "accept",
        "",
    ),
    ("sts + tlsa + no-policy-found", lambda: mutate(three_kinds), "accept", ""),
    (
        "summary missing",
        lambda: mutate(lambda r: r["policies"][0].pop("summary")),
        "drop",
        "summary is missing",
    ),
    (
        "policy missing",
        lambda: mutate(lambda r: r["policies"][0].pop("policy")),
        "drop",
        "policy is missing",
    ),
    (
        "a policies element that is a string",
        lambda: mutate(lambda r: r["policies"].append("sts")),
        "drop",
        "policies[2] is a string",
    ),
    (
        "failure-details an object",
        lambda: mutate(lambda r: r["policies"][0].update({"failure-details": detail(r)})),
        "warn",
        "failure-details is an object, not an array",
    ),
    ("50,000 policies", lambda: many_policies(50_000), "reject", "more than 10000 policies"),
    # --- failure details (RPT-09, RPT-10, RPT-12) ---
    (
        "result-type in capitals",
        lambda: mutate(lambda r: detail(r).update({"result-type": "CERTIFICATE-EXPIRED"})),
        "warn",
        "unknown result-type 'CERTIFICATE-EXPIRED'",
    ),
    (
        "result-type with trailing spaces",
        lambda: mutate(lambda r: detail(r).update({"result-type": "certificate-expired  "})),
        "warn",
        "unknown result-type 'certificate-expired  '",
    ),
    (
        "failure detail without result-type",
        lambda: mutate(lambda r: detail(r).pop("result-type")),
        "drop",
        "result-type is missing",
    ),
    (
        "receiving-ip IPv6 in brackets",
        lambda: mutate(lambda r: detail(r, 1).update({"receiving-ip": "[2001:db8:7::25]"})),
        "warn",
        "'[2001:db8:7::25]' is not an IP address",
    ),
    (
        "receiving-ip with a port",
        lambda: mutate(lambda r: detail(r).update({"receiving-ip": "198.51.100.25:25"})),
        "warn",
        "is not an IP address",
    ),
    (
        "receiving-ip IPv4 with leading zeros",
        lambda: mutate(lambda r: detail(r).update({"receiving-ip": "198.051.100.025"})),
        "warn",
        "is not an IP address",
    ),
    (
        "receiving-ip IPv4-mapped IPv6",
        lambda: mutate(lambda r: detail(r).update({"receiving-ip": "::ffff:198.51.100.25"})),
        "accept",
        "",
    ),
    (
        "sending-mta-ip absent",
        lambda: mutate(lambda r: detail(r).pop("sending-mta-ip")),
        "accept",
        "",
    ),
    (
        "sending-mta-ip null",
        lambda: mutate(lambda r: detail(r).update({"sending-mta-ip": None})),
        "accept",
        "",
    ),
    (
        "additional-information over http",
        lambda: mutate(
            lambda r: detail(r).update({"additional-information": "http://sender.example/x"})
        ),
        "accept",
        "",
    ),
    (
        "failure-reason-code of 500 characters",
        lambda: mutate(lambda r: detail(r).update({"failure-reason-code": "E" * 500})),
        "accept",
        "",
    ),
    (
        "unknown member in a failure detail",
        lambda: mutate(lambda r: detail(r).update({"x-vendor": {"queue": [1, 2]}})),
        "accept",
        "",
    ),
    # --- date-range (RPT-03, RFC 3339 §5.6) ---
    (
        "start equals end",
        lambda: mutate(date_range("2026-06-01T00:00:00Z", "2026-06-01T00:00:00Z")),
        "warn",
        "date-range is empty",
    ),
    (
        "30 days",
        lambda: mutate(date_range("2026-06-01T00:00:00Z", "2026-06-30T23:59:59Z")),
        "warn",
        "more than 48 hours",
    ),
    (
        "+02:00 offsets covering one UTC day",
        lambda: mutate(date_range("2026-06-01T02:00:00+02:00", "2026-06-02T01:59:59+02:00")),
        "accept",
        "",
    ),
    (
        "+14:00 offsets covering one UTC day",
        lambda: mutate(date_range("2026-06-01T14:00:00+14:00", "2026-06-02T13:59:59+14:00")),
        "accept",
        "",
    ),
    (
        "-00:00 offsets",
        lambda: mutate(date_range("2026-06-01T00:00:00-00:00", "2026-06-01T23:59:59-00:00")),
        "accept",
        "",
    ),
    (
        "lower-case t and z",
        lambda: mutate(date_range("2026-06-01t00:00:00z", "2026-06-01t23:59:59z")),
        "accept",
        "",
    ),
    (
        "fractional seconds",
        lambda: mutate(date_range("2026-06-01T00:00:00.000Z", "2026-06-01T23:59:59.999Z")),
        "accept",
        "",
    ),
    (
        "date only",
        lambda: mutate(date_range("2026-06-01", "2026-06-01")),
        "reject",
        "is not an RFC 3339 date-time",
    ),
    (
        "hour 24",
        lambda: mutate(date_range("2026-06-01T00:00:00Z", "2026-06-01T24:00:00Z")),
        "reject",
        "not a real date",
    ),
    (
        "February 30",
        lambda: mutate(date_range("2026-02-30T00:00:00Z", "2026-02-30T23:59:59Z")),
        "reject",
        "not a real date",
    ),
    (
        "end-datetime missing",
        lambda: mutate(lambda r: r["date-range"].pop("end-datetime")),
        "reject",
        "date-range has no end-datetime",
    ),
    (
        "date-range a string",
        lambda: mutate(lambda r: r.update({"date-range": "2026-06-01"})),
        "reject",
        "date-range is a string",
    ),
    # --- header (RPT-02) ---
    (
        "report-id with spaces",
        lambda: mutate(lambda r: r.update({"report-id": "2026 06 01 report for example.com"})),
        "accept",
        "",
    ),
    (
        "report-id of 1,000 characters",
        lambda: mutate(lambda r: r.update({"report-id": "r" * 1000})),
        "accept",
        "",
    ),
    (
        "report-id missing",
        lambda: mutate(lambda r: r.pop("report-id")),
        "reject",
        "report-id is missing",
    ),
    (
        "report-id a number",
        lambda: mutate(lambda r: r.update({"report-id": 12345})),
        "reject",
        "report-id is a number, not a string",
    ),
    (
        "organization-name empty",
        lambda: mutate(lambda r: r.update({"organization-name": ""})),
        "reject",
        "organization-name is empty",
    ),
    (
        "organization-name blank",
        lambda: mutate(lambda r: r.update({"organization-name": "   "})),
        "reject",
        "organization-name is empty",
    ),
    (
        "organization-name missing",
        lambda: mutate(lambda r: r.pop("organization-name")),
        "reject",
        "organization-name is missing",
    ),
    (
        "organization-name a number",
        lambda: mutate(lambda r: r.update({"organization-name": 42})),
        "reject",
        "organization-name is a number, not a string",
    ),
    (
        "organization-name with a NUL",
        lambda: mutate(lambda r: r.update({"organization-name": "Sender\u0000Ltd"})),
        "reject",
        "contains a NUL character",
    ),
    (
        "contact-info a URL",
        lambda: mutate(lambda r: r.update({"contact-info": "https://sender.example/contact"})),
        "warn",
        "is not an e-mail address",
    ),
    (
        "contact-info with a display name",
        lambda: mutate(lambda r: r.update({"contact-info": "TLS <tls@sender.example>"})),
        "warn",
        "is not an e-mail address",
    ),
    (
        "policies null",
        lambda: mutate(lambda r: r.update(policies=None)),
        "reject",
        "policies is null; RFC 8460 §4 says it MUST be an array",
    ),
    ("an empty object", lambda: b"{}", "reject", "organization-name is missing"),
    # --- JSON itself (RFC 8259, I-JSON RFC 7493) ---
    (
        "duplicate policy-type in one policy",
        lambda: replaced(b'"policy-type": "sts"', b'"policy-type": "sts", "policy-type": "tlsa"'),
        "reject",
        "duplicate member name 'policy-type'",
    ),
    (
        "duplicate end-datetime",
        lambda: replaced(
            b'"end-datetime": "2026-06-01T23:59:59Z"',
            b'"end-datetime": "2026-06-01T23:59:59Z", "end-datetime": "2026-06-30T23:59:59Z"',
        ),
        "reject",
        "duplicate member name 'end-datetime'",
    ),
    (
        "duplicate count in a summary",
        lambda: replaced(
            b'"total-failure-session-count": 17',
            b'"total-failure-session-count": 17, "total-failure-session-count": 0',
        ),
        "reject",
        "duplicate member name 'total-failure-session-count'",
    ),
    (
        "duplicate name written with an escape",
        lambda: replaced(
            b'"total-failure-session-count": 17',
            b'"total-failure-session-count": 17, "total-failure-session-coun\\u0074": 0',
        ),
        "reject",
        "duplicate member name 'total-failure-session-count'",
    ),
    (
        "UTF-16 with its BOM",
        lambda: json.dumps(sample()).encode("utf-16"),
        "reject",
        "not a JSON object, gzip or zip",
    ),
    (
        "trailing garbage",
        lambda: dumps(sample()) + b"\nxyz",
        "reject",
        "unexpected data after the report object",
    ),
    (
        "a trailing NUL",
        lambda: dumps(sample()) + b"\x00",
        "reject",
        "unexpected data after the report object",
    ),
    ("trailing blanks", lambda: dumps(sample()) + b"\r\n\n\t ", "accept", ""),
    (
        "gzip of JSON and trailing garbage",
        lambda: gzip.compress(dumps(sample()) + b"junk"),
        "reject",
        "unexpected data after the report object",
    ),
    ("10,000 nested arrays", lambda: nested(10_000), "reject", "nested too deeply"),
    # RFC 8259 §9 lets a reader limit nesting; the limit is ours, not the interpreter's
    # stack, so both readers (and every caller) draw the line at the same depth.
    ("nesting 5 + 59 = 64 levels", lambda: nested(59), "accept", ""),
    ("nesting 5 + 60 = 65 levels", lambda: nested(60), "reject", "nested too deeply"),
    ("nesting 5 + 985 levels", lambda: nested(985), "reject", "nested too deeply"),
    ("nesting 5 + 990 levels", lambda: nested(990), "reject", "nested too deeply"),
]


@pytest.mark.parametrize(("case", "make", "expected", "text"), CASES, ids=[c[0] for c in CASES])
def test_it_handles_documents_beyond_the_checklist(
    case: str, make: Callable[[], bytes], expected: str, text: str, monkeypatch
) -> None:
    kind, result = both_readers(make(), monkeypatch)
    if expected == "reject":
        assert kind == "rejected", case
        assert text in result
        return
    assert kind == "parsed", result
    if expected == "accept":
        assert result["warnings"] == []
        if text:
            assert any(text in n for n in result["notes"]), result["notes"]
        return
    assert any(text in w for w in result["warnings"]), result["warnings"]
    dropped = any("dropped" in w for w in result["warnings"])
    assert dropped == (expected == "drop"), result["warnings"]
