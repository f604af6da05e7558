"""The unit pages: add, rename, move, close and delete units without the Django admin."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from orgs.models import Unit, UnitPlacement
from orgs.selectors import unit_by_path, unit_path_on
from tests import factories


def test_organiser_adds_a_branch_under_their_office(client, tree, gz_organiser):
    client.force_login(gz_organiser)
    response = client.post(
        reverse("orgs:unit_add"), {"parent": tree["gz"].pk, "name": "第三党支部", "kind": "branch", "ends_on": ""}
    )
    assert response.status_code == 302
    added = unit_by_path("审计署/广州特派办/第三党支部")
    assert added is not None and added.kind == "branch"
    history = list(UnitPlacement.objects.filter(unit=added))
    assert [(p.name, p.parent_id, p.recorded_by_id) for p in history] == [
        ("第三党支部", tree["gz"].pk, gz_organiser.pk)
    ]


def test_the_add_page_offers_parents_by_path_and_kinds_as_a_select(client, tree, gz_organiser):
    client.force_login(gz_organiser)
    body = client.get(reverse("orgs:unit_add")).content.decode()
    assert f'<option value="{tree["gz"].pk}">审计署/广州特派办</option>' in body
    # A party branch holds no units, so it is not offered (test_unit_kind_order).
    assert "审计署/广州特派办/第一党支部" not in body
    assert "审计署/京津冀特派办" not in body
    assert '<select name="kind"' in body and "临时党支部" in body


def test_a_parent_outside_the_subtree_is_refused_and_nothing_is_added(client, tree, gz_organiser):
    client.force_login(gz_organiser)
    before = Unit.objects.count()
    response = client.post(reverse("orgs:unit_add"), {"parent": tree["jjj"].pk, "name": "伪造支部", "kind": "branch"})
    assert response.status_code == 200
    assert "该单位不在您管理的单位范围内。" in response.content.decode()
    assert Unit.objects.count() == before


def test_an_organiser_cannot_add_a_sibling_of_their_own_root(client, tree, gz_organiser):
    client.force_login(gz_organiser)
    before = Unit.objects.count()
    # The parent of 广州特派办 is 审计署, above the organiser's grant; a top-level unit needs no parent.
    for parent in (tree["audit"].pk, ""):
        response = client.post(reverse("orgs:unit_add"), {"parent": parent, "name": "新特派办", "kind": "office"})
        assert response.status_code == 200
        assert response.context["form"].errors["parent"]
    assert Unit.objects.count() == before


def test_a_duplicate_name_under_the_same_parent_is_refused(client, tree, gz_organiser):
    client.force_login(gz_organiser)
    before = Unit.objects.count()
    response = client.post(reverse("orgs:unit_add"), {"parent": tree["gz"].pk, "name": "第一党支部", "kind": "branch"})
    assert response.status_code == 200
    assert "此处已有名为“第一党支部”的单位。" in response.content.decode()
    assert Unit.objects.count() == before


def test_renaming_a_unit_appends_to_its_history(client, tree, gz_organiser):
    client.force_login(gz_organiser)
    unit = tree["gz2"]
    response = client.post(
        reverse("orgs:unit_detail", args=[unit.pk]),
        {"name": "综合党支部", "kind": "branch", "ends_on": "", "reason": "合并"},
    )
    assert response.status_code == 302
    unit.refresh_from_db()
    assert unit.name == "综合党支部"
    assert list(UnitPlacement.objects.filter(unit=unit).values_list("name", "reason")) == [
        ("第二党支部", ""),
        ("综合党支部", "合并"),
    ]


def test_renaming_to_a_sibling_name_is_refused(client, tree, gz_organiser):
    client.force_login(gz_organiser)
    response = client.post(
        reverse("orgs:unit_detail", args=[tree["gz2"].pk]), {"name": "第一党支部", "kind": "branch", "ends_on": ""}
    )
    assert response.status_code == 200
    tree["gz2"].refresh_from_db()
    assert tree["gz2"].name == "第二党支部"


def test_moving_a_unit_changes_its_path_and_keeps_the_old_one_in_history(client, tree, gz_organiser):
    client.force_login(gz_organiser)
    moved = tree["gz2"]
    # A department to take the branch: a party branch holds no units (test_unit_kind_order).
    department = factories.unit_at("审计署/广州特派办/综合处", kind="department")
    before_move = UnitPlacement.objects.get(unit=moved).effective_at
    response = client.post(
        reverse("orgs:unit_move", args=[moved.pk]), {"move-parent": department.pk, "move-reason": "改为下属"}
    )
    assert response.status_code == 302
    moved.refresh_from_db()
    assert moved.full_path == "审计署/广州特派办/综合处/第二党支部"
    assert unit_path_on(moved, before_move) == "审计署/广州特派办/第二党支部"
    last = UnitPlacement.objects.filter(unit=moved).last()
    assert (last.parent_id, last.reason) == (department.pk, "改为下属")


def test_moving_a_unit_under_its_own_descendant_is_refused(client, tree, gz_organiser):
    client.force_login(gz_organiser)
    department = factories.unit_at("审计署/广州特派办/综合处", kind="department")
    child = factories.unit_at("审计署/广州特派办/综合处/一科", kind="department")
    response = client.post(reverse("orgs:unit_move", args=[department.pk]), {"move-parent": child.pk})
    assert response.status_code == 200
    assert "单位不能移动到自身或其下级单位之下。" in response.content.decode()
    department.refresh_from_db()
    assert department.full_path == "审计署/广州特派办/综合处"
    assert UnitPlacement.objects.filter(unit=department).count() == 1


def test_moving_to_a_parent_outside_the_subtree_is_refused(client, tree, gz_organiser):
    client.force_login(gz_organiser)
    response = client.post(reverse("orgs:unit_move", args=[tree["gz1"].pk]), {"move-parent": tree["jjj"].pk})
    assert response.status_code == 200
    tree["gz1"].refresh_from_db()
    assert tree["gz1"].full_path == "审计署/广州特派办/第一党支部"


def test_an_organiser_cannot_move_or_delete_the_unit_their_role_is_on(client, tree):
    organiser = factories.organiser(tree["gz1"])
    client.force_login(organiser)
    assert (
        client.post(reverse("orgs:unit_move", args=[tree["gz1"].pk]), {"move-parent": tree["gz1"].pk}).status_code
        == 403
    )
    assert client.post(reverse("orgs:unit_delete", args=[tree["gz1"].pk])).status_code == 403
    assert client.get(reverse("orgs:unit_detail", args=[tree["gz1"].pk])).status_code == 200


def test_a_unit_outside_the_subtree_cannot_be_opened_or_changed(client, tree, gz_organiser):
    client.force_login(gz_organiser)
    assert client.get(reverse("orgs:unit_detail", args=[tree["jjj1"].pk])).status_code == 404  # not there
    assert client.post(reverse("orgs:unit_close", args=[tree["jjj1"].pk])).status_code == 404
    assert client.get(reverse("orgs:unit_detail", args=[tree["audit"].pk])).status_code == 403  # above: seen
    tree["jjj1"].refresh_from_db()
    assert tree["jjj1"].ends_on is None


def test_deleting_an_empty_unit_removes_it(client, tree, gz_organiser):
    client.force_login(gz_organiser)
    empty = factories.unit_at("审计署/广州特派办/临时小组")
    response = client.post(reverse("orgs:unit_delete", args=[empty.pk]))
    assert response.status_code == 302
    assert not Unit.objects.filter(pk=empty.pk).exists()
    tree["gz"].refresh_from_db()
    assert [u.name for u in tree["gz"].child_units().order_by("path")] == ["第一党支部", "第二党支部"]


def test_deleting_a_unit_with_members_is_refused_and_suggests_closing(client, tree, gz_organiser):
    factories.member(tree["gz2"])
    client.force_login(gz_organiser)
    response = client.post(reverse("orgs:unit_delete", args=[tree["gz2"].pk]), follow=True)
    assert "“第二党支部”有成员，不能删除。请改为撤销：它会保留在以往的结果中。" in response.content.decode()
    assert Unit.objects.filter(pk=tree["gz2"].pk).exists()


def test_closing_a_unit_sets_its_end_date_to_today(client, tree, gz_organiser):
    factories.member(tree["gz2"])
    client.force_login(gz_organiser)
    response = client.post(reverse("orgs:unit_close", args=[tree["gz2"].pk]))
    assert response.status_code == 302
    tree["gz2"].refresh_from_db()
    assert tree["gz2"].ends_on == timezone.localdate()
    assert tree["gz2"].members.count() == 1


def test_the_tree_page_links_to_the_unit_pages_not_the_admin(client, tree, gz_organiser):
    client.force_login(gz_organiser)
    body = client.get(reverse("orgs:unit_tree")).content.decode()
    assert reverse("orgs:unit_add") in body
    assert reverse("orgs:unit_detail", args=[tree["gz1"].pk]) in body
    assert "/admin/" not in body


def test_closed_units_are_not_offered_for_new_choices_but_a_chosen_one_stays(client, tree, gz_organiser):
    from django import forms

    from orgs.forms import UnitChoiceField

    today = timezone.localdate()
    Unit.objects.filter(pk=tree["gz2"].pk).update(ends_on=today - timedelta(days=1))  # closed yesterday
    Unit.objects.filter(pk=tree["gz1"].pk).update(ends_on=today)  # a temporary branch's last day: still open

    class UnitForm(forms.Form):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.fields["unit"] = UnitChoiceField(user=gz_organiser)

    closed, last_day = (f'value="{tree[name].pk}"' for name in ("gz2", "gz1"))
    offered = str(UnitForm()["unit"])
    assert closed not in offered and last_day in offered
    # A paper, bank or member of the closed unit still shows and saves its unit.
    assert f"{closed} selected" in str(UnitForm(initial={"unit": tree["gz2"].pk})["unit"])
    assert UnitForm({"unit": tree["gz2"].pk}, initial={"unit": tree["gz2"].pk}).is_valid()
    assert not UnitForm({"unit": tree["gz2"].pk}).is_valid()  # not as a new choice

    client.force_login(gz_organiser)
    bank_page = client.get(reverse("lessons:bank_list")).content.decode()
    assert closed not in bank_page and last_day in bank_page
