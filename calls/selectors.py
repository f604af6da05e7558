"""Reads of calls: what each person may see, judges' totals, final scores, ranks and prizes."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Exists, F, OuterRef, Q, QuerySet

from orgs import access
from orgs.selectors import person_order
from quizsite.naming import in_language
from rankings.prizes import Placed, award

from . import statistics
from .models import Assignment, Call, Entry, Panel, Review, ScoreComment, ScoreEvent

TWO_PLACES = Decimal("0.01")


def reviewable_entries(user, call: Call) -> QuerySet[Entry]:
    """Entries waiting for review at a unit in the user's subtrees, and those that reached judging
    from their subtrees: an organiser of a level sees nothing outside it."""
    return (
        call.entries.filter(access.subtree_q(user, prefix="unit__"))
        .exclude(status__in=[Entry.Status.DRAFT, Entry.Status.WITHDRAWN])
        .select_related("author", "unit", "at_unit")
        .order_by("status", "at_unit__path", "submitted_at")
    )


def quota_use(user, call: Call) -> list[dict]:
    """For each level and reviewing unit in the user's subtrees that has had entries: how many it
    has recommended out of its quota."""
    quotas = {level.position: level for level in call.levels.all()}
    used: dict[tuple[int, int], dict] = {}
    waiting = call.entries.filter(access.subtree_q(user, prefix="at_unit__"), status=Entry.Status.SUBMITTED)
    for entry in waiting.select_related("at_unit"):
        used.setdefault(
            (entry.level, entry.at_unit_id), {"unit": entry.at_unit, "level": quotas[entry.level], "used": 0}
        )
    reviews = Review.objects.filter(
        access.subtree_q(user, prefix="unit__"), entry__call=call, decision="forward"
    ).select_related("unit", "entry")
    holding: dict[tuple[int, int], set[int]] = {}
    for review in reviews:
        used.setdefault(
            (review.level, review.unit_id), {"unit": review.unit, "level": quotas.get(review.level), "used": 0}
        )
        if holds_place(review.entry, review.level):
            holding.setdefault((review.level, review.unit_id), set()).add(review.entry_id)
    for key, entries in holding.items():
        used[key]["used"] = len(entries)
    return [row for _, row in sorted(used.items()) if row["level"] is not None]


HOLDING = (Entry.Status.SUBMITTED, Entry.Status.FINALIST)


def holds_place(entry: Entry, level: int) -> bool:
    """A forwarded entry holds its place in the forwarding unit's quota while it is still on its
    way above that level: not once withdrawn, nor once returned, nor when, mended and submitted
    again, it waits at that level once more."""
    return entry.status in HOLDING and entry.level > level


def forwarded_count(call: Call, level: int, unit_id: int) -> int:
    """How many places of the unit's quota at the level are taken (see `holds_place`)."""
    return (
        call.entries.filter(
            reviews__level=level,
            reviews__unit_id=unit_id,
            reviews__decision=Review.Decision.FORWARD,
            status__in=HOLDING,
            level__gt=level,
        )
        .distinct()
        .count()
    )


@dataclass
class EntryResult:
    entry: Entry
    judge_totals: list[Decimal] = field(default_factory=list)
    dropped: list[Decimal] = field(default_factory=list)
    final: Decimal | None = None
    rank: int | None = None
    prize: str = ""  # as the organiser typed it
    prize_en: str = ""
    missing: int = 0  # judges still on its panel who hold the entry and have not scored it in full
    so_far: Decimal | None = None  # the mean of the totals given, while some are missing

    @property
    def display_prize(self) -> str:
        return in_language(self.prize, self.prize_en)

    @property
    def totals_marked(self) -> list[tuple[Decimal, bool]]:
        """Each judge's total with whether it is a dropped one (`dropped_marker`)."""
        is_dropped = dropped_marker(self.dropped)
        return [(total, is_dropped(total)) for total in self.judge_totals]

    @property
    def incomplete(self) -> bool:
        """Scores are still to come (or none came): no final, rank or prize yet."""
        return bool(self.missing) or not self.judge_totals


def judge_total(criteria, latest: dict[int, Decimal]) -> Decimal | None:
    """Σ weight × score over the rubric, or None until every criterion is scored."""
    if any(criterion.pk not in latest for criterion in criteria):
        return None
    return sum((criterion.weight * latest[criterion.pk] for criterion in criteria), Decimal(0))


def trimmed_mean(totals: list[Decimal], drop_from: int) -> tuple[Decimal | None, list[Decimal]]:
    """The mean of the totals, without one highest and one lowest when there are `drop_from` or
    more (0: never drop). Returns the mean (two places, half up) and the dropped totals."""
    if not totals:
        return None, []
    ordered = sorted(totals)
    dropped: list[Decimal] = []
    if drop_from and len(ordered) >= max(drop_from, 3):
        dropped = [ordered[0], ordered[-1]]
        ordered = ordered[1:-1]
    mean = sum(ordered, Decimal(0)) / len(ordered)
    return mean.quantize(TWO_PLACES, rounding=ROUND_HALF_UP), dropped


def dropped_marker(dropped: list[Decimal]) -> Callable[[Decimal], bool]:
    """Asked total by total (judge by judge), says whether that total is a dropped one: each
    dropped value marks one total only, so five totals of 80 with the highest and lowest dropped
    have two marked, not five."""
    left = list(dropped)

    def is_dropped(total: Decimal) -> bool:
        if total in left:
            left.remove(total)
            return True
        return False

    return is_dropped


def unassigned_entries(call: Call) -> QuerySet[Entry]:
    """Entries in judging that no judge holds (they reached judging after the assignment, or
    none was run yet), by id. A judge who dropped out holds only what they scored: an assignment
    they left with no score that counts (its scores cleared, and no judge of the panel was free
    to take it over) stays on record but leaves its entry waiting for a judge."""
    held = Assignment.objects.filter(entry=OuterRef("pk")).filter(
        Q(judge__judging_panels=F("panel")) | Q(pk__in=ScoreEvent.objects.values("assignment_id"))
    )
    return call.entries.filter(status=Entry.Status.FINALIST).exclude(Exists(held)).order_by("pk")


def results(call: Call) -> list[EntryResult]:
    """Entries in judging with each judge's total, the final score, the rank (ties share a rank,
    the next rank skips) and the prize tier. Only entries scored in full by every judge holding
    them who is still on its panel are ranked (a judge who withdrew scores no more); the others
    come last, by id, with the mean of the totals given so far and how many are missing."""
    criteria = list(call.criteria.all())
    latest: dict[int, dict[int, Decimal]] = {}
    for event in ScoreEvent.objects.filter(assignment__entry__call=call).order_by("id"):
        latest.setdefault(event.assignment_id, {})[event.criterion_id] = event.value
    rows: dict[int, EntryResult] = {}
    entries = call.entries.filter(status=Entry.Status.FINALIST).select_related("author", "unit")
    for entry in entries:
        rows[entry.pk] = EntryResult(entry=entry)
    on_panels = set(Panel.judges.through.objects.filter(panel__call=call).values_list("panel_id", "user_id"))
    totals: dict[tuple[int, int], Decimal] = {}
    for assignment in Assignment.objects.filter(entry__call=call).order_by("id"):
        total = judge_total(criteria, latest.get(assignment.pk, {}))
        if assignment.entry_id not in rows:
            continue
        if total is not None:
            totals[(assignment.judge_id, assignment.entry_id)] = total
        elif (assignment.panel_id, assignment.judge_id) in on_panels:
            rows[assignment.entry_id].missing += 1
    if call.normalise_per_judge:
        totals = statistics.normalised(totals)
    for (_judge, entry_id), total in totals.items():
        rows[entry_id].judge_totals.append(total)
    for row in rows.values():
        if row.missing:
            row.so_far, _dropped = trimmed_mean(row.judge_totals, 0)
        else:
            row.final, row.dropped = trimmed_mean(row.judge_totals, call.drop_extremes_from)
    ranked = sorted((r for r in rows.values() if r.final is not None), key=lambda r: (-r.final, r.entry.pk))
    for index, row in enumerate(ranked):
        row.rank = ranked[index - 1].rank if index and row.final == ranked[index - 1].final else index + 1
    _award(call, ranked)
    unscored = sorted((r for r in rows.values() if r.final is None), key=lambda r: r.entry.pk)
    return ranked + unscored


def _award(call: Call, ranked: list[EntryResult]) -> None:
    """Prizes by rankings' tier rule (`rankings.prizes`): the call's mode (count, percentage of the
    ranked entries, score band), tiers best first, and its choice for ties at a boundary."""
    tied = Counter(row.rank for row in ranked)
    tiers = list(call.prize_tiers.all())
    english = {tier.name: tier.name_en for tier in tiers}
    prizes = award(
        [Placed(place=row.rank, tied_count=tied[row.rank], metric=row.final) for row in ranked],
        mode=call.prize_mode,
        tiers=[(tier.name, tier.value) for tier in tiers],
        boundary_ties=call.boundary_ties,
        rounding=call.percent_rounding,
    )
    for row, prize in zip(ranked, prizes, strict=True):
        row.prize, row.prize_en = prize, english.get(prize, "")


def judge_progress(call: Call) -> list[dict]:
    """Per judge: entries assigned and fully scored, and whether the judge has withdrawn (is on
    no panel of the call any more, keeping the entries they scored)."""
    criteria = list(call.criteria.all())
    on_panels = set(call.panels.values_list("judges", flat=True))
    rows: dict[int, dict] = {}
    for assignment in (
        Assignment.objects.filter(entry__call=call).select_related("judge").prefetch_related("score_events")
    ):
        row = rows.setdefault(
            assignment.judge_id,
            {
                "judge": assignment.judge,
                "assigned": 0,
                "scored": 0,
                "withdrawn": assignment.judge_id not in on_panels,
            },
        )
        row["assigned"] += 1
        latest = {event.criterion_id: event.value for event in assignment.score_events.all()}
        row["scored"] += judge_total(criteria, latest) is not None
    return sorted(rows.values(), key=lambda row: person_order(row["judge"]))


def latest_comments(call: Call) -> dict[int, str]:
    """Assignment id -> the judge's latest comment, for assignments with one (not taken back).
    For the call's organisers only: never shown to other judges or to authors."""
    latest: dict[int, str] = {}
    for assignment_id, text in (
        ScoreComment.objects.filter(assignment__entry__call=call).order_by("id").values_list("assignment_id", "text")
    ):
        latest[assignment_id] = text
    return {pk: text for pk, text in latest.items() if text}


def comments_by_entry(call: Call) -> dict[int, list[tuple[str, str]]]:
    """Entry id -> [(judge's name, latest comment)], by judge, for the organiser page."""
    latest = latest_comments(call)
    rows: dict[int, list[tuple[str, str]]] = {}
    for assignment in Assignment.objects.filter(pk__in=latest).select_related("judge").order_by("entry_id", "judge_id"):
        rows.setdefault(assignment.entry_id, []).append((assignment.judge.display_name, latest[assignment.pk]))
    return rows
