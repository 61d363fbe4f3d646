"""s35o: while our own resolver is down (or does not validate), the alerts it would cause wait.

A resolver that says NXDOMAIN for every name makes every domain "no longer exist", and the
re-probe that confirms a change goes through the same resolver: without a hold every customer
would get a false "your domain disappeared" email. While the latest vantage self-check
(mailsec.tasks.check_vantage) says the resolver is down or does not validate, a run is not
compared at all: nothing is raised, confirmed, dismissed or seen fixed, and the baseline stays.
Suspicions wait and are decided by the first run once the resolver is well again.

The runs are the engine's own output: through a real DNS server on a loopback port that answers
NXDOMAIN for every name (tests.test_domains.stub_dns), by the check task itself, with the
vantage result the periodic task made through that server; and the in-memory DNS reports of
tests/test_alerts_s19y_nxdomain.py, observed as the worker observes them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from unittest import mock

from django.core import mail
from django.test import override_settings
from django.utils import timezone

from checks.vantage import Answer, ResolverAnswer, VantageResult, VantageTargets, Verdict
from mailsec.alerts.models import AlertState, Change, Notification, Outcome
from mailsec.alerts.tasks import send_notification
from mailsec.domains.models import CheckRun, Domain
from mailsec.domains.tasks import run_check
from mailsec.tasks import check_vantage, forget_vantage, keep_vantage
from tests.conftest import BaseTestCase
from tests.test_alerts_s19y_nxdomain import NAME, exists, gone
from tests.test_domains import stub_dns
from tests.test_vantage_s36o import canary_dns


def _vantage(resolver: Verdict, port25: Verdict = Verdict.NOT_TESTED) -> VantageResult:
    return VantageResult(
        checked_at="2026-12-03T10:00:00+00:00",
        resolvers=[ResolverAnswer(resolver, "words", resolver="192.0.2.53:53")],
        port25=Answer(port25, "words"),
    ).carry_over(None)


def _failing_dmarc(report: dict[str, Any]) -> dict[str, Any]:
    broken = {**report, "findings": [dict(f) for f in report["findings"]]}
    for f in broken["findings"]:
        if f["id"] == "DMARC-01":
            f["status"] = "fail"
    return broken


def _with_mechanism(report: dict[str, Any], mechanism: str, verdict: str) -> dict[str, Any]:
    return {**report, "mechanisms": {**report["mechanisms"], mechanism: verdict}}


@override_settings(MAILSEC_VANTAGE=VantageTargets())
@override_settings(SITE_ROOT="https://mailsec.example")
class HeldWhileOurResolverIsDownTestCase(BaseTestCase):
    def setUp(self) -> None:
        self.domain = Domain.objects.create(team=self.team, name=NAME, verified_at=timezone.now())
        self.clock = timezone.now() - timedelta(hours=2)
        self.addCleanup(forget_vantage)

    def observe(self, report: dict[str, Any], kind: str = "scheduled") -> Outcome:
        """Store a run as the check task does, observe it, and send what it queued (as
        tests/test_alerts_s19y_nxdomain.py does)."""
        self.clock += timedelta(minutes=15)
        run = CheckRun.objects.create(
            domain=self.domain, kind=kind, status=CheckRun.Status.RUNNING, created=self.clock
        )
        run.finish(report)
        with self.captureOnCommitCallbacks(execute=False):
            outcome = AlertState.observe(run)
        for n in Notification.objects.filter(status=Notification.Status.PENDING):
            send_notification.apply(args=[str(n.code)])
        return outcome

    def mails(self) -> list[tuple[str, str, str]]:
        sent = [(m.to[0], m.subject, m.body) for m in mail.outbox]
        mail.outbox.clear()
        return sent

    def keep(self, result: VantageResult | None) -> None:
        if result is None:
            forget_vantage()
        else:
            keep_vantage(result)  # this machine's: the one doing the checks (s36o)

    def checked(self, kind: str) -> CheckRun:
        """The check task's own run of the domain (through MAILSEC_RESOLVER, stub_dns's)."""
        run, _ = self.domain.request_check(kind=kind)
        # The progress the page watches is saved from threads of their own, whose connections
        # wait on this test's open transaction (SQLite): not what is tested here.
        with (
            mock.patch("mailsec.domains.tasks._save_progress"),
            self.captureOnCommitCallbacks(execute=False),
        ):
            self.assertEqual(run_check(str(run.code)), CheckRun.Status.DONE)
        run.refresh_from_db()
        return run

    def test_a_resolver_that_says_nxdomain_for_everything_makes_no_disappeared_alert(
        self,
    ) -> None:
        here = exists()
        self.observe(here)
        self.observe(here)
        baseline_run = AlertState.objects.get(domain=self.domain).baseline_run
        with stub_dns({}):  # NXDOMAIN for every name, isc.org's too
            vantage = check_vantage()  # the periodic task, through the same resolver
            self.assertEqual(vantage["resolvers"][0]["verdict"], "down")
            for kind in ("scheduled", "confirm"):
                run = self.checked(kind)
                self.assertIsNone(run.score)  # the engine read the name as gone
                self.assertTrue(
                    any("NXDOMAIN" in f.get("summary", "") for f in run.findings), run.findings
                )
        self.assertFalse(Change.objects.filter(domain=self.domain).exists())
        self.assertFalse(Notification.objects.exists())
        self.assertEqual(self.mails(), [])
        state = AlertState.objects.get(domain=self.domain)
        self.assertEqual(state.baseline_run, baseline_run)

        # Well again: the domain is there as before, nothing to tell.
        self.keep(_vantage(Verdict.OK))
        outcome = self.observe(here)
        self.assertFalse(outcome.held)
        self.assertEqual(outcome.suspected, [])
        self.assertEqual(self.mails(), [])

    def test_the_same_run_is_a_suspicion_when_our_resolver_is_well(self) -> None:
        # The control: a resolver that answers the self-check's canary and the root zone,
        # validated (s36o: the run asks them itself when it reads the name as gone), says
        # NXDOMAIN for the domain: the run above is a suspected change.
        self.observe(exists())
        well = {"isc.org": "ad", ".": "ad", "dnssec-failed.org": "servfail"}
        with (
            canary_dns(well) as address,
            mock.patch.dict("os.environ", {"MAILSEC_RESOLVER": address}),
        ):
            run = self.checked("scheduled")
        self.assertEqual(
            list(Change.objects.filter(first_seen_run=run).values_list("key", "state")),
            [("record-gone:name", Change.State.SUSPECTED)],
        )

    def test_a_suspicion_waits_and_the_first_run_after_the_outage_decides_it(self) -> None:
        here = exists()
        broken = _failing_dmarc(here)
        self.observe(here)
        self.observe(here)
        [suspected] = self.observe(broken).suspected  # a real problem, seen before the outage
        self.keep(_vantage(Verdict.DOWN))
        outcome = self.observe(gone(), kind="confirm")  # the re-probe, through the liar
        self.assertTrue(outcome.held)
        suspected.refresh_from_db()
        self.assertEqual(suspected.state, Change.State.SUSPECTED)
        self.assertEqual(Change.objects.filter(domain=self.domain).count(), 1)
        self.assertEqual(self.mails(), [])

        self.keep(_vantage(Verdict.OK))
        outcome = self.observe(broken)  # the next run once the resolver is well: it decides
        self.assertEqual([c.pk for c in outcome.confirmed], [suspected.pk])
        sent = self.mails()
        self.assertEqual(sorted(to for to, _, _ in sent), ["alice@example.org", "bob@example.org"])
        self.assertNotIn("no longer exists", sent[0][1])

    def test_nothing_is_called_fixed_while_our_resolver_is_down(self) -> None:
        here = exists()
        broken = _failing_dmarc(here)
        self.observe(here)
        self.observe(broken)
        [told] = self.observe(broken, kind="confirm").confirmed
        self.mails()
        self.keep(_vantage(Verdict.DOWN))
        for kind in ("scheduled", "confirm"):
            self.assertTrue(self.observe(gone(), kind=kind).held)
        told.refresh_from_db()
        self.assertEqual((told.state, told.recovery_seen_at), (Change.State.CONFIRMED, None))
        self.assertEqual(self.mails(), [])

        self.keep(None)  # no result kept (an hour without a worker): compared as ever
        self.observe(here)
        self.assertEqual([c.pk for c in self.observe(here, kind="confirm").recovered], [told.pk])
        self.assertEqual(len(self.mails()), 2)

    def test_a_run_with_real_answers_is_compared_while_our_resolver_is_down(self) -> None:
        # s35 (lead): only what the fault makes every domain show waits. A resolver that
        # cannot reach the self-check's zone (a private network's resolver that serves the
        # customers' zones, not isc.org) still answered this domain: its runs are evidence,
        # and holding them would silence every customer's alerts for the whole outage.
        here = exists()
        self.observe(here)
        self.keep(_vantage(Verdict.DOWN))
        outcome = self.observe(_failing_dmarc(here))
        self.assertFalse(outcome.held)
        self.assertEqual([c.check_id for c in outcome.suspected], ["DMARC-01"])
        [confirmed] = self.observe(_failing_dmarc(here), kind="confirm").confirmed
        self.assertEqual(confirmed.check_id, "DMARC-01")
        self.assertEqual(len(self.mails()), 2)

    def test_a_resolver_that_does_not_validate_holds_dnssec_changes(self) -> None:
        # Every signed zone would read as not validated: "DNSSEC removed" for every customer.
        signed = _with_mechanism(exists(), "dnssec", "pass")
        self.observe(signed)
        self.keep(_vantage(Verdict.BROKEN))
        self.assertTrue(self.observe(_with_mechanism(exists(), "dnssec", "fail")).held)
        self.assertFalse(Change.objects.exists())
        # What such a resolver cannot cause is compared as ever.
        outcome = self.observe(_failing_dmarc(signed))
        self.assertFalse(outcome.held)
        self.assertEqual([c.check_id for c in outcome.suspected], ["DMARC-01"])

    def test_unknown_or_port_25_blocked_holds_nothing(self) -> None:
        # "Could not tell" is no fault; port 25 blocked makes every MX "could not check",
        # which raises nothing anyway.
        self.observe(exists())
        self.keep(_vantage(Verdict.UNKNOWN, port25=Verdict.BROKEN))
        outcome = self.observe(_failing_dmarc(exists()))
        self.assertFalse(outcome.held)
        self.assertEqual([c.check_id for c in outcome.suspected], ["DMARC-01"])
