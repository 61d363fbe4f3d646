"""Sequences of runs around this release's new and changed findings (an MX host's RSA
certificate, SPF-02 and TLSRPT-04 warnings beside a valid record, BIMI-09 warn): a message
that words the same problem differently, a new score version, a network blip on every MX.
Runs are built by the engine's finding code (tests/test_alerts_s11_rsa_flap.py)."""

from __future__ import annotations

import copy
from datetime import timedelta
from typing import Any

from django.core import mail
from django.test import override_settings

from checks import scoring
from checks.findings import DomainReport, Finding, Mechanism, Status
from mailsec.alerts.models import AlertState, Change, Notification
from mailsec.alerts.tasks import send_notification
from tests.test_alerts_s11_rsa_flap import RunsTestCase, Server, result_of, store_run


def with_findings(result: dict[str, Any], *extra: Finding) -> dict[str, Any]:
    """`result` with more findings, its mechanism verdicts and score made again as the engine
    makes them."""
    report = DomainReport(
        domain="a.test",
        findings=[*(Finding.from_dict(f) for f in result["findings"]), *extra],
    )
    scoring.apply(report)
    out = copy.deepcopy(report.to_dict())
    out["score_version"] = result["score_version"]
    return out


SPF_VALID = Finding("SPF-01", Status.PASS, Mechanism.SPF, "a.test publishes SPF.", "a.test")
SPF_NEAR_MISS = Finding(
    "SPF-02",
    Status.WARN,
    Mechanism.SPF,
    "a.test also publishes 'v=spf1x -all', which is not an SPF record (receivers ignore it).",
    "a.test",
    fix="Delete the TXT record 'v=spf1x -all'.",
)
RPT_DISCARDED = {
    status: Finding(
        "TLSRPT-04",
        Status(status),
        Mechanism.TLSRPT,
        "_smtp._tls.a.test also holds ' v=TLSRPTv1; rua=mailto:old@a.test', which senders "
        "discard (the version is not first).",
        "_smtp._tls.a.test",
    )
    for status in ("fail", "warn")
}


@override_settings(
    ALERT_CONFIRM_DELAY=600,
    ALERT_SCORE_DROP=10,
    EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    SITE_ROOT="https://mailsec.example",
)
class SequencesTestCase(RunsTestCase):
    def observe_result(self, result: dict[str, Any], kind: str = "scheduled") -> Any:
        self.clock += timedelta(minutes=11)
        run = store_run(self.domain, result, kind, self.clock)
        with self.captureOnCommitCallbacks(execute=False):
            outcome = AlertState.observe(run)
        for n in Notification.objects.filter(status=Notification.Status.PENDING):
            send_notification.apply(args=[str(n.code)])
        return outcome

    # --- the same problem worded otherwise -------------------------------------------------

    def test_a_problem_worded_otherwise_is_not_new(self) -> None:
        self.told_and_confirmed(Server(rsa="expired"))
        before = {c.key for c in Change.objects.all()}
        # Another expired RSA certificate (other serial, expired at another second): the
        # messages differ, the problems are the same check on the same host.
        for renewed in (1, 3600, 86400):
            outcome = self.observe(Server(rsa="expired", renewed=renewed))
            self.assertEqual(outcome.suspected, [])
            self.observe(Server(rsa="expired", renewed=renewed), kind="confirm")
        self.assertEqual({c.key for c in Change.objects.all()}, before)
        self.assertTrue(all(":" in k and "expired" not in k for k in before))
        self.assertEqual(len(self.alerts()), 1)
        self.assertEqual(self.fixed(), [])

    # --- a new score version --------------------------------------------------------------

    def test_the_first_run_of_a_new_score_version_raises_nothing(self) -> None:
        old = scoring.SCORE_VERSION
        new = old + 1
        self.observe_result(with_findings(result_of(Server(rsa="untested"), self.clock, old),
                                          SPF_VALID))  # fmt: skip
        # The release asks for the RSA certificate (expired), warns about a near-miss SPF
        # record: the checks changed, not the domain.
        released = with_findings(
            result_of(Server(rsa="expired"), self.clock, new), SPF_VALID, SPF_NEAR_MISS
        )
        self.assertEqual(self.observe_result(released).suspected, [])
        self.assertEqual(self.observe_result(released, kind="confirm").suspected, [])
        self.assertEqual(self.observe_result(released).suspected, [])
        # ... and the next version's runs are compared with it: fixed is no news, and the
        # problem coming back is a change of the domain.
        fixed = with_findings(result_of(Server(), self.clock, new), SPF_VALID)
        self.assertEqual(self.observe_result(fixed).suspected, [])
        self.assertTrue(self.observe_result(released).suspected)
        self.assertEqual(mail.outbox, [])

    def test_a_problem_the_new_version_rates_lower_closes_without_a_fixed_email(self) -> None:
        old = scoring.SCORE_VERSION
        good = with_findings(result_of(Server(), self.clock, old))
        self.observe_result(good)
        broken = with_findings(result_of(Server(), self.clock, old), RPT_DISCARDED["fail"])
        self.assertTrue(self.observe_result(broken).suspected)
        self.assertTrue(self.observe_result(broken, kind="confirm").confirmed)
        told = len(mail.outbox)
        # The release: the same record is a warning now (TLSRPT-04 warn beside a valid one).
        released = with_findings(result_of(Server(), self.clock, old + 1), RPT_DISCARDED["warn"])
        outcome = self.observe_result(released)
        self.observe_result(released, kind="confirm")
        self.assertIn("the checks changed in this release", {c.note for c in outcome.dismissed})
        self.assertEqual(len(mail.outbox), told)
        self.assertEqual(self.fixed(), [])

    # --- could not check every MX for one run ------------------------------------------------

    def test_a_network_blip_on_every_mx_raises_and_fixes_nothing(self) -> None:
        self.observe(Server())
        for kind in ("scheduled", "confirm"):
            self.assertEqual(self.observe(Server(reachable=False), kind=kind).suspected, [])
        self.assertEqual(self.observe(Server()).suspected, [])
        self.assertEqual(self.observe(Server(), kind="confirm").suspected, [])
        self.assertEqual(mail.outbox, [])

    def test_a_network_blip_neither_fixes_nor_repeats_a_told_problem(self) -> None:
        confirmed = self.told_and_confirmed(Server(rsa="expired"))
        self.observe(Server(reachable=False))
        self.observe(Server(reachable=False), kind="confirm")
        self.observe(Server(rsa="expired"))
        self.observe(Server(rsa="expired"), kind="confirm")
        self.assertEqual(len(self.alerts()), 1)
        self.assertEqual(self.fixed(), [])
        for change in confirmed:
            change.refresh_from_db()
            self.assertEqual(change.state, Change.State.CONFIRMED)
        # A real fix after the blip is told once.
        self.observe(Server(reachable=False))
        self.observe(Server())
        self.observe(Server(), kind="confirm")
        self.assertEqual(len(self.fixed()), 1)
