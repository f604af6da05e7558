"""An administrator of three organs makes one board across them in the rule builder, picking the
units in a searchable multiple select; a member reads it on a phone."""

import pytest
from playwright.sync_api import expect

from rankings.services import snapshot_approve, snapshot_publish
from tests import factories
from tests.browser.pickers import pick_judge
from tests.rankings.test_rule_scope import build_organs, scoped_rule
from tests.rankings.test_services import compute

pytestmark = pytest.mark.browser


@pytest.fixture
def organs(transactional_db):
    return build_organs()


def test_the_builder_refuses_a_unit_inside_another_beside_the_field_then_saves_the_three(
    asgi_server, organs, signed_in_page
):
    page = signed_in_page(organs["admin"], locale="en-US")
    page.goto(f"{asgi_server}/rankings/rules/new/")
    page.fill("#id_title", "Three organs")
    page.fill("#id_slug", "three-organs")
    page.click("#add-source")
    page.locator("[data-source-kind]").select_option("points")
    for typed, choice in (("财政部", "财政部"), ("预算司", "财政部/预算司")):
        pick_judge(page, typed, choice, select="#id_scope")
    page.click("#save-rule")
    error = page.locator('[data-error-for="scope"]')
    expect(error).to_have_text("财政部/预算司 lies inside 财政部, which covers it already: choose one of the two.")
    # The choices come back as posted, in the picker.
    expect(page.locator("#id_scope + .ts-wrapper .item")).to_have_count(2)
    page.locator("#id_scope + .ts-wrapper .item", has_text="预算司").locator(".remove").click()
    for typed in ("审计署", "国家统计局"):
        pick_judge(page, typed, typed, select="#id_scope")
    page.click("#save-rule")
    page.wait_for_url(f"{asgi_server}/rankings/three-organs/manage/")
    expect(page.locator("body")).to_contain_text("审计署, 财政部, 国家统计局 · Members")


def test_a_member_reads_the_board_across_organs_on_a_phone(asgi_server, organs, signed_in_page):
    rule = scoped_rule(organs)
    snapshot = compute(rule).snapshot
    snapshot_approve(snapshot=snapshot, by=organs["admin"])
    snapshot_publish(snapshot=snapshot, by=organs["admin"])
    page = signed_in_page(organs["people"]["戊"], phone=True)
    page.goto(f"{asgi_server}/rankings/{rule.slug}/")
    expect(page.locator("#board-table")).to_contain_text("国家统计局/综合司")
    expect(page.locator("body")).to_contain_text("审计署、财政部、国家统计局 · ")


def test_the_four_eyes_warning_follows_the_units_covered(asgi_server, organs, signed_in_page, screenshot):
    """audit-only administers 审计署 alone: a second approver of a rule of 审计署, not of one
    covering 财政部 too. The new rule's box follows the units chosen until it is touched."""
    factories.administrator(organs["units"]["audit"], username="audit-only")
    for locale, name in (("zh-CN", "zh-hans"), ("en", "en")):
        page = signed_in_page(organs["admin"], locale=locale, viewport={"width": 1366, "height": 900})
        page.goto(f"{asgi_server}/rankings/rules/new/")
        box, warning = page.locator("#id_requires_second_approver"), page.locator("#no-second-approver")
        expect(page.locator("#id_unit")).to_have_value(str(organs["units"]["audit"].pk))
        expect(box).to_be_checked()
        expect(warning).to_be_hidden()
        pick_judge(page, "财政部", "财政部", select="#id_scope")
        expect(box).not_to_be_checked()
        box.check()
        expect(warning).to_be_visible()
        warning.scroll_into_view_if_needed()
        screenshot(page, f"scope-four-eyes-warning-{name}")
        page.locator("#id_scope + .ts-wrapper .item", has_text="财政部").locator(".remove").click()
        expect(warning).to_be_hidden()
