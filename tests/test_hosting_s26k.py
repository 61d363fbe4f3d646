"""s26k: follow-ups to the policy-host event (0bd617e, 38bf8bc, 3a05902).

* mta-sts.<domain> whose name servers disagree (one answers with our policy host, another
  with another provider's) read "ours" and "elsewhere" in turn, and each 5-minute sync that
  saw the other answer emailed "no longer leads to us" / "leads to us again": one email per
  flip. Now damped as MX answers going back and forth are (HostedPolicy.note_answer,
  MX_STABLE_AFTER): a change and its undoing are told as they happen; a second return within
  MX_STABLE_AFTER is told once as answers that disagree, the changes after it only recorded,
  and once a reading has held MX_STABLE_AFTER the team hears where the name leads.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core import mail

from mailsec.hosting import service
from mailsec.hosting.models import MX_STABLE_AFTER, HostedPolicy
from tests import test_hosting_s12_blind as s12
from tests.test_hosting import T0
from tests.test_hosting_s26 import S26Case

LEFT = "mta-sts.example.org no longer leads to us"
BACK = "mta-sts.example.org leads to us again"
DISAGREE = "name servers disagree"


class PolicyHostFlapping(S26Case):
    def flip(self, policy: HostedPolicy, start: str, syncs: int) -> list[str]:
        """`syncs` syncs 5 minutes apart from `start`, the name leading elsewhere and back
        to us in turn; the bodies emailed."""
        bodies: list[str] = []
        base = T0 + s12.offset(start)
        for i in range(syncs):
            self.state["mta_sts"] = "elsewhere" if i % 2 == 0 else "ours"
            before = len(self.outbox_for_alice())
            service.sync(policy, now=base + timedelta(minutes=5 * i))
            policy.refresh_from_db()
            bodies += self.outbox_for_alice()[before:]
        return bodies

    def outbox_for_alice(self) -> list[str]:
        return [m.body for m in mail.outbox if m.to == [self.alice.email]]

    def test_answers_going_back_and_forth_are_told_once_not_one_email_per_flip(self) -> None:
        self.state["mta_sts"] = "ours"
        policy = self.hosted()
        bodies = self.flip(policy, "1d", 24)  # two hours of disagreeing name servers
        told = [b for b in bodies if "mta-sts.example.org" in b]
        # The first change and its undoing as they happen (as an MX round trip), then once
        # that the answers disagree; nothing per flip after it.
        assert len(told) == 3, told
        assert LEFT in told[0] and BACK in told[1]
        assert DISAGREE in told[2]
        assert policy.policy_host_unstable_since is not None
        # The last flip read "ours"; elsewhere then holds: told once it has held
        # MX_STABLE_AFTER, not before.
        self.state["mta_sts"] = "elsewhere"
        last = T0 + s12.offset("1d") + timedelta(minutes=5 * 24)
        assert self.sync_at(policy, last) == []
        assert self.sync_at(policy, last + MX_STABLE_AFTER - timedelta(minutes=5)) == []
        [body] = self.sync_at(policy, last + MX_STABLE_AFTER)
        assert LEFT in body
        assert policy.policy_host_unstable_since is None
        assert self.sync_at(policy, last + MX_STABLE_AFTER + timedelta(minutes=5)) == []
        # Settled: a later move back is told at once again.
        self.state["mta_sts"] = "ours"
        [body] = self.sync_at(policy, last + 2 * MX_STABLE_AFTER)
        assert BACK in body

    def test_a_flap_settling_on_us_says_so_once(self) -> None:
        self.state["mta_sts"] = "ours"
        policy = self.hosted()
        self.flip(policy, "1d", 9)  # ends on "elsewhere"
        self.state["mta_sts"] = "ours"
        last = T0 + s12.offset("1d") + timedelta(minutes=5 * 9)
        assert self.sync_at(policy, last) == []
        [body] = self.sync_at(policy, last + MX_STABLE_AFTER)
        assert "have given one answer for 12 hours: mta-sts.example.org leads to us" in body
        assert "senders fetch the policy we host" in body

    def test_one_round_trip_within_hours_is_told_as_it_happens(self) -> None:
        # Pointed elsewhere by mistake and put back an hour later: both told, no flap.
        self.state["mta_sts"] = "ours"
        policy = self.hosted()
        self.state["mta_sts"] = "elsewhere"
        [body] = self.sync_at(policy, T0 + s12.offset("1d"))
        assert LEFT in body
        self.state["mta_sts"] = "ours"
        [body] = self.sync_at(policy, T0 + s12.offset("1d+1h"))
        assert BACK in body
        assert policy.policy_host_unstable_since is None

    def test_while_winding_down_a_flap_is_recorded_only(self) -> None:
        self.state["mta_sts"] = "ours"
        policy = self.hosted()
        service.disable(policy, now=T0 + s12.offset("1h"))
        policy.refresh_from_db()
        assert not [b for b in self.flip(policy, "1d", 10) if "mta-sts.example.org" in b]

    def test_release_forgets_the_flap(self) -> None:
        self.state["mta_sts"] = "ours"
        policy = self.hosted()
        self.flip(policy, "1d", 6)
        assert policy.policy_host_unstable_since is not None
        service.disable(policy, now=T0 + s12.offset("2d"))
        policy.refresh_from_db()
        assert policy.release_at is not None
        service.release(policy, policy.release_at + timedelta(minutes=1))
        policy.refresh_from_db()
        assert policy.state == policy.State.OFF
        assert policy.policy_host_unstable_since is None
        assert policy.policy_host_changed_at is None and policy.policy_host_back_at is None

    def sync_at(self, policy: HostedPolicy, when: datetime) -> list[str]:
        before = len(self.outbox_for_alice())
        service.sync(policy, now=when)
        policy.refresh_from_db()
        return self.outbox_for_alice()[before:]
