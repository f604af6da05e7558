"""An organiser records a conflict of interest with the judges' picker: a panel judge found by
part of the name, the entries by part of their unit's name; the judge's unscored entry passes to
the panel's free judge."""

import pytest
from django.conf import settings as django_settings
from playwright.sync_api import expect

from calls import services
from calls.models import Assignment, Conflict, Panel
from tests import factories
from tests.browser.test_shell import sign_in
from tests.calls.conftest import open_essay_call, submitted_essay

pytestmark = pytest.mark.browser


def test_an_organiser_picks_a_panel_judge_and_a_units_entries_for_a_conflict(
    live_server, transactional_db, tree, page_factory, screenshot
):
    base = live_server.url
    organiser_account = factories.organiser(tree["audit"], username="organ", password=django_settings.DEMO_PASSWORD)
    call = open_essay_call(tree["audit"])
    first = submitted_essay(call, factories.member(tree["gz2"]), title="守初心")
    second = submitted_essay(call, factories.member(tree["gz2"]), title="担使命")
    other = submitted_essay(call, factories.member(tree["gz1"]), title="第一支部的征文")
    zhao = factories.member(tree["jjj1"], real_name="赵评委", employee_no="J0001")
    qian = factories.member(tree["jjj1"], real_name="钱评委", employee_no="J0002")
    factories.member(tree["budget"], real_name="赵财政", employee_no="M0001")  # another organ: never offered
    panel = Panel.objects.create(call=call, name="评审组")
    panel.judges.set([zhao, qian])
    services.assignment_run(call=call, panel=panel, by=organiser_account, seed="s")
    held_by_zhao = set(Assignment.objects.filter(judge=zhao).values_list("entry_id", flat=True))

    page = page_factory(locale="zh-CN")
    sign_in(page, base, "organ")
    page.goto(f"{base}/calls/manage/{call.pk}/")
    page.click("#conflict-record summary")
    page.fill("#id_conflict-judge-ts-control", "赵")
    offered = page.locator("#id_conflict-judge + .ts-wrapper .ts-dropdown .option")
    offered.filter(has_text="赵评委").wait_for()
    assert "赵财政" not in page.inner_text("#id_conflict-judge + .ts-wrapper .ts-dropdown")
    offered.filter(has_text="赵评委").click()
    # Typing the unit's name offers its entries, and only those.
    page.fill("#id_conflict-entries-ts-control", "第二党支部")
    entries = page.locator("#id_conflict-entries + .ts-wrapper .ts-dropdown .option")
    expect(entries).to_have_count(2)
    assert "第一支部的征文" not in page.inner_text("#id_conflict-entries + .ts-wrapper .ts-dropdown")
    entries.filter(has_text="守初心").click()
    entries.filter(has_text="担使命").click()
    page.keyboard.press("Escape")
    expect(page.locator("#id_conflict-entries + .ts-wrapper .item")).to_have_count(2)
    page.fill("#id_conflict-reason", "曾在第二党支部任职")
    screenshot(page, "calls-conflict-picker-desktop")
    page.click("#conflict-submit")
    page.wait_for_selector(".alert-success")

    assert set(Conflict.objects.values_list("entry_id", flat=True)) == {first.pk, second.pk}
    for entry in (first, second):
        # One judge per entry: whichever of the two Zhao held passes to Qian, the other stays Qian's.
        assert list(Assignment.objects.filter(entry=entry).values_list("judge", flat=True)) == [qian.pk]
    assert set(Assignment.objects.filter(entry=other).values_list("judge", flat=True)) <= {zhao.pk, qian.pk}
    assert "已登记赵评委与 2 件作品的回避。" in page.inner_text("main")
    for entry_id in held_by_zhao - {other.pk}:
        title = {first.pk: "守初心", second.pk: "担使命"}[entry_id]
        assert f"“{title}”改由钱评委评审。" in page.inner_text("main")
    screenshot(page, "calls-conflict-recorded-desktop")
