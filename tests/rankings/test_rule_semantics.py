"""What a rule can say (issue 14): tie-break keys, member metrics, the composite, headcounts and
per-group prize quotas, each checked against values worked out by hand."""

import re
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from lessons.models import Answer, Attempt, AttemptItem
from orgs import services as org_services
from orgs.models import User
from rankings import services
from rankings.models import RankingRule
from rankings.params import check_rule
from tests import factories
from tests.adminforms import add_inline_row, page_data
from tests.rankings import test_compute as scenario
from tests.rankings.test_compute import compute, local, person, rows

central = scenario.central  # the two ministries' systems, as a fixture here too


@pytest.fixture(autouse=True)
def _chinese():
    """Messages are checked as people here read them, whatever an earlier test left active."""
    with translation.override("zh-hans"):
        yield


def exam(paper, member, unit, *, score: int, right: int, asked: int, minutes: int, finished) -> Attempt:
    """A submitted attempt of `asked` questions, `right` of them answered right, in `minutes`."""
    attempt = Attempt.objects.create(
        paper=paper,
        member=member,
        unit_at_start=unit,
        number=1,
        status="submitted",
        started_at=finished - timedelta(minutes=minutes),
        finished_at=finished,
        score=score,
    )
    bank = factories.bank(unit)
    for position in range(1, asked + 1):
        item = AttemptItem.objects.create(
            attempt=attempt,
            position=position,
            version=factories.question(bank, "true_false", key=[True]).current,
            points=1,
        )
        Answer.objects.create(
            item=item, response=[position <= right], is_correct=position <= right, score=0, answered_at=finished
        )
    return attempt


# ---------------------------------------------------------------- tie-breaks


@pytest.fixture
def tied_exam(central):
    """Three members at 80 points each: 甲 4 of 5 right (80 %) in 20 min, 乙 4 of 4 (100 %) in
    40 min, 丙 4 of 5 (80 %) in 10 min."""
    paper = factories.paper(central["root"])
    for name, right, asked, minutes in (("甲", 4, 5, 20), ("乙", 4, 4, 40), ("丙", 4, 5, 10)):
        member = person(central, "gz1", name)
        finished = local(2026, 3, 10, 9)
        exam(paper, member, central["gz1"], score=80, right=right, asked=asked, minutes=minutes, finished=finished)
    return paper


def test_accuracy_then_time_breaks_a_tie_on_score(central, tied_exam):
    """Accuracy first: 乙 (100 %); then 丙 and 甲 (80 % each) by time: 丙 10 min before 甲 20."""
    rule = factories.ranking_rule(
        central["root"], tie_breaks=["accuracy_desc", "time_used_asc"], sources=[{"kind": "exam", "paper": tied_exam}]
    )
    got = rows(compute(rule))
    assert {name: row.place for name, row in got.items()} == {"乙": 1, "丙": 2, "甲": 3}
    assert (got["乙"].right_count, got["乙"].answer_count, got["甲"].accuracy) == (4, 4, 0.8)


def test_right_answers_then_time_breaks_a_tie_on_score(central, tied_exam):
    """Four right answers each: time alone decides, 丙 (10 min), 甲 (20), 乙 (40)."""
    rule = factories.ranking_rule(
        central["root"], tie_breaks=["right_desc", "time_used_asc"], sources=[{"kind": "exam", "paper": tied_exam}]
    )
    assert {name: row.place for name, row in rows(compute(rule)).items()} == {"丙": 1, "甲": 2, "乙": 3}


@pytest.mark.parametrize("key", ["accuracy_desc", "right_desc", "time_used_asc"])
def test_a_tie_break_on_answers_is_refused_without_a_contest_or_exam_source(central, key):
    with pytest.raises(ValidationError) as refused:
        factories.ranking_rule(central["root"], tie_breaks=[key], sources=[{"kind": "points"}])
    assert "只有竞赛、考试或网上答题来源提供" in str(refused.value.message_dict["tie_breaks"])


def test_participants_cannot_break_a_tie_between_members(central):
    rule = factories.ranking_rule(central["root"], sources=[{"kind": "points"}])
    rule.tie_breaks = ["participants_desc"]
    with pytest.raises(ValidationError) as refused:
        check_rule(rule)
    assert "tie_breaks" in refused.value.message_dict


def test_admin_refuses_an_accuracy_tie_break_for_a_points_only_rule(client, central):
    """The admin's plain selects: accuracy with only a points source is an error on the sources,
    and nothing is saved; with an exam source added in the same edit it is accepted."""
    client.force_login(User.objects.create_superuser("boss", password="x-long-password-1"))
    rule = factories.ranking_rule(central["root"], sources=[{"kind": "points"}])
    url = reverse("admin:rankings_rankingrule_change", args=[rule.pk])
    data = page_data(client.get(url))
    data["tie_break_1"] = "accuracy_desc"
    response = client.post(url, data)
    assert response.status_code == 200
    errors = [str(e) for inline in response.context["inline_admin_formsets"] for e in inline.formset.non_form_errors()]
    assert any("只有竞赛、考试或网上答题来源提供" in error for error in errors)
    rule.refresh_from_db()
    assert rule.tie_breaks == []
    paper = factories.paper(central["root"])
    data = add_inline_row(data, "sources", kind="exam", paper=paper.pk, weight=1)
    assert client.post(url, data).status_code == 302
    rule.refresh_from_db()
    assert rule.tie_breaks == ["accuracy_desc"]
    assert sorted(rule.sources.values_list("kind", flat=True)) == ["exam", "points"]


# ---------------------------------------------------------------- member metrics


@pytest.fixture
def two_exams(central):
    """Two papers in March. 甲 sat both: 60 and 90 (mean 75, best 90, total 150); 乙 sat the
    first only: 80 (mean 80, best 80, total 80); 丙 sat both: 85 and 85 (mean 85, best 85)."""
    first, second = factories.paper(central["root"], title="一月"), factories.paper(central["root"], title="二月")
    scores = {"甲": (60, 90), "乙": (80, None), "丙": (85, 85)}
    for name, pair in scores.items():
        member = person(central, "gz1", name)
        for paper, score in zip((first, second), pair, strict=True):
            if score is not None:
                scenario.sat(paper, member, central["gz1"], score, local(2026, 3, 10, 9))
    return [{"kind": "exam", "paper": first}, {"kind": "exam", "paper": second}]


@pytest.mark.parametrize(
    ("metric", "expected"),
    [
        ("total", {"丙": (170, 1), "甲": (150, 2), "乙": (80, 3)}),
        ("mean", {"丙": (85, 1), "乙": (80, 2), "甲": (75, 3)}),
        ("best", {"甲": (90, 1), "丙": (85, 2), "乙": (80, 3)}),
    ],
)
def test_member_rules_rank_by_total_mean_or_best_source(central, two_exams, metric, expected):
    rule = factories.ranking_rule(central["root"], metric=metric, sources=two_exams)
    assert {name: (float(row.metric), row.place) for name, row in rows(compute(rule)).items()} == expected


def test_best_source_is_refused_for_units(central):
    with pytest.raises(ValidationError) as refused:
        factories.ranking_rule(
            central["root"], subject="unit", unit_level=3, metric="best", sources=[{"kind": "points"}]
        )
    assert "metric" in refused.value.message_dict


# ---------------------------------------------------------------- the composite


def test_composite_takes_participation_as_a_percentage_and_scales_per_capita_to_the_best_eligible(client, central):
    """participation × 0.4 + per capita / best × 0.6 over organs, at least 2 participants:

    广州 4 heads, 2 sat (80, 100): 50 %, per capita 45; 京津冀 2 heads, both sat (60, 60): 100 %,
    per capita 60; 预算司 1 head, sat 100: per capita 100 but too few participants, so it does
    not set the scale: the best eligible per capita is 60.
    广州 = 0.4 × 50 + 0.6 × 45 / 60 × 100 = 20 + 45 = 65; 京津冀 = 40 + 60 = 100;
    预算司 (not ranked) = 40 + 0.6 × 100 / 60 × 100 = 140."""
    paper = factories.paper(central["root"])
    when = local(2026, 3, 10, 9)
    for key, name, score in (("gz1", "广一", 80), ("gz1", "广二", 100), ("jjj1", "京一", 60), ("jjj1", "京二", 60)):
        scenario.sat(paper, person(central, key, name), central[key], score, when)
    person(central, "gz1", "广三")
    person(central, "gz1", "广四")
    scenario.sat(paper, person(central, "budget1", "预一"), central["budget1"], 100, when)
    rule = scenario.organ_rule(
        central, paper, metric="composite", composite={"participation": 0.4, "per_capita": 0.6}, min_participants=2
    )
    got = rows(compute(rule))
    assert {label: (float(row.metric), row.place, row.ineligible_reason) for label, row in got.items()} == {
        "京津冀特派办": (100, 1, ""),
        "广州特派办": (65, 2, ""),
        "预算司": (140, None, "too_few_participants"),
        "国库司": (0, None, "no_headcount"),
    }
    client.force_login(factories.administrator(central["root"], username="boss"))
    words = "参与率（%，最高100）× 0.4 + 人均 / 参评最高值 × 100 × 0.6"
    for url in (reverse("rankings:board", args=[rule.slug]), reverse("rankings:manage", args=[rule.slug])):
        assert words in client.get(url).content.decode()


# ---------------------------------------------------------------- headcount


def test_headcount_is_taken_at_the_end_of_the_day_the_rule_names(central):
    """迁 moved from 广州 to 京津冀 at 09:00 on 20 March (China time). Counted at the end of
    15 March they are one of 广州's 3 heads (京津冀: 1); at the period's end (31 March), one of
    京津冀's 2 (广州: 2). Nobody sat the exam but 广一 and 京一, so the participants stay 1 and 1."""
    paper = factories.paper(central["root"])
    g1, j1 = person(central, "gz1", "广一"), person(central, "jjj1", "京一")
    person(central, "gz1", "广二")
    mover = person(central, "gz1", "迁")
    scenario.member_move(member=mover, unit=central["jjj1"], reason="调动", at=local(2026, 3, 20, 9, 0), as_given=True)
    for member, key in ((g1, "gz1"), (j1, "jjj1")):
        scenario.sat(paper, member, central[key], 50, local(2026, 3, 10, 9))
    early = scenario.organ_rule(central, paper, headcount_on=date(2026, 3, 15), slug="early")
    late = scenario.organ_rule(central, paper, slug="late")
    heads = {
        name: {label: (row.participants, row.headcount) for label, row in rows(compute(rule)).items()}
        for name, rule in (("early", early), ("late", late))
    }
    assert heads["early"]["广州特派办"] == (1, 3) and heads["early"]["京津冀特派办"] == (1, 1)
    assert heads["late"]["广州特派办"] == (1, 2) and heads["late"]["京津冀特派办"] == (1, 2)


def test_party_members_only_leaves_others_out_of_headcount_participants_and_ranks(central):
    """广一 (party member) sat 70, 群众 (not a party member) sat 95, 广三 (party member) did not
    sit: 广州 counts 1 of 2 and 70 points; the member ranking has 广一 alone."""
    paper = factories.paper(central["root"])
    g1 = person(central, "gz1", "广一")
    outsider = factories.member(central["gz1"], username="群众", real_name="群众", is_party_member=False)
    person(central, "gz1", "广三")
    scenario.sat(paper, g1, central["gz1"], 70, local(2026, 3, 10, 9))
    scenario.sat(paper, outsider, central["gz1"], 95, local(2026, 3, 10, 9))
    organs = rows(compute(scenario.organ_rule(central, paper, party_members_only=True)))
    assert (organs["广州特派办"].participants, organs["广州特派办"].headcount, float(organs["广州特派办"].total)) == (
        1,
        2,
        70,
    )
    members = factories.ranking_rule(
        central["root"], party_members_only=True, slug="party", sources=[{"kind": "exam", "paper": paper}]
    )
    assert {label: row.place for label, row in rows(compute(members)).items()} == {"广一": 1}


def test_an_expected_headcount_wins_over_the_counted_one_and_never_sets_the_scale_above_100_percent(client, central):
    """Composite participation × 0.5 + per capita / best × 0.5. 广州: 2 counted heads, both sat
    (40, 60), expected 4: 50 %, per capita 25. 京津冀: 2 counted, both sat (50, 50), expected 1,
    fewer than sat: counted as its 2 participants, 100 %, per capita 50 = the scale (not 200 % and
    100 a head). 预算司: 1 head, sat 30: 100 %, per capita 30. 广州 = 25 + 0.5 × 25 / 50 × 100 =
    50; 京津冀 = 50 + 0.5 × 50 / 50 × 100 = 100; 预算司 = 50 + 0.5 × 30 / 50 × 100 = 80."""
    paper = factories.paper(central["root"])
    when = local(2026, 3, 10, 9)
    for key, name, score in (("gz1", "广一", 40), ("gz1", "广二", 60), ("jjj1", "京一", 50), ("jjj1", "京二", 50)):
        scenario.sat(paper, person(central, key, name), central[key], score, when)
    scenario.sat(paper, person(central, "budget1", "预一"), central["budget1"], 30, when)
    rule = scenario.organ_rule(central, paper, metric="composite", composite={"participation": 0.5, "per_capita": 0.5})
    boss = factories.administrator(central["root"], username="boss")
    services.expected_headcounts_save(rule=rule, counts={central["gz"].pk: 4, central["jjj"].pk: 1}, by=boss)
    got = rows(compute(rule))
    assert {
        label: (row.participants, row.headcount, row.headcount_expected, float(row.metric), row.place)
        for label, row in got.items()
        if row.eligible
    } == {
        "京津冀特派办": (2, 2, True, 100, 1),
        "预算司": (1, 1, False, 80, 2),
        "广州特派办": (2, 4, True, 50, 3),
    }
    client.force_login(boss)
    board = client.get(reverse("rankings:board", args=[rule.slug])).content.decode()
    assert board.count('class="qs-muted headcount-expected">应参与人数<') == 2


def test_a_participation_rate_reads_as_a_percentage_on_the_board_the_big_screen_and_the_charts(client, central):
    """广州: 2 of an expected 3 sat (66.7 %); 京津冀 and 预算司: everyone (100 %). Read as 0.67 and
    1 the rates looked like scores, and the histogram's bands all read 0.7–0.7."""
    paper = factories.paper(central["root"])
    when = local(2026, 3, 10, 9)
    for key, name in (("gz1", "广一"), ("gz1", "广二"), ("jjj1", "京一"), ("budget1", "预一")):
        scenario.sat(paper, person(central, key, name), central[key], 50, when)
    rule = scenario.organ_rule(central, paper, metric="participation")
    boss = factories.administrator(central["root"], username="boss")
    services.expected_headcounts_save(rule=rule, counts={central["gz"].pk: 3}, by=boss)
    compute(rule)
    client.force_login(boss)
    board = client.get(reverse("rankings:board", args=[rule.slug]))
    cells = [cell.strip() for cell in re.findall(r'font-monospace">([^<]*)<', board.content.decode())]
    assert cells == ["100%", "100%", "66.7%", "–"]  # 国库司 has no one: no rate
    labels = board.context["chart"]["histogram"]["labels"]
    assert labels[0] == "66.7–70.0%" and len(set(labels)) == len(labels) == 10
    assert board.context["chart"]["groups"]["suffix"] == "%"
    # By system: 审计署's mean of 66.67 % and 100 %, 财政部's 100 % (国库司 has no rate).
    assert sorted(board.context["chart"]["groups"]["means"]) == [83.34, 100]
    screen = client.get(reverse("rankings:screen", args=[rule.slug])).content.decode()
    assert re.findall(r'class="score">([^<]*)<', screen) == ["100%", "100%", "66.7%"]


# ---------------------------------------------------------------- the expected-headcount page


@pytest.fixture
def headcount_page(client, central):
    rule = scenario.organ_rule(central, factories.paper(central["root"]))
    client.force_login(factories.administrator(central["root"], username="boss"))
    return {"rule": rule, "url": reverse("rankings:headcounts", args=[rule.slug]), "client": client}


def expected(rule) -> dict[str, int]:
    return {e.unit.name: e.headcount for e in rule.expected_headcounts.select_related("unit")}


def test_headcount_page_lists_the_ranked_units_and_saves_typed_numbers(headcount_page, central):
    client, url, rule = headcount_page["client"], headcount_page["url"], headcount_page["rule"]
    page = client.get(url)
    assert [unit["path"] for unit in page.context["units"]] == [
        "审计署系统/广州特派办",
        "审计署系统/京津冀特派办",
        "财政部系统/预算司",
        "财政部系统/国库司",
    ]
    version = rule.version
    response = client.post(url, {"action": "save", f"unit-{central['gz'].pk}": "16", f"unit-{central['jjj'].pk}": ""})
    assert response.status_code == 302
    rule.refresh_from_db()
    assert expected(rule) == {"广州特派办": 16} and rule.version == version + 1 and rule.dirty
    client.post(url, {"action": "save", f"unit-{central['gz'].pk}": ""})
    assert expected(rule) == {}


@pytest.mark.parametrize(
    ("typed", "message"),
    [("-3", "人数不能为负数"), ("十六", "请输入整数"), ("99999999999", "人数最多为 1,000,000，请核对。")],
)
def test_headcount_page_refuses_a_bad_number_keeps_what_was_typed_and_saves_nothing(
    headcount_page, central, typed, message
):
    client, url, rule = headcount_page["client"], headcount_page["url"], headcount_page["rule"]
    page = client.post(url, {"action": "save", f"unit-{central['gz'].pk}": typed, f"unit-{central['jjj'].pk}": "9"})
    html = page.content.decode()
    assert page.status_code == 200 and message in html and 'id="headcount-errors"' in html
    assert f'value="{typed}"' in html and 'value="9"' in html
    assert expected(rule) == {}


def test_headcounts_import_from_excel_by_path_or_unique_name(headcount_page):
    client, url, rule = headcount_page["client"], headcount_page["url"], headcount_page["rule"]
    book = factories.workbook(
        [
            ["单位", "应参与人数"],
            ["审计署系统/广州特派办", 16],
            ["京津冀特派办", "12"],
            ["中央和国家机关/财政部系统/预算司", 8.0],
        ],
        title_rows=[["2026年3月应参与人数"]],
    )
    assert client.post(url, {"action": "import", "file": book}).status_code == 302
    assert expected(rule) == {"广州特派办": 16, "京津冀特派办": 12, "预算司": 8}


def test_headcounts_import_reports_every_bad_row_and_saves_nothing(headcount_page):
    client, url, rule = headcount_page["client"], headcount_page["url"], headcount_page["rule"]
    book = factories.workbook(
        [
            ["单位", "应参与人数"],
            ["广州特派办", 16],
            ["不存在的司", 3],
            ["预算司", -2],
            ["国库司", "十二"],
            ["京津冀特派办", 2.5],
            ["广州特派办", 4],
        ]
    )
    page = client.post(url, {"action": "import", "file": book})
    assert page.status_code == 200
    errors = [(e.row, e.column, e.message) for e in page.context["report"].errors]
    assert errors == [
        (3, "单位", "“不存在的司”不是本排名的参评单位。"),
        (4, "应参与人数", "人数不能为负数。"),
        (5, "应参与人数", "“十二”不是数字。"),
        (6, "应参与人数", "人数应为整数。"),
        (7, "单位", "该单位重复出现。"),
    ]
    assert 'id="import-errors"' in page.content.decode()
    assert expected(rule) == {}


def test_headcounts_import_refuses_a_headcount_too_large_for_any_unit(headcount_page):
    client, url, rule = headcount_page["client"], headcount_page["url"], headcount_page["rule"]
    book = factories.workbook([["单位", "应参与人数"], ["广州特派办", 16], ["预算司", 99999999999]])
    page = client.post(url, {"action": "import", "file": book})
    errors = [(e.row, e.column, e.message) for e in page.context["report"].errors]
    assert errors == [(3, "应参与人数", "人数最多为 1,000,000，请核对。")]
    assert expected(rule) == {}


def test_headcount_page_is_for_those_who_manage_the_rule(client, headcount_page, central):
    client.force_login(person(central, "gz1", "普通成员"))
    assert client.get(headcount_page["url"]).status_code == 403
    assert client.post(headcount_page["url"], {"action": "save", f"unit-{central['gz'].pk}": "1"}).status_code == 403
    assert expected(headcount_page["rule"]) == {}


# ---------------------------------------------------------------- prize quotas per group


def organs_scoring(central, scores: dict[str, int]):
    """One member per organ's branch, with the given exam score (organ key -> score)."""
    paper = factories.paper(central["root"])
    branch = {"gz": "gz1", "jjj": "jjj1", "budget": "budget1", "treasury": "treasury1"}
    for organ, score in scores.items():
        member = person(central, branch[organ], f"{organ}-member")
        scenario.sat(paper, member, central[branch[organ]], score, local(2026, 3, 10, 9))
    return paper


def prizes(rule) -> dict[str, tuple]:
    return {label: (row.place, row.rank_in_group, row.prize) for label, row in rows(compute(rule)).items()}


def test_a_per_group_quota_passes_the_prize_to_the_next_eligible_subject(central):
    """广州 100, 京津冀 90 (审计署系统), 预算司 80, 国库司 70 (财政部系统). Two first prizes, at
    most one per system: 广州, then 预算司 (京津冀 is capped); two second prizes: 京津冀 and
    国库司."""
    paper = organs_scoring(central, {"gz": 100, "jjj": 90, "budget": 80, "treasury": 70})
    tiers = [{"name": "一等奖", "value": 2, "per_group": 1}, {"name": "二等奖", "value": 2}]
    rule = scenario.organ_rule(central, paper, prize_mode="count", prize_tiers=tiers)
    assert prizes(rule) == {
        "广州特派办": (1, 1, "一等奖"),
        "京津冀特派办": (2, 2, "二等奖"),
        "预算司": (3, 1, "一等奖"),
        "国库司": (4, 2, "二等奖"),
    }


@pytest.mark.parametrize(
    ("boundary_ties", "expected"),
    [
        # Shared: both tied organs of 审计署系统 are first in their group, so both take the
        # first prize (the quota is shared at the tie), filling the two; 预算司 and 国库司 second.
        ("share", {"广州特派办": "一等奖", "京津冀特派办": "一等奖", "预算司": "二等奖", "国库司": "二等奖"}),
        # Dropped: the tie would overflow 审计署系统's quota of one, so both drop; 预算司 takes the
        # only first prize (国库司 is second in its group); then 广州, 京津冀 (places 1, 1) and
        # 国库司 (place 4) fill the four places counted so far.
        ("drop", {"广州特派办": "二等奖", "京津冀特派办": "二等奖", "预算司": "一等奖", "国库司": "二等奖"}),
    ],
)
def test_ties_at_a_quota_boundary_follow_the_boundary_ties_setting(central, boundary_ties, expected):
    paper = organs_scoring(central, {"gz": 100, "jjj": 100, "budget": 80, "treasury": 70})
    tiers = [{"name": "一等奖", "value": 2, "per_group": 1}, {"name": "二等奖", "value": 2}]
    rule = scenario.organ_rule(central, paper, prize_mode="count", prize_tiers=tiers, boundary_ties=boundary_ties)
    assert {label: prize for label, (_place, _in_group, prize) in prizes(rule).items()} == expected


def test_a_per_group_quota_applies_to_percentage_prizes_too(central):
    """50 % of 4 eligible organs = 2 first prizes, at most 1 per system: 广州 and 预算司."""
    paper = organs_scoring(central, {"gz": 100, "jjj": 90, "budget": 80, "treasury": 70})
    rule = scenario.organ_rule(
        central, paper, prize_mode="percent", prize_tiers=[{"name": "一等奖", "value": 50, "per_group": 1}]
    )
    assert {label: prize for label, (_p, _g, prize) in prizes(rule).items()} == {
        "广州特派办": "一等奖",
        "京津冀特派办": "",
        "预算司": "一等奖",
        "国库司": "",
    }


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"group_level": None}, "需要设置分组层级"),
        ({"prize_tiers": [{"name": "一等奖", "value": 2, "per_group": 0}]}, "须为 1 至 1,000,000 之间的整数"),
    ],
)
def test_a_per_group_quota_is_refused_without_groups_or_below_one(central, fields, message):
    paper = factories.paper(central["root"])
    settings = {"prize_mode": "count", "prize_tiers": [{"name": "一等奖", "value": 2, "per_group": 1}]} | fields
    with pytest.raises(ValidationError) as refused:
        scenario.organ_rule(central, paper, **settings)
    assert message in str(refused.value.message_dict["prize_tiers"])


# ---------------------------------------------------------------- the relay-contest scenario, whole


def test_issue_14_scenario_every_place_group_place_prize_and_reason_by_hand(central):
    """Organs ranked by points per head on one exam in March 2026 (China time), within their
    ministry's system: one first prize; two second prizes, at most one per system; two
    excellence prizes; a tied group that would overflow a boundary drops to the next tier.

    审计署系统
      广州特派办: 广一 90 at 05:10 on 1 March (inside: 21:10 UTC on 28 February), 广二 70, and
        迁 80 on 5 March before moving to 京津冀 on 20 March: 240 points credited here, 2 heads
        at the period's end (迁 has left) but 3 participants (迁 took part here), so it is
        counted against 3: 80 per head.
      京津冀特派办: 京一 60 at 23:30 on 31 March (inside), 京二 100 at 07:00 on 1 April (outside:
        23:00 UTC on 31 March), 停 100 but deactivated (counts nowhere); counted heads 京一,
        京二, 迁 = 3, expected headcount 2 wins: 60 / 2 = 30 per head, 1 participant.
      南京特派办: nobody: no headcount.
    财政部系统
      预算司: 预一 60, 预二 60: 120 / 2 = 60.   国库司: 国一 60: 60 / 1 = 60 (tied with 预算司).
      税政司: 税一 did not sit: no participants (0 per head).

    Places: 广州 1; 预算司 and 国库司 2 (tied); 京津冀 4.
    一等奖 (1): 广州.  二等奖 (2 in all, 1 per system): 财政部系统's tied pair would overflow its
    quota of one, so both drop; 京津冀 (place 4) takes the place: 1 + 1 = 2 prizes so far.
    优秀奖 (2 more, up to 5): 预算司 and 国库司 together (2 + 2 = 4)."""
    units = dict(central)
    units["nj"] = factories.unit_at("中央和国家机关/审计署系统/南京特派办", kind="organ")
    units["tax1"] = factories.unit_at("中央和国家机关/财政部系统/税政司/综合处/税政党支部")
    paper = factories.paper(central["root"])

    def sits(key: str, name: str, score: int, when) -> None:
        scenario.sat(paper, person(units, key, name), units[key], score, when)

    sits("gz1", "广一", 90, local(2026, 3, 1, 5, 10))
    sits("gz1", "广二", 70, local(2026, 3, 15, 9))
    sits("jjj1", "京一", 60, local(2026, 3, 31, 23, 30))
    sits("jjj1", "京二", 100, local(2026, 4, 1, 7, 0))
    sits("jjj1", "停", 100, local(2026, 3, 10, 9))
    scenario.User.objects.filter(username="停").update(is_active=False)
    mover = person(units, "gz1", "迁")
    scenario.sat(paper, mover, units["gz1"], 80, local(2026, 3, 5, 9))
    scenario.member_move(member=mover, unit=units["jjj1"], reason="调动", at=local(2026, 3, 20, 9), as_given=True)
    sits("budget1", "预一", 60, local(2026, 3, 10, 9))
    sits("budget1", "预二", 60, local(2026, 3, 11, 9))
    sits("treasury1", "国一", 60, local(2026, 3, 12, 9))
    person(units, "tax1", "税一")
    rule = scenario.organ_rule(
        central,
        paper,
        metric="per_capita",
        prize_mode="count",
        boundary_ties="drop",
        prize_tiers=[
            {"name": "一等奖", "value": 1},
            {"name": "二等奖", "value": 2, "per_group": 1},
            {"name": "优秀奖", "value": 2},
        ],
    )
    services.expected_headcounts_save(rule=rule, counts={units["jjj"].pk: 2})
    got = rows(compute(rule))
    table = {
        label: (
            row.place,
            row.rank_in_group,
            row.group_name,
            row.prize,
            row.ineligible_reason,
            row.participants,
            row.headcount,
            row.headcount_expected,
            float(row.total),
            None if row.metric is None else float(row.metric),
        )
        for label, row in got.items()
    }
    audit, mof = "审计署系统", "财政部系统"
    assert table == {
        "广州特派办": (1, 1, audit, "一等奖", "", 3, 3, False, 240, 80),
        "预算司": (2, 1, mof, "优秀奖", "", 2, 2, False, 120, 60),
        "国库司": (2, 1, mof, "优秀奖", "", 1, 1, False, 60, 60),
        "京津冀特派办": (4, 2, audit, "二等奖", "", 1, 2, True, 60, 30),
        "税政司": (None, None, mof, "", "no_participants", 0, 1, False, 0, 0),
        "南京特派办": (None, None, audit, "", "no_headcount", 0, 0, False, 0, None),
    }


# ---------------------------------------------------------------- movers and deactivated members, as the rule states


def test_a_rule_may_credit_a_movers_facts_to_their_unit_at_the_cut_off(central):
    """迁 sat 90 in 广州 on 5 March and moved to 京津冀 on 20 March. By default the 90 stays in
    广州 (150 = 60 + 90; 京津冀 40) and they took part for 广州 (2 participants, its headcount of 1
    counted as 2); credited at the cut-off it goes with them (广州 60, 京津冀 130), and they are a
    participant of 京津冀 (2 of 2) instead."""
    paper = factories.paper(central["root"])
    scenario.sat(paper, person(central, "gz1", "广一"), central["gz1"], 60, local(2026, 3, 10, 9))
    scenario.sat(paper, person(central, "jjj1", "京一"), central["jjj1"], 40, local(2026, 3, 10, 9))
    mover = person(central, "gz1", "迁")
    scenario.sat(paper, mover, central["gz1"], 90, local(2026, 3, 5, 9))
    scenario.member_move(member=mover, unit=central["jjj1"], reason="调动", at=local(2026, 3, 20, 9), as_given=True)
    summary = {}
    for credit in ("fact", "cut_off"):
        rule = scenario.organ_rule(central, paper, mover_credit=credit, slug=credit.replace("_", "-"))
        summary[credit] = {
            label: (float(row.total), row.participants, row.headcount)
            for label, row in rows(compute(rule)).items()
            if row.eligible
        }
    assert summary["fact"] == {"广州特派办": (150, 2, 2), "京津冀特派办": (40, 1, 2)}
    assert summary["cut_off"] == {"广州特派办": (60, 1, 1), "京津冀特派办": (130, 2, 2)}


def test_a_rule_may_count_deactivated_members(central):
    """停 (deactivated) sat 95, 广一 70: counted, 停 is ranked first and 广州 counts 2 of 2."""
    paper = factories.paper(central["root"])
    scenario.sat(paper, person(central, "gz1", "广一"), central["gz1"], 70, local(2026, 3, 10, 9))
    gone = person(central, "gz1", "停")
    scenario.sat(paper, gone, central["gz1"], 95, local(2026, 3, 11, 9))
    scenario.User.objects.filter(pk=gone.pk).update(is_active=False)
    members = factories.ranking_rule(
        central["root"], count_deactivated=True, sources=[{"kind": "exam", "paper": paper}]
    )
    assert {label: row.place for label, row in rows(compute(members)).items()} == {"停": 1, "广一": 2}
    organs = rows(compute(scenario.organ_rule(central, paper, count_deactivated=True, slug="organs")))
    assert (organs["广州特派办"].participants, organs["广州特派办"].headcount, float(organs["广州特派办"].total)) == (
        2,
        2,
        165,
    )


def test_the_board_states_how_this_rule_counted_people(client, central):
    paper = factories.paper(central["root"])
    scenario.sat(paper, person(central, "gz1", "广一"), central["gz1"], 60, local(2026, 3, 10, 9))
    boss = factories.administrator(central["root"], username="boss")
    client.force_login(boss)
    plain = scenario.organ_rule(central, paper, slug="plain")
    stated = scenario.organ_rule(
        central, paper, slug="stated", headcount_on=date(2026, 3, 15), party_members_only=True, count_deactivated=True
    )
    services.expected_headcounts_save(rule=stated, counts={central["gz"].pk: 3})
    texts = {}
    for rule in (plain, stated):
        compute(rule)
        page = client.get(reverse("rankings:board", args=[rule.slug])).content.decode()
        texts[rule.slug] = page[page.index('id="counting-rules"') :].split("</p>")[0]
    assert "按统计日 2026-03-31 结束时成员所在单位计算" in texts["plain"] and "已停用的成员不计入" in texts["plain"]
    assert "只统计党员" not in texts["plain"] and "以填写的人数为准" not in texts["plain"]
    assert "按统计日 2026-03-15 结束时成员所在单位计算" in texts["stated"] and "已停用的成员也计入" in texts["stated"]
    assert "只统计党员" in texts["stated"] and "以填写的人数为准" in texts["stated"]


def test_the_rule_builder_refuses_a_time_tie_break_for_points_only_and_accepts_it_with_an_exam(client, central):
    from tests.rankings.test_rule_builder import NEW, form_data

    client.force_login(factories.administrator(central["root"], username="boss"))
    tree = {"audit": central["root"]}
    page = client.post(NEW, form_data(tree, tie_breaks=["finished_at_asc", "time_used_asc"]))
    assert page.status_code == 200 and "只有竞赛、考试或网上答题来源提供" in page.content.decode()
    paper = factories.paper(central["root"])
    exam_source = {
        "source_kind": ["points", "exam"],
        "source_contest": ["", ""],
        "source_paper": ["", str(paper.pk)],
        "source_activity": ["", ""],
        "source_weight": ["1", "1"],
    }
    page = client.post(NEW, form_data(tree, tie_breaks=["finished_at_asc", "time_used_asc"], **exam_source))
    assert page.status_code == 302
    assert RankingRule.objects.get(slug="branch-points").tie_breaks == ["finished_at_asc", "time_used_asc"]


@pytest.mark.parametrize(
    ("language", "label", "sentence"),
    [
        ("zh-hans", "人均（按统计日应参与人数）", "应参与人数按统计日 2026-03-31 结束时成员所在单位计算"),
        (
            "en",
            "Per capita (headcount on the headcount day)",
            "in their unit at the end of the headcount day, 2026-03-31.",
        ),
    ],
)
def test_per_capita_divides_by_the_headcount_at_the_end_of_the_period_as_its_label_and_board_say(
    central, language, label, sentence
):
    """广州特派办 has 广一 (90 points, there since before the period) and 广二, who moves in from
    京津冀 on 20 March, after the period starts; 广三 moves in from 京津冀 on 5 April, after it ends.
    The headcount is taken at the end of the period's last day: 2 (not 1, as at the start; not 3,
    as now), per capita 90 / 2 = 45. The metric's name and the board's sentence say the same: the
    headcount day. (Members who moved, not newcomers: a member's first placement reaches back.)"""
    paper = factories.paper(central["root"])
    scenario.sat(paper, person(central, "gz1", "广一"), central["gz1"], 90, local(2026, 3, 10, 9))
    for name, moved in (("广二", local(2026, 3, 20, 9)), ("广三", local(2026, 4, 5, 9))):
        org_services.member_move(
            member=person(central, "jjj1", name), unit=central["gz1"], reason="调动", at=moved, as_given=True
        )
    rule = scenario.organ_rule(central, paper, metric="per_capita", group_level=None)
    gz = rows(compute(rule))["广州特派办"]
    assert (gz.headcount, float(gz.metric)) == (2, 45)
    boss = factories.administrator(central["root"], username="boss")
    with translation.override(language):
        page = factories.client_in(language, boss).get(reverse("rankings:board", args=[rule.slug])).content.decode()
    assert page.count(label) >= 2  # the page's heading and the metric's column
    counting = page[page.index('id="counting-rules"') :].split("</p>")[0]
    assert sentence in counting
