"""On a phone, in both languages: an online contest's attempt that has ended says how (the member
submitted it, or the contest closed), on answering from a page left open and after Back, never
showing its questions as live."""

from datetime import timedelta

import pytest
from django.utils import formats, timezone, translation
from playwright.sync_api import expect

from lessons.models import Attempt
from tests.browser.test_online import contest  # noqa: F401 (the fixture)
from tests.browser.test_shell import sign_in
from tests.browser.test_study import answer_card

pytestmark = pytest.mark.browser

LOCALES = ["zh-CN", "en-US"]
SUBMITTED = {"zh-CN": "您已交卷。", "en-US": "You submitted this attempt."}
CLOSED = {"zh-CN": "本次作答已结束：竞赛已截止。", "en-US": "This attempt has ended: the contest has closed."}
CLOSED_ON_SAVE = {
    "zh-CN": "本次作答已结束：竞赛已于 {t} 截止。截止前保存的答案有效。",
    "en-US": "This attempt has ended: the contest closed at {t}. The answers saved by then count.",
}


def start(page, live_server, contest) -> Attempt:  # noqa: F811
    sign_in(page, live_server.url, "member")
    page.goto(f"{live_server.url}/contests/online/{contest.pk}/")
    page.click("#start-button")
    page.wait_for_url("**/contests/online/attempts/*/")
    return Attempt.objects.get(member__username="member", paper=contest.paper)


@pytest.mark.parametrize("locale", LOCALES)
def test_back_after_submitting_shows_the_attempt_was_submitted_not_its_questions(
    live_server,
    contest,  # noqa: F811
    page_factory,
    screenshot,
    locale,
):
    page = page_factory(phone=True, locale=locale)
    attempt = start(page, live_server, contest)
    answer_card(page, attempt.items.select_related("version").get(position=1), correct=True)
    expect(page.locator(".qs-sheet-cell.is-answered")).to_have_count(1)
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#submit-button")
    page.wait_for_url("**/result/")

    page.go_back()
    ended = page.locator("#attempt-ended")
    expect(ended).to_contain_text(SUBMITTED[locale])
    expect(ended).to_have_attribute("data-ended", "submitted")
    expect(page.locator(".qs-question")).to_have_count(0)
    screenshot(page, f"online-attempt-submitted-{locale}-phone")
    page.click("#ended-result-link")
    page.wait_for_url(f"**/contests/online/attempts/{attempt.pk}/result/")


@pytest.mark.parametrize("locale", LOCALES)
def test_a_page_left_open_past_the_contests_close_says_it_closed_on_answering_and_after_back(
    live_server,
    contest,  # noqa: F811
    page_factory,
    screenshot,
    locale,
):
    page = page_factory(phone=True, locale=locale)
    attempt = start(page, live_server, contest)
    items = list(attempt.items.select_related("version").order_by("position"))
    answer_card(page, items[0], correct=True)
    expect(page.locator(".qs-sheet-cell.is-answered")).to_have_count(1)
    # The organiser's window ends while the page is open (as if it had been set to close now):
    # the attempt's deadline is the close.
    closes = timezone.now().replace(microsecond=0) - timedelta(seconds=1)
    contest.paper.closes_at = closes
    contest.paper.save(update_fields=["closes_at"])
    Attempt.objects.filter(pk=attempt.pk).update(deadline_at=closes)

    page.click("#next-button")
    answer_card(page, items[1], correct=True)
    with translation.override("en" if locale.startswith("en") else "zh-hans"):  # as the page writes it
        stamp = formats.date_format(timezone.localtime(closes), "SHORT_DATETIME_FORMAT")
    status = page.locator("#attempt-status")
    expect(status).to_contain_text(CLOSED_ON_SAVE[locale].format(t=stamp))
    expect(page.locator("#submit-form")).to_be_hidden()
    screenshot(page, f"online-attempt-closed-on-answer-{locale}-phone")
    page.click("#attempt-status #ended-result-link")
    page.wait_for_url(f"**/contests/online/attempts/{attempt.pk}/result/")

    page.go_back()
    ended = page.locator("#attempt-ended")
    expect(ended).to_contain_text(CLOSED[locale])
    expect(page.locator(".qs-question")).to_have_count(0)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the ended page is {width}px wide on a 390px phone"
    screenshot(page, f"online-attempt-closed-{locale}-phone")
