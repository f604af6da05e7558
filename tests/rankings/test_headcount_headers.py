"""The expected-headcount import reads a sheet headed in Chinese or in English, refuses a header
it does not know (naming it), names a row's column as the sheet heads it, and gives a template
headed in the page's language that imports as it is filled in."""

from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from rankings import services
from tests import factories
from tests.factories import client_in
from tests.rankings import test_compute as scenario
from tests.rankings.test_rule_semantics import expected

central = scenario.central


@pytest.fixture
def page(central):
    rule = scenario.organ_rule(central, factories.paper(central["root"]))
    boss = factories.administrator(central["root"], username="boss")
    return {"rule": rule, "url": reverse("rankings:headcounts", args=[rule.slug]), "boss": boss, "central": central}


def _upload(page, language: str, book):
    return client_in(language, page["boss"]).post(page["url"], {"action": "import", "file": book})


def test_a_sheet_headed_in_english_imports(page):
    book = factories.workbook([["Unit", "Expected headcount"], ["广州特派办", 16], ["预算司", "8"]])
    assert _upload(page, "zh-hans", book).status_code == 302
    assert expected(page["rule"]) == {"广州特派办": 16, "预算司": 8}


def test_a_sheet_with_one_header_in_each_language_imports(page):
    book = factories.workbook([["单位", "Expected Headcount"], ["京津冀特派办", 12]])
    assert _upload(page, "en", book).status_code == 302
    assert expected(page["rule"]) == {"京津冀特派办": 12}


def test_a_bad_row_names_its_column_as_the_sheet_heads_it(page):
    book = factories.workbook([["Unit", "Expected headcount"], ["广州特派办", -2], ["不存在的司", 3]])
    report = _upload(page, "zh-hans", book).context["report"]
    assert [(e.row, e.column) for e in report.errors] == [(2, "Expected headcount"), (3, "Unit")]
    assert expected(page["rule"]) == {}


def test_an_unknown_header_beside_the_known_ones_is_named_and_nothing_is_imported(page):
    book = factories.workbook([["Unit", "Expected headcount", "Remarks"], ["广州特派办", 16, ""]])
    response = _upload(page, "en", book)
    message = response.context["report"].file_error
    assert "Column C, “Remarks”, is not a column this sheet takes" in message
    assert "Unit (单位), Expected headcount (应参与人数)" in message
    assert "“Remarks”" in response.text
    chinese = _upload(page, "zh-hans", factories.workbook([["单位", "应参与人数", "备注"], ["广州特派办", 16, ""]]))
    assert "第 C 列“备注”不是本表使用的列。本表的列为：单位、应参与人数。" in chinese.context["report"].file_error
    assert expected(page["rule"]) == {}


def test_two_headers_for_one_column_are_refused(page):
    book = factories.workbook([["Unit", "应参与人数", "headcount"], ["广州特派办", 16, 17]])
    message = _upload(page, "en", book).context["report"].file_error
    assert "Columns B, “应参与人数”, and C, “headcount”, both give Expected headcount (应参与人数)" in message
    assert expected(page["rule"]) == {}


def test_a_header_row_in_neither_language_says_which_columns_it_needs(page):
    rows = [["Einheit", "Anzahl"], ["广州特派办", 16]]
    english = _upload(page, "en", factories.workbook(rows)).context["report"].file_error
    assert "this sheet needs the columns Unit (单位), Expected headcount (应参与人数)." in english
    chinese = _upload(page, "zh-hans", factories.workbook(rows)).context["report"].file_error
    assert "单位、应参与人数" in chinese
    assert expected(page["rule"]) == {}


@pytest.mark.parametrize(
    ("language", "headers"), [("en", ("Unit", "Expected headcount")), ("zh-hans", ("单位", "应参与人数"))]
)
def test_the_template_is_headed_in_the_pages_language_and_imports_once_filled_in(page, language, headers):
    services.expected_headcounts_save(rule=page["rule"], counts={page["central"]["jjj"].pk: 5})
    client = client_in(language, page["boss"])
    assert reverse("rankings:headcounts_template", args=[page["rule"].slug]) in client.get(page["url"]).text
    response = client.get(reverse("rankings:headcounts_template", args=[page["rule"].slug]))
    book = load_workbook(BytesIO(response.content))
    sheet = book.worksheets[0]
    assert (sheet["A1"].value, sheet["B1"].value) == headers
    assert [sheet.cell(row=n, column=1).value for n in range(2, 6)] == [
        "审计署系统/广州特派办",
        "审计署系统/京津冀特派办",
        "财政部系统/预算司",
        "财政部系统/国库司",
    ]
    assert [sheet.cell(row=n, column=2).value for n in range(2, 6)] == [None, 5, None, None]
    # Filled in: two units stated, the one stated before left empty to take the counted one.
    sheet["B2"], sheet["B3"], sheet["B4"] = 16, None, 8
    filled = BytesIO()
    book.save(filled)
    filled.seek(0)
    filled.name = "headcounts.xlsx"

    assert client.post(page["url"], {"action": "import", "file": filled}).status_code == 302
    assert expected(page["rule"]) == {"广州特派办": 16, "预算司": 8}


def test_an_english_page_names_the_units_in_english_with_the_path_the_sheets_use_below(page):
    central = page["central"]
    for key, english in (("audit", "National Audit Office"), ("gz", "Guangzhou Resident Office")):
        central[key].name_en = english
        central[key].save(update_fields=["name_en"])
    english = client_in("en", page["boss"]).get(page["url"]).content.decode()
    gz = f'<label for="unit-{central["gz"].pk}">'
    # 京津冀特派办 has no English name: its own name stays, under the English one of its system.
    assert f"{gz}National Audit Office/Guangzhou Resident Office</label>" in english
    assert f'<label for="unit-{central["jjj"].pk}">National Audit Office/京津冀特派办</label>' in english
    assert '<div class="small qs-muted unit-as-typed" lang="zh-Hans">审计署系统/广州特派办</div>' in english
    chinese = client_in("zh-hans", page["boss"]).get(page["url"]).content.decode()
    assert f"{gz}审计署系统/广州特派办</label>" in chinese and "unit-as-typed" not in chinese


@pytest.mark.parametrize(
    ("language", "said"),
    [
        (
            "zh-hans",
            "第 2 行的表头为 “名称”、“人数”，本表需要的列为：单位、应参与人数。",
        ),
        (
            "en",
            "Row 2 is headed “名称”, “人数”; this sheet needs the columns "
            "Unit (单位), Expected headcount (应参与人数).",
        ),
    ],
)
def test_a_header_with_other_column_names_is_named_with_the_columns_wanted(page, language, said):
    """A sheet titled in row 1 and headed 名称 / 人数 in row 2 has a header, with names this sheet
    does not take: the message names the row and what it holds, and the columns wanted, rather
    than saying no header was found in the first 15 rows."""
    book = factories.workbook([["2026年应参与人数"], ["名称", "人数"], ["广州特派办", 16]])
    message = _upload(page, language, book).context["report"].file_error
    assert message == said
    assert "15" not in message
    assert expected(page["rule"]) == {}
