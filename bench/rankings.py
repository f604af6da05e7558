"""Time one full ranking snapshot against a bare GROUP BY over the same facts.

    DATABASE_URL=postgres://... .venv/bin/python bench/rankings.py \\
        --members 100000 --teams 5000 --units 1000 --answers 1000000 [--json]

Generates, in a fresh test database (real data is never touched): a unit tree of `--units`
units (a root, organs, departments), members spread over the departments, one finished contest
with `--teams` teams whose rosters hold every member, and `--answers` scored answers (score
events with the answering member and the time used). Then it times

- the snapshot: one run of a member ranking rule (overall and within each organ, time-used
  tie-break, prizes by percentage), from request to stored rows, hash and prizes; and
- the bare aggregation: `SELECT member_id, SUM(points) ... GROUP BY member_id` over the same
  score events, fetched in full.

Also times a team and a unit rule over the same facts, and prints where the member snapshot's
time goes, stage by stage. Prints figures; asserts nothing. With `--json` the last line is
{"snapshot_s", "bare_groupby_s", "ratio", ..., "member_stages_s", "load_average"}.

With `--repeat N` the data is generated once and the bare GROUP BY and the member snapshot are
timed N times in turn (each snapshot computed afresh: the previous one deleted first, so there
is no previous version to compare with, as in a single run); each turn is printed, the figures
of the JSON line are the median turn's (by ratio) and `ratios` lists every turn's, with
`ratio_median` and `ratio_worst`. Team, unit and the unchanged recompute are timed once, after.
"""

import argparse
import json
import os
import time
from pathlib import Path

from common import django_setup, fresh_database, load_average, needs_postgres, step


def generate(args, cursor) -> dict:
    from django.utils import timezone

    from contests.models import Contest
    from orgs.models import Unit
    from orgs.sorting import name_sort_key

    organs = max(1, round((args.units - 1) ** 0.5 / 1.5))
    per_organ = (args.units - 1 - organs) // organs
    units = [Unit(path=step(1), depth=1, numchild=organs, name="中央和国家机关", kind="organ")]
    for o in range(1, organs + 1):
        opath = step(1) + step(o)
        units.append(Unit(path=opath, depth=2, numchild=per_organ, name=f"部委{o}", kind="organ"))
        for d in range(1, per_organ + 1):
            units.append(Unit(path=opath + step(d), depth=3, numchild=0, name=f"部委{o}-司局{d}", kind="department"))
    for unit in units:
        unit.name_sort = name_sort_key(unit.name)  # bulk_create skips `save`, which keeps it
    Unit.objects.bulk_create(units, batch_size=2000)
    root = Unit.objects.get(path=step(1))
    cursor.execute("SELECT id FROM orgs_unit WHERE depth = 3 ORDER BY id")
    leaf_ids = [row[0] for row in cursor.fetchall()]
    cursor.execute("SELECT MIN(id), COUNT(*) FROM orgs_unit WHERE depth = 3")
    first_leaf, leaves = cursor.fetchone()
    cursor.execute(
        """INSERT INTO orgs_user (password, is_superuser, username, first_name, last_name, email, is_staff,
               is_active, date_joined, real_name, unit_id, is_party_member, phone, must_change_password,
               name_sort, language)
           SELECT '!', false, 'm' || g, '', '', '', false, true, now(), '成员' || g,
                  %s + (g %% %s), true, '', false, 'cheng2yuan2' || LPAD(CAST(g AS TEXT), 6, '0'), ''
           FROM generate_series(1, %s) g""",
        [first_leaf, leaves, args.members],
    )
    contest = Contest.objects.create(
        title="基准竞赛", unit=root, base_score=100, status=Contest.Status.FINISHED, started_at=timezone.now()
    )
    cursor.execute(
        """INSERT INTO contests_team (contest_id, name, unit_id, position)
           SELECT %s, '队' || g, %s + (g %% %s), g FROM generate_series(1, %s) g""",
        [contest.pk, first_leaf, leaves, args.teams],
    )
    cursor.execute("SELECT MIN(id) FROM contests_team WHERE contest_id = %s", [contest.pk])
    first_team = cursor.fetchone()[0]
    cursor.execute("SELECT MIN(id) FROM orgs_user WHERE username LIKE 'm%%'")
    first_member = cursor.fetchone()[0]
    # Member k (0-based) plays for team k mod T, on leg k div T; answers go to member (j mod M).
    cursor.execute(
        """INSERT INTO contests_teammember (contest_id, team_id, member_id, leg, unit_at_start_id, is_captain)
           SELECT %s, %s + (u.id - %s) %% %s, u.id, (u.id - %s) / %s + 1, u.unit_id, FALSE
           FROM orgs_user u WHERE u.id >= %s AND u.username LIKE 'm%%'""",
        [contest.pk, first_team, first_member, args.teams, first_member, args.teams, first_member],
    )
    cursor.execute(
        """INSERT INTO contests_scoreevent (contest_id, team_id, member_id, points, reason, note,
               time_used_ms, created_at)
           SELECT %s, %s + ((g %% %s) %% %s), %s + (g %% %s),
                  (ARRAY[10, 10, 10, -5, 20])[1 + (g * 7919) %% 5],
                  CASE WHEN (g * 7919) %% 5 = 3 THEN 'wrong' ELSE 'right' END, '',
                  1000 + (g * 104729) %% 19000, now() + (g %% 3600) * interval '1 second'
           FROM generate_series(1::bigint, %s) g""",
        [contest.pk, first_team, args.members, args.teams, first_member, args.members, args.answers],
    )
    cursor.execute("ANALYZE")
    del leaf_ids
    return {"root": root, "contest": contest}


# Where a snapshot's time goes: each statement's wall time, added up under the stage it belongs to.
STAGES = [
    ("fingerprint of the facts", ("SELECT COUNT(*), MAX(id), SUM(",)),
    (
        "unit tree, placements, headcount",
        ("CREATE TEMP TABLE rk_tree", "CREATE TEMP TABLE rk_place", "CREATE TEMP TABLE rk_heads", "CREATE INDEX rk_"),
    ),
    ("aggregating the facts (rk_pp)", ("CREATE TEMP TABLE rk_pp",)),
    ("statistics of the temporary tables", ("ANALYZE",)),
    ("units' headcounts and teams' rosters", ("CREATE TEMP TABLE rk_unit_heads", "CREATE TEMP TABLE rk_teams")),
    ("input hash", ("SELECT encode(sha256",)),
    ("ranking INSERT (with rows hash and counts)", ("WITH ",)),
    ("the rows' partition: made, indexed, attached", ("SELECT rankings_snapshotrow_",)),
    (
        "kept inputs INSERTs",
        (
            "INSERT INTO rankings_snapshotinput",
            "INSERT INTO rankings_snapshotunit",
            "INSERT INTO rankings_snapshotteam",
        ),
    ),
]


def backend_cpu(pid: int) -> float:
    """CPU seconds (user + system) the PostgreSQL backend `pid` has used so far, from /proc: time
    spent waiting for a core does not count, so it says more than wall time on a loaded machine.
    (The server must run on this machine; parallel workers' time is not included.)"""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class StageClock:
    """A database execute wrapper adding up statement times by stage (`STAGES`; the rest: other):
    wall time, and the backend's CPU time when `pid` is given."""

    def __init__(self, pid: int | None = None):
        self.seconds: dict[str, float] = {}
        self.cpu: dict[str, float] = {}
        self.pid = pid

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        cpu = backend_cpu(self.pid) if self.pid else 0.0
        try:
            return execute(sql, params, many, context)
        finally:
            text = sql.lstrip()
            stage = next((name for name, starts in STAGES if text.startswith(starts)), "other statements")
            self.seconds[stage] = self.seconds.get(stage, 0.0) + time.perf_counter() - started
            if self.pid:
                self.cpu[stage] = self.cpu.get(stage, 0.0) + backend_cpu(self.pid) - cpu


def timed(function):
    started = time.perf_counter()
    result = function()
    return time.perf_counter() - started, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--teams", type=int, default=5_000)
    parser.add_argument("--units", type=int, default=1_000)
    parser.add_argument("--answers", type=int, default=1_000_000)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--repeat", type=int, default=1, help="turns of bare GROUP BY and member snapshot")
    args = parser.parse_args()
    if args.repeat < 1:
        parser.error("--repeat takes a whole number of turns, at least 1")
    needs_postgres("rankings.py")
    django_setup()
    from django.db import connection

    from rankings.models import RankingRule, RuleSource, Snapshot
    from rankings.services import rule_save, rule_sources_changed, run_execute, run_request

    figures = {}
    with fresh_database():
        with connection.cursor() as cursor:
            generate_s, world = timed(lambda: generate(args, cursor))
        print(
            f"generated {args.units} units, {args.members} members, {args.teams} teams, "
            f"{args.answers} answers in {generate_s:.1f} s"
        )

        def rule(slug, **fields):
            made = rule_save(rule=RankingRule(title=slug, slug=slug, unit=world["root"], **fields))
            RuleSource.objects.create(rule=made, kind="contest", contest=world["contest"])
            rule_sources_changed(rule=made)
            return made

        member_rule = rule(
            "members",
            subject="member",
            group_level=2,
            tie_breaks=["time_used_asc"],
            prize_mode="percent",
            prize_tiers=[
                {"name": "一等奖", "value": 5},
                {"name": "二等奖", "value": 10},
                {"name": "三等奖", "value": 15},
            ],
        )
        team_rule = rule("teams", subject="team", group_level=2, tie_breaks=["time_used_asc"])
        unit_rule = rule(
            "units",
            subject="unit",
            unit_level=3,
            group_level=2,
            metric="composite",
            composite={"per_capita": 0.6, "participation": 0.4},
        )

        def snapshot(rule_):
            run, _ = run_request(rule=rule_)
            return run_execute(run_id=run.pk)

        def bare():
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT member_id, SUM(points) FROM contests_scoreevent WHERE contest_id = %s GROUP BY member_id",
                    [world["contest"].pk],
                )
                return len(cursor.fetchall())

        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]
        local = Path(f"/proc/{pid}/stat").exists()
        bare()  # warm the cache the same way for both

        def turn() -> dict:
            """One bare GROUP BY and one member snapshot, computed afresh; their figures."""
            Snapshot.objects.filter(rule=member_rule).delete()
            bare_cpu = backend_cpu(pid) if local else 0.0
            bare_s, groups = timed(bare)
            bare_cpu = backend_cpu(pid) - bare_cpu if local else None
            clock = StageClock(pid if local else None)
            snapshot_cpu = backend_cpu(pid) if local else 0.0
            with connection.execute_wrapper(clock):
                snapshot_s, run = timed(lambda: snapshot(member_rule))
            snapshot_cpu = backend_cpu(pid) - snapshot_cpu if local else None
            assert run.status == "done", run.outcome
            print(f"bare GROUP BY over {args.answers} answers -> {groups} members: {bare_s:.2f} s")
            print(f"member snapshot ({run.snapshot.row_count} rows, v{run.snapshot.version}): {snapshot_s:.2f} s")
            if local:
                print(
                    f"backend CPU: bare {bare_cpu:.2f} s, member snapshot {snapshot_cpu:.2f} s "
                    f"({snapshot_cpu / max(bare_cpu, 0.01):.1f}x; parallel workers not counted)"
                )
            for stage, seconds in sorted(clock.seconds.items(), key=lambda item: -item[1]):
                cpu = f", CPU {clock.cpu[stage]:.2f} s" if local else ""
                print(f"    {stage}: {seconds:.2f} s{cpu}")
            return {
                "snapshot_s": round(snapshot_s, 3),
                "bare_groupby_s": round(bare_s, 3),
                "ratio": round(snapshot_s / bare_s, 2),
                "rows": run.snapshot.row_count,
                "member_stages_s": {stage: round(seconds, 3) for stage, seconds in clock.seconds.items()},
                "bare_groupby_cpu_s": round(bare_cpu, 3) if local else None,
                "snapshot_cpu_s": round(snapshot_cpu, 3) if local else None,
                "member_stages_cpu_s": {stage: round(seconds, 3) for stage, seconds in clock.cpu.items()},
            }

        turns = []
        for number in range(args.repeat):
            if args.repeat > 1:
                print(f"--- turn {number + 1} of {args.repeat}")
            turns.append(turn())
        ratios = [figure["ratio"] for figure in turns]
        median = sorted(turns, key=lambda figure: figure["ratio"])[(len(turns) - 1) // 2]
        if args.repeat > 1:
            print(
                f"--- {args.repeat} turns: ratios {', '.join(f'{ratio:.1f}x' for ratio in ratios)}; "
                f"median {median['ratio']:.1f}x (snapshot {median['snapshot_s']:.2f} s, "
                f"bare {median['bare_groupby_s']:.2f} s), worst {max(ratios):.1f}x"
            )
        team_s, team_run = timed(lambda: snapshot(team_rule))
        unit_s, unit_run = timed(lambda: snapshot(unit_rule))
        print(f"team snapshot ({team_run.snapshot.row_count} rows): {team_s:.2f} s")
        print(f"unit snapshot ({unit_run.snapshot.row_count} rows): {unit_s:.2f} s")
        # Recomputing unchanged inputs finds the same hash and writes nothing.
        again_s, again = timed(lambda: snapshot(member_rule))
        print(f"recompute with unchanged inputs ({again.outcome}): {again_s:.2f} s")
        figures = {
            **median,
            "team_snapshot_s": round(team_s, 3),
            "unit_snapshot_s": round(unit_s, 3),
            "unchanged_recompute_s": round(again_s, 3),
            "ratios": ratios,
            "ratio_median": median["ratio"],
            "ratio_worst": max(ratios),
            "load_average": load_average(),
        }
    if args.json:
        print(json.dumps(figures))


if __name__ == "__main__":
    main()
