"""When the copy a report is counted from ends rejected on reparse and another copy of it
takes over (settle_report), the report's alerts are evaluated again only if that copy says
something the team was not told: a failure type the report did not carry, or a day that now
crosses the failure-rate threshold. A copy with the same failures in other figures (a
sender's corrected resend, an unsigned copy set aside for the signed one) tells nobody again
what the report told once, also after those alerts have recovered; nor does a signed copy
that replaces an unsigned one with the same failures."""

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
from reports.alerts import KIND_FAILURE_RATE, KIND_NEW_TYPE
from reports.models import RawReport, ReportAddress, TlsReport
from tests import test_reports_forged as forged_case
from tests import test_reports_s10_reparse_copies as s10
from tests.test_reports_email import SAMPLE, ingest, make_message, sign
from tests.test_reports_forged import REAL_FAILURES, post

signer = forged_case.signer
eager = forged_case.eager

pytestmark = pytest.mark.django_db

REPORT_DAY = datetime.date(2026, 6, 1)
# The indented sample (2,067 bytes) parses under the default cap and is rejected under this
# one; every copy below written compactly stays under it.
SMALLER_CAP = s10.CAP_BETWEEN


@pytest.fixture
def address() -> Iterator[ReportAddress]:
    """example.com's address, of a verified domain, a week after the report day: the day's
    report may still alert, and a week of later reports closes its changes."""
    owner = User.objects.create_user("owner", "owner@example.org")
    domain = Domain.objects.create(
        team=Team.create_for(owner), name="example.com", verified_at=timezone.now()
    )
    with mock.patch("reports.alerts.today", return_value=REPORT_DAY + datetime.timedelta(days=7)):
        yield ReportAddress.for_domain(domain)


def compact(report: dict[str, Any]) -> bytes:
    body = json.dumps(report, separators=(",", ":")).encode()
    assert len(body) < SMALLER_CAP
    return body


def corrected() -> bytes:
    """The reporter's resend of the report with corrected figures: the same two failure
    types, one certificate-expired session fewer."""
    report = json.loads(SAMPLE)
    policy = report["policies"][0]
    policy["summary"]["total-failure-session-count"] = 16
    policy["failure-details"][0]["failed-session-count"] = 11
    return compact(report)


def with_a_third_type() -> bytes:
    """A resend that also names a failure type the first copy did not carry."""
    report = json.loads(SAMPLE)
    policy = report["policies"][0]
    policy["summary"]["total-failure-session-count"] = 20
    policy["failure-details"].append(
        {
            "result-type": "starttls-not-supported",
            "sending-mta-ip": "192.0.2.10",
            "receiving-mx-hostname": "mx1.example.com",
            "failed-session-count": 3,
        }
    )
    return compact(report)


def with_a_bad_day() -> bytes:
    """A resend with the same two failure types in numbers that put the day above the
    failure-rate threshold (5 % by default): 12,000 expired-certificate sessions."""
    report = json.loads(SAMPLE)
    policy = report["policies"][0]
    policy["summary"]["total-failure-session-count"] = 12005
    policy["failure-details"][0]["failed-session-count"] = 12000
    return compact(report)


def calm_day(day: datetime.date) -> bytes:
    """Another organisation's report of `day`: every session went through."""
    report = json.loads(SAMPLE)
    report["organization-name"] = "Calm Mail"
    report["report-id"] = f"calm-{day.isoformat()}"
    report["date-range"] = {
        "start-datetime": f"{day.isoformat()}T00:00:00Z",
        "end-datetime": f"{day.isoformat()}T23:59:59Z",
    }
    report["policies"][0]["summary"]["total-failure-session-count"] = 0
    report["policies"][0]["failure-details"] = []
    return json.dumps(report).encode()


def mailed(address: ReportAddress, signer: Any, report: bytes) -> None:
    assert ingest(sign(make_message(address, body=gzip.compress(report)), signer)) == 0


def told() -> tuple[list[tuple[str, str, str]], int]:
    """Every change (kind, subject, state) and how many emails were queued."""
    changes = sorted(Change.objects.values_list("kind", "subject", "state"))
    return changes, Notification.objects.count()


def a_week_later(address: ReportAddress, client: Client) -> None:
    """A week of calm report days: the report's changes are closed (recovered)."""
    for back in range(1, 8):
        post(client, address, calm_day(REPORT_DAY + datetime.timedelta(days=back)))
    changes, _ = told()
    assert changes and {state for *_, state in changes} == {Change.State.RECOVERED}


def copies(
    address: ReportAddress, signer: Any, client: Client, other: bytes, how: str
) -> tuple[RawReport, RawReport]:
    """The indented sample, signed, is the copy counted; `other` arrives after it as another
    copy: a signed resend (a duplicate), or posted over HTTPS, unsigned and differing (set
    aside for the signed one). The two copies."""
    mailed(address, signer, SAMPLE)
    if how == RawReport.DUPLICATE:
        mailed(address, signer, other)
    else:
        post(client, address, other)
    counted, later = RawReport.objects.order_by("pk")
    assert (counted.parse_status, later.parse_status) == (RawReport.PARSED, how)
    return counted, later


def counted_copy_rejected(settings: Any, counted: RawReport, later: RawReport) -> None:
    """A smaller size cap, and the copy counted is parsed again: it is rejected, and the
    report's other copy takes over (settle_report)."""
    settings.TLSRPT_MAX_REPORT_BYTES = SMALLER_CAP
    call_command("reparse", "--id", str(counted.public_id), stdout=io.StringIO())
    assert RawReport.objects.get(pk=counted.pk).parse_status == RawReport.REJECTED
    assert RawReport.objects.get(pk=later.pk).parse_status == RawReport.PARSED


BOTH_WAYS = pytest.mark.parametrize("how", [RawReport.DUPLICATE, RawReport.SUPERSEDED])


@BOTH_WAYS
def test_a_copy_with_the_same_failures_taking_over_does_not_alert_again_after_recovery(
    address: ReportAddress, signer: Any, client: Client, settings: Any, how: str
) -> None:
    counted, later = copies(address, signer, client, corrected(), how)
    assert [c[:2] for c in told()[0]] == [(KIND_NEW_TYPE, t) for t in REAL_FAILURES]
    a_week_later(address, client)
    before = told()

    counted_copy_rejected(settings, counted, later)

    report = TlsReport.objects.get(report_id=json.loads(SAMPLE)["report-id"])
    assert report.total_failed == 16  # the other copy's figures count now
    # The same two failure types of the same day: told once, and not told again.
    assert told() == before
    assert report.alerts_evaluated_at is not None


@BOTH_WAYS
def test_a_copy_with_a_failure_type_never_told_taking_over_alerts(
    address: ReportAddress, signer: Any, client: Client, settings: Any, how: str
) -> None:
    counted, later = copies(address, signer, client, with_a_third_type(), how)
    a_week_later(address, client)
    assert (KIND_NEW_TYPE, "starttls-not-supported") not in [c[:2] for c in told()[0]]
    emails = told()[1]

    counted_copy_rejected(settings, counted, later)

    opened = [c[:2] for c in told()[0] if c[2] != Change.State.RECOVERED]
    assert (KIND_NEW_TYPE, "starttls-not-supported") in opened
    assert told()[1] > emails


@BOTH_WAYS
def test_a_copy_whose_figures_cross_the_threshold_taking_over_alerts(
    address: ReportAddress, signer: Any, client: Client, settings: Any, how: str
) -> None:
    counted, later = copies(address, signer, client, with_a_bad_day(), how)
    a_week_later(address, client)
    assert KIND_FAILURE_RATE not in [kind for kind, *_ in told()[0]]
    emails = told()[1]

    counted_copy_rejected(settings, counted, later)

    opened = [c[:2] for c in told()[0] if c[2] != Change.State.RECOVERED]
    assert (KIND_FAILURE_RATE, REPORT_DAY.isoformat()) in opened
    assert told()[1] > emails


def test_a_signed_copy_with_the_same_failures_replacing_an_unsigned_one_does_not_alert_again(
    address: ReportAddress, signer: Any, client: Client
) -> None:
    # The report posted over HTTPS is counted and told; the reporter's signed copy, with
    # the same two failure types in other figures, arrives after its changes recovered.
    post(client, address, corrected())
    assert [c[:2] for c in told()[0]] == [(KIND_NEW_TYPE, t) for t in REAL_FAILURES]
    a_week_later(address, client)
    before = told()

    mailed(address, signer, SAMPLE)

    report = TlsReport.objects.get(report_id=json.loads(SAMPLE)["report-id"])
    assert report.total_failed == 17  # the signed copy's figures count now
    assert told() == before
