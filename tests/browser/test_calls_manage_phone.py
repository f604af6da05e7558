"""A call's page on a phone: its entries read as cards, as the organiser's other tables do (the
member list, the figures per unit), instead of a table scrolled sideways inside its card with the
Decision column cut to "Deci…"."""

import pytest
from django.conf import settings
from playwright.sync_api import expect

from calls.demo import ESSAY_TITLE
from calls.models import Call
from orgs.models import User
from orgs.selectors import unit_by_path
from tests import factories
from tests.calls.conftest import submitted_essay

pytestmark = pytest.mark.browser

PHONE_WIDTH = 390


def reaches(locator) -> float:
    """Where the element's right edge is, in CSS pixels from the screen's left edge."""
    box = locator.bounding_box()
    return box["x"] + box["width"]


@pytest.mark.parametrize(("language", "recommend"), [("zh-hans", "推荐"), ("en", "Recommend")])
def test_the_entries_of_a_call_fit_a_phone_with_their_decision_in_view(
    asgi_server, demo, signed_in_page, screenshot, language, recommend
):
    call = Call.objects.get(title=ESSAY_TITLE)
    # A branch member's essay, waiting for the office organiser's decision at the branch's level.
    author = factories.member(unit_by_path("审计署/广州特派办/第一党支部"), real_name="林晓")
    entry = submitted_essay(call, author, title="以审计监督推动党的二十届四中全会精神落地见效")
    page = signed_in_page(User.objects.get(username="organiser"), phone=True)
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": asgi_server}])

    page.goto(f"{asgi_server}/calls/manage/{call.pk}/")

    row = page.locator(f"#entry-{entry.pk}")
    expect(row.get_by_role("button", name=recommend)).to_be_visible()
    table_box = page.locator("#review-table").locator("xpath=..")
    # Nothing scrolls sideways: neither the page nor the table inside its card.
    assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") == 0
    assert table_box.evaluate("box => box.scrollWidth - box.clientWidth") == 0
    for cell in row.locator("td").all():
        assert reaches(cell) <= PHONE_WIDTH
    assert reaches(row.get_by_role("button", name=recommend)) <= PHONE_WIDTH
    assert reaches(row.locator("input[name=note]")) <= PHONE_WIDTH
    screenshot(page, f"calls-manage-entries-phone-{language}")
