"""The points ledger: award once per source, never past the activity's daily cap."""

from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from orgs.models import User

from ..models import PointEvent, PointRule, PointRuleChange


@dataclass
class Award:
    points: int
    earned_today: int
    cap: int


@transaction.atomic
def points_award(*, member: User, activity: str, source_key: str, at: datetime | None = None, note: str = "") -> Award:
    """Record the points `activity` earns for `source_key` (once), trimmed to today's cap.

    Takes a row lock on the member so two requests at once cannot both fit under the cap.
    Unknown or inactive activities earn nothing.
    """
    at = at or timezone.now()
    day = timezone.localdate(at)
    rule = PointRule.objects.filter(activity=activity, is_active=True).first()
    if rule is None:
        return Award(0, 0, 0)
    User.objects.select_for_update().filter(pk=member.pk).first()
    earned = PointEvent.objects.filter(member=member, activity=activity, day=day).aggregate(s=Sum("points"))["s"] or 0
    points = rule.points if not rule.daily_cap else max(0, min(rule.points, rule.daily_cap - earned))
    if PointEvent.objects.filter(member=member, activity=activity, source_key=source_key).exists() or not points:
        return Award(0, earned, rule.daily_cap)
    try:
        with transaction.atomic():
            PointEvent.objects.create(
                member=member,
                activity=activity,
                points=points,
                day=day,
                occurred_at=at,
                source_key=source_key,
                note=note[:120],
            )
    except IntegrityError:  # the same source, recorded a moment ago by another request
        return Award(0, earned, rule.daily_cap)
    return Award(points, earned + points, rule.daily_cap)


@dataclass(frozen=True)
class PointRuleValues:
    """What an administrator sets of a rule: points per event, the daily cap (0: none), active."""

    points: int
    daily_cap: int
    is_active: bool

    def as_dict(self) -> dict:
        return {"points": self.points, "daily_cap": self.daily_cap, "is_active": self.is_active}


class PointRulesInvalid(Exception):
    """Values a rule cannot take, by the rule's id: nothing was saved."""

    def __init__(self, errors: dict[int, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def point_rule_problem(values: PointRuleValues) -> str:
    """Why a rule cannot take `values`, or "" when it can."""
    if values.points < 1:
        return _("One event earns at least 1 point; to stop an activity earning points, untick Active.")
    if values.daily_cap < 0:
        return _("A daily cap is 0 (no cap) or more.")
    if 0 < values.daily_cap < values.points:
        return _(
            "A daily cap of %(cap)d is less than the %(points)d points of one event: set it to %(points)d or "
            "more, or 0 for no cap."
        ) % {"cap": values.daily_cap, "points": values.points}
    return ""


@transaction.atomic
def point_rules_set(*, values: dict[int, PointRuleValues], by: User | None, at: datetime | None = None) -> int:
    """Give the rules (by id) their new values, recording each change with who made it; a rule
    left as it was records nothing. All or nothing: any refused value saves none (PointRulesInvalid).
    Points already earned stay as they were: the ledger is never rewritten. Returns how many changed."""
    errors = {rule_id: problem for rule_id, new in values.items() if (problem := point_rule_problem(new))}
    if errors:
        raise PointRulesInvalid(errors)
    at = at or timezone.now()
    changed = 0
    for rule in PointRule.objects.select_for_update().filter(pk__in=values).order_by("pk"):
        before = PointRuleValues(rule.points, rule.daily_cap, rule.is_active)
        after = values[rule.pk]
        if after == before:
            continue
        rule.points, rule.daily_cap, rule.is_active = after.points, after.daily_cap, after.is_active
        rule.save(update_fields=["points", "daily_cap", "is_active"])
        PointRuleChange.objects.create(rule=rule, by=by, at=at, before=before.as_dict(), after=after.as_dict())
        changed += 1
    return changed


DEFAULT_RULES = [
    # activity, label, points per event, daily cap
    ("practice_correct", "练习答对", 1, 10),
    ("daily_correct", "每日答题答对", 1, 5),
    ("exam_submit", "完成限时测验", 2, 4),
    ("challenge_correct", "挑战答题答对", 1, 6),
    ("notebook_review", "错题复习答对", 1, 5),
    ("video_complete", "学完微党课", 5, 20),
    ("online_contest_submit", "完成线上竞赛", 2, 4),
]


def point_rules_ensure_defaults() -> None:
    """Create the default activities that are missing; never change ones an administrator set."""
    for activity, label, points, cap in DEFAULT_RULES:
        PointRule.objects.get_or_create(
            activity=activity, defaults={"label": label, "points": points, "daily_cap": cap}
        )
