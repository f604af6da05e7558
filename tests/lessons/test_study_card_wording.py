"""The study page's cards say what their figure is ("Counts: 2 / 3" meant nothing), and a
challenge's result leads with its goal, the run of right answers, the marks second."""

import pytest

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
