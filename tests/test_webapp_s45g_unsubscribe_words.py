"""The one-click page of a person's "all domains" link says everything it stops (blind round
s45g, found reading H20's page).

That link (a digest's, or the email telling that several domains were verified) turns off
alert emails for every domain of the person's teams, the domains added later too, and the
weekly summary (docs/webapp.md, Alerts: "unsubscribe from all" turns it off too). Its page
said only "will no longer get alert emails for any of your domains. The domain stays
monitored.": not the weekly summary, nor the domains added later, and "the domain" of many.
A domain's own link stops that domain alone, and its page keeps its words."""

from __future__ import annotations

import html
import re

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from mailsec.accounts.models import Profile, Team
from mailsec.alerts.emails import unsubscribe_token
from mailsec.alerts.models import AlertRecipient
from mailsec.domains.models import Domain

pytestmark = pytest.mark.django_db


def words(content: bytes) -> str:
    text = re.sub(r"<[^>]+>", " ", content.decode())
    return re.sub(r"\s+", " ", html.unescape(text)).replace(" .", ".")


@pytest.fixture
def mara() -> User:
    user = User.objects.create_user("mara", "mara@harbor-s45g.test")
    team = Team.create_for(user)
    Profile.objects.create(user=user, current_team=team)
    now = timezone.now()
    for name in ("client1-s45g.test", "client2-s45g.test"):
        Domain.objects.create(team=team, name=name, verified_at=now)
    return user


def test_the_all_domains_page_says_what_stops(mara: User) -> None:
    path = f"/alerts/unsubscribe/{unsubscribe_token(mara, None)}/"
    # Before the POST: once it is done, the link has nothing left to stop (s47f).
    assert "Your domains stay monitored" in words(Client().get(path).content)
    for answer in (Client().get(path), Client().post(path)):
        assert answer.status_code == 200
        text = words(answer.content)
        assert "will no longer get alert emails for any of your domains" in text
        assert "nor for domains added later" in text, text
        assert "nor the weekly summary" in text, text
        assert "The domain stays monitored" not in text
    recipient = AlertRecipient.objects.get(user=mara)
    assert recipient.unsubscribed_all and not recipient.weekly_summary


def test_a_domains_own_link_keeps_its_words(mara: User) -> None:
    domain = Domain.objects.get(name="client1-s45g.test")
    path = f"/alerts/unsubscribe/{unsubscribe_token(mara, domain)}/"
    text = words(Client().get(path).content)
    assert (
        "will no longer get alert emails for client1-s45g.test. The domain stays monitored." in text
    )
    assert "weekly summary" not in text and "added later" not in text
    done = words(Client().post(path).content)
    assert "weekly summary" not in done and "added later" not in done
