"""The set-based computation of a snapshot: SQL with window functions, no Python loop over facts.

Pipeline (one database connection; `rk_*` are temporary tables of that connection):

1. `rk_tree`: the rule's unit tree as frozen at its start, plus units created since;
   `rk_place`: each member's placement history as intervals; `rk_heads`: the headcount, each
   active member once, in their unit at the cut-off (see `rankings.params` for the rules).
2. `rk_pp`: facts of every source (`rankings.sources`), aggregated per (subject, participant). This is the one pass
   over the facts; the input hash is taken over it, and everything after reads only it.
3. One INSERT ... SELECT computes each subject's metric, eligibility, overall and in-group ranks
   (`RANK`/`DENSE_RANK` over partitions), tie counts, prize tiers and the previous snapshot's
   rank (prizes with per-group quotas: UPDATEs after it). For members `rk_pp` already holds one
   row per subject and is ranked as it is. On PostgreSQL the same statement counts and hashes the
   rows it wrote, and the input hash is taken in the database too: no row crosses the connection.

Works on PostgreSQL (production) and SQLite (embedded default): `postgres()` (`rankings.sql`) marks
the differences.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import connection
from django.utils import timezone

from orgs.models import Unit

from .params import STEPLEN, RuleParams
from .sources import source_kind
from .sql import Sql, instant, postgres

# The columns of `rk_pp` a snapshot keeps (`SnapshotInput`), by the name each has there: the one
# list to extend when the computation aggregates something new per participant (and `KEPT_IN_ROWS`).
KEPT_PARTICIPANT_COLUMNS = {
    "subject_id": "subject_id",
    "member_id": "member_id",
    "s": "score",
    "t": "time_s",
    "fin": "finished_at",
    "unit_path": "unit_path",
    "hc": "counted",
    "rt": "right_answers",
    "qn": "answers",
    "srcs": "sources",
    "best": "best_source_score",
}
# Where a member ranking by total keeps them instead (`inputs_in_rows`): in its own rows
# (`rankings_snapshotrow r`, its unit's path in the kept unit `rankings_snapshotunit u`), by the
# same names. Each holds the input at the precision it is hashed and ranked with.
KEPT_IN_ROWS = {
    "subject_id": "r.subject_id",
    "member_id": "r.subject_id",
    "s": "r.total",
    "t": "r.time_used_s",
    "fin": "r.finished_at",
    "unit_path": "u.path",
    "hc": "r.participants",
    "rt": "r.right_count",
    "qn": "r.answer_count",
    "srcs": "CAST(NULL AS INTEGER)",
    "best": "CAST(NULL AS DOUBLE PRECISION)",
}
# Decimal places a number is hashed and compared with (more would hash floating-point noise).
HASH_PLACES = {"s": 4, "t": 3, "best": 4}

ORDER_KEYS = {
    # Accuracy compared as a fraction (right * asked' against right' * asked would need a pair
    # of rows): a double of the exact quotient, equal for equal fractions; no answers sorts last.
    "accuracy_desc": "COALESCE(right_n * 1.0 / NULLIF(asked_n, 0), -1) DESC",
    "right_desc": "right_n DESC",
    "time_used_asc": "time_used ASC",
    "finished_at_asc": "CASE WHEN finished IS NULL THEN 1 ELSE 0 END, finished ASC",
    "participants_desc": "participants DESC",
}


def _round(expr: str, places: int) -> str:
    """Round half away from zero; on PostgreSQL back to double precision, which sorts faster."""
    if postgres():
        return f"CAST({_round_exact(expr, places)} AS DOUBLE PRECISION)"
    return f"ROUND({expr}, {places})"


def _round_exact(expr: str, places: int) -> str:
    """Round half away from zero, on PostgreSQL as NUMERIC: what a row stores (its numbers are
    NUMERIC columns). Storing `_round`'s double instead costs a conversion through text per value
    (about 1 µs: a quarter of a second for three columns of 100,000 rows) and gives the same
    number wherever a double holds it (15 significant digits)."""
    if postgres():
        return f"ROUND(CAST({expr} AS NUMERIC), {places})"
    return f"ROUND({expr}, {places})"


def _least(a: str, b: str) -> str:
    return f"LEAST({a}, {b})" if postgres() else f"MIN({a}, {b})"


def _greatest(a: str, b: str) -> str:
    """The larger of two values, NULL if either is (as SQLite's MAX; PostgreSQL's GREATEST would
    ignore a NULL)."""
    if postgres():
        return f"CASE WHEN {a} IS NULL OR {b} IS NULL THEN NULL ELSE GREATEST({a}, {b}) END"
    return f"MAX({a}, {b})"


def _facts(params: RuleParams) -> Sql:
    """Every source's facts (`rankings.sources`), each row tagged with its source's position
    `src` (a member's mean and best-of are taken over sources)."""
    sql = Sql()
    for index, source in enumerate(params.sources):
        own = source_kind(source.kind).facts(source, params)
        union = "" if index == 0 else "UNION ALL"
        sql.add(f"{union} SELECT {index} AS src, q{index}.* FROM ({own.text}) q{index}", *own.params)
    return sql


# ---------------------------------------------------------------- stages


def _drop_temp(cursor) -> None:
    for table in ("rk_pp", "rk_teams", "rk_unit_heads", "rk_heads", "rk_place", "rk_tree"):
        cursor.execute(f"DROP TABLE IF EXISTS {table}")


def _counted_members(alias: str, params: RuleParams) -> str:
    """The condition on `orgs_user` row `alias` for a member to count (headcount and facts)."""
    conditions = ["1 = 1"]
    if not params.count_deactivated:
        conditions.append(f"{alias}.is_active")
    if params.party_members_only:
        conditions.append(f"{alias}.is_party_member")
    return " AND ".join(conditions)


def _kinds_sql(params: RuleParams) -> str:
    """The unit kinds a ranking by kind ranks, as SQL literals (each a known `Unit.Kind`)."""
    known = set(Unit.Kind.values)
    if not params.unit_kinds or any(kind not in known for kind in params.unit_kinds):
        raise ValueError(f"unit kinds {params.unit_kinds!r}")
    return ", ".join(f"'{kind}'" for kind in params.unit_kinds)


def _ranked_under(params: RuleParams) -> str:
    """A derived table pairing each unit's `path` of `rk_tree` with `subject_path`: the nearest
    unit at or above it of the kinds a ranking by kind ranks (units with none have no row).
    Ancestors are found by their paths' prefixes, one lookup per level, and the deepest one wins
    (of prefixes of one path, the longest sorts last)."""
    return f"""SELECT tr.path AS path, MAX(st.path) AS subject_path
            FROM rk_tree tr
            JOIN (SELECT DISTINCT depth FROM rk_tree) lv ON lv.depth <= tr.depth
            JOIN rk_tree st ON st.path = SUBSTR(tr.path, 1, {STEPLEN} * lv.depth) AND st.kind IN ({_kinds_sql(params)})
            GROUP BY tr.path"""


def build_participants(params: RuleParams) -> None:
    """Create `rk_tree` and `rk_pp` (per subject and participant) on this connection."""
    facts = _facts(params)
    with connection.cursor() as cursor:
        _drop_temp(cursor)
        # A rule covering several units (`scope_paths`) keeps of its frozen tree only their
        # subtrees (its scope may have changed since it froze); one without keeps all of it, as ever.
        covered = " OR ".join(["path LIKE %s"] * len(params.covered_paths))
        frozen_covered = f"AND ({covered})" if params.scope_paths else ""
        patterns = [path + "%" for path in params.covered_paths]
        cursor.execute(
            f"""CREATE TEMP TABLE rk_tree AS
            SELECT unit_id, path, depth, name, kind FROM rankings_ruleunit WHERE rule_id = %s {frozen_covered}
            UNION ALL
            SELECT u.id, u.path, u.depth, u.name, u.kind FROM orgs_unit u
            WHERE ({covered})
              AND u.id NOT IN (SELECT unit_id FROM rankings_ruleunit WHERE rule_id = %s)
              AND u.path NOT IN (SELECT path FROM rankings_ruleunit WHERE rule_id = %s)""",
            [params.rule_id, *(patterns if params.scope_paths else []), *patterns, params.rule_id, params.rule_id],
        )
        cursor.execute("CREATE INDEX rk_tree_unit ON rk_tree (unit_id)")
        cursor.execute("CREATE INDEX rk_tree_path ON rk_tree (path)")
        # Each placement as the interval it held; the first one also covers the time before it.
        cursor.execute(
            """CREATE TEMP TABLE rk_place AS
            SELECT member_id, unit_id, effective_at AS start_at,
                   CASE WHEN ROW_NUMBER() OVER (PARTITION BY member_id ORDER BY effective_at, id) = 1
                        THEN NULL ELSE effective_at END AS since,
                   LEAD(effective_at) OVER (PARTITION BY member_id ORDER BY effective_at, id) AS until
            FROM orgs_memberplacement"""
        )
        cursor.execute("CREATE INDEX rk_place_member ON rk_place (member_id)")
        if postgres():
            # Temporary tables have no statistics until analysed: without them the statements
            # below are planned for a few hundred rows (an index probe per member for the
            # headcount, a merge join sorting every fact for the aggregation).
            cursor.execute("ANALYZE rk_tree")
            cursor.execute("ANALYZE rk_place")
        cut_off = instant(datetime.fromisoformat(params.headcount_at) if params.headcount_at else timezone.now())
        # The headcount: counted members (by default active ones) placed in the subtree at the
        # cut-off (members with no recorded placement at all: in their unit). Since
        # `headcount_as_credited` the first placement also covers the time before it, as for
        # results: members imported after the cut-off count where their results count.
        begun = "(pl.since IS NULL OR pl.start_at < %s)" if params.headcount_as_credited else "pl.start_at < %s"
        cursor.execute(
            f"""CREATE TEMP TABLE rk_heads AS
            SELECT u.id AS member_id, tr.unit_id AS unit_id, tr.path AS path
            FROM orgs_user u
            LEFT JOIN rk_place pl ON pl.member_id = u.id AND {begun} AND (pl.until IS NULL OR pl.until >= %s)
            LEFT JOIN (SELECT DISTINCT member_id FROM rk_place) placed ON placed.member_id = u.id
            JOIN rk_tree tr ON tr.unit_id = CASE
                WHEN pl.member_id IS NOT NULL THEN pl.unit_id WHEN placed.member_id IS NULL THEN u.unit_id END
            WHERE {_counted_members("u", params)}""",
            [cut_off, cut_off],
        )
        # Looked up by member only when unit subjects count their members or movers are credited
        # at the cut-off (the aggregation below); otherwise it is only counted per unit
        # (`rk_unit_heads`), which needs neither an index nor statistics.
        if params.subject == "unit" or params.mover_credit == "cut_off":
            cursor.execute("CREATE INDEX rk_heads_member ON rk_heads (member_id)")
            if postgres():
                cursor.execute("ANALYZE rk_heads")
        # `hc`: the participant counts as one of the subject's participants: every member with a
        # fact credited to it (since `participants_as_credited`; before, for units, only members
        # of its headcount).
        # Deactivated members' facts (and under "party members only", others') are left out,
        # except from a team's own record.
        counted = "CASE WHEN f.member_id IS NOT NULL THEN 1 ELSE 0 END"
        active = f"(f.member_id IS NULL OR ({_counted_members('fu', params)}))"
        if params.subject == "member":
            subject, join, where = "f.member_id", "", f"f.member_id IS NOT NULL AND {active}"
        elif params.subject == "team":
            subject, join, where = "f.team_id", "", "f.team_id IS NOT NULL"
        elif params.unit_kinds:
            # Each fact to the nearest unit of the kinds ranked at or above its unit.
            ranked_under = _ranked_under(params)
            subject = "st.unit_id"
            join = f"JOIN ({ranked_under}) fs ON fs.path = tr.path JOIN rk_tree st ON st.path = fs.subject_path"
            where = active
            if not params.participants_as_credited:
                # Before it, the participant counted only when the headcount placed them under
                # that same unit.
                join += (
                    f" LEFT JOIN (SELECT h.member_id, hs.subject_path FROM rk_heads h JOIN ({ranked_under}) hs "
                    "ON hs.path = h.path) hh ON hh.member_id = f.member_id AND hh.subject_path = st.path"
                )
                counted = "CASE WHEN hh.member_id IS NOT NULL THEN 1 ELSE 0 END"
        else:
            width = STEPLEN * params.unit_level
            subject = "st.unit_id"
            join = f"JOIN rk_tree st ON st.path = SUBSTR(tr.path, 1, {width})"
            where = f"LENGTH(tr.path) >= {width} AND {active}"
            if not params.participants_as_credited:
                join += (
                    f" LEFT JOIN rk_heads hh ON hh.member_id = f.member_id AND SUBSTR(hh.path, 1, {width}) = st.path"
                )
                counted = "CASE WHEN hh.member_id IS NOT NULL THEN 1 ELSE 0 END"
        # Each fact in the unit of its time, or (movers credited at the cut-off) every fact of a
        # member in the headcount in their unit there.
        credited = "JOIN rk_tree tr ON tr.unit_id = f.unit_id"
        if params.mover_credit == "cut_off":
            credited = (
                "LEFT JOIN rk_heads mh ON mh.member_id = f.member_id "
                "JOIN rk_tree tr ON tr.unit_id = COALESCE(mh.unit_id, f.unit_id)"
            )
        # For a member's mean or best-of, per source first: `srcs` counts the sources they have a
        # fact in, `best` is their best source's score (otherwise one aggregation, as before).
        by_member = params.subject == "member" and params.metric in ("mean", "best")
        per_participant = f"""
            SELECT {subject} AS subject_id, f.member_id AS member_id, SUM(f.score) AS s,
                   SUM(f.time_s) AS t, MAX(f.finished_at) AS fin, MAX(tr.path) AS unit_path,
                   MAX({counted}) AS hc, SUM(f.right_n) AS rt, SUM(f.asked_n) AS qn
                   {"" if by_member else ", CAST(NULL AS INTEGER) AS srcs, CAST(NULL AS DOUBLE PRECISION) AS best"}
            FROM ({facts.text}) f
            {credited}
            LEFT JOIN orgs_user fu ON fu.id = f.member_id
            {join}
            WHERE {where}
            GROUP BY {subject}, f.member_id{", f.src" if by_member else ""}"""
        statement = "CREATE TEMP TABLE rk_pp AS " + per_participant
        if by_member:
            statement = f"""CREATE TEMP TABLE rk_pp AS
            SELECT subject_id, member_id, SUM(s) AS s, SUM(t) AS t, MAX(fin) AS fin, MAX(unit_path) AS unit_path,
                   MAX(hc) AS hc, SUM(rt) AS rt, SUM(qn) AS qn, COUNT(*) AS srcs, MAX(s) AS best
            FROM ({per_participant}) ps GROUP BY subject_id, member_id"""
        cursor.execute(statement, facts.params)
        if params.subject == "member" and params.members_listed_at_cut_off and params.mover_credit != "cut_off":
            # A member is listed in their unit at the cut-off, not in whichever of the units of
            # their results sorts last (a mover's placements, or the unit recorded when a team or
            # an exam started); one not in the headcount keeps that last one. A join, not a
            # lookup per row: `rk_heads` has no index here.
            cursor.execute(
                """UPDATE rk_pp SET unit_path = h.path FROM rk_heads h
                WHERE h.member_id = rk_pp.member_id AND h.path <> rk_pp.unit_path"""
            )
        if postgres() and params.subject != "member":
            # The columns later statements join and group on: statistics of all would cost twice.
            # A member ranking ranks `rk_pp` as it stands, without grouping it again, and joins it
            # only to small tables and by unique keys: its plans are the same without them.
            cursor.execute("ANALYZE rk_pp (subject_id, member_id, unit_path)")


def _text(expr: str, places: int | None = None) -> str:
    """SQL text of a value for hashing: fixed decimals for numbers, '' for NULL."""
    if places is None:
        return f"COALESCE(CAST({expr} AS TEXT), '')"
    if postgres():
        return f"COALESCE(CAST(ROUND(CAST({expr} AS NUMERIC), {places}) AS TEXT), '')"
    # '%%' because the statement goes through Django's parameter formatting (always give params).
    return f"COALESCE(printf('%%.{places}f', {expr}), '')"


def _line(*columns: str) -> str:
    return " || '|' || ".join(columns)


def _sha256(prefix: bytes, parts: list[tuple[str, str, str]]) -> str:
    """SHA-256 of `prefix`, then each part's lines (`SELECT line FROM source ORDER BY order`),
    every line followed by a newline. On PostgreSQL the lines are joined and hashed in the
    database (nothing but the digest crosses the connection); elsewhere here, to the same digest."""
    if postgres():
        joined = " || ".join(
            f"COALESCE((SELECT string_agg({line} || E'\\n', '' ORDER BY {order}) FROM {source}), '')"
            for line, source, order in parts
        )
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT encode(sha256(%s || convert_to({joined}, 'UTF8')), 'hex')", [prefix])
            return cursor.fetchone()[0]
    digest = hashlib.sha256(prefix)
    with connection.cursor() as cursor:
        for line, source, order in parts:
            cursor.execute(f"SELECT {line} FROM {source} ORDER BY {order}", [])
            while rows := cursor.fetchmany(10_000):
                digest.update("\n".join(row[0] for row in rows).encode())
                digest.update(b"\n")
    return digest.hexdigest()


def input_hash(params: RuleParams) -> str:
    """SHA-256 over the parameters and everything ranked: every (subject, participant) aggregate
    (`rk_pp`), the units with their headcounts (`rk_unit_heads`; unit rankings only) and the
    teams with their rosters (`rk_teams`). These are the tables a snapshot keeps, so its stored
    inputs give the same hash."""
    line = _line(*(_text(column, HASH_PLACES.get(column)) for column in KEPT_PARTICIPANT_COLUMNS))
    # Headcounts rank units only: for members and teams a new colleague without facts changes nothing.
    units_counted = "" if params.subject == "unit" else "WHERE 1 = 0"
    # A ranking by kind ranks units by their kinds: those are inputs too (only there, so that
    # level rankings' hashes read as before).
    heads = _line(_text("unit_id"), _text("path"), _text("n"), *((_text("kind"),) if params.unit_kinds else ()))
    teams = _line(_text("team_id"), _text("unit_id"), _text("roster"))
    return _sha256(
        params.canonical(),
        [
            (line, "rk_pp", "subject_id, COALESCE(member_id, 0)"),
            (heads, f"rk_unit_heads {units_counted}", "unit_id"),
            (teams, "rk_teams", "team_id"),
        ],
    )


def _metric_expressions(params: RuleParams) -> dict[str, str]:
    k = int(params.top_k)
    if params.subject == "member":
        # A member's mean is over the sources they have a fact in; best-of is their best source.
        return {"total": "total", "mean": "total * 1.0 / NULLIF(sources_n, 0)", "best": "best"}
    return {
        "total": "total",
        "mean": "member_total * 1.0 / NULLIF(participants, 0)",
        "per_capita": "total * 1.0 / NULLIF(headcount, 0)",
        "participation": "participants * 1.0 / NULLIF(headcount, 0)",
        "top_k": f"topk_sum * 1.0 / NULLIF({_least('participants', str(k))}, 0)",
    }


def _metric(params: RuleParams) -> str:
    """The metric of each subject; for a composite a placeholder: it is taken after eligibility
    (`_composite`), because only eligible subjects set its scale."""
    if params.metric == "composite":
        return "0"
    return _metric_expressions(params)[params.metric]


def _composite(params: RuleParams) -> str:
    """The weighted composite over judged subjects: the participation rate as a percentage (at
    most 100), every other part scaled to 0-100 against the best eligible subject whose
    participation does not exceed 100 % (so parts on different scales add up fairly, and a
    subject that cannot be ranked never sets the scale)."""
    expressions = _metric_expressions(params)
    rate = expressions["participation"]
    parts = []
    for name, weight in sorted(params.composite.items()):
        if name == "participation":
            # Not LEAST: PostgreSQL's ignores a NULL (no headcount) and would give 100.
            part = f"COALESCE(CASE WHEN {rate} > 1 THEN 1.0 ELSE {rate} END, 0) * 100.0"
        else:
            value = expressions[name]
            best = f"MAX(CASE WHEN reason = '' AND COALESCE({rate}, 0) <= 1 THEN {value} END) OVER ()"
            part = f"COALESCE(({value}) * 100.0 / NULLIF({best}, 0), 0)"
        parts.append(f"{float(weight)!r} * {part}")
    return " + ".join(parts)


def _subjects_sql(params: RuleParams) -> Sql:
    """Per subject: total, participants, headcount, time used, finish, and its unit's path."""
    k = int(params.top_k)
    sql = Sql()
    if params.subject == "member":
        # A member is their own only participant: `rk_pp` holds one row per subject already
        # (grouped by subject and member), so it is its own aggregate and needs no second pass.
        return sql.add(
            """WITH subjects AS (
            SELECT subject_id, s AS total, hc AS participants, 1 AS headcount, 0 AS headcount_expected,
                   t AS time_used, fin AS finished, unit_path, rt AS right_n, qn AS asked_n,
                   srcs AS sources_n, best
            FROM rk_pp)"""
        )
    sql.add(
        f"""WITH ppr AS (
            SELECT p.*, ROW_NUMBER() OVER (PARTITION BY subject_id
                ORDER BY CASE WHEN hc = 1 THEN 0 ELSE 1 END, s DESC) AS rn
            FROM rk_pp p
        ), agg AS (
            SELECT subject_id, SUM(s) AS total, SUM(hc) AS participants, SUM(t) AS time_used,
                   MAX(fin) AS finished, MAX(unit_path) AS unit_path,
                   SUM(CASE WHEN hc = 1 THEN s END) AS member_total,
                   SUM(CASE WHEN hc = 1 AND rn <= {k} THEN s END) AS topk_sum,
                   SUM(rt) AS right_n, SUM(qn) AS asked_n, SUM(srcs) AS sources_n, MAX(best) AS best
            FROM ppr GROUP BY subject_id
        )"""
    )
    if params.subject == "team":
        sql.add(
            """, subjects AS (
            SELECT a.subject_id, a.total, a.participants, tt.roster AS headcount, 0 AS headcount_expected,
                   a.time_used, a.finished, tu.path AS unit_path, a.member_total, a.topk_sum,
                   a.right_n, a.asked_n
            FROM agg a JOIN rk_teams tt ON tt.team_id = a.subject_id
            LEFT JOIN rk_tree tu ON tu.unit_id = tt.unit_id)"""
        )
    else:
        # An expected headcount an organiser stated wins over the counted one; since
        # `stated_headcount_floor`, never below the participants (the counted one was never
        # below them while they had to be in it, before `participants_as_credited`).
        stated = "COALESCE(x.n, h.n, 0)"
        if params.headcount_as_credited:
            # Stated or counted, never below the participants, even where nobody was counted.
            stated = _greatest("COALESCE(x.n, h.n, 0)", "COALESCE(a.participants, 0)")
        elif params.participants_as_credited:
            # Participants need not be in the headcount (a member who took part, then moved out):
            # stated or counted, it is never below them; a unit with no stated figure that
            # nobody was counted in at the cut-off keeps none (not ranked, as before), whoever
            # took part there earlier.
            stated = (
                "CASE WHEN x.n IS NULL AND COALESCE(h.n, 0) = 0 THEN 0 "
                f"ELSE {_greatest('COALESCE(x.n, h.n)', 'COALESCE(a.participants, 0)')} END"
            )
        elif params.stated_headcount_floor:
            stated = f"COALESCE({_greatest('x.n', 'COALESCE(a.participants, 0)')}, h.n, 0)"
        pairs = params.expected_headcounts or ((None, None),)
        expected = " UNION ALL ".join(["SELECT CAST(%s AS INTEGER) AS unit_id, CAST(%s AS INTEGER) AS n"] * len(pairs))
        if params.unit_kinds:
            # Each unit's headcount to the nearest ranked unit at or above it, as its facts go.
            heads = f"""SELECT hs.subject_path AS path, SUM(h.n) AS n
            FROM rk_unit_heads h JOIN ({_ranked_under(params)}) hs ON hs.path = h.path
            GROUP BY hs.subject_path"""
            ranked = f"tr.kind IN ({_kinds_sql(params)})"
        else:
            width = STEPLEN * params.unit_level
            heads = f"""SELECT SUBSTR(h.path, 1, {width}) AS path, SUM(h.n) AS n
            FROM rk_unit_heads h WHERE LENGTH(h.path) >= {width}
            GROUP BY SUBSTR(h.path, 1, {width})"""
            ranked = f"tr.depth = {int(params.unit_level)}"
        sql.add(
            f""", heads AS ({heads}
        ), expected AS ({expected}
        ), subjects AS (
            SELECT tr.unit_id AS subject_id, COALESCE(a.total, 0) AS total,
                   COALESCE(a.participants, 0) AS participants, {stated} AS headcount,
                   CASE WHEN x.n IS NULL THEN 0 ELSE 1 END AS headcount_expected,
                   COALESCE(a.time_used, 0) AS time_used, a.finished, tr.path AS unit_path,
                   a.member_total, a.topk_sum, COALESCE(a.right_n, 0) AS right_n,
                   COALESCE(a.asked_n, 0) AS asked_n
            FROM rk_tree tr LEFT JOIN agg a ON a.subject_id = tr.unit_id
            LEFT JOIN heads h ON h.path = tr.path
            LEFT JOIN expected x ON x.unit_id = tr.unit_id
            WHERE {ranked})""",
            *(value for pair in pairs for value in pair),
        )
    return sql


@dataclass(frozen=True)
class Written:
    """What `insert_rows` wrote: the rows, the eligible ones, and the rows hash (`rows_hash`)."""

    row_count: int
    eligible_count: int
    rows_hash: str


def insert_rows(params: RuleParams, snapshot_id: int, previous_id: int | None = None) -> Written:
    """Write every subject's row for `snapshot_id` in one INSERT ... SELECT: metric, eligibility,
    ranks, tie counts, prize tier, and the rank in the previous snapshot. On PostgreSQL the same
    statement counts the rows and hashes them as written (unless prizes come per group, which
    are assigned afterwards); otherwise they are read back."""
    sql = _subjects_sql(params)
    metric = _metric(params)
    measured = _round(_composite(params), 4) if params.metric == "composite" else "metric"
    measured_exact = _round_exact(_composite(params), 4) if params.metric == "composite" else "metric_x"
    rate = "participants * 1.0 / NULLIF(headcount, 0)"
    min_rate = params.min_participation
    # Since `headcount_as_credited` a subject without a headcount is left out only where the
    # ranking reads it (its headcount is then 0 only if nobody took part either).
    no_headcount = (
        "WHEN headcount = 0 THEN 'no_headcount'" if params.needs_headcount or not params.headcount_as_credited else ""
    )
    keys = ", ".join(["metric DESC"] + [ORDER_KEYS[key] for key in params.tie_breaks])
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
        label_join = f"LEFT JOIN {TEAMS[params.teams or 'contest'].table} lt ON lt.id = r.subject_id"
        label = "COALESCE(lt.name, '#' || CAST(r.subject_id AS TEXT))"
    else:
        label_join, label = "", "COALESCE(su.name, '')"
    sql.add(
        f""", scored AS (
            SELECT s.*, {_round(metric, 4)} AS metric, {_round("time_used", 3)} AS time_used_r,
                   {_round_exact(metric, 4)} AS metric_x, {_round_exact("time_used", 3)} AS time_used_x,
                   {_round_exact("total", 4)} AS total_x, {group_path} AS group_path
            FROM subjects s
        ), judged AS (
            SELECT sc.*,
                CASE {no_headcount}
                     WHEN participants = 0 OR metric IS NULL THEN 'no_participants'
                     WHEN participants < %s THEN 'too_few_participants'
                     WHEN %s IS NOT NULL AND COALESCE({rate}, 0) < %s THEN 'low_participation'
                     ELSE '' END AS reason
            FROM scored sc
        ), windowed AS (
            SELECT j.*, RANK() OVER w AS rank_all, {shown} OVER w AS shown_all,
                CASE WHEN reason = '' AND group_path IS NOT NULL
                     THEN {shown} OVER (PARTITION BY reason = '', group_path ORDER BY {keys}) END AS rank_in_group,
                -- With the default frame (up to the last row tied with this one) the count is the
                -- rank plus the ties minus one: the ties come from the ranks' own window.
                COUNT(*) OVER w AS through_ties,
                COUNT(*) OVER (PARTITION BY reason = '') AS eligible_n
            FROM (SELECT subject_id, total, participants, headcount, time_used_r AS time_used, finished,
                         unit_path, {measured} AS metric, group_path, reason, right_n, asked_n,
                         headcount_expected, {measured_exact} AS metric_x, time_used_x, total_x FROM judged) j
            WINDOW w AS (PARTITION BY reason = '' ORDER BY {keys})
        ), ranked_raw AS (
            SELECT wd.*, CASE WHEN reason = '' THEN 1 ELSE 0 END AS e,
                CASE WHEN reason = '' THEN rank_all END AS place,
                CASE WHEN reason = '' THEN shown_all END AS shown_rank,
                through_ties - rank_all + 1 AS tied_count
            FROM windowed wd
        ), ranked AS (
            SELECT rr.*, __PRIZE__ AS prize FROM ranked_raw rr
        )
        __INSERT__ INSERT INTO rankings_snapshotrow (snapshot_id, subject_id, label, unit_id, unit_name, group_id,
            group_name, metric, total, participants, headcount, time_used_s, finished_at, eligible,
            ineligible_reason, place, rank, rank_in_group, tied_count, prize, previous_rank,
            right_count, answer_count, headcount_expected)
        SELECT %s, r.subject_id, {label}, su.unit_id, COALESCE(su.name, ''), g.unit_id, COALESCE(g.name, ''),
               r.metric_x, r.total_x, r.participants, r.headcount, COALESCE(r.time_used_x, 0),
               r.finished, r.e = 1, r.reason, r.place, r.shown_rank, r.rank_in_group, r.tied_count, r.prize,
               pr.rank, r.right_n, r.asked_n, r.headcount_expected = 1
        FROM ranked r
        LEFT JOIN rk_tree su ON su.path = r.unit_path
        LEFT JOIN rk_tree g ON g.path = r.group_path
        LEFT JOIN rankings_snapshotrow pr ON pr.snapshot_id = %s AND pr.subject_id = r.subject_id
        {label_join}
        __RETURNING__""",
        params.min_participants,
        min_rate,
        min_rate,
    )
    prize = prize_case(params)
    head, tail = sql.text.split("__PRIZE__")
    count_before = head.count("%s")
    arguments = sql.params[:count_before] + prize.params + sql.params[count_before:] + [snapshot_id, previous_id]
    statement = head + prize.text + tail
    fused = postgres() and not _has_quotas(params)
    if fused:
        # The rows hashed as RETURNING gives them back: the values stored, as `rows_hash` reads them.
        returned = ", ".join(HASHED_ROW_COLUMNS)
        statement = statement.replace("__INSERT__", ", written AS (").replace(
            "__RETURNING__",
            f"""RETURNING {returned})
            SELECT COUNT(*), COUNT(*) FILTER (WHERE eligible),
                   encode(sha256(convert_to(COALESCE(
                       string_agg({_row_line()} || E'\\n', '' ORDER BY subject_id), ''), 'UTF8')), 'hex')
            FROM written""",
        )
    else:
        statement = statement.replace("__INSERT__", "").replace("__RETURNING__", "")
    with connection.cursor() as cursor:
        if postgres():
            # Rows go into a table of their own, unindexed, which is indexed and attached as the
            # snapshot's partition afterwards (migrations 0020, 0021): sorted index builds cost
            # a fraction of 100,000 inserts into three b-trees, and the table's CHECK on its
            # snapshot spares ATTACH its validating scan.
            cursor.execute("SELECT rankings_snapshotrow_partition(%s)", [snapshot_id])
            table = connection.ops.quote_name(cursor.fetchone()[0])
            statement = statement.replace("INSERT INTO rankings_snapshotrow (", f"INSERT INTO {table} (", 1)
        cursor.execute(statement, arguments)
        written = cursor.fetchone() if fused else None
        if postgres():
            cursor.execute("SELECT rankings_snapshotrow_attach(%s)", [snapshot_id])
        if written:
            rows, eligible, digest = written
            return Written(int(rows), int(eligible), digest)
        if _has_quotas(params):
            _assign_prizes_with_quotas(cursor, params, snapshot_id)
        cursor.execute(
            "SELECT COUNT(*), SUM(CASE WHEN eligible THEN 1 ELSE 0 END) FROM rankings_snapshotrow "
            "WHERE snapshot_id = %s",
            [snapshot_id],
        )
        rows, eligible = cursor.fetchone()
    return Written(int(rows), int(eligible or 0), rows_hash(snapshot_id))


def _has_quotas(params: RuleParams) -> bool:
    return params.prize_mode != "none" and any(tier.get("per_group") for tier in params.prize_tiers)


def _assign_prizes_with_quotas(cursor, params: RuleParams, snapshot_id: int) -> None:
    """Give prizes tier by tier when some tier allows at most N per group (`per_group`).

    For each tier, best first, the candidates are eligible rows without a prize yet; in each
    group only the first `per_group` of them by place may take the tier, and those pass on, in
    place order, to fill the tier's overall allowance (cumulative, as without quotas). A subject
    held back by its group's quota stays a candidate for the next tier, and the slot it would
    have taken goes to the next eligible subject. Ties at either boundary follow the rule's
    boundary-ties setting: shared, or the whole tied group drops to the next tier."""
    drop = params.boundary_ties == "drop"
    cursor.execute(
        "SELECT COUNT(*) FROM rankings_snapshotrow WHERE snapshot_id = %s AND eligible = %s", [snapshot_id, True]
    )
    eligible_n = int(cursor.fetchone()[0])
    cumulative = 0
    for tier in params.prize_tiers:
        value = float(tier["value"])
        band = ""
        band_args: list = []
        cap = None
        if params.prize_mode == "band":
            band, band_args = "AND metric >= %s", [value]
        elif params.prize_mode == "count":
            cumulative += int(value)
            cap = cumulative
        else:
            cumulative += round(value * 100)
            spare = {"floor": 0, "ceil": 9999, "half_up": 5000}[params.percent_rounding]
            cap = (cumulative * eligible_n + spare) // 10000
        quota = int(tier["per_group"]) if tier.get("per_group") else None
        in_group = "group_rank + group_tied - 1" if drop else "group_rank"
        passes = "TRUE" if quota is None else f"(group_id IS NULL OR {in_group} <= {quota})"
        overall = "prized + pass_rank + pass_tied - 1" if drop else "prized + pass_rank"
        wins = "TRUE" if cap is None else f"{overall} <= {int(cap)}"
        cursor.execute(
            f"""UPDATE rankings_snapshotrow SET prize = %s WHERE id IN (
                SELECT id FROM (
                    SELECT id, RANK() OVER (ORDER BY place) AS pass_rank,
                           COUNT(*) OVER (PARTITION BY place) AS pass_tied,
                           (SELECT COUNT(*) FROM rankings_snapshotrow w
                            WHERE w.snapshot_id = %s AND w.prize <> '') AS prized
                    FROM (
                        SELECT id, place, group_id,
                               RANK() OVER (PARTITION BY group_id ORDER BY place) AS group_rank,
                               COUNT(*) OVER (PARTITION BY group_id, place) AS group_tied
                        FROM rankings_snapshotrow
                        WHERE snapshot_id = %s AND eligible = %s AND prize = '' {band}
                    ) candidates
                    WHERE {passes}
                ) passing
                WHERE {wins})""",
            [tier["name"], snapshot_id, snapshot_id, True, *band_args],
        )


def prize_case(params: RuleParams) -> Sql:
    """CASE giving each eligible row its tier, best first, in integer arithmetic on both databases.

    Percentages are kept in hundredths; `n` is the number of eligible subjects. A cutoff is a
    cumulative count of places; under "drop" a tied group must fit entirely inside it."""
    sql = Sql()
    if params.prize_mode == "none" or not params.prize_tiers or _has_quotas(params):
        return sql.add("''")
    last_place = "place + tied_count - 1" if params.boundary_ties == "drop" else "place"
    cumulative = 0
    sql.add("CASE WHEN e = 0 THEN ''")
    for tier in params.prize_tiers:
        value = float(tier["value"])
        if params.prize_mode == "band":
            sql.add("WHEN metric >= %s THEN %s", value, tier["name"])
            continue
        if params.prize_mode == "count":
            cumulative += int(value)
            sql.add(f"WHEN {last_place} <= %s THEN %s", cumulative, tier["name"])
            continue
        cumulative += round(value * 100)
        cutoff = {
            "floor": "(%s * eligible_n) / 10000",
            "ceil": "(%s * eligible_n + 9999) / 10000",
            "half_up": "(%s * eligible_n + 5000) / 10000",
        }[params.percent_rounding]
        sql.add(f"WHEN {last_place} <= {cutoff} THEN %s", cumulative, tier["name"])
    return sql.add("ELSE '' END")


def changes_since(snapshot_id: int, previous_id: int) -> dict:
    """What moved between the previous snapshot and this one.

    One grouped pass over both snapshots' rows, not a join of one to the other: the new rows are
    not in the table's statistics yet, and with the previous ones missing too PostgreSQL planned
    the join as a nested loop matching every row with every other (at 100,000 rows it had run
    for 14 minutes when stopped)."""

    def of(snapshot: str, column: str) -> str:
        return f"MAX(CASE WHEN snapshot_id = {snapshot} THEN {column} END)"

    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT
                SUM(CASE WHEN n_rank < p_rank THEN 1 ELSE 0 END),
                SUM(CASE WHEN n_rank > p_rank THEN 1 ELSE 0 END),
                SUM(CASE WHEN in_n = 1 AND in_p = 0 THEN 1 ELSE 0 END),
                SUM(CASE WHEN in_n = 1 AND in_p = 1 AND n_prize <> p_prize THEN 1 ELSE 0 END),
                SUM(CASE WHEN in_n = 1 AND in_p = 1 AND n_metric <> p_metric THEN 1 ELSE 0 END),
                SUM(CASE WHEN in_n = 0 AND in_p = 1 THEN 1 ELSE 0 END)
            FROM (SELECT {of("%s", "rank")} AS n_rank, {of("%s", "rank")} AS p_rank,
                         {of("%s", "prize")} AS n_prize, {of("%s", "prize")} AS p_prize,
                         {of("%s", "metric")} AS n_metric, {of("%s", "metric")} AS p_metric,
                         COALESCE({of("%s", "1")}, 0) AS in_n, COALESCE({of("%s", "1")}, 0) AS in_p
                  FROM rankings_snapshotrow WHERE snapshot_id IN (%s, %s)
                  GROUP BY subject_id) pair""",
            [snapshot_id, previous_id] * 4 + [snapshot_id, previous_id],
        )
        up, down, new, prizes, scores, dropped = (int(v or 0) for v in cursor.fetchone())
    return {
        "moved_up": up,
        "moved_down": down,
        "new": new,
        "dropped": dropped,
        "prize_changes": prizes,
        "score_changes": scores,
    }


# What the rows hash covers, in this order: the ranked row's columns (numbers with these decimals).
HASHED_ROW_COLUMNS = {
    "subject_id": None,
    "metric": 4,
    "total": 4,
    "participants": None,
    "headcount": None,
    "time_used_s": 3,
    "eligible": None,
    "place": None,
    "rank": None,
    "rank_in_group": None,
    "prize": None,
}


def _row_line() -> str:
    return _line(
        *(
            "CASE WHEN eligible THEN '1' ELSE '0' END"
            if column == "eligible"
            else "prize"
            if column == "prize"
            else _text(column, places)
            for column, places in HASHED_ROW_COLUMNS.items()
        )
    )


def rows_hash(snapshot_id: int) -> str:
    """SHA-256 over the ranked rows, in subject order: what `verify_snapshot` compares."""
    source = f"rankings_snapshotrow WHERE snapshot_id = {int(snapshot_id)}"
    return _sha256(b"", [(_row_line(), source, "subject_id")])


@contextmanager
def tuned_session() -> Iterator[None]:
    """On PostgreSQL, give this connection's ranking queries room to hash and sort in memory and
    skip JIT compilation (it costs more than it saves on one-off reporting queries)."""
    if not postgres():
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('work_mem', %s, false), set_config('jit', 'off', false)", [settings.RANKINGS_WORK_MEM]
        )
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET work_mem; RESET jit")


def drop_temp() -> None:
    with connection.cursor() as cursor:
        _drop_temp(cursor)


# ---------------------------------------------------------------- kept inputs


@dataclass(frozen=True)
class Teams:
    """One kind of team a team ranking ranks (`RuleParams.teams`): the table naming them, the
    sources bringing them (their kind, and the column naming the contest or paper), and the
    statement giving each team of those sources with its unit and roster size (each `{marks}`
    stands for the sources' ids)."""

    table: str
    source_kind: str
    source_column: str
    rosters: str


TEAMS = {
    "contest": Teams(
        table="contests_team",
        source_kind="contest",
        source_column="contest_id",
        rosters="""SELECT t.id AS team_id, t.unit_id AS unit_id, COUNT(m.id) AS roster
            FROM contests_team t LEFT JOIN contests_teammember m ON m.team_id = t.id AND m.contest_id IN ({marks})
            WHERE t.contest_id IN ({marks})
            GROUP BY t.id, t.unit_id""",
    ),
    # A relay team's roster is its places, run or not: legs run over places is its participation.
    "relay": Teams(
        table="contests_relayteam",
        source_kind="online",
        source_column="paper_id",
        rosters="""SELECT t.id AS team_id, t.unit_id AS unit_id, COUNT(r.id) AS roster
            FROM contests_relayteam t LEFT JOIN contests_relayrunner r ON r.team_id = t.id
            WHERE t.relay_id IN (SELECT rc.id FROM contests_relaycontest rc
                                 JOIN contests_onlinecontest oc ON oc.id = rc.online_id
                                 WHERE oc.paper_id IN ({marks}))
            GROUP BY t.id, t.unit_id""",
    ),
}


def build_inputs(params: RuleParams) -> None:
    """Everything a snapshot ranks, on this connection: the participants' aggregates, then the
    units' headcounts and the teams' rosters built from them."""
    build_participants(params)
    build_headcounts(params)


def build_headcounts(params: RuleParams) -> None:
    """Create `rk_unit_heads` (each unit of `rk_tree` with the members of the headcount placed in
    it) and `rk_teams` (each team of the rule's team sources, its unit and roster size: see
    `TEAMS`). Call after `build_participants`, on the same connection."""
    teams = TEAMS[params.teams or "contest"]
    ids = [getattr(source, teams.source_column) for source in params.sources if source.kind == teams.source_kind]
    marks = ", ".join(["%s"] * len(ids or [0]))
    with connection.cursor() as cursor:
        cursor.execute(
            """CREATE TEMP TABLE rk_unit_heads AS
            SELECT tr.unit_id AS unit_id, tr.path AS path, tr.kind AS kind, COUNT(h.member_id) AS n
            FROM rk_tree tr LEFT JOIN rk_heads h ON h.unit_id = tr.unit_id
            GROUP BY tr.unit_id, tr.path, tr.kind"""
        )
        cursor.execute(
            f"CREATE TEMP TABLE rk_teams AS {teams.rosters.format(marks=marks)}",
            (ids or [0]) * teams.rosters.count("{marks}"),
        )
        cursor.execute("CREATE INDEX rk_teams_team ON rk_teams (team_id)")


def inputs_in_rows(params: RuleParams) -> bool:
    """Whether a snapshot of `params` keeps its participants' inputs in its own rows (`KEPT_IN_ROWS`)
    rather than as SnapshotInput rows: a member ranking by total ranks `rk_pp` as it stands, one
    row per participant, and each row already holds every input to the precision that is hashed
    and ranked. (A mean or best-of would also need each member's sources and unrounded score.)"""
    return params.subject == "member" and params.metric == "total"


def _kept_participants(snapshot_id: int, in_rows: bool) -> tuple[str, list]:
    """A derived table of the participants' inputs `snapshot_id` kept, with its columns named as
    in `rk_pp` (and a non-null `id`), and its parameters."""
    if in_rows:
        columns = ", ".join(f"{kept} AS {name}" for name, kept in KEPT_IN_ROWS.items())
        return (
            f"""(SELECT r.id AS id, {columns} FROM rankings_snapshotrow r
            LEFT JOIN rankings_snapshotunit u ON u.snapshot_id = r.snapshot_id AND u.unit_id = r.unit_id
            WHERE r.snapshot_id = %s)""",
            [snapshot_id],
        )
    columns = ", ".join(f"{stored} AS {name}" for name, stored in KEPT_PARTICIPANT_COLUMNS.items())
    return f"(SELECT id, {columns} FROM rankings_snapshotinput WHERE snapshot_id = %s)", [snapshot_id]


def keep_inputs(snapshot_id: int, in_rows: bool) -> None:
    """Store this connection's `rk_pp` (unless its rows hold it: `inputs_in_rows`), `rk_tree`
    with `rk_unit_heads`, and `rk_teams` as the inputs of `snapshot_id`, set-based. Call in the
    transaction writing the snapshot, after its rows."""
    stored = ", ".join(KEPT_PARTICIPANT_COLUMNS.values())
    read = ", ".join(KEPT_PARTICIPANT_COLUMNS)
    with connection.cursor() as cursor:
        if not in_rows:
            cursor.execute(
                f"INSERT INTO rankings_snapshotinput (snapshot_id, {stored}) SELECT %s, {read} FROM rk_pp",
                [snapshot_id],
            )
        cursor.execute(
            """INSERT INTO rankings_snapshotunit (snapshot_id, unit_id, path, depth, name, headcount, kind)
            SELECT %s, tr.unit_id, tr.path, tr.depth, tr.name, COALESCE(h.n, 0), COALESCE(tr.kind, '')
            FROM rk_tree tr LEFT JOIN rk_unit_heads h ON h.unit_id = tr.unit_id""",
            [snapshot_id],
        )
        cursor.execute(
            "INSERT INTO rankings_snapshotteam (snapshot_id, team_id, unit_id, roster) "
            "SELECT %s, team_id, unit_id, roster FROM rk_teams",
            [snapshot_id],
        )


def load_inputs(snapshot_id: int, in_rows: bool) -> None:
    """Create `rk_tree`, `rk_unit_heads`, `rk_teams` and `rk_pp` on this connection from the
    inputs `snapshot_id` kept (in its rows if `in_rows`), in place of today's facts."""
    kept, kept_args = _kept_participants(snapshot_id, in_rows)
    with connection.cursor() as cursor:
        _drop_temp(cursor)
        cursor.execute(
            "CREATE TEMP TABLE rk_tree AS SELECT unit_id, path, depth, name, kind "
            "FROM rankings_snapshotunit WHERE snapshot_id = %s",
            [snapshot_id],
        )
        cursor.execute("CREATE INDEX rk_tree_unit ON rk_tree (unit_id)")
        cursor.execute("CREATE INDEX rk_tree_path ON rk_tree (path)")
        cursor.execute(
            "CREATE TEMP TABLE rk_unit_heads AS SELECT unit_id, path, kind, headcount AS n "
            "FROM rankings_snapshotunit WHERE snapshot_id = %s",
            [snapshot_id],
        )
        cursor.execute(
            "CREATE TEMP TABLE rk_teams AS SELECT team_id, unit_id, roster FROM rankings_snapshotteam "
            "WHERE snapshot_id = %s",
            [snapshot_id],
        )
        cursor.execute(
            f"CREATE TEMP TABLE rk_pp AS SELECT {', '.join(KEPT_PARTICIPANT_COLUMNS)} FROM {kept} kept", kept_args
        )


def drift(snapshot_id: int, in_rows: bool, *, by_kind: bool) -> dict[str, int]:
    """How today's facts differ from the inputs `snapshot_id` kept (in its rows if `in_rows`).
    Call after building this connection's `rk_pp`, `rk_unit_heads` and `rk_teams` from today's
    facts: counts of participants' results added, changed and gone since, and of units and teams
    whose headcount changed (or that came or went). A unit's kind counts only for a ranking
    `by_kind`, as in its input hash: a ranking by tree level does not read kinds."""
    key = "kept.subject_id = now.subject_id AND COALESCE(kept.member_id, 0) = COALESCE(now.member_id, 0)"
    same = " AND ".join(
        f"{_text('now.' + name, HASH_PLACES.get(name))} = {_text('kept.' + name, HASH_PLACES.get(name))}"
        for name in KEPT_PARTICIPANT_COLUMNS
    )
    kept, kept_args = _kept_participants(snapshot_id, in_rows)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT SUM(CASE WHEN kept.id IS NULL THEN 1 ELSE 0 END),
                       SUM(CASE WHEN kept.id IS NOT NULL AND NOT ({same}) THEN 1 ELSE 0 END)
            FROM rk_pp now LEFT JOIN {kept} kept ON {key}""",
            kept_args,
        )
        added, changed = (int(value or 0) for value in cursor.fetchone())
        cursor.execute(
            f"SELECT COUNT(*) FROM {kept} kept LEFT JOIN rk_pp now ON {key} WHERE now.subject_id IS NULL", kept_args
        )
        gone = int(cursor.fetchone()[0])
        cursor.execute(
            """SELECT
                (SELECT COUNT(*) FROM rk_unit_heads now
                 LEFT JOIN rankings_snapshotunit kept ON kept.snapshot_id = %s AND kept.unit_id = now.unit_id
                 WHERE kept.id IS NULL OR kept.headcount <> now.n OR kept.path <> now.path
                    OR (%s AND kept.kind <> '' AND kept.kind <> now.kind))
              + (SELECT COUNT(*) FROM rankings_snapshotunit kept
                 WHERE kept.snapshot_id = %s AND kept.unit_id NOT IN (SELECT unit_id FROM rk_unit_heads)),
                (SELECT COUNT(*) FROM rk_teams now
                 LEFT JOIN rankings_snapshotteam kept ON kept.snapshot_id = %s AND kept.team_id = now.team_id
                 WHERE kept.id IS NULL OR kept.roster <> now.roster
                    OR COALESCE(kept.unit_id, 0) <> COALESCE(now.unit_id, 0))
              + (SELECT COUNT(*) FROM rankings_snapshotteam kept
                 WHERE kept.snapshot_id = %s AND kept.team_id NOT IN (SELECT team_id FROM rk_teams))""",
            [snapshot_id, by_kind, snapshot_id, snapshot_id, snapshot_id],
        )
        units, teams = (int(value or 0) for value in cursor.fetchone())
    return {"added": added, "changed": changed, "gone": gone, "units": units, "teams": teams}
