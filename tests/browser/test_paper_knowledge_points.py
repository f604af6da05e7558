"""A draw rule naming a knowledge point that does not exist was saved drawing from the whole bank;
now the builder refuses it in words, keeping what was typed; and a member starting a paper whose
knowledge point lost questions since is told so, with nothing started (pictures in SHOTS_DIR)."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from lessons.models import Attempt, Question
from tests import factories

pytestmark = pytest.mark.browser

SHOTS = Path(os.environ.get("SHOTS_DIR", "/tmp/shots/bgfix"))
SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1366, "height": 900}}
NO_SUCH_POINT = {"zh-hans": "没有名为“党史学习”的知识点", "en": 'there is no knowledge point "党史学习"'}
DRAW_SHORT = {"zh-hans": "这份试卷无法完整抽题", "en": "This paper cannot be drawn in full"}


@pytest.mark.parametrize("size", ["desktop", "phone"])
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_builder_names_a_missing_knowledge_point_and_a_member_is_told_of_a_short_draw(
    asgi_server, transactional_db, tree, signed_in_page, language, size
):
    bank = factories.bank(tree["gz"], slug="gz-points")
    tagged = [factories.question(bank, tags=["党史"]) for _n in range(2)]
    organiser = factories.organiser(tree["gz"], username="author")
    page = signed_in_page(organiser, viewport=SIZES[size], phone=size == "phone")
    page.context.add_cookies([{"name": "django_language", "value": language, "url": asgi_server}])
    page.goto(f"{asgi_server}/papers/new/")
    page.fill("#id_title", "党史测试")
    page.click("#add-rule")
    rule = page.locator("#rule-list .qs-rule").first
    rule.locator("[name=rule_tag]").fill("党史学习")
    rule.locator("[name=rule_count]").fill("2")
    page.click("#save-paper")
    expect(page.locator("#builder-errors")).to_contain_text(NO_SUCH_POINT[language])
    expect(page.locator("#rule-list [name=rule_tag]").first).to_have_value("党史学习")
    assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") == 0
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"paper-builder-no-such-point-{language}-{size}.png"), full_page=True)

    paper = factories.paper(tree["gz"], rules=[{"bank": bank, "tag": tagged[0].tags.get(), "count": 2}])
    Question.objects.filter(pk=tagged[1].pk).update(status="retired")
    member = factories.member(tree["gz1"])
    page = signed_in_page(member, viewport=SIZES[size], phone=size == "phone")
    page.context.add_cookies([{"name": "django_language", "value": language, "url": asgi_server}])
    page.goto(f"{asgi_server}/study/")
    page.locator(f"form[action='/study/papers/{paper.pk}/start/'] button").first.click()
    expect(page.get_by_text(DRAW_SHORT[language])).to_be_visible()
    assert not Attempt.objects.filter(member=member).exists()
    assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") == 0
    page.screenshot(path=str(SHOTS / f"paper-start-draw-short-{language}-{size}.png"), full_page=True)
