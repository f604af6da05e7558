"""A host, a big screen and two teams of three phones in real Chromium pages: a relay round and
a buzzer round, over WebSockets, from open to podium."""

import re

import pytest
from django.conf import settings

from contests import services
from contests.models import ContestAnswer, Round
from tests import factories
from tests.processes import wait_for

pytestmark = pytest.mark.browser


@pytest.fixture
def hall(transactional_db):
    tree = {
        "audit": factories.unit_at("审计署", kind="organ"),
        "gz1": factories.unit_at("审计署/广州特派办/第一党支部"),
        "gz2": factories.unit_at("审计署/广州特派办/第二党支部"),
    }
    bank = factories.bank(tree["audit"])
    host = factories.organiser(tree["audit"], username="host", real_name="主持人")
    watcher = factories.member(tree["gz1"], username="watcher")
    red = [factories.member(tree["gz1"], username=f"red{n}", real_name=f"红{n}") for n in range(3)]
    blue = [factories.member(tree["gz2"], username=f"blue{n}", real_name=f"蓝{n}") for n in range(3)]
    contest = services.contest_create(title="浏览器竞赛", unit=tree["audit"], by=host)
    services.team_add(contest=contest, name="红队", unit=tree["gz1"], legs=red)
    services.team_add(contest=contest, name="蓝队", unit=tree["gz2"], legs=blue)
    single = [factories.question(bank, "single", options=["甲", "乙", "丙"], key=["A"]).current for _ in range(3)]
    services.round_add(contest=contest, type=Round.Type.RELAY, title="接力赛", versions=single[:2], time_limit_s=60)
    services.round_add(
        contest=contest,
        type=Round.Type.BUZZER,
        title="抢答题",
        versions=single[2:],
        points=20,
        penalty=10,
        early_buzz_penalty=5,
        time_limit_s=60,
    )
    return {"contest": contest, "host": host, "watcher": watcher, "red": red, "blue": blue}


def score_on(screen, team: str) -> str:
    return screen.locator("#scoreboard li", has_text=team).locator(".score").inner_text()


def test_host_screen_and_two_teams_through_relay_and_buzzer_rounds(asgi_server, hall, signed_in_page, screenshot):
    code = hall["contest"].join_code
    host = signed_in_page(hall["host"])
    screen = signed_in_page(hall["watcher"], viewport={"width": 1600, "height": 900})
    phones = {user.username: signed_in_page(user, phone=True) for user in hall["red"] + hall["blue"]}
    host.goto(f"{asgi_server}/contests/{code}/host/")
    screen.goto(f"{asgi_server}/contests/{code}/screen/")
    for page in phones.values():
        page.goto(f"{asgi_server}/contests/{code}/play/")
    for page in [host, *phones.values()]:
        page.locator("#connection", has_text="已连接").wait_for()
    assert screen.locator("#join-code").inner_text() == code
    screenshot(screen, "contest-screen-idle")

    host.click("#start-button")
    # Relay question 1: the first leg of each team answers; teammates see whose turn it is.
    host.click("#open-button")
    red0, red1, blue0 = phones["red0"], phones["red1"], phones["blue0"]
    red0.get_by_text("轮到您了").wait_for()
    red1.locator("#stage-message", has_text="轮到 红0").wait_for()  # its own frame, maybe a moment later
    assert red1.locator("#controls button").count() == 0
    screen.locator("#phase", has_text="开始作答").wait_for()
    red0.locator("#controls button", has_text="A").click()
    red0.get_by_text("答案已提交").wait_for()
    blue0.locator("#controls button", has_text="B").click()
    blue0.get_by_text("答案已提交").wait_for()
    # The open carries no board for phones (no score changed): the phone keeps the one it had.
    assert red1.locator("#scores li").count() == 2
    screenshot(red1, "contest-phone-teammate")
    # Every team that may answer has answered: the question closes by itself, its key appears on
    # the console and the buttons move down a line. Reveal once the console shows it closed: a
    # click aimed while the key line came in could land beside the button (it failed once in CI).
    host.locator("#where", has_text="作答已结束").wait_for()
    host.click("#reveal-button")
    screen.locator("#phase", has_text="答案").wait_for()
    screen.locator("#scoreboard li", has_text="红队").locator(".score", has_text="110").wait_for()
    assert score_on(screen, "蓝队") == "100"  # relay: no deduction

    # Relay question 2: the baton has passed to the second legs.
    host.click("#open-button")
    red1.get_by_text("轮到您了").wait_for()
    assert red0.locator("#controls button").count() == 0
    red1.locator("#controls button", has_text="A").click()
    phones["blue1"].locator("#controls button", has_text="A").click()
    red1.get_by_text("答案已提交").wait_for()
    phones["blue1"].get_by_text("答案已提交").wait_for()
    # Every team that may answer has answered: the question closes by itself, its key appears on
    # the console and the buttons move down a line. Reveal once the console shows it closed: a
    # click aimed while the key line came in could land beside the button (it failed once in CI).
    host.locator("#where", has_text="作答已结束").wait_for()
    host.click("#reveal-button")
    screen.locator("#scoreboard li", has_text="红队").locator(".score", has_text="120").wait_for()

    # Buzzer: shown for reading; an early buzz is a foul; then the first valid buzz wins.
    host.click("#open-button")
    blue0.get_by_text("请读题").wait_for()
    blue0.locator(".qs-buzz").click()
    blue0.get_by_text("抢答过早").wait_for()
    # The buzzer is on the phone while the question is read too (buzzing then is a foul):
    # buzz once the phone has seen the question open.
    phones["red2"].get_by_text("请读题").wait_for()
    host.click("#open-button")
    phones["red2"].get_by_text("请读题").wait_for(state="hidden")
    phones["red2"].locator(".qs-buzz").click()
    phones["red2"].get_by_text("轮到您了").wait_for()
    phones["red2"].locator("#controls button", has_text="A").click()
    phones["red2"].get_by_text("答案已提交").wait_for()
    screenshot(screen, "contest-screen-buzzer")
    # Every team that may answer has answered: the question closes by itself, its key appears on
    # the console and the buttons move down a line. Reveal once the console shows it closed: a
    # click aimed while the key line came in could land beside the button (it failed once in CI).
    host.locator("#where", has_text="作答已结束").wait_for()
    host.click("#reveal-button")
    screen.locator("#scoreboard li", has_text="红队").locator(".score", has_text="140").wait_for()
    assert score_on(screen, "蓝队") == "105"  # 110 after relay, minus 5 for the early buzz
    screenshot(screen, "contest-screen-revealed")
    screenshot(host, "contest-host")

    host.once("dialog", lambda dialog: dialog.accept())  # "End the contest now?"
    host.click("#finish-button")
    screen.locator("#podium .place-1", has_text="红队").wait_for()
    screenshot(screen, "contest-screen-podium")
    assert ContestAnswer.objects.filter(opening__contest=hall["contest"]).count() == 5

    host.goto(f"{asgi_server}/contests/{code}/results/")
    assert "红队" in host.locator("#results-table tbody tr").first.inner_text()


@pytest.mark.parametrize(
    ("browser_locale", "page_language", "connected", "time_shape"),
    [
        ("en-US", "zh-hans", "已连接", r"\d{1,2}:\d{2}:\d{2}"),
        ("zh-CN", "en", "Connected", r"\d{1,2}:\d{2}:\d{2} [AP]M"),
    ],
)
def test_host_console_log_writes_times_in_the_pages_language_not_the_browsers(
    asgi_server, hall, signed_in_page, browser_locale, page_language, connected, time_shape
):
    host = signed_in_page(hall["host"], locale=browser_locale)
    host.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": page_language, "url": asgi_server}])
    host.goto(f"{asgi_server}/contests/{hall['contest'].join_code}/host/")
    host.locator("#connection", has_text=connected).wait_for()
    host.click("#start-button")
    entry = host.locator("#audit li").first
    entry.wait_for()
    assert re.fullmatch(time_shape + " · 主持人 · .+", entry.inner_text()), entry.inner_text()


def test_a_blank_fill_in_is_not_sent_and_the_host_hears_it_was_the_last_question(
    asgi_server, transactional_db, signed_in_page
):
    """Submit with every blank empty says what is missing and sends nothing: the team's one
    answer to the question is still there for the member to give. Once the only question is
    revealed, the console says that Finish is the way on."""
    unit = factories.unit_at("审计署/广州特派办/第一党支部")
    host = factories.organiser(unit, username="host", real_name="主持人")
    runner = factories.member(unit, username="runner", real_name="跑者")
    contest = services.contest_create(title="填空接力", unit=unit, by=host)
    services.team_add(contest=contest, name="红队", unit=unit, legs=[runner])
    fill = factories.question(factories.bank(unit), "fill_blank").current
    services.round_add(contest=contest, type=Round.Type.RELAY, title="接力赛", versions=[fill], time_limit_s=120)
    console = signed_in_page(host)
    phone = signed_in_page(runner, phone=True)
    console.goto(f"{asgi_server}/contests/{contest.join_code}/host/")
    phone.goto(f"{asgi_server}/contests/{contest.join_code}/play/")
    for page in (console, phone):
        page.locator("#connection", has_text="已连接").wait_for()
    console.click("#start-button")
    console.click("#open-button")
    phone.get_by_text("轮到您了").wait_for()

    phone.locator("#controls button", has_text="提交答案").click()
    phone.locator("#controls [role=alert]", has_text="请先选择或填写答案").wait_for()
    assert not ContestAnswer.objects.filter(opening__contest=contest).exists()

    phone.locator("#controls input").fill("1921")
    phone.locator("#controls button", has_text="提交答案").click()
    phone.get_by_text("答案已提交").wait_for()
    answers = ContestAnswer.objects.filter(opening__contest=contest)
    wait_for(answers.exists, timeout=15, what="the stored answer")
    assert [(a.member_id, a.is_correct) for a in answers] == [(runner.pk, True)]

    # The only question revealed: the console says that Finish is the way on (no next to show).
    assert console.locator("#last-question").is_hidden()
    console.click("#reveal-button")
    console.locator("#last-question", has_text="这是最后一题").wait_for()
    assert console.locator("#open-button").is_hidden()
