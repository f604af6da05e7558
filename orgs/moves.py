"""The days a member's unit change may take effect from, checked in one place: the member page
and the bulk bar say it beside their day field, and `services.member_move` refuses it on every
other path (the API, the member import, a unit's closing), so no history gets a move from a day to
come or from before the member's current placement began."""

from datetime import datetime, time, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from quizsite.naming import listed

from .models import MemberPlacement


def moved_on_to_come_problem(day) -> str:
    """Why a unit change cannot take effect from `day` ("" when it can): a day to come."""
    today = timezone.localdate()
    if day and day > today:
        return _("%(date)s is still to come: a unit change takes effect today (%(today)s) at the latest.") % {
            "date": day.isoformat(),
            "today": today.isoformat(),
        }
    return ""


def moved_at(day) -> datetime | None:
    """The local midnight (TIME_ZONE) starting `day`, or None (now)."""
    return timezone.make_aware(datetime.combine(day, time.min)) if day else None


def moved_before_placement(members, at: datetime) -> str:
    """Why a unit change from `at` cannot be recorded for `members`: those whose current placement
    began after it, each with the first day allowed ("" when none). A history cannot go back
    before its latest entry."""
    began = {}
    for member_id, effective_at in (
        MemberPlacement.objects.filter(member__in=members)
        .order_by("effective_at", "id")
        .values_list("member_id", "effective_at")
    ):
        began[member_id] = effective_at  # the latest placement, ordered last
    late = sorted(
        ((member, began[member.pk]) for member in members if member.pk in began and at < began[member.pk]),
        key=lambda pair: (pair[1], pair[0].pk),
    )
    if not late:
        return ""

    def first_day(start: datetime):
        # The first day whose start is not before the current placement's.
        first = timezone.localdate(start)
        return first + timedelta(days=1) if moved_at(first) < start else first

    latest = max(start for _member, start in late)
    first = first_day(latest)
    if len(late) == 1:
        member, start = late[0]
        figures = {
            "name": member.display_name,
            "began": timezone.localtime(start).strftime("%Y-%m-%d %H:%M"),
            "first": first.isoformat(),
        }
        if first > timezone.localdate():
            # Placed today: no day can be given, only now.
            return (
                _("%(name)s has been in their current unit since %(began)s: leave the day empty to move them from now.")
                % figures
            )
        return (
            _(
                "%(name)s has been in their current unit since %(began)s: a unit change takes effect"
                " from %(first)s at the earliest."
            )
            % figures
        )
    figures = {"names": listed([member.display_name for member, _start in late]), "first": first.isoformat()}
    if first > timezone.localdate():
        return (
            _("%(names)s came to their current units after that day: leave the day empty to move them all from now.")
            % figures
        )
    return (
        _(
            "%(names)s came to their current units after that day: for all the selected members a unit change"
            " takes effect from %(first)s at the earliest."
        )
        % figures
    )
