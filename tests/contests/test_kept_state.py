"""What a process keeps of a running contest (the question in play) is never taken for another
contest that has the same row ids: ids repeat after a database is restored from a dump, or a
test's flush restarts the sequences, and a stale question in play graded a true/false answer
against a single choice's options ("请从 A, B, C 中选择", in CI). The stale question is planted
here under the new contest's ids, as a process that ran the first contest would hold it; the
sequences are left alone (restarting them would let later tests of the worker repeat ids)."""

import copy

from contests import services
from contests.models import Opening, Round
from contests.services import playing
from tests import factories


def _running(stem_type: str, key, unit_path: str):
    unit = factories.unit_at(unit_path, kind="organ")
    branch = factories.unit_at(f"{unit_path}/第一党支部")
    host = factories.organiser(unit, username=f"host-{unit.pk}")
    player = factories.member(branch, username=f"player-{unit.pk}")
    contest = services.contest_create(title="竞赛", unit=unit, by=host)
    services.team_add(contest=contest, name="红队", unit=branch, legs=[player])
    services.round_add(
        contest=contest,
        type=Round.Type.COMPULSORY,
        versions=[factories.question(factories.bank(unit), stem_type, key=key).current],
    )
    services.contest_start(contest=contest, by=host)
    services.question_open(contest=contest, by=host)
    contest.refresh_from_db()
    return contest, player


def test_an_answer_is_judged_against_its_own_question_not_one_kept_under_the_same_ids(tree):
    first, first_player = _running("single", ["A"], "审计署")
    assert services.answer_submit(contest=first, member=first_player, response="A", client_answer_id="a").is_correct
    second, player = _running("true_false", [True], "财政部")

    # The first contest's question as a process kept it, under the ids the second contest has.
    stale = copy.copy(
        Opening.objects.select_related("contest", "question__round", "question__version").get(pk=first.current_id)
    )
    kept_contest = copy.copy(stale.contest)  # the first contest's start time, under the second's id
    kept_contest.pk = second.pk
    stale.pk, stale.contest = second.current_id, kept_contest
    playing._IN_PLAY[second.pk] = stale

    answer = services.answer_submit(contest=second, member=player, response="对", client_answer_id="b")
    assert answer.is_correct and answer.response == [True]
