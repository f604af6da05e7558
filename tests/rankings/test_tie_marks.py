"""Where a tie-break, not the score, decided a place, the board, the big screen and the export say
which one ("reached first"), and the board states the rule's chain; genuinely equal rows share a
place, and the prize at a boundary follows the rule. Places and prizes worked out by hand below."""

import datetime as dt
import re
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from lessons.models import PointEvent
from rankings import selectors
from tests import factories
from tests.rankings.test_services import DAY, compute

# Points (all on DAY) and the hour of the member's last point: the rule breaks ties by who
# reached their total first.
POINTS = {
    "P": (50, 9),
    "Q": (40, 8),
    "R": (40, 9),
    "S": (40, 10),
    "T": (30, 9),
    "U": (30, 9),  # level with T on points and time: they share a place
    "V": (30, 11),
}
# By hand. Places: P 1; Q, R, S level on 40, ordered by time: 2, 3, 4; T and U equal on both:
# 5 and 5; V 7. Prizes by count 1 / 2 / 2, cumulative 1, 3, 5: P first; Q, R second (places 2-3);
# S third (4); T and U share place 5, which is within 5: both third ("share"); V none.
PLACES = [
    ("P", 1, "一等奖"),
    ("Q", 2, "二等奖"),
    ("R", 3, "二等奖"),
    ("S", 4, "三等奖"),
    ("T", 5, "三等奖"),
    ("U", 5, "三等奖"),
    ("V", 7, ""),
]
# Q is above R, R above S, and T and U (sharing 5th) above V, each on time alone; P and S are
# above the next on points; V is last. Of T and U only U, listed last of the two, just above V, is
# marked: T is level with U below it, no tie-break separated them.
MARKED = {"Q", "R", "U"}
TIERS = [{"name": "一等奖", "value": 1}, {"name": "二等奖", "value": 2}, {"name": "三等奖", "value": 2}]


def _rule(tree, elsewhere=(), **fields):
    """The rule over POINTS' members, all of 广州特派办/第一党支部 but `elsewhere` (京津冀特派办)."""
    people = {
        name: factories.member(tree["jjj1" if name in elsewhere else "gz1"], username=name.lower(), real_name=name)
        for name in POINTS
    }
    for name, (amount, hour) in POINTS.items():
        PointEvent.objects.create(
            member=people[name],
            activity="quiz",
            points=amount,
            day=DAY,
            occurred_at=timezone.make_aware(dt.datetime.combine(DAY, dt.time(hour))),
            source_key=f"{name}-1",
        )
    fields = {
        "boundary_ties": "share",
        "tie_breaks": ["finished_at_asc"],
        "prize_mode": "count",
        "prize_tiers": TIERS,
    } | fields
    return factories.ranking_rule(
        tree["audit"],
        subject="member",
        sources=[{"kind": "points"}],
        period_starts_on=DAY,
        period_ends_on=DAY,
        **fields,
    )


@pytest.fixture
def ranked(tree):
    rule = _rule(tree)
    snapshot = compute(rule).snapshot
    admin = factories.administrator(tree["audit"], username="boss")
    return {"rule": rule, "snapshot": snapshot, "admin": admin}


def test_places_and_prizes_follow_the_tie_break_and_the_boundary_rule(ranked):
    rows = selectors.leaderboard_rows(ranked["snapshot"])
    assert [(row.label, row.place, row.prize) for row in rows] == PLACES


def test_a_shared_place_running_past_a_prize_drops_whole_under_drop(tree):
    snapshot = compute(_rule(tree, boundary_ties="drop")).snapshot
    rows = {row.label: (row.place, row.prize) for row in selectors.leaderboard_rows(snapshot)}
    # T and U share place 5: places 5-6 would run past the third prize's 5, so neither takes it.
    assert rows["S"] == (4, "三等奖") and rows["T"] == (5, "") and rows["U"] == (5, "")


def test_the_board_marks_each_place_won_on_time_and_states_the_chain(ranked):
    english = factories.client_in("en", ranked["admin"]).get(reverse("rankings:board", args=[ranked["rule"].slug]))
    rows = english.context["page"].object_list
    assert {row.label for row in rows if row.tie_mark} == MARKED
    assert {row.tie_mark.label for row in rows if row.tie_mark} == {"reached first"}
    q = next(row for row in rows if row.label == "Q")
    assert "(no. 3)" in q.tie_mark.explanation and "08:00:00 against" in q.tie_mark.explanation
    page = english.content.decode()
    assert page.count('class="qs-tie-note tie-mark"') == len(MARKED)
    assert "Equal scores are decided by reaching the score first; whoever is still level shares the place." in page
    assert "gets the prize for everyone in it" in page
    chinese = factories.client_in("zh-hans", ranked["admin"]).get(reverse("rankings:board", args=[ranked["rule"].slug]))
    page = chinese.content.decode()
    assert page.count(">先达到<") == len(MARKED)
    assert "同分排序：成绩相同时，先达到该成绩者排名在前；仍相同者名次并列。" in page


def test_a_rule_breaking_no_ties_says_so_after_one_colon_in_either_language(tree):
    """The chain follows its label "Ties: " ("同分排序："), so its own sentence holds no second colon."""
    rule = _rule(tree, tie_breaks=[], prize_mode="none", prize_tiers=[])
    compute(rule)
    admin = factories.administrator(tree["audit"], username="boss")
    url = reverse("rankings:board", args=[rule.slug])
    lines = {
        language: re.search(
            r'id="tie-rules">(.*?)</p>', factories.client_in(language, admin).get(url).content.decode(), re.S
        ).group(1)
        for language in ("en", "zh-hans")
    }
    assert lines == {
        "en": "Ties: Equal scores share a place; this rule breaks no ties.",
        "zh-hans": "同分排序：成绩相同者名次并列，本规则不设同分比较。",
    }


def test_within_a_group_and_in_a_search_the_mark_compares_with_the_next_place(ranked):
    client = factories.client_in("en", ranked["admin"])
    url = reverse("rankings:board", args=[ranked["rule"].slug])
    # Alone in a search, R still won place 3 over S on time; S (above T on points) has no mark.
    found = client.get(url, {"q": "R"}).context["page"].object_list
    assert [(row.label, row.tie_mark.key) for row in found] == [("R", "finished_at_asc")]
    assert client.get(url, {"q": "S"}).context["page"].object_list[0].tie_mark is None


def test_within_a_group_the_mark_compares_with_the_next_place_of_the_group(tree):
    # S in 京津冀特派办; the rest in 广州特派办, ranked there P 1, Q 2, R 3, T 4, U 4, V 6 (by hand).
    rule = _rule(tree, elsewhere={"S"}, group_level=2)
    compute(rule)
    admin = factories.administrator(tree["audit"], username="boss")
    page = factories.client_in("en", admin).get(reverse("rankings:board", args=[rule.slug]), {"group": tree["gz"].pk})
    marks = {row.label: row.tie_mark for row in page.context["page"].object_list}
    # R is above S overall on time, but next in its group is T, 10 points below: no mark there.
    # T and U share 4th in the group, above V on time: U, just above V, is marked, not T.
    assert {label for label, mark in marks.items() if mark} == {"Q", "U"}
    assert "(no. 6)" in marks["U"].explanation and "(no. 3)" in marks["Q"].explanation


def test_the_big_screen_marks_the_same_rows_and_states_the_chain(ranked):
    page = factories.client_in("en", ranked["admin"]).get(reverse("rankings:screen", args=[ranked["rule"].slug]))
    assert {row.label for row in page.context["rows"] if row.tie_mark} == MARKED
    text = page.content.decode()
    assert text.count(">reached first<") == len(MARKED) and 'id="tie-rules"' in text


def test_the_big_screen_marks_a_shared_place_as_the_board_does(ranked):
    page = factories.client_in("en", ranked["admin"]).get(reverse("rankings:screen", args=[ranked["rule"].slug]))
    cells = re.findall(r'<span class="rank">(.*?)</span><span class="name">', page.content.decode())
    places = [re.sub(r"<[^>]+>", "", cell) for cell in cells]
    # By hand (PLACES): T and U share 5th, as the board's and the export's 5=; the rest stand alone.
    assert places == ["1", "2", "3", "4", "5=", "5=", "7"]
    assert 'title="shared place">=</span>' in page.content.decode()


@pytest.mark.parametrize(
    ("language", "alone", "shared"), [("en", "Rank 4", "Joint rank 5"), ("zh-hans", "第 4 名", "并列第 5 名")]
)
def test_the_honour_list_says_a_shared_place_is_shared_as_the_certificate_does(ranked, language, alone, shared):
    client = factories.client_in(language, ranked["admin"])
    page = client.get(reverse("rankings:honours", args=[ranked["rule"].slug])).content.decode()
    # By hand (PLACES): the third prize goes to S alone on 4th, and to T and U sharing 5th.
    places = re.findall(r'<span class="small text-nowrap">([^<·]+)', page)
    assert [place.strip() for place in places] == [
        alone.replace("4", "1"),
        alone.replace("4", "2"),
        alone.replace("4", "3"),
        alone,
        shared,
        shared,
    ]


def test_the_export_names_the_deciding_tie_break_beside_each_row(ranked):
    client = factories.client_in("en", ranked["admin"])
    book = load_workbook(BytesIO(client.get(reverse("rankings:export", args=[ranked["rule"].slug])).content))
    sheet = book.active
    assert sheet["A6"].value == "Ties" and "reaching the score first" in sheet["B6"].value
    header, *body = sheet.iter_rows(min_row=7, values_only=True)
    name, mark = header.index("Name"), header.index("Tie broken by")
    assert [(row[name], row[mark]) for row in body] == [
        (label, "reached first" if label in MARKED else None) for label, _place, _prize in PLACES
    ]


def test_a_row_level_only_on_the_rounded_score_is_marked_higher_before_rounding(tree):
    # A daily point weighs 0.001: Y has 10.002, shown as 10.00 like X's and Z's 10.001. By hand:
    # Y 1st on its score (marked: the board cannot show why); X and Z equal, sharing place 2.
    people = {name: factories.member(tree["gz1"], real_name=name) for name in "XYZ"}
    for name, activity, amount in (
        ("X", "quiz", 10),
        ("X", "daily", 1),
        ("Y", "quiz", 10),
        ("Y", "daily", 2),
        ("Z", "quiz", 10),
        ("Z", "daily", 1),
    ):
        PointEvent.objects.create(
            member=people[name],
            activity=activity,
            points=amount,
            day=DAY,
            occurred_at=timezone.make_aware(dt.datetime.combine(DAY, dt.time(9))),
            source_key=f"{name}-{activity}",
        )
    rule = factories.ranking_rule(
        tree["audit"],
        subject="member",
        sources=[{"kind": "points", "activity": "quiz"}, {"kind": "points", "activity": "daily", "weight": "0.001"}],
        period_starts_on=DAY,
        period_ends_on=DAY,
    )
    snapshot = compute(rule).snapshot
    rows = selectors.with_tie_marks(snapshot, selectors.leaderboard_rows(snapshot))
    assert [(row.label, row.place, row.tie_mark and row.tie_mark.key) for row in rows] == [
        ("Y", 1, "metric"),
        ("X", 2, None),
        ("Z", 2, None),
    ]
    assert "10.002" in rows[0].tie_mark.explanation and "10.001" in rows[0].tie_mark.explanation


def test_the_leaderboard_api_carries_each_rows_tie_break_mark_with_a_stable_key_and_a_label(ranked):
    """The API marks the same rows as the board (Q, R, U: above the next place on time alone),
    also where the next place is on the next page (R, third of three, over S), with the rule's
    key for programs and the mark in the request's language for people."""
    url = f"/api/v1/rankings/{ranked['rule'].slug}/"
    english = factories.client_in("en", ranked["admin"])
    rows = [row for page in (1, 2, 3) for row in english.get(url, {"page_size": 3, "page": page}).json()["results"]]
    assert [(row["label"], row["tie_break"] and row["tie_break"]["key"]) for row in rows] == [
        (label, "finished_at_asc" if label in MARKED else None) for label, _place, _prize in PLACES
    ]
    # Points record no time: the API says none (null) rather than 0 seconds for everyone.
    assert {row["time_used_s"] for row in rows} == {None}
    q = rows[1]["tie_break"]
    assert q["label"] == "reached first" and "(no. 3)" in q["explanation"]
    chinese = factories.client_in("zh-hans", ranked["admin"]).get(url).json()["results"]
    assert {row["label"]: row["tie_break"]["label"] for row in chinese if row["tie_break"]} == dict.fromkeys(
        MARKED, "先达到"
    )


def test_a_shared_place_is_marked_once_on_the_row_listed_just_above_the_next_place(ranked):
    """T and U share 5th, both above V (7th) on time: only U, listed after T, carries the mark,
    also when a page ends between them (T last on page 1, U first on page 2) and in a search
    that finds T alone, on the board, the API and in the export alike."""
    client = factories.client_in("en", ranked["admin"])
    board = reverse("rankings:board", args=[ranked["rule"].slug])
    page = client.get(board).content.decode()
    rows = re.findall(r'<td class="[^"]*text-nowrap">([A-Z])<(.*?)(?=<tr|</tbody>)', page, re.S)
    assert [name for name, _rest in rows] == ["P", "Q", "R", "S", "T", "U", "V"]
    assert [name for name, rest in rows if "tie-mark" in rest] == ["Q", "R", "U"]
    chain = "A mark such as “reached first” beside a score says what put it above the next place on the same score."
    assert chain in page
    assert client.get(board, {"q": "T"}).context["page"].object_list[0].tie_mark is None
    assert client.get(board, {"q": "U"}).context["page"].object_list[0].tie_mark.key == "finished_at_asc"
    api = f"/api/v1/rankings/{ranked['rule'].slug}/"
    pages = [client.get(api, {"page_size": 5, "page": n}).json()["results"] for n in (1, 2)]
    assert [[(row["label"], bool(row["tie_break"])) for row in rows] for rows in pages] == [
        [("P", False), ("Q", True), ("R", True), ("S", False), ("T", False)],
        [("U", True), ("V", False)],
    ]
    sheet = load_workbook(BytesIO(client.get(reverse("rankings:export", args=[ranked["rule"].slug])).content)).active
    header, *body = sheet.iter_rows(min_row=7, values_only=True)
    name, mark = header.index("Name"), header.index("Tie broken by")
    assert [row[name] for row in body if row[mark]] == ["Q", "R", "U"]
