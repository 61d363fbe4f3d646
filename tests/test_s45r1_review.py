"""Review s45r1: an owner's change saved through service.save_changes keeps all it changed.

Since s45e (7a8e7962) save_changes saves OWNER_FIELDS only, so that a copy never puts back what
the sync or the certificate watch wrote. A field an owner's change writes that the list misses
would be silently dropped. Each path that reaches save_changes (the settings form: mode,
max_age, extra patterns, with a plain _mta-sts TXT whose record_state moves on; set_mode, as
Switch to enforce calls it, to testing (testing_since) and to enforce; Stop hosting) is run,
and right after that save the row must hold every field as the change left it in memory.
"""

from __future__ import annotations

from typing import Any
from unittest import mock

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from mailsec.hosting import service
from mailsec.hosting.models import HostedPolicy
from tests.test_hosting import T0
from tests.test_hosting_s45e_alias_told import dns, start, team


@pytest.mark.django_db
def test_s45r1_every_owner_change_saved_by_save_changes_is_in_the_row() -> None:
    domain, _, _ = team()
    state = start(False)
    real_save = HostedPolicy.save
    unsaved: list[tuple[str, list[str]]] = []

    def save(self: HostedPolicy, *args: Any, **kwargs: Any) -> None:
        real_save(self, *args, **kwargs)
        if kwargs.get("update_fields") is service.OWNER_FIELDS:
            row = HostedPolicy.objects.get(pk=self.pk)
            differs = [
                f.attname
                for f in HostedPolicy._meta.concrete_fields
                if getattr(row, f.attname) != getattr(self, f.attname)
            ]
            unsaved.append((self.mode, differs))

    with dns(state):
        policy = service.enable(domain, now=T0)
    HostedPolicy.objects.filter(pk=policy.pk).update(record_state="txt")
    client = Client()
    client.force_login(User.objects.get(username="alice"))
    with mock.patch.object(HostedPolicy, "save", save):
        answer = client.post(
            reverse("hosting:update", args=[domain.code]),
            {"mode": "none", "max_age": "86400", "extra": "*.mx.example.net"},
        )
        assert answer.status_code == 302
        policy.refresh_from_db()
        service.set_mode(policy, HostedPolicy.Mode.TESTING)
        service.set_mode(policy, HostedPolicy.Mode.ENFORCE)
        assert client.post(reverse("hosting:disable", args=[domain.code])).status_code == 302
    policy.refresh_from_db()
    # The changes went through (a path that saved nothing would check nothing).
    assert (policy.mode, policy.max_age, policy.mx_extra) == (
        "enforce",
        86400,
        ["*.mx.example.net"],
    )
    assert policy.state == HostedPolicy.State.DISABLING and policy.release_at is not None
    assert policy.record_state == "stale"
    assert [mode for mode, _ in unsaved] == ["none", "testing", "enforce", "enforce"]
    assert all(not differs for _, differs in unsaved), unsaved
