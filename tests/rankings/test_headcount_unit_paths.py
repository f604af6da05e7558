"""The expected-headcount import finds a unit by the path its page shows in either language (the
administrator's walk: "Guangzhou Resident Office/First Party Branch", as the English page lists
it, was refused), its template in English lists the English paths, and a path that names no
ranked unit says which part was not found."""

from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from tests import factories
from tests.factories import client_in
from tests.rankings import test_compute as scenario
from tests.rankings.test_rule_semantics import expected

central = scenario.central


@pytest.fixture
def page(central):
    # 中央和国家机关 and 京津冀特派办 have no English name: English pages show them as typed.
    for key, name_en in (("audit", "National Audit Office"), ("gz", "Guangzhou Resident Office"), ("mof", "MOF")):
        central[key].name_en = name_en
        central[key].save(update_fields=["name_en"])
    rule = scenario.organ_rule(central, factories.paper(central["root"]))
    boss = factories.administrator(central["root"], username="boss")
    return {"rule": rule, "url": reverse("rankings:headcounts", args=[rule.slug]), "boss": boss}


def _upload(page, language: str, rows):
    book = factories.workbook([["Unit", "Expected headcount"], *rows])
    return client_in(language, page["boss"]).post(page["url"], {"action": "import", "file": book})


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_paths_as_the_english_page_shows_them_import_in_either_language(page, language):
    rows = [
        ["National Audit Office/Guangzhou Resident Office", 16],
        ["national audit office/京津冀特派办", 12],  # no English name: its own, under the English one
        ["中央和国家机关/MOF/预算司", 8],  # the full path, from the top
        ["国库司", 3],  # a name alone, no other ranked unit sharing it
    ]
    assert _upload(page, language, rows).status_code == 302
    assert expected(page["rule"]) == {"广州特派办": 16, "京津冀特派办": 12, "预算司": 8, "国库司": 3}


def test_a_path_naming_no_ranked_unit_says_which_part_was_not_found_in_either_language(page):
    rows = [["National Audit Office/Shenzhen Resident Office", 5], ["National Audit Office", 5]]
    english = _upload(page, "en", rows).context["report"]
    assert [(e.row, e.message) for e in english.errors] == [
        (
            2,
            "“National Audit Office/Shenzhen Resident Office” is not a unit this ranking ranks."
            " No unit “Shenzhen Resident Office” under National Audit Office.",
        ),
        (3, "“National Audit Office” is not a unit this ranking ranks."),  # a unit, but not a ranked one
    ]
    chinese = _upload(page, "zh-hans", rows).context["report"]
    assert [e.message for e in chinese.errors] == [
        "“National Audit Office/Shenzhen Resident Office”不是本排名的参评单位。"
        "National Audit Office 下没有“Shenzhen Resident Office”。",
        "“National Audit Office”不是本排名的参评单位。",
    ]
    assert expected(page["rule"]) == {}


def test_the_english_template_lists_english_paths_and_imports_as_filled_in(page):
    client = client_in("en", page["boss"])
    response = client.get(reverse("rankings:headcounts_template", args=[page["rule"].slug]))
    book = load_workbook(BytesIO(response.content))
    sheet = book.worksheets[0]
    assert [sheet.cell(row=n, column=1).value for n in range(2, 6)] == [
        "National Audit Office/Guangzhou Resident Office",
        "National Audit Office/京津冀特派办",
        "MOF/预算司",
        "MOF/国库司",
    ]
    sheet["B2"], sheet["B5"] = 16, 4
    filled = BytesIO()
    book.save(filled)
    filled.seek(0)
    filled.name = "headcounts.xlsx"
    assert client.post(page["url"], {"action": "import", "file": filled}).status_code == 302
    assert expected(page["rule"]) == {"广州特派办": 16, "国库司": 4}
    chinese = client_in("zh-hans", page["boss"]).get(reverse("rankings:headcounts_template", args=[page["rule"].slug]))
    assert load_workbook(BytesIO(chinese.content)).worksheets[0]["A2"].value == "审计署系统/广州特派办"


@pytest.mark.parametrize(
    "language, one_row, saved",
    [
        ("en", "Read 1 row; 1 unit changed.", "Saved; 2 units changed."),
        ("zh-hans", "已读取 1 行；1 个单位有变化。", "已保存；2 个单位有变化。"),
    ],
)
def test_what_changed_is_said_in_the_singular_for_one(page, language, one_row, saved):
    client = client_in(language, page["boss"])
    book = factories.workbook([["Unit", "Expected headcount"], ["国库司", 3]])
    done = client.post(page["url"], {"action": "import", "file": book}, follow=True)
    assert [str(message) for message in done.context["messages"]] == [one_row]
    typed = {f"unit-{unit_id}": count for unit_id, count in _ids(page, {"预算司": 8, "国库司": 4}).items()}
    done = client.post(page["url"], typed, follow=True)
    assert [str(message) for message in done.context["messages"]] == [saved]


def _ids(page, counts):
    from orgs.models import Unit

    return {Unit.objects.get(name=name).pk: count for name, count in counts.items()}
