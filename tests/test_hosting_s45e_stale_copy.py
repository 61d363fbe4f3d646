"""A change from the hosting page cannot undo what the sync or the certificate watch wrote
meanwhile (task s45e item 2).

service.set_mode saved the whole row from the copy it was given, without the row lock: a copy
read before the sync wrote told_to (or the certificate watch cert_warned_to) put the old values
back. It now locks and reads the row again, as disable does, and save_changes writes only the
fields an owner's change writes (OWNER_FIELDS). release, given sync_all's copy, reads the row
again under its lock too.
"""

from __future__ import annotations

import pytest

from mailsec.hosting import service
from mailsec.hosting.models import HostedPolicy
from tests.test_hosting import T0
from tests.test_hosting_s45e_alias_told import HOUR, MX2, dns, start, team

# What the certificate watch wrote meanwhile (whom its expiry notices went to).
WARNED = {"users": [1], "addresses": ["noc@example.org"]}


@pytest.mark.django_db
def test_s45e_set_mode_from_a_stale_copy_keeps_what_the_sync_and_the_watch_wrote() -> None:
    domain, _, _ = team()
    state = start(False)
    with dns(state):
        policy = service.enable(domain, now=T0)
        stale = HostedPolicy.objects.get(pk=policy.pk)  # the page's copy, say
        state["mx"] = [*state["mx"], MX2]
        service.sync(policy, now=T0 + HOUR)  # mx2 joins: a new text
        state["nxdomain"] = True
        service.sync(policy, now=T0 + 2 * HOUR)  # told: told_to["mx-unusable"], mx_unusable
        HostedPolicy.objects.filter(pk=policy.pk).update(cert_warned_to=WARNED)  # the watch
        told = service.set_mode(stale, HostedPolicy.Mode.NONE, now=T0 + 3 * HOUR)
    assert told and told[0] == ("mode", "Mode testing → none.")
    policy.refresh_from_db()
    assert policy.mode == HostedPolicy.Mode.NONE
    # The text is made from the row as the sync left it, not from the copy's MX.
    assert "mode: none" in policy.text and f"mx: {MX2}" in policy.text, policy.text
    assert MX2 in policy.mx_live
    assert "mx-unusable" in policy.told_to, policy.told_to
    assert policy.mx_unusable == "NXDOMAIN"
    assert policy.last_sync_at == T0 + 2 * HOUR
    assert policy.cert_warned_to == WARNED


@pytest.mark.django_db
def test_s45e_a_release_from_a_stale_copy_keeps_what_was_written_meanwhile() -> None:
    domain, _, _ = team()
    state = start(False)
    with dns(state):
        policy = service.enable(domain, now=T0)
        service.disable(policy, now=T0 + HOUR)
        stale = HostedPolicy.objects.get(pk=policy.pk)  # sync_all's copy, say
        assert stale.release_at is not None
        state["mx"] = [*state["mx"], MX2]  # followed while it winds down
        service.sync(policy, now=T0 + 2 * HOUR)
        HostedPolicy.objects.filter(pk=policy.pk).update(cert_warned_to=WARNED)
        service.release(stale, stale.release_at)
    policy.refresh_from_db()
    assert policy.state == HostedPolicy.State.OFF
    assert MX2 in policy.mx_live and MX2 in policy.text, policy.mx_live
    assert policy.cert_warned_to == WARNED
