"""The export marks a shared place as the board does, 2= (the cell still the number 2 to sort
by): overall among the ranked, and within a group only among the group's own rows. Places and
prizes worked out by hand below."""

from io import BytesIO

import pytest
from django.utils import translation
from openpyxl import load_workbook

from rankings.exports import certificate_pdf, snapshot_workbook
from tests import factories
from tests.rankings import pdfs
from tests.rankings.test_group_places import IN_GROUP, OVERALL, offices  # noqa: F401 - fixture
from tests.rankings.test_services import DAY, compute, points

HEADER_ROW = 7
# Excel's number format writing 2 as "2=".
SHARED_PLACE = '0"="'


def places(snapshot, *headers: str) -> dict[str, tuple]:
    """Each person's cells under `headers`, a place read as the spreadsheet shows it: 2= for a
    number formatted as shared, 2 for a plain one."""
    sheet = load_workbook(BytesIO(snapshot_workbook(snapshot))).active
    header = [cell.value for cell in sheet[HEADER_ROW]]
    columns = [header.index(name) for name in headers]
    name = header.index("姓名")

    def shown(cell):
        if cell.number_format == SHARED_PLACE:
            return f"{cell.value}="
        return cell.value

    return {
        row[name].value: tuple(shown(row[column]) for column in columns)
        for row in sheet.iter_rows(min_row=HEADER_ROW + 1)
    }


@pytest.fixture
def prize_boundary(tree):
    """Scores 90, 80, 80, 70; first prize for 1 place, second for the next 1 (places up to 2)."""
    scores = {"P": (90, "gz1"), "Q": (80, "gz1"), "R": (80, "jjj1"), "S": (70, "jjj1")}
    for name, (score, unit) in scores.items():
        points(factories.member(tree[unit], username=name.lower(), real_name=name), score, f"{name}-1")
    rule = factories.ranking_rule(
        tree["audit"],
        subject="member",
        sources=[{"kind": "points"}],
        period_starts_on=DAY,
        period_ends_on=DAY,
        prize_mode="count",
        prize_tiers=[{"name": "一等奖", "value": 1}, {"name": "二等奖", "value": 1}],
    )
    return compute(rule).snapshot


def test_a_tie_at_a_prize_boundary_is_marked_shared_in_the_export(prize_boundary):
    # By hand: P 90 takes place 1 and the first prize (1 place). Q and R, level on 80, share
    # place 2: 2= each; the second prize runs to place 1 + 1 = 2, and a shared place that runs
    # past it (Q and R fill places 2 and 3) gets it for both (the rule's default). S 70 is 4th
    # (1 + 2 ahead of it), alone, and past every prize.
    assert places(prize_boundary, "名次", "奖项") == {
        "P": (1, "一等奖"),
        "Q": ("2=", "二等奖"),
        "R": ("2=", "二等奖"),
        "S": (4, None),  # no prize: an empty cell
    }


def test_the_export_marks_a_place_shared_overall_and_within_the_unit_apart(offices):  # noqa: F811
    # As the board gives them (tests/rankings/test_group_places.py, by hand): B shares 2nd overall
    # with D of the other office, but is alone in 2nd within 广州特派办; E and F share 4th overall
    # (with C) and 2nd within 京津冀特派办.
    snapshot = offices["rule"].snapshots.get()
    got = places(snapshot, "名次", "单位内名次")

    def shown(rank: int, tied: int) -> int | str:
        return f"{rank}=" if tied > 1 else rank

    assert got == {name: (shown(*OVERALL[name]), shown(*IN_GROUP[name])) for name in OVERALL}
    assert got["B"] == ("2=", 2) and got["E"] == ("4=", "2=")


@pytest.mark.parametrize(
    ("language", "alone", "shared"), [("en", "placed1st", "placedjoint2nd"), ("zh-hans", "排名第1", "排名并列第2")]
)
def test_a_certificate_for_a_shared_place_says_it_is_shared(prize_boundary, tmp_path, language, alone, shared):
    # Q shares 2nd with R (2=, as above), P is 1st alone. Spaces aside: pdftotext lays them out.
    with translation.override(language):
        first, second = (certificate_pdf(prize_boundary.rows.get(label=name)) for name in ("P", "Q"))
    first_text, second_text = ("".join(pdfs.text(pdf, tmp_path).split()) for pdf in (first, second))
    assert alone in first_text and "joint" not in first_text and "并列" not in first_text
    assert shared in second_text
