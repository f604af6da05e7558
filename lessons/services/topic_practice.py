"""Practice by knowledge point: a member picks a knowledge point of a bank they may use, and how
many questions, and gets a practice attempt drawn from it.

The attempt is an ordinary practice attempt (instant feedback, the notebook, and the same
"practice_correct" points and daily cap as any practice paper: no new way to earn points). Its
paper is the member's own (`Paper.practised_by`), one per bank, knowledge point and count, reused
for every later session of the same choice; no organiser's page or ranking lists it.
"""

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from orgs.models import User

from ..draws import exam_held_question_ids
from ..models import Attempt, Paper, PaperRule, Question, QuestionBank, Tag
from ..selectors import topic_practice_banks
from .attempts import AttemptRejected, attempt_start

TOPIC_COUNTS = (10, 20)


def check_topic(*, member: User, bank_id: object, tag_id: object, count: object) -> tuple[QuestionBank, Tag, int]:
    """The bank, knowledge point and how many questions to draw (the count asked for, or all the
    point has when fewer) for a member, or `AttemptRejected`: a count
    other than `TOPIC_COUNTS`, a bank the member may not practise from (another unit's, a
    confidential one, or no such bank), a knowledge point with no published question in it."""
    if str(count) not in {str(n) for n in TOPIC_COUNTS}:
        raise AttemptRejected(
            "count_out_of_range",
            _("Choose %(first)d or %(second)d questions.") % {"first": TOPIC_COUNTS[0], "second": TOPIC_COUNTS[1]},
        )
    unavailable = AttemptRejected(
        "topic_not_available", _("That knowledge point is not one you can practise. Choose one from the list.")
    )
    if not str(bank_id).isdecimal() or not str(tag_id).isdecimal() or len(f"{bank_id}{tag_id}") > 18:
        raise unavailable
    bank = topic_practice_banks(member).filter(pk=int(bank_id)).first()
    tag = Tag.objects.filter(pk=int(tag_id)).first()
    if bank is None or tag is None:
        raise unavailable
    available = (
        Question.objects.filter(bank=bank, tags=tag, status=Question.Status.PUBLISHED, current__isnull=False)
        .exclude(pk__in=exam_held_question_ids(banks=[bank.pk], at=timezone.now()))
        .count()
    )
    if not available:
        raise AttemptRejected(
            "topic_empty", _("The knowledge point “%(point)s” has no questions to practise yet.") % {"point": tag.name}
        )
    return bank, tag, min(int(count), available)


@transaction.atomic
def topic_practice_start(*, member: User, bank_id: object, tag_id: object, count: object) -> Attempt:
    """Start (or resume) the member's practice of a knowledge point: `count` questions (fewer if
    the point has fewer) drawn from the bank's published questions with it. Bad input raises
    `AttemptRejected` and creates nothing. Ids and count may come straight from a form."""
    bank, tag, count = check_topic(member=member, bank_id=bank_id, tag_id=tag_id, count=count)
    # Looked up in the member's current unit: a member who moved gets a new paper there (their old
    # one, of their old unit, would be refused as "for another unit"); past attempts stay theirs.
    paper = Paper.objects.filter(
        practised_by=member, unit=member.unit, rules__bank=bank, rules__tag=tag, rules__count=count
    ).first()
    if paper is None:
        with translation.override("zh-hans"):
            title = _("Practice by topic")
        paper = Paper.objects.create(
            title=f"{title} · {tag.name}",
            title_en=f"Practice by topic · {tag.name}",
            unit=member.unit,
            mode=Paper.Mode.PRACTICE,
            status=Paper.Status.PUBLISHED,
            practised_by=member,
            created_by=member,
        )
        PaperRule.objects.create(paper=paper, bank=bank, tag=tag, count=count)
    return attempt_start(paper=paper, member=member)
