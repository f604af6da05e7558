"""The results page shows what each score adds up from, as the export does: the base score every
team starts from, its points on answers and its adjustments. Without the base score, an organiser
checking 130 against three right relay answers (+10 each) could not make it add up."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from contests import services
from contests.models import Round
from tests.contests.conftest import start
from tests.contests.hall_once import hall_built_once, tree_of_the_hall  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db


def cells(page: str, team: str) -> list[str]:
    """The cells of `team`'s row of the results table, as text."""
    table = page.split('id="results-table"')[1].split("</table>")[0]
    row = next(r for r in table.split("<tr>") if f"<td>{team}" in r)
    return [
        re.sub(r"<small.*?</small>|<div .*?</div>|<[^>]+>", "", cell).strip()
        for cell in re.findall(r"<td[^>]*>(.*?)</td>", row)
    ]


def phone_sum(page: str, team: str) -> str:
    """What a phone shows under `team`'s name instead of the columns of its score's parts."""
    table = page.split('id="results-table"')[1].split("</table>")[0]
    row = next(r for r in table.split("<tr>") if f"<td>{team}" in r)
    return row.split('data-part="sum">')[1].split("</div>")[0]


def test_the_results_show_base_score_points_on_answers_and_adjustments_beside_the_total(client, hall):
    contest = start(hall, {"type": Round.Type.RELAY, "count": 3, "points": 10, "time_limit_s": 20})
    t0 = timezone.now()
    for n in range(3):  # red's three runners each answer right (对), blue never answers
        at = t0 + timedelta(seconds=30 * n)
        services.question_open(contest=contest, by=hall.host, at=at)
        services.answer_submit(
            contest=contest, member=hall.red[n], response="对", client_answer_id=f"r{n}", at=at + timedelta(seconds=2)
        )
        services.question_reveal(contest=contest, by=hall.host, at=at + timedelta(seconds=25))
    services.score_adjust(contest=contest, team=hall.team_blue, points=-5, reason="违规提示", by=hall.host)
    services.contest_finish(contest=contest, by=hall.host)
    client.force_login(hall.host)
    page = client.get(reverse("contests:results", args=[contest.join_code])).content.decode()
    # rank, team, score, relay time, base score, points on answers, adjustments
    # red: 100 + 3 × 10 + 0 = 130, legs 2 s each = 6.0 s; blue: 100 + 0 − 5 = 95, 20 s × 3 = 60.0 s
    assert cells(page, "红队") == ["1", "红队", "130", "6.0", "100", "+30", "+0"]
    assert cells(page, "蓝队") == ["2", "蓝队", "95", "60.0", "100", "+0", "-5"]
    assert (phone_sum(page, "红队"), phone_sum(page, "蓝队")) == ("100 +30 +0", "100 +0 -5")
    assert ">基础分</th>" in page
    assert "总分 = 基础分 + 答题得分 + 调整与更正" in page
    client.cookies["django_language"] = "en"
    page = client.get(reverse("contests:results", args=[contest.join_code])).content.decode()
    assert ">Base score</th>" in page and ">Points on answers</th>" in page
    assert cells(page, "红队")[4:] == ["100", "+30", "+0"]


def test_the_console_big_screen_and_phones_say_what_every_team_s_first_score_is(client, hall):
    contest = hall.contest
    type(contest).objects.filter(pk=contest.pk).update(base_score=120)  # each team shows 120 first
    pages = [(hall.host, "contests:host"), (hall.host, "contests:screen"), (hall.red[0], "contests:play")]
    for language, label in (("zh-hans", "起始分 120"), ("en", "Base score 120")):
        client.cookies["django_language"] = language
        for user, name in pages:
            client.force_login(user)
            page = client.get(reverse(name, args=[contest.join_code])).content.decode()
            note = page.split('id="base-score-note">')[1].split("</")[0]
            assert note == label, (name, language)
