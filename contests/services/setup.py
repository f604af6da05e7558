"""Setting a contest up: teams with their relay order, rounds, and the start that freezes rosters."""

from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import F, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

import notifications.services
from lessons.models import QuestionVersion
from orgs.models import Unit, User

from .. import broadcast
from ..models import Contest, Round, RoundQuestion, Team, TeamMember
from ..rounds import round_kind
from .common import ContestRejected, audit


def contest_create(
    *, title: str, unit: Unit, by: User | None = None, base_score: int = 100, title_en: str = ""
) -> Contest:
    return Contest.objects.create(title=title, title_en=title_en, unit=unit, created_by=by, base_score=base_score)


@transaction.atomic
def team_add(*, contest: Contest, name: str, unit: Unit, legs: list[User], substitutes: list[User] = ()) -> Team:
    """Add a team; `legs` is the relay order. Refused once the contest has started."""
    if contest.status != Contest.Status.DRAFT:
        raise ContestRejected("roster_frozen", _("Rosters are frozen once the contest starts."))
    team = Team.objects.create(contest=contest, name=name, unit=unit, position=contest.teams.count())
    places = [TeamMember(contest=contest, team=team, member=m, leg=i) for i, m in enumerate(legs, start=1)]
    places += [TeamMember(contest=contest, team=team, member=m) for m in substitutes]
    try:
        with transaction.atomic():
            TeamMember.objects.bulk_create(places)
    except IntegrityError:
        raise ContestRejected("member_on_two_teams", _("A member can be on only one team.")) from None
    notifications.services.contest_invited(contest=contest, members=[*legs, *substitutes])
    return team


@transaction.atomic
def round_add(
    *,
    contest: Contest,
    type: str,
    versions: list[QuestionVersion],
    points: int = 10,
    penalty: int | None = None,
    time_limit_s: int = 20,
    risk_tiers: list[int] | None = None,
    early_buzz_penalty: int = 5,
    title: str = "",
    teams_in_turn: bool = False,
    title_en: str = "",
) -> Round:
    """Add a round. Compulsory rounds with `teams_in_turn` give question k to team k mod n."""
    kind = round_kind(type)
    if penalty is None:
        penalty = kind.default_penalty(points)
    round_ = Round.objects.create(
        contest=contest,
        position=contest.rounds.count() + 1,
        type=type,
        title=title,
        title_en=title_en,
        points=points,
        penalty=penalty,
        time_limit_s=time_limit_s,
        risk_tiers=risk_tiers or list(kind.default_risk_tiers),
        early_buzz_penalty=early_buzz_penalty,
    )
    teams = list(contest.teams.all())
    RoundQuestion.objects.bulk_create(
        [
            RoundQuestion(
                round=round_,
                position=i,
                version=version,
                team=teams[(i - 1) % len(teams)] if teams_in_turn and teams else None,
            )
            for i, version in enumerate(versions, start=1)
        ]
    )
    return round_


@dataclass(frozen=True)
class Missing:
    """What a contest lacks before it can start, and the set-up step that adds it."""

    message: str
    step: str  # the URL name of the set-up step
    link: str  # what a link to that step says


def roster_deactivated(contest: Contest) -> list[TeamMember]:
    """The contest's runners and captains whose accounts are deactivated (they cannot sign in),
    by team and relay order. Substitutes (no leg) are not listed: nobody waits for them."""
    places = contest.roster.filter(Q(leg__isnull=False) | Q(is_captain=True), member__is_active=False)
    return list(
        places.select_related("team", "member").order_by("team__position", "team_id", F("leg").asc(nulls_last=True))
    )


def roster_outside_unit(contest: Contest) -> list[TeamMember]:
    """The contest's team members (substitutes too) who have moved out of the contest's unit
    since they were added (`check_members_inside_contest` refused them then), by team and relay
    order, each with `member.unit` loaded: the organiser replaces them before the start."""
    places = contest.roster.exclude(member__unit__path__startswith=contest.unit.path)
    return list(
        places.select_related("team", "member__unit").order_by(
            "team__position", "team_id", F("leg").asc(nulls_last=True), "member_id"
        )
    )


def moved_out_by_team(places: list[TeamMember]) -> str:
    """Moved members named with their team and the unit they are in now: 张三（红队）现属财政部;
    Zhang San (Red team), now in the Ministry of Finance."""
    return pgettext("between list items", ", ").join(
        (_("%(name)s (%(team)s), now in %(unit)s") if place.member.unit else _("%(name)s (%(team)s), now in no unit"))
        % {
            "name": place.member.display_name,
            "team": place.team.display_name,
            "unit": place.member.unit.display_name if place.member.unit else "",
        }
        for place in places
    )


def places_by_team(places: list[TeamMember]) -> str:
    """The places named by team: 第一党支部：蔡凤艳、李四；第二党支部：王五 (Team 1: A, B; Team 2: C)."""
    teams: dict[Team, list[str]] = {}
    for place in places:
        teams.setdefault(place.team, []).append(place.member.display_name)
    between = pgettext("between list items", ", ")
    return pgettext("between teams in a list", "; ").join(
        _("%(team)s: %(names)s") % {"team": team.display_name, "names": between.join(names)}
        for team, names in teams.items()
    )


# "Party branches" include the temporary ones (an audit team's branch is a unit of its own kind).
BRANCH_KINDS = (Unit.Kind.BRANCH, Unit.Kind.TEMPORARY_BRANCH)


def team_units(root: Unit) -> list[Unit]:
    """The units under `root` (itself included) whose members make a team each when teams are
    made from party branches: every party branch, and every 党总支 holding no party branch (its
    members are placed in it directly), in tree order. The live contest's wizard and the relay
    both make teams so."""
    units = list(
        Unit.objects.filter(path__startswith=root.path, kind__in=[*BRANCH_KINDS, Unit.Kind.GENERAL_BRANCH]).order_by(
            "path"
        )
    )
    branch_paths = [u.path for u in units if u.kind in BRANCH_KINDS]
    return [u for u in units if u.kind in BRANCH_KINDS or not any(path.startswith(u.path) for path in branch_paths)]


def members_with_units(members: list[User]) -> str:
    """Members named with the unit they are placed in: 张书记（第一党总支）、李四（审计一处）;
    Zhang (General branch 1), Li Si (Audit division 1). For the members teams made from units
    leave out (the live contest's and the relay's), so the organiser can place them by hand."""
    return pgettext("between list items", ", ").join(
        _("%(name)s (%(unit)s)") % {"name": m.display_name, "unit": m.unit.display_name} for m in members
    )


def rehearsal_missing(contest: Contest) -> Missing | None:
    """What the contest lacks to be rehearsed (teams, rounds, questions in its rounds), or None.
    Deactivated runners do not stop a rehearsal: its teams are copies that leave them out."""
    teams, rounds = contest.teams.exists(), contest.rounds.exists()
    if not teams and not rounds:
        message = _("Add teams and rounds before starting: the contest has neither yet.")
        return Missing(message, "contests:setup_teams", _("Set up teams"))
    if not teams:
        message = _("Add teams before starting: the contest has rounds but no teams yet.")
        return Missing(message, "contests:setup_teams", _("Set up teams"))
    if not rounds:
        message = _("Add rounds before starting: the contest has teams but no rounds yet.")
        return Missing(message, "contests:setup_rounds", _("Set up rounds"))
    if not RoundQuestion.objects.filter(round__contest=contest).exists():
        message = _("Add questions before starting: the contest's rounds have none yet.")
        return Missing(message, "contests:setup_rounds", _("Set up rounds"))
    return None


def start_missing(contest: Contest) -> Missing | None:
    """What the contest lacks to start (what a rehearsal lacks, then runners who can sign in), or
    None."""
    missing = rehearsal_missing(contest)
    if missing is not None:
        return missing
    deactivated = roster_deactivated(contest)
    if deactivated:
        message = _("Replace the deactivated members before starting (they can no longer sign in): %(places)s.") % {
            "places": places_by_team(deactivated)
        }
        return Missing(message, "contests:setup_teams", _("Replace them on the teams page"))
    return None


@transaction.atomic
def contest_start(*, contest: Contest, by: User | None, at: datetime | None = None) -> Contest:
    """Start: freeze rosters with each member's unit at this moment (DESIGN invariant 6)."""
    contest = Contest.objects.select_for_update().get(pk=contest.pk)
    if contest.status != Contest.Status.DRAFT:
        return contest
    missing = start_missing(contest)
    if missing is not None:
        raise ContestRejected("not_ready", missing.message)
    member_unit = User.objects.filter(pk=OuterRef("member_id")).values("unit_id")[:1]
    contest.roster.update(unit_at_start=Subquery(member_unit))
    contest.status = Contest.Status.RUNNING
    contest.started_at = at or timezone.now()
    contest.save(update_fields=["status", "started_at"])
    audit(contest, by, "start")
    broadcast.after_commit(contest, "contest.started")
    # Only a speed-up for reconnects: if it fails, sign-ins read the places from the database.
    transaction.on_commit(lambda: _places_keep(contest.pk), robust=True)
    return contest


def _places_keep(contest_id: int) -> None:
    from ..access import places_keep  # access builds on the services

    places_keep(contest_id)
