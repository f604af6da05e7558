"""Qualification from an online contest into a live final.

Two halves, so any ranked subject can qualify:

- `member_candidates` ranks the members of an individual online contest (the attempt that
  counts by the paper's rule; score, then accuracy, then time used); `team_candidates` ranks a
  relay's teams (the sum of their legs, then accuracy, then total time) as `Candidate`s whose
  `members` are the roster.
- `qualify` is pure: it takes the ranked candidates, N, overall or per group, and how a tie at
  the cut is settled, and says who qualifies and why the cut fell where it did.
- `final_create` makes the live contest: one team per group of qualified members (the members of
  a unit who qualified form that unit's team, as committees pick their finalists), or one team
  per qualified candidate when the candidates are teams.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from contests.models import Contest, TeamMember
from contests.services.common import ContestRejected
from contests.services.common import audit as contest_audit
from contests.services.setup import team_add
from contests.wizard.services import check_unit, contest_begin
from lessons.models import Attempt, Paper
from lessons.selectors import finished_attempts
from orgs.models import Unit, User

from ..relay import selectors as relay_selectors
from ..relay.models import RelayContest, RelayLeg
from .models import OnlineContest
from .services import _audit

TIES_ALL = "all"  # everyone tied on score with the last place qualifies (there may be more than N)
TIES_BREAK = "break"  # ties broken by accuracy, then time used; only a tie on all three lets more in


@dataclass(frozen=True)
class Candidate:
    """One ranked subject: a member (members = [that member]) or a team (members = its roster).
    `group` is the unit it is counted in for per-group quotas and for forming teams."""

    key: str
    label: str
    group: Unit | None
    members: tuple[User, ...]
    score: Decimal
    right: int
    questions: int
    time_s: float | Decimal  # to the millisecond: a member's attempt (4.817), a relay team's legs summed
    is_team: bool = False
    unit: Unit | None = None  # the unit a team represents
    captain: User | None = None
    reserves: tuple[User, ...] = ()  # may fill a team up to its size, never become substitutes

    @property
    def accuracy(self) -> Decimal:
        return Decimal(self.right) / self.questions if self.questions else Decimal(0)

    def score_key(self) -> tuple:
        return (-self.score,)

    def full_key(self) -> tuple:
        return (-self.score, -self.accuracy, self.time_s)


@dataclass
class Placed:
    candidate: Candidate
    rank: int  # within its group for per-group quotas, overall otherwise
    qualifies: bool
    tied_at_cut: bool  # shares the last qualifying place with someone


@dataclass
class GroupResult:
    group: Unit | None
    rows: list[Placed] = field(default_factory=list)
    note: str = ""  # how the cut fell, in words

    @property
    def qualified(self) -> list[Placed]:
        return [row for row in self.rows if row.qualifies]


@dataclass
class Qualification:
    top_n: int
    per_group: bool
    ties: str
    groups: list[GroupResult]

    @property
    def qualified(self) -> list[Candidate]:
        return [row.candidate for group in self.groups for row in group.qualified]


def _rank_and_cut(candidates: list[Candidate], *, top_n: int, ties: str) -> tuple[list[Placed], str]:
    """Rank by score (then accuracy and time when `ties` breaks ties) and cut after `top_n`.
    Whoever is tied with the N-th place on the deciding key qualifies too."""
    ordered = sorted(candidates, key=lambda c: (*c.full_key(), c.label, c.key))
    decide = Candidate.score_key if ties == TIES_ALL else Candidate.full_key
    rows: list[Placed] = []
    rank = 0
    for index, candidate in enumerate(ordered):
        if index == 0 or decide(candidate) != decide(ordered[index - 1]):
            rank = index + 1
        rows.append(Placed(candidate=candidate, rank=rank, qualifies=rank <= top_n, tied_at_cut=False))
    note = ""
    if len(ordered) > top_n:
        last = ordered[top_n - 1]
        tied = [row for row in rows if decide(row.candidate) == decide(last)]
        if len(tied) > 1:
            for row in tied:
                row.tied_at_cut = True
            extra = sum(1 for row in rows if row.qualifies) - top_n
            if extra > 0:
                note = (
                    _("%(n)d tied on score at place %(place)d: all of them qualify (%(extra)d more than %(top)d).")
                    if ties == TIES_ALL
                    else _(
                        "%(n)d tied on score, accuracy and time at place %(place)d: all of them qualify "
                        "(%(extra)d more than %(top)d)."
                    )
                ) % {"n": len(tied), "place": tied[0].rank, "extra": extra, "top": top_n}
        if not note and ties == TIES_BREAK:
            cut_score = [row for row in rows if row.candidate.score == last.score]
            if any(not row.qualifies for row in cut_score):
                note = _("Tied on score at the cut: accuracy, then time used decided who qualifies.")
    return rows, note


def qualify(candidates: list[Candidate], *, top_n: int, per_group: bool, ties: str) -> Qualification:
    """Who qualifies: the top `top_n` overall, or in each group (candidates without a group are
    left out of per-group quotas), with a tie at the cut settled by `ties`."""
    if top_n < 1:
        raise ContestRejected("top_n", _("At least one must qualify."))
    if ties not in (TIES_ALL, TIES_BREAK):
        raise ContestRejected("ties", _("Choose how a tie at the cut is settled."))
    if not per_group:
        rows, note = _rank_and_cut(candidates, top_n=top_n, ties=ties)
        return Qualification(top_n, per_group, ties, [GroupResult(group=None, rows=rows, note=note)])
    by_group: dict[int, list[Candidate]] = defaultdict(list)
    units: dict[int, Unit] = {}
    for candidate in candidates:
        if candidate.group is not None:
            by_group[candidate.group.pk].append(candidate)
            units[candidate.group.pk] = candidate.group
    groups = []
    for unit_id in sorted(units, key=lambda pk: units[pk].path):
        rows, note = _rank_and_cut(by_group[unit_id], top_n=top_n, ties=ties)
        groups.append(GroupResult(group=units[unit_id], rows=rows, note=note))
    return Qualification(top_n, per_group, ties, groups)


def group_of(unit: Unit | None, parent: Unit) -> Unit | None:
    """The child of `parent` that contains `unit` (the member's ministry system, say), or None
    when `unit` is outside `parent` or is `parent` itself."""
    if unit is None or not unit.path.startswith(parent.path) or unit.depth <= parent.depth:
        return None
    return Unit.objects.get(path=unit.path[: (parent.depth + 1) * Unit.steplen])


def _eligible(contest: OnlineContest):
    members = User.objects.filter(is_active=True)
    if contest.party_members_only:
        members = members.filter(is_party_member=True)
    return members


def counting_attempts(contest: OnlineContest) -> list[Attempt]:
    """Each member's attempt that counts (the paper's rule: best, last or first), annotated with
    `right` and `questions`. Deactivated members are left out, and non-members of the party when
    the contest is for party members only."""
    paper = contest.paper
    order = {Paper.Grading.BEST: ["-score", "finished_at"], Paper.Grading.LAST: ["-finished_at"]}.get(
        paper.grading, ["finished_at"]
    )
    attempts = (
        finished_attempts(paper)
        .filter(member__in=_eligible(contest))
        .select_related("member", "unit_at_start")
        .annotate(
            right=Count("items", filter=Q(items__answer__is_correct=True), distinct=True),
            questions=Count("items", distinct=True),
        )
        .order_by("member_id", *order)
    )
    counting: dict[int, Attempt] = {}
    for attempt in attempts:
        counting.setdefault(attempt.member_id, attempt)
    return list(counting.values())


def ranking_key(attempt: Attempt) -> tuple:
    """The contest's ranking order of counting attempts, as the qualification ranks members:
    score, then accuracy, then time (to the millisecond), each best first."""
    return candidate_of(attempt, group=None).full_key()


def candidate_of(attempt: Attempt, *, group: Unit | None) -> Candidate:
    member = attempt.member
    return Candidate(
        key=f"member:{member.pk}",
        label=member.display_name,
        group=group,
        members=(member,),
        score=attempt.score,
        right=attempt.right,
        questions=attempt.questions,
        time_s=attempt.time_used_s or 0,
    )


def attempt_places(contest: OnlineContest) -> dict[int, int]:
    """The place of each attempt that counts, by attempt id, in the contest's ranking order
    (`ranking_key`); attempts level on score, accuracy and time share a place (1, 2, 2, 4)."""
    ordered = sorted(counting_attempts(contest), key=ranking_key)
    places: dict[int, int] = {}
    for index, attempt in enumerate(ordered):
        level = index and ranking_key(attempt) == ranking_key(ordered[index - 1])
        places[attempt.pk] = places[ordered[index - 1].pk] if level else index + 1
    return places


def member_candidates(contest: OnlineContest, *, parent: Unit) -> list[Candidate]:
    """Every member with a finished attempt, by the attempt that counts (`counting_attempts`),
    grouped under `parent` by the unit they were in when they started it."""
    groups: dict[int, Unit | None] = {}
    candidates = []
    for attempt in counting_attempts(contest):
        unit = attempt.unit_at_start
        if unit is not None and unit.pk not in groups:
            groups[unit.pk] = group_of(unit, parent)
        candidates.append(candidate_of(attempt, group=groups.get(unit.pk) if unit is not None else None))
    return candidates


def team_candidates(relay: RelayContest, *, parent: Unit) -> list[Candidate]:
    """Every relay team that has finished a leg, by its standing (its legs' scores, right answers
    and time summed), grouped under `parent` by the unit it represents. Its members are its
    member runners in roster order; a leg run by a unit adds the member who ran it, and the unit's
    other members (by username) are reserves. Deactivated members are left out, and non-members
    of the party when the relay is for party members only; a team left with nobody is left out."""
    rows = [row for row in relay_selectors.team_rows(relay) if row.legs_run]
    runner_units = {p.runner.unit.path: p.runner.unit for row in rows for p in row.places if p.runner.unit_id}
    eligible = _eligible(relay.online)
    unit_members: dict[str, list[User]] = defaultdict(list)
    if runner_units:
        in_units = Q()
        for path in runner_units:
            in_units |= Q(unit__path__startswith=path)
        for member in eligible.filter(in_units).select_related("unit").order_by("username"):
            for path in runner_units:
                if member.unit.path.startswith(path):
                    unit_members[path].append(member)
    named = {p.runner.member_id for row in rows for p in row.places if p.runner.member_id}
    named |= {p.leg.holder_id for row in rows for p in row.places if p.leg is not None and p.leg.holder_id}
    named |= {row.team.captain_id for row in rows if row.team.captain_id}
    allowed = set(eligible.filter(pk__in=named).values_list("pk", flat=True))
    groups: dict[int, Unit | None] = {}
    candidates = []
    for row in rows:
        members: list[User] = []
        reserves: list[User] = []
        for place in row.places:
            if place.runner.member_id:
                ran = place.runner.member
            else:
                leg = place.leg
                finished = leg is not None and leg.status == RelayLeg.Status.FINISHED
                ran = leg.holder if finished else None
                reserves += unit_members[place.runner.unit.path]
            if ran is not None and ran.pk in allowed and ran not in members:
                members.append(ran)
        reserves = list(dict.fromkeys(m for m in reserves if m not in members))
        if not members and not reserves:
            continue
        unit = row.team.unit
        if unit.pk not in groups:
            groups[unit.pk] = group_of(unit, parent)
        captain = row.team.captain if row.team.captain_id in allowed else None
        candidates.append(
            Candidate(
                key=f"team:{row.team.pk}",
                label=row.team.name,
                group=groups[unit.pk],
                members=tuple(members),
                score=row.score,
                right=row.right,
                questions=row.questions,
                time_s=row.time_used_s,
                is_team=True,
                unit=unit,
                captain=captain,
                reserves=tuple(reserves),
            )
        )
    return candidates


@dataclass
class FinalTeamPlan:
    name: str
    unit: Unit
    legs: list[User]
    substitutes: list[User]
    captain: User


def plan_teams(result: Qualification, *, parent: Unit, team_size: int) -> list[FinalTeamPlan]:
    """The live final's teams: a team candidate stays one team (its first `team_size` members
    answer in roster order, the rest are substitutes, its reserves fill any places left; its
    captain stays captain when on the team, else the first answering); qualified members form one
    team per group unit (their ministry system under `parent`), best-ranked first and captain, the
    first `team_size` answering in the relay order and the rest substitutes. Members outside every
    group (in `parent` itself) form a team named after `parent`."""
    plans: list[FinalTeamPlan] = []
    by_unit: dict[int, list[tuple[tuple, User]]] = defaultdict(list)
    units: dict[int, Unit] = {}
    for group in result.groups:
        for row in group.qualified:
            candidate = row.candidate
            if candidate.is_team:
                legs = list(candidate.members[:team_size])
                legs += [m for m in candidate.reserves if m not in legs][: team_size - len(legs)]
                substitutes = list(candidate.members[team_size:])
                captain = candidate.captain if candidate.captain in (*legs, *substitutes) else legs[0]
                unit = candidate.unit or candidate.group or parent
                plans.append(FinalTeamPlan(candidate.label, unit, legs, substitutes, captain))
                continue
            unit = candidate.group or parent
            units[unit.pk] = unit
            by_unit[unit.pk].extend((candidate.full_key(), m) for m in candidate.members)
    for unit_id in sorted(units, key=lambda pk: units[pk].path):
        ranked = [m for _key, m in sorted(by_unit[unit_id], key=lambda pair: (pair[0], pair[1].pk))]
        plans.append(
            FinalTeamPlan(units[unit_id].name, units[unit_id], ranked[:team_size], ranked[team_size:], ranked[0])
        )
    return plans


@transaction.atomic
def final_create(
    *,
    contest: OnlineContest,
    result: Qualification,
    parent: Unit,
    team_size: int,
    title: str,
    by: User,
) -> Contest:
    """Create the live contest (being prepared) with the planned teams, captains and rosters, and
    record it in both contests' change logs. Refused when nobody qualifies."""
    if not 1 <= team_size <= 20:
        raise ContestRejected("team_size", _("A team has from 1 to 20 members."))
    check_unit(by, contest.paper.unit)
    plans = plan_teams(result, parent=parent, team_size=team_size)
    if not plans:
        raise ContestRejected("nobody_qualifies", _("Nobody qualifies yet: nobody has finished an attempt."))
    final = contest_begin(title=title, unit=contest.paper.unit, base_score=100, by=by)
    for plan in plans:
        team = team_add(contest=final, name=plan.name, unit=plan.unit, legs=plan.legs, substitutes=plan.substitutes)
        TeamMember.objects.filter(team=team, member=plan.captain).update(is_captain=True)
    qualified = sum(len(p.legs) + len(p.substitutes) for p in plans)
    contest_audit(final, by, "qualified_from_online", online=contest.pk, title=contest.title, members=qualified)
    _audit(
        contest,
        by,
        "final_created",
        final=final.join_code,
        title=final.title,
        teams=len(plans),
        members=qualified,
        top_n=result.top_n,
        per_group=result.per_group,
        ties=result.ties,
        parent=parent.name,
    )
    return final
