"""Review s48r6 of s48g's _reported_in_testing (68ef43ba): the card shows, where the check
could not read the policy, while most of the latest day's sessions were under a testing policy
"or as many as under any other mode". An sts entry that quotes no policy (a sender that could
not fetch it: sts-policy-fetch-error, RFC 8460 §4.3.2.1, policy-string empty) was counted as
under another mode: its sessions outvoted the testing ones, and the card hid. It names no mode:
it is left out of the count. An entry quoting enforce still counts against testing (control);
a day whose sts entries quote no policy at all says nothing of the mode (no card).
"""

from __future__ import annotations

import copy
from typing import Any

from reports.dashboard import _reported_in_testing
from tests import test_reports_s48g_testing_mode as s48g
from tests.test_readiness_s11_self_hosted import SelfHostedCase, policy_fetch_timed_out, sts
from tests.test_reports_s48g_testing_mode import applied


def unfetched(sessions: int) -> dict[str, Any]:
    entry = copy.deepcopy(sts(sessions))
    entry["policy"]["policy-string"] = []
    return entry


class S48r6TestingModeTestCase(SelfHostedCase):
    # s48g's harness (a check that could not read the policy), without its tests run again.
    def setUp(self) -> None:
        super().setUp()
        self.check(policy_fetch_timed_out())

    send = s48g.TestingModeTestCase.send
    card = s48g.TestingModeTestCase.card

    def test_s48r6_entries_quoting_no_policy_do_not_outvote_testing(self) -> None:
        self.send(1, "Google Inc.", unfetched(100))
        self.send(1, "Yahoo Inc.", applied("testing", 50))
        assert _reported_in_testing(self.address) is True
        assert self.card()

    def test_s48r6_control_enforce_still_outvotes_testing(self) -> None:
        self.send(1, "Google Inc.", unfetched(100), applied("enforce", 60))
        self.send(1, "Yahoo Inc.", applied("testing", 50))
        assert _reported_in_testing(self.address) is False

    def test_s48r6_a_day_quoting_no_policy_says_no_mode(self) -> None:
        self.send(1, "Google Inc.", unfetched(100))
        assert _reported_in_testing(self.address) is False
