"""A report is (address, submitter, report-id, day): a report-id a sender uses again for
another day is a report of its own (RFC 8460 §4.4: a unique identifier for the report; §4.1:
a report covers a day), where before it was kept as a copy of the first day's and its
sessions were not counted. reports.models.same_report decides which stored report a copy is
(the same day's, or one whose range overlaps); this index only keeps two reports of one day
from being stored.

The new unique index is built first, then the old one dropped: every row already satisfies
it (it is the old key and one column more), and the table is never without a unique key.
On PostgreSQL the index is built CONCURRENTLY (review s35v: ALTER TABLE … ADD CONSTRAINT built
it under an ACCESS EXCLUSIVE lock, so every parse and every page reading reports waited for the
whole build of a big table), outside a transaction (the migration is not atomic), then made the
constraint with USING INDEX, and the old one dropped: two short locks. An index a failed run
left behind half built (invalid) is dropped and built again; a run stopped after the attach or
the drop (not recorded, as the migration is not atomic) runs again to the end. Elsewhere (SQLite) the constraint
is added as Django adds one. Copies stored as duplicates before are counted by `manage.py
reparse --reused-ids` (docs/reports.md, "Upgrading past s35i")."""

from typing import Any

from django.db import migrations, models

NAME = "tlsreport_unique_report_day"
TABLE = "reports_tlsreport"
CONSTRAINT = models.UniqueConstraint(fields=("address", "submitter", "report_id", "day"), name=NAME)


def build_index(apps: Any, schema_editor: Any) -> None:
    """PostgreSQL: the unique index, built without a lock that stops reads or writes. One
    left invalid by an earlier run that failed half way is dropped first."""
    if schema_editor.connection.vendor != "postgresql":
        return
    # An interrupted CREATE INDEX CONCURRENTLY leaves an invalid index of this name, which
    # IF NOT EXISTS would keep: drop it (a short lock; it serves nothing) and build anew.
    schema_editor.execute(
        "DO $$ BEGIN IF EXISTS (SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = "
        f"i.indexrelid WHERE c.relname = '{NAME}' AND NOT i.indisvalid) THEN "
        f"DROP INDEX {NAME}; END IF; END $$"
    )
    schema_editor.execute(
        f"CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS {NAME} ON {TABLE} "
        '("address_id", "submitter", "report_id", "day")'
    )


class AddConstraintUsingIndex(migrations.AddConstraint):
    """AddConstraint, which on PostgreSQL takes the index build_index built (a short lock)
    instead of building one under ALTER TABLE's lock. Backwards as AddConstraint (DROP
    CONSTRAINT drops the index with it)."""

    def database_forwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        if schema_editor.connection.vendor != "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)
            return
        # A run stopped after this step (the migration is not atomic, so it is not recorded)
        # finds the constraint there when run again: attached once only.
        schema_editor.execute(
            "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = "
            f"'{NAME}' AND conrelid = '{TABLE}'::regclass) THEN "
            f'ALTER TABLE "{TABLE}" ADD CONSTRAINT "{NAME}" UNIQUE USING INDEX "{NAME}"; '
            "END IF; END $$"
        )


class RemoveConstraintIfThere(migrations.RemoveConstraint):
    """RemoveConstraint, which on PostgreSQL leaves alone a constraint already dropped by a
    run stopped before it was recorded."""

    def database_forwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        if schema_editor.connection.vendor != "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)
            return
        schema_editor.execute(f'ALTER TABLE "{TABLE}" DROP CONSTRAINT IF EXISTS "{self.name}"')


class Migration(migrations.Migration):
    # CREATE INDEX CONCURRENTLY cannot run inside a transaction.
    atomic = False

    dependencies = [
        ("reports", "0013_tlsreport_alerts_told"),
    ]

    operations = [
        migrations.RunPython(build_index, migrations.RunPython.noop, elidable=False),
        AddConstraintUsingIndex(model_name="tlsreport", constraint=CONSTRAINT),
        RemoveConstraintIfThere(model_name="tlsreport", name="tlsreport_unique_report"),
    ]
