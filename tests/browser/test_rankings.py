"""An administrator goes from a rule built in the product's form (with its preview) to a computed
version; a second administrator approves it (four eyes), it is published, and every certificate
prints with embedded fonts; a member then finds the board on a phone."""

import pytest
from django.conf import settings
from playwright.sync_api import expect

from orgs.selectors import unit_by_path
from rankings.models import RankingRule, Snapshot
from tests import factories
from tests.browser.test_shell import sign_in
from tests.rankings import pdfs

pytestmark = pytest.mark.browser


def test_administrator_creates_a_rule_computes_a_second_approves_publishes_and_certificates_embed_fonts(
    live_server, demo, celery_worker_process, page_factory, screenshot, tmp_path
):
    base = live_server.url
    page = page_factory(locale="zh-CN")
    sign_in(page, base, "admin")
    page.goto(f"{base}/rankings/")
    page.click("#new-rule")
    page.wait_for_url(f"{base}/rankings/rules/new/")

    # The rule, in the builder: members of 审计署 by self-study points, ranked within each office.
    page.fill("#id_title", "审计署学习积分排行（浏览器测试）")
    page.fill("#id_slug", "browser-study")
    page.select_option("#id_unit", label="审计署")
    # The organ's only administrator: four eyes is not ticked for them, and ticking it is warned of at once.
    assert not page.locator("#id_requires_second_approver").is_checked()
    page.check("#id_requires_second_approver")
    assert "因此无人可以审核" in page.locator("#no-second-approver").inner_text()
    page.select_option("#id_subject", "member")
    page.fill("#id_group_level", "2")
    page.click("#add-source")
    page.select_option("#source-rows [name=source_kind] >> nth=0", "points")
    # An exam too: time used breaks ties only where answers are (points alone carry none).
    page.click("#add-source")
    page.select_option("#source-rows [name=source_kind] >> nth=1", "exam")
    page.select_option("#source-rows [name=source_paper] >> nth=1", index=1)

    # Composite weights show their sum as they are typed (100 % or not).
    page.select_option("#id_metric", "composite")
    page.fill("#id_weight_per_capita", "60")
    page.fill("#id_weight_participation", "30")
    assert page.locator("#weight-sum").inner_text() == "90 %"
    assert "text-bg-danger" in page.locator("#weight-sum").get_attribute("class")
    page.fill("#id_weight_participation", "40")
    assert page.locator("#weight-sum").inner_text() == "100 %"
    page.select_option("#id_metric", "total")
    assert page.locator("#composite-section").is_hidden()

    # Bad input first: percentages past 100 are refused next to the tiers, nothing saved, nothing lost.
    page.select_option("#id_prize_mode", "percent")
    for name, value in (("一等奖", "70"), ("二等奖", "40")):
        page.click("#add-tier")
        page.locator("#tier-rows [name=tier_name]").last.fill(name)
        page.locator("#tier-rows [name=tier_value]").last.fill(value)
    page.click("#save-rule")
    assert "110%" in page.locator("[data-error-for=prize_tiers]").inner_text()
    assert not RankingRule.objects.filter(slug="browser-study").exists()
    assert page.locator("#tier-rows [name=tier_value]").nth(1).input_value() == "40"
    assert page.locator("#source-rows [name=source_kind]").first.input_value() == "points"

    # Prizes by count: a third tier added, then removed; the second and first swapped back by the arrows.
    page.select_option("#id_prize_mode", "count")
    page.locator("#tier-rows [name=tier_value]").nth(0).fill("2")
    page.locator("#tier-rows [name=tier_value]").nth(1).fill("1")
    page.locator("#tier-rows [name=tier_name]").nth(0).fill("二等奖")
    page.locator("#tier-rows [name=tier_name]").nth(1).fill("一等奖")
    page.locator("#tier-rows [data-tier-row]").nth(1).locator("[data-move='-1']").click()
    page.click("#add-tier")
    page.locator("#tier-rows [data-tier-row]").last.locator("[data-remove-row]").click()
    assert page.locator("#tier-rows [name=tier_name]").evaluate_all("els => els.map(e => e.value)") == [
        "一等奖",
        "二等奖",
    ]
    assert page.locator("#tier-rows [data-tier-unit]").first.inner_text() == "名"
    # At most one first prize per office: the quota is offered while the rule has a group level.
    quotas = page.locator("#tier-rows [data-group-quota]")
    quotas.nth(0).locator("[name=tier_per_group]").fill("1")
    page.fill("#id_group_level", "")
    assert quotas.nth(0).is_visible() and quotas.nth(1).is_hidden()  # a typed quota stays in sight
    page.fill("#id_group_level", "2")
    assert quotas.nth(1).is_visible()

    # Tie-breaks: two added, then the second dragged above the first.
    page.select_option("#tie-break-choice", "time_used_asc")
    page.click("#add-tie-break")
    page.select_option("#tie-break-choice", "finished_at_asc")
    page.click("#add-tie-break")
    items = page.locator("#tie-break-list [data-tie-break]")
    items.nth(1).locator(".qs-handle").drag_to(items.nth(0), target_position={"x": 40, "y": 5})
    assert items.evaluate_all("els => els.map(e => e.dataset.tieBreak)") == ["finished_at_asc", "time_used_asc"]

    # The preview of the unsaved rule: the top rows on today's facts; nothing is saved.
    page.click("#preview-button")
    page.wait_for_selector("#preview-table")
    assert "一等奖" in page.locator("#preview-table tbody tr").first.inner_text()
    assert not RankingRule.objects.filter(slug="browser-study").exists()
    screenshot(page, "rule-builder-desktop")
    page.click("#save-rule")
    page.wait_for_url(f"{base}/rankings/browser-study/manage/")
    rule = RankingRule.objects.get(slug="browser-study")
    assert rule.prize_tiers == [{"name": "一等奖", "value": 1.0, "per_group": 1}, {"name": "二等奖", "value": 2.0}]
    assert rule.tie_breaks == ["finished_at_asc", "time_used_asc"]

    # The rules list and the form on a phone, in English.
    phone = page_factory(phone=True, locale="en-US")
    sign_in(phone, base, "admin")
    phone.goto(f"{base}/rankings/rules/")
    assert "browser-study" in phone.locator("#rule-table").inner_html()
    screenshot(phone, "rule-builder-list-phone")
    phone.goto(f"{base}/rankings/browser-study/edit/")
    assert phone.locator("#tier-rows [name=tier_per_group]").first.input_value() == "1"
    phone.click("#preview-button")
    phone.wait_for_selector("#preview-table")
    screenshot(phone, "rule-builder-phone")

    # The console: compute (on the Celery worker in CI), watch the bar, approve, publish.
    page.click("#compute-button")
    page.wait_for_selector("#snapshot-v1", timeout=60_000)
    screenshot(page, "rankings-console")
    # Four eyes: the administrator who computed v1 may not approve it; being the
    # organ's only administrator so far, they are told how to go on, beside a button they cannot press.
    assert "审计署没有其他管理员可以审核" in page.locator("#snapshot-v1 .no-other-approver").inner_text()
    expect(page.locator("#snapshot-v1 .approve-button")).to_be_disabled()
    assert Snapshot.objects.get(rule=rule, version=1).status == "draft"

    factories.administrator(
        unit_by_path("审计署"), username="second-admin", real_name="复核管理员", password=settings.DEMO_PASSWORD
    )
    second = page_factory(locale="zh-CN")
    sign_in(second, base, "second-admin")
    second.goto(f"{base}/rankings/browser-study/manage/")
    second.click("#snapshot-v1 .approve-button")
    assert "复核管理员" in second.locator("#snapshot-v1").inner_text()
    # Publishing cannot be taken back: it asks first, and "cancel" leaves the version approved.
    asked: list[str] = []
    second.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    second.click("#snapshot-v1 .publish-button")
    assert asked == ["发布此版本？成员会立即看到，发布后不能撤回：如需更正，须发布新的版本。"]
    second.wait_for_load_state()
    assert Snapshot.objects.get(rule=rule, version=1).status == "approved"
    second.once("dialog", lambda dialog: dialog.accept())
    second.click("#snapshot-v1 .publish-button")
    assert second.locator("#snapshot-v1 .badge").inner_text() == "已发布"
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
    winners = Snapshot.objects.get(rule=rule).rows.exclude(prize="").count()
    assert page.locator(".certificate-link").count() == winners
    screenshot(page, "rankings-honours")
    page.emulate_media(media="print")
    assert page.locator(".qs-navbar").is_hidden() and page.locator("#print-honours").is_hidden()
    screenshot(page, "rankings-honours-print")
    page.emulate_media(media="screen")
    with page.expect_download() as download:
        page.click("#certificate-bundle-link")
    bundle = download.value.path().read_bytes()
    assert pdfs.page_count(bundle, tmp_path) == winners
    fonts = pdfs.fonts(bundle, tmp_path)
    assert fonts and all(font["emb"] == "yes" for font in fonts), fonts

    # Anyone entitled can check the published version against its kept inputs.
    page.goto(f"{base}/rankings/browser-study/v1/verify/")
    assert "结果完整无误" in page.locator("#verdict").inner_text()
    screenshot(page, "rankings-verify")

    member = page_factory(phone=True)
    sign_in(member, base, "member")
    member.goto(f"{base}/rankings/")
    member.click("text=审计署学习积分排行（浏览器测试）")
    member.select_option("#group-select", label=f"广州特派办 ({_count(rule, '广州特派办')})")
    member.wait_for_url("**group=**")
    assert member.locator("#group-heading").inner_text() == "广州特派办内名次"
    # A phone shows no headings, each row a card; the place column's (wider screens) says where.
    expect(member.locator("#board-table thead")).to_be_hidden()
    assert member.locator("#board-table thead").text_content().strip().startswith("单位内名次")
    screenshot(member, "rankings-phone-drilldown")


def _count(rule, group_name: str) -> int:
    return Snapshot.objects.get(rule=rule).rows.filter(group_name=group_name).count()


# Where each x-axis label of the histogram starts and ends on its canvas, and its rotation.
HISTOGRAM_LABELS = """() => {
  const chart = Chart.getChart("histogram-chart");
  const scale = chart.scales.x;
  return scale.getLabelItems().map((item) => {
    chart.ctx.font = item.font.string;
    const width = chart.ctx.measureText(item.label).width;
    const x = item.options.translation[0];
    const align = item.options.textAlign;
    const left = align === "center" ? x - width / 2 : align === "right" ? x - width : x;
    return {label: item.label, left: left, right: left + width, rotation: scale.labelRotation};
  });
}"""


def test_the_boards_histogram_keeps_its_axis_labels_whole_and_level_on_a_phone(
    live_server, demo, page_factory, screenshot
):
    page = page_factory(phone=True)
    sign_in(page, live_server.url, "admin")
    page.goto(f"{live_server.url}/rankings/demo-study-members/")
    page.locator("#histogram-chart").scroll_into_view_if_needed()
    labels = page.evaluate(HISTOGRAM_LABELS)
    width = page.evaluate("() => Chart.getChart('histogram-chart').width")
    assert labels and all(label["rotation"] == 0 for label in labels), labels
    assert all(0 <= label["left"] and label["right"] <= width for label in labels), labels
    assert all(a["right"] < b["left"] for a, b in zip(labels, labels[1:], strict=False)), labels
    screenshot(page, "rankings-board-phone")
