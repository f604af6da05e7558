"""Study hours: the rule in force for a lesson's organ on a local day, what a lesson earns, and
scheduling a new version of an organ's rule.

An organ is a root of the unit tree. A lesson earns by its own organ's rule (the one its unit
sits under), so everyone who completes it on a day earns the same and its completion report states
one rule; an organ without a version earns by the settings (`LESSON_STUDY_HOURS`,
`LESSON_STUDY_MIN_S`). A lesson's own fixed hours, when set, beat any rule. A credit records which
of these gave its hours (`lesson_earning`), and `credit_basis_text` says it in words.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import dateformat, timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from orgs.models import Unit, User
from quizsite.templatetags.ui import hours as hours_text

from ..models import Lesson, StudyCredit, StudyHoursRule

QUARTER_S = 900
HOURS_MAX = Decimal(24)
BEYOND_LAST = StudyHoursRule.BeyondLast
BASIS = StudyCredit.Basis


class StudyRuleRejected(Exception):
    """A version that cannot be scheduled; `errors` maps a field (or (row, field)) to a message."""

    def __init__(self, errors: dict):
        super().__init__(next(iter(errors.values())))
        self.errors = errors


@dataclass(frozen=True)
class HoursRule:
    """A rule as it is applied: steps in seconds, ascending; `version` is None for the settings."""

    min_s: float
    steps: tuple[tuple[float, Decimal], ...]
    beyond_last: str = BEYOND_LAST.QUARTERS
    version: StudyHoursRule | None = field(default=None, compare=False)

    def hours_for(self, duration_s: float) -> Decimal:
        """Hours a completed lesson of `duration_s` earns: none under the minimum, then the first
        step it fits in; past the last step that step's hours, and (unless capped) a quarter hour
        for each further 15 minutes, to the nearest quarter; never more than 24."""
        if duration_s < self.min_s or not self.steps:
            return Decimal(0)
        for limit_s, hours in self.steps:
            if duration_s <= limit_s:
                return hours
        last_s, last_hours = self.steps[-1]
        if self.beyond_last == BEYOND_LAST.CAP:
            return last_hours
        return min(last_hours + Decimal(round((duration_s - last_s) / QUARTER_S)) / 4, HOURS_MAX)

    @property
    def min_minutes(self) -> float:
        return round(self.min_s / 60, 1)

    @property
    def step_rows(self) -> list[dict]:
        return [{"minutes": round(limit_s / 60, 1), "hours": hours} for limit_s, hours in self.steps]

    @property
    def capped(self) -> bool:
        return self.beyond_last == BEYOND_LAST.CAP

    @property
    def last_hours(self) -> Decimal:
        return self.steps[-1][1] if self.steps else Decimal(0)


def default_rule() -> HoursRule:
    """The settings' rule, in force wherever an organ has no version of its own."""
    steps = tuple((float(limit), Decimal(str(hours))) for limit, hours in settings.LESSON_STUDY_HOURS)
    return HoursRule(min_s=float(settings.LESSON_STUDY_MIN_S), steps=steps)


def rule_from_version(version: StudyHoursRule) -> HoursRule:
    steps = tuple((float(minutes) * 60, Decimal(str(hours))) for minutes, hours in version.steps)
    return HoursRule(min_s=version.min_minutes * 60.0, steps=steps, beyond_last=version.beyond_last, version=version)


def organ_path(unit: Unit) -> str:
    """The tree path of the organ `unit` sits under (the root of its tree)."""
    return unit.path[: unit.steplen]


def rule_in_force(*, organ: Unit | str, day: date) -> HoursRule:
    """The organ's version in force on local day `day` (the latest taking effect on or before it),
    or the settings' rule. `organ` is the organ or its tree path."""
    path = organ if isinstance(organ, str) else organ.path
    version = (
        StudyHoursRule.objects.filter(organ__path=path, effective_from__lte=day, withdrawn_at__isnull=True)
        .select_related("created_by")
        .order_by("-effective_from")
        .first()
    )
    return rule_from_version(version) if version else default_rule()


def rule_for_lesson(lesson: Lesson, *, at: datetime | None = None) -> HoursRule:
    """The rule a completion of `lesson` at `at` (default now) earns by: its organ's, that local day's."""
    return rule_in_force(organ=organ_path(lesson.unit), day=timezone.localdate(at or timezone.now()))


@dataclass(frozen=True)
class Earning:
    """What completing a lesson earns and what gives it, as a `StudyCredit` records it."""

    hours: Decimal | None
    basis: str
    version: StudyHoursRule | None = None


def lesson_earning(lesson: Lesson, *, at: datetime | None = None, rule: HoursRule | None = None) -> Earning:
    """What completing `lesson` at `at` (default now) earns: its fixed hours if set, otherwise by
    `rule` or the rule in force for its organ on that local day (a version, or the settings').
    No hours while its length is unknown."""
    if lesson.study_hours is not None:
        return Earning(lesson.study_hours, BASIS.LESSON)
    if not lesson.duration_s:
        return Earning(None, BASIS.UNKNOWN)
    rule = rule or rule_for_lesson(lesson, at=at)
    return Earning(
        rule.hours_for(float(lesson.duration_s)), BASIS.RULE if rule.version else BASIS.DEFAULT, rule.version
    )


def lesson_study_hours(lesson: Lesson, *, at: datetime | None = None, rule: HoursRule | None = None) -> Decimal | None:
    """Hours completing `lesson` at `at` (default now) earns (`lesson_earning`'s); None while its
    length is unknown."""
    return lesson_earning(lesson, at=at, rule=rule).hours


def credit_basis_text(credit: StudyCredit, *, own_organ_path: str | None = None) -> str:
    """Where a credit's hours came from, in words and without ids: the rule version by its organ
    and first day ("your organ's" when it is the organ at `own_organ_path`), the lesson's own hours,
    the platform's default, or that it was not recorded. Load `rule__organ` with the credits."""
    if credit.basis == BASIS.RULE:
        day = dateformat.format(credit.rule.effective_from, pgettext("a day in a sentence", "j F Y"))
        if own_organ_path and credit.rule.organ.path == own_organ_path:
            return _("Per your organ's rule in force from %(day)s") % {"day": day}
        return _("Per the rule of %(organ)s in force from %(day)s") % {
            "organ": credit.rule.organ.display_name,
            "day": day,
        }
    if credit.basis == BASIS.LESSON:
        return _("The lesson's own hours")
    if credit.basis == BASIS.DEFAULT:
        return _("The platform's default")
    return _("Not recorded: granted before the platform kept what gave the hours")


def lessons_study_hours(lessons: list[Lesson], *, at: datetime | None = None) -> dict[int, Decimal | None]:
    """`lesson_study_hours` for many lessons (their units loaded), one rule query per organ."""
    day = timezone.localdate(at or timezone.now())
    rules: dict[str, HoursRule] = {}
    hours = {}
    for lesson in lessons:
        path = organ_path(lesson.unit)
        if lesson.study_hours is None and lesson.duration_s and path not in rules:
            rules[path] = rule_in_force(organ=path, day=day)
        hours[lesson.pk] = lesson_study_hours(lesson, rule=rules.get(path))
    return hours


def check_steps(*, min_minutes: int, steps: list[tuple[int, Decimal]]) -> dict:
    """What is wrong with a rule's steps, as {(row, "minutes"|"hours") or "steps": message}:
    minutes above zero, each longer than the one before and no two alike; hours above zero, at
    most 24, with two decimals at most, and never fewer for a longer lesson."""
    errors: dict = {}
    if not steps:
        errors["steps"] = _("Add at least one step: up to how many minutes earns how many hours.")
    for row, (minutes, hours) in enumerate(steps):
        earlier = [m for m, _h in steps[:row]]
        if minutes <= 0:
            errors[(row, "minutes")] = _("Minutes must be more than 0.")
        elif minutes in earlier:
            errors[(row, "minutes")] = _("Another step already says %(minutes)s minutes.") % {"minutes": minutes}
        elif earlier and minutes < max(earlier):
            errors[(row, "minutes")] = _(
                "Steps go from shorter to longer: %(minutes)s minutes comes before %(before)s minutes."
            ) % {"minutes": minutes, "before": max(earlier)}
        if hours <= 0:
            errors[(row, "hours")] = _("Hours must be more than 0 (a lesson shorter than the minimum earns none).")
        elif hours > HOURS_MAX:
            errors[(row, "hours")] = _("A lesson earns at most 24 hours.")
        elif hours != hours.quantize(Decimal("0.01")):
            errors[(row, "hours")] = _("Use at most two decimals, like 0.25.")
        elif row and (row, "minutes") not in errors and hours < steps[row - 1][1]:
            errors[(row, "hours")] = _("A longer lesson cannot earn fewer hours than a shorter one (%(hours)s).") % {
                "hours": hours_text(steps[row - 1][1])
            }
    return errors


@transaction.atomic
def study_rule_schedule(
    *,
    organ: Unit,
    by: User,
    effective_from: date,
    min_minutes: int,
    steps: list[tuple[int, Decimal]],
    beyond_last: str,
    today: date | None = None,
) -> StudyHoursRule:
    """Add a version of `organ`'s rule taking effect on local day `effective_from` (today or
    later: credits already granted never change). One version per organ and day."""
    today = today or timezone.localdate()
    errors = check_steps(min_minutes=min_minutes, steps=steps)
    if effective_from < today:
        errors["effective_from"] = _(
            "A rule applies from today on, never to days gone by: choose today (%(today)s) or a later day."
        ) % {"today": today.isoformat()}
    elif StudyHoursRule.objects.filter(organ=organ, effective_from=effective_from, withdrawn_at__isnull=True).exists():
        errors["effective_from"] = _same_day(effective_from)
    if beyond_last not in BEYOND_LAST.values:
        errors["beyond_last"] = _("Choose what longer lessons earn.")
    if errors:
        raise StudyRuleRejected(errors)
    try:
        with transaction.atomic():
            return StudyHoursRule.objects.create(
                organ=organ,
                effective_from=effective_from,
                min_minutes=min_minutes,
                steps=[[minutes, hours_text(hours)] for minutes, hours in steps],
                beyond_last=beyond_last,
                created_by=by,
            )
    except IntegrityError:
        raise StudyRuleRejected({"effective_from": _same_day(effective_from)}) from None


@transaction.atomic
def study_rule_withdraw(*, version: StudyHoursRule, by: User, today: date | None = None) -> StudyHoursRule:
    """Withdraw a version whose day has not come: it stays in the history and applies to nothing.
    One already in force has granted hours and stays; a new version replaces it from a later day."""
    today = today or timezone.localdate()
    version = StudyHoursRule.objects.select_for_update().get(pk=version.pk)
    if version.withdrawn_at is None:
        if version.effective_from <= today:
            raise StudyRuleRejected(
                {"version": _("This version is in force and has granted hours: schedule a new one instead.")}
            )
        version.withdrawn_at = timezone.now()
        version.withdrawn_by = by
        version.save(update_fields=["withdrawn_at", "withdrawn_by"])
    return version


def _same_day(day: date) -> str:
    return _("A version already takes effect on %(day)s: choose another day.") % {"day": day.isoformat()}


def study_rule_versions(organ: Unit) -> list[HoursRule]:
    """Every version of the organ's rule, the latest day first; each version's `credits_given`
    counts the credits it gave."""
    return [
        rule_from_version(version)
        for version in StudyHoursRule.objects.filter(organ=organ)
        .select_related("created_by")
        .annotate(credits_given=Count("credits"))
        .order_by("-effective_from")
    ]
