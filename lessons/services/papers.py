"""Papers as the builder saves them: settings, picked questions with their points, draw rules."""

from dataclasses import dataclass

from django.db import transaction
from django.db.models import (
    Avg,
    Case,
    Count,
    Exists,
    F,
    FloatField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce
from django.utils.translation import gettext as _

from orgs.models import User

from ..draws import DrawRule, draw_problems
from ..models import Answer, AttemptItem, Paper, PaperQuestion, PaperRule, Question, QuestionBank
from ..selectors import questions_matching_text

# A marked answer with nothing in it, as its JSON reads: [], [""], ["", " "], [null] (time ran out,
# or an exam handed in with the question untouched); `notebook.is_answered` says the same in Python.
BLANK_RESPONSE = r'^\[(\s*(null|"\s*")\s*,?)*\]$'


class PaperInvalid(Exception):
    """A paper that cannot be saved; `errors` maps a part of the builder to its message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


@dataclass
class PickedQuestion:
    question: Question
    points: int | None  # None: the paper's points for the question's type


def question_candidates(
    *,
    banks: QuerySet[QuestionBank],
    text: str = "",
    type: str = "",
    difficulty: int | None = None,
    tag: str = "",
    never_used: bool = False,
) -> QuerySet[Question]:
    """Published questions of `banks` matching the picker's filters, with how often each was
    answered (`times_answered`) and left blank (`times_blank`) in a marked attempt, and the share
    of its answers that were right (None before any). A blank is no answer: it counts apart, in
    neither the answers nor the share right (one right and one blank is 1 answered, 100% right)."""
    answers = Answer.objects.filter(item__version__question=OuterRef("pk")).order_by()
    given = answers.alias(response_text=Cast("response", TextField())).exclude(
        Q(response__isnull=True) | Q(response_text__regex=BLANK_RESPONSE)
    )
    answered = given.values("item__version__question").annotate(c=Count("id"))
    marked = answers.values("item__version__question").annotate(c=Count("id"))
    right = given.values("item__version__question").annotate(
        share=Avg(Case(When(is_correct=True, then=Value(1.0)), default=Value(0.0), output_field=FloatField()))
    )
    questions = (
        Question.objects.filter(bank__in=banks, status=Question.Status.PUBLISHED, current__isnull=False)
        .select_related("current", "bank")
        .prefetch_related("tags")
        .annotate(
            times_answered=Coalesce(Subquery(answered.values("c")), 0),
            times_blank=Coalesce(Subquery(marked.values("c")), 0) - F("times_answered"),
            right_share=Subquery(right.values("share")),
        )
        .order_by("-id")
    )
    questions = questions_matching_text(questions, text)
    if type:
        questions = questions.filter(current__type=type)
    if difficulty:
        questions = questions.filter(current__difficulty=difficulty)
    if tag:
        questions = questions.filter(tags__name=tag)
    if never_used:
        questions = questions.exclude(Exists(AttemptItem.objects.filter(version__question=OuterRef("pk"))))
    return questions


def _check(picked: list[PickedQuestion], rules: list[DrawRule]) -> None:
    errors: dict[str, str] = {}
    if not picked and not rules:
        errors["questions"] = _("Pick at least one question or add a rule that draws some.")
    for position, rule in enumerate(rules, start=1):
        if rule.count < 1:
            errors[f"rule{position}"] = _("Rule %(n)d draws no questions: set how many.") % {"n": position}
    # A question picked for every paper is never drawn again: the rules draw from the rest.
    for position, message in draw_problems(rules, fixed=[item.question.pk for item in picked]).items():
        errors[f"rule{position}"] = message
    if errors:
        raise PaperInvalid(errors)


@transaction.atomic
def paper_save(*, paper: Paper, picked: list[PickedQuestion], rules: list[DrawRule], by: User | None = None) -> Paper:
    """Save the paper's settings and replace its questions and rules. Attempts already started
    keep the versions and points they were given; only new attempts see the change. A contest's
    paper is refused: it changes through the contest's services, which check and log the change."""
    if paper.pk is not None and Paper.objects.filter(pk=paper.pk, online_contest__isnull=False).exists():
        raise PaperInvalid({"contest": _("This paper is an online contest's: change it in the contest's settings.")})
    _check(picked, rules)
    if paper.pk is None:
        paper.created_by = by
    paper.save()
    paper.fixed_questions.all().delete()
    paper.rules.all().delete()
    PaperQuestion.objects.bulk_create(
        [
            PaperQuestion(paper=paper, question=item.question, position=position, points=item.points)
            for position, item in enumerate(picked, start=1)
        ]
    )
    PaperRule.objects.bulk_create(
        [
            PaperRule(
                paper=paper, bank=rule.bank, type=rule.type, tag=rule.tag, difficulty=rule.difficulty, count=rule.count
            )
            for rule in rules
        ]
    )
    return paper
