# ruff: noqa: F811 (pytest fixtures imported from other test modules)
"""Review s48r3 of task s48e item 3: the dashboard's mark "(another copy said other figures;
not counted)" and the report page's notice are found by the resend reason's ending
(reports.models.OTHER_FIGURES, "which is the one counted"), the words every reason saying
other figures ends with. They looked for those words anywhere in the reason, which begins
by quoting the sender's report-id: a mere resend of a report whose report-id holds them was
marked and noticed as a copy with other figures. Found by the ending now; a copy that does
say other figures still is (tests/test_reports_s48e_other_figures.py pins the reasons and
the mark together)."""

from __future__ import annotations

import gzip
import json
from typing import Any

import pytest
from django.test import Client

from reports.models import OTHER_FIGURES, RawReport, ReportAddress
from tests.test_reports_email import address, dns_stub  # noqa: F401
from tests.test_reports_s13_blind import parse_pending
from tests.test_reports_s46a_fallback import other_door
from tests.test_reports_s47a_copies import npf
from tests.test_reports_s48e_other_figures import MARK, NOTICE, pages

pytestmark = pytest.mark.django_db


def with_id(report: bytes, report_id: str, mtime: int = 0) -> bytes:
    data = json.loads(gzip.decompress(report))
    data["report-id"] = report_id
    return gzip.compress(json.dumps(data).encode(), mtime=mtime)


def test_a_mere_resend_whose_report_id_holds_the_words_is_not_marked(
    address: ReportAddress, dns_stub: Any, client: Client
) -> None:
    rid = f"2026-06-01 {OTHER_FIGURES}"
    other_door(address, with_id(npf(5), rid), "posted")
    other_door(address, with_id(npf(5), rid, mtime=1), "posted")
    parse_pending()
    resend = RawReport.objects.order_by("pk").last()
    assert resend.error == f"resend of report {rid!r} already stored"
    page, dashboard = pages(client, address)
    assert NOTICE not in page and MARK not in dashboard


def test_a_resend_with_other_counts_and_such_a_report_id_is_marked(
    address: ReportAddress, dns_stub: Any, client: Client
) -> None:
    rid = f"2026-06-01 {OTHER_FIGURES}"
    other_door(address, with_id(npf(5), rid), "posted")
    other_door(address, with_id(npf(0), rid), "posted")
    parse_pending()
    assert RawReport.objects.order_by("pk").last().error.endswith(OTHER_FIGURES)
    page, dashboard = pages(client, address)
    assert NOTICE in page and MARK in dashboard
