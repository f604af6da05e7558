"""Who may open a contest socket, and as what."""

from django.utils.translation import gettext as _

from orgs import access as orgs_access

from .models import Contest, TeamMember
from .services import ContestRejected

ROLES = ("player", "screen", "host")


def access_contest_socket(user, code: str, role: str) -> Contest:
    """The contest `user` may join as `role`, or ContestRejected (never reveals other contests)."""
    if role not in ROLES:
        raise ContestRejected("bad_role", _("Join as player, screen or host."))
    contest = Contest.objects.select_related("unit").filter(join_code=code.strip().upper()).first()
    if contest is None:
        raise ContestRejected("no_such_contest", _("No contest has this code."))
    if role == "host":
        if not orgs_access.can_manage_unit(user, contest.unit):
            raise ContestRejected("not_host", _("Only organisers of the contest's unit can host it."))
    elif role == "player":
        if not TeamMember.objects.filter(contest=contest, member=user).exists():
            raise ContestRejected("not_in_contest", _("You are not on a team in this contest."))
    elif not (
        orgs_access.can_manage_unit(user, contest.unit)
        or (user.unit is not None and user.unit.path.startswith(contest.unit.path))
    ):
        raise ContestRejected("not_in_audience", _("This contest is for another unit."))
    return contest
