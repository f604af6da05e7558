"""The host console after a tester's relay walk: Finish with a question open warns that it scores
the answers given, and does; a finished contest shows no rulings or adjustments; a contest that
cannot start says what it lacks, with a link to the set-up step."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from contests import services
from contests.models import Round
from tests import factories

pytestmark = pytest.mark.browser

CONSOLE = {"width": 1366, "height": 900}
SCREEN = {"width": 1920, "height": 1080}
CONNECTED = {"zh-hans": "已连接", "en": "Connected"}
SHOTS = Path("/tmp/shots/relay")


def shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def in_language(page, server: str, language: str):
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": server}])
    return page


@pytest.fixture
def hall(transactional_db):
    audit = factories.unit_at("审计署", kind="organ")
    gz1 = factories.unit_at("审计署/广州特派办/第一党支部")
    gz2 = factories.unit_at("审计署/广州特派办/第二党支部")
    bank = factories.bank(audit)
    host = factories.organiser(audit, username="host", real_name="主持人")
    red = factories.member(gz1, username="red", real_name="红一")
    blue = factories.member(gz2, username="blue", real_name="蓝一")
    contest = services.contest_create(title="接力竞赛", title_en="Relay quiz", unit=audit, by=host)
    services.team_add(contest=contest, name="红队", unit=gz1, legs=[red])
    services.team_add(contest=contest, name="蓝队", unit=gz2, legs=[blue])
    versions = [factories.question(bank, "single", options=["甲", "乙"], key=["A"]).current for _ in range(2)]
    return {"contest": contest, "host": host, "red": red, "blue": blue, "versions": versions, "audit": audit}


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_finish_with_a_question_open_says_it_scores_it_and_the_finished_console_is_final(
    asgi_server, hall, signed_in_page, language
):
    contest, host_user = hall["contest"], hall["host"]
    services.round_add(contest=contest, type=Round.Type.RELAY, versions=hall["versions"], time_limit_s=60)
    services.contest_start(contest=contest, by=host_user)
    opened = services.question_open(contest=contest, by=host_user).opened_at
    # Red answers right after 2 s; blue has not answered when the host presses Finish.
    services.answer_submit(
        contest=contest, member=hall["red"], response="A", client_answer_id="r", at=opened + timedelta(seconds=2)
    )
    code = contest.join_code
    host = in_language(signed_in_page(host_user, viewport=CONSOLE), asgi_server, language)
    phone = in_language(signed_in_page(hall["blue"], phone=True), asgi_server, language)
    screen = in_language(signed_in_page(host_user, viewport=SCREEN), asgi_server, language)
    host.goto(f"{asgi_server}/contests/{code}/host/")
    phone.goto(f"{asgi_server}/contests/{code}/play/")
    screen.goto(f"{asgi_server}/contests/{code}/screen/")
    for page in (host, phone):
        page.locator("#connection", has_text=CONNECTED[language]).wait_for()
    host.locator("#answers tr").nth(1).wait_for()  # red's answer, and blue's "no answer yet"

    asked = []
    host.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    host.locator("#finish-button").click()
    finished = {"zh-hans": "已结束", "en": "Finished"}[language]
    host.locator("#status", has_text=finished).wait_for()
    words = {"zh-hans": "当前题目将立即关闭，已提交的答案照常计分", "en": "the answers given so far are scored"}
    assert words[language] in asked[0], asked

    # Red's right answer was scored: 110 to 100, and nothing left to rule on or adjust.
    host.locator("#scores li", has_text="110").wait_for()
    assert [li.inner_text().split("\n")[0] for li in host.locator("#scores li").all()] == ["1. 红队", "2. 蓝队"]
    host.locator("#results-final").wait_for()
    assert host.locator("#adjust-card").is_hidden()
    assert host.locator("#answers button").count() == 0  # no "Rule right / Rule wrong"
    shot(host, f"host-finished-{language}")
    host.set_viewport_size({"width": 390, "height": 844})
    host.locator("#results-final").wait_for()
    assert host.evaluate("document.documentElement.scrollWidth") <= 390
    shot(host, f"host-finished-phone-{language}")

    phone.locator("#scores li", has_text="110").wait_for()
    shot(phone, f"phone-finished-{language}")
    screen.locator("body", has_text="110").wait_for()
    shot(screen, f"screen-finished-{language}")


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_contest_without_rounds_greys_start_out_says_why_and_links_to_the_rounds_step(
    asgi_server, hall, signed_in_page, language
):
    code = hall["contest"].join_code
    host = in_language(signed_in_page(hall["host"], viewport=CONSOLE), asgi_server, language)
    host.goto(f"{asgi_server}/contests/{code}/host/")
    host.locator("#connection", has_text=CONNECTED[language]).wait_for()
    why = {
        "zh-hans": "请先添加环节再开始：本竞赛已有参赛队，但还没有环节。",
        "en": "Add rounds before starting: the contest has teams but no rounds yet.",
    }[language]
    host.locator("#not-ready", has_text=why).wait_for()
    assert host.locator("#start-button").is_disabled()
    shot(host, f"host-not-ready-{language}")
    host.set_viewport_size({"width": 390, "height": 844})
    assert host.evaluate("document.documentElement.scrollWidth") <= 390
    shot(host, f"host-not-ready-phone-{language}")
    host.locator("#not-ready-link").click()
    host.wait_for_url(f"**/contests/{code}/setup/rounds/")


def test_a_finished_contest_reopened_in_the_console_shows_no_rulings(asgi_server, hall, signed_in_page):
    contest, host_user = hall["contest"], hall["host"]
    services.round_add(contest=contest, type=Round.Type.RELAY, versions=hall["versions"])
    services.contest_start(contest=contest, by=host_user)
    services.question_open(contest=contest, by=host_user)
    services.answer_submit(contest=contest, member=hall["red"], response="B", client_answer_id="r")
    services.question_reveal(contest=contest, by=host_user, at=timezone.now())
    host = in_language(signed_in_page(host_user, viewport=CONSOLE), asgi_server, "en")
    host.goto(f"{asgi_server}/contests/{contest.join_code}/host/")
    host.locator("#answers button", has_text="Rule right").wait_for()  # revealed, running: rulings offered
    host.once("dialog", lambda dialog: dialog.accept())
    host.locator("#finish-button").click()
    host.locator("#status", has_text="Finished").wait_for()
    host.locator("#results-final").wait_for()
    assert host.locator("#answers button").count() == 0 and host.locator("#adjust-card").is_hidden()
    host.reload()
    host.locator("#status", has_text="Finished").wait_for()
    assert host.locator("#answers button").count() == 0 and host.locator("#adjust-card").is_hidden()
