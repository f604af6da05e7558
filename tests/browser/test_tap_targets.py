"""Links standing alone in a line are as tall as a finger on a phone (44 px): the home page's
History (50 x 24), a breadcrumb (24), the player's series link (127 x 20) and a relay's "Skip or
replace the holder" (21) were under 32 px, and an entry's link to its call was 20 px. One rule
(static/css/app.css, pointer: coarse)."""

from decimal import Decimal

import pytest
from django.utils import timezone

from calls import services as calls_services
from calls.models import Call
from contests.relay.models import RelayContest
from lessons.models import Lesson, Series
from lessons.services import videos
from orgs.models import Unit, User
from tests.browser.test_shell import sign_in

pytestmark = pytest.mark.browser


def height(page, selector: str) -> float:
    locator = page.locator(selector).first
    locator.wait_for(state="visible")
    return locator.bounding_box()["height"]


def test_lone_links_are_44_px_tall_on_a_phone(live_server, demo, page_factory):
    organ = Unit.objects.get(name="审计署")
    series = Series.objects.create(slug="tap-series", title="机关讲堂", unit=organ)
    lesson = videos.lesson_create(title="系列中的一课", unit=organ, required=False, published=True)
    Lesson.objects.filter(pk=lesson.pk).update(series=series, status=Lesson.Status.READY, duration_s=Decimal(600))
    relay = RelayContest.objects.first()
    member = User.objects.get(username="member")
    essays = Call.objects.filter(kind=Call.Kind.ESSAY, closes_at__gt=timezone.now()).first()  # open to the member
    entry = calls_services.entry_create(call=essays, author=member, title="我的征文")
    page = page_factory(phone=True)
    sign_in(page, live_server.url, "member")
    checks = [
        ("/", ".card:has(#points-today) .card-header a.qs-tap"),  # History
        ("/lessons/hours/", ".breadcrumb-item > a"),
        (f"/lessons/{lesson.pk}/", "#series-link"),
        (f"/contests/relays/{relay.pk}/", ".qs-steer > summary"),
        (f"/calls/entries/{entry.pk}/", "#entry-call-link"),  # the call the entry is for (20)
    ]
    for path, selector in checks:
        page.goto(live_server.url + path)
        assert height(page, selector) >= 44, path
    # The text keeps its size: only the box grew.
    page.goto(live_server.url + "/lessons/hours/")
    assert page.locator(".breadcrumb-item > a").first.evaluate("el => getComputedStyle(el).fontSize") == "16px"
