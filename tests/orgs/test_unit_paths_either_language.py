"""A unit path typed by a person reads in either language: the names as typed or the English
names English pages show (a unit without one by its name as typed), unambiguously, and a path
that names no unit says which part was not found. The administrator's walk found the member
import refusing the English paths its English page shows."""

import pytest
from django.utils import translation

from orgs.importing import members_import
from orgs.models import User
from orgs.paths import PathNode, UnitPathFinder
from orgs.selectors import unit_by_path
from tests import factories

pytestmark = pytest.mark.django_db

HEADER = ["姓名", "工号", "单位", "角色", "手机", "党员"]


@pytest.fixture
def english(tree):
    for key, name_en in (
        ("audit", "National Audit Office"),
        ("gz", "Guangzhou Resident Office"),
        ("gz1", "First Party Branch"),
        ("gz2", "Second Party Branch"),
    ):
        tree[key].name_en = name_en
        tree[key].save(update_fields=["name_en"])
    return tree


def test_the_member_import_reads_unit_paths_in_english_and_mixed_with_chinese(english, gz_organiser):
    rows = [
        ["甲", "300001", "National Audit Office/Guangzhou Resident Office/First Party Branch", "", "", "是"],
        # Case and spaces as people type them; 京津冀特派办's side has no English names.
        ["乙", "300002", " national audit office / 广州特派办 / SECOND PARTY BRANCH ", "", "", "是"],
        ["丙", "300003", "审计署／广州特派办／First Party Branch", "", "", "是"],
    ]
    report = members_import(file=factories.workbook([HEADER, *rows]), by=gz_organiser)
    assert report.errors == []
    units = dict(User.objects.filter(employee_no__startswith="30000").values_list("employee_no", "unit__name"))
    assert units == {"300001": "第一党支部", "300002": "第二党支部", "300003": "第一党支部"}


def test_an_unknown_path_names_the_part_not_found_in_either_language(english, gz_organiser):
    typed = "National Audit Office/Guangzhou Resident Office/Third Party Branch"
    book = [
        HEADER,
        ["甲", "300004", typed, "", "", "是"],
        ["乙", "300005", "审计署/深圳特派办/第一党支部", "", "", "是"],
    ]
    with translation.override("en"):
        report = members_import(file=factories.workbook(book), by=gz_organiser)
    assert [(e.row, e.message) for e in report.errors] == [
        (
            2,
            f"Unknown unit path “{typed}”. No unit “Third Party Branch” under National Audit Office/Guangzhou"
            " Resident Office. Write it from the top, in Chinese or in English, like National Audit Office/"
            "Guangzhou Resident Office/First Party Branch.",
        ),
        (
            3,
            "Unknown unit path “审计署/深圳特派办/第一党支部”. No unit “深圳特派办” under 审计署. Write it from the"
            " top, in Chinese or in English, like National Audit Office/Guangzhou Resident Office/First Party Branch.",
        ),
    ]
    with translation.override("zh-hans"):
        report = members_import(file=factories.workbook(book), by=gz_organiser)
    assert [e.message for e in report.errors] == [
        f"找不到单位路径“{typed}”。National Audit Office/Guangzhou Resident Office 下没有“Third Party Branch”。"
        "请从最上级写起，中文或英文名称均可，例如 审计署/广州特派办/第一党支部。",
        "找不到单位路径“审计署/深圳特派办/第一党支部”。审计署 下没有“深圳特派办”。"
        "请从最上级写起，中文或英文名称均可，例如 审计署/广州特派办/第一党支部。",
    ]
    assert not User.objects.filter(employee_no__in=["300004", "300005"]).exists()


def test_a_path_two_units_could_answer_is_refused_not_guessed(english, gz_organiser):
    # One branch's English name is another's name as typed.
    factories.unit_at("审计署/广州特派办/Party Branch A")
    english["gz2"].name_en = "party branch a"
    english["gz2"].save(update_fields=["name_en"])
    with translation.override("en"):
        book = factories.workbook([HEADER, ["甲", "300006", "审计署/广州特派办/Party Branch A", "", "", "是"]])
        report = members_import(file=book, by=gz_organiser)
    assert [e.message for e in report.errors] == [
        "Unknown unit path “审计署/广州特派办/Party Branch A”. Several units have these names: write the names as"
        " typed (in Chinese). Write it from the top, in Chinese or in English, like National Audit Office/"
        "Guangzhou Resident Office/First Party Branch."
    ]


def test_a_unit_outside_the_organisers_units_is_refused_as_such_in_english_too(english, gz_organiser):
    book = factories.workbook([HEADER, ["甲", "300007", "National Audit Office/京津冀特派办/机关党支部", "", "", "是"]])
    with translation.override("en"):
        report = members_import(file=book, by=gz_organiser)
    assert [e.message for e in report.errors] == [
        "The unit “National Audit Office/京津冀特派办/机关党支部” is outside the units you manage."
    ]


def test_unit_by_path_reads_either_language(english):
    assert unit_by_path("National Audit Office/Guangzhou Resident Office/First Party Branch") == english["gz1"]
    assert unit_by_path("审计署/广州特派办/第一党支部") == english["gz1"]
    assert unit_by_path("national audit office/京津冀特派办") == english["jjj"]
    assert unit_by_path("Guangzhou Resident Office") is None  # not from the top
    assert unit_by_path("审计署//第一党支部") is None


def test_the_finder_says_which_part_is_missing_and_where_a_path_stops():
    nodes = [
        PathNode(1, "0001", "审计署", "National Audit Office"),
        PathNode(2, "00010001", "广州特派办", ""),
        PathNode(3, "000100010001", "第一党支部", "First Party Branch"),
    ]
    finder = UnitPathFinder(nodes)
    assert finder.find("National Audit Office/广州特派办/First Party Branch").unit_id == 3
    missing = finder.find("National Audit Office/Guangzhou/First Party Branch")
    assert (missing.unit_id, missing.problem, missing.missing, missing.found) == (
        None,
        "not_found",
        "Guangzhou",
        "National Audit Office",
    )
    assert finder.find("审计署/").problem == "not_found" and finder.find("  ").problem == "blank"
    below = UnitPathFinder(nodes, top_depth=2)
    assert below.find("广州特派办/first party branch").unit_id == 3
    assert below.find("审计署/广州特派办").problem == "not_found"
