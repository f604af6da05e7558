"""A tester's live relay walk: relay time while a question is open and across pauses, a finish
with a question in play, a finished contest's results kept final, and a start that says what is
missing. Every time, score and place below is worked out by hand in the comments."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation

from contests import services
from contests.models import Round, ScoreEvent
from contests.services import ContestRejected
from tests.contests.conftest import start
from tests.contests.hall_once import hall_built_once, tree_of_the_hall  # noqa: F401 (fixtures)


def board(contest):
    """(name, score, relay seconds, rank, ahead on time), best first."""
    return [
        (row["name"], row["score"], row["relay_seconds"], row["rank"], row["ahead_on_time"])
        for row in services.team_scores(contest)
    ]


def test_answering_an_open_question_never_puts_a_team_below_one_that_has_not_answered(hall):
    contest = start(hall, {"type": Round.Type.RELAY, "count": 1, "time_limit_s": 20})
    t0 = timezone.now()
    services.question_open(contest=contest, by=hall.host, at=t0)
    services.answer_submit(
        contest=contest, member=hall.red[0], response="错", client_answer_id="r", at=t0 + timedelta(seconds=2)
    )
    services.contest_pause(contest=contest, by=hall.host, at=t0 + timedelta(seconds=5))
    # Paused with red answered (2 s) and blue not: the open question counts for no one yet, so
    # both are at 100 with 0 s and share first place (the old board put blue 1st, red 2nd).
    assert sorted(board(contest)) == [("红队", 100, 0.0, 1, False), ("蓝队", 100, 0.0, 1, False)]

    # Resumed 60 s later with 15 s left: the deadline is t0 + 65 + 15 = t0 + 80, and blue never
    # answers. Red's leg: 2 s. Blue's: 80 s to the close less the 60 s paused = 20 s.
    services.contest_resume(contest=contest, by=hall.host, at=t0 + timedelta(seconds=65))
    contest.refresh_from_db()
    assert contest.current.deadline_at == t0 + timedelta(seconds=80)
    assert services.close_expired(opening_id=contest.current_id, at=t0 + timedelta(seconds=80))
    assert board(contest) == [("红队", 100, 2.0, 1, True), ("蓝队", 100, 20.0, 2, False)]


def test_paused_time_is_left_out_of_a_relay_leg(hall):
    contest = start(hall, {"type": Round.Type.RELAY, "count": 1, "time_limit_s": 20})
    t0 = timezone.now()
    opening = services.question_open(contest=contest, by=hall.host, at=t0)
    services.contest_pause(contest=contest, by=hall.host, at=t0 + timedelta(seconds=3))
    services.contest_resume(contest=contest, by=hall.host, at=t0 + timedelta(seconds=8))  # 5 s paused
    services.answer_submit(
        contest=contest, member=hall.red[0], response="错", client_answer_id="r", at=t0 + timedelta(seconds=12)
    )
    # 17 s were left at the pause: the deadline is t0 + 8 + 17 = t0 + 25. Blue never answers.
    assert services.close_expired(opening_id=opening.pk, at=t0 + timedelta(seconds=25))
    services.question_reveal(contest=contest, by=hall.host, at=t0 + timedelta(seconds=30))
    # Red: 12 s less 5 s paused = 7 s (was 12). Blue: 25 s less 5 s = 20 s, the limit (was 25,
    # more than the question's 20 s).
    assert board(contest) == [("红队", 100, 7.0, 1, True), ("蓝队", 100, 20.0, 2, False)]
    pause = contest.pauses.get()
    assert (pause.started_at, pause.ended_at) == (t0 + timedelta(seconds=3), t0 + timedelta(seconds=8))


def test_a_leg_counts_at_most_the_rounds_time_limit_and_no_pause_outside_it():
    from contests.services.results import leg_seconds  # here: the old code had none, and the other tests run on it

    t0 = timezone.now()
    s = timedelta(seconds=1)
    # 30 s from the opening, no pause recorded (a pause from before pauses were kept): 20 s.
    assert leg_seconds(t0, t0 + 30 * s, [], 20) == 20.0
    # A pause after the answer, and one still going on, do not count against it: 9 s - 4 s = 5 s.
    pauses = [(t0 + 2 * s, t0 + 6 * s), (t0 + 10 * s, t0 + 40 * s), (t0 + 50 * s, None)]
    assert leg_seconds(t0, t0 + 9 * s, pauses, 20) == 5.0


def test_finish_with_a_question_open_closes_it_and_scores_the_answers_given(hall):
    contest = start(hall, {"type": Round.Type.RELAY, "count": 2, "points": 10, "time_limit_s": 20})
    t0 = timezone.now()
    services.question_open(contest=contest, by=hall.host, at=t0)
    services.answer_submit(
        contest=contest, member=hall.red[0], response="对", client_answer_id="r", at=t0 + timedelta(seconds=3)
    )
    services.contest_finish(contest=contest, by=hall.host, at=t0 + timedelta(seconds=6))
    contest.refresh_from_db()
    opening = contest.current
    assert (opening.closed_at, opening.revealed_at) == (t0 + timedelta(seconds=6), t0 + timedelta(seconds=6))
    # Red right: 100 + 10 = 110 in 3 s; blue did not answer: 100, its leg to the close, 6 s.
    assert board(contest) == [("红队", 110, 3.0, 1, False), ("蓝队", 100, 6.0, 2, False)]
    actions = list(contest.audit.order_by("id").values_list("action", flat=True))
    assert actions[-2:] == ["reveal", "finish"]


def test_finish_after_every_team_answered_scores_the_closed_question(hall):
    contest = start(hall, {"type": Round.Type.RELAY, "count": 2, "points": 10, "time_limit_s": 20})
    t0 = timezone.now()
    services.question_open(contest=contest, by=hall.host, at=t0)
    for member, response, seconds in ((hall.red[0], "错", 3), (hall.blue[0], "对", 4)):
        services.answer_submit(
            contest=contest,
            member=member,
            response=response,
            client_answer_id=member.username,
            at=t0 + timedelta(seconds=seconds),
        )
    # Both answered: the question closed itself at t0 + 4 s; the host finishes without revealing.
    services.contest_finish(contest=contest, by=hall.host, at=t0 + timedelta(seconds=9))
    contest.refresh_from_db()
    assert (contest.current.closed_at, contest.current.revealed_at) == (
        t0 + timedelta(seconds=4),
        t0 + timedelta(seconds=9),
    )
    # Blue right: 110 (4 s); red wrong: 100, relay deducts nothing (3 s).
    assert board(contest) == [("蓝队", 110, 4.0, 1, False), ("红队", 100, 3.0, 2, False)]


def test_finish_while_paused_mid_question_ends_the_pause_and_scores_the_question(hall):
    contest = start(hall, {"type": Round.Type.RELAY, "count": 2, "points": 10, "time_limit_s": 20})
    t0 = timezone.now()
    services.question_open(contest=contest, by=hall.host, at=t0)
    services.answer_submit(
        contest=contest, member=hall.red[0], response="对", client_answer_id="r", at=t0 + timedelta(seconds=2)
    )
    services.contest_pause(contest=contest, by=hall.host, at=t0 + timedelta(seconds=5))
    services.contest_finish(contest=contest, by=hall.host, at=t0 + timedelta(seconds=30))
    contest.refresh_from_db()
    assert contest.status == "finished" and contest.current.closed_at == t0 + timedelta(seconds=30)
    assert contest.pauses.get().ended_at == t0 + timedelta(seconds=30)
    # Red right in 2 s: 110. Blue silent: 30 s to the close less 25 s paused = 5 s, 100.
    assert board(contest) == [("红队", 110, 2.0, 1, False), ("蓝队", 100, 5.0, 2, False)]


def test_a_finished_contests_results_are_final(hall):
    contest = start(hall, {"type": Round.Type.COMPULSORY, "count": 1, "points": 10})
    services.question_open(contest=contest, by=hall.host)
    answer = services.answer_submit(contest=contest, member=hall.red[0], response="对", client_answer_id="r")
    services.question_reveal(contest=contest, by=hall.host)
    services.contest_finish(contest=contest, by=hall.host)
    events = ScoreEvent.objects.filter(contest=contest).count()
    for attempt in (
        lambda: services.answer_override(contest=contest, answer=answer, correct=False, reason="申诉", by=hall.host),
        lambda: services.score_adjust(contest=contest, team=hall.team_red, points=-60, reason="改分", by=hall.host),
    ):
        with pytest.raises(ContestRejected) as refused:
            attempt()
        assert refused.value.code == "results_final"
        with translation.override("zh-hans"):
            assert str(refused.value.message) == "竞赛已结束，成绩已是最终结果，分数不能再更改。"
    # Red still 110 (right, 10 points), blue 100; nothing was written or logged.
    assert ScoreEvent.objects.filter(contest=contest).count() == events
    assert [(name, score) for name, score, *_ in board(contest)] == [("红队", 110), ("蓝队", 100)]
    assert not contest.audit.filter(action__in=["override", "adjust"]).exists()


def test_a_start_refused_says_exactly_what_is_missing(hall, tree):
    host = hall.host
    empty = services.contest_create(title="空竞赛", unit=tree["audit"], by=host)

    def refusal(contest):
        with pytest.raises(ContestRejected) as refused:
            services.contest_start(contest=contest, by=host)
        assert refused.value.code == "not_ready"
        with translation.override("zh-hans"):
            return str(refused.value.message)

    assert refusal(empty) == "请先添加参赛队和环节再开始：本竞赛还没有参赛队，也没有环节。"
    # Teams but no rounds (the tester's case: the teams existed).
    assert refusal(hall.contest) == "请先添加环节再开始：本竞赛已有参赛队，但还没有环节。"
    # A round without questions.
    services.round_add(contest=hall.contest, type=Round.Type.RELAY, versions=[])
    assert refusal(hall.contest) == "请先为环节添加题目再开始：本竞赛的环节里还没有题目。"
    # Rounds but no teams.
    services.round_add(contest=empty, type=Round.Type.RELAY, versions=[hall.versions.pop()])
    assert refusal(empty) == "请先添加参赛队再开始：本竞赛已有环节，但还没有参赛队。"
    hall.contest.refresh_from_db()
    assert hall.contest.status == "draft" and empty.status == "draft"


def test_the_host_console_of_a_contest_that_cannot_start_says_why_and_links_to_the_step(client, hall):
    client.force_login(hall.host)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("contests:host", args=[hall.contest.join_code])).content.decode()
    rounds_url = reverse("contests:setup_rounds", args=[hall.contest.join_code])
    assert 'id="start-button" disabled' in page
    assert "Add rounds before starting: the contest has teams but no rounds yet." in page
    assert f'href="{rounds_url}" id="not-ready-link"' in page
    # Ready: no note, Start enabled.
    services.round_add(contest=hall.contest, type=Round.Type.RELAY, versions=[hall.versions.pop()])
    page = client.get(reverse("contests:host", args=[hall.contest.join_code])).content.decode()
    assert 'id="not-ready"' not in page and 'id="start-button">' in page


def test_the_host_console_of_a_finished_contest_shows_no_adjustment_form(client, hall):
    contest = start(hall, {"type": Round.Type.RELAY, "count": 1})
    client.force_login(hall.host)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    url = reverse("contests:host", args=[contest.join_code])
    assert 'id="adjust-card">' in client.get(url).content.decode()
    services.contest_finish(contest=contest, by=hall.host)
    page = client.get(url).content.decode()
    assert 'id="adjust-card" hidden>' in page and 'id="results-final">' in page
    assert "its results are final, and the console no longer rules or adjusts" in page
    assert f'href="{reverse("contests:results_correct", args=[contest.join_code])}" id="correct-link"' in page
