"""From the organisation walk: deactivating members asks first, naming them; a deactivated member
who signs in with the right password is told the account is deactivated; the member import's
preview shows each change to an existing member (screenshots in test-artifacts/)."""

import pytest
from playwright.sync_api import expect

from orgs import services
from orgs.models import User
from tests import factories

pytestmark = pytest.mark.browser

SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1366, "height": 900}}


@pytest.fixture
def branch(transactional_db):
    unit = factories.unit_at("审计署/广州特派办/第一党支部")
    factories.unit_at("审计署/广州特派办/第二党支部")
    return {
        "organiser": factories.organiser("审计署/广州特派办", username="organiser", real_name="组织者"),
        "judge": factories.member(unit, username="guo", real_name="郭秋菊", employee_no="100001"),
        "other": factories.member(unit, username="zhu", real_name="朱燕", employee_no="100002"),
    }


def open_page(signed_in_page, asgi_server, user, language, size):
    page = signed_in_page(user, viewport=SIZES[size], phone=size == "phone")
    page.context.add_cookies([{"name": "django_language", "value": language, "url": asgi_server}])
    return page


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_deactivating_asks_first_naming_the_member(asgi_server, branch, signed_in_page, screenshot, language):
    judge = branch["judge"]
    page = open_page(signed_in_page, asgi_server, branch["organiser"], language, "desktop")
    page.goto(f"{asgi_server}/orgs/members/")
    page.get_by_role("checkbox", name="郭秋菊").check()
    page.select_option("#bulk-action", "deactivate")
    screenshot(page, f"member-deactivate-chosen-{language}")
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.click("#bulk-apply")
    question = (
        "要停用 郭秋菊 吗？停用后该成员无法登录，直到组织者重新启用。"
        if language == "zh-hans"
        else "Deactivate 郭秋菊? They can no longer sign in until an organiser reactivates the account."
    )
    assert asked == [question]
    # Dismissed: nothing was posted, the choice is still on the page.
    expect(page.locator("#bulk-action")).to_have_value("deactivate")
    assert User.objects.get(pk=judge.pk).is_active

    page.get_by_role("checkbox", name="朱燕").check()
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    page.click("#bulk-apply")
    expect(
        page.locator("#member-table .badge", has_text="已停用" if language == "zh-hans" else "deactivated")
    ).to_have_count(2)
    many = (
        "要停用这 2 名成员吗：郭秋菊、朱燕？" if language == "zh-hans" else "Deactivate these 2 members: 郭秋菊, 朱燕?"
    )
    assert asked[1].startswith(many), asked[1]
    assert not User.objects.filter(pk__in=[judge.pk, branch["other"].pk], is_active=True).exists()


@pytest.mark.parametrize("size", ["phone", "desktop"])
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_deactivated_member_is_told_so_on_the_sign_in_page(
    asgi_server, branch, page_factory, screenshot, language, size
):
    services.members_bulk_apply(by=branch["organiser"], members=[branch["judge"]], action="deactivate")
    page = page_factory(viewport=SIZES[size], phone=size == "phone")
    page.context.add_cookies([{"name": "django_language", "value": language, "url": asgi_server}])
    page.goto(f"{asgi_server}/accounts/login/")
    page.fill("#id_username", "guo")
    page.fill("#id_password", factories.PASSWORD)
    page.click("#login-submit")
    expected = "此账号已停用" if language == "zh-hans" else "This account has been deactivated"
    expect(page.locator("#signin-deactivated")).to_contain_text(expected)
    screenshot(page, f"signin-deactivated-{language}-{size}")


@pytest.mark.parametrize("size", ["phone", "desktop"])
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_import_preview_shows_what_changes_and_flags_a_rename(
    asgi_server, branch, signed_in_page, screenshot, tmp_path, language, size
):
    book = factories.workbook(
        [
            ["姓名", "工号", "单位", "角色", "手机", "党员"],
            ["张伟", "100001", "审计署/广州特派办/第二党支部", "", "", "否"],
            ["朱燕", "100002", "审计署/广州特派办/第二党支部", "", "13800000002", "是"],
            ["王芳", "100003", "审计署/广州特派办/第一党支部", "", "", "是"],
        ]
    )
    upload = tmp_path / "members.xlsx"
    upload.write_bytes(book.getvalue())
    page = open_page(signed_in_page, asgi_server, branch["organiser"], language, size)
    page.goto(f"{asgi_server}/orgs/members/import/")
    page.set_input_files("#id_file", str(upload))
    page.click("#preview-button")
    expect(page.locator("#import-preview tr[data-renamed]")).to_have_count(1)
    expect(page.locator("#import-renames")).to_be_visible()
    renamed = page.locator("#import-preview [data-change=real_name]")
    expect(renamed).to_contain_text("郭秋菊 → 张伟")
    expect(renamed).to_contain_text("请核对工号" if language == "zh-hans" else "check the employee number")
    expect(page.locator("#import-preview [data-change=unit]")).to_have_count(2)
    screenshot(page, f"member-import-changes-{language}-{size}")


def test_granting_a_role_in_bulk_offers_only_the_units_the_user_administers(asgi_server, branch, signed_in_page):
    """Organiser of the office and administrator of its first branch: with "Grant a role" chosen,
    the units they may not grant in cannot be picked (moving a member still may pick them), and a
    grant in the first branch goes through."""
    from orgs.models import RoleGrant, Unit

    first = Unit.objects.get(name="第一党支部")
    second = Unit.objects.get(name="第二党支部")
    both = branch["organiser"]
    services.role_grant(user=both, role="administrator", unit=first, by=None)
    page = open_page(signed_in_page, asgi_server, both, "zh-hans", "desktop")
    page.goto(f"{asgi_server}/orgs/members/")
    page.get_by_role("checkbox", name="朱燕").check()
    page.select_option("#bulk-action", "grant")
    expect(page.locator(f'#bulk-unit option[value="{second.pk}"]')).to_be_disabled()
    expect(page.locator(f'#bulk-unit option[value="{first.pk}"]')).to_be_enabled()
    page.select_option("#bulk-action", "move")
    expect(page.locator(f'#bulk-unit option[value="{second.pk}"]')).to_be_enabled()
    page.select_option("#bulk-action", "grant")
    page.select_option("#bulk-unit", str(first.pk))
    page.select_option("#bulk-role", "organiser")
    page.click("#bulk-apply")
    expect(page.locator(".alert-success")).to_contain_text("组织者")
    assert RoleGrant.objects.filter(user=branch["other"], role="organiser", unit=first).exists()
