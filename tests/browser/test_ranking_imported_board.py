"""The boards of items fixed in rankings, as an administrator sees them on a phone and a desktop
in both languages: branches whose members were imported after the headcount day are ranked and
counted (1 / 1, not 1 / –), a tier with more winners than places typed says why, and the rule
form says a count is places counted on from the tier above."""

import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.rankings import test_imported_headcount as imported_case
from tests.rankings import test_prize_places as prize_case
from tests.rankings.test_compute import compute
from tests.rankings.test_imported_headcount import imported  # noqa: F401 (a fixture)
from tests.rankings.test_prize_places import branch  # noqa: F401 (a fixture)

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/shots/rankfix2")
SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1366, "height": 900}}
LANGUAGES = {"zh": "zh-CN", "en": "en-US"}


def shoot(screenshot, page, name: str) -> None:
    taken = screenshot(page, f"rankfix2-{name}")
    if SHOTS.parent.exists():
        SHOTS.mkdir(exist_ok=True)
        shutil.copy(taken, SHOTS / taken.name)


def test_branches_imported_after_the_headcount_day_are_ranked_on_the_board(
    asgi_server,
    imported,  # noqa: F811
    branch,  # noqa: F811
    page_factory,
    signed_in_page,
    screenshot,
):
    units_snapshot = compute(imported_case.rule(imported))
    prizes_snapshot = compute(prize_case.rule(branch, "drop"))
    admin = factories.administrator(imported["audit"], username="boss", at=imported_case.JANUARY)
    statistician = factories.administrator(branch, username="stats")
    for size, viewport in SIZES.items():
        for language, locale in LANGUAGES.items():
            page = signed_in_page(admin, viewport=viewport, locale=locale, phone=size == "phone")
            page.goto(f"{asgi_server}/rankings/{units_snapshot.rule.slug}/")
            expect(page.locator("#counting-rules")).to_contain_text(
                "人数统计日之后" if language == "zh" else "after the headcount day"
            )
            shoot(screenshot, page, f"board-imported-{language}-{size}")
            page = signed_in_page(statistician, viewport=viewport, locale=locale, phone=size == "phone")
            page.goto(f"{asgi_server}/rankings/{prizes_snapshot.rule.slug}/")
            expect(page.locator(".prize-over-places")).to_contain_text("三等奖")
            shoot(screenshot, page, f"board-prizes-{language}-{size}")
            page.goto(f"{asgi_server}/rankings/{prizes_snapshot.rule.slug}/edit/")
            page.select_option("#id_prize_mode", "count")
            expect(page.locator("#tier-rows")).to_be_visible()
            shoot(screenshot, page, f"rule-form-{language}-{size}")
