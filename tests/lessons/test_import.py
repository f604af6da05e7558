import json
import re
from decimal import Decimal
from io import BytesIO, StringIO
from urllib.parse import unquote
from zipfile import ZipFile

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook, load_workbook

from lessons.grading import grade
from lessons.importing.export import bank_export
from lessons.importing.run import questions_import
from lessons.models import Question, QuestionBank, QuestionVersion
from tests import factories
from tests.spreadsheets import FORMULA, assert_written_as_text

HEADER = ["题型", "题干", "选项A", "选项B", "选项C", "选项D", "答案", "解析", "难度", "知识点"]


def xlsx(rows, *, title_rows=(), merge=None, formulas=None) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in [*title_rows, HEADER, *rows]:
        sheet.append(list(row))
    for cell_range in merge or []:
        sheet.merge_cells(cell_range)
    for cell, formula in (formulas or {}).items():
        sheet[cell] = formula
    out = BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.fixture
def bank(tree):
    return factories.bank(tree["audit"], slug="dangzhang")


def run(data, bank, fmt="xlsx", **kwargs):
    return questions_import(data=data, fmt=fmt, bank=bank, by=None, **kwargs)


def test_imports_a_bank_written_the_way_organisers_write_it(bank):
    data = xlsx(
        [
            ["单选", "党的最高理想是？", "共产主义", "小康", "现代化", None, "ａ", "党章总纲", 1, "党章;理想信念"],
            [None] * 10,
            [
                "多项选择题",
                "四个意识包括？",
                "政治意识",
                "大局意识",
                "核心意识",
                "看齐意识",
                "A、B、C、D",
                "",
                "难",
                "四个意识",
            ],
            ["判断题", "党员必须履行义务。", None, None, None, None, "√", "", "中", ""],
            ["填空", "党的____召开于____年。", None, None, None, None, "十九大|党的十九大；2017", "", 2, ""],
            ["多选", "下列正确的有", "甲", "乙", "丙", None, " b c ", "", "", ""],
            ["判断", "数字答案", None, None, None, None, "F", "", "", ""],
            ["填空", "一年有____个月", None, None, None, None, 12, "", "", ""],
        ],
        title_rows=[["2026 年党章党规题库"], ["说明：每行一题"]],
    )
    report = run(data, bank)
    assert report.ok, report.errors
    assert report.summary() == {
        "imported": 7,
        "by_type": {"single": 1, "multiple": 2, "true_false": 2, "fill_blank": 2},
        "duplicates": 0,
        "errors": [],
    }
    versions = {q.current.stem: q.current for q in Question.objects.filter(bank=bank).select_related("current")}
    assert versions["党的最高理想是？"].key == ["A"] and versions["党的最高理想是？"].difficulty == 1
    assert versions["四个意识包括？"].key == ["A", "B", "C", "D"] and versions["四个意识包括？"].difficulty == 5
    assert versions["党员必须履行义务。"].key == [True]
    assert versions["党的____召开于____年。"].key == [["十九大", "党的十九大"], ["2017"]]
    assert versions["一年有____个月"].key == [["12"]]
    tags = set(Question.objects.get(current=versions["党的最高理想是？"]).tags.values_list("name", flat=True))
    assert tags == {"党章", "理想信念"}


def test_every_bad_row_is_named_and_nothing_is_imported(bank):
    data = xlsx(
        [
            ["单选", "好题", "甲", "乙", None, None, "A", "", "", ""],  # row 2 fine
            ["单选", "空选项", "甲", "乙", None, None, "D", "", "", ""],  # row 3: key names empty option
            ["单选", "两个答案", "甲", "乙", "丙", None, "AB", "", "", ""],  # row 4: single with two keys
            ["问答题", "未知题型", None, None, None, None, "x", "", "", ""],  # row 5: unknown type
            ["判断", "判断题", None, None, None, None, "也许", "", "", ""],  # row 6: bad true/false
            ["单选", "难度", "甲", "乙", None, None, "A", "", "很难", ""],  # row 7: difficulty
        ]
    )
    report = run(data, bank)
    assert [(e["row"], e["column"]) for e in report.errors] == [
        (3, "答案"),
        (4, "答案"),
        (5, "题型"),
        (6, "答案"),
        (7, "难度"),
    ]
    assert "D" in report.errors[0]["message"]
    assert report.imported == 0 and not Question.objects.filter(bank=bank).exists()


def test_merged_type_cells_apply_to_every_row_they_cover(bank):
    data = xlsx(
        [
            ["单选", "第一题", "甲", "乙", None, None, "A", "", "", ""],
            [None, "第二题", "甲", "乙", None, None, "B", "", "", ""],
            [None, "第三题", "甲", "乙", None, None, "A", "", "", ""],
        ],
        merge=["A2:A4"],
    )
    report = run(data, bank)
    assert report.ok, report.errors
    assert report.by_type["single"] == 3


def test_formulas_without_a_saved_result_are_named(bank):
    data = xlsx([["单选", "公式题", "甲", "乙", None, None, "A", "", "", ""]], formulas={"G2": '=UPPER("a")'})
    report = run(data, bank)
    # Named by the column's header, as every other problem (not its letter G), and said once.
    assert [(error["row"], error["column"]) for error in report.errors] == [(2, "答案")]
    assert "公式" in report.errors[0]["message"]


def test_text_file_renamed_xlsx_and_oversized_files_are_clear_errors(bank, settings):
    report = run(b"just some text, not a workbook", bank)
    assert report.errors == [
        {
            "row": 0,
            "column": "",
            "message": "这个文件是文本，不是 Excel 工作簿，却按 .xlsx 读取：它看起来是改错了文件名的 CSV 文件。"
            "请把格式选为“csv”后重新上传（或把文件改名为 .csv）。",
        }
    ]
    settings.QUESTION_IMPORT_MAX_BYTES = 20 * 1024 * 1024
    report = run(b"0" * (50 * 1024 * 1024), bank)
    assert report.errors[0]["message"] == "文件大小为 50.0 MB，超过 20 MB 的上限。"


def test_duplicates_are_reported_and_not_imported_twice(bank):
    rows = [
        ["单选", "重复的题", "甲", "乙", None, None, "A", "", "", ""],
        ["单选", " 重复的题 ", "甲", "乙", None, None, "ａ", "", "", ""],
    ]
    report = run(xlsx(rows), bank)
    assert report.imported == 1 and report.duplicates == [{"row": 3, "of": {"row": 2}}]
    again = run(xlsx(rows[:1]), bank)
    assert again.imported == 0 and again.summary()["duplicates"] == 1
    assert Question.objects.filter(bank=bank).count() == 1


def test_csv_in_gbk_with_the_same_columns(bank):
    text = "题型,题干,选项A,选项B,答案\n单选,党的宗旨是？,全心全意为人民服务,发展经济,A\n判断,这是对的,,,对\n"
    report = run(text.encode("gb18030"), bank, fmt="csv")
    assert report.ok and report.imported == 2


def test_csv_with_old_mac_line_ends_reads_every_row(bank):
    """Excel for Mac's "CSV (Macintosh)" ends lines with a lone carriage return: the reader saw one
    line with line breaks in it and the upload failed with a server error."""
    text = "题型,题干,选项A,选项B,答案\r单选,党的宗旨是？,全心全意为人民服务,发展经济,A\r判断,这是对的,,,对\r"
    report = run(text.encode(), bank, fmt="csv")
    assert report.ok and report.imported == 2


def test_csv_with_a_cell_too_long_to_read_names_its_line_and_imports_nothing(bank):
    """A quotation mark left open runs the rest of the file into one cell; past the csv module's
    limit (131,072 characters) it raised, and the upload failed with a server error."""
    text = '题型,题干,选项A,选项B,答案\n单选,党的宗旨是？,甲,乙,A\n单选,"没有收尾的引号,甲,乙,A\n' + "长" * 140_000
    report = run(text.encode(), bank, fmt="csv")
    assert [error["message"] for error in report.errors] == [
        "CSV 文件第 3 行无法读取：其中某个单元格超过 131,072 个字符（上方是否有未闭合的引号？）。"
    ]
    assert report.imported == 0 and not Question.objects.filter(bank=bank).exists()


def test_aiken(bank):
    text = (
        "中国共产党成立于哪一年？\nA. 1919\nB. 1921\nC. 1949\nANSWER: B\n\n"
        "没有答案的题\nA. 甲\nB. 乙\n\n"
        "答案越界\nA) 甲\nB) 乙\nANSWER: D\n"
    )
    report = run(text.encode(), bank, fmt="aiken")
    assert [(e["line"]) for e in report.errors] == [7, 14]
    report = run("中国共产党成立于哪一年？\nA. 1919\nB. 1921\nANSWER: B\n".encode(), bank, fmt="aiken")
    assert report.ok and report.imported == 1


def test_gift_kinds_we_model_and_refusals_with_line_numbers(bank):
    text = """// 党章题库
::Q1:: 党的最高理想是 {=实现共产主义 ~发展经济 ~改善民生}

::Q2:: 四个意识包括 {~%50%政治意识 ~%50%大局意识 ~%-100%消费意识}

党章是党的根本大法。{T}

中国共产党成立于 {=1921 =一九二一} 年。

党的{=十九大 ~十八大}召开于2017年。

配对题 {=甲 -> 1 =乙 -> 2}

数值题 {#1921:0}

论述题 {}
"""
    report = run(text.encode(), bank, fmt="gift")
    assert [(e["line"], "not supported" in e["message"] or "不支持" in e["message"]) for e in report.errors] == [
        (12, True),
        (14, True),
        (16, True),
    ]
    report = run(text.split("配对题")[0].encode(), bank, fmt="gift")
    assert report.ok, report.errors
    assert report.by_type == {"single": 2, "multiple": 1, "true_false": 1, "fill_blank": 1}
    multi = Question.objects.get(bank=bank, current__type="multiple").current
    assert multi.key == ["A", "B"]
    missing = Question.objects.get(bank=bank, current__stem__contains="召开").current
    assert missing.stem == "党的____召开于2017年。" and missing.type == "single"


def test_export_reimports_to_the_same_questions(bank, tree):
    factories.question(bank, "single", tags=["党章"])
    factories.question(bank, "multiple")
    factories.question(bank, "true_false", key=[False])
    factories.question(bank, "fill_blank", stem="____和____", key=[["甲", "A"], ["乙"]])
    factories.question(bank, "single", stem="含有 <b>格式</b> 与 a < b 的题干")
    data = bank_export(bank)
    copy = factories.bank(tree["audit"], slug="copy")
    report = run(data, copy)
    assert report.ok and report.imported == 5, report.errors

    def shape(b):
        return sorted(
            (
                v.type,
                v.stem,
                v.options,
                v.key,
                v.difficulty,
                v.fingerprint,
                tuple(sorted(q.tags.values_list("name", flat=True))),
            )
            for q in Question.objects.filter(bank=b).select_related("current")
            for v in [q.current]
        )

    assert shape(copy) == shape(bank)
    assert run(data, copy).summary()["duplicates"] == 5


def test_import_command_json_line_and_exit_status(tmp_path, tree):
    good = tmp_path / "bank.xlsx"
    good.write_bytes(xlsx([["单选", "题", "甲", "乙", None, None, "A", "", "", ""]]))
    out = StringIO()
    call_command("import_questions", str(good), "--bank", "new-bank", "--unit", "审计署", "--json", stdout=out)
    summary = json.loads(out.getvalue().strip().splitlines()[-1])
    assert summary == {
        "imported": 1,
        "by_type": {"single": 1, "multiple": 0, "true_false": 0, "fill_blank": 0},
        "duplicates": 0,
        "errors": [],
    }
    assert QuestionBank.objects.get(slug="new-bank").unit == tree["audit"]

    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(xlsx([["单选", "题", "甲", "乙", None, None, "Z", "", "", ""]]))
    out = StringIO()
    with pytest.raises(CommandError) as failed:
        call_command("import_questions", str(bad), "--bank", "new-bank", "--json", stdout=out, stderr=StringIO())
    assert failed.value.returncode == 1
    summary = json.loads(out.getvalue().strip().splitlines()[-1])
    assert summary["imported"] == 0 and summary["errors"][0]["row"] == 2 and summary["errors"][0]["column"] == "答案"


def test_import_command_dry_run_and_missing_bank(tmp_path, tree):
    good = tmp_path / "bank.txt"
    good.write_text("题？\nA. 甲\nB. 乙\nANSWER: A\n")
    call_command("import_questions", str(good), "--bank", "dry", "--unit", "审计署", "--dry-run", stdout=StringIO())
    assert not QuestionBank.objects.filter(slug="dry").exists()
    with pytest.raises(CommandError, match="--unit"):
        call_command("import_questions", str(good), "--bank", "nowhere", stdout=StringIO())


def test_export_command(tmp_path, bank):
    factories.question(bank)
    out = tmp_path / "out.xlsx"
    call_command("export_questions", "--bank", bank.slug, str(out), stdout=StringIO())
    rows = list(load_workbook(out).active.iter_rows(values_only=True))
    assert rows[1][0] == "题型" and rows[2][0] == "单选题"


def test_import_task_runs_once_even_if_delivered_twice(bank, tree):
    from django.core.files.base import ContentFile

    from lessons.models import ImportJob
    from lessons.tasks import question_import_run

    job = ImportJob(bank=bank, filename="bank.xlsx", format="xlsx")
    job.file.save(
        "bank.xlsx", ContentFile(xlsx([["单选", "任务题", "甲", "乙", None, None, "A", "", "", ""]])), save=False
    )
    job.save()
    assert question_import_run(job.pk) == "done"
    assert question_import_run(job.pk) == "nothing to do"
    job.refresh_from_db()
    assert job.status == "done" and job.percent == 100 and job.result["imported"] == 1
    assert Question.objects.filter(bank=bank).count() == 1
    assert question_import_run(424242) == "nothing to do"


def _shape(bank):
    return sorted(
        (v.type, v.stem, v.options, v.key, v.explanation, tuple(sorted(q.tags.values_list("name", flat=True))))
        for q in Question.objects.filter(bank=bank).select_related("current")
        for v in [q.current]
    )


def test_export_writes_formula_like_text_as_text_and_it_reimports_unchanged(bank, tree):
    bank.name = FORMULA
    bank.save()
    factories.question(bank, "single", stem=FORMULA, options=["=1+1", "-2", "+3", "@4"], explanation="@某人")
    factories.question(bank, "multiple", stem="-1 是负数吗？", options=["-1", "=A1", "#N/A"], key=["A", "C"])
    factories.question(bank, "fill_blank", stem="+____+", key=[["=2", "-2"]], tags=["=标签"])
    data = bank_export(bank)
    assert_written_as_text(
        data, f"{FORMULA} · {bank.unit.name}", FORMULA, "=1+1", "-2", "@某人", "-1 是负数吗？", "#N/A"
    )

    copy = factories.bank(tree["audit"], slug="copy")
    report = run(data, copy)
    assert report.ok and report.imported == 3, report.errors
    assert _shape(copy) == _shape(bank)


def test_export_command_writes_formula_like_text_as_text(tmp_path, bank):
    factories.question(bank, stem=FORMULA)
    out = tmp_path / "out.xlsx"
    call_command("export_questions", "--bank", bank.slug, str(out), stdout=StringIO())
    assert_written_as_text(out.read_bytes(), FORMULA)


@pytest.mark.parametrize(
    "name",
    ["党章/党规 题库", "a\\b?c*d[e]f:g", "'引号'", "第" * 100, "History", "?*"],
)
def test_a_bank_named_with_characters_files_and_sheets_refuse_exports(client, tree, name):
    bank = factories.bank(tree["audit"], slug="dangzhang")
    bank.name = name
    bank.save()
    factories.question(bank)
    client.force_login(factories.organiser(tree["audit"]))
    response = client.get(reverse("lessons:bank_export", args=[bank.slug]))
    assert response.status_code == 200
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment; filename=\"dangzhang.xlsx\"; filename*=UTF-8''")
    sent_name = unquote(disposition.partition("filename*=UTF-8''")[2])
    assert sent_name.endswith(".xlsx") and not set('/\\:*?"<>|') & set(sent_name)
    sheet = load_workbook(BytesIO(response.content)).active
    assert 0 < len(sheet.title) <= 31 and not set("[]:*?/\\") & set(sheet.title)
    assert sheet["A1"].value == f"{name} · {tree['audit'].name}"


def test_gift_weights_are_kept_only_where_our_scoring_means_the_same(bank):
    text = """::W1:: 权重不等 {~%70%甲 ~%30%乙 ~%-100%丙}

::W2:: 错选只扣一半 {~%50%甲 ~%50%乙 ~%-50%丙}

::W3:: 单选带部分分 {=甲 ~%50%乙 ~丙}

::W4:: 未加权的错项记 0% {~%50%甲 ~%50%乙 ~丙}

::W5:: 三等分 {~%33.33333%甲 ~%33.33333%乙 ~%33.33333%丙 ~%-100%丁}
"""
    report = run(text.encode(), bank, fmt="gift")
    assert [error["line"] for error in report.errors] == [1, 3, 5, 7]
    assert all("加权答案" in error["message"] or "weighted" in error["message"] for error in report.errors)
    thirds = "::W5:: 三等分 {~%33.33333%甲 ~%33.33333%乙 ~%33.33333%丙 ~%-100%丁}\n"
    report = run(thirds.encode(), bank, fmt="gift")
    assert report.ok and report.imported == 1
    version = Question.objects.get(bank=bank).current
    assert (version.type, version.key) == ("multiple", ["A", "B", "C"])
    # Moodle scores 甲 alone 33.33% and any wrong pick 0 (-100% floors the sum); so does a
    # partial-credit paper.
    assert grade(type="multiple", key=version.key, response=["A"], partial=True) == Decimal("0.3333")
    assert grade(type="multiple", key=version.key, response=["A", "B", "C", "D"], partial=True) == 0


def _sheet_xml_replaced(data: bytes, pattern: str, new: str) -> bytes:
    """The workbook with the regular expression `pattern` replaced by `new` (once) in its sheet's
    XML: openpyxl cannot write a formula's saved result, or a broken sheet. (openpyxl writes
    `<v />`, `<v/>` or `<v></v>` for an empty value, with or without lxml.)"""
    out = BytesIO()
    with ZipFile(BytesIO(data)) as source, ZipFile(out, "w") as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                content, found = re.subn(pattern.encode(), new.encode(), content, count=1)
                assert found, pattern
            target.writestr(item, content)
    return out.getvalue()


EMPTY_VALUE = r"(?:<v\s*/>|<v></v>)"


def test_formulas_count_by_their_saved_result(bank):
    data = xlsx(
        [["单选", "公式答案", "甲", "乙", None, None, None, "", 2, ""]],
        formulas={"G2": '=UPPER("b")', "I2": "=1+2"},
    )
    data = _sheet_xml_replaced(data, rf'<c r="G2"><f>([^<]*)</f>{EMPTY_VALUE}', r'<c r="G2" t="str"><f>\1</f><v>B</v>')
    data = _sheet_xml_replaced(data, rf'<c r="I2"><f>([^<]*)</f>{EMPTY_VALUE}', r'<c r="I2"><f>\1</f><v>4</v>')
    report = run(data, bank)
    assert report.ok, report.errors
    version = Question.objects.get(bank=bank).current
    assert (version.key, version.difficulty) == (["B"], 4)


def test_merged_blocks_across_rows_and_columns_and_blank_rows_keep_row_numbers(bank):
    def workbook(last_answer):
        return xlsx(
            [
                ["判断", "第一题", None, None, None, None, "对", "", 2, "党章"],  # row 4
                [None, "第二题", None, None, None, None, "错", "", None, None],  # row 5
                [None] * 10,  # row 6
                ["判断", "第三题", None, None, None, None, last_answer, "", None, None],  # row 7
            ],
            title_rows=[["2026 年题库"], ["说明"]],
            merge=["A1:J1", "A4:A5", "I4:I5", "J4:J5"],
        )

    report = run(workbook("也许"), bank)
    assert [(e["row"], e["column"]) for e in report.errors] == [(7, "答案")]
    assert report.by_type["true_false"] == 2 and not Question.objects.filter(bank=bank).exists()
    report = run(workbook("对"), bank)
    assert report.ok, report.errors
    tags = {q.current.stem: set(q.tags.values_list("name", flat=True)) for q in Question.objects.filter(bank=bank)}
    assert tags == {"第一题": {"党章"}, "第二题": {"党章"}, "第三题": set()}
    assert [q.current.stem for q in Question.objects.filter(bank=bank).order_by("id")] == ["第一题", "第二题", "第三题"]
    assert sorted(Question.objects.filter(bank=bank).values_list("current__difficulty", flat=True)) == [2, 2, 3]


def test_a_merge_across_columns_refuses_each_row_it_covers_naming_the_cells(bank):
    """B3:C3 made the question text option A as well, and the row imported as a valid question."""
    data = xlsx(
        [
            ["单选", "第一题", "甲", "乙", None, None, "A", "", "", ""],  # row 3
            ["单选", "党的根本宗旨是什么？", None, "全心全意为人民服务", "发展经济", None, "B", "", "", ""],  # row 4
            ["判断", "第三题", None, None, None, None, "对", "", 2, None],  # row 5, I5:J6 across and down
            ["判断", "第四题", None, None, None, None, "错", "", None, None],  # row 6
        ],
        title_rows=[["2026 年题库"]],
        merge=["A1:J1", "B4:C4", "I5:J6"],
    )
    report = run(data, bank)
    why = "已合并，请取消合并。跨列合并会把第一格的内容复制到它覆盖的每一列。"
    assert report.errors == [
        {"row": 4, "column": "选项A", "message": f"单元格 B4:C4 {why}"},
        {"row": 5, "column": "知识点", "message": f"单元格 I5:J6 {why}"},
        {"row": 6, "column": "知识点", "message": f"单元格 I5:J6 {why}"},
    ]
    assert [d.where for d in report.drafts] == [{"row": 3}]
    assert not Question.objects.filter(bank=bank).exists()


def test_a_merge_across_columns_is_named_on_an_english_page_too(bank, settings):
    from django.utils import translation

    data = xlsx([["单选", "题干", None, "乙", None, None, "B", "", "", ""]], merge=["B2:C2"])
    with translation.override("en"):
        report = run(data, bank)
    assert report.errors == [
        {
            "row": 2,
            "column": "选项A",
            "message": "Cells B2:C2 are merged: unmerge them. "
            "A merge across columns copies its first cell's text into every column it covers.",
        }
    ]


def test_a_merge_across_only_columns_the_import_does_not_read_is_left_alone(bank):
    data = xlsx([["单选", "第一题", "甲", "乙", None, None, "A", "", "", "", "备注", "备注"]], merge=["K2:L2"])
    assert run(data, bank).ok


def test_a_formula_inside_a_merged_range_takes_the_ranges_value(bank):
    data = xlsx(
        [
            ["单选", "第一题", "甲", "乙", None, None, "A", "", "", ""],
            [None, "第二题", "甲", "乙", None, None, "B", "", "", ""],
        ],
        merge=["A2:A3"],
    )
    data = _sheet_xml_replaced(data, '(<row r="3"[^>]*>)', r'\1<c r="A3"><f>A2</f><v /></c>')
    report = run(data, bank)
    assert report.ok, report.errors
    assert report.by_type["single"] == 2


def test_a_workbook_with_a_broken_sheet_is_a_clear_error_and_stores_nothing(bank):
    data = xlsx([["单选", "题", "甲", "乙", None, None, "A", "", "", ""]])
    report = run(_sheet_xml_replaced(data, "</sheetData>", "<row"), bank)
    assert report.errors == [
        {"row": 0, "column": "", "message": "这不是 Excel .xlsx 工作簿。请在 Excel 或 WPS 中另存为 .xlsx 后重试。"}
    ]
    assert not Question.objects.filter(bank=bank).exists()


def test_the_cycle_collector_is_restored_after_an_import_even_a_failing_one(bank):
    import gc

    from lessons.importing.run import cycle_collection_paused

    assert gc.isenabled()
    with pytest.raises(ZeroDivisionError), cycle_collection_paused():
        assert not gc.isenabled()
        1 / 0  # noqa: B018
    assert gc.isenabled()
    run(b"not a workbook", bank)
    assert gc.isenabled()
    gc.disable()
    try:
        run(xlsx([["单选", "题", "甲", "乙", None, None, "A", "", "", ""]]), bank)
        assert not gc.isenabled()  # left as the caller had it
    finally:
        gc.enable()


def test_the_preview_names_a_refused_row_by_the_question_typed_in_it(client, bank, tree):
    # A refused row showed only dashes: the organiser could not tell which question it was.
    client.force_login(factories.organiser(tree["audit"]))
    upload = BytesIO(
        xlsx(
            [
                ["单选", "好题", "甲", "乙", None, None, "A", "", "", ""],
                ["单选", "答案指向空选项的题", "甲", "乙", None, None, "D", "", "", ""],
            ]
        )
    )
    upload.name = "questions.xlsx"
    page = client.post(reverse("lessons:bank_import", args=[bank.slug]), {"file": upload, "format": ""})
    assert [(row["place"], row["stem"], list(row["errors"])) for row in page.context["rows"]] == [
        (2, "好题", []),
        (3, "答案指向空选项的题", ["key"]),
    ]
    assert "答案指向空选项的题" in page.text


@pytest.mark.parametrize(("language", "column"), [("en", "Answer (答案)"), ("zh-hans", "答案")])
def test_a_problems_column_is_named_in_the_pages_language_beside_its_header(client, bank, tree, language, column):
    # English pages named the column only by its Chinese header ("答案").
    client.force_login(factories.organiser(tree["audit"]))
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = language
    upload = BytesIO(xlsx([["单选", "答案指向空选项的题", "甲", "乙", None, None, "D", "", "", ""]]))
    upload.name = "questions.xlsx"
    page = client.post(reverse("lessons:bank_import", args=[bank.slug]), {"file": upload, "format": ""})
    assert [error["column"] for error in page.context["errors_shown"]] == [column]
    download = client.get(reverse("lessons:bank_import_errors", args=[bank.slug]))
    assert [row[1] for row in list(load_workbook(BytesIO(download.content)).active.values)[1:]] == [column]


def test_an_empty_bank_says_how_to_fill_it_and_a_filter_matching_nothing_says_so(client, bank, tree):
    # A new bank read "No questions match", as if a filter were on.
    client.force_login(factories.organiser(tree["audit"]))
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"
    url = reverse("lessons:bank_detail", args=[bank.slug])
    empty = client.get(url).text
    assert "题库里还没有试题" in empty and f'<a href="{reverse("lessons:bank_import", args=[bank.slug])}">' in empty
    assert "没有符合条件的试题" not in empty
    filtered = client.get(url, {"type": "single"}).text
    assert "没有符合条件的试题" in filtered and "题库里还没有试题" not in filtered


def test_every_problem_of_a_row_is_reported_at_once_and_the_difficulty_message_lists_every_accepted_value(bank):
    # Only the first problem of a row was reported: the bad true/false answer showed only after
    # the difficulty was fixed and the file uploaded again.
    data = xlsx(
        [
            ["判断", "两处错", None, None, None, None, "也许", "", "难难", ""],  # row 2: difficulty and answer
            ["问答题", "题型与难度", None, None, None, None, "x", "", "7", ""],  # row 3: type and difficulty
            ["单选", "较易与较难都可用", "甲", "乙", None, None, "A", "", "较易", ""],  # row 4 fine
            ["单选", "答案与难度", "甲", "乙", None, None, "D", "", "0", ""],  # row 5: key and difficulty
        ]
    )
    report = run(data, bank)
    assert [(e["row"], e["column"]) for e in report.errors] == [
        (2, "难度"),
        (2, "答案"),
        (3, "题型"),
        (3, "难度"),
        (5, "难度"),
        (5, "答案"),
    ]
    assert (
        report.errors[0]["message"]
        == "难度“难难”无效：请填写以下之一：1～5、易、容易、简单、较易、中、中等、一般、较难、难、困难。"
    )
    with translation.override("en"):
        english = run(data, bank).errors[0]["message"]
    assert english == "Difficulty “难难” is not one of 1-5, 易, 容易, 简单, 较易, 中, 中等, 一般, 较难, 难, 困难."
    assert report.imported == 0 and not Question.objects.filter(bank=bank).exists()


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "“logo.png” is not a file the import reads: it takes .xlsx, .csv, Aiken .txt and .gift files."),
        ("zh-hans", "“logo.png”不是可导入的文件：导入只接受 .xlsx、.csv、Aiken .txt 和 .gift 文件。"),
    ],
)
def test_a_file_of_a_type_the_import_cannot_read_names_the_types_it_takes(client, bank, tree, language, message):
    client.force_login(factories.organiser(tree["audit"]))
    client.cookies["django_language"] = language
    upload = BytesIO(b"\x89PNG\r\n\x1a\n")
    upload.name = "logo.png"
    page = client.post(reverse("lessons:bank_import", args=[bank.slug]), {"file": upload, "format": ""})
    assert message in page.content.decode()


def test_a_multiple_choice_row_with_one_right_option_is_refused_at_its_answer_cell(bank):
    data = xlsx(
        [
            ["多选", "四个意识包括？", "政治意识", "大局意识", "消费意识", None, "AB", "", "", ""],  # row 2: fine
            ["多选", "只有一个答案", "甲", "乙", "丙", None, "B", "", "", ""],  # row 3: one right option
        ]
    )
    with translation.override("zh-hans"):
        report = run(data, bank)
    assert [(e["row"], e["column"]) for e in report.errors] == [(3, "答案")]
    assert report.errors[0]["message"] == (
        "多选题至少要有两个正确选项，而不是只有 B：请再勾选一个正确选项，或改为单选题。"
    )
    assert report.imported == 0 and not Question.objects.filter(bank=bank).exists()


def test_a_gift_question_with_one_weighted_right_answer_is_a_single_choice(bank):
    report = run("::Q:: 党的最高理想是？ {~%100%共产主义 ~%-100%小康}\n".encode(), bank, fmt="gift")
    assert report.ok, report.errors
    version = Question.objects.get(bank=bank).current
    assert (version.type, version.key) == ("single", ["A"])


def test_a_multiple_choice_question_stored_with_one_right_option_before_the_rule_still_shows(client, bank, tree):
    question = factories.question(bank, "multiple")
    QuestionVersion.objects.filter(pk=question.current_id).update(key=["B"])
    client.force_login(factories.organiser(tree["audit"]))
    page = client.get(reverse("lessons:question_edit", args=[bank.slug, question.pk]))
    assert page.status_code == 200
    assert "四个意识包括" in page.content.decode()
