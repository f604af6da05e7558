"""The console offers "Hand over" only for a runner the server would take it from: not for one
whose legs all fall past the last relay question (the server refuses those with `not_a_runner`)."""

import pytest
from playwright.sync_api import expect

from contests import services
from contests.models import Round
from tests import factories
from tests.browser.test_relay_results_fixes import CONNECTED, CONSOLE, in_language

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


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_between_questions_the_console_offers_hand_over_for_every_runner_with_a_leg_to_come_connected_or_not(
    asgi_server, transactional_db, signed_in_page, screenshot, language
):
    audit = factories.unit_at("审计署", kind="organ")
    gz1 = factories.unit_at("审计署/广州特派办/第一党支部")
    bank = factories.bank(audit)
    host = factories.organiser(audit, username="host")
    contest = services.contest_create(title="三题接力", unit=audit, by=host)
    red = [factories.member(gz1, username=f"red{n}", real_name=name) for n, name in enumerate(["红一", "红二", "红三"])]
    services.team_add(contest=contest, name="红队", unit=gz1, legs=red)
    versions = [factories.question(bank, "single", options=["甲", "乙"], key=["A"]).current for _ in range(3)]
    services.round_add(contest=contest, type=Round.Type.RELAY, versions=versions, time_limit_s=600)
    services.contest_start(contest=contest, by=host)
    # Q1 (红一's leg) answered and revealed: between questions, Q2 and Q3 are still to show, with
    # 红二 and 红三; 红二's phone is connected, 红三's is not, 红一 holds no leg still to come.
    services.question_open(contest=contest, by=host)
    services.answer_submit(contest=contest, member=red[0], response="A", client_answer_id="q1")
    services.question_reveal(contest=contest, by=host)
    phone = in_language(signed_in_page(red[1], phone=True), asgi_server, language)
    phone.goto(f"{asgi_server}/contests/{contest.join_code}/play/")
    page = in_language(signed_in_page(host, viewport=CONSOLE), asgi_server, language)
    page.goto(f"{asgi_server}/contests/{contest.join_code}/host/")
    page.locator("#connection", has_text=CONNECTED[language]).wait_for()
    missing = page.locator("#presence-missing .qs-runner-missing")
    expect(missing.filter(has_text="红二")).to_have_count(0)  # 红二's phone is connected
    ahead = page.locator("#legs-ahead")
    summary = {"zh-hans": "仍持有待答接力棒的队员：2 人", "en": "Runners with relay legs still to come: 2"}[language]
    expect(ahead.locator("summary")).to_have_text(summary)
    ahead.locator("summary").click()
    rows = ahead.locator(".qs-runner-ahead")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("红二")
    expect(rows.nth(1)).to_contain_text("红三")
    expect(rows.nth(0).locator(".qs-runner-offline")).to_have_count(0)
    expect(rows.nth(1).locator(".qs-runner-offline")).to_have_count(1)
    screenshot(page, f"console-legs-ahead-{language}")
    # The connected runner's legs go to 红一 from the dialog: the next question, Q2, is 红一's.
    rows.nth(0).locator(".qs-hand-over").click()
    page.locator("#handover-dialog").wait_for(state="visible")
    page.locator("#handover-to").select_option(label="红一")
    page.locator("#handover-form [type=submit]").click()
    page.locator("#handover-dialog").wait_for(state="hidden")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("红一")
    expect(rows.nth(1)).to_contain_text("红三")
    page.set_viewport_size({"width": 390, "height": 844})  # the console on a phone
    page.locator("#legs-ahead").scroll_into_view_if_needed()
    screenshot(page, f"console-legs-ahead-phone-{language}")
    handed = services_handovers(contest)
    assert handed == [(red[1].pk, red[0].pk, 1, 2)]


def services_handovers(contest):
    from contests.models import LegHandover

    return list(
        LegHandover.objects.filter(team__contest=contest).values_list(
            "from_member_id", "to_member_id", "from_question__round__position", "from_question__position"
        )
    )
