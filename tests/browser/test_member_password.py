"""An organiser sets a member's temporary password on the member's page: it is shown once, and the
member who signs in with it is sent to choose their own first (screenshots in test-artifacts/)."""

import pytest

from orgs.models import User
from tests import factories

pytestmark = pytest.mark.browser

NEW_PASSWORD = "my-own-long-pass-42"


@pytest.fixture
def branch(transactional_db):
    unit = factories.unit_at("审计署/广州特派办/第一党支部")
    return {
        "organiser": factories.organiser("审计署/广州特派办", username="organiser", real_name="组织者"),
        "member": factories.member(unit, username="zhangsan", real_name="张三", password=None),
    }


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_temporary_password_is_shown_once_and_must_be_replaced(
    asgi_server, branch, signed_in_page, page_factory, screenshot, language
):
    member = branch["member"]
    page = signed_in_page(branch["organiser"], viewport={"width": 1366, "height": 900})
    page.context.add_cookies([{"name": "django_language", "value": language, "url": asgi_server}])
    page.goto(f"{asgi_server}/orgs/members/{member.pk}/")
    label = "设置临时密码" if language == "zh-hans" else "Set a temporary password"
    page.get_by_role("button", name=label).click()

    shown = page.locator("#temporary-password")
    shown.wait_for()
    password = shown.inner_text().strip()
    assert len(password) == 10
    assert page.url.endswith(f"/orgs/members/{member.pk}/password/")
    assert password not in page.url
    hint = "不会再次显示" if language == "zh-hans" else "it will not be shown again"
    assert hint in page.locator("#temporary-password-shown").inner_text()
    shown.scroll_into_view_if_needed()
    screenshot(page, f"member-password-shown-{language}")

    # Shown once: the member's page, opened again, has no trace of it.
    page.goto(f"{asgi_server}/orgs/members/{member.pk}/")
    assert page.locator("#temporary-password").count() == 0
    assert password not in page.content()

    # The member signs in with it and is sent to choose their own, from any page, until they have.
    phone = page_factory(locale="zh-CN")
    phone.goto(f"{asgi_server}/accounts/login/")
    phone.fill("#id_username", member.username)
    phone.fill("#id_password", password)
    phone.locator("#login-submit").click()
    phone.wait_for_url("**/accounts/password/")
    assert phone.locator("#password-change-required").is_visible()
    phone.goto(f"{asgi_server}/me/")
    phone.wait_for_url("**/accounts/password/")
    phone.fill("#id_old_password", password)
    phone.fill("#id_new_password1", NEW_PASSWORD)
    phone.fill("#id_new_password2", NEW_PASSWORD)
    phone.get_by_role("button", name="修改密码").click()
    phone.wait_for_url("**/accounts/password/done/")
    phone.goto(f"{asgi_server}/me/")
    assert phone.url.endswith("/me/")
    assert not User.objects.get(pk=member.pk).must_change_password
