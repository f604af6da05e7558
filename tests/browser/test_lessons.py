"""A member plays a required micro-class headless: heartbeats are recorded, a forward seek is
refused, and the lesson completes with its study hours. The video is made by ffmpeg."""

import pytest
from django.conf import settings as django_settings

from lessons.models import Heartbeat, StudyCredit, WatchProgress
from lessons.services import videos
from lessons.services.points import point_rules_ensure_defaults
from tests import factories
from tests.browser.test_shell import sign_in
from tests.lessons.videos import make_clip

pytestmark = pytest.mark.browser


@pytest.fixture
def lesson(transactional_db, tree, tmp_path):
    point_rules_ensure_defaults()
    made = videos.lesson_create(title="党章第一讲（浏览器测试）", unit=tree["gz"], required=True, speaker="王老师")
    videos.lesson_attach_file(lesson=made, path=make_clip(tmp_path / "clip.mp4", seconds=8))
    return videos.lesson_process(lesson_id=made.pk)


def test_member_watches_a_required_lesson_to_completion_and_cannot_skip_ahead(
    live_server, lesson, tree, page_factory, screenshot, settings
):
    settings.LESSON_HEARTBEAT_S = 1
    assert lesson.status == "ready", lesson.failure
    member = factories.member(tree["gz1"], username="viewer", password=django_settings.DEMO_PASSWORD)
    page = page_factory(phone=True)
    sign_in(page, live_server.url, "viewer")
    page.goto(f"{live_server.url}/lessons/")
    page.click(f"a[href='/lessons/{lesson.pk}/']")
    page.wait_for_function("() => document.getElementById('player').readyState >= 1")
    page.evaluate("() => { const v = document.getElementById('player'); v.muted = true; return v.play(); }")
    page.wait_for_function("() => document.getElementById('player').currentTime > 1")

    # Dragging towards the end of a required lesson is refused: the playhead comes back.
    page.evaluate("() => { document.getElementById('player').currentTime = 7; }")
    page.wait_for_function("() => !document.getElementById('player-notice').hidden")
    assert page.evaluate("document.getElementById('player').currentTime") < 4
    screenshot(page, "lesson-player-phone")

    page.wait_for_selector("#completed-badge:not([hidden])", timeout=40_000)
    progress = WatchProgress.objects.get(member=member, lesson=lesson)
    assert progress.completed_at is not None
    assert float(progress.watched_s) >= 0.9 * float(lesson.duration_s)
    assert Heartbeat.objects.filter(member=member, lesson=lesson, credited_to_s__isnull=False).count() >= 3
    # No single credited span covers the skipped stretch.
    beats = Heartbeat.objects.filter(member=member, lesson=lesson)
    assert not beats.filter(credited_from_s__lt=2, credited_to_s__gt=6.5).exists()
    assert StudyCredit.objects.filter(member=member, lesson=lesson).exists()


def test_organiser_uploads_in_chunks_and_watches_processing_finish(
    live_server, transactional_db, tree, tmp_path, celery_worker_process, page_factory, screenshot, settings
):
    factories.organiser(tree["gz"], username="org", password=django_settings.DEMO_PASSWORD)
    clip = make_clip(tmp_path / "第三讲.mp4", seconds=4)
    page = page_factory(locale="zh-CN")
    sign_in(page, live_server.url, "org")
    page.goto(f"{live_server.url}/lessons/manage/")
    page.fill("#id_title", "第三讲：上传测试")
    page.select_option("#id_unit", str(tree["gz"].pk))
    page.click("#lesson-create")
    page.wait_for_url("**/upload/")
    # Bad input first: an empty file is refused before anything is sent.
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    page.set_input_files("#video-file", str(empty))
    page.click("#upload-button")
    assert "空" in page.locator("#upload-message").inner_text()
    page.set_input_files("#video-file", str(clip))
    page.click("#upload-button")
    page.wait_for_selector("#upload-message.text-success", timeout=90_000)
    assert page.locator("#upload-progress").inner_text() == "100%"
    screenshot(page, "lesson-upload")
    from lessons.models import Lesson, Upload

    lesson = Lesson.objects.get(title="第三讲：上传测试")
    assert lesson.status == "ready" and Upload.objects.get(lesson=lesson).received == clip.stat().st_size
