"""A form sent after the session expired is not lost in a blank "405": the sign-in brings the
member back to the page the form was on, which says they were signed out and should send it
again; and a POST-only address opened with GET (a paper's Start) goes to its page. On a phone
and a desktop, in both languages, on the real ASGI server."""

import re

import pytest
from django.conf import settings
from playwright.sync_api import expect

from lessons.models import NotebookEntry, Paper, Question, ReviewLog
from lessons.services.notebook import notebook_add_wrong
from orgs.models import User

pytestmark = pytest.mark.browser

SIGNED_OUT_NOTE = {
    "zh-CN": "您此前已退出登录，刚才提交的内容没有保存。请重新提交。",
    "en-US": "You had been signed out, so what you last sent was not saved. Please send it again.",
}
LAYOUTS = [("zh-CN", True), ("en-US", True), ("zh-CN", False), ("en-US", False)]


def layout(locale: str, phone: bool) -> dict:
    return {"phone": phone, "locale": locale, "viewport": None if phone else {"width": 1366, "height": 900}}


def sign_in_on_this_page(page) -> None:
    page.fill("#id_username", "member")
    page.fill("#id_password", settings.DEMO_PASSWORD)
    page.click("#login-submit")


@pytest.mark.parametrize(("locale", "phone"), LAYOUTS)
def test_a_notebook_check_sent_after_the_session_expired_comes_back_to_the_notebook_to_send_again(
    asgi_server, demo, signed_in_page, screenshot, locale, phone
):
    member = User.objects.get(username="member")
    NotebookEntry.objects.filter(member=member).delete()
    question = Question.objects.filter(current__type="single").order_by("pk").first()
    entry = notebook_add_wrong(member=member, question_id=question.pk)
    page = signed_in_page(member, **layout(locale, phone))
    page.goto(f"{asgi_server}/study/notebook/")
    card = page.locator(f"#entry-{entry.pk}")
    card.locator("input[name=response]").first.check()

    page.context.clear_cookies(name=settings.SESSION_COOKIE_NAME)  # the session has expired
    card.locator(".qs-check").click()
    # The sign-in's way back is the notebook page, not the POST-only address of the check.
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/study/notebook/$"))
    sign_in_on_this_page(page)

    expect(page).to_have_url(f"{asgi_server}/study/notebook/")
    expect(page.locator(".alert-warning")).to_have_text(SIGNED_OUT_NOTE[locale])
    expect(page.locator(f"#entry-{entry.pk} .qs-check")).to_be_visible()  # to send it again
    assert not ReviewLog.objects.filter(entry=entry).exists()  # nothing was checked while signed out
    screenshot(page, f"signed-out-notebook-{locale}-{'phone' if phone else 'desktop'}")

    page.reload()  # the note is said once
    expect(page.locator(f"#entry-{entry.pk} .qs-check")).to_be_visible()
    expect(page.locator(".alert-warning")).to_have_count(0)


@pytest.mark.parametrize(("locale", "phone"), LAYOUTS)
def test_a_papers_start_opened_as_an_address_goes_to_the_study_page_not_a_blank_405(
    asgi_server, demo, signed_in_page, screenshot, locale, phone
):
    paper = Paper.objects.filter(mode=Paper.Mode.EXAM).order_by("pk").first()
    page = signed_in_page(User.objects.get(username="member"), **layout(locale, phone))
    page.goto(f"{asgi_server}/study/papers/{paper.pk}/start/")
    expect(page).to_have_url(f"{asgi_server}/study/")
    expect(page.locator(f".qs-paper[data-mode={paper.mode}] .qs-start").first).to_be_visible()
    assert not paper.attempts.exists()  # opening the address started nothing

    # Signed out, the sign-in of a GET of it lands on that page too.
    page.context.clear_cookies(name=settings.SESSION_COOKIE_NAME)
    page.goto(f"{asgi_server}/study/papers/{paper.pk}/start/")
    expect(page).to_have_url(re.compile(rf"/accounts/login/\?next=/study/papers/{paper.pk}/start/$"))
    sign_in_on_this_page(page)
    expect(page).to_have_url(f"{asgi_server}/study/")
    screenshot(page, f"post-only-get-study-{locale}-{'phone' if phone else 'desktop'}")


SIGNED_OUT_ON_QUESTION = {
    "zh-CN": ("您已退出登录，这道题的答案没有提交。之前的答案都已保存。", "重新登录"),
    "en-US": ("You have been signed out, so this answer was not sent. Your earlier answers are kept.", "Sign in again"),
}


@pytest.mark.parametrize(("locale", "phone"), LAYOUTS)
def test_practice_after_the_session_expired_says_signed_out_and_signs_in_back_to_the_attempt(
    asgi_server, demo, signed_in_page, screenshot, locale, phone
):
    from lessons.models import Answer
    from lessons.selectors import papers_for_member
    from lessons.services.attempts import attempt_start
    from tests.browser.test_study import answer_card

    member = User.objects.get(username="member")
    practice = papers_for_member(member).filter(mode=Paper.Mode.PRACTICE).order_by("pk").first()
    attempt = attempt_start(paper=practice, member=member)
    first, second = attempt.items.select_related("version").order_by("position")[:2]
    page = signed_in_page(member, **layout(locale, phone))
    page.goto(f"{asgi_server}/study/attempts/{attempt.pk}/")
    answer_card(page, first, correct=True)
    page.locator("#q1 .qs-answer-button").click()
    expect(page.locator("#q1 .alert-success")).to_have_count(1)

    page.context.clear_cookies(name=settings.SESSION_COOKIE_NAME)  # the session has expired
    answer_card(page, second, correct=True)
    page.locator("#q2 .qs-answer-button").click()
    note, link = SIGNED_OUT_ON_QUESTION[locale]
    expect(page.locator("#q2 .qs-feedback .alert-warning")).to_have_text(note)  # not DRF's words
    expect(page.locator("#attempt-status")).to_contain_text(note)
    screenshot(page, f"signed-out-practice-{locale}-{'phone' if phone else 'desktop'}")
    assert Answer.objects.filter(item__attempt=attempt).count() == 1  # the first answer, kept

    expect(page.locator("#q2 .qs-sign-in-again")).to_have_text(link)
    page.locator("#q2 .qs-sign-in-again").click()
    expect(page).to_have_url(re.compile(rf"/accounts/login/\?next=/study/attempts/{attempt.pk}/$"))
    sign_in_on_this_page(page)
    expect(page).to_have_url(f"{asgi_server}/study/attempts/{attempt.pk}/")
    expect(page.locator("#q1 .alert-success")).to_have_count(1)  # the answer given before, kept
    expect(page.locator("#q2 .qs-answer-button")).to_be_visible()  # this one to send again
