"""A member board's footnote says where a member who moved is listed, as the board lists them:
one row in one unit, with all their results, whichever way the rule credits units
(`mover_credit`); "each result counts for the unit of its time" is a unit ranking's rule.

`branches` (tests/rankings/test_mover_columns.py): 熊静兰 earned 41 in 第二党支部 on 3 Dec, moved to
第一党支部 on 6 Dec and earned 9 there on 8 Dec; the headcount is taken at the end of 10 Dec."""

import dataclasses
import html
import re

import pytest
from django.urls import reverse

from rankings import params as rankings_params
from rankings import selectors, services
from tests import factories
from tests.rankings.test_compute import compute
from tests.rankings.test_mover_columns import branches, rule  # noqa: F401 - the fixture

UNIT_RULE = "Each result counts for the unit the member belonged to when it was earned."
CUT_OFF = "A member who moved is listed, with all their results, in their unit when the headcount is taken."
FACT = (
    "A member who moved is listed once, with all their results, in one of the units they earned them in, "
    "not necessarily their unit now."
)
GROUPS = 'Their place within a unit and "Units compared" count all their results there.'


def footnote(rule, language: str) -> str:
    admin = factories.administrator(rule.unit, username=f"boss-{language}")
    page = factories.client_in(language, admin).get(reverse("rankings:board", args=[rule.slug])).content.decode()
    return html.unescape(re.search(r'id="counting-rules">(.*?)</p>', page, re.S).group(1))


@pytest.mark.parametrize(("credit", "listed"), [("cut_off", CUT_OFF), ("fact", CUT_OFF)])
def test_a_member_board_with_groups_says_where_a_mover_is_listed(branches, credit, listed):  # noqa: F811
    members = rule(branches, subject="member", unit_level=None, group_level=3, mover_credit=credit)
    compute(members)
    english = footnote(members, "en")
    assert f"{listed} {GROUPS}" in english and UNIT_RULE not in english
    chinese = footnote(members, "zh-hans")
    assert "每项成绩计入取得成绩时成员所在单位。" not in chinese
    assert "其在单位内的名次和“单位对比”均按其全部成绩计入该单位。" in chinese


def test_credited_at_the_cut_off_a_mover_and_the_units_means_count_in_her_new_unit(branches):  # noqa: F811
    members = rule(branches, subject="member", unit_level=None, group_level=3, mover_credit="cut_off")
    snapshot = compute(members)
    mover = snapshot.rows.get(label="熊静兰")
    # By hand: 41 + 9 = 50, first of 第一党支部 (甲 30); 第一's mean (50 + 30) / 2 = 40, 第二's
    # (丁 20 + 丙 10) / 2 = 15 (戊 has no result, 停 is deactivated).
    assert (float(mover.total), mover.group_name, mover.rank_in_group) == (50, "第一党支部", 1)
    means = {group["group_name"]: float(group["mean"]) for group in selectors.groups(snapshot)}
    assert means == {"第一党支部": pytest.approx(40), "第二党支部": pytest.approx(15)}
    assert footnote(members, "zh-hans").count("调动过的成员连同其全部成绩，列在统计应参与人数时其所在的单位。") == 1


def test_a_member_board_without_groups_says_where_a_mover_is_listed_and_a_unit_board_keeps_its_rule(branches):  # noqa: F811
    members = rule(branches, subject="member", unit_level=None, mover_credit="fact")
    compute(members)
    english = footnote(members, "en")
    assert CUT_OFF in english and GROUPS not in english and UNIT_RULE not in english
    assert "调动过的成员连同其全部成绩，列在统计应参与人数时其所在的单位。" in footnote(members, "zh-hans")


def test_credited_fact_by_fact_a_mover_is_listed_in_her_unit_at_the_cut_off(branches):  # noqa: F811
    """Her 41 (第二, 3 Dec) and 9 (第一, 8 Dec) both count for her; she is listed in 第一党支部, her
    unit at the cut-off, not in 第二党支部, whose path merely sorts after 第一's. By hand: 50, first of
    第一党支部 (甲 30); 第一's mean (50 + 30) / 2 = 40, 第二's (丁 20 + 丙 10) / 2 = 15."""
    members = rule(branches, subject="member", unit_level=None, group_level=3, mover_credit="fact")
    snapshot = compute(members)
    assert snapshot.parameters["members_listed_at_cut_off"] is True
    mover = snapshot.rows.get(label="熊静兰")
    assert (float(mover.total), mover.unit_name, mover.group_name, mover.rank_in_group) == (
        50,
        "第一党支部",
        "第一党支部",
        1,
    )
    means = {group["group_name"]: float(group["mean"]) for group in selectors.groups(snapshot)}
    assert means == {"第一党支部": pytest.approx(40), "第二党支部": pytest.approx(15)}
    assert services.snapshot_recompute(snapshot=snapshot).ok


def test_a_version_computed_before_keeps_her_where_it_listed_her_and_verifies(branches, monkeypatch):  # noqa: F811
    """A snapshot computed before the setting (its parameters without it) listed her in 第二党支部,
    the units' paths' last; recomputed, it gives the same rows and verifies."""
    from_rule = rankings_params.RuleParams.from_rule
    monkeypatch.setattr(
        rankings_params.RuleParams,
        "from_rule",
        classmethod(lambda cls, r: dataclasses.replace(from_rule(r), members_listed_at_cut_off=False)),
    )
    members = rule(branches, subject="member", unit_level=None, group_level=3, mover_credit="fact")
    old = compute(members)
    monkeypatch.undo()
    assert "members_listed_at_cut_off" not in old.parameters
    assert old.rows.get(label="熊静兰").group_name == "第二党支部"
    assert FACT in footnote(members, "en")
    assert services.snapshot_recompute(snapshot=old).ok
    new = compute(members)
    assert new.version == old.version + 1 and new.rows.get(label="熊静兰").group_name == "第一党支部"
