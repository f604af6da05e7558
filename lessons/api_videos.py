"""Micro-classes over /api/v1/lessons/: series, lessons with the member's progress, a short-lived
signed URL for the stream, and heartbeats judged by the same service, with the same rules, as
the player page's (`lessons.services.videos.heartbeat_record`)."""

from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core import signing
from django.db.models import Count, Q, Sum
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from orgs import access
from orgs.models import User
from orgs.passwords import PASSWORD_CHANGE_REQUIRED
from quizsite.api_errors import ApiError, error_response, refused

from .models import Lesson, Series, StudyCredit, WatchProgress
from .services import study_rules, videos
from .views.videos import _resume_at, access_lesson, check_lesson_known, serve_media, unpublished_text

STREAM_SALT = "lessons.api.stream"


class SeriesSerializer(serializers.ModelSerializer):
    lessons = serializers.IntegerField(
        source="lessons_open", read_only=True, help_text="Lessons of the series open to you."
    )

    class Meta:
        model = Series
        fields = ["id", "slug", "title", "description", "lessons"]


class LessonSerializer(serializers.ModelSerializer):
    series = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    duration_s = serializers.FloatField(allow_null=True)
    percent = serializers.SerializerMethodField(help_text="Watched share of the duration, 0-100.")
    completed = serializers.SerializerMethodField()

    class Meta:
        model = Lesson
        fields = ["id", "series", "position", "title", "speaker", "description", "required", "duration_s"]
        fields += ["percent", "completed"]

    def _progress(self, lesson: Lesson) -> WatchProgress | None:
        return self.context["progress"].get(lesson.pk)

    def get_percent(self, lesson: Lesson) -> int:
        return videos.watched_percent(lesson, self._progress(lesson))

    def get_completed(self, lesson: Lesson) -> bool:
        mine = self._progress(lesson)
        return bool(mine and mine.completed_at)


class LessonDetailSerializer(LessonSerializer):
    watched_s = serializers.SerializerMethodField()
    furthest_s = serializers.SerializerMethodField(
        help_text="Required lessons: the end of the stretch watched without a gap; nothing beyond it counts."
    )
    resume_s = serializers.SerializerMethodField(help_text="Where the player should start.")
    heartbeat_interval_s = serializers.SerializerMethodField()
    complete_share = serializers.SerializerMethodField(help_text="The watched share that completes the lesson.")
    study_hours = serializers.SerializerMethodField(
        help_text="Study hours completing the lesson today earns: its own, or by its organ's study-hours rule "
        "(null while its length is unknown)."
    )

    class Meta(LessonSerializer.Meta):
        fields = [*LessonSerializer.Meta.fields, "watched_s", "furthest_s", "resume_s"]
        fields += ["heartbeat_interval_s", "complete_share", "study_hours"]

    def get_study_hours(self, lesson: Lesson) -> float | None:
        hours = study_rules.lesson_study_hours(lesson)
        return float(hours) if hours is not None else None

    def get_watched_s(self, lesson: Lesson) -> float:
        mine = self._progress(lesson)
        return float(mine.watched_s) if mine else 0.0

    def get_furthest_s(self, lesson: Lesson) -> float:
        mine = self._progress(lesson)
        return float(mine.furthest_s) if mine else 0.0

    def get_resume_s(self, lesson: Lesson) -> float:
        return _resume_at(lesson, self._progress(lesson))

    def get_heartbeat_interval_s(self, lesson: Lesson) -> int:
        return settings.LESSON_HEARTBEAT_S

    def get_complete_share(self, lesson: Lesson) -> float:
        return settings.LESSON_COMPLETE_SHARE


def _visible_lessons(user):
    return (
        Lesson.objects.filter(videos.lessons_visible_q(user))
        .select_related("series")
        .distinct()
        .order_by("series__title", "position", "-created_at")
    )


def _progress_of(user, lessons) -> dict[int, WatchProgress]:
    return {p.lesson_id: p for p in WatchProgress.objects.filter(member=user, lesson__in=lessons)}


class SeriesListView(ListAPIView):
    """Series with lessons open to you (a series whose lessons are all drafts is not listed)."""

    serializer_class = SeriesSerializer

    @extend_schema(operation_id="lessons_series_list")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        visible = Lesson.objects.filter(videos.lessons_visible_q(self.request.user)).values("pk")
        return (
            Series.objects.filter(lessons__in=visible)
            .annotate(lessons_open=Count("lessons", filter=Q(lessons__in=visible), distinct=True))
            .order_by("title", "pk")
        )


class LessonListView(ListAPIView):
    """Lessons open to you (published, ready, in their publish window, your unit in the audience),
    with how much you have watched."""

    serializer_class = LessonSerializer

    @extend_schema(
        operation_id="lessons_list",
        parameters=[OpenApiParameter("series", str, description="Only this series (its slug)")],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        lessons = _visible_lessons(self.request.user)
        if series := self.request.query_params.get("series", ""):
            lessons = lessons.filter(series__slug=series)
        return lessons

    def get_serializer_context(self) -> dict:
        context = super().get_serializer_context()
        page = getattr(self.paginator, "page", None)
        lessons = [lesson.pk for lesson in page] if page is not None else []
        return {**context, "progress": _progress_of(self.request.user, lessons)}


class LessonView(APIView):
    @extend_schema(operation_id="lessons_retrieve", responses=LessonDetailSerializer)
    def get(self, request, lesson_id: int):
        """A lesson open to you, with your progress and where to resume."""
        lesson = access_lesson(request.user, lesson_id)
        progress = _progress_of(request.user, [lesson.pk])
        return Response(LessonDetailSerializer(lesson, context={"progress": progress}).data)


StreamSerializer = inline_serializer(
    "LessonStream",
    {
        "hls": serializers.CharField(allow_blank=True, help_text="The HLS master playlist (720p and 360p), or empty."),
        "mp4": serializers.CharField(allow_blank=True, help_text="The H.264/AAC MP4, or empty."),
        "poster": serializers.CharField(allow_blank=True),
        "subtitles": serializers.CharField(allow_blank=True, help_text="WebVTT, or empty."),
        "expires_at": serializers.DateTimeField(help_text="Ask again for new URLs before this."),
    },
)


class StreamView(APIView):
    @extend_schema(operation_id="lessons_stream", responses=StreamSerializer)
    def get(self, request, lesson_id: int):
        """Signed URLs for the lesson's media, for a player that cannot send the token: they serve
        only to you, while you are in the audience, for API_STREAM_URL_S seconds. HLS segments
        are fetched relative to the playlist's URL, so they carry the signature too."""
        lesson = access_lesson(request.user, lesson_id)
        expires_at = timezone.now() + timedelta(seconds=settings.API_STREAM_URL_S)
        claim = {"lesson": lesson.pk, "member": request.user.pk, "until": expires_at.timestamp()}
        signed = signing.dumps(claim, salt=STREAM_SALT)

        def url(name: str) -> str:
            path = reverse("api-lesson-media", args=[lesson.pk, signed, name])
            return request.build_absolute_uri(path)

        hls = str(Path(lesson.hls).relative_to(f"lessons/{lesson.pk}")) if lesson.hls else ""
        return Response(
            {
                "hls": url(hls) if hls else "",
                "mp4": url("video.mp4") if lesson.mp4 else "",
                "poster": url("poster.jpg") if lesson.poster else "",
                "subtitles": url(Path(lesson.subtitles.name).name) if lesson.subtitles else "",
                "expires_at": expires_at,
            }
        )


def signed_media(request, lesson_id: int, signed: str, name: str):
    """A lesson's file through a signed stream URL: the signature names the lesson and the
    member, and the member must still be in the audience (asked on every request, as the page's
    media asks), and must not have a temporary password to replace (`orgs.passwords`)."""
    try:
        claim = signing.loads(signed, salt=STREAM_SALT)
    except signing.BadSignature:
        raise Http404(_("No such file.")) from None
    if claim.get("lesson") != lesson_id or claim.get("until", 0) < timezone.now().timestamp():
        raise Http404(_("No such file."))
    member = User.objects.filter(pk=claim.get("member"), is_active=True).first()
    if member is None:
        raise Http404(_("No such file."))
    if member.must_change_password:  # a URL signed before an organiser set a temporary password
        return error_response("password_change_required", PASSWORD_CHANGE_REQUIRED, status=403)
    lesson = get_object_or_404(Lesson.objects.select_related("unit", "series"), pk=lesson_id)
    if not videos.can_watch(member, lesson):
        raise Http404(_("No such file."))
    return serve_media(request, lesson, name)


class HeartbeatSerializer(serializers.Serializer):
    tab = serializers.CharField(max_length=40, help_text="Names this player instance; one plays at a time.")
    position = serializers.FloatField(min_value=0, help_text="The player's position, in seconds.")
    playing = serializers.BooleanField(default=False)
    rate = serializers.FloatField(default=1, min_value=0, max_value=16, help_text="Recorded, never believed.")
    take_over = serializers.BooleanField(
        default=False,
        help_text="Watch here instead: after 409 `other_tab` or `other_lesson`, when the member chooses to, "
        "this beat takes the lesson over from the other player. It counts nothing itself (what is watched "
        "from here on counts, once), and the other player's beats are refused from then on.",
    )


HeartbeatResult = inline_serializer(
    "HeartbeatResult",
    {
        "credited_s": serializers.FloatField(),
        "rejected": serializers.CharField(
            allow_blank=True, help_text='Why nothing was credited ("skipped", "too_fast"...), or empty.'
        ),
        "watched_s": serializers.FloatField(),
        "furthest_s": serializers.FloatField(),
        "percent": serializers.IntegerField(),
        "completed": serializers.BooleanField(),
        "completed_now": serializers.BooleanField(),
    },
)


class HeartbeatView(APIView):
    @extend_schema(operation_id="lessons_heartbeat", request=HeartbeatSerializer, responses=HeartbeatResult)
    def post(self, request, lesson_id: int):
        """Report the player every `heartbeat_interval_s` seconds and on pause, seek and end. The
        rules are the player page's: video counts only while playing, forward, and within the wall
        clock times LESSON_MAX_RATE; a required lesson cannot be skipped ahead; one lesson in one
        tab at a time (409 `other_tab`, `other_lesson`; a beat with `take_over` watches here
        instead); 403 `not_in_audience` once you are no longer in the audience or the window has
        closed, 403 `not_published` once a lesson you watched is taken back to a draft (what you
        watched is kept); 404, as for a missing id, for another unit's lesson or a draft you never
        watched."""
        # The lesson, the audience check and the member's span and progress in one query.
        watching = videos.lesson_watching(request.user, lesson_id)
        if watching is None:
            raise access.not_found(Lesson)
        lesson = watching.lesson
        if not watching.watchable:
            check_lesson_known(request.user, lesson, watched=watching.progress is not None)
            if not lesson.is_published:
                raise ApiError("not_published", unpublished_text(), status_code=403)
            raise ApiError("not_in_audience", _("This micro-class is not open to your unit."), status_code=403)
        data = HeartbeatSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        beat_data = data.validated_data
        try:
            beat = videos.heartbeat_record(
                member=request.user,
                lesson=lesson,
                tab=beat_data["tab"],
                position_s=beat_data["position"],
                playing=beat_data["playing"],
                rate=beat_data["rate"],
                seen=watching,
                take_over=beat_data["take_over"],
            )
        except videos.LessonRejected as error:
            raise refused(error) from None
        if beat.rejected == "other_tab":
            message = _("This lesson is playing in another tab or window; it counts in one place at a time.")
            raise ApiError("other_tab", message)
        if beat.rejected == "other_lesson":
            raise ApiError("other_lesson", _("Another micro-class is playing for you; one lesson counts at a time."))
        progress = beat.progress
        return Response(
            {
                "credited_s": round(beat.credited_s, 2),
                "rejected": beat.rejected,
                "watched_s": float(progress.watched_s),
                "furthest_s": float(progress.furthest_s),
                "percent": videos.watched_percent(lesson, progress),
                "completed": progress.completed_at is not None,
                "completed_now": beat.completed_now,
            },
            status=status.HTTP_200_OK,
        )


class StudyHoursView(APIView):
    @extend_schema(
        operation_id="lessons_study_hours",
        responses=inline_serializer(
            "StudyHours", {"hours": serializers.FloatField(), "lessons_completed": serializers.IntegerField()}
        ),
    )
    def get(self, request):
        """Your study hours from completed micro-classes."""
        credits = StudyCredit.objects.filter(member=request.user).aggregate(hours=Sum("hours"), lessons=Count("id"))
        return Response({"hours": float(credits["hours"] or 0), "lessons_completed": credits["lessons"]})
