"""service.disable is idempotent (task s39i, item 2): called again on a policy already winding
down (a retried task, a future caller, a stale copy read before the first call saved), it
changes nothing: no second "disabling" event or email, the release date and policy id stay."""

from __future__ import annotations

from datetime import timedelta

from django.core import mail

from mailsec.hosting import service
from mailsec.hosting.models import HostedPolicy
from tests.test_hosting import T0, WEEK, HostingCase, fake_dns


class DisableTwiceTests(HostingCase):
    def winding_down(self) -> tuple[HostedPolicy, HostedPolicy]:
        """A policy disabled an hour after T0, and a copy of it read before that."""
        policy = self.host(["mx1.example.org"], mode="enforce", max_age=WEEK)
        with fake_dns(["mx1.example.org"], record="cname"):
            service.sync(policy, now=T0 + timedelta(minutes=5))
        policy.refresh_from_db()
        stale = HostedPolicy.objects.get(pk=policy.pk)
        service.disable(policy, now=T0 + timedelta(hours=1))
        policy.refresh_from_db()
        mail.outbox.clear()
        return policy, stale

    def assert_unchanged(self, policy: HostedPolicy, told: list[tuple[str, str]]) -> None:
        before = (policy.release_at, policy.disabling_since, policy.policy_id, policy.text)
        policy.refresh_from_db()
        assert told == []
        assert (policy.release_at, policy.disabling_since, policy.policy_id, policy.text) == before
        assert policy.state == HostedPolicy.State.DISABLING
        assert policy.events.filter(kind="disabling").count() == 1
        assert mail.outbox == []

    def test_it_changes_nothing_when_called_again_an_hour_later(self) -> None:
        policy, _ = self.winding_down()
        told = service.disable(policy, now=T0 + timedelta(hours=2))
        self.assert_unchanged(policy, told)

    def test_it_changes_nothing_when_handed_a_copy_read_before_the_first_call(self) -> None:
        policy, stale = self.winding_down()
        assert stale.state == HostedPolicy.State.ACTIVE  # the copy still says active
        told = service.disable(stale, now=T0 + timedelta(hours=2))
        self.assert_unchanged(policy, told)

    def test_it_changes_nothing_on_a_released_policy(self) -> None:
        policy, _ = self.winding_down()
        released = policy.release_at
        assert released is not None
        service.release(policy, released)
        policy.refresh_from_db()
        assert policy.state == HostedPolicy.State.OFF
        events = policy.events.count()
        mail.outbox.clear()
        told = service.disable(policy, now=released + timedelta(hours=1))
        policy.refresh_from_db()
        assert told == []
        assert policy.state == HostedPolicy.State.OFF and policy.release_at is None
        assert policy.events.count() == events
        assert mail.outbox == []
