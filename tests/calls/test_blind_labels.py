"""The blind labels (作品 001 ...) judges and the scores export know entries by follow the order the
entries reached judging, not their ids, and never change once given: an entry that reaches judging
later takes the next number, and one withdrawn leaves its number unused."""

import io

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from openpyxl import load_workbook

from calls import services
from calls.models import Assignment, Entry, Panel
from tests import factories

from . import documents
from .conftest import open_essay_call, signed_in, submitted_essay, upload

BEFORE_NUMBERS = ("calls", "0019_level_unit_kind_general_branch")


def export_labels(client, owner, call) -> dict[str, str]:
    """Title -> label, read from the results sheet of the scores export."""
    response = signed_in(client, owner).get(reverse("calls:scores_export", args=[call.pk]))
    rows = load_workbook(io.BytesIO(response.content)).worksheets[1].iter_rows(min_row=2, values_only=True)
    return {row[1]: row[0] for row in rows}


def test_labels_follow_the_order_entries_reached_judging_and_stay_when_another_arrives(client, tree, owner):
    """One level (the office, 3 places each). 早稿 is drafted first (the lowest id) but handed in
    last; 广州's entry is handed in before 京津冀's, but 京津冀's office recommends first. So:
    京津冀 作品 001, 广州 作品 002 (by id they were the other way round), then 早稿 作品 003, the
    first two keeping the labels their judge has seen."""
    call = open_essay_call(tree["audit"], levels=[("office", 3)])
    early_author = factories.member(tree["gz1"])
    early = services.entry_create(call=call, author=early_author, title="早稿")
    gz = submitted_essay(call, factories.member(tree["gz1"]), title="广州征文")
    jjj = submitted_essay(call, factories.member(tree["jjj1"]), title="京津冀征文")
    assert early.pk < gz.pk < jjj.pk
    services.entry_forward(entry=jjj, by=factories.organiser(tree["jjj"]), note="推荐")
    gz_office = factories.organiser(tree["gz"])
    services.entry_forward(entry=gz, by=gz_office, note="推荐")

    assert export_labels(client, owner, call) == {"京津冀征文": "作品 001", "广州征文": "作品 002"}
    judge = factories.member(tree["gz2"], real_name="评委")  # no conflict with either
    panel = Panel.objects.create(call=call, name="评审组")
    panel.judges.set([judge])
    services.assignment_run(call=call, panel=panel, by=owner, seed="x")
    listed = signed_in(client, judge).get(reverse("calls:judging")).text
    assert '<span class="fw-normal qs-muted entry-label">作品 001</span> 京津冀征文' in listed
    assert '<span class="fw-normal qs-muted entry-label">作品 002</span> 广州征文' in listed
    assert listed.index("作品 001") < listed.index("作品 002")  # listed by label, not by assignment
    on_jjj = Assignment.objects.get(entry=jjj)
    page = signed_in(client, judge, "en").get(reverse("calls:judging_entry", args=[on_jjj.pk])).text
    assert '<span id="entry-label">Entry 001</span>' in page

    # 早稿 reaches judging after the judge has seen the labels: it takes the next number.
    early.refresh_from_db()
    services.entry_attach(entry=early, upload=upload("essay.docx", documents.docx(author="早稿作者")))
    services.entry_submit(entry=early, by=early_author)
    services.entry_forward(entry=Entry.objects.get(pk=early.pk), by=gz_office, note="推荐")
    assert export_labels(client, owner, call) == {"京津冀征文": "作品 001", "广州征文": "作品 002", "早稿": "作品 003"}
    page = signed_in(client, judge).get(reverse("calls:judging_entry", args=[on_jjj.pk])).text
    assert '<span id="entry-label">作品 001</span>' in page


def test_a_withdrawn_entry_leaves_its_number_unused(client, tree, owner):
    """Straight to judging: 甲 001, 乙 002, 丙 003; 乙 withdrawn, 丁 takes 004 and 丙 stays 003."""
    call = open_essay_call(tree["audit"])
    first, second, third = (
        submitted_essay(call, factories.member(tree["gz1"]), title=title) for title in ("甲", "乙", "丙")
    )
    services.entry_withdraw(entry=second, by=second.author)
    submitted_essay(call, factories.member(tree["gz2"]), title="丁")
    assert export_labels(client, owner, call) == {"甲": "作品 001", "丙": "作品 003", "丁": "作品 004"}
    assert [e.blind_label for e in Entry.objects.filter(call=call).order_by("pk")] == [
        "作品 001",
        "作品 002",
        "作品 003",
        "作品 004",
    ]


@pytest.mark.django_db(transaction=True)
def test_migration_0020_numbers_the_entries_already_in_judging_by_id_as_the_exports_did(tree):
    """Before it, the export labelled a call's entries in judging by id: in call one 甲 001 and 丙
    002 (乙 withdrawn and 丁 still waiting are not in judging), in call two 戊 001. The migration
    gives them those numbers, so the labels already shown keep naming the same entries."""
    one, two = open_essay_call(tree["audit"], title="征文一"), open_essay_call(tree["audit"], title="征文二")
    author = factories.member(tree["gz1"])
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    executor.migrate([BEFORE_NUMBERS])
    try:
        old = executor.loader.project_state([BEFORE_NUMBERS]).apps.get_model("calls", "Entry")
        rows = [(one, "甲", "finalist"), (one, "乙", "withdrawn"), (two, "戊", "finalist")]
        rows += [(one, "丙", "finalist"), (one, "丁", "submitted")]
        for call, title, status in rows:
            old.objects.create(call_id=call.pk, author_id=author.pk, unit_id=author.unit_id, title=title, status=status)
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(latest)
    numbers = dict(Entry.objects.values_list("title", "judging_number"))
    assert numbers == {"甲": 1, "乙": None, "丙": 2, "丁": None, "戊": 1}
