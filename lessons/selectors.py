"""Reads for self-study pages and the API."""

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from fractions import Fraction

from django.db.models import Case, Count, Max, Q, QuerySet, Sum, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orgs import access
from orgs.models import User
from quizsite.naming import local_moment

from .draws import exam_held_question_ids
from .models import (
    Answer,
    Attempt,
    Lesson,
    NotebookEntry,
    Paper,
    PointEvent,
    PointRule,
    Question,
    QuestionBank,
    Series,
    StudyCredit,
    Tag,
    WatchProgress,
)
from .presenters import may_review
from .services import videos
from .services.attempts import attempts_expire_due
from .services.notebook import is_answered, notebook_release_due
from .validation import QuestionContent, fingerprint

ACTIVITY_LABELS = {
    "practice_correct": _("Practice: right answers"),
    "daily_correct": _("Daily quiz: right answers"),
    "exam_submit": _("Timed exams finished"),
    "challenge_correct": _("Challenge: right answers"),
    "notebook_review": _("Notebook reviews"),
    "video_complete": _("Micro-classes completed"),
    "online_contest_submit": _("Online contests finished"),
}

# Today's rows read as points against the daily cap ("Timed exam points 4 / 4"), not as counts of
# things done, which "Timed exams finished 4 / 4" read as.
POINTS_LABELS = {
    "practice_correct": _("Practice points"),
    "daily_correct": _("Daily quiz points"),
    "exam_submit": _("Timed exam points"),
    "challenge_correct": _("Challenge points"),
    "notebook_review": _("Notebook review points"),
    "video_complete": _("Micro-class points"),
    "online_contest_submit": _("Online contest points"),
}


def activity_labels() -> dict[str, str]:
    """Every activity's name as people read it: ours in the reader's language, any other rule's
    stored name; the ledger's codes are never shown."""
    labels = dict(PointRule.objects.values_list("activity", "label"))
    labels.update({activity: str(label) for activity, label in ACTIVITY_LABELS.items()})
    return labels


def point_rule_active(activity: str) -> PointRule | None:
    """The activity's rule when it earns points now (active), else None."""
    return PointRule.objects.filter(activity=activity, is_active=True).first()


def activity_label(activity: str) -> str:
    """One activity's name as people read it (see `activity_labels`); an activity no rule names
    any more reads as "Other activity"."""
    if activity in ACTIVITY_LABELS:
        return str(ACTIVITY_LABELS[activity])
    label = PointRule.objects.filter(activity=activity).values_list("label", flat=True).first()
    return label or str(_("Other activity"))


def notebook_due(member: User, *, at: datetime | None = None) -> QuerySet[NotebookEntry]:
    """The entries to review now: not mastered, and due at `at`. Every "to review" count is this."""
    notebook_release_due(member, at=at)
    return NotebookEntry.objects.filter(
        member=member, state=NotebookEntry.State.LEARNING, due_at__lte=at or timezone.now(), removed_at__isnull=True
    ).order_by("due_at")


@dataclass(frozen=True)
class NotebookCounts:
    not_mastered: int
    mastered: int
    due: int  # of the not mastered, those due now: "to review now"


def notebook_counts(member: User, *, at: datetime | None = None) -> NotebookCounts:
    """How many entries the notebook holds in each state, and how many are due at `at`."""
    at = at or timezone.now()
    notebook_release_due(member, at=at)
    learning = Q(state=NotebookEntry.State.LEARNING)
    counts = NotebookEntry.objects.filter(member=member, removed_at__isnull=True).aggregate(
        not_mastered=Count("pk", filter=learning),
        mastered=Count("pk", filter=Q(state=NotebookEntry.State.MASTERED)),
        due=Count("pk", filter=learning & Q(due_at__lte=at)),
    )
    return NotebookCounts(**counts)


def notebook_entries(member: User, *, state: str = "", type: str = "", tag: str = "") -> QuerySet[NotebookEntry]:
    notebook_release_due(member)
    entries = NotebookEntry.objects.filter(member=member, removed_at__isnull=True).select_related("question__current")
    if state:
        entries = entries.filter(state=state)
    if type:
        entries = entries.filter(question__current__type=type)
    if tag:
        entries = entries.filter(question__tags__name=tag)
    return entries.order_by("state", "due_at")


@dataclass
class PointsRow:
    activity: str
    label: str  # the activity's points, "Timed exam points"
    earned: int
    cap: int


def points_today(member: User, *, at: datetime | None = None) -> list[PointsRow]:
    """Today's "earned / cap" for every active activity."""
    day = timezone.localdate(at or timezone.now())
    earned = dict(
        PointEvent.objects.filter(member=member, day=day)
        .values("activity")
        .annotate(s=Sum("points"))
        .values_list("activity", "s")
    )
    return [
        PointsRow(
            rule.activity,
            str(POINTS_LABELS.get(rule.activity) or _("%(activity)s points") % {"activity": rule.label}),
            earned.get(rule.activity, 0),
            rule.daily_cap,
        )
        for rule in PointRule.objects.filter(is_active=True)
    ]


def points_total(member: User) -> int:
    return PointEvent.objects.filter(member=member).aggregate(s=Sum("points"))["s"] or 0


# The study hub leads with today's quiz, then exams with deadlines, then open practice.
MODE_ORDER = Case(
    *(When(mode=mode, then=Value(rank)) for rank, mode in enumerate(["daily", "exam", "practice", "challenge"])),
    default=Value(9),
)


def papers_for_member(member: User, *, at: datetime | None = None) -> QuerySet[Paper]:
    """Published, open papers whose unit's subtree holds the member (members' own practice by
    knowledge point, `Paper.practised_by`, is on its own page)."""
    if member.unit is None:
        return Paper.objects.none()
    at = at or timezone.now()
    ancestors = member.unit.lineage_paths()
    # An online contest's paper is taken from the contest's own pages, not the study hub.
    return (
        Paper.objects.filter(
            status=Paper.Status.PUBLISHED, unit__path__in=ancestors, online_contest__isnull=True, practised_by=None
        )
        .filter(Q(opens_at__isnull=True) | Q(opens_at__lte=at), Q(closes_at__isnull=True) | Q(closes_at__gt=at))
        .annotate(mode_order=MODE_ORDER)
        .order_by("mode_order", "-created_at")
    )


def banks_visible_to(user: User) -> QuerySet[QuestionBank]:
    """Banks an organiser may see and use in papers: those of the units they manage, and those of
    every unit above them that are shared with the units below (not kept confidential)."""
    above = set()
    for root in access.managed_root_units(user):
        step = root.steplen
        above.update(root.path[:i] for i in range(step, len(root.path), step))
    return QuestionBank.objects.filter(
        access.subtree_q(user, prefix="unit__") | Q(unit__path__in=above, shared_below=True)
    ).annotate(
        question_count=Count("questions", filter=~Q(questions__status=Question.Status.RETIRED)),
        retired_count=Count("questions", filter=Q(questions__status=Question.Status.RETIRED)),
    )


@dataclass(frozen=True)
class BankCounts:
    """A bank's questions as every page counts them: those in use (published and drafts), and
    the retired apart (kept for the attempts and exams that used them)."""

    in_use: int
    retired: int


def bank_counts(bank: QuestionBank) -> BankCounts:
    retired = Q(status=Question.Status.RETIRED)
    counts = bank.questions.aggregate(in_use=Count("pk", filter=~retired), retired=Count("pk", filter=retired))
    return BankCounts(**counts)


def papers_fixing(question: Question) -> list[Paper]:
    """The papers that set `question` as one of their fixed questions, by title."""
    return sorted(
        Paper.objects.filter(fixed_questions__question=question).distinct(), key=lambda paper: paper.display_title
    )


def bank_question_like(
    bank: QuestionBank, content: QuestionContent, *, other_than: Question | None = None
) -> Question | None:
    """A question of `bank`, not retired, that is `content` over again (the import's fingerprint:
    same type, normalised stem and key); `content` is checked (`check_question`)."""
    same = Question.objects.filter(bank=bank, current__fingerprint=fingerprint(content)).exclude(
        status=Question.Status.RETIRED
    )
    if other_than is not None:
        same = same.exclude(pk=other_than.pk)
    return same.order_by("pk").first()


def questions_usable_by(user: User) -> QuerySet[Question]:
    """Questions an organiser may put into a paper or a contest round: those of visible banks."""
    return Question.objects.filter(bank__in=banks_visible_to(user).values("pk"))


def questions_matching_text(questions: QuerySet[Question], text: str) -> QuerySet[Question]:
    """The questions whose current stem, options or explanation hold `text` (any case).

    The options are a JSON list, matched in its stored text, which holds the text as typed on both
    databases (`TextAsTypedJSONEncoder` for SQLite's): the text is looked for JSON-escaped as that
    text escapes it (quotes, backslashes), so it cannot match the quotes and commas between options."""
    text = text.strip()
    if not text:
        return questions
    as_stored = json.dumps(text, ensure_ascii=False)[1:-1]
    matches = (
        Q(current__stem__icontains=text)
        | Q(current__explanation__icontains=text)
        | Q(current__options__icontains=as_stored)
    )
    return questions.filter(matches)


@dataclass(frozen=True)
class DailyProgress:
    """A day's daily-quiz attempt in its three figures, each said once: questions answered of those
    drawn, the score in marks (a multiple-choice question may carry 2), and the points it earned.
    A question left blank is not answered, though finishing the attempt (its deadline passing)
    gives it a blank answer row to mark it 0."""

    answered: int
    questions: int
    score: Decimal
    max_score: Decimal
    points: int


def daily_progress(attempt: Attempt) -> DailyProgress:
    items = list(attempt.items.values_list("pk", "answer__pk", "answer__response"))
    points = PointEvent.objects.filter(
        member_id=attempt.member_id, source_key__in=[f"answer:{item}" for item, _answer, _response in items]
    ).aggregate(s=Sum("points"))["s"]
    return DailyProgress(
        answered=sum(1 for _item, answer, response in items if answer is not None and is_answered(response)),
        questions=len(items),
        score=attempt.score,
        max_score=attempt.max_score,
        points=points or 0,
    )


def finished_attempts(paper: Paper, *, member: User | None = None) -> QuerySet[Attempt]:
    """Submitted and expired attempts at `paper` (of `member`), after submitting those past their deadline.

    Every read that counts finished attempts goes through here: without a beat (the embedded
    default) an abandoned exam would otherwise stay "in progress" and be left out.
    """
    attempts_expire_due(paper_ids=[paper.pk], member=member)
    finished = Attempt.objects.filter(paper=paper).exclude(status=Attempt.Status.IN_PROGRESS)
    return finished.filter(member=member) if member is not None else finished


GRADING_ORDER = {"best": ["-score", "finished_at"], "last": ["-finished_at"], "first": ["finished_at"]}


def paper_grade(member: User, paper: Paper) -> Attempt | None:
    """The attempt that counts, by the paper's grading rule (best, last or first)."""
    return paper_grades(member, [paper]).get(paper.pk)


def paper_grades(member: User, papers: Iterable[Paper]) -> dict[int, Attempt]:
    """`paper_grade` for many papers: paper id -> the member's attempt that counts (papers with a
    finished attempt only), each attempt holding its paper. A query per grading rule among the
    papers, whatever their number: the study hub shows a card for every open paper."""
    papers = {paper.pk: paper for paper in papers}
    attempts_expire_due(paper_ids=list(papers), member=member)
    grades: dict[int, Attempt] = {}
    for grading in sorted({paper.grading for paper in papers.values()}):
        finished = (
            Attempt.objects.filter(member=member, paper_id__in=[pk for pk, p in papers.items() if p.grading == grading])
            .exclude(status=Attempt.Status.IN_PROGRESS)
            .order_by(*GRADING_ORDER[grading])
        )
        for attempt in finished:
            if attempt.paper_id not in grades:
                attempt.paper = papers[attempt.paper_id]
                grades[attempt.paper_id] = attempt
    return grades


@dataclass(frozen=True)
class ChallengeRecord:
    """A challenge attempt's run beside the member's personal best at that paper."""

    best: int  # the most right in a row in any of the member's finished runs of the paper, now
    new_best: bool  # this run beat every run before it (a tie is not new; a first run beats nothing)


def challenge_best(member: User, paper: Paper) -> int | None:
    """The member's personal best at a challenge paper: the longest run of right answers in a
    row over their finished attempts (a challenge's streak; sudden death ends it at the first
    miss). None before any run has finished."""
    return finished_attempts(paper, member=member).aggregate(best=Max("streak"))["best"]


def challenge_bests(member: User, papers) -> dict[int, int]:
    """`challenge_best` for many challenge papers in one query: paper id -> best (only papers run)."""
    return dict(
        Attempt.objects.filter(member=member, paper__in=papers, paper__mode=Paper.Mode.CHALLENGE)
        .exclude(status=Attempt.Status.IN_PROGRESS)
        .values("paper_id")
        .annotate(best=Max("streak"))
        .values_list("paper_id", "best")
    )


def challenge_record(attempt: Attempt) -> ChallengeRecord | None:
    """A finished challenge run against the member's record at the paper; None for an open
    attempt or another mode. "New" is judged against the runs started before this one, so a
    result says it was a new best on every visit, even after a later run beat it."""
    if attempt.paper.mode != Paper.Mode.CHALLENGE or attempt.is_open:
        return None
    runs = Attempt.objects.filter(member_id=attempt.member_id, paper_id=attempt.paper_id).exclude(
        status=Attempt.Status.IN_PROGRESS
    )
    earlier = runs.filter(number__lt=attempt.number).aggregate(best=Max("streak"))["best"]
    best = runs.aggregate(best=Max("streak"))["best"] or 0
    return ChallengeRecord(best=best, new_best=earlier is not None and attempt.streak > earlier)


def member_study_credits(member: User) -> list[StudyCredit]:
    """The member's study credits, newest first, each with `openable`: whether the member may open
    its lesson now. Hours earned stay earned (and counted, here and by the rankings) when a lesson is
    later unpublished, closed or no longer addressed to the member's unit; only the link goes."""
    credits = list(
        StudyCredit.objects.filter(member=member)
        .select_related("lesson__series", "lesson__unit", "rule__organ")
        .order_by("-granted_at")
    )
    visible = set(
        Lesson.objects.filter(videos.lessons_visible_q(member), pk__in=[credit.lesson_id for credit in credits])
        .values_list("pk", flat=True)
        .distinct()
    )
    for credit in credits:
        # An organiser may still preview a lesson of a unit they manage, as the player allows.
        credit.openable = credit.lesson_id in visible or access.can_manage_unit(member, credit.lesson.unit)
    return credits


@dataclass
class SeriesLessonRow:
    lesson: Lesson
    percent: int  # of the video watched
    done: bool
    hours: Decimal | None  # the study hours it earns once completed (None: none)


@dataclass
class SeriesProgress:
    """A member's way through a series: its lessons open to them in order, how many they have
    completed, the study hours its lessons have granted them, and the next one to watch."""

    rows: list[SeriesLessonRow]
    done: int
    hours_earned: Decimal
    next_lesson: Lesson | None

    @property
    def total(self) -> int:
        return len(self.rows)

    @property
    def percent(self) -> int:
        return 100 * self.done // self.total if self.total else 0


@dataclass
class SeriesSummary:
    """One series on a member's list: how many of its lessons open to them they have completed."""

    series: Series
    done: int
    total: int

    @property
    def percent(self) -> int:
        return 100 * self.done // self.total if self.total else 0


def member_series(member: User) -> list[SeriesSummary]:
    """The series `member` may open (as `series_progress` counts them: those holding a lesson
    published and open to their unit), by title, each with how many of those lessons they have
    completed. Three queries, whatever the number of series."""
    visible = (
        Lesson.objects.filter(videos.lessons_visible_q(member), series__isnull=False)
        .values("series_id")
        .annotate(total=Count("pk", distinct=True))
    )
    totals = {row["series_id"]: row["total"] for row in visible}
    completed = (
        WatchProgress.objects.filter(member=member, completed_at__isnull=False)
        .filter(lesson__in=Lesson.objects.filter(videos.lessons_visible_q(member), series__in=list(totals)))
        .values("lesson__series_id")
        .annotate(done=Count("lesson_id", distinct=True))
    )
    done = {row["lesson__series_id"]: row["done"] for row in completed}
    rows = [
        SeriesSummary(series, done.get(series.pk, 0), totals[series.pk])
        for series in Series.objects.filter(pk__in=list(totals)).select_related("unit")
    ]
    return sorted(rows, key=lambda row: (row.series.display_title, row.series.pk))


def series_progress(member: User, series: Series) -> SeriesProgress:
    """The series as `member` may watch it (published, open to their unit), each lesson with their
    progress; the next lesson is the first in order they have not completed."""
    from .services.study_rules import lessons_study_hours

    lessons = list(
        Lesson.objects.filter(videos.lessons_visible_q(member), series=series)
        .select_related("unit")
        .distinct()
        .order_by("position", "created_at", "pk")
    )
    progress = {p.lesson_id: p for p in WatchProgress.objects.filter(member=member, lesson__in=lessons)}
    earns = lessons_study_hours(lessons)
    rows = []
    for lesson in lessons:
        mine = progress.get(lesson.pk)
        percent = videos.watched_percent(lesson, mine)
        rows.append(SeriesLessonRow(lesson, percent, bool(mine and mine.completed_at), earns[lesson.pk]))
    earned = StudyCredit.objects.filter(member=member, lesson__series=series).aggregate(s=Sum("hours"))["s"]
    return SeriesProgress(
        rows=rows,
        done=sum(1 for row in rows if row.done),
        hours_earned=earned or Decimal(0),
        next_lesson=next((row.lesson for row in rows if not row.done), None),
    )


def lesson_quiz_warning(lesson: Lesson, at: datetime | None = None) -> str:
    """Why members cannot take the lesson's quiz now, in the organiser's words ('' when they can,
    or it has none): a draft paper, or one closed since. Their player greys the quiz out and says
    "This paper is not published."; its organiser is told where they attach it and publish."""
    paper = lesson.paper
    if paper is None:
        return ""
    if paper.status != Paper.Status.PUBLISHED:
        return _("Its quiz “%(paper)s” is a draft: members can't take it until the paper is published.") % {
            "paper": paper.display_title
        }
    at = at or timezone.now()
    if paper.closes_at and paper.closes_at <= at:
        return _("Its quiz “%(paper)s” closed on %(at)s: members can no longer take it.") % {
            "paper": paper.display_title,
            "at": local_moment(paper.closes_at),
        }
    return ""


def lesson_title_taken_text(lesson: Lesson) -> str:
    """A hint when another lesson of the lesson's unit has its title ('' when none): warned, not
    refused (organisers re-record a lesson and keep the old one a while), but two lessons of one
    name in a list, a report or a member's study hours cannot be told apart."""
    other = (
        Lesson.objects.filter(unit_id=lesson.unit_id, title__iexact=lesson.title.strip())
        .exclude(pk=lesson.pk)
        .order_by("-created_at")
        .first()
    )
    if other is None:
        return ""
    return _(
        "Another micro-class of %(unit)s is also titled “%(title)s” (created on %(at)s). Both are kept; "
        "if this one replaces it, give them titles members can tell apart or take the old one back to a draft."
    ) % {"unit": lesson.unit.display_name, "title": other.title, "at": local_moment(other.created_at)}


def topic_practice_banks(member: User) -> QuerySet[QuestionBank]:
    """The banks a member may practise from by knowledge point: those of the member's unit and of
    every unit above it that their organisers opened for practice (`open_for_practice`: practice
    shows every key) and share with the units below. Sharing alone only lets organisers below
    build papers from a bank, which may hold an exam's or a contest's questions."""
    if member.unit is None:
        return QuestionBank.objects.none()
    return QuestionBank.objects.filter(
        unit__path__in=member.unit.lineage_paths(), shared_below=True, open_for_practice=True
    )


@dataclass(frozen=True)
class TopicRow:
    """A knowledge point of one bank as the member's topic page lists it."""

    bank: QuestionBank
    tag: Tag
    questions: int  # published questions of the bank with this knowledge point
    answered: int  # the member's answers given to them so far (blanks not counted)
    right: int

    @property
    def accuracy(self) -> int | None:
        """Per cent right of the answers given, rounded; None before any."""
        return round(100 * self.right / self.answered) if self.answered else None


# How the topic page orders its knowledge points: by bank (the default), or the member's weakest
# first. The page's `order` parameter takes one of these; anything else is the default.
TOPIC_ORDERS = ("bank", "weakest")


def topic_rows(member: User, *, order: str = "bank") -> list[TopicRow]:
    """Each knowledge point of the member's practice banks (`topic_practice_banks`) with questions
    to practise (published, and held by no exam or online contest still open or to come:
    `exam_held_question_ids`), with their count and the member's record at them: their answers
    to those questions whose keys they have seen (practice, daily quiz and challenge show each at
    once; an exam's or online contest's only once `may_review` allows), in any paper, so the
    figure never tells a result before it is shown. By bank, then knowledge point; with `order`
    "weakest", the points answered at least once by that share right, lowest first (equal shares
    in bank order), then the points never answered, in bank order."""
    at = timezone.now()
    banks = {bank.pk: bank for bank in topic_practice_banks(member)}
    counts = (
        Question.objects.filter(
            bank__in=list(banks), status=Question.Status.PUBLISHED, current__isnull=False, tags__isnull=False
        )
        .exclude(pk__in=exam_held_question_ids(banks=list(banks), at=at))
        .values_list("bank_id", "tags")
        .annotate(n=Count("pk", distinct=True))
    )
    counted = {(bank_id, tag_id): n for bank_id, tag_id, n in counts}
    tags = Tag.objects.in_bulk({tag_id for _bank, tag_id in counted})
    answers = Answer.objects.filter(
        item__attempt__member=member,
        item__version__question__bank__in=list(banks),
        item__version__question__tags__isnull=False,
    )
    # An exam-mode attempt (timed exams and online contests) shows its keys only when review opens.
    exam_attempts = Attempt.objects.filter(
        pk__in=answers.filter(item__attempt__paper__mode=Paper.Mode.EXAM).values("item__attempt")
    ).select_related("paper")
    keys_hidden = {attempt.pk for attempt in exam_attempts if not may_review(attempt, at=at)}
    record: dict[tuple[int, int], list[int]] = {}
    for bank_id, tag_id, attempt_id, response, is_correct in answers.values_list(
        "item__version__question__bank_id", "item__version__question__tags", "item__attempt", "response", "is_correct"
    ):
        if (bank_id, tag_id) in counted and attempt_id not in keys_hidden and is_answered(response):
            tally = record.setdefault((bank_id, tag_id), [0, 0])
            tally[0] += 1
            tally[1] += int(is_correct)
    rows = [
        TopicRow(banks[bank_id], tags[tag_id], n, *record.get((bank_id, tag_id), (0, 0)))
        for (bank_id, tag_id), n in counted.items()
    ]
    by_bank = sorted(rows, key=lambda row: (row.bank.display_name, row.bank.pk, row.tag.name))
    if order != "weakest":
        return by_bank
    # By the exact share, not the rounded per cent shown (33 of 100 is weaker than 1 of 3, both
    # "33%"). The sort is stable: equal shares stay in bank order.
    return sorted(by_bank, key=lambda row: (not row.answered, Fraction(row.right, row.answered or 1)))
