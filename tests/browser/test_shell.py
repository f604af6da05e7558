"""A demo organiser signs in, switches language and sees only their own subtree."""

import pytest
from django.conf import settings

from orgs.models import User

pytestmark = pytest.mark.browser


def sign_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", settings.DEMO_PASSWORD)
    page.click("#login-submit")
    page.wait_for_url(f"{base}/")


def test_organiser_signs_in_switches_language_and_sees_only_their_subtree(live_server, demo, page_factory, screenshot):
    base = live_server.url
    page = page_factory(locale="zh-CN")
    sign_in(page, base, "organiser")
    assert page.locator("h1").inner_text() == "欢迎您，陈组织"
    page.click("#manage-menu")
    assert page.locator("nav").get_by_text("成员", exact=True).is_visible()
    screenshot(page, "shell-home-zh")

    with page.expect_navigation():
        page.select_option("#language-select", "en")
    assert page.locator("h1").inner_text() == "Welcome, 陈组织"
    page.click("#manage-menu")
    assert page.locator("nav").get_by_text("Members", exact=True).is_visible()

    page.goto(f"{base}/orgs/units/")
    tree = page.locator("#unit-tree").inner_text()
    # English pages name units by their English names where the demo gives them.
    assert "Guangzhou Resident Office" in tree and "First Party Branch" in tree
    assert "Beijing-Tianjin-Hebei" not in tree and "Ministry of Finance" not in tree and "Statistics" not in tree
    screenshot(page, "shell-units-en")

    page.goto(f"{base}/orgs/members/")
    in_subtree = User.objects.filter(unit__path__startswith=page_unit_path("审计署/广州特派办"))
    # Active members, as the unit tree counts them; deactivated ones are counted apart.
    total = page.locator("#member-total")
    assert total.get_attribute("data-active") == str(in_subtree.filter(is_active=True).count())
    assert total.get_attribute("data-deactivated") == str(in_subtree.filter(is_active=False).count())

    # Another organ's member is not there for the organiser: the page a missing id gets.
    outsider = User.objects.exclude(unit__path__startswith=page_unit_path("审计署")).exclude(unit=None).first()
    response = page.goto(f"{base}/orgs/members/{outsider.pk}/")
    assert response.status == 404
    assert "This page does not exist" in page.content()
    screenshot(page, "shell-member-of-another-organ-en")

    # The language choice sticks across pages.
    page.goto(f"{base}/")
    assert page.locator("h1").inner_text() == "Welcome, 陈组织"


def test_member_pages_fit_a_phone(live_server, demo, page_factory, screenshot):
    page = page_factory(phone=True)
    sign_in(page, live_server.url, "organiser")
    page.goto(f"{live_server.url}/orgs/members/")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"page is {width}px wide on a 390px phone"
    page.click(".navbar-toggler")
    # Open the menu once the collapse has finished opening: a click on the dropdown while the
    # collapse is still moving can be lost (it failed CI once that way).
    page.wait_for_selector("#qs-nav.collapse.show")
    page.locator("#manage-menu").click()
    page.locator('#qs-nav a.dropdown-item[href="/orgs/members/import/"]').wait_for(state="visible")
    screenshot(page, "shell-members-phone")


def test_member_import_preview_in_the_browser(live_server, demo, page_factory, tmp_path, screenshot):
    from tests.factories import workbook

    book = workbook(
        [
            ["姓名", "工号", "单位"],
            ["新同志", "300001", "审计署/广州特派办/第二党支部"],
            ["错单位", "300002", "财政部/预算司"],
        ],
        title_rows=[["2026 年新入职党员"]],
    )
    path = tmp_path / "members.xlsx"
    path.write_bytes(book.getvalue())
    page = page_factory()
    sign_in(page, live_server.url, "organiser")
    page.goto(f"{live_server.url}/orgs/members/import/")
    page.set_input_files("input[type=file]", str(path))
    page.click("#preview-button")
    errors = page.locator("#import-errors").inner_text()
    assert "4" in errors and "财政部/预算司" in errors
    screenshot(page, "shell-import-errors")
    assert not User.objects.filter(employee_no="300001").exists()


def page_unit_path(full_path: str) -> str:
    from orgs.selectors import unit_by_path

    return unit_by_path(full_path).path
