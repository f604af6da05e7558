"""The wrong-answer notebook on a phone: checking an entry far down a long list comes back to
that entry with its answer on it, not to the top of the page."""

import pytest

from lessons.models import Question
from lessons.services.notebook import notebook_add_wrong
from orgs.models import User
from tests.browser.test_shell import sign_in

pytestmark = pytest.mark.browser


def wait_until_in_view(page, selector: str) -> None:
    """The browser scrolls to the address's #fragment once the page has laid out (fonts loaded)."""
    page.wait_for_function(
        """(selector) => { const box = document.querySelector(selector).getBoundingClientRect();
            return window.scrollY > 0 && box.top >= 0 && box.top < window.innerHeight / 2; }""",
        arg=selector,
        timeout=10_000,
    )


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_checking_the_tenth_entry_comes_back_to_it_with_the_answer_on_it(
    live_server, demo, page_factory, screenshot, locale
):
    member = User.objects.get(username="member")
    questions = Question.objects.filter(current__type="single").order_by("pk")[:12]
    assert len(questions) == 12
    for question in questions:
        notebook_add_wrong(member=member, question_id=question.pk)
    page = page_factory(phone=True, locale=locale)
    sign_in(page, live_server.url, "member")
    page.goto(live_server.url + "/study/notebook/")
    cards = page.locator(".qs-notebook-entry")
    assert cards.count() == 12
    tenth = cards.nth(9)
    entry_id = tenth.get_attribute("id")
    tenth.locator(".qs-option").first.click()
    tenth.locator(".qs-check").click()
    page.wait_for_url(f"**/study/notebook/#{entry_id}")
    # The page is back at the checked entry, which says how the check went; nothing at the top.
    wait_until_in_view(page, f"#{entry_id}")
    assert page.locator(f"#{entry_id} .qs-entry-checked").count() == 1
    assert page.locator("main > .alert").count() == 0
    screenshot(page, f"notebook-checked-entry-{locale}")


def test_a_refused_check_also_comes_back_to_its_entry(live_server, demo, page_factory):
    member = User.objects.get(username="member")
    for question in Question.objects.filter(current__type="single").order_by("pk")[:12]:
        notebook_add_wrong(member=member, question_id=question.pk)
    page = page_factory(phone=True)
    sign_in(page, live_server.url, "member")
    page.goto(live_server.url + "/study/notebook/")
    tenth = page.locator(".qs-notebook-entry").nth(9)
    entry_id = tenth.get_attribute("id")
    tenth.locator(".qs-check").click()  # nothing chosen
    page.wait_for_url(f"**/study/notebook/#{entry_id}")
    wait_until_in_view(page, f"#{entry_id}")
    assert page.locator(f"#{entry_id} .alert-danger").count() == 1
