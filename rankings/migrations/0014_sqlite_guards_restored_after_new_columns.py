"""SQLite adds a NOT NULL column by rebuilding the table, which drops its triggers: 0007 to 0013
rebuilt rankings_snapshotrow and rankings_snapshotinput after 0006 guarded them. Put 0006's
SQLite guards back (every one, dropped first if still there). PostgreSQL adds columns in place
and keeps its triggers."""

from importlib import import_module

from django.db import migrations

guards = import_module("rankings.migrations.0006_snapshot_rows_and_inputs_guarded_on_both_databases")


def restore(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for statement in guards.SQLITE_DROP:
        schema_editor.execute(statement.replace("DROP TRIGGER", "DROP TRIGGER IF EXISTS"), params=None)
    for statement in guards.SQLITE_CREATE:
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("rankings", "0013_snapshot_inputs_keep_answers_and_sources"),
    ]

    operations = [migrations.RunPython(restore, migrations.RunPython.noop)]
