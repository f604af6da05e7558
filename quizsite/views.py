"""The shell's own pages: the home page and health check."""

import redis
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from redis.exceptions import RedisError

from lessons import selectors as lesson_selectors
from notifications.services import reminders_next_allowed
from orgs import access
from orgs.selectors import unit_paths

from . import selectors


def home(request):
    """Anyone sees the welcome page; a member sees what to do today; an organiser also sees how
    the units they look after are doing, and an administrator the boards to approve."""
    context = {}
    user = request.user
    if user.is_authenticated:
        context.update(
            unit_path=unit_paths([user.unit])[user.unit.pk] if user.unit else "",
            tasks=selectors.today_tasks(user),
            points_today=lesson_selectors.points_today(user),
            hours_this_year=selectors.study_hours_this_year(user),
            streak=selectors.study_streak(user),
            places=selectors.my_places(user),
            open_calls=selectors.open_calls(user),
        )
        context["tasks_left"] = sum(1 for task in context["tasks"] if not task.done)
        context["points_today_total"] = sum(row.earned for row in context["points_today"])
        if access.is_manager(user):
            unfinished = selectors.not_finished(user)
            for row, next_at in zip(
                unfinished, reminders_next_allowed((row.unit, row.subject) for row in unfinished), strict=True
            ):
                row.next_at = next_at
            context.update(
                is_manager=True,
                participation=selectors.participation_this_week(user),
                week_start=selectors.week_start(),
                unfinished=unfinished,
                contests=selectors.contests_for_organiser(user),
                in_progress=selectors.work_in_progress(user),
            )
        if access.is_administrator(user):
            context["rankings"] = selectors.rankings_waiting(user)
    return render(request, "home.html", context)


@login_required
def me(request):
    """The phone's "me" tab: who I am, my numbers, and the links a phone menu would hold."""
    user = request.user
    return render(
        request,
        "me.html",
        {
            "unit_path": unit_paths([user.unit])[user.unit.pk] if user.unit else "",
            "points_total": lesson_selectors.points_total(user),
            "hours_this_year": selectors.study_hours_this_year(user),
            "streak": selectors.study_streak(user),
            "open_calls": len(selectors.open_calls(user)),
        },
    )


def favicon(request):
    """Browsers and bookmarks ask for /favicon.ico whatever a page declares: the same icon."""
    return redirect(static("favicon.svg"), permanent=True)


def healthz(request):
    """For load balancers and compose health checks: the database answers, and Redis (the channel
    layer, the hot state, the broker) when it is configured: without it live contests and
    background work stop while pages still load, so a process that cannot reach it is not healthy.
    503 names the part that failed."""
    parts = {"database": "ok", "redis": "not configured"}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        parts["database"] = "unavailable"
    if settings.REDIS_URL:
        try:
            redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2).ping()
        except RedisError:
            parts["redis"] = "unavailable"
        else:
            parts["redis"] = "ok"
    healthy = "unavailable" not in parts.values()
    return JsonResponse({"status": "ok" if healthy else "unavailable", **parts}, status=200 if healthy else 503)


def bench_floor(request):
    """The least a signed-in request costs on this stack (sessions, CSRF, the user, every
    middleware, a JSON reply): bench/online.py's floor. Routed only with BENCH_FLOOR on."""
    if not request.user.is_authenticated:
        return JsonResponse({"code": "signed_out"}, status=401)
    return JsonResponse({"member": request.user.pk})
