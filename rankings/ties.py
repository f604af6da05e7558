"""How a tie was broken, as the board, the big screen and the export say it.

A snapshot's places come from the metric, then the rule's tie-break chain (`compute.ORDER_KEYS`):
two subjects level on the score shown can still take different places, and so different prizes.
Where that happens the row placed above its level neighbour is marked with the criterion that
decided it (the contests' "less time" mark, for every key): of rows sharing a place, the one
listed last, just above the next place, as the others are level with the row below them. The
rule's chain is stated in words. Only what is shown is derived here: places, prizes and hashes are the computation's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from fractions import Fraction

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import SnapshotRow

# "metric": level on the score as shown (rounded), but not on the score ranked.
MARKS = {
    "metric": gettext_lazy("higher unrounded"),
    "accuracy_desc": gettext_lazy("higher accuracy"),
    "right_desc": gettext_lazy("more right"),
    "time_used_asc": gettext_lazy("less time"),
    "finished_at_asc": gettext_lazy("reached first"),
    "participants_desc": gettext_lazy("more took part"),
}

# Each criterion as a phrase, for the rule's chain and a mark's explanation.
CRITERIA = {
    "metric": gettext_lazy("a higher score before rounding"),
    "accuracy_desc": gettext_lazy("higher accuracy"),
    "right_desc": gettext_lazy("more right answers"),
    "time_used_asc": gettext_lazy("less time used"),
    "finished_at_asc": gettext_lazy("reaching the score first"),
    "participants_desc": gettext_lazy("more participants"),
}


def _accuracy(row: SnapshotRow) -> Fraction:
    # As the computation orders it: no answers sorts below any rate.
    return Fraction(row.right_count, row.answer_count) if row.answer_count else Fraction(-1)


# Each key's value, oriented so that the larger ranks higher (None: no value, ranks last).
_VALUES: dict[str, Callable[[SnapshotRow], object]] = {
    "metric": lambda row: row.metric,
    "accuracy_desc": _accuracy,
    "right_desc": lambda row: row.right_count,
    "time_used_asc": lambda row: -row.time_used_s,
    "finished_at_asc": lambda row: row.finished_at,
    "participants_desc": lambda row: row.participants,
}


def _shown(key: str, row: SnapshotRow) -> str:
    """A key's value as a mark's explanation quotes it."""
    if key == "accuracy_desc":
        return f"{row.right_count}/{row.answer_count}" if row.answer_count else "–"
    if key == "time_used_asc":
        return _("%(seconds)s s") % {"seconds": f"{row.time_used_s:.3f}".rstrip("0").rstrip(".")}
    if key == "finished_at_asc":
        return timezone.localtime(row.finished_at).strftime("%Y-%m-%d %H:%M:%S") if row.finished_at else "–"
    if key == "metric":
        return f"{row.metric.normalize():f}" if row.metric is not None else "–"
    return str(_VALUES[key](row))


def _ahead(key: str, row: SnapshotRow, below: SnapshotRow) -> bool | None:
    """Whether `row` is ahead of `below` on `key` (None: level on it)."""
    if key == "finished_at_asc":  # earlier first; none last
        mine, theirs = row.finished_at, below.finished_at
        if mine == theirs:
            return None
        return theirs is None or (mine is not None and mine < theirs)
    mine, theirs = _VALUES[key](row), _VALUES[key](below)
    if mine == theirs:
        return None
    return theirs is None or (mine is not None and mine > theirs)


@dataclass(frozen=True)
class TieMark:
    """Why a row is placed above the next, level with it on the score shown: the deciding key,
    its short mark and a sentence with both values."""

    key: str
    label: str
    explanation: str


def tie_mark(
    row: SnapshotRow,
    below: SnapshotRow | None,
    tie_breaks: Iterable[str],
    shown: Callable[[object], str],
    *,
    in_group: bool = False,
) -> TieMark | None:
    """The mark of `row` over `below`, the next place after it (None when there is none): set
    only where both take a place, different ones, with the same score as `shown` writes it.
    The deciding key is the first of the metric and `tie_breaks` on which they differ; a row
    not ahead on it (which the computation never writes) gets no mark rather than a wrong one.
    `in_group`: the next place is within the row's group, and is named by its rank there."""
    if below is None or row.place is None or below.place is None or row.place == below.place:
        return None
    if shown(row.metric) != shown(below.metric):
        return None
    for key in ("metric", *tie_breaks):
        ahead = _ahead(key, row, below)
        if ahead is None:
            continue
        if not ahead:
            return None
        explanation = _(
            "Shown with the same score as the next place (no. %(rank)s), and placed above it by %(criterion)s: "
            "%(mine)s against %(theirs)s."
        ) % {
            "rank": below.rank_in_group if in_group else below.rank,
            "criterion": CRITERIA[key],
            "mine": _shown(key, row),
            "theirs": _shown(key, below),
        }
        return TieMark(key=key, label=str(MARKS[key]), explanation=explanation)
    return None


def marked_in_order(
    rows: Iterable[SnapshotRow], mark: Callable[[SnapshotRow, SnapshotRow | None], TieMark | None]
) -> Iterator[tuple[SnapshotRow, TieMark | None]]:
    """Each row of `rows` (every row of a snapshot in place order, the unplaced last) with its
    mark against the next place: rows sharing a place are held until the next place arrives,
    and only the last of them, the one listed just above it, is marked (the others are level
    with the row below them: no tie-break separated them)."""
    sharing: list[SnapshotRow] = []

    def release(below: SnapshotRow | None) -> Iterator[tuple[SnapshotRow, TieMark | None]]:
        yield from ((held, None) for held in sharing[:-1])
        yield sharing[-1], mark(sharing[-1], below)

    for row in rows:
        if sharing and (row.place is None or row.place != sharing[0].place):
            yield from release(row if row.place is not None else None)
            sharing = []
        if row.place is None:
            yield row, None
        else:
            sharing.append(row)
    if sharing:
        yield from release(None)


def chain_sentences(parameters: dict) -> list[str]:
    """The rule's tie-breaks (and, with prizes by count or share, its ties at a prize's limit)
    in plain words, as a snapshot's parameters record them."""
    keys = [key for key in parameters.get("tie_breaks") or () if key in CRITERIA]
    phrases = [str(CRITERIA[key]) for key in keys]
    if not phrases:
        sentences = [_("Equal scores share a place; this rule breaks no ties.")]
    elif len(phrases) == 1:
        sentences = [
            _("Equal scores are decided by %(criterion)s; whoever is still level shares the place.")
            % {"criterion": phrases[0]}
        ]
    else:
        sentences = [
            _("Equal scores are decided by %(criteria)s, in that order; whoever is still level shares the place.")
            % {"criteria": _(", then ").join(phrases)}
        ]
    if parameters.get("prize_mode") in ("count", "percent") and parameters.get("prize_tiers"):
        if parameters.get("boundary_ties") == "drop":
            sentences.append(_("A shared place that would run past a prize's number drops to the next prize whole."))
        else:
            sentences.append(_("A shared place that runs past a prize's number gets the prize for everyone in it."))
    if keys:
        sentences.append(
            _("A mark such as “%(mark)s” beside a score says what put it above the next place on the same score.")
            % {"mark": MARKS[keys[0]]}
        )
    return sentences
