"""A version in which no one takes a place: approving and publishing it ask first, and its
board says plainly that no one is ranked (a search that matches nothing still says so)."""

import pytest
from django.urls import reverse

from rankings.models import Snapshot
from rankings.services import RankingRejected, snapshot_approve, snapshot_publish
from tests import factories
from tests.rankings.test_services import DAY, compute, study  # noqa: F401 - fixture


@pytest.fixture
def empty(study):  # noqa: F811
    """A rule over 财政部, where no one earned points in the period: listed 0, ranked 0."""
    admin = factories.administrator(study["tree"]["mof"], username="mof-boss")
    rule = factories.ranking_rule(
        study["tree"]["mof"], subject="member", sources=[{"kind": "points"}], period_starts_on=DAY, period_ends_on=DAY
    )
    snapshot = compute(rule).snapshot
    assert (snapshot.row_count, snapshot.eligible_count) == (0, 0)
    return {"admin": admin, "rule": rule, "snapshot": snapshot, **study}


def test_approving_and_publishing_a_version_ranking_no_one_are_refused_unless_confirmed(empty):
    admin, snapshot = empty["admin"], empty["snapshot"]
    with pytest.raises(RankingRejected) as refused:
        snapshot_approve(snapshot=snapshot, by=admin)
    assert refused.value.code == "nobody_ranked"
    snapshot = snapshot_approve(snapshot=snapshot, by=admin, nobody_ranked_ok=True)
    with pytest.raises(RankingRejected) as refused:
        snapshot_publish(snapshot=snapshot, by=admin)
    assert refused.value.code == "nobody_ranked"
    assert snapshot_publish(snapshot=snapshot, by=admin, nobody_ranked_ok=True).status == Snapshot.Status.PUBLISHED


@pytest.mark.parametrize(
    ("language", "warning", "approve", "publish", "refusal"),
    [
        (
            "zh-hans",
            "第1版中没有人参加名次，排行榜将是空的",
            "无人参加名次，仍审核通过",
            "无人参加名次，仍发布",
            "门槛后重新计算，或确认确实要这样做",
        ),
        (
            "en",
            "No one takes a place in version 1: its board would be empty",
            "Approve with no one ranked",
            "Publish with no one ranked",
            "compute again, or confirm that you mean it",
        ),
    ],
)
def test_the_console_warns_of_an_empty_version_and_its_buttons_confirm_it(
    empty, language, warning, approve, publish, refusal
):
    client = factories.client_in(language, empty["admin"])
    slug = empty["rule"].slug
    console = client.get(reverse("rankings:manage", args=[slug])).content.decode()
    assert warning in console and approve in console
    # A post without the confirmation (an old page, a script) is refused, in words.
    refused = client.post(reverse("rankings:approve", args=[slug, 1]), follow=True).content.decode()
    assert refused.count(refusal) == 1
    assert Snapshot.objects.get(pk=empty["snapshot"].pk).status == Snapshot.Status.DRAFT
    client.post(reverse("rankings:approve", args=[slug, 1]), {"nobody_ranked_ok": "1"})
    console = client.get(reverse("rankings:manage", args=[slug])).content.decode()
    assert warning in console and publish in console
    client.post(reverse("rankings:publish", args=[slug, 1]), {"nobody_ranked_ok": "1"})
    assert Snapshot.objects.get(pk=empty["snapshot"].pk).status == Snapshot.Status.PUBLISHED


def test_the_api_refuses_an_empty_version_with_a_code_until_confirmed(empty):
    client = factories.client_in("en", empty["admin"])
    url = f"/api/v1/rankings/{empty['rule'].slug}/versions/1/"
    refused = client.post(url + "approve/", {}, content_type="application/json")
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "nobody_ranked"
    assert client.post(url + "approve/", {"nobody_ranked_ok": True}, content_type="application/json").status_code == 200
    refused = client.post(url + "publish/", {}, content_type="application/json")
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "nobody_ranked"
    published = client.post(url + "publish/", {"nobody_ranked_ok": True}, content_type="application/json")
    assert published.status_code == 200 and published.json()["status"] == "published"


@pytest.mark.parametrize(
    ("language", "nobody", "no_match"),
    [
        ("zh-hans", "本排行榜暂时还没有人上榜。", "没有符合条件的结果。"),
        ("en", "No one is ranked on this board yet.", "Nothing matches."),
    ],
)
def test_an_empty_published_board_says_no_one_is_ranked_and_a_fruitless_search_says_nothing_matches(
    empty, language, nobody, no_match
):
    admin = empty["admin"]
    snapshot_publish(
        snapshot=snapshot_approve(snapshot=empty["snapshot"], by=admin, nobody_ranked_ok=True),
        by=admin,
        nobody_ranked_ok=True,
    )
    client = factories.client_in(language, admin)
    board = client.get(reverse("rankings:board", args=[empty["rule"].slug])).content.decode()
    assert nobody in board and no_match not in board

    other = factories.ranking_rule(empty["tree"]["audit"], subject="member", sources=[{"kind": "points"}])
    snapshot = compute(other).snapshot
    auditor = factories.administrator(empty["tree"]["audit"], username="boss")
    snapshot_publish(snapshot=snapshot_approve(snapshot=snapshot, by=auditor), by=auditor)
    client = factories.client_in(language, auditor)
    searched = client.get(reverse("rankings:board", args=[other.slug]), {"q": "无此人"}).content.decode()
    assert no_match in searched and nobody not in searched


def published_empty(empty):
    admin = empty["admin"]
    snapshot_publish(
        snapshot=snapshot_approve(snapshot=empty["snapshot"], by=admin, nobody_ranked_ok=True),
        by=admin,
        nobody_ranked_ok=True,
    )


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_an_empty_board_shows_its_message_alone_without_a_chart_search_or_table(empty, language):
    """The board drew an empty score chart (axes and no bars), a search box and a table head
    under “No one is ranked on this board yet.”: a member of 财政部 and its administrator see the
    message alone, and the API lists no one."""
    published_empty(empty)
    member = factories.member(empty["tree"]["mof"], username="mof-member")
    for person in (member, empty["admin"]):
        page = factories.client_in(language, person).get(reverse("rankings:board", args=[empty["rule"].slug]))
        html = page.content.decode()
        assert 'id="board-empty"' in html
        for absent in ('id="histogram-chart"', 'id="groups-chart"', 'id="chart-data"', "chart.umd", 'id="board-table"'):
            assert absent not in html, (person.username, absent)
        assert 'id="board-search"' not in html and 'id="board-no-match"' not in html
    api = factories.client_in(language, member).get(f"/api/v1/rankings/{empty['rule'].slug}/")
    assert api.status_code == 200
    body = api.json()
    assert (body["count"], body["results"], body["snapshot"]["rows"], body["snapshot"]["eligible"]) == (0, [], 0, 0)


def test_a_board_listing_only_the_unranked_lists_them_without_an_empty_chart(study):  # noqa: F811
    """Six members with points but a threshold of 10 participants no member reaches: each is
    listed with why they take no place, and there is no score chart of no one."""
    tree = study["tree"]
    rule = factories.ranking_rule(tree["audit"], subject="member", sources=[{"kind": "points"}], min_participants=10)
    snapshot = compute(rule).snapshot
    assert (snapshot.row_count, snapshot.eligible_count) == (6, 0)
    admin = factories.administrator(tree["audit"], username="boss")
    html = factories.client_in("en", admin).get(reverse("rankings:board", args=[rule.slug])).content.decode()
    assert html.count("Not ranked: too few participants") == 6
    assert 'id="histogram-chart"' not in html and 'id="board-empty"' not in html
