# ruff: noqa: F811 (pytest fixtures imported from other test modules)
"""The fixes blind round s26 (tests/test_reports_s26_blind.py) found, each failing without its
fix:

* R24 / R25 / R26: a bzip2 or xz (or zstd) report, or the base64 text of the gzip, was refused
  as "not a JSON object, gzip or zip" with its first bytes, and an xz attachment as "message has
  no gzip, zip or JSON part": the reason now names what it is and what RFC 8460 §5.2 asks for.
* R01: a report mail saved and attached as a file (*.eml, application/octet-stream) by an admin
  forwarding it was not read ("message has no gzip, zip or JSON part"); it is read as a forward
  (message/rfc822) is, judged by the saved message's own DKIM signature.
* R38: a DMARC aggregate report beside a TLS report in one mail was passed over in silence; the
  TLS report now says so.
* R30: two reporters whose reports share an organisation name and a report-id (small sites'
  default names, day-based ids), each DKIM-signed by its own domain, were read as one report
  and the second's sessions dropped as a resend; each is now a report of its own.
"""

from __future__ import annotations

import base64
import bz2
import gzip
import json
import lzma
from typing import Any

import pytest
from django.test import Client

from reports.models import RawReport, ReportAddress, TlsReport
from reports.parse import what_it_is
from tests.test_reports_email import address, dns_stub, ingest, signer  # noqa: F401 (fixtures)
from tests.test_reports_s12_blind import _post
from tests.test_reports_s13_blind import parse_pending
from tests.test_reports_s26_blind import (
    GZ,
    attachment,
    b64,
    forward,
    raw_part,
    report,
    report_mail,
    sign,
    sts,
    zipped,
)

REPORT = json.dumps(report()).encode()


# --- Other compressions and base64 text are named -----------------------------------------------


@pytest.mark.parametrize(
    ("data", "named"),
    [
        (bz2.compress(REPORT), "it is bzip2-compressed"),
        (lzma.compress(REPORT, format=lzma.FORMAT_XZ), "it is xz-compressed"),
        (b"\x28\xb5\x2f\xfd\x20\x05\x29\x00\x00", "it is zstd (Zstandard)-compressed"),
        (base64.b64encode(gzip.compress(REPORT)), "the base64 text of a gzip"),
        (base64.encodebytes(gzip.compress(REPORT)), "the base64 text of a gzip"),
        (base64.b64encode(zipped(("r.json", REPORT))), "the base64 text of a zip"),
    ],
)
def test_what_a_body_is_names_other_compressions_and_base64(data: bytes, named: str) -> None:
    assert named in what_it_is(data)


@pytest.mark.parametrize(
    "data",
    [
        b"hello, this is no report",
        b"BZh9 not bzip2 after all",
        b"H4sI but not base64 of anything!",
        base64.b64encode(b"\x1f\x8b no gzip inside"),
    ],
)
def test_a_look_alike_is_not_named_as_one(data: bytes) -> None:
    assert what_it_is(data) == ""


@pytest.mark.parametrize(
    ("body", "named"),
    [
        (bz2.compress(REPORT), "bzip2"),
        (base64.b64encode(gzip.compress(REPORT)), "base64 text of a gzip"),
    ],
)
def test_an_https_body_in_another_format_is_refused_naming_it(
    client: Client, address: ReportAddress, body: bytes, named: str
) -> None:
    response = _post(client, address.token, body)
    assert response.status_code == 400
    raw = RawReport.objects.get()  # kept all the same
    assert bytes(raw.body) == body
    assert raw.parse_status == RawReport.REJECTED and named in raw.error, raw.error
    assert named in response.json()["error"]


def test_an_xz_attachment_is_named_as_the_reason_no_report_was_read(
    address: ReportAddress, signer: Any
) -> None:
    data = lzma.compress(REPORT, format=lzma.FORMAT_XZ)
    part = attachment("application/x-xz", data, "sender.example!example.com!1!2!001.json.xz")
    assert ingest(sign(report_mail(address.mailto, [part]), signer)) == 0
    parse_pending()
    raw = RawReport.objects.get()
    assert raw.parse_status == RawReport.REJECTED
    assert "the application/x-xz part 'sender.example!example.com!1!2!001.json.xz'" in raw.error
    assert "it is xz-compressed" in raw.error, raw.error


def test_a_declared_report_part_keeps_its_own_reason_before_another_attachment(
    address: ReportAddress, signer: Any
) -> None:
    """The reason about the part declared a report comes first (as before); the xz file is
    named only when nothing else says why."""
    parts = [
        attachment("application/x-xz", lzma.compress(REPORT), "r.json.xz"),
        attachment(GZ, b"not gzip at all", "r.json.gz"),
    ]
    assert ingest(sign(report_mail(address.mailto, parts), signer)) == 0
    parse_pending()
    error = RawReport.objects.get().error
    assert error.startswith("the application/tlsrpt+gzip part is not gzip"), error


# --- A report mail attached as a saved .eml file -------------------------------------------------


def _saved(inner: bytes, ctype: str = "application/octet-stream", cte: str = "base64") -> bytes:
    body = b64(inner) if cte == "base64" else inner
    return raw_part(
        [
            f'Content-Type: {ctype}; name="Report Domain example.com.eml"',
            f"Content-Transfer-Encoding: {cte}",
            'Content-Disposition: attachment; filename="Report Domain example.com.eml"',
        ],
        body,
    )


def _report_mail_signed(signer: Any, ok: int = 120) -> bytes:
    data = gzip.compress(json.dumps(report(policies=[sts(ok=ok)])).encode(), mtime=0)
    return sign(report_mail("tls@example.com", [attachment(GZ, data, "r.json.gz")]), signer)


@pytest.mark.parametrize(
    ("ctype", "cte"),
    [("application/octet-stream", "base64"), ("text/plain", "7bit")],
)
def test_a_report_mail_attached_as_an_eml_file_is_read_as_a_forward(
    address: ReportAddress, signer: Any, ctype: str, cte: str
) -> None:
    message = forward(address.mailto, [_saved(_report_mail_signed(signer), ctype, cte)])
    assert ingest(message) == 0
    parse_pending()
    raw = RawReport.objects.get()
    assert raw.parse_status == RawReport.PARSED, raw.error
    assert raw.dkim_result == "pass" and raw.dkim_domain == "sender.example"
    assert raw.report is not None and raw.report.total_successful == 120
    assert any("forward" in w for w in raw.report.warnings), raw.report.warnings


def test_an_eml_file_whose_message_is_not_signed_by_the_reporter_vouches_for_nothing(
    address: ReportAddress, signer: Any
) -> None:
    """The saved message is judged by its own signature: unsigned, its report is rejected
    (RFC 8460 §3), as an unsigned forward's is."""
    data = gzip.compress(REPORT, mtime=0)
    inner = report_mail("tls@example.com", [attachment(GZ, data, "r.json.gz")])
    assert ingest(forward(address.mailto, [_saved(inner)])) == 0
    parse_pending()
    raw = RawReport.objects.get()
    assert raw.parse_status == RawReport.REJECTED
    assert "DKIM" in raw.error, raw.error


def test_an_attachment_not_named_eml_is_not_read_as_a_message(
    address: ReportAddress, signer: Any
) -> None:
    """Only a saved message file is opened so: a note.txt holding mail-looking text is not."""
    part = raw_part(
        [
            'Content-Type: application/octet-stream; name="notes.txt"',
            "Content-Transfer-Encoding: base64",
        ],
        b64(_report_mail_signed(signer)),
    )
    assert ingest(forward(address.mailto, [part])) == 0
    parse_pending()
    raw = RawReport.objects.get()
    assert raw.parse_status == RawReport.REJECTED
    assert "no gzip, zip or JSON part" in raw.error, raw.error


# --- A DMARC report beside a TLS report ----------------------------------------------------------

DMARC_XML = (
    b'<?xml version="1.0"?><feedback><report_metadata><org_name>sender.example</org_name>'
    b"</report_metadata><policy_published><domain>example.com</domain></policy_published>"
    b"</feedback>"
)


def test_a_dmarc_report_beside_a_tls_report_is_named_on_the_tls_report(
    address: ReportAddress, signer: Any
) -> None:
    parts = [
        attachment(GZ, gzip.compress(REPORT, mtime=0), "r.json.gz"),
        attachment("application/gzip", gzip.compress(DMARC_XML), "dmarc.xml.gz"),
    ]
    assert ingest(sign(report_mail(address.mailto, parts), signer)) == 0
    parse_pending()
    raw = RawReport.objects.get()
    assert raw.parse_status == RawReport.PARSED, raw.error
    assert raw.report is not None
    told = [w for w in raw.report.warnings if "DMARC aggregate report" in w]
    assert told and "rua of _dmarc" in told[0], raw.report.warnings


# --- One organisation name and report-id, two reporters ------------------------------------------


def _by(
    to: ReportAddress, signer: Any, domain: str, ok: int, *, signed: bool = True, n: int = 1
) -> bytes:
    r = report(
        org="TLSRPT Reporter",
        contact=f"smtp-tls-reporting@{domain}",
        rid="2026-report-1",
        policies=[sts(ok=ok)],
    )
    data = gzip.compress(json.dumps(r).encode(), mtime=n)
    message = report_mail(
        to.mailto,
        [attachment(GZ, data, "r.json.gz")],
        submitter=domain,
        message_id=f"<{n}@{domain}>",
    )
    return sign(message, signer, domain) if signed else message


def test_two_reporters_signed_each_by_its_own_domain_are_two_reports(
    address: ReportAddress, signer: Any
) -> None:
    assert ingest(_by(address, signer, "sender.example", 100)) == 0
    assert ingest(_by(address, signer, "other.example", 60)) == 0
    # The second reporter resends its report: a copy of its own, not of the first's.
    assert ingest(_by(address, signer, "other.example", 60, n=2)) == 0
    parse_pending()
    statuses = list(RawReport.objects.order_by("pk").values_list("parse_status", flat=True))
    assert statuses == [RawReport.PARSED, RawReport.PARSED, RawReport.DUPLICATE]
    reports = {r.contact_info: r.total_successful for r in TlsReport.objects.all()}
    assert reports == {
        "smtp-tls-reporting@sender.example": 100,
        "smtp-tls-reporting@other.example": 60,
    }
    third = RawReport.objects.order_by("pk").last()
    assert third is not None and third.report is not None
    assert third.report.contact_info == "smtp-tls-reporting@other.example"


def test_an_unsigned_copy_naming_another_reporter_stays_a_copy(
    client: Client, address: ReportAddress, signer: Any
) -> None:
    """Over HTTPS nothing proves whose report it is: with the same organisation name and
    report-id as a stored report it is read as its copy, as before (a signed copy still
    beats an unsigned one: report-ids are predictable, copy_outcome)."""
    assert ingest(_by(address, signer, "sender.example", 100)) == 0
    parse_pending()
    r = report(
        org="TLSRPT Reporter",
        contact="smtp-tls-reporting@other.example",
        rid="2026-report-1",
        policies=[sts(ok=60)],
    )
    assert _post(client, address.token, gzip.compress(json.dumps(r).encode())).status_code == 201
    parse_pending()
    assert TlsReport.objects.count() == 1
    last = RawReport.objects.order_by("pk").last()
    # Its counts differ from the signed copy's: set aside, the signed one counted.
    assert last is not None and last.parse_status == RawReport.SUPERSEDED, last.error
    assert TlsReport.objects.get().total_successful == 100


def test_an_unsigned_copy_joins_its_reporters_report_once_split_off(
    client: Client, address: ReportAddress, signer: Any
) -> None:
    assert ingest(_by(address, signer, "sender.example", 100)) == 0
    assert ingest(_by(address, signer, "other.example", 60)) == 0
    parse_pending()
    r = report(
        org="TLSRPT Reporter",
        contact="smtp-tls-reporting@other.example",
        rid="2026-report-1",
        policies=[sts(ok=60)],
    )
    assert _post(client, address.token, gzip.compress(json.dumps(r).encode())).status_code == 201
    parse_pending()
    last = RawReport.objects.order_by("pk").last()
    assert last is not None and last.parse_status == RawReport.DUPLICATE
    assert last.report is not None
    assert last.report.contact_info == "smtp-tls-reporting@other.example"
    assert TlsReport.objects.count() == 2


def test_a_reporters_own_subdomain_is_the_same_reporter(
    address: ReportAddress, signer: Any, dns_stub: Any
) -> None:
    """mail.sender.example is sender.example's organisation: its signed copy is a resend."""
    key = dns_stub.records["tlsrpt2026._domainkey.sender.example."]
    dns_stub.records["tlsrpt2026._domainkey.mail.sender.example."] = key
    assert ingest(_by(address, signer, "sender.example", 100)) == 0
    assert ingest(_by(address, signer, "mail.sender.example", 100, n=2)) == 0
    parse_pending()
    assert TlsReport.objects.count() == 1
    statuses = list(RawReport.objects.order_by("pk").values_list("parse_status", flat=True))
    assert statuses == [RawReport.PARSED, RawReport.DUPLICATE]
