"""Buzzer rounds: the first team to buzz once the question is open answers it."""

from django.utils.translation import gettext_lazy as _

from ..errors import ContestRejected
from ..models import Contest, Opening, Round
from .base import AnswerBatch, RoundKind


class Buzzer(RoundKind):
    """Shown first for reading (a buzz then is a foul, costing the early-buzz penalty), then
    opened; the first valid buzz wins the right to answer."""

    type = Round.Type.BUZZER
    two_step = True
    takes_buzzes = True
    settings = ("points", "penalty", "early_buzz_penalty", "time_limit_s")

    def check_answerer(self, batch: AnswerBatch, member_id: int, team_id: int) -> None:
        if batch.opening.buzz_winner_id != team_id:
            raise ContestRejected("no_buzz_right", _("Only the team that won the buzz may answer."))

    def answer_teams(self, opening: Opening) -> list[int] | None:
        return [opening.buzz_winner_id] if opening.buzz_winner_id else []

    def eligible_teams(self, opening: Opening) -> int:
        return 1

    def frame_extras(self, opening: Opening, contest: Contest) -> dict:
        """The team that won the buzz, and the teams that buzzed early."""
        return {
            "buzz_winner": opening.buzz_winner_id,
            "fouls": sorted(opening.buzzes.filter(early=True).values_list("team_id", flat=True)),
        }
