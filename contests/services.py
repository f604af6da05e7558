"""The contest rules engine: every write of a live contest. No sockets here.

Times are the server's. Each function validates against the round's rules, writes facts
(answers, buzzes, picks, score events), and queues the broadcast after commit.
"""

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Count, F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from lessons.grading import ResponseInvalid, clean_response, grade
from lessons.models import QuestionVersion
from orgs.models import Unit, User

from . import broadcast
from .models import (
    AuditEntry,
    Buzz,
    Contest,
    ContestAnswer,
    Opening,
    RiskPick,
    Round,
    RoundQuestion,
    ScoreEvent,
    Team,
    TeamMember,
)

TWO_STEP = (Round.Type.BUZZER, Round.Type.RISK)  # shown first (reading / picking), then opened


class ContestRejected(Exception):
    """A refused action, with a stable code (sent to clients) and a message for people."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


# ---------------------------------------------------------------- setting up


def contest_create(*, title: str, unit: Unit, by: User | None = None, base_score: int = 100) -> Contest:
    return Contest.objects.create(title=title, unit=unit, created_by=by, base_score=base_score)


@transaction.atomic
def team_add(*, contest: Contest, name: str, unit: Unit, legs: list[User], substitutes: list[User] = ()) -> Team:
    """Add a team; `legs` is the relay order. Refused once the contest has started."""
    if contest.status != Contest.Status.DRAFT:
        raise ContestRejected("roster_frozen", _("Rosters are frozen once the contest starts."))
    team = Team.objects.create(contest=contest, name=name, unit=unit, position=contest.teams.count())
    places = [TeamMember(contest=contest, team=team, member=m, leg=i) for i, m in enumerate(legs, start=1)]
    places += [TeamMember(contest=contest, team=team, member=m) for m in substitutes]
    try:
        with transaction.atomic():
            TeamMember.objects.bulk_create(places)
    except IntegrityError:
        raise ContestRejected("member_on_two_teams", _("A member can be on only one team.")) from None
    return team


@transaction.atomic
def round_add(
    *,
    contest: Contest,
    type: str,
    versions: list[QuestionVersion],
    points: int = 10,
    penalty: int | None = None,
    time_limit_s: int = 20,
    risk_tiers: list[int] | None = None,
    early_buzz_penalty: int = 5,
    title: str = "",
    teams_in_turn: bool = False,
) -> Round:
    """Add a round. Compulsory rounds with `teams_in_turn` give question k to team k mod n."""
    if penalty is None:
        penalty = 0 if type in (Round.Type.COMPULSORY, Round.Type.RELAY) else points
    round_ = Round.objects.create(
        contest=contest,
        position=contest.rounds.count() + 1,
        type=type,
        title=title,
        points=points,
        penalty=penalty,
        time_limit_s=time_limit_s,
        risk_tiers=risk_tiers or ([10, 20, 30] if type == Round.Type.RISK else []),
        early_buzz_penalty=early_buzz_penalty,
    )
    teams = list(contest.teams.all())
    RoundQuestion.objects.bulk_create(
        [
            RoundQuestion(
                round=round_,
                position=i,
                version=version,
                team=teams[(i - 1) % len(teams)] if teams_in_turn and teams else None,
            )
            for i, version in enumerate(versions, start=1)
        ]
    )
    return round_


def _audit(contest: Contest, actor: User | None, action: str, **detail) -> None:
    AuditEntry.objects.create(contest=contest, actor=actor, action=action, detail=detail)


@transaction.atomic
def contest_start(*, contest: Contest, by: User | None, at: datetime | None = None) -> Contest:
    """Start: freeze rosters with each member's unit at this moment (DESIGN invariant 6)."""
    contest = Contest.objects.select_for_update().get(pk=contest.pk)
    if contest.status != Contest.Status.DRAFT:
        return contest
    if not contest.teams.exists() or not contest.rounds.exists():
        raise ContestRejected("not_ready", _("Add teams and rounds before starting."))
    for place in contest.roster.select_related("member"):
        place.unit_at_start_id = place.member.unit_id
        place.save(update_fields=["unit_at_start"])
    contest.status = Contest.Status.RUNNING
    contest.started_at = at or timezone.now()
    contest.save(update_fields=["status", "started_at"])
    _audit(contest, by, "start")
    broadcast.after_commit(contest, "contest.started")
    return contest


# ---------------------------------------------------------------- host actions


def _check_running(status: str) -> None:
    if status == Contest.Status.PAUSED:
        raise ContestRejected("paused", _("The contest is paused."))
    if status != Contest.Status.RUNNING:
        raise ContestRejected("not_running", _("The contest is not running."))


def _running(contest_id: int) -> Contest:
    """The contest, row-locked, if it is running."""
    contest = Contest.objects.select_for_update().get(pk=contest_id)
    _check_running(contest.status)
    return contest


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
    contest = _running(contest.pk)
    current = (
        Opening.objects.select_for_update().filter(pk=contest.current_id).select_related("question__round").first()
    )
    if current is not None and current.opened_at is None:
        return _open_now(contest, current, at, by)
    if current is not None and current.revealed_at is None and not current.skipped:
        raise ContestRejected("question_in_play", _("Reveal or skip the current question first."))
    question = next_question(contest)
    if question is None:
        raise ContestRejected("no_more_questions", _("There are no more questions."))
    opening = Opening.objects.create(contest=contest, question=question)
    contest.current = opening
    contest.save(update_fields=["current"])
    _audit(contest, by, "show", question=question.pk)
    if question.round.type in TWO_STEP:
        broadcast.after_commit(contest, "question.shown")
        return opening
    return _open_now(contest, opening, at, by)


def _open_now(contest: Contest, opening: Opening, at: datetime, by: User | None) -> Opening:
    opening.opened_at = at
    opening.deadline_at = at + timedelta(seconds=opening.question.round.time_limit_s)
    opening.save(update_fields=["opened_at", "deadline_at"])
    _audit(contest, by, "open", opening=opening.pk)
    broadcast.after_commit(contest, "question.opened")
    return opening


def _current(contest: Contest) -> Opening:
    opening = (
        Opening.objects.select_for_update()
        .filter(pk=contest.current_id)
        .select_related("question__round", "question__version")
        .first()
    )
    if opening is None:
        raise ContestRejected("no_question", _("No question is in play."))
    return opening


def _close(opening: Opening, at: datetime) -> bool:
    """Close once (a conditional update: whichever process or timer wins, the result is the same)."""
    closed_at = min(at, opening.deadline_at) if opening.deadline_at else at
    won = Opening.objects.filter(pk=opening.pk, closed_at__isnull=True).update(closed_at=closed_at)
    opening.closed_at = opening.closed_at or closed_at
    return bool(won)


@transaction.atomic
def question_close(*, contest: Contest, by: User | None, at: datetime | None = None) -> Opening:
    at = at or timezone.now()
    contest = Contest.objects.select_for_update().get(pk=contest.pk)
    opening = _current(contest)
    if _close(opening, at):
        _audit(contest, by, "close", opening=opening.pk)
        broadcast.after_commit(contest, "question.closed")
    return opening


def close_expired(*, opening_id: int, at: datetime | None = None) -> bool:
    """Close a question whose deadline has passed (any process's ticker may call this)."""
    at = at or timezone.now()
    opening = Opening.objects.select_related("contest").filter(pk=opening_id).first()
    if opening is None or opening.closed_at or not opening.deadline_at or at < opening.deadline_at:
        return False
    with transaction.atomic():
        if not _close(opening, opening.deadline_at):
            return False
        broadcast.after_commit(opening.contest, "question.closed")
    return True


def _time_used_ms(opening: Opening, answer: ContestAnswer) -> int | None:
    if opening.opened_at is None:
        return None
    return max(0, int((answer.received_at - opening.opened_at).total_seconds() * 1000))


def _automatic_points(round_: Round, correct: bool, stake: int | None = None) -> tuple[int, str]:
    if round_.type == Round.Type.RISK:
        return (stake if correct else -stake), ("right" if correct else "wrong")
    return (round_.points, "right") if correct else (-round_.penalty, "wrong")


@transaction.atomic
def question_reveal(*, contest: Contest, by: User | None, at: datetime | None = None) -> Opening:
    """Close (if open), score every answer once, and reveal the key to everyone."""
    at = at or timezone.now()
    contest = Contest.objects.select_for_update().get(pk=contest.pk)
    opening = _current(contest)
    if opening.opened_at is None:
        raise ContestRejected("not_open", _("Open the question before revealing it."))
    if opening.revealed_at:
        return opening
    _close(opening, at)
    round_ = opening.question.round
    stakes = {p.team_id: p.value for p in opening.risk_picks.all()}
    events = []
    for answer in opening.answers.all():
        points, reason = _automatic_points(round_, answer.is_correct, stakes.get(answer.team_id))
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
    if round_.type == Round.Type.RISK:
        answered = {a.team_id for a in opening.answers.all()}
        for team_id, stake in stakes.items():
            if stake and team_id not in answered:  # staked and did not answer: as wrong
                events.append(
                    ScoreEvent(contest=contest, team_id=team_id, opening=opening, points=-stake, reason="wrong")
                )
    ScoreEvent.objects.bulk_create(events, ignore_conflicts=True)
    opening.revealed_at = at
    opening.save(update_fields=["revealed_at", "closed_at"])
    _audit(contest, by, "reveal", opening=opening.pk)
    broadcast.after_commit(contest, "question.revealed")
    return opening


@transaction.atomic
def question_skip(*, contest: Contest, by: User | None, reason: str = "") -> Opening:
    contest = Contest.objects.select_for_update().get(pk=contest.pk)
    opening = _current(contest)
    if opening.revealed_at:
        raise ContestRejected("already_revealed", _("This question has been revealed."))
    _close(opening, timezone.now())
    opening.skipped = True
    opening.save(update_fields=["skipped", "closed_at"])
    _audit(contest, by, "skip", opening=opening.pk, reason=reason)
    broadcast.after_commit(contest, "question.skipped")
    return opening


@transaction.atomic
def contest_pause(*, contest: Contest, by: User | None, at: datetime | None = None) -> Contest:
    """Pause; an open question keeps its remaining time for the resume."""
    at = at or timezone.now()
    contest = _running(contest.pk)
    opening = Opening.objects.filter(pk=contest.current_id, closed_at__isnull=True, deadline_at__isnull=False).first()
    if opening is not None:
        opening.paused_remaining_ms = max(0, int((opening.deadline_at - at).total_seconds() * 1000))
        opening.deadline_at = None
        opening.save(update_fields=["paused_remaining_ms", "deadline_at"])
    contest.status = Contest.Status.PAUSED
    contest.save(update_fields=["status"])
    _audit(contest, by, "pause")
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
    _audit(contest, by, "resume")
    broadcast.after_commit(contest, "contest.resumed")
    return contest


@transaction.atomic
def contest_finish(*, contest: Contest, by: User | None, at: datetime | None = None) -> Contest:
    contest = Contest.objects.select_for_update().get(pk=contest.pk)
    if contest.status == Contest.Status.FINISHED:
        return contest
    contest.status = Contest.Status.FINISHED
    contest.finished_at = at or timezone.now()
    contest.save(update_fields=["status", "finished_at"])
    _audit(contest, by, "finish")
    broadcast.after_commit(contest, "contest.finished")
    return contest


@transaction.atomic
def answer_override(
    *, contest: Contest, answer: ContestAnswer, correct: bool, reason: str, by: User
) -> ScoreEvent | None:
    """A judge's ruling on a revealed answer: one event bringing the team's points for it to what
    the ruling gives. Needs a reason; audit-logged."""
    if not reason.strip():
        raise ContestRejected("reason_required", _("A ruling needs a reason."))
    opening = Opening.objects.select_related("question__round").get(pk=answer.opening_id)
    if opening.revealed_at is None:
        raise ContestRejected("not_revealed", _("Rule on an answer after the reveal."))
    round_ = opening.question.round
    stake = RiskPick.objects.filter(opening=opening, team=answer.team).values_list("value", flat=True).first()
    wanted, _reason = _automatic_points(round_, correct, stake)
    so_far = ScoreEvent.objects.filter(opening=opening, team=answer.team).aggregate(s=Sum("points"))["s"] or 0
    _audit(contest, by, "override", answer=answer.pk, correct=correct, reason=reason)
    if wanted == so_far:
        return None
    event = ScoreEvent.objects.create(
        contest=contest,
        team=answer.team,
        opening=opening,
        member_id=answer.member_id,
        points=wanted - so_far,
        reason="override",
        note=reason,
        created_by=by,
    )
    broadcast.after_commit(contest, "scoreboard")
    return event


@transaction.atomic
def score_adjust(*, contest: Contest, team: Team, points: int, reason: str, by: User) -> ScoreEvent:
    if not reason.strip():
        raise ContestRejected("reason_required", _("An adjustment needs a reason."))
    if team.contest_id != contest.pk:
        raise ContestRejected("no_such_team", _("That team is not in this contest."))
    event = ScoreEvent.objects.create(
        contest=contest, team=team, points=points, reason="adjustment", note=reason, created_by=by
    )
    _audit(contest, by, "adjust", team=team.pk, points=points, reason=reason)
    broadcast.after_commit(contest, "scoreboard")
    return event


# ---------------------------------------------------------------- player actions


def _place(contest: Contest, member: User) -> TeamMember:
    place = TeamMember.objects.select_related("team").filter(contest=contest, member=member).first()
    if place is None:
        raise ContestRejected("not_in_contest", _("You are not on a team in this contest."))
    return place


def baton_holder(opening: Opening, team_id: int) -> int | None:
    """The member id holding the relay baton for `team_id` on this question (legs in turn)."""
    return baton_holders(opening).get(team_id)


def baton_holders(opening: Opening) -> dict[int, int]:
    """Every team's baton holder for this question, from one query."""
    legs: dict[int, list[int]] = {}
    placed = TeamMember.objects.filter(contest_id=opening.contest_id, leg__isnull=False).order_by("team_id", "leg")
    for team_id, member_id in placed.values_list("team_id", "member_id"):
        legs.setdefault(team_id, []).append(member_id)
    turn = opening.question.position - 1
    return {team_id: members[turn % len(members)] for team_id, members in legs.items()}


def _may_answer(opening: Opening, place: TeamMember) -> None:
    round_ = opening.question.round
    if round_.type == Round.Type.RELAY and baton_holder(opening, place.team_id) != place.member_id:
        raise ContestRejected("leg_not_yours", _("Only the teammate holding the baton may answer this question."))
    if round_.type == Round.Type.COMPULSORY and opening.question.team_id not in (None, place.team_id):
        raise ContestRejected("not_your_question", _("This question belongs to another team."))
    if round_.type == Round.Type.BUZZER and opening.buzz_winner_id != place.team_id:
        raise ContestRejected("no_buzz_right", _("Only the team that won the buzz may answer."))
    if round_.type == Round.Type.RISK:
        stake = RiskPick.objects.filter(opening=opening, team_id=place.team_id).values_list("value", flat=True).first()
        if not stake:
            raise ContestRejected("no_stake", _("Your team did not stake on this question."))


def _eligible_teams(opening: Opening) -> int:
    """How many teams may answer this question (counted once per opening and process; the open
    time is in the key because SQLite may reuse a row id)."""
    key = (opening.pk, opening.opened_at)
    if key not in _ELIGIBLE:
        if len(_ELIGIBLE) > 1000:
            _ELIGIBLE.clear()
        _ELIGIBLE[key] = _count_eligible(opening)
    return _ELIGIBLE[key]


_ELIGIBLE: dict[tuple, int] = {}


def _count_eligible(opening: Opening) -> int:
    round_ = opening.question.round
    if round_.type == Round.Type.BUZZER:
        return 1
    if round_.type == Round.Type.RISK:
        return opening.risk_picks.filter(value__gt=0).count()
    if round_.type == Round.Type.COMPULSORY and opening.question.team_id:
        return 1
    return opening.contest.teams.count()


def _retried(opening_id: int, client_answer_id: str, member: User) -> ContestAnswer | None:
    """The answer already recorded under this id (a retry, acknowledged), if it is this member's."""
    existing = ContestAnswer.objects.filter(opening_id=opening_id, client_answer_id=client_answer_id).first()
    if existing is not None and existing.member_id != member.pk:
        raise ContestRejected("answer_id_taken", _("That answer id was used by someone else."))
    return existing


def answer_submit(
    *,
    contest: Contest,
    member: User,
    response: object,
    client_answer_id: str,
    opening_id: int | None = None,
    place: TeamMember | None = None,
    at: datetime | None = None,
) -> ContestAnswer:
    """Record a team's answer by the server's receive time. A retry with the same id is acknowledged.

    `place` (the member's frozen roster place) may be passed by a caller that already has it.
    """
    at = at or timezone.now()
    # No row locks and no transaction here: a hall answers at once, and the database's unique
    # constraint (one answer per team per question) is what keeps it right; closing is a
    # conditional update. One join reads the contest and the question in play.
    opening = (
        Opening.objects.select_related("contest", "question__round", "question__version")
        .filter(contest_id=contest.pk, contest__current_id=F("pk"))
        .first()
    )
    status = (
        opening.contest.status
        if opening
        else Contest.objects.filter(pk=contest.pk).values_list("status", flat=True).first()
    )
    _check_running(status)
    if opening is None:
        raise ContestRejected("no_question", _("No question is in play."))
    if opening_id is not None and opening_id != opening.pk:
        if retried := _retried(opening_id, client_answer_id, member):
            return retried
        raise ContestRejected("not_current_question", _("That question is no longer in play."))
    if opening.opened_at is None:
        raise ContestRejected("not_open", _("The question is not open yet."))
    if opening.closed_at or (opening.deadline_at and at > opening.deadline_at):
        if retried := _retried(opening.pk, client_answer_id, member):
            return retried
        raise ContestRejected("deadline_passed", _("Time is up for this question."))
    place = place or _place(opening.contest, member)
    _may_answer(opening, place)
    version = opening.question.version
    try:
        cleaned = clean_response(type=version.type, options=version.options, blanks=len(version.key), response=response)
    except ResponseInvalid as error:
        raise ContestRejected(error.code, error.message) from None
    correct = grade(type=version.type, key=version.key, response=cleaned, partial=False) == 1
    try:
        with transaction.atomic():  # a savepoint, so a refused duplicate leaves any caller's transaction usable
            answer = ContestAnswer.objects.create(
                opening=opening,
                team_id=place.team_id,
                member=member,
                response=cleaned,
                received_at=at,
                client_answer_id=client_answer_id,
                is_correct=correct,
            )
    except IntegrityError:
        if retried := _retried(opening.pk, client_answer_id, member):
            return retried
        raise ContestRejected("already_answered", _("Your team has already answered this question.")) from None
    # Close when every eligible team has answered: one conditional update, whoever gets there first.
    everyone = (
        Opening.objects.filter(pk=opening.pk, closed_at__isnull=True)
        .annotate(answered=Count("answers"))
        .filter(answered__gte=_eligible_teams(opening))
    )
    if Opening.objects.filter(pk__in=everyone.values("pk")).update(closed_at=at):
        broadcast.after_commit(opening.contest, "question.closed")
    else:
        broadcast.after_commit(opening.contest, "answer.received")
    return answer


@transaction.atomic
def buzz(*, contest: Contest, member: User, at: datetime | None = None) -> Buzz:
    """Buzz. Before the question opens it is a foul (points off, locked out); after, the first
    valid buzz by server receive time wins the right to answer."""
    at = at or timezone.now()
    contest = _running(contest.pk)
    opening = _current(contest)
    if opening.question.round.type != Round.Type.BUZZER:
        raise ContestRejected("not_a_buzzer_round", _("This is not a buzzer question."))
    if opening.closed_at:
        raise ContestRejected("deadline_passed", _("Time is up for this question."))
    place = _place(contest, member)
    early = opening.opened_at is None
    try:
        with transaction.atomic():
            pressed = Buzz.objects.create(opening=opening, team=place.team, member=member, received_at=at, early=early)
    except IntegrityError:
        raise ContestRejected("already_buzzed", _("Your team has already buzzed.")) from None
    if early:
        penalty = opening.question.round.early_buzz_penalty
        if penalty:
            ScoreEvent.objects.create(
                contest=contest, team=place.team, opening=opening, member=member, points=-penalty, reason="early_buzz"
            )
        broadcast.after_commit(contest, "buzz.foul")
        return pressed
    won = Opening.objects.filter(pk=opening.pk, buzz_winner__isnull=True).update(buzz_winner=place.team)
    if won:
        # The winner answers against a fresh clock.
        Opening.objects.filter(pk=opening.pk).update(
            deadline_at=at + timedelta(seconds=opening.question.round.time_limit_s)
        )
        broadcast.after_commit(contest, "buzz.won")
    return pressed


@transaction.atomic
def risk_pick(*, contest: Contest, member: User, value: int, at: datetime | None = None) -> RiskPick:
    at = at or timezone.now()
    contest = _running(contest.pk)
    opening = _current(contest)
    round_ = opening.question.round
    if round_.type != Round.Type.RISK:
        raise ContestRejected("not_a_risk_round", _("This is not a risk question."))
    if opening.opened_at is not None:
        raise ContestRejected("picking_closed", _("Stakes are picked before the question opens."))
    if value != 0 and value not in round_.risk_tiers:
        raise ContestRejected("bad_stake", _("Choose one of the offered values, or 0 to abstain."))
    place = _place(contest, member)
    try:
        with transaction.atomic():
            pick = RiskPick.objects.create(opening=opening, team=place.team, value=value, received_at=at)
    except IntegrityError:
        raise ContestRejected("already_picked", _("Your team has already picked.")) from None
    broadcast.after_commit(contest, "risk.picked")
    return pick


# ---------------------------------------------------------------- results


def team_scores(contest: Contest) -> list[dict]:
    """Teams with score (base + events) and relay time (sum of legs), best first."""
    totals = dict(
        ScoreEvent.objects.filter(contest=contest).values("team").annotate(s=Sum("points")).values_list("team", "s")
    )
    relay = {}
    for answer in ContestAnswer.objects.filter(
        opening__contest=contest, opening__question__round__type=Round.Type.RELAY
    ).annotate(opened=F("opening__opened_at")):
        relay[answer.team_id] = relay.get(answer.team_id, 0) + (answer.received_at - answer.opened).total_seconds()
    rows = [
        {
            "id": team.pk,
            "name": team.name,
            "unit": team.unit_id,
            "score": contest.base_score + (totals.get(team.pk) or 0),
            "relay_seconds": round(relay.get(team.pk, 0.0), 3),
        }
        for team in contest.teams.all()
    ]
    rows.sort(key=lambda row: (-row["score"], row["relay_seconds"], row["id"]))
    rank = 0
    for index, row in enumerate(rows):
        if index == 0 or (row["score"], row["relay_seconds"]) != (
            rows[index - 1]["score"],
            rows[index - 1]["relay_seconds"],
        ):
            rank = index + 1
        row["rank"] = rank
    return rows
