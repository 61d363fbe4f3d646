"""A zip POSTed over HTTPS whose report files carry RFC 8460 §5.1 names: a policy without
policy-domain (Postfix/sys4's no-policy-found) is about the domain its file's name names, as in
the same zip mailed or imported (task s46a), not the address's (blind round s48c, C01 and C02;
checklist RPT-06: fall back to TLS-Report-Domain / the file name).

Failing first (on a copy of HEAD 7f6b0101): the two-file zip and the zip with a directory entry
were filed under example.com, 'from the envelope'; the control without a §5.1 name passed. The
reparse case (added with the fix) pins the upgrade step docs/reports.md gives.
"""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.core.management import call_command
from django.test import Client

import reports.models
from reports.models import RawReport, ReportAddress, TlsReport
from tests.test_reports_email import address  # noqa: F401 (fixture)
from tests.test_reports_s12_blind import _post
from tests.test_reports_s13_blind import parse_pending


def report(ok: int, rid: str) -> bytes:
    return json.dumps(
        {
            "organization-name": "Sender Example Mail Ltd.",
            "date-range": {
                "start-datetime": "2026-06-01T00:00:00Z",
                "end-datetime": "2026-06-01T23:59:59Z",
            },
            "contact-info": "smtp-tls-reporting@sender.example",
            "report-id": rid,
            "policies": [
                {
                    "policy": {"policy-type": "no-policy-found"},
                    "summary": {
                        "total-successful-session-count": ok,
                        "total-failure-session-count": 0,
                    },
                }
            ],
        }
    ).encode()


def zipped(*members: tuple[str, bytes | None]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members:
            if data is None:
                z.mkdir(name)
            else:
                z.writestr(name, data)
    return out.getvalue()


def name(domain: str, unique: str) -> str:
    return f"sender.example!{domain}!1780272000!1780358399!{unique}.json"


def posted(client: Client, address: ReportAddress, body: bytes) -> list[TlsReport]:  # noqa: F811
    assert _post(client, address.token, body, "application/zip").status_code == 201
    parse_pending()
    assert {r.parse_status for r in RawReport.objects.all()} == {RawReport.PARSED}
    return list(TlsReport.objects.order_by("pk"))


def test_each_report_file_of_a_posted_zip_is_about_the_domain_its_name_names(
    client: Client,
    address: ReportAddress,  # noqa: F811
) -> None:
    body = zipped(
        (name("example.com", "a"), report(64, "r_a")),
        (name("mail.example.com", "b"), report(32, "r_b")),
    )
    reports = posted(client, address, body)
    assert [r.policy_domain for r in reports] == ["example.com", "mail.example.com"]
    assert [r.counted for r in reports] == [True, True]
    assert [p.policy_domain for p in reports[1].policies.all()] == ["mail.example.com"]
    said = [w for w in reports[1].warnings if "policy-domain is missing" in w]
    assert said and "using mail.example.com from the report file's name" in said[0], said
    assert name("mail.example.com", "b") in said[0]


def test_a_report_file_in_a_folder_of_the_zip_is_named_by_its_last_segment(
    client: Client,
    address: ReportAddress,  # noqa: F811
) -> None:
    body = zipped(("reports/", None), ("reports/" + name("mail.example.com", "1"), report(48, "r")))
    (stored,) = posted(client, address, body)
    assert stored.policy_domain == "mail.example.com"
    assert stored.total_successful == 48


def test_a_report_file_without_a_5_1_name_is_about_the_addresss_domain(
    client: Client,
    address: ReportAddress,  # noqa: F811
) -> None:
    (stored,) = posted(client, address, zipped(("report.json", report(48, "r"))))
    assert stored.policy_domain == "example.com"
    # Said as it is: over HTTPS there is no envelope (s48g).
    assert any("using example.com from the report address" in w for w in stored.warnings)


def test_a_report_stored_before_the_fix_moves_to_its_domain_on_reparse(
    client: Client,
    address: ReportAddress,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """docs/reports.md 'Day and domain': `reparse --parsed --with-warning "policy-domain is
    missing"` files a POSTed zip's report stored before s48c under its file's domain."""
    body = zipped(
        (name("example.com", "a"), report(64, "r_a")),
        (name("mail.example.com", "b"), report(32, "r_b")),
    )
    with monkeypatch.context() as before:  # as the release before s48c read it: no name
        before.setattr(reports.models, "report_file_name", lambda data, member: None)
        reports_before = posted(client, address, body)
    assert [r.policy_domain for r in reports_before] == ["example.com", "example.com"]
    out = io.StringIO()
    call_command("reparse", "--parsed", "--with-warning", "policy-domain is missing", stdout=out)
    stored = list(TlsReport.objects.order_by("pk"))
    assert [r.policy_domain for r in stored] == ["example.com", "mail.example.com"], out.getvalue()
    assert [r.total_successful for r in stored] == [64, 32]
    assert {r.parse_status for r in RawReport.objects.all()} == {RawReport.PARSED}
