"""Change.note becomes a text: a recovery note of a change raised from TLS reports (what the
reports said since, with their session counts) no longer fits 200 characters, and was cut
mid-word. Only the column's width changes: no row is read, rewritten or added (on
PostgreSQL varchar → text is a catalogue change, with no table rewrite)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("alerts", "0007_weekly_summary"),
    ]

    operations = [
        migrations.AlterField(
            model_name="change",
            name="note",
            field=models.TextField(blank=True),
        ),
    ]
