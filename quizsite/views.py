"""The shell's own pages: the home page and health check."""

from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render

from orgs import access
from orgs.selectors import unit_paths


def home(request):
    """Anyone sees the welcome page; a signed-in person sees their own summary and shortcuts."""
    context = {}
    user = request.user
    if user.is_authenticated:
        context["unit_path"] = unit_paths([user.unit])[user.unit.pk] if user.unit else ""
        context["managed_roots"] = access.managed_root_units(user) if access.is_manager(user) else []
    return render(request, "home.html", context)


def healthz(request):
    """For load balancers and compose health checks: the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
