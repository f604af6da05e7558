"""English titles in real Chromium pages: a round's title on phones, the big screen and the host
console in each page's language (one frame reaches them all), and the editors where organisers
type the English titles, in both languages."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from calls.models import Call
from contests import services
from contests.models import Round
from tests import factories
from tests.rankings import test_compute as scenario

central = scenario.central

pytestmark = pytest.mark.browser

EDITOR = {"width": 1366, "height": 900}


@pytest.fixture
def hall(transactional_db):
    audit = factories.unit_at("审计署", kind="organ")
    gz1 = factories.unit_at("审计署/广州特派办/第一党支部")
    bank = factories.bank(audit)
    host = factories.organiser(audit, username="host", real_name="主持人")
    red = [factories.member(gz1, username=f"red{n}", real_name=f"红{n}") for n in range(2)]
    contest = services.contest_create(title="浏览器竞赛", title_en="Browser quiz", unit=audit, by=host)
    services.team_add(contest=contest, name="红队", unit=gz1, legs=red)
    versions = [factories.question(bank, "single", options=["甲", "乙"], key=["A"]).current for _ in range(2)]
    services.round_add(
        contest=contest, type=Round.Type.COMPULSORY, title="第一轮", title_en="Round one", versions=versions[:1]
    )
    services.round_add(contest=contest, type=Round.Type.COMPULSORY, title="第二轮", versions=versions[1:])
    return {"contest": contest, "host": host, "red": red, "audit": audit, "bank": bank}


def in_language(page, server: str, language: str):
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": server}])
    return page


def test_phones_screen_and_host_show_the_round_title_in_their_own_language(
    asgi_server, hall, signed_in_page, screenshot
):
    code = hall["contest"].join_code
    host = in_language(signed_in_page(hall["host"], viewport=EDITOR), asgi_server, "en")
    english = in_language(signed_in_page(hall["red"][0], phone=True), asgi_server, "en")
    chinese = in_language(signed_in_page(hall["red"][1], phone=True), asgi_server, "zh-hans")
    screen = in_language(signed_in_page(hall["host"], viewport={"width": 1600, "height": 900}), asgi_server, "en")
    host.goto(f"{asgi_server}/contests/{code}/host/")
    screen.goto(f"{asgi_server}/contests/{code}/screen/")
    english.goto(f"{asgi_server}/contests/{code}/play/")
    chinese.goto(f"{asgi_server}/contests/{code}/play/")
    host.locator("#connection", has_text="Connected").wait_for()
    english.locator("#connection", has_text="Connected").wait_for()
    chinese.locator("#connection", has_text="已连接").wait_for()

    host.click("#start-button")
    host.click("#open-button")  # opened by a host reading in English
    english.locator("#round-label", has_text="Round one · 1").wait_for()
    chinese.locator("#round-label", has_text="第一轮 · 1").wait_for()
    screen.locator("#round-label", has_text="Round one · 1").wait_for()
    host.locator("#where", has_text="Round one").wait_for()
    screenshot(english, "english-titles-phone-en")
    screenshot(chinese, "english-titles-phone-zh-hans")

    host.click("#reveal-button")
    host.click("#open-button")
    # No English title: the title as typed on the English phone too.
    english.locator("#round-label", has_text="第二轮 · 1").wait_for()
    chinese.locator("#round-label", has_text="第二轮 · 1").wait_for()


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_editors_have_a_box_for_each_english_title(asgi_server, hall, signed_in_page, screenshot, language):
    host = in_language(signed_in_page(hall["host"], viewport=EDITOR), asgi_server, language)
    draft = services.contest_create(title="新竞赛", unit=hall["audit"], by=hall["host"])
    factories.question(hall["bank"], "true_false")
    host.goto(f"{asgi_server}/contests/{draft.join_code}/setup/rounds/")
    host.fill("#id_title", "接力赛")
    host.fill("#id_title_en", "Relay race")
    screenshot(host, f"english-titles-round-editor-{language}")
    host.goto(f"{asgi_server}/contests/{draft.join_code}/setup/teams/")
    screenshot(host, f"english-titles-teams-roster-{language}")

    call = Call.objects.create(
        title="学习征文",
        title_en="Study essays",
        unit=hall["audit"],
        kind=Call.Kind.ESSAY,
        opens_at=timezone.now(),
        closes_at=timezone.now() + timedelta(days=3),
    )
    host.goto(f"{asgi_server}/calls/manage/{call.pk}/edit/")
    assert host.locator("#id_title_en").input_value() == "Study essays"
    host.locator("#id_tiers-0-name").fill("一等奖")
    host.locator("#id_tiers-0-name_en").fill("First prize")
    screenshot(host, f"english-titles-call-form-{language}")


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_headcount_page_offers_its_template(asgi_server, central, signed_in_page, screenshot, language):
    rule = scenario.organ_rule(central, factories.paper(central["root"]))
    boss = factories.administrator(central["root"], username="boss")
    page = in_language(signed_in_page(boss, viewport=EDITOR), asgi_server, language)
    page.goto(f"{asgi_server}/rankings/{rule.slug}/manage/headcounts/")
    page.locator("#headcount-template").wait_for()
    screenshot(page, f"english-titles-headcounts-{language}")
