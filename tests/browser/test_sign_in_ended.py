"""A live page whose sign-in ends (signed out in another tab, the account deactivated) says so
over everything, in the page's language, with a link to sign in again and come back: the big
screens above all, which otherwise stood still with no word of why. So does a page the server
refuses (4403: the account's access changed since the page was opened, and its connection came
back), with what to do; and its connection status then says the connection ended, not that it
is reconnecting."""

import re

import pytest
from django.conf import settings
from playwright.sync_api import expect

from calls import judges
from contests import services
from contests.wizard import services as wizard
from orgs import services as org_services
from orgs.models import User
from tests import factories
from tests.calls.night import speech_night

pytestmark = pytest.mark.browser

BIG_SCREEN = {"width": 1920, "height": 1080}
DESKTOP = {"width": 1366, "height": 900}
SIGNED_OUT = {
    "zh-hans": ("连接已结束", "此浏览器已退出登录，本页面已停止更新。请重新登录后继续。", "重新登录"),
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


REFUSED_TITLE = {"zh-hans": "无权进入本页面", "en": "Not admitted to this page"}
NOT_IN_AUDIENCE = {
    "zh-hans": (
        "此账号无权显示本大屏：只有举办单位的组织者及该单位的成员可以显示。请以其中一位的身份登录，或联系组织者。"
    ),
    "en": (
        "This account may not show this screen: only organisers of the unit holding it and members of that unit "
        "may. Sign in as one of them, or ask the organiser."
    ),
}
NOT_IN_CONTEST = {
    "zh-hans": (
        "此账号不在本场竞赛的参赛队伍中，本页面已停止更新。请联系竞赛的组织者将您加入所在队伍，或以本手机对应的队员账号登录。"
    ),
    "en": (
        "This account is not on a team of this contest, so this page has stopped. Ask the contest’s organiser to "
        "put you on your team, or sign in as the team member this phone is for."
    ),
}
CONNECTION = {
    "zh-hans": {"online": "已连接", "ended": "连接已结束"},
    "en": {"online": "Connected", "ended": "Connection ended"},
}


def sockets_through_the_test(page) -> list:
    """Route the page's live sockets through the test (to the real server), so that the test can
    drop one as a Wi-Fi blip would: `routes[-1].close()`; the page then reconnects."""
    routes = []

    def through(socket):
        socket.connect_to_server()
        routes.append(socket)

    page.route_web_socket(re.compile(r"/ws/"), through)
    return routes


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_big_screen_refused_after_a_reconnect_says_why_at_hall_size_and_signs_in_as_another_user(
    asgi_server, contest, signed_in_page, screenshot, language
):
    code = contest["contest"].join_code
    screen = in_language(signed_in_page(contest["watcher"], viewport=BIG_SCREEN), asgi_server, language)
    routes = sockets_through_the_test(screen)
    screen.goto(f"{asgi_server}/contests/{code}/screen/")
    screen.locator("#scoreboard li", has_text="红队").wait_for()  # the socket's snapshot arrived

    # The watcher moves to another organ, out of the contest's audience; then the hall's Wi-Fi blips.
    org_services.member_move(member=contest["watcher"], unit=factories.unit_at("财政部", kind="organ"))
    routes[-1].close()

    notice = screen.locator("#sign-in-ended")
    expect(notice).to_be_visible()
    expect(screen.locator("#sign-in-ended-title")).to_have_text(REFUSED_TITLE[language])
    expect(screen.locator("#sign-in-ended-reason")).to_have_text(NOT_IN_AUDIENCE[language])
    expect(screen.locator("#sign-in-again")).to_be_hidden()  # signed in still: it would come straight back
    expect(screen.locator("#try-again")).to_have_attribute("href", f"/contests/{code}/screen/")
    screenshot(screen, f"refused-screen-{language}-1920x1080")
    # Readable from the back of the hall, as the sign-in notice is.
    reason_px = float(screen.locator("#sign-in-ended-reason").evaluate("e => getComputedStyle(e).fontSize")[:-2])
    assert reason_px == pytest.approx(BIG_SCREEN["width"] * 0.03, abs=1)
    assert len(routes) == 2  # one reconnect, refused, and no other

    # Signing in as someone who may show it (the organiser) brings the screen back.
    screen.click("#sign-in-as-other")
    screen.fill("#id_username", "host")
    screen.fill("#id_password", factories.PASSWORD)
    screen.click("#login-submit")
    screen.wait_for_url(f"**/contests/{code}/screen/")
    screen.locator("#scoreboard li", has_text="红队").wait_for()
    expect(screen.locator("#sign-in-ended")).to_be_hidden()


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_phone_taken_off_its_team_says_why_and_its_status_says_the_connection_ended(
    asgi_server, contest, signed_in_page, screenshot, language
):
    code = contest["contest"].join_code
    red0 = User.objects.get(username="red0")
    phone = in_language(signed_in_page(red0, phone=True), asgi_server, language)
    routes = sockets_through_the_test(phone)
    phone.goto(f"{asgi_server}/contests/{code}/play/")
    expect(phone.locator("#connection")).to_have_text(CONNECTION[language]["online"])

    # The organiser takes the team off the contest before it starts; the phone's connection drops.
    team = contest["contest"].teams.get(name="红队")
    wizard.team_remove(team=team, by=User.objects.get(username="host"))
    routes[-1].close()

    expect(phone.locator("#sign-in-ended")).to_be_visible()
    expect(phone.locator("#sign-in-ended-title")).to_have_text(REFUSED_TITLE[language])
    expect(phone.locator("#sign-in-ended-reason")).to_have_text(NOT_IN_CONTEST[language])
    expect(phone.locator("#sign-in-as-other")).to_be_visible()
    expect(phone.locator("#connection")).to_have_text(CONNECTION[language]["ended"])
    screenshot(phone, f"refused-phone-{language}-390x844")


NOT_JUDGE = {
    "zh-hans": "此账号不在本场演讲比赛的评委组中。请用组织者发给您的评委账号登录，或联系组织者。",
    "en": (
        "This account is not on this speech night’s judging panel. Sign in with the judge account the organiser "
        "gave you, or ask the organiser."
    ),
}


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_night_judge_taken_off_the_panel_is_told_so_after_a_reconnect(
    asgi_server, night, signed_in_page, screenshot, language
):
    judge = night["judges"][0]
    phone = in_language(signed_in_page(judge, phone=True), asgi_server, language)
    routes = sockets_through_the_test(phone)
    phone.goto(f"{asgi_server}/calls/{night['call'].pk}/night/judge/")
    expect(phone.locator("#connection")).to_have_text(CONNECTION[language]["online"])

    judges.judge_withdraw(call=night["call"], judge=judge, by=night["host"], reason="病假")
    routes[-1].close()

    expect(phone.locator("#sign-in-ended")).to_be_visible()
    expect(phone.locator("#sign-in-ended-title")).to_have_text(REFUSED_TITLE[language])
    expect(phone.locator("#sign-in-ended-reason")).to_have_text(NOT_JUDGE[language])
    expect(phone.locator("#connection")).to_have_text(CONNECTION[language]["ended"])
    screenshot(phone, f"refused-night-judge-{language}-390x844")


# Counts the sockets a page opens, in the page itself: read at once after the page's timers ran.
COUNT_SOCKETS = """
window.socketsOpened = 0;
window.WebSocket = class extends window.WebSocket {
  constructor(...args) { super(...args); window.socketsOpened += 1; }
};
"""


def test_phone_signed_out_says_the_connection_ended_and_does_not_try_again(asgi_server, contest, signed_in_page):
    code = contest["contest"].join_code
    phone = in_language(signed_in_page(User.objects.get(username="red0"), phone=True), asgi_server, "en")
    phone.add_init_script(COUNT_SOCKETS)
    phone.clock.install()  # time runs as usual, until the test runs the page's timers ahead
    phone.goto(f"{asgi_server}/contests/{code}/play/")
    expect(phone.locator("#connection")).to_have_text("Connected")

    other = phone.context.new_page()  # another tab of the same browser signs out
    other.set_viewport_size(DESKTOP)  # its menu open in the bar, not folded away
    other.goto(f"{asgi_server}/")
    other.click("#user-menu")
    other.click("#logout-button")

    expect(phone.locator("#sign-in-ended")).to_be_visible()
    expect(phone.locator("#connection")).to_have_text("Connection ended")  # it said "Reconnecting…"
    phone.clock.run_for(60_000)  # a reconnect would be due within 15 seconds
    assert phone.evaluate("window.socketsOpened") == 1
    expect(phone.locator("#connection")).to_have_text("Connection ended")


REHEARSAL_RESET = {
    "zh-hans": "排练已重置：新的排练有新的加入码。本连接已结束。",
    "en": "This rehearsal has been reset: the new one has a new join code. This connection has ended.",
}


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_phone_of_a_rehearsal_reset_meanwhile_says_so_with_no_sign_in_to_offer(
    asgi_server, contest, signed_in_page, screenshot, language
):
    """The organiser resets the rehearsal a phone is playing: the phone says so at once (the
    connection ended, the rehearsal reset, with a new code), and offers no sign-in: the account
    is fine, the rehearsal is gone."""
    host = User.objects.get(username="host")
    bank = factories.bank(contest["contest"].unit)
    question = factories.question(bank, "single").current
    services.round_add(contest=contest["contest"], type="compulsory", time_limit_s=60, versions=[question])
    rehearsal = wizard.contest_rehearse(contest=contest["contest"], by=host)
    services.contest_start(contest=rehearsal, by=host)
    phone = in_language(signed_in_page(User.objects.get(username="red0"), phone=True), asgi_server, language)
    phone.goto(f"{asgi_server}/contests/{rehearsal.join_code}/play/")
    expect(phone.locator("#connection")).to_have_text(CONNECTION[language]["online"])

    wizard.contest_rehearse(contest=contest["contest"], by=host, fresh=True)

    expect(phone.locator("#sign-in-ended")).to_be_visible()
    expect(phone.locator("#sign-in-ended-title")).to_have_text(CONNECTION[language]["ended"])
    expect(phone.locator("#sign-in-ended-reason")).to_have_text(REHEARSAL_RESET[language])
    for button in ("#sign-in-again", "#sign-in-as-other", "#try-again"):
        expect(phone.locator(button)).to_be_hidden()
    expect(phone.locator("#connection")).to_have_text(CONNECTION[language]["ended"])
    screenshot(phone, f"rehearsal-reset-phone-{language}-390x844")
