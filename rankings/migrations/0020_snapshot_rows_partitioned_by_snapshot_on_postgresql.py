"""On PostgreSQL, snapshot rows live in one partition per snapshot (`rankings_snapshotrow` is
partitioned by LIST (snapshot_id)), so that a computation writes its 100,000 rows into a table
without indexes and builds the indexes afterwards, sorted, instead of inserting 100,000 entries
into three b-trees (docs/benchmarks.md, "the write floor"). SQLite keeps its plain table.

A computation cannot create tables as the app role (deploy/postgres-init/), so the owner's
functions do it, each refusing a published or superseded snapshot:

- `rankings_snapshotrow_partition(snapshot)` makes `rankings_snapshotrow_<snapshot>` as a
  standalone table shaped like the rows (no index, no trigger), the caller allowed to fill it;
- `rankings_snapshotrow_attach(snapshot)` builds its primary key and two indexes, attaches it,
  then takes every privilege on it from everyone but the owner and gives it the statement
  triggers of the parent (`rankings_snapshotrow_seal`).

So rows are read and written through the parent only, where 0006's statement triggers guard
them; the partition's own triggers guard direct SQL by its owner. Detaching or dropping a
partition needs the owner's rights (as dropping a trigger does). A snapshot deleted drops its
partition (a draft: a frozen snapshot cannot be deleted). The default partition takes rows
written by other means (`bulk_create`), guarded through the parent like the rest.

The primary key of a partitioned table must hold the partition key: (id, snapshot_id). Ids
still come from one sequence, so they stay unique; nothing refers to a row by id. The model's
state is unchanged (Django knows `id` as the primary key, which it is for every purpose it has).
"""

from django.db import migrations

FROZEN = "('published', 'superseded')"
GUARDS = (
    ("insert", "INSERT", "NEW"),
    ("update", "UPDATE", "OLD"),
    ("update_new", "UPDATE", "NEW"),
    ("delete", "DELETE", "OLD"),
)
COLUMNS = (
    "id, subject_id, label, unit_id, unit_name, group_id, group_name, metric, total, participants, headcount, "
    "time_used_s, finished_at, eligible, ineligible_reason, place, rank, rank_in_group, tied_count, prize, "
    "previous_rank, snapshot_id, answer_count, right_count, headcount_expected"
)

FUNCTIONS = f"""
-- Every privilege on the partition `part` taken from all but its owner, and the parent's guards put
-- on it (statement triggers of a partitioned table fire only for statements naming the parent).
CREATE FUNCTION rankings_snapshotrow_seal(part regclass) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    holder oid;
BEGIN
    FOR holder IN SELECT DISTINCT a.grantee FROM pg_class c, aclexplode(c.relacl) a
                  WHERE c.oid = part AND a.grantee <> c.relowner LOOP
        IF holder = 0 THEN
            EXECUTE format('REVOKE ALL ON %s FROM PUBLIC', part);
        ELSE
            EXECUTE format('REVOKE ALL ON %s FROM %I', part, pg_get_userbyid(holder));
        END IF;
    END LOOP;
    {
    "".join(
        f'''
    EXECUTE format('CREATE TRIGGER rankings_snapshotrow_frozen_{name} AFTER {event} ON %s '
                   'REFERENCING {side} TABLE AS touched FOR EACH STATEMENT '
                   'EXECUTE FUNCTION rankings_snapshotrow_frozen()', part);'''
        for name, event, side in GUARDS
    )
}
END $$;
REVOKE ALL ON FUNCTION rankings_snapshotrow_seal(regclass) FROM PUBLIC;

CREATE FUNCTION rankings_snapshotrow_draft(snapshot bigint) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM rankings_snapshot WHERE id = snapshot AND status NOT IN {FROZEN}) THEN
        RAISE EXCEPTION 'snapshot % is not a draft: its rows cannot be written', snapshot
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN 'rankings_snapshotrow_' || snapshot;
END $$;
REVOKE ALL ON FUNCTION rankings_snapshotrow_draft(bigint) FROM PUBLIC;

-- A standalone table for the rows of the draft `snapshot`, without index or trigger: the caller
-- fills it, then calls rankings_snapshotrow_attach. An empty partition a snapshot left with this id
-- (its rows truncated, as a test's flush does) is dropped first.
CREATE FUNCTION rankings_snapshotrow_partition(snapshot bigint) RETURNS text
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

-- The filled table of the draft `snapshot` indexed (one sorted build per index), attached, sealed.
CREATE FUNCTION rankings_snapshotrow_attach(snapshot bigint) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    part text := rankings_snapshotrow_draft(snapshot);
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_class WHERE oid = to_regclass(part) AND relkind = 'r' AND NOT relispartition) THEN
        RAISE EXCEPTION 'no unattached table of rows for snapshot %', snapshot
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    EXECUTE format('ALTER TABLE %I ADD PRIMARY KEY (id, snapshot_id), ADD UNIQUE (snapshot_id, subject_id)', part);
    EXECUTE format('CREATE INDEX ON %I (snapshot_id, place)', part);
    EXECUTE format('ALTER TABLE rankings_snapshotrow ATTACH PARTITION %I FOR VALUES IN (%s)', part, snapshot);
    PERFORM rankings_snapshotrow_seal(part::regclass);
END $$;

-- A deleted snapshot (only a draft can be) takes its partition with it.
CREATE FUNCTION rankings_snapshot_partition_dropped() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    EXECUTE format('DROP TABLE IF EXISTS %I', 'rankings_snapshotrow_' || OLD.id);
    RETURN NULL;
END $$;
"""

FORWARD = f"""
ALTER TABLE rankings_snapshotrow RENAME TO rankings_snapshotrow_plain;
ALTER TABLE rankings_snapshotrow_plain RENAME CONSTRAINT snapshot_subject_once TO snapshot_subject_once_plain;
ALTER INDEX rankings_sn_snapsho_b0ebcc_idx RENAME TO rankings_sn_snapsho_b0ebcc_plain;
DO $$ BEGIN
    EXECUTE format('ALTER SEQUENCE %s RENAME TO rankings_snapshotrow_plain_id_seq',
                   pg_get_serial_sequence('rankings_snapshotrow_plain', 'id'));
END $$;
CREATE TABLE rankings_snapshotrow (LIKE rankings_snapshotrow_plain INCLUDING DEFAULTS INCLUDING CONSTRAINTS)
    PARTITION BY LIST (snapshot_id);
ALTER TABLE rankings_snapshotrow ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY;
ALTER TABLE rankings_snapshotrow ADD PRIMARY KEY (id, snapshot_id),
    ADD CONSTRAINT snapshot_subject_once UNIQUE (snapshot_id, subject_id);
CREATE INDEX rankings_sn_snapsho_b0ebcc_idx ON rankings_snapshotrow (snapshot_id, place);
CREATE TABLE rankings_snapshotrow_default PARTITION OF rankings_snapshotrow DEFAULT;
DO $$
DECLARE
    snapshot bigint;
BEGIN
    FOR snapshot IN SELECT DISTINCT snapshot_id FROM rankings_snapshotrow_plain LOOP
        EXECUTE format('CREATE TABLE %I PARTITION OF rankings_snapshotrow FOR VALUES IN (%s)',
                       'rankings_snapshotrow_' || snapshot, snapshot);
    END LOOP;
END $$;
INSERT INTO rankings_snapshotrow ({COLUMNS}) OVERRIDING SYSTEM VALUE
    SELECT {COLUMNS} FROM rankings_snapshotrow_plain;
SELECT setval(pg_get_serial_sequence('rankings_snapshotrow', 'id'),
              GREATEST((SELECT MAX(id) FROM rankings_snapshotrow_plain),
                       (SELECT last_value FROM rankings_snapshotrow_plain_id_seq)));
DROP TABLE rankings_snapshotrow_plain;
{FUNCTIONS}
{
    "".join(
        f'''CREATE TRIGGER rankings_snapshotrow_frozen_{name} AFTER {event} ON rankings_snapshotrow
    REFERENCING {side} TABLE AS touched FOR EACH STATEMENT EXECUTE FUNCTION rankings_snapshotrow_frozen();
'''
        for name, event, side in GUARDS
    )
}
CREATE TRIGGER rankings_snapshot_partition_dropped AFTER DELETE ON rankings_snapshot
    FOR EACH ROW EXECUTE FUNCTION rankings_snapshot_partition_dropped();
SELECT rankings_snapshotrow_seal(inhrelid::regclass) FROM pg_inherits
    WHERE inhparent = 'rankings_snapshotrow'::regclass;
"""

BACKWARD = f"""
DROP TRIGGER rankings_snapshot_partition_dropped ON rankings_snapshot;
DROP FUNCTION rankings_snapshot_partition_dropped();
DROP FUNCTION rankings_snapshotrow_attach(bigint);
DROP FUNCTION rankings_snapshotrow_partition(bigint);
DROP FUNCTION rankings_snapshotrow_draft(bigint);
DROP FUNCTION rankings_snapshotrow_seal(regclass);
ALTER TABLE rankings_snapshotrow RENAME TO rankings_snapshotrow_partitioned;
ALTER TABLE rankings_snapshotrow_partitioned RENAME CONSTRAINT snapshot_subject_once TO snapshot_subject_once_p;
ALTER INDEX rankings_sn_snapsho_b0ebcc_idx RENAME TO rankings_sn_snapsho_b0ebcc_p;
DO $$ BEGIN
    EXECUTE format('ALTER SEQUENCE %s RENAME TO rankings_snapshotrow_partitioned_id_seq',
                   pg_get_serial_sequence('rankings_snapshotrow_partitioned', 'id'));
END $$;
CREATE TABLE rankings_snapshotrow (LIKE rankings_snapshotrow_partitioned INCLUDING DEFAULTS INCLUDING CONSTRAINTS);
ALTER TABLE rankings_snapshotrow ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY;
INSERT INTO rankings_snapshotrow ({COLUMNS}) OVERRIDING SYSTEM VALUE
    SELECT {COLUMNS} FROM rankings_snapshotrow_partitioned ORDER BY snapshot_id, subject_id;
SELECT setval(pg_get_serial_sequence('rankings_snapshotrow', 'id'),
              (SELECT last_value FROM rankings_snapshotrow_partitioned_id_seq));
DROP TABLE rankings_snapshotrow_partitioned;
ALTER TABLE rankings_snapshotrow ADD PRIMARY KEY (id),
    ADD CONSTRAINT snapshot_subject_once UNIQUE (snapshot_id, subject_id);
CREATE INDEX rankings_sn_snapsho_b0ebcc_idx ON rankings_snapshotrow (snapshot_id, place);
{
    "".join(
        f'''CREATE TRIGGER rankings_snapshotrow_frozen_{name} AFTER {event} ON rankings_snapshotrow
    REFERENCING {side} TABLE AS touched FOR EACH STATEMENT EXECUTE FUNCTION rankings_snapshotrow_frozen();
'''
        for name, event, side in GUARDS
    )
}
"""


def on_postgresql(statements: str):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(statements, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("rankings", "0019_member_inputs_kept_in_snapshot_rows"),
    ]

    operations = [
        migrations.RunPython(on_postgresql(FORWARD), on_postgresql(BACKWARD)),
    ]
