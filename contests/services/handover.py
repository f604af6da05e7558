"""The host hands a runner's remaining relay legs to a teammate (a phone died, the runner left
the hall): recorded as a `LegHandover`, never by rewriting the roster frozen at the start."""

from datetime import datetime

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orgs.models import User

from .. import broadcast
from ..models import Contest, ContestAnswer, LegHandover, Opening, Round, RoundQuestion, Team, TeamMember
from .common import ContestRejected, audit
from .hosting import _check_reason_length, check_not_finished, check_started
from .playing import baton_in_turn, baton_path, relay_order


@transaction.atomic
def legs_hand_over(
    *,
    contest: Contest,
    team: Team,
    from_member_id: int,
    to_member_id: int,
    by: User | None,
    reason: str = "",
    at: datetime | None = None,
) -> LegHandover:
    """Give every relay leg `from_member_id` holds for `team`, from the team's next unanswered
    relay question on, to its teammate `to_member_id`: the question in play if it is still open
    and the team has not answered it, otherwise the first relay question not yet shown. Refused
    (ContestRejected, nothing written) before the start (`not_started`), after the finish
    (`results_final`), in a contest without relay rounds (`not_a_relay`), to the same member
    (`same_member`), from or to a member not on the team (`not_on_team`), from a member holding no
    leg from then on (`not_a_runner`), and when no relay question is left (`no_legs_left`).

    Takes the contest's row lock, then the question in play's (the answer batches hold it shared
    while they write): an answer is either in before the hand-over, or judged by it."""
    at = at or timezone.now()
    contest = Contest.objects.select_for_update().get(pk=contest.pk)
    check_started(contest, _("The contest has not started yet: the relay order can still be changed in its setup."))
    check_not_finished(contest)
    if not contest.rounds.filter(type=Round.Type.RELAY).exists():
        raise ContestRejected("not_a_relay", _("This contest has no relay round: there are no legs to hand over."))
    _check_reason_length(reason)
    if from_member_id == to_member_id:
        raise ContestRejected("same_member", _("Choose a teammate other than the runner handing over."))
    on_team = set(TeamMember.objects.filter(team=team).values_list("member_id", flat=True))
    if from_member_id not in on_team or to_member_id not in on_team:
        raise ContestRejected("not_on_team", _("Both members must be on this team."))
    Opening.objects.select_for_update().filter(pk=contest.current_id).first()
    remaining = _relay_questions_left(contest, team)
    if not remaining:
        raise ContestRejected("no_legs_left", _("This team has no relay question left to answer."))
    legs, handovers = relay_order(contest.pk, team_ids=[team.pk])
    members, handed = legs.get(team.pk, []), handovers.get(team.pk, [])
    if not any(
        members and baton_in_turn(members, handed, q.round.position, q.position) == from_member_id for q in remaining
    ):
        raise ContestRejected("not_a_runner", _("That member holds none of the team's remaining relay legs."))
    handover = LegHandover.objects.create(
        contest=contest,
        team=team,
        from_member_id=from_member_id,
        to_member_id=to_member_id,
        from_question=remaining[0],
        reason=reason,
        by=by,
        at=at,
    )
    Contest.objects.filter(pk=contest.pk).update(baton_version=F("baton_version") + 1)
    audit(
        contest,
        by,
        "hand_over",
        team=team.pk,
        from_member=from_member_id,
        to_member=to_member_id,
        round=remaining[0].round.position,
        position=remaining[0].position,
        reason=reason,
    )
    broadcast.after_commit(contest, "baton.handed")
    return handover


def _relay_questions_left(contest: Contest, team: Team) -> list[RoundQuestion]:
    """The relay questions `team` may still answer, in round order: the one in play while it is
    open and the team has not answered it, and those not yet shown."""
    left = Q(opening__isnull=True)
    if contest.current_id and not ContestAnswer.objects.filter(opening_id=contest.current_id, team=team).exists():
        left |= Q(opening__pk=contest.current_id, opening__closed_at__isnull=True, opening__skipped=False)
    return list(
        RoundQuestion.objects.filter(left, round__contest=contest, round__type=Round.Type.RELAY)
        .select_related("round")
        .order_by("round__position", "position")
    )


def relay_questions_ahead(contest: Contest) -> bool:
    """Whether a relay question of the contest is still to be shown: until then every runner
    holding a leg may hand it over (`legs_hand_over`), whatever is in play."""
    return RoundQuestion.objects.filter(
        round__contest=contest, round__type=Round.Type.RELAY, opening__isnull=True
    ).exists()


def relay_runners_ahead(contest: Contest) -> dict[str, list[int]]:
    """Every team's members holding the baton (after the hand-overs) of at least one relay
    question not yet shown, by team id as a string, in relay order: the runners `legs_hand_over`
    takes from beyond the question in play. A runner whose legs all fall past the last relay
    question, or who handed them over, is in no list."""
    unshown = set(
        RoundQuestion.objects.filter(
            round__contest=contest, round__type=Round.Type.RELAY, opening__isnull=True
        ).values_list("round__position", "position")
    )
    if not unshown:
        return {}
    legs, handovers = relay_order(contest.pk)
    ahead = {}
    for team_id, members in legs.items():
        handed = handovers.get(team_id, ())
        holders = {baton_in_turn(members, handed, round_position, position) for round_position, position in unshown}
        in_order = dict.fromkeys([*members, *(h.to_member for h in handed)])
        ahead[str(team_id)] = [member for member in in_order if member in holders]
    return ahead


def handovers_made(contest: Contest) -> list[LegHandover]:
    """The contest's hand-overs in the order made, with their team, members, first question and host."""
    return list(
        LegHandover.objects.filter(contest=contest)
        .select_related("team__unit", "from_member", "to_member", "from_question__round", "by")
        .order_by("pk")
    )


def legs_handed_from(contest: Contest) -> dict[tuple[int, int], int]:
    """For each relay question played whose leg a team's runner had handed over (`legs_hand_over`),
    the runner it was handed from, by (opening id, team id): the results name who held each leg."""
    if not contest.baton_version:
        return {}
    legs, handovers = relay_order(contest.pk)
    handed_from = {}
    for opening_id, round_position, position in Opening.objects.filter(
        contest=contest, question__round__type=Round.Type.RELAY
    ).values_list("pk", "question__round__position", "question__position"):
        for team_id, members in legs.items():
            path = baton_path(members, handovers.get(team_id, ()), round_position, position)
            if len(path) > 1:
                handed_from[opening_id, team_id] = path[-2]
    return handed_from
