"""A language chosen on the sign-in page holds after signing in. The account's language (kept
from an earlier choice) used to win at once: a member signed out by an expired session, who
switched the sign-in page to English, signed in to a Chinese page with its message ("You had been
signed out...") in Chinese, and the other way round."""

import pytest
from django.test import Client
from django.urls import reverse

from tests import factories

SIGNED_OUT = {
    "en": "You had been signed out, so what you last sent was not saved. Please send it again.",
    "zh-hans": "您此前已退出登录，刚才提交的内容没有保存。请重新提交。",
}


@pytest.mark.parametrize(("kept", "chosen"), [("zh-hans", "en"), ("en", "zh-hans")])
def test_the_language_chosen_on_the_sign_in_page_holds_after_signing_in_with_its_message(tree, kept, chosen):
    member = factories.member(tree["gz1"], username="switcher")
    member.language = kept
    member.save(update_fields=["language"])
    browser = Client()
    browser.cookies["django_language"] = kept
    # The session had expired: a form sent now goes to the sign-in page, which notes it.
    notebook = reverse("lessons:notebook")
    browser.post(reverse("lessons:notebook_restore"), {"next": notebook})
    browser.post(reverse("set_language"), {"language": chosen, "next": reverse("login")})
    page = browser.post(
        reverse("login") + f"?next={notebook}",
        {"username": "switcher", "password": factories.PASSWORD},
        follow=True,
    )
    body = page.content.decode()
    assert f'<html lang="{chosen}"' in body
    assert SIGNED_OUT[chosen] in body
    member.refresh_from_db()
    assert member.language == chosen  # kept for the next sign-in, as a switch when signed in is
