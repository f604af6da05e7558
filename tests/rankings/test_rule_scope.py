"""A ranking rule covering several organs (`RuleScope`): one board across 审计署, 财政部 and
国家统计局, overall and within each organ, seen and run only by those who hold all of them."""

import datetime as dt
import html
import json
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from lessons.models import PointEvent
from orgs import services as org_services
from orgs.models import Role, User
from quizsite.selectors import my_places, rankings_waiting
from rankings import selectors
from rankings.models import RankingRule, RuleSource, SnapshotRow
from rankings.services import (
    RankingRejected,
    rule_save,
    rule_scope_set,
    rule_sources_changed,
    run_execute,
    run_request,
    snapshot_approve,
    snapshot_publish,
    snapshot_recompute,
)
from tests import factories
from tests.adminforms import add_inline_row, page_data
from tests.rankings.test_rule_builder import form_data
from tests.rankings.test_services import DAY, compute

JOINED = timezone.make_aware(dt.datetime(2026, 1, 5, 9))
MOVED = timezone.make_aware(dt.datetime.combine(DAY, dt.time(12)))
NEW = reverse("rankings:rule_new")


def earned(member, amount: int, hour: int) -> None:
    PointEvent.objects.create(
        member=member,
        activity="quiz",
        points=amount,
        day=DAY,
        occurred_at=timezone.make_aware(dt.datetime.combine(DAY, dt.time(hour))),
        source_key=f"{member.username}-{hour}",
    )


@pytest.fixture
def organs(db):
    return build_organs()


def build_organs() -> dict:
    """Four organs at the top of the tree (level 1), an office in each; the administrator holds
    three of them, not 海关总署. Points on DAY (09:00 unless said):

        审计署/广州特派办   甲 50, 乙 35, 迁 15 (09:00, before moving)
        财政部/预算司       丙 40, 丁 30, 迁 25 (15:00, after moving in at 12:00)
        国家统计局/综合司   戊 20, 停 60 (deactivated)
        海关总署/综合司     关 100 (an organ the rule does not cover)
    """
    units = {
        "audit": factories.unit_at("审计署", kind="organ"),
        "gz": factories.unit_at("审计署/广州特派办", kind="office"),
        "mof": factories.unit_at("财政部", kind="organ"),
        "budget": factories.unit_at("财政部/预算司", kind="office"),
        "stats": factories.unit_at("国家统计局", kind="organ"),
        "general": factories.unit_at("国家统计局/综合司", kind="office"),
        "customs": factories.unit_at("海关总署", kind="organ"),
        "customs_office": factories.unit_at("海关总署/综合司", kind="office"),
    }
    placed = {"甲": "gz", "乙": "gz", "迁": "gz", "丙": "budget", "丁": "budget", "戊": "general", "停": "general"}
    placed["关"] = "customs_office"
    people = {
        name: factories.member(units[key], username=f"m-{key}-{name}", real_name=name, at=JOINED)
        for name, key in placed.items()
    }
    for name, amount in {"甲": 50, "乙": 35, "迁": 15, "丙": 40, "丁": 30, "戊": 20, "停": 60, "关": 100}.items():
        earned(people[name], amount, 9)
    org_services.member_move(member=people["迁"], unit=units["budget"], reason="调动", at=MOVED, as_given=True)
    earned(people["迁"], 25, 15)
    User.objects.filter(pk=people["停"].pk).update(is_active=False)
    admin = factories.administrator(units["audit"], username="three-organs-admin", at=JOINED)
    for key in ("mof", "stats"):
        org_services.role_grant(user=admin, role=Role.ADMINISTRATOR, unit=units[key], by=None)
    return {"units": units, "people": people, "admin": admin}


def scoped_rule(organs, **fields) -> RankingRule:
    """Members of the three organs by points on DAY, placed overall and within each organ (level 1),
    one 一等奖 tier of 2 places, ties at its boundary sharing it; a mover's points go to their unit
    on the headcount day."""
    units = organs["units"]
    fields = {
        "title": "三部门积分",
        "slug": "three-organs",
        "subject": "member",
        "group_level": 1,
        "mover_credit": "cut_off",
        "period_starts_on": DAY,
        "period_ends_on": DAY,
        "prize_mode": "count",
        "prize_tiers": [{"name": "一等奖", "value": 2}],
        "boundary_ties": "share",
        "requires_second_approver": False,
    } | fields
    rule = rule_save(
        rule=RankingRule(unit=units["audit"], **fields),
        by=organs["admin"],
        scope=[units["audit"], units["mof"], units["stats"]],
    )
    RuleSource.objects.create(rule=rule, kind="points")
    rule_sources_changed(rule=rule)
    return rule


def places(snapshot) -> dict[str, tuple]:
    rows = SnapshotRow.objects.filter(snapshot=snapshot)
    return {row.label: (row.rank, row.group_name, row.rank_in_group, row.prize, float(row.total)) for row in rows}


def test_members_of_three_organs_are_placed_overall_and_within_each_organ(organs):
    snapshot = compute(scoped_rule(organs)).snapshot
    # Totals: 甲 50; 丙 40; 迁 15 + 25 = 40, all for 财政部 (their unit on the headcount day);
    # 乙 35; 丁 30; 戊 20. 停 is deactivated and 关's 海关总署 is not covered: neither is ranked.
    # Overall (standard ranks): 50 -> 1, 40 and 40 share 2, 35 -> 4, 30 -> 5, 20 -> 6.
    # One tier of 2 places: places 1 and 2; 丙 and 迁 tie across its boundary (places 2-3) and
    # share it, so three take 一等奖.
    # Within each organ: 审计署 甲 1, 乙 2; 财政部 丙 and 迁 share 1, 丁 3; 国家统计局 戊 1.
    assert places(snapshot) == {
        "甲": (1, "审计署", 1, "一等奖", 50.0),
        "丙": (2, "财政部", 1, "一等奖", 40.0),
        "迁": (2, "财政部", 1, "一等奖", 40.0),
        "乙": (4, "审计署", 2, "", 35.0),
        "丁": (5, "财政部", 3, "", 30.0),
        "戊": (6, "国家统计局", 1, "", 20.0),
    }
    assert snapshot.parameters["scope_paths"] == [organs["units"][k].path for k in ("audit", "mof", "stats")]


def test_organs_are_ranked_against_each_other_with_a_movers_points_split(organs):
    rule = scoped_rule(organs, slug="organs", subject="unit", unit_level=1, group_level=None, mover_credit="fact")
    rows = {row.label: row for row in SnapshotRow.objects.filter(snapshot=compute(rule).snapshot)}
    # Each fact to the unit of its time: 审计署 甲 50 + 乙 35 + 迁 15 (before the move) = 100;
    # 财政部 丙 40 + 丁 30 + 迁 25 (after it) = 95; 国家统计局 戊 20 (停 deactivated). 迁 took
    # part in both organs: 3 participants each, 1 in 国家统计局. 海关总署 is not covered.
    summary = {label: (row.rank, float(row.total), row.participants) for label, row in rows.items()}
    assert summary == {"审计署": (1, 100.0, 3), "财政部": (2, 95.0, 3), "国家统计局": (3, 20.0, 1)}


def test_a_snapshot_verifies_and_the_board_names_the_organ_of_each_row(organs, client):
    snapshot = compute(scoped_rule(organs)).snapshot
    check = snapshot_recompute(snapshot=snapshot)
    assert check.inputs_match and check.rows_match
    rule = snapshot.rule
    paths = selectors.unit_paths(rule)
    # A board across organs names each unit from its organ down: 广州特派办 alone would not say whose.
    assert paths[organs["units"]["gz"].pk] == "审计署/广州特派办"
    assert paths[organs["units"]["budget"].pk] == "财政部/预算司"
    assert organs["units"]["customs_office"].pk not in paths


def test_a_rule_without_a_scope_keeps_its_parameters_and_checksums(organs):
    """Setting the scope to the rule's own unit alone is no scope: the parameters (without
    `scope_paths`) and so the input hash stay those of the version before, and it verifies."""
    units = organs["units"]
    rule = factories.ranking_rule(
        units["audit"], subject="member", sources=[{"kind": "points"}], period_starts_on=DAY, period_ends_on=DAY
    )
    before = compute(rule).snapshot
    assert "scope_paths" not in before.parameters
    rule = RankingRule.objects.get(pk=rule.pk)
    rule_scope_set(rule=rule, units=[units["audit"]])
    rule_save(rule=rule)
    after = compute(rule).snapshot
    assert after.version == before.version + 1
    assert (after.parameters, after.input_hash, after.rows_hash) == (
        before.parameters,
        before.input_hash,
        before.rows_hash,
    )
    assert rule.scope.count() == 0
    check = snapshot_recompute(snapshot=before)
    assert check.inputs_match and check.rows_match
    # Widened to 财政部 too, the parameters name both and the hash changes.
    rule_save(rule=RankingRule.objects.get(pk=rule.pk), scope=[units["audit"], units["mof"]])
    widened = compute(rule).snapshot
    assert widened.parameters["scope_paths"] == [units["audit"].path, units["mof"].path]
    assert widened.input_hash != before.input_hash


def published(organs):
    rule = scoped_rule(organs)
    snapshot = compute(rule).snapshot
    snapshot_approve(snapshot=snapshot, by=organs["admin"])
    snapshot_publish(snapshot=snapshot, by=organs["admin"])
    return rule


def test_only_an_administrator_of_every_organ_covered_manages_the_rule(organs, client):
    rule = published(organs)
    units = organs["units"]
    one_organ = factories.administrator(units["mof"], username="mof-admin")
    assert selectors.can_administer(organs["admin"], rule)
    assert not selectors.can_administer(one_organ, rule)
    assert rule not in selectors.administered_rules(one_organ)
    assert rule in selectors.administered_rules(organs["admin"])
    # Holding the rule's own unit is not enough either: not the other organs'.
    owner_only = factories.administrator(units["audit"], username="audit-admin")
    assert not selectors.can_administer(owner_only, rule)
    assert rule not in selectors.administered_rules(owner_only)
    # Their home's list of boards to approve or publish holds only the rules they administer.
    assert [s.rule for s in rankings_waiting(owner_only)["published"]] == []
    assert [s.rule for s in rankings_waiting(organs["admin"])["published"]] == [rule]
    client.force_login(one_organ)
    # 财政部's administrator sees the board their members are on, but may not run or export it.
    assert client.get(reverse("rankings:board", args=[rule.slug])).status_code == 200
    assert client.get(reverse("rankings:manage", args=[rule.slug])).status_code == 403
    assert client.get(reverse("rankings:rule_edit", args=[rule.slug])).status_code == 403
    assert client.get(reverse("rankings:export", args=[rule.slug])).status_code == 403
    client.force_login(organs["admin"])
    assert client.get(reverse("rankings:manage", args=[rule.slug])).status_code == 200
    assert client.get(reverse("rankings:export", args=[rule.slug])).status_code == 200


def test_another_organs_people_see_nothing_of_it(organs, client):
    rule = published(organs)
    units = organs["units"]
    outsiders = [
        factories.administrator(units["customs"], username="customs-admin"),
        factories.organiser(units["customs"], username="customs-organiser"),
        organs["people"]["关"],
    ]
    for outsider in outsiders:
        assert rule not in selectors.visible_rules(outsider), outsider.username
        client.force_login(outsider)
        assert client.get(reverse("rankings:board", args=[rule.slug])).status_code == 404, outsider.username
        assert not [place for place in my_places(outsider) if place.rule == rule]


def test_a_member_of_a_covered_organ_finds_their_place_on_the_home_card(organs, client):
    rule = published(organs)
    member = organs["people"]["戊"]
    assert rule in selectors.visible_rules(member)
    (place,) = [place for place in my_places(member) if place.rule == rule]
    # 戊: 6th of six overall, first of 国家统计局's one.
    assert (place.row.rank, place.row.rank_in_group, place.row.group_name) == (6, 1, "国家统计局")
    client.force_login(member)
    page = client.get(reverse("rankings:board", args=[rule.slug])).content.decode()
    assert "审计署、财政部、国家统计局 · " in page


def scope_form(organs, **changes):
    """The builder's valid form (`form_data`) for a rule of 审计署, placing within each organ."""
    return form_data({"audit": organs["units"]["audit"]}, **({"group_level": "1"} | changes))


def test_the_form_saves_the_units_chosen(organs, client):
    units = organs["units"]
    client.force_login(organs["admin"])
    data = scope_form(organs, scope=[units["mof"].pk, units["stats"].pk, units["audit"].pk])
    assert client.post(NEW, data).status_code == 302
    rule = RankingRule.objects.get(slug="branch-points")
    assert [unit.pk for unit in rule.scope_units()] == [units["audit"].pk, units["mof"].pk, units["stats"].pk]


@pytest.mark.parametrize(
    ("chosen", "message"),
    [
        (["customs"], "You do not administer one of these units: choose units listed."),
        (["mof", "budget"], "财政部/预算司 lies inside 财政部, which covers it already: choose one of the two."),
        (["audit", "closed"], "审计署/已撤销办 is closed: a ranking covers open units."),
    ],
)
def test_the_form_refuses_units_beside_the_field(organs, client, chosen, message):
    units = organs["units"]
    units["closed"] = factories.unit_at("审计署/已撤销办", kind="office")
    org_services.unit_close(unit=units["closed"])
    client.force_login(organs["admin"])
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = client.post(NEW, scope_form(organs, scope=[units[key].pk for key in chosen]))
    assert response.status_code == 200 and not RankingRule.objects.exists()
    assert response.context["form"].errors["scope"] == [message]
    assert 'data-error-for="scope"' in response.content.decode()


def test_the_form_offers_administered_open_units_by_path_without_ids(organs, client):
    units = organs["units"]
    org_services.unit_close(unit=factories.unit_at("审计署/已撤销办", kind="office"))
    client.force_login(organs["admin"])
    page = client.get(NEW).content.decode()
    field = page[page.index('name="scope"') : page.index("</select>", page.index('name="scope"'))]
    assert "财政部/预算司" in field and "国家统计局" in field
    assert "海关总署" not in field and "已撤销办" not in field
    assert f'<option value="{units["mof"].pk}">财政部</option>' in field


def test_an_empty_choice_covers_the_rules_unit_as_before(organs, client):
    client.force_login(organs["admin"])
    assert client.post(NEW, scope_form(organs, group_level="2")).status_code == 302
    rule = RankingRule.objects.get(slug="branch-points")
    assert rule.scope_units() == [] and rule.covered_units() == [organs["units"]["audit"]]


def test_the_api_lists_the_units_a_rule_covers_by_path(organs, client):
    """`covered_units`: a rule of 审计署 covering 财政部 and 国家统计局 lists those two (not its own
    unit, which it does not rank), one without a scope its own unit; the board's `rule` alike."""
    units = organs["units"]
    units["mof"].name_en = "Ministry of Finance"
    units["mof"].save(update_fields=["name_en"])
    two = rule_save(
        rule=RankingRule(unit=units["audit"], title="两部门", slug="two-organs", requires_second_approver=False),
        by=organs["admin"],
        scope=[units["mof"], units["stats"]],
    )
    RuleSource.objects.create(rule=two, kind="points")
    rule_sources_changed(rule=two)
    compute(two)
    factories.ranking_rule(units["gz"], slug="gz-only", sources=[{"kind": "points"}])
    client.force_login(organs["admin"])
    listed = {item["slug"]: item for item in client.get(reverse("api-rankings")).json()}
    mof = {"id": units["mof"].pk, "name": "财政部", "name_en": "Ministry of Finance", "path": "财政部"}
    stats = {"id": units["stats"].pk, "name": "国家统计局", "name_en": "", "path": "国家统计局"}
    assert (listed["two-organs"]["unit"], listed["two-organs"]["covered_units"]) == ("审计署", [mof, stats])
    gz = {"id": units["gz"].pk, "name": "广州特派办", "name_en": "", "path": "审计署/广州特派办"}
    assert listed["gz-only"]["covered_units"] == [gz]
    board = client.get(reverse("api-leaderboard", args=["two-organs"])).json()
    assert board["rule"]["covered_units"] == [mof, stats]


APPROVER_WARNING = re.compile(r'<div class="([^"]*)" role="status" id="no-second-approver" data-approvers="([^"]*)"')


def test_only_an_administrator_of_both_organs_is_a_second_approver(organs, client):
    """Four eyes on a rule of 审计署 covering 审计署 and 财政部, computed by the administrator of
    three organs: an administrator of 审计署 alone may neither approve it nor count as the second
    approver the rule form and the console look for; one of both organs does and may."""
    units = organs["units"]
    rule = rule_save(
        rule=RankingRule(unit=units["audit"], title="两部门", slug="audit-mof", period_starts_on=DAY),
        by=organs["admin"],
        scope=[units["audit"], units["mof"]],
    )
    assert rule.requires_second_approver
    RuleSource.objects.create(rule=rule, kind="points")
    rule_sources_changed(rule=rule)
    run, _created = run_request(rule=rule, by=organs["admin"])
    snapshot = run_execute(run_id=run.pk).snapshot
    audit_only = factories.administrator(units["audit"], username="audit-only")
    client.force_login(organs["admin"])
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"

    def warned() -> tuple[bool, dict]:
        """Whether the rule form warns that no one else can approve, and its approvers per unit."""
        page = client.get(reverse("rankings:rule_edit", args=[rule.slug])).content.decode()
        shown = APPROVER_WARNING.search(page)
        return "d-none" not in shown.group(1), json.loads(html.unescape(shown.group(2)))

    # audit-only, numbered 0, holds 审计署 and its office, not 财政部: no one else holds both.
    assert not selectors.has_other_approver(rule, organs["admin"])
    assert warned() == (True, {str(units["audit"].pk): [0], str(units["gz"].pk): [0]})
    console = client.get(reverse("rankings:manage", args=[rule.slug])).content.decode()
    assert "no one else administers all of 审计署, 财政部, so no one can approve it" in console
    with pytest.raises(RankingRejected) as refused:
        snapshot_approve(snapshot=snapshot, by=audit_only)
    assert refused.value.code == "not_administrator"

    both = factories.administrator(units["audit"], username="audit-and-mof")
    org_services.role_grant(user=both, role=Role.ADMINISTRATOR, unit=units["mof"], by=None)
    # audit-and-mof (1) holds 审计署 and 财政部 with everything under them.
    assert selectors.has_other_approver(rule, organs["admin"])
    held = {units[key].pk: [0, 1] for key in ("audit", "gz")} | {units[key].pk: [1] for key in ("mof", "budget")}
    assert warned() == (False, {str(pk): numbers for pk, numbers in held.items()})
    assert snapshot_approve(snapshot=snapshot, by=both).approved_by == both


def test_the_admin_shows_the_units_a_rule_covers_and_saves_them_as_a_new_version(organs, client):
    """The rule's admin page has an inline of its scope for superusers: the three organs by path;
    one removed is a new version covering two; a unit inside one kept is refused by path."""
    units = organs["units"]
    rule = scoped_rule(organs)
    computed = compute(rule).snapshot
    assert not RankingRule.objects.get(pk=rule.pk).dirty
    client.force_login(User.objects.create_superuser("root", password="x-long-password-1"))
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    url = reverse("admin:rankings_rankingrule_change", args=[rule.pk])
    response = client.get(url)
    page = response.content.decode()
    scope_group = page[page.index('id="scope-group"') :]
    scope_group = scope_group[: scope_group.index("</fieldset>")]
    assert re.findall(r'<option value="(\d+)" selected>([^<]*)</option>', scope_group) == [
        (str(units["audit"].pk), "审计署"),
        (str(units["mof"].pk), "财政部"),
        (str(units["stats"].pk), "国家统计局"),
    ]
    data = page_data(response)
    data["scope-2-DELETE"] = ["on"]
    nested = add_inline_row(dict(data), "scope", unit=units["budget"].pk)
    refused = client.post(url, nested)
    assert refused.status_code == 200
    errors = [str(e) for inline in refused.context["inline_admin_formsets"] for e in inline.formset.non_form_errors()]
    assert errors == ["财政部/预算司 lies inside 财政部, which covers it already: choose one of the two."]
    assert client.post(url, data).status_code == 302
    rule = RankingRule.objects.get(pk=rule.pk)
    assert [unit.pk for unit in rule.scope_units()] == [units["audit"].pk, units["mof"].pk]
    assert rule.version > computed.rule_version and rule.dirty
