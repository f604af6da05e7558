"""An organiser qualifies the best relay team of each ministry system into a live final from the
relay map, and the final's team builder shows the teams with the relay's captains."""

from datetime import timedelta

import pytest
from django.conf import settings

from contests.relay import services
from contests.relay.models import RelayTeam
from contests.relay.services import TeamPlan
from tests import factories
from tests.browser.test_shell import sign_in
from tests.contests import test_relay
from tests.contests.test_relay import make_relay, run_leg

pytestmark = pytest.mark.browser


@pytest.fixture
def relay(transactional_db):
    organ = factories.unit_at("审计署")
    bank = factories.bank(organ)
    for _ in range(4):
        factories.question(bank, "single")
    organiser = factories.organiser(organ, username="relay-organiser", password=settings.DEMO_PASSWORD)
    gz1 = factories.unit_at("审计署/广州特派办/第一党支部")
    gz2 = factories.unit_at("审计署/广州特派办/第二党支部")
    nj1 = factories.unit_at("审计署/南京特派办/第一党支部")
    relay = make_relay({"organ": organ, "bank": bank, "by": organiser})
    who = {
        name: factories.member(unit, real_name=name)
        for name, unit in (("王一", gz1), ("王二", gz1), ("李一", gz2), ("赵一", nj1), ("赵二", nj1))
    }
    services.relay_teams_set(
        relay=relay,
        plans=[
            TeamPlan(name="广州一支部队", unit=gz1, roster=[who["王一"], who["王二"]], captain=who["王二"]),
            TeamPlan(name="广州二支部队", unit=gz2, roster=[who["李一"]], captain=who["李一"]),
            TeamPlan(name="南京一支部队", unit=nj1, roster=[who["赵一"], who["赵二"]], captain=who["赵一"]),
        ],
        by=organiser,
        at=test_relay.NOW,
    )
    team = {t.name: t for t in RelayTeam.objects.filter(relay=relay)}
    run_leg(team["广州一支部队"], who["王一"], right=2, start=timedelta(0), took=timedelta(seconds=60))
    run_leg(team["广州一支部队"], who["王二"], right=2, start=timedelta(minutes=2), took=timedelta(seconds=60))
    run_leg(team["广州二支部队"], who["李一"], right=1, start=timedelta(0), took=timedelta(seconds=20))
    run_leg(team["南京一支部队"], who["赵一"], right=1, start=timedelta(0), took=timedelta(seconds=30))
    return relay


def test_organiser_qualifies_the_top_team_of_each_system_into_a_live_final(
    live_server, relay, page_factory, screenshot
):
    page = page_factory()
    sign_in(page, live_server.url, "relay-organiser")
    page.goto(f"{live_server.url}/contests/relays/manage/{relay.pk}/")
    page.click("#qualify-link")
    page.fill("#id_top_n", "1")
    page.select_option("#id_per_group", "1")
    page.select_option("#id_ties", "break")
    page.fill("#id_team_size", "2")
    page.fill("#id_title", "接力赛决赛")
    page.click("#preview-button")
    # Guangzhou: 广州一支部队 4 points beats 广州二支部队 1; Nanjing: 南京一支部队 alone.
    teams = page.locator("#planned-teams").inner_text()
    assert "广州一支部队" in teams and "南京一支部队" in teams and "广州二支部队" not in teams
    assert page.locator("#planned-teams li").first.locator(".badge").count() == 1
    assert page.locator(".qs-qualify-group h2").first.inner_text() == "广州特派办 1 队晋级"
    screenshot(page, "relay-qualify-preview")
    page.click("#create-final")
    page.wait_for_url("**/setup/teams/")
    builder = page.locator("main").inner_text()
    assert "广州一支部队" in builder and "王二" in builder and "南京一支部队" in builder and "赵二" in builder
    screenshot(page, "relay-final-teams")
    page.goto(f"{live_server.url}/contests/relays/manage/{relay.pk}/")
    assert "接力赛决赛" in page.locator("#audit-log").inner_text()
    screenshot(page, "relay-map-after-final")
