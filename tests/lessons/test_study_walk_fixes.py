"""Fixes from a member's self-study walk checked by hand (forged and malformed inputs)."""

import json
from datetime import datetime, timedelta, timezone

import pytest
from django.urls import reverse

from lessons.models import Attempt, Heartbeat
from lessons.services.attempts import answer_submit, attempt_start
from tests import factories
from tests.lessons.test_videos import ten_minute_lesson

SHANGHAI = timezone(timedelta(hours=8))


def test_a_heartbeat_whose_tab_holds_a_nul_counts_under_the_tab_without_it(client, tree):
    """PostgreSQL takes no NUL in text: a forged beat's tab "A\\x00" was a server error there. By
    hand: the NUL dropped, the beat is tab "A"'s, the first at 0 s, credited nothing."""
    lesson = ten_minute_lesson(tree["gz"])
    client.force_login(factories.member(tree["gz1"]))

    answer = client.post(
        reverse("lessons:heartbeat", args=[lesson.pk]),
        data=json.dumps({"tab": "A\x00", "position": 0, "playing": True}),
        content_type="application/json",
    )

    assert answer.status_code == 200 and answer.json()["credited_s"] == 0.0
    assert list(Heartbeat.objects.values_list("tab", flat=True)) == ["A"]


@pytest.mark.parametrize(
    ("language", "note"),
    [
        ("en", "The time for question 2 ran out at 5 Dec 2026 09:00: the run ended there, with it unanswered."),
        ("zh-hans", "第 2 题的作答时间已于 2026-12-05 09:00 用完：挑战到此结束，该题按未作答计。"),
    ],
)
def test_a_challenge_whose_question_timed_out_while_away_says_so_on_its_result_and_page(
    tree, bank, clock, language, note
):
    """By hand: 20 s a question; question 1 right at 09:00:05 opens question 2 until 09:00:25; the
    member leaves and comes back at 09:05. The run ended at question 2, unanswered (1 right in a
    row); the result and the attempt's page said only "Not answered" before."""
    member = factories.member(tree["gz1"])
    questions = [factories.question(bank, "true_false", key=[True]) for _ in range(3)]
    paper = factories.paper(
        tree["audit"], mode="challenge", questions=questions, question_time_s=20, shuffle_questions=False
    )
    clock.now = datetime(2026, 12, 5, 9, 0, tzinfo=SHANGHAI)
    attempt = attempt_start(paper=paper, member=member)
    clock.advance(5)
    answer_submit(attempt=attempt, position=1, response="对")
    clock.advance(295)
    client = factories.client_in(language, member)

    ended = client.get(reverse("lessons:attempt", args=[attempt.pk])).content.decode()
    result = client.get(reverse("lessons:attempt_result", args=[attempt.pk])).content.decode()

    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.SUBMITTED and attempt.streak == 1
    assert note in ended and note in result


def test_a_challenge_ended_by_a_wrong_answer_has_no_time_up_note(tree, bank):
    member = factories.member(tree["gz1"])
    paper = factories.paper(
        tree["audit"],
        mode="challenge",
        questions=[factories.question(bank, "true_false", key=[True])],
        question_time_s=20,
    )
    attempt = attempt_start(paper=paper, member=member)
    answer_submit(attempt=attempt, position=1, response="错")
    page = factories.client_in("en", member).get(reverse("lessons:attempt_result", args=[attempt.pk])).content.decode()
    assert 'id="result-score"' in page and 'id="time-up-note"' not in page
