"""What the import preview tells an organiser: a whole file's problem said once with no row, a
CSV saved under an .xlsx name recognised, and a skipped duplicate naming what it repeats."""

from io import BytesIO
from urllib.parse import unquote

import pytest
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from lessons.models import Question
from tests import factories
from tests.compound_files import encrypted_xlsx, old_xls
from tests.lessons.test_import import HEADER, xlsx


@pytest.fixture
def bank(tree):
    return factories.bank(tree["audit"], slug="dangzhang")


@pytest.fixture
def organiser(client, tree):
    client.force_login(factories.organiser(tree["audit"]))
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"
    return client


def upload(client, bank, data: bytes, name: str, fmt: str = ""):
    file = BytesIO(data)
    file.name = name
    return client.post(reverse("lessons:bank_import", args=[bank.slug]), {"file": file, "format": fmt})


def empty_workbook() -> bytes:
    out = BytesIO()
    Workbook().save(out)
    return out.getvalue()


CSV_MESSAGE = (
    "这个文件是文本，不是 Excel 工作簿，却按 .xlsx 读取：它看起来是改错了文件名的 CSV 文件。"
    "请把格式选为“csv”后重新上传（或把文件改名为 .csv）。"
)


@pytest.mark.parametrize(
    ("data", "name", "fmt", "message"),
    [
        # A CSV (here GBK, as Excel in China saves it) renamed .xlsx: the page says to choose CSV.
        ("题型,题干,答案\n单选,党的最高理想是？,A\n".encode("gb18030"), "题目.xlsx", "", CSV_MESSAGE),
        # An old binary .xls (a compound file, NUL bytes) read as .xlsx: save it as .xlsx.
        (old_xls(), "old.xls", "xlsx", "这是旧版 Excel 97-2003 工作簿（.xls）。"),
        # An .xlsx encrypted with a password is a compound file too: remove the password.
        (encrypted_xlsx(), "加密.xlsx", "", "此工作簿设置了打开密码，无法读取。"),
        (empty_workbook(), "empty.xlsx", "", "前 15 行中没有找到表头"),
        (xlsx([]), "header-only.xlsx", "", "工作表有表头，但表头下没有试题。"),
    ],
)
def test_a_whole_files_problem_is_said_above_with_no_row_zero_in_the_table(organiser, bank, data, name, fmt, message):
    page = upload(organiser, bank, data, name, fmt)
    assert page.context["errors_shown"] == [] and 'id="import-errors"' not in page.text
    (shown,) = page.context["file_errors"]
    assert message in shown["message"]
    assert message in page.text
    # The downloaded list of problems leaves the place empty too.
    download = organiser.get(reverse("lessons:bank_import_errors", args=[bank.slug]))
    (row,) = list(load_workbook(BytesIO(download.content)).active.values)[1:]
    assert row[0] is None and message in row[2]


def test_a_csv_named_xlsx_is_told_to_choose_csv_and_then_imports(organiser, bank):
    data = "题型,题干,选项A,选项B,答案\n单选,党的最高理想是？,共产主义,小康,A\n".encode()
    assert CSV_MESSAGE in upload(organiser, bank, data, "题目.xlsx").text
    page = upload(organiser, bank, data, "题目.xlsx", "csv")
    assert page.context["report"].ok and len(page.context["report"].drafts) == 1


def test_a_duplicate_row_names_the_earlier_row_or_the_bank_question_it_repeats(organiser, bank):
    factories.question(
        bank,
        "single",
        stem="党的最高理想和最终目标是什么？请从下面的选项中选出唯一正确的一项",
        options=["共产主义", "小康"],
    )
    assert HEADER[1] == "题干"
    rows = [
        [
            "单选",
            "党的最高理想和最终目标是什么？请从下面的选项中选出唯一正确的一项",
            "共产主义",
            "小康",
            None,
            None,
            "A",
        ],
        ["判断", "党章是党的根本大法。", None, None, None, None, "对"],
        ["判断", "党章是党的根本大法。", None, None, None, None, "对"],
    ]
    page = upload(organiser, bank, xlsx([[*row, "", "", ""] for row in rows]), "questions.xlsx")
    duplicates = {row["place"]: row["duplicate"] for row in page.context["rows"] if row["duplicate"]}
    # Row 2 repeats the bank's question (its 32 characters cut to 29 and "…"); row 4 repeats row 3.
    assert duplicates == {
        2: "重复试题：与题库中已有的“党的最高理想和最终目标是什么？请从下面的选项中选出唯一正确…”重复，将跳过。",
        4: "重复试题：与第 3 行重复，将跳过。",
    }
    assert "与第 3 行重复" in page.text
    # The stored row's difficulty (empty: 3) reads as in every difficulty picker.
    assert [row["difficulty"] for row in page.context["rows"] if row["place"] == 3] == ["3 · 中"]
    assert Question.objects.filter(bank=bank).count() == 1


def test_a_duplicate_in_a_text_file_names_the_line_of_the_question_it_repeats(organiser, bank):
    question = "党章是什么？\nA. 根本大法\nB. 一般文件\nANSWER: A\n"
    page = upload(organiser, bank, f"{question}\n{question}".encode(), "questions.txt")
    duplicates = [row["duplicate"] for row in page.context["rows"] if row["duplicate"]]
    assert duplicates == ["重复试题：与第 1 行的试题重复，将跳过。"]


def test_the_bank_export_is_named_in_the_pages_language(organiser, bank):
    bank.name, bank.name_en = "党章题库", "Party Constitution"
    bank.save()
    for language, name in [("en", "Party Constitution.xlsx"), ("zh-hans", "党章题库.xlsx")]:
        organiser.defaults["HTTP_ACCEPT_LANGUAGE"] = language
        response = organiser.get(reverse("lessons:bank_export", args=[bank.slug]))
        assert unquote(response["Content-Disposition"].partition("filename*=UTF-8''")[2]) == name


def test_the_bank_exports_title_row_names_the_bank_and_its_unit_not_its_slug(organiser, bank):
    bank.name, bank.name_en = "党章题库", "Party Constitution"
    bank.save()
    unit = bank.unit
    unit.name_en = "National Audit Office"
    unit.save()
    for language, title in [
        ("en", "Party Constitution · National Audit Office"),
        ("zh-hans", f"党章题库 · {unit.name}"),
    ]:
        organiser.defaults["HTTP_ACCEPT_LANGUAGE"] = language
        response = organiser.get(reverse("lessons:bank_export", args=[bank.slug]))
        sheet = load_workbook(BytesIO(response.content)).active
        assert sheet["A1"].value == title and "dangzhang" not in title
        # The sheet's tab too: it said 党章题库 in an English export.
        assert sheet.title == title.partition(" · ")[0]
