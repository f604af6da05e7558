"""Today's points and the daily quiz card as a member reads them: points against a daily cap say
"points", and the daily card says each of its figures once, each by what it is."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone, translation

from lessons import selectors
from lessons.services.attempts import answer_submit, attempt_start
from lessons.services.points import points_award
from tests import factories


@pytest.fixture
def bank(tree):
    return factories.bank(tree["audit"])


@pytest.fixture
def member(tree):
    return factories.member(tree["gz1"])


def page_in(language: str, member, path: str) -> str:
    client = Client()
    client.force_login(member)
    client.cookies["django_language"] = language
    return client.get(path).content.decode()


def points_rows(page: str) -> str:
    return page.split('id="points-today"')[1].split("</ul>")[0] if 'id="points-today"' in page else page


@pytest.mark.parametrize(
    ("language", "label", "figure", "old"),
    [
        ("zh-hans", "限时测验积分", "2 / 4 分", "完成限时测验"),
        ("en", "Timed exam points", "2 / 4", "Timed exams finished"),
    ],
)
@pytest.mark.parametrize("path", ["/", "/study/points/", "/study/"])
def test_todays_rows_say_points_against_the_cap_not_things_done(member, language, label, figure, old, path):
    """One timed exam handed in: exam_submit gives 2 points of its cap of 4 (the default rules). The
    row read "Timed exams finished 2 / 4", as if 2 of 4 papers; it says points now."""
    points_award(member=member, activity="exam_submit", source_key="attempt:1")
    with translation.override(language):
        rows = {row.activity: row for row in selectors.points_today(member)}
        assert (rows["exam_submit"].label, rows["exam_submit"].earned, rows["exam_submit"].cap) == (label, 2, 4)
    page = page_in(language, member, path)
    shown = points_rows(page)
    assert label in shown and figure in shown and old not in shown


def test_a_daily_quiz_under_way_says_questions_answered_score_and_points_once_each(member, tree, bank):
    """Three questions: two true-or-false (1 mark each) and one multiple choice (2 marks): 4 marks.
    The first true-or-false right (1 mark, 1 point), the second wrong, the third not answered yet:
    2 of 3 answered, 1 of 4 marks, 1 point."""
    tf_right, tf_wrong = (factories.question(bank, "true_false", key=[True]) for _ in range(2))
    paper = factories.paper(
        tree["audit"], mode="daily", questions=[tf_right, tf_wrong, factories.question(bank, "multiple")]
    )
    attempt = attempt_start(paper=paper, member=member)
    positions = {item.version.question_id: item.position for item in attempt.items.select_related("version")}
    answer_submit(attempt=attempt, position=positions[tf_right.pk], response="对")
    answer_submit(attempt=attempt, position=positions[tf_wrong.pk], response="错")
    attempt.refresh_from_db()
    progress = selectors.daily_progress(attempt)
    assert (progress.answered, progress.questions, progress.score, progress.max_score, progress.points) == (
        2,
        3,
        1,
        4,
        1,
    )
    for language, lines in (
        ("en", ["Answered today: 2 of 3 questions", "Score: 1 of 4 marks", "Points earned: 1"]),
        ("zh-hans", ["今日已答：2 / 3 题", "得分：1 分（满分 4 分）", "获得积分：1"]),
    ):
        page = page_in(language, member, "/study/")
        card = page.split(f'id="daily-today-{paper.pk}"')[1].split("</ul>")[0]
        assert all(line in card for line in lines), (language, card)


def test_a_daily_quiz_done_today_shows_its_score_once_not_as_counts_and_done_alike(member, tree, bank):
    """Today's attempt is the only one, so it is also the one that counts: the card said
    "Counts 0 / 1" and "Done today: 0 / 1". Now the score is said once, as today's."""
    paper = factories.paper(tree["audit"], mode="daily", questions=[factories.question(bank, "true_false", key=[True])])
    attempt = attempt_start(paper=paper, member=member)
    answer_submit(attempt=attempt, position=1, response="错")
    page = page_in("en", member, "/study/")
    card = page.split('data-mode="daily"')[1].split('class="col-12')[0]
    assert card.count("0 / 1") + card.count("0 of 1") == 1, card
    assert "Counts" not in card and "Done for today." in card


def test_a_daily_quiz_past_its_deadline_counts_only_the_questions_answered(member, tree, bank):
    """Five true-or-false questions, the first answered, then the deadline passes: finishing marks
    the other four as blank answers (0 marks), which the card counted as answered ("5 of 5").
    Answered by the member: 1 of the 5."""
    questions = [factories.question(bank, "true_false", key=[True]) for _ in range(5)]
    paper = factories.paper(tree["audit"], mode="daily", questions=questions)
    attempt = attempt_start(paper=paper, member=member)
    answer_submit(attempt=attempt, position=1, response="对")
    type(attempt).objects.filter(pk=attempt.pk).update(deadline_at=timezone.now() - timedelta(seconds=1))
    for language, line in (("en", "Answered today: 1 of 5 questions"), ("zh-hans", "今日已答：1 / 5 题")):
        page = page_in(language, member, "/study/")
        card = page.split(f'id="daily-today-{paper.pk}"')[1].split("</ul>")[0]
        assert line in card, (language, card)
    attempt.refresh_from_db()
    assert attempt.status != "in_progress"  # the deadline's passing finished it, with its blanks
    assert attempt.items.filter(answer__isnull=False).count() == 5
