"""Prize tiers for anything placed in order, by the one rule rankings use for snapshots.

A snapshot's tiers are assigned in SQL (`compute.prize_case`) over its rows; other rankings of the
platform (a call's judged entries) give their places here and get each its tier from the very same
CASE expression, run over the places as a VALUES table, so the two can never drift apart: by count
(cumulative, best first), by percentage of the ranked (cumulative, rounded as asked) or by score
band, and ties at a boundary either all take the tier or, as a group, drop to the next.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import connection

from .compute import prize_case
from .params import RuleParams

BATCH = 2000


@dataclass(frozen=True)
class Placed:
    """One ranked subject: its place (1, 2, 2, 4 ...), how many share it, and its score."""

    place: int
    tied_count: int
    metric: Decimal


def award(
    placed: list[Placed], *, mode: str, tiers: list[tuple[str, Decimal]], boundary_ties: str, rounding: str
) -> list[str]:
    """The prize of each placed subject, in the given order ("" for none). `mode` is count,
    percent or band; tiers are (name, value) best first, the value a count, a percentage or the
    lowest score of the band."""
    if not placed or not tiers:
        return [""] * len(placed)
    params = RuleParams(
        rule_id=0,
        unit_path="",
        subject="member",
        prize_mode=mode,
        prize_tiers=tuple({"name": name, "value": float(value)} for name, value in tiers),
        boundary_ties=boundary_ties,
        percent_rounding=rounding,
    )
    case = prize_case(params)
    prizes: list[str] = []
    # The CASE reads only its own row (and the total count, passed on every row), so the rows may
    # go in batches: SQLite binds at most 32,766 parameters a statement.
    for first in range(0, len(placed), BATCH):
        batch = placed[first : first + BATCH]
        rows = ", ".join(["(%s, %s, %s, %s, 1, %s)"] * len(batch))
        values: list = []
        for index, row in enumerate(batch):
            # A float, not a Decimal: SQLite would bind a Decimal as text, which outsorts every number.
            values += [index, row.place, row.tied_count, float(row.metric), len(placed)]
        with connection.cursor() as cursor:
            cursor.execute(
                f"WITH ranked(k, place, tied_count, metric, e, eligible_n) AS (VALUES {rows}) "  # noqa: S608 - placeholders only
                f"SELECT k, {case.text} FROM ranked ORDER BY k",
                values + case.params,
            )
            prizes += [prize or "" for _k, prize in cursor.fetchall()]
    return prizes
