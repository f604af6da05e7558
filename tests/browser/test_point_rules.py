"""An administrator of every unit finds the points rules in the Manage menu, is refused a daily cap
below one event's points with the value kept, saves a valid change and sees it on record."""

import pytest
from playwright.sync_api import expect

from lessons.models import PointRule
from orgs import services as org_services
from orgs.models import Role
from tests import factories

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(
    ("locale", "refused", "saved", "record"),
    [
        (
            "zh-CN",
            "每日上限 3 分低于一次所得的 5 分：请设为 5 或以上，或填 0 表示不设上限。",
            "已修改 1 条规则。",
            "每日答题答对：每次得分 1 → 5；每日上限 5 → 15",
        ),
        (
            "en-GB",
            "A daily cap of 3 is less than the 5 points of one event: set it to 5 or more, or 0 for no cap.",
            "1 rule changed.",
            "Daily quiz: right answers: points per event 1 → 5; daily cap 5 → 15",
        ),
    ],
)
def test_an_administrator_changes_the_daily_quiz_points_from_the_manage_menu(
    asgi_server, tree, signed_in_page, screenshot, locale, refused, saved, record
):
    head = factories.administrator(tree["audit"], real_name="总管理员")
    org_services.role_grant(user=head, role=Role.ADMINISTRATOR, unit=tree["mof"], by=None)
    daily = PointRule.objects.get(activity="daily_correct")
    page = signed_in_page(head, locale=locale, viewport={"width": 1366, "height": 900})
    page.goto(f"{asgi_server}/")
    page.click("#manage-menu")
    page.click("#point-rules-link")
    expect(page.locator("#points-form")).to_be_visible()

    # 5 points an answer with a cap of 3 a day is refused beside the cap, the values kept.
    page.fill(f"#id_rule-{daily.pk}-points", "5")
    page.fill(f"#id_rule-{daily.pk}-daily_cap", "3")
    page.click("#points-save")
    expect(page.locator("#points-errors")).to_be_visible()
    expect(page.get_by_text(refused)).to_be_visible()
    expect(page.locator(f"#id_rule-{daily.pk}-daily_cap")).to_have_value("3")
    screenshot(page, f"point-rules-refused-{locale}")

    page.fill(f"#id_rule-{daily.pk}-daily_cap", "15")
    page.click("#points-save")
    expect(page.get_by_text(saved)).to_be_visible()
    expect(page.locator("#point-changes")).to_contain_text(record)
    daily.refresh_from_db()
    assert (daily.points, daily.daily_cap) == (5, 15)
