"""The administrator's walk on the organisation pages, in a browser: a temporary branch ending
later is closed early after a question; a taken employee number with the username left empty is
refused beside the number; a headcount sheet with the English page's paths imports."""

import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from orgs import services
from orgs.models import User
from rankings.models import ExpectedHeadcount
from tests import factories

pytestmark = pytest.mark.browser

SHOTS = Path(os.environ.get("SHOTS_DIR", "/tmp/shots/orgfix"))
LOCALES = {"zh-CN": "zh", "en-US": "en"}


def _shot(page, name: str, locale: str, phone: bool) -> None:
    page.screenshot(path=str(SHOTS / f"{name}-{LOCALES[locale]}-{'phone' if phone else 'desk'}.png"), full_page=True)


@pytest.fixture
def office(transactional_db):
    gz = factories.unit_at("审计署/广州特派办", kind="office")
    for unit, english in ((factories.unit_at("审计署"), "National Audit Office"), (gz, "Guangzhou Resident Office")):
        unit.name_en = english
        unit.save(update_fields=["name_en"])
    return gz


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_a_temporary_branch_ending_later_is_closed_early_after_a_question(asgi_server, office, signed_in_page, locale):
    today = timezone.localdate()
    organiser = factories.organiser(office, username="org")
    for phone in (True, False):
        branch = services.unit_create(
            name=f"审计组临时党支部{int(phone)}", kind="temporary_branch", parent=office, ends_on=today + timedelta(30)
        )
        page = signed_in_page(organiser, locale=locale, phone=phone)
        page.goto(asgi_server + reverse("orgs:unit_detail", args=[branch.pk]))
        expect(page.locator("#unit-close")).to_be_visible()
        _shot(page, "unit-close-early", locale, phone)
        page.click("#unit-close")
        expect(page.locator("#unit-close-confirm")).to_be_visible()
        _shot(page, "unit-close-page", locale, phone)
        page.click("#unit-close-form a.btn-link")
        expect(page.locator("#unit-close")).to_be_visible()  # cancelled: nothing changed
        branch.refresh_from_db()
        assert branch.ends_on == today + timedelta(30)
        page.click("#unit-close")
        page.click("#unit-close-confirm")
        expect(page.locator(".alert-success")).to_be_visible()
        expect(page.locator("#unit-close")).to_have_count(0)
        branch.refresh_from_db()
        assert branch.ends_on == today


@pytest.mark.parametrize(("locale", "refusal"), [("zh-CN", "工号 100001 已属于其他成员。"), ("en-US", "100001")])
def test_a_taken_number_with_the_username_left_empty_is_refused_beside_the_number(
    asgi_server, office, signed_in_page, locale, refusal
):
    branch = factories.unit_at("审计署/广州特派办/第一党支部")
    factories.member(branch, username="100001", employee_no="100001")
    organiser = factories.organiser(office, username="org")
    for phone in (False, True):
        page = signed_in_page(organiser, locale=locale, phone=phone)
        page.goto(asgi_server + reverse("orgs:member_new"))
        page.fill("#id_real_name", "张三")
        page.fill("#id_employee_no", "100001")
        page.click("#member-new-save")
        expect(page.locator("#id_employee_no")).to_have_class("form-control is-invalid")
        expect(page.locator("#id_username")).not_to_have_class("form-control is-invalid")
        expect(page.locator("#member-new-form")).to_contain_text(refusal)
        _shot(page, "member-new-taken-number", locale, phone)
    assert User.objects.filter(real_name="张三").count() == 0


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_a_headcount_sheet_with_the_english_paths_imports(asgi_server, office, signed_in_page, locale, tmp_path):
    root = factories.unit_at("审计署")
    branch = factories.unit_at("审计署/广州特派办/第一党支部")
    branch.name_en = "First Party Branch"
    branch.save(update_fields=["name_en"])
    admin = factories.administrator(root, username="boss")
    factories.ranking_rule(root, subject="unit", unit_level=3, slug="branches", sources=[{"kind": "points"}])
    book = tmp_path / "headcounts.xlsx"
    rows = [["Unit", "Expected headcount"], ["Guangzhou Resident Office/First Party Branch", 21]]
    book.write_bytes(factories.workbook(rows).getvalue())
    for phone in (False, True):
        page = signed_in_page(admin, locale=locale, phone=phone)
        page.goto(asgi_server + reverse("rankings:headcounts", args=["branches"]))
        page.set_input_files("#id_file", str(book))
        page.click("#import-headcounts")
        expect(page.locator(".alert-success")).to_be_visible()
        _shot(page, "headcounts-english-paths", locale, phone)
    assert dict(ExpectedHeadcount.objects.values_list("unit__name", "headcount")) == {"第一党支部": 21}


@pytest.mark.parametrize(
    ("locale", "missing"), [("zh-CN", "下没有“Third Party Branch”"), ("en-US", "No unit “Third Party Branch”")]
)
def test_the_member_import_takes_english_paths_and_names_the_part_not_found(
    asgi_server, office, signed_in_page, locale, missing, tmp_path
):
    branch = factories.unit_at("审计署/广州特派办/第一党支部")
    branch.name_en = "First Party Branch"
    branch.save(update_fields=["name_en"])
    organiser = factories.organiser(office, username="org")
    header = ["姓名", "工号", "单位", "角色", "手机", "党员"]
    good = [
        header,
        ["张三", "300001", "National Audit Office/Guangzhou Resident Office/First Party Branch", "", "", ""],
    ]
    bad = [*good, ["李四", "300002", "National Audit Office/Guangzhou Resident Office/Third Party Branch", "", "", ""]]
    for phone in (False, True):
        page = signed_in_page(organiser, locale=locale, phone=phone)
        page.goto(asgi_server + reverse("orgs:member_import"))
        sheet = tmp_path / f"members-{int(phone)}.xlsx"
        sheet.write_bytes(factories.workbook(bad).getvalue())
        page.set_input_files("input[type=file]", str(sheet))
        page.click("#preview-button")
        expect(page.get_by_text(missing)).to_be_visible()
        _shot(page, "member-import-english-path-refused", locale, phone)
    sheet.write_bytes(factories.workbook(good).getvalue())
    page.set_input_files("input[type=file]", str(sheet))
    page.click("#preview-button")
    expect(page.locator("#confirm-button")).to_be_visible()
    _shot(page, "member-import-english-path-preview", locale, True)
