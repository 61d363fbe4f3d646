# ruff: noqa: F811 (pytest fixtures imported from other test modules)
"""Task s48e 3: two unsigned copies of one report naming no domain (both the address's filled
in) that say other figures cannot be told apart: the one stored first stays counted and the
other is its resend (docs/reports.md §4). The person reading must see that a second copy
with other figures arrived and which one is counted: its reason on the report's page says
what it says (also when only its failure types differ: it read as a mere "resend"), the
page says so at the top, and the dashboard's list marks the report."""

from __future__ import annotations

import datetime
import gzip
import html
from typing import Any
from unittest import mock

import pytest
from django.contrib.auth.models import User
from django.test import Client

from reports.ingest import ingest_many
from reports.models import RawReport, ReportAddress, TlsReport
from tests.test_reports_email import address, dns_stub  # noqa: F401
from tests.test_reports_s13_blind import parse_pending
from tests.test_reports_s46a_fallback import other_door
from tests.test_reports_s47a_copies import npf

pytestmark = pytest.mark.django_db

NOTICE = "Another copy of this report says other figures"
MARK = "(another copy said other figures; not counted)"

CASES = {
    "counts": (
        npf(5),
        npf(0),
        "resend of report '2026-06-01' already stored, with other counts: 40 successful and "
        "0 failed sessions here, 40 and 5 in the stored copy, which is the one counted",
    ),
    "types": (
        npf(5, "validation-failure"),
        npf(5, "starttls-not-supported"),
        "resend of report '2026-06-01' already stored, with the same counts but other "
        "failure types: 5 starttls-not-supported failed sessions here, 5 validation-failure "
        "in the stored copy, which is the one counted",
    ),
}


def pages(client: Client, address: ReportAddress) -> tuple[str, str]:
    client.force_login(User.objects.create_user("staff", "staff@example.org", is_staff=True))
    report = TlsReport.objects.get()
    page = client.get(f"/tlsrpt/{address.token}/reports/{report.public_id}/").content.decode()
    # The dashboard shows the last 30 days: seen the morning after the report's day.
    morning_after = datetime.datetime(2026, 6, 2, 8, tzinfo=datetime.UTC)
    with mock.patch("django.utils.timezone.now", return_value=morning_after):
        dashboard = client.get(f"/tlsrpt/{address.token}/dashboard/").content.decode()
    return page, dashboard


@pytest.mark.parametrize("door", ["posted", "imported"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_a_second_copy_with_other_figures_is_said(
    address: ReportAddress, dns_stub: Any, client: Client, case: str, door: str
) -> None:
    first, second, reason = CASES[case]
    other_door(address, first, "posted")
    parse_pending()
    if door == "posted":
        other_door(address, second, "posted")
        parse_pending()
    else:
        # Imported: in its own batch (a copy of a stored report), as the parse task says.
        ingest_many([(address, second, "report.json.gz")])
    counted, other = RawReport.objects.order_by("pk")
    assert (counted.parse_status, other.parse_status) == (RawReport.PARSED, RawReport.DUPLICATE)
    assert other.error == reason
    page, dashboard = pages(client, address)
    assert NOTICE in page and html.escape(reason) in page
    assert "the copy shown here is the one counted and the other is kept, not counted" in page
    assert MARK in dashboard


def test_one_import_batch_says_it_too(address: ReportAddress, dns_stub: Any) -> None:
    first, second, reason = CASES["types"]
    ingest_many([(address, first, "a.json.gz"), (address, second, "b.json.gz")])
    assert RawReport.objects.order_by("pk").last().error == reason


def test_a_mere_resend_is_not_marked(address: ReportAddress, dns_stub: Any, client: Client) -> None:
    other_door(address, npf(5), "posted")
    other_door(address, gzip.compress(gzip.decompress(npf(5)), mtime=1), "posted")
    parse_pending()
    other = RawReport.objects.order_by("pk").last()
    assert other.error == "resend of report '2026-06-01' already stored"
    page, dashboard = pages(client, address)
    assert NOTICE not in page and MARK not in dashboard
