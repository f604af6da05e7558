"""The xlsx export reads right for people: headers per subject, reasons in their language,
column widths and a frozen header, unranked subjects last on every database."""

from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from rankings import services
from tests import factories
from tests.rankings.test_services import compute, points, study  # noqa: F401 - fixture

HEADER_ROW = 7


@pytest.fixture
def unit_export(client, study):  # noqa: F811
    """A per-capita ranking of branches, one of which (第三党支部) has no members."""
    factories.unit_at("审计署/广州特派办/第三党支部")
    rule = factories.ranking_rule(
        study["tree"]["audit"], subject="unit", unit_level=3, metric="per_capita", sources=[{"kind": "points"}]
    )
    compute(rule)
    client.force_login(factories.administrator(study["tree"]["audit"]))
    response = client.get(reverse("rankings:export", args=[rule.slug]))
    assert response.status_code == 200
    return load_workbook(BytesIO(response.content)).active


def rows(sheet) -> list[tuple]:
    return list(sheet.iter_rows(min_row=HEADER_ROW, values_only=True))


def test_a_unit_ranking_heads_its_subject_column_unit_and_does_not_repeat_it(unit_export):
    header = rows(unit_export)[0]
    assert header[:3] == ("名次", "单位", "指标") and "姓名" not in header
    assert header.count("单位") == 1


def test_reasons_are_in_the_readers_language_and_unranked_subjects_come_last(unit_export):
    header, *body = rows(unit_export)
    reason = header.index("未参评原因")
    assert body[-1][1] == "广州特派办/第三党支部" and body[-1][0] is None
    assert body[-1][reason] == "无应参与人数"
    assert all(row[0] is not None and row[reason] in ("", None) for row in body[:-1])


def test_columns_are_wide_enough_and_the_header_stays_in_view(unit_export):
    assert unit_export.freeze_panes == f"A{HEADER_ROW + 1}"
    assert unit_export.column_dimensions["B"].width >= 20


def test_a_unit_ranking_export_marks_the_headcounts_an_organiser_stated(client, study):  # noqa: F811
    """第二党支部 has 2 members but its organiser states 5 (应参与人数): the export shows 5 and says
    it was stated, as the board does; 第一党支部's 3 are counted."""
    tree = study["tree"]
    rule = factories.ranking_rule(
        tree["audit"], subject="unit", unit_level=3, metric="per_capita", sources=[{"kind": "points"}]
    )
    services.expected_headcounts_save(rule=rule, counts={tree["gz2"].pk: 5})
    compute(rule)
    client.force_login(factories.administrator(tree["audit"]))
    sheet = load_workbook(BytesIO(client.get(reverse("rankings:export", args=[rule.slug])).content)).active
    header, *body = rows(sheet)
    unit, headcount, source = header.index("单位"), header.index("应参与人数"), header.index("人数来源")
    by_unit = {row[unit]: (row[headcount], row[source]) for row in body}
    assert by_unit == {
        "广州特派办/第一党支部": (3, "按名册统计"),
        "广州特派办/第二党支部": (5, "组织者填报的应参与人数"),
        "京津冀特派办/机关党支部": (1, "按名册统计"),
    }


def metric_cells(client, tree, rule) -> dict:
    """The export's metric cell of each unit, read as the audit office's administrator."""
    client.force_login(factories.administrator(tree["audit"]))
    sheet = load_workbook(BytesIO(client.get(reverse("rankings:export", args=[rule.slug])).content)).active
    header = [cell.value for cell in sheet[HEADER_ROW]]
    unit, metric = header.index("单位"), header.index("指标")
    return {row[unit].value: row[metric] for row in sheet.iter_rows(min_row=HEADER_ROW + 1)}


def test_a_participation_rate_is_a_percentage_in_the_export_and_stays_a_number(client, study):  # noqa: F811
    """第一党支部: 3 of its 4 members earned points, 75%; the others 100%. The cells hold 0.75 and
    1 (a formula can use them) and read 75.0% and 100.0% in a spreadsheet, as on the board."""
    tree = study["tree"]
    factories.member(tree["gz1"], username="g", real_name="G")  # no points
    rule = factories.ranking_rule(
        tree["audit"], subject="unit", unit_level=3, metric="participation", sources=[{"kind": "points"}]
    )
    compute(rule)
    cells = metric_cells(client, tree, rule)
    assert {name: (cell.value, cell.number_format) for name, cell in cells.items()} == {
        "广州特派办/第一党支部": (0.75, "0.0%"),
        "广州特派办/第二党支部": (1, "0.0%"),
        "京津冀特派办/机关党支部": (1, "0.0%"),
    }


def test_a_mean_reads_with_two_decimals_as_on_the_board_and_stays_a_number(client, study):  # noqa: F811
    """The mean over participants of 第二党支部, with G's 5 points, is (40 + 35 + 5) / 3 = 26.666…:
    the board shows 26.67, the export showed 26.6667. The cell keeps the number and reads 26.67;
    the whole means of 第一党支部 (60 / 3 = 20) and 机关党支部 (50) read as they are."""
    tree = study["tree"]
    points(factories.member(tree["gz2"], username="g", real_name="G"), 5, "g-1")
    rule = factories.ranking_rule(
        tree["audit"], subject="unit", unit_level=3, metric="mean", sources=[{"kind": "points"}]
    )
    compute(rule)
    cells = metric_cells(client, tree, rule)
    assert {name: (cell.value, cell.number_format) for name, cell in cells.items()} == {
        "京津冀特派办/机关党支部": (50, "General"),
        "广州特派办/第二党支部": (pytest.approx(80 / 3, abs=1e-4), "0.00"),
        "广州特派办/第一党支部": (20, "General"),
    }


def test_a_points_ranking_export_has_no_time_column_since_points_record_no_time(client, study):  # noqa: F811
    """Self-study points carry no time: a "time used" column would read 0 for everyone. The export
    lists the people and their points (by hand: F 50, D 40, E 35, A 30, B 20, C 10) without it."""
    rule = factories.ranking_rule(study["tree"]["audit"], subject="member", sources=[{"kind": "points"}])
    compute(rule)
    client.force_login(factories.administrator(study["tree"]["audit"]))
    for language, time_header in (("zh-hans", "用时（秒）"), ("en", "Time used (s)")):
        sheet = load_workbook(
            BytesIO(client.get(reverse("rankings:export", args=[rule.slug]), HTTP_ACCEPT_LANGUAGE=language).content)
        ).active
        header, *body = rows(sheet)
        assert time_header not in header
        total = header.index("总分" if language == "zh-hans" else "Total")
        assert [(row[1], row[total]) for row in body] == [
            ("F", 50),
            ("D", 40),
            ("E", 35),
            ("A", 30),
            ("B", 20),
            ("C", 10),
        ]


@pytest.mark.parametrize(
    ("subject", "fields", "kept"),
    [("member", {"group_level": 2}, False), ("unit", {"unit_level": 3, "metric": "per_capita"}, True)],
)
def test_participants_and_headcounts_only_where_they_count_more_than_one(client, study, subject, fields, kept):  # noqa: F811
    """A member is their own only participant, of a headcount of one: on a member ranking the two
    columns read 1 and 1 on every row and are left out; a branch's (第一党支部: 3 of 3) stay."""
    rule = factories.ranking_rule(study["tree"]["audit"], subject=subject, sources=[{"kind": "points"}], **fields)
    compute(rule)
    client.force_login(factories.administrator(study["tree"]["audit"]))
    export = client.get(reverse("rankings:export", args=[rule.slug]))
    header, *body = rows(load_workbook(BytesIO(export.content)).active)
    assert ("参与人数" in header, "应参与人数" in header) == (kept, kept)
    if kept:
        unit, took_part, headcount = header.index("单位"), header.index("参与人数"), header.index("应参与人数")
        assert {row[unit]: (row[took_part], row[headcount]) for row in body}["广州特派办/第一党支部"] == (3, 3)
    else:
        assert len(header) == len(body[0]) and header.index("总分") == header.index("同分胜出依据") + 1


def export_rows(client, rule, language: str) -> list[tuple]:
    response = client.get(reverse("rankings:export", args=[rule.slug]), HTTP_ACCEPT_LANGUAGE=language)
    return rows(load_workbook(BytesIO(response.content)).active)


@pytest.mark.parametrize(
    ("language", "group", "rank_in_group"), [("zh-hans", "所属单位", "单位内名次"), ("en", "Group", "Rank in group")]
)
def test_a_board_ranked_overall_only_exports_no_group_columns(client, study, language, group, rank_in_group):  # noqa: F811
    """Without a group level no row has a group: the unit export's "Group" and "Rank in group"
    were empty on every row (a unit's place within its parent was never computed)."""
    tree = study["tree"]
    client.force_login(factories.administrator(tree["audit"]))
    for subject, level in (("unit", {"unit_level": 3}), ("member", {})):
        rule = factories.ranking_rule(tree["audit"], subject=subject, sources=[{"kind": "points"}], **level)
        compute(rule)
        header = export_rows(client, rule, language)[0]
        assert group not in header and rank_in_group not in header, (subject, header)


def test_a_unit_board_ranked_within_offices_exports_each_branchs_office_and_place_there(client, study):  # noqa: F811
    """Branches by points, within each office (level 2): 第二党支部 75 (40 + 35), 第一党支部 60
    (30 + 20 + 10), 机关党支部 50. 机关党支部 is third of all and first within 京津冀特派办."""
    tree = study["tree"]
    rule = factories.ranking_rule(
        tree["audit"], subject="unit", unit_level=3, group_level=2, sources=[{"kind": "points"}]
    )
    compute(rule)
    client.force_login(factories.administrator(tree["audit"]))
    header, *body = export_rows(client, rule, "zh-hans")
    unit, total, group, in_group = (header.index(name) for name in ("单位", "总分", "所属单位", "单位内名次"))
    assert [(row[0], row[unit], row[total], row[group], row[in_group]) for row in body] == [
        (1, "广州特派办/第二党支部", 75, "广州特派办", 1),
        (2, "广州特派办/第一党支部", 60, "广州特派办", 2),
        (3, "京津冀特派办/机关党支部", 50, "京津冀特派办", 1),
    ]


def test_a_member_board_ranked_within_offices_exports_each_members_unit_office_and_place_there(client, study):  # noqa: F811
    """F 50 (京津冀), D 40, E 35, A 30, B 20, C 10 (广州): F is first of all and in 京津冀特派办; A
    fourth of all and third within 广州特派办; each with their own branch as the unit."""
    tree = study["tree"]
    rule = factories.ranking_rule(tree["audit"], subject="member", group_level=2, sources=[{"kind": "points"}])
    compute(rule)
    client.force_login(factories.administrator(tree["audit"]))
    header, *body = export_rows(client, rule, "en")
    name, unit, group, in_group = (header.index(h) for h in ("Name", "Unit", "Group", "Rank in group"))
    assert [(row[0], row[name], row[unit], row[group], row[in_group]) for row in body] == [
        (1, "F", "京津冀特派办/机关党支部", "京津冀特派办", 1),
        (2, "D", "广州特派办/第二党支部", "广州特派办", 1),
        (3, "E", "广州特派办/第二党支部", "广州特派办", 2),
        (4, "A", "广州特派办/第一党支部", "广州特派办", 3),
        (5, "B", "广州特派办/第一党支部", "广州特派办", 4),
        (6, "C", "广州特派办/第一党支部", "广州特派办", 5),
    ]


@pytest.mark.parametrize(
    ("language", "metric_header", "total_header"), [("zh-hans", "指标", "总分"), ("en", "Metric", "Total")]
)
def test_a_ranking_by_the_total_exports_the_total_once_and_a_composite_keeps_both(
    study,  # noqa: F811
    language,
    metric_header,
    total_header,
):
    """Ranked by the total, a member's metric is their total: A's 30 points read 30 under both 指标
    and 总分, one number under two names. That export shows the total only. A composite's metric
    (per capita alone, 第一党支部: 60 points / 3 members = 20, against its total 60) is another
    number, and keeps its column."""
    tree = study["tree"]
    admin = factories.administrator(tree["audit"])
    by_total = factories.ranking_rule(tree["audit"], subject="member", sources=[{"kind": "points"}])
    composite = factories.ranking_rule(
        tree["audit"],
        subject="unit",
        unit_level=3,
        metric="composite",
        composite={"per_capita": 1.0},
        sources=[{"kind": "points"}],
    )
    compute(by_total)
    compute(composite)
    client = factories.client_in(language, admin)

    def export(rule):
        content = client.get(reverse("rankings:export", args=[rule.slug])).content
        header, *body = rows(load_workbook(BytesIO(content)).active)
        return header, body

    header, body = export(by_total)
    assert total_header in header and metric_header not in header
    total = header.index(total_header)
    assert {row[1]: row[total] for row in body} == {"F": 50, "D": 40, "E": 35, "A": 30, "B": 20, "C": 10}
    header, body = export(composite)
    assert metric_header in header and total_header in header
    by_unit = {row[1]: (row[header.index(metric_header)], row[header.index(total_header)]) for row in body}
    # Per capita 50 (机关党支部: 50 / 1) is the best: 100; 第二党支部 75 / 2 = 37.5 → 75; 第一党支部 20 → 40.
    assert by_unit == {
        "京津冀特派办/机关党支部": (100, 50),
        "广州特派办/第二党支部": (75, 75),
        "广州特派办/第一党支部": (40, 60),
    }
