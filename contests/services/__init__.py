"""The contest rules engine: every write of a live contest. No sockets here.

Times are the server's. Each function validates against the round's rules, writes facts
(answers, buzzes, picks, score events), and queues the broadcast after commit.

- `setup`: contests, teams with their relay order, rounds, the start (rosters freeze);
- `hosting`: the host's actions (open, close, reveal, skip, pause, rulings, adjustments);
- `playing`: what players do (answers, in batches; buzzes; risk stakes);
- `results`: team scores derived from the facts.
"""

from .common import ContestRejected
from .handover import handovers_made, legs_hand_over, legs_handed_from, relay_questions_ahead, relay_runners_ahead
from .hosting import (
    ADJUSTMENT_LIMIT,
    REASON_MAX,
    answer_override,
    close_expired,
    contest_finish,
    contest_pause,
    contest_resume,
    next_question,
    question_close,
    question_open,
    question_reveal,
    question_skip,
    score_adjust,
)
from .playing import (
    Submission,
    answer_submit,
    answers_settle,
    answers_submit,
    baton_holder,
    baton_holders,
    baton_in_turn,
    buzz,
    relay_order,
    risk_pick,
)
from .results import QuestionPoints, answer_rulings, contest_times_relays, results_ledger, team_scores
from .setup import (
    Missing,
    contest_create,
    contest_start,
    moved_out_by_team,
    places_by_team,
    rehearsal_missing,
    roster_deactivated,
    roster_outside_unit,
    round_add,
    start_missing,
    team_add,
)

__all__ = [
    "ADJUSTMENT_LIMIT",
    "REASON_MAX",
    "ContestRejected",
    "Missing",
    "Submission",
    "answer_override",
    "answer_submit",
    "answers_settle",
    "answers_submit",
    "baton_holder",
    "baton_holders",
    "baton_in_turn",
    "handovers_made",
    "legs_hand_over",
    "legs_handed_from",
    "relay_questions_ahead",
    "relay_runners_ahead",
    "relay_order",
    "buzz",
    "close_expired",
    "contest_create",
    "contest_finish",
    "contest_pause",
    "contest_resume",
    "contest_start",
    "next_question",
    "moved_out_by_team",
    "places_by_team",
    "question_close",
    "question_open",
    "question_reveal",
    "question_skip",
    "risk_pick",
    "round_add",
    "rehearsal_missing",
    "roster_deactivated",
    "roster_outside_unit",
    "score_adjust",
    "start_missing",
    "team_add",
    "QuestionPoints",
    "answer_rulings",
    "contest_times_relays",
    "results_ledger",
    "team_scores",
]
