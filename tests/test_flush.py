"""The flush that ends every transactional test leaves no test's rows behind (tests/flush.py on
PostgreSQL, Django's own DELETE on SQLite), published snapshots included, and content types,
permissions and the default point rules as the migrations made them."""

import datetime as dt

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models.signals import post_migrate
from django.utils import timezone

from lessons.models import PointEvent, PointRule
from rankings.models import Snapshot
from rankings.services import run_execute, run_request, snapshot_approve, snapshot_publish
from tests import factories
from tests import flush as flush_module

DAY = dt.date(2026, 11, 20)


def reference_rows():
    return (
        sorted(ContentType.objects.values_list("app_label", "model")),
        sorted(Permission.objects.values_list("content_type__app_label", "codename", "name")),
    )


def tables_with_rows() -> dict[str, int]:
    counts = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.django_table_names(only_existing=True, include_views=False):
            if table in flush_module.KEPT_AS_MIGRATED:
                continue
            cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608
            if rows := cursor.fetchone()[0]:
                counts[table] = rows
    return counts


def flush():
    """The flush as a transactional test's end runs it (sequences go on)."""
    call_command("flush", interactive=False, verbosity=0, reset_sequences=False, allow_cascade=False)


def test_a_flush_empties_every_table_a_test_filled_a_published_snapshot_included(transactional_db, tree):
    as_migrated = reference_rows()
    members = [factories.member(tree["gz1"], username=f"m{n}") for n in range(3)]
    for n, member in enumerate(members):
        PointEvent.objects.create(
            member=member,
            activity="quiz",
            points=10 + n,
            day=DAY,
            occurred_at=timezone.make_aware(dt.datetime.combine(DAY, dt.time(9))),
            source_key=f"k{n}",
        )
    rule = factories.ranking_rule(
        tree["audit"], subject="member", sources=[{"kind": "points"}], period_starts_on=DAY, period_ends_on=DAY
    )
    run, _ = run_request(rule=rule)
    admin = factories.administrator(tree["audit"], username="boss")
    snapshot_publish(snapshot=snapshot_approve(snapshot=run_execute(run_id=run.pk).snapshot, by=admin), by=admin)
    assert Snapshot.objects.get().status == "published"
    filled = tables_with_rows()
    assert {"orgs_unit", "orgs_user", "lessons_pointevent", "rankings_snapshot", "rankings_snapshotrow"} <= set(filled)

    flush()

    assert tables_with_rows() == {}
    assert reference_rows() == as_migrated


def test_a_flush_restores_a_permission_a_test_changed(transactional_db):
    as_migrated = reference_rows()
    Permission.objects.filter(codename="add_user").update(name="renamed by a test")
    ContentType.objects.create(app_label="nowhere", model="stray")

    flush()

    assert reference_rows() == as_migrated


@pytest.mark.skipif(connection.vendor != "postgresql", reason="only the cheaper flush keeps content types")
def test_a_flush_sends_post_migrate_only_when_it_emptied_content_types_or_permissions(transactional_db, tree):
    """Its receivers create the content types and permissions that are missing: after a flush that
    kept them as migrated there are none, and sending it cost a query or two per app."""
    as_migrated = reference_rows()
    sent = []

    def note(sender, **kwargs):
        sent.append(sender.label)

    post_migrate.connect(note, dispatch_uid="test_flush_note")
    try:
        factories.member(tree["gz1"], username="m1")
        flush()
        assert sent == []
        assert tables_with_rows() == {}

        Permission.objects.filter(codename="add_user").update(name="renamed by a test")
        flush()
        assert {"auth", "contenttypes", "orgs"} <= set(sent)
        assert reference_rows() == as_migrated

        sent.clear()
        flush()
        assert sent == []
    finally:
        post_migrate.disconnect(dispatch_uid="test_flush_note")
    assert reference_rows() == as_migrated


def point_rules():
    return sorted(PointRule.objects.values_list("id", "activity", "points", "daily_cap", "is_active"))


def test_a_flush_puts_back_the_default_point_rules_a_test_changed_or_deleted(transactional_db):
    """Only a data migration (lessons 0002) makes them: a test that changes or deletes them must
    not leave the later tests of its process (whichever they are, under pytest-xdist) without."""
    as_migrated = point_rules()
    assert {rule[1] for rule in as_migrated} >= {"practice_correct", "daily_correct", "exam_submit"}
    PointRule.objects.filter(activity="practice_correct").update(daily_cap=999)
    PointRule.objects.create(activity="video_complete", label="学完微党课", points=5, daily_cap=20)
    flush()
    assert point_rules() == as_migrated

    PointRule.objects.all().delete()
    flush()
    assert point_rules() == as_migrated


def test_a_flush_restarting_sequences_puts_back_the_default_point_rules_past_the_new_ids(transactional_db):
    """`manage.py flush` restarts the sequences (tests/test_page_walk.py ends its module with
    one): the rules come back, and the next rule created does not reuse one of their ids."""
    as_migrated = point_rules()
    call_command("flush", interactive=False, verbosity=0)
    assert point_rules() == as_migrated

    created = PointRule.objects.create(activity="video_complete", label="学完微党课", points=5, daily_cap=20)
    assert created.pk > max(rule[0] for rule in as_migrated)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the cheaper flush and its lock bound are PostgreSQL's")
def test_a_flush_blocked_by_another_sessions_lock_fails_naming_that_session_instead_of_waiting_forever(
    transactional_db, tree, monkeypatch
):
    """A request or worker still in a transaction holding a row the flush must delete (a page's
    last heartbeat, a session waiting on this process) made the end of a transactional test wait
    forever: PostgreSQL has no lock timeout by default, and nothing ends that other session."""
    import psycopg

    monkeypatch.setattr(flush_module, "LOCK_TIMEOUT_S", 1)
    settings = connection.settings_dict
    holder = psycopg.connect(
        host=settings["HOST"] or "127.0.0.1",
        port=settings["PORT"] or 5432,
        user=settings["USER"],
        password=settings["PASSWORD"] or None,
        dbname=settings["NAME"],
        application_name="stuck-request",
    )
    try:
        holder.execute("SELECT 1 FROM orgs_unit WHERE id = %s FOR UPDATE", [tree["gz1"].pk])
        with pytest.raises(CommandError) as failed:
            flush()
        assert "stuck-request" in str(failed.value.__cause__)
        assert "lock" in str(failed.value.__cause__)
    finally:
        holder.rollback()
        holder.close()
    flush()  # the lock released, the same flush goes through
    assert tables_with_rows() == {}
