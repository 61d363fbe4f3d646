"""How every other copy of a report ends beside its DKIM-signed copy: one stored before the
signed copy replaced a forged one, and one brought by a bulk import, as when posted (see
tests/test_reports_forged.py for the two-copy cases)."""

from __future__ import annotations

import gzip
import itertools
import json
from typing import Any

import pytest
from django.test import Client

from reports.ingest import ingest_many
from reports.models import RawReport, ReportAddress, TlsReport
from tests import test_reports_forged as forged_case
from tests.test_reports_email import ingest
from tests.test_reports_forged import REAL_FAILURES, forged, post, signed_mail

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


def test_a_second_forged_copy_is_set_aside_too_when_the_signed_one_arrives(
    address: ReportAddress, signer: Any, client: Client
) -> None:
    post(client, address, forged())
    # A second forged copy with other counts: "a resend, with other counts ... in the stored
    # copy, which is the one counted"; once the signed copy replaces the first, it is not.
    other = json.loads(forged())
    other["policies"][0]["summary"]["total-successful-session-count"] += 1
    post(client, address, json.dumps(other).encode())
    assert ingest(signed_mail(address, signer)) == 0
    report = TlsReport.objects.get()
    assert report.total_failed == 17
    assert sorted(report.failure_details.values_list("result_type", flat=True)) == REAL_FAILURES
    set_aside = ("https", RawReport.SUPERSEDED, "set aside")
    assert copies() == [("email", RawReport.PARSED, ""), set_aside, set_aside]
    # Either order of arrival ends the same, and parsing any copy again changes nothing.
    settled = copies()
    for order in itertools.permutations(RawReport.objects.values_list("pk", flat=True)):
        for pk in order:
            RawReport.objects.get(pk=pk).process(force=True)
            assert copies() == settled, order
    assert TlsReport.objects.get().total_failed == 17


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
