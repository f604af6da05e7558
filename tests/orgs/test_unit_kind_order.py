"""The unit tree keeps the order of unit kinds: organ > office / bureau > department > general
Party branch (党总支) > (temporary) party branch, levels skipped or repeated, a 党总支 holding
party branches only and a party branch no units. Creating, moving and changing a unit's kind keep
it, on the pages, in the admin and in the services; a tree saved before the rule still shows and
saves edits that do not put another pair out of order."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from orgs import services
from orgs.models import Activity, Unit, UnitPlacement
from tests import factories

ORGAN, OFFICE, DEPARTMENT, BRANCH, TEMPORARY = "organ", "office", "department", "branch", "temporary_branch"
GENERAL = "general_branch"

# The tester's report, in both languages: a department posted under a party branch.
UNDER_BRANCH = {
    "zh-hans": "“支部下的处室”（处室）不能设在“综合科党支部”（党支部）之下：党支部（含临时党支部）不设下级单位。",
    "en": "“支部下的处室” (Department) cannot go under “综合科党支部” (Party branch): a party branch, temporary"
    " or not, has no subunits.",
}


@pytest.mark.parametrize(
    ("parent", "child", "allowed"),
    [
        (ORGAN, ORGAN, True),  # 中央和国家机关 holds ministries
        (ORGAN, OFFICE, True),
        (ORGAN, DEPARTMENT, True),
        (ORGAN, BRANCH, True),  # 机关党委's branches under the organ
        (ORGAN, TEMPORARY, True),
        (OFFICE, ORGAN, False),
        (OFFICE, OFFICE, True),  # 财政部系统 holding 税政司
        (OFFICE, DEPARTMENT, True),
        (OFFICE, BRANCH, True),
        (DEPARTMENT, ORGAN, False),
        (DEPARTMENT, OFFICE, False),
        (DEPARTMENT, DEPARTMENT, True),
        (DEPARTMENT, TEMPORARY, True),
        (BRANCH, DEPARTMENT, False),
        (BRANCH, BRANCH, False),
        (BRANCH, TEMPORARY, False),
        (TEMPORARY, BRANCH, False),
        (TEMPORARY, DEPARTMENT, False),
        # 机关党委 > 第一党总支 > 办公厅党支部: a 党总支 sits under organs, offices and departments
        # and holds party branches, temporary or not, and nothing else.
        (ORGAN, GENERAL, True),
        (OFFICE, GENERAL, True),
        (DEPARTMENT, GENERAL, True),
        (GENERAL, BRANCH, True),
        (GENERAL, TEMPORARY, True),
        (GENERAL, GENERAL, False),
        (GENERAL, DEPARTMENT, False),
        (GENERAL, OFFICE, False),
        (GENERAL, ORGAN, False),
        (BRANCH, GENERAL, False),
        (TEMPORARY, GENERAL, False),
    ],
)
def test_which_kind_may_hold_which(parent, child, allowed):
    assert Unit.Kind.may_hold(parent, child) is allowed


@pytest.fixture
def chain(db):
    """The tester's tree: 审计署 > 机关服务中心 (office) > 综合科 (department) > 综合科党支部 (branch)."""
    organ = services.unit_create(name="审计署", kind=ORGAN)
    office = services.unit_create(name="机关服务中心", kind=OFFICE, parent=organ)
    department = services.unit_create(name="综合科", kind=DEPARTMENT, parent=office)
    branch = services.unit_create(name="综合科党支部", kind=BRANCH, parent=department)
    return {"organ": organ, "office": office, "department": department, "branch": branch}


@pytest.fixture
def admin_of(chain):
    return factories.administrator(chain["organ"], username="audit-admin")


def _tree_state():
    return sorted(Unit.objects.values_list("name", "kind", "path")), UnitPlacement.objects.count()


def test_a_department_posted_under_a_party_branch_is_refused_beside_the_parent_in_both_languages(
    client, chain, admin_of
):
    client.force_login(admin_of)
    before = _tree_state()
    for language, message in UNDER_BRANCH.items():
        client.cookies["django_language"] = language
        page = client.post(
            reverse("orgs:unit_add"), {"parent": chain["branch"].pk, "name": "支部下的处室", "kind": DEPARTMENT}
        )
        assert page.status_code == 200
        assert page.context["form"].errors["parent"] == [message]
    assert _tree_state() == before
    assert not Activity.objects.filter(name="支部下的处室").exists()


def test_the_parent_picker_does_not_offer_party_branches(client, chain, admin_of):
    """A branch is left out of the list; a branch posted anyway (a tampered form) is the test above."""
    client.force_login(admin_of)
    body = client.get(reverse("orgs:unit_add")).content.decode()
    assert f'<option value="{chain["department"].pk}">审计署/机关服务中心/综合科</option>' in body
    assert f'<option value="{chain["branch"].pk}"' not in body
    move = client.get(reverse("orgs:unit_detail", args=[chain["department"].pk])).content.decode()
    assert 'name="move-parent"' in move and f'<option value="{chain["branch"].pk}"' not in move


def test_a_party_branch_page_has_no_add_a_subunit_button(client, chain, admin_of):
    client.force_login(admin_of)
    assert 'id="add-subunit"' not in client.get(reverse("orgs:unit_detail", args=[chain["branch"].pk])).content.decode()
    assert 'id="add-subunit"' in client.get(reverse("orgs:unit_detail", args=[chain["department"].pk])).content.decode()


def test_a_kind_that_ranks_above_its_parent_is_refused_and_skipped_or_repeated_levels_are_not(chain):
    before = _tree_state()
    with pytest.raises(services.OrgError) as refused:
        services.unit_create(name="新司", kind=OFFICE, parent=chain["department"])
    assert refused.value.code == "unit_kind_parent"
    with pytest.raises(services.OrgError):
        services.unit_create(name="新部", kind=ORGAN, parent=chain["office"])
    with pytest.raises(services.OrgError):
        services.unit_create(
            name="审计组临时党支部", kind=TEMPORARY, parent=chain["branch"], ends_on=timezone.localdate()
        )
    assert _tree_state() == before
    # 机关党委's branch under the organ, a ministry under an organ, a sub-office, a 科 under a 处.
    services.unit_create(name="机关党委第一党支部", kind=BRANCH, parent=chain["organ"])
    services.unit_create(name="下属单位", kind=ORGAN, parent=chain["organ"])
    services.unit_create(name="分中心", kind=OFFICE, parent=chain["office"])
    services.unit_create(name="一科", kind=DEPARTMENT, parent=chain["department"])
    services.unit_create(name="审计组临时党支部", kind=TEMPORARY, parent=chain["office"], ends_on=timezone.localdate())
    assert Unit.objects.count() == 9


def test_moving_a_unit_under_a_party_branch_or_a_lower_kind_is_refused_and_nothing_moves(client, chain, admin_of):
    other = services.unit_create(name="财务处", kind=DEPARTMENT, parent=chain["office"])
    before = _tree_state()
    client.force_login(admin_of)
    client.cookies["django_language"] = "en"
    page = client.post(reverse("orgs:unit_move", args=[other.pk]), {"move-parent": chain["branch"].pk})
    assert page.status_code == 200
    assert page.context["move_form"].errors["parent"] == [
        "“财务处” (Department) cannot go under “综合科党支部” (Party branch): a party branch, temporary or not,"
        " has no subunits."
    ]
    assert _tree_state() == before
    general_office = services.unit_create(name="办公厅", kind=OFFICE, parent=chain["organ"])
    before = _tree_state()
    with translation.override("en"), pytest.raises(services.OrgError) as refused:
        services.unit_move(unit=general_office, new_parent=other)
    assert str(refused.value) == (
        "“办公厅” (Office / bureau) cannot go under “财务处” (Department): a unit goes under one of its own"
        " level or a higher one (organ > office / bureau > department > general Party branch > party branch)."
    )
    assert _tree_state() == before


def test_changing_a_units_kind_keeps_the_order_with_its_parent_and_its_subunits(client, chain, admin_of):
    client.force_login(admin_of)
    before = _tree_state()
    url = reverse("orgs:unit_detail", args=[chain["department"].pk])
    # 综合科 holds 综合科党支部: it cannot become a party branch.
    for language, message in (
        (
            "zh-hans",
            "“综合科”不能改为“党支部”：其下设有“综合科党支部”（党支部），而党支部（含临时党支部）不设下级单位。"
            "请先移走或删除其下级单位。",
        ),
        (
            "en",
            "“综合科” cannot be changed to “Party branch”: it holds “综合科党支部” (Party branch), and a party"
            " branch, temporary or not, has no subunits. Move or delete its subunits first.",
        ),
    ):
        client.cookies["django_language"] = language
        page = client.post(url, {"name": "综合科", "kind": BRANCH, "ends_on": ""})
        assert page.status_code == 200 and page.context["form"].errors["kind"] == [message]
    # Under an office it cannot become an organ.
    client.cookies["django_language"] = "zh-hans"
    page = client.post(url, {"name": "综合科", "kind": ORGAN, "ends_on": ""})
    assert page.context["form"].errors["kind"] == [
        "“综合科”（机关）不能设在“机关服务中心”（厅局 / 办）之下：单位只能设在同级或更高一级的单位之下"
        "（机关 > 厅局 / 办 > 处室 > 党总支 > 党支部）。"
    ]
    # 机关服务中心 holds 综合科 (a department): it cannot become a party branch either.
    with pytest.raises(services.OrgError) as refused:
        services.unit_update(unit=chain["office"], name="机关服务中心", kind=BRANCH)
    assert refused.value.code == "unit_kind_children"
    assert _tree_state() == before
    assert not Activity.objects.filter(kind=Activity.Kind.UNIT_KIND_CHANGED).exists()
    # In order both ways: the office becomes an organ (under an organ, over a department).
    services.unit_update(unit=chain["office"], name="机关服务中心", kind=ORGAN)
    assert Unit.objects.get(pk=chain["office"].pk).kind == ORGAN


def test_a_temporary_branch_with_a_unit_under_it_cannot_be_made_from_a_department(chain):
    later = timezone.localdate() + timedelta(days=30)
    with pytest.raises(services.OrgError) as refused:
        services.unit_update(unit=chain["department"], name="综合科", kind=TEMPORARY, ends_on=later)
    assert refused.value.code == "unit_kind_children"


@pytest.fixture
def saved_before_the_rule(chain):
    """A tree saved before the rule: 支部下的处室 (department) under 综合科党支部 (a branch), and a
    branch 旧党支部 under it (in order with it). Built past the services, as the old code let it be."""
    department = Unit.objects.add_child(chain["branch"], {"name": "支部下的处室", "kind": DEPARTMENT})
    UnitPlacement.objects.create(
        unit=department, parent=chain["branch"], name=department.name, effective_at=timezone.now()
    )
    old_branch = Unit.objects.add_child(department, {"name": "旧党支部", "kind": BRANCH})
    return {**chain, "bad": Unit.objects.get(pk=department.pk), "old_branch": old_branch}


def test_a_tree_saved_before_the_rule_shows_and_saves_edits_that_put_no_pair_out_of_order(
    client, saved_before_the_rule, admin_of
):
    bad, branch = saved_before_the_rule["bad"], saved_before_the_rule["branch"]
    client.force_login(admin_of)
    tree_page = client.get(reverse("orgs:unit_tree"))
    assert tree_page.status_code == 200 and "支部下的处室" in tree_page.content.decode()
    for unit in ("branch", "bad", "old_branch"):
        assert client.get(reverse("orgs:unit_detail", args=[saved_before_the_rule[unit].pk])).status_code == 200

    # 支部下的处室 holds 旧党支部 in order: as a branch it would hold it out of order.
    with pytest.raises(services.OrgError) as refused:
        services.unit_update(unit=bad, name="支部下的处室", kind=BRANCH)
    assert refused.value.code == "unit_kind_children"
    # Moving it to another party branch is a new pair out of order.
    other = services.unit_create(name="第二党支部", kind=BRANCH, parent=saved_before_the_rule["office"])
    with pytest.raises(services.OrgError):
        services.unit_move(unit=bad, new_parent=other)
    assert Unit.objects.get(pk=bad.pk).kind == DEPARTMENT

    # Renames, kind unchanged: the unit under the branch, and the branch holding it.
    renamed = client.post(reverse("orgs:unit_detail", args=[bad.pk]), {"name": "处室甲", "kind": DEPARTMENT})
    assert renamed.status_code == 302
    renamed = client.post(reverse("orgs:unit_detail", args=[branch.pk]), {"name": "党支部甲", "kind": BRANCH})
    assert renamed.status_code == 302
    # Another kind for the unit under the branch: that pair was out of order already, and the
    # office it becomes still holds its branch in order.
    services.unit_update(unit=bad, name="处室甲", kind=OFFICE)
    # The branch becomes a department: it then holds its office out of order, as it held a unit before.
    services.unit_update(unit=branch, name="党支部甲", kind=DEPARTMENT)
    assert list(Unit.objects.filter(pk__in=[bad.pk, branch.pk]).order_by("path").values_list("name", "kind")) == [
        ("党支部甲", DEPARTMENT),
        ("处室甲", OFFICE),
    ]
    # Moved to where it belongs, it is in order.
    services.unit_move(unit=bad, new_parent=saved_before_the_rule["organ"])
    assert Unit.objects.get(pk=bad.pk).full_path == "审计署/处室甲"


def test_the_admin_refuses_a_unit_under_a_party_branch_and_saves_a_kind_and_parent_changed_together(
    client, chain, django_user_model
):
    client.force_login(django_user_model.objects.create_superuser("root", password="x-long-password-1"))
    added = client.post(
        reverse("admin:orgs_unit_add"),
        {"name": "支部下的处室", "kind": DEPARTMENT, "ends_on": "", "parent": chain["branch"].pk},
    )
    assert added.status_code == 200 and added.context["adminform"].form.errors["parent"] == [UNDER_BRANCH["zh-hans"]]
    assert not Unit.objects.filter(name="支部下的处室").exists()
    # 综合科 (department under an office) becomes an organ at the top: the move goes first.
    changed = client.post(
        reverse("admin:orgs_unit_change", args=[chain["department"].pk]),
        {"name": "综合科", "kind": ORGAN, "ends_on": "", "parent": "", "reason": "调整"},
    )
    assert changed.status_code == 302, changed.content.decode()[:2000]
    moved = Unit.objects.get(pk=chain["department"].pk)
    assert (moved.full_path, moved.kind) == ("综合科", ORGAN)
    assert Unit.objects.get(pk=chain["branch"].pk).full_path == "综合科/综合科党支部"


# A department posted under a 党总支, in both languages.
UNDER_GENERAL_BRANCH = {
    "zh-hans": "“总支下的处室”（处室）不能设在“第一党总支”（党总支）之下：党总支下只设党支部（含临时党支部）。",
    "en": "“总支下的处室” (Department) cannot go under “第一党总支” (General Party branch): a general Party branch"
    " holds party branches only, temporary or not.",
}


@pytest.fixture
def general_branch(chain):
    """机关服务中心 > 第一党总支 (general branch) > 服务中心党支部 (branch)."""
    general = services.unit_create(name="第一党总支", kind=GENERAL, parent=chain["office"])
    branch = services.unit_create(name="服务中心党支部", kind=BRANCH, parent=general)
    return {**chain, "general": general, "general_branch_child": branch}


def test_the_unit_form_refuses_a_department_or_another_general_branch_under_a_general_branch(
    client, general_branch, admin_of
):
    client.force_login(admin_of)
    before = _tree_state()
    general = general_branch["general"]
    for language, message in UNDER_GENERAL_BRANCH.items():
        client.cookies["django_language"] = language
        page = client.post(reverse("orgs:unit_add"), {"parent": general.pk, "name": "总支下的处室", "kind": DEPARTMENT})
        assert page.status_code == 200
        assert page.context["form"].errors["parent"] == [message]
    client.cookies["django_language"] = "en"
    page = client.post(reverse("orgs:unit_add"), {"parent": general.pk, "name": "第二党总支", "kind": GENERAL})
    assert page.context["form"].errors["parent"] == [
        "“第二党总支” (General Party branch) cannot go under “第一党总支” (General Party branch): a general Party"
        " branch holds party branches only, temporary or not."
    ]
    assert _tree_state() == before
    # A party branch and a temporary one go under it.
    added = client.post(reverse("orgs:unit_add"), {"parent": general.pk, "name": "第二党支部", "kind": BRANCH})
    assert added.status_code == 302
    later = (timezone.localdate() + timedelta(days=30)).isoformat()
    added = client.post(
        reverse("orgs:unit_add"),
        {"parent": general.pk, "name": "审计组临时党支部", "kind": TEMPORARY, "ends_on": later},
    )
    assert added.status_code == 302
    assert sorted(u.name for u in general.child_units()) == ["审计组临时党支部", "服务中心党支部", "第二党支部"]


def test_a_general_branch_is_offered_as_a_parent_and_shown_by_its_kind_in_the_tree(client, general_branch, admin_of):
    client.force_login(admin_of)
    client.cookies["django_language"] = "zh-hans"
    general = general_branch["general"]
    body = client.get(reverse("orgs:unit_add")).content.decode()
    assert f'<option value="{general.pk}">审计署/机关服务中心/第一党总支</option>' in body
    assert 'value="general_branch">党总支</option>' in body
    assert 'id="add-subunit"' in client.get(reverse("orgs:unit_detail", args=[general.pk])).content.decode()
    tree = client.get(reverse("orgs:unit_tree")).content.decode()
    assert '<i class="bi bi-flag-fill text-danger"></i>' in tree and ">党总支</span>" in tree


def test_a_unit_holding_a_department_cannot_become_a_general_branch_and_one_holding_branches_can(
    client, general_branch, admin_of
):
    client.force_login(admin_of)
    client.cookies["django_language"] = "zh-hans"
    office = general_branch["office"]
    page = client.post(reverse("orgs:unit_detail", args=[office.pk]), {"name": "机关服务中心", "kind": GENERAL})
    assert page.status_code == 200
    assert page.context["form"].errors["kind"] == [
        "“机关服务中心”不能改为“党总支”：其下设有“综合科”（处室），而党总支下只设党支部。请先移走该下级单位。"
    ]
    # 综合科 holds only 综合科党支部: it may become a 党总支; moving the 党总支 under it may not.
    services.unit_update(unit=general_branch["department"], name="综合科党总支", kind=GENERAL)
    with pytest.raises(services.OrgError) as refused:
        services.unit_move(unit=general_branch["general"], new_parent=Unit.objects.get(name="综合科党总支"))
    assert refused.value.code == "unit_kind_parent"
    assert Unit.objects.get(pk=general_branch["general"].pk).full_path == "审计署/机关服务中心/第一党总支"


def _move_options(client, unit: Unit) -> list[str]:
    """The move form's parent choices on `unit`'s page, by label, in order."""
    form = client.get(reverse("orgs:unit_detail", args=[unit.pk])).context["move_form"]
    return [
        option["label"]
        for _group, options, _index in form["parent"].field.widget.optgroups("move-parent", [form["parent"].value()])
        for option in options
        if option["value"] != ""
    ]


def test_the_move_picker_offers_only_parents_that_may_hold_the_unit_and_not_its_own_subtree(
    client, general_branch, admin_of
):
    """Tester's report: moving 综合科 (department) offered 第一党总支, and the move was then refused."""
    client.force_login(admin_of)
    client.cookies["django_language"] = "zh-hans"
    services.unit_create(name="分中心", kind=OFFICE, parent=general_branch["office"])
    # 综合科 (department) goes under the organ, an office or another department: not under the
    # 党总支 nor a branch, nor itself.
    assert _move_options(client, general_branch["department"]) == [
        "审计署",
        "审计署/机关服务中心",
        "审计署/机关服务中心/分中心",
    ]
    # 服务中心党支部 (branch) may also go under the 党总支 and 综合科 (in tree order: the units
    # under 机关服务中心 as they were made).
    assert _move_options(client, general_branch["general_branch_child"]) == [
        "审计署",
        "审计署/机关服务中心",
        "审计署/机关服务中心/综合科",
        "审计署/机关服务中心/第一党总支",
        "审计署/机关服务中心/分中心",
    ]
    # 机关服务中心 (office) goes under the organ only: not itself nor 分中心, its own sub-office.
    assert _move_options(client, general_branch["office"]) == ["审计署"]
