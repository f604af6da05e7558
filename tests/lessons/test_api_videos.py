"""Micro-classes over the API: lists scoped to the audience, signed stream URLs, and heartbeats
judged by the same service and rules as the player page's."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from lessons.models import Lesson, Series
from tests import factories
from tests.lessons.test_videos import ten_minute_lesson


@pytest.fixture
def member(tree):
    return factories.member(tree["gz1"], username="zhang")


@pytest.fixture
def api(member):
    client = APIClient()
    client.force_authenticate(member)
    return client


def beat(api, lesson, position, *, tab="phone", playing=True):
    return api.post(
        f"/api/v1/lessons/{lesson.pk}/heartbeats/",
        {"tab": tab, "position": position, "playing": playing},
        format="json",
    )


def test_lists_show_only_the_audiences_lessons_with_progress(api, tree, clock):
    series = Series.objects.create(slug="dangzhang", title="党章讲堂", unit=tree["audit"])
    mine = ten_minute_lesson(tree["gz"], series=series, title="我的课")
    ten_minute_lesson(tree["jjj"], title="别人的课")
    beat(api, mine, 0)
    clock.advance(10)
    beat(api, mine, 10)
    listed = api.get("/api/v1/lessons/").json()["results"]
    assert [(row["title"], row["series"], row["percent"]) for row in listed] == [("我的课", "dangzhang", 1)]
    assert api.get("/api/v1/lessons/series/").json()["results"] == [
        {"id": series.pk, "slug": "dangzhang", "title": "党章讲堂", "description": "", "lessons": 1}
    ]
    assert api.get("/api/v1/lessons/?series=other").json()["results"] == []
    other = Lesson.objects.get(title="别人的课")
    assert api.get(f"/api/v1/lessons/{other.pk}/").status_code == 404  # another office's: not there for you


def test_heartbeats_follow_the_pages_rules(api, tree, clock):
    lesson = ten_minute_lesson(tree["gz"])
    assert beat(api, lesson, 0).json()["credited_s"] == 0
    clock.advance(10)
    assert beat(api, lesson, 10).json()["credited_s"] == 10
    clock.advance(10)
    skipped = beat(api, lesson, 400).json()  # a required lesson: no skipping ahead
    assert skipped["credited_s"] == 0 and skipped["rejected"] != "" and skipped["watched_s"] == 10
    other = ten_minute_lesson(tree["gz"], title="另一课")
    refused = beat(api, other, 0, tab="tablet")
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "other_lesson"
    detail = api.get(f"/api/v1/lessons/{lesson.pk}/").json()
    assert detail["watched_s"] == 10 and detail["resume_s"] == 10 and detail["furthest_s"] == 10
    assert detail["study_hours"] == 0.25  # 10 minutes by the settings' rule: up to 15 minutes, 0.25 h
    Lesson.objects.filter(pk=lesson.pk).update(study_hours=2)
    assert api.get(f"/api/v1/lessons/{lesson.pk}/").json()["study_hours"] == 2


@pytest.mark.parametrize(
    ("body", "field"),
    [({"position": 3}, "tab"), ({"tab": "A"}, "position"), ({"tab": "A", "position": "abc"}, "position")],
)
def test_a_heartbeat_without_tab_or_position_is_refused_naming_the_field(api, tree, body, field):
    lesson = ten_minute_lesson(tree["gz"])
    refused = api.post(f"/api/v1/lessons/{lesson.pk}/heartbeats/", body, format="json")
    assert refused.status_code == 400 and refused.json()["error"]["field"] == field


def test_a_member_outside_the_audience_is_refused_a_heartbeat(tree, clock):
    lesson = ten_minute_lesson(tree["jjj"])
    outsider = APIClient()
    outsider.force_authenticate(factories.member(tree["gz1"]))
    refused = beat(outsider, lesson, 0)  # another office's lesson: not there for them
    assert refused.status_code == 404 and refused.json()["error"]["code"] == "not_found"
    # A member it is addressed to, once its window has closed, is told so.
    Lesson.objects.filter(pk=lesson.pk).update(publish_until=timezone.now() - timedelta(minutes=1))
    insider = APIClient()
    insider.force_authenticate(factories.member(tree["jjj1"]))
    refused = beat(insider, lesson, 0)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "not_in_audience"


def test_a_signed_stream_url_serves_its_member_until_it_expires(api, member, tree, settings, clock):
    lesson = ten_minute_lesson(tree["gz"])
    video = Path(settings.MEDIA_ROOT) / f"lessons/{lesson.pk}/video.mp4"
    video.parent.mkdir(parents=True)
    video.write_bytes(b"0123456789")
    Lesson.objects.filter(pk=lesson.pk).update(mp4=f"lessons/{lesson.pk}/video.mp4")
    stream = api.get(f"/api/v1/lessons/{lesson.pk}/stream/").json()
    assert stream["hls"] == "" and stream["mp4"].endswith("/video.mp4")
    anonymous = APIClient()  # a native player: no token, no cookie
    ranged = anonymous.get(stream["mp4"], HTTP_RANGE="bytes=2-5")
    assert ranged.status_code == 206 and ranged.content == b"2345"
    assert anonymous.get(stream["mp4"].replace("video.mp4", "../video.mp4")).status_code == 404
    other_lesson_url = stream["mp4"].replace(f"/lessons/{lesson.pk}/", f"/lessons/{lesson.pk + 1}/")
    assert anonymous.get(other_lesson_url).status_code == 404
    member.unit = tree["jjj1"]  # moved out of the audience: the URL stops serving at once
    member.save(update_fields=["unit"])
    assert anonymous.get(stream["mp4"]).status_code == 404
    member.unit = tree["gz1"]
    member.save(update_fields=["unit"])
    assert anonymous.get(stream["mp4"]).status_code == 200
    clock.advance(settings.API_STREAM_URL_S + 1)
    assert anonymous.get(stream["mp4"]).status_code == 404
