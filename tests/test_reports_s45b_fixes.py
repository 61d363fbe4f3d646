# ruff: noqa: F811 (pytest fixtures imported from other test modules)
"""Fixes found by blind round s45b (tests/test_reports_s45b_blind.py), each written first.

Z15: a mail without TLS-Report-Domain whose no-policy-found entry names no policy-domain (the
Postfix/sys4 reporter leaves it out) was filed under the report address's domain, though its
RFC 8460 §5.1 file name 'sender.example!mail.example.com!<begin>!<end>!001.json.gz' says the
report is mail.example.com's; checklist RPT-06: 'warn if absent (fall back to
TLS-Report-Domain / filename)'.
"""

from __future__ import annotations

import gzip
import json
from typing import Any

import pytest

from reports.models import ReportAddress, TlsReport
from tests.test_reports_email import address, dns_stub, ingest, signer  # noqa: F401 (fixtures)
from tests.test_reports_s12_blind import GZ, head, multipart, part, sign_any
from tests.test_reports_s13_blind import parse_pending

NO_POLICY_DOMAIN = {
    "organization-name": "Sender Example Mail Ltd.",
    "date-range": {
        "start-datetime": "2026-06-01T00:00:00Z",
        "end-datetime": "2026-06-01T23:59:59Z",
    },
    "contact-info": "smtp-tls-reporting@sender.example",
    "report-id": "2026-06-01T00:00:00Z_s45b",
    "policies": [
        {
            "policy": {"policy-type": "no-policy-found"},
            "summary": {"total-successful-session-count": 64, "total-failure-session-count": 0},
        }
    ],
}
NAMED = "sender.example!mail.example.com!1780272000!1780358399!001.json.gz"


@pytest.mark.parametrize(
    ("header", "filename", "domain", "said"),
    [
        # No header: the §5.1 file name names the policy domain.
        (None, NAMED, "mail.example.com", f"from the report file's name {NAMED!r}"),
        (
            None,
            "sender.example!Mail.Example.COM.!1780272000!1780358399.json",
            "mail.example.com",
            "file's name",
        ),
        # The header, when there is one, is read first (as before), and named (s48g).
        ("example.com", NAMED, "example.com", "from the TLS-Report-Domain header"),
        # A name that is no §5.1 name says nothing: the address's domain, as before.
        (None, "report.json.gz", "example.com", "from the envelope"),
        (None, "a!b c!1780272000!1780358399.json.gz", "example.com", "from the envelope"),
    ],
)
def test_a_mailed_report_naming_no_policy_domain_is_about_its_files_domain_without_the_header(
    header: str | None, filename: str, domain: str, said: str, address: ReportAddress, signer: Any
) -> None:
    body = gzip.compress(json.dumps(NO_POLICY_DOMAIN).encode(), mtime=0)
    fields = head(address, **{"TLS-Report-Domain": header})
    message = sign_any(
        multipart(address, [part(GZ, body, filename=filename)], fields=fields), signer
    )
    assert ingest(message) == 0
    parse_pending()
    report = TlsReport.objects.get()
    assert report.policy_domain == domain
    assert report.counted is True
    assert any("policy-domain is missing" in w and said in w for w in report.warnings), (
        report.warnings
    )
