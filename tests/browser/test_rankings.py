"""An administrator goes from a new ranking rule to a published leaderboard and a certificate;
a member then finds it on a phone."""

from io import StringIO

import pytest
from django.core.management import call_command

from orgs.selectors import unit_by_path
from rankings.models import RankingRule, Snapshot
from tests.browser.test_shell import sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def demo(transactional_db):
    call_command("seed_demo", "--no-video", stdout=StringIO())


def test_administrator_creates_a_rule_computes_publishes_and_downloads_a_certificate(
    live_server, demo, celery_worker_process, page_factory, screenshot
):
    base = live_server.url
    page = page_factory(locale="zh-CN")
    sign_in(page, base, "admin")
    page.goto(f"{base}/rankings/")
    page.click("#new-rule")

    # The rule, in the admin: members of 审计署 by self-study points, ranked within each office.
    page.fill("#id_title", "审计署学习积分排行（浏览器测试）")
    page.fill("#id_slug", "browser-study")
    page.select_option("#id_unit", str(unit_by_path("审计署").pk))
    page.select_option("#id_subject", "member")
    page.fill("#id_group_level", "2")
    page.select_option("#id_prize_mode", "count")
    page.fill("#id_prize_tiers", '[{"name": "一等奖", "value": 1}, {"name": "二等奖", "value": 2}]')
    page.select_option("#id_tie_break_1", "finished_at_asc")
    page.select_option("#id_sources-0-kind", "points")
    page.click("input[name=_save]")
    page.wait_for_url(f"{base}/admin/rankings/rankingrule/")
    rule = RankingRule.objects.get(slug="browser-study")

    # Bad input first: percentages past 100 are refused on the form, nothing saved.
    page.goto(f"{base}/admin/rankings/rankingrule/{rule.pk}/change/")
    page.select_option("#id_prize_mode", "percent")
    page.fill("#id_prize_tiers", '[{"name": "一等奖", "value": 70}, {"name": "二等奖", "value": 40}]')
    page.click("input[name=_save]")
    assert "110%" in page.locator(".errorlist").first.inner_text()
    assert RankingRule.objects.get(pk=rule.pk).prize_mode == "count"

    # The console: compute (on the Celery worker in CI), watch the bar, approve, publish.
    page.goto(f"{base}/rankings/browser-study/manage/")
    page.click("#compute-button")
    page.wait_for_selector("#snapshot-v1", timeout=60_000)
    screenshot(page, "rankings-console")
    page.click("#snapshot-v1 .approve-button")
    page.click("#snapshot-v1 .publish-button")
    assert page.locator("#snapshot-v1 .badge").inner_text() == "已发布"
    assert Snapshot.objects.get(rule=rule, version=1).status == "published"

    page.goto(f"{base}/rankings/browser-study/")
    assert page.locator("#provisional-banner").count() == 0
    first = page.locator("#board-table tbody tr").first
    assert "一等奖" in first.inner_text()
    screenshot(page, "rankings-board")
    href = first.locator("a[href$='.pdf']").get_attribute("href")
    certificate = page.request.get(f"{base}{href}")
    assert certificate.status == 200 and certificate.headers["content-type"] == "application/pdf"
    assert certificate.body().startswith(b"%PDF")

    page.goto(f"{base}/rankings/browser-study/honours/")
    assert page.locator(".certificate-link").count() == Snapshot.objects.get(rule=rule).rows.exclude(prize="").count()

    member = page_factory(phone=True)
    sign_in(member, base, "member")
    member.goto(f"{base}/rankings/")
    member.click("text=审计署学习积分排行（浏览器测试）")
    member.select_option("#group-select", label=f"广州特派办 ({_count(rule, '广州特派办')})")
    member.wait_for_url("**group=**")
    assert member.locator("#board-table thead").inner_text().startswith("广州特派办内名次")
    screenshot(member, "rankings-phone-drilldown")


def _count(rule, group_name: str) -> int:
    return Snapshot.objects.get(rule=rule).rows.filter(group_name=group_name).count()
