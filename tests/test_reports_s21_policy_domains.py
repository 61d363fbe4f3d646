# ruff: noqa: F811 (pytest fixtures imported from test_reports_email)
"""A report whose policies are about the address's domain and about another domain too (one
customer's shared _smtp._tls record; blind round s21r, case C03): only the address's part is
counted and stored with the report, whatever the order of the entries, with a warning naming
the other domain and its figures; the raw bytes keep everything (reports.models.
keep_own_policies). A report about other domains only is left whole, not counted, as before.
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

from reports.alerts import failed_rows
from reports.models import FailureDetail, RawReport, ReportAddress, TlsReport
from tests.test_reports_email import address  # noqa: F401 (fixture)
from tests.test_reports_s13_blind import parse_pending

C03 = json.loads((Path(__file__).parent / "data/tlsrpt/s21/C03.json").read_text())


def report(order: str) -> dict[str, Any]:
    """C03 (example.net's entry with 9 certificate-expired failures, then example.com's with
    80 successful sessions), in `order`: "net first" or "com first"."""
    r = json.loads(json.dumps(C03))
    if order == "com first":
        r["policies"].reverse()
    return r


def posted(client: Client, address: ReportAddress, r: dict[str, Any]) -> TlsReport:
    body = gzip.compress(json.dumps(r).encode(), mtime=0)
    response = client.post(
        f"/tlsrpt/{address.token}", data=body, content_type="application/tlsrpt+gzip"
    )
    assert response.status_code == 201
    parse_pending()
    raw = RawReport.objects.get()
    assert bytes(raw.body) == body
    return TlsReport.objects.get()


def check_own_part_only(address: ReportAddress, stored: TlsReport) -> None:
    assert (stored.counted, stored.policy_domain) == (True, "example.com")
    assert (stored.total_successful, stored.total_failed) == (80, 0)
    assert list(stored.policies.values_list("policy_domain", flat=True)) == ["example.com"]
    assert not FailureDetail.objects.exists()
    counted = FailureDetail.objects.filter(report__address=address, report__counted=True)
    assert not failed_rows(counted).exists()
    [warning] = [w for w in stored.warnings if "example.net" in w]
    assert "1 of its policies (300 successful and 9 failed sessions) is about" in warning


@pytest.mark.parametrize("order", ["net first", "com first"])
def test_only_the_addresss_part_of_a_report_about_two_domains_counts(
    order: str, client: Client, address: ReportAddress
) -> None:
    check_own_part_only(address, posted(client, address, report(order)))


@pytest.mark.parametrize("order", ["net first", "com first"])
def test_an_imported_report_about_two_domains_is_read_alike(
    order: str, address: ReportAddress, tmp_path
) -> None:
    path = tmp_path / "sender.example!example.com!1780272000!1780358399.json"
    path.write_text(json.dumps(report(order)))
    call_command("ingest_files", "--address", address.token, str(path), stdout=io.StringIO())
    check_own_part_only(address, TlsReport.objects.get())


def test_a_report_about_another_domain_only_stays_whole_and_uncounted(
    client: Client, address: ReportAddress
) -> None:
    r = report("net first")
    r["policies"] = r["policies"][:1]
    stored = posted(client, address, r)
    assert (stored.counted, stored.policy_domain) == (False, "example.net")
    assert (stored.total_successful, stored.total_failed) == (300, 9)
    assert FailureDetail.objects.count() == 1
