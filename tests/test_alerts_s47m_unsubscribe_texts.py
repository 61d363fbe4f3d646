"""Two texts review s47r1 and s47f left (task s47m).

1. The weekly summary's link, opened (GET) by someone whose summary is switched on but covers
   no domain now, said "Nothing to stop ... so nothing needs doing", with no button. The
   summary comes again as soon as they get emails for a verified domain, and a POST turns the
   switch off (7b198ecd): the page says so and offers that button.
2. The alerts page offered "Email me about domains added later again" to someone unsubscribed
   from all whose "Domains added later" says "No emails" in every team of theirs, where
   pressing it starts no emails: it is shown only where it would start some.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from mailsec.accounts.models import Membership, Profile, Team
from mailsec.alerts.emails import ALL_DOMAINS, DIGEST, WEEKLY, unsubscribe_url
from mailsec.alerts.models import AlertRecipient, AlertSetting
from mailsec.alerts.weekly import summary_wanted
from mailsec.domains.models import Domain
from tests.pages import prose as words

pytestmark = pytest.mark.django_db

Mode = AlertSetting.Mode
AGAIN = "Email me about domains added later again"


def link(user: User, scope: str) -> str:
    return urlsplit(unsubscribe_url(user, None, scope)).path


def person(name: str) -> tuple[User, Team, Domain]:
    user = User.objects.create_user(name, f"{name}@quay-s47m.test")
    team = Team.create_for(user)
    team.name = f"{name.title()} s47m"
    team.save(update_fields=["name"])
    Profile.objects.create(user=user, current_team=team)
    domain = Domain.objects.create(team=team, name=f"{name}-s47m.test", verified_at=timezone.now())
    return user, team, domain


def test_the_weekly_link_of_a_summary_on_but_covering_nothing_offers_the_switch() -> None:
    kim, _, domain = person("kim")
    AlertSetting.set_mode(kim, domain, Mode.DIGEST)
    assert Client().post(link(kim, DIGEST)).status_code == 200  # her only domain: no emails
    assert summary_wanted(kim) == "no verified domain the person gets emails for"

    answer = Client().get(link(kim, WEEKLY))
    assert answer.status_code == 200
    raw = answer.content.decode()
    text = words(raw)
    assert "Stop the weekly summary?" in text, text
    assert "Nothing to stop" not in text and "nothing needs doing" not in text, text
    assert (
        "kim@quay-s47m.test gets no weekly summary now: it covers only the verified domains you "
        "get alert emails for, and there are none. It is switched on, so it comes again as soon "
        "as you get alert emails for one. Unsubscribe, and it stays off." in text
    ), text
    assert '<form method="post">' in raw and ">Unsubscribe</button>" in raw, raw
    assert AlertRecipient.objects.filter(user=kim, weekly_summary=False).count() == 0  # a GET

    # The button the page offers is the POST 7b198ecd honours.
    done = words(Client().post(link(kim, WEEKLY)).content.decode())
    assert "kim@quay-s47m.test will no longer get the weekly summary." in done, done
    AlertSetting.set_mode(kim, domain, Mode.IMMEDIATE)
    assert summary_wanted(kim) == "the weekly summary was turned off"
    # Switched off, there is nothing to stop and no button.
    raw = Client().get(link(kim, WEEKLY)).content.decode()
    assert "Nothing to stop" in words(raw) and "<button" not in raw, raw


def settings_page(user: User) -> str:
    client = Client()
    client.force_login(user)
    answer = client.get("/alerts/")
    assert answer.status_code == 200
    return answer.content.decode()


def test_the_button_for_domains_added_later_again_is_shown_only_where_it_starts_emails() -> None:
    ada, team, _ = person("ada")
    other = Team.create_for(User.objects.create_user("ola", "ola@quay-s47m.test"))
    Membership.objects.create(team=other, user=ada)
    AlertSetting.set_default(ada, team, Mode.OFF)
    AlertSetting.set_default(ada, other, Mode.OFF)
    assert Client().post(link(ada, ALL_DOMAINS)).status_code == 200
    assert AlertRecipient.objects.get(user=ada).unsubscribed_all

    raw = settings_page(ada)
    text = words(raw)
    assert "You unsubscribed from all alert emails" in text, text
    assert AGAIN not in text, text
    assert (
        "Domains added later would send you none either way: you chose “No emails” for them in "
        "every team of yours." in text
    ), text

    # One team's "Domains added later" other than "No emails" (another team than the one
    # shown): the button would start its emails, and is offered.
    AlertSetting.set_default(ada, other, Mode.DIGEST)
    text = words(settings_page(ada))
    assert AGAIN in text, text
    assert "either way" not in text, text
