"""A rule's prize tiers each have their own name (and English name): two tiers named alike would be
merged into one prize on the board ("一等奖 × 2"). Names compare as sibling units' do: spaces
trimmed, full-width letters as half-width, case ignored."""

import pytest
from django.core.exceptions import ValidationError

from rankings.params import check_rule
from tests import factories
from tests.rankings.test_rule_builder import NEW, form_data, refused
from tests.rankings.test_services import member_rule


@pytest.fixture
def study(module_study):
    return module_study


@pytest.fixture
def admin_client(client, study):
    client.force_login(factories.administrator(study["tree"]["audit"], username="boss"))
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.mark.parametrize("second", ["一等奖", " 一等奖 "])
def test_a_tier_named_as_the_one_above_is_refused_on_its_row(admin_client, study, second):
    data = form_data(study["tree"], tier_name=["一等奖", second])
    form, page = refused(admin_client, NEW, data, "prize_tiers")
    expected = "Tier 1 is already named 一等奖: give each tier its own name."
    assert [row["errors"] for row in form.tiers.rows] == [[], [expected]]
    assert form.errors["prize_tiers"] == ["Correct the tier rows marked below."]
    assert expected in page


def test_full_width_and_capital_letters_make_no_new_name(admin_client, study):
    data = form_data(study["tree"], tier_name=["A等奖", "B等奖", "ａ等奖"], tier_value=["1", "2", "3"])
    form, _page = refused(admin_client, NEW, data, "prize_tiers")
    assert [row["errors"] for row in form.tiers.rows] == [
        [],
        [],
        ["Tier 1 is already named A等奖: give each tier its own name."],
    ]


def test_a_repeated_english_name_is_refused_on_its_row_in_either_language(admin_client, study):
    data = form_data(study["tree"], tier_name_en=["First prize", "first  PRIZE"])
    form, _page = refused(admin_client, NEW, data, "prize_tiers")
    english = "Tier 1 already has the English name First prize: give each tier its own."
    assert [row["errors"] for row in form.tiers.rows] == [[], [english]]
    chinese = admin_client.post(NEW, data, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "第 1 档已使用英文名称“First prize”：请为每档奖项取不同的英文名称。" in chinese


def test_a_repeated_name_reads_in_chinese_for_chinese_readers(admin_client, study):
    data = form_data(study["tree"], tier_name=["一等奖", "一等奖"])
    page = admin_client.post(NEW, data, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "第 1 档已使用名称“一等奖”：请为每档奖项取不同的名称。" in page


def test_the_rule_check_refuses_stored_tiers_named_alike_for_every_other_saver(study):
    rule = member_rule(study, slug="twice")
    rule.prize_mode = "count"
    rule.prize_tiers = [{"name": "一等奖", "value": 1}, {"name": "二等奖", "value": 2}, {"name": "二等奖", "value": 3}]
    with pytest.raises(ValidationError) as refusal:
        check_rule(rule)
    assert refusal.value.message_dict == {"prize_tiers": ["第 3 档与第 2 档名称相同：请为每档奖项取不同的名称。"]}


def test_a_row_identical_to_the_one_above_is_refused_on_the_second_row(admin_client, study):
    # Same name, same count: the two rows read alike, and the second is still the one marked.
    data = form_data(study["tree"], tier_name=["一等奖", "一等奖"], tier_value=["1", "1"])
    form, page = refused(admin_client, NEW, data, "prize_tiers")
    expected = "Tier 1 is already named 一等奖: give each tier its own name."
    assert [row["errors"] for row in form.tiers.rows] == [[], [expected]]
    assert form.errors["prize_tiers"] == ["Correct the tier rows marked below."]
    assert expected in page
