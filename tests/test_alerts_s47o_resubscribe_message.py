"""Task s47o, item 1: "Email me about domains added later again" posted from an older page
while every team of the person's says "No emails" for domains added later (the page no longer
offers it there, d9801e34) said "Alert emails are on again for domains added later", though
none come: the message says what is true, and what the POST changed."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from mailsec.accounts.models import Membership, Profile, Team
from mailsec.alerts.emails import ALL_DOMAINS, unsubscribe_url
from mailsec.alerts.models import AlertRecipient, AlertSetting
from mailsec.domains.models import Domain
from tests.pages import prose as words

pytestmark = pytest.mark.django_db

Mode = AlertSetting.Mode
ON_AGAIN = "Alert emails are on again for domains added later"


def resubscribed(user: User) -> str:
    client = Client()
    client.force_login(user)
    answer = client.post("/alerts/resubscribe/", follow=True)
    assert answer.status_code == 200
    return words(answer.content.decode())


def test_with_no_emails_for_domains_added_later_everywhere_it_says_none_come() -> None:
    eve = User.objects.create_user("eve", "eve@quay-s47o.test")
    team = Team.create_for(eve)
    Profile.objects.create(user=eve, current_team=team)
    other = Team.create_for(User.objects.create_user("oto", "oto@quay-s47o.test"))
    Membership.objects.create(team=other, user=eve)
    Domain.objects.create(team=team, name="eve-s47o.test", verified_at=timezone.now())
    AlertSetting.set_default(eve, team, Mode.OFF)
    AlertSetting.set_default(eve, other, Mode.OFF)
    assert Client().post(urlsplit(unsubscribe_url(eve, None, ALL_DOMAINS)).path).status_code == 200

    text = resubscribed(eve)
    assert ON_AGAIN not in text, text
    assert (
        "You are no longer unsubscribed from all alert emails, but domains added later still "
        "send you none: you chose “No emails” for them in every team of yours. A team you join "
        "later emails you about its domains at once, until you choose otherwise there." in text
    ), text
    assert not AlertRecipient.objects.get(user=eve).unsubscribed_all
    # Both halves true: a domain added later sends nothing, a team joined later emails at once.
    later = Domain.objects.create(team=other, name="later-s47o.test", verified_at=timezone.now())
    assert AlertSetting.mode_for(eve, later) == Mode.OFF
    joined = Team.create_for(User.objects.create_user("jo", "jo@quay-s47o.test"))
    Membership.objects.create(team=joined, user=eve)
    theirs = Domain.objects.create(team=joined, name="jo-s47o.test", verified_at=timezone.now())
    assert AlertSetting.mode_for(eve, theirs) == Mode.IMMEDIATE

    # Pressed again (another old tab): nothing is left to change, and it says so.
    text = resubscribed(eve)
    assert "You are not unsubscribed from all alert emails: nothing changed." in text, text
    assert ON_AGAIN not in text and "no longer unsubscribed" not in text, text


def test_with_a_team_whose_domains_added_later_email_it_says_they_are_on_again() -> None:
    max_ = User.objects.create_user("max", "max@quay-s47o.test")
    team = Team.create_for(max_)
    Profile.objects.create(user=max_, current_team=team)
    AlertSetting.set_default(max_, team, Mode.DIGEST)
    assert Client().post(urlsplit(unsubscribe_url(max_, None, ALL_DOMAINS)).path).status_code == 200
    text = resubscribed(max_)
    assert ON_AGAIN in text, text
    assert "still send you none" not in text, text
