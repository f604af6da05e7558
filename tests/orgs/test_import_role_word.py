"""The member import's role column in the pages' word: the template taught the role 党员, which
clashed with the 党员 (party member) column, so a member who is not a party member, copied from
the example, was refused with "角色写的是“党员”，本栏却是“否”". The pages call the role 成员."""

from io import BytesIO

import pytest
from openpyxl import load_workbook

from orgs.importing import member_template, members_import
from orgs.models import RoleGrant, User
from tests import factories

pytestmark = pytest.mark.django_db

HEADER = ["姓名", "工号", "单位", "角色", "手机", "党员"]
GZ1 = "审计署/广州特派办/第一党支部"


def test_the_template_example_writes_the_role_as_the_pages_do_and_imports_for_a_non_party_member(tree, gz_organiser):
    book = load_workbook(BytesIO(member_template(for_user=gz_organiser)))
    header, *examples = list(book["示例 Example"].iter_rows(min_row=2, values_only=True))
    roles = [row[header.index("角色")] for row in examples]
    assert roles == ["成员", "组织者"]
    # The first example copied for a member who is not a party member: only the name, number and 党员 differ.
    row = list(examples[0])
    row[0], row[1], row[header.index("党员")] = "王芳", "500009", "否"
    report = members_import(file=factories.workbook([list(header), row]), by=gz_organiser)
    assert report.errors == []
    assert User.objects.get(employee_no="500009").is_party_member is False


def test_a_member_who_is_not_a_party_member_imports_with_the_role_written_as_on_the_pages(tree, gz_organiser):
    rows = [
        ["王芳", "500001", GZ1, "成员", "", "否"],  # the pages' word, not a party member
        ["赵强", "500002", GZ1, "党员", "", "是"],  # the old word, unambiguous beside 是
        ["钱敏", "500003", GZ1, "党员", "", ""],  # and beside a blank cell (是 for a new member)
    ]
    report = members_import(file=factories.workbook([HEADER, *rows]), by=gz_organiser)
    assert report.errors == []
    stored = dict(User.objects.filter(employee_no__startswith="50000").values_list("real_name", "is_party_member"))
    assert stored == {"王芳": False, "赵强": True, "钱敏": True}
    assert not RoleGrant.objects.filter(user__employee_no__startswith="50000").exists()


def test_the_old_word_beside_no_says_to_write_the_pages_word(tree, gz_organiser):
    report = members_import(
        file=factories.workbook([HEADER, ["王芳", "500004", GZ1, "党员", "", "否"]]), by=gz_organiser
    )
    assert [(e.row, e.column, e.message) for e in report.errors] == [
        (2, "党员", "角色写的是“党员”，这是“成员”角色的旧称，本栏却是“否”：不是党员的成员，请把角色写成“成员”。")
    ]
    unknown = members_import(
        file=factories.workbook([HEADER, ["王芳", "500005", GZ1, "群众", "", "否"]]), by=gz_organiser
    )
    assert [e.message for e in unknown.errors] == ["无法识别的角色“群众”：请填写 成员、组织者 或 管理员。"]
