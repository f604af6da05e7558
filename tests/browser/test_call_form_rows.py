"""The new-call form: a rubric that saves as it stands, and rows added before saving (three prize
tiers and a third criterion where the form first shows one and two)."""

from decimal import Decimal

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from calls.models import Call
from tests import factories
from tests.browser.test_shell import sign_in

pytestmark = pytest.mark.browser


def test_rows_added_on_the_new_call_form_are_saved_with_the_call(live_server, transactional_db, tree, page_factory):
    base = live_server.url
    factories.organiser(tree["audit"], username="organ", password=django_settings.DEMO_PASSWORD)
    page = page_factory()
    sign_in(page, base, "organ")
    page.goto(f"{base}/calls/manage/new/")
    now = timezone.localtime()
    page.fill("#id_title", "主题征文")
    page.select_option("#id_unit", str(tree["audit"].pk))
    page.select_option("#id_kind", "essay")
    page.fill("#id_opens_at", now.strftime("%Y-%m-%dT%H:%M"))
    page.fill("#id_closes_at", (now.replace(year=now.year + 1)).strftime("%Y-%m-%dT%H:%M"))
    # 内容 60 + 表达 40 as offered, then 60 / 30 / 10 with a third criterion added.
    page.click("#criteria-table-add")
    page.fill("#id_criteria-1-weight", "30")
    page.fill("#id_criteria-3-name", "创新")
    page.fill("#id_criteria-3-weight", "10")
    page.fill("#id_criteria-3-min_score", "0")
    page.fill("#id_criteria-3-max_score", "100")
    page.click("#tiers-table-add")
    page.click("#tiers-table-add")
    for number, (name, count) in enumerate([("一等奖", "1"), ("二等奖", "2"), ("三等奖", "3")]):
        page.fill(f"#id_tiers-{number}-name", name)
        page.fill(f"#id_tiers-{number}-value", count)
    page.click("#call-save")
    page.wait_for_url(f"{base}/calls/manage/*/")
    call = Call.objects.get(title="主题征文")
    assert list(call.criteria.values_list("name", "weight")) == [
        ("内容", Decimal("0.6")),
        ("表达", Decimal("0.3")),
        ("创新", Decimal("0.1")),
    ]
    assert list(call.prize_tiers.values_list("name", "value")) == [
        ("一等奖", Decimal(1)),
        ("二等奖", Decimal(2)),
        ("三等奖", Decimal(3)),
    ]
