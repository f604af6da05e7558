"""Member pages of a relay (phone first): the list, the relay's home with my team's baton and
legs, starting a leg (then the online contest's attempt page takes over), and the captain's
skip or replace with a reason."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lessons.services.attempts import AttemptRejected
from orgs import access
from orgs.models import User

from ..online.ratelimit import rate_limited
from ..online.views import device_of
from . import selectors, services
from .models import RelayContest, RelayLeg, RelayTeam


def access_relay(user: User, relay_id: int) -> RelayContest:
    relay = get_object_or_404(RelayContest.objects.select_related("online__paper__unit"), pk=relay_id)
    if relay not in selectors.relays_for_member(user) and not access.can_manage_unit(user, relay.online.paper.unit):
        access.refuse(user, relay, relay.online.paper.unit, _("This relay is for other units."))
    return relay


def access_member_team(user: User, relay: RelayContest, team_id: int) -> RelayTeam:
    team = get_object_or_404(RelayTeam.objects.select_related("relay__online__paper", "captain"), pk=team_id)
    if team.relay_id != relay.pk:
        raise access.not_found(RelayTeam)
    if team not in selectors.teams_of_member(relay, user) and not services.may_steer(user, team):
        raise PermissionDenied(_("You are not on this team: only its runners start its legs."))
    return team


@login_required
@rate_limited("online-page", limit=60)
def relay_list(request):
    return render(
        request,
        "contests/relay/list.html",
        {"relays": selectors.relays_for_member(request.user), "now": timezone.now()},
    )


@login_required
@rate_limited("online-page", limit=60)
def relay_home(request, relay_id: int):
    relay = access_relay(request.user, relay_id)
    now = timezone.now()
    teams = selectors.teams_of_member(relay, request.user)
    services.relay_sync(relay=relay, teams=teams, at=now)  # the member's teams only: pages stay cheap
    paper = relay.online.paper
    rows = selectors.team_rows(relay, teams=selectors.teams_of_member(relay, request.user), at=now)
    return render(
        request,
        "contests/relay/home.html",
        {
            "relay": relay,
            "paper": paper,
            "rows": rows,
            "mine": [row.team.pk for row in rows if row.baton and services.holds_baton(row.baton.leg, request.user)],
            "results_shown": selectors.results_shown(relay, at=now),
            "rules": list(paper.rules.select_related("bank", "tag")),
            "limit_minutes": (paper.time_limit_s or 0) // 60,
            "is_open": paper.opens_at <= now < paper.closes_at,
            "now": now,
        },
    )


@login_required
@require_POST
@rate_limited("online-start", limit=10)
def leg_start(request, relay_id: int, team_id: int):
    relay = access_relay(request.user, relay_id)
    team = access_member_team(request.user, relay, team_id)
    try:
        leg = services.relay_leg_start(team=team, member=request.user, device=device_of(request))
    except AttemptRejected as error:
        messages.error(request, error.message)
        return redirect("contests:relay_home", relay_id=relay.pk)
    return redirect("contests:online_attempt", attempt_id=leg.online_attempt.attempt_id)


def _steered_leg(request, relay_id: int, leg_id: int) -> RelayLeg:
    """The leg a skip or replace names, as the API finds it (`relay.api._steered`): a relay
    outside the user's view is not found, as an id that names nothing, rather than refused,
    which told another organ's users which relays and legs exist."""
    relay = access_relay(request.user, relay_id)
    leg = get_object_or_404(
        RelayLeg.objects.select_related("team__relay__online__paper", "team__captain"), pk=leg_id, team__relay=relay
    )
    if not services.may_steer(request.user, leg.team):
        raise PermissionDenied(_("Only the captain or an organiser steers this team."))
    return leg


class SteerForm(forms.Form):
    """A skip's or a replacement's reason and new holder, held to what the API's serializers
    take: a reason past the 200 characters a leg keeps, or a NUL byte (which PostgreSQL refuses
    in text and JSON), is a clear refusal instead of a server error."""

    reason = forms.CharField(max_length=200, required=False, strip=False)
    username = forms.CharField(max_length=150, required=False)


def _steer_form(request) -> SteerForm | None:
    """The posted form if valid; otherwise None, with its first error shown to the user."""
    form = SteerForm(request.POST)
    if form.is_valid():
        return form
    messages.error(request, next(iter(form.errors.values()))[0])
    return None


def _back(request, relay_id: int):
    if request.POST.get("next") == "map":
        return redirect("contests:relay_map", relay_id=relay_id)
    return redirect("contests:relay_home", relay_id=relay_id)


@login_required
@require_POST
@rate_limited("online-submit", limit=10)
def leg_skip(request, relay_id: int, leg_id: int):
    leg = _steered_leg(request, relay_id, leg_id)
    if (form := _steer_form(request)) is None:
        return _back(request, relay_id)
    try:
        services.relay_leg_skip(leg=leg, by=request.user, reason=form.cleaned_data["reason"])
    except AttemptRejected as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Skipped; the baton has passed on."))
    return _back(request, relay_id)


@login_required
@require_POST
@rate_limited("online-submit", limit=10)
def leg_replace(request, relay_id: int, leg_id: int):
    leg = _steered_leg(request, relay_id, leg_id)
    if (form := _steer_form(request)) is None:
        return _back(request, relay_id)
    username = form.cleaned_data["username"]
    member = User.objects.filter(username=username).first()
    try:
        if member is None:
            raise services.replacement_refused(username)
        services.relay_holder_replace(leg=leg, by=request.user, member=member, reason=form.cleaned_data["reason"])
    except AttemptRejected as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Replaced; the new holder has been told."))
    return _back(request, relay_id)
