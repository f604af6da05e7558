"""An organiser creating an online contest adds a third draw rule with "Add a rule", and each
rule's knowledge points are only the chosen bank's."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from contests.online.models import OnlineContest
from lessons.models import Tag
from tests import factories

pytestmark = pytest.mark.browser


def test_an_organiser_adds_a_third_draw_rule_and_sees_only_the_banks_knowledge_points(
    transactional_db, signed_in_page, asgi_server
):
    organ = factories.unit_at("审计署")
    branch = factories.unit_at("审计署/广州特派办/第一党支部")
    organiser = factories.organiser(organ)
    party, audit = factories.bank(organ), factories.bank(organ)
    history, law = Tag.objects.create(name="党史"), Tag.objects.create(name="审计法")
    for _ in range(3):
        factories.question(party, "single").tags.add(history)
        factories.question(audit, "single").tags.add(law)
    Tag.objects.create(name="别处的知识点")  # on no question of a bank the organiser draws from
    page = signed_in_page(organiser)
    page.goto(f"{asgi_server}/contests/online/manage/new/")
    expect(page.locator(".qs-draw-rule")).to_have_count(2)
    page.locator("#add-draw-rule").click()
    expect(page.locator(".qs-draw-rule")).to_have_count(3)
    # Only the two banks' knowledge points are offered, and once a bank is chosen, only its own.
    options = page.locator("#id_rules-2-tag option")
    assert options.all_inner_texts()[1:] == ["党史", "审计法"]
    page.select_option("#id_rules-2-bank", str(audit.pk))
    expect(page.locator("#id_rules-2-tag option:not([hidden])")).to_have_count(2)  # "---------" and 审计法
    page.fill("#id_title", "三条规则的网上答题")
    page.select_option("#id_unit", str(organ.pk))
    page.select_option("#id_audience", str(branch.pk))
    for row, bank in enumerate((party, party, audit)):
        page.select_option(f"#id_rules-{row}-bank", str(bank.pk))
        page.fill(f"#id_rules-{row}-count", "1")
    page.select_option("#id_rules-2-tag", str(law.pk))
    Path("/tmp/shots/jsrows").mkdir(parents=True, exist_ok=True)
    page.screenshot(path="/tmp/shots/jsrows/draw-rules-three-desktop.png", full_page=True)
    page.locator("#save-contest").click()
    page.wait_for_url(re.compile(r"/contests/online/manage/\d+/$"))
    rules = OnlineContest.objects.get().paper.rules.order_by("pk")
    assert [(r.bank_id, r.count, r.tag_id) for r in rules] == [
        (party.pk, 1, None),
        (party.pk, 1, None),
        (audit.pk, 1, law.pk),
    ]
