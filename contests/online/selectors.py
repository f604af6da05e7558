"""Reads for online contests: what a member sees, what organisers follow."""

import json
from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from lessons.models import Answer, Attempt
from lessons.presenters import may_review
from lessons.selectors import finished_attempts, paper_grade
from lessons.services import notebook
from lessons.services.attempts import attempts_expire_due
from orgs import access
from orgs.models import Unit, User

from .models import IntegrityEvent, OnlineAttempt, OnlineContest
from .qualification import attempt_places


def contests_for_member(member: User, *, at: datetime | None = None) -> list[OnlineContest]:
    """Contests whose audience holds the member (open, coming or closed), soonest window first."""
    if member.unit is None:
        return []
    ancestors = member.unit.lineage_paths()
    contests = (
        OnlineContest.objects.filter(audience__path__in=ancestors, relay__isnull=True)  # relays list apart
        .select_related("paper")
        .distinct()
        .order_by("-paper__closes_at")
    )
    return [c for c in contests if not c.party_members_only or member.is_party_member]


def contests_managed_by(user: User) -> QuerySet[OnlineContest]:
    return OnlineContest.objects.filter(
        access.subtree_q(user, prefix="paper__unit__"), relay__isnull=True
    ).select_related("paper__unit")


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


# ---------------------------------------------------------------- organisers


def participation_by_unit(contest: OnlineContest, *, parent: Unit | None = None) -> list[dict]:
    """Per unit (the audience, or the children of `parent` for a drill-down): headcount (active
    members now, party members only if the contest is), members who started, who finished, and
    the finished rate in percent. Attempts count in the unit the member was in when they started.
    A drill-down first has a row for the members placed in `parent` itself (`own_members`), when
    it has any: without it the rows added up to fewer people than `parent`'s row (an organiser
    placed in an office counts in its audience)."""
    attempts_expire_due(paper_ids=[contest.paper_id])
    units = list(Unit.objects.get_children(parent)) if parent is not None else list(contest.audience.order_by("path"))
    members = User.objects.filter(is_active=True)
    if contest.party_members_only:
        members = members.filter(is_party_member=True)
    attempts = Attempt.objects.filter(paper_id=contest.paper_id)
    rows = []
    if parent is not None:
        own = members.filter(unit=parent).count()
        mine = attempts.filter(unit_at_start=parent)
        if own or mine.exists():
            rows.append(_participation_row(parent, own, mine, own_members=True))
    for unit in units:
        headcount = members.filter(unit__path__startswith=unit.path).count()
        rows.append(_participation_row(unit, headcount, attempts.filter(unit_at_start__path__startswith=unit.path)))
    return rows


def _participation_row(unit: Unit, headcount: int, mine: QuerySet[Attempt], *, own_members: bool = False) -> dict:
    started = mine.values("member").distinct().count()
    finished = mine.exclude(status=Attempt.Status.IN_PROGRESS).values("member").distinct().count()
    return {
        "unit": unit,
        "own_members": own_members,
        "headcount": headcount,
        "started": started,
        "finished": finished,
        "rate": round(100 * finished / headcount, 1) if headcount else None,
        "has_children": not own_members and not unit.is_leaf(),
    }


@dataclass
class AttemptRow:
    online: OnlineAttempt
    duration_s: float | None  # to the millisecond (`Attempt.time_used_s`)
    focus_lost: int
    pastes: int
    place: int | None = None  # in the contest's ranking, for the attempt that counts of each member
    several: bool = False  # the member has made more than one attempt: the table says which this is


ATTEMPT_ORDERS = ("newest", "place")


def attempt_rows(contest: OnlineContest, *, order: str = "newest") -> list[AttemptRow]:
    """Every attempt with its integrity counts and, for each member's attempt that counts, its
    place in the contest's ranking (`qualification.attempt_places`: score, accuracy, then time,
    as the qualification ranks). Newest first, or with `order` "place" by place (the attempts
    without one after, newest first)."""
    attempts_expire_due(paper_ids=[contest.paper_id])
    places = attempt_places(contest)
    onlines = (
        OnlineAttempt.objects.filter(contest=contest)
        .select_related("attempt__member", "attempt__unit_at_start")
        .annotate(
            focus_lost=Count("events", filter=Q(events__kind=IntegrityEvent.Kind.FOCUS_LOST)),
            pastes=Count("events", filter=Q(events__kind=IntegrityEvent.Kind.PASTE)),
        )
        .order_by("-attempt__started_at")
    )
    rows = [
        AttemptRow(
            online=o,
            duration_s=o.attempt.time_used_s,
            focus_lost=o.focus_lost,
            pastes=o.pastes,
            place=places.get(o.attempt_id),
        )
        for o in onlines
    ]
    made = Counter(row.online.attempt.member_id for row in rows)
    for row in rows:
        row.several = made[row.online.attempt.member_id] > 1
    if order == "place":  # a stable sort: equal places, and the unplaced, stay newest first
        rows.sort(key=lambda row: (row.place is None, row.place or 0))
    return rows


@dataclass
class SimilarPair:
    first: Attempt
    second: Attempt
    common: int  # identical answers given (questions both left blank not counted)
    start_gap_s: int
    finish_gap_s: int
    same_wrong: int = 0  # of those, identical wrong answers: the telling ones


def similar_pairs(contest: OnlineContest, *, min_common: int = 3, max_gap_s: int = 30) -> list[SimilarPair]:
    """Pairs of finished attempts by different members, started and finished within `max_gap_s`
    of each other, that gave the same answer to every question both were given and either
    answered, with at least `min_common` identical answers given: flagged for an organiser to
    review, not judged. A question both left blank is no likeness (neither answered it), and one
    left blank by one of them only is a difference."""
    finished = list(
        Attempt.objects.filter(paper_id=contest.paper_id)
        .exclude(status=Attempt.Status.IN_PROGRESS)
        .select_related("member")
        .order_by("started_at", "pk")  # a pair started at the same moment reads in the same order every time
    )
    # Per attempt and question: the answer given (None when left blank) and whether it was right.
    answers: dict[int, dict[int, tuple[str | None, bool]]] = {a.pk: {} for a in finished}
    for attempt_id, question_id, response, is_correct in Answer.objects.filter(item__attempt__in=finished).values_list(
        "item__attempt_id", "item__version__question_id", "response", "is_correct"
    ):
        given = json.dumps(response, sort_keys=True) if notebook.is_answered(response) else None
        answers[attempt_id][question_id] = (given, is_correct)
    pairs = []
    for i, first in enumerate(finished):
        for second in finished[i + 1 :]:
            start_gap = (second.started_at - first.started_at).total_seconds()
            if start_gap > max_gap_s:
                break
            if second.member_id == first.member_id:
                continue
            finish_gap = abs((second.finished_at - first.finished_at).total_seconds())
            if finish_gap > max_gap_s:
                continue
            mine, theirs = answers[first.pk], answers[second.pk]
            shared = [q for q in mine.keys() & theirs.keys() if mine[q][0] is not None or theirs[q][0] is not None]
            if len(shared) >= min_common and all(mine[q][0] == theirs[q][0] for q in shared):
                same_wrong = sum(1 for q in shared if not mine[q][1])
                pairs.append(SimilarPair(first, second, len(shared), int(start_gap), int(finish_gap), same_wrong))
    return pairs
