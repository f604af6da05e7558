"""A walk through a live contest found: an unbounded score adjustment (2**31 points reached the
big screen), and a results page and export with a relay-time column of 0.0 for a contest with no
relay round and ties that were not explained."""

from io import BytesIO

import pytest
from django.utils import translation
from openpyxl import load_workbook

from contests import services
from contests.models import Round, ScoreEvent
from tests.contests.hall_once import hall_built_once, tree_of_the_hall  # noqa: F401 (fixtures)
from tests.factories import client_in


@pytest.mark.parametrize("points", [1001, -1001, 2147483648, 10**20])
def test_a_score_adjustment_beyond_1000_points_either_way_is_refused_and_nothing_is_counted(hall, points):
    with pytest.raises(services.ContestRejected) as refused:
        services.score_adjust(contest=hall.contest, team=hall.team_red, points=points, reason="录入", by=hall.host)
    assert refused.value.code == "adjustment_too_large"
    assert not ScoreEvent.objects.filter(contest=hall.contest).exists()


def test_an_adjustment_of_1000_points_either_way_is_taken_and_1001_is_not(hall):
    # Adjusted while it runs: before the start an adjustment is refused (tests/contests/test_host_phases.py).
    services.round_add(contest=hall.contest, type=Round.Type.RELAY, versions=hall.versions[:1])
    services.contest_start(contest=hall.contest, by=hall.host)
    with pytest.raises(services.ContestRejected):
        services.score_adjust(contest=hall.contest, team=hall.team_red, points=1001, reason="加分", by=hall.host)
    services.score_adjust(contest=hall.contest, team=hall.team_red, points=1000, reason="加分", by=hall.host)
    services.score_adjust(contest=hall.contest, team=hall.team_blue, points=-1000, reason="扣分", by=hall.host)
    # 100 + 1000 and 100 - 1000.
    scores = [(row["name"], row["score"]) for row in services.team_scores(hall.contest)]
    assert scores == [("红队", 1100), ("蓝队", -900)]


def test_the_refusal_of_a_large_adjustment_says_the_bound_in_either_language(hall):
    with pytest.raises(services.ContestRejected) as refused:
        services.score_adjust(contest=hall.contest, team=hall.team_red, points=5000, reason="录入", by=hall.host)
    with translation.override("en"):
        assert str(refused.value.message) == "An adjustment is at most 1000 points either way."
    with translation.override("zh-hans"):
        assert str(refused.value.message) == "每次调整最多加减 1000 分。"


def played(hall, round_type: str):
    """Red and blue both answer the one question wrong, so both keep the base score of 100."""
    services.round_add(contest=hall.contest, type=round_type, versions=hall.versions[:1])
    services.contest_start(contest=hall.contest, by=hall.host)
    services.question_open(contest=hall.contest, by=hall.host)
    services.answer_submit(contest=hall.contest, member=hall.red[0], response="错", client_answer_id="r")
    services.answer_submit(contest=hall.contest, member=hall.blue[0], response="错", client_answer_id="b")
    services.question_reveal(contest=hall.contest, by=hall.host)
    return hall.contest


def test_a_contest_without_a_relay_round_does_not_time_relays_and_one_with_one_does(hall):
    assert services.contest_times_relays(played(hall, Round.Type.COMPULSORY)) is False
    services.round_add(contest=hall.contest, type=Round.Type.RELAY, versions=hall.versions[1:2])
    assert services.contest_times_relays(hall.contest) is True


def test_results_without_a_relay_round_show_no_relay_time_and_say_how_ties_are_shared(hall):
    contest = played(hall, Round.Type.COMPULSORY)
    client = client_in("en", hall.host)
    page = client.get(f"/contests/{contest.join_code}/results/").content.decode()
    assert "Relay time" not in page
    assert "Teams level on score share a rank, and the next rank counts them all (1, 1, 3)." in page
    book = load_workbook(BytesIO(client.get(f"/contests/{contest.join_code}/results.xlsx").content))
    rows = list(book.worksheets[0].iter_rows(min_row=2, values_only=True))
    # Both at 100: both first. No relay-time column (then how each score adds up: base 100, both
    # answered wrong at no penalty, no adjustment), and the note below the table.
    parts = ("Base score", "Points on the answers sheet", "Adjustments and corrections")
    assert rows[:3] == [("Rank", "Team", "Score", *parts), (1, "红队", 100, 100, 0, 0), (1, "蓝队", 100, 100, 0, 0)]
    note = "Teams level on score share a rank, and the next rank counts them all (1, 1, 3)."
    assert rows[-1] == (note, None, None, None, None, None)
    zh = client_in("zh-hans", hall.host).get(f"/contests/{contest.join_code}/results/").content.decode()
    assert "得分相同的队伍并列同一名次" in zh and "接力用时" not in zh


def test_results_with_a_relay_round_keep_relay_time_and_say_it_places_teams_level_on_score(hall):
    contest = played(hall, Round.Type.RELAY)
    client = client_in("en", hall.host)
    page = client.get(f"/contests/{contest.join_code}/results/").content.decode()
    assert "Relay time (s)" in page and "placed by the shorter relay time" in page
    book = load_workbook(BytesIO(client.get(f"/contests/{contest.join_code}/results.xlsx").content))
    assert next(book.worksheets[0].iter_rows(min_row=2, max_row=2, values_only=True)) == (
        "Rank",
        "Team",
        "Score",
        "Relay time (s)",
        "Base score",
        "Points on the answers sheet",
        "Adjustments and corrections",
    )
