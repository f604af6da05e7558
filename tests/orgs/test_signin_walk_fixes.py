"""Sign-in and password fixes from the organisation walk: a temporary password cannot be "changed"
to itself, and a deactivated member who gives the right password is told the account is
deactivated (a wrong password gets the usual answer, so nobody learns which accounts exist)."""

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse

from orgs import services
from orgs.models import User
from tests import factories

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
WRONG = "用户名或密码错误"


def browser(language: str = "zh-hans") -> Client:
    client = Client(REMOTE_ADDR="10.0.0.7")
    client.cookies["django_language"] = language
    return client


@pytest.mark.parametrize(
    ("language", "expected"),
    [("zh-hans", "请设置与临时密码不同的密码"), ("en", "Choose a password different from the temporary one")],
)
def test_a_temporary_password_cannot_be_changed_to_itself(tree, gz_organiser, language, expected):
    member = factories.member(tree["gz1"])
    temporary = services.member_password_reset(member=member, by=gz_organiser)
    client = browser(language)
    assert client.post(LOGIN, {"username": member.username, "password": temporary}).status_code == 302

    response = client.post(
        reverse("password_change"),
        {"old_password": temporary, "new_password1": temporary, "new_password2": temporary},
    )

    assert response.status_code == 200
    assert expected in response.content.decode()
    member.refresh_from_db()
    assert member.must_change_password and member.check_password(temporary)


def test_an_own_password_cannot_be_changed_to_itself_either(tree):
    member = factories.member(tree["gz1"])
    client = browser("en")
    client.force_login(member)
    same = factories.PASSWORD
    response = client.post(
        reverse("password_change"), {"old_password": same, "new_password1": same, "new_password2": same}
    )
    assert "The new password is the same as your current one" in response.content.decode()


@pytest.mark.parametrize(
    ("language", "expected"),
    [("zh-hans", "此账号已停用，请联系本单位的组织者。"), ("en", "This account has been deactivated.")],
)
def test_a_deactivated_member_with_the_right_password_is_told_so(tree, gz_organiser, language, expected):
    member = factories.member(tree["gz1"], username="guo")
    services.members_bulk_apply(by=gz_organiser, members=[member], action="deactivate")

    response = browser(language).post(LOGIN, {"username": "guo", "password": factories.PASSWORD})

    body = response.content.decode()
    assert response.status_code == 200 and expected in body and 'id="signin-deactivated"' in body
    assert "_auth_user_id" not in response.client.session


def test_a_deactivated_member_with_a_wrong_password_gets_the_usual_answer(tree, gz_organiser):
    member = factories.member(tree["gz1"], username="guo")
    services.members_bulk_apply(by=gz_organiser, members=[member], action="deactivate")
    wrong = browser().post(LOGIN, {"username": "guo", "password": "not-the-password"}).content.decode()
    nobody = browser().post(LOGIN, {"username": "nobody", "password": "not-the-password"}).content.decode()
    assert WRONG in wrong and WRONG in nobody and "已停用" not in wrong


def test_sign_ins_to_a_deactivated_account_still_count_and_lock(tree, gz_organiser, settings):
    settings.AXES_FAILURE_LIMIT = 3
    member = factories.member(tree["gz1"], username="guo")
    services.members_bulk_apply(by=gz_organiser, members=[member], action="deactivate")
    client = browser()
    client.post(LOGIN, {"username": "guo", "password": "wrong"})
    assert "已停用" in client.post(LOGIN, {"username": "guo", "password": factories.PASSWORD}).content.decode()
    # The right password to a deactivated account is still a refused sign-in: it counts.
    assert AccessAttempt.objects.get(username="guo").failures_since_start == 2

    locked = client.post(LOGIN, {"username": "guo", "password": factories.PASSWORD})

    assert locked.status_code == 429 and "已停用" not in locked.content.decode()
    assert not User.objects.get(pk=member.pk).is_active


def test_the_app_sign_in_tells_a_deactivated_member_so_only_with_the_right_password(tree, gz_organiser):
    member = factories.member(tree["gz1"], username="guo")
    services.members_bulk_apply(by=gz_organiser, members=[member], action="deactivate")
    api = "/api/v1/auth/token/"

    right = browser("en").post(api, {"username": "guo", "password": factories.PASSWORD, "device": "phone"})
    wrong = browser("en").post(api, {"username": "guo", "password": "not-the-password"})
    nobody = browser("en").post(api, {"username": "nobody", "password": "not-the-password"})

    assert right.status_code == 400 and right.json()["error"]["code"] == "account_deactivated"
    assert "has been deactivated" in right.json()["error"]["message"]
    assert [r.json()["error"]["code"] for r in (wrong, nobody)] == ["bad_credentials", "bad_credentials"]
    assert not member.api_tokens.exists()
