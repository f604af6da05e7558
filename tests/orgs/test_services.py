from datetime import date, datetime, timedelta

import pytest
from django.db import IntegrityError
from django.utils import timezone

from orgs import services
from orgs.models import MemberPlacement, Unit, UnitPlacement
from orgs.selectors import member_unit_on, unit_by_path, unit_path_on, unit_paths, unit_tree_rows
from tests import factories


def test_unit_paths_resolve_through_the_tree(tree):
    assert unit_by_path("审计署/广州特派办/第一党支部") == tree["gz1"]
    assert unit_by_path(" 审计署 / 广州特派办 ") == tree["gz"]
    assert unit_by_path("审计署/不存在") is None
    assert unit_by_path("") is None
    assert tree["gz1"].full_path == "审计署/广州特派办/第一党支部"
    assert unit_paths([tree["gz1"], tree["budget"]]) == {
        tree["gz1"].pk: "审计署/广州特派办/第一党支部",
        tree["budget"].pk: "财政部/预算司",
    }


def test_subtree_is_one_prefix_query(tree, django_assert_num_queries):
    with django_assert_num_queries(1):
        names = set(Unit.objects.filter(path__startswith=tree["gz"].path).values_list("name", flat=True))
    assert names == {"广州特派办", "第一党支部", "第二党支部"}


def test_sibling_unit_names_are_unique_but_cousins_may_share(tree):
    with pytest.raises(services.OrgError) as refused:
        services.unit_create(name="第一党支部", kind="branch", parent=tree["gz"])
    assert refused.value.code == "unit_name_taken"
    cousin = services.unit_create(name="第一党支部", kind="branch", parent=tree["jjj"])
    assert cousin.full_path == "审计署/京津冀特派办/第一党支部"


def test_temporary_branch_needs_an_end_date(tree):
    with pytest.raises(services.OrgError) as refused:
        services.unit_create(name="审计组临时党支部", kind="temporary_branch", parent=tree["gz"])
    assert refused.value.code == "temporary_needs_end"
    team = services.unit_create(
        name="审计组临时党支部", kind="temporary_branch", parent=tree["gz"], ends_on=date(2027, 3, 31)
    )
    assert team.ends_on == date(2027, 3, 31)


def test_database_refuses_a_temporary_branch_without_end_date(tree):
    with pytest.raises(IntegrityError):
        Unit.objects.add_child(tree["gz"], {"name": "直接写入", "kind": "temporary_branch"})


def test_unit_names_cannot_contain_the_path_separator(tree):
    with pytest.raises(services.OrgError) as refused:
        services.unit_create(name="a/b", kind="branch", parent=tree["gz"])
    assert refused.value.code == "unit_name_slash"


def test_moving_a_member_keeps_the_unit_they_were_in_on_each_date(tree):
    start = timezone.make_aware(datetime(2026, 1, 10, 9, 0))
    person = services.member_create(username="wangwei", real_name="王伟", employee_no="100", unit=tree["gz1"], at=start)
    services.member_move(member=person, unit=tree["jjj1"], reason="调动", at=start + timedelta(days=50))

    assert member_unit_on(person, date(2026, 1, 9)) is None
    assert member_unit_on(person, date(2026, 1, 10)) == tree["gz1"]
    assert member_unit_on(person, date(2026, 2, 28)) == tree["gz1"]
    assert member_unit_on(person, date(2026, 3, 1)) == tree["jjj1"]
    assert person.unit == tree["jjj1"]
    assert MemberPlacement.objects.filter(member=person).count() == 2


def test_moving_a_member_to_the_same_unit_records_nothing(tree):
    person = factories.member(tree["gz1"])
    services.member_move(member=person, unit=tree["gz1"])
    assert MemberPlacement.objects.filter(member=person).count() == 1


def test_moving_a_unit_keeps_its_old_path_answerable(tree):
    before = timezone.now()
    moved = services.unit_move(unit=tree["gz2"], new_parent=tree["jjj"], reason="机构改革")
    after = timezone.now()

    assert moved.full_path == "审计署/京津冀特派办/第二党支部"
    assert unit_path_on(moved, before) == "审计署/广州特派办/第二党支部"
    assert unit_path_on(moved, after) == "审计署/京津冀特派办/第二党支部"
    # The members went with their unit.
    assert Unit.objects.get_descendant_count(Unit.objects.get(pk=tree["gz"].pk)) == 1


def test_renaming_a_unit_keeps_the_old_name_in_history(tree):
    before = timezone.now()
    services.unit_update(unit=tree["gz"], name="广东特派办", kind="office")
    assert unit_path_on(tree["gz1"], before) == "审计署/广州特派办/第一党支部"
    assert unit_path_on(tree["gz1"], timezone.now()) == "审计署/广东特派办/第一党支部"
    assert UnitPlacement.objects.filter(unit=tree["gz"]).count() == 2


def test_a_unit_cannot_move_under_its_own_subtree(tree):
    with pytest.raises(services.OrgError) as refused:
        services.unit_move(unit=tree["gz"], new_parent=tree["gz1"])
    assert refused.value.code == "unit_move_cycle"
    assert Unit.objects.get(pk=tree["gz1"].pk).full_path == "审计署/广州特派办/第一党支部"


def test_a_unit_can_become_a_root(tree):
    moved = services.unit_move(unit=tree["budget"], new_parent=None)
    assert moved.is_root()
    assert unit_by_path("预算司") == moved


def test_employee_numbers_are_unique(tree):
    factories.member(tree["gz1"], employee_no="555")
    with pytest.raises(services.OrgError) as refused:
        factories.member(tree["gz2"], employee_no="555")
    assert refused.value.code == "employee_no_taken"


def test_unit_tree_rows_count_members_in_each_subtree(tree, gz_organiser):
    factories.member(tree["gz1"])
    factories.member(tree["gz1"])
    factories.member(tree["gz2"])
    factories.member(tree["jjj1"])
    rows = {row.unit.name: row for row in unit_tree_rows(gz_organiser)}
    assert set(rows) == {"广州特派办", "第一党支部", "第二党支部"}
    assert rows["广州特派办"].subtree_members == 4  # three members and the organiser
    assert rows["广州特派办"].depth == 0 and rows["第一党支部"].depth == 1
    assert rows["第一党支部"].direct_members == 2


def test_a_units_lineage_is_its_own_path_and_every_path_above_it_root_first(tree):
    branch = tree["gz1"]
    assert branch.lineage_paths() == [tree["audit"].path, tree["gz"].path, branch.path]
    assert tree["mof"].lineage_paths() == [tree["mof"].path]
    assert set(Unit.objects.filter(path__in=branch.lineage_paths())) == {tree["audit"], tree["gz"], branch}
