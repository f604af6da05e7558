"""What every round type decides, with the rules most types share."""

from collections.abc import Collection
from typing import TYPE_CHECKING, ClassVar, Protocol

from ..models import Contest, Opening, Round, RoundQuestion

if TYPE_CHECKING:
    from ..wizard.services import RoundSettings

# The settings an organiser gives a round besides its title; each type has some of them.
ROUND_SETTINGS = ("points", "penalty", "early_buzz_penalty", "time_limit_s", "risk_tiers", "teams_in_turn")


class Roster(Protocol):
    def baton_holder(self, team_id: int, question: RoundQuestion) -> int | None: ...


class AnswerBatch(Protocol):
    """What a batch of answers knows when it judges one: the question in play (with its round),
    the contest's roster, and the stakes of the batch's teams (risk rounds)."""

    opening: Opening
    roster: Roster
    stakes: dict[int, int]


class RoundKind:
    """The rules of one round type. Each type's subclass has one stateless instance, in
    `registry.KINDS`; the defaults here are the plain rules: every team answers, a right answer
    scores the round's points and a wrong one costs its penalty."""

    type: ClassVar[str]
    # Opened in two presses: the first shows the question (`shown_phase`), the second opens it.
    two_step: ClassVar[bool] = False
    shown_phase: ClassVar[str] = "reading"
    takes_buzzes: ClassVar[bool] = False
    takes_stakes: ClassVar[bool] = False
    # Who answers for a team that may answer (`answer_teams`): any member ("team"), or only
    # the member holding the relay baton ("baton"). Players' phones offer the answer buttons by it.
    answered_by: ClassVar[str] = "team"
    # What a phone says to a team left out of a question (a key of the live pages' texts,
    # templates/contests/_live_texts.html), or "" for nothing.
    left_out_note: ClassVar[str] = ""
    # Whether the teams' answer times on this type's questions break ties on points.
    times_break_ties: ClassVar[bool] = False
    # Which of ROUND_SETTINGS the organiser sets (the wizard offers only these).
    settings: ClassVar[tuple[str, ...]] = ("points", "penalty", "time_limit_s")
    default_risk_tiers: ClassVar[tuple[int, ...]] = ()

    def default_penalty(self, points: int) -> int:
        """Points off for a wrong answer when none is given: as many as a right answer earns."""
        return points

    def check_settings(self, settings: "RoundSettings") -> None:
        """Refuse (ContestRejected) settings a round of this type cannot be played with."""

    def check_answerer(self, batch: AnswerBatch, member_id: int, team_id: int) -> None:
        """Refuse (ContestRejected) an answer from a member who may not answer this question.
        Runs for every answer of a hall's burst: no queries, nothing built."""

    def eligible_teams(self, opening: Opening) -> int:
        """How many teams may answer this question (once that many have, it closes)."""
        return opening.contest.teams.count()

    def answer_teams(self, opening: Opening) -> list[int] | None:
        """The teams that may answer this question once it opens, for the frame (None: every
        team). `check_answerer` is the rule; this tells phones whether to offer an answer."""
        return None

    def stakes(self, opening: Opening, *, team_ids: Collection[int] | None = None) -> dict[int, int]:
        """The stakes picked on this question by team (every team's, or `team_ids`'): none
        outside risk rounds, and no query."""
        return {}

    def answer_points(self, round_: Round, correct: bool, stake: int | None) -> tuple[int, str]:
        """The points an answer scores automatically, and the reason recorded with them."""
        return (round_.points, "right") if correct else (-round_.penalty, "wrong")

    def unanswered_points(self, *, stakes: dict[int, int], answered: Collection[int]) -> dict[int, int]:
        """Points scored at the reveal by teams that did not answer, by team: none by default."""
        return {}

    def frame_extras(self, opening: Opening, contest: Contest) -> dict:
        """What this type adds to the question in the public frame (players and big screens).
        Never a key: the public frame is sent before the reveal."""
        return {}
