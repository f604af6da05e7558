"""The host's actions: show and open questions, close, reveal (scoring once), skip, pause and
resume, finish, and rulings and adjustments (each with a reason, in the audit log)."""

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from orgs.models import User

from .. import broadcast
from ..models import Contest, ContestAnswer, Opening, Pause, RoundQuestion, ScoreEvent, Team
from ..rounds import round_kind
from .common import ContestRejected, audit, close_once, current_opening, running

# A host's or organiser's reason (a skip, a ruling, an adjustment) is kept whole, as typed, in the
# audit log and on the score event: a longer one is refused, never cut.
REASON_MAX = ScoreEvent._meta.get_field("note").max_length


def next_question(contest: Contest) -> RoundQuestion | None:
    """The first question, in round order, that has not been shown yet."""
    return (
        RoundQuestion.objects.filter(round__contest=contest, opening__isnull=True)
        .select_related("round")
        .order_by("round__position", "position")
        .first()
    )


@transaction.atomic
def question_open(*, contest: Contest, by: User | None, at: datetime | None = None) -> Opening:
    """Show the next question; open it for answers. Buzzer and risk questions take two presses:
    the first shows it (reading, or picking stakes), the second opens it."""
    at = at or timezone.now()
    contest = running(contest.pk)
    current = (
        Opening.objects.select_for_update().filter(pk=contest.current_id).select_related("question__round").first()
    )
    if current is not None and current.opened_at is None and not current.skipped:
        return _open_now(contest, current, at, by)
    if current is not None and current.revealed_at is None and not current.skipped:
        raise ContestRejected("question_in_play", _("Reveal or skip the current question first."))
    question = next_question(contest)
    if question is None:
        raise ContestRejected("no_more_questions", _("There are no more questions."))
    opening = Opening.objects.create(contest=contest, question=question)
    contest.current = opening
    contest.save(update_fields=["current"])
    audit(contest, by, "show", question=question.pk)
    if round_kind(question.round.type).two_step:
        broadcast.after_commit(contest, "question.shown")
        return opening
    return _open_now(contest, opening, at, by)


def _open_now(contest: Contest, opening: Opening, at: datetime, by: User | None) -> Opening:
    opening.opened_at = at
    opening.deadline_at = at + timedelta(seconds=opening.question.round.time_limit_s)
    opening.save(update_fields=["opened_at", "deadline_at"])
    audit(contest, by, "open", opening=opening.pk)
    broadcast.after_commit(contest, "question.opened")
    return opening


@transaction.atomic
def question_close(*, contest: Contest, by: User | None, at: datetime | None = None) -> Opening:
    at = at or timezone.now()
    contest = Contest.objects.select_for_update().get(pk=contest.pk)
    check_not_paused(contest)
    opening = current_opening(contest)
    if opening.opened_at is None and not opening.skipped:
        # Closed before it opened, the question would open already closed: nobody could answer,
        # and every stake picked on a risk question would be lost at the reveal.
        raise ContestRejected("not_open", _("Open the question before closing it."))
    if close_once(opening, at):
        audit(contest, by, "close", opening=opening.pk)
        broadcast.after_commit(contest, "question.closed")
    return opening


def close_expired(*, opening_id: int, at: datetime | None = None) -> bool:
    """Close a question whose deadline has passed (any process's ticker may call this)."""
    at = at or timezone.now()
    opening = Opening.objects.select_related("contest").filter(pk=opening_id).first()
    if opening is None or opening.closed_at or not opening.deadline_at or at < opening.deadline_at:
        return False
    with transaction.atomic():
        contest = Contest.objects.select_for_update().get(pk=opening.contest_id)  # before the opening's row
        if not close_once(opening, opening.deadline_at):
            return False
        broadcast.after_commit(contest, "question.closed")
    return True


def _time_used_ms(opening: Opening, answer: ContestAnswer) -> int | None:
    if opening.opened_at is None:
        return None
    return max(0, int((answer.received_at - opening.opened_at).total_seconds() * 1000))


@transaction.atomic
def question_reveal(*, contest: Contest, by: User | None, at: datetime | None = None) -> Opening:
    """Close (if open), score every answer once, and reveal the key to everyone. Not while paused
    (the question keeps its time for the resume), and never a skipped question: a skip scores
    nothing, and a reveal after it would score it, even after the finish."""
    at = at or timezone.now()
    contest = Contest.objects.select_for_update().get(pk=contest.pk)
    check_not_paused(contest)
    opening = current_opening(contest)
    if opening.skipped:
        raise ContestRejected("question_skipped", _("This question was skipped: it is not scored or revealed."))
    if opening.opened_at is None:
        raise ContestRejected("not_open", _("Open the question before revealing it."))
    return _reveal(contest, opening, at=at, by=by)


def _reveal(contest: Contest, opening: Opening, *, at: datetime, by: User | None) -> Opening:
    """Score the opened `opening`'s answers once and reveal it. Call holding the contest's row lock."""
    if opening.revealed_at:
        return opening
    close_once(opening, at)
    round_ = opening.question.round
    kind = round_kind(round_.type)
    stakes = kind.stakes(opening)
    answers = list(opening.answers.all())
    events = []
    for answer in answers:
        points, reason = kind.answer_points(round_, answer.is_correct, stakes.get(answer.team_id))
        if points:
            events.append(
                ScoreEvent(
                    contest=contest,
                    team_id=answer.team_id,
                    opening=opening,
                    member_id=answer.member_id,
                    time_used_ms=_time_used_ms(opening, answer),
                    points=points,
                    reason=reason,
                )
            )
    answered = {answer.team_id for answer in answers}
    for team_id, points in kind.unanswered_points(stakes=stakes, answered=answered).items():
        events.append(ScoreEvent(contest=contest, team_id=team_id, opening=opening, points=points, reason="wrong"))
    ScoreEvent.objects.bulk_create(events, ignore_conflicts=True)
    opening.revealed_at = at
    opening.save(update_fields=["revealed_at", "closed_at"])
    audit(contest, by, "reveal", opening=opening.pk)
    broadcast.after_commit(contest, "question.revealed")
    return opening


@transaction.atomic
def question_skip(*, contest: Contest, by: User | None, reason: str = "") -> Opening:
    _check_reason_length(reason)
    contest = Contest.objects.select_for_update().get(pk=contest.pk)
    check_not_paused(contest)
    opening = current_opening(contest)
    if opening.revealed_at:
        raise ContestRejected("already_revealed", _("This question has been revealed."))
    _set_aside(contest, opening, at=timezone.now(), by=by, reason=reason)
    broadcast.after_commit(contest, "question.skipped")
    return opening


def check_not_paused(contest: Contest) -> None:
    """The question in play is closed, revealed or skipped while the contest runs, as the console
    offers: paused, it keeps its remaining time for the teams, until the resume or the finish."""
    if contest.status == Contest.Status.PAUSED:
        raise ContestRejected("paused", _("The contest is paused: resume it first."))


def check_started(contest: Contest, message=None) -> None:
    """Scores change, and a contest ends, only once it has started (the console offers only Start before)."""
    if contest.status == Contest.Status.DRAFT:
        raise ContestRejected(
            "not_started", message or _("The contest has not started yet: scores can change only once it is running.")
        )


def _check_reason_length(reason: str) -> None:
    if len(reason) > REASON_MAX:
        raise ContestRejected(
            "reason_too_long",
            format_lazy(
                _("Keep the reason to {limit} characters (this one has {count})."), limit=REASON_MAX, count=len(reason)
            ),
        )


def _set_aside(contest: Contest, opening: Opening, *, at: datetime, by: User | None, **detail) -> None:
    """Close `opening` unscored, as skipped: nobody answers it or scores on it any more (a foul
    already given stands). Call holding the contest's row lock."""
    close_once(opening, at)
    opening.skipped = True
    opening.save(update_fields=["skipped", "closed_at"])
    audit(contest, by, "skip", opening=opening.pk, **detail)


@transaction.atomic
def contest_pause(*, contest: Contest, by: User | None, at: datetime | None = None) -> Contest:
    """Pause; an open question keeps its remaining time for the resume."""
    at = at or timezone.now()
    contest = running(contest.pk)
    opening = Opening.objects.filter(pk=contest.current_id, closed_at__isnull=True, deadline_at__isnull=False).first()
    if opening is not None:
        opening.paused_remaining_ms = max(0, int((opening.deadline_at - at).total_seconds() * 1000))
        opening.deadline_at = None
        opening.save(update_fields=["paused_remaining_ms", "deadline_at"])
    contest.status = Contest.Status.PAUSED
    contest.save(update_fields=["status"])
    Pause.objects.create(contest=contest, started_at=at)  # relay time leaves it out
    audit(contest, by, "pause")
    broadcast.after_commit(contest, "contest.paused")
    return contest


@transaction.atomic
def contest_resume(*, contest: Contest, by: User | None, at: datetime | None = None) -> Contest:
    at = at or timezone.now()
    contest = Contest.objects.select_for_update().get(pk=contest.pk)
    if contest.status != Contest.Status.PAUSED:
        return contest
    opening = Opening.objects.filter(pk=contest.current_id, paused_remaining_ms__isnull=False).first()
    if opening is not None:
        opening.deadline_at = at + timedelta(milliseconds=opening.paused_remaining_ms)
        opening.paused_remaining_ms = None
        opening.save(update_fields=["deadline_at", "paused_remaining_ms"])
    contest.status = Contest.Status.RUNNING
    contest.save(update_fields=["status"])
    contest.pauses.filter(ended_at__isnull=True).update(ended_at=at)
    audit(contest, by, "resume")
    broadcast.after_commit(contest, "contest.resumed")
    return contest


@transaction.atomic
def contest_finish(*, contest: Contest, by: User | None, at: datetime | None = None) -> Contest:
    """End the contest. A question open (or closed and not yet revealed) is closed now and its
    answers scored, as a reveal does: answers given count, and the results are final. A buzzer or
    risk question shown and never opened is set aside as skipped: nobody could answer it, so its
    stakes score nothing (an early buzz's foul stands, as on a skip)."""
    at = at or timezone.now()
    contest = Contest.objects.select_for_update().get(pk=contest.pk)
    if contest.status == Contest.Status.FINISHED:
        return contest
    check_started(contest, _("The contest has not started yet: there is nothing to finish."))
    contest.pauses.filter(ended_at__isnull=True).update(ended_at=at)
    opening = Opening.objects.filter(pk=contest.current_id).first()
    if opening is not None and not opening.revealed_at and not opening.skipped:
        if opening.opened_at:
            _reveal(contest, current_opening(contest), at=at, by=by)
        else:
            _set_aside(contest, opening, at=at, by=by, at_finish=True)
    contest.status = Contest.Status.FINISHED
    contest.finished_at = at
    contest.save(update_fields=["status", "finished_at"])
    audit(contest, by, "finish")
    broadcast.after_commit(contest, "contest.finished")
    return contest


def check_not_finished(contest: Contest) -> None:
    """A finished contest's results are final: no ruling or adjustment of the live console changes
    them (an organiser's correction after the finish does, `correction=True`)."""
    if contest.status == Contest.Status.FINISHED:
        raise ContestRejected(
            "results_final", _("The contest has finished and its results are final: scores can no longer be changed.")
        )


def _check_when(contest: Contest, *, correction: bool) -> None:
    """A ruling or adjustment is for a contest started and not finished; a correction, for a finished one."""
    if not correction:
        check_started(contest)
        check_not_finished(contest)
    elif contest.status != Contest.Status.FINISHED:
        raise ContestRejected(
            "not_finished",
            _("Results are corrected once the contest has finished; until then, rule and adjust on the host console."),
        )


def _log_ruling_or_correction(contest: Contest, by: User, *, correction: bool, action: str, **detail) -> None:
    """The audit entry: the console's own action, or "correct" saying which kind it was."""
    if correction:
        audit(contest, by, "correct", kind=action, **detail)
    else:
        audit(contest, by, action, **detail)


@transaction.atomic
def answer_override(
    *, contest: Contest, answer: ContestAnswer, correct: bool, reason: str, by: User, correction: bool = False
) -> ScoreEvent | None:
    """A judge's ruling on a revealed answer: one event bringing the team's points for it to what
    the ruling gives. Needs a reason; audit-logged. With `correction`, an organiser's ruling on an
    appeal after the finish (only then): a "correction" event, refused when it changes nothing."""
    if not reason.strip():
        raise ContestRejected("reason_required", _("A ruling needs a reason."))
    _check_reason_length(reason)
    contest = Contest.objects.select_for_update().get(pk=contest.pk)  # before the opening's row
    _check_when(contest, correction=correction)
    opening = Opening.objects.select_related("question__round").get(pk=answer.opening_id)
    if opening.contest_id != contest.pk:
        raise ContestRejected("no_such_answer", _("No such answer in this contest."))
    if opening.revealed_at is None:
        raise ContestRejected("not_revealed", _("Rule on an answer after the reveal."))
    round_ = opening.question.round
    kind = round_kind(round_.type)
    stake = kind.stakes(opening, team_ids=[answer.team_id]).get(answer.team_id)
    wanted, _reason = kind.answer_points(round_, correct, stake)
    so_far = ScoreEvent.objects.filter(opening=opening, team=answer.team).aggregate(s=Sum("points"))["s"] or 0
    if correction and wanted == so_far:
        raise ContestRejected("no_change", _("That answer already scores so: the correction would change nothing."))
    _log_ruling_or_correction(
        contest,
        by,
        correction=correction,
        action="override",
        answer=answer.pk,
        team=answer.team_id,
        correct=correct,
        points=wanted - so_far,
        reason=reason,
    )
    if wanted == so_far:
        return None
    event = ScoreEvent.objects.create(
        contest=contest,
        team=answer.team,
        opening=opening,
        member_id=answer.member_id,
        points=wanted - so_far,
        reason="correction" if correction else "override",
        note=reason,
        created_by=by,
    )
    broadcast.after_commit(contest, "scoreboard")
    return event


# A host's adjustment corrects a ruling or a slip by some points; it never decides a contest. A
# value far outside any round's scoring is a typo, and 2**31 points overflowed the big screen.
ADJUSTMENT_LIMIT = 1000


@transaction.atomic
def score_adjust(
    *, contest: Contest, team: Team, points: int, reason: str, by: User, correction: bool = False
) -> ScoreEvent:
    """Add `points` (at most ADJUSTMENT_LIMIT either way) to a team's score, with a reason. With
    `correction`, an organiser's correction on an appeal after the finish (only then)."""
    if not -ADJUSTMENT_LIMIT <= points <= ADJUSTMENT_LIMIT:
        raise ContestRejected(
            "adjustment_too_large",
            format_lazy(_("An adjustment is at most {limit} points either way."), limit=ADJUSTMENT_LIMIT),
        )
    if not reason.strip():
        raise ContestRejected("reason_required", _("An adjustment needs a reason."))
    _check_reason_length(reason)
    contest = Contest.objects.select_for_update().get(pk=contest.pk)
    _check_when(contest, correction=correction)
    if team.contest_id != contest.pk:
        raise ContestRejected("no_such_team", _("That team is not in this contest."))
    event = ScoreEvent.objects.create(
        contest=contest,
        team=team,
        points=points,
        reason="correction" if correction else "adjustment",
        note=reason,
        created_by=by,
    )
    _log_ruling_or_correction(
        contest, by, correction=correction, action="adjust", team=team.pk, points=points, reason=reason
    )
    broadcast.after_commit(contest, "scoreboard")
    return event
