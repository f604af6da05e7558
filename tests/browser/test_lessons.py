"""A member plays a required micro-class headless: heartbeats are recorded, a forward seek is
refused, and the lesson completes with its study hours. The video is made by ffmpeg."""

import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings as django_settings
from django.utils import timezone
from playwright.sync_api import expect

from lessons.models import Heartbeat, Lesson, StudyCredit, WatchProgress, WatchSpan
from lessons.services import videos
from lessons.services.points import point_rules_ensure_defaults
from tests import factories
from tests.browser.test_shell import sign_in
from tests.lessons.videos import make_clip

pytestmark = pytest.mark.browser


@pytest.fixture
def lesson(transactional_db, tree, tmp_path, processed_once):
    point_rules_ensure_defaults()
    made = videos.lesson_create(
        title="党章第一讲（浏览器测试）", unit=tree["gz"], required=True, speaker="王老师", published=True
    )
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
    page.wait_for_url(f"**/lessons/{lesson.pk}/")
    page.wait_for_function("() => document.getElementById('player')?.readyState >= 1")
    page.evaluate("() => { const v = document.getElementById('player'); v.muted = true; return v.play(); }")
    page.wait_for_function("() => document.getElementById('player')?.currentTime > 1")

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
    assert StudyCredit.objects.get(member=member, lesson=lesson).hours == Decimal("0.25")  # under 900 s
    # The line under the player says the hours are credited now, not still to earn, without a reload.
    expect(page.locator("#lesson-hours")).to_have_text("本课已计入学时 0.25。")


def wait_for_beat(member, lesson, **match) -> Heartbeat:
    """The newest heartbeat like `match`, polled for at most 15 s (the player sends it async)."""
    for _ in range(150):
        found = Heartbeat.objects.filter(member=member, lesson=lesson, **match).order_by("-received_at").first()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"no heartbeat like {match}")


def credited_within_the_wall_clock(member, lesson) -> None:
    beats = Heartbeat.objects.filter(member=member, lesson=lesson).order_by("received_at")
    wall_s = (beats.last().received_at - beats.first().received_at).total_seconds()
    watched = float(WatchProgress.objects.get(member=member, lesson=lesson).watched_s)
    assert watched <= wall_s * django_settings.LESSON_MAX_RATE + videos.SLACK_S, (watched, wall_s)


@pytest.fixture
def longer_lesson(transactional_db, tree, tmp_path, processed_once):
    point_rules_ensure_defaults()
    made = videos.lesson_create(title="党史专题（必修）", unit=tree["gz"], required=True, published=True)
    videos.lesson_attach_file(lesson=made, path=make_clip(tmp_path / "long.mp4", seconds=16))
    return videos.lesson_process(lesson_id=made.pk)


def test_a_required_lesson_played_at_double_speed_completes_and_after_a_reload_cannot_be_skipped(
    live_server, longer_lesson, tree, page_factory, screenshot, settings
):
    settings.LESSON_HEARTBEAT_S = 1
    lesson = longer_lesson
    assert lesson.status == "ready", lesson.failure
    member = factories.member(tree["gz1"], username="viewer", password=django_settings.DEMO_PASSWORD)
    page = page_factory()
    sign_in(page, live_server.url, "viewer")
    page.goto(f"{live_server.url}/lessons/{lesson.pk}/")
    page.wait_for_function("() => document.getElementById('player')?.readyState >= 1")
    page.evaluate(
        "() => { const v = document.getElementById('player'); v.muted = true; v.playbackRate = 2; return v.play(); }"
    )
    page.wait_for_function("() => document.getElementById('player')?.currentTime > 5")
    page.evaluate("() => document.getElementById('player').pause()")
    wait_for_beat(member, lesson, playing=False, position_s__gt=5)

    # After a reload the page knows only the server's gapless stretch: a seek past it comes back.
    page.reload()
    page.wait_for_function("() => document.getElementById('player')?.readyState >= 1")
    furthest = float(WatchProgress.objects.get(member=member, lesson=lesson).furthest_s)
    assert 4 < furthest < 12
    page.evaluate("() => { document.getElementById('player').currentTime = 15; }")
    page.wait_for_function("() => !document.getElementById('player-notice').hidden")
    assert page.evaluate("document.getElementById('player').currentTime") <= furthest + 0.5

    page.evaluate(
        "() => { const v = document.getElementById('player'); v.muted = true; v.playbackRate = 2; return v.play(); }"
    )
    page.wait_for_selector("#completed-badge:not([hidden])", timeout=40_000)
    progress = WatchProgress.objects.get(member=member, lesson=lesson)
    assert progress.completed_at is not None and StudyCredit.objects.filter(member=member, lesson=lesson).exists()
    assert len(progress.intervals) == 1 and progress.intervals[0][0] == 0  # one stretch from the start
    credited_within_the_wall_clock(member, lesson)
    screenshot(page, "lesson-player-double-speed")

    factories.organiser(tree["gz"], username="org", password=django_settings.DEMO_PASSWORD)
    organiser = page_factory()
    sign_in(organiser, live_server.url, "org")
    organiser.goto(f"{live_server.url}/lessons/{lesson.pk}/report/")
    assert "学时如何计算" in organiser.locator("#study-hours-rule").inner_text()
    assert organiser.locator("#member-completion .too-fast").count() == 0
    screenshot(organiser, "lesson-report-evidence")


def test_a_second_lesson_in_another_window_is_paused_while_the_first_plays(
    live_server, lesson, longer_lesson, tree, page_factory, screenshot, settings
):
    settings.LESSON_HEARTBEAT_S = 1
    member = factories.member(tree["gz1"], username="viewer", password=django_settings.DEMO_PASSWORD)
    first, second = page_factory(), page_factory()
    for page, playing in ((first, longer_lesson), (second, lesson)):
        sign_in(page, live_server.url, "viewer")
        page.goto(f"{live_server.url}/lessons/{playing.pk}/")
        page.wait_for_function("() => document.getElementById('player')?.readyState >= 1")
    first.evaluate(PLAY)
    first.wait_for_function("() => document.getElementById('player')?.currentTime > 1")
    second.evaluate(PLAY)
    second.wait_for_function("() => document.getElementById('player')?.paused")
    assert "一节课" in second.locator("#player-notice").inner_text()
    assert Heartbeat.objects.filter(member=member, lesson=lesson, rejected="other_lesson").exists()
    screenshot(second, "lesson-player-other-lesson")


PLAY = "() => { const v = document.getElementById('player'); v.muted = true; return v.play(); }"


def _playing_on_a_phone(live_server, lesson, tree, page_factory):
    """A member signed in on a phone, `lesson` playing past 2.5 s."""
    member = factories.member(tree["gz1"], username="viewer", password=django_settings.DEMO_PASSWORD)
    page = page_factory(phone=True)
    sign_in(page, live_server.url, "viewer")
    page.goto(f"{live_server.url}/lessons/{lesson.pk}/")
    page.wait_for_function("() => document.getElementById('player')?.readyState >= 1")
    page.evaluate(PLAY)
    page.wait_for_function("() => document.getElementById('player')?.currentTime > 2.5")
    return member, page


def test_leaving_the_player_and_coming_back_carries_on_counting_and_shows_what_was_counted(
    live_server, longer_lesson, tree, page_factory, settings
):
    settings.LESSON_HEARTBEAT_S = 1
    member, page = _playing_on_a_phone(live_server, longer_lesson, tree, page_factory)
    page.goto(f"{live_server.url}/study/")  # away while it plays, and straight back
    assert float(WatchProgress.objects.get(member=member, lesson=longer_lesson).watched_s) >= 1
    page.goto(f"{live_server.url}/lessons/{longer_lesson.pk}/")
    page.wait_for_function("() => document.getElementById('player')?.readyState >= 1")
    page.evaluate(PLAY)
    page.wait_for_function("() => document.getElementById('player')?.currentTime > 4.5")
    # Not refused as "playing in another tab" (the page just left), and the seconds counted
    # before are shown, not "0 s".
    assert not Heartbeat.objects.filter(member=member, lesson=longer_lesson, rejected="other_tab").exists()
    assert not page.evaluate("document.getElementById('player').paused")
    assert "计入 0 秒" not in page.locator("#watched-text").inner_text()


def test_a_stop_beat_lost_with_the_page_does_not_shut_the_same_tab_out_but_another_tab_is(
    live_server, longer_lesson, tree, page_factory, settings
):
    """The beat that says "stopped" as the page goes can be lost with it (it waits behind a beat
    still on the way). Coming back in the same tab within LESSON_TAB_TIMEOUT_S is still the same
    tab to the server, so it plays on; a second tab of the same browser is another tab, paused."""
    settings.LESSON_HEARTBEAT_S = 1
    member, page = _playing_on_a_phone(live_server, longer_lesson, tree, page_factory)
    wait_for_beat(member, longer_lesson, playing=True, position_s__gt=1)
    # Every beat from here on is lost: the page's requests hang (a route cannot stand in for it:
    # a request made as the page goes, with keepalive, passes by Playwright's routing).
    page.evaluate("() => { window.fetch = () => new Promise(() => {}); }")
    page.goto(f"{live_server.url}/study/")
    span = WatchSpan.objects.get(member=member)
    assert span.last_beat_playing and span.lesson_id == longer_lesson.pk  # to the server it plays on

    page.goto(f"{live_server.url}/lessons/{longer_lesson.pk}/")
    page.wait_for_function("() => document.getElementById('player')?.readyState >= 1")
    page.evaluate(PLAY)
    page.wait_for_function("() => document.getElementById('player')?.currentTime > 4.5")
    assert not Heartbeat.objects.filter(member=member, lesson=longer_lesson, rejected="other_tab").exists()
    assert not page.evaluate("document.getElementById('player').paused")

    other = page.context.new_page()  # a second tab of the same browser, the same lesson
    other.goto(f"{live_server.url}/lessons/{longer_lesson.pk}/")
    other.wait_for_function("() => document.getElementById('player')?.readyState >= 1")
    other.evaluate("() => { const v = document.getElementById('player'); v.muted = true; v.play().catch(() => {}); }")
    expect(other.locator("#player-notice")).to_be_visible()
    other.wait_for_function("() => document.getElementById('player')?.paused")
    assert Heartbeat.objects.filter(member=member, lesson=longer_lesson, rejected="other_tab").exists()
    assert not page.evaluate("document.getElementById('player').paused")


FORGED_BEATS = """async ([count, start]) => {
  const csrf = document.cookie.match(/csrftoken=([^;]+)/)[1];
  const url = JSON.parse(document.getElementById('player-state').textContent).heartbeat_url;
  for (let i = 1; i <= count; i++) {
    await fetch(url, {method: 'POST', headers: {'Content-Type': 'application/json', 'X-CSRFToken': csrf},
      body: JSON.stringify({tab: 'console', position: start + 1.9 * i, playing: true, rate: 1})});
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}"""


@pytest.fixture
def minute_lesson(transactional_db, tree, tmp_path, processed_once):
    point_rules_ensure_defaults()
    made = videos.lesson_create(title="党纪学习（必修）", unit=tree["gz"], required=True, published=True)
    videos.lesson_attach_file(lesson=made, path=make_clip(tmp_path / "minute.mp4", seconds=60, size="320x180"))
    return videos.lesson_process(lesson_id=made.pk)


def test_the_console_seek_trick_and_forged_beats_earn_no_more_than_the_wall_clock(
    live_server, minute_lesson, tree, page_factory, screenshot, settings
):
    settings.LESSON_HEARTBEAT_S = 1
    lesson = minute_lesson
    assert lesson.status == "ready", lesson.failure
    member = factories.member(tree["gz1"], username="cheater", password=django_settings.DEMO_PASSWORD)
    page = page_factory()
    sign_in(page, live_server.url, "cheater")
    page.goto(f"{live_server.url}/lessons/{lesson.pk}/")
    page.wait_for_function("() => document.getElementById('player')?.readyState >= 1")
    page.evaluate("() => { const v = document.getElementById('player'); v.muted = true; return v.play(); }")
    page.wait_for_function("() => document.getElementById('player')?.currentTime > 0.3")
    # One console line, as reported: 1.9 s ahead every 150 ms (about 13x).
    page.evaluate(
        "() => { const v = document.getElementById('player'); window.tricks = 0;"
        " window.trick = setInterval(() => { v.currentTime += 1.9; window.tricks += 1; }, 150); }"
    )
    page.wait_for_function("() => window.tricks >= 30")
    page.evaluate("() => { clearInterval(window.trick); document.getElementById('player').pause(); }")
    wait_for_beat(member, lesson, playing=False, received_at__gt=timezone.now() - timedelta(seconds=1))
    progress = WatchProgress.objects.get(member=member, lesson=lesson)
    credited_within_the_wall_clock(member, lesson)
    assert float(progress.furthest_s) <= page.evaluate("document.getElementById('player').currentTime") + 0.5
    assert not page.locator("#player-notice").is_hidden()
    screenshot(page, "lesson-player-seek-trick")

    # The same from the console without the player: 1.9 s of video every 150 ms, posted directly.
    page.evaluate(FORGED_BEATS, [30, float(progress.furthest_s)])
    credited_within_the_wall_clock(member, lesson)
    progress.refresh_from_db()
    assert progress.completed_at is None and not StudyCredit.objects.filter(member=member).exists()


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
    # Bad input first: no file at all says so (the button did nothing), an empty file is refused
    # before anything is sent.
    page.click("#upload-button")
    assert "请先选择视频文件" in page.locator("#upload-message").inner_text()
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    page.set_input_files("#video-file", str(empty))
    page.click("#upload-button")
    assert "空" in page.locator("#upload-message").inner_text()
    # A text file named .mp4 is refused on its last chunk with the reason, and the button works
    # again for the right file (it stayed disabled: only a reload let the organiser try again).
    notes = tmp_path / "notes.mp4"
    notes.write_text("this is not a video\n")
    page.set_input_files("#video-file", str(notes))
    page.click("#upload-button")
    page.wait_for_selector("#upload-message.text-danger:has-text('不是可以播放的视频')")
    assert page.locator("#upload-button").is_enabled()
    assert page.locator("#upload-progress").inner_text() == "0%"
    page.set_input_files("#video-file", str(clip))
    page.click("#upload-button")
    page.wait_for_selector("#upload-message.text-success", timeout=90_000)
    assert page.locator("#upload-progress").inner_text() == "100%"
    assert "bg-success" in page.locator("#process-progress").get_attribute("class")  # not left yellow
    # All sent: the bar's label says so, and the draft's words lead to its preview and settings.
    assert page.locator("#upload-label").inner_text() == "已上传"
    lesson = Lesson.objects.get(title="第三讲：上传测试")
    expect(page.locator("#upload-next")).to_be_visible()
    assert page.locator("#upload-next-preview").get_attribute("href") == f"/lessons/{lesson.pk}/"
    assert page.locator("#upload-next-settings").get_attribute("href") == f"/lessons/{lesson.pk}/settings/"
    assert page.locator("#upload-next-settings").inner_text().strip() == "设置（在此发布）"
    screenshot(page, "lesson-upload")
    from lessons.models import Upload

    lesson.refresh_from_db()
    last_upload = Upload.objects.filter(lesson=lesson).latest("created_at")
    assert lesson.status == "ready" and last_upload.received == clip.stat().st_size


def test_an_organisers_lesson_tables_read_in_words_on_a_phone(
    live_server, transactional_db, tree, page_factory, screenshot, settings
):
    """The micro-class list, the series list and a completion report on a 390 px phone: titles
    and unit names broke one character a line beside the buttons; the lists scroll instead, and
    the report's units stack (name, then labelled figures, then the reminder) without scrolling."""
    from lessons.models import Series

    factories.organiser(tree["gz"], username="org", password=django_settings.DEMO_PASSWORD)
    hall = Series.objects.create(slug="hall", title="机关讲堂学习党章系列", unit=tree["gz"])
    made = videos.lesson_create(
        title="学习党章：第一讲（演示）", unit=tree["gz"], series=hall, required=True, published=True
    )
    # A one-minute lesson a member of the first branch watched through: the member table has a row.
    Lesson.objects.filter(pk=made.pk).update(status=Lesson.Status.READY, duration_s=60)
    made.refresh_from_db()
    viewer = factories.member(tree["gz1"], username="viewer", real_name="欧阳学习")
    start = timezone.now() - timedelta(minutes=5)
    for second in range(0, 61, 10):
        at = start + timedelta(seconds=second)
        videos.heartbeat_record(member=viewer, lesson=made, tab="A", position_s=float(second), playing=True, at=at)
    assert StudyCredit.objects.filter(member=viewer, lesson=made).exists()
    page = page_factory(phone=True, locale="zh-CN")
    sign_in(page, live_server.url, "org")
    for url, cell in (
        ("/lessons/manage/", "#lesson-table tbody td:first-child"),
        ("/lessons/series/manage/", "#series-table tbody td:first-child"),
    ):
        page.goto(live_server.url + url)
        box = page.locator(cell).first.bounding_box()
        assert box["width"] >= 150, (url, box)
        screenshot(page, "lesson-tables-phone-" + url.strip("/").replace("/", "-"))
    page.goto(f"{live_server.url}/lessons/{made.pk}/report/")
    lines = page.locator("#unit-completion tbody td:first-child").first.evaluate(
        "cell => { const r = document.createRange(); r.selectNodeContents(cell); return r.getClientRects().length; }"
    )
    assert lines == 1  # 广州特派办 on one line
    card = page.locator(".table-responsive:has(#unit-completion)")
    assert card.evaluate("box => box.scrollWidth <= box.clientWidth"), "the unit table scrolls sideways"
    first = page.locator("#unit-completion tbody tr").first
    expect(first.locator("td[data-label]").first).to_have_attribute("data-label", "应参与人数")  # labelled figures
    remind = first.locator("button")  # the organiser, in 广州特派办 itself, has not finished
    expect(remind).to_be_visible()
    assert remind.bounding_box()["x"] + remind.bounding_box()["width"] <= 390
    # The member table stacks the same way: the name, then its labelled figures, no sideways scroll.
    card = page.locator(".table-responsive:has(#member-completion)")
    assert card.evaluate("box => box.scrollWidth <= box.clientWidth"), "the member table scrolls sideways"
    row = page.locator("#member-completion tbody tr").first
    expect(row.locator("td").first).to_have_text("欧阳学习")
    expect(row.locator("td[data-label]").first).to_have_attribute("data-label", "单位")
    expect(row.locator("td[data-label='学时']")).to_contain_text("学时")
    assert not page.locator("#member-completion thead").is_visible()
    screenshot(page, "lesson-report-phone")
    # On a desktop both are tables again, under their column heads.
    page.set_viewport_size({"width": 1366, "height": 900})
    expect(page.locator("#unit-completion thead")).to_be_visible()
    expect(page.locator("#member-completion thead th").nth(3)).to_have_text("已观看（秒）")
    screenshot(page, "lesson-report-desktop")
    # A long English unit name wraps in its column: the reminders stay inside the card.
    from orgs.models import Unit

    Unit.objects.filter(pk=tree["gz"].pk).update(
        name_en="Guangzhou Resident Office of the National Audit Office, Southern Power Grid Audit Team, Temporary"
    )
    page.context.add_cookies([{"name": django_settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url}])
    page.goto(f"{live_server.url}/lessons/{made.pk}/report/")
    expect(page.locator("#unit-completion thead th").nth(1)).to_have_text("Headcount")
    card = page.locator(".table-responsive:has(#unit-completion)")
    assert card.evaluate("box => box.scrollWidth <= box.clientWidth"), "the unit table scrolls sideways on a desktop"
    screenshot(page, "lesson-report-en-desktop")


def test_the_next_lesson_button_wraps_inside_a_phone_screen(
    live_server, transactional_db, tree, page_factory, screenshot
):
    """On a touch screen buttons keep their width (they do not shrink below their text): the next
    lesson's button, with a long English title, reached 54 px past a 390 px screen."""
    from django.conf import settings as conf

    from lessons.models import Series

    hall = Series.objects.create(slug="hall", title="机关讲堂", title_en="Lecture hall", unit=tree["gz"])
    first, second = (
        videos.lesson_create(title=title, title_en=english, unit=tree["gz"], series=hall, published=True)
        for title, english in (
            ("第一讲", "Lecture one"),
            ("第二讲", "The Party Constitution and the rules of the Party, lecture two"),
        )
    )
    Lesson.objects.filter(pk__in=[first.pk, second.pk]).update(status=Lesson.Status.READY, duration_s=60)
    Lesson.objects.filter(pk=second.pk).update(position=2)
    factories.member(tree["gz1"], username="viewer", password=django_settings.DEMO_PASSWORD)
    page = page_factory(phone=True)
    page.context.add_cookies([{"name": conf.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url}])
    sign_in(page, live_server.url, "viewer")
    page.goto(f"{live_server.url}/lessons/{first.pk}/")
    button = page.locator("#next-lesson")
    expect(button).to_contain_text("lecture two")
    assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") == 0
    box = button.bounding_box()
    assert box["x"] + box["width"] <= 390
    screenshot(page, "lesson-next-button-en-phone")
