"""An organiser may change only accounts whose every role lies inside their own subtree, at no
higher rank, and never staff or superusers: checked through every path that changes a user."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from orgs import access, services
from orgs.importing import members_import
from orgs.models import Role, User
from tests import factories

NEW_PASSWORD = "taken-over-horse-9"
HEADER = ["姓名", "工号", "单位", "角色", "手机", "党员", "用户名", "初始密码"]


@pytest.fixture
def accounts(tree):
    """Accounts whose home unit is in the Guangzhou branch, of every rank."""
    organ_admin = factories.member(tree["gz1"], real_name="署管理员", employee_no="900001")
    services.role_grant(user=organ_admin, role=Role.ADMINISTRATOR, unit=tree["audit"], by=None)
    branch_admin = factories.administrator(tree["gz1"], real_name="支部管理员", employee_no="900002")
    superuser = factories.member(tree["gz1"], real_name="超级用户", employee_no="900003")
    User.objects.filter(pk=superuser.pk).update(is_superuser=True, is_staff=True)
    staff = factories.member(tree["gz1"], real_name="职员", employee_no="900004")
    User.objects.filter(pk=staff.pk).update(is_staff=True)
    return {
        "organ_admin": organ_admin,
        "branch_admin": branch_admin,
        "superuser": User.objects.get(pk=superuser.pk),
        "staff": User.objects.get(pk=staff.pk),
        "member": factories.member(tree["gz1"], real_name="普通党员", employee_no="900005"),
        "branch_organiser": factories.organiser(tree["gz1"], real_name="支部组织者", employee_no="900006"),
    }


OUT_OF_REACH = ["organ_admin", "branch_admin", "superuser", "staff"]
WITHIN_REACH = ["member", "branch_organiser"]


@pytest.mark.parametrize("who", OUT_OF_REACH)
def test_branch_organiser_cannot_edit_a_higher_account_on_the_member_page(client, gz_organiser, accounts, who):
    target = accounts[who]
    client.force_login(gz_organiser)
    url = reverse("orgs:member_detail", args=[target.pk])
    assert client.get(url).status_code == 403
    response = client.post(url, {"real_name": "改名", "unit": target.unit_id, "employee_no": target.employee_no})
    assert response.status_code == 403
    target.refresh_from_db()
    assert target.real_name != "改名"


def test_member_page_still_edits_an_account_within_reach(client, gz_organiser, accounts):
    target = accounts["branch_organiser"]
    client.force_login(gz_organiser)
    response = client.post(
        reverse("orgs:member_detail", args=[target.pk]),
        {"real_name": "改名", "unit": target.unit_id, "employee_no": target.employee_no},
    )
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.real_name == "改名"


@pytest.mark.parametrize("who", OUT_OF_REACH)
def test_branch_organiser_cannot_change_a_higher_account_over_the_api(gz_organiser, accounts, who):
    target = accounts[who]
    api = APIClient()
    api.force_authenticate(gz_organiser)
    response = api.patch(f"/api/v1/members/{target.pk}/", {"real_name": "改名", "unit": target.unit_id}, format="json")
    assert response.status_code == 403
    target.refresh_from_db()
    assert target.real_name != "改名"


def test_api_says_why_an_administrator_is_out_of_reach(gz_organiser, accounts):
    api = APIClient()
    api.force_authenticate(gz_organiser)
    response = api.get(f"/api/v1/members/{accounts['organ_admin'].pk}/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 403 and "role beyond yours" in response.json()["error"]["message"]
    assert api.patch(f"/api/v1/members/{accounts['member'].pk}/", {"real_name": "改名"}).status_code == 200


def _upload(client, rows):
    book = factories.workbook([HEADER, *rows])
    return client.post(reverse("orgs:member_import"), {"action": "preview", "file": book})


@pytest.mark.parametrize("who", OUT_OF_REACH)
def test_import_refuses_rows_for_higher_accounts(client, gz_organiser, accounts, who):
    target = accounts[who]
    client.force_login(gz_organiser)
    row = [target.real_name, target.employee_no, "审计署/广州特派办/第一党支部", "", "", "是", "", NEW_PASSWORD]
    response = _upload(client, [row])
    assert [(e.row, e.column) for e in response.context["report"].errors] == [(2, "工号")]
    assert not response.context["token"]
    target.refresh_from_db()
    assert target.check_password(factories.PASSWORD)


def test_import_sets_initial_passwords_only_on_new_accounts_and_says_so(client, gz_organiser, accounts):
    target = accounts["member"]
    client.force_login(gz_organiser)
    rows = [
        [target.real_name, target.employee_no, "审计署/广州特派办/第二党支部", "", "", "是", "", NEW_PASSWORD],
        ["新成员", "900100", "审计署/广州特派办/第一党支部", "", "", "是", "", NEW_PASSWORD],
    ]
    preview = _upload(client, rows)
    assert preview.context["report"].passwords_ignored == [2]
    assert 'id="import-passwords-ignored"' in preview.content.decode()
    done = client.post(
        reverse("orgs:member_import"), {"action": "confirm", "token": preview.context["token"]}, follow=True
    )
    assert any("2" in str(m) for m in done.context["messages"] if m.level_tag == "warning")
    target.refresh_from_db()
    assert target.unit.name == "第二党支部"
    assert target.check_password(factories.PASSWORD) and not target.check_password(NEW_PASSWORD)
    assert User.objects.get(employee_no="900100").check_password(NEW_PASSWORD)


def test_import_does_not_count_an_ignored_password_as_a_change(gz_organiser, accounts):
    target = accounts["member"]
    row = [target.real_name, target.employee_no, "审计署/广州特派办/第一党支部", "", "", "是", "", NEW_PASSWORD]
    report = members_import(file=factories.workbook([HEADER, row]), by=gz_organiser)
    assert report.ok and (report.updated, report.unchanged) == (0, 1)


def test_administrator_may_manage_organisers_and_administrators_inside_their_subtree(tree, accounts):
    gz_admin = factories.administrator(tree["gz"])
    for who in ("branch_admin", "branch_organiser", "member"):
        assert access.can_manage_member(gz_admin, accounts[who]), who
    for who in ("organ_admin", "superuser", "staff"):
        assert not access.can_manage_member(gz_admin, accounts[who]), who
    assert set(access.manageable_members(gz_admin)) >= {accounts["branch_admin"], accounts["member"]}
    assert not set(access.manageable_members(gz_admin)) & {accounts["organ_admin"], accounts["superuser"]}


def test_manageable_members_query_agrees_with_the_check(tree, gz_organiser, accounts):
    factories.member(tree["jjj1"])
    for actor in (gz_organiser, factories.administrator(tree["gz"]), factories.administrator(tree["audit"])):
        everyone = User.objects.all()
        expected = {u for u in everyone if access.can_manage_member(actor, u)}
        assert set(access.manageable_members(actor)) == expected


def test_superuser_manages_every_account(tree, accounts):
    root = User.objects.create_superuser("root", password="x-long-password-1")
    assert all(access.can_manage_member(root, target) for target in accounts.values())
