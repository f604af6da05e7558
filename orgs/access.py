"""Who may see and manage what. Pages, the API, the admin and sockets all ask here.

A grant on a unit covers its whole subtree. Organisers manage members and content there;
administrators may also grant roles and publish results. Superusers manage everything.
Managing an account (its password, details, unit, roles, active flag) takes more than its home
unit: see `check_manage_member`.
`access_*` functions fetch an object with a permission check. An object outside the user's view
(`in_view`: another organ's, or another office's) is not found, exactly as an id that names nothing
(`not_found`), so a typed URL cannot tell whether it exists; one in view that the user may not act
on is refused with `PermissionDenied` and a message saying what is missing (`refuse` decides).
"""

from typing import NoReturn

from django.core.exceptions import PermissionDenied
from django.db.models import Model, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from quizsite.not_found import not_found_message

from .models import Activity, Role, RoleGrant, Unit, User

_GRANTS_CACHE = "_orgs_grants"


def _grants(user) -> list[RoleGrant]:
    """The user's grants with their units, fetched once per user object (one per request)."""
    if not getattr(user, "is_authenticated", False):
        return []
    if not hasattr(user, _GRANTS_CACHE):
        setattr(user, _GRANTS_CACHE, list(RoleGrant.objects.filter(user=user).select_related("unit")))
    return getattr(user, _GRANTS_CACHE)


def forget_grants(user) -> None:
    """Drop the cached grants, after granting or revoking within the same request."""
    if hasattr(user, _GRANTS_CACHE):
        delattr(user, _GRANTS_CACHE)


def _roots(user, roles: tuple[str, ...]) -> list[str]:
    paths = sorted({g.unit.path for g in _grants(user) if g.role in roles})
    # Drop paths already covered by an ancestor's grant.
    return [p for i, p in enumerate(paths) if not any(p.startswith(q) for q in paths[:i])]


MANAGING = (Role.ORGANISER, Role.ADMINISTRATOR)
ADMINISTERING = (Role.ADMINISTRATOR,)


def subtree_q(user, *, prefix: str = "", roles: tuple[str, ...] = MANAGING) -> Q:
    """A filter for objects whose unit (at `prefix`, e.g. "unit__") is in the user's subtrees."""
    if user.is_superuser:
        return Q()
    roots = _roots(user, roles)
    if not roots:
        return Q(pk__in=[])
    condition = Q()
    for path in roots:
        condition |= Q(**{f"{prefix}path__startswith": path})
    return condition


def is_manager(user) -> bool:
    return bool(getattr(user, "is_superuser", False) or _roots(user, MANAGING))


def is_administrator(user) -> bool:
    return bool(getattr(user, "is_superuser", False) or _roots(user, ADMINISTERING))


def administers_every_unit(user) -> bool:
    """Superusers, and administrators whose grants cover every root of the tree: settings that
    apply to every member alike (the points rules) are theirs to change."""
    if getattr(user, "is_superuser", False):
        return True
    roots = _roots(user, ADMINISTERING)
    tops = Unit.objects.get_root_nodes().values_list("path", flat=True)
    return bool(roots) and all(any(top.startswith(root) for root in roots) for top in tops)


def check_manager(user) -> None:
    """Raise PermissionDenied unless the user manages some unit (organiser or administrator)."""
    if not is_manager(user):
        raise PermissionDenied(_("Only organisers and administrators can open this page."))


def can_manage_unit(user, unit: Unit) -> bool:
    if user.is_superuser:
        return True
    return any(unit.path.startswith(root) for root in _roots(user, MANAGING))


def can_administer_unit(user, unit: Unit) -> bool:
    if user.is_superuser:
        return True
    return any(unit.path.startswith(root) for root in _roots(user, ADMINISTERING))


def in_view(user, unit: Unit | None) -> bool:
    """Whether what belongs to `unit` is in the user's view: the unit lies in a subtree they manage,
    or on the line from their own unit up to its organ (what a unit addresses to the units below
    it: its calls, rankings, contests, lessons)."""
    if unit is None:
        return bool(getattr(user, "is_superuser", False))
    if can_manage_unit(user, unit):
        return True
    own = getattr(user, "unit", None)
    return own is not None and own.path.startswith(unit.path)


def not_found(model: type[Model]) -> Http404:
    """What an object outside the user's view answers: word for word what the API answers for an
    id that names nothing (`get_object_or_404`'s 404, put in people's words there), in the
    request's language."""
    return Http404(not_found_message(model._meta.object_name))


def refuse(user, obj: Model, unit: Unit | None, message: str, *, visible: bool = False) -> NoReturn:
    """Refuse `user` an action on `obj`, which belongs to `unit`: `PermissionDenied(message)` when
    they can see the object (`in_view`, or `visible` where a kind shows it more widely, such as a
    lesson to its audience), otherwise the not-found of a missing id."""
    if visible or in_view(user, unit):
        raise PermissionDenied(message)
    raise not_found(type(obj))


def managed_units(user) -> QuerySet[Unit]:
    return Unit.objects.filter(subtree_q(user))


def managed_root_units(user) -> list[Unit]:
    if user.is_superuser:
        return list(Unit.objects.get_root_nodes())
    return list(Unit.objects.filter(path__in=_roots(user, MANAGING)).order_by("path"))


def managed_organs(user) -> list[Unit]:
    """The organs (tree roots) holding units the user manages: whose organ-wide settings, such as
    the study-hours rule, they may read. Changing them takes `can_administer_unit` on the organ."""
    if user.is_superuser:
        return list(Unit.objects.get_root_nodes().order_by("path"))
    paths = {root[: Unit.steplen] for root in _roots(user, MANAGING)}
    return list(Unit.objects.filter(path__in=paths).order_by("path"))


def managed_members(user) -> QuerySet[User]:
    """Members whose home unit is in the user's subtrees: they may be listed, searched and put
    in teams. Changing their accounts takes `check_manage_member` as well."""
    return User.objects.filter(subtree_q(user, prefix="unit__"))


def visible_activity(user) -> QuerySet[Activity]:
    """The activity records touching the user's subtrees: about a unit there, or from or to one
    (a member moved out, a unit moved away, a unit deleted from under one). Another unit's
    organiser sees none of them."""
    return Activity.objects.filter(
        subtree_q(user, prefix="unit__") | subtree_q(user, prefix="from_unit__") | subtree_q(user, prefix="to_unit__")
    )


# The roles whose grant covers each role: an account holding an administrator grant is managed
# only by an administrator above it, one holding an organiser grant by an organiser or above.
COVERED_BY = {Role.ORGANISER: MANAGING, Role.ADMINISTRATOR: ADMINISTERING}


def _covers(user, grant: RoleGrant) -> bool:
    return any(grant.unit.path.startswith(root) for root in _roots(user, COVERED_BY[grant.role]))


def check_manage_member(user, member: User) -> None:
    """Raise PermissionDenied unless `user` may change `member`'s account.

    Everything that changes an account asks here (pages, API, import, admin): its password, its
    details and unit, its active flag and its roles. Otherwise an organiser could set the password
    of anyone whose home unit is in their subtree - an administrator of the whole organ, a
    superuser - and sign in as them. So the account must not be staff or superuser (unless the
    actor is a superuser), its home unit must be in the actor's subtree, and every grant it holds
    must lie in the actor's subtree with at least the same rank.
    """
    if user.is_superuser:
        return
    if member.unit is None or not can_manage_unit(user, member.unit):
        raise PermissionDenied(_("This member is outside the units you manage."))
    if member.is_superuser or member.is_staff:
        raise PermissionDenied(_("Only a superuser may change a staff or superuser account."))
    if not all(_covers(user, grant) for grant in _grants(member)):
        raise PermissionDenied(
            _("This account holds a role beyond yours; only an administrator above that role may change it.")
        )


def can_manage_member(user, member: User) -> bool:
    try:
        check_manage_member(user, member)
    except PermissionDenied:
        return False
    return True


def manageable_members(user) -> QuerySet[User]:
    """The accounts `check_manage_member` lets the user change, as one query."""
    if user.is_superuser:
        return User.objects.all()
    uncovered = RoleGrant.objects.none()
    for role, covering in COVERED_BY.items():
        uncovered |= RoleGrant.objects.filter(role=role).exclude(subtree_q(user, prefix="unit__", roles=covering))
    return managed_members(user).filter(is_superuser=False, is_staff=False).exclude(pk__in=uncovered.values("user_id"))


def access_member(user, member_id: int, *, manage: bool = True) -> User:
    """Fetch a member whose account the user may change (`check_manage_member`), or, with
    manage=False, also the user themselves."""
    member = get_object_or_404(User.objects.select_related("unit"), pk=member_id)
    if not manage and member.pk == user.pk:
        return member
    try:
        check_manage_member(user, member)
    except PermissionDenied as refused:
        refuse(user, member, member.unit, refused.args[0], visible=member.pk == user.pk)
    return member


def access_unit(user, unit_id: int) -> Unit:
    unit = get_object_or_404(Unit, pk=unit_id)
    if not can_manage_unit(user, unit):
        refuse(user, unit, unit, _("This unit is outside the units you manage."))
    return unit


def check_restructure_unit(user, unit: Unit) -> None:
    """Moving or deleting a unit takes a grant strictly above it: an organiser may rename the unit
    their role is on, but not move it, delete it or add a sibling to it."""
    if user.is_superuser:
        return
    if not any(unit.path.startswith(root) and unit.path != root for root in _roots(user, MANAGING)):
        raise PermissionDenied(_("Only someone who manages the unit above may move or delete this unit."))


def can_restructure_unit(user, unit: Unit) -> bool:
    try:
        check_restructure_unit(user, unit)
    except PermissionDenied:
        return False
    return True


def check_can_grant(user, *, role: str, unit: Unit) -> None:
    """Granting organiser or administrator takes an administrator of that unit's subtree."""
    if role in MANAGING and not can_administer_unit(user, unit):
        raise PermissionDenied(
            _("Only an administrator of this unit may grant the %(role)s role.") % {"role": Role(role).label}
        )
