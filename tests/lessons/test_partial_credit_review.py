"""A partly right answer (part of the marks) is told as partly right with the marks earned, on the
attempt's review, in practice feedback and in the wrong-answer notebook, which keeps it to review."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from lessons.models import NotebookEntry
from lessons.presenters import marks_text
from lessons.services.attempts import answer_save, attempt_start, attempt_submit
from lessons.services.notebook import notebook_review
from tests import factories
from tests.lessons.test_attempts import shown_letters_for


@pytest.fixture
def member(tree):
    return factories.member(tree["gz1"])


def partial_exam(tree):
    """A multiple choice worth 2 marks whose answer is C and D, and a single choice worth 1."""
    bank = factories.bank(tree["audit"])
    multiple = factories.question(bank, "multiple", options=["甲", "乙", "丙", "丁"], key=["C", "D"])
    single = factories.question(bank, "single")
    return factories.paper(
        tree["audit"],
        mode="exam",
        questions=[multiple, single],
        multiple_scoring="partial",
        shuffle_questions=False,
        shuffle_options=False,
        time_limit_s=600,
    )


def sit_with_one_of_two(paper, member):
    """Pick C only (one of the two right options) and the single choice's wrong option B."""
    started = timezone.now() - timedelta(minutes=1)
    attempt = attempt_start(paper=paper, member=member, at=started)
    first, second = attempt.items.select_related("version").order_by("position")
    answer_save(attempt=attempt, position=1, response=shown_letters_for(first, ["C"]), at=started)
    answer_save(attempt=attempt, position=2, response=shown_letters_for(second, ["B"]), at=started)
    return attempt_submit(attempt=attempt, at=timezone.now())


def verdicts(body: str) -> list[str]:
    """Each question's feedback line, tags stripped and spaces squeezed."""
    blocks = re.findall(r'<div class="alert [^"]*qs-verdict".*?>(.*?)(?:<div class="small|</div>)', body, re.S)
    return [" ".join(re.sub(r"<[^>]+>", "", block).split()) for block in blocks]


def test_one_of_two_right_options_reads_partly_right_with_the_marks_earned(tree, member):
    attempt = sit_with_one_of_two(partial_exam(tree), member)
    # 1 of 2 right options on a 2-mark question is 1 mark; the wrong single choice 0 of 1: 1 of 3.
    assert attempt.score == Decimal(1) and attempt.max_score == Decimal(3)
    zh = factories.client_in("zh-hans", member).get(reverse("lessons:attempt_result", args=[attempt.pk]))
    assert verdicts(zh.content.decode()) == ["部分正确 · 得 1/2 分 · 答案：CD", "答错了 · 得 0/1 分 · 答案：A"]
    en = factories.client_in("en", member).get(reverse("lessons:attempt_result", args=[attempt.pk]))
    assert verdicts(en.content.decode()) == [
        "Partly right · 1 of 2 marks · Answer: CD",
        "Not right · 0 of 1 mark · Answer: A",
    ]


def test_a_partly_right_answer_stays_in_the_notebook_labelled_partly_right(tree, member):
    sit_with_one_of_two(partial_exam(tree), member)
    entries = {entry.question.current.type: entry for entry in NotebookEntry.objects.filter(member=member)}
    assert set(entries) == {"multiple", "single"}  # not fully right: both are to review
    assert entries["multiple"].last_miss_partly_right is True
    assert entries["single"].last_miss_partly_right is False
    body = factories.client_in("zh-hans", member).get(reverse("lessons:notebook")).content.decode()
    assert body.count("上次部分正确") == 1
    card = body[body.index(f'id="entry-{entries["multiple"].pk}"') :]
    assert "上次部分正确" in card[: card.index("qs-stem")]


def test_a_notebook_review_wrong_in_full_clears_the_partly_right_label(tree, member):
    sit_with_one_of_two(partial_exam(tree), member)
    entry = NotebookEntry.objects.get(member=member, question__current__type="multiple")
    notebook_review(entry=entry, response=["A"], at=entry.due_at + timedelta(seconds=1))
    entry.refresh_from_db()
    assert entry.last_miss_partly_right is False and entry.wrong_count == 2


def test_practice_feedback_says_partly_right_with_the_marks(tree, member):
    bank = factories.bank(tree["audit"])
    question = factories.question(bank, "multiple", options=["甲", "乙", "丙", "丁"], key=["C", "D"])
    paper = factories.paper(tree["audit"], mode="practice", questions=[question], multiple_scoring="partial")
    attempt = attempt_start(paper=paper, member=member)
    item = attempt.items.get()
    client = factories.client_in("en", member)
    url = reverse("api-item-answer", args=[attempt.pk, 1])
    reply = client.post(url, {"response": shown_letters_for(item, ["D"])}, content_type="application/json").json()
    assert (reply["verdict"], reply["score"], reply["marks_text"]) == ("partly_right", "1.00", "1 of 2 marks")


def test_marks_read_without_trailing_zeros():
    with translation.override("en"):
        assert marks_text(Decimal("1.50"), Decimal("3")) == "1.5 of 3 marks"
        assert marks_text(Decimal("0.00"), 1) == "0 of 1 mark"
