"""The set-based computation of a snapshot: SQL with window functions, no Python loop over facts.

Pipeline (one database connection; `rk_*` are temporary tables of that connection):

1. `rk_tree`: the rule's unit tree as frozen at its start, plus units created since.
2. `rk_pp`: facts of every source, aggregated per (subject, participant). This is the one pass
   over the facts; the input hash is taken over it, and everything after reads only it.
3. One INSERT ... SELECT computes each subject's metric, eligibility, overall and in-group ranks
   (`RANK`/`DENSE_RANK` over partitions) and tie counts; an UPDATE assigns prize tiers, another
   the previous snapshot's rank.

Works on PostgreSQL (production) and SQLite (embedded default); `_dialect` holds the differences.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterator
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection

from .params import STEPLEN, RuleParams

ORDER_KEYS = {
    "time_used_asc": "time_used ASC",
    "finished_at_asc": "CASE WHEN finished IS NULL THEN 1 ELSE 0 END, finished ASC",
    "participants_desc": "participants DESC",
}
TIE_COLUMNS = {"time_used_asc": "time_used", "finished_at_asc": "finished", "participants_desc": "participants"}


def _postgres() -> bool:
    return connection.vendor == "postgresql"


def _round(expr: str, places: int) -> str:
    if _postgres():
        return f"ROUND(CAST({expr} AS NUMERIC), {places})"
    return f"ROUND({expr}, {places})"


def _least(a: str, b: str) -> str:
    return f"LEAST({a}, {b})" if _postgres() else f"MIN({a}, {b})"


def _seconds_between(end: str, start: str) -> str:
    if _postgres():
        return f"EXTRACT(EPOCH FROM ({end} - {start}))"
    return f"((julianday({end}) - julianday({start})) * 86400.0)"


class Sql:
    """A statement and its parameters, built piece by piece with %s placeholders."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.params: list = []

    def add(self, text: str, *params) -> Sql:
        self.parts.append(text)
        self.params.extend(params)
        return self

    @property
    def text(self) -> str:
        return "\n".join(self.parts)


# ---------------------------------------------------------------- facts


def _contest_facts(sql: Sql, source, first: bool) -> None:
    """Score events per (member, team), the roster (taking part counts even without points), and
    each team's base score. Members count in the unit recorded when the contest started."""
    w = source.weight
    sql.add(
        f"""{"" if first else "UNION ALL"}
        SELECT se.member_id AS member_id, se.team_id AS team_id,
               COALESCE(tm.unit_at_start_id, t.unit_id) AS unit_id,
               se.points * %s AS score, se.time_s AS time_s, se.finished AS finished_at
        FROM (SELECT member_id, team_id, SUM(points) AS points,
                     SUM(COALESCE(time_used_ms, 0)) / 1000.0 AS time_s, MAX(created_at) AS finished
              FROM contests_scoreevent WHERE contest_id = %s GROUP BY member_id, team_id) se
        JOIN contests_team t ON t.id = se.team_id
        LEFT JOIN contests_teammember tm ON tm.contest_id = %s AND tm.member_id = se.member_id
        UNION ALL
        SELECT tm.member_id, tm.team_id, COALESCE(tm.unit_at_start_id, t.unit_id), 0, 0, NULL
        FROM contests_teammember tm JOIN contests_team t ON t.id = tm.team_id WHERE tm.contest_id = %s
        UNION ALL
        SELECT NULL, t.id, t.unit_id, c.base_score * %s, 0, NULL
        FROM contests_team t JOIN contests_contest c ON c.id = t.contest_id WHERE t.contest_id = %s""",
        w,
        source.contest_id,
        source.contest_id,
        source.contest_id,
        w,
        source.contest_id,
    )


def _points_facts(sql: Sql, source, params: RuleParams, first: bool) -> None:
    """Self-study points in the period, in the member's unit at the rule's start."""
    where, args = ["1 = 1"], []
    if params.period_starts_on:
        where.append("pe.day >= %s")
        args.append(params.period_starts_on)
    if params.period_ends_on:
        where.append("pe.day <= %s")
        args.append(params.period_ends_on)
    if source.activity:
        where.append("pe.activity = %s")
        args.append(source.activity)
    sql.add(
        f"""{"" if first else "UNION ALL"}
        SELECT pe.member_id, CAST(NULL AS INTEGER), COALESCE(rm.unit_id, u.unit_id),
               SUM(pe.points) * %s, 0, MAX(pe.occurred_at)
        FROM lessons_pointevent pe JOIN orgs_user u ON u.id = pe.member_id
        LEFT JOIN rankings_rulemember rm ON rm.rule_id = %s AND rm.member_id = pe.member_id
        WHERE {" AND ".join(where)}
        GROUP BY pe.member_id, COALESCE(rm.unit_id, u.unit_id)""",
        source.weight,
        params.rule_id,
        *args,
    )


def _exam_facts(sql: Sql, source, params: RuleParams, first: bool) -> None:
    """One finished attempt per member, chosen by the paper's grading (best, first or last)."""
    used = _seconds_between("a.finished_at", "a.started_at")
    where, args = ["a.paper_id = %s", "a.status IN ('submitted', 'expired')"], [source.paper_id]
    if params.period_starts_on:
        where.append("a.finished_at >= %s")
        args.append(params.period_starts_on)
    if params.period_ends_on:
        where.append("a.finished_at < %s")
        args.append(params.period_ends_on + " 23:59:59.999999")
    sql.add(
        f"""{"" if first else "UNION ALL"}
        SELECT x.member_id, CAST(NULL AS INTEGER), x.unit_id, x.score * %s, x.time_s, x.finished_at
        FROM (SELECT a.member_id, COALESCE(a.unit_at_start_id, u.unit_id) AS unit_id, a.score,
                     {used} AS time_s, a.finished_at,
                     ROW_NUMBER() OVER (PARTITION BY a.member_id ORDER BY
                        CASE p.grading WHEN 'best' THEN -a.score ELSE 0 END,
                        CASE p.grading WHEN 'last' THEN -a.number WHEN 'first' THEN a.number ELSE 0 END,
                        {used}, a.finished_at, a.id) AS rn
              FROM lessons_attempt a JOIN lessons_paper p ON p.id = a.paper_id
              JOIN orgs_user u ON u.id = a.member_id
              WHERE {" AND ".join(where)}) x
        WHERE x.rn = 1""",
        source.weight,
        *args,
    )


def _facts(params: RuleParams) -> Sql:
    sql = Sql()
    for index, source in enumerate(params.sources):
        first = index == 0
        if source.kind == "contest":
            _contest_facts(sql, source, first)
        elif source.kind == "points":
            _points_facts(sql, source, params, first)
        elif source.kind == "exam":
            _exam_facts(sql, source, params, first)
        else:  # pragma: no cover - guarded by the model's choices
            raise ValueError(f"unknown source kind {source.kind!r}")
    return sql


# ---------------------------------------------------------------- stages


def _drop_temp(cursor) -> None:
    for table in ("rk_pp", "rk_tree"):
        cursor.execute(f"DROP TABLE IF EXISTS {table}")


def build_participants(params: RuleParams) -> None:
    """Create `rk_tree` and `rk_pp` (per subject and participant) on this connection."""
    facts = _facts(params)
    with connection.cursor() as cursor:
        _drop_temp(cursor)
        cursor.execute(
            """CREATE TEMP TABLE rk_tree AS
            SELECT unit_id, path, depth, name FROM rankings_ruleunit WHERE rule_id = %s
            UNION ALL
            SELECT u.id, u.path, u.depth, u.name FROM orgs_unit u
            WHERE u.path LIKE %s
              AND u.id NOT IN (SELECT unit_id FROM rankings_ruleunit WHERE rule_id = %s)
              AND u.path NOT IN (SELECT path FROM rankings_ruleunit WHERE rule_id = %s)""",
            [params.rule_id, params.unit_path + "%", params.rule_id, params.rule_id],
        )
        cursor.execute("CREATE INDEX rk_tree_unit ON rk_tree (unit_id)")
        cursor.execute("CREATE INDEX rk_tree_path ON rk_tree (path)")
        if params.subject == "member":
            subject, join, where = "f.member_id", "", "f.member_id IS NOT NULL"
        elif params.subject == "team":
            subject, join, where = "f.team_id", "", "f.team_id IS NOT NULL"
        else:
            width = STEPLEN * params.unit_level
            subject = "st.unit_id"
            join = f"JOIN rk_tree st ON st.path = SUBSTR(tr.path, 1, {width})"
            where = f"LENGTH(tr.path) >= {width}"
        cursor.execute(
            f"""CREATE TEMP TABLE rk_pp AS
            SELECT {subject} AS subject_id, f.member_id AS member_id, SUM(f.score) AS s,
                   SUM(f.time_s) AS t, MAX(f.finished_at) AS fin, MAX(tr.path) AS unit_path
            FROM ({facts.text}) f
            JOIN rk_tree tr ON tr.unit_id = f.unit_id
            {join}
            WHERE {where}
            GROUP BY {subject}, f.member_id""",
            facts.params,
        )
        if _postgres():
            cursor.execute("ANALYZE rk_pp")
            cursor.execute("ANALYZE rk_tree")


def _canonical(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, float | Decimal):
        return _fixed(value, 4)
    return str(value)


def _fixed(value, places: int) -> str:
    if value is None:
        return ""
    quantum = Decimal(1).scaleb(-places)
    return str(Decimal(str(value)).quantize(quantum, rounding=ROUND_HALF_UP))


def input_hash(params: RuleParams) -> str:
    """SHA-256 over the parameters, the frozen headcount and every (subject, participant) aggregate."""
    digest = hashlib.sha256(params.canonical())
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*), COALESCE(SUM(member_id), 0), COALESCE(SUM(unit_id), 0) "
            "FROM rankings_rulemember WHERE rule_id = %s",
            [params.rule_id],
        )
        digest.update(repr(cursor.fetchone()).encode())
        cursor.execute(
            "SELECT subject_id, member_id, s, t, fin, unit_path FROM rk_pp ORDER BY subject_id, COALESCE(member_id, 0)"
        )
        for row in _stream(cursor):
            digest.update("|".join(_canonical(v) for v in row).encode() + b"\n")
    return digest.hexdigest()


def _stream(cursor, size: int = 5000) -> Iterator[tuple]:
    while True:
        rows = cursor.fetchmany(size)
        if not rows:
            return
        yield from rows


def _metric_expressions(params: RuleParams) -> dict[str, str]:
    k = int(params.top_k)
    return {
        "total": "total",
        "mean": "member_total * 1.0 / NULLIF(participants, 0)",
        "per_capita": "total * 1.0 / NULLIF(headcount, 0)",
        "participation": "participants * 1.0 / NULLIF(headcount, 0)",
        "top_k": f"topk_sum * 1.0 / NULLIF({_least('participants', str(k))}, 0)",
    }


def _metric(params: RuleParams) -> str:
    expressions = _metric_expressions(params)
    if params.metric != "composite":
        return expressions[params.metric]
    # Each part scaled to 0-100 against the best subject, then weighted: parts on different
    # scales (points, rates) add up fairly.
    parts = [
        f"{float(weight)!r} * COALESCE(({expressions[name]}) * 100.0 / NULLIF(MAX({expressions[name]}) OVER (), 0), 0)"
        for name, weight in sorted(params.composite.items())
    ]
    return " + ".join(parts)


def _subjects_sql(params: RuleParams) -> Sql:
    """Per subject: total, participants, headcount, time used, finish, and its unit's path."""
    k = int(params.top_k)
    sql = Sql()
    sql.add(
        f"""WITH ppr AS (
            SELECT p.*, ROW_NUMBER() OVER (PARTITION BY subject_id
                ORDER BY CASE WHEN member_id IS NULL THEN 1 ELSE 0 END, s DESC) AS rn
            FROM rk_pp p
        ), agg AS (
            SELECT subject_id, SUM(s) AS total, COUNT(member_id) AS participants, SUM(t) AS time_used,
                   MAX(fin) AS finished, MAX(unit_path) AS unit_path,
                   SUM(CASE WHEN member_id IS NOT NULL THEN s END) AS member_total,
                   SUM(CASE WHEN member_id IS NOT NULL AND rn <= {k} THEN s END) AS topk_sum
            FROM ppr GROUP BY subject_id
        )"""
    )
    if params.subject == "member":
        sql.add(
            """, subjects AS (
            SELECT a.subject_id, a.total, a.participants, 1 AS headcount, a.time_used, a.finished,
                   a.unit_path, a.member_total, a.topk_sum
            FROM agg a)"""
        )
    elif params.subject == "team":
        contest_ids = [s.contest_id for s in params.sources if s.kind == "contest"] or [0]
        marks = ", ".join(["%s"] * len(contest_ids))
        sql.add(
            f""", roster AS (
            SELECT team_id, COUNT(*) AS n FROM contests_teammember WHERE contest_id IN ({marks}) GROUP BY team_id
        ), subjects AS (
            SELECT a.subject_id, a.total, a.participants, COALESCE(r.n, 0) AS headcount, a.time_used,
                   a.finished, tu.path AS unit_path, a.member_total, a.topk_sum
            FROM agg a JOIN contests_team tt ON tt.id = a.subject_id
            LEFT JOIN rk_tree tu ON tu.unit_id = tt.unit_id
            LEFT JOIN roster r ON r.team_id = a.subject_id)""",
            *contest_ids,
        )
    else:
        width = STEPLEN * params.unit_level
        sql.add(
            f""", heads AS (
            SELECT SUBSTR(tr.path, 1, {width}) AS path, COUNT(*) AS n
            FROM rankings_rulemember rm JOIN rk_tree tr ON tr.unit_id = rm.unit_id
            WHERE rm.rule_id = %s AND LENGTH(tr.path) >= {width}
            GROUP BY SUBSTR(tr.path, 1, {width})
        ), subjects AS (
            SELECT tr.unit_id AS subject_id, COALESCE(a.total, 0) AS total,
                   COALESCE(a.participants, 0) AS participants, COALESCE(h.n, 0) AS headcount,
                   COALESCE(a.time_used, 0) AS time_used, a.finished, tr.path AS unit_path,
                   a.member_total, a.topk_sum
            FROM rk_tree tr LEFT JOIN agg a ON a.subject_id = tr.unit_id
            LEFT JOIN heads h ON h.path = tr.path
            WHERE tr.depth = %s)""",
            params.rule_id,
            params.unit_level,
        )
    return sql


def insert_rows(params: RuleParams, snapshot_id: int) -> None:
    """Write every subject's row for `snapshot_id` in one INSERT ... SELECT."""
    sql = _subjects_sql(params)
    metric = _metric(params)
    rate = "participants * 1.0 / NULLIF(headcount, 0)"
    min_rate = params.min_participation
    keys = ", ".join(["metric DESC"] + [ORDER_KEYS[key] for key in params.tie_breaks])
    tie_columns = ", ".join(["metric"] + [TIE_COLUMNS[key] for key in params.tie_breaks])
    shown = "DENSE_RANK()" if params.rank_style == "dense" else "RANK()"
    group_width = STEPLEN * params.group_level if params.group_level else None
    group_path = (
        f"CASE WHEN LENGTH(unit_path) >= {group_width} THEN SUBSTR(unit_path, 1, {group_width}) END"
        if group_width
        else "CAST(NULL AS TEXT)"
    )
    if params.subject == "member":
        label_join = "LEFT JOIN orgs_user lu ON lu.id = r.subject_id"
        label = "COALESCE(NULLIF(lu.real_name, ''), lu.username, '#' || CAST(r.subject_id AS TEXT))"
    elif params.subject == "team":
        label_join = "LEFT JOIN contests_team lt ON lt.id = r.subject_id"
        label = "COALESCE(lt.name, '#' || CAST(r.subject_id AS TEXT))"
    else:
        label_join, label = "", "COALESCE(su.name, '')"
    sql.add(
        f""", scored AS (
            SELECT s.*, {_round(metric, 4)} AS metric, {_round("time_used", 3)} AS time_used_r,
                   {group_path} AS group_path
            FROM subjects s
        ), judged AS (
            SELECT sc.*,
                CASE WHEN metric IS NULL AND headcount = 0 THEN 'no_headcount'
                     WHEN metric IS NULL THEN 'no_participants'
                     WHEN participants < %s THEN 'too_few_participants'
                     WHEN %s IS NOT NULL AND COALESCE({rate}, 0) < %s THEN 'low_participation'
                     ELSE '' END AS reason
            FROM scored sc
        ), ranked AS (
            SELECT j.*, CASE WHEN reason = '' THEN 1 ELSE 0 END AS e,
                CASE WHEN reason = '' THEN RANK() OVER w END AS place,
                CASE WHEN reason = '' THEN {shown} OVER w END AS shown_rank,
                CASE WHEN reason = '' AND group_path IS NOT NULL
                     THEN {shown} OVER (PARTITION BY reason = '', group_path ORDER BY {keys}) END AS rank_in_group,
                COUNT(*) OVER (PARTITION BY reason = '', {tie_columns}) AS tied_count
            FROM (SELECT subject_id, total, participants, headcount, time_used_r AS time_used, finished,
                         unit_path, metric, group_path, reason FROM judged) j
            WINDOW w AS (PARTITION BY reason = '' ORDER BY {keys})
        )
        INSERT INTO rankings_snapshotrow (snapshot_id, subject_id, label, unit_id, unit_name, group_id,
            group_name, metric, total, participants, headcount, time_used_s, finished_at, eligible,
            ineligible_reason, place, rank, rank_in_group, tied_count, prize, previous_rank)
        SELECT %s, r.subject_id, {label}, su.unit_id, COALESCE(su.name, ''), g.unit_id, COALESCE(g.name, ''),
               r.metric, {_round("r.total", 4)}, r.participants, r.headcount, COALESCE(r.time_used, 0),
               r.finished, r.e = 1, r.reason, r.place, r.shown_rank, r.rank_in_group, r.tied_count, '', NULL
        FROM ranked r
        LEFT JOIN rk_tree su ON su.path = r.unit_path
        LEFT JOIN rk_tree g ON g.path = r.group_path
        {label_join}""",
        params.min_participants,
        min_rate,
        min_rate,
        snapshot_id,
    )
    with connection.cursor() as cursor:
        cursor.execute(sql.text, sql.params)


def prize_cutoffs(params: RuleParams, eligible: int) -> list[tuple[str, float]]:
    """Cumulative places (count, percent) or lowest scores (band) per tier, best tier first."""
    cutoffs, cumulative = [], 0.0
    for tier in params.prize_tiers:
        value = float(tier["value"])
        if params.prize_mode == "band":
            cutoffs.append((tier["name"], value))
            continue
        cumulative += value
        if params.prize_mode == "count":
            places = int(cumulative)
        else:
            exact = cumulative * eligible / 100.0
            places = {
                "floor": math.floor(exact + 1e-9),
                "ceil": math.ceil(exact - 1e-9),
                "half_up": math.floor(exact + 0.5 + 1e-9),
            }[params.percent_rounding]
        cutoffs.append((tier["name"], places))
    return cutoffs


def assign_prizes(params: RuleParams, snapshot_id: int, eligible: int) -> None:
    if params.prize_mode == "none" or not params.prize_tiers:
        return
    cases, args = [], []
    for name, cutoff in prize_cutoffs(params, eligible):
        if params.prize_mode == "band":
            cases.append("WHEN metric >= %s THEN %s")
        elif params.boundary_ties == "drop":
            cases.append("WHEN place + tied_count - 1 <= %s THEN %s")
        else:
            cases.append("WHEN place <= %s THEN %s")
        args += [cutoff, name]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE rankings_snapshotrow SET prize = CASE {' '.join(cases)} ELSE '' END "
            "WHERE snapshot_id = %s AND eligible",
            [*args, snapshot_id],
        )


def carry_previous_ranks(snapshot_id: int, previous_id: int) -> dict:
    """Record each subject's rank in the previous snapshot and summarise what changed."""
    with connection.cursor() as cursor:
        cursor.execute(
            """UPDATE rankings_snapshotrow SET previous_rank = (
                SELECT p.rank FROM rankings_snapshotrow p
                WHERE p.snapshot_id = %s AND p.subject_id = rankings_snapshotrow.subject_id)
            WHERE snapshot_id = %s""",
            [previous_id, snapshot_id],
        )
        cursor.execute(
            """SELECT
                SUM(CASE WHEN n.rank < n.previous_rank THEN 1 ELSE 0 END),
                SUM(CASE WHEN n.rank > n.previous_rank THEN 1 ELSE 0 END),
                SUM(CASE WHEN p.id IS NULL THEN 1 ELSE 0 END),
                SUM(CASE WHEN p.id IS NOT NULL AND n.prize <> p.prize THEN 1 ELSE 0 END),
                SUM(CASE WHEN p.id IS NOT NULL AND n.metric <> p.metric THEN 1 ELSE 0 END)
            FROM rankings_snapshotrow n
            LEFT JOIN rankings_snapshotrow p ON p.snapshot_id = %s AND p.subject_id = n.subject_id
            WHERE n.snapshot_id = %s""",
            [previous_id, snapshot_id],
        )
        up, down, new, prizes, scores = (int(v or 0) for v in cursor.fetchone())
        cursor.execute(
            """SELECT COUNT(*) FROM rankings_snapshotrow p WHERE p.snapshot_id = %s AND NOT EXISTS (
                SELECT 1 FROM rankings_snapshotrow n WHERE n.snapshot_id = %s AND n.subject_id = p.subject_id)""",
            [previous_id, snapshot_id],
        )
        dropped = int(cursor.fetchone()[0])
    return {
        "moved_up": up,
        "moved_down": down,
        "new": new,
        "dropped": dropped,
        "prize_changes": prizes,
        "score_changes": scores,
    }


def rows_hash(snapshot_id: int) -> str:
    """SHA-256 over the ranked rows, in subject order: what `verify_snapshot` compares."""
    digest = hashlib.sha256()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT subject_id, metric, total, participants, headcount, time_used_s, eligible, "
            "place, rank, rank_in_group, prize FROM rankings_snapshotrow WHERE snapshot_id = %s ORDER BY subject_id",
            [snapshot_id],
        )
        for row in _stream(cursor):
            subject, metric, total, participants, headcount, used, eligible, *rest = row
            values = [subject, _fixed(metric, 4), _fixed(total, 4), participants, headcount, _fixed(used, 3)]
            values += [int(bool(eligible)), *rest]
            digest.update("|".join("" if v is None else str(v) for v in values).encode() + b"\n")
    return digest.hexdigest()


def drop_temp() -> None:
    with connection.cursor() as cursor:
        _drop_temp(cursor)
