"""Videos beyond what the pipeline takes (a giant picture, an absurd frame rate or length) are
refused from their header before ffmpeg decodes them, with a reason in the uploader's language;
a refused upload leaves the lesson's video and its members' progress as they were. 4K is taken
and scaled down."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone, translation

from lessons import video
from lessons.models import WatchProgress
from lessons.services import videos
from lessons.services.videos import LessonRejected
from tests import factories
from tests.lessons.videos import frame_size_and_rate, make_clip, make_plain_clip


@pytest.fixture(scope="module")
def giant(tmp_path_factory):
    """One frame of 8,000 x 8,000 pixels: 190 kB that ffmpeg took 270 MB to decode."""
    return make_plain_clip(tmp_path_factory.mktemp("giant") / "giant.mp4", size="8000x8000")


def processed(tree, path: Path):
    lesson = videos.lesson_attach_file(
        lesson=videos.lesson_create(title="大视频", unit=tree["gz"], published=True), path=path
    )
    return videos.lesson_process(lesson_id=lesson.pk)


def test_an_upload_larger_than_4k_is_refused_in_the_uploaders_language_and_the_lesson_keeps_its_video(
    tree, tmp_path, giant
):
    lesson = processed(tree, make_clip(tmp_path / "first.mp4", seconds=2, size="320x180"))
    assert lesson.status == "ready"
    watcher = factories.member(tree["gz1"], username="viewer")
    t0 = timezone.now()
    for second in (0, 1):
        videos.heartbeat_record(
            member=watcher, lesson=lesson, tab="A", position_s=second, playing=True, at=t0 + timedelta(seconds=second)
        )
    source = (Path(settings.MEDIA_ROOT) / lesson.source).read_bytes()
    organiser = factories.organiser(tree["gz"], username="org")
    data = giant.read_bytes()
    upload = videos.upload_start(lesson=lesson, filename="8k.mp4", size=len(data), by=organiser)
    with translation.override("zh-hans"), pytest.raises(LessonRejected) as refused:
        videos.upload_append(upload=upload, start=0, chunk=data)
    assert refused.value.code == "refused" and "画面超过 4K" in refused.value.message
    lesson.refresh_from_db()
    assert lesson.status == "ready" and (Path(settings.MEDIA_ROOT) / lesson.source).read_bytes() == source
    assert float(WatchProgress.objects.get(member=watcher, lesson=lesson).watched_s) == 1.0
    assert not list((Path(settings.MEDIA_ROOT) / "uploads").glob("*.part"))


@pytest.mark.parametrize(
    ("clip", "code"),
    [
        (None, "too_large"),  # the giant
        ({"size": "4100x360"}, "too_large"),  # a panorama: 1.5 megapixels, too wide
        ({"size": "64x64", "rate": 1000}, "too_fast"),
        ({"size": "64x64", "seconds": 10, "stretch": 1800}, "too_long"),  # 10 frames over 5 hours
    ],
    ids=["8000x8000", "4100-wide", "1000-fps", "5-hours"],
)
def test_processing_refuses_a_video_beyond_the_limits_saying_which(tree, tmp_path, giant, clip, code):
    """Before, each was transcoded: the picture decoded whole, every frame and every hour encoded."""
    lesson = processed(tree, make_plain_clip(tmp_path / "clip.mp4", **clip) if clip else giant)
    assert lesson.status == "failed"
    assert (
        lesson.failure == {"too_large": video.TOO_LARGE, "too_fast": video.TOO_FAST, "too_long": video.TOO_LONG}[code]
    )
    assert not lesson.mp4 and not (Path(settings.MEDIA_ROOT) / f"lessons/{lesson.pk}/video.mp4").exists()
    with translation.override("zh-hans"):
        assert translation.gettext(lesson.failure) != lesson.failure


def test_a_4k_video_is_taken_and_scaled_down_to_720p(tree, tmp_path):
    lesson = processed(tree, make_plain_clip(tmp_path / "uhd.mp4", size="3840x2160", rate=5, seconds=2))
    assert lesson.status == "ready", lesson.failure
    assert [r["name"] for r in lesson.renditions] == ["720p", "360p"]
    assert frame_size_and_rate(Path(settings.MEDIA_ROOT) / lesson.mp4)[:2] == (1280, 720)


def test_a_slow_motion_video_is_taken_and_made_at_60_frames_a_second(tree, tmp_path):
    lesson = processed(tree, make_plain_clip(tmp_path / "slow.mp4", size="128x72", rate=240))
    assert lesson.status == "ready", lesson.failure
    assert frame_size_and_rate(Path(settings.MEDIA_ROOT) / lesson.mp4)[2] <= 60


def test_a_transcode_that_runs_past_its_time_is_stopped_and_the_lesson_says_why(tree, tmp_path, monkeypatch):
    """Nothing stopped one before: a file whose frames are not what its header says could keep a
    worker for as long as it liked. Here the time allowed is none at all."""
    monkeypatch.setattr(video, "TIMEOUT_BASE_S", 0)
    monkeypatch.setattr(video, "TIMEOUT_PER_SECOND_S", 0)
    lesson = processed(tree, make_plain_clip(tmp_path / "clip.mp4", size="320x180", seconds=2, rate=25))
    assert lesson.status == "failed" and lesson.failure == video.TOO_SLOW
