"""What a person's unsubscribe pages offer once their emails already stopped (task s47f item 1).

Someone who unsubscribed from every email, and whose "Domains added to <team> later" says the
daily digest, opened a link of an old email: the digest's page offered to "stop the daily
digest: no alert emails for the domains added later to <team>" (unsubscribe-all already
holds those at no emails, AlertSetting.default_mode) and said the emails sent at once and the
weekly summary "are not affected", neither of which they got; the "all" link's, a domain's
and the weekly summary's pages offered to stop what sent nothing. Each page now says what
they get from now on: with nothing to stop, "Nothing to stop", and a POST changes nothing. A
teammate whose emails still come is offered what stops, and told what is left after it: the
weekly summary covers only domains the person gets emails for, so the digest's link of
someone with no other such domain ends it too.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from mailsec.accounts.models import Membership, Profile, Team
from mailsec.alerts.emails import ALL_DOMAINS, DIGEST, WEEKLY, unsubscribe_url
from mailsec.alerts.models import AlertDefault, AlertRecipient, AlertSetting
from mailsec.alerts.weekly import summary_wanted
from mailsec.domains.models import Domain
from tests.pages import prose as words

pytestmark = pytest.mark.django_db

Mode = AlertSetting.Mode


def page(path: str, post: bool = False) -> str:
    answer = Client().post(path) if post else Client().get(path)
    assert answer.status_code == 200
    return words(answer.content.decode())


def link(user: User, scope: str, domain: Domain | None = None) -> str:
    return urlsplit(unsubscribe_url(user, domain, scope)).path


@pytest.fixture
def team() -> Team:
    owner = User.objects.create_user("ines", "ines@quay-s47f.test")
    team = Team.create_for(owner)
    team.name = "Quay s47f"
    team.save(update_fields=["name"])
    Profile.objects.create(user=owner, current_team=team)
    now = timezone.now()
    for name in ("one-s47f.test", "two-s47f.test"):
        Domain.objects.create(team=team, name=name, verified_at=now)
    return team


def member(team: Team, name: str) -> User:
    user = User.objects.create_user(name, f"{name}@quay-s47f.test")
    Membership.objects.create(team=team, user=user)
    Profile.objects.create(user=user, current_team=team)
    return user


def unsubscribed_from_all(team: Team) -> User:
    """Ines: the team's daily digest for domains added later, then the "all" link pressed."""
    ines = team.memberships.get().user
    AlertSetting.set_default(ines, team, Mode.DIGEST)
    assert "Unsubscribed" in page(link(ines, ALL_DOMAINS), post=True)
    recipient = AlertRecipient.objects.get(user=ines)
    assert recipient.unsubscribed_all and not recipient.weekly_summary
    return ines


def test_unsubscribed_from_all_every_link_has_nothing_to_stop(team: Team) -> None:
    ines = unsubscribed_from_all(team)
    later = Domain.objects.create(team=team, name="later-s47f.test", verified_at=timezone.now())
    assert AlertSetting.mode_for(ines, later) == Mode.OFF  # what the pages must agree with
    one = Domain.objects.get(name="one-s47f.test")
    for path in (
        link(ines, DIGEST),
        link(ines, ALL_DOMAINS),
        link(ines, "", one),
        link(ines, WEEKLY),
    ):
        raw = Client().get(path).content.decode()
        text = words(raw)
        assert "Nothing to stop" in text, (path, text)
        assert "<button" not in raw, text
        assert "not affected" not in text, text
        done = page(path, post=True)
        assert "Nothing to stop" in done and "Nothing was changed." in done, done
    digest = page(link(ines, DIGEST))
    assert (
        "ines@quay-s47f.test gets no daily digest now: none of your domains is in it, nor will "
        "the domains added later to Quay s47f be while you are unsubscribed from all alert emails"
        in digest
    ), digest
    assert "ines@quay-s47f.test gets no alert emails and no weekly summary now" in page(
        link(ines, ALL_DOMAINS)
    )
    assert "ines@quay-s47f.test gets no alert emails about one-s47f.test now" in page(
        link(ines, "", one)
    )
    assert "ines@quay-s47f.test gets no weekly summary now" in page(link(ines, WEEKLY))
    # The POSTs changed nothing: "Email me about domains added later again" still brings back
    # the digest the person chose for them.
    assert AlertDefault.objects.get(user=ines, team=team).mode == Mode.DIGEST
    assert AlertRecipient.objects.get(user=ines).unsubscribed_all


def test_unsubscribed_from_all_then_one_domain_chosen_again(team: Team) -> None:
    """A domain chosen since (the digest) is what the digest's and the "all" links stop, named
    alone; nothing is sent at once and the weekly summary stays off, so neither is "not
    affected"."""
    ines = unsubscribed_from_all(team)
    two = Domain.objects.get(name="two-s47f.test")
    AlertSetting.set_mode(ines, two, Mode.DIGEST)
    digest = page(link(ines, DIGEST))
    assert "Stop the daily digest?" in digest, digest
    assert "will no longer get the daily digest: no alert emails for two-s47f.test." in digest
    assert "domains added later" not in digest, digest
    assert "not affected" not in digest, digest
    assert "None of your domains emails you at once, so that leaves no alert emails." in digest
    everything = page(link(ines, ALL_DOMAINS))
    assert "will no longer get alert emails for two-s47f.test." in everything, everything
    one = Domain.objects.get(name="one-s47f.test")
    assert "Nothing to stop" in page(link(ines, "", one))
    assert "Stop alert emails?" in page(link(ines, "", two))
    page(link(ines, DIGEST), post=True)
    assert AlertSetting.mode_for(ines, two) == Mode.OFF
    assert AlertDefault.objects.get(user=ines, team=team).mode == Mode.DIGEST  # held, untouched


def test_the_settings_page_of_someone_unsubscribed_from_all(team: Team) -> None:
    """Guard: the alerts page already said that domains added later send nothing."""
    ines = unsubscribed_from_all(team)
    client = Client()
    client.force_login(ines)
    text = words(client.get("/alerts/").content.decode())
    assert "You unsubscribed from all alert emails" in text, text
    assert "domains added later send you none, whatever this says" in text, text
    assert "2 domains: 2 with no emails." in text, text
    assert re.search(r'name="weekly" value="on"\s*>', client.get("/alerts/").content.decode())


def test_teammates_with_their_own_settings(team: Team) -> None:
    """Ines unsubscribed from all; her teammates' pages follow their own settings."""
    unsubscribed_from_all(team)
    one = Domain.objects.get(name="one-s47f.test")
    two = Domain.objects.get(name="two-s47f.test")
    # Jon: one domain in the digest, one at once, digest for later: the emails at once and
    # the weekly summary (which the domain sent at once keeps going) are not affected.
    jon = member(team, "jon")
    AlertSetting.set_default(jon, team, Mode.DIGEST)
    AlertSetting.set_mode(jon, one, Mode.DIGEST)
    text = page(link(jon, DIGEST))
    assert (
        "jon@quay-s47f.test will no longer get the daily digest: no alert emails for "
        "one-s47f.test, nor the domains added later to Quay s47f." in text
    ), text
    assert (
        "Alert emails sent at once about your other domains, and the weekly summary, are not "
        "affected." in text
    ), text
    assert "Stop the weekly summary?" in page(link(jon, WEEKLY))
    # Kim: every domain in the digest, so the weekly summary, which covers only the domains
    # she gets emails for, ends with it.
    kim = member(team, "kim")
    AlertSetting.set_mode_for_team(kim, team, Mode.DIGEST)
    assert summary_wanted(kim) == ""
    text = page(link(kim, DIGEST))
    assert "not affected" not in text, text
    assert (
        "None of your domains emails you at once, so that leaves no alert emails, and no weekly "
        "summary either: it covers only the domains you get emails for." in text
    ), text
    page(link(kim, DIGEST), post=True)
    assert summary_wanted(kim) == "no verified domain the person gets emails for"
    assert AlertSetting.mode_for(kim, two) == Mode.OFF
    # Switched on, it comes again with a domain she gets emails for: the link offers to stop
    # it (s47m; it said "Nothing to stop").
    assert "Stop the weekly summary?" in page(link(kim, WEEKLY))
    # Ines's choices stayed hers: the teammates' settings are untouched by her links.
    assert AlertSetting.mode_for(jon, two) == Mode.IMMEDIATE


def test_the_settings_page_says_when_a_weekly_summary_switched_on_is_not_sent(team: Team) -> None:
    """Kim's digest link left her no domain that emails her and her weekly summary switched on:
    the alerts page's ticked box read as a summary coming (weekly.summary_wanted sends none)."""
    kim = member(team, "kim")
    AlertSetting.set_mode_for_team(kim, team, Mode.DIGEST)
    client = Client()
    client.force_login(kim)
    note = "None is sent now: you get emails for none of your verified domains."
    assert note not in words(client.get("/alerts/").content.decode())
    page(link(kim, DIGEST), post=True)
    assert summary_wanted(kim) != ""
    text = words(client.get("/alerts/").content.decode())
    assert note in text, text
    assert re.search(r'name="weekly" value="on" checked', client.get("/alerts/").content.decode())
    # One domain chosen again: the summary is sent, and the note goes.
    AlertSetting.set_mode(kim, Domain.objects.get(name="two-s47f.test"), Mode.IMMEDIATE)
    assert summary_wanted(kim) == ""
    assert note not in words(client.get("/alerts/").content.decode())
    # A domain added later starts at once (her default): it too is one the summary covers.
    AlertSetting.set_mode(kim, Domain.objects.get(name="two-s47f.test"), Mode.OFF)
    assert note in words(client.get("/alerts/").content.decode())
    Domain.objects.create(team=team, name="later-s47f.test", verified_at=timezone.now())
    assert summary_wanted(kim) == ""
    assert note not in words(client.get("/alerts/").content.decode())
