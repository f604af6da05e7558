"""Fill-in questions with several blanks: an answer with a blank left empty beside a filled one is
asked about before it is marked at once (practice, daily quiz, challenge, the notebook), a timed
paper keeps and marks what was typed as it stands, and no accepted answer may be longer than a
member can type (200 characters)."""

from datetime import timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook
from rest_framework.test import APIClient

from lessons.grading import ResponseInvalid, check_blanks_filled, empty_blanks
from lessons.models import Answer, Attempt, NotebookEntry, Question, ReviewLog
from lessons.services.attempts import AttemptRejected, answer_save, answer_submit, attempt_start, ensure_current
from lessons.services.notebook import ReviewRejected, notebook_add_wrong, notebook_review
from lessons.validation import QuestionContent, QuestionInvalid, check_question
from tests import factories
from tests.lessons.test_import import xlsx

STEM = "党的____于____年召开。"
KEY = [["十九大"], ["2017"]]


@pytest.fixture
def bank(tree):
    return factories.bank(tree["gz"], slug="gz-bank")


@pytest.fixture
def member(tree):
    return factories.member(tree["gz1"])


@pytest.fixture
def two_blanks(bank):
    return factories.question(bank, "fill_blank", stem=STEM, key=KEY)


def api_client(member, language: str = "en") -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE=language)
    client.force_authenticate(member)
    return client


# --- Which blanks are empty ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("response", "empty"),
    [
        (["十九大", ""], [2]),
        (["", "2017"], [1]),
        (["十九大", "  "], [2]),  # spaces are nothing typed
        (["", "2017", ""], [1, 3]),
        (["十九大", "2017"], []),  # finished
        (["", ""], []),  # nothing at all: refused as `empty` instead
    ],
)
def test_empty_blanks_are_those_left_empty_beside_a_filled_one(response, empty):
    assert empty_blanks(type="fill_blank", response=response) == empty


def test_the_empty_blanks_message_names_them_in_both_languages():
    with pytest.raises(ResponseInvalid) as one:
        check_blanks_filled(type="fill_blank", response=["十九大", ""])
    with pytest.raises(ResponseInvalid) as two:
        check_blanks_filled(type="fill_blank", response=["", "2017", ""])
    assert one.value.code == two.value.code == "blanks_empty"
    with translation.override("en"):
        assert str(one.value.message) == (
            "Blank 2 is empty: fill it in, or confirm to have the answer marked as it stands."
        )
        assert str(two.value.message) == (
            "Blanks 1, 3 are empty: fill them in, or confirm to have the answer marked as it stands."
        )
    with translation.override("zh-hans"):
        assert str(one.value.message) == "第 2 空还没有填：请填上，或确认按现在的答案判分。"
        assert str(two.value.message) == "第 1、3 空还没有填：请填上，或确认按现在的答案判分。"
    check_blanks_filled(type="single", response=["A"])  # other types have no blanks


# --- Marked at once: practice, daily quiz, challenge ------------------------------------------


@pytest.mark.parametrize("mode", ["practice", "daily", "challenge"])
def test_an_answer_with_a_blank_left_empty_is_refused_until_confirmed(tree, member, two_blanks, mode):
    paper = factories.paper(
        tree["audit"], mode=mode, questions=[two_blanks], question_time_s=60, fill_blank_scoring="per_blank"
    )
    attempt = attempt_start(paper=paper, member=member)

    with pytest.raises(AttemptRejected) as refused:
        answer_submit(attempt=attempt, position=1, response=["十九大", ""])

    assert refused.value.code == "blanks_empty"
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.IN_PROGRESS and attempt.score == 0
    assert not Answer.objects.filter(item__attempt=attempt).exists()
    assert not NotebookEntry.objects.filter(member=member).exists()
    # Confirmed, it is marked as it stands: per blank, 1 of 2 right is half of a fill-in's 2 points,
    # but not right, so into the notebook.
    answer = answer_submit(attempt=attempt, position=1, response=["十九大", ""], allow_empty_blanks=True)
    assert answer.response == ["十九大", ""] and not answer.is_correct
    expected = Decimal(0) if mode == "challenge" else Decimal("1.00")  # a challenge's partly right scores 0
    assert answer.score == expected
    assert NotebookEntry.objects.filter(member=member, question=two_blanks).exists()


def test_the_api_refuses_a_blank_left_empty_with_its_code_and_marks_it_once_confirmed(tree, member, two_blanks):
    paper = factories.paper(tree["audit"], mode="practice", questions=[two_blanks])
    attempt = attempt_start(paper=paper, member=member)
    api = api_client(member)
    url = f"/api/v1/study/attempts/{attempt.pk}/items/1/answer/"

    refused = api.post(url, {"response": ["", "2017"], "client_answer_id": "a1"}, format="json")

    assert refused.status_code == 409 and refused.json()["error"] == {
        "code": "blanks_empty",
        "message": "Blank 1 is empty: fill it in, or confirm to have the answer marked as it stands.",
        "field": None,
    }
    assert not Answer.objects.filter(item__attempt=attempt).exists()
    confirmed = {"response": ["", "2017"], "client_answer_id": "a1", "allow_empty_blanks": True}
    marked = api.post(url, confirmed, format="json")
    assert marked.status_code == 200 and marked.json()["is_correct"] is False
    assert Answer.objects.get(item__attempt=attempt).response == ["", "2017"]


def test_a_nul_character_in_a_blank_is_dropped_so_the_answer_is_marked_saved_and_reviewed(tree, member, two_blanks):
    """A forged NUL (no keyboard types one; PostgreSQL refuses it in JSON, a server error before) is
    dropped: by hand "十\\x00九大" is "十九大", right, as are the exam's save and the notebook's check."""
    api = api_client(member)
    practice = factories.paper(tree["audit"], mode="practice", questions=[two_blanks])
    attempt = attempt_start(paper=practice, member=member)

    marked = api.post(
        f"/api/v1/study/attempts/{attempt.pk}/items/1/answer/", {"response": ["十\x00九大", "2017"]}, format="json"
    )

    assert marked.status_code == 200 and marked.json()["is_correct"] is True
    assert Answer.objects.get(item__attempt=attempt).response == ["十九大", "2017"]
    exam = factories.paper(tree["audit"], mode="exam", questions=[two_blanks], time_limit_s=600)
    sitting = attempt_start(paper=exam, member=member)
    saved = api.put(f"/api/v1/study/attempts/{sitting.pk}/items/1/", {"response": ["\x00", "20\x0017"]}, format="json")
    assert saved.status_code == 200
    assert sitting.items.get().saved_response == ["", "2017"]
    entry = notebook_add_wrong(member=member, question_id=two_blanks.pk)
    NotebookEntry.objects.filter(pk=entry.pk).update(due_at=timezone.now() - timedelta(minutes=1))
    checked = api.post(
        f"/api/v1/study/notebook/{entry.pk}/review/", {"response": ["十九大\x00", "2017"]}, format="json"
    )
    assert checked.status_code == 200 and checked.json()["is_correct"] is True
    assert ReviewLog.objects.get(entry=entry).response == ["十九大", "2017"]


# --- Timed papers: kept and marked as they stand ------------------------------------------------


def test_a_timed_paper_keeps_a_blank_left_empty_asks_before_hand_in_and_time_up_marks_it_as_it_stands(
    tree, member, two_blanks
):
    paper = factories.paper(
        tree["audit"], mode="exam", questions=[two_blanks], time_limit_s=600, fill_blank_scoring="per_blank"
    )
    start = timezone.now()
    attempt = attempt_start(paper=paper, member=member, at=start)

    item = answer_save(attempt=attempt, position=1, response=["", "2017"], at=start + timedelta(seconds=30))

    assert item.saved_response == ["", "2017"]  # an autosave is never refused for an empty blank
    api = api_client(member)
    payload = api.get(f"/api/v1/study/attempts/{attempt.pk}/").json()
    assert payload["items"][0]["saved_response"] == ["", "2017"]
    # The page's hand-in asks about it (static/js/answers.js reads this text), in both languages.
    for language, text in [
        ("en", "Fill-in questions with a blank left empty: %(n)s."),
        ("zh-hans", "有空没填的填空题：第 %(n)s 题。"),
    ]:
        page = factories.client_in(language, member).get(reverse("lessons:attempt", args=[attempt.pk])).text
        assert f'data-partly="{text}"' in page and 'value="2017"' in page
    # Time up: handed in as it stands, with no one to ask. Per blank, 1 of 2 right: 2 x 1/2 = 1 point.
    ensure_current(attempt, at=start + timedelta(seconds=601))
    attempt.refresh_from_db()
    answer = Answer.objects.get(item__attempt=attempt)
    assert attempt.status == Attempt.Status.EXPIRED and answer.response == ["", "2017"]
    assert answer.score == Decimal("1.00") and attempt.score == Decimal("1.00")


# --- The notebook -------------------------------------------------------------------------------


@pytest.fixture
def entry(member, two_blanks):
    entry = notebook_add_wrong(member=member, question_id=two_blanks.pk)
    NotebookEntry.objects.filter(pk=entry.pk).update(due_at=timezone.now() - timedelta(minutes=1))
    return entry


def test_a_notebook_review_with_a_blank_left_empty_is_refused_until_confirmed(entry):
    with pytest.raises(ReviewRejected) as refused:
        notebook_review(entry=entry, response=["十九大", ""])
    assert refused.value.code == "blanks_empty"
    assert not ReviewLog.objects.filter(entry=entry).exists()

    log = notebook_review(entry=entry, response=["十九大", ""], allow_empty_blanks=True)

    assert not log.is_correct and log.response == ["十九大", ""]


def test_the_notebook_api_refuses_a_blank_left_empty_until_confirmed(member, entry):
    api = api_client(member, "zh-hans")
    url = f"/api/v1/study/notebook/{entry.pk}/review/"
    refused = api.post(url, {"response": ["十九大", ""]}, format="json")
    assert refused.status_code == 400 and refused.json()["error"] == {
        "code": "blanks_empty",
        "message": "第 2 空还没有填：请填上，或确认按现在的答案判分。",
        "field": "response",
    }
    marked = api.post(url, {"response": ["十九大", ""], "allow_empty_blanks": True}, format="json")
    assert marked.status_code == 200 and marked.json()["is_correct"] is False


@pytest.mark.parametrize(("language", "button"), [("en", "Check as it stands"), ("zh-hans", "按现在的答案判分")])
def test_the_notebook_page_keeps_what_was_typed_and_offers_to_check_it_as_it_stands(member, entry, language, button):
    client = factories.client_in(language, member)
    url = f"/study/notebook/{entry.pk}/review/"
    assert button not in client.get("/study/notebook/").text

    page = client.post(url, {"response": ["十九大", ""]}, follow=True).text

    assert 'value="十九大"' in page  # back in its box
    assert f'name="allow_empty_blanks" value="1">{button}</button>' in page
    assert not ReviewLog.objects.filter(entry=entry).exists()
    client.post(url, {"response": ["十九大", ""], "allow_empty_blanks": "1"})
    assert ReviewLog.objects.get(entry=entry).response == ["十九大", ""]


# --- Accepted answers no longer than a member can type -----------------------------------------


def fill_in(answers):
    return QuestionContent(type="fill_blank", stem=STEM, key=answers)


def test_an_accepted_answer_over_200_characters_is_refused_in_both_languages():
    check_question(fill_in([["十九大"], ["年" * 200]]))  # at the limit: can be typed
    with pytest.raises(QuestionInvalid) as refused:
        check_question(fill_in([["十九大"], ["2017", "年" * 201]]))
    with translation.override("en"):
        with pytest.raises(QuestionInvalid) as refused:
            check_question(fill_in([["十九大"], ["2017", "年" * 1201]]))
        assert refused.value.errors == {
            "key": "An accepted answer of blank 2 is 1,201 characters long; "
            "members can type at most 200 characters in a blank."
        }
    with translation.override("zh-hans"):
        with pytest.raises(QuestionInvalid) as refused:
            check_question(fill_in([["年" * 201], ["2017"]]))
        assert refused.value.errors == {"key": "第 1 空有一个正确答案长 201 个字，而作答时每空最多只能填 200 个字。"}


def test_the_import_refuses_each_row_with_an_answer_over_200_characters_naming_row_and_column(
    client, gz_organiser, bank
):
    client.force_login(gz_organiser)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    upload = BytesIO(
        xlsx(
            [
                ["填空", STEM, None, None, None, None, "十九大；" + "年" * 201, "", "", ""],  # row 2
                ["单选", "好题", "甲", "乙", None, None, "A", "", "", ""],  # row 3 fine
                ["填空", "____", None, None, None, None, "短|" + "长" * 250, "", "", ""],  # row 4
                ["填空", "____", None, None, None, None, "字" * 200, "", "", ""],  # row 5: at the limit
            ]
        )
    )
    upload.name = "questions.xlsx"

    page = client.post(reverse("lessons:bank_import", args=[bank.slug]), {"action": "preview", "file": upload})

    assert page.status_code == 200
    download = client.get(reverse("lessons:bank_import_errors", args=[bank.slug]))
    assert list(load_workbook(BytesIO(download.content)).active.values)[1:] == [
        (
            2,
            "Answer (答案)",
            "An accepted answer of blank 2 is 201 characters long; members can type at most 200 characters in a blank.",
        ),
        (
            4,
            "Answer (答案)",
            "An accepted answer of blank 1 is 250 characters long; members can type at most 200 characters in a blank.",
        ),
    ]
    assert not Question.objects.filter(bank=bank).exists()


def test_the_question_editor_refuses_an_answer_over_200_characters_and_keeps_what_was_typed(
    client, gz_organiser, bank, two_blanks
):
    client.force_login(gz_organiser)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    url = reverse("lessons:question_edit", args=[bank.slug, two_blanks.pk])
    long_answer = "二〇一七" + "年" * 197  # 4 + 197 = 201 characters
    post = {
        "type": "fill_blank",
        "stem": STEM,
        "blank0": ["十九大"],
        "blank1": ["2017", long_answer],
        "difficulty": "3",
        "status": "published",
        "action": "save",
    }

    html = client.post(url, post).text

    message = (
        "An accepted answer of blank 2 is 201 characters long; members can type at most 200 characters in a blank."
    )
    assert f'<div class="invalid-feedback d-block">{message}</div>' in html
    assert f'value="{long_answer}"' in html
    assert Question.objects.get(pk=two_blanks.pk).versions.count() == 1
