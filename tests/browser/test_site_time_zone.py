"""Times written by the pages' scripts are the site's (settings.TIME_ZONE, Asia/Shanghai), as the
server-rendered pages show them, whatever clock zone the device keeps: a member's phone abroad or
a lobby PC set to New York time showed New York's clock in the "saved at" and "updated at" times.

Every moment here is 2026-07-01 01:02:03 UTC: in Shanghai (UTC+8) 09:02:03 in the morning, in New
York (UTC-4 in July) 21:02:03 the evening before.
"""

import json
import re
from datetime import UTC, datetime

import pytest
from django.conf import settings
from playwright.sync_api import expect

from lessons.models import Attempt
from tests.browser.test_online import contest  # noqa: F401  (the fixture)
from tests.browser.test_shell import sign_in
from tests.browser.test_study import answer_card, start_paper

pytestmark = pytest.mark.browser

MOMENT = datetime(2026, 7, 1, 1, 2, 3, tzinfo=UTC)
# The time in Shanghai, each language's way (Chromium may put a narrow space before AM).
SHANGHAI = {"zh-hans": r"09:02:03", "en": r"09:02:03\sAM"}
SAVED = {"zh-hans": "已保存", "en": "Saved"}
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}


def new_york_page(page_factory, server: str, language: str, **kwargs):
    page = page_factory(timezone_id="America/New_York", locale="en-US", **kwargs)
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": server}])
    return page


def both_sizes(page, screenshot, name: str) -> None:
    for size, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        page.set_viewport_size(viewport)
        screenshot(page, f"{name}-{size}")


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_exams_saved_time_is_the_sites_clock_on_a_phone_keeping_new_york_time(
    live_server,
    demo,
    page_factory,
    screenshot,
    language,
):
    assert settings.TIME_ZONE == "Asia/Shanghai"
    page = new_york_page(page_factory, live_server.url, language, phone=True)
    page.clock.set_fixed_time(MOMENT)
    attempt = start_paper(page, live_server.url, "exam")
    answer_card(page, attempt.items.select_related("version").get(position=1), correct=True)
    expect(page.locator("#attempt-status")).to_have_text(re.compile(rf"{SAVED[language]} · {SHANGHAI[language]}$"))
    both_sizes(page, screenshot, f"site-time-exam-{language}")


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_online_contests_saved_time_is_the_sites_clock_on_a_phone_keeping_new_york_time(
    live_server,
    contest,  # noqa: F811
    page_factory,
    screenshot,
    language,
):
    page = new_york_page(page_factory, live_server.url, language, phone=True)
    page.clock.set_fixed_time(MOMENT)
    sign_in(page, live_server.url, "member")
    page.goto(f"{live_server.url}/contests/online/{contest.pk}/")
    page.click("#start-button")
    page.wait_for_url("**/contests/online/attempts/*/")
    attempt = Attempt.objects.get(member__username="member", paper=contest.paper)
    answer_card(page, attempt.items.select_related("version").get(position=1), correct=True)
    expect(page.locator("#attempt-status")).to_have_text(re.compile(rf"{SAVED[language]} · {SHANGHAI[language]}$"))
    both_sizes(page, screenshot, f"site-time-online-{language}")


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_lobby_screens_updated_time_is_the_sites_clock_on_a_pc_keeping_new_york_time(
    live_server,
    contest,  # noqa: F811
    page_factory,
    screenshot,
    language,
):
    screen = new_york_page(page_factory, live_server.url, language, viewport={"width": 1920, "height": 1080})

    def polled_at_the_moment(route):
        # The figures as the server sends them, at a server time worked out by hand.
        payload = route.fetch().json() | {"server_time": MOMENT.isoformat()}
        route.fulfill(status=200, content_type="application/json", body=json.dumps(payload))

    screen.route("**/screen.json", polled_at_the_moment)
    sign_in(screen, live_server.url, "organiser")
    screen.goto(f"{live_server.url}/contests/online/manage/{contest.pk}/screen/")
    # The server writes the first time; the first poll (after SCREEN_REFRESH_S) rewrites it.
    expect(screen.locator("#updated")).to_have_text(re.compile(rf"^{SHANGHAI[language]}$"), timeout=15_000)
    both_sizes(screen, screenshot, f"site-time-screen-{language}")
