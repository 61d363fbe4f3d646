# ruff: noqa: F811 (pytest fixtures imported from other test modules)
"""An over-long failure-reason-code is cut to its first MAX_NAME_CHARS characters, with a
warning saying so; it was dropped whole. RFC 8460 §4.4 makes it free text for diagnosis and
checklist §12 RPT-09 says optional detail fields never cost the report: the start of an
OpenSSL error ("SSL_connect error …: certificate verify failed") says the most, so keeping it
tells the owner what the sender saw, where dropping told nothing. A URI (additional-
information) or a host name is still dropped whole: cut, it is a broken link or another name.
"""

from __future__ import annotations

import gzip
import json
from typing import Any

from django.test import Client

from reports.models import FailureDetail, RawReport, ReportAddress
from reports.parse import MAX_NAME_CHARS, MAX_URI_CHARS
from tests.test_reports_email import address  # noqa: F401 (fixture)
from tests.test_reports_s12_blind import _post, both_readers
from tests.test_reports_s13_blind import parse_pending

OPENSSL = (
    "SSL_connect error to mx1.example.com[198.51.100.25]:25: -1\n"
    "warning: TLS library problem: error:0A000086:SSL routines::certificate verify "
    "failed:ssl/statem/statem_clnt.c:1889:\n"
)


def report(code: str, info: str | None = None) -> bytes:
    detail: dict[str, Any] = {
        "result-type": "certificate-not-trusted",
        "sending-mta-ip": "203.0.113.9",
        "receiving-mx-hostname": "mx1.example.com",
        "receiving-ip": "198.51.100.25",
        "failed-session-count": 2,
        "failure-reason-code": code,
    }
    if info is not None:
        detail["additional-information"] = info
    return json.dumps(
        {
            "organization-name": "mail.sender.example",
            "date-range": {
                "start-datetime": "2026-06-01T00:00:00Z",
                "end-datetime": "2026-06-01T23:59:59Z",
            },
            "contact-info": "smtp-tls-reporting@sender.example",
            "report-id": "sys4-2026-06-01-example.com",
            "policies": [
                {
                    "policy": {
                        "policy-type": "sts",
                        "policy-string": ["version: STSv1", "mode: enforce"],
                        "policy-domain": "example.com",
                        "mx-host": ["mx1.example.com"],
                    },
                    "summary": {
                        "total-successful-session-count": 30,
                        "total-failure-session-count": 2,
                    },
                    "failure-details": [detail],
                }
            ],
        }
    ).encode()


def test_an_over_long_failure_reason_code_keeps_its_start(monkeypatch) -> None:
    code = OPENSSL * 40
    assert len(code) > MAX_NAME_CHARS
    for data in (report(code), gzip.compress(report(code), mtime=0)):
        status, parsed = both_readers(data, monkeypatch)
        assert status == "parsed", parsed
        kept = parsed.policies[0].failure_details[0].failure_reason_code
        assert kept == code[:MAX_NAME_CHARS]
        assert kept.startswith("SSL_connect error to mx1.example.com")
        assert any(
            f"failure-reason-code is longer than {MAX_NAME_CHARS} characters; ignored past "
            f"its first {MAX_NAME_CHARS} (cut" in w
            for w in parsed.warnings
        ), parsed.warnings
        assert parsed.total_failed == 2


def test_a_failure_reason_code_at_the_limit_is_kept_whole_without_a_word(monkeypatch) -> None:
    code = ("x" * (MAX_NAME_CHARS - 1)) + "\U0001f4e7"  # the last character astral
    status, parsed = both_readers(report(code), monkeypatch)
    assert status == "parsed", parsed
    assert parsed.policies[0].failure_details[0].failure_reason_code == code
    assert parsed.warnings == []


def test_an_over_long_uri_is_still_dropped_whole(monkeypatch) -> None:
    uri = "https://tlsrpt.sender.example/view?state=" + "A" * MAX_URI_CHARS
    status, parsed = both_readers(report(OPENSSL, uri), monkeypatch)
    assert status == "parsed", parsed
    detail = parsed.policies[0].failure_details[0]
    assert detail.additional_information is None
    assert detail.failure_reason_code == OPENSSL
    assert any(
        f"additional-information is longer than {MAX_URI_CHARS} characters; ignored" in w
        for w in parsed.warnings
    )


def test_the_cut_failure_reason_code_is_what_is_stored(
    client: Client, address: ReportAddress
) -> None:
    code = OPENSSL * 40
    body = gzip.compress(report(code), mtime=0)
    assert _post(client, address.token, body).status_code == 201
    parse_pending()
    raw = RawReport.objects.get()
    assert raw.parse_status == RawReport.PARSED, raw.error
    assert FailureDetail.objects.get().failure_reason_code == code[:MAX_NAME_CHARS]
    assert bytes(raw.body) == body  # the whole text stays in the raw report
    assert any("(cut;" in w for w in raw.report.warnings)
