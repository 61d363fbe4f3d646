"""Unsubscribe leftovers after s45j (task s45m).

1. The domain-deleted email (mailsec.hosting.deleted.tell) carried a one-click
   List-Unsubscribe (RFC 8058) whose link means "all": a mail client's own Unsubscribe button
   POSTs it with no page shown, and an email about one deleted domain stopped every alert
   email, the domains added later and the weekly summary. Like the verified email of more than
   25 domains, it now has no one-click header; its body's link still opens the page that says
   all it stops and asks first.
2. A link whose domains are none of the person's any more (deleted, or they left the team)
   opened a page reading "will no longer get alert emails for ." and a button. It now says
   those domains are no longer theirs and nothing needs doing, with the alert settings; a
   POST (a mail client's button on an old email) changes nothing and says so."""

from __future__ import annotations

import html
import re
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client
from django.utils import timezone

from mailsec.accounts.models import Membership, Profile, Team
from mailsec.alerts.emails import address_unsubscribe_token, unsubscribe_token
from mailsec.alerts.models import AlertRecipient, AlertSetting, TeamAlertAddress
from mailsec.domains.models import Domain
from mailsec.hosting.deleted import DeletedNotice, tell

pytestmark = pytest.mark.django_db


def words(content: bytes) -> str:
    text = re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", content.decode())))
    return text.replace(" .", ".").replace(" ,", ",")


@pytest.fixture
def mara() -> User:
    user = User.objects.create_user("mara", "mara@harbor-s45m.test")
    team = Team.create_for(user)
    Profile.objects.create(user=user, current_team=team)
    return user


def test_the_domain_deleted_email_has_no_one_click_that_stops_all(mara: User) -> None:
    team = mara.memberships.get().team
    (kept,) = [Domain.objects.create(team=team, name="kept-s45m.test", verified_at=timezone.now())]
    now = timezone.now()
    notice = DeletedNotice(
        name="gone-s45m.test",
        display_name="gone-s45m.test",
        team_name=team.name,
        by="mara@harbor-s45m.test",
        deleted_at=now,
        until=now,
        was_mode="enforce",
        readers=[mara],
    )
    assert tell(notice) == 1
    [message] = mail.outbox
    assert "List-Unsubscribe" not in message.extra_headers
    assert "List-Unsubscribe-Post" not in message.extra_headers
    # The body's link is still there, says what it stops, and its page asks before acting.
    found = re.search(r"Stop all alert emails and the weekly summary: (\S+)", message.body)
    assert found is not None, message.body
    asked = Client().get(urlsplit(found.group(1)).path)
    assert asked.status_code == 200
    assert "nor the weekly summary" in words(asked.content)
    assert b'<form method="post">' in asked.content
    assert AlertSetting.mode_for(mara, kept) != AlertSetting.Mode.OFF
    assert not AlertRecipient.objects.filter(user=mara, unsubscribed_all=True).exists()


@pytest.mark.parametrize("how", ["several-deleted", "one-deleted", "left-the-team", "address"])
def test_a_link_whose_domains_are_no_longer_theirs(mara: User, how: str) -> None:
    own = mara.memberships.get().team
    (mine,) = [Domain.objects.create(team=own, name="mine-s45m.test", verified_at=timezone.now())]
    client = Team.objects.create(name="Client Co")
    Membership.objects.create(team=client, user=mara, role=Membership.Role.MEMBER)
    named = [
        Domain.objects.create(team=client, name=f"c{i}-s45m.test", verified_at=timezone.now())
        for i in (1, 2)
    ]
    if how == "several-deleted":
        token = unsubscribe_token(mara, None, domains=named)
    elif how == "address":
        address = TeamAlertAddress.objects.create(
            team=client, email="tickets@client-s45m.test", confirmed_at=timezone.now()
        )
        token = address_unsubscribe_token(address, named[0])
    else:
        token = unsubscribe_token(mara, named[0])
    if how == "left-the-team":
        Membership.objects.filter(team=client, user=mara).delete()
    else:
        for d in named:
            d.delete()
    path = f"/alerts/unsubscribe/{token}/"
    asked = Client().get(path)
    assert asked.status_code == 200
    text = words(asked.content)
    assert "alert emails for." not in text and "for ." not in text, text
    assert "nothing needs doing" in text.lower(), text
    if how == "several-deleted":
        assert "The domains this link was for are no longer" in text, text
    else:
        assert "The domain this link was for is no longer" in text, text
    assert b'<form method="post">' not in asked.content  # nothing to press
    if how != "address":
        assert "/alerts/" in asked.content.decode() and "Alert settings" in text
    done = Client().post(path, {"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200
    text = words(done.content)
    assert "Nothing was changed" in text, text
    assert "Unsubscribed" not in text and "for ." not in text
    assert not AlertSetting.objects.filter(user=mara).exists()
    assert AlertSetting.mode_for(mara, mine) != AlertSetting.Mode.OFF
    assert not AlertRecipient.objects.filter(user=mara, unsubscribed_all=True).exists()
    assert not AlertRecipient.objects.filter(user=mara, weekly_summary=False).exists()
    if how == "address":
        address.refresh_from_db()
        assert address.unsubscribed_at is None and not address.muted_domains.exists()
