"""What differs by kind of entry, in one place: which files it takes, whether it keeps several,
and what happens once a file is accepted. A new kind is one class here plus its tests."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.db import transaction

from . import files
from .models import Call, Entry, EntryFile


class EntryKind:
    extensions: tuple[str, ...] = ()
    keeps_several_files = False
    # Presented on a stage and scored there by the judges: the call may hold a speech night.
    presented_live = False

    @property
    def largest_file_mb(self) -> int:
        """The largest file a call of this kind may allow: what one posted request may carry."""
        return settings.CALL_FILE_POST_MAX_BYTES // 2**20

    def after_attach(self, entry: Entry, stored: EntryFile) -> list[str]:
        """Derive what the kind needs from the accepted file; returns the entry fields changed."""
        return []


def keep_previews(stored: EntryFile) -> None:
    """Render the file's previews (a PDF's pages, a photo's thumbnail) from its blind copy."""
    media = Path(settings.MEDIA_ROOT)
    made = files.make_previews(media / stored.blind_path, stored.extension)
    stored.previews = [str(path.relative_to(media)) for path in made]
    stored.save(update_fields=["previews"])


class EssayKind(EntryKind):
    extensions = ("docx", "pdf")

    def after_attach(self, entry: Entry, stored: EntryFile) -> list[str]:
        # Shown from the blind copy, so the page and the file tell judges the same (nothing).
        entry.essay_html = (
            files.docx_html(Path(settings.MEDIA_ROOT) / stored.blind_path) if stored.extension == "docx" else ""
        )
        keep_previews(stored)
        return ["essay_html"]


class VideoKind(EntryKind):
    extensions = ("mp4", "mov", "m4v", "webm")
    presented_live = True  # a speech, or a micro-class given on stage

    @property
    def largest_file_mb(self) -> int:
        # Videos take the micro-classes' resumable upload, in chunks: its limit, not one request's.
        return settings.LESSON_UPLOAD_MAX_BYTES // 2**20

    def after_attach(self, entry: Entry, stored: EntryFile) -> list[str]:
        from .tasks import entry_video_process_task

        entry.video_status, entry.video_failure = "processing", ""
        transaction.on_commit(lambda: entry_video_process_task.delay(entry.pk))
        return ["video_status", "video_failure"]


class PhotoKind(EntryKind):
    extensions = ("jpg", "jpeg", "png")
    keeps_several_files = True

    def after_attach(self, entry: Entry, stored: EntryFile) -> list[str]:
        keep_previews(stored)
        return []


KINDS: dict[str, EntryKind] = {
    Call.Kind.ESSAY: EssayKind(),
    Call.Kind.MICRO_CLASS: VideoKind(),
    Call.Kind.SPEECH: VideoKind(),
    Call.Kind.PHOTOS: PhotoKind(),
}


def kind_of(call: Call) -> EntryKind:
    return KINDS[call.kind]
