"""Who may open a contest socket, and as what."""

import math
import threading
import time

from django.core.cache import cache
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from orgs import access as orgs_access

from . import fanout
from .models import Contest, TeamMember
from .services import ContestRejected

ROLES = ("player", "screen", "host")
# Refused join codes a user may try within the window before every code is refused.
JOIN_ATTEMPTS = 10
JOIN_WINDOW_S = 600


def normalised_code(code: str) -> str:
    """A join code as stored (upper case, no surrounding spaces), or "" for text no code can be
    (letters and digits only): a NUL byte or any other odd character typed into a URL finds no
    contest instead of reaching the database, which refuses a NUL in a query with a server error."""
    code = code.strip().upper()
    return code if code.isascii() and code.isalnum() else ""


def access_contest_socket(user, code: str, role: str) -> Contest:
    """The contest `user` may join as `role`, or ContestRejected (never reveals other contests)."""
    return access_contest_seat(user, code, role)[0]


def access_contest_seat(user, code: str, role: str, *, cached_place: bool = False) -> tuple[Contest, TeamMember | None]:
    """The contest `user` may join as `role`, with a player's roster place (with its team), or
    ContestRejected. A player is checked with one query, or none with `cached_place` once the
    contest has started (a socket's sign-in: a hall reconnects at once). The contest then comes
    from the cache too: use its id, not its status.

    A code is a contest's only secret, so a refusal never says whether a contest has it (each
    role has one refusal), and a user refused `JOIN_ATTEMPTS` times within `JOIN_WINDOW_S` is
    refused every code for the rest of that window (`too_many_attempts`), on every page and socket
    that takes one. A player on a team of the contest is not guessing, and is let in regardless."""
    if role not in ROLES:
        raise ContestRejected("bad_role", _("Join as player, screen or host."))
    code = normalised_code(code)
    if role == "player" and (place := _place(user, code, cached=cached_place)) is not None:
        return place.contest, place
    attempts_key = f"join-refusals:{user.pk}"
    if cache.get(attempts_key, 0) >= JOIN_ATTEMPTS:
        raise ContestRejected("too_many_attempts", _wait_message(user))
    try:
        return _permitted(user, code, role), None
    except ContestRejected:
        # The window runs from the first refusal; its start says how long the wait is.
        cache.add(f"join-refusals-since:{user.pk}", time.time(), JOIN_WINDOW_S)
        cache.add(attempts_key, 0, JOIN_WINDOW_S)
        try:
            cache.incr(attempts_key)
        except ValueError:  # expired between the two calls: a new window
            cache.add(attempts_key, 1, JOIN_WINDOW_S)
        raise


def _wait_message(user) -> str:
    """How long until a locked-out user may try codes again, in whole minutes (at least one)."""
    since = cache.get(f"join-refusals-since:{user.pk}") or time.time()
    minutes = max(1, math.ceil((since + JOIN_WINDOW_S - time.time()) / 60))
    return ngettext(
        "Too many wrong join codes. Wait %(n)d minute, then try again.",
        "Too many wrong join codes. Wait %(n)d minutes, then try again.",
        minutes,
    ) % {"n": minutes}


def refusal(role: str) -> ContestRejected:
    """The one refusal of `role` (player, screen or host), the same whether a contest has the code
    or not."""
    if role == "player":
        # One message for a code that finds no contest and for a contest one is not on (no code
        # enumeration): worded for both, so neither reads as being left off a team.
        return ContestRejected(
            "not_in_contest",
            _("No contest with this code has you on a team: check the code, or ask the organiser."),
        )
    if role == "host":
        return ContestRejected("not_host", _("Only organisers of a contest's unit can host it."))
    return ContestRejected("not_in_audience", _("No contest of your unit has this code."))


def _permitted(user, code: str, role: str) -> Contest:
    """The contest with `code` if `user` may join it as a screen or host (players are found by
    their place), else the role's one refusal, the same whether a contest has the code or not."""
    if role == "player":
        raise refusal(role)
    contest = Contest.objects.select_related("unit").filter(join_code=code).first()
    if role == "host":
        if contest is None or not orgs_access.can_manage_unit(user, contest.unit):
            raise refusal(role)
    elif contest is None or not (
        orgs_access.can_manage_unit(user, contest.unit)
        or (user.unit is not None and user.unit.path.startswith(contest.unit.path))
    ):
        raise refusal(role)
    return contest


def check_host(user, contest: Contest) -> None:
    """Raise ContestRejected unless `user` organises the contest's unit now: asked again for every
    host command (as a speech night's `check_host` is), not only when the socket joined, so a grant
    revoked during a contest day ends its host console's power. Reads the grants afresh: a socket's
    user object lives as long as the socket."""
    orgs_access.forget_grants(user)
    if not orgs_access.can_manage_unit(user, contest.unit):
        raise ContestRejected("not_host", _("Only organisers of a contest's unit can host it."))


# Once a contest has started its rosters are frozen, so players' places are kept in the hot state
# (Redis, shared by every process) from the start on: a hall reconnecting at once, to whichever
# process, signs in without a query for its places. Long enough for a contest day.
PLACE_CACHE_S = 12 * 3600


def _place_key(code: str, member_id: int) -> str:
    return f"place:{code}:{member_id}"


def _place(user, code: str, *, cached: bool) -> TeamMember | None:
    """The player's roster place in the contest with this code, with its contest and team."""
    if cached and (place := _seated(code, user.pk)) is not None:
        return place
    place = fanout.hot_get(_place_key(code, user.pk)) if cached else None
    if place is None:
        try:  # get(), not first(): a member has one place, and no ordering is needed
            place = TeamMember.objects.select_related("contest", "team__unit").get(contest__join_code=code, member=user)
        except TeamMember.DoesNotExist:
            return None
        if place.contest.status != Contest.Status.DRAFT:
            fanout.hot_set(_place_key(code, user.pk), place, PLACE_CACHE_S)
    return place


# And each process keeps the whole roster of a started contest once one of its players has signed
# in: a hall reconnecting at once then signs in with no thread, query or Redis round trip per
# socket (`known_place`). In a py-spy profile of 5,000 sockets reconnecting, the thread hop and
# the Redis read per socket were the largest part of a sign-in after the session.
_SEATS: dict[str, dict[int, TeamMember]] = {}
_seats_lock = threading.Lock()


def known_place(code: str, member_id: int) -> TeamMember | None:
    """The player's place (with its contest and team) if this process keeps its contest's roster;
    no I/O, so callable on the event loop."""
    seats = _SEATS.get(code.strip().upper())
    return None if seats is None else seats.get(member_id)


def _seated(code: str, member_id: int) -> TeamMember | None:
    """The player's place from this process's copy of the roster, read in one query the first
    time (only once the contest has started: a roster may change before)."""
    seats = _SEATS.get(code)
    if seats is None:
        with _seats_lock:  # a hall signing in at once reads the roster once, not once per thread
            seats = _SEATS.get(code)
            if seats is None:
                places = TeamMember.objects.select_related("contest", "team__unit").filter(contest__join_code=code)
                seats = {p.member_id: p for p in places.exclude(contest__status=Contest.Status.DRAFT)}
                if seats:
                    if len(_SEATS) > 100:
                        _SEATS.clear()
                    _SEATS[code] = seats
    return seats.get(member_id)


def rosters_forget(codes: list[str]) -> None:
    """Forget the rosters this process keeps of the contests with `codes` (deleted)."""
    with _seats_lock:
        for code in codes:
            _SEATS.pop(code, None)


def places_forget_deleted(contests) -> None:
    """Call inside the transaction that deletes `contests` (a queryset, read before the delete):
    once it commits, every process forgets their rosters and the hot state their players'
    places, and their open sockets are told the contest is gone and closed
    (`fanout.publish_contests_gone`). Without it another process would keep a deleted contest's
    roster, and its phones, until one of them reconnected there."""
    gone = [
        {"id": pk, "code": code, "rehearsal": of is not None}
        for pk, code, of in contests.values_list("pk", "join_code", "rehearsal_of_id")
    ]
    if not gone:
        return
    places = TeamMember.objects.filter(contest_id__in=[contest["id"] for contest in gone])
    keys = [_place_key(code, member_id) for code, member_id in places.values_list("contest__join_code", "member_id")]

    def forget() -> None:
        rosters_forget([contest["code"] for contest in gone])  # here at once, with or without a socket
        if keys:
            fanout.hot_forget(keys)
        fanout.publish_contests_gone(gone)

    transaction.on_commit(forget)


def places_forget(code: str, member_id: int) -> None:
    """Forget the roster this process keeps of the contest with `code`, and the member's place in
    it in the hot state: that contest was found deleted (a rehearsal reset throws its copy away,
    and a code is a contest's key here). The next sign-in with the code reads the database."""
    code = normalised_code(code)
    with _seats_lock:
        _SEATS.pop(code, None)
    fanout.hot_forget([_place_key(code, member_id)])


def places_keep(contest_id: int) -> None:
    """Put every player's place of a contest that has just started into the hot state."""
    places = TeamMember.objects.select_related("contest", "team__unit").filter(contest_id=contest_id)
    fanout.hot_set_many({_place_key(p.contest.join_code, p.member_id): p for p in places}, PLACE_CACHE_S)
