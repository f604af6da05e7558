"""Nothing short of dropping a trigger changes a published or superseded snapshot, its rows or the
inputs it kept: no UPDATE, DELETE or INSERT (a `bulk_create` of rows into a published snapshot
included), on PostgreSQL and on SQLite (the embedded default).

PostgreSQL: the snapshot trigger of 0004 now also guards the columns added since; the rows'
statement-level check (one query per statement, not per row) also runs on INSERT and on the new
rows of an UPDATE, and guards the three tables of kept inputs. SQLite has no statement-level
triggers: one BEFORE trigger per row and statement kind looks the snapshot up by its primary key.

Tests that flush tables (pytest-django's transactional tests, DELETE FROM on SQLite) lift the
SQLite triggers around the flush and put them back (tests/conftest.py)."""

from django.db import migrations

FROZEN = "('published', 'superseded')"
GUARDED = ("rankings_snapshotrow", "rankings_snapshotinput", "rankings_snapshotunit", "rankings_snapshotteam")
# Columns of a frozen snapshot that never change (besides status, supersession and unlinked users).
FIXED = (
    "rule_id, version, rule_version, parameters, input_hash, inputs_kept, inputs_fingerprint, rows_hash, "
    "row_count, eligible_count, diff, task_id, computed_at, approved_at, published_at"
)
FIXED_BEFORE = FIXED.replace("inputs_kept, inputs_fingerprint, ", "")  # as 0004 had it


def _fixed_columns(new: str, old: str, fixed: str = FIXED) -> tuple[str, str]:
    columns = [column.strip() for column in fixed.split(",")]
    return ", ".join(f"{new}.{column}" for column in columns), ", ".join(f"{old}.{column}" for column in columns)


def _snapshot_function(fixed: str) -> str:
    new_fixed, old_fixed = _fixed_columns("NEW", "OLD", fixed)
    return f"""
CREATE OR REPLACE FUNCTION rankings_snapshot_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
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
        AND ({new_fixed}) IS NOT DISTINCT FROM ({old_fixed})
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
"""


POSTGRES_CREATE = (
    _snapshot_function(FIXED)
    + """
CREATE TRIGGER rankings_snapshotrow_frozen_insert AFTER INSERT ON rankings_snapshotrow
    REFERENCING NEW TABLE AS touched FOR EACH STATEMENT EXECUTE FUNCTION rankings_snapshotrow_frozen();
CREATE TRIGGER rankings_snapshotrow_frozen_update_new AFTER UPDATE ON rankings_snapshotrow
    REFERENCING NEW TABLE AS touched FOR EACH STATEMENT EXECUTE FUNCTION rankings_snapshotrow_frozen();
"""
    + "".join(
        f"""
CREATE TRIGGER {table}_frozen_insert AFTER INSERT ON {table}
    REFERENCING NEW TABLE AS touched FOR EACH STATEMENT EXECUTE FUNCTION rankings_snapshotrow_frozen();
CREATE TRIGGER {table}_frozen_update AFTER UPDATE ON {table}
    REFERENCING OLD TABLE AS touched FOR EACH STATEMENT EXECUTE FUNCTION rankings_snapshotrow_frozen();
CREATE TRIGGER {table}_frozen_update_new AFTER UPDATE ON {table}
    REFERENCING NEW TABLE AS touched FOR EACH STATEMENT EXECUTE FUNCTION rankings_snapshotrow_frozen();
CREATE TRIGGER {table}_frozen_delete AFTER DELETE ON {table}
    REFERENCING OLD TABLE AS touched FOR EACH STATEMENT EXECUTE FUNCTION rankings_snapshotrow_frozen();
"""
        for table in GUARDED[1:]
    )
)

POSTGRES_DROP = "".join(
    f"DROP TRIGGER {table}_frozen_{kind} ON {table};\n"
    for table in GUARDED[1:]
    for kind in ("insert", "update", "update_new", "delete")
) + (
    "DROP TRIGGER rankings_snapshotrow_frozen_update_new ON rankings_snapshotrow;\n"
    "DROP TRIGGER rankings_snapshotrow_frozen_insert ON rankings_snapshotrow;\n" + _snapshot_function(FIXED_BEFORE)
)


def _frozen(snapshot_id: str) -> str:
    return f"(SELECT status FROM rankings_snapshot WHERE id = {snapshot_id}) IN {FROZEN}"


SQLITE_NEW_FIXED, SQLITE_OLD_FIXED = (part.split(", ") for part in _fixed_columns("NEW", "OLD"))
SQLITE_CREATE = [
    f"""CREATE TRIGGER rankings_snapshot_frozen_update BEFORE UPDATE ON rankings_snapshot
    WHEN OLD.status IN {FROZEN} AND NOT (
        (NEW.status = OLD.status OR (OLD.status = 'published' AND NEW.status = 'superseded'))
        AND (OLD.status = 'published'
             OR (NEW.superseded_by_id IS OLD.superseded_by_id AND NEW.supersede_reason IS OLD.supersede_reason))
        AND {" AND ".join(f"{new} IS {old}" for new, old in zip(SQLITE_NEW_FIXED, SQLITE_OLD_FIXED, strict=True))}
        AND (NEW.computed_by_id IS OLD.computed_by_id OR NEW.computed_by_id IS NULL)
        AND (NEW.approved_by_id IS OLD.approved_by_id OR NEW.approved_by_id IS NULL)
        AND (NEW.published_by_id IS OLD.published_by_id OR NEW.published_by_id IS NULL)
        AND (NEW.previous_id IS OLD.previous_id OR NEW.previous_id IS NULL))
    BEGIN SELECT RAISE(ABORT, 'a published snapshot cannot change'); END""",
    f"""CREATE TRIGGER rankings_snapshot_frozen_delete BEFORE DELETE ON rankings_snapshot
    WHEN OLD.status IN {FROZEN}
    BEGIN SELECT RAISE(ABORT, 'a published snapshot cannot be deleted'); END""",
] + [
    statement
    for table in GUARDED
    for statement in (
        f"""CREATE TRIGGER {table}_frozen_insert BEFORE INSERT ON {table} WHEN {_frozen("NEW.snapshot_id")}
        BEGIN SELECT RAISE(ABORT, 'a published snapshot cannot change'); END""",
        f"""CREATE TRIGGER {table}_frozen_update BEFORE UPDATE ON {table}
        WHEN {_frozen("OLD.snapshot_id")} OR {_frozen("NEW.snapshot_id")}
        BEGIN SELECT RAISE(ABORT, 'a published snapshot cannot change'); END""",
        f"""CREATE TRIGGER {table}_frozen_delete BEFORE DELETE ON {table} WHEN {_frozen("OLD.snapshot_id")}
        BEGIN SELECT RAISE(ABORT, 'a published snapshot cannot change'); END""",
    )
]
SQLITE_DROP = ["DROP TRIGGER rankings_snapshot_frozen_update", "DROP TRIGGER rankings_snapshot_frozen_delete"] + [
    f"DROP TRIGGER {table}_frozen_{kind}" for table in GUARDED for kind in ("insert", "update", "delete")
]


def on(vendor: str, statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != vendor:
            return
        for statement in [statements] if isinstance(statements, str) else statements:
            schema_editor.execute(statement, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("rankings", "0005_snapshot_inputs_kept_and_second_approver"),
    ]

    operations = [
        migrations.RunPython(on("postgresql", POSTGRES_CREATE), on("postgresql", POSTGRES_DROP)),
        migrations.RunPython(on("sqlite", SQLITE_CREATE), on("sqlite", SQLITE_DROP)),
    ]
