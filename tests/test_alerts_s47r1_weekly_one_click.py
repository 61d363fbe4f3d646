"""Review s47r1 of 6964c34c: a one-click unsubscribe (RFC 8058: a POST from the mail client) on
a weekly summary is kept even while no summary is due.

6964c34c answered the weekly summary's link of someone whose switch is on but who gets emails
for no verified domain (so weekly.summary_wanted sends none now) with "Nothing to stop", and a
POST changed nothing. The switch stayed on: once they chose emails for a domain again the
summary they had unsubscribed from came back. The GET page still says nothing is sent now;
the POST turns the switch off, as the link does for anyone else."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from mailsec.accounts.models import Membership, Profile, Team
from mailsec.alerts.emails import DIGEST, WEEKLY, unsubscribe_url
from mailsec.alerts.models import AlertRecipient, AlertSetting
from mailsec.alerts.weekly import summary_wanted
from mailsec.domains.models import Domain
from tests.pages import prose as words

pytestmark = pytest.mark.django_db

Mode = AlertSetting.Mode


def link(user: User, scope: str) -> str:
    return urlsplit(unsubscribe_url(user, None, scope)).path


def test_a_one_click_on_the_weekly_link_while_none_is_due_turns_it_off() -> None:
    owner = User.objects.create_user("lea", "lea@quay-s47r1.test")
    team = Team.create_for(owner)
    Profile.objects.create(user=owner, current_team=team)
    domain = Domain.objects.create(team=team, name="one-s47r1.test", verified_at=timezone.now())
    kim = User.objects.create_user("kim", "kim@quay-s47r1.test")
    Membership.objects.create(team=team, user=kim)
    Profile.objects.create(user=kim, current_team=team)
    AlertSetting.set_mode(kim, domain, Mode.DIGEST)
    assert Client().post(link(kim, DIGEST)).status_code == 200  # her only domain: no emails
    assert summary_wanted(kim) == "no verified domain the person gets emails for"

    raw = Client().get(link(kim, WEEKLY)).content.decode()
    # None is sent now, and the page offers the button (s47m; s47f's said "Nothing to stop").
    assert "gets no weekly summary now" in words(raw) and ">Unsubscribe</button>" in raw
    answer = Client().post(link(kim, WEEKLY))  # the mail client's one-click
    assert answer.status_code == 200
    text = words(answer.content.decode())
    assert "kim@quay-s47r1.test will no longer get the weekly summary." in text, text
    assert "Nothing was changed" not in text, text
    assert not AlertRecipient.objects.get(user=kim).weekly_summary
    # Emails chosen again for the domain: the summary she unsubscribed from stays off.
    AlertSetting.set_mode(kim, domain, Mode.IMMEDIATE)
    assert summary_wanted(kim) == "the weekly summary was turned off"
