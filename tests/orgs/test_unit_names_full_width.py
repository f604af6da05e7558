"""Unit names with full-width characters (审计组（临时）, Ｘ处) in the member import: the QA walk found
the import folding the typed path to half-width while comparing stored names unfolded, so no such
unit could be reached, and the error quoted a half-width path nobody typed."""

import pytest
from django.utils import translation

from orgs import services
from orgs.importing import members_import
from orgs.models import User
from orgs.paths import unit_name_key
from orgs.selectors import unit_by_path
from tests import factories

pytestmark = pytest.mark.django_db

HEADER = ["姓名", "工号", "单位", "角色", "手机", "党员"]


@pytest.fixture
def wide_units(tree):
    return {
        "team": services.unit_create(
            name="审计组（临时）", kind="temporary_branch", parent=tree["gz"], ends_on="2099-12-31"
        ),
        "x": services.unit_create(name="Ｘ处", kind="department", parent=tree["gz"]),
        "y": services.unit_create(name="Y处", kind="department", parent=tree["gz"]),
    }


def test_the_import_reaches_units_named_with_full_width_characters_typed_either_way(wide_units, gz_organiser):
    rows = [
        ["甲", "400001", "审计署/广州特派办/审计组（临时）", "", "", "是"],  # as stored
        ["乙", "400002", "审计署/广州特派办/审计组(临时)", "", "", "是"],  # half-width brackets
        ["丙", "400003", "审计署/广州特派办/X处", "", "", "是"],  # stored Ｘ处, typed half-width
        ["丁", "400004", "审计署/广州特派办/Ｙ处", "", "", "是"],  # stored Y处, typed full-width
    ]
    report = members_import(file=factories.workbook([HEADER, *rows]), by=gz_organiser)
    assert report.errors == []
    units = dict(User.objects.filter(employee_no__startswith="40000").values_list("employee_no", "unit__name"))
    assert units == {"400001": "审计组（临时）", "400002": "审计组（临时）", "400003": "Ｘ处", "400004": "Y处"}


def test_an_unknown_full_width_path_is_quoted_as_typed(wide_units, gz_organiser):
    typed = "审计署/广州特派办/审计二组（临时）"
    with translation.override("zh-hans"):
        report = members_import(
            file=factories.workbook([HEADER, ["甲", "400005", typed, "", "", "是"]]), by=gz_organiser
        )
    [error] = report.errors
    # The typed brackets, not 审计二组(临时) folded to half-width.
    assert f"“{typed}”" in error.message and "“审计二组（临时）”" in error.message
    assert "(临时)" not in error.message


def test_a_single_path_lookup_folds_both_sides(wide_units):
    assert unit_by_path("审计署/广州特派办/审计组(临时)") == wide_units["team"]
    assert unit_by_path("审计署/广州特派办/X处") == wide_units["x"]
    assert unit_by_path("审计署／广州特派办／Ｙ处") == wide_units["y"]


def test_a_unit_name_key_folds_widths_spaces_beside_chinese_and_case():
    assert unit_name_key("Ｘ处") == unit_name_key("x处") == "x处"
    assert unit_name_key(" 审计组 （临时） ") == unit_name_key("审计组(临时)") == "审计组(临时)"
    assert unit_name_key("一　处") == unit_name_key("一 处") == "一处"
    # Spaces between Latin words are meant: one kept.
    assert unit_name_key("Audit  Team 1") == "audit team 1"
