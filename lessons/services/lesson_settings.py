"""A lesson's settings after it is created: its poster, chosen from a frame or an uploaded picture."""

from io import BytesIO
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _
from PIL import ImageOps, UnidentifiedImageError

from quizsite.pictures import PictureTooLarge, open_picture
from quizsite.spreadsheets import too_large

from .. import video
from ..models import Lesson
from .videos import LessonRejected

POSTER_MAX_BYTES = 5 * 1024 * 1024
POSTER_HEIGHT = 720


def _poster_path(lesson: Lesson) -> tuple[str, Path]:
    relative = f"lessons/{lesson.pk}/poster.jpg"
    path = Path(settings.MEDIA_ROOT) / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    return relative, path


def lesson_poster_from_frame(*, lesson: Lesson, at_s: float) -> Lesson:
    """Make the poster from the frame `at_s` seconds into the processed video."""
    if lesson.status != Lesson.Status.READY or not lesson.mp4:
        raise LessonRejected("not_ready", _("The video is not processed yet: choose a frame once it is ready."))
    duration = float(lesson.duration_s or 0)
    if not 0 <= at_s < duration:
        raise LessonRejected(
            "frame_outside", _("Choose a second between 0 and %(end)d.") % {"end": max(int(duration) - 1, 0)}
        )
    relative, path = _poster_path(lesson)
    try:
        video.make_poster(Path(settings.MEDIA_ROOT) / lesson.mp4, path, at_s=at_s)
    except video.VideoRejected as rejected:
        raise LessonRejected("poster_failed", _(rejected.reason)) from rejected
    Lesson.objects.filter(pk=lesson.pk).update(poster=relative)
    lesson.poster = relative
    return lesson


def lesson_poster_from_image(*, lesson: Lesson, data: bytes) -> Lesson:
    """Use an uploaded picture as the poster, sniffed (not trusted by name) and stored as a JPEG."""
    if message := too_large(len(data), POSTER_MAX_BYTES):
        raise LessonRejected("poster_too_large", message)
    try:
        with open_picture(BytesIO(data)) as picture:
            picture.load()
            poster = ImageOps.exif_transpose(picture).convert("RGB")
    except PictureTooLarge as refused:
        raise LessonRejected("poster_too_large", str(refused)) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise LessonRejected("not_a_picture", _("The file is not a picture (PNG, JPEG, GIF or WebP).")) from error
    if poster.height > POSTER_HEIGHT:
        poster.thumbnail((POSTER_HEIGHT * 4, POSTER_HEIGHT))
    relative, path = _poster_path(lesson)
    poster.save(path, format="JPEG", quality=85)
    Lesson.objects.filter(pk=lesson.pk).update(poster=relative)
    lesson.poster = relative
    return lesson
