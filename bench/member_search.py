"""Time the pickers' searches in a large organisation: members by pinyin, initials, characters or
phone (the server's search), and the unit lists with their words to search.

    DATABASE_URL=postgres://... .venv/bin/python bench/member_search.py [--members 10000] [--repeat 20]

Generates, in a fresh test database (real data is never touched): an organ of 245 units (12
offices of 4 departments of 3 branches, and 40 more branches under the first office) and
`--members` active members with Chinese names (surnames of the 百家姓, 曾 among them, and given
names drawn at random with a fixed seed), each with a phone, spread over the branches; a contest
of the organ with one team. Then, as the organ's organiser, it asks each `--repeat` times:

- the team's "Add a member…" search (`/contests/<code>/setup/teams/<team>/candidates/?q=`) for
  initials, full pinyin, two words of pinyin, characters and a phone number;
- the same member search's SQL alone, and the former search (characters and phone only) for
  comparison, with PostgreSQL's plan for the pinyin one;
- the contest form (`/contests/new/`), whose unit list carries every unit's words to search.

Prints each one's median and worst wall time and the rows found; asserts nothing.
"""

import argparse
import random
import statistics
import time

from common import django_setup, fresh_database, needs_postgres, step

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕彩春菊兰凤洁梅琳素云莲真环雪荣爱"
    "妹霞香月莺媛艳瑞凡佳嘉琼勤珍贞莉桂娣叶璧璐娅琦晶妍茜秋珊莎锦黛青倩婷姣婉娴瑾颖露瑶怡婵雁蓓纨仪荷丹蓉"
    "眉君琴蕊薇菁梦岚苑婕馨瑗琰韵融园艺咏卿聪澜纯毓悦昭冰爽琬茗羽希宁欣飘育滢馥筠柔竹霭凝晓欢霄枫芸菲寒伊"
    "亚宜可姬舒影荔枝思丽"
)


def generate(args) -> dict:
    from contests.models import Contest, Team
    from orgs.models import Role, RoleGrant, Unit, User
    from orgs.sorting import name_sort_key

    organ = step(1)
    units = [Unit(path=organ, depth=1, numchild=12, name="审计署", kind="organ")]
    for office in range(1, 13):
        office_path = organ + step(office)
        extra = 40 if office == 1 else 0
        units.append(Unit(path=office_path, depth=2, numchild=4 + extra, name=f"第{office}特派办", kind="office"))
        for department in range(1, 5):
            department_path = office_path + step(department)
            units.append(Unit(path=department_path, depth=3, numchild=3, name=f"第{department}处", kind="department"))
            for branch in range(1, 4):
                branch_path = department_path + step(branch)
                units.append(Unit(path=branch_path, depth=4, numchild=0, name=f"第{branch}党支部", kind="branch"))
        for branch in range(1, extra + 1):
            units.append(Unit(path=office_path + step(4 + branch), depth=3, numchild=0, name=f"第{branch}临时党支部"))
    for unit in units:
        unit.name_sort = name_sort_key(unit.name)  # bulk_create skips `save`, which keeps it
    Unit.objects.bulk_create(units)
    leaves = list(Unit.objects.filter(numchild=0).order_by("path"))
    rng = random.Random(7)
    members = []
    for n in range(args.members):
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
        member = User(
            username=f"m{n:05d}",
            real_name=name,
            employee_no=f"E{n:06d}",
            phone=f"13{rng.randrange(10**9):09d}",
            unit=leaves[n % len(leaves)],
            password="!",
        )
        member.name_sort = member.sort_key()  # as services.member_bulk_create sets it
        members.append(member)
    User.objects.bulk_create(members, batch_size=2000)
    root = Unit.objects.get(path=organ)
    organiser = User.objects.create(username="organiser", real_name="组织者", unit=root)
    RoleGrant.objects.create(user=organiser, role=Role.ORGANISER, unit=root)
    contest = Contest.objects.create(title="基准竞赛", unit=root, base_score=100)
    team = Team.objects.create(contest=contest, name="第一队", unit=leaves[0])
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {"root": root, "organiser": organiser, "contest": contest, "team": team, "units": len(units)}


def timed(repeat: int, work) -> tuple[float, float, object]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000, max(times) * 1000, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    needs_postgres("member_search.py")
    django_setup()
    from django.conf import settings
    from django.db import connection
    from django.db.models import Q
    from django.test import Client
    from django.urls import reverse

    from orgs import access
    from orgs.selectors import member_search

    settings.ALLOWED_HOSTS = ["*"]
    with fresh_database():
        started = time.perf_counter()
        world = generate(args)
        print(f"generated {world['units']} units and {args.members} members in {time.perf_counter() - started:.1f} s")
        client = Client()
        client.force_login(world["organiser"])
        url = reverse("contests:setup_team_candidates", args=[world["contest"].join_code, world["team"].pk])
        searches = ("zw", "zhangwei", "zhang wei", "zgf", "张伟", "1381")
        for text in searches:
            median, worst, response = timed(args.repeat, lambda text=text: client.get(url, {"q": text}))
            rows = len(response.json()["results"])
            print(f"team search q={text!r:12} median {median:6.1f} ms, worst {worst:6.1f} ms, {rows} rows (at most 20)")
        organiser = world["organiser"]

        def former(text):  # the search before pinyin: the whole text in name, numbers or phone
            return access.managed_members(organiser).filter(
                Q(real_name__icontains=text)
                | Q(employee_no__icontains=text)
                | Q(username__icontains=text)
                | Q(phone__icontains=text)
            )

        for text in ("zw", "zhangwei", "张伟"):
            median, _worst, count = timed(args.repeat, lambda text=text: member_search(organiser, text=text).count())
            before, _w, counted = timed(args.repeat, lambda text=text: former(text).count())
            print(
                f"SQL count q={text!r:10} now {median:6.1f} ms ({count} members), "
                f"former search {before:6.1f} ms ({counted} members)"
            )
        query = member_search(organiser, text="zw").order_by()
        sql, params = query.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN ANALYZE SELECT COUNT(*) FROM (" + sql + ") found", params)
            print("plan for q='zw':\n  " + "\n  ".join(row[0] for row in cursor.fetchall()))
        median, worst, response = timed(args.repeat, lambda: client.get(reverse("contests:setup_new")))
        page = response.content.decode()
        start = page.index('data-unit-search="')
        size = page.index('"', start + len('data-unit-search="')) - start
        print(
            f"contest form: median {median:.1f} ms, worst {worst:.1f} ms; its unit list's words to search"
            f" {size / 1024:.1f} KiB of {len(page) / 1024:.1f} KiB"
        )


if __name__ == "__main__":
    main()
