"""A report's alerts say what is new, once.

1. A copy that takes the place of the copy counted (a DKIM-signed copy replacing a differing
   unsigned one, a copy taking over when the counted one is rejected on reparse) and names a
   failure type more tells that type, and only that: the types the report carried before were
   told (or were no news) when it was first evaluated, and are not told again for the same
   report day once their changes recovered; nor is the day's failure rate.
2. A reparse of the copy counted after a parser fix, which now reads a failure type the first
   parse missed, is evaluated like a new report, once, with the same rules: the missed type is
   told, the rest is not told again, a second reparse sends nothing, and a report older than
   the alert window (reports.alerts.RECENT_DAYS) sends nothing at all.
"""

from __future__ import annotations

import datetime
import io
import json
from collections.abc import Callable, Iterator
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
from reports import models as report_models
from reports.alerts import KIND_FAILURE_RATE, KIND_NEW_TYPE, RECENT_DAYS
from reports.models import FailureDetail, RawReport, ReportAddress, TlsReport
from tests import test_reports_forged as forged_case
from tests import test_reports_s11ae_settle_realert as s11ae
from tests.test_reports_email import SAMPLE
from tests.test_reports_forged import REAL_FAILURES, post

signer = forged_case.signer
eager = forged_case.eager

pytestmark = pytest.mark.django_db

REPORT_DAY = s11ae.REPORT_DAY
MISSED = "starttls-not-supported"  # the failure type a copy adds, or an old parser missed
REPORT_ID = json.loads(SAMPLE)["report-id"]
told = s11ae.told
mailed = s11ae.mailed
a_week_later = s11ae.a_week_later


@pytest.fixture
def today() -> Iterator[Callable[[datetime.date], None]]:
    """The alert rules' today, a week after the report day unless a test moves it: the
    day's report may still alert, and a week of later reports closes its changes."""
    now = [REPORT_DAY + datetime.timedelta(days=7)]
    with mock.patch("reports.alerts.today", lambda: now[0]):
        yield lambda day: now.__setitem__(0, day)


@pytest.fixture
def address(today: Any) -> ReportAddress:
    owner = User.objects.create_user("owner", "owner@example.org")
    domain = Domain.objects.create(
        team=Team.create_for(owner), name="example.com", verified_at=timezone.now()
    )
    return ReportAddress.for_domain(domain)


def with_a_bad_day_and_a_third_type() -> bytes:
    """The resend with a third failure type, in numbers that put the day above the
    failure-rate threshold (5 % by default)."""
    report = json.loads(s11ae.with_a_third_type())
    policy = report["policies"][0]
    policy["summary"]["total-failure-session-count"] = 12008
    policy["failure-details"][0]["failed-session-count"] = 12000
    return s11ae.compact(report)


def new_types() -> list[str]:
    return sorted(Change.objects.filter(kind=KIND_NEW_TYPE).values_list("subject", flat=True))


def opened() -> list[tuple[str, str]]:
    return sorted(
        Change.objects.filter(state__in=Change.OPEN).values_list("kind", "subject").distinct()
    )


# --- 1. A copy taking the counted one's place -----------------------------------------------


def test_a_signed_copy_with_a_new_type_tells_only_that_type_after_the_old_ones_recovered(
    address: ReportAddress, signer: Any, client: Client
) -> None:
    # The report posted over HTTPS is counted and its two failure types told; a week of calm
    # days closes both changes.
    post(client, address, s11ae.corrected())
    assert new_types() == REAL_FAILURES
    a_week_later(address, client)
    emails = told()[1]

    # The reporter's signed copy differs (a third failure type): it takes the report over.
    mailed(address, signer, s11ae.with_a_third_type())

    report = TlsReport.objects.get(report_id=REPORT_ID)
    assert MISSED in set(report.failure_details.values_list("result_type", flat=True))
    # The new type is told once; the two told a week ago for the same day are not told again.
    assert new_types() == sorted([*REAL_FAILURES, MISSED])
    assert opened() == [(KIND_NEW_TYPE, MISSED)]
    assert told()[1] == emails + 1
    latest = Notification.objects.order_by("-pk").first()
    assert latest is not None
    assert list(latest.changes.values_list("subject", flat=True)) == [MISSED]


def test_a_signed_copy_with_a_new_type_does_not_tell_the_day_again(
    address: ReportAddress, signer: Any, client: Client
) -> None:
    # The unsigned copy puts the day above the threshold: the day and both types are told.
    post(client, address, s11ae.with_a_bad_day())
    assert (KIND_FAILURE_RATE, REPORT_DAY.isoformat()) in opened()
    a_week_later(address, client)
    emails = told()[1]

    mailed(address, signer, with_a_bad_day_and_a_third_type())

    assert opened() == [(KIND_NEW_TYPE, MISSED)]
    assert Change.objects.filter(kind=KIND_FAILURE_RATE).count() == 1
    assert told()[1] == emails + 1


def bad_day_of_another_sender() -> bytes:
    """Another organisation's report of the report day, with enough failures of the types
    already told to put the day above the threshold on its own."""
    report = json.loads(SAMPLE)
    report["organization-name"] = "Busy Mail"
    report["report-id"] = "busy-2026-06-01"
    policy = report["policies"][0]
    policy["summary"]["total-failure-session-count"] = 12005
    policy["failure-details"][0]["failed-session-count"] = 12000
    return json.dumps(report).encode()


def test_a_day_another_sender_put_above_the_threshold_is_not_told_again(
    address: ReportAddress, signer: Any, client: Client
) -> None:
    # The report is evaluated on a calm day; another sender's report of the same day puts
    # the day above the threshold, which is told; a week later it has recovered.
    post(client, address, s11ae.corrected())
    assert not Change.objects.filter(kind=KIND_FAILURE_RATE).exists()
    post(client, address, bad_day_of_another_sender())
    assert (KIND_FAILURE_RATE, REPORT_DAY.isoformat()) in opened()
    a_week_later(address, client)
    emails = told()[1]

    mailed(address, signer, s11ae.with_a_third_type())

    assert opened() == [(KIND_NEW_TYPE, MISSED)]
    assert Change.objects.filter(kind=KIND_FAILURE_RATE).count() == 1
    assert told()[1] == emails + 1


@s11ae.BOTH_WAYS
def test_a_copy_with_a_new_type_taking_over_on_settle_tells_only_that_type(
    address: ReportAddress, signer: Any, client: Client, settings: Any, how: str
) -> None:
    counted, later = s11ae.copies(address, signer, client, s11ae.with_a_third_type(), how)
    a_week_later(address, client)
    emails = told()[1]

    s11ae.counted_copy_rejected(settings, counted, later)

    assert new_types() == sorted([*REAL_FAILURES, MISSED])
    assert opened() == [(KIND_NEW_TYPE, MISSED)]
    assert told()[1] == emails + 1


def test_a_type_told_when_a_copy_took_over_is_not_told_again_by_the_next_copy(
    address: ReportAddress, signer: Any, client: Client, settings: Any
) -> None:
    # Unsigned copy (two types) told; the signed copy adds a third, told; a week later that
    # one has recovered too. The signed copy (indented: too big for the smaller cap) is
    # rejected on reparse and the unsigned copy set aside takes over again (two types:
    # nothing new), then a reparse under the default cap makes the signed copy count again:
    # its third type was told for this report already.
    post(client, address, s11ae.corrected())
    indented = json.dumps(json.loads(s11ae.with_a_third_type()), indent=2).encode()
    assert len(indented) > s11ae.SMALLER_CAP
    mailed(address, signer, indented)
    assert new_types() == sorted([*REAL_FAILURES, MISSED])
    unsigned, signed_copy = RawReport.objects.order_by("pk")
    a_week_later(address, client)
    before = told()

    s11ae.counted_copy_rejected(settings, signed_copy, unsigned)
    assert stored_types() == set(REAL_FAILURES)
    assert told() == before
    del settings.TLSRPT_MAX_REPORT_BYTES
    call_command("reparse", "--id", str(signed_copy.public_id), stdout=io.StringIO())
    assert RawReport.objects.get(pk=signed_copy.pk).parse_status == RawReport.PARSED

    assert told() == before


# --- 2. A reparse after a parser fix ---------------------------------------------------------


@pytest.fixture
def old_parser(monkeypatch: pytest.MonkeyPatch) -> Callable[[], None]:
    """Until the returned function is called (the parser fix), reports are parsed as by a
    release that did not read MISSED failure details: they are left out. Only the parser
    is replaced; storing and the alerts run as they do."""
    real = report_models.parse_report

    def missing(*args: Any, **kwargs: Any) -> Any:
        parsed = real(*args, **kwargs)
        for policy in parsed.policies:
            policy.failure_details = [d for d in policy.failure_details if d.result_type != MISSED]
        return parsed

    monkeypatch.setattr(report_models, "parse_report", missing)
    return lambda: monkeypatch.setattr(report_models, "parse_report", real)


def reparse(raw: RawReport) -> None:
    call_command("reparse", "--id", str(raw.public_id), stdout=io.StringIO())
    raw.refresh_from_db()
    assert raw.parse_status == RawReport.PARSED, raw.error


def stored_types() -> set[str]:
    report = TlsReport.objects.get(report_id=REPORT_ID)
    return set(report.failure_details.values_list("result_type", flat=True))


@pytest.mark.parametrize("recovered", [False, True])
def test_a_parser_fix_reparse_tells_the_type_it_now_reads_once(
    address: ReportAddress,
    signer: Any,
    client: Client,
    old_parser: Callable[[], None],
    recovered: bool,
) -> None:
    mailed(address, signer, s11ae.with_a_third_type())
    raw = RawReport.objects.get()
    assert stored_types() == set(REAL_FAILURES)
    assert new_types() == REAL_FAILURES
    if recovered:
        a_week_later(address, client)
    emails = told()[1]

    old_parser()  # the fix
    reparse(raw)

    assert stored_types() == {*REAL_FAILURES, MISSED}
    assert new_types() == sorted([*REAL_FAILURES, MISSED])
    assert (KIND_NEW_TYPE, MISSED) in opened()
    assert told()[1] == emails + 1
    after = told()

    # Idempotent: the same reparse again reads nothing new and sends nothing.
    reparse(raw)
    assert told() == after


def test_a_parser_fix_reparse_that_reads_the_day_above_the_threshold_tells_it_once(
    address: ReportAddress, signer: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A release that read only the first failure detail's sessions into the policy's failed
    # count: 12,000 expired-certificate sessions were stored as 17, a calm day.
    real = report_models.parse_report

    def undercounted(*args: Any, **kwargs: Any) -> Any:
        parsed = real(*args, **kwargs)
        parsed.policies[0].failed = 17
        return parsed

    monkeypatch.setattr(report_models, "parse_report", undercounted)
    mailed(address, signer, s11ae.with_a_bad_day())
    raw = RawReport.objects.get()
    assert not Change.objects.filter(kind=KIND_FAILURE_RATE).exists()
    emails = told()[1]

    monkeypatch.setattr(report_models, "parse_report", real)
    reparse(raw)

    assert TlsReport.objects.get(report_id=REPORT_ID).total_failed == 12005
    assert opened() == [
        (KIND_FAILURE_RATE, REPORT_DAY.isoformat()),
        *[(KIND_NEW_TYPE, t) for t in REAL_FAILURES],
    ]
    assert told()[1] == emails + 1
    after = told()
    reparse(raw)
    assert told() == after


def test_a_reparse_that_reads_nothing_new_sends_nothing(
    address: ReportAddress, signer: Any, client: Client
) -> None:
    mailed(address, signer, s11ae.with_a_third_type())
    raw = RawReport.objects.get()
    a_week_later(address, client)
    before = told()

    reparse(raw)
    reparse(raw)

    assert told() == before
    assert TlsReport.objects.get(report_id=REPORT_ID).alerts_evaluated_at is not None


def test_a_parser_fix_reparse_of_a_report_older_than_the_alert_window_sends_nothing(
    address: ReportAddress,
    signer: Any,
    client: Client,
    old_parser: Callable[[], None],
    today: Callable[[datetime.date], None],
) -> None:
    mailed(address, signer, s11ae.with_a_third_type())
    raw = RawReport.objects.get()
    before = told()
    assert [c[:2] for c in before[0]] == [(KIND_NEW_TYPE, t) for t in REAL_FAILURES]
    # The fix ships weeks later: the report's day is outside the alert window.
    today(REPORT_DAY + datetime.timedelta(days=RECENT_DAYS + 20))

    old_parser()
    reparse(raw)

    assert stored_types() == {*REAL_FAILURES, MISSED}  # stored and shown...
    assert told() == before  # ...but nobody is emailed about a day long over
    assert FailureDetail.objects.filter(result_type=MISSED).count() == 1
