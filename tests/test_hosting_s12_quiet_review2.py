"""Second review of the quiet rule for flapping MX answers (abcb899, 202e2a5, 9680b2e):

- A flap followed by lookups that fail every other time (one name server answering SERVFAIL)
  never ended: each answer after a failed lookup restarted the 12 hours, so no mx-stable came
  in days of the same answer, and a real change after that (mx2 removed) was recorded with no
  email. Failures shorter than MX_STABLE_AFTER are now missed lookups, not a restart.

MX answers come from the wire DNS server of tests/test_hosting_s12_quiet.py, in turn per
lookup as a resolver asking one name server then the next sees them."""

from __future__ import annotations

from datetime import timedelta

from django.core import mail

from mailsec.hosting.models import MX_STABLE_AFTER, HostedPolicy
from tests.test_hosting import T0
from tests.test_hosting_s12_quiet import FIVE, A, B, QuietCase

DAY = timedelta(days=1)
HOUR = timedelta(hours=1)


def kinds(said: list[tuple[str, str]]) -> list[str]:
    return [kind for kind, _ in said]


class FlapThenSomeLookupsFail(QuietCase):
    def flap(self, policy: HostedPolicy) -> None:
        """An hour of answers alternating between A and B, ending on A (at T0 + 1h)."""
        self.answers(B, A)
        for n in range(1, 13):
            self.sync(policy, T0 + n * FIVE)
        assert policy.mx_unstable_since is not None
        mail.outbox.clear()

    def test_an_answer_holding_between_failed_lookups_ends_the_flap(self) -> None:
        policy = self.enable()
        self.flap(policy)
        # The name servers agree on A again; one of them answers SERVFAIL every other lookup.
        self.answers("servfail", A)
        held_from = T0 + 12 * FIVE
        at = held_from + FIVE
        every: list[str] = []
        while at < held_from + MX_STABLE_AFTER:
            every += kinds(self.sync(policy, at))
            at += FIVE
        assert every == [] and policy.mx_unstable_since is not None
        # 12 hours of A with SERVFAIL between: the answers agree (this sync gets A).
        assert kinds(self.sync(policy, at)) == ["mx-stable"]
        [settled] = self.emails()
        body = " ".join(settled.body.split())
        assert f"agree again since {held_from:%Y-%m-%d %H:%M} UTC: mx1.example.org and" in body
        assert policy.mx_unstable_since is None
        # Three days on, the owner really removes mx2: told, not only recorded.
        at += 3 * DAY
        self.answers("servfail", B)
        assert self.sync(policy, at) == []
        assert kinds(self.sync(policy, at + FIVE)) == ["mx-leaving"]
        _settled, leaving = self.emails()
        assert "mx2.example.org left the MX records" in leaving.subject

    def test_failures_lasting_the_whole_12_hours_still_restart_them(self) -> None:
        policy = self.enable()
        self.flap(policy)
        self.answers("servfail")
        failed_from = T0 + 13 * FIVE
        at = failed_from
        while at < failed_from + MX_STABLE_AFTER:
            assert self.sync(policy, at) == []
            at += HOUR
        # No lookup answered for 12 hours: the same answer after them is not one that held.
        self.answers(A)
        assert self.sync(policy, at) == []
        assert self.sync(policy, at + MX_STABLE_AFTER - FIVE) == []
        assert kinds(self.sync(policy, at + MX_STABLE_AFTER)) == ["mx-stable"]
