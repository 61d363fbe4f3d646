"""A person's daily digest: its one-click unsubscribe stops the daily digest (task s46b item 5).

Its List-Unsubscribe link (RFC 8058) meant "all": a mail client's Unsubscribe button, pressed
on a digest, POSTed it with no page shown and stopped the alert emails of every domain (those
sent at once too), the domains added later and the weekly summary. Nor would the domains one
digest names be the right scope: the digest is a daily email about whichever of the person's
digest domains changed, so tomorrow's, about another of them, would still come after the
button was pressed. The link now stops the digest as it stands when it is used: every domain
of the person whose mode is the daily digest goes to no emails, and a team's "Domains added
later" set to the digest too, so no later domain starts it again. Emails sent at once and the
weekly summary stay; a GET changes nothing.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client
from django.utils import timezone

from mailsec.accounts.models import Membership, Profile, Team
from mailsec.alerts.emails import build_message
from mailsec.alerts.models import (
    AlertDefault,
    AlertRecipient,
    AlertSetting,
    Change,
    Notification,
)
from mailsec.domains.models import Domain
from tests.pages import prose as words

pytestmark = pytest.mark.django_db

Mode = AlertSetting.Mode


@pytest.fixture
def noor() -> User:
    user = User.objects.create_user("noor", "noor@pier-s46b.test")
    team = Team.create_for(user)
    Profile.objects.create(user=user, current_team=team)
    return user


def _domain(team: Team, name: str, mode: str, user: User) -> Domain:
    d = Domain.objects.create(team=team, name=name, verified_at=timezone.now())
    AlertSetting.set_mode(user, d, mode)
    return d


def _digest(user: User, domain: Domain) -> mail.EmailMessage:
    now = timezone.now()
    Change.objects.create(
        domain=domain,
        kind="record-gone",
        key="record-gone:tls-rpt",
        summary="The TLS-RPT record has disappeared.",
        state=Change.State.CONFIRMED,
        confirmed_at=now,
        created=now,
    )
    n = Notification.make_digest(user, now)
    assert n is not None
    return build_message(n)


def test_a_digests_one_click_stops_the_digest_and_nothing_else(noor: User) -> None:
    own = noor.memberships.get().team
    other = Team.objects.create(name="Client s46b")
    Membership.objects.create(team=other, user=noor)
    told = _domain(own, "told-s46b.test", Mode.DIGEST, noor)  # in today's digest
    quiet = _domain(other, "quiet-s46b.test", Mode.DIGEST, noor)  # in the digest, no news
    urgent = _domain(own, "urgent-s46b.test", Mode.IMMEDIATE, noor)
    AlertDefault.objects.create(user=noor, team=other, mode=Mode.DIGEST)
    message = _digest(noor, told)
    assert "Stop the daily digest: " in message.body
    assert "Stop the daily digest</a>" in message.alternatives[0][0]
    assert "Stop all alert emails" not in message.body
    link = message.extra_headers["List-Unsubscribe"]
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    path = urlsplit(link.strip("<>")).path
    assert path in message.body  # the footer's link is the same
    client = Client()
    page = words(client.get(path).content.decode())
    assert "Stop the daily digest?" in page, page
    assert (
        "noor@pier-s46b.test will no longer get the daily digest: no alert emails for "
        "quiet-s46b.test and told-s46b.test, nor the domains added later to Client s46b." in page
    ), page
    assert "the weekly summary, are not affected" in page, page
    assert AlertSetting.mode_for(noor, told) == Mode.DIGEST  # a GET changes nothing
    done = words(client.post(path).content.decode())
    assert "Unsubscribed" in done, done
    assert AlertSetting.mode_for(noor, told) == Mode.OFF
    assert AlertSetting.mode_for(noor, quiet) == Mode.OFF  # tomorrow's digest would name it
    assert AlertSetting.mode_for(noor, urgent) == Mode.IMMEDIATE
    assert AlertDefault.objects.get(user=noor, team=other).mode == Mode.OFF
    later = Domain.objects.create(team=other, name="later-s46b.test", verified_at=timezone.now())
    assert AlertSetting.mode_for(noor, later) == Mode.OFF
    recipient = AlertRecipient.objects.get(user=noor)
    assert recipient.weekly_summary and not recipient.unsubscribed_all
    # Pressed again (a second digest already in the inbox): nothing left to stop, said so.
    again = words(client.post(path).content.decode())
    assert "Nothing to stop" in again and "Nothing was changed." in again, again
    assert AlertSetting.mode_for(noor, urgent) == Mode.IMMEDIATE
