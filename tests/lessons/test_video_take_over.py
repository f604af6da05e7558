"""A lesson held by another tab (a killed browser holds it for LESSON_TAB_TIMEOUT_S): the page says
what to do, and "Watch here instead" takes it over; the seconds are then counted once."""

from datetime import timedelta

import pytest

from lessons.models import Heartbeat, WatchProgress
from lessons.services import videos
from lessons.services.points import point_rules_ensure_defaults
from tests import factories
from tests.lessons.test_videos import ten_minute_lesson


@pytest.fixture
def watcher(tree):
    point_rules_ensure_defaults()
    return factories.member(tree["gz1"], username="viewer")


def post_beat(client, lesson, position, *, tab, playing=True, take_over=None):
    body = {"tab": tab, "position": position, "playing": playing}
    if take_over is not None:
        body["take_over"] = take_over
    return client.post(f"/lessons/{lesson.pk}/heartbeat/", body, "application/json")


def test_watch_here_instead_takes_the_lesson_over_and_counts_each_second_once(client, tree, watcher, clock):
    """Tab A plays 0-10 s (10 s counted), then tab B takes over at 12 s, at position 10, and plays
    to 20 (10 s counted), while A, left open, reports 0-10 s again at position 20: refused.
    Counted: 0-10 by A and 10-20 by B = 20 s, in 22 s of wall clock; nothing twice."""
    lesson = ten_minute_lesson(tree["gz"], required=False)
    client.force_login(watcher)
    assert post_beat(client, lesson, 0, tab="A").status_code == 200
    clock.advance(10)
    assert post_beat(client, lesson, 10, tab="A").json()["credited_s"] == 10
    clock.advance(2)  # 12 s
    assert post_beat(client, lesson, 10, tab="B").status_code == 409  # A still plays: refused as before
    took_over = post_beat(client, lesson, 10, tab="B", take_over=True)
    assert took_over.status_code == 200 and took_over.json()["credited_s"] == 0  # the new anchor
    clock.advance(8)  # 20 s
    old_tab = post_beat(client, lesson, 20, tab="A")
    assert old_tab.status_code == 409 and old_tab.json()["error"]["code"] == "other_tab"
    clock.advance(2)  # 22 s
    assert post_beat(client, lesson, 20, tab="B").json()["credited_s"] == 10
    progress = WatchProgress.objects.get(member=watcher, lesson=lesson)
    assert float(progress.watched_s) == 20 and progress.intervals == [[0, 20]]
    assert Heartbeat.objects.filter(member=watcher, tab="A", rejected="other_tab").count() == 1


def test_taking_over_cannot_count_two_tabs_playing_at_once(tree, watcher, clock):
    """Tabs A and B each play their own part (A 0-30, B 100-130, at the same time) and take the
    lesson from each other at every beat: a beat that takes over is a new anchor and counts
    nothing, so the two tabs' 60 s of video in 30 s of wall clock count 0, not 60."""
    lesson = ten_minute_lesson(tree["gz"], required=False)
    t0 = clock.now
    credited = 0.0
    for second in range(0, 31, 10):
        at = t0 + timedelta(seconds=second)
        for tab, start in (("A", 0), ("B", 100)):
            result = videos.heartbeat_record(
                member=watcher, lesson=lesson, tab=tab, position_s=start + second, playing=True, at=at, take_over=True
            )
            credited += result.credited_s
    # Each beat takes over from the other tab: a new anchor, credited nothing.
    assert credited == 0 and float(WatchProgress.objects.get(member=watcher, lesson=lesson).watched_s) == 0


@pytest.mark.parametrize(
    ("language", "said", "button"),
    [
        ("zh-hans", "请关闭另一处，它停止播放约 30 秒后也会自动释放；您也可以改在这里观看。", "改在这里观看"),
        (
            "en",
            "Close the other one, or it frees itself about 30 seconds after it was last playing;",
            "Watch here instead",
        ),
    ],
)
def test_the_refusal_says_what_to_do_and_the_page_offers_to_watch_here(
    client, tree, watcher, clock, settings, language, said, button
):
    settings.LESSON_TAB_TIMEOUT_S = 30
    lesson = ten_minute_lesson(tree["gz"], required=False)
    client.force_login(watcher)
    client.cookies["django_language"] = language
    post_beat(client, lesson, 0, tab="A")
    clock.advance(5)
    refused = post_beat(client, lesson, 5, tab="B")
    assert refused.status_code == 409 and said in refused.json()["error"]["message"]
    page = client.get(f"/lessons/{lesson.pk}/").content.decode()
    assert 'id="take-over-button"' in page and button in page


def api_beat(api, lesson, position, *, tab, take_over=None):
    body = {"tab": tab, "position": position, "playing": True}
    if take_over is not None:
        body["take_over"] = take_over
    return api.post(f"/api/v1/lessons/{lesson.pk}/heartbeats/", body, format="json")


def test_the_phone_api_watches_here_instead_as_the_page_does_counting_each_second_once(client, tree, watcher, clock):
    """The browser plays 0-10 s (10 s counted); at 12 s the phone is refused (409 `other_tab`),
    then takes over at position 10 (`take_over`, counted 0) and plays to 20 (10 s counted), while
    the browser, left open, reports position 20 again: refused. Counted: 0-10 by the browser and
    10-20 by the phone = 20 s, nothing twice."""
    from rest_framework.test import APIClient

    lesson = ten_minute_lesson(tree["gz"], required=False)
    client.force_login(watcher)
    phone = APIClient()
    phone.force_authenticate(watcher)
    assert post_beat(client, lesson, 0, tab="browser").status_code == 200
    clock.advance(10)
    assert post_beat(client, lesson, 10, tab="browser").json()["credited_s"] == 10
    clock.advance(2)  # 12 s
    refused = api_beat(phone, lesson, 10, tab="phone")
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "other_tab"
    took_over = api_beat(phone, lesson, 10, tab="phone", take_over=True)
    assert took_over.status_code == 200 and took_over.json()["credited_s"] == 0  # the new anchor
    clock.advance(8)  # 20 s
    old_player = post_beat(client, lesson, 20, tab="browser")
    assert old_player.status_code == 409 and old_player.json()["error"]["code"] == "other_tab"
    clock.advance(2)  # 22 s
    assert api_beat(phone, lesson, 20, tab="phone").json()["credited_s"] == 10
    progress = WatchProgress.objects.get(member=watcher, lesson=lesson)
    assert float(progress.watched_s) == 20 and progress.intervals == [[0, 20]]


def test_the_heartbeat_schema_documents_take_over(client, watcher):
    client.force_login(watcher)
    schema = client.get("/api/schema/", {"format": "json"}).json()
    fields = schema["components"]["schemas"]["Heartbeat"]["properties"]
    assert fields["take_over"]["type"] == "boolean" and "Watch here instead" in fields["take_over"]["description"]
