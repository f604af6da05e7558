"""The upload's last chunk queues the ffmpeg pipeline, which a real Celery worker runs (in CI;
inline where no broker is configured)."""

import pytest

from lessons.models import Lesson
from lessons.services import videos
from tests import factories
from tests.lessons.videos import make_clip
from tests.processes import wait_for


@pytest.mark.django_db(transaction=True)
def test_the_last_chunk_queues_processing_and_the_worker_makes_the_lesson_ready(tree, tmp_path, celery_worker_process):
    organiser = factories.organiser(tree["gz"], username="org")
    data = make_clip(tmp_path / "clip.mp4").read_bytes()
    lesson = videos.lesson_create(title="第二讲", unit=tree["gz"], by=organiser)
    upload = videos.upload_start(lesson=lesson, filename="第二讲.mp4", size=len(data), by=organiser)
    for start in range(0, len(data), 64 * 1024):
        videos.upload_append(upload=upload, start=start, chunk=data[start : start + 64 * 1024])
    wait_for(
        lambda: Lesson.objects.get(pk=lesson.pk).status in ("ready", "failed"),
        timeout=120,
        what="the worker to process the video",
        process=celery_worker_process,
    )
    lesson.refresh_from_db()
    assert lesson.status == "ready", lesson.failure
    assert lesson.hls.endswith("master.m3u8") and lesson.poster.endswith("poster.jpg")
