from collections import defaultdict
from datetime import date, datetime

from django.utils import timezone

from lessons.models import PointEvent
from rankings import demo
from tests import factories


def test_demo_points_go_through_the_points_service_within_caps_and_stop_before_today(tree, monkeypatch):
    for n in range(6):
        factories.member(tree["gz1"], username=f"demo{n}")
    seeded_at = timezone.make_aware(datetime(2026, 3, 11, 0, 30), timezone.get_default_timezone())
    monkeypatch.setattr(timezone, "now", lambda: seeded_at)  # seeded just after local midnight

    demo._points(date(2026, 3, 11))

    events = list(PointEvent.objects.all())
    assert events and {event.activity for event in events} == {"daily_correct"}  # a rule with a label
    assert {event.points for event in events} == {1}  # one point per right answer
    per_day = defaultdict(int)
    for event in events:
        per_day[event.member_id, event.day] += event.points
        assert event.occurred_at <= seeded_at and timezone.localdate(event.occurred_at) == event.day
    assert max(per_day.values()) <= 5  # the daily-quiz cap
    # None today: today's daily-quiz points come with today's quiz, which the demo leaves undone.
    assert not [e for e in events if e.day == date(2026, 3, 11)]
