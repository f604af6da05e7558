"""The host console shows only the controls each phase allows (before the start, with a question
shown, open, closed or revealed, paused, finished), and Finish with a buzzer question on show and
never opened says that it is set aside as skipped."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from contests import services
from contests.models import ContestAnswer, Round
from tests.browser.test_relay_results_fixes import CONNECTED, CONSOLE, hall, in_language  # noqa: F401

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/shots/relay")
VISIBLE = "() => [...document.querySelectorAll('#controls [data-command]')].filter((b) => !b.hidden).map((b) => b.id)"


def shows(page, *names):
    """Wait (the page's bounded timeout) until the console shows exactly these controls."""
    wanted = [f"{name}-button" for name in names]
    page.wait_for_function(f"(wanted) => JSON.stringify(({VISIBLE})()) === JSON.stringify(wanted)", arg=wanted)


def press(page, name):
    page.locator(f"#{name}-button").click()


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_console_shows_only_the_controls_of_each_phase(asgi_server, hall, signed_in_page, language):  # noqa: F811
    contest, host_user = hall["contest"], hall["host"]
    services.round_add(contest=contest, type=Round.Type.BUZZER, versions=hall["versions"], time_limit_s=60)
    host = in_language(signed_in_page(host_user, viewport=CONSOLE), asgi_server, language)
    host.goto(f"{asgi_server}/contests/{contest.join_code}/host/")
    host.locator("#connection", has_text=CONNECTED[language]).wait_for()

    def shot(name):
        SHOTS.mkdir(parents=True, exist_ok=True)
        host.screenshot(path=str(SHOTS / f"console-{name}-{language}.png"), full_page=True)

    # Before the start: Start alone (no question, reveal or finish to grey out), no adjustments.
    shows(host, "start")
    expect(host.locator("#start-button")).to_be_enabled()
    assert host.locator("#adjust-card").is_hidden()
    shot("1-before-start")

    press(host, "start")
    shows(host, "open", "pause", "finish")  # running, nothing shown yet
    expect(host.locator("#adjust-card")).to_be_visible()
    shot("2-started")

    press(host, "open")  # a buzzer question: shown for reading first
    shows(host, "open", "skip", "pause", "finish")
    expect(host.locator("#open-button")).to_have_text({"zh-hans": "开放作答", "en": "Open it for answers"}[language])
    shot("3-shown")

    press(host, "open")
    shows(host, "close", "reveal", "skip", "pause", "finish")
    shot("4-open")

    press(host, "pause")
    shows(host, "resume", "finish")
    expect(host.locator("#paused-note")).to_be_visible()
    shot("5-paused")

    press(host, "resume")
    shows(host, "close", "reveal", "skip", "pause", "finish")
    expect(host.locator("#paused-note")).to_be_hidden()

    press(host, "close")
    shows(host, "reveal", "skip", "pause", "finish")

    press(host, "reveal")
    shows(host, "open", "pause", "finish")
    expect(host.locator("#open-button")).to_be_enabled()  # the second question is next
    shot("6-revealed")

    press(host, "open")  # the second (last) question, shown and never opened
    shows(host, "open", "skip", "pause", "finish")
    asked = []
    host.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    press(host, "finish")
    shows(host)  # finished: no controls at all
    expect(host.locator("#results-final")).to_be_visible()
    expect(host.locator("#correct-link")).to_be_visible()
    words = {"zh-hans": "它将按跳过处理", "en": "it is set aside as skipped"}[language]
    assert words in asked[0], asked
    expect(host.locator("#where")).to_contain_text({"zh-hans": "已跳过", "en": "Skipped"}[language])
    set_aside = {
        "zh-hans": "已出示但未开放作答，结束竞赛时按跳过处理",
        "en": "shown, never opened: set aside by the finish",
    }
    expect(host.locator("#audit li").nth(1)).to_contain_text(set_aside[language])
    shot("7-finished")


def test_after_the_last_question_show_next_goes_and_the_note_points_to_finish(
    asgi_server,
    hall,  # noqa: F811
    signed_in_page,
):
    contest, host_user = hall["contest"], hall["host"]
    services.round_add(contest=contest, type=Round.Type.RELAY, versions=hall["versions"][:1])
    services.contest_start(contest=contest, by=host_user)
    services.question_open(contest=contest, by=host_user)
    services.question_skip(contest=contest, by=host_user)
    host = in_language(signed_in_page(host_user, viewport=CONSOLE), asgi_server, "en")
    host.goto(f"{asgi_server}/contests/{contest.join_code}/host/")
    host.locator("#connection", has_text=CONNECTED["en"]).wait_for()
    shows(host, "pause", "finish")  # no greyed-out "Show the next question" beside the note
    expect(host.locator("#last-question")).to_be_visible()
    expect(host.locator("#finish-button")).to_be_enabled()


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_an_organiser_corrects_finished_results_on_phone_and_desktop(
    asgi_server,
    hall,  # noqa: F811
    signed_in_page,
    language,
):
    contest, host_user = hall["contest"], hall["host"]
    services.round_add(contest=contest, type=Round.Type.COMPULSORY, versions=hall["versions"], points=10)
    services.contest_start(contest=contest, by=host_user)
    # Q1: red A (right), blue B (wrong); Q2: both A (right). Red 100 + 20 = 120, blue 100 + 10 = 110.
    for number, blue_says in enumerate(("B", "A")):
        services.question_open(contest=contest, by=host_user)
        for member, response in ((hall["red"], "A"), (hall["blue"], blue_says)):
            services.answer_submit(
                contest=contest, member=member, response=response, client_answer_id=f"{member.username}{number}"
            )
        services.question_reveal(contest=contest, by=host_user)
    services.contest_finish(contest=contest, by=host_user)
    url = f"{asgi_server}/contests/{contest.join_code}/results/correct/"
    words = {
        "zh-hans": {"reason": "申诉成立：第1题乙项也可接受", "done": "已记录更正：蓝队 +10 分。"},
        "en": {"reason": "Appeal upheld: B also fits Q1", "done": "Correction recorded: 蓝队 +10."},
    }[language]
    for name, size in (("desktop", CONSOLE), ("phone", {"width": 390, "height": 844})):
        page = in_language(signed_in_page(host_user, viewport=size), asgi_server, language)
        page.goto(url)
        rows = page.locator("#standings tbody tr")
        if name == "desktop":
            expect(rows).to_have_text(["1红队120", "2蓝队110"])
            blue_q1 = ContestAnswer.objects.get(team__name="蓝队", opening__question__position=1)
            page.locator("#id_overrule-answer").select_option(str(blue_q1.pk))
            page.locator("#id_overrule-correct").select_option("1")
            page.locator("#id_overrule-reason").fill(words["reason"])
            page.locator("#overrule-submit").click()
            # Blue's wrong Q1 answer ruled right: +10, 120, level with red: both first.
            expect(page.locator(".alert-success")).to_contain_text(words["done"])
            expect(rows).to_have_text(["1红队120", "1蓝队120"])
            expect(page.locator("#corrections li")).to_contain_text([words["reason"]])
        else:
            expect(rows).to_have_text(["1红队120", "1蓝队120"])
            page.locator("#adjust-submit").click()  # nothing filled in: refused, nothing recorded
            expect(page.locator("#adjust-form .invalid-feedback").first).to_be_visible()
            expect(page.locator("#corrections li")).to_have_count(1)
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"correct-{name}-{language}.png"), full_page=True)
