"""An organiser qualifies the best members of an online contest into a live final from the
dashboard, and the live contest's builder shows the teams; the lobby screen shows the race."""

import re

import pytest
from playwright.sync_api import expect

from contests.online import services
from orgs.models import Unit
from tests import factories
from tests.browser.test_online import contest  # noqa: F401  (the fixture)
from tests.browser.test_shell import sign_in
from tests.contests.test_online_final import finish

pytestmark = pytest.mark.browser


def test_organiser_qualifies_the_top_member_of_each_branch_into_a_live_final(
    live_server,
    contest,  # noqa: F811
    page_factory,
    screenshot,
):
    first = Unit.objects.get(name="第一党支部", path__startswith=contest.paper.unit.path)
    second = Unit.objects.get(name="第二党支部", path__startswith=contest.paper.unit.path)
    finish(contest, factories.member(first, real_name="王一"), right=4, seconds=100)
    finish(contest, factories.member(first, real_name="王二"), right=2, seconds=90)
    finish(contest, factories.member(second, real_name="赵一"), right=3, seconds=60)
    finish(contest, factories.member(second, real_name="赵二"), right=1, seconds=30)
    looked_away = services.online_attempt_start(contest=contest, member=factories.member(first), device="d")
    for kind, position in (("focus_lost", 2), ("focus_lost", 2), ("paste", 3)):
        services.integrity_record(online=looked_away, device="d", kind=kind, position=position)
    page = page_factory()
    sign_in(page, live_server.url, "organiser")
    page.goto(f"{live_server.url}/contests/online/manage/{contest.pk}/")
    assert "第 2 题：离开页面 2 次" in page.locator("#integrity-flags").inner_text()
    screenshot(page, "online-dashboard-desk")
    page.click("#qualify-link")
    page.fill("#id_top_n", "1")
    page.select_option("#id_per_group", "1")
    page.select_option("#id_ties", "break")
    page.fill("#id_team_size", "3")
    page.fill("#id_title", "党史知识竞赛决赛")
    page.click("#preview-button")
    teams = page.locator("#planned-teams").inner_text()
    assert "第一党支部" in teams and "王一" in teams and "第二党支部" in teams and "赵一" in teams
    assert "王二" not in teams and "赵二" not in teams
    screenshot(page, "online-qualify-preview")
    page.click("#create-final")
    page.wait_for_url("**/setup/teams/")
    builder = page.locator("main").inner_text()
    assert "第一党支部" in builder and "王一" in builder and "第二党支部" in builder and "赵一" in builder
    screenshot(page, "online-final-teams")
    page.goto(f"{live_server.url}/contests/online/manage/{contest.pk}/")
    assert "党史知识竞赛决赛" in page.locator("#finals").inner_text()

    screen = page_factory(viewport={"width": 1920, "height": 1080})
    sign_in(screen, live_server.url, "organiser")
    screen.goto(f"{live_server.url}/contests/online/manage/{contest.pk}/screen/")
    # The audience is one office: the race is between its three branches, after a row for the
    # office's own members (the organiser placed in it may take the contest too).
    expect(screen.locator("#race-rows li")).to_have_count(4)
    expect(screen.locator("#race-rows li", has_text="广州特派办（本级）")).to_have_count(1)
    assert screen.locator("#total-finished").inner_text() == "4"
    assert screen.locator("#total-started").inner_text() == "5"
    screen.wait_for_function("document.getElementById('updated').textContent.length > 0")
    screenshot(screen, "online-lobby-screen-1920")


def test_a_timed_question_counts_down_on_a_phone_locks_and_moves_on(
    live_server,
    contest,  # noqa: F811
    page_factory,
    screenshot,
):
    from playwright.sync_api import expect

    from lessons.models import Attempt, AttemptItem, Paper

    Paper.objects.filter(pk=contest.paper_id).update(question_time_s=6)
    page = page_factory(phone=True)
    sign_in(page, live_server.url, "member")
    page.goto(f"{live_server.url}/contests/online/{contest.pk}/")
    page.click("#start-button")
    page.wait_for_url("**/contests/online/attempts/*/")
    expect(page.locator("#question-clock")).to_contain_text("秒")
    screenshot(page, "online-question-clock-phone")
    attempt = Attempt.objects.get(member__username="member", paper=contest.paper)
    # The server started the first question's clock when the page showed it: 6 seconds.
    first = AttemptItem.objects.get(attempt=attempt, position=1)
    assert first.opened_at is not None and (first.deadline_at - first.opened_at).total_seconds() == 6
    # When it runs out the first question is locked and the second one is shown.
    expect(page.locator("#q2")).to_be_visible(timeout=15_000)
    expect(page.locator("#q1")).to_have_class(re.compile("is-timed-out"))
    expect(page.locator(".qs-sheet-cell.is-timed-out")).to_have_count(1)


def test_the_lobby_screen_writes_its_updated_time_in_the_pages_language_not_the_browsers(
    live_server,
    contest,  # noqa: F811
    page_factory,
):
    screen = page_factory(locale="en-US", viewport={"width": 1920, "height": 1080})
    screen.context.add_cookies([{"name": "django_language", "value": "zh-hans", "url": live_server.url}])
    sign_in(screen, live_server.url, "organiser")
    screen.goto(f"{live_server.url}/contests/online/manage/{contest.pk}/screen/")
    rendered = screen.locator("#updated").inner_text()  # by the server; the first poll rewrites it
    screen.wait_for_function("(rendered) => document.getElementById('updated').textContent !== rendered", arg=rendered)
    updated = screen.locator("#updated").inner_text()
    assert re.fullmatch(r"\d{1,2}:\d{2}:\d{2}", updated), updated
