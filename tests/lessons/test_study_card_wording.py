"""The study page's cards say what their figure is ("Counts: 2 / 3" meant nothing), and a
challenge's result leads with its goal, the run of right answers, the marks second."""

from datetime import datetime

import pytest
from django.utils import timezone

from lessons.services.attempts import answer_submit, attempt_start, attempt_submit
from tests import factories


@pytest.fixture
def bank(tree):
    return factories.bank(tree["audit"])


@pytest.fixture
def member(tree):
    return factories.member(tree["gz1"])


@pytest.mark.parametrize(
    ("language", "said", "old"),
    [
        ("zh-hans", "最高得分：<strong>2 / 3</strong>", "计入成绩"),
        ("en", "Your best score: <strong>2 / 3</strong>", "Counts"),
    ],
)
def test_a_practice_card_names_its_figure_the_best_score(tree, bank, member, language, said, old):
    """Three true-or-false questions of 1 mark: two right, one wrong: 2 of 3 marks."""
    questions = [factories.question(bank, "true_false", key=[True]) for _ in range(3)]
    paper = factories.paper(tree["audit"], mode="practice", questions=questions)
    attempt = attempt_start(paper=paper, member=member)
    for position, response in ((1, "对"), (2, "对"), (3, "错")):
        answer_submit(attempt=attempt, position=position, response=response)
    attempt_submit(attempt=attempt)
    page = factories.client_in(language, member).get("/study/").content.decode()
    card = page[page.index(f'id="grade-{paper.pk}"') :].split("</div>")[0]
    assert said in card and old not in card


@pytest.mark.parametrize(
    ("language", "streak", "marks"), [("zh-hans", "连续答对", "得分：2 / 3"), ("en", "Right in a row", "Marks: 2 / 3")]
)
def test_a_challenge_result_leads_with_the_streak_and_gives_the_marks_second(
    tree, bank, member, language, streak, marks
):
    """Two right, then a wrong one: a run of 2; 2 marks of the 3 questions asked."""
    questions = [factories.question(bank, "true_false", key=[True]) for _ in range(5)]
    paper = factories.paper(tree["audit"], mode="challenge", questions=questions, question_time_s=20)
    attempt = attempt_start(paper=paper, member=member)
    for position, response in ((1, "对"), (2, "对"), (3, "错")):
        answer_submit(attempt=attempt, position=position, response=response)
    page = factories.client_in(language, member).get(f"/study/attempts/{attempt.pk}/result/").content.decode()
    assert page.index('id="result-streak"') < page.index('id="result-score"')
    assert f'<div class="fw-semibold" id="result-streak-label">{streak}</div>' in page
    assert '<div class="qs-score" id="result-streak">2</div>' in page and marks in page


@pytest.mark.parametrize(
    ("language", "best", "marks"),
    [("zh-hans", "个人最佳：连续答对 0 题", "最高得分"), ("en", "Personal best: 0 right in a row", "Your best score")],
)
def test_a_challenge_card_gives_the_run_of_right_answers_not_the_marks(tree, bank, member, language, best, marks):
    """A run that missed its first question: 0 right in a row (the card said "Your best score: 0 / 1")."""
    questions = [factories.question(bank, "true_false", key=[True]) for _ in range(3)]
    paper = factories.paper(tree["audit"], mode="challenge", questions=questions, question_time_s=20)
    attempt = attempt_start(paper=paper, member=member)
    answer_submit(attempt=attempt, position=1, response="错")
    page = factories.client_in(language, member).get("/study/").content.decode()
    card = page[page.index(f'id="best-streak-{paper.pk}"') :].split("</div>")[0]
    assert best in card
    assert f'id="grade-{paper.pk}"' not in page and marks not in page


@pytest.mark.parametrize(("language", "said"), [("zh-hans", "（2026-03-10）"), ("en", "on 10 Mar 2026")])
def test_a_daily_quiz_card_on_a_new_day_says_which_day_its_score_is_from(
    tree, bank, member, monkeypatch, language, said
):
    """Sat at 20:00 on 10 March (Shanghai), one right of one; the study page read at 09:00 on the 11th."""
    shanghai = timezone.get_default_timezone()
    paper = factories.paper(tree["audit"], mode="daily", questions=[factories.question(bank, "true_false", key=[True])])
    sat_at = datetime(2026, 3, 10, 20, 0, tzinfo=shanghai)
    attempt = attempt_start(paper=paper, member=member, at=sat_at)
    answer_submit(attempt=attempt, position=1, response="对", at=sat_at)
    attempt_submit(attempt=attempt, at=sat_at)
    monkeypatch.setattr(timezone, "now", lambda: datetime(2026, 3, 11, 9, 0, tzinfo=shanghai))
    page = factories.client_in(language, member).get("/study/").content.decode()
    card = page[page.index(f'id="grade-{paper.pk}"') :].split("</div>")[0]
    assert "<strong>1 / 1</strong>" in card and f'<span class="qs-grade-day">{said}</span>' in card
