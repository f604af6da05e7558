"""Fixes from a member's self-study walk checked by hand (forged and malformed inputs)."""

import json

from django.urls import reverse

from lessons.models import Heartbeat
from tests import factories
from tests.lessons.test_videos import ten_minute_lesson


def test_a_heartbeat_whose_tab_holds_a_nul_counts_under_the_tab_without_it(client, tree):
    """PostgreSQL takes no NUL in text: a forged beat's tab "A\\x00" was a server error there. By
    hand: the NUL dropped, the beat is tab "A"'s, the first at 0 s, credited nothing."""
    lesson = ten_minute_lesson(tree["gz"])
    client.force_login(factories.member(tree["gz1"]))

    answer = client.post(
        reverse("lessons:heartbeat", args=[lesson.pk]),
        data=json.dumps({"tab": "A\x00", "position": 0, "playing": True}),
        content_type="application/json",
    )

    assert answer.status_code == 200 and answer.json()["credited_s"] == 0.0
    assert list(Heartbeat.objects.values_list("tab", flat=True)) == ["A"]
