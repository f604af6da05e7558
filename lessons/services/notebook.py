"""The wrong-answer notebook, scheduled by FSRS; N correct reviews in a row master an entry."""

from collections.abc import Collection
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from fsrs import Card, Rating, Scheduler

from orgs.models import User

from ..grading import ResponseInvalid, check_blanks_filled, clean_response, grade
from ..models import Answer, Attempt, NotebookEntry, Paper, ReviewLog

# Fuzzing spreads due dates randomly; we keep schedules reproducible.
SCHEDULER = Scheduler(enable_fuzzing=False)


def mastered_after() -> int:
    return getattr(settings, "NOTEBOOK_MASTERED_AFTER", 3)


@transaction.atomic
def notebook_add_wrong(
    *, member: User, question_id: int, partly_right: bool = False, at: datetime | None = None
) -> NotebookEntry:
    """Put a question not answered fully right in the notebook, or send a mastered one back to
    review. A partly right answer (part of the marks) counts as a miss, labelled `partly_right`."""
    at = at or timezone.now()
    entry = NotebookEntry.objects.select_for_update().filter(member=member, question_id=question_id).first()
    if entry is None:
        # The miss is the card's first review: rated Again, it starts on the short learning steps.
        card, _log = SCHEDULER.review_card(Card(due=at), Rating.Again, review_datetime=at)
        return NotebookEntry.objects.create(
            member=member,
            question_id=question_id,
            card=card.to_dict(),
            due_at=card.due,
            added_at=at,
            last_wrong_at=at,
            last_miss_partly_right=partly_right,
        )
    card, _log = SCHEDULER.review_card(Card.from_dict(entry.card), Rating.Again, review_datetime=at)
    entry.card = card.to_dict()
    entry.due_at = card.due
    entry.state = NotebookEntry.State.LEARNING
    entry.consecutive_correct = 0
    entry.wrong_count += 1
    entry.last_wrong_at = at
    entry.last_miss_partly_right = partly_right
    entry.mastered_at = None
    entry.removed_at = None  # taken out, then missed again: it is worth reviewing after all
    entry.save()
    return entry


def notebook_remove(*, member: User, entry_ids: Collection[int], at: datetime | None = None) -> list[int]:
    """Take `member`'s entries out of the notebook (kept, so `notebook_restore` can undo it).

    Returns the ids of the entries it took out (not those already out, nor anyone else's)."""
    kept = NotebookEntry.objects.filter(member=member, pk__in=entry_ids, removed_at__isnull=True)
    removed = sorted(kept.values_list("pk", flat=True))
    NotebookEntry.objects.filter(pk__in=removed).update(removed_at=at or timezone.now())
    return removed


def notebook_remove_mastered(*, member: User, at: datetime | None = None) -> list[int]:
    """Take every mastered entry of `member` out of the notebook; returns their ids."""
    mastered = NotebookEntry.objects.filter(member=member, state=NotebookEntry.State.MASTERED, removed_at__isnull=True)
    return notebook_remove(member=member, entry_ids=list(mastered.values_list("pk", flat=True)), at=at)


def notebook_restore(*, member: User, entry_ids: Collection[int]) -> int:
    """Put `member`'s removed entries back as they were (schedule and run kept); returns how many."""
    return NotebookEntry.objects.filter(member=member, pk__in=entry_ids, removed_at__isnull=False).update(
        removed_at=None
    )


def notebook_release_due(member: User, *, at: datetime | None = None) -> int:
    """Put the misses of `member`'s exams whose answers may now be shown into the notebook.

    An exam that shows its answers after the paper closes keeps its misses out of the notebook
    until then (`Attempt.notebook_pending`): reviewing a notebook entry shows its key, which would
    hand it to a member who may sit the paper again, or tell a colleague, while it is open. Reads
    of the notebook call this first (no beat is needed). Returns how many attempts were released.
    """
    at = at or timezone.now()
    due = Attempt.objects.filter(member=member, notebook_pending=True).filter(
        Q(paper__review=Paper.Review.AFTER_CLOSE, paper__closes_at__lte=at) | Q(paper__review=Paper.Review.AFTER_SUBMIT)
    )
    released = 0
    for attempt_id in due.values_list("pk", flat=True):
        with transaction.atomic():
            if (
                not Attempt.objects.select_for_update()
                .filter(pk=attempt_id, notebook_pending=True)
                .update(notebook_pending=False)
            ):
                continue  # another request released it
            misses = Answer.objects.filter(item__attempt_id=attempt_id, is_correct=False).order_by("item__position")
            for question_id, response, score in misses.values_list("item__version__question_id", "response", "score"):
                if is_answered(response):
                    notebook_add_wrong(member=member, question_id=question_id, partly_right=score > 0, at=at)
            released += 1
    return released


def is_answered(response: list | None) -> bool:
    """Whether a graded response holds an answer. A question left blank (time ran out, or never
    reached) stays out of the notebook: the member did not get it wrong, and reviewing it would
    only fill the notebook with questions never seen; its key is on the attempt's result."""
    return bool(response) and any(str(part).strip() for part in response if part is not None)


class ReviewRejected(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@transaction.atomic
def notebook_review(
    *, entry: NotebookEntry, response: object, allow_empty_blanks: bool = False, at: datetime | None = None
) -> ReviewLog:
    """Answer a notebook question again (its current version); reschedule it if it was due.

    A review before the entry is due is practice: it is graded and logged (not counted), but earns
    no points and changes neither the schedule nor the run towards mastery, so answering the same
    question again and again within seconds cannot master it. A fill-in answer with a blank left
    empty beside a filled one is refused (`blanks_empty`) unless the member confirmed it
    (`allow_empty_blanks`).
    """
    at = at or timezone.now()
    entry = NotebookEntry.objects.select_for_update(of=("self",)).select_related("question__current").get(pk=entry.pk)
    version = entry.question.current
    try:
        cleaned = clean_response(type=version.type, options=version.options, blanks=len(version.key), response=response)
        if not is_answered(cleaned):
            # A check pressed before choosing would count as a wrong answer and reset the run.
            raise ReviewRejected("empty", _("Choose or type an answer first."))
        if not allow_empty_blanks:
            check_blanks_filled(type=version.type, response=cleaned)
    except ResponseInvalid as error:
        raise ReviewRejected(error.code, error.message) from None
    # Only a fully right review counts; a partly right one is labelled as such, as in an attempt.
    fraction = grade(type=version.type, key=version.key, response=cleaned, partial=True)
    correct = fraction == 1
    if at < entry.due_at:
        return ReviewLog.objects.create(
            entry=entry, version=version, response=cleaned, is_correct=correct, reviewed_at=at, counted=False
        )
    card, _log = SCHEDULER.review_card(
        Card.from_dict(entry.card), Rating.Good if correct else Rating.Again, review_datetime=at
    )
    entry.card = card.to_dict()
    entry.due_at = card.due
    if correct:
        entry.consecutive_correct += 1
        if entry.consecutive_correct >= mastered_after():
            entry.state = NotebookEntry.State.MASTERED
            entry.mastered_at = at
    else:
        entry.state = NotebookEntry.State.LEARNING
        entry.consecutive_correct = 0
        entry.wrong_count += 1
        entry.last_wrong_at = at
        entry.last_miss_partly_right = fraction > 0
        entry.mastered_at = None
    entry.save()
    if correct:
        from .points import points_award

        points_award(
            member=entry.member, activity="notebook_review", source_key=f"review:{entry.pk}:{at.isoformat()}", at=at
        )
    return ReviewLog.objects.create(entry=entry, version=version, response=cleaned, is_correct=correct, reviewed_at=at)
