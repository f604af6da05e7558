import pytest
from django.urls import reverse

from orgs.models import MemberPlacement, RoleGrant
from tests import factories


def test_organiser_cannot_open_or_edit_a_member_outside_their_subtree_in_admin(client, tree, gz_organiser):
    outsider = factories.member(tree["jjj1"], real_name="李四光")
    client.force_login(gz_organiser)
    url = reverse("admin:orgs_user_change", args=[outsider.pk])
    assert client.get(url).status_code in (302, 403, 404)
    client.post(url, {"username": outsider.username, "real_name": "改名", "unit": tree["gz1"].pk})
    outsider.refresh_from_db()
    assert outsider.real_name == "李四光" and outsider.unit == tree["jjj1"]


def test_admin_unit_change_records_the_move(client, tree, django_user_model):
    root = django_user_model.objects.create_superuser("root", password="x-long-password-1")
    client.force_login(root)
    response = client.post(
        reverse("admin:orgs_unit_change", args=[tree["gz2"].pk]),
        {"name": "第二党支部", "kind": "branch", "ends_on": "", "parent": tree["jjj"].pk, "reason": "改革"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    tree["gz2"].refresh_from_db()
    assert tree["gz2"].full_path == "审计署/京津冀特派办/第二党支部"


def test_admin_refuses_a_unit_move_into_its_own_subtree(client, tree, django_user_model):
    root = django_user_model.objects.create_superuser("root", password="x-long-password-1")
    client.force_login(root)
    response = client.post(
        reverse("admin:orgs_unit_change", args=[tree["gz"].pk]),
        {"name": "广州特派办", "kind": "office", "ends_on": "", "parent": tree["gz1"].pk},
    )
    assert response.status_code == 200 and response.context["adminform"].form.errors["parent"]


def test_admin_member_unit_change_lands_in_history(client, tree, django_user_model):
    person = factories.member(tree["gz1"])
    client.force_login(django_user_model.objects.create_superuser("root", password="x-long-password-1"))
    url = reverse("admin:orgs_user_change", args=[person.pk])
    form = client.get(url).context["adminform"].form
    data = {
        k: v for k, v in form.initial.items() if v is not None and k not in ("password", "last_login", "date_joined")
    }
    data.update(unit=tree["gz2"].pk, is_active="on", is_party_member="on")
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert MemberPlacement.objects.filter(member=person).latest("effective_at").unit == tree["gz2"]


def test_placement_history_is_read_only_in_admin(client, tree, django_user_model):
    root = django_user_model.objects.create_superuser("root", password="x-long-password-1")
    person = factories.member(tree["gz1"])
    placement = MemberPlacement.objects.get(member=person)
    client.force_login(root)
    assert client.get(reverse("admin:orgs_memberplacement_change", args=[placement.pk])).status_code == 200
    client.post(reverse("admin:orgs_memberplacement_delete", args=[placement.pk]), {"post": "yes"})
    assert MemberPlacement.objects.filter(pk=placement.pk).exists()


def test_plain_member_cannot_enter_the_admin(client, tree):
    client.force_login(factories.member(tree["gz1"]))
    assert client.get(reverse("admin:index")).status_code == 302


@pytest.mark.parametrize("who", ["organiser", "administrator", "staff"])
def test_the_admin_is_for_superusers_only(client, tree, who):
    """Organisers could open /admin/ and met its untranslated model names; the product's pages
    cover everything they manage. Every admin page sends them to the product's refusal, in words,
    and a form posted there saves nothing."""
    person = factories.member(tree["gz1"], real_name="张三丰")
    if who == "organiser":
        user = factories.organiser(tree["gz"])
    elif who == "administrator":
        user = factories.administrator(tree["audit"])
    else:
        user = factories.member(tree["gz1"])
        type(user).objects.filter(pk=user.pk).update(is_staff=True)
    client.force_login(user)
    client.cookies["django_language"] = "zh-hans"
    for url in (
        reverse("admin:index"),
        reverse("admin:orgs_user_changelist"),
        reverse("admin:orgs_user_change", args=[person.pk]),
        reverse("admin:orgs_unit_changelist"),
        reverse("admin:contests_contest_add"),
        reverse("admin:autocomplete"),
    ):
        response = client.get(url, follow=True)
        assert response.status_code == 403, url
        page = response.content.decode()
        assert "管理后台仅供平台超级用户使用" in page and "张三丰" not in page, url
    response = client.post(
        reverse("admin:orgs_rolegrant_add"), {"user": person.pk, "role": "organiser", "unit": tree["gz1"].pk}
    )
    assert response.status_code == 302
    assert not RoleGrant.objects.filter(user=person).exists()


def test_a_superuser_still_enters_the_admin(client, tree, django_user_model):
    factories.member(tree["gz1"], real_name="张三丰")
    client.force_login(django_user_model.objects.create_superuser("root", password="x-long-password-1"))
    assert client.get(reverse("admin:index")).status_code == 200
    assert "张三丰" in client.get(reverse("admin:orgs_user_changelist")).content.decode()
