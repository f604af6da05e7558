"""Series of micro-classes: create and edit them, and keep their lessons in the organiser's order."""

from __future__ import annotations

import uuid

from django.db import transaction
from django.utils.translation import gettext as _

from orgs.models import Unit

from ..models import Lesson, Series
from .videos import LessonRejected


def _check_title(*, title: str, unit: Unit, series: Series | None = None) -> str:
    title = " ".join(title.split())
    if not title:
        raise LessonRejected("title_required", _("A series needs a title."))
    same = Series.objects.filter(unit=unit, title=title)
    if series is not None:
        same = same.exclude(pk=series.pk)
    if same.exists():
        raise LessonRejected(
            "title_taken", _("%(unit)s already has a series of this title.") % {"unit": unit.display_name}
        )
    return title[:120]


def series_create(
    *, title: str, unit: Unit, title_en: str = "", description: str = "", description_en: str = ""
) -> Series:
    """A new series of `unit`; its title must be new in that unit."""
    return Series.objects.create(
        slug=f"series-{uuid.uuid4().hex[:12]}",
        title=_check_title(title=title, unit=unit),
        title_en=" ".join(title_en.split())[:120],
        unit=unit,
        description=description.strip(),
        description_en=description_en.strip(),
    )


def series_update(
    *, series: Series, title: str, title_en: str = "", description: str = "", description_en: str = ""
) -> Series:
    series.title = _check_title(title=title, unit=series.unit, series=series)
    series.title_en = " ".join(title_en.split())[:120]
    series.description = description.strip()
    series.description_en = description_en.strip()
    series.save(update_fields=["title", "title_en", "description", "description_en"])
    return series


def series_lessons(series: Series) -> list[Lesson]:
    """The series' lessons in the order members see them."""
    return list(series.lessons.select_related("unit").order_by("position", "created_at", "pk"))


@transaction.atomic
def series_renumber(series: Series, ordered: list[Lesson] | None = None) -> list[Lesson]:
    """Number the series' lessons 1, 2, 3... in `ordered` (default: their present order).

    Call inside the transaction that changed the series' lessons."""
    Series.objects.select_for_update().filter(pk=series.pk).first()
    lessons = ordered if ordered is not None else series_lessons(series)
    for number, lesson in enumerate(lessons, start=1):
        if lesson.position != number:
            lesson.position = number
            Lesson.objects.filter(pk=lesson.pk).update(position=number)
    return lessons


@transaction.atomic
def series_move_lesson(*, series: Series, lesson: Lesson, offset: int) -> list[Lesson]:
    """Move `lesson` `offset` places later (negative: earlier) in its series, within the ends."""
    Series.objects.select_for_update().filter(pk=series.pk).first()
    lessons = series_lessons(series)
    index = next((i for i, item in enumerate(lessons) if item.pk == lesson.pk), None)
    if index is None:
        raise LessonRejected("not_in_series", _("This lesson is no longer in the series."))
    target = max(0, min(len(lessons) - 1, index + offset))
    lessons.insert(target, lessons.pop(index))
    return series_renumber(series, lessons)


@transaction.atomic
def series_remove_lesson(*, series: Series, lesson: Lesson) -> None:
    """Take `lesson` out of the series: it stays in the library on its own, with members'
    progress and study hours as they were, and the rest of the series closes up."""
    Series.objects.select_for_update().filter(pk=series.pk).first()
    if not Lesson.objects.filter(pk=lesson.pk, series=series).update(series=None, position=0):
        raise LessonRejected("not_in_series", _("This lesson is no longer in the series."))
    series_renumber(series)


@transaction.atomic
def lesson_join_series(*, lesson: Lesson, series: Series | None, previous: Series | None) -> None:
    """Call after `lesson.series` changed from `previous`: the lesson goes last in its new series
    and the old one closes up."""
    position = (series.lessons.exclude(pk=lesson.pk).count() + 1) if series else 0
    Lesson.objects.filter(pk=lesson.pk).update(position=position)
    lesson.position = position
    if previous is not None:
        series_renumber(previous)
