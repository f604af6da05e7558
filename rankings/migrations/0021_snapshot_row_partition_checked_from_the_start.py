"""A snapshot's table of rows (rankings 0020) carries, from the moment it is made and while it is
still empty, a CHECK that every row belongs to its snapshot. `ATTACH PARTITION` then finds the
partition bound implied by that constraint and skips its validating scan of the filled table
(checking each row on insert costs next to nothing). Adding the CHECK after the load would scan
just as `ATTACH` does; docs/benchmarks.md, "One partition per snapshot".

The index builds run without parallel workers: at 100,000 rows launching two workers and merging
their sorted runs through temporary files cost more than one sort in memory.

Partitions made before keep working: `ATTACH` validates a table without the CHECK as before.
"""

from django.db import migrations

PARTITION = """
CREATE OR REPLACE FUNCTION rankings_snapshotrow_partition(snapshot bigint) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    part text := rankings_snapshotrow_draft(snapshot);
    filled boolean;
BEGIN
    IF to_regclass(part) IS NOT NULL THEN
        EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I)', part) INTO filled;
        IF filled THEN
            RAISE EXCEPTION 'snapshot % already has rows', snapshot USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        EXECUTE format('DROP TABLE %I', part);
    END IF;
    EXECUTE format('CREATE TABLE %I (LIKE rankings_snapshotrow INCLUDING DEFAULTS INCLUDING CONSTRAINTS, '
                   'CONSTRAINT %I CHECK (snapshot_id = %s))', part, part || '_bound', snapshot);
    EXECUTE format('ALTER TABLE %I ALTER COLUMN id SET DEFAULT nextval(%L::regclass)',
                   part, pg_get_serial_sequence('rankings_snapshotrow', 'id'));
    EXECUTE format('GRANT SELECT, INSERT ON %I TO %I', part, session_user);
    RETURN part;
END $$;
ALTER FUNCTION rankings_snapshotrow_attach(bigint) SET max_parallel_maintenance_workers = 0;
"""

PARTITION_BEFORE = """
CREATE OR REPLACE FUNCTION rankings_snapshotrow_partition(snapshot bigint) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    part text := rankings_snapshotrow_draft(snapshot);
    filled boolean;
BEGIN
    IF to_regclass(part) IS NOT NULL THEN
        EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I)', part) INTO filled;
        IF filled THEN
            RAISE EXCEPTION 'snapshot % already has rows', snapshot USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        EXECUTE format('DROP TABLE %I', part);
    END IF;
    EXECUTE format('CREATE TABLE %I (LIKE rankings_snapshotrow INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', part);
    EXECUTE format('ALTER TABLE %I ALTER COLUMN id SET DEFAULT nextval(%L::regclass)',
                   part, pg_get_serial_sequence('rankings_snapshotrow', 'id'));
    EXECUTE format('GRANT SELECT, INSERT ON %I TO %I', part, session_user);
    RETURN part;
END $$;
ALTER FUNCTION rankings_snapshotrow_attach(bigint) RESET max_parallel_maintenance_workers;
"""


def on_postgresql(statements: str):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(statements, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("rankings", "0020_snapshot_rows_partitioned_by_snapshot_on_postgresql"),
    ]

    operations = [
        migrations.RunPython(on_postgresql(PARTITION), on_postgresql(PARTITION_BEFORE)),
    ]
