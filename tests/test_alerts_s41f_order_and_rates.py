"""Task s41f, item 3: the emails list domains and write failure rates as the pages do.

Order: the daily digest grouped its domains by the stored name (the A-label, compared as
text) and the weekly summary by SQL on it: client10 before client2, bücher.de
(xn--bcher-kva.de) after www. The domain list, the alerts page and the records-to-keep
notices use the natural order of the name shown (name_sort_key): an MSP reading a digest of
forty clients finds them where the list has them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from mailsec.accounts.models import Team
from mailsec.alerts import weekly
from mailsec.alerts.emails import build_message
from mailsec.alerts.models import AlertSetting, Change, Notification
from mailsec.domains.models import Domain

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
