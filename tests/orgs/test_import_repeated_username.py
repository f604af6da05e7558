"""Two rows of one sheet naming the same new username: the later row says it repeats the earlier
one (as a repeated employee number does), not that an account has taken it; a username held by an
existing account is still reported as taken."""

from django.utils import translation

from orgs.importing import members_import
from tests import factories

HEADER = ["姓名", "工号", "单位", "用户名"]


def _username_errors(report) -> list[tuple[int, str]]:
    return [(e.row, e.message) for e in report.errors if e.column == "用户名"]


def test_a_username_repeated_in_the_sheet_names_the_row_it_first_appeared_on(tree, gz_organiser):
    book = factories.workbook(
        [
            HEADER,
            ["王小一", "300001", "审计署/广州特派办/第一党支部", "wangx1"],  # row 2 (row 1 is the header)
            ["王小二", "300002", "审计署/广州特派办/第一党支部", "wangx1"],  # row 3 repeats row 2's username
        ]
    )

    with translation.override("zh-hans"):
        report = members_import(file=book, by=gz_organiser)
        errors = _username_errors(report)

    assert errors == [(3, "用户名“wangx1”重复出现（首次出现在第 2 行）。")]


def test_a_username_of_an_existing_account_is_still_taken(tree, gz_organiser):
    factories.member(tree["gz2"], username="wangx1")
    book = factories.workbook([HEADER, ["王小一", "300001", "审计署/广州特派办/第一党支部", "wangx1"]])

    with translation.override("zh-hans"):
        report = members_import(file=book, by=gz_organiser)
        errors = _username_errors(report)

    assert errors == [(2, "用户名“wangx1”已被占用。")]
