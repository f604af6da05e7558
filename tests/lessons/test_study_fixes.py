"""Self-study after the demo walk: one meaning for "to review" (due now), a finished attempt says
it has ended (never "already answered"), and members can take entries out of the notebook."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone, translation

from lessons.models import Attempt, NotebookEntry
from lessons.selectors import notebook_counts
from lessons.services.attempts import AttemptRejected, answer_save, answer_submit, attempt_start, attempt_submit
from lessons.services.notebook import (
    notebook_add_wrong,
    notebook_release_due,
    notebook_remove,
    notebook_remove_mastered,
    notebook_restore,
)
from tests import factories

SHANGHAI = ZoneInfo("Asia/Shanghai")  # settings.TIME_ZONE


def local(day: int, hour: int, minute: int, second: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, second, tzinfo=SHANGHAI)


@pytest.fixture
def bank(tree):
    return factories.bank(tree["audit"])


@pytest.fixture
def member(tree):
    return factories.member(tree["gz1"])


def entries_due_at(member, bank, *due_times):
    """One not-mastered entry per time, due then."""
    entries = []
    for due in due_times:
        entry = notebook_add_wrong(member=member, question_id=factories.question(bank, "true_false", key=[True]).pk)
        NotebookEntry.objects.filter(pk=entry.pk).update(due_at=due)
        entries.append(entry)
    return entries


def pages_at(client, monkeypatch, at, language):
    monkeypatch.setattr(timezone, "now", lambda: at)
    home = client.get("/study/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    book = client.get("/study/notebook/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    return home, book


def test_the_study_hub_and_the_notebook_count_the_same_entries_to_review_around_a_due_boundary(
    client, tree, bank, member, monkeypatch
):
    """The walk at 23:39: the notebook tab read "待复习 12" over entries due at 23:49 while the
    hub read "8 待复习". Here 3 entries are due by 23:39 and 2 at 23:49 (one mastered, not
    counted): 5 not mastered; to review now 3 at 23:39, still 3 a second before 23:49, 5 at 23:49."""
    entries_due_at(
        member, bank, local(5, 23, 0), local(5, 23, 38), local(5, 23, 39), local(5, 23, 49), local(5, 23, 49)
    )
    mastered = entries_due_at(member, bank, local(5, 20, 0))[0]
    NotebookEntry.objects.filter(pk=mastered.pk).update(state=NotebookEntry.State.MASTERED)
    client.force_login(member)
    for at, due in ((local(5, 23, 39), 3), (local(5, 23, 48, 59), 3), (local(5, 23, 49), 5)):
        home, book = pages_at(client, monkeypatch, at, "zh-hans")
        assert f'id="due-count">{due}</div><div class="small qs-muted">现在待复习</div>' in home
        assert 'id="not-mastered-count">未掌握 5 道</div>' in home
        assert '未掌握 <span class="badge text-bg-light" id="learning-count">5</span>' in book
        assert f'<span id="due-count">现在待复习：<strong>{due}</strong></span>' in book
        assert book.count('<span class="badge text-bg-danger">待复习</span>') == due
        assert notebook_counts(member, at=at).due == due
    home, book = pages_at(client, monkeypatch, local(5, 23, 39), "en")
    assert 'id="due-count">3</div><div class="small qs-muted">To review now</div>' in home
    assert 'id="not-mastered-count">5 not mastered</div>' in home
    assert 'Not mastered <span class="badge text-bg-light" id="learning-count">5</span>' in book
    assert '<span id="due-count">To review now: <strong>3</strong></span>' in book
    assert ">To review <" not in book  # the tab no longer calls every entry "to review"


def test_entries_due_after_local_midnight_are_not_counted_before_it_and_show_the_local_time(
    client, tree, bank, member, monkeypatch
):
    """Asia/Shanghai midnight is 16:00 UTC: an entry due at 00:00:30 local is not to review at
    23:59:59, is at 00:00:30, and says "next 2026-12-06 00:00" (not the UTC 2026-12-05 16:00)."""
    entries_due_at(member, bank, local(5, 23, 59, 30), local(6, 0, 0, 30))
    client.force_login(member)
    for at, due in ((local(5, 23, 59, 59), 1), (local(6, 0, 0, 0), 1), (local(6, 0, 0, 30), 2)):
        home, book = pages_at(client, monkeypatch, at, "zh-hans")
        assert f'id="due-count">{due}</div>' in home
        assert f"现在待复习：<strong>{due}</strong>" in book
    home, book = pages_at(client, monkeypatch, local(5, 23, 59, 59), "zh-hans")
    assert "下次 2026-12-06 00:00" in book and "2026-12-05 16:00" not in book


@pytest.mark.parametrize("mode", ["practice", "daily"])
def test_an_answer_to_a_finished_attempt_says_it_has_ended_not_already_answered(client, tree, bank, member, mode):
    """Finishing grades the questions left blank; an answer to one of them afterwards (the page
    kept by Back) was refused as "already answered", which it never was."""
    questions = [factories.question(bank, "true_false", key=[True]) for _ in range(2)]
    paper = factories.paper(tree["audit"], mode=mode, questions=questions)
    attempt = attempt_start(paper=paper, member=member)
    answer_submit(attempt=attempt, position=1, response="对", client_answer_id="first")
    attempt_submit(attempt=attempt)
    with pytest.raises(AttemptRejected) as refused, translation.override("en"):
        answer_submit(attempt=attempt, position=2, response="对")
    assert (refused.value.code, refused.value.message) == ("attempt_finished", "This attempt has ended.")
    # A retry of an answer the server took before finishing is still acknowledged.
    assert answer_submit(attempt=attempt, position=1, response="对", client_answer_id="first").is_correct
    client.force_login(member)
    url = f"/api/v1/study/attempts/{attempt.pk}/items/2/answer/"
    for language, said in (("zh-hans", "本次作答已结束。"), ("en", "This attempt has ended.")):
        reply = client.post(url, {"response": "对"}, content_type="application/json", HTTP_ACCEPT_LANGUAGE=language)
        assert reply.status_code == 409 and reply.json()["error"] == {
            "code": "attempt_finished",
            "message": said,
            "field": None,
        } | {k: v for k, v in reply.json()["error"].items() if k not in ("code", "message", "field")}


def test_a_finished_challenge_and_exam_refuse_answers_as_ended(tree, bank, member):
    questions = [factories.question(bank, "true_false", key=[True]) for _ in range(2)]
    challenge = attempt_start(
        paper=factories.paper(tree["audit"], mode="challenge", questions=questions), member=member
    )
    answer_submit(attempt=challenge, position=1, response="错")  # a wrong answer ends the run
    with pytest.raises(AttemptRejected) as refused, translation.override("en"):
        answer_submit(attempt=challenge, position=2, response="对")
    assert refused.value.message == "This attempt has ended."
    exam = attempt_start(paper=factories.paper(tree["audit"], mode="exam", questions=questions), member=member)
    attempt_submit(attempt=exam)
    with pytest.raises(AttemptRejected) as refused, translation.override("en"):
        answer_save(attempt=exam, position=1, response="对")
    assert refused.value.message == "This attempt has ended."


@pytest.mark.parametrize("mode", ["practice", "daily", "exam", "challenge"])
def test_a_finished_attempts_page_says_it_has_ended_with_its_result_and_is_never_stored(
    client, tree, bank, member, mode
):
    paper = factories.paper(tree["audit"], mode=mode, questions=[factories.question(bank, "true_false", key=[True])])
    attempt = attempt_start(paper=paper, member=member)
    client.force_login(member)
    live = client.get(f"/study/attempts/{attempt.pk}/")
    assert "no-store" in live["Cache-Control"]
    attempt_submit(attempt=attempt)
    for language, said, link in (
        ("zh-hans", "本次作答已结束。", "查看成绩"),
        ("en", "This attempt has ended.", "See the result"),
    ):
        page = client.get(f"/study/attempts/{attempt.pk}/", HTTP_ACCEPT_LANGUAGE=language)
        body = page.content.decode()
        assert page.status_code == 200 and "no-store" in page["Cache-Control"]
        assert said in body and f'href="/study/attempts/{attempt.pk}/result/" id="ended-result-link"' in body
        assert link in body and "qs-answer-button" not in body and 'id="submit-form"' not in body


def test_a_timed_out_exam_puts_its_wrong_answers_in_the_notebook_and_not_the_blank_ones(tree, bank, member):
    """An exam of 4: one right, one wrong, two blank when time ran out: one entry, the wrong one."""
    questions = [factories.question(bank, "true_false", key=[True]) for _ in range(4)]
    paper = factories.paper(tree["audit"], mode="exam", questions=questions, time_limit_s=600)
    attempt = attempt_start(paper=paper, member=member)
    items = {i.position: i.version.question_id for i in attempt.items.select_related("version")}
    answer_save(attempt=attempt, position=1, response="对")
    answer_save(attempt=attempt, position=2, response="错")
    done = attempt_submit(attempt=attempt, at=attempt.deadline_at + timedelta(seconds=1))
    assert done.status == Attempt.Status.EXPIRED
    assert list(NotebookEntry.objects.filter(member=member).values_list("question_id", flat=True)) == [items[2]]


def test_an_exam_shown_after_closing_releases_only_its_wrong_answers_not_the_blank_ones(tree, bank, member):
    questions = [factories.question(bank, "true_false", key=[True]) for _ in range(3)]
    closes = timezone.now() + timedelta(days=1)
    paper = factories.paper(tree["audit"], mode="exam", questions=questions, review="after_close", closes_at=closes)
    attempt = attempt_start(paper=paper, member=member)
    items = {i.position: i.version.question_id for i in attempt.items.select_related("version")}
    answer_save(attempt=attempt, position=1, response="错")
    assert attempt_submit(attempt=attempt).notebook_pending
    assert notebook_release_due(member, at=closes) == 1
    assert list(NotebookEntry.objects.filter(member=member).values_list("question_id", flat=True)) == [items[1]]


def test_an_exam_with_only_blank_misses_waits_for_nothing(tree, bank, member):
    paper = factories.paper(
        tree["audit"],
        mode="exam",
        questions=[factories.question(bank, "true_false", key=[True])],
        review="after_close",
        closes_at=timezone.now() + timedelta(days=1),
    )
    assert not attempt_submit(attempt=attempt_start(paper=paper, member=member)).notebook_pending


def test_removed_entries_leave_every_count_and_come_back_as_they_were(tree, bank, member):
    now = timezone.now()
    due, later, mastered = entries_due_at(member, bank, now - timedelta(hours=1), now + timedelta(hours=1), now)
    NotebookEntry.objects.filter(pk=mastered.pk).update(state=NotebookEntry.State.MASTERED, consecutive_correct=3)
    other = factories.member(tree["gz1"])
    theirs = notebook_add_wrong(member=other, question_id=due.question_id)
    assert notebook_counts(member, at=now) == type(notebook_counts(member, at=now))(not_mastered=2, mastered=1, due=1)

    # Someone else's entry, or one already out, is not taken out (again).
    assert notebook_remove(member=member, entry_ids=[due.pk, theirs.pk]) == [due.pk]
    assert notebook_remove(member=member, entry_ids=[due.pk]) == []
    counts = notebook_counts(member, at=now)
    assert (counts.not_mastered, counts.mastered, counts.due) == (1, 1, 0)
    assert notebook_remove_mastered(member=member) == [mastered.pk]
    counts = notebook_counts(member, at=now)
    assert (counts.not_mastered, counts.mastered, counts.due) == (1, 0, 0)
    assert NotebookEntry.objects.get(pk=theirs.pk).removed_at is None

    assert notebook_restore(member=member, entry_ids=[due.pk, mastered.pk, theirs.pk]) == 2
    back = NotebookEntry.objects.get(pk=mastered.pk)
    assert back.state == NotebookEntry.State.MASTERED and back.consecutive_correct == 3
    counts = notebook_counts(member, at=now)
    assert (counts.not_mastered, counts.mastered, counts.due) == (2, 1, 1)
    assert later.pk not in notebook_remove_mastered(member=member)


def test_a_removed_question_answered_wrongly_again_comes_back(tree, bank, member):
    entry = entries_due_at(member, bank, timezone.now())[0]
    notebook_remove(member=member, entry_ids=[entry.pk])
    notebook_add_wrong(member=member, question_id=entry.question_id)
    entry.refresh_from_db()
    assert entry.removed_at is None and entry.wrong_count == 2


def test_member_takes_an_entry_out_and_undoes_it_in_both_languages(client, tree, bank, member):
    first, second = entries_due_at(member, bank, timezone.now(), timezone.now())
    client.force_login(member)
    page = client.post(
        f"/study/notebook/{first.pk}/remove/", {"next": "/study/notebook/"}, follow=True, HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).content.decode()
    assert "已从错题本移出 1 道题。" in page and 'id="undo-remove"' in page
    assert page.count("qs-notebook-entry") == 1 and f'id="entry-{second.pk}"' in page
    assert 'id="learning-count">1</span>' in page
    again = client.get("/study/notebook/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "已从错题本移出" not in again  # said once
    # A removed entry is not reviewed (a page kept open posts to it).
    assert client.post(f"/study/notebook/{first.pk}/review/", {"response": "对"}).status_code == 404
    page = client.post("/study/notebook/restore/", follow=True, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "1 question is back in the notebook." in page and page.count("qs-notebook-entry") == 2
    # Undo works once: a second post restores nothing more and says nothing.
    page = client.post("/study/notebook/restore/", follow=True, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "back in the notebook" not in page


def test_member_takes_all_mastered_entries_out(client, tree, bank, member):
    entries = entries_due_at(member, bank, *[timezone.now()] * 3)
    NotebookEntry.objects.filter(pk__in=[e.pk for e in entries[:2]]).update(state=NotebookEntry.State.MASTERED)
    client.force_login(member)
    page = client.get("/study/notebook/?state=mastered", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="remove-mastered"' in page and "Take all mastered out" in page
    page = client.post(
        "/study/notebook/remove-mastered/",
        {"next": "/study/notebook/?state=mastered"},
        follow=True,
        HTTP_ACCEPT_LANGUAGE="en",
    ).content.decode()
    assert "2 questions taken out of the notebook." in page and "Nothing mastered yet." in page
    assert 'id="mastered-count">0</span>' in page and 'id="learning-count">1</span>' in page
    assert 'id="remove-mastered"' not in page


def test_todays_finished_daily_quiz_links_to_its_result_instead_of_a_dead_button(client, tree, bank, member):
    paper = factories.paper(tree["audit"], mode="daily", questions=[factories.question(bank, "true_false", key=[True])])
    attempt = attempt_start(paper=paper, member=member)
    answer_submit(attempt=attempt, position=1, response="对")  # the only question: the quiz ends
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.SUBMITTED
    client.force_login(member)
    with translation.override("en"):
        page = client.get("/study/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f'id="done-today-{paper.pk}"' in page
    assert f'href="/study/attempts/{attempt.pk}/result/"' in page
    assert f'action="/study/papers/{paper.pk}/start/"' not in page


def test_the_study_hub_offers_start_not_continue_for_an_exam_whose_time_ran_out(client, tree, bank, member):
    question = factories.question(bank, "true_false", key=[True])
    paper = factories.paper(tree["audit"], mode="exam", questions=[question], time_limit_s=600)
    started = timezone.now() - timedelta(minutes=20)  # its 10 minutes ended 10 minutes ago
    attempt = attempt_start(paper=paper, member=member, at=started)
    answer_save(attempt=attempt, position=1, response="对", at=started + timedelta(minutes=1))
    client.force_login(member)
    with translation.override("en"):
        page = client.get("/study/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.EXPIRED and attempt.score == 1  # the saved right answer
    assert f'href="/study/attempts/{attempt.pk}/"' not in page  # no Continue to an ended attempt
    assert f'action="/study/papers/{paper.pk}/start/"' in page
    assert "<strong>1 / 1</strong>" in page  # Counts: the one true-or-false question, 1 point


def test_a_daily_quiz_done_today_says_todays_score_beside_the_best_that_counts(client, tree, bank, member):
    """Yesterday right (1 / 1), today wrong (0 / 1): the card's "Counts" keeps the best, 1 / 1, which
    read like today's score beside "Done today"; today's own figures now say today's score, 0 of 1."""
    paper = factories.paper(tree["audit"], mode="daily", questions=[factories.question(bank, "true_false", key=[True])])
    yesterday = timezone.now() - timedelta(days=1)
    first = attempt_start(paper=paper, member=member, at=yesterday)
    answer_submit(attempt=first, position=1, response="对", at=yesterday + timedelta(seconds=5))
    today = attempt_start(paper=paper, member=member)
    answer_submit(attempt=today, position=1, response="错")
    today.refresh_from_db()
    assert (today.status, today.score) == (Attempt.Status.SUBMITTED, 0)
    client.force_login(member)
    for language, done in (("en", "Score: 0 of 1 marks"), ("zh-hans", "得分：0 分（满分 1 分）")):
        with translation.override(language):
            page = client.get("/study/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
        assert "<strong>1 / 1</strong>" in page  # Counts: the best day
        assert done in page, language
