"""Defects found on earlier walks of the member's pages and the API, each reproduced first."""

import pytest
from rest_framework.test import APIClient

from lessons.models import Attempt
from tests import factories


@pytest.fixture
def member(tree):
    return factories.member(tree["gz1"])


@pytest.fixture
def api(member):
    client = APIClient()
    client.force_authenticate(member)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def test_a_challenge_answer_after_the_questions_time_says_time_was_up_not_that_the_challenge_ended(
    api, tree, bank, clock
):
    questions = [factories.question(bank, "true_false", key=[True]) for _ in range(3)]
    paper = factories.paper(tree["audit"], mode="challenge", questions=questions, question_time_s=20)
    attempt = api.post(f"/api/v1/study/papers/{paper.pk}/attempts/").json()
    clock.advance(21)  # the question's 20 s are over
    answer = f"/api/v1/study/attempts/{attempt['id']}/items/1/answer/"
    late = api.post(answer, {"response": "对"}, format="json")
    assert late.status_code == 409
    assert late.json()["error"] == {
        "code": "question_time_up",
        "message": "Time was up for this question before the answer arrived: running out of time ended the challenge.",
        "field": None,
    }
    again = api.post(answer, {"response": "对"}, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert again.json()["error"]["message"] == "答案送达时本题作答时间已到：超时，挑战随之结束。"
    assert Attempt.objects.get(pk=attempt["id"]).status == Attempt.Status.SUBMITTED


def test_an_answer_to_a_challenge_ended_by_a_wrong_answer_still_says_the_attempt_ended(api, tree, bank):
    questions = [factories.question(bank, "true_false", key=[True]) for _ in range(3)]
    paper = factories.paper(tree["audit"], mode="challenge", questions=questions, question_time_s=20)
    attempt = api.post(f"/api/v1/study/papers/{paper.pk}/attempts/").json()
    answer = f"/api/v1/study/attempts/{attempt['id']}/items/1/answer/"
    assert api.post(answer, {"response": "错"}, format="json").status_code == 200
    again = api.post(answer, {"response": "对"}, format="json")
    assert again.status_code == 409 and again.json()["error"]["code"] == "attempt_finished"
