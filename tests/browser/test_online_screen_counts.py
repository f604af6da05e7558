"""The online contest's lobby screen after a poll: its script writes "1 person" for a unit of one,
as the page does; it wrote "1 people" from the one form it was given."""

import pytest
from django.conf import settings
from playwright.sync_api import expect

from tests import factories
from tests.contests.test_online import make_contest

pytestmark = pytest.mark.browser


def test_the_lobby_screen_says_one_person_after_a_poll_in_english(asgi_server, signed_in_page):
    organ = factories.unit_at("审计署")
    branch = factories.unit_at("审计署/广州特派办/第一党支部")
    second = factories.unit_at("审计署/广州特派办/第二党支部")
    bank = factories.bank(organ)
    for _ in range(2):
        factories.question(bank, "single")
    factories.question(bank, "true_false")
    setup = {"organ": organ, "branch": branch, "bank": bank, "by": factories.organiser(organ)}
    contest = make_contest(setup, audience=[branch, second])
    factories.member(branch)
    factories.member(second)
    factories.member(second)
    screen = signed_in_page(setup["by"])
    screen.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": asgi_server}])
    screen.goto(f"{asgi_server}/contests/online/manage/{contest.pk}/screen/")
    counts = screen.locator(".qs-race-counts")
    expect(counts).to_have_count(2)
    # Rubbed out, so what shows next was written by the script from the poll's figures.
    screen.evaluate("() => document.querySelectorAll('.qs-race-counts').forEach((e) => { e.textContent = '' })")
    expect(counts.filter(has_text="1 person")).to_have_count(1, timeout=15000)
    shown = sorted(counts.all_inner_texts())
    assert shown == ["0 finished · 0 started · 1 person", "0 finished · 0 started · 2 people"]
