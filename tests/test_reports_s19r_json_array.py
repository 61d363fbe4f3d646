# ruff: noqa: F811 (pytest fixtures imported from test_reports_email)
"""s19r (b): a JSON array of reports (`[{report}, {report}]`) is not split. RFC 8460 §4 makes a
report one JSON object, no known reporter sends arrays, and checklist §12.3 lists no such
variant; the earlier blind runs settled "rejected, the reason names the array" (s12 H16, s13
M12 and T07). This pins the rest of the doors: on each, the bytes are kept exactly as sent and
the reason says it is an array and what to send instead, so a later release could still read
them from the stored rows."""

from __future__ import annotations

import gzip

from django.test import Client

from reports.models import RawReport
from tests.test_reports_email import address, dns_stub, ingest, signer  # noqa: F401 (fixtures)
from tests.test_reports_s12_blind import GZ, _post, _zip
from tests.test_reports_s13_zip import ZIP, mail, parse_pending, report

ARRAY = b"[" + report(1) + b"," + report(2) + b"]"
WHY = "it is a JSON array; a report is one JSON object (RFC 8460 §4), send each alone"


def kept_and_told(sent: bytes) -> None:
    parse_pending()
    raw = RawReport.objects.get()
    assert bytes(raw.body) == sent
    assert raw.parse_status == RawReport.REJECTED
    assert WHY in raw.error, raw.error


def test_a_posted_array_is_refused_at_once_and_kept(address) -> None:
    response = _post(Client(), address.token, ARRAY, "application/tlsrpt+json")
    assert response.status_code == 400 and WHY in response.json()["error"]
    kept_and_told(ARRAY)


def test_a_gzip_of_an_array_posted_is_kept_and_rejected_with_its_reason(address) -> None:
    body = gzip.compress(ARRAY)
    assert _post(Client(), address.token, body, GZ).status_code == 201
    kept_and_told(body)


def test_an_array_in_a_zip_is_kept_and_rejected_with_its_reason(address) -> None:
    body = _zip(("reports.json", ARRAY))
    assert _post(Client(), address.token, body, ZIP).status_code == 201
    kept_and_told(body)


def test_a_mailed_gzip_of_an_array_is_kept_and_rejected_with_its_reason(address, signer) -> None:
    message = mail(address, signer, (GZ, gzip.compress(ARRAY)))
    assert ingest(message) == 0
    kept_and_told(message)
