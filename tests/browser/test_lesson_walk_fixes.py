"""What a walk of the micro-class pages found, in the browser: the upload page's "预览" and
"设置（在此发布）" shown before any video (Bootstrap's d-flex beat the hidden attribute), and
playing faster than counted with no word of it."""

import pytest
from django.conf import settings as django_settings
from playwright.sync_api import expect

from lessons.models import Lesson
from lessons.services import videos
from tests import factories
from tests.browser.test_shell import sign_in
from tests.lessons.videos import make_clip

pytestmark = pytest.mark.browser


def test_the_upload_pages_next_steps_wait_for_a_ready_video(
    live_server, transactional_db, tree, tmp_path, page_factory, screenshot
):
    factories.organiser(tree["gz"], username="org", password=django_settings.DEMO_PASSWORD)
    lesson = videos.lesson_create(title="第四讲：未上传", unit=tree["gz"])
    page = page_factory(locale="zh-CN")
    sign_in(page, live_server.url, "org")
    page.goto(f"{live_server.url}/lessons/{lesson.pk}/upload/")
    # Nothing uploaded yet: no preview and no settings to publish from.
    expect(page.locator("#upload-next-preview")).to_be_hidden()
    expect(page.locator("#upload-next-settings")).to_be_hidden()
    # A file refused on its last chunk ("此视频无法使用…" or why): still nothing to preview.
    notes = tmp_path / "notes.mp4"
    notes.write_text("this is not a video\n")
    page.set_input_files("#video-file", str(notes))
    page.click("#upload-button")
    page.wait_for_selector("#upload-message.text-danger")
    expect(page.locator("#upload-next-preview")).to_be_hidden()
    expect(page.locator("#upload-next-settings")).to_be_hidden()

    # A lesson whose video is ready shows them from the start, and hides them again while a new
    # upload is on its way and once it is refused.
    Lesson.objects.filter(pk=lesson.pk).update(
        status=Lesson.Status.READY, source=f"lessons/{lesson.pk}/source.mp4", mp4=f"lessons/{lesson.pk}/video.mp4"
    )
    page.goto(f"{live_server.url}/lessons/{lesson.pk}/upload/")
    expect(page.locator("#upload-next-preview")).to_be_visible()
    page.set_input_files("#video-file", str(notes))
    page.click("#upload-button")
    page.wait_for_selector("#upload-message.text-danger")
    expect(page.locator("#upload-next-preview")).to_be_hidden()


def test_playing_faster_than_counted_says_so_and_stops_saying_it_once_slower(
    live_server, transactional_db, tree, tmp_path, processed_once, page_factory, screenshot, settings
):
    settings.LESSON_HEARTBEAT_S = 1
    made = videos.lesson_create(title="第五讲：倍速", unit=tree["gz"], published=True)
    videos.lesson_attach_file(lesson=made, path=make_clip(tmp_path / "clip.mp4", seconds=8))
    lesson = videos.lesson_process(lesson_id=made.pk)
    assert lesson.status == "ready", lesson.failure
    factories.member(tree["gz1"], username="speedy", password=django_settings.DEMO_PASSWORD)
    page = page_factory(phone=True)
    sign_in(page, live_server.url, "speedy")
    page.goto(f"{live_server.url}/lessons/{lesson.pk}/")
    page.wait_for_function("() => document.getElementById('player')?.readyState >= 1")
    page.evaluate("() => { const v = document.getElementById('player'); v.muted = true; return v.play(); }")
    notice = page.locator("#player-notice")
    expect(notice).to_be_hidden()
    # LESSON_MAX_RATE is 2: 4x is past it.
    page.evaluate("() => { document.getElementById('player').playbackRate = 4; }")
    expect(notice).to_have_text("超过 2 倍速播放不计入观看时长，请以 2 倍速或更慢播放。")
    screenshot(page, "lesson-player-too-fast-phone")
    # Back at 2x (the limit itself counts): the notice goes.
    page.evaluate("() => { document.getElementById('player').playbackRate = 2; }")
    expect(notice).to_be_hidden()
