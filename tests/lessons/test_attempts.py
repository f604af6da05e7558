from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from importlib import import_module

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from lessons.models import Answer, Attempt, NotebookEntry, PointEvent
from lessons.models.questions import OPTION_LETTERS
from lessons.selectors import notebook_due, notebook_entries
from lessons.services.attempts import (
    AttemptRejected,
    answer_save,
    answer_submit,
    attempt_start,
    attempt_submit,
    attempts_expire_due,
    ensure_current,
)
from lessons.services.notebook import notebook_add_wrong, notebook_release_due
from lessons.tasks import attempt_expire, expire_overdue_attempts
from tests import factories


@pytest.fixture
def bank(tree):
    return factories.bank(tree["audit"])


@pytest.fixture
def member(tree):
    return factories.member(tree["gz1"])


def shown_letters_for(item, original_letters):
    """The letters the member saw for the given original options (options may be shuffled)."""
    return [OPTION_LETTERS[item.option_order.index(OPTION_LETTERS.index(letter))] for letter in original_letters]


def right_answer(item):
    version = item.version
    if version.type in ("single", "multiple"):
        return shown_letters_for(item, version.key)
    if version.type == "true_false":
        return version.key
    return [alternatives[0] for alternatives in version.key]


def test_timed_exam_saves_drafts_and_grades_at_submit(tree, bank, member):
    questions = [factories.question(bank, t) for t in ("single", "multiple", "true_false", "fill_blank")]
    paper = factories.paper(tree["audit"], mode="exam", questions=questions, time_limit_s=600)
    attempt = attempt_start(paper=paper, member=member)
    assert attempt.deadline_at == attempt.started_at + timedelta(seconds=600)
    assert attempt.max_score == Decimal(1 + 2 + 1 + 2)
    for item in attempt.items.select_related("version"):
        if item.version.type != "multiple":
            answer_save(attempt=attempt, position=item.position, response=right_answer(item))
    assert not Answer.objects.filter(item__attempt=attempt).exists()  # drafts, not answers

    done = attempt_submit(attempt=attempt)
    assert done.status == Attempt.Status.SUBMITTED
    assert done.score == Decimal(4)
    assert Answer.objects.filter(item__attempt=attempt).count() == 4
    # The one left blank is not a wrong answer: it stays out of the notebook.
    assert not NotebookEntry.objects.filter(member=member, question=questions[1]).exists()
    assert PointEvent.objects.filter(member=member, activity="exam_submit").count() == 1


def test_shuffled_options_are_graded_in_the_members_letters(tree, bank, member):
    q = factories.question(bank, "single", options=["甲", "乙", "丙", "丁"], key=["C"])
    paper = factories.paper(tree["audit"], mode="exam", questions=[q], time_limit_s=60, shuffle_options=True)
    attempt = attempt_start(paper=paper, member=member)
    item = attempt.items.get()
    assert sorted(item.option_order) == [0, 1, 2, 3]
    answer_save(attempt=attempt, position=1, response=shown_letters_for(item, ["C"]))
    assert attempt_submit(attempt=attempt).score == 1


def test_submitting_twice_returns_the_same_result(tree, bank, member):
    paper = factories.paper(tree["audit"], questions=[factories.question(bank)], time_limit_s=60)
    attempt = attempt_start(paper=paper, member=member)
    first = attempt_submit(attempt=attempt)
    second = attempt_submit(attempt=attempt)
    assert (first.pk, first.score, first.finished_at) == (second.pk, second.score, second.finished_at)
    assert Answer.objects.filter(item__attempt=attempt).count() == 1


def test_starting_twice_gives_the_same_open_attempt(tree, bank, member):
    paper = factories.paper(tree["audit"], questions=[factories.question(bank)], time_limit_s=60)
    assert attempt_start(paper=paper, member=member) == attempt_start(paper=paper, member=member)
    assert Attempt.objects.filter(member=member).count() == 1


def test_database_refuses_a_second_open_attempt_and_a_second_answer(tree, bank, member):
    paper = factories.paper(tree["audit"], mode="practice", questions=[factories.question(bank)])
    attempt = attempt_start(paper=paper, member=member)
    with pytest.raises(IntegrityError), transaction.atomic():
        Attempt.objects.create(paper=paper, member=member, number=2, started_at=timezone.now())
    answer_submit(attempt=attempt, position=1, response="A")
    with pytest.raises(IntegrityError), transaction.atomic():
        Answer.objects.create(
            item=attempt.items.get(), response=["B"], is_correct=False, score=0, answered_at=timezone.now()
        )


def test_saving_after_the_deadline_is_refused_and_the_attempt_is_submitted_at_the_deadline(tree, bank, member):
    paper = factories.paper(tree["audit"], questions=[factories.question(bank)], time_limit_s=60, shuffle_options=False)
    start = timezone.now()
    attempt = attempt_start(paper=paper, member=member, at=start)
    answer_save(attempt=attempt, position=1, response="A", at=start + timedelta(seconds=30))
    with pytest.raises(AttemptRejected) as refused:
        answer_save(attempt=attempt, position=1, response="B", at=start + timedelta(seconds=61))
    assert refused.value.code == "deadline_passed"
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.EXPIRED
    assert attempt.finished_at == attempt.deadline_at
    assert Answer.objects.get(item__attempt=attempt).response == ["A"]  # the answer saved in time


def test_late_submit_counts_at_the_deadline(tree, bank, member):
    paper = factories.paper(tree["audit"], questions=[factories.question(bank)], time_limit_s=60)
    start = timezone.now()
    attempt = attempt_start(paper=paper, member=member, at=start)
    done = attempt_submit(attempt=attempt, at=start + timedelta(hours=1))
    assert done.status == Attempt.Status.EXPIRED and done.finished_at == done.deadline_at


def test_the_sweep_submits_abandoned_exams(tree, bank, member):
    paper = factories.paper(tree["audit"], questions=[factories.question(bank)], time_limit_s=60)
    attempt = attempt_start(paper=paper, member=member, at=timezone.now() - timedelta(minutes=5))
    assert attempt_expire(attempt.pk) == "submitted"
    assert expire_overdue_attempts() == 0  # already done: running again changes nothing
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.EXPIRED


def test_the_expiry_task_leaves_attempts_that_are_not_due(tree, bank, member):
    paper = factories.paper(tree["audit"], questions=[factories.question(bank)], time_limit_s=600)
    attempt = attempt_start(paper=paper, member=member)
    assert attempt_expire(attempt.pk) == "not due yet"
    assert attempt_expire(999999) == "nothing to do"
    assert attempts_expire_due() == 0
    attempt.refresh_from_db()
    assert attempt.is_open


def test_answering_a_question_not_in_the_attempt_is_refused(tree, bank, member):
    paper = factories.paper(tree["audit"], questions=[factories.question(bank)], time_limit_s=60)
    attempt = attempt_start(paper=paper, member=member)
    with pytest.raises(AttemptRejected) as refused:
        answer_save(attempt=attempt, position=7, response="A")
    assert refused.value.code == "not_in_attempt"


def test_attempt_limit_and_audience(tree, bank, member):
    paper = factories.paper(tree["gz"], questions=[factories.question(bank)], time_limit_s=60, max_attempts=1)
    attempt_submit(attempt=attempt_start(paper=paper, member=member))
    with pytest.raises(AttemptRejected) as refused:
        attempt_start(paper=paper, member=member)
    assert refused.value.code == "no_attempts_left"
    with pytest.raises(AttemptRejected) as refused:
        attempt_start(paper=paper, member=factories.member(tree["jjj1"]))
    assert refused.value.code == "not_in_audience"


def test_practice_gives_instant_feedback_and_a_retry_is_acknowledged_once(tree, bank, member):
    q = factories.question(bank, "single", key=["A"])
    paper = factories.paper(
        tree["audit"], mode="practice", questions=[q, factories.question(bank)], shuffle_options=False
    )
    attempt = attempt_start(paper=paper, member=member)
    first_position = attempt.items.get(version=q.current).position
    answer = answer_submit(attempt=attempt, position=first_position, response="A", client_answer_id="c-1")
    again = answer_submit(attempt=attempt, position=first_position, response="A", client_answer_id="c-1")
    assert answer.pk == again.pk and answer.is_correct
    with pytest.raises(AttemptRejected) as refused:
        answer_submit(attempt=attempt, position=first_position, response="B", client_answer_id="c-2")
    assert refused.value.code == "already_answered"
    assert PointEvent.objects.filter(member=member, activity="practice_correct").count() == 1


def test_practice_wrong_answer_goes_to_the_notebook(tree, bank, member):
    q = factories.question(bank, "true_false", key=[True])
    attempt = attempt_start(paper=factories.paper(tree["audit"], mode="practice", questions=[q]), member=member)
    answer = answer_submit(attempt=attempt, position=1, response="错")
    assert not answer.is_correct
    assert NotebookEntry.objects.filter(member=member, question=q).exists()
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.SUBMITTED  # every question answered


def test_daily_quiz_draws_by_rule_once_a_day(tree, bank, member):
    for _ in range(8):
        factories.question(bank)
    paper = factories.paper(tree["audit"], mode="daily", rules=[{"bank": bank, "count": 5}])
    attempt = attempt_start(paper=paper, member=member)
    assert attempt.items.count() == 5 and attempt.day == timezone.localdate()
    for item in attempt.items.select_related("version"):
        answer_submit(attempt=attempt, position=item.position, response=right_answer(item))
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.SUBMITTED and attempt.score == 5
    with pytest.raises(AttemptRejected) as refused:
        attempt_start(paper=paper, member=member)
    assert refused.value.code == "daily_done"
    tomorrow = timezone.now() + timedelta(days=1)
    assert attempt_start(paper=paper, member=member, at=tomorrow).day == timezone.localdate(tomorrow)


def test_points_stop_at_the_daily_cap(tree, bank, member):
    questions = [factories.question(bank, "true_false", key=[True]) for _ in range(8)]
    attempt = attempt_start(paper=factories.paper(tree["audit"], mode="daily", questions=questions), member=member)
    for item in attempt.items.all():
        answer_submit(attempt=attempt, position=item.position, response="对")
    earned = sum(PointEvent.objects.filter(member=member, activity="daily_correct").values_list("points", flat=True))
    assert earned == 5  # the default cap


def test_challenge_is_sudden_death_with_a_streak(tree, bank, member):
    questions = [factories.question(bank, "true_false", key=[True]) for _ in range(5)]
    paper = factories.paper(tree["audit"], mode="challenge", questions=questions, question_time_s=20)
    attempt = attempt_start(paper=paper, member=member)
    with pytest.raises(AttemptRejected) as refused:
        answer_submit(attempt=attempt, position=2, response="对")
    assert refused.value.code == "not_current_question"
    answer_submit(attempt=attempt, position=1, response="对")
    answer_submit(attempt=attempt, position=2, response="对")
    answer_submit(attempt=attempt, position=3, response="错")
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.SUBMITTED and attempt.streak == 2
    assert attempt.score == 2 and attempt.max_score == 3


def test_challenge_question_timer_ends_the_run(tree, bank, member):
    questions = [factories.question(bank, "true_false", key=[True]) for _ in range(3)]
    paper = factories.paper(tree["audit"], mode="challenge", questions=questions, question_time_s=20)
    start = timezone.now()
    attempt = attempt_start(paper=paper, member=member, at=start)
    answer_submit(attempt=attempt, position=1, response="对", at=start + timedelta(seconds=5))
    attempt = ensure_current(attempt, at=start + timedelta(seconds=60))
    assert attempt.status == Attempt.Status.SUBMITTED and attempt.streak == 1
    timed_out = Answer.objects.get(item__attempt=attempt, item__position=2)
    assert timed_out.response is None and not timed_out.is_correct


def shanghai(*args):
    """A local time (settings.TIME_ZONE is Asia/Shanghai, UTC+8, no daylight saving)."""
    return timezone.make_aware(datetime(*args), timezone.get_default_timezone())


def test_a_daily_quiz_started_at_2359_expires_at_local_midnight(tree, bank, member):
    questions = [factories.question(bank, "true_false", key=[True]) for _ in range(3)]
    paper = factories.paper(tree["audit"], mode="daily", questions=questions)
    evening = attempt_start(paper=paper, member=member, at=shanghai(2026, 3, 10, 23, 59))
    assert evening.day == date(2026, 3, 10)
    assert evening.deadline_at == datetime(2026, 3, 10, 16, 0, tzinfo=UTC)  # 00:00 on the 11th in Shanghai
    answer_submit(attempt=evening, position=1, response="对", at=shanghai(2026, 3, 10, 23, 59, 30))

    with pytest.raises(AttemptRejected) as refused:
        answer_submit(attempt=evening, position=2, response="对", at=shanghai(2026, 3, 11, 0, 1))
    assert refused.value.code == "deadline_passed"
    evening.refresh_from_db()
    assert evening.status == Attempt.Status.EXPIRED and evening.finished_at == shanghai(2026, 3, 11, 0, 0)
    assert evening.score == 1  # the one answer given before midnight

    morning = attempt_start(paper=paper, member=member, at=shanghai(2026, 3, 11, 0, 2))
    assert morning.pk != evening.pk and morning.day == date(2026, 3, 11) and morning.number == 2
    for position in (1, 2, 3):
        answer_submit(attempt=morning, position=position, response="对", at=shanghai(2026, 3, 11, 8, 0))
    with pytest.raises(AttemptRejected) as refused:
        attempt_start(paper=paper, member=member, at=shanghai(2026, 3, 11, 23, 0))
    assert refused.value.code == "daily_done"  # one daily quiz per local day


def test_a_week_old_daily_quiz_is_not_resumed(tree, bank, member):
    paper = factories.paper(tree["audit"], mode="daily", questions=[factories.question(bank) for _ in range(2)])
    old = attempt_start(paper=paper, member=member, at=shanghai(2026, 3, 3, 10, 0))
    today = attempt_start(paper=paper, member=member, at=shanghai(2026, 3, 10, 9, 0))
    assert today.pk != old.pk and today.day == date(2026, 3, 10)
    old.refresh_from_db()
    assert old.status == Attempt.Status.EXPIRED and old.finished_at == shanghai(2026, 3, 4, 0, 0)


def test_the_sweep_closes_yesterdays_daily_quiz(tree, bank, member):
    paper = factories.paper(tree["audit"], mode="daily", questions=[factories.question(bank)])
    attempt = attempt_start(paper=paper, member=member, at=shanghai(2026, 3, 10, 20, 0))
    assert attempts_expire_due(at=shanghai(2026, 3, 10, 23, 59)) == 0
    assert attempts_expire_due(at=shanghai(2026, 3, 11, 0, 0, 1)) == 1
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.EXPIRED


def test_a_partly_right_answer_in_a_challenge_scores_0_and_ends_the_run(tree, bank, member):
    first = factories.question(bank, "true_false", key=[True])
    second = factories.question(bank, "multiple", options=["甲", "乙", "丙", "丁"], key=["A", "B", "C"])
    third = factories.question(bank, "true_false", key=[True])
    paper = factories.paper(
        tree["audit"],
        mode="challenge",
        questions=[first, second, third],
        shuffle_questions=False,
        shuffle_options=False,
        question_time_s=20,
        multiple_scoring="partial",
        fill_blank_scoring="per_blank",
    )
    attempt = attempt_start(paper=paper, member=member)
    answer_submit(attempt=attempt, position=1, response="对")
    partly = answer_submit(attempt=attempt, position=2, response=["A", "B"])  # 2 of 3, no wrong pick
    assert not partly.is_correct and partly.score == 0
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.SUBMITTED and attempt.streak == 1
    assert (attempt.score, attempt.max_score) == (Decimal(1), Decimal(1 + 2))  # true/false 1 point, multiple 2


@pytest.mark.parametrize(
    ("multiple_scoring", "fill_blank_scoring", "multiple_score", "fill_in_score"),
    [
        ("partial", "all_or_nothing", Decimal("1.33"), Decimal(0)),  # 2 x 2/3; the fill-in needs both blanks
        ("all_or_nothing", "per_blank", Decimal(0), Decimal("1.00")),  # 2 x 1/2 for one right blank of two
    ],
)
def test_multiple_choice_and_fill_in_partial_credit_are_separate_settings(
    tree, bank, member, multiple_scoring, fill_blank_scoring, multiple_score, fill_in_score
):
    multiple = factories.question(bank, "multiple", options=["甲", "乙", "丙", "丁"], key=["A", "B", "C"])
    fill_in = factories.question(bank, "fill_blank", stem="____大，____年", key=[["十九大"], ["2017"]])
    paper = factories.paper(
        tree["audit"],
        questions=[multiple, fill_in],
        time_limit_s=600,
        shuffle_questions=False,
        shuffle_options=False,
        multiple_scoring=multiple_scoring,
        fill_blank_scoring=fill_blank_scoring,
    )
    attempt = attempt_start(paper=paper, member=member)
    answer_save(attempt=attempt, position=1, response=["A", "B"])
    answer_save(attempt=attempt, position=2, response=["十九大", "2018"])
    attempt_submit(attempt=attempt)
    scores = dict(Answer.objects.filter(item__attempt=attempt).values_list("item__position", "score"))
    assert scores == {1: multiple_score, 2: fill_in_score}


def test_the_challenge_page_says_a_partly_right_answer_ends_the_run(client, tree, bank, member):
    paper = factories.paper(tree["audit"], mode="challenge", questions=[factories.question(bank)], question_time_s=20)
    attempt = attempt_start(paper=paper, member=member)
    client.force_login(member)
    page = client.get(f"/study/attempts/{attempt.pk}/").content.decode()
    assert "答错或只答对一部分都不得分，挑战即结束" in page


def test_the_daily_quiz_page_says_it_closes_at_midnight_without_a_countdown(client, tree, bank, member):
    paper = factories.paper(tree["audit"], mode="daily", questions=[factories.question(bank)])
    attempt = attempt_start(paper=paper, member=member)
    client.force_login(member)
    page = client.get(f"/study/attempts/{attempt.pk}/").content.decode()
    assert "今天的每日答题在午夜关闭" in page and 'id="countdown"' not in page


def test_migrations_give_open_daily_quizzes_their_day_end_and_keep_fill_in_partial_credit(tree, bank, member):
    from django.apps import apps

    day_end_migration = import_module("lessons.migrations.0005_daily_quiz_attempts_end_with_their_day")
    scoring_migration = import_module("lessons.migrations.0007_paper_fill_blank_scoring_separate_from_multiple")
    daily = factories.paper(tree["audit"], mode="daily", questions=[factories.question(bank)])
    attempt = attempt_start(paper=daily, member=member, at=shanghai(2026, 3, 3, 10, 0))
    Attempt.objects.filter(pk=attempt.pk).update(deadline_at=None)  # as started before this change
    partial = factories.paper(tree["audit"], multiple_scoring="partial")
    plain = factories.paper(tree["audit"])

    day_end_migration.set_day_end(apps, None)
    scoring_migration.keep_fill_in_partial_credit(apps, None)

    attempt.refresh_from_db()
    assert attempt.deadline_at == shanghai(2026, 3, 4, 0, 0)
    assert ensure_current(attempt, at=shanghai(2026, 3, 10, 9, 0)).status == Attempt.Status.EXPIRED
    partial.refresh_from_db()
    plain.refresh_from_db()
    assert (partial.fill_blank_scoring, plain.fill_blank_scoring) == ("per_blank", "all_or_nothing")


def test_a_daily_quiz_leaves_its_day_end_to_the_sweep_instead_of_an_eta_task_hours_away(
    tree, bank, member, django_capture_on_commit_callbacks
):
    daily = factories.paper(tree["audit"], mode="daily", questions=[factories.question(bank)])
    timed = factories.paper(tree["audit"], questions=[factories.question(bank)], time_limit_s=600)
    with django_capture_on_commit_callbacks() as daily_callbacks:
        attempt_start(paper=daily, member=member)
    with django_capture_on_commit_callbacks() as timed_callbacks:
        attempt_start(paper=timed, member=member)
    assert (len(daily_callbacks), len(timed_callbacks)) == (0, 1)


def test_an_exam_that_shows_answers_after_closing_keeps_its_misses_out_of_the_notebook_until_then(
    tree, bank, member, client
):
    """Reviewing a notebook entry shows the key, so a miss of such an exam must not reach the
    notebook (nor its score the member's screen) while the paper is open: a member allowed a
    second attempt, or a colleague who has not sat yet, would have the key."""
    right_q, wrong_q = (factories.question(bank, "true_false", key=[True]) for _ in range(2))
    mastered_q = factories.question(bank, "true_false", key=[True])
    # Mastered earlier in practice: a miss in the exam must not send it back before the close either.
    NotebookEntry.objects.filter(pk=notebook_add_wrong(member=member, question_id=mastered_q.pk).pk).update(
        state="mastered", consecutive_correct=3
    )
    closes = timezone.now() + timedelta(days=2)
    paper = factories.paper(
        tree["audit"], mode="exam", questions=[right_q, wrong_q, mastered_q], review="after_close", closes_at=closes
    )
    attempt = attempt_start(paper=paper, member=member)
    by_question = {i.version.question_id: i for i in attempt.items.select_related("version")}
    answer_save(attempt=attempt, position=by_question[right_q.pk].position, response="对")
    answer_save(attempt=attempt, position=by_question[wrong_q.pk].position, response="错")
    answer_save(attempt=attempt, position=by_question[mastered_q.pk].position, response="错")
    done = attempt_submit(attempt=attempt)
    assert done.score == Decimal(1) and done.notebook_pending

    assert not notebook_due(member, at=closes - timedelta(minutes=1)).exists()
    assert list(notebook_entries(member).values_list("question_id", "state")) == [(mastered_q.pk, "mastered")]
    client.force_login(member)
    payload = client.get(f"/api/v1/study/attempts/{attempt.pk}/").json()
    assert payload["score"] == "1.00" and not payload["review_available"]
    assert all("score" not in item and "is_correct" not in item and "key" not in item for item in payload["items"])

    # At the close both misses join the notebook, once however often it is read.
    assert notebook_release_due(member, at=closes) == 1
    assert notebook_release_due(member, at=closes) == 0
    entries = dict(NotebookEntry.objects.filter(member=member).values_list("question_id", "state"))
    assert entries == {wrong_q.pk: "learning", mastered_q.pk: "learning"}
    done.refresh_from_db()
    assert not done.notebook_pending


def test_an_exam_that_never_shows_answers_never_puts_its_misses_in_the_notebook(tree, bank, member):
    q = factories.question(bank, "true_false", key=[True])
    paper = factories.paper(tree["audit"], mode="exam", questions=[q], review="never")
    attempt = attempt_start(paper=paper, member=member)
    answer_save(attempt=attempt, position=1, response="错")
    done = attempt_submit(attempt=attempt)
    assert done.score == 0 and not done.notebook_pending
    assert not notebook_entries(member).exists()
    assert notebook_release_due(member, at=timezone.now() + timedelta(days=400)) == 0


def test_a_question_worth_one_point_says_1_pt_in_english_and_1_fen_in_chinese(client, tree, bank, member):
    one = factories.question(bank, "single")
    two = factories.question(bank, "multiple")
    # A single choice is worth 1 point and a multiple choice 2 unless the paper says otherwise.
    paper = factories.paper(tree["audit"], mode="practice", questions=[one, two], shuffle_questions=False)
    attempt = attempt_start(paper=paper, member=member)
    client.force_login(member)
    english = client.get(f"/study/attempts/{attempt.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert ">1 pt<" in english and ">2 pts<" in english and "1 pts" not in english
    chinese = client.get(f"/study/attempts/{attempt.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert ">1 分<" in chinese and ">2 分<" in chinese


def test_the_study_page_offers_the_result_of_an_exam_whose_attempts_are_all_used(client, tree, bank, member):
    """It showed Start, which answered "You have used all 1 attempts." on the same page."""
    used = factories.paper(tree["gz"], questions=[factories.question(bank)], time_limit_s=60, max_attempts=1)
    left = factories.paper(tree["gz"], questions=[factories.question(bank)], time_limit_s=60, max_attempts=2)
    finished = attempt_submit(attempt=attempt_start(paper=used, member=member))
    attempt_submit(attempt=attempt_start(paper=left, member=member))
    client.force_login(member)
    page = client.get("/study/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert f'<p class="small qs-muted mb-2" id="used-up-{used.pk}">1 次作答机会已用完。</p>' in page
    assert f'href="/study/attempts/{finished.pk}/result/">成绩</a>' in page
    assert f'action="/study/papers/{used.pk}/start/"' not in page
    assert f'action="/study/papers/{left.pk}/start/"' in page and f"used-up-{left.pk}" not in page


def test_finishing_a_timed_exam_earns_points_only_with_a_question_answered_and_blanks_leave_the_cap(tree, bank, member):
    """完成限时测验: 2 points a paper, 4 a day. One morning, five papers of one single-choice
    question (key A) each: handed in blank, left blank to time out, answered wrong (score 0),
    answered right, answered right again. Only the answered ones count, so the wrong one and the
    first right one fill the cap (2 + 2 = 4) and the fifth earns nothing."""
    morning = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)  # 9:00 in Beijing
    papers = [
        factories.paper(
            tree["audit"],
            title=f"测验{n}",
            questions=[factories.question(bank, "single", key=["A"])],
            time_limit_s=60,
            shuffle_options=False,
        )
        for n in range(1, 6)
    ]
    attempts = [attempt_start(paper=paper, member=member, at=morning) for paper in papers]
    done = [
        attempt_submit(attempt=attempts[0], at=morning + timedelta(seconds=10)),
        attempt_submit(attempt=attempts[1], at=morning + timedelta(seconds=61)),
    ]
    for attempt, response in zip(attempts[2:], ["B", "A", "A"], strict=True):
        answer_save(attempt=attempt, position=1, response=response, at=morning + timedelta(seconds=5))
        done.append(attempt_submit(attempt=attempt, at=morning + timedelta(seconds=10)))
    assert [(a.status, a.score) for a in done] == [
        (Attempt.Status.SUBMITTED, 0),
        (Attempt.Status.EXPIRED, 0),
        (Attempt.Status.SUBMITTED, 0),
        (Attempt.Status.SUBMITTED, 1),
        (Attempt.Status.SUBMITTED, 1),
    ]
    events = PointEvent.objects.filter(member=member, activity="exam_submit").order_by("occurred_at", "pk")
    assert [(e.source_key, e.points) for e in events] == [(f"attempt:{done[2].pk}", 2), (f"attempt:{done[3].pk}", 2)]


@pytest.mark.parametrize("blank", ["", [], "  ", [" "]])
def test_an_empty_answer_is_refused_and_marks_nothing(tree, bank, member, blank):
    questions = [factories.question(bank, "fill_blank", key=[["1921"]]) for _ in range(2)]
    paper = factories.paper(tree["audit"], mode="challenge", questions=questions, question_time_s=20)
    attempt = attempt_start(paper=paper, member=member)
    with pytest.raises(AttemptRejected) as refused:
        answer_submit(attempt=attempt, position=1, response=blank)
    assert refused.value.code == "empty"
    attempt.refresh_from_db()
    # Still the first question of a run not ended: nothing marked, nothing in the notebook.
    assert attempt.status == Attempt.Status.IN_PROGRESS and attempt.streak == 0 and attempt.score == 0
    assert not Answer.objects.filter(item__attempt=attempt).exists()
    assert not NotebookEntry.objects.filter(member=member).exists()
    answer_submit(attempt=attempt, position=1, response=["1921"])
    attempt.refresh_from_db()
    assert attempt.streak == 1 and attempt.score == 2  # a fill-in is worth 2 points


def test_an_empty_practice_answer_is_refused_through_the_api(client, tree, bank, member):
    paper = factories.paper(tree["audit"], mode="practice", questions=[factories.question(bank, "single")])
    client.force_login(member)
    attempt = client.post(f"/api/v1/study/papers/{paper.pk}/attempts/").json()
    url = f"/api/v1/study/attempts/{attempt['id']}/items/1/answer/"
    refused = client.post(url, {"response": ""}, content_type="application/json")
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "empty"
    assert client.get(f"/api/v1/study/attempts/{attempt['id']}/").json()["status"] == "in_progress"
    assert not PointEvent.objects.filter(member=member).exists()
    assert not NotebookEntry.objects.filter(member=member).exists()


def test_a_challenge_question_left_unanswered_until_its_time_ran_out_stays_out_of_the_notebook(tree, bank, member):
    """The walk: the member looked at question 2, answered nothing and left; it read "Wrong 1×"
    with an empty answer. Question 1 right, question 2 timed out: the run ends at streak 1 and
    the notebook stays empty."""
    questions = [factories.question(bank, "true_false", key=[True]) for _ in range(3)]
    paper = factories.paper(tree["audit"], mode="challenge", questions=questions, question_time_s=20)
    start = timezone.now()
    attempt = attempt_start(paper=paper, member=member, at=start)
    answer_submit(attempt=attempt, position=1, response="对", at=start + timedelta(seconds=5))
    attempt = ensure_current(attempt, at=start + timedelta(seconds=60))  # question 2 closed at 5 + 20 = 25 s
    assert attempt.status == Attempt.Status.SUBMITTED and attempt.streak == 1
    assert not NotebookEntry.objects.filter(member=member).exists()


def test_a_challenge_answer_sent_after_its_time_ran_out_stays_out_of_the_notebook(tree, bank, member):
    """A late answer is marked as no answer (`_grade_now`): it ends the run and joins no notebook,
    while a wrong answer in time still does."""
    questions = [factories.question(bank, "true_false", key=[True]) for _ in range(2)]
    paper = factories.paper(tree["audit"], mode="challenge", questions=questions, question_time_s=20)
    start = timezone.now()
    late = attempt_start(paper=paper, member=member, at=start)
    answer_submit(attempt=late, position=1, response="错", at=start + timedelta(seconds=21))  # closed at 20 s
    late.refresh_from_db()
    assert late.status == Attempt.Status.SUBMITTED and late.streak == 0
    assert not NotebookEntry.objects.filter(member=member).exists()

    wrong = attempt_start(paper=paper, member=member, at=start + timedelta(minutes=1))
    answer_submit(attempt=wrong, position=1, response="错", at=start + timedelta(minutes=1, seconds=5))
    assert NotebookEntry.objects.filter(member=member).count() == 1


def test_the_challenge_page_says_a_timed_out_question_ends_the_run_and_stays_out_of_the_notebook(
    client, tree, bank, member
):
    paper = factories.paper(tree["audit"], mode="challenge", questions=[factories.question(bank)], question_time_s=20)
    attempt = attempt_start(paper=paper, member=member)
    client.force_login(member)
    for language, said in (
        ("zh-hans", "答题时间用完，挑战也随之结束；未作答的题不记入错题本。"),
        ("en", "Running out of time ends it too; a question left unanswered stays out of the wrong-answer notebook."),
    ):
        page = client.get(f"/study/attempts/{attempt.pk}/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
        assert said in page
