"""The emailed alert links answer HEAD as they answer GET, changing nothing (task s46b item 3).

Link checkers and mail scanners fetch the links in a message, some with HEAD first; RFC 8058
§3: a GET (and so a HEAD) of the unsubscribe link must not unsubscribe, only the one-click
POST does. The unsubscribe page (and the team address's confirmation link, mailed the same
way) answered HEAD with 405, which such tools report as a broken link or follow with odd
retries. HEAD now gets the GET's status and headers, without a body, and nothing changes.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from mailsec.accounts.models import Profile, Team
from mailsec.alerts.emails import (
    ALL_DOMAINS,
    MAILBOX,
    WEEKLY,
    address_unsubscribe_token,
    unsubscribe_token,
)
from mailsec.alerts.models import AlertRecipient, AlertSetting, TeamAlertAddress
from mailsec.domains.models import Domain

pytestmark = pytest.mark.django_db


@pytest.fixture
def ines() -> User:
    user = User.objects.create_user("ines", "ines@quay-s46b.test")
    team = Team.create_for(user)
    Profile.objects.create(user=user, current_team=team)
    for name in ("a-s46b.test", "b-s46b.test"):
        Domain.objects.create(team=team, name=name, verified_at=timezone.now())
    return user


def _url(token: str) -> str:
    return reverse("alerts:unsubscribe", args=[token])


def _nothing_changed(user: User, address: TeamAlertAddress) -> None:
    assert not AlertSetting.objects.filter(user=user, mode=AlertSetting.Mode.OFF).exists()
    assert not AlertRecipient.objects.filter(user=user, unsubscribed_all=True).exists()
    assert not AlertRecipient.objects.filter(user=user, weekly_summary=False).exists()
    address.refresh_from_db()
    assert address.unsubscribed_at is None and not address.muted_domains.exists()


@pytest.mark.parametrize("scope", ["domain", "several", "all", "weekly", "address", "mailbox"])
def test_head_of_an_unsubscribe_link_answers_as_get_and_changes_nothing(
    ines: User, scope: str
) -> None:
    team = ines.memberships.get().team
    domains = list(team.domains.order_by("name"))
    address = TeamAlertAddress.objects.create(
        team=team, email="noc@quay-s46b.test", confirmed_at=timezone.now()
    )
    token = {
        "domain": lambda: unsubscribe_token(ines, domains[0]),
        "several": lambda: unsubscribe_token(ines, None, domains=domains),
        "all": lambda: unsubscribe_token(ines, None, ALL_DOMAINS),
        "weekly": lambda: unsubscribe_token(ines, None, WEEKLY),
        "address": lambda: address_unsubscribe_token(address, domains[0]),
        "mailbox": lambda: address_unsubscribe_token(address, None, MAILBOX),
    }[scope]()
    client = Client()
    got = client.get(_url(token))
    head = client.head(_url(token))
    assert got.status_code == 200
    assert head.status_code == got.status_code, head.status_code
    assert head["Content-Type"] == got["Content-Type"]
    assert "no-cache" in head["Cache-Control"]  # never_cache, as the GET
    assert head.content == b""
    _nothing_changed(ines, address)
    # The one-click POST still acts (the control: these links do stop something).
    assert client.post(_url(token)).status_code == 200
    with pytest.raises(AssertionError):
        _nothing_changed(ines, address)


def test_head_of_a_forged_link_answers_as_get(ines: User) -> None:
    client = Client()
    assert client.get(_url("forged")).status_code == 400
    assert client.head(_url("forged")).status_code == 400


def test_head_of_an_address_confirmation_link_confirms_nothing(ines: User) -> None:
    team = ines.memberships.get().team
    address = TeamAlertAddress.objects.create(team=team, email="ops@quay-s46b.test")
    url = reverse("alerts:confirm_address", args=[address.token])
    client = Client()
    assert client.get(url).status_code == 200
    head = client.head(url)
    assert head.status_code == 200 and head.content == b""
    address.refresh_from_db()
    assert address.confirmed_at is None
    assert client.post(url).status_code == 200
    address.refresh_from_db()
    assert address.confirmed_at is not None
