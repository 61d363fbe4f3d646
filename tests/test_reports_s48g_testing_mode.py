"""Task s48g, item 3 (follow-up of blind round s48c): when the last check could not read the
domain's MTA-STS policy, the enforce-readiness card shows while senders' TLS reports say they
applied the policy in mode testing (reports.dashboard._reported_in_testing). The latest report's
"first" sts entry decided, and a report may quote two versions of the policy (RFC 8460 §4.4:
one policy entry per policy applied; senders that cached the earlier one keep applying it
until its max_age runs out, RFC 8461 §5.1), as may two senders' reports of the same day: the
entry read first was whichever the database returned first, with no order among a report's
entries nor among reports of one end (PostgreSQL and SQLite may differ).

The rule now: the latest day's counted reports about the domain's own policy; the mode that
most of their sessions were under is what senders apply. A tie is testing: senders still
apply testing as much as anything else, so the question the card answers stays open.

Failing first on a copy of HEAD 8a136be2 (PostgreSQL, CI=true, and SQLite): each order of a
report's two entries had the card follow the entry stored first: the testing entry with most
sessions listed second showed no card, the enforce entry with most listed second showed it.
"""

from __future__ import annotations

import copy
from datetime import timedelta
from typing import Any

from django.utils import timezone

from reports.dashboard import _reported_in_testing
from tests.test_readiness_s11_self_hosted import CARD, SelfHostedCase, policy_fetch_timed_out, sts
from tests.test_reports_dash_s8_figures import post, report


def applied(mode: str, sessions: int) -> dict[str, Any]:
    """An sts entry of example.com's policy in `mode`, with `sessions` successful sessions."""
    entry = copy.deepcopy(sts(sessions))
    entry["policy"]["policy-string"] = [
        f"mode: {mode}" if line.startswith("mode:") else line
        for line in entry["policy"]["policy-string"]
    ]
    return entry


class TestingModeTestCase(SelfHostedCase):
    def setUp(self) -> None:
        super().setUp()
        self.check(policy_fetch_timed_out())

    def send(self, days_ago: int, org: str, *entries: dict[str, Any]) -> None:
        day = timezone.now().date() - timedelta(days=days_ago)
        raw = post(self.address, report(org, f"{day}_{org}", day, list(entries)))
        assert raw.parse_status == "parsed", raw.error
        assert raw.report.policies.count() == len(entries)

    def card(self) -> bool:
        _, text = self.page()
        return CARD in text

    def test_one_report_quoting_both_modes_reads_the_mode_of_most_sessions_either_order(
        self,
    ) -> None:
        self.send(1, "Google Inc.", applied("enforce", 5), applied("testing", 500))
        assert _reported_in_testing(self.address) is True
        assert self.card()

    def test_one_report_quoting_both_modes_listed_the_other_way(self) -> None:
        self.send(1, "Google Inc.", applied("testing", 5), applied("enforce", 500))
        assert _reported_in_testing(self.address) is False
        assert not self.card()

    def test_two_senders_reports_of_the_latest_day_are_read_together(self) -> None:
        # The same day, the same end: neither report is "the latest" before the other.
        self.send(1, "Microsoft Corporation", applied("testing", 20))
        self.send(1, "Google Inc.", applied("enforce", 500))
        assert _reported_in_testing(self.address) is False
        self.send(1, "Yahoo Inc.", applied("testing", 600))
        assert _reported_in_testing(self.address) is True

    def test_a_tie_leaves_the_question_open(self) -> None:
        self.send(1, "Google Inc.", applied("enforce", 50), applied("testing", 50))
        assert _reported_in_testing(self.address) is True

    def test_the_latest_day_decides_not_the_days_before(self) -> None:
        self.send(3, "Google Inc.", applied("testing", 900))
        self.send(2, "Google Inc.", applied("testing", 5), applied("enforce", 90))
        assert _reported_in_testing(self.address) is False
        assert not self.card()

    def test_no_sts_report_is_no_testing(self) -> None:
        assert _reported_in_testing(self.address) is False
        assert not self.card()
