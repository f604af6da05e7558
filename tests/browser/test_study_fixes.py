"""On a phone and a desktop, in both languages: Back after finishing a practice shows that the
attempt has ended (not live questions), and a member takes a notebook entry out and undoes it."""

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from lessons.models import NotebookEntry, Question
from lessons.services.notebook import notebook_add_wrong
from orgs.models import User
from tests.browser.test_shell import sign_in
from tests.browser.test_study import answer_card, start_paper

pytestmark = pytest.mark.browser

ENDED = {"zh-CN": "本次作答已结束。", "en-US": "This attempt has ended."}
LAYOUTS = [("zh-CN", True), ("en-US", True), ("zh-CN", False), ("en-US", False)]


@pytest.mark.parametrize(("locale", "phone"), LAYOUTS)
def test_back_after_finishing_a_practice_shows_it_has_ended_with_its_result(
    live_server, demo, page_factory, screenshot, locale, phone
):
    page = page_factory(phone=phone, locale=locale, viewport=None if phone else {"width": 1366, "height": 900})
    attempt = start_paper(page, live_server.url, "practice")
    answer_card(page, attempt.items.select_related("version").get(position=1), correct=True)
    page.locator("#q1 .qs-answer-button").click()
    expect(page.locator("#q1 .alert-success")).to_have_count(1)
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#finish-button")
    page.wait_for_url("**/result/")

    page.go_back()
    ended = page.locator("#attempt-ended")
    expect(ended).to_contain_text(ENDED[locale])
    expect(page.locator(".qs-answer-button")).to_have_count(0)
    screenshot(page, f"studyfix-attempt-ended-{locale}-{'phone' if phone else 'desktop'}")
    page.click("#ended-result-link")
    page.wait_for_url(f"**/study/attempts/{attempt.pk}/result/")


@pytest.mark.parametrize(("locale", "phone"), LAYOUTS)
def test_a_page_left_open_after_finishing_says_the_attempt_has_ended_on_answering(
    live_server, demo, page_factory, screenshot, locale, phone
):
    page = page_factory(phone=phone, locale=locale, viewport=None if phone else {"width": 1366, "height": 900})
    attempt = start_paper(page, live_server.url, "practice")
    # Finished in another tab: this page still shows the questions.
    context = page.context
    other = context.new_page()
    other.goto(page.url)
    other.once("dialog", lambda dialog: dialog.accept())
    other.click("#finish-button")
    other.wait_for_url("**/result/")
    other.close()

    answer_card(page, attempt.items.select_related("version").get(position=2), correct=True)
    page.locator("#q2 .qs-answer-button").click()
    expect(page.locator("#q2 .alert-warning")).to_have_text(ENDED[locale])
    expect(page.locator("#attempt-status")).to_contain_text(ENDED[locale])
    expect(page.locator(".qs-answer-button")).to_have_count(0)
    screenshot(page, f"studyfix-attempt-stale-{locale}-{'phone' if phone else 'desktop'}")
    page.click("#attempt-status #ended-result-link")
    page.wait_for_url(f"**/study/attempts/{attempt.pk}/result/")


@pytest.mark.parametrize(("locale", "phone"), LAYOUTS)
def test_member_takes_a_notebook_entry_out_and_undoes_it(live_server, demo, page_factory, screenshot, locale, phone):
    member = User.objects.get(username="member")
    NotebookEntry.objects.filter(member=member).delete()
    for question in Question.objects.filter(current__type="single").order_by("pk")[:3]:
        notebook_add_wrong(member=member, question_id=question.pk)
    page = page_factory(phone=phone, locale=locale, viewport=None if phone else {"width": 1366, "height": 900})
    sign_in(page, live_server.url, "member")
    page.goto(live_server.url + "/study/")
    expect(page.locator("#not-mastered-count")).to_contain_text("3")
    screenshot(page, f"studyfix-study-home-{locale}-{'phone' if phone else 'desktop'}")
    page.goto(live_server.url + "/study/notebook/")
    expect(page.locator(".qs-notebook-entry")).to_have_count(3)
    screenshot(page, f"studyfix-notebook-{locale}-{'phone' if phone else 'desktop'}")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"the notebook is {width}px wide"

    page.locator(".qs-notebook-entry").first.locator(".qs-remove").click()
    expect(page.locator(".qs-notebook-entry")).to_have_count(2)
    expect(page.locator("#learning-count")).to_have_text("2")
    expect(page.locator("#removed-note")).to_be_visible()
    screenshot(page, f"studyfix-notebook-removed-{locale}-{'phone' if phone else 'desktop'}")
    page.click("#undo-remove")
    expect(page.locator(".qs-notebook-entry")).to_have_count(3)
    expect(page.locator("#learning-count")).to_have_text("3")


def test_a_wrong_answer_that_ends_a_challenge_stops_its_countdown_until_the_result(live_server, demo, page_factory):
    page = page_factory(phone=True)
    page.clock.install()  # the page's timers run on a clock the test moves
    attempt = start_paper(page, live_server.url, "challenge")
    item = attempt.items.select_related("version").exclude(deadline_at=None).order_by("position").first()
    countdown = page.locator("#countdown")
    expect(countdown).not_to_have_text("--:--")
    # Held still from here: the countdown moves only when the test moves the clock.
    page.clock.pause_at(datetime.now(UTC) + timedelta(seconds=2))
    answer_card(page, item, correct=False)
    page.locator(f"#q{item.position} .qs-answer-button").click()
    expect(page.locator(f"#q{item.position} .qs-verdict")).to_have_attribute("data-verdict", "wrong")
    shown = countdown.inner_text()
    # A second on, ticking every 250 ms, it would read a second less (it went on to 00:18 beside
    # "Challenge ended"); the result page comes only 1.2 s after the verdict.
    page.clock.run_for(1000)
    expect(countdown).to_have_text(shown)
    expect(countdown).to_have_class("qs-countdown is-stopped")
    page.clock.run_for(500)
    page.wait_for_url(f"**/study/attempts/{attempt.pk}/result/")
