"""The partial index of the reports whose date-range is longer than 48 hours (the parser warns
of them: rare), by (address, submitter, report-id, start): reports.models.stored_report finds
the stored report a copy is by index (s37c), the short ranges by a window of days of the
unique index, the long ones by this one, instead of reading every report of a report-id.

On PostgreSQL it is built CONCURRENTLY, as 0014's index (a plain CREATE INDEX would hold
every parse's insert for the whole scan of a big table), outside a transaction (the migration
is not atomic); one left invalid by a run that failed half way is dropped and built again,
one a run built before it stopped is kept. Elsewhere (SQLite) it is added as Django adds one."""

import datetime
from typing import Any

import django.db.models.expressions
import django.db.models.lookups
from django.db import migrations, models

NAME = "tlsreport_long_range"


class AddIndexConcurrently(migrations.AddIndex):
    """AddIndex, built CONCURRENTLY on PostgreSQL (see above)."""

    def database_forwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        if schema_editor.connection.vendor != "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)
            return
        model = to_state.apps.get_model(app_label, self.model_name)
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(
                "SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                "WHERE c.relname = %s",
                [NAME],
            )
            found = cursor.fetchone()
        if found is not None and found[0]:
            return
        if found is not None:
            schema_editor.execute(f'DROP INDEX CONCURRENTLY IF EXISTS "{NAME}"')
        schema_editor.add_index(model, self.index, concurrently=True)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("reports", "0014_tlsreport_unique_report_day"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="tlsreport",
            index=models.Index(
                condition=models.Q(
                    django.db.models.lookups.GreaterThan(
                        models.ExpressionWrapper(
                            django.db.models.expressions.CombinedExpression(
                                models.F("end"), "-", models.F("start")
                            ),
                            output_field=models.DurationField(),
                        ),
                        models.Value(
                            datetime.timedelta(days=2), output_field=models.DurationField()
                        ),
                    )
                ),
                fields=["address", "submitter", "report_id", "start"],
                name=NAME,
            ),
        ),
    ]
