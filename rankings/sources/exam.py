"""Exam papers and online contests: the attempt that counts per member; for a team ranking of an
online contest, the legs of the relay run on its paper."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from ..sql import Sql, facts_checksum, period_conditions, placed, seconds_between
from .base import SourceKind

if TYPE_CHECKING:
    from ..models import RankingRule, RuleSource
    from ..params import RuleParams, Source


class ExamSource(SourceKind):
    kind = "exam"
    answers = True

    def check(self, source: RuleSource, rule: RankingRule | None) -> None:
        if not source.paper_id:
            raise ValidationError({"paper": _("Choose the paper.")})

    def facts(self, source: Source, params: RuleParams) -> Sql:
        """One finished attempt per member, chosen by the paper's grading (best, first or last), with
        its questions and right answers (an unanswered question counts as asked, not right)."""
        used = seconds_between("a.finished_at", "a.started_at")
        period, period_args = period_conditions("a.finished_at", params)
        where = ["a.paper_id = %s", "a.status IN ('submitted', 'expired')", *period]
        args = [source.paper_id, *period_args]
        return Sql().add(
            f"""
            SELECT x.member_id AS member_id, CAST(NULL AS INTEGER) AS team_id, x.unit_id AS unit_id,
                   x.score * %s AS score, x.time_s AS time_s, x.finished_at AS finished_at,
                   COALESCE(ic.right_n, 0) AS right_n, COALESCE(ic.asked_n, 0) AS asked_n
            FROM (SELECT a.id, a.member_id, COALESCE(a.unit_at_start_id, pl.unit_id, u.unit_id) AS unit_id, a.score,
                         {used} AS time_s, a.finished_at,
                         ROW_NUMBER() OVER (PARTITION BY a.member_id ORDER BY
                            CASE p.grading WHEN 'best' THEN -a.score ELSE 0 END,
                            CASE p.grading WHEN 'last' THEN -a.number WHEN 'first' THEN a.number ELSE 0 END,
                            {used}, a.finished_at, a.id) AS rn
                  FROM lessons_attempt a JOIN lessons_paper p ON p.id = a.paper_id
                  JOIN orgs_user u ON u.id = a.member_id
                  LEFT JOIN rk_place pl ON pl.member_id = a.member_id AND {placed("pl", "a.started_at")}
                  WHERE {" AND ".join(where)}) x
            LEFT JOIN (SELECT ai.attempt_id, COUNT(*) AS asked_n,
                              SUM(CASE WHEN ans.is_correct THEN 1 ELSE 0 END) AS right_n
                       FROM lessons_attemptitem ai JOIN lessons_attempt aa ON aa.id = ai.attempt_id
                       LEFT JOIN lessons_answer ans ON ans.item_id = ai.id
                       WHERE aa.paper_id = %s GROUP BY ai.attempt_id) ic ON ic.attempt_id = x.id
            WHERE x.rn = 1""",
            source.weight,
            *args,
            source.paper_id,
        )

    def checksums(self, source: RuleSource, rule: RankingRule) -> list[str]:
        return [
            facts_checksum(
                "lessons_attempt",
                {
                    "score": "number",
                    "member_id": "integer",
                    "number": "integer",
                    "unit_at_start_id": "integer",
                    "started_at": "time",
                    "finished_at": "time",
                },
                "paper_id = %s AND finished_at IS NOT NULL",
                (source.paper_id,),
            )
        ]


class OnlineSource(ExamSource):
    """An online contest is graded on its own paper, as an exam; a team ranking reads the relay
    run on it instead (the source names the paper)."""

    kind = "online"
    teams = "relay"

    def check(self, source: RuleSource, rule: RankingRule | None) -> None:
        if not (source.paper_id and hasattr(source.paper, "online_contest")):
            raise ValidationError({"paper": _("Choose an online contest.")})
        # A team ranking reads an online contest's teams, which only a relay has.
        if rule is not None and rule.subject == "team" and not hasattr(source.paper.online_contest, "relay"):
            raise ValidationError({"paper": _("Teams are ranked from a team relay: choose a relay.")})

    def facts(self, source: Source, params: RuleParams) -> Sql:
        if params.teams == "relay":
            return self.relay_facts(source, params)
        return super().facts(source, params)

    def relay_facts(self, source: Source, params: RuleParams) -> Sql:
        """For a team ranking, the legs of the relay run on the online contest's paper: each finished
        leg (in the period) for its team and the member who ran it, in the unit recorded for the
        runner when the roster was made; and each team's own record, so a team with no leg run is
        still listed. A skipped, waiting or unrun leg adds nothing: a team keeps what it has."""
        period, period_args = period_conditions("l.finished_at", params)
        relay_of_paper = (
            "JOIN contests_relaycontest rc ON rc.id = t.relay_id "
            "JOIN contests_onlinecontest oc ON oc.id = rc.online_id AND oc.paper_id = %s"
        )
        return Sql().add(
            f"""
            SELECT l.holder_id AS member_id, l.team_id AS team_id, COALESCE(r.unit_at_start_id, t.unit_id) AS unit_id,
                   l.score * %s AS score, l.time_used_s AS time_s, l.finished_at AS finished_at,
                   l."right" AS right_n, l.questions AS asked_n
            FROM contests_relayleg l JOIN contests_relayteam t ON t.id = l.team_id
            JOIN contests_relayrunner r ON r.id = l.runner_id
            {relay_of_paper}
            WHERE {" AND ".join(["l.status = 'finished'", *period])}
            UNION ALL
            SELECT NULL, t.id, t.unit_id, 0, 0, NULL, 0, 0
            FROM contests_relayteam t {relay_of_paper}""",
            source.weight,
            source.paper_id,
            *period_args,
            source.paper_id,
        )

    def checksums(self, source: RuleSource, rule: RankingRule) -> list[str]:
        parts = super().checksums(source, rule)
        if rule.subject == "team":
            parts += self.relay_checksums(source.paper_id)
        return parts

    def relay_checksums(self, paper_id: int) -> list[str]:
        """Checksums of what a relay team ranking reads of the relay run on `paper_id`: its teams,
        their places and their legs."""
        teams = (
            "SELECT t.id FROM contests_relayteam t JOIN contests_relaycontest rc ON rc.id = t.relay_id "
            "JOIN contests_onlinecontest oc ON oc.id = rc.online_id WHERE oc.paper_id = %s"
        )
        legs = {
            "holder_id": "number",
            "runner_id": "number",
            "score": "number",
            '"right"': "number",
            "questions": "number",
            "time_used_s": "number",
            "finished_at": "time",
        }
        return [
            facts_checksum("contests_relayteam", {"unit_id": "number"}, f"id IN ({teams})", (paper_id,)),
            facts_checksum(
                "contests_relayrunner",
                {"team_id": "number", "unit_at_start_id": "number"},
                f"team_id IN ({teams})",
                (paper_id,),
            ),
            facts_checksum("contests_relayleg", legs, f"team_id IN ({teams})", (paper_id,)),
        ]
