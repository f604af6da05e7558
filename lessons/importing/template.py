"""The downloadable import template: one sample row of each type and a sheet of instructions."""

from quizsite.spreadsheets import ExportWorkbook

from .export import HEADER

SAMPLES = [
    [
        "单选",
        "党的最高理想和最终目标是什么？",
        "实现共产主义",
        "全面建成小康社会",
        "实现现代化",
        "",
        "",
        "",
        "",
        "",
        "A",
        "党章总纲明确规定。",
        "易",
        "党章;理想信念",
        "《中国共产党章程》",
    ],
    [
        "多选",
        "“四个意识”包括哪些？",
        "政治意识",
        "大局意识",
        "核心意识",
        "看齐意识",
        "",
        "",
        "",
        "",
        "ABCD",
        "",
        "中",
        "政治建设",
        "",
    ],
    ["判断", "党章是党的根本大法。", "", "", "", "", "", "", "", "", "对", "", "易", "党章", ""],
    [
        "填空",
        "中国共产党成立于____年，诞生在____。",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "1921|一九二一;上海",
        "一个空里的其他写法用 | 隔开，空与空之间用 ; 隔开。",
        "较难",
        "党史",
        "",
    ],
]

INSTRUCTIONS = [
    ["列", "怎么填", "Column", "How to fill it in"],
    ["题型", "单选、多选、判断或填空", "Type", "单选 (single), 多选 (multiple), 判断 (true/false) or 填空 (fill-in)"],
    ["题干", "题目正文；填空题用 ____ 或（ ）标出每个空", "Question", "The text; mark each blank with ____ or （ ）"],
    [
        "选项A…选项H",
        "选择题至少两个选项，从 A 起连续填写",
        "Options A-H",
        "At least two for choice questions, from A on",
    ],
    [
        "",
        "只写选项内容；写成“A.实现共产主义”时，开头与本列字母相同的“A.”“A、”“(A)”会被去掉。"
        "表头也可以写成两行：“选项”合并在上，A、B、C、D 写在下一行",
        "",
        "The option's text alone: a leading letter of the column's own (“A.”, “A、”, “(A)”) is taken off. "
        "The header may also take two rows: “选项” merged above, A, B, C, D in the row below",
    ],
    [
        "答案",
        "单选写一个字母（B），多选写多个（ABD），判断写 对 或 错，填空见示例",
        "Answer",
        "One letter (B), several (ABD), 对 or 错, or blanks as in the sample",
    ],
    ["解析", "可不填", "Explanation", "Optional"],
    ["难度", "1-5，或 易、较易、中、较难、难；不填为中", "Difficulty", "1-5 or 易/较易/中/较难/难; empty means 3"],
    [
        "知识点",
        "多个用 ; ；、 ， 或 , 隔开（一个知识点里不能有这些符号）",
        "Knowledge points",
        "Separated by ; ；、 ， or , (so none of these may be inside one point)",
    ],
    ["出处", "可不填", "Source", "Optional"],
    ["", "", "", ""],
    [
        "说明",
        "表头所在行以上可以有标题行；空行会被跳过。一行有错时整个文件都不会导入，请按预览中标出的行和列修改后重新上传。",
        "Notes",
        "Title rows above the header and blank rows are fine. If any row is wrong nothing is imported: "
        "fix the rows and columns the preview marks and upload again.",
    ],
]


def question_import_template() -> bytes:
    book = ExportWorkbook()
    sheet = book.sheet("试题", widths=[8, 40, *[14] * 8, 14, 30, 8, 16, 20], frozen_rows=1)
    sheet.append(HEADER, style="header")
    for row in SAMPLES:
        sheet.append(row)
    guide = book.sheet("填写说明", widths=[14, 60, 16, 60], frozen_rows=1)
    for number, row in enumerate(INSTRUCTIONS):
        guide.append(row, style="header" if number == 0 else "plain")
    return book.to_bytes()
