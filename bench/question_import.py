"""Time importing an N-question xlsx (the issue's figure: 10,000 questions in under 10 s).

    .venv/bin/python bench/question_import.py --questions 10000 [--json]

Uses DATABASE_URL when set (PostgreSQL), otherwise a scratch SQLite file, always in a fresh test
database. Prints figures; asserts nothing about time.
"""

import argparse
import json
import os
import sys
import tempfile
import time
from io import BytesIO
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def workbook(n: int) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(["2026 年党章党规知识题库"])
    sheet.append(["题型", "题干", "选项A", "选项B", "选项C", "选项D", "答案", "解析", "难度", "知识点"])
    kinds = [
        lambda i: [
            "单选",
            f"第{i}题：党的根本宗旨是什么？",
            "全心全意为人民服务",
            "发展经济",
            "改革开放",
            "共同富裕",
            "A",
            "党章总纲",
            2,
            "党章;宗旨",
        ],
        lambda i: [
            "多选",
            f"第{i}题：下列属于四个意识的是",
            "政治意识",
            "大局意识",
            "核心意识",
            "消费意识",
            "ABC",
            "",
            "中",
            "四个意识",
        ],
        lambda i: ["判断", f"第{i}题：党章是党的根本大法。", None, None, None, None, "对", "", 1, "党章"],
        lambda i: [
            "填空",
            f"第{i}题：中国共产党成立于____年。",
            None,
            None,
            None,
            None,
            "1921|一九二一",
            "",
            3,
            "党史",
        ],
    ]
    for i in range(n):
        sheet.append(kinds[i % 4](i))
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=10_000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{tempfile.mkdtemp(prefix='bench-q-')}/bench.sqlite3")
    os.environ["DJANGO_SETTINGS_MODULE"] = "quizsite.settings"
    import django

    django.setup()
    from django.conf import settings
    from django.test.utils import get_runner

    from lessons.importing.run import parse, questions_import
    from lessons.models import Question
    from lessons.services.questions import bank_create
    from orgs import services

    runner = get_runner(settings)(verbosity=0, interactive=False)
    old = runner.setup_databases()
    try:
        data = workbook(args.questions)
        unit = services.unit_create(name="审计署", kind="organ")
        bank = bank_create(slug="bench", name="bench", unit=unit)
        started = time.perf_counter()
        parsed = parse(data, "xlsx")
        parse_s = time.perf_counter() - started
        assert parsed.ok, parsed.errors[:3]
        started = time.perf_counter()
        report = questions_import(data=data, fmt="xlsx", bank=bank, by=None)
        import_s = time.perf_counter() - started
        assert report.imported == args.questions == Question.objects.filter(bank=bank).count()
        engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    finally:
        runner.teardown_databases(old)
    result = {
        "questions": args.questions,
        "database": engine,
        "file_mb": round(len(data) / 2**20, 2),
        "parse_and_check_s": round(parse_s, 2),
        "import_s": round(import_s, 2),
        "questions_per_s": round(args.questions / import_s),
    }
    for key, value in result.items():
        print(f"{key:>18}: {value}")
    if args.json:
        print(json.dumps(result))


if __name__ == "__main__":
    main()
