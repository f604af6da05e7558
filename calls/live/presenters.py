"""The frames of a speech night, built once per broadcast for each audience (big screens,
judges' phones, hosts). Totals and finals are decimal strings with two places."""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone

from contests.protocol import PROTOCOL_VERSION

from ..selectors import trimmed_mean
from ..services import is_conflicted
from .broadcast import HOSTS, JUDGES, SCREENS
from .models import Night, NightScore, NightSpeaker

STATE = "night.state"


def _iso(moment) -> str | None:
    return moment.isoformat(timespec="milliseconds") if moment else None


def _money(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


def phase(speaker: NightSpeaker, now) -> str:
    if speaker.locked_at:
        return "locked"
    if speaker.opened_at:
        return "scoring" if now < speaker.deadline_at else "closed"
    return "speaking" if speaker.called_at else "waiting"


def judges(night: Night) -> list:
    """The panel in seat order (1, 2, …: by account, fixed for the night)."""
    return list(night.panel.judges.select_related("unit").order_by("pk"))


def _marks(scores: list[dict], dropped: list[Decimal]) -> None:
    """Mark the dropped scores: the first seat with the highest total and the first with the
    lowest (two seats even when every total is the same)."""
    if not dropped:
        return
    low = next(score for score in scores if score["value"] == dropped[0])
    high = next(score for score in scores if score["value"] == dropped[1] and score is not low)
    low["dropped"] = high["dropped"] = True


def build(night: Night, *, seq: int, event: str) -> dict:
    """The whole picture, hosts' fields included (`frames` takes them out for the others)."""
    now = timezone.now()
    call = night.call
    panel = judges(night)
    seat = {judge.pk: number for number, judge in enumerate(panel, start=1)}
    speakers = list(night.speakers.select_related("entry__author", "entry__unit").prefetch_related("entry__coauthors"))
    latest: dict[tuple[int, int], NightScore] = {}
    for score in NightScore.objects.filter(speaker__night=night).order_by("id"):
        latest[(score.speaker_id, score.judge_id)] = score
    rows, current = [], None
    for speaker in speakers:
        eligible = [judge for judge in panel if not is_conflicted(judge, speaker.entry)]
        given = [
            {"seat": seat[judge.pk], "name": judge.display_name, "value": latest[(speaker.pk, judge.pk)].total}
            for judge in eligible
            if (speaker.pk, judge.pk) in latest
        ]
        final, dropped = trimmed_mean([score["value"] for score in given], call.drop_extremes_from)
        for score in given:
            score["dropped"] = False
        _marks(given, dropped)
        row = {
            "id": speaker.pk,
            "position": speaker.position,
            "name": speaker.entry.author.display_name,
            "unit": speaker.entry.unit.name,
            "unit_en": speaker.entry.unit.name_en or speaker.entry.unit.name,
            "title": speaker.entry.title,
            "phase": phase(speaker, now),
            "final": _money(final) if speaker.locked_at else None,
            "rank": None,
        }
        rows.append(row)
        if speaker.called_at:
            current = {
                "speaker": speaker.pk,
                "position": speaker.position,
                "name": row["name"],
                "unit": row["unit"],
                "unit_en": row["unit_en"],
                "title": row["title"],
                "phase": row["phase"],
                "called_at": _iso(speaker.called_at),
                "opened_at": _iso(speaker.opened_at),
                "deadline_at": _iso(speaker.deadline_at),
                "locked_at": _iso(speaker.locked_at),
                "eligible": [seat[judge.pk] for judge in eligible],
                "conflicted": [seat[judge.pk] for judge in panel if judge not in eligible],
                "scored": [score["seat"] for score in given],
                "scores": [{**score, "value": _money(score["value"])} for score in given],
                "final": row["final"],
                "provisional": _money(final),
            }
    board = sorted(
        (row for row in rows if row["final"] is not None), key=lambda row: (-Decimal(row["final"]), row["position"])
    )
    for index, row in enumerate(board):
        row["rank"] = board[index - 1]["rank"] if index and row["final"] == board[index - 1]["final"] else index + 1
    return {
        "type": STATE,
        "v": PROTOCOL_VERSION,
        "seq": seq,
        "event": event,
        "night": {
            "id": night.pk,
            "call": call.pk,
            "title": call.title,
            "title_en": call.title_en or call.title,
            "status": "finished" if night.finished_at else ("running" if night.drawn_at else "draft"),
            "stage": night.stage,
            "seed": night.seed or None,
            "scoring_seconds": night.scoring_seconds,
            "show_scores": night.show_scores,
            "drop_extremes_from": call.drop_extremes_from,
        },
        "criteria": [
            {
                "id": criterion.pk,
                "name": criterion.name,
                "name_en": criterion.name_en or criterion.name,
                "weight": f"{criterion.weight.normalize():f}",
                "min": f"{criterion.min_score.normalize():f}",
                "max": f"{criterion.max_score.normalize():f}",
            }
            for criterion in call.criteria.all()
        ],
        "judges": [{"seat": seat[judge.pk], "name": judge.display_name} for judge in panel],
        "entrants": call.entries.filter(status="finalist").count(),
        "speakers": rows,
        "current": current,
        "board": [
            {key: row[key] for key in ("id", "position", "name", "unit", "title", "final", "rank")} for row in board
        ],
        "server_time": _iso(timezone.now()),
    }


def for_screens(state: dict) -> dict:
    """What a big screen (and any spectator) gets: no judge's name; each judge's score as it
    arrives or once every judge who may score has, as the night is set; the dropped marks and
    the final only at the lock."""
    current = state["current"]
    frame = {**state, "judges": [{"seat": judge["seat"]} for judge in state["judges"]]}
    if current is not None:
        locked = current["locked_at"] is not None
        visible = (
            locked or state["night"]["show_scores"] == "each" or set(current["scored"]) >= set(current["eligible"])
        )
        scores = [
            {"seat": score["seat"], "value": score["value"], **({"dropped": score["dropped"]} if locked else {})}
            for score in current["scores"]
        ]
        frame["current"] = {
            **{key: value for key, value in current.items() if key != "provisional"},
            "scores": scores if visible else [],
        }
    return frame


def for_judges(state: dict) -> dict:
    """What a judge's phone gets: as a screen, but no other judge's score before the lock."""
    frame = for_screens(state)
    current = frame["current"]
    if current is not None and current["locked_at"] is None:
        frame["current"] = {**current, "scores": []}
    return frame


def frames(night: Night, *, seq: int, event: str) -> dict[str, dict]:
    state = build(night, seq=seq, event=event)
    return {SCREENS: for_screens(state), JUDGES: for_judges(state), HOSTS: state}


def you(night: Night, user, role: str) -> dict:
    """The `you` of a snapshot: a judge's seat, the speakers they may not score, and their
    latest score of the speaker on stage (to fill the form again after a reconnect)."""
    if role != "judge":
        return {"role": role}
    panel = judges(night)
    seat = next(number for number, judge in enumerate(panel, start=1) if judge.pk == user.pk)
    judge = panel[seat - 1]
    speakers = list(night.speakers.select_related("entry__unit").prefetch_related("entry__coauthors"))
    conflicts = [speaker.pk for speaker in speakers if is_conflicted(judge, speaker.entry)]
    on_stage = next((s for s in sorted(speakers, key=lambda s: -s.position) if s.called_at), None)
    mine = NightScore.objects.filter(speaker=on_stage, judge=judge).order_by("-id").first() if on_stage else None
    return {
        "role": "judge",
        "judge": judge.pk,
        "seat": seat,
        "name": judge.display_name,
        "conflicts": conflicts,
        "score": None
        if mine is None
        else {"speaker": on_stage.pk, "score_id": mine.score_id, "values": mine.values, "total": _money(mine.total)},
    }
