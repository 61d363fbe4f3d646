# ruff: noqa: F811 (pytest fixtures imported from other test modules)
"""Blind round s36q's product fault (tests/test_reports_s36q_blind.py, case V20).

A zip body POSTed as application/tlsrpt+gzip was read without a word, while +json on a gzip or
zip body and +gzip on plain JSON warn naming both (since s33i): application/tlsrpt+gzip is
one report gzipped (RFC 8460 §5.3; its IANA registration gives the magic number 0x1f 0x8b),
which a zip archive ('PK\\x03\\x04') is not. The zip is still read report by report, as its
bytes say; the sender is now told its label is not what it sent, over HTTPS and for a mailed
part alike.
"""

from __future__ import annotations

import gzip
import io
import zipfile
from typing import Any

import pytest
from django.test import Client

from reports.models import ReportAddress, TlsReport
from tests.test_reports_email import SAMPLE, ingest, make_message, sign
from tests.test_reports_s33i import address, eager, post_labelled, signer  # noqa: F401

pytestmark = pytest.mark.django_db

HTTPS_WARNING = (
    "Content-Type application/tlsrpt+gzip on a zip body: application/tlsrpt+gzip is one "
    "report gzipped (its registered magic number is 0x1f 0x8b), not a zip archive "
    "(RFC 8460 §5.4); it was read by its bytes"
)
MAIL_WARNING = (
    "report part is declared application/tlsrpt+gzip, but its bytes are zip: "
    "application/tlsrpt+gzip is one report gzipped (its registered magic number is 0x1f "
    "0x8b), not a zip archive (RFC 8460 §5.3)"
)


def zipped(name: str = "reports/2026/06/sender.example!example.com.json.gz") -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, gzip.compress(SAMPLE, mtime=0))
    return out.getvalue()


def warnings() -> list[str]:
    return list(TlsReport.objects.get().warnings)


def test_it_warns_when_a_zip_body_is_posted_as_tlsrpt_gzip(
    address: ReportAddress, client: Client
) -> None:
    response = post_labelled(client, address, zipped(), "application/tlsrpt+gzip")
    assert response.status_code == 201
    assert HTTPS_WARNING in warnings()


def test_it_warns_when_a_mailed_tlsrpt_gzip_part_is_a_zip(
    address: ReportAddress, signer: Any
) -> None:
    message = make_message(address, body=zipped(), content_type="application/tlsrpt+gzip")
    assert ingest(sign(message, signer)) == 0
    assert MAIL_WARNING in warnings()


def test_a_zip_labelled_application_zip_keeps_its_own_warning_only(
    address: ReportAddress, client: Client
) -> None:
    response = post_labelled(client, address, zipped(), "application/zip")
    assert response.status_code == 201
    assert not [w for w in warnings() if "one report gzipped" in w], warnings()
    assert [w for w in warnings() if "application/zip" in w], warnings()


def test_a_gzip_body_posted_as_tlsrpt_gzip_stays_clean(
    address: ReportAddress, client: Client
) -> None:
    response = post_labelled(client, address, gzip.compress(SAMPLE), "application/tlsrpt+gzip")
    assert response.status_code == 201
    assert not [w for w in warnings() if "Content-Type" in w], warnings()
