"""Report alerts without fatigue: the failure-rate rule against routine noise (reports.alerts).

A small sender that steadily fails a few sessions a day must not raise the failure-rate alert
whenever the day's total happens to be low, and an alert once raised stays open while the rate
wobbles; a real jump, a lasting problem and a new failure type still alert at once.
"""

from __future__ import annotations

import datetime
import json
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from mailsec.accounts.models import Team
from mailsec.alerts.models import Change, Notification
from mailsec.domains.models import Domain
from reports import conf
from reports.alerts import (
    KIND_FAILURE_RATE,
    KIND_NEW_TYPE,
    QUIET_DAYS,
    day_rates,
    evaluate_report,
)
from reports.models import ReportAddress
from tests.test_reports_alerts import (
    kinds,
    report,
    reports_arrive_the_next_morning,  # noqa: F401 (autouse: these days are long past too)
    store,
)

pytestmark = pytest.mark.django_db

START = datetime.date(2026, 6, 1)


@pytest.fixture
def domain() -> Domain:
    owner = User.objects.create_user("owner", "owner@example.org")
    return Domain.objects.create(
        team=Team.create_for(owner), name="example.com", verified_at=timezone.now()
    )


@pytest.fixture(autouse=True)
def thresholds(settings: Any) -> None:
    settings.TLSRPT_ALERT_FAILURE_RATE = 0.05
    settings.TLSRPT_ALERT_MIN_SESSIONS = 20


def day(n: int) -> str:
    return (START + datetime.timedelta(days=n)).isoformat()


def send(address: ReportAddress, n: int, org: str, *, ok: int, failed: int = 0, **kw: Any) -> list:
    """Store one organisation's report for day n and evaluate it, as the alert task does."""
    rid = kw.pop("rid", f"{org}-{n}")
    return evaluate_report(
        store(address, report(day(n), rid=rid, org=org, ok=ok, failed=failed, **kw))
    )


def small(address: ReportAddress, n: int) -> list:
    # A small sender that fails 3 of its 30 sessions every day (one of the domain's MX
    # hosts has an expired certificate it keeps trying first): routine noise.
    return send(address, n, "Small Mail Co", ok=27, failed=3, types=("certificate-expired",))


def big(address: ReportAddress, n: int, *, failed: int = 0) -> list:
    # A big sender whose traffic swings: 50 sessions one day, 20 the next.
    return send(address, n, "Google Inc.", ok=(50 if n % 2 == 0 else 20) - failed, failed=failed)


def rate_changes() -> list[tuple[str, str]]:
    return [
        (c.subject, c.state) for c in Change.objects.filter(kind=KIND_FAILURE_RATE).order_by("pk")
    ]


def test_it_does_not_alert_every_other_day_on_a_small_senders_steady_failures(
    domain: Domain,
) -> None:
    # The reviewer's ten days: 3 failures of 80 sessions (3.75 %) one day, of 50 (6 %) the
    # next. They were one new-type alert plus five failure-rate alerts, each closed the next
    # day; the sender's rate never moved (10 % every day), so there is one alert.
    address = ReportAddress.for_domain(domain)
    events = []
    for n in range(10):
        events += big(address, n)
        events += small(address, n)
    assert kinds(events) == [(KIND_NEW_TYPE, "certificate-expired")]
    assert rate_changes() == []
    assert Notification.objects.count() == 1


def test_a_rate_alert_on_the_first_day_is_not_raised_again_while_it_wobbles(
    domain: Domain,
) -> None:
    # The small sender reports first on day one: 3 of its 30 sessions are all the domain has
    # so far, with no usual rate to compare: one alert. It is not raised again on the days
    # the total dips, and its closing after a calm week is told once.
    address = ReportAddress.for_domain(domain)
    events = []
    for n in range(12):
        events += small(address, n)
        events += big(address, n)
    assert kinds(events) == [
        (KIND_NEW_TYPE, "certificate-expired"),
        (KIND_FAILURE_RATE, day(0)),
    ]
    assert rate_changes() == [(day(0), Change.State.RECOVERED)]
    # The type and the day came with the same report: one alert email with both (s40g).
    assert sorted(Notification.objects.values_list("kind", flat=True)) == ["alert", "recovery"]
    assert Notification.objects.get(kind="alert").changes.count() == 2


def test_a_real_jump_alerts_at_once_despite_the_noise(domain: Domain) -> None:
    address = ReportAddress.for_domain(domain)
    for n in range(7):
        big(address, n)
        small(address, n)
    assert rate_changes() == []
    # The big sender, which never failed, fails 15 of its 50 sessions: alert that day.
    events = big(address, 8, failed=15)
    assert kinds(events) == [(KIND_FAILURE_RATE, day(8))]
    change = Change.objects.get(kind=KIND_FAILURE_RATE)
    assert change.summary.startswith(
        f"30.00 % of the TLS sessions senders reported for example.com on {day(8)} failed "
        "(15 of 50), above the alert threshold of 5.00 %."
    )
    small(address, 8)
    assert change.evidence["failed beyond the senders' usual rate"] == 15


def test_the_noisy_sender_getting_worse_is_a_jump(domain: Domain) -> None:
    address = ReportAddress.for_domain(domain)
    for n in range(7):
        big(address, n)
        small(address, n)
    # 3 of 30 every day, now 18 of 30: beyond its usual 10 % by 15 sessions of 80.
    big(address, 8)
    events = send(address, 8, "Small Mail Co", ok=12, failed=18, types=("certificate-expired",))
    assert kinds(events) == [(KIND_FAILURE_RATE, day(8))]


def test_a_lasting_problem_does_not_become_the_usual_rate(domain: Domain) -> None:
    # Every sender fails half its sessions for two weeks: one alert, and it stays open — bad
    # days are not taken as anyone's usual rate, so the problem is not called over.
    address = ReportAddress.for_domain(domain)
    events = []
    for n in range(15):
        events += send(address, n, "Google Inc.", ok=500, failed=500)
        events += send(address, n, "Microsoft", ok=100, failed=100)
    assert kinds(events) == [(KIND_FAILURE_RATE, day(0))]
    assert rate_changes() == [(day(0), Change.State.CONFIRMED)]


def test_one_good_day_is_no_recovery_but_a_calm_week_is(domain: Domain) -> None:
    address = ReportAddress.for_domain(domain)
    assert kinds(send(address, 0, "Google Inc.", ok=80, failed=20)) == [(KIND_FAILURE_RATE, day(0))]
    # Good, bad, good, bad: the same change all along.
    for n in range(1, 5):
        assert (
            send(address, n, "Google Inc.", ok=100 if n % 2 else 80, failed=0 if n % 2 else 20)
            == []
        )
    assert rate_changes() == [(day(0), Change.State.CONFIRMED)]
    for n in range(5, 5 + QUIET_DAYS - 1):
        send(address, n, "Google Inc.", ok=100)
    assert rate_changes() == [(day(0), Change.State.CONFIRMED)]  # six calm days: not yet
    send(address, 5 + QUIET_DAYS - 1, "Google Inc.", ok=100)
    assert rate_changes() == [(day(0), Change.State.RECOVERED)]
    # After that, coming back is news again.
    assert kinds(send(address, 20, "Google Inc.", ok=80, failed=20)) == [
        (KIND_FAILURE_RATE, day(20))
    ]


def test_days_too_small_to_judge_do_not_close_it(domain: Domain) -> None:
    address = ReportAddress.for_domain(domain)
    send(address, 0, "Google Inc.", ok=80, failed=20)
    for n in range(1, 12):
        send(address, n, "Google Inc.", ok=5)  # 5 sessions: no verdict either way
    assert rate_changes() == [(day(0), Change.State.CONFIRMED)]


def test_a_late_report_for_an_old_day_does_not_close_it(domain: Domain) -> None:
    address = ReportAddress.for_domain(domain)
    for n in range(QUIET_DAYS):
        send(address, n, "Google Inc.", ok=100)
    send(address, 10, "Google Inc.", ok=80, failed=20)
    assert rate_changes() == [(day(10), Change.State.CONFIRMED)]
    # A calm report for day 6 arriving late: the domain's latest day is still the bad one.
    send(address, 6, "Microsoft", ok=100)
    assert rate_changes() == [(day(10), Change.State.CONFIRMED)]


def test_a_new_failure_type_still_alerts_while_the_rate_alert_is_open(domain: Domain) -> None:
    address = ReportAddress.for_domain(domain)
    for n in range(4):
        big(address, n)
        small(address, n)
    send(address, 4, "Google Inc.", ok=40, failed=10, types=("starttls-not-supported",))
    assert kinds(send(address, 5, "Google Inc.", ok=40, failed=10, types=("dane-required",))) == [
        (KIND_NEW_TYPE, "dane-required")
    ]
    assert [c.subject for c in Change.objects.filter(kind=KIND_NEW_TYPE).order_by("pk")] == [
        "certificate-expired",
        "starttls-not-supported",
        "dane-required",
    ]
    assert rate_changes() == [(day(4), Change.State.CONFIRMED)]


def test_a_sender_with_too_little_history_has_no_usual_rate(domain: Domain) -> None:
    # 1 failed of 2 sessions on an ordinary day is no usual rate of 50 %: that sender failing
    # 20 of 40 the next day is a jump.
    address = ReportAddress.for_domain(domain)
    send(address, 0, "Google Inc.", ok=1000)
    send(address, 0, "Tiny Sender", ok=1, failed=1)
    assert send(address, 1, "Google Inc.", ok=100) == []
    assert kinds(send(address, 1, "Tiny Sender", ok=20, failed=20)) == [(KIND_FAILURE_RATE, day(1))]
    rate = day_rates(address, [START + datetime.timedelta(days=1)], 0.05)
    assert rate[START + datetime.timedelta(days=1)].unusual == 20


def test_a_report_about_another_domain_has_no_say_in_usual_rates(domain: Domain) -> None:
    # Reports about a parked domain that shares the address's record are left out of every
    # day: they make no sender's usual rate, so its own failures the next day still count.
    address = ReportAddress.for_domain(domain)
    send(address, 0, "Google Inc.", ok=1000)
    parked = json.loads(report(day(0), rid="p", ok=500, failed=500, org="Small Mail Co"))
    parked["policies"][0]["policy"]["policy-domain"] = "parked.example.net"
    assert not store(address, json.dumps(parked).encode()).counted
    assert day_rates(address, [START], 0.05)[START].sessions == 1000
    send(address, 1, "Google Inc.", ok=100)
    assert kinds(send(address, 1, "Small Mail Co", ok=20, failed=20)) == [
        (KIND_FAILURE_RATE, day(1))
    ]


@pytest.mark.parametrize("value", ["5", "nan", "-1", "1", "abc", "5%"])
def test_it_refuses_a_failure_rate_threshold_that_is_no_share(
    settings: Any, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    # "5" meant as 5 % was 500 %: rate alerts silently off (so was "nan"); "-1" alerted on
    # days without a failure; "abc" was a ValueError that lost every alert of the report.
    del settings.TLSRPT_ALERT_FAILURE_RATE
    monkeypatch.setenv("TLSRPT_ALERT_FAILURE_RATE", value)
    with pytest.raises(ImproperlyConfigured, match="TLSRPT_ALERT_FAILURE_RATE"):
        conf.alert_failure_rate()


def test_it_takes_a_share_from_the_environment_or_the_settings(
    settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    del settings.TLSRPT_ALERT_FAILURE_RATE
    assert conf.alert_failure_rate() == 0.05  # the default
    monkeypatch.setenv("TLSRPT_ALERT_FAILURE_RATE", "0.1")
    assert conf.alert_failure_rate() == 0.1
    monkeypatch.setenv("TLSRPT_ALERT_FAILURE_RATE", "0")
    assert conf.alert_failure_rate() == 0.0
    settings.TLSRPT_ALERT_FAILURE_RATE = "0.02"
    assert conf.alert_failure_rate() == 0.02
    settings.TLSRPT_ALERT_FAILURE_RATE = 2
    with pytest.raises(ImproperlyConfigured):
        conf.alert_failure_rate()


def test_a_bad_threshold_stops_the_rate_rule_loudly_but_not_new_types(
    domain: Domain, settings: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    del settings.TLSRPT_ALERT_FAILURE_RATE
    monkeypatch.setenv("TLSRPT_ALERT_FAILURE_RATE", "5")
    address = ReportAddress.for_domain(domain)
    events = send(address, 0, "Google Inc.", ok=500, failed=500, types=("certificate-expired",))
    assert kinds(events) == [(KIND_NEW_TYPE, "certificate-expired")]
    assert "failure-rate alerts are off: TLSRPT_ALERT_FAILURE_RATE=5.0 is not valid" in caplog.text


def test_a_late_report_for_an_old_day_does_not_close_a_failure_type_still_reported(
    domain: Domain,
) -> None:
    address = ReportAddress.for_domain(domain)
    for n in range(6):
        send(address, n, "Google Inc.", ok=1000)
    for n in range(10, 21):
        send(address, n, "Google Inc.", ok=1000, failed=2, types=("certificate-expired",))
    # A clean report for day 6 arrives on day 20 (the sender's queue was stuck): days 0-6
    # are seven report days without the type, but it is reported every day now.
    send(address, 6, "Microsoft", ok=500)
    send(address, 21, "Google Inc.", ok=1000, failed=2, types=("certificate-expired",))
    change = Change.objects.get(kind=KIND_NEW_TYPE)
    assert (change.subject, change.state) == ("certificate-expired", Change.State.CONFIRMED)


def test_a_failure_type_closes_after_seven_report_days_on_a_domain_that_skips_days(
    domain: Domain,
) -> None:
    # Senders report only days they sent mail on: this domain gets reports every other day.
    # Seven report days without the type close its change, so its return is news again.
    address = ReportAddress.for_domain(domain)
    send(address, 0, "Google Inc.", ok=300, failed=2, types=("certificate-expired",))
    for n in range(2, 2 * QUIET_DAYS, 2):
        send(address, n, "Google Inc.", ok=300)
    assert Change.objects.get().state == Change.State.CONFIRMED  # six report days: not yet
    send(address, 2 * QUIET_DAYS, "Google Inc.", ok=300)
    assert Change.objects.get().state == Change.State.RECOVERED
    back = send(address, 60, "Google Inc.", ok=300, failed=2, types=("certificate-expired",))
    assert kinds(back) == [(KIND_NEW_TYPE, "certificate-expired")]
