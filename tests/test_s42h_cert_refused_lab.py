"""Task s42h, item 3: an ACME CA refusing to issue a hosted name's certificate is told.

On the real stack (pebble refusing `mta-sts.refused.hostpol.lab.test` through its domain
blocklist, tests/conftest.py `edge`), Caddy's on-demand TLS holds every handshake with that
name open while it retries the order (its log: `rejectedIdentifier`, "will retry"). The
certificate watch's reading timed out each time and was "could not check", told to nobody: the
owner never heard that senders get no policy. Now the watch asks again: our front end answers
a handshake for our policy host at once and holds this name's open, and the name leads to us,
so it is a bad reading, told once when a second reading an hour or more later confirms it
(one reading alone is no alarm), with the cause and that nothing needs changing on the
owner's side."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.utils import timezone

from mailsec.accounts.models import Profile, Team
from mailsec.domains.models import Domain
from mailsec.hosting import service
from tests.lab import acme
from tests.lab.control import Lab
from tests.test_hosting_lab import POLICY_ZONE, enable_as_owner, hosting  # noqa: F401

pytestmark = pytest.mark.lab

HOST = acme.REFUSED_NAME


@pytest.fixture
def refused(hosting: Lab) -> Iterator[Domain]:  # noqa: F811
    """A verified customer domain under the lab's policy zone whose mta-sts name CNAMEs to our
    policy host: the name the session's pebble refuses. Its records are removed afterwards,
    with the TXT the app published in our zone."""
    name = acme.REFUSED_DOMAIN
    hosting.update(
        POLICY_ZONE,
        replace=[
            (f"{name}.", 300, "MX", "10 mx1.hosted03.lab.test."),
            (f"{HOST}.", 300, "CNAME", "sts.hostpol.lab.test."),
        ],
    )
    hosting.flush(POLICY_ZONE)
    alice = User.objects.create_user("alice-refused", "alice@refused.hostpol.lab.test")
    team = Team.create_for(alice)
    Profile.objects.create(user=alice, current_team=team)
    yield Domain.objects.create(team=team, name=name, verified_at=timezone.now())
    hosting.update(
        POLICY_ZONE,
        delete=[(f"{name}.", "MX"), (f"{HOST}.", "CNAME"), (f"{name}.{POLICY_ZONE}.", "TXT")],
    )
    hosting.flush(POLICY_ZONE)


@pytest.mark.django_db(transaction=True)
def test_s42h_a_ca_refusing_the_certificate_is_told_once(
    refused: Domain,
    edge: acme.Edge,
    hosting: Lab,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Each reading waits out the policy fetch (twice the engine's timeout, which the engine reads
    # from MAILSEC_CHECK_TIMEOUT in the environment: 8 s unset) and then the held handshake
    # (HELD_AFTER, 10 s, or the timeout if longer): 27 s a reading, three readings. The lab
    # answers within milliseconds, so 3 s for both leaves the same path (a timed-out fetch, a
    # control answered within ANSWERS_WITHIN, a handshake held past HELD_AFTER) at 9 s.
    monkeypatch.setenv("MAILSEC_CHECK_TIMEOUT", "3")
    monkeypatch.setattr(service, "HELD_AFTER", 3.0)
    policy = enable_as_owner(refused)
    mail.outbox.clear()
    start = timezone.now()

    # One reading: a bad one, recorded and shown, not told (a single failure is no alarm).
    assert service.watch_certificate(policy, now=start) is None
    policy.refresh_from_db()
    assert not policy.cert_error.startswith("could not check"), policy.cert_error
    assert "ACME CA refuses or fails to issue" in policy.cert_error
    assert policy.cert_bad_since == start and not policy.cert_alerted
    assert mail.outbox == []
    # Caddy's log holds the CA's reason: what the operators are told to read.
    assert "rejectedIdentifier" in edge.log("caddy")

    # The next reading, 12 hours later, confirms it: told once, with the cause and what to do.
    service.watch_certificate(policy, now=start + timedelta(hours=12))
    policy.refresh_from_db()
    assert policy.cert_alerted
    [event] = policy.events.filter(kind="cert")
    assert f"Senders cannot fetch your policy: {HOST} gives no valid certificate" in event.message
    assert "the ACME CA refuses or fails to issue it" in event.message
    assert "points to us as it should" in event.message
    assert "nothing needs changing on your side" in event.message
    assert "Check that" not in event.message  # the name leads to us: no CNAME to check
    [message] = mail.outbox
    assert message.to == ["alice@refused.hostpol.lab.test"]

    # Still refused at the next reading: not told again.
    service.watch_certificate(policy, now=start + timedelta(hours=24))
    policy.refresh_from_db()
    assert policy.events.filter(kind="cert").count() == 1 and len(mail.outbox) == 1
