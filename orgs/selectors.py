"""Reads over the unit tree and the placement history."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Count, F, Q, QuerySet, Sum
from django.utils import timezone

from quizsite.naming import in_language

from . import access
from .models import UNIT_PATH_SEPARATOR, Activity, MemberPlacement, Role, RoleGrant, Unit, UnitPlacement, User
from .name_search import full_spelling, initials, search_words, spelling_fields, spelling_q
from .paths import unit_path_finder


def _moment(when: date | datetime) -> datetime:
    """A date means the end of that day, local time: "on 1 March" includes moves on 1 March."""
    if isinstance(when, datetime):
        return when if timezone.is_aware(when) else timezone.make_aware(when)
    return timezone.make_aware(datetime.combine(when + timedelta(days=1), time.min)) - timedelta(microseconds=1)


def member_unit_on(member: User, when: date | datetime) -> Unit | None:
    """The unit `member` belonged to at `when`, or None before they joined."""
    placement = (
        MemberPlacement.objects.filter(member=member, effective_at__lte=_moment(when))
        .select_related("unit")
        .order_by("-effective_at", "-id")
        .first()
    )
    return placement.unit if placement else None


def unit_placement_on(unit: Unit, when: date | datetime) -> UnitPlacement | None:
    return (
        UnitPlacement.objects.filter(unit=unit, effective_at__lte=_moment(when))
        .order_by("-effective_at", "-id")
        .first()
    )


def unit_path_on(unit: Unit, when: date | datetime) -> str | None:
    """The unit's full path as it stood at `when` (after later moves and renames too)."""
    names: list[str] = []
    current: Unit | None = unit
    seen: set[int] = set()
    while current is not None and current.pk not in seen:
        seen.add(current.pk)
        placement = unit_placement_on(current, when)
        if placement is None:
            return None
        names.append(placement.name)
        current = placement.parent
    return UNIT_PATH_SEPARATOR.join(reversed(names))


def unit_by_path(path: str) -> Unit | None:
    """The unit a path from the root names, like 审计署/广州特派办/第一党支部, in either language
    (`orgs.paths`); None if it names none or several."""
    found = unit_path_finder(for_text=path).find(path)
    return Unit.objects.get(pk=found.unit_id) if found.unit_id else None


def open_subunits(unit: Unit) -> list[Unit]:
    """The units below `unit` still open (`Unit.is_open_for_new`), by path: closing `unit` is
    refused while it has any, or they would stay offered with their members under a closed unit."""
    today = timezone.localdate()
    below = Unit.objects.filter(path__startswith=unit.path, depth__gt=unit.depth).order_by("path")
    return [u for u in below if u.is_open_for_new(today)]


def unit_paths(units: list[Unit], *, as_typed: bool = False) -> dict[int, str]:
    """Full paths for many units with one query for all their ancestors, each name in the page's
    language (`Unit.display_name`); `as_typed`: the names as typed, which imports match."""
    return unit_labels(units, as_typed=as_typed).paths


@dataclass(frozen=True)
class UnitLabels:
    """How a unit picker shows each unit (`paths`, as `unit_paths`) and what typing searches
    (`search`: every name on its path as typed and in English, and each spelled in pinyin in
    full and by initials, orgs.name_search), by unit id."""

    paths: dict[int, str]
    search: dict[int, str]


def unit_labels(units: list[Unit], *, as_typed: bool = False) -> UnitLabels:
    """`UnitLabels` for many units, with one query for all their ancestors."""
    steplen = Unit.steplen
    prefixes = {u.path[:i] for u in units for i in range(steplen, len(u.path) + 1, steplen)}
    rows = Unit.objects.filter(path__in=prefixes).values_list("path", "name", "name_en", "name_sort")
    names, words = {}, {}
    for path, name, name_en, name_sort in rows:
        names[path] = name if as_typed else in_language(name, name_en)
        words[path] = [name, name_en, full_spelling(name_sort), initials(name_sort)]
    paths, search = {}, {}
    for u in units:
        lineage = [u.path[:i] for i in range(steplen, len(u.path) + 1, steplen)]
        paths[u.pk] = UNIT_PATH_SEPARATOR.join(names[p] for p in lineage)
        search[u.pk] = " ".join(dict.fromkeys(word for p in lineage for word in words[p] if word))
    return UnitLabels(paths=paths, search=search)


@dataclass
class UnitRow:
    unit: Unit
    depth: int
    direct_members: int
    subtree_members: int


def unit_tree_rows(user) -> list[UnitRow]:
    """The units a user manages, in tree order, with direct and subtree headcounts."""
    units = list(
        access.managed_units(user).annotate(direct=Count("members", filter=Q(members__is_active=True))).order_by("path")
    )
    subtree = {u.path: 0 for u in units}
    for u in units:
        for i in range(Unit.steplen, len(u.path) + 1, Unit.steplen):
            prefix = u.path[:i]
            if prefix in subtree:
                subtree[prefix] += u.direct
    top = min((u.depth for u in units), default=1)
    return [UnitRow(u, u.depth - top, u.direct, subtree[u.path]) for u in units]


# The member list's sort keys ("-" before one reverses it): each orders by its fields, then by
# id so that equal values keep one order from page to page. Names list in pinyin order
# (`name_sort`, orgs.sorting), names that read alike by their characters. An empty employee
# number sorts last either way; a member who never signed in counts as the earliest sign-in.
MEMBER_SORTS: dict[str, tuple[tuple[str, bool], ...]] = {
    # (field, whether an empty value counts as the smallest)
    "name": (("name_sort", False), ("real_name", False), ("username", False)),
    "employee_no": (("employee_no", False),),
    "unit": (("unit__path", False), ("name_sort", False), ("real_name", False)),
    "last_sign_in": (("last_login", True),),
}


# People listed by name: pinyin order (`name_sort`), names that read alike by their characters,
# then the (unique) user name.
PEOPLE_BY_NAME = ("name_sort", "real_name", "username")


def person_order(person: User) -> tuple[str, str, str]:
    """The sort key of PEOPLE_BY_NAME, for people already loaded."""
    return (person.name_sort, person.real_name, person.username)


def member_rows(members) -> list[dict]:
    """For a picker of people (static/js/judge_picker.js): each member's id, name, unit (its full
    path, which tells apart two members of the same name), employee number, user name, phone and
    the name's pinyin in full and by initials: all that `member_text_q` matches, so that the
    picker's own filter keeps every member the server finds."""
    members = list(members)
    paths = unit_paths([m.unit for m in members if m.unit_id is not None])
    return [
        {
            "id": member.pk,
            "name": member.display_name,
            "unit": paths.get(member.unit_id, ""),
            "employee_no": member.employee_no or "",
            "username": member.username,
            "phone": member.phone,
            **spelling_fields(member.name_sort),
        }
        for member in members
    ]


def member_sort_order(sort: str) -> list:
    """The ORDER BY of a member list sort key like "unit" or "-last_sign_in"; an unknown key
    gives the list's own order (by unit, then name)."""
    descending = sort.startswith("-")
    fields = MEMBER_SORTS.get(sort.removeprefix("-"), MEMBER_SORTS["unit"])
    order = []
    for name, empty_smallest in fields:
        if descending:
            order.append(F(name).desc(nulls_last=True))
        elif empty_smallest:
            order.append(F(name).asc(nulls_first=True))
        else:
            order.append(F(name).asc(nulls_last=True))
    return [*order, "pk"]


def member_text_q(text: str) -> Q:
    """Members with every word of `text` in their real name, employee number, user name or phone,
    or in their name's pinyin, in full or by initials (zhangsan, zhang san, zs: 张三; orgs.name_search)."""
    matching = Q()
    for word in search_words(text):
        matching &= (
            Q(real_name__icontains=word)
            | Q(employee_no__icontains=word)
            | Q(username__icontains=word)
            | Q(phone__icontains=word)
            | spelling_q(word)
        )
    return matching


def member_search(
    user,
    *,
    text: str = "",
    unit: Unit | None = None,
    temporary_password: bool = False,
    role: str = "",
    sort: str = "",
) -> QuerySet[User]:
    """Members the user manages, optionally within a unit's subtree, matching `text`
    (`member_text_q`), still on a temporary password, or holding `role` (organiser or
    administrator) on a unit in the user's subtrees; ordered by `sort` (a key of MEMBER_SORTS,
    "-" for descending)."""
    members = access.managed_members(user).select_related("unit")
    if role in (Role.ORGANISER, Role.ADMINISTRATOR):
        # A grant in the user's subtrees: one in another organ is not theirs to see or filter by.
        grants = RoleGrant.objects.filter(access.subtree_q(user, prefix="unit__"), role=role)
        members = members.filter(pk__in=grants.values("user_id"))
    if unit is not None:
        members = members.filter(unit__path__startswith=unit.path)
    if text.strip():
        members = members.filter(member_text_q(text))
    if temporary_password:
        members = members.filter(must_change_password=True)
    return members.order_by(*member_sort_order(sort))


@dataclass(frozen=True)
class MemberCounts:
    """How many of a member list's members are active (the unit tree's headcounts) and how many
    deactivated (listed, but counted nowhere else)."""

    active: int
    deactivated: int


def member_counts(members: QuerySet[User]) -> MemberCounts:
    """The active and deactivated members among `members`, in one query."""
    counts = members.order_by().aggregate(
        active=Count("pk", filter=Q(is_active=True)), deactivated=Count("pk", filter=Q(is_active=False))
    )
    return MemberCounts(active=counts["active"], deactivated=counts["deactivated"])


@dataclass(frozen=True)
class SignInFailures:
    """A member's failed sign-ins that still count towards a lockout (within the cool-off)."""

    count: int
    locked: bool


def member_signin_failures(member: User) -> SignInFailures:
    """Failed sign-ins under the member's username, from any address, within the cool-off."""
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    count = (
        AccessAttempt.objects.filter(username=member.username, attempt_time__gte=since).aggregate(
            total=Sum("failures_since_start")
        )["total"]
        or 0
    )
    return SignInFailures(count=count, locked=count >= settings.AXES_FAILURE_LIMIT)


@dataclass(frozen=True)
class PasswordEvent:
    at: datetime
    kind: str  # a key of services.PASSWORD_LOG
    by: User


def member_password_events(member: User, *, limit: int = 5) -> list[PasswordEvent]:
    """The member's latest password events from the admin's log of changes to them, newest
    first: temporary passwords set (by whom) and their own passwords chosen."""
    from django.contrib.admin.models import LogEntry
    from django.contrib.contenttypes.models import ContentType

    from .services import PASSWORD_LOG

    kinds = {message: kind for kind, message in PASSWORD_LOG.items()}
    entries = (
        LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(User),
            object_id=str(member.pk),
            change_message__in=kinds,
        )
        .select_related("user")
        .order_by("-action_time", "-pk")[:limit]
    )
    return [PasswordEvent(at=e.action_time, kind=kinds[e.change_message], by=e.user) for e in entries]


@dataclass(frozen=True)
class ActivationEvent:
    at: datetime
    active: bool  # reactivated (True) or deactivated
    by: User | None
    reason: str


def member_activation_events(member: User, *, viewer: User, limit: int = 10) -> list[ActivationEvent]:
    """The member's latest deactivations and reactivations from the activity
    (`services.member_active_set` records them) that `viewer` may see (`access.visible_activity`,
    as the activity page shows them: not those recorded in another organ before a move), newest
    first, with who and why."""
    kinds = (Activity.Kind.MEMBER_REACTIVATED, Activity.Kind.MEMBER_DEACTIVATED)
    records = (
        access.visible_activity(viewer)
        .filter(member=member, kind__in=kinds)
        .select_related("actor")
        .order_by("-at", "-id")[:limit]
    )
    return [
        ActivationEvent(
            at=record.at,
            active=record.kind == Activity.Kind.MEMBER_REACTIVATED,
            by=record.actor,
            reason=record.reason,
        )
        for record in records
    ]


def unit_administrators(unit: Unit) -> list[User]:
    """The active administrators of `unit` (a grant on it or above), nearest grant first."""
    grants = RoleGrant.objects.filter(
        role=Role.ADMINISTRATOR, unit__path__in=unit.lineage_paths(), user__is_active=True
    )
    people: dict[int, User] = {}
    for grant in grants.select_related("user", "unit").order_by("-unit__depth", "user__username"):
        people.setdefault(grant.user_id, grant.user)
    return list(people.values())


def members_previous_units(unit: Unit, members: list) -> dict[int, Unit]:
    """For each of `members` (now in `unit`), the unit they were in before it, by their placement
    history (a seconded member's home unit): {member id: unit}; a member who was never elsewhere
    is left out."""
    previous: dict[int, Unit] = {}
    placements = (
        MemberPlacement.objects.filter(member__in=members)
        .select_related("unit")
        .order_by("member_id", "-effective_at", "-id")
    )
    arrived: set[int] = set()
    for placement in placements:
        if placement.member_id in previous:
            continue
        if placement.unit_id == unit.pk:
            arrived.add(placement.member_id)
        elif placement.member_id in arrived:
            previous[placement.member_id] = placement.unit
    return previous


def activity_rows(
    user: User,
    *,
    kind: str = "",
    since: date | None = None,
    until: date | None = None,
    member: User | None = None,
    unit: Unit | None = None,
):
    """The activity `user` may see (`access.visible_activity`), newest first: of one `kind`, on
    local calendar days (TIME_ZONE) from `since` through `until`, about one `member`, or touching
    `unit`'s subtree."""
    records = access.visible_activity(user)
    if kind:
        records = records.filter(kind=kind)
    if since is not None:
        records = records.filter(at__gte=_local_midnight(since))
    if until is not None:
        records = records.filter(at__lt=_local_midnight(until + timedelta(days=1)))
    if member is not None:
        records = records.filter(member=member)
    if unit is not None:
        records = records.filter(
            Q(unit__path__startswith=unit.path)
            | Q(from_unit__path__startswith=unit.path)
            | Q(to_unit__path__startswith=unit.path)
        )
    return records.select_related("actor", "member", "unit", "from_unit", "to_unit").order_by("-at", "-id")


def _local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def members_grants(members, *, viewer) -> dict[int, list[RoleGrant]]:
    """The role grants of each of `members` (a page of a member list) on units in `viewer`'s
    subtrees (not another organ's), unit by unit, in one query: {member id: [grant, ...]}."""
    grants: dict[int, list[RoleGrant]] = {}
    rows = (
        RoleGrant.objects.filter(access.subtree_q(viewer, prefix="unit__"), user__in=members)
        .select_related("unit")
        .order_by("unit__path", "role")
    )
    for grant in rows:
        grants.setdefault(grant.user_id, []).append(grant)
    return grants
