"""Time importing a messy N-question xlsx against openpyxl's read-only pass over the same file.

    .venv/bin/python bench/question_import.py --questions 10000 --repeat 3 [--json] [--profile OUT]

The workbook is written the way organisers leave one: a merged title and a notes row above the
header, blank rows here and there, the four question types under several spellings, the type,
difficulty and knowledge-point cells merged over each block of questions, difficulties and some
answers as formulas with their saved results, numbers where text is expected, full-width letters.

Each repeat times, in the same run, (1) openpyxl alone: `load_workbook(read_only=True,
data_only=True)` and every value of every row (`iter_rows(values_only=True)`), and (2) the whole
`questions_import` into a fresh bank (read, check, duplicate detection, store). The figure is
their ratio of wall-clock times: median and worst over the repeats. The same ratio of this
process's CPU time is printed beside it: on a shared machine it moves less with the load, but it
leaves out the database server's work (PostgreSQL runs in its own processes). `--profile OUT` runs one more import under
cProfile, writes the stats to OUT and prints the top functions.

Uses DATABASE_URL when set (PostgreSQL), otherwise a scratch SQLite file, always in a fresh test
database. Prints figures; asserts nothing about time.
"""

import argparse
import cProfile
import json
import pstats
import re
import statistics
import sys
import time
import zipfile
from io import BytesIO, StringIO

from common import django_setup, fresh_database

HEADER = ["题型", "题干", "选项A", "选项B", "选项C", "选项D", "答案", "解析", "难度", "知识点"]
BLOCK = 5  # questions of one type under one merged type cell
TYPE_SPELLINGS = (("单选", "单选题", "单项选择题"), ("多选", "多项选择题"), ("判断", "判断题"), ("填空", "填空题"))
TAGS = ("党章", "党史;党章", "四个意识", "廉洁纪律;中央八项规定", "理想信念")


def _question(kind: int, number: int) -> list:
    """One row, type and difficulty left blank (they come from the block's merged cells)."""
    if kind == 0:
        key = ("A", "ｂ", "C", "D")[number % 4]
        return [None, f"第{number}题：党的根本宗旨是什么？", "全心全意为人民服务", "发展经济", 1921, "共同富裕", key]
    if kind == 1:
        return [None, f"第{number}题：属于“四个意识”的是", "政治意识", "大局意识", "核心意识", "看齐意识", "A、B、C"]
    if kind == 2:
        return [None, f"第{number}题：党章是党的根本大法。", None, None, None, None, ("对", "×", "√", "错")[number % 4]]
    return [None, f"第{number}题：中国共产党成立于____年。", None, None, None, None, "1921|一九二一"]


def workbook(n: int) -> bytes:
    """An N-question workbook as messy as real ones; formulas carry their saved results."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append([f"2026 年党章党规知识竞赛题库（共 {n} 题）"])
    sheet.append(["说明：类型、难度、知识点按题组合并；答案一栏部分由公式生成。"])
    sheet.append([])
    sheet.append(HEADER)
    sheet.merge_cells("A1:J1")
    sheet.merge_cells("A2:J2")
    cached: dict[str, tuple[str, str]] = {}  # cell -> (XML type, saved result)
    number, first = 0, 5  # `first`: the sheet row of the block's first question
    while number < n:
        block = number // BLOCK
        kind = block % 4
        size = min(BLOCK, n - number)
        for offset in range(size):
            row = _question(kind, number + offset)
            explanation = "见<b>党章</b>第一章" if (number + offset) % 7 == 0 else "党章总纲" * ((number + offset) % 3)
            sheet.append([*row, explanation, None, None])
        sheet.cell(first, 1, TYPE_SPELLINGS[kind][block % len(TYPE_SPELLINGS[kind])])
        difficulty = 1 + block % 5
        sheet.cell(first, 9, f"={difficulty}*1")
        cached[f"I{first}"] = ("n", str(difficulty))
        sheet.cell(first, 10, TAGS[block % len(TAGS)])
        if kind == 0:  # the block's last answer is a formula, as a helper column would leave it
            sheet.cell(first + size - 1, 7, '=UPPER("a")')
            cached[f"G{first + size - 1}"] = ("str", "A")
        last = first + size - 1
        if size > 1:
            for column in "AIJ":
                sheet.merge_cells(f"{column}{first}:{column}{last}")
        number += size
        first += size
        if block % 20 == 19:
            sheet.append([])
            first += 1
    out = BytesIO()
    book.save(out)
    return _with_saved_results(out.getvalue(), cached)


def _with_saved_results(data: bytes, cached: dict[str, tuple[str, str]]) -> bytes:
    """openpyxl writes formulas with no saved result; give each the one Excel would have saved."""

    def saved(match: re.Match) -> str:
        kind, value = cached[match["ref"]]
        kind_attribute = ' t="str"' if kind == "str" else ""
        return f'<c r="{match["ref"]}"{match["rest"]}{kind_attribute}><f>{match["f"]}</f><v>{value}</v></c>'

    # openpyxl writes an empty value as <v />, <v/> or <v></v> (without or with lxml)
    formula = re.compile(r"<c r=\"(?P<ref>[A-Z]+\d+)\"(?P<rest>[^>]*)><f>(?P<f>[^<]*)</f>(?:<v\s*/>|<v></v>)</c>")
    out = BytesIO()
    with zipfile.ZipFile(BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                content = formula.sub(saved, content.decode()).encode()
            target.writestr(item, content)
    return out.getvalue()


def openpyxl_pass(data: bytes) -> int:
    """openpyxl alone: open read-only and read every value of every row; returns the cell count."""
    from openpyxl import load_workbook

    book = load_workbook(BytesIO(data), read_only=True, data_only=True)
    cells = 0
    for row in book.worksheets[0].iter_rows(values_only=True):
        for _value in row:
            cells += 1
    book.close()
    return cells


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--profile", help="write cProfile stats of one more import to this file")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    django_setup(sqlite_prefix="bench-q-")
    from django.conf import settings

    from lessons.importing.run import questions_import
    from lessons.models import Question
    from lessons.services.questions import bank_create
    from orgs import services

    data = workbook(args.questions)
    runs = []
    with fresh_database():
        unit = services.unit_create(name="审计署", kind="organ")
        for attempt in range(args.repeat + bool(args.profile)):
            started, cpu = time.perf_counter(), time.process_time()
            cells = openpyxl_pass(data)
            openpyxl_s, openpyxl_cpu_s = time.perf_counter() - started, time.process_time() - cpu
            bank = bank_create(slug=f"bench-{attempt}", name="bench", unit=unit)
            profiler = cProfile.Profile() if attempt == args.repeat else None
            started, cpu = time.perf_counter(), time.process_time()
            if profiler:
                profiler.enable()
            report = questions_import(data=data, fmt="xlsx", bank=bank, by=None)
            import_s, import_cpu_s = time.perf_counter() - started, time.process_time() - cpu
            if profiler:
                profiler.disable()
                profiler.dump_stats(args.profile)
                top = StringIO()
                pstats.Stats(profiler, stream=top).sort_stats("cumulative").print_stats(35)
                print(top.getvalue(), file=sys.stderr)
                continue
            assert report.ok, report.errors[:3]
            assert report.imported == args.questions == Question.objects.filter(bank=bank).count()
            runs.append(
                {
                    "openpyxl_s": openpyxl_s,
                    "import_s": import_s,
                    "ratio": import_s / openpyxl_s,
                    "cpu_ratio": import_cpu_s / openpyxl_cpu_s,
                }
            )
        engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    ratios, cpu_ratios = [run["ratio"] for run in runs], [run["cpu_ratio"] for run in runs]
    result = {
        "questions": args.questions,
        "database": engine,
        "file_mb": round(len(data) / 2**20, 2),
        "cells": cells,
        "openpyxl_s": [round(run["openpyxl_s"], 2) for run in runs],
        "import_s": [round(run["import_s"], 2) for run in runs],
        "ratio_median": round(statistics.median(ratios), 2),
        "ratio_worst": round(max(ratios), 2),
        "cpu_ratio_median": round(statistics.median(cpu_ratios), 2),
        "cpu_ratio_worst": round(max(cpu_ratios), 2),
        "questions_per_s": round(args.questions / statistics.median(run["import_s"] for run in runs)),
    }
    for key, value in result.items():
        print(f"{key:>16}: {value}")
    if args.json:
        print(json.dumps(result))


if __name__ == "__main__":
    main()
