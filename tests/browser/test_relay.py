"""A team of three runs a relay on phones: the first holder runs a leg and the baton passes at
once; the second's leg runs out at its limit and is graded as of it; the captain skips the third
with a reason; the organiser's relay map shows it all."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from contests.online.services import DrawRule
from contests.relay import services
from contests.relay.models import RelayLeg, RelayTeam
from contests.relay.services import TeamPlan
from lessons.models import Attempt
from tests import factories
from tests.browser.test_shell import sign_in
from tests.browser.test_study import answer_card, assert_countdown_to_the_deadline

pytestmark = pytest.mark.browser


@pytest.fixture
def relay(transactional_db):
    organ = factories.unit_at("审计署")
    branch = factories.unit_at("审计署/广州特派办/第一党支部")
    bank = factories.bank(organ)
    for _ in range(4):
        factories.question(bank, "single")
    organiser = factories.organiser(organ, username="relay-organiser", password=settings.DEMO_PASSWORD)
    runners = [
        factories.member(branch, username=f"runner{n}", real_name=name, password=settings.DEMO_PASSWORD)
        for n, name in ((1, "王队长"), (2, "李二棒"), (3, "张三棒"))
    ]
    relay = services.relay_create(
        title="党史知识接力赛",
        unit=organ,
        audience=[organ],
        opens_at=timezone.now() - timedelta(hours=1),
        closes_at=timezone.now() + timedelta(days=3),
        rules=[DrawRule(bank=bank, type="single", count=2)],
        by=organiser,
        leg_time_limit_s=300,
        description="每队三人依次接棒，每棒 2 题，限时 5 分钟。",
        results_shown="after_submit",  # scores after each leg (the default is after the close)
    )
    services.relay_teams_set(
        relay=relay,
        plans=[TeamPlan(name="第一党支部", unit=branch, roster=runners, captain=runners[0])],
        by=organiser,
    )
    return relay


def test_a_team_of_three_runs_a_relay_on_phones(live_server, relay, page_factory, screenshot):
    from playwright.sync_api import expect

    base = live_server.url
    home = f"{base}/contests/relays/{relay.pk}/"
    team = RelayTeam.objects.get(relay=relay)

    # The second runner does not hold the baton yet: no start button, the holder is named.
    second = page_factory(phone=True)
    sign_in(second, base, "runner2")
    second.goto(home)
    assert second.locator("#start-leg").count() == 0
    expect(second.locator(".qs-relay-team")).to_contain_text("接力棒：第 1 棒，王队长")

    first = page_factory(phone=True)
    sign_in(first, base, "runner1")
    first.goto(home)
    screenshot(first, "relay-home-phone")
    width = first.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the relay home is {width}px wide on a 390px phone"
    first.click("#start-leg")
    first.wait_for_url("**/contests/online/attempts/*/")
    attempt = Attempt.objects.get(member__username="runner1")
    assert_countdown_to_the_deadline(first, attempt, 300)
    items = list(attempt.items.select_related("version").order_by("position"))
    answer_card(first, items[0], correct=True)
    first.click("#next-button")
    answer_card(first, items[1], correct=True)
    expect(first.locator(".qs-sheet-cell.is-answered")).to_have_count(2)
    first.once("dialog", lambda dialog: dialog.accept())
    first.click("#submit-button")
    first.wait_for_url("**/result/")

    # The baton passed at once: the second runner's page now offers the leg.
    second.goto(home)
    expect(second.locator("#start-leg")).to_be_visible()
    second.click("#start-leg")
    second.wait_for_url("**/contests/online/attempts/*/")
    leg_two = RelayLeg.objects.get(team=team, position=2)
    item = leg_two.online_attempt.attempt.items.select_related("version").get(position=1)
    answer_card(second, item, correct=True)
    expect(second.locator(".qs-sheet-cell.is-answered")).to_have_count(1)
    screenshot(second, "relay-leg-phone")
    # The leg's limit passes (moved into the past rather than waited for): the server grades the
    # leg as of its deadline, with the one saved answer, and passes the baton to the third runner.
    deadline = timezone.now() - timedelta(seconds=1)
    Attempt.objects.filter(pk=leg_two.online_attempt.attempt_id).update(deadline_at=deadline)
    RelayLeg.objects.filter(pk=leg_two.pk).update(deadline_at=deadline)
    second.reload()
    # The leg's page says its time ran out (not a redirect: Back from the result would land on
    # the result again), with the way to the result.
    ended = second.locator("#attempt-ended")
    expect(ended).to_have_attribute("data-ended", "time_up")
    expect(ended).to_contain_text("本次作答已结束：作答时间已用完。")
    second.click("#ended-result-link")
    second.wait_for_url("**/result/")
    leg_two.refresh_from_db()
    assert (leg_two.status, leg_two.score, leg_two.finished_at) == (
        "finished",
        1,
        deadline.replace(microsecond=deadline.microsecond),
    )

    # The captain skips the third runner, who has not started, with a reason.
    first.goto(home)
    expect(first.locator(".qs-relay-team")).to_contain_text("接力棒：第 3 棒，张三棒")
    first.locator(".qs-steer summary").click()
    first.fill(f"#skip-reason-{team.pk}", "外出培训，无法按时作答")
    first.locator(".qs-steer form").first.locator("button").click()
    expect(first.locator(".qs-relay-team")).to_contain_text("接力结束")
    expect(first.locator("[data-leg='3']")).to_contain_text("外出培训，无法按时作答")
    # Two legs scored: 2 (both right) + 1 (one saved answer at the limit) = 3.
    expect(first.locator(".qs-team-score")).to_have_text("3")
    screenshot(first, "relay-home-after-phone")

    organiser = page_factory(phone=True)
    sign_in(organiser, base, "relay-organiser")
    organiser.goto(f"{base}/contests/relays/manage/{relay.pk}/")
    expect(organiser.locator("#audit-log")).to_contain_text("外出培训，无法按时作答")
    screenshot(organiser, "relay-map-phone")
    desktop = page_factory()
    sign_in(desktop, base, "relay-organiser")
    desktop.goto(f"{base}/contests/relays/manage/{relay.pk}/")
    screenshot(desktop, "relay-map-desktop")
    # The builder and the teams page, in the organiser pages' look.
    desktop.goto(f"{base}/contests/relays/manage/{relay.pk}/edit/")
    expect(desktop.locator("#started-note")).to_be_visible()
    screenshot(desktop, "relay-edit-desktop")
    desktop.goto(f"{base}/contests/relays/manage/{relay.pk}/teams/")
    # Legs have run: the page says the teams are fixed and offers no way to make or import them.
    expect(desktop.locator("#teams-locked")).to_be_visible()
    expect(desktop.locator("#teams-from-units")).to_have_count(0)
    screenshot(desktop, "relay-teams-desktop")
