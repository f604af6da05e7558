"""What the rules engine's modules share: the refusal, the audit log, and the locked reads."""

from datetime import datetime

from django.utils.translation import gettext_lazy as _

from orgs.models import User

from ..errors import ContestRejected
from ..models import AuditEntry, Contest, Opening


def audit(contest: Contest, actor: User | None, action: str, **detail) -> None:
    AuditEntry.objects.create(contest=contest, actor=actor, action=action, detail=detail)


def check_running(status: str | None) -> None:
    if status == Contest.Status.PAUSED:
        raise ContestRejected("paused", _("The contest is paused."))
    if status != Contest.Status.RUNNING:
        raise ContestRejected("not_running", _("The contest is not running."))


def running(contest_id: int) -> Contest:
    """The contest, row-locked, if it is running. Call inside a transaction."""
    contest = Contest.objects.select_for_update().get(pk=contest_id)
    check_running(contest.status)
    return contest


def current_opening(contest: Contest) -> Opening:
    """The question in play, row-locked. Call inside a transaction."""
    opening = (
        Opening.objects.select_for_update()
        .filter(pk=contest.current_id)
        .select_related("question__round", "question__version")
        .first()
    )
    if opening is None:
        raise ContestRejected("no_question", _("No question is in play."))
    return opening


def close_once(opening: Opening, at: datetime) -> bool:
    """Close once (a conditional update: whichever process or timer wins, the result is the same)."""
    closed_at = min(at, opening.deadline_at) if opening.deadline_at else at
    won = Opening.objects.filter(pk=opening.pk, closed_at__isnull=True).update(closed_at=closed_at)
    opening.closed_at = opening.closed_at or closed_at
    return bool(won)
