"""What happens to each Celery task when the worker running it dies."""

from quizsite.celery import app

# Safe to run again from the start: idempotent and fenced (rankings) or overwriting the same files
# (video). The others are acknowledged once their worker is lost: a periodic sweep covers them
# (attempts), or running again would do nothing (an import claimed from "pending").
REQUEUED_WHEN_THE_WORKER_DIES = {"rankings.tasks.ranking_run", "lessons.tasks.lesson_process_task"}


def test_only_tasks_safe_to_run_again_go_back_to_the_queue_when_their_worker_dies():
    app.loader.import_default_modules()
    ours = {name: task for name, task in app.tasks.items() if not name.startswith("celery.")}
    assert REQUEUED_WHEN_THE_WORKER_DIES <= set(ours)
    assert {name for name, task in ours.items() if task.reject_on_worker_lost} == REQUEUED_WHEN_THE_WORKER_DIES
    assert all(task.acks_late for task in ours.values())
