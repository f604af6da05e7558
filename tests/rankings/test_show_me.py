""" "Show me in the list" and "Within <my office>" on a board open the page holding the member's
row, among the rows around it, highlighted and scrolled to (they used to search for the member's
name and show that one row alone)."""

import re

import pytest
from django.urls import reverse

from rankings.services import snapshot_approve, snapshot_publish
from tests import factories
from tests.rankings.test_services import DAY, compute, points


@pytest.fixture
def sixty(tree):
    """60 members, member n scoring 1000 - 10n points, so in place n (no ties): places 1-10 in
    京津冀特派办's branch, 11-60 in 广州特派办's."""
    people = {}
    for place in range(1, 61):
        unit = tree["jjj1"] if place <= 10 else tree["gz1"]
        people[place] = factories.member(unit, username=f"m{place:02d}", real_name=f"M{place:02d}")
        points(people[place], 1000 - 10 * place, f"p{place}")
    admin = factories.administrator(tree["audit"], username="boss")
    rule = factories.ranking_rule(
        tree["audit"],
        subject="member",
        group_level=2,
        sources=[{"kind": "points"}],
        period_starts_on=DAY,
        period_ends_on=DAY,
    )
    snapshot = compute(rule).snapshot
    snapshot_publish(snapshot=snapshot_approve(snapshot=snapshot, by=admin), by=admin)
    return {"rule": rule, "people": people, "tree": tree}


def follow(client, url, link_id):
    page = client.get(url).content.decode()
    link = re.search(rf'id="{link_id}" href="([^"]*)"', page).group(1).replace("&amp;", "&")
    query, _, fragment = link.partition("#")
    return client.get(url + query), fragment


@pytest.mark.parametrize(
    ("place", "shown"),
    [
        # The board's pages hold 50 rows: place 37 is on page 1 (rows 1-50), place 55 on page 2 (51-60).
        (37, range(1, 51)),
        (55, range(51, 61)),
    ],
)
def test_show_me_opens_the_page_with_my_row_and_the_rows_around_it(client, sixty, place, shown):
    member = sixty["people"][place]
    client.force_login(member)
    url = reverse("rankings:board", args=[sixty["rule"].slug])
    found, fragment = follow(client, url, "my-place-link")
    rows = [row.rank for row in found.context["page"]]
    assert rows == list(shown) and {place - 1, place, place + 1} <= set(rows)
    body = found.content.decode()
    mine = re.search(rf'<tr id="board-row-{member.pk}" class="([^"]*)"', body).group(1)
    assert "qs-mine" in mine and fragment == f"board-row-{member.pk}"
    assert body.count("qs-mine") == 1


@pytest.mark.parametrize(("language", "label"), [("zh-hans", "在广州特派办中"), ("en", "Within 广州特派办")])
def test_within_my_office_opens_its_page_with_my_row_among_its_rows(client, sixty, language, label):
    """Place 55 overall is 45th of 广州特派办's 50 (places 11-60): page 1 of its list, beside
    its 44th and 46th (places 54 and 56)."""
    member = sixty["people"][55]
    client.force_login(member)
    client.cookies["django_language"] = language
    url = reverse("rankings:board", args=[sixty["rule"].slug])
    page = client.get(url).content.decode()
    link = re.search(r'id="my-group-link" href="[^"]*">(.*?)</a>', page).group(1)
    assert label in link and "my unit" not in link and "我的单位" not in link
    found, _ = follow(client, url, "my-group-link")
    rows = [(row.rank_in_group, row.rank) for row in found.context["page"]]
    assert len(rows) == 50 and (44, 54) in rows and (45, 55) in rows and (46, 56) in rows
    assert f'<tr id="board-row-{member.pk}" class=" table-warning qs-mine">' in found.content.decode()
