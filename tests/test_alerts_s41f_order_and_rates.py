"""Task s41f, item 3: the emails list domains and write failure rates as the pages do.

Order: the daily digest grouped its domains by the stored name (the A-label, compared as
text) and the weekly summary by SQL on it: client10 before client2, bücher.de
(xn--bcher-kva.de) after www. The domain list, the alerts page and the records-to-keep
notices use the natural order of the name shown (name_sort_key): an MSP reading a digest of
forty clients finds them where the list has them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from mailsec.accounts.models import Team
from mailsec.alerts import weekly
from mailsec.alerts.emails import build_message
from mailsec.alerts.models import AlertSetting, Change, Notification
from mailsec.domains.models import Domain
from reports.alerts import KIND_FAILURE_RATE, evaluate_report, subject_line
from reports.dashboard import percent_text
from reports.models import ReportAddress
from tests.test_reports_dash_s8_alerts import store

pytestmark = pytest.mark.django_db

# Stored names (A-labels), in the order the domain list shows them.
STORED = [
    "xn--bcher-kva.example",
    "client2.example",
    "client3.example",
    "client10.example",
    "www.example",
]
SHOWN = ["bücher.example", "client2.example", "client3.example", "client10.example", "www.example"]


@pytest.fixture
def owner() -> User:
    return User.objects.create_user("owner", "owner@example.org")


@pytest.fixture
def domains(owner: User) -> list[Domain]:
    team = Team.create_for(owner)
    now = timezone.now()
    # Created in neither order, so neither the primary key nor the name decides by chance.
    made = {
        name: Domain.objects.create(team=team, name=name, verified_at=now - timedelta(days=30))
        for name in (
            "www.example",
            "client10.example",
            "xn--bcher-kva.example",
            "client3.example",
            "client2.example",
        )
    }
    return [made[name] for name in STORED]


def problem(domain: Domain, summary: str) -> Change:
    moment = timezone.now()
    return Change.objects.create(
        domain=domain,
        kind="record-gone",
        key="record-gone:mta-sts",
        summary=summary,
        state=Change.State.CONFIRMED,
        confirmed_at=moment,
        created=moment,
    )


def positions(text: str, names: list[str]) -> list[int]:
    return [text.index(name) for name in names]


def test_s41f_the_digest_lists_domains_in_the_domain_lists_order(
    owner: User, domains: list[Domain]
) -> None:
    for domain in domains:
        AlertSetting.set_mode(owner, domain, AlertSetting.Mode.DIGEST)
        problem(domain, f"The MTA-STS record of {domain.name} has disappeared.")
    digest = Notification.make_digest(owner, timezone.now() + timedelta(minutes=1))
    assert digest is not None
    message = build_message(digest)
    for part in (message.body, str(message.alternatives[0][0])):
        found = positions(
            part, [f"{name} —" if part is message.body else f">{name}<" for name in SHOWN]
        )
        assert found == sorted(found), part
    # The subject names the first of them.
    assert "on bücher.example and 4 other domains" in message.subject


def test_s41f_the_weekly_summary_lists_domains_in_the_domain_lists_order(
    owner: User, domains: list[Domain]
) -> None:
    monday = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    User.objects.filter(pk=owner.pk).update(date_joined=monday - timedelta(days=60))
    owner.refresh_from_db()
    assert [d.name for d in weekly.domains_for(owner)] == STORED
    assert [w.domain.name for w in weekly.summarise(owner, monday)] == STORED


# Rates: the failure-rate alert wrote "20.0%" (the float to one decimal, more when needed)
# where the dashboard, the all-domains page and the weekly summary write "20.00 %"
# (reports.dashboard.percent_text: two decimals, rounded half up, "< 0.01 %", "> 99.99 %").


@pytest.fixture
def address() -> ReportAddress:
    owner = User.objects.create_user("owner", "owner@example.org")
    domain = Domain.objects.create(
        team=Team.create_for(owner), name="example.com", verified_at=timezone.now()
    )
    return ReportAddress.for_domain(domain)


def rate_change() -> Change:
    return Change.objects.get(kind=KIND_FAILURE_RATE)


@pytest.mark.parametrize(
    ("ok", "failed", "threshold", "rate", "limit"),
    [
        (800, 200, 0.05, "20.00 %", "5.00 %"),
        (9_496, 504, 0.05, "5.04 %", "5.00 %"),
        # Two decimals read as the threshold: as many as it takes to read above it.
        (94_999, 5_001, 0.05, "5.001 %", "5.000 %"),
        # Half up on the counts, as the dashboard: 1 of 800 is 0.13 %, not 0.12 %.
        (799, 1, 0.001, "0.13 %", "0.10 %"),
        # A threshold finer than two decimals is written whole.
        (900, 100, 0.0125, "10.00 %", "1.25 %"),
        (9_000, 1_000, 0.00125, "10.00 %", "0.125 %"),
        # Some sessions got through: not "100 %", as the dashboard says it.
        (2, 49_998, 0.05, "> 99.99 %", "5.00 %"),
        (0, 300, 0.05, "100.00 %", "5.00 %"),
    ],
)
def test_s41f_the_rate_alert_writes_rates_as_the_pages(
    address: ReportAddress,
    settings: Any,
    ok: int,
    failed: int,
    threshold: float,
    rate: str,
    limit: str,
) -> None:
    settings.TLSRPT_ALERT_FAILURE_RATE = threshold
    day = timezone.now().date() - timedelta(days=1)
    evaluate_report(store(address, day, ok, failed))
    change = rate_change()
    if len(rate.rsplit(" ", 1)[0].split(".")[-1]) == 2:
        # The dashboard's own words for the day, where two decimals tell it.
        assert rate == percent_text(failed, ok + failed)
    assert change.after == rate
    assert change.before == f"≤ {limit}"
    assert change.summary.startswith(
        f"{rate} of the TLS sessions senders reported for example.com on {day:%Y-%m-%d} "
        f"failed ({failed} of {ok + failed}), above the alert threshold of {limit}."
    )
    assert subject_line(change, recovery=False, going_on=False) == (
        f"{rate} of TLS sessions failed on {day:%Y-%m-%d}"
    )
