"""A place within a unit (a board's `group`) is shared only with that unit's own rows, and a member
sees it beside their overall place, with either place's tie, on the board, at home and over the
API. Places worked out by hand below."""

import re

import pytest
from django.urls import reverse

from rankings import selectors
from rankings.services import snapshot_approve, snapshot_publish
from tests import factories
from tests.rankings.test_services import DAY, compute, points

GZ = "Guangzhou Resident Office"
JJJ = "Beijing-Tianjin-Hebei Resident Office"
# Points, and each member's office (the board's groups: group_level 2); no tie-breaks.
POINTS = {"A": (50, "gz1"), "B": (40, "gz1"), "C": (30, "gz2"), "D": (40, "jjj1"), "E": (30, "jjj1"), "F": (30, "jjj1")}
# By hand. Overall: A 1; B and D level on 40: 2 and 2; C, E, F level on 30: 4, 4, 4.
# Within 广州特派办: A 1, B 2, C 3, each alone there (B ties with D and C with E and F, of the
# other office). Within 京津冀特派办: D 1, E and F 2 and 2.
OVERALL = {"A": (1, 1), "B": (2, 2), "C": (4, 3), "D": (2, 2), "E": (4, 3), "F": (4, 3)}  # (rank, tied_count)
IN_GROUP = {"A": (1, 1), "B": (2, 1), "C": (3, 1), "D": (1, 1), "E": (2, 2), "F": (2, 2)}  # (rank, tied there)
SHARED = 'title="shared place">=</span>'


@pytest.fixture
def offices(tree):
    tree["gz"].name_en = GZ
    tree["gz"].save(update_fields=["name_en"])
    tree["jjj"].name_en = JJJ
    tree["jjj"].save(update_fields=["name_en"])
    people = {
        name: factories.member(tree[unit], username=name.lower(), real_name=name) for name, (_, unit) in POINTS.items()
    }
    for name, (amount, _unit) in POINTS.items():
        points(people[name], amount, f"{name}-1")
    rule = factories.ranking_rule(
        tree["audit"],
        subject="member",
        group_level=2,
        sources=[{"kind": "points"}],
        period_starts_on=DAY,
        period_ends_on=DAY,
        slug="offices",
    )
    admin = factories.administrator(tree["audit"], username="boss")
    snapshot_publish(snapshot=snapshot_approve(snapshot=compute(rule).snapshot, by=admin), by=admin)
    return {"rule": rule, "people": people, "admin": admin, "tree": tree}


def test_the_computation_gives_the_places_worked_out_by_hand(offices):
    rows = selectors.with_group_ties(
        offices["rule"].snapshots.get(), selectors.leaderboard_rows(offices["rule"].snapshots.get())
    )
    assert {row.label: (row.rank, row.tied_count) for row in rows} == OVERALL
    assert {row.label: (row.rank_in_group, row.tied_in_group) for row in rows} == IN_GROUP


def _table(page: str) -> str:
    return page[page.index('id="board-table"') : page.index("</table>")]


def test_a_unit_view_marks_a_place_shared_only_within_the_unit(offices):
    client = factories.client_in("en", offices["admin"])
    url = reverse("rankings:board", args=["offices"])
    # B and C share their places overall with members of 京津冀特派办, but are alone in theirs.
    # The Overall column beside still marks the overall ties (B 2=, C 4=).
    gz = client.get(url, {"group": offices["tree"]["gz"].pk}).content.decode()
    assert _places(gz) == [("1", False, "1", False), ("2", False, "2", True), ("3", False, "4", True)]
    # In 京津冀特派办 E and F share 2nd; D, level with B overall, is alone in 1st.
    jjj = client.get(url, {"group": offices["tree"]["jjj"].pk}).content.decode()
    assert _places(jjj) == [("1", False, "2", True), ("2", True, "4", True), ("2", True, "4", True)]


def _places(page: str) -> list[tuple[str, bool, str, bool]]:
    """Each row's place in the unit and overall, each with whether it is marked shared ("=")."""
    mark = r"(<span[^>]*>=</span>)?"
    row = rf'<td class="fw-bold[^"]*">(\d+){mark}.*?<td class="d-none d-sm-table-cell">(\d+){mark}'
    cells = re.findall(row, _table(page), re.S)
    return [(mine, bool(tied), overall, bool(tied_overall)) for mine, tied, overall, tied_overall in cells]


def test_the_overall_view_marks_the_in_group_place_shared_only_within_the_unit(offices):
    page = factories.client_in("en", offices["admin"]).get(reverse("rankings:board", args=["offices"]))
    table = _table(page.content.decode())
    # "=" after the overall ranks of B, C, D, E, F (5) and after the in-group places of E and F (2).
    assert table.count(SHARED) == 7
    assert table.count(f'{JJJ}: no. 2<span class="qs-muted" {SHARED}') == 2
    assert f"{GZ}: no. 2<" in table and f"{GZ}: no. 3<" in table


def test_the_api_gives_the_tie_within_the_unit(offices):
    client = factories.client_in("en", offices["admin"])
    url = f"/api/v1/rankings/offices/?group={offices['tree']['gz'].pk}"
    gz = client.get(url).json()["results"]
    assert [(row["label"], row["rank_in_group"], row["tied_count"], row["tied_in_group"]) for row in gz] == [
        ("A", 1, 1, 1),
        ("B", 2, 2, 1),
        ("C", 3, 3, 1),
    ]
    everyone = client.get("/api/v1/rankings/offices/").json()["results"]
    assert {row["label"]: row["tied_in_group"] for row in everyone} == {
        name: tied for name, (_rank, tied) in IN_GROUP.items()
    }


@pytest.mark.parametrize(
    ("name", "language", "summary"),
    [
        ("B", "zh-hans", '您的名次：第 2 名（并列） · <span id="my-group-place">广州特派办 第 2 名</span>'),
        ("E", "zh-hans", '您的名次：第 4 名（并列） · <span id="my-group-place">京津冀特派办 第 2 名（并列）</span>'),
        ("A", "en", f'Your place: No. 1 · <span id="my-group-place">no. 1 in {GZ}</span>'),
        ("E", "en", f'Your place: No. 4 (shared) · <span id="my-group-place">no. 2 in {JJJ} (shared)</span>'),
    ],
)
def test_a_member_sees_their_place_in_their_unit_beside_the_overall_one(offices, name, language, summary):
    client = factories.client_in(language, offices["people"][name])
    page = client.get(reverse("rankings:board", args=["offices"])).content.decode()
    assert summary in page
    group = offices["tree"]["gz" if name in "ABC" else "jjj"].pk
    link = re.search(r'id="my-group-link" href="([^"]*)"', page).group(1).replace("&amp;", "&")
    member = offices["people"][name].pk
    assert link == f"?group={group}&mine=1&highlight={member}#board-row-{member}"
    # In their unit's view the link to it is not offered again.
    in_unit = client.get(reverse("rankings:board", args=["offices"]), {"group": group}).content.decode()
    assert 'id="my-group-link"' not in in_unit


@pytest.mark.parametrize(
    ("language", "button", "in_unit"),
    [
        ("zh-hans", "第 4 名（并列）", "京津冀特派办 第 2 名（并列）"),
        ("en", "No. 4 (shared)", f"No. 2 in {JJJ} (shared)"),
    ],
)
def test_home_gives_the_place_with_its_tie_and_the_place_within_the_unit(offices, language, button, in_unit):
    page = factories.client_in(language, offices["people"]["E"]).get("/").content.decode()
    places = page[page.index('id="my-places"') :]
    assert f">{button}</a>" in places
    assert f'<div class="small text-break qs-group-place">{in_unit}</div>' in places


def test_the_home_api_gives_both_places_and_their_ties(offices):
    home = factories.client_in("en", offices["people"]["E"]).get("/api/v1/home/").json()
    (place,) = home["places"]
    keys = ("rank", "tied", "group_name", "group_name_en", "rank_in_group", "tied_in_group")
    assert {key: place[key] for key in keys} == {
        "rank": 4,
        "tied": True,
        "group_name": "京津冀特派办",
        "group_name_en": JJJ,
        "rank_in_group": 2,
        "tied_in_group": True,
    }
    (alone,) = factories.client_in("en", offices["people"]["B"]).get("/api/v1/home/").json()["places"]
    assert (alone["rank"], alone["tied"], alone["rank_in_group"], alone["tied_in_group"]) == (2, True, 2, False)


@pytest.mark.parametrize(("language", "heading"), [("en", f"Places within {GZ}"), ("zh-hans", "广州特派办内名次")])
def test_a_unit_view_names_the_unit_above_the_table_and_keeps_its_rank_heading_short(offices, language, heading):
    client = factories.client_in(language, offices["people"]["A"])
    page = client.get(reverse("rankings:board", args=["offices"]), {"group": offices["tree"]["gz"].pk}).content.decode()
    assert f'<h2 class="h6 mb-2" id="group-heading">{heading}</h2>' in page
    first_heading = re.search(r'id="board-table">\s*<thead[^>]*><tr>\s*<th>([^<]*)</th>', page).group(1)
    assert first_heading == {"en": "In unit", "zh-hans": "单位内名次"}[language]
