"""The upload's last chunk queues the ffmpeg pipeline, which a real Celery worker runs (in CI;
inline where no broker is configured)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

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


WORKER_MISSING = {"en": "The background worker does not seem to be running.", "zh-hans": "后台任务进程似乎没有运行"}


@pytest.mark.django_db
def test_a_video_queued_past_the_patience_says_on_its_organisers_pages_that_no_worker_takes_it(
    tree, tmp_path, settings
):
    """A broker and no worker (on_commit never sends the task here): the upload's last chunk notes
    when the processing was queued. Queued 60 s ago, with a patience of 600 s, nothing is said;
    601 s ago the list, the settings and the upload page say it in both languages, and the status
    JSON the upload page polls has `worker_missing`. A worker taking it clears the time."""
    settings.CELERY_TASK_ALWAYS_EAGER, settings.BACKGROUND_QUEUE_PATIENCE_S = False, 600
    organiser = factories.organiser(tree["gz"], username="org")
    data = make_clip(tmp_path / "clip.mp4", seconds=2, size="320x180").read_bytes()
    lesson = videos.lesson_create(title="第三讲", unit=tree["gz"], by=organiser)
    upload = videos.upload_start(lesson=lesson, filename="第三讲.mp4", size=len(data), by=organiser)
    videos.upload_append(upload=upload, start=0, chunk=data)
    lesson.refresh_from_db()
    assert lesson.status == "processing" and lesson.processing_queued_at is not None
    pages = [
        reverse("lessons:lesson_manage"),
        reverse("lessons:lesson_settings", args=[lesson.pk]),
        reverse("lessons:lesson_upload", args=[lesson.pk]),
    ]
    status_url = reverse("lessons:lesson_status", args=[lesson.pk])
    clients = {language: factories.client_in(language, organiser) for language in WORKER_MISSING}

    Lesson.objects.filter(pk=lesson.pk).update(processing_queued_at=timezone.now() - timedelta(seconds=60))
    assert clients["en"].get(status_url).json()["worker_missing"] is False
    for url in pages:
        assert 'id="worker-missing">' not in clients["en"].get(url).content.decode()

    Lesson.objects.filter(pk=lesson.pk).update(processing_queued_at=timezone.now() - timedelta(seconds=601))
    body = clients["en"].get(status_url).json()
    assert (body["status"], body["worker_missing"]) == ("processing", True)
    for language, text in WORKER_MISSING.items():
        for url in pages:
            page = clients[language].get(url).content.decode()
            assert 'id="worker-missing">' in page and text in page, (language, url)

    videos.lesson_process(lesson_id=lesson.pk)  # what the worker does once it takes the task
    lesson.refresh_from_db()
    assert lesson.status == "ready" and lesson.processing_queued_at is None
    assert clients["en"].get(status_url).json()["worker_missing"] is False
