"""A tester's walk of the demo, on the real ASGI server: a double click on the console's Apply
adjusted a score twice, a phone without network said Connected and "Sending…: AB" to the end and
never that the answer was lost, a reloaded phone forgot its team's answer once answers were
closed, a long fill-in answer squeezed the console's name columns to a character a line, and a
two-blank answer was written three ways."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from contests import services
from contests.models import AuditEntry, ContestAnswer, Round, ScoreEvent
from tests import factories
from tests.browser.test_contest_day_fixes import BOX
from tests.browser.test_relay_results_fixes import CONNECTED, CONSOLE, SCREEN, hall, in_language  # noqa: F401

pytestmark = pytest.mark.browser


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


SHOTS = Path("/tmp/shots/hostfix")
# Between the blanks of a fill-in answer (contests.presenters.blanks_text, live.js liveBlanks).
BETWEEN = {"zh-hans": "；", "en": "; "}
TWO_BLANKS = {"stem": "党的____于____年召开。", "key": [["2017"], ["2022"]]}
LOST = {"zh-hans": "连接已断开，正在重连…", "en": "Connection lost: reconnecting…"}


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_double_click_on_apply_adjusts_the_score_once(asgi_server, hall, signed_in_page, language):  # noqa: F811
    contest, host_user = hall["contest"], hall["host"]
    services.round_add(contest=contest, type=Round.Type.RELAY, versions=hall["versions"], time_limit_s=60)
    services.contest_start(contest=contest, by=host_user)
    red = contest.teams.get(name="红队")
    host = in_language(signed_in_page(host_user, viewport=CONSOLE), asgi_server, language)
    host.goto(f"{asgi_server}/contests/{contest.join_code}/host/")
    host.locator("#connection", has_text=CONNECTED[language]).wait_for()

    host.select_option("#adjust-team", value=str(red.pk))
    host.fill("#adjust-points", "3")
    host.fill("#adjust-reason", "加分")
    host.locator("#adjust-form button[type=submit]").dblclick()
    expect(host.locator("#adjust-points")).to_have_value("")  # the form empties once it is done
    # Pause after it: the socket carries frames in order, so a second adjustment sent by the
    # double click has been carried out by the time the pause is.
    host.locator("#pause-button").click()
    expect(host.locator("#resume-button")).to_be_visible()
    # Red: 100 + 3 = 103, once (the double click made it 106).
    expect(host.locator("#scores li", has_text="红队")).to_contain_text("103")
    shot(host, f"hostfix-console-adjusted-{language}")
    assert list(ScoreEvent.objects.filter(team=red).values_list("points", flat=True)) == [3]


def multiple_choice_open(hall):  # noqa: F811 (a plain argument here, not the fixture)
    """The hall's contest started on a relay of one multiple-choice question (key ABC), open."""
    contest, host_user = hall["contest"], hall["host"]
    multiple = factories.question(factories.bank(hall["audit"]), "multiple").current
    services.round_add(contest=contest, type=Round.Type.RELAY, versions=[multiple], time_limit_s=120)
    services.contest_start(contest=contest, by=host_user)
    services.question_open(contest=contest, by=host_user)
    return contest, host_user


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_phone_without_network_says_so_and_that_its_answer_was_not_received_in_time(
    asgi_server,
    hall,  # noqa: F811
    signed_in_page,
    language,
):
    contest, host_user = multiple_choice_open(hall)
    phone = in_language(signed_in_page(hall["blue"], phone=True), asgi_server, language)
    phone.goto(f"{asgi_server}/contests/{contest.join_code}/play/")
    phone.locator("#connection", has_text=CONNECTED[language]).wait_for()
    phone.locator("#controls input[value=A]").check()
    phone.locator("#controls input[value=B]").check()

    phone.context.set_offline(True)
    expect(phone.locator("#connection")).to_have_text(LOST[language])  # not Connected
    phone.locator("#controls button.btn-primary").click()
    not_sent = {
        "zh-hans": "未发出：AB。连接已断开，恢复连接后如本题仍在作答时间内，将自动重新提交。",
        "en": "Not sent: AB. The connection is lost; it goes again once the connection is back, "
        "if the question is still open.",
    }
    expect(phone.locator("#stage-message")).to_have_text(not_sent[language])  # not "Sending…" forever
    shot(phone, f"hostfix-phone-not-sent-{language}")

    services.question_close(contest=contest, by=host_user)  # the time runs out meanwhile
    phone.context.set_offline(False)
    late = {
        "zh-hans": "您的答案“AB”未能在作答结束前送达，不计分。",
        "en": "Your answer “AB” was not received before the question closed: it does not count.",
    }
    expect(phone.locator("#connection")).to_have_text(CONNECTED[language])
    expect(phone.locator("#stage-message")).to_have_text(late[language])
    shot(phone, f"hostfix-phone-late-{language}")

    services.question_reveal(contest=contest, by=host_user)
    expect(phone.locator("#feedback")).to_contain_text(late[language])  # not "Your team did not answer"


def test_a_connection_gone_silent_after_an_answer_is_left_and_the_answer_goes_on_a_new_one(
    asgi_server,
    hall,  # noqa: F811
    signed_in_page,
):
    # A link can die without a close (the browser still online): the socket stays open and
    # nothing arrives. Every action is answered, so five seconds without a frame after sending one
    # mean the connection is lost: the phone leaves it, connects again and sends the answer there.
    # (Before the heartbeat the answer waited on the silent socket for ever.)
    contest, host_user = multiple_choice_open(hall)
    phone = in_language(signed_in_page(hall["blue"], phone=True), asgi_server, "en")
    sockets = []  # per connection: whether its frames are swallowed, both ways

    def relay(ws):
        silent = {"on": False}
        sockets.append(silent)
        server = ws.connect_to_server()
        ws.on_message(lambda message: None if silent["on"] else server.send(message))
        server.on_message(lambda message: None if silent["on"] else ws.send(message))

    phone.route_web_socket(f"**/ws/contests/{contest.join_code}/**", relay)
    phone.goto(f"{asgi_server}/contests/{contest.join_code}/play/")
    phone.locator("#connection", has_text=CONNECTED["en"]).wait_for()
    phone.locator("#controls input[value=A]").check()
    phone.locator("#controls input[value=B]").check()

    sockets[0]["on"] = True  # the first connection goes silent, still open
    phone.locator("#controls button.btn-primary").click()
    # Waited on in the page: the routes' handlers run only while Playwright is called. Five
    # seconds of silence, a reconnect within a few, the answer's ack.
    expect(phone.locator("#stage-message")).to_have_text("Answer received: AB", timeout=30_000)
    expect(phone.locator("#connection")).to_have_text(CONNECTED["en"])
    answers = ContestAnswer.objects.filter(opening__contest=contest)
    assert len(sockets) == 2 and [a.response for a in answers] == [["A", "B"]]


def test_a_reloaded_phone_shows_its_teams_answer_once_answers_are_closed(
    asgi_server,
    hall,  # noqa: F811
    signed_in_page,
):
    contest, host_user = hall["contest"], hall["host"]
    bank = factories.bank(hall["audit"])
    kinds = [
        ("single", "B", "本队已作答：B（蓝一 提交）"),
        ("multiple", ["A", "C"], "本队已作答：AC（蓝一 提交）"),
        ("true_false", "对", "本队已作答：对（蓝一 提交）"),
        ("fill_blank", ["2017", "2022"], "本队已作答：2017；2022（蓝一 提交）"),
    ]
    versions = [
        factories.question(bank, kind, **TWO_BLANKS if kind == "fill_blank" else {}).current
        for kind, _response, _said in kinds
    ]
    services.round_add(contest=contest, type=Round.Type.RELAY, versions=versions, time_limit_s=60)
    services.contest_start(contest=contest, by=host_user)
    phone = in_language(signed_in_page(hall["blue"], phone=True), asgi_server, "zh-hans")
    for n, (_kind, response, said) in enumerate(kinds):
        services.question_open(contest=contest, by=host_user)
        services.answer_submit(contest=contest, member=hall["blue"], response=response, client_answer_id=f"b{n}")
        services.question_close(contest=contest, by=host_user)
        phone.goto(f"{asgi_server}/contests/{contest.join_code}/play/")  # a reload, answers closed
        # Not "作答已结束，等待揭晓答案…" alone: the team's answer, then that answers are closed.
        expect(phone.locator("#stage-message")).to_have_text(said + " · 作答已结束，等待揭晓答案…")
        services.question_reveal(contest=contest, by=host_user)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_long_fill_in_answer_wraps_in_its_column_and_two_blanks_read_alike_everywhere(
    asgi_server,
    hall,  # noqa: F811
    signed_in_page,
    language,
):
    contest, host_user = hall["contest"], hall["host"]
    fill_in = factories.question(factories.bank(hall["audit"]), "fill_blank", **TWO_BLANKS).current
    services.round_add(contest=contest, type=Round.Type.RELAY, versions=[fill_in], time_limit_s=60)
    services.contest_start(contest=contest, by=host_user)
    services.question_open(contest=contest, by=host_user)
    long_answer = "中国共产党第二十次全国代表大会" * 7 + "于北京人民大会堂召开了"  # 15 × 7 + 11 = 116 characters
    assert len(long_answer) == 116
    services.answer_submit(contest=contest, member=hall["red"], response=[long_answer, "2022"], client_answer_id="r")
    services.answer_submit(contest=contest, member=hall["blue"], response=["2017", "2022"], client_answer_id="b")
    two = "2017" + BETWEEN[language] + "2022"  # 2017；2022 or 2017; 2022
    host = in_language(signed_in_page(host_user, viewport=CONSOLE), asgi_server, language)
    host.goto(f"{asgi_server}/contests/{contest.join_code}/host/")
    host.locator("#connection", has_text=CONNECTED[language]).wait_for()

    blue_row = host.locator("#answers tr", has_text="蓝队")
    expect(blue_row.locator("td").nth(2)).to_have_text(two)
    expect(host.locator("#key")).to_contain_text(two)  # the answer key, written the same way
    red_row = host.locator("#answers tr", has_text="红队")
    answer = red_row.locator("td").nth(2)
    expect(answer).to_have_attribute("title", long_answer + BETWEEN[language] + "2022")  # the whole answer on hover
    # The names keep their width (a character a line was about 20 px); the answer wraps in its own
    # column, three lines at most until tapped.
    # Each box measured in the page in one step: a state frame redraws the table.
    for cell in (red_row.locator("td").nth(0), red_row.locator("td").nth(1)):
        assert cell.evaluate(BOX)["width"] >= 100, cell.evaluate(BOX)
        assert cell.evaluate(BOX)["height"] < 2 * answer.evaluate(BOX)["height"]
    line = float(answer.evaluate("td => getComputedStyle(td).lineHeight").removesuffix("px"))
    clipped = answer.locator("span").evaluate(BOX)["height"]
    assert clipped <= 3 * line + 1, (clipped, line)
    answer.click()
    expect(answer).to_have_class("qs-answer-col is-open")
    assert answer.locator("span").bounding_box()["height"] > clipped
    shot(host, f"hostfix-console-long-answer-{language}")

    phone = in_language(signed_in_page(hall["blue"], phone=True), asgi_server, language)
    phone.goto(f"{asgi_server}/contests/{contest.join_code}/play/")
    screen = in_language(signed_in_page(host_user, viewport=SCREEN), asgi_server, language)
    screen.goto(f"{asgi_server}/contests/{contest.join_code}/screen/")
    phone.locator("#connection", has_text=CONNECTED[language]).wait_for()
    host.locator("#reveal-button").click()
    expect(phone.locator("#feedback")).to_contain_text(two)
    assert phone.locator("#feedback").inner_text().count(two) == 2  # the team's answer and the key
    expect(screen.locator("#options li.is-key")).to_have_text(two)
    shot(phone, f"hostfix-phone-two-blanks-{language}")
    shot(screen, f"hostfix-screen-two-blanks-{language}")


def test_after_the_last_question_the_console_shows_finish_without_next_in_both_languages(
    asgi_server,
    hall,  # noqa: F811
    signed_in_page,
):
    contest, host_user = hall["contest"], hall["host"]
    services.round_add(contest=contest, type=Round.Type.RELAY, versions=hall["versions"][:1])
    services.contest_start(contest=contest, by=host_user)
    services.question_open(contest=contest, by=host_user)
    services.question_reveal(contest=contest, by=host_user)
    for language, note in (("zh-hans", "这是最后一题"), ("en", "That was the last question")):
        host = in_language(signed_in_page(host_user, viewport=CONSOLE), asgi_server, language)
        host.goto(f"{asgi_server}/contests/{contest.join_code}/host/")
        host.locator("#connection", has_text=CONNECTED[language]).wait_for()
        expect(host.locator("#last-question")).to_contain_text(note)
        expect(host.locator("#finish-button")).to_be_visible()
        expect(host.locator("#open-button")).to_be_hidden()  # it stood greyed out beside the note
        shot(host, f"hostfix-console-last-question-{language}")


def test_a_double_click_on_a_ruling_rules_once(asgi_server, hall, signed_in_page):  # noqa: F811
    contest, host_user = hall["contest"], hall["host"]
    services.round_add(contest=contest, type=Round.Type.RELAY, versions=hall["versions"], time_limit_s=60)
    services.contest_start(contest=contest, by=host_user)
    services.question_open(contest=contest, by=host_user)
    services.answer_submit(contest=contest, member=hall["blue"], response="B", client_answer_id="b")  # key A
    services.question_reveal(contest=contest, by=host_user)
    host = in_language(signed_in_page(host_user, viewport=CONSOLE), asgi_server, "zh-hans")
    host.on("dialog", lambda dialog: dialog.accept("申诉成立"))
    host.goto(f"{asgi_server}/contests/{contest.join_code}/host/")
    host.locator("#connection", has_text=CONNECTED["zh-hans"]).wait_for()

    host.locator("#answers tr", has_text="蓝队").locator("button").first.dblclick()  # rule right
    host.locator("#pause-button").click()  # after the ruling on the same socket, as above
    expect(host.locator("#resume-button")).to_be_visible()
    # One ruling in the log (the double click asked twice and ruled twice).
    assert AuditEntry.objects.filter(contest=contest, action="override").count() == 1
