"""Scores derived from the facts: a team's score is its base score plus its events."""

from django.db.models import Sum

from ..models import Contest, ContestAnswer, Round, ScoreEvent


def team_scores(contest: Contest) -> list[dict]:
    """Teams with score (base + events) and relay time (sum of legs), best first."""
    totals = dict(
        ScoreEvent.objects.filter(contest=contest).values("team").annotate(s=Sum("points")).values_list("team", "s")
    )
    relay: dict[int, float] = {}
    legs = ContestAnswer.objects.filter(
        opening__contest=contest, opening__question__round__type=Round.Type.RELAY
    ).values_list("team_id", "received_at", "opening__opened_at")
    for team_id, received_at, opened_at in legs:
        relay[team_id] = relay.get(team_id, 0) + (received_at - opened_at).total_seconds()
    rows = [
        {
            "id": team_id,
            "name": name,
            "unit": unit_id,
            "score": contest.base_score + (totals.get(team_id) or 0),
            "relay_seconds": round(relay.get(team_id, 0.0), 3),
        }
        for team_id, name, unit_id in contest.teams.values_list("pk", "name", "unit_id")
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
