"""Self-study after the records walk: a challenge's personal best (most right in a row), what a
late answer to a timed attempt is told, and fill-in blanks held to 200 characters everywhere."""

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone, translation
from rest_framework.test import APIClient

from lessons import selectors
from lessons.grading import ResponseInvalid, clean_response
from lessons.models import Answer, Attempt, NotebookEntry, ReviewLog
from lessons.presenters import attempt_payload
from lessons.services.attempts import AttemptRejected, answer_save, answer_submit, attempt_start
from lessons.services.notebook import notebook_add_wrong
from tests import factories

SHANGHAI = ZoneInfo("Asia/Shanghai")  # settings.TIME_ZONE


@pytest.fixture
def bank(tree):
    return factories.bank(tree["audit"])


@pytest.fixture
def member(tree):
    return factories.member(tree["gz1"])


def api_client(member, language: str) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE=language)
    client.force_authenticate(member)
    return client


# --- Challenge: the personal best -------------------------------------------------------------


@pytest.fixture
def challenge(tree, bank):
    """Six true-or-false questions, all true: a run's length is how many "对" come before a "错"."""
    questions = [factories.question(bank, "true_false", key=[True]) for _ in range(6)]
    return factories.paper(tree["audit"], mode="challenge", questions=questions, title="挑战答题")


def run(paper, member, right: int) -> Attempt:
    """A challenge run of `right` right answers in a row, ended by a wrong one (or by the last
    question of the six)."""
    attempt = attempt_start(paper=paper, member=member)
    for position in range(1, right + 1):
        answer_submit(attempt=attempt, position=position, response="对")
    if right < 6:
        answer_submit(attempt=attempt, position=right + 1, response="错")
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.SUBMITTED and attempt.streak == right
    return attempt


def test_the_best_is_the_longest_run_and_new_only_when_it_beats_every_earlier_run(challenge, member):
    """Runs of 3, 5, 2 and 5 right in a row: the best is 5, on every run's result. The first run
    beats no record; the second (5 > 3) is a new best; the third (2) is not; the fourth ties 5,
    which is not new. Whether a run was a new best says the same when read again later."""
    assert run(challenge, factories.member(member.unit), 6).streak == 6  # another member's, not this one's
    assert selectors.challenge_best(member, challenge) is None  # no run finished yet
    runs = [run(challenge, member, right) for right in (3, 5, 2, 5)]
    records = [selectors.challenge_record(attempt) for attempt in runs]
    assert [(record.best, record.new_best) for record in records] == [(5, False), (5, True), (5, False), (5, False)]
    assert selectors.challenge_best(member, challenge) == 5
    payloads = [attempt_payload(attempt) for attempt in runs]
    assert [(p["streak"], p["best_streak"], p["new_best"]) for p in payloads] == [
        (3, 5, False),
        (5, 5, True),
        (2, 5, False),
        (5, 5, False),
    ]


def test_a_run_under_way_plays_against_the_finished_runs(challenge, member):
    run(challenge, member, 4)
    open_run = attempt_start(paper=challenge, member=member)
    answer_submit(attempt=open_run, position=1, response="对")
    open_run.refresh_from_db()
    assert (attempt_payload(open_run)["best_streak"], attempt_payload(open_run)["new_best"]) == (4, False)


@pytest.mark.parametrize(
    ("language", "best_text", "new_text"),
    [
        ("zh-hans", "个人最佳：连续答对 5 题", "刷新个人最佳纪录！"),
        ("en", "Personal best: 5 right in a row", "New personal best!"),
    ],
)
def test_the_study_page_results_and_api_show_the_personal_best(
    challenge, member, tree, bank, language, best_text, new_text
):
    first, second, third = (run(challenge, member, right) for right in (3, 5, 2))
    client = factories.client_in(language, member)

    hub = client.get("/study/").content.decode()
    assert f'id="best-streak-{challenge.pk}"' in hub and best_text in hub

    beaten = client.get(f"/study/attempts/{second.pk}/result/").content.decode()
    assert new_text in beaten and 'id="new-best"' in beaten
    not_beaten = client.get(f"/study/attempts/{third.pk}/result/").content.decode()
    assert new_text not in not_beaten and best_text in not_beaten
    first_run = client.get(f"/study/attempts/{first.pk}/result/").content.decode()
    assert new_text not in first_run and best_text in first_run  # the record now, not as of then

    api = api_client(member, language)
    papers = {p["id"]: p for p in api.get("/api/v1/study/papers/").json()["results"]}
    assert papers[challenge.pk]["best_streak"] == 5
    practice = factories.paper(tree["audit"], mode="practice", questions=[factories.question(bank)])
    papers = {p["id"]: p for p in api.get("/api/v1/study/papers/").json()["results"]}
    assert papers[practice.pk]["best_streak"] is None
    reply = api.get(f"/api/v1/study/attempts/{second.pk}/").json()
    assert (reply["streak"], reply["best_streak"], reply["new_best"]) == (5, 5, True)


def test_a_challenge_under_way_shows_the_record_to_beat(challenge, member):
    run(challenge, member, 4)
    attempt = attempt_start(paper=challenge, member=member)
    page = factories.client_in("en", member).get(f"/study/attempts/{attempt.pk}/").content.decode()
    assert "Personal best: 4 right in a row" in page


# --- Time is up: what the late answer is told ---------------------------------------------------


def test_a_save_after_an_exams_deadline_says_the_saved_answers_were_handed_in(tree, bank, member):
    """Q1 saved right 5 minutes in, Q2 typed after the 10-minute limit: the save is refused with
    what became of the answers, and the hand-in holds Q1 (2 points for a fill-in) and Q2 blank."""
    questions = [factories.question(bank, "fill_blank"), factories.question(bank, "fill_blank")]
    paper = factories.paper(tree["audit"], mode="exam", questions=questions, time_limit_s=600, shuffle_questions=False)
    start = datetime(2026, 12, 5, 9, 0, tzinfo=SHANGHAI)
    attempt = attempt_start(paper=paper, member=member, at=start)
    answer_save(attempt=attempt, position=1, response=["1921"], at=start + timedelta(minutes=5))
    for language, expected in [
        ("en", "Time is up. Your answers saved before the deadline were handed in; see your result."),
        ("zh-hans", "时间到。截止前已保存的答案已为您交卷，请查看成绩。"),
    ]:
        with translation.override(language), pytest.raises(AttemptRejected) as refused:
            answer_save(attempt=attempt, position=2, response=["1921"], at=start + timedelta(minutes=11))
        assert (refused.value.code, refused.value.message) == ("deadline_passed", expected)
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.EXPIRED and attempt.finished_at == start + timedelta(minutes=10)
    answers = {a.item.position: a for a in Answer.objects.filter(item__attempt=attempt)}
    assert (answers[1].response, answers[1].score) == (["1921"], Decimal("2.00"))
    assert answers[2].response is None and attempt.score == Decimal("2.00")


def test_a_late_answer_to_a_timed_practice_says_the_earlier_answers_count(tree, bank, member):
    questions = [factories.question(bank, "true_false", key=[True]) for _ in range(2)]
    paper = factories.paper(
        tree["audit"], mode="practice", questions=questions, time_limit_s=300, shuffle_questions=False
    )
    start = datetime(2026, 12, 5, 9, 0, tzinfo=SHANGHAI)
    attempt = attempt_start(paper=paper, member=member, at=start)
    answer_submit(attempt=attempt, position=1, response="对", at=start + timedelta(minutes=1))
    with translation.override("zh-hans"), pytest.raises(AttemptRejected) as refused:
        answer_submit(attempt=attempt, position=2, response="对", at=start + timedelta(minutes=6))
    assert refused.value.code == "deadline_passed"
    assert refused.value.message == "时间到。截止前提交的答案均已保留并判分；这一题在截止后才提交，不计分。请查看成绩。"
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.EXPIRED and attempt.score == 1


@pytest.mark.parametrize(
    ("language", "note"),
    [
        ("zh-hans", "作答时间已于 2026-12-05 09:10 截止：截止前已保存的答案已为您交卷并判分。"),
        ("en", "Time ran out at 5 Dec 2026 09:10: your answers saved by then were handed in and marked."),
    ],
)
def test_the_page_of_an_exam_whose_time_ran_out_lands_on_the_result_saying_so(
    tree, bank, member, clock, language, note
):
    """The page's autosave, refused at the deadline, submits the form: the member lands on the
    result, which says when time ran out and that the saved answers were handed in (1 of 1)."""
    paper = factories.paper(
        tree["audit"], mode="exam", questions=[factories.question(bank, "fill_blank")], time_limit_s=600
    )
    clock.now = datetime(2026, 12, 5, 9, 0, tzinfo=SHANGHAI)
    attempt = attempt_start(paper=paper, member=member)
    answer_save(attempt=attempt, position=1, response=["1921"])
    clock.advance(11 * 60)
    client = factories.client_in(language, member)
    save = client.put(
        f"/api/v1/study/attempts/{attempt.pk}/items/1/", {"response": ["1922"]}, content_type="application/json"
    )
    assert save.status_code == 409 and save.json()["error"]["code"] == "deadline_passed"
    result = client.post(f"/study/attempts/{attempt.pk}/submit/", follow=True)
    assert result.redirect_chain[-1][0] == f"/study/attempts/{attempt.pk}/result/"
    page = result.content.decode()
    assert note in page and 'id="result-score">2<' in page
    # The attempt's own page, opened again (Back, another tab), says the same and links the result.
    ended = client.get(f"/study/attempts/{attempt.pk}/").content.decode()
    assert note in ended and f'href="/study/attempts/{attempt.pk}/result/"' in ended


def test_an_attempt_submitted_in_time_has_no_time_up_note(tree, bank, member):
    paper = factories.paper(tree["audit"], mode="exam", questions=[factories.question(bank)], time_limit_s=600)
    attempt = attempt_start(paper=paper, member=member)
    client = factories.client_in("en", member)
    page = client.post(f"/study/attempts/{attempt.pk}/submit/", follow=True).content.decode()
    assert 'id="result-score"' in page and 'id="time-up-note"' not in page


# --- Fill-in blanks: 200 characters, everywhere -------------------------------------------------


def test_a_blank_takes_200_characters_and_refuses_201_naming_the_blank():
    shape = {"type": "fill_blank", "options": [], "blanks": 2}
    assert clean_response(**shape, response=["党" * 200, " x "]) == ["党" * 200, " x "]
    assert clean_response(**shape, response=["  " + "党" * 200 + "  "])[0] == "  " + "党" * 200 + "  "
    with pytest.raises(ResponseInvalid) as refused:
        clean_response(**shape, response=["1921", "党" * 201])
    assert refused.value.code == "blank_too_long"
    with translation.override("en"):
        assert str(refused.value.message) == "Blank 2 has 201 characters; an answer may have at most 200."
    with translation.override("zh-hans"):
        assert str(refused.value.message) == "第 2 空有 201 个字符，答案最多 200 个字符。"


@pytest.fixture
def fill_in_entry(bank, member):
    question = factories.question(bank, "fill_blank")
    entry = notebook_add_wrong(member=member, question_id=question.pk)
    NotebookEntry.objects.filter(pk=entry.pk).update(due_at=timezone.now() - timedelta(minutes=1))
    return entry


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("zh-hans", "第 1 空有 201 个字符，答案最多 200 个字符。"),
        ("en", "Blank 1 has 201 characters; an answer may have at most 200."),
    ],
)
def test_the_notebook_refuses_a_blank_over_200_characters_and_keeps_what_was_typed(
    member, fill_in_entry, language, message
):
    client = factories.client_in(language, member)
    typed = "一九二一年七月" + "党" * 194  # 201 characters
    response = client.post(f"/study/notebook/{fill_in_entry.pk}/review/", {"response": [typed]}, follow=True)
    page = response.content.decode()
    assert message in page
    assert f'value="{typed}"' in page  # back in its box, to shorten
    assert 'maxlength="200"' in page
    assert not ReviewLog.objects.filter(entry=fill_in_entry).exists()
    fill_in_entry.refresh_from_db()
    assert fill_in_entry.consecutive_correct == 0 and fill_in_entry.wrong_count == 1  # not marked
    # Once shown, the typed answer is not put back again.
    assert typed not in client.get("/study/notebook/").content.decode()


def test_the_api_refuses_a_blank_over_200_characters_in_attempts_and_the_notebook(tree, bank, member, fill_in_entry):
    paper = factories.paper(tree["audit"], mode="practice", questions=[factories.question(bank, "fill_blank")])
    attempt = attempt_start(paper=paper, member=member)
    api = api_client(member, "en")
    too_long = api.post(
        f"/api/v1/study/attempts/{attempt.pk}/items/1/answer/", {"response": ["x" * 201]}, format="json"
    )
    assert too_long.status_code == 409 and too_long.json()["error"]["code"] == "blank_too_long"
    assert not Answer.objects.filter(item__attempt=attempt).exists()
    review = api.post(f"/api/v1/study/notebook/{fill_in_entry.pk}/review/", {"response": ["x" * 201]}, format="json")
    assert review.status_code == 400 and review.json()["error"] == {
        "code": "blank_too_long",
        "message": "Blank 1 has 201 characters; an answer may have at most 200.",
        "field": "response",
    }
    right = api.post(f"/api/v1/study/attempts/{attempt.pk}/items/1/answer/", {"response": ["1921"]}, format="json")
    assert right.status_code == 200 and right.json()["is_correct"] is True
