"""Task s40g: the changes one report opens (or ends) reach each member in one email, as one
check's changes do (docs/webapp.md), not one email per change; the small words of report
alert texts ("1 failed session", not "1 failed sessions"); and the weekly summary writes a
failure rate as the dashboard does (reports.dashboard.percent_text: 1 of 800 is 0.13 %).

Blind round s40f found a report with ten new failure types sending ten emails to each member
(its H11); its H02, H03, H10, H11 and H14 are back to one email per report."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.test import override_settings
from django.utils import timezone

from mailsec.accounts.models import Membership, Team
from mailsec.alerts.models import Change, Notification
from mailsec.alerts.tasks import send_notification
from mailsec.domains.models import Domain
from reports.alerts import KIND_FAILURE_RATE, KIND_NEW_TYPE, evaluate_report
from reports.dashboard import percent_text
from reports.models import ReportAddress, TlsReport
from reports.tasks import alert_on_report
from tests import test_alerts_weekly as weekly_tests
from tests.conftest import BaseTestCase
from tests.test_reports_alerts import report as one_type_report
from tests.test_reports_alerts import (  # noqa: F401 (the autouse fixture)
    reports_arrive_the_next_morning,
    store,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def domain() -> Domain:
    owner = User.objects.create_user("owner", "owner@example.org")
    team = Team.create_for(owner)
    mate = User.objects.create_user("mate", "mate@example.org")
    Membership.objects.create(team=team, user=mate, role=Membership.Role.MEMBER)
    return Domain.objects.create(team=team, name="example.com", verified_at=timezone.now())


def report(day: str, counts: dict[str, int], *, ok: int = 1000, rid: str = "") -> bytes:
    """A report of `day` whose one policy failed `counts[type]` sessions of each type."""
    import json

    body = json.loads(one_type_report(day, ok=ok, failed=sum(counts.values()) or 0))
    body["report-id"] = rid or f"{day}-{'-'.join(sorted(counts))}-{ok}"
    body["policies"][0]["failure-details"] = [
        {"result-type": t, "receiving-mx-hostname": "mx2.example.com", "failed-session-count": n}
        for t, n in counts.items()
    ]
    return json.dumps(body).encode()


def send_all() -> list[Any]:
    before = len(mail.outbox)
    for n in Notification.objects.filter(status=Notification.Status.PENDING):
        send_notification.apply(args=[str(n.code)])
    return mail.outbox[before:]


def to(messages: list[Any], email: str) -> list[Any]:
    return [m for m in messages if email in m.to]


def text(message: Any) -> str:
    return " ".join(message.body.split())


def test_the_changes_one_report_opens_are_one_email_per_member(domain: Domain) -> None:
    address = ReportAddress.for_domain(domain)
    counts = {
        "certificate-expired": 4,
        "starttls-not-supported": 5,
        "certificate-not-trusted": 1,
        "validation-failure": 3,
    }
    stored = store(address, report("2026-06-01", counts))
    alert_on_report.apply(args=[stored.pk])
    assert Change.objects.filter(kind=KIND_NEW_TYPE).count() == 4
    sent = send_all()
    for who in ("owner@example.org", "mate@example.org"):
        (message,) = to(sent, who)
        # The most failed sessions first, the subject's headline, and the others counted
        # as a check alert counts them.
        assert message.subject == (
            "[mailsec] example.com: starttls-not-supported TLS failures on 2026-06-01 (+3 more)"
        )
        body = text(message)
        assert "show 4 new problems" in body
        # Each change with its own figures, in that order, and the dashboard linked.
        order = [
            "starttls-not-supported. 5 failed sessions on 2026-06-01",
            "certificate-expired. 4 failed sessions on 2026-06-01",
            "validation-failure. 3 failed sessions on 2026-06-01",
            "certificate-not-trusted. 1 failed session on 2026-06-01, in 1 report.",
        ]
        assert [body.index(line) for line in order] == sorted(body.index(line) for line in order)
        assert f"/tlsrpt/{address.token}/dashboard/" in body
    notes = Notification.objects.filter(kind=Notification.Kind.ALERT)
    assert notes.count() == 2
    assert {n.changes.count() for n in notes} == {4}

    # The task run again (a retry, a copy queued by the sweep) sends nothing more.
    TlsReport.objects.filter(pk=stored.pk).update(alerts_evaluated_at=None)
    alert_on_report.apply(args=[stored.pk])
    assert send_all() == []
    # A later report with the same types and one new one: the repeats stay suppressed, the
    # new type is one email of its own, without "+N more".
    later = store(address, report("2026-06-02", {**counts, "tlsa-invalid": 2}))
    alert_on_report.apply(args=[later.pk])
    sent = send_all()
    assert sorted(m.subject for m in sent) == 2 * [
        "[mailsec] example.com: tlsa-invalid TLS failures on 2026-06-02"
    ]
    assert "2 failed sessions on 2026-06-02" in text(sent[0])


def test_a_new_type_and_its_bad_day_are_one_email_the_cause_first(
    domain: Domain, settings: Any
) -> None:
    settings.TLSRPT_ALERT_FAILURE_RATE = 0.05
    settings.TLSRPT_ALERT_MIN_SESSIONS = 20
    address = ReportAddress.for_domain(domain)
    for day in ("2026-06-01", "2026-06-02"):
        evaluate_report(store(address, report(day, {})))
    bad = store(address, report("2026-06-03", {"validation-failure": 200}, ok=800))
    events = evaluate_report(bad)
    assert sorted(e.kind for e in events) == [KIND_FAILURE_RATE, KIND_NEW_TYPE]
    sent = send_all()
    (message,) = to(sent, "owner@example.org")
    assert len(sent) == 2
    # As a check alert leads with the cause, not the verdict it rolls up into: the type.
    assert message.subject == (
        "[mailsec] example.com: validation-failure TLS failures on 2026-06-03 (+1 more)"
    )
    body = text(message)
    assert "200 failed sessions on 2026-06-03" in body
    assert "failed (200 of 1000), above the alert threshold of 5.00 %" in body
    assert body.index("200 failed sessions") < body.index("(200 of 1000)")


def test_the_changes_one_report_ends_are_one_email_per_member(domain: Domain) -> None:
    address = ReportAddress.for_domain(domain)
    evaluate_report(
        store(address, report("2026-06-01", {"certificate-expired": 3, "dane-required": 1}))
    )
    assert len(send_all()) == 2
    start = datetime.date(2026, 6, 2)
    for n in range(7):  # seven clean report days: both types quiet, closed by the last one
        evaluate_report(
            store(address, report((start + datetime.timedelta(days=n)).isoformat(), {}))
        )
    assert set(Change.objects.values_list("state", flat=True)) == {Change.State.RECOVERED}
    sent = send_all()
    assert len(sent) == 2
    (message,) = to(sent, "mate@example.org")
    assert message.subject == (
        "[mailsec] example.com: no certificate-expired reported after 2026-06-01 (+1 more)"
    )
    body = text(message)
    assert "No longer reported: " in body
    assert body.count("Senders have reported no ") == 2


def test_one_failed_session_is_singular_in_every_alert_text(domain: Domain) -> None:
    address = ReportAddress.for_domain(domain)
    forged = report("2026-06-01", {"certificate-expired": 1, "made-up-type": 1})
    body = forged.replace(b'"mx2.example.com"', b'"mx9.example.net"', 1)
    evaluate_report(store(address, body))
    change = Change.objects.get(subject="certificate-expired")
    assert "1 failed session on 2026-06-01, in 1 report." in change.summary
    assert "1 failed sessions" not in change.summary
    assert "Reports also name 1 host that is not among the domain's MX hosts" in change.summary
    unknown = Change.objects.get(subject="not in RFC 8460")
    assert "name 1 failure type that RFC 8460 §4.3 does not define" in unknown.summary
    assert "type(s)" not in unknown.summary


@override_settings(ALERT_DIGEST_HOUR=7)
class WeeklyRateTestCase(BaseTestCase):
    """The weekly summary's rates, as the dashboard writes them (percent_text)."""

    setUp = weekly_tests.WeeklySummaryTestCase.setUp
    report = weekly_tests.WeeklySummaryTestCase.report
    send_all = weekly_tests.WeeklySummaryTestCase.send_all

    def test_the_weekly_summary_rounds_a_rate_as_the_dashboard(self) -> None:
        from mailsec.alerts import weekly

        monday = weekly_tests.MONDAY_9
        # 1 of 800 is 0.125 %: 0.13 % on the dashboard; the float to two places said 0.12 %.
        self.report("google.com", (monday - datetime.timedelta(days=1)).date(), 799, 1, "x")
        # Late: a report of an earlier week stored in this one, 20 of 3,200 (0.625 %).
        self.report("microsoft.com", (monday - datetime.timedelta(days=9)).date(), 3180, 20, "x")
        TlsReport.objects.filter(submitter="microsoft.com").update(
            created=monday - datetime.timedelta(days=2)
        )
        weekly.make(self.alice, monday)
        self.send_all()
        [message] = mail.outbox
        body = " ".join(message.body.split())
        html = " ".join(str(message.alternatives[0][0]).split())
        assert percent_text(1, 800) == "0.13 %"
        for part in (body, html):
            assert "0.12 %" not in part, part
            assert "1 failed (0.13 %)" in part.replace("<strong>", "").replace("</strong>", "")
            assert "20 failed (0.63 %)" in part.replace("<strong>", "").replace("</strong>", "")
