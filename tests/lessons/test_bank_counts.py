"""A bank's questions are counted one way on every page (those in use, retired apart), a search
says its matches as matches, and the paper builder counts a question left blank as unanswered."""

import re

import pytest
from django.urls import reverse

from lessons.models import Question
from lessons.services.attempts import answer_save, attempt_start, attempt_submit
from lessons.services.questions import question_set_status
from tests import factories


@pytest.fixture
def bank(tree):
    bank = factories.bank(tree["gz"], slug="gz-bank")
    for stem in ("党的最高理想是什么？", "党的宗旨是什么？", "党的根本大法是什么？"):
        factories.question(bank, "single", stem=stem)
    draft = factories.question(bank, "single", stem="草稿：党的性质是什么？")
    question_set_status(question=draft, status=Question.Status.DRAFT)
    retired = factories.question(bank, "single", stem="停用：党的最高理想是什么？（旧）")
    question_set_status(question=retired, status=Question.Status.RETIRED)
    return bank  # 3 published + 1 draft = 4 in use, 1 retired


@pytest.fixture
def organiser(gz_organiser):
    return factories.client_in("en", gz_organiser)


def text_of(html: str, element_id: str) -> str:
    match = re.search(rf'id="{element_id}">(.*?)</', html, re.S)
    return " ".join(match.group(1).split()) if match else ""


def test_the_bank_list_and_the_bank_page_count_alike_with_retired_apart(bank, organiser):
    listing = organiser.get(reverse("lessons:bank_list")).content.decode()
    row = listing[listing.index(reverse("lessons:bank_detail", args=[bank.slug])) :]
    row = row[: row.index("</tr>")]
    assert re.search(r'<td class="text-end">4<div class="small qs-muted qs-retired-count">1 retired</div></td>', row)
    page = organiser.get(reverse("lessons:bank_detail", args=[bank.slug])).content.decode()
    assert (text_of(page, "bank-count"), text_of(page, "bank-retired")) == ("4 questions", "1 retired")


def test_after_a_search_the_badge_says_matches(bank, organiser):
    # "最高理想" is in one question in use and in the retired one: 2 match.
    page = organiser.get(reverse("lessons:bank_detail", args=[bank.slug]), {"q": "最高理想"}).content.decode()
    assert text_of(page, "bank-count") == "2 questions match" and 'id="bank-retired"' not in page


def test_the_builder_counts_a_blank_as_no_answer(tree, organiser):
    bank = factories.bank(tree["gz"])
    single = factories.question(bank, "single", stem="党的最高理想是什么？")
    fill_in = factories.question(bank, "fill_blank", stem="____大，____年", key=[["十九大"], ["2017"]])
    paper = factories.paper(
        tree["gz"],
        mode="exam",
        questions=[single, fill_in],
        shuffle_questions=False,
        shuffle_options=False,
        time_limit_s=600,
    )
    # One member answers both right; another hands in with both left blank (the fill-in's blanks empty).
    for responses in ((["A"], ["十九大", "2017"]), (None, ["", " "])):
        attempt = attempt_start(paper=paper, member=factories.member(tree["gz1"]))
        for position, response in enumerate(responses, start=1):
            if response is not None:
                answer_save(attempt=attempt, position=position, response=response)
        attempt_submit(attempt=attempt)
    found = organiser.get(reverse("lessons:paper_candidates"), {"q": ""}).json()["questions"]
    counts = {q["id"]: (q["times_answered"], q["times_blank"], q["right_percent"]) for q in found}
    # 1 answered (right), 1 blank: 100% right of the answers, not 50% of two "answers".
    assert counts == {single.pk: (1, 1, 100), fill_in.pk: (1, 1, 100)}
