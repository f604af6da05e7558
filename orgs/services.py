"""Every write to units, members and roles. Moves append placement rows; nothing is edited."""

import secrets
from datetime import datetime

from axes.utils import reset as axes_reset
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from quizsite.naming import joined_sentences, listed, visible_text

from . import access, moves, selectors
from .models import (
    EMPLOYEE_NO_FORM,
    UNIT_KINDS_HOLDING_BRANCHES_ONLY,
    UNIT_KINDS_HOLDING_NONE,
    Activity,
    MemberPlacement,
    Role,
    RoleGrant,
    Unit,
    UnitPlacement,
    User,
)
from .paths import unit_name_key, unit_name_tidied
from .sockets import SignInEnded, member_sockets_end
from .tokens import live_tokens, token_revoke


class OrgError(Exception):
    """A refused change to the organisation, with a stable code and a readable message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def activity_record(
    *,
    kind: str,
    by: User | None,
    member: User | None = None,
    unit: Unit | None = None,
    from_unit: Unit | None = None,
    to_unit: Unit | None = None,
    role: str = "",
    old_name: str = "",
    old_value: str = "",
    new_value: str = "",
    reason: str = "",
    name: str | None = None,
    at: datetime | None = None,
) -> Activity:
    """Append one row to the organisation's activity (`Activity`). Call inside the change's
    transaction, after the change, so the record and the change commit or vanish together."""
    return Activity.objects.create(
        at=at or timezone.now(),
        kind=kind,
        actor=by if by is not None and by.pk else None,
        member=member,
        member_name=member.display_name if member is not None else "",
        unit=unit,
        name=name if name is not None else (unit.name if unit is not None else ""),
        from_unit=from_unit,
        to_unit=to_unit,
        role=role,
        old_name=old_name,
        old_value=old_value,
        new_value=new_value,
        reason=reason[:200],
    )


def _siblings(parent: Unit | None):
    return parent.child_units() if parent is not None else Unit.objects.get_root_nodes()


def check_unit_name_free(*, name: str, parent: Unit | None, exclude: Unit | None = None) -> None:
    """Sibling names are unique, compared as typed paths are (`unit_name_key`: Ｘ处 is X处, 一 处
    is 一处), so a path like 审计署/广州特派办 names one unit whichever way it is typed."""
    key = unit_name_key(name)
    siblings = _siblings(parent)
    if exclude is not None:
        siblings = siblings.exclude(pk=exclude.pk)
    taken = next((other for other in siblings.values_list("name", flat=True) if unit_name_key(other) == key), None)
    if taken is not None:
        raise OrgError(
            "unit_name_taken",
            _("A unit named “%(name)s” already exists here.") % {"name": taken}
            if taken == name
            else _(
                "“%(name)s” reads the same as “%(taken)s”, which already exists here (full-width and"
                " half-width characters, spaces beside Chinese characters and letter case do not count)."
            )
            % {"name": name, "taken": taken},
        )


# The order of the tree, as the refusals below print it.
UNIT_ORDER_TEXT = _lazy("organ > office / bureau > department > general Party branch > party branch")


def _kind_label(kind: str) -> str:
    return str(Unit.Kind(kind).label)


def check_unit_under(*, name: str, kind: str, parent: Unit | None, kind_before: str | None = None) -> None:
    """Refuse a unit `name` of `kind` under `parent` out of the tree's order (`Unit.Kind.may_hold`).

    `kind_before`: the unit's kind before an edit that keeps its parent. A pair already out of
    order (a database that predates this rule) may stay so: the edit did not make it, and
    refusing would stop a rename too. An edit may not put a pair out of order that was in order.
    """
    if parent is None or Unit.Kind.may_hold(parent.kind, kind):
        return
    if kind_before is not None and not Unit.Kind.may_hold(parent.kind, kind_before):
        return
    params = {
        "name": name,
        "kind": _kind_label(kind),
        "parent": parent.display_name,
        "parent_kind": _kind_label(parent.kind),
        "order": UNIT_ORDER_TEXT,
    }
    if parent.kind in UNIT_KINDS_HOLDING_NONE:
        message = _(
            "“%(name)s” (%(kind)s) cannot go under “%(parent)s” (%(parent_kind)s): a party branch, temporary or"
            " not, has no subunits."
        )
    elif parent.kind in UNIT_KINDS_HOLDING_BRANCHES_ONLY:
        message = _(
            "“%(name)s” (%(kind)s) cannot go under “%(parent)s” (%(parent_kind)s): a general Party branch holds"
            " party branches only, temporary or not."
        )
    else:
        message = _(
            "“%(name)s” (%(kind)s) cannot go under “%(parent)s” (%(parent_kind)s): a unit goes under one of its"
            " own level or a higher one (%(order)s)."
        )
    raise OrgError("unit_kind_parent", message % params)


def check_unit_holds(*, unit: Unit, kind: str) -> None:
    """Refuse changing `unit` to `kind` when a subunit it holds in order would then be out of
    order (`Unit.Kind.may_hold`); subunits already out of order stay as they are."""
    for child in unit.child_units().order_by("path"):
        if Unit.Kind.may_hold(kind, child.kind) or not Unit.Kind.may_hold(unit.kind, child.kind):
            continue
        params = {
            "name": unit.display_name,
            "kind": _kind_label(kind),
            "child": child.display_name,
            "child_kind": _kind_label(child.kind),
            "order": UNIT_ORDER_TEXT,
        }
        if kind in UNIT_KINDS_HOLDING_NONE:
            message = _(
                "“%(name)s” cannot be changed to “%(kind)s”: it holds “%(child)s” (%(child_kind)s), and a party"
                " branch, temporary or not, has no subunits. Move or delete its subunits first."
            )
        elif kind in UNIT_KINDS_HOLDING_BRANCHES_ONLY:
            message = _(
                "“%(name)s” cannot be changed to “%(kind)s”: it holds “%(child)s” (%(child_kind)s), and a general"
                " Party branch holds party branches only. Move that subunit first."
            )
        else:
            message = _(
                "“%(name)s” cannot be changed to “%(kind)s”: it holds “%(child)s” (%(child_kind)s), which ranks"
                " above that (%(order)s). Move that subunit first."
            )
        raise OrgError("unit_kind_children", message % params)


def _check_unit_fields(*, name: str, kind: str, ends_on, saved: Unit | None = None) -> str:
    """The tidied name (`unit_name_tidied`), or OrgError. Only a temporary branch is given an end
    date here; `saved`, the unit as saved, may keep its own (`check_unit_end_date`)."""
    name = unit_name_tidied(name)
    if not name:
        raise OrgError("unit_name_blank", _("A unit needs a name."))
    if "/" in name or "／" in name:
        raise OrgError("unit_name_slash", _("A unit name cannot contain “/”: it separates path levels."))
    if kind not in Unit.Kind.values:
        raise OrgError("unit_kind_unknown", _("Unknown unit kind “%(kind)s”.") % {"kind": kind})
    if kind == Unit.Kind.TEMPORARY_BRANCH and ends_on is None:
        raise OrgError("temporary_needs_end", _("A temporary branch needs an end date."))
    check_unit_end_date(kind=kind, ends_on=ends_on, saved=saved)
    return name


def check_unit_end_date(*, kind: str, ends_on, saved: Unit | None = None) -> None:
    """Only a temporary branch is given an end date. A closed unit (`saved.closed_at`) keeps the
    date it was closed on whatever its kind. An open temporary branch changed to another kind is
    refused while its end date is filled, not cleared behind the editor's back: the date was its
    last day, and whether the unit now runs on is theirs to say by emptying it."""
    if kind == Unit.Kind.TEMPORARY_BRANCH or ends_on is None:
        return
    if saved is not None and saved.ends_on == ends_on:
        if saved.closed_at is not None or saved.kind == kind:
            return
        if saved.kind == Unit.Kind.TEMPORARY_BRANCH:
            raise OrgError(
                "end_date_temporary_only",
                _(
                    "A %(kind)s has no end date: empty the end date (%(date)s, this temporary branch's"
                    " last day) to change its kind, or keep it a temporary party branch."
                )
                % {"kind": Unit.Kind(kind).label, "date": ends_on.isoformat()},
            )
    raise OrgError(
        "end_date_temporary_only",
        _(
            "Only a temporary party branch has an end date. Leave it empty; to end this unit,"
            " use “Close as of today” on its page."
        ),
    )


def check_unit_open(unit: Unit | None, *, at: datetime | None = None) -> None:
    """Refuse a unit that takes nothing new on the day of `at` (closed, or past its end date:
    `unit_closed_problem`, which names the unit and the day), re-read from the database so a unit
    closed since the caller read it is refused too."""
    if unit is None:
        return
    current = Unit.objects.filter(pk=unit.pk).first()
    if current is None:
        raise OrgError("unit_closed", _("“%(unit)s” is closed.") % {"unit": unit.display_name})
    if problem := unit_closed_problem(current, at=at):
        raise OrgError("unit_closed", problem)


@transaction.atomic
def unit_create(
    *,
    name: str,
    kind: str,
    parent: Unit | None = None,
    ends_on=None,
    by: User | None = None,
    at: datetime | None = None,
    name_en: str = "",
) -> Unit:
    """A new unit `name` of `kind` under `parent` (a top-level one without), in the tree's order
    (`check_unit_under`). Locks the parent's row, so a change of its kind waits for this."""
    name = _check_unit_fields(name=name, kind=kind, ends_on=ends_on)
    if parent is not None:
        # Its kind as saved now, not as the caller read it.
        parent = Unit.objects.select_for_update().filter(pk=parent.pk).first() or parent
    check_unit_open(parent)
    check_unit_under(name=name, kind=kind, parent=parent)
    check_unit_name_free(name=name, parent=parent)
    fields = {"name": name, "name_en": visible_text(name_en), "kind": kind, "ends_on": ends_on}
    unit = Unit.objects.add_child(parent, fields) if parent is not None else Unit.objects.add_root(fields)
    UnitPlacement.objects.create(unit=unit, parent=parent, name=name, effective_at=at or timezone.now(), recorded_by=by)
    activity_record(kind=Activity.Kind.UNIT_CREATED, by=by, unit=unit, to_unit=parent, at=at)
    return unit


def structure_locked_message() -> str:
    """Why someone without the right to move or close a unit may not change its kind or end date."""
    return _("Only someone who manages the unit above may change its kind or end date.")


@transaction.atomic
def unit_update(
    *,
    unit: Unit,
    name: str,
    kind: str,
    ends_on=None,
    by: User | None = None,
    reason: str = "",
    name_en: str | None = None,
) -> Unit:
    """Change a unit's name, kind or end date (and its English name unless `name_en` is None);
    a rename is recorded in its placement history, and each of the three changes in the activity
    record (the English name is a label, not recorded). A new kind keeps the tree's order with
    the parent and the subunits (`check_unit_under`, `check_unit_holds`). Locks the unit's row."""
    name = _check_unit_fields(name=name, kind=kind, ends_on=ends_on, saved=unit)
    # Locked, and its kind as saved: a subunit created meanwhile waits (`unit_create`) or is seen.
    saved = Unit.objects.select_for_update().get(pk=unit.pk)
    if (
        by is not None
        and (kind != saved.kind or ends_on != saved.ends_on)
        and not access.can_restructure_unit(by, saved)
    ):
        # An end date closes the unit to new members and a kind regroups rankings: both take the
        # right to move or close it, as the unit's page says beside the two fields.
        raise OrgError("unit_structure_refused", structure_locked_message())
    parent = Unit.objects.get_parent(unit, update=True)
    if kind != saved.kind:
        check_unit_under(name=name, kind=kind, parent=parent, kind_before=saved.kind)
        check_unit_holds(unit=saved, kind=kind)
    renamed = name != unit.name
    old_name, old_kind, old_ends_on = unit.name, unit.kind, unit.ends_on
    if renamed:
        check_unit_name_free(name=name, parent=parent, exclude=unit)
    unit.name, unit.kind, unit.ends_on = name, kind, ends_on
    if name_en is not None:
        unit.name_en = visible_text(name_en)
    unit.save(update_fields=["name", "name_en", "kind", "ends_on"])
    if renamed:
        UnitPlacement.objects.create(
            unit=unit, parent=parent, name=name, effective_at=timezone.now(), reason=reason, recorded_by=by
        )
        activity_record(kind=Activity.Kind.UNIT_RENAMED, by=by, unit=unit, old_name=old_name, reason=reason)
    if kind != old_kind:
        activity_record(
            kind=Activity.Kind.UNIT_KIND_CHANGED, by=by, unit=unit, old_value=old_kind, new_value=kind, reason=reason
        )
    if ends_on != old_ends_on:
        activity_record(
            kind=Activity.Kind.UNIT_END_DATE_CHANGED,
            by=by,
            unit=unit,
            old_value=old_ends_on.isoformat() if old_ends_on else "",
            new_value=ends_on.isoformat() if ends_on else "",
            reason=reason,
        )
    return unit


@transaction.atomic
def unit_move(
    *,
    unit: Unit,
    new_parent: Unit | None,
    by: User | None = None,
    reason: str = "",
    at: datetime | None = None,
) -> Unit:
    """Move a unit (with its subtree and members) under `new_parent`, keeping history; the unit's
    kind must fit under the new parent's (`check_unit_under`). Locks the unit's row, then the new
    parent's."""
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    if new_parent is not None:
        new_parent = Unit.objects.select_for_update().get(pk=new_parent.pk)
        if new_parent.pk == unit.pk or new_parent.is_descendant_of(unit):
            raise OrgError("unit_move_cycle", _("A unit cannot move under itself or its own subunits."))
    current_parent = Unit.objects.get_parent(unit, update=True)
    if (current_parent and current_parent.pk) == (new_parent and new_parent.pk):
        return unit
    check_unit_open(new_parent)
    check_unit_under(name=unit.display_name, kind=unit.kind, parent=new_parent)
    check_unit_name_free(name=unit.name, parent=new_parent)
    if new_parent is not None:
        Unit.objects.move(unit, new_parent, pos="last-child")
    else:
        Unit.objects.move(unit, Unit.objects.get_last_root_node(), pos="last-sibling")
    UnitPlacement.objects.create(
        unit=unit,
        parent=new_parent,
        name=unit.name,
        effective_at=at or timezone.now(),
        reason=reason,
        recorded_by=by,
    )
    activity_record(
        kind=Activity.Kind.UNIT_MOVED,
        by=by,
        unit=unit,
        from_unit=current_parent,
        to_unit=new_parent,
        reason=reason,
        at=at,
    )
    return Unit.objects.get(pk=unit.pk)


@transaction.atomic
def unit_close(
    *, unit: Unit, by: User | None = None, on=None, moves: dict[User, Unit] | None = None, reason: str = ""
) -> Unit:
    """Close a unit now: from this moment it is not offered as a parent or a member's unit
    (`Unit.closed_at`); its end date becomes `on` (default today), earlier than a later one it
    had (a temporary branch closed early), never later. It stays in the tree and in every past
    result. `moves`: members of the unit to place elsewhere in the same transaction (seconded
    members back where they came from), each checked as a move of the member pages; those not
    named stay in the closed unit."""
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    # Under the lock: a close that waited on another (two clicks, two tabs) finds it closed and
    # writes nothing, rather than recording a second close and moving members again.
    if unit.closed_at is not None:
        raise OrgError("unit_already_closed", _("%(name)s is already closed.") % {"name": unit.display_name})
    if subunits := selectors.open_subunits(unit):
        raise OrgError(
            "unit_open_subunits",
            _("%(name)s has open subunits: close or move them first (%(units)s).")
            % {"name": unit.display_name, "units": listed(u.display_name for u in subunits)},
        )
    # The members as they are now, locked: the caller's objects were read before the lock.
    locked = User.objects.select_for_update().in_bulk([m.pk for m in moves or {}])
    moves = {locked.get(member.pk, member): target for member, target in (moves or {}).items()}
    for member, target in moves.items():
        if member.unit_id != unit.pk:
            raise OrgError("close_move_not_member", _("%(name)s is not a member of this unit.") % {"name": member})
        if target.pk == unit.pk or not target.is_open_for_new(timezone.localdate()):
            raise OrgError(
                "close_move_target_closed",
                _("%(name)s cannot move to “%(unit)s”: it is closed.") % {"name": member, "unit": target.display_name},
            )
        if by is not None and not (access.can_manage_member(by, member) and access.can_manage_unit(by, target)):
            raise OrgError(
                "close_move_outside_scope",
                _("You may not move %(name)s to “%(unit)s”.") % {"name": member, "unit": target.display_name},
            )
    why = reason or _("%(unit)s closed") % {"unit": unit.name}
    for member, target in moves.items():
        member_move(member=member, unit=target, by=by, reason=why)
    day = on or timezone.localdate()
    if unit.ends_on is None or unit.ends_on > day:
        unit.ends_on = day
    unit.closed_at = unit.closed_at or timezone.now()
    unit.save(update_fields=["ends_on", "closed_at"])
    activity_record(kind=Activity.Kind.UNIT_CLOSED, by=by, unit=unit, reason=reason)
    return unit


@transaction.atomic
def unit_delete(*, unit: Unit, by: User | None = None) -> None:
    """Delete a unit that never held anything: no subunits, no members, nothing that refers to it.

    A unit with members, subunits or history (past members, contests, results) is refused with a
    suggestion to close it instead, so no fact that a result depends on is lost."""
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    if unit.child_units().exists():
        raise OrgError(
            "unit_has_subunits", _("“%(name)s” has subunits: move or delete them first.") % {"name": unit.display_name}
        )
    if User.objects.filter(unit=unit).exists():
        raise OrgError(
            "unit_has_members",
            _("“%(name)s” has members, so it cannot be deleted. Close it instead: it stays in past results.")
            % {"name": unit.display_name},
        )
    parent = Unit.objects.get_parent(unit)
    try:
        with transaction.atomic():
            unit.delete()
    except ProtectedError:
        raise OrgError(
            "unit_has_history",
            _(
                "“%(name)s” appears in past records (members, contests or results), so it cannot be deleted. "
                "Close it instead."
            )
            % {"name": unit.display_name},
        ) from None
    activity_record(kind=Activity.Kind.UNIT_DELETED, by=by, from_unit=parent, name=unit.name)


def check_password_for(password: str, user: User) -> None:
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise OrgError("password_weak", joined_sentences(error.messages)) from None


def employee_no_problem(number: str) -> str | None:
    """Why `number` is not an employee number (the member pages, the API and the import give the
    same sentence), or None."""
    if EMPLOYEE_NO_FORM.fullmatch(number):
        return None
    return _("“%(no)s” is not an employee number: use letters and digits, with - or _ only between them.") % {
        "no": number
    }


def unit_closed_problem(unit: Unit, *, at: datetime | None = None) -> str | None:
    """Why no member may be placed in `unit` on the day of `at` (default now), naming the unit and
    the day: someone closed it, or its end date has passed (`Unit.is_open_for_new`); None when it
    is open. The member pages, the API and the import give the same sentence."""
    day = timezone.localdate(at) if at is not None else timezone.localdate()
    if unit.is_open_for_new(day):
        return None
    if unit.closed_at is not None:
        return _("The unit “%(unit)s” was closed on %(date)s.") % {
            "unit": unit.display_name,
            "date": timezone.localdate(unit.closed_at).isoformat(),
        }
    return _("The unit “%(unit)s” ended on %(date)s.") % {"unit": unit.display_name, "date": unit.ends_on.isoformat()}


def member_new_problems(*, username: str | None, employee_no: str | None) -> list[OrgError]:
    """Every reason `member_create` refuses a new member's username and employee number, all at
    once: the number's form or its holder, and the username's holder. An empty username is the
    employee number; when the member holding that number also holds it as username, that is one
    problem, said of the number (a username error beside an empty box misled). `username` None:
    not checked (the form refused it already)."""
    problems = []
    number_holder = None
    if employee_no and (problem := employee_no_problem(employee_no)):
        problems.append(OrgError("employee_no_form", problem))
    elif employee_no:
        number_holder = User.objects.filter(employee_no=employee_no).values_list("pk", flat=True).first()
        if number_holder is not None:
            problems.append(
                OrgError(
                    "employee_no_taken",
                    _("Employee number %(no)s already belongs to another member.") % {"no": employee_no},
                )
            )
    if username is None or not (username or employee_no):
        return problems
    holder = User.objects.filter(username=username or employee_no).values_list("pk", flat=True).first()
    if holder is None or (holder == number_holder and (username or employee_no) == employee_no):
        return problems
    if username:
        problems.append(OrgError("username_taken", _("The username “%(u)s” is taken.") % {"u": username}))
    else:
        problems.append(
            OrgError(
                "username_taken",
                _(
                    "Left empty, the username is the employee number, and “%(u)s” is already another"
                    " member's username: type a username."
                )
                % {"u": employee_no},
            )
        )
    return problems


class OrgErrors(OrgError):
    """Several refusals at once (`errors`, each an OrgError), so that a form shows each beside
    its field; its code and message are the first's, its message all of theirs."""

    def __init__(self, errors: list[OrgError]) -> None:
        super().__init__(errors[0].code, joined_sentences(error.message for error in errors))
        self.errors = errors


@transaction.atomic
def member_create(
    *,
    username: str,
    real_name: str,
    unit: Unit,
    employee_no: str | None = None,
    phone: str = "",
    is_party_member: bool = True,
    password: str | None = None,
    by: User | None = None,
    at: datetime | None = None,
) -> User:
    """Create a member in `unit`; an empty `username` is the employee number. Without a password
    the account cannot sign in until one is set.

    Raises OrgError (OrgErrors for several, `member_new_problems`) for a username or employee
    number that is taken or malformed, or for a closed unit."""
    problems = member_new_problems(username=username, employee_no=employee_no)
    if problem := unit_closed_problem(unit, at=at):
        problems.append(OrgError("unit_closed", problem))
    if len(problems) == 1:
        raise problems[0]
    if problems:
        raise OrgErrors(problems)
    username = username or employee_no or ""
    member = User(
        username=username,
        real_name=real_name,
        employee_no=employee_no or None,
        unit=unit,
        phone=phone,
        is_party_member=is_party_member,
    )
    if password:
        check_password_for(password, member)
        member.set_password(password)
    else:
        member.set_unusable_password()
    member.full_clean(exclude=["password"])
    member.save()
    member_record_placement(member=member, by=by, at=at)
    activity_record(kind=Activity.Kind.MEMBER_ADDED, by=by, member=member, unit=unit, at=at)
    return member


@transaction.atomic
def member_bulk_create(*, members: list[User], by: User | None = None, at: datetime | None = None) -> list[User]:
    """Insert already-validated, unsaved members and their first placements in two statements.

    The caller has checked usernames, employee numbers and units (as the import's planning step
    does); the database's unique constraints still refuse a duplicate that slipped in meanwhile.
    """
    for member in members:
        if not member.password:
            member.set_unusable_password()
        member.name_sort = member.sort_key()  # bulk_create skips `save`, which keeps it
    created = User.objects.bulk_create(members, batch_size=1000)
    moment = at or timezone.now()
    MemberPlacement.objects.bulk_create(
        [MemberPlacement(member=m, unit_id=m.unit_id, effective_at=moment, recorded_by=by) for m in created],
        batch_size=1000,
    )
    actor = by if by is not None and by.pk else None
    Activity.objects.bulk_create(
        [
            Activity(
                at=moment,
                kind=Activity.Kind.MEMBER_IMPORTED,
                actor=actor,
                member=m,
                member_name=m.display_name,
                unit_id=m.unit_id,
                name=m.unit.name if m.unit_id else "",
            )
            for m in created
        ],
        batch_size=1000,
    )
    return created


def member_record_placement(
    *, member: User, by: User | None = None, reason: str = "", at: datetime | None = None
) -> MemberPlacement | None:
    """Append "from now on, member is in member.unit" to the history. Call after saving."""
    if member.unit_id is None:
        return None
    return MemberPlacement.objects.create(
        member=member, unit_id=member.unit_id, effective_at=at or timezone.now(), reason=reason, recorded_by=by
    )


@transaction.atomic
def member_move(
    *,
    member: User,
    unit: Unit,
    by: User | None = None,
    reason: str = "",
    at: datetime | None = None,
    as_given: bool = False,
) -> User:
    """Put `member` in `unit` from `at` (default now) on, appending to the placement history.
    A closed or ended unit is refused (`check_unit_open`), and so is a move from a day to come
    (`moved_on_future`) or from before the member's current placement began
    (`moved_before_placement`), whatever path asks for it. `as_given`: a history written as it is
    given, at any instant (tests building a past; never a person's request)."""
    if member.unit_id == unit.pk:
        return member
    check_unit_open(unit, at=at)
    if at is not None and not as_given:
        User.objects.select_for_update().filter(pk=member.pk).first()  # one move at a time per member
        if problem := moves.moved_on_to_come_problem(timezone.localdate(at)):
            raise OrgError("moved_on_future", problem)
        if problem := moves.moved_before_placement([member], at):
            raise OrgError("moved_before_placement", problem)
    before = Unit.objects.filter(pk=member.unit_id).first()
    member.unit = unit
    member.save(update_fields=["unit"])
    member_record_placement(member=member, by=by, reason=reason, at=at)
    activity_record(
        kind=Activity.Kind.MEMBER_MOVED, by=by, member=member, unit=unit, from_unit=before, reason=reason, at=at
    )
    return member


@transaction.atomic
def member_update(
    *,
    member: User,
    by: User | None = None,
    real_name: str | None = None,
    phone: str | None = None,
    is_party_member: bool | None = None,
    employee_no: str | None = None,
    unit: Unit | None = None,
    reason: str = "",
    at: datetime | None = None,
) -> User:
    """Change a member's details; a new unit is a move and lands in the placement history, from
    `at` (default now: the member page's "effective from" day, checked there)."""
    if employee_no is not None:
        employee_no = employee_no.strip() or None
        # Checked only when it changes: a number kept from before the check is left as it is.
        if employee_no and employee_no != member.employee_no and (problem := employee_no_problem(employee_no)):
            raise OrgError("employee_no_form", problem)
        taken = User.objects.filter(employee_no=employee_no).exclude(pk=member.pk)
        if employee_no and taken.exists():
            raise OrgError(
                "employee_no_taken",
                _("Employee number %(no)s already belongs to another member.") % {"no": employee_no},
            )
        member.employee_no = employee_no
    if real_name is not None:
        member.real_name = visible_text(real_name)
    # A phone kept from before the stricter check (phone_validator) does not block other changes:
    # it is checked only when it changes, as the employee number is.
    keep_phone = phone is None or phone.strip() == member.phone
    if phone is not None:
        member.phone = phone.strip()
    if is_party_member is not None:
        member.is_party_member = is_party_member
    try:
        member.full_clean(exclude=["password", "unit", *(["phone"] if keep_phone else [])])
    except ValidationError as error:
        raise OrgError("member_invalid", "; ".join(error.messages)) from None
    member.save()
    if unit is not None:
        member_move(member=member, unit=unit, by=by, reason=reason, at=at)
    return member


@transaction.atomic
def role_grant(*, user: User, role: str, unit: Unit, by: User | None, reason: str = "") -> RoleGrant:
    """Grant `user` the role on `unit` (its subtree), recorded in the activity; a grant they hold
    already is returned as it is, and not recorded again. `by` None: the system (seeding)."""
    if role not in (Role.ORGANISER, Role.ADMINISTRATOR):
        raise OrgError("role_unknown", _("Only organiser and administrator roles are granted."))
    grant, created = RoleGrant.objects.get_or_create(user=user, role=role, unit=unit, defaults={"granted_by": by})
    if created:
        activity_record(kind=Activity.Kind.ROLE_GRANTED, by=by, member=user, unit=unit, role=role, reason=reason)
    return grant


def check_administrators_left(*, by: User | None, users: list[User], role: str, unit: Unit) -> None:
    """Refuse taking the administrator role on `unit` from `users` when `by` is one of them (as
    deactivating oneself is refused), or when no other administrator grant of an active member
    would cover `unit` (on it or above it): an organ left with no administrator has no one to
    grant the role again."""
    if role != Role.ADMINISTRATOR:
        return
    holders = set(
        RoleGrant.objects.filter(role=Role.ADMINISTRATOR, unit=unit, user__in=[u.pk for u in users]).values_list(
            "user_id", flat=True
        )
    )
    if not holders:  # nothing to revoke
        return
    if by is not None and by.pk in holders:
        raise OrgError("revoke_own_administrator", _("You cannot revoke your own administrator role."))
    others = RoleGrant.objects.filter(
        role=Role.ADMINISTRATOR, unit__path__in=unit.lineage_paths(), user__is_active=True
    ).exclude(unit=unit, user__in=holders)
    if not others.exists():
        raise OrgError(
            "last_administrator",
            _("“%(unit)s” would be left with no administrator: grant the role to someone else first.")
            % {"unit": unit.display_name},
        )


@transaction.atomic
def role_revoke(*, user: User, role: str, unit: Unit, by: User | None, reason: str = "") -> None:
    """Take the role on `unit` from `user`, recorded in the activity (who, when); nothing, and
    no record, when they do not hold it. The last administrator covering a unit, and one's own
    administrator role, are refused (`check_administrators_left`)."""
    # One revoke at a time per unit: two administrators revoking each other at once would
    # otherwise each see the other's grant left.
    Unit.objects.select_for_update().filter(pk=unit.pk).first()
    check_administrators_left(by=by, users=[user], role=role, unit=unit)
    deleted, _by_model = RoleGrant.objects.filter(user=user, role=role, unit=unit).delete()
    if deleted:
        activity_record(kind=Activity.Kind.ROLE_REVOKED, by=by, member=user, unit=unit, role=role, reason=reason)


@transaction.atomic
def member_active_set(*, member: User, active: bool, by: User | None, reason: str = "") -> bool:
    """Deactivate (`active` False) or reactivate `member`, recorded in the activity; whether it
    changed. The caller closes a deactivated member's live sockets (`member_sockets_end`).
    Compared with the row locked now, not the caller's copy: of two overlapping deactivations
    the second changes nothing and records nothing."""
    current = User.objects.select_for_update().only("is_active").get(pk=member.pk).is_active
    if current == active:
        member.is_active = current
        return False
    member.is_active = active
    member.save(update_fields=["is_active"])
    kind = Activity.Kind.MEMBER_REACTIVATED if active else Activity.Kind.MEMBER_DEACTIVATED
    activity_record(kind=kind, by=by, member=member, unit=member.unit, reason=reason)
    return True


@transaction.atomic
def member_signin_unlock(*, member: User, by: User) -> int:
    """Forget the member's failed sign-ins, ending a lockout of their username now, and record
    who did it in the admin's log of changes to the member. Returns the failures that counted.

    A lockout of an address stays: other usernames' failures from there are not the member's."""
    counted = selectors.member_signin_failures(member).count
    axes_reset(username=member.username)
    LogEntry.objects.log_actions(
        user_id=by.pk,
        queryset=[member],
        action_flag=CHANGE,
        change_message=f"Unlocked sign-in after {counted} failed attempts.",
        single_object=True,
    )
    return counted


# The log's words for password events (English, as the admin's log keeps them), by kind; the
# member's page lists them by these (`selectors.member_password_events`).
PASSWORD_LOG = {
    "temporary_set": "Set a temporary password; the member must change it at next sign-in.",
    "own_chosen": "Chose their own password, replacing the temporary one.",
    "own_changed": "Changed their own password.",
}
TEMPORARY_PASSWORD_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789"  # noqa: S105 - no 0/O, 1/l/I
TEMPORARY_PASSWORD_LENGTH = 10


def temporary_password() -> str:
    """Ten characters read aloud or copied from paper without mistaking one for another."""
    return "".join(secrets.choice(TEMPORARY_PASSWORD_ALPHABET) for _ in range(TEMPORARY_PASSWORD_LENGTH))


def check_password_reset_allowed(*, member: User, by: User) -> None:
    """Raise OrgError unless `by` may give `member` a temporary password: never their own (it
    would end their own session, and they know their password: they change it themselves)."""
    if member.pk == by.pk:
        raise OrgError(
            "own_password", _("This is your own account: change your password with Change password in your menu.")
        )
    try:
        access.check_manage_member(by, member)
    except PermissionDenied as error:
        raise OrgError("member_outside_scope", str(error)) from None
    if not member.is_active:
        raise OrgError(
            "member_inactive", _("This account is deactivated: reactivate it first, then set a temporary password.")
        )


@transaction.atomic
def member_password_reset(*, member: User, by: User) -> str:
    """Give `member` a temporary password and return it (kept only as a hash: the caller shows it
    once). The member must choose their own at their next sign-in; their sessions end (the session
    auth hash changes with the password), their API tokens are revoked and, after the commit, their
    open live sockets close. Recorded in the admin's log of changes to the member (who, when)."""
    check_password_reset_allowed(member=member, by=by)
    for token in live_tokens(member):
        token_revoke(token=token, by=by, close_sockets=False)  # closed below, as a password reset
    password = temporary_password()
    member.set_password(password)
    member.must_change_password = True
    member.save(update_fields=["password", "must_change_password"])
    _log_change(by=by, member=member, message=PASSWORD_LOG["temporary_set"])
    member_sockets_end(user_ids=[member.pk], reason=SignInEnded.PASSWORD_RESET)
    return password


def password_change_record(*, member: User, replaced_temporary: bool, kept_session: str) -> None:
    """Record in the admin's log of changes to the member that they chose their own password,
    and whether it replaced a temporary one an organiser set; and close their open live sockets
    of other sessions (those sessions ended with the change), keeping those of `kept_session`,
    the session key the change was made in (before Django cycled it). Call after the change is
    saved."""
    _log_change(by=member, member=member, message=PASSWORD_LOG["own_chosen" if replaced_temporary else "own_changed"])
    member_sockets_end(user_ids=[member.pk], reason=SignInEnded.PASSWORD_CHANGED, session_key=kept_session)


def member_deactivated(*, member: User) -> None:
    """Close the open live sockets of `member`, just deactivated (saved) elsewhere than on the
    member pages (the admin), after the commit, as `members_bulk_apply` does for its own."""
    member_sockets_end(user_ids=[member.pk], reason=SignInEnded.DEACTIVATED)


def members_deleted(*, member_ids: list[int]) -> None:
    """Close the open live sockets of the members `member_ids`, just deleted (in the admin: one,
    or a selection), after the commit: the deletion ends every sign-in they had, but a socket
    already open would have gone on as theirs until it reconnected. Take the ids before deleting."""
    member_sockets_end(user_ids=member_ids, reason=SignInEnded.DELETED)


def member_password_set(*, member: User, by: User, session_key: str | None) -> None:
    """Close `member`'s open live sockets after `by` set their password (saved) in the admin's
    password form, after the commit: their own, as a change of their own password (those of
    their other sessions; `session_key` is the session it was made in, before Django cycled it);
    another's, as an organiser's temporary password (every socket, those of API tickets too:
    the account's tokens stopped with its password)."""
    if by.pk == member.pk:
        member_sockets_end(user_ids=[member.pk], reason=SignInEnded.PASSWORD_CHANGED, session_key=session_key)
    else:
        member_sockets_end(user_ids=[member.pk], reason=SignInEnded.PASSWORD_RESET)


def member_language_set(*, member: User, language: str) -> None:
    """Keep the language the member chose (a code of settings.LANGUAGES): they sign in to it next
    time, on any browser."""
    if member.language != language:
        member.language = language
        member.save(update_fields=["language"])


def member_signed_out(*, member: User, session_key: str) -> None:
    """Close the member's open live sockets of the session `session_key`, which they signed out
    of (their other sessions, and their sockets there, go on)."""
    member_sockets_end(user_ids=[member.pk], reason=SignInEnded.SIGNED_OUT, session_key=session_key)


@transaction.atomic
def members_password_reset_bulk(*, by: User, members: list[User]) -> list[tuple[User, str, str]]:
    """A temporary password for each of `members` `by` may give one (`member_password_reset`),
    for handing out after an import: (member, password, "") each, or (member, "", the reason)
    for one refused. All in one transaction: passwords set are the ones returned."""
    if not members:
        raise OrgError("bulk_nothing_selected", _("Select at least one member."))
    rows = []
    for member in members:
        try:
            rows.append((member, member_password_reset(member=member, by=by), ""))
        except OrgError as error:
            rows.append((member, "", error.message))
    return rows


class BulkAction:
    """What a member list's bulk bar can do to the selected members."""

    MOVE = "move"
    DEACTIVATE = "deactivate"
    REACTIVATE = "reactivate"
    GRANT = "grant"
    REVOKE = "revoke"
    ALL = (MOVE, DEACTIVATE, REACTIVATE, GRANT, REVOKE)


def _log_change(*, by: User, member: User, message: str) -> None:
    LogEntry.objects.log_actions(
        user_id=by.pk, queryset=[member], action_flag=CHANGE, change_message=message, single_object=True
    )


def check_bulk_allowed(*, by: User, members: list[User], action: str, unit: Unit | None = None, role: str = "") -> None:
    """Raise OrgError unless `by` may apply `action` to every one of `members`: the checks of
    the single actions (the account, the target unit, the role's grant), all before any change."""
    if action not in BulkAction.ALL:
        raise OrgError("bulk_action_unknown", _("Choose what to do with the selected members."))
    if not members:
        raise OrgError("bulk_nothing_selected", _("Select at least one member."))
    if action in (BulkAction.MOVE, BulkAction.GRANT, BulkAction.REVOKE) and unit is None:
        raise OrgError("bulk_unit_missing", _("Choose the unit."))
    if unit is not None and not access.can_manage_unit(by, unit):
        raise OrgError("unit_outside_scope", _("This unit is outside the units you manage."))
    if action == BulkAction.MOVE:
        check_unit_open(unit)
    if action in (BulkAction.GRANT, BulkAction.REVOKE):
        if role not in (Role.ORGANISER, Role.ADMINISTRATOR):
            raise OrgError("role_unknown", _("Only organiser and administrator roles are granted."))
        try:
            access.check_can_grant(by, role=role, unit=unit)
        except PermissionDenied as error:
            raise OrgError("grant_not_allowed", str(error)) from None
    if action == BulkAction.REVOKE:
        check_administrators_left(by=by, users=members, role=role, unit=unit)
    if action == BulkAction.DEACTIVATE and any(m.pk == by.pk for m in members):
        raise OrgError("bulk_self_deactivate", _("You cannot deactivate your own account."))
    refused = [m.display_name for m in members if not access.can_manage_member(by, m)]
    if refused:
        raise OrgError(
            "bulk_members_outside_scope",
            _("You may not change these members, so nothing was changed: %(names)s.") % {"names": listed(refused)},
        )


@transaction.atomic
def members_bulk_apply(
    *,
    by: User,
    members: list[User],
    action: str,
    unit: Unit | None = None,
    role: str = "",
    reason: str = "",
    at: datetime | None = None,
) -> int:
    """Apply one action to every selected member, or to none: each member is checked as the
    single action would check it, and each change is recorded in the activity (who, when, what,
    the reason). Returns how many members changed. Deactivated members' open
    live sockets close after the commit."""
    check_bulk_allowed(by=by, members=members, action=action, unit=unit, role=role)
    changed, deactivated = 0, []
    for member in members:
        if action == BulkAction.MOVE:
            if member.unit_id == unit.pk:
                continue
            member_move(member=member, unit=unit, by=by, reason=reason, at=at)
        elif action in (BulkAction.DEACTIVATE, BulkAction.REACTIVATE):
            active = action == BulkAction.REACTIVATE
            if not member_active_set(member=member, active=active, by=by, reason=reason):
                continue
            if not active:
                deactivated.append(member.pk)
        elif action == BulkAction.GRANT:
            if RoleGrant.objects.filter(user=member, role=role, unit=unit).exists():
                continue
            role_grant(user=member, role=role, unit=unit, by=by, reason=reason)
        else:
            if not RoleGrant.objects.filter(user=member, role=role, unit=unit).exists():
                continue
            role_revoke(user=member, role=role, unit=unit, by=by, reason=reason)
        changed += 1
    member_sockets_end(user_ids=deactivated, reason=SignInEnded.DEACTIVATED)
    return changed
