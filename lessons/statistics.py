"""Item statistics for a paper, by Moodle's definitions.

- Facility index: the mean score on the question as a percentage of its points.
- Discrimination index: the correlation (x100) between the score on the question and the score on
  the rest of the paper, across finished attempts. Above 30 discriminates well; below 0 suggests a
  wrong key or a misleading question.
- Option distribution: how many chose each option (choice questions) or each typed answer.

Each question version has its own row: after a key change, answers are judged by the key they
were graded against, and facility does not mix two keys.

Computed from the Answer facts of finished attempts, one pass, in Python: papers have at most a
few thousand attempts, and the aggregation per question needs each attempt's total anyway.
"""

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from .grading import grade
from .models import Answer, Paper, QuestionVersion
from .models.questions import OPTION_LETTERS
from .selectors import finished_attempts


@dataclass
class Choice:
    """One bar of the distribution; `is_key` marks an answer the version's key accepts."""

    label: str
    count: int
    is_key: bool


@dataclass
class ItemStats:
    """One question version: a key change starts a new row, so old answers keep their own key."""

    question_id: int
    version_number: int
    type: str
    stem: str
    options: list[str]
    attempts: int = 0
    facility: float | None = None
    discrimination: float | None = None
    distribution: list[Choice] = field(default_factory=list)


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
        return [_("True") if response[0] else _("False")]  # in the reader's language
    if question_type == "fill_blank":
        return [" / ".join(response)]
    return list(response)


def _distribution(version: QuestionVersion, responses: list[list | None]) -> list[Choice]:
    counts: Counter = Counter()
    for response in responses:
        counts.update(_choices(version.type, response))
    if version.type in ("single", "multiple"):
        letters = OPTION_LETTERS[: len(version.options)]
        choices = [Choice(letter, counts.get(letter, 0), letter in version.key) for letter in letters]
        return choices + ([Choice("—", counts["—"], False)] if counts.get("—") else [])
    # A typed answer (or true/false) is the key's when the version's key grades it right.
    accepted = {
        label
        for response in responses
        if response and grade(type=version.type, key=version.key, response=response, partial=False) == 1
        for label in _choices(version.type, response)
    }
    return [Choice(label, count, label in accepted) for label, count in counts.most_common(8)]


def paper_statistics(paper: Paper) -> PaperStats:
    finished = finished_attempts(paper)
    answers = (
        Answer.objects.filter(item__attempt__in=finished).select_related("item__version").order_by("item__attempt_id")
    )
    totals: dict[int, Decimal] = defaultdict(Decimal)
    maxima: dict[int, Decimal] = defaultdict(Decimal)
    per_version: dict[int, list[tuple[int, Answer]]] = defaultdict(list)
    versions: dict[int, QuestionVersion] = {}
    for answer in answers:
        attempt_id = answer.item.attempt_id
        totals[attempt_id] += answer.score
        maxima[attempt_id] += answer.item.points
        version = answer.item.version
        per_version[version.pk].append((attempt_id, answer))
        versions[version.pk] = version
    items = []
    for version_id, rows in sorted(per_version.items(), key=lambda pair: _row_order(versions[pair[0]])):
        version = versions[version_id]
        fractions = [float(a.score / a.item.points) if a.item.points else 0.0 for _, a in rows]
        rest = [float(totals[attempt_id] - a.score) for attempt_id, a in rows]
        correlation = _pearson(fractions, rest)
        items.append(
            ItemStats(
                question_id=version.question_id,
                version_number=version.number,
                type=version.type,
                stem=version.stem_text,
                options=version.options,
                attempts=len(rows),
                facility=round(100 * sum(fractions) / len(fractions), 1),
                discrimination=round(100 * correlation, 1) if correlation is not None else None,
                distribution=_distribution(version, [a.response for _, a in rows]),
            )
        )
    percents = [float(totals[a] / maxima[a] * 100) for a in totals if maxima[a]]
    return PaperStats(
        attempts=len(totals),
        mean_percent=round(sum(percents) / len(percents), 1) if percents else None,
        items=items,
    )


def _row_order(version: QuestionVersion) -> tuple[int, int]:
    return (version.question_id, version.number)
