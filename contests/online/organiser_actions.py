"""Organiser actions on a running online contest beside the dashboard: remind the members who
have not started, mark a flag reviewed, and the lobby's big screen of the participation race."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from notifications.services import NotificationRejected

from . import reminders, review, selectors
from .organiser import access_managed_contest
from .services import ContestSetupRejected

SCREEN_REFRESH_S = 5


@login_required
@require_POST
def remind(request, contest_id: int):
    contest = access_managed_contest(request.user, contest_id)
    try:
        reminder = reminders.online_reminder_request(contest=contest, by=request.user)
    except NotificationRejected as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("Reminder on its way to %(n)d members who have not started.") % {"n": reminder.recipients},
        )
    return redirect("contests:online_dashboard", contest_id=contest.pk)


@login_required
@require_POST
def flag_reviewed(request, contest_id: int):
    contest = access_managed_contest(request.user, contest_id)
    try:
        review.flag_review_mark(
            contest=contest, flag=request.POST.get("flag", ""), note=request.POST.get("note", ""), by=request.user
        )
    except ContestSetupRejected as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Marked as reviewed."))
    return redirect(reverse("contests:online_dashboard", args=[contest.pk]) + "#flags")


def race_rows(contest) -> list[dict]:
    """The audience's units for the lobby (the units below it when the audience is one unit),
    highest finished rate first (ties: more started)."""
    audience = list(contest.audience.all())
    parent = audience[0] if len(audience) == 1 and audience[0].numchild else None
    rows = selectors.participation_by_unit(contest, parent=parent)
    rows.sort(key=lambda r: (-(r["rate"] or 0), -r["started"], r["unit"].path))
    return [
        {
            "unit": own_members_label(row["unit"]) if row["own_members"] else row["unit"].display_name,
            "headcount": row["headcount"],
            "started": row["started"],
            "finished": row["finished"],
            "rate": row["rate"] or 0,
            "started_rate": round(100 * row["started"] / row["headcount"], 1) if row["headcount"] else 0,
        }
        for row in rows
    ]


def own_members_label(unit) -> str:
    return _("%(unit)s (own members)") % {"unit": unit.display_name}


def _totals(rows: list[dict]) -> dict:
    headcount = sum(r["headcount"] for r in rows)
    finished = sum(r["finished"] for r in rows)
    return {
        "headcount": headcount,
        "started": sum(r["started"] for r in rows),
        "finished": finished,
        "rate": round(100 * finished / headcount, 1) if headcount else 0,
    }


@login_required
def screen(request, contest_id: int):
    contest = access_managed_contest(request.user, contest_id)
    rows = race_rows(contest)
    return render(
        request,
        "contests/online/screen.html",
        {
            "contest": contest,
            "paper": contest.paper,
            "rows": rows,
            "totals": _totals(rows),
            "refresh_s": SCREEN_REFRESH_S,
            "now": timezone.now(),
        },
    )


@login_required
def screen_data(request, contest_id: int):
    contest = access_managed_contest(request.user, contest_id)
    rows = race_rows(contest)
    return JsonResponse({"rows": rows, "totals": _totals(rows), "server_time": timezone.now().isoformat()})
