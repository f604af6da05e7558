"""Risk rounds: each team stakes one of the offered values, or abstains."""

from collections.abc import Collection
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from ..errors import ContestRejected
from ..models import Contest, Opening, Round
from .base import AnswerBatch, RoundKind

if TYPE_CHECKING:
    from ..wizard.services import RoundSettings


class Risk(RoundKind):
    """Shown first while teams pick stakes, then opened; only a team that staked answers. A right
    answer adds the stake and a wrong one, or none, takes it off."""

    type = Round.Type.RISK
    two_step = True
    shown_phase = "picking"
    takes_stakes = True
    settings = ("time_limit_s", "risk_tiers")
    default_risk_tiers = (10, 20, 30)
    left_out_note = "nostake"

    def check_settings(self, settings: "RoundSettings") -> None:
        if not settings.risk_tiers or min(settings.risk_tiers) <= 0:
            raise ContestRejected("risk_tiers", _("A risk round needs stake values above 0, like 10, 20, 30."))

    def check_answerer(self, batch: AnswerBatch, member_id: int, team_id: int) -> None:
        if not batch.stakes.get(team_id):
            raise ContestRejected("no_stake", _("Your team did not stake on this question."))

    def eligible_teams(self, opening: Opening) -> int:
        return opening.risk_picks.filter(value__gt=0).count()

    def answer_teams(self, opening: Opening) -> list[int] | None:
        """The teams that staked, once the question is open (none while they pick)."""
        if not opening.opened_at:
            return []
        return sorted(opening.risk_picks.filter(value__gt=0).values_list("team_id", flat=True))

    def stakes(self, opening: Opening, *, team_ids: Collection[int] | None = None) -> dict[int, int]:
        picks = opening.risk_picks.all() if team_ids is None else opening.risk_picks.filter(team_id__in=team_ids)
        return dict(picks.values_list("team_id", "value"))

    def answer_points(self, round_: Round, correct: bool, stake: int | None) -> tuple[int, str]:
        return (stake if correct else -stake), ("right" if correct else "wrong")

    def unanswered_points(self, *, stakes: dict[int, int], answered: Collection[int]) -> dict[int, int]:
        """A team that staked and did not answer loses its stake, as if it had answered wrong."""
        return {team_id: -stake for team_id, stake in stakes.items() if stake and team_id not in answered}

    def frame_extras(self, opening: Opening, contest: Contest) -> dict:
        """The teams that have picked; once the question is open, their stakes too."""
        picks = dict(opening.risk_picks.values_list("team_id", "value"))
        extras: dict = {"picked": sorted(picks)}
        if opening.opened_at:
            extras["stakes"] = {str(k): v for k, v in picks.items()}
        return extras
