"""The demo's branch secretary signs in, finds the branch's essay waiting on the call's page and
recommends it; the office's organiser then finds it recommended, waiting for the office."""

import pytest

from calls.demo import ESSAY_TITLE, WAITING_ESSAY
from calls.models import Entry
from tests.browser.test_shell import sign_in

pytestmark = pytest.mark.browser


def test_the_demo_secretary_recommends_the_waiting_essay_and_the_organiser_sees_it(
    live_server, demo, page_factory, screenshot
):
    base = live_server.url
    title = WAITING_ESSAY[1]
    entry = Entry.objects.get(call__title=ESSAY_TITLE, title=title)

    page = page_factory(locale="zh-CN")
    sign_in(page, base, "secretary")
    page.click("#manage-menu")
    page.locator('nav a[href="/calls/manage/"]').click()
    page.wait_for_url(f"{base}/calls/manage/")
    page.get_by_role("link", name="学习贯彻党的二十届四中全会精神征文（演示）").click()
    page.wait_for_url(f"{base}/calls/manage/{entry.call_id}/")
    row = page.locator(f"#entry-{entry.pk}")
    assert title in row.inner_text() and "在第一党支部" in row.inner_text()
    screenshot(page, "secretary-waiting-zh")
    row.locator("input[name=note]").fill("结合实际，推荐参评。")
    with page.expect_navigation():
        row.get_by_role("button", name="推荐").click()
    page.wait_for_url(f"{base}/calls/manage/{entry.call_id}/")
    assert "作品已推荐。" in page.locator(".alert-success").first.inner_text()
    # The branch has used one of its two places; the essay has left the secretary's hands.
    assert "第一党支部：已推荐 1 / 2" in page.locator("#quota-use").inner_text()
    assert page.locator(f"#entry-{entry.pk} .review-form").count() == 0

    organiser = page_factory(locale="zh-CN")
    sign_in(organiser, base, "organiser")
    organiser.goto(f"{base}/calls/manage/{entry.call_id}/")
    row = organiser.locator(f"#entry-{entry.pk}")
    assert "在广州特派办" in row.inner_text() and row.locator(".review-form").count() == 1
    assert "第一党支部：已推荐 1 / 2" in organiser.locator("#quota-use").inner_text()
    row.get_by_role("link", name=title).click()
    organiser.wait_for_url(f"{base}/calls/entries/{entry.pk}/")
    assert "第一党支部 · 已推荐：结合实际，推荐参评。" in organiser.get_by_text("第一党支部 · 已推荐").inner_text()
    screenshot(organiser, "secretary-recommended-organiser-zh")
