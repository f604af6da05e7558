"""Self-study: points earned and study hours granted, per member, in the unit of their time."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..sql import Sql, facts_checksum, period_conditions
from .base import SourceKind, member_totals

if TYPE_CHECKING:
    from ..models import RankingRule, RuleSource
    from ..params import RuleParams, Source


class PointsSource(SourceKind):
    kind = "points"

    def facts(self, source: Source, params: RuleParams) -> Sql:
        """Self-study points in the period (one activity, or all)."""
        where, args = period_conditions("f.day", params, is_day=True)
        if source.activity:
            where.append("f.activity = %s")
            args.append(source.activity)
        return member_totals(
            source, table="lessons_pointevent", amount="f.points", at="f.occurred_at", where=where, args=args
        )

    def checksums(self, source: RuleSource, rule: RankingRule) -> list[str]:
        where, args = ["1 = 1"], []
        if rule.period_starts_on:
            where.append("day >= %s")
            args.append(rule.period_starts_on)
        if rule.period_ends_on:
            where.append("day <= %s")
            args.append(rule.period_ends_on)
        if source.activity:
            where.append("activity = %s")
            args.append(source.activity)
        return [
            facts_checksum(
                "lessons_pointevent",
                {"points": "integer", "member_id": "integer", "day": "day", "occurred_at": "time"},
                " AND ".join(where),
                tuple(args),
            )
        ]


class StudyHoursSource(SourceKind):
    kind = "study_hours"

    def facts(self, source: Source, params: RuleParams) -> Sql:
        """Study hours granted for micro-classes completed in the period."""
        where, args = period_conditions("f.granted_at", params)
        return member_totals(
            source, table="lessons_studycredit", amount="f.hours", at="f.granted_at", where=where, args=args
        )

    def checksums(self, source: RuleSource, rule: RankingRule) -> list[str]:
        columns = {"hours": "number", "member_id": "integer", "granted_at": "time"}
        return [facts_checksum("lessons_studycredit", columns)]
