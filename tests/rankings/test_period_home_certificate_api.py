"""The period counted, and whether a board was corrected, where the board's own pages already say
them but the member's My place card, the certificates and the API did not."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from lessons.models import PointEvent
from rankings.exports import certificate_pdf
from tests import factories
from tests.rankings import pdfs
from tests.rankings.test_period_and_corrections import TIERS, admin, dated_rule, published, study  # noqa: F401
from tests.rankings.test_services import points

# Asia/Shanghai is UTC+8 all year: local midnight opening 24 November is 16:00 UTC on the 23rd,
# and local midnight closing 7 December (opening the 8th) is 16:00 UTC on the 7th. A period read
# through UTC would start on 23 November and end on 6 or 7 December.
STARTS, ENDS = dt.date(2026, 11, 24), dt.date(2026, 12, 7)
ZH_PERIOD = "统计期：2026-11-24 至 2026-12-07"
EN_PERIOD = "Period: 24 Nov 2026 – 7 Dec 2026"


def earned_at(member, amount: int, key: str, local: dt.datetime) -> None:
    """Points earned at a local wall-clock time, on that local day."""
    PointEvent.objects.create(
        member=member,
        activity="quiz",
        points=amount,
        day=local.date(),
        occurred_at=timezone.make_aware(local),
        source_key=key,
    )


@pytest.fixture
def edges(study):  # noqa: F811
    """Points at the period's local midnights: G's first second of 24 November and H's last of
    7 December count; I's last second of 23 November and J's first of 8 December do not."""
    gz1 = study["tree"]["gz1"]
    people = {name: factories.member(gz1, username=name, real_name=name.upper()) for name in "ghij"}
    earned_at(people["g"], 60, "g", dt.datetime(2026, 11, 24, 0, 0, 0))
    earned_at(people["h"], 55, "h", dt.datetime(2026, 12, 7, 23, 59, 59))
    earned_at(people["i"], 70, "i", dt.datetime(2026, 11, 23, 23, 59, 59))
    earned_at(people["j"], 80, "j", dt.datetime(2026, 12, 8, 0, 0, 0))
    for name in "ij":
        # Each has a point inside the period too, so both are on the board, far below.
        points(people[name], 1, f"{name}-in", day=dt.date(2026, 12, 1))
    return people


@pytest.fixture
def board(study, admin, edges):  # noqa: F811
    rule = dated_rule(study, STARTS, ENDS, slug="edges", title="十二月积分榜", prize_mode="count", prize_tiers=TIERS)
    published(rule, admin)
    return rule


def test_the_api_gives_the_period_as_local_dates_and_null_without_one(client, study, admin, board):  # noqa: F811
    # The board counted local days to their midnights: G 60 and H 55 inside the period, I and J
    # only their 1 point inside; the 2026-11-20 points of `study` (F 50 ...) fall before it.
    scores = {row.label: int(row.metric) for row in board.snapshots.get().rows.all()}
    assert {name: scores[name] for name in "GHIJ"} == {"G": 60, "H": 55, "I": 1, "J": 1}
    assert "F" not in scores
    client.force_login(admin)
    snapshot = client.get(f"/api/v1/rankings/{board.slug}/").json()["snapshot"]
    assert (snapshot["period_starts_on"], snapshot["period_ends_on"]) == ("2026-11-24", "2026-12-07")
    assert snapshot["corrects"] is None
    rules = {rule["slug"]: rule for rule in client.get("/api/v1/rankings/").json()}
    assert (rules["edges"]["period_starts_on"], rules["edges"]["period_ends_on"]) == ("2026-11-24", "2026-12-07")

    open_ended = dated_rule(study, None, None, slug="always")
    published(open_ended, admin)
    snapshot = client.get(f"/api/v1/rankings/{open_ended.slug}/").json()["snapshot"]
    assert (snapshot["period_starts_on"], snapshot["period_ends_on"]) == (None, None)
    rules = {rule["slug"]: rule for rule in client.get("/api/v1/rankings/").json()}
    assert (rules["always"]["period_starts_on"], rules["always"]["period_ends_on"]) == (None, None)

    from_only = dated_rule(study, STARTS, None, slug="from-only")
    published(from_only, admin)
    snapshot = client.get(f"/api/v1/rankings/{from_only.slug}/").json()["snapshot"]
    assert (snapshot["period_starts_on"], snapshot["period_ends_on"]) == ("2026-11-24", None)


def test_the_api_says_a_board_was_corrected_and_why(client, admin, board, edges):  # noqa: F811
    points(edges["j"], 100, "j-late", day=dt.date(2026, 12, 2))
    published(board, admin, reason="补录一名同志的学习积分")
    client.force_login(admin)
    snapshot = client.get(f"/api/v1/rankings/{board.slug}/").json()["snapshot"]
    assert snapshot["version"] == 2
    assert snapshot["corrects"] == {"version": 1, "reason": "补录一名同志的学习积分"}
    home = factories.client_in("en", edges["g"]).get("/api/v1/home/").json()
    (place,) = [place for place in home["places"] if place["ranking"] == "edges"]
    assert place["corrects"] == {"version": 1, "reason": "补录一名同志的学习积分"}


def test_my_place_card_and_the_home_api_give_the_period(board, edges):
    member = edges["g"]
    for language, line in (("zh-hans", ZH_PERIOD), ("en", EN_PERIOD)):
        page = factories.client_in(language, member).get(reverse("home")).content.decode()
        card = page[page.index('id="my-places"') :].split("</ul>")[0]
        assert f'<div class="small qs-muted qs-place-period">{line}</div>' in card, language
    home = factories.client_in("en", member).get("/api/v1/home/").json()
    (place,) = [place for place in home["places"] if place["ranking"] == "edges"]
    assert (place["period_starts_on"], place["period_ends_on"]) == ("2026-11-24", "2026-12-07")
    assert place["corrects"] is None


def test_my_place_card_says_a_board_was_corrected(board, admin, edges, monkeypatch):  # noqa: F811
    # Published again at 02:30 UTC on 9 December: 10:30 in Shanghai.
    monkeypatch.setattr(timezone, "now", lambda: dt.datetime(2026, 12, 9, 2, 30, tzinfo=dt.UTC))
    points(edges["j"], 100, "j-late", day=dt.date(2026, 12, 2))
    published(board, admin, reason="补录")
    card = {}
    for language in ("zh-hans", "en"):
        page = factories.client_in(language, edges["g"]).get(reverse("home")).content.decode()
        card[language] = page[page.index('id="my-places"') :].split("</ul>")[0]
    assert '<span class="qs-place-corrected">2026-12-09 10:30 更正</span>' in card["zh-hans"]
    assert '<span class="qs-place-corrected">as corrected 9 Dec 2026 10:30</span>' in card["en"]
    assert "as published" not in card["en"]


def test_a_certificate_prints_the_period_in_the_readers_language(study, admin, board, edges, tmp_path):  # noqa: F811
    row = board.snapshots.get().rows.get(label="G")
    with translation.override("zh-hans"):
        chinese = "".join(pdfs.text(certificate_pdf(row), tmp_path).split())
    with translation.override("en"):
        english = " ".join(pdfs.text(certificate_pdf(row), tmp_path).split())
    assert "统计期：2026-11-24至2026-12-07" in chinese  # ZH_PERIOD, its spaces dropped as the text is joined
    assert EN_PERIOD in english
    # Under the citation, before the issuer.
    assert english.index("in recognition of this achievement.") < english.index(EN_PERIOD)

    # A ranking without dates counts every fact up to its computation: no period line to print.
    rule = dated_rule(study, None, None, slug="always", prize_mode="count", prize_tiers=TIERS)
    row = published(rule, admin).rows.get(label="F")
    with translation.override("en"):
        english = " ".join(pdfs.text(certificate_pdf(row), tmp_path).split())
    assert "This certifies that" in english and "Period" not in english


def test_a_corrected_boards_certificate_says_which_version_it_replaces(board, admin, edges, tmp_path):  # noqa: F811
    points(edges["j"], 100, "j-late", day=dt.date(2026, 12, 2))
    snapshot = published(board, admin, reason="补录")
    row = snapshot.rows.get(label="J")
    with translation.override("en"):
        english = " ".join(pdfs.text(certificate_pdf(row), tmp_path).split())
    assert "edges v2 · " in english and "· corrected, replacing version 1" in english
    with translation.override("zh-hans"):
        chinese = "".join(pdfs.text(certificate_pdf(row), tmp_path).split())
    assert "更正版，取代第1版" in chinese


def test_the_big_screen_names_a_ranked_unit_first_and_the_units_above_it_below(client, study, admin):  # noqa: F811
    """Each row keeps to a name line and a unit line, cut rather than wrapped: a ranked unit's own
    name is the large line (a path cut at its end would lose it), the units above it the small one."""
    rule = factories.ranking_rule(
        study["tree"]["audit"], subject="unit", unit_level=3, metric="total", sources=[{"kind": "points"}]
    )
    published(rule, admin)
    client.force_login(admin)
    screen = client.get(reverse("rankings:screen", args=[rule.slug]), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    path = "广州特派办/第一党支部"
    row = f'<span class="name"><span title="{path}">第一党支部</span><small title="{path}">广州特派办</small></span>'
    assert row in screen
