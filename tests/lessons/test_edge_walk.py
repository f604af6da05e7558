"""Defects found on earlier walks of the member's pages and the API, each reproduced first."""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone, translation
from rest_framework.test import APIClient

from lessons.grading import ResponseInvalid, clean_response
from lessons.models import Answer, Attempt, AttemptItem, ReviewLog
from lessons.services.attempts import answer_submit, attempt_start, attempt_submit
from lessons.services.notebook import notebook_add_wrong
from tests import factories


def shanghai(*args):
    """A local time (settings.TIME_ZONE is Asia/Shanghai, UTC+8)."""
    return timezone.make_aware(datetime(*args), timezone.get_default_timezone())


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


def _result_page(client, member, attempt, language: str) -> str:
    client.force_login(member)
    return client.get(f"/study/attempts/{attempt.pk}/result/", HTTP_ACCEPT_LANGUAGE=language).content.decode()


def test_an_exam_result_after_the_paper_closed_says_so_instead_of_offering_try_again(client, tree, bank, member):
    # Closes at 2026-06-30 18:00 in Shanghai (10:00 UTC); sat the day before.
    paper = factories.paper(
        tree["audit"], mode="exam", questions=[factories.question(bank)], closes_at=shanghai(2026, 6, 30, 18, 0)
    )
    attempt = attempt_start(paper=paper, member=member, at=shanghai(2026, 6, 29, 9, 0))
    attempt_submit(attempt=attempt, at=shanghai(2026, 6, 29, 9, 5))
    page = _result_page(client, member, attempt, "en")
    assert 'id="try-again"' not in page
    assert "No new attempt: This paper closed at 30 Jun 2026 18:00." in page
    page = _result_page(client, member, attempt, "zh-hans")
    assert 'id="try-again"' not in page
    assert "不能再次作答：该试卷已于 2026-06-30 18:00 关闭。" in page


def test_an_exam_result_with_every_attempt_used_says_so(client, tree, bank, member):
    paper = factories.paper(tree["audit"], mode="exam", questions=[factories.question(bank)], max_attempts=2)
    for _ in range(2):
        attempt = attempt_start(paper=paper, member=member)
        attempt_submit(attempt=attempt)
    page = _result_page(client, member, attempt, "en")
    assert 'id="try-again"' not in page and "No new attempt: You have used all 2 attempts." in page
    assert "不能再次作答：2 次作答机会已用完。" in _result_page(client, member, attempt, "zh-hans")


def test_an_exam_result_with_an_attempt_left_keeps_try_again_and_it_starts_one(client, tree, bank, member):
    paper = factories.paper(tree["audit"], mode="exam", questions=[factories.question(bank)], max_attempts=2)
    first = attempt_start(paper=paper, member=member)
    attempt_submit(attempt=first)
    page = _result_page(client, member, first, "en")
    assert 'id="try-again"' in page and 'id="retry-refused"' not in page
    client.post(f"/study/papers/{paper.pk}/start/")
    assert Attempt.objects.filter(paper=paper, member=member).count() == 2


def test_a_practice_result_after_its_paper_closed_hides_try_again(client, tree, bank, member, clock):
    paper = factories.paper(
        tree["audit"], mode="practice", questions=[factories.question(bank)], closes_at=clock.now + timedelta(hours=1)
    )
    attempt = attempt_start(paper=paper, member=member)
    answer_submit(attempt=attempt, position=1, response="A")
    assert 'id="try-again"' in _result_page(client, member, attempt, "en")
    clock.advance(3600)  # the paper closes now
    page = _result_page(client, member, attempt, "en")
    assert 'id="try-again"' not in page and 'id="retry-refused"' in page


def test_an_answer_from_a_second_tab_is_refused_with_the_first_answer_and_its_verdict(api, tree, bank):
    question = factories.question(bank, "single", key=["A"], explanation="党章总纲")
    paper = factories.paper(
        tree["audit"], mode="practice", questions=[question, factories.question(bank)], shuffle_options=False
    )
    attempt = api.post(f"/api/v1/study/papers/{paper.pk}/attempts/").json()
    position = next(item["position"] for item in attempt["items"] if item["stem"] == question.current.stem)
    url = f"/api/v1/study/attempts/{attempt['id']}/items/{position}/answer/"
    first = api.post(url, {"response": "B", "client_answer_id": "tab-1"}, format="json")
    assert first.status_code == 200 and first.json()["verdict"] == "wrong"

    second = api.post(url, {"response": "A", "client_answer_id": "tab-2"}, format="json")
    assert second.status_code == 409
    body = second.json()
    assert body["error"] == {
        "code": "already_answered",
        "message": "This question was already answered, in another tab or window: here is the answer recorded.",
        "field": None,
    }
    # Tab 1's B, marked wrong (0 of the question's 1 mark), not tab 2's right A.
    assert body["answer"] == {
        "position": position,
        "response": ["B"],
        "is_correct": False,
        "verdict": "wrong",
        "score": "0.00",
        "marks_text": "0 of 1 mark",
        "key": ["A"],
        "explanation": "党章总纲",
    }
    assert body["attempt"]["score"] == "0.00"
    chinese = api.post(url, {"response": "A"}, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    assert chinese["error"]["message"] == "本题已在另一个标签页或窗口中作答，以下是记录的答案。"


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        # Same letters in another form: accepted as they read.
        ("a", ["A"]),
        ("Ａ", ["A"]),
        ("ａ，ｃ", ["A", "C"]),
        (" A , C ", ["A", "C"]),
        ("A、C", ["A", "C"]),
        ("c a", ["A", "C"]),
        (["a", "C"], ["A", "C"]),
    ],
)
def test_choice_answers_in_other_forms_of_the_same_letters_are_accepted(sent, kept):
    assert clean_response(type="multiple", options=["甲", "乙", "丙", "丁"], blanks=0, response=sent) == kept


@pytest.mark.parametrize("sent", ["A1", "1", "AB2", "①", "A 2", ["A", "1"], ["A", 1], 1, "A=B"])
def test_choice_answers_with_a_digit_or_another_sign_are_refused_not_read_as_their_letters(sent):
    # The old reading: "A1" was A, "AB2" was A and B, "1" and "①" were blank.
    for question_type in ("single", "multiple"):
        with pytest.raises(ResponseInvalid) as refused:
            clean_response(type=question_type, options=["甲", "乙", "丙", "丁"], blanks=0, response=sent)
        assert refused.value.code == "no_such_option"
        with translation.override("en"):
            assert str(refused.value.message) == "Choose from A, B, C, D."


def test_an_api_answer_with_a_stray_digit_is_refused_and_marks_nothing(api, tree, bank):
    question = factories.question(bank, "single", key=["A"])
    paper = factories.paper(
        tree["audit"], mode="practice", questions=[question, factories.question(bank)], shuffle_options=False
    )
    attempt = api.post(f"/api/v1/study/papers/{paper.pk}/attempts/").json()
    position = next(item["position"] for item in attempt["items"] if item["stem"] == question.current.stem)
    url = f"/api/v1/study/attempts/{attempt['id']}/items/{position}/answer/"
    refused = api.post(url, {"response": "A1"}, format="json")
    assert refused.json()["error"] == {"code": "no_such_option", "message": "Choose from A, B, C.", "field": None}
    chinese = api.post(url, {"response": "A1"}, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    assert chinese["error"]["message"] == "请从 A, B, C 中选择。"
    assert not Answer.objects.filter(item__attempt_id=attempt["id"]).exists()
    # Full width and lower case are the same letter: marked right.
    assert api.post(url, {"response": "ａ"}, format="json").json()["verdict"] == "right"


def test_an_exam_save_of_a_digit_is_refused_not_kept_as_blank(api, tree, bank):
    paper = factories.paper(tree["audit"], mode="exam", questions=[factories.question(bank)], time_limit_s=600)
    attempt = api.post(f"/api/v1/study/papers/{paper.pk}/attempts/").json()
    refused = api.put(f"/api/v1/study/attempts/{attempt['id']}/items/1/", {"response": "1"}, format="json")
    assert refused.json()["error"]["code"] == "no_such_option"
    assert AttemptItem.objects.get(attempt_id=attempt["id"], position=1).saved_response is None


def test_a_notebook_review_with_a_stray_digit_is_refused_on_the_page(client, tree, bank, member):
    question = factories.question(bank, "single", key=["A"])
    entry = notebook_add_wrong(member=member, question_id=question.pk)
    client.force_login(member)
    page = client.post(
        f"/study/notebook/{entry.pk}/review/", {"response": "A1"}, HTTP_ACCEPT_LANGUAGE="en", follow=True
    ).content.decode()
    assert "Choose from A, B, C." in page
    assert not ReviewLog.objects.filter(entry=entry).exists()
