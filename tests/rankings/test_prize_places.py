"""Prizes by count give places, counted on from the tier above, not a number of winners: the
rule form says so, and the board says why a tier has more winners than places typed.

Five members of 国家统计局/综合司/第一党支部 ranked by self-study points, tiers 一等奖 1, 二等奖 1,
三等奖 2 (places 1, 2, 3-4):

    甲 100 (1st), 乙 90 and 丙 90 (2nd =, they hold places 2 and 3), 丁 80 (4th), 戊 70 (5th)

    "drop": 甲 一等奖; 乙 and 丙 would need places 2-3 but 二等奖 ends at place 2, so both drop to
            三等奖 (places 3-4: 3 <= 4); 丁 holds place 4 <= 4: 三等奖; 戊 none.
            一等奖 × 1, 三等奖 × 3 (2 typed), four winners as the counts add up to (1 + 1 + 2).
    "share": 甲 一等奖; 乙 and 丙 at place 2 <= 2 both take 二等奖 (× 2, 1 typed); 丁 at place 4 <= 4
            三等奖 (× 1); 戊 none.
"""

import datetime as dt

import pytest
from django.urls import reverse

from tests import factories
from tests.rankings.test_compute import compute
from tests.rankings.test_services import points

TIERS = [{"name": "一等奖", "value": 1}, {"name": "二等奖", "value": 1}, {"name": "三等奖", "value": 2}]


@pytest.fixture
def branch(db):
    organ = factories.unit_at("国家统计局", kind="organ")
    unit = factories.unit_at("国家统计局/综合司/第一党支部", kind="branch")
    for name, amount in (("甲", 100), ("乙", 90), ("丙", 90), ("丁", 80), ("戊", 70)):
        points(
            factories.member(unit, username=f"p-{name}", real_name=name), amount, f"{name}-1", day=dt.date(2026, 11, 24)
        )
    return organ


def rule(organ, boundary_ties):
    return factories.ranking_rule(
        organ,
        subject="member",
        sources=[{"kind": "points"}],
        period_starts_on=dt.date(2026, 11, 23),
        period_ends_on=dt.date(2026, 11, 30),
        prize_mode="count",
        prize_tiers=TIERS,
        boundary_ties=boundary_ties,
        slug=f"prizes-{boundary_ties}",
    )


@pytest.mark.parametrize(
    ("boundary_ties", "prizes"),
    [
        ("drop", {"甲": "一等奖", "乙": "三等奖", "丙": "三等奖", "丁": "三等奖", "戊": ""}),
        ("share", {"甲": "一等奖", "乙": "二等奖", "丙": "二等奖", "丁": "三等奖", "戊": ""}),
    ],
)
def test_counts_are_places_counted_on_from_the_tier_above(branch, boundary_ties, prizes):
    snapshot = compute(rule(branch, boundary_ties))
    assert {row.label: row.prize for row in snapshot.rows.all()} == prizes


@pytest.mark.parametrize(
    ("boundary_ties", "language", "said"),
    [
        (
            "drop",
            "zh-hans",
            "三等奖获奖 3 名，多于所填的 2 个名次：名额指名次数，接着上一档往下数；跨越获奖线的并列者整体降入下一档",
        ),
        ("drop", "en", "三等奖 has 3 winners for the 2 places typed: a count is a number of places, counted on from"),
        (
            "share",
            "zh-hans",
            "二等奖获奖 2 名，多于所填的 1 个名次：名额指名次数，接着上一档往下数；在某档最后一个名次上并列者均获",
        ),
        ("share", "en", "二等奖 has 2 winners for the 1 places typed: a count is a number of places, counted on from"),
    ],
)
def test_the_board_says_why_a_tier_has_more_winners_than_places_typed(client, branch, boundary_ties, language, said):
    snapshot = compute(rule(branch, boundary_ties))
    client.force_login(factories.administrator(branch, username="boss"))
    page = client.get(f"/rankings/{snapshot.rule.slug}/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert said in page
    # Only the tier over its count is explained (三等奖 under "share" has 1 winner for 2 places).
    assert page.count('class="small qs-muted mt-n2 mb-3 prize-over-places"') == 1


@pytest.mark.parametrize(
    ("language", "said", "not_said"),
    [
        (
            "zh-hans",
            "按名额：该档所占的名次数，接着上一档往下数（填 1、1、2 即第 1 名、第 2 名、第 3–4 名）",
            "按名额：获奖人数",
        ),
        (
            "en",
            "By count: the number of places a tier covers, counted on from the tier above (1, 1, 2: 1st, 2nd, 3rd–4th)",
            "By count: how many places;",
        ),
    ],
)
def test_the_rule_form_says_a_count_is_places_counted_on_from_the_tier_above(client, branch, language, said, not_said):
    client.force_login(factories.administrator(branch, username="boss"))
    page = client.get(reverse("rankings:rule_new"), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert said in page and not_said not in page
