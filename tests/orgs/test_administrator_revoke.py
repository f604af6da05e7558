"""An administrator revoked their own administrator role in a bulk action and left their organ
with none ("Revoked", 302): nobody was left to grant the role again. One's own administrator
role, and the last administrator grant covering a unit, are refused now."""

import pytest
from django.urls import reverse

from orgs import services
from orgs.models import Activity, Role, RoleGrant
from tests import factories

pytestmark = pytest.mark.django_db


def _grants(role=Role.ADMINISTRATOR):
    return sorted(RoleGrant.objects.filter(role=role).values_list("user_id", "unit_id"))


def test_an_administrator_cannot_revoke_their_own_role_in_a_bulk_action(client, tree):
    chief = factories.administrator(tree["audit"], real_name="王主任")
    deputy = factories.administrator(tree["audit"])  # another administrator: not the last one
    before = _grants()
    client.force_login(chief)
    response = client.post(
        reverse("orgs:member_bulk"),
        {"member": [chief.pk], "action": "revoke", "role": "administrator", "unit": tree["audit"].pk},
        HTTP_ACCEPT_LANGUAGE="en",
        follow=True,
    )
    assert "You cannot revoke your own administrator role." in response.content.decode()
    assert _grants() == before and deputy.pk in dict(before)
    assert not Activity.objects.filter(kind=Activity.Kind.ROLE_REVOKED).exists()


def test_the_last_administrator_of_a_unit_cannot_be_revoked(tree):
    chief = factories.administrator(tree["audit"])
    gz_admin = factories.administrator(tree["gz"])
    # 广州特派办's administrator is covered by 审计署's too: revoking it leaves one over the unit.
    services.role_revoke(user=gz_admin, role=Role.ADMINISTRATOR, unit=tree["gz"], by=chief)
    assert not RoleGrant.objects.filter(user=gz_admin).exists()
    # 审计署's only administrator grant: a superuser's revoke (by someone else) is refused too.
    root = factories.member(tree["mof"])
    with pytest.raises(services.OrgError) as error:
        services.role_revoke(user=chief, role=Role.ADMINISTRATOR, unit=tree["audit"], by=root)
    assert error.value.code == "last_administrator"
    assert RoleGrant.objects.filter(user=chief, role=Role.ADMINISTRATOR, unit=tree["audit"]).exists()


def test_a_deactivated_administrator_does_not_count_and_a_bulk_revoke_of_all_is_refused(tree):
    a, b = factories.administrator(tree["gz"]), factories.administrator(tree["gz"])
    chief = factories.administrator(tree["audit"])
    RoleGrant.objects.filter(user=chief).delete()  # no administrator above 广州特派办
    boss = factories.member(tree["mof"])
    boss.is_superuser = True
    boss.save()
    services.role_grant(user=boss, role=Role.ADMINISTRATOR, unit=tree["gz1"], by=None)  # below 广州特派办, not over it
    with pytest.raises(services.OrgError) as error:
        services.members_bulk_apply(by=boss, members=[a, b], action="revoke", unit=tree["gz"], role=Role.ADMINISTRATOR)
    assert error.value.code == "last_administrator"
    assert RoleGrant.objects.filter(unit=tree["gz"], role=Role.ADMINISTRATOR).count() == 2
    # Revoking b leaves a (2 grants - 1 = 1); then a is the last one.
    services.role_revoke(user=b, role=Role.ADMINISTRATOR, unit=tree["gz"], by=None)
    with pytest.raises(services.OrgError) as error:
        services.role_revoke(user=a, role=Role.ADMINISTRATOR, unit=tree["gz"], by=None)
    assert error.value.code == "last_administrator"
    # A deactivated administrator is no administrator: with c deactivated, a is still the last.
    c = factories.administrator(tree["gz"])
    services.member_active_set(member=c, active=False, by=None)
    with pytest.raises(services.OrgError):
        services.role_revoke(user=a, role=Role.ADMINISTRATOR, unit=tree["gz"], by=None)
    assert RoleGrant.objects.filter(user=a, unit=tree["gz"], role=Role.ADMINISTRATOR).exists()


def test_organiser_roles_are_revoked_as_before(tree):
    chief = factories.administrator(tree["audit"])
    services.role_grant(user=chief, role=Role.ORGANISER, unit=tree["audit"], by=None)
    services.role_revoke(user=chief, role=Role.ORGANISER, unit=tree["audit"], by=chief)  # one's own organiser role
    assert _grants(Role.ORGANISER) == []
