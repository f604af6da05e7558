"""A video entry through the library's resumable upload and a winner published to the library,
both processed by a real Celery worker (in CI, with a broker; inline without one)."""

from decimal import Decimal

import pytest

from calls import results, services
from calls.models import Assignment, Entry, Panel
from lessons.models import Lesson
from lessons.services import videos
from tests import factories
from tests.lessons.videos import make_clip
from tests.processes import wait_for


@pytest.mark.django_db(transaction=True)
def test_a_resumably_uploaded_winner_is_transcoded_and_published_by_the_worker(
    tree, tmp_path, celery_worker_process, essay_call
):
    call = essay_call
    call.kind, call.max_file_mb = "micro_class", 20
    call.save()
    call.levels.all().delete()
    organiser = factories.organiser(tree["audit"], username="organ")
    author = factories.member(tree["gz1"], real_name="李文")
    data = make_clip(tmp_path / "clip.mp4", seconds=2, size="160x90").read_bytes()
    entry = services.entry_create(call=call, author=author, title="红船精神")
    upload = services.entry_upload_start(entry=entry, by=author, filename="李文.mp4", size=len(data))
    for start in range(0, len(data), 64 * 1024):
        videos.upload_append(upload=upload, start=start, chunk=data[start : start + 64 * 1024])
    wait_for(
        lambda: Entry.objects.get(pk=entry.pk).video_status in ("ready", "failed"),
        timeout=120,
        what="the worker to transcode the entry",
        process=celery_worker_process,
    )
    entry = services.entry_submit(entry=Entry.objects.get(pk=entry.pk), by=author)
    panel = Panel.objects.create(call=call, name="评审组")
    panel.judges.set([factories.member(tree["jjj1"]) for _ in range(3)])
    services.assignment_run(call=call, panel=panel, by=organiser, seed="x")
    content, style = call.criteria.values_list("pk", flat=True)
    for assignment in Assignment.objects.filter(entry=entry):
        services.score_record(
            assignment=assignment, by=assignment.judge, values={content: Decimal(90), style: Decimal(80)}
        )
    services.scores_lock(call=call, by=organiser, close_now=True)
    services.results_publish(call=call, by=organiser)
    (published,) = results.winners_publish_to_library(call=call, by=organiser, audience=[tree["gz"]])
    wait_for(
        lambda: Lesson.objects.get(pk=published.lesson_id).status in ("ready", "failed"),
        timeout=120,
        what="the worker to process the published lesson",
        process=celery_worker_process,
    )
    lesson = Lesson.objects.get(pk=published.lesson_id)
    assert (lesson.status, lesson.title, lesson.speaker) == ("ready", "红船精神", "李文"), lesson.failure
    assert lesson.hls.endswith("master.m3u8")
