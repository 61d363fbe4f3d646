# ruff: noqa: F811 (pytest fixtures imported from other test modules)
"""Task s48k 2 (from review s48r3): an import's judging again (s48e: a file named for the
domain, or the same bytes under such a name) of a live copy that is counted while its report's
alert task is still queued, not yet run. The judging again is history (alerts=False) and marks
a report it stores evaluated: if it does so to the report the live copy's content moved to,
the queued task finds nothing to evaluate and the live report's failures are never alerted.

Eager tasks off: the post's alert task is queued (recorded, not run), the import runs, then
every queued alert task runs, as a worker would take them from the queue. Run on PostgreSQL
(CI=true, the alert task's row lock) and SQLite alike."""

from __future__ import annotations

from typing import Any
from unittest import mock

import pytest

from reports.ingest import ingest_many
from reports.models import ReportAddress, TlsReport
from reports.tasks import alert_on_report
from tests.test_reports_alerts import domain, reports_arrive_the_next_morning  # noqa: F401
from tests.test_reports_email import dns_stub  # noqa: F401
from tests.test_reports_s13_blind import parse_pending
from tests.test_reports_s46a_fallback import SUB, other_door
from tests.test_reports_s47a_copies import npf, stored
from tests.test_reports_s48r3_live_alerts import FILES, alerted_types

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("file", sorted(FILES))
def test_a_queued_alert_of_a_live_report_judged_again_by_an_import_is_not_lost(
    domain: Any,
    dns_stub: Any,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
    file: str,
) -> None:
    settings.TLSRPT_REQUIRE_DKIM = False
    address = ReportAddress.for_domain(domain)
    with (
        mock.patch("reports.tasks.alert_on_report.delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        other_door(address, npf(5), "posted")
        parse_pending()
    (live,) = TlsReport.objects.all()
    assert live.alerts_evaluated_at is None  # pending: its task queued, not run
    assert [c.args for c in delay.call_args_list] == [(live.pk,)]
    with (
        mock.patch("reports.tasks.alert_on_report.delay") as later,
        django_capture_on_commit_callbacks(execute=True),
    ):
        ingest_many([(address, *FILES[file])])
    assert stored() == {("small sender", SUB, 40, 5, ("validation-failure",))}
    queued = [c.args[0] for c in [*delay.call_args_list, *later.call_args_list]]
    for pk in queued:  # the worker takes the queue
        alert_on_report(pk)
    assert alerted_types() == {"validation-failure"}
    assert not TlsReport.objects.filter(alerts_evaluated_at=None).exists()
