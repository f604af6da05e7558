from django.urls import reverse

from orgs.models import MemberPlacement, RoleGrant
from tests import factories


def test_organiser_can_enter_the_admin_and_sees_only_their_subtree(client, tree, gz_organiser):
    factories.member(tree["gz1"], real_name="张三丰")
    factories.member(tree["jjj1"], real_name="李四光")
    client.force_login(gz_organiser)
    assert client.get(reverse("admin:index")).status_code == 200
    body = client.get(reverse("admin:orgs_user_changelist")).content.decode()
    assert "张三丰" in body and "李四光" not in body
    units = client.get(reverse("admin:orgs_unit_changelist")).content.decode()
    assert "第一党支部" in units and "财政部" not in units


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


def test_admin_member_unit_change_lands_in_history(client, tree, gz_organiser):
    person = factories.member(tree["gz1"])
    client.force_login(gz_organiser)
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


def test_organiser_cannot_grant_roles_in_admin(client, tree, gz_organiser):
    person = factories.member(tree["gz1"])
    client.force_login(gz_organiser)
    response = client.post(
        reverse("admin:orgs_rolegrant_add"), {"user": person.pk, "role": "organiser", "unit": tree["gz1"].pk}
    )
    assert response.status_code == 403
    assert not RoleGrant.objects.filter(user=person).exists()


def test_plain_member_cannot_enter_the_admin(client, tree):
    client.force_login(factories.member(tree["gz1"]))
    assert client.get(reverse("admin:index")).status_code == 302


def test_organisers_see_and_edit_the_inlines_of_what_they_manage(client, tree, gz_organiser):
    from contests import services as contest_services

    contest = contest_services.contest_create(title="支部竞赛", unit=tree["gz1"], by=gz_organiser)
    client.force_login(gz_organiser)
    page = client.get(f"/admin/contests/contest/{contest.pk}/change/").content.decode()
    assert "teams-TOTAL_FORMS" in page and "rounds-TOTAL_FORMS" in page
    outside = contest_services.contest_create(title="别处竞赛", unit=tree["budget"], by=None)
    assert client.get(f"/admin/contests/contest/{outside.pk}/change/").status_code in (302, 403)
