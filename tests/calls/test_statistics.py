"""Judges' agreement, normalisation per judge and spread flags, each worked out by hand."""

from decimal import Decimal

from calls import selectors, services, statistics
from calls.models import Assignment

from .test_review_judging import finalists, scores

D = Decimal

# Three judges, four entries (totals):      e1  e2  e3  e4
W_EXAMPLE = [[D(90), D(80), D(80), D(70)],  # A: ranks 1, 2.5, 2.5, 4   T = 2³−2 = 6
             [D(85), D(88), D(70), D(60)],  # B: ranks 2, 1, 3, 4       T = 0
             [D(75), D(75), D(75), D(50)]]  # C: ranks 2, 2, 2, 4       T = 3³−3 = 24  # fmt: skip


def test_kendalls_w_with_ties_worked_by_hand():
    """Rank sums: e1 1+2+2 = 5, e2 2.5+1+2 = 5.5, e3 2.5+3+2 = 7.5, e4 4+4+4 = 12 (total 30 =
    m·n(n+1)/2). Mean m(n+1)/2 = 7.5. S = 6.25 + 4 + 0 + 20.25 = 30.5. ΣT = 30.
    W = 12·30.5 / (3²·(4³−4) − 3·30) = 366 / (540 − 90) = 366/450 = 0.81333…"""
    assert statistics.kendalls_w(W_EXAMPLE) == D("0.8133")


def test_kendalls_w_is_one_for_identical_rankings_and_undefined_without_two_judges():
    # Three judges rank 4 entries alike (no ties): rank sums 3, 6, 9, 12, S = 4.5²+1.5²+1.5²+4.5²
    # = 45, W = 12·45 / (9·60) = 1.
    same = [[D(4), D(3), D(2), D(1)]] * 3
    assert statistics.kendalls_w(same) == D(1)
    assert statistics.kendalls_w([W_EXAMPLE[0]]) is None
    assert statistics.kendalls_w([[D(5), D(5)], [D(5), D(5)]]) is None  # all tied: nothing to rank


def test_average_ranks_share_the_mean_rank():
    assert statistics.average_ranks([D(75), D(75), D(75), D(50)]) == ([D(2), D(2), D(2), D(4)], 24)


def test_icc_one_way_for_a_split_panel_worked_by_hand():
    """Entries scored by different pairs of judges: (80, 84), (60, 64), (70, 78). Means 82, 62,
    74; grand mean 436/6. SSB = 2·(28/3)² + 2·(32/3)² + 2·(4/3)² = 3648/9, MSB = 1824/9.
    SSW = 4+4 + 4+4 + 16+16 = 48, MSW = 48/(6−3) = 16. k0 = (6 − 12/6)/2 = 2.
    ICC = (1824/9 − 16) / (1824/9 + 16) = 1680/1968 = 0.85366…"""
    groups = [[D(80), D(84)], [D(60), D(64)], [D(70), D(78)], [D(99)]]  # the single score is left out
    assert statistics.icc_oneway(groups) == D("0.8537")
    assert statistics.icc_oneway([[D(80), D(84)]]) is None


def test_normalising_per_judge_evens_out_a_lenient_and_a_severe_judge():
    """J1 gave 90 and 70 (mean 80, deviation 10), J2 60 and 40 (mean 50, deviation 10): each
    judge's better entry has z = +1. Grand mean 65, grand deviation √(1300/4) = √325 = 18.0278.
    +1 → 83.03, −1 → 46.97: the two judges' better entries come out equal."""
    given = {(1, 11): D(90), (1, 12): D(70), (2, 13): D(60), (2, 14): D(40)}
    assert statistics.normalised(given) == {
        (1, 11): D("83.03"),
        (1, 12): D("46.97"),
        (2, 13): D("83.03"),
        (2, 14): D("46.97"),
    }
    assert statistics.normalised({(1, 11): D(90)}) == {(1, 11): D(90)}  # one total: z = 0, the mean


def _score_matrix(call, entries, matrix):
    """Judge j (by id order) gives entry e the total matrix[j][e] (both criteria the same value)."""
    for column, entry in enumerate(entries):
        for row, assignment in enumerate(Assignment.objects.filter(entry=entry).order_by("judge_id")):
            value = matrix[row][column]
            services.score_record(assignment=assignment, by=assignment.judge, values=scores(call, value, value))


def test_a_complete_panel_shows_kendalls_w_and_flags_a_wide_spread(essay_call, tree, panel, gz_organiser):
    entries = finalists(essay_call, [tree["gz2"]], 4)
    panel.judges.set(panel.judges.filter(unit=tree["jjj1"]))  # three judges, each scores all four
    essay_call.spread_threshold = D(20)
    essay_call.save()
    services.assignment_run(call=essay_call, panel=panel, by=gz_organiser, seed="w")
    entries.sort(key=lambda entry: entry.pk)
    _score_matrix(essay_call, entries, W_EXAMPLE)
    (stats,) = statistics.panel_statistics(essay_call)
    assert (stats.complete, stats.statistic, stats.value, stats.entries) == (True, "w", D("0.8133"), 4)
    # Spreads: e1 90−75 = 15, e2 88−75 = 13, e3 80−70 = 10, e4 70−50 = 20 (not above 20): none.
    assert stats.flagged == []
    essay_call.spread_threshold = D("14.5")
    assert [(f.entry.pk, f.spread) for f in statistics.panel_statistics(essay_call)[0].flagged] == [
        (entries[0].pk, D(15)),
        (entries[3].pk, D(20)),
    ]
    # Judge A: totals 90, 80, 80, 70: mean 80, deviation √((100+0+0+100)/4) = √50 = 7.07.
    assert (stats.judges[0].mean, stats.judges[0].sd, stats.judges[0].scored) == (D(80), D("7.07"), 4)


def test_a_split_panel_shows_icc_and_results_can_be_normalised(essay_call, tree, panel, gz_organiser):
    finalists(essay_call, [tree["gz2"]], 4)
    essay_call.judges_per_entry = 1
    essay_call.save()
    jjj = list(panel.judges.filter(unit=tree["jjj1"]).order_by("pk"))[:2]
    panel.judges.set(jjj)
    services.assignment_run(call=essay_call, panel=panel, by=gz_organiser, seed="split")
    # Two judges, one each per entry, least loaded first: two entries each.
    given = {}
    by_judge = {judge.pk: [] for judge in jjj}
    for assignment in Assignment.objects.order_by("entry_id"):
        by_judge[assignment.judge_id].append(assignment)
    for judge_values, assignments in zip([(90, 70), (60, 40)], by_judge.values(), strict=True):
        for value, assignment in zip(judge_values, assignments, strict=True):
            services.score_record(assignment=assignment, by=assignment.judge, values=scores(essay_call, value, value))
            given[assignment.entry_id] = D(value)
    (stats,) = statistics.panel_statistics(essay_call)
    # One score per entry: no within-entry variance to compare, so ICC(1) is undefined.
    assert (stats.complete, stats.statistic, stats.value) == (False, "icc", None)
    raw = {row.entry.pk: row.final for row in selectors.results(essay_call)}
    assert raw == given
    essay_call.normalise_per_judge = True
    essay_call.save()
    normalised = {row.entry.pk: row.final for row in selectors.results(essay_call)}
    # As in the hand-worked example above: each judge's better entry 83.03, worse 46.97.
    expected = {pk: D("83.03") if value in (D(90), D(60)) else D("46.97") for pk, value in given.items()}
    assert normalised == expected
    assert {row.rank for row in selectors.results(essay_call)} == {1, 3}
