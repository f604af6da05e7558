"""Add a micro-class from a video file: `manage.py import_lesson FILE --series SLUG --title T [--publish] [--json]`.

A draft unless `--publish`, like a lesson made on the organiser's pages: an import shows to
members only when someone says so. `--draft` (the default) is still accepted from scripts written
when imports were published."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from lessons.models import Lesson, Series
from lessons.services import videos


class Command(BaseCommand):
    help = "Import a video as a micro-class of a series: validate, make a poster, an MP4 and HLS."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--series", required=True, help="the series' short name")
        parser.add_argument("--title", required=True)
        parser.add_argument("--speaker", default="")
        parser.add_argument("--required", action="store_true", help="members may not skip ahead")
        shown = parser.add_mutually_exclusive_group()
        shown.add_argument("--publish", action="store_true", help="publish it: members see it once processed")
        shown.add_argument("--draft", action="store_true", help="keep it a draft, unseen until published (the default)")
        parser.add_argument("--json", action="store_true", help="end with one JSON line")

    def handle(
        self,
        *args,
        file: str,
        series: str,
        title: str,
        speaker: str,
        required: bool,
        publish: bool,
        json: bool,
        **options,
    ):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"{file}: no such file")
        found = Series.objects.filter(slug=series).select_related("unit").first()
        if found is None:
            raise CommandError(f"No series {series!r}.")
        lesson = videos.lesson_create(
            title=title, unit=found.unit, series=found, speaker=speaker, required=required, published=publish
        )
        videos.lesson_attach_file(lesson=lesson, path=path)
        lesson = videos.lesson_process(lesson_id=lesson.pk, on_progress=lambda p: self.stderr.write(f"{p:3d}%"))
        if lesson.status != Lesson.Status.READY:
            reason = lesson.failure
            lesson.delete()
            raise CommandError(f"{file}: {reason}")
        summary = {
            "lesson": lesson.pk,
            "duration_s": float(lesson.duration_s),
            "poster": lesson.poster,
            "renditions": [r["name"] for r in lesson.renditions],
            "published": lesson.is_published,
        }
        self.stdout.write(
            _dumps(summary)
            if json
            else f"Lesson {lesson.pk}: {lesson.title}, {lesson.duration_s} s, "
            f"renditions {', '.join(summary['renditions'])}; "
            + ("published" if lesson.is_published else "a draft: publish it in its Settings, or import with --publish")
        )


def _dumps(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False)
