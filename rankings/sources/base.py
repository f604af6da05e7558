"""What every kind of ranking source provides, and the SQL the self-study kinds share."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..sql import Sql, placed

if TYPE_CHECKING:
    from ..models import RankingRule, RuleSource
    from ..params import RuleParams, Source


class SourceKind:
    """How a ranking reads one kind of source (`RuleSource.Kind`).

    `facts` gives rows of (member_id, team_id, unit_id, score, time_s, finished_at, right_n,
    asked_n): a member's or a team's result in the unit it counts for, its score already
    weighted by the source's weight. Team rows (member_id NULL) carry a team's own record, such
    as its base score. The computation aggregates them per subject and participant
    (`rankings.compute.build_participants`)."""

    kind = ""
    # Which teams a source of this kind brings to a team ranking ("contest" or "relay"), if any.
    teams: str | None = None
    # Whether its facts count answers (right or wrong, with their time), which the accuracy,
    # right-answers and time-used tie-breaks read.
    answers = False

    def check(self, source: RuleSource, rule: RankingRule | None) -> None:
        """Raise ValidationError (by field) when `source` cannot be read for `rule` (None while
        the source is not attached to one yet)."""

    def not_ready(self, source: RuleSource) -> str:
        """Why `source` has nothing to rank yet (a message for the compute page), or ""."""
        return ""

    def facts(self, source: Source, params: RuleParams) -> Sql:
        raise NotImplementedError

    def checksums(self, source: RuleSource, rule: RankingRule) -> list[str]:
        """Checksums (`rankings.sql.facts_checksum`) of every row `facts` may read for `rule`,
        so that an added, edited or removed fact changes the rule's fingerprint."""
        raise NotImplementedError


def member_totals(source: Source, *, table: str, amount: str, at: str, where: list, args: list) -> Sql:
    """Per member and unit, the weighted sum of `amount` over rows `f` of `table`: each row in the
    unit the member belonged to at its time `at`."""
    unit = "COALESCE(pl.unit_id, u.unit_id)"
    return Sql().add(
        f"""
        SELECT f.member_id AS member_id, CAST(NULL AS INTEGER) AS team_id,
               {unit} AS unit_id, SUM({amount}) * %s AS score, 0 AS time_s, MAX({at}) AS finished_at,
               0 AS right_n, 0 AS asked_n
        FROM {table} f JOIN orgs_user u ON u.id = f.member_id
        LEFT JOIN rk_place pl ON pl.member_id = f.member_id AND {placed("pl", at)}
        WHERE {" AND ".join(["1 = 1", *where])}
        GROUP BY f.member_id, {unit}""",
        source.weight,
        *args,
    )
