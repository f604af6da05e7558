"""A published ranking of a relay's teams, as a runner sees it: each team named with its unit's
path below the ranking's unit, its legs run over its places, its place within its system and its
prize."""

import pytest
from django.conf import settings

from rankings.models import RankingRule
from rankings.services import snapshot_approve, snapshot_publish
from tests import factories
from tests.browser.test_shell import sign_in
from tests.rankings.test_compute import compute
from tests.rankings.test_relay_teams import ROOT, TEAMS, relay_rule, run_relay

pytestmark = pytest.mark.browser


def test_the_board_names_relay_teams_with_their_units_paths(live_server, transactional_db, page_factory, screenshot):
    run = run_relay()
    rule = relay_rule(run, title="党史知识接力赛团体排名")
    admin = factories.administrator(run["root"], username="boss")
    snapshot_publish(snapshot=snapshot_approve(snapshot=compute(rule), by=admin), by=admin)
    runner = run["runners"]["广州特派办队"][0]
    runner.set_password(settings.DEMO_PASSWORD)
    runner.save(update_fields=["password"])
    page = page_factory(locale="zh-CN")
    sign_in(page, live_server.url, runner.username)
    page.goto(f"{live_server.url}/rankings/{rule.slug}/")
    rows = page.locator("#board-table tbody tr")
    cells = [[cell.strip() for cell in rows.nth(n).locator("td").all_inner_texts()] for n in range(rows.count())]
    # Rank, team, unit path, legs run / places, place in its system, score, prize.
    assert [row[:3] for row in cells[:5]] == [
        ["1", "审计署队", "审计系统/审计署"],
        ["2", "广州特派办队", "审计系统/广州特派办"],
        ["3", "税务总局队", "财政系统/税务总局"],
        ["4", "财政部队", "财政系统/财政部"],
        ["5", "海关总署队", "财政系统/海关总署"],
    ]
    # Level on 4 right with 税务总局队 below it, and on accuracy (4 of 4 answered each): placed
    # above by less time (45 s against 70 s), which the score's mark says.
    assert cells[1][3:] == ["2 / 3", "审计系统 第 2 名", "4\n用时少", "二等奖"]
    assert cells[5][2] == TEAMS["南京特派办队"][0] and "未参评：无人参与" in cells[5][1]
    screenshot(page, "rankings-relay-teams-board")


def test_an_administrator_builds_a_relay_team_ranking_in_the_builder(
    live_server, transactional_db, page_factory, screenshot
):
    run = run_relay()
    factories.administrator(run["root"], username="boss", password=settings.DEMO_PASSWORD)
    page = page_factory(locale="zh-CN")
    sign_in(page, live_server.url, "boss")
    page.goto(f"{live_server.url}/rankings/rules/new/")
    page.fill("#id_title", "接力赛团体排名")
    page.fill("#id_slug", "relay-teams")
    page.select_option("#id_unit", label=ROOT)
    page.select_option("#id_subject", "team")
    page.fill("#id_group_level", "2")
    page.click("#add-source")
    page.select_option("#source-rows [name=source_kind] >> nth=0", "online")
    page.select_option("#source-rows [name=source_paper] >> nth=0", label=f"党史知识接力赛 · 团体接力赛 · {ROOT}")
    for key in ("accuracy_desc", "time_used_asc"):
        page.select_option("#tie-break-choice", key)
        page.click("#add-tie-break")
    page.select_option("#id_prize_mode", "count")
    for name, value in (("一等奖", "1"), ("二等奖", "1"), ("三等奖", "2")):
        page.click("#add-tier")
        page.locator("#tier-rows [name=tier_name]").last.fill(name)
        page.locator("#tier-rows [name=tier_value]").last.fill(value)
    page.click("#preview-button")
    page.wait_for_selector("#preview-table")
    top = page.locator("#preview-table tbody tr")
    assert [top.nth(n).locator("td").nth(1).inner_text().split("\n")[:2] for n in range(2)] == [
        ["审计署队", "审计系统/审计署"],
        ["广州特派办队", "审计系统/广州特派办"],
    ]
    assert "二等奖" in top.nth(1).inner_text()
    screenshot(page, "rule-builder-relay-teams")
    page.click("#save-rule")
    page.wait_for_url(f"{live_server.url}/rankings/relay-teams/manage/")
    rule = RankingRule.objects.get(slug="relay-teams")
    assert (rule.subject, list(rule.sources.values_list("kind", "paper"))) == (
        "team",
        [("online", run["relay"].paper.pk)],
    )
