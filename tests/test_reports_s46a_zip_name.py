# ruff: noqa: F811 (pytest fixtures imported from other test modules)
"""Task s46a 2: `manage.py ingest_files` reads the RFC 8460 §5.1 name of the report file in a
zip archive (`<receiver>!<policy-domain>!<begin>!<end>!<id>.json`) for the policy domain of a
policy that leaves policy-domain out, as it reads a plain file's name (task s45i): before,
only the zip's own name was read, and a zip is no §5.1 name (its extension is none of
§5.1's), so the report was filed under the address's domain. When both name a domain, the
report file's name is the one read (reports.ingest). A parse of the row again (`reparse`)
reads the same name. SQLite runs the ORM path, PostgreSQL the COPY path (DATABASE_URL)."""

from __future__ import annotations

import copy
import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from reports.models import RawReport, ReportAddress, TlsReport
from tests.test_reports_email import address, dns_stub, ingest, make_message, sign, signer  # noqa: F401
from tests.test_reports_s12_blind import _zip
from tests.test_reports_s13_blind import parse_pending
from tests.test_reports_s45b_fixes import NO_POLICY_DOMAIN

pytestmark = pytest.mark.django_db


def named(domain: str, unique: str = "001") -> str:
    return f"sender.example!{domain}!1780272000!1780358399!{unique}.json"


def report(day: str = "2026-06-01") -> bytes:
    r: dict[str, Any] = copy.deepcopy(NO_POLICY_DOMAIN)
    r["date-range"] = {"start-datetime": f"{day}T00:00:00Z", "end-datetime": f"{day}T23:59:59Z"}
    r["report-id"] = f"{day}_s46a"
    return json.dumps(r).encode()


def import_file(tmp_path: Path, address: ReportAddress, name: str, data: bytes) -> str:
    (tmp_path / name).write_bytes(data)
    out = io.StringIO()
    call_command("ingest_files", str(tmp_path / name), "--address", address.token, stdout=out)
    return out.getvalue().strip()


def domains() -> dict[str, str]:
    return {r.report_id: r.policy_domain for r in TlsReport.objects.all()}


@pytest.mark.parametrize(
    ("zip_name", "inner", "domain"),
    [
        # The zip's own name names nothing: the report file's §5.1 name does.
        ("reports.zip", named("mail.example.com"), "mail.example.com"),
        (
            "sender.example!other.example.com!1780272000!1780358399.zip",
            named("mail.example.com"),
            "mail.example.com",
        ),
        # Neither names one: the address's domain, as before.
        ("reports.zip", "report.json", "example.com"),
        # Both do (a zip given a report file's name): the report file's name is read.
        (named("other.example.com") + ".gz", named("mail.example.com"), "mail.example.com"),
        # Only the zip's does: read, as before.
        (named("mail.example.com") + ".gz", "report.json", "mail.example.com"),
    ],
)
def test_an_imported_zip_reads_its_report_files_name(
    tmp_path: Path, address: ReportAddress, zip_name: str, inner: str, domain: str
) -> None:
    assert import_file(tmp_path, address, zip_name, _zip((inner, report()))) == "1 parsed"
    stored = TlsReport.objects.get()
    assert (stored.policy_domain, stored.policies.get().policy_domain) == (domain, domain)
    if domain != "example.com":
        assert any("file's name" in w and domain in w for w in stored.warnings), stored.warnings
    # Parsed again (manage.py reparse), it reads the same name.
    raw = RawReport.objects.get()
    raw.process(force=True)
    assert TlsReport.objects.get().policies.get().policy_domain == domain


def test_each_report_file_of_a_zip_reads_its_own_name(
    tmp_path: Path, address: ReportAddress
) -> None:
    data = _zip(
        (named("a.example.com"), report("2026-06-01")),
        (named("b.example.com", "002"), report("2026-06-02")),
    )
    assert import_file(tmp_path, address, "reports.zip", data) == "2 parsed"
    assert domains() == {"2026-06-01_s46a": "a.example.com", "2026-06-02_s46a": "b.example.com"}
    for raw in RawReport.objects.all():
        raw.process(force=True)
    assert domains() == {"2026-06-01_s46a": "a.example.com", "2026-06-02_s46a": "b.example.com"}


@pytest.mark.parametrize(
    ("attachment", "inner", "domain"),
    [
        ("reports.zip", named("mail.example.com"), "mail.example.com"),
        (named("other.example.com") + ".gz", named("mail.example.com"), "mail.example.com"),
        ("reports.zip", "report.json", "example.com"),
    ],
)
def test_a_mailed_zip_without_the_header_reads_its_report_files_name_too(
    address: ReportAddress, signer: Any, attachment: str, inner: str, domain: str
) -> None:
    """The mail path decides as the import: without TLS-Report-Domain, the name of the report
    file in a zip attachment first, then the attachment's."""
    message = make_message(
        address, body=_zip((inner, report())), content_type="application/zip", headers=False
    ).replace(b"sender.example!example.com!1780272000!1780358399!001.json.gz", attachment.encode())
    assert ingest(sign(message, signer)) == 0
    parse_pending()
    raw = RawReport.objects.get()
    assert raw.parse_status == RawReport.PARSED, raw.error
    assert TlsReport.objects.get().policies.get().policy_domain == domain
