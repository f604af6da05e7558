"""A judge put on a panel by mistake comes off it from the panel's page: their entries pass to
another judge of the panel; a judge who has scores that count is refused (judge scores are never
deleted: they leave through "Judge drops out", their scores standing), one whose scores were all
cleared comes off, the assignment with its cleared scores and clearing handed on; refused once judging is locked or
the results are published. Locking names an entry every judge of its panel conflicts with as
such, not as one without judges."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from calls import judges, selectors, services
from calls.models import Assignment, Call, ScoreClearing, ScoreComment, ScoreEvent
from calls.services import CallRejected
from tests import factories

from .conftest import signed_in, submitted_essay
from .test_review_judging import scores
from .test_walk_fixes import form_asks


def two_judge_panel(call, tree, *, author_unit="gz2"):
    """One judge per entry; the one entry 征文 (by a member of `author_unit`) in judging; the panel
    has 京评委 (京津冀's branch) and 广州评委 (广州's first branch). Assigning with seed "r"
    gives the entry to one of them; returns the entry, the panel and its assignment."""
    Call.objects.filter(pk=call.pk).update(judges_per_entry=1)
    call.refresh_from_db()
    call.levels.all().delete()
    entry = submitted_essay(call, factories.member(tree[author_unit]), title="征文")
    panel = call.panels.create(name="第一评审组")
    panel.judges.set(
        [factories.member(tree["jjj1"], real_name="京评委"), factories.member(tree["gz1"], real_name="广州评委")]
    )
    return entry, panel


def remove_url(call, panel, judge):
    return reverse("calls:panel_judge_remove", args=[call.pk, panel.pk, judge.pk])


def test_a_judge_who_has_not_scored_comes_off_the_panel_and_the_entry_passes_on(
    client, essay_call, tree, owner, gz_organiser
):
    entry, panel = two_judge_panel(essay_call, tree)
    services.assignment_run(call=essay_call, panel=panel, by=owner, seed="r")
    (held,) = Assignment.objects.filter(entry=entry)
    leaving, staying = held.judge, panel.judges.exclude(pk=held.judge_id).get()

    manage = signed_in(client, owner).get(reverse("calls:manage", args=[essay_call.pk])).text
    page_url = reverse("calls:panel_edit", args=[essay_call.pk, panel.pk])
    assert f'href="{page_url}"' in manage and "本组评委" in manage
    page = client.get(page_url).text
    assert "评审组：第一评审组" in page and "分到 1 件作品 · 已评 0 件" in page
    asked = form_asks(page, remove_url(essay_call, panel, leaving))
    assert asked == f"将 {leaving.display_name} 移出第一评审组吗？其作品将转交本组其他评委。"

    # An organiser who only reviews entries for the call (of 广州, below its owner) may not.
    assert signed_in(client, gz_organiser).post(remove_url(essay_call, panel, leaving)).status_code == 403
    assert panel.judges.filter(pk=leaving.pk).exists()
    answer = signed_in(client, owner).post(remove_url(essay_call, panel, leaving), follow=True).text
    assert f"{leaving.display_name} 已移出第一评审组；1 件作品转交其他评委。" in answer
    assert list(panel.judges.all()) == [staying]
    (given,) = Assignment.objects.filter(entry=entry)
    assert (given.judge, given.panel) == (staying, panel)
    log = answer[answer.index('id="call-log"') :]
    assert f"将评委移出评审组 · {leaving.display_name} 移出第一评审组" in log
    english = signed_in(client, owner, "en").get(reverse("calls:manage", args=[essay_call.pk])).text
    assert f"{leaving.display_name} off 第一评审组" in english[english.index('id="call-log"') :]

    # The last judge stays: a panel without judges could score nothing.
    with pytest.raises(CallRejected) as last:
        judges.panel_judge_remove(call=essay_call, panel=panel, judge=staying, by=owner)
    assert last.value.code == "last_judge"
    assert 'class="btn btn-sm btn-outline-danger panel-judge-remove"' not in signed_in(client, owner).get(page_url).text


def test_a_judge_who_scored_is_not_removed_their_scores_stand_and_they_leave_through_dropping_out(
    client, essay_call, tree, owner
):
    """Two judges per entry, both entries from 广州's second branch, so both judges are free for
    both: each holds both. 京评委 scores 征文甲 80,70 (0.6 × 80 + 0.4 × 70 = 76). Removing them
    is refused and deletes nothing (no button on the page either); they drop out instead: 征文乙,
    unscored, has no other free judge and keeps 广州评委 alone, 征文甲 keeps both scores."""
    Call.objects.filter(pk=essay_call.pk).update(judges_per_entry=2)
    essay_call.refresh_from_db()
    essay_call.levels.all().delete()
    jia = submitted_essay(essay_call, factories.member(tree["gz2"]), title="征文甲")
    yi = submitted_essay(essay_call, factories.member(tree["gz2"]), title="征文乙")
    panel = essay_call.panels.create(name="第一评审组")
    mistaken = factories.member(tree["jjj1"], real_name="京评委")
    kept = factories.member(tree["gz1"], real_name="广州评委")
    panel.judges.set([mistaken, kept])
    services.assignment_run(call=essay_call, panel=panel, by=owner, seed="r")
    assert Assignment.objects.count() == 4
    wrong = Assignment.objects.get(entry=jia, judge=mistaken)
    services.score_record(assignment=wrong, by=mistaken, values=scores(essay_call, 80, 70))

    signed_in(client, owner)
    page_url = reverse("calls:panel_edit", args=[essay_call.pk, panel.pk])
    page = client.get(page_url).text
    assert "分到 2 件作品 · 已评 1 件" in page
    scored_row = page[page.index(f'id="panel-judge-{mistaken.pk}"') : page.index(f'id="panel-judge-{kept.pk}"')]
    kept_row = page[page.index(f'id="panel-judge-{kept.pk}"') :]
    assert "panel-judge-remove" not in scored_row and "panel-judge-remove" in kept_row.split("</li>")[0]
    refused = client.post(remove_url(essay_call, panel, mistaken), follow=True).text
    assert (
        "京评委 已评了本评审组的 1 件作品，评分一经给出不会删除。如需让其离开评审组并保留该评分，"
        "请在本征集页面的评审进度表中使用“评委退出”。"
    ) in refused
    assert panel.judges.filter(pk=mistaken.pk).exists()
    assert Assignment.objects.filter(judge=mistaken).count() == 2
    assert ScoreEvent.objects.filter(assignment=wrong).count() == 2

    judges.judge_withdraw(call=essay_call, judge=mistaken, by=owner, reason="误选")
    assert list(Assignment.objects.filter(judge=mistaken)) == [wrong]
    for entry, content, style in ((jia, 90, 80), (yi, 60, 50)):
        assignment = Assignment.objects.get(entry=entry, judge=kept)
        services.score_record(assignment=assignment, by=kept, values=scores(essay_call, content, style))
    services.scores_lock(call=essay_call, by=owner, close_now=True)
    # 征文甲: (76.00 + 0.6 × 90 + 0.4 × 80 = 86.00) / 2 = 81.00; 征文乙: 0.6 × 60 + 0.4 × 50 = 56.00.
    assert [(row.entry, sorted(row.judge_totals), row.final, row.rank) for row in selectors.results(essay_call)] == [
        (jia, [Decimal("76.00"), Decimal("86.00")], Decimal("81.00"), 1),
        (yi, [Decimal("56.00")], Decimal("56.00"), 2),
    ]


@pytest.mark.parametrize(
    ("stage", "message"),
    [
        ("locked", "评审已锁定：请先解锁评审，再将评委移出评审组。"),
        ("published", "结果已公布，评审组的评委不能再变动。"),
    ],
)
def test_no_judge_comes_off_a_panel_once_judging_is_locked_or_published(
    client, essay_call, tree, owner, stage, message
):
    entry, panel = two_judge_panel(essay_call, tree)
    services.assignment_run(call=essay_call, panel=panel, by=owner, seed="r")
    (held,) = Assignment.objects.filter(entry=entry)
    now = timezone.now()
    Call.objects.filter(pk=essay_call.pk).update(
        scores_locked_at=now, results_published_at=now if stage == "published" else None
    )
    signed_in(client, owner)
    answer = client.post(remove_url(essay_call, panel, held.judge), follow=True).text
    assert message in answer
    assert panel.judges.count() == 2 and Assignment.objects.get(entry=entry) == held
    assert "panel-judge-remove" not in answer and 'id="panel-frozen"' in answer


def test_an_entry_left_without_a_free_judge_is_named_and_locking_says_why(client, essay_call, tree, owner):
    """征文 comes from 京津冀's branch: only 广州评委 is free for it. Taking them off leaves it
    with no judge, and 京评委 in conflict: the call page names it as no judge can score it, and
    locking says so rather than "has no judges yet"."""
    entry, panel = two_judge_panel(essay_call, tree, author_unit="jjj1")
    services.assignment_run(call=essay_call, panel=panel, by=owner, seed="r")
    (held,) = Assignment.objects.filter(entry=entry)
    assert held.judge.real_name == "广州评委"
    signed_in(client, owner)
    answer = client.post(remove_url(essay_call, panel, held.judge), follow=True).text
    assert "征文 现在没有评委：请按本页提示为其安排评委，然后才能锁定评分。" in answer
    assert "“征文”无评委可评：第一评审组的每位评委都与其存在利益冲突" in answer
    assert not Assignment.objects.filter(entry=entry).exists()

    answer = client.post(
        reverse("calls:judging_action", args=[essay_call.pk, "lock"]), {"close_now": "1"}, follow=True
    ).text
    assert "尚无评委" not in answer
    assert (
        "“征文”无评委可评：第一评审组的每位评委都与其存在利益冲突（本单位、作者身份或已申报的冲突）。"
        "请在征集页面为其评审组增加一位没有利益冲突的评委。"
    ) in answer
    with translation.override("en"), pytest.raises(CallRejected) as refused:
        services.scores_lock(call=essay_call, by=owner, close_now=True)
    assert refused.value.message == (
        "No judge can score “征文”: every judge on panel 第一评审组 has a conflict with it (their own unit, "
        "authorship or a declared conflict). Add a judge free of conflicts to its panel, on the call page."
    )
    essay_call.refresh_from_db()
    assert essay_call.scores_locked_at is None


def test_a_judge_whose_only_scores_were_cleared_comes_off_and_the_cleared_scores_stay_on_record(
    client, essay_call, tree, owner
):
    """The one entry 征文 is held by one judge, who scores it 80,70; the organiser clears those
    scores (no reassign: the same judge would score afresh). They no longer count, so the judge
    may come off the panel: the same assignment row passes to the other judge, its two cleared
    score events and the clearing still there, none counting. The new judge scores 90,80:
    0.6 × 90 + 0.4 × 80 = 54 + 32 = 86.00, the entry's only total."""
    entry, panel = two_judge_panel(essay_call, tree)
    services.assignment_run(call=essay_call, panel=panel, by=owner, seed="r")
    (held,) = Assignment.objects.filter(entry=entry)
    leaving, staying = held.judge, panel.judges.exclude(pk=held.judge_id).get()
    services.score_record(assignment=held, by=leaving, values=scores(essay_call, 80, 70), comment="论点清楚")
    clearing = judges.scores_clear(assignment=held, by=owner, reason="评错了作品")

    page_url = reverse("calls:panel_edit", args=[essay_call.pk, panel.pk])
    page = signed_in(client, owner).get(page_url).text
    row = page[page.index(f'id="panel-judge-{leaving.pk}"') :].split("</li>")[0]
    assert "分到 1 件作品 · 已评 0 件 · " in row and "1 件的评分已清除（保留在记录中）" in row
    assert form_asks(page, remove_url(essay_call, panel, leaving)).startswith(f"将 {leaving.display_name} 移出")

    answer = client.post(remove_url(essay_call, panel, leaving), follow=True).text
    assert f"{leaving.display_name} 已移出第一评审组；1 件作品转交其他评委。" in answer
    assert list(panel.judges.all()) == [staying]
    (given,) = Assignment.objects.filter(entry=entry)
    assert (given.pk, given.judge, given.panel) == (held.pk, staying, panel)
    # The record: both cleared events (by the judge who left), the clearing and the comment.
    assert [(event.by, event.value) for event in ScoreEvent.every.filter(assignment=given)] == [
        (leaving, 80),
        (leaving, 70),
    ]
    assert not ScoreEvent.objects.filter(assignment=given).exists()
    assert list(ScoreClearing.objects.filter(assignment=given)) == [clearing]
    clearing.refresh_from_db()
    assert (clearing.judge, clearing.reason) == (leaving, "评错了作品")
    assert ScoreComment.objects.filter(assignment=given, by=leaving).count() == 1

    services.score_record(assignment=given, by=staying, values=scores(essay_call, 90, 80))
    services.scores_lock(call=essay_call, by=owner, close_now=True)
    (result,) = selectors.results(essay_call)
    assert (result.entry, result.judge_totals, result.final) == (entry, [Decimal("86.00")], Decimal("86.00"))


def test_a_judge_with_a_cleared_and_a_standing_score_is_still_refused(client, essay_call, tree, owner):
    """Both entries (from 广州's second branch) are held by both judges. 京评委 scores 征文甲
    and 征文乙; the organiser clears 征文甲's only. One score still counts: removal is refused,
    naming 1 entry, and nothing changes."""
    Call.objects.filter(pk=essay_call.pk).update(judges_per_entry=2)
    essay_call.levels.all().delete()
    jia = submitted_essay(essay_call, factories.member(tree["gz2"]), title="征文甲")
    yi = submitted_essay(essay_call, factories.member(tree["gz2"]), title="征文乙")
    panel = essay_call.panels.create(name="第一评审组")
    mistaken = factories.member(tree["jjj1"], real_name="京评委")
    panel.judges.set([mistaken, factories.member(tree["gz1"], real_name="广州评委")])
    services.assignment_run(call=essay_call, panel=panel, by=owner, seed="r")
    for entry in (jia, yi):
        assignment = Assignment.objects.get(entry=entry, judge=mistaken)
        services.score_record(assignment=assignment, by=mistaken, values=scores(essay_call, 80, 70))
    judges.scores_clear(assignment=Assignment.objects.get(entry=jia, judge=mistaken), by=owner, reason="评错了")

    page = signed_in(client, owner).get(reverse("calls:panel_edit", args=[essay_call.pk, panel.pk])).text
    row = page[page.index(f'id="panel-judge-{mistaken.pk}"') :].split("</li>")[0]
    assert "分到 2 件作品 · 已评 1 件 · " in row and "1 件的评分已清除（保留在记录中）" in row
    assert "panel-judge-remove" not in row
    refused = client.post(remove_url(essay_call, panel, mistaken), follow=True).text
    assert "京评委 已评了本评审组的 1 件作品，评分一经给出不会删除。" in refused
    assert panel.judges.filter(pk=mistaken.pk).exists()
    assert Assignment.objects.filter(judge=mistaken).count() == 2
    assert (ScoreEvent.every.count(), ScoreEvent.objects.count()) == (4, 2)


def test_cleared_scores_no_other_judge_is_free_to_take_keep_the_judge_on_the_panel(essay_call, tree, owner):
    """征文 comes from 京津冀's branch, so only 广州评委 is free for it. Their scores of it are
    cleared; taking them off would leave the entry's assignment, and with it the cleared scores,
    nowhere to go: refused with a message saying so, and nothing changes."""
    entry, panel = two_judge_panel(essay_call, tree, author_unit="jjj1")
    services.assignment_run(call=essay_call, panel=panel, by=owner, seed="r")
    (held,) = Assignment.objects.filter(entry=entry)
    services.score_record(assignment=held, by=held.judge, values=scores(essay_call, 80, 70))
    judges.scores_clear(assignment=held, by=owner, reason="评错了")
    with translation.override("en"), pytest.raises(CallRejected) as refused:
        judges.panel_judge_remove(call=essay_call, panel=panel, judge=held.judge, by=owner)
    assert refused.value.code == "cleared_no_free_judge"
    assert refused.value.message == (
        "广州评委's cleared scores of “征文” stay on record with the entry, and no other judge of panel 第一评审组 "
        "is free to take it over, so 广州评委 stays on the panel to score it afresh."
    )
    assert panel.judges.count() == 2
    assert Assignment.objects.get(entry=entry).judge == held.judge
    assert (ScoreEvent.every.count(), ScoreClearing.objects.count()) == (2, 1)
