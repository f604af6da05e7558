"""What a process keeps of a running contest (the question in play, the roster, the count of teams
that may answer) is never taken for another contest that has the same row ids: on PostgreSQL ids
repeat after a flush that restarts the sequences (the page walk's demo, a database restored from a
dump), and a stale question in play graded a true/false answer against a single choice's options."""

import pytest
from django.core.management import call_command

from contests import services
from contests.models import Round
from tests import factories


def _running(stem_type: str, key, unit_path: str = "审计署"):
    unit = factories.unit_at(unit_path, kind="organ")
    branch = factories.unit_at(f"{unit_path}/第一党支部")
    host = factories.organiser(unit, username="host")
    player = factories.member(branch, username="player")
    contest = services.contest_create(title="竞赛", unit=unit, by=host)
    services.team_add(contest=contest, name="红队", unit=branch, legs=[player])
    services.round_add(
        contest=contest,
        type=Round.Type.COMPULSORY,
        versions=[factories.question(factories.bank(unit), stem_type, key=key).current],
    )
    services.contest_start(contest=contest, by=host)
    services.question_open(contest=contest, by=host)
    return contest, player


@pytest.mark.django_db(transaction=True)
def test_an_answer_is_judged_against_its_own_question_after_the_ids_repeat():
    restart_ids = {"interactive": False, "verbosity": 0, "reset_sequences": True}
    call_command("flush", **restart_ids)  # both contests then get the same ids, whatever ran before
    first, player = _running("single", ["A"])
    answer = services.answer_submit(contest=first, member=player, response="A", client_answer_id="a")
    assert answer.is_correct
    first.refresh_from_db()
    ids = (first.pk, first.current_id)

    call_command("flush", **restart_ids)

    second, player = _running("true_false", [True], unit_path="财政部")
    second.refresh_from_db()
    assert (second.pk, second.current_id) == ids  # the premise: the same row ids as the first contest
    answer = services.answer_submit(contest=second, member=player, response="对", client_answer_id="b")
    assert answer.is_correct and answer.response == [True]
