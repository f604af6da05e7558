"""Reads for relays: a member's team and its legs, the teams' standings, the organiser's map."""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from fractions import Fraction

from django.db.models import Q, QuerySet
from django.utils import timezone

from lessons.models import Paper
from orgs import access
from orgs.models import User

from .models import RelayContest, RelayLeg, RelayRunner, RelayTeam


def relays_for_member(member: User) -> list[RelayContest]:
    """Relays whose audience holds the member, latest window first."""
    if member.unit is None:
        return []
    ancestors = member.unit.lineage_paths()
    relays = (
        RelayContest.objects.filter(online__audience__path__in=ancestors)
        .select_related("online__paper")
        .distinct()
        .order_by("-online__paper__closes_at")
    )
    return [r for r in relays if not r.online.party_members_only or member.is_party_member]


def relays_managed_by(user: User) -> QuerySet[RelayContest]:
    return RelayContest.objects.filter(access.subtree_q(user, prefix="online__paper__unit__")).select_related(
        "online__paper__unit"
    )


def teams_of_member(relay: RelayContest, member: User) -> list[RelayTeam]:
    """The teams the member runs for: on the roster, holding a replaced leg, or in a unit whose
    branch runs a leg."""
    mine = Q(runners__member=member) | Q(legs__holder=member)
    if member.unit is not None:
        mine |= Q(runners__unit__path__in=member.unit.lineage_paths())
    return list(relay.teams.filter(mine).distinct().select_related("unit", "captain"))


def results_shown(relay: RelayContest, *, at: datetime | None = None) -> bool:
    """Leg scores follow the paper's rule: after each leg, or once the window has closed."""
    paper = relay.online.paper
    return paper.review == Paper.Review.AFTER_SUBMIT or (at or timezone.now()) >= paper.closes_at


@dataclass
class Place:
    """A roster place and its leg (none while the baton has not reached it)."""

    runner: RelayRunner
    leg: RelayLeg | None
    holds_baton: bool = False
    overdue: bool = False

    @property
    def deactivated(self) -> bool:
        """Whether the member this place waits for cannot sign in (deactivated): the baton skips
        them when it arrives, and a leg they already hold waits to be skipped or given to another."""
        if self.leg is not None and self.leg.status != RelayLeg.Status.WAITING:
            return False
        member = self.leg.holder if self.leg is not None and self.leg.holder is not None else self.runner.member
        return member is not None and not member.is_active

    @property
    def name(self) -> str:
        if self.leg is not None and self.leg.holder is not None:
            return self.leg.holder.display_name
        return self.runner.member.display_name if self.runner.member else self.runner.unit.display_name


@dataclass
class TeamRow:
    team: RelayTeam
    places: list[Place] = field(default_factory=list)
    score: Decimal = Decimal(0)
    right: int = 0
    questions: int = 0
    time_used_s: Decimal = Decimal(0)  # the finished legs' seconds, to the millisecond
    legs_run: int = 0
    rank: int = 0

    @property
    def accuracy(self) -> float | None:
        return round(100 * self.right / self.questions, 1) if self.questions else None

    @property
    def baton(self) -> Place | None:
        return next((p for p in self.places if p.holds_baton), None)

    @property
    def participation(self) -> float:
        return round(100 * self.legs_run / len(self.places), 1) if self.places else 0.0


def team_rows(
    relay: RelayContest, *, teams: list[RelayTeam] | None = None, at: datetime | None = None
) -> list[TeamRow]:
    """Teams with their places and totals, ranked: score (the sum of the legs), then accuracy,
    then less total time. Ties share a rank."""
    at = at or timezone.now()
    teams = teams if teams is not None else list(relay.teams.select_related("unit", "captain"))
    runners = RelayRunner.objects.filter(team__in=teams).select_related("member", "unit").order_by("position")
    legs = {
        (leg.team_id, leg.position): leg
        for leg in RelayLeg.objects.filter(team__in=teams).select_related("holder", "holder_unit", "skipped_by")
    }
    rows = {team.pk: TeamRow(team=team) for team in teams}
    for runner in runners:
        row = rows[runner.team_id]
        leg = legs.get((runner.team_id, runner.position))
        place = Place(runner=runner, leg=leg, holds_baton=leg is not None and row.team.baton_id == leg.pk)
        if leg is not None and leg.status == RelayLeg.Status.WAITING:
            place.overdue = leg.late_flagged_at is not None or at >= leg.start_by
        row.places.append(place)
        if leg is not None and leg.status == RelayLeg.Status.FINISHED:
            row.score += leg.score
            row.right += leg.right
            row.questions += leg.questions
            row.time_used_s += leg.time_used_s
            row.legs_run += 1
    ranked = sorted(rows.values(), key=_order)
    for number, row in enumerate(ranked, start=1):
        previous = ranked[number - 2] if number > 1 else None
        row.rank = previous.rank if previous is not None and _order(previous) == _order(row) else number
    return ranked


def _order(row: TeamRow) -> tuple:
    # Exact accuracy, as qualification compares it: the rounded percentage shown would tie
    # 5 of 6 (83.33 %) with 833 of 1,000 (83.3 %).
    accuracy = Fraction(row.right, row.questions) if row.questions else Fraction(0)
    return (-row.score, -accuracy, row.time_used_s)


def leg_rows(relay: RelayContest) -> QuerySet[RelayLeg]:
    """Every leg, by team and position, for the export."""
    return (
        RelayLeg.objects.filter(team__relay=relay)
        .select_related("team", "holder", "holder_unit", "skipped_by", "runner__unit_at_start", "online_attempt")
        .order_by("team__position", "position")
    )
