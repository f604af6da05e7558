"""The team roster import reads a sheet headed in Chinese or in English, refuses a header it does
not know (naming it), names a row's column as the sheet heads it, and gives a template headed in
the page's language that imports as it is."""

from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from contests.models import TeamMember
from contests.wizard import roster, services
from tests import factories
from tests.factories import client_in


@pytest.fixture
def contest(tree, gz_organiser):
    return services.contest_begin(title="党史知识竞赛", unit=tree["gz"], base_score=100, by=gz_organiser)


def _import(contest, by, rows, language="zh-hans"):
    with translation.override(language):
        report = roster.roster_import(contest=contest, file=factories.workbook(rows), by=by)
        return report, [(e.row, e.column, str(e.message)) for e in report.errors]


def test_a_roster_headed_in_english_makes_its_teams(tree, gz_organiser, contest):
    a, b = (factories.member(tree["gz1"], employee_no=no) for no in ("A1", "A2"))
    report, errors = _import(
        contest,
        gz_organiser,
        [
            ["Team", "Employee Number", "Name", "Captain", "Relay order"],
            ["Red", "A1", "", "", 2],
            ["Red", "A2", "", "yes", 1],
        ],
    )
    assert errors == []
    red = contest.teams.get()
    assert list(red.members.order_by("leg").values_list("member_id", "leg", "is_captain")) == [
        (b.pk, 1, True),
        (a.pk, 2, False),
    ]


def test_a_roster_with_headers_in_both_languages_makes_its_teams(tree, gz_organiser, contest):
    factories.member(tree["gz1"], employee_no="A1")
    _report, errors = _import(contest, gz_organiser, [["队名", "employee number", "队长"], ["红队", "A1", "是"]], "en")
    assert errors == []
    assert contest.teams.get().members.get().is_captain


def test_a_bad_row_names_its_column_as_the_sheet_heads_it(tree, gz_organiser, contest):
    factories.member(tree["gz1"], employee_no="A1")
    _report, errors = _import(
        contest, gz_organiser, [["Team", "Employee number", "Relay order"], ["Red", "NOBODY", ""], ["Red", "A1", "x"]]
    )
    assert [(row, column) for row, column, _message in errors] == [(2, "Employee number"), (3, "Relay order")]
    assert not contest.teams.exists()


def test_an_unknown_header_is_named_and_nothing_is_imported(tree, gz_organiser, contest):
    factories.member(tree["gz1"], employee_no="A1")
    rows = [["Team", "Employee number", "Team captain"], ["Red", "A1", "yes"]]
    _report, errors = _import(contest, gz_organiser, rows, "en")
    assert len(errors) == 1 and errors[0][:2] == (0, "")
    assert "Column C, “Team captain”, is not a column this sheet takes." in errors[0][2]
    assert "Team (队名), Employee number (工号), Name (姓名), Captain (队长), Relay order (接力顺序)" in errors[0][2]
    assert not contest.teams.exists() and not TeamMember.objects.exists()


def test_a_header_row_in_neither_language_says_which_columns_it_needs(tree, gz_organiser, contest):
    factories.member(tree["gz1"], employee_no="A1")
    rows = [["Mannschaft", "Nummer"], ["Red", "A1"]]
    _report, english = _import(contest, gz_organiser, rows, "en")
    assert "this sheet needs the columns Team (队名), Employee number (工号)." in english[0][2]
    _report, chinese = _import(contest, gz_organiser, rows)
    assert "队名、工号" in chinese[0][2]
    assert not contest.teams.exists()


@pytest.mark.parametrize(
    ("language", "headers", "team"),
    [
        ("en", ("Team", "Employee number", "Name", "Captain", "Relay order"), "First branch team"),
        ("zh-hans", ("队名", "工号", "姓名", "队长", "接力顺序"), "第一党支部队"),
    ],
)
def test_the_template_is_headed_in_the_pages_language_and_imports_as_it_is(
    tree, gz_organiser, contest, language, headers, team
):
    # The template's example rows, whose names are checked against their employee numbers' members.
    names = {"en": ("Zhang San", "Li Si", "Wang Wu"), "zh-hans": ("张三", "李四", "王五")}[language]
    for no, name in zip(("10001", "10002", "10003"), names, strict=True):
        factories.member(tree["gz1"], employee_no=no, real_name=name)
    client = client_in(language, gz_organiser)
    url = reverse("contests:setup_roster_template", args=[contest.join_code])
    assert url in client.get(reverse("contests:setup_teams", args=[contest.join_code])).text
    template = client.get(url).content
    sheet = load_workbook(BytesIO(template)).worksheets[0]
    assert tuple(cell.value for cell in sheet[1]) == headers

    upload = BytesIO(template)
    upload.name = "roster.xlsx"
    response = client.post(reverse("contests:setup_roster", args=[contest.join_code]), {"file": upload})

    assert response.status_code == 302
    first = contest.teams.get(name=team)
    assert list(first.members.order_by("leg").values_list("member__employee_no", "leg", "is_captain")) == [
        ("10001", 1, True),
        ("10002", 2, False),
    ]
    assert contest.teams.count() == 2


@pytest.mark.parametrize(
    ("language", "header", "message"),
    [
        (
            "zh-hans",
            ["队名", "工号", "姓名"],
            "姓名“是”与工号或用户名“10001”的成员不符，该成员是张三：请核对工号（或更正姓名）。",
        ),
        (
            "en",
            ["Team", "Employee number", "Name"],
            "The name “是” is not the name of the member with employee number or username “10001”, who is 张三: "
            "check the employee number (or correct the name).",
        ),
    ],
)
def test_a_name_that_is_not_its_employee_numbers_member_refuses_the_roster(
    tree, gz_organiser, contest, language, header, message
):
    """The QA walk's row: 是 typed in the name column, so the row's employee number was never
    checked against anyone; a mistyped number put the wrong person on a team silently."""
    factories.member(tree["gz1"], employee_no="10001", real_name="张三")
    factories.member(tree["gz1"], employee_no="10002", real_name="Li Si")
    factories.member(tree["gz1"], employee_no="10003", real_name="王五", username="wangwu")
    factories.member(tree["gz1"], employee_no="10004", real_name="赵六")
    rows = [
        header,
        ["红队", "１０００２", "ＬＩ　ｓｉ"],  # row 2: full-width number, letters and space, another case: Li Si
        ["红队", "10003", "wangwu"],  # row 3: the username names the member too
        ["红队", "10004", " 赵　六 "],  # row 4: a full-width space inside, spaces around: 赵六
        ["红队", "10001", "是"],  # row 5: not 张三
    ]
    _report, errors = _import(contest, gz_organiser, rows, language)
    assert errors == [(5, header[2], message)]
    assert not contest.teams.exists() and not TeamMember.objects.exists()


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("zh-hans", "队长一栏请为队长填写“是”（或 yes），其他队员留空，不能填写“1”。"),
        ("en", "Write “yes” (or 是) for the team’s captain and leave it empty for the others, not “1”."),
    ],
)
def test_the_captain_column_takes_only_what_the_template_teaches(tree, gz_organiser, contest, language, message):
    """The walk saw "1" taken silently; a relay order typed one column off reads as "1"."""
    for no in ("A1", "A2", "A3", "A4"):
        factories.member(tree["gz1"], employee_no=no)
    header = ["队名", "工号", "队长"]
    _report, errors = _import(contest, gz_organiser, [header, ["红队", "A1", "1"], ["红队", "A2", ""]], language)
    assert errors == [(2, "队长", message)]
    assert not contest.teams.exists()

    rows = [header, ["红队", "A1", "否"], ["红队", "A2", "YES"], ["蓝队", "A3", "是"], ["蓝队", "A4", "no"]]
    _report, errors = _import(contest, gz_organiser, rows, language)
    assert errors == []
    captains = TeamMember.objects.filter(contest=contest, is_captain=True).values_list("member__employee_no", flat=True)
    assert sorted(captains) == ["A2", "A3"]


@pytest.mark.parametrize(("header", "language"), [("工号或用户名", "zh-hans"), ("Employee number or username", "en")])
def test_a_roster_headed_with_the_pages_own_column_name_makes_its_teams(tree, gz_organiser, contest, header, language):
    # The page names the column 工号或用户名 / "employee number or username"; a sheet headed so was refused.
    factories.member(tree["gz1"], employee_no="A1")
    _report, errors = _import(contest, gz_organiser, [["队名", header, "队长"], ["红队", "A1", "是"]], language)
    assert errors == []
    assert contest.teams.get().members.get().is_captain
