"""Judging that can be finished: a call locked with a score missing is unlocked (until the results
are published) and completed; an entry every judge of its panel has a conflict with is named on
the call's page and given a judge, of another panel or added to its own; the log reads in the
reader's language; a refused criterion weight says what is wrong with it."""

import importlib
from decimal import Decimal

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone, translation

from calls import judges, selectors, services
from calls.forms import CriterionFormSet
from calls.models import Assignment, AuditEvent, Call
from calls.services import CallRejected
from tests import factories

from .conftest import signed_in, submitted_essay
from .test_review_judging import finalists, scores
from .test_walk_fixes import form_asks


def score(assignment, content, style):
    call = assignment.entry.call
    services.score_record(assignment=assignment, by=assignment.judge, values=scores(call, content, style))


def action_url(call, action):
    return reverse("calls:judging_action", args=[call.pk, action])


# ---------------------------------------------------------------- unlocking judging


def test_a_call_locked_with_a_score_missing_is_unlocked_completed_locked_again_and_published(
    client, essay_call, tree, panel, owner
):
    """Three judges of 京津冀's branch hold the one entry (from 广州's second branch): 80,70 ->
    0.6 × 80 + 0.4 × 70 = 76; 90,80 -> 86; the third has not scored when the call is locked (as
    calls were locked before the lock checked). After unlocking, the third scores 70,60 -> 66:
    the final is (76 + 86 + 66) / 3 = 76.00 (fewer than 5 scores: none dropped), first, 一等奖."""
    (entry,) = finalists(essay_call, [tree["gz2"]], 1)
    panel.judges.set(panel.judges.filter(unit=tree["jjj1"]))
    services.assignment_run(call=essay_call, panel=panel, by=owner, seed="u")
    first, second, third = Assignment.objects.filter(entry=entry).order_by("judge_id")
    score(first, 80, 70)
    score(second, 90, 80)
    Call.objects.filter(pk=essay_call.pk).update(scores_locked_at=timezone.now())
    with pytest.raises(CallRejected) as locked:
        score(third, 70, 60)
    assert locked.value.code == "locked"
    with pytest.raises(CallRejected) as refused:
        services.results_publish(call=essay_call, by=owner)
    assert refused.value.message == (
        "评分不全：征文0（缺 1 份）。请等评委评完，或将无法评分的评委移出评审组。 评分锁定期间无法补全：请先解锁评审。"
    )

    signed_in(client, owner)
    url = reverse("calls:manage", args=[essay_call.pk])
    assert "现在解锁评审吗？" in form_asks(client.get(url).text, "/unlock/")
    assert client.post(action_url(essay_call, "unlock"), {"reason": "补齐第三位评委的评分"}).status_code == 302
    essay_call.refresh_from_db()
    assert essay_call.scores_locked_at is None
    event = essay_call.audit_events.get(action=AuditEvent.Action.UNLOCK)
    assert (event.by, event.detail) == (owner, "补齐第三位评委的评分")
    page = client.get(url).text
    assert "评审已解锁：再次锁定之前，评委可以补全和修改评分。" in page
    assert "解锁评审 · 补齐第三位评委的评分" in page
    assert 'id="unlock-judging"' not in page and 'id="lock-button"' in page

    score(third, 70, 60)
    assert client.post(action_url(essay_call, "lock"), {"close_now": "1"}).status_code == 302
    assert client.post(action_url(essay_call, "publish")).status_code == 302
    essay_call.refresh_from_db()
    assert essay_call.scores_locked_at is not None and essay_call.results_published_at is not None
    (row,) = selectors.results(essay_call)
    assert (sorted(row.judge_totals), row.final, row.rank, row.prize) == (
        [Decimal(66), Decimal(76), Decimal(86)],
        Decimal("76.00"),
        1,
        "一等奖",
    )


def test_unlocking_is_refused_once_the_results_are_published(client, essay_call, tree, panel, owner):
    (entry,) = finalists(essay_call, [tree["gz2"]], 1)
    services.assignment_run(call=essay_call, panel=panel, by=owner, seed="p")
    for assignment in Assignment.objects.filter(entry=entry):
        score(assignment, 70, 70)
    services.scores_lock(call=essay_call, by=owner, close_now=True)
    url = reverse("calls:manage", args=[essay_call.pk])
    assert 'id="unlock-judging"' in signed_in(client, owner).get(url).text
    services.results_publish(call=essay_call, by=owner)
    assert 'id="unlock-judging"' not in client.get(url).text

    with pytest.raises(CallRejected) as refused:
        services.scores_unlock(call=essay_call, by=owner, reason="改分")
    assert refused.value.code == "published"
    response = client.post(action_url(essay_call, "unlock"), {"reason": "改分"}, follow=True)
    assert "结果已发布，评审不能再解锁。" in response.text
    essay_call.refresh_from_db()
    assert essay_call.scores_locked_at is not None
    assert not essay_call.audit_events.filter(action=AuditEvent.Action.UNLOCK).exists()


def test_only_organisers_of_the_calls_unit_unlock_judging_and_they_say_why(
    client, essay_call, tree, owner, gz_organiser
):
    """A member, an organiser of another organ and an organiser who only reviews entries for the
    call (of 广州, below its owner) are refused; the owner's organiser must give a reason."""
    Call.objects.filter(pk=essay_call.pk).update(assigned_at=timezone.now(), scores_locked_at=timezone.now())
    url = action_url(essay_call, "unlock")
    member = factories.member(tree["gz1"])
    elsewhere = factories.organiser(tree["mof"])
    assert signed_in(client, member).post(url, {"reason": "试试"}).status_code == 403
    assert signed_in(client, elsewhere).post(url, {"reason": "试试"}).status_code == 404
    assert signed_in(client, gz_organiser).post(url, {"reason": "试试"}).status_code == 403
    for user in (member, elsewhere, gz_organiser):
        with pytest.raises(CallRejected) as refused:
            services.scores_unlock(call=essay_call, by=user, reason="试试")
        assert refused.value.code == "not_allowed"

    response = signed_in(client, owner, "en").post(url, {"reason": "  "}, follow=True)
    assert "Say why judging is unlocked." in response.text
    essay_call.refresh_from_db()
    assert essay_call.scores_locked_at is not None
    assert not essay_call.audit_events.exists()


# ---------------------------------------------------------------- an entry no judge of its panel can score


def strand(call, tree, owner, *, second_panel: bool):
    """One judge per entry; 甲 from 京津冀's branch and 乙 from 广州's second branch in judging.
    第一评审组 has the two judges of 京津冀's branch, both in conflict with 甲 (their own unit):
    assigning with it gives 乙 one of them and 甲 nobody. With `second_panel`, 第二评审组 has one
    judge of 广州's first branch, free for both."""
    Call.objects.filter(pk=call.pk).update(judges_per_entry=1)
    call.refresh_from_db()
    call.levels.all().delete()
    jia = submitted_essay(call, factories.member(tree["jjj1"]), title="甲")
    yi = submitted_essay(call, factories.member(tree["gz2"]), title="乙")
    first = call.panels.create(name="第一评审组")
    first.judges.set([factories.member(tree["jjj1"], real_name=f"京评委{n}") for n in (1, 2)])
    second = None
    if second_panel:
        second = call.panels.create(name="第二评审组")
        second.judges.set([factories.member(tree["gz1"], real_name="广州评委")])
    services.assignment_run(call=call, panel=first, by=owner, seed="s")
    assert Assignment.objects.filter(entry=yi, panel=first).count() == 1
    assert not Assignment.objects.filter(entry=jia).exists()
    return jia, yi, first, second


def test_an_entry_every_judge_of_its_panel_conflicts_with_is_named_and_given_to_another_panel(
    client, essay_call, tree, owner
):
    jia, yi, first, second = strand(essay_call, tree, owner, second_panel=True)
    (item,) = judges.entries_without_free_judge(essay_call)
    assert (item.entry, item.panels, item.elsewhere) == (jia, [first], [second])

    url = reverse("calls:manage", args=[essay_call.pk])
    page = signed_in(client, owner).get(url).text
    assert "“甲”无评委可评：第一评审组的每位评委都与其存在利益冲突（本单位、作者身份或已申报的冲突）。" in page
    assert "现在将“甲”分配给第二评审组吗？" in page and "分配给第二评审组" in page
    # 第一评审组 has nobody free for it: no button to assign with it; 第二评审组's takes the one entry.
    assert f'name="panel" value="{first.pk}"' not in page
    assert page.count("分配尚无评委的 1 件作品") == 1
    english = signed_in(client, owner, "en").get(url).text
    assert (
        "No judge can score “甲”: every judge on panel 第一评审组 has a conflict "
        "(their own unit, authorship or a declared conflict)."
    ) in english

    with pytest.raises(CallRejected) as not_lockable:
        services.scores_lock(call=essay_call, by=owner, close_now=True)
    # Not "has no judges yet": what it lacks is a judge free of conflicts, and where to get one.
    assert not_lockable.value.code == "no_free_judge"
    assert not_lockable.value.message == (
        "“甲”无评委可评：第一评审组的每位评委都与其存在利益冲突（本单位、作者身份或已申报的冲突）。"
        "请在征集页面将其交给其他评审组，或为其评审组增加一位没有利益冲突的评委。"
    )
    with pytest.raises(CallRejected) as none_free:
        services.assignment_run(call=essay_call, panel=first, by=owner, entries=[jia])
    assert none_free.value.code == "no_free_judge"
    assert none_free.value.message == (
        "第一评审组的每位评委都与“甲”存在利益冲突：请交给其他评审组，或为本组增加一位没有利益冲突的评委。"
    )
    assert essay_call.audit_events.filter(action="assign").count() == 1

    response = client.post(action_url(essay_call, "assign"), {"panel": second.pk, "entry": jia.pk})
    assert response.status_code == 302
    (given,) = Assignment.objects.filter(entry=jia)
    assert (given.judge.real_name, given.panel) == ("广州评委", second)
    assert judges.entries_without_free_judge(essay_call) == []
    assert 'id="no-free-judge"' not in client.get(url).text

    # 甲: 80,90 -> 0.6 × 80 + 0.4 × 90 = 84.00; 乙: 70,70 -> 70.00. 甲 first (一等奖), 乙 second (二等奖).
    score(given, 80, 90)
    score(Assignment.objects.get(entry=yi), 70, 70)
    services.scores_lock(call=essay_call, by=owner, close_now=True)
    assert [(row.entry, row.final, row.rank, row.prize) for row in selectors.results(essay_call)] == [
        (jia, Decimal("84.00"), 1, "一等奖"),
        (yi, Decimal("70.00"), 2, "二等奖"),
    ]


def test_a_judge_free_of_conflicts_joins_the_panel_for_an_entry_none_of_its_judges_can_score(
    client, essay_call, tree, owner, gz_organiser
):
    jia, yi, first, _none = strand(essay_call, tree, owner, second_panel=False)
    (item,) = judges.entries_without_free_judge(essay_call)
    assert (item.entry, item.panels, item.elsewhere) == (jia, [first], [])
    newcomer = factories.member(tree["gz1"], real_name="广州新评委")
    conflicted = factories.member(tree["jjj1"], real_name="京津冀成员")

    url = reverse("calls:manage", args=[essay_call.pk])
    page = signed_in(client, owner).get(url).text
    assert "请为其评审组增加一位没有利益冲突的评委。在此之前无法锁定评分。" in page
    # Only those free of conflicts with 甲 are offered: not its own branch's members.
    picker = page[page.index(f'name="judge-for-{jia.pk}-judge"') :]
    picker = picker[: picker.index("</select>")]
    assert "广州新评委" in picker
    assert "京津冀成员" not in picker and "京评委" not in picker

    with pytest.raises(CallRejected) as refused:
        judges.entry_judge_add(call=essay_call, panel=first, entry=jia, judge=conflicted, by=owner)
    assert refused.value.message == "京津冀成员 同样与“甲”存在利益冲突，请另选评委。"
    assert not first.judges.filter(pk=conflicted.pk).exists()

    add_url = reverse("calls:entry_judge_add", args=[essay_call.pk, jia.pk])
    picked = {f"judge-for-{jia.pk}-panel": first.pk, f"judge-for-{jia.pk}-judge": newcomer.pk}
    # An organiser who only reviews entries for the call (of 广州, below its owner) may not.
    assert signed_in(client, gz_organiser).post(add_url, picked).status_code == 403
    assert not first.judges.filter(pk=newcomer.pk).exists()
    assert signed_in(client, owner).post(add_url, picked).status_code == 302
    assert first.judges.filter(pk=newcomer.pk).exists()
    (given,) = Assignment.objects.filter(entry=jia)
    assert (given.judge, given.panel) == (newcomer, first)
    page = client.get(url).text
    assert "广州新评委 已加入第一评审组，评审“甲”。" in page
    assert "为无评委可评的作品增加评委 · 甲 · 广州新评委 加入第一评审组" in page
    assert "广州新评委 joins 第一评审组" in signed_in(client, owner, "en").get(url).text
    # Again for an entry that has its judge now: refused.
    with pytest.raises(CallRejected) as again:
        judges.entry_judge_add(call=essay_call, panel=first, entry=jia, judge=newcomer, by=owner)
    assert again.value.code == "already_assigned"

    # 甲: 80,90 -> 84.00; 乙: 70,70 -> 70.00.
    score(given, 80, 90)
    score(Assignment.objects.get(entry=yi), 70, 70)
    services.scores_lock(call=essay_call, by=owner, close_now=True)
    assert [(row.entry, row.final, row.rank) for row in selectors.results(essay_call)] == [
        (jia, Decimal("84.00"), 1),
        (yi, Decimal("70.00"), 2),
    ]


# ---------------------------------------------------------------- the log in the reader's language


@pytest.mark.parametrize(
    ("acting", "reading", "expected", "not_expected"),
    [
        ("zh-hans", "en", "6 assignments, draw code s", "抽签码"),
        ("en", "zh-hans", "共分配 6 份，抽签码 s", "draw code"),
    ],
)
def test_the_log_writes_the_assignments_detail_in_the_readers_language(
    client, essay_call, tree, panel, owner, acting, reading, expected, not_expected
):
    """Two entries from 广州's second branch, three judges each (four judges, none of that branch): 6."""
    finalists(essay_call, [tree["gz2"]], 2)
    with translation.override(acting):
        services.assignment_run(call=essay_call, panel=panel, by=owner, seed="s")
    page = signed_in(client, owner, reading).get(reverse("calls:manage", args=[essay_call.pk])).text
    log = page[page.index('id="call-log"') :]
    assert expected in log and not_expected not in log


def test_old_log_rows_stay_readable_and_the_platforms_sentences_among_them_are_translated(client, essay_call, owner):
    worded = AuditEvent.objects.create(call=essay_call, by=owner, action="assign", detail="随机种子 demo，共分配 6 份")
    typed = AuditEvent.objects.create(call=essay_call, by=owner, action="reopen", detail="2026-12-10 18:00 材料补交")
    drawn = AuditEvent.objects.create(call=essay_call, by=owner, action="night_draw", detail="seed 7f, 1 speakers")
    url = reverse("calls:manage", args=[essay_call.pk])
    assert "随机种子 demo，共分配 6 份" in signed_in(client, owner, "en").get(url).text

    migration = importlib.import_module("calls.migrations.0010_audit_details_in_readers_language")
    migration.code_old_details(apps, None)
    for event in (worded, typed, drawn):
        event.refresh_from_db()
    assert (worded.detail_code, worded.detail_params) == ("assigned", {"seed": "demo", "n": 6})
    assert (drawn.detail_code, drawn.detail_params) == ("night_drawn", {"seed": "7f", "n": 1})
    assert typed.detail_code == ""
    english = signed_in(client, owner, "en").get(url).text
    assert "6 assignments, draw code demo" in english and "seed 7f, 1 speaker<" in english
    assert "2026-12-10 18:00 材料补交" in english
    chinese = signed_in(client, owner).get(url).text
    assert "共分配 6 份，抽签码 demo" in chinese and "种子 7f，共 1 位演讲者" in chinese


# ---------------------------------------------------------------- criterion weights


@pytest.mark.parametrize(
    ("weight", "chinese", "english"),
    [
        ("0", "权重至少为 1%。", "A weight is at least 1 %."),
        ("-1", "权重至少为 1%。", "A weight is at least 1 %."),
        ("101", "权重至多为 100%。", "A weight is at most 100 %."),
        ("abc", "权重须为整数百分比，如 60。", "A weight is a whole number of per cent, such as 60."),
        ("60.5", "权重须为整数百分比，如 60。", "A weight is a whole number of per cent, such as 60."),
        ("", "请填写该标准的权重。", "Give the criterion a weight."),
    ],
)
def test_each_refused_weight_is_told_what_is_wrong_with_it(weight, chinese, english):
    data = {
        "criteria-TOTAL_FORMS": "1",
        "criteria-INITIAL_FORMS": "0",
        "criteria-0-name": "内容",
        "criteria-0-weight": weight,
        "criteria-0-min_score": "0",
        "criteria-0-max_score": "100",
    }
    for language, message in (("zh-hans", chinese), ("en", english)):
        with translation.override(language):
            rubric = CriterionFormSet(data, prefix="criteria")
            assert not rubric.is_valid()
            assert rubric.forms[0].errors == {"weight": [message]}


def test_a_criterion_without_scores_is_told_which_it_lacks():
    data = {
        "criteria-TOTAL_FORMS": "1",
        "criteria-INITIAL_FORMS": "0",
        "criteria-0-name": "内容",
        "criteria-0-weight": "100",
        "criteria-0-max_score": "100",
    }
    with translation.override("en"):
        rubric = CriterionFormSet(data, prefix="criteria")
        assert not rubric.is_valid()
        assert rubric.forms[0].errors == {"min_score": ["Give the criterion a lowest score."]}
