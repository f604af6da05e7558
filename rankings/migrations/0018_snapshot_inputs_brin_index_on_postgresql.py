"""Kept inputs are found by snapshot through a BRIN index on PostgreSQL instead of a composite
b-tree: a snapshot writes its 100,000 inputs in one statement, so they lie in consecutive pages
and a block-range summary finds them, at a fraction of the b-tree's cost on every insert (about
half the cost of keeping a member snapshot's inputs). Every lookup is by snapshot (loading a
snapshot's inputs, the drift report, deletion of a draft); the subject and member are compared
after, in a hash join.

SQLite has no BRIN: it keeps an ordinary index on the snapshot. Neither is in the model's state
(Django would write `USING brin` on SQLite too), so a later migration that rebuilds this table
on SQLite must put the index back, as 0014 does for the guards."""

from django.db import migrations

BRIN = "CREATE INDEX rankings_snapshotinput_snapshot ON rankings_snapshotinput USING brin (snapshot_id)"
BTREE = "CREATE INDEX rankings_snapshotinput_snapshot ON rankings_snapshotinput (snapshot_id)"
DROP = "DROP INDEX rankings_snapshotinput_snapshot"


def create(apps, schema_editor):
    schema_editor.execute(BRIN if schema_editor.connection.vendor == "postgresql" else BTREE, params=None)


def drop(apps, schema_editor):
    schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("rankings", "0017_snapshot_rows_without_a_second_snapshot_index"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="snapshotinput", name="rankings_sn_snapsho_5dd5b5_idx"),
        migrations.RunPython(create, drop),
    ]
