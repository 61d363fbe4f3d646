"""A release of the checks under one score version (checks.scoring.CHECKS_RELEASE): the first
run after a deploy whose checks judge something otherwise (s31l: MX-02 fails a second null MX;
s31f: SPF-09 moves between pass, warn and fail for split ranges) must not email a "new failure"
or a "fixed" for what only the checks changed, as a new score version never did."""

from __future__ import annotations

import copy
from typing import Any

from django.core import mail
from django.test import override_settings
from django.utils import timezone

from checks import scoring
from mailsec.alerts import rules
from mailsec.alerts.models import Change
from mailsec.domains.models import CheckRun
from tests.test_alerts import AlertRunsTestCase, finding, good_result

OLD_RELEASE = "2026-11-30"


def released(result: dict[str, Any], release: str | None) -> dict[str, Any]:
    result = copy.deepcopy(result)
    result["score_version"] = scoring.SCORE_VERSION
    result["score_detail"] = {} if release is None else {"checks_release": release}
    return result


def with_fail(result: dict[str, Any]) -> dict[str, Any]:
    """The same DNS judged by checks that now fail it (a second null MX: MX-02)."""
    result = copy.deepcopy(result)
    result["findings"].append(finding("MX-02", "fail", "mx", "a.test"))
    result["mechanisms"]["mx"] = "fail"
    result["score"] = 80
    return result


@override_settings(
    ALERT_CONFIRM_DELAY=0,
    ALERT_SCORE_DROP=10,
    EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    SITE_ROOT="https://mailsec.example",
)
class ChecksReleaseTestCase(AlertRunsTestCase):
    def test_a_release_that_fails_what_passed_raises_nothing(self) -> None:
        self.observe(released(good_result(), OLD_RELEASE))
        outcome = self.observe(released(with_fail(good_result()), scoring.CHECKS_RELEASE))
        self.assertEqual(outcome.suspected, [])
        self.observe(released(with_fail(good_result()), scoring.CHECKS_RELEASE), kind="confirm")
        self.assertFalse(Change.objects.exists())
        self.assertEqual(mail.outbox, [])

    def test_runs_stored_before_releases_were_named_are_another_release(self) -> None:
        self.observe(released(good_result(), None))
        outcome = self.observe(released(with_fail(good_result()), scoring.CHECKS_RELEASE))
        self.assertEqual(outcome.suspected, [])
        self.assertFalse(Change.objects.exists())

    def test_the_same_release_still_tells_a_new_failure(self) -> None:
        # The control: with one release on both sides the fault is the domain's.
        self.observe(released(good_result(), scoring.CHECKS_RELEASE))
        outcome = self.observe(released(with_fail(good_result()), scoring.CHECKS_RELEASE))
        self.assertIn("MX-02", [c.check_id for c in outcome.suspected])

    def test_after_the_release_the_new_reference_tells_the_next_fault(self) -> None:
        self.observe(released(good_result(), OLD_RELEASE))
        self.observe(released(good_result(), scoring.CHECKS_RELEASE))
        outcome = self.observe(released(with_fail(good_result()), scoring.CHECKS_RELEASE))
        self.assertIn("MX-02", [c.check_id for c in outcome.suspected])


def test_every_scored_report_names_the_release() -> None:
    from checks.findings import DomainReport

    report = DomainReport(domain="a.test")
    scoring.apply(report)
    assert report.score_detail["checks_release"] == scoring.CHECKS_RELEASE


def test_the_release_survives_the_stored_baseline() -> None:
    run = CheckRun(
        created=timezone.now(),
        score=90,
        score_version=7,
        score_detail={"checks_release": "2026-12-03"},
        mechanisms={},
        findings=[],
    )
    snapshot = rules.Snapshot.from_run(run)
    again = rules.Snapshot.from_dict(snapshot.to_dict())
    assert again.checks_release == "2026-12-03"
    assert again.same_rubric(snapshot)
    assert not again.same_rubric(
        rules.Snapshot.from_dict(snapshot.to_dict() | {"checks_release": None})
    )


def test_docs_name_the_current_release() -> None:
    from pathlib import Path

    text = Path(__file__).resolve().parent.parent.joinpath("docs", "scoring.md").read_text()
    assert f"now\n{scoring.CHECKS_RELEASE})" in text or f"now {scoring.CHECKS_RELEASE})" in text
