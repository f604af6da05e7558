"""Bulk actions on the member list: all selected members or none, each checked as the single
action is, each recorded in the organisation's activity."""

import re

import pytest
from django.urls import reverse

from orgs import services
from orgs.models import Activity, MemberPlacement, Role, RoleGrant, User
from tests import factories


@pytest.fixture
def gz_admin(tree):
    return factories.administrator(tree["gz"], username="gz-admin", real_name="广州管理员")


def _post(client, members, **fields):
    return client.post(reverse("orgs:member_bulk"), {"member": [m.pk for m in members], **fields}, follow=True)


def test_bulk_move_puts_every_selected_member_in_the_unit_with_history_and_a_record(client, tree, gz_organiser):
    a, b = factories.member(tree["gz1"]), factories.member(tree["gz1"])
    client.force_login(gz_organiser)
    response = _post(client, [a, b], action="move", unit=tree["gz2"].pk, reason="支部调整")
    assert "已将 2 名成员调整到审计署/广州特派办/第二党支部。" in response.content.decode()
    for member in (a, b):
        member.refresh_from_db()
        assert member.unit == tree["gz2"]
        latest = MemberPlacement.objects.filter(member=member).latest("id")
        assert (latest.unit, latest.reason, latest.recorded_by) == (tree["gz2"], "支部调整", gz_organiser)
        record = Activity.objects.get(member=member, kind=Activity.Kind.MEMBER_MOVED)
        assert (record.kind, record.actor, record.from_unit, record.unit, record.reason) == (
            Activity.Kind.MEMBER_MOVED,
            gz_organiser,
            tree["gz1"],
            tree["gz2"],
            "支部调整",
        )


def test_bulk_deactivate_then_reactivate(client, tree, gz_organiser):
    a, b = factories.member(tree["gz1"]), factories.member(tree["gz2"])
    client.force_login(gz_organiser)
    _post(client, [a, b], action="deactivate", reason="调离")
    assert list(User.objects.filter(pk__in=[a.pk, b.pk]).values_list("is_active", flat=True)) == [False, False]
    _post(client, [a], action="reactivate")
    a.refresh_from_db(), b.refresh_from_db()
    assert (a.is_active, b.is_active) == (True, False)
    # Two changes to a, one to b: one record per member per change.
    assert Activity.objects.filter(member=a).exclude(kind=Activity.Kind.MEMBER_ADDED).count() == 2
    record = Activity.objects.exclude(kind=Activity.Kind.MEMBER_ADDED).get(member=b)
    assert (record.kind, record.actor, record.reason) == (Activity.Kind.MEMBER_DEACTIVATED, gz_organiser, "调离")


def test_bulk_refuses_a_member_from_another_unit_and_changes_nobody(client, tree, gz_organiser):
    mine, outsider = factories.member(tree["gz1"]), factories.member(tree["jjj1"])
    client.force_login(gz_organiser)
    body = _post(client, [mine, outsider], action="deactivate").content.decode()
    assert "部分所选成员不在您管理的单位范围内，未作任何修改。" in body
    assert User.objects.get(pk=mine.pk).is_active and User.objects.get(pk=outsider.pk).is_active
    assert not Activity.objects.filter(kind=Activity.Kind.MEMBER_DEACTIVATED).exists()


def test_bulk_refuses_an_account_holding_a_role_beyond_the_organisers(tree, gz_organiser, gz_admin):
    mine = factories.member(tree["gz1"], real_name="王五")
    with pytest.raises(services.OrgError) as refused:
        services.members_bulk_apply(by=gz_organiser, members=[mine, gz_admin], action="deactivate")
    assert refused.value.code == "bulk_members_outside_scope"
    assert "广州管理员" in refused.value.message and "王五" not in refused.value.message
    assert User.objects.get(pk=mine.pk).is_active


def test_bulk_move_to_a_unit_outside_scope_is_refused(tree, gz_organiser):
    a = factories.member(tree["gz1"])
    with pytest.raises(services.OrgError) as refused:
        services.members_bulk_apply(by=gz_organiser, members=[a], action="move", unit=tree["jjj1"])
    assert refused.value.code == "unit_outside_scope"
    a.refresh_from_db()
    assert a.unit == tree["gz1"]


def test_organiser_cannot_grant_roles_in_bulk_but_an_administrator_can(tree, gz_organiser, gz_admin):
    a, b = factories.member(tree["gz1"]), factories.member(tree["gz2"])
    with pytest.raises(services.OrgError) as refused:
        services.members_bulk_apply(
            by=gz_organiser, members=[a, b], action="grant", unit=tree["gz1"], role=Role.ORGANISER
        )
    assert refused.value.code == "grant_not_allowed"
    assert not RoleGrant.objects.filter(user__in=[a, b]).exists()

    changed = services.members_bulk_apply(
        by=gz_admin, members=[a, b], action="grant", unit=tree["gz1"], role=Role.ORGANISER
    )
    assert changed == 2
    assert set(RoleGrant.objects.filter(role=Role.ORGANISER, unit=tree["gz1"]).values_list("user", flat=True)) == {
        a.pk,
        b.pk,
    }
    # Granting again changes nobody and logs nothing more.
    assert (
        services.members_bulk_apply(by=gz_admin, members=[a, b], action="grant", unit=tree["gz1"], role=Role.ORGANISER)
        == 0
    )
    assert Activity.objects.filter(member__in=[a, b], kind=Activity.Kind.ROLE_GRANTED).count() == 2

    assert (
        services.members_bulk_apply(by=gz_admin, members=[a], action="revoke", unit=tree["gz1"], role=Role.ORGANISER)
        == 1
    )
    assert list(RoleGrant.objects.filter(unit=tree["gz1"]).values_list("user", flat=True)) == [b.pk]


def test_administrator_from_another_unit_cannot_grant_here(tree):
    jjj_admin = factories.administrator(tree["jjj"])
    a = factories.member(tree["gz1"])
    with pytest.raises(services.OrgError) as refused:
        services.members_bulk_apply(by=jjj_admin, members=[a], action="grant", unit=tree["gz1"], role=Role.ORGANISER)
    assert refused.value.code == "unit_outside_scope"


def test_bulk_deactivating_oneself_is_refused(tree, gz_organiser):
    with pytest.raises(services.OrgError) as refused:
        services.members_bulk_apply(by=gz_organiser, members=[gz_organiser], action="deactivate")
    assert refused.value.code == "bulk_self_deactivate"


def test_bulk_with_nothing_selected_or_no_action_says_so(client, tree, gz_organiser):
    client.force_login(gz_organiser)
    body = _post(client, [], action="deactivate").content.decode()
    assert "请至少选择一名成员。" in body
    a = factories.member(tree["gz1"])
    body = _post(client, [a], action="").content.decode()
    assert "请选择对所选成员执行的操作。" in body


def test_member_list_offers_tick_boxes_only_for_accounts_the_user_may_change(client, tree, gz_organiser, gz_admin):
    mine = factories.member(tree["gz1"])
    client.force_login(gz_organiser)
    body = client.get(reverse("orgs:member_list")).content.decode()
    assert f'name="member" value="{mine.pk}" aria-label' in body
    assert f'name="member" value="{gz_admin.pk}" aria-label="广州管理员" disabled' in body


def _bulk_select(body: str, select_id: str) -> str:
    return body.split(f'id="{select_id}"')[1].split("</select>")[0]


def test_member_list_offers_granting_roles_only_to_whoever_may_grant_them_and_the_server_still_refuses(
    client, tree, gz_organiser, gz_admin
):
    """An organiser was offered "Grant a role", which then always failed: granting takes an
    administrator of the unit. Now an organiser is not offered it (nor revoking), and a grant
    posted anyway is still refused, naming why."""
    person = factories.member(tree["gz1"], real_name="李四")
    client.force_login(gz_organiser)
    actions = _bulk_select(client.get(reverse("orgs:member_list")).content.decode(), "bulk-action")
    assert 'value="move"' in actions and 'value="deactivate"' in actions
    assert 'value="grant"' not in actions and 'value="revoke"' not in actions
    body = _post(client, [person], action="grant", role="organiser", unit=tree["gz1"].pk).content.decode()
    assert "只有该单位的管理员才能授予“组织者”角色。" in body
    assert not RoleGrant.objects.filter(user=person).exists()

    client.force_login(gz_admin)
    body = client.get(reverse("orgs:member_list")).content.decode()
    actions = _bulk_select(body, "bulk-action")
    assert 'value="grant"' in actions and 'value="revoke"' in actions
    assert "data-no-grant" not in _bulk_select(body, "bulk-unit")  # administers every unit they manage


def test_an_administrator_of_one_branch_who_organises_the_office_may_grant_only_in_that_branch(client, tree):
    """Organiser of the office, administrator of its first branch: grant is offered, and the unit
    list marks every unit but the first branch as one not to grant in (the script disables those)."""
    both = factories.organiser(tree["gz"], real_name="双重角色")
    services.role_grant(user=both, role=Role.ADMINISTRATOR, unit=tree["gz1"], by=None)
    client.force_login(both)
    body = client.get(reverse("orgs:member_list")).content.decode()
    assert 'value="grant"' in _bulk_select(body, "bulk-action")
    units = _bulk_select(body, "bulk-unit")
    assert f'value="{tree["gz1"].pk}">' in units
    assert f'value="{tree["gz2"].pk}" data-no-grant>' in units
    assert f'value="{tree["gz"].pk}" data-no-grant>' in units


def test_a_members_page_shows_their_roles_and_grants_and_revokes_one_there(client, tree, gz_admin, gz_organiser):
    """An administrator adding an organiser sees and sets the role on the member's own page (it
    was granted only from the member list's bulk bar, and shown nowhere)."""
    person = factories.member(tree["gz1"], real_name="新组织者")
    page = reverse("orgs:member_detail", args=[person.pk])
    client.force_login(gz_admin)
    shown = client.get(page).content.decode()
    assert "没有组织者或管理员角色" in shown
    assert 'id="grant-form"' in shown
    response = client.post(
        reverse("orgs:member_bulk"),
        {"member": [person.pk], "action": "grant", "role": "organiser", "unit": tree["gz1"].pk, "next": page},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == page
    assert RoleGrant.objects.filter(user=person, role=Role.ORGANISER, unit=tree["gz1"]).exists()
    roles = response.content.decode().split('id="member-roles"')[1].split("</ul>")[0]
    assert "组织者" in roles and "审计署/广州特派办/第一党支部" in roles
    response = client.post(
        reverse("orgs:member_bulk"),
        {"member": [person.pk], "action": "revoke", "role": "organiser", "unit": tree["gz1"].pk, "next": page},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == page
    assert not RoleGrant.objects.filter(user=person).exists()
    # An organiser may not grant roles: the page offers no grant or revoke, and a grant posted
    # anyway is refused with a message.
    services.role_grant(user=person, role=Role.ORGANISER, unit=tree["gz2"], by=gz_admin)
    client.force_login(gz_organiser)
    shown = client.get(page).content.decode()
    assert 'id="grant-form"' not in shown and "撤销" not in shown
    assert "审计署/广州特派办/第二党支部" in shown.split('id="member-roles"')[1].split("</ul>")[0]
    RoleGrant.objects.filter(user=person).delete()
    response = client.post(
        reverse("orgs:member_bulk"),
        {"member": [person.pk], "action": "grant", "role": "organiser", "unit": tree["gz1"].pk, "next": page},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == page
    assert not RoleGrant.objects.filter(user=person).exists()
    assert 'class="alert' in response.content.decode()


@pytest.mark.parametrize(
    ("language", "done", "left"),
    [
        ("zh-hans", "已将 1 名成员调整到审计署/广州特派办/第二党支部。", "所选成员中有 2 名本已如此，未作改动。"),
        ("en", "Moved 1 member to 审计署/广州特派办/第二党支部.", "2 selected members were already so and were left"),
    ],
)
def test_a_bulk_move_says_what_it_did_and_how_many_needed_no_change(client, tree, gz_organiser, language, done, left):
    moving = factories.member(tree["gz1"])
    already_there = [factories.member(tree["gz2"]), factories.member(tree["gz2"])]
    client.force_login(gz_organiser)
    client.cookies["django_language"] = language

    shown = _post(client, [moving, *already_there], action="move", unit=tree["gz2"].pk).content.decode()

    assert done in shown and left in shown
    assert "已修改" not in shown and "Changed" not in shown


def test_granting_a_role_on_the_members_page_names_the_role_and_the_unit(client, tree, gz_admin):
    person = factories.member(tree["gz1"])
    client.force_login(gz_admin)
    client.cookies["django_language"] = "en"
    fields = {"action": "grant", "role": "organiser", "unit": tree["gz1"].pk}

    shown = _post(client, [person], **fields).content.decode()
    assert "Granted the Organiser role in 审计署/广州特派办/第一党支部 to 1 member." in shown

    again = _post(client, [person], **fields).content.decode()
    assert "Nothing changed: every selected member was already so." in again


def _ticked_member_ids(body: str) -> set[int]:
    return {int(pk) for pk in re.findall(r'<input[^>]*name="member" value="(\d+)"[^>]* checked', body)}


def test_a_refused_bulk_action_keeps_the_ticked_members_and_the_chosen_fields_once(client, tree, gz_organiser):
    a = factories.member(tree["gz1"], real_name="新甲")
    b = factories.member(tree["gz1"], real_name="新乙")
    factories.member(tree["gz1"], real_name="新丙")
    client.force_login(gz_organiser)
    listed = reverse("orgs:member_list") + "?q=%E6%96%B0"  # ?q=新, as the search form sends it
    response = client.post(
        reverse("orgs:member_bulk"),
        {"member": [a.pk, b.pk], "action": "move", "unit": "", "reason": "支部调整", "next": listed},
        follow=True,
    )
    body = response.content.decode()
    assert response.redirect_chain[-1][0] == listed
    assert "请选择单位。" in body
    assert _ticked_member_ids(body) == {a.pk, b.pk}
    assert '<option value="move" selected>' in body
    assert 'id="bulk-reason" maxlength="200" value="支部调整"' in body
    assert User.objects.get(pk=a.pk).unit == tree["gz1"]
    # Shown again once: the next visit to the list starts clean.
    body = client.get(listed).content.decode()
    assert _ticked_member_ids(body) == set()
    assert '<option value="move" selected>' not in body


def test_a_bulk_action_refused_by_the_form_keeps_the_ticks_too(client, tree, gz_organiser):
    a = factories.member(tree["gz1"])
    client.force_login(gz_organiser)
    body = _post(client, [a], action="").content.decode()
    assert "请选择对所选成员执行的操作。" in body
    assert _ticked_member_ids(body) == {a.pk}
