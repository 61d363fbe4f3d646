"""RawReport.report_index: which report of an e-mail a raw report is (0: the first). A message
carrying several reports (a digest, a forward of two) is stored as one row per report, each
holding the whole message, so the unique body is (address, sha256, report_index). Existing
rows are the first report of their message (0), which is what was read from them.

On PostgreSQL the table is never locked for longer than a catalogue change. Django's own
operations (one transaction) held ACCESS EXCLUSIVE on reports_rawreport — no intake, no parse
— while the CHECK of the new column scanned the table and the new unique index was built:
16 s for 2 million rows. Instead, not atomic, step by step:

1. the column, with its constant default (no rewrite since PostgreSQL 11) and without CHECK;
2. the CHECK (report_index >= 0, as PositiveSmallIntegerField has it) added NOT VALID, then
   validated, which scans under SHARE UPDATE EXCLUSIVE: reads and writes go on;
3. the new unique index built CONCURRENTLY;
4. one ALTER TABLE that drops the old constraint and makes the new index the constraint
   (renamed rawreport_unique_body): the table is never without a unique body.

Each step may run again after a failure of a later one (a CONCURRENTLY build that fails leaves
an invalid index, dropped first). Other databases (SQLite) run Django's operations, which
rebuild the table there anyway.
"""

from contextlib import AbstractContextManager, nullcontext
from typing import Any

from django.db import migrations, models, transaction
from django.db.migrations.operations.base import Operation
from django.db.migrations.state import ProjectState

TABLE = "reports_rawreport"
UNIQUE = "rawreport_unique_body"
NEW_INDEX = "rawreport_unique_body_new"
# The name PostgreSQL gives the CHECK of a PositiveSmallIntegerField created with the table.
CHECK = "reports_rawreport_report_index_check"

POSTGRESQL = [
    f'ALTER TABLE "{TABLE}" ADD COLUMN IF NOT EXISTS "report_index" smallint DEFAULT 0 NOT NULL',
    f'ALTER TABLE "{TABLE}" DROP CONSTRAINT IF EXISTS "{CHECK}", '
    f'ADD CONSTRAINT "{CHECK}" CHECK ("report_index" >= 0) NOT VALID',
    f'ALTER TABLE "{TABLE}" VALIDATE CONSTRAINT "{CHECK}"',
    f'DROP INDEX CONCURRENTLY IF EXISTS "{NEW_INDEX}"',
    f'CREATE UNIQUE INDEX CONCURRENTLY "{NEW_INDEX}" '
    f'ON "{TABLE}" ("address_id", "sha256", "report_index")',
    f'ALTER TABLE "{TABLE}" DROP CONSTRAINT "{UNIQUE}", '
    f'ADD CONSTRAINT "{UNIQUE}" UNIQUE USING INDEX "{NEW_INDEX}"',
]

OPERATIONS = [
    migrations.RemoveConstraint(
        model_name="rawreport",
        name=UNIQUE,
    ),
    migrations.AddField(
        model_name="rawreport",
        name="report_index",
        field=models.PositiveSmallIntegerField(db_default=0, default=0),
    ),
    migrations.AddConstraint(
        model_name="rawreport",
        constraint=models.UniqueConstraint(
            fields=("address", "sha256", "report_index"), name=UNIQUE
        ),
    ),
]


class OnPostgreSQL(Operation):
    """Database work only: `statements` one by one on PostgreSQL, else Django's `operations`
    (in a transaction where DDL can be rolled back). Backwards, Django's operations
    reversed, on every database."""

    def __init__(self, statements: list[str], operations: list[Operation]) -> None:
        self.statements = statements
        self.operations = operations

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        pass  # the state is SeparateDatabaseAndState's state_operations

    def _states(self, app_label: str, state: ProjectState) -> list[ProjectState]:
        """The state before each of `operations`, and after the last."""
        states = [state]
        for operation in self.operations:
            states.append(states[-1].clone())
            operation.state_forwards(app_label, states[-1])
        return states

    def database_forwards(
        self, app_label: str, schema_editor: Any, from_state: ProjectState, to_state: ProjectState
    ) -> None:
        if schema_editor.connection.vendor == "postgresql":
            for statement in self.statements:
                schema_editor.execute(statement)
            return
        states = self._states(app_label, from_state)
        with self._atomic(schema_editor):
            for n, operation in enumerate(self.operations):
                operation.database_forwards(app_label, schema_editor, states[n], states[n + 1])

    def database_backwards(
        self, app_label: str, schema_editor: Any, from_state: ProjectState, to_state: ProjectState
    ) -> None:
        states = self._states(app_label, to_state)
        with self._atomic(schema_editor):
            for n in reversed(range(len(self.operations))):
                self.operations[n].database_backwards(
                    app_label, schema_editor, states[n + 1], states[n]
                )

    @staticmethod
    def _atomic(schema_editor: Any) -> AbstractContextManager[Any]:
        """All of Django's operations or none (SQLite's table rebuilds are several steps)."""
        connection = schema_editor.connection
        if not connection.features.can_rollback_ddl:
            return nullcontext()
        return transaction.atomic(using=connection.alias)

    def describe(self) -> str:
        return "Add RawReport.report_index and its unique body without a long table lock"


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("reports", "0011_rawreport_report_submitter"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=OPERATIONS,
            database_operations=[OnPostgreSQL(POSTGRESQL, OPERATIONS)],
        ),
    ]
