"""Pages that are not the product's own (the admin, the API docs) and the lockout page work in
Chromium under the Content-Security-Policy. page_factory fails any test whose pages report a
violation, so every other browser test checks the product's own pages the same way."""

import pytest

from orgs.models import User
from tests import factories

pytestmark = pytest.mark.browser


@pytest.fixture
def superuser(transactional_db):
    return User.objects.create_superuser("root", "root@example.org", factories.PASSWORD)


def test_admin_renders_and_its_scripts_run_under_the_policy(asgi_server, superuser, signed_in_page, screenshot):
    page = signed_in_page(superuser)
    page.goto(f"{asgi_server}/admin/orgs/user/{superuser.pk}/change/")
    # The two-box chooser for groups is built by the admin's own script (SelectFilter2.js).
    page.wait_for_selector("#user_form")
    page.wait_for_selector("#id_groups_filter")
    screenshot(page, "csp-admin")


def test_swagger_ui_renders_the_schema_under_the_policy(asgi_server, superuser, signed_in_page, screenshot):
    page = signed_in_page(superuser)
    page.goto(f"{asgi_server}/api/docs/")
    page.wait_for_selector("#swagger-ui .info .title")
    page.wait_for_selector("text=/api/v1/members/")
    screenshot(page, "csp-api-docs")


def test_redoc_renders_the_schema_and_loads_nothing_from_outside(asgi_server, superuser, browser):
    """ReDoc always shows Redocly's logo from cdn.redoc.ly (it hides it when the load fails, as on
    an intranet); the policy refuses it, and that is the only refusal. Its own context, because
    page_factory fails a test on any refusal."""
    from django.conf import settings

    from tests.processes import session_value

    context = browser.new_context()
    refused: list[str] = []
    context.on("console", lambda message: "Content Security Policy" in message.text and refused.append(message.text))
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session_value(superuser), "url": asgi_server}])
    page = context.new_page()
    try:
        page.goto(f"{asgi_server}/api/redoc/")
        page.wait_for_selector("h1:has-text('Knowledge contest')")
        page.wait_for_selector("text=/api/v1/members/")
        page.evaluate("0")
    finally:
        context.close()
    assert all("https://cdn.redoc.ly/redoc/logo-mini.svg" in text for text in refused), refused


def test_lockout_page_and_the_unlock_button_under_the_policy(
    asgi_server, tree, gz_organiser, signed_in_page, page_factory, screenshot
):
    member = factories.member(tree["gz1"], username="zhang", real_name="张三")
    attacker = page_factory()
    for _ in range(5):
        attacker.goto(f"{asgi_server}/accounts/login/")
        attacker.fill("#id_username", "zhang")
        attacker.fill("#id_password", "wrong")
        attacker.click("#login-submit")
    attacker.goto(f"{asgi_server}/accounts/login/")
    attacker.fill("#id_username", "zhang")
    attacker.fill("#id_password", factories.PASSWORD)
    attacker.click("#login-submit")
    attacker.wait_for_selector("#locked-out-message")
    screenshot(attacker, "csp-locked-out")

    organiser = signed_in_page(gz_organiser)
    organiser.goto(f"{asgi_server}/orgs/members/{member.pk}/")
    organiser.click("#signin-unlock")
    organiser.wait_for_selector("text=张三 现在可以重新登录了。")
    screenshot(organiser, "csp-member-unlocked")
