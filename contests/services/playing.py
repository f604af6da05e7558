"""What players do: answer (recorded in batches), buzz, and stake in risk rounds."""

import copy
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
from ..models import Buzz, Contest, ContestAnswer, LegHandover, Opening, RiskPick, RoundQuestion, ScoreEvent, TeamMember
from ..rounds import round_kind
from .common import ContestRejected, check_running, close_once, current_opening, running


def _place(contest: Contest, member: User) -> TeamMember:
    place = TeamMember.objects.select_related("team").filter(contest=contest, member=member).first()
    if place is None:
        raise ContestRejected("not_in_contest", _("You are not on a team in this contest."))
    return place


def baton_holder(opening: Opening, team_id: int) -> int | None:
    """The member id holding the relay baton for `team_id` on this question (`baton_in_turn`)."""
    return baton_holders(opening, team_ids=[team_id]).get(team_id)


def baton_holders(opening: Opening, *, team_ids: Sequence[int] | None = None) -> dict[int, int]:
    """Every team's (or the named teams') baton holder for this question, from two queries."""
    return {team_id: path[-1] for team_id, path in baton_paths(opening, team_ids=team_ids).items()}


def baton_paths(opening: Opening, *, team_ids: Sequence[int] | None = None) -> dict[int, list[int]]:
    """Every team's (or the named teams') `baton_path` for this question, from two queries."""
    legs, handovers = relay_order(opening.contest_id, team_ids=team_ids)
    question = opening.question
    return {
        team_id: baton_path(members, handovers.get(team_id, ()), question.round.position, question.position)
        for team_id, members in legs.items()
    }


class Handover(NamedTuple):
    """A `LegHandover` as the relay rule reads it: from the question at (`round`, `position`) on,
    `from_member`'s legs are `to_member`'s."""

    from_member: int
    to_member: int
    round: int
    position: int


def relay_order(
    contest_id: int, *, team_ids: Sequence[int] | None = None
) -> tuple[dict[int, list[int]], dict[int, list[Handover]]]:
    """Each team's members in leg order (as frozen at the start), and its hand-overs in the order made."""
    legs: dict[int, list[int]] = {}
    placed = TeamMember.objects.filter(contest_id=contest_id, leg__isnull=False)
    handed = LegHandover.objects.filter(contest_id=contest_id)
    if team_ids is not None:
        placed, handed = placed.filter(team_id__in=team_ids), handed.filter(team_id__in=team_ids)
    for team_id, member_id in placed.order_by("team_id", "leg").values_list("team_id", "member_id"):
        legs.setdefault(team_id, []).append(member_id)
    handovers: dict[int, list[Handover]] = {}
    for team_id, *fields in handed.order_by("pk").values_list(
        "team_id", "from_member_id", "to_member_id", "from_question__round__position", "from_question__position"
    ):
        handovers.setdefault(team_id, []).append(Handover(*fields))
    return legs, handovers


def leg_in_turn(members: Sequence[int], question_position: int) -> int:
    """The relay rule: question k's baton is with the team's leg (k - 1) mod its number of legs."""
    return members[(question_position - 1) % len(members)]


def baton_in_turn(members: Sequence[int], handovers: Sequence[Handover], round_position: int, position: int) -> int:
    """Who holds the baton for the question at `position` of the round at `round_position`: the
    last of its `baton_path`. The one rule for the answer intake, the frames and the results."""
    return baton_path(members, handovers, round_position, position)[-1]


def baton_path(members: Sequence[int], handovers: Sequence[Handover], round_position: int, position: int) -> list[int]:
    """The members the baton for this question passed through: the leg in turn (`leg_in_turn`),
    then the receiver of each hand-over, in the order made, that was from the holder then and
    applies from this question or an earlier one."""
    path = [leg_in_turn(members, position)]
    for handover in handovers:
        if handover.from_member == path[-1] and (round_position, position) >= (handover.round, handover.position):
            path.append(handover.to_member)
    return path


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
    """A running contest's roster as the batches judge it: each member's team, each team's relay
    order and its hand-overs. Rosters are frozen at the start and hand-overs bump the contest's
    `baton_version`, so each process reads one once per version."""

    def __init__(self, contest_id: int) -> None:
        self.teams = dict(TeamMember.objects.filter(contest_id=contest_id).values_list("member_id", "team_id"))
        self.legs, self.handovers = relay_order(contest_id)

    def baton_holder(self, team_id: int, question: RoundQuestion) -> int | None:
        members = self.legs.get(team_id)
        if not members:
            return None
        return baton_in_turn(members, self.handovers.get(team_id, ()), question.round.position, question.position)


_ROSTERS: dict[tuple[int, datetime, int], _Roster] = {}


def _roster(contest: Contest, *, fresh: bool = False) -> _Roster:
    """The roster of a started contest as of its latest hand-over (its start time is in the key:
    SQLite may reuse an id); `fresh` reads it again."""
    key = (contest.pk, contest.started_at, contest.baton_version)
    roster = None if fresh else _ROSTERS.get(key)
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

    def judge_all(self, submissions: Sequence[Submission]) -> list[_Candidate | ContestRejected]:
        """Each submission's answer to insert, or its refusal."""
        judged: list[_Candidate | ContestRejected] = []
        for submission in submissions:
            try:
                judged.append(self.judge(submission))
            except ContestRejected as refusal:
                judged.append(refusal)
        return judged

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
            # Read once more before refusing: a roster this process kept must never refuse a
            # player (a test database's ids repeat after a flush that resets its sequences).
            self.roster = _roster(opening.contest, fresh=True)
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

    Written under a shared row lock on the question in play, and judged against the question as
    that lock finds it: the batches of every process write side by side, while a close, reveal,
    pause or buzz (each updates that row) waits for them, and they for it. The database's unique
    constraints decide which answer a team keeps and make a retry count once. On PostgreSQL a
    batch is one statement (lock, checks, insert) and, when some answers were not inserted, one
    read; elsewhere a transaction of a few statements.
    """
    if connection.vendor == "postgresql":
        outcomes, opening = _submit_in_one_statement(contest_id, submissions)
    else:
        with transaction.atomic():
            outcomes, opening = _submit_locked(contest_id, submissions)
    if settle and any(isinstance(outcome, ContestAnswer) for outcome in outcomes):
        answers_settle(opening=opening)
    return outcomes


def _submit_locked(contest_id: int, submissions: Sequence[Submission]) -> tuple[list[Outcome], Opening | None]:
    """The batch in a transaction of its own statements (SQLite: one writer at a time)."""
    opening = _opening_locked(contest_id)
    refusal = _refusal_for_all(opening.contest.status if opening else _status(contest_id), opening)
    if refusal is not None:
        return [refusal] * len(submissions), opening
    judged = _Batch(opening, submissions).judge_all(submissions)
    recorded = _insert(opening, _first_comers([j for j in judged if isinstance(j, _Candidate)]))
    return _outcomes(opening, submissions, judged, recorded), opening


def _refusal_for_all(status: str | None, opening: Opening | None) -> ContestRejected | None:
    try:
        check_running(status)
        if opening is None:
            raise ContestRejected("no_question", _("No question is in play."))
    except ContestRejected as refusal:
        return refusal
    return None


# A batch judged against an older state of the question (the one its process last saw) is judged
# again once the statement's lock has read it; if the question let more in meanwhile (it opened,
# a team won the buzz, the contest resumed), the batch is written again with the new state.
_STATEMENT_ATTEMPTS = 3


def _submit_in_one_statement(
    contest_id: int, submissions: Sequence[Submission]
) -> tuple[list[Outcome], Opening | None]:
    """The batch as one statement (PostgreSQL): the shared lock on the question, the contest's
    status and question in play, and the insert of what passes the question's time checks, with
    the question's state as the lock found it. The answers are judged beforehand against the
    state this process last saw, and again against the locked one; they agree but in a few
    batches after a host's action. Run outside a transaction, the statement commits on its own.
    """
    opening = _IN_PLAY.get(contest_id) or _in_play(contest_id)
    recorded: dict[tuple[int, str], ContestAnswer] = {}
    batch = None
    for _attempt in range(_STATEMENT_ATTEMPTS):
        if opening is None:
            return [_refusal_for_all(_status(contest_id), None)] * len(submissions), None
        if batch is None:
            batch = _Batch(opening, submissions)
        batch.opening = opening
        judged = batch.judge_all(submissions)
        sent = _first_comers([j for j in judged if isinstance(j, _Candidate)])
        # Whatever was not inserted may be a retry of an answer recorded before: the statement
        # reads those of this question too, instead of a second round trip after it.
        retries = [
            s.client_answer_id
            for s, judgement in zip(submissions, judged, strict=True)
            if _may_be_recorded(judgement) and (s.opening_id or opening.pk) == opening.pk
        ]
        state, inserted, earlier = _insert_if_in_play(contest_id, opening, sent, retries)
        if state is None or state.status != Contest.Status.RUNNING:
            return [_refusal_for_all(state and state.status, opening)] * len(submissions), opening
        # The host moved on since this process last looked, or handed a runner's legs over (the
        # batch was judged by the legs before: the statement inserted none of it); or the
        # question it kept is another contest's whose row ids this one repeats (ids repeat after
        # a database is restored from a dump, or a test's flush restarts the sequences): its
        # start time tells them apart.
        contest = opening.contest
        moved = state.current_id != opening.pk or state.baton_version != contest.baton_version
        if moved or state.started_at != contest.started_at:
            opening, batch = _in_play(contest_id), None
            continue
        opening = _IN_PLAY[contest_id] = state.applied_to(opening)
        batch.opening = opening
        recorded.update(
            (
                (opening.pk, answer.client_answer_id),
                ContestAnswer(pk=inserted[answer.client_answer_id], opening=opening, **answer._asdict()),
            )
            for answer in sent
            if answer.client_answer_id in inserted
        )
        recorded.update(((opening.pk, answer.client_answer_id), answer) for answer in earlier.applied_to(opening))
        # Looked up by the statement and not found, so not recorded: except an answer sent but not
        # inserted with no answer of its team in sight, which only an answer committed beside the
        # statement (after its snapshot) can explain: those are read again.
        unexplained = {
            answer.client_answer_id
            for answer in sent
            if answer.client_answer_id not in inserted and answer.team_id not in earlier.teams_answered
        }
        looked_up = {(opening.pk, client_id) for client_id in retries if client_id not in unexplained}
        rejudged = batch.judge_all(submissions)
        if all(
            isinstance(before, _Candidate) or not isinstance(now, _Candidate)
            for before, now in zip(judged, rejudged, strict=True)
        ):
            return _outcomes(opening, submissions, rejudged, recorded, looked_up=looked_up), opening
    unavailable = ContestRejected("unavailable", _("The answer could not be stored just now; it is being sent again."))
    return [unavailable] * len(submissions), opening


class _LockedState(NamedTuple):
    """The contest's status and question in play, and that question's times, as a batch's lock found them."""

    current_id: int | None
    status: str
    started_at: datetime | None
    opened_at: datetime | None
    deadline_at: datetime | None
    closed_at: datetime | None
    revealed_at: datetime | None
    buzz_winner_id: int | None
    baton_version: int

    def applied_to(self, opening: Opening) -> Opening:
        """A copy of `opening` (its question and contest shared) in this state."""
        fresh = copy.copy(opening)
        fresh.opened_at, fresh.deadline_at, fresh.closed_at = self.opened_at, self.deadline_at, self.closed_at
        fresh.revealed_at, fresh.buzz_winner_id = self.revealed_at, self.buzz_winner_id
        return fresh


# Each contest's question in play as this process last saw it (a copy per batch, threads share it).
_IN_PLAY: dict[int, Opening] = {}


def _in_play(contest_id: int) -> Opening | None:
    """The contest's question in play, read without a lock, for the next batches to start from."""
    opening = (
        Opening.objects.select_related("contest", "question__round", "question__version")
        .filter(contest_id=contest_id, contest__current_id=F("pk"))
        .first()
    )
    if len(_IN_PLAY) > 1000:
        _IN_PLAY.clear()
    if opening is None:
        _IN_PLAY.pop(contest_id, None)
    else:
        _IN_PLAY[contest_id] = opening
    return opening


_BATCH_STATEMENT = """
WITH contest AS (SELECT current_id, status, started_at, baton_version FROM {contest} WHERE id = %(contest)s),
question AS (
    SELECT id, opened_at, deadline_at, closed_at, revealed_at, buzz_winner_id FROM {opening}
    WHERE id = %(opening)s FOR SHARE
),
inserted AS (
    INSERT INTO {answer} (opening_id, team_id, member_id, response, received_at, client_answer_id, is_correct)
    SELECT question.id, b.team_id, b.member_id, b.response::jsonb, b.received_at, b.client_answer_id, b.is_correct
    FROM contest, question,
        unnest(%(teams)s::bigint[], %(members)s::bigint[], %(responses)s::text[], %(received)s::timestamptz[],
               %(answer_ids)s::text[], %(correct)s::boolean[])
        AS b(team_id, member_id, response, received_at, client_answer_id, is_correct)
    WHERE contest.current_id = question.id AND contest.status = %(running)s AND contest.started_at = %(started)s
        AND contest.baton_version = %(baton_version)s
        AND question.opened_at IS NOT NULL AND question.revealed_at IS NULL
        AND (question.deadline_at IS NULL OR b.received_at <= question.deadline_at)
        AND (question.closed_at IS NULL OR b.received_at <= question.closed_at)
    ON CONFLICT DO NOTHING
    RETURNING id, client_answer_id
),
earlier AS (
    SELECT coalesce(array_agg(a.id), '{{}}') AS ids, coalesce(array_agg(a.client_answer_id), '{{}}') AS answer_ids,
        coalesce(array_agg(a.team_id), '{{}}') AS teams, coalesce(array_agg(a.member_id), '{{}}') AS members,
        coalesce(array_agg(a.response), '{{}}') AS responses, coalesce(array_agg(a.received_at), '{{}}') AS received,
        coalesce(array_agg(a.is_correct), '{{}}') AS correct
    FROM {answer} a JOIN question ON a.opening_id = question.id
    WHERE a.client_answer_id = ANY(%(retries)s::text[])
)
SELECT contest.current_id, contest.status, contest.started_at, question.opened_at, question.deadline_at,
    question.closed_at, question.revealed_at, question.buzz_winner_id,
    (SELECT coalesce(array_agg(id), '{{}}') FROM inserted),
    (SELECT coalesce(array_agg(client_answer_id), '{{}}') FROM inserted),
    earlier.ids, earlier.answer_ids, earlier.teams, earlier.members, earlier.responses, earlier.received,
    earlier.correct,
    (SELECT coalesce(array_agg(a.team_id), '{{}}') FROM {answer} a JOIN question ON a.opening_id = question.id
        WHERE a.team_id = ANY(%(teams)s::bigint[])),
    contest.baton_version
FROM contest LEFT JOIN question ON true, earlier
"""


class _Earlier(NamedTuple):
    """Answers recorded before a batch's statement, as arrays by column."""

    ids: list[int]
    answer_ids: list[str]
    teams: list[int]
    members: list[int]
    responses: list
    received: list[datetime]
    correct: list[bool]
    teams_answered: set[int]  # of the teams sent, those with an answer already

    def applied_to(self, opening: Opening) -> list[ContestAnswer]:
        return [
            ContestAnswer(
                pk=pk,
                opening=opening,
                client_answer_id=client_id,
                team_id=team_id,
                member_id=member_id,
                response=json.loads(response),  # as text: Django reads JSON itself (JSONField)
                received_at=received_at,
                is_correct=is_correct,
            )
            for pk, client_id, team_id, member_id, response, received_at, is_correct in zip(*self[:7], strict=True)
        ]


_NOTHING_EARLIER = _Earlier([], [], [], [], [], [], [], set())


def _insert_if_in_play(
    contest_id: int, opening: Opening, answers: list[_Candidate], retries: list[str]
) -> tuple[_LockedState | None, dict[str, int], _Earlier]:
    """Insert the answers that the question's times (the same checks as `_Batch.judge`'s) and no
    constraint refuse, if `opening` is still in play in a running contest, and read the answers
    this question recorded before under the client ids `retries`: one statement, one round trip
    (a burst's batch of 400 answers is a few parameters to send, as arrays, not 2,800 to bind
    one by one). Returns the state the lock found (None: no such contest), the ids of the
    inserted answers by client id, and the earlier answers (as the statement's snapshot saw them:
    one committed beside it is not among them)."""
    statement = _BATCH_STATEMENT.format(
        contest=Contest._meta.db_table, opening=Opening._meta.db_table, answer=ContestAnswer._meta.db_table
    )
    with connection.cursor() as cursor:
        cursor.execute(
            statement,
            {
                "contest": contest_id,
                "opening": opening.pk,
                "running": Contest.Status.RUNNING,
                "started": opening.contest.started_at,
                "baton_version": opening.contest.baton_version,
                "teams": [answer.team_id for answer in answers],
                "members": [answer.member_id for answer in answers],
                "responses": [json.dumps(answer.response, ensure_ascii=False) for answer in answers],
                "received": [answer.received_at for answer in answers],
                "answer_ids": [answer.client_answer_id for answer in answers],
                "correct": [answer.is_correct for answer in answers],
                "retries": retries,
            },
        )
        row = cursor.fetchone()
    if row is None:
        return None, {}, _NOTHING_EARLIER
    return _LockedState(*row[:8], row[18]), dict(zip(row[9], row[8], strict=True)), _Earlier(*row[10:17], set(row[17]))


def _outcomes(
    opening: Opening,
    submissions: Sequence[Submission],
    judged: list[_Candidate | ContestRejected],
    recorded: dict[tuple[int, str], ContestAnswer],
    *,
    looked_up: set[tuple[int, str]] = frozenset(),
) -> list[Outcome]:
    """Each submission's outcome once its batch is written: its answer, the answer its retry
    recorded before, or the refusal. `looked_up`: (question, client id) pairs already looked for
    among the recorded answers and not found."""
    # What was not inserted may be the retry of an answer recorded before (acknowledged with it);
    # the rest lost to a teammate's answer. Only those are looked up, unless they were already.
    unsettled = [
        s
        for s, judgement in zip(submissions, judged, strict=True)
        if _may_be_recorded(judgement)
        and (key := (s.opening_id or opening.pk, s.client_answer_id)) not in recorded
        and key not in looked_up
    ]
    if unsettled:
        recorded = {**recorded, **_recorded(unsettled, opening.pk)}
    # One refusal for the batch's teammates who lost (most of a hall's answers): its frame is
    # encoded once per language, not once per socket.
    already_answered = ContestRejected("already_answered", _("Your team has already answered this question."))
    outcomes: list[Outcome] = []
    for submission, judgement in zip(submissions, judged, strict=True):
        if not _may_be_recorded(judgement):
            outcomes.append(judgement)
            continue
        answer = recorded.get((submission.opening_id or opening.pk, submission.client_answer_id))
        if answer is not None:
            outcomes.append(
                answer
                if answer.member_id == submission.member_id
                else ContestRejected("answer_id_taken", _("That answer id was used by someone else."))
            )
        elif isinstance(judgement, _Candidate):
            outcomes.append(already_answered)
        else:
            outcomes.append(judgement)
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
    (PostgreSQL writes a batch with `_insert_if_in_play`.)"""
    if not answers:
        return {}
    ContestAnswer.objects.bulk_create(
        [ContestAnswer(opening=opening, **answer._asdict()) for answer in answers], ignore_conflicts=True
    )
    return _recorded(answers, opening.pk)


def _opening_locked(contest_id: int) -> Opening | None:
    """The contest's question in play, read in the batch's transaction. SQLite has no row locks:
    its write transactions run one at a time. (PostgreSQL locks it in `_insert_if_in_play`.)"""
    return (
        Opening.objects.select_related("contest", "question__round", "question__version")
        .filter(contest_id=contest_id, contest__current_id=F("pk"))
        .first()
    )


def _status(contest_id: int) -> str | None:
    return Contest.objects.filter(pk=contest_id).values_list("status", flat=True).first()


# A submission refused for these reasons may be the retry of an answer already recorded: then it
# is acknowledged with that answer instead.
_RETRY_MAY_EXPLAIN = {"not_current_question", "deadline_passed"}


def _may_be_recorded(judgement: _Candidate | ContestRejected) -> bool:
    """Whether a submission so judged may turn out to be a retry of an answer recorded before."""
    return isinstance(judgement, _Candidate) or judgement.code in _RETRY_MAY_EXPLAIN


def _recorded(submissions: Sequence, current_id: int) -> dict[tuple[int, str], ContestAnswer]:
    """The answers recorded under the submissions' (or candidates') client ids, by (opening, client id)."""
    # With its question (the caller settles it): most are a retry of an answer to the one in play.
    query = ContestAnswer.objects.select_related("opening__contest", "opening__question__round").filter(
        opening_id__in={getattr(s, "opening_id", None) or current_id for s in submissions},
        client_answer_id__in={s.client_answer_id for s in submissions},
    )
    return {(answer.opening_id, answer.client_answer_id): answer for answer in query}


def answers_settle(*, opening: Opening) -> None:
    """After answers have been written: close the question once every eligible team has answered
    (at the last answer's receive time); otherwise tell the screens of the progress. Batches of
    several processes commit side by side; each settle counts what all of them committed. The
    count is one statement outside a transaction; the close, once per question, takes the locks."""
    answered = ContestAnswer.objects.filter(opening_id=opening.pk).aggregate(n=Count("pk"), last=Max("received_at"))
    if answered["n"] < _eligible_teams(opening):
        broadcast.after_commit(opening.contest, "answer.received")  # outside a transaction: at once
        return
    with transaction.atomic():
        # Closing numbers a broadcast, which takes the contest's row: take it before the opening's.
        Contest.objects.select_for_update().only("pk").get(pk=opening.contest_id)
        locked = Opening.objects.filter(pk=opening.pk).first()  # its deadline as the host left it
        closed = locked is not None and close_once(locked, answered["last"])
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
