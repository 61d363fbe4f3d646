"""The HTTPS intake (RFC 8460 §5.4) with body labels and content codings test_reports_intake
does not list: generic types (checklist M42, RFC 9110 §8.3), media type parameters and case,
double gzip, content codings we do not decode (RFC 9110 §15.5.16).
"""

from __future__ import annotations

import gzip
from collections.abc import Callable
from typing import Any

import pytest

from reports.models import RawReport
from tests import test_http_s11_urls as urls_case
from tests.test_http_s11_urls import GZ, JS, SAMPLE, report, stored

# The intake's fixtures: an address, eager parsing, and `send`.
address, eager, send = urls_case.address, urls_case.eager, urls_case.send


@pytest.mark.parametrize(
    "content_type",
    [
        "application/gzip",
        "application/x-gzip",
        "application/octet-stream",
        "application/tlsrpt-gzip",
        "application/tlsrpt-json",
        None,
    ],
    ids=["gzip", "x-gzip", "octet-stream", "hyphen-gzip", "hyphen-json", "none"],
)
def test_a_gzip_report_under_a_generic_label_is_stored_with_a_warning(
    send: Callable[..., Any], content_type: str | None
) -> None:
    # Checklist M42 (the same labels on a mail attachment: accept+warn, sniff the magic);
    # RFC 9110 §8.3: without a Content-Type a recipient may examine the data. A 415 would be
    # retried for a day (RFC 8460 §5.5) and the report lost.
    response = send(gzip.compress(report("generic")), content_type)
    assert response.status_code == 201, response.content
    raw = stored(response)
    assert raw.parse_status == RawReport.PARSED, raw.error
    label = content_type or "no Content-Type"
    assert any(label in warning for warning in raw.report.warnings), raw.report.warnings


def test_garbage_under_a_generic_label_is_kept_and_answered_400(send: Callable[..., Any]) -> None:
    response = send(b"<html>a login page</html>", "application/octet-stream")
    assert response.status_code == 400
    assert "not a JSON object, gzip or zip" in response.json()["error"]
    assert RawReport.objects.get().parse_status == RawReport.REJECTED


def test_a_label_that_is_no_report_type_at_all_is_still_415(send: Callable[..., Any]) -> None:
    for content_type in ("text/plain", "multipart/form-data; boundary=x", "image/png"):
        response = send(gzip.compress(SAMPLE), content_type)
        assert response.status_code == 415, content_type
        assert "application/tlsrpt+gzip" in response.json()["error"]
    assert RawReport.objects.count() == 0


def test_parameters_and_case_of_the_media_type_do_not_matter(send: Callable[..., Any]) -> None:
    # RFC 9110 §8.3.1: type and subtype are case-insensitive; parameters are not the type.
    for i, content_type in enumerate(
        ["application/tlsrpt+gzip; charset=binary", "APPLICATION/TLSRPT+GZIP", "Application/Json"]
    ):
        body = report(f"label-{i}")
        response = send(
            body if "json" in content_type.lower() else gzip.compress(body), content_type
        )
        assert response.status_code == 201, (content_type, response.content)
        assert stored(response).parse_status == RawReport.PARSED


def test_a_gzip_report_sent_with_content_encoding_gzip_as_well_is_read(
    send: Callable[..., Any],
) -> None:
    # Double gzip: the report's own compression (+gzip) under HTTP-level compression.
    response = send(gzip.compress(gzip.compress(SAMPLE)), GZ, HTTP_CONTENT_ENCODING="gzip")
    assert response.status_code == 201
    raw = stored(response)
    assert raw.parse_status == RawReport.PARSED, raw.error
    assert raw.report.report_id == "2026-06-01T00:00:00Z_example.com"


@pytest.mark.parametrize("coding", ["br", "deflate", "compress", "zstd"])
def test_a_content_coding_we_do_not_decode_is_415_naming_the_one_we_do(
    send: Callable[..., Any], coding: str
) -> None:
    # RFC 9110 §15.5.16: a 415 for a content coding ought to carry Accept-Encoding.
    response = send(gzip.compress(SAMPLE), JS, HTTP_CONTENT_ENCODING=coding)
    assert response.status_code == 415
    assert coding in response.json()["error"]
    assert response["Accept-Encoding"] == "gzip"
    assert RawReport.objects.count() == 0
