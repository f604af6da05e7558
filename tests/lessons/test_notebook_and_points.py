from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from fsrs import Card, Rating, Scheduler

from lessons.models import NotebookEntry, PointEvent, PointRule, ReviewLog
from lessons.selectors import notebook_due, points_today
from lessons.services.notebook import ReviewRejected, notebook_add_wrong, notebook_review
from lessons.services.points import point_rules_ensure_defaults, points_award
from tests import factories
from tests.threads import run_together


@pytest.fixture
def member(tree):
    return factories.member(tree["gz1"])


def test_entry_is_mastered_after_three_correct_reviews_in_a_row(tree, member):
    q = factories.question(factories.bank(tree["audit"]), "true_false", key=[True])
    start = timezone.now()
    entry = notebook_add_wrong(member=member, question_id=q.pk, at=start)
    assert not notebook_due(member, at=start).exists()  # the miss was rated Again: due after the 1-minute step
    assert list(notebook_due(member, at=start + timedelta(minutes=1))) == [entry]

    notebook_review(entry=entry, response="对", at=start + timedelta(minutes=1))
    notebook_review(entry=entry, response="错", at=start + timedelta(minutes=20))  # the run restarts
    for minutes in (40, 120, 60 * 24 * 3):
        notebook_review(entry=entry, response="对", at=start + timedelta(minutes=minutes))
    entry.refresh_from_db()
    assert entry.state == NotebookEntry.State.MASTERED and entry.consecutive_correct == 3
    assert entry.wrong_count == 2 and ReviewLog.objects.filter(entry=entry).count() == 5
    assert not notebook_due(member, at=start + timedelta(days=400)).exists()


def test_review_schedule_spaces_out_after_correct_answers(tree, member):
    q = factories.question(factories.bank(tree["audit"]), "true_false", key=[True])
    start = timezone.now()
    entry = notebook_add_wrong(member=member, question_id=q.pk, at=start)
    gaps = []
    at = start
    for _ in range(3):
        notebook_review(entry=entry, response="对", at=at)
        entry.refresh_from_db()
        gaps.append(entry.due_at - at)
        at = entry.due_at
    assert gaps[0] < gaps[1] < gaps[2]


def test_a_wrong_answer_again_sends_a_mastered_question_back(tree, member):
    q = factories.question(factories.bank(tree["audit"]))
    entry = notebook_add_wrong(member=member, question_id=q.pk)
    NotebookEntry.objects.filter(pk=entry.pk).update(state="mastered", consecutive_correct=3)
    again = notebook_add_wrong(member=member, question_id=q.pk)
    assert again.pk == entry.pk and again.state == "learning" and again.wrong_count == 2


def test_review_with_an_impossible_answer_is_refused(tree, member):
    q = factories.question(factories.bank(tree["audit"]))
    entry = notebook_add_wrong(member=member, question_id=q.pk)
    with pytest.raises(ReviewRejected):
        notebook_review(entry=entry, response="H")
    assert not ReviewLog.objects.exists()


@pytest.mark.parametrize(
    ("question_type", "posted"),
    [("single", {}), ("multiple", {}), ("fill_blank", {"response": ["  "]})],
)
def test_a_check_pressed_before_answering_is_refused_and_keeps_the_due_entry(
    client, tree, member, question_type, posted
):
    q = factories.question(factories.bank(tree["audit"]), question_type)
    entry = notebook_add_wrong(member=member, question_id=q.pk, at=timezone.now() - timedelta(days=1))
    NotebookEntry.objects.filter(pk=entry.pk).update(due_at=timezone.now() - timedelta(hours=1), consecutive_correct=2)
    before = NotebookEntry.objects.get(pk=entry.pk)
    client.force_login(member)
    page = client.post(f"/study/notebook/{entry.pk}/review/", posted, follow=True, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "请先选择或填写答案。" in page.content.decode()
    after = NotebookEntry.objects.get(pk=entry.pk)
    assert not ReviewLog.objects.exists()
    assert (after.due_at, after.consecutive_correct, after.card) == (before.due_at, 2, before.card)


def test_points_once_per_source_and_capped(member):
    for n in range(12):
        points_award(member=member, activity="practice_correct", source_key=f"s{n}")
    points_award(member=member, activity="practice_correct", source_key="s0")
    assert sum(PointEvent.objects.filter(member=member).values_list("points", flat=True)) == 10
    today = {row.activity: row for row in points_today(member)}
    assert (today["practice_correct"].earned, today["practice_correct"].cap) == (10, 10)
    assert today["daily_correct"].earned == 0


def test_unknown_and_inactive_activities_earn_nothing(member):
    PointRule.objects.filter(activity="exam_submit").update(is_active=False)
    assert points_award(member=member, activity="exam_submit", source_key="a").points == 0
    assert points_award(member=member, activity="no_such_thing", source_key="a").points == 0
    assert not PointEvent.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_awards_never_pass_the_cap(tree):
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers; the row lock matters on PostgreSQL (CI runs this there)")
    person = factories.member(factories.unit_at("审计署/广州特派办/第一党支部"))
    point_rules_ensure_defaults()  # transactional tests start from flushed tables
    PointRule.objects.filter(activity="practice_correct").update(daily_cap=3)

    def award(n, barrier):
        barrier.wait()
        points_award(member=person, activity="practice_correct", source_key=f"race{n}")

    run_together(award, 8)
    assert sum(PointEvent.objects.filter(member=person).values_list("points", flat=True)) == 3


@pytest.mark.parametrize(
    ("given", "location"),
    [
        ("https://evil.example/", "/study/notebook/"),
        ("//evil.example", "/study/notebook/"),
        ("/\\evil.example", "/study/notebook/"),
        ("javascript:alert(1)", "/study/notebook/"),
        ("", "/study/notebook/"),
        ("/study/notebook/?state=learning", "/study/notebook/?state=learning"),
        ("http://testserver/study/", "http://testserver/study/"),
        # A bare word was taken for a view name by redirect(): NoReverseMatch, a 500.
        ("-1", "/study/notebook/"),
        ("notebook", "/study/notebook/"),
        ("/study/\x00", "/study/notebook/"),
    ],
)
def test_reviewing_in_the_notebook_goes_back_only_to_a_page_of_this_site(client, tree, member, given, location):
    question = factories.question(factories.bank(tree["audit"]), "true_false", key=[True])
    entry = notebook_add_wrong(member=member, question_id=question.pk)
    client.force_login(member)
    response = client.post(f"/study/notebook/{entry.pk}/review/", {"response": "对", "next": given})
    # ... and to the entry on it (#entry-N), where the answer to the check is shown
    assert response.status_code == 302 and response["Location"] == f"{location}#entry-{entry.pk}"


def test_over_https_the_notebook_does_not_go_back_to_a_plain_http_address(client, tree, member):
    question = factories.question(factories.bank(tree["audit"]), "true_false", key=[True])
    entry = notebook_add_wrong(member=member, question_id=question.pk)
    client.force_login(member)
    response = client.post(
        f"/study/notebook/{entry.pk}/review/", {"response": "对", "next": "http://testserver/study/"}, secure=True
    )
    assert response["Location"] == f"/study/notebook/#entry-{entry.pk}"


def test_a_wrong_review_sends_a_mastered_entry_back_to_the_due_list(tree, member):
    q = factories.question(factories.bank(tree["audit"]), "true_false", key=[True])
    start = timezone.now()
    entry = notebook_add_wrong(member=member, question_id=q.pk, at=start)
    at = entry.due_at
    for _ in range(3):
        notebook_review(entry=entry, response="对", at=at)
        entry.refresh_from_db()
        at = entry.due_at
    assert entry.state == NotebookEntry.State.MASTERED

    notebook_review(entry=entry, response="错", at=at)
    entry.refresh_from_db()
    assert entry.state == NotebookEntry.State.LEARNING and entry.mastered_at is None
    # FSRS relearning step: due again ten minutes after the miss.
    assert entry.due_at == at + timedelta(minutes=10)
    assert list(notebook_due(member, at=at + timedelta(minutes=10))) == [entry]


def test_a_review_before_it_is_due_is_practice_without_points_or_progress(tree, member):
    q = factories.question(factories.bank(tree["audit"]), "true_false", key=[True])
    start = timezone.now()
    entry = notebook_add_wrong(member=member, question_id=q.pk, at=start)
    due, card = entry.due_at, entry.card
    assert due == start + timedelta(minutes=1)
    for seconds in (1, 2, 3):  # three right answers within three seconds
        log = notebook_review(entry=entry, response="对", at=start + timedelta(seconds=seconds))
        assert log.is_correct and not log.counted
    notebook_review(entry=entry, response="错", at=start + timedelta(seconds=4))
    entry.refresh_from_db()
    assert entry.state == NotebookEntry.State.LEARNING and entry.consecutive_correct == 0 and entry.wrong_count == 1
    assert entry.due_at == due and entry.card == card
    assert not PointEvent.objects.filter(member=member).exists()

    counted = notebook_review(entry=entry, response="对", at=due)
    entry.refresh_from_db()
    assert counted.counted and entry.consecutive_correct == 1 and entry.due_at == due + timedelta(minutes=10)
    assert list(PointEvent.objects.filter(member=member).values_list("activity", "points")) == [("notebook_review", 1)]


def test_the_first_miss_rates_a_new_card_again_as_fsrs_does(tree, member):
    q = factories.question(factories.bank(tree["audit"]), "true_false", key=[True])
    start = timezone.now()
    entry = notebook_add_wrong(member=member, question_id=q.pk, at=start)
    scheduler = Scheduler(enable_fuzzing=False)
    card, _log = scheduler.review_card(Card(due=start), Rating.Again, review_datetime=start)
    assert Card.from_dict(entry.card).stability == card.stability == 0.212  # FSRS-6 w[0], the Again stability
    gaps, at = [entry.due_at - start], entry.due_at
    for _ in range(3):
        card, _log = scheduler.review_card(card, Rating.Good, review_datetime=at)
        notebook_review(entry=entry, response="对", at=at)
        entry.refresh_from_db()
        assert entry.due_at == card.due
        gaps.append(entry.due_at - at)
        at = entry.due_at
    # Learning steps 1 and 10 minutes, then 1 and 2 days; a fresh card rated Good first would
    # have given 10 minutes, 2 days and 11 days.
    assert gaps == [timedelta(minutes=1), timedelta(minutes=10), timedelta(days=1), timedelta(days=2)]


def test_the_notebook_page_says_an_early_review_is_practice(client, tree, member):
    question = factories.question(factories.bank(tree["audit"]), "true_false", key=[True])
    entry = notebook_add_wrong(member=member, question_id=question.pk)
    client.force_login(member)
    page = client.get("/study/notebook/").content.decode()
    assert "在错题到期之前作答只算练习" in page
    followed = client.post(f"/study/notebook/{entry.pk}/review/", {"response": "对"}, follow=True).content.decode()
    assert "练习：" in followed and "不计积分" in followed


@pytest.mark.parametrize(("language", "said"), [("en", "The answer is True."), ("zh-hans", "正确答案是 对。")])
def test_a_wrong_review_names_a_true_false_key_in_the_readers_language(client, tree, member, language, said):
    question = factories.question(factories.bank(tree["audit"]), "true_false", key=[True])
    entry = notebook_add_wrong(member=member, question_id=question.pk, at=timezone.now() - timedelta(days=1))
    client.force_login(member)
    client.cookies["django_language"] = language
    followed = client.post(f"/study/notebook/{entry.pk}/review/", {"response": "错"}, follow=True)
    assert said in followed.content.decode()


def test_a_filter_that_matches_nothing_says_so_rather_than_that_there_is_nothing_to_review(client, tree, member):
    notebook_add_wrong(member=member, question_id=factories.question(factories.bank(tree["audit"])).pk)
    client.force_login(member)
    page = client.get("/study/notebook/?state=learning&type=&tag=不存在的知识点", HTTP_ACCEPT_LANGUAGE="zh-hans")
    body = page.content.decode()
    assert "没有符合筛选条件的错题。" in body and 'href="?state=learning">显示全部' in body
    assert "继续保持" not in body


def test_the_to_review_tab_counts_the_entries_it_lists_not_only_the_due_ones(client, tree, member):
    """Three wrong answers just made (none due for a minute) and one made yesterday (due): the tab
    lists four, and read "To review 1" over them (it counted the due ones)."""
    bank = factories.bank(tree["audit"])
    for _ in range(3):
        notebook_add_wrong(member=member, question_id=factories.question(bank, "true_false", key=[True]).pk)
    yesterday = timezone.now() - timedelta(days=1)
    notebook_add_wrong(member=member, question_id=factories.question(bank, "true_false", key=[True]).pk, at=yesterday)
    client.force_login(member)
    page = client.get("/study/notebook/").content.decode()
    assert page.count("qs-notebook-entry") == 4
    assert '<span class="badge text-bg-light" id="learning-count">4</span>' in page
    assert page.count('<span class="badge text-bg-danger">') == 1  # the one due carries its badge


@pytest.mark.parametrize("state", ["bogus", ""])
def test_an_unknown_notebook_tab_lists_the_entries_to_review(client, tree, member, state):
    """A hand-edited `state` shows the "to review" tab with its entry, not an empty notebook."""
    question = factories.question(factories.bank(tree["audit"]), "true_false", key=[True])
    notebook_add_wrong(member=member, question_id=question.pk)
    client.force_login(member)
    body = client.get(f"/study/notebook/?state={state}", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f'id="entry-{member.notebook.get().pk}"' in body
    assert "Well done" not in body
