# ruff: noqa: F811 (pytest fixtures imported from other test modules)
"""Review s48r6 of s48k's _says_already (8b905cb1), a case s48k did not build, held with no
code change: the same bytes imported again under an RFC 8460 §5.1 name naming another domain
than the stored copy's own body names (its gzip FNAME, its zip's report file name). The body's
own name comes first on every door (s48c, s48g), the import's own reading of the file too, so
the file would be filed as the stored copy is: plain "already stored", the row not read again
(its parse's time and headers as they were), the report the body's domain's."""

from __future__ import annotations

from collections import Counter

import pytest

from reports.ingest import ingest_many
from reports.models import IMPORTED_FILE_NAME, ReportAddress
from tests.test_reports_email import address  # noqa: F401 (fixture)
from tests.test_reports_s12_blind import GZ
from tests.test_reports_s48k_body_name import SUB, bodies, domains, posted

pytestmark = pytest.mark.django_db

OTHER = "sender.example!other.example.com!1780272000!1780358399!001.json"


@pytest.mark.parametrize("kind", ["gzip", "zip"])
def test_s48r6_a_file_name_naming_another_domain_than_the_body_changes_nothing(
    address: ReportAddress, kind: str
) -> None:
    body = bodies()[kind]
    raw = posted(address, body, GZ if kind == "gzip" else "application/zip")
    assert domains() == {SUB}
    before = (raw.processed_at, raw.headers, raw.report_id)
    outcome = ingest_many([(address, body, OTHER + (".gz" if kind == "gzip" else ".zip"))])
    assert outcome == Counter({"already stored": 1})
    raw.refresh_from_db()
    assert (raw.processed_at, raw.headers, raw.report_id) == before
    assert IMPORTED_FILE_NAME not in raw.headers
    assert domains() == {SUB}
