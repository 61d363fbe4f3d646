"""Alerts without the network: the comparison rules, the change life cycle, emails with one-click
unsubscribe, digests, and the settings pages. The lab scenarios are in test_alerts_lab.py."""

from __future__ import annotations

import copy
import importlib
from datetime import UTC, datetime, timedelta
from email import message_from_string
from typing import Any
from unittest import mock

from django.apps import apps as django_apps
from django.core import mail, signing
from django.core.mail.backends.base import BaseEmailBackend
from django.db import OperationalError
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from mailsec.alerts import rules
from mailsec.alerts.emails import ALL_DOMAINS, UNSUBSCRIBE_SALT, build_message, unsubscribe_url
from mailsec.alerts.models import (
    MAX_SEND_ATTEMPTS,
    AlertRecipient,
    AlertSetting,
    AlertState,
    Change,
    Notification,
    recipients,
)
from mailsec.alerts.tasks import (
    confirm_change,
    digest_hour_of,
    send_digests,
    send_notification,
    sweep,
)
from mailsec.domains.models import CheckRun, Domain
from reports.models import ReportAddress
from tests.conftest import BaseTestCase

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
# The healthy domain's certificates: 60 days after NOW, or after today once today is later.
# RulesTestCase judges them at NOW, but LifeCycleTestCase and the team-address tests
# (test_alerts_s19a/b) at the real clock, some 15 days on: a fixed date would enter the 21-day
# warning in January 2027 and every one of those runs would raise a cert-expiry alert.
NOT_AFTER = (max(NOW, datetime.now(UTC)) + timedelta(days=60)).replace(microsecond=0).isoformat()


def finding(check_id: str, status: str, mechanism: str, subject: str = "", **kw: Any) -> dict:
    return {
        "id": check_id,
        "status": status,
        "mechanism": mechanism,
        "subject": subject,
        "summary": kw.pop("summary", f"{check_id} is {status}."),
        "evidence": kw.pop("evidence", {}),
        "fix": kw.pop("fix", ""),
    }


def good_result(not_after: str = NOT_AFTER) -> dict[str, Any]:
    """A small healthy domain, shaped like the engine's output for the lab's alert01."""
    return {
        "score": 100,
        "mechanisms": {"mx": "pass", "mta-sts": "pass", "tls-rpt": "pass", "smtp": "info"},
        "findings": [
            finding(
                "MX-01",
                "pass",
                "mx",
                "a.test",
                evidence={"answers": ["10 mx1.a.test."], "query": "a.test MX"},
            ),
            finding(
                "MTASTS-01",
                "pass",
                "mta-sts",
                "_mta-sts.a.test",
                evidence={
                    "answers": ['"v=STSv1; id=1"'],
                    "query": "_mta-sts.a.test TXT",
                    "rcode": "NOERROR",
                },
            ),
            finding(
                "MTASTS-12",
                "pass",
                "mta-sts",
                "mta-sts.a.test",
                evidence={"certificate": {"not_after": not_after}},
            ),
            finding(
                "MTASTS-30",
                "pass",
                "mta-sts",
                "a.test",
                evidence={"mx": ["mx1.a.test"], "patterns": ["mx1.a.test"]},
            ),
            finding("TLSRPT-01", "pass", "tls-rpt", "_smtp._tls.a.test"),
            finding("SMTP-02", "pass", "smtp", "mx1.a.test [127.0.0.9]"),
            finding(
                "SMTP-10",
                "pass",
                "smtp",
                "mx1.a.test [127.0.0.9]",
                evidence={"not_after": not_after},
            ),
            finding("SMTP-18", "info", "smtp", "mx1.a.test [127.0.0.9]"),
        ],
    }


def snap(result: dict[str, Any], at: datetime = NOW) -> rules.Snapshot:
    return rules.Snapshot(result["mechanisms"], result["findings"], result["score"], at)


def without(result: dict[str, Any], check_id: str) -> dict[str, Any]:
    out = copy.deepcopy(result)
    out["findings"] = [f for f in out["findings"] if f["id"] != check_id]
    return out


def set_status(result: dict[str, Any], check_id: str, status: str, **kw: Any) -> dict[str, Any]:
    out = copy.deepcopy(result)
    for f in out["findings"]:
        if f["id"] == check_id:
            f["status"] = status
            f.update(kw)
    return out


def mta_sts_record_gone(result: dict[str, Any] | None = None) -> dict[str, Any]:
    out = copy.deepcopy(result or good_result())
    out["findings"] = [f for f in out["findings"] if f["mechanism"] != "mta-sts"]
    out["findings"].append(
        finding(
            "MTASTS-01",
            "info",
            "mta-sts",
            "_mta-sts.a.test",
            summary="a.test has no MTA-STS record.",
            evidence={"answers": [], "query": "_mta-sts.a.test TXT", "rcode": "NXDOMAIN"},
        )
    )
    out["mechanisms"]["mta-sts"] = "info"
    out["score"] = 76
    return out


def smtp_unreachable(result: dict[str, Any] | None = None) -> dict[str, Any]:
    """What a 421 or a timeout on the only MX looks like: could not check."""
    out = copy.deepcopy(result or good_result())
    out["findings"] = [f for f in out["findings"] if f["mechanism"] != "smtp"]
    out["findings"].append(finding("SMTP-01", "error", "smtp", "mx1.a.test [127.0.0.9]"))
    out["mechanisms"]["smtp"] = "error"
    return out


# --- the rules ---------------------------------------------------------------------------------


class RulesTestCase(BaseTestCase):
    def kinds(self, before: dict[str, Any], after: dict[str, Any]) -> set[tuple[str, str]]:
        return {(o.kind, o.key) for o in rules.detect(snap(before), snap(after), 10)}

    def test_it_finds_nothing_between_equal_runs(self) -> None:
        self.assertEqual(self.kinds(good_result(), good_result()), set())

    def test_it_flags_a_mechanism_going_from_pass_or_info_to_warn_or_fail(self) -> None:
        broken = set_status(good_result(), "SMTP-02", "warn", fix="Do X.")
        broken["mechanisms"]["smtp"] = "warn"
        found = rules.detect(snap(good_result()), snap(broken), 10)
        self.assertEqual(
            [(o.kind, o.subject) for o in found], [("mechanism", "STARTTLS on the MX hosts")]
        )
        self.assertEqual(found[0].before, "info")
        self.assertEqual(found[0].fix, "Do X.")

    def test_it_never_calls_could_not_check_a_regression(self) -> None:
        self.assertEqual(self.kinds(good_result(), smtp_unreachable()), set())

    def test_it_flags_a_new_fail_finding_once(self) -> None:
        broken = set_status(good_result(), "SMTP-10", "fail", fix="Renew it.")
        broken["mechanisms"]["smtp"] = "fail"
        self.assertIn(("finding", "finding:SMTP-10|mx1.a.test"), self.kinds(good_result(), broken))
        # Already failing in the confirmed state: not new.
        self.assertEqual(self.kinds(broken, broken), set())

    def test_deploying_a_mechanism_with_a_weakness_is_not_a_regression(self) -> None:
        before = good_result()
        before["findings"].append(finding("DMARC-01", "info", "dmarc", "_dmarc.a.test"))
        before["mechanisms"]["dmarc"] = "info"  # not deployed rolls up to info
        after = copy.deepcopy(before)
        after["findings"][-1] = finding("DMARC-09", "warn", "dmarc", "_dmarc.a.test")
        after["mechanisms"]["dmarc"] = "warn"
        self.assertEqual(self.kinds(before, after), set())

    def test_publishing_bimi_with_a_warning_is_not_a_regression(self) -> None:
        before = good_result()
        before["findings"].append(
            finding(
                "BIMI-01", "info", "bimi", "default._bimi.a.test", evidence={"published": False}
            )
        )
        before["mechanisms"]["bimi"] = "info"
        after = copy.deepcopy(before)
        after["findings"][-1] = finding("BIMI-05", "warn", "bimi", "default._bimi.a.test")
        after["mechanisms"]["bimi"] = "warn"
        self.assertEqual(self.kinds(before, after), set())

    def test_a_mechanism_no_longer_deployed_is_a_regression(self) -> None:
        before = good_result()
        before["findings"].append(finding("DMARC-05", "pass", "dmarc", "_dmarc.a.test"))
        before["mechanisms"]["dmarc"] = "pass"
        after = copy.deepcopy(before)
        after["findings"][-1] = finding(
            "DMARC-01", "info", "dmarc", "_dmarc.a.test", summary="a.test has no DMARC record."
        )
        after["mechanisms"]["dmarc"] = "info"
        found = rules.detect(snap(before), snap(after), 10)
        self.assertEqual(
            [(o.kind, o.key, o.after) for o in found], [("mechanism", "mechanism:dmarc", "absent")]
        )
        self.assertIn("was good and now not deployed", found[0].summary)
        verdict, _ = rules.evaluate("mechanism", "mechanism:dmarc", "pass", snap(after), 10)
        self.assertEqual(verdict, rules.Verdict.HOLDS)
        verdict, _ = rules.evaluate("mechanism", "mechanism:dmarc", "pass", snap(before), 10)
        self.assertEqual(verdict, rules.Verdict.CLEAR)

    def test_a_baseline_that_could_not_judge_a_mechanism_raises_no_new_failure(self) -> None:
        # The first run met a 421; the next one sees a fail that was always there.
        broken = set_status(good_result(), "SMTP-10", "fail")
        broken["mechanisms"]["smtp"] = "fail"
        self.assertEqual(self.kinds(smtp_unreachable(), broken), set())

    def test_could_not_check_turning_into_a_fail_is_not_a_regression(self) -> None:
        # An error never starts a regression: the baseline did not know the state.
        before = smtp_unreachable()
        after = copy.deepcopy(before)
        after["findings"][-1]["status"] = "fail"
        after["mechanisms"]["smtp"] = "fail"
        self.assertNotIn(("finding", "finding:SMTP-01|mx1.a.test"), self.kinds(before, after))

    def test_an_error_in_one_part_does_not_silence_a_fail_in_another(self) -> None:
        # A backup MX that always times out leaves SMTP partly unchecked in every run; the
        # primary's certificate expiring is still news.
        backup = finding("SMTP-01", "error", "smtp", "mx2.a.test [127.0.0.10]")
        before = good_result()
        before["findings"].append(backup)
        after = set_status(before, "SMTP-10", "fail")
        after["mechanisms"]["smtp"] = "fail"
        self.assertIn(("finding", "finding:SMTP-10|mx1.a.test"), self.kinds(before, after))
        verdict, _ = rules.evaluate("mechanism", "mechanism:smtp", "info", snap(after), 10)
        self.assertEqual(verdict, rules.Verdict.HOLDS)

    def test_it_flags_a_score_drop_from_the_threshold_on(self) -> None:
        lower = good_result()
        lower["score"] = 91
        self.assertEqual(self.kinds(good_result(), lower), set())
        lower["score"] = 90
        self.assertEqual(self.kinds(good_result(), lower), {("score", "score:")})

    def test_it_does_not_compare_a_partial_score(self) -> None:
        partial = smtp_unreachable()
        partial["score"] = 70
        self.assertEqual(self.kinds(good_result(), partial), set())

    def test_it_flags_a_disappearing_mta_sts_record_with_the_record_to_publish(self) -> None:
        found = {
            o.kind: o for o in rules.detect(snap(good_result()), snap(mta_sts_record_gone()), 10)
        }
        self.assertEqual(set(found), {"record-gone", "score"})
        gone = found["record-gone"]
        self.assertIn("_mta-sts.a.test has disappeared", gone.summary)
        self.assertTrue(
            gone.fix.startswith('Publish it again: _mta-sts.a.test. TXT "v=STSv1; id=1"')
        )
        # Removing the record alone is no way to turn MTA-STS off (RFC 8461 §8.3).
        self.assertIn("mode: none and give the record a new id", gone.fix)

    def test_it_flags_a_disappearing_tls_rpt_record_but_not_a_failed_lookup(self) -> None:
        gone = set_status(good_result(), "TLSRPT-01", "warn")
        self.assertIn(("record-gone", "record-gone:tls-rpt"), self.kinds(good_result(), gone))
        servfail = set_status(good_result(), "TLSRPT-01", "error")
        servfail["mechanisms"]["tls-rpt"] = "error"
        self.assertEqual(self.kinds(good_result(), servfail), set())

    def test_it_flags_mx_hosts_the_policy_no_longer_covers(self) -> None:
        moved = set_status(
            good_result(),
            "MTASTS-30",
            "fail",
            evidence={"mx": ["mx9.a.test"], "patterns": ["mx1.a.test"]},
            fix="mx: mx9.a.test",
        )
        moved["findings"][0]["evidence"]["answers"] = ["10 mx9.a.test."]
        moved["mechanisms"]["mta-sts"] = "fail"
        found = {o.kind: o for o in rules.detect(snap(good_result()), snap(moved), 10)}
        self.assertIn("mx-coverage", found)
        self.assertNotIn("finding", found)  # MTASTS-30 is told once, as what it is
        self.assertEqual(found["mx-coverage"].evidence["mx_before"], ["mx1.a.test"])
        self.assertEqual(found["mx-coverage"].evidence["mx_now"], ["mx9.a.test"])
        self.assertIn("mx: mx9.a.test", found["mx-coverage"].fix)

    def test_it_warns_about_certificates_at_21_7_and_2_days(self) -> None:
        self.assertEqual(rules.cert_threshold(30), None)
        self.assertEqual(rules.cert_threshold(21), 21)
        self.assertEqual(rules.cert_threshold(8), 21)
        self.assertEqual(rules.cert_threshold(6.5), 7)
        self.assertEqual(rules.cert_threshold(1), 2)
        self.assertEqual(rules.cert_threshold(-1), None)  # expired: a fail finding instead
        soon = (NOW + timedelta(days=5)).isoformat()
        found = rules.expiring_certificates(snap(good_result(not_after=soon)))
        self.assertEqual(sorted(o.subject for o in found), ["mta-sts.a.test", "mx1.a.test"])
        self.assertTrue(all(o.key.endswith("|7") for o in found))
        self.assertIn("expires in 5 days", found[0].summary)

    def test_per_host_keys_never_take_an_unchecked_address_for_a_judged_one(self) -> None:
        b = "mx1.a.test [127.0.0.10]"
        # The baseline judged the host's first address (SMTP-10 pass on 127.0.0.9) but could
        # not check b: b failing now is news about the check, not a change.
        baseline = good_result()
        baseline["findings"].append(finding("SMTP-01", "error", "smtp", b))
        now = copy.deepcopy(baseline)
        now["findings"][-1] = finding("SMTP-10", "fail", "smtp", b)
        self.assertNotIn("finding", {o.kind for o in rules.detect(snap(baseline), snap(now), 10)})
        # A change raised for b is not "fixed" by a passing a while b cannot be checked.
        key = "finding:SMTP-10|mx1.a.test"
        unchecked_b = good_result()
        unchecked_b["findings"].append(finding("SMTP-01", "error", "smtp", b))
        verdict = rules.evaluate("finding", key, "pass", snap(unchecked_b), 10)[0]
        self.assertEqual(verdict, "unknown")
        # Another host that cannot be checked says nothing about this one.
        other = good_result()
        other["findings"].append(finding("SMTP-01", "error", "smtp", "mx2.a.test [127.0.0.11]"))
        self.assertEqual(rules.evaluate("finding", key, "pass", snap(other), 10)[0], "clear")

    def test_mta_sts_subjects_name_the_host_too(self) -> None:
        self.assertEqual(rules.host_subject("mx1.a.test (192.0.2.1)"), "mx1.a.test")
        self.assertEqual(rules.host_subject("mx1.a.test [2001:db8::1]"), "mx1.a.test")
        self.assertEqual(rules.host_subject("_mta-sts.a.test"), "_mta-sts.a.test")

    def test_a_policy_url_certificate_is_judged_under_mta_sts(self) -> None:
        url = "https://mta-sts.a.test/.well-known/mta-sts.txt"
        key = f"cert-expiry:{url}|{NOT_AFTER}|7"
        policy_down = set_status(without(good_result(), "MTASTS-12"), "MTASTS-01", "error")
        policy_down["mechanisms"]["mta-sts"] = "error"
        self.assertEqual(
            rules.evaluate("cert-expiry", key, "7", snap(policy_down), 10)[0], "unknown"
        )

    def test_it_evaluates_error_as_unknown_and_a_fix_as_clear(self) -> None:
        args = ("record-gone", "record-gone:mta-sts", "published")
        self.assertEqual(rules.evaluate(*args, snap(mta_sts_record_gone()), 10)[0], "holds")
        self.assertEqual(rules.evaluate(*args, snap(good_result()), 10)[0], "clear")
        lookup_failed = set_status(good_result(), "MTASTS-01", "error")
        self.assertEqual(rules.evaluate(*args, snap(lookup_failed), 10)[0], "unknown")
        key = "finding:SMTP-10|mx1.a.test"
        self.assertEqual(
            rules.evaluate("finding", key, "pass", snap(smtp_unreachable()), 10)[0], "unknown"
        )
        self.assertEqual(
            rules.evaluate("finding", key, "pass", snap(good_result()), 10)[0], "clear"
        )

    def test_a_renewed_certificate_clears_its_expiry_change(self) -> None:
        key = f"cert-expiry:mta-sts.a.test|{NOT_AFTER}|7"
        self.assertEqual(
            rules.evaluate("cert-expiry", key, "7", snap(good_result()), 10)[0], "holds"
        )
        renewed = good_result(not_after="2027-04-01T00:00:00+00:00")
        self.assertEqual(rules.evaluate("cert-expiry", key, "7", snap(renewed), 10)[0], "clear")


# --- the life cycle ------------------------------------------------------------------------------


@override_settings(
    ALERT_CONFIRM_DELAY=0,
    ALERT_SCORE_DROP=10,
    EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    SITE_ROOT="https://mailsec.example",
)
class AlertRunsTestCase(BaseTestCase):
    """Runs of one verified domain, observed as the worker observes them."""

    def setUp(self) -> None:
        self.domain = Domain.objects.create(
            team=self.team, name="a.test", verified_at=timezone.now()
        )
        self.clock = timezone.now() - timedelta(hours=1)

    def run_with(self, result: dict[str, Any], kind: str = "scheduled") -> CheckRun:
        self.clock += timedelta(minutes=1)
        return CheckRun.objects.create(
            domain=self.domain,
            kind=kind,
            status=CheckRun.Status.DONE,
            created=self.clock,
            score=result["score"],
            score_version=result.get("score_version"),
            score_detail=result.get("score_detail", {}),
            mechanisms=result["mechanisms"],
            findings=result["findings"],
        )

    def observe(self, result: dict[str, Any], kind: str = "scheduled") -> Any:
        """Store a run, observe it, and send whatever it queued (as the worker would)."""
        with self.captureOnCommitCallbacks(execute=False):
            outcome = AlertState.observe(self.run_with(result, kind))
        for n in Notification.objects.filter(status=Notification.Status.PENDING):
            send_notification.apply(args=[str(n.code)])
        return outcome


@override_settings(
    ALERT_CONFIRM_DELAY=0,
    ALERT_SCORE_DROP=10,
    EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    SITE_ROOT="https://mailsec.example",
)
class LifeCycleTestCase(AlertRunsTestCase):
    def scored(self, score: int, version: int = 1) -> dict[str, Any]:
        result = good_result()
        result["score"], result["score_version"] = score, version
        return result

    def test_a_slow_slide_of_the_score_is_told_once_it_adds_up(self) -> None:
        # A few points a run: each run alone is under ALERT_SCORE_DROP (10), and the baseline
        # follows every settled run; the score is compared with the best recent one.
        self.observe(self.scored(100))
        for score in (96, 93):
            self.assertEqual(self.observe(self.scored(score)).suspected, [])
        outcome = self.observe(self.scored(90))
        self.assertEqual([c.kind for c in outcome.suspected], ["score"])
        self.assertIn("from 100 to 90", outcome.suspected[0].summary)
        outcome = self.observe(self.scored(89), kind="confirm")
        self.assertEqual([c.kind for c in outcome.confirmed], ["score"])
        self.assertEqual(len(mail.outbox), 2)  # alice and bob
        # Still low: nothing more. Back up: one recovery.
        self.assertEqual(self.observe(self.scored(88)).suspected, [])
        self.assertEqual(self.observe(self.scored(97)).recovered, [])  # seen fixed once
        outcome = self.observe(self.scored(97), kind="confirm")
        self.assertEqual([c.kind for c in outcome.recovered], ["score"])

    def test_a_further_drop_while_a_score_alert_is_open_is_told(self) -> None:
        self.observe(self.scored(100))
        self.observe(self.scored(85))
        self.observe(self.scored(85), kind="confirm")  # told: 100 → 85
        self.assertEqual(len(mail.outbox), 2)
        outcome = self.observe(self.scored(60))
        self.assertEqual([c.note for c in outcome.dismissed], ["dropped further, below 85"])
        self.assertEqual([c.kind for c in outcome.suspected], ["score"])
        self.observe(self.scored(60), kind="confirm")
        self.assertEqual(len(mail.outbox), 4)

    def test_a_score_wobbling_at_the_threshold_after_a_recovery_is_quiet(self) -> None:
        self.observe(self.scored(100))
        self.observe(self.scored(88))
        self.observe(self.scored(88), kind="confirm")  # told
        self.observe(self.scored(95))
        self.assertEqual(
            [c.kind for c in self.observe(self.scored(95), kind="confirm").recovered], ["score"]
        )
        # The best score of the window (100) is not held against it again: measured from the
        # recovery on, 90 and 91 are no drop.
        for score in (90, 91, 90):
            self.assertEqual(self.observe(self.scored(score)).suspected, [])
        self.assertEqual(len(mail.outbox), 4)  # the alert and the recovery, to two people

    def test_a_level_kept_for_the_window_is_the_new_normal(self) -> None:
        self.observe(self.scored(100))
        self.observe(self.scored(85))
        self.observe(self.scored(85), kind="confirm")  # told once
        self.assertEqual(len(mail.outbox), 2)
        # Two weeks later the owner has kept 85: the alert closes without a word, and a drop
        # from there is told again.
        self.clock += timedelta(days=15)
        with mock.patch.object(timezone, "now", return_value=self.clock + timedelta(minutes=2)):
            outcome = self.observe(self.scored(85))
            self.assertEqual([c.note for c in outcome.dismissed], ["kept as the new level"])
            self.assertEqual([c.kind for c in self.observe(self.scored(74)).suspected], ["score"])
        self.assertEqual(len(mail.outbox), 2)

    def test_a_partial_score_is_neither_compared_nor_a_reference(self) -> None:
        self.observe(self.scored(90))
        partial = smtp_unreachable()
        partial["score"], partial["score_version"] = 100, 1
        partial["score_detail"] = {"partial": True}
        self.assertEqual(self.observe(partial).suspected, [])
        # 81 is 19 below the partial 100, but only 9 below the best full score (90).
        self.assertEqual(self.observe(self.scored(81)).suspected, [])

    def test_scores_with_the_same_category_left_out_are_compared(self) -> None:
        # DANE lookups always time out at this domain: every score leaves DANE out, and a slow
        # slide is still told; a run that also left SMTP out is compared with nothing.
        def run(score: int, not_checked: list[str]) -> dict[str, Any]:
            result = self.scored(score)
            result["score_detail"] = {"partial": True, "not_checked": not_checked}
            return result

        self.observe(run(100, ["dane"]))
        self.assertEqual(self.observe(run(95, ["dane"])).suspected, [])
        self.assertEqual(self.observe(run(70, ["dane", "smtp"])).suspected, [])
        outcome = self.observe(run(90, ["dane"]))
        self.assertEqual([c.kind for c in outcome.suspected], ["score"])
        self.assertIn("from 100 to 90", outcome.suspected[0].summary)
        # The re-check left SMTP out too: it cannot confirm (nor clear) the drop.
        outcome = self.observe(run(60, ["dane", "smtp"]), kind="confirm")
        self.assertEqual([c.note for c in outcome.dismissed], ["the re-check could not test it"])
        self.assertEqual(len(mail.outbox), 0)

    def test_a_score_that_bounces_back_at_the_re_check_tells_nobody(self) -> None:
        self.observe(self.scored(100))
        self.assertEqual(len(self.observe(self.scored(85)).suspected), 1)
        outcome = self.observe(self.scored(99), kind="confirm")
        self.assertEqual(len(outcome.dismissed), 1)
        self.assertEqual(len(mail.outbox), 0)

    def test_a_new_rubric_is_not_a_score_drop(self) -> None:
        self.observe(self.scored(100, version=1))
        self.assertEqual(self.observe(self.scored(80, version=2)).suspected, [])
        self.assertEqual([c.kind for c in self.observe(self.scored(70, 2)).suspected], ["score"])

    def test_a_rubric_change_before_the_re_check_tells_nobody(self) -> None:
        self.observe(self.scored(100, version=1))
        self.assertEqual(len(self.observe(self.scored(85, version=1)).suspected), 1)
        outcome = self.observe(self.scored(60, version=2), kind="confirm")
        self.assertEqual([c.note for c in outcome.dismissed], ["the scoring rubric changed"])
        self.assertEqual(outcome.confirmed, [])
        self.assertEqual(len(mail.outbox), 0)

    def test_a_confirmed_regression_is_one_email_and_its_fix_one_recovery(self) -> None:
        self.observe(good_result())
        outcome = self.observe(mta_sts_record_gone())
        self.assertEqual({c.kind for c in outcome.suspected}, {"record-gone", "score"})
        self.assertEqual(len(mail.outbox), 0)  # suspected: nobody is told yet

        outcome = self.observe(mta_sts_record_gone(), kind="confirm")
        self.assertEqual(len(outcome.confirmed), 2)
        # alice and bob, one email each, both changes in it
        self.assertEqual(
            sorted(m.to[0] for m in mail.outbox), ["alice@example.org", "bob@example.org"]
        )
        body = mail.outbox[0].body
        self.assertIn("_mta-sts.a.test has disappeared", body)
        self.assertIn('Publish it again: _mta-sts.a.test. TXT "v=STSv1; id=1"', body)
        self.assertIn("The score dropped from 100 to 76.", body)
        self.assertIn(f"https://mailsec.example/domains/{self.domain.code}/", body)

        for _ in range(2):  # unchanged and broken: still one alert
            self.observe(mta_sts_record_gone())
        self.assertEqual(len(mail.outbox), 2)

        outcome = self.observe(good_result())
        self.assertEqual(outcome.recovered, [])  # a fix is told once the re-check agrees
        self.assertEqual(len(mail.outbox), 2)
        outcome = self.observe(good_result(), kind="confirm")
        self.assertEqual(len(outcome.recovered), 2)
        self.assertEqual(len(mail.outbox), 4)
        self.assertIn("the latest checks no longer find these problems", mail.outbox[-1].body)
        self.observe(good_result())
        self.assertEqual(len(mail.outbox), 4)
        self.assertEqual(Notification.objects.filter(status=Notification.Status.SENT).count(), 4)

    def test_a_new_release_of_the_checks_raises_no_alert_of_its_own(self) -> None:
        self.observe(self.scored(100, version=1))
        stricter = set_status(self.scored(80, version=2), "SMTP-10", "fail")
        stricter["mechanisms"]["smtp"] = "fail"
        outcome = self.observe(stricter)  # the same domain, judged by new checks
        self.assertEqual((outcome.suspected, outcome.baseline_moved), ([], True))
        self.assertEqual(self.observe(stricter).suspected, [])
        # From then on, like is compared with like.
        worse = set_status(stricter, "SMTP-02", "fail")
        self.assertTrue(self.observe(worse).suspected)

    def test_a_flapping_check_is_told_once_and_fixed_once(self) -> None:
        self.observe(good_result())
        self.observe(mta_sts_record_gone())
        self.observe(mta_sts_record_gone(), kind="confirm")
        self.assertEqual(len(mail.outbox), 2)  # the alert, to alice and bob
        for _ in range(3):  # back, gone, back, gone…: no "fixed", no new alert
            self.assertEqual(self.observe(good_result()).recovered, [])
            self.assertEqual(self.observe(mta_sts_record_gone()).suspected, [])
        self.assertEqual(len(mail.outbox), 2)
        # Seen fixed: a re-check is scheduled, and it tells the fix.
        with (
            mock.patch("mailsec.alerts.tasks.schedule_confirmation") as schedule,
            self.captureOnCommitCallbacks(execute=True),
        ):
            AlertState.observe(self.run_with(good_result()))
        schedule.assert_called_once()
        self.assertEqual(len(self.observe(good_result(), kind="confirm").recovered), 2)
        self.assertEqual(len(mail.outbox), 4)

    def test_the_recheck_task_reprobes_suspected_and_recovering_changes_only(self) -> None:
        self.observe(good_result())
        (suspected,) = [
            c for c in self.observe(mta_sts_record_gone()).suspected if c.kind != "score"
        ]
        with mock.patch.object(Domain, "request_check", return_value=(None, True)) as check:
            self.assertEqual(confirm_change(str(suspected.code)), "requested")
            suspected.state = Change.State.CONFIRMED
            suspected.save()
            self.assertEqual(confirm_change(str(suspected.code)), "decided")  # nothing to do
            suspected.recovery_seen_at = timezone.now()
            suspected.save()
            self.assertEqual(confirm_change(str(suspected.code)), "requested")
        self.assertEqual([c.kwargs for c in check.call_args_list], [{"kind": "confirm"}] * 2)

    def test_the_sweep_gives_up_on_old_rechecks(self) -> None:
        # Re-checks that never manage to run are not asked for every 10 minutes for ever:
        # the next scheduled run decides the change.
        self.observe(good_result())
        self.observe(mta_sts_record_gone())  # suspected, its re-check lost
        Change.objects.update(created=timezone.now() - timedelta(hours=3))
        with mock.patch("mailsec.alerts.tasks.confirm_change.delay") as delay:
            sweep()
        delay.assert_not_called()

    def test_a_fix_the_recheck_cannot_test_waits_for_the_next_run(self) -> None:
        broken = set_status(good_result(), "SMTP-10", "fail")
        broken["mechanisms"]["smtp"] = "fail"
        self.observe(good_result())
        self.observe(broken)
        self.observe(broken, kind="confirm")
        self.observe(good_result())  # seen fixed once
        self.assertEqual(self.observe(smtp_unreachable(), kind="confirm").recovered, [])
        self.assertFalse(Change.objects.filter(recovery_seen_at__isnull=False).exists())
        with mock.patch("mailsec.alerts.tasks.confirm_change.delay") as delay:
            sweep()
        delay.assert_not_called()  # no re-probing every few minutes
        self.observe(good_result())
        self.assertTrue(self.observe(good_result(), kind="confirm").recovered)

    def test_the_sweep_reprobes_a_fix_whose_recheck_was_lost(self) -> None:
        self.observe(good_result())
        self.observe(mta_sts_record_gone())
        self.observe(mta_sts_record_gone(), kind="confirm")
        self.observe(good_result())  # seen fixed; its re-check task is lost
        recovering = Change.objects.filter(recovery_seen_at__isnull=False)
        self.assertEqual(recovering.count(), 2)
        with mock.patch("mailsec.alerts.tasks.confirm_change.delay") as delay:
            sweep()
        self.assertEqual(delay.call_count, 1)  # one re-probe for the domain
        self.assertIn(delay.call_args.args[0], {str(c.code) for c in recovering})

    def test_a_regression_gone_at_the_recheck_is_dismissed(self) -> None:
        self.observe(good_result())
        self.observe(mta_sts_record_gone())
        outcome = self.observe(good_result(), kind="confirm")
        self.assertEqual(len(outcome.dismissed), 2)
        self.assertEqual(len(mail.outbox), 0)

    def test_could_not_check_at_the_recheck_never_confirms(self) -> None:
        self.observe(good_result())
        broken = set_status(good_result(), "SMTP-10", "fail")
        broken["mechanisms"]["smtp"] = "fail"
        self.observe(broken)
        outcome = self.observe(smtp_unreachable(), kind="confirm")
        self.assertEqual(len(outcome.confirmed), 0)
        self.assertEqual({c.note for c in outcome.dismissed}, {"the re-check could not test it"})
        self.assertEqual(len(mail.outbox), 0)
        # The baseline did not move to the broken run: the next run finds it again, suspected
        # anew (its own re-check decides: s33h Z01, a flapping host seen fixed there, is no
        # alarm). Should that re-check not test it either, the two runs' word confirms it
        # (s36b Z36: re-checks that always time out had it never told).
        outcome = self.observe(broken)
        self.assertEqual((len(outcome.suspected), len(outcome.confirmed)), (2, 0))
        outcome = self.observe(smtp_unreachable(), kind="confirm")
        self.assertEqual((len(outcome.confirmed), len(outcome.dismissed)), (2, 0))

    def test_could_not_check_never_counts_as_fixed(self) -> None:
        self.observe(good_result())
        broken = set_status(good_result(), "SMTP-10", "fail")
        broken["mechanisms"]["smtp"] = "fail"
        self.observe(broken)
        self.observe(broken, kind="confirm")
        self.assertEqual(len(mail.outbox), 2)
        outcome = self.observe(smtp_unreachable())
        self.assertEqual(outcome.recovered, [])
        self.assertEqual(len(mail.outbox), 2)

    def test_the_recheck_waits_for_the_delay(self) -> None:
        self.observe(good_result())
        with override_settings(ALERT_CONFIRM_DELAY=600):
            self.observe(mta_sts_record_gone())
            outcome = self.observe(mta_sts_record_gone(), kind="manual")  # 1 min later
            self.assertEqual(outcome.confirmed, [])
            self.clock += timedelta(minutes=10)
            outcome = self.observe(mta_sts_record_gone(), kind="confirm")
            self.assertEqual(len(outcome.confirmed), 2)

    def test_a_certificate_is_told_once_per_threshold(self) -> None:
        not_after = (self.clock + timedelta(days=30, hours=12)).isoformat()
        self.observe(good_result(not_after=not_after))
        told = []
        for day in range(1, 30):  # a scheduled run and its re-check each day
            self.clock += timedelta(days=1) - timedelta(minutes=2)
            self.observe(good_result(not_after=not_after))
            told += [
                c.key for c in self.observe(good_result(not_after=not_after), "confirm").confirmed
            ]
            # 30.5 - day days left: 21 is crossed on day 10, 7 on day 24, 2 on day 29
            self.assertEqual(len(told), 2 * sum(day >= d for d in (10, 24, 29)), day)
        # One email per threshold (both certificates of the domain in each), none in between.
        self.assertEqual(len(mail.outbox), 3 * 2)
        self.assertIn("within the 21-day warning threshold", mail.outbox[0].body)
        self.assertIn("within the 2-day warning threshold", mail.outbox[-1].body)
        # Renewed: one recovery email (per person) covering every threshold told.
        renewed = good_result(not_after=(self.clock + timedelta(days=90)).isoformat())
        self.observe(renewed)
        outcome = self.observe(renewed, kind="confirm")
        self.assertEqual(len(outcome.recovered), 6)
        self.assertEqual(len(mail.outbox), 4 * 2)

    def test_settings_and_membership_pick_the_recipients(self) -> None:
        AlertSetting.set_mode(self.bob, self.domain, AlertSetting.Mode.OFF)
        AlertSetting.set_mode(self.alice, self.domain, AlertSetting.Mode.DIGEST)
        self.observe(good_result())
        self.observe(mta_sts_record_gone())
        self.observe(mta_sts_record_gone(), kind="confirm")
        self.assertEqual(len(mail.outbox), 0)

    def test_an_unverified_domain_alerts_nobody(self) -> None:
        Domain.objects.filter(pk=self.domain.pk).update(verified_at=None)
        self.observe(good_result())
        self.observe(mta_sts_record_gone())
        self.observe(mta_sts_record_gone(), kind="confirm")
        self.assertEqual(len(mail.outbox), 0)

    def test_a_failed_send_is_recorded_and_retried_by_the_sweep(self) -> None:
        self.observe(good_result())
        self.observe(mta_sts_record_gone())
        with override_settings(EMAIL_BACKEND="tests.test_alerts.FailingBackend"):
            self.observe(mta_sts_record_gone(), kind="confirm")
        failed = Notification.objects.filter(status=Notification.Status.FAILED)
        self.assertEqual(failed.count(), 2)
        self.assertIn("SMTPServerDisconnected: relay went away", failed[0].error)
        self.assertEqual(failed[0].attempts, 1)
        self.assertEqual(len(mail.outbox), 0)
        failed.update(next_attempt_at=timezone.now())
        with self.captureOnCommitCallbacks(execute=True):
            result = sweep.apply().get()
        self.assertEqual(result["resent"], 2)
        for n in Notification.objects.filter(status=Notification.Status.FAILED):
            send_notification.apply(args=[str(n.code)])
        self.assertEqual(len(mail.outbox), 2)
        self.assertEqual(Notification.objects.filter(status="sent").count(), 2)

    def test_the_sweep_reprobes_a_suspicion_whose_task_was_lost(self) -> None:
        self.observe(good_result())
        self.observe(mta_sts_record_gone())
        Change.objects.update(created=timezone.now() - timedelta(hours=1))
        with self.captureOnCommitCallbacks(execute=False):
            result = sweep.apply().get()
        self.assertEqual(result["reprobed"], 1)  # one re-probe per domain, not per change

    def test_the_email_carries_one_click_unsubscribe(self) -> None:
        self.observe(good_result())
        self.observe(mta_sts_record_gone())
        self.observe(mta_sts_record_gone(), kind="confirm")
        n = Notification.objects.get(user=self.alice)
        msg = message_from_string(build_message(n).message().as_string())
        self.assertEqual(msg["List-Unsubscribe-Post"], "List-Unsubscribe=One-Click")
        url = "".join(msg["List-Unsubscribe"].split()).strip("<>")  # unfolded
        self.assertTrue(url.startswith("https://mailsec.example/alerts/unsubscribe/"))
        self.assertEqual(msg["Auto-Submitted"], "auto-generated")
        self.assertEqual(
            " ".join(msg["Subject"].split()),
            "[mailsec] a.test: The MTA-STS record _mta-sts.a.test has disappeared (+1 more)",
        )
        html = mail.outbox[0].alternatives[0][0]
        self.assertIn("_mta-sts.a.test has disappeared", html)

    def test_a_change_of_another_apps_kind_is_emailed_too(self) -> None:
        change = Change.objects.create(
            domain=self.domain,
            kind="tlsrpt-new-type",
            key="tlsrpt-new-type:starttls-not-supported",
            summary="Senders report a new kind of TLS failure for a.test. More words.",
            fix="Offer STARTTLS.",
            state=Change.State.CONFIRMED,
            confirmed_at=timezone.now(),
        )
        with self.captureOnCommitCallbacks(execute=False):
            Notification.queue(self.domain, [change], Notification.Kind.ALERT)
        for n in Notification.objects.filter(status=Notification.Status.PENDING):
            send_notification.apply(args=[str(n.code)])
        self.assertEqual(len(mail.outbox), 2)
        self.assertEqual(
            mail.outbox[0].subject,
            "[mailsec] a.test: Senders report a new kind of TLS failure for a.test",
        )
        self.assertIn("Offer STARTTLS.", mail.outbox[0].body)
        # Raised by a report, not confirmed by a re-check: said as such, its advice a likely
        # cause, with the way to the domain's TLS reports.
        body = mail.outbox[0].body
        html = mail.outbox[0].alternatives[0][0]
        self.assertIn("Senders' TLS reports for a.test show a new problem:", body)
        self.assertNotIn("re-check", body)
        self.assertIn("  Likely cause:\n    Offer STARTTLS.", body)
        self.assertNotIn("How to fix it", body)
        address = ReportAddress.objects.get(domain=self.domain)
        dashboard = f"https://mailsec.example/tlsrpt/{address.token}/dashboard/"
        self.assertIn(f"TLS reports dashboard: {dashboard}", body)
        self.assertIn("Senders' TLS reports for <strong>a.test</strong> show", html)
        self.assertIn("Likely cause:", html)
        self.assertIn(f'href="{dashboard}"', html)

    def broken_certificate(self, result: dict[str, Any] | None = None) -> dict[str, Any]:
        broken = set_status(result or good_result(), "SMTP-10", "fail")
        broken["mechanisms"]["smtp"] = "fail"
        return broken

    def confirm(self, result: dict[str, Any]) -> None:
        self.observe(result)
        self.observe(result, kind="confirm")

    def test_renumbering_an_mx_raises_nothing_and_fixes_nothing(self) -> None:
        # The same broken certificate on a new address is the same problem: no second alert,
        # and no "fixed" email for the old address.
        self.observe(good_result())
        self.confirm(self.broken_certificate())
        told = len(mail.outbox)
        self.assertGreater(told, 0)
        moved = self.broken_certificate()
        for f in moved["findings"]:
            if f["mechanism"] == "smtp":
                f["subject"] = "mx1.a.test [127.0.0.77]"
        for _ in range(2):
            self.confirm(moved)
        self.assertEqual(len(mail.outbox), told)
        self.assertFalse(Change.objects.filter(state=Change.State.RECOVERED).exists())

    def test_a_fix_recovers_while_another_host_cannot_be_checked(self) -> None:
        # mx2 always answers 421 (error); mx1's certificate is fixed and seen passing.
        backup = finding("SMTP-01", "error", "smtp", "mx2.a.test [127.0.0.10]")
        good = good_result()
        good["findings"].append(backup)
        good["mechanisms"]["smtp"] = "error"
        self.observe(good)
        self.confirm(self.broken_certificate(good))
        told = len(mail.outbox)
        self.confirm(good)
        self.assertTrue(
            Change.objects.filter(check_id="SMTP-10", state=Change.State.RECOVERED).exists()
        )
        self.assertGreater(len(mail.outbox), told)
        self.assertIn("no longer find", mail.outbox[-1].body)

    def test_a_release_that_renames_a_finding_sends_no_fixed_email(self) -> None:
        broken = self.broken_certificate(self.scored(100))
        self.observe(self.scored(100))
        self.confirm(broken)
        told = len(mail.outbox)
        renamed = copy.deepcopy(broken)
        renamed["score_version"] = 2
        for f in renamed["findings"]:
            if f["id"] == "SMTP-10":
                f["subject"] = "mx1.a.test (all addresses)"
        self.confirm(renamed)
        self.assertEqual(len(mail.outbox), told)
        self.assertFalse(Change.objects.filter(state=Change.State.RECOVERED).exists())
        self.assertTrue(Change.objects.filter(note="the checks changed in this release").exists())

    def test_a_dkim_key_rotated_to_an_unguessed_selector_is_no_alert(self) -> None:
        found = good_result()
        found["mechanisms"]["dkim"] = "pass"
        found["findings"] += [
            finding("DKIM-01", "info", "dkim", "a.test", evidence={"found": ["google"]}),
            finding("DKIM-06", "pass", "dkim", "google._domainkey.a.test"),
        ]
        rotated = copy.deepcopy(found)
        rotated["mechanisms"]["dkim"] = "info"
        rotated["findings"] = [f for f in rotated["findings"] if f["mechanism"] != "dkim"]
        rotated["findings"].append(finding("DKIM-01", "info", "dkim", "a.test"))
        self.observe(found)
        self.confirm(rotated)
        self.assertEqual(len(mail.outbox), 0)
        # A key missing at a selector the owner gave is known: that is a removal.
        given = copy.deepcopy(rotated)
        given["findings"][-1]["evidence"] = {"given_without_key": ["s1"]}
        self.observe(found)
        self.confirm(given)
        self.assertTrue(Change.objects.filter(key="mechanism:dkim").exists())

    def test_a_domain_that_stops_receiving_mail_is_not_told_it_is_fixed(self) -> None:
        self.observe(good_result())
        self.confirm(mta_sts_record_gone())
        told = len(mail.outbox)
        null_mx = {
            "score": 90,
            "mechanisms": {"mx": "info", "mta-sts": "na", "tls-rpt": "na", "smtp": "na"},
            "findings": [
                finding("MX-03", "info", "mx", "a.test"),
                finding("MTASTS-01", "na", "mta-sts", "_mta-sts.a.test"),
                finding("TLSRPT-01", "na", "tls-rpt", "_smtp._tls.a.test"),
                finding("SMTP-01", "na", "smtp", "a.test"),
            ],
        }
        self.confirm(null_mx)
        self.assertEqual(len(mail.outbox), told)
        gone = Change.objects.get(kind="record-gone")
        self.assertEqual(gone.state, Change.State.DISMISSED)
        self.assertIn("receives no mail", gone.note)
        self.assertEqual(rules.moot_reason(snap(good_result())), "no longer applies to this domain")
        self.assertFalse(Change.objects.filter(state=Change.State.RECOVERED).exists())

    def test_a_partial_fix_names_what_is_still_open(self) -> None:
        self.observe(good_result())
        both = set_status(self.broken_certificate(), "SMTP-02", "fail")
        self.confirm(both)
        told = len(mail.outbox)
        self.confirm(set_status(both, "SMTP-02", "pass"))
        body = mail.outbox[told].body
        self.assertIn("no longer find this problem", body)
        self.assertNotIn("is fixed", body)
        self.assertIn("Still open:", body)
        self.assertIn("STARTTLS on the MX hosts was good", body.split("Still open:")[1])

    def test_the_migration_keys_stored_changes_by_host(self) -> None:
        migration = importlib.import_module("mailsec.alerts.migrations.0005_change_keys_name_hosts")
        open_ = {"domain": self.domain, "kind": "finding", "state": Change.State.CONFIRMED}
        first = Change.objects.create(key="finding:SMTP-10|mx1.a.test [127.0.0.9]", **open_)
        second = Change.objects.create(key="finding:SMTP-10|mx1.a.test [2001:db8::9]", **open_)
        cert = Change.objects.create(
            domain=self.domain,
            kind="cert-expiry",
            key=f"cert-expiry:mx1.a.test [127.0.0.9]|{NOT_AFTER}|7",
            state=Change.State.RECOVERED,
        )
        migration.rename(django_apps, None)
        first.refresh_from_db(), second.refresh_from_db(), cert.refresh_from_db()
        self.assertEqual(first.key, "finding:SMTP-10|mx1.a.test")
        self.assertEqual(first.state, Change.State.CONFIRMED)
        self.assertEqual((second.key, second.state), (first.key, Change.State.DISMISSED))
        self.assertEqual(cert.key, f"cert-expiry:mx1.a.test|{NOT_AFTER}|7")


class FailingBackend(BaseEmailBackend):
    def send_messages(self, email_messages: Any) -> int:
        import smtplib

        raise smtplib.SMTPServerDisconnected("relay went away")


@override_settings(
    EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    SITE_ROOT="https://mailsec.example",
)
class SendingTestCase(BaseTestCase):
    """What happens around the send itself: the mail server accepted it, or a worker died."""

    def setUp(self) -> None:
        self.domain = Domain.objects.create(
            team=self.team, name="a.test", verified_at=timezone.now()
        )
        change = Change.objects.create(
            domain=self.domain,
            kind="score",
            key="score:",
            summary="The score dropped.",
            state=Change.State.CONFIRMED,
            confirmed_at=timezone.now(),
        )
        self.n = Notification.objects.create(
            user=self.alice, domain=self.domain, kind="alert", to_address=self.alice.email
        )
        self.n.changes.set([change])

    def sweep_later(self) -> dict[str, int]:
        """The sweep an hour on, running whatever it queues at once."""
        later = timezone.now() + timedelta(hours=1)
        with (
            mock.patch("django.utils.timezone.now", return_value=later),
            mock.patch.object(
                send_notification,
                "delay",
                side_effect=lambda code: send_notification.apply(args=[code]),
            ),
        ):
            return sweep.apply().get()

    def test_it_does_not_send_again_when_recording_the_send_fails(self) -> None:
        real = Notification.mark_sent
        calls: list[str] = []

        def locked_once(n: Notification, subject: str) -> bool:
            calls.append(subject)
            if len(calls) == 1:
                raise OperationalError("database is locked")
            return real(n, subject)

        with (
            mock.patch.object(Notification, "mark_sent", locked_once),
            mock.patch("mailsec.alerts.tasks.RECORD_SENT_PAUSES", (0, 0, 0), create=True),
        ):
            self.assertEqual(send_notification.apply(args=[str(self.n.code)]).get(), "sent")
        self.n.refresh_from_db()
        self.assertEqual((self.n.status, self.n.attempts), ("sent", 1))
        self.sweep_later()
        self.assertEqual(len(mail.outbox), 1)

    def test_a_send_that_could_not_be_recorded_is_not_sent_again(self) -> None:
        with (
            mock.patch.object(
                Notification, "mark_sent", side_effect=OperationalError("database is locked")
            ),
            mock.patch("mailsec.alerts.tasks.RECORD_SENT_PAUSES", (0, 0, 0), create=True),
        ):
            send_notification.apply(args=[str(self.n.code)])
        self.assertEqual(len(mail.outbox), 1)
        self.assertEqual(self.sweep_later()["resent"], 0)
        self.n.refresh_from_db()
        self.assertEqual((self.n.status, self.n.next_attempt_at), ("failed", None))
        self.assertIn("may have been sent", self.n.error)
        self.assertEqual(len(mail.outbox), 1)
        # The bookkeeping task, late, still records the send.
        send_notification.apply(args=[str(self.n.code)], kwargs={"sent_subject": "s", "attempt": 1})
        self.n.refresh_from_db()
        self.assertEqual((self.n.status, self.n.error), ("sent", ""))
        self.assertEqual(len(mail.outbox), 1)

    def test_a_worker_that_died_before_sending_is_tried_again(self) -> None:
        self.assertTrue(self.n.claim())  # and then the worker was killed
        Notification.objects.filter(pk=self.n.pk).update(
            claimed_at=timezone.now() - timedelta(hours=1)
        )
        self.assertEqual(self.sweep_later()["released"], 1)
        self.n.refresh_from_db()
        self.assertEqual((self.n.status, self.n.attempts), ("sent", 2))
        self.assertEqual(len(mail.outbox), 1)

    def test_a_worker_that_keeps_dying_is_given_up_after_the_last_attempt(self) -> None:
        for _ in range(MAX_SEND_ATTEMPTS):
            self.assertTrue(self.n.claim())  # and then the worker was killed, every time
            Notification.objects.filter(pk=self.n.pk).update(
                claimed_at=timezone.now() - timedelta(hours=1)
            )
            Notification.release_stuck(timezone.now())
        self.n.refresh_from_db()
        self.assertEqual((self.n.status, self.n.next_attempt_at), ("failed", None))
        self.assertIn("gave up", self.n.error)
        self.assertFalse(Notification.due_for_retry(timezone.now()).exists())
        self.assertEqual(self.sweep_later()["resent"], 0)
        self.assertEqual(len(mail.outbox), 0)


# --- unsubscribe, digest, pages -------------------------------------------------------------


@override_settings(SITE_ROOT="https://mailsec.example")
class UnsubscribeTestCase(BaseTestCase):
    def setUp(self) -> None:
        self.domain = Domain.objects.create(
            team=self.team, name="a.test", verified_at=timezone.now()
        )
        self.other = Domain.objects.create(
            team=self.team, name="b.test", verified_at=timezone.now()
        )
        self.path = unsubscribe_url(self.alice, self.domain).removeprefix("https://mailsec.example")
        # Mail clients send no CSRF token: the view must work with checks enforced.
        self.client = Client(enforce_csrf_checks=True)

    def test_a_get_only_shows_a_button(self) -> None:
        r = self.client.get(self.path)
        self.assertContains(r, "Unsubscribe</button>")
        self.assertEqual(AlertSetting.mode_for(self.alice, self.domain), "immediate")

    def test_the_one_click_post_turns_that_domain_off(self) -> None:
        r = self.client.post(self.path, {"List-Unsubscribe": "One-Click"})
        self.assertContains(r, "Unsubscribed")
        self.assertEqual(AlertSetting.mode_for(self.alice, self.domain), "off")
        self.assertEqual(AlertSetting.mode_for(self.alice, self.other), "immediate")
        self.assertEqual(AlertSetting.mode_for(self.bob, self.domain), "immediate")

    def test_a_tampered_token_changes_nothing(self) -> None:
        r = self.client.post(self.path[:-3] + "xx/")
        self.assertEqual(r.status_code, 400)
        self.assertFalse(AlertSetting.objects.exists())

    def test_the_digest_link_turns_every_domain_off(self) -> None:
        path = unsubscribe_url(self.alice, None).removeprefix("https://mailsec.example")
        self.client.post(path)
        self.assertEqual(AlertSetting.mode_for(self.alice, self.domain), "off")
        self.assertEqual(AlertSetting.mode_for(self.alice, self.other), "off")

    def test_unsubscribing_from_all_holds_for_domains_added_later(self) -> None:
        path = unsubscribe_url(self.alice, None).removeprefix("https://mailsec.example")
        self.client.post(path)
        later = Domain.objects.create(team=self.team, name="c.test", verified_at=timezone.now())
        self.assertNotIn(self.alice, recipients(later, AlertSetting.Mode.IMMEDIATE))
        self.assertIn(self.bob, recipients(later, AlertSetting.Mode.IMMEDIATE))
        # Choosing a setting again on the alerts page is speaking again.
        signed_in = Client()
        signed_in.force_login(self.alice)
        self.assertContains(signed_in.get("/alerts/"), "You unsubscribed from all alert emails")
        # Choosing a domain's setting again gets that domain's emails, and only those.
        signed_in.post(f"/alerts/{later.code}/", {"mode": "immediate"})
        self.assertIn(self.alice, recipients(later, AlertSetting.Mode.IMMEDIATE))
        another = Domain.objects.create(team=self.team, name="d.test", verified_at=timezone.now())
        self.assertNotIn(self.alice, recipients(another, AlertSetting.Mode.IMMEDIATE))
        self.assertEqual(
            AlertSetting.mode_for(self.alice, another), "off"
        )  # what still_wanted reads

    def test_the_token_names_a_random_id_not_the_sequential_user_id(self) -> None:
        token = self.path.rstrip("/").rsplit("/", 1)[1]
        payload = signing.loads(token, salt=UNSUBSCRIBE_SALT)
        self.assertEqual(set(payload), {"r", "d"})
        public_id = AlertRecipient.objects.get(user=self.alice).public_id
        self.assertEqual(payload["r"], public_id)
        self.assertGreaterEqual(len(public_id), 20)
        self.assertNotIn(str(self.alice.pk), {str(v) for v in payload.values()})
        # The readable part of the token (signed, not encrypted) carries no user id either.
        decoded = signing.b64_decode(token.split(":")[0].encode()).decode()
        self.assertNotIn('"u"', decoded)
        self.assertNotIn(
            str(self.alice.pk), decoded.replace(public_id, "").replace(str(self.domain.code), "")
        )
        # One id per person, reused: every email of theirs names the same one.
        digest_token = unsubscribe_url(self.alice, None).rstrip("/").rsplit("/", 1)[1]
        self.assertEqual(signing.loads(digest_token, salt=UNSUBSCRIBE_SALT)["r"], public_id)
        self.assertEqual(AlertRecipient.objects.count(), 1)
        self.assertNotEqual(
            AlertRecipient.public_id_for(self.bob), AlertRecipient.public_id_for(self.alice)
        )

    def test_links_from_before_public_ids_still_work(self) -> None:
        old = signing.dumps({"u": self.alice.pk, "d": str(self.domain.code)}, salt=UNSUBSCRIBE_SALT)
        r = self.client.post(f"/alerts/unsubscribe/{old}/")
        self.assertContains(r, "Unsubscribed")
        self.assertEqual(AlertSetting.mode_for(self.alice, self.domain), "off")

    def test_an_unknown_public_id_changes_nothing(self) -> None:
        token = signing.dumps({"r": "nobody", "d": ALL_DOMAINS}, salt=UNSUBSCRIBE_SALT)
        self.assertEqual(self.client.post(f"/alerts/unsubscribe/{token}/").status_code, 400)
        self.assertFalse(AlertSetting.objects.exists())


def todays_digest_hour() -> datetime:
    """Today's ALERT_DIGEST_HOUR in UTC (a team's extra address's zone, and a person's who
    chose none). A digest tells what was confirmed or fixed up to its hour: a change before
    it is in today's digest, one after it (as one confirmed at the real clock's now) in
    tomorrow's (send_digests_tomorrow)."""
    return digest_hour_of(timezone.now().date(), UTC)


def send_digests_tomorrow() -> int:
    """The hourly digest task run at 17 past tomorrow's ALERT_DIGEST_HOUR (UTC): the digest
    that tells what was confirmed today after the hour."""
    at = digest_hour_of(timezone.now().date() + timedelta(days=1), UTC) + timedelta(minutes=17)
    with mock.patch("django.utils.timezone.now", return_value=at):
        return send_digests.apply().get()


@override_settings(
    EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    SITE_ROOT="https://mailsec.example",
    ALERT_DIGEST_HOUR=0,
)
class DigestTestCase(BaseTestCase):
    def test_a_tls_report_problem_that_stops_is_in_the_digest(self) -> None:
        # Problems seen in reports that reports stop showing are told as "no longer
        # reported" (tests/test_reports_s12_recovery.py has the whole way there).
        a = Domain.objects.create(team=self.team, name="a.test", verified_at=timezone.now())
        AlertSetting.set_mode(self.alice, a, AlertSetting.Mode.DIGEST)
        now = timezone.now()
        change = Change.objects.create(
            domain=a,
            kind="tlsrpt-new-type",
            key="tlsrpt-new-type:certificate-expired",
            summary="New TLS failure reported.",
            state=Change.State.RECOVERED,
            confirmed_at=now - timedelta(days=8),
            recovered_at=now - timedelta(hours=2),
        )
        confirmed, recovered = Notification.digest_events(self.alice, now - timedelta(days=1), now)
        self.assertEqual((confirmed, recovered), ([], [change]))

    def test_it_sends_one_digest_a_day_with_what_was_confirmed_and_fixed(self) -> None:
        a = Domain.objects.create(team=self.team, name="a.test", verified_at=timezone.now())
        b = Domain.objects.create(team=self.team, name="b.test", verified_at=timezone.now())
        AlertSetting.set_mode(self.alice, a, AlertSetting.Mode.DIGEST)
        AlertSetting.set_mode(self.alice, b, AlertSetting.Mode.DIGEST)
        hour = todays_digest_hour()  # what came before it is in today's digest
        Change.objects.create(
            domain=a,
            kind="record-gone",
            key="record-gone:tls-rpt",
            summary="The TLS-RPT record _smtp._tls.a.test has disappeared.",
            fix='Publish it again:\n_smtp._tls.a.test. TXT "v=TLSRPTv1; rua=mailto:r@a.test"',
            state=Change.State.CONFIRMED,
            confirmed_at=hour - timedelta(hours=3),
        )
        fixed = Change.objects.create(
            domain=b,
            kind="score",
            key="score:",
            summary="The score dropped from 90 to 60.",
            state=Change.State.RECOVERED,
            confirmed_at=hour - timedelta(days=3),
            recovered_at=hour - timedelta(hours=2),
        )
        # Alice was told of it (an alert then): only that makes it "fixed" for her.
        alert = Notification.objects.create(user=self.alice, domain=b, kind="alert", status="sent")
        alert.changes.add(fixed)
        Change.objects.create(
            domain=b, kind="score", key="score:", summary="Still suspected.", state="suspected"
        )
        self.assertEqual(send_digests.apply().get(), 1)
        for n in Notification.objects.filter(kind="digest", status="pending"):
            send_notification.apply(args=[str(n.code)])
        self.assertEqual(len(mail.outbox), 1)
        digest = mail.outbox[0]
        self.assertEqual(digest.to, ["alice@example.org"])
        self.assertEqual(
            digest.subject, "[mailsec] Daily digest: 2 changes on a.test and 1 other domain"
        )
        self.assertIn("New problems (confirmed by a later check):", digest.body)
        self.assertIn("_smtp._tls.a.test has disappeared", digest.body)
        # A fix of several lines keeps them (policy files, numbered steps).
        self.assertIn('\n      _smtp._tls.a.test. TXT "v=TLSRPTv1', digest.body)
        self.assertIn("<pre", digest.alternatives[0][0])
        self.assertIn("Fixed: The score dropped from 90 to 60.", digest.body)
        self.assertNotIn("Still suspected", digest.body)
        self.assertEqual(
            digest.extra_headers["List-Unsubscribe-Post"], "List-Unsubscribe=One-Click"
        )
        # bob has no digest domains; a second tick the same day sends nothing.
        self.assertEqual(send_digests.apply().get(), 0)
        self.assertEqual(len(mail.outbox), 1)

    def test_a_digest_queued_before_an_unsubscribe_is_not_sent(self) -> None:
        a = Domain.objects.create(team=self.team, name="a.test", verified_at=timezone.now())
        AlertSetting.set_mode(self.alice, a, AlertSetting.Mode.DIGEST)
        Change.objects.create(
            domain=a,
            kind="score",
            key="score:",
            summary="The score dropped from 90 to 60.",
            state=Change.State.CONFIRMED,
            confirmed_at=todays_digest_hour() - timedelta(hours=1),
        )
        b = Domain.objects.create(team=self.team, name="b.test", verified_at=timezone.now())
        AlertSetting.set_mode(self.alice, b, AlertSetting.Mode.DIGEST)  # still on digest
        self.assertEqual(send_digests.apply().get(), 1)
        AlertSetting.set_mode(self.alice, a, AlertSetting.Mode.OFF)  # a's unsubscribe link
        for n in Notification.objects.filter(kind="digest", status="pending"):
            send_notification.apply(args=[str(n.code)])
        self.assertEqual(len(mail.outbox), 0)
        self.assertEqual(Notification.objects.get(kind="digest").status, "skipped")

    def test_a_digest_names_only_the_domains_its_reader_still_belongs_to(self) -> None:
        from mailsec.accounts.models import Membership

        mine = Domain.objects.create(team=self.team, name="a.test", verified_at=timezone.now())
        theirs = Domain.objects.create(
            team=self.charlies_team, name="c.test", verified_at=timezone.now()
        )
        Membership.objects.create(team=self.charlies_team, user=self.bob)
        for domain in (mine, theirs):
            AlertSetting.set_mode(self.bob, domain, AlertSetting.Mode.DIGEST)
            Change.objects.create(
                domain=domain,
                kind="score",
                key="score:",
                summary=f"The score of {domain.name} dropped from 90 to 60.",
                state=Change.State.CONFIRMED,
                confirmed_at=todays_digest_hour() - timedelta(hours=1),
            )
        self.assertEqual(send_digests.apply().get(), 1)
        self.charlies_team.memberships.filter(user=self.bob).delete()  # bob leaves c.test's team
        for n in Notification.objects.filter(kind="digest", status="pending"):
            send_notification.apply(args=[str(n.code)])
        [digest] = mail.outbox
        self.assertIn("The score of a.test dropped", digest.body)
        self.assertNotIn("c.test", digest.body)
        self.assertEqual(digest.subject, "[mailsec] Daily digest: 1 change on a.test")

    def test_a_digest_queued_before_leaving_the_team_is_not_sent(self) -> None:
        a = Domain.objects.create(team=self.team, name="a.test", verified_at=timezone.now())
        AlertSetting.set_mode(self.bob, a, AlertSetting.Mode.DIGEST)
        Change.objects.create(
            domain=a,
            kind="score",
            key="score:",
            summary="The score dropped from 90 to 60.",
            state=Change.State.CONFIRMED,
            confirmed_at=todays_digest_hour() - timedelta(hours=1),
        )
        self.assertEqual(send_digests.apply().get(), 1)
        self.team.memberships.filter(user=self.bob).delete()  # bob is removed
        for n in Notification.objects.filter(kind="digest", status="pending"):
            send_notification.apply(args=[str(n.code)])
        self.assertEqual(len(mail.outbox), 0)
        self.assertEqual(Notification.objects.get(kind="digest").status, "skipped")

    def test_a_digest_leaves_out_a_domain_no_longer_verified(self) -> None:
        kept = Domain.objects.create(team=self.team, name="a.test", verified_at=timezone.now())
        lost = Domain.objects.create(team=self.team, name="b.test", verified_at=timezone.now())
        for domain in (kept, lost):
            AlertSetting.set_mode(self.alice, domain, AlertSetting.Mode.DIGEST)
            Change.objects.create(
                domain=domain,
                kind="score",
                key="score:",
                summary=f"The score of {domain.name} dropped from 90 to 60.",
                state=Change.State.CONFIRMED,
                confirmed_at=todays_digest_hour() - timedelta(hours=1),
            )
        self.assertEqual(send_digests.apply().get(), 1)
        Domain.objects.filter(pk=lost.pk).update(verified_at=None)  # control lost since
        for n in Notification.objects.filter(kind="digest", status="pending"):
            send_notification.apply(args=[str(n.code)])
        [digest] = mail.outbox
        self.assertIn("The score of a.test dropped", digest.body)
        self.assertNotIn("b.test", digest.body)
        self.assertEqual(digest.subject, "[mailsec] Daily digest: 1 change on a.test")

    @override_settings(ALERT_DIGEST_HOUR=0)
    def test_the_changes_of_a_digest_given_up_go_into_the_next_one(self) -> None:
        a = Domain.objects.create(team=self.team, name="a.test", verified_at=timezone.now())
        AlertSetting.set_mode(self.alice, a, AlertSetting.Mode.DIGEST)
        yesterday = timezone.now() - timedelta(days=1)
        Change.objects.create(
            domain=a,
            kind="score",
            key="score:",
            summary="The score dropped from 90 to 60.",
            state=Change.State.CONFIRMED,
            # Before yesterday's digest hour: yesterday's digest tells it.
            confirmed_at=todays_digest_hour() - timedelta(days=1, hours=1),
        )
        with mock.patch("django.utils.timezone.now", return_value=yesterday):
            self.assertEqual(send_digests.apply().get(), 1)
        first = Notification.objects.get(kind="digest")
        with override_settings(EMAIL_BACKEND="tests.test_alerts.FailingBackend"):
            for _ in range(MAX_SEND_ATTEMPTS):
                send_notification.apply(args=[str(first.code)])
        first.refresh_from_db()
        self.assertEqual((first.status, first.next_attempt_at), ("failed", None))  # given up
        self.assertEqual(send_digests.apply().get(), 1)
        today = Notification.objects.exclude(pk=first.pk).get(kind="digest")
        send_notification.apply(args=[str(today.code)])
        self.assertEqual(len(mail.outbox), 1)
        self.assertIn("The score dropped from 90 to 60.", mail.outbox[0].body)


@override_settings(
    EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    SITE_ROOT="https://mailsec.example",
    ALERT_DIGEST_HOUR=0,
)
class ReportsDigestTestCase(BaseTestCase):
    def test_a_problem_from_tls_reports_is_not_said_to_be_confirmed_by_a_re_check(self) -> None:
        a = Domain.objects.create(team=self.team, name="a.test", verified_at=timezone.now())
        AlertSetting.set_mode(self.alice, a, AlertSetting.Mode.DIGEST)
        address = ReportAddress.for_domain(a)
        Change.objects.create(
            domain=a,
            kind="tlsrpt-new-type",
            key="tlsrpt-new-type:certificate-expired",
            subject="certificate-expired",
            summary="New TLS failure reported for a.test: certificate-expired.",
            fix="Certificate renewal failed.",
            state=Change.State.CONFIRMED,
            confirmed_at=todays_digest_hour() - timedelta(hours=3),
        )
        self.assertEqual(send_digests.apply().get(), 1)
        for n in Notification.objects.filter(kind="digest", status="pending"):
            send_notification.apply(args=[str(n.code)])
        body = mail.outbox[0].body
        self.assertIn("New problems:", body)
        self.assertNotIn("re-check", body)
        self.assertIn("* In senders' TLS reports: New TLS failure reported for a.test", body)
        self.assertIn("    Likely cause:\n      Certificate renewal failed.", body)
        dashboard = f"https://mailsec.example/tlsrpt/{address.token}/dashboard/"
        self.assertIn(f"TLS reports dashboard: {dashboard}", body)
        self.assertIn(f'href="{dashboard}"', mail.outbox[0].alternatives[0][0])


class SettingsPageTestCase(BaseTestCase):
    def setUp(self) -> None:
        self.domain = Domain.objects.create(
            team=self.team, name="a.test", verified_at=timezone.now()
        )

    def test_it_lists_the_teams_domains(self) -> None:
        self.client.force_login(self.bob)
        r = self.client.get(reverse("alerts:settings"))
        self.assertContains(r, "a.test")

    def test_it_sets_a_mode_for_the_signed_in_person_only(self) -> None:
        self.client.force_login(self.bob)
        r = self.client.post(
            reverse("alerts:set_mode", args=[self.domain.code]), {"mode": "digest"}
        )
        self.assertRedirects(r, reverse("alerts:settings") + f"#alerts-{self.domain.code}")
        self.assertEqual(AlertSetting.mode_for(self.bob, self.domain), "digest")
        self.assertEqual(AlertSetting.mode_for(self.alice, self.domain), "immediate")

    def test_it_returns_only_to_a_page_of_ours(self) -> None:
        self.client.force_login(self.bob)
        url = reverse("alerts:set_mode", args=[self.domain.code])
        back = reverse("domains:details", args=[self.domain.code])
        r = self.client.post(url, {"mode": "digest", "next": back})
        self.assertRedirects(r, back, fetch_redirect_response=False)
        # A bare word is no path (redirect() would look it up as a view name: a 500).
        for elsewhere in ("https://evil.example/", "//evil.example/", "/\\evil.example", "foo"):
            r = self.client.post(url, {"mode": "off", "next": elsewhere})
            self.assertRedirects(r, reverse("alerts:settings") + f"#alerts-{self.domain.code}")

    def test_it_checks_ownership(self) -> None:
        self.client.force_login(self.charlie)
        r = self.client.post(reverse("alerts:set_mode", args=[self.domain.code]), {"mode": "off"})
        self.assertEqual(r.status_code, 404)
        self.assertNotContains(self.client.get(reverse("alerts:settings")), "a.test")
        self.assertFalse(AlertSetting.objects.exists())

    def test_it_says_which_problems_are_emailed_and_how(self) -> None:
        self.client.force_login(self.bob)
        r = self.client.get(reverse("alerts:settings"))
        text = " ".join(r.content.decode().split())
        self.assertIn(
            "Problems senders' TLS reports show are emailed when they are reported, and again "
            "once the reports of 7 days with mail no longer show them (for a domain that gets "
            "little mail, that can take weeks or months).",
            text.replace("&#x27;", "'"),
        )
        self.assertIn(
            "A check we could not make on our side (our timeout, a DNS failure) never raises an "
            "alert. A mail server that refuses connections does.",
            text,
        )
        self.assertNotIn("refused connection) never", text)

    def test_the_domain_page_links_to_alert_settings(self) -> None:
        self.client.force_login(self.alice)
        r = self.client.get(reverse("domains:details", args=[self.domain.code]))
        self.assertContains(r, reverse("alerts:settings"))
        text = " ".join(r.content.decode().replace("&#x27;", "'").split())
        self.assertIn(
            "Problems senders' TLS reports show are emailed when they are reported, and again "
            "once the reports of 7 days with mail no longer show them (for a domain that gets "
            "little mail, that can take weeks or months).",
            text,
        )
