"""Published snapshots, their rows and the inputs they kept are frozen in the database itself:
raw SQL and bulk ORM writes are refused by triggers on PostgreSQL and on SQLite alike."""

import pytest
from django.db import DatabaseError, connection, transaction

from rankings import compute as ranking_compute
from rankings.models import Snapshot, SnapshotInput, SnapshotRow, SnapshotUnit
from rankings.services import snapshot_approve, snapshot_publish
from tests import factories
from tests.module_rows import ModuleRows
from tests.rankings.test_services import build_study, compute, member_rule, points

# Each statement receives the published snapshot's id (and a draft's where it names two). The
# published member ranking by total keeps its participants' inputs in its rows; `{m}` is a
# published member ranking by mean, which keeps them as SnapshotInput rows.
WRITES = {
    "edit the snapshot": "UPDATE rankings_snapshot SET input_hash = 'x' WHERE id = {p}",
    "say its inputs are elsewhere": "UPDATE rankings_snapshot SET inputs_in_rows = NULL WHERE id = {p}",
    "delete the snapshot": "DELETE FROM rankings_snapshot WHERE id = {p}",
    "edit a row": "UPDATE rankings_snapshotrow SET metric = 999 WHERE snapshot_id = {p}",
    "delete the rows": "DELETE FROM rankings_snapshotrow WHERE snapshot_id = {p}",
    "add a row": "INSERT INTO rankings_snapshotrow (snapshot_id, subject_id, label, participants, time_used_s, "
    "total, eligible, ineligible_reason, tied_count, prize, unit_name, group_name) "
    "VALUES ({p}, 100000, 'x', 1, 0, 1, TRUE, '', 1, '', '', '')",
    "move a draft's rows in": "UPDATE rankings_snapshotrow SET snapshot_id = {p}, subject_id = subject_id + 100000 "
    "WHERE snapshot_id = {d}",
    "edit an input": "UPDATE rankings_snapshotinput SET score = score + 1 WHERE snapshot_id = {m}",
    "delete the inputs": "DELETE FROM rankings_snapshotinput WHERE snapshot_id = {m}",
    "add an input": "INSERT INTO rankings_snapshotinput (snapshot_id, subject_id, member_id, score, time_s, "
    "finished_at, unit_path, counted) SELECT snapshot_id, subject_id, member_id, score, time_s, finished_at, "
    "unit_path, counted FROM rankings_snapshotinput WHERE snapshot_id = {m}",
    "edit a unit's headcount": "UPDATE rankings_snapshotunit SET headcount = headcount + 1 WHERE snapshot_id = {p}",
    "delete the units": "DELETE FROM rankings_snapshotunit WHERE snapshot_id = {p}",
    "add a team": "INSERT INTO rankings_snapshotteam (snapshot_id, team_id, unit_id, roster) VALUES ({p}, 1, NULL, 3)",
}


def build_published() -> dict:
    """A published member ranking by total and one by mean (6 rows each), and a draft computed after
    a new point, in `study`'s tree (tests/rankings/test_services.py)."""
    study = build_study(factories.org_tree())
    admin = factories.administrator(study["tree"]["audit"], username="boss")
    rule = member_rule(study)
    snapshot = compute(rule).snapshot
    snapshot_publish(snapshot=snapshot_approve(snapshot=snapshot, by=admin), by=admin)
    by_mean = compute(member_rule(study, metric="mean")).snapshot
    snapshot_publish(snapshot=snapshot_approve(snapshot=by_mean, by=admin), by=admin)
    points(study["people"]["c"], 45, "c-2")
    draft = compute(rule).snapshot
    snapshot.refresh_from_db()
    by_mean.refresh_from_db()
    return {"snapshot": snapshot, "draft": draft, "by_mean": by_mean}


@pytest.fixture(scope="module")
def _published_of_the_module(request, django_db_setup, django_db_blocker):
    """`published`, built once for this file's rolled-back tests (tests/module_rows.py): each
    test's writes, refused or not, roll back."""
    yield from ModuleRows.built(request, django_db_blocker, build_published)


@pytest.fixture
def published(request, db, _published_of_the_module):
    return _published_of_the_module.copy(request)


def _counts(snapshot_id: int) -> tuple[int, int, int]:
    return (
        SnapshotRow.objects.filter(snapshot_id=snapshot_id).count(),
        SnapshotInput.objects.filter(snapshot_id=snapshot_id).count(),
        SnapshotUnit.objects.filter(snapshot_id=snapshot_id).count(),
    )


@pytest.mark.parametrize("write", WRITES)
def test_raw_sql_cannot_change_a_published_snapshot(published, write):
    snapshot, draft, by_mean = published["snapshot"], published["draft"], published["by_mean"]
    before = {kept.pk: _counts(kept.pk) for kept in (snapshot, by_mean)}
    # Six rows and the units in each; inputs in the rows of the ranking by total, apart in the other.
    assert before[snapshot.pk][0] == 6 and before[snapshot.pk][1] == 0 and before[snapshot.pk][2]
    assert before[by_mean.pk][0] == 6 and before[by_mean.pk][1] == 6 and before[by_mean.pk][2]
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(WRITES[write].format(p=snapshot.pk, d=draft.pk, m=by_mean.pk))
    for kept in (snapshot, by_mean):
        assert _counts(kept.pk) == before[kept.pk]
        assert ranking_compute.rows_hash(kept.pk) == kept.rows_hash
        stored = Snapshot.objects.get(pk=kept.pk)
        assert (stored.input_hash, stored.inputs_in_rows) == (kept.input_hash, kept.inputs_in_rows)


def test_bulk_orm_writes_to_a_published_snapshot_are_refused(published):
    snapshot = published["snapshot"]
    row = SnapshotRow.objects.filter(snapshot=snapshot).first()
    for write in (
        lambda: SnapshotRow.objects.filter(snapshot=snapshot).update(prize="一等奖"),
        lambda: SnapshotRow.objects.filter(snapshot=snapshot).delete(),
        lambda: SnapshotInput.objects.filter(snapshot=published["by_mean"]).update(counted=0),
        lambda: Snapshot.objects.filter(pk=snapshot.pk).update(rows_hash="0" * 64),
        lambda: SnapshotRow.objects.bulk_create(
            [SnapshotRow(**{**_fields(row), "subject_id": row.subject_id + 100000})]
        ),
    ):
        with pytest.raises(DatabaseError), transaction.atomic():
            write()
    assert ranking_compute.rows_hash(snapshot.pk) == snapshot.rows_hash


def test_a_draft_stays_writable_and_publishing_supersedes_the_frozen_one(published):
    snapshot, draft = published["snapshot"], published["draft"]
    assert SnapshotRow.objects.filter(snapshot=draft).update(previous_rank=None) == draft.row_count
    admin = factories.administrator(snapshot.rule.unit, username="second")
    snapshot_publish(snapshot=snapshot_approve(snapshot=draft, by=admin), by=admin, reason="补录")
    snapshot.refresh_from_db()
    assert snapshot.status == "superseded" and snapshot.superseded_by_id == draft.pk


def _fields(row: SnapshotRow) -> dict:
    return {
        field.attname: getattr(row, field.attname)
        for field in SnapshotRow._meta.concrete_fields
        if field.attname != "id"
    }


# PostgreSQL keeps each snapshot's rows in a partition of their own (rankings 0020); statements
# naming the partition rather than the parent are refused the same way (the app role may not even
# name it: tests/test_database_roles.py).
PARTITION_WRITES = {
    "edit a row": "UPDATE rankings_snapshotrow_{p} SET metric = 999",
    "delete the rows": "DELETE FROM rankings_snapshotrow_{p}",
    "add a row": "INSERT INTO rankings_snapshotrow_{p} (id, snapshot_id, subject_id, label, participants, "
    "time_used_s, total, eligible, ineligible_reason, tied_count, prize, unit_name, group_name, right_count, "
    "answer_count, headcount_expected) VALUES (-1, {p}, 100000, 'x', 1, 0, 1, TRUE, '', 1, '', '', '', 0, 0, FALSE)",
    "make its partition again": "SELECT rankings_snapshotrow_partition({p})",
    "attach it again": "SELECT rankings_snapshotrow_attach({p})",
}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="partitions are PostgreSQL's")
@pytest.mark.parametrize("write", PARTITION_WRITES)
def test_raw_sql_on_a_published_snapshots_partition_is_refused(published, write):
    snapshot = published["snapshot"]
    with connection.cursor() as cursor:  # refused, not missing
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [f"rankings_snapshotrow_{snapshot.pk}"])
        assert cursor.fetchone()[0]
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(PARTITION_WRITES[write].format(p=snapshot.pk))
    assert _counts(snapshot.pk)[0] == 6
    assert ranking_compute.rows_hash(snapshot.pk) == snapshot.rows_hash


@pytest.mark.skipif(connection.vendor != "postgresql", reason="partitions are PostgreSQL's")
def test_a_drafts_table_of_rows_takes_only_its_own_rows_before_it_is_attached(published):
    """The table a computation fills carries its snapshot's CHECK from the start (rankings 0021),
    so attaching it needs no validating scan: a row of another snapshot is refused on insert."""
    snapshot = published["snapshot"]
    draft = Snapshot.objects.create(
        rule=snapshot.rule,
        version=99,
        rule_version=snapshot.rule_version,
        parameters=snapshot.parameters,
        input_hash="",
        rows_hash="",
        task_id="test",
        computed_at=snapshot.computed_at,
    )
    row = (
        "INSERT INTO {table} (snapshot_id, subject_id, label, participants, time_used_s, total, eligible, "
        "ineligible_reason, tied_count, prize, unit_name, group_name, right_count, answer_count, "
        "headcount_expected) VALUES (%s, 100000, 'x', 1, 0, 1, TRUE, '', 1, '', '', '', 0, 0, FALSE)"
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT rankings_snapshotrow_partition(%s)", [draft.pk])
        table = connection.ops.quote_name(cursor.fetchone()[0])
        with pytest.raises(DatabaseError, match="check constraint"), transaction.atomic():
            cursor.execute(row.format(table=table), [snapshot.pk])
        cursor.execute(row.format(table=table), [draft.pk])
        cursor.execute("SELECT rankings_snapshotrow_attach(%s)", [draft.pk])
    assert _counts(draft.pk)[0] == 1
    assert _counts(snapshot.pk)[0] == 6


@pytest.mark.skipif(connection.vendor != "postgresql", reason="partitions are PostgreSQL's")
def test_each_snapshot_has_its_own_partition_and_a_deleted_draft_takes_it_along(published):
    snapshot, draft = published["snapshot"], published["draft"]

    def partition_of(snapshot_id):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i "
                "JOIN pg_class c ON c.oid = i.inhrelid "
                "WHERE i.inhparent = 'rankings_snapshotrow'::regclass AND c.relname = %s",
                [f"rankings_snapshotrow_{snapshot_id}"],
            )
            return cursor.fetchone()

    assert partition_of(snapshot.pk) == (f"rankings_snapshotrow_{snapshot.pk}", f"FOR VALUES IN ('{snapshot.pk}')")
    assert partition_of(draft.pk) == (f"rankings_snapshotrow_{draft.pk}", f"FOR VALUES IN ('{draft.pk}')")
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM rankings_snapshotrow_default")
        assert cursor.fetchone()[0] == 0
    draft.delete()
    assert partition_of(draft.pk) is None
    assert _counts(snapshot.pk)[0] == 6
