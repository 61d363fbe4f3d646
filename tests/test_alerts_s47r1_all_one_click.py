"""Review s47r1 of 6964c34c: a one-click on the "all" link is kept even while nothing is sent.

6964c34c answered the "all" link of someone to whom no domain of theirs emails and no domain
added later would (each domain and each team's "Domains added later" at "No emails", but not
unsubscribed from all) with "Nothing to stop", and a POST changed nothing. Unsubscribe-from-all
is more than what is sent now: it holds every domain the person will get at no emails, those
of a team they join later included (AlertSetting.default_mode), and turns the weekly summary
off. Left unrecorded, a team joined after the click emailed them at once. The GET page is as
s47f made it; a POST records the unsubscribe from all and says so."""

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


def test_a_one_click_on_the_all_link_with_nothing_sent_is_recorded() -> None:
    lea = User.objects.create_user("lea", "lea@quay-s47r1.test")
    team = Team.create_for(lea)
    Profile.objects.create(user=lea, current_team=team)
    one = Domain.objects.create(team=team, name="one-s47r1.test", verified_at=timezone.now())
    AlertSetting.set_mode(lea, one, Mode.OFF)
    AlertSetting.set_default(lea, team, Mode.OFF)
    path = urlsplit(unsubscribe_url(lea, None, ALL_DOMAINS)).path

    raw = Client().get(path).content.decode()
    assert "Nothing to stop" in words(raw) and "<button" not in raw  # s47f's page
    answer = Client().post(path)  # the mail client's one-click
    assert answer.status_code == 200
    text = words(answer.content.decode())
    assert "Nothing was changed" not in text, text
    assert "unsubscribed from all alert emails" in text, text
    recipient = AlertRecipient.objects.get(user=lea)
    assert recipient.unsubscribed_all and not recipient.weekly_summary
    # A team joined after the click sends nothing, as unsubscribe-from-all holds it.
    other = Team.objects.create(name="Other s47r1")
    Membership.objects.create(team=other, user=lea)
    two = Domain.objects.create(team=other, name="two-s47r1.test", verified_at=timezone.now())
    assert AlertSetting.mode_for(lea, two) == Mode.OFF
    # A second click has nothing left to record.
    again = words(Client().post(path).content.decode())
    assert "Nothing was changed." in again, again
