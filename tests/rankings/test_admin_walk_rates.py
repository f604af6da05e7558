"""What an administrator's walk of the demo found wrong in rankings, each checked against values
worked out by hand: score bands on the participation rate typed in percent, stated headcounts
below the number who took part or of 0, a never-played contest ranked, and the rule preview's
shared places."""

import re
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook

from contests.models import Contest
from rankings import services, tasks
from rankings.models import ExpectedHeadcount, RankingRule, RankingRun
from tests import factories
from tests.rankings import test_compute as scenario
from tests.rankings.test_compute import compute, local, person, rows
from tests.rankings.test_rule_builder import NEW, admin_client, form_data, preview  # noqa: F401 - fixture
from tests.rankings.test_services import DAY, points, study  # noqa: F401 - fixture

central = scenario.central  # the two ministries' systems, as a fixture here too
hall = scenario.hall


# ---------------------------------------------------------------- 1. score bands on a rate, in percent


def participation_bands(study, **changes):  # noqa: F811
    """Branches of 审计署 by participation on the points of 2026-11-20, counted at the end of
    today (the members were made today): 第一党支部 3 of 3 (100 %), 第二党支部 2 of 3 (66.7 %: 新
    earned nothing), 机关党支部 1 of 1 (100 %). Bands typed as the form shows them: 金 90 %, 银 50 %."""
    factories.member(study["tree"]["gz2"], username="new", real_name="新")
    fields = {
        "subject": "unit",
        "unit_level": "3",
        "group_level": "",
        "metric": "participation",
        "period_ends_on": timezone.localdate().isoformat(),
        "prize_mode": "band",
        "tier_name": ["金", "银"],
        "tier_value": ["90", "50"],
        "tie_breaks": [],
    }
    return form_data(study["tree"], **(fields | changes))


def test_score_bands_on_the_participation_rate_are_typed_in_percent_and_give_the_prizes(admin_client, study):  # noqa: F811
    admin_client.post(NEW, participation_bands(study))
    rule = RankingRule.objects.get(slug="branch-points")
    # Stored as the rate itself is, a fraction: 90 % is 0.9.
    assert rule.prize_tiers == [{"name": "金", "value": 0.9}, {"name": "银", "value": 0.5}]
    got = {label: (round(float(row.metric), 4), row.prize) for label, row in rows(compute(rule)).items()}
    assert got == {"第一党支部": (1.0, "金"), "机关党支部": (1.0, "金"), "第二党支部": (0.6667, "银")}
    # The edit page shows them back as typed, in percent, and says so after each value.
    page = admin_client.get(reverse("rankings:rule_edit", args=[rule.slug])).content.decode()
    assert re.findall(r'name="tier_value" value="([^"]+)"', page) == ["90", "50"]
    assert 'data-unit-band-rate="% and above"' in page
    chinese = factories.client_in("zh-hans", rule.created_by)
    assert (
        'data-unit-band-rate="% 及以上"'
        in chinese.get(reverse("rankings:rule_edit", args=[rule.slug])).content.decode()
    )


def test_the_preview_gives_the_same_band_prizes_as_the_computation(admin_client, study):  # noqa: F811
    shown = preview(admin_client, NEW, participation_bands(study)).context["preview"]["rows"]
    prizes = [(row.label, row.prize) for row in shown]
    assert prizes == [("第一党支部", "金"), ("机关党支部", "金"), ("第二党支部", "银")]


def test_a_band_on_the_participation_rate_above_100_percent_is_refused(admin_client, study):  # noqa: F811
    response = admin_client.post(NEW, participation_bands(study, tier_value=["120", "50"]))
    assert response.status_code == 200 and not RankingRule.objects.exists()
    assert response.context["form"].tiers.rows[0]["errors"] == ["A participation rate lies between 0 and 100 %."]


@pytest.mark.parametrize("metric", ["per_capita", "composite"])
def test_score_bands_on_per_capita_and_the_composite_stay_in_points(admin_client, study, metric):  # noqa: F811
    """Both read as points on the board (the composite 0-100, per capita points a head): their
    bands are stored as typed."""
    weights = {"weight_participation": "50", "weight_per_capita": "50"} if metric == "composite" else {}
    admin_client.post(NEW, participation_bands(study, metric=metric, **weights))
    rule = RankingRule.objects.get(slug="branch-points")
    assert rule.prize_tiers == [{"name": "金", "value": 90.0}, {"name": "银", "value": 50.0}]


# ---------------------------------------------------------------- 2, 3. stated headcounts


def organs_sat(central):
    """广州: 广一 40 and 广二 60 sat (2 counted heads); 京津冀: 京一 50 sat, 京二 did not (2 heads);
    预算司: 预一 30 sat (1 head); 国库司: no one."""
    paper = factories.paper(central["root"])
    when = local(2026, 3, 10, 9)
    for key, name, score in (("gz1", "广一", 40), ("gz1", "广二", 60), ("jjj1", "京一", 50), ("budget1", "预一", 30)):
        scenario.sat(paper, person(central, key, name), central[key], score, when)
    person(central, "jjj1", "京二")
    return paper


def test_a_stated_headcount_below_the_participants_counts_the_participants_never_over_100_percent(client, central):
    """广州 stated 1 before anyone sat (nothing known then), 2 sat: counted as 2 of 2, 100 %, not
    200 %, sharing first place with 预算司 (1 of 1); 京津冀 1 of 2, 50 %, third."""
    paper = organs_sat(central)
    rule = scenario.organ_rule(central, paper, metric="participation")
    boss = factories.administrator(central["root"], username="boss")
    services.expected_headcounts_save(rule=rule, counts={central["gz"].pk: 1}, by=boss)
    snapshot = compute(rule)
    got = {
        label: (row.participants, row.headcount, float(row.metric), row.rank, row.tied_count)
        for label, row in rows(snapshot).items()
        if row.eligible
    }
    assert got == {"广州特派办": (2, 2, 1.0, 1, 2), "预算司": (1, 1, 1.0, 1, 2), "京津冀特派办": (1, 2, 0.5, 3, 1)}
    # The board, the manage page and the export say plainly what was counted.
    client.force_login(boss)
    with translation.override("zh-hans"):
        board = client.get(reverse("rankings:board", args=[rule.slug]), HTTP_ACCEPT_LANGUAGE="zh-hans")
        assert "实际参与人数超过填写的应参与人数 1：按参与人数 2 计算。" in board.content.decode()
        assert "组织者填写了应参与人数的单位，以填写的人数为准，但不少于实际参与人数。" in board.content.decode()
    manage = factories.client_in("en", boss).get(reverse("rankings:manage", args=[rule.slug])).content.decode()
    assert "Version 1: in 1 unit more took part than its stated headcount" in manage
    assert "审计署系统/广州特派办: stated 1, 2 took part" in manage
    export = factories.client_in("en", boss).get(reverse("rankings:export", args=[rule.slug]))
    sheet = load_workbook(BytesIO(export.content)).active
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    header = next(row for row in values if row and "Headcount source" in row)
    column = header.index("Headcount source")
    sources = {row[1]: row[column] for row in values[values.index(header) + 1 :] if row[column]}
    assert sources["审计署系统/广州特派办"] == "Stated 1, fewer than took part: counted as the participants"


def test_per_capita_is_not_inflated_by_a_stated_headcount_below_the_participants(central):
    """Per capita: 广州 (40 + 60) / 2 = 50, not / 1 = 100; 预算司 30 / 1 = 30; 京津冀 50 / 2 = 25."""
    paper = organs_sat(central)
    rule = scenario.organ_rule(central, paper, metric="per_capita")
    services.expected_headcounts_save(rule=rule, counts={central["gz"].pk: 1})
    got = {label: (float(row.metric), row.place) for label, row in rows(compute(rule)).items() if row.eligible}
    assert got == {"广州特派办": (50.0, 1), "预算司": (30.0, 2), "京津冀特派办": (25.0, 3)}


def test_an_expected_headcount_of_0_stored_before_it_was_refused_no_longer_drops_the_unit(central):
    """广州's stated 0 (saved before 0 was refused) with 2 taking part: counted as 2, 100 %, ranked."""
    paper = organs_sat(central)
    rule = scenario.organ_rule(central, paper, metric="participation")
    ExpectedHeadcount.objects.create(rule=rule, unit=central["gz"], headcount=0)
    services.expected_headcounts_save(rule=rule, counts={central["jjj"].pk: 2})  # makes the rule's params carry both
    gz = rows(compute(rule))["广州特派办"]
    assert (gz.eligible, gz.ineligible_reason, gz.participants, gz.headcount, float(gz.metric)) == (True, "", 2, 2, 1.0)


@pytest.fixture
def known(client, central):
    """A participation ranking computed once: 广州 2, 京津冀 1, 预算司 1, 国库司 0 took part."""
    rule = scenario.organ_rule(central, organs_sat(central), metric="participation")
    compute(rule)
    boss = factories.administrator(central["root"], username="boss")
    return {"rule": rule, "boss": boss, "url": reverse("rankings:headcounts", args=[rule.slug])}


@pytest.mark.parametrize(
    ("language", "typed", "message"),
    [
        ("zh-hans", "0", "审计署系统/广州特派办：应参与人数为 0 会使该单位不参与排名。如需使用统计人数，请留空。"),
        ("zh-hans", "1", "审计署系统/广州特派办：已有 2 人参与（最新版本），应参与人数不能少于 2。"),
        (
            "en",
            "1",
            "审计署系统/广州特派办: 2 people already took part (newest version), "
            "so the expected headcount cannot be below 2.",
        ),
        ("en", "0", "审计署系统/广州特派办: a headcount of 0 would leave the unit unranked."),
    ],
)
def test_the_headcount_page_refuses_0_and_a_figure_below_those_who_took_part_and_keeps_the_other_rows(
    known, central, language, typed, message
):
    client = factories.client_in(language, known["boss"])
    page = client.post(
        known["url"], {"action": "save", f"unit-{central['gz'].pk}": typed, f"unit-{central['jjj'].pk}": "3"}
    )
    html = page.content.decode()
    assert page.status_code == 200 and message in html and 'id="headcount-errors"' in html
    assert f'value="{typed}"' in html and 'value="3"' in html
    assert not ExpectedHeadcount.objects.exists()


def test_the_headcount_import_refuses_0_and_a_figure_below_those_who_took_part_and_saves_nothing(known):
    book = factories.workbook([["单位", "应参与人数"], ["广州特派办", 1], ["京津冀特派办", 1], ["预算司", 0]])
    client = factories.client_in("zh-hans", known["boss"])
    page = client.post(known["url"], {"action": "import", "file": book})
    errors = [(error.row, error.message) for error in page.context["report"].errors]
    assert errors == [
        (2, "审计署系统/广州特派办：已有 2 人参与（最新版本），应参与人数不能少于 2。"),
        (4, "财政部系统/预算司：应参与人数为 0 会使该单位不参与排名。如需使用统计人数，请留空。"),
    ]
    assert not ExpectedHeadcount.objects.exists()


def test_the_service_refuses_0_and_a_figure_below_those_who_took_part_but_lets_a_stated_one_stand(known, central):
    with pytest.raises(services.RankingRejected) as refused:
        services.expected_headcounts_save(rule=known["rule"], counts={central["gz"].pk: 0})
    assert refused.value.code == "zero_headcount"
    with pytest.raises(services.RankingRejected) as refused:
        services.expected_headcounts_save(rule=known["rule"], counts={central["gz"].pk: 1})
    assert refused.value.code == "headcount_below_participants"
    # 2 is allowed (all took part); a figure stated before more took part never blocks the others.
    ExpectedHeadcount.objects.create(rule=known["rule"], unit=central["jjj"], headcount=0)
    changed = services.expected_headcounts_save(rule=known["rule"], counts={central["gz"].pk: 2, central["jjj"].pk: 0})
    assert changed == 1 and ExpectedHeadcount.objects.get(unit=central["gz"]).headcount == 2


# ---------------------------------------------------------------- 4. contests not started


@pytest.fixture
def unplayed(hall):
    """The hall's contest as if still being prepared: a team ranking of it with prizes."""
    Contest.objects.filter(pk=hall["contest"].pk).update(status=Contest.Status.DRAFT, started_at=None)
    rule = factories.ranking_rule(
        hall["tree"]["audit"],
        subject="team",
        sources=[{"kind": "contest", "contest": hall["contest"]}],
        prize_mode="count",
        prize_tiers=[{"name": "冠军", "value": 1}],
    )
    boss = factories.administrator(hall["tree"]["audit"], username="boss")
    return {"rule": rule, "boss": boss, "contest": hall["contest"]}


def test_computing_a_contest_that_has_not_started_is_refused_with_a_clear_message(unplayed):
    rule, boss = unplayed["rule"], unplayed["boss"]
    client = factories.client_in("zh-hans", boss)
    response = client.post(reverse("rankings:compute", args=[rule.slug]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("rankings:manage", args=[rule.slug])
    refusal = "“知识竞赛”尚未开始：此时计算排行，每个队都只有基础分。请在竞赛开始后再计算此排行。"
    assert refusal in response.content.decode()
    assert not RankingRun.objects.exists()
    api = factories.client_in("en", boss).post(f"/api/v1/rankings/{rule.slug}/runs/")
    assert api.status_code == 409 and api.json()["error"]["code"] == "source_not_ready"
    RankingRule.objects.filter(pk=rule.pk).update(dirty=True)
    assert tasks.recompute_dirty_rules() == [] and not RankingRun.objects.exists()


def test_a_running_contest_may_be_ranked_live(unplayed):
    Contest.objects.filter(pk=unplayed["contest"].pk).update(status=Contest.Status.RUNNING)
    got = rows(compute(unplayed["rule"]))
    # Base 100 plus the events: A 100 + 30, B 100 + 30, C 100 + 5 + 5 (an adjustment).
    assert {label: float(row.total) for label, row in got.items()} == {"A": 130, "B": 130, "C": 110}


def test_the_rule_builder_marks_contests_not_started(unplayed, hall):
    finished = factories.scored_contest(hall["tree"]["audit"], [], title="决赛")
    page = factories.client_in("zh-hans", unplayed["boss"]).get(NEW).content.decode()
    options = {value: text.strip() for value, text in re.findall(r'<option value="(\d+)"[^>]*>([^<]*)</option>', page)}
    assert options[str(unplayed["contest"].pk)] == "知识竞赛 · 尚未开始，不能计算 · 审计署"
    assert options[str(finished.pk)] == "决赛 · 审计署"


# ---------------------------------------------------------------- 5. shared places in the preview


def test_the_preview_marks_shared_places_as_the_board_does(admin_client, study):  # noqa: F811
    """C earns 20 more: A and C tie on 30 for 4th (4=), B is 6th; F 50, D 40, E 35 before them."""
    points(study["people"]["c"], 20, "c-2", DAY)
    page = preview(admin_client, NEW, form_data(study["tree"])).content.decode()
    places = [re.sub(r"<[^>]+>", "", cell) for cell in re.findall(r'<td class="text-nowrap">(.*?)</td>\s*<td>', page)]
    assert places == ["1", "2", "3", "4=", "4=", "6"]


# ---------------------------------------------------------------- stored bands (migration 0023)


@pytest.mark.django_db(transaction=True)
def test_migrating_reads_participation_bands_above_1_as_typed_percentages_and_keeps_fractions(tree):
    """A band of 90 on the participation rate could be reached by no rate of at most 100 %: it was
    typed as 90 % and becomes 0.9 (50 -> 0.5). Bands of 0.8 and 0.4 were reached as 80 % and 40 %
    and stay. Per capita's 90 points stay 90."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before = [("rankings", "0024_unit_rankings_by_kind")]
    after = [("rankings", "0025_participation_bands_typed_in_percent_read_as_fractions")]
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    executor.migrate(before)
    try:
        Rule = executor.loader.project_state(before).apps.get_model("rankings", "RankingRule")
        stored = {
            "typed": ("participation", [{"name": "金", "value": 90}, {"name": "银", "value": 50}]),
            "fractions": ("participation", [{"name": "金", "value": 0.8}, {"name": "银", "value": 0.4}]),
            "points": ("per_capita", [{"name": "金", "value": 90}, {"name": "银", "value": 50}]),
        }
        for slug, (metric, tiers) in stored.items():
            Rule.objects.create(
                slug=slug, title=slug, unit_id=tree["audit"].pk, subject="unit", unit_level=3, metric=metric,
                prize_mode="band", prize_tiers=tiers,
            )  # fmt: skip
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(after)
        got = {rule.slug: ([t["value"] for t in rule.prize_tiers], rule.version) for rule in RankingRule.objects.all()}
        assert got == {"typed": ([0.9, 0.5], 2), "fractions": ([0.8, 0.4], 1), "points": ([90, 50], 1)}
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(latest)
