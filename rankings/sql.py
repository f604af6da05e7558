"""SQL both dialects understand, shared by the computation (`rankings.compute`), the sources'
facts (`rankings.sources`) and the inputs' fingerprints (`rankings.services`): the statement
builder, the period and placement conditions, and checksums over facts tables."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import connection

if TYPE_CHECKING:
    from .params import RuleParams


def postgres() -> bool:
    return connection.vendor == "postgresql"


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


def seconds_between(end: str, start: str) -> str:
    if postgres():
        return f"EXTRACT(EPOCH FROM ({end} - {start}))"
    return f"((julianday({end}) - julianday({start})) * 86400.0)"


def instant(moment) -> object:
    """A UTC instant as the database compares it with its timestamp columns."""
    return connection.ops.adapt_datetimefield_value(moment)


def period_conditions(column: str, params: RuleParams, *, is_day: bool = False) -> tuple[list[str], list]:
    """Conditions keeping `column` inside the rule's period, both days included. The days are
    local calendar days: a timestamp column is compared with the local midnights bounding them,
    a day column (already a local day) with the days themselves."""
    where, args = [], []
    if is_day:
        if params.period_starts_on:
            where.append(f"{column} >= %s")
            args.append(params.period_starts_on)
        if params.period_ends_on:
            where.append(f"{column} <= %s")
            args.append(params.period_ends_on)
        return where, args
    if params.period_start:
        where.append(f"{column} >= %s")
        args.append(instant(params.period_start))
    if params.period_end:
        where.append(f"{column} < %s")
        args.append(instant(params.period_end))
    return where, args


def placed(alias: str, at: str) -> str:
    """`rk_place` row `alias` is the member's placement at time `at` (before the first recorded
    placement, the first one)."""
    return f"({alias}.since IS NULL OR {alias}.since <= {at}) AND ({alias}.until IS NULL OR {at} < {alias}.until)"


# ---------------------------------------------------------------- fingerprints

CHECKSUM_MODULUS = 1_000_003  # a prime: each column's contribution stays within 64-bit sums


def epoch_ms(column: str) -> str:
    """Milliseconds since the epoch of timestamp `column`, rounded half away from zero.

    On PostgreSQL the same integer as `EXTRACT(EPOCH FROM column) * 1000`, which fingerprints kept
    before were taken with, at half its cost over a million facts: EXTRACT computes in
    NUMERIC. The double `date_part` is within a quarter microsecond of the exact epoch for any
    date before 2200, so rounding it to whole microseconds is exact, and the rest is integer
    arithmetic."""
    if not postgres():
        return f"(julianday({column}) - 2440587.5) * 86400000"
    epoch = f"date_part('epoch', {column})"
    micros = f"CAST(ROUND({epoch} * 1000000) AS BIGINT)"
    return f"(({micros} + CASE WHEN {epoch} < 0 THEN -500 ELSE 500 END) / 1000)"


def as_integer(column: str, kind: str) -> str:
    """`column` as an integer that changes whenever its value does (to the precision kept)."""
    if kind == "number":  # points, scores and hours to two decimals
        value = f"ROUND({column} * 100)"
    elif kind == "integer":  # ids and counts: the same value as "number" gives, in integer arithmetic
        value = f"CAST({column} AS BIGINT) * 100"
    elif kind == "time":  # milliseconds since the epoch
        value = epoch_ms(column)
    elif kind == "day":
        value = f"({column} - DATE '2000-01-01')" if postgres() else f"julianday({column})"
    else:  # "flag"
        value = f"CASE WHEN {column} THEN 1 ELSE 0 END"
    return f"COALESCE(CAST({value} AS BIGINT), 0)"


def facts_checksum(table: str, columns: dict[str, str], where: str = "1 = 1", args: tuple = ()) -> str:
    """Count, newest id and, per column, a position-weighted checksum of `table`'s rows matching
    `where`, computed in the database: an edit to a kept column of any row changes it, even when
    the count and the newest id stay. `columns` maps each column to its kind (see `as_integer`;
    "integer" for integer columns: cheaper than "number", same checksum)."""
    # '%%': the statement goes through parameter formatting on both databases.
    sums = [
        f"SUM(((id %% 97) + 1) * ({as_integer(column, kind)} %% {CHECKSUM_MODULUS}))"
        for column, kind in columns.items()
    ]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*), MAX(id), {', '.join(sums)} FROM {table} WHERE {where}", list(args))
        return ":".join("" if value is None else str(int(value)) for value in cursor.fetchone())
