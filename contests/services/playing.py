"""What players do: answer (recorded in batches), buzz, and stake in risk rounds."""

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple

from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F, Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lessons.grading import ResponseInvalid, check_exact_form, clean_response, grade
from orgs.models import User

from .. import broadcast
from ..models import Buzz, Contest, ContestAnswer, Opening, RiskPick, ScoreEvent, TeamMember
from ..rounds import round_kind
from .common import ContestRejected, check_running, close_once, current_opening, running


def _place(contest: Contest, member: User) -> TeamMember:
    place = TeamMember.objects.select_related("team").filter(contest=contest, member=member).first()
    if place is None:
        raise ContestRejected("not_in_contest", _("You are not on a team in this contest."))
    return place


def baton_holder(opening: Opening, team_id: int) -> int | None:
    """The member id holding the relay baton for `team_id` on this question (legs in turn)."""
    return baton_holders(opening, team_ids=[team_id]).get(team_id)


def baton_holders(opening: Opening, *, team_ids: Sequence[int] | None = None) -> dict[int, int]:
    """Every team's (or the named teams') baton holder for this question, from one query."""
    legs: dict[int, list[int]] = {}
    placed = TeamMember.objects.filter(contest_id=opening.contest_id, leg__isnull=False)
    if team_ids is not None:
        placed = placed.filter(team_id__in=team_ids)
    for team_id, member_id in placed.order_by("team_id", "leg").values_list("team_id", "member_id"):
        legs.setdefault(team_id, []).append(member_id)
    return {team_id: leg_in_turn(members, opening.question.position) for team_id, members in legs.items()}


def leg_in_turn(members: Sequence[int], question_position: int) -> int:
    """The relay rule: question k's baton is with the team's leg (k - 1) mod its number of legs."""
    return members[(question_position - 1) % len(members)]


def _eligible_teams(opening: Opening) -> int:
    """How many teams may answer this question (counted once per opening and process; the open
    time is in the key because SQLite may reuse a row id)."""
    key = (opening.pk, opening.opened_at)
    if key not in _ELIGIBLE:
        if len(_ELIGIBLE) > 1000:
            _ELIGIBLE.clear()
        _ELIGIBLE[key] = round_kind(opening.question.round.type).eligible_teams(opening)
    return _ELIGIBLE[key]


_ELIGIBLE: dict[tuple, int] = {}


@dataclass(frozen=True)
class Submission:
    """One answer as it arrived: who sent it, when the server received it, and the client's id
    (a retry carries the same id). `opening_id` is the question the client meant, if it said."""

    member_id: int
    client_answer_id: str
    response: object
    received_at: datetime
    opening_id: int | None = None


Outcome = ContestAnswer | ContestRejected


class _Candidate(NamedTuple):
    """A judged submission that may be inserted: plain values, no model instance (a hall's
    burst judges thousands, of which one per team is kept)."""

    team_id: int
    member_id: int
    response: list
    received_at: datetime
    client_answer_id: str
    is_correct: bool


class _Roster:
    """A running contest's roster as the batches judge it: each member's team and each team's
    relay order. Rosters are frozen at the start, so each process reads one once."""

    def __init__(self, contest_id: int) -> None:
        self.teams: dict[int, int] = {}
        self.legs: dict[int, list[int]] = {}
        rows = TeamMember.objects.filter(contest_id=contest_id).order_by("team_id", "leg")
        for member_id, team_id, leg in rows.values_list("member_id", "team_id", "leg"):
            self.teams[member_id] = team_id
            if leg is not None:
                self.legs.setdefault(team_id, []).append(member_id)

    def baton_holder(self, team_id: int, question_position: int) -> int | None:
        members = self.legs.get(team_id)
        return leg_in_turn(members, question_position) if members else None


_ROSTERS: dict[tuple[int, datetime], _Roster] = {}


def _roster(contest: Contest) -> _Roster:
    """The roster of a started contest (its start time is in the key: SQLite may reuse an id)."""
    key = (contest.pk, contest.started_at)
    roster = _ROSTERS.get(key)
    if roster is None:
        if len(_ROSTERS) > 100:
            _ROSTERS.clear()
        roster = _ROSTERS[key] = _Roster(contest.pk)
    return roster


class _Batch:
    """What one batch needs to judge its submissions: the round's rules, the roster, and the
    stakes of a risk round."""

    def __init__(self, opening: Opening, submissions: Sequence[Submission]) -> None:
        self.opening = opening
        self.roster = _roster(opening.contest)
        teams = {self.roster.teams[s.member_id] for s in submissions if s.member_id in self.roster.teams}
        self.kind = round_kind(opening.question.round.type)
        self.stakes = self.kind.stakes(opening, team_ids=teams)
        # A hall sends a handful of distinct responses ("A", "B", ...): each is checked, cleaned
        # and graded once per batch, not once per phone (that was most of judging a batch).
        self._graded: dict[tuple, tuple[list, bool] | tuple[str, str, None]] = {}

    def _grade(self, response: object) -> tuple[list, bool]:
        """The response in canonical form and whether it is right; ResponseInvalid if it is not in
        a documented form."""
        key = _response_key(response)
        graded = self._graded.get(key) if key is not None else None
        if graded is None:
            version = self.opening.question.version
            shape = {"type": version.type, "options": version.options, "blanks": len(version.key)}
            try:
                check_exact_form(**shape, response=response)
                cleaned = clean_response(**shape, response=response)
                graded = (cleaned, grade(type=version.type, key=version.key, response=cleaned, partial=False) == 1)
            except ResponseInvalid as error:
                graded = (error.code, error.message, None)
            if key is not None:
                self._graded[key] = graded
        if len(graded) == 3:
            raise ResponseInvalid(*graded[:2])
        return graded

    def judge(self, submission: Submission) -> _Candidate:
        """The answer to insert for this submission, or ContestRejected saying why not."""
        opening = self.opening
        if submission.opening_id is not None and submission.opening_id != opening.pk:
            raise ContestRejected("not_current_question", _("That question is no longer in play."))
        if opening.opened_at is None:
            raise ContestRejected("not_open", _("The question is not open yet."))
        # Counted by the server's receive time: an answer that arrived before the close counts
        # even if its batch is written after it, unless the key has been revealed since.
        late = opening.deadline_at is not None and submission.received_at > opening.deadline_at
        if late or opening.revealed_at or (opening.closed_at and submission.received_at > opening.closed_at):
            raise ContestRejected("deadline_passed", _("Time is up for this question."))
        team_id = self.roster.teams.get(submission.member_id)
        if team_id is None:
            raise ContestRejected("not_in_contest", _("You are not on a team in this contest."))
        self.kind.check_answerer(self, submission.member_id, team_id)
        try:
            cleaned, is_correct = self._grade(submission.response)
        except ResponseInvalid as error:
            raise ContestRejected(error.code, error.message) from None
        return _Candidate(
            team_id=team_id,
            member_id=submission.member_id,
            response=cleaned,
            received_at=submission.received_at,
            client_answer_id=submission.client_answer_id,
            is_correct=is_correct,
        )


def _response_key(response: object) -> tuple | None:
    """A key telling apart every response in the forms a client can send (JSON scalars, lists of
    strings or booleans), by value and type (True is not 1); None for anything else (not reused)."""
    if response is None or type(response) in (str, bool, int, float):
        return (type(response), response)
    if type(response) is list and all(type(item) in (str, bool) for item in response):
        return (list, *((type(item), item) for item in response))
    return None


def answers_submit(*, contest_id: int, submissions: Sequence[Submission], settle: bool = True) -> list[Outcome]:
    """Record a batch of answers, each by its own server receive time. Returns, in order, each
    submission's answer (new, or the one its retry already recorded) or the refusal. Then, unless
    `settle` is false (the caller will call `answers_settle`), close the question if everyone has
    answered, or tell the screens of the progress.

    One transaction holding a shared row lock on the question in play: the batches of every
    process write side by side, while a close, reveal, pause or buzz (each updates that row)
    waits for them, and they for it. The database's unique constraints decide which answer a
    team keeps and make a retry count once. A hall answering at once costs a few statements per
    batch, not per answer.
    """
    with transaction.atomic():
        opening = _opening_locked(contest_id)
        status = opening.contest.status if opening else _status(contest_id)
        try:
            check_running(status)
            if opening is None:
                raise ContestRejected("no_question", _("No question is in play."))
        except ContestRejected as refusal:
            return [refusal] * len(submissions)
        batch = _Batch(opening, submissions)
        outcomes: list[Outcome | None] = [None] * len(submissions)
        candidates: list[_Candidate] = []
        for index, submission in enumerate(submissions):
            try:
                candidates.append(batch.judge(submission))
            except ContestRejected as refusal:
                outcomes[index] = refusal
        recorded = _insert(opening, _first_comers(candidates))
        # What was not inserted here may be the retry of an answer recorded before (acknowledged
        # with it); the rest lost to a teammate's answer. Only those are looked up.
        unsettled = [
            s
            for s, outcome in zip(submissions, outcomes, strict=True)
            if (outcome is None or outcome.code in _RETRY_MAY_EXPLAIN)
            and (s.opening_id or opening.pk, s.client_answer_id) not in recorded
        ]
        if unsettled:
            recorded.update(_recorded(unsettled, opening.pk))
        for index, submission in enumerate(submissions):
            if outcomes[index] is not None and outcomes[index].code not in _RETRY_MAY_EXPLAIN:
                continue
            answer = recorded.get((submission.opening_id or opening.pk, submission.client_answer_id))
            if answer is not None:
                outcomes[index] = (
                    answer
                    if answer.member_id == submission.member_id
                    else ContestRejected("answer_id_taken", _("That answer id was used by someone else."))
                )
            elif outcomes[index] is None:
                outcomes[index] = ContestRejected(
                    "already_answered", _("Your team has already answered this question.")
                )
    if settle and any(isinstance(outcome, ContestAnswer) for outcome in outcomes):
        answers_settle(opening_id=opening.pk)
    return outcomes


def _first_comers(candidates: list[_Candidate]) -> list[_Candidate]:
    """Of a batch's answers, the earliest received for each team and each answer id (the rest are
    refused, or acknowledged as retries, once the batch is written), in team order: the same in
    every batch, so that two batches inserting for the same teams wait for each other's rows in one
    order and cannot deadlock."""
    teams, answer_ids, first = set(), set(), []
    for answer in sorted(candidates, key=lambda answer: answer.received_at):
        if answer.team_id not in teams and answer.client_answer_id not in answer_ids:
            teams.add(answer.team_id)
            answer_ids.add(answer.client_answer_id)
            first.append(answer)
    return sorted(first, key=lambda answer: answer.team_id)


def _insert(opening: Opening, answers: list[_Candidate]) -> dict[tuple[int, str], ContestAnswer]:
    """Insert the answers that no constraint refuses; return those inserted, by (opening, client id).

    On PostgreSQL one statement with a parameter per column (arrays unnested), whose RETURNING
    names the rows it inserted: a burst's batch of 400 answers is 7 parameters to send, not
    2,800 to bind one by one (in a profile under the burst, binding was most of an insert), and
    no read-back of what was just written. Elsewhere `bulk_create`, then a read-back."""
    if not answers:
        return {}
    if connection.vendor != "postgresql":
        ContestAnswer.objects.bulk_create(
            [ContestAnswer(opening=opening, **answer._asdict()) for answer in answers], ignore_conflicts=True
        )
        return _recorded(answers, opening.pk)
    table = ContestAnswer._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} "  # noqa: S608 (the table name is the model's)
            "(opening_id, team_id, member_id, response, received_at, client_answer_id, is_correct) "
            "SELECT %s, team_id, member_id, response::jsonb, received_at, client_answer_id, is_correct "
            "FROM unnest(%s::bigint[], %s::bigint[], %s::text[], %s::timestamptz[], %s::text[], %s::boolean[]) "
            "AS batch(team_id, member_id, response, received_at, client_answer_id, is_correct) "
            "ON CONFLICT DO NOTHING RETURNING id, client_answer_id",
            [
                opening.pk,
                [answer.team_id for answer in answers],
                [answer.member_id for answer in answers],
                [json.dumps(answer.response, ensure_ascii=False) for answer in answers],
                [answer.received_at for answer in answers],
                [answer.client_answer_id for answer in answers],
                [answer.is_correct for answer in answers],
            ],
        )
        inserted = {client_id: pk for pk, client_id in cursor.fetchall()}
    return {
        (opening.pk, answer.client_answer_id): ContestAnswer(
            pk=inserted[answer.client_answer_id], opening=opening, **answer._asdict()
        )
        for answer in answers
        if answer.client_answer_id in inserted
    }


def _opening_locked(contest_id: int) -> Opening | None:
    """The contest's question in play, under a shared row lock (PostgreSQL's FOR SHARE, which
    Django's ORM does not offer); read after the lock, so it is as a close or reveal left it.
    SQLite has no row locks: its write transactions run one at a time."""
    in_play = Opening.objects.select_related("contest", "question__round", "question__version").filter(
        contest_id=contest_id, contest__current_id=F("pk")
    )
    if not connection.features.has_select_for_update:
        return in_play.first()
    opening_table, contest_table = Opening._meta.db_table, Contest._meta.db_table
    while True:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id FROM {opening_table} WHERE id = "  # noqa: S608 (table names from the models)
                f"(SELECT current_id FROM {contest_table} WHERE id = %s) FOR SHARE",
                [contest_id],
            )
            locked = cursor.fetchone()
        opening = in_play.first()
        # The host may have moved on to the next question while this batch waited for the lock.
        if opening is None or (locked and locked[0] == opening.pk):
            return opening


def _status(contest_id: int) -> str | None:
    return Contest.objects.filter(pk=contest_id).values_list("status", flat=True).first()


# A submission refused for these reasons may be the retry of an answer already recorded: then it
# is acknowledged with that answer instead.
_RETRY_MAY_EXPLAIN = {"not_current_question", "deadline_passed"}


def _recorded(submissions: Sequence, current_id: int) -> dict[tuple[int, str], ContestAnswer]:
    """The answers recorded under the submissions' (or candidates') client ids, by (opening, client id)."""
    query = ContestAnswer.objects.filter(
        opening_id__in={getattr(s, "opening_id", None) or current_id for s in submissions},
        client_answer_id__in={s.client_answer_id for s in submissions},
    )
    return {(answer.opening_id, answer.client_answer_id): answer for answer in query}


def answers_settle(*, opening_id: int) -> None:
    """After answers have been written: close the question once every eligible team has answered
    (at the last answer's receive time); otherwise tell the screens of the progress. Batches of
    several processes commit side by side; each settle counts what all of them committed."""
    opening = Opening.objects.select_related("contest", "question__round").filter(pk=opening_id).first()
    if opening is None:
        return
    with transaction.atomic():
        answered = ContestAnswer.objects.filter(opening=opening).aggregate(n=Count("pk"), last=Max("received_at"))
        everyone = answered["n"] >= _eligible_teams(opening)
        closed = False
        if everyone and not opening.closed_at:
            # Closing numbers a broadcast, which takes the contest's row: take it before the opening's.
            Contest.objects.select_for_update().only("pk").get(pk=opening.contest_id)
            closed = close_once(opening, answered["last"])
        broadcast.after_commit(opening.contest, "question.closed" if closed else "answer.received")


def answer_submit(
    *,
    contest: Contest,
    member: User,
    response: object,
    client_answer_id: str,
    opening_id: int | None = None,
    at: datetime | None = None,
) -> ContestAnswer:
    """Record one answer by the server's receive time (a batch of one). A retry with the same id
    is acknowledged with the answer it recorded."""
    submission = Submission(
        member_id=member.pk,
        client_answer_id=client_answer_id,
        response=response,
        received_at=at or timezone.now(),
        opening_id=opening_id,
    )
    (outcome,) = answers_submit(contest_id=contest.pk, submissions=[submission])
    if isinstance(outcome, ContestRejected):
        raise outcome
    return outcome


@transaction.atomic
def buzz(*, contest: Contest, member: User, at: datetime | None = None) -> Buzz:
    """Buzz. Before the question opens it is a foul (points off, locked out); after, the first
    valid buzz by server receive time wins the right to answer."""
    at = at or timezone.now()
    contest = running(contest.pk)
    opening = current_opening(contest)
    if not round_kind(opening.question.round.type).takes_buzzes:
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
    contest = running(contest.pk)
    opening = current_opening(contest)
    round_ = opening.question.round
    if not round_kind(round_.type).takes_stakes:
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
