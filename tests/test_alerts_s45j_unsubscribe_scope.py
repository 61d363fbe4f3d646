"""One-click unsubscribe of an email about several domains stops those domains, no more (task
s45j, after blind round s45g).

When one run of the background lookup verifies several domains, each person gets one email
(mailsec.domains.notices.tell_verified). Its List-Unsubscribe link (RFC 8058) named "all": a
mail client's Unsubscribe button POSTs it, no page shown, and every domain of every team of
the person, the domains added later and the weekly summary stopped. Pressing it on an email
about A, B and C should stop A, B and C. The links that do stop more (a digest's, the
domain-deleted email's) say so in their footers: the weekly summary stops too."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.contrib.auth.models import User
from django.core import mail, signing
from django.test import Client
from django.utils import timezone

from mailsec.accounts.models import Membership, Profile, Team
from mailsec.alerts.emails import UNSUBSCRIBE_SALT
from mailsec.alerts.models import AlertRecipient, AlertSetting
from mailsec.domains.models import Domain
from mailsec.domains.notices import tell_verified
from mailsec.hosting.deleted import DeletedNotice, tell
from tests.pages import prose as words
from tests.test_alerts_s46b_digest_unsubscribe import _digest as digest_message

pytestmark = pytest.mark.django_db

OFF = AlertSetting.Mode.OFF


@pytest.fixture
def mara() -> User:
    user = User.objects.create_user("mara", "mara@harbor-s45j.test")
    team = Team.create_for(user)
    Profile.objects.create(user=user, current_team=team)
    return user


def domains(team: Team, *names: str, verified: bool = True) -> list[Domain]:
    at = timezone.now() if verified else None
    return [Domain.objects.create(team=team, name=n, verified_at=at) for n in names]


def one_click(message: mail.EmailMessage) -> str:
    link = message.extra_headers["List-Unsubscribe"]
    assert link.startswith("<") and link.endswith(">")
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    return urlsplit(link[1:-1]).path


def test_an_email_about_three_domains_stops_those_three(mara: User) -> None:
    team = mara.memberships.get().team
    told = domains(team, "client10-s45j.test", "client2-s45j.test", "client3-s45j.test")
    (kept,) = domains(team, "client4-s45j.test")  # verified earlier, not in this email
    other = Team.objects.create(name="Client Co")
    Membership.objects.create(team=other, user=mara, role=Membership.Role.MEMBER)
    (theirs,) = domains(other, "other-s45j.test")
    assert tell_verified(told) == 1
    [message] = mail.outbox
    path = one_click(message)
    body = message.body
    # The footer says what the link stops; the page it opens names the domains.
    assert (
        f"Stop emails about these 3 domains: {message.extra_headers['List-Unsubscribe'][1:-1]}"
        in body
    )
    names = "client2-s45j.test, client3-s45j.test and client10-s45j.test"
    asked = Client().get(path)
    assert asked.status_code == 200
    assert f"will no longer get alert emails for {names}. The domains stay monitored." in words(
        asked.content.decode()
    ), words(asked.content.decode())
    assert not AlertSetting.objects.filter(user=mara).exists()  # a GET changes nothing
    done = Client().post(path, {"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200
    text = words(done.content.decode())
    assert f"will no longer get alert emails for {names}." in text, text
    assert "weekly summary" not in text and "added later" not in text
    for d in told:
        assert AlertSetting.mode_for(mara, d) == OFF, d.name
    assert AlertSetting.mode_for(mara, kept) != OFF
    assert AlertSetting.mode_for(mara, theirs) != OFF
    recipient = AlertRecipient.objects.get(user=mara)
    assert not recipient.unsubscribed_all and recipient.weekly_summary


def test_a_set_token_tampered_with_or_not_ours_is_refused(mara: User) -> None:
    team = mara.memberships.get().team
    told = domains(team, "a-s45j.test", "b-s45j.test")
    tell_verified(told)
    token = one_click(mail.outbox[0]).rstrip("/").rsplit("/", 1)[1]
    payload = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    (extra,) = domains(team, "c-s45j.test")
    forged = signing.dumps(payload | {"d": [extra.code.hex]}, salt="another", compress=True)
    body, _, signature = token.rpartition(":")
    for bad in (body[:-2] + body[-1] + body[-2] + ":" + signature, forged):
        assert Client().post(f"/alerts/unsubscribe/{bad}/").status_code == 400
    assert not AlertSetting.objects.filter(user=mara).exists()


@pytest.mark.parametrize("count", [25, 26])
def test_a_run_of_many_domains(mara: User, count: int) -> None:
    """Up to 25 the link names them all, in a List-Unsubscribe line within RFC 5322's 998
    characters; beyond, no one-click header, and the body's link says all it stops."""
    team = mara.memberships.get().team
    told = domains(team, *(f"client{i}-s45j.test" for i in range(1, count + 1)))
    tell_verified(told)
    [message] = mail.outbox
    if count <= 25:
        header = "List-Unsubscribe: " + message.extra_headers["List-Unsubscribe"]
        assert len(header) < 998, len(header)
        Client().post(one_click(message))
        assert AlertSetting.objects.filter(user=mara, mode=OFF).count() == count
        assert AlertRecipient.objects.get(user=mara).weekly_summary
    else:
        assert "List-Unsubscribe" not in message.extra_headers
        assert "Stop all alert emails and the weekly summary: " in message.body


def test_the_links_that_stop_more_say_so(mara: User) -> None:
    """The domain-deleted email: its link stops every alert email and the weekly summary, and
    its footer says both. A person's digest did too until s46b: its link now stops the daily
    digest alone, and says so (tests/test_alerts_s46b_digest_unsubscribe.py)."""
    team = mara.memberships.get().team
    (d,) = domains(team, "digest-s45j.test")
    AlertSetting.set_mode(mara, d, AlertSetting.Mode.DIGEST)
    message = digest_message(mara, d)
    assert "Stop the daily digest: " in message.body
    assert "Stop the daily digest</a>" in message.alternatives[0][0]
    now = timezone.now()
    notice = DeletedNotice(
        name="gone-s45j.test",
        display_name="gone-s45j.test",
        team_name=team.name,
        by="mara@harbor-s45j.test",
        deleted_at=now,
        until=now,
        was_mode="enforce",
        readers=[mara],
    )
    assert tell(notice) == 1
    deleted = mail.outbox[-1]
    assert "Stop all alert emails and the weekly summary: " in deleted.body
    assert "Stop all alert emails and the weekly summary</a>" in deleted.alternatives[0][0]
