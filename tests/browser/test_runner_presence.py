"""The host console shows which runners have a phone connected: a runner who closed his phone is
marked "not connected" beside the baton he holds, and listed under the runners' phones."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from contests import services
from contests.models import Round
from tests.browser.test_relay_results_fixes import CONNECTED, CONSOLE, hall, in_language  # noqa: F401

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/shots/relayfix")
PHONE = {"width": 390, "height": 844}
OFFLINE = {"zh-hans": "未连接", "en": "not connected"}


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_console_marks_a_runner_whose_phone_closed(asgi_server, hall, signed_in_page, language):  # noqa: F811
    contest, host_user = hall["contest"], hall["host"]
    services.round_add(contest=contest, type=Round.Type.RELAY, versions=hall["versions"], time_limit_s=600)
    services.contest_start(contest=contest, by=host_user)
    services.question_open(contest=contest, by=host_user)
    code = contest.join_code
    red_phone = in_language(signed_in_page(hall["red"], viewport=PHONE), asgi_server, language)
    red_phone.goto(f"{asgi_server}/contests/{code}/play/")
    red_phone.locator("#connection", has_text=CONNECTED[language]).wait_for()
    blue_phone = in_language(signed_in_page(hall["blue"], viewport=PHONE), asgi_server, language)
    blue_phone.goto(f"{asgi_server}/contests/{code}/play/")
    blue_phone.locator("#connection", has_text=CONNECTED[language]).wait_for()

    host = in_language(signed_in_page(host_user, viewport=CONSOLE), asgi_server, language)
    host.goto(f"{asgi_server}/contests/{code}/host/")
    host.locator("#connection", has_text=CONNECTED[language]).wait_for()
    # Two runners (红一, 蓝一), both phones open.
    expect(host.locator("#presence-summary")).to_have_text(
        {"zh-hans": "2 名队员中 2 名已连接", "en": "2 of 2 runners connected"}[language]
    )
    expect(host.locator(".qs-runner-offline")).to_have_count(0)

    blue_phone.close()  # 蓝一 closes his phone in the middle of his leg
    expect(host.locator("#presence-summary")).to_have_text(
        {"zh-hans": "2 名队员中 1 名已连接", "en": "1 of 2 runners connected"}[language]
    )
    # Beside the baton he holds on the unanswered question, and in the list of runners not connected.
    blue_row = host.locator("#answers tr.qs-no-answer", has_text="蓝一")
    expect(blue_row.locator(".qs-runner-offline")).to_have_text(OFFLINE[language])
    expect(host.locator("#answers tr.qs-no-answer", has_text="红一").locator(".qs-runner-offline")).to_have_count(0)
    missing = host.locator("#presence-missing li")
    expect(missing).to_have_count(1)
    expect(missing).to_contain_text({"zh-hans": "第 1 棒", "en": "leg 1"}[language])
    expect(missing).to_contain_text("蓝一")
    SHOTS.mkdir(parents=True, exist_ok=True)
    host.screenshot(path=str(SHOTS / f"console-runner-offline-{language}.png"), full_page=True)
    host.set_viewport_size(PHONE)
    host.screenshot(path=str(SHOTS / f"console-runner-offline-phone-{language}.png"), full_page=True)

    red_phone.close()
    expect(host.locator("#presence-missing li")).to_have_count(2)


def test_a_presence_frame_marks_the_runner_in_place_without_redrawing_the_answers_table(
    asgi_server,
    hall,  # noqa: F811
    signed_in_page,
):
    contest, host_user = hall["contest"], hall["host"]
    services.round_add(contest=contest, type=Round.Type.RELAY, versions=hall["versions"], time_limit_s=600)
    services.contest_start(contest=contest, by=host_user)
    services.question_open(contest=contest, by=host_user)
    code = contest.join_code
    phones = {}
    for runner in ("red", "blue"):
        phones[runner] = in_language(signed_in_page(hall[runner], viewport=PHONE), asgi_server, "zh-hans")
        phones[runner].goto(f"{asgi_server}/contests/{code}/play/")
        phones[runner].locator("#connection", has_text=CONNECTED["zh-hans"]).wait_for()
    host = in_language(signed_in_page(host_user, viewport=CONSOLE), asgi_server, "zh-hans")
    host.goto(f"{asgi_server}/contests/{code}/host/")
    expect(host.locator("#presence-summary")).to_have_text("2 名队员中 2 名已连接")
    # The rows the host is looking at: 红队's and 蓝队's "no answer yet", each with its baton holder.
    host.evaluate(
        """() => {
        const rows = [...document.querySelectorAll("#answers tr.qs-no-answer")];
        window.__red = rows.find((tr) => tr.textContent.includes("红一"));
        window.__blue = rows.find((tr) => tr.textContent.includes("蓝一"));
      }"""
    )
    assert host.evaluate("() => Boolean(window.__red && window.__blue)")

    phones["blue"].close()  # 蓝一 closes his phone: a presence frame, and no other change
    blue_row = host.locator("#answers tr.qs-no-answer", has_text="蓝一")
    expect(blue_row.locator(".qs-runner-offline")).to_have_text("未连接")
    expect(host.locator("#presence-missing li")).to_have_count(1)
    # The very rows drawn before the frame are still in the page, the mark added to 蓝队's; a
    # redrawn table would have replaced both.
    assert host.evaluate("() => [document.contains(window.__red), document.contains(window.__blue)]") == [True, True]
    assert host.evaluate("() => window.__blue.querySelector('.qs-runner-offline')?.textContent.trim()") == "未连接"
    assert host.evaluate("() => window.__red.querySelector('.qs-runner-offline')") is None
