"""Time a member import of N rows: checking every row, then importing them all.

    .venv/bin/python bench/member_import.py --members 10000 [--json]

Uses DATABASE_URL when set (PostgreSQL), otherwise a scratch SQLite file. Builds its own unit
tree in a fresh database, so it never touches real data. Prints figures; asserts nothing.
"""

import argparse
import json
import time
from io import BytesIO

from common import django_setup, fresh_database


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--branches", type=int, default=200)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    django_setup(sqlite_prefix="bench-import-")
    from django.conf import settings

    from orgs import services
    from orgs.importing import members_import
    from orgs.models import Role, User

    settings.MEMBER_IMPORT_MAX_BYTES = 200 * 1024 * 1024
    with fresh_database():
        organ = services.unit_create(name="审计署", kind="organ")
        admin = services.member_create(username="bench-admin", real_name="管理员", unit=organ)
        services.role_grant(user=admin, role=Role.ADMINISTRATOR, unit=organ, by=None)
        paths = []
        for office_no in range(args.branches // 10):
            office = services.unit_create(name=f"特派办{office_no}", kind="office", parent=organ)
            for branch_no in range(10):
                services.unit_create(name=f"第{branch_no}党支部", kind="branch", parent=office)
                paths.append(f"审计署/特派办{office_no}/第{branch_no}党支部")

        from openpyxl import Workbook

        book = Workbook(write_only=True)
        sheet = book.create_sheet()
        sheet.append(["2026 年党员名册"])
        sheet.append(["姓名", "工号", "单位", "角色", "手机", "党员"])
        for n in range(args.members):
            sheet.append([f"成员{n}", 200000 + n, paths[n % len(paths)], "党员", f"139{n:08d}", "是"])
        data = BytesIO()
        book.save(data)
        size_mb = data.tell() / 1e6

        started = time.perf_counter()
        report = members_import(file=BytesIO(data.getvalue()), by=admin, dry_run=True)
        check_s = time.perf_counter() - started
        assert report.ok, report.errors[:3]

        started = time.perf_counter()
        report = members_import(file=BytesIO(data.getvalue()), by=admin)
        import_s = time.perf_counter() - started
        assert report.created == args.members and User.objects.count() == args.members + 1

        started = time.perf_counter()
        report = members_import(file=BytesIO(data.getvalue()), by=admin)
        reimport_s = time.perf_counter() - started
        engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]

    result = {
        "members": args.members,
        "database": engine,
        "file_mb": round(size_mb, 2),
        "check_s": round(check_s, 2),
        "import_s": round(import_s, 2),
        "reimport_unchanged_s": round(reimport_s, 2),
        "rows_per_s": round(args.members / import_s),
    }
    for key, value in result.items():
        print(f"{key:>22}: {value}")
    if args.json:
        print(json.dumps(result))


if __name__ == "__main__":
    main()
