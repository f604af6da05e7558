"""Setting up and running a team relay over days. Every write goes through here.

A leg is an attempt at the relay's paper through the online contest's attempts (so lessons'
engine owns the deadline, the autosave and the grading, and the seed and device are kept the
same way). This module adds who holds the baton: only the holder starts a leg; a submitted (or
timed-out) leg passes the baton at once and tells the next holder; a deactivated runner is
skipped with an audit entry; the captain or an organiser skips or replaces a holder with a
reason; the window's end leaves unrun legs unrun and the team keeps what it has.

Locking: every change of a team's baton holds the team's row lock, so a submit, the sweep and a
skip at the same moment pass the baton once.
"""

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lessons.models import Attempt, Paper
from lessons.services import attempts
from lessons.services.attempts import AttemptRejected
from notifications.services import notify
from orgs import access
from orgs.models import Unit, User
from orgs.selectors import PEOPLE_BY_NAME
from quizsite.naming import listed, visible_text

from ..models import english_team_name, team_name_too_long
from ..online import services as online_services
from ..online.models import OnlineAttempt, OnlineAuditEntry
from ..online.services import ContestSetupRejected, DrawRule
from ..services.setup import BRANCH_KINDS, team_units
from .models import RelayContest, RelayLeg, RelayRunner, RelayTeam


@transaction.atomic
def relay_create(
    *,
    title: str,
    unit: Unit,
    audience: list[Unit],
    opens_at: datetime,
    closes_at: datetime,
    rules: list[DrawRule],
    by: User | None,
    leg_time_limit_s: int,
    start_within_h: int = 24,
    late_start: str = RelayContest.LateStart.FLAG,
    party_members_only: bool = False,
    description: str = "",
    shuffle: bool = True,
    results_shown: str = Paper.Review.AFTER_CLOSE,
    title_en: str = "",
    description_en: str = "",
) -> RelayContest:
    """Create a relay. Refused, with nothing stored, when a leg's draw cannot be filled (the
    shortfall is named) or the window runs backwards. A member may run any number of legs, so the
    paper allows unlimited attempts; the leg time limit is the paper's time limit."""
    if start_within_h < 1:
        raise ContestSetupRejected("start_within", _("Give holders at least one hour to start."))
    online = online_services.online_contest_create(
        title=title,
        title_en=title_en,
        unit=unit,
        audience=audience,
        opens_at=opens_at,
        closes_at=closes_at,
        rules=rules,
        by=by,
        party_members_only=party_members_only,
        description=description,
        description_en=description_en,
        max_attempts=0,
        time_limit_s=leg_time_limit_s,
        shuffle=shuffle,
        results_shown=results_shown,
    )
    return RelayContest.objects.create(online=online, start_within_h=start_within_h, late_start=late_start)


def relay_update(*, relay: RelayContest, by: User | None, start_within_h: int, late_start: str, **online_fields):
    """Edit the relay: the online contest's rules apply (once a leg has started the window only
    moves forward and is audited; the paper and leg limit stay), plus how late starts are met."""
    with transaction.atomic():
        closed_at = relay.online.paper.closes_at
        online_services.online_contest_update(contest=relay.online, by=by, **online_fields)
        _after_window_moved(relay, closed_at=closed_at)
        if (start_within_h, late_start) != (relay.start_within_h, relay.late_start):
            _audit(relay, by, "late_start_rule", hours=start_within_h, then=late_start)
        relay.start_within_h, relay.late_start = start_within_h, late_start
        relay.save(update_fields=["start_within_h", "late_start"])
    return relay


def _after_window_moved(relay: RelayContest, *, closed_at: datetime) -> None:
    """Running legs follow their attempts' new deadlines; if the relay had closed and now closes
    later, each team whose baton was left unrun at the close gets it back, told afresh."""
    paper = relay.online.paper
    now = timezone.now()
    for leg in RelayLeg.objects.filter(team__relay=relay, status=RelayLeg.Status.RUNNING).select_related(
        "online_attempt__attempt"
    ):
        if leg.deadline_at != leg.online_attempt.attempt.deadline_at:
            leg.deadline_at = leg.online_attempt.attempt.deadline_at
            leg.save(update_fields=["deadline_at"])
    if paper.closes_at <= closed_at or now >= paper.closes_at:
        return
    for team in RelayTeam.objects.select_for_update(of=("self",)).filter(
        relay=relay, baton__isnull=True, finished_at=closed_at
    ):
        unrun = team.legs.filter(status=RelayLeg.Status.UNRUN).first()
        if unrun is not None:
            unrun.status, unrun.baton_at, unrun.late_flagged_at = RelayLeg.Status.WAITING, now, None
            unrun.start_by = _start_by(relay, now)
            unrun.save(update_fields=["status", "baton_at", "start_by", "late_flagged_at"])
            team.baton, team.finished_at = unrun, None
            team.save(update_fields=["baton", "finished_at"])
            _tell_holder(relay, unrun)
        elif team.runners.filter(position__gt=_last_position(team)).exists():
            _pass_baton(relay, team, at=now)


def _audit(relay: RelayContest, actor: User | None, action: str, **detail) -> None:
    OnlineAuditEntry.objects.create(contest_id=relay.online_id, actor=actor, action=action, detail=detail)


# ---------------------------------------------------------------- teams


@dataclass(frozen=True)
class TeamPlan:
    """A team to make: its name, the unit it represents, its roster in order (members or units)
    and its captain (a member of the roster, or none). `for_unit`: made from units, so it stands
    for `unit` and replaces the team that already stands for it."""

    name: str
    unit: Unit
    roster: list[User] | list[Unit]
    captain: User | None = None
    for_unit: bool = False


class RosterRejected(ContestSetupRejected):
    """An imported roster refused whole, with every wrong row (`errors`, RowError each)."""

    def __init__(self, errors: list) -> None:
        super().__init__("roster_rows", "\n".join(_row_problem(error) for error in errors))
        self.errors = errors


def _row_problem(error) -> str:
    if not error.row:
        return error.message
    return _("Row %(n)d, column %(col)s: %(problem)s") % {"n": error.row, "col": error.column, "problem": error.message}


TEAMS_LOCKED = gettext_lazy("A leg has started: the teams can no longer change.")


def teams_locked(relay: RelayContest) -> bool:
    """Whether a leg of the relay has started, so its teams can no longer change."""
    return RelayLeg.objects.filter(team__relay=relay, started_at__isnull=False).exists()


def _check_teams_editable(relay: RelayContest) -> None:
    if teams_locked(relay):
        raise ContestSetupRejected("relay_started", str(TEAMS_LOCKED))


def _eligible(relay: RelayContest):
    """The active members of the relay's audience who may run (party members, if it says so): an
    imported roster finds members among these only, so a refusal never names someone elsewhere."""
    within = Q(pk__in=[])
    for unit in relay.online.audience.all():
        within |= Q(unit__path__startswith=unit.path)
    members = User.objects.filter(within, is_active=True)
    if relay.online.party_members_only:
        members = members.filter(is_party_member=True)
    return members


def teams_replaced(*, relay: RelayContest, plans: list[TeamPlan]) -> list[RelayTeam]:
    """The relay's teams that making `plans` would delete: each with a planned team's name, or
    standing for a unit a team made from units now stands for. Every other team stays."""
    names = {plan.name for plan in plans}
    units = {plan.unit.pk for plan in plans if plan.for_unit}
    return list(relay.teams.filter(Q(name__in=names) | Q(unit__in=units)).order_by("position", "id"))


def _withdraw_baton_notices(relay: RelayContest, teams: list[RelayTeam]) -> int:
    """Delete the "baton is yours" notifications of teams being deleted: they would send members
    to a leg of a team that no longer exists. Returns how many were withdrawn."""
    if not teams:
        return 0
    from notifications.models import Notification

    return Notification.objects.filter(
        kind="relay_baton",
        url=reverse("contests:relay_home", args=[relay.pk]),
        params__team__in=[team.name for team in teams],
    ).delete()[0]


@transaction.atomic
def relay_teams_set(
    *,
    relay: RelayContest,
    plans: list[TeamPlan],
    by: User | None,
    replacing: Iterable[int] = (),
    at: datetime | None = None,
):
    """Add `plans` to the relay's teams and hand each new team its first baton. A planned team
    replaces the team with its name (or, made from units, the one standing for its unit) only
    when `replacing` lists exactly those teams' ids, as the organiser confirmed them; other teams
    stay. Refused once a leg has started, for an empty roster, for a runner outside the relay's
    audience or already on a team that stays."""
    at = at or timezone.now()
    relay = RelayContest.objects.select_for_update(of=("self",)).select_related("online__paper").get(pk=relay.pk)
    _check_teams_editable(relay)
    if not plans:
        raise ContestSetupRejected("no_teams", _("No teams to make: choose a unit with party branches and members."))
    replaced = teams_replaced(relay=relay, plans=plans)
    if {team.pk for team in replaced} != set(replacing):
        names = listed(team.name for team in replaced)
        message = _("Making these teams deletes %(teams)s and their rosters: confirm to go on.") % {"teams": names}
        raise ContestSetupRejected("confirm_replace", message)
    audience = list(relay.online.audience.all())
    kept = (
        RelayRunner.objects.filter(team__relay=relay)
        .exclude(team__in=replaced)
        .select_related("team", "member__unit", "unit")
    )
    kept_members = {r.member_id: r.team.name for r in kept if r.member_id}
    kept_units = {r.unit_id: r.team.name for r in kept if r.unit_id}
    # Whoever may run for a team: its members, and every member inside its units (`holds_baton`).
    running = _Running([(r.member or r.unit, r.team.name) for r in kept])
    names = set()
    for plan in plans:
        if not plan.roster:
            message = _("Team %(team)s has nobody on its roster.") % {"team": plan.name}
            raise ContestSetupRejected("empty_roster", message)
        if too_long := team_name_too_long(plan.name):  # a unit's name, when teams are made from units
            raise ContestSetupRejected("team_name_too_long", f"{plan.name}: {too_long}")
        if plan.name in names:
            raise ContestSetupRejected("team_twice", _("Two teams are called %(team)s.") % {"team": plan.name})
        names.add(plan.name)
        for runner in plan.roster:
            path = runner.path if isinstance(runner, Unit) else (runner.unit.path if runner.unit else "~")
            if not any(path.startswith(u.path) for u in audience):
                raise ContestSetupRejected(
                    "runner_outside",
                    _("%(who)s (team %(team)s) is outside the relay's units.")
                    % {"who": _who(runner), "team": plan.name},
                )
            other = (kept_units if isinstance(runner, Unit) else kept_members).get(runner.pk)
            if other is not None:
                raise ContestSetupRejected(
                    "runner_on_kept_team",
                    _("%(who)s already runs for team %(other)s, which stays: take them off it first.")
                    % {"who": _who(runner), "other": other},
                )
            running.check(runner, plan.name)
        running.add([(runner, plan.name) for runner in plan.roster])
    _withdraw_baton_notices(relay, replaced)
    RelayLeg.objects.filter(team__in=replaced).delete()
    RelayTeam.objects.filter(pk__in=[team.pk for team in replaced]).delete()
    after = relay.teams.order_by("-position").values_list("position", flat=True).first() or 0
    teams = []
    for number, plan in enumerate(plans, start=after + 1):
        team = RelayTeam.objects.create(
            relay=relay, name=plan.name, unit=plan.unit, captain=plan.captain, position=number
        )
        RelayRunner.objects.bulk_create(
            RelayRunner(
                team=team,
                position=position,
                member=runner if isinstance(runner, User) else None,
                unit=runner if isinstance(runner, Unit) else None,
                unit_at_start=runner.unit if isinstance(runner, User) else runner,
            )
            for position, runner in enumerate(plan.roster, start=1)
        )
        _pass_baton(relay, team, at=max(at, relay.paper.opens_at))
        teams.append(team)
    _audit(
        relay,
        by,
        "teams_set",
        teams=len(teams),
        runners=sum(len(p.roster) for p in plans),
        replaced=[team.name for team in replaced],
    )
    return teams


class _Running:
    """The runners of a relay's teams, members and units, to refuse one person on two teams: a
    member of one team inside a unit (or its subtree) that runs a leg for another, or either way
    round, since any active member of a unit's subtree may run that unit's leg."""

    def __init__(self, runners: list[tuple[User | Unit, str]]) -> None:
        self.members: list[tuple[User, str]] = []
        self.units: list[tuple[Unit, str]] = []
        self.add(runners)

    def add(self, runners: list[tuple[User | Unit, str]]) -> None:
        for runner, team in runners:
            (self.units if isinstance(runner, Unit) else self.members).append((runner, team))

    def check(self, runner: User | Unit, team: str) -> None:
        if isinstance(runner, Unit):
            pairs = [(member, other, runner, team) for member, other in self.members if other != team]
        else:
            pairs = [(runner, team, unit, other) for unit, other in self.units if other != team]
        for member, member_team, unit, unit_team in pairs:
            if member.unit is not None and member.unit.path.startswith(unit.path):
                raise ContestSetupRejected(
                    "runner_on_two_teams",
                    _(
                        "%(member)s runs for team %(team)s and belongs to %(unit)s, which runs a leg for team "
                        "%(other)s: a person may run for one team only."
                    )
                    % {"member": member.display_name, "team": member_team, "unit": unit.name, "other": unit_team},
                )


def _who(runner: User | Unit) -> str:
    return runner.name if isinstance(runner, Unit) else runner.display_name


def plans_from_units(*, relay: RelayContest, parent: Unit | None, legs_by_unit: bool = False) -> list[TeamPlan]:
    """Teams made in bulk under `parent` (none: under every unit of the relay's audience): one
    team per party branch, its active members in order of name as the roster (the first is
    captain), and one per 党总支 that holds no party branch, of the members placed in it (members
    placed in any other unit, a 党总支 holding branches or an office or department directly, are
    left to the organiser: `members_left_out`); or,
    with `legs_by_unit`, one team per unit directly under it, its party branches as the legs (the
    baton passes between branches)."""
    eligible = _eligible(relay)
    roots = [parent] if parent is not None else list(relay.online.audience.order_by("path"))
    plans, seen = [], set()
    for root in roots:
        if legs_by_unit:
            for child in Unit.objects.filter(path__startswith=root.path, depth=root.depth + 1).order_by("path"):
                branches = list(
                    Unit.objects.filter(path__startswith=child.path, kind__in=BRANCH_KINDS).order_by("path")
                )
                if branches and child.pk not in seen:
                    seen.add(child.pk)
                    plans.append(TeamPlan(name=child.name, unit=child, roster=branches, for_unit=True))
            continue
        for branch in team_units(root):
            members = list(eligible.filter(unit=branch).order_by(*PEOPLE_BY_NAME))
            if members and branch.pk not in seen:
                seen.add(branch.pk)
                plans.append(TeamPlan(name=branch.name, unit=branch, roster=members, captain=members[0], for_unit=True))
    return plans


def members_left_out(*, relay: RelayContest, parent: Unit | None, by: User | None = None) -> list[User]:
    """The members `plans_from_units` (one team per party branch) puts on no team although they
    may run, for the organiser to place by hand: those placed in a unit no team is made from, such
    as a 党总支 holding party branches (its secretary, say), or an office or department directly
    rather than in one of its branches. `by`, the organiser making the teams, is not named."""
    roots = [parent] if parent is not None else list(relay.online.audience.order_by("path"))
    within = Q(pk__in=[])
    for root in roots:
        within |= Q(unit__path__startswith=root.path)
    made_from = [unit.pk for root in roots for unit in team_units(root)]
    members = _eligible(relay).filter(within).exclude(unit__in=made_from)
    if by is not None:
        members = members.exclude(pk=by.pk)
    return list(members.select_related("unit").order_by(*PEOPLE_BY_NAME))


def plans_from_rows(*, relay: RelayContest, rows: list[dict]) -> list[TeamPlan]:
    """Teams imported as roster rows, each a dict of the sheet's texts (`number`, `team`,
    `member` (employee number or username), `name`, `captain`, `leg`), read by the live
    contest's roster columns and checked by its rules: the name must be the member's, the
    captain is marked 是 / yes, the relay order is a whole number. Refused whole, listing every
    wrong row by its number in the sheet and its column (RosterRejected)."""
    from quizsite.spreadsheets import RowError

    from ..wizard.roster import COLUMN_NAMES, same_name
    from ..wizard.roster import NO as CAPTAIN_NO
    from ..wizard.roster import YES as CAPTAIN_YES

    keys = [row["member"] for row in rows]
    eligible = list(_eligible(relay).filter(Q(employee_no__in=keys) | Q(username__in=keys)).select_related("unit"))
    by_number = {u.employee_no: u for u in eligible if u.employee_no}
    by_username = {u.username: u for u in eligible}
    errors: list[RowError] = []
    order: dict[str, list[tuple[int, int, User]]] = {}
    captains: dict[str, User] = {}
    first_rows: dict[str, int] = {}
    placed: dict[int, int] = {}

    def fail(row: dict, column: str, message: str) -> None:
        errors.append(RowError(row["number"], row.get("headers", {}).get(column) or str(COLUMN_NAMES[column]), message))

    for row in rows:
        team = visible_text(row["team"])  # a name of only zero-width spaces is no name
        if not team:
            fail(row, "team", _("Name the team."))
            continue
        if too_long := team_name_too_long(team):
            fail(row, "team", too_long)
            continue
        first_rows.setdefault(team, row["number"])
        key = row["member"]
        if not key:
            fail(row, "member", _("Give the member's employee number or username."))
            continue
        member = by_number.get(key) or by_username.get(key)
        if member is None:
            fail(
                row,
                "member",
                _("No active member of the relay's units has the employee number or username “%(key)s”.")
                % {"key": key},
            )
            continue
        if member.pk in placed:
            fail(
                row,
                "member",
                _("%(name)s is already on the roster in row %(row)d.")
                % {"name": member.display_name, "row": placed[member.pk]},
            )
            continue
        placed[member.pk] = row["number"]
        if row["name"] and not same_name(row["name"], member):
            fail(
                row,
                "name",
                _(
                    "The name “%(typed)s” is not the name of the member with employee number or username "
                    "“%(key)s”, who is %(actual)s: check the employee number (or correct the name)."
                )
                % {"typed": row["name"], "key": key, "actual": member.display_name},
            )
            continue
        if row["leg"] and not row["leg"].isdecimal():
            fail(row, "leg", _("The relay order is a whole number: 1, 2, 3…"))
            continue
        captain = row["captain"].lower()
        if captain not in CAPTAIN_YES | CAPTAIN_NO:
            fail(
                row,
                "captain",
                _("Write “yes” (or 是) for the team’s captain and leave it empty for the others, not “%(value)s”.")
                % {"value": row["captain"]},
            )
            continue
        if captain in CAPTAIN_YES:
            if team in captains:
                fail(row, "captain", _("Team “%(name)s” already has a captain.") % {"name": team})
                continue
            captains[team] = member
        leg = int(row["leg"]) if row["leg"] else 1000 + row["number"]
        order.setdefault(team, []).append((leg, row["number"], member))
    for team, runners in order.items():
        legs = [leg for leg, _row, _m in runners if leg < 1000]
        if len(legs) != len(set(legs)):
            errors.append(
                RowError(
                    first_rows[team],
                    str(COLUMN_NAMES["leg"]),
                    _("Team “%(name)s” gives two members the same relay order.") % {"name": team},
                )
            )
    if errors:
        raise RosterRejected(sorted(errors, key=lambda error: error.row))
    plans = []
    for name, runners in order.items():
        members = [member for _leg, _row, member in sorted(runners, key=lambda runner: runner[:2])]
        plans.append(TeamPlan(name=name, unit=members[0].unit, roster=members, captain=captains.get(name, members[0])))
    return plans


# ---------------------------------------------------------------- the baton


def _start_by(relay: RelayContest, baton_at: datetime) -> datetime:
    return max(baton_at, relay.paper.opens_at) + timedelta(hours=relay.start_within_h)


def _last_position(team: RelayTeam) -> int:
    return team.legs.order_by("-position").values_list("position", flat=True).first() or 0


def _pass_baton(relay: RelayContest, team: RelayTeam, *, at: datetime):
    """Give the baton to the runner after the team's last leg, skipping (with an audit entry)
    runners who were deactivated. None past the last runner or after the window closed.

    Call while holding the row lock on `team`."""
    last = _last_position(team)
    closes_at = relay.paper.closes_at
    for runner in team.runners.filter(position__gt=last).select_related("member", "unit"):
        if at >= closes_at:
            break
        leg = RelayLeg(
            team=team,
            runner=runner,
            position=runner.position,
            holder=runner.member,
            holder_unit=runner.unit,
            baton_at=at,
            start_by=_start_by(relay, at),
        )
        if runner.member is not None and not runner.member.is_active:
            leg.status, leg.finished_at = RelayLeg.Status.SKIPPED, at
            leg.skip_reason = _("%(who)s's account is deactivated.") % {"who": runner.member.display_name}
            leg.save()
            _audit(relay, None, "leg_auto_skipped", team=team.name, leg=leg.position, reason=leg.skip_reason)
            continue
        leg.save()
        team.baton = leg
        team.save(update_fields=["baton"])
        _tell_holder(relay, leg)
        return leg
    team.baton = None
    team.finished_at = min(at, closes_at)
    team.save(update_fields=["baton", "finished_at"])
    return None


def _holders(leg: RelayLeg) -> list[User]:
    if leg.holder is not None:
        return [leg.holder]
    return list(User.objects.filter(is_active=True, unit__path__startswith=leg.holder_unit.path))


def _tell_holder(relay: RelayContest, leg: RelayLeg) -> None:
    notify(
        recipients=_holders(leg),
        kind="relay_baton",
        params={
            "contest": relay.paper.title,
            "contest_en": relay.paper.title_en,
            "team": leg.team.name,
            "team_en": english_team_name(leg.team.name, leg.team.unit.name, leg.team.unit.name_en),
            "leg": leg.position,
            "start_by_at": leg.start_by.isoformat(),  # written in the reader's language when shown
        },
        url=reverse("contests:relay_home", args=[relay.pk]),
    )


def holds_baton(leg: RelayLeg, member: User) -> bool:
    """Whether `member` may run `leg`: its holder, or (for a unit's leg nobody has started) an
    active member of that unit."""
    if leg.holder_id is not None:
        return leg.holder_id == member.pk
    return member.is_active and member.unit is not None and member.unit.path.startswith(leg.holder_unit.path)


def _locked_team(team: RelayTeam) -> RelayTeam:
    return RelayTeam.objects.select_for_update(of=("self",)).select_related("relay__online__paper").get(pk=team.pk)


def relay_leg_start(*, team: RelayTeam, member: User, device: str, at: datetime | None = None) -> RelayLeg:
    """Start the team's current leg (or resume it; from another device, take it over). Only the
    baton holder may; the attempt's deadline is the leg limit, cut at the window's end."""
    at = at or timezone.now()
    paper = team.relay.online.paper
    if at < paper.opens_at:
        raise AttemptRejected(
            "not_open_yet", _("The relay opens at %(t)s.") % {"t": online_services._stamp(paper.opens_at)}
        )
    if at >= paper.closes_at:
        raise AttemptRejected(
            "closed", _("The relay closed at %(t)s.") % {"t": online_services._stamp(paper.closes_at)}
        )
    _sync_team(team.pk, at=at)  # committed on its own: a late start skipped stays skipped
    with transaction.atomic():
        return _start(_locked_team(team), member=member, device=device, at=at)


def _start(team: RelayTeam, *, member: User, device: str, at: datetime) -> RelayLeg:
    relay, paper = team.relay, team.relay.online.paper
    leg = RelayLeg.objects.select_related("holder", "holder_unit").filter(pk=team.baton_id).first()
    if leg is None:
        raise AttemptRejected("relay_over", _("Your team's relay is over."))
    if not holds_baton(leg, member):
        holder = leg.holder.display_name if leg.holder else leg.holder_unit.name
        message = _("The baton is with %(holder)s: your leg opens when it reaches you.") % {"holder": holder}
        raise AttemptRejected("not_baton_holder", message)
    if other := _other_team_run_for(relay, team, member):
        message = _("You run for team %(other)s in this relay: a person may run for one team only.") % {
            "other": other.name
        }
        raise AttemptRejected("runs_for_another_team", message)
    if leg.status == RelayLeg.Status.RUNNING:
        return _resume(leg, device=device, at=at)
    seed = secrets.randbits(62)
    attempt = attempts.attempt_start(paper=paper, member=member, at=at, seed=seed)
    leg.online_attempt = OnlineAttempt.objects.create(contest=relay.online, attempt=attempt, seed=seed, device=device)
    leg.status, leg.holder, leg.started_at, leg.deadline_at = RelayLeg.Status.RUNNING, member, at, attempt.deadline_at
    leg.save(update_fields=["online_attempt", "status", "holder", "started_at", "deadline_at"])
    from .tasks import relay_leg_close

    transaction.on_commit(lambda: relay_leg_close.apply_async((leg.pk,), eta=leg.deadline_at))
    return leg


def _other_team_run_for(relay: RelayContest, team: RelayTeam, member: User) -> RelayTeam | None:
    """Another team of the relay that `member` is a runner of, or has held a leg for (a unit's leg
    or a replacement): a member who moved into a unit running for another team since the teams
    were made would otherwise run for both."""
    others = RelayTeam.objects.filter(relay=relay).exclude(pk=team.pk)
    return (
        others.filter(Q(runners__member=member) | Q(legs__holder=member, legs__started_at__isnull=False))
        .order_by("position", "pk")
        .first()
    )


def _resume(leg: RelayLeg, *, device: str, at: datetime) -> RelayLeg:
    online = leg.online_attempt
    online.attempt = attempts.ensure_current(online.attempt, at=at)
    if not online.attempt.is_open:  # the deadline passed between the sweeps: the leg is over
        raise AttemptRejected("leg_over", _("Time is up: your leg was submitted at its deadline."))
    leg.online_attempt = online_services.online_attempt_claim(online=online, device=device, at=at)
    return leg


def relay_leg_submitted(*, online: OnlineAttempt, at: datetime | None = None) -> RelayLeg | None:
    """Close the leg `online` runs, if its attempt is finished, and pass the baton at once.
    Idempotent: a second submit or a later sweep finds the leg closed and does nothing."""
    leg = RelayLeg.objects.filter(online_attempt=online, status=RelayLeg.Status.RUNNING).first()
    if leg is None:
        return None
    return relay_leg_close(leg=leg, at=at)


@transaction.atomic
def relay_leg_close(*, leg: RelayLeg, at: datetime | None = None) -> RelayLeg:
    """Close a running leg whose attempt is finished (submitted, or past its deadline: then
    graded as of the deadline), record its result and pass the baton. No-op otherwise."""
    at = at or timezone.now()
    team = _locked_team(leg.team)
    leg = RelayLeg.objects.select_related("online_attempt__attempt__paper").get(pk=leg.pk)
    if leg.status != RelayLeg.Status.RUNNING:
        return leg
    attempt = attempts.ensure_current(leg.online_attempt.attempt, at=at)
    if attempt.is_open:
        return leg
    _record_result(leg, attempt)
    if team.baton_id == leg.pk:
        _pass_baton(team.relay, team, at=at)
    return leg


def _record_result(leg: RelayLeg, attempt: Attempt) -> None:
    items = attempt.items.select_related("answer")
    leg.questions = len(items)
    leg.right = sum(1 for item in items if getattr(item, "answer", None) is not None and item.answer.is_correct)
    leg.score, leg.max_score = attempt.score, attempt.max_score
    leg.finished_at = attempt.finished_at
    # To the millisecond, as online contests rank attempts (`Attempt.time_used_s`): cut to whole
    # seconds, three legs of 10.9 s (32.7 s) would count as 30 and beat 10 + 10 + 11 s.
    leg.time_used_s = Decimal(str(attempt.time_used_s))
    leg.status = RelayLeg.Status.FINISHED
    leg.save(update_fields=["questions", "right", "score", "max_score", "finished_at", "time_used_s", "status"])


def may_steer(user: User, team: RelayTeam) -> bool:
    """The team's captain and organisers of the relay's unit may skip or replace a holder."""
    return (team.captain_id is not None and team.captain_id == user.pk) or access.can_manage_unit(
        user, team.relay.online.paper.unit
    )


def check_may_steer(user: User, team: RelayTeam) -> None:
    if not may_steer(user, team):
        raise AttemptRejected("not_captain", _("Only the team's captain or an organiser may do this."))


def _waiting_leg(team: RelayTeam, leg: RelayLeg, by: User, reason: str) -> RelayLeg:
    check_may_steer(by, team)
    if not reason.strip():
        raise AttemptRejected("reason_needed", _("Give a reason: it goes into the audit log."))
    leg = RelayLeg.objects.select_related("holder", "holder_unit").get(pk=leg.pk)
    if team.baton_id != leg.pk or leg.status != RelayLeg.Status.WAITING:
        raise AttemptRejected("leg_not_waiting", _("Only a holder who has not started yet can be skipped or replaced."))
    return leg


@transaction.atomic
def relay_leg_skip(*, leg: RelayLeg, by: User, reason: str, at: datetime | None = None) -> RelayLeg:
    """Skip the holder of the team's waiting leg (captain or organiser), with a reason in the
    audit log; the baton passes to the next runner."""
    at = at or timezone.now()
    team = _locked_team(leg.team)
    leg = _waiting_leg(team, leg, by, reason)
    leg.status, leg.finished_at, leg.skip_reason, leg.skipped_by = RelayLeg.Status.SKIPPED, at, reason.strip(), by
    leg.save(update_fields=["status", "finished_at", "skip_reason", "skipped_by"])
    who = _leg_who(leg)
    _audit(team.relay, by, "leg_skipped", team=team.name, leg=leg.position, holder=who, reason=leg.skip_reason)
    _pass_baton(team.relay, team, at=at)
    return leg


def _leg_who(leg: RelayLeg) -> str:
    return leg.holder.display_name if leg.holder else leg.holder_unit.name


def replacement_refused(username: str) -> AttemptRejected:
    """The one refusal of a replacement holder, the same for an unknown username as for a member
    outside the relay's audience: a captain must not learn who has an account elsewhere (nor
    their real name) by trying usernames."""
    return AttemptRejected(
        "replacement_outside",
        _("No member who may run in this relay has the username %(username)s.") % {"username": username},
    )


@transaction.atomic
def relay_holder_replace(*, leg: RelayLeg, by: User, member: User, reason: str, at: datetime | None = None) -> RelayLeg:
    """Give the team's waiting leg to another active member (captain or organiser), with a reason
    in the audit log; the new holder is told and has the full time to start."""
    at = at or timezone.now()
    team = _locked_team(leg.team)
    leg = _waiting_leg(team, leg, by, reason)
    relay = team.relay
    audience = list(relay.online.audience.all())
    if (
        not member.is_active
        or member.unit is None
        or not any(member.unit.path.startswith(u.path) for u in audience)
        or (relay.online.party_members_only and not member.is_party_member)
    ):
        raise replacement_refused(member.username)
    other = (
        RelayTeam.objects.filter(relay=relay)
        .exclude(pk=team.pk)
        .filter(Q(runners__member=member) | Q(legs__holder=member))
        .first()
    )
    if other is not None:  # one member runs for one team, as the roster import has it
        raise AttemptRejected(
            "replacement_on_other_team",
            _("%(name)s runs for team %(team)s in this relay.") % {"name": member.display_name, "team": other.name},
        )
    was = _leg_who(leg)
    leg.holder, leg.baton_at, leg.start_by, leg.late_flagged_at = member, at, _start_by(relay, at), None
    leg.save(update_fields=["holder", "baton_at", "start_by", "late_flagged_at"])
    _audit(
        relay, by, "holder_replaced", team=team.name, leg=leg.position, was=was, now=member.display_name, reason=reason
    )
    _tell_holder(relay, leg)
    return leg


# ---------------------------------------------------------------- time


def _apply_due(relay: RelayContest, team: RelayTeam, *, at: datetime) -> None:
    """Bring one team up to `at`: close its leg past the deadline, meet a late start as the relay
    says, and at the window's end leave a waiting leg unrun. Call holding the team's row lock."""
    leg = RelayLeg.objects.select_related("online_attempt__attempt__paper", "holder", "holder_unit").filter(
        pk=team.baton_id
    )
    leg = leg.first()
    if leg is None:
        return
    closes_at = relay.paper.closes_at
    if leg.status == RelayLeg.Status.RUNNING:
        attempt = attempts.ensure_current(leg.online_attempt.attempt, at=at)
        if not attempt.is_open:
            _record_result(leg, attempt)
            _pass_baton(relay, team, at=at)
            _apply_due(relay, team, at=at)
        return
    if at >= closes_at:
        leg.status = RelayLeg.Status.UNRUN
        leg.save(update_fields=["status"])
        team.baton, team.finished_at = None, closes_at
        team.save(update_fields=["baton", "finished_at"])
        return
    if at < leg.start_by or leg.late_flagged_at is not None:
        return
    hours = relay.start_within_h
    if relay.late_start == RelayContest.LateStart.SKIP:
        leg.status, leg.finished_at = RelayLeg.Status.SKIPPED, at
        leg.skip_reason = _("Did not start within %(h)d hours.") % {"h": hours}
        leg.save(update_fields=["status", "finished_at", "skip_reason"])
        _audit(relay, None, "leg_auto_skipped", team=team.name, leg=leg.position, reason=leg.skip_reason)
        _pass_baton(relay, team, at=at)
        _apply_due(relay, team, at=at)
        return
    leg.late_flagged_at = at
    leg.save(update_fields=["late_flagged_at"])
    _audit(relay, None, "leg_flagged_late", team=team.name, leg=leg.position, holder=_leg_who(leg))
    if team.captain_id and team.captain.is_active:
        notify(
            recipients=[team.captain],
            kind="relay_stalled",
            params={
                "contest": relay.paper.title,
                "contest_en": relay.paper.title_en,
                "team": team.name,
                "team_en": english_team_name(team.name, team.unit.name, team.unit.name_en),
                "holder": _leg_who(leg),
                "hours": hours,
            },
            url=reverse("contests:relay_home", args=[relay.pk]),
        )


def relay_sync(*, relay: RelayContest, teams: list[RelayTeam] | None = None, at: datetime | None = None) -> None:
    """Bring every team of the relay (or these teams) up to `at`, one team at a time, each under
    its row lock. The beat sweep calls it; so do the pages, since the embedded default runs no beat."""
    at = at or timezone.now()
    due = relay.teams.filter(baton__isnull=False)
    if teams is not None:
        due = due.filter(pk__in=[team.pk for team in teams])
    for team_id in due.values_list("pk", flat=True):
        _sync_team(team_id, at=at)


def _sync_team(team_id: int, *, at: datetime) -> None:
    with transaction.atomic():
        team = RelayTeam.objects.select_for_update(of=("self",)).select_related("relay__online__paper", "captain")
        team = team.filter(pk=team_id).first()
        if team is not None:
            _apply_due(team.relay, team, at=at)


def relays_sync_due(*, at: datetime | None = None) -> int:
    """The sweep: sync every relay with a baton still out. Returns how many relays it looked at."""
    at = at or timezone.now()
    relays = RelayContest.objects.filter(teams__baton__isnull=False).select_related("online__paper").distinct()
    count = 0
    for relay in relays:
        relay_sync(relay=relay, at=at)
        count += 1
    return count
