# ruff: noqa: F811 (pytest fixtures imported from other test modules)
"""Task s45i item 1: `manage.py ingest_files` reads a report file's RFC 8460 §5.1 name as
the mail path reads an attachment's (7dbfa6c0, checklist RPT-06): a policy whose
policy-domain is left out (the Postfix/sys4 no-policy-found entry) is about the domain the
file name names, before the report address's domain. Before s45i the import fell back to the
address's domain, so `--address <example.com's token>` filed mail.example.com's report under
example.com. SQLite runs the ORM path, PostgreSQL the COPY path (DATABASE_URL)."""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command

from reports.models import ReportAddress, TlsReport
from tests.test_reports_email import address  # noqa: F401 (fixture: example.com's)
from tests.test_reports_s45b_fixes import NAMED, NO_POLICY_DOMAIN

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("filename", "domain", "said"),
    [
        # A §5.1 name: its policy domain, the warning naming the file (as a mail's).
        (NAMED, "mail.example.com", f"from the report file's name {NAMED!r}"),
        ("sender.example!Mail.Example.COM.!1780272000!1780358399.json", "mail.example.com", "name"),
        # Any other name says nothing: the address's domain, as before, said so (no
        # envelope: s48g).
        ("report.json.gz", "example.com", "from the report address"),
        ("a!b c!1780272000!1780358399.json.gz", "example.com", "from the report address"),
    ],
)
def test_an_imported_report_naming_no_policy_domain_is_about_its_files_domain(
    tmp_path: Path, address: ReportAddress, filename: str, domain: str, said: str
) -> None:
    data = json.dumps(NO_POLICY_DOMAIN).encode()
    (tmp_path / filename).write_bytes(
        gzip.compress(data, mtime=0) if filename.endswith(".gz") else data
    )
    out = io.StringIO()
    call_command("ingest_files", str(tmp_path), "--address", address.token, stdout=out)
    assert out.getvalue().strip() == "1 parsed"
    report = TlsReport.objects.get()
    assert (report.policy_domain, report.counted) == (domain, True)
    assert report.policies.get().policy_domain == domain
    assert any("policy-domain is missing" in w and said in w for w in report.warnings), (
        report.warnings
    )
