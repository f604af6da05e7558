"""A keyboard and screen-reader walk of a live contest: a phone answering in a relay round, the
host console driving it, and the big screen.

What it found: on the phone the countdown, the connection and the question were plain text, with
no heading; the answer buttons were loose buttons, not a group named by the question; nothing
was said when a question opened, the answer went in, time ran out or the answer was revealed;
and after a tap on an answer the keyboard's place fell to the top of the page (the buttons it
was on were drawn away). On the host console the buttons said "Close" and "Skip" without what,
the score adjustment's boxes were named by their placeholders only, two columns had no header,
a verdict was a bare ✓, every hand-over button read "Hand over" without whose legs, and after
"Close" by keyboard the place fell to the top of the page (the button held, then hidden). The
big screen had no heading and its countdown was not a timer."""

import pytest
from playwright.sync_api import expect

from contests import services
from tests.browser.test_accessibility import unnamed_controls
from tests.browser.test_contest import hall  # noqa: F401 (a fixture)

pytestmark = pytest.mark.browser

# Every text the phone's polite live regions (the line above the question, the verdict below it)
# are given, in order, each with its region's id (a MutationObserver's record).
RECORD_NEWS = """() => {
  window.newsHeard = [];
  for (const region of document.querySelectorAll('#player [role=status]:not(#connection)')) {
    new MutationObserver(() => window.newsHeard.push(region.id + ': ' + region.textContent))
      .observe(region, { childList: true, characterData: true, subtree: true });
  }
}"""


def test_a_phone_says_each_change_once_and_keeps_the_keyboards_place_through_a_relay_question(
    asgi_server,
    hall,  # noqa: F811
    signed_in_page,
):
    code = hall["contest"].join_code
    host = signed_in_page(hall["host"], viewport={"width": 1366, "height": 900})
    phone = signed_in_page(hall["red"][0], phone=True)  # red's first leg: the baton of question 1
    host.goto(f"{asgi_server}/contests/{code}/host/")
    phone.goto(f"{asgi_server}/contests/{code}/play/")
    expect(phone.locator("#stage-message")).to_have_text("等待主持人出题…")  # the snapshot's
    assert phone.evaluate("Array.from(document.querySelectorAll('#player [role=status]')).map((el) => el.id)") == [
        "connection",
        "stage-message",
        "feedback",
    ]
    phone.evaluate(RECORD_NEWS)

    # The phone: one heading, a quiet timer, the connection a status.
    expect(phone.locator("h1")).to_have_text("浏览器竞赛")
    countdown = phone.locator("#countdown")
    expect(countdown).to_have_attribute("role", "timer")
    expect(countdown).to_have_accessible_name("剩余时间")
    assert countdown.get_attribute("aria-live") is None
    expect(phone.locator("#connection")).to_have_attribute("role", "status")

    # The host starts and shows question 1 by keyboard; the place stays on the console's buttons.
    host.locator("#start-button").focus()
    host.keyboard.press("Enter")
    expect(host.locator("#open-button")).to_be_focused()  # Start is gone: the next step took its place
    host.keyboard.press("Enter")
    options = phone.locator("#controls [role=group]")
    expect(options.locator("button")).to_have_count(3)
    stem = phone.locator("#stem").inner_text()
    expect(options).to_have_accessible_name(stem)  # the options are one group, named by the question
    assert unnamed_controls(phone) == []
    expect(phone.locator("#stage-message")).to_have_text("轮到您了：为本队作答！")

    # Red answers A by keyboard: the buttons give way, the place stays on the question's card.
    options.locator("button").first.focus()
    phone.keyboard.press("Enter")
    expect(phone.locator("#stage-message")).to_have_text("答案已提交：A")
    expect(phone.locator("#question-card")).to_be_focused()

    # The host closes answers by keyboard: the place goes to the next step, Reveal.
    host.locator("#close-button").focus()
    host.keyboard.press("Enter")
    expect(host.locator("#reveal-button")).to_be_focused()
    # The phone's own answer, kept, and that answers are closed.
    expect(phone.locator("#stage-message")).to_have_text("答案已提交：A · 作答已结束，等待揭晓答案…")
    host.keyboard.press("Enter")
    expect(phone.locator("#feedback")).to_have_text("答对了 · 本队作答：A · 答案：A")
    # On the host console the verdict is said in words; the ruling is its own column's.
    expect(host.locator("#answers tr").first.locator("[role=img]")).to_have_accessible_name("答对了")
    expect(host.locator("#answers tr").first.get_by_role("button")).to_have_accessible_name("判为错误")

    # Each change said once, in order, the countdown never: shown and open at once (relay; the
    # question itself is read as the options' name), "Sending A…" then its acknowledgement, the
    # close, the stage line emptied and the verdict.
    heard = phone.evaluate("window.newsHeard")
    assert heard == [
        "stage-message: 轮到您了：为本队作答！",
        "stage-message: 正在提交：A…",
        "stage-message: 答案已提交：A",
        "stage-message: 答案已提交：A · 作答已结束，等待揭晓答案…",
        "stage-message: ",
        "feedback: 答对了 · 本队作答：A · 答案：A",
    ]


HEARD_ON_CLOSE = {
    "zh-CN": {
        "received": "答案已提交：A",
        "closed": "作答已结束，等待揭晓答案…",
        "teammate": "本队已作答：A（红0 提交）",
        "verdict": "答对了 · 本队作答：A · 答案：A",
    },
    "en-US": {
        "received": "Answer received: A",
        "closed": "Answers are closed. Waiting for the reveal…",
        "teammate": "Your team answered: A (by 红0)",
        "verdict": "Right · Your team: A · Answer: A",
    },
}


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_a_phone_whose_answer_is_in_hears_answers_close_and_then_the_verdict(
    asgi_server,
    hall,  # noqa: F811
    signed_in_page,
    locale,
):
    """The phone that answered kept "Answer received: A" when answers closed: its polite live
    region did not change, so a screen reader heard nothing of the close (a teammate's phone,
    whose line did change, heard it)."""
    contest, host_user = hall["contest"], hall["host"]
    services.contest_start(contest=contest, by=host_user)
    services.question_open(contest=contest, by=host_user)  # relay: red's first leg holds the baton
    said = HEARD_ON_CLOSE[locale]
    phone = signed_in_page(hall["red"][0], phone=True, locale=locale)
    teammate = signed_in_page(hall["red"][1], phone=True, locale=locale)
    for page in (phone, teammate):
        page.goto(f"{asgi_server}/contests/{contest.join_code}/play/")
    options = phone.locator("#controls [role=group] button")
    expect(options).to_have_count(3)
    for page in (phone, teammate):
        page.evaluate(RECORD_NEWS)
    options.first.click()  # A, the key
    expect(phone.locator("#stage-message")).to_have_text(said["received"])
    expect(teammate.locator("#stage-message")).to_have_text(said["teammate"])

    services.question_close(contest=contest, by=host_user)
    expect(phone.locator("#stage-message")).to_have_text(said["received"] + " · " + said["closed"])
    expect(teammate.locator("#stage-message")).to_have_text(said["teammate"] + " · " + said["closed"])
    services.question_reveal(contest=contest, by=host_user)
    expect(phone.locator("#feedback")).to_have_text(said["verdict"])
    expect(teammate.locator("#feedback")).to_have_text(said["verdict"])

    assert phone.evaluate("window.newsHeard")[-3:] == [
        "stage-message: " + said["received"] + " · " + said["closed"],
        "stage-message: ",
        "feedback: " + said["verdict"],
    ]
    assert teammate.evaluate("window.newsHeard")[-3:] == [
        "stage-message: " + said["teammate"] + " · " + said["closed"],
        "stage-message: ",
        "feedback: " + said["verdict"],
    ]


def test_the_host_consoles_buttons_say_what_they_do_and_every_box_has_a_name(
    asgi_server,
    hall,  # noqa: F811
    signed_in_page,
):
    code = hall["contest"].join_code
    host = signed_in_page(hall["host"], locale="en-US", viewport={"width": 1366, "height": 900})
    host.goto(f"{asgi_server}/contests/{code}/host/")
    host.locator("#start-button").click()
    host.locator("#open-button", has_text="Show the next question").click()
    expect(host.locator("#close-button")).to_be_visible()
    names = {
        "#close-button": "Close answers",
        "#reveal-button": "Reveal the answer",
        "#skip-button": "Skip this question",
        "#pause-button": "Pause the contest",
        "#finish-button": "Finish the contest",
        "#adjust-points": "Points to add or take off",
        "#adjust-reason": "Reason for the adjustment",
    }
    for selector, name in names.items():
        expect(host.locator(selector)).to_have_accessible_name(name)
    expect(host.locator("#countdown")).to_have_attribute("role", "timer")
    expect(host.locator(".qs-host-answers th").nth(3)).to_have_accessible_name("Marked")
    expect(host.locator(".qs-host-answers th").nth(4)).to_have_accessible_name("Ruling on the answer")
    # A relay's waiting rows each offer a hand-over, named with whose legs.
    expect(host.locator("#answers tr", has_text="红队").locator(".qs-hand-over")).to_have_accessible_name(
        "Hand over · 红0"
    )
    assert unnamed_controls(host) == []


@pytest.mark.parametrize("viewport", [{"width": 1920, "height": 1080}, {"width": 1366, "height": 768}])
def test_the_big_screen_has_a_heading_a_quiet_timer_and_text_big_enough_for_the_hall(
    asgi_server,
    hall,  # noqa: F811
    signed_in_page,
    viewport,
):
    contest = hall["contest"]
    contest.teams.filter(name="红队").update(name="中共审计署广州特派员办事处机关第一党支部代表队")
    host = signed_in_page(hall["host"])
    screen = signed_in_page(hall["host"], viewport=viewport)
    host.goto(f"{asgi_server}/contests/{contest.join_code}/host/")
    screen.goto(f"{asgi_server}/contests/{contest.join_code}/screen/")
    host.locator("#start-button").click()
    host.locator("#open-button").click()
    expect(screen.locator("#options li")).to_have_count(3)
    expect(screen.locator("h1")).to_have_text("浏览器竞赛")
    expect(screen.locator("#countdown")).to_have_accessible_name("剩余时间")
    expect(screen.locator("#countdown")).to_have_attribute("role", "timer")
    expect(screen.get_by_role("complementary", name="记分板")).to_be_visible()
    # Sizes at the projector's width: the question at 3.4vw, options 2.6vw, board names 1.6vw
    # (65, 50 and 31 px at 1920; 46, 36 and 22 px at 1366), nothing under 20 px.
    width = viewport["width"]
    sizes = screen.evaluate(
        """() => Object.fromEntries(['#stem', '#options li', '#scoreboard .name'].map(
            (s) => [s, parseFloat(getComputedStyle(document.querySelector(s)).fontSize)]))"""
    )
    assert sizes == pytest.approx(
        {"#stem": 0.034 * width, "#options li": 0.026 * width, "#scoreboard .name": 0.016 * width}, abs=0.5
    )
    # The long name wraps within the board: nothing runs out of the frame.
    assert screen.evaluate("document.documentElement.scrollWidth") <= width
    name = screen.locator("#scoreboard .name", has_text="第一党支部代表队")
    box, board = name.bounding_box(), screen.locator("#scoreboard").bounding_box()
    assert box["x"] + box["width"] <= board["x"] + board["width"]
