"""Compulsory rounds: every team answers, or each question is dealt to one team in turn."""

from django.utils.translation import gettext_lazy as _

from ..errors import ContestRejected
from ..models import Opening, Round
from .base import AnswerBatch, RoundKind


class Compulsory(RoundKind):
    """A question dealt to a team is that team's alone; a wrong answer costs nothing by default."""

    type = Round.Type.COMPULSORY
    settings = ("points", "penalty", "time_limit_s", "teams_in_turn")
    left_out_note = "notyours"

    def default_penalty(self, points: int) -> int:
        return 0

    def check_answerer(self, batch: AnswerBatch, member_id: int, team_id: int) -> None:
        if batch.opening.question.team_id not in (None, team_id):
            raise ContestRejected("not_your_question", _("This question belongs to another team."))

    def answer_teams(self, opening: Opening) -> list[int] | None:
        return [opening.question.team_id] if opening.question.team_id else None

    def eligible_teams(self, opening: Opening) -> int:
        return 1 if opening.question.team_id else super().eligible_teams(opening)
