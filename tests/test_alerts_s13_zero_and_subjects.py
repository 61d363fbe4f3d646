"""TLS-report alerts: a zero count is no failure; subjects are short, front-loaded and dated.

1. A failure-details entry with `failed-session-count: 0` (as some senders list every MX, or a
   policy whose summary says `total-failure-session-count: 0`) reported no failed session.
   It raised "New TLS failure reported … 0 failed sessions" and emailed the owner, and counted
   as seen, so a real failure of that type the next day was not told.
2. The failure-rate subject ran to ~140 characters and mail clients cut it before the day;
   every TLS-report alert subject now says the domain, what, and the day first, in under 78
   characters for a normal domain.
3. Per-type subjects and "No longer reported" lines carry the report day (UTC).
"""

from __future__ import annotations

import copy
import datetime
import json
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.utils import timezone

from mailsec.accounts.models import Team
from mailsec.alerts.models import Change, Notification
from mailsec.alerts.tasks import send_notification
from mailsec.domains.models import Domain
from reports.alerts import KIND_FAILURE_RATE, KIND_NEW_TYPE, evaluate_report
from reports.models import ReportAddress
from tests.test_reports_alerts import (  # noqa: F401 (the autouse fixture)
    SAMPLE,
    report,
    reports_arrive_the_next_morning,
    store,
)

pytestmark = pytest.mark.django_db

DAY0 = datetime.date(2026, 6, 1)
# What a mail client shows of a subject before cutting it, for a domain of a usual length.
SUBJECT_CHARS = 78


def day(n: int) -> str:
    return (DAY0 + timedelta(days=n)).isoformat()


@pytest.fixture(autouse=True)
def thresholds(settings: Any) -> None:
    settings.TLSRPT_ALERT_FAILURE_RATE = 0.05
    settings.TLSRPT_ALERT_MIN_SESSIONS = 20
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def owner() -> User:
    return User.objects.create_user("owner", "owner@example.org")


@pytest.fixture
def domain(owner: User) -> Domain:
    return Domain.objects.create(
        team=Team.create_for(owner), name="example.com", verified_at=timezone.now()
    )


@pytest.fixture
def address(domain: Domain) -> ReportAddress:
    return ReportAddress.for_domain(domain)


def policies_report(when: str, rid: str, policies: list[tuple[int, int, dict[str, int]]]) -> bytes:
    """A report of `when` whose policies are (successful, failed, {result type: failed-session
    count of its failure-details entry})."""
    r: dict[str, Any] = copy.deepcopy(SAMPLE)
    r["report-id"] = rid
    r["date-range"] = {"start-datetime": f"{when}T00:00:00Z", "end-datetime": f"{when}T23:59:59Z"}
    template = r["policies"][0]
    r["policies"] = []
    for ok, failed, details in policies:
        policy = copy.deepcopy(template)
        policy["summary"] = {
            "total-successful-session-count": ok,
            "total-failure-session-count": failed,
        }
        policy["failure-details"] = [
            {
                "result-type": t,
                "receiving-mx-hostname": "mx1.example.com",
                "failed-session-count": n,
            }
            for t, n in details.items()
        ]
        r["policies"].append(policy)
    return json.dumps(r).encode()


def evaluate(address: ReportAddress, body: bytes) -> list[Change]:
    return evaluate_report(store(address, body))


def sent(n: Notification) -> Any:
    mail.outbox.clear()
    send_notification.apply(args=[str(n.code)])
    assert len(mail.outbox) == 1
    return mail.outbox[0]


def words(text: str) -> str:
    return " ".join(text.split())


# --- 1. A zero count is no failure ------------------------------------------------------------


def test_a_failure_details_entry_of_zero_sessions_does_not_alert(
    owner: User, address: ReportAddress
) -> None:
    # The policy failed 3 sessions, all starttls-not-supported; certificate-expired is listed
    # with 0 of them.
    body = policies_report(
        day(0), "zero-1", [(1000, 3, {"starttls-not-supported": 3, "certificate-expired": 0})]
    )
    events = evaluate(address, body)
    assert [(e.kind, e.subject) for e in events] == [(KIND_NEW_TYPE, "starttls-not-supported")]
    assert not Change.objects.filter(subject="certificate-expired").exists()
    assert all("0 failed sessions" not in c.summary for c in Change.objects.all())


def test_a_policy_that_failed_no_session_does_not_alert(
    owner: User, address: ReportAddress
) -> None:
    # Its summary says no session failed; its details list a type with a count of 0, and
    # another with a count the summary denies.
    body = policies_report(
        day(0), "zero-2", [(1000, 0, {"certificate-expired": 0, "validation-failure": 2})]
    )
    assert evaluate(address, body) == []
    assert not Change.objects.exists()
    assert not Notification.objects.exists()


def test_a_zero_entry_does_not_hide_the_real_failure_the_next_day(
    owner: User, address: ReportAddress
) -> None:
    evaluate(address, policies_report(day(0), "zero-3", [(1000, 0, {"certificate-expired": 0})]))
    events = evaluate(
        address, policies_report(day(1), "real-1", [(1000, 5, {"certificate-expired": 5})])
    )
    assert [(e.kind, e.subject) for e in events] == [(KIND_NEW_TYPE, "certificate-expired")]
    change = Change.objects.get(subject="certificate-expired")
    assert "5 failed sessions on 2026-06-02" in change.summary
    assert Notification.objects.filter(kind=Notification.Kind.ALERT).count() == 1


def test_a_zero_entry_keeps_no_change_of_its_type_open(owner: User, address: ReportAddress) -> None:
    # A type whose change is open stays open while it is reported: a zero entry is no report
    # of it, so seven report days of zeros close it.
    evaluate(address, policies_report(day(0), "real-0", [(1000, 5, {"certificate-expired": 5})]))
    for n in range(1, 8):
        evaluate(
            address, policies_report(day(n), f"zero-{n}", [(1000, 0, {"certificate-expired": 0})])
        )
    assert Change.objects.get().state == Change.State.RECOVERED


# --- 2 and 3. Subjects: the domain, what, and the day first; short ---------------------------


def subjects(kind: str) -> list[str]:
    return [
        sent(n).subject
        for n in Notification.objects.filter(kind=kind).order_by("pk")
        if n.changes.exists()
    ]


def assert_short(subject: str) -> None:
    assert len(subject) <= SUBJECT_CHARS, (len(subject), subject)


def calm_days(address: ReportAddress, first: int, last: int) -> None:
    for n in range(first, last + 1):
        evaluate(address, report(day(n), rid=f"calm-{n}"))


def test_a_failure_rate_subject_says_the_day_before_a_client_cuts_it(
    owner: User, address: ReportAddress
) -> None:
    evaluate(address, report(day(0), ok=800, failed=200))
    [subject] = subjects(Notification.Kind.ALERT)
    assert subject == "[mailsec] example.com: 20.00 % of TLS sessions failed on 2026-06-01"
    assert_short(subject)
    calm_days(address, 1, 7)
    assert Change.objects.get(kind=KIND_FAILURE_RATE).state == Change.State.RECOVERED
    [subject] = subjects(Notification.Kind.RECOVERY)
    assert subject == "[mailsec] example.com: TLS failure rate calm again after 2026-06-01"
    assert_short(subject)


def test_a_new_failure_type_and_its_end_are_dated_in_subject_and_body(
    owner: User, address: ReportAddress
) -> None:
    evaluate(address, report(day(0), failed=3, types=("certificate-host-mismatch",)))
    # Reported again two days later: its end is dated by the last day it was reported.
    evaluate(address, report(day(2), failed=2, types=("certificate-host-mismatch",)))
    [subject] = subjects(Notification.Kind.ALERT)
    # The longest failure type RFC 8460 defines still fits.
    assert subject == (
        "[mailsec] example.com: certificate-host-mismatch TLS failures on 2026-06-01"
    )
    assert_short(subject)
    change = Change.objects.get()
    assert change.headline == (
        "New TLS failure reported for example.com on 2026-06-01: certificate-host-mismatch"
    )
    calm_days(address, 3, 9)
    change.refresh_from_db()
    assert change.state == Change.State.RECOVERED
    [message] = [sent(n) for n in Notification.objects.filter(kind=Notification.Kind.RECOVERY)]
    assert message.subject == (
        "[mailsec] example.com: no certificate-host-mismatch reported after 2026-06-03"
    )
    assert_short(message.subject)
    # The recovery line says which alert (the day it was reported first) and the note when it
    # was reported last.
    body = words(message.body)
    assert (
        "* No longer reported: New TLS failure reported for example.com on 2026-06-01: "
        "certificate-host-mismatch." in body
    )
    assert "Since 2026-06-03 (the last day one was reported)" in body


def test_types_not_in_the_rfc_have_a_short_dated_subject(
    owner: User, address: ReportAddress
) -> None:
    evaluate(address, report(day(0), failed=3, types=("made-up-failure", "another-one")))
    [subject] = subjects(Notification.Kind.ALERT)
    assert subject == "[mailsec] example.com: TLS failure types not in RFC 8460 on 2026-06-01"
    assert_short(subject)
    calm_days(address, 1, 7)
    [subject] = subjects(Notification.Kind.RECOVERY)
    assert subject == (
        "[mailsec] example.com: no TLS failure types outside RFC 8460 after 2026-06-01"
    )
    assert_short(subject)


def test_a_long_domain_keeps_the_fact_and_the_day(owner: User, domain: Domain) -> None:
    domain.name = "a-rather-long-subdomain-name-for-mail.department.example.com"
    domain.save()
    address = ReportAddress.for_domain(domain)
    evaluate(address, report(day(0), ok=800, failed=200))
    [subject] = subjects(Notification.Kind.ALERT)
    assert subject.endswith(": 20.00 % of TLS sessions failed on 2026-06-01")
    assert subject.startswith("[mailsec] a-rather-long-subdomain-name-for")
