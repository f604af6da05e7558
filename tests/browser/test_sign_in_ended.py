"""A live page whose sign-in ends (signed out in another tab, the account deactivated) says so
over everything, in the page's language, with a link to sign in again and come back: the big
screens above all, which otherwise stood still with no word of why."""

import pytest
from django.conf import settings
from playwright.sync_api import expect

from contests import services
from orgs import services as org_services
from orgs.models import User
from tests import factories
from tests.calls.night import speech_night

pytestmark = pytest.mark.browser

BIG_SCREEN = {"width": 1920, "height": 1080}
DESKTOP = {"width": 1366, "height": 900}
SIGNED_OUT = {
    "zh-hans": ("连接已中断", "此浏览器已退出登录，本页面已停止更新。请重新登录后继续。", "重新登录"),
    "en": (
        "Connection ended",
        "This browser signed out of the account, so this page has stopped. Sign in again to carry on.",
        "Sign in again",
    ),
}
DEACTIVATED = {
    "zh-hans": "此账号已被停用，本页面已停止更新。请联系本单位的组织者重新启用账号，然后重新登录。",
    "en": (
        "This account has been deactivated, so this page has stopped. "
        "Ask an organiser of your unit to reactivate it, then sign in again."
    ),
}


@pytest.fixture
def contest(transactional_db):
    audit = factories.unit_at("审计署", kind="organ")
    gz1 = factories.unit_at("审计署/广州特派办/第一党支部")
    host = factories.organiser(audit, username="host")
    watcher = factories.member(gz1, username="watcher", real_name="大屏")
    contest = services.contest_create(title="退出登录竞赛", unit=audit, by=host)
    services.team_add(contest=contest, name="红队", unit=gz1, legs=[factories.member(gz1, username="red0")])
    return {"contest": contest, "watcher": watcher}


def in_language(page, asgi_server: str, language: str):
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": asgi_server}])
    return page


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("viewport", [BIG_SCREEN, DESKTOP], ids=["1920x1080", "1366x900"])
def test_big_screen_signed_out_in_another_tab_says_so_and_signs_in_again_back_to_it(
    asgi_server, contest, signed_in_page, screenshot, language, viewport
):
    code = contest["contest"].join_code
    screen = in_language(signed_in_page(contest["watcher"], viewport=viewport), asgi_server, language)
    screen.goto(f"{asgi_server}/contests/{code}/screen/")
    screen.locator("#scoreboard li", has_text="红队").wait_for()  # the socket's snapshot arrived
    notice = screen.locator("#sign-in-ended")
    expect(notice).to_be_hidden()

    # Another tab of the same browser (the same session) signs out.
    other = screen.context.new_page()
    other.goto(f"{asgi_server}/")
    other.click("#user-menu")
    other.click("#logout-button")
    expect(other.locator("#user-menu")).to_have_count(0)  # signed out, the next page arrived

    title, reason, link = SIGNED_OUT[language]
    expect(notice).to_be_visible()
    expect(notice.locator(".qs-sign-in-ended-title")).to_have_text(title)
    expect(screen.locator("#sign-in-ended-reason")).to_have_text(reason)
    again = screen.locator("#sign-in-again")
    expect(again).to_have_text(link)
    expect(again).to_have_attribute("href", f"/accounts/login/?next=/contests/{code}/screen/")
    width = viewport["width"]
    screenshot(screen, f"sign-in-ended-screen-{language}-{width}x{viewport['height']}")
    # Readable from the back of the hall: the reason in screen-sized type (3vw).
    reason_px = float(screen.locator("#sign-in-ended-reason").evaluate("e => getComputedStyle(e).fontSize")[:-2])
    assert reason_px == pytest.approx(width * 0.03, abs=1)

    # The link signs in and comes back to the screen, live again.
    again.click()
    screen.fill("#id_username", "watcher")
    screen.fill("#id_password", factories.PASSWORD)
    screen.click("#login-submit")
    screen.wait_for_url(f"**/contests/{code}/screen/")
    screen.locator("#scoreboard li", has_text="红队").wait_for()
    expect(screen.locator("#sign-in-ended")).to_be_hidden()


@pytest.fixture
def night(transactional_db):
    tree = factories.org_tree()
    setup = speech_night(tree, scoring_seconds=300)
    setup["watcher"] = factories.member(tree["gz1"], username="watcher")
    setup["admin"] = User.objects.create_superuser("root", password=factories.PASSWORD)
    return setup


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_night_screen_and_judge_of_a_deactivated_account_say_so_with_a_sign_in_link(
    asgi_server, night, signed_in_page, screenshot, language
):
    base = f"/calls/{night['call'].pk}/night"
    screen = in_language(signed_in_page(night["watcher"], viewport=BIG_SCREEN), asgi_server, language)
    judge = in_language(signed_in_page(night["judges"][0], phone=True), asgi_server, language)
    screen.goto(f"{asgi_server}{base}/screen/")
    judge.goto(f"{asgi_server}{base}/judge/")
    screen.locator("#entrants", has_text="3").wait_for()  # the socket's snapshot arrived
    judge.locator("#connection", has_text={"zh-hans": "已连接", "en": "Connected"}[language]).wait_for()

    org_services.members_bulk_apply(
        by=night["admin"],
        members=[night["watcher"], night["judges"][0]],
        action=org_services.BulkAction.DEACTIVATE,
    )

    for page, path in ((screen, f"{base}/screen/"), (judge, f"{base}/judge/")):
        expect(page.locator("#sign-in-ended")).to_be_visible()
        expect(page.locator("#sign-in-ended-reason")).to_have_text(DEACTIVATED[language])
        expect(page.locator("#sign-in-again")).to_have_attribute("href", f"/accounts/login/?next={path}")
    screenshot(screen, f"sign-in-ended-night-screen-{language}")
    screenshot(judge, f"sign-in-ended-night-judge-{language}")
