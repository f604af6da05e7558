"""Tie-break rounds: sudden death for teams level on points."""

from ..models import Round
from .base import RoundKind


class TieBreak(RoundKind):
    """The plain rules: every team answers; a wrong answer costs, by default, what a right one earns."""

    type = Round.Type.TIEBREAK
