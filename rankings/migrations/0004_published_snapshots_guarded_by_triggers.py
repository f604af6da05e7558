"""Published and superseded snapshots and their rows cannot change, whoever writes (PostgreSQL).

The models refuse such edits in Python; these triggers refuse them in the database, for raw SQL
and for any client. They belong to the role that runs migrations; the application's role only
reads and writes rows, so it cannot drop or disable them (see deploy/postgres-init/)."""

from django.db import migrations

FROZEN = "('published', 'superseded')"

CREATE = f"""
CREATE FUNCTION rankings_snapshot_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.status NOT IN {FROZEN} THEN
        RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
    END IF;
    -- Allowed: a publication superseded by a newer one, and a deleted account or draft unlinked.
    IF TG_OP = 'UPDATE'
        AND (NEW.status = OLD.status OR (OLD.status = 'published' AND NEW.status = 'superseded'))
        AND (OLD.status = 'published'
             OR (NEW.superseded_by_id, NEW.supersede_reason) IS NOT DISTINCT FROM
                (OLD.superseded_by_id, OLD.supersede_reason))
        AND (NEW.rule_id, NEW.version, NEW.rule_version, NEW.parameters, NEW.input_hash, NEW.rows_hash,
             NEW.row_count, NEW.eligible_count, NEW.diff, NEW.task_id, NEW.computed_at, NEW.approved_at,
             NEW.published_at)
            IS NOT DISTINCT FROM
            (OLD.rule_id, OLD.version, OLD.rule_version, OLD.parameters, OLD.input_hash, OLD.rows_hash,
             OLD.row_count, OLD.eligible_count, OLD.diff, OLD.task_id, OLD.computed_at, OLD.approved_at,
             OLD.published_at)
        AND (NEW.computed_by_id IS NOT DISTINCT FROM OLD.computed_by_id OR NEW.computed_by_id IS NULL)
        AND (NEW.approved_by_id IS NOT DISTINCT FROM OLD.approved_by_id OR NEW.approved_by_id IS NULL)
        AND (NEW.published_by_id IS NOT DISTINCT FROM OLD.published_by_id OR NEW.published_by_id IS NULL)
        AND (NEW.previous_id IS NOT DISTINCT FROM OLD.previous_id OR NEW.previous_id IS NULL)
    THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'snapshot % is % and cannot change', OLD.id, OLD.status
        USING ERRCODE = 'integrity_constraint_violation';
END $$;

CREATE TRIGGER rankings_snapshot_frozen BEFORE UPDATE OR DELETE ON rankings_snapshot
    FOR EACH ROW EXECUTE FUNCTION rankings_snapshot_frozen();

-- Rows: one check per statement over the rows it touched, not one lookup per row (a computation
-- updates 100,000 rows of its draft twice).
CREATE FUNCTION rankings_snapshotrow_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM touched t JOIN rankings_snapshot s ON s.id = t.snapshot_id
               WHERE s.status IN {FROZEN}) THEN
        RAISE EXCEPTION 'rows of a published snapshot cannot change'
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER rankings_snapshotrow_frozen_update AFTER UPDATE ON rankings_snapshotrow
    REFERENCING OLD TABLE AS touched FOR EACH STATEMENT EXECUTE FUNCTION rankings_snapshotrow_frozen();
CREATE TRIGGER rankings_snapshotrow_frozen_delete AFTER DELETE ON rankings_snapshotrow
    REFERENCING OLD TABLE AS touched FOR EACH STATEMENT EXECUTE FUNCTION rankings_snapshotrow_frozen();
"""

DROP = """
DROP TRIGGER rankings_snapshotrow_frozen_delete ON rankings_snapshotrow;
DROP TRIGGER rankings_snapshotrow_frozen_update ON rankings_snapshotrow;
DROP FUNCTION rankings_snapshotrow_frozen();
DROP TRIGGER rankings_snapshot_frozen ON rankings_snapshot;
DROP FUNCTION rankings_snapshot_frozen();
"""


def on_postgresql(sql: str):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("rankings", "0003_run_heartbeat_and_attempt"),
    ]

    operations = [migrations.RunPython(on_postgresql(CREATE), on_postgresql(DROP))]
