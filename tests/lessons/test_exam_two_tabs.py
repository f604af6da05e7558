"""A timed exam open in two tabs: each save carries the attempt's revision its page last saw, and a
save from a page behind another's is refused (`sheet_changed`) with the answers as saved, so the
page shows them instead of quietly keeping answers the server no longer holds (and a submit from
that tab grading answers it never showed). Clients that send no revision save as before."""

import pytest
from rest_framework.test import APIClient

from lessons.models import AttemptItem
from lessons.services.attempts import SheetChanged, answer_save, attempt_start, attempt_submit
from tests import factories


@pytest.fixture
def exam(tree):
    bank = factories.bank(tree["audit"])
    questions = [factories.question(bank, "single", key=["A"]) for _ in range(3)]
    paper = factories.paper(tree["audit"], mode="exam", questions=questions, time_limit_s=900)
    member = factories.member(tree["gz1"])
    return attempt_start(paper=paper, member=member)


def saved(attempt, position: int):
    return AttemptItem.objects.get(attempt=attempt, position=position).saved_response


def test_a_save_from_a_page_behind_another_is_refused_and_nothing_is_stored(exam):
    """Tab 1 saves Q1 at revision 0 (now 1); tab 2, having loaded at 1, changes Q1 (now 2); tab 1,
    still at 1, saves Q3: refused at revision 2, Q3 untouched and Q1 as tab 2 left it."""
    assert exam.revision == 0
    first = answer_save(attempt=exam, position=1, response="A", revision=0)
    assert first.revision == 1
    second = answer_save(attempt=exam, position=1, response="B", revision=1)
    assert second.revision == 2
    with pytest.raises(SheetChanged) as refused:
        answer_save(attempt=exam, position=3, response="C", revision=1)
    assert (refused.value.code, refused.value.revision) == ("sheet_changed", 2)
    exam.refresh_from_db()
    assert exam.revision == 2
    assert saved(exam, 3) is None
    assert saved(exam, 1) == second.saved_response != first.saved_response


def test_a_save_without_a_revision_is_stored_as_before_and_still_counts(exam):
    """An API client sending no revision saves whatever was saved since; its saves bump the
    revision all the same, so a page that sends one learns of them."""
    answer_save(attempt=exam, position=1, response="A")
    answer_save(attempt=exam, position=2, response="B")
    exam.refresh_from_db()
    assert exam.revision == 2
    with pytest.raises(SheetChanged):
        answer_save(attempt=exam, position=3, response="C", revision=1)
    assert answer_save(attempt=exam, position=3, response="C", revision=2).revision == 3


def test_a_refused_save_on_a_submitted_attempt_says_it_ended_not_that_the_sheet_changed(exam):
    answer_save(attempt=exam, position=1, response="A", revision=0)
    attempt_submit(attempt=exam)
    with pytest.raises(Exception) as refused:
        answer_save(attempt=exam, position=2, response="A", revision=0)
    assert refused.value.code == "attempt_finished"


@pytest.mark.parametrize(
    ("language", "message"),
    [
        (
            "zh-hans",
            "此试卷已在另一个标签页或窗口中修改。本页现显示已保存的答案，请核对，需要时重新作答。",
        ),
        (
            "en",
            "This paper was changed in another tab or window. The answers here now show what is saved; "
            "check them, and answer again where you need to.",
        ),
    ],
)
def test_the_api_refuses_a_stale_save_with_the_answers_as_saved(exam, language, message):
    """Through the API: the attempt carries `revision` 0; a save at 0 answers revision 1; a second
    client's save at 0 gets 409 `sheet_changed` with the attempt (Q1 as saved, revision 1)."""
    client = APIClient(HTTP_ACCEPT_LANGUAGE=language)
    client.force_authenticate(exam.member)
    base = f"/api/v1/study/attempts/{exam.pk}/"
    shown = client.get(base).json()
    assert shown["revision"] == 0
    one = client.put(base + "items/1/", {"response": "A", "revision": 0}, format="json")
    assert (one.status_code, one.json()["revision"]) == (200, 1)
    stale = client.put(base + "items/3/", {"response": "B", "revision": 0}, format="json")
    assert stale.status_code == 409
    body = stale.json()
    assert body["error"] == {"code": "sheet_changed", "message": message, "field": None}
    assert body["attempt"]["revision"] == 1
    items = {item["position"]: item["saved_response"] for item in body["attempt"]["items"]}
    assert items == {1: ["A"], 2: None, 3: None}
    assert saved(exam, 3) is None
    # A client sending no revision saves as before.
    plain = client.put(base + "items/3/", {"response": "B"}, format="json")
    assert (plain.status_code, plain.json()["revision"]) == (200, 2)


def test_a_page_whose_save_response_was_lost_has_its_next_save_accepted(exam):
    """Page P saves Q1 at revision 0; the save is stored (now 1) but its answer never reaches P,
    which still holds 0. P's next save, Q2 at 0 with the same page token, is P's own continuation:
    accepted (now 2), both answers kept, and P is the last saver."""
    answer_save(attempt=exam, position=1, response="A", revision=0, page="page-one-token")
    retried = answer_save(attempt=exam, position=2, response="B", revision=0, page="page-one-token")
    assert retried.revision == 2
    exam.refresh_from_db()
    assert (exam.revision, exam.revision_page) == (2, "page-one-token")
    # Both stored (in the question's own letters, which the attempt's option order may shuffle).
    assert saved(exam, 1) is not None and saved(exam, 2) is not None


def test_a_real_second_tab_is_still_refused_though_it_sends_a_page_token(exam):
    """Page P saves Q1 at 0 (now 1, its answer lost); tab T, loaded at 0 before, saves Q2 at 0
    with its own token: the last save was P's, not T's, so refused at 1 and Q2 untouched. After
    T catches up (saves at 1, now 2), P's save at 0 is refused too: another page saved since."""
    answer_save(attempt=exam, position=1, response="A", revision=0, page="page-one-token")
    with pytest.raises(SheetChanged) as refused:
        answer_save(attempt=exam, position=2, response="B", revision=0, page="page-two-token")
    assert refused.value.revision == 1
    assert saved(exam, 2) is None
    answer_save(attempt=exam, position=2, response="B", revision=1, page="page-two-token")
    with pytest.raises(SheetChanged) as refused:
        answer_save(attempt=exam, position=3, response="C", revision=0, page="page-one-token")
    assert refused.value.revision == 2
    assert saved(exam, 3) is None


def test_the_api_accepts_a_pages_save_after_its_own_lost_save_and_refuses_another_pages(exam):
    """Through the API: page P saves Q1 at 0 (answer 1, say lost); P saves Q2 at 0 again with its
    `page`: 200, revision 2. Page T, which saw 0, saves Q3 at 0: 409 at revision 2; so does a
    client with no page token at 1. A malformed
    page token is a 400 on `page` and stores nothing."""
    client = APIClient()
    client.force_authenticate(exam.member)
    base = f"/api/v1/study/attempts/{exam.pk}/items/"
    page_one, page_two = "3f1c2a9e-0000-4000-8000-000000000001", "3f1c2a9e-0000-4000-8000-000000000002"
    first = client.put(base + "1/", {"response": "A", "revision": 0, "page": page_one}, format="json")
    assert (first.status_code, first.json()["revision"]) == (200, 1)
    again = client.put(base + "2/", {"response": "B", "revision": 0, "page": page_one}, format="json")
    assert (again.status_code, again.json()["revision"]) == (200, 2)
    other = client.put(base + "3/", {"response": "C", "revision": 0, "page": page_two}, format="json")
    assert other.status_code == 409
    assert other.json()["attempt"]["revision"] == 2
    # Without a page token a client is held to its revision as before, even after its own save.
    tokenless = client.put(base + "3/", {"response": "C", "revision": 1}, format="json")
    assert tokenless.status_code == 409
    bad = client.put(base + "3/", {"response": "C", "revision": 2, "page": "no spaces allowed"}, format="json")
    assert bad.status_code == 400
    assert bad.json()["error"]["field"] == "page"
    assert saved(exam, 3) is None
