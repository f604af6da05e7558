"""On a phone and a desktop, in both languages: an answer (or an exam's autosave) made after the
attempt's deadline says what became of the answers and takes the member to the result, which
says when time ran out."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from lessons.models import Attempt
from tests.browser.test_study import answer_card, start_paper

pytestmark = pytest.mark.browser

LATE = {
    "zh-CN": "时间到。截止前提交的答案均已保留并判分；这一题在截止后才提交，不计分。请查看成绩。",
    "en-US": "Time is up. Your answers given before the deadline are kept and marked; "
    "this one came too late to count. See your result.",
}
SEE_RESULT = {"zh-CN": "查看成绩", "en-US": "See the result"}
RAN_OUT = {"zh-CN": "截止前提交的答案均计分", "en-US": "your answers given by then count"}
HANDED_IN = {"zh-CN": "截止前已保存的答案已为您交卷并判分", "en-US": "your answers saved by then were handed in"}


def layout(phone: bool) -> dict:
    return {"phone": phone, "viewport": None if phone else {"width": 1366, "height": 900}}


@pytest.mark.parametrize(("locale", "phone"), [("zh-CN", True), ("en-US", False)])
def test_an_answer_after_the_daily_quizs_deadline_says_the_earlier_answers_count_and_links_the_result(
    live_server, demo, page_factory, screenshot, locale, phone
):
    page = page_factory(locale=locale, **layout(phone))
    attempt = start_paper(page, live_server.url, "daily")
    first, second = attempt.items.select_related("version").order_by("position")[:2]
    answer_card(page, first, correct=True)
    page.locator("#q1 .qs-answer-button").click()
    expect(page.locator("#q1 .alert-success")).to_have_count(1)
    # The day ends while the page is open (the member came back to it after midnight).
    Attempt.objects.filter(pk=attempt.pk).update(deadline_at=timezone.now() - timedelta(seconds=1))

    answer_card(page, second, correct=True)
    page.locator("#q2 .qs-answer-button").click()
    expect(page.locator("#q2 .alert-warning")).to_have_text(LATE[locale])
    go = page.locator("#q2 .qs-ended-result")
    expect(go).to_have_text(SEE_RESULT[locale])
    screenshot(page, f"records-daily-late-{locale}-{'phone' if phone else 'desktop'}")
    go.click()
    page.wait_for_url(f"**/study/attempts/{attempt.pk}/result/")
    expect(page.locator("#time-up-note")).to_contain_text(RAN_OUT[locale])
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.EXPIRED
    assert attempt.score == first.points  # the answer given in time counts; the late one not


@pytest.mark.parametrize(("locale", "phone"), [("en-US", True), ("zh-CN", False)])
def test_an_exam_saved_after_its_deadline_lands_on_the_result_with_the_saved_answers(
    live_server, demo, page_factory, screenshot, locale, phone
):
    page = page_factory(locale=locale, **layout(phone))
    attempt = start_paper(page, live_server.url, "exam")
    items = list(attempt.items.select_related("version").order_by("position"))
    # A question saved in one change (a multiple choice ticked box by box would save several times).
    first = next(item for item in items if item.version.type in ("single", "true_false"))
    late = next(item for item in items if item != first and item.version.type in ("single", "true_false"))
    answer_card(page, first, correct=True)
    expect(page.locator("#attempt-status")).to_contain_text("Saved" if locale == "en-US" else "已保存")
    Attempt.objects.filter(pk=attempt.pk).update(deadline_at=timezone.now() - timedelta(seconds=1))

    answer_card(page, late, correct=True)  # its save is refused: the page hands the paper in
    page.wait_for_url(f"**/study/attempts/{attempt.pk}/result/")
    expect(page.locator("#time-up-note")).to_contain_text(HANDED_IN[locale])
    screenshot(page, f"records-exam-late-{locale}-{'phone' if phone else 'desktop'}")
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.EXPIRED
    assert attempt.score == first.points  # the answer saved in time counts; the late one not
