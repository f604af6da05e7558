"""The points ledger: award once per source, never past the activity's daily cap."""

from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from orgs.models import User

from ..models import PointEvent, PointRule


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


DEFAULT_RULES = [
    # activity, label, points per event, daily cap
    ("practice_correct", "练习答对", 1, 10),
    ("daily_correct", "每日答题答对", 1, 5),
    ("exam_submit", "完成限时测验", 2, 4),
    ("challenge_correct", "挑战答题答对", 1, 6),
    ("notebook_review", "错题复习答对", 1, 5),
    ("video_complete", "学完微党课", 5, 20),
]


def point_rules_ensure_defaults() -> None:
    """Create the default activities that are missing; never change ones an administrator set."""
    for activity, label, points, cap in DEFAULT_RULES:
        PointRule.objects.get_or_create(
            activity=activity, defaults={"label": label, "points": points, "daily_cap": cap}
        )
