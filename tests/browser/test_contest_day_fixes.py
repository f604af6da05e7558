"""The host console after the QA walk of contest day: Skip asks first when it voids answers
given, naming how many; ruling links offer only the verdict that changes something, on one line."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import translation
from playwright.sync_api import expect

from contests import services
from contests.models import Opening, Round
from contests.wizard import services as wizard
from tests.browser.test_relay_results_fixes import CONNECTED, CONSOLE, hall, in_language  # noqa: F401

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/shots/livefix")
# A box measured in the page in one step (width and height in CSS pixels).
BOX = "element => { const box = element.getBoundingClientRect(); return {width: box.width, height: box.height}; }"
PHASE = {
    "open": {"zh-hans": "作答中", "en": "Open for answers"},
    "skipped": {"zh-hans": "已跳过", "en": "Skipped"},
}
ASKS = {
    1: {"zh-hans": "已提交的 1 份作答将作废", "en": "The 1 answer given is voided"},
    2: {"zh-hans": "已提交的 2 份作答将作废", "en": "The 2 answers given are voided"},
}


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_skip_asks_first_naming_the_answers_it_voids(asgi_server, hall, signed_in_page, language):  # noqa: F811
    contest, host_user = hall["contest"], hall["host"]
    services.round_add(contest=contest, type=Round.Type.COMPULSORY, versions=hall["versions"], time_limit_s=600)
    services.contest_start(contest=contest, by=host_user)
    first = services.question_open(contest=contest, by=host_user)
    services.answer_submit(contest=contest, member=hall["red"], response="A", client_answer_id="r1")
    host = in_language(signed_in_page(host_user, viewport=CONSOLE), asgi_server, language)
    host.goto(f"{asgi_server}/contests/{contest.join_code}/host/")
    host.locator("#connection", has_text=CONNECTED[language]).wait_for()
    expect(host.locator("#answers tr:not(.qs-no-answer)")).to_have_count(1)

    asked, accept = [], []

    def answer_dialog(dialog):
        asked.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    host.on("dialog", answer_dialog)
    host.locator("#skip-button").click()
    # Declined: nothing sent, the question stays open with its answer.
    assert len(asked) == 1 and ASKS[1][language] in asked[0], asked
    expect(host.locator("#where")).to_contain_text(PHASE["open"][language])
    expect(host.locator("#skip-button")).to_be_enabled()
    assert not Opening.objects.get(pk=first.pk).skipped

    services.answer_submit(contest=contest, member=hall["blue"], response="B", client_answer_id="b1")
    expect(host.locator("#answers tr:not(.qs-no-answer)")).to_have_count(2)
    accept.append(True)
    host.locator("#skip-button").click()
    expect(host.locator("#where")).to_contain_text(PHASE["skipped"][language])
    assert ASKS[2][language] in asked[-1], asked
    assert Opening.objects.get(pk=first.pk).skipped

    # No answer given: nothing is voided, so Skip acts at once.
    asked.clear()
    host.locator("#open-button").click()
    expect(host.locator("#where")).to_contain_text(PHASE["open"][language])
    host.locator("#skip-button").click()
    expect(host.locator("#where")).to_contain_text(PHASE["skipped"][language])
    assert asked == []


RULE = {True: {"zh-hans": "判为正确", "en": "Rule right"}, False: {"zh-hans": "判为错误", "en": "Rule wrong"}}


@pytest.mark.parametrize("viewport", [CONSOLE, {"width": 1920, "height": 1080}], ids=["1366", "1920"])
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_ruling_links_offer_the_verdict_that_changes_something_on_one_line(
    asgi_server,
    hall,  # noqa: F811
    signed_in_page,
    language,
    viewport,
):
    contest, host_user = hall["contest"], hall["host"]
    services.round_add(contest=contest, type=Round.Type.COMPULSORY, versions=hall["versions"], time_limit_s=600)
    services.contest_start(contest=contest, by=host_user)
    services.question_open(contest=contest, by=host_user)
    services.answer_submit(contest=contest, member=hall["red"], response="A", client_answer_id="r1")  # right
    services.answer_submit(contest=contest, member=hall["blue"], response="B", client_answer_id="b1")  # wrong
    services.question_reveal(contest=contest, by=host_user)
    host = in_language(signed_in_page(host_user, viewport=viewport), asgi_server, language)
    host.goto(f"{asgi_server}/contests/{contest.join_code}/host/")
    host.locator("#connection", has_text=CONNECTED[language]).wait_for()
    red, blue = (host.locator("#answers tr", has_text=name) for name in ("红队", "蓝队"))
    # Red stands right: only "rule wrong"; blue stands wrong: only "rule right".
    expect(red.locator("[data-rule]")).to_have_text([RULE[False][language]])
    expect(blue.locator("[data-rule]")).to_have_text([RULE[True][language]])
    for row in (red, blue):
        # Measured in the page in one step: the console redraws the table when a state frame
        # arrives, so a box asked for separately could find the row between two drawings.
        link = row.locator("[data-rule]").evaluate(BOX)
        # One line: a link no taller than a line of small text (~31 px), the row as short.
        assert link["height"] < 40 and link["width"] > link["height"], link
        assert row.evaluate(BOX)["height"] < 50, row.evaluate(BOX)
    SHOTS.mkdir(parents=True, exist_ok=True)
    host.screenshot(path=str(SHOTS / f"console-rulings-{viewport['width']}-{language}.png"), full_page=True)

    host.once("dialog", lambda dialog: dialog.accept("复核：答案可接受"))
    blue.locator("[data-rule]").click()
    # Ruled right, blue now stands right: the console offers to rule it wrong again.
    expect(blue.locator("td").nth(3)).to_have_text("✓")
    expect(blue.locator("[data-rule]")).to_have_text([RULE[False][language]])


OFFLINE = {"zh-hans": "连接已断开，正在重连…", "en": "Connection lost: reconnecting…"}


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_phones_offline_badge_fits_a_390_px_screen(asgi_server, hall, signed_in_page, language):  # noqa: F811
    contest, host_user = hall["contest"], hall["host"]
    contest.title, contest.title_en = "2026 年度党章党规知识竞赛决赛", "2026 Party Constitution and Rules Quiz final"
    contest.save()
    services.round_add(contest=contest, type=Round.Type.COMPULSORY, versions=hall["versions"], time_limit_s=600)
    services.contest_start(contest=contest, by=host_user)
    phone = in_language(signed_in_page(hall["red"], phone=True), asgi_server, language)
    phone.goto(f"{asgi_server}/contests/{contest.join_code}/play/")
    phone.locator("#connection", has_text=CONNECTED[language]).wait_for()
    phone.context.set_offline(True)
    badge = phone.locator("#connection")
    expect(badge).to_have_text(OFFLINE[language])
    SHOTS.mkdir(parents=True, exist_ok=True)
    phone.screenshot(path=str(SHOTS / f"phone-offline-{language}.png"))
    # The whole text inside the badge, and the badge inside the screen: nothing cut or off the edge.
    box = badge.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390, box
    assert badge.evaluate("(b) => b.scrollWidth <= b.clientWidth")
    assert phone.evaluate("() => document.documentElement.scrollWidth") <= 390
    # The badge wraps rather than squeezing the title: the title keeps at least half the head (it
    # was pressed into three lines by a one-line badge whose closing "…" read as cut off).
    head = phone.locator("#player > div").first.bounding_box()
    title = phone.locator("#my-team").locator("..").bounding_box()
    assert title["width"] >= head["width"] / 2 - 8, (title, head)
    phone.context.set_offline(False)


SCREEN = {"width": 1920, "height": 1080}
REHEARSAL = {"zh-hans": "接力竞赛（彩排）", "en": "Relay quiz (rehearsal)"}


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_rehearsal_console_and_big_screen_show_the_pages_language_title(
    asgi_server,
    hall,  # noqa: F811
    signed_in_page,
    language,
):
    contest, host_user = hall["contest"], hall["host"]
    services.round_add(contest=contest, type=Round.Type.COMPULSORY, versions=hall["versions"], time_limit_s=600)
    with translation.override("zh-hans"):  # rehearsed from a Chinese page, shown on either
        rehearsal = wizard.contest_rehearse(contest=contest, by=host_user)
    host = in_language(signed_in_page(host_user, viewport=CONSOLE), asgi_server, language)
    screen = in_language(signed_in_page(host_user, viewport=SCREEN), asgi_server, language)
    host.goto(f"{asgi_server}/contests/{rehearsal.join_code}/host/")
    screen.goto(f"{asgi_server}/contests/{rehearsal.join_code}/screen/")
    expect(host.locator("h1")).to_have_text(REHEARSAL[language])
    expect(screen.locator(".qs-screen-title")).to_have_text(REHEARSAL[language])
    host.locator("#connection", has_text=CONNECTED[language]).wait_for()
    SHOTS.mkdir(parents=True, exist_ok=True)
    host.screenshot(path=str(SHOTS / f"rehearsal-console-{language}.png"), full_page=True)
    screen.screenshot(path=str(SHOTS / f"rehearsal-screen-{language}.png"))


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_correction_and_results_pages_show_the_tie_and_every_adjustments_time(
    asgi_server,
    hall,  # noqa: F811
    signed_in_page,
    language,
):
    contest, host_user = hall["contest"], hall["host"]
    services.round_add(contest=contest, type=Round.Type.RELAY, versions=hall["versions"][:1], time_limit_s=60)
    services.contest_start(contest=contest, by=host_user)
    opened = services.question_open(contest=contest, by=host_user).opened_at
    # Both right (110): red after 2 s, blue after 5 s; then +5 and −5 leave both at 110 again.
    for member, seconds in ((hall["red"], 2), (hall["blue"], 5)):
        at = opened + timedelta(seconds=seconds)
        services.answer_submit(contest=contest, member=member, response="A", client_answer_id=member.username, at=at)
    services.question_reveal(contest=contest, by=host_user)
    blue = contest.teams.get(name="蓝队")
    services.score_adjust(contest=contest, team=blue, points=5, reason="主持人加分", by=host_user)
    services.contest_finish(contest=contest, by=host_user)
    services.score_adjust(contest=contest, team=blue, points=-5, reason="申诉：加分有误", by=host_user, correction=True)
    page = in_language(signed_in_page(host_user, viewport=CONSOLE), asgi_server, language)
    page.goto(f"{asgi_server}/contests/{contest.join_code}/results/correct/")
    red = page.locator("#standings tbody tr").first
    expect(red).to_contain_text("红队")
    expect(red.locator(".qs-tie-note")).to_have_text({"zh-hans": "用时少", "en": "less time"}[language])
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"correct-standings-{language}.png"), full_page=True)
    page.goto(f"{asgi_server}/contests/{contest.join_code}/results/")
    # The in-contest adjustment has its time, as the correction after the finish does.
    expect(page.locator("li", has_text="主持人加分").locator("time")).to_have_count(1)
    expect(page.locator("li", has_text="申诉：加分有误").locator("time")).to_have_count(1)
    page.screenshot(path=str(SHOTS / f"results-times-{language}.png"), full_page=True)
