"""A member on a phone: what their thumb can press and what they can read, in both languages."""

import pytest

from lessons.models import Question
from lessons.services.notebook import notebook_add_wrong
from orgs.models import User
from tests.browser.test_shell import sign_in
from tests.browser.test_study import start_paper

pytestmark = pytest.mark.browser

# Every control a finger presses, within the page (the navbar's own are checked by its tests).
CONTROLS = "main .btn, main .form-control, main .form-select, main .page-link"


def controls_shorter_than(page, pixels: int) -> list[str]:
    return page.evaluate(
        """([selector, pixels]) => Array.from(document.querySelectorAll(selector))
            .filter((el) => el.getClientRects().length && el.getBoundingClientRect().height < pixels)
            .map((el) => `${el.className} "${(el.innerText || el.value || "").trim()}" `
                + el.getBoundingClientRect().height)""",
        [CONTROLS, pixels],
    )


def test_every_button_field_and_page_link_is_tall_enough_for_a_finger(live_server, demo, page_factory):
    """Bootstrap's small buttons and fields are 31 px tall and its others 38: the notebook's
    filter and Check, the notifications' Open, the points' page links were under 40 px."""
    member = User.objects.get(username="member")
    notebook_add_wrong(member=member, question_id=Question.objects.filter(current__type="single").first().pk)
    page = page_factory(phone=True)
    sign_in(page, live_server.url, "member")
    for path in ("/study/notebook/", "/notifications/", "/study/points/", "/lessons/", "/study/"):
        page.goto(live_server.url + path)
        assert page.locator(CONTROLS).count(), path
        assert controls_shorter_than(page, 44) == [], path
    # A mouse is precise: a laptop keeps Bootstrap's sizes.
    desktop = page_factory()
    sign_in(desktop, live_server.url, "member")
    desktop.goto(live_server.url + "/study/notebook/")
    assert controls_shorter_than(desktop, 40) != []


def test_the_home_shows_each_tasks_whole_title_on_a_phone(live_server, demo, page_factory):
    """A title longer than the phone's line was cut (2026 年党史知识网上答题（演…)."""
    page = page_factory(phone=True)
    sign_in(page, live_server.url, "member")
    titles = page.locator("#today-tasks .qs-task .fw-semibold, #my-places .fw-semibold")
    assert titles.count() >= 3
    for title in titles.all():
        assert title.evaluate("el => el.scrollWidth <= el.clientWidth"), title.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_an_exams_bar_shows_its_whole_title_and_kind_on_a_phone_in_english(live_server, demo, page_factory):
    page = page_factory(phone=True, locale="en-US")
    start_paper(page, live_server.url, "exam")
    bar_title = page.locator("#attempt-bar h1")
    assert bar_title.inner_text() == "2026 Party Constitution and rules test"
    assert bar_title.evaluate("el => el.parentElement.scrollWidth <= el.parentElement.clientWidth")
    badge = page.locator("#paper-mode").bounding_box()
    assert badge["x"] + badge["width"] <= 390 and page.locator("#paper-mode").inner_text() == "Timed exam"


def test_english_pages_draw_curly_quotes_narrow_not_full_width(live_server, demo, page_factory):
    """The body font is a Chinese one, whose “ ” are a full em wide: English text read
    'the contest “2026 Party ...”' with a gap each side of the title."""

    def quote_width_in_em(page) -> float:
        return page.evaluate(
            """() => { const span = document.createElement("span"); span.textContent = "“";
                document.querySelector("main").append(span);
                const em = parseFloat(getComputedStyle(span).fontSize);
                return span.getBoundingClientRect().width / em; }"""
        )

    english = page_factory(phone=True, locale="en-US")
    sign_in(english, live_server.url, "member")
    english.goto(live_server.url + "/notifications/")
    assert "“" in english.locator("main").inner_text()
    assert quote_width_in_em(english) < 0.6
    chinese = page_factory(phone=True)
    sign_in(chinese, live_server.url, "member")
    chinese.goto(live_server.url + "/notifications/")
    assert quote_width_in_em(chinese) > 0.9  # Chinese keeps its full-width quotes
