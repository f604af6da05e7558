"""A timed exam open in two tabs: tab 1 answers Q1, tab 2 changes Q1, then tab 1 answers Q3. Tab 1
said "Saved" while still showing its old Q1 (the server kept tab 2's, which a submit from tab 1
graded). Now tab 1's save is refused: the page says the paper was changed in another tab or
window, shows the answers as saved, and the member answers again."""

import pytest
from django.conf import settings
from playwright.sync_api import expect

from lessons.models import Attempt, AttemptItem
from lessons.services.attempts import attempt_start
from tests import factories
from tests.processes import wait_for

pytestmark = pytest.mark.browser

NOTICE = {
    "zh-hans": "此试卷已在另一个标签页或窗口中修改。本页现显示已保存的答案，请核对，需要时重新作答。",
    "en": "This paper was changed in another tab or window. The answers here now show what is saved; "
    "check them, and answer again where you need to.",
}


def behind_another_tab(asgi_server, signed_in_page, tree, language):
    """A timed exam open on two phone tabs of one member, in `language`: tab 1 answers Q1 with A,
    then tab 2 (opened after) changes it to B. Tab 1 has not seen tab 2's answer. Returns the
    attempt, its URL, both tabs, and a check of the attempt's revision."""
    bank = factories.bank(tree["audit"])
    questions = [factories.question(bank, "single", key=["A"]) for _ in range(3)]
    paper = factories.paper(tree["audit"], mode="exam", questions=questions, time_limit_s=900)
    member = factories.member(tree["gz1"])
    attempt = attempt_start(paper=paper, member=member)
    url = f"{asgi_server}/study/attempts/{attempt.pk}/"

    def revision_is(number: int):
        return lambda: Attempt.objects.get(pk=attempt.pk).revision == number

    one, two = (signed_in_page(member, phone=True, viewport={"width": 390, "height": 844}) for _ in range(2))
    for tab in (one, two):
        tab.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": asgi_server}])
    one.goto(url)
    one.locator("#q1 input[value=A]").check()
    wait_for(revision_is(1), timeout=10, what="tab 1's Q1 saved")
    two.goto(url)
    expect(two.locator("#q1 input[value=A]")).to_be_checked()
    two.locator("#q1 input[value=B]").check()
    wait_for(revision_is(2), timeout=10, what="tab 2's Q1 saved")
    return attempt, url, one, two, revision_is


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_tab_behind_another_is_told_and_shows_the_answers_as_saved(asgi_server, signed_in_page, tree, language):
    attempt, _url, one, _two, revision_is = behind_another_tab(asgi_server, signed_in_page, tree, language)
    tab_two_q1 = AttemptItem.objects.get(attempt=attempt, position=1).saved_response

    one.locator("#q3 input[value=A]").check()
    notice = one.locator("#q3 #sheet-changed")
    expect(notice).to_have_text(NOTICE[language])
    expect(one.locator("#attempt-status")).to_have_text(NOTICE[language])
    # The answers as saved: Q1 as tab 2 left it, Q3 not answered; nothing stored from tab 1.
    expect(one.locator("#q1 input[value=B]")).to_be_checked()
    expect(one.locator("#q1 input[value=A]")).not_to_be_checked()
    expect(one.locator("#q3 input[value=A]")).not_to_be_checked()
    assert Attempt.objects.get(pk=attempt.pk).revision == 2
    assert AttemptItem.objects.get(attempt=attempt, position=3).saved_response is None

    # Answering again from there is saved, over the answers the page now shows.
    one.locator("#q3 input[value=A]").check()
    wait_for(revision_is(3), timeout=10, what="tab 1's Q3 saved after catching up")
    assert AttemptItem.objects.get(attempt=attempt, position=1).saved_response == tab_two_q1
    assert AttemptItem.objects.get(attempt=attempt, position=3).saved_response is not None


def test_submitting_from_a_tab_behind_another_stops_to_show_the_answers_as_saved(asgi_server, signed_in_page, tree):
    """The member answers Q3 and presses Submit at once, on a tab that has not seen another tab's
    Q1: the answer's save is refused (`sheet_changed`), so the paper is not handed in with
    answers the member never saw and without the one just given. The page stays, says why, and
    Submit pressed again hands it in."""
    attempt, url, one, _two, _revision_is = behind_another_tab(asgi_server, signed_in_page, tree, "en")

    # Q3 ticked and Submit pressed in one go: the save is still waiting when the paper goes in.
    one.once("dialog", lambda dialog: dialog.accept())
    one.evaluate(
        """() => {
            const input = document.querySelector("#q3 input[value=A]");
            input.checked = true;
            input.dispatchEvent(new Event("input", { bubbles: true }));
            document.getElementById("submit-button").click();
        }"""
    )
    expect(one.locator("#q3 #sheet-changed")).to_have_text(NOTICE["en"])
    expect(one.locator("#q1 input[value=B]")).to_be_checked()
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.IN_PROGRESS
    assert one.url == url

    one.once("dialog", lambda dialog: dialog.accept())
    one.click("#submit-button")
    one.wait_for_url("**/result/")
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.SUBMITTED


def test_a_save_whose_answer_was_lost_does_not_make_the_next_save_look_like_another_tab(
    asgi_server, signed_in_page, tree
):
    """One tab only. Q1's save reaches the server (revision 1) but its answer is lost on the way
    back, as in a network drop: the page says it is not saved yet and still holds revision 0.
    Ticking Q2 (or the retry) sends Q1 again, and Q2: both accepted as this page's own (revision
    3), with no "changed in another tab" notice. Before, Q2's save at 0 was refused as if another tab had saved."""
    bank = factories.bank(tree["audit"])
    questions = [factories.question(bank, "single", key=["A"]) for _ in range(3)]
    paper = factories.paper(tree["audit"], mode="exam", questions=questions, time_limit_s=900)
    member = factories.member(tree["gz1"])
    attempt = attempt_start(paper=paper, member=member)
    tab = signed_in_page(member, phone=True, viewport={"width": 390, "height": 844})
    tab.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": asgi_server}])
    lost = []

    def lose_the_first_answer(route):
        if lost:
            route.continue_()
            return
        route.fetch()  # reaches the server and is stored
        lost.append(True)
        route.abort("connectionreset")  # but the page never hears back

    tab.route("**/api/v1/study/attempts/*/items/1/", lose_the_first_answer)
    tab.goto(f"{asgi_server}/study/attempts/{attempt.pk}/")
    tab.locator("#q1 input[value=A]").check()
    # The page first: the route handler runs only while Playwright is waiting on the page, so a
    # wait on the database alone could time out before the save was ever sent (CI, stop 54).
    expect(tab.locator("#attempt-status")).to_have_text("Not saved yet: no connection. Trying again…")
    wait_for(lambda: Attempt.objects.get(pk=attempt.pk).revision == 1, timeout=10, what="Q1 stored")
    tab.locator("#q2 input[value=B]").check()
    # Waiting on the page (not only the database) lets Playwright run the route for the resend.
    expect(tab.locator("#attempt-status")).to_contain_text("Saved")
    wait_for(lambda: Attempt.objects.get(pk=attempt.pk).revision == 3, timeout=10, what="Q1 again and Q2 stored")
    expect(tab.locator("#sheet-changed")).to_have_count(0)
    expect(tab.locator("#q1 input[value=A]")).to_be_checked()
    items = AttemptItem.objects.filter(attempt=attempt).order_by("position")
    assert [item.saved_response is not None for item in items] == [True, True, False]
