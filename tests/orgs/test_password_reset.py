"""An organiser sets a member's temporary password from the member's page: shown once, the old
password and every session and token end, and the member must choose their own before anything
else (pages redirect to the change page, the API answers `password_change_required`)."""

import re

import pytest
from django.contrib.admin.models import LogEntry
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from orgs import services, tokens
from orgs.models import ApiToken, Role, User
from tests import factories

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "my-own-long-pass-42"


def signed_in_browser(user, password=factories.PASSWORD) -> Client:
    browser = Client()
    browser.cookies["django_language"] = "en"  # the refusals are read in English below
    response = browser.post(reverse("login"), {"username": user.username, "password": password})
    assert response.status_code == 302, response.content[:400]
    return browser


def reset_on_the_page(organiser, member) -> str:
    """Press "Set a temporary password" on the member's page; the password the answer shows."""
    browser = signed_in_browser(organiser)
    response = browser.post(reverse("orgs:member_password_reset", args=[member.pk]))
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0") or "no-store" in response["Cache-Control"]
    shown = re.search(r'id="temporary-password">([^<]+)<', response.content.decode())
    assert shown, response.content.decode()[:400]
    # Shown in the answer only: the member's page shows it no more.
    again = browser.get(reverse("orgs:member_detail", args=[member.pk])).content.decode()
    assert shown.group(1) not in again
    assert "temporary-password-shown" not in again
    return shown.group(1)


def test_the_member_signs_in_with_the_temporary_password_and_must_change_it_first(tree, gz_organiser):
    member = factories.member(tree["gz1"])

    password = reset_on_the_page(gz_organiser, member)

    assert len(password) == 10 and not set(password) & set("0O1lI")
    member.refresh_from_db()
    assert member.must_change_password
    entry = LogEntry.objects.get(object_id=str(member.pk), user=gz_organiser)
    assert "temporary password" in entry.change_message

    browser = signed_in_browser(member, password)
    change = reverse("password_change")
    for page in ("/", reverse("me"), reverse("my_devices"), reverse("notifications:list")):
        response = browser.get(page)
        assert response.status_code == 302 and response["Location"] == change, page
    assert browser.get(change).status_code == 200
    assert browser.get(reverse("healthz")).status_code == 200

    response = browser.post(
        change, {"old_password": password, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert response.status_code == 302

    member.refresh_from_db()
    assert not member.must_change_password
    assert browser.get(reverse("me")).status_code == 200
    assert browser.get("/").status_code in (200, 302) and browser.get("/").get("Location") != change


def test_the_old_password_sessions_and_tokens_stop_working(tree, gz_organiser):
    member = factories.member(tree["gz1"])
    phone = signed_in_browser(member)
    assert phone.get(reverse("me")).status_code == 200
    _, key = tokens.token_issue(user=member, device="手机")

    services.member_password_reset(member=member, by=gz_organiser)

    response = phone.get(reverse("me"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    refused = Client().post(reverse("login"), {"username": member.username, "password": factories.PASSWORD})
    assert refused.status_code == 200  # the sign-in form again, with its error
    assert ApiToken.objects.get(user=member).revoked_by == gz_organiser
    answer = APIClient(HTTP_AUTHORIZATION=f"Token {key}").get("/api/v1/me/")
    assert answer.status_code == 401


def test_an_organiser_of_another_organ_is_refused_and_nothing_changes(tree):
    member = factories.member(tree["gz1"])
    outsider = factories.organiser(tree["budget"])
    before = User.objects.get(pk=member.pk).password

    response = signed_in_browser(outsider).post(reverse("orgs:member_password_reset", args=[member.pk]))

    assert response.status_code == 404  # another organ's member is not there for them
    member.refresh_from_db()
    assert member.password == before and not member.must_change_password
    assert not LogEntry.objects.filter(object_id=str(member.pk)).exists()
    with pytest.raises(services.OrgError):
        services.member_password_reset(member=member, by=outsider)


def test_an_account_holding_a_role_above_the_organisers_subtree_is_refused(tree, gz_organiser):
    # Home unit in the organiser's office, but an administrator of the whole organ.
    boss = factories.member(tree["gz1"])
    services.role_grant(user=boss, role=Role.ADMINISTRATOR, unit=tree["audit"], by=None)
    before = boss.password

    response = signed_in_browser(gz_organiser).post(reverse("orgs:member_password_reset", args=[boss.pk]))

    assert response.status_code == 403
    boss.refresh_from_db()
    assert boss.password == before and not boss.must_change_password
    with pytest.raises(services.OrgError) as refused:
        services.member_password_reset(member=boss, by=gz_organiser)
    assert refused.value.code == "member_outside_scope"


def test_an_inactive_account_is_refused_in_words(tree, gz_organiser):
    member = factories.member(tree["gz1"])
    services.members_bulk_apply(by=gz_organiser, members=[member], action=services.BulkAction.DEACTIVATE)
    before = User.objects.get(pk=member.pk).password

    browser = signed_in_browser(gz_organiser)
    response = browser.post(reverse("orgs:member_password_reset", args=[member.pk]), follow=True)

    assert "reactivate it first" in response.content.decode()
    assert 'id="temporary-password"' not in response.content.decode()
    member.refresh_from_db()
    assert member.password == before and not member.must_change_password


def test_the_api_refuses_a_marked_accounts_token_until_the_password_is_changed(tree, gz_organiser):
    member = factories.member(tree["gz1"])
    password = services.member_password_reset(member=member, by=gz_organiser)

    signed = APIClient().post(
        "/api/v1/auth/token/", {"username": member.username, "password": password, "device": "手机"}, format="json"
    )
    assert signed.status_code == 200
    api = APIClient(HTTP_AUTHORIZATION=f"Token {signed.json()['token']}")

    answer = api.get("/api/v1/me/")
    assert answer.status_code == 403
    assert answer.json()["error"]["code"] == "password_change_required"
    # A session of the account is answered the same.
    session = APIClient()
    session.force_login(User.objects.get(pk=member.pk))
    assert session.get("/api/v1/me/").json()["error"]["code"] == "password_change_required"
    # Signing out still works.
    assert api.delete("/api/v1/auth/token/").status_code == 204

    member.refresh_from_db()
    member.set_password(NEW_PASSWORD)
    member.save()
    fresh = APIClient().post(
        "/api/v1/auth/token/", {"username": member.username, "password": NEW_PASSWORD, "device": "手机"}, format="json"
    )
    answer = APIClient(HTTP_AUTHORIZATION=f"Token {fresh.json()['token']}").get("/api/v1/me/")
    assert answer.status_code == 200


def test_bulk_temporary_passwords_come_as_a_spreadsheet_with_each_refusal_explained(tree, gz_organiser):
    from io import BytesIO

    from openpyxl import load_workbook

    first = factories.member(tree["gz1"], real_name="张一", username="zhangyi", employee_no="E1", password=None)
    second = factories.member(tree["gz2"], real_name="张二", username="zhanger", employee_no="E2", password=None)
    gone = factories.member(tree["gz1"], real_name="张三", username="zhangsan", employee_no="E3")
    services.members_bulk_apply(by=gz_organiser, members=[gone], action=services.BulkAction.DEACTIVATE)
    boss = factories.member(tree["gz1"], real_name="张四", username="zhangsi", employee_no="E4")
    services.role_grant(user=boss, role=Role.ADMINISTRATOR, unit=tree["audit"], by=None)
    untouched = {m.pk: User.objects.get(pk=m.pk).password for m in (gone, boss)}

    browser = signed_in_browser(gz_organiser)
    response = browser.post(
        reverse("orgs:member_bulk"), {"member": [first.pk, second.pk, gone.pk, boss.pk], "action": "passwords"}
    )

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    sheet = load_workbook(BytesIO(response.content)).active
    rows = [[cell or "" for cell in row] for row in sheet.iter_rows(values_only=True)]
    header, *body = rows
    assert header[:5] == ["Name", "Employee number", "Username", "Unit", "Temporary password"]
    by_name = {row[0]: row for row in body}
    assert by_name["张一"][1:4] == ["E1", "zhangyi", "审计署/广州特派办/第一党支部"]
    assert by_name["张二"][3] == "审计署/广州特派办/第二党支部"
    for member in (first, second):
        password = by_name[member.real_name][4]
        assert len(password) == 10 and by_name[member.real_name][5] == ""
        member.refresh_from_db()
        assert member.check_password(password) and member.must_change_password
    assert by_name["张三"][4] == "" and "reactivate it first" in by_name["张三"][5]
    assert by_name["张四"][4] == "" and "role beyond yours" in by_name["张四"][5]
    for member in (gone, boss):
        member.refresh_from_db()
        assert member.password == untouched[member.pk] and not member.must_change_password

    # A member outside the organiser's units among the selected: nobody gets a password.
    mine = factories.member(tree["gz1"])
    theirs = factories.member(tree["budget"])
    before = {m.pk: User.objects.get(pk=m.pk).password for m in (mine, theirs)}
    response = browser.post(reverse("orgs:member_bulk"), {"member": [mine.pk, theirs.pk], "action": "passwords"})
    assert response.status_code == 302
    assert {m.pk: m.password for m in User.objects.filter(pk__in=before)} == before


def test_an_organiser_is_sent_to_change_their_own_password_not_to_reset_it(tree, gz_organiser):
    """Resetting one's own password ended one's own session and showed a password to sign in
    with again: the member page offers the change page instead, and a reset posted is refused."""
    browser = signed_in_browser(gz_organiser)
    own_page = browser.get(reverse("orgs:member_detail", args=[gz_organiser.pk])).content.decode()
    assert 'id="password-own"' in own_page and 'id="password-reset"' not in own_page
    assert reverse("password_change") in own_page.split('id="password-own"')[1].split("</p>")[0]
    before = User.objects.get(pk=gz_organiser.pk).password

    response = browser.post(reverse("orgs:member_password_reset", args=[gz_organiser.pk]), follow=True)

    assert "This is your own account" in response.content.decode()
    assert 'id="temporary-password"' not in response.content.decode()
    assert User.objects.get(pk=gz_organiser.pk).password == before
    assert browser.get(reverse("me")).status_code == 200  # still signed in
    rows = services.members_password_reset_bulk(by=gz_organiser, members=[gz_organiser])
    assert rows[0][1] == "" and "本人的账号" in rows[0][2]


def test_setting_a_temporary_password_asks_first(tree, gz_organiser):
    member = factories.member(tree["gz1"], real_name="李四")
    page = signed_in_browser(gz_organiser).get(reverse("orgs:member_detail", args=[member.pk])).content.decode()
    form = page.split(f'action="{reverse("orgs:member_password_reset", args=[member.pk])}"')[1].split(">")[0]
    assert 'data-confirm="Set a temporary password for 李四? Their current password stops working at once."' in form


def test_the_temporary_password_and_the_members_own_choice_are_in_the_members_history(tree, gz_organiser):
    member = factories.member(tree["gz1"])
    password = reset_on_the_page(gz_organiser, member)
    browser = signed_in_browser(member, password)
    form = {"old_password": password, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    assert browser.post(reverse("password_change"), form).status_code == 302
    again = {"old_password": NEW_PASSWORD, "new_password1": NEW_PASSWORD + "x", "new_password2": NEW_PASSWORD + "x"}
    assert browser.post(reverse("password_change"), again).status_code == 302

    logged = LogEntry.objects.filter(object_id=str(member.pk)).order_by("pk")
    assert [(e.user, e.change_message) for e in logged] == [
        (gz_organiser, "Set a temporary password; the member must change it at next sign-in."),
        (member, "Chose their own password, replacing the temporary one."),
        (member, "Changed their own password."),
    ]
    # The organiser's page of the member, newest first.
    page = signed_in_browser(gz_organiser).get(reverse("orgs:member_detail", args=[member.pk])).content.decode()
    history = page.split('id="password-history"')[1].split("</ul>")[0]
    lines = re.findall(r"·\s*([^<]+?)\s*</li>", history)
    assert lines == [
        "Changed their own password",
        "Chose their own, replacing the temporary one",
        "Temporary password set by 广州组织者",
    ]
    # The admin's history of the account.
    superuser = User.objects.create_superuser("root", password=factories.PASSWORD)
    admin_history = signed_in_browser(superuser).get(f"/admin/orgs/user/{member.pk}/history/").content.decode()
    assert "Set a temporary password" in admin_history and "replacing the temporary one" in admin_history


def test_setting_a_first_password_does_not_say_one_stops_working(tree, gz_organiser):
    """A member who never had a password: nothing of theirs stops working, so the page says so."""
    member = factories.member(tree["gz1"], real_name="王五", password=None)
    page = signed_in_browser(gz_organiser).get(reverse("orgs:member_detail", args=[member.pk])).content.decode()
    form = page.split(f'action="{reverse("orgs:member_password_reset", args=[member.pk])}"')[1].split(">")[0]
    assert (
        'data-confirm="Set a temporary password for 王五? They have no password yet: '
        'they sign in with this one, then choose their own."'
    ) in form
    assert "stops working" not in page
    assert "This member has never had a password" in page
