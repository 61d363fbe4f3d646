"""Migration reports/0014 runs again to the end after a run stopped half way (review s35v).

0014 is not atomic (CREATE INDEX CONCURRENTLY cannot run in a transaction), so Django records
it only after its last step. A run stopped after the new constraint was attached, or after the
old one was dropped, left the database between states and unrecorded: running `migrate` again
failed on "constraint already exists" (or on the old constraint's absence), and the deploy
needed hand-made SQL. The steps are now idempotent on PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from django.core.management import call_command
from django.db import connection

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = ("reports", "0013_tlsreport_alerts_told")
NEW, OLD = "tlsreport_unique_report_day", "tlsreport_unique_report"


@pytest.fixture
def before_0014() -> Iterator[None]:
    if connection.vendor != "postgresql":
        if IN_CI:
            pytest.fail("CI runs this against PostgreSQL (DATABASE_URL)", pytrace=False)
        pytest.skip("a non-atomic migration's half-way states are PostgreSQL's")
    call_command("migrate", *BEFORE, verbosity=0)
    try:
        yield
    finally:
        call_command("migrate", "reports", verbosity=0)


def _constraints() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname FROM pg_constraint WHERE conrelid = 'reports_tlsreport'::regclass "
            "AND contype = 'u'"
        )
        return {row[0] for row in cursor.fetchall()}


def _stop_after(step: str) -> None:
    """Do by hand what 0014 had done when it stopped after `step`."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE UNIQUE INDEX {NEW} ON reports_tlsreport "
            '("address_id", "submitter", "report_id", "day")'
        )
        cursor.execute(
            f"ALTER TABLE reports_tlsreport ADD CONSTRAINT {NEW} UNIQUE USING INDEX {NEW}"
        )
        if step == "drop":
            cursor.execute(f"ALTER TABLE reports_tlsreport DROP CONSTRAINT {OLD}")


@pytest.mark.parametrize("step", ["attach", "drop"])
def test_0014_runs_again_after_stopping_half_way(before_0014: None, step: str) -> None:
    assert OLD in _constraints() and NEW not in _constraints()
    _stop_after(step)
    call_command("migrate", "reports", "0014", verbosity=0)
    assert _constraints() >= {NEW}
    assert OLD not in _constraints()
