"""Time the xlsx exports a large organisation downloads, through Django's full request path.

    DATABASE_URL=postgres://... .venv/bin/python bench/exports.py [--members 10000] [--repeat 3]
        [--profile series|lesson|ranking] [--json]

Generates, in a fresh test database (real data is never touched): an organ of 245 units (12
offices of 4 departments of 3 branches, and 40 more branches under the first office), `--members`
active members spread over the branches, a series of 5 published lessons for the whole organ
(two required) which most members have started and many completed, and a member ranking computed
from one finished contest in which `--ranked` of them answered. Then it downloads, as the organ's
administrator, each `--repeat` times:

- the series' progress xlsx (a sheet of units, one of every member with each lesson's completion);
- the first lesson's completion report xlsx (its units, and every watcher);
- the ranking's export xlsx (every row of the snapshot).

Prints each download's median and worst wall time, the median CPU time this process spent on it
(the server's share, without PostgreSQL's), its queries and size; with `--profile NAME`
it also prints cProfile's top functions (by cumulative time) for one download of that export.
Asserts nothing. With `--json` the last line holds the figures and the load average.
"""

import argparse
import cProfile
import io
import json
import pstats
import statistics
import time

from common import django_setup, fresh_database, load_average, needs_postgres, step


def generate(args, cursor) -> dict:
    from django.utils import timezone

    from contests.models import Contest
    from lessons.models import Lesson, Series
    from orgs.models import Role, RoleGrant, Unit
    from orgs.sorting import name_sort_key

    organ = step(1)
    units = [Unit(path=organ, depth=1, numchild=12, name="审计署", kind="organ")]
    for office in range(1, 13):
        office_path = organ + step(office)
        branches_here = 40 if office == 1 else 0
        units.append(Unit(path=office_path, depth=2, numchild=4 + branches_here, name=f"特派办{office}", kind="office"))
        for department in range(1, 5):
            department_path = office_path + step(department)
            units.append(
                Unit(
                    path=department_path, depth=3, numchild=3, name=f"特派办{office}-处{department}", kind="department"
                )
            )
            for branch in range(1, 4):
                units.append(
                    Unit(
                        path=department_path + step(branch),
                        depth=4,
                        numchild=0,
                        name=f"特派办{office}-处{department}-支部{branch}",
                        kind="branch",
                    )
                )
        for branch in range(1, branches_here + 1):
            units.append(
                Unit(path=office_path + step(4 + branch), depth=3, numchild=0, name=f"特派办{office}-临时支部{branch}")
            )
    for unit in units:
        unit.name_sort = name_sort_key(unit.name)  # bulk_create skips `save`, which keeps it
    Unit.objects.bulk_create(units)
    root = Unit.objects.get(path=organ)
    cursor.execute("SELECT id FROM orgs_unit WHERE numchild = 0 ORDER BY path")
    leaves = [row[0] for row in cursor.fetchall()]
    cursor.execute(
        """INSERT INTO orgs_user (password, is_superuser, username, first_name, last_name, email, is_staff,
               is_active, date_joined, real_name, unit_id, is_party_member, phone, must_change_password,
               name_sort, language)
           SELECT '!', false, 'm' || g, '', '', '', false, true, now(), '成员' || g,
                  (%s::int[])[1 + g %% %s], true, '', false, 'cheng2yuan2' || LPAD(CAST(g AS TEXT), 6, '0'), ''
           FROM generate_series(1, %s) g""",
        [leaves, len(leaves), args.members],
    )
    from orgs.models import User

    administrator = User.objects.create(username="bench-admin", real_name="管理员", unit=root)
    RoleGrant.objects.create(user=administrator, unit=root, role=Role.ADMINISTRATOR)
    series = Series.objects.create(slug="bench", title="基准系列", unit=root)
    lessons = [
        Lesson.objects.create(
            title=f"第{n}讲",
            unit=root,
            series=series,
            position=n,
            required=n <= 2,
            duration_s=600,
            status=Lesson.Status.READY,
            publication=Lesson.Publication.PUBLISHED,
        )
        for n in range(1, 6)
    ]
    # Member g started lesson n unless g % (n + 2) == 0, and completed it when g % 3 != 0 too.
    for n, lesson in enumerate(lessons, start=1):
        cursor.execute(
            """INSERT INTO lessons_watchprogress (member_id, lesson_id, unit_at_start_id, intervals, watched_s,
                   furthest_s, last_position_s, spent_s, started_at, completed_at)
               SELECT u.id, %s, u.unit_id, '[]', CASE WHEN u.id %% 3 = 0 THEN 300 ELSE 600 END, 600, 600,
                      700, now() - interval '2 days', CASE WHEN u.id %% 3 = 0 THEN NULL ELSE now() END
               FROM orgs_user u WHERE u.username LIKE 'm%%' AND u.id %% %s <> 0""",
            [lesson.pk, n + 2],
        )
    contest = Contest.objects.create(
        title="基准竞赛", unit=root, base_score=100, status=Contest.Status.FINISHED, started_at=timezone.now()
    )
    teams = max(1, args.ranked // 5)
    cursor.execute(
        """INSERT INTO contests_team (contest_id, name, unit_id, position)
           SELECT %s, '队' || g, %s, g FROM generate_series(1, %s) g""",
        [contest.pk, root.pk, teams],
    )
    cursor.execute("SELECT MIN(id) FROM contests_team WHERE contest_id = %s", [contest.pk])
    first_team = cursor.fetchone()[0]
    cursor.execute("SELECT MIN(id) FROM orgs_user WHERE username LIKE 'm%%'")
    first_member = cursor.fetchone()[0]
    cursor.execute(
        """INSERT INTO contests_teammember (contest_id, team_id, member_id, leg, unit_at_start_id, is_captain)
           SELECT %s, %s + (u.id - %s) %% %s, u.id, (u.id - %s) / %s + 1, u.unit_id, FALSE
           FROM orgs_user u WHERE u.username LIKE 'm%%' AND u.id < %s""",
        [contest.pk, first_team, first_member, teams, first_member, teams, first_member + args.ranked],
    )
    cursor.execute(
        """INSERT INTO contests_scoreevent (contest_id, team_id, member_id, points, reason, note,
               time_used_ms, created_at)
           SELECT %s, %s + (g %% %s), %s + (g %% %s),
                  (ARRAY[10, 10, 10, -5, 20])[1 + (g * 7919) %% 5],
                  CASE WHEN (g * 7919) %% 5 = 3 THEN 'wrong' ELSE 'right' END, '',
                  1000 + (g * 104729) %% 19000, now() + (g %% 3600) * interval '1 second'
           FROM generate_series(1::bigint, %s) g""",
        [contest.pk, first_team, teams, first_member, args.ranked, args.ranked * 10],
    )
    cursor.execute("ANALYZE")
    return {"root": root, "contest": contest, "administrator": administrator, "series": series, "lessons": lessons}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--ranked", type=int, default=9_600, help="members who answered in the ranked contest")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--profile", choices=("series", "lesson", "ranking"))
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    needs_postgres("exports.py")
    django_setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from rankings.models import RankingRule, RuleSource
    from rankings.services import rule_save, rule_sources_changed, run_execute, run_request

    settings.ALLOWED_HOSTS = ["*"]
    figures = {}
    with fresh_database():
        started = time.perf_counter()
        with connection.cursor() as cursor:
            world = generate(args, cursor)
        rule = rule_save(
            rule=RankingRule(
                title="基准排名", slug="bench", unit=world["root"], subject="member", tie_breaks=["time_used_asc"]
            )
        )
        RuleSource.objects.create(rule=rule, kind="contest", contest=world["contest"])
        rule_sources_changed(rule=rule)
        run, _ = run_request(rule=rule)
        run = run_execute(run_id=run.pk)
        print(
            f"generated {args.members} members in 245 units, a series of 5 lessons, a ranking of "
            f"{run.snapshot.row_count} rows in {time.perf_counter() - started:.1f} s"
        )
        client = Client()
        client.force_login(world["administrator"])
        urls = {
            "series": reverse("lessons:series_progress_xlsx", args=[world["series"].pk]),
            "lesson": reverse("lessons:lesson_report_xlsx", args=[world["lessons"][0].pk]),
            "ranking": reverse("rankings:export", args=[rule.slug]),
        }
        for name, url in urls.items():
            client.get(url)  # warm: translations, templates, the database's cache
            times, cpu = [], []
            for _turn in range(args.repeat):
                with CaptureQueriesContext(connection) as queries:
                    mark, cpu_mark = time.perf_counter(), time.process_time()
                    response = client.get(url)
                    times.append(time.perf_counter() - mark)
                    cpu.append(time.process_time() - cpu_mark)
                assert response.status_code == 200, (name, response.status_code)
            figures[name] = {
                "median_s": round(statistics.median(times), 3),
                "worst_s": round(max(times), 3),
                "cpu_median_s": round(statistics.median(cpu), 3),
                "queries": len(queries),
                "bytes": len(response.content),
            }
            print(
                f"{name} xlsx: median {statistics.median(times):.2f} s, worst {max(times):.2f} s "
                f"({', '.join(f'{t:.2f}' for t in times)}); this process's CPU median {statistics.median(cpu):.2f} s; "
                f"{len(queries)} queries, {len(response.content):,} bytes"
            )
        if args.profile:
            profiler = cProfile.Profile()
            profiler.enable()
            client.get(urls[args.profile])
            profiler.disable()
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(40)
            print(out.getvalue())
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(25)
            print(out.getvalue())
        figures["load_average"] = load_average()
    if args.json:
        print(json.dumps(figures))


if __name__ == "__main__":
    main()
