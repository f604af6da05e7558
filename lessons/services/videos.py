"""Micro-classes: create, upload in chunks, process with ffmpeg, and count only what was watched."""

from __future__ import annotations

import functools
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db import connection, connections, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from orgs.models import Unit, User
from quizsite import client_json
from quizsite.filenames import uploaded_name

from .. import video
from ..models import Heartbeat, Lesson, Series, StudyCredit, Upload, WatchProgress, WatchSpan
from .points import points_award
from .study_rules import lesson_earning

# What one watching span may credit beyond wall clock x `LESSON_MAX_RATE`: network jitter
# between the first and the latest heartbeat, granted once per span (not per beat).
SLACK_S = 2.0
# Intervals this close touch: the player reports positions to the hundredth of a second. Merging
# fills the gap without charging it, so it stays this small; wider gaps are bridged, charged, below.
MERGE_GAP_S = 0.01
# Two reports of one moment differ by more than the hundredth they are kept to: the beat of a
# "play" reads currentTime once the video has resumed (5.196 s paused, 5.21 s played in Chromium),
# and a page resuming at the stored, rounded position lands past the stretch's unrounded end
# (11.919924 s watched, 11.93 s resumed). The page itself learns the position only as often as
# `timeupdate` fires, at most every 250 ms (HTML spec), so that is the tolerance. A playing beat
# starting at most this far past the end of a watched stretch continues it, credited from that
# end: the bridged part counts against the span's budget like any other credit, so however often
# it is used, all a member is credited stays within wall clock x `LESSON_MAX_RATE` + `SLACK_S`.
RESUME_GAP_S = 0.25
# A required lesson's gapless stretch may be continued from at most this far past its end:
# players nudge over gaps in the stream while seeking. What is bridged counts against the span.
GAP_BRIDGED_S = 1.0


class LessonRejected(Exception):
    def __init__(self, code: str, message: str, **extra):
        super().__init__(message)
        self.code = code
        self.message = message
        self.extra = extra


def _media(relative: str) -> Path:
    return Path(settings.MEDIA_ROOT) / relative


# ---------------------------------------------------------------- library


@transaction.atomic
def lesson_create(
    *,
    title: str,
    unit: Unit,
    by: User | None = None,
    series: Series | None = None,
    speaker: str = "",
    description: str = "",
    required: bool = False,
    audience: list[Unit] | tuple = (),
    publish_from: datetime | None = None,
    publish_until: datetime | None = None,
    title_en: str = "",
    description_en: str = "",
    published: bool = False,
) -> Lesson:
    """A new lesson, waiting for its video: a draft unless `published` (then members see it once
    its video is ready), so an organiser can prepare and preview it before anyone watches."""
    if not title.strip():
        raise LessonRejected("title_required", _("A lesson needs a title."))
    lesson = Lesson.objects.create(
        title=title.strip()[:120],
        title_en=title_en.strip()[:120],
        unit=unit,
        series=series,
        speaker=speaker,
        description=description,
        description_en=description_en,
        required=required,
        publish_from=publish_from,
        publish_until=publish_until,
        publication=Lesson.Publication.PUBLISHED if published else Lesson.Publication.DRAFT,
        created_by=by,
        position=(series.lessons.count() + 1) if series else 0,
    )
    if audience:
        lesson.audience.set(audience)
    return lesson


def lessons_visible_q(user) -> Q:
    """Published, ready lessons in their publish window whose audience covers the user's unit."""
    now = timezone.now()
    unit = getattr(user, "unit", None)
    if unit is None:
        return Q(pk__in=[])
    ancestors = [unit.path[:end] for end in range(4, len(unit.path) + 1, 4)]
    audience = Q(audience__path__in=ancestors) | Q(audience__isnull=True, unit__path__in=ancestors)
    window = (Q(publish_from__isnull=True) | Q(publish_from__lte=now)) & (
        Q(publish_until__isnull=True) | Q(publish_until__gt=now)
    )
    return Q(publication=Lesson.Publication.PUBLISHED, status=Lesson.Status.READY) & window & audience


def can_watch(user, lesson: Lesson) -> bool:
    """The lesson is visible to the user now (published, audience and window), or the user manages
    its unit (who may preview a draft).
    The media and the heartbeats both ask this; the audience is asked first (one query)."""
    from orgs import access

    return Lesson.objects.filter(lessons_visible_q(user), pk=lesson.pk).exists() or access.can_manage_unit(
        user, lesson.unit
    )


@dataclass
class Watching:
    """What a heartbeat reads before it is judged: the lesson, whether the member may watch it
    now (as `can_watch` decides), and their span and progress on it (None when they have none)."""

    lesson: Lesson
    watchable: bool
    span: WatchSpan | None
    progress: WatchProgress | None


def lesson_watching(user, lesson_id: int) -> Watching | None:
    """The lesson, whether `user` may watch it now, and their span and progress, in one query
    for a member of its audience (None if there is no such lesson). For the heartbeats, which
    ask on every beat: the query is written out (building `lessons_visible_q`'s joins took half a
    heartbeat's CPU), reads the member's unit inside it (a unit's ancestors are the units whose
    path begins its path), and locks nothing: `heartbeat_record` writes only if the span is
    still as read here."""
    from orgs import access

    quote = connection.ops.quote_name
    audience = quote(Lesson.audience.through._meta.db_table)
    units = quote(Unit._meta.db_table)
    spans, progresses = WatchSpan._meta, WatchProgress._meta
    columns = [f"l.{quote(f.column)}" for f in Lesson._meta.concrete_fields]
    columns.append(  # names from the models; every value is a parameter
        f"""(
            l.{quote(Lesson._meta.get_field("publication").column)} = %s
            AND l.status = %s
            AND (l.publish_from IS NULL OR l.publish_from <= %s)
            AND (l.publish_until IS NULL OR l.publish_until > %s)
            AND EXISTS (
                SELECT 1 FROM {units} m WHERE m.id = %s AND (
                    EXISTS (
                        SELECT 1 FROM {audience} a JOIN {units} au ON au.id = a.unit_id
                        WHERE a.lesson_id = l.id AND substr(m.path, 1, length(au.path)) = au.path
                    )
                    OR (
                        NOT EXISTS (SELECT 1 FROM {audience} a WHERE a.lesson_id = l.id)
                        AND EXISTS (
                            SELECT 1 FROM {units} lu
                            WHERE lu.id = l.unit_id AND substr(m.path, 1, length(lu.path)) = lu.path
                        )
                    )
                )
            )
        )"""  # noqa: S608
    )
    columns += [f"s.{quote(f.column)}" for f in spans.concrete_fields]
    columns += [f"p.{quote(f.column)}" for f in progresses.concrete_fields]
    span_member = quote(spans.get_field("member").column)
    progress_member, progress_lesson = (quote(progresses.get_field(name).column) for name in ("member", "lesson"))
    # Table and column names from the models; every value is a parameter.
    sql = (
        f"SELECT {', '.join(columns)} FROM {quote(Lesson._meta.db_table)} l"  # noqa: S608
        f" LEFT JOIN {quote(spans.db_table)} s ON s.{span_member} = %s"
        f" LEFT JOIN {quote(progresses.db_table)} p ON p.{progress_member} = %s AND p.{progress_lesson} = l.id"
        " WHERE l.id = %s"
    )
    now = timezone.now()
    params = [
        Lesson.Publication.PUBLISHED,
        Lesson.Status.READY,
        now,
        now,
        getattr(user, "unit_id", None),
        user.pk,
        user.pk,
        lesson_id,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    split = len(Lesson._meta.concrete_fields)
    lesson = _from_row(Lesson, row[:split])
    span, progress = _span_and_progress(row[split + 1 :])
    watchable = bool(row[split]) or access.can_manage_unit(user, lesson.unit)
    return Watching(lesson=lesson, watchable=watchable, span=span, progress=progress)


# ---------------------------------------------------------------- publishing


@transaction.atomic
def lesson_publish(*, lesson: Lesson) -> Lesson:
    """Show a draft lesson to its audience: at once if its video is ready and its window open,
    else as soon as they are. A lesson without a video, or whose video failed processing, is
    refused: it would never show. Holds the lesson's row lock, so two clicks publish it once."""
    lesson = Lesson.objects.select_for_update().get(pk=lesson.pk)
    if lesson.is_published:
        raise LessonRejected("already_published", _("This micro-class is already published."))
    if lesson.status == Lesson.Status.FAILED:
        raise LessonRejected(
            "video_failed",
            _("Its video could not be processed: upload a new video, then publish the micro-class."),
        )
    if not lesson.source:
        raise LessonRejected("no_video", _("Upload its video first, then publish the micro-class."))
    lesson.publication = Lesson.Publication.PUBLISHED
    lesson.save(update_fields=["publication"])
    return lesson


@transaction.atomic
def lesson_unpublish(*, lesson: Lesson) -> Lesson:
    """Take a lesson back to a draft: members no longer see or count it, and keep what they
    watched, their study hours and points (nothing of theirs is deleted), so publishing it
    again lets them go on where they were."""
    lesson = Lesson.objects.select_for_update().get(pk=lesson.pk)
    if not lesson.is_published:
        raise LessonRejected("already_draft", _("This micro-class is already a draft."))
    lesson.publication = Lesson.Publication.DRAFT
    lesson.save(update_fields=["publication"])
    return lesson


# ---------------------------------------------------------------- uploads


def announced_file(body: bytes) -> tuple[str, int]:
    """The file name and size a resumable upload is opened with, from its JSON body
    `{"filename": ..., "size": ...}`; ValueError unless the name is text and the size a number
    (a size of 1e400, which JSON reads as infinity, is refused by `client_json`)."""
    try:
        data = client_json.loads(body or b"{}")
        filename, size = data["filename"], data["size"]
        if not isinstance(filename, str):
            raise ValueError(filename, size)
        return filename, int(size)
    except (KeyError, TypeError) as error:
        raise ValueError(body[:100]) from error


def upload_start(*, lesson: Lesson, filename: str, size: int, by: User) -> Upload:
    """Open a resumable upload of a lesson's source video of `size` bytes. Refuses empty files
    and files over the limit. A lesson that had no video now reads "Uploading"; one with a video
    keeps its status (members go on watching it until the new one is processed)."""
    upload = upload_open(filename=filename, size=size, by=by, max_bytes=settings.LESSON_UPLOAD_MAX_BYTES, lesson=lesson)
    Lesson.objects.filter(pk=lesson.pk, status=Lesson.Status.NO_VIDEO).update(status=Lesson.Status.UPLOADING)
    return upload


# What to do with a finished upload that is not a lesson's, by its `purpose`: another app's
# function taking the upload and the path of the received file (for it to move or delete). It
# runs inside the last chunk's transaction; raising `UploadRefused` refuses the file.
UPLOAD_FINISHERS: dict[str, Callable[[Upload, Path], None]] = {}


class UploadRefused(Exception):
    """A finisher's refusal: `message` for the uploader now, `reason` (an English msgid, when the
    refusal has one) to keep on the lesson."""

    def __init__(self, message: str, *, reason: str = ""):
        super().__init__(message)
        self.message = message
        self.reason = reason


def register_upload_finisher(purpose: str, finish: Callable[[Upload, Path], None]) -> None:
    UPLOAD_FINISHERS[purpose] = finish


def upload_open(
    *,
    filename: str,
    size: int,
    by: User,
    max_bytes: int,
    lesson: Lesson | None = None,
    purpose: str = "",
    target_id: int | None = None,
) -> Upload:
    """Open a resumable upload of `size` bytes for a lesson, or for a registered `purpose` and its
    `target_id`. Refuses empty files and files over `max_bytes`."""
    if size <= 0:
        raise LessonRejected("empty", _("The file is empty."))
    if size > max_bytes:
        raise LessonRejected(
            "too_large",
            _("The file is %(size)s MB; the limit is %(limit)s MB.")
            % {"size": -(-size // 2**20), "limit": max_bytes // 2**20},
        )
    return Upload.objects.create(
        lesson=lesson,
        purpose=purpose,
        target_id=target_id,
        filename=uploaded_name(filename),
        size=size,
        created_by=by,
    )


def _part_path(upload: Upload) -> Path:
    return _media(f"uploads/{upload.pk}.part")


# An upload no chunk has reached for this long is abandoned: its part (up to
# LESSON_UPLOAD_MAX_BYTES) and its row go. Long enough to resume after a weekend.
UPLOAD_ABANDONED_AFTER = timedelta(days=3)


def uploads_sweep(*, older_than: timedelta = UPLOAD_ABANDONED_AFTER, at: datetime | None = None) -> int:
    """Delete the uploads never completed whose last chunk (or, with none, whose opening) is more
    than `older_than` old, with the bytes received so far: nothing else ever removed a part, so
    every upload given up on kept its gigabytes under MEDIA_ROOT. Returns how many went."""
    at = at or timezone.now()
    cutoff = at - older_than
    swept = 0
    for pk in Upload.objects.filter(completed_at__isnull=True, created_at__lt=cutoff).values_list("pk", flat=True):
        with transaction.atomic():
            # A chunk being appended holds the row: leave that upload for the next sweep.
            upload = Upload.objects.select_for_update(skip_locked=True).filter(pk=pk, completed_at__isnull=True).first()
            if upload is None:
                continue
            part = _part_path(upload)
            try:
                last = datetime.fromtimestamp(part.stat().st_mtime, tz=UTC)
            except FileNotFoundError:
                last = upload.created_at
            if last >= cutoff:
                continue
            part.unlink(missing_ok=True)
            upload.delete()
            if upload.lesson_id:
                _lesson_upload_abandoned(upload.lesson_id)
            swept += 1
    return swept


def _lesson_upload_abandoned(lesson_id: int) -> None:
    """A lesson whose only upload was given up on, and which has no video, has no video yet again
    (not "Uploading" for ever)."""
    Lesson.objects.filter(pk=lesson_id, status=Lesson.Status.UPLOADING, source="").exclude(
        Exists(Upload.objects.filter(lesson=OuterRef("pk"), completed_at__isnull=True))
    ).update(status=Lesson.Status.NO_VIDEO)


def _finish_lesson_upload(upload: Upload, part: Path) -> None:
    """Replace the lesson's source with the received file and queue its processing, unless its
    header shows it is no video or beyond the limits (`video.inspect`): then it is refused here,
    and the lesson keeps the video members were watching and their progress on it."""
    try:
        video.inspect(part)
    except video.VideoRejected as rejected:
        if rejected.code != "tools_missing":  # processing says so
            raise UploadRefused(rejected.message(), reason=rejected.reason) from None
    lesson = Lesson.objects.get(pk=upload.lesson_id)
    if lesson.source:
        _progress_restart(lesson)
    relative = f"lessons/{lesson.pk}/source{Path(upload.filename).suffix.lower()[:10]}"
    _media(relative).parent.mkdir(parents=True, exist_ok=True)
    shutil.move(part, _media(relative))
    Lesson.objects.filter(pk=lesson.pk).update(source=relative, status=Lesson.Status.PROCESSING, progress=0, failure="")
    lesson_processing_queue(lesson_id=lesson.pk)


def lesson_processing_queue(*, lesson_id: int) -> None:
    """Queue the processing of the lesson's source for the background worker once the transaction
    commits, noting when (`processing_queued_at`, which the worker clears as it takes it): its
    organiser's pages then say so if no worker ever does."""
    from ..tasks import lesson_process_task

    Lesson.objects.filter(pk=lesson_id).update(processing_queued_at=timezone.now())
    transaction.on_commit(lambda: lesson_process_task.delay(lesson_id))


def _lesson_upload_failed(lesson_id: int, reason: str) -> None:
    """A lesson without a video to show (never uploaded, or failed before) records why its upload
    was refused, as processing records its failures: it no longer reads "Uploading" for ever, and
    its upload page and the list say why. A lesson with a video keeps it, and its status."""
    Lesson.objects.filter(
        pk=lesson_id, status__in=[Lesson.Status.NO_VIDEO, Lesson.Status.UPLOADING, Lesson.Status.FAILED]
    ).update(status=Lesson.Status.FAILED, progress=0, failure=reason[:300])


def upload_append(*, upload: Upload, start: int, chunk: bytes) -> Upload:
    """Append a chunk at byte `start`. A chunk that does not start where the file ends is refused
    with the offset to resume from; the last chunk hands the file on (a lesson's is queued for
    processing, another purpose's goes to its finisher). A file its finisher refuses ends the
    upload and is deleted; the refusal is raised as `LessonRejected("refused")`."""
    refused = None
    with transaction.atomic():
        upload = Upload.objects.select_for_update().get(pk=upload.pk)
        if upload.completed_at:
            raise LessonRejected("already_complete", _("This upload is complete."), received=upload.received)
        if start != upload.received:
            raise LessonRejected(
                "wrong_offset", _("Resume from byte %(n)d.") % {"n": upload.received}, received=upload.received
            )
        if upload.received + len(chunk) > upload.size:
            raise LessonRejected("too_long", _("More bytes than announced."), received=upload.received)
        part = _part_path(upload)
        part.parent.mkdir(parents=True, exist_ok=True)
        with open(part, "ab") as handle:
            handle.truncate(upload.received)  # drop any bytes of a chunk that failed half-way
            handle.write(chunk)
        upload.received += len(chunk)
        fields = ["received"]
        if upload.received == upload.size:
            upload.completed_at = timezone.now()
            fields.append("completed_at")
            try:
                with transaction.atomic():
                    if upload.lesson_id:
                        _finish_lesson_upload(upload, part)
                    else:
                        UPLOAD_FINISHERS[upload.purpose](upload, part)
            except UploadRefused as refusal:
                refused = refusal.message
                part.unlink(missing_ok=True)
                if upload.lesson_id and refusal.reason:
                    _lesson_upload_failed(upload.lesson_id, refusal.reason)
        upload.save(update_fields=fields)
    if refused:
        raise LessonRejected("refused", refused, received=upload.received)
    return upload


def _progress_restart(lesson: Lesson) -> None:
    """A new video replaces the one members were watching: the seconds they watched of the old one
    say nothing about the new one, so unfinished progress starts again from 0. A completion stays,
    with the hours and points it earned (facts are not taken back); time spent on the page stays."""
    WatchProgress.objects.filter(lesson=lesson, completed_at__isnull=True).update(
        intervals=[], watched_s=0, furthest_s=0, last_position_s=0
    )


def lesson_progress_started(lesson: Lesson) -> dict[str, int]:
    """How many members have watched some of the lesson without finishing, and how many finished:
    what replacing its video would restart and keep."""
    rows = WatchProgress.objects.filter(lesson=lesson)
    return {
        "started": rows.filter(completed_at__isnull=True, watched_s__gt=0).count(),
        "completed": rows.filter(completed_at__isnull=False).count(),
    }


def lesson_attach_file(*, lesson: Lesson, path: Path) -> Lesson:
    """Copy a local file in as the lesson's source (the import command)."""
    if lesson.source:
        _progress_restart(lesson)
    relative = f"lessons/{lesson.pk}/source{path.suffix.lower()[:10]}"
    _media(relative).parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(path, _media(relative))
    Lesson.objects.filter(pk=lesson.pk).update(source=relative, status=Lesson.Status.PROCESSING, progress=0)
    lesson.refresh_from_db()
    return lesson


# ---------------------------------------------------------------- processing


def lesson_process(*, lesson_id: int, on_progress: Callable[[int], None] | None = None) -> Lesson | None:
    """Validate the source, then make the poster, the MP4 and HLS. Records the reason on failure.

    Idempotent: a lesson already ready, or gone, is left alone."""
    lesson = Lesson.objects.filter(pk=lesson_id).first()
    if lesson is None or lesson.status == Lesson.Status.READY or not lesson.source:
        return lesson
    Lesson.objects.filter(pk=lesson_id).update(processing_queued_at=None)  # taken: no longer waiting

    def report(percent: int) -> None:
        Lesson.objects.filter(pk=lesson_id).update(progress=percent)
        if on_progress:
            on_progress(percent)

    source = _media(lesson.source)
    folder = f"lessons/{lesson.pk}"
    try:
        probe = video.probe(source)
        report(5)
        video.make_poster(source, _media(f"{folder}/poster.jpg"), at_s=min(5.0, probe.duration_s / 3))
        report(10)
        video.make_mp4(source, _media(f"{folder}/video.mp4"), probe, lambda share: report(10 + int(share * 40)))
        renditions = video.make_hls(
            _media(f"{folder}/video.mp4"), _media(f"{folder}/hls"), probe, lambda share: report(50 + int(share * 49))
        )
    except video.VideoRejected as rejected:
        Lesson.objects.filter(pk=lesson_id).update(status=Lesson.Status.FAILED, failure=rejected.reason[:300])
        lesson.refresh_from_db()
        return lesson
    Lesson.objects.filter(pk=lesson_id).update(
        status=Lesson.Status.READY,
        progress=100,
        failure="",
        duration_s=Decimal(f"{probe.duration_s:.2f}"),
        poster=f"{folder}/poster.jpg",
        mp4=f"{folder}/video.mp4",
        hls=f"{folder}/hls/master.m3u8",
        renditions=renditions,
    )
    lesson.refresh_from_db()
    return lesson


# ---------------------------------------------------------------- watching


def merge(intervals: list[list[float]], start: float, end: float) -> list[list[float]]:
    """Add [start, end] to sorted, disjoint intervals and merge overlaps and touching ends; the
    video's start is an end too (a first beat at 0.01 s is a stretch from the start)."""
    merged: list[list[float]] = []
    for low, high in sorted([*intervals, [start, end]]):
        if not merged and low <= MERGE_GAP_S:
            low = 0.0
        if merged and low <= merged[-1][1] + MERGE_GAP_S:
            merged[-1][1] = max(merged[-1][1], high)
        else:
            merged.append([low, high])
    return merged


def watched_percent(lesson: Lesson, progress: WatchProgress | None) -> int:
    """The share of the lesson the member has watched, 0-100, as every page and the API show it:
    100 once completed, whatever the seconds say (a completion stays when the video is replaced,
    and the seconds watched of the old one, divided by the new one's length, read "75%" beside
    "Completed")."""
    if progress is None:
        return 0
    if progress.completed_at is not None:
        return 100
    duration = float(lesson.duration_s or 0)
    return min(100, int(100 * float(progress.watched_s) / duration)) if duration else 0


def fastest_completion_s(duration_s: float) -> float:
    """The least wall clock in which honest watching at `LESSON_MAX_RATE` can complete a lesson:
    the share to watch, less the span's slack, at the allowed rate. Faster ones are flagged."""
    return max(0.0, (settings.LESSON_COMPLETE_SHARE * duration_s - SLACK_S) / settings.LESSON_MAX_RATE)


@dataclass
class BeatResult:
    progress: WatchProgress | None
    credited_s: float
    rejected: str = ""
    completed_now: bool = False


def _span_locked(member: User, lesson: Lesson) -> tuple[WatchSpan, WatchProgress | None]:
    """The member's span, locked, and their progress on the lesson (None if they have none yet),
    in one query: the progress rides along as a left join. Written out: building the same query
    with the ORM (a FilteredRelation, select_related, FOR UPDATE OF) took two thirds of a
    heartbeat's own CPU (docs/benchmarks.md, online contests, fifth pass)."""
    row = _span_row(member, lesson, lock=True)
    if row is None:
        WatchSpan.objects.get_or_create(member=member)
        row = _span_row(member, lesson, lock=True)
    span, progress = _span_and_progress(row)
    return span, progress


def _span_and_progress(row) -> tuple[WatchSpan | None, WatchProgress | None]:
    """The span and the progress from their columns, in that order (None for all-None columns)."""
    split = len(WatchSpan._meta.concrete_fields)
    span = _from_row(WatchSpan, row[:split]) if row[0] is not None else None
    if span is not None:
        # Its columns as read, all but the id: what a guarded write finds the row still holding.
        span._columns_read = list(row[1:split])
    progress = _from_row(WatchProgress, row[split:]) if row[split] is not None else None
    return span, progress


def _span_row(member: User, lesson: Lesson, *, lock: bool) -> tuple | None:
    """The span's columns then the progress's (all None without one), the span row locked if asked."""
    quote = connection.ops.quote_name
    spans, progresses = WatchSpan._meta, WatchProgress._meta
    columns = [f"s.{quote(f.column)}" for f in spans.concrete_fields]
    columns += [f"p.{quote(f.column)}" for f in progresses.concrete_fields]
    span_member = quote(spans.get_field("member").column)
    progress_member, progress_lesson = (quote(progresses.get_field(name).column) for name in ("member", "lesson"))
    locking = " FOR UPDATE OF s" if lock and connection.features.has_select_for_update_of else ""
    # Table and column names from the models; every value is a parameter.
    sql = (
        f"SELECT {', '.join(columns)} FROM {quote(spans.db_table)} s"  # noqa: S608
        f" LEFT JOIN {quote(progresses.db_table)} p ON p.{progress_member} = s.{span_member}"
        f" AND p.{progress_lesson} = %s WHERE s.{span_member} = %s{locking}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [lesson.pk, member.pk])
        return cursor.fetchone()


def _from_row(model, values) -> object:
    """An instance of `model` from its concrete fields' columns as the database returned them,
    converted as the ORM converts them (`SQLCompiler.apply_converters`)."""
    attnames, converters = _converters(model, connection.alias)
    converted = []
    for (column, field_converters), value in zip(converters, values, strict=True):
        for converter in field_converters:
            value = converter(value, column, connection)
        converted.append(value)
    return model.from_db(connection.alias, attnames, converted)


@functools.cache
def _converters(model, alias: str) -> tuple[list[str], list[tuple]]:
    """`model`'s concrete fields' names, and each one's column with its converters on `alias`:
    the same for every row (asking for them took half of `_from_row`'s time)."""
    ops, fields = connections[alias].ops, model._meta.concrete_fields
    columns = [field.get_col(model._meta.db_table) for field in fields]
    converters = [
        (column, ops.get_db_converters(column) + field.get_db_converters(connections[alias]))
        for field, column in zip(fields, columns, strict=True)
    ]
    return [field.attname for field in fields], converters


def _progress_locked(member: User, lesson: Lesson, at: datetime) -> WatchProgress:
    """The member's new progress on the lesson. Call while holding the member's span row lock:
    only heartbeats write progress, and each takes that lock first."""
    WatchProgress.objects.get_or_create(
        member=member, lesson=lesson, defaults={"unit_at_start_id": member.unit_id, "started_at": at}
    )
    return WatchProgress.objects.select_for_update().get(member=member, lesson=lesson)


def _prepared(obj, fields) -> list:
    return [field.get_db_prep_save(field.pre_save(obj, False), connection) for field in fields]


def _save_beat(beat: Heartbeat, span: WatchSpan, progress: WatchProgress, *, span_was: list | None = None) -> bool:
    """Insert the beat and write the span and the progress: on PostgreSQL in one statement (the
    two updates as data-modifying WITH clauses), elsewhere in three. Call in the transaction
    holding the span's lock, or, on PostgreSQL only, with `span_was`, the span's columns but its
    id as read (`_span_and_progress`): then all three rows are written only if
    the span row still holds them when the statement has it locked, and nothing is written
    otherwise. Whether it wrote."""
    if connection.vendor != "postgresql":
        assert span_was is None, "a guarded write is PostgreSQL's"  # noqa: S101 - a caller's mistake
        beat.save()
        span.save()
        progress.save()
        return True
    quote = connection.ops.quote_name
    span_fields = [f for f in WatchSpan._meta.concrete_fields if not f.primary_key]
    clauses, params = [], []
    for n, obj in enumerate((span, progress)):
        fields = span_fields if obj is span else [f for f in obj._meta.concrete_fields if not f.primary_key]
        assignments = ", ".join(f"{quote(f.column)} = %s" for f in fields)
        where, where_params = "id = %s", [obj.pk]
        if n == 0 and span_was is not None:
            # Every beat moves `last_beat_at` on, so a span still as read was judged as it stands.
            where += "".join(f" AND {quote(f.column)} IS NOT DISTINCT FROM %s" for f in span_fields)
            where_params += span_was
        elif n == 1:
            where += " AND EXISTS (SELECT 1 FROM w0)"
        clauses.append(f"w{n} AS (UPDATE {quote(obj._meta.db_table)} SET {assignments} WHERE {where} RETURNING id)")  # noqa: S608 - names from the models
        params += [*_prepared(obj, fields), *where_params]
    fields = [f for f in Heartbeat._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(quote(f.column) for f in fields)
    # Cast: a SELECT list's NULLs and strings would be text, not the columns' types.
    values = ", ".join(f"%s::{f.cast_db_type(connection)}" for f in fields)
    sql = (
        f"WITH {', '.join(clauses)} INSERT INTO {quote(Heartbeat._meta.db_table)} ({columns})"  # noqa: S608 - names from the models, values are parameters
        f" SELECT {values} WHERE EXISTS (SELECT 1 FROM w0)"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *_prepared(beat, fields)])
        return cursor.rowcount == 1


def gapless_end(intervals: list[list[float]]) -> float:
    """Where the stretch watched without a gap from the start ends (0 if the start is unwatched),
    read across gaps of at most `RESUME_GAP_S`. No new beat leaves such a gap (`_continued_from`
    credits a start that close from the end before it), but the player split stretches by that
    much before it did, and a member's stored stretches still are: read strictly, the required
    lesson's check would refuse them, once, as skipped. Only the stretches are credited, so the
    gaps read across count towards nothing."""
    end = 0.0
    for low, high in intervals:
        if low > end + RESUME_GAP_S:
            break
        end = max(end, high)
    return end


def _continued_from(intervals: list[list[float]], start: float, *, required: bool) -> float | None:
    """Where watching from `start` is credited from: `start` itself, or the end of the watched
    stretch (the video's start counts as one) that `start` lies at most `RESUME_GAP_S` past, so
    two reports of one moment leave no gap. On a required lesson only the stretch from 0 may be
    continued, from at most `GAP_BRIDGED_S` past its end; None for a start further on (skipped)."""
    if required:
        stretch_end = gapless_end(intervals)
        if start <= stretch_end:
            return start
        return stretch_end if start - stretch_end <= GAP_BRIDGED_S else None
    if any(low <= start <= high for low, high in intervals):
        return start
    ends = [0.0, *(high for _, high in intervals)]
    return max((end for end in ends if end < start <= end + RESUME_GAP_S), default=start)


def heartbeat_record(
    *,
    member: User,
    lesson: Lesson,
    tab: str,
    position_s: float,
    playing: bool,
    rate: float = 1.0,
    at: datetime | None = None,
    seen: Watching | None = None,
    take_over: bool = False,
) -> BeatResult:
    """Credit the video played since the member's previous heartbeat, if the wall clock allows it.

    Judged against the member's span (`WatchSpan`), not the claims in the beat:
    - one lesson in one tab at a time per member: while another tab or lesson is playing and
      live, a beat is refused (`other_tab`, `other_lesson`); a paused one may be taken over, and
      a playing one too when the member asks to (`take_over`, "Watch here instead"): the beat
      that takes over is the new anchor, credited nothing, and the other tab's beats are refused;
    - a forward move from a playing beat is credited only if it fits both the time since that
      beat and, with everything the span has credited, the time since the span began, each times
      `LESSON_MAX_RATE` plus one `SLACK_S`; the claimed rate is recorded, never trusted;
    - on a required lesson only a move that starts within the stretch watched from 0 (or within
      `GAP_BRIDGED_S` past its end, credited from the end) is credited (`skipped` otherwise);
      on any other, a move starting at most `RESUME_GAP_S` past a watched stretch is credited
      from its end (`_continued_from`);
    - a refused beat is recorded and changes nothing else; a move back, or a move reported while
      paused that the clock cannot explain (a seek), becomes the new anchor without credit.
    A member's beats are judged one after another. On PostgreSQL a beat of a member who has a span
    and progress on the lesson is judged on them as read (`seen`, from `lesson_watching`, or read
    here without a lock) and written in one statement guarded on the span being still as read:
    two statements, no transaction. The first beat on a lesson, a beat that completes it (study
    hours, points), a beat whose span another beat has moved meanwhile, and every beat elsewhere
    are judged under the member's span row lock, in a transaction: usually four statements.
    A draft counts for nobody (`not_published`), not even for an organiser previewing it."""
    if not lesson.is_published:
        raise LessonRejected(
            "not_published", _("This micro-class is a draft: watching it counts no study hours until it is published.")
        )
    at = at or timezone.now()
    duration = float(lesson.duration_s or 0)
    if not 0 <= position_s <= duration + 1:
        raise LessonRejected("bad_position", _("That position is outside the video."))
    beat = {"member": member, "lesson": lesson, "tab": tab, "position_s": position_s, "playing": playing}
    beat |= {"rate": rate, "at": at, "take_over": take_over}
    if connection.vendor == "postgresql":
        if seen is None:
            row = _span_row(member, lesson, lock=False)
            span, progress = _span_and_progress(row) if row is not None else (None, None)
        else:
            span, progress = seen.span, seen.progress
        if span is not None and progress is not None:
            result = _heartbeat_guarded(span=span, progress=progress, **beat)
            if result is not None:
                return result
    return _heartbeat_locked(**beat)


def _heartbeat_guarded(*, span: WatchSpan, progress: WatchProgress, **beat) -> BeatResult | None:
    """The beat judged on the span and progress as read, written only if the span is still as read
    (PostgreSQL). None when it must be judged under the lock instead: the span has moved since it
    was read, or the beat completes the lesson. A refused beat changes nothing but its own row, so
    judging it on the state read a moment before judges it as if it had arrived then."""
    span_was = span._columns_read
    refused = _playing_elsewhere(span, beat["lesson"], beat["tab"], beat["at"], take_over=beat.pop("take_over"))
    if refused:
        _beat_log(**beat, rejected=refused).save()
        return BeatResult(progress=None, credited_s=0.0, rejected=refused)
    judged = _judge(span=span, progress=progress, **beat)
    if judged.completes:
        return None
    credit = {"credited_from": judged.credited_from, "credited_to": judged.credited_to}
    log = _beat_log(**beat, rejected=judged.rejected, **credit)
    if judged.rejected:
        log.save()
        return BeatResult(progress=progress, credited_s=0.0, rejected=judged.rejected)
    if not _save_beat(log, span, progress, span_was=span_was):
        return None
    return BeatResult(progress=progress, credited_s=judged.credited_s)


@transaction.atomic
def _heartbeat_locked(*, member: User, lesson: Lesson, **beat) -> BeatResult:
    """The beat judged and written under the member's span row lock."""
    span, progress = _span_locked(member, lesson)
    refused = _playing_elsewhere(span, lesson, beat["tab"], beat["at"], take_over=beat.pop("take_over"))
    if refused:
        _beat_log(member=member, lesson=lesson, **beat, rejected=refused).save()
        return BeatResult(progress=None, credited_s=0.0, rejected=refused)
    if progress is None:
        progress = _progress_locked(member, lesson, beat["at"])
    judged = _judge(span=span, progress=progress, member=member, lesson=lesson, **beat)
    log = _beat_log(
        member=member,
        lesson=lesson,
        **beat,
        rejected=judged.rejected,
        credited_from=judged.credited_from,
        credited_to=judged.credited_to,
    )
    if judged.rejected:
        log.save()
        return BeatResult(progress=progress, credited_s=0.0, rejected=judged.rejected)
    if judged.completes:
        at = beat["at"]
        earning = lesson_earning(lesson, at=at)
        if earning.hours:
            StudyCredit.objects.get_or_create(
                member=member,
                lesson=lesson,
                defaults={"hours": earning.hours, "granted_at": at, "basis": earning.basis, "rule": earning.version},
            )
        points_award(
            member=member, activity="video_complete", source_key=f"lesson-{lesson.pk}", at=at, note=lesson.title[:120]
        )
    _save_beat(log, span, progress)
    return BeatResult(progress=progress, credited_s=judged.credited_s, completed_now=judged.completes)


def _live(span: WatchSpan, lesson: Lesson, tab: str, at: datetime) -> tuple[bool, bool]:
    """Whether the span is live (beaten within `LESSON_TAB_TIMEOUT_S`), and live elsewhere."""
    live = (
        span.last_beat_at is not None and 0 <= (at - span.last_beat_at).total_seconds() < settings.LESSON_TAB_TIMEOUT_S
    )
    return live, live and (span.lesson_id != lesson.pk or span.tab != tab)


def _playing_elsewhere(span: WatchSpan, lesson: Lesson, tab: str, at: datetime, *, take_over: bool = False) -> str:
    """Why the beat is refused for another tab or lesson playing ("other_tab", "other_lesson"), or "".
    A beat taking over is not refused: it moves the span here (`_judge` credits it nothing)."""
    live, elsewhere = _live(span, lesson, tab, at)
    if elsewhere and span.last_beat_playing and not take_over:
        return "other_tab" if span.lesson_id == lesson.pk else "other_lesson"
    return ""


@dataclass
class _Judged:
    rejected: str
    credited_from: float | None
    credited_to: float | None
    completes: bool

    @property
    def credited_s(self) -> float:
        return (self.credited_to - self.credited_from) if self.credited_to is not None else 0.0


def _judge(
    *,
    span: WatchSpan,
    progress: WatchProgress,
    member: User,
    lesson: Lesson,
    tab: str,
    position_s: float,
    playing: bool,
    rate: float,
    at: datetime,
) -> _Judged:
    """A beat not refused for playing elsewhere, judged on the span and progress (the rules in
    `heartbeat_record`), which are moved on unless it is refused; `completes` when the progress
    reaches the completion share now (its `completed_at` is set; the hours and points are the
    caller's)."""
    duration = float(lesson.duration_s or 0)
    live, elsewhere = _live(span, lesson, tab, at)
    if not live:
        span.started_at, span.credited_s = at, Decimal(0)
    credited_from = credited_to = None
    rejected = ""
    if live and not elsewhere and span.last_beat_playing:
        start = float(span.last_beat_position_s)
        moved = position_s - start
        max_rate = settings.LESSON_MAX_RATE
        since_beat = (at - span.last_beat_at).total_seconds()
        since_span = (at - span.started_at).total_seconds()
        # Compared with the stretches' own ends, not the rounded `furthest_s`: a start a rounding
        # past the end is bridged from it, or the stretch splits there and a required lesson
        # refuses the next beat as skipped.
        credit_from = _continued_from(progress.intervals, start, required=lesson.required)
        gained = position_s - (start if credit_from is None else credit_from)
        believable = (
            moved <= since_beat * max_rate + SLACK_S
            and float(span.credited_s) + gained <= since_span * max_rate + SLACK_S
        )
        if moved <= 0 or (not believable and not playing):
            pass  # a seek back, or a seek reported while paused: a new anchor, nothing credited
        elif not believable:
            rejected = "too_fast"
        elif credit_from is None:
            rejected = "skipped"
        else:
            credited_from, credited_to = credit_from, min(position_s, duration)
    if rejected:
        return _Judged(rejected, credited_from, credited_to, completes=False)
    if credited_to is not None and credited_to > credited_from:
        span.credited_s += Decimal(f"{credited_to - credited_from:.2f}")
        progress.intervals = merge(progress.intervals, credited_from, credited_to)
        progress.watched_s = Decimal(f"{sum(high - low for low, high in progress.intervals):.2f}")
        progress.furthest_s = Decimal(f"{gapless_end(progress.intervals):.2f}")
    if live and not elsewhere:  # the page was open on this lesson since its previous beat
        progress.spent_s += Decimal(f"{(at - span.last_beat_at).total_seconds():.2f}")
    span.lesson, span.tab = lesson, tab
    span.last_beat_at, span.last_beat_position_s, span.last_beat_playing = at, Decimal(f"{position_s:.2f}"), playing
    progress.last_position_s = Decimal(f"{position_s:.2f}")
    completes = bool(
        progress.completed_at is None
        and duration
        and float(progress.watched_s) >= settings.LESSON_COMPLETE_SHARE * duration
    )
    if completes:
        progress.completed_at = at
    return _Judged(rejected, credited_from, credited_to, completes)


def _beat_log(
    member: User,
    lesson: Lesson,
    tab: str,
    position_s: float,
    playing: bool,
    rate: float,
    at: datetime,
    rejected: str = "",
    credited_from: float | None = None,
    credited_to: float | None = None,
) -> Heartbeat:
    """The beat's row, to be saved."""
    return Heartbeat(
        member=member,
        lesson=lesson,
        tab=tab,
        position_s=position_s,
        playing=playing,
        rate=max(0.0, min(float(rate), 99.0)),
        received_at=at,
        credited_from_s=credited_from,
        credited_to_s=credited_to,
        rejected=rejected,
    )
