"""The console's answers on a 390 px phone: five columns were wider than the screen and the last,
the rulings, was cut off. Each answer is now a block that fits; at 1366 px it is still a table."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from contests import services
from contests.models import Round
from tests import factories
from tests.browser.test_relay_results_fixes import CONNECTED, CONSOLE, hall, in_language  # noqa: F401

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/shots/jsrows")
PHONE = {"width": 390, "height": 844}
RULE_RIGHT = {"zh-hans": "判为正确", "en": "Rule right"}
# The right edge of every cell of the answers, measured in one step (a frame redraws them).
RIGHT_EDGES = (
    "body => Array.from(body.rows).flatMap(row => Array.from(row.cells))"
    ".map(cell => cell.getBoundingClientRect().right)"
)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_answers_and_their_rulings_fit_a_phone_and_stay_a_table_on_a_desktop(
    asgi_server,
    hall,  # noqa: F811
    signed_in_page,
    language,
):
    contest, host_user = hall["contest"], hall["host"]
    long_team = factories.member(hall["audit"], username="long", real_name="欧阳长名字同志")
    services.team_add(contest=contest, name="审计署广州特派办第一党支部代表队", unit=hall["audit"], legs=[long_team])
    services.round_add(contest=contest, type=Round.Type.RELAY, versions=hall["versions"], time_limit_s=60)
    services.contest_start(contest=contest, by=host_user)
    services.question_open(contest=contest, by=host_user)
    services.answer_submit(contest=contest, member=hall["blue"], response="B", client_answer_id="b")  # key A
    services.answer_submit(contest=contest, member=long_team, response="B", client_answer_id="l")
    services.question_reveal(contest=contest, by=host_user)
    host = in_language(signed_in_page(host_user, viewport=PHONE, phone=True), asgi_server, language)
    host.goto(f"{asgi_server}/contests/{contest.join_code}/host/")
    host.locator("#connection", has_text=CONNECTED[language]).wait_for()
    rows = host.locator("#answers tr")
    expect(rows).to_have_count(3)  # 蓝队 and the long-named team answered, 红队 did not
    rulings = host.locator("#answers button", has_text=RULE_RIGHT[language])
    expect(rulings).to_have_count(2)
    rights = host.locator("#answers").evaluate(RIGHT_EDGES)
    assert max(rights) <= PHONE["width"], rights
    scroller = host.locator(".qs-host-answers").locator("xpath=..")
    assert scroller.evaluate("box => box.scrollWidth - box.clientWidth") == 0
    for button in rulings.all():
        box = button.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
    SHOTS.mkdir(parents=True, exist_ok=True)
    host.screenshot(path=str(SHOTS / f"host-answers-phone-{language}.png"), full_page=True)

    host.set_viewport_size(CONSOLE)
    expect(host.locator(".qs-host-answers thead")).to_be_visible()
    assert rows.first.evaluate("row => getComputedStyle(row).display") == "table-row"
    host.screenshot(path=str(SHOTS / f"host-answers-desktop-{language}.png"), full_page=True)
