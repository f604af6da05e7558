"""Celery tasks for rankings. Thin: take ids, re-fetch, call a service; safe to run twice."""

from celery import shared_task
from django.conf import settings

from .models import RankingRule, RankingRun
from .services import RankingRejected, rules_mark_dirty, run_execute, run_request


# A computation is idempotent and fenced (`run_claim`), so a task whose worker died is put back on
# the queue (reject_on_worker_lost) rather than acknowledged and forgotten.
@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=60)
def ranking_run(self, run_id: int) -> str:
    """Compute a run. A delivery that finds it finished does nothing; one that finds it alive in
    another execution comes back after the grace and takes it over if that execution has died
    meanwhile (a task whose worker was killed is redelivered at once, before its run looks dead)."""
    active = (RankingRun.Status.QUEUED, RankingRun.Status.RUNNING)
    if not RankingRun.objects.filter(pk=run_id, status__in=active).exists():
        return "nothing to do"
    run = run_execute(run_id=run_id, task_id=self.request.id or "")
    if run is None or run.status not in active:
        return run.outcome if run else "nothing to do"
    if self.request.called_directly or self.request.is_eager or self.request.retries >= self.max_retries:
        return "running elsewhere"
    raise self.retry(countdown=settings.RANKINGS_RUN_GRACE_S + 1)


@shared_task
def recompute_dirty_rules() -> list[int]:
    """The beat sweep: mark rules whose facts changed, and queue one run for each dirty rule."""
    queued = []
    for rule in RankingRule.objects.filter(pk__in=rules_mark_dirty()):
        try:
            run, created = run_request(rule=rule)
        except RankingRejected:  # a contest not started yet: computed once it is
            continue
        if created:
            ranking_run.delay(run.pk)
            queued.append(rule.pk)
    return queued


def enqueue(run: RankingRun) -> None:
    """Start a freshly requested run after the request's transaction commits."""
    from django.db import transaction

    transaction.on_commit(lambda: ranking_run.delay(run.pk))
