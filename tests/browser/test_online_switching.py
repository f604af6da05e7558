"""What the organisers' "left the page" counts during an online attempt: switching away while the
attempt page stays loaded (the tab hidden, the window's focus lost to another window), once per
switch. A reload, or Back and returning, unloads the page and is no switch: one reload and one
Back were shown to the organiser as "Question 6: left the page 2 times"."""

import pytest
from django.urls import reverse

from contests.online.models import IntegrityEvent
from lessons.models import Attempt
from tests.browser.test_online import contest  # noqa: F401 (a fixture)
from tests.browser.test_shell import sign_in

pytestmark = pytest.mark.browser

# A switch simulated in the page: headless Chromium keeps every tab visible and focused, so the
# page is told it is hidden (or has lost the focus) as the browser would tell it.
HIDE = (
    "state => { Object.defineProperty(document, 'visibilityState', {configurable: true, get: () => state});"
    " document.dispatchEvent(new Event('visibilitychange')); }"
)
FOCUS = "kind => window.dispatchEvent(new Event(kind))"


def start(page, base, contest):  # noqa: F811 (the fixture's value)
    sign_in(page, base, "member")
    page.goto(f"{base}/contests/online/{contest.pk}/")
    page.click("#start-button")
    page.wait_for_url("**/contests/online/attempts/*/")
    return Attempt.objects.get(member__username="member", paper=contest.paper)


def test_a_reload_or_back_is_not_leaving_the_page_and_a_switch_away_is(
    live_server,
    contest,  # noqa: F811
    page_factory,
):
    page = page_factory(phone=True)
    attempt = start(page, live_server.url, contest)
    url = reverse("contests:online_event", args=[attempt.pk])
    events = IntegrityEvent.objects.filter(online_attempt__attempt=attempt).order_by("id")

    page.click("#next-button")  # on question 2
    page.reload()
    page.goto(f"{live_server.url}/contests/online/{contest.pk}/")
    page.go_back()
    page.wait_for_url("**/contests/online/attempts/*/")
    page.locator("#q2.is-current").wait_for()  # back on question 2

    # A switch to another tab: the window loses the focus, the tab is hidden, then both come back.
    with page.expect_response(f"**{url}") as first:
        page.evaluate(FOCUS, "blur")
        page.evaluate(HIDE, "hidden")
    assert first.value.status == 201
    page.evaluate(HIDE, "visible")
    page.evaluate(FOCUS, "focus")
    # The reload and Back were sent (if at all) as the page went away, long before this switch's
    # report came back: one event, the switch's. (The old page reported each of them as the tab
    # being hidden, on question 2, as it unloaded: three.)
    assert list(events.values_list("kind", "position")) == [("focus_lost", 2)]

    # Then to a window beside the browser, the page staying on show, on question 3: counted when
    # the focus comes back.
    page.click("#next-button")
    page.evaluate(FOCUS, "blur")
    with page.expect_response(f"**{url}") as second:
        page.evaluate(FOCUS, "focus")
    assert second.value.status == 201
    # Two switches, one report each (the first's blur and hiding are one switch).
    assert list(events.values_list("kind", "position")) == [("focus_lost", 2), ("focus_lost", 3)]
