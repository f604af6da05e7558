"""A member's part in team relays over /api/v1/online/relays/, so a phone client can run a leg.

Starting a leg returns the online contest's attempt (the same shape as
`POST /api/v1/online/<id>/attempts/`): the client then saves answers and submits through
`/api/v1/online/attempts/<attempt_id>/...` with the same `device`; the submit passes the baton.
"""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response

from lessons.services.attempts import AttemptRejected
from orgs.models import User

from ..online.api import DeviceField, OnlineAPIView, _attempt, rejected
from . import selectors, services
from .models import RelayContest, RelayLeg
from .views import access_member_team, access_relay


class LegStartSerializer(serializers.Serializer):
    device = DeviceField


class SkipSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200, help_text="Why; kept in the contest's audit log.")


class ReplaceSerializer(SkipSerializer):
    username = serializers.CharField(max_length=150, help_text="The new holder's username.")


def _relay(relay: RelayContest) -> dict:
    paper = relay.online.paper
    return {
        "id": relay.pk,
        "title": paper.title,
        "description": paper.description,
        "opens_at": paper.opens_at,
        "closes_at": paper.closes_at,
        "leg_time_limit_s": paper.time_limit_s,
        "start_within_h": relay.start_within_h,
        "late_start": relay.late_start,
    }


def _leg(place: selectors.Place, shown: bool) -> dict:
    leg = place.leg
    finished = leg is not None and leg.status == RelayLeg.Status.FINISHED
    return {
        "position": place.runner.position,
        "runner": place.name,
        "leg_id": leg.pk if leg else None,
        "status": leg.status if leg else "not_reached",
        "holds_baton": place.holds_baton,
        "start_by": leg.start_by if leg and leg.status == RelayLeg.Status.WAITING else None,
        "overdue": place.overdue,
        "deadline_at": leg.deadline_at if leg and leg.status == RelayLeg.Status.RUNNING else None,
        "score": str(leg.score) if finished and shown else None,
        "right": leg.right if finished and shown else None,
        "questions": leg.questions if finished else None,
        "time_used_s": float(leg.time_used_s) if finished else None,
        "skip_reason": leg.skip_reason if leg else "",
    }


class RelayListView(OnlineAPIView):
    """Team relays whose audience holds the signed-in member."""

    @extend_schema(
        operation_id="online_relay_list",
        responses=inline_serializer("OnlineRelayList", {"results": serializers.ListField()}),
    )
    def get(self, request):
        return Response({"results": [_relay(r) for r in selectors.relays_for_member(request.user)]})


class RelayView(OnlineAPIView):
    """A relay with the member's teams: who holds the baton, each leg's result (scores when the
    relay's rule shows them), and the team's totals."""

    @extend_schema(operation_id="online_relay_retrieve", responses=dict)
    def get(self, request, relay_id: int):
        relay = access_relay(request.user, relay_id)
        services.relay_sync(relay=relay, teams=selectors.teams_of_member(relay, request.user))
        shown = selectors.results_shown(relay)
        rows = selectors.team_rows(relay, teams=selectors.teams_of_member(relay, request.user))
        return Response(
            {
                **_relay(relay),
                "results_shown": shown,
                "teams": [
                    {
                        "id": row.team.pk,
                        "name": row.team.name,
                        "captain": row.team.captain.display_name if row.team.captain else None,
                        "i_am_captain": row.team.captain_id == request.user.pk,
                        "score": str(row.score) if shown else None,
                        "accuracy": row.accuracy if shown else None,
                        "time_used_s": float(row.time_used_s),
                        "legs": [_leg(place, shown) for place in row.places],
                    }
                    for row in rows
                ],
            }
        )


class LegStartView(OnlineAPIView):
    """Start the team's current leg if the member holds the baton (or resume it; from another
    device, take it over). Refused with `not_baton_holder` otherwise."""

    throttle_scope = "start"

    @extend_schema(request=LegStartSerializer, responses={201: dict, 409: dict})
    def post(self, request, relay_id: int, team_id: int):
        relay = access_relay(request.user, relay_id)
        team = access_member_team(request.user, relay, team_id)
        data = LegStartSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            leg = services.relay_leg_start(team=team, member=request.user, device=data.validated_data["device"])
        except AttemptRejected as error:
            raise rejected(error) from error
        return Response({"leg_id": leg.pk, "attempt": _attempt(leg.online_attempt)}, status=status.HTTP_201_CREATED)


def _steered(request, relay_id: int, leg_id: int) -> RelayLeg:
    """The leg a skip or replace names, refused before its body is read to anyone who may not
    steer its team (a runner's empty body gets `not_captain`, not a list of missing fields)."""
    relay = access_relay(request.user, relay_id)
    leg = get_object_or_404(RelayLeg.objects.select_related("team__relay__online__paper"), pk=leg_id, team__relay=relay)
    try:
        services.check_may_steer(request.user, leg.team)
    except AttemptRejected as error:
        raise rejected(error) from error
    return leg


class LegSkipView(OnlineAPIView):
    """The captain (or an organiser) skips the holder who has not started, with a reason."""

    throttle_scope = "submit"

    @extend_schema(request=SkipSerializer, responses={200: dict, 409: dict})
    def post(self, request, relay_id: int, leg_id: int):
        leg = _steered(request, relay_id, leg_id)
        data = SkipSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            leg = services.relay_leg_skip(leg=leg, by=request.user, reason=data.validated_data["reason"])
        except AttemptRejected as error:
            raise rejected(error) from error
        return Response({"leg_id": leg.pk, "status": leg.status})


class LegReplaceView(OnlineAPIView):
    """The captain (or an organiser) gives the waiting leg to another member, with a reason."""

    throttle_scope = "submit"

    @extend_schema(request=ReplaceSerializer, responses={200: dict, 409: dict})
    def post(self, request, relay_id: int, leg_id: int):
        leg = _steered(request, relay_id, leg_id)
        data = ReplaceSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        username = data.validated_data["username"]
        member = User.objects.filter(username=username).first()
        try:
            if member is None:
                raise services.replacement_refused(username)
            leg = services.relay_holder_replace(
                leg=leg, by=request.user, member=member, reason=data.validated_data["reason"]
            )
        except AttemptRejected as error:
            raise rejected(error) from error
        return Response({"leg_id": leg.pk, "status": leg.status, "holder": leg.holder.display_name})
