"""A live contest as it runs in a hall: the big screen projected at 1920x1080 and read from the
back, phones that are tapped twice, paused, out-buzzed and asked to stake."""

import math
import re

import pytest

from contests import services
from contests.models import AuditEntry, Contest, ContestAnswer, Opening, RiskPick, Round, ScoreEvent
from tests import factories

pytestmark = pytest.mark.browser

SCREEN = {"width": 1920, "height": 1080}
LONG_TEAM = "广州特派办机关第一党支部代表队（审计业务骨干）"
BLUE = "第二党支部队"  # the usual length of a team's name
LONG_STEM = (
    "根据《中国共产党纪律处分条例》（2023 年修订）的规定，党员在党内选举中有违反规定的行为，情节较重的，"
    "应当给予下列哪一种处分？请在规定时间内作答，超时视为放弃。"
)
LONG_OPTIONS = [
    "警告或者严重警告处分，情节严重的给予撤销党内职务处分",
    "撤销党内职务或者留党察看处分，情节严重的给予开除党籍处分",
    "严重警告或者撤销党内职务处分",
    "留党察看处分",
    "开除党籍处分",
    "不予处分，由所在党组织进行批评教育并责令作出书面检查",
]


@pytest.fixture
def hall(transactional_db):
    audit = factories.unit_at("审计署", kind="organ")
    gz1 = factories.unit_at("审计署/广州特派办/第一党支部")
    gz2 = factories.unit_at("审计署/广州特派办/第二党支部")
    bank = factories.bank(audit)
    host = factories.organiser(audit, username="host", real_name="主持人")
    watcher = factories.member(gz1, username="watcher")
    red = [factories.member(gz1, username=f"red{n}", real_name=f"红{n}") for n in range(2)]
    blue = [factories.member(gz2, username=f"blue{n}", real_name=f"蓝{n}") for n in range(2)]
    contest = services.contest_create(title="大厅竞赛", unit=audit, by=host)
    services.team_add(contest=contest, name=LONG_TEAM, unit=gz1, legs=red)
    services.team_add(contest=contest, name=BLUE, unit=gz2, legs=blue)
    long_question = factories.question(bank, "single", stem=LONG_STEM, options=LONG_OPTIONS, key=["B"]).current
    single = factories.question(bank, "single", options=["甲", "乙", "丙"], key=["A"]).current
    services.round_add(
        contest=contest, type=Round.Type.RELAY, title="接力赛", versions=[long_question], time_limit_s=60
    )
    services.round_add(contest=contest, type=Round.Type.BUZZER, title="抢答题", versions=[single], time_limit_s=60)
    services.round_add(
        contest=contest,
        type=Round.Type.RISK,
        title="风险题",
        versions=[factories.question(bank, "multiple").current],
        risk_tiers=[10, 20, 30],
        time_limit_s=60,
    )
    return {"contest": contest, "host": host, "watcher": watcher, "red": red, "blue": blue}


def open_pages(asgi_server, hall, signed_in_page, *players):
    code = hall["contest"].join_code
    host = signed_in_page(hall["host"])
    screen = signed_in_page(hall["watcher"], viewport=SCREEN)
    host.goto(f"{asgi_server}/contests/{code}/host/")
    screen.goto(f"{asgi_server}/contests/{code}/screen/")
    phones = []
    for user in players:
        phone = signed_in_page(user, phone=True)
        phone.goto(f"{asgi_server}/contests/{code}/play/")
        phones.append(phone)
    for page in [host, *phones]:
        page.locator("#connection", has_text="已连接").wait_for()
    return host, screen, phones


def test_big_screen_fits_a_long_question_with_six_options_and_a_long_team_name_at_1920x1080(
    asgi_server, hall, signed_in_page, screenshot
):
    host, screen, _phones = open_pages(asgi_server, hall, signed_in_page)
    host.click("#start-button")
    host.click("#open-button")
    screen.locator("#options li", has_text="F").wait_for()
    screen.locator("#phase", has_text="开始作答").wait_for()
    screenshot(screen, "hall-screen-long-question")
    # The projected frame never scrolls: every option, and the team's whole name, is in it.
    boxes = [option.bounding_box() for option in screen.locator("#options li").all()]
    assert len(boxes) == 6
    assert all(box["y"] >= 0 and box["y"] + box["height"] <= SCREEN["height"] for box in boxes), boxes
    board = screen.locator("#scoreboard li", has_text=LONG_TEAM).bounding_box()
    assert board["y"] + board["height"] <= SCREEN["height"], board
    # Whose baton it is, in Chinese punctuation (it read "第二党支部队: 蓝0").
    screen.locator("#baton", has_text=f"{BLUE}：蓝0").wait_for()
    # Still big enough to read from the back of the hall.
    stem_px = float(screen.locator("#stem").evaluate("element => getComputedStyle(element).fontSize")[:-2])
    assert stem_px >= 0.4 * 0.034 * SCREEN["width"], stem_px


def test_a_double_tap_on_an_answer_sends_one_answer_and_the_phone_says_which(
    asgi_server, hall, signed_in_page, screenshot
):
    red0 = hall["red"][0]
    host, _screen, (phone,) = open_pages(asgi_server, hall, signed_in_page, red0)
    host.click("#start-button")
    host.click("#open-button")
    phone.get_by_text("轮到您了").wait_for()
    # Two taps on the same button before the page can redraw: a thumb on a slow phone.
    phone.evaluate("() => { const b = document.querySelectorAll('#controls button')[1]; b.click(); b.click(); }")
    phone.locator("#stage-message", has_text="答案已提交：B").wait_for()
    assert phone.locator("#controls button").count() == 0  # no second chance to tap
    assert phone.locator("#feedback .alert-warning").count() == 0, phone.locator("#feedback").inner_text()
    screenshot(phone, "hall-phone-answer-sent")
    assert ContestAnswer.objects.filter(member=red0).count() == 1


def test_a_pause_shows_on_phones_and_big_screen_with_the_clock_standing(asgi_server, hall, signed_in_page, screenshot):
    host, screen, (phone,) = open_pages(asgi_server, hall, signed_in_page, hall["red"][0])
    host.click("#start-button")
    host.click("#open-button")
    phone.get_by_text("轮到您了").wait_for()
    host.click("#pause-button")
    phone.locator("#stage-message", has_text="已暂停").wait_for()
    assert phone.locator("#controls button").count() == 0  # answers are refused while paused
    screen.locator("#phase", has_text="已暂停").wait_for()
    # The clock stands at the seconds the question keeps for the resume, as the server stored them
    # (how many depends on how long the machine took between opening and pausing).
    kept_ms = Opening.objects.get(contest=hall["contest"], opened_at__isnull=False).paused_remaining_ms
    assert 0 < kept_ms <= 60_000
    for page in (screen, phone):
        page.locator("#countdown").filter(has_text=re.compile(rf"^{math.ceil(kept_ms / 1000)}s?$")).wait_for()
    screenshot(screen, "hall-screen-paused")
    screenshot(phone, "hall-phone-paused")
    host.click("#resume-button")
    phone.get_by_text("轮到您了").wait_for()
    screen.locator("#phase", has_text="开始作答").wait_for()


def test_a_team_that_lost_the_buzz_is_told_so_and_a_stake_shows_once_picked(
    asgi_server, hall, signed_in_page, screenshot
):
    contest = hall["contest"]
    red0, blue0 = hall["red"][0], hall["blue"][0]
    host, _screen, (red, blue) = open_pages(asgi_server, hall, signed_in_page, red0, blue0)
    host.click("#start-button")
    host.click("#open-button")
    host.click("#skip-button")  # the relay question
    host.click("#open-button")  # the buzzer question, shown for reading
    blue.get_by_text("请读题").wait_for()
    host.click("#open-button")
    red.locator("#stage-message", has_text="请读题").wait_for(state="hidden")
    red.locator(".qs-buzz").click()
    red.get_by_text("轮到您了").wait_for()
    blue.locator("#stage-message", has_text="其他队伍先抢到了").wait_for()
    assert blue.locator("#controls button").count() == 0
    screenshot(blue, "hall-phone-buzz-lost")

    host.click("#reveal-button")
    host.click("#open-button")  # the risk question: stakes first
    blue.get_by_text("请在题目开放前选择风险分值").wait_for()
    blue.evaluate("() => { const b = document.querySelectorAll('#controls button')[1]; b.click(); b.click(); }")
    blue.locator("#stage-message", has_text="本队风险分值：20").wait_for()
    assert blue.locator("#controls button").count() == 0
    assert blue.locator("#feedback .alert-warning").count() == 0, blue.locator("#feedback").inner_text()
    assert list(RiskPick.objects.filter(opening__contest=contest).values_list("value", flat=True)) == [20]


def test_a_double_click_on_show_leaves_a_buzzer_question_for_reading_and_finishing_is_asked_first(
    asgi_server, hall, signed_in_page, screenshot
):
    contest = hall["contest"]
    host, screen, _phones = open_pages(asgi_server, hall, signed_in_page)
    host.click("#start-button")
    host.locator("#open-button", has_text="出示下一题").wait_for()
    host.click("#open-button")
    host.click("#skip-button")  # the relay question
    host.dblclick("#open-button")  # the buzzer question: the host means to show it, not open it
    host.locator("#where", has_text="已出题，尚未开始作答").wait_for()
    # The button says what its next press does, and the key reads in Chinese punctuation.
    host.locator("#open-button", has_text="开放作答").wait_for()
    assert host.locator("#key").inner_text().startswith("答案：A. ")
    host.click("#skip-button")  # host commands are carried out in order: after any second open
    host.locator("#where", has_text="已跳过").wait_for()
    actions = list(AuditEntry.objects.filter(contest=contest).order_by("id").values_list("action", flat=True))
    assert actions == ["start", "show", "open", "skip", "show", "skip"], actions

    host.once("dialog", lambda dialog: dialog.dismiss())
    host.click("#finish-button")
    host.click("#pause-button")  # also after a finish, had one been sent
    host.locator("#status", has_text="已暂停").wait_for()
    contest.refresh_from_db()
    assert contest.status == Contest.Status.PAUSED
    host.once("dialog", lambda dialog: dialog.accept())
    host.click("#finish-button")
    host.locator("#status", has_text="已结束").wait_for()
    # The podium, the moment the hall photographs: a team's name of six characters on one line
    # (it broke as 第二党支部 / 队).
    name = screen.locator("#podium .name", has_text=BLUE)
    name.wait_for()
    one_line = name.evaluate("e => e.getBoundingClientRect().height < 2 * parseFloat(getComputedStyle(e).fontSize)")
    assert one_line, name.bounding_box()
    screenshot(screen, "hall-screen-podium")
    # Level on score and relay time, the two teams share first place, and its gold medal (the
    # second showed a silver medal reading 1).
    assert screen.locator("#podium .medal-1").count() == 2


def test_a_score_adjustment_whose_acknowledgement_is_lost_to_a_dropped_connection_counts_once(
    asgi_server, hall, signed_in_page
):
    contest = hall["contest"]
    host, screen, _phones = open_pages(asgi_server, hall, signed_in_page)
    # The hall's Wi-Fi drops as the adjustment is acknowledged: the server has carried it out,
    # and the console never hears so.
    host.add_init_script(
        """{
          const setter = Object.getOwnPropertyDescriptor(WebSocket.prototype, "onmessage").set;
          Object.defineProperty(WebSocket.prototype, "onmessage", {
            set(handler) {
              setter.call(this, (event) => {
                if (!window.dropped && /"action":\\s*"host.adjust"/.test(event.data)) {
                  window.dropped = true;
                  this.close();
                  return;
                }
                handler(event);
              });
            },
          });
        }"""
    )
    host.reload()  # the socket is opened again, through the wrapped handler
    host.locator("#connection", has_text="已连接").wait_for()
    host.evaluate(
        """() => {
          window.notes = [];
          const box = document.getElementById("host-message");
          new MutationObserver(() => window.notes.push(box.innerText)).observe(box, { childList: true, subtree: true });
        }"""
    )
    host.click("#start-button")
    host.select_option("#adjust-team", label=BLUE)
    host.fill("#adjust-points", "-5")
    host.fill("#adjust-reason", "场外提示")
    host.click("#adjust-form button[type=submit]")
    host.wait_for_function("() => window.dropped")
    host.locator("#connection", has_text="已连接").wait_for()
    host.click("#pause-button")  # carried out after anything sent again on reconnecting
    host.locator("#status", has_text="已暂停").wait_for()
    adjustments = ScoreEvent.objects.filter(contest=contest, reason="adjustment")
    # Sent again on reconnecting with its command_id: answered with the first result, not counted twice.
    assert list(adjustments.values_list("points", flat=True)) == [-5]
    assert "「调整分数」已在重连后补发，只执行了一次。" in host.evaluate("window.notes"), host.evaluate("window.notes")
    screen.locator("#scoreboard li", has_text=BLUE).locator(".score", has_text="95").wait_for()


# The host's socket closes as the frame of the pressed command is sent: the frame is lost with it.
# performance.now() runs `window.skew` ms ahead, so that a test can age an unanswered command.
CUT_ON_SEND = """{
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (data) {
    if (!window.cut && data.includes('"type":"%s"')) {
      window.cut = true;
      window.skew = %d;
      this.close();
      return;
    }
    return send.call(this, data);
  };
  const now = performance.now.bind(performance);
  window.skew = 0;
  performance.now = () => now() + window.skew;
}"""


def press_next_as_the_socket_drops(asgi_server, hall, signed_in_page, language: str, *, back_after_ms: int):
    """The host's console in `language`, the contest started and "show next" pressed, its socket
    cut as the command goes out and back `back_after_ms` later by the page's clock."""
    from django.conf import settings

    host = signed_in_page(hall["host"], viewport={"width": 1366, "height": 900})
    host.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": asgi_server}])
    host.add_init_script(CUT_ON_SEND % ("host.open", back_after_ms))
    host.goto(f"{asgi_server}/contests/{hall['contest'].join_code}/host/")
    host.wait_for_function("() => document.getElementById('status').textContent")  # the first snapshot
    host.click("#start-button")
    host.locator("#open-button:enabled").wait_for()
    host.click("#open-button")
    host.wait_for_function("() => window.cut")
    return host


@pytest.mark.parametrize(
    ("language", "notice"),
    [
        ("zh-hans", "「出示下一题」已在重连后补发，只执行了一次。"),
        ("en", "Show the next question: sent again after reconnecting, and carried out once."),
    ],
    ids=["zh-hans", "en"],
)
def test_a_next_question_pressed_as_the_wifi_drops_is_sent_again_on_reconnecting_and_shown_once(
    asgi_server, hall, signed_in_page, screenshot, language, notice
):
    contest = hall["contest"]
    host = press_next_as_the_socket_drops(asgi_server, hall, signed_in_page, language, back_after_ms=0)
    host.locator("#host-message .alert-success", has_text=notice).wait_for()
    # The relay question is open, once: the frame lost with the socket went out again.
    assert Opening.objects.filter(contest=contest).count() == 1
    host.locator("#close-button:enabled").wait_for()
    screenshot(host, f"host-command-resent-{language}")


@pytest.mark.parametrize(
    ("language", "notice"),
    [
        ("zh-hans", "「出示下一题」在断线前未获确认，且断线过久，未再补发。请看大屏确认，如未执行请再按一次。"),
        ("en", "Show the next question: not confirmed before the connection dropped, and the connection was down too"),
    ],
    ids=["zh-hans", "en"],
)
def test_a_command_unanswered_for_over_a_minute_when_the_connection_returns_is_not_sent_again(
    asgi_server, hall, signed_in_page, screenshot, language, notice
):
    contest = hall["contest"]
    # The connection comes back 61 s (by the page's clock) after the press: another console may
    # have moved on meanwhile, so the host decides from the fresh picture.
    host = press_next_as_the_socket_drops(asgi_server, hall, signed_in_page, language, back_after_ms=61_000)
    host.locator("#host-message .alert-warning", has_text=notice).wait_for()
    host.locator("#open-button:enabled").wait_for()  # the buttons are the host's again
    assert Opening.objects.filter(contest=contest).count() == 0
    screenshot(host, f"host-command-not-sent-{language}")


def test_a_question_every_team_answered_early_reads_closed_not_time_is_up(asgi_server, hall, signed_in_page):
    red0, red1, blue0 = hall["red"][0], hall["red"][1], hall["blue"][0]
    host, screen, (first, teammate, other) = open_pages(asgi_server, hall, signed_in_page, red0, red1, blue0)
    host.click("#start-button")
    host.click("#open-button")
    for phone in (first, other):
        phone.get_by_text("轮到您了").wait_for()
        phone.locator("#controls button").first.click()
    # Both teams answered with most of the minute left: the question closes at once.
    screen.locator("#phase", has_text="作答已结束").wait_for()
    teammate.locator("#stage-message", has_text="作答已结束，等待揭晓答案").wait_for()
    assert "时间到" not in screen.locator("#question").inner_text() + teammate.locator("#player").inner_text()


def test_a_refused_score_adjustment_keeps_what_the_host_typed(asgi_server, hall, signed_in_page):
    host, _screen, _phones = open_pages(asgi_server, hall, signed_in_page)
    host.click("#start-button")
    host.select_option("#adjust-team", label=BLUE)
    host.fill("#adjust-points", "-5")
    host.fill("#adjust-reason", "   ")  # passes the form's "required", not the server
    host.click("#adjust-form button[type=submit]")
    host.locator("#host-message .alert-danger", has_text="理由").wait_for()
    assert host.input_value("#adjust-points") == "-5"
    assert host.locator("#adjust-team option:checked").inner_text() == BLUE
    host.fill("#adjust-reason", "场外提示")
    host.click("#adjust-form button[type=submit]")
    host.locator("#host-message .alert-success", has_text="完成").wait_for()  # its acknowledgement
    assert host.input_value("#adjust-points") == ""  # done: the form is empty for the next one
    host.locator("#scores li", has_text=BLUE).locator("strong", has_text="95").wait_for()


def test_teammates_phones_put_their_buttons_away_once_their_team_has_answered_in_either_language(
    asgi_server, signed_in_page, screenshot
):
    from django.conf import settings

    audit = factories.unit_at("审计署", kind="organ")
    gz1 = factories.unit_at("审计署/广州特派办/第一党支部")
    host_user = factories.organiser(audit, username="host", real_name="主持人")
    red = [factories.member(gz1, username=f"red{n}", real_name=["张三", "李四", "王五"][n]) for n in range(3)]
    blue = factories.member(gz1, username="blue0", real_name="赵六")
    contest = services.contest_create(title="必答赛", unit=audit, by=host_user)
    services.team_add(contest=contest, name="红队", unit=gz1, legs=red)
    services.team_add(contest=contest, name="蓝队", unit=gz1, legs=[blue])
    question = factories.question(factories.bank(audit), "single", options=["甲", "乙", "丙"], key=["A"]).current
    services.round_add(contest=contest, type=Round.Type.COMPULSORY, title="必答题", versions=[question])
    code = contest.join_code

    host = signed_in_page(host_user)
    host.goto(f"{asgi_server}/contests/{code}/host/")
    phones = {}
    for user, language in ((red[0], "zh-hans"), (red[1], "zh-hans"), (red[2], "en"), (blue, "zh-hans")):
        phone = signed_in_page(user, phone=True)
        phone.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": asgi_server}])
        phone.goto(f"{asgi_server}/contests/{code}/play/")
        phone.locator("#connection.text-bg-success").wait_for()
        phones[user.username] = phone
    host.locator("#connection", has_text="已连接").wait_for()
    host.click("#start-button")
    host.click("#open-button")
    for phone in phones.values():
        phone.locator("#controls button").first.wait_for()  # every member of every team may answer

    phones["red0"].locator("#controls button").nth(1).click()  # B
    chinese, english = phones["red1"], phones["red2"]
    chinese.locator("#stage-message", has_text="本队已作答：B（张三 提交）").wait_for()
    english.locator("#stage-message", has_text="Your team answered: B (by 张三)").wait_for()
    assert chinese.locator("#controls button").count() == english.locator("#controls button").count() == 0
    assert phones["blue0"].locator("#controls button").count() == 3  # the other team still answers
    screenshot(chinese, "hall-phone-team-answered-zh")
    screenshot(english, "hall-phone-team-answered-en")
    # A phone that reconnects mid-question is told again by its snapshot.
    chinese.reload()
    chinese.locator("#stage-message", has_text="本队已作答：B（张三 提交）").wait_for()
    assert chinese.locator("#controls button").count() == 0
    assert ContestAnswer.objects.filter(opening__contest=contest).count() == 1


def test_a_stem_too_long_for_the_big_screen_gives_way_to_its_options_and_the_revealed_key(
    asgi_server, transactional_db, signed_in_page, screenshot
):
    """A 2,000-character stem (the longest a question may have: a regulation pasted whole)
    cannot fit at any readable size. The screen showed its middle, cut at both ends, with the options and then the
    revealed key below the frame: the hall never saw the answer. The stem is cut instead. The
    host's console put its buttons under the whole stem, three screens down."""
    audit = factories.unit_at("审计署", kind="organ")
    branch = factories.unit_at("审计署/广州特派办/第一党支部")
    host = factories.organiser(audit, username="host", real_name="主持人")
    player = factories.member(branch, username="red0")
    contest = services.contest_create(title="长题干竞赛", unit=audit, by=host)
    services.team_add(contest=contest, name=BLUE, unit=branch, legs=[player])
    stem = ("开头：" + "党的纪律是党的各级组织和全体党员必须遵守的行为规则。" * 200)[:2000]
    question = factories.question(
        factories.bank(audit), "single", stem=stem, options=["政治纪律", "组织纪律", "廉洁纪律", "群众纪律"], key=["B"]
    )
    services.round_add(contest=contest, type=Round.Type.RELAY, versions=[question.current], time_limit_s=60)
    screen = signed_in_page(player, viewport=SCREEN)
    console = signed_in_page(host)
    screen.goto(f"{asgi_server}/contests/{contest.join_code}/screen/")
    console.goto(f"{asgi_server}/contests/{contest.join_code}/host/")
    console.locator("#connection", has_text="已连接").wait_for()
    console.click("#start-button")
    console.click("#open-button")
    screen.locator("#options li", has_text="群众纪律").wait_for()
    # On the host's console the stem scrolls in its own box: the controls stay in view under it.
    console.locator("#stem", has_text="开头").wait_for()
    reveal = console.locator("#reveal-button").bounding_box()
    assert reveal["y"] + reveal["height"] <= console.viewport_size["height"], reveal
    console.click("#reveal-button")
    screen.locator("#options li.is-key", has_text="组织纪律").wait_for()
    screenshot(screen, "hall-screen-stem-too-long")
    in_frame = [option.bounding_box() for option in screen.locator("#options li").all()]
    assert all(box["y"] >= 0 and box["y"] + box["height"] <= SCREEN["height"] for box in in_frame), in_frame
    # The stem starts where it begins, below the heading, not somewhere in its middle.
    stage = screen.locator(".qs-screen-stage").bounding_box()
    assert screen.locator("#stem").bounding_box()["y"] >= stage["y"]
