"""How a copy of a report ends beside a DKIM-signed copy when it comes by a bulk import, as
when it is posted (see tests/test_reports_forged.py for the two-copy cases)."""

from __future__ import annotations

import gzip
from typing import Any

import pytest

from reports.ingest import ingest_many
from reports.models import RawReport, ReportAddress, TlsReport
from tests import test_reports_forged as forged_case
from tests.test_reports_email import ingest
from tests.test_reports_forged import forged, signed_mail

# The fixtures of the two-copy cases: sender.example's DKIM key, inline tasks, an address.
signer = forged_case.signer
eager = forged_case.eager
address = forged_case.address

pytestmark = pytest.mark.django_db


def copies() -> list[tuple[str, str, str]]:
    """Each raw copy: its source, status and, for one not counted, how its reason starts."""
    return sorted(
        (raw.source, raw.parse_status, raw.error.split(":")[0].split(",")[0])
        for raw in RawReport.objects.all()
    )


def test_an_imported_copy_that_differs_from_a_signed_one_is_set_aside(
    address: ReportAddress, signer: Any
) -> None:
    assert ingest(signed_mail(address, signer)) == 0
    assert ingest_many([(address, gzip.compress(forged()))]) == {RawReport.SUPERSEDED: 1}
    imported = RawReport.objects.get(source=RawReport.HTTPS)
    assert imported.report == TlsReport.objects.get()
    assert imported.error.startswith(
        "set aside: a copy of report '2026-06-01T00:00:00Z_example.com' DKIM-signed by "
        "sender.example differs from this one"
    )
    # As the parse task decides it: parsing it again changes nothing.
    stored = copies()
    imported.process(force=True)
    assert copies() == stored
    assert TlsReport.objects.get().total_failed == 17
