"""Blind round s42r, R19: a TLS report dated on a day still to come (a sender's clock ahead,
or a forged report) is left out of the figures until that day (docs/reports.md, 5. Day and
domain) — of the enforce-readiness card's too, which counted its sessions, days and failures
and read "Not yet" on ten clean days (hosting.readiness.judge: reports since the window's
start, with no end)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from mailsec.hosting.readiness import seen_policy, self_hosted_readiness
from tests.test_readiness_s11_self_hosted import (
    CARD,
    SelfHostedCase,
    engine_findings,
    policy_fetch_timed_out,
    sts,
)
from tests.test_reports_dash_s8_figures import detail, post, report


class FutureDayTestCase(SelfHostedCase):
    def future_report(self) -> None:
        ahead = timezone.now().date() + timedelta(days=2)
        failing = [detail("certificate-expired", 50, mx="mx2.example.com", ip="192.0.2.26")]
        body = report("Microsoft Corporation", "ahead", ahead, [sts(450, 50, failing)])
        raw = post(self.address, body)
        assert raw.parse_status == "parsed", raw.error

    def test_a_report_of_a_day_still_to_come_is_not_evidence_yet(self) -> None:
        self.check(engine_findings())
        self.days_of_reports(8)
        self.future_report()
        _, text = self.page()
        sessions = sum(2 * (40 + n) for n in range(1, 9))
        assert (
            f"{sessions} MTA-STS sessions on 8 days from 2 reporting organisations; sts failures: "
            "none; every MX host our last check saw reached with valid TLS: yes." in text
        ), text
        assert "Ready: 8 days of reports from 2 organisations" in text
        assert "Not yet" not in text

    def test_only_a_report_of_a_day_still_to_come_is_not_a_report_without_the_policy(
        self,
    ) -> None:
        run = self.check(engine_findings())
        self.future_report()
        readiness = self_hosted_readiness(self.domain, seen_policy(run), timezone.now())
        assert (readiness.days, readiness.reporters, readiness.sessions, readiness.failed) == (
            0,
            0,
            0,
            0,
        )
        assert readiness.verdict == "too-few"
        # It is about the policy and applied it: not "no sender applied the MTA-STS policy".
        assert not any("no sender applied" in r for r in readiness.reasons), readiness.reasons

    def test_a_report_of_a_day_still_to_come_is_not_the_latest_word_on_the_mode(self) -> None:
        # The check could not read the policy: the card shows while the latest counted
        # report says senders applied it in mode testing. A report dated two days ahead
        # quoting mode enforce is not that report yet.
        self.check(policy_fetch_timed_out())
        self.days_of_reports(8)
        ahead = timezone.now().date() + timedelta(days=2)
        result = sts(500)
        result["policy"]["policy-string"] = [
            "mode: enforce" if line == "mode: testing" else line
            for line in result["policy"]["policy-string"]
        ]
        raw = post(self.address, report("Microsoft Corporation", "ahead", ahead, [result]))
        assert raw.parse_status == "parsed", raw.error
        _, text = self.page()
        assert CARD in text and "Cannot tell yet:" in text, text
