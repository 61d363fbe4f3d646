# ruff: noqa: F811 (pytest fixtures imported from other test modules)
"""s31d: a blank report body, over HTTPS and as a mail attachment.

RFC 8460 §5.4: the report is POSTed as the body; a 4xx tells the sender the submission failed
(§5.5: it may retry). An empty body was already a 400 "empty body" with nothing stored (docs/
reports.md): endpoint checkers send it, and it holds no report. A body of blanks and line ends
only was stored as a raw report, marked rejected and answered 400 "body is not a JSON object,
gzip or zip (first bytes: b'\\r\\n \\r\\n')", a row the owner could do nothing with, counted
against the address's quota. It holds no more than an empty body does (RFC 8259 §2: JSON text
is a value between its blanks; gzip and zip start with their magic bytes), so it is answered
the same way: 400 "empty body", saying what came, and nothing stored.

A mail whose report attachment is blank is different: the message is stored (its headers,
sender and DKIM signature are what the owner can act on) and rejected with the reason "the
application/tlsrpt+gzip part is empty", as it already was; pinned here.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from mailsec.domains.models import Domain
from reports.models import RawReport, ReportAddress, TlsReport
from tests.test_reports_email import dns_stub, ingest, signer  # noqa: F401 (fixtures)
from tests.test_reports_s13_blind import parse_pending
from tests.test_reports_s26_blind import attachment, report_mail, sign
from tests.test_reports_s30r_blind import owner  # noqa: F401 (fixture)

JS = "application/tlsrpt+json"
GZ = "application/tlsrpt+gzip"


def _address() -> ReportAddress:
    return ReportAddress.for_domain(Domain.objects.get(name="example.com"))


def _post(body: bytes, ctype: str) -> tuple[int, str]:
    address = _address()
    response = Client().generic("POST", f"/tlsrpt/{address.token}", body, ctype)
    return response.status_code, response.json()["error"]


@pytest.mark.parametrize(
    "body", [b"\r\n \r\n", b"\n", b" " * 300, b"\t\r\n"], ids=["crlf", "lf", "spaces", "tab"]
)
@pytest.mark.parametrize("ctype", [JS, GZ])
def test_a_blank_https_body_is_a_400_empty_body_and_nothing_is_stored(
    owner: User, body: bytes, ctype: str
) -> None:
    status, text = _post(body, ctype)
    assert status == 400
    size = "1 byte" if len(body) == 1 else f"{len(body)} bytes"
    assert text == (
        f"empty body: only blanks and line ends ({size}), no report; POST the report "
        "(RFC 8460 §5.4)"
    )
    assert RawReport.objects.count() == 0


def test_an_empty_https_body_keeps_its_words(owner: User) -> None:
    status, text = _post(b"", GZ)
    assert status == 400 and "empty body: POST the report" in text
    assert RawReport.objects.count() == 0


def test_a_body_with_something_after_the_blanks_is_still_stored(owner: User) -> None:
    # Control: garbage after blanks is bytes a person can look at: stored, rejected, 400.
    status, text = _post(b"\r\n  nope\r\n", JS)
    assert status == 400 and "not a JSON object, gzip or zip" in text
    (raw,) = RawReport.objects.all()
    assert raw.parse_status == RawReport.REJECTED


@pytest.mark.parametrize("data", [b"", b"\r\n  \r\n"], ids=["empty", "blank"])
def test_a_blank_mail_attachment_is_stored_and_rejected_saying_so(
    owner: User, signer: Any, data: bytes
) -> None:
    message = sign(report_mail(_address().mailto, [attachment(GZ, data, "report.json.gz")]), signer)
    assert ingest(message) == 0  # taken: the message is kept, the reason recorded
    parse_pending()
    (raw,) = RawReport.objects.all()
    assert raw.parse_status == RawReport.REJECTED
    assert raw.error == f"the {GZ} part is empty (RFC 8460 §5.3)"
    assert TlsReport.objects.count() == 0
