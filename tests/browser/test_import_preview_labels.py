"""A question import's preview of a messy sheet (long stems, six options, several long knowledge
points): on a 390 px phone each card labels its options and knowledge points as it labels its
type, answer and difficulty (they showed unlabelled), and at 1366 px the table fits its card,
long text wrapping, where it scrolled sideways to show the knowledge points."""

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.browser.test_console_phone import PAST_THE_CARD, PAST_THE_EDGE

pytestmark = pytest.mark.browser

SHOTS = "/tmp/shots/screenleft"
LANGUAGES = (("zh-CN", "zh-hans"), ("en", "en"))
HEADER = ["题型", "题干", "选项A", "选项B", "选项C", "选项D", "选项E", "选项F", "答案", "难度", "知识点"]
ROWS = [
    [
        "多选",
        "根据《中国共产党纪律处分条例》（2023年修订）的规定，下列哪些行为属于违反组织纪律、应当依规依纪给予相应党纪处分的情形？请结合审计工作实际作答。",
        "不按照有关规定或者工作要求，向组织请示报告重大问题、重要事项",
        "违反民主集中制原则，拒不执行或者擅自改变党组织作出的重大决定",
        "在干部选拔任用工作中，违反干部选拔任用规定，任人唯亲、封官许愿",
        "隐瞒、歪曲事实真相，在审计报告中作出不实陈述的（参见审计法第四十九条）",
        "在民主推荐、民主测评、组织考察和党内选举中搞拉票、助选等非组织活动",
        "以上都不是",
        "ABCE",
        "难",
        "纪律处分条例；组织纪律；干部选拔任用工作监督检查和责任追究办法；审计职业道德",
    ],
    [
        "单选",
        "Which principle requires that an audit institution's findings be supported by sufficient and appropriate "
        "audit evidence obtained through procedures documented in the working papers of the engagement?",
        "Independence of the supreme audit institution (INTOSAI-P-10, the Mexico Declaration)",
        "Sufficiency and appropriateness of audit evidence",
        "Materiality",
        "Confidentiality of information obtained in the course of the audit",
        "Professional scepticism and professional judgement",
        "https://www.intosai.org/documents/open-access/ISSAI_100_principles_of_public_sector_auditing",
        "B",
        "中",
        "Public sector auditing principles; Audit evidence and documentation; ISSAI 100; Professional standards",
    ],
    [
        "判断",
        "党的二十大报告指出，全面从严治党永远在路上，党的自我革命永远在路上，决不能有松劲歇脚、疲劳厌战的情绪。",
        "",
        "",
        "",
        "",
        "",
        "",
        "对",
        "易",
        "党的二十大精神、全面从严治党、自我革命",
    ],
]


@pytest.fixture
def importer(transactional_db, tmp_path):
    gz = factories.unit_at("审计署/广州特派办", kind="office")
    bank = factories.bank(gz, slug="messy-import")
    organiser = factories.organiser(gz, username="importer")
    path = tmp_path / "questions.xlsx"
    path.write_bytes(factories.workbook([HEADER, *ROWS]).getvalue())
    return {"organiser": organiser, "bank": bank, "file": str(path)}


def _preview(signed_in_page, asgi_server, importer, **page):
    page = signed_in_page(importer["organiser"], **page)
    page.goto(f"{asgi_server}/banks/{importer['bank'].slug}/import/")
    page.set_input_files("input[type=file]", importer["file"])
    page.click("#preview-button")
    preview = page.locator("#import-preview")
    expect(preview.locator("tbody tr")).to_have_count(3)
    return page, preview


@pytest.mark.parametrize(("locale", "language"), LANGUAGES)
def test_a_phones_preview_cards_label_the_options_and_knowledge_points(
    asgi_server, importer, signed_in_page, locale, language
):
    page, preview = _preview(signed_in_page, asgi_server, importer, phone=True, locale=locale)
    labels = {
        "zh-hans": ["行", "题型", "题干", "选项", "答案", "难度", "知识点"],
        "en": ["Row", "Type", "Question", "Options", "Answer", "Difficulty", "Knowledge points"],
    }[language]
    for row in preview.locator("tbody tr").all():
        # Each field's label, as the card shows it (drawn before the cell's text), in table order.
        shown = row.locator("td").evaluate_all(
            "cells => cells.filter((cell) => cell.offsetParent !== null)"
            ".map((cell) => getComputedStyle(cell, '::before').content.replace(/^\"|\"$/g, '').trim())"
        )
        assert shown == labels
    assert page.evaluate(PAST_THE_EDGE) == 0 and preview.evaluate(PAST_THE_CARD) == 0
    page.screenshot(path=f"{SHOTS}/import-preview-{language}-390.png", full_page=True)


@pytest.mark.parametrize(("locale", "language"), LANGUAGES)
def test_a_desktops_preview_table_fits_1366_px_without_scrolling_sideways(
    asgi_server, importer, signed_in_page, locale, language
):
    page, preview = _preview(
        signed_in_page, asgi_server, importer, viewport={"width": 1366, "height": 900}, locale=locale
    )
    assert page.evaluate(PAST_THE_EDGE) == 0
    assert preview.evaluate(PAST_THE_CARD) == 0
    # The knowledge points are in view inside the card, each chip whole.
    card = preview.evaluate("(table) => table.closest('.table-responsive').getBoundingClientRect().right")
    chips = preview.locator(".qs-tag").evaluate_all("chips => chips.map((chip) => chip.getBoundingClientRect().right)")
    assert len(chips) == 11 and max(chips) <= card
    # No label is drawn beside a desktop's cells: the table's head names the columns.
    drawn = preview.locator("tbody td").evaluate_all(
        "cells => cells.filter((cell) => !['none', 'normal']"
        ".includes(getComputedStyle(cell, '::before').content)).length"
    )
    assert drawn == 0
    page.screenshot(path=f"{SHOTS}/import-preview-{language}-1366.png", full_page=True)
