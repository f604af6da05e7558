"""Celery tasks for self-study. Thin: take ids, re-fetch, call a service; safe to run twice."""

from celery import shared_task
from django.utils import timezone

from .models import Attempt
from .services import attempts


@shared_task
def attempt_expire(attempt_id: int) -> str:
    """Submit an exam attempt at its deadline, even if the browser is gone."""
    attempt = Attempt.objects.select_related("paper").filter(pk=attempt_id).first()
    if attempt is None or not attempt.is_open:
        return "nothing to do"
    if attempt.deadline_at and timezone.now() < attempt.deadline_at:
        return "not due yet"  # eager mode runs ETA tasks at once; the sweep will catch it
    attempts.ensure_current(attempt)
    return "submitted"


@shared_task
def expire_overdue_attempts() -> int:
    """The periodic sweep: catches deadlines whose ETA task was lost (worker restart, eager mode)."""
    return attempts.attempts_expire_due()
