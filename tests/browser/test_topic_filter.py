"""Practice by topic on a phone: typing in the box above the list keeps the knowledge points whose
name or bank holds every word typed, hides a bank left with none, and says so when none is left."""

import pytest
from django.conf import settings
from playwright.sync_api import expect

from lessons.models import QuestionBank
from tests import factories

pytestmark = pytest.mark.browser


@pytest.fixture
def member(tree):
    """党内法规题库 (审计署's) with 党章, 党史 and 廉洁纪律; 审计业务题库 (广州特派办's) with 审计法:
    both open for practice, to a member of 广州's first branch."""
    rules = factories.bank(tree["audit"])
    audit = factories.bank(tree["gz"])
    QuestionBank.objects.filter(pk=rules.pk).update(name="党内法规题库", open_for_practice=True)
    QuestionBank.objects.filter(pk=audit.pk).update(name="审计业务题库", open_for_practice=True)
    for name in ("党章", "党史", "廉洁纪律"):
        factories.question(rules, "single", tags=[name])
    factories.question(audit, "single", tags=["审计法"])
    return factories.member(tree["gz1"])


def test_typing_filters_the_knowledge_points_by_name_or_bank(asgi_server, signed_in_page, member):
    page = signed_in_page(member, phone=True)
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "zh-hans", "url": asgi_server}])
    page.goto(f"{asgi_server}/study/topics/")
    box = page.locator("#topic-filter")
    cards = page.locator(".qs-topic")
    shown = page.locator(".qs-topic-item:not([hidden]) h3")
    banks = page.locator(".qs-topic-group:not([hidden]) h2")
    none = page.locator("#topic-no-match")
    expect(box).to_be_visible()
    expect(cards).to_have_count(4)
    expect(none).to_be_hidden()

    box.fill("党")  # in 党内法规题库's name, so all its points; in nothing of 审计业务题库
    expect(shown).to_have_text(["党史", "党章", "廉洁纪律"])
    expect(banks).to_have_text(["党内法规题库 3"])
    box.fill("审计业务")  # a bank's name: all its points
    expect(shown).to_have_text(["审计法"])
    box.fill("纪律 法规")  # every word, in the name or the bank
    expect(shown).to_have_text(["廉洁纪律"])
    box.fill("没有这个")
    expect(shown).to_have_count(0)
    expect(banks).to_have_count(0)
    expect(none).to_be_visible()
    expect(none).to_have_text("没有匹配的知识点")
    box.fill("")
    expect(shown).to_have_count(4)
    expect(none).to_be_hidden()
