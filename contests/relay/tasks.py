"""Celery tasks for relays. Thin: take ids, re-fetch, call a service; safe to run twice."""

from celery import shared_task
from django.utils import timezone

from . import services
from .models import RelayLeg


@shared_task
def relay_leg_close(leg_id: int) -> str:
    """At a leg's deadline: grade it as of the deadline and pass the baton, browser or not."""
    leg = RelayLeg.objects.select_related("team").filter(pk=leg_id).first()
    if leg is None or leg.status != RelayLeg.Status.RUNNING:
        return "nothing to do"
    if leg.deadline_at and timezone.now() < leg.deadline_at:
        return "not due yet"  # eager mode runs ETA tasks at once; the sweep will catch it
    services.relay_leg_close(leg=leg)
    return "closed"


@shared_task
def relays_sweep() -> int:
    """The periodic sweep: legs past their limit, holders late to start, windows that closed."""
    return services.relays_sync_due()
