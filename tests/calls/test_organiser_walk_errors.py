"""What an organiser walking calls turned up: 0 judges per entry saved (and no entry ever got a
judge), a panel smaller than the judges per entry was blamed on conflicts, the call form and the
judge's scoring form named their errors one submit at a time, judges' comments kept an ASCII colon
in Chinese, and the online contest form offered units as an indented tree where every other
organiser form gives their paths."""

import re
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import translation

from calls import judges, services
from calls.forms import CallForm
from calls.models import Assignment, Call, Panel, ScoreEvent
from tests import factories

from .conftest import open_essay_call, signed_in
from .test_pages import edit_form, one_criterion_form
from .test_review_judging import finalists


def new_call_form(essay_call, tree, **changes) -> dict:
    """The new-call form filled in as the essay call's (`one_criterion_form`), changed by `changes`."""
    return {**one_criterion_form(essay_call, tree), "title": "新征文", **changes}


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("zh-hans", "每件作品至少需要 1 位评委：设为 0 时，任何作品都分配不到评委。"),
        ("en", "Each entry needs at least 1 judge: with 0, no entry would get a judge."),
    ],
)
def test_a_call_asking_for_no_judge_per_entry_is_refused_and_nothing_is_saved(
    client, essay_call, tree, language, message
):
    signed_in(client, factories.organiser(tree["audit"]), language)
    page = client.post(reverse("calls:call_new"), new_call_form(essay_call, tree, judges_per_entry=0))
    assert page.status_code == 200 and message in page.text
    assert 'name="judges_per_entry" value="0"' in page.text  # what was typed stays to correct
    assert not Call.objects.filter(title="新征文").exists()
    form = CallForm(user=factories.organiser(tree["audit"]))
    assert form.fields["judges_per_entry"].widget.attrs["min"] == 1  # the box itself goes no lower


def test_the_database_refuses_a_call_with_no_judge_per_entry(essay_call):
    with pytest.raises(IntegrityError), transaction.atomic():
        Call.objects.filter(pk=essay_call.pk).update(judges_per_entry=0)


def test_a_panel_smaller_than_the_judges_per_entry_says_so_when_assigning(client, essay_call, tree, owner):
    # 3 judges per entry; a panel of 2 judges of jjj1, free of conflicts with the gz2 entries.
    entries = finalists(essay_call, [tree["gz2"]], 2)
    small = Panel.objects.create(call=essay_call, name="小组")
    small.judges.set([factories.member(tree["jjj1"]) for _ in range(2)])
    url = reverse("calls:judging_action", args=[essay_call.pk, "assign"])

    page = signed_in(client, owner).post(url, {"panel": small.pk}, follow=True)

    assert [Assignment.objects.filter(entry=entry).count() for entry in entries] == [2, 2]
    assert "已完成 4 项分配。" in page.text  # 2 entries × 2 judges
    assert (
        "评审组“小组”只有 2 位评委，少于本次征集要求的每件作品 3 位：每件作品最多分配到 2 位。"
        "请为评审组添加评委，或在征集设置中调低“每件作品评委数”。"
    ) in page.text
    assert "分配到的评委少于" not in page.text  # no conflict kept them from a judge: the panel is small


def test_a_panel_of_one_judge_is_named_in_the_singular(client, essay_call, tree, owner):
    finalists(essay_call, [tree["gz2"]], 1)
    one = Panel.objects.create(call=essay_call, name="Solo")
    one.judges.set([factories.member(tree["jjj1"])])
    page = signed_in(client, owner, "en").post(
        reverse("calls:judging_action", args=[essay_call.pk, "assign"]), {"panel": one.pk}, follow=True
    )
    assert (
        "Panel Solo has 1 judge, fewer than the 3 judges per entry the call asks for: each entry got at most 1."
    ) in page.text


def test_the_call_form_names_every_error_at_once(client, essay_call, tree):
    """Before, a lowest score above the highest was said first, and that the weights add up to
    90 % only on the next save."""
    signed_in(client, factories.organiser(tree["audit"]))
    data = new_call_form(
        essay_call,
        tree,
        judges_per_entry=0,
        closes_at=edit_form(essay_call, tree)["opens_at"],
        **{
            "criteria-TOTAL_FORMS": 2,
            "criteria-0-weight": "50",
            "criteria-0-min_score": "100",
            "criteria-0-max_score": "10",
            "criteria-1-name": "文采",
            "criteria-1-weight": "40",  # 50 + 40 = 90
            "criteria-1-min_score": "0",
            "criteria-1-max_score": "100",
        },
    )
    page = client.post(reverse("calls:call_new"), data).text
    for message in (
        "每件作品至少需要 1 位评委",
        "截止时间必须晚于开始时间。",
        "最高分必须大于最低分。",
        "各项权重合计 90%，必须正好为 100%。",
    ):
        assert message in page
    assert not Call.objects.filter(title="新征文").exists()
    # A weight left empty is named, with no sum of the others.
    page = client.post(reverse("calls:call_new"), new_call_form(essay_call, tree, **{"criteria-0-weight": ""})).text
    assert "请填写该标准的权重。" in page and "各项权重合计" not in page


@pytest.fixture
def three_criteria_assignment(tree, owner):
    """An essay call scored on 内容 (0-100), 文采 (0-100) and 制作质量 (0-100), one entry of gz2
    assigned to a judge of jjj1."""
    third = Decimal(1) / 3
    call = open_essay_call(
        tree["audit"],
        criteria=[(name, third, Decimal(0), Decimal(100)) for name in ("内容", "文采", "制作质量")],
    )
    (entry,) = finalists(call, [tree["gz2"]], 1)
    panel = Panel.objects.create(call=call, name="评审组")
    panel.judges.set([factories.member(tree["jjj1"], real_name="郭秋菊")])
    services.assignment_run(call=call, panel=panel, by=owner, seed="s")
    return Assignment.objects.get(entry=entry)


def test_the_scoring_form_names_an_empty_box_and_the_numbers_out_of_range_at_once(client, three_criteria_assignment):
    assignment = three_criteria_assignment
    content, style, making = assignment.entry.call.criteria.order_by("position")
    signed_in(client, assignment.judge)

    page = client.post(
        reverse("calls:judging_entry", args=[assignment.pk]),
        {
            f"criterion-{content.pk}": "150",
            f"criterion-{style.pk}": "-5",
            f"criterion-{making.pk}": "",
            "comment": "立意鲜明",
            "action": "submit",
        },
    ).text

    assert "请填写以下评分标准的分数：制作质量。内容的分值范围为 0 至 100。文采的分值范围为 0 至 100。" in page
    for criterion, typed in ((content, "150"), (style, "-5"), (making, "")):
        box = re.search(rf'<input class="([^"]*)"[^>]*id="criterion-{criterion.pk}" value="([^"]*)"', page)
        assert "is-invalid" in box.group(1) and box.group(2) == typed
    assert "立意鲜明</textarea>" in page
    assert not ScoreEvent.objects.exists()


def test_out_of_range_scores_are_joined_in_each_languages_way(three_criteria_assignment):
    assignment = three_criteria_assignment
    content, style, making = assignment.entry.call.criteria.order_by("position")
    values = {content.pk: Decimal(150), style.pk: Decimal(-5), making.pk: Decimal(80)}
    for language, said in (
        ("zh-hans", "内容的分值范围为 0 至 100。文采的分值范围为 0 至 100。"),
        ("en", "内容 takes a score from 0 to 100. 文采 takes a score from 0 to 100."),
    ):
        with translation.override(language), pytest.raises(services.CallRejected) as refused:
            services.score_record(assignment=assignment, by=assignment.judge, values=values)
        assert refused.value.message == said


@pytest.mark.parametrize(
    ("language", "shown"), [("zh-hans", "<b>郭秋菊</b>：立意鲜明"), ("en", "<b>郭秋菊</b>: 立意鲜明")]
)
def test_judges_comments_on_the_call_page_follow_the_pages_punctuation(
    client, three_criteria_assignment, owner, language, shown
):
    assignment = three_criteria_assignment
    values = {criterion.pk: Decimal(80) for criterion in assignment.entry.call.criteria.all()}
    services.score_record(assignment=assignment, by=assignment.judge, values=values, comment="立意鲜明")
    page = signed_in(client, owner, language).get(reverse("calls:manage", args=[assignment.entry.call_id])).text
    assert shown in page


def unit_options(page: str, name: str) -> list[str]:
    """The labels of the options of the page's select `name`, the empty choice left out."""
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', page, re.S).group(1)
    return [
        label.strip() for value, label in re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select) if value
    ]


def test_the_online_contest_form_offers_units_by_path_as_the_call_form_does(client, tree):
    signed_in(client, factories.organiser(tree["gz"]))
    call_units = unit_options(client.get(reverse("calls:call_new")).text, "unit")
    contest_page = client.get(reverse("contests:online_new")).text
    assert unit_options(contest_page, "unit") == call_units
    assert unit_options(contest_page, "audience") == call_units
    # An organiser of the Guangzhou office manages it and its two branches.
    assert call_units == ["审计署/广州特派办", "审计署/广州特派办/第一党支部", "审计署/广州特派办/第二党支部"]


@pytest.mark.django_db(transaction=True)
def test_migrating_asks_one_judge_of_calls_saved_with_none_and_rewords_stored_video_refusals(tree):
    """calls 0013 and lessons 0023: a call saved with 0 judges per entry asks 1 (the constraint
    could not hold otherwise); a lesson's reason stored with the old double colon takes the new
    words, which are translated (the stored text is the msgid)."""
    from datetime import timedelta

    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor
    from django.utils import timezone

    from lessons.models import Lesson

    before = [("calls", "0011_audit_judge_removed"), ("lessons", "0022_notebook_entries_can_be_removed")]
    after = [("calls", "0013_call_judges_per_entry_at_least_1"), ("lessons", "0023_video_refusals_reworded")]
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    executor.migrate(before)
    try:
        old = executor.loader.project_state(before).apps
        now = timezone.now()
        call = old.get_model("calls", "Call").objects.create(
            title="旧征集",
            unit_id=tree["audit"].pk,
            kind="essay",
            opens_at=now,
            closes_at=now + timedelta(days=1),
            judges_per_entry=0,
        )
        lesson = old.get_model("lessons", "Lesson").objects.create(
            title="旧课",
            unit_id=tree["gz"].pk,
            status="failed",
            failure="not a playable video: upload an MP4, MOV or other common video file",
        )
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(after)
        # Only the columns read: later migrations' columns are not there yet.
        assert Call.objects.filter(pk=call.pk).values_list("judges_per_entry", flat=True).get() == 1
        failure = Lesson.objects.filter(pk=lesson.pk).values_list("failure", flat=True).get()
        assert failure == "it is not a playable video; upload an MP4, MOV or other common video file"
        with translation.override("zh-hans"):
            assert translation.gettext(failure) == "不是可以播放的视频，请上传 MP4、MOV 等常见格式的视频文件"
    finally:
        # Every later migration back, or the tests after this one find the database without them.
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(latest)


def test_a_second_panel_with_the_same_name_is_refused_beside_the_name_and_keeps_the_judges(
    client, essay_call, tree, owner
):
    signed_in(client, owner)
    first, second = factories.member(tree["jjj1"]), factories.member(tree["jjj1"])
    url = reverse("calls:panel_add", args=[essay_call.pk])
    client.post(url, {"name": "第一评审组", "judges": [first.pk]})
    page = client.post(url, {"name": " 第一评审组 ", "judges": [second.pk]})
    assert page.status_code == 200
    assert "本征集活动已有名为“第一评审组”的评审组，请为此评审组另取一个名称。" in page.text
    assert f'<option value="{second.pk}" selected data-data=' in page.text
    assert list(essay_call.panels.values_list("name", flat=True)) == ["第一评审组"]
    # Renaming a panel to another's name is refused too; keeping its own name is not.
    other = services_panel(essay_call, owner, "第二评审组", [second])
    edit = reverse("calls:panel_edit", args=[essay_call.pk, other.pk])
    assert "另取一个名称" in client.post(edit, {"name": "第一评审组", "judges": [second.pk]}).text
    assert client.post(edit, {"name": "第二评审组", "judges": [second.pk]}).status_code == 302


def services_panel(call, by, name, members):
    return judges.panel_save(call=call, by=by, name=name, judges=members)


def test_the_service_refuses_a_panel_name_the_call_already_has(essay_call, tree, owner):
    services_panel(essay_call, owner, "第一评审组", [factories.member(tree["jjj1"])])
    with pytest.raises(services.CallRejected) as refused:
        services_panel(essay_call, owner, "第一评审组", [factories.member(tree["jjj1"])])
    assert refused.value.code == "panel_name_taken"


@pytest.mark.parametrize(
    ("language", "warning"),
    [
        ("zh-hans", "评审组“一人组”只有 1 位评委，而每件作品需要 3 位：现在分配，每件作品最多只能分到 1 位评委。"),
        ("en", "Panel 一人组 has 1 judge, but each entry needs 3: assigned now, each entry would get at most 1."),
    ],
)
def test_a_panel_smaller_than_the_judges_per_entry_is_warned_of_on_saving_and_beside_its_button(
    client, essay_call, tree, owner, language, warning
):
    assert essay_call.judges_per_entry == 3
    signed_in(client, owner, language)
    page = client.post(
        reverse("calls:panel_add", args=[essay_call.pk]),
        {"name": "一人组", "judges": [factories.member(tree["jjj1"]).pk]},
        follow=True,
    ).text
    # Once as the message after saving, once beside the panel's assign button.
    assert page.count(warning) == 2
    # Three judges are enough: no warning.
    panel = essay_call.panels.get()
    panel.judges.add(factories.member(tree["jjj1"]), factories.member(tree["jjj1"]))
    assert "panel-short" not in client.get(reverse("calls:manage", args=[essay_call.pk])).text
