"""Draw rules: which published questions a rule draws from, and whether every draw can be filled.

Papers (exam, practice, daily quiz, challenge), online contests and relays store their rules as
`PaperRule` rows, which `attempts._draw` fills in order, each rule from the questions no fixed
question and no earlier rule took; live contest rounds draw from a bank the same way. This module
is the one place that says what a rule matches and how many it can still count on.
"""

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from .editor import difficulty_label
from .models import Paper, PaperQuestion, PaperRule, Question, QuestionBank, QuestionType, Tag


class RuleLike(Protocol):
    bank: QuestionBank
    count: int
    type: str
    tag: Tag | None
    difficulty: int | None


@dataclass(frozen=True)
class DrawRule:
    """Draw `count` published questions from `bank`, optionally of one type, knowledge point and
    difficulty. `tag_name` keeps a knowledge point typed that does not exist (`tag` is then None):
    such a rule matches no question, rather than every question of the bank."""

    bank: QuestionBank
    count: int
    type: str = ""
    tag: Tag | None = None
    difficulty: int | None = None
    tag_name: str = ""

    def describe(self) -> str:
        """The rule in a few words: its bank, then what narrows it ("党章题库 · 单选题 · 3 · 中")."""
        parts = [self.bank.display_name]
        if self.type:
            parts.append(str(QuestionType(self.type).label))
        if self.tag or self.tag_name:
            parts.append(self.tag.name if self.tag else self.tag_name)
        if self.difficulty:
            parts.append(difficulty_label(self.difficulty))
        return " · ".join(parts)

    def pool_size(self) -> int:
        """How many published questions the rule matches."""
        return rule_pool(self).distinct().count()


def rule_pool(rule: RuleLike, *, exclude: Collection[int] = ()) -> QuerySet[Question]:
    """The published questions `rule` draws from (a `DrawRule` or a stored `PaperRule`), less
    the question ids in `exclude`."""
    if rule.tag is None and getattr(rule, "tag_name", ""):
        return Question.objects.none()  # a knowledge point no question has
    pool = Question.objects.filter(bank=rule.bank, status=Question.Status.PUBLISHED, current__isnull=False)
    if rule.type:
        pool = pool.filter(current__type=rule.type)
    if rule.tag is not None:
        pool = pool.filter(tags=rule.tag)
    if rule.difficulty:
        pool = pool.filter(current__difficulty=rule.difficulty)
    return pool.exclude(pk__in=exclude) if exclude else pool


def exam_held_question_ids(*, banks: Collection[int], at: datetime) -> set[int]:
    """The ids of the questions of `banks` that an exam or online-contest paper whose window is
    open or still to come (no closing time, or one after `at`) holds: fixed on it, or drawable by
    one of its rules. Drafts count (they may be published with their window). Practice by topic
    never draws these: it shows every key at once and may be restarted, which would hand a member
    the keys of an exam they are sitting or about to sit."""
    papers = Paper.objects.filter(Q(mode=Paper.Mode.EXAM) | Q(online_contest__isnull=False)).filter(
        Q(closes_at__isnull=True) | Q(closes_at__gt=at)
    )
    held = set(
        PaperQuestion.objects.filter(paper__in=papers, question__bank__in=banks).values_list("question_id", flat=True)
    )
    for rule in PaperRule.objects.filter(paper__in=papers, bank__in=banks).select_related("bank", "tag"):
        held.update(rule_pool(rule).values_list("pk", flat=True))
    return held


@dataclass(frozen=True)
class RuleRoom:
    """What one rule can count on in every draw, the worst case included."""

    matching: int  # published questions the rule matches
    fixed: int  # of those, questions already on every paper (never drawn again)
    earlier: int  # of the rest, how many the rules before it may have drawn first
    rules_before: tuple[int, ...]  # those rules' numbers (from 1)

    @property
    def available(self) -> int:
        return max(self.matching - self.fixed - self.earlier, 0)


def rule_rooms(rules: list[RuleLike], *, fixed: Collection[int] = ()) -> list[RuleRoom]:
    """Each rule's room, in order. A rule draws from its matches less the fixed questions and
    whatever an earlier rule drew; at worst the rules before it drew, between them, as many of its
    questions as they could (`_most_taken`), so that many are set aside."""
    fixed = set(fixed)
    pools = [set(rule_pool(rule).values_list("pk", flat=True).distinct()) for rule in rules]
    rooms = []
    for number, pool in enumerate(pools):
        free = pool - fixed
        before = [(n, rules[n].count, pools[n] & free) for n in range(number)]
        before = [(n, count, shared) for n, count, shared in before if count > 0 and shared]
        rooms.append(
            RuleRoom(
                matching=len(pool),
                fixed=len(pool) - len(free),
                earlier=_most_taken([(count, shared) for _n, count, shared in before]),
                rules_before=tuple(n + 1 for n, _count, _shared in before),
            )
        )
    return rooms


def _most_taken(draws: list[tuple[int, set[int]]]) -> int:
    """The most questions that draws of (count, from these questions) can take between them, each
    question once: a largest matching of draws to questions, as a flow. Adding the counts would
    take a question two rules share twice. Questions are grouped by which draws may take them, so
    the flow runs over a few groups rather than every question."""
    groups: dict[frozenset[int], int] = {}
    for question in set().union(*(shared for _count, shared in draws)):
        takers = frozenset(index for index, (_count, shared) in enumerate(draws) if question in shared)
        groups[takers] = groups.get(takers, 0) + 1
    group_left = dict(groups)
    count_left = [count for count, _shared in draws]
    taken: dict[tuple[int, frozenset[int]], int] = {}  # draw, group -> questions assigned
    total = 0
    while True:
        path = _augmenting_path(count_left, group_left, taken)
        if path is None:
            return total
        amount = min([count_left[path[0][0]], group_left[path[-1][1]]] + [taken[step] for step in path[1::2]])
        count_left[path[0][0]] -= amount
        group_left[path[-1][1]] -= amount
        for position, step in enumerate(path):
            taken[step] = taken.get(step, 0) + (amount if position % 2 == 0 else -amount)
        total += amount


def _augmenting_path(
    count_left: list[int], group_left: dict[frozenset[int], int], taken: dict[tuple[int, frozenset[int]], int]
) -> list[tuple[int, frozenset[int]]] | None:
    """A breadth-first path from a draw with count left to a group with questions left,
    alternating a new assignment (draw, group) with an undone one (draw, group) it displaces; None
    when the flow is already largest."""
    queue = [(draw, []) for draw, left in enumerate(count_left) if left > 0]
    seen_draws = {draw for draw, _path in queue}
    seen_groups: set[frozenset[int]] = set()
    while queue:
        draw, path = queue.pop(0)
        for group in group_left:
            if draw not in group or group in seen_groups:
                continue
            seen_groups.add(group)
            step = path + [(draw, group)]
            if group_left[group] > 0:
                return step
            for other in group:
                if other not in seen_draws and taken.get((other, group), 0) > 0:
                    seen_draws.add(other)
                    queue.append((other, step + [(other, group)]))
    return None


def draw_problems(rules: list[RuleLike], *, fixed: Collection[int] = ()) -> dict[int, str]:
    """A message per rule (by its number, from 1) that some draw could not fill, naming the gap:
    too few matching questions, matching questions already on the paper, or rules before it that
    draw from the same questions. Rules asking for no questions are the caller's to refuse."""
    problems = {}
    for number, (rule, room) in enumerate(zip(rules, rule_rooms(rules, fixed=fixed), strict=True), start=1):
        if rule.count < 1 or room.available >= rule.count:
            continue
        short_of_its_point = _knowledge_point_problem(number, rule)
        if short_of_its_point:
            problems[number] = short_of_its_point
            continue
        values = {
            "n": number,
            "rule": DrawRule(rule.bank, rule.count, rule.type, rule.tag, rule.difficulty).describe(),
            "count": rule.count,
            "have": room.matching,
            "short": rule.count - room.available,
        }
        # Each message names every cause of the gap it counts: too few matches, the fixed questions,
        # and (when they take any) the rules before it.
        if room.earlier:
            if room.fixed:
                message = _(
                    "Rule %(n)d (%(rule)s) draws %(count)d questions; of the %(free)d it matches besides the "
                    "%(fixed)d on every paper, the rules before it (%(before)s) may draw %(earlier)d first: "
                    "%(short)d short. Put the narrower rule first or lower a count."
                )
            else:
                message = _(
                    "Rule %(n)d (%(rule)s) draws %(count)d questions; of the %(free)d it matches, the rules before "
                    "it (%(before)s) may draw %(earlier)d first: %(short)d short. Put the narrower rule first or "
                    "lower a count."
                )
            values |= {
                "free": room.matching - room.fixed,
                "fixed": room.fixed,
                "before": pgettext("between list items", ", ").join(str(n) for n in room.rules_before),
                "earlier": room.earlier,
            }
        elif room.fixed:
            message = _(
                "Rule %(n)d (%(rule)s) draws %(count)d questions; %(have)d match, but %(fixed)d of them are "
                "already on every paper and are not drawn again: %(short)d short."
            )
            values["fixed"] = room.fixed
        else:
            message = _("Rule %(n)d (%(rule)s) draws %(count)d questions but only %(have)d match: %(short)d short.")
        problems[number] = message % values
    return problems


def _knowledge_point_problem(number: int, rule: RuleLike) -> str:
    """Why rule `number` falls short when its knowledge point alone is the cause, naming it: no
    knowledge point is called so, or its bank holds fewer published questions of it than the rule
    draws. Empty when the rule names none, or its knowledge point has enough (the gap is then its
    type, its difficulty, the fixed questions or earlier rules)."""
    if rule.tag is None:
        if not getattr(rule, "tag_name", ""):
            return ""
        return _(
            'Rule %(n)d: there is no knowledge point "%(point)s", so no question has it. Check how it is '
            "written, or choose one the list offers."
        ) % {"n": number, "point": rule.tag_name}
    have = DrawRule(bank=rule.bank, count=rule.count, tag=rule.tag).pool_size()
    if have >= rule.count:
        return ""
    return ngettext(
        'Rule %(n)d draws %(count)d questions of the knowledge point "%(point)s", which has %(have)d published '
        "question in %(bank)s: %(short)d short.",
        'Rule %(n)d draws %(count)d questions of the knowledge point "%(point)s", which has %(have)d published '
        "questions in %(bank)s: %(short)d short.",
        have,
    ) % {
        "n": number,
        "count": rule.count,
        "point": rule.tag.name,
        "have": have,
        "bank": rule.bank.display_name,
        "short": rule.count - have,
    }


def mixed_points(rules: list[RuleLike], points_for: Callable[[str], int]) -> dict[int, str]:
    """A message per rule (by its number, from 1) whose questions are worth different points
    (`points_for` a question type), so two papers drawn by it can have different totals: the
    points it mixes and the lowest and highest its draw can add up to."""
    messages = {}
    for number, rule in enumerate(rules, start=1):
        per_type = rule_pool(rule).values("current__type").annotate(n=Count("pk", distinct=True))
        worth = sorted(points_for(row["current__type"]) for row in per_type for _ in range(row["n"]))
        if len(set(worth)) < 2 or rule.count < 1:
            continue
        drawn = min(rule.count, len(worth))
        messages[number] = _(
            "Rule %(n)d (%(rule)s) draws from questions worth %(points)s points: papers drawn from this rule will "
            "have different totals: its %(count)d questions add up to %(low)d to %(high)d points."
        ) % {
            "n": number,
            "rule": DrawRule(rule.bank, rule.count, rule.type, rule.tag, rule.difficulty).describe(),
            "points": pgettext("between list items", ", ").join(str(p) for p in sorted(set(worth))),
            "count": rule.count,
            "low": sum(worth[:drawn]),
            "high": sum(worth[-drawn:]),
        }
    return messages
