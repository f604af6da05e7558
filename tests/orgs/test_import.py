from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from orgs.importing import member_template, members_import
from orgs.models import MemberPlacement, RoleGrant, User
from tests import factories
from tests.compound_files import encrypted_xlsx, old_xls
from tests.spreadsheets import DAMAGED_CELLS, damaged

HEADER = ["姓名", "工号", "单位", "角色", "手机", "党员"]


def rows_with(*members):
    return [HEADER, *members]


def test_imports_a_sheet_written_the_way_organisers_write_it(tree, gz_organiser):
    book = factories.workbook(
        rows_with(
            ["张伟", 100001, "审计署/广州特派办/第一党支部", "党员", "13800000001", "是"],
            [None, None, None, None, None, None],
            ["李娜", "１００００２", " 审计署 / 广州特派办 / 第二党支部 ", "", 13800000002, "否"],
        ),
        title_rows=[["2026年度党员名册"], ["说明：每行一名党员"], []],
    )
    report = members_import(file=book, by=gz_organiser)
    assert report.ok, report.errors
    assert (report.created, report.updated) == (2, 0)
    zhang = User.objects.get(employee_no="100001")
    assert zhang.username == "100001" and zhang.unit == tree["gz1"] and zhang.is_party_member
    li = User.objects.get(employee_no="100002")  # full-width digits normalised
    assert li.unit == tree["gz2"] and li.phone == "13800000002" and not li.is_party_member
    assert not li.has_usable_password()
    assert MemberPlacement.objects.filter(member__in=[zhang, li]).count() == 2


def test_english_headers_work_too(tree, gz_organiser):
    book = factories.workbook(
        [["Real name", "Employee number", "Unit", "Role"], ["Wang Fang", "E1", "审计署/广州特派办", "member"]]
    )
    report = members_import(file=book, by=gz_organiser)
    assert report.ok and report.created == 1


def test_one_bad_row_imports_nothing_and_names_every_bad_row(tree, gz_organiser):
    book = factories.workbook(
        rows_with(
            ["张伟", "100001", "审计署/广州特派办/第一党支部", "", "", ""],  # row 2, fine
            ["李娜", "100002", "审计署/广州特派办/第九党支部", "", "", ""],  # row 3, unknown unit
            ["王芳", "100001", "审计署/广州特派办/第二党支部", "", "", ""],  # row 4, duplicate number
            ["赵强", "100004", "审计署/广州特派办/第二党支部", "书记", "", ""],  # row 5, unknown role
            ["", "100005", "审计署/广州特派办/第二党支部", "", "12ab", "也许"],  # row 6: name, phone, party
        )
    )
    report = members_import(file=book, by=gz_organiser)
    assert not report.ok
    found = {(e.row, e.column) for e in report.errors}
    assert found == {(3, "单位"), (4, "工号"), (5, "角色"), (6, "姓名"), (6, "手机"), (6, "党员")}
    duplicate = next(e for e in report.errors if e.row == 4)
    assert duplicate.message == "工号 100001 重复出现（首次出现在第 2 行）。"
    assert not User.objects.filter(employee_no__in=["100001", "100002", "100004", "100005"]).exists()


def test_unit_outside_the_organisers_subtree_is_refused(tree, gz_organiser):
    book = factories.workbook(rows_with(["张伟", "100001", "审计署/京津冀特派办/机关党支部", "", "", ""]))
    report = members_import(file=book, by=gz_organiser)
    assert [(e.row, e.column) for e in report.errors] == [(2, "单位")]
    assert not User.objects.filter(employee_no="100001").exists()


def test_existing_member_outside_the_subtree_cannot_be_taken_over(tree, gz_organiser):
    factories.member(tree["jjj1"], employee_no="777")
    book = factories.workbook(rows_with(["冒名", "777", "审计署/广州特派办/第一党支部", "", "", ""]))
    report = members_import(file=book, by=gz_organiser)
    assert [(e.row, e.column) for e in report.errors] == [(2, "工号")]
    assert User.objects.get(employee_no="777").unit == tree["jjj1"]


def test_reimport_updates_and_records_a_move(tree, gz_organiser):
    person = factories.member(tree["gz1"], employee_no="100001", real_name="张伟")
    book = factories.workbook(rows_with(["张伟", "100001", "审计署/广州特派办/第二党支部", "", "13900000000", ""]))
    report = members_import(file=book, by=gz_organiser)
    assert report.ok and (report.created, report.updated) == (0, 1)
    person.refresh_from_db()
    assert person.unit == tree["gz2"] and person.phone == "13900000000"
    assert MemberPlacement.objects.filter(member=person).count() == 2


def test_granting_roles_takes_an_administrator(tree, gz_organiser):
    book = factories.workbook(rows_with(["李娜", "100002", "审计署/广州特派办/第一党支部", "组织者", "", ""]))
    report = members_import(file=book, by=gz_organiser)
    assert [(e.row, e.column) for e in report.errors] == [(2, "角色")]

    admin = factories.administrator(tree["audit"])
    book.seek(0)
    report = members_import(file=book, by=admin)
    assert report.ok
    assert RoleGrant.objects.filter(user__employee_no="100002", role="organiser", unit=tree["gz1"]).exists()


def test_text_file_renamed_xlsx_is_a_clear_error(tree, gz_organiser):
    fake = BytesIO("姓名,工号,单位\n张伟,1,审计署\n".encode())
    report = members_import(file=fake, by=gz_organiser)
    assert report.file_error == "这不是 Excel .xlsx 工作簿。请在 Excel 或 WPS 中另存为 .xlsx 后重试。"
    assert User.objects.count() == 1  # just the organiser


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (encrypted_xlsx(), "此工作簿设置了打开密码，无法读取。请在 Excel 或 WPS 中打开它并取消密码"),
        (old_xls(), "这是旧版 Excel 97-2003 工作簿（.xls）。请在 Excel 或 WPS 中打开它，另存为 Excel 工作簿（.xlsx）"),
    ],
)
def test_a_password_protected_workbook_or_an_old_xls_is_named_for_what_it_is(tree, gz_organiser, content, expected):
    report = members_import(file=BytesIO(content), by=gz_organiser)
    assert report.file_error.startswith(expected)
    assert User.objects.count() == 1  # just the organiser


def test_a_header_lacking_the_employee_number_names_its_row_and_the_column(tree, gz_organiser):
    book = factories.workbook([["姓名", "单位", "角色"], ["张伟", "审计署", "成员"]], title_rows=[["成员名单"]])
    report = members_import(file=book, by=gz_organiser)
    assert report.file_error == "表头在第 2 行，但缺少 工号 列。"


@pytest.mark.parametrize(
    ("content", "expected"),
    [(b"", "文件是空的"), (b"x" * (11 * 1024 * 1024), "超过 10 MB 的上限")],
)
def test_empty_and_oversized_files_are_refused(tree, gz_organiser, content, expected):
    report = members_import(file=BytesIO(content), by=gz_organiser)
    assert expected in report.file_error


def test_sheet_without_the_required_headers_is_refused(tree, gz_organiser):
    book = factories.workbook([["名字", "号码"], ["张伟", "1"]])
    report = members_import(file=book, by=gz_organiser)
    assert "没有找到表头" in report.file_error and "姓名、工号、单位" in report.file_error


def test_header_only_sheet_is_refused(tree, gz_organiser):
    report = members_import(file=factories.workbook([HEADER]), by=gz_organiser)
    assert report.file_error and not report.planned


def test_dry_run_checks_but_writes_nothing(tree, gz_organiser):
    book = factories.workbook(rows_with(["张伟", "100001", "审计署/广州特派办/第一党支部", "", "", ""]))
    report = members_import(file=book, by=gz_organiser, dry_run=True)
    assert report.ok and len(report.planned) == 1 and report.created == 0
    assert not User.objects.filter(employee_no="100001").exists()


def test_weak_initial_password_is_a_row_error(tree, gz_organiser):
    book = factories.workbook([["姓名", "工号", "单位", "初始密码"], ["张伟", "100001", "审计署/广州特派办", "123"]])
    report = members_import(file=book, by=gz_organiser)
    assert [(e.row, e.column) for e in report.errors] == [(2, "初始密码")]


def test_template_lists_managed_units_and_its_examples_cannot_overwrite_anybody(tree):
    """The template's example rows used real-looking numbers (100001, 100002) on the sheet the
    import reads: uploaded unchanged, they overwrote the members who held those numbers."""
    admin = factories.administrator(tree["audit"])
    holders = [
        factories.member(tree["gz1"], employee_no="100001", real_name="郭秋菊"),
        factories.member(tree["gz2"], employee_no="100002", real_name="朱燕"),
    ]
    data = member_template(for_user=admin)
    book = load_workbook(BytesIO(data))
    paths = [row[0] for row in book["单位 Units"].iter_rows(min_row=2, values_only=True)]
    assert "审计署/广州特派办/第一党支部" in paths and "财政部" not in paths

    report = members_import(file=BytesIO(data), by=admin)

    assert report.file_error == "工作表有表头，但表头下没有成员。" and not report.planned
    kept = User.objects.filter(pk__in=[h.pk for h in holders]).order_by("pk")
    assert [(m.real_name, m.unit_id) for m in kept] == [
        ("郭秋菊", tree["gz1"].pk),
        ("朱燕", tree["gz2"].pk),
    ]
    # The examples, copied onto the first sheet as they are, are refused by their numbers.
    examples = [list(row) for row in book["示例 Example"].iter_rows(min_row=2, values_only=True)]
    assert [row[:2] for row in examples[1:]] == [["张伟", "示例001"], ["李娜", "示例002"]]
    report = members_import(file=factories.workbook(examples), by=admin)
    assert [(e.row, e.column) for e in report.errors] == [(2, "工号"), (3, "工号")]
    assert User.objects.filter(real_name__in=["张伟", "李娜"]).count() == 0


def test_reimporting_the_same_file_changes_nothing(tree, gz_organiser):
    rows = rows_with(["张伟", "100001", "审计署/广州特派办/第一党支部", "", "13800000001", "是"])
    assert members_import(file=factories.workbook(rows), by=gz_organiser).created == 1
    report = members_import(file=factories.workbook(rows), by=gz_organiser)
    assert (report.created, report.updated, report.unchanged) == (0, 0, 1)
    assert MemberPlacement.objects.filter(member__employee_no="100001").count() == 1


def test_usernames_and_lengths_are_checked_before_anything_is_written(tree, gz_organiser):
    book = factories.workbook(
        [
            ["姓名", "工号", "单位", "用户名"],
            ["张伟", "100001", "审计署/广州特派办", "zhang wei"],
            ["李" * 51, "100002", "审计署/广州特派办", ""],
            ["王芳", "9" * 33, "审计署/广州特派办", ""],
        ]
    )
    report = members_import(file=book, by=gz_organiser)
    assert {(e.row, e.column) for e in report.errors} == {(2, "用户名"), (3, "姓名"), (4, "工号")}
    assert User.objects.count() == 1


@pytest.mark.parametrize("cell", DAMAGED_CELLS.values(), ids=DAMAGED_CELLS.keys())
def test_a_damaged_sheet_is_refused_in_words_and_imports_nothing(tree, gz_organiser, cell):
    """The rows used to be read after the file was accepted, so a sheet openpyxl opened but could
    not read through failed the request (a server error) instead of saying so."""
    book = factories.workbook(rows_with(["张伟", "100001", "审计署/广州特派办/第一党支部", "", "", ""]))
    report = members_import(file=BytesIO(damaged(book.getvalue(), cell)), by=gz_organiser)
    assert report.file_error == "这不是 Excel .xlsx 工作簿。请在 Excel 或 WPS 中另存为 .xlsx 后重试。"
    assert not User.objects.filter(employee_no="100001").exists()


def test_a_unit_merged_down_several_rows_counts_for_each(tree, gz_organiser):
    book = load_workbook(
        factories.workbook(rows_with(["张伟", "100001", "审计署/广州特派办/第一党支部"], ["李娜", "100002"]))
    )
    book.active.merge_cells("C2:C3")
    out = BytesIO()
    book.save(out)
    out.seek(0)
    report = members_import(file=out, by=gz_organiser)
    assert report.ok, report.errors
    assert set(User.objects.filter(employee_no__in=["100001", "100002"]).values_list("unit", flat=True)) == {
        tree["gz1"].pk
    }


@pytest.mark.parametrize(
    ("language", "unit_column", "password_column"),
    [("en", "Unit (单位)", "Initial password (初始密码)"), ("zh-hans", "单位", "初始密码")],
)
def test_the_preview_names_a_problems_column_in_the_pages_language_and_as_the_sheet_heads_it(
    client, tree, gz_organiser, language, unit_column, password_column
):
    book = factories.workbook(
        [
            [*HEADER, "初始密码"],
            ["张伟", "100001", "审计署/京津冀特派办/机关党支部", "", "", "", ""],
            ["李娜", "100002", "审计署/广州特派办/第一党支部", "", "", "", "123"],
        ]
    )
    client.force_login(gz_organiser)
    response = client.post(
        reverse("orgs:member_import"), {"action": "preview", "file": book}, HTTP_ACCEPT_LANGUAGE=language
    )
    assert [(e.row, e.column) for e in response.context["errors_shown"]] == [(2, unit_column), (3, password_column)]
    assert f">{unit_column}</td>" in response.text


def test_a_bare_unit_name_unique_among_the_importers_units_finds_the_unit(tree, gz_organiser):
    # 第二党支部 is under 广州特派办 only; 机关党支部 (京津冀) is beyond this organiser and no rival.
    book = factories.workbook(rows_with(["李娜", "100002", "第二党支部", "", "", ""]))
    preview = members_import(file=book, by=gz_organiser, dry_run=True)
    assert [member.unit_path for member in preview.rows_to_show(5)] == ["审计署/广州特派办/第二党支部"]
    book.seek(0)
    report = members_import(file=book, by=gz_organiser)
    assert report.ok, report.errors
    assert User.objects.get(employee_no="100002").unit == tree["gz2"]


def test_a_bare_unit_name_several_units_have_is_refused_with_their_paths(tree, gz_organiser):
    factories.unit_at("审计署/京津冀特派办/第二党支部")
    organ_organiser = factories.organiser(tree["audit"])
    book = factories.workbook(rows_with(["李娜", "100002", "第二党支部", "", "", ""]))
    report = members_import(file=book, by=organ_organiser)
    assert [(e.row, e.column, e.message) for e in report.errors] == [
        (
            2,
            "单位",
            "您管理的单位中有多个名为“第二党支部”：审计署/广州特派办/第二党支部；审计署/京津冀特派办/第二党支部。"
            "请填写您所指单位的完整路径。",
        )
    ]
    assert not User.objects.filter(employee_no="100002").exists()
    # Under 广州特派办 alone the name is one unit again.
    book = factories.workbook(rows_with(["李娜", "100002", "第二党支部", "", "", ""]))
    report = members_import(file=book, by=gz_organiser)
    assert report.ok, report.errors
