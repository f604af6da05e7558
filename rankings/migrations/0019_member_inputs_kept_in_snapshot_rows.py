"""A member ranking by total keeps its participants' inputs in its own rows (one row per member,
every input a column of it) instead of writing the same 100,000 facts again as SnapshotInput
rows. `Snapshot.inputs_in_rows` says where a snapshot's inputs are; snapshots kept before read
their SnapshotInput rows as always (NULL here).

The flag decides what verification reads, so it is one of a frozen snapshot's fixed columns:
0006's guard on rankings_snapshot is put back with it on both databases. The column is nullable
without a default, so SQLite adds it in place and keeps the table's triggers."""

from importlib import import_module

from django.db import migrations, models

guards = import_module("rankings.migrations.0006_snapshot_rows_and_inputs_guarded_on_both_databases")
FIXED = guards.FIXED + ", inputs_in_rows"


def _conditions(new: list[str], old: list[str]) -> str:
    return " AND ".join(f"{n} IS {o}" for n, o in zip(new, old, strict=True))


def _sqlite_snapshot_guard(fixed: str) -> str:
    """0006's SQLite guard on rankings_snapshot, comparing the columns `fixed`."""
    new, old = (part.split(", ") for part in guards._fixed_columns("NEW", "OLD", fixed))
    before = _conditions(guards.SQLITE_NEW_FIXED, guards.SQLITE_OLD_FIXED)
    return guards.SQLITE_CREATE[0].replace(before, _conditions(new, old))


def _guard(fixed: str):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(guards._snapshot_function(fixed), params=None)
        elif schema_editor.connection.vendor == "sqlite":
            schema_editor.execute("DROP TRIGGER IF EXISTS rankings_snapshot_frozen_update", params=None)
            schema_editor.execute(_sqlite_snapshot_guard(fixed), params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("rankings", "0018_snapshot_inputs_brin_index_on_postgresql"),
    ]

    operations = [
        migrations.AddField(
            model_name="snapshot",
            name="inputs_in_rows",
            field=models.BooleanField(null=True, editable=False),
        ),
        migrations.RunPython(_guard(FIXED), _guard(guards.FIXED)),
    ]
