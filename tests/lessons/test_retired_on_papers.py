"""Retiring a question: it stays on the exams that fix it (as Moodle keeps a question in the quizzes
that use it), leaves random draws and the practice papers that fix it, is marked in the paper
editor, and the organiser is told which papers fix it. A status change is not a new version."""

import re

import pytest
from django.urls import reverse

from lessons.models import Question
from lessons.services.attempts import attempt_start
from lessons.services.questions import question_set_status
from tests import factories

# The editor's form for the question `exam_of_three` makes first, unchanged.
from tests.lessons.test_authoring import single as editor_post


@pytest.fixture
def bank(tree):
    return factories.bank(tree["gz"], slug="gz-bank")


@pytest.fixture
def member(tree):
    return factories.member(tree["gz1"])


@pytest.fixture
def organiser(gz_organiser):
    return factories.client_in("en", gz_organiser)


def exam_of_three(tree, bank):
    """Two single choices (1 mark each) and a multiple choice (2 marks): 3 questions, 4 marks."""
    questions = [
        factories.question(
            bank, "single", stem="党的最高理想是什么？", options=["实现共产主义", "发展经济", "改善民生"]
        ),
        factories.question(bank, "multiple"),
        factories.question(bank, "single"),
    ]
    paper = factories.paper(tree["gz"], mode="exam", title="党章测试", questions=questions, time_limit_s=600)
    return paper, questions


def test_an_exam_keeps_a_question_retired_after_it_was_set(tree, bank, member):
    paper, questions = exam_of_three(tree, bank)
    question_set_status(question=questions[0], status=Question.Status.RETIRED)
    attempt = attempt_start(paper=paper, member=member)
    assert attempt.items.count() == 3 and attempt.max_score == 4  # 1 + 2 + 1, as set


def test_a_practice_paper_leaves_a_retired_question_out(tree, bank, member):
    first, second = factories.question(bank, "single"), factories.question(bank, "single")
    paper = factories.paper(tree["gz"], mode="practice", questions=[first, second])
    question_set_status(question=first, status=Question.Status.RETIRED)
    attempt = attempt_start(paper=paper, member=member)
    assert [item.version.question_id for item in attempt.items.select_related("version")] == [second.pk]


def test_the_preview_and_the_editor_show_the_retired_question_on_the_exam(tree, bank, organiser):
    paper, questions = exam_of_three(tree, bank)
    question_set_status(question=questions[0], status=Question.Status.RETIRED)
    preview = organiser.get(reverse("lessons:paper_preview", args=[paper.pk])).content.decode()
    assert "3 questions" in preview and "4 points in all" in preview
    builder = organiser.get(reverse("lessons:paper_edit", args=[paper.pk])).content.decode()
    rows = re.findall(r'<li class="list-group-item[^"]*qs-picked" data-id="(\d+)">(.*?)</li>', builder, re.S)
    assert [(int(pk), "qs-retired" in row) for pk, row in rows] == [
        (questions[0].pk, True),
        (questions[1].pk, False),
        (questions[2].pk, False),
    ]
    assert 'id="retired-note"' in builder


@pytest.mark.parametrize(("language", "mark"), [("en", "Retired"), ("zh-hans", "已停用")])
def test_the_preview_marks_the_retired_question_as_the_editor_does(tree, bank, gz_organiser, language, mark):
    """Of the exam's 3 questions the first is retired: its card alone carries the editor's mark."""
    paper, questions = exam_of_three(tree, bank)
    question_set_status(question=questions[0], status=Question.Status.RETIRED)
    client = factories.client_in(language, gz_organiser)
    preview = client.get(reverse("lessons:paper_preview", args=[paper.pk])).content.decode()
    cards = preview.split('class="card qs-card mb-3 qs-question"')[1:]
    marked = [
        (card.split('class="qs-stem mb-3">')[1].startswith("党的最高理想是什么？"), "qs-retired" in card)
        for card in cards
    ]
    # 3 cards; the retired one (its stem exactly 党的最高理想是什么？) marked, the other two not.
    assert sorted(marked) == [(False, False), (False, False), (True, True)]
    (card,) = [card for card in cards if "qs-retired" in card]
    assert f'<span class="badge text-bg-warning qs-retired me-auto">{mark}</span>' in card


def test_retiring_a_question_names_the_papers_that_fix_it(tree, bank, organiser):
    paper, questions = exam_of_three(tree, bank)
    factories.paper(tree["gz"], mode="practice", title="每日练", questions=[questions[0]])
    url = reverse("lessons:question_edit", args=[bank.slug, questions[0].pk])
    page = organiser.post(url, editor_post(status="retired"), follow=True).content.decode()
    assert "Retired, it stays on the exams that set it, so their questions and marks do not change: “党章测试”." in page
    assert "Retired, it leaves random draws and new attempts of the papers that set it: “每日练”." in page
    # Saved again while retired: nothing new to say.
    again = organiser.post(url, editor_post(status="retired"), follow=True).content.decode()
    assert "Retired, it stays" not in again


def test_the_editor_lists_the_papers_fixing_the_question(tree, bank, organiser):
    paper, questions = exam_of_three(tree, bank)
    page = organiser.get(reverse("lessons:question_edit", args=[bank.slug, questions[0].pk])).content.decode()
    assert 'id="fixed-on"' in page and "党章测试" in page[page.index('id="fixed-on"') :]


def test_a_status_change_of_an_answered_question_is_not_a_new_version(tree, bank, member, organiser):
    paper, questions = exam_of_three(tree, bank)
    attempt_start(paper=paper, member=member)  # the current version is now used by an attempt
    url = reverse("lessons:question_edit", args=[bank.slug, questions[0].pk])
    page = organiser.post(url, editor_post(status="retired"), follow=True).content.decode()
    question = Question.objects.get(pk=questions[0].pk)
    assert question.status == "retired" and question.versions.count() == 1 and question.current.number == 1
    assert "Saved as version" not in page and "Saved." in page
    # A change of content is still a new version, kept apart from the attempt's.
    organiser.post(url, editor_post(stem="党的最高理想和最终目标是什么？", status="retired"))
    assert Question.objects.get(pk=questions[0].pk).current.number == 2
