"""The host hands an offline runner's relay legs to a teammate from the console; the teammate's
phone, open all along, then offers the answer at once and has it accepted."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from contests import services
from contests.models import LegHandover, Round
from tests import factories
from tests.browser.test_relay_results_fixes import CONNECTED, CONSOLE, in_language

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/shots/handover")
PHONE = {"width": 390, "height": 844}
TEXTS = {
    "zh-hans": {
        "offline": "未连接",
        "button": "交接",
        "from": "(交接自 红一)",
        "turn": "轮到您了",
        "sent": "答案已提交",
    },
    "en": {
        "offline": "not connected",
        "button": "Hand over",
        "from": "(handed over from 红一)",
        "turn": "Your turn",
        "sent": "Answer received",
    },
}


@pytest.fixture
def relay(transactional_db):
    audit = factories.unit_at("审计署", kind="organ")
    gz1 = factories.unit_at("审计署/广州特派办/第一党支部")
    gz2 = factories.unit_at("审计署/广州特派办/第二党支部")
    bank = factories.bank(audit)
    host = factories.organiser(audit, username="host", real_name="主持人")
    red = [factories.member(gz1, username=f"red{n}", real_name=name) for n, name in enumerate(["红一", "红二"])]
    blue = factories.member(gz2, username="blue", real_name="蓝一")
    contest = services.contest_create(title="接力竞赛", title_en="Relay quiz", unit=audit, by=host)
    services.team_add(contest=contest, name="红队", unit=gz1, legs=red)
    services.team_add(contest=contest, name="蓝队", unit=gz2, legs=[blue])
    versions = [factories.question(bank, "single", options=["甲", "乙"], key=["A"]).current for _ in range(2)]
    services.round_add(contest=contest, type=Round.Type.RELAY, versions=versions, time_limit_s=600)
    services.contest_start(contest=contest, by=host)
    services.question_open(contest=contest, by=host)  # Q1: 红一's leg; 红一's phone never connects
    return {"contest": contest, "host": host, "red": red}


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_host_hands_an_offline_runners_leg_to_a_teammate_whose_phone_then_answers(
    asgi_server, relay, signed_in_page, language
):
    texts, code = TEXTS[language], relay["contest"].join_code
    phone = in_language(signed_in_page(relay["red"][1], viewport=PHONE), asgi_server, language)
    phone.goto(f"{asgi_server}/contests/{code}/play/")
    phone.locator("#connection", has_text=CONNECTED[language]).wait_for()
    expect(phone.locator("#controls button")).to_have_count(0)  # not 红二's leg

    host = in_language(signed_in_page(relay["host"], viewport=CONSOLE), asgi_server, language)
    host.goto(f"{asgi_server}/contests/{code}/host/")
    host.locator("#connection", has_text=CONNECTED[language]).wait_for()
    row = host.locator("#answers tr.qs-no-answer", has_text="红一")
    expect(row.locator(".qs-runner-offline")).to_have_text(texts["offline"])
    button = row.locator(".qs-hand-over")
    expect(button).to_have_text(texts["button"])
    SHOTS.mkdir(parents=True, exist_ok=True)
    host.screenshot(path=str(SHOTS / f"console-button-{language}.png"), full_page=True)

    button.click()
    dialog = host.locator("#handover-dialog")
    expect(dialog).to_be_visible()
    # Teammates by name only: 红二, not the runner handing over, nor anyone of another team.
    expect(host.locator("#handover-to option")).to_have_text(["红二"])
    expect(host.locator("#handover-who")).to_contain_text("红一")
    host.fill("#handover-reason", "手机没电")
    # The dialog's fade and slide in have ended (for the screenshot).
    host.wait_for_function(
        "() => getComputedStyle(document.getElementById('handover-dialog') ?? document.body).opacity === '1'"
        " && getComputedStyle(document.querySelector('#handover-dialog .modal-dialog') ?? document.body)"
        ".transform === 'none'"
    )
    host.screenshot(path=str(SHOTS / f"console-confirm-{language}.png"), full_page=True)
    # The page behind is dimmed as the product's other overlays dim it, all of it: on a phone the
    # console runs below the screen, where a backdrop fixed to the window left it undimmed.
    backdrop = host.locator(".modal-backdrop")
    expect(backdrop).to_have_css("background-color", "rgb(31, 35, 40)")
    expect(backdrop).to_have_css("opacity", "0.6")
    host.set_viewport_size(PHONE)
    page_height = host.evaluate("document.documentElement.scrollHeight")
    # scrollHeight is rounded to a whole pixel, the backdrop's height is not.
    assert page_height > PHONE["height"] and backdrop.bounding_box()["height"] > page_height - 1
    host.set_viewport_size(CONSOLE)
    host.click("#handover-confirm")
    expect(dialog).to_be_hidden()
    new_row = host.locator("#answers tr.qs-no-answer", has_text="红二")
    expect(new_row.locator(".qs-handed-from")).to_have_text(texts["from"])
    assert LegHandover.objects.get().reason == "手机没电"
    # 蓝一 runs alone for his team: nobody to hand his legs to, so no button.
    expect(host.locator("#answers tr.qs-no-answer", has_text="蓝一").locator(".qs-hand-over")).to_have_count(0)
    host.screenshot(path=str(SHOTS / f"console-handed-{language}.png"), full_page=True)

    phone.get_by_text(texts["turn"]).wait_for()  # no reload: the hand-over's frame
    phone.screenshot(path=str(SHOTS / f"phone-new-holder-{language}.png"), full_page=True)
    phone.locator("#controls button", has_text="A").click()
    phone.get_by_text(texts["sent"]).wait_for()
    answered = host.locator("#answers tr:not(.qs-no-answer)", has_text="红二")
    expect(answered).to_contain_text("甲")
    expect(answered.locator(".qs-handed-from")).to_have_text(texts["from"])  # as while it waited
    host.screenshot(path=str(SHOTS / f"console-after-{language}.png"), full_page=True)
