"""Celery tasks for rankings. Thin: take ids, re-fetch, call a service; safe to run twice."""

from celery import shared_task

from .models import RankingRule, RankingRun
from .services import rules_mark_dirty, run_execute, run_request


@shared_task(bind=True)
def ranking_run(self, run_id: int) -> str:
    """Compute a queued run. A second delivery finds it no longer queued and does nothing."""
    if not RankingRun.objects.filter(pk=run_id, status=RankingRun.Status.QUEUED).exists():
        return "nothing to do"
    return run_execute(run_id=run_id, task_id=self.request.id or "").outcome


@shared_task
def recompute_dirty_rules() -> list[int]:
    """The beat sweep: mark rules whose facts changed, and queue one run for each dirty rule."""
    queued = []
    for rule in RankingRule.objects.filter(pk__in=rules_mark_dirty()):
        run, created = run_request(rule=rule)
        if created:
            ranking_run.delay(run.pk)
            queued.append(rule.pk)
    return queued


def enqueue(run: RankingRun) -> None:
    """Start a freshly requested run after the request's transaction commits."""
    from django.db import transaction

    transaction.on_commit(lambda: ranking_run.delay(run.pk))
