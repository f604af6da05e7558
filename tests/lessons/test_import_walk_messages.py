"""What a tester's walk of the question import found said wrongly: a password-protected or old
binary workbook, an answer written as a digit, a header lacking 答案, two identical options."""

from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook

from lessons.importing.run import questions_import
from lessons.models import Question
from lessons.validation import QuestionContent, QuestionInvalid, check_question
from tests import factories
from tests.compound_files import encrypted_xlsx, old_xls
from tests.lessons.test_import import xlsx

PASSWORD_MESSAGE = (
    "此工作簿设置了打开密码，无法读取。请在 Excel 或 WPS 中打开它并取消密码（Excel：文件 > 信息 > 保护工作簿 > "
    "用密码进行加密，清空密码；WPS：文件 > 文档加密 > 密码加密，清空密码），保存后重新上传。"
)
XLS_MESSAGE = (
    "这是旧版 Excel 97-2003 工作簿（.xls）。请在 Excel 或 WPS 中打开它，另存为 Excel 工作簿（.xlsx），"
    "然后上传新保存的文件。"
)


@pytest.fixture
def bank(tree):
    return factories.bank(tree["audit"], slug="dangzhang")


def run(data: bytes, bank, fmt: str = "xlsx", language: str = "zh-hans"):
    with translation.override(language):
        return questions_import(data=data, fmt=fmt, bank=bank, by=None)


def sheet(rows, header=("题型", "题干", "选项A", "选项B", "答案"), title_rows=()) -> bytes:
    book = Workbook()
    for row in [*title_rows, header, *rows]:
        book.active.append(list(row))
    out = BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (encrypted_xlsx(), PASSWORD_MESSAGE),
        (old_xls(), XLS_MESSAGE),
        # The stream names written inside a sheet's cells are no encryption: still an old .xls.
        (old_xls("EncryptionInfo EncryptedPackage"), XLS_MESSAGE),
    ],
)
def test_a_compound_file_is_named_password_protected_or_old_xls_not_sent_to_save_as_xlsx(bank, data, message):
    report = run(data, bank)
    assert [(e["row"], e["column"], e["message"]) for e in report.errors] == [(0, "", message)]
    assert not Question.objects.filter(bank=bank).exists()


def test_the_password_message_says_where_to_remove_it_on_an_english_page(bank):
    (error,) = run(encrypted_xlsx(), bank, language="en").errors
    assert error["message"].startswith("This workbook is protected by a password, so it cannot be read.")
    assert "File > Info > Protect Workbook > Encrypt with Password" in error["message"]


@pytest.mark.parametrize("answer", ["1", "１", "2,3", "√"])
def test_a_single_choice_answer_with_no_letter_quotes_what_was_typed_not_blank(bank, answer):
    report = run(sheet([["单选", "党的最高理想是？", "共产主义", "小康", answer]]), bank)
    typed = "1" if answer == "１" else answer  # the answer cell is read with full-width forms folded
    assert [(e["row"], e["column"], e["message"]) for e in report.errors] == [
        (2, "答案", f"答案“{typed}”不是由选项字母 A-H 组成。")
    ]


def test_an_answer_mixing_a_letter_and_a_digit_is_refused_not_cut_to_the_letter(bank):
    rows = [
        ["多选", "四个意识包括？", "政治意识", "大局意识", "A1"],  # row 2: refused, not read as A
        ["多选", "两个维护是？", "维护核心", "维护权威", "A、 B"],  # row 3: letters between separators
        ["单选", "空", "甲", "乙", None],  # row 4: blank, still said so
    ]
    report = run(sheet(rows), bank)
    assert [(e["row"], e["message"]) for e in report.errors] == [
        (2, "答案“A1”不是由选项字母 A-H 组成。"),
        (4, "答案为空。"),
    ]


def test_an_aiken_answer_written_as_a_digit_is_refused_on_its_answer_line(bank):
    report = run("党的最高理想是？\nA. 共产主义\nB. 小康\nANSWER: 1\n".encode(), bank, fmt="aiken")
    assert [(e["line"], e["column"], e["message"]) for e in report.errors] == [
        (4, "答案", "答案“1”不是由选项字母 A-H 组成。")
    ]


@pytest.mark.parametrize(
    ("header", "language", "message"),
    [
        (("题型", "题干", "选项A", "选项B", "解析"), "zh-hans", "表头在第 2 行，但缺少 答案 列。"),
        (
            ("题型", "题干", "选项A", "选项B", "解析"),
            "en",
            "The header is in row 2, but it has no Answer (答案) column.",
        ),
        # English headers are read as the Chinese ones: missing two, both are named.
        (
            ("Question", "Option A", "Option B", "Explanation"),
            "en",
            "The header is in row 2, but these columns are missing: Type (题型), Answer (答案).",
        ),
        (("stem", "option A", "option B", "explanation"), "zh-hans", "表头在第 2 行，但缺少 题型、答案 列。"),
    ],
)
def test_a_header_lacking_a_required_column_names_its_row_and_the_column(bank, header, language, message):
    data = sheet(
        [["单选", "党的最高理想是？", "共产主义", "小康", ""]], header=header, title_rows=[["2026 年党章知识题库"]]
    )
    report = run(data, bank, language=language)
    assert [(e["row"], e["message"]) for e in report.errors] == [(0, message)]


def test_two_identical_options_are_refused_naming_the_row_and_both_letters(bank):
    data = xlsx(
        [
            ["单选", "党的最高理想是？", "共产主义", "小康", None, None, "A", "", "", ""],  # row 2: fine
            ["单选", "党的根本宗旨是？", "全心全意为人民服务", "发展", "全心全意为人民服务 ", None, "A", "", "", ""],
            ["多选", "四个意识包括？", "政治意识", "大局意识", "ｐ", "p", "AB", "", "", ""],  # width folded
        ]
    )
    report = run(data, bank)
    assert [(e["row"], e["column"], e["message"]) for e in report.errors] == [
        (3, "选项C", "选项 A 和选项 C 相同，都是“全心全意为人民服务”：在相同的选项之间作答会有歧义。请修改其中一个。"),
        (4, "选项D", "选项 C 和选项 D 相同，都是“p”：在相同的选项之间作答会有歧义。请修改其中一个。"),
    ]
    assert report.imported == 0 and not Question.objects.filter(bank=bank).exists()


def test_options_differing_in_case_or_punctuation_are_different():
    content = QuestionContent(type="single", stem="句末用哪个标点？", options=["。", "，", "A", "a"], key=["A"])
    assert check_question(content).options == ["。", "，", "A", "a"]
    with pytest.raises(QuestionInvalid) as refused, translation.override("en"):
        check_question(QuestionContent(type="single", stem="题", options=["甲", "乙", "甲"], key=["A"]))
    assert refused.value.option_letter == "C"
    assert "Options A and C are the same, “甲”" in refused.value.errors["options"]


def test_the_editor_refuses_two_identical_options_beside_the_options(client, tree, bank):
    client.force_login(factories.organiser(tree["audit"]))
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    post = {"type": "single", "stem": "党的最高理想是？", "option": ["甲", "甲"], "key": ["0"], "difficulty": "3"}
    page = client.post(reverse("lessons:question_new", args=[bank.slug]), {**post, "action": "save"})
    assert page.status_code == 200
    assert (
        '<div class="invalid-feedback d-block">Options A and B are the same, “甲”: an answer between them is ambiguous.'
        " Change one of them.</div>"
    ) in page.content.decode()
    assert not Question.objects.filter(bank=bank).exists()


@pytest.mark.parametrize("typed", ["A\u200b", "\ufeffA", "A+B", "A＋B", "A|B"])
def test_answers_with_invisible_marks_or_plus_signs_between_letters_still_read(typed):
    """Pasted from a web page (a zero-width space, a byte-order mark) or written "A+B": read as the
    letters, as before the stricter check, not refused over a sign nobody can see."""
    letters = sorted({letter for letter in typed.upper() if letter in "AB"})
    kind = "multiple" if len(letters) > 1 else "single"
    content = QuestionContent(type=kind, stem="题", options=["甲", "乙", "丙"], key=[typed])
    assert check_question(content).key == letters


def test_a_stored_question_with_repeated_options_still_saves_an_edit_that_leaves_them(db):
    """Options that repeat each other, stored before the rule: changing only the knowledge points
    saves; changing an option to another repeat is refused."""
    from lessons.models import QuestionVersion
    from lessons.services.questions import question_edit

    question = factories.question(factories.bank(factories.unit_at("审计署", kind="organ")))
    QuestionVersion.objects.filter(pk=question.current_id).update(options=["甲", "甲", "乙"])
    question.refresh_from_db()
    kept = QuestionContent(
        type="single", stem=question.current.stem, options=["甲", "甲", "乙"], key=["C"], tags=["党章"]
    )
    question_edit(question=question, content=kept)
    assert list(question.tags.values_list("name", flat=True)) == ["党章"]
    changed = QuestionContent(type="single", stem=question.current.stem, options=["乙", "丙", "乙"], key=["A"])
    with pytest.raises(QuestionInvalid) as refused:
        question_edit(question=question, content=changed)
    assert "options" in refused.value.errors
