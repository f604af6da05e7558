"""Who may open a contest socket, and as what."""

from django.utils.translation import gettext as _

from orgs import access as orgs_access

from . import fanout
from .models import Contest, TeamMember
from .services import ContestRejected

ROLES = ("player", "screen", "host")


def access_contest_socket(user, code: str, role: str) -> Contest:
    """The contest `user` may join as `role`, or ContestRejected (never reveals other contests)."""
    return access_contest_seat(user, code, role)[0]


def access_contest_seat(user, code: str, role: str, *, cached_place: bool = False) -> tuple[Contest, TeamMember | None]:
    """The contest `user` may join as `role`, with a player's roster place (with its team), or
    ContestRejected. A player is checked with one query, or none with `cached_place` once the
    contest has started (a socket's sign-in: a hall reconnects at once). The contest then comes
    from the cache too: use its id, not its status."""
    if role not in ROLES:
        raise ContestRejected("bad_role", _("Join as player, screen or host."))
    code = code.strip().upper()
    if role == "player" and (place := _place(user, code, cached=cached_place)) is not None:
        return place.contest, place
    contest = Contest.objects.select_related("unit").filter(join_code=code).first()
    if contest is None:
        raise ContestRejected("no_such_contest", _("No contest has this code."))
    if role == "player":
        raise ContestRejected("not_in_contest", _("You are not on a team in this contest."))
    if role == "host":
        if not orgs_access.can_manage_unit(user, contest.unit):
            raise ContestRejected("not_host", _("Only organisers of the contest's unit can host it."))
    elif not (
        orgs_access.can_manage_unit(user, contest.unit)
        or (user.unit is not None and user.unit.path.startswith(contest.unit.path))
    ):
        raise ContestRejected("not_in_audience", _("This contest is for another unit."))
    return contest, None


# Once a contest has started its rosters are frozen, so players' places are kept in the hot state
# (Redis, shared by every process) from the start on: a hall reconnecting at once, to whichever
# process, signs in without a query for its places. Long enough for a contest day.
PLACE_CACHE_S = 12 * 3600


def _place_key(code: str, member_id: int) -> str:
    return f"place:{code}:{member_id}"


def _place(user, code: str, *, cached: bool) -> TeamMember | None:
    """The player's roster place in the contest with this code, with its contest and team."""
    place = fanout.hot_get(_place_key(code, user.pk)) if cached else None
    if place is None:
        try:  # get(), not first(): a member has one place, and no ordering is needed
            place = TeamMember.objects.select_related("contest", "team").get(contest__join_code=code, member=user)
        except TeamMember.DoesNotExist:
            return None
        if place.contest.status != Contest.Status.DRAFT:
            fanout.hot_set(_place_key(code, user.pk), place, PLACE_CACHE_S)
    return place


def places_keep(contest_id: int) -> None:
    """Put every player's place of a contest that has just started into the hot state."""
    places = TeamMember.objects.select_related("contest", "team").filter(contest_id=contest_id)
    fanout.hot_set_many({_place_key(p.contest.join_code, p.member_id): p for p in places}, PLACE_CACHE_S)
