# ruff: noqa: F811 (pytest fixtures imported from other test modules)
"""Task s48k 1 (from s48g): the same bytes imported again where the stored copy's own body
already names the domain (a gzip's FNAME, a zip's report file name: RFC 8460 §5.1), read on
every door since s48c (zip) and s48g (gzip). The stored row says what the file says: nothing
to read again, plain "already stored" (s48e's "read again with its file name" re-read and
re-judged the row for nothing). A row stored before s48c/s48g, when the body's name was not
read and the report was filed under the address's domain, is still corrected."""

from __future__ import annotations

from collections import Counter
from unittest import mock

import pytest
from django.test import Client

from reports.ingest import ingest_many
from reports.models import IMPORTED_FILE_NAME, RawReport, ReportAddress, TlsReport
from tests.test_reports_email import address  # noqa: F401 (fixture)
from tests.test_reports_s12_blind import GZ, _post
from tests.test_reports_s13_blind import parse_pending
from tests.test_reports_s48c_https_zip_names import report, zipped
from tests.test_reports_s48g_gzip_name import FNAME, gzipped

pytestmark = pytest.mark.django_db

SUB = "mail.example.com"
ZIP_NAME = f"sender.example!{SUB}!1780272000!1780358399!001.json"
READ_AGAIN = "already stored (read again with its file name)"


def bodies() -> dict[str, bytes]:
    return {"gzip": gzipped(FNAME), "zip": zipped((ZIP_NAME, report(40, "s48k-1")))}


def posted(address: ReportAddress, body: bytes, content_type: str = GZ) -> RawReport:
    assert _post(Client(), address.token, body, content_type).status_code == 201
    parse_pending()
    raw = RawReport.objects.get()
    assert raw.parse_status == RawReport.PARSED, raw.error
    return raw


def domains() -> set[str]:
    return {
        p
        for r in TlsReport.objects.all()
        for p in r.policies.values_list("policy_domain", flat=True)
    }


@pytest.mark.parametrize("kind", ["gzip", "zip"])
@pytest.mark.parametrize("name", ["own", "nameless", "file"], ids=["own-name", "no-name", "named"])
def test_a_post_whose_body_names_the_domain_imported_again_is_only_already_stored(
    address: ReportAddress, kind: str, name: str
) -> None:
    body = bodies()[kind]
    ctype = GZ if kind == "gzip" else "application/zip"
    raw = posted(address, body, ctype)
    assert domains() == {SUB}
    before = (raw.processed_at, raw.headers, raw.report_id)
    file_name = {
        "own": (FNAME + ".gz") if kind == "gzip" else f"{ZIP_NAME}.zip",
        "nameless": "report.gz" if kind == "gzip" else "report.zip",
        "file": f"sender.example!{SUB}!1780272000!1780358399!002.json.gz",
    }[name]
    outcome = ingest_many([(address, body, file_name)])
    assert outcome == Counter({"already stored": 1})
    raw.refresh_from_db()  # not read again: its parse's time and headers as they were
    assert (raw.processed_at, raw.headers, raw.report_id) == before
    assert IMPORTED_FILE_NAME not in raw.headers
    assert domains() == {SUB}


@pytest.mark.parametrize("kind", ["gzip", "zip"])
def test_a_row_stored_before_the_body_name_was_read_is_still_corrected(
    address: ReportAddress, kind: str
) -> None:
    """Before s48c (zip) / s48g (gzip) a POSTed body's own name was not read: its report
    without policy-domain was the address's domain's, nobody's word. The parse of then is
    the parse of now without the body's name (report_file_name answering None)."""
    body = bodies()[kind]
    ctype = GZ if kind == "gzip" else "application/zip"
    with mock.patch("reports.models.report_file_name", return_value=None):
        posted(address, body, ctype)
    assert domains() == {"example.com"}
    assert TlsReport.objects.get().policies.get().domain_from_address is True
    outcome = ingest_many([(address, body, "report.gz" if kind == "gzip" else "report.zip")])
    assert outcome == Counter({READ_AGAIN: 1})
    assert domains() == {SUB}
    assert TlsReport.objects.get().policies.get().domain_from_address is False
    # Imported again: now nothing to read.
    assert ingest_many([(address, body, "report.gz")]) == Counter({"already stored": 1})
