"""An administrator states expected headcounts (应参与人数) for a unit ranking: typed on the page,
a bad number refused in place, then a workbook with a bad row refused row by row."""

import pytest

from rankings.models import ExpectedHeadcount
from tests import factories

pytestmark = pytest.mark.browser


@pytest.fixture
def organs(transactional_db):
    root = factories.unit_at("中央和国家机关", kind="organ")
    units = {
        key: factories.unit_at(path, kind="organ")
        for key, path in {
            "gz": "中央和国家机关/审计署系统/广州特派办",
            "jjj": "中央和国家机关/审计署系统/京津冀特派办",
            "budget": "中央和国家机关/财政部系统/预算司",
        }.items()
    }
    admin = factories.administrator(root, username="boss", real_name="管理员")
    rule = factories.ranking_rule(
        root, subject="unit", unit_level=3, group_level=2, slug="organs", sources=[{"kind": "points"}]
    )
    return {"rule": rule, "admin": admin, **units}


def test_administrator_types_and_imports_expected_headcounts(asgi_server, organs, signed_in_page, screenshot, tmp_path):
    url = f"{asgi_server}/rankings/organs/manage/headcounts/"
    for phone in (False, True):
        page = signed_in_page(organs["admin"], phone=phone)
        page.goto(f"{asgi_server}/rankings/organs/manage/")
        page.click("#headcounts-link")
        page.wait_for_url(url)
        if phone:
            screenshot(page, "rankings-headcounts-phone")
            continue
        page.fill(f"#unit-{organs['gz'].pk}", "16")
        page.fill(f"#unit-{organs['jjj'].pk}", "-2")
        page.click("#save-headcounts")
        assert "人数不能为负数" in page.locator("#headcount-table").inner_text()
        assert page.input_value(f"#unit-{organs['gz'].pk}") == "16"
        assert not ExpectedHeadcount.objects.exists()
        screenshot(page, "rankings-headcounts-error")
        page.fill(f"#unit-{organs['jjj'].pk}", "12")
        page.click("#save-headcounts")
        page.wait_for_selector(".alert-success")
        assert page.input_value(f"#unit-{organs['jjj'].pk}") == "12"

        book = tmp_path / "应参与人数.xlsx"
        book.write_bytes(factories.workbook([["单位", "应参与人数"], ["预算司", 8], ["不存在的司", 3]]).getvalue())
        page.set_input_files("#id_file", str(book))
        page.click("#import-headcounts")
        assert "不存在的司" in page.locator("#import-errors").inner_text()
        screenshot(page, "rankings-headcounts-import-errors")
        assert dict(ExpectedHeadcount.objects.values_list("unit__name", "headcount")) == {
            "广州特派办": 16,
            "京津冀特派办": 12,
        }
