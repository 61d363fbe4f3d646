"""A reparse of the copy a report is counted from tells nobody again what its first parse
told: its alerts are evaluated again only when a copy newly becomes the one counted (a
pending or duplicate copy whose content the stored report did not hold), not because the
parser of today stores the same report in another form."""

from __future__ import annotations

import datetime
import gzip
import io
import json
from collections.abc import Iterator
from typing import Any
from unittest import mock

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from mailsec.accounts.models import Team
from mailsec.alerts.models import Change, Notification
from mailsec.domains.models import Domain
from reports.alerts import KIND_NEW_TYPE
from reports.models import FailureDetail, RawReport, ReportAddress, TlsReport
from tests import test_reports_forged as forged_case
from tests.test_reports_email import SAMPLE, ingest, make_message, sign
from tests.test_reports_forged import REAL_FAILURES, post

signer = forged_case.signer
eager = forged_case.eager

pytestmark = pytest.mark.django_db

REPORT_DAY = datetime.date(2026, 6, 1)
# A receiving MX a sender wrote in U-labels: stored as sent before b4a6903, in A-labels since.
U_LABEL_MX = "mx1.bücher.example"
A_LABEL_MX = "mx1.xn--bcher-kva.example"


@pytest.fixture
def address() -> Iterator[ReportAddress]:
    """example.com's address, of a verified domain, a week after the report day: the day's
    report is still recent enough to alert, and a week of later reports can close its
    changes."""
    owner = User.objects.create_user("owner", "owner@example.org")
    domain = Domain.objects.create(
        team=Team.create_for(owner), name="example.com", verified_at=timezone.now()
    )
    with mock.patch("reports.alerts.today", return_value=REPORT_DAY + datetime.timedelta(days=7)):
        yield ReportAddress.for_domain(domain)


def with_u_label_mx() -> bytes:
    report = json.loads(SAMPLE)
    report["policies"][0]["failure-details"][0]["receiving-mx-hostname"] = U_LABEL_MX
    return json.dumps(report).encode()


def calm_day(day: datetime.date) -> bytes:
    """Another organisation's report of `day`: every session went through."""
    report = json.loads(SAMPLE)
    report["organization-name"] = "Calm Mail"
    report["report-id"] = f"calm-{day.isoformat()}"
    start = f"{day.isoformat()}T00:00:00Z"
    report["date-range"] = {"start-datetime": start, "end-datetime": f"{day.isoformat()}T23:59:59Z"}
    report["policies"][0]["summary"]["total-failure-session-count"] = 0
    report["policies"][0]["failure-details"] = []
    return json.dumps(report).encode()


def told() -> tuple[list[tuple[str, str, str]], int]:
    changes = sorted(Change.objects.values_list("kind", "subject", "state"))
    return changes, Notification.objects.count()


def test_a_reparse_of_the_counted_copy_does_not_alert_again_after_recovery(
    address: ReportAddress, signer: Any, client: Client
) -> None:
    mail = sign(make_message(address, body=gzip.compress(with_u_label_mx())), signer)
    assert ingest(mail) == 0
    raw = RawReport.objects.get()
    assert raw.parse_status == RawReport.PARSED, raw.error
    new_types = [(KIND_NEW_TYPE, t) for t in REAL_FAILURES]
    assert [c[:2] for c in told()[0]] == new_types
    # A week of calm report days: both failure types have been quiet for QUIET_DAYS report
    # days, so their changes are closed.
    for back in range(1, 8):
        post(client, address, calm_day(REPORT_DAY + datetime.timedelta(days=back)))
    before = told()
    assert [state for *_, state in before[0]] == [Change.State.RECOVERED] * 2
    # The report as the release before b4a6903 stored it: the host name as sent.
    stored = FailureDetail.objects.filter(receiving_mx_hostname=A_LABEL_MX)
    assert stored.update(receiving_mx_hostname=U_LABEL_MX) == 1

    call_command("reparse", "--id", str(raw.public_id), stdout=io.StringIO())

    raw.refresh_from_db()
    assert raw.parse_status == RawReport.PARSED, raw.error
    assert FailureDetail.objects.filter(receiving_mx_hostname=A_LABEL_MX).count() == 1
    # The same report of the same day: its failures were told once, and are not told again.
    assert told() == before
    assert TlsReport.objects.get(report_id=json.loads(SAMPLE)["report-id"]).alerts_evaluated_at
