"""The console offers "Hand over" only for a runner the server would take it from: not for one
whose legs all fall past the last relay question (the server refuses those with `not_a_runner`)."""

import pytest
from playwright.sync_api import expect

from contests import services
from contests.models import Round
from tests import factories
from tests.browser.test_relay_results_fixes import CONNECTED, CONSOLE

pytestmark = pytest.mark.browser


def test_the_console_offers_no_hand_over_for_a_runner_whose_leg_comes_after_the_last_question(
    asgi_server, transactional_db, signed_in_page
):
    audit = factories.unit_at("审计署", kind="organ")
    gz1 = factories.unit_at("审计署/广州特派办/第一党支部")
    bank = factories.bank(audit)
    host = factories.organiser(audit, username="host")
    contest = services.contest_create(title="两题接力", unit=audit, by=host)
    red = [factories.member(gz1, username=f"red{n}", real_name=name) for n, name in enumerate(["红一", "红二", "红三"])]
    services.team_add(contest=contest, name="红队", unit=gz1, legs=red)
    versions = [factories.question(bank, "single", options=["甲", "乙"], key=["A"]).current for _ in range(2)]
    services.round_add(contest=contest, type=Round.Type.RELAY, versions=versions, time_limit_s=600)
    services.contest_start(contest=contest, by=host)
    page = signed_in_page(host, viewport=CONSOLE)
    page.goto(f"{asgi_server}/contests/{contest.join_code}/host/")
    page.locator("#connection", has_text=CONNECTED["zh-hans"]).wait_for()
    # No phone is connected: the three runners are listed, and Q1, Q2 go to legs 1 and 2 only.
    missing = page.locator("#presence-missing .qs-runner-missing")
    expect(missing).to_have_count(3)
    for name in ("红一", "红二"):
        expect(missing.filter(has_text=name).locator(".qs-hand-over")).to_have_count(1)
    expect(missing.filter(has_text="红三").locator(".qs-hand-over")).to_have_count(0)
