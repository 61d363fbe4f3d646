"""Task s43c: the message after *Stop hosting* gives the time mode none is served until in the
reader's time zone, saying which, as the page under it does (docs/webapp.md: pages show times
in the reader's zone, "2 Dec 2026, 08:05 (Europe/Berlin)", "07:05 UTC" for someone on UTC).
It said "until 2026-12-12 04:59 UTC first." above a page saying "until 11 Dec 2026, 20:59
(America/Los_Angeles)": two dates for one moment. tests/test_s43c_hosting_enforce_browser.py
(D03) plays it in chromium. DNS answers are the stubs of tests/test_hosting."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import User
from django.contrib.messages import get_messages
from django.test import Client

from mailsec.accounts.models import Profile, Team
from mailsec.domains.models import Domain
from mailsec.hosting import service
from mailsec.hosting.models import HostedPolicy
from tests.test_hosting import fake_dns


def stop_message(zone: str) -> tuple[str, HostedPolicy]:
    alice = User.objects.create_user("alice", "alice@example.org")
    team = Team.create_for(alice)
    Profile.objects.create(user=alice, current_team=team, time_zone=zone)
    domain = Domain.objects.create(team=team, name="example.org", verified_at="2026-12-01T00:00Z")
    with fake_dns(["mx1.example.org"]):
        policy = service.enable(domain)
    client = Client()
    client.force_login(alice)
    response = client.post(f"/hosting/{domain.code}/disable/")
    assert response.status_code == 302
    texts = [str(m) for m in get_messages(response.wsgi_request)]
    assert len(texts) == 1, texts
    policy.refresh_from_db()
    return texts[0], policy


@pytest.mark.django_db
def test_the_stop_message_reads_the_readers_zone() -> None:
    text, policy = stop_message("America/Los_Angeles")
    assert policy.release_at is not None
    here = policy.release_at.astimezone(ZoneInfo("America/Los_Angeles"))
    utc = policy.release_at.astimezone(ZoneInfo("UTC"))
    assert f"until {here.day} {here:%b %Y, %H:%M} (America/Los_Angeles)" in text, text
    assert f"{utc.day} {utc:%b %Y, %H:%M}" not in text, text
    assert "UTC" not in text, text


@pytest.mark.django_db
def test_someone_on_utc_reads_utc() -> None:
    text, policy = stop_message("UTC")
    assert policy.release_at is not None
    utc = policy.release_at.astimezone(ZoneInfo("UTC"))
    assert f"until {utc.day} {utc:%b %Y, %H:%M} UTC" in text, text
