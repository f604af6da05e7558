"""Unit rankings by kind: every party branch, wherever it sits in the tree, as the plain
alternative to one tree level (which mixes kinds where branches sit at different depths).

The tree (the demo's shape): 秘书处党支部 sits at level 4, under 办公厅/秘书处; 广州特派办's
branches at level 3, beside its temporary audit branch; 财政审计司/一处 is a division with no
branch. Points on 2026-11-20 (the period, one day):

    办公厅/秘书处            S 45 (in the division itself, in no branch)
    办公厅/秘书处/秘书处党支部  M1 30, M2 10, and the mover V from 15:00 (headcount)
    广州特派办/第一党支部      A 25, B none, V 5 (at 09:00, before moving), X 100 (deactivated)
    广州特派办/第二党支部      C 20 (the branch closed since)
    广州特派办/审计组临时党支部  T 50
    财政审计司/一处            Y 60

A result counts for the unit the member was in when they earned it; the headcount is taken at
the end of the period, each member in their unit then (V in 秘书处党支部).
"""

import datetime as dt
from io import BytesIO

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook

from orgs import services as org_services
from orgs.models import User
from rankings import selectors, services
from rankings.models import RankingRule, ranked_description
from rankings.params import RuleParams, counting_rules
from rankings.rule_forms import HELP
from tests import factories
from tests.rankings.test_compute import compute
from tests.rankings.test_rule_builder import form_data
from tests.rankings.test_services import DAY, points

BEFORE = timezone.make_aware(dt.datetime(2026, 1, 1, 9))
MOVED = timezone.make_aware(dt.datetime.combine(DAY, dt.time(15)))


@pytest.fixture
def branches(db):
    units = {
        "audit": factories.unit_at("审计署", kind="organ"),
        "office": factories.unit_at("审计署/办公厅", kind="office"),
        "secretariat": factories.unit_at("审计署/办公厅/秘书处", kind="department"),
        "sec_branch": factories.unit_at("审计署/办公厅/秘书处/秘书处党支部", kind="branch"),
        "gz": factories.unit_at("审计署/广州特派办", kind="office"),
        "gz1": factories.unit_at("审计署/广州特派办/第一党支部", kind="branch"),
        "gz2": factories.unit_at("审计署/广州特派办/第二党支部", kind="branch"),
        "finance": factories.unit_at("审计署/财政审计司", kind="office"),
        "division": factories.unit_at("审计署/财政审计司/一处", kind="department"),
    }
    units["temporary"] = org_services.unit_create(
        name="审计组临时党支部", kind="temporary_branch", parent=units["gz"], ends_on=DAY + dt.timedelta(days=30)
    )
    people = {}
    for unit_key, scores in {
        "secretariat": {"S": 45},
        "sec_branch": {"M1": 30, "M2": 10},
        "gz1": {"A": 25, "B": None, "V": 5, "X": 100},
        "gz2": {"C": 20},
        "temporary": {"T": 50},
        "division": {"Y": 60},
    }.items():
        for name, amount in scores.items():
            people[name] = factories.member(units[unit_key], username=name.lower(), real_name=name, at=BEFORE)
            if amount is not None:
                points(people[name], amount, f"{name}-1")
    User.objects.filter(pk=people["X"].pk).update(is_active=False)
    org_services.member_move(member=people["V"], unit=units["sec_branch"], reason="调动", at=MOVED, as_given=True)
    org_services.unit_close(unit=units["gz2"], on=DAY + dt.timedelta(days=1))
    return units


def rule(units, **fields):
    fields = {"subject": "unit", "period_starts_on": DAY, "period_ends_on": DAY} | fields
    return factories.ranking_rule(units["audit"], sources=[{"kind": "points"}], **fields)


def table(snapshot) -> dict[str, tuple]:
    """Each ranked unit's (place, total, participants, headcount)."""
    return {
        row.label: (row.place, float(row.total), row.participants, row.headcount)
        for row in snapshot.rows.order_by("place", "label")
    }


def test_a_level_ranking_still_ranks_every_unit_of_its_level_whatever_their_kind(branches):
    """Level 3 holds 秘书处 (a division: S 45 + M1 30 + M2 10 below it = 85), 一处 (60), the
    temporary branch (50), 第一党支部 (A 25 + V's 5 earned there = 30) and 第二党支部 (20): kinds mixed,
    as before. V counts in 秘书处's headcount (3 + V = 4), not 第一党支部's (A, B), but took part for
    both: 第一党支部's participants are A and V (2 of 2)."""
    assert table(compute(rule(branches, unit_level=3))) == {
        "秘书处": (1, 85, 3, 4),
        "一处": (2, 60, 1, 1),
        "审计组临时党支部": (3, 50, 1, 1),
        "第一党支部": (4, 30, 2, 2),
        "第二党支部": (5, 20, 1, 1),
    }


def test_a_ranking_by_kind_ranks_exactly_the_party_branches_at_both_depths(branches):
    """秘书处党支部 (level 4): M1 30 + M2 10 = 40, participants 2 of a headcount of 3 (V moved in).
    第一党支部 (level 3): A 25 + V's 5 (earned there before moving) = 30; participants A and V (V
    took part there, though no longer in its headcount; X is deactivated and not counted),
    headcount A and B = 2.
    第二党支部, closed since, keeps its result: 20. S (in the division, in no branch), Y (一处)
    and the temporary branch (not ticked) are not ranked."""
    snapshot = compute(rule(branches, unit_kinds=["branch"]))
    assert table(snapshot) == {
        "秘书处党支部": (1, 40, 2, 3),
        "第一党支部": (2, 30, 2, 2),
        "第二党支部": (3, 20, 1, 1),
    }
    assert snapshot.parameters["unit_kinds"] == ["branch"] and snapshot.parameters["unit_level"] is None


def test_temporary_branches_are_ranked_when_their_kind_is_ticked_and_per_capita_counts_each_branch(branches):
    """Per capita: 第二党支部 20 / 1 = 20, the temporary branch 50 / 1 = 50, 第一党支部 30 / 2 = 15,
    秘书处党支部 40 / 3 = 13.3333."""
    snapshot = compute(rule(branches, unit_kinds=["branch", "temporary_branch"], metric="per_capita"))
    metrics = {row.label: (row.place, float(row.metric)) for row in snapshot.rows.all()}
    assert metrics == {
        "审计组临时党支部": (1, 50),
        "第二党支部": (2, 20),
        "第一党支部": (3, 15),
        "秘书处党支部": (4, pytest.approx(13.3333)),
    }


def test_branches_are_grouped_by_their_ancestor_at_the_group_level(branches):
    """Grouped by level 2: 秘书处党支部 (level 4) in 办公厅, the other branches in 广州特派办."""
    snapshot = compute(rule(branches, unit_kinds=["branch"], group_level=2))
    groups = {row.label: (row.group_name, row.rank_in_group) for row in snapshot.rows.all()}
    assert groups == {"秘书处党支部": ("办公厅", 1), "第一党支部": ("广州特派办", 1), "第二党支部": ("广州特派办", 2)}


def test_a_snapshot_by_kind_recomputes_from_its_kept_inputs_and_keeps_the_kinds(branches):
    """The kept tree holds each unit's kind; a recomputation from it gives the same hashes, even
    after a branch is made a department (today's tree no longer ranks it)."""
    by_kind = rule(branches, unit_kinds=["branch"])
    snapshot = compute(by_kind)
    org_services.unit_update(unit=branches["gz2"], name="第二党支部", kind="department", ends_on=None)
    check = services.snapshot_recompute(snapshot=snapshot)
    assert check.inputs_match and check.rows_match
    assert services.snapshot_drift(snapshot=snapshot)["units"] == 0  # frozen at the rule's first save


def test_a_kind_changed_since_is_drift_for_a_ranking_by_kind_but_not_for_a_level_ranking(branches):
    """第三党支部 is added at level 3 after both rules froze the tree, so both read it from today's
    tree: the level-3 ranking as a unit of its level, the ranking by kind as a branch. After both
    are computed it becomes a temporary branch. Both snapshots still verify from their kept inputs.
    The drift: the ranking by kind ranked it for its kind, so 1 unit differs; the level ranking
    never read kinds (its input hash has none), so 0 units differ (it said 1 before)."""
    by_kind, by_level = rule(branches, unit_kinds=["branch"]), rule(branches, unit_level=3)
    added = factories.unit_at("审计署/广州特派办/第三党支部", kind="branch")
    kind_snapshot, level_snapshot = compute(by_kind), compute(by_level)
    assert services.snapshot_drift(snapshot=kind_snapshot)["units"] == 0
    assert services.snapshot_drift(snapshot=level_snapshot)["units"] == 0
    org_services.unit_update(
        unit=added, name="第三党支部", kind="temporary_branch", ends_on=DAY + dt.timedelta(days=30)
    )
    for snapshot in (kind_snapshot, level_snapshot):
        check = services.snapshot_recompute(snapshot=snapshot)
        assert check.inputs_match and check.rows_match
    assert services.snapshot_drift(snapshot=kind_snapshot)["units"] == 1
    assert services.snapshot_drift(snapshot=level_snapshot)["units"] == 0


def test_a_new_branch_marks_a_ranking_by_kind_changed_but_not_a_level_ranking(branches):
    """A branch added under 一处 (level 4) is a new subject of the ranking by kind: its inputs'
    fingerprint changes. The level-3 ranking ranks no level-4 unit: unchanged."""
    by_kind, by_level = rule(branches, unit_kinds=["branch"]), rule(branches, unit_level=3)
    before = services.inputs_fingerprint(by_kind), services.inputs_fingerprint(by_level)
    new_branch = factories.unit_at("审计署/财政审计司/一处/一处党支部", kind="branch")
    assert services.inputs_fingerprint(by_kind) != before[0]
    assert services.inputs_fingerprint(by_level) == before[1]
    labels = {row.label: row.ineligible_reason for row in compute(by_kind).rows.all()}
    assert labels == {"秘书处党支部": "", "第一党支部": "", "第二党支部": "", new_branch.name: "no_participants"}


def test_a_rule_ranks_by_level_or_by_kind_not_both(branches):
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        rule(branches, unit_level=3, unit_kinds=["branch"])
    assert "either by tree level or by kind" in str(refused.value)
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        rule(branches, unit_kinds=["branch", "club"])
    assert "Unknown unit kind" in str(refused.value)


def test_the_headcounts_page_lists_the_branches_a_ranking_by_kind_ranks(branches):
    units = selectors.headcount_units(rule(branches, unit_kinds=["branch"]))
    assert [unit["path"] for unit in units] == [
        "办公厅/秘书处/秘书处党支部",
        "广州特派办/第一党支部",
        "广州特派办/第二党支部",
    ]


@pytest.mark.parametrize(
    ("language", "who"),
    [
        ("zh-hans", "单位：党支部、临时党支部（不限层级）"),
        ("en", "Units: Party branch, Temporary party branch (at any level)"),
    ],
)
def test_the_board_export_and_api_say_which_kinds_are_ranked(branches, language, who):
    by_kind = rule(branches, unit_kinds=["temporary_branch", "branch"], slug="branches")
    compute(by_kind)
    client = factories.client_in(language, factories.administrator(branches["audit"], username="boss"))
    with translation.override(language):
        board = client.get(reverse("rankings:board", args=[by_kind.slug])).content.decode()
        export = client.get(reverse("rankings:export", args=[by_kind.slug])).content
    assert f'<span id="ranked-who">{who}</span>' in board
    sheet = load_workbook(BytesIO(export)).active
    assert [cell.value for cell in sheet[2]][4:6] == ["排名对象" if language == "zh-hans" else "Ranked", who]
    listed = {item["slug"]: item for item in client.get(reverse("api-rankings")).json()}
    assert (listed["branches"]["unit_kinds"], listed["branches"]["unit_level"]) == (
        ["branch", "temporary_branch"],
        None,
    )


def test_the_rule_builder_saves_a_ranking_by_kind_and_asks_for_a_kind(client, branches):
    client.force_login(factories.administrator(branches["audit"], username="boss"))
    data = form_data(
        branches,
        title="党支部积分排名",
        slug="branch-kinds",
        subject="unit",
        units_by="kind",
        unit_level="3",  # left over from the level's input, hidden: dropped
        unit_kinds=["branch", "temporary_branch"],
        period_starts_on="",
        period_ends_on="",
        prize_mode="none",
        tier_name=[],
        tier_value=[],
        tie_breaks=[],
    )
    assert client.post(reverse("rankings:rule_new"), data).status_code == 302
    saved = RankingRule.objects.get(slug="branch-kinds")
    assert (saved.unit_kinds, saved.unit_level) == (["branch", "temporary_branch"], None)
    page = client.get(reverse("rankings:rule_edit", args=[saved.slug])).content.decode()
    assert 'value="branch"' in page and 'id="id_unit_kinds_4"' in page
    data |= {"slug": "no-kind", "unit_kinds": []}
    with translation.override("zh-hans"):
        response = client.post(reverse("rankings:rule_new"), data, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    assert "请至少勾选一种参与排名的单位类型。" in response.content.decode()
    data |= {"units_by": "level", "unit_level": "3", "unit_kinds": ["branch"], "slug": "by-level"}
    assert client.post(reverse("rankings:rule_new"), data).status_code == 302
    assert (
        RankingRule.objects.get(slug="by-level").unit_kinds,
        RankingRule.objects.get(slug="by-level").unit_level,
    ) == ([], 3)


@pytest.fixture
def general_branches(db):
    """机关党委 > 第一党总支 > 办公厅党支部 and 文电处党支部; 第二党总支 > 机要处党支部; 直属党支部
    beside them, in no 党总支. Points on DAY:

        第一党总支 itself       G 10 (the 总支 secretary, in no branch)
        办公厅党支部            P 30, Q 20
        文电处党支部            R 15, Z none
        第二党总支/机要处党支部   K 40
        直属党支部              D 100
    """
    units = {
        "audit": factories.unit_at("审计署", kind="organ"),
        "committee": factories.unit_at("审计署/机关党委", kind="office"),
    }
    for key, path, kind in (
        ("first", "审计署/机关党委/第一党总支", "general_branch"),
        ("office_branch", "审计署/机关党委/第一党总支/办公厅党支部", "branch"),
        ("docs_branch", "审计署/机关党委/第一党总支/文电处党支部", "branch"),
        ("second", "审计署/机关党委/第二党总支", "general_branch"),
        ("secret_branch", "审计署/机关党委/第二党总支/机要处党支部", "branch"),
        ("direct_branch", "审计署/机关党委/直属党支部", "branch"),
    ):
        units[key] = factories.unit_at(path, kind=kind)
    for unit_key, scores in {
        "first": {"G": 10},
        "office_branch": {"P": 30, "Q": 20},
        "docs_branch": {"R": 15, "Z": None},
        "secret_branch": {"K": 40},
        "direct_branch": {"D": 100},
    }.items():
        for name, amount in scores.items():
            person = factories.member(units[unit_key], username=name.lower(), real_name=name, at=BEFORE)
            if amount is not None:
                points(person, amount, f"{name}-1")
    return units


def test_a_ranking_by_kind_ranks_each_general_branch_with_the_branches_under_it(general_branches):
    """第一党总支: G 10 + P 30 + Q 20 + R 15 = 75, participants G, P, Q, R (4) of a headcount of 5
    (Z too). 第二党总支: K 40, 1 of 1. 直属党支部 (in no 党总支) and the branches are not ranked.
    Per capita: 75 / 5 = 15 and 40 / 1 = 40, so 第二党总支 comes first."""
    assert table(compute(rule(general_branches, unit_kinds=["general_branch"]))) == {
        "第一党总支": (1, 75, 4, 5),
        "第二党总支": (2, 40, 1, 1),
    }
    snapshot = compute(rule(general_branches, unit_kinds=["general_branch"], metric="per_capita"))
    assert {row.label: (row.place, float(row.metric)) for row in snapshot.rows.all()} == {
        "第二党总支": (1, 40),
        "第一党总支": (2, 15),
    }


def test_the_rule_builder_offers_general_branches_among_the_kinds_to_rank(client, general_branches):
    client.force_login(factories.administrator(general_branches["audit"], username="boss"))
    client.cookies["django_language"] = "zh-hans"
    page = client.get(reverse("rankings:rule_new")).content.decode()
    assert 'value="general_branch"' in page and "党总支" in page
    with translation.override("en"):
        described = ranked_description("unit", unit_kinds=["general_branch", "branch"])
    assert described == "Units: General Party branch, Party branch (at any level)"


def test_general_branches_ranked_with_their_branches_count_only_the_members_placed_in_them_and_the_board_says_so(
    general_branches,
):
    """Ticked with party branches, each member counts once, for the nearest ticked unit: 第一党总支
    keeps only its secretary G (10, 1 of 1), 第二党总支 has nobody placed in it directly (no
    headcount: not ranked), and every branch ranks its own: 直属 100 (D), 办公厅 30 + 20 = 50 (P, Q),
    机要处 40 (K), 文电处 15 (R; Z took no part: 1 of 2). The builder's help and the board say so
    (the help said the members of the units under a unit count for it)."""
    snapshot = compute(rule(general_branches, unit_kinds=["general_branch", "branch"]))
    assert table(snapshot) == {
        "直属党支部": (1, 100, 1, 1),
        "办公厅党支部": (2, 50, 2, 2),
        "机要处党支部": (3, 40, 1, 1),
        "文电处党支部": (4, 15, 1, 2),
        "第一党总支": (5, 10, 1, 1),
        "第二党总支": (None, 0, 0, 0),
    }
    sentence = {
        "en": "Each member counts once, for the nearest ranked unit at or above their own: a ranked unit with "
        "ranked units under it counts only the members placed outside them.",
        "zh-hans": "每名成员只计入一次，计入本单位或上级单位中最近的参与排名单位：下设参与排名单位的单位，"
        "只计入未编入这些下级单位的成员。",
    }
    for language, text in sentence.items():
        with translation.override(language):
            assert text in counting_rules(RuleParams.from_json(snapshot.parameters))
    level = compute(rule(general_branches, unit_level=3))
    with translation.override("en"):
        assert sentence["en"] not in counting_rules(RuleParams.from_json(level.parameters))
        assert "general branch ticked with party branches counts only the members placed in it directly" in str(
            HELP["unit_kinds"]
        )
