"""A call's prize tiers are checked together by rankings' tier rule, as a ranking rule's are:
percentages adding up to more than 100 %, or score bands listed from the lowest up, are refused
and nothing is saved."""

from decimal import Decimal

import pytest
from django.urls import reverse

from .conftest import signed_in
from .test_pages import one_criterion_form

OVER_100 = "各档百分比合计 110%，超过了 100%。"
BANDS_UPWARD = "分数段按最低分从高到低排列，每档低于上一档。"


def tiers(*rows) -> dict:
    data = {"tiers-TOTAL_FORMS": len(rows), "tiers-INITIAL_FORMS": 0}
    for index, (name, value) in enumerate(rows):
        data |= {f"tiers-{index}-name": name, f"tiers-{index}-value": value}
    return data


@pytest.mark.parametrize(
    ("mode", "rows", "message"),
    [
        # 60 % + 50 % = 110 %: more places than entries.
        ("percent", [("一等奖", "60"), ("二等奖", "50")], OVER_100),
        # Worst first: 三等奖 from 60, then 二等奖 from 70 and 一等奖 from 80.
        ("band", [("三等奖", "60"), ("二等奖", "70"), ("一等奖", "80")], BANDS_UPWARD),
    ],
)
def test_tiers_a_ranking_rule_refuses_are_refused_on_the_call_form(
    client, essay_call, tree, owner, mode, rows, message
):
    signed_in(client, owner)
    data = one_criterion_form(essay_call, tree) | {"prize_mode": mode} | tiers(*rows)

    page = client.post(reverse("calls:call_edit", args=[essay_call.pk]), data)

    assert page.status_code == 200 and message in page.text
    essay_call.refresh_from_db()
    assert essay_call.prize_mode == "count"
    assert list(essay_call.prize_tiers.values_list("name", "value")) == [
        ("一等奖", Decimal("1.00")),
        ("二等奖", Decimal("1.00")),
    ]


def test_tiers_within_the_rule_are_saved(client, essay_call, tree, owner):
    """10 % + 20 % + 30 % = 60 %; bands 80 > 70 > 60."""
    signed_in(client, owner)
    url = reverse("calls:call_edit", args=[essay_call.pk])
    percent = [("一等奖", "10"), ("二等奖", "20"), ("三等奖", "30")]
    assert (
        client.post(url, one_criterion_form(essay_call, tree) | {"prize_mode": "percent"} | tiers(*percent)).status_code
        == 302
    )
    bands = [("一等奖", "80"), ("二等奖", "70"), ("三等奖", "60")]
    assert (
        client.post(url, one_criterion_form(essay_call, tree) | {"prize_mode": "band"} | tiers(*bands)).status_code
        == 302
    )
    essay_call.refresh_from_db()
    assert essay_call.prize_mode == "band"
    assert list(essay_call.prize_tiers.values_list("value", flat=True)) == [Decimal(80), Decimal(70), Decimal(60)]
