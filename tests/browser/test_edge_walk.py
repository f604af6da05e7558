"""A practice open in two tabs: tab 1 answers Q1 wrong, then tab 2, still showing Q1 unanswered,
answers it right. Tab 2 got a bare "already answered"; now it shows what was recorded (tab 1's
pick, marked wrong, with the key), and says it was answered in another tab or window."""

import pytest
from django.conf import settings
from playwright.sync_api import expect

from lessons.services.attempts import attempt_start
from tests import factories

pytestmark = pytest.mark.browser

SAID = {
    "zh-hans": ("本题已在另一个标签页或窗口中作答，以下是记录的答案。", "答错了"),
    "en": ("This question was already answered, in another tab or window: here is the answer recorded.", "Not right"),
}


@pytest.mark.parametrize(
    ("language", "viewport"),
    [("zh-hans", {"width": 390, "height": 844}), ("en", {"width": 1366, "height": 900})],
)
def test_a_second_tab_shows_the_answer_recorded_in_the_first_with_its_verdict(
    asgi_server, signed_in_page, tree, language, viewport
):
    bank = factories.bank(tree["audit"])
    questions = [factories.question(bank, "single", key=["A"]), factories.question(bank, "single", key=["A"])]
    paper = factories.paper(
        tree["audit"], mode="practice", questions=questions, shuffle_options=False, shuffle_questions=False
    )
    member = factories.member(tree["gz1"])
    attempt = attempt_start(paper=paper, member=member)
    url = f"{asgi_server}/study/attempts/{attempt.pk}/"
    one, two = (signed_in_page(member, phone=viewport["width"] < 500, viewport=viewport) for _ in range(2))
    for tab in (one, two):
        tab.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": asgi_server}])
        tab.goto(url)

    one.locator("#q1 input[value=B]").check()
    one.locator("#q1 .qs-answer-button").click()
    expect(one.locator("#q1 .qs-verdict")).to_have_attribute("data-verdict", "wrong")

    two.locator("#q1 input[value=A]").check()
    two.locator("#q1 .qs-answer-button").click()
    notice, wrong = SAID[language]
    verdict = two.locator("#q1 .qs-verdict")
    expect(verdict).to_have_attribute("data-verdict", "wrong")
    expect(verdict.locator(".qs-answered-elsewhere")).to_have_text(notice)
    expect(verdict).to_contain_text(wrong)
    # Tab 1's B is the pick shown (marked wrong), A the key; tab 2's own pick is gone.
    expect(two.locator("#q1 input[value=B]")).to_be_checked()
    expect(two.locator("#q1 input[value=A]")).not_to_be_checked()
    expect(two.locator("#q1 .qs-option:has(input[value=A])")).to_have_class("qs-option is-key")
    expect(two.locator("#q1 .qs-option:has(input[value=B])")).to_have_class("qs-option is-wrong")
    expect(two.locator("#q1 .qs-answer-button")).to_have_count(0)
    two.screenshot(path=f"/tmp/shots/edges/second-tab-{language}-{viewport['width']}.png", full_page=True)
