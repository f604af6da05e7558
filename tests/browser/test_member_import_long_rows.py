"""The member import's preview at 1366x900 in English ran 44 px past the page's right edge for a row
with a long Latin name and a long unit path: the name and the path did not wrap. They wrap now, on
the desktop and on the phone, in both languages (screenshots in SHOTS_DIR)."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from orgs import services
from tests import factories

pytestmark = pytest.mark.browser

SHOTS = Path(os.environ.get("SHOTS_DIR", "/tmp/shots/bgfix"))
SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1366, "height": 900}}
LONG_NAME = "Maximilian Alexander Fitzgerald-Worthington"
PAST_THE_EDGE = "document.documentElement.scrollWidth - document.documentElement.clientWidth"


@pytest.fixture
def long_rows(transactional_db, tmp_path):
    """An office with a branch whose English path is long; a file with one new member in it."""
    office = factories.unit_at("审计署/广州特派办", kind="office")
    services.unit_update(unit=factories.unit_at("审计署"), name="审计署", kind="organ", name_en="National Audit Office")
    services.unit_update(
        unit=office, name="广州特派办", kind="office", name_en="Guangzhou Office of the Special Commissioner"
    )
    services.unit_create(
        name="财政审计第一党支部",
        kind="branch",
        parent=office,
        name_en="First Party Branch of the Financial and Fiscal Audit Division",
    )
    path = (
        "National Audit Office/Guangzhou Office of the Special Commissioner/"
        "First Party Branch of the Financial and Fiscal Audit Division"
    )
    book = factories.workbook(
        [["姓名", "工号", "单位", "角色", "手机", "党员"], [LONG_NAME, "100009", path, "", "", "是"]]
    )
    upload = tmp_path / "members.xlsx"
    upload.write_bytes(book.getvalue())
    organiser = factories.organiser("审计署/广州特派办", username="organiser", real_name="组织者")
    return {"organiser": organiser, "upload": upload}


@pytest.mark.parametrize("size", ["desktop", "phone"])
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_import_preview_wraps_a_long_latin_name_and_unit_path_within_the_page(
    asgi_server, long_rows, signed_in_page, language, size
):
    page = signed_in_page(long_rows["organiser"], viewport=SIZES[size], phone=size == "phone")
    page.context.add_cookies([{"name": "django_language", "value": language, "url": asgi_server}])
    page.goto(f"{asgi_server}/orgs/members/import/")
    page.set_input_files("#id_file", str(long_rows["upload"]))
    page.click("#preview-button")
    row = page.locator("#import-preview tbody tr").first
    expect(row).to_contain_text(LONG_NAME)
    assert "{#" not in page.content()  # no template comment shown as text
    expect(row).to_contain_text("First Party Branch of the Financial and Fiscal Audit Division")  # as typed
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"member-import-long-row-{language}-{size}.png"), full_page=True)
    assert page.evaluate(PAST_THE_EDGE) == 0
    table_box = page.locator("#import-preview").locator("xpath=..")
    assert table_box.evaluate("box => box.scrollWidth - box.clientWidth") == 0
