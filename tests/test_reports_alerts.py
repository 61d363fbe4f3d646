"""Alerts from TLS reports: a new failure type, a bad day; repeats suppressed (reports.alerts)."""

from __future__ import annotations

import copy
import datetime
import gzip
import json
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from unittest import mock

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.db.models import Max
from django.utils import timezone

from mailsec.accounts.models import Team
from mailsec.alerts.models import Change, Notification
from mailsec.alerts.tasks import send_notification
from mailsec.celery import app
from mailsec.domains.models import Domain
from reports.alerts import KIND_FAILURE_RATE, KIND_NEW_TYPE, UNKNOWN_TYPES, evaluate_report
from reports.models import RawReport, ReportAddress, TlsReport
from reports.parse import parse_report

SAMPLE = json.loads((Path(__file__).parent / "data" / "tlsrpt" / "sample.json").read_text())
pytestmark = pytest.mark.django_db


@pytest.fixture
def domain() -> Domain:
    owner = User.objects.create_user("owner", "owner@example.org")
    return Domain.objects.create(
        team=Team.create_for(owner), name="example.com", verified_at=timezone.now()
    )


@pytest.fixture(autouse=True)
def reports_arrive_the_next_morning() -> Iterator[None]:
    """The alert rules' today is the day after the latest report stored, as when each report
    arrives the morning after its day: these tests' days are fixed dates, long past, and
    only a recent day's report may alert (RECENT_DAYS)."""

    def today() -> datetime.date:
        latest = TlsReport.objects.aggregate(latest=Max("day"))["latest"]
        return latest + datetime.timedelta(days=1) if latest else timezone.now().date()

    with mock.patch("reports.alerts.today", today):
        yield


def report(
    day: str,
    *,
    rid: str | None = None,
    ok: int = 1000,
    failed: int = 0,
    types: tuple[str, ...] = (),
    org: str = "Sender Example Mail Ltd.",
    mx: str = "mx2.example.com",
) -> bytes:
    r: dict[str, Any] = copy.deepcopy(SAMPLE)
    r["organization-name"] = org
    r["report-id"] = rid or f"{day}_{'-'.join(types)}_{ok}_{failed}"
    r["date-range"] = {"start-datetime": f"{day}T00:00:00Z", "end-datetime": f"{day}T23:59:59Z"}
    policy = r["policies"][0]
    policy["summary"] = {
        "total-successful-session-count": ok,
        "total-failure-session-count": failed,
    }
    policy["failure-details"] = [
        {
            "result-type": t,
            "receiving-mx-hostname": mx,
            "failed-session-count": max(1, failed // max(1, len(types))),
        }
        for t in types
    ]
    r["policies"] = [policy]
    return json.dumps(r).encode()


def store(address: ReportAddress, body: bytes) -> TlsReport:
    return TlsReport.objects.store(address, parse_report(body))


def kinds(events: list[Any]) -> list[tuple[str, str]]:
    return [(e.kind, e.subject) for e in events]


def test_a_new_failure_type_is_one_alert_and_repeats_are_suppressed(domain: Domain) -> None:
    address = ReportAddress.for_domain(domain)
    first = store(address, report("2026-06-01", failed=3, types=("certificate-expired",)))
    events = evaluate_report(first)
    assert kinds(events) == [(KIND_NEW_TYPE, "certificate-expired")]
    change = Change.objects.get()
    assert change.state == Change.State.CONFIRMED
    assert change.summary.startswith(
        "New TLS failure reported for example.com on 2026-06-01: certificate-expired. 3 failed "
        "sessions on 2026-06-01, in 1 report."
    )
    # Joined with our checks (none has run yet for this domain), and the likely cause as fix.
    assert "no check of this domain has finished yet" in change.summary
    assert "renewal" in change.fix
    # One email for the owner, through the alert pipeline.
    notification = Notification.objects.get()
    assert (notification.user.username, notification.kind) == ("owner", "alert")
    assert list(notification.changes.all()) == [change]
    send_notification.apply(args=[str(notification.code)])
    assert [m.subject for m in mail.outbox] == [
        "[mailsec] example.com: certificate-expired TLS failures on 2026-06-01"
    ]
    assert "renewal" in mail.outbox[0].body

    # The same type again (another report, another day, another organisation): nothing new.
    again = store(
        address,
        report("2026-06-02", failed=2, types=("certificate-expired",), org="Google Inc."),
    )
    assert evaluate_report(again) == []
    assert evaluate_report(first) == []  # a re-run (task redelivered, reparse) adds nothing
    # A type never seen before is news.
    other = store(
        address, report("2026-06-02", rid="x", failed=1, types=("starttls-not-supported",))
    )
    assert kinds(evaluate_report(other)) == [(KIND_NEW_TYPE, "starttls-not-supported")]
    assert Change.objects.count() == 2
    assert Notification.objects.count() == 2


def test_a_report_cannot_make_us_email_its_own_words(domain: Domain) -> None:
    # The report address is public: a forged report with made-up result types and a phishing
    # line as its organisation must not become thousands of emails quoting it.
    address = ReportAddress.for_domain(domain)
    bait = "Your account is suspended: re-verify at https://evil.example/x"
    forged = store(
        address,
        report(
            "2026-06-01",
            rid="forged",
            failed=300,
            types=tuple(f"{bait} #{n}" for n in range(100)) + ("certificate-expired",),
            org=f"Mail <b>{bait}</b>\r\nBcc: x@evil.example",
            mx=bait,
        ),
    )
    events = evaluate_report(forged)
    assert sorted(kinds(events)) == [
        (KIND_FAILURE_RATE, "2026-06-01"),  # 300 of 1300 sessions failed: a bad day too
        (KIND_NEW_TYPE, "certificate-expired"),
        (KIND_NEW_TYPE, UNKNOWN_TYPES),
    ]
    texts = [f"{c.subject} {c.summary} {c.fix} {c.evidence}" for c in Change.objects.all()]
    assert not any("evil.example" in t or "<b>" in t or "\n" in t for t in texts), texts
    expired = Change.objects.get(subject="certificate-expired")
    assert "1 host that is not among the domain's MX hosts" in expired.summary
    unknown = Change.objects.get(subject=UNKNOWN_TYPES)
    assert "100 failure types that RFC 8460 §4.3 does not define" in unknown.summary
    # One email with the three events, however many types were made up (one per event
    # before s40g): the made-up types are one change among them.
    (told,) = Notification.objects.all()
    assert told.changes.count() == 3


def test_the_domains_own_mx_hosts_are_named(domain: Domain) -> None:
    from mailsec.domains.models import CheckRun

    run = CheckRun.objects.create(
        domain=domain,
        status=CheckRun.Status.DONE,
        finished=timezone.now(),
        findings=[
            {
                "id": "MX-01",
                "status": "pass",
                "mechanism": "mx",
                "subject": "example.com",
                "summary": "",
                "evidence": {"answers": ["10 mx2.example.com."]},
            }
        ],
    )
    domain.set_last_run(run)
    address = ReportAddress.for_domain(domain)
    evaluate_report(store(address, report("2026-06-01", failed=3, types=("certificate-expired",))))
    change = Change.objects.get()
    assert "certificate-expired reported for mx2.example.com" in change.summary
    assert change.evidence["receiving MX"] == ["mx2.example.com"]


def test_a_domain_without_mx_names_itself_as_the_receiving_host() -> None:
    from reports.alerts import _mx_hosts

    run = SimpleNamespace(
        findings=[{"id": "MX-01", "evidence": {"mx": {}, "implicit_mx": {"host": "Example.com."}}}]
    )
    assert _mx_hosts(run) == {"example.com"}


def test_a_quiet_type_is_closed_so_its_return_is_news(domain: Domain) -> None:
    address = ReportAddress.for_domain(domain)
    evaluate_report(store(address, report("2026-06-01", failed=3, types=("certificate-expired",))))
    start = datetime.date(2026, 6, 2)
    for n in range(8):  # eight clean report days
        day = start + datetime.timedelta(days=n)
        evaluate_report(store(address, report(day.isoformat())))
    assert Change.objects.get().state == Change.State.RECOVERED
    back = store(address, report("2026-07-01", failed=3, types=("certificate-expired",)))
    assert kinds(evaluate_report(back)) == [(KIND_NEW_TYPE, "certificate-expired")]


def test_a_bad_day_alerts_once_until_a_calm_week(domain: Domain, settings) -> None:
    settings.TLSRPT_ALERT_FAILURE_RATE = 0.05
    settings.TLSRPT_ALERT_MIN_SESSIONS = 20
    address = ReportAddress.for_domain(domain)
    # 1 of 10 sessions failed: too few sessions to judge; 0.1 % failed: under the threshold.
    assert evaluate_report(store(address, report("2026-06-01", ok=9, failed=1))) == []
    assert evaluate_report(store(address, report("2026-06-02", ok=999, failed=1))) == []
    bad = store(address, report("2026-06-03", ok=90, failed=10))
    events = evaluate_report(bad)
    assert kinds(events) == [(KIND_FAILURE_RATE, "2026-06-03")]
    assert events[0].summary.startswith(
        "10.00 % of the TLS sessions senders reported for example.com on 2026-06-03 failed "
        "(10 of 100), above the alert threshold of 5.00 %."
    )
    # A second report for the same day, another bad day: suppressed while the change is open.
    assert evaluate_report(store(address, report("2026-06-03", rid="b", ok=10, failed=10))) == []
    assert evaluate_report(store(address, report("2026-06-04", ok=50, failed=50))) == []
    # One good day is no recovery: a rate wobbling around the threshold would be an alert
    # every other day. The next bad day is still the same open change.
    evaluate_report(store(address, report("2026-06-05", ok=1000, failed=0)))
    assert Change.objects.get(kind=KIND_FAILURE_RATE).state == Change.State.CONFIRMED
    assert evaluate_report(store(address, report("2026-06-06", ok=10, failed=90))) == []
    # Seven calm report days (QUIET_DAYS) close it; the next bad day is a new alert.
    for n in range(7, 14):
        evaluate_report(store(address, report(f"2026-06-{n:02d}", ok=1000, failed=0)))
    assert Change.objects.get(kind=KIND_FAILURE_RATE).state == Change.State.RECOVERED
    assert kinds(evaluate_report(store(address, report("2026-06-14", ok=10, failed=90)))) == [
        (KIND_FAILURE_RATE, "2026-06-14")
    ]


def test_an_address_without_a_domain_raises_nothing() -> None:
    address = ReportAddress.objects.create(domain_name="example.com")
    assert evaluate_report(store(address, report("2026-06-01", failed=3, types=("x",)))) == []
    assert not Change.objects.exists()


@pytest.fixture
def eager() -> Iterator[None]:
    app.conf.task_always_eager = True
    try:
        with mock.patch("django.db.transaction.on_commit", lambda f, using=None, robust=False: f()):
            yield
    finally:
        app.conf.task_always_eager = False


def test_parsing_a_report_runs_the_alert_task(domain: Domain, eager: None) -> None:
    address = ReportAddress.for_domain(domain)
    body = gzip.compress(report("2026-06-01", failed=3, types=("certificate-expired",)))
    raw, _ = RawReport.store(address, body, source=RawReport.HTTPS)
    assert raw.process() == RawReport.PARSED
    assert Change.objects.get().kind == KIND_NEW_TYPE
    # The same report resent over the other channel is a duplicate: no second alert.
    resend = gzip.compress(gzip.decompress(body) + b"\n", mtime=1)
    raw2, _ = RawReport.store(address, resend, source=RawReport.HTTPS)
    assert raw2.process() == RawReport.DUPLICATE
    assert Change.objects.count() == 1


def test_a_crash_before_the_emails_are_queued_leaves_no_change_to_suppress_them(
    domain: Domain,
) -> None:
    from reports.tasks import alert_on_report

    address = ReportAddress.for_domain(domain)
    stored = store(address, report("2026-06-01", failed=3, types=("certificate-expired",)))
    real = Notification.queue
    calls: list[object] = []

    def dies_once(*args: Any, **kwargs: Any) -> Any:
        calls.append(args)
        if len(calls) == 1:
            raise RuntimeError("the worker died here")
        return real(*args, **kwargs)

    with mock.patch.object(Notification, "queue", side_effect=dies_once):
        # Eager: the task's retry runs at once, as the worker would run it a little later.
        alert_on_report.apply(args=[stored.pk])
    change = Change.objects.get(key=f"{KIND_NEW_TYPE}:certificate-expired")
    assert change.state == Change.State.CONFIRMED
    assert change.notifications.count() == 1  # the owner is told


def test_the_alert_task_gives_up_after_a_few_retries(domain: Domain) -> None:
    from reports.tasks import alert_on_report

    address = ReportAddress.for_domain(domain)
    stored = store(address, report("2026-06-01", failed=3, types=("certificate-expired",)))
    with mock.patch("reports.alerts.evaluate_report", side_effect=RuntimeError("bug")) as bug:
        result = alert_on_report.apply(args=[stored.pk])
    assert result.get() == 0 and bug.call_count == 1 + alert_on_report.max_retries
    # Given up for good: marked, so the sweep does not feed the same failure again.
    stored.refresh_from_db()
    assert stored.alerts_evaluated_at is not None


def test_a_second_alert_task_for_an_evaluated_report_does_nothing(domain: Domain) -> None:
    # The sweep re-queues a report whose first task still waited in a backlog: whichever
    # runs second finds it evaluated, so no change is opened twice.
    from reports.tasks import alert_on_report

    address = ReportAddress.for_domain(domain)
    stored = store(address, report("2026-06-01", failed=3, types=("certificate-expired",)))
    alert_on_report.apply(args=[stored.pk])
    changes = Change.objects.count()
    with mock.patch("reports.alerts.evaluate_report") as evaluate:
        assert alert_on_report.apply(args=[stored.pk]).get() == 0
    assert not evaluate.called and Change.objects.count() == changes


def test_the_sweep_evaluates_a_report_whose_alert_task_was_lost(
    domain: Domain, django_capture_on_commit_callbacks: Any
) -> None:
    from reports import tasks

    address = ReportAddress.for_domain(domain)
    body = report("2026-06-01", failed=3, types=("certificate-expired",))
    raw, _ = RawReport.store(address, body, source=RawReport.HTTPS)
    down = ConnectionError("broker down")
    with (
        mock.patch.object(tasks.alert_on_report, "delay", side_effect=down),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert raw.process() == RawReport.PARSED  # the sender's report is not refused
    assert not Change.objects.exists()
    with mock.patch.object(tasks.alert_on_report, "delay") as delay:
        assert tasks.sweep_pending_reports() == 0  # parsed a moment ago: its task may come
    TlsReport.objects.update(created=timezone.now() - datetime.timedelta(hours=1))
    with mock.patch.object(
        tasks.alert_on_report, "delay", side_effect=lambda pk: tasks.alert_on_report.apply([pk])
    ) as delay:
        assert tasks.sweep_pending_reports() == 1
        assert tasks.sweep_pending_reports() == 0  # evaluated: not again
    delay.assert_called_once_with(raw.report_id)
    change = Change.objects.get(key=f"{KIND_NEW_TYPE}:certificate-expired")
    assert change.notifications.count() == 1


def test_an_unverified_domain_raises_nothing(domain: Domain, settings) -> None:
    settings.TLSRPT_ALERT_FAILURE_RATE = 0.05
    settings.TLSRPT_ALERT_MIN_SESSIONS = 20
    domain.verified_at = None
    domain.save()
    address = ReportAddress.for_domain(domain)
    bad = store(address, report("2026-06-01", ok=50, failed=50, types=("certificate-expired",)))
    assert evaluate_report(bad) == []
    # Nothing on the alerts page, and no open change to suppress the alert once verified.
    assert not Change.objects.exists() and not Notification.objects.exists()
    domain.verified_at = timezone.now()
    domain.save()
    address = ReportAddress.objects.get(pk=address.pk)  # not its cached, unverified domain
    again = store(address, report("2026-06-02", ok=50, failed=50))
    assert kinds(evaluate_report(again)) == [(KIND_FAILURE_RATE, "2026-06-02")]


def test_an_sts_webpki_invalid_alert_names_the_policy_hosts_certificate(domain: Domain) -> None:
    # RFC 8460 §4.3.2.2: the policy could not be authenticated by PKIX — the certificate of
    # mta-sts.<domain>. The email says so with the domain's own name, MX second.
    address = ReportAddress.for_domain(domain)
    evaluate_report(store(address, report("2026-06-01", failed=3, types=("sts-webpki-invalid",))))
    change = Change.objects.get()
    assert (
        "The sender could not authenticate the MTA-STS policy: the HTTPS certificate of the "
        "policy host mta-sts.example.com failed Web PKI (PKIX) validation." in change.summary
    )
    assert change.fix.startswith("The certificate of mta-sts.example.com is expired")
    assert "<domain>" not in change.summary + change.fix


def test_a_report_about_another_domain_raises_nothing_and_counts_in_no_day(
    domain: Domain, settings
) -> None:
    # One _smtp._tls record copied (or CNAMEd) to parked.example.net sends its reports to
    # example.com's address: they are not example.com's failures.
    settings.TLSRPT_ALERT_FAILURE_RATE = 0.05
    settings.TLSRPT_ALERT_MIN_SESSIONS = 20
    address = ReportAddress.for_domain(domain)
    parked = json.loads(report("2026-06-01", rid="p", ok=0, failed=500, types=("dane-required",)))
    parked["policies"][0]["policy"]["policy-domain"] = "parked.example.net"
    foreign = store(address, json.dumps(parked).encode())
    assert not foreign.counted
    assert evaluate_report(foreign) == []
    # example.com's own report that day: 1 of 1000 failed — a good day, and its one failure
    # type is new although the parked domain's report carried other types.
    own = store(address, report("2026-06-01", ok=999, failed=1, types=("dane-required",)))
    assert kinds(evaluate_report(own)) == [(KIND_NEW_TYPE, "dane-required")]
    assert "1 failed session on 2026-06-01" in Change.objects.get().summary


def test_the_alert_task_gives_up_on_a_database_error_that_is_no_outage(domain: Domain) -> None:
    # "value too long" fails the same way every time: given up, not re-queued for ever; an
    # outage (OperationalError) is retried by later sweeps instead.
    from django.db import DataError, OperationalError

    from reports.tasks import alert_on_report

    address = ReportAddress.for_domain(domain)
    stored = store(address, report("2026-06-01", failed=3, types=("certificate-expired",)))
    bad = DataError("value too long for type character varying(200)")
    with mock.patch("reports.alerts.evaluate_report", side_effect=bad):
        alert_on_report.apply(args=[stored.pk])
    stored.refresh_from_db()
    assert stored.alerts_evaluated_at is not None
    other = store(address, report("2026-06-02", failed=3, types=("certificate-expired",)))
    down = OperationalError("could not connect to server")
    with mock.patch("reports.alerts.evaluate_report", side_effect=down):
        alert_on_report.apply(args=[other.pk])
    other.refresh_from_db()
    assert other.alerts_evaluated_at is None
