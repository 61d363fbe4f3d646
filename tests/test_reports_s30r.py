# ruff: noqa: F811 (pytest fixtures imported from other test modules)
"""Defects blind round s30r found (tests/test_reports_s30r_blind.py).

* X20: a report mail forwarded in a multipart/digest whose part has no header block. RFC 2046
  §5.1.5: in a digest a part without Content-Type is message/rfc822. The email package reads
  it so (the report was found, as a forwarded message's), but the forwarded messages cut out
  for DKIM (reports.mail.embedded_messages) took the part as text/plain, so the report's own
  signature was never checked and it was rejected as unsigned.
* X41: a report gzipped three times was rejected as "gzip content is not a JSON object":
  it is a gzip. Twice is read (Content-Encoding: gzip on a +gzip body); a third layer no
  sender writes is still refused, saying what it is.
"""

from __future__ import annotations

import pytest

from reports.mail import embedded_messages
from reports.models import RawReport, TlsReport
from tests.test_reports_email import dns_stub, ingest, signer  # noqa: F401 (fixtures)
from tests.test_reports_s12_blind import both_readers
from tests.test_reports_s13_blind import parse_pending
from tests.test_reports_s30r_blind import (
    _addresses,
    digest,
    gz,
    gz_part,
    js,
    owner,  # noqa: F401 (fixture)
    report,
    report_mail,
    sign,
)


def test_a_digest_part_without_headers_is_a_forwarded_message() -> None:
    inner = b"From: a@sender.example\r\nSubject: r\r\n\r\nbody\r\n"
    assert embedded_messages(digest("tlsrpt+x@example.org", inner)) == [inner]


def test_a_digest_part_declared_text_is_no_forwarded_message() -> None:
    inner = b"From: a@sender.example\r\nSubject: r\r\n\r\nbody\r\n"
    message = digest("tlsrpt+x@example.org", inner).replace(
        b"--dg1\r\n\r\n", b"--dg1\r\nContent-Type: text/plain\r\n\r\n"
    )
    assert embedded_messages(message) == []


def test_a_signed_report_forwarded_in_a_digest_is_read_on_its_signature(owner, signer) -> None:
    to = _addresses()["example.com"].mailto
    inner = sign(report_mail(to, [gz_part(js(report()))]), signer)
    assert ingest(digest(to, inner)) == 0
    parse_pending()
    raw = RawReport.objects.get()
    assert raw.parse_status == RawReport.PARSED, raw.error
    assert raw.dkim_result == "pass"
    assert TlsReport.objects.get().total_successful == 120


def test_a_report_gzipped_three_times_is_refused_saying_so(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    status, reason = both_readers(gz(gz(gz(js(report())))), monkeypatch)
    assert status == "rejected"
    assert "compressed three times" in reason, reason


def test_a_report_gzipped_twice_is_still_read(monkeypatch: pytest.MonkeyPatch) -> None:
    status, _ = both_readers(gz(gz(js(report()))), monkeypatch)
    assert status == "parsed"
