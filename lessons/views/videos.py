"""Micro-class pages: the library, the player and its heartbeats, protected media, and the
organiser's upload, processing and completion report."""

from __future__ import annotations

import mimetypes
import re
from decimal import Decimal
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.paginator import Page, Paginator
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from orgs import access
from orgs.forms import UnitChoiceField
from orgs.models import User
from quizsite import client_json
from quizsite.api_errors import error_response
from quizsite.naming import local_moment
from quizsite.redirects import back_to
from quizsite.spreadsheets import ExportWorkbook, xlsx_response

from .. import completion
from ..models import Heartbeat, Lesson, Series, StudyCredit, Upload, WatchProgress
from ..selectors import lesson_quiz_warning, lesson_title_taken_text, member_study_credits
from ..services import attempts, study_rules, videos
from ..services.videos import LessonRejected
from .series import english_title_field, series_choice_help

RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def unpublished_text() -> str:
    """What a member who watched a lesson since taken back to a draft reads of it, wherever they
    meet it: an old link, the player's heartbeats, the API."""
    return _("This micro-class is not available at the moment. What you have watched is kept.")


def access_lesson(user, lesson_id: int) -> Lesson:
    lesson = get_object_or_404(Lesson.objects.select_related("unit", "series"), pk=lesson_id)
    if not videos.can_watch(user, lesson):
        watched = WatchProgress.objects.filter(member=user, lesson=lesson).exists()
        check_lesson_known(user, lesson, watched=watched)
        raise PermissionDenied(_closed_because(user, lesson))
    return lesson


def _in_audience(user, lesson: Lesson) -> bool:
    """Whether the lesson is addressed to the user's unit (its audience, else its own subtree)."""
    audience = list(lesson.audience.all()) or [lesson.unit]
    unit = getattr(user, "unit", None)
    return unit is not None and any(unit.path.startswith(root.path) for root in audience)


def check_lesson_known(user, lesson: Lesson, *, watched: bool) -> None:
    """For a lesson the user may not watch: the not-found of a missing id unless they have met it,
    that is watched some of it (`watched`) or it is published to their unit (it was, or will be,
    in their library). Another unit's lesson, or a draft they never watched, is not theirs to
    know of: a 403 told it from a missing id, and told a draft's member "what you have watched is
    kept" of nothing watched."""
    if not watched and not (_in_audience(user, lesson) and lesson.is_published):
        raise access.not_found(Lesson)


def _closed_because(user, lesson: Lesson) -> str:
    """Why a member who knows the lesson (`check_lesson_known`) may not watch it now, in their
    words: a member of its audience following an old link learns it closed (or is not open yet,
    or not ready), one who watched it before moving unit that it is not for their unit now."""
    if not _in_audience(user, lesson):
        return _("This micro-class is not open to your unit.")
    if not lesson.is_published:
        # Taken back to a draft while they watched: nothing of it is shown.
        return unpublished_text()
    now = timezone.now()

    if lesson.publish_until and lesson.publish_until <= now:
        return _("This micro-class closed on %(at)s.") % {"at": local_moment(lesson.publish_until)}
    if lesson.publish_from and lesson.publish_from > now:
        return _("This micro-class opens on %(at)s.") % {"at": local_moment(lesson.publish_from)}
    return _("This micro-class is not ready to watch yet.")


def access_managed_lesson(user, lesson_id: int) -> Lesson:
    lesson = get_object_or_404(Lesson.objects.select_related("unit"), pk=lesson_id)
    if not access.can_manage_unit(user, lesson.unit):
        access.refuse(
            user,
            lesson,
            lesson.unit,
            _("Only organisers of %(unit)s manage this micro-class.") % {"unit": lesson.unit.display_name},
            visible=videos.can_watch(user, lesson),
        )
    return lesson


# ---------------------------------------------------------------- members


LIBRARY_PAGE_SIZE = 12


@login_required
def library(request):
    """The lessons open to the member, by series in order; `q` finds words in a title, speaker or
    series, and `show` keeps the required lessons not finished yet, or all not finished."""
    lessons = Lesson.objects.filter(videos.lessons_visible_q(request.user)).select_related("series").distinct()
    query = " ".join(request.GET.get("q", "").split())[:60]
    for word in query.split():
        lessons = lessons.filter(
            Q(title__icontains=word)
            | Q(title_en__icontains=word)
            | Q(speaker__icontains=word)
            | Q(series__title__icontains=word)
            | Q(series__title_en__icontains=word)
        )
    show = request.GET.get("show", "")
    if show not in ("required", "unfinished"):
        show = ""
    if show:
        finished = WatchProgress.objects.filter(member=request.user, completed_at__isnull=False).values("lesson_id")
        lessons = lessons.exclude(pk__in=finished)
        if show == "required":
            lessons = lessons.filter(required=True)
    lessons = lessons.order_by("series__title", "series_id", "position", "-created_at", "pk")
    # LIBRARY_PAGE_SIZE lessons a page (an organ publishes hundreds; one page of them all was
    # 18,000 pixels tall on a phone), the search and the filter kept from page to page.
    page = Paginator(lessons.select_related("unit"), LIBRARY_PAGE_SIZE).get_page(request.GET.get("page"))
    lessons = list(page.object_list)
    progress = {p.lesson_id: p for p in WatchProgress.objects.filter(member=request.user, lesson__in=lessons)}
    earns = study_rules.lessons_study_hours(lessons)
    items = []
    for lesson in lessons:
        mine = progress.get(lesson.pk)
        percent = videos.watched_percent(lesson, mine)
        items.append(
            {"lesson": lesson, "percent": percent, "done": bool(mine and mine.completed_at), "hours": earns[lesson.pk]}
        )
    hours = sum((c.hours for c in StudyCredit.objects.filter(member=request.user)), start=0)
    return render(
        request, "lessons/library.html", {"items": items, "hours": hours, "query": query, "show": show, "page": page}
    )


@login_required
def study_hours(request):
    """The member's study hours: this year's and all, and each lesson that earned them."""
    from quizsite.selectors import study_hours_this_year

    credits = member_study_credits(request.user)
    own_organ_path = study_rules.organ_path(request.user.unit) if request.user.unit else None
    for credit in credits:
        credit.basis_text = study_rules.credit_basis_text(credit, own_organ_path=own_organ_path)
    return render(
        request,
        "lessons/study_hours.html",
        {
            "credits": credits,
            "this_year": study_hours_this_year(request.user),
            "total": sum((credit.hours for credit in credits), start=Decimal(0)),
            "rule": study_rules.rule_in_force(organ=study_rules.organ_path(request.user.unit), day=timezone.localdate())
            if request.user.unit
            else study_rules.default_rule(),
            "watching": _watching_rule(),
        },
    )


@login_required
def player(request, lesson_id: int):
    lesson = access_lesson(request.user, lesson_id)
    mine = WatchProgress.objects.filter(member=request.user, lesson=lesson).first()
    state = {
        "heartbeat_url": request.build_absolute_uri(f"/lessons/{lesson.pk}/heartbeat/"),
        "hls": f"/lessons/{lesson.pk}/media/{Path(lesson.hls).relative_to(f'lessons/{lesson.pk}')}"
        if lesson.hls
        else "",
        "mp4": f"/lessons/{lesson.pk}/media/video.mp4" if lesson.mp4 else "",
        "required": lesson.required,
        "resume_s": _resume_at(lesson, mine),
        "furthest_s": float(mine.furthest_s) if mine else 0.0,
        "watched_s": float(mine.watched_s) if mine else 0.0,
        "percent": videos.watched_percent(lesson, mine),
        "interval_s": settings.LESSON_HEARTBEAT_S,
        "duration_s": float(lesson.duration_s or 0),
        "complete_share": settings.LESSON_COMPLETE_SHARE,
        # An organiser previewing a draft: the page sends no heartbeats (none would count).
        "preview": not lesson.is_published,
        "other_tab": other_tab_text(),
        "max_rate": settings.LESSON_MAX_RATE,
    }
    credit = StudyCredit.objects.filter(member=request.user, lesson=lesson).first()
    return render(
        request,
        "lessons/player.html",
        {
            "lesson": lesson,
            "progress": mine,
            "state": state,
            "subtitles_name": Path(lesson.subtitles.name).name if lesson.subtitles else "",
            "lesson_hours": study_rules.lesson_study_hours(lesson),
            "credit": credit,
            "quiz_unavailable": _quiz_unavailable(request.user, lesson),
            "publication": publication_state(lesson) if not lesson.is_published else None,
            # Members reach only ready lessons (`can_watch`); an organiser previewing one with no
            # video, one still processing or one that failed reads why instead of an empty player.
            "unplayable": "" if lesson.is_ready else _unplayable_text(lesson),
            "max_rate": settings.LESSON_MAX_RATE,
            **_series_around(request.user, lesson),
        },
    )


def _unplayable_text(lesson: Lesson) -> str:
    """Why a lesson has nothing to play, as its organiser previewing it reads it."""
    if lesson.status == Lesson.Status.FAILED:
        why = _("The video could not be processed: upload another.")
        if lesson.failure:
            why = _("The video could not be processed (%(why)s): upload another.") % {"why": _(lesson.failure)}
        return why
    if lesson.status == Lesson.Status.PROCESSING:
        return _("Its video is still being processed: it plays here once that is done.")
    return _("No playable video yet: upload one first.")


def _quiz_unavailable(user, lesson: Lesson) -> str:
    """Why the member cannot start the lesson's quiz now ('' when they can, or there is none):
    the player says so beside the quiz's name instead of a button that leads to a refusal."""
    if lesson.paper is None:
        return ""
    try:
        attempts.paper_open_for(lesson.paper, user, timezone.now())
    except attempts.AttemptRejected as refused:
        return refused.message
    return ""


def _series_around(user, lesson: Lesson) -> dict:
    """The lesson's series as this member may watch it, in order, each with whether they
    finished it, and the next lesson after this one (the first unfinished after it)."""
    if lesson.series_id is None:
        return {"series_items": [], "next_lesson": None}
    lessons = list(
        Lesson.objects.filter(videos.lessons_visible_q(user), series_id=lesson.series_id)
        .distinct()
        .order_by("position", "created_at", "pk")
    )
    visible = {item.pk for item in lessons}
    if lesson.pk not in visible:
        # A manager previewing a lesson members do not see (a draft, or outside its window or
        # audience) sees it in place among every lesson of the series they manage, drafts too:
        # with only the one previewed added, two drafts at the end were both "Lesson 3 of 3".
        managed = Lesson.objects.filter(access.subtree_q(user, prefix="unit__"), series_id=lesson.series_id)
        lessons = sorted(
            {item.pk: item for item in [*lessons, *managed, lesson]}.values(),
            key=lambda item: (item.position, item.created_at, item.pk),
        )
    done = set(
        WatchProgress.objects.filter(member=user, lesson__in=lessons, completed_at__isnull=False).values_list(
            "lesson_id", flat=True
        )
    )
    index = next(i for i, item in enumerate(lessons) if item.pk == lesson.pk)
    later = lessons[index + 1 :]
    upcoming = next((item for item in later if item.pk not in done), later[0] if later else None)
    items = [
        {"lesson": item, "done": item.pk in done, "current": item.pk == lesson.pk, "unseen": item.pk not in visible}
        for item in lessons
    ]
    return {"series_items": items, "series_number": index + 1, "next_lesson": upcoming}


def _resume_at(lesson: Lesson, mine: WatchProgress | None) -> float:
    """Where the player starts: the last position, but on a required lesson no later than the
    stretch watched without a gap (the server counts nothing beyond it)."""
    if mine is None or mine.completed_at:
        return 0.0
    if lesson.required:
        return float(min(mine.last_position_s, mine.furthest_s))
    return float(mine.last_position_s)


@login_required
def media(request, lesson_id: int, name: str):
    """Serve a lesson's poster, MP4, HLS playlists and segments, or subtitles to its audience only:
    through nginx (X-Accel-Redirect) in production, with HTTP ranges in development."""
    return serve_media(request, access_lesson(request.user, lesson_id), name)


def serve_media(request, lesson: Lesson, name: str) -> HttpResponse:
    """One of `lesson`'s files, to a caller already found in its audience (the page's session,
    or the API's signed stream URL)."""
    allowed = {"poster.jpg", "video.mp4"} | ({Path(lesson.subtitles.name).name} if lesson.subtitles else set())
    if not (name in allowed or re.fullmatch(r"hls/[0-9a-z]+(_\d{4}\.ts|\.m3u8)", name)):
        raise Http404(_("No such file."))
    relative = f"lessons/{lesson.pk}/{name}"
    path = Path(settings.MEDIA_ROOT) / relative
    if not path.is_file():
        raise Http404(_("No such file."))
    content_type = {
        ".m3u8": "application/vnd.apple.mpegurl",
        ".ts": "video/mp2t",
        ".vtt": "text/vtt",
    }.get(path.suffix, mimetypes.guess_type(path.name)[0] or "application/octet-stream")
    if settings.MEDIA_ACCEL_REDIRECT:
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = settings.MEDIA_ACCEL_PREFIX + relative
        return response
    return _ranged(request, path, content_type)


def _ranged(request, path: Path, content_type: str) -> HttpResponse:
    size = path.stat().st_size
    match = RANGE.match(request.headers.get("Range", ""))
    if not match or (not match.group(1) and not match.group(2)):
        response = FileResponse(open(path, "rb"), content_type=content_type)  # noqa: SIM115 - closed by Django
        response["Accept-Ranges"] = "bytes"
        return response
    if match.group(1):
        start = int(match.group(1))
        end = min(int(match.group(2)) if match.group(2) else size - 1, size - 1)
    else:
        start, end = max(0, size - int(match.group(2))), size - 1
    if start > end or start >= size:
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        return response
    with open(path, "rb") as handle:
        handle.seek(start)
        body = handle.read(end - start + 1)
    response = HttpResponse(body, status=206, content_type=content_type)
    response["Content-Range"] = f"bytes {start}-{end}/{size}"
    response["Accept-Ranges"] = "bytes"
    return response


def other_tab_text() -> str:
    """What a page refused for another tab playing the lesson is told: what to do about it."""
    return _(
        "This lesson is playing in another tab or window; it counts in one place at a time. Close the other one, "
        "or it frees itself about %(seconds)s seconds after it was last playing; or watch here instead."
    ) % {"seconds": settings.LESSON_TAB_TIMEOUT_S}


@require_POST
def heartbeat(request, lesson_id: int):
    """The player's report: {"tab", "position", "playing", "rate"}. JSON in, JSON out."""
    if not request.user.is_authenticated:
        return error_response("signed_out", _("Sign in again to keep counting."), status=401)
    # Asked afresh on every beat, as the media asks it: a member taken out of the audience, or a
    # lesson whose window closed, stops counting at once (in one query with the lesson, and the
    # member's span and progress the beat is judged on).
    watching = videos.lesson_watching(request.user, lesson_id)
    if watching is None:
        raise access.not_found(Lesson)
    lesson = watching.lesson
    if not watching.watchable:
        check_lesson_known(request.user, lesson, watched=watching.progress is not None)
        if not lesson.is_published:
            return error_response("not_published", unpublished_text(), status=403)
        detail = _("This micro-class is not open to your unit.")
        return error_response("not_in_audience", detail, status=403)
    try:
        data = client_json.loads(request.body or b"{}")
        beat = videos.heartbeat_record(
            member=request.user,
            lesson=lesson,
            # No player sends a NUL, and PostgreSQL takes none in text: dropped, not a server error.
            tab=str(data["tab"]).replace("\x00", "")[:40],
            position_s=float(data["position"]),
            playing=bool(data.get("playing")),
            rate=float(data.get("rate", 1)),
            seen=watching,
            take_over=data.get("take_over") is True,
        )
    except (ValueError, KeyError, TypeError):
        return error_response("bad_heartbeat", _("A heartbeat needs tab and position."), status=400)
    except LessonRejected as refused:
        return error_response(refused.code, refused.message, status=409)
    if beat.rejected == "other_tab":
        return error_response("other_tab", other_tab_text(), status=409)
    if beat.rejected == "other_lesson":
        detail = _("Another micro-class is playing for you; one lesson counts at a time.")
        return error_response("other_lesson", detail, status=409)
    progress = beat.progress
    return JsonResponse(
        {
            "credited_s": round(beat.credited_s, 2),
            "rejected": beat.rejected,
            "watched_s": float(progress.watched_s),
            "furthest_s": float(progress.furthest_s),
            "percent": videos.watched_percent(lesson, progress),
            "completed": progress.completed_at is not None,
            "completed_now": beat.completed_now,
        }
    )


# ---------------------------------------------------------------- organisers


def publication_state(lesson: Lesson) -> dict:
    """A lesson's publication as its organiser reads it: the word (Draft, Published), a badge
    colour, and a sentence saying whether members see it now and, if not, what they wait for."""
    now = timezone.now()

    if not lesson.is_published:
        tone = "text-bg-secondary"
        if lesson.status == Lesson.Status.FAILED:
            detail = _("Members can't see it. Its video could not be processed: upload a new one before publishing.")
        elif not lesson.source:
            detail = _("Members can't see it. Upload its video, preview it, then publish it.")
        else:
            detail = _("Members can't see it until you publish it. Preview it first as a member would see it.")
    else:
        tone = "text-bg-primary"
        if lesson.status == Lesson.Status.FAILED:
            tone = "text-bg-danger"
            detail = _("Members can't see it: its video could not be processed. Upload a new one.")
        elif not lesson.is_ready:
            detail = _("Members will see it as soon as its video is processed.")
        elif lesson.publish_until and lesson.publish_until <= now:
            detail = _("Its window ended on %(at)s: members no longer see it.") % {
                "at": local_moment(lesson.publish_until)
            }
        elif lesson.publish_from and lesson.publish_from > now:
            detail = _("Members will see it from %(at)s.") % {"at": local_moment(lesson.publish_from)}
        else:
            detail = _("Members of its audience can watch it now.")
    return {
        "published": lesson.is_published,
        "label": lesson.get_publication_display(),
        "tone": tone,
        "detail": detail,
        # Publishing is refused only where the lesson could never show: no video, or a failed one.
        "can_publish": not lesson.is_published and bool(lesson.source) and lesson.status != Lesson.Status.FAILED,
    }


@login_required
@require_POST
def lesson_publication(request, lesson_id: int):
    """Publish a lesson (`action=publish`) or take it back to a draft (`action=unpublish`); back
    to the page the form was on."""
    lesson = access_managed_lesson(request.user, lesson_id)
    action = request.POST.get("action")
    try:
        if action == "publish":
            lesson = videos.lesson_publish(lesson=lesson)
            messages.success(request, _("Published.") + " " + publication_state(lesson)["detail"])
            # Published all the same: the video is the lesson; its quiz can be published after.
            if warning := lesson_quiz_warning(lesson):
                messages.warning(request, warning)
        elif action == "unpublish":
            videos.lesson_unpublish(lesson=lesson)
            messages.success(
                request,
                _("Back to a draft: members no longer see it. What they watched, and their study hours, are kept."),
            )
    except LessonRejected as refused:
        messages.error(request, refused.message)
    return back_to(request, "lessons:lesson_manage")


class LessonForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("title"), max_length=120)
    title_en = english_title_field()  # optional, as on the series form
    speaker = forms.CharField(label=gettext_lazy("speaker"), max_length=60, required=False)
    series = forms.ModelChoiceField(label=gettext_lazy("series"), queryset=Series.objects.none(), required=False)
    description = forms.CharField(
        label=gettext_lazy("description"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    required = forms.BooleanField(label=gettext_lazy("required"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"] = UnitChoiceField(user=user, label=gettext_lazy("unit"))
        self.order_fields(["title", "title_en", "unit", "series", "speaker", "description", "required"])
        self.fields["series"].queryset = Series.objects.filter(access.subtree_q(user, prefix="unit__"))
        series_choice_help(self.fields["series"])


@login_required
@require_http_methods(["GET", "POST"])
def manage(request):
    access.check_manager(request.user)
    form = LessonForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        lesson = videos.lesson_create(
            title=data["title"],
            title_en=data["title_en"],
            unit=data["unit"],
            by=request.user,
            series=data["series"],
            speaker=data["speaker"],
            description=data["description"],
            required=data["required"],
        )
        if taken := lesson_title_taken_text(lesson):
            messages.warning(request, taken)
        return redirect("lessons:lesson_upload", lesson_id=lesson.pk)
    lessons = list(
        Lesson.objects.filter(access.subtree_q(request.user, prefix="unit__")).select_related("series", "unit")[:200]
    )
    for lesson in lessons:
        lesson.publication_state = publication_state(lesson)
    return render(
        request,
        "lessons/lesson_manage.html",
        {
            "form": form,
            "lessons": lessons,
            "worker_missing": any(lesson.worker_missing for lesson in lessons),
            "worker_patience": settings.BACKGROUND_QUEUE_PATIENCE_S,
        },
    )


@login_required
def upload_page(request, lesson_id: int):
    lesson = access_managed_lesson(request.user, lesson_id)
    return render(
        request,
        "lessons/lesson_upload.html",
        {
            "lesson": lesson,
            "max_bytes": settings.LESSON_UPLOAD_MAX_BYTES,
            "tools_missing": videos.video.tools_missing(),
            "watching": videos.lesson_progress_started(lesson) if lesson.source else None,
            "worker_patience": settings.BACKGROUND_QUEUE_PATIENCE_S,
        },
    )


@login_required
@require_POST
def upload_start(request, lesson_id: int):
    lesson = access_managed_lesson(request.user, lesson_id)
    try:
        filename, size = videos.announced_file(request.body)
        upload = videos.upload_start(lesson=lesson, filename=filename, size=size, by=request.user)
    except ValueError:
        return error_response("bad_request", _("Send the file's name and size."), status=400)
    except LessonRejected as refused:
        return error_response(refused.code, refused.message, status=400)
    return JsonResponse(
        {"upload": str(upload.pk), "received": upload.received, "chunk_url": f"/lessons/uploads/{upload.pk}/"}
    )


@login_required
@require_http_methods(["GET", "PUT"])
def upload_chunk(request, upload_id):
    """GET: how many bytes arrived (resume from there). PUT with Content-Range: append a chunk."""
    upload = get_object_or_404(Upload.objects.select_related("lesson__unit"), pk=upload_id)
    if upload.created_by_id != request.user.pk:
        raise PermissionDenied(_("This upload belongs to someone else."))
    if upload.lesson_id is not None:  # and, as on its upload page, to an organiser of the lesson's unit still
        access_managed_lesson(request.user, upload.lesson_id)
    if request.method == "GET":
        return JsonResponse({"received": upload.received, "size": upload.size, "complete": bool(upload.completed_at)})
    try:
        chunk = request.body
    except RequestDataTooBig:
        # Django keeps a request body in memory only up to DATA_UPLOAD_MAX_MEMORY_SIZE; past it the
        # request failed with Django's own 400 page, not the JSON every upload refusal is.
        return error_response(
            "chunk_too_large",
            _("A chunk may be at most %(mb)d MB: send the file in smaller chunks.")
            % {"mb": settings.DATA_UPLOAD_MAX_MEMORY_SIZE // 2**20},
            status=413,
        )
    match = re.match(r"^bytes (\d+)-(\d+)/(\d+)$", request.headers.get("Content-Range", ""))
    if not match or int(match.group(3)) != upload.size or int(match.group(2)) - int(match.group(1)) + 1 != len(chunk):
        return error_response("bad_range", _("Send Content-Range: bytes start-end/size."), status=400)
    try:
        upload = videos.upload_append(upload=upload, start=int(match.group(1)), chunk=chunk)
    except LessonRejected as refused:
        return error_response(refused.code, refused.message, status=409, **refused.extra)
    return JsonResponse({"received": upload.received, "complete": bool(upload.completed_at)})


@login_required
def lesson_status(request, lesson_id: int):
    lesson = access_managed_lesson(request.user, lesson_id)
    return JsonResponse(
        {
            "status": lesson.status,
            "worker_missing": lesson.worker_missing,
            "progress": lesson.progress,
            "failure": _(lesson.failure) if lesson.failure else "",
            # The reason as a sentence to show on its own, as the pages word it.
            "failure_message": _("This video cannot be used: %(why)s.") % {"why": _(lesson.failure)}
            if lesson.failure
            else "",
            "duration_s": float(lesson.duration_s or 0),
        }
    )


REPORT_PAGE_SIZE = 50


def _completion(
    lesson: Lesson, viewer: User, *, page: str | None = None
) -> tuple[list[dict], list[WatchProgress], Page]:
    """Per unit of the audience: headcount, started, completed and the rate; and every watcher,
    with the study hours credited to them (`credit`) and what gave them (`basis_text`). Only the
    units the viewer manages and the watchers counted in them: an audience may reach further than
    its organiser (an organ-wide lesson made by one office), and another unit's headcounts and
    members' names are not theirs to read.

    A unit's figures are its active members now, as the headcount and the home's reminders count
    them (`lessons.completion`, which a series' progress reads too): a member who moved counts in
    their new unit (their watching went with them), and a deactivated one in none, so a rate never
    passes 100%. A unit's reminder goes to the members placed in the unit itself
    (`own_unfinished`; its subunits have rows and reminders of their own): where that is fewer
    than its `unfinished`, the button says so."""
    from notifications.services import reminders_next_allowed

    in_view = completion.units_in_view(completion.audience_roots(lesson), viewer)
    figures = completion.units_figures(lesson, in_view)
    reminding = lesson.required and lesson.is_published  # nobody is reminded of a draft
    waits = reminders_next_allowed((unit, lesson) for unit in in_view) if reminding else [None] * len(in_view)
    reminded_until = dict(zip([unit.pk for unit in in_view], waits, strict=True))
    units = []
    for unit in in_view:
        counts = figures[unit.pk]
        headcount = counts["headcount"]
        own_unfinished = counts["own_headcount"] - counts["own_completed"] if reminding else 0
        units.append(
            {
                "unit": unit,
                "headcount": headcount,
                "started": counts["started"],
                "completed": counts["completed"],
                "rate": round(100 * counts["completed"] / headcount, 1) if headcount else None,
                "unfinished": headcount - counts["completed"],
                "own_unfinished": own_unfinished,
                "reminded_until": reminded_until.get(unit.pk) if own_unfinished else None,
            }
        )
    watchers = (
        WatchProgress.objects.filter(lesson=lesson)
        .filter(access.subtree_q(viewer, prefix="unit_at_start__") | access.subtree_q(viewer, prefix="member__unit__"))
        .select_related("member__unit", "unit_at_start")
        .order_by("-watched_s", "pk")
    )
    # The page lists its watchers REPORT_PAGE_SIZE at a time (an organ-wide lesson has thousands);
    # the xlsx (no `page`) lists them all.
    paged = Paginator(watchers, REPORT_PAGE_SIZE).get_page(page) if page is not None else None
    members = list(paged.object_list if paged is not None else watchers)
    # A page's few ids as a list; all the watchers as a subquery (thousands of ids in an IN list
    # took psycopg half a second to parse, twice).
    member_ids = [p.member_id for p in members] if paged is not None else watchers.values("member_id")
    beats = {
        row["member"]: row
        for row in Heartbeat.objects.filter(lesson=lesson, member__in=member_ids)
        .values("member")
        .annotate(beats=Count("id"), refused=Count("id", filter=~Q(rejected="")))
    }
    fastest_s = videos.fastest_completion_s(float(lesson.duration_s or 0))
    credits = {
        credit.member_id: credit
        for credit in StudyCredit.objects.filter(lesson=lesson, member__in=member_ids).select_related("rule__organ")
    }
    for p in members:
        p.credit = credits.get(p.member_id)
        # An organiser reads (and files) the report: the organ is named, never "your organ".
        p.basis_text = study_rules.credit_basis_text(p.credit) if p.credit else ""
        p.beats = beats.get(p.member_id, {}).get("beats", 0)
        p.refused_beats = beats.get(p.member_id, {}).get("refused", 0)
        p.took_s = (p.completed_at - p.started_at).total_seconds() if p.completed_at else None
        p.too_fast = p.took_s is not None and p.took_s < fastest_s
    return units, members, paged


def _watching_rule() -> dict:
    """What completes a lesson, in the organiser's and member's words."""
    return {"max_rate": settings.LESSON_MAX_RATE, "complete_percent": round(settings.LESSON_COMPLETE_SHARE * 100)}


@login_required
def report(request, lesson_id: int):
    lesson = access_managed_lesson(request.user, lesson_id)
    units, members, page = _completion(lesson, request.user, page=request.GET.get("page", ""))
    # An organ's 245 units REPORT_PAGE_SIZE at a time, in tree order, paged apart from the
    # watchers (`units_page`); the xlsx lists them all.
    units_page = Paginator(units, REPORT_PAGE_SIZE).get_page(request.GET.get("units_page"))
    duration = float(lesson.duration_s or 0)
    rule = study_rules.rule_for_lesson(lesson)
    return render(
        request,
        "lessons/lesson_report.html",
        {
            "lesson": lesson,
            "units": units_page.object_list,
            "units_page": units_page,
            "members": members,
            "page": page,
            "rule": rule,
            "watching": _watching_rule(),
            "lesson_hours": study_rules.lesson_study_hours(lesson, rule=rule),
            "fastest_s": videos.fastest_completion_s(duration),
        },
    )


@login_required
def report_xlsx(request, lesson_id: int):
    lesson = access_managed_lesson(request.user, lesson_id)
    units, members, _page = _completion(lesson, request.user)
    book = ExportWorkbook()
    sheet = book.sheet(_("Units"))
    sheet.append([lesson.display_title])
    sheet.append([_("Unit"), _("Headcount"), _("Started"), _("Completed"), _("Completion rate (%)")])
    for row in units:
        sheet.append([row["unit"].display_name, row["headcount"], row["started"], row["completed"], row["rate"]])
    people = book.sheet(_("Members"))
    people.append(
        [
            _("Name"),
            _("Unit"),
            _("Deactivated"),
            _("Unit when starting"),
            _("Started at"),
            _("Watched (s)"),
            _("Furthest (s)"),
            _("Time spent (s)"),
            _("Heartbeats"),
            _("Refused heartbeats"),
            _("Completed at"),
            _("Completed faster than possible"),
            _("Study hours"),
            _("Hours by"),
        ]
    )
    for p in members:
        people.append(
            [
                p.member.display_name,
                p.member.unit.display_name if p.member.unit else "",
                "" if p.member.is_active else _("yes"),
                p.unit_at_start.display_name if p.unit_at_start else "",
                p.started_at.astimezone().strftime("%Y-%m-%d %H:%M:%S"),
                float(p.watched_s),
                float(p.furthest_s),
                float(p.spent_s),
                p.beats,
                p.refused_beats,
                p.completed_at.astimezone().strftime("%Y-%m-%d %H:%M:%S") if p.completed_at else "",
                _("yes") if p.too_fast else "",
                float(p.credit.hours) if p.credit else "",
                p.basis_text,
            ]
        )
    return xlsx_response(book.to_bytes(), lesson.display_title, ascii_name=f"lesson-{lesson.pk}-completion")
