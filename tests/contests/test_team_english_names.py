"""A team named after its unit goes by the unit's English name on every English page and export,
as on the live pages (the Answers sheet, Past results and the setup pages showed the Chinese
name); a team without an English name keeps the name as typed."""

from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from contests import services
from contests.models import Round
from tests import factories
from tests.factories import client_in


@pytest.fixture
def finished(tree):
    tree["gz1"].name_en = "First Party Branch"
    tree["gz1"].save()
    host = factories.organiser(tree["audit"], username="host")
    first = factories.member(tree["gz1"], username="first")
    red = factories.member(tree["gz2"], username="red")
    contest = services.contest_create(title="知识竞赛", unit=tree["audit"], by=host)
    services.team_add(contest=contest, name="第一党支部", unit=tree["gz1"], legs=[first])
    services.team_add(contest=contest, name="红队", unit=tree["gz2"], legs=[red])
    version = factories.question(factories.bank(tree["audit"]), "true_false", key=[True]).current
    services.round_add(contest=contest, type=Round.Type.COMPULSORY, title="必答题", versions=[version])
    return contest, host, first, red


def test_the_setup_pages_name_teams_in_the_readers_language(finished):
    contest, host, _first, _red = finished
    # The team's heading on the teams page, its cell on the review page.
    for name, english_mark, chinese_mark in [
        ("setup_teams", "</i> {} <span", "</i> {} <span"),
        ("setup_review", '<td class="text-nowrap">{}</td>', '<td class="text-nowrap">{}</td>'),
    ]:
        url = reverse(f"contests:{name}", args=[contest.join_code])
        english, chinese = client_in("en", host).get(url).text, client_in("zh-hans", host).get(url).text
        assert english_mark.format("First Party Branch") in english, name
        assert english_mark.format("第一党支部") not in english, name
        assert english_mark.format("红队") in english, name  # no English name: as typed
        assert chinese_mark.format("第一党支部") in chinese, name


def test_the_answers_sheet_and_past_results_name_the_team_as_the_teams_sheet_does(finished):
    contest, host, first, red = finished
    services.contest_start(contest=contest, by=host)
    services.question_open(contest=contest, by=host)
    services.answer_submit(contest=contest, member=first, response="对", client_answer_id="f1")
    services.answer_submit(contest=contest, member=red, response="错", client_answer_id="r1")
    services.question_reveal(contest=contest, by=host)
    services.contest_finish(contest=contest, by=host)
    url = reverse("contests:results_xlsx", args=[contest.join_code])

    def team_columns(language: str) -> tuple[list, list]:
        teams, answers, _changes = load_workbook(BytesIO(client_in(language, host).get(url).content)).worksheets
        return (
            [row[1] for row in teams.iter_rows(min_row=3, max_row=4, values_only=True)],
            [row[3] for row in answers.iter_rows(min_row=2, values_only=True)],
        )

    assert team_columns("en") == (["First Party Branch", "红队"], ["First Party Branch", "红队"])
    assert team_columns("zh-hans") == (["第一党支部", "红队"], ["第一党支部", "红队"])

    contests = reverse("contests:list")
    english = client_in("en", first).get(contests).text
    assert "First Party Branch ·" in english and "第一党支部" not in english
    assert "第一党支部 ·" in client_in("zh-hans", first).get(contests).text
