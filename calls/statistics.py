"""Judges' agreement and normalisation: pure arithmetic on judges' totals, plus `panel_statistics`,
the per-panel read the statistics page shows.

- **Kendall's W** (coefficient of concordance) when a panel's design is complete, every judge
  scoring every entry of the panel: each judge's totals become ranks (ties share the mean rank),
  W = 12 S / (m² (n³ − n) − m Σ T), S the squared deviations of the entries' rank sums from
  their mean, T = Σ (t³ − t) over each judge's groups of t tied entries. 0: no agreement, 1: all
  judges rank alike.
- **ICC(1)** (one-way random effects, one judge's score) when the panel splits its entries, so
  each entry has its own set of judges: ICC = (MSB − MSW) / (MSB + (k₀ − 1) MSW), with k₀ the
  effective number of judges per entry when entries have different numbers of scores. Entries
  with a single score are left out; the value can be negative (less agreement than chance).
- **z-scores per judge**: a judge's total becomes (total − their mean) / their standard deviation
  (population), then is put back on the rubric's scale as grand mean + z × grand deviation, so a
  lenient and a severe judge who split the entries count alike. A judge with one total or all
  totals equal has z = 0 (the grand mean).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext_lazy as _

from orgs.selectors import person_order

FOUR_PLACES = Decimal("0.0001")
TWO_PLACES = Decimal("0.01")

Scores = dict[tuple[int, int], Decimal]  # (judge id, entry id) -> total


def average_ranks(values: list[Decimal]) -> tuple[list[Decimal], int]:
    """Ranks 1..n of `values` (the highest first), tied values sharing the mean of their ranks,
    and Σ (t³ − t) over the groups of t tied values."""
    order = sorted(range(len(values)), key=lambda i: -values[i])
    ranks: list[Decimal] = [Decimal(0)] * len(values)
    ties = 0
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and values[order[end + 1]] == values[order[start]]:
            end += 1
        shared = Decimal(start + 1 + end + 1) / 2
        for position in range(start, end + 1):
            ranks[order[position]] = shared
        size = end - start + 1
        ties += size**3 - size
        start = end + 1
    return ranks, ties


def kendalls_w(matrix: list[list[Decimal]]) -> Decimal | None:
    """Kendall's W for `matrix[judge][entry]` (complete: every judge scored every entry), with the
    correction for ties; None with fewer than two judges or two entries, or when every judge tied
    every entry (nothing to rank)."""
    m = len(matrix)
    n = len(matrix[0]) if matrix else 0
    if m < 2 or n < 2:
        return None
    sums = [Decimal(0)] * n
    ties = 0
    for row in matrix:
        ranks, judge_ties = average_ranks(row)
        ties += judge_ties
        sums = [total + rank for total, rank in zip(sums, ranks, strict=True)]
    mean = Decimal(m * (n + 1)) / 2
    s = sum(((total - mean) ** 2 for total in sums), Decimal(0))
    denominator = Decimal(m * m * (n**3 - n) - m * ties)
    if denominator == 0:
        return None
    return (12 * s / denominator).quantize(FOUR_PLACES, rounding=ROUND_HALF_UP)


def icc_oneway(groups: list[list[Decimal]]) -> Decimal | None:
    """ICC(1) for entries each scored by its own judges (`groups`: one list of totals per entry);
    entries with one score are left out. None with fewer than two such entries or no variance."""
    groups = [group for group in groups if len(group) >= 2]
    n = len(groups)
    total_count = sum(len(group) for group in groups)
    if n < 2:
        return None
    grand = sum((sum(group) for group in groups), Decimal(0)) / total_count
    means = [sum(group) / len(group) for group in groups]
    ss_between = sum((len(g) * (mean - grand) ** 2 for g, mean in zip(groups, means, strict=True)), Decimal(0))
    ss_within = sum(
        (sum(((x - mean) ** 2 for x in g), Decimal(0)) for g, mean in zip(groups, means, strict=True)), Decimal(0)
    )
    ms_between = ss_between / (n - 1)
    ms_within = ss_within / (total_count - n)
    k0 = (Decimal(total_count) - sum(Decimal(len(g) ** 2) for g in groups) / total_count) / (n - 1)
    denominator = ms_between + (k0 - 1) * ms_within
    if denominator == 0:
        return None
    return ((ms_between - ms_within) / denominator).quantize(FOUR_PLACES, rounding=ROUND_HALF_UP)


def _mean_sd(values: list[Decimal]) -> tuple[Decimal, Decimal]:
    mean = sum(values, Decimal(0)) / len(values)
    variance = sum(((v - mean) ** 2 for v in values), Decimal(0)) / len(values)
    return mean, variance.sqrt()


def normalised(scores: Scores) -> Scores:
    """Each judge's totals as z-scores put back on the scale: grand mean + z × grand deviation,
    two places, half up (see the module's docstring)."""
    if not scores:
        return {}
    grand_mean, grand_sd = _mean_sd(list(scores.values()))
    by_judge: dict[int, list[Decimal]] = defaultdict(list)
    for (judge, _entry), total in scores.items():
        by_judge[judge].append(total)
    stats = {judge: _mean_sd(values) for judge, values in by_judge.items()}
    result = {}
    for (judge, entry), total in scores.items():
        mean, sd = stats[judge]
        z = (total - mean) / sd if sd else Decimal(0)
        result[(judge, entry)] = (grand_mean + z * grand_sd).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)
    return result


def spread(totals: list[Decimal]) -> Decimal:
    return max(totals) - min(totals) if totals else Decimal(0)


# ---------------------------------------------------------------- per panel


@dataclass
class JudgeRow:
    judge: object
    assigned: int = 0
    scored: int = 0
    mean: Decimal | None = None
    sd: Decimal | None = None


@dataclass
class FlaggedEntry:
    entry: object
    totals: list[Decimal]
    spread: Decimal


@dataclass
class PanelStatistics:
    panel: object
    judges: list[JudgeRow] = field(default_factory=list)
    entries: int = 0
    complete: bool = False
    statistic: str = ""
    value: Decimal | None = None
    flagged: list[FlaggedEntry] = field(default_factory=list)

    @property
    def statistic_label(self) -> str:
        return {"w": _("Kendall's W"), "icc": _("ICC(1)")}.get(self.statistic, "")


def panel_statistics(call) -> list[PanelStatistics]:
    """For each panel of the call: its judges' progress, mean and deviation of their totals, the
    agreement (Kendall's W for a complete design, else ICC(1)), and the entries whose spread of
    totals exceeds the call's threshold."""
    from .models import Assignment
    from .selectors import judge_total

    criteria = list(call.criteria.all())
    assignments = (
        Assignment.objects.filter(entry__call=call)
        .select_related("judge", "entry", "panel")
        .prefetch_related("score_events")
        .order_by("id")
    )
    panels: dict[int, PanelStatistics] = {}
    totals: dict[int, Scores] = defaultdict(dict)
    judge_rows: dict[int, dict[int, JudgeRow]] = defaultdict(dict)
    entries: dict[int, dict[int, object]] = defaultdict(dict)
    for assignment in assignments:
        panels.setdefault(assignment.panel_id, PanelStatistics(panel=assignment.panel))
        row = judge_rows[assignment.panel_id].setdefault(assignment.judge_id, JudgeRow(judge=assignment.judge))
        row.assigned += 1
        entries[assignment.panel_id][assignment.entry_id] = assignment.entry
        latest = {event.criterion_id: event.value for event in assignment.score_events.all()}
        total = judge_total(criteria, latest)
        if total is not None:
            row.scored += 1
            totals[assignment.panel_id][(assignment.judge_id, assignment.entry_id)] = total
    for panel_id, stats in panels.items():
        scores = totals[panel_id]
        judges = sorted(judge_rows[panel_id])
        entry_ids = sorted(entries[panel_id])
        stats.entries = len(entry_ids)
        for judge_id in judges:
            row = judge_rows[panel_id][judge_id]
            mine = [total for (judge, _entry), total in scores.items() if judge == judge_id]
            if mine:
                mean, sd = _mean_sd(mine)
                row.mean, row.sd = mean.quantize(TWO_PLACES), sd.quantize(TWO_PLACES)
            stats.judges.append(row)
        stats.complete = all((j, e) in scores for j in judges for e in entry_ids)
        if stats.complete:
            stats.statistic = "w"
            stats.value = kendalls_w([[scores[(j, e)] for e in entry_ids] for j in judges])
        else:
            stats.statistic = "icc"
            per_entry = [[t for (_j, entry), t in scores.items() if entry == e] for e in entry_ids]
            stats.value = icc_oneway(per_entry)
        if call.spread_threshold is not None:
            for entry_id in entry_ids:
                given = [t for (_j, entry), t in scores.items() if entry == entry_id]
                if len(given) >= 2 and spread(given) > call.spread_threshold:
                    stats.flagged.append(FlaggedEntry(entries[panel_id][entry_id], sorted(given), spread(given)))
        stats.judges.sort(key=lambda row: person_order(row.judge))  # listed by name, computed by id
    return [panels[pk] for pk in sorted(panels)]
