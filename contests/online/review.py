"""Flags for an organiser to review: identical answers at the same time, and integrity events per
question in words. A review is an audited fact (who, when, a note), never a verdict the platform
draws by itself."""

from collections import Counter, defaultdict
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from lessons.models import Attempt
from orgs.models import User

from .models import IntegrityEvent, OnlineAuditEntry, OnlineContest
from .selectors import SimilarPair, similar_pairs
from .services import ContestSetupRejected, _audit

REVIEWED = "flag_reviewed"


def pair_key(first_id: int, second_id: int) -> str:
    low, high = sorted((first_id, second_id))
    return f"pair:{low}-{high}"


def attempt_key(attempt_id: int) -> str:
    return f"attempt:{attempt_id}"


@dataclass
class Review:
    by: User | None
    at: object
    note: str


def reviews(contest: OnlineContest) -> dict[str, Review]:
    """The latest review of each flag, by its key."""
    found: dict[str, Review] = {}
    for entry in contest.audit.filter(action=REVIEWED).select_related("actor").order_by("id"):
        found[entry.detail.get("flag", "")] = Review(by=entry.actor, at=entry.at, note=entry.detail.get("note", ""))
    return found


_PHRASES = {
    IntegrityEvent.Kind.FOCUS_LOST: lambda n: ngettext("left the page once", "left the page %(n)d times", n),
    IntegrityEvent.Kind.PASTE: lambda n: ngettext("pasted once", "pasted %(n)d times", n),
    IntegrityEvent.Kind.TAKEOVER: lambda n: ngettext(
        "continued on another device once", "continued on another device %(n)d times", n
    ),
}


def events_in_words(events: list[tuple[str, int | None]]) -> list[str]:
    """(kind, question position) facts as phrases, one per question: "Question 3: left the page
    twice, pasted once"; events with no question (a takeover) come last."""
    per_question: dict[int | None, Counter] = defaultdict(Counter)
    for kind, position in events:
        per_question[position][kind] += 1
    phrases = []
    for position in sorted(per_question, key=lambda p: (p is None, p or 0)):
        parts = [
            _PHRASES[kind](count) % {"n": count}
            for kind, count in sorted(per_question[position].items(), key=lambda pair: list(_PHRASES).index(pair[0]))
        ]
        joined = _(", ").join(parts)
        if position is None:
            phrases.append(_("During the attempt: %(what)s") % {"what": joined})
        else:
            phrases.append(_("Question %(n)d: %(what)s") % {"n": position, "what": joined})
    return phrases


@dataclass
class FlaggedAttempt:
    attempt: Attempt
    phrases: list[str]
    key: str
    review: Review | None


@dataclass
class FlaggedPair:
    pair: SimilarPair
    key: str
    review: Review | None


def flagged_attempts(contest: OnlineContest) -> list[FlaggedAttempt]:
    """Attempts with integrity events, each described per question, with its review if any."""
    events: dict[int, list[tuple[str, int | None]]] = defaultdict(list)
    attempts: dict[int, Attempt] = {}
    for event in (
        IntegrityEvent.objects.filter(online_attempt__contest=contest)
        .select_related("online_attempt__attempt__member")
        .order_by("online_attempt_id", "at", "id")
    ):
        attempt = event.online_attempt.attempt
        attempts[attempt.pk] = attempt
        events[attempt.pk].append((event.kind, event.position))
    done = reviews(contest)
    return [
        FlaggedAttempt(
            attempt=attempts[pk],
            phrases=events_in_words(events[pk]),
            key=attempt_key(pk),
            review=done.get(attempt_key(pk)),
        )
        for pk in sorted(attempts, key=lambda pk: attempts[pk].started_at, reverse=True)
    ]


def flagged_pairs(contest: OnlineContest) -> list[FlaggedPair]:
    done = reviews(contest)
    rows = []
    for pair in similar_pairs(contest):
        key = pair_key(pair.first.pk, pair.second.pk)
        rows.append(FlaggedPair(pair=pair, key=key, review=done.get(key)))
    return rows


def flag_review_mark(*, contest: OnlineContest, flag: str, note: str, by: User) -> OnlineAuditEntry:
    """Record that `by` reviewed a flag (a pair or an attempt of this contest), with a note."""
    note = note.strip()[:500]
    kind, _sep, ids = flag.partition(":")
    numbers = ids.split("-") if kind == "pair" else [ids]
    if kind not in ("pair", "attempt") or not all(n.isdecimal() for n in numbers):
        raise ContestSetupRejected("unknown_flag", _("That flag is not part of this contest."))
    if Attempt.objects.filter(pk__in=[int(n) for n in numbers], paper_id=contest.paper_id).count() != len(numbers):
        raise ContestSetupRejected("unknown_flag", _("That flag is not part of this contest."))
    _audit(contest, by, REVIEWED, flag=flag, note=note)
    return contest.audit.first()
