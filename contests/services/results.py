"""Scores derived from the facts: a team's score is its base score plus its events."""

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Sum

from ..models import AuditEntry, Contest, ContestAnswer, Opening, ScoreEvent, Team, english_team_name
from ..rounds import KINDS

_TIMED_TYPES = [kind.type for kind in KINDS.values() if kind.times_break_ties]


def team_scores(contest: Contest) -> list[dict]:
    """Teams with score (base + events) and relay time, best first: by score, then by the shorter
    relay time; teams share a rank only when both are equal. `ahead_on_time` marks a team placed
    above the next one, level with it on score, by its shorter relay time."""
    totals = dict(
        ScoreEvent.objects.filter(contest=contest).values("team").annotate(s=Sum("points")).values_list("team", "s")
    )
    relay = _relay_seconds(contest)
    rows = [
        {
            "id": team_id,
            "name": name,
            "name_en": english_team_name(name, unit_name, unit_name_en),
            "unit": unit_id,
            "score": contest.base_score + (totals.get(team_id) or 0),
            "relay_seconds": round(relay.get(team_id, 0.0), 3),
        }
        for team_id, name, unit_id, unit_name, unit_name_en in contest.teams.values_list(
            "pk", "name", "unit_id", "unit__name", "unit__name_en"
        )
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
    # Say where relay time, not score, decided a place: on the team ahead of one level on score.
    for index, row in enumerate(rows):
        below = rows[index + 1] if index + 1 < len(rows) else None
        row["ahead_on_time"] = below is not None and below["score"] == row["score"] and below["rank"] != row["rank"]
    return rows


def contest_times_relays(contest: Contest) -> bool:
    """Whether any round of the contest times its answers (a relay), so that relay time can
    place teams level on score; without one, relay time is always 0 and means nothing."""
    return contest.rounds.filter(type__in=_TIMED_TYPES).exists()


def _relay_seconds(contest: Contest) -> dict[int, float]:
    """Each team's relay time: over the relay questions opened, closed and not skipped, from the
    opening to the team's answer, right or wrong, or, when the team did not answer, to the
    question's close; less the time the contest was paused in between, and at most the round's
    time limit. A question still open counts for no team until it closes: had answering added the
    answering teams' legs at once, a team that answered would rank below one that had not yet.
    Not answering never makes a team faster."""
    openings = Opening.objects.filter(
        contest=contest,
        question__round__type__in=_TIMED_TYPES,
        opened_at__isnull=False,
        closed_at__isnull=False,
        skipped=False,
    )
    answered = {
        (opening_id, team_id): received_at
        for opening_id, team_id, received_at in ContestAnswer.objects.filter(opening__in=openings).values_list(
            "opening_id", "team_id", "received_at"
        )
    }
    pauses = list(contest.pauses.values_list("started_at", "ended_at"))
    team_ids = list(contest.teams.values_list("pk", flat=True))
    relay: dict[int, float] = {}
    for opening_id, opened_at, closed_at, limit_s in openings.values_list(
        "pk", "opened_at", "closed_at", "question__round__time_limit_s"
    ):
        for team_id in team_ids:
            until = min(answered.get((opening_id, team_id), closed_at), closed_at)
            relay[team_id] = relay.get(team_id, 0.0) + leg_seconds(opened_at, until, pauses, limit_s)
    return relay


def leg_seconds(opened_at: datetime, until: datetime, pauses: list[tuple], limit_s: int) -> float:
    """Seconds from `opened_at` to `until` the hall could answer in: less each pause
    (`(started_at, ended_at)`, `ended_at` None while it lasts) between them, at most `limit_s`."""
    paused = 0.0
    for started_at, ended_at in pauses:
        overlap = (min(until, ended_at or until) - max(opened_at, started_at)).total_seconds()
        paused += max(0.0, overlap)
    return min(max(0.0, (until - opened_at).total_seconds() - paused), float(limit_s))


@dataclass
class QuestionPoints:
    """A team's points on one question as counted: its answer (or none: a foul, a stake missed),
    the verdict that stands after every ruling, and the rulings that gave it."""

    opening: Opening
    team: Team
    answer: ContestAnswer | None
    points: int = 0
    verdict: bool | None = None
    voided: bool = False
    void_reason: str = ""
    reasons: set[str] = field(default_factory=set)
    rulings: list[AuditEntry] = field(default_factory=list)


def answer_rulings(contest: Contest) -> dict[int, AuditEntry]:
    """The ruling that stands on each ruled answer of `contest` (the latest, in the contest or
    corrected after the finish), by answer id: its `detail["correct"]` is the answer's verdict now."""
    rulings = {}
    for ruling in (
        AuditEntry.objects.filter(contest=contest, action__in=["override", "correct"])
        .select_related("actor")
        .order_by("pk")
    ):
        if ruling.detail.get("answer") is not None:  # not an adjustment after the finish
            rulings[ruling.detail["answer"]] = ruling
    return rulings


def results_ledger(contest: Contest) -> tuple[list[QuestionPoints], list[ScoreEvent]]:
    """Every point of the standings, as the results export lists them: the points on questions
    (one entry per answer, and per team with points on a question it did not answer), in the
    order played, then the adjustments and corrections not on a question, oldest first. A team's
    base score plus its entries in both is its score in `team_scores`. An answer to a skipped
    question is voided (0 points); a ruling's points, in the contest or on an appeal after the
    finish, count in its answer's entry."""
    entries: dict[tuple[int, int], QuestionPoints] = {}
    for answer in (
        ContestAnswer.objects.filter(opening__contest=contest)
        .select_related("opening__question__round", "opening__question__version", "team__unit", "member")
        .order_by("opening_id", "received_at", "pk")
    ):
        entries[answer.opening_id, answer.team_id] = QuestionPoints(
            opening=answer.opening,
            team=answer.team,
            answer=answer,
            verdict=answer.is_correct,
            voided=answer.opening.skipped,
        )
    off_questions = []
    for event in (
        ScoreEvent.objects.filter(contest=contest)
        .select_related("opening__question__round", "opening__question__version", "team__unit", "created_by")
        .order_by("pk")
    ):
        if event.opening_id is None:
            off_questions.append(event)
            continue
        entry = entries.setdefault(
            (event.opening_id, event.team_id), QuestionPoints(opening=event.opening, team=event.team, answer=None)
        )
        entry.points += event.points
        entry.reasons.add(event.reason)
    skips = {
        entry.detail.get("opening"): entry.detail.get("reason", "")
        for entry in AuditEntry.objects.filter(contest=contest, action="skip")
    }
    for entry in entries.values():
        if entry.voided:
            entry.void_reason = skips.get(entry.opening.pk, "")
    answer_entries = {entry.answer.pk: entry for entry in entries.values() if entry.answer is not None}
    for ruling in (
        AuditEntry.objects.filter(contest=contest, action__in=["override", "correct"])
        .select_related("actor")
        .order_by("pk")
    ):
        entry = answer_entries.get(ruling.detail.get("answer"))
        if entry is None:  # an adjustment after the finish: not on an answer
            continue
        entry.rulings.append(ruling)
        entry.verdict = ruling.detail["correct"]
    ordered = sorted(
        entries.values(),
        key=lambda entry: (
            entry.opening.pk,
            entry.answer is None,
            entry.answer.received_at.timestamp() if entry.answer else 0,
            entry.team.position,
            entry.team.pk,
        ),
    )
    return ordered, off_questions
