"""Who a lesson is for and who completed it, as organisers' figures count them.

A lesson's completion report and a series' progress both read these, so "expected" and
"completed" mean one thing on both: a lesson is completed by a member with a `WatchProgress`
marked complete, and it is expected of the active members placed now in its audience (else its
own unit's subtree), within the units the viewing organiser manages. A member who moved counts
in their new unit (their watching went with them), a deactivated one nowhere.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from orgs import access
from orgs.models import Unit, User

from .models import Lesson, Series, WatchProgress


def completed_watching(lessons: Lesson | Iterable[Lesson] | QuerySet[Lesson]) -> QuerySet[WatchProgress]:
    """The completions of `lessons` (one lesson, or several)."""
    if isinstance(lessons, Lesson):
        return WatchProgress.objects.filter(lesson=lessons, completed_at__isnull=False)
    return WatchProgress.objects.filter(lesson__in=lessons, completed_at__isnull=False)


def audience_roots(lesson: Lesson) -> list[Unit]:
    """The units whose subtrees the lesson is for: its audience, else its own unit."""
    return list(lesson.audience.all()) or [lesson.unit]


def _subtrees_q(units: Iterable[Unit], prefix: str = "") -> Q:
    condition = Q(pk__in=[])
    for unit in units:
        condition |= Q(**{f"{prefix}path__startswith": unit.path})
    return condition


def units_in_view(roots: Iterable[Unit], viewer: User) -> list[Unit]:
    """The units of the subtrees of `roots` that `viewer` manages, in tree order: an audience may
    reach further than its organiser (an organ-wide lesson made by one office), and another
    unit's headcounts and members' names are not theirs to read."""
    return list(Unit.objects.filter(_subtrees_q(roots)).filter(access.subtree_q(viewer)).order_by("path"))


def top_units(units: Iterable[Unit]) -> list[Unit]:
    """Those of `units` with none of the others above them: their subtrees hold all of `units`
    once each."""
    paths = sorted(units, key=lambda unit: unit.path)
    tops: list[Unit] = []
    for unit in paths:
        if not any(unit.path.startswith(top.path) for top in tops):
            tops.append(unit)
    return tops


def counted_members(units: Iterable[Unit]) -> QuerySet[User]:
    """The active members placed now in the subtrees of `units`."""
    return User.objects.filter(_subtrees_q(units, prefix="unit__"), is_active=True)


def unit_figures(lesson: Lesson, units: Iterable[Unit]) -> dict[str, int]:
    """Over the subtrees of `units`: the headcount, how many of them started the lesson and how
    many completed it."""
    progress = WatchProgress.objects.filter(lesson=lesson, member=OuterRef("pk"))
    done = completed_watching(lesson).filter(member=OuterRef("pk"))
    return counted_members(units).aggregate(
        headcount=Count("pk"), started=Count("pk", filter=Exists(progress)), completed=Count("pk", filter=Exists(done))
    )


def units_figures(lesson: Lesson, units: Iterable[Unit]) -> dict[int, dict[str, int]]:
    """`unit_figures` for each of `units` (by id) in one query, with `own_headcount` and
    `own_completed`: the members placed in the unit itself (its subunits have figures of their
    own). The members are counted per unit they sit in, then added up the tree."""
    units = list(units)
    progress = WatchProgress.objects.filter(lesson=lesson, member=OuterRef("pk"))
    done = completed_watching(lesson).filter(member=OuterRef("pk"))
    per_unit = (
        counted_members(top_units(units))
        .values("unit__path")
        .annotate(
            headcount=Count("pk"),
            started=Count("pk", filter=Exists(progress)),
            completed=Count("pk", filter=Exists(done)),
        )
        .order_by()
    )
    keys = ("headcount", "started", "completed")
    totals: dict[str, dict[str, int]] = {}
    own: dict[str, dict[str, int]] = {}
    for row in per_unit:
        path = row["unit__path"]
        own[path] = row
        for end in range(Unit.steplen, len(path) + 1, Unit.steplen):
            figures = totals.setdefault(path[:end], dict.fromkeys(keys, 0))
            for key in keys:
                figures[key] += row[key]
    empty = dict.fromkeys(keys, 0)
    return {
        unit.pk: {
            **totals.get(unit.path, empty),
            "own_headcount": own.get(unit.path, empty)["headcount"],
            "own_completed": own.get(unit.path, empty)["completed"],
        }
        for unit in units
    }


# ---------------------------------------------------------------- a series


@dataclass
class LessonCompletion:
    """A lesson of a series with how many of the members it is for (in the viewer's units) completed it."""

    lesson: Lesson
    expected: int
    completed: int

    @property
    def percent(self) -> int:
        return 100 * self.completed // self.expected if self.expected else 0


def series_lesson_completion(lessons: list[Lesson], viewer: User) -> dict[int, LessonCompletion]:
    """For each of a series' `lessons` (by id): completed / expected over the members of its
    audience in the units `viewer` manages, as its completion report's top rows count them.
    Three queries a lesson, whatever the number of members."""
    figures = {}
    for lesson in lessons:
        units = top_units(units_in_view(audience_roots(lesson), viewer))
        counts = unit_figures(lesson, units)
        figures[lesson.pk] = LessonCompletion(lesson, counts["headcount"], counts["completed"])
    return figures


ALL, SOME, NONE = "all", "some", "none"


@dataclass
class MemberSeriesProgress:
    """A member's way through a series: the lessons it holds for them (`lessons`, those of its
    published lessons whose audience reaches their unit), when they completed each, and where that
    leaves them: `all` its required lessons (or, in a series with none for them, all its lessons),
    `some` lesson but not all of those, or `none`."""

    member: User
    lessons: list[Lesson]
    completed_at: dict[int, datetime]

    @property
    def required(self) -> list[Lesson]:
        return [lesson for lesson in self.lessons if lesson.required] or self.lessons

    @property
    def status(self) -> str:
        if all(lesson.pk in self.completed_at for lesson in self.required):
            return ALL
        return SOME if any(lesson.pk in self.completed_at for lesson in self.lessons) else NONE

    @property
    def required_done(self) -> int:
        return sum(1 for lesson in self.required if lesson.pk in self.completed_at)

    def cells(self, lessons: list[Lesson]) -> list[tuple[Lesson, bool, datetime | None]]:
        """For each of the series' `lessons`: whether it is for the member, and when they completed it."""
        mine = {lesson.pk for lesson in self.lessons}
        return [(lesson, lesson.pk in mine, self.completed_at.get(lesson.pk)) for lesson in lessons]


@dataclass
class UnitSeriesProgress:
    """A unit (its subtree): how many of its members completed all the series' required lessons, some, none."""

    unit: Unit
    counts: dict[str, int] = field(default_factory=lambda: {ALL: 0, SOME: 0, NONE: 0})

    @property
    def headcount(self) -> int:
        return sum(self.counts.values())

    @property
    def unfinished(self) -> int:
        return self.counts[SOME] + self.counts[NONE]

    @property
    def percent(self) -> int:
        return 100 * self.counts[ALL] // self.headcount if self.headcount else 0


@dataclass
class SeriesCompletion:
    lessons: list[Lesson]  # the published lessons, in the series' order
    units: list[UnitSeriesProgress]
    members: list[MemberSeriesProgress]

    def members_of(self, unit: Unit | None = None) -> list[MemberSeriesProgress]:
        """The members placed in `unit`'s subtree (default: all), those who have not finished
        first, then by unit and name."""
        order = {NONE: 0, SOME: 1, ALL: 2}
        return sorted(
            (row for row in self.members if unit is None or row.member.unit.path.startswith(unit.path)),
            key=lambda row: (order[row.status], row.member.unit.path, row.member.display_name),
        )


def series_completion(series: Series, viewer: User) -> SeriesCompletion:
    """The series' progress over the members its published lessons are for, in the units `viewer`
    manages: per unit (counted over its subtree) and per member. Set-based: a handful of queries
    whatever the number of members (the lessons, their audiences, the units, the members, the
    completions)."""
    lessons = list(
        series.lessons.filter(publication=Lesson.Publication.PUBLISHED)
        .select_related("unit")
        .prefetch_related("audience")
        .order_by("position", "created_at", "pk")
    )
    roots = {lesson.pk: [unit.path for unit in audience_roots(lesson)] for lesson in lessons}
    units = units_in_view([root for lesson in lessons for root in audience_roots(lesson)], viewer)
    members = list(counted_members(top_units(units)).select_related("unit").order_by("pk")) if units else []
    completed: dict[int, dict[int, datetime]] = {}
    for member_id, lesson_id, at in (
        completed_watching(lessons)
        .filter(member__in=counted_members(top_units(units)) if units else User.objects.none())
        .values_list("member_id", "lesson_id", "completed_at")
    ):
        completed.setdefault(member_id, {})[lesson_id] = at
    rows = []
    for member in members:
        theirs = [lesson for lesson in lessons if any(member.unit.path.startswith(p) for p in roots[lesson.pk])]
        rows.append(MemberSeriesProgress(member, theirs, completed.get(member.pk, {})))
    by_path = {unit.path: UnitSeriesProgress(unit) for unit in units}
    for row in rows:
        status = row.status
        for path in row.member.unit.lineage_paths():
            if path in by_path:
                by_path[path].counts[status] += 1
    return SeriesCompletion(lessons, [by_path[unit.path] for unit in units], rows)
