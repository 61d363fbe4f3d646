"""reports.parse: host names a sender writes in U-labels are kept in A-labels (session 11).

RFC 8460 §4.4 asks for A-labels. The parser warned about U-labels but stored them as sent,
so the MX host mx1.bücher.example of a report never matched mx1.xn--bcher-kva.example, the
name DNS answers and our checks (MX-01) and the alerts compare it with.
"""

from __future__ import annotations

import copy
import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

from reports.parse import ReportRejected, parse_report

DATA = Path(__file__).parent / "data" / "tlsrpt"
SAMPLE: dict[str, Any] = json.loads((DATA / "sample.json").read_text())
IDN_DOMAIN = DATA / "s11_idn_domain.json"


def outcome(data: bytes, report_domain: str | None) -> tuple[str, Any]:
    try:
        return "parsed", dataclasses.asdict(parse_report(data, report_domain=report_domain))
    except ReportRejected as e:
        return "rejected", e.reason


def both_readers(
    data: bytes, monkeypatch: pytest.MonkeyPatch, report_domain: str | None = "example.com"
) -> tuple[str, Any]:
    """The whole-document reader's outcome, once the streaming one gave the very same."""
    whole = outcome(data, report_domain)
    with monkeypatch.context() as m:
        m.setattr("reports.parse.SMALL_REPORT_BYTES", 0)
        assert outcome(data, report_domain) == whole
    return whole


def mutate(change: Any) -> bytes:
    report = copy.deepcopy(SAMPLE)
    change(report)
    return json.dumps(report, ensure_ascii=False).encode()


def policy(r: dict[str, Any]) -> dict[str, Any]:
    return r["policies"][0]["policy"]


def detail(r: dict[str, Any]) -> dict[str, Any]:
    return r["policies"][0]["failure-details"][0]


def test_a_u_label_report_is_stored_in_a_labels(monkeypatch) -> None:
    """RFC 8460 §4.4 asks for A-labels; a sender that writes U-labels gets a warning, and the
    names are kept in the form our checks and domains use (DNS answers are A-labels), so
    that mx1.bücher.example in a report is the MX our check saw as mx1.xn--bcher-kva.example."""
    kind, _ = both_readers(IDN_DOMAIN.read_bytes(), monkeypatch)
    assert kind == "parsed"
    report = parse_report(IDN_DOMAIN.read_bytes())
    sts, tlsa, none_found = report.policies
    assert sts.policy_domain == "xn--bcher-kva.example"
    assert sts.mx_hosts == ["mx1.xn--bcher-kva.example", "*.backup.xn--bcher-kva.example"]
    assert sts.failure_details[0].receiving_mx_hostname == "mx1.xn--bcher-kva.example"
    assert tlsa.policy_domain == "mx1.xn--bcher-kva.example"
    assert none_found.policy_domain == "xn--bcher-kva.example"
    assert report.about_domain == "xn--bcher-kva.example"
    # The policy-string is the policy as published, kept as sent.
    assert "mx: mx1.bücher.example" in sts.policy_strings
    assert any("'Bücher.example' is not in A-label form" in w for w in report.warnings)
    assert any("'mx1.bücher.example' is not in A-label form" in w for w in report.warnings)
    assert any("mx-host '*.backup.bücher.example'" in w for w in report.warnings)


def test_an_envelope_domain_in_u_labels_fills_policy_domain_as_a_labels(monkeypatch) -> None:
    data = mutate(lambda r: policy(r).pop("policy-domain"))
    kind, result = both_readers(data, monkeypatch, report_domain="Bücher.example.")
    assert kind == "parsed"
    assert result["policies"][0]["policy_domain"] == "xn--bcher-kva.example"


def test_a_name_that_is_no_valid_idn_is_kept_as_sent_with_a_warning(monkeypatch) -> None:
    # "-bücher" may not start with a hyphen (RFC 5891 §4.2.3.1): no A-label to read it as.
    data = mutate(lambda r: detail(r).update({"receiving-mx-hostname": "mx.-bücher.example"}))
    kind, result = both_readers(data, monkeypatch)
    assert kind == "parsed"
    assert result["policies"][0]["failure_details"][0]["receiving_mx_hostname"] == (
        "mx.-bücher.example"
    )
    assert any("'mx.-bücher.example' is not in A-label form" in w for w in result["warnings"])


@pytest.mark.parametrize("escaped", [False, True], ids=["utf-8", "\\u escapes"])
def test_many_details_naming_one_u_label_mx(escaped: bool, monkeypatch) -> None:
    def change(r: dict[str, Any]) -> None:
        r["policies"][0]["failure-details"] = [
            dict(detail(r), **{"receiving-mx-hostname": "MX1.Bücher.example."})
        ] * 300

    data = mutate(change)
    if escaped:
        data = data.replace("ü".encode(), b"\\u00fc")
    kind, result = both_readers(data, monkeypatch)
    assert kind == "parsed"
    hosts = {d["receiving_mx_hostname"] for d in result["policies"][0]["failure_details"]}
    assert hosts == {"mx1.xn--bcher-kva.example"}
