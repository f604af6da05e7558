"""The rule builder's choice of units by kind: the level's input and the kinds' boxes take turns
as "rank the units" changes, only for unit rankings, and the title counts its characters."""

import pytest
from playwright.sync_api import expect

from tests.browser.test_shell import sign_in

pytestmark = pytest.mark.browser


def test_the_builder_offers_a_level_or_kinds_for_units_and_counts_the_title(live_server, demo, page_factory):
    base = live_server.url
    page = page_factory(locale="en-GB")
    sign_in(page, base, "admin")
    page.goto(f"{base}/rankings/rules/new/")
    # Members: neither the level nor the kinds.
    page.select_option("#id_subject", "member")
    expect(page.locator("#id_units_by")).to_be_hidden()
    expect(page.locator("#id_unit_level")).to_be_hidden()
    expect(page.locator("#id_unit_kinds")).to_be_hidden()
    # Units at one level: the level only.
    page.select_option("#id_subject", "unit")
    expect(page.locator("#id_units_by")).to_be_visible()
    expect(page.locator("#id_unit_level")).to_be_visible()
    expect(page.locator("#id_unit_kinds")).to_be_hidden()
    # Units of chosen kinds: the boxes, in the page's language, and no level.
    page.select_option("#id_units_by", "kind")
    expect(page.locator("#id_unit_level")).to_be_hidden()
    expect(page.locator("#id_unit_kinds")).to_be_visible()
    expect(page.locator("label[for=id_unit_kinds_3]")).to_have_text("General Party branch")
    expect(page.locator("label[for=id_unit_kinds_4]")).to_have_text("Party branch")
    # The title counts what is typed of the most it takes.
    page.fill("#id_title", "党支部积分")
    expect(page.locator("#id_title + .qs-counter")).to_have_text("5 / 60")
    expect(page.locator("#id_title")).to_have_attribute("maxlength", "60")
