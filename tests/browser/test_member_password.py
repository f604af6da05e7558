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
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    page.get_by_role("button", name=label).click()

    shown = page.locator("#temporary-password")
    shown.wait_for()
    # Asked first; 张三 never had a password, so none "stops working".
    question = (
        "要为 张三 设置临时密码吗？该成员还没有密码：先用临时密码登录，再设置自己的密码。"
        if language == "zh-hans"
        else "Set a temporary password for 张三? They have no password yet: "
        "they sign in with this one, then choose their own."
    )
    assert asked == [question]
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
    phone = page_factory(phone=True, locale="zh-CN" if language == "zh-hans" else "en-US")
    phone.goto(f"{asgi_server}/accounts/login/")
    phone.fill("#id_username", member.username)
    phone.fill("#id_password", password)
    phone.locator("#login-submit").click()
    phone.wait_for_url("**/accounts/password/")
    assert phone.locator("#password-change-required").is_visible()
    phone.goto(f"{asgi_server}/me/")
    phone.wait_for_url("**/accounts/password/")
    # Asked for the temporary password by that name, and spoken to politely (您, never 你).
    old_label = "临时密码" if language == "zh-hans" else "Temporary password"
    assert phone.locator("label[for=id_old_password]").inner_text().strip().rstrip(":：") == old_label
    assert "你" not in phone.locator("main").inner_text()
    phone.fill("#id_old_password", "not-the-one-given")
    phone.fill("#id_new_password1", NEW_PASSWORD)
    phone.fill("#id_new_password2", NEW_PASSWORD)
    change = "修改密码" if language == "zh-hans" else "Change password"
    phone.get_by_role("button", name=change).click()
    wrong = "临时密码不正确" if language == "zh-hans" else "not the temporary password you were given"
    assert wrong in phone.locator("main").inner_text()
    assert "你" not in phone.locator("main").inner_text()
    screenshot(phone, f"member-password-change-temporary-phone-{language}")
    phone.fill("#id_old_password", password)
    phone.fill("#id_new_password1", NEW_PASSWORD)
    phone.fill("#id_new_password2", NEW_PASSWORD)
    phone.get_by_role("button", name=change).click()
    phone.wait_for_url("**/accounts/password/done/")
    phone.goto(f"{asgi_server}/me/")
    assert phone.url.endswith("/me/")
    assert not User.objects.get(pk=member.pk).must_change_password


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_import_preview_fits_a_desktop_without_wrapping_its_short_columns(
    asgi_server, branch, signed_in_page, screenshot, tmp_path, language
):
    rows = [
        ["欧阳晓明", "200001", "审计署/广州特派办/第一党支部"],
        ["Alexandra Konstantinopoulou", "200002", "审计署/广州特派办/第一党支部"],
    ]
    workbook = tmp_path / "members.xlsx"
    workbook.write_bytes(factories.workbook([["姓名", "工号", "单位"], *rows]).getvalue())
    page = signed_in_page(branch["organiser"], viewport={"width": 1280, "height": 900})
    page.context.add_cookies([{"name": "django_language", "value": language, "url": asgi_server}])
    page.goto(f"{asgi_server}/orgs/members/import/")
    page.set_input_files("#id_file", str(workbook))
    page.locator("#preview-button").click()
    preview = page.locator("#import-preview")
    preview.wait_for()

    # No sideways scrolling, and every cell but the name on one line (a header, an employee
    # number or a unit path broke over two lines at 1280 px, the English more).
    box = preview.evaluate("t => [t.scrollWidth, t.parentElement.clientWidth]")
    assert box[0] <= box[1], box
    lines = preview.evaluate(
        """t => Array.from(t.querySelectorAll("th, td:not(:nth-child(2))")).map(c => {
             const range = document.createRange();
             range.selectNodeContents(c);
             const half = parseFloat(getComputedStyle(c).lineHeight) / 2;
             const tops = Array.from(range.getClientRects()).map(r => r.top).sort((a, b) => a - b);
             return [c.textContent.trim(), tops.filter((top, i) => i === 0 || top - tops[i - 1] > half).length];
           })"""
    )
    wrapped = [text for text, height in lines if height > 1]
    assert not wrapped, wrapped
    screenshot(page, f"member-import-preview-{language}")


def test_bulk_temporary_passwords_ask_first_and_the_list_marks_who_must_still_change(
    asgi_server, branch, signed_in_page, screenshot
):
    member = branch["member"]
    page = signed_in_page(branch["organiser"], viewport={"width": 1280, "height": 900})
    page.goto(f"{asgi_server}/orgs/members/")
    page.locator(f"input[name=member][value='{member.pk}']").check()
    page.select_option("#bulk-action", "passwords")

    declined = []
    page.once("dialog", lambda dialog: (declined.append(dialog.message), dialog.dismiss()))
    page.locator("#bulk-apply").click()
    assert declined  # asked before the form was sent; declined, it is not sent
    member.refresh_from_db()
    assert not member.must_change_password

    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    with page.expect_download() as download:
        page.locator("#bulk-apply").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    assert asked == ["要为所选成员设置临时密码吗？他们现有的密码（如有）将立即失效。"]
    member.refresh_from_db()
    assert member.must_change_password

    page.goto(f"{asgi_server}/orgs/members/")
    row = page.locator("#member-table tr", has=page.locator(f"input[value='{member.pk}']"))
    assert "临时密码待更换" in row.inner_text()
    screenshot(page, "member-list-temporary-password")


def test_a_page_whose_script_is_refused_for_a_temporary_password_goes_to_the_password_page(
    asgi_server, branch, signed_in_page
):
    """An organiser sets the mark while the member has a page open: the page's next script request
    is refused `password_change_required` (not a redirect a script cannot read), and the page
    reloads into the password page (static/js/app.js)."""
    member = branch["member"]
    member.set_password(NEW_PASSWORD)
    member.save()
    page = signed_in_page(member, viewport={"width": 390, "height": 844})
    page.goto(f"{asgi_server}/me/")
    User.objects.filter(pk=member.pk).update(must_change_password=True)

    status = page.evaluate("fetch('/papers/candidates.json').then(r => r.status)")

    assert status == 403
    page.wait_for_url("**/accounts/password/")
