"""Relay rounds: each team's members answer in their relay order."""

from django.utils.translation import gettext_lazy as _

from ..errors import ContestRejected
from ..models import Contest, Opening, Round, TeamMember
from .base import AnswerBatch, RoundKind


class Relay(RoundKind):
    """Question k is for each team's leg ((k - 1) mod legs) + 1; a wrong answer costs nothing by
    default; the teams' answer times break ties on points."""

    type = Round.Type.RELAY
    times_break_ties = True
    answered_by = "baton"

    def default_penalty(self, points: int) -> int:
        return 0

    def check_answerer(self, batch: AnswerBatch, member_id: int, team_id: int) -> None:
        if batch.roster.baton_holder(team_id, batch.opening.question) != member_id:
            raise ContestRejected("leg_not_yours", _("Only the teammate holding the baton may answer this question."))

    def frame_extras(self, opening: Opening, contest: Contest) -> dict:
        """Every team's baton holder, by id with the name to show, and the runner who handed
        this leg to them (`LegHandover`), if one did."""
        from ..services.playing import baton_paths  # the services build on the round kinds

        paths = baton_paths(opening)
        names = dict(
            TeamMember.objects.filter(
                member_id__in={member for path in paths.values() for member in path}, contest=contest
            ).values_list("member_id", "member__real_name")
        )
        return {
            "baton": {
                str(team_id): {
                    "member": path[-1],
                    "name": names.get(path[-1], ""),
                    "handed_from": {"member": path[-2], "name": names.get(path[-2], "")} if len(path) > 1 else None,
                }
                for team_id, path in paths.items()
            }
        }
