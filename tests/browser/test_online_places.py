"""The online contest's dashboard gives each counting attempt its place and sorts by it, on a
desktop and on a phone, in both languages."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.browser.test_relay_results_fixes import CONSOLE, in_language
from tests.contests.test_online_final import field, finish  # noqa: F401

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/shots/relayfix")
PHONE = {"width": 390, "height": 844}


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_organiser_sorts_the_attempts_by_place(asgi_server, field, signed_in_page, language):  # noqa: F811
    gz, contest = field["gz"], field["contest"]
    finish(contest, factories.member(gz, real_name="甲"), right=2, seconds=5.612)
    finish(contest, factories.member(gz, real_name="乙"), right=2, seconds=4.817)
    finish(contest, factories.member(gz, real_name="丙"), right=3, seconds=9)
    for viewport, name in ((CONSOLE, "desktop"), (PHONE, "phone")):
        page = in_language(signed_in_page(field["by"], viewport=viewport), asgi_server, language)
        page.goto(f"{asgi_server}/contests/online/manage/{contest.pk}/")
        page.locator("#order-place").click()
        expect(page.locator("#order-place")).to_have_class("btn btn-outline-primary active")
        # 丙 3 points; 乙 and 甲 2 each, 乙 quicker (4.817 s against 5.612 s).
        expect(page.locator("#attempts tbody td[data-place]")).to_have_text(["1", "2", "3"])
        expect(page.locator("#attempts tbody tr").nth(1)).to_contain_text("乙")
        expect(page.locator("#attempts tbody tr").nth(1)).to_contain_text("4.8")
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.locator("#attempts").scroll_into_view_if_needed()
        page.screenshot(path=str(SHOTS / f"online-places-{name}-{language}.png"))
