"""Micro-classes: the ffmpeg pipeline, uploads, protected media and counting only what was watched."""

import subprocess
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from lessons.models import Heartbeat, Lesson, PointEvent, Series, StudyCredit, Upload, WatchProgress
from lessons.services import videos
from lessons.services.points import point_rules_ensure_defaults
from lessons.services.videos import LessonRejected
from tests import factories
from tests.lessons.videos import make_clip, need_ffmpeg
from tests.spreadsheets import FORMULA, assert_written_as_text


@pytest.fixture(scope="session")
def clip(tmp_path_factory):
    return make_clip(tmp_path_factory.mktemp("clips") / "clip.mp4")


@pytest.fixture
def ready_lesson(tree, clip):
    lesson = videos.lesson_create(title="党章第一讲", unit=tree["gz"], required=True)
    videos.lesson_attach_file(lesson=lesson, path=clip)
    return videos.lesson_process(lesson_id=lesson.pk)


def test_pipeline_makes_poster_faststart_mp4_and_hls_and_is_idempotent(ready_lesson, settings):
    lesson = ready_lesson
    assert lesson.status == "ready" and 5.9 <= float(lesson.duration_s) <= 6.2
    media = Path(settings.MEDIA_ROOT)
    assert (media / lesson.poster).read_bytes()[:2] == b"\xff\xd8"  # JPEG
    mp4 = (media / lesson.mp4).read_bytes()
    assert mp4.index(b"moov") < mp4.index(b"mdat")  # faststart: the index comes first
    master = (media / lesson.hls).read_text()
    assert [r["name"] for r in lesson.renditions] == ["360p"] and "360p.m3u8" in master
    assert list((media / f"lessons/{lesson.pk}/hls").glob("360p_*.ts"))
    assert videos.lesson_process(lesson_id=lesson.pk).status == "ready"  # twice: nothing changes


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
    assert set(summary) == {"lesson", "duration_s", "poster", "renditions"} and summary["renditions"] == ["360p"]
    text = tmp_path / "notes.mp4"
    text.write_text("not a video")
    with pytest.raises(CommandError, match="not a playable video"):
        call_command("import_lesson", str(text), "--series", "jiangtang", "--title", "坏文件")
    assert Lesson.objects.count() == 1


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
    client.force_login(outsider)
    assert client.get(f"/lessons/{ready_lesson.pk}/media/video.mp4").status_code == 403
    assert client.get(f"/lessons/{ready_lesson.pk}/").status_code == 403
    refused = client.post(f"/lessons/{ready_lesson.pk}/heartbeat/", {"tab": "x", "position": 1}, "application/json")
    assert refused.status_code == 403 and refused.json()["code"] == "not_in_audience"
    client.force_login(watcher)
    assert client.get(f"/lessons/{ready_lesson.pk}/media/../../settings.py").status_code == 404
    assert client.get(f"/lessons/{ready_lesson.pk}/media/source.mp4").status_code == 404  # the upload stays private
    client.logout()
    signed_out = client.post(f"/lessons/{ready_lesson.pk}/heartbeat/", {"tab": "x", "position": 1}, "application/json")
    assert signed_out.status_code == 401 and signed_out.json()["code"] == "signed_out"
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


def test_chunked_upload_over_http_refuses_a_bad_range(client, tree):
    organiser = factories.organiser(tree["gz"], username="org")
    lesson = videos.lesson_create(title="上传", unit=tree["gz"])
    client.force_login(organiser)
    started = client.post(
        f"/lessons/{lesson.pk}/upload/start/", {"filename": "a.mp4", "size": 10}, "application/json"
    ).json()
    url = started["chunk_url"]
    bad = client.put(url, b"12345", content_type="application/octet-stream", HTTP_CONTENT_RANGE="bytes 0-9/10")
    assert bad.status_code == 400 and bad.json()["code"] == "bad_range"
    skipped = client.put(url, b"12345", content_type="application/octet-stream", HTTP_CONTENT_RANGE="bytes 5-9/10")
    assert skipped.status_code == 409 and skipped.json()["received"] == 0
    assert client.get(url).json() == {"received": 0, "size": 10, "complete": False}
    assert Upload.objects.get().received == 0


def test_completion_report_export_writes_a_formula_like_title_as_text(client, tree):
    lesson = videos.lesson_create(title=FORMULA, unit=tree["gz"])
    client.force_login(factories.organiser(tree["gz"], username="org"))
    response = client.get(f"/lessons/{lesson.pk}/report.xlsx")
    assert_written_as_text(response.content, FORMULA, "第一党支部")
    assert response["Content-Disposition"].startswith(f'attachment; filename="lesson-{lesson.pk}-completion.xlsx";')
