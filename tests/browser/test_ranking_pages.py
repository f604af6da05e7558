"""A member reads a published unit ranking on a phone: the table's headings stay on one line; its
administrator edits the rule's tie-breaks."""

import pytest
from playwright.sync_api import expect

from rankings.services import snapshot_approve, snapshot_publish
from tests import factories
from tests.rankings.test_services import DAY, compute, points

pytestmark = pytest.mark.browser

# How many lines each heading of the board's table is laid out on.
HEADING_LINES = """() => [...document.querySelectorAll('#board-table thead th')].filter((th) => th.offsetParent)
  .map((th) => { const range = document.createRange(); range.selectNodeContents(th);
    return [th.innerText.trim(), new Set([...range.getClientRects()].map((rect) => Math.round(rect.top))).size]; })"""


@pytest.fixture
def published_units(transactional_db):
    root = factories.unit_at("审计署", kind="organ")
    branches = [factories.unit_at(f"审计署/广州特派办/第{n}党支部") for n in "一二"]
    paper = factories.paper(root)
    member = factories.member(branches[0], username="reader", real_name="读者")
    rule = factories.ranking_rule(
        root,
        subject="unit",
        unit_level=3,
        group_level=2,
        metric="participation",
        slug="branches",
        sources=[{"kind": "exam", "paper": paper}],
    )
    admin = factories.administrator(root, username="boss")
    # No one has sat the paper: the units are listed, none takes a place, so publishing is confirmed.
    snapshot = snapshot_approve(snapshot=compute(rule).snapshot, by=admin, nobody_ranked_ok=True)
    snapshot_publish(snapshot=snapshot, by=admin, nobody_ranked_ok=True)
    return {"member": member, "admin": admin}


def test_a_member_reads_the_board_on_a_phone_with_each_heading_on_one_line(
    asgi_server, published_units, signed_in_page, screenshot
):
    page = signed_in_page(published_units["member"], phone=True)
    page.goto(f"{asgi_server}/rankings/branches/")
    screenshot(page, "rankings-board-phone")
    # 名次 and 参与率 broke after their first character in a narrow column. A phone now shows each
    # row as a card, without the headings: the score is labelled 参与率, on one line with it.
    expect(page.locator("#board-table thead")).to_be_hidden()
    score = page.locator("#board-table td.qs-board-score").first
    expect(score).to_have_attribute("data-label", "参与率")
    assert score.evaluate("td => td.getBoundingClientRect().height < 2 * parseFloat(getComputedStyle(td).lineHeight)")
    # From 576 px the table has its headings, each on one line.
    page.set_viewport_size({"width": 600, "height": 844})
    lines = dict(page.evaluate(HEADING_LINES))
    assert lines and set(lines.values()) == {1}, lines


def test_an_empty_tie_break_chain_says_the_choice_below_it_is_not_yet_part_of_it(
    asgi_server, published_units, signed_in_page, screenshot
):
    page = signed_in_page(published_units["admin"])
    page.goto(f"{asgi_server}/rankings/branches/edit/")
    # The select beside "Add" shows a rule; without a word, it read as the chain itself.
    assert page.locator("#tie-break-none").is_visible()
    assert "尚未选择" in page.locator("#tie-break-none").inner_text()
    page.click("#add-tie-break")
    assert page.locator("#tie-break-list [data-tie-break]").count() == 1
    assert page.locator("#tie-break-none").is_hidden()
    screenshot(page, "rankings-rule-tie-break-added")
    page.click("#tie-break-list [data-remove-row]")
    assert page.locator("#tie-break-none").is_visible()


@pytest.fixture
def published_members(transactional_db):
    """A member ranking within offices, 广州特派办 named in English as the tester's walk had it."""
    root = factories.unit_at("审计署", kind="organ")
    office = factories.unit_at("审计署/广州特派办", kind="office")
    office.name_en = "Guangzhou Resident Office"
    office.save(update_fields=["name_en"])
    branch = factories.unit_at("审计署/广州特派办/第一党支部")
    people = [factories.member(branch, username=f"m{n}", real_name=f"成员{n}号") for n in range(3)]
    for n, person in enumerate(people):
        points(person, 30 - n, f"p{n}")
    rule = factories.ranking_rule(
        root,
        subject="member",
        group_level=2,
        slug="offices",
        sources=[{"kind": "points"}],
        period_starts_on=DAY,
        period_ends_on=DAY,
        prize_mode="count",
        prize_tiers=[{"name": "一等奖", "name_en": "First prize", "value": 1}],
    )
    admin = factories.administrator(root, username="boss")
    snapshot_publish(snapshot=snapshot_approve(snapshot=compute(rule).snapshot, by=admin), by=admin)
    return {"member": people[0], "office": office}


@pytest.mark.parametrize("locale", ["en-GB", "zh-CN"])
def test_a_units_view_of_the_board_fits_a_phone(asgi_server, published_members, signed_in_page, screenshot, locale):
    page = signed_in_page(published_members["member"], phone=True, locale=locale)
    page.goto(f"{asgi_server}/rankings/offices/?group={published_members['office'].pk}")
    expect(page.locator("#board-table tbody tr")).to_have_count(3)
    screenshot(page, f"rankings-unit-view-phone-{locale}")
    # "Rank in Guangzhou Resident Office" as the first heading pushed Total and Prize off-screen.
    table = page.locator("#board-table").locator("xpath=..")
    assert table.evaluate("(box) => box.scrollWidth <= box.clientWidth"), "the table scrolls sideways"
    # Every row a card, its cells inside the screen.
    for cell in page.locator("#board-table tbody td:visible").all():
        assert cell.bounding_box()["x"] + cell.bounding_box()["width"] <= 390, cell.inner_text()
    # The unit is named above the table instead.
    expect(page.locator("#group-heading")).to_contain_text(
        "Guangzhou Resident Office" if locale == "en-GB" else "广州特派办"
    )
