"""Snapshot rows lose their index on the snapshot alone: the unique (snapshot, subject) index
serves every lookup by snapshot, and each index costs on each of a snapshot's 100,000 inserts.

SQLite drops the index by rebuilding the table (rows copied as they are, so every snapshot stays
verifiable), which drops the table's guards: put 0006's back, as 0014 does."""

from importlib import import_module

import django.db.models.deletion
from django.db import migrations, models

restored = import_module("rankings.migrations.0014_sqlite_guards_restored_after_new_columns")


class Migration(migrations.Migration):
    dependencies = [
        ("rankings", "0016_rule_english_title"),
    ]

    operations = [
        # Both ways round the rebuild: undoing it rebuilds the table again.
        migrations.RunPython(migrations.RunPython.noop, restored.restore),
        migrations.AlterField(
            model_name="snapshotrow",
            name="snapshot",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="rows",
                to="rankings.snapshot",
            ),
        ),
        migrations.RunPython(restored.restore, migrations.RunPython.noop),
    ]
