"""Model-based tests of the alert life cycle: random histories of check outcomes for one domain
(findings flipping between pass/warn/fail/error/na, MX hosts appearing, leaving and being
renumbered, could-not-check runs, releases, loss and return of control, settings changes,
unsubscribes, team changes, daily digests), fed run by run as the worker would, and checked
against the invariants of docs/webapp.md (Alerts) after every step."""

from __future__ import annotations

import copy
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from unittest import mock

from django.contrib.auth.models import User
from django.core import mail
from django.db.models import Prefetch
from django.test import Client, override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from mailsec.accounts.models import Membership
from mailsec.alerts import rules
from mailsec.alerts.emails import unsubscribe_url
from mailsec.alerts.models import AlertSetting, AlertState, Change, Notification
from mailsec.alerts.tasks import send_notification
from mailsec.domains.models import CheckRun, Domain
from tests.conftest import BaseTestCase

START = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)
DELAY = timedelta(minutes=10)
POLICY_HOSTS = ("mx1.a.test", "mx2.a.test")  # what the MTA-STS policy's mx lines cover
CERT_DATES = {
    "far": START + timedelta(days=90),
    "21": START + timedelta(days=15),
    "7": START + timedelta(days=5),
}
WEIGHTS = {"mx": 20, "mta-sts": 20, "tls-rpt": 10, "smtp": 30, "dmarc": 20}
ORDER = ["fail", "error", "warn", "info", "pass", "na"]


def _f(check_id: str, status: str, mech: str, subject: str, **kw: Any) -> dict[str, Any]:
    return {
        "id": check_id,
        "status": status,
        "mechanism": mech,
        "subject": subject,
        "summary": kw.get("summary", f"{check_id} on {subject} is {status}."),
        "evidence": kw.get("evidence", {}),
        "fix": kw.get("fix", f"Fix {check_id} on {subject}." if status in ("warn", "fail") else ""),
    }


@dataclass
class World:
    """What the domain looks like to the checks at one moment."""

    mx: dict[str, int] = field(default_factory=lambda: {"mx1.a.test": 1})  # host → address
    mta: str = "pass"  # pass / gone / error
    tls: str = "pass"
    smtp: dict[str, str] = field(default_factory=lambda: {"mx1.a.test": "pass"})
    dmarc: str = "pass"  # pass / warn / fail / error / na
    cert: str = "far"
    version: int = 1
    null_mx: bool = False

    def result(self) -> dict[str, Any]:
        findings: list[dict[str, Any]] = []
        not_after = CERT_DATES[self.cert].isoformat()
        if self.null_mx:
            findings.append(_f("MX-03", "info", "mx", "a.test"))
            mechs = dict.fromkeys(WEIGHTS, "na")
            mechs["mx"] = "info"
            return {
                "score": None,
                "score_version": self.version,
                "score_detail": {"not_checked": []},
                "mechanisms": mechs,
                "findings": findings,
            }
        answers = [f"10 {h}." for h in sorted(self.mx)]
        findings.append(_f("MX-01", "pass", "mx", "a.test", evidence={"answers": answers}))
        if self.mta == "pass":
            findings.append(
                _f(
                    "MTASTS-01",
                    "pass",
                    "mta-sts",
                    "_mta-sts.a.test",
                    evidence={
                        "answers": ['"v=STSv1; id=1"'],
                        "query": "_mta-sts.a.test TXT",
                        "rcode": "NOERROR",
                    },
                )
            )
            findings.append(
                _f(
                    "MTASTS-12",
                    "pass",
                    "mta-sts",
                    "mta-sts.a.test",
                    evidence={"certificate": {"not_after": not_after}},
                )
            )
            uncovered = sorted(set(self.mx) - set(POLICY_HOSTS))
            findings.append(
                _f(
                    "MTASTS-30",
                    "fail" if uncovered else "pass",
                    "mta-sts",
                    "a.test",
                    evidence={"mx": sorted(self.mx), "patterns": list(POLICY_HOSTS)},
                )
            )
        elif self.mta == "gone":
            findings.append(
                _f(
                    "MTASTS-01",
                    "info",
                    "mta-sts",
                    "_mta-sts.a.test",
                    summary="a.test has no MTA-STS record.",
                    evidence={"answers": [], "query": "_mta-sts.a.test TXT", "rcode": "NXDOMAIN"},
                )
            )
        else:
            findings.append(_f("MTASTS-01", "error", "mta-sts", "_mta-sts.a.test"))
        tls_status = {"pass": "pass", "gone": "info", "error": "error"}[self.tls]
        findings.append(_f("TLSRPT-01", tls_status, "tls-rpt", "_smtp._tls.a.test"))
        for host, addr in sorted(self.mx.items()):
            subject = f"{host} [192.0.2.{addr}]"
            status = self.smtp.get(host, "pass")
            if status == "error":
                findings.append(_f("SMTP-01", "error", "smtp", subject))
                continue
            findings.append(_f("SMTP-02", "pass", "smtp", subject))
            findings.append(
                _f("SMTP-10", status, "smtp", subject, evidence={"not_after": not_after})
            )
        dmarc_id = {"pass": "DMARC-02", "warn": "DMARC-09", "fail": "DMARC-05"}
        if self.dmarc in dmarc_id:
            findings.append(_f(dmarc_id[self.dmarc], self.dmarc, "dmarc", "_dmarc.a.test"))
        else:
            findings.append(_f("DMARC-01", self.dmarc, "dmarc", "_dmarc.a.test"))
        mechs: dict[str, str] = {}
        for mech in WEIGHTS:
            statuses = [f["status"] for f in findings if f["mechanism"] == mech]
            mechs[mech] = next((s for s in ORDER if s in statuses), "na")
        earned = total = 0.0
        not_checked = []
        for mech, weight in WEIGHTS.items():
            verdict = mechs[mech]
            if verdict == "error":
                not_checked.append(mech)
                continue
            if verdict == "na":
                continue
            total += weight
            earned += weight * {"pass": 1.0, "warn": 0.75}.get(verdict, 0.0)
        return {
            "score": round(100 * earned / total) if total else None,
            "score_version": self.version,
            "score_detail": {"not_checked": sorted(not_checked)},
            "mechanisms": mechs,
            "findings": findings,
        }


# --- the steps -------------------------------------------------------------------------------

statuses3 = st.sampled_from(["gone", "pass", "error"])
smtp_status = st.sampled_from(["fail", "pass", "error"])
hosts = st.sampled_from(["mx1.a.test", "mx2.a.test", "mx3.a.test"])

mutation = st.one_of(
    st.tuples(st.just("mta"), statuses3),
    st.tuples(st.just("tls"), statuses3),
    st.tuples(st.just("smtp"), st.tuples(hosts, smtp_status)),
    st.tuples(st.just("dmarc"), st.sampled_from(["fail", "pass", "warn", "error", "na"])),
    st.tuples(st.just("mx-add"), hosts),
    st.tuples(st.just("mx-drop"), hosts),
    st.tuples(st.just("renumber"), hosts),
    st.tuples(st.just("cert"), st.sampled_from(list(CERT_DATES))),
    st.tuples(st.just("release"), st.just(None)),
    st.tuples(st.just("null-mx"), st.booleans()),
    st.tuples(st.just("none"), st.just(None)),
)

# A run: what changed in the world, its kind, and the minutes since the last run.
run_step = st.tuples(
    st.just("run"),
    st.one_of(st.just([]), st.lists(mutation, min_size=1, max_size=2)),
    st.sampled_from(["confirm", "scheduled"]),
    st.sampled_from([11, 1, 30, 60 * 24]),
)
other_step = st.one_of(
    st.tuples(st.just("repeat"), st.none(), st.none(), st.none()),
    st.tuples(st.just("verified"), st.booleans(), st.none(), st.none()),
    st.tuples(
        st.just("mode"),
        st.sampled_from(["alice", "bob"]),
        st.sampled_from(["immediate", "digest", "off"]),
        st.none(),
    ),
    st.tuples(st.just("unsubscribe-all"), st.sampled_from(["alice", "bob"]), st.none(), st.none()),
    st.tuples(st.just("member"), st.booleans(), st.none(), st.none()),
    st.tuples(st.just("digest"), st.none(), st.none(), st.none()),
)
# Mostly runs: the rest changes who hears about them.
step = st.integers(0, 9).flatmap(lambda i: run_step if i < 7 else other_step)


def store_run(domain: Domain, result: dict[str, Any], kind: str, created: datetime) -> CheckRun:
    """A finished run of `domain` holding World.result() `result`, as a worker stores it."""
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


def apply_mutation(world: World, mut: tuple[str, Any]) -> None:
    what, arg = mut
    if what in ("mta", "tls", "dmarc", "cert"):
        setattr(world, what, arg)
    elif what == "smtp":
        world.smtp[arg[0]] = arg[1]
    elif what == "mx-add":
        world.mx.setdefault(arg, 1)
    elif what == "mx-drop" and len(world.mx) > 1:
        world.mx.pop(arg, None)
    elif what == "renumber" and arg in world.mx:
        world.mx[arg] += 1
    elif what == "release":
        world.version = min(world.version + 1, 3)
    elif what == "null-mx":
        world.null_mx = arg


@dataclass
class Seen:
    """What the harness knows of each run, to judge the database's decisions afterwards."""

    run: CheckRun
    baseline_version: int | None
    verified: bool
    baseline: dict[str, Any] | None = None  # the reference this run was compared with


@override_settings(
    ALERT_CONFIRM_DELAY=DELAY.total_seconds(),
    ALERT_SCORE_DROP=10,
    ALERT_DIGEST_HOUR=0,
    EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    SITE_ROOT="https://mailsec.example",
)
class AlertHistoryModelTest(HypothesisTestCase, BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.clock = START

    # --- the harness ------------------------------------------------------------------------

    def _now(self) -> datetime:
        return self.clock

    def _send_pending(self) -> None:
        for n in Notification.objects.filter(status=Notification.Status.PENDING):
            send_notification.apply(args=[str(n.code)])
            # Idempotent: a duplicate delivery of the task sends nothing.
            send_notification.apply(args=[str(n.code)])

    def _play(self, steps: list[tuple[Any, ...]]) -> None:
        self.domain = Domain.objects.create(team=self.team, name="a.test", verified_at=START)
        self.users = {"alice": self.alice, "bob": self.bob}
        world = World()
        self.seen: list[Seen] = []
        self.client_ = Client()
        with mock.patch("django.utils.timezone.now", self._now):
            self._observe(world, "scheduled")
            for s in steps:
                self._step(world, s)
                self._check()

    def _observe(self, world: World, kind: str) -> None:
        result = world.result()
        run = store_run(self.domain, result, kind, self.clock)
        state = AlertState.objects.filter(domain=self.domain).first()
        base = copy.deepcopy(state.baseline) if state and state.baseline else None
        base_version = (base or {}).get("score_version")
        self.domain.refresh_from_db()
        self.seen.append(Seen(run, base_version, self.domain.is_verified, base))
        with self.captureOnCommitCallbacks(execute=False):
            AlertState.observe(run)
        self._send_pending()

    def _step(self, world: World, s: tuple[Any, ...]) -> None:
        what, a, b, c = s
        if what == "run":
            for mut in a:
                apply_mutation(world, mut)
            self.clock += timedelta(minutes=c)
            self._observe(world, b)
        elif what == "repeat":
            before = (Change.objects.count(), Notification.objects.count(), len(mail.outbox))
            with self.captureOnCommitCallbacks(execute=False):
                outcome = AlertState.observe(self.seen[-1].run)
            self._send_pending()
            self.assertEqual(outcome.suspected + outcome.confirmed + outcome.recovered, [])
            after = (Change.objects.count(), Notification.objects.count(), len(mail.outbox))
            self.assertEqual(before, after, "observing a run twice changed something")
        elif what == "verified":
            Domain.objects.filter(pk=self.domain.pk).update(verified_at=START if a else None)
            self.domain.refresh_from_db()
        elif what == "mode":
            AlertSetting.set_mode(self.users[a], self.domain, b)
        elif what == "unsubscribe-all":
            self.client_.post(unsubscribe_url(self.users[a], None))
        elif what == "member":
            if a:
                Membership.objects.get_or_create(
                    team=self.team, user=self.bob, defaults={"role": Membership.Role.MEMBER}
                )
            else:
                Membership.objects.filter(team=self.team, user=self.bob).delete()
        elif what == "digest":
            self.clock += timedelta(days=1)
            for user in self.users.values():
                for _ in range(2):  # a second beat the same day makes nothing
                    n = Notification.make_digest(user, self.clock)
                    if n is not None:
                        self.assertEqual(Notification.objects.filter(pk=n.pk).count(), 1)
            self._send_pending()

    # --- the invariants ---------------------------------------------------------------------

    def _verdict(self, change: Change, run: CheckRun) -> rules.Verdict:
        verdict, _ = rules.evaluate(
            change.kind,
            change.key,
            change.before,
            rules.Snapshot.from_run(run),
            10,
            change.evidence,
        )
        return verdict

    def _check(self) -> None:
        runs = {s.run.pk: s for s in self.seen}
        # With their domain: the messages below name each change (Change.__str__ reads its
        # domain's name), made whether or not the assertion fails: 4,000 queries, some 5% of
        # the test's time.
        changes = list(Change.objects.select_related("domain"))
        for change in changes:
            first = runs[change.first_seen_run_id]
            # Raised only by a run compared with a baseline of the same rubric, but for what
            # the DNS or time changed (rules.release_facts: a removal at the same check as a
            # release is told, s26a W03; an expired certificate, an MX host outside the
            # policy, s36b).
            if first.baseline_version != first.run.score_version:
                gone = rules.release_facts(
                    rules.Snapshot.from_dict(first.baseline or {}),
                    rules.Snapshot.from_run(first.run),
                )
                self.assertIn(change.key, {o.key for o in gone}, f"raised by a release: {change}")
            self.assertNotEqual(self._verdict(change, first.run), rules.Verdict.UNKNOWN, change)
            if change.confirmed_at is not None:
                confirming = runs[change.confirmed_run_id].run
                self.assertGreaterEqual(confirming.created, change.created + DELAY, change)
                self.assertNotEqual(confirming.pk, first.run.pk)
                self.assertEqual(self._verdict(change, confirming), rules.Verdict.HOLDS, change)
            if change.state == Change.State.RECOVERED:
                fixed = runs[change.recovered_run_id].run
                self.assertEqual(self._verdict(change, fixed), rules.Verdict.CLEAR, change)
                if change.mechanism:
                    # Withdrawing a mechanism is no fix of a problem within it.
                    self.assertFalse(
                        rules.Snapshot.from_run(fixed).not_deployed(change.mechanism, False),
                        f"'fixed' by removing {change.mechanism}: {change}",
                    )
                # Some earlier run of the same rubric saw the problem, or the fixing run sees the
                # fix itself (the same finding passing, a renewed certificate, the record back:
                # rules.seen_fixed, followed under new checks too since round s17a): "fixed" is
                # not a release.
                self.assertTrue(
                    any(
                        s.run.created < fixed.created
                        and s.run.score_version == fixed.score_version
                        and self._verdict(change, s.run) == rules.Verdict.HOLDS
                        for s in self.seen
                    )
                    or rules.seen_fixed(change.kind, change.key, rules.Snapshot.from_run(fixed)),
                    f"fixed by a release: {change}",
                )
        # Read once, with what each tells of: this runs after every step of 40 histories, and
        # a query per user, change and kind made it a third of the test's time.
        sent = list(
            Notification.objects.filter(status=Notification.Status.SENT).prefetch_related(
                Prefetch("changes", queryset=Change.objects.select_related("domain"))
            )
        )
        told_of: dict[int, set[int]] = {}
        for n in sent:
            told = list(n.changes.all())
            self.assertTrue(told, n)
            for c in told:
                self.assertIsNotNone(c.confirmed_at, f"{n.kind} email about an unconfirmed {c}")
            told_of[n.pk] = {c.pk for c in told}

        def telling(user: User, kind: str, c: Change) -> list[Notification]:
            """The user's sent notifications of `kind` that tell of `c`."""
            return [
                n for n in sent if n.user_id == user.pk and n.kind == kind and c.pk in told_of[n.pk]
            ]

        for user in self.users.values():
            for c in changes:
                alerts = len(telling(user, Notification.Kind.ALERT, c))
                fixes = len(telling(user, Notification.Kind.RECOVERY, c))
                digests_new = [
                    d
                    for d in telling(user, Notification.Kind.DIGEST, c)
                    if not (c.recovered_at and c.recovered_at <= d.covers_until)
                ]
                self.assertLessEqual(alerts, 1, f"{user} told twice of {c}")
                self.assertLessEqual(fixes, 1, f"{user} told twice {c} was fixed")
                if fixes:
                    self.assertEqual(c.state, Change.State.RECOVERED)
                    self.assertTrue(
                        alerts or digests_new, f"{user} told {c} was fixed, never told of it"
                    )
                digest_fixes = [
                    d
                    for d in telling(user, Notification.Kind.DIGEST, c)
                    if c.recovered_at and c.recovered_at <= d.covers_until
                ]
                for d in digest_fixes:
                    # "Fixed" in a digest: told before, or news before the digest's day.
                    self.assertTrue(
                        alerts
                        or digests_new
                        or (
                            c.confirmed_at and c.confirmed_at <= d.covers_until - timedelta(days=1)
                        ),
                        f"{user}: digest calls {c} fixed, never told of it",
                    )
                self.assertLessEqual(len(digests_new), 1, f"{user}: {c} in two digests")
                self.assertLessEqual(len(digest_fixes), 1, f"{user}: {c} fixed in two digests")

    # --- the test ---------------------------------------------------------------------------

    @settings(
        max_examples=int(os.environ.get("ALERTS_S9_EXAMPLES", "40")),
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(st.lists(step, min_size=10, max_size=40))
    def test_random_histories_keep_the_invariants(self, steps: list[tuple[Any, ...]]) -> None:
        mail.outbox = []
        self._play(copy.deepcopy(steps))
