"""MTASTS-09 needs history: each run stores the MTA-STS record id and policy digest it saw,
and the next scheduled run hands them to the engine (CheckConfig.mtasts_previous)."""

from __future__ import annotations

import hashlib
from typing import Any
from unittest import mock

import pytest
from django.utils import timezone

from checks.config import CheckConfig
from checks.findings import DomainReport, Finding, Mechanism, Status
from mailsec.domains import tasks
from mailsec.domains.models import CheckRun, Domain
from tests.conftest import BaseTestCase
from tests.test_mtasts import POLICY, evaluate
from tests.test_mx import statuses

ID = "20260601T0000"  # the id in tests.test_mtasts.ZONE
SHA = hashlib.sha256(POLICY.encode()).hexdigest()
CHANGED = POLICY.replace("max_age: 604800", "max_age: 1209600")
MEANING = hashlib.sha256(b"enforce\n604800\nmx1.example.org\nmx2.example.org").hexdigest()


def evaluate_after(
    monkeypatch: pytest.MonkeyPatch, previous: tuple[str, str] | None, body: str = POLICY
) -> list[Finding]:
    return evaluate(monkeypatch, body=body, previous=previous)


def test_same_id_different_body_warns(monkeypatch: pytest.MonkeyPatch) -> None:
    findings = evaluate_after(monkeypatch, (ID, SHA), body=CHANGED)
    assert statuses(findings, "MTASTS-09") == [Status.WARN]
    (f,) = [f for f in findings if f.id == "MTASTS-09"]
    assert f.evidence["previous"] == {"id": ID, "policy_sha256": SHA}
    assert f.evidence["current"]["policy_sha256"] not in (SHA, MEANING)
    assert f.fix.startswith("_mta-sts.example.org. TXT")


def test_new_id_same_body_is_a_harmless_note(monkeypatch: pytest.MonkeyPatch) -> None:
    findings = evaluate_after(monkeypatch, ("20250101T0000", SHA))
    assert statuses(findings, "MTASTS-09") == [Status.INFO]


@pytest.mark.parametrize("previous", [None, (ID, SHA)])
def test_nothing_to_say_without_history_or_change(
    monkeypatch: pytest.MonkeyPatch, previous: tuple[str, str] | None
) -> None:
    assert statuses(evaluate_after(monkeypatch, previous), "MTASTS-09") == []


def test_policy_findings_carry_what_the_next_run_needs(monkeypatch: pytest.MonkeyPatch) -> None:
    findings = evaluate_after(monkeypatch, None)
    (f,) = [f for f in findings if f.id == "MTASTS-20"]
    # The digest of what the policy means to a sender (mode, max_age, the mx set).
    assert (f.evidence["record_id"], f.evidence["policy_sha256"]) == (ID, MEANING)


@pytest.mark.parametrize(
    "body",
    [
        POLICY.replace("\r\n", "\n"),  # LF instead of CRLF
        "version: STSv1\nmx: mx2.example.org\nmode: enforce\nmx: mx1.example.org\n"
        "max_age: 604800\nx-note: moved\n",  # other order, an extension
    ],
    ids=["line endings", "order and extension"],
)
def test_a_change_that_means_nothing_to_senders_needs_no_new_id(
    monkeypatch: pytest.MonkeyPatch, body: str
) -> None:
    assert statuses(evaluate_after(monkeypatch, (ID, MEANING), body=body), "MTASTS-09") == []


def test_a_record_senders_discard_leaves_no_reference(monkeypatch: pytest.MonkeyPatch) -> None:
    # Under an invalid id senders keep their cached policy: this run must not become what a
    # later run compares with, or a policy changed meanwhile would pass unnoticed.
    from tests.test_mtasts import ZONE

    zone = {**ZONE, ("_mta-sts.example.org", "TXT"): ['"v=STSv1; id=2026-06-01"']}
    findings = evaluate(monkeypatch, zone)
    assert not any("record_id" in (f.evidence or {}) for f in findings)


def test_check_config_default_has_no_history() -> None:
    assert CheckConfig().mtasts_previous is None


class RunHistoryTestCase(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        now = timezone.now()
        self.domain = Domain.objects.create(
            team=self.team, name="sts.example", verified_at=now, next_check_at=now
        )
        self.configs: list[CheckConfig] = []
        self.served: list[tuple[str, str] | None] = []

    def fake_check(self, name: str, config: CheckConfig, **kw: Any) -> DomainReport:
        self.configs.append(config)
        report = DomainReport(domain=name, score=90, score_version=1)
        served = self.served.pop(0)
        ev = {"record_id": served[0], "policy_sha256": served[1]} if served else {}
        report.findings = [Finding("MTASTS-20", Status.PASS, Mechanism.MTASTS, "ok", evidence=ev)]
        return report

    def run_once(self, served: tuple[str, str] | None) -> CheckRun:
        self.served.append(served)
        run = CheckRun.objects.create(domain=self.domain)
        with mock.patch("checks.engine.check_domain_sync", side_effect=self.fake_check):
            self.assertEqual(tasks.run_check(str(run.code)), "done")
        run.refresh_from_db()
        return run

    def test_each_run_gets_the_last_seen_id_and_digest(self) -> None:
        first = self.run_once((ID, SHA))
        self.assertEqual((first.mtasts_id, first.mtasts_policy_sha256), (ID, SHA))
        self.assertIsNone(self.configs[0].mtasts_previous)
        # The policy host was down on the second run: nothing stored, nothing forgotten.
        second = self.run_once(None)
        self.assertEqual((second.mtasts_id, second.mtasts_policy_sha256), ("", ""))
        self.assertEqual(self.configs[1].mtasts_previous, (ID, SHA))
        self.run_once((ID, "b" * 64))
        self.assertEqual(self.configs[2].mtasts_previous, (ID, SHA))
        self.run_once((ID, "b" * 64))
        self.assertEqual(self.configs[3].mtasts_previous, (ID, "b" * 64))

    def test_history_is_per_domain(self) -> None:
        self.run_once((ID, SHA))
        other = Domain.objects.create(team=self.team, name="other.example", verified_at=None)
        self.assertIsNone(other.mtasts_previous())
