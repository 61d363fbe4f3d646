"""The TLS-RPT parser on reports nobody listed (checklist §12, RFC 8460 §4): values the §12.3
corpus does not spell out, and the two readers (whole document / streamed) on them."""

from __future__ import annotations

import copy
import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

from reports.parse import ReportRejected, parse_report

SAMPLE: dict[str, Any] = json.loads(
    (Path(__file__).parent / "data" / "tlsrpt" / "sample.json").read_text()
)


def _report(**detail: Any) -> bytes:
    """The §12.2 sample with its first failure detail changed."""
    report = copy.deepcopy(SAMPLE)
    report["policies"][0]["failure-details"][0].update(detail)
    return json.dumps(report, ensure_ascii=False).encode()


def _dated(start: str, end: str = "2026-06-01T23:59:59Z") -> bytes:
    report = copy.deepcopy(SAMPLE)
    report["date-range"] = {"start-datetime": start, "end-datetime": end}
    return json.dumps(report, ensure_ascii=False).encode()


def _outcome(data: bytes) -> tuple[str, Any]:
    try:
        return "parsed", dataclasses.asdict(parse_report(data, report_domain="example.com"))
    except ReportRejected as e:
        return "rejected", e.reason


def _both(data: bytes, monkeypatch: pytest.MonkeyPatch) -> tuple[str, Any]:
    """The outcome of the whole-document reader, checked equal to the streamed one's."""
    whole = _outcome(data)
    with monkeypatch.context() as m:
        m.setattr("reports.parse.SMALL_REPORT_BYTES", 0)
        assert _outcome(data) == whole
    return whole


# --- Addresses (RFC 8460 §4.4: ABNF DIGIT is ASCII, RFC 5234 App. B.1; RFC 5952) ------------


@pytest.mark.parametrize(
    "value", ["\u0669.0.2.1", "192.0.2.\u0661", "\uff11.2.3.4"], ids=["arabic", "arabic", "wide"]
)
def test_an_ipv4_address_with_digits_that_are_not_ascii_is_flagged(
    value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Unicode decimal digits are no DIGIT of the ABNF: the address is no address, so it is
    flagged and never grouped with real ones."""
    status, report = _both(_report(**{"sending-mta-ip": value}), monkeypatch)
    assert status == "parsed"
    assert any("sending-mta-ip" in w and "not an IP address" in w for w in report["warnings"])


def test_a_date_time_with_digits_that_are_not_ascii_is_not_rfc_3339(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """RFC 3339 §5.6 DIGIT is 0-9: the reason names the syntax, not the calendar."""
    status, reason = _both(_dated("\uff12\uff10\uff12\uff16-06-01T00:00:00Z"), monkeypatch)
    assert status == "rejected"
    assert "is not an RFC 3339 date-time" in reason


@pytest.mark.parametrize(
    "start",
    ["2026-06-01T00:00:00.0000000000Z", "2026-06-01T00:00:00." + "0" * 60 + "+00:00"],
    ids=["10 digits", "60 digits"],
)
def test_a_fraction_of_a_second_may_have_any_number_of_digits(
    start: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """RFC 3339 §5.6: time-secfrac = "." 1*DIGIT, no upper bound."""
    status, report = _both(_dated(start), monkeypatch)
    assert status == "parsed", report
    assert report["start"].isoformat() == "2026-06-01T00:00:00+00:00"


@pytest.mark.parametrize(
    ("value", "canonical"),
    [
        ("::ffff:192.0.2.1", "::ffff:192.0.2.1"),
        ("::FFFF:C000:0201", "::ffff:192.0.2.1"),
        ("0:0:0:0:0:ffff:198.51.100.7", "::ffff:198.51.100.7"),
        ("::ffff:0:192.0.2.1", "::ffff:0:192.0.2.1"),
        ("2001:DB8:0:0:0:0:2:1", "2001:db8::2:1"),
    ],
)
def test_ipv6_addresses_with_an_ipv4_inside_use_the_mixed_notation(
    value: str, canonical: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """RFC 5952 §5: IPv4-mapped (RFC 4291 §2.5.5.2) and IPv4-translated (RFC 2765) addresses
    are written with the IPv4 part in dotted decimal, however the sender spelled them; so one
    host is one row, and a reader sees the IPv4 address it knows."""
    status, report = _both(_report(**{"sending-mta-ip": value, "receiving-ip": value}), monkeypatch)
    assert status == "parsed"
    detail = report["policies"][0]["failure_details"][0]
    assert (detail["sending_mta_ip"], detail["receiving_ip"]) == (canonical, canonical)
    assert report["warnings"] == []


_SAMPLE_TEXT = json.dumps(SAMPLE, indent=2)


@pytest.mark.parametrize(
    "text",
    [
        '{"organization-name": "x"',
        '{"organization-name" "x", "policies": []}',
        '{"organization-name": "x" "report-id": "y"}',
        '{"policies": [{"policy": {}} {"policy": {}}]}',
        '{"policies": [',
        '{"policies": [{"summary": ',
        _SAMPLE_TEXT + " x",
        _SAMPLE_TEXT + _SAMPLE_TEXT,
        _SAMPLE_TEXT[: _SAMPLE_TEXT.index('"failure-details"') + 18],
        _SAMPLE_TEXT.replace('"summary":', '"summary"', 1),
        _SAMPLE_TEXT.replace('"report-id":', '"report-id" :: ', 1),
    ],
)
def test_both_readers_give_the_same_reason_for_broken_json(
    text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A report is read whole or streamed by its size alone: a person fixing a reporter must
    get one reason for one mistake (the C decoder's words, at the same character)."""
    status, reason = _both(text.encode(), monkeypatch)
    assert status == "rejected"
    assert reason.startswith("report is not valid JSON: ")


def _nul_domain_then(tail: str) -> bytes:
    """A report whose first policy is unusable (a NUL in its policy-domain rejects the
    report) and whose JSON breaks later on."""
    report = copy.deepcopy(SAMPLE)
    report["policies"][0]["policy"]["policy-domain"] = "example.com\u0000"
    text = json.dumps(report, indent=1)
    return (text[: text.rindex("}")] + tail).encode()


@pytest.mark.parametrize(
    "data",
    [
        _nul_domain_then(', "x": }'),
        _nul_domain_then(', "report-id": "again"}'),
        _nul_domain_then("} trailing"),
        b'{"policies": 5, "report-id": "a" "b"}',
        b'{"policies": {"a": 1}, "x": "\\ud800", "x": 2}',
        json.dumps(SAMPLE).replace('"certificate-expired"', '"' + "r" * 2000 + '"').encode()[:-3],
    ],
    ids=["syntax", "duplicate", "extra data", "policies object", "policies then dup", "long"],
)
def test_a_broken_json_text_is_the_reason_even_after_a_bad_policy(
    data: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The whole-document reader finds a JSON mistake before it looks at any value, so the
    streamed one must too: the reason a report is rejected cannot depend on its size."""
    status, reason = _both(data, monkeypatch)
    assert status == "rejected"
    assert reason.startswith(("report is not valid JSON", "duplicate member name")), reason


def test_too_many_policies_is_the_reason_even_after_a_bad_policy(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("reports.parse.MAX_POLICIES", 2)
    report = copy.deepcopy(SAMPLE)
    report["policies"][0]["policy"]["policy-domain"] = "example.com\u0000"
    report["policies"] *= 2
    status, reason = _both(json.dumps(report).encode(), monkeypatch)
    assert (status, reason) == ("rejected", "report has more than 2 policies")


@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"], ids=["no BOM", "BOM"])
def test_a_report_ending_inside_a_utf8_sequence_is_told_where_it_starts(
    bom: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    """'€' is e2 82 ac; a body cut after e2 82 is invalid from the e2 on (RFC 3629 §3)."""
    data = bom + b'{"organization-name": "\xe2\x82'
    assert _both(data, monkeypatch) == (
        "rejected",
        "report is not valid UTF-8 at byte 23 (I-JSON, RFC 7493 §2.1)",
    )


def test_a_utf8_sequence_split_between_pieces_is_placed_right(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The streamed reader decodes piece by piece; a bad sequence begun in one piece and
    broken in the next is placed where it begins, as the whole-document reader places it."""
    monkeypatch.setattr("reports.parse._CHUNK", 16)
    data = b'{"organization-name": "' + b"a" * 40 + b'\xe2\x82x"}'
    assert _both(data, monkeypatch) == (
        "rejected",
        "report is not valid UTF-8 at byte 63 (I-JSON, RFC 7493 §2.1)",
    )


@pytest.mark.parametrize(
    "host", ["mx.-bad-", "mx1.example.com-", "mx1.example." + "c" * 64, "mx1.example.-com"]
)
def test_a_last_label_that_is_no_label_is_flagged(
    host: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """RFC 1123 §2.1 / RFC 1035 §2.3.1: a label is at most 63 characters, letters, digits and
    hyphens, not beginning or ending with a hyphen: the last one too."""
    status, report = _both(_report(**{"receiving-mx-hostname": host}), monkeypatch)
    assert status == "parsed"
    assert report["warnings"] == [
        f"policies[0]: failure-details[0]: receiving-mx-hostname {host!r} is not a valid host name"
    ]


@pytest.mark.parametrize("host", ["mx1.example.xn--p1ai", "MX1.Example.COM.", "mx-1.a-b.de"])
def test_host_names_with_hyphens_inside_labels_are_fine(
    host: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    status, report = _both(_report(**{"receiving-mx-hostname": host}), monkeypatch)
    assert (status, report["warnings"]) == ("parsed", [])
    detail = report["policies"][0]["failure_details"][0]
    assert detail["receiving_mx_hostname"] == host.rstrip(".").lower()
