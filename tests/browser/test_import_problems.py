"""An organiser uploads a question file with hundreds of bad lines: the page lists the first
ones, says how many more, and hands over every one as a spreadsheet."""

from io import BytesIO

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.browser.test_shell import sign_in

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(
    ("locale", "more", "header"), [("zh-CN", "另有 50 个问题", "行号"), ("en-GB", "and 50 more", "Line")]
)
def test_a_question_file_with_hundreds_of_bad_lines(
    live_server, demo, page_factory, tmp_path, screenshot, locale, more, header
):
    path = tmp_path / "questions.txt"
    path.write_text("ANSWER: A\n" * 250)
    page = page_factory(locale=locale)
    sign_in(page, live_server.url, "organiser")
    page.goto(f"{live_server.url}/banks/demo-guangzhou/import/")
    page.set_input_files("input[type=file]", str(path))
    page.click("#preview-button")
    expect(page.locator("#import-errors tbody tr")).to_have_count(200)
    assert more in page.locator("#import-errors-more").inner_text()
    screenshot(page, f"import-problems-{locale}")
    with page.expect_download() as download:
        page.click("#import-errors-download")
    rows = list(load_workbook(BytesIO(download.value.path().read_bytes())).active.values)
    assert len(rows) == 251 and rows[0][0] == header and rows[250][0] == 250


def test_a_member_sheet_with_hundreds_of_bad_rows(live_server, demo, page_factory, tmp_path, screenshot):
    from tests.factories import workbook

    path = tmp_path / "members.xlsx"
    rows = [["新同志", f"3{n:05}", "财政部/预算司"] for n in range(1, 206)]
    path.write_bytes(workbook([["姓名", "工号", "单位"], *rows]).getvalue())
    page = page_factory(locale="en-GB")
    sign_in(page, live_server.url, "organiser")
    page.goto(f"{live_server.url}/orgs/members/import/")
    page.set_input_files("input[type=file]", str(path))
    page.click("#preview-button")
    expect(page.locator("#import-errors tbody tr")).to_have_count(200)
    assert "and 5 more problems" in page.locator("#import-errors-more").inner_text()
    screenshot(page, "member-import-problems-en")
    with page.expect_download() as download:
        page.locator("#import-errors-summary a").click()
    rows = list(load_workbook(BytesIO(download.value.path().read_bytes())).active.values)
    assert rows[0] == ("Row", "Column", "Problem") and [row[0] for row in rows[1:]] == list(range(2, 207))
