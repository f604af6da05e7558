"""Reads for online contests: what a member sees, what organisers follow."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet
from django.utils import timezone

from lessons.models import Attempt
from lessons.presenters import may_review
from lessons.selectors import finished_attempts, paper_grade
from orgs import access
from orgs.models import User

from .models import OnlineAttempt, OnlineContest


def contests_for_member(member: User, *, at: datetime | None = None) -> list[OnlineContest]:
    """Contests whose audience holds the member (open, coming or closed), soonest window first."""
    if member.unit is None:
        return []
    step = member.unit.steplen
    ancestors = [member.unit.path[:i] for i in range(step, len(member.unit.path) + 1, step)]
    contests = (
        OnlineContest.objects.filter(audience__path__in=ancestors)
        .select_related("paper")
        .distinct()
        .order_by("-paper__closes_at")
    )
    return [c for c in contests if not c.party_members_only or member.is_party_member]


def contests_managed_by(user: User) -> QuerySet[OnlineContest]:
    return OnlineContest.objects.filter(access.subtree_q(user, prefix="paper__unit__")).select_related("paper__unit")


@dataclass
class MemberStanding:
    attempts: list[Attempt]
    open_attempt: Attempt | None
    counting: Attempt | None
    attempts_left: int | None
    results_shown: bool


def member_standing(contest: OnlineContest, member: User, *, at: datetime | None = None) -> MemberStanding:
    """The member's attempts, the open one, the one that counts and whether results may be shown."""
    at = at or timezone.now()
    paper = contest.paper
    finished = list(finished_attempts(paper, member=member).order_by("number"))
    open_attempt = Attempt.objects.filter(paper=paper, member=member, status=Attempt.Status.IN_PROGRESS).first()
    counting = paper_grade(member, paper)
    used = len(finished) + (1 if open_attempt else 0)
    return MemberStanding(
        attempts=finished,
        open_attempt=open_attempt,
        counting=counting,
        attempts_left=max(paper.max_attempts - used, 0) if paper.max_attempts else None,
        results_shown=counting is not None and may_review(counting, at=at),
    )


def online_attempt_of(attempt: Attempt) -> OnlineAttempt:
    return OnlineAttempt.objects.select_related("contest__paper", "attempt__paper").get(attempt=attempt)
