"""Item statistics for a paper, by Moodle's definitions.

- Facility index: the mean score on the question as a percentage of its points.
- Discrimination index: the correlation (x100) between the score on the question and the score on
  the rest of the paper, across finished attempts. Above 30 discriminates well; below 0 suggests a
  wrong key or a misleading question.
- Option distribution: how many chose each option (choice questions) or each typed answer.

Computed from the Answer facts of finished attempts, one pass, in Python: papers have at most a
few thousand attempts, and the aggregation per question needs each attempt's total anyway.
"""

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from .models import Answer, Paper
from .models.questions import OPTION_LETTERS
from .selectors import finished_attempts


@dataclass
class ItemStats:
    question_id: int
    version_number: int
    type: str
    stem: str
    options: list[str]
    key: list
    attempts: int = 0
    facility: float | None = None
    discrimination: float | None = None
    distribution: list[tuple[str, int]] = field(default_factory=list)


@dataclass
class PaperStats:
    attempts: int
    mean_percent: float | None
    items: list[ItemStats]


def _pearson(xs: list[float], ys: list[float]) -> float | None:
    n = len(xs)
    if n < 2:
        return None
    mean_x, mean_y = sum(xs) / n, sum(ys) / n
    cov = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True))
    var_x = sum((x - mean_x) ** 2 for x in xs)
    var_y = sum((y - mean_y) ** 2 for y in ys)
    if var_x == 0 or var_y == 0:
        return None
    return cov / math.sqrt(var_x * var_y)


def _choices(question_type: str, response: list | None) -> list[str]:
    """What one answer counts as in the distribution ("—" for unanswered)."""
    if not response:
        return ["—"]
    if question_type == "true_false":
        return ["对" if response[0] else "错"]
    if question_type == "fill_blank":
        return [" / ".join(response)]
    return list(response)


def paper_statistics(paper: Paper) -> PaperStats:
    finished = finished_attempts(paper)
    answers = (
        Answer.objects.filter(item__attempt__in=finished).select_related("item__version").order_by("item__attempt_id")
    )
    totals: dict[int, Decimal] = defaultdict(Decimal)
    maxima: dict[int, Decimal] = defaultdict(Decimal)
    per_question: dict[int, list[tuple[int, Answer]]] = defaultdict(list)
    versions = {}
    for answer in answers:
        attempt_id = answer.item.attempt_id
        totals[attempt_id] += answer.score
        maxima[attempt_id] += answer.item.points
        question_id = answer.item.version.question_id
        per_question[question_id].append((attempt_id, answer))
        versions[question_id] = answer.item.version
    items = []
    for question_id, rows in sorted(per_question.items()):
        version = versions[question_id]
        fractions = [float(a.score / a.item.points) if a.item.points else 0.0 for _, a in rows]
        rest = [float(totals[attempt_id] - a.score) for attempt_id, a in rows]
        counts: Counter = Counter()
        for _, answer in rows:
            counts.update(_choices(version.type, answer.response))
        if version.type in ("single", "multiple"):
            distribution = [(letter, counts.get(letter, 0)) for letter in OPTION_LETTERS[: len(version.options)]]
            if counts.get("—"):
                distribution.append(("—", counts["—"]))
        else:
            distribution = counts.most_common(8)
        correlation = _pearson(fractions, rest)
        items.append(
            ItemStats(
                question_id=question_id,
                version_number=version.number,
                type=version.type,
                stem=version.stem_text,
                options=version.options,
                key=_choices(version.type, version.key) if version.type == "true_false" else version.key,
                attempts=len(rows),
                facility=round(100 * sum(fractions) / len(fractions), 1),
                discrimination=round(100 * correlation, 1) if correlation is not None else None,
                distribution=distribution,
            )
        )
    percents = [float(totals[a] / maxima[a] * 100) for a in totals if maxima[a]]
    return PaperStats(
        attempts=len(totals),
        mean_percent=round(sum(percents) / len(percents), 1) if percents else None,
        items=items,
    )
