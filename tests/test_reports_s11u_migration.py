"""Migration 0012 (RawReport.report_index) does not stop report intake on PostgreSQL.

Django's own operations ran in one transaction holding ACCESS EXCLUSIVE on reports_rawreport
while the new column's CHECK scanned the table and the new unique index was built (16 s for
2 million rows: no report stored, none parsed). The migration now runs step by step outside
a transaction, the scan and the build under locks that let writes through, so between its
statements any other connection writes to the table. On every database it ends in the schema
the model describes."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from hashlib import sha256
from typing import Any
from unittest import mock

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils.timezone import now

from reports.models import RawReport, ReportAddress

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE, AFTER = (
    ("reports", "0011_rawreport_report_submitter"),
    ("reports", "0012_rawreport_report_index"),
)


@pytest.fixture
def before_0012() -> Iterator[None]:
    """The database as it was before 0012; migrated to the latest again afterwards."""
    call_command("migrate", *BEFORE, verbosity=0)
    try:
        yield
    finally:
        call_command("migrate", "reports", verbosity=0)


def _other_connection() -> Any:
    import psycopg

    db = connection.settings_dict
    return psycopg.connect(
        dbname=db["NAME"],
        user=db["USER"],
        password=db["PASSWORD"] or None,
        host=db["HOST"] or None,
        port=db["PORT"] or None,
        autocommit=True,
    )


def test_intake_writes_between_every_statement_of_0012_on_postgresql(before_0012: None) -> None:
    if connection.vendor != "postgresql":
        if IN_CI:
            pytest.fail("CI runs this against PostgreSQL (DATABASE_URL)", pytrace=False)
        pytest.skip("table locks of a migration are PostgreSQL's")
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO reports_reportaddress (token, domain_name, created) "
            "VALUES ('u-0012', 'example.com', now()) RETURNING id"
        )
        address_id = cursor.fetchone()[0]
    other = _other_connection()
    executed: list[str] = []
    blocked: list[str] = []
    execute = type(connection.schema_editor()).execute

    def execute_then_store_a_report(editor: Any, sql: Any, params: Any = ()) -> None:
        """Run the migration's statement, then store a report from another connection, as
        the intake would, waiting at most a second for the table."""
        execute(editor, sql, params)
        executed.append(str(sql))
        try:
            with other.transaction():
                other.execute("SET LOCAL lock_timeout = '1s'")
                other.execute(
                    "INSERT INTO reports_rawreport (public_id, source, body, sha256, size, "
                    "content_type, headers, intake_warnings, received_at, parse_status, error, "
                    "attempts, dkim_result, dkim_domain, dkim_selector, dkim_detail, "
                    "address_id, report_submitter) VALUES (%s, 'https', '\\x7b7d', %s, 2, '', "
                    "'{}', '[]', now(), 'pending', '', 0, '', '', '', '', %s, '')",
                    (uuid.uuid4(), uuid.uuid4().hex, address_id),
                )
        except Exception as e:  # psycopg.errors.LockNotAvailable: the migration holds it
            blocked.append(f"{sql} -> {type(e).__name__}")

    try:
        with mock.patch.object(
            type(connection.schema_editor()), "execute", execute_then_store_a_report
        ):
            call_command("migrate", *AFTER, verbosity=0)
    finally:
        other.close()
    assert len(executed) >= 3
    assert blocked == []
    # Every report stored meanwhile is report 0 of its body, and the new unique body holds.
    assert set(RawReport.objects.values_list("report_index", flat=True)) == {0}
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, "reports_rawreport")
    assert constraints["rawreport_unique_body"]["columns"] == [
        "address_id",
        "sha256",
        "report_index",
    ]
    assert constraints["rawreport_unique_body"]["unique"]


def test_0012_migrates_back_and_forth_to_the_schema_the_model_describes(
    before_0012: None,
) -> None:
    address = ReportAddress.objects.create(domain_name="example.com")
    call_command("migrate", *AFTER, verbosity=0)
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, "reports_rawreport")
    uniques = [c["columns"] for c in constraints.values() if c["unique"]]
    assert ["address_id", "sha256", "report_index"] in uniques
    assert ["address_id", "sha256"] not in uniques
    # Nothing left for makemigrations (it exits non-zero when the model differs).
    call_command("makemigrations", "reports", "--check", "--dry-run", verbosity=0)
    executor = MigrationExecutor(connection)
    # 0012 and all before it are applied; of this app only later ones are left. About the
    # reports app alone: another app's migration landing while the suite runs (or one that
    # depends on reports and was unapplied with it) is no concern of 0012's.
    assert AFTER in executor.loader.applied_migrations
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    assert all(m.name > AFTER[1] for m, _ in plan if m.app_label == "reports")
    # A row inserted without the column (ingest_files' COPY, a worker on the release before)
    # is report 0 of its body; another report of the same body is a row of its own.
    body = b'{"report": 1}'
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO reports_rawreport (public_id, source, body, sha256, size, "
            "content_type, headers, intake_warnings, received_at, parse_status, error, "
            "attempts, dkim_result, dkim_domain, dkim_selector, dkim_detail, address_id, "
            "report_submitter) VALUES (%s, 'email', %s, %s, %s, '', '{}', '[]', %s, "
            "'pending', '', 0, '', '', '', '', %s, '')",
            [uuid.uuid4().hex, body, sha256(body).hexdigest(), len(body), now(), address.pk],
        )
    first = RawReport.objects.get()
    assert first.report_index == 0
    assert RawReport.store(address, body, source=RawReport.EMAIL) == (first, False)
    second, created = RawReport.store(address, body, source=RawReport.EMAIL, report_index=1)
    assert (second.report_index, created) == (1, True)
    # The unique index itself refuses a second row of the same body and index: the database
    # keeps one copy when two intake workers store the same report at once (RawReport.store
    # reads before it writes, and both may read nothing). Fails when the index is dropped.
    with pytest.raises(IntegrityError), transaction.atomic():
        RawReport.objects.create(
            address=address,
            source=RawReport.EMAIL,
            body=body,
            sha256=sha256(body).hexdigest(),
            size=len(body),
            report_index=1,
        )
