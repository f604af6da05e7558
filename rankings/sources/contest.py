"""Live contests: score events, rosters, answers and each team's base score."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from contests.rounds import KINDS

from ..sql import Sql, facts_checksum, seconds_between
from .base import SourceKind

if TYPE_CHECKING:
    from ..models import RankingRule, RuleSource
    from ..params import RuleParams, Source


class ContestSource(SourceKind):
    kind = "contest"
    teams = "contest"
    answers = True

    def check(self, source: RuleSource, rule: RankingRule | None) -> None:
        if not source.contest_id:
            raise ValidationError({"contest": _("Choose the contest.")})
        if source.contest.is_rehearsal:
            raise ValidationError({"contest": _("This is a rehearsal: it keeps no results.")})

    def not_ready(self, source: RuleSource) -> str:
        """A contest still being prepared has never been played: every team would take its base
        score, all tied, prizes and all. One running (or paused) may be ranked: a live board."""
        from contests.models import Contest

        if source.contest.status == Contest.Status.DRAFT:
            return _(
                "“%(contest)s” has not started yet: a ranking of it would give every team only its base "
                "score. Compute this ranking once the contest has started."
            ) % {"contest": source.contest.display_title}
        return ""

    def facts(self, source: Source, params: RuleParams) -> Sql:
        """Score events per (member, team) with the roster (taking part counts even without points),
        and each team's base score. Members count in the unit recorded when the contest started.

        Events and roster come in one FULL JOIN on (member, team): a member's events and their place
        on the roster make one row, not two for the aggregation to add up. Events for a team the
        member is not on the roster of (moved since) still count in the unit their roster place
        records.

        Time used is the time of every answer, right or wrong (a wrong answer may score nothing and so
        leave no score event) of a revealed question (a skipped one counts for no one); only events
        outside any question (entered by hand) bring their own. A team that did not answer a question
        of a round whose time breaks ties (relay) counts the time until it closed, as the contest's
        own results do: not answering never makes a team faster. (The close is set before the
        reveal and never after, so the openings' checksum need not cover it.) A team finishes with
        its last score event of the contest itself: an organiser's correction after the finish (an
        appeal, days later) changes its points, not when it finished."""
        w = source.weight
        answer_s = f"CASE WHEN o.opened_at IS NULL THEN 0 ELSE {seconds_between('ca.received_at', 'o.opened_at')} END"
        unanswered_s = seconds_between("COALESCE(o.closed_at, o.revealed_at)", "o.opened_at")
        timed = [kind.type for kind in KINDS.values() if kind.times_break_ties]
        return Sql().add(
            f"""
            SELECT COALESCE(se.member_id, tm.member_id) AS member_id, COALESCE(se.team_id, tm.team_id) AS team_id,
                   COALESCE(tm.unit_at_start_id,
                            CASE WHEN tm.id IS NULL AND se.member_id IS NOT NULL THEN
                                (SELECT x.unit_at_start_id FROM contests_teammember x
                                 WHERE x.contest_id = %s AND x.member_id = se.member_id) END,
                            t.unit_id) AS unit_id,
                   COALESCE(se.points * %s, 0) AS score, COALESCE(se.time_s, 0) AS time_s, se.finished AS finished_at,
                   0 AS right_n, 0 AS asked_n
            FROM (SELECT member_id, team_id, SUM(points) AS points,
                         SUM(CASE WHEN opening_id IS NULL THEN COALESCE(time_used_ms, 0) ELSE 0 END) / 1000.0 AS time_s,
                         MAX(CASE WHEN reason <> 'correction' THEN created_at END) AS finished
                  FROM contests_scoreevent WHERE contest_id = %s GROUP BY member_id, team_id) se
            FULL JOIN (SELECT id, member_id, team_id, unit_at_start_id FROM contests_teammember
                       WHERE contest_id = %s) tm
                ON tm.member_id = se.member_id AND tm.team_id = se.team_id
            JOIN contests_team t ON t.id = COALESCE(se.team_id, tm.team_id)
            UNION ALL
            SELECT an.member_id, an.team_id, COALESCE(tm.unit_at_start_id, t.unit_id), 0, an.time_s, NULL,
                   an.right_n, an.asked_n
            FROM (SELECT ca.member_id, ca.team_id, SUM(CASE WHEN {answer_s} < 0 THEN 0 ELSE {answer_s} END) AS time_s,
                         SUM(CASE WHEN ca.is_correct THEN 1 ELSE 0 END) AS right_n, COUNT(*) AS asked_n
                  FROM contests_contestanswer ca JOIN contests_opening o ON o.id = ca.opening_id
                  WHERE o.contest_id = %s AND o.revealed_at IS NOT NULL GROUP BY ca.member_id, ca.team_id) an
            JOIN contests_team t ON t.id = an.team_id
            LEFT JOIN contests_teammember tm ON tm.contest_id = %s AND tm.member_id = an.member_id
            UNION ALL
            SELECT NULL, t.id, t.unit_id, c.base_score * %s, 0, NULL, 0, 0
            FROM contests_team t JOIN contests_contest c ON c.id = t.contest_id WHERE t.contest_id = %s
            UNION ALL
            SELECT NULL, t.id, t.unit_id, 0, SUM({unanswered_s}), NULL, 0, 0
            FROM contests_opening o
            JOIN contests_roundquestion rq ON rq.id = o.question_id
            JOIN contests_round r ON r.id = rq.round_id
            JOIN contests_team t ON t.contest_id = o.contest_id
            WHERE o.contest_id = %s AND o.opened_at IS NOT NULL AND o.revealed_at IS NOT NULL AND NOT o.skipped
              AND r.type IN ({", ".join(["%s"] * len(timed))})
              AND NOT EXISTS (SELECT 1 FROM contests_contestanswer ca WHERE ca.opening_id = o.id AND ca.team_id = t.id)
            GROUP BY t.id, t.unit_id""",
            source.contest_id,
            w,
            source.contest_id,
            source.contest_id,
            source.contest_id,
            source.contest_id,
            w,
            source.contest_id,
            source.contest_id,
            *timed,
        )

    def checksums(self, source: RuleSource, rule: RankingRule) -> list[str]:
        contest = (source.contest_id,)
        in_contest = "opening_id IN (SELECT id FROM contests_opening WHERE contest_id = %s)"
        return [
            facts_checksum(
                "contests_scoreevent",
                {
                    "points": "integer",
                    "member_id": "integer",
                    "team_id": "integer",
                    "time_used_ms": "integer",
                    "opening_id": "integer",
                    "created_at": "time",
                },
                "contest_id = %s",
                contest,
            ),
            facts_checksum(
                "contests_teammember",
                {"member_id": "integer", "team_id": "integer", "unit_at_start_id": "integer"},
                "contest_id = %s",
                contest,
            ),
            facts_checksum("contests_team", {"unit_id": "integer"}, "contest_id = %s", contest),
            facts_checksum(
                "contests_opening", {"opened_at": "time", "revealed_at": "time"}, "contest_id = %s", contest
            ),
            facts_checksum(
                "contests_contestanswer",
                {"member_id": "integer", "team_id": "integer", "received_at": "time"},
                in_contest,
                contest,
            ),
            facts_checksum("contests_contest", {"base_score": "integer"}, "id = %s", contest),
        ]
