"""Wrong passwords lock an account (and, many more of them, an address) out for a while (django-axes), on the sign-in
page and the API's token endpoint; an organiser of the member's unit can unlock early."""

import pytest
from axes.models import AccessAttempt, AccessFailureLog
from django.contrib.admin.models import LogEntry
from django.test import Client
from django.urls import reverse
from django.utils import translation

from tests import factories

LOGIN = "/accounts/login/"
TOKEN = "/api/v1/auth/token/"


@pytest.fixture(autouse=True)
def _five_failures_lock(settings):
    settings.AXES_FAILURE_LIMIT = 5
    settings.SIGNIN_ADDRESS_FAILURE_LIMIT = 12


def client_from(address: str) -> Client:
    return Client(REMOTE_ADDR=address)


def sign_in(client: Client, username: str, password: str):
    return client.post(LOGIN, {"username": username, "password": password})


def token(client: Client, username: str, password: str):
    return client.post(TOKEN, {"username": username, "password": password})


def test_five_wrong_passwords_then_the_right_one_is_refused_on_the_page(tree):
    member = factories.member(tree["gz1"], username="zhang")
    attacker = client_from("10.0.0.9")
    for _ in range(5):
        assert sign_in(attacker, "zhang", "wrong").status_code in (200, 429)

    refused = sign_in(attacker, "zhang", factories.PASSWORD)

    assert refused.status_code == 429
    body = refused.content.decode()
    assert "登录失败次数过多" in body and 'id="locked-out-message"' in body and "qs-navbar" in body
    assert "_auth_user_id" not in attacker.session
    # The member, elsewhere, is locked out too: the lockout is by username.
    assert sign_in(client_from("10.0.0.1"), member.username, factories.PASSWORD).status_code == 429


def test_lockout_message_is_english_for_an_english_browser(tree):
    factories.member(tree["gz1"], username="zhang")
    attacker = Client(REMOTE_ADDR="10.0.0.9", HTTP_ACCEPT_LANGUAGE="en")
    for _ in range(5):
        sign_in(attacker, "zhang", "wrong")
    assert "Too many failed sign-ins" in sign_in(attacker, "zhang", factories.PASSWORD).content.decode()


def test_five_wrong_passwords_then_the_right_one_is_refused_on_the_token_endpoint(tree):
    factories.member(tree["gz1"], username="zhang")
    attacker = client_from("10.0.0.9")
    for _ in range(5):
        assert token(attacker, "zhang", "wrong").status_code in (400, 429)

    refused = token(attacker, "zhang", factories.PASSWORD)

    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "locked_out"
    assert "登录失败次数过多" in refused.json()["error"]["message"]
    assert int(refused["Retry-After"]) == 15 * 60


def test_one_address_trying_many_usernames_is_locked_out(tree):
    for number in range(13):
        factories.member(tree["gz1"], username=f"member{number}")
    sprayer = client_from("10.0.0.9")
    for number in range(12):
        sign_in(sprayer, f"member{number}", "wrong")

    assert sign_in(sprayer, "member12", factories.PASSWORD).status_code == 429
    assert token(sprayer, "member12", factories.PASSWORD).status_code == 429
    # The same member from their own desk is not locked: their username has no failures.
    assert sign_in(client_from("10.0.0.1"), "member12", factories.PASSWORD).status_code == 302


def test_an_office_behind_one_address_is_not_locked_by_its_colleagues_typos(tree):
    """Eleven colleagues behind the office's NAT address each mistype once (one short of the
    address's limit of twelve): the twelfth colleague signs in from the same address."""
    for number in range(12):
        factories.member(tree["gz1"], username=f"member{number}")
    office = client_from("10.8.0.1")
    for number in range(11):
        assert sign_in(office, f"member{number}", "wrong").status_code == 200

    assert sign_in(client_from("10.8.0.1"), "member11", factories.PASSWORD).status_code == 302
    # Each colleague who mistyped still signs in there with the right password.
    assert sign_in(client_from("10.8.0.1"), "member3", factories.PASSWORD).status_code == 302


def test_another_user_at_another_address_is_unaffected(tree):
    factories.member(tree["gz1"], username="zhang")
    factories.member(tree["gz1"], username="li")
    attacker = client_from("10.0.0.9")
    for _ in range(6):
        sign_in(attacker, "zhang", "wrong")

    assert sign_in(client_from("10.0.0.2"), "li", factories.PASSWORD).status_code == 302
    assert token(client_from("10.0.0.2"), "li", factories.PASSWORD).status_code == 200


def test_failures_and_the_lockout_are_recorded(tree):
    factories.member(tree["gz1"], username="zhang")
    attacker = client_from("10.0.0.9")
    for _ in range(5):
        sign_in(attacker, "zhang", "wrong")

    attempt = AccessAttempt.objects.get(username="zhang")
    assert attempt.ip_address == "10.0.0.9" and attempt.failures_since_start == 5
    failures = AccessFailureLog.objects.filter(username="zhang", ip_address="10.0.0.9").order_by("attempt_time")
    assert [f.locked_out for f in failures] == [False, False, False, False, True]


def test_organiser_unlock_lets_the_next_right_password_in_and_is_audited(tree, gz_organiser):
    member = factories.member(tree["gz1"], username="zhang", real_name="张三")
    attacker = client_from("10.0.0.9")
    for _ in range(5):
        sign_in(attacker, "zhang", "wrong")
    organiser = Client()
    organiser.force_login(gz_organiser)
    page = organiser.get(reverse("orgs:member_detail", args=[member.pk])).content.decode()
    assert 'id="signin-unlock"' in page and "5 次登录失败后已锁定" in page

    unlocked = organiser.post(reverse("orgs:member_signin_unlock", args=[member.pk]))

    assert unlocked.status_code == 302
    assert sign_in(client_from("10.0.0.1"), "zhang", factories.PASSWORD).status_code == 302
    assert token(client_from("10.0.0.1"), "zhang", factories.PASSWORD).status_code == 200
    entry = LogEntry.objects.get(object_id=str(member.pk))
    assert entry.user == gz_organiser and entry.change_message == "Unlocked sign-in after 5 failed attempts."
    page = organiser.get(reverse("orgs:member_detail", args=[member.pk])).content.decode()
    assert 'id="signin-unlock"' not in page


def test_organiser_of_another_unit_cannot_unlock(tree):
    member = factories.member(tree["gz1"], username="zhang")
    for _ in range(5):
        sign_in(client_from("10.0.0.9"), "zhang", "wrong")
    outsider = Client()
    outsider.force_login(factories.organiser(tree["jjj"], username="jjj-organiser"))

    # Another office's member is not found, as a missing id is (orgs.access.refuse).
    assert outsider.post(reverse("orgs:member_signin_unlock", args=[member.pk])).status_code == 404
    assert AccessAttempt.objects.filter(username="zhang").exists()
    assert not LogEntry.objects.exists()


def test_plain_member_cannot_unlock_anyone(tree):
    member = factories.member(tree["gz1"], username="zhang")
    for _ in range(5):
        sign_in(client_from("10.0.0.9"), "zhang", "wrong")
    colleague = Client()
    colleague.force_login(factories.member(tree["gz1"], username="li"))

    assert colleague.post(reverse("orgs:member_signin_unlock", args=[member.pk])).status_code == 403
    assert AccessAttempt.objects.filter(username="zhang").exists()


def test_unlock_page_translates_to_english(tree, gz_organiser):
    member = factories.member(tree["gz1"], username="zhang")
    sign_in(client_from("10.0.0.9"), "zhang", "wrong")
    organiser = Client(HTTP_ACCEPT_LANGUAGE="en")
    organiser.force_login(gz_organiser)
    with translation.override("en"):
        page = organiser.get(reverse("orgs:member_detail", args=[member.pk])).content.decode()
    assert "1 recent failed sign-in." in page and "Unlock sign-in" in page


def test_lockout_page_is_served_under_asgi_too(tree):
    """uvicorn runs the middleware chain asynchronously, where axes calls the lockout page
    with different arguments than in WSGI."""
    from asgiref.sync import async_to_sync
    from django.test import AsyncClient

    factories.member(tree["gz1"], username="zhang")
    attacker = AsyncClient(REMOTE_ADDR="10.0.0.9")
    post = async_to_sync(attacker.post)
    for _ in range(5):
        post(LOGIN, {"username": "zhang", "password": "wrong"})

    refused = post(LOGIN, {"username": "zhang", "password": factories.PASSWORD})
    assert refused.status_code == 429 and "登录失败次数过多" in refused.content.decode()
    api = post(TOKEN, {"username": "zhang", "password": factories.PASSWORD})
    assert api.status_code == 429 and api.json()["error"]["code"] == "locked_out"
