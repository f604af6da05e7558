"""Every write of the contest builder: teams in bulk, relay order and captains, rounds from
templates with questions drawn or picked, rehearsals and duplicates.

Each function refuses with `ContestRejected` (a stable code and a message for people) and
changes nothing when refused. Setting up is for contests still being prepared."""

import random
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count, F, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

import notifications.services
from lessons.draws import DrawRule, rule_pool
from lessons.models import Question, QuestionVersion
from lessons.selectors import banks_visible_to, questions_usable_by
from orgs import access as orgs_access
from orgs.models import Unit, User
from orgs.selectors import PEOPLE_BY_NAME
from quizsite.naming import listed, visible_text

from .. import access
from ..models import TEAM_NAME_MAX, Contest, Round, RoundQuestion, Team, TeamMember, team_name_too_long
from ..rounds import KINDS, round_kind
from ..services.common import ContestRejected, audit
from ..services.setup import contest_create, places_by_team, rehearsal_missing, round_add, team_add, team_units


def check_preparing(contest: Contest) -> None:
    """Refuse unless the contest (as stored now, not as the caller last read it) is being prepared."""
    if not Contest.objects.filter(pk=contest.pk, status=Contest.Status.DRAFT).exists():
        raise ContestRejected(
            "roster_frozen", _("This contest has started: its teams and rounds can no longer change.")
        )


def check_unit(by: User, unit: Unit) -> None:
    if not orgs_access.can_manage_unit(by, unit):
        raise ContestRejected("unit_outside_scope", _("This unit is outside the units you manage."))


def check_inside_contest(contest: Contest, unit: Unit) -> None:
    """Refuse `unit` unless it lies in the subtree of the contest's unit. The contest's organisers
    are its unit's (`views.access_setup`), and a team from elsewhere would put people outside their
    scope in their hands; online contests refuse an audience outside their unit the same way."""
    if not unit.path.startswith(contest.unit.path):
        raise ContestRejected(
            "unit_outside_contest",
            _(
                "“%(unit)s” is outside %(contest_unit)s, the unit this contest belongs to: choose a unit "
                "under it, or change the contest's organising unit first."
            )
            % {"unit": unit.display_name, "contest_unit": contest.unit.display_name},
        )


def check_members_inside_contest(contest: Contest, members: list[User]) -> None:
    """Refuse members whose unit is outside the subtree of the contest's unit, naming them
    (`check_inside_contest`). Call only with members the organiser manages: it names them."""
    outside = [m.display_name for m in members if m.unit is None or not m.unit.path.startswith(contest.unit.path)]
    if outside:
        raise ContestRejected(
            "member_outside_contest",
            _("These members are outside %(unit)s, the unit this contest belongs to: %(names)s.")
            % {"unit": contest.unit.display_name, "names": listed(outside)},
        )


def check_unit_open(unit: Unit) -> None:
    """Refuse a closed unit (`Unit.is_open_for_new`, as stored now) as a new contest's owner."""
    if not Unit.objects.get(pk=unit.pk).is_open_for_new(timezone.localdate()):
        raise ContestRejected("unit_closed", _("“%(unit)s” is closed.") % {"unit": unit.display_name})


def contest_begin(*, title: str, unit: Unit, base_score: int, by: User, title_en: str = "") -> Contest:
    """The wizard's first step: a contest being prepared, owned by a unit the organiser manages."""
    title = title.strip()
    if not title:
        raise ContestRejected("title_blank", _("Give the contest a title."))
    check_unit(by, unit)
    check_unit_open(unit)
    contest = contest_create(title=title, title_en=title_en.strip(), unit=unit, by=by, base_score=base_score)
    audit(contest, by, "create")
    return contest


@transaction.atomic
def contest_basics_update(
    *, contest: Contest, title: str, unit: Unit, base_score: int, by: User, title_en: str = ""
) -> Contest:
    check_preparing(contest)
    check_unit(by, unit)
    if unit.pk != contest.unit_id:  # a contest of a unit closed since keeps it
        check_unit_open(unit)
        # Its teams stay inside its unit (`check_inside_contest`), moved or not.
        outside = [t.name for t in contest.teams.select_related("unit") if not t.unit.path.startswith(unit.path)]
        if outside:
            raise ContestRejected(
                "teams_outside_unit",
                _(
                    "These teams represent units outside %(unit)s: %(names)s. "
                    "Remove them first, or choose a unit above theirs."
                )
                % {"unit": unit.display_name, "names": listed(outside)},
            )
        # A member may sit anywhere inside the contest's unit, not only inside their team's.
        places = contest.roster.select_related("team", "member__unit").order_by("team__position", "team_id", "leg")
        stranded = [p for p in places if p.member.unit is None or not p.member.unit.path.startswith(unit.path)]
        if stranded:
            raise ContestRejected(
                "members_outside_unit",
                _(
                    "These team members are outside %(unit)s: %(places)s. "
                    "Take them off their teams first, or choose a unit above theirs."
                )
                % {"unit": unit.display_name, "places": places_by_team(stranded)},
            )
    title = title.strip()
    if not title:
        raise ContestRejected("title_blank", _("Give the contest a title."))
    contest.title, contest.title_en, contest.unit, contest.base_score = title, title_en.strip(), unit, base_score
    contest.save(update_fields=["title", "title_en", "unit", "base_score"])
    return contest


# ---------------------------------------------------------------- teams


@dataclass
class TeamsFromUnits:
    teams: list[Team]
    skipped: list[str]  # units with no active member free to play
    # Active members free to play placed under the parent but in no unit a team was made from (a
    # 党总支's secretary, a department's own staff), named for the organiser to add by hand.
    left_out: list[User] = field(default_factory=list)


@transaction.atomic
def teams_from_units(*, contest: Contest, parent: Unit, kind: str, team_size: int, by: User) -> TeamsFromUnits:
    """One team per unit of `kind` under `parent` (for example each party branch, temporary ones
    included, of an office),
    named after the unit, with up to `team_size` of its active members (by name) in relay order,
    the first as captain. Members already on a team of this contest are left where they are;
    those placed under `parent` but in none of these units (a 党总支's secretary when the teams are
    its branches, a department's own staff) are on no team and named in `left_out` (all but `by`).
    `parent` must lie inside the contest's unit (`check_inside_contest`)."""
    check_preparing(contest)
    check_unit(by, parent)
    check_inside_contest(contest, parent)
    if not 1 <= team_size <= 20:
        raise ContestRejected("team_size", _("A team has from 1 to 20 members."))
    if kind == Unit.Kind.BRANCH:
        # Party branches, temporary ones included, and a 党总支 holding none (as the relay makes them).
        units = [unit for unit in team_units(parent) if unit.pk != parent.pk]
    else:
        units = list(
            Unit.objects.filter(path__startswith=parent.path, kind=kind).exclude(pk=parent.pk).order_by("path")
        )
    if not units:
        raise ContestRejected("no_units", _("No units of that kind under %(unit)s.") % {"unit": parent.name})
    taken_names = set(contest.teams.values_list("name", flat=True))
    # A team made from a unit takes the unit's name, which may be longer than a team's may be.
    too_long = [u.name for u in units if len(u.name) > TEAM_NAME_MAX]
    if too_long:
        raise ContestRejected(
            "team_name_too_long",
            _(
                "A team's name has at most %(max)d characters, and these units' names are longer: %(names)s. "
                "Import a roster that names their teams instead."
            )
            % {"max": TEAM_NAME_MAX, "names": listed(too_long)},
        )
    clashes = [u.name for u in units if u.name in taken_names]
    if clashes:
        raise ContestRejected(
            "team_name_taken", _("These teams already exist: %(names)s.") % {"names": listed(clashes)}
        )
    placed = set(contest.roster.values_list("member_id", flat=True))
    candidates = orgs_access.managed_members(by).filter(is_active=True).exclude(pk__in=placed)
    result = TeamsFromUnits(teams=[], skipped=[])
    for unit in units:
        members = list(candidates.filter(unit__path__startswith=unit.path).order_by(*PEOPLE_BY_NAME)[:team_size])
        if not members:
            result.skipped.append(unit.name)
            continue
        team = team_add(contest=contest, name=unit.name, unit=unit, legs=members)
        TeamMember.objects.filter(team=team, leg=1).update(is_captain=True)
        placed.update(m.pk for m in members)
        candidates = candidates.exclude(pk__in=[m.pk for m in members])
        result.teams.append(team)
    made_from = Q(pk__in=[])
    for unit in units:
        made_from |= Q(unit__path__startswith=unit.path)
    result.left_out = list(
        candidates.filter(unit__path__startswith=parent.path)
        .exclude(made_from)
        .exclude(pk=by.pk)
        .select_related("unit")
        .order_by(*PEOPLE_BY_NAME)
    )
    _redeal(contest, _in_turn_rounds(contest))
    audit(contest, by, "teams_from_units", unit=parent.name, teams=len(result.teams))
    return result


def common_unit(units: list[Unit]) -> Unit:
    """The deepest unit containing all of `units` (materialised paths share its prefix)."""
    paths = [u.path for u in units]
    prefix = paths[0]
    for path in paths[1:]:
        while not path.startswith(prefix):
            prefix = prefix[: -Unit.steplen]
    return Unit.objects.get(path=prefix) if prefix else units[0]


def _in_turn_rounds(contest: Contest) -> list[int]:
    """Rounds whose questions are dealt to the teams in turn (compulsory rounds made so)."""
    return list(
        RoundQuestion.objects.filter(round__contest=contest, team__isnull=False)
        .values_list("round_id", flat=True)
        .distinct()
    )


def _redeal(contest: Contest, round_ids: list[int]) -> None:
    """Deal the questions of in-turn rounds to the current teams again: question k to team k mod n,
    as `round_add` does, so adding or removing a team neither loses nor strands a question."""
    teams = list(contest.teams.order_by("position", "id"))
    for question in RoundQuestion.objects.filter(round_id__in=round_ids).order_by("round_id", "position"):
        team = teams[(question.position - 1) % len(teams)] if teams else None
        if question.team_id != (team and team.pk):
            RoundQuestion.objects.filter(pk=question.pk).update(team=team)


@transaction.atomic
def team_create(*, contest: Contest, name: str, members: list[User], captain: User | None, by: User) -> Team:
    """A team with `members` in relay order. Every member must be one the organiser manages, of a
    unit inside the contest's (`check_members_inside_contest`)."""
    check_preparing(contest)
    name = visible_text(name)
    if not name:
        raise ContestRejected("team_name_blank", _("Give the team a name."))
    if too_long := team_name_too_long(name):
        raise ContestRejected("team_name_too_long", too_long)
    if not members:
        raise ContestRejected("team_empty", _("Team “%(name)s” has no members.") % {"name": name})
    if contest.teams.filter(name=name).exists():
        raise ContestRejected("team_name_taken", _("These teams already exist: %(names)s.") % {"names": name})
    managed = set(orgs_access.managed_members(by).filter(pk__in=[m.pk for m in members]).values_list("pk", flat=True))
    outside = [m.display_name for m in members if m.pk not in managed]
    if outside:
        raise ContestRejected(
            "member_outside_scope",
            _("These members are outside the units you manage: %(names)s.") % {"names": listed(outside)},
        )
    check_members_inside_contest(contest, members)
    team = team_add(contest=contest, name=name, unit=common_unit([m.unit for m in members]), legs=members)
    if captain is not None:
        TeamMember.objects.filter(team=team, member=captain).update(is_captain=True)
    _redeal(contest, _in_turn_rounds(contest))
    return team


@transaction.atomic
def team_arrange(*, team: Team, order: list[int], captain_id: int | None, by: User) -> Team:
    """Set the relay order (member ids, first leg first) and the captain of a team.

    `order` must name exactly the team's members: a stale page (someone changed the team since)
    is refused rather than guessed at."""
    check_preparing(team.contest)
    places = {p.member_id: p for p in TeamMember.objects.select_for_update().filter(team=team)}
    if sorted(order) != sorted(places) or len(set(order)) != len(order):
        raise ContestRejected("order_stale", _("The team changed meanwhile: reload the page and arrange it again."))
    if captain_id is not None and captain_id not in places:
        raise ContestRejected("captain_not_on_team", _("The captain must be on the team."))
    # Clear legs and captain first: the constraints allow one member per leg, one captain per team.
    TeamMember.objects.filter(team=team).update(leg=None, is_captain=False)
    for leg, member_id in enumerate(order, start=1):
        TeamMember.objects.filter(pk=places[member_id].pk).update(leg=leg, is_captain=member_id == captain_id)
    audit(team.contest, by, "team_arrange", team=team.name)
    return team


@transaction.atomic
def team_member_add(*, team: Team, member: User, by: User) -> TeamMember:
    """Put a member on the team as its last leg."""
    check_preparing(team.contest)
    if not orgs_access.managed_members(by).filter(pk=member.pk).exists():
        raise ContestRejected(
            "member_outside_scope",
            _("These members are outside the units you manage: %(names)s.") % {"names": member.display_name},
        )
    check_members_inside_contest(team.contest, [member])
    other = TeamMember.objects.filter(contest=team.contest, member=member).select_related("team").first()
    if other is not None:
        raise ContestRejected(
            "member_on_two_teams",
            _("%(name)s is already on team “%(team)s”.") % {"name": member.display_name, "team": other.team.name},
        )
    last = max(team.members.exclude(leg=None).values_list("leg", flat=True), default=0)
    place = TeamMember.objects.create(contest=team.contest, team=team, member=member, leg=last + 1)
    notifications.services.contest_invited(contest=team.contest, members=[member])  # as team_add does
    return place


@transaction.atomic
def team_member_remove(*, team: Team, member_id: int, by: User) -> None:
    """Take a member off the team; the later legs move up one."""
    check_preparing(team.contest)
    TeamMember.objects.filter(team=team, member_id=member_id).delete()
    order = list(team.members.exclude(leg=None).order_by("leg").values_list("member_id", flat=True))
    captain = team.members.filter(is_captain=True).values_list("member_id", flat=True).first()
    team_arrange(team=team, order=order, captain_id=captain, by=by)


@transaction.atomic
def team_remove(*, team: Team, by: User) -> None:
    contest = team.contest
    check_preparing(contest)
    in_turn = _in_turn_rounds(contest)
    RoundQuestion.objects.filter(team=team).update(team=None)  # kept, and dealt again below
    team.delete()
    for position, other in enumerate(contest.teams.order_by("position", "id")):
        if other.position != position:
            Team.objects.filter(pk=other.pk).update(position=position)
    _redeal(contest, in_turn)
    audit(contest, by, "team_remove", team=team.name)


# ---------------------------------------------------------------- rounds


def contest_question_ids(contest: Contest) -> set[int]:
    """Questions already asked in some round of the contest: a draw does not repeat them."""
    return set(RoundQuestion.objects.filter(round__contest=contest).values_list("version__question_id", flat=True))


def draw_versions(*, rule: DrawRule, contest: Contest, by: User, rng: random.Random | None = None) -> list:
    """`rule.count` current versions drawn at random, or a refusal naming the shortfall."""
    if not banks_visible_to(by).filter(pk=rule.bank.pk).exists():
        raise ContestRejected("bank_not_visible", _("This question bank is outside the units you manage."))
    if rule.count < 1:
        raise ContestRejected("count", _("A round needs at least one question."))
    ids = sorted(rule_pool(rule, exclude=contest_question_ids(contest)).values_list("pk", flat=True))
    if len(ids) < rule.count:
        raise ContestRejected(
            "bank_too_few",
            _(
                "Bank “%(bank)s” has %(have)d matching questions not yet used in this contest; "
                "this round needs %(need)d, %(short)d short. Lower the count, widen the rule or add questions."
            )
            % {"bank": rule.bank.name, "have": len(ids), "need": rule.count, "short": rule.count - len(ids)},
        )
    chosen = (rng or random.Random()).sample(ids, rule.count)  # noqa: S311 (question choice, not security)
    versions = {q.pk: q.current for q in Question.objects.filter(pk__in=chosen).select_related("current")}
    return [versions[pk] for pk in chosen]


def picked_versions(*, question_ids: list[int], contest: Contest, by: User) -> list[QuestionVersion]:
    """The current versions of questions the organiser ticked, in the order given."""
    if not question_ids:
        raise ContestRejected("count", _("A round needs at least one question."))
    usable = {
        q.pk: q.current
        for q in questions_usable_by(by)
        .filter(pk__in=question_ids, current__isnull=False)
        .exclude(status=Question.Status.RETIRED)
        .select_related("current")
    }
    if len(usable) != len(set(question_ids)):
        raise ContestRejected("question_not_usable", _("Some of the chosen questions are not in your banks."))
    repeated = set(question_ids) & contest_question_ids(contest)
    if repeated:
        raise ContestRejected("question_repeated", _("Some of the chosen questions are already in this contest."))
    return [usable[pk] for pk in dict.fromkeys(question_ids)]


ROUND_TITLE_MAX = Round._meta.get_field("title").max_length


@dataclass(frozen=True)
class RoundSettings:
    type: str
    title: str = ""
    title_en: str = ""
    points: int = 10
    penalty: int = 0
    early_buzz_penalty: int = 0
    time_limit_s: int = 20
    risk_tiers: tuple[int, ...] = ()
    teams_in_turn: bool = False


def check_round_settings(settings: RoundSettings) -> None:
    if settings.type not in Round.Type.values:
        raise ContestRejected("round_type", _("Choose a round type."))
    if not 5 <= settings.time_limit_s <= 600:
        raise ContestRejected("time_limit", _("A question's time limit is from 5 to 600 seconds."))
    if settings.points < 0 or settings.penalty < 0 or settings.early_buzz_penalty < 0:
        raise ContestRejected("negative_points", _("Points and penalties are whole numbers from 0 up."))
    if len(settings.title.strip()) > ROUND_TITLE_MAX or len(settings.title_en.strip()) > ROUND_TITLE_MAX:
        raise ContestRejected(
            "title_too_long", _("A round title is at most %(max)d characters.") % {"max": ROUND_TITLE_MAX}
        )
    round_kind(settings.type).check_settings(settings)


@transaction.atomic
def round_create(
    *,
    contest: Contest,
    settings: RoundSettings,
    by: User,
    rule: DrawRule | None = None,
    question_ids: list[int] | None = None,
    rng: random.Random | None = None,
) -> Round:
    """A round from a template's (edited) settings, with questions drawn by `rule` or picked."""
    check_preparing(contest)
    check_round_settings(settings)
    if settings.teams_in_turn and not contest.teams.exists():
        raise ContestRejected(
            "no_teams_to_deal", _("Make the teams first: this round deals its questions to them in turn.")
        )
    if rule is not None:
        versions = draw_versions(rule=rule, contest=contest, by=by, rng=rng)
    else:
        versions = picked_versions(question_ids=question_ids or [], contest=contest, by=by)
    round_ = round_add(
        contest=contest,
        type=settings.type,
        versions=versions,
        points=settings.points,
        penalty=settings.penalty,
        time_limit_s=settings.time_limit_s,
        risk_tiers=list(settings.risk_tiers),
        early_buzz_penalty=settings.early_buzz_penalty,
        title=settings.title.strip(),
        title_en=settings.title_en.strip(),
        teams_in_turn=settings.teams_in_turn,
    )
    audit(contest, by, "round_add", type=settings.type, questions=len(versions))
    return round_


@transaction.atomic
def round_remove(*, round_: Round, by: User) -> None:
    """Remove a round; the later rounds move up one place."""
    contest = round_.contest
    check_preparing(contest)
    round_.delete()
    for position, other in enumerate(contest.rounds.order_by("position"), start=1):
        if other.position != position:
            Round.objects.filter(pk=other.pk).update(position=position)
    audit(contest, by, "round_remove")


# ---------------------------------------------------------------- copies


def _copy_rounds(source: Contest, target: Contest, teams: dict[int, Team]) -> list[int]:
    """Copy the rounds and their questions; the ids of the copied rounds dealt to teams in turn."""
    in_turn = []
    for round_ in source.rounds.order_by("position"):
        questions = list(round_.questions.order_by("position"))
        round_.pk = None
        round_.contest = target
        round_.save(force_insert=True)
        RoundQuestion.objects.bulk_create(
            [
                RoundQuestion(
                    round=round_,
                    position=q.position,
                    version_id=q.version_id,
                    team=teams.get(q.team_id) if q.team_id else None,
                )
                for q in questions
            ]
        )
        if any(q.team_id for q in questions):
            in_turn.append(round_.pk)
    return in_turn


def _inside(unit: Unit | None, within: Unit) -> bool:
    return unit is not None and unit.path.startswith(within.path)


def _copy_teams(source: Contest, target: Contest, *, within: Unit | None = None) -> dict[int, Team]:
    """Copy the teams and their relay orders, leaving out deactivated members (they cannot sign
    in), and with `within`, teams representing a unit outside it and members now outside it
    (`duplicate_outside`): the others keep their order, closed up, and when the captain is left
    out the first runner left becomes captain."""
    copies: dict[int, Team] = {}
    for team in source.teams.select_related("unit").order_by("position", "id"):
        if within is not None and not _inside(team.unit, within):
            continue
        places = list(team.members.select_related("member__unit"))
        kept = [p for p in places if p.member.is_active and (within is None or _inside(p.member.unit, within))]
        runners = sorted((p for p in kept if p.leg), key=lambda p: p.leg)
        captain_left_out = any(p.is_captain for p in places) and not any(p.is_captain for p in kept)
        old_pk = team.pk
        team.pk = None
        team.contest = target
        team.position = len(copies)  # closed up over the teams left out
        team.save(force_insert=True)
        TeamMember.objects.bulk_create(
            [
                TeamMember(
                    contest=target,
                    team=team,
                    member_id=p.member_id,
                    leg=leg,
                    is_captain=p.is_captain or (captain_left_out and leg == 1),
                )
                for leg, p in enumerate(runners, start=1)
            ]
            + [
                TeamMember(contest=target, team=team, member_id=p.member_id, is_captain=p.is_captain)
                for p in kept
                if not p.leg
            ]
        )
        copies[old_pk] = team
    return copies


def duplicate_left_out(contest: Contest) -> list[TeamMember]:
    """The places a duplicate with teams leaves out: deactivated members', by team and relay order."""
    places = contest.roster.filter(member__is_active=False).select_related("team", "member")
    return list(places.order_by("team__position", "team_id", F("leg").asc(nulls_last=True)))


@dataclass
class DuplicateOutside:
    """What a duplicate with teams leaves out as outside the contest's unit: teams made before
    teams had to stay inside it, and active members who moved out since (`contest_basics_update`)."""

    teams: list[Team]
    places: list[TeamMember]  # on the teams copied


def duplicate_outside(contest: Contest) -> DuplicateOutside:
    teams = list(contest.teams.select_related("unit").order_by("position", "id"))
    outside = DuplicateOutside(teams=[t for t in teams if not _inside(t.unit, contest.unit)], places=[])
    places = contest.roster.filter(member__is_active=True).exclude(team__in=outside.teams)
    ordered = places.select_related("team", "member__unit").order_by(
        "team__position", "team_id", F("leg").asc(nulls_last=True)
    )
    outside.places = [p for p in ordered if not _inside(p.member.unit, contest.unit)]
    return outside


@transaction.atomic
def contest_duplicate(*, contest: Contest, title: str, with_teams: bool, by: User, title_en: str = "") -> Contest:
    """A new contest being prepared, with a new join code, the same rounds and questions, and
    (if asked) the same teams and relay orders, without deactivated members (see
    `duplicate_left_out`) and without teams or members outside the contest's unit (see
    `duplicate_outside`), so the copy keeps the rule `check_inside_contest` sets. The original
    is not touched."""
    check_unit(by, contest.unit)
    if contest.is_rehearsal:
        raise ContestRejected("rehearsal_copy", _("Duplicate the contest itself, not its rehearsal."))
    copy = contest_begin(title=title, unit=contest.unit, base_score=contest.base_score, by=by)
    if title_en:
        Contest.objects.filter(pk=copy.pk).update(title_en=title_en)
        copy.title_en = title_en
    teams = _copy_teams(contest, copy, within=contest.unit) if with_teams else {}
    if teams:  # put on the new contest's teams: invited with its way in, as team_add does
        invited = User.objects.filter(contest_places__contest=copy)
        notifications.services.contest_invited(contest=copy, members=invited)
    in_turn = _copy_rounds(contest, copy, teams)
    if with_teams and len(teams) < contest.teams.count():
        _redeal(copy, in_turn)  # the questions of the teams left out go to the others
    audit(copy, by, "duplicate", of=contest.title)
    return copy


@transaction.atomic
def contest_rehearse(*, contest: Contest, by: User, fresh: bool = False) -> Contest:
    """The contest's rehearsal: a copy with its own join code and the same teams (test teams:
    whoever is on them may join to practise), rounds and questions, ready to play from the host
    console. It keeps no results. With `fresh` (a reset, or after changing the contest), the
    existing rehearsal and all it recorded are thrown away and a new one, with a new code, made.
    Deactivated members do not stop it: the copies leave them out (`duplicate_left_out`)."""
    check_unit(by, contest.unit)
    if contest.is_rehearsal:
        raise ContestRejected("rehearsal_copy", _("Rehearse the contest itself, not its rehearsal."))
    missing = rehearsal_missing(contest)
    if missing is not None:
        raise ContestRejected("not_ready", missing.message)
    Contest.objects.select_for_update().filter(pk=contest.pk).first()  # one rehearsal at a time
    current = contest.rehearsals.order_by("-id").first()
    if current is not None and not fresh:
        return current
    access.places_forget_deleted(contest.rehearsals.all())
    contest.rehearsals.all().delete()
    rehearsal = Contest.objects.create(
        # Each language's title with its own mark, whatever the language of who pressed Rehearse.
        title=_rehearsal_title(contest.title, "zh-hans"),
        title_en=_rehearsal_title(contest.title_en or contest.title, "en"),
        unit=contest.unit,
        base_score=contest.base_score,
        created_by=by,
        rehearsal_of=contest,
    )
    _copy_rounds(contest, rehearsal, _copy_teams(contest, rehearsal))
    audit(contest, by, "rehearsal_reset" if current else "rehearsal_open", code=rehearsal.join_code)
    return rehearsal


def _rehearsal_title(title: str, language: str) -> str:
    """`title` marked as a rehearsal's in `language`, cut to fit the column."""
    with translation.override(language):
        return _marked_title(title, _("%(title)s (rehearsal)"))


def duplicate_titles(contest: Contest) -> dict[str, str]:
    """The titles a copy of `contest` starts with: each marked as a copy in its own language,
    whatever the language of who duplicates it ("党史知识竞赛（副本）", "Party history quiz (copy)");
    no English title when the original has none."""
    with translation.override("zh-hans"):
        title = _marked_title(contest.title, _("%(title)s (copy)"))
    with translation.override("en"):
        title_en = _marked_title(contest.title_en, _("%(title)s (copy)")) if contest.title_en else ""
    return {"title": title, "title_en": title_en}


def _marked_title(title: str, marked: str) -> str:
    """`title` in `marked` (a "%(title)s" pattern), cut to fit the title's column."""
    room = Contest._meta.get_field("title").max_length - len(marked % {"title": ""})
    return marked % {"title": title[:room]}


def check_has_results(contest: Contest) -> None:
    """Refuse a rehearsal wherever results are read: it is practice and keeps none."""
    if contest.is_rehearsal:
        raise ContestRejected("rehearsal_no_results", _("This is a rehearsal: it keeps no results."))


@dataclass(frozen=True)
class Problem:
    """Something the review step warns about; `blocks_start` when the contest cannot start until
    it is put right, `link` (with `link_text`) to the page where that is done."""

    message: str
    blocks_start: bool = False
    link: str = ""
    link_text: str = ""

    def __str__(self) -> str:
        return self.message


def contest_problems(contest: Contest) -> list[Problem]:
    """What the review step warns about before the contest is played: first what stops it from
    starting, then what it would be played with though it looks wrong."""
    problems = []
    teams = list(contest.teams.prefetch_related("members__member__unit").select_related("unit"))
    if not teams:
        problems.append(Problem(_("The contest has no teams."), blocks_start=True))
    rounds = list(contest.rounds.annotate(question_count=Count("questions")).order_by("position"))
    if not rounds:
        problems.append(Problem(_("The contest has no rounds."), blocks_start=True))
    problems += _empty_round_problems(rounds, reverse("contests:setup_rounds", args=[contest.join_code]))
    teams_page = reverse("contests:setup_teams", args=[contest.join_code])
    for team in teams:
        problems += _team_member_problems(team, f"{teams_page}#team-{team.pk}", contest.unit)
    legless = [t.name for t in teams if not any(p.leg for p in t.members.all())]
    if legless:
        problems.append(Problem(_("These teams have no members: %(names)s.") % {"names": listed(legless)}))
    dealing = [kind.type for kind in KINDS.values() if "teams_in_turn" in kind.settings]  # to teams in turn
    for round_ in contest.rounds.filter(type__in=dealing):
        in_turn = round_.questions.exclude(team=None).count()
        if teams and in_turn % len(teams):
            problems.append(
                Problem(
                    _("Round %(n)d gives the teams unequal numbers of questions: use a multiple of %(teams)d.")
                    % {"n": round_.position, "teams": len(teams)}
                )
            )
    return sorted(problems, key=lambda problem: not problem.blocks_start)


def _empty_round_problems(rounds: list[Round], link: str) -> list[Problem]:
    """Rounds without questions (`rounds` annotated with `question_count`): when none has any, the
    contest cannot start or be rehearsed (`rehearsal_missing` says so, in the same words); when some
    have, each empty round is named, as it has nothing to play."""
    empty = [round_ for round_ in rounds if not round_.question_count]
    if rounds and len(empty) == len(rounds):
        message = _("Add questions before starting: the contest's rounds have none yet.")
        return [Problem(message, blocks_start=True, link=link, link_text=_("Set up rounds"))]
    return [
        Problem(
            _("Round %(n)d, %(title)s, has no questions: it has nothing to play.")
            % {"n": round_.position, "title": round_.display_title},
            link=link,
            link_text=_("Set up rounds"),
        )
        for round_ in empty
    ]


def _team_member_problems(team: Team, link: str, contest_unit: Unit) -> list[Problem]:
    """A team's runners and captain who were deactivated (it cannot start with them: they cannot
    sign in), and its members now in a unit outside the team's (a warning: organisers may field
    teams across units), or outside the contest's (a warning to replace them: adding them is
    refused now, `check_members_inside_contest`)."""
    problems = []
    places = [p for p in team.members.all() if p.leg or p.is_captain]
    places.sort(key=lambda p: p.leg or 0)
    gone = [p for p in places if not p.member.is_active]
    if gone:
        names = pgettext("between list items", ", ").join(p.member.display_name for p in gone)
        if any(p.is_captain for p in gone):
            text = _(
                "%(team)s: %(names)s deactivated, cannot sign in; replace them in the relay order and choose "
                "another captain."
            )
        else:
            text = _("%(team)s: %(names)s deactivated, cannot sign in; replace them in the relay order.")
        message = text % {"team": team.display_name, "names": names}
        problems.append(Problem(message, blocks_start=True, link=link, link_text=_("Replace them on the team page")))
    for place in places:
        unit = place.member.unit
        if place.member.is_active and (unit is None or not unit.path.startswith(contest_unit.path)):
            message = (
                _(
                    "%(team)s: %(name)s is now in %(unit)s, outside %(contest_unit)s, the unit this contest "
                    "belongs to: replace them before starting."
                )
                if unit
                else _("%(team)s: %(name)s is now in no unit: replace them before starting.")
            ) % {
                "team": team.display_name,
                "name": place.member.display_name,
                "unit": unit.display_path if unit else "",
                "contest_unit": contest_unit.display_name,
            }
            problems.append(Problem(message, link=link, link_text=_("Open the team page")))
        elif place.member.is_active and unit is not None and not unit.path.startswith(team.unit.path):
            message = _("%(team)s: %(name)s is now in %(unit)s, outside the unit the team represents.") % {
                "team": team.display_name,
                "name": place.member.display_name,
                "unit": unit.display_path,
            }
            problems.append(Problem(message, link=link, link_text=_("Open the team page")))
    return problems


def contest_delete_refusal(contest: Contest) -> str:
    """Why the contest cannot be deleted, in words ("" when it can): one that has started keeps
    its results, and one a ranking rule reads stays for it."""
    from rankings.models import RuleSource  # rankings build on contests

    if contest.started_at is not None or contest.status != Contest.Status.DRAFT:
        return _("This contest has started: it keeps its results, so it cannot be deleted.")
    if RuleSource.objects.filter(contest=contest).exists():
        return _("A ranking rule reads this contest's scores: remove it from the rule first.")
    return ""


@transaction.atomic
def contest_delete(*, contest: Contest) -> None:
    """Delete a contest that never started, with its teams, rounds and rehearsals. Holds the
    contest's row lock, so a start racing the deletion either happens first (and the deletion is
    refused) or finds the contest gone."""
    contest = Contest.objects.select_for_update().get(pk=contest.pk)
    if refusal := contest_delete_refusal(contest):
        raise ContestRejected("contest_not_deletable", refusal)
    contest.delete()
