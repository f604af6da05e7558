import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from orgs import access, services
from orgs.models import Role
from tests import factories


def test_organiser_manages_exactly_their_subtree(tree, gz_organiser):
    inside = factories.member(tree["gz1"])
    outside = factories.member(tree["jjj1"])
    assert access.can_manage_unit(gz_organiser, tree["gz2"])
    assert not access.can_manage_unit(gz_organiser, tree["audit"])
    assert not access.can_manage_unit(gz_organiser, tree["jjj"])
    members = set(access.managed_members(gz_organiser))
    assert inside in members and outside not in members
    assert access.access_member(gz_organiser, inside.pk) == inside
    with pytest.raises(Http404):  # another office's member: not found, as a missing id
        access.access_member(gz_organiser, outside.pk)


def test_plain_member_manages_nothing_but_may_see_themselves(tree):
    person = factories.member(tree["gz1"])
    neighbour = factories.member(tree["gz1"])
    assert not access.is_manager(person)
    assert list(access.managed_units(person)) == []
    assert access.access_member(person, person.pk, manage=False) == person
    with pytest.raises(PermissionDenied):
        access.access_member(person, neighbour.pk, manage=False)


def test_grants_on_nested_units_do_not_double_count(tree):
    user = factories.organiser(tree["audit"])
    services.role_grant(user=user, role=Role.ORGANISER, unit=tree["gz"], by=None)
    services.role_grant(user=user, role=Role.ORGANISER, unit=tree["mof"], by=None)
    access.forget_grants(user)
    assert {u.name for u in access.managed_root_units(user)} == {"审计署", "财政部"}
    assert access.managed_units(user).count() == 8


def test_only_administrators_may_grant_managing_roles(tree, gz_organiser):
    admin = factories.administrator(tree["audit"])
    with pytest.raises(PermissionDenied):
        access.check_can_grant(gz_organiser, role=Role.ORGANISER, unit=tree["gz1"])
    access.check_can_grant(admin, role=Role.ORGANISER, unit=tree["gz1"])
    with pytest.raises(PermissionDenied):
        access.check_can_grant(admin, role=Role.ADMINISTRATOR, unit=tree["mof"])


def test_superuser_manages_everything(tree, django_user_model):
    root = django_user_model.objects.create_superuser("root", password="x-long-password-1")
    assert access.managed_units(root).count() == 8
    assert access.can_administer_unit(root, tree["budget"])


def test_access_layer_answers_from_one_grants_query(tree, gz_organiser, django_assert_num_queries):
    access.forget_grants(gz_organiser)
    with django_assert_num_queries(1):
        for unit in tree.values():
            access.can_manage_unit(gz_organiser, unit)
