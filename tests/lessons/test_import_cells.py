"""How the question import reads cells organisers write: formulas with no saved result (one
problem per cell, in its own column), knowledge points split on 、 and ，, options typed with
their own letter, a header over two rows, and true or false in the page's language."""

import re
from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import Workbook

from lessons.importing.tabular import without_own_letter
from lessons.models import Question
from lessons.services.attempts import answer_save, attempt_start, attempt_submit
from tests import factories
from tests.lessons.test_import import run, xlsx


@pytest.fixture
def bank(tree):
    return factories.bank(tree["audit"], slug="dangzhang")


def upload(client, bank, data: bytes, name: str = "题库.xlsx"):
    file = BytesIO(data)
    file.name = name
    return client.post(reverse("lessons:bank_import", args=[bank.slug]), {"file": file, "format": ""})


@pytest.fixture
def organiser(tree):
    return factories.organiser(tree["audit"])


def test_a_formula_cell_is_one_problem_in_its_own_column_rows_in_order(bank, organiser):
    # The walk's file: option A of row 2 and the answer of row 3 are formulas never calculated.
    data = xlsx(
        [
            ["单选", "公式单元格题？", None, "二", "三", "四", "A", None, "易", "测试"],
            ["单选", "公式答案？", "一", "二", "三", "四", None, None, "易", "测试"],
        ],
        formulas={"C2": "=1+1", "G3": "=CHAR(65)"},
    )
    report = run(data, bank)
    assert [(error["row"], error["column"]) for error in report.errors] == [(2, "选项A"), (3, "答案")]
    page = upload(factories.client_in("zh-hans", organiser), bank, data)
    rows = page.context["rows"]
    assert [(row["place"], sorted(row["errors"])) for row in rows] == [(2, ["options"]), (3, ["key"])]
    assert [row["stem"] for row in rows] == ["公式单元格题？", "公式答案？"]  # the question stays in its cell


@pytest.mark.parametrize(
    ("typed", "points"),
    [
        ("党章、党史，纪律", ["党章", "党史", "纪律"]),
        ("党章;党史；纪律", ["党章", "党史", "纪律"]),
        ("党章, 党史 ,纪律", ["党章", "党史", "纪律"]),
        ("理想信念", ["理想信念"]),
    ],
)
def test_knowledge_points_split_on_every_separator_organisers_type(bank, typed, points):
    report = run(xlsx([["单选", "知识点分隔？", "甲", "乙", None, None, "A", None, "易", typed]]), bank)
    assert report.errors == []
    assert sorted(Question.objects.get(bank=bank).tags.values_list("name", flat=True)) == sorted(points)


def test_the_preview_shows_each_knowledge_point_apart(bank, organiser):
    data = xlsx([["单选", "知识点分隔？", "甲", "乙", None, None, "A", None, "易", "党章、党史"]])
    page = upload(factories.client_in("zh-hans", organiser), bank, data).content.decode()
    assert sorted(re.findall(r'<span class="badge[^"]*qs-tag">(.*?)</span>', page)) == sorted(["党章", "党史"])


@pytest.mark.parametrize(
    ("typed", "letter", "stored"),
    [
        ("A.实现共产主义", "A", "实现共产主义"),
        ("A、实现共产主义", "A", "实现共产主义"),
        ("A．实现共产主义", "A", "实现共产主义"),
        ("(A)实现共产主义", "A", "实现共产主义"),
        ("（Ｂ） 全面小康", "B", "全面小康"),
        ("c: 改革开放", "C", "改革开放"),
        ("B.全面小康", "A", "B.全面小康"),  # another column's letter: the text itself, kept
        ("A股市场", "A", "A股市场"),  # a word, not a letter before the text
        ("A.", "A", "A."),  # nothing after it: kept as typed
    ],
)
def test_an_options_own_letter_is_taken_off_its_start(typed, letter, stored):
    assert without_own_letter(typed, letter) == stored


def test_options_typed_with_their_letters_are_stored_without_and_the_preview_says_so(bank, organiser):
    row = [
        "单选",
        "选项带字母前缀？",
        "A.实现共产主义",
        "B.全面小康",
        "C、改革开放",
        "D．依法治国",
        "A",
        None,
        "3",
        "混写",
    ]
    page = upload(factories.client_in("en", organiser), bank, xlsx([row]))
    (shown,) = page.context["rows"]
    assert shown["options"][:4] == [("A", "实现共产主义"), ("B", "全面小康"), ("C", "改革开放"), ("D", "依法治国")]
    assert shown["notes"] == [
        "Taken off the options' start (members see each option's letter beside it): “A.”, “B.”, “C、”, “D．”."
    ]
    run(xlsx([row]), bank)
    assert Question.objects.get(bank=bank).current.options == ["实现共产主义", "全面小康", "改革开放", "依法治国"]


def two_row_header(letters: list) -> bytes:
    """The walk's sheet: a title, "选项" merged over C2:F2 with `letters` in C3:F3, one question."""
    book = Workbook()
    sheet = book.active
    sheet.append(["党建题库"])
    sheet.append(["题型", "题干", "选项", None, None, None, "答案", "解析", "难度", "知识点"])
    sheet.append([None, None, *letters, None, None, None, None])
    sheet.append(["单选", "合并表头测试题？", "甲", "乙", "丙", "丁", "A", None, "易", "测试"])
    sheet.merge_cells("A1:J1")
    sheet.merge_cells("C2:F2")
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_header_over_two_rows_with_options_merged_above_their_letters_is_read(bank):
    report = run(two_row_header(["A", "B", "C", "D"]), bank)
    assert report.errors == [] and report.imported == 1
    version = Question.objects.get(bank=bank).current
    assert (version.options, version.key) == (["甲", "乙", "丙", "丁"], ["A"])


def test_a_header_of_options_with_nothing_under_it_is_said_not_understood(bank):
    report = run(two_row_header([None, None, None, None]), bank)
    assert report.errors == [
        {
            "row": 0,
            "column": "",
            "message": "未能识别 C 列的表头“选项”，因此没有读到任何选项：请把各选项列的表头写成 选项A、选项B……"
            "（或在“选项”下一行写 A、B……）后重新上传。",
        }
    ]


def test_a_two_row_header_with_its_other_headers_merged_down_is_read(bank):
    # The template's usual layout: 选项 merged over C1:F1 with A-D in C2:F2, and every other
    # header merged down over both rows (A1:A2, B1:B2, G1:G2 ...).
    book = Workbook()
    sheet = book.active
    sheet.append(["题型", "题干", "选项", None, None, None, "答案", "解析", "难度", "知识点"])
    sheet.append([None, None, "A", "B", "C", "D", None, None, None, None])
    sheet.append(["单选", "党的最高理想是？", "共产主义", "小康", "现代化", "富强", "A", "党章总纲", "易", "党章"])
    sheet.append(["多选", "四个意识包括？", "政治意识", "大局意识", "核心意识", "看齐意识", "ABCD", None, "中", "党性"])
    sheet.merge_cells("C1:F1")
    for column in "ABGHIJ":
        sheet.merge_cells(f"{column}1:{column}2")
    out = BytesIO()
    book.save(out)

    report = run(out.getvalue(), bank)
    assert report.errors == [] and report.imported == 2
    questions = {q.current.stem_text: q.current for q in Question.objects.filter(bank=bank).select_related("current")}
    single, multiple = questions["党的最高理想是？"], questions["四个意识包括？"]
    assert (single.type, single.options, single.key) == ("single", ["共产主义", "小康", "现代化", "富强"], ["A"])
    assert single.explanation == "党章总纲"
    assert (multiple.type, multiple.key) == ("multiple", ["A", "B", "C", "D"])
    assert multiple.options == ["政治意识", "大局意识", "核心意识", "看齐意识"]


def test_an_english_preview_shows_true_or_false_in_english(bank, organiser):
    rows = [["判断", "党章是根本大法。", None, None, None, None, "对", None, "易", "党章"]]
    rows.append(["判断", "党成立于1922年。", None, None, None, None, "错", None, "易", "党史"])
    en = upload(factories.client_in("en", organiser), bank, xlsx(rows))
    assert [row["key"] for row in en.context["rows"]] == ["True", "False"]
    zh = upload(factories.client_in("zh-hans", organiser), bank, xlsx(rows))
    assert [row["key"] for row in zh.context["rows"]] == ["对", "错"]


def test_paper_statistics_name_true_or_false_answers_in_the_pages_language(tree, bank):
    question = factories.question(bank, "true_false", key=[False])
    paper = factories.paper(tree["audit"], mode="exam", questions=[question], time_limit_s=600)
    for response in ([True], [False], [False]):
        member = factories.member(tree["gz1"])
        attempt = attempt_start(paper=paper, member=member)
        answer_save(attempt=attempt, position=1, response=response)
        attempt_submit(attempt=attempt)
    organiser = factories.organiser(tree["audit"])
    url = reverse("lessons:paper_statistics", args=[paper.pk])
    en = factories.client_in("en", organiser).get(url)
    (item,) = en.context["stats"].items
    assert [(choice.label, choice.count, choice.is_key) for choice in item.distribution] == [
        ("False", 2, True),
        ("True", 1, False),
    ]
