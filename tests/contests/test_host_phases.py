"""The host console's actions, refused by the server in the phases where the console does not
offer them: a score can only change as the console shows it can. (The console's side is in
tests/browser/test_host_console_phases.py.) Scores below are worked out in the comments."""

import json
from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from django.utils import timezone

from contests import services
from contests.models import Contest, Round, ScoreEvent
from contests.services import ContestRejected
from tests.contests.test_contest_socket import build_hall, connect, receive
from tests.contests.test_relay_results_fixes import board, start


def refused(action, **kwargs) -> str:
    with pytest.raises(ContestRejected) as refusal:
        action(**kwargs)
    return refusal.value.code


def test_before_the_start_no_adjustment_ruling_or_finish_is_carried_out(hall):
    contest = hall.contest
    services.round_add(contest=contest, versions=[hall.versions.pop()], type=Round.Type.RELAY)
    adjust = {"contest": contest, "team": hall.team_red, "points": 5, "reason": "提前加分", "by": hall.host}
    assert refused(services.score_adjust, **adjust) == "not_started"
    assert refused(services.contest_finish, contest=contest, by=hall.host) == "not_started"
    contest.refresh_from_db()
    assert contest.status == Contest.Status.DRAFT and contest.finished_at is None
    assert not ScoreEvent.objects.filter(contest=contest).exists()
    assert not contest.audit.filter(action__in=["adjust", "finish"]).exists()
    # Once started, the same adjustment is carried out: red 100 + 5 = 105, blue 100.
    services.contest_start(contest=contest, by=hall.host)
    services.score_adjust(**adjust)
    assert [(name, score) for name, score, *_rest in board(contest)] == [("红队", 105), ("蓝队", 100)]


def test_a_skipped_question_is_never_scored_by_a_reveal_not_even_after_the_finish(hall):
    contest = start(hall, {"type": Round.Type.COMPULSORY, "count": 2, "points": 10})
    t0 = timezone.now()
    services.question_open(contest=contest, by=hall.host, at=t0)
    services.answer_submit(
        contest=contest, member=hall.red[0], response="对", client_answer_id="r", at=t0 + timedelta(seconds=1)
    )
    services.question_skip(contest=contest, by=hall.host, reason="题目有误")
    assert refused(services.question_reveal, contest=contest, by=hall.host) == "question_skipped"
    services.contest_finish(contest=contest, by=hall.host)
    assert refused(services.question_reveal, contest=contest, by=hall.host) == "question_skipped"
    # Red's right answer was on the skipped question: it scores nothing, both stay at 100.
    assert [(name, score) for name, score, *_rest in board(contest)] == [("红队", 100), ("蓝队", 100)]
    assert not ScoreEvent.objects.filter(contest=contest).exists()
    contest.refresh_from_db()
    assert (contest.current.skipped, contest.current.revealed_at) == (True, None)


def test_while_paused_the_question_in_play_is_neither_closed_revealed_nor_skipped(hall):
    contest = start(hall, {"type": Round.Type.COMPULSORY, "count": 2, "points": 10})
    t0 = timezone.now()
    opening = services.question_open(contest=contest, by=hall.host, at=t0)
    services.answer_submit(
        contest=contest, member=hall.red[0], response="对", client_answer_id="r", at=t0 + timedelta(seconds=1)
    )
    services.contest_pause(contest=contest, by=hall.host, at=t0 + timedelta(seconds=2))
    assert refused(services.question_close, contest=contest, by=hall.host) == "paused"
    assert refused(services.question_reveal, contest=contest, by=hall.host) == "paused"
    assert refused(services.question_skip, contest=contest, by=hall.host) == "paused"
    opening.refresh_from_db()
    assert (opening.closed_at, opening.revealed_at, opening.skipped) == (None, None, False)
    # Blue still answers after the resume, within the time kept: both right, 100 + 10 = 110 each.
    services.contest_resume(contest=contest, by=hall.host, at=t0 + timedelta(seconds=5))
    services.answer_submit(
        contest=contest, member=hall.blue[0], response="对", client_answer_id="b", at=t0 + timedelta(seconds=6)
    )
    services.question_reveal(contest=contest, by=hall.host, at=t0 + timedelta(seconds=7))
    assert sorted((name, score) for name, score, *_rest in board(contest)) == [("红队", 110), ("蓝队", 110)]


def test_a_question_on_show_and_not_yet_open_cannot_be_closed(hall):
    # Closed before it opened, a risk question opened already closed: nobody could answer, and
    # every team that staked lost its stake at the reveal.
    contest = start(hall, {"type": Round.Type.RISK, "count": 2, "risk_tiers": [10, 20]})
    shown = services.question_open(contest=contest, by=hall.host)  # shown for picking
    services.risk_pick(contest=contest, member=hall.red[0], value=20)
    assert refused(services.question_close, contest=contest, by=hall.host) == "not_open"
    shown.refresh_from_db()
    assert shown.closed_at is None
    services.question_open(contest=contest, by=hall.host)  # opened
    services.answer_submit(contest=contest, member=hall.red[0], response="对", client_answer_id="r")
    services.question_reveal(contest=contest, by=hall.host)
    # Red staked 20 and answered right: 100 + 20 = 120; blue did not stake: 100.
    assert [(name, score) for name, score, *_rest in board(contest)] == [("红队", 120), ("蓝队", 100)]


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_a_host_adjust_sent_before_the_start_is_refused_over_the_socket_in_both_languages():
    hall = await build_hall()
    red = await sync_to_async(hall["contest"].teams.get)(name="红队")
    for language, text in [("en", "has not started"), ("zh-hans", "竞赛尚未开始")]:
        host = await connect(hall["contest"].join_code, hall["host"], "host", language=language)
        await receive(host)
        frame = {"type": "host.adjust", "id": "early", "team": red.pk, "points": 30, "reason": "开赛前加分"}
        await host.send_to(text_data=json.dumps(frame))
        error = await receive(host, kind="error")
        assert (error["code"], error["ref"]) == ("not_started", "early")
        assert text in error["message"]
        await host.disconnect()
    assert not await sync_to_async(ScoreEvent.objects.exists)()
