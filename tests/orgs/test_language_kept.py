"""The language a member chooses is kept on their account and applies when they sign in again,
on any browser, whatever the browser asks for."""

from django.test import Client
from django.urls import reverse

from tests import factories


def with_language(member, language: str):
    member.language = language
    member.save(update_fields=["language"])
    return member


def test_a_member_who_chose_english_signs_in_to_english_on_a_new_chinese_browser(tree):
    member = factories.member(tree["gz1"], username="lang-member")
    first = Client()
    first.force_login(member)
    first.post(reverse("set_language"), {"language": "en", "next": "/"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    member.refresh_from_db()
    assert member.language == "en"

    fresh = Client()  # another browser: no language cookie, and it asks for Chinese
    response = fresh.post(
        reverse("login"),
        {"username": "lang-member", "password": factories.PASSWORD},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
        follow=True,
    )
    assert response.redirect_chain and response.wsgi_request.user.is_authenticated
    assert fresh.cookies["django_language"].value == "en"
    page = fresh.get("/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert '<html lang="en"' in page


def test_switching_back_to_chinese_is_kept_too_and_a_member_who_never_chose_follows_the_browser(tree):
    chooser = with_language(factories.member(tree["gz1"], username="chooser"), "en")
    client = Client()
    client.force_login(chooser)
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    chooser.refresh_from_db()
    assert chooser.language == "zh-hans"

    factories.member(tree["gz1"], username="never-chose")
    fresh = Client()
    fresh.post(reverse("login"), {"username": "never-chose", "password": factories.PASSWORD}, HTTP_ACCEPT_LANGUAGE="en")
    assert "django_language" not in fresh.cookies
    assert '<html lang="en"' in fresh.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_an_unknown_language_is_not_kept(tree):
    member = with_language(factories.member(tree["gz1"]), "en")
    client = Client()
    client.force_login(member)
    client.post(reverse("set_language"), {"language": "xx", "next": "/"})
    member.refresh_from_db()
    assert member.language == "en"
