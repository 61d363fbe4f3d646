"""s36o item 4: the hold as fresh as the run. A check run that shows what a resolver fault
makes every domain show (the name gone; DNSSEC or DANE no longer passing: what
mailsec.alerts.rules.explained_by_our_resolver holds) asks the canary itself, through this
machine's resolver, before it is compared, unless this machine's self-check is under a minute
old; the answer is kept as this machine's (the banner shows it too). Before, the hold read the
latest result of the ten-minute beat task, made on whichever probes machine took it.

Real parts: the check task itself (mailsec.domains.tasks.run_check) through a DNS server on a
loopback port: tests.test_domains.stub_dns (NXDOMAIN for every name, the self-check's too) and
tests.test_vantage_s36o.canary_dns (NXDOMAIN for the domain, the canary and the root validated:
the domain really gone)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from unittest import mock

from django.test import override_settings
from django.utils import timezone

from checks.vantage import Answer, ResolverAnswer, VantageResult, VantageTargets, Verdict
from mailsec.alerts.models import AlertState, Change
from mailsec.domains.models import CheckRun, Domain
from mailsec.domains.tasks import run_check
from mailsec.tasks import forget_vantage, keep_vantage, latest_vantage, vantage_for_run
from tests.conftest import BaseTestCase
from tests.test_alerts_s19y_nxdomain import NAME, exists
from tests.test_domains import stub_dns
from tests.test_vantage_s36o import canary_dns

CANARY_WELL = {"isc.org": "ad", ".": "ad", "dnssec-failed.org": "servfail"}


def _ok(port25: Verdict = Verdict.NOT_TESTED) -> VantageResult:
    return VantageResult(
        checked_at=timezone.now().isoformat(timespec="seconds"),
        resolvers=[ResolverAnswer(Verdict.OK, "validates", resolver="192.0.2.53:53")],
        port25=Answer(port25, "words"),
    )


@override_settings(MAILSEC_VANTAGE=VantageTargets(), MAILSEC_VANTAGE_ID="probe-a")
class TheRunAsksTestCase(BaseTestCase):
    def setUp(self) -> None:
        self.domain = Domain.objects.create(team=self.team, name=NAME, verified_at=timezone.now())
        self.clock = timezone.now() - timedelta(hours=2)
        forget_vantage()
        self.addCleanup(forget_vantage)
        self.env = mock.patch.dict("os.environ", {"MAILSEC_CHECK_TIMEOUT": "2"})
        self.env.start()
        self.addCleanup(self.env.stop)
        self.observe(exists())
        self.observe(exists())

    def observe(self, report: dict[str, Any]) -> None:
        self.clock += timedelta(minutes=15)
        run = CheckRun.objects.create(
            domain=self.domain, status=CheckRun.Status.RUNNING, created=self.clock
        )
        run.finish(report)
        with self.captureOnCommitCallbacks(execute=False):
            AlertState.observe(run)

    def checked(self) -> CheckRun:
        """The check task's own run of the domain (through MAILSEC_RESOLVER)."""
        run, _ = self.domain.request_check(kind="scheduled")
        with (
            mock.patch("mailsec.domains.tasks._save_progress"),
            self.captureOnCommitCallbacks(execute=False),
        ):
            self.assertEqual(run_check(str(run.code)), CheckRun.Status.DONE)
        run.refresh_from_db()
        return run

    def keep_earlier(self, result: VantageResult, minutes: float, machine: str = "") -> None:
        with mock.patch(
            "django.utils.timezone.now", return_value=timezone.now() - timedelta(minutes=minutes)
        ):
            keep_vantage(result, machine=machine or None)

    def changes(self) -> list[tuple[str, str]]:
        return list(Change.objects.filter(domain=self.domain).values_list("key", "state"))

    def test_a_run_through_a_resolver_that_says_nxdomain_for_everything_is_held_at_once(
        self,
    ) -> None:
        # The beat's last word, five minutes old, was "ok" (another machine's, a minute old,
        # too): the resolver went bad since. The run asks, and is held.
        self.keep_earlier(_ok(port25=Verdict.BROKEN), minutes=5)
        self.keep_earlier(_ok(), minutes=1, machine="probe-b")
        with stub_dns({}):
            run = self.checked()
        self.assertIsNone(run.score)  # the engine read the name as gone
        self.assertEqual(self.changes(), [])
        kept = latest_vantage()
        assert kept is not None
        self.assertEqual(kept.resolver_verdict, Verdict.DOWN)
        self.assertTrue(kept.resolvers[0].nxdomain)
        self.assertEqual(kept.resolver_down_since, kept.checked_at)
        # Port 25 was not asked: the earlier answer is kept, not forgotten.
        self.assertEqual(kept.port25.verdict, Verdict.BROKEN)
        other = latest_vantage("probe-b")
        assert other is not None and other.resolver_verdict == Verdict.OK

    def test_a_run_with_no_result_kept_asks_too(self) -> None:
        with stub_dns({}):
            self.checked()
        self.assertEqual(self.changes(), [])
        kept = latest_vantage()
        assert kept is not None and kept.resolver_verdict == Verdict.DOWN
        self.assertEqual(kept.port25.verdict, Verdict.NOT_TESTED)

    def test_the_domain_really_gone_is_a_suspicion(self) -> None:
        # The resolver answers the canary and the root, validated: the NXDOMAIN is the domain's.
        with (
            canary_dns(CANARY_WELL) as address,
            mock.patch.dict("os.environ", {"MAILSEC_RESOLVER": address}),
        ):
            run = self.checked()
        self.assertIsNone(run.score)
        self.assertEqual(self.changes(), [("record-gone:name", Change.State.SUSPECTED)])
        kept = latest_vantage()
        assert kept is not None and kept.resolver_verdict == Verdict.OK

    def test_a_self_check_under_a_minute_old_is_not_asked_again(self) -> None:
        # Its word stands (here "ok", so the run is compared): during an outage the runs of
        # one machine ask once a minute at most, not each.
        self.keep_earlier(_ok(), minutes=0.5)
        with stub_dns({}):
            self.checked()
        self.assertEqual(self.changes(), [("record-gone:name", Change.State.SUSPECTED)])
        kept = latest_vantage()
        assert kept is not None and kept.resolver_verdict == Verdict.OK

    def test_a_run_that_shows_nothing_a_fault_explains_asks_nothing(self) -> None:
        run = CheckRun.objects.create(domain=self.domain, status=CheckRun.Status.RUNNING)
        run.finish(exists())
        with mock.patch("mailsec.tasks.check_resolvers_sync") as asked:
            vantage_for_run(run)
        asked.assert_not_called()
        self.assertIsNone(latest_vantage())
