"""Alerts on the second (RSA) certificate of an MX host (checks/starttls.py asks once more with
RSA suites alone when the first leaf is not RSA): a run whose RSA handshake got no answer
("not tested") neither confirms nor clears what an earlier run saw on that certificate, so a
server that answers it on one run and not on the next raises one alert at most and no "fixed"
email. The runs are made by the engine's own finding code (starttls._per_probe,
mtasts._validation_findings, scoring.compute) from probes as the STARTTLS check fills them in.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

from django.core import mail
from django.test import override_settings
from django.utils import timezone

from checks import certs, mtasts, mx, scoring, starttls
from checks.config import CheckConfig
from checks.context import CheckContext
from checks.findings import Collector, DomainReport, Finding, Mechanism, Status
from mailsec.alerts.models import AlertState, Change, Notification
from mailsec.alerts.tasks import send_notification
from mailsec.domains.models import CheckRun, Domain
from tests.conftest import BaseTestCase

DOMAIN = "a.test"
HOST = "mx1.a.test"
ADDRESS = "192.0.2.1"
START = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)


@dataclass
class Server:
    """What one MX address presents. `rsa`: what a sender offering only RSA gets: "good",
    "expired", "misnamed" or "expiring" (10 days left) an RSA certificate of its own; "untested"
    no answer in time; "none" RSA suites refused (no RSA certificate)."""

    rsa: str = "good"
    first: str = "good"  # the ECDSA certificate: "good", "expired" or "expiring"
    reachable: bool = True  # False: our connection timed out (a network blip: could not check)
    renewed: int = 0  # seconds added to the RSA certificate's dates (another certificate)


def _leaf(key: str, now: datetime, days: int, sans: tuple[str, ...] = (HOST,)) -> certs.CertFacts:
    """A leaf that ends `days` after START (the same certificate on every run)."""
    not_after = START + timedelta(days=days, seconds=37)
    return certs.CertFacts(
        subject=f"CN={HOST}",
        issuer="CN=Test CA",
        sans=list(sans),
        not_before=(START - timedelta(days=60)).isoformat(),
        not_after=not_after.isoformat(),
        days_left=(not_after - now).days,
        key_type="RSA" if key == "rsa" else "EC secp256r1",
        key_size=2048 if key == "rsa" else 256,
        signature_hash="sha256",
        serial="0a1b" if key == "rsa" else "0c2d",
    )


def _judged(probe: starttls.SmtpProbe, state: str) -> None:
    """The verdict fields of a probe whose leaf is `state`."""
    probe.chain = [probe.leaf] if probe.leaf else []
    probe.verify_ok = state in {"good", "expiring"}
    probe.name_ok = state != "misnamed"
    probe.verify_error = {"expired": "expired", "misnamed": "name-mismatch"}.get(state)
    probe.verify_detail = {"expired": "certificate has expired", "misnamed": "wrong name"}.get(
        state, ""
    )


def probe_of(server: Server, now: datetime) -> starttls.SmtpProbe:
    if not server.reachable:
        return starttls.SmtpProbe(
            host=HOST, address=ADDRESS, error_kind="timeout", problem="timed out after 10 s"
        )
    days = {"expired": -3, "expiring": 10}
    probe = starttls.SmtpProbe(
        host=HOST,
        address=ADDRESS,
        connected=True,
        banner=f"{HOST} ESMTP",
        ehlo_ok=True,
        extensions=["STARTTLS"],
        starttls_offered=True,
        tls_ok=True,
        tls_version="TLSv1.3",
        cipher="TLS_AES_256_GCM_SHA384",
        leaf=_leaf("ec", now, days.get(server.first, 80)),
        max_tls_version="TLSv1.3",
        tls_versions_accepted=["TLSv1.2", "TLSv1.3"],
        legacy_checked=True,
        tls12_accepted=True,
        no_sni_ok=True,
        no_sni_same_cert=True,
        injection_vulnerable=False,
        post_tls_ehlo_ok=True,
    )
    _judged(probe, server.first)
    if server.rsa in {"untested", "none"}:
        probe.rsa_cert = server.rsa
        return probe
    sans = ("other.a.test",) if server.rsa == "misnamed" else (HOST,)
    rsa_leaf = _leaf("rsa", now, days.get(server.rsa, 80), sans)
    if server.renewed:
        ends = datetime.fromisoformat(rsa_leaf.not_after) + timedelta(seconds=server.renewed)
        rsa_leaf.not_after, rsa_leaf.serial = ends.isoformat(), f"{server.renewed:x}"
    variant = starttls.SmtpProbe(
        host=HOST,
        address=ADDRESS,
        connected=True,
        starttls_offered=True,
        tls_ok=True,
        tls_version="TLSv1.2",
        cipher="ECDHE-RSA-AES256-GCM-SHA384",
        leaf=rsa_leaf,
    )
    _judged(variant, server.rsa)
    probe.rsa_cert, probe.rsa_variant = "other", variant
    return probe


def result_of(server: Server, now: datetime, score_version: int = scoring.SCORE_VERSION) -> dict:
    """A stored run's data for a domain with one MX address under an MTA-STS policy in enforce
    mode, its SMTP and MTA-STS validation findings made by the engine."""
    probe = probe_of(server, now)
    ctx = CheckContext(DOMAIN, CheckConfig(allow_private_targets=True))
    smtp = Collector(Mechanism.SMTP)
    policy = starttls._Context(sts_mode="enforce", sts_usable=True, patterns=[HOST])
    starttls._reachability(smtp, [(SimpleNamespace(name=HOST), probe)], ctx)
    if probe.connected:
        starttls._per_probe(smtp, SimpleNamespace(name=HOST), probe, policy, None, ctx)

    host = mx.MxHost(name=HOST, preference=10, addresses=[ADDRESS])
    mxset = mx.MxSet(answer=None, hosts=[host])  # type: ignore[arg-type]
    sts = Collector(Mechanism.MTASTS)

    async def validate() -> None:
        ok = mtasts._probe_verdict(probe) == "ok"
        validation = mtasts.MxValidation(probes={HOST: [(ADDRESS, probe)]}, ok=ok, failed=not ok)

        async def known() -> mtasts.MxValidation:
            return validation

        await ctx.once("mtasts:validation", known)
        target = SimpleNamespace(mode="enforce", fix="")
        state = mtasts.MtaStsState(patterns=[HOST])
        await mtasts._validation_findings(ctx, state, mxset, [host], Status.FAIL, sts, target)  # type: ignore[arg-type]

    asyncio.run(validate())
    findings = [
        Finding("MX-01", Status.PASS, Mechanism.MX, "a.test has MX.", DOMAIN,
                {"answers": [f"10 {HOST}."], "query": f"{DOMAIN} MX"}),
        Finding("MTASTS-01", Status.PASS, Mechanism.MTASTS, "record.", f"_mta-sts.{DOMAIN}",
                {"answers": ['"v=STSv1; id=1"'], "query": f"_mta-sts.{DOMAIN} TXT",
                 "rcode": "NOERROR"}),
        Finding("MTASTS-30", Status.PASS, Mechanism.MTASTS, "covered.", DOMAIN,
                {"mx": [HOST], "patterns": [HOST]}),
        Finding("TLSRPT-01", Status.PASS, Mechanism.TLSRPT, "record.", f"_smtp._tls.{DOMAIN}"),
        *sts.findings,
        *smtp.findings,
    ]  # fmt: skip
    report = DomainReport(domain=DOMAIN, findings=findings)
    scoring.apply(report)
    data = report.to_dict()
    data["score_version"] = score_version
    return data


def store_run(domain: Domain, result: dict[str, Any], kind: str, created: datetime) -> CheckRun:
    return CheckRun.objects.create(
        domain=domain,
        kind=kind,
        status=CheckRun.Status.DONE,
        created=created,
        score=result["score"],
        score_version=result["score_version"],
        score_detail=result["score_detail"],
        mechanisms=result["mechanisms"],
        findings=result["findings"],
    )


@override_settings(
    ALERT_CONFIRM_DELAY=600,
    ALERT_SCORE_DROP=10,
    EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    SITE_ROOT="https://mailsec.example",
)
class RunsTestCase(BaseTestCase):
    """One domain whose runs are observed as the worker would (no tests of its own)."""

    def setUp(self) -> None:
        self.domain = Domain.objects.create(team=self.team, name=DOMAIN, verified_at=timezone.now())
        self.clock = START

    def observe(self, server: Server, kind: str = "scheduled", minutes: int = 11) -> Any:
        """A run of the server as it is now, `minutes` after the last (11: past the re-check
        delay), observed and its emails sent as the worker would."""
        self.clock += timedelta(minutes=minutes)
        run = store_run(self.domain, result_of(server, self.clock), kind, self.clock)
        with self.captureOnCommitCallbacks(execute=False):
            outcome = AlertState.observe(run)
        for n in Notification.objects.filter(status=Notification.Status.PENDING):
            send_notification.apply(args=[str(n.code)])
        return outcome

    def alerts(self) -> list[Any]:
        return [m for m in mail.outbox if m.to == ["alice@example.org"]]

    def fixed(self) -> list[Any]:
        return [m for m in self.alerts() if ": fixed: " in m.subject]

    def told_and_confirmed(self, bad: Server) -> list[Change]:
        """Good, then `bad` seen and confirmed by the re-check: one alert."""
        self.observe(Server())
        self.assertTrue(self.observe(bad).suspected)
        confirmed = self.observe(bad, kind="confirm").confirmed
        self.assertTrue(confirmed)
        self.assertEqual(len(self.alerts()), 1)
        return confirmed


class RsaCertificateFlapTestCase(RunsTestCase):
    def test_an_rsa_certificate_problem_then_not_tested_is_not_fixed(self) -> None:
        for problem in ("expired", "misnamed"):
            with self.subTest(problem=problem):
                Change.objects.all().delete()
                AlertState.objects.all().delete()
                mail.outbox.clear()
                confirmed = self.told_and_confirmed(Server(rsa=problem))
                # The RSA handshake gets no answer, twice in a row (a run and its re-check):
                # nothing is known about that certificate, so nothing is fixed.
                self.observe(Server(rsa="untested"))
                self.observe(Server(rsa="untested"), kind="confirm")
                self.observe(Server(rsa="untested"))
                self.assertEqual(self.fixed(), [])
                for change in confirmed:
                    change.refresh_from_db()
                    self.assertEqual(change.state, Change.State.CONFIRMED, change.key)
                # Seen again: still the same open changes, no second alert.
                self.assertEqual(self.observe(Server(rsa=problem)).suspected, [])
                self.assertEqual(len(self.alerts()), 1)

    def test_seen_not_tested_seen_is_one_alert_and_no_fixed_email(self) -> None:
        self.told_and_confirmed(Server(rsa="expired"))
        for rsa in ("untested", "expired", "untested", "untested", "expired"):
            self.observe(Server(rsa=rsa))
            self.observe(Server(rsa=rsa), kind="confirm")
        self.assertEqual(len(self.alerts()), 1)
        self.assertEqual(self.fixed(), [])

    def test_a_renewed_rsa_certificate_is_fixed(self) -> None:
        confirmed = self.told_and_confirmed(Server(rsa="expired"))
        self.observe(Server(rsa="untested"))  # no answer: no word either way
        self.observe(Server())
        outcome = self.observe(Server(), kind="confirm")
        self.assertEqual({c.pk for c in outcome.recovered}, {c.pk for c in confirmed})
        self.assertEqual(len(self.fixed()), 1)

    def test_a_problem_seen_only_by_a_run_whose_recheck_is_not_tested_is_not_told(self) -> None:
        self.observe(Server())
        self.assertTrue(self.observe(Server(rsa="expired")).suspected)
        outcome = self.observe(Server(rsa="untested"), kind="confirm")
        self.assertEqual(outcome.confirmed, [])
        self.assertEqual({c.note for c in outcome.dismissed}, {"the re-check could not test it"})
        self.assertEqual(mail.outbox, [])

    def test_an_expiring_rsa_certificate_not_tested_is_not_renewed(self) -> None:
        self.observe(Server())
        suspected = self.observe(Server(rsa="expiring")).suspected
        self.assertIn("cert-expiry", {c.kind for c in suspected})
        self.observe(Server(rsa="expiring"), kind="confirm")
        self.assertEqual(len(self.alerts()), 1)
        self.observe(Server(rsa="untested"))
        self.observe(Server(rsa="untested"), kind="confirm")
        self.assertEqual(self.fixed(), [])
        expiry = Change.objects.get(kind="cert-expiry")
        self.assertEqual(expiry.state, Change.State.CONFIRMED)

    def test_a_first_certificate_fix_is_told_while_the_rsa_handshake_is_not_tested(
        self,
    ) -> None:
        # What was wrong was the ECDSA certificate: a run that could not ask for the RSA one
        # still sees the ECDSA one renewed (a TLS-1.3-only server is never asked with RSA).
        confirmed = self.told_and_confirmed(Server(first="expired", rsa="untested"))
        self.observe(Server(rsa="untested"))
        outcome = self.observe(Server(rsa="untested"), kind="confirm")
        self.assertEqual({c.pk for c in outcome.recovered}, {c.pk for c in confirmed})
        self.assertEqual(len(self.fixed()), 1)

    def test_a_load_balancer_with_one_rsa_backend_alerts_only_when_the_recheck_agrees(
        self,
    ) -> None:
        # Two backends behind one address: one holds an expired RSA certificate beside its
        # ECDSA one, the other has no RSA certificate (RSA suites refused).
        bad, other = Server(rsa="expired"), Server(rsa="none")
        self.observe(Server())
        self.assertTrue(self.observe(bad).suspected)
        self.assertEqual(self.observe(other, kind="confirm").confirmed, [])
        self.observe(other)
        self.assertTrue(self.observe(bad).suspected)
        self.assertEqual(self.observe(Server(rsa="untested"), kind="confirm").confirmed, [])
        self.assertEqual(mail.outbox, [])
        # The next check reaches the same backend: suspected again, and its re-check, reaching
        # the same backend too, agrees: the same problem, told once.
        self.assertEqual(self.observe(bad).confirmed, [])
        self.assertTrue(self.observe(bad, kind="confirm").confirmed)
        self.assertEqual(len(self.alerts()), 1)
        self.assertIn("The RSA certificate of mx1.a.test", self.alerts()[0].body)

    def test_an_expiring_rsa_certificate_is_named_as_such(self) -> None:
        self.observe(Server())
        (expiry,) = [c for c in self.observe(Server(rsa="expiring")).suspected
                     if c.kind == "cert-expiry"]  # fmt: skip
        self.assertIn("The RSA certificate of mx1.a.test, which senders offering only RSA get,",
                      expiry.summary)  # fmt: skip
        self.assertIn("Renew the RSA certificate of mx1.a.test", expiry.fix)


def test_a_dane_mismatch_of_the_rsa_certificate_is_not_fixed_by_an_unanswered_handshake() -> None:
    # checks/dane.py marks DANE-07/09 on the second certificate as starttls does.
    from mailsec.alerts import rules

    subject = f"{HOST} [{ADDRESS}]"

    def snap(dane: str, rsa: str) -> rules.Snapshot:
        findings = [
            {"id": "DANE-07", "status": "pass", "mechanism": "dane", "subject": subject},
            {"id": "SMTP-14", "status": "pass", "mechanism": "smtp", "subject": subject,
             "evidence": {"rsa_certificate": rsa}},
        ]  # fmt: skip
        if dane == "fail":
            findings.append(
                {"id": "DANE-07", "status": "fail", "mechanism": "dane", "subject": subject,
                 "summary": f"{subject}, to senders offering only RSA, matches no TLSA record.",
                 "evidence": {"second_certificate": "RSA"}}
            )  # fmt: skip
        return rules.Snapshot({"dane": dane, "smtp": "pass"}, findings, None, START)

    found = {o.key: o for o in rules.detect(snap("pass", "other"), snap("fail", "other"), 10)}
    assert set(found) == {"finding:DANE-07|mx1.a.test", "mechanism:dane"}
    for key, obs in found.items():
        kind = key.split(":")[0]
        untested = rules.evaluate(kind, key, obs.before, snap("pass", "untested"), 10, obs.evidence)
        assert untested[0] == rules.Verdict.UNKNOWN, key
        fixed = rules.evaluate(kind, key, obs.before, snap("pass", "other"), 10, obs.evidence)
        assert fixed[0] == rules.Verdict.CLEAR, key
