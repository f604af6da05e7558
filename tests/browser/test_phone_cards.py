"""Tables that scrolled sideways inside their card on a 390 px phone, now a card a row (as the
member list and the item statistics are): a ranking board, a call's rubric and entry questions,
a member import's preview; and a member board shows each person's unit under their name."""

import pytest
from playwright.sync_api import expect

from calls.models import Call
from tests import factories
from tests.browser.test_console_phone import PAST_THE_CARD, PAST_THE_EDGE, phone_page

pytestmark = pytest.mark.browser


def assert_fits(page, table) -> None:
    """Neither the page nor the table's card scrolls sideways, and every cell shown ends on screen."""
    expect(table).to_be_visible()
    assert page.evaluate(PAST_THE_EDGE) == 0
    assert table.evaluate(PAST_THE_CARD) == 0
    cells = table.locator("tbody td:visible").all()
    assert cells
    for cell in cells:
        box = cell.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390, cell.inner_text()


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_unit_ranking_board_fits_a_phone(asgi_server, demo, signed_in_page, language):
    """In English the board of offices scrolled 207 px inside its card (a unit's name a word a
    line, the composite's heading on one)."""
    page = phone_page(signed_in_page, asgi_server, "admin", language)
    page.goto(f"{asgi_server}/rankings/demo-study-offices/")
    table = page.locator("#board-table")
    assert_fits(page, table)
    # Each office's score is labelled with the metric, the heading a phone does not show.
    metric = {"zh-hans": "加权综合", "en": "Weighted composite"}[language]
    first = table.locator("tbody tr").first
    expect(first.locator("td.qs-board-score")).to_have_attribute("data-label", metric)


# The demo's member (李党员, 20th) and their unit as the board names it, below the board's office.
OWN_UNIT = {"zh-hans": "广州特派办/第一党支部", "en": "Guangzhou Resident Office/First Party Branch"}


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_member_board_shows_each_persons_unit_under_the_name_on_a_phone(asgi_server, demo, signed_in_page, language):
    """The Unit column is hidden below 768 px: a member on a phone saw no one's unit."""
    page = phone_page(signed_in_page, asgi_server, "member", language)
    page.goto(f"{asgi_server}/rankings/demo-study-members/")
    table = page.locator("#board-table")
    assert_fits(page, table)
    expect(table.locator("thead")).to_be_hidden()
    own = table.locator("tbody tr", has_text="李党员")
    unit = own.locator("td.qs-board-name .qs-board-unit")
    expect(unit).to_be_visible()
    expect(unit).to_have_text(OWN_UNIT[language])
    # Under the name, inside the screen, on every row: the same words as the desktop's column.
    name_box = own.locator("td.qs-board-name").bounding_box()
    unit_box = unit.bounding_box()
    assert unit_box["y"] > name_box["y"] and unit_box["x"] + unit_box["width"] <= 390
    for row in table.locator("tbody tr").all():
        shown = row.locator(".qs-board-unit")
        expect(shown).to_be_visible()
        assert shown.inner_text() == row.locator("td").nth(2).text_content().strip() != ""


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_calls_rubric_and_entry_questions_fit_a_phone(asgi_server, demo, signed_in_page, language):
    """The rubric scrolled 178 px inside its card, the entry form's questions 160 px (in English)."""
    # The demo's essay call, without the essay waiting for the branch secretary: an entry locks
    # parts of the form, and these are the form's tables as an organiser sets them up.
    call = Call.objects.get(kind="essay")
    call.entries.all().delete()
    page = phone_page(signed_in_page, asgi_server, "organiser", language)
    page.goto(f"{asgi_server}/calls/manage/{call.pk}/edit/")
    for table_id in ("#criteria-table", "#fields-table", "#levels-table", "#tiers-table"):
        assert_fits(page, page.locator(table_id))
    # Each box says what it is, its column's heading hidden: the weight of the first criterion.
    weight = page.locator("#criteria-table tbody tr").first.locator("td", has=page.locator("[name$='-weight']"))
    expect(weight).to_have_attribute("data-label", {"zh-hans": "权重（%）", "en": "Weight (%)"}[language])
    # And the form still saves from the phone.
    page.fill("#id_criteria-0-name_en", "Ideas")
    page.locator("#call-save").click()
    expect(page).to_have_url(f"{asgi_server}/calls/manage/{call.pk}/")
    assert call.criteria.order_by("position").first().name_en == "Ideas"


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_member_import_preview_fits_a_phone(asgi_server, demo, signed_in_page, tmp_path, language):
    """The preview's six columns scrolled 354 px (Chinese) to 511 px (English) inside its card,
    a unit's change beside them."""
    workbook = tmp_path / "members.xlsx"
    rows = [
        ["姓名", "工号", "单位"],
        ["Alexandra Konstantinopoulou", "200002", "审计署/广州特派办/南方电网审计组临时党支部"],
        ["覃立建", "100003", "审计署/广州特派办/第二党支部"],  # a demo member, moved
    ]
    workbook.write_bytes(factories.workbook(rows).getvalue())
    page = phone_page(signed_in_page, asgi_server, "organiser", language)
    page.goto(f"{asgi_server}/orgs/members/import/")
    page.set_input_files("#id_file", str(workbook))
    page.locator("#preview-button").click()
    preview = page.locator("#import-preview")
    assert_fits(page, preview)
    expect(preview.locator("[data-change=unit]")).to_be_visible()
    unit = {"zh-hans": "单位", "en": "Unit"}[language]
    expect(preview.locator(f"td[data-label='{unit}']").first).to_have_text("审计署/广州特派办/南方电网审计组临时党支部")
