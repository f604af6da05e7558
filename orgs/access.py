"""Who may see and manage what. Pages, the API, the admin and sockets all ask here.

A grant on a unit covers its whole subtree. Organisers manage members and content there;
administrators may also grant roles and publish results. Superusers manage everything.
`access_*` functions fetch an object and raise `PermissionDenied` with a clear message.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from .models import Role, RoleGrant, Unit, User

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


def managed_units(user) -> QuerySet[Unit]:
    return Unit.objects.filter(subtree_q(user))


def managed_root_units(user) -> list[Unit]:
    if user.is_superuser:
        return list(Unit.objects.get_root_nodes())
    return list(Unit.objects.filter(path__in=_roots(user, MANAGING)).order_by("path"))


def managed_members(user) -> QuerySet[User]:
    return User.objects.filter(subtree_q(user, prefix="unit__"))


def can_manage_member(user, member: User) -> bool:
    if user.is_superuser:
        return True
    if member.is_superuser or member.unit is None:
        return False
    return can_manage_unit(user, member.unit)


def access_member(user, member_id: int, *, manage: bool = True) -> User:
    """Fetch a member the user may manage (or, with manage=False, see: themselves too)."""
    member = get_object_or_404(User.objects.select_related("unit"), pk=member_id)
    if not manage and member.pk == user.pk:
        return member
    if not can_manage_member(user, member):
        raise PermissionDenied(_("This member is outside the units you manage."))
    return member


def access_unit(user, unit_id: int) -> Unit:
    unit = get_object_or_404(Unit, pk=unit_id)
    if not can_manage_unit(user, unit):
        raise PermissionDenied(_("This unit is outside the units you manage."))
    return unit


def check_can_grant(user, *, role: str, unit: Unit) -> None:
    """Granting organiser or administrator takes an administrator of that unit's subtree."""
    if role in MANAGING and not can_administer_unit(user, unit):
        raise PermissionDenied(
            _("Only an administrator of this unit may grant the %(role)s role.") % {"role": Role(role).label}
        )
