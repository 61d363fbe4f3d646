# ruff: noqa: F811 (pytest fixtures imported from other test modules)
"""Task s48g, follow-up of blind round s48c: a gzip body's own file name (the header's FNAME,
RFC 1952 §2.3.1) is a name the sender gave its report, as a zip's report file name or a mail
attachment's is, and names the policy domain of a policy that leaves policy-domain out
(checklist RPT-06; docs/reports.md, 5. Day and domain) on every door: POSTed over HTTPS,
mailed, imported. The one rule: the report's policy-domain, then TLS-Report-Domain (mail),
then a name the sender gave, the body's own first (a zip's report file, a gzip's FNAME), then
the name it came under (the attachment's, the imported file's), and only then the report
address's domain.

And where the domain came from is said as it is: "from the report address" over HTTPS (posted
or imported), "from the TLS-Report-Domain header" on a mail with one; only a mail without the
header, filed under the address it was sent to, says "from the envelope" (until s48g every
door said so, HTTPS too, which has no envelope).

Failing first on a copy of HEAD 9b90cebd (9 failed, 3 passed): the POSTed (also under a
Content-Encoding: gzip), mailed and imported gzips whose FNAME names mail.example.com were
filed under example.com "from the envelope"; the POSTs and the import without such a name,
and the mail with the header, said "from the envelope". The controls (the fixture's FNAME, an
attachment's §5.1 name without FNAME, a mail without header nor name) passed.
"""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from reports.models import RawReport, ReportAddress, TlsReport
from tests.test_reports_email import address, dns_stub, ingest, signer  # noqa: F401 (fixtures)
from tests.test_reports_s12_blind import GZ, _post, head, multipart, part, sign_any
from tests.test_reports_s13_blind import parse_pending
from tests.test_reports_s45b_fixes import NO_POLICY_DOMAIN

pytestmark = pytest.mark.django_db

# RFC 8460 §5.1, for mail.example.com: the name of the JSON file gzip compressed.
FNAME = "sender.example!mail.example.com!1780272000!1780358399!001.json"
OTHER = "sender.example!other.example.com!1780272000!1780358399!001.json.gz"


def gzipped(fname: str | None) -> bytes:
    """The report gzipped with `fname` in its header (Python's gzip module writes FNAME from
    the file name it is given, as `gzip -N` keeps the original name); None: no FNAME."""
    out = io.BytesIO()
    with gzip.GzipFile(filename=fname or "", mode="wb", fileobj=out, mtime=0) as g:
        g.write(json.dumps(NO_POLICY_DOMAIN).encode())
    return out.getvalue()


def stored() -> TlsReport:
    raw = RawReport.objects.get()
    assert raw.parse_status == RawReport.PARSED, raw.error
    return TlsReport.objects.get()


def said(report: TlsReport) -> str:
    (warning,) = [w for w in report.warnings if "policy-domain is missing" in w]
    return warning


def test_the_fixture_carries_fname() -> None:
    data = gzipped(FNAME)
    assert data[3] & 0x08 and FNAME.encode() in data[:100]
    assert not gzipped(None)[3] & 0x08


# --- HTTPS ------------------------------------------------------------------------------


def posted(client: Client, address: ReportAddress, body: bytes, **extra: Any) -> TlsReport:
    assert _post(client, address.token, body, GZ, **extra).status_code == 201
    parse_pending()
    return stored()


def test_a_posted_gzip_is_about_the_domain_its_fname_names(
    client: Client, address: ReportAddress
) -> None:
    report = posted(client, address, gzipped(FNAME))
    assert (report.policy_domain, report.counted) == ("mail.example.com", True)
    assert report.policies.get().policy_domain == "mail.example.com"
    assert f"using mail.example.com from the report file's name {FNAME!r}" in said(report)


def test_a_posted_gzip_under_a_content_encoding_gzip_reads_the_inner_fname(
    client: Client, address: ReportAddress
) -> None:
    # Content-Encoding: gzip over the report's own gzip (decode_chunks reads both layers):
    # the HTTP client's layer names no file; the report's does.
    body = gzip.compress(gzipped(FNAME), mtime=0)
    report = posted(client, address, body, HTTP_CONTENT_ENCODING="gzip")
    assert report.policy_domain == "mail.example.com"


def test_a_posted_gzip_without_a_name_says_it_took_the_report_addresss_domain(
    client: Client, address: ReportAddress
) -> None:
    report = posted(client, address, gzipped(None))
    assert report.policy_domain == "example.com"
    assert "using example.com from the report address" in said(report)
    assert "envelope" not in said(report)


def test_a_posted_gzip_whose_fname_is_no_5_1_name_is_the_addresss(
    client: Client, address: ReportAddress
) -> None:
    report = posted(client, address, gzipped("report.json"))
    assert report.policy_domain == "example.com"
    assert "using example.com from the report address" in said(report)


# --- Mail -------------------------------------------------------------------------------


def mailed(
    address: ReportAddress, signer: Any, body: bytes, filename: str, header: str | None = None
) -> TlsReport:
    fields = head(address, **{"TLS-Report-Domain": header})
    message = sign_any(
        multipart(address, [part(GZ, body, filename=filename)], fields=fields), signer
    )
    assert ingest(message) == 0
    parse_pending()
    return stored()


def test_a_mailed_gzip_is_about_the_domain_its_fname_names(
    address: ReportAddress, signer: Any
) -> None:
    report = mailed(address, signer, gzipped(FNAME), "report.json.gz")
    assert (report.policy_domain, report.counted) == ("mail.example.com", True)
    assert f"from the report file's name {FNAME!r}" in said(report)


def test_a_mailed_gzips_fname_comes_before_its_attachments_name(
    address: ReportAddress, signer: Any
) -> None:
    # The body's own name first, as a zip's report file's before the zip's (task s46a).
    report = mailed(address, signer, gzipped(FNAME), OTHER)
    assert report.policy_domain == "mail.example.com"


def test_a_mailed_gzip_without_fname_takes_its_attachments_name(
    address: ReportAddress, signer: Any
) -> None:
    report = mailed(address, signer, gzipped(None), OTHER)
    assert report.policy_domain == "other.example.com"


def test_the_header_comes_before_the_fname_and_is_named(
    address: ReportAddress, signer: Any
) -> None:
    report = mailed(address, signer, gzipped(FNAME), "report.json.gz", header="example.com")
    assert report.policy_domain == "example.com"
    assert "using example.com from the TLS-Report-Domain header" in said(report)


def test_a_mail_without_header_nor_name_says_the_envelope(
    address: ReportAddress, signer: Any
) -> None:
    report = mailed(address, signer, gzipped(None), "report.json.gz")
    assert report.policy_domain == "example.com"
    assert "using example.com from the envelope" in said(report)


# --- Import -----------------------------------------------------------------------------


def imported(tmp_path: Path, address: ReportAddress, body: bytes, filename: str) -> TlsReport:
    (tmp_path / filename).write_bytes(body)
    out = io.StringIO()
    call_command("ingest_files", str(tmp_path), "--address", address.token, stdout=out)
    assert out.getvalue().strip() == "1 parsed"
    return stored()


def test_an_imported_gzip_is_about_the_domain_its_fname_names(
    tmp_path: Path, address: ReportAddress
) -> None:
    report = imported(tmp_path, address, gzipped(FNAME), "report.json.gz")
    assert (report.policy_domain, report.counted) == ("mail.example.com", True)
    assert f"from the report file's name {FNAME!r}" in said(report)
    # Kept with the row: a parse of it again reads the same name.
    call_command(
        "reparse", "--parsed", "--with-warning", "policy-domain is missing", stdout=io.StringIO()
    )
    assert TlsReport.objects.get().policy_domain == "mail.example.com"


def test_an_imported_gzip_without_a_name_says_it_took_the_report_addresss_domain(
    tmp_path: Path, address: ReportAddress
) -> None:
    report = imported(tmp_path, address, gzipped(None), "report.json.gz")
    assert report.policy_domain == "example.com"
    assert "using example.com from the report address" in said(report)
    assert "envelope" not in said(report)
