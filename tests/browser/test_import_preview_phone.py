"""A question import's preview on a 390 px phone: a card a row (as the member import's preview
is), a duplicate's note wrapping inside the screen rather than running past its right edge."""

import pytest
from django.conf import settings as django_settings
from playwright.sync_api import expect

from tests import factories
from tests.browser.test_console_phone import PAST_THE_CARD, PAST_THE_EDGE
from tests.browser.test_phone_cards import assert_fits
from tests.browser.test_shell import sign_in

pytestmark = pytest.mark.browser


def test_a_question_import_preview_with_a_duplicate_fits_a_phone(
    live_server, transactional_db, tree, page_factory, tmp_path
):
    bank = factories.bank(tree["gz"], slug="gz-phone-import")
    factories.organiser(tree["gz"], username="importer", password=django_settings.DEMO_PASSWORD)
    question = [
        "单选",
        "新时代党的组织路线的重点是什么？",
        "建设忠诚干净担当的高素质干部队伍",
        "发展经济",
        "改善民生",
        "A",
        "中",
        "党建",
    ]
    header = ["题型", "题干", "选项A", "选项B", "选项C", "答案", "难度", "知识点"]
    path = tmp_path / "questions.xlsx"
    path.write_bytes(factories.workbook([header, question, question]).getvalue())
    page = page_factory(phone=True)
    sign_in(page, live_server.url, "importer")
    page.goto(f"{live_server.url}/banks/{bank.slug}/import/")
    page.set_input_files("input[type=file]", str(path))
    page.click("#preview-button")
    preview = page.locator("#import-preview")
    # The second row repeats the first: its note says so, whole and on screen.
    expect(preview.locator("tbody tr.table-warning")).to_have_count(1)
    assert page.evaluate(PAST_THE_EDGE) == 0 and preview.evaluate(PAST_THE_CARD) == 0
    assert_fits(page, preview)
    expect(preview.locator("td[data-label]").first).to_be_visible()
