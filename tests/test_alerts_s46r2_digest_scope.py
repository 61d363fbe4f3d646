"""Review s46r2 of 8d51d825: a person's digest link stops that person's digest alone.

The digest scope ('digest') is read from the signed token's person: a teammate with the same
domains in their own digest, and another team's member, keep theirs, as do their defaults for
domains added later. A HEAD (link checkers, RFC 8058 §3) changes nothing, as a GET does not.
Guards (they pass on 8d51d825): the review found the scope sound.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from mailsec.accounts.models import Membership, Team
from mailsec.alerts.emails import DIGEST, unsubscribe_url
from mailsec.alerts.models import AlertDefault, AlertSetting
from mailsec.domains.models import Domain

pytestmark = pytest.mark.django_db

Mode = AlertSetting.Mode


def test_a_digest_link_changes_only_its_own_persons_settings() -> None:
    alice = User.objects.create_user("alice", "alice@s46r2.test")
    bob = User.objects.create_user("bob", "bob@s46r2.test")
    charlie = User.objects.create_user("charlie", "charlie@s46r2.test")
    team = Team.create_for(alice)
    Membership.objects.create(team=team, user=bob)
    theirs = Team.create_for(charlie)
    shared = Domain.objects.create(team=team, name="shared-s46r2.test", verified_at=timezone.now())
    apart = Domain.objects.create(team=theirs, name="apart-s46r2.test", verified_at=timezone.now())
    for person, domain in ((alice, shared), (bob, shared), (charlie, apart)):
        AlertSetting.set_mode(person, domain, Mode.DIGEST)
    for person, t in ((alice, team), (bob, team), (charlie, theirs)):
        AlertDefault.objects.update_or_create(user=person, team=t, defaults={"mode": Mode.DIGEST})
    path = urlsplit(unsubscribe_url(alice, None, DIGEST)).path
    client = Client()
    assert client.head(path).status_code == 200
    assert AlertSetting.mode_for(alice, shared) == Mode.DIGEST  # a HEAD changes nothing
    assert AlertDefault.objects.get(user=alice).mode == Mode.DIGEST
    assert client.post(path).status_code == 200
    assert AlertSetting.mode_for(alice, shared) == Mode.OFF
    assert AlertDefault.objects.get(user=alice).mode == Mode.OFF
    # The teammate and the other team's member keep their digest and their defaults.
    assert AlertSetting.mode_for(bob, shared) == Mode.DIGEST
    assert AlertSetting.mode_for(charlie, apart) == Mode.DIGEST
    assert AlertDefault.objects.get(user=bob).mode == Mode.DIGEST
    assert AlertDefault.objects.get(user=charlie).mode == Mode.DIGEST
    later = Domain.objects.create(team=team, name="later-s46r2.test", verified_at=timezone.now())
    assert AlertSetting.mode_for(bob, later) == Mode.DIGEST
    assert AlertSetting.mode_for(alice, later) == Mode.OFF
