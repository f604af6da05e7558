"""Micro-classes: the ffmpeg pipeline, uploads, protected media and counting only what was watched."""

import importlib
import re
import subprocess
from datetime import timedelta
from decimal import Decimal
from io import BytesIO
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import transaction
from django.test import Client
from django.utils import timezone, translation

from lessons.models import Heartbeat, Lesson, PointEvent, Series, StudyCredit, Upload, WatchProgress, WatchSpan
from lessons.services import videos
from lessons.services.points import point_rules_ensure_defaults
from lessons.services.study_rules import default_rule
from lessons.services.videos import LessonRejected
from lessons.views.videos import _resume_at
from orgs.models import User
from tests import factories
from tests.lessons.videos import ffmpeg_steps_once, make_clip, need_ffmpeg
from tests.spreadsheets import FORMULA, assert_written_as_text


@pytest.fixture
def tree(module_tree):
    """`tree`, built once for this file's rolled-back tests (tests/conftest.py `module_tree`)."""
    return module_tree


@pytest.fixture(scope="session")
def clip(tmp_path_factory):
    return make_clip(tmp_path_factory.mktemp("clips") / "clip.mp4")


def processed_lesson(tree, clip):
    lesson = videos.lesson_create(title="党章第一讲", unit=tree["gz"], required=True, published=True)
    videos.lesson_attach_file(lesson=lesson, path=clip)
    return videos.lesson_process(lesson_id=lesson.pk)


@pytest.fixture
def ready_lesson(tree, clip, processed_once):
    """A processed lesson, ffmpeg's part of it done once a session (tests/lessons/videos.py)."""
    return processed_lesson(tree, clip)


def test_pipeline_makes_poster_faststart_mp4_and_hls_and_is_idempotent(tree, clip, settings):
    lesson = processed_lesson(tree, clip)  # ffmpeg for real, every time
    assert lesson.status == "ready" and 5.9 <= float(lesson.duration_s) <= 6.2
    media = Path(settings.MEDIA_ROOT)
    assert (media / lesson.poster).read_bytes()[:2] == b"\xff\xd8"  # JPEG
    mp4 = (media / lesson.mp4).read_bytes()
    assert mp4.index(b"moov") < mp4.index(b"mdat")  # faststart: the index comes first
    master = (media / lesson.hls).read_text()
    assert [r["name"] for r in lesson.renditions] == ["360p"] and "360p.m3u8" in master
    assert list((media / f"lessons/{lesson.pk}/hls").glob("360p_*.ts"))
    assert videos.lesson_process(lesson_id=lesson.pk).status == "ready"  # twice: nothing changes


def test_a_lesson_processed_once_a_session_is_as_one_processed_for_real(tree, clip, settings, monkeypatch):
    """`processed_once` (tests/lessons/videos.py): the same row and files as ffmpeg's own run."""

    def made(lesson):
        folder = Path(settings.MEDIA_ROOT) / f"lessons/{lesson.pk}"
        files = sorted(str(path.relative_to(folder)) for path in folder.rglob("*") if path.is_file())
        fields = (lesson.status, lesson.progress, lesson.failure, lesson.duration_s, lesson.renditions)
        paths = [str(path).replace(f"lessons/{lesson.pk}/", "") for path in (lesson.poster, lesson.mp4, lesson.hls)]
        return fields, paths, files

    real = made(processed_lesson(tree, clip))
    assert real[0][0] == "ready" and "hls/360p_0000.ts" in real[2]
    ffmpeg_steps_once(monkeypatch)
    kept, copied = made(processed_lesson(tree, clip)), made(processed_lesson(tree, clip))  # copied: from what was kept
    assert kept == real and copied == real


@pytest.mark.parametrize(
    ("content", "code"),
    [(b"", "empty"), (b"this is a text file, not a video\n" * 40, "not_a_video")],
    ids=["zero-length", "text-renamed-mp4"],
)
def test_files_that_are_not_videos_fail_with_a_reason(tree, tmp_path, content, code):
    need_ffmpeg()
    fake = tmp_path / "lecture.mp4"
    fake.write_bytes(content)
    lesson = videos.lesson_attach_file(lesson=videos.lesson_create(title="x", unit=tree["gz"]), path=fake)
    lesson = videos.lesson_process(lesson_id=lesson.pk)
    assert lesson.status == "failed"
    assert {"empty": "empty", "not_a_video": "not a playable video"}[code] in lesson.failure
    assert str(tmp_path) not in lesson.failure  # ffprobe's message names the server's path


def test_a_failed_lesson_says_why_in_the_organisers_language(tree, gz_organiser):
    lesson = videos.lesson_create(title="党章第一讲", unit=tree["gz"])
    Lesson.objects.filter(pk=lesson.pk).update(
        status="failed", failure="it is not a playable video; upload an MP4, MOV or other common video file"
    )
    client = Client()
    client.force_login(gz_organiser)
    client.cookies["django_language"] = "zh-hans"
    assert "不是可以播放的视频" in client.get("/lessons/manage/").text
    assert "不是可以播放的视频" in client.get(f"/lessons/{lesson.pk}/settings/").text
    assert client.get(f"/lessons/{lesson.pk}/status.json").json()["failure"].startswith("不是可以播放的视频")


def test_without_ffmpeg_processing_fails_saying_so(tree, clip, monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    lesson = videos.lesson_attach_file(lesson=videos.lesson_create(title="x", unit=tree["gz"]), path=clip)
    lesson = videos.lesson_process(lesson_id=lesson.pk)
    assert lesson.status == "failed" and "ffprobe and ffmpeg is not installed" in lesson.failure


def test_subtitles_must_be_webvtt(tree):
    from django.core.exceptions import ValidationError
    from django.core.files.uploadedfile import SimpleUploadedFile

    lesson = videos.lesson_create(title="x", unit=tree["gz"])
    lesson.subtitles = SimpleUploadedFile("zh.vtt", "1\n00:00:01,000 --> 00:00:02,000\n你好\n".encode())
    with pytest.raises(ValidationError, match="WEBVTT"):
        lesson.full_clean()
    lesson.subtitles = SimpleUploadedFile("zh.vtt", "WEBVTT\n\n00:01.000 --> 00:02.000\n你好\n".encode())
    lesson.full_clean()


def test_a_truncated_video_fails_as_damaged(tree, tmp_path, clip):
    # Index first (faststart), so the header still reads and only the missing end gives it away.
    whole = tmp_path / "whole.mp4"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-i", str(clip), "-c", "copy", "-movflags", "+faststart", str(whole)],
        check=True,
        timeout=60,
    )
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    lesson = videos.lesson_attach_file(lesson=videos.lesson_create(title="x", unit=tree["gz"]), path=cut)
    lesson = videos.lesson_process(lesson_id=lesson.pk)
    assert lesson.status == "failed" and "damaged or cut short" in lesson.failure


def test_import_lesson_command_prints_json_and_refuses_a_non_video(tree, clip, tmp_path, capsys):
    import json

    Series.objects.create(slug="jiangtang", title="机关讲堂", unit=tree["audit"])
    call_command("import_lesson", str(clip), "--series", "jiangtang", "--title", "第一讲", "--json")
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert set(summary) == {"lesson", "duration_s", "poster", "renditions", "published"}
    assert summary["renditions"] == ["360p"] and summary["published"] is False
    text = tmp_path / "notes.mp4"
    text.write_text("not a video")
    with pytest.raises(CommandError, match="not a playable video"):
        call_command("import_lesson", str(text), "--series", "jiangtang", "--title", "坏文件")
    assert Lesson.objects.count() == 1


def test_an_imported_lesson_is_a_draft_like_one_made_on_the_pages_unless_published(tree, clip, capsys, processed_once):
    Series.objects.create(slug="jiangtang", title="机关讲堂", unit=tree["audit"])
    call_command("import_lesson", str(clip), "--series", "jiangtang", "--title", "草稿")
    assert "a draft: publish it in its Settings, or import with --publish" in capsys.readouterr().out
    call_command("import_lesson", str(clip), "--series", "jiangtang", "--title", "旧脚本", "--draft")
    call_command("import_lesson", str(clip), "--series", "jiangtang", "--title", "发布", "--publish")
    assert capsys.readouterr().out.strip().splitlines()[-1].endswith("; published")
    assert dict(Lesson.objects.values_list("title", "publication")) == {
        "草稿": Lesson.Publication.DRAFT,
        "旧脚本": Lesson.Publication.DRAFT,
        "发布": Lesson.Publication.PUBLISHED,
    }
    member = factories.member(tree["gz1"])
    assert list(Lesson.objects.filter(videos.lessons_visible_q(member)).values_list("title", flat=True)) == ["发布"]
    with pytest.raises(CommandError, match="not allowed with argument"):
        call_command("import_lesson", str(clip), "--series", "jiangtang", "--title", "两者", "--draft", "--publish")


def test_upload_resumes_from_the_servers_offset_and_refuses_oversize_and_empty(tree, clip, settings):
    organiser = factories.organiser(tree["gz"], username="org")
    lesson = videos.lesson_create(title="上传", unit=tree["gz"])
    data = clip.read_bytes()
    with pytest.raises(LessonRejected) as too_large:
        videos.upload_start(lesson=lesson, filename="big.mp4", size=settings.LESSON_UPLOAD_MAX_BYTES + 1, by=organiser)
    assert too_large.value.code == "too_large" and "2049" in too_large.value.message
    with pytest.raises(LessonRejected) as empty:
        videos.upload_start(lesson=lesson, filename="none.mp4", size=0, by=organiser)
    assert empty.value.code == "empty"
    upload = videos.upload_start(lesson=lesson, filename="clip.mp4", size=len(data), by=organiser)
    half = len(data) // 2
    videos.upload_append(upload=upload, start=0, chunk=data[:half])
    with pytest.raises(LessonRejected) as gap:  # a chunk sent again after a lost reply
        videos.upload_append(upload=upload, start=0, chunk=data[:half])
    assert gap.value.code == "wrong_offset" and gap.value.extra["received"] == half
    videos.upload_append(upload=upload, start=half, chunk=data[half:])
    upload.refresh_from_db()
    lesson.refresh_from_db()
    assert upload.completed_at and lesson.status in ("processing", "ready")
    assert (Path(settings.MEDIA_ROOT) / lesson.source).read_bytes() == data


def test_a_first_upload_that_is_no_video_leaves_the_lesson_failed_saying_why_and_ready_for_another(
    client, tree, clip, settings, processed_once
):
    """It stayed "Draft · Uploading" for ever: the upload page said the file could not be used,
    the lesson kept status 'uploading' and no reason."""
    organiser = factories.organiser(tree["gz"], username="org")
    lesson = videos.lesson_create(title="党章第二讲", unit=tree["gz"], description="第二讲的简介", required=True)
    junk = bytes(range(256)) * 64  # 16 kB of every byte value in turn, named .mp4
    upload = videos.upload_start(lesson=lesson, filename="第二讲.mp4", size=len(junk), by=organiser)
    with translation.override("en"), pytest.raises(LessonRejected) as refused:
        videos.upload_append(upload=upload, start=0, chunk=junk)
    # One colon: the reason's own instruction follows a semicolon.
    assert refused.value.message == (
        "This video cannot be used: it is not a playable video; upload an MP4, MOV or other common video file."
    )
    lesson.refresh_from_db()
    assert (lesson.status, lesson.failure, lesson.source) == (
        "failed",
        "it is not a playable video; upload an MP4, MOV or other common video file",
        "",
    )
    assert (lesson.title, lesson.description, lesson.required, lesson.unit) == (
        "党章第二讲",
        "第二讲的简介",
        True,
        tree["gz"],
    )
    assert not list((Path(settings.MEDIA_ROOT) / "uploads").glob("*.part"))

    client.force_login(organiser)
    client.cookies["django_language"] = "zh-hans"
    listed = client.get("/lessons/manage/").text
    row = re.search(rf"<tr[^>]*>(?:(?!</tr>).)*{lesson.title}(?:(?!</tr>).)*</tr>", listed, re.S).group(0)
    assert "失败" in row and "上传中" not in row
    assert "不是可以播放的视频，请上传 MP4、MOV 等常见格式的视频文件" in row
    assert f'href="/lessons/{lesson.pk}/upload/"' in row  # upload again from the list
    again = client.get(f"/lessons/{lesson.pk}/upload/").text
    assert "上次上传的视频无法使用：不是可以播放的视频，请上传 MP4、MOV 等常见格式的视频文件。" in again

    data = clip.read_bytes()
    upload = videos.upload_start(lesson=lesson, filename="第二讲.mp4", size=len(data), by=organiser)
    videos.upload_append(upload=upload, start=0, chunk=data)
    lesson.refresh_from_db()
    assert (lesson.status, lesson.failure) == ("processing", "")
    assert videos.lesson_process(lesson_id=lesson.pk).status == "ready"
    assert "上次上传的视频无法使用" not in client.get(f"/lessons/{lesson.pk}/upload/").text


# ---------------------------------------------------------------- watching


@pytest.fixture
def watcher(tree):
    point_rules_ensure_defaults()
    return factories.member(tree["gz1"], username="viewer")


def beat(member, lesson, at, position, *, tab="A", playing=True, rate=1.0):
    return videos.heartbeat_record(
        member=member, lesson=lesson, tab=tab, position_s=position, playing=playing, rate=rate, at=at
    )


def test_watching_through_counts_unique_seconds_and_completes_once(ready_lesson, watcher):
    t0 = timezone.now()
    for second in range(0, 7, 2):  # 0, 2, 4, 6 played in real time
        beat(watcher, ready_lesson, t0 + timedelta(seconds=second), min(second, 6.0))
    progress = WatchProgress.objects.get(member=watcher, lesson=ready_lesson)
    assert float(progress.watched_s) == 6.0 and progress.completed_at is not None
    # Watching again adds no unique seconds, no second credit, no second points.
    for second in range(0, 7, 2):
        beat(watcher, ready_lesson, t0 + timedelta(seconds=20 + second), min(second, 6.0))
    progress.refresh_from_db()
    assert float(progress.watched_s) == 6.0
    assert StudyCredit.objects.get(member=watcher, lesson=ready_lesson).hours == Decimal("0.25")
    assert PointEvent.objects.filter(member=watcher, activity="video_complete").count() == 1


def test_the_upload_page_of_a_processed_lesson_says_it_is_ready_and_leads_back(client, ready_lesson, tree):
    client.force_login(factories.organiser(tree["gz"], username="org"))
    page = client.get(f"/lessons/{ready_lesson.pk}/upload/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'class="progress-bar bg-success" id="process-progress" data-percent="100"' in page
    assert '<span id="process-status"> · Ready</span>' in page
    assert f'href="/lessons/{ready_lesson.pk}/settings/"' in page and "Replace the video" in page


def test_a_new_video_restarts_unfinished_progress_and_keeps_completions(client, ready_lesson, watcher, tree):
    finisher = factories.member(tree["gz1"], username="finisher")
    t0 = timezone.now()
    for second in range(0, 7, 2):  # the whole 6 s
        beat(finisher, ready_lesson, t0 + timedelta(seconds=second), float(second))
    for second in (0, 2, 4):  # 4 s of 6: not finished
        beat(watcher, ready_lesson, t0 + timedelta(seconds=second), float(second), tab="B")
    organiser = factories.organiser(tree["gz"], username="org")
    client.force_login(organiser)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    warning = client.get(f"/lessons/{ready_lesson.pk}/upload/").content.decode()
    assert "1 member has watched part of it" in warning and "1 member who finished it keeps" in warning

    data = (Path(settings.MEDIA_ROOT) / ready_lesson.source).read_bytes()
    upload = videos.upload_start(lesson=ready_lesson, filename="v2.mp4", size=len(data), by=organiser)
    videos.upload_append(upload=upload, start=0, chunk=data)

    partial = WatchProgress.objects.get(member=watcher, lesson=ready_lesson)
    assert (partial.intervals, float(partial.watched_s), float(partial.furthest_s)) == ([], 0.0, 0.0)
    assert float(partial.spent_s) == 4.0  # time on the page is a fact: it stays
    done = WatchProgress.objects.get(member=finisher, lesson=ready_lesson)
    assert float(done.watched_s) == 6.0 and done.completed_at is not None
    assert StudyCredit.objects.filter(member=finisher, lesson=ready_lesson).count() == 1
    assert not StudyCredit.objects.filter(member=watcher).exists()


def test_a_heartbeat_that_jumps_to_the_end_earns_nothing(ready_lesson, watcher):
    t0 = timezone.now()
    beat(watcher, ready_lesson, t0, 0)
    result = beat(watcher, ready_lesson, t0 + timedelta(seconds=1), 6.0)  # 6 s of video in 1 s
    assert result.rejected == "too_fast" and result.credited_s == 0
    progress = WatchProgress.objects.get(member=watcher, lesson=ready_lesson)
    assert float(progress.watched_s) == 0 and progress.completed_at is None


def test_double_speed_counts_but_faster_than_the_rate_does_not(ready_lesson, watcher):
    t0 = timezone.now()
    beat(watcher, ready_lesson, t0, 0, rate=2)
    assert beat(watcher, ready_lesson, t0 + timedelta(seconds=2), 4.0, rate=2).credited_s == 4.0
    assert beat(watcher, ready_lesson, t0 + timedelta(seconds=2.5), 6.0, rate=1).rejected == ""  # 2 s in 0.5 s + slack
    beat(watcher, ready_lesson, t0 + timedelta(seconds=3), 0, rate=1)  # seek back: nothing credited
    assert beat(watcher, ready_lesson, t0 + timedelta(seconds=3.5), 5.0).rejected == "too_fast"


def test_a_second_tab_is_refused_while_the_first_plays_and_may_take_over_later(ready_lesson, watcher, settings):
    t0 = timezone.now()
    beat(watcher, ready_lesson, t0, 0, tab="A")
    assert beat(watcher, ready_lesson, t0 + timedelta(seconds=2), 2.0, tab="B").rejected == "other_tab"
    assert Heartbeat.objects.filter(tab="B", rejected="other_tab").count() == 1
    later = t0 + timedelta(seconds=settings.LESSON_TAB_TIMEOUT_S + 5)
    assert beat(watcher, ready_lesson, later, 0, tab="B").rejected == ""


def test_positions_outside_the_video_are_refused(ready_lesson, watcher):
    with pytest.raises(LessonRejected) as refused:
        beat(watcher, ready_lesson, timezone.now(), 500)
    assert refused.value.code == "bad_position"


def test_intervals_merge():
    assert videos.merge([[0, 2], [5, 6]], 1.5, 5.0) == [[0, 6]]
    assert videos.merge([[0, 2]], 3, 4) == [[0, 2], [3, 4]]
    # The player reports to the hundredth: a first beat at 0.01 s under load is watched from 0.
    assert videos.merge([], 0.01, 5.0) == [[0.0, 5.0]]
    assert videos.merge([[3, 4]], 0.01, 1.0) == [[0.0, 1.0], [3, 4]]
    assert videos.merge([], 0.02, 5.0) == [[0.02, 5.0]]


# ---------------------------------------------------------------- heartbeats sent as a cheater would


def ten_minute_lesson(unit, *, required: bool = True, title: str = "十分钟必修课", **extra) -> Lesson:
    """A ready, published 600 s lesson without media: the heartbeat service needs only its duration."""
    extra.setdefault("published", True)
    lesson = videos.lesson_create(title=title, unit=unit, required=required, **extra)
    Lesson.objects.filter(pk=lesson.pk).update(status=Lesson.Status.READY, duration_s=Decimal("600.00"))
    lesson.refresh_from_db()
    return lesson


class Cheater:
    """Sends heartbeats on a clock it controls and checks, after every one, that all the video
    credited to the member is within the wall clock since the first beat x the allowed rate."""

    def __init__(self, member):
        self.member = member
        self.t0 = timezone.now()
        self.now = 0.0

    def beat(self, lesson, position, *, after=0.0, tab="A", playing=True, rate=1.0):
        self.now += after
        result = beat(
            self.member, lesson, self.t0 + timedelta(seconds=self.now), position, tab=tab, playing=playing, rate=rate
        )
        assert self.credited() <= self.now * 2 + videos.SLACK_S
        return result

    def credited(self) -> float:
        return sum(float(p.watched_s) for p in WatchProgress.objects.filter(member=self.member))


def test_back_to_back_beats_share_one_slack_for_the_whole_span(tree, watcher):
    lesson = ten_minute_lesson(tree["gz"], required=False)
    cheater = Cheater(watcher)
    cheater.beat(lesson, 0)
    for step in range(1, 301):  # 2 s of video every 10 ms: 600 s in 3 s of wall clock
        cheater.beat(lesson, step * 2.0, after=0.01)
    progress = WatchProgress.objects.get(member=watcher, lesson=lesson)
    assert float(progress.watched_s) <= 3 * 2 + videos.SLACK_S
    assert progress.completed_at is None and not StudyCredit.objects.exists()


def test_a_claimed_rate_of_10x_is_judged_by_the_wall_clock(tree, watcher):
    lesson = ten_minute_lesson(tree["gz"], required=False)
    cheater = Cheater(watcher)
    cheater.beat(lesson, 0, rate=10)
    for step in range(1, 61):  # 4 s of video each second: the old per-beat slack let this through
        cheater.beat(lesson, step * 4.0, after=1, rate=10)
    assert float(WatchProgress.objects.get(member=watcher, lesson=lesson).watched_s) <= 60 * 2 + videos.SLACK_S
    assert Heartbeat.objects.filter(rate=10).count() == 61  # the claim is kept as evidence


def test_an_honest_double_speed_viewer_completes_in_half_the_duration(tree, watcher):
    lesson = ten_minute_lesson(tree["gz"])
    cheater = Cheater(watcher)
    cheater.beat(lesson, 0, rate=2)
    for step in range(1, 31):
        result = cheater.beat(lesson, step * 20.0, after=10, rate=2)
        assert result.rejected == ""
    progress = WatchProgress.objects.get(member=watcher, lesson=lesson)
    assert float(progress.watched_s) == 600 and progress.completed_at is not None
    assert float(progress.spent_s) == 300


def test_a_refused_jump_changes_nothing_and_watching_does_not_continue_from_it(tree, watcher):
    lesson = ten_minute_lesson(tree["gz"], required=False)
    cheater = Cheater(watcher)
    cheater.beat(lesson, 0)
    cheater.beat(lesson, 10, after=10)
    assert cheater.beat(lesson, 590, after=1).rejected == "too_fast"
    progress = WatchProgress.objects.get(member=watcher, lesson=lesson)
    assert float(progress.last_position_s) == 10 and progress.intervals == [[0, 10]]
    assert float(WatchSpan.objects.get(member=watcher).last_beat_position_s) == 10
    assert cheater.beat(lesson, 600, after=10).rejected == "too_fast"  # 590 s in 21 s
    progress.refresh_from_db()
    assert progress.intervals == [[0, 10]] and progress.completed_at is None


def test_skipping_ahead_on_a_required_lesson_credits_nothing_past_the_gapless_stretch(tree, watcher):
    required = ten_minute_lesson(tree["gz"], required=True)
    cheater = Cheater(watcher)
    cheater.beat(required, 0)
    cheater.beat(required, 10, after=10)
    cheater.beat(required, 300, after=0.5, playing=False)  # a seek reported while paused: an anchor
    cheater.beat(required, 300, after=0.5)
    assert cheater.beat(required, 310, after=10).rejected == "skipped"
    progress = WatchProgress.objects.get(member=watcher, lesson=required)
    assert progress.intervals == [[0, 10]] and float(progress.furthest_s) == 10
    # Going back to where the stretch ends carries on counting.
    cheater.beat(required, 10, after=0.5, playing=False)
    cheater.beat(required, 10, after=0.5)
    assert cheater.beat(required, 20, after=10).credited_s == 10
    progress.refresh_from_db()
    assert float(progress.furthest_s) == 20


def test_a_required_lesson_bridges_a_players_nudge_of_under_a_second_from_the_stretch_end(tree, watcher):
    required = ten_minute_lesson(tree["gz"], required=True)
    cheater = Cheater(watcher)
    cheater.beat(required, 0)
    cheater.beat(required, 10, after=10, playing=False)
    cheater.beat(required, 10.3, after=0.1)  # the stream nudged past a gap while seeking
    assert cheater.beat(required, 20, after=10).credited_s == 10
    assert WatchProgress.objects.get(member=watcher, lesson=required).intervals == [[0, 20]]
    cheater.beat(required, 25, after=0.5, playing=False)  # a seek 5 s ahead: an anchor, no credit
    cheater.beat(required, 25, after=0.1)
    assert cheater.beat(required, 35, after=10).rejected == "skipped"


@pytest.mark.parametrize("required", [True, False])
def test_pausing_and_playing_again_keeps_one_watched_stretch(tree, watcher, required):
    """Chromium paused at 5.196 s reports 5.21 s in the beat of the "play" after it: 0.014 s on."""
    lesson = ten_minute_lesson(tree["gz"], required=required)
    cheater = Cheater(watcher)
    cheater.beat(lesson, 0, playing=False)
    cheater.beat(lesson, 0)
    assert cheater.beat(lesson, 5.196, after=5.2, playing=False).credited_s == 5.196
    cheater.beat(lesson, 5.21, after=1)
    # Credited from where the stretch ends: 10.21 - 5.196 = 5.014 s.
    assert cheater.beat(lesson, 10.21, after=5).credited_s == pytest.approx(5.014)
    assert cheater.beat(lesson, 15.21, after=5).rejected == ""
    progress = WatchProgress.objects.get(member=watcher, lesson=lesson)
    assert progress.intervals == [[0.0, 15.21]]
    assert float(progress.watched_s) == 15.21 and float(progress.furthest_s) == 15.21


def test_resuming_a_required_lesson_after_a_reload_continues_the_stretch(tree, watcher, settings):
    """The page resumes at the stored 11.92 s and the browser plays on from 11.93 s; the stretch
    ended at 11.919924 s."""
    required = ten_minute_lesson(tree["gz"], required=True)
    cheater = Cheater(watcher)
    cheater.beat(required, 0)
    cheater.beat(required, 11.919924, after=12, playing=False)
    cheater.now += settings.LESSON_TAB_TIMEOUT_S  # the reloaded page is a new span
    cheater.beat(required, 11.93, tab="B", playing=False)
    cheater.beat(required, 11.93, tab="B", after=1)
    assert cheater.beat(required, 16.93, tab="B", after=5).rejected == ""
    assert cheater.beat(required, 21.93, tab="B", after=5).rejected == ""
    progress = WatchProgress.objects.get(member=watcher, lesson=required)
    assert progress.intervals == [[0.0, 21.93]] and float(progress.furthest_s) == 21.93


def test_the_stretch_from_the_start_reads_across_the_small_gaps_the_old_player_left():
    assert videos.gapless_end([[0.0, 11.92], [12.02, 30.0]]) == 30.0
    assert videos.gapless_end([[0.25, 40.0]]) == 40.0  # the first beat 0.25 s in
    assert videos.gapless_end([[0.0, 10.0], [10.25, 20.0], [20.3, 25.0]]) == 20.0
    assert videos.gapless_end([[0.3, 5.0]]) == 0.0
    assert videos.gapless_end([]) == 0.0


def test_stretches_split_by_the_old_player_resume_where_they_end_and_play_on(tree, watcher, settings):
    """Stored before the fix: a required lesson's stretches split 0.1 s apart at 11.92 s
    (furthest 11.92 s, last at 30 s), another's 0.3 s apart at 10 s (last at 20 s), a third's
    started 0.25 s in (furthest 0). Migration lessons 0032 reads the ends again: 30, 10 and 40 s.
    The first resumes at 30 s, and 5 s played on from there are credited: 11.92 + (35 - 12.02)
    = 34.90 s watched, the gap still not counted. The second's gap is wider than `RESUME_GAP_S`:
    it resumes at 10 s, and playing on from 20 s is refused as skipped."""
    split = ten_minute_lesson(tree["gz"], title="分段课")
    wide = ten_minute_lesson(tree["gz"], title="宽缝课")
    late = ten_minute_lesson(tree["gz"], title="迟起课")
    stored = {
        split: ([[0.0, 11.92], [12.02, 30.0]], "29.90", "11.92", "30"),
        wide: ([[0.0, 10.0], [10.3, 20.0]], "19.70", "10", "20"),
        late: ([[0.25, 40.0]], "39.75", "0", "40"),
    }
    cheater = Cheater(watcher)
    for lesson, (intervals, watched, furthest, last) in stored.items():
        cheater.beat(lesson, 0)
        cheater.now += settings.LESSON_TAB_TIMEOUT_S
        WatchProgress.objects.filter(member=watcher, lesson=lesson).update(
            intervals=intervals, watched_s=Decimal(watched), furthest_s=Decimal(furthest), last_position_s=Decimal(last)
        )
    migration = importlib.import_module("lessons.migrations.0032_watch_progress_furthest_across_small_gaps")
    migration.read_furthest_across_small_gaps(apps, None)
    progress = {p.lesson: p for p in WatchProgress.objects.filter(member=watcher)}
    assert [float(progress[lesson].furthest_s) for lesson in (split, wide, late)] == [30.0, 10.0, 40.0]
    assert [_resume_at(lesson, progress[lesson]) for lesson in (split, wide, late)] == [30.0, 10.0, 40.0]

    cheater.beat(split, 30, tab="B", playing=False)
    cheater.beat(split, 30, tab="B", after=1)
    played = cheater.beat(split, 35, tab="B", after=5)
    assert (played.rejected, played.credited_s) == ("", 5.0)
    split_progress = WatchProgress.objects.get(member=watcher, lesson=split)
    assert split_progress.intervals == [[0.0, 11.92], [12.02, 35.0]]
    assert (split_progress.watched_s, split_progress.furthest_s) == (Decimal("34.90"), Decimal("35.00"))

    cheater.now += settings.LESSON_TAB_TIMEOUT_S
    cheater.beat(wide, 20, tab="C", playing=False)
    cheater.beat(wide, 20, tab="C", after=1)
    assert cheater.beat(wide, 25, tab="C", after=5).rejected == "skipped"


@pytest.mark.parametrize("required", [True, False])
def test_hopping_a_little_ahead_after_every_pause_gains_nothing_beyond_the_wall_clock(tree, watcher, required):
    """A gap continued from its end is credited like watching: hopping 0.24 s ahead (within
    `RESUME_GAP_S`) after each pause and playing 0.01 s gains no free video (the `Cheater`
    checks the budget after every beat); the budget refuses the hops once it is spent."""
    lesson = ten_minute_lesson(tree["gz"], required=required)
    cheater = Cheater(watcher)
    cheater.beat(lesson, 0)
    position, refused = 0.0, 0
    step = 1 / 64  # a binary fraction: the wall clock adds up exactly
    for _ in range(128):  # 128 x 0.25 s = 32 s of video claimed in 128 x 3/64 s = 6 s
        cheater.beat(lesson, position, after=step, playing=False)
        cheater.beat(lesson, position + 0.24, after=step)
        result = cheater.beat(lesson, position + 0.25, after=step)
        refused += result.rejected == "too_fast"
        position = float(WatchProgress.objects.get(member=watcher, lesson=lesson).intervals[0][1])
    # 6 s x 2 + 2 s of slack: at most 14 s credited, so at least (32 - 14) / 0.25 = 72 hops refused.
    assert cheater.credited() <= 14 and refused >= 72


def test_a_lesson_that_is_not_required_counts_what_is_watched_after_a_seek(tree, watcher):
    lesson = ten_minute_lesson(tree["gz"], required=False)
    cheater = Cheater(watcher)
    cheater.beat(lesson, 0)
    cheater.beat(lesson, 300, after=0.5, playing=False)
    cheater.beat(lesson, 300, after=0.5)
    assert cheater.beat(lesson, 310, after=10).credited_s == 10
    progress = WatchProgress.objects.get(member=watcher, lesson=lesson)
    assert progress.intervals == [[300, 310]] and float(progress.furthest_s) == 0


def test_one_member_plays_one_lesson_at_a_time(tree, watcher, settings):
    first = ten_minute_lesson(tree["gz"], title="第一课")
    second = ten_minute_lesson(tree["gz"], title="第二课")
    cheater = Cheater(watcher)
    cheater.beat(first, 0, tab="A")
    cheater.beat(second, 0, tab="B", after=0.1)
    for step in range(1, 31):
        cheater.beat(first, step * 10.0, tab="A", after=5)
        assert cheater.beat(second, step * 20.0, tab="B", after=5).rejected == "other_lesson"
    assert not WatchProgress.objects.filter(lesson=second).exists()  # a refused beat changes nothing
    assert Heartbeat.objects.filter(lesson=second, rejected="other_lesson").count() == 31
    # Paused in one place, the member may go on in the other: the span (and its budget) continues.
    cheater.beat(first, 300, tab="A", after=1, playing=False)
    assert cheater.beat(second, 0, tab="B", after=1).rejected == ""
    assert cheater.beat(second, 20, tab="B", after=10).credited_s == 20
    # Silent past the timeout, the other place is free.
    cheater.now += settings.LESSON_TAB_TIMEOUT_S
    assert cheater.beat(first, 0, tab="C").rejected == ""


@pytest.fixture
def committed_tree(transactional_db):
    """`tree` for a transactional test: its own rows, committed (the module's are rolled back first)."""
    return factories.org_tree()


@pytest.mark.django_db(transaction=True)
def test_muted_tabs_of_several_lessons_beating_at_the_same_moment_earn_as_one(committed_tree):
    tree = committed_tree
    from django.db import connection

    from tests.threads import run_together

    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers; the row lock matters on PostgreSQL (CI runs this there)")
    point_rules_ensure_defaults()  # transactional tests start from flushed tables
    member = factories.member(tree["gz1"], username="tabs")
    lessons = [ten_minute_lesson(tree["gz"], title=f"第{n}课") for n in range(6)]
    t0 = timezone.now()

    def play(n, barrier):
        for second in range(0, 60, 10):  # every tab at 1x, beating at the same instants
            barrier.wait()
            beat(member, lessons[n], t0 + timedelta(seconds=second), float(second), tab=f"tab{n}")

    run_together(play, len(lessons))
    credited = [float(p.watched_s) for p in WatchProgress.objects.filter(member=member)]
    assert len([c for c in credited if c]) == 1 and sum(credited) <= 50 * 2 + videos.SLACK_S


def post_beat(client, lesson, position, *, tab="A", playing=True):
    return client.post(
        f"/lessons/{lesson.pk}/heartbeat/", {"tab": tab, "position": position, "playing": playing}, "application/json"
    )


def test_a_member_taken_out_of_the_audience_stops_counting_at_once(client, tree, watcher, clock):
    lesson = ten_minute_lesson(tree["gz"], audience=[tree["gz1"]])
    client.force_login(watcher)
    assert post_beat(client, lesson, 0).status_code == 200
    clock.advance(10)
    assert post_beat(client, lesson, 10).json()["credited_s"] == 10
    lesson.audience.set([tree["gz2"]])
    for step in range(2, 5):
        clock.advance(10)
        refused = post_beat(client, lesson, step * 10)
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "not_in_audience"
    assert client.get(f"/lessons/{lesson.pk}/media/video.mp4").status_code == 403  # the same decision
    assert float(WatchProgress.objects.get(member=watcher, lesson=lesson).watched_s) == 10


def test_a_lesson_whose_window_closed_stops_counting_at_once(client, tree, watcher, clock):
    lesson = ten_minute_lesson(tree["gz"], publish_until=clock.now + timedelta(seconds=15))
    client.force_login(watcher)
    post_beat(client, lesson, 0)
    clock.advance(10)
    assert post_beat(client, lesson, 10).status_code == 200
    clock.advance(10)
    assert post_beat(client, lesson, 20).json()["error"]["code"] == "not_in_audience"
    assert float(WatchProgress.objects.get(member=watcher, lesson=lesson).watched_s) == 10


def test_a_second_lesson_over_http_is_refused_while_the_first_plays(client, tree, watcher, clock):
    first = ten_minute_lesson(tree["gz"], title="第一课")
    second = ten_minute_lesson(tree["gz"], title="第二课")
    client.force_login(watcher)
    post_beat(client, first, 0, tab="A")
    clock.advance(1)
    refused = post_beat(client, second, 0, tab="B")
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "other_lesson"


def test_a_heartbeat_asks_the_audience_in_one_query(client, tree, watcher, clock):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    lesson = ten_minute_lesson(tree["gz"])
    client.force_login(watcher)
    post_beat(client, lesson, 0)
    clock.advance(10)
    with CaptureQueriesContext(connection) as queries:
        assert post_beat(client, lesson, 10).status_code == 200
    statements = [q["sql"] for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]]  # the test's transaction
    # session, user, the member's unit, the lesson with its audience, span lock, progress, fact, two updates
    assert len(statements) <= 9, statements


def test_an_organiser_of_the_lessons_unit_outside_its_audience_may_beat_and_a_missing_lesson_is_404(
    client, tree, clock
):
    lesson = ten_minute_lesson(tree["gz"], audience=[tree["gz1"]])
    client.force_login(factories.organiser(tree["gz"]))
    assert post_beat(client, lesson, 0).status_code == 200
    missing = type(lesson)(pk=lesson.pk + 1000)
    assert post_beat(client, missing, 0).status_code == 404


def test_lessons_shorter_than_the_minimum_earn_no_hours(ready_lesson, watcher, settings):
    settings.LESSON_STUDY_MIN_S = 60
    t0 = timezone.now()
    for second in range(0, 7, 2):
        beat(watcher, ready_lesson, t0 + timedelta(seconds=second), min(second, 6.0))
    assert WatchProgress.objects.get(member=watcher, lesson=ready_lesson).completed_at is not None
    assert not StudyCredit.objects.filter(member=watcher).exists()
    assert default_rule().hours_for(60) == Decimal("0.25") and default_rule().hours_for(59) == 0


# ---------------------------------------------------------------- pages and media


def test_media_and_heartbeats_are_for_the_audience_only(client, ready_lesson, watcher, tree):
    outsider = factories.member(tree["budget"], username="outsider")
    client.force_login(watcher)  # an allowed member first: what is remembered for them is theirs only
    assert (
        client.post(
            f"/lessons/{ready_lesson.pk}/heartbeat/", {"tab": "w", "position": 0}, "application/json"
        ).status_code
        == 200
    )
    client.force_login(outsider)  # another organ's member: the lesson is not there for them
    assert client.get(f"/lessons/{ready_lesson.pk}/media/video.mp4").status_code == 404
    assert client.get(f"/lessons/{ready_lesson.pk}/").status_code == 404
    refused = client.post(f"/lessons/{ready_lesson.pk}/heartbeat/", {"tab": "x", "position": 1}, "application/json")
    assert refused.status_code == 404
    client.force_login(watcher)
    assert client.get(f"/lessons/{ready_lesson.pk}/media/../../settings.py").status_code == 404
    assert client.get(f"/lessons/{ready_lesson.pk}/media/source.mp4").status_code == 404  # the upload stays private
    Lesson.objects.filter(pk=ready_lesson.pk).update(publish_until=timezone.now() - timedelta(minutes=1))
    refused = client.post(f"/lessons/{ready_lesson.pk}/heartbeat/", {"tab": "x", "position": 1}, "application/json")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "not_in_audience"  # closed: told so
    client.logout()
    signed_out = client.post(f"/lessons/{ready_lesson.pk}/heartbeat/", {"tab": "x", "position": 1}, "application/json")
    assert signed_out.status_code == 401 and signed_out.json()["error"]["code"] == "signed_out"
    assert client.get(f"/lessons/{ready_lesson.pk}/media/video.mp4").status_code == 302  # to sign-in


def test_mp4_is_served_in_ranges_in_development_and_through_nginx_in_production(
    client, ready_lesson, watcher, settings
):
    settings.MEDIA_ACCEL_REDIRECT = False
    client.force_login(watcher)
    url = f"/lessons/{ready_lesson.pk}/media/video.mp4"
    partial = client.get(url, HTTP_RANGE="bytes=0-99")
    size = (Path(settings.MEDIA_ROOT) / ready_lesson.mp4).stat().st_size
    assert partial.status_code == 206 and len(partial.content) == 100
    assert partial["Content-Range"] == f"bytes 0-99/{size}"
    assert client.get(url, HTTP_RANGE=f"bytes={size + 10}-").status_code == 416
    playlist = client.get(f"/lessons/{ready_lesson.pk}/media/hls/master.m3u8")
    assert playlist["Content-Type"] == "application/vnd.apple.mpegurl"
    settings.MEDIA_ACCEL_REDIRECT = True
    accel = client.get(url)
    assert accel["X-Accel-Redirect"] == f"/protected-media/lessons/{ready_lesson.pk}/video.mp4" and not accel.content


def test_completion_report_counts_over_the_audience_headcount(client, ready_lesson, watcher, tree):
    t0 = timezone.now()
    for second in range(0, 7, 2):
        beat(watcher, ready_lesson, t0 + timedelta(seconds=second), min(second, 6.0))
    factories.member(tree["gz1"], username="idle")
    organiser = factories.organiser(tree["gz"], username="org")
    client.force_login(organiser)
    page = client.get(f"/lessons/{ready_lesson.pk}/report/")
    rows = {row["unit"].name: row for row in page.context["units"]}
    assert rows["第一党支部"]["headcount"] == 2 and rows["第一党支部"]["completed"] == 1
    assert rows["第一党支部"]["rate"] == 50.0
    export = client.get(f"/lessons/{ready_lesson.pk}/report.xlsx")
    assert export.status_code == 200 and export.content[:2] == b"PK"


def test_completion_report_export_marks_a_watcher_deactivated_since(client, tree):
    """The page badges a deactivated watcher; the xlsx an organiser files said nothing of it."""
    from openpyxl import load_workbook

    lesson = videos.lesson_create(title="离职前看过的课", unit=tree["gz"])
    t0 = timezone.now()
    for username, name in (("stays", "在职学员"), ("left", "已离职学员")):
        member = factories.member(tree["gz1"], username=username, real_name=name)
        WatchProgress.objects.create(
            member=member, lesson=lesson, unit_at_start=tree["gz1"], intervals=[[0, 6]], watched_s=6, started_at=t0
        )
    User.objects.filter(username="left").update(is_active=False)
    client.force_login(factories.organiser(tree["gz"], username="org"))
    book = load_workbook(BytesIO(client.get(f"/lessons/{lesson.pk}/report.xlsx").content))
    people = book.worksheets[1]
    header = [cell.value for cell in people[1]]
    rows = {row[0]: dict(zip(header, row, strict=True)) for row in people.iter_rows(min_row=2, values_only=True)}
    assert rows["已离职学员"]["已停用"] == "是"
    assert rows["在职学员"]["已停用"] in ("", None)
    # The page's badge uses the member list's word (it said "inactive" in English).
    client.cookies["django_language"] = "en"
    page = client.get(f"/lessons/{lesson.pk}/report/").text
    assert page.count('qs-deactivated-badge">deactivated</span>') == 1 and ">inactive<" not in page


def test_completion_report_shows_an_organiser_only_the_units_and_watchers_they_manage(client, tree, clip):
    # An organ-wide lesson made by 广州特派办: its organiser reads their own branches, not 京津冀's
    # headcount or who watched there; the organ's organiser reads every unit.
    lesson = videos.lesson_create(title="全署必修课", unit=tree["gz"], required=True)
    lesson.audience.add(tree["audit"])
    t0 = timezone.now()
    for unit, name in ((tree["gz1"], "广州学员"), (tree["jjj1"], "京津冀学员")):
        member = factories.member(unit, username=name, real_name=name)
        WatchProgress.objects.create(
            member=member, lesson=lesson, unit_at_start=unit, intervals=[[0, 6]], watched_s=6, started_at=t0
        )
    client.force_login(factories.organiser(tree["gz"], username="gz-org"))
    page = client.get(f"/lessons/{lesson.pk}/report/")
    assert [row["unit"].name for row in page.context["units"]] == ["广州特派办", "第一党支部", "第二党支部"]
    assert [p.member.username for p in page.context["members"]] == ["广州学员"]
    assert "京津冀学员" not in page.content.decode()
    client.force_login(factories.organiser(tree["audit"], username="audit-org"))
    page = client.get(f"/lessons/{lesson.pk}/report/")
    assert len(page.context["units"]) == 6
    assert sorted(p.member.username for p in page.context["members"]) == ["京津冀学员", "广州学员"]
    assert {row["unit"].name: row["started"] for row in page.context["units"]}["审计署"] == 2


def test_a_units_reminder_button_says_it_reaches_only_the_members_placed_in_the_unit_itself(client, tree):
    """The demo's report read 广州特派办: 62, 0 completed, and "Remind them (1)": the one is the
    organiser placed in the office itself; its branches' 61 have rows and buttons of their own."""
    lesson = videos.lesson_create(title="必修课", unit=tree["gz"], required=True, published=True)
    organiser = factories.organiser(tree["gz"], username="gz-org")  # placed in 广州特派办 itself
    done = factories.member(tree["gz1"])
    factories.member(tree["gz1"])  # has not finished
    t0 = timezone.now()
    WatchProgress.objects.create(
        member=done,
        lesson=lesson,
        unit_at_start=tree["gz1"],
        intervals=[[0, 6]],
        watched_s=6,
        started_at=t0,
        completed_at=t0 + timedelta(minutes=5),
    )
    client.force_login(organiser)
    page = client.get(f"/lessons/{lesson.pk}/report/", HTTP_ACCEPT_LANGUAGE="en")
    # 广州特派办: the organiser + 2 in 第一党支部 = 3, 1 completed, 2 not: 1 of them in the office.
    assert [
        (row["unit"].name, row["headcount"], row["completed"], row["unfinished"], row["own_unfinished"])
        for row in page.context["units"]
    ] == [("广州特派办", 3, 1, 2, 1), ("第一党支部", 2, 1, 1, 1), ("第二党支部", 0, 0, 0, 0)]
    table = page.content.decode().split('id="unit-completion"')[1].split("</table>")[0]
    buttons = [" ".join(b.split()) for b in re.findall(r"</i> ([^<]*)</button>", table)]
    assert buttons == ["Remind the 1 in this unit itself", "Remind them (1)"]
    chinese = client.get(f"/lessons/{lesson.pk}/report/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "提醒本级未完成的 1 人" in chinese and "一键提醒 (1)" in chinese


def test_report_shows_time_spent_and_heartbeats_and_flags_a_completion_faster_than_possible(
    client, tree, watcher, settings
):
    settings.LESSON_STUDY_MIN_S = 120
    lesson = ten_minute_lesson(tree["gz"])
    honest = Cheater(watcher)
    honest.beat(lesson, 0, rate=2)
    for step in range(1, 31):
        honest.beat(lesson, step * 20.0, after=10, rate=2)
    # A completion recorded before the wall-clock bound: 7 s for 540 s of video.
    farmer = factories.member(tree["gz1"], username="farmer", real_name="刷课者")
    t0 = timezone.now()
    WatchProgress.objects.create(
        member=farmer,
        lesson=lesson,
        unit_at_start=tree["gz1"],
        intervals=[[0, 600]],
        watched_s=600,
        furthest_s=600,
        started_at=t0,
        completed_at=t0 + timedelta(seconds=7),
    )
    client.force_login(factories.organiser(tree["gz"], username="org"))
    page = client.get(f"/lessons/{lesson.pk}/report/", HTTP_ACCEPT_LANGUAGE="en")
    rows = {p.member.username: p for p in page.context["members"]}
    assert rows["viewer"].beats == 31 and float(rows["viewer"].spent_s) == 300 and not rows["viewer"].too_fast
    assert rows["farmer"].too_fast and rows["farmer"].took_s == 7
    html = page.content.decode()
    assert html.count("too-fast") == 1 and "completed in 7 s" in html
    assert "shorter than 2 min earn no study hours" in html and "faster than 2x does not count" in html
    assert "This lesson earns 0.25 h" in html
    assert "Up to 15 min: 0.25 h." in html and "15.0 min" not in html  # whole minutes read whole
    chinese = client.get(f"/lessons/{lesson.pk}/report/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "时长不足 2 分钟的课程不计学时" in chinese and "7 秒完成" in chinese
    # The rule's sentences run on without a space after each Chinese full stop; English keeps one.
    assert "学时如何计算。" in chinese and "不计。时长不足" in chinese and "0.25 学时。从开始" in chinese
    assert "How study hours are earned." in html and "does not count. Lessons shorter" in " ".join(html.split())


def _upload_started(client, lesson) -> dict:
    """A 10-byte upload of the lesson's video, started over HTTP by the signed-in organiser."""
    return client.post(
        f"/lessons/{lesson.pk}/upload/start/", {"filename": "a.mp4", "size": 10}, "application/json"
    ).json()


def test_chunked_upload_over_http_refuses_a_bad_range(client, tree):
    organiser = factories.organiser(tree["gz"], username="org")
    lesson = videos.lesson_create(title="上传", unit=tree["gz"])
    client.force_login(organiser)
    started = _upload_started(client, lesson)
    url = started["chunk_url"]
    bad = client.put(url, b"12345", content_type="application/octet-stream", HTTP_CONTENT_RANGE="bytes 0-9/10")
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "bad_range"
    skipped = client.put(url, b"12345", content_type="application/octet-stream", HTTP_CONTENT_RANGE="bytes 5-9/10")
    assert skipped.status_code == 409 and skipped.json()["received"] == 0
    assert client.get(url).json() == {"received": 0, "size": 10, "complete": False}
    assert Upload.objects.get().received == 0


def test_an_organiser_no_longer_over_the_lesson_cannot_go_on_with_its_upload(client, tree):
    """The chunks after a revoked grant are refused as the upload page is: a finished upload
    replaces the video every member of the audience watches."""
    from orgs import services as org_services
    from orgs.models import Role

    organiser = factories.organiser(tree["gz"], username="org")
    lesson = videos.lesson_create(title="上传", unit=tree["gz"])
    client.force_login(organiser)
    started = _upload_started(client, lesson)
    first = client.put(
        started["chunk_url"], b"12345", content_type="application/octet-stream", HTTP_CONTENT_RANGE="bytes 0-4/10"
    )
    assert first.status_code == 200 and first.json()["received"] == 5
    org_services.role_revoke(user=organiser, role=Role.ORGANISER, unit=tree["gz"], by=None)
    refused = client.put(
        started["chunk_url"], b"67890", content_type="application/octet-stream", HTTP_CONTENT_RANGE="bytes 5-9/10"
    )
    assert refused.status_code == 403
    assert client.get(started["chunk_url"]).status_code == 403
    assert Upload.objects.get().received == 5 and Upload.objects.get().completed_at is None


def test_completion_report_export_writes_a_formula_like_title_as_text(client, tree):
    lesson = videos.lesson_create(title=FORMULA, unit=tree["gz"])
    client.force_login(factories.organiser(tree["gz"], username="org"))
    response = client.get(f"/lessons/{lesson.pk}/report.xlsx")
    assert_written_as_text(response.content, FORMULA, "第一党支部")
    assert response["Content-Disposition"].startswith(f'attachment; filename="lesson-{lesson.pk}-completion.xlsx";')


def test_the_locked_span_read_gives_the_same_rows_as_the_orm(tree, watcher):
    """The span and progress are read with written-out SQL: each value arrives as the ORM would
    give it (datetimes, decimals, the intervals' JSON), whichever the database."""
    lesson = ten_minute_lesson(tree["gz"], required=False)
    t0 = timezone.now()
    for second in (0, 10, 20):
        beat(watcher, lesson, t0 + timedelta(seconds=second), second + 0.25)
    beat(watcher, lesson, t0 + timedelta(seconds=40), 100.5, playing=False)  # a seek: the new anchor, no credit

    with transaction.atomic():
        span, progress = videos._span_locked(watcher, lesson)
        other_lesson_span, no_progress = videos._span_locked(watcher, ten_minute_lesson(tree["gz"], title="另一课"))

    def values(obj):
        return {field.attname: getattr(obj, field.attname) for field in obj._meta.concrete_fields}

    assert values(span) == values(WatchSpan.objects.get(member=watcher)) == values(other_lesson_span)
    assert values(progress) == values(WatchProgress.objects.get(member=watcher, lesson=lesson))
    # The first beat, 0.25 s in, continues from the video's start (`RESUME_GAP_S`): 0 to 20.25 s.
    assert progress.intervals == [[0.0, 20.25]] and progress.watched_s == Decimal("20.25")
    assert span.last_beat_at == t0 + timedelta(seconds=40) and no_progress is None


def test_a_beat_judged_on_a_span_another_beat_has_moved_since_is_judged_again_under_the_lock(tree, watcher):
    """A beat read its span and progress, then another beat (another tab's seek while paused)
    moved the span on before it was written: it is judged on the span as it now stands, so the
    seconds the stale read would have credited from the old anchor are not credited."""
    lesson = ten_minute_lesson(tree["gz"], required=False)
    t0 = timezone.now()
    beat(watcher, lesson, t0, 0)
    beat(watcher, lesson, t0 + timedelta(seconds=10), 10)
    seen = videos.lesson_watching(watcher, lesson.pk)
    assert seen.span.last_beat_position_s == Decimal("10.00") and seen.progress.watched_s == Decimal("10.00")
    beat(watcher, lesson, t0 + timedelta(seconds=20), 300, playing=False)  # meanwhile: a seek, paused
    late = videos.heartbeat_record(
        member=watcher, lesson=lesson, tab="A", position_s=21, playing=True, at=t0 + timedelta(seconds=21), seen=seen
    )
    assert late.credited_s == 0 and late.progress.watched_s == Decimal("10.00")
    progress = WatchProgress.objects.get(member=watcher, lesson=lesson)
    assert progress.intervals == [[0.0, 10.0]] and progress.last_position_s == Decimal("21.00")
    span = WatchSpan.objects.get(member=watcher)
    assert span.last_beat_at == t0 + timedelta(seconds=21) and span.credited_s == Decimal("10.00")
    last = Heartbeat.objects.filter(member=watcher).order_by("received_at").last()
    assert last.position_s == Decimal("21.00") and last.credited_from_s is None
    assert Heartbeat.objects.filter(member=watcher).count() == 4


def test_on_postgresql_a_beat_is_one_read_and_one_guarded_write_without_a_lock(client, tree, watcher, clock):
    """After the first beat on a lesson, a beat is the lesson with the member's span and progress
    (one read), then the beat, span and progress in one statement: no lock, no transaction."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    if connection.vendor != "postgresql":
        pytest.skip("the guarded write is PostgreSQL's; elsewhere beats take the span's lock")
    lesson = ten_minute_lesson(tree["gz"])
    client.force_login(watcher)
    post_beat(client, lesson, 0)
    clock.advance(10)
    with CaptureQueriesContext(connection) as queries:
        assert post_beat(client, lesson, 10).json()["credited_s"] == 10
    statements = [q["sql"] for q in queries.captured_queries]
    beats = [sql for sql in statements if "lessons_watchspan" in sql]
    assert len(beats) == 2, statements
    assert not any("FOR UPDATE" in sql or "SAVEPOINT" in sql for sql in statements), statements
    assert WatchProgress.objects.get(member=watcher, lesson=lesson).watched_s == Decimal("10.00")


def test_lesson_lengths_read_as_minutes_and_seconds_in_every_language(tree, gz_organiser):
    # "30 s" and "30s" were English inside the Chinese pages; 0:30 reads the same in both.
    lesson = videos.lesson_create(
        title="党章第一讲", unit=tree["gz"], required=True, audience=[tree["gz"]], published=True
    )
    Lesson.objects.filter(pk=lesson.pk).update(status="ready", duration_s=Decimal("3725.4"))
    member = factories.member(tree["gz1"])
    for user, path in ((gz_organiser, "/lessons/manage/"), (member, "/lessons/")):
        client = Client()
        client.force_login(user)
        client.cookies["django_language"] = "zh-hans"
        page = client.get(path)
        assert page.status_code == 200 and "1:02:05" in page.text and "3725" not in page.text


def test_a_lesson_quiz_cannot_be_an_online_contests_paper(client, tree, ready_lesson):
    # Members take an online contest's paper only through the contest (the exam pages answer 404),
    # so a lesson's quiz offers (and accepts: the choice's queryset) ordinary papers only.
    from contests.online import services as online

    bank = factories.bank(tree["gz"])
    for _ in range(2):
        factories.question(bank, "single")
    contest = online.online_contest_create(
        title="网上答题",
        unit=tree["gz"],
        audience=[tree["gz1"]],
        opens_at=timezone.now(),
        closes_at=timezone.now() + timedelta(days=1),
        rules=[online.DrawRule(bank=bank, type="single", count=1)],
        by=factories.organiser(tree["gz"], username="maker"),
    )
    quiz = factories.paper(tree["gz"], title="课后小测")
    client.force_login(factories.organiser(tree["gz"], username="org"))
    form = client.get(f"/lessons/{ready_lesson.pk}/settings/").context["form"]
    offered = set(form.fields["paper"].queryset)
    assert quiz in offered and contest.paper not in offered


@pytest.mark.parametrize(
    "body",
    [
        '{"filename": "a.mp4", "size": 1e400}',  # infinity once parsed: int() of it overflowed (a server error)
        '{"filename": null, "size": 10}',  # was kept as a file called "None"
        '{"filename": ["a.mp4"], "size": 10}',
    ],
)
def test_an_upload_announced_with_a_bad_name_or_size_is_refused_in_words(client, tree, body):
    organiser = factories.organiser(tree["gz"], username="org")
    lesson = videos.lesson_create(title="上传", unit=tree["gz"])
    client.force_login(organiser)
    response = client.post(f"/lessons/{lesson.pk}/upload/start/", body, "application/json")
    assert response.status_code == 400
    assert response.json()["error"] == {"code": "bad_request", "message": "请提供文件名和大小。", "field": None}
    assert not Upload.objects.exists()


def test_a_chunk_larger_than_a_request_may_hold_is_refused_in_the_uploads_json(client, tree, settings):
    """Past DATA_UPLOAD_MAX_MEMORY_SIZE Django refused the body with its own 400 page, where every
    other upload refusal is JSON with a code and a message."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2**20
    organiser = factories.organiser(tree["gz"], username="org")
    lesson = videos.lesson_create(title="上传", unit=tree["gz"])
    client.force_login(organiser)
    size = 2**20 + 1
    url = client.post(f"/lessons/{lesson.pk}/upload/start/", {"filename": "a.mp4", "size": size}, "application/json")
    response = client.put(
        url.json()["chunk_url"],
        b"\0" * size,
        content_type="application/octet-stream",
        HTTP_CONTENT_RANGE=f"bytes 0-{size - 1}/{size}",
    )
    assert response.status_code == 413
    assert response.json()["error"] == {
        "code": "chunk_too_large",
        "message": "每个分块最大 1 MB：请把文件分成更小的块上传。",
        "field": None,
    }
    assert Upload.objects.get().received == 0


def test_uploads_given_up_on_are_swept_with_what_they_received(tree, settings):
    """Nothing removed the part of an upload never finished: each abandoned one kept up to
    LESSON_UPLOAD_MAX_BYTES under MEDIA_ROOT for good."""
    import os

    organiser = factories.organiser(tree["gz"], username="org")
    lesson = videos.lesson_create(title="上传", unit=tree["gz"])
    now = timezone.now()
    four_days_ago = now - timedelta(days=4)

    def opened(name, *, received_at=None):
        upload = videos.upload_start(lesson=lesson, filename=name, size=10, by=organiser)
        Upload.objects.filter(pk=upload.pk).update(created_at=four_days_ago)
        if received_at:
            videos.upload_append(upload=upload, start=0, chunk=b"12345")
            part = Path(settings.MEDIA_ROOT) / f"uploads/{upload.pk}.part"
            os.utime(part, (received_at.timestamp(), received_at.timestamp()))
        return upload

    given_up = opened("a.mp4", received_at=four_days_ago)  # last chunk 4 days ago
    never_sent = opened("b.mp4")  # opened 4 days ago, nothing since
    resumed = opened("c.mp4", received_at=now - timedelta(hours=1))  # opened long ago, a chunk lately
    fresh = videos.upload_start(lesson=lesson, filename="d.mp4", size=10, by=organiser)

    assert videos.uploads_sweep(at=now) == 2
    assert set(Upload.objects.values_list("pk", flat=True)) == {resumed.pk, fresh.pk}
    assert sorted(path.name for path in (Path(settings.MEDIA_ROOT) / "uploads").iterdir()) == [f"{resumed.pk}.part"]
    assert not {given_up.pk, never_sent.pk} & set(Upload.objects.values_list("pk", flat=True))


def test_a_failed_lesson_says_why_in_a_full_sentence_on_the_organisers_pages(tree):
    """The micro-class list and the lesson's settings showed the stored reason alone, a lowercase
    fragment ("it is not a playable video; upload ..."), in both languages."""
    organiser = factories.organiser(tree["gz"], username="org")
    lesson = videos.lesson_create(title="党章第三讲", unit=tree["gz"])
    Lesson.objects.filter(pk=lesson.pk).update(
        status="failed", failure="it is not a playable video; upload an MP4, MOV or other common video file"
    )
    sentences = {
        "en": "This video cannot be used: it is not a playable video; upload an MP4, MOV or other common video file.",
        "zh-hans": "此视频无法使用：不是可以播放的视频，请上传 MP4、MOV 等常见格式的视频文件。",
    }
    for language, sentence in sentences.items():
        client = factories.client_in(language, organiser)
        for url in ("/lessons/manage/", f"/lessons/{lesson.pk}/settings/"):
            page = client.get(url).content.decode()
            assert re.search(r'class="small text-danger video-failure">([^<]*)<', page).group(1) == sentence, url
        # The upload page's script shows it as it polls the processing.
        assert client.get(f"/lessons/{lesson.pk}/status.json").json()["failure_message"] == sentence
