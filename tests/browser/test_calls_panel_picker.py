"""An organiser forms a panel by typing part of a judge's name into the picker, then edits it when
the picker has to ask the server (more candidates than the page lists). Another organ's member is
never offered."""

import pytest
from django.conf import settings as django_settings

from calls import forms
from tests import factories
from tests.browser.pickers import pick_judge
from tests.browser.test_shell import sign_in
from tests.calls.conftest import open_essay_call

pytestmark = pytest.mark.browser


def test_an_organiser_picks_judges_by_part_of_a_name_and_edits_the_panel(
    live_server, transactional_db, tree, page_factory, screenshot, monkeypatch
):
    base = live_server.url
    factories.organiser(tree["audit"], username="organ", password=django_settings.DEMO_PASSWORD)
    xiaoming = factories.member(tree["jjj1"], real_name="王小明", employee_no="J0001")
    dali = factories.member(tree["gz1"], real_name="王大力", employee_no="G0002")
    factories.member(tree["budget"], real_name="王财政", employee_no="M0003")
    call = open_essay_call(tree["audit"])

    organiser = page_factory(locale="zh-CN")
    sign_in(organiser, base, "organ")
    organiser.goto(f"{base}/calls/manage/{call.pk}/")
    organiser.fill("#id_name", "评审组")
    organiser.fill("#id_judges-ts-control", "王")
    offered = organiser.locator(".ts-dropdown .option")
    offered.filter(has_text="王大力").wait_for()
    assert "王财政" not in organiser.inner_text(".ts-dropdown")
    # Each candidate shows the name, the unit's path and the employee number.
    assert "审计署/京津冀特派办/机关党支部" in offered.filter(has_text="王小明").inner_text()
    assert "J0001" in offered.filter(has_text="王小明").inner_text()
    pick_judge(organiser, "小明", "王小明")
    screenshot(organiser, "calls-panel-picker")
    organiser.click("#panel-form button.btn-outline-primary")
    organiser.wait_for_selector(".alert-success")
    panel = call.panels.get()
    assert list(panel.judges.all()) == [xiaoming]

    # More candidates than the page lists: the picker asks the server as the organiser types.
    monkeypatch.setattr(forms, "PICKER_INLINE_LIMIT", 1)
    organiser.click(f"#panel-{panel.pk} a.panel-edit")
    organiser.wait_for_selector("#id_judges-ts-control")
    assert organiser.locator("#id_judges option").count() == 1  # the panel's own judge only
    organiser.fill("#id_judges-ts-control", "财政")
    organiser.wait_for_selector(".ts-dropdown .no-results")
    pick_judge(organiser, "G000", "王大力")
    organiser.fill("#id_name", "第一评审组")
    screenshot(organiser, "calls-panel-edit")
    organiser.click("#panel-form button.btn-primary")
    organiser.wait_for_selector(".alert-success")
    panel.refresh_from_db()
    assert panel.name == "第一评审组" and set(panel.judges.all()) == {xiaoming, dali}
