"""The paper builder's "Add a rule" and "Remove" (static/js/formset_rows.js, shared with the call
form and the draw rules of online contests): the rules left on the page are the rules saved."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from lessons.models import Paper
from tests import factories

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/shots/jsrows")


def test_rules_added_and_removed_in_the_paper_builder_are_saved_as_left(
    asgi_server, transactional_db, tree, signed_in_page
):
    party, audit = factories.bank(tree["gz"], slug="gz-party"), factories.bank(tree["gz"], slug="gz-audit")
    for bank in (party, audit):
        for _n in range(3):
            factories.question(bank, "single")
    page = signed_in_page(factories.organiser(tree["gz"], username="author"))
    page.goto(f"{asgi_server}/papers/new/")
    page.fill("#id_title", "两条规则的试卷")
    for _n in range(3):
        page.click("#add-rule")
    rules = page.locator("#rule-list .qs-rule")
    expect(rules).to_have_count(3)
    rules.nth(1).locator("[name=rule_bank]").select_option(str(party.pk))
    rules.nth(1).locator("[name=rule_count]").fill("2")
    rules.nth(2).locator("[name=rule_bank]").select_option(str(audit.pk))
    rules.nth(2).locator("[name=rule_count]").fill("3")
    rules.nth(0).locator(".qs-remove-row").click()
    expect(rules).to_have_count(2)
    # The count beside each rule follows the rules left: 3 of each bank's questions match.
    expect(rules.nth(1).locator(".qs-rule-count")).to_have_text(re.compile("3"))
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "paper-builder-rules-desktop.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(SHOTS / "paper-builder-rules-phone.png"), full_page=True)
    page.click("#save-paper")
    page.wait_for_url(re.compile(r"/papers/\d+/edit/$"))
    paper = Paper.objects.get(title="两条规则的试卷")
    assert [(rule.bank_id, rule.count) for rule in paper.rules.all()] == [(party.pk, 2), (audit.pk, 3)]
