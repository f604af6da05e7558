"""The question import's page says what is wrong in a way an organiser can act on, desktop and
phone, in both languages: a password-protected workbook, a header lacking 答案, an answer typed as
a digit and two identical options."""

import os
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from playwright.sync_api import expect

from tests import factories
from tests.browser.test_shell import sign_in
from tests.compound_files import encrypted_xlsx

pytestmark = pytest.mark.browser

# Where the screenshots go: test-artifacts/ of the checkout, or SHOTS_DIR when given.
SHOTS = Path(os.environ.get("SHOTS_DIR", Path(__file__).resolve().parents[2] / "test-artifacts"))
HEADER = ["题型", "题干", "选项A", "选项B", "答案"]
ROWS = [["单选", "党的最高理想是什么？", "共产主义", "小康", "1"], ["单选", "党的根本宗旨是什么？", "甲", "甲", "A"]]
TEXTS = {
    "zh-CN": {
        "password": "此工作簿设置了打开密码，无法读取。",
        "header": "表头在第 1 行，但缺少 答案 列。",
        "digit": "答案“1”不是由选项字母 A-H 组成。",
        "same": "选项 A 和选项 B 相同，都是“甲”",
    },
    "en-GB": {
        "password": "This workbook is protected by a password, so it cannot be read.",
        "header": "The header is in row 1, but it has no Answer (答案) column.",
        "digit": "The answer “1” is not made of option letters A-H.",
        "same": "Options A and B are the same, “甲”",
    },
}


@pytest.mark.parametrize("locale", ["zh-CN", "en-GB"])
def test_the_import_page_names_a_locked_workbook_a_missing_answer_column_and_bad_rows(
    live_server, transactional_db, tree, page_factory, tmp_path, locale
):
    bank = factories.bank(tree["gz"], slug="gz-walk-import")
    factories.organiser(tree["gz"], username="importer", password=django_settings.DEMO_PASSWORD)
    files = {
        "password": ("加密.xlsx", encrypted_xlsx()),
        "header": (
            "缺答案.xlsx",
            factories.workbook([["题型", "题干", "选项A", "选项B", "解析"], ROWS[0][:4]]).getvalue(),
        ),
        "rows": ("题库.xlsx", factories.workbook([HEADER, *ROWS]).getvalue()),
    }
    texts = TEXTS[locale]
    SHOTS.mkdir(parents=True, exist_ok=True)
    for device, viewport in [("desktop", {"width": 1366, "height": 900}), ("phone", {"width": 390, "height": 844})]:
        page = page_factory(phone=device == "phone", locale=locale, viewport=viewport)
        sign_in(page, live_server.url, "importer")
        for what, (name, data) in files.items():
            path = tmp_path / name
            path.write_bytes(data)
            page.goto(f"{live_server.url}/banks/{bank.slug}/import/")
            page.set_input_files("input[type=file]", str(path))
            page.click("#preview-button")
            summary = page.locator("#import-errors-summary")
            if what == "rows":
                problems = page.locator("#import-errors tbody")
                expect(problems).to_contain_text(texts["digit"])
                expect(problems).to_contain_text(texts["same"])
            else:
                expect(summary).to_contain_text(texts[what])
            page.screenshot(path=str(SHOTS / f"import-{what}-{locale}-{device}.png"), full_page=True)
