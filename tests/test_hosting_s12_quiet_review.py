"""Review of the quiet rule for flapping MX answers (26bf8ec, d6a8ae6):

- One round trip is not a flap: a real NXDOMAIN (or an MX removed by mistake) fixed within
  hours was told as "name servers out of sync", the "MX records back" email was held back,
  and an mx-stable email followed 12 hours later. A flap now starts at the second departure
  (A, B, A, B); the first return is emailed as usual.

MX answers come from the wire DNS server of tests/test_hosting_s12_quiet.py, alternating per
lookup as a resolver asking one name server then the other sees them."""

from __future__ import annotations

from datetime import timedelta

from mailsec.hosting.models import MX_STABLE_AFTER
from tests.test_hosting import T0
from tests.test_hosting_s12_quiet import FIVE, A, B, QuietCase

DAY = timedelta(days=1)
HOUR = timedelta(hours=1)


def kinds(said: list[tuple[str, str]]) -> list[str]:
    return [kind for kind, _ in said]


class OneRoundTrip(QuietCase):
    def test_nxdomain_fixed_within_hours_is_told_as_fixed_not_as_a_flap(self) -> None:
        policy = self.enable()
        self.answers("nxdomain")
        assert kinds(self.sync(policy, T0 + DAY)) == ["mx-unusable"]
        self.answers(A)
        assert kinds(self.sync(policy, T0 + DAY + 2 * HOUR)) == ["mx-recovered"]
        assert policy.mx_unstable_since is None
        nxdomain, back = self.emails()
        assert "NXDO" in nxdomain.subject
        body = " ".join(back.body.split())
        assert "The MX records of example.org are back" in body
        assert "differ between lookups" not in body
        # No "agree again" for answers that never disagreed.
        assert self.sync(policy, T0 + DAY + 2 * HOUR + MX_STABLE_AFTER) == []
        assert len(self.emails()) == 2

    def test_an_mx_removed_by_mistake_and_put_back_is_told_back(self) -> None:
        policy = self.enable()
        self.answers(B)
        assert kinds(self.sync(policy, T0 + HOUR)) == ["mx-leaving"]
        self.answers(A)
        assert kinds(self.sync(policy, T0 + 3 * HOUR)) == ["mx-back"]
        assert policy.mx_unstable_since is None
        leaving, back = self.emails()
        assert "mx2.example.org is back in the MX records" in back.body
        assert self.sync(policy, T0 + 3 * HOUR + MX_STABLE_AFTER) == []
        assert len(self.emails()) == 2

    def test_a_flap_starts_at_the_second_departure(self) -> None:
        policy = self.enable()
        self.answers(B, A)
        assert kinds(self.sync(policy, T0 + FIVE)) == ["mx-leaving"]
        assert kinds(self.sync(policy, T0 + 2 * FIVE)) == ["mx-back"]
        assert policy.mx_unstable_since is None
        assert kinds(self.sync(policy, T0 + 3 * FIVE)) == ["mx-flapping", "mx-leaving"]
        assert policy.mx_unstable_since == T0 + 3 * FIVE
        for n in range(4, 25):
            self.sync(policy, T0 + n * FIVE)
        leaving, back, flapping = self.emails()
        assert "mx2.example.org is back" in back.body
        body = " ".join(flapping.body.split())
        assert "one gave mx1.example.org and mx2.example.org, the next mx1.example.org. " in body
