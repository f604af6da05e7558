"""Recommendation up the tree, judge assignment with conflicts, scoring and prizes."""

from decimal import Decimal

import pytest

from calls import selectors, services
from calls.models import Assignment, Entry, ScoreEvent
from calls.services import CallRejected
from tests import factories

from .conftest import submitted_essay


@pytest.fixture
def branch_organiser(tree):
    return factories.organiser(tree["gz1"], real_name="支部组织者")


def test_entry_climbs_branch_then_office_then_reaches_judging(essay_call, tree, branch_organiser, gz_organiser):
    entry = submitted_essay(essay_call, factories.member(tree["gz1"]))
    assert (entry.level, entry.at_unit) == (0, tree["gz1"])
    entry = services.entry_forward(entry=entry, by=branch_organiser, note="立意深刻")
    assert (entry.level, entry.at_unit, entry.status) == (1, tree["gz"], Entry.Status.SUBMITTED)
    with pytest.raises(CallRejected) as not_theirs:
        services.entry_forward(entry=entry, by=branch_organiser, note="再推")
    assert not_theirs.value.code == "not_allowed"
    entry = services.entry_forward(entry=entry, by=gz_organiser, note="推荐")
    assert (entry.status, entry.at_unit) == (Entry.Status.FINALIST, None)


def test_recommendation_over_the_quota_is_refused(essay_call, tree, branch_organiser):
    first = submitted_essay(essay_call, factories.member(tree["gz1"]))
    second = submitted_essay(essay_call, factories.member(tree["gz1"]))
    services.entry_forward(entry=first, by=branch_organiser, note="好")
    with pytest.raises(CallRejected) as refused:
        services.entry_forward(entry=second, by=branch_organiser, note="也好")
    assert refused.value.code == "over_quota"
    second.refresh_from_db()
    assert (second.level, second.at_unit) == (0, tree["gz1"])


def test_each_level_sees_only_its_subtree(essay_call, tree, gz_organiser):
    gz_entry = submitted_essay(essay_call, factories.member(tree["gz1"]))
    jjj_entry = submitted_essay(essay_call, factories.member(tree["jjj1"]))
    jjj_organiser = factories.organiser(tree["jjj"])
    assert list(selectors.reviewable_entries(gz_organiser, essay_call)) == [gz_entry]
    assert list(selectors.reviewable_entries(jjj_organiser, essay_call)) == [jjj_entry]
    with pytest.raises(CallRejected):
        services.entry_return(entry=gz_entry, by=jjj_organiser, reason="不行")


def test_returned_entry_shows_the_reason_and_can_be_sent_again(essay_call, tree, branch_organiser):
    author = factories.member(tree["gz1"])
    entry = submitted_essay(essay_call, author)
    entry = services.entry_return(entry=entry, by=branch_organiser, reason="请补充案例")
    assert (entry.status, entry.returned_reason) == (Entry.Status.RETURNED, "请补充案例")
    assert services.entry_submit(entry=entry, by=author).status == Entry.Status.SUBMITTED


def finalists(call, units, count):
    """`count` entries straight into judging (the levels cleared)."""
    call.levels.all().delete()
    return [submitted_essay(call, factories.member(units[i % len(units)]), title=f"征文{i}") for i in range(count)]


def test_assignment_respects_conflicts_balances_and_is_reproducible(essay_call, tree, panel, gz_organiser):
    entries = finalists(essay_call, [tree["gz1"], tree["gz2"], tree["jjj1"]], 6)
    assert {e.status for e in entries} == {Entry.Status.FINALIST}
    services.assignment_run(call=essay_call, panel=panel, by=gz_organiser, seed="abc")
    first = sorted(Assignment.objects.values_list("entry_id", "judge_id"))
    for assignment in Assignment.objects.select_related("entry__unit", "judge__unit"):
        assert not assignment.entry.unit.path.startswith(assignment.judge.unit.path)
    # Three jjj1 judges and one gz1 judge. The 2 gz1 entries: the 3 jjj1 judges (6); the 2 gz2
    # entries: 3 of the 4 judges (6); the 2 jjj1 entries: only the gz1 judge is free (2). 14 in all.
    assert len(first) == 14
    jjj_entries = [e.pk for e in entries if e.unit == tree["jjj1"]]
    assert Assignment.objects.filter(entry__in=jjj_entries).count() == 2
    loads = sorted(Assignment.objects.filter(judge__unit=tree["jjj1"]).values_list("judge_id", flat=True))
    per_judge = [loads.count(j) for j in set(loads)]
    assert max(per_judge) - min(per_judge) <= 1
    with pytest.raises(CallRejected):
        services.assignment_run(call=essay_call, panel=panel, by=gz_organiser, seed="abc")
    Assignment.objects.all().delete()
    essay_call.assigned_at = None
    essay_call.save()
    services.assignment_run(call=essay_call, panel=panel, by=gz_organiser, seed="abc")
    assert sorted(Assignment.objects.values_list("entry_id", "judge_id")) == first
    essay_call.refresh_from_db()
    assert essay_call.assignment_seed == "abc"


def scores(call, content, style):
    content_id, style_id = call.criteria.values_list("pk", flat=True)
    return {content_id: Decimal(content), style_id: Decimal(style)}


def test_bad_scores_are_refused_and_record_nothing(essay_call, tree, panel, gz_organiser):
    (entry,) = finalists(essay_call, [tree["gz2"]], 1)
    services.assignment_run(call=essay_call, panel=panel, by=gz_organiser, seed="x")
    assignment = Assignment.objects.filter(entry=entry).first()
    judge = assignment.judge
    for values, code in [
        (scores(essay_call, 101, 50), "out_of_range"),
        (scores(essay_call, -1, 50), "out_of_range"),
        (scores(essay_call, "NaN", 50), "bad_score"),
        (scores(essay_call, "80.005", 50), "bad_score"),
        (scores(essay_call, "1E+30", 50), "out_of_range"),
    ]:
        with pytest.raises(CallRejected) as refused:
            services.score_record(assignment=assignment, by=judge, values=values)
        assert refused.value.code == code
    stranger = factories.member(tree["jjj1"])
    with pytest.raises(CallRejected) as unassigned:
        services.score_record(assignment=assignment, by=stranger, values=scores(essay_call, 50, 50))
    assert unassigned.value.code == "not_assigned"
    conflicted_judge = factories.member(tree["gz"])  # gz2 lies in this judge's subtree
    forced = Assignment.objects.create(entry=entry, judge=conflicted_judge, panel=panel)
    with pytest.raises(CallRejected) as conflicted:
        services.score_record(assignment=forced, by=conflicted_judge, values=scores(essay_call, 50, 50))
    assert conflicted.value.code == "conflicted"
    assert not ScoreEvent.objects.exists()
    services.score_record(assignment=assignment, by=judge, values=scores(essay_call, 80, 90))
    for other in Assignment.objects.filter(entry=entry, panel=panel).exclude(pk__in=[assignment.pk, forced.pk]):
        services.score_record(assignment=other, by=other.judge, values=scores(essay_call, 70, 70))
    services.scores_lock(call=essay_call, by=gz_organiser, close_now=True)
    with pytest.raises(CallRejected) as locked:
        services.score_record(assignment=assignment, by=judge, values=scores(essay_call, 10, 10))
    assert locked.value.code == "locked"
    assert services.current_scores(assignment) == scores(essay_call, 80, 90)


def test_every_score_change_is_kept(essay_call, tree, panel, gz_organiser):
    finalists(essay_call, [tree["gz2"]], 1)
    services.assignment_run(call=essay_call, panel=panel, by=gz_organiser, seed="x")
    assignment = Assignment.objects.first()
    services.score_record(assignment=assignment, by=assignment.judge, values=scores(essay_call, 80, 90))
    services.score_record(assignment=assignment, by=assignment.judge, values=scores(essay_call, 85, 90))
    services.score_record(
        assignment=assignment, by=assignment.judge, values=scores(essay_call, 85, 90)
    )  # twice: no row
    history = list(ScoreEvent.objects.values_list("value", "by"))
    judge = assignment.judge.pk
    assert history == [(Decimal(80), judge), (Decimal(90), judge), (Decimal(85), judge)]


def test_final_scores_ranks_and_prizes_worked_by_hand(essay_call, tree, panel, gz_organiser):
    """Weights 0.6 and 0.4. Entry A: (80,90)→84, (70,60)→66, (90,100)→94: mean 244/3 = 81.33.
    Entry B: (70,70)×3 → 70. Entry C: (60,85)→70, (75,62.5)→70, (70,70)→70 → 70.
    Ranks 1, 2, 2. By count: first prize 1 place (A); second the next 1 (places up to 2), and C
    ties B at place 2: both share it."""
    a, b, c = finalists(essay_call, [tree["gz2"]], 3)
    panel.judges.set(panel.judges.filter(unit=tree["jjj1"]))
    services.assignment_run(call=essay_call, panel=panel, by=gz_organiser, seed="x")
    given = {
        a.pk: [(80, 90), (70, 60), (90, 100)],
        b.pk: [(70, 70), (70, 70), (70, 70)],
        c.pk: [(60, 85), (75, "62.5"), (70, 70)],
    }
    for entry_id, pairs in given.items():
        for assignment, (content, style) in zip(
            Assignment.objects.filter(entry_id=entry_id).order_by("judge_id"), pairs, strict=True
        ):
            services.score_record(assignment=assignment, by=assignment.judge, values=scores(essay_call, content, style))
    rows = selectors.results(essay_call)
    assert [(r.entry.pk, r.final, r.rank, r.prize) for r in rows] == [
        (a.pk, Decimal("81.33"), 1, "一等奖"),
        (b.pk, Decimal("70.00"), 2, "二等奖"),
        (c.pk, Decimal("70.00"), 2, "二等奖"),
    ]
    assert rows[0].dropped == []


def test_highest_and_lowest_dropped_from_five_scores():
    totals = [Decimal(x) for x in (84, 66, 94, 70, 75)]
    assert selectors.trimmed_mean(totals, 5) == (Decimal("76.33"), [Decimal(66), Decimal(94)])  # 229 / 3
    assert selectors.trimmed_mean(totals[:4], 5) == (Decimal("78.50"), [])  # 314 / 4
    assert selectors.trimmed_mean(totals, 0) == (Decimal("77.80"), [])  # 389 / 5, never dropping


def test_reviewers_see_how_much_of_their_quota_is_used(essay_call, tree, branch_organiser, gz_organiser):
    first = submitted_essay(essay_call, factories.member(tree["gz1"]))
    submitted_essay(essay_call, factories.member(tree["gz1"]))
    services.entry_forward(entry=first, by=branch_organiser, note="好")
    rows = [(row["unit"], row["used"], row["level"].quota) for row in selectors.quota_use(branch_organiser, essay_call)]
    assert rows == [(tree["gz1"], 1, 1)]  # the branch; the office above is not theirs
    rows = [(row["unit"], row["used"]) for row in selectors.quota_use(gz_organiser, essay_call)]
    assert rows == [(tree["gz1"], 1), (tree["gz"], 0)]


def test_a_draft_keeps_some_criteria_and_counts_only_once_complete(essay_call, tree, panel, gz_organiser):
    (entry,) = finalists(essay_call, [tree["gz2"]], 1)
    services.assignment_run(call=essay_call, panel=panel, by=gz_organiser, seed="x")
    assignment = Assignment.objects.filter(entry=entry).first()
    content_id, style_id = essay_call.criteria.values_list("pk", flat=True)
    with pytest.raises(CallRejected) as refused:
        services.score_record(assignment=assignment, by=assignment.judge, values={content_id: Decimal(80)})
    assert refused.value.code == "incomplete"
    services.score_record(assignment=assignment, by=assignment.judge, values={content_id: Decimal(80)}, draft=True)
    assert services.current_scores(assignment) == {content_id: Decimal(80)}
    (row,) = selectors.results(essay_call)
    assert row.final is None and row.missing == 3
    progress = {p["judge"].pk: p["scored"] for p in selectors.judge_progress(essay_call)}
    assert progress[assignment.judge_id] == 0
    services.score_record(assignment=assignment, by=assignment.judge, values={style_id: Decimal(90)}, draft=True)
    # Counted now (0.6 × 80 + 0.4 × 90 = 84), but two judges are still to score: no final yet.
    (row,) = selectors.results(essay_call)
    assert (row.final, row.so_far, row.missing) == (None, Decimal("84.00"), 2)
