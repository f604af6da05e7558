"""A member's part in online contests over /api/v1/online/, so a phone client can take part.

Each call that acts on an attempt names its `device` (any stable id the client keeps, up to
64 characters): the attempt answers to one device at a time, and starting (resuming) it from
another device takes it over, after which the first device's calls are refused (`taken_over`).
"""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView

from lessons import presenters
from lessons.services.attempts import AttemptRejected
from quizsite.api_errors import ApiError, refused

from . import selectors, services
from .models import OnlineContest
from .ratelimit import allow
from .views import access_online_attempt, access_online_layout, check_contest_in_view, save_answer

LIMITS_PER_MINUTE = {"read": 60, "start": 10, "save": 120, "event": 60, "submit": 10}


class OnlineThrottle(BaseThrottle):
    """Per member and kind of call, on the shared cache (so every process counts together)."""

    def allow_request(self, request, view) -> bool:
        scope = view.throttle_scope
        return allow(f"api-online-{scope}:{request.user.pk}", limit=LIMITS_PER_MINUTE[scope], window_s=60)


class OnlineAPIView(APIView):
    throttle_classes = [OnlineThrottle]
    throttle_scope = "read"


def rejected(error: AttemptRejected) -> ApiError:
    """The API's refusal (409, the project's error shape) for a service's refusal of an attempt."""
    return refused(error)


DeviceField = serializers.CharField(max_length=64, help_text="A stable id of the client's device.")


class OnlineDeviceSerializer(serializers.Serializer):
    device = DeviceField


class OnlineSaveSerializer(OnlineDeviceSerializer):
    response = serializers.JSONField(help_text='Letters such as "B" or ["A", "C"], true/false, or one text per blank.')


class OnlineEventSerializer(OnlineDeviceSerializer):
    kind = serializers.ChoiceField(choices=["focus_lost", "paste"])
    position = serializers.IntegerField(required=False, allow_null=True)


def _contest(contest: OnlineContest) -> dict:
    paper = contest.paper
    return {
        "id": contest.pk,
        "title": paper.title,
        "title_en": paper.title_en,
        "description": paper.description,
        "description_en": paper.description_en,
        "opens_at": paper.opens_at,
        "closes_at": paper.closes_at,
        "time_limit_s": paper.time_limit_s,
        "question_time_s": paper.question_time_s,
        "max_attempts": paper.max_attempts,
        "grading": paper.grading,
        "results_shown": paper.review,
    }


class ContestListView(OnlineAPIView):
    """Online contests whose audience holds the signed-in member."""

    @extend_schema(
        operation_id="online_contest_list",
        responses=inline_serializer("OnlineContestList", {"results": serializers.ListField()}),
    )
    def get(self, request):
        return Response({"results": [_contest(c) for c in selectors.contests_for_member(request.user)]})


class ContestView(OnlineAPIView):
    """A contest with the member's attempts, the open one and the score that counts (when shown)."""

    @extend_schema(operation_id="online_contest_retrieve", responses=dict)
    def get(self, request, contest_id: int):
        contest = get_object_or_404(OnlineContest.objects.select_related("paper__unit"), pk=contest_id)
        check_contest_in_view(request.user, contest)
        if contest not in selectors.contests_for_member(request.user):
            raise ApiError(
                "not_in_audience", _("This contest is for other units."), status_code=status.HTTP_403_FORBIDDEN
            )
        standing = selectors.member_standing(contest, request.user)
        shown = standing.results_shown
        return Response(
            {
                **_contest(contest),
                "attempts": [
                    {
                        "id": a.pk,
                        "number": a.number,
                        "finished_at": a.finished_at,
                        "score": str(a.score) if shown else None,
                    }
                    for a in standing.attempts
                ],
                "open_attempt": standing.open_attempt.pk if standing.open_attempt else None,
                "attempts_left": standing.attempts_left,
                "counting_score": str(standing.counting.score) if shown and standing.counting else None,
            }
        )


class StartView(OnlineAPIView):
    """Start an attempt (or resume the open one; from another device, take it over)."""

    throttle_scope = "start"

    @extend_schema(request=OnlineDeviceSerializer, responses={201: dict, 409: dict})
    def post(self, request, contest_id: int):
        contest = get_object_or_404(OnlineContest.objects.select_related("paper__unit"), pk=contest_id)
        check_contest_in_view(request.user, contest)
        data = OnlineDeviceSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            online = services.online_attempt_start(
                contest=contest, member=request.user, device=data.validated_data["device"]
            )
        except AttemptRejected as error:
            raise rejected(error) from error
        return Response(_attempt(online), status=status.HTTP_201_CREATED)


def _attempt(online) -> dict:
    payload = presenters.attempt_payload(online.attempt)
    if not payload["review_available"]:
        payload["score"] = None  # the score waits for the results, as on the pages
        for item in payload["items"]:
            item.pop("score", None)
    return payload


class AttemptView(OnlineAPIView):
    """An attempt: its questions (never a key before the results), the deadline and server time."""

    @extend_schema(responses=dict)
    def get(self, request, attempt_id: int):
        return Response(_attempt(access_online_attempt(request.user, attempt_id)))


class ItemSaveView(OnlineAPIView):
    """Autosave the answer to one question of the attempt, until the deadline."""

    throttle_scope = "save"

    @extend_schema(request=OnlineSaveSerializer, responses={200: dict, 409: dict})
    def put(self, request, attempt_id: int, position: int):
        layout = access_online_layout(request.user, attempt_id)
        data = OnlineSaveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            item = save_answer(
                request.user,
                layout,
                attempt_id=attempt_id,
                position=position,
                device=data.validated_data["device"],
                response=data.validated_data["response"],
            )
        except AttemptRejected as error:
            raise rejected(error) from error
        return Response({"position": item.position, "saved_at": item.saved_at})


class ItemOpenView(OnlineAPIView):
    """Show one question. With a time per question (`question_time_s`), its clock starts now and
    the response gives its `deadline_at`; later saves of it are refused (`question_time_up`)."""

    throttle_scope = "save"

    @extend_schema(request=OnlineDeviceSerializer, responses={200: dict, 409: dict})
    def post(self, request, attempt_id: int, position: int):
        online = access_online_attempt(request.user, attempt_id)
        data = OnlineDeviceSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            item = services.online_item_open(online=online, device=data.validated_data["device"], position=position)
        except AttemptRejected as error:
            raise rejected(error) from error
        return Response({"position": item.position, "opened_at": item.opened_at, "deadline_at": item.deadline_at})


class EventView(OnlineAPIView):
    """Report that the app left the foreground (`focus_lost`) or text was pasted (`paste`)."""

    throttle_scope = "event"

    @extend_schema(request=OnlineEventSerializer, responses={201: dict, 409: dict})
    def post(self, request, attempt_id: int):
        online = access_online_attempt(request.user, attempt_id)
        data = OnlineEventSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            event = services.integrity_record(
                online=online,
                device=data.validated_data["device"],
                kind=data.validated_data["kind"],
                position=data.validated_data.get("position"),
            )
        except AttemptRejected as error:
            raise rejected(error) from error
        return Response({"kind": event.kind, "position": event.position}, status=status.HTTP_201_CREATED)


class SubmitView(OnlineAPIView):
    """Submit the attempt. A second submit returns the same result."""

    throttle_scope = "submit"

    @extend_schema(request=OnlineDeviceSerializer, responses={200: dict, 409: dict})
    def post(self, request, attempt_id: int):
        online = access_online_attempt(request.user, attempt_id)
        data = OnlineDeviceSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            online.attempt = services.online_attempt_submit(online=online, device=data.validated_data["device"])
        except AttemptRejected as error:
            raise rejected(error) from error
        return Response(_attempt(online))
