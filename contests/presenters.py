"""Every contest payload is built here. `public_state` is what players and big screens get: it
cannot contain an answer key before the reveal. `host_state` adds keys and answers for hosts."""

from django.conf import settings
from django.db.models import Count, F
from django.utils import timezone, translation
from django.utils.translation import gettext, pgettext

from lessons.models.questions import OPTION_LETTERS

from . import services
from .models import AuditEntry, Contest, ContestAnswer, LegHandover, Opening, Round, TeamMember
from .protocol import PROTOCOL_VERSION
from .rounds import round_kind


def _iso(moment) -> str | None:
    return moment.isoformat() if moment else None


def phase(opening: Opening | None) -> str:
    if opening is None:
        return "idle"
    if opening.skipped:
        return "skipped"
    if opening.revealed_at:
        return "revealed"
    if opening.closed_at:
        return "closed"
    if opening.opened_at:
        return "open"
    return round_kind(opening.question.round.type).shown_phase


def _titles(titled: Contest | Round) -> dict:
    """`title` as a Chinese page shows it and `title_en` as an English one does: one frame goes
    to every socket of a contest, whatever language each reads, and each picks its own. The
    names of round types are the site's, never the builder's active language."""
    with translation.override(settings.LANGUAGE_CODE):
        title = titled.display_title
    with translation.override("en"):
        title_en = titled.display_title
    return {"title": title, "title_en": title_en}


def _question(opening: Opening) -> dict:
    version = opening.question.version
    round_ = opening.question.round
    kind = round_kind(round_.type)
    return {
        "opening": opening.pk,
        "round": {
            "position": round_.position,
            "type": round_.type,
            **_titles(round_),
            "points": round_.points,
            "penalty": round_.penalty,
            "early_buzz_penalty": round_.early_buzz_penalty,
            "time_limit_s": round_.time_limit_s,
            "risk_tiers": round_.risk_tiers,
            "takes_buzzes": kind.takes_buzzes,
            "answered_by": kind.answered_by,
            "left_out_note": kind.left_out_note,
        },
        "position": opening.question.position,
        "for_team": opening.question.team_id,
        "answer_teams": kind.answer_teams(opening),
        "type": version.type,
        "stem": version.stem,
        "options": [
            {"letter": letter, "text": text} for letter, text in zip(OPTION_LETTERS, version.options, strict=False)
        ],
        "blanks": len(version.key) if version.type == "fill_blank" else 0,
        "phase": phase(opening),
        "opened_at": _iso(opening.opened_at),
        "deadline_at": _iso(opening.deadline_at),
        "paused_remaining_ms": opening.paused_remaining_ms,
    }


def _reveal(contest: Contest, opening: Opening) -> dict:
    """The key, the distribution of answers and each team's verdict as it stands (the latest
    ruling's, else the marking's): only ever built for a revealed question."""
    version = opening.question.version
    distribution: dict[str, int] = {}
    results: dict[str, bool] = {}
    rulings = _rulings(contest, opening)
    for answer_id, team_id, response, is_correct in opening.answers.values_list(
        "pk", "team_id", "response", "is_correct"
    ):
        label = _label(version.type, response)
        distribution[label] = distribution.get(label, 0) + 1
        results[str(team_id)] = rulings.get(answer_id, is_correct)
    return {"key": version.key, "explanation": version.explanation, "distribution": distribution, "results": results}


def blanks_text(blanks) -> str:
    """A fill-in's blanks as every page writes them, in the page's language: 2017；2022 in Chinese,
    2017; 2022 in English; a blank's accepted answers (an answer key's) apart by " / ". The
    console, phones and big screen write them alike (live.js `liveBlanks`, the same separator)."""
    separator = pgettext("between the blanks of a fill-in answer", "; ")
    return separator.join(" / ".join(map(str, v)) if isinstance(v, list) else str(v) for v in blanks)


def response_text(version, response) -> str:
    """An answer as people read it in an export or on a page: each chosen option's letter and
    text, True/False (对/错) in the active language, or the blanks; '' when unanswered."""
    if response is None:
        return ""
    chosen = response if isinstance(response, list) else [response]
    if version.type == "true_false":
        return gettext("True") if chosen and chosen[0] else gettext("False")
    if version.type == "fill_blank":
        return blanks_text(chosen)
    texts = dict(zip(OPTION_LETTERS, version.options, strict=False))
    return "; ".join(f"{letter}. {texts.get(letter, '')}" for letter in chosen)


def _label(question_type: str, response: list) -> str:
    if question_type == "true_false":
        return "对" if response and response[0] else "错"
    if question_type == "fill_blank":
        return " / ".join(response)
    return "".join(response)


def public_state(contest: Contest, *, event: str = "snapshot", seq: int = 0, teams: list | None = None) -> dict:
    """The public state at `seq`; pass `teams` to reuse a board already built at that number."""
    contest.refresh_from_db()
    opening = (
        Opening.objects.select_related("question__round", "question__version", "buzz_winner")
        .filter(pk=contest.current_id)
        .first()
    )
    if teams is None:
        teams = services.team_scores(contest)
    state = {
        "type": "state",
        "v": PROTOCOL_VERSION,
        "seq": seq,
        "event": event,
        "contest": {
            "id": contest.pk,
            **_titles(contest),
            "status": contest.status,
            "join_code": contest.join_code,
        },
        "teams": teams,
        "handovers": handovers(contest),
        "question": None,
    }
    if opening is None:
        return _stamped(state)
    question = _question(opening)
    answered = set(opening.answers.values_list("team_id", flat=True))
    question["answered"] = sorted(answered)
    question.update(round_kind(opening.question.round.type).frame_extras(opening, contest))
    if opening.revealed_at:
        question["reveal"] = _reveal(contest, opening)
    state["question"] = question
    return _stamped(state)


def handovers(contest: Contest) -> list[dict]:
    """Every relay hand-over of the contest (`LegHandover`), in the order made: from the question
    at `round`, `position` on, the legs `from` would hold are `to`'s. Phones work out their team's
    baton holder from `you.legs` and these (`services.baton_in_turn`, the server's rule). No query
    while the contest has none (`baton_version` counts them)."""
    if not contest.baton_version:
        return []
    rows = (
        LegHandover.objects.filter(contest=contest)
        .order_by("pk")
        .values(
            "team_id",
            "from_member_id",
            "from_member__real_name",
            "from_member__username",
            "to_member_id",
            "to_member__real_name",
            "to_member__username",
            "from_question__round__position",
            "from_question__position",
        )
    )
    return [
        {
            "team": row["team_id"],
            "from": row["from_member_id"],
            "from_name": row["from_member__real_name"] or row["from_member__username"],
            "to": row["to_member_id"],
            "to_name": row["to_member__real_name"] or row["to_member__username"],
            "round": row["from_question__round__position"],
            "position": row["from_question__position"],
        }
        for row in rows
    ]


def _stamped(state: dict) -> dict:
    return stamp(state)[0]


def stamp(*states: dict) -> tuple[dict, ...]:
    """Set the server's time when the frames were ready to send (clients measure latency from it)."""
    now = timezone.now().isoformat()
    for state in states:
        state["server_time"] = now
    return states


def host_state(
    contest: Contest, *, event: str = "snapshot", seq: int = 0, public: dict | None = None, progress: bool = False
) -> dict:
    """What the host console sees: the public state plus the key, every answer and the audit log.

    Pass the `public` state already built for the same broadcast to avoid building it twice.
    With `progress` (a tick within a question) only the question and its answers: the next
    question, the audit log and the roster change only with a numbered change.
    """
    if public is None:
        public = public_state(contest, event=event, seq=seq)
    # A copy one level deep is enough: only top-level keys and the question's keys are added.
    state = {**public, "type": "host.state"}
    opening = Opening.objects.select_related("question__version").filter(pk=contest.current_id).first()
    if opening is not None:
        state["question"] = {**public["question"], "key": opening.question.version.key}
        answers = opening.answers.values_list(
            "pk",
            "team_id",
            "member_id",
            "member__real_name",
            "member__username",
            "response",
            "is_correct",
            "received_at",
        )
        # Members by id, as everywhere in the protocol, with the name to show beside it.
        state["question"]["answers"] = [
            {
                "id": answer_id,
                "team": team_id,
                "member": member_id,
                "name": real_name or username,
                "response": response,
                "is_correct": is_correct,
                "received_at": received_at.isoformat(),
            }
            for answer_id, team_id, member_id, real_name, username, response, is_correct, received_at in answers
        ]
        rulings = _rulings(contest, opening) if opening.revealed_at else {}
        for answer in state["question"]["answers"]:
            answer["ruling"] = rulings.get(answer["id"])
    if progress:
        return state
    upcoming = services.next_question(contest)
    state["next"] = {"round": upcoming.round.position, "position": upcoming.position} if upcoming else None
    state["relay_ahead"] = services.relay_questions_ahead(contest)
    state["relay_runners"] = services.relay_runners_ahead(contest)
    state["audit"] = [
        {"action": e.action, "actor": e.actor.real_name if e.actor else "", "detail": e.detail, "at": e.at.isoformat()}
        for e in AuditEntry.objects.filter(contest=contest).select_related("actor")[:30]
    ]
    state["roster"] = list(
        TeamMember.objects.filter(contest=contest).values("team_id").annotate(n=Count("id")).values_list("team_id", "n")
    )
    if event in RUNNER_EVENTS:
        state["runners"] = runners(contest)
    return state


def _rulings(contest: Contest, opening: Opening) -> dict[int, bool]:
    """The verdict the latest ruling gave each of `opening`'s answers that was ruled on (in the
    contest, or corrected after the finish), by answer id."""
    answer_ids = set(opening.answers.values_list("pk", flat=True))
    rulings = {}
    for detail in (
        AuditEntry.objects.filter(contest=contest, action__in=["override", "correct"])
        .order_by("pk")
        .values_list("detail", flat=True)
    ):
        if detail.get("answer") in answer_ids:
            rulings[detail["answer"]] = detail["correct"]
    return rulings


# The host's frames that list every team's members (`runners`): the roster can change only before
# the start, and the console keeps the list from its snapshot or the start's frame, so the other
# broadcasts need not carry thousands of names.
RUNNER_EVENTS = {"snapshot", "contest.started"}


def runners(contest: Contest) -> dict[str, list[dict]]:
    """Every team's members for the host console, by team id: `member`, `name` and relay `leg`
    (in relay order; members without a leg last)."""
    placed = TeamMember.objects.filter(contest=contest).order_by("team_id", F("leg").asc(nulls_last=True), "pk")
    listed: dict[str, list[dict]] = {}
    for team_id, member_id, real_name, username, leg in placed.values_list(
        "team_id", "member_id", "member__real_name", "member__username", "leg"
    ):
        listed.setdefault(str(team_id), []).append({"member": member_id, "name": real_name or username, "leg": leg})
    return listed


# Phones get the top of the board by name, and every team's place as [team, score, rank].
PLAYER_BOARD = 10


def player_state(public: dict, *, board: bool = True) -> dict:
    """What phones get: the public state with the board cut to its top, every team's place as
    `standings` (a phone finds its own), and no list of every team's baton holder (a phone works
    out its own team's from `you.legs`). At 400 teams that is a third of the bytes, for each of
    the hall's phones on the hall's Wi-Fi. Derived from `public_state` only, so it cannot hold a
    key either.

    With `board=False` (events after which every score is what it was) the frame has neither
    `teams` nor `standings`, and phones keep the board they have: at 1,000 teams the standings
    are nine tenths of a frame."""
    state = {key: value for key, value in public.items() if key != "teams"}
    if board:
        state["teams"] = public["teams"][:PLAYER_BOARD]
        state["standings"] = [[team["id"], team["score"], team["rank"]] for team in public["teams"]]
    if state["question"] is not None and "baton" in state["question"]:
        state["question"] = {key: value for key, value in state["question"].items() if key != "baton"}
    return state


def relay_legs(contest: Contest) -> dict[int, list[dict]]:
    """Every team's relay order, for phones: [{"member", "name"}] by leg (frozen at the start)."""
    legs: dict[int, list[dict]] = {}
    placed = TeamMember.objects.filter(contest=contest, leg__isnull=False).order_by("team_id", "leg")
    for team_id, member_id, name in placed.values_list("team_id", "member_id", "member__real_name"):
        legs.setdefault(team_id, []).append({"member": member_id, "name": name})
    return legs


def you(
    user, place: TeamMember | None, legs: dict[int, list[dict]] | None = None, team_answer: dict | None = None
) -> dict:
    """The viewer's own part of a snapshot: their team, relay leg, their team's relay order
    (`place` comes with its team; the baton for question k is with legs[(k - 1) mod len(legs)]),
    and their team's answer to the question in play (`team_answer`), if it has one."""
    if place is None:
        return {"member": user.pk, "team": None}
    return {
        "member": user.pk,
        "team": place.team_id,
        "team_name": place.team.name,
        "team_name_en": place.team.name_en,
        "leg": place.leg,
        "legs": (legs or {}).get(place.team_id, []),
        "team_answer": team_answer,
    }


def team_answer(*, opening_id: int, team_id: int, member_id: int, name: str, response, received_at) -> dict:
    """A team's answer as its own phones see it (`team.answered`, `you.team_answer`): who sent
    what and when, never whether it is right (that waits for the reveal)."""
    return {
        "opening": opening_id,
        "team": team_id,
        "member": member_id,
        "name": name,
        "response": response,
        "received_at": received_at.isoformat(),
    }


def team_answers(opening_id: int | None) -> dict[int, dict]:
    """Every team's answer to a question, by team id (`team_answer`), from one query."""
    if opening_id is None:
        return {}
    rows = ContestAnswer.objects.filter(opening_id=opening_id).values_list(
        "team_id", "member_id", "member__real_name", "member__username", "response", "received_at"
    )
    return {
        team_id: team_answer(
            opening_id=opening_id,
            team_id=team_id,
            member_id=member_id,
            name=real_name or username,
            response=response,
            received_at=received_at,
        )
        for team_id, member_id, real_name, username, response, received_at in rows
    }
