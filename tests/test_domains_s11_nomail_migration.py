"""Domain.last_worst keeps "no_mail" since the domain page, the list and the weekly summary
read a null MX from it (a237911); rows written before that lacked it, so a signed null-MX
domain went on showing "100 / 100" until its next check, up to MAILSEC_CHECK_INTERVAL later.
Migration 0008 fills it from each domain's last finished run, with the helper the live code
uses (checks.scoring.receives_no_mail).

Runs are real engine reports against an in-memory DNS (tests/test_freecheck_s9_results)."""

from __future__ import annotations

from importlib import import_module
from typing import Any

from django.apps.registry import Apps
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from mailsec.domains.models import Domain
from tests.conftest import BaseTestCase
from tests.test_freecheck_s9_results import NULL_MX, engine_report, page_text, signed
from tests.test_lessons_s11_nomail import BIG_NA, WITH_MX, store
from tests.test_mx import FakeDns

MIGRATION = ("domains", "0008_domain_last_worst_no_mail")
migration = import_module(f"mailsec.domains.migrations.{MIGRATION[1]}")


def historical_apps() -> Apps:
    """The models as `migrate` hands them to the migration: no methods, no signals."""
    return MigrationExecutor(connection).loader.project_state(MIGRATION).apps


def as_written_before_no_mail(domain: Domain) -> dict[str, Any]:
    """Take "no_mail" out of the domain's row, as rows written before a237911 were."""
    domain.refresh_from_db()
    before = {k: v for k, v in (domain.last_worst or {}).items() if k != "no_mail"}
    Domain.objects.filter(pk=domain.pk).update(last_worst=before)
    return before


class NoMailMigrationTestCase(BaseTestCase):
    apps: Apps

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.apps = historical_apps()

    def setUp(self) -> None:
        self.client.force_login(self.alice)
        self.null_mx = Domain.objects.create(
            team=self.team, name="nomail.example.org", verified_at=timezone.now()
        )
        store(self.null_mx, signed(engine_report("nomail.example.org", FakeDns(NULL_MX))))
        self.with_mx = Domain.objects.create(
            team=self.team, name="mail.example.org", verified_at=timezone.now()
        )
        report = signed(engine_report("nomail.example.org", FakeDns(WITH_MX)))
        report.domain = "mail.example.org"
        store(self.with_mx, report)

    def page(self, domain: Domain) -> str:
        return self.client.get(f"/domains/{domain.code}/").content.decode()

    def test_it_fills_no_mail_of_a_null_mx_domain_from_its_last_run(self) -> None:
        before = as_written_before_no_mail(self.null_mx)
        self.assertIn("100 / 100", page_text(self.page(self.null_mx).encode()))
        migration.fill(self.apps, None)
        self.null_mx.refresh_from_db()
        # What the row kept is kept; only the answer is added.
        self.assertEqual(self.null_mx.last_worst, {**before, "no_mail": True})
        self.assertTrue(self.null_mx.receives_no_mail)
        page = self.page(self.null_mx)
        self.assertRegex(page, BIG_NA)
        self.assertNotIn("100 / 100", page_text(page.encode()))
        listing = page_text(self.client.get("/domains/").content)
        self.assertIn("nomail.example.org n/a receives no mail", listing)

    def test_it_leaves_a_domain_that_receives_mail_as_it_was(self) -> None:
        before = as_written_before_no_mail(self.with_mx)
        migration.fill(self.apps, None)
        self.with_mx.refresh_from_db()
        self.assertEqual(self.with_mx.last_worst, before)
        self.assertFalse(self.with_mx.receives_no_mail)

    def test_it_leaves_a_domain_never_checked_as_it_was(self) -> None:
        new = Domain.objects.create(team=self.team, name="new.example.org")
        migration.fill(self.apps, None)
        new.refresh_from_db()
        self.assertIsNone(new.last_run_id)
        self.assertIsNone(new.last_worst)

    def test_it_is_safe_to_run_twice(self) -> None:
        before = as_written_before_no_mail(self.null_mx)
        migration.fill(self.apps, None)
        with CaptureQueriesContext(connection) as queries:
            migration.fill(self.apps, None)
        self.null_mx.refresh_from_db()
        self.assertEqual(self.null_mx.last_worst, {**before, "no_mail": True})
        writes = [q["sql"] for q in queries if not q["sql"].lstrip().upper().startswith("SELECT")]
        self.assertEqual(writes, [], "the second run wrote again")

    def test_it_reads_findings_only_of_runs_that_may_be_null_mx(self) -> None:
        # Many domains that receive mail, rows as written before: their runs' findings (the
        # heavy part) are never loaded, and the queries do not grow with the domains.
        for i in range(30):
            domain = Domain.objects.create(team=self.team, name=f"d{i}.example.org")
            report = signed(engine_report("nomail.example.org", FakeDns(WITH_MX)))
            store(domain, report)
        for domain in Domain.objects.all():
            as_written_before_no_mail(domain)
        with CaptureQueriesContext(connection) as queries:
            migration.fill(self.apps, None)
        self.assertLessEqual(len(queries), 8)
        self.null_mx.refresh_from_db()
        self.assertTrue(self.null_mx.receives_no_mail)
        self.assertEqual(Domain.objects.filter(last_worst__has_key="no_mail").count(), 1)
