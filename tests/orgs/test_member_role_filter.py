"""The member list's role filter and role badges: who holds which role, where, without /admin/."""

import pytest
from django.urls import reverse

from orgs import services
from orgs.models import Role
from tests import factories

URL = reverse("orgs:member_list")


@pytest.fixture
def gz_admin(tree):
    return factories.administrator(tree["gz"], username="gz-admin", real_name="广州管理员")


def _names(client, **query) -> list[str]:
    return [member.display_name for member in client.get(URL, query).context["page"]]


def test_the_role_filter_lists_the_organisers_or_the_administrators_in_view(client, tree, gz_admin):
    li = factories.organiser(tree["gz1"], real_name="李组织")
    factories.member(tree["gz1"], real_name="张成员")
    factories.organiser(tree["jjj1"], real_name="京津冀组织")  # outside 广州特派办: never listed
    chen = factories.member(tree["gz2"], real_name="陈管理")
    services.role_grant(user=chen, role=Role.ADMINISTRATOR, unit=tree["gz2"], by=gz_admin)
    client.force_login(gz_admin)
    assert _names(client, role="organiser") == [li.display_name]
    assert sorted(_names(client, role="administrator")) == sorted(["广州管理员", "陈管理"])
    # An unknown role filters nothing: all four members of 广州特派办's subtree.
    assert len(_names(client, role="secretary")) == 4


def test_each_members_roles_show_as_badges_with_their_unit_in_both_languages(client, tree, gz_admin):
    li = factories.organiser(tree["gz1"], real_name="李组织")
    services.role_grant(user=li, role=Role.ADMINISTRATOR, unit=tree["gz2"], by=gz_admin)
    client.force_login(gz_admin)
    page = client.get(URL, {"q": "李组织"}).content.decode()
    assert "组织者 · 第一党支部</span>" in page and "管理员 · 第二党支部</span>" in page
    client.cookies["django_language"] = "en"
    page = client.get(URL, {"q": "李组织"}).content.decode()
    assert "Organiser · 第一党支部</span>" in page and "Administrator · 第二党支部</span>" in page


def test_roles_held_in_another_organ_are_neither_badges_nor_filtered_on(client, tree):
    """An attacker walk found 财政部's administrator's ?role=organiser listing a member of 财政部
    with "Organiser · First Party Branch", a grant in 审计署 (the filter and the badges read grants
    on any unit)."""
    mof_admin = factories.administrator(tree["mof"], username="mof-admin", real_name="财政部管理员")
    both = factories.member(tree["budget"], real_name="两处任职")
    services.role_grant(user=both, role=Role.ORGANISER, unit=tree["gz1"], by=None)  # in 审计署
    client.force_login(mof_admin)
    client.cookies["django_language"] = "en"
    assert _names(client, role="organiser") == []  # no organiser grant in 财政部
    page = client.get(URL, {"q": "两处任职"}).content.decode()
    assert "两处任职" in page and "First Party Branch" not in page and "第一党支部" not in page
    # A grant in 财政部 shows, and the filter finds them by it.
    services.role_grant(user=both, role=Role.ORGANISER, unit=tree["budget"], by=mof_admin)
    assert _names(client, role="organiser") == ["两处任职"]
    page = client.get(URL, {"q": "两处任职"}).content.decode()
    assert "Organiser · 预算司</span>" in page and "第一党支部" not in page
