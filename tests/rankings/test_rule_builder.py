"""The ranking rule builder: plain controls, every bad input named next to its field, a preview
that saves nothing and equals what a computation gives, and administrators' units only."""

import html
import json
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from contests.online.services import DrawRule
from orgs import services as org_services
from rankings import selectors
from rankings.models import RankingRule, RuleSource, Snapshot
from rankings.params import check_prize_tiers, check_tie_breaks
from tests import factories
from tests.rankings.test_services import compute, member_rule

NEW = reverse("rankings:rule_new")


@pytest.fixture
def study(module_study):
    """`study`, built once for this file's rolled-back tests (tests/rankings/conftest.py)."""
    return module_study


@pytest.fixture
def tree(study):
    """A small organisation (tests/conftest.py `tree`): the module's, `study`'s."""
    return study["tree"]


@pytest.fixture
def admin_client(client, study):
    client.force_login(factories.administrator(study["tree"]["audit"], username="boss"))
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def form_data(tree, **changes) -> dict:
    """A valid form: members of 审计署 ranked by points on 2026-11-20, 1 first and 2 second prizes."""
    data = {
        "title": "支部积分排名",
        "slug": "branch-points",
        "unit": tree["audit"].pk,
        "subject": "member",
        "unit_level": "",
        "group_level": "2",
        "metric": "total",
        "top_k": "3",
        "min_participants": "0",
        "min_participation": "",
        "period_starts_on": "2026-11-20",
        "period_ends_on": "2026-11-20",
        "headcount_on": "",
        "mover_credit": "fact",
        "rank_style": "standard",
        "prize_mode": "count",
        "boundary_ties": "share",
        "percent_rounding": "floor",
        "is_active": "on",
        "tier_name": ["一等奖", "二等奖"],
        "tier_value": ["1", "2"],
        "tie_breaks": ["finished_at_asc"],
        "source_kind": ["points"],
        "source_contest": [""],
        "source_paper": [""],
        "source_activity": [""],
        "source_weight": ["1"],
        "action": "save",
    }
    data.update(changes)
    return data


def test_the_form_saves_tiers_tie_break_order_and_sources_as_typed(admin_client, study):
    response = admin_client.post(NEW, form_data(study["tree"]))
    rule = RankingRule.objects.get(slug="branch-points")
    assert response.status_code == 302 and response["Location"] == reverse("rankings:manage", args=[rule.slug])
    assert rule.prize_tiers == [{"name": "一等奖", "value": 1.0}, {"name": "二等奖", "value": 2.0}]
    assert rule.tie_breaks == ["finished_at_asc"]
    assert rule.unit == study["tree"]["audit"] and rule.group_level == 2
    assert list(rule.sources.values_list("kind", "activity", "weight")) == [("points", "", 1)]
    assert rule.population_frozen_at is not None


def test_composite_weights_are_stored_as_fractions_of_100_percent(admin_client, study):
    data = form_data(
        study["tree"],
        subject="unit",
        unit_level="3",
        metric="composite",
        weight_per_capita="60",
        weight_participation="40",
        min_participation="50",
    )
    assert admin_client.post(NEW, data).status_code == 302
    rule = RankingRule.objects.get(slug="branch-points")
    assert rule.composite == {"per_capita": 0.6, "participation": 0.4}
    assert float(rule.min_participation) == 0.5


def refused(client, url, data, field):
    """Post a bad form: nothing is saved, the page comes back with the typed values, and the
    errors of `field` (or of its rows) are returned."""
    rules, sources = RankingRule.objects.count(), RuleSource.objects.count()
    response = client.post(url, data)
    assert response.status_code == 200
    assert (RankingRule.objects.count(), RuleSource.objects.count()) == (rules, sources)
    form = response.context["form"]
    assert not form.is_valid()
    page = response.content.decode()
    assert f'value="{data["title"]}"' in page
    return form, page


def test_percentages_past_100_are_refused_with_their_sum(admin_client, study):
    data = form_data(study["tree"], prize_mode="percent", tier_value=["60", "50"])
    form, page = refused(admin_client, NEW, data, "prize_tiers")
    assert form.errors["prize_tiers"] == ["The percentages add up to 110%, more than 100%."]
    assert 'value="60"' in page and 'value="50"' in page and 'data-error-for="prize_tiers"' in page


def test_a_negative_count_is_refused_on_its_row(admin_client, study):
    form, page = refused(admin_client, NEW, form_data(study["tree"], tier_value=["1", "-2"]), "prize_tiers")
    assert [row["errors"] for row in form.tiers.rows] == [[], ["A count cannot be negative."]]
    assert 'value="-2"' in page and "A count cannot be negative." in page


def test_a_score_band_above_the_band_before_it_is_refused_on_its_row(admin_client, study):
    data = form_data(study["tree"], prize_mode="band", tier_value=["80", "90"])
    form, _page = refused(admin_client, NEW, data, "prize_tiers")
    assert form.tiers.rows[1]["errors"] == ["This band's lowest score (90) must be below the band above it (80)."]


def test_weights_not_adding_up_to_100_percent_are_refused_with_their_sum(admin_client, study):
    data = form_data(
        study["tree"],
        subject="unit",
        unit_level="3",
        metric="composite",
        weight_per_capita="60",
        weight_participation="30",
    )
    form, page = refused(admin_client, NEW, data, "composite")
    assert form.errors["composite"] == ["The weights add up to 90 %; they must add up to 100 %."]
    assert 'data-error-for="composite"' in page and 'value="30"' in page


def test_a_period_ending_before_it_starts_is_refused(admin_client, study):
    data = form_data(study["tree"], period_starts_on="2026-11-20", period_ends_on="2026-11-19")
    form, _page = refused(admin_client, NEW, data, "period_ends_on")
    assert form.errors["period_ends_on"] == ["The period ends before it starts."]


def test_a_reversed_period_is_named_together_with_the_forms_other_mistakes(admin_client, study):
    data = form_data(study["tree"], period_starts_on="2026-12-31", period_ends_on="2026-01-01", tier_value=["1", "x"])
    form, page = refused(admin_client, NEW, data, "period_ends_on")
    assert form.errors["period_ends_on"] == ["The period ends before it starts."]
    assert form.tiers.rows[1]["errors"] == ["Enter a number."]
    assert 'value="2026-12-31"' in page and 'value="2026-01-01"' in page


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"group_level": "4"},
            "group_level",
            "Groups are units below 审计署 (level 1): choose a level above 1 and up to 3.",
        ),
        (
            {"group_level": "1"},
            "group_level",
            "Groups are units below 审计署 (level 1): choose a level above 1 and up to 3.",
        ),
        (
            {"subject": "unit", "unit_level": "3", "metric": "top_k", "top_k": "99999999999999999999"},
            "top_k",
            "k can be at most 1,000.",
        ),
        (
            # Django's "Ensure this value is less than or equal to 9223372036854775807." came instead.
            {"group_level": "99999999999999999999"},
            "group_level",
            "Groups are units below 审计署 (level 1): choose a level above 1 and up to 3.",
        ),
        (
            {"subject": "unit", "unit_level": "99999999999999999999", "group_level": ""},
            "unit_level",
            "The units under 审计署 go down to level 3: choose a level up to that.",
        ),
        (
            {"subject": "unit", "unit_level": "5", "group_level": ""},
            "unit_level",
            "The units under 审计署 go down to level 3: choose a level up to that.",
        ),
        (
            {"min_participants": "99999999999999999999"},
            "min_participants",
            "The minimum participants can be at most 1,000,000.",
        ),
    ],
    ids=[
        "below-the-tree",
        "the-rules-own-level",
        "huge-k",
        "huge-group-level",
        "huge-unit-level",
        "unit-level-below-the-tree",
        "huge-minimum",
    ],
)
def test_a_tree_level_or_number_no_unit_could_have_is_refused_beside_its_field(
    admin_client,
    study,
    changes,
    field,
    message,
):
    form, page = refused(admin_client, NEW, form_data(study["tree"], **changes), field)
    assert form.errors[field] == [message]
    assert f'value="{changes[field]}"' in page


def test_a_member_rankings_hidden_unit_level_is_not_kept(admin_client, study):
    # The level is hidden unless units are ranked; a huge one left there reached the column.
    assert admin_client.post(NEW, form_data(study["tree"], unit_level="99999999999999999999")).status_code == 302
    assert RankingRule.objects.get(slug="branch-points").unit_level is None


COUNT_REFUSED = "A count is a whole number of places, from 1 to 1,000,000."


@pytest.mark.parametrize(
    ("mode", "value", "message"),
    [
        # 1e400 is a whole number to Decimal and infinity as a float: the save and the preview
        # failed with OverflowError; 10^23 overflowed SQLite's integer in the preview.
        ("count", "1e400", COUNT_REFUSED),
        ("count", "99999999999999999999999", COUNT_REFUSED),
        ("count", "1000001", COUNT_REFUSED),
        ("band", "1e400", "A score band lies between -1,000,000,000 and 1,000,000,000."),
        ("percent", "1e400", "A percentage lies above 0 and at most 100."),
    ],
    ids=["count-1e400", "count-10-to-23", "count-past-a-million", "band-1e400", "percent-1e400"],
)
@pytest.mark.parametrize("action", ["save", "preview"])
def test_a_tier_value_past_any_ranking_is_refused_on_its_row(admin_client, study, mode, value, message, action):
    data = form_data(study["tree"], prize_mode=mode, tier_value=[value, "1" if mode != "band" else "-1"])
    if action == "preview":
        response = preview(admin_client, NEW, data)
        assert response.context["preview"] is None
        assert f"Prize tier 1: {message}" in response.content.decode()
        return
    form, page = refused(admin_client, NEW, data, "prize_tiers")
    assert [row["errors"] for row in form.tiers.rows] == [[message], []]
    assert f'value="{value}"' in page


def test_a_million_places_is_the_largest_count_taken(admin_client, study):
    data = form_data(study["tree"], tier_value=["1000000", "2"])
    assert admin_client.post(NEW, data).status_code == 302
    assert RankingRule.objects.get(slug="branch-points").prize_tiers[0]["value"] == 1_000_000


@pytest.mark.parametrize(
    ("mode", "tier", "message"),
    [
        ("count", {"name": "一等奖", "value": 10**23}, "Tier 1: a count is a whole number from 1 to 1,000,000."),
        (
            "band",
            {"name": "一等奖", "value": -(10**10)},
            "Tier 1: a score band lies between -1,000,000,000 and 1,000,000,000.",
        ),
        (
            "count",
            {"name": "一等奖", "value": 1, "per_group": 10**23},
            "Tier 1: the quota per group is a whole number from 1 to 1,000,000.",
        ),
    ],
    ids=["huge-count", "huge-band", "huge-quota"],
)
def test_stored_tiers_past_any_ranking_are_refused_in_words(mode, tier, message):
    # The check every save of a rule passes (the admin's too).
    with translation.override("en"):
        assert check_prize_tiers(mode=mode, tiers=[tier], group_level=2) == message


def test_an_infinite_stored_tier_is_refused_as_no_number():
    # 1e400 raised OverflowError (float infinity to int) instead.
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        check_prize_tiers(mode="count", tiers=[{"name": "一等奖", "value": "1e400"}])
    assert refused.value.message_dict == {"prize_tiers": ["Tier 1: the value must be a number."]}


@pytest.mark.parametrize("group_level", ["9", "two"])
def test_a_refused_group_level_does_not_also_tell_the_quotas_to_choose_one(
    admin_client,
    study,
    group_level,
):
    data = form_data(study["tree"], group_level=group_level, tier_per_group=["1", ""])
    form, page = refused(admin_client, NEW, data, "group_level")
    assert [row["errors"] for row in form.tiers.rows] == [[], []]
    assert "A quota per group needs groups" not in page


def test_the_form_lists_the_tree_levels_with_their_units_names(admin_client, study):
    # "Unit level 3" meant nothing to an administrator who had never counted the tree's levels.
    page = admin_client.get(NEW, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    levels = re.findall(r"<li>(第 \d 级：[^<]*)</li>", page)
    assert levels == [
        "第 1 级：审计署",
        "第 2 级：广州特派办、京津冀特派办",
        "第 3 级：第一党支部、第二党支部、机关党支部",
    ]


def test_a_weight_with_more_decimals_than_are_kept_is_refused_on_its_row(admin_client, study):
    # 999.9999 would round to 1000 (past the column) and 0.0004 to a weight of nothing.
    for weight in ("999.9999", "0.0004"):
        form, page = refused(admin_client, NEW, form_data(study["tree"], source_weight=[weight]), "sources")
        assert form.source_rows.rows[0]["errors"] == ["A weight has at most 3 decimal places."]
        assert f'value="{weight}"' in page


def test_a_unit_the_administrator_does_not_administer_is_refused(admin_client, study):
    form, page = refused(admin_client, NEW, form_data(study["tree"], unit=study["tree"]["mof"].pk), "unit")
    assert form.errors["unit"] == ["You do not administer that unit: choose one of the units listed."]
    assert "财政部" not in page  # not even offered


def test_a_short_name_already_taken_is_refused(admin_client, study):
    member_rule(study, slug="branch-points")
    form, _page = refused(admin_client, NEW, form_data(study["tree"]), "slug")
    assert form.errors["slug"] == ["Another ranking already uses this short name; choose another."]


def test_a_rule_without_sources_is_refused(admin_client, study):
    data = form_data(study["tree"], source_kind=[], source_contest=[], source_paper=[], source_activity=[])
    data["source_weight"] = []
    form, _page = refused(admin_client, NEW, data, "sources")
    assert form.errors["sources"] == ["Add at least one source of facts to rank."]


def preview(client, url, data):
    response = client.post(url, {**data, "action": "preview"}, HTTP_X_FRAGMENT="preview")
    assert response.status_code == 200
    return response


def test_the_preview_of_a_unit_ranking_names_its_column_unit_and_shows_rates_in_percent(admin_client, study):
    # Counted at the end of today: the members were made today, after the points' day.
    today = timezone.localdate().isoformat()
    data = form_data(study["tree"], subject="unit", unit_level="3", metric="participation", period_ends_on=today)
    page = preview(admin_client, NEW, data).content.decode()
    assert "<th>Unit</th>" in page and "<th>Name</th>" not in page
    # Everyone of 广州's first and second branches and of 京津冀's branch earned points.
    assert re.findall(r'<td class="text-end">([^<]*)</td>', page) == ["100%", "100%", "100%"]


def test_the_preview_shows_the_top_rows_and_saves_nothing(admin_client, study):
    response = preview(admin_client, NEW, form_data(study["tree"]))
    rows = response.context["preview"]["rows"]
    # Points on the day: F 50, D 40, E 35, A 30, B 20, C 10; one first prize, two second prizes.
    assert [(r.label, r.rank, int(r.metric), r.prize) for r in rows] == [
        ("F", 1, 50, "一等奖"),
        ("D", 2, 40, "二等奖"),
        ("E", 3, 35, "二等奖"),
        ("A", 4, 30, ""),
        ("B", 5, 20, ""),
        ("C", 6, 10, ""),
    ]
    assert "<html" not in response.content.decode()  # only the fragment
    assert not RankingRule.objects.exists() and not Snapshot.objects.exists() and not RuleSource.objects.exists()


@pytest.mark.parametrize(
    "changes",
    [
        {"tier_value": ["2", "3"], "rank_style": "dense"},
        {
            "subject": "unit",
            "unit_level": "3",
            "metric": "composite",
            "weight_per_capita": "70",
            "weight_participation": "30",
            "prize_mode": "percent",
            "tier_value": ["25", "50"],
        },
    ],
    ids=["members", "branches-composite"],
)
def test_the_preview_equals_the_top_rows_of_a_computed_snapshot(admin_client, study, changes):
    data = form_data(study["tree"], **changes)
    shown = preview(admin_client, NEW, data).context["preview"]["rows"]
    admin_client.post(NEW, data)
    snapshot = compute(RankingRule.objects.get(slug="branch-points")).snapshot
    computed = selectors.in_place_order(snapshot.rows.all(), snapshot)[:10]  # as the board lists them
    columns = ("subject_id", "label", "rank", "place", "metric", "participants", "prize", "rank_in_group")
    assert shown and [tuple(getattr(r, c) for c in columns) for r in shown] == [
        tuple(getattr(r, c) for c in columns) for r in computed
    ]


def test_previewing_a_change_leaves_the_saved_rule_as_it_was(admin_client, study):
    rule = member_rule(study, slug="branch-points", prize_mode="none")
    url = reverse("rankings:rule_edit", args=[rule.slug])
    rows = preview(admin_client, url, form_data(study["tree"], title="改过的")).context["preview"]["rows"]
    assert rows[0].prize == "一等奖"
    rule.refresh_from_db()
    assert (rule.title, rule.prize_mode, rule.version, rule.snapshots.count()) == ("排名", "none", 2, 0)


def test_a_bad_form_previews_as_a_list_of_what_to_correct(admin_client, study):
    response = preview(admin_client, NEW, form_data(study["tree"], tier_value=["1", "-2"]))
    assert response.context["preview"] is None
    assert "Prize tier 2: A count cannot be negative." in response.content.decode()


def test_a_huge_minimum_is_flagged_in_the_preview_and_a_failed_save_shows_only_its_own_errors(
    admin_client,
    study,
):
    # 99999999999999 passed the preview (it fits SQLite's integer), and after a failed save the
    # preview card listed the save's errors a second time.
    data = form_data(study["tree"], min_participants="99999999999999")
    response = preview(admin_client, NEW, data)
    assert response.context["preview"] is None
    assert "Minimum participants: The minimum participants can be at most 1,000,000." in response.content.decode()
    form, page = refused(
        admin_client, NEW, data | {"period_starts_on": "2026-11-20", "period_ends_on": "2026-11-19"}, ""
    )
    assert set(form.errors) == {"min_participants", "period_ends_on"}
    assert 'id="preview-invalid"' not in page and 'id="preview-hint"' in page
    assert page.count("The minimum participants can be at most 1,000,000.") == 1
    assert page.count("The period ends before it starts.") == 1


def test_editing_saves_a_new_version_and_duplicating_copies_settings_and_sources(admin_client, study):
    rule = member_rule(study, slug="branch-points")
    edit = reverse("rankings:rule_edit", args=[rule.slug])
    page = admin_client.get(edit).content.decode()
    assert 'value="排名"' in page and "/admin/" not in page.split("<main")[1]
    assert admin_client.post(edit, form_data(study["tree"], title="支部积分")).status_code == 302
    rule.refresh_from_db()
    assert (rule.title, rule.version, rule.sources.count()) == ("支部积分", 3, 1)
    copy = admin_client.get(reverse("rankings:rule_duplicate", args=[rule.slug]))
    assert copy.context["form"]["slug"].value() == "branch-points-copy"
    assert copy.context["form"].source_rows.rows[0]["kind"] == "points"
    assert f'action="{NEW}"' in copy.content.decode()


def test_a_copy_of_a_long_title_is_shortened_to_fit_the_limit_not_refused_when_saved(admin_client, study):
    rule = member_rule(study, slug="long-title", title="甲" * 58)  # " (copy)" would make it 65
    copy = admin_client.get(reverse("rankings:rule_duplicate", args=[rule.slug]))
    assert copy.context["form"]["title"].value() == "甲" * 52 + "… (copy)"  # 52 + 1 + 7 = 60
    short = member_rule(study, slug="short-title", title="支部积分")
    copy = admin_client.get(reverse("rankings:rule_duplicate", args=[short.slug]))
    assert copy.context["form"]["title"].value() == "支部积分 (copy)"


def test_the_list_shows_where_each_rule_stands(admin_client, study):
    draft = member_rule(study, slug="never-computed", title="未计算")
    computed = member_rule(study, slug="computed", title="已计算")
    compute(computed)
    page = admin_client.get(reverse("rankings:rule_builder")).content.decode()
    assert "Draft: not computed yet" in page.split(f'id="rule-{draft.slug}"')[1].split("</tr>")[0]
    assert "Computed: waiting for approval" in page.split(f'id="rule-{computed.slug}"')[1].split("</tr>")[0]
    assert reverse("rankings:rule_new") in page and "/admin/" not in page.split("<main")[1]


def test_administrators_of_another_unit_and_organisers_are_refused(client, study):
    rule = member_rule(study, slug="branch-points")
    client.force_login(factories.administrator(study["tree"]["mof"], username="mof-admin"))  # does not find it
    for url in (reverse("rankings:rule_edit", args=[rule.slug]), reverse("rankings:rule_duplicate", args=[rule.slug])):
        assert client.get(url).status_code == 404
    forged = form_data(study["tree"], title="偷改")
    assert client.post(reverse("rankings:rule_edit", args=[rule.slug]), forged).status_code == 404
    assert not client.get(reverse("rankings:rule_builder")).context["items"]
    client.force_login(factories.organiser(study["tree"]["audit"], username="organiser"))
    assert client.get(reverse("rankings:rule_new")).status_code == 403
    assert client.post(NEW, form_data(study["tree"])).status_code == 403
    rule.refresh_from_db()
    assert rule.title == "排名" and RankingRule.objects.count() == 1


def test_organisers_pages_for_rules_link_to_the_builder_not_the_admin(admin_client, study):
    rule = member_rule(study, slug="branch-points")
    for url in (reverse("rankings:list"), reverse("rankings:manage", args=[rule.slug])):
        main = admin_client.get(url).content.decode().split("<main")[1]
        assert "/admin/" not in main
    assert reverse("rankings:rule_new") in admin_client.get(reverse("rankings:list")).content.decode()
    manage = admin_client.get(reverse("rankings:manage", args=[rule.slug])).content.decode()
    assert reverse("rankings:rule_edit", args=[rule.slug]) in manage
    assert reverse("rankings:rule_duplicate", args=[rule.slug]) in manage


def test_errors_read_in_chinese_for_chinese_readers(admin_client, study):
    data = form_data(study["tree"], prize_mode="band", tier_value=["80", "90"])
    page = admin_client.post(NEW, data, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "本档最低分（90）必须低于上一档（80）。" in page and "请修改下面标出的奖项行。" in page


def test_teams_are_ranked_from_a_contest_or_a_relay_only(admin_client, study):
    form, _page = refused(admin_client, NEW, form_data(study["tree"], subject="team"), "sources")
    assert form.errors["sources"] == [
        "Teams are ranked from a live contest or a team relay: add the contest, or the relay, as a source."
    ]


def relay_setup(study) -> dict:
    organ = study["tree"]["audit"]
    bank = factories.bank(organ)
    for _ in range(2):
        factories.question(bank, "single")
    return {"organ": organ, "bank": bank, "by": factories.organiser(organ)}


def relay_rule_data(study, *papers, **changes) -> dict:
    """The builder's form for a team ranking of the relays or online contests `papers`."""
    sources = {
        "source_kind": ["online"] * len(papers),
        "source_contest": [""] * len(papers),
        "source_paper": [str(paper.pk) for paper in papers],
        "source_activity": [""] * len(papers),
        "source_weight": ["1"] * len(papers),
    }
    fields = {"subject": "team", "slug": "relay-teams", "tie_breaks": ["accuracy_desc", "time_used_asc"]}
    return form_data(study["tree"], **{**fields, **sources, **changes})


def test_the_builder_offers_relays_by_name_and_saves_a_relay_team_ranking(admin_client, study):
    from tests.contests.test_relay import make_relay

    relay = make_relay(relay_setup(study), title="党史知识接力赛", audience=[study["tree"]["audit"]])
    page = admin_client.get(NEW, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "党史知识接力赛 · 团体接力赛 · 审计署" in page and 'id="relay-hint"' in page
    assert "网上答题或团体接力赛（队伍排名：每队各棒成绩）" in page
    response = admin_client.post(NEW, relay_rule_data(study, relay.paper))
    rule = RankingRule.objects.get(slug="relay-teams")
    assert response.status_code == 302 and rule.subject == "team"
    assert list(rule.sources.values_list("kind", "paper")) == [("online", relay.paper.pk)]
    assert rule.tie_breaks == ["accuracy_desc", "time_used_asc"]


def test_a_team_ranking_refuses_an_online_contest_that_is_no_relay(admin_client, study):
    from tests.contests.test_online import make_contest

    setup = relay_setup(study)
    contest = make_contest(
        {**setup, "branch": study["tree"]["gz1"]}, rules=[DrawRule(bank=setup["bank"], type="single", count=2)]
    )
    form, _page = refused(admin_client, NEW, relay_rule_data(study, contest.paper), "sources")
    assert form.source_rows.rows[0]["errors"] == ["Teams are ranked from a team relay: choose a relay."]


def test_a_team_ranking_refuses_a_contest_and_a_relay_together(admin_client, study):
    from tests.contests.test_relay import make_relay

    relay = make_relay(relay_setup(study), audience=[study["tree"]["audit"]])
    contest = factories.scored_contest(study["tree"]["audit"], [{"name": "一队", "unit": study["tree"]["gz1"]}])
    data = relay_rule_data(
        study,
        relay.paper,
        source_kind=["online", "contest"],
        source_contest=["", str(contest.pk)],
        source_paper=[str(relay.paper.pk), ""],
        source_activity=["", ""],
        source_weight=["1", "1"],
    )
    form, _page = refused(admin_client, NEW, data, "sources")
    assert form.errors["sources"] == [
        "A team ranking ranks either a live contest's teams or a relay's teams: "
        "keep contest sources or relay sources, not both."
    ]


def quota_rule(study, **fields):
    tiers = [{"name": "一等奖", "value": 2, "per_group": 1}, {"name": "二等奖", "value": 3}]
    return member_rule(study, slug="branch-points", prize_mode="count", prize_tiers=tiers, **fields)


def test_editing_a_rule_shows_and_keeps_its_per_group_quotas(admin_client, study):
    rule = quota_rule(study)
    edit = reverse("rankings:rule_edit", args=[rule.slug])
    form = admin_client.get(edit).context["form"]
    assert [(r["name"], r["value"], r["per_group"]) for r in form.tiers.rows] == [
        ("一等奖", "2", "1"),
        ("二等奖", "3", ""),
    ]
    # Posted back as the page shows it (tier rows with their quota inputs), with a new title.
    data = form_data(study["tree"], title="改名", tier_name=["一等奖", "二等奖"], tier_value=["2", "3"])
    data["tier_per_group"] = ["1", ""]
    assert admin_client.post(edit, data).status_code == 302
    rule.refresh_from_db()
    assert rule.prize_tiers == [{"name": "一等奖", "value": 2.0, "per_group": 1}, {"name": "二等奖", "value": 3.0}]


def test_the_preview_honours_a_quota_per_group(admin_client, study):
    data = form_data(study["tree"], tier_value=["3", "1"], tier_per_group=["1", ""])
    rows = preview(admin_client, NEW, data).context["preview"]["rows"]
    # F 50 (京津冀), D 40, E 35, A 30 (广州): three first prizes, at most one per office, go to F
    # and D only (nobody else in 京津冀); second prizes fill the places up to 3 + 1 = 4: E and A.
    # Without the quota: F, D, E first; A second.
    assert [(r.label, r.prize) for r in rows[:4]] == [
        ("F", "一等奖"),
        ("D", "一等奖"),
        ("E", "二等奖"),
        ("A", "二等奖"),
    ]


QUOTA_REFUSED = "At most how many per group: a whole number from 1 to 1,000,000, or empty."


@pytest.mark.parametrize(
    ("quotas", "group_level", "message"),
    [
        (["0", ""], "2", QUOTA_REFUSED),
        (["1.5", ""], "2", QUOTA_REFUSED),
        (["one", ""], "2", QUOTA_REFUSED),
        (["99999999999999999999999", ""], "2", QUOTA_REFUSED),
        (
            ["1", ""],
            "",
            "A quota per group needs groups: choose a group level under What is ranked, or empty the quota.",
        ),
    ],
    ids=["zero", "fraction", "words", "past-a-million", "no-group-level"],
)
def test_a_bad_quota_per_group_is_refused_on_its_row_keeping_what_was_typed(
    admin_client,
    study,
    quotas,
    group_level,
    message,
):
    data = form_data(study["tree"], tier_per_group=quotas, group_level=group_level)
    form, page = refused(admin_client, NEW, data, "prize_tiers")
    assert [row["errors"] for row in form.tiers.rows] == [[message], []]
    assert form.errors["prize_tiers"] == ["Correct the tier rows marked below."]
    assert f'name="tier_per_group" value="{quotas[0]}"' in page and message in page


def test_the_quota_hint_says_what_becomes_of_a_group_tied_at_its_limit(admin_client):
    # Two tied branches of one office both take a tier limited to 1 per group (under "share"):
    # the hint said only "the most one group may take", and the board looked wrong.
    page = admin_client.get(NEW, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "同一分组在名额线上并列的，按“获奖线上的并列”的设置处理" in page


def test_who_is_counted_is_saved_as_typed(admin_client, study):
    data = form_data(
        study["tree"],
        headcount_on="2026-11-19",
        mover_credit="cut_off",
        party_members_only="on",
        count_deactivated="on",
    )
    assert admin_client.post(NEW, data).status_code == 302
    rule = RankingRule.objects.get(slug="branch-points")
    assert (rule.headcount_on.isoformat(), rule.mover_credit) == ("2026-11-19", "cut_off")
    assert rule.party_members_only and rule.count_deactivated
    edit = admin_client.get(reverse("rankings:rule_edit", args=[rule.slug])).content.decode()
    assert 'name="headcount_on" value="2026-11-19"' in edit.replace(' type="date"', "")
    assert '<option value="cut_off" selected>' in edit


def branch_preview(client, study, **changes):
    """Per branch: (headcount, participants, per-capita points) in the preview."""
    # Members were placed in their branches today; the headcount is taken today unless changed.
    changes.setdefault("headcount_on", timezone.localdate().isoformat())
    data = form_data(study["tree"], subject="unit", unit_level="3", metric="per_capita", **changes)
    rows = preview(client, NEW, {**data, "prize_mode": "none", "tier_name": [], "tier_value": []})
    shown = rows.context["preview"]["rows"]
    return {r.label.split("/")[-1]: (r.headcount, r.participants, r.metric and float(r.metric)) for r in shown}


def test_the_preview_counts_party_members_only_and_deactivated_members_as_the_form_says(admin_client, study):
    people = study["people"]
    people["c"].is_party_member = False  # 第一党支部: A 30, B 20, C 10 (not a party member)
    people["c"].save(update_fields=["is_party_member"])
    people["e"].is_active = False  # 第二党支部: D 40, E 35 (deactivated)
    people["e"].save(update_fields=["is_active"])
    everyone = branch_preview(admin_client, study, count_deactivated="on")
    assert everyone["第一党支部"] == (3, 3, 20.0) and everyone["第二党支部"] == (2, 2, 37.5)
    party = branch_preview(admin_client, study, party_members_only="on")
    assert party["第一党支部"] == (2, 2, 25.0) and party["第二党支部"] == (1, 1, 40.0)


def test_the_preview_takes_the_headcount_on_the_day_typed(admin_client, study):
    """A (30 points for 第一党支部 on 20 November) moves to 第二党支部 today. Members were first
    placed today, and a first placement reaches back (`headcount_as_credited`): at the end of the
    points day A is in 第一's headcount, at the end of today in 第二's."""
    org_services.member_move(member=study["people"]["a"], unit=study["tree"]["gz2"], reason="调动")
    on_the_points_day = branch_preview(admin_client, study, headcount_on="2026-11-20")
    # 第二: D 40 + E 35 = 75 over D, E: 37.5; 第一: 60 over A, B, C: 20.
    assert on_the_points_day["第二党支部"] == (2, 2, 37.5)
    assert on_the_points_day["第一党支部"] == (3, 3, 20.0)
    # Today 第二 counts D, E, A: 75 / 3 = 25.
    assert branch_preview(admin_client, study)["第二党支部"] == (3, 2, 25.0)


def test_new_settings_metrics_and_tie_breaks_read_plainly_in_chinese(admin_client, study):
    page = admin_client.get(NEW, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    for text in ("统计哪些人", "应参与人数统计日", "仅限党员", "统计已停用的成员", "每项成绩计入取得时成员所在的单位"):
        assert text in page
    for text in ("参与者平均分", "单项最好成绩（成员）", "正确率高者在前", "答对题数多者在前", "每组最多"):
        assert text in page
    assert "accuracy_desc</option>" not in page and "Who is counted" not in page


def test_an_online_contest_provides_answers_for_accuracy_tie_breaks():
    keys = ["accuracy_desc", "right_desc", "time_used_asc"]
    assert check_tie_breaks(keys, subject="member", source_kinds=["online"]) is None
    with translation.override("en"):
        refused = check_tie_breaks(keys, subject="member", source_kinds=["points", "study_hours"])
    assert "only a contest, an exam or an online contest source provides" in refused


def test_a_new_rule_asks_for_a_second_approver_only_where_someone_else_could_approve(admin_client, study):
    def box() -> tuple[bool, bool]:
        """Whether the four-eyes box is ticked, and whether the form warns no one else can approve."""
        page = admin_client.get(NEW).content.decode()
        checkbox = re.search(r'<input[^>]*id="id_requires_second_approver"[^>]*>', page).group(0)
        warning = re.search(r'<div class="([^"]*)"[^>]*id="no-second-approver"', page).group(1)
        return "checked" in checkbox, "d-none" not in warning

    assert box() == (False, False)  # boss alone administers 审计署
    factories.administrator(study["tree"]["audit"], username="second")
    assert box() == (True, False)


def test_the_form_warns_at_once_when_four_eyes_is_ticked_with_no_one_else_to_approve(admin_client, study):
    rule = member_rule(study, slug="alone")
    assert rule.requires_second_approver
    edit = reverse("rankings:rule_edit", args=[rule.slug])
    warning = re.compile(
        r'<div class="([^"]*)" role="status" id="no-second-approver" '
        r'data-approvers="([^"]*)">([^<]*<i[^>]*></i>[^<]*)'
    )
    shown = warning.search(admin_client.get(edit, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode())
    assert "d-none" not in shown.group(1) and "因此无人可以审核" in shown.group(3)
    # No one else holds 审计署: it has no approvers listed.
    assert str(study["tree"]["audit"].pk) not in json.loads(html.unescape(shown.group(2)))
    # Unticked (a post with a mistake shows the form again), the warning goes.
    posted = warning.search(admin_client.post(edit, form_data(study["tree"], slug="alone", title="")).content.decode())
    assert "d-none" in posted.group(1)


def test_a_rule_for_a_contest_starts_with_that_contest_as_its_source(admin_client, study):
    from contests import services as contest_services

    contest = contest_services.contest_create(title="知识竞赛决赛", unit=study["tree"]["gz"])
    page = admin_client.get(NEW, {"contest": contest.pk}).content.decode()
    assert re.search(rf'<option value="{contest.pk}"[^>]*selected', page)
    assert re.search(rf'<option value="{study["tree"]["gz"].pk}"[^>]*selected', page)
    # Another unit's contest, or no contest at all, is ignored: the form starts empty.
    elsewhere = contest_services.contest_create(title="别处", unit=study["tree"]["budget"])
    for key in (elsewhere.pk, "x"):
        page = admin_client.get(NEW, {"contest": key}).content.decode()
        assert not re.search(r"<option value=\"\d+\"[^>]*selected[^>]*>[^<]*知识竞赛", page)


@pytest.mark.parametrize(("subject", "shown"), [("member", False), ("unit", True)])
def test_the_preview_shows_participants_only_where_they_count_more_than_one(admin_client, study, subject, shown):
    today = timezone.localdate().isoformat()
    data = form_data(study["tree"], subject=subject, unit_level="3", period_ends_on=today)
    page = preview(admin_client, NEW, data).content.decode()
    assert ("Participants</th>" in page) == shown
    if shown:  # by points: 第二党支部 75 (D, E), 第一党支部 60 (A, B, C), 机关党支部 50 (F); all took part
        assert re.findall(r'd-sm-table-cell">([^<]*)</td>', page) == ["2 / 2", "3 / 3", "1 / 1"]


@pytest.mark.parametrize(
    ("language", "said"),
    [
        ("en", "A title can be at most 60 characters (this one has 61)"),
        ("zh-hans", "标题最多 60 个字（现有 61 个）"),
    ],
)
def test_a_title_longer_than_the_board_shows_is_refused_with_its_length_and_a_counter(
    admin_client,
    study,
    language,
    said,
):
    """The column takes 120 characters; the board and the big screen show 60 (80 in English) on
    one or two lines. 61 is refused, saying so; 60 is saved. The input carries the limit and asks
    for the counter under it."""
    tree = study["tree"]
    admin_client.defaults["HTTP_ACCEPT_LANGUAGE"] = language
    response = admin_client.post(NEW, form_data(tree, title="支" * 61))
    assert response.status_code == 200 and not RankingRule.objects.exists()
    assert said in response.content.decode()
    assert re.search(r'<input[^>]*name="title"[^>]*maxlength="60"', response.content.decode())
    assert re.search(r'<input[^>]*data-counter[^>]*name="title"|name="title"[^>]*data-counter', response.text)
    assert admin_client.post(NEW, form_data(tree, title="支" * 60, title_en="E" * 81)).status_code == 200
    assert admin_client.post(NEW, form_data(tree, title="支" * 60, title_en="E" * 80)).status_code == 302
    assert RankingRule.objects.get().title == "支" * 60
