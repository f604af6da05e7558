"""Taking things back: questions in bulk (status or deletion), an import undone, a bank or a
paper deleted. Only what nothing uses is deleted; the rest is retired or refused, never half done."""

from collections.abc import Iterator
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import (
    Attempt,
    AttemptItem,
    ImportJob,
    NotebookEntry,
    Paper,
    PaperQuestion,
    PaperRule,
    Question,
    QuestionBank,
    QuestionVersion,
)

# What keeps a question from being deleted, in the order the pages list them.
USES = ("attempt", "paper", "notebook", "contest")
CHUNK = 500  # ids per statement: well inside SQLite's limit on a statement's parameters


class RemovalRefused(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class QuestionsDeleted:
    """What a deletion did: how many went, and of those kept, how many each use holds (a question
    may be held by several uses, so these may add up to more than `kept`)."""

    deleted: int = 0
    kept_ids: list[int] = field(default_factory=list)
    kept_by: dict[str, int] = field(default_factory=dict)

    @property
    def kept(self) -> int:
        return len(self.kept_ids)


def _chunks(ids: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def question_uses(questions: QuerySet[Question]) -> dict[str, set[int]]:
    """For each use in USES, the ids of `questions` it holds: a member's attempt (or review) answered
    it, a paper lists it, a notebook holds it, a contest round asks it."""
    from contests.models import RoundQuestion  # contests build on lessons, not the other way

    ids = questions.values("pk")
    return {
        "attempt": set(
            AttemptItem.objects.filter(version__question__in=ids).values_list("version__question_id", flat=True)
        ),
        "paper": set(PaperQuestion.objects.filter(question__in=ids).values_list("question_id", flat=True)),
        "notebook": set(NotebookEntry.objects.filter(question__in=ids).values_list("question_id", flat=True)),
        "contest": set(
            RoundQuestion.objects.filter(version__question__in=ids).values_list("version__question_id", flat=True)
        ),
    }


def questions_delete_plan(questions: QuerySet[Question]) -> QuestionsDeleted:
    """What `questions_delete` would do now, for the confirm step; changes nothing."""
    ids = list(questions.values_list("pk", flat=True))
    uses = question_uses(questions)
    held = set().union(*uses.values())
    return QuestionsDeleted(
        deleted=len([pk for pk in ids if pk not in held]),
        kept_ids=sorted(held),
        kept_by={use: len(uses[use]) for use in USES if uses[use]},
    )


@transaction.atomic
def questions_delete(
    *, bank: QuestionBank, questions: QuerySet[Question], retire_kept: bool = False
) -> QuestionsDeleted:
    """Delete those of `questions` in `bank` that nothing uses (USES), with their versions; retire
    the others if `retire_kept` (else leave them as they are) and say how many each use kept, all in
    one transaction. Locks the questions' rows first, so a second submit of the same deletion waits
    and then finds them gone: it deletes nothing twice."""
    ids = list(questions.filter(bank=bank).select_for_update(of=("self",)).order_by("pk").values_list("pk", flat=True))
    chosen = Question.objects.filter(bank=bank, pk__in=questions.filter(bank=bank).values("pk"))
    uses = question_uses(chosen)
    held = set().union(*uses.values())
    doomed = [pk for pk in ids if pk not in held]
    for chunk in _chunks(doomed):
        # A question points at its current version (protected): unhook it before the versions go.
        Question.objects.filter(pk__in=chunk).update(current=None)
        QuestionVersion.objects.filter(question_id__in=chunk).delete()
        Question.objects.filter(pk__in=chunk).delete()
    if retire_kept:
        for chunk in _chunks(sorted(held)):
            Question.objects.filter(pk__in=chunk).update(status=Question.Status.RETIRED)
    return QuestionsDeleted(
        deleted=len(doomed),
        kept_ids=sorted(held),
        kept_by={use: len(uses[use]) for use in USES if uses[use]},
    )


def questions_status_set(*, bank: QuestionBank, questions: QuerySet[Question], status: str) -> int:
    """Give those of `questions` in `bank` the status `status` (published, draft or retired); returns
    how many changed (those already so are left alone). A question with no content is never published."""
    changed = questions.filter(bank=bank).exclude(status=status)
    if status == Question.Status.PUBLISHED:
        changed = changed.filter(current__isnull=False)
    return Question.objects.filter(pk__in=changed.values("pk")).update(status=status)


@dataclass
class ImportUndone:
    deleted: int
    retired: int


@transaction.atomic
def import_undo(*, job: ImportJob) -> ImportUndone:
    """Undo a finished import: delete its questions that nothing uses yet, retire the rest (an
    attempt, paper, notebook or contest holds them). Other imports' questions and those added by
    hand are left alone. Holds the job's row lock: an import is undone once (a second submit is
    refused with "import_undone")."""
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if job.undone_at is not None:
        raise RemovalRefused("import_undone", _("This import was undone already; nothing more was changed."))
    if job.status != ImportJob.Status.DONE:
        raise RemovalRefused("import_not_done", _("Only a finished import can be undone."))
    questions = Question.objects.filter(import_job=job)
    removed = questions_delete(bank=job.bank, questions=questions, retire_kept=True)
    job.undone_at = timezone.now()
    job.undo_result = {"deleted": removed.deleted, "retired": removed.kept}
    job.save(update_fields=["undone_at", "undo_result"])
    return ImportUndone(deleted=removed.deleted, retired=removed.kept)


def bank_delete_blockers(bank: QuestionBank) -> dict[str, int]:
    """Why the bank cannot be deleted now: {"rules": organisers' papers drawing from it} and, for
    each use in USES, how many of its questions that use holds. Empty when it can be. Members'
    own topic papers (`Paper.practised_by`) are not counted: no organiser sees them, and
    `bank_delete` takes them along (any attempt of theirs holds questions, which blocks anyway)."""
    blockers = dict(questions_delete_plan(bank.questions.all()).kept_by)
    papers = PaperRule.objects.filter(bank=bank, paper__practised_by__isnull=True).values("paper").distinct().count()
    if papers:
        blockers["rules"] = papers
    return blockers


@transaction.atomic
def bank_delete(*, bank: QuestionBank) -> int:
    """Delete the bank with its questions and import records, if nothing uses any of its questions
    and no paper draws from it; otherwise raise RemovalRefused("bank_in_use"). Returns how many
    questions went."""
    bank = QuestionBank.objects.select_for_update().get(pk=bank.pk)
    if bank_delete_blockers(bank):
        raise RemovalRefused("bank_in_use", _("Something uses this bank's questions: it was not deleted."))
    deleted = questions_delete(bank=bank, questions=bank.questions.all()).deleted
    # Members' topic papers of the bank go with it: an attempt of theirs holding a question blocked
    # above, so any attempt left holds none (nothing of the member's record is lost).
    topic_papers = Paper.objects.filter(practised_by__isnull=False, rules__bank=bank).values("pk")
    Attempt.objects.filter(paper__in=topic_papers).delete()
    Paper.objects.filter(pk__in=topic_papers).delete()
    files = list(bank.import_jobs.exclude(file="").values_list("file", flat=True))
    bank.delete()
    storage = ImportJob.file.field.storage
    transaction.on_commit(lambda: [storage.delete(name) for name in files])
    return deleted


def paper_delete_blockers(paper: Paper) -> dict[str, int]:
    """Why the paper cannot be deleted: its attempts, the online contest it is, the ranking rules
    reading it. Empty when it can be."""
    from contests.online.models import OnlineContest
    from rankings.models import RuleSource

    blockers = {
        "attempts": Attempt.objects.filter(paper=paper).count(),
        "contest": OnlineContest.objects.filter(paper=paper).count(),
        "rankings": RuleSource.objects.filter(paper=paper).values("rule").distinct().count(),
    }
    return {reason: count for reason, count in blockers.items() if count}


@transaction.atomic
def paper_delete(*, paper: Paper) -> None:
    """Delete a paper no one has attempted (its questions stay in their banks; a lesson quizzing
    with it no longer does). Raises RemovalRefused("paper_in_use") otherwise."""
    paper = Paper.objects.select_for_update().get(pk=paper.pk)
    if paper_delete_blockers(paper):
        raise RemovalRefused("paper_in_use", _("This paper has attempts or is in use: it was not deleted."))
    paper.delete()


def paper_close(*, paper: Paper) -> bool:
    """Close the paper now: no new attempt starts, every attempt and result is kept. False when it
    was closed already. A contest's paper is refused (RemovalRefused "paper_of_contest"): its
    window moves in the contest's settings, which log the change."""
    if Paper.objects.filter(pk=paper.pk, online_contest__isnull=False).exists():
        raise RemovalRefused(
            "paper_of_contest", _("This paper is an online contest's: change it in the contest's settings.")
        )
    now = timezone.now()
    if paper.closes_at is not None and paper.closes_at <= now:
        return False
    Paper.objects.filter(pk=paper.pk).update(closes_at=now)
    paper.closes_at = now
    return True
