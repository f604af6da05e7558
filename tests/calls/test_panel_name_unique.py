"""A call's panels are told apart by name: the forms and `panel_save` refuse a name the call has
with a message, the constraint one_panel_name_per_call stops one saved any other way, and
migration 0018 renamed the panels already stored under a name taken before it could apply."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from calls import judges
from calls.models import Panel
from tests import factories

from .conftest import open_essay_call

BEFORE = ("calls", "0017_judge_audit_lines_keep_panel_english_name")
RENAMING = ("calls", "0018_panel_names_unique_per_call")


def test_a_panel_saved_directly_under_a_name_its_call_has_is_refused(essay_call, tree):
    Panel.objects.create(call=essay_call, name="评审组")
    with pytest.raises(IntegrityError), transaction.atomic():
        Panel.objects.create(call=essay_call, name="评审组")
    # Another call may have a panel of that name.
    Panel.objects.create(call=open_essay_call(tree["audit"], title="另一征文"), name="评审组")


def test_the_service_keeps_the_name_as_it_compares_it_and_refuses_a_spaced_copy_kindly(essay_call, tree, owner):
    judge = factories.member(tree["jjj1"])
    panel = judges.panel_save(call=essay_call, by=owner, name=" 第一评审组 ", judges=[judge])
    panel.refresh_from_db()
    assert panel.name == "第一评审组"
    with pytest.raises(judges.CallRejected) as refused:
        judges.panel_save(call=essay_call, by=owner, name="第一评审组  ", judges=[judge])
    assert refused.value.code == "panel_name_taken"


def migrate(target):
    executor = MigrationExecutor(connection)
    executor.migrate([target])


def migrate_to_latest():
    """Every later migration back, or the tests after this one find the database without them
    (migration 0020 adds a column of calls' entries)."""
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_the_migration_numbers_the_panels_named_like_an_earlier_one_of_their_call(tree):
    """In call one, by creation: 评审组, "评审组 " (English "Panel "), 评审组 (2), " 评审组", then
    sixty 甲 twice; in call two, 评审组. By hand: the first 评审组 and 评审组 (2) keep their names;
    "评审组 " is the second 评审组 but (2) is taken, so it becomes 评审组 (3), Panel (3) in English;
    " 评审组" becomes 评审组 (4); the second 甲 row keeps 56 甲 and " (2)" to stay within 60
    characters; call two's 评审组 is its own."""
    one = open_essay_call(tree["audit"], title="征文一")
    two = open_essay_call(tree["audit"], title="征文二")
    migrate(BEFORE)
    try:
        names = ["评审组", "评审组 ", "评审组 (2)", " 评审组", "甲" * 60, "甲" * 60]
        stored = [
            Panel.objects.create(call=one, name=name, name_en="Panel " if name == "评审组 " else "") for name in names
        ]
        other = Panel.objects.create(call=two, name="评审组")
    finally:
        migrate(RENAMING)
        migrate_to_latest()
    renamed = {panel.pk: (panel.name, panel.name_en) for panel in Panel.objects.all()}
    assert [renamed[panel.pk] for panel in stored] == [
        ("评审组", ""),
        ("评审组 (3)", "Panel (3)"),
        ("评审组 (2)", ""),
        ("评审组 (4)", ""),
        ("甲" * 60, ""),
        ("甲" * 56 + " (2)", ""),
    ]
    assert renamed[other.pk] == ("评审组", "")
